"""Finite-difference oracles: derivatives the engine carries must be derivatives of something.

- The heads: ψ must be ∂log π(a)/∂(actor outputs) and χ must be ∂H/∂(actor outputs), for the
  softmax and for the squashed Gaussian (there the chain factors through μ(m) and σ(s) matter).
- The cortical gradient estimators, run inside the engine's own tick over several episodes at
  dt = 0.5: exact RTRL's J and full-window BPTT must equal the finite-difference Jacobian of h_t
  with respect to (W, τ) *since the start of the current episode*; RFLO's P must equal it too
  when the recurrent weights are 0 (then M_t is diagonal and RFLO drops nothing).

The forward pass that is differentiated is :func:`numpy_reference.episode_states`, plain NumPy
written from docs/algorithm.md §2, not the kernel's. Each test also checks the NumPy oracle of
``test_reference_step.py`` against the same finite differences, so that oracle is itself tested.
"""

from __future__ import annotations

import numpy as np
import pytest

from .common import ENDS, TICKS, build, episode_flags, hyper, inputs, mismatch
from .engine_access import discrete_head, gaussian_head
from .numpy_reference import (discrete_entropy, discrete_log_prob, discrete_scores, episode_states,
                              gaussian_entropy, gaussian_loc_scale, gaussian_log_prob,
                              gaussian_scores)

FD_EPS = 1e-6


def fd_grad(f, y):
    """Central differences of the scalar f at y."""
    g = np.zeros_like(y)
    for k in range(y.size):
        yp, ym = y.copy(), y.copy()
        yp[k] += FD_EPS
        ym[k] -= FD_EPS
        g[k] = (f(yp) - f(ym)) / (2 * FD_EPS)
    return g


# --- heads -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_discrete_score_and_entropy_gradient_are_derivatives(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(scale=1.5, size=4)
    for u in (0.03, 0.35, 0.65, 0.98):
        a, psi, chi = discrete_head(y, u)
        fd_psi = fd_grad(lambda z: discrete_log_prob(z, a), y)
        fd_chi = fd_grad(discrete_entropy, y)
        np.testing.assert_allclose(psi, fd_psi, rtol=0, atol=1e-8,
                                   err_msg=f"engine's discrete ψ is not ∂log π(a={a})/∂y")
        np.testing.assert_allclose(chi, fd_chi, rtol=0, atol=1e-8,
                                   err_msg="engine's discrete χ is not ∂H/∂y (entropy gradient sign?)")
        psi_o, chi_o = discrete_scores(y, a)
        np.testing.assert_allclose(psi_o, fd_psi, rtol=0, atol=1e-8, err_msg="NumPy oracle's ψ")
        np.testing.assert_allclose(chi_o, fd_chi, rtol=0, atol=1e-8, err_msg="NumPy oracle's χ")


@pytest.mark.parametrize("seed", range(4))
def test_gaussian_score_and_entropy_gradient_are_derivatives(seed):
    """ψ at the *unclipped* sample a_raw = μ + σ n (held fixed), χ of H = Σ ½ log(2πe σ²)."""
    rng = np.random.default_rng(10 + seed)
    lo, hi = np.array([-1.0, -np.inf]), np.array([2.0, np.inf])  # one bounded, one free dimension
    y = rng.normal(scale=1.2, size=4)
    noise = rng.normal(scale=1.5, size=2)
    action, psi, chi = gaussian_head(y, noise, lo, hi)
    mu, sigma = gaussian_loc_scale(y, lo, hi)
    a_raw = mu + sigma * noise
    np.testing.assert_allclose(action, np.clip(a_raw, lo, hi), rtol=1e-12,
                               err_msg="engine's Gaussian action is not clip(μ + σ n)")
    fd_psi = fd_grad(lambda z: gaussian_log_prob(z, a_raw, lo, hi), y)
    fd_chi = fd_grad(lambda z: gaussian_entropy(z, lo, hi), y)
    # the loc and the scale outputs separately: a missing chain factor shows in its half
    for part, sl in (("loc", slice(0, 2)), ("scale", slice(2, 4))):
        np.testing.assert_allclose(psi[sl], fd_psi[sl], rtol=1e-6, atol=1e-8,
                                   err_msg=f"engine's Gaussian ψ ({part} outputs) is not ∂log π/∂y")
        np.testing.assert_allclose(chi[sl], fd_chi[sl], rtol=1e-6, atol=1e-8,
                                   err_msg=f"engine's Gaussian χ ({part} outputs) is not ∂H/∂y")
    psi_o, chi_o = gaussian_scores(y, a_raw, lo, hi)
    np.testing.assert_allclose(psi_o, fd_psi, rtol=1e-6, atol=1e-8, err_msg="NumPy oracle's ψ")
    np.testing.assert_allclose(chi_o, fd_chi, rtol=1e-6, atol=1e-8, err_msg="NumPy oracle's χ")


