"""The LIF cortex and its e-prop eligibility against oracles independent of the kernel.

- a plain-NumPy LIF step written here (Brian2's schedule: integrate, threshold, propagate, reset);
- the analytic membrane v(t) = I + (v0 − I) exp(−t/τ) between spikes, plasticity off;
- e-prop's eligibility trace E = ∂h/∂W with the pseudo-derivative: over one env step of
  subthreshold neural steps it equals the exact gradient of a smoothed model whose spike is a
  surrogate σ(v) with σ' = ψ (Bellec et al. 2020, Methods: the pseudo-derivative stands in for the
  derivative of the spike), by central finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines import kernels as K
from bioRTRRL.experiment import Session

DT = 1e-3  # neural step, s
TAU_OUT = 20e-3
TAU_A = 0.2  # adaptation time constant, s


def setup(N=5, D=3, seed=0, scale=0.6, tau_ms=None):
    rng = np.random.default_rng(seed)
    Z = D + N + 1
    theta = np.zeros(N * Z + N)
    theta[:N * Z] = rng.normal(0, scale, N * Z)
    theta[N * Z:] = rng.uniform(10, 30, N) if tau_ms is None else tau_ms
    xi = np.zeros(Z)
    xi[:D] = rng.uniform(0.5, 1.5, D)
    xi[Z - 1] = 1.0
    return theta, xi, N, Z, D


def run_kernel(theta, xi, N, Z, D, steps, v_th=0.1, gamma_pd=0.3, ref=2, state=None, beta=0.0,
               tau_a=TAU_A, traces=None):
    """``steps`` neural steps of the kernel. ``state`` (h, v, refractory[, a]) and ``traces``
    (E, ε, ε^a) carry over between calls when given."""
    h, v, refr = (np.zeros(N), np.zeros(N), np.zeros(N)) if state is None else state[:3]
    a = state[3] if state is not None and len(state) > 3 else np.zeros(N)
    E, eps, eps_a = ((np.zeros(N * Z), np.zeros(N * Z), np.zeros(N * Z if beta else 0))
                     if traces is None else traces)
    spikes = np.zeros((steps, N))
    K.lif_step(theta, N, Z, D, xi, h, v, refr, E, eps, np.ones(N), steps, float(ref), DT, v_th,
               gamma_pd, TAU_OUT, np.zeros((11 + 3 * steps, N)), spikes, a, eps_a, beta, tau_a)
    return h, v, refr, E, spikes


def numpy_lif(theta, xi, N, Z, D, steps, v_th=0.1, ref=2, beta=0.0, tau_a=TAU_A):
    """The LIF (β > 0: ALIF) step of the module docstring, written anew in NumPy."""
    W = theta[:N * Z].reshape(N, Z)
    tau = theta[N * Z:] * 1e-3
    a = np.exp(-DT / tau)
    kappa = np.exp(-DT / TAU_OUT)
    rho = np.exp(-DT / tau_a)
    current = W[:, :D] @ xi[:D] + W[:, Z - 1]
    v, h, adapt, last = np.zeros(N), np.zeros(N), np.zeros(N), np.full(N, -10**6)
    out = np.zeros((steps, N))
    for t in range(steps):
        active = t - last >= ref
        v = np.where(active, current - current * a + v * a, v)
        h = h * kappa
        adapt = adapt * rho
        z = active & (v >= v_th + beta * adapt)
        v = v + np.where(active & ~z, W[:, D:D + N] @ z, 0.0)
        v[z] = 0.0
        h[z] += 1.0 - kappa
        adapt[z] += 1.0
        last[z] = t
        out[t] = z
    return h, v, out


@pytest.mark.parametrize("beta", [0.0, 0.05], ids=["lif", "alif"])
def test_lif_step_equals_numpy_step(beta):
    theta, xi, N, Z, D = setup()
    h, v, _, _, spikes = run_kernel(theta, xi, N, Z, D, 200, beta=beta)
    h_np, v_np, spikes_np = numpy_lif(theta, xi, N, Z, D, 200, beta=beta)
    assert spikes.sum() > 10  # the units do fire
    if beta:  # adaptation lowers the rate of the units that fire most
        lif = numpy_lif(theta, xi, N, Z, D, 200)[2]
        assert spikes.sum() < 0.8 * lif.sum()
    np.testing.assert_array_equal(spikes, spikes_np)
    np.testing.assert_allclose(v, v_np, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h, h_np, rtol=0, atol=1e-12)


def test_adaptation_decays_analytically_between_spikes():
    """ALIF: a(t) = Σ_{spikes s ≤ t} exp(−(t − s) Δ/τ_a) (a jumps by 1 at a spike and decays with
    τ_a; Bellec et al. 2020, Methods), checked at every neural step, including a silent stretch
    after the drive is switched off; the threshold it raises spaces the spikes further apart."""
    theta, xi, N, Z, D = setup(N=2, D=1, scale=0.0, tau_ms=np.array([20.0, 20.0]))
    bias = np.arange(N) * Z + Z - 1
    beta, tau_a, ref = 0.1, 0.15, 2
    state = (np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N))
    traces = (np.zeros(N * Z), np.zeros(N * Z), np.zeros(N * Z))
    spk, adapt = [], []
    for t in range(400):
        theta[bias] = [3.0, 2.0] if t < 150 else 0.0  # drive, then silence
        _, _, _, _, s = run_kernel(theta, xi, N, Z, D, 1, v_th=1.0, ref=ref, state=state,
                                   beta=beta, tau_a=tau_a, traces=traces)
        spk.append(s[0]); adapt.append(state[3].copy())
    spk, adapt = np.array(spk), np.array(adapt)
    t = np.arange(400)
    for i in range(N):
        times = np.flatnonzero(spk[:, i])
        assert times.size > 5 and times.max() < 150
        expect = np.array([np.sum(np.exp(-(k - times[times <= k]) * DT / tau_a)) for k in t])
        np.testing.assert_allclose(adapt[:, i], expect, rtol=1e-12, atol=0)
        assert np.diff(times)[-1] > np.diff(times)[0]  # spike-frequency adaptation


def test_refractory_period():
    """Strong constant drive: a unit spikes at most once every ``ref`` neural steps, and exactly
    that often when one step of integration already crosses the threshold."""
    theta, xi, N, Z, D = setup(scale=0.0)
    theta[np.arange(N) * Z + Z - 1] = 100.0  # bias ≫ threshold
    for ref in (1, 2, 4):
        _, _, _, _, spikes = run_kernel(theta, xi, N, Z, D, 40, ref=ref)
        for i in range(N):
            assert np.all(np.diff(np.flatnonzero(spikes[:, i])) == ref)


def test_membrane_is_the_analytic_solution_between_spikes():
    """Plasticity off, no recurrent weights, constant input: v(t) = I + (v0 − I) e^{−t/τ} from
    the start, and after each spike and refractory period from v = 0 again."""
    theta, xi, N, Z, D = setup(scale=0.0, tau_ms=np.array([10.0, 20.0, 35.0, 50.0, 80.0]))
    I = np.array([0.3, 0.45, 0.8, 1.5, 3.0])
    theta[np.arange(N) * Z + Z - 1] = I
    v_th, ref = 0.5, 3
    state = (np.zeros(N), np.full(N, 0.2), np.zeros(N))  # v0 = 0.2
    vs, spk = [], []
    for _ in range(120):
        _, v, _, _, s = run_kernel(theta, xi, N, Z, D, 1, v_th=v_th, ref=ref, state=state)
        vs.append(v.copy()); spk.append(s[0])
    vs, spk = np.array(vs), np.array(spk)
    tau = theta[N * Z:] * 1e-3
    for i in range(N):
        times = np.flatnonzero(spk[:, i])
        start, v0 = -1, 0.2  # v0 at step −1, integration from step 0
        if I[i] < v_th:
            assert times.size == 0
        else:
            assert times.size > 0
        for t in range(120):
            if times.size and t in times:
                start, v0 = t + ref - 1, 0.0  # integrates again from step t + ref
                continue
            if t <= start:
                assert vs[t, i] == 0.0  # held during the refractory period
                continue
            expect = I[i] + (v0 - I[i]) * np.exp(-(t - start) * DT / tau[i])
            assert vs[t, i] == pytest.approx(expect, abs=1e-12)
    # the first spike time is the analytic crossing time of the threshold
    for i in np.flatnonzero(I > v_th):
        t_cross = -tau[i] * np.log((I[i] - v_th) / (I[i] - 0.2))
        assert np.flatnonzero(spk[:, i])[0] == int(np.ceil(t_cross / DT - 1e-9)) - 1


def _sigma(x, v_th, gamma_pd):
    """The surrogate spike σ(x) of x = v − threshold whose derivative is e-prop's pseudo-derivative
    ψ = (γ/v_th) max(0, 1 − |x|/v_th) (a triangle: σ is piecewise quadratic)."""
    u = np.clip(x / v_th, -1, 1)
    return gamma_pd * np.where(u < 0, (u + 1) ** 2 / 2, 0.5 + u - u ** 2 / 2)


def _soft_h(theta, xi, N, Z, D, steps, v_th, gamma_pd):
    """h after ``steps`` subthreshold neural steps, the spike replaced by the surrogate σ(v)."""
    W = theta[:N * Z].reshape(N, Z)
    a = np.exp(-DT / (theta[N * Z:] * 1e-3))
    kappa = np.exp(-DT / TAU_OUT)
    current = W[:, :D] @ xi[:D] + W[:, Z - 1]
    v, h = np.zeros(N), np.zeros(N)
    for _ in range(steps):
        v = current - current * a + v * a
        h = h * kappa + (1.0 - kappa) * _sigma(v - v_th, v_th, gamma_pd)
    return h


def _straight_through_alif(theta, xi, N, Z, D, steps, v_th, gamma_pd, beta, tau_a, ref,
                           sigma0=None):
    """The ALIF network of ``numpy_lif`` whose spike is z = H(v − A) + σ(v − A) − σ₀: equal to the
    hard spike on the unperturbed trajectory (σ₀ = its σ values), with derivative ψ (Bellec et al.
    2020, Methods: the pseudo-derivative replaces the spike's derivative). Resets and refractory
    periods are those of the hard spikes (e-prop treats them as independent of W). Returns h, a,
    the hard spikes and the σ values."""
    W = theta[:N * Z].reshape(N, Z)
    alpha = np.exp(-DT / (theta[N * Z:] * 1e-3))
    kappa, rho = np.exp(-DT / TAU_OUT), np.exp(-DT / tau_a)
    current = W[:, :D] @ xi[:D] + W[:, Z - 1]
    v, h, adapt, last = np.zeros(N), np.zeros(N), np.zeros(N), np.full(N, -10**6)
    hard, sig = np.zeros((steps, N), bool), np.zeros((steps, N))
    for t in range(steps):
        active = t - last >= ref
        v = np.where(active, current - current * alpha + v * alpha, v)
        h = h * kappa
        adapt = adapt * rho
        x = v - (v_th + beta * adapt)
        sig[t] = _sigma(x, v_th, gamma_pd)
        spike = active & (x >= 0)
        z = spike + np.where(active, sig[t] - (sig[t] if sigma0 is None else sigma0[t]), 0.0)
        v = v + np.where(active & ~spike, W[:, D:D + N] @ z, 0.0)
        v[spike] = 0.0
        h += (1.0 - kappa) * z
        adapt += z
        last[spike] = t
        hard[t] = spike
    return h, adapt, hard, sig


def test_eprop_eligibility_is_the_gradient_with_the_pseudo_derivative():
    """Subthreshold drive (no hard spike, no reset) with ψ > 0: E_ij = ∂h_i/∂W_ij of the smoothed
    model, for input and bias synapses, to finite-difference precision; off-diagonal dependences
    (h_i on W_kj, k ≠ i) are 0 in both, as the recurrent path carries no spike."""
    theta, xi, N, Z, D = setup(scale=0.0)
    v_th, gamma_pd, steps = 2.0, 0.3, 15
    rng = np.random.default_rng(3)
    W = theta[:N * Z].reshape(N, Z)
    W[:, :D] = rng.uniform(0.2, 0.5, (N, D))
    W[:, Z - 1] = rng.uniform(0.2, 0.6, N)
    W[:, D:D + N] = rng.normal(0, 0.3, (N, N))  # present but silent: no spike reaches them
    h, v, _, E, spikes = run_kernel(theta, xi, N, Z, D, steps, v_th=v_th, gamma_pd=gamma_pd)
    assert spikes.sum() == 0 and np.all(v > 0)  # subthreshold, within ψ's support
    num = np.zeros(N * Z)
    eps = 1e-6
    for c in range(N * Z):
        if D <= c % Z < D + N:
            continue
        tp, tm = theta.copy(), theta.copy()
        tp[c] += eps; tm[c] -= eps
        hp = _soft_h(tp, xi, N, Z, D, steps, v_th, gamma_pd)
        hm = _soft_h(tm, xi, N, Z, D, steps, v_th, gamma_pd)
        d = (hp - hm) / (2 * eps)
        i = c // Z
        num[c] = d[i]
        assert np.all(np.abs(np.delete(d, i)) < 1e-9)
    cols = np.array([c % Z for c in range(N * Z)])
    ff = (cols < D) | (cols == Z - 1)
    assert np.abs(E[ff]).min() > 1e-4
    np.testing.assert_allclose(E[ff], num[ff], rtol=1e-6, atol=1e-10)
    np.testing.assert_array_equal(E[~ff], 0.0)


def test_alif_eligibility_is_the_gradient_with_the_pseudo_derivative():
    """ALIF with spikes, resets and a rising threshold over two env steps of 25 neural steps, no
    recurrent weights (no path through other units, which e-prop drops): the eligibility trace E
    equals ∂h/∂W and ε^a equals ∂a/∂W of the straight-through network, by central finite
    differences, for every synapse (input, recurrent and bias); the perturbations move no spike."""
    N, D, K_steps = 4, 2, 25
    theta, xi, _, Z, _ = setup(N=N, D=D, scale=0.0, tau_ms=np.array([10.0, 15.0, 20.0, 30.0]))
    rng = np.random.default_rng(7)
    W = theta[:N * Z].reshape(N, Z)
    W[:, :D] = rng.uniform(0.3, 0.6, (N, D))
    W[:, Z - 1] = rng.uniform(0.5, 1.0, N)
    v_th, gamma_pd, beta, tau_a, ref = 0.5, 0.3, 0.15, 0.05, 2
    state = (np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N))
    traces = (np.zeros(N * Z), np.zeros(N * Z), np.zeros(N * Z))
    for _ in range(2):  # ε and ε^a carry over from one env step to the next
        run_kernel(theta, xi, N, Z, D, K_steps, v_th=v_th, gamma_pd=gamma_pd, ref=ref,
                   state=state, beta=beta, tau_a=tau_a, traces=traces)
    E, _, eps_a = traces
    h0, a0, hard0, sig0 = _straight_through_alif(theta, xi, N, Z, D, 2 * K_steps, v_th, gamma_pd,
                                                 beta, tau_a, ref)
    np.testing.assert_allclose(state[0], h0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(state[3], a0, rtol=0, atol=1e-12)
    assert hard0.sum(axis=0).min() >= 2  # every unit spikes, so a and its threshold rise
    num_h, num_a = np.zeros(N * Z), np.zeros(N * Z)
    step = 1e-7
    for c in range(N * Z):
        out = []
        for sgn in (1, -1):
            t = theta.copy()
            t[c] += sgn * step
            h, a, hard, _ = _straight_through_alif(t, xi, N, Z, D, 2 * K_steps, v_th, gamma_pd,
                                                   beta, tau_a, ref, sigma0=sig0)
            np.testing.assert_array_equal(hard, hard0)
            out.append((h, a))
        i = c // Z
        num_h[c] = (out[0][0][i] - out[1][0][i]) / (2 * step)
        num_a[c] = (out[0][1][i] - out[1][1][i]) / (2 * step)
    cols = np.arange(N * Z) % Z
    rec = (cols >= D) & (cols < Z - 1)
    assert np.abs(eps_a[~rec]).min() > 1e-3 and np.abs(E[rec]).max() > 1e-4
    np.testing.assert_allclose(E, num_h, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(eps_a, num_a, rtol=1e-5, atol=1e-9)


def test_recurrent_eligibility_counts_presynaptic_spikes():
    """A recurrent synapse's eligibility vector is Σ α^{t−s} z_j(s) over the presynaptic spikes
    since the post-synaptic unit's last reset (∂v_i/∂W_ij of the jump W_ij z_j)."""
    N, D = 2, 1
    Z = D + N + 1
    theta = np.zeros(N * Z + N)
    theta[N * Z:] = 20.0
    theta[0 * Z + Z - 1] = 50.0        # unit 0 fires every ``ref`` steps
    theta[1 * Z + D + 0] = 0.01        # 0 → 1, too weak to make unit 1 fire
    xi = np.array([0.0, 0.0, 0.0, 1.0])
    h, v, refr = np.zeros(N), np.zeros(N), np.zeros(N)
    E, eps = np.zeros(N * Z), np.zeros(N * Z)
    spikes = np.zeros((30, N))
    K.lif_step(theta, N, Z, D, xi, h, v, refr, E, eps, np.ones(N), 30, 3.0, DT, 1.0, 0.3,
               TAU_OUT, np.zeros((101, N)), spikes, np.zeros(N), np.zeros(0), 0.0, TAU_A)
    a = np.exp(-DT / 20e-3)
    times = np.flatnonzero(spikes[:, 0])
    assert spikes[:, 1].sum() == 0 and times.size == 10
    assert eps[1 * Z + D + 0] == pytest.approx(sum(a ** (29 - s) for s in times), rel=1e-12)
    # the membrane of unit 1 is the same sum times the weight
    assert v[1] == pytest.approx(0.01 * eps[1 * Z + D + 0], rel=1e-12)


def test_session_runs_and_resets_at_episode_end():
    model = br.load_model("models/spiking_trace_conditioning.toml")
    s = Session(model, 0)
    s.advance(300, progress=False)
    eng = s.engine
    assert eng.spikes.shape == (1, 10, model.circuit.cortex_size)
    assert np.all(np.isfinite(eng.theta))
    np.testing.assert_array_equal(eng.params["tau"], model.circuit.lif_tau_m_ms)


def test_bad_lif_options_are_model_errors():
    with pytest.raises(br.ModelError, match="neural_dt_ms"):
        br.load_model({"circuit": {"unit": "lif", "env_dt_ms": 10.0, "neural_dt_ms": 3.0}})
    with pytest.raises(br.ModelError, match="lif_refractory_ms"):
        br.load_model({"circuit": {"unit": "lif", "lif_refractory_ms": 1.5}})
    with pytest.raises(br.ModelError, match="learning.gradient"):
        br.load_model({"circuit": {"unit": "lif"}, "learning": {"gradient": "rtrl"}})
    with pytest.raises(br.ModelError, match="circuit.unit"):
        br.load_model({"circuit": {"unit": "izhikevich"}})
    with pytest.raises(br.ModelError, match="circuit.lif_adaptation_beta"):
        br.load_model({"circuit": {"unit": "tanh", "lif_adaptation_beta": 0.1}})
    with pytest.raises(br.ModelError, match="circuit.lif_adaptation_tau_ms"):
        br.load_model({"circuit": {"unit": "lif", "lif_adaptation_tau_ms": 0.0}})


def test_eprop_traces_gate_the_eligibility_by_dopamine():
    """δ · e (old trace) + η_H g_H E enters the update; then e ← γλ e + I g E (NumPy, per synapse)."""
    rng = np.random.default_rng(5)
    N, Z = 4, 6
    E, e, decay = rng.normal(size=N * Z), rng.normal(size=N * Z), rng.uniform(0.5, 1, N * Z)
    sig, sig_h = rng.normal(size=N), rng.normal(size=N)
    disc, dlt, eta_h = 0.7, -0.4, 0.01
    e_new, delta_vec = e.copy(), np.zeros(N * Z)
    K.eprop_traces(N, Z, E, sig, disc, dlt, sig_h, eta_h, e_new, decay, delta_vec)
    g, gh = np.repeat(sig, Z), np.repeat(sig_h, Z)
    np.testing.assert_allclose(delta_vec, dlt * e + eta_h * gh * E, rtol=1e-13)
    np.testing.assert_allclose(e_new, decay * e + disc * g * E, rtol=1e-13)


def test_silenced_units_never_spike_and_eligibility_tau_is_refused():
    model = br.load_model("models/spiking_trace_conditioning.toml")
    s = Session(model, 0)
    s.advance(500, progress=False)
    active = np.unique(s.engine.spike_trains()[0])
    silenced = active[::2]
    s = Session(model, 0)
    s.engine.silence("cortex", silenced)
    s.advance(500, progress=False)
    units, _ = s.engine.spike_trains()
    assert units.size > 0 and not np.isin(units, silenced).any()
    with pytest.raises(br.ModelError, match="LIF"):
        s.engine.set_rflo_tau(["input_cortex"], 5.0)
