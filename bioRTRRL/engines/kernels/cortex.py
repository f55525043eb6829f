"""Cortex: the input population's adaptation, the CT-RNN rate unit and its gradient estimators.

The rate unit (docs/algorithm.md §2): u = W ξ with ξ = [x; h_{t−1}; 1], h_t = h_{t−1} + (dt/τ)(φ(u) − h_{t−1}),
φ = tanh (``UNIT_TANH``), or, for non-negative firing-rate units (``UNIT_RATE``), φ = σ, the
logistic function: h is then the rate as a fraction of r_max (the engine records r_max · h in Hz).
Its gradient estimators: RFLO's eligibility P (local to a synapse), exact RTRL's influence J, and
truncated BPTT over a ring buffer, each with the slope φ'(u) of the unit model (:func:`slope`). The
learning signal reaches cortex through the feedback synapses (:func:`cortical_signal`). Dale's law
is kept by :func:`dale_project` after every update.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import njit, sigmoid, tanh_exp, tanh_of
from .config import UNIT_RATE


@njit(cache=True)
def adapt_input(x, j, stats, learn):
    """Observation channel j centred and scaled by its running statistics ``stats`` (3 × O).

    ``stats`` rows are [mean, variance, count] (start 0, 1, 1e-4). With ``learn`` the sample first
    joins the statistics (Chan et al.'s parallel update with a batch of one, as Gymnasium's
    ``RunningMeanStd``); the result is (x − mean) / sqrt(var + 1e-8).
    """
    if learn:
        mean, var, count = stats[0, j], stats[1, j], stats[2, j]
        total = count + 1.0
        d = x - mean
        stats[0, j] = mean + d / total
        stats[1, j] = (var * count + d * d * count / total) / total
        stats[2, j] = total
    return (x - stats[0, j]) / math.sqrt(stats[1, j] + 1e-8)


@njit(cache=True, inline="always")
def slope(phi, unit):
    """φ'(u) from φ(u): 1 − φ² for tanh, φ(1 − φ) for the logistic rate unit."""
    if unit == UNIT_RATE:
        return phi * (1.0 - phi)
    return 1.0 - phi * phi


@njit(cache=True)
def forward(theta, N, Z, xi, h, dt, unit_mask, u, phi, h_new, unit=0):
    """CT-RNN Euler step: u = W ξ, h_new = h + (dt/τ)(φ(u) − h), silenced units stay at 0
    (φ = tanh, or the logistic σ for ``unit`` = UNIT_RATE)."""
    o_tau = N * Z
    for i in range(N):
        acc = 0.0
        row = i * Z
        for j in range(Z):
            acc += theta[row + j] * xi[j]
        u[i] = acc
    # one pass per stage, not one per unit: the exponentials are libm calls, and with them out of
    # the way the divisions of tanh and of dt/τ vectorise across units (the same operations on
    # the same operands as unit by unit, so the same bits)
    if unit == UNIT_RATE:
        for i in range(N):
            phi[i] = sigmoid(u[i])
    else:
        for i in range(N):
            phi[i] = tanh_exp(u[i])
        for i in range(N):
            phi[i] = tanh_of(u[i], phi[i])
    for i in range(N):
        h_new[i] = (h[i] + (dt / theta[o_tau + i]) * (phi[i] - h[i])) * unit_mask[i]


@njit(cache=True)
def rflo_step(theta, N, Z, xi, h_old, phi, dt, P, column_decay, by_column,
              sig, disc, dlt, sig_h, eta_h, e, decay, delta_vec, unit=0):
    """RFLO eligibility update fused with the TD(λ) part of the cortical learning rule.

    Per cortical parameter c of unit i (one pass over the synapses, the hot loop of the engine):

    - P_W ← (1 − dt/τ)P_W + (dt φ'(u)/τ) ξᵀ ;  P_τ ← (1 − dt/τ)P_τ + dt (h_old − φ(u))/τ²;
    - ``delta_vec`` += dlt · e (the *old* trace: the update uses traces up to the last tick)
      + η_H · sig_h · P (the entropy gradient, new P);
    - e ← ``decay`` · e + disc · sig · P (the new immediate gradient sig ⊙ P enters the trace).

    With ``by_column``, a column j of P_W (presynaptic input j; j = Z for P_τ) whose
    ``column_decay[j]`` is ≥ 0 decays by that factor instead of 1 − dt/τ_i: the eligibility of one
    projection keeps its own time constant, while the drive (dt φ'/τ_i) stays the unit's.
    With ``sig`` and ``dlt`` zero and ``e`` zero this is the plain RFLO update of P
    (:func:`rflo_update`).
    """
    o_tau = N * Z
    # the logistic slope σ(1 − σ) = (1 − σ²) + (σ − 1): one branch-free form for both unit models
    # (a branch here changes how the synapse loop below compiles, by an ulp)
    rate = 1.0 if unit == UNIT_RATE else 0.0
    for i in range(N):
        tau = theta[o_tau + i]
        p_decay = 1.0 - dt / tau
        gain = dt * ((1.0 - phi[i] * phi[i]) + rate * (phi[i] - 1.0)) / tau
        drive_tau = dt * (h_old[i] - phi[i]) / (tau * tau)
        sd = disc * sig[i]
        sh = eta_h * sig_h[i]
        row = i * Z
        # ``range(Z)`` plus an offset, not ``range(row, row + Z)``: only this form vectorises
        # one loop for both cases (a select per synapse costs nothing measurable), so a column
        # without its own time constant is computed bitwise alike either way
        for j in range(Z):
            c = row + j
            d = column_decay[j]
            p = (p_decay if (d < 0.0 or not by_column) else d) * P[c] + gain * xi[j]
            P[c] = p
            ec = e[c]
            delta_vec[c] += dlt * ec + sh * p
            e[c] = decay[c] * ec + sd * p
        d = column_decay[Z]
        if by_column and d >= 0.0:
            p_decay = d
        c = o_tau + i
        p = p_decay * P[c] + drive_tau
        P[c] = p
        ec = e[c]
        delta_vec[c] += dlt * ec + sh * p
        e[c] = decay[c] * ec + sd * p


