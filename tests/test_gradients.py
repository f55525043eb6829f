"""The cortical gradient estimators against independent oracles.

Objective: L(θ) = Σ_t c_t · h_t for a fixed input sequence and fixed random signals c_t (the role the
learning signal g_t plays in the engine). Exact RTRL must equal central finite differences and full
-window BPTT; RFLO must equal the exact gradient after one step and differ after.
"""

import numpy as np
import pytest

from bioRTRRL.engines import kernels as K

N, D = 5, 3
Z = D + N + 1


def _problem(seed=0, dt=1.0, T=25):
    rng = np.random.default_rng(seed)
    theta = np.zeros(N * Z + N)
    theta[: N * Z] = rng.normal(0, 1.2 / np.sqrt(Z), N * Z)
    theta[N * Z:] = rng.uniform(1.0, 3.0, N)
    xs = rng.normal(size=(T, D))
    cs = rng.normal(size=(T, N))
    return theta, xs, cs, dt


def _loss(theta, xs, cs, dt):
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    mask = np.ones(N)
    total = 0.0
    for x, c in zip(xs, cs):
        xi = np.concatenate([x, h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, mask, u, phi, hn)
        h = hn.copy()
        total += c @ h
    return total


def _rtrl(theta, xs, cs, dt, steps=None):
    """Σ_t c_t·J_t and the list of J_t (N × (N·Z + N))."""
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    mask = np.ones(N)
    J = np.zeros((N, N * Z + N))
    tmp = np.zeros_like(J)
    grad = np.zeros(N * Z + N)
    Js = []
    for x, c in list(zip(xs, cs))[:steps]:
        xi = np.concatenate([x, h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, mask, u, phi, hn)
        K.rtrl_update(theta, N, Z, D, xi, h, phi, dt, J, tmp)
        h = hn.copy()
        grad += c @ J
        Js.append(J.copy())
    return grad, Js


@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_rtrl_equals_central_finite_differences(dt):
    theta, xs, cs, dt = _problem(dt=dt)
    grad, _ = _rtrl(theta, xs, cs, dt)
    eps = 1e-6
    fd = np.zeros_like(theta)
    for k in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += eps
        tm[k] -= eps
        fd[k] = (_loss(tp, xs, cs, dt) - _loss(tm, xs, cs, dt)) / (2 * eps)
    rel = np.abs(grad - fd) / np.maximum(np.abs(fd), 1e-3)
    assert rel.max() < 1e-6, rel.max()
    # the τ part is a real gradient, not zero by construction
    assert np.abs(grad[N * Z:]).min() > 1e-4


def test_rtrl_equals_bptt_over_the_same_window():
    theta, xs, cs, dt = _problem(seed=1, T=20)
    T = len(xs)
    grad_rtrl, _ = _rtrl(theta, xs, cs, dt)
    hist_xi, hist_phi, hist_hold = np.zeros((T, Z)), np.zeros((T, N)), np.zeros((T, N))
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    out = np.zeros(N * Z + N)
    total = np.zeros_like(out)
    for t, (x, c) in enumerate(zip(xs, cs)):
        xi = np.concatenate([x, h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, np.ones(N), u, phi, hn)
        hist_xi[t], hist_phi[t], hist_hold[t] = xi, phi, h
        K.bptt_gradient(theta, N, Z, D, dt, c, hist_xi, hist_phi, hist_hold, t + 1, t, out)
        total += out
        h = hn.copy()
    np.testing.assert_allclose(total, grad_rtrl, rtol=1e-12, atol=1e-12)


def test_rflo_equals_exact_gradient_over_one_step_and_differs_after():
    theta, xs, cs, dt = _problem(seed=2)
    _, Js = _rtrl(theta, xs, cs, dt, steps=3)
    P = np.zeros(N * Z + N)
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    diag = np.zeros((N, N * Z + N), dtype=bool)
    for i in range(N):
        diag[i, i * Z:(i + 1) * Z] = True
        diag[i, N * Z + i] = True
    for t in range(3):
        xi = np.concatenate([xs[t], h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, np.ones(N), u, phi, hn)
        K.rflo_update(theta, N, Z, xi, h, phi, dt, P, np.full(Z + 1, -1.0), False)
        h = hn.copy()
        J = Js[t]
        # RFLO's P is the block diagonal of J computed without the recurrent Jacobian
        P_as_J = np.zeros_like(J)
        P_as_J[diag] = np.concatenate([P[i * Z:(i + 1) * Z].tolist() + [P[N * Z + i]] for i in range(N)])
        if t == 0:
            np.testing.assert_allclose(P_as_J, J, rtol=0, atol=1e-15)
        else:
            assert np.abs(P_as_J - J).max() > 1e-3


def test_rflo_column_time_constant_filters_its_columns_only():
    """A column with its own τ_e is the low-pass filter Σ_s (1 − dt/τ_e)^(t−s) (dt φ'_s/τ_i) ξ_s."""
    theta, xs, _, dt = _problem(seed=4)
    tau_e = 7.0
    cols = np.full(Z + 1, -1.0)
    cols[[1, Z]] = 1.0 - dt / tau_e  # one input column and the τ trace
    P_ref, P_col = np.zeros(N * Z + N), np.zeros(N * Z + N)
    expect_col1, expect_tau = np.zeros(N), np.zeros(N)
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    tau = theta[N * Z:N * Z + N]
    for t in range(12):
        xi = np.concatenate([xs[t], h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, np.ones(N), u, phi, hn)
        K.rflo_update(theta, N, Z, xi, h, phi, dt, P_ref, cols, False)
        K.rflo_update(theta, N, Z, xi, h, phi, dt, P_col, cols, True)
        d = 1.0 - dt / tau_e
        expect_col1 = d * expect_col1 + dt * (1 - phi ** 2) / tau * xi[1]
        expect_tau = d * expect_tau + dt * (h - phi) / tau ** 2
        h = hn.copy()
    W_ref, W_col = P_ref[:N * Z].reshape(N, Z), P_col[:N * Z].reshape(N, Z)
    np.testing.assert_allclose(W_col[:, 1], expect_col1, rtol=1e-12)
    np.testing.assert_allclose(P_col[N * Z:], expect_tau, rtol=1e-12)
    others = np.delete(np.arange(Z), 1)
    np.testing.assert_array_equal(W_col[:, others], W_ref[:, others])
    assert not np.allclose(W_col[:, 1], W_ref[:, 1])
