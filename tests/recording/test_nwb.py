"""A run exported with ``br.to_nwb`` (and ``biortrrl export DIR --nwb``) reads back with pynwb:
the same values at the same times, the episodes and trials with their outcomes, the model and seed."""

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bioRTRRL as br
from bioRTRRL.cli import main

pynwb = pytest.importorskip("pynwb")

MODELS = Path(__file__).resolve().parents[2] / "models"


def _read(path):
    """The NWB file's content, loaded into memory, as nested plain objects."""
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        series = {}
        for container in [*f.acquisition.values(),
                          *(s for m in f.processing.values() for s in m.data_interfaces.values())]:
            series[container.name] = {"data": container.data[:], "times": container.get_timestamps()[:],
                                      "unit": container.unit, "description": container.description,
                                      "comments": container.comments}
        return {"series": series, "protocol": f.protocol, "notes": json.loads(f.notes),
                "session_id": f.session_id, "modules": set(f.processing),
                "acquisition": set(f.acquisition),
                "episodes": f.intervals["episodes"].to_dataframe().reset_index(drop=True),
                "trials": None if f.trials is None else f.trials.to_dataframe().reset_index(drop=True)}


@pytest.fixture(scope="module")
def conditioning(tmp_path_factory):
    """Trace conditioning: trials, events, snapshots, evaluations; two short episodes."""
    model = br.load_model(MODELS / "trace_conditioning.toml").with_overrides({
        "task.kwargs": {"n_trials": 12, "delay": 3, "cue_time": 2, "iti": [2, 4]},
        "recording.weights_every": 300, "run.eval_every": 400, "run.eval_episodes": 1,
        "run.eval_max_steps": 20})
    ds = br.run(model, steps=900, seed=2, progress=False)
    path = br.to_nwb(ds, tmp_path_factory.mktemp("nwb") / "run.nwb")
    return model, ds, _read(path)


def test_rates_dopamine_and_value_read_back_at_their_times(conditioning):
    _, ds, nwb = conditioning
    series = nwb["series"]
    for population in ("input", "cortex", "striatum_dorsal", "striatum_ventral", "vta"):
        mine = ds.rate.isel(neuron=ds.population.values == population)
        np.testing.assert_array_equal(series[population]["data"], mine.values)
        np.testing.assert_allclose(series[population]["times"], ds.time.values, rtol=0, atol=1e-9)
        assert series[population]["unit"] == "1"
        assert population in series[population]["description"]
    for name in ("dopamine", "value", "reward", "action", "obs"):
        np.testing.assert_array_equal(series[name]["data"], ds[name].values)
        assert series[name]["description"] == ds[name].attrs["long_name"]
    np.testing.assert_array_equal(series["events"]["data"], ds.events.values.astype(np.uint8))
    assert series["events"]["comments"] == "columns: " + ", ".join(ds.event.values)
    assert nwb["acquisition"] == {"input", "cortex", "striatum_dorsal", "striatum_ventral", "vta",
                                  "dopamine", "value", "reward", "action", "obs", "events"}


def test_weights_feedback_and_evaluations_are_processing_modules(conditioning):
    _, ds, nwb = conditioning
    series, dt = nwb["series"], ds.attrs["env_dt"]
    assert nwb["modules"] == {"plasticity", "evaluation"}
    for name in ("W_cortex_cortex", "tau_cortex", "b_striatum_ventral"):
        np.testing.assert_array_equal(series[name]["data"], ds[name].values)
        np.testing.assert_allclose(series[name]["times"], ds.snapshot_step.values * dt)
    assert series["tau_cortex"]["unit"] == "10 ms"
    np.testing.assert_array_equal(series["feedback_striatum_dorsal"]["data"][0],
                                  ds.feedback_striatum_dorsal.values)
    np.testing.assert_array_equal(series["eval_return"]["data"], ds.eval_return.values)
    np.testing.assert_allclose(series["eval_return"]["times"], ds.eval_step.values * dt)


def test_trials_carry_their_outcome_and_event_times(conditioning):
    _, ds, nwb = conditioning
    trials = nwb["trials"]
    ticks = pd.DataFrame({"episode": ds.episode.values, "trial": ds.trial.values,
                          "time": ds.time.values, "reward": ds.reward.values,
                          "cue": ds.events.sel(event="cue").values})
    expected = ticks.groupby(["episode", "trial"], sort=False).agg(
        start_time=("time", "min"), stop_time=("time", "max"), reward=("reward", "sum")).reset_index()
    # the run stops inside its last trial, which has no outcome yet and is left out
    assert ds.terminated.values[-1] == 0 and len(trials) == len(expected) - 1
    expected = expected.iloc[:-1]
    for column in ("start_time", "stop_time", "episode", "trial", "reward"):
        np.testing.assert_allclose(trials[column], expected[column], err_msg=column)
    cue_times = ticks[ticks.cue].groupby(["episode", "trial"]).time.min()
    got = trials.set_index(["episode", "trial"]).cue_time.dropna()
    pd.testing.assert_series_equal(got, cue_times.loc[got.index], check_names=False)
    assert trials.reward_time.notna().sum() + trials.omission_time.notna().sum() >= len(trials) - 1
    assert (trials.reward > 0).sum() == trials.reward_time.notna().sum()
    assert np.all(np.diff(trials.start_time) > 0) and trials.start_time[0] == 0


