"""The command line (issue cases 8-12): bad arguments are refused before training, output is never
replaced silently, a sweep re-run keeps its finished runs."""

import os

import numpy as np
import pytest

import bioRTRRL as br

from reliability_helpers import SMALL


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "small.toml"
    # only rewards: the one figure drawn is the learning curve
    path.write_text(br.load_model({**SMALL, "name": "small", "recording": {"variables": ["reward"]}}).to_toml())
    return path


def _usage_error(capsys, args):
    from bioRTRRL.cli import main

    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert info.value.code == 2 and "Traceback" not in "\n".join(err)
    return err[-1]


def test_8_zero_steps_is_refused(model, tmp_path, capsys, cli):
    assert "a run needs at least 1 tick, got 0" in _usage_error(capsys, ["run", model, "--steps", 0])
    # ... also when it is the model file's run.steps
    zero = tmp_path / "zero.toml"
    zero.write_text("[run]\nsteps = 0\n")
    status, _, err = cli("run", zero, "--out", tmp_path / "out")
    assert status == 2 and err == [f"biortrrl: error: {zero}: run.steps = 0, nothing to run; give --steps N"]


@pytest.mark.parametrize("seed", [-1, 2**70, "one"])
def test_9_a_seed_out_of_range_is_refused_at_parse_time(model, tmp_path, capsys, seed):
    line = _usage_error(capsys, ["run", model, "--seed", seed, "--out", tmp_path / "out"])
    assert line.startswith("biortrrl run: error: argument --seed:")
    assert not (tmp_path / "out").exists()


def test_9_the_api_refuses_the_seed_too():
    with pytest.raises(br.ModelError, match=r"seed must be in \[0, 9223372036854775807\]"):
        br.run(SMALL, steps=10, seed=2**70, progress=False)


def test_10_an_output_that_is_a_file_or_under_one_is_refused(model, tmp_path, cli):
    afile = tmp_path / "afile"
    afile.write_text("")
    for out in (afile, afile / "sub"):
        status, _, err = cli("run", model, "--steps", 10, "--out", out)
        assert status == 2 and err == [f"biortrrl: error: --out {out}: {afile} is a file, not a folder; "
                                       "choose another --out"]


def test_10_an_output_folder_that_cannot_be_written_is_refused(model, tmp_path, cli, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make the write probe fail as it would for a user
        import tempfile

        def denied(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "TemporaryFile", denied)
    else:
        locked.chmod(0o500)
    status, _, err = cli("run", model, "--steps", 10, "--out", locked)
    locked.chmod(0o700)
    assert status == 2 and err == [f"biortrrl: error: --out {locked}: cannot write there (Permission "
                                   "denied); choose another --out"]


def test_11_an_output_holding_a_recording_is_kept_unless_overwrite(model, tmp_path, cli):
    out = tmp_path / "out"
    # What a killed run leaves: its streamed store, and no .nc.
    killed = br.run(SMALL, steps=1000, progress=False, stream_to=out / "recording.zarr")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    status, _, err = cli("run", model, "--steps", 300, "--out", out)
    assert status == 2 and err == [f"biortrrl: error: {out} already holds a recording (recording.zarr); "
                                   "pass --overwrite to replace it, or choose another --out"]
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert br.open_recording(out / "recording.zarr").sizes["step"] == killed.sizes["step"]

    status, printed, _ = cli("run", model, "--steps", 300, "--out", out, "--overwrite")
    assert status == 0 and "recording:" in printed
    assert not (out / "recording.zarr").exists()
    assert br.open_recording(out / "recording.nc").sizes["step"] == 300


def test_11_overwrite_keeps_the_earlier_recording_until_the_new_run_records(tmp_path, cli):
    out = tmp_path / "out"
    br.save(br.run(SMALL, steps=200, progress=False), out / "recording.nc")
    before = (out / "recording.nc").read_bytes()
    broken = tmp_path / "broken.toml"  # valid as a file, refused when the run builds its task
    broken.write_text('[task]\nenv = "NoSuchEnv-v9"\n')
    status, _, err = cli("run", broken, "--steps", 100, "--out", out, "--overwrite")
    assert status == 2 and "unknown environment id 'NoSuchEnv-v9'" in err[-1]
    assert (out / "recording.nc").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["recording.nc"]


def test_11_a_stream_never_replaces_a_store(tmp_path):
    (tmp_path / "run.zarr").mkdir()
    with pytest.raises(FileExistsError, match="never replaces a recording"):
        br.run(SMALL, steps=10, progress=False, stream_to=tmp_path / "run.zarr")


def test_12_a_sweep_rerun_keeps_the_finished_runs(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    from bioRTRRL.sweeps import sweep

    model = br.load_model({**SMALL, "recording": {"variables": ["reward"]}})
    args = dict(seeds=[0], grid={"learning.gamma": [0.9]}, steps=200, out=tmp_path, bins=4)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        first = sweep(model, scheduler=cluster, progress=False, **args)
        store = tmp_path / "runs" / "seed0_0" / "recording.zarr"
        stamp = store.stat().st_mtime_ns
        rerun = sweep(model, scheduler=cluster, progress=True, **args)
    assert "1 of 1 runs already finished" in capsys.readouterr().err
    assert store.stat().st_mtime_ns == stamp  # not run again, not rewritten
    assert rerun["status"].values.tolist() == [["done"]]
    np.testing.assert_array_equal(rerun["learning_curve"].values, first["learning_curve"].values)
