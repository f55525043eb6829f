"""Each manipulation does what it says in the reference engine (short CartPole runs, seeded)."""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.experiment import Session
from bioRTRRL.manipulation import manipulate

STEPS = 450
WEIGHTS = ("W_input_cortex", "W_cortex_cortex", "b_cortex", "tau_cortex",
           "W_cortex_striatum_dorsal", "W_cortex_striatum_ventral", "b_striatum_ventral")


@pytest.fixture(scope="module")
def model():
    # entropy on and Adam: the setting in which "no dopamine" is hardest to make exact
    return br.load_model({
        "name": "cartpole_small", "circuit": {"cortex_size": 8},
        "learning": {"entropy": 1e-3},
        "recording": {"weights_every": 150, "dtype": "float64"},
    })


def run(model, **entry):
    if entry:
        model = manipulate(model, **entry)
    return br.run(model, steps=STEPS, seed=3, progress=False)


@pytest.fixture(scope="module")
def control(model):
    return run(model)


def raw_delta(ds, gamma):
    """The TD error the circuit computes before any manipulation, from what it recorded."""
    v, r = ds.value.values, ds.reward.values
    boot = np.where(ds.terminated.values, 0.0, gamma * v)
    delta = np.zeros_like(v)
    delta[1:] = r[1:] + boot[1:] - v[:-1]
    return np.where(ds.t_in_episode.values == 0, 0.0, delta)


def changed(ds, name, a=0, b=-1):
    return not np.array_equal(ds[name].values[a], ds[name].values[b])


def test_control_learns_everything(control):
    assert all(changed(control, w) for w in WEIGHTS)


def test_lesioning_dopamine_stops_all_weight_change(model):
    ds = run(model, kind="lesion", target="vta")
    assert np.all(ds.dopamine.values == 0.0)
    for w in WEIGHTS:
        np.testing.assert_array_equal(ds[w].values[-1], ds[w].values[0], err_msg=w)


def test_lesioning_dopamine_mid_training_stops_weight_change_from_then_on(model):
    ds = run(model, kind="lesion", target="vta", start=150)
    assert np.any(ds.dopamine.values[:150] != 0.0)
    assert np.all(ds.dopamine.values[150:] == 0.0)
    assert ds.snapshot_step.values[1] == 150
    for w in WEIGHTS:
        assert changed(ds, w, 0, 1), w
        np.testing.assert_array_equal(ds[w].values[-1], ds[w].values[1], err_msg=w)


def test_clamping_dopamine_to_zero_equals_plasticity_off(model):
    clamped = run(model, kind="clamp_dopamine", value=0.0)
    frozen = br.run(model.with_overrides({"learning.plasticity": False}), steps=STEPS, seed=3,
                    progress=False)
    # everything the circuit did is identical; only the recorded dopamine (the VTA's rate and
    # the dopamine variable) differs: it is the clamped value
    assert set(clamped.data_vars) == set(frozen.data_vars)
    not_vta = clamped.population != "vta"
    for name in clamped.data_vars:
        if name == "rate":
            np.testing.assert_array_equal(clamped.rate.sel(neuron=not_vta).values,
                                          frozen.rate.sel(neuron=not_vta).values)
        elif name != "dopamine":
            np.testing.assert_array_equal(clamped[name].values, frozen[name].values, err_msg=name)
    assert np.all(clamped.dopamine.values == 0.0)
    assert np.any(frozen.dopamine.values != 0.0)


def test_clamped_dopamine_takes_the_value_on_every_transition(model):
    ds = run(model, kind="clamp_dopamine", value=0.25)
    fresh = ds.t_in_episode.values == 0
    assert np.all(ds.dopamine.values[~fresh] == 0.25)
    assert np.all(ds.dopamine.values[fresh] == 0.0)


