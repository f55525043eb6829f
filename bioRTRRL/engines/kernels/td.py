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
    (:func:`dopamine_rate`); a dip's signal is multiplied by ``da_dip_scale`` (1, or with
    ``circuit.dopamine_dip_relative`` r₀_model/r₀: the dip read against the tonic rate in force).
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
        if delta < 0.0:
            # D2 receptors read a pause against the tonic occupancy they adapted to (Frank 2005,
            # J Cogn Neurosci 17:51): the same rate drop weighs more at a low tonic rate
            delta = delta * c.da_dip_scale
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
def readout_gradient(N, P, o_ka, o_wc, o_bc, h, psi, eta_pi, grad, actor_lesion, critic_lesion,
                     critic_slope):
    """Immediate gradients of the readouts: ∇K_A = η_π h ⊗ ψ, ∇w_C = g h, ∇b_C = g (0 if
    silenced), g = ``critic_slope`` = ∂v/∂(w_Cᵀh + b_C): 1 for the linear critic, σ(u) for the
    rate critic (:func:`critic_rate`)."""
    for i in range(N):
        hi_ = h[i]
        for p in range(P):
            grad[o_ka + i * P + p] = eta_pi * hi_ * psi[p]
        grad[o_wc + i] = hi_ * critic_slope
    grad[o_bc] = critic_slope
    if actor_lesion:
        for k in range(o_ka, o_wc):
            grad[k] = 0.0
    if critic_lesion:
        grad[o_bc] = 0.0
        for i in range(N):
            grad[o_wc + i] = 0.0


# compiled without fast-math and not inlined (as :func:`dopamine`): Brian2 computes the same
# expressions (engines.brian2.equations.RATE_CRITIC_PREFIX), and near v = 0, where the slope is
# small and Adam divides by it, the engines agree only when both round alike
@njit(cache=True, fastmath=False)
def critic_rate(u):
    """(v, ∂v/∂u) of the rate critic (``circuit.critic = "rate"``): v = softplus(u) ≥ 0.

    The ventral striatum's value is the firing rate of its neurons, which cannot go below 0 Hz
    (Potjans, Diesmann & Morrison 2011, PLoS Comput Biol 7:e1001133: the critic's value is the
    rate of its neurons, driven through excitatory corticostriatal synapses), so negative
    returns are out of its range; softplus is the smooth rectification whose slope σ(u) never
    vanishes, so a critic driven below 0 can still be taught back up. Written as
    log(1 + e^−|u|) + max(u, 0) and e^min(u, 0) / (1 + e^−|u|), which do not overflow (and
    which Brian2's NumPy target can compute: it has no log1p).
    """
    e = math.exp(-abs(u))
    return math.log(1.0 + e) + max(u, 0.0), math.exp(min(u, 0.0)) / (1.0 + e)


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


def dip_scale(circuit, tonic_hz: float) -> float:
    """Factor of a dip's plasticity signal at the tonic rate ``tonic_hz`` in force.

    1 unless ``circuit.dopamine_dip_relative``; then r₀_model/r₀: the pause is read against
    the tonic occupancy the D2 receptors adapted to (Frank 2005, J Cogn Neurosci 17:51), so the
    same drop in Hz weighs twice as much at half the model's tonic rate and half as much at
    twice it. At r₀ = 0 no dip is possible and the factor is 1.
    """
    if not circuit.dopamine_dip_relative or tonic_hz <= 0.0:
        return 1.0
    return circuit.dopamine_tonic_hz / tonic_hz