# --- cortical gradients inside the engine's tick ----------------------------------------------

def fd_jacobian(W, tau, xs, dt):
    """∂h_T/∂W (N × N × Z) and ∂h_T/∂τ (N × N) of one episode's forward pass, central differences."""
    N, Z = W.shape
    JW, Jt = np.zeros((N, N, Z)), np.zeros((N, N))
    for i in range(N):
        for j in range(Z):
            Wp, Wm = W.copy(), W.copy()
            Wp[i, j] += FD_EPS
            Wm[i, j] -= FD_EPS
            JW[:, i, j] = (episode_states(Wp, tau, xs, dt)[-1]
                           - episode_states(Wm, tau, xs, dt)[-1]) / (2 * FD_EPS)
        tp, tm = tau.copy(), tau.copy()
        tp[i] += FD_EPS
        tm[i] -= FD_EPS
        Jt[:, i] = (episode_states(W, tp, xs, dt)[-1] - episode_states(W, tm, xs, dt)[-1]) / (2 * FD_EPS)
    return JW, Jt


def run_frozen(hp, check, recurrent=True):
    """Drive a non-plastic engine and the NumPy oracle through ``ENDS``; call ``check`` every tick.

    ``check(t, b, JW, Jt, acc, orc)`` receives the finite-difference Jacobian of h_t over env b's
    current episode (None, None on the tick the episode ended: the state must then be reset).
    """
    acc, orc = build(hp, N=4, O=3, A=2)
    if not recurrent:
        W = acc.params()["W"]
        W[:, acc.D:acc.D + acc.N] = 0.0  # M_t diagonal: RFLO is exact
        acc.set_params(W=W)
        orc.p["W"] = W.copy()
    p = acc.params()
    term, trunc, fresh = episode_flags()
    obs, rew = inputs(acc.O)
    episode = [[] for _ in ENDS]
    prev = np.zeros(len(ENDS), dtype=int)
    for t in range(TICKS):
        acc.tick(obs[t], rew[t], term[t], trunc[t], fresh[t])
        actions = acc.actions()
        orc.step(obs[t], rew[t], term[t], trunc[t], fresh[t], actions)
        for b in range(len(ENDS)):
            if fresh[t, b]:
                episode[b] = []
            keep = 0.0 if fresh[t, b] else 1.0  # the Meta-RL input [o, ã_prev, r], 0 when fresh
            episode[b].append(np.concatenate([obs[t, b], keep * np.eye(acc.A)[prev[b]], [keep * rew[t, b]]]))
            ended = term[t, b] or trunc[t, b]
            h_fd = episode_states(p["W"], p["tau"], episode[b], hp.dt)[-1]
            h_eng = acc.h()[b]
            want_h = np.zeros_like(h_fd) if ended else h_fd
            np.testing.assert_allclose(h_eng, want_h, rtol=0, atol=1e-12,
                                       err_msg=f"tick {t} env {b}: engine's h is not the NumPy forward pass"
                                       + (" reset at the episode end" if ended else ""))
            JW, Jt = (None, None) if ended else fd_jacobian(p["W"], p["tau"], episode[b], hp.dt)
            check(t, b, JW, Jt, acc, orc)
        prev = actions
    return acc, orc


def _assert_none(msgs, what):
    msgs = [m for m in msgs if m]
    if msgs:
        pytest.fail(what + ":\n  " + "\n  ".join(msgs), pytrace=False)


