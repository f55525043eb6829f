"""The spiking (LIF) cortex in Brian2: a NeuronGroup with threshold, reset and refractoriness,
spikes propagating on Synapses, the e-prop eligibility as synaptic variables.

The model is :mod:`bioRTRRL.engines.kernels.spiking`'s (Bellec et al. 2020, Nat Commun 11:3625),
written as Brian2 equations on a neural clock of ``circuit.neural_dt_ms``:

- ``cortex``: ``dv/dt = (I − v)/τ (unless refractory)`` integrated by Brian2's ``exact`` method,
  threshold ``v >= v_th + β a``, reset ``v = 0; h += 1 − κ; a += 1``, refractory
  ``circuit.lif_refractory_ms``; the adaptation ``da/dt = −a/τ_a`` (ALIF, β =
  ``circuit.lif_adaptation_beta``; β = 0: LIF); the filtered spike train ``dh/dt = −h/τ_out`` is
  what the striatal readouts read; ψ, e-prop's pseudo-derivative of v − A, is computed after the
  state update.
- ``recurrent``: cortex → cortex Synapses, ``on_pre: v_post += w`` for a non-refractory target;
  eligibility vector ε (``+1`` per presynaptic spike, decaying by α_post) and eligibility trace E;
  with adaptation also the eligibility vector of a, ε^a (``epsa``).
- ``afferent``: input (and a bias unit of constant 1) → cortex Synapses carrying ε and E of the
  input weights; the input current I = W_in x + b is held over the env step.
- ε is cleared by the post-synaptic spike (``on_post``), as the reset clears ∂v/∂W.

:class:`SpikingEngine` closes the loop: one ``run()`` over all env steps, a network operation at
the env clock collects the cortex's filtered spikes and eligibility traces after the env step's
neural steps and hands them to the reference kernel's striatal readouts, dopamine and
dopamine-gated update (:func:`bioRTRRL.engines.kernels.tick` with no neural steps of its own),
then starts the next env step with the updated weights. The readouts, the TD error and the
optimizer are therefore the reference engine's code; the spiking cortex and its eligibility are
Brian2's. The full Brian2 circuit (:class:`.loop.ClosedLoop`) does not take ``unit = "lif"``.
"""

from __future__ import annotations

import math

import numpy as np
from brian2 import (Clock, Network, NetworkOperation, NeuronGroup, SpikeMonitor, Synapses, ms,
                    second)

from ...config import Model, lif_steps
from ...errors import ModelError
from ..parameters import CircuitDims
from ..reference import ReferenceEngine
from .backend import codeobj_class

#: The LIF cortex (see the module docstring); ``a`` = exp(−dt/τ) for the eligibility updates,
#: ``adapt`` the adaptation variable (Bellec's a_j; 0 without adaptation).
CORTEX = """
dv/dt = (I - v) / tau : 1 (unless refractory)
dh/dt = -h / tau_out : 1
dadapt/dt = -adapt / tau_a : 1
I : 1
tau : second (constant)
a : 1 (constant)
psi : 1
"""
#: ψ of v − A (A = v_th + β a) after the state update, 0 while refractory (Bellec et al. 2020,
#: Eq. 24 with γ_pd), times a spike's increment of h: ∂h/∂v
PSEUDO_DERIVATIVE = ("psi = int(not_refractory) * (gamma_pd / v_th)"
                     " * clip(1 - abs(v - (v_th + beta * adapt)) / v_th, 0, inf) * gain")
#: e-prop per neural step: ε decays (an afferent one integrates x), E filters ψ ε
AFFERENT_EPS = ("eps = int(not_refractory_post) * (a_post * eps + (1 - a_post) * x_pre)"
                " + int(not not_refractory_post) * eps")
RECURRENT_EPS = ("eps = int(not_refractory_post) * (a_post * eps)"
                 " + int(not not_refractory_post) * eps")
LIF_ELIGIBILITY = "E = kappa * E + psi_post * eps"
#: ALIF: ε^a decays with a, the spike's derivative ψ (ε − β ε^a) enters E and, as a's jump, ε^a
#: (psi holds the factor gain = 1 − κ of h: ε^a takes ψ / gain)
ALIF_ELIGIBILITY = """
epsa = rho_a * epsa
E = kappa * E + psi_post * (eps - beta * epsa)
epsa = epsa + psi_post / gain * (eps - beta * epsa)
"""


