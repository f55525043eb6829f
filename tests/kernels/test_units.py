"""Each named unit of the kernel against its formula written out here in NumPy.

Signatures: Adam's bias-corrected step with ε outside the square root and the batch *mean*
(docs/algorithm.md §4; Kingma & Ba 2015, Algorithm 1); the norm clip rescales only above the bound; τ is
kept ≥ τ_min; δ = r − r̄ + γ(1 − terminated)v − v_prev with clamp > gain/shift > rectification;
the accumulating and dutch traces (van Seijen et al. 2016, eq. for e_t); the readout gradients.
"""

import math

import numpy as np
import pytest

from bioRTRRL.engines import kernels as K

N, Z, P = 3, 5, 2
NC = N * Z + N
NP = K.n_params(N, Z, P)
O_WC = NC + N * P


def _config(**fields):
    cfg = K.new_config()
    base = dict(N=N, Z=Z, P=P, optimizer=K.OPTIM_ADAM, beta1=0.9, beta2=0.999, eps=1e-8,
                lr_cortex=1e-2, lr_readout=2e-2, lr_critic=3e-2, gamma=0.9)
    for k, v in {**base, **fields}.items():
        cfg[k] = v
    return cfg


def _adam_reference(theta, d_sum, B, m, v, t, plastic, lrs, b1=0.9, b2=0.999, eps=1e-8):
    d = d_sum / B * plastic
    m = b1 * m + (1 - b1) * d
    v = b2 * v + (1 - b2) * d * d
    m_hat = m / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return theta + plastic * lrs * m_hat / (np.sqrt(v_hat) + eps), m, v


def _lrs(cfg):
    lrs = np.empty(NP)
    lrs[:NC] = cfg["lr_cortex"][0]
    lrs[NC:O_WC] = cfg["lr_readout"][0]
    lrs[O_WC:] = cfg["lr_critic"][0]
    return lrs


