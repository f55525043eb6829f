"""The LRU cortex (``circuit.unit = "lru"``): a linear recurrent unit with exact online traces.

The paper's Table 3 has an LRU column: RTRRL with its recurrent backbone replaced by a linear
recurrent unit (Orvieto et al. 2023, "Resurrecting recurrent neural networks for long
sequences", ICML), whose diagonal complex recurrence makes exact RTRL element-wise and cheap
(Zucchet et al. 2023, "Online learning of long-range dependencies", NeurIPS). Per tick, with the
input x_t (the D channels of the input population) and N complex states s:

    λ_k = exp(−e^{ν_k} + i e^{θ_k})          γ_k = e^{g_k}
    s_t = λ ⊙ s_{t−1} + γ ⊙ (B x_t)          B = B_re + i B_im  (N × D)
    a_t = Re(C s_t) + D_x x_t                 C = C_re + i C_im  (N × N), D_x real (N × D)
    h_t = silu(a_t) = a_t σ(a_t)              (what the striatal readouts read; N outputs)

Exact online traces (the holomorphic derivatives of s_t, carried forward with the current λ):

    E^λ ← λ ⊙ E^λ + s_{t−1}        (∂s/∂λ)
    E^γ ← λ ⊙ E^γ + B x_t          (∂s/∂γ)
    E^B ← λ ⊙ E^B + γ x_tᵀ         (∂s/∂B_re; ∂s/∂B_im = i E^B)

so ∂s/∂ν = −e^ν λ E^λ, ∂s/∂θ = i e^θ λ E^λ, ∂s/∂g = γ E^γ: O(N·D) per tick. For a learning
signal g on the outputs (the feedback synapses' g_t of docs/algorithm.md §3), with
p = g ⊙ silu'(a) and the state's adjoint α = α_re + i α_im, α_re = C_reᵀ p, α_im = −C_imᵀ p,
the gradient of a real parameter with complex sensitivity q is α_re Re q + α_im Im q;
∂/∂C_re = p s_reᵀ, ∂/∂C_im = −p s_imᵀ, ∂/∂D_x = p xᵀ. :func:`lru_step` feeds this gradient to
the TD(λ) traces exactly as RFLO's P is fed (docs/algorithm.md §4); at an episode's end the
state and its traces are reset with the rest of the eligibility.

Where this follows the published code (the RTRRL authors' ``OnlineLRULayer`` in jax_rtrl,
after Elelimy et al. 2024): λ parametrised by ν = log ν', θ = log θ'; γ a parameter of its own
(``gamma_log``), initialised to log √(1 − |λ|²) and then learned; B complex, initialised
normal / √(2D) in both parts; C complex, normal / √N; the skip D_x real, standard normal; ν from
|λ|² ~ U[r_min², r_max²] (r_min = 0, r_max = 1), θ from U[0, max_phase] (6.28); the output
passed through SiLU; the output size equals the state size (``hidden_size``); the actor reads
the output without a bias, the critic with one (as this toolkit's readouts do); no bias in the
LRU. Where it differs: the derivatives are written out in real arithmetic instead of JAX's
vector-Jacobian products (the same numbers); the traces are reset with the state at an
episode's end, as every eligibility here is (docs/algorithm.md §5).

Storage. Parameters: unit k's row of the cortical block (length ``R`` = 3D + 2N + 2, the
kernels' ``Z`` for this unit model) is [ν_k, θ_k, B_re[k] (D), B_im[k] (D), D_x[k] (D),
C_re[k] (N), C_im[k] (N)], and the time-constant slot holds g_k. The per-env state (the
engine's RFLO array ``P``) is [s_re, s_im, E^λ_re, E^λ_im, E^γ_re, E^γ_im (N each),
E^B_re, E^B_im (N × D each)].
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import njit, sigmoid

# offsets within a unit's parameter row (after ν, θ)
_NU, _THETA, _B = 0, 1, 2


def row_length(N: int, D: int) -> int:
    """Length R of a unit's parameter row: ν, θ, B_re, B_im, D_x (D each), C_re, C_im (N each)."""
    return 3 * D + 2 * N + 2


def state_length(N: int, D: int) -> int:
    """Per-env state: s, E^λ, E^γ (complex N each) and E^B (complex N × D)."""
    return 6 * N + 2 * N * D


