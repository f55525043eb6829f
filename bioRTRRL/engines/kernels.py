"""The per-tick mathematics of RTRRL (ALGORITHM.md §2–§5), compiled with numba.

This module is the single implementation of the learning rule: the reference engine calls
:func:`tick` once per environment step for the whole batch, and the tests call the same functions.
Nothing here allocates in the hot path; every buffer is owned by the caller.

Flat layouts (shared by parameters, traces, Adam moments and update directions)
------------------------------------------------------------------------------
``theta = [W (N×Z, row-major) | τ (N) | K_A (N×P, row-major) | w_C (N) | b_C (1)]``.
The first ``N·Z + N`` entries are the cortical group {W, τ}; the rest the readout group.
The RFLO eligibility ``P`` has the cortical layout ``[P_W (N×Z) | P_τ (N)]``; the RTRL influence
``J`` (N × (N·Z + N)) holds, for each hidden unit k, ``[∂h_k/∂W (flat) | ∂h_k/∂τ]``, so RFLO's P is
exactly the block diagonal of J and every cortical gradient is ``g · J`` (or ``g ⊙ P`` per row).

Episode protocol (Gymnasium NEXT_STEP autoreset)
------------------------------------------------
On the tick where an episode ends the observation is the final one: δ bootstraps from it when the
episode was truncated (the forward pass from the old h gives exactly v(final obs)) and not when it
terminated. The update uses the old traces; then h, P, J and e are reset. The next tick is *fresh*:
h = 0, the action/reward input is 0, no TD transition (δ = 0), and its gradient starts the new traces.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit as _njit

# Reassociation lets LLVM vectorise the dot products and the per-synapse loops; no-NaN/no-Inf
# assumptions are deliberately left out (NaN marks "dopamine not clamped" and must stay visible).
_FASTMATH = {"reassoc", "contract", "arcp", "nsz"}


def njit(*args, **kwargs):
    kwargs.setdefault("fastmath", _FASTMATH)
    return _njit(*args, **kwargs)

# --- integer configuration (icfg) -------------------------------------------------------------
I_N, I_Z, I_D, I_O, I_A, I_P = 0, 1, 2, 3, 4, 5
I_ACTOR = 6  # 0 discrete, 1 gaussian
I_GRADIENT = 7  # 0 rflo, 1 rtrl, 2 bptt
I_CRITIC_TRACE = 8  # 0 accumulating, 1 dutch
I_META = 9
I_OPTIM = 10  # 0 adam, 1 sgd
I_PLASTIC = 11
I_AVG_REWARD = 12
I_ACTOR_LESION = 13
I_CRITIC_LESION = 14
I_DA_RECTIFY = 15
I_ENTROPY_NONZERO = 16
N_ICFG = 17

# --- float configuration (fcfg) ---------------------------------------------------------------
F_DT, F_GAMMA, F_ETA_PI, F_ETA_H = 0, 1, 2, 3
# λ of the critic, needed by the dutch trace; every trace's decay γλ is in the ``decay`` vector
F_LAM_CRITIC = 4
F_LR_READOUT, F_LR_CORTEX = 5, 6  # current (scheduled) learning rates, set by the caller each tick
F_BETA1, F_BETA2, F_EPS, F_CLIP = 7, 8, 9, 10
F_TAU_MIN = 11
F_AVG_LR = 12
F_DA_FIXED = 13  # NaN = dopamine not clamped
F_DA_GAIN, F_DA_SHIFT, F_DA_BASELINE = 14, 15, 16
N_FCFG = 17

ACTOR_DISCRETE, ACTOR_GAUSSIAN = 0, 1
GRAD_RFLO, GRAD_RTRL, GRAD_BPTT = 0, 1, 2
TRACE_ACCUMULATING, TRACE_DUTCH = 0, 1
OPTIM_ADAM, OPTIM_SGD = 0, 1


def layout(N: int, Z: int, P: int) -> dict[str, slice]:
    """Slices of each parameter in the flat vector ``theta``."""
    o_tau = N * Z
    o_ka = o_tau + N
    o_wc = o_ka + N * P
    o_bc = o_wc + N
    return {
        "W": slice(0, o_tau),
        "tau": slice(o_tau, o_ka),
        "K_A": slice(o_ka, o_wc),
        "w_C": slice(o_wc, o_bc),
        "b_C": slice(o_bc, o_bc + 1),
        "cortex": slice(0, o_ka),
        "readout": slice(o_ka, o_bc + 1),
    }


def n_params(N: int, Z: int, P: int) -> int:
    return N * Z + N + N * P + N + 1


@njit(cache=True, inline="always")
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


@njit(cache=True, inline="always")
def _softplus(z):
    return math.log1p(math.exp(-abs(z))) + max(z, 0.0)


@njit(cache=True)
def forward(theta, N, Z, xi, h, dt, unit_mask, u, phi, h_new):
    """CT-RNN Euler step: u = W ξ, h_new = h + (dt/τ)(tanh(u) − h), silenced units stay at 0."""
    o_tau = N * Z
    for i in range(N):
        acc = 0.0
        row = i * Z
        for j in range(Z):
            acc += theta[row + j] * xi[j]
        u[i] = acc
        phi[i] = math.tanh(acc)
        tau = theta[o_tau + i]
        h_new[i] = (h[i] + (dt / tau) * (phi[i] - h[i])) * unit_mask[i]


@njit(cache=True)
def rflo_update(theta, N, Z, xi, h_old, phi, dt, P):
    """P_W ← (1 − dt/τ)P_W + (dt φ'(u)/τ) ξᵀ ;  P_τ ← (1 − dt/τ)P_τ + dt (h_old − φ(u))/τ²."""
    o_tau = N * Z
    for i in range(N):
        tau = theta[o_tau + i]
        decay = 1.0 - dt / tau
        gain = dt * (1.0 - phi[i] * phi[i]) / tau
        row = i * Z
        for j in range(Z):
            P[row + j] = decay * P[row + j] + gain * xi[j]
        P[o_tau + i] = decay * P[o_tau + i] + dt * (h_old[i] - phi[i]) / (tau * tau)


@njit(cache=True)
def rtrl_update(theta, N, Z, D, xi, h_old, phi, dt, J, tmp):
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
        gain = dt * (1.0 - phi[k] * phi[k]) / tau
        for c in range(C):
            J[k, c] = decay * J[k, c] + gain * tmp[k, c]
        row = k * Z
        for j in range(Z):
            J[k, row + j] += gain * xi[j]
        J[k, o_tau + k] += dt * (h_old[k] - phi[k]) / (tau * tau)


@njit(cache=True)
def bptt_gradient(theta, N, Z, D, dt, signal, hist_xi, hist_phi, hist_hold, count, head, out):
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
            q[i] = adj[i] * (dt / tau) * (1.0 - ph * ph)
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
def select_discrete(y, u, psi, chi, onehot):
    """Softmax policy π = softmax(y), action by inverse-CDF sampling with the uniform ``u``.

    Parameters
    ----------
    y : ndarray (P,)
        Logits.
    u : float
        Uniform draw in [0, 1).
    psi, chi, onehot : ndarray (P,)
        Receive the score onehot(a) − π, the entropy gradient −π (log π + H) and onehot(a).

    Returns
    -------
    int
        The action index.
    """
    P = y.shape[0]
    mx = y[0]
    for p in range(1, P):
        mx = max(mx, y[p])
    zsum = 0.0
    for p in range(P):
        psi[p] = math.exp(y[p] - mx)
        zsum += psi[p]
    logz = math.log(zsum) + mx
    ent = 0.0
    for p in range(P):
        pi = psi[p] / zsum
        psi[p] = pi
        ent -= pi * (y[p] - logz)
    a = P - 1
    c = 0.0
    for p in range(P):
        c += psi[p]
        if u < c:
            a = p
            break
    for p in range(P):
        pi = psi[p]
        chi[p] = -pi * ((y[p] - logz) + ent)
        psi[p] = (1.0 if p == a else 0.0) - pi
        onehot[p] = 1.0 if p == a else 0.0
    return a


@njit(cache=True)
def select_gaussian(y, noise, lo, hi, bounded, psi, chi, action):
    """Gaussian policy: loc μ from y[:A] (squashed into a bounded Box), std σ from y[A:].

    μ = lo + (hi − lo)·sigmoid(m) on a bounded dimension (else m),
    σ = softplus(−2 + 4·sigmoid(s)), a = μ + σ·noise, clipped to the Box. ψ and χ are taken at
    the unclipped sample.

    Parameters
    ----------
    y : ndarray (2A,)
    noise : ndarray (A,)
        Standard normal draws.
    lo, hi : ndarray (A,)
    bounded : ndarray (A,) bool
    psi, chi : ndarray (2A,)
        Receive the score and the entropy gradient.
    action : ndarray (A,)
        Receives the clipped action (also the efference copy).
    """
    A = action.shape[0]
    for k in range(A):
        m = y[k]
        s = y[A + k]
        sm = _sigmoid(m)
        if bounded[k]:
            mu = lo[k] + (hi[k] - lo[k]) * sm
            dmu = (hi[k] - lo[k]) * sm * (1.0 - sm)
        else:
            mu = m
            dmu = 1.0
        ss = _sigmoid(s)
        zz = -2.0 + 4.0 * ss
        std = _softplus(zz)
        dstd = _sigmoid(zz) * 4.0 * ss * (1.0 - ss)
        a_raw = mu + std * noise[k]
        diff = a_raw - mu
        psi[k] = diff / (std * std) * dmu
        psi[A + k] = (-1.0 / std + diff * diff / (std * std * std)) * dstd
        chi[k] = 0.0
        chi[A + k] = dstd / std
        action[k] = min(max(a_raw, lo[k]), hi[k])


@njit(cache=True)
def heads(theta, N, Z, P, A, actor, h, lo, hi, bounded, noise_u, noise_n, actor_lesion,
          critic_lesion, logits, psi, chi, action, action_in):
    """Critic value, actor outputs, sampled action, score ψ = ∂log π/∂outputs, entropy gradient χ.

    Returns the value. ``action`` receives the env action (index or clipped sample);
    ``action_in`` the Meta-RL encoding of it (one-hot, or the clipped action). A lesioned
    (silenced) readout outputs 0: the critic predicts nothing, the actor's outputs are all 0
    (uniform policy; for a Gaussian actor the midpoint with σ = softplus(0)).
    """
    o_ka = N * Z + N
    o_wc = o_ka + N * P
    o_bc = o_wc + N
    v = 0.0
    if not critic_lesion:
        v = theta[o_bc]
        for i in range(N):
            v += theta[o_wc + i] * h[i]
    for p in range(P):
        acc = 0.0
        if not actor_lesion:
            for i in range(N):
                acc += theta[o_ka + i * P + p] * h[i]
        logits[p] = acc
    if actor == ACTOR_DISCRETE:
        action[0] = select_discrete(logits, noise_u, psi, chi, action_in)
    else:
        select_gaussian(logits, noise_n, lo, hi, bounded, psi, chi, action)
        for k in range(A):
            action_in[k] = action[k]
    return v


@njit(cache=True)
def _cortical_signal(fb_a, fb_c, N, P, eta, psi, out, with_critic):
    """out_i = [B_C]_i + η Σ_p [B_A]_ip ψ_p — the learning signal on the feedback synapses."""
    for i in range(N):
        acc = fb_c[i] if with_critic else 0.0
        for p in range(P):
            acc += eta * fb_a[i * P + p] * psi[p]
        out[i] = acc


@njit(cache=True)
def tick(icfg, fcfg, theta, fb_a, fb_c, unit_mask, lo, hi, bounded, decay, plastic,
         h, xi, P, J, e, v_prev, v_old, action_in,
         hist_xi, hist_phi, hist_hold, hist_count, hist_head,
         adam_m, adam_v, opt_state,
         obs, reward, terminated, truncated, fresh, noise_u, noise_n,
         act, action_out, delta_out,
         grad, ent_grad, delta_vec, scratch_u, scratch_phi, scratch_h, sig, sig_h, tmpJ, logits,
         psi, chi):
    """Advance the whole batch by one tick: forward pass, action, δ, update, traces.

    Parameters are documented in the module docstring and in ``ReferenceEngine``; every array is
    updated in place. ``act`` (B × (D+N+P+2)) receives [x, h, actor outputs, value, δ] per env.
    ``opt_state`` = [optimizer step count, average reward r̄].
    Returns the number of envs that contributed a TD transition.
    """
    N = icfg[I_N]; Z = icfg[I_Z]; D = icfg[I_D]; O = icfg[I_O]; A = icfg[I_A]; Pn = icfg[I_P]
    actor = icfg[I_ACTOR]; gradient = icfg[I_GRADIENT]; dutch = icfg[I_CRITIC_TRACE] == TRACE_DUTCH
    meta = icfg[I_META] == 1
    dt = fcfg[F_DT]; gamma = fcfg[F_GAMMA]; eta_pi = fcfg[F_ETA_PI]; eta_h = fcfg[F_ETA_H]
    B = h.shape[0]
    NP = theta.shape[0]
    NC = N * Z + N  # cortical block
    o_ka = NC
    o_wc = o_ka + N * Pn
    o_bc = o_wc + N
    rbar = opt_state[1]
    A_in = action_in.shape[1]

    for k in range(NP):
        delta_vec[k] = 0.0
    n_trans = 0
    lam_c = fcfg[F_LAM_CRITIC]
    alpha_c = fcfg[F_LR_READOUT]
    actor_lesion = icfg[I_ACTOR_LESION] == 1
    critic_lesion = icfg[I_CRITIC_LESION] == 1

    for b in range(B):
        # 1. input ξ = [o, ã_prev, r, h_old, 1]
        for j in range(O):
            xi[b, j] = obs[b, j]
        if meta:
            for j in range(A_in):
                xi[b, O + j] = 0.0 if fresh[b] else action_in[b, j]
            xi[b, O + A_in] = 0.0 if fresh[b] else reward[b]
        for i in range(N):
            xi[b, D + i] = h[b, i]
        xi[b, Z - 1] = 1.0
        # 2. forward and gradient traces with the old h
        forward(theta, N, Z, xi[b], h[b], dt, unit_mask, scratch_u, scratch_phi, scratch_h)
        if gradient == GRAD_RFLO:
            rflo_update(theta, N, Z, xi[b], h[b], scratch_phi, dt, P[b])
        elif gradient == GRAD_RTRL:
            rtrl_update(theta, N, Z, D, xi[b], h[b], scratch_phi, dt, J[b], tmpJ)
        else:
            T = hist_xi.shape[1]
            hd = (hist_head[b] + 1) % T
            hist_head[b] = hd
            if hist_count[b] < T:
                hist_count[b] += 1
            for j in range(Z):
                hist_xi[b, hd, j] = xi[b, j]
            for i in range(N):
                hist_phi[b, hd, i] = scratch_phi[i]
                hist_hold[b, hd, i] = h[b, i]
        for i in range(N):
            h[b, i] = scratch_h[i]
        # 3. heads and action
        v = heads(theta, N, Z, Pn, A, actor, h[b], lo, hi, bounded, noise_u[b], noise_n[b],
                     actor_lesion, critic_lesion, logits, psi, chi, action_out[b], action_in[b])
        # 4. learning signals through the feedback synapses (a silenced readout sends none)
        _cortical_signal(fb_a, fb_c, N, Pn, 0.0 if actor_lesion else eta_pi, psi, sig,
                         not critic_lesion)
        # 5. δ (dopamine) for the transition into this tick
        v_cur = 0.0
        if fresh[b]:
            delta = 0.0
        else:
            boot = 0.0 if terminated[b] else gamma * v
            if dutch:
                v_cur = theta[o_bc]
                for i in range(N):
                    v_cur += theta[o_wc + i] * xi[b, D + i]
                delta = reward[b] - rbar + boot - v_cur
            else:
                v_cur = v_prev[b]
                delta = reward[b] - rbar + boot - v_prev[b]
            if not math.isnan(fcfg[F_DA_FIXED]):
                delta = fcfg[F_DA_FIXED]
            else:
                delta = fcfg[F_DA_GAIN] * delta + fcfg[F_DA_SHIFT]
            if icfg[I_DA_RECTIFY] == 1:
                delta = max(delta, -fcfg[F_DA_BASELINE])
        delta_out[b] = delta
        # 6. immediate gradient of this tick (parameters before the update) and 7. the update
        # direction: δ e (old traces) + η_H ∇H, averaged over the batch later
        gb = grad[b]
        transition = not fresh[b]
        ent_on = transition and icfg[I_ENTROPY_NONZERO] == 1 and not actor_lesion
        if ent_on:
            _cortical_signal(fb_a, fb_c, N, Pn, 1.0, chi, sig_h, False)
        first_untraced = 0  # δ·e still to be added from this index on
        if gradient == GRAD_RFLO:
            # one pass over the cortical synapses (gradient, δ·e, entropy): the hot loop
            dlt = delta if transition else 0.0
            for i in range(N):
                s = sig[i]
                sh = eta_h * sig_h[i] if ent_on else 0.0
                row = i * Z
                for c in range(row, row + Z):
                    p = P[b, c]
                    gb[c] = s * p
                    delta_vec[c] += dlt * e[b, c] + sh * p
                c = N * Z + i
                p = P[b, c]
                gb[c] = s * p
                delta_vec[c] += dlt * e[b, c] + sh * p
            first_untraced = NC
        elif gradient == GRAD_RTRL:
            for c in range(NC):
                gb[c] = 0.0
            for k in range(N):
                s = sig[k]
                for c in range(NC):
                    gb[c] += s * J[b, k, c]
        else:
            bptt_gradient(theta, N, Z, D, dt, sig, hist_xi[b], hist_phi[b], hist_hold[b],
                          hist_count[b], hist_head[b], gb)
        for i in range(N):
            hi_ = h[b, i]
            for p in range(Pn):
                gb[o_ka + i * Pn + p] = eta_pi * hi_ * psi[p]
            gb[o_wc + i] = hi_
        gb[o_bc] = 1.0
        if actor_lesion:
            for c in range(o_ka, o_wc):
                gb[c] = 0.0
        if critic_lesion:
            gb[o_bc] = 0.0
            for i in range(N):
                gb[o_wc + i] = 0.0
        if transition:
            n_trans += 1
            for k in range(first_untraced, NP):
                delta_vec[k] += delta * e[b, k]
            if dutch:
                # true online TD(λ): (δ + V − V_old) z − (V − V_old) x, x = [h_{t-1}; 1]
                corr = v_cur - v_old[b]
                for i in range(N):
                    delta_vec[o_wc + i] += corr * e[b, o_wc + i] - corr * xi[b, D + i]
                delta_vec[o_bc] += corr * e[b, o_bc] - corr
            if ent_on:
                if gradient == GRAD_RTRL:
                    for k in range(N):
                        s = eta_h * sig_h[k]
                        for c in range(NC):
                            delta_vec[c] += s * J[b, k, c]
                elif gradient == GRAD_BPTT:
                    bptt_gradient(theta, N, Z, D, dt, sig_h, hist_xi[b], hist_phi[b],
                                  hist_hold[b], hist_count[b], hist_head[b], ent_grad)
                    for c in range(NC):
                        delta_vec[c] += eta_h * ent_grad[c]
                for i in range(N):
                    for p in range(Pn):
                        delta_vec[o_ka + i * Pn + p] += eta_h * h[b, i] * chi[p]
        # record [x, h, actor outputs, value, δ]
        for j in range(D):
            act[b, j] = xi[b, j]
        for i in range(N):
            act[b, D + i] = h[b, i]
        for p in range(Pn):
            act[b, D + N + p] = logits[p]
        act[b, D + N + Pn] = v
        act[b, D + N + Pn + 1] = delta
        v_prev[b] = v
        if fresh[b]:
            v_old[b] = 0.0
        else:
            v_old[b] = v

    # 8. optimizer step on the batch-mean direction
    if n_trans > 0 and icfg[I_PLASTIC] == 1:
        inv_b = 1.0 / B
        norm2 = 0.0
        for k in range(NP):
            d = delta_vec[k] * inv_b * plastic[k]
            delta_vec[k] = d
            norm2 += d * d
        clip = fcfg[F_CLIP]
        if clip > 0.0 and norm2 > clip * clip:
            scale = clip / math.sqrt(norm2)
            for k in range(NP):
                delta_vec[k] *= scale
        lr_c = fcfg[F_LR_CORTEX]
        lr_r = fcfg[F_LR_READOUT]
        if icfg[I_OPTIM] == OPTIM_ADAM:
            b1 = fcfg[F_BETA1]; b2 = fcfg[F_BETA2]; eps = fcfg[F_EPS]
            opt_state[0] += 1.0
            t = opt_state[0]
            ic1 = 1.0 / (1.0 - b1 ** t)
            ic2 = 1.0 / (1.0 - b2 ** t)
            # two passes, the second per group: keeps sqrt and division in vectorisable loops
            for k in range(NP):
                d = delta_vec[k]
                mk = b1 * adam_m[k] + (1.0 - b1) * d
                vk = b2 * adam_v[k] + (1.0 - b2) * d * d
                adam_m[k] = mk
                adam_v[k] = vk
                delta_vec[k] = math.sqrt(vk * ic2) + eps
            for k in range(NC):
                theta[k] += plastic[k] * lr_c * (adam_m[k] * ic1) / delta_vec[k]
            for k in range(NC, NP):
                theta[k] += plastic[k] * lr_r * (adam_m[k] * ic1) / delta_vec[k]
        else:
            opt_state[0] += 1.0
            for k in range(NC):
                theta[k] += lr_c * delta_vec[k]
            for k in range(NC, NP):
                theta[k] += lr_r * delta_vec[k]
        tau_min = fcfg[F_TAU_MIN]
        for i in range(N):
            if theta[N * Z + i] < tau_min:
                theta[N * Z + i] = tau_min
        if icfg[I_AVG_REWARD] == 1:
            dsum = 0.0
            for b in range(B):
                if not fresh[b]:
                    dsum += delta_out[b]
            opt_state[1] = rbar + fcfg[F_AVG_LR] * dsum / n_trans

    # 9. traces: reset at episode ends, else e ← γλ e + ∇ (dutch form for the critic)
    for b in range(B):
        if terminated[b] or truncated[b]:
            for k in range(NP):
                e[b, k] = 0.0
            for i in range(N):
                h[b, i] = 0.0
            if gradient == GRAD_RFLO:
                for c in range(NC):
                    P[b, c] = 0.0
            elif gradient == GRAD_RTRL:
                for k in range(N):
                    for c in range(NC):
                        J[b, k, c] = 0.0
            else:
                hist_count[b] = 0
            continue
        gb = grad[b]
        if dutch:
            for k in range(o_wc):
                e[b, k] = decay[k] * e[b, k] + gb[k]
            gl = gamma * lam_c
            ex = e[b, o_bc]
            for i in range(N):
                ex += e[b, o_wc + i] * h[b, i]
            f = 1.0 - alpha_c * gl * ex
            for i in range(N):
                e[b, o_wc + i] = gl * e[b, o_wc + i] + f * h[b, i]
            e[b, o_bc] = gl * e[b, o_bc] + f
        else:
            for k in range(NP):
                e[b, k] = decay[k] * e[b, k] + gb[k]
    return n_trans
