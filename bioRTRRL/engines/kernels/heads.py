"""Striatum: the readouts (critic value, actor outputs) and action selection.

The ventral striatum's value v = w_Cᵀh + b_C; the dorsal striatum's outputs y = K_Aᵀh are the
logits of a softmax policy, or a Gaussian's [loc, raw scale] on a Box action space (docs/algorithm.md §2).
Each selection returns the score ψ = ∂log π(a)/∂y of the drawn action and the entropy gradient
χ = ∂H/∂y, which the feedback synapses carry back to cortex.
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
