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
    # NumPy's error model: a float division needs no ZeroDivisionError branch, so divisions (Adam,
    # 1/τ) vectorise; every divisor here is positive by construction (τ ≥ τ_min ≥ dt, Σ exp > 0).
    kwargs.setdefault("error_model", "numpy")
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
I_LR_SCHEDULE = 17  # SCHEDULES index
I_RFLO_TAU_COLUMNS = 18  # 1 = some RFLO trace columns decay with their own time constant
I_CLIP_CORTEX_ONLY = 19  # 1 = the norm clip measures and rescales only the cortical group
I_EPISODIC_DISCOUNT = 20  # 1 = gradients enter the accumulating traces scaled by I = γ^t
I_INPUT_ADAPTATION = 21  # ADAPT_* : observations normalised by running statistics
N_ICFG = 22

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
# initial rates and the schedule's decay length T and floor; F_LR_* hold the current rates
F_LR0_READOUT, F_LR0_CORTEX, F_LR_DECAY_STEPS, F_LR_FLOOR = 17, 18, 19, 20
# the critic readout's rate (w_C, b_C): the actor's × optimizer.lr_critic_scale
F_LR0_CRITIC, F_LR_CRITIC = 21, 22
N_FCFG = 23

ACTOR_DISCRETE, ACTOR_GAUSSIAN = 0, 1
GRAD_RFLO, GRAD_RTRL, GRAD_BPTT = 0, 1, 2
TRACE_ACCUMULATING, TRACE_DUTCH = 0, 1
OPTIM_ADAM, OPTIM_SGD = 0, 1
ADAPT_OFF, ADAPT_LEARN, ADAPT_FROZEN = 0, 1, 2
SCHEDULES = ("constant", "inverse_sqrt", "linear", "cosine")


def entry_point(dispatcher, *args):
    """The compiled function of ``dispatcher`` for exactly these arguments' types.

    Calling it skips numba's per-call type dispatch (about 0.1 µs per argument); it is only valid
    for arguments of the same types, so callers bind it to buffers they own.
    """
    return dispatcher.compile(tuple(dispatcher.typeof_pyval(a) for a in args))


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
def _tanh(z):
    """tanh through one exp: (1 − e)/(1 + e), e = exp(−2|z|).

    libm's tanh costs about three times as much, and this runs N times per env and tick; the
    result is within 2.3e-16 of it in absolute terms (the relative error grows only where |tanh| is
    below ~1e-8, where no weight can tell).
    """
    e = math.exp(-2.0 * abs(z))
    t = (1.0 - e) / (1.0 + e)
    return t if z >= 0.0 else -t


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
        phi[i] = _tanh(acc)
        tau = theta[o_tau + i]
        h_new[i] = (h[i] + (dt / tau) * (phi[i] - h[i])) * unit_mask[i]


@njit(cache=True)
def rflo_step(theta, N, Z, xi, h_old, phi, dt, P, column_decay, by_column,
              sig, disc, dlt, sig_h, eta_h, e, decay, delta_vec):
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
    for i in range(N):
        tau = theta[o_tau + i]
        p_decay = 1.0 - dt / tau
        gain = dt * (1.0 - phi[i] * phi[i]) / tau
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


