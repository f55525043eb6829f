"""Striatum: the readouts (critic value, actor outputs) and action selection.

The ventral striatum's value v = w_Cᵀh + b_C; the dorsal striatum's outputs y = K_Aᵀh are the
logits of a softmax policy, or a Gaussian's [loc, raw scale] on a Box action space (docs/algorithm.md §2).
Each selection returns the score ψ = ∂log π(a)/∂y of the drawn action and the entropy gradient
χ = ∂H/∂y, which the feedback synapses carry back to cortex.

With the D1/D2 opponent actor (``circuit.striatum = "opponent"``, :func:`select_opponent`) the
dorsal striatum has a Go and a NoGo output per action and ψ is the post-synaptic factor of the
three-factor rule instead of the score: the eligible (selected) action's Go activity G_a and
minus its NoGo activity −N_a (Collins & Frank 2014, OpAL).
"""

from __future__ import annotations

import math

from ._jit import njit, sigmoid, softplus
from .config import ACTOR_DISCRETE


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
        sm = sigmoid(m)
        if bounded[k]:
            mu = lo[k] + (hi[k] - lo[k]) * sm
            dmu = (hi[k] - lo[k]) * sm * (1.0 - sm)
        else:
            mu = m
            dmu = 1.0
        ss = sigmoid(s)
        zz = -2.0 + 4.0 * ss
        std = softplus(zz)
        dstd = sigmoid(zz) * 4.0 * ss * (1.0 - ss)
        a_raw = mu + std * noise[k]
        diff = a_raw - mu
        psi[k] = diff / (std * std) * dmu
        psi[A + k] = (-1.0 / std + diff * diff / (std * std * std)) * dstd
        chi[k] = 0.0
        chi[A + k] = dstd / std
        action[k] = min(max(a_raw, lo[k]), hi[k])


@njit(cache=True)
def opponent_betas(beta, tonic_bias, tonic_hz, model_hz, d1_block, d2_block):
    """(β_G, β_N) of the opponent actor's selection stage under the tonic dopamine rate.

    OpAL's tonic bias (Collins & Frank 2014, Psychol Rev 121:337, eq. 9): ρ = clip(bias ·
    (r₀/r₀_model − 1), −1, 1), β_G = β(1 + ρ), β_N = β(1 − ρ): more tonic dopamine weighs Go
    (D1) against NoGo (D2). A blocked fraction of a pathway's receptors removes that fraction of
    dopamine's effect on it.
    """
    rho = 0.0
    if model_hz > 0.0:  # 0: no dopamine neurons configured, no tonic bias
        rho = min(max(tonic_bias * (tonic_hz / model_hz - 1.0), -1.0), 1.0)
    return beta * (1.0 + (1.0 - d1_block) * rho), beta * (1.0 - (1.0 - d2_block) * rho)


@njit(cache=True, inline="always")
def _opponent_act(y, a, A, beta_g, beta_n):
    """Act_a = β_G G_a − β_N N_a with the Go and NoGo activities G_a = [1 + y_a]₊,
    N_a = [1 + y_{A+a}]₊ (OpAL's G and N start at 1; rates are never negative)."""
    return beta_g * max(0.0, 1.0 + y[a]) - beta_n * max(0.0, 1.0 + y[A + a])