def initial_parameters(rng: np.random.Generator, N: int, D: int, r_min: float, r_max: float,
                       max_phase: float) -> np.ndarray:
    """The cortical block [rows (N × R) | g (N)] drawn as the published code draws it.

    ν = log(−½ log(u (r_max² − r_min²) + r_min²)), θ = log(max_phase · u) (u ~ U[0, 1)), so that
    |λ|² is uniform on [r_min², r_max²) and arg λ on [0, max_phase); g = log √(1 − |λ|²);
    B_re, B_im ~ N(0, 1/(2D)); C_re, C_im ~ N(0, 1/N); D_x ~ N(0, 1).
    """
    R = row_length(N, D)
    rows = np.zeros((N, R))
    u1 = rng.uniform(size=N)
    u2 = rng.uniform(size=N)
    nu_log = np.log(-0.5 * np.log(u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2))
    theta_log = np.log(max_phase * u2)
    rows[:, _NU] = nu_log
    rows[:, _THETA] = theta_log
    rows[:, _B:_B + D] = rng.standard_normal((N, D)) / math.sqrt(2 * D)
    rows[:, _B + D:_B + 2 * D] = rng.standard_normal((N, D)) / math.sqrt(2 * D)
    rows[:, _B + 2 * D:_B + 3 * D] = rng.standard_normal((N, D))
    rows[:, _B + 3 * D:_B + 3 * D + N] = rng.standard_normal((N, N)) / math.sqrt(N)
    rows[:, _B + 3 * D + N:] = rng.standard_normal((N, N)) / math.sqrt(N)
    modulus2 = np.exp(-2.0 * np.exp(nu_log))
    gamma_log = np.log(np.sqrt(1.0 - modulus2))
    return np.concatenate([rows.ravel(), gamma_log])


def named(block: np.ndarray, N: int, D: int) -> dict[str, np.ndarray]:
    """Views of the cortical block by name: nu_log, theta_log, gamma_log (N), B_re, B_im, D
    (N × D), C_re, C_im (N × N)."""
    R = row_length(N, D)
    rows = block[:N * R].reshape(N, R)
    o = _B
    return {"nu_log": rows[:, _NU], "theta_log": rows[:, _THETA], "gamma_log": block[N * R:],
            "B_re": rows[:, o:o + D], "B_im": rows[:, o + D:o + 2 * D],
            "D": rows[:, o + 2 * D:o + 3 * D],
            "C_re": rows[:, o + 3 * D:o + 3 * D + N], "C_im": rows[:, o + 3 * D + N:o + 3 * D + 2 * N]}


def named_state(S: np.ndarray, N: int, D: int) -> dict[str, np.ndarray]:
    """Views of one env's state by name: s_re, s_im, Elam_re, Elam_im, Egam_re, Egam_im (N),
    EB_re, EB_im (N × D)."""
    names = ("s_re", "s_im", "Elam_re", "Elam_im", "Egam_re", "Egam_im")
    out = {k: S[i * N:(i + 1) * N] for i, k in enumerate(names)}
    out["EB_re"] = S[6 * N:6 * N + N * D].reshape(N, D)
    out["EB_im"] = S[6 * N + N * D:6 * N + 2 * N * D].reshape(N, D)
    return out


@njit(cache=True, inline="always")
def _silu_slope(a):
    s = sigmoid(a)
    return s * (1.0 + a * (1.0 - s))


@njit(cache=True)
def lru_forward(theta, N, R, D, x, S, unit_mask, pre, h_new):
    """One tick: the traces from s_{t−1}, then s_t, the pre-activation a_t (``pre``) and the
    output h_t = silu(a_t) (``h_new``; a silenced unit outputs 0). ``S`` is updated in place."""
    o_g = N * R
    NB = 6 * N
    for k in range(N):
        row = k * R
        r = math.exp(-math.exp(theta[row + _NU]))
        w = math.exp(theta[row + _THETA])
        lre = r * math.cos(w)
        lim = r * math.sin(w)
        gam = math.exp(theta[o_g + k])
        bre = 0.0
        bim = 0.0
        for j in range(D):
            bre += theta[row + _B + j] * x[j]
            bim += theta[row + _B + D + j] * x[j]
        sre = S[k]
        sim = S[N + k]
        # E^λ ← λ E^λ + s_{t−1}
        ere = S[2 * N + k]
        eim = S[3 * N + k]
        S[2 * N + k] = lre * ere - lim * eim + sre
        S[3 * N + k] = lre * eim + lim * ere + sim
        # E^γ ← λ E^γ + B x
        ere = S[4 * N + k]
        eim = S[5 * N + k]
        S[4 * N + k] = lre * ere - lim * eim + bre
        S[5 * N + k] = lre * eim + lim * ere + bim
        # E^B ← λ E^B + γ x
        for j in range(D):
            c = NB + k * D + j
            ere = S[c]
            eim = S[c + N * D]
            S[c] = lre * ere - lim * eim + gam * x[j]
            S[c + N * D] = lre * eim + lim * ere
        # s ← λ s + γ B x
        S[k] = lre * sre - lim * sim + gam * bre
        S[N + k] = lre * sim + lim * sre + gam * bim
    oc = _B + 3 * D
    for i in range(N):
        row = i * R
        acc = 0.0
        for k in range(N):
            acc += theta[row + oc + k] * S[k] - theta[row + oc + N + k] * S[N + k]
        for j in range(D):
            acc += theta[row + _B + 2 * D + j] * x[j]
        pre[i] = acc
        h_new[i] = acc * sigmoid(acc) * unit_mask[i]


