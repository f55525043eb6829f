"""Action selection from the dorsal-striatum outputs (the GPi/thalamus stage of the loop).

Normalising over the population (softmax) and drawing one action are not synaptic operations;
the closed loop calls these functions once per tick with the outputs ``y`` it reads from
``striatum_dorsal`` and writes back the score ψ and the entropy gradient χ the plasticity needs.
The arithmetic mirrors :func:`bioRTRRL.engines.kernels.heads` step for step, and the draws come
from the same :class:`~bioRTRRL.engines.sampling.ActionNoise` stream, so that both engines pick
the same actions.
"""

from __future__ import annotations

import math

from numba import njit


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