class SpikingCortex:
    """The Brian2 objects of a LIF cortex of N units with D input channels (+ bias).

    Attributes
    ----------
    cortex : NeuronGroup
        ``v`` membrane, ``h`` filtered spike train, ``I`` input current, ``psi`` pseudo-derivative.
    inputs : NeuronGroup
        D + 1 units whose ``x`` is the env step's input (the last one the bias, x = 1).
    afferent, recurrent : Synapses
        ``eps``, ``E`` (e-prop), and ``w`` on the recurrent ones.
    spikes : SpikeMonitor
        Every cortical spike (``i``, ``t``).
    """

    def __init__(self, model: Model, N: int, D: int, tau_ms: np.ndarray, codegen_target: str):
        circ = model.circuit
        dt = circ.neural_dt_ms * ms
        cls = codeobj_class(codegen_target)
        self.clock = Clock(dt=dt, name="neural_clock")
        kappa = math.exp(-float(dt) / (circ.lif_tau_out_ms * 0.001))
        beta = circ.lif_adaptation_beta
        tau_a = circ.lif_adaptation_tau_ms * ms
        ns = {"v_th": circ.lif_threshold, "gamma_pd": circ.lif_pseudo_derivative,
              "tau_out": circ.lif_tau_out_ms * ms, "kappa": kappa, "gain": 1.0 - kappa,
              "beta": beta, "tau_a": tau_a, "rho_a": math.exp(-float(dt) / float(tau_a))}
        self.cortex = NeuronGroup(N, CORTEX, threshold="v >= v_th + beta * adapt",
                                  reset="v = 0\nh += gain\nadapt += 1",
                                  refractory=circ.lif_refractory_ms * ms, method="exact",
                                  clock=self.clock, namespace=ns, name="cortex",
                                  codeobj_class=cls)
        self.cortex.tau = tau_ms * ms
        # the same operands as Brian2's exp(-dt/tau) in the state update
        self.cortex.a = [math.exp(-float(dt) / (t * 0.001)) for t in tau_ms]
        self.cortex.run_regularly(PSEUDO_DERIVATIVE, when="groups", order=1, name="psi",
                                  codeobj_class=cls)
        self.inputs = NeuronGroup(D + 1, "x : 1", clock=self.clock, name="inputs",
                                  codeobj_class=cls)
        # ε^a only with adaptation (β = 0 leaves the LIF equations)
        elig = ALIF_ELIGIBILITY if beta else LIF_ELIGIBILITY
        syn_vars = "eps : 1\nE : 1" + ("\nepsa : 1" if beta else "")
        self.afferent = Synapses(self.inputs, self.cortex, syn_vars, on_post="eps = 0",
                                 clock=self.clock, namespace=ns, name="afferent",
                                 codeobj_class=cls)
        pre, post = np.meshgrid(np.arange(D + 1), np.arange(N))
        self.afferent.connect(i=pre.ravel(), j=post.ravel())
        self.afferent.run_regularly(AFFERENT_EPS + "\n" + elig, when="groups", order=2, name="aff_e",
                                    codeobj_class=cls)
        self.recurrent = Synapses(self.cortex, self.cortex, "w : 1\n" + syn_vars,
                                  on_pre="v_post += w * int(not_refractory_post)\n"
                                         "eps += int(not_refractory_post)",
                                  on_post="eps = 0", clock=self.clock, namespace=ns,
                                  name="recurrent", codeobj_class=cls)
        pre, post = np.meshgrid(np.arange(N), np.arange(N))
        self.recurrent.connect(i=pre.ravel(), j=post.ravel())
        self.recurrent.run_regularly(RECURRENT_EPS + "\n" + elig, when="groups", order=2,
                                     name="rec_e",
                                     codeobj_class=cls)
        self.spikes = SpikeMonitor(self.cortex, name="cortex_spikes", codeobj_class=cls)
        # synapse k = (post i, pre j) of row-major (post, pre) order: W's flat positions
        Z = D + N + 1
        rows = np.arange(N)[:, None] * Z
        self.afferent_index = np.concatenate([rows + np.arange(D), rows + Z - 1], axis=1).ravel()
        self.recurrent_index = (rows + D + np.arange(N)).ravel()
        self.N, self.D, self.Z = N, D, Z

    def objects(self) -> list:
        return [self.cortex, self.inputs, self.afferent, self.recurrent, self.spikes]

    def array(self, obj, name: str) -> np.ndarray:
        """The variable's own storage (writes go straight into the simulation)."""
        return obj.variables[name].get_value()

    def reset_state(self) -> None:
        """An episode ended: membranes, filtered spikes, refractoriness and eligibility cleared."""
        synaptic = ("eps", "E", "epsa") if "epsa" in self.recurrent.equations.names else ("eps", "E")
        for obj, names in ((self.cortex, ("v", "h", "psi", "adapt")), (self.afferent, synaptic),
                           (self.recurrent, synaptic)):
            for n in names:
                self.array(obj, n)[:] = 0.0
        self.array(self.cortex, "lastspike")[:] = -1e4
        self.array(self.cortex, "not_refractory")[:] = True


