"""``br.to_pynapple`` on a real run: pynapple's own peri-event, tuning-curve and interval functions
give what bioRTRRL's analyses and NumPy give, and pynapple reads the NWB export the same way."""

from pathlib import Path

import numpy as np
import pytest

import bioRTRRL as br

nap = pytest.importorskip("pynapple")

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def run():
    model = br.load_model(MODELS / "trace_conditioning.toml").with_overrides({
        "task.kwargs": {"n_trials": 60, "delay": 3, "cue_time": 2, "iti": [2, 4]}})
    ds = br.run(model, steps=2000, seed=0, progress=False)
    return ds, br.to_pynapple(ds)


def test_one_tsdframe_per_population_and_tsd_per_signal(run):
    ds, data = run
    for population in ("input", "cortex", "striatum_dorsal", "striatum_ventral", "vta"):
        frame = data[population]
        assert isinstance(frame, nap.TsdFrame)
        mine = ds.population.values == population
        np.testing.assert_array_equal(frame.values, ds.rate.values[:, mine])
        np.testing.assert_array_equal(frame.columns, ds["index"].values[mine])
        np.testing.assert_allclose(frame.t, ds.time.values)
    for name in ("dopamine", "value", "reward"):
        assert isinstance(data[name], nap.Tsd)
        np.testing.assert_array_equal(data[name].values, ds[name].values)
    assert isinstance(data["W_cortex_cortex"], nap.TsdTensor)
    np.testing.assert_allclose(data["tau_cortex"].t, ds.snapshot_step.values * ds.attrs["env_dt"])


def test_pynapple_perievent_equals_the_toolkits_peri_event(run):
    ds, data = run
    dt = ds.attrs["env_dt"]
    aligned = nap.compute_perievent(data["dopamine"], data["events"]["cue"], window=(-2 * dt, 5 * dt))
    ours = br.analysis.peri_event(ds, "dopamine", event="cue", window=(-2, 5))
    assert aligned.shape == (8, ours.sizes["occurrence"]) and ours.sizes["occurrence"] > 100
    np.testing.assert_allclose(aligned.t, ours.lag.values * dt, atol=1e-12)
    np.testing.assert_array_equal(aligned.values, ours.values.T)


def test_pynapple_tuning_curves_are_the_binned_mean_rates(run):
    ds, data = run
    curves = nap.compute_tuning_curves(data["cortex"], data["value"], bins=4)
    value = ds.value.values
    rates = ds.rate.values[:, ds.population.values == "cortex"].astype(float)
    edges = curves.attrs["bin_edges"][0]
    np.testing.assert_allclose(edges[[0, -1]], [value.min(), value.max()])
    bin_of = np.clip(np.digitize(value, edges) - 1, 0, 3)
    expected = np.stack([rates[bin_of == k].mean(axis=0) for k in range(4)], axis=1)
    np.testing.assert_allclose(curves.values, expected, rtol=1e-5, atol=1e-6)


def test_episodes_and_trials_are_interval_sets_with_their_outcomes(run):
    ds, data = run
    episodes, table = data["episodes"], br.analysis.episodes(ds)
    assert isinstance(episodes, nap.IntervalSet) and len(episodes) == table.sizes["episode"] == 3
    np.testing.assert_array_equal(episodes.episode_return, table.episode_return.values)
    np.testing.assert_array_equal(episodes.terminated, table.terminated.values)
    # closed intervals from first to last tick: restriction keeps exactly the episodes' ticks
    kept = data["reward"].restrict(episodes)
    assert len(kept) == int((table.episode_length + 1).sum())
    np.testing.assert_allclose(kept.values.sum(), table.episode_return.sum())
    trials = data["trials"]
    started = len({(e, t) for e, t in zip(ds.episode.values, ds.trial.values)})
    assert isinstance(trials, nap.IntervalSet) and len(trials) == started - 1  # the last is cut
    rewarded = trials[~np.isnan(trials.reward_time)]
    np.testing.assert_allclose(rewarded.reward_time, data["events"]["reward"].restrict(trials).t)
    np.testing.assert_array_equal(rewarded.reward, 1.0)


def test_pynapple_reads_the_nwb_export_as_the_same_objects(run, tmp_path):
    ds, data = run
    nwb = nap.load_file(str(br.to_nwb(ds, tmp_path / "run.nwb")))
    for name in ("cortex", "vta", "dopamine", "tau_cortex"):
        np.testing.assert_array_equal(nwb[name].values, data[name].values)
        np.testing.assert_allclose(nwb[name].t, data[name].t)
    np.testing.assert_allclose(nwb["episodes"].start, data["episodes"].start)
    np.testing.assert_array_equal(nwb["trials"].reward, data["trials"].reward)


def test_a_batch_must_be_narrowed_to_one_environment(run):
    ds, _ = run
    with pytest.raises(ValueError, match=r"to_pynapple: ds is a batch of 2 environments"):
        br.to_pynapple(ds.expand_dims(env=[0, 1]))
