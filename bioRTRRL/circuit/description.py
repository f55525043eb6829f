"""The circuit as data: populations, projections and the dopamine signal that gates them.

Both engines build from a :class:`Description`. The paper's network is the default description;
a model file adds cortical populations and projections as entries, not as code::

    [[circuit.population]]
    name = "pfc"            # a second cortical population of CT-RNN rate units
    size = 16
    tau_init = [5.0, 40.0]  # optional (default: circuit.tau_init)

    [[circuit.projection]]
    pre = "input"           # input → pfc, plastic under RFLO, gated by dopamine
    post = "pfc"

    [[circuit.projection]]
    pre = "pfc"
    post = "striatum_dorsal"
    plastic = false         # a fixed projection: its initial random weights never change

Dale's law (``sign`` of a population, and ``circuit.sign`` for the default cortex): every outgoing
synapse of a unit onto a cortical population has the unit's sign, +1 (excitatory) or −1
(inhibitory); ``"dale"`` makes the first ``excitatory_fraction`` of a population's units
excitatory and the rest inhibitory (80/20 by default). The initial weights are the magnitudes of
the usual random draw times the sign, the inhibitory ones scaled by f_E / (1 − f_E) of their
population so that excitation and inhibition balance on average (Song, Yang & Wang 2016, PLoS
Comput Biol 12:e1004792, "Training excitatory-inhibitory recurrent neural networks": W = W⁺ D with
W⁺ ≥ 0 and D = diag(±1)); learning keeps the signs by projection after every update: a synapse
that would change sign is set to 0 (projected gradient descent; Murray 2019, eLife 8:e43299,
Fig. 2—figure supplement: RFLO trains such sign-constrained networks). Synapses onto the
striatal readouts are not constrained (corticostriatal neurons are excitatory; the readouts'
signed weights stand for the striatal microcircuit that turns them into a value and a policy).

Rules of the default circuit that every description keeps: every cortical unit has a plastic bias
and time constant (``train_tau`` per population); every cortical population receives the fixed
random feedback of both striatal readouts (the learning signal of feedback alignment); the VTA's
δ gates every plastic projection. Projection pre-synaptic populations are ``input`` or cortical;
post-synaptic ones cortical, ``striatum_dorsal`` (actor) or ``striatum_ventral`` (critic).

In the engines the cortical populations form one block of N units (in description order) whose
weight matrix W (N × (D + N + 1)) exists only where a projection does: absent synapses are held
at 0 and never change (:meth:`Description.masks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..config import Model

#: Populations every circuit has besides the cortical ones.
INPUT, ACTOR, CRITIC, VTA = "input", "striatum_dorsal", "striatum_ventral", "vta"
READOUTS = (ACTOR, CRITIC)


@dataclass(frozen=True)
class Population:
    """A population of the circuit.

    Attributes
    ----------
    name : str
    role : {"input", "cortex", "actor", "critic", "dopamine"}
    size : int or None
        Units (None for the input, actor and dopamine populations, sized by the task).
    tau_init : tuple of float or None
        Cortical populations: bounds of the uniform initial time constants (ticks).
    train_tau : bool
        Cortical populations: whether τ learns.
    sign : {"mixed", "excitatory", "inhibitory", "dale"}
        Cortical populations: the sign of the units' outgoing recurrent synapses (Dale's law; see
        the module).
    excitatory_fraction : float
        Of a ``"dale"`` population: its first round(f · size) units are excitatory.
    """

    name: str
    role: str
    size: int | None = None
    tau_init: tuple[float, float] | None = None
    train_tau: bool = True
    sign: str = "mixed"
    excitatory_fraction: float = 0.8

    def unit_signs(self) -> np.ndarray:
        """+1 (excitatory), −1 (inhibitory) or 0 (unconstrained) for each unit."""
        if self.sign == "dale":
            n_exc = int(round(self.excitatory_fraction * self.size))
            return np.concatenate([np.ones(n_exc), -np.ones(self.size - n_exc)])
        return np.full(self.size, {"mixed": 0.0, "excitatory": 1.0, "inhibitory": -1.0}[self.sign])


@dataclass(frozen=True)
class Projection:
    """Synapses from ``pre`` to ``post``.

    Attributes
    ----------
    pre, post : str
    plastic : bool
        Plastic under the circuit's rule (RFLO eligibility into cortex, the readout gradient into
        striatum; both gated by dopamine), or fixed at their initial random weights.
    """

    pre: str
    post: str
    plastic: bool = True

    @property
    def name(self) -> str:
        return f"{self.pre}_{self.post}"


@dataclass(frozen=True)
class Description:
    """Populations and projections of one circuit.

    Attributes
    ----------
    populations : tuple of Population
        ``input``, the cortical populations in block order, ``striatum_dorsal``,
        ``striatum_ventral``, ``vta``.
    projections : tuple of Projection
        Every plastic or fixed projection (the feedback synapses are implied, see the module).
    modulator : str
        The plasticity signal: ``"td_error"``, the VTA's signed δ.
    """

    populations: tuple[Population, ...]
    projections: tuple[Projection, ...]
    modulator: str = "td_error"

    @property
    def cortical(self) -> tuple[Population, ...]:
        return tuple(p for p in self.populations if p.role == "cortex")

    @property
    def cortex_sizes(self) -> tuple[tuple[str, int], ...]:
        """(name, size) of each cortical population, in block order."""
        return tuple((p.name, p.size) for p in self.cortical)

    def slices(self) -> dict[str, slice]:
        """Each cortical population's units within the cortical block."""
        out, start = {}, 0
        for name, size in self.cortex_sizes:
            out[name] = slice(start, start + size)
            start += size
        return out

    def signs(self) -> np.ndarray:
        """Dale's law: the sign of each cortical unit's outgoing recurrent synapses (N; 0 = free)."""
        return np.concatenate([p.unit_signs() for p in self.cortical])

    @property
    def dale(self) -> bool:
        """Whether any cortical unit is sign-constrained."""
        return bool(np.any(self.signs() != 0.0))

    def masks(self, D: int) -> dict[str, np.ndarray]:
        """Where synapses exist and where they learn, in the engines' matrix layout.

        Parameters
        ----------
        D : int
            Input population size.

        Returns
        -------
        dict
            ``W_exists``, ``W_plastic`` (N × Z, Z = D + N + 1; the bias column exists and learns
            for every unit), ``tau_plastic`` (N), ``actor_rows``/``actor_plastic`` and
            ``critic_rows``/``critic_plastic`` (N: which cortical units project to each readout
            and whether those synapses learn), all float arrays of 0/1.
        """
        sl = self.slices()
        N = sum(s for _, s in self.cortex_sizes)
        Z = D + N + 1
        cols = {INPUT: slice(0, D), **{n: slice(D + s.start, D + s.stop) for n, s in sl.items()}}
        out = {"W_exists": np.zeros((N, Z)), "W_plastic": np.zeros((N, Z)),
               "tau_plastic": np.zeros(N)}
        for role in READOUTS:
            out[f"{role}_rows"], out[f"{role}_plastic"] = np.zeros(N), np.zeros(N)
        out["W_exists"][:, Z - 1] = out["W_plastic"][:, Z - 1] = 1.0
        for pop in self.cortical:
            out["tau_plastic"][sl[pop.name]] = float(pop.train_tau)
        for pr in self.projections:
            if pr.post in READOUTS:
                out[f"{pr.post}_rows"][sl[pr.pre]] = 1.0
                out[f"{pr.post}_plastic"][sl[pr.pre]] = float(pr.plastic)
            else:
                out["W_exists"][sl[pr.post], cols[pr.pre]] = 1.0
                out["W_plastic"][sl[pr.post], cols[pr.pre]] = float(pr.plastic)
        return out


