"""Plasticity's last stage: the learning-rate schedule and the optimizer step (docs/algorithm.md §4).

Three groups share one update direction: cortex {W, τ} (``lr_cortex``), the actor readout K_A
(``lr_readout``) and the critic {w_C, b_C} (``lr_critic``). The direction is the batch mean,
optionally norm-clipped, then Adam's or plain SGD's ascent step; τ is kept ≥ τ_min.
"""

from __future__ import annotations

import math

from ._jit import njit
from .config import OPTIM_ADAM

#: The smallest normal float64. A moment below it is subnormal, and subnormal arithmetic costs
#: ~100× more on x86 (a microcode assist per operation).
SMALLEST_NORMAL = 2.2250738585072014e-308


@njit(cache=True)
def lr_factor(schedule, t, T, floor):
    """Learning-rate multiplier after ``t`` optimizer steps (``schedule`` indexes SCHEDULES).

    ``inverse_sqrt``: 1/sqrt(1 + t/T); ``linear`` and ``cosine`` go from 1 to ``floor`` at t = T
    and stay there.
    """
    if schedule == 0:
        return 1.0
    if schedule == 1:
        return 1.0 / math.sqrt(1.0 + t / T)
    x = min(t / T, 1.0)
    if schedule == 2:
        return 1.0 - (1.0 - floor) * x
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * x))


@njit(cache=True, inline="always")
def apply_schedule(c, steps):
    """Set the current learning rates ``c.lr_*`` from the initial ones after ``steps`` updates."""
    factor = lr_factor(c.lr_schedule, steps, c.lr_decay_steps, c.lr_floor)
    c.lr_readout = c.lr0_readout * factor
    c.lr_cortex = c.lr0_cortex * factor
    c.lr_critic = c.lr0_critic * factor


@njit(cache=True, inline="always")
def optimizer_step(c, theta, plastic, direction, adam_m, adam_v, opt_state, B, NC, o_wc):
    """Ascend along the batch-mean ``direction`` (the summed Δ of ``B`` envs, overwritten).

    ``plastic`` scales each parameter's direction and step (0 = fixed); ``opt_state[0]`` counts
    the steps (Adam's t). Groups: [0, NC) cortex, [NC, o_wc) actor, [o_wc, end) critic.
    """
    NP = theta.shape[0]
    inv_b = 1.0 / B
    for k in range(NP):
        direction[k] *= inv_b * plastic[k]
    clip = c.clip
    if clip > 0.0:
        n_clip = NC if c.clip_cortex_only == 1 else NP
        norm2 = 0.0
        for k in range(n_clip):
            norm2 += direction[k] * direction[k]
        if norm2 > clip * clip:
            scale = clip / math.sqrt(norm2)
            for k in range(n_clip):
                direction[k] *= scale
    lr_c = c.lr_cortex
    lr_r = c.lr_readout
    lr_v = c.lr_critic
    if c.optimizer == OPTIM_ADAM:
        b1 = c.beta1; b2 = c.beta2; eps = c.eps
        opt_state[0] += 1.0
        t = opt_state[0]
        ic1 = 1.0 / (1.0 - b1 ** t)
        ic2 = 1.0 / (1.0 - b2 ** t)
        # two passes, the second per group: keeps sqrt and division in vectorisable loops. With
        # reassociation LLVM computes v·(1/(1 − β2^t)) in the vectorised body but v/(1 − β2^t)
        # for the first parameter of an odd scalar remainder (in the tick at N = 32: the last of
        # 1,409 = 4·352 + 1); the two differ in the last bit, so a rewrite that moves that split
        # (fusing these passes, say) changes the recordings.
        for k in range(NP):
            d = direction[k]
            mk = b1 * adam_m[k] + (1.0 - b1) * d
            vk = b2 * adam_v[k] + (1.0 - b2) * d * d
            # A parameter whose gradient stays 0 (an input channel that is silent for a while)
            # has its moments decay geometrically into subnormal numbers, where β1·m rounds back
            # to the same subnormal for ever: every later step then pays the assists (it doubled
            # the tick's cost). Flushed to 0 instead: θ's step from such an m is below 1e-290,
            # which leaves any weight of magnitude above ~1e-280 unchanged to the bit, and
            # sqrt(v) below 1e-154 vanishes beside ε the same way.
            if abs(mk) < SMALLEST_NORMAL:
                mk = 0.0
            if vk < SMALLEST_NORMAL:
                vk = 0.0
            adam_m[k] = mk
            adam_v[k] = vk
            direction[k] = math.sqrt(vk * ic2) + eps
        for k in range(NC):
            theta[k] += plastic[k] * lr_c * (adam_m[k] * ic1) / direction[k]
        for j in range(o_wc - NC):
            k = NC + j
            theta[k] += plastic[k] * lr_r * (adam_m[k] * ic1) / direction[k]
        for j in range(NP - o_wc):
            k = o_wc + j
            theta[k] += plastic[k] * lr_v * (adam_m[k] * ic1) / direction[k]
    else:
        opt_state[0] += 1.0
        for k in range(NC):
            theta[k] += lr_c * direction[k]
        for k in range(NC, o_wc):
            theta[k] += lr_r * direction[k]
        for k in range(o_wc, NP):
            theta[k] += lr_v * direction[k]


@njit(cache=True, inline="always")
def clip_tau(theta, N, Z, tau_min):
    """τ ← max(τ, τ_min) after every update: a unit may not become faster than the Euler step."""
    for i in range(N):
        if theta[N * Z + i] < tau_min:
            theta[N * Z + i] = tau_min