@pytest.mark.parametrize("entries, expected", [
    ([dict(kind="scale_dopamine", gain=2.0)], lambda d: 2.0 * d),
    ([dict(kind="shift_dopamine", shift=-0.3)], lambda d: d - 0.3),
    ([dict(kind="rectify_dopamine", baseline=0.05)], lambda d: np.maximum(d, -0.05)),
    ([dict(kind="scale_dopamine", gain=0.5), dict(kind="shift_dopamine", shift=0.1),
      dict(kind="rectify_dopamine", baseline=0.0)], lambda d: np.maximum(0.5 * d + 0.1, 0.0)),
])
def test_dopamine_transform_matches_the_td_error_it_replaces(model, entries, expected):
    m = model
    for e in entries:
        m = manipulate(m, **e)
    ds = br.run(m, steps=STEPS, seed=3, progress=False)
    fresh = ds.t_in_episode.values == 0
    want = expected(raw_delta(ds, m.learning.gamma))
    np.testing.assert_allclose(ds.dopamine.values[~fresh], want[~fresh], rtol=0, atol=1e-12)


def test_rectified_dopamine_has_no_dip_below_the_baseline(model, control):
    ds = run(model, kind="rectify_dopamine", baseline=0.05)
    assert control.dopamine.min() < -0.05
    assert ds.dopamine.min() >= -0.05


def test_partial_cortical_lesion_silences_exactly_those_units(model):
    ds = run(model, kind="lesion", target="cortex", units=[0, 3], start=100)
    cortex = ds.rate.sel(neuron=ds.population == "cortex")
    silent = cortex.isel(neuron=[0, 3]).values
    assert np.all(silent[100:] == 0.0) and np.any(silent[:100] != 0.0)
    assert np.all(np.any(cortex.isel(neuron=[1, 2, 4, 5, 6, 7]).values[100:] != 0.0, axis=0))


def test_whole_cortex_lesion_leaves_the_readouts_without_input(model):
    ds = run(model, kind="lesion", target="cortex")
    assert np.all(ds.rate.sel(neuron=ds.population == "cortex").values == 0.0)
    # value = b_C only: it moves only through the bias
    np.testing.assert_array_equal(ds.W_cortex_cortex.values[-1], ds.W_cortex_cortex.values[0])


def test_ventral_striatum_lesion_removes_the_value_mid_training(model):
    ds = run(model, kind="lesion", target="striatum_ventral", start=100)
    assert np.any(ds.value.values[:100] != 0.0)
    assert np.all(ds.value.values[100:] == 0.0)
    # no critic: dopamine is the raw reward
    fresh = ds.t_in_episode.values == 0
    after = np.arange(ds.sizes["step"]) > 100
    transitions = after & ~fresh
    np.testing.assert_array_equal(ds.dopamine.values[transitions], ds.reward.values[transitions])


def test_dorsal_striatum_lesion_leaves_a_uniform_policy(model):
    ds = run(model, kind="lesion", target="striatum_dorsal")
    assert np.all(ds.rate.sel(neuron=ds.population == "striatum_dorsal").values == 0.0)
    np.testing.assert_array_equal(ds.W_cortex_striatum_dorsal.values[-1],
                                  ds.W_cortex_striatum_dorsal.values[0])
    assert 0.35 < ds.action.values.mean() < 0.65


@pytest.mark.parametrize("target, frozen", [
    ("input_cortex", ["W_input_cortex"]),
    ("cortex_cortex", ["W_cortex_cortex"]),
    ("cortex_bias", ["b_cortex"]),
    ("cortex_tau", ["tau_cortex"]),
    ("cortex_striatum_dorsal", ["W_cortex_striatum_dorsal"]),
    ("cortex_striatum_ventral", ["W_cortex_striatum_ventral", "b_striatum_ventral"]),
    ("cortex", ["W_input_cortex", "W_cortex_cortex", "b_cortex", "tau_cortex"]),
    ("all", list(WEIGHTS)),
])
def test_blocking_a_projection_freezes_exactly_its_weights(model, target, frozen):
    ds = run(model, kind="block_plasticity", target=target)
    for w in WEIGHTS:
        assert changed(ds, w) == (w not in frozen), w