@pytest.mark.parametrize("B", [1, 3])
def test_adam_step_is_the_formula_on_the_batch_mean(B):
    rng = np.random.default_rng(0)
    cfg = _config(eps=1e-3)  # ε comparable to the direction: summing instead of averaging shows
    theta = rng.normal(size=NP)
    plastic = (rng.random(NP) > 0.2).astype(float)
    m, v, state = np.zeros(NP), np.zeros(NP), np.zeros(2)
    expected, em, ev = theta.copy(), m.copy(), v.copy()
    for t in range(1, 4):
        d_sum = rng.normal(size=NP) * 1e-3
        expected, em, ev = _adam_reference(expected, d_sum, B, em, ev, t, plastic, _lrs(cfg),
                                           eps=1e-3)
        K.optimizer_step(cfg[0], theta, plastic, d_sum.copy(), m, v, state, B, NC, O_WC)
        np.testing.assert_allclose(theta, expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(m, em, rtol=1e-12, atol=1e-18)
    assert state[0] == 3


def test_adam_flushes_subnormal_moments_and_leaves_the_weights_as_the_formula():
    """A moment whose gradient stays 0 decays into subnormal numbers, where β1·m rounds back to
    itself for ever (and costs ~100× per operation): it is set to 0. The weights are the NumPy
    formula's to the bit (the step from a subnormal m is far below a weight's last bit), and a
    moment just above the smallest normal is kept."""
    tiny = np.finfo(float).tiny  # the smallest normal float64
    cfg = _config()
    rng = np.random.default_rng(2)
    theta = rng.normal(size=NP)
    d_sum = rng.normal(size=NP) * 1e-3
    d_sum[:6] = 0.0
    m = rng.normal(size=NP) * 1e-3
    m[:3] = [5e-324, -2e-323, 1e-310]           # stay subnormal after β1·m: flushed
    m[3] = tiny / 0.9 * 1.5                    # β1·m stays normal: kept
    v = rng.random(NP) * 1e-6
    v[4:6] = [1e-310, 5e-324]                  # β2·v subnormal: flushed
    state = np.array([10.0, 0.0])
    before = theta.copy()
    expected, em, ev = _adam_reference(theta, d_sum, 1, m.copy(), v.copy(), 11.0, np.ones(NP),
                                       _lrs(cfg))
    K.optimizer_step(cfg[0], theta, np.ones(NP), d_sum.copy(), m, v, state, 1, NC, O_WC)
    np.testing.assert_array_equal(m[:3], 0.0)
    assert m[3] == em[3] and m[3] >= tiny
    np.testing.assert_array_equal(v[4:6], 0.0)
    # where the step is below the weight's last bit, both leave the weight exactly as it was
    np.testing.assert_array_equal(theta[:4], before[:4])
    np.testing.assert_array_equal(expected[:4], before[:4])
    np.testing.assert_allclose(theta, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m[6:], em[6:], rtol=1e-12)


def test_sgd_step_is_lr_times_the_batch_mean():
    cfg = _config(optimizer=K.OPTIM_SGD)
    rng = np.random.default_rng(1)
    theta = rng.normal(size=NP)
    d_sum = rng.normal(size=NP)
    expected = theta + _lrs(cfg) * d_sum / 4
    K.optimizer_step(cfg[0], theta, np.ones(NP), d_sum.copy(), np.zeros(NP), np.zeros(NP),
                     np.zeros(2), 4, NC, O_WC)
    np.testing.assert_allclose(theta, expected, rtol=1e-13)


@pytest.mark.parametrize("cortex_only", [0, 1])
def test_norm_clip_rescales_only_above_the_bound(cortex_only):
    cfg = _config(optimizer=K.OPTIM_SGD, clip=0.5, clip_cortex_only=cortex_only,
                  lr_cortex=1.0, lr_readout=1.0, lr_critic=1.0)
    d = np.full(NP, 1.0)
    theta = np.zeros(NP)
    K.optimizer_step(cfg[0], theta, np.ones(NP), d.copy(), np.zeros(NP), np.zeros(NP),
                     np.zeros(2), 1, NC, O_WC)
    clipped = slice(0, NC) if cortex_only else slice(0, NP)
    assert np.linalg.norm(theta[clipped]) == pytest.approx(0.5)
    if cortex_only:
        np.testing.assert_array_equal(theta[NC:], 1.0)
    small = np.full(NP, 1e-3)
    theta = np.zeros(NP)
    K.optimizer_step(cfg[0], theta, np.ones(NP), small.copy(), np.zeros(NP), np.zeros(NP),
                     np.zeros(2), 1, NC, O_WC)
    np.testing.assert_array_equal(theta, small)


def test_tau_is_kept_at_least_tau_min():
    theta = np.zeros(NP)
    theta[N * Z:NC] = [0.2, 1.0, 7.0]
    K.clip_tau(theta, N, Z, 1.5)
    np.testing.assert_array_equal(theta[N * Z:NC], [1.5, 1.5, 7.0])


def test_schedule_sets_the_current_rates():
    cfg = _config(lr0_readout=1.0, lr0_cortex=2.0, lr0_critic=3.0, lr_schedule=2,
                  lr_decay_steps=100.0, lr_floor=0.1)
    K.apply_schedule(cfg[0], 50.0)
    factor = 1 - 0.9 * 0.5
    assert (cfg["lr_readout"][0], cfg["lr_cortex"][0], cfg["lr_critic"][0]) == pytest.approx(
        (factor, 2 * factor, 3 * factor))


@pytest.mark.parametrize("terminated", [False, True])
def test_dopamine_is_the_td_error(terminated):
    cfg = _config(gamma=0.9)
    r, v, v_prev, rbar = 1.5, 2.0, 0.5, 0.25
    expected = r - rbar + (0.0 if terminated else 0.9 * v) - v_prev
    assert K.dopamine(cfg[0], r, terminated, v, v_prev, rbar) == pytest.approx(expected, abs=1e-15)


def test_dopamine_manipulations_compose_clamp_over_gain_then_rectify():
    cfg = _config(gamma=1.0, da_gain=2.0, da_shift=-1.0)
    assert K.dopamine(cfg[0], 1.0, False, 0.0, 0.0, 0.0) == pytest.approx(1.0)   # 2·1 − 1
    cfg["da_rectify"], cfg["da_baseline"] = 1, 0.2
    assert K.dopamine(cfg[0], -1.0, False, 0.0, 0.0, 0.0) == pytest.approx(-0.2)  # max(−3, −0.2)
    cfg["da_fixed"] = 0.7
    assert K.dopamine(cfg[0], -1.0, False, 0.0, 0.0, 0.0) == pytest.approx(0.7)


def test_accumulating_trace():
    rng = np.random.default_rng(2)
    e, g, decay = rng.normal(size=(3, NP))
    expected = e.copy()
    expected[4:] = decay[4:] * e[4:] + 0.5 * g[4:]
    K.accumulate(e, g, decay, 0.5, 4)
    np.testing.assert_allclose(e, expected, rtol=1e-15)


def test_dutch_trace_of_the_linear_critic():
    rng = np.random.default_rng(3)
    e = rng.normal(size=NP)
    h = rng.normal(size=N)
    gl, alpha = 0.9 * 0.8, 0.05
    x = np.append(h, 1.0)
    z = np.append(e[O_WC:O_WC + N], e[O_WC + N])
    expected = gl * z + (1 - alpha * gl * z @ x) * x
    K.dutch_critic(e, h, O_WC, O_WC + N, N, gl, alpha)
    np.testing.assert_allclose(np.append(e[O_WC:O_WC + N], e[O_WC + N]), expected, rtol=1e-13)


@pytest.mark.parametrize("lesion", ["none", "actor", "critic"])
def test_readout_gradient(lesion):
    rng = np.random.default_rng(4)
    h, psi = rng.normal(size=N), rng.normal(size=P)
    grad = np.full(NP, np.nan)
    K.readout_gradient(N, P, NC, O_WC, O_WC + N, h, psi, 0.5, grad, lesion == "actor",
                       lesion == "critic", 1.0)
    K_A = grad[NC:O_WC].reshape(N, P)
    np.testing.assert_allclose(K_A, 0.0 if lesion == "actor" else 0.5 * np.outer(h, psi))
    np.testing.assert_allclose(grad[O_WC:O_WC + N], 0.0 if lesion == "critic" else h)
    assert grad[O_WC + N] == (0.0 if lesion == "critic" else 1.0)


def test_configuration_fields_are_named():
    cfg = K.new_config()
    assert math.isnan(cfg["da_fixed"][0]) and cfg["da_gain"][0] == 1.0
    assert set(K.FIELDS) == set(cfg.dtype.names)
