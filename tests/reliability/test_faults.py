"""Faults during a run (issue cases 18-21): a stopped or failed run keeps every tick, says so once."""

import signal
import time

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.experiment import DivergenceError, Session
from bioRTRRL.engines.reference import ReferenceEngine

from reliability_helpers import SMALL, cli_process, messages

# Adam at a learning rate of 1e3: the weights pass 1e5 within the first 1000 ticks, without NaN.
RUNAWAY = {"task": {"env": "Pendulum-v1"}, "optimizer": {"lr_readout": 1e3, "lr_cortex": 1e3},
           "recording": {"chunk_steps": 500}}


def _model_file(tmp_path, spec, name="model"):
    path = tmp_path / f"{name}.toml"
    path.write_text(br.load_model({**spec, "name": name}).to_toml())
    return path


def test_18_sigterm_finalises_like_ctrl_c(tmp_path):
    model = _model_file(tmp_path, {**SMALL, "run": {"steps": 10**7}})
    out = tmp_path / "out"
    proc = cli_process("run", model, "--out", out)
    deadline = time.monotonic() + 120
    while not (out / "recording.zarr" / "zarr.json").exists():  # the first chunk is on disk
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143
    lines = messages(err.replace("\r", "\n").splitlines())
    assert "Traceback" not in err
    assert lines[-1].startswith("biortrrl: terminated (SIGTERM); partial recording (")
    assert lines[-1].endswith(f"recorded ticks) in {out / 'recording.nc'}")
    ds = br.open_recording(out / "recording.nc")
    assert ds.attrs["finished"] == 0 and ds.attrs["error"] == "Terminated: stopped by SIGTERM"
    # every tick recorded was flushed, not only whole chunks, and the final weights were kept
    # (one tick later when the signal landed between the engine's tick and its recording)
    ticks = ds.sizes["step"]
    assert np.array_equal(ds["step"], np.arange(ticks))
    assert int(ds["snapshot_step"][-1]) in (ticks, ticks + 1)
    assert not (out / "recording.zarr").exists()


@pytest.mark.parametrize("how", ["bound", "nan"])
def test_19_divergence_is_one_message_and_plot_works(tmp_path, cli, monkeypatch, how):
    if how == "nan":
        check = ReferenceEngine.check_finite

        def poisoned(engine):
            engine.params["W"][0, 0] = np.nan
            check(engine)

        monkeypatch.setattr(ReferenceEngine, "check_finite", poisoned)
        model = _model_file(tmp_path, SMALL)
    else:
        model = _model_file(tmp_path, RUNAWAY)
    out = tmp_path / "out"
    status, printed, err = cli("run", model, "--steps", 3000, "--out", out)
    assert status == 1 and printed == ""
    kind = "DivergenceError: diverged: |" if how == "bound" else "FloatingPointError: non-finite values in W"
    assert messages(err) == [messages(err)[0]] and "Traceback" not in "\n".join(err)
    assert messages(err)[0].startswith(f"biortrrl: run stopped ({kind}")
    assert messages(err)[0].endswith(f"partial recording (1000 recorded ticks) in {out / 'recording.nc'}")
    assert not (out / "error.txt").exists()
    if how == "bound":
        return
    monkeypatch.undo()  # plot the NaN weights and rates the failed run left
    status, printed, err = cli("plot", out)
    assert status == 0 and "Traceback" not in "\n".join(err)
    assert "learning_curve" in printed and "weight_change" in printed


def test_19_an_unexpected_failure_keeps_its_traceback_in_a_file(tmp_path, cli, monkeypatch):
    def broken(engine, episodes, seed):
        raise RuntimeError("evaluator broke")

    monkeypatch.setattr(ReferenceEngine, "evaluate", broken)
    model = _model_file(tmp_path, {**SMALL, "run": {"eval_every": 700}})
    out = tmp_path / "out"
    status, _, err = cli("run", model, "--steps", 3000, "--out", out)
    assert status == 1 and messages(err) == [
        f"biortrrl: run stopped (RuntimeError: evaluator broke); partial recording (700 recorded "
        f"ticks) in {out / 'recording.nc'}; traceback in {out / 'error.txt'}"]
    assert "in broken" in (out / "error.txt").read_text()


def test_20_the_divergence_guard_stops_a_silent_blow_up_at_the_bound_of_the_model_file():
    with pytest.raises(DivergenceError, match=r"beyond run.divergence_bound = 100000, after tick 1000") as info:
        br.run(RUNAWAY, steps=3000, progress=False)
    assert isinstance(info.value, FloatingPointError)
    partial = info.value.recording
    assert partial.attrs["finished"] == 0 and partial.sizes["step"] == 1000
    # a bound of the model file's choosing, or none
    with pytest.raises(DivergenceError, match="run.divergence_bound = 1000, after tick 1000"):
        br.run({**RUNAWAY, "run": {"divergence_bound": 1e3}}, steps=3000, progress=False)
    ds = br.run({**RUNAWAY, "run": {"divergence_bound": 0}}, steps=3000, progress=False)
    assert ds.attrs["finished"] == 1


def test_20_the_guard_leaves_a_healthy_run_unchanged():
    spec = {**SMALL, "run": {"eval_every": 0}}
    guarded = br.run(spec, steps=2000, progress=False)
    unguarded = br.run({**spec, "run": {"divergence_bound": 0}}, steps=2000, progress=False)
    for name in ("rate", "dopamine", "W_cortex_cortex"):
        np.testing.assert_array_equal(guarded[name].values, unguarded[name].values)


def test_21_ctrl_c_takes_the_final_weight_snapshot(tmp_path, cli, monkeypatch):
    def interrupt(engine, episodes, seed):
        raise KeyboardInterrupt

    monkeypatch.setattr(ReferenceEngine, "evaluate", interrupt)
    spec = {**SMALL, "run": {"eval_every": 1234}}
    session = Session(br.load_model(spec), seed=0)
    with pytest.raises(KeyboardInterrupt) as info:
        session.train(3000)
    partial = info.value.recording
    assert partial.sizes["step"] == 1234 and partial["snapshot_step"].values.tolist() == [0, 1234]
    np.testing.assert_array_equal(partial["W_cortex_cortex"].values[-1],
                                  session.engine.params["W"][:, -9:-1])

    # through the command: exit status 130, the same partial recording on disk
    out = tmp_path / "out"
    status, _, err = cli("run", _model_file(tmp_path, spec), "--steps", 3000, "--out", out)
    assert status == 130 and messages(err) == [
        f"biortrrl: interrupted; partial recording (1234 recorded ticks) in {out / 'recording.nc'}"]
    assert br.open_recording(out / "recording.nc")["snapshot_step"].values.tolist() == [0, 1234]
