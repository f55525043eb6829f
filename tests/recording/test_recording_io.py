"""save / open_recording round trips and crash-safe streaming to zarr."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from bioRTRRL.analysis._synthetic import synthetic_recording
from bioRTRRL.recording import StreamWriter, open_recording, save

REPO = Path(__file__).resolve().parents[2]


def chunk_of(ds: xr.Dataset, start: int, stop: int) -> xr.Dataset:
    """The part of a recording a run hands to the writer for ticks [start, stop)."""
    def within(ticks):
        return np.flatnonzero((ticks.values >= start) & (ticks.values < stop))

    return ds.isel(
        step=slice(start, stop),
        completed_episode=within(ds.episode_end_step),
        snapshot=within(ds.snapshot_step),
        eval_step=within(ds.eval_step),
    )


def without_attrs(ds: xr.Dataset, *names: str) -> xr.Dataset:
    out = ds.copy()
    out.attrs = {k: v for k, v in ds.attrs.items() if k not in names}
    return out


def assert_same(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_identical(a, b)
    assert {n: a[n].dtype for n in a.variables} == {n: b[n].dtype for n in b.variables}


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
@pytest.mark.parametrize("kind", ["single", "batched_trials"])
def test_round_trip_is_identical(tmp_path, suffix, kind):
    ds = synthetic_recording() if kind == "single" else synthetic_recording(num_envs=3, trial_ticks=(3, 7))
    path = save(ds, tmp_path / f"run{suffix}")
    back = open_recording(path).load()
    assert_same(back, ds)
    assert back.terminated.dtype == bool and back.step.dtype == np.int64
    assert back.population.dtype.kind == "U"


def test_netcdf_is_compressed(tmp_path):
    import h5py

    path = save(synthetic_recording(), tmp_path / "run.nc")
    with h5py.File(path) as f:
        assert f["rate"].compression == "gzip"


@pytest.mark.parametrize("call", [save, "open", StreamWriter])
def test_unknown_suffix_names_it(tmp_path, call):
    path = tmp_path / "run.h5"
    with pytest.raises(ValueError, match=r"\.h5"):
        if call == "open":
            open_recording(path)
        elif call is save:
            save(synthetic_recording(), path)
        else:
            StreamWriter(path)


def test_stream_equals_whole_recording(tmp_path):
    ds = synthetic_recording(n_steps=400, num_envs=2, trial_ticks=(3, 7))
    path = tmp_path / "run.zarr"
    writer = StreamWriter(path)
    writer.set_attrs(note="before the first chunk")
    # Uneven chunks: some hold no snapshot, completed episode or evaluation at all.
    edges = [0, 50, 60, 61, 200, 401]
    for start, stop in zip(edges[:-1], edges[1:]):
        writer.append(chunk_of(ds, start, stop))
        partial = open_recording(path)
        assert partial.sizes["step"] == min(stop, 400) and partial.attrs["finished"] == 0
    writer.close(finished=True)

    back = open_recording(path).load()
    assert back.attrs["finished"] == 1 and back.attrs["note"] == "before the first chunk"
    assert_same(without_attrs(back, "finished", "note"), without_attrs(ds, "finished"))


def test_stream_context_manager_records_the_error(tmp_path):
    ds = synthetic_recording(n_steps=60)
    path = tmp_path / "run.zarr"
    with pytest.raises(RuntimeError):
        with StreamWriter(path) as writer:
            writer.append(chunk_of(ds, 0, 30))
            raise RuntimeError("NaN in the weights")
    back = open_recording(path)
    assert back.attrs["finished"] == 0
    assert back.attrs["error"] == "RuntimeError: NaN in the weights"
    assert back.sizes["step"] == 30


def test_stream_rejects_a_chunk_missing_a_growing_variable(tmp_path):
    ds = synthetic_recording(n_steps=60)
    writer = StreamWriter(tmp_path / "run.zarr")
    writer.append(chunk_of(ds, 0, 30))
    with pytest.raises(ValueError, match="dopamine"):
        writer.append(chunk_of(ds, 30, 60).drop_vars("dopamine"))


# The writer process: appends chunks of CHUNK ticks of a synthetic recording and prints the
# number of completed appends after each one.
WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_recording_io import chunk_of
    from bioRTRRL.analysis._synthetic import synthetic_recording
    from bioRTRRL.recording import StreamWriter, io

    ds = synthetic_recording(n_steps={n_steps}, num_envs=2, trial_ticks=(3, 7))
    writer = StreamWriter({path!r})
    for k, start in enumerate(range(0, {n_steps}, {chunk})):
        if k == {die_before_commit}:
            # Die after this chunk's data is written, before its metadata is committed.
            import os, signal
            io.zarr.consolidate_metadata = lambda *a, **kw: os.kill(os.getpid(), signal.SIGKILL)
        writer.append(chunk_of(ds, start, start + {chunk}))
        print(k + 1, flush=True)
    """
)


