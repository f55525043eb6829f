"""Oracles of the cortex options (bioRTRRL/engines/kernels/cortex.py, bioRTRRL/config.py).

Independent of the code under test: a NumPy step written here, central finite differences, and
analytic values.

- firing-rate units (circuit.unit = "rate"): φ = σ(u) and RFLO's post-synaptic factor is the
  logistic slope σ(1 − σ) (NumPy step); exact RTRL with that slope equals central finite
  differences of Σ_t c_t·h_t;
- Dale's law: the projection after an update equals NumPy's s · max(s · w, 0) per presynaptic
  column, and leaves unconstrained columns and the input and bias columns bit for bit;
- physical time: γ = exp(−Δt/τ_γ), γλ = exp(−Δt/τ_e), τ in ticks = τ_s / Δt (analytic);
- the cascade trace's response to one gradient equals the analytic difference of exponentials
  (exp(−t/τ_d) − exp(−t/τ_r)) / peak at t = n·Δt, whose peak time is τ_rτ_d/(τ_d−τ_r)·ln(τ_d/τ_r).
"""

import math

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.circuit.description import cascade_coefficients, cascade_kernel, cascade_peak_time
from bioRTRRL.engines import kernels as K

N, D = 5, 3
Z = D + N + 1


def _problem(seed=0, T=20):
    rng = np.random.default_rng(seed)
    theta = np.zeros(N * Z + N)
    theta[: N * Z] = rng.normal(0, 1.5 / np.sqrt(Z), N * Z)
    theta[N * Z:] = rng.uniform(1.0, 3.0, N)
    return theta, rng.normal(size=(T, D)), rng.normal(size=(T, N))


