"""Sizes of the circuit and the initial weights (docs/algorithm.md §2), shared by both engines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..circuit import describe
from ..config import Model, ModelError
from . import kernels


@dataclass(frozen=True)
class CircuitDims:
    """Population sizes of one circuit.

    Attributes
    ----------
    N : int
        Cortical units.
    O : int
        Observation components (after masking).
    A : int
        Discrete actions, or continuous action dimensions.
    A_in : int
        Width of the efference copy in the input (A when the Meta-RL input is on, else 0).
    D : int
        Input population size, O + A_in + 1 with the Meta-RL input, else O.
    P : int
        Dorsal striatum (actor outputs): A logits, 2A (loc, raw scale) for a Gaussian actor, or
        2A (Go, NoGo drives) for the D1/D2 opponent actor.
    Z : int
        Presynaptic vector length D + N + 1 (input, recurrent, bias); with the LRU cortex
        (``circuit.unit = "lru"``) the length of a unit's parameter row, 3D + 2N + 2
        (:mod:`bioRTRRL.engines.kernels.lru`).
    continuous : bool
        Gaussian actor on a Box action space.
    cortex : tuple of (str, int)
        The cortical populations (name, size) in block order; their sizes add up to N.
    """

    N: int
    O: int
    A: int
    A_in: int
    D: int
    P: int
    Z: int
    continuous: bool
    cortex: tuple[tuple[str, int], ...] = ()

    @classmethod
    def build(cls, N: int, O: int, A: int, continuous: bool, meta_rl_input: bool,
              cortex: tuple[tuple[str, int], ...] | None = None,
              opponent: bool = False, lru: bool = False) -> "CircuitDims":
        A_in = A if meta_rl_input else 0
        D = O + A_in + 1 if meta_rl_input else O
        P = 2 * A if continuous or opponent else A
        cortex = (("cortex", N),) if cortex is None else tuple(cortex)
        if sum(size for _, size in cortex) != N:
            raise ValueError(f"cortical populations {cortex} do not add up to N = {N}")
        Z = kernels.lru.row_length(N, D) if lru else D + N + 1
        return cls(N=N, O=O, A=A, A_in=A_in, D=D, P=P, Z=Z, continuous=continuous, cortex=cortex)

    @classmethod
    def for_model(cls, model: Model, O: int, A: int, continuous: bool) -> "CircuitDims":
        """The sizes of ``model``'s circuit (every cortical population of its description).

        Raises
        ------
        ModelError
            For an opponent actor on a continuous action space, or cued actions with fewer
            observation channels than actions.
        """
        circ = model.circuit
        opponent = circ.striatum == "opponent"
        if opponent and continuous:
            raise ModelError("circuit.striatum = 'opponent' needs a discrete action space "
                             f"(the task {model.task.env!r} has continuous actions)")
        if circ.cued_actions and O < A:
            raise ModelError(f"circuit.cued_actions reads action a's cue from observation channel "
                             f"a, but the task {model.task.env!r} has {O} channels for {A} actions")
        cortex = describe(model).cortex_sizes
        return cls.build(sum(size for _, size in cortex), O, A, continuous,
                         circ.meta_rl_input, cortex, opponent, circ.unit == "lru")

    @property
    def n_params(self) -> int:
        return kernels.n_params(self.N, self.Z, self.P)

    @property
    def population_sizes(self) -> dict[str, int]:
        """Units per population, in the order of the recorded ``rate``."""
        return {"input": self.D, **dict(self.cortex), "striatum_dorsal": self.P,
                "striatum_ventral": 1, "vta": 1}


def truncated_normal(rng: np.random.Generator, shape, variance: float) -> np.ndarray:
    """Normal truncated to ±2 s.d., rescaled so that the *truncated* law has the given variance."""
    # 0.87962566103423978 is the s.d. of a standard normal truncated to [-2, 2]
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * (np.sqrt(variance) / 0.87962566103423978)


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, shape) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def init_parameters(model: Model, dims: CircuitDims, seed_params: np.random.SeedSequence,
                    seed_feedback: np.random.SeedSequence):
    """Initial flat parameter vector and the fixed feedback weights.

    Synapses that the circuit's description (:mod:`bioRTRRL.circuit`) leaves out are 0.

    Returns
    -------
    theta : ndarray (n_params,)
        [W | τ | K_A | w_C | b_C] in the layout of :mod:`bioRTRRL.engines.kernels` (K_A = 0 for
        the D1/D2 opponent actor).
    fb_a : ndarray (N·P,)
        B_A, random feedback from dorsal striatum to cortex (same law as K_A, never trained).
    fb_c : ndarray (N,)
        B_C, random feedback from ventral striatum to cortex (same law as w_C), times
        ``circuit.critic_feedback_scale``.
    """
    N, Z, P = dims.N, dims.Z, dims.P
    desc = describe(model)
    masks = desc.masks(dims.D)
    rng = np.random.default_rng(seed_params)
    lay = kernels.layout(N, Z, P)
    theta = np.zeros(dims.n_params)
    if model.circuit.unit == "lru":
        circ = model.circuit
        theta[lay["cortex"]] = kernels.lru.initial_parameters(
            rng, N, dims.D, circ.lru_r_min, circ.lru_r_max, circ.lru_max_phase)
    else:
        _rate_cortex_initial(theta, model, dims, desc, masks, rng)
    _readouts_initial(theta, model, dims, masks, rng)
    rng_fb = np.random.default_rng(seed_feedback)
    fb_a = glorot_uniform(rng_fb, N, P, N * P)
    fb_c = glorot_uniform(rng_fb, N, 1, N) * model.circuit.critic_feedback_scale
    return theta, fb_a, fb_c


def _rate_cortex_initial(theta, model, dims, desc, masks, rng) -> None:
    """W and τ of the rate (tanh, logistic, LIF) cortex, in place."""
    N, Z = dims.N, dims.Z
    lay = kernels.layout(N, Z, dims.P)
    # variance 1/fan-in of each unit (Z when every synapse exists, as in the paper); an absent
    # synapse is 0
    exists = masks["W_exists"]
    scale = np.sqrt(Z / exists.sum(axis=1))[:, None] * exists
    theta[lay["W"]] = (truncated_normal(rng, (N, Z), 1.0 / Z) * scale).ravel()
    W = theta[lay["W"]].reshape(N, Z)
    if desc.dale:
        _dale_initial(W, desc.signs(), dims.D)
    circ = model.circuit
    # the drive an observation gives the spiking or firing-rate cortex, relative to the draw
    input_scale = {"lif": circ.lif_input_scale, "rate": circ.rate_input_scale}.get(circ.unit, 1.0)
    if input_scale != 1.0:
        W[:, :dims.D] *= input_scale
    if circ.unit == "rate" and circ.rate_spontaneous_hz > 0:
        # σ(b) = r_sp / r_max: without input a unit starts at its spontaneous rate (bias draw aside)
        f = circ.rate_spontaneous_hz / circ.rate_max_hz
        W[:, Z - 1] += math.log(f / (1.0 - f))
    lo = np.repeat([p.tau_init[0] for p in desc.cortical], [p.size for p in desc.cortical])
    hi = np.repeat([p.tau_init[1] for p in desc.cortical], [p.size for p in desc.cortical])
    theta[lay["tau"]] = np.maximum(rng.uniform(lo, hi), model.circuit.tau_min)


def _readouts_initial(theta, model, dims, masks, rng) -> None:
    """K_A, w_C (Glorot) and b_C = 0, in place."""
    N, P = dims.N, dims.P
    lay = kernels.layout(N, dims.Z, P)
    # Glorot over the cortical units that do project to each readout
    for name, key, width in (("striatum_dorsal", "K_A", P), ("striatum_ventral", "w_C", 1)):
        rows = masks[f"{name}_rows"]
        fan_in = max(int(rows.sum()), 1)
        theta[lay[key]] = (glorot_uniform(rng, fan_in, width, (N, width)) * rows[:, None]).ravel()
    if model.circuit.striatum == "opponent":
        # every Go and NoGo unit starts at activity 1 whatever the cortex does (OpAL's G = N = 1;
        # Collins & Frank 2014): no synapse onto them yet carries a learned preference
        theta[lay["K_A"]] = 0.0


def _dale_initial(W: np.ndarray, signs: np.ndarray, D: int) -> None:
    """Dale's law at the start (in place): each recurrent synapse from a sign-constrained unit j is
    sign_j · |w|, the inhibitory magnitudes scaled by n_E / n_I relative to the excitatory ones so
    that excitation and inhibition balance on average (Song, Yang & Wang 2016, PLoS Comput Biol
    12:e1004792), then all of them by one factor that keeps the mean square of the constrained
    synapses that of the draw (so the recurrent gain, the spectral radius, stays the paper's)."""
    n_exc, n_inh = int(np.sum(signs > 0)), int(np.sum(signs < 0))
    scale = np.where(signs < 0, n_exc / n_inh if n_exc and n_inh else 1.0, 1.0)
    rec = W[:, D:D + len(signs)]
    constrained = signs != 0
    drawn = rec[:, constrained]
    signed = (np.abs(rec) * signs * scale)[:, constrained]
    rec[:, constrained] = signed * np.sqrt(np.mean(drawn ** 2) / np.mean(signed ** 2))


def run_seeds(seed: int) -> dict[str, np.random.SeedSequence]:
    """Independent seed sequences of one run, all derived from the run's seed."""
    names = ("params", "feedback", "actions", "env", "eval")
    children = np.random.SeedSequence(seed).spawn(len(names))
    return dict(zip(names, children))
