"""The basal-ganglia circuit as Brian2 objects: populations, projections and the tick schedule.

One tick of the Brian2 clock is one environment step (``circuit.env_dt_ms``). Within a tick the
objects run in the slots of :data:`SCHEDULE`, which is docs/algorithm.md §5 written as Brian2 phases:

=========== ===============================================================================
slot        what runs
=========== ===============================================================================
sense       (loop) the environment steps; input rates, reward and episode flags are written;
            manipulations due on this tick are applied
groups      forward pass: summed drives u_in, u_rec → cortex slope φ'(u) → RFLO traces of the
            synapses (with the old rates) → cortex Euler step (h, and the traces of τ and b)
            → summed striatal drives → critic value
select      (loop) action selection from striatum_dorsal; the value reaches the VTA
feedback    fixed random feedback synapses sum ψ, χ and the critic signal onto cortex
dopamine    the VTA computes δ; cortex combines its feedback into the learning signals
record      (loop) the tick is recorded
eligibility every plastic element computes its direction d = plastic · (δ z + entropy term),
            then updates its TD trace z ← γλ z + gradient; at an episode end traces, RFLO
            traces and h are reset
clip        (loop) global-norm clip of all directions: the one non-local step
plasticity  every plastic element takes its optimizer step (SGD or Adam) along the clipped d
end         (loop) snapshots, evaluations, progress
=========== ===============================================================================

Without a global-norm clip (``optimizer.clip_norm = 0``) no step waits for the norm: each owner's
direction, step and traces run as one code object in the plasticity slot.
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, linked_var, second

from ...circuit import describe
from ...config import Model, ModelError
from ..kernels import layout
from ..parameters import CircuitDims
from . import equations as eq

SCHEDULE = ["start", "sense", "groups", "thresholds", "synapses", "resets", "select", "feedback",
            "dopamine", "record", "eligibility", "clip", "plasticity", "end"]

_CORTICAL = ("input_cortex", "cortex_cortex")


class Circuit:
    """Populations, projections and the optimizer state of one circuit, before the loop is closed.

    Parameters
    ----------
    model : Model
    dims : CircuitDims
    theta : ndarray
        Initial parameters in the reference layout (:func:`bioRTRRL.engines.kernels.layout`).
    fb_a, fb_c : ndarray
        Fixed random feedback B_A (N·P, row-major) and B_C (N).
    codeobj_class : type
        Brian2 ``CodeObject`` class of every object (see :mod:`.backend`).
    equations : dict, optional
        Replacement models per population name (see :data:`.equations.MODELS`).

    Attributes
    ----------
    populations : dict of NeuronGroup
        ``input``, ``cortex``, ``striatum_dorsal``, ``striatum_ventral``, ``vta``.
    projections : dict of Synapses
        ``input_cortex``, ``cortex_cortex``, ``cortex_striatum_dorsal``,
        ``cortex_striatum_ventral`` (plastic) and ``feedback_striatum_dorsal``,
        ``feedback_striatum_ventral`` (fixed).
    optimizer : NeuronGroup
        One unit holding the optimizer's global state (:data:`.equations.OPTIMIZER`).
    clock : Clock
        The tick clock (dt = env_dt).
    tick : Quantity
        Duration of one tick of the model's τ (``env_dt / circuit.dt``).
    namespace : dict
        Constants of the rule (γ, η_π, Adam's ε, tau_min, tick, ...); λ and the plasticity
        switches are variables of the projections and populations.
    code_runners : list of CodeRunner
        The rule's ``run_regularly`` operations (forward-pass helpers, dopamine, eligibility and
        plasticity).
    """

    def __init__(self, model: Model, dims: CircuitDims, theta, fb_a, fb_c, codeobj_class,
                 equations: dict | None = None):
        equations = dict(equations or {})
        unknown = sorted(set(equations) - set(eq.MODELS))
        if unknown:
            raise ModelError(f"equations: unknown population(s) {unknown}; "
                             f"accepted: {list(eq.MODELS)}")
        self.model, self.dims = model, dims
        circ, lrn, opt = model.circuit, model.learning, model.optimizer
        self.adam = adam = opt.kind == "adam"
        env_dt = circ.env_dt_ms * 1e-3 * second
        self.clock = clock = Clock(dt=env_dt, name="tick_clock")
        self.tick = tick = env_dt / circ.dt
        self.exact_feedback = circ.feedback == "exact"
        namespace = {
            "gamma": lrn.gamma, "eta_pi": lrn.eta_pi, "adam_eps": opt.eps,
            "tau_min": circ.tau_min * tick, "tick": tick,
            "average_reward_lr": lrn.average_reward_lr,
        }
        self.namespace = namespace
        common = dict(clock=clock, codeobj_class=codeobj_class, namespace=namespace)
        # one NeuronGroup holds every cortical population (subgroups of it: :attr:`cortical`)
        sizes = {**dims.population_sizes, "cortex": dims.N}
        # order inside the "groups" slot: drives (0), slope (1), synaptic traces (2), cortex (3),
        # striatal drives (4), value (5)
        pops = {}
        for name in eq.MODELS:
            eqs = eq.population_equations(name, equations.get(name), adam)
            pops[name] = NeuronGroup(sizes[name], eqs, method="euler", name=name,
                                     order=3 if name == "cortex" else 6, **common)
        self.populations = pops
        self.optimizer = NeuronGroup(1, eq.OPTIMIZER, name="optimizer", **common)
        for group in (*pops.values(), self.optimizer):
            # a group without differential equations has nothing to integrate; skip its no-op
            group.state_updater.active = bool(group.equations.diff_eq_names)
        self._link_modulators()
        self._check_lesionable(model)

        self.masks = masks = describe(model).masks(dims.D)
        partial = not (masks["striatum_dorsal_rows"].all() and masks["striatum_ventral_rows"].all())
        if partial and (circ.feedback == "exact" or any(
                m.get("kind") == "exact_feedback" for m in model.manipulation)):
            raise ModelError("exact feedback (weight transport) needs every cortical population "
                             "to project to both striatal readouts; with circuit.projection "
                             "leaving some out, use circuit.feedback = 'random'")
        self.projections = {}
        for name, (pre, post, _rate, _drive) in eq.PLASTIC_PROJECTIONS.items():
            syn = Synapses(pops[pre], pops[post], eq.projection_equations(name, adam),
                           method="euler", name=name, order=2, **common)
            # only the synapses the description has, in the order of an all-to-all connect()
            # (pre-synaptic index major)
            i, j = np.nonzero(self._exists(name).T)
            syn.connect(i=i, j=j)
            (drive,) = syn.summed_updaters.values()
            drive.order = 0 if name in _CORTICAL else 4
            self.projections[name] = syn
        for name, (pre, post, model_text) in eq.FEEDBACK_PROJECTIONS.items():
            syn = Synapses(pops[pre], pops[post], model_text, name=name, **common)
            syn.connect()
            for updater in syn.summed_updaters.values():
                updater.when, updater.order = "feedback", 0
            self.projections[name] = syn

        self.code_runners = self._rule_code(adam, lrn.average_reward, opt.clip_norm > 0)
        self._index_maps()
        self._initial_state(theta, fb_a, fb_c)

    # -- construction --------------------------------------------------------------------------
    def _link_modulators(self) -> None:
        """Give every plastic population the broadcast modulators (dopamine, optimizer state)."""
        pops, opt, vta = self.populations, self.optimizer, self.populations["vta"]
        vta.learn = linked_var(opt, "learn")
        for name, group, rate in (("cortex", "cortex", "cortex"),
                                  ("striatum_dorsal", "readout", "readout"),
                                  ("striatum_ventral", "readout", "critic")):
            g = pops[name]
            g.delta = linked_var(vta, "delta")
            g.ended = linked_var(vta, "ended")
            g.lr = linked_var(opt, f"lr_{rate}")
            g.clip_scale = linked_var(opt, f"clip_scale_{group}")
            g.discount = linked_var(opt, "discount")
            if name != "striatum_ventral":
                g.ent = linked_var(opt, "ent")
            if self.adam:
                for k in ("beta1", "beta2", "c1", "c2"):
                    setattr(g, k, linked_var(opt, k))

    def _check_lesionable(self, model: Model) -> None:
        """Refuse a cortical lesion of a cortex model that cannot silence its units."""
        if eq.SILENCED in self.populations["cortex"].variables:
            return
        for i, m in enumerate(model.manipulation):
            if m.get("kind") == "lesion" and m.get("target") == "cortex":
                raise ModelError(
                    f"manipulation[{i}] lesions cortex, but the cortex equations lack the "
                    f"variable {eq.SILENCED!r} that silences a unit (1 = silenced: its rate must "
                    f"stay 0, e.g. dh/dt = ((1 - {eq.SILENCED}) * phi - h) / tau)")

    def _rule_code(self, adam: bool, average_reward: bool, clipped: bool) -> list:
        """The run_regularly operations of the forward pass and of the learning rule."""
        pops = self.populations
        runners = [
            pops["cortex"].run_regularly(eq.FORWARD_CODE["cortex"], when="groups", order=1,
                                         name="cortex_slope"),
            pops["striatum_ventral"].run_regularly(eq.FORWARD_CODE["striatum_ventral"],
                                                   when="groups", order=5,
                                                   name="striatum_ventral_value"),
            pops["vta"].run_regularly(
                eq.DOPAMINE_CODE + (eq.AVERAGE_REWARD_CODE if average_reward else ""),
                when="dopamine", name="vta_dopamine"),
            pops["cortex"].run_regularly(eq.CORTEX_SIGNAL_CODE, when="dopamine", order=1,
                                         name="cortex_signal"),
        ]
        if self.model.circuit.input_adaptation:  # the observation channels only
            runners.append(pops["input"][:self.dims.O].run_regularly(
                eq.ADAPTATION_CODE, when="groups", order=-1, name="input_adaptation"))
        for order, owner in enumerate(eq.PLASTIC_OWNERS):
            group = self._owner(owner)
            direction = eq.direction_code(owner)
            trace = eq.trace_code(owner, self.model.learning.episodic_discount)
            step = eq.step_code(owner, adam)
            if clipped:  # the steps wait for the global norm of every direction
                runners += [
                    group.run_regularly(f"{direction}\n{trace}", when="eligibility", order=order,
                                        name=f"{owner}_eligibility"),
                    group.run_regularly(step, when="plasticity", order=order,
                                        name=f"{owner}_plasticity")]
            else:  # the step reads only d, the traces never read d: one code object suffices
                runners.append(group.run_regularly(f"{direction}\n{step}\n{trace}",
                                                   when="plasticity", order=order,
                                                   name=f"{owner}_plasticity"))
        return runners

    def directions(self, cortex_only: bool = False) -> list[tuple[np.ndarray, float]]:
        """(live direction array, unit factor) of every plastic variable (or of the cortical ones:
        W and τ, b), as the eligibility code leaves them; τ's factor converts its direction to
        tick units."""
        return [(self.array(pv.owner, pv.name("d")),
                 float(self.namespace[pv.unit]) if pv.unit else 1.0) for pv in eq.PLASTIC
                if not cortex_only or pv.owner in eq.CORTICAL_OWNERS]

    def _exists(self, name: str) -> np.ndarray:
        """(post × pre) 0/1 matrix of the synapses of a plastic projection."""
        d, m = self.dims, self.masks
        return {"input_cortex": m["W_exists"][:, :d.D],
                "cortex_cortex": m["W_exists"][:, d.D:d.D + d.N],
                "cortex_striatum_dorsal": np.repeat(m["striatum_dorsal_rows"][None, :], d.P, 0),
                "cortex_striatum_ventral": m["striatum_ventral_rows"][None, :]}[name]

    def _plastic(self, owner: str, var: str) -> np.ndarray | float:
        """The description's plasticity switch of each synapse (or unit) of a plastic quantity."""
        d, m = self.dims, self.masks
        post, pre = self._ij.get(owner, (None, None))
        if owner == "input_cortex":
            return m["W_plastic"][post, pre]
        if owner == "cortex_cortex":
            return m["W_plastic"][post, d.D + pre]
        if owner == "cortex_striatum_dorsal":
            return m["striatum_dorsal_plastic"][pre]
        if owner == "cortex_striatum_ventral":
            return m["striatum_ventral_plastic"][pre]
        if owner == "cortex" and var == "tau":
            return m["tau_plastic"]
        return 1.0  # the cortical and critic biases

    def _index_maps(self) -> None:
        """Synapse index → (row, column) of the reference layout's matrices."""
        proj, d = self.projections, self.dims
        self._ij = {name: (np.asarray(s.j[:]), np.asarray(s.i[:])) for name, s in proj.items()}
        # feedback synapse dorsal p → cortex i carries the forward weight cortex i → dorsal p under
        # exact feedback, which a manipulation may switch on mid-run: the maps are always at hand
        post, pre = self._ij["cortex_striatum_dorsal"]
        forward = np.empty((d.N, d.P), dtype=np.int64)
        forward[pre, post] = np.arange(len(pre))
        fpost, fpre = self._ij["feedback_striatum_dorsal"]
        self.feedback_source_dorsal = forward[fpost, fpre]
        post, pre = self._ij["cortex_striatum_ventral"]
        forward = np.empty(d.N, dtype=np.int64)
        forward[pre] = np.arange(len(pre))
        self.feedback_source_ventral = forward[self._ij["feedback_striatum_ventral"][0]]

    def _initial_state(self, theta, fb_a, fb_c) -> None:
        d, lay = self.dims, layout(self.dims.N, self.dims.Z, self.dims.P)
        W = theta[lay["W"]].reshape(d.N, d.Z)
        K_A = theta[lay["K_A"]].reshape(d.N, d.P)
        pops, proj = self.populations, self.projections
        blocks = {
            "input_cortex": W[:, :d.D],
            "cortex_cortex": W[:, d.D:d.D + d.N],
            "cortex_striatum_dorsal": K_A.T,
            "cortex_striatum_ventral": theta[lay["w_C"]][None, :],
            "feedback_striatum_dorsal": fb_a.reshape(d.N, d.P),
            "feedback_striatum_ventral": fb_c[:, None],
        }
        for name, block in blocks.items():
            post, pre = self._ij[name]
            proj[name].variables["w"].set_value(block[post, pre])
        cortex = pops["cortex"]
        cortex.variables["tau"].set_value(theta[lay["tau"]] * float(self.tick))
        cortex.variables["b"].set_value(W[:, -1])
        ventral = pops["striatum_ventral"]
        ventral.variables["b"].set_value(theta[lay["b_C"]])
        lrn = self.model.learning
        lam = {"cortex": lrn.lambda_cortex, "actor": lrn.lambda_actor, "critic": lrn.lambda_critic}
        for pv in eq.PLASTIC:
            owner = self._owner(pv.owner)
            owner.variables[pv.name("lam")].set_value(lam[pv.trace])
            owner.variables[pv.name("plastic")].set_value(self._plastic(pv.owner, pv.var))
        # any positive value: the eligibilities decay with the unit's τ until own_tau_e is set
        for owner, suffix in (("input_cortex", ""), ("cortex_cortex", ""), ("cortex", "_b"),
                              ("cortex", "_tau")):
            self._owner(owner).variables[f"tau_e{suffix}"].set_value(float(self.tick))
        # Gymnasium's RunningMeanStd starts at mean 0, variance 1, count 1e-4
        pops["input"].variables["obs_var"].set_value(1.0)
        pops["input"].variables["obs_count"].set_value(1e-4)
        vta = pops["vta"]
        vta.variables["da_gain"].set_value(1.0)
        vta.variables["da_floor"].set_value(np.inf)
        opt = self.optimizer
        for k in ("clip_scale_cortex", "clip_scale_readout", "discount", "beta1", "beta2", "c1",
                  "c2"):
            opt.variables[k].set_value(1.0)

    # -- access --------------------------------------------------------------------------------
    @property
    def objects(self) -> list:
        """Every Brian2 object of the circuit (the loop adds its network operations)."""
        return [*self.populations.values(), self.optimizer, *self.projections.values()]

    def _owner(self, name: str):
        """The population, projection or optimizer group called ``name``."""
        if name in self.projections:
            return self.projections[name]
        return self.optimizer if name == "optimizer" else self.populations[name]

    def array(self, owner: str, var: str) -> np.ndarray:
        """The live storage of a state variable (a view; writes go into the simulation)."""
        return self._owner(owner).variables[var].get_value()

    def params(self) -> dict[str, np.ndarray]:
        """Copies of the weights in the reference layout: W (N×Z), tau (N, ticks), K_A (N×P),
        w_C (N), b_C (1)."""
        d = self.dims
        W = np.empty((d.N, d.Z))
        for name, cols in (("input_cortex", slice(0, d.D)),
                           ("cortex_cortex", slice(d.D, d.D + d.N))):
            post, pre = self._ij[name]
            block = np.zeros((d.N, cols.stop - cols.start))  # absent synapses are 0
            block[post, pre] = self.array(name, "w")
            W[:, cols] = block
        W[:, -1] = self.array("cortex", "b")
        K_A = np.zeros((d.N, d.P))
        post, pre = self._ij["cortex_striatum_dorsal"]
        K_A[pre, post] = self.array("cortex_striatum_dorsal", "w")
        w_C = np.zeros(d.N)
        w_C[self._ij["cortex_striatum_ventral"][1]] = self.array("cortex_striatum_ventral", "w")
        return {"W": W, "tau": self.array("cortex", "tau") / float(self.tick), "K_A": K_A,
                "w_C": w_C, "b_C": self.array("striatum_ventral", "b").copy()}

    def feedback(self) -> tuple[np.ndarray, np.ndarray]:
        """(B_A flat N·P row-major, B_C): the feedback weights, which under exact feedback are
        the readout weights themselves (the synapses receive a copy of them every tick)."""
        if self.exact_feedback:
            p = self.params()
            return p["K_A"].ravel(), p["w_C"]
        d = self.dims
        B_A = np.empty((d.N, d.P))
        post, pre = self._ij["feedback_striatum_dorsal"]
        B_A[post, pre] = self.array("feedback_striatum_dorsal", "w")
        B_C = np.empty(d.N)
        B_C[self._ij["feedback_striatum_ventral"][0]] = self.array("feedback_striatum_ventral", "w")
        return B_A.ravel(), B_C

    def trace_norms(self) -> tuple[np.ndarray, np.ndarray]:
        """Frobenius norms of the RFLO and TD traces per projection, (1, 4) each, as
        :meth:`bioRTRRL.engines.reference.ReferenceEngine.trace_norms` reports them."""
        norm = np.linalg.norm
        h = norm(self.array("cortex", "h"))
        rflo = [norm(self.array("input_cortex", "p")), norm(self.array("cortex_cortex", "p")), h, h]
        td = [norm(self.array(name, "z")) for name in eq.PLASTIC_PROJECTIONS]
        return np.array([rflo]), np.array([td])