def _numpy_sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def test_rate_unit_forward_and_rflo_slope_against_a_numpy_step():
    theta, xs, _ = _problem()
    dt = 0.7
    W, tau = theta[:N * Z].reshape(N, Z), theta[N * Z:]
    h = np.zeros(N)
    P = np.zeros(N * Z + N)
    P_np = np.zeros((N, Z)); Ptau_np = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    for x in xs:
        xi = np.concatenate([x, h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, np.ones(N), u, phi, hn, K.UNIT_RATE)
        K.rflo_update(theta, N, Z, xi, h, phi, dt, P, np.full(Z + 1, -1.0), False, K.UNIT_RATE)
        # NumPy: φ = σ(Wξ), h' = h + dt/τ (φ − h); P ← (1 − dt/τ) P + dt σ(1−σ)/τ ξᵀ,
        # P_τ ← (1 − dt/τ) P_τ + dt (h − φ)/τ²
        s = _numpy_sigmoid(W @ xi)
        np.testing.assert_allclose(phi, s, rtol=0, atol=1e-15)
        P_np = (1 - dt / tau)[:, None] * P_np + (dt * s * (1 - s) / tau)[:, None] * xi[None, :]
        Ptau_np = (1 - dt / tau) * Ptau_np + dt * (h - s) / tau ** 2
        h_np = h + dt / tau * (s - h)
        np.testing.assert_allclose(hn, h_np, rtol=0, atol=1e-14)
        h = hn.copy()
    np.testing.assert_allclose(P[:N * Z].reshape(N, Z), P_np, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(P[N * Z:], Ptau_np, rtol=1e-12, atol=1e-15)
    assert np.all((h > 0) & (h < 1))  # non-negative rates below r_max


def _loss(theta, xs, cs, dt):
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    total = 0.0
    for x, c in zip(xs, cs):
        xi = np.concatenate([x, h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, np.ones(N), u, phi, hn, K.UNIT_RATE)
        h = hn.copy()
        total += c @ h
    return total


def test_rate_unit_rtrl_equals_central_finite_differences():
    theta, xs, cs = _problem(seed=3)
    dt = 1.0
    h = np.zeros(N)
    u, phi, hn = np.zeros(N), np.zeros(N), np.zeros(N)
    J = np.zeros((N, N * Z + N)); tmp = np.zeros_like(J)
    grad = np.zeros(N * Z + N)
    for x, c in zip(xs, cs):
        xi = np.concatenate([x, h, [1.0]])
        K.forward(theta, N, Z, xi, h, dt, np.ones(N), u, phi, hn, K.UNIT_RATE)
        K.rtrl_update(theta, N, Z, D, xi, h, phi, dt, J, tmp, K.UNIT_RATE)
        h = hn.copy()
        grad += c @ J
    eps = 1e-6
    fd = np.empty_like(grad)
    for k in range(len(theta)):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += eps; tm[k] -= eps
        fd[k] = (_loss(tp, xs, cs, dt) - _loss(tm, xs, cs, dt)) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_dale_projection_against_numpy():
    rng = np.random.default_rng(1)
    theta = rng.normal(size=N * Z + N)
    sign = np.array([1.0, 1.0, -1.0, 0.0, -1.0])
    before = theta.copy()
    K.dale_project(theta, N, Z, D, sign)
    W0, W1 = before[:N * Z].reshape(N, Z), theta[:N * Z].reshape(N, Z)
    rec = W0[:, D:D + N]
    expected = np.where(sign != 0, sign * np.maximum(sign * rec, 0.0), rec)
    np.testing.assert_array_equal(W1[:, D:D + N], expected)
    np.testing.assert_array_equal(W1[:, :D], W0[:, :D])       # input synapses are free
    np.testing.assert_array_equal(W1[:, -1], W0[:, -1])       # biases are free
    np.testing.assert_array_equal(theta[N * Z:], before[N * Z:])


@pytest.mark.parametrize("env_dt_ms", [10.0, 20.0])
def test_seconds_keys_convert_to_ticks(env_dt_ms):
    m = br.load_model({"circuit": {"env_dt_ms": env_dt_ms, "tau_init_s": [0.05, 0.4],
                                   "tau_min_s": 0.02},
                       "learning": {"discount_tau_s": 2.0, "trace_tau_s": 0.5}})
    dt_s = env_dt_ms / 1000
    np.testing.assert_allclose(m.circuit.tau_init, [0.05 / dt_s, 0.4 / dt_s], rtol=1e-15)
    assert m.circuit.tau_min == pytest.approx(0.02 / dt_s, rel=1e-15)
    assert m.learning.gamma == pytest.approx(math.exp(-dt_s / 2.0), rel=1e-15)
    for lam in (m.learning.lambda_actor, m.learning.lambda_critic, m.learning.lambda_cortex):
        assert m.learning.gamma * lam == pytest.approx(math.exp(-dt_s / 0.5), rel=1e-14)
    # re-derived when env_dt changes (the seconds keys decide)
    m2 = m.with_overrides({"circuit.env_dt_ms": 2 * env_dt_ms})
    assert m2.circuit.tau_init[0] == pytest.approx(m.circuit.tau_init[0] / 2, rel=1e-14)


def test_trace_longer_than_discount_is_one_clear_message():
    with pytest.raises(br.ModelError, match="learning.trace_tau_s"):
        br.load_model({"learning": {"discount_tau_s": 0.5, "trace_tau_s": 1.0}})


@pytest.mark.parametrize("env_dt_ms", [10.0, 20.0])
def test_cascade_trace_is_the_analytic_difference_of_exponentials(env_dt_ms):
    rise, decay = 0.3, 1.0
    model = br.load_model({"circuit": {"env_dt_ms": env_dt_ms},
                           "learning": {"eligibility_cascade": ["cortex_striatum_dorsal"],
                                        "eligibility_rise_s": rise, "eligibility_decay_s": decay}})
    a_r, gain, a_d = cascade_coefficients(model)
    n = 400
    e, q = np.zeros(1), np.zeros(1)
    out = np.empty(n)
    for k in range(n):
        grad = np.array([1.0 if k == 0 else 0.0])
        K.accumulate_cascade(e, q, grad, np.array([a_d]), np.array([a_r]), np.array([gain]),
                             1.0, 0)
        out[k] = e[0]
    t = np.arange(n) * env_dt_ms / 1000  # e after tick k holds the gradient of tick 0, k ticks on
    t_peak = rise * decay / (decay - rise) * math.log(decay / rise)
    analytic = (np.exp(-t / decay) - np.exp(-t / rise)) / (
        math.exp(-t_peak / decay) - math.exp(-t_peak / rise))
    np.testing.assert_allclose(out, analytic, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cascade_kernel(t, rise, decay), analytic, rtol=0, atol=1e-14)
    assert cascade_peak_time(rise, decay) == pytest.approx(0.5159, abs=1e-4)
    assert out.max() == pytest.approx(1.0, abs=2e-3)  # peak 1 (sampled on the tick grid)