def test_rflo_trace_is_the_exact_jacobian_without_recurrence():
    """P_W, P_τ at dt = 0.5 over three episodes per env (catches dt/τ slips, h_t for h_{t−1}, no reset)."""
    hp = hyper(plastic=False, gradient="rflo")

    def check(t, b, JW, Jt, acc, orc):
        P = acc.rflo_P()
        N = acc.N
        if JW is None:
            _assert_none([mismatch("P_W", P["W"][b], 0 * P["W"][b], 0),
                          mismatch("P_tau", P["tau"][b], 0 * P["tau"][b], 0)],
                         f"tick {t} env {b}: RFLO trace not reset at the episode end")
            return
        diag_W = JW[np.arange(N), np.arange(N)]  # ∂h_i/∂W_ij
        diag_t = np.diag(Jt)  # ∂h_i/∂τ_i
        off = JW.copy()
        off[np.arange(N), np.arange(N)] = 0
        assert np.abs(off).max() < 1e-8, "without recurrence the exact Jacobian is block diagonal"
        _assert_none([mismatch("oracle P_W", orc.PW[b], diag_W, 1e-7),
                      mismatch("oracle P_tau", orc.Ptau[b], diag_t, 1e-7)],
                     f"tick {t} env {b}: the NumPy oracle's RFLO trace is not ∂h/∂θ")
        _assert_none([mismatch("P_W", P["W"][b], diag_W, 1e-7),
                      mismatch("P_tau", P["tau"][b], diag_t, 1e-7)],
                     f"tick {t} env {b}: engine's RFLO trace is not ∂h_t/∂(W, τ) of this episode "
                     "(dt in drive/decay? P_τ from h_{t-1}? reset at the last episode end?)")

    run_frozen(hp, check, recurrent=False)


def test_rtrl_influence_is_the_finite_difference_jacobian_of_the_episode():
    """J at dt = 0.5, full recurrence, inside the engine's tick: reset at every episode end."""
    hp = hyper(plastic=False, gradient="rtrl")

    def check(t, b, JW, Jt, acc, orc):
        J = acc.rtrl_J()
        if JW is None:
            _assert_none([mismatch("J_W", J["W"][b], 0 * J["W"][b], 0),
                          mismatch("J_tau", J["tau"][b], 0 * J["tau"][b], 0)],
                         f"tick {t} env {b}: RTRL's J not reset at the episode end")
            return
        _assert_none([mismatch("oracle J_W", orc.JW[b], JW, 1e-7),
                      mismatch("oracle J_tau", orc.Jtau[b], Jt, 1e-7)],
                     f"tick {t} env {b}: the NumPy oracle's J is not ∂h/∂θ")
        _assert_none([mismatch("J_W", J["W"][b], JW, 1e-7), mismatch("J_tau", J["tau"][b], Jt, 1e-7)],
                     f"tick {t} env {b}: engine's RTRL J is not ∂h_t/∂(W, τ) of this episode "
                     "(was J reset at the last episode end?)")

    run_frozen(hp, check)


def test_bptt_gradient_is_the_finite_difference_gradient_of_the_episode():
    """Window 8 > every episode: with λ = 0, η_π = 0 the cortical trace is B_C · ∂h_t/∂(W, τ)."""
    hp = hyper(plastic=False, gradient="bptt", bptt_window=8, lam_cortex=0.0, eta_pi=0.0)

    def check(t, b, JW, Jt, acc, orc):
        e = acc.traces()
        if JW is None:
            _assert_none([mismatch("e_W", e["W"][b], 0 * e["W"][b], 0)],
                         f"tick {t} env {b}: trace not reset at the episode end")
            return
        B_C = acc.feedback()[1]
        gW, gt = np.einsum("k,kij->ij", B_C, JW), B_C @ Jt
        _assert_none([mismatch("oracle e_W", orc.e[b]["W"], gW, 1e-7),
                      mismatch("oracle e_tau", orc.e[b]["tau"], gt, 1e-7)],
                     f"tick {t} env {b}: the NumPy oracle's BPTT gradient is not B_C·∂h/∂θ")
        _assert_none([mismatch("e_W", e["W"][b], gW, 1e-7), mismatch("e_tau", e["tau"][b], gt, 1e-7)],
                     f"tick {t} env {b}: engine's BPTT gradient is not B_C·∂h_t/∂(W, τ) of this "
                     "episode (was the BPTT window emptied at the last episode end?)")

    run_frozen(hp, check)