def describe_default(N: int, tau_init, train_tau: bool, sign: str = "mixed",
                     excitatory_fraction: float = 0.8) -> Description:
    """The paper's circuit: input → cortex ⟲ → dorsal and ventral striatum, all plastic."""
    pops = (Population(INPUT, "input"),
            Population("cortex", "cortex", N, tuple(tau_init), train_tau, sign,
                       excitatory_fraction),
            Population(ACTOR, "actor"), Population(CRITIC, "critic", 1), Population(VTA, "dopamine", 1))
    projs = (Projection(INPUT, "cortex"), Projection("cortex", "cortex"),
             Projection("cortex", ACTOR), Projection("cortex", CRITIC))
    return Description(pops, projs)


def describe(model: Model) -> Description:
    """The circuit of ``model``: the default circuit plus the model file's populations and
    projections (a listed projection that the default circuit has replaces it).

    With ``circuit.unit = "lif"`` every cortical unit's time constant is the fixed membrane time
    constant ``circuit.lif_tau_m_ms`` (:mod:`bioRTRRL.engines.kernels.spiking`).
    """
    circ = model.circuit
    lif = circ.unit == "lif"
    tau_m = (circ.lif_tau_m_ms, circ.lif_tau_m_ms)
    base = describe_default(circ.cortex_size, tau_m if lif else circ.tau_init,
                            False if lif else circ.train_tau, circ.sign, circ.excitatory_fraction)
    extra = tuple(Population(p["name"], "cortex", p["size"],
                             tau_m if lif else tuple(p.get("tau_init", circ.tau_init)),
                             False if lif else p.get("train_tau", circ.train_tau),
                             p.get("sign", "mixed"), float(p.get("excitatory_fraction", 0.8)))
                  for p in circ.population)
    pops = (*base.populations[:2], *extra, *base.populations[2:])
    listed = [Projection(p["pre"], p["post"], p.get("plastic", True)) for p in circ.projection]
    names = {p.name for p in listed}
    projs = tuple(p for p in base.projections if p.name not in names) + tuple(listed)
    return Description(pops, projs)