@njit(cache=True)
def select_opponent(y, u, beta_g, beta_n, cue, cued, psi, chi, onehot):
    """The GPi/thalamus selection stage of the D1/D2 opponent actor.

    p(a) ∝ exp(Act_a) over the available actions (all, or with ``cued`` those whose ``cue`` is
    > 0; all when none is), action by inverse-CDF sampling with ``u``. ψ receives the
    post-synaptic factor of the three-factor rule of each output (Collins & Frank 2014, OpAL:
    G_a ← G_a + α G_a δ, N_a ← N_a − α N_a δ for the chosen action): G_a on the Go and −N_a on
    the NoGo output of the selected action, 0 elsewhere — so a burst (δ > 0) strengthens the
    eligible Go synapses and weakens the NoGo ones, a dip the reverse. χ receives ∂H/∂y.

    Parameters
    ----------
    y : ndarray (2A,)
        Drives of the Go units [0, A) and the NoGo units [A, 2A).
    u : float
        Uniform draw in [0, 1).
    beta_g, beta_n : float
        From :func:`opponent_betas`.
    cue : ndarray
        Its first A entries say which actions are available (> 0); read only when ``cued``.
    cued : bool
    psi, chi : ndarray (2A,)
    onehot : ndarray (A,)
        Receives onehot(a).

    Returns
    -------
    int
        The action index.
    """
    A = onehot.shape[0]
    any_cue = False
    if cued:
        for a in range(A):
            if cue[a] > 0.0:
                any_cue = True
    mx = -math.inf
    for a in range(A):
        if not any_cue or cue[a] > 0.0:
            mx = max(mx, _opponent_act(y, a, A, beta_g, beta_n))
    zsum = 0.0
    for a in range(A):
        if not any_cue or cue[a] > 0.0:
            zsum += math.exp(_opponent_act(y, a, A, beta_g, beta_n) - mx)
    logz = math.log(zsum) + mx
    ent = 0.0
    sel = -1
    c = 0.0
    for a in range(A):
        if not any_cue or cue[a] > 0.0:
            lp = _opponent_act(y, a, A, beta_g, beta_n) - logz
            pi = math.exp(lp)
            ent -= pi * lp
            c += pi
            if sel < 0 and u < c:
                sel = a
    if sel < 0:  # u beyond the rounded total: the last available action
        for a in range(A):
            if not any_cue or cue[a] > 0.0:
                sel = a
    for a in range(A):
        g_on = 1.0 + y[a] > 0.0
        n_on = 1.0 + y[A + a] > 0.0
        dh = 0.0
        if not any_cue or cue[a] > 0.0:
            lp = _opponent_act(y, a, A, beta_g, beta_n) - logz
            dh = -math.exp(lp) * (lp + ent)
        chi[a] = dh * beta_g if g_on else 0.0
        chi[A + a] = -dh * beta_n if n_on else 0.0
        chosen = a == sel
        psi[a] = max(0.0, 1.0 + y[a]) if chosen else 0.0
        psi[A + a] = -max(0.0, 1.0 + y[A + a]) if chosen else 0.0
        onehot[a] = 1.0 if chosen else 0.0
    return sel


@njit(cache=True)
def heads(theta, N, Z, P, A, actor, h, lo, hi, bounded, noise_u, noise_n, actor_lesion,
          critic_lesion, logits, psi, chi, action, action_in, opponent, beta_g, beta_n, cue,
          cued):
    """Critic value, actor outputs, sampled action, score ψ = ∂log π/∂outputs, entropy gradient χ.

    Returns the value. ``action`` receives the env action (index or clipped sample);
    ``action_in`` the Meta-RL encoding of it (one-hot, or the clipped action). A lesioned
    (silenced) readout outputs 0: the critic predicts nothing, the actor's outputs are all 0
    (uniform policy; for a Gaussian actor the midpoint with σ = softplus(0)). With ``opponent``
    the outputs are Go and NoGo drives and the selection is :func:`select_opponent` (β_G, β_N,
    ``cue`` = the input rates, ``cued``).
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
    if opponent:
        action[0] = select_opponent(logits, noise_u, beta_g, beta_n, cue, cued, psi, chi,
                                    action_in)
    elif actor == ACTOR_DISCRETE:
        action[0] = select_discrete(logits, noise_u, psi, chi, action_in)
    else:
        select_gaussian(logits, noise_n, lo, hi, bounded, psi, chi, action)
        for k in range(A):
            action_in[k] = action[k]
    return v