def rflo_update(theta, N, Z, xi, h_old, phi, dt, P, column_decay, by_column, unit=0):
    """The RFLO eligibility update alone (:func:`rflo_step` with no learning signal)."""
    NC = N * Z + N
    zero = np.zeros(N)
    rflo_step(theta, N, Z, xi, h_old, phi, dt, P, column_decay, by_column,
              zero, 0.0, 0.0, zero, 0.0, np.zeros(NC), np.zeros(NC), np.zeros(NC), unit)


@njit(cache=True)
def rtrl_update(theta, N, Z, D, xi, h_old, phi, dt, J, tmp, unit=0):
    """J ← M J + I with M = diag(1 − dt/τ) + diag(dt φ'(u)/τ) W_rec (exact RTRL, O(N³Z))."""
    o_tau = N * Z
    C = J.shape[1]
    # tmp = W_rec @ J, the recurrent Jacobian term RFLO drops. Plain loops rather than BLAS: the
    # matrices are small, and a threaded BLAS makes the result depend on the thread count.
    for k in range(N):
        for c in range(C):
            tmp[k, c] = 0.0
        for m in range(N):
            w = theta[k * Z + D + m]
            for c in range(C):
                tmp[k, c] += w * J[m, c]
    for k in range(N):
        tau = theta[o_tau + k]
        decay = 1.0 - dt / tau
        gain = dt * slope(phi[k], unit) / tau
        for c in range(C):
            J[k, c] = decay * J[k, c] + gain * tmp[k, c]
        row = k * Z
        for j in range(Z):
            J[k, row + j] += gain * xi[j]
        J[k, o_tau + k] += dt * (h_old[k] - phi[k]) / (tau * tau)


@njit(cache=True, inline="always")
def bptt_push(hist_xi, hist_phi, hist_hold, hist_count, hist_head, xi, phi, h_old):
    """Store this tick's ξ, φ(u) and h_{t−1} as the newest entry of the BPTT ring buffer."""
    T = hist_xi.shape[0]
    hd = (hist_head[0] + 1) % T
    hist_head[0] = hd
    if hist_count[0] < T:
        hist_count[0] += 1
    for j in range(xi.shape[0]):
        hist_xi[hd, j] = xi[j]
    for i in range(phi.shape[0]):
        hist_phi[hd, i] = phi[i]
        hist_hold[hd, i] = h_old[i]


@njit(cache=True, _nrt=True)  # allocates its adjoint vectors
def bptt_gradient(theta, N, Z, D, dt, signal, hist_xi, hist_phi, hist_hold, count, head, out,
                  unit=0):
    """Truncated BPTT of ``signal · h_t`` over the stored window; writes the flat cortical gradient.

    ``hist_*`` are ring buffers of length T; ``head`` indexes the newest entry; ``count`` entries
    are valid. Uses the current W and τ for the whole window (like RTRL between updates).
    """
    o_tau = N * Z
    T = hist_xi.shape[0]
    for c in range(o_tau + N):
        out[c] = 0.0
    adj = signal.copy()
    q = np.empty(N)
    for s in range(count):
        idx = (head - s) % T
        for i in range(N):
            tau = theta[o_tau + i]
            ph = hist_phi[idx, i]
            q[i] = adj[i] * (dt / tau) * slope(ph, unit)
            row = i * Z
            for j in range(Z):
                out[row + j] += q[i] * hist_xi[idx, j]
            out[o_tau + i] += adj[i] * dt * (hist_hold[idx, i] - ph) / (tau * tau)
        for m in range(N):
            acc = adj[m] * (1.0 - dt / theta[o_tau + m])
            for i in range(N):
                acc += theta[i * Z + D + m] * q[i]
            adj[m] = acc


@njit(cache=True)
def cortical_signal(fb_a, fb_c, N, P, eta, psi, out, with_critic, critic_slope):
    """out_i = g [B_C]_i + η Σ_p [B_A]_ip ψ_p — the learning signal on the feedback synapses
    (g = ``critic_slope``, the critic's ∂v/∂u: 1 for the linear critic)."""
    for i in range(N):
        acc = fb_c[i] * critic_slope if with_critic else 0.0
        for p in range(P):
            acc += eta * fb_a[i * P + p] * psi[p]
        out[i] = acc


@njit(cache=True, inline="always")
def dale_project(theta, N, Z, D, sign):
    """Dale's law after an update: a recurrent synapse from unit j that left the sign ``sign[j]``
    (+1 excitatory, −1 inhibitory; 0 = unconstrained) is set to 0 (the projection onto the
    sign-constrained set)."""
    for j in range(N):
        s = sign[j]
        if s == 0.0:
            continue
        for i in range(N):
            k = i * Z + D + j
            if s * theta[k] < 0.0:
                theta[k] = 0.0