class SpikingEngine(ReferenceEngine):
    """The closed loop with the LIF cortex simulated by Brian2 (see the module docstring).

    Parameters as :class:`~bioRTRRL.engines.reference.ReferenceEngine`; ``codegen_target`` as the
    Brian2 engine's (``"cython"`` computes the reference engine's numbers; NumPy's exp may differ
    from libm's in the last bit, which can move a spike).

    Attributes
    ----------
    brian : SpikingCortex
    network : brian2.Network
    """

    def __init__(self, model: Model, dims: CircuitDims, num_envs: int, seed: int,
                 action_low=None, action_high=None, codegen_target: str = "cython"):
        if num_envs != 1:
            raise ModelError("the Brian2 spiking cortex simulates one environment: "
                             f"task.num_envs must be 1, got {num_envs}")
        if model.circuit.input_adaptation:
            raise ModelError("circuit.input_adaptation is not supported by the Brian2 spiking "
                             "cortex; set it to false or use engine='reference'")
        super().__init__(model, dims, num_envs, seed, action_low, action_high)
        self.substeps = lif_steps(model.circuit)[0]
        self.config["substeps"] = 0  # the kernel computes striatum, dopamine and the update only
        self.spikes = np.zeros((1, 0, dims.N))
        self.brian = SpikingCortex(model, dims.N, dims.D, self.params["tau"].copy(),
                                   codegen_target)
        self.env_clock = Clock(dt=model.circuit.env_dt_ms * ms, name="env_clock")
        self.network = Network(*self.brian.objects())
        self._session = None
        self._steps_left = 0
        self._pending = False

    def simulate(self, session, steps: int) -> None:
        """``steps`` env steps in one Brian2 run: a network operation at the env clock finishes
        the last env step (readouts, dopamine, update) and begins the next one."""
        self._session, self._steps_left = session, steps
        op = NetworkOperation(self._env_step, clock=self.env_clock, when="start")
        self.network.add(op)
        try:
            self.network.run(steps * self.env_clock.dt, namespace={})
            if self._pending:
                self._finish()
        finally:
            self.network.remove(op)
            self._session = None

    def _env_step(self) -> None:
        if self._pending:
            self._finish()
        if self._steps_left == 0:
            return
        self._steps_left -= 1
        self._session.begin_tick()
        self._begin()

    def _begin(self) -> None:
        """Input, current and recurrent weights of this env step (ξ as the kernel builds it)."""
        drv, d, b = self._session.driver, self.dims, self.brian
        x = np.zeros(d.D)
        x[:d.O] = drv.obs[0]
        if self.config["meta"][0] == 1 and not drv.fresh[0]:
            x[d.O:d.O + d.A_in] = self.action_in[0]
            x[d.O + d.A_in] = drv.reward[0]
        W = self.params["W"]
        acc = np.zeros(d.N)
        for j in range(d.D):  # the kernel's summation order
            acc += W[:, j] * x[j]
        b.array(b.cortex, "I")[:] = acc + W[:, d.Z - 1]
        b.array(b.inputs, "x")[:d.D] = x
        b.array(b.inputs, "x")[d.D] = 1.0
        b.array(b.recurrent, "w")[:] = self.theta[b.recurrent_index]
        self._pending = True

    def _finish(self) -> None:
        """The env step's neural steps are done: readouts, dopamine and the update."""
        b, drv = self.brian, self._session.driver
        self.h[0] = b.array(b.cortex, "h")
        self.P[0, b.afferent_index] = b.array(b.afferent, "E")
        self.P[0, b.recurrent_index] = b.array(b.recurrent, "E")
        ReferenceEngine.tick(self, drv.obs, drv.reward, drv.terminated, drv.truncated, drv.fresh)
        if drv.terminated[0] or drv.truncated[0]:
            b.reset_state()
        self._pending = False
        self._session.end_tick()

    def silence(self, population: str, units=None) -> None:
        if population == "cortex":
            raise ModelError("silencing cortical units is not supported by the Brian2 spiking "
                             "cortex; use engine='reference'")
        super().silence(population, units)

    def frozen_copy(self, num_envs: int, seed: int, action_low=None,
                    action_high=None) -> ReferenceEngine:
        """The reference engine's frozen copy (evaluations), its LIF cortex stepping itself."""
        frozen = super().frozen_copy(num_envs, seed, action_low, action_high)
        frozen.config["substeps"] = self.substeps
        return frozen

    def spike_trains(self) -> tuple[np.ndarray, np.ndarray]:
        """(unit indices, spike times in seconds) of every spike so far, as SpikeMonitor holds them."""
        return np.asarray(self.brian.spikes.i[:]), np.asarray(self.brian.spikes.t / second)