def cascade_kernel(t_s, rise_s: float, decay_s: float):
    """The cascade eligibility after a presynaptic event at time 0, as a function of time (s).

    κ(t) = (exp(−t/τ_d) − exp(−t/τ_r)) / κ*, for t ≥ 0 (0 before), normalised to peak 1 at
    t* = τ_r τ_d / (τ_d − τ_r) · ln(τ_d / τ_r). This is the two-stage cascade of a synaptic tag
    (decaying with τ_r) feeding a slower eligibility (decaying with τ_d) — the rising-then-decaying
    eligibility of a striatal spine that Yagishita et al. 2014 (Science 345:1616) found in the
    nucleus accumbens: dopamine enlarges the spine only when it arrives 0.3–2 s after glutamate
    (reviewed with the other evidence for eligibility traces of seconds by Gerstner et al. 2018,
    Front. Neural Circuits 12:53). The cascade is the simplest linear filter with a rise: two
    first-order stages, the textbook difference-of-exponentials (dual-exponential) kernel of
    synaptic responses.
    """
    t = np.asarray(t_s, dtype=float)
    peak = _cascade_peak(rise_s, decay_s)
    tc = np.maximum(t, 0.0)
    return np.where(t >= 0.0, (np.exp(-tc / decay_s) - np.exp(-tc / rise_s)) / peak, 0.0)


def cascade_coefficients(model: Model) -> tuple[float, float, float]:
    """(tag decay a_r, tag → eligibility gain c, eligibility decay a_d) per tick of the cascade
    trace (learning.eligibility_cascade): with q ← a_r q + ∇ and e ← a_d e + c q_{previous tick},
    a gradient at tick 0 leaves e = c (a_d^n − a_r^n) / (a_d − a_r) = κ(n · env_dt) at tick n,
    :func:`cascade_kernel` sampled exactly."""
    lrn = model.learning
    env_dt = model.circuit.env_dt_ms * 1e-3
    a_r = math.exp(-env_dt / lrn.eligibility_rise_s)
    a_d = math.exp(-env_dt / lrn.eligibility_decay_s)
    return a_r, (a_d - a_r) / _cascade_peak(lrn.eligibility_rise_s, lrn.eligibility_decay_s), a_d


def cascade_peak_time(rise_s: float, decay_s: float) -> float:
    """t* = τ_r τ_d / (τ_d − τ_r) · ln(τ_d / τ_r): when the cascade eligibility peaks (s)."""
    return rise_s * decay_s / (decay_s - rise_s) * math.log(decay_s / rise_s)


def _cascade_peak(rise_s: float, decay_s: float) -> float:
    t_peak = cascade_peak_time(rise_s, decay_s)
    return math.exp(-t_peak / decay_s) - math.exp(-t_peak / rise_s)
