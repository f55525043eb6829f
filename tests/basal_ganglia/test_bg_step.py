"""The dopamine neurons and the D1/D2 opponent actor against a NumPy step written here.

Signatures checked (Schultz 1998; Bayer & Glimcher 2005; Collins & Frank 2014, OpAL):
- the dopamine rate is r = max(0, r₀ + κδ): a burst above the tonic rate for δ > 0, a dip for
  δ < 0 that floors at 0 Hz, so the plasticity signal (r − r₀)/κ is bounded below by −r₀/κ;
- as r₀ → ∞ the plasticity signal is the signed δ (the circuit without dopamine neurons);
- the corticostriatal update is ΔK = lr · δ_eff · η_π h ⊗ ψ with ψ = (G_a, −N_a) on the chosen
  action a's Go and NoGo columns: a burst raises G and lowers N of the eligible action, a dip
  the reverse, and the other actions' weights do not move;
- the selection stage is softmax(β_G G − β_N N) over the presented stimuli, with OpAL's tonic
  bias β_G = β(1 + ρ), β_N = β(1 − ρ);
- with ``dopamine_dip_relative`` a dip's signal is (r − r₀)/κ · r₀_model/r₀ (Frank 2005: D2
  receptors read a pause against the tonic rate they adapted to): at half the model's tonic
  rate the same drop in Hz weighs twice as much, bursts are unchanged, and the floor of the
  signal is −r₀_model/κ whatever the depletion.
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines.kernels import opponent_betas

R0, KAPPA, LR = 2.0, 10.0, 0.05


def model(**circuit):
    return br.load_model({
        "task": {"env": "bioRTRRL/ProbabilisticSelection-v0"},
        "circuit": {"cortex_size": 6, "meta_rl_input": False, "dopamine_neurons": True,
                    "dopamine_tonic_hz": R0, "dopamine_hz_per_error": KAPPA,
                    "striatum": "opponent", "cued_actions": True, **circuit},
        "learning": {"gamma": 0.9, "entropy": 0.0},
        "optimizer": {"kind": "sgd", "lr_readout": LR, "lr_cortex": 0.0, "clip_norm": 0.0},
        "recording": {"dtype": "float64", "weights_every": 1},
    })


@pytest.fixture(scope="module")
def run():
    return br.run(model(), steps=600, seed=3, progress=False)


def _pop(ds, name):
    return ds.rate.values[:, ds.population.values == name]


def test_dopamine_rate_and_signal_match_numpy(run):
    ds = run
    value, reward = ds.value.values, ds.reward.values
    t = np.flatnonzero(ds.terminated.values)  # every trial ends its episode: δ = r − v_prev
    td = reward[t] - value[t - 1]
    rate = np.maximum(0.0, R0 + KAPPA * td)
    np.testing.assert_allclose(ds.dopamine_rate.values[t], rate, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.dopamine.values[t], (rate - R0) / KAPPA, rtol=0, atol=1e-12)
    # bursts and floored dips both happened; the signal never goes below −r₀/κ
    assert (td > 0.3).any() and (R0 + KAPPA * td < 0).any()
    floored = R0 + KAPPA * td < 0
    assert np.all(ds.dopamine_rate.values[t][floored] == 0.0)
    assert ds.dopamine.values.min() >= -R0 / KAPPA - 1e-15
    # ticks without a TD transition: the tonic rate
    fresh = ds.t_in_episode.values == 0
    np.testing.assert_array_equal(ds.dopamine_rate.values[fresh], R0)
    assert ds.dopamine_rate.attrs["units"] == "Hz"


def test_relative_dip_matches_numpy_under_depletion():
    level = 0.5  # tonic rate and bursts halved; with relative dips a pause weighs 1/level
    m = br.manipulate(model(dopamine_dip_relative=True), "deplete_dopamine", level=level)
    ds = br.run(m, steps=600, seed=3, progress=False)
    t = np.flatnonzero(ds.terminated.values)
    td = ds.reward.values[t] - ds.value.values[t - 1]
    r0 = level * R0
    rate = np.maximum(0.0, r0 + level * KAPPA * np.maximum(td, 0) + KAPPA * np.minimum(td, 0))
    signal = (rate - r0) / KAPPA
    signal = np.where(signal < 0, signal * R0 / r0, signal)
    np.testing.assert_allclose(ds.dopamine_rate.values[t], rate, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.dopamine.values[t], signal, rtol=0, atol=1e-12)
    assert (td > 0.3).any() and (rate == 0).any()
    assert ds.dopamine.values.min() >= -R0 / KAPPA - 1e-15
    # at the model's own tonic rate the option changes nothing, bit for bit
    plain = br.run(model(), steps=300, seed=3, progress=False)
    rel = br.run(model(dopamine_dip_relative=True), steps=300, seed=3, progress=False)
    np.testing.assert_array_equal(rel.dopamine.values, plain.dopamine.values)


def test_go_nogo_update_matches_numpy_and_opal_signatures(run):
    ds = run
    K = ds.W_cortex_striatum_dorsal.values  # (snapshot, post = 2A, pre = N)
    steps = ds.snapshot_step.values
    h, y = _pop(ds, "cortex"), _pop(ds, "striatum_dorsal")
    action = ds.action.values[:, 0].astype(int)
    delta = ds.dopamine.values
    A = 6
    bursts = dips = 0
    for t in np.flatnonzero(ds.terminated.values)[:100]:
        s = t - 1  # the choice was made on the episode's first tick
        # snapshot k: the weights after k ticks, so tick t's update is snapshot t+1 − snapshot t
        before, after = K[np.searchsorted(steps, t)], K[np.searchsorted(steps, t + 1)]
        a = action[s]
        G, N = max(0.0, 1.0 + y[s, a]), max(0.0, 1.0 + y[s, A + a])
        psi = np.zeros(2 * A)
        psi[a], psi[A + a] = G, -N
        expected = before + LR * delta[t] * np.outer(psi, h[s])
        np.testing.assert_allclose(after, expected, rtol=0, atol=1e-12)
        # OpAL: the eligible action's Go activity moves with δ, its NoGo against it
        G_new = 1.0 + after[a] @ h[s]
        N_new = 1.0 + after[A + a] @ h[s]
        if delta[t] > 1e-3:
            bursts += 1
            assert G_new > G and N_new < N
        elif delta[t] < -1e-3:
            dips += 1
            assert G_new < G and N_new > N
        others = [p for p in range(2 * A) if p not in (a, A + a)]
        np.testing.assert_array_equal(after[others], before[others])
    assert bursts > 10 and dips > 10


def test_selection_stage_matches_numpy():
    beta_g, beta_n = opponent_betas(2.0, 1.0, 1.0, 2.0, 0.0, 0.0)  # tonic at half: ρ = −0.5
    assert (beta_g, beta_n) == (1.0, 3.0)
    assert opponent_betas(2.0, 1.0, 4.0, 2.0, 0.0, 1.0) == (4.0, 2.0)  # ρ = 1, D2 blocked
    assert opponent_betas(2.0, 5.0, 8.0, 2.0, 0.0, 0.0) == (4.0, 0.0)  # ρ clipped at 1
    from bioRTRRL.engines.kernels import select_opponent
    rng = np.random.default_rng(0)
    y = rng.normal(size=12)
    y[3] = -2.0  # a silent Go unit: G = 0
    cue = np.array([0, 1, 0, 1, 1, 0.0])
    act = beta_g * np.maximum(0, 1 + y[:6]) - beta_n * np.maximum(0, 1 + y[6:])
    p = np.where(cue > 0, np.exp(act - act.max()), 0.0)
    p /= p.sum()
    psi, chi, onehot = np.zeros(12), np.zeros(12), np.zeros(6)
    counts = np.zeros(6)
    for u in np.linspace(0, 1, 2000, endpoint=False):
        counts[select_opponent(y, u, beta_g, beta_n, cue, True, psi, chi, onehot)] += 1
    np.testing.assert_allclose(counts / 2000, p, atol=1e-3)
    # the entropy gradient against finite differences of H(y)
    def H(yy):
        aa = beta_g * np.maximum(0, 1 + yy[:6]) - beta_n * np.maximum(0, 1 + yy[6:])
        q = np.where(cue > 0, np.exp(aa - aa.max()), 0.0)
        q /= q.sum()
        return -np.sum(q[q > 0] * np.log(q[q > 0]))
    select_opponent(y, 0.5, beta_g, beta_n, cue, True, psi, chi, onehot)
    fd = [(H(y + e) - H(y - e)) / 2e-6 for e in np.eye(12) * 1e-6]
    np.testing.assert_allclose(chi, fd, atol=1e-7)


def test_signed_delta_is_the_limit_of_unbounded_headroom():
    steps = 300
    plain = br.run(model(dopamine_neurons=False), steps=steps, seed=4, progress=False)
    high = br.run(model(dopamine_tonic_hz=1e6), steps=steps, seed=4, progress=False)
    np.testing.assert_array_equal(high.action.values, plain.action.values)
    np.testing.assert_allclose(high.dopamine.values, plain.dopamine.values, rtol=0, atol=1e-8)


def test_manipulations_set_the_dopamine_neurons_and_receptors():
    m = model()
    for kind, params in (("deplete_dopamine", {"level": 0.5}), ("raise_dopamine", {"factor": 2.0}),
                         ("block_d1", {}), ("block_d2", {"fraction": 0.25})):
        m = br.manipulate(m, kind, **params)
    session = br.Session(m, seed=0)
    session.manipulations.apply(session.engine, 0)
    cfg = session.engine.config
    assert cfg["da_tonic_hz"][0] == R0 * 0.5 * 2.0
    assert cfg["da_burst_hz"][0] == KAPPA * 0.5 and cfg["da_dip_hz"][0] == KAPPA / 2.0
    K_plastic = session.engine.plastic[session.engine.layout["K_A"]].reshape(6, 12)
    np.testing.assert_array_equal(K_plastic[:, :6], 0.0)
    np.testing.assert_array_equal(K_plastic[:, 6:], 0.75)


@pytest.mark.parametrize("entry, message", [
    ({"kind": "deplete_dopamine", "level": 0.5}, "needs circuit.dopamine_neurons = true"),
    ({"kind": "block_d1"}, "needs circuit.striatum = 'opponent'"),
    ({"kind": "raise_dopamine", "factor": 0.5}, "factor must be in"),
])
def test_manipulation_errors_name_the_key(entry, message):
    data = model(dopamine_neurons=entry["kind"] != "deplete_dopamine", striatum="readout",
                 cued_actions=False).to_dict()
    data["manipulation"] = [entry]
    with pytest.raises(br.ModelError, match=message):
        br.load_model(data)


def test_opponent_needs_discrete_actions():
    bad = model().with_overrides({"task.env": "Pendulum-v1"})
    with pytest.raises(br.ModelError, match="circuit.striatum = 'opponent' needs a discrete"):
        br.run(bad, steps=1, progress=False)