def start_writer(tmp_path, n_steps, chunk, die_before_commit=-1):
    path = tmp_path / "run.zarr"
    script = WRITER.format(tests=str(Path(__file__).parent), n_steps=n_steps, chunk=chunk,
                           path=str(path), die_before_commit=die_before_commit)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    return proc, path


def assert_holds_completed_chunks(path, n_steps, chunk, completed):
    ds = synthetic_recording(n_steps=n_steps, num_envs=2, trial_ticks=(3, 7))
    back = open_recording(path).load()
    assert back.attrs["finished"] == 0
    head = chunk_of(ds, 0, completed * chunk)
    assert_same(without_attrs(back, "finished"), without_attrs(head, "finished"))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_writer_killed_before_commit_keeps_completed_chunks(tmp_path):
    proc, path = start_writer(tmp_path, n_steps=200, chunk=40, die_before_commit=3)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert out.split() == ["1", "2", "3"]
    assert_holds_completed_chunks(path, 200, 40, completed=3)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_writer_killed_mid_run_keeps_completed_chunks(tmp_path):
    n_steps, chunk = 4000, 20
    proc, path = start_writer(tmp_path, n_steps, chunk)
    for line in proc.stdout:
        if int(line) == 5:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    # The kill lands in any of chunks 6, 7, ...: whatever the store reports committed must be
    # exactly that many whole chunks.
    completed = open_recording(path).sizes["step"] // chunk
    assert completed >= 5
    assert open_recording(path).sizes["step"] == completed * chunk
    assert_holds_completed_chunks(path, n_steps, chunk, completed)


def omit_empty(chunk: xr.Dataset) -> xr.Dataset:
    """A chunk as the recorder hands it over: without the variables of dimensions it has no entry on."""
    empty = [d for d in ("step", "completed_episode", "snapshot", "eval_step") if chunk.sizes.get(d, 0) == 0]
    return chunk.drop_vars([n for n in chunk.variables if set(chunk[n].dims) & set(empty)])


def test_stream_accepts_variables_first_appearing_later(tmp_path):
    ds = synthetic_recording(n_steps=120)
    path = tmp_path / "run.zarr"
    writer = StreamWriter(path)
    # The first chunk ends before any episode or evaluation; the last one holds no tick, only
    # the final weight snapshot (taken at tick 120, after the last tick).
    for start, stop in [(0, 5), (5, 119), (119, 120), (120, 121)]:
        writer.append(omit_empty(chunk_of(ds, start, stop)))
    writer.close()
    assert_same(open_recording(path).load(), ds)


def test_stream_rejects_a_late_variable_on_a_filled_dimension(tmp_path):
    ds = synthetic_recording(n_steps=60)
    writer = StreamWriter(tmp_path / "run.zarr")
    writer.append(chunk_of(ds, 0, 30).drop_vars("dopamine"))
    with pytest.raises(ValueError, match="dopamine"):
        writer.append(chunk_of(ds, 30, 60))


def test_stream_refuses_text_along_a_growing_dimension(tmp_path):
    ds = synthetic_recording(n_steps=10)
    ds["label"] = ("step", np.array(["a"] * 10))
    with pytest.raises(ValueError, match="label"):
        StreamWriter(tmp_path / "run.zarr").append(ds)
    assert not (tmp_path / "run.zarr").exists()


@pytest.mark.filterwarnings("ignore:The data type:FutureWarning")  # xarray writes fixed-width text
def test_opens_a_zarr_store_without_consolidated_metadata(tmp_path):
    ds = synthetic_recording(n_steps=20)
    ds.to_zarr(tmp_path / "plain.zarr", consolidated=False)
    xr.testing.assert_identical(open_recording(tmp_path / "plain.zarr").load(), ds)
