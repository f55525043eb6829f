"""Dopamine and the TD(λ) traces (docs/algorithm.md §4).

The VTA computes δ = r − r̄ + γ(1 − terminated)v_t − v_{t−1} for the transition into this tick and
the dopamine manipulations act on it; every plastic parameter keeps a trace e ← γλ e + I·∇ (the
episodic factor I = γ^t when ``episodic_discount`` is on, else 1), or the dutch trace of true
online TD(λ) for the linear critic.
"""

from __future__ import annotations

import math

from ._jit import njit


# compiled without fast-math (and not inlined into the tick, whose flags would apply) so that the
# grouping written here is the one computed
@njit(cache=True, fastmath=False)
def dopamine(c, reward, terminated, v, v_before, rbar):
    """δ of the transition into this tick, after the dopamine manipulations.

    ``v`` is this tick's value (the bootstrap, unless the episode terminated), ``v_before`` the
    previous state's. A clamp (``da_fixed`` not NaN) overrides gain and shift; rectification
    then bounds dips at −``da_baseline``. With dopamine neurons (``da_neurons``) the result sets
    their rate and the plasticity signal is its deviation from the tonic rate
    (:func:`dopamine_rate`).
    """
    boot = 0.0 if terminated else c.gamma * v
    # the grouping LLVM's fast-math reassociation chose when δ was computed inside the tick (up to
    # the restructuring into units): kept, so that recordings stay bit for bit what they were
    delta = (boot - v_before) + (reward - rbar)
    if not math.isnan(c.da_fixed):
        delta = c.da_fixed
    else:
        delta = c.da_gain * delta + c.da_shift
    if c.da_rectify == 1:
        delta = max(delta, -c.da_baseline)
    if c.da_neurons == 1:
        delta = (dopamine_rate(c, delta) - c.da_tonic_hz) / c.da_unit_hz
    return delta


@njit(cache=True, fastmath=False)
def dopamine_rate(c, error):
    """Firing rate (Hz) of the VTA's dopamine neurons for a TD error.

    r = r₀ + κ_burst·[error]₊ − κ_dip·[−error]₊, bounded below at 0 Hz: neurons firing tonically
    at a few Hz burst for better-than-predicted outcomes and pause for worse ones, and a pause
    cannot go below 0 Hz, so negative errors have less headroom than positive ones (Schultz
    1998, J Neurophysiol 80:1; Bayer & Glimcher 2005, Neuron 47:129, Fig. 5). The plasticity
    signal is (r − r₀)/κ, κ the model's Hz per unit of error: the signed error itself as r₀ → ∞.
    """
    rate = c.da_tonic_hz + c.da_burst_hz * max(error, 0.0) + c.da_dip_hz * min(error, 0.0)
    return max(rate, 0.0)


@njit(cache=True, inline="always")
def readout_gradient(N, P, o_ka, o_wc, o_bc, h, psi, eta_pi, grad, actor_lesion, critic_lesion):
    """Immediate gradients of the readouts: ∇K_A = η_π h ⊗ ψ, ∇w_C = h, ∇b_C = 1 (0 if silenced)."""
    for i in range(N):
        hi_ = h[i]
        for p in range(P):
            grad[o_ka + i * P + p] = eta_pi * hi_ * psi[p]
        grad[o_wc + i] = hi_
    grad[o_bc] = 1.0
    if actor_lesion:
        for k in range(o_ka, o_wc):
            grad[k] = 0.0
    if critic_lesion:
        grad[o_bc] = 0.0
        for i in range(N):
            grad[o_wc + i] = 0.0


@njit(cache=True, inline="always")
def accumulate(e, grad, decay, disc, first):
    """e ← decay ⊙ e + disc · grad for the parameters from index ``first`` on."""
    for j in range(e.shape[0] - first):
        k = first + j
        e[k] = decay[k] * e[k] + disc * grad[k]


@njit(cache=True, inline="always")
def dutch_critic(e, h, o_wc, o_bc, N, gl, alpha):
    """True online TD(λ)'s trace of the linear critic: e ← γλ e + (1 − α γλ eᵀx) x, x = [h; 1]."""
    ex = e[o_bc]
    for i in range(N):
        ex += e[o_wc + i] * h[i]
    f = 1.0 - alpha * gl * ex
    for i in range(N):
        e[o_wc + i] = gl * e[o_wc + i] + f * h[i]
    e[o_bc] = gl * e[o_bc] + f


@njit(cache=True, inline="always")
def accumulate_cascade(e, q, grad, decay, tag_decay, tag_gain, disc, first):
    """:func:`accumulate`, except where ``tag_gain`` > 0: there the trace is a two-stage cascade,
    the eligibility fed by the tag of the previous tick (e ← decay ⊙ e + tag_gain ⊙ q), the tag by
    the gradient (q ← tag_decay ⊙ q + disc · grad): after a gradient at tick 0 the eligibility is
    tag_gain · (decay^n − tag_decay^n) / (decay − tag_decay) at tick n, a difference of
    exponentials (learning.eligibility_cascade)."""
    for j in range(e.shape[0] - first):
        k = first + j
        g = tag_gain[k]
        if g > 0.0:
            e[k] = decay[k] * e[k] + g * q[k]
            q[k] = tag_decay[k] * q[k] + disc * grad[k]
        else:
            e[k] = decay[k] * e[k] + disc * grad[k]
