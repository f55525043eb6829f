"""The LRU cortex's exact online gradient against central finite differences of a NumPy forward.

The forward pass here is written in complex NumPy from the equations (Orvieto et al. 2023):
λ = exp(−e^ν + i e^θ), s_t = λ ⊙ s_{t−1} + e^g ⊙ ((B_re + i B_im) x_t), h_t = silu(Re(C s_t) +
D_x x_t). The loss L = Σ_t g_tᵀ h_t over T = 25 ticks with a random signal g_t per tick; the
kernel's online gradient (its traces advanced by ``lru_forward``, the gradient of g_tᵀh_t read
off them by ``lru_gradient`` every tick, summed) must equal ∂L/∂θ by central differences in
float64 for every parameter: ν, θ, g (= log γ), B_re, B_im, C_re, C_im and the skip D_x.
"""

from __future__ import annotations

import numpy as np
import pytest

from bioRTRRL.engines.kernels import lru as L

N, D, T = 4, 3, 25
NAMES = ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "D", "C_re", "C_im")


def numpy_outputs(block, xs):
    """h_1..h_T from s_0 = 0, in complex NumPy (the named views only unpack the flat block)."""
    p = L.named(block, N, D)
    lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
    B = p["B_re"] + 1j * p["B_im"]
    C = p["C_re"] + 1j * p["C_im"]
    s = np.zeros(N, complex)
    out = []
    for x in xs:
        s = lam * s + np.exp(p["gamma_log"]) * (B @ x)
        a = (C @ s).real + p["D"] @ x
        out.append(a / (1.0 + np.exp(-a)))
    return np.array(out)


def online_gradient(block, xs, gs, mask=None):
    """Σ_t of the kernel's gradient of g_tᵀh_t, with the kernel's forward (and its outputs)."""
    R = L.row_length(N, D)
    theta = np.concatenate([block, np.zeros(5)])  # readouts after the block: never read
    S = np.zeros(L.state_length(N, D))
    mask = np.ones(N) if mask is None else mask
    pre, h = np.zeros(N), np.zeros(N)
    total = np.zeros(block.size)
    grad = np.zeros(block.size)
    hs = []
    for x, g in zip(xs, gs):
        L.lru_forward(theta, N, R, D, x, S, mask, pre, h)
        L.lru_gradient(theta, N, R, D, x, S, mask, pre, g, grad, np.zeros(N))
        total += grad
        hs.append(h.copy())
    return total, np.array(hs)


def problem(seed=0):
    rng = np.random.default_rng(seed)
    block = L.initial_parameters(rng, N, D, r_min=0.5, r_max=0.99, max_phase=np.pi)
    xs = rng.normal(size=(T, D))
    gs = rng.normal(size=(T, N))
    return block, xs, gs


def finite_differences(block, xs, gs, eps=1e-6):
    fd = np.zeros(block.size)
    for c in range(block.size):
        up, down = block.copy(), block.copy()
        up[c] += eps
        down[c] -= eps
        fd[c] = (np.sum(gs * numpy_outputs(up, xs)) - np.sum(gs * numpy_outputs(down, xs))) / (2 * eps)
    return fd


def test_forward_equals_the_numpy_lru():
    block, xs, gs = problem()
    _, hs = online_gradient(block, xs, gs)
    np.testing.assert_allclose(hs, numpy_outputs(block, xs), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("seed", [0, 1])
def test_online_gradient_equals_finite_differences(seed):
    """Every parameter group: the exact traces give ∂L/∂θ over 25 ticks (float64, |err| ≤ 1e-7
    of the group's scale)."""
    block, xs, gs = problem(seed)
    online, _ = online_gradient(block, xs, gs)
    fd = finite_differences(block, xs, gs)
    on, ref = L.named(online, N, D), L.named(fd, N, D)
    for name in NAMES:
        scale = np.abs(ref[name]).max()
        assert scale > 1e-3, f"{name}: the test gives it no gradient to compare"
        err = np.abs(on[name] - ref[name]).max()
        assert err <= 1e-7 * scale, f"{name}: online vs finite differences {err:.2e} (scale {scale:.2e})"


def test_silenced_unit_outputs_zero_and_sends_no_gradient():
    """A lesioned (silenced) output unit: h = 0 and no gradient reaches its readout row."""
    block, xs, gs = problem()
    mask = np.ones(N)
    mask[1] = 0.0
    online, hs = online_gradient(block, xs, gs, mask)
    assert np.all(hs[:, 1] == 0.0)
    masked_gs = gs * mask
    fd = finite_differences(block, xs, masked_gs)
    np.testing.assert_allclose(online, fd, atol=1e-7 * np.abs(fd).max())


def test_initial_recurrence_is_normalised():
    """Orvieto et al. 2023 (§3.3): γ = √(1 − |λ|²) at the start, |λ| in [r_min, r_max),
    arg λ in [0, max_phase): the state's variance under white input then stays that of the input."""
    rng = np.random.default_rng(3)
    p = L.named(L.initial_parameters(rng, 64, D, 0.4, 0.9, 2.0), 64, D)
    modulus = np.exp(-np.exp(p["nu_log"]))
    np.testing.assert_allclose(np.exp(p["gamma_log"]), np.sqrt(1.0 - modulus ** 2), rtol=1e-12)
    assert modulus.min() >= 0.4 and modulus.max() < 0.9
    phase = np.exp(p["theta_log"])
    assert phase.min() >= 0.0 and phase.max() < 2.0