def test_episodes_read_back_with_return_length_and_termination(tmp_path):
    model = br.load_model(MODELS / "default.toml").with_overrides({"run.eval_every": 0})
    ds = br.run(model, steps=600, seed=0, progress=False)
    nwb = _read(br.to_nwb(ds, tmp_path / "run.nwb"))
    table, dt = br.analysis.episodes(ds), ds.attrs["env_dt"]
    episodes = nwb["episodes"]
    assert len(episodes) == table.sizes["episode"] > 5
    np.testing.assert_allclose(episodes.start_time, table.start_step.values * dt)
    np.testing.assert_allclose(episodes.stop_time, table.end_step.values * dt)
    np.testing.assert_array_equal(episodes.episode_return, table.episode_return.values)
    np.testing.assert_array_equal(episodes.episode_length, table.episode_length.values)
    np.testing.assert_array_equal(episodes.terminated, table.terminated.values)
    assert nwb["trials"] is None
    # a run too short to finish an episode has an empty table (and pynapple an empty IntervalSet)
    short = br.run(model, steps=5, seed=0, progress=False)
    assert len(_read(br.to_nwb(short, tmp_path / "short.nwb"))["episodes"]) == 0
    assert len(br.to_pynapple(short)["episodes"]) == 0


def test_the_model_file_and_seed_are_in_the_metadata(conditioning):
    model, ds, nwb = conditioning
    assert br.load_model(tomllib.loads(nwb["protocol"])) == model
    assert nwb["notes"]["seed"] == 2 and nwb["notes"]["engine"] == "reference"
    assert nwb["notes"]["finished"] == 1 and "numpy" in json.loads(nwb["notes"]["versions"])
    assert nwb["session_id"] == f"{model.name}-seed2"


def test_one_environment_of_a_batch_keeps_its_own_episodes(tmp_path):
    model = br.load_model(MODELS / "default.toml").with_overrides({"task.num_envs": 2,
                                                                   "run.eval_every": 0})
    ds = br.run(model, steps=300, seed=0, progress=False)
    with pytest.raises(ValueError, match=r"batch of 2 environments.*ds.isel\(env=0\)"):
        br.to_nwb(ds, tmp_path / "run.nwb")
    nwb = _read(br.to_nwb(ds.isel(env=1), tmp_path / "run.nwb"))
    table = br.analysis.episodes(ds)
    mine = table.isel(episode=table.env.values == 1)
    np.testing.assert_array_equal(nwb["episodes"].episode_return, mine.episode_return.values)
    np.testing.assert_array_equal(nwb["series"]["dopamine"]["data"], ds.dopamine.isel(env=1).values)


def test_bad_arguments_get_one_clear_message(conditioning, tmp_path):
    _, ds, _ = conditioning
    with pytest.raises(ValueError, match="path must end in '.nwb'"):
        br.to_nwb(ds, tmp_path / "run.h5")
    with pytest.raises(ValueError, match="ds must be a recording"):
        br.to_nwb(ds.dopamine, tmp_path / "run.nwb")
    stacked = ds.expand_dims(seed=[0, 1])
    with pytest.raises(ValueError, match=r"stacks several runs along \['seed'\]"):
        br.to_nwb(stacked, tmp_path / "run.nwb")


def test_export_command_writes_the_runs_nwb_file(conditioning, tmp_path, capsys):
    _, ds, nwb = conditioning
    br.save(ds, tmp_path / "recording.nc")
    assert main(["export", str(tmp_path), "--nwb"]) == 0
    assert capsys.readouterr().out.strip() == f"nwb: {tmp_path / 'recording.nwb'}"
    again = _read(tmp_path / "recording.nwb")
    np.testing.assert_array_equal(again["series"]["cortex"]["data"], nwb["series"]["cortex"]["data"])
    assert main(["export", str(tmp_path), "--nwb", "--env", "1"]) == 2
    assert "single-environment run" in capsys.readouterr().err


def test_a_recording_saved_without_units_gets_the_recorders(conditioning, tmp_path):
    _, ds, _ = conditioning
    bare = ds.copy()
    for var in bare.variables.values():
        var.attrs = {}
    nwb = _read(br.to_nwb(bare, tmp_path / "bare.nwb"))
    assert nwb["series"]["tau_cortex"]["unit"] == "10 ms"
    assert nwb["series"]["dopamine"]["description"] == ds.dopamine.attrs["long_name"]
    with pytest.raises(ValueError, match=r"cannot export 'twice': give it the attributes 'units'"):
        br.to_nwb(ds.assign(twice=("step", 2 * ds.dopamine.values)), tmp_path / "derived.nwb")
