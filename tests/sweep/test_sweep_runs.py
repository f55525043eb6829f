"""br.sweep on a LocalCluster: dims, equality with one-by-one runs, failures kept apart."""

import numpy as np
import pytest
import xarray as xr

import bioRTRRL as br
from bioRTRRL.sweeps import open_sweep, rerun_failed, summarize, sweep

STEPS = 300


@pytest.fixture(scope="module")
def model():
    # Tiny: a short run with three evaluations of two short episodes, recording only rewards.
    return br.load_model({
        "name": "tiny",
        "task": {"env": "CartPole-v1"},
        "circuit": {"cortex_size": 4},
        "run": {"eval_every": 100, "eval_episodes": 2, "eval_max_steps": 30},
        "recording": {"variables": ["reward"]},
    })


def test_sweep_stacks_runs_equal_to_one_by_one(model, cluster, tmp_path):
    grid = {"learning.lambda_cortex": [0.5, 0.99]}
    ds = sweep(model, seeds=[0, 1], grid=grid, steps=STEPS, scheduler=cluster, out=tmp_path,
               progress=False, bins=10)

    assert ds["eval_return"].dims == ("seed", "learning__lambda_cortex", "eval_step")
    assert ds.sizes == {"seed": 2, "learning__lambda_cortex": 2, "eval_step": 3, "curve_step": 10}
    assert ds["learning__lambda_cortex"].attrs["key"] == "learning.lambda_cortex"
    assert (ds["status"] == "done").all()
    for seed in (0, 1):
        for lam in grid["learning.lambda_cortex"]:
            alone = br.run(model.with_overrides({"learning.lambda_cortex": lam}), steps=STEPS,
                           seed=seed, progress=False)
            expected = summarize(alone, STEPS, bins=10)
            got = ds.sel(seed=seed, learning__lambda_cortex=lam)
            for name in ("eval_return", "learning_curve", "curve_episodes", "best_eval_return"):
                np.testing.assert_array_equal(got[name].values, expected[name].values, err_msg=name)
            on_disk = br.recording.io.open_recording(str(got["recording_path"].values))
            np.testing.assert_array_equal(on_disk["reward"].values, alone["reward"].values)
    # what sweep returned is what it left on disk
    xr.testing.assert_identical(open_sweep(tmp_path), ds)


def test_failed_run_is_reported_and_the_others_kept(model, cluster, tmp_path):
    grid = {"task.kwargs": [{}, {"no_such_argument": 1}]}
    with pytest.warns(RuntimeWarning, match="1 of 2 runs failed"):
        ds = sweep(model, seeds=[0], grid=grid, steps=STEPS, scheduler=cluster, out=tmp_path,
                   progress=False, bins=10)
    status = ds["status"].sel(seed=0).values.tolist()
    assert status == ["done", "failed"]
    assert "no_such_argument" in str(ds["error"].sel(seed=0).values[1])
    assert np.isfinite(ds["eval_return"].sel(seed=0).values[0]).all()
    assert np.isnan(ds["eval_return"].sel(seed=0).values[1]).all()

    # re-running the failed run alone fails again the same way and leaves the finished one untouched
    kept = ds["eval_return"].sel(seed=0).values[0]
    with pytest.warns(RuntimeWarning, match="1 of 1 runs failed"):
        again = rerun_failed(tmp_path, scheduler=cluster, progress=False)
    np.testing.assert_array_equal(again["eval_return"].sel(seed=0).values[0], kept)
    assert again["status"].sel(seed=0).values.tolist() == ["done", "failed"]


def test_only_runs_the_chosen_condition(model, cluster):
    ds = sweep(model, seeds=[0, 1], grid={"learning.gamma": [0.9, 0.99]}, steps=STEPS,
               scheduler=cluster, progress=False, only=[(1, {"learning.gamma": 0.9})], bins=10)
    assert ds["status"].values.tolist() == [["pending", "pending"], ["done", "pending"]]


def test_bad_condition_stops_before_anything_runs(model):
    with pytest.raises(br.ModelError, match="learning.gamma"):
        sweep(model, seeds=[0], grid={"learning.gamma": [0.9, 1.5]}, steps=STEPS, progress=False)