def test_freeze_cortex_is_the_cortical_plasticity_block(model):
    a = run(model, kind="freeze_cortex")
    b = run(model, kind="block_plasticity", target="cortex")
    for w in WEIGHTS:
        np.testing.assert_array_equal(a[w].values, b[w].values)


def test_exact_feedback_from_the_start_equals_the_exact_feedback_circuit(model):
    manipulated = run(model, kind="exact_feedback")
    built = br.run(model.with_overrides({"circuit.feedback": "exact"}), steps=STEPS, seed=3,
                   progress=False)
    for name in ("dopamine", "action", "W_input_cortex", "W_cortex_cortex"):
        np.testing.assert_array_equal(manipulated[name].values, built[name].values, err_msg=name)


def test_trace_lambda_sets_the_decay_of_its_projection_only(model):
    m = manipulate(model, "trace_lambda", target="cortex_striatum_dorsal", lam=0.25, start=5)
    session = Session(m, seed=0)
    before = session.engine.decay.copy()
    session.advance(6)
    after = session.engine.decay
    idx = session.engine.parameter_indices("cortex_striatum_dorsal")
    np.testing.assert_allclose(after[idx], m.learning.gamma * 0.25)
    rest = np.ones(after.size, bool)
    rest[idx] = False
    np.testing.assert_array_equal(after[rest], before[rest])


def test_zero_lambda_leaves_only_the_immediate_gradient_in_the_traces(model):
    m = manipulate(model, "trace_lambda", target="all", lam=0.0)
    session = Session(m, seed=0)
    session.advance(20)
    eng, d = session.engine, session.dims
    NC = d.N * d.Z + d.N
    # cortex: the RFLO gradient signal_i · P_ij of the last tick; readouts: their gradient
    signal = eng._scratch[3]
    P = eng.P[0]
    immediate = np.concatenate([(signal[:, None] * P[:d.N * d.Z].reshape(d.N, d.Z)).ravel(),
                                signal * P[d.N * d.Z:]])
    np.testing.assert_allclose(eng.e[0, :NC], immediate, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(eng.e[0, NC:], eng._grad[0, NC:])
    assert np.abs(immediate).max() > 0


def test_rflo_tau_equal_to_the_membrane_tau_changes_nothing(model):
    """With every unit at τ = 4 (fixed), a trace time constant of 4 is RFLO's own: same run."""
    fixed = model.with_overrides({"circuit.tau_init": [4.0, 4.0], "circuit.train_tau": False})
    a = run(fixed)
    b = run(fixed, kind="rflo_tau", target="cortex", tau=4.0)
    for name in ("dopamine", "action", *WEIGHTS):
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_rflo_tau_acts_from_its_start_on_its_projection_only(model):
    start = 200
    m = manipulate(model, "rflo_tau", target="cortex_cortex", tau=30.0, start=start)
    session = Session(m, seed=3)
    session.advance(start)
    assert (session.engine.column_decay < 0).all()  # not yet in force
    session.advance(1)
    d = session.dims
    decay = session.engine.column_decay
    np.testing.assert_allclose(decay[d.D:d.D + d.N], 1.0 - 1.0 / 30.0)
    assert (np.delete(decay, np.arange(d.D, d.D + d.N)) < 0).all()
    control = Session(model, seed=3)
    control.advance(start + 1)
    # the trace of the manipulated columns differs from tick `start` on; the input columns do not
    P, Pc = (s.engine.P[0, :d.N * d.Z].reshape(d.N, d.Z) for s in (session, control))
    np.testing.assert_array_equal(P[:, :d.D], Pc[:, :d.D])
    assert not np.allclose(P[:, d.D:d.D + d.N], Pc[:, d.D:d.D + d.N])