def rflo_update(theta, N, Z, xi, h_old, phi, dt, P, column_decay, by_column):
    """The RFLO eligibility update alone (:func:`rflo_step` with no learning signal)."""
    NC = N * Z + N
    zero = np.zeros(N)
    rflo_step(theta, N, Z, xi, h_old, phi, dt, P, column_decay, by_column,
              zero, 0.0, 0.0, zero, 0.0, np.zeros(NC), np.zeros(NC), np.zeros(NC))


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
         column_decay, obs_stats, h, xi, P, J, e, v_prev, v_old, discount, action_in,
         hist_xi, hist_phi, hist_hold, hist_count, hist_head,
         adam_m, adam_v, opt_state,
         obs, reward, terminated, truncated, fresh, noise_u, noise_n, noise_pos,
         act, action_out, action_index, delta_out,
         grad, ent_grad, delta_vec, scratch, head_scratch, tmpJ):
    """Advance the whole batch by one tick: forward pass, action, δ, update, traces.

    Parameters are documented in the module docstring and in ``ReferenceEngine``; every array is
    updated in place. ``act`` (B × (D+N+P+2)) receives [x, h, actor outputs, value, δ] per env,
    ``action_out`` the env actions (``action_index`` too, as integers, for a discrete actor).
    ``opt_state`` = [optimizer step count, average reward r̄]; ``discount`` (B) is I = γ^t of
    the episodic discount (1 when it is off); ``obs_stats`` (3 × O) the input adaptation's running
    [mean, variance, count]. ``noise_u`` (K × B) and ``noise_n``
    (K × B × A) are blocks of action noise; row ``noise_pos[0]`` is used and the position advanced.
    ``scratch`` (5 × N) and ``head_scratch`` (3 × P) are work space.
    Returns the number of envs that contributed a TD transition.
    """
    scratch_u = scratch[0]; scratch_phi = scratch[1]; scratch_h = scratch[2]
    sig = scratch[3]; sig_h = scratch[4]
    logits = head_scratch[0]; psi = head_scratch[1]; chi = head_scratch[2]
    k_noise = noise_pos[0]
    noise_pos[0] = k_noise + 1
    # the learning-rate schedule, from the optimizer's step count
    factor = lr_factor(icfg[I_LR_SCHEDULE], opt_state[0], fcfg[F_LR_DECAY_STEPS], fcfg[F_LR_FLOOR])
    fcfg[F_LR_READOUT] = fcfg[F_LR0_READOUT] * factor
    fcfg[F_LR_CORTEX] = fcfg[F_LR0_CORTEX] * factor
    fcfg[F_LR_CRITIC] = fcfg[F_LR0_CRITIC] * factor
    by_column = icfg[I_RFLO_TAU_COLUMNS] == 1
    episodic = icfg[I_EPISODIC_DISCOUNT] == 1
    adapt = icfg[I_INPUT_ADAPTATION]
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
    alpha_c = fcfg[F_LR_CRITIC]
    actor_lesion = icfg[I_ACTOR_LESION] == 1
    critic_lesion = icfg[I_CRITIC_LESION] == 1

    for b in range(B):
        # 1-D views of this env's state: indexing them (not the 2-D arrays) lets LLVM vectorise
        xb = xi[b]; hb = h[b]; Pb = P[b]; eb = e[b]; Jb = J[b]; ab = act[b]
        if episodic:
            discount[b] = 1.0 if fresh[b] else gamma * discount[b]
        disc = discount[b]
        # 1. input ξ = [o, ã_prev, r, h_old, 1]
        if adapt == ADAPT_OFF:
            for j in range(O):
                xb[j] = obs[b, j]
        else:
            for j in range(O):
                xb[j] = adapt_input(obs[b, j], j, obs_stats, adapt == ADAPT_LEARN)
        if meta:
            for j in range(A_in):
                xb[O + j] = 0.0 if fresh[b] else action_in[b, j]
            xb[O + A_in] = 0.0 if fresh[b] else reward[b]
        for i in range(N):
            xb[D + i] = hb[i]
        xb[Z - 1] = 1.0
        # 2. forward and gradient traces with the old h
        forward(theta, N, Z, xb, hb, dt, unit_mask, scratch_u, scratch_phi, scratch_h)
        if gradient == GRAD_RTRL:
            rtrl_update(theta, N, Z, D, xb, hb, scratch_phi, dt, Jb, tmpJ)
        elif gradient == GRAD_BPTT:  # RFLO's P is advanced in the learning pass below
            T = hist_xi.shape[1]
            hd = (hist_head[b] + 1) % T
            hist_head[b] = hd
            if hist_count[b] < T:
                hist_count[b] += 1
            for j in range(Z):
                hist_xi[b, hd, j] = xb[j]
            for i in range(N):
                hist_phi[b, hd, i] = scratch_phi[i]
                hist_hold[b, hd, i] = hb[i]
        for i in range(N):
            hb[i] = scratch_h[i]
        # 3. heads and action
        v = heads(theta, N, Z, Pn, A, actor, hb, lo, hi, bounded, noise_u[k_noise, b],
                  noise_n[k_noise, b], actor_lesion, critic_lesion, logits, psi, chi,
                  action_out[b], action_in[b])
        if actor == ACTOR_DISCRETE:
            action_index[b] = int(action_out[b, 0])
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
                    v_cur += theta[o_wc + i] * xb[D + i]
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
            # one pass over the cortical synapses, the hot loop: P from the old h (scratch_h
            # held the new one until now, and the heads do not read P), δ·e with the old trace,
            # the entropy term, and e ← γλ e + signal · P. No optimizer step reads e, so
            # updating it here is in order; an episode end clears it below.
            rflo_step(theta, N, Z, xb, xb[D:D + N], scratch_phi, dt, Pb, column_decay,
                      by_column, sig, disc, delta if transition else 0.0, sig_h,
                      eta_h if ent_on else 0.0, eb, decay, delta_vec)
            first_untraced = NC
        elif gradient == GRAD_RTRL:
            for c in range(NC):
                gb[c] = 0.0
            for k in range(N):
                s = sig[k]
                for c in range(NC):
                    gb[c] += s * Jb[k, c]
        else:
            bptt_gradient(theta, N, Z, D, dt, sig, hist_xi[b], hist_phi[b], hist_hold[b],
                          hist_count[b], hist_head[b], gb)
        for i in range(N):
            hi_ = hb[i]
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
            for j in range(NP - first_untraced):
                k = first_untraced + j
                delta_vec[k] += delta * eb[k]
            if dutch:
                # true online TD(λ): (δ + V − V_old) z − (V − V_old) x, x = [h_{t-1}; 1]
                corr = v_cur - v_old[b]
                for i in range(N):
                    delta_vec[o_wc + i] += corr * eb[o_wc + i] - corr * xb[D + i]
                delta_vec[o_bc] += corr * eb[o_bc] - corr
            if ent_on:
                if gradient == GRAD_RTRL:
                    for k in range(N):
                        s = eta_h * sig_h[k]
                        for c in range(NC):
                            delta_vec[c] += s * Jb[k, c]
                elif gradient == GRAD_BPTT:
                    bptt_gradient(theta, N, Z, D, dt, sig_h, hist_xi[b], hist_phi[b],
                                  hist_hold[b], hist_count[b], hist_head[b], ent_grad)
                    for c in range(NC):
                        delta_vec[c] += eta_h * ent_grad[c]
                for i in range(N):
                    for p in range(Pn):
                        delta_vec[o_ka + i * Pn + p] += eta_h * hb[i] * chi[p]
        # record [x, h, actor outputs, value, δ]
        for j in range(D):
            ab[j] = xb[j]
        for i in range(N):
            ab[D + i] = hb[i]
        for p in range(Pn):
            ab[D + N + p] = logits[p]
        ab[D + N + Pn] = v
        ab[D + N + Pn + 1] = delta
        v_prev[b] = v
        if fresh[b]:
            v_old[b] = 0.0
        else:
            v_old[b] = v

    # 8. optimizer step on the batch-mean direction
    if n_trans > 0 and icfg[I_PLASTIC] == 1:
        inv_b = 1.0 / B
        for k in range(NP):
            delta_vec[k] *= inv_b * plastic[k]
        clip = fcfg[F_CLIP]
        if clip > 0.0:
            n_clip = NC if icfg[I_CLIP_CORTEX_ONLY] == 1 else NP
            norm2 = 0.0
            for k in range(n_clip):
                norm2 += delta_vec[k] * delta_vec[k]
            if norm2 > clip * clip:
                scale = clip / math.sqrt(norm2)
                for k in range(n_clip):
                    delta_vec[k] *= scale
        lr_c = fcfg[F_LR_CORTEX]
        lr_r = fcfg[F_LR_READOUT]
        lr_v = fcfg[F_LR_CRITIC]
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
            for j in range(o_wc - NC):
                k = NC + j
                theta[k] += plastic[k] * lr_r * (adam_m[k] * ic1) / delta_vec[k]
            for j in range(NP - o_wc):
                k = o_wc + j
                theta[k] += plastic[k] * lr_v * (adam_m[k] * ic1) / delta_vec[k]
        else:
            opt_state[0] += 1.0
            for k in range(NC):
                theta[k] += lr_c * delta_vec[k]
            for k in range(NC, o_wc):
                theta[k] += lr_r * delta_vec[k]
            for k in range(o_wc, NP):
                theta[k] += lr_v * delta_vec[k]
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

    # 9. traces: reset at episode ends, else e ← γλ e + ∇ (dutch form for the critic); RFLO's
    # cortical traces were advanced in the hot loop
    first_trace = NC if gradient == GRAD_RFLO else 0
    for b in range(B):
        hb = h[b]; Pb = P[b]; eb = e[b]; Jb = J[b]
        if terminated[b] or truncated[b]:
            for k in range(NP):
                eb[k] = 0.0
            for i in range(N):
                hb[i] = 0.0
            if gradient == GRAD_RFLO:
                for c in range(NC):
                    Pb[c] = 0.0
            elif gradient == GRAD_RTRL:
                for k in range(N):
                    for c in range(NC):
                        Jb[k, c] = 0.0
            else:
                hist_count[b] = 0
            continue
        gb = grad[b]
        disc = discount[b]
        if dutch:
            for k in range(first_trace, o_wc):
                eb[k] = decay[k] * eb[k] + disc * gb[k]
            gl = gamma * lam_c
            ex = eb[o_bc]
            for i in range(N):
                ex += eb[o_wc + i] * hb[i]
            f = 1.0 - alpha_c * gl * ex
            for i in range(N):
                eb[o_wc + i] = gl * eb[o_wc + i] + f * hb[i]
            eb[o_bc] = gl * eb[o_bc] + f
        else:
            for j in range(NP - first_trace):
                k = first_trace + j
                eb[k] = decay[k] * eb[k] + disc * gb[k]
    return n_trans