@njit(cache=True)
def lru_gradient(theta, N, R, D, x, S, unit_mask, pre, g, out, p):
    """``out`` (the cortical block's layout) receives ∂(gᵀh_t)/∂θ_cortex through the traces of
    ``S`` (after :func:`lru_forward` of this tick); ``p`` (N) is scratch for g ⊙ silu'(a)."""
    o_g = N * R
    NB = 6 * N
    oc = _B + 3 * D
    # immediate terms of the output layer, and p = g ⊙ silu'(a)
    for i in range(N):
        row = i * R
        pi = g[i] * _silu_slope(pre[i]) * unit_mask[i]
        p[i] = pi
        for k in range(N):
            out[row + oc + k] = pi * S[k]
            out[row + oc + N + k] = -pi * S[N + k]
        for j in range(D):
            out[row + _B + 2 * D + j] = pi * x[j]
    for k in range(N):
        # the state's adjoint α = C_reᵀ p − i C_imᵀ p
        are = 0.0
        aim = 0.0
        for i in range(N):
            are += theta[i * R + oc + k] * p[i]
            aim -= theta[i * R + oc + N + k] * p[i]
        row = k * R
        en = math.exp(theta[row + _NU])
        r = math.exp(-en)
        w = math.exp(theta[row + _THETA])
        lre = r * math.cos(w)
        lim = r * math.sin(w)
        # λ E^λ
        ere = S[2 * N + k]
        eim = S[3 * N + k]
        qre = lre * ere - lim * eim
        qim = lre * eim + lim * ere
        # ν: q = −e^ν λE^λ;  θ: q = i e^θ λE^λ
        out[row + _NU] = -en * (are * qre + aim * qim)
        out[row + _THETA] = w * (-are * qim + aim * qre)
        # g: q = γ E^γ
        gam = math.exp(theta[o_g + k])
        out[o_g + k] = gam * (are * S[4 * N + k] + aim * S[5 * N + k])
        # B_re: q = E^B;  B_im: q = i E^B
        for j in range(D):
            c = NB + k * D + j
            ere = S[c]
            eim = S[c + N * D]
            out[row + _B + j] = are * ere + aim * eim
            out[row + _B + D + j] = -are * eim + aim * ere


@njit(cache=True)
def lru_step(theta, N, R, D, x, S, unit_mask, pre, sig, disc, dlt, sig_h, eta_h, e, decay,
             delta_vec, grad, ent_grad, p):
    """The LRU's part of the learning pass, in the place of :func:`.cortex.rflo_step`.

    ``grad`` receives the immediate gradient of sigᵀh (cortical block), ``ent_grad`` that of
    sig_hᵀh when ``eta_h`` ≠ 0 (``p``: scratch of N); then per cortical parameter c: ``delta_vec`` += dlt · e (the old
    trace) + η_H · ent_grad, and e ← decay · e + disc · grad.
    """
    NC = N * R + N
    lru_gradient(theta, N, R, D, x, S, unit_mask, pre, sig, grad, p)
    if eta_h != 0.0:
        lru_gradient(theta, N, R, D, x, S, unit_mask, pre, sig_h, ent_grad, p)
    for c in range(NC):
        ec = e[c]
        add = dlt * ec
        if eta_h != 0.0:
            add += eta_h * ent_grad[c]
        delta_vec[c] += add
        e[c] = decay[c] * ec + disc * grad[c]
