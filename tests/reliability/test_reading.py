"""Reading recordings (issue cases 13-17, 22): damage is named, never read back as fill values."""

import os
import re
import shutil
import time
import tracemalloc
import warnings

import numpy as np
import pytest
import xarray as xr

import bioRTRRL as br
from bioRTRRL.analysis._synthetic import synthetic_recording
from bioRTRRL.recording.io import RecordingError

from reliability_helpers import SMALL


SPEC = {**SMALL, "recording": {"chunk_steps": 500, "weights_every": 500}}


@pytest.fixture(scope="module")
def recording():
    """A short real run with two weight snapshots."""
    return br.run(SPEC, steps=1500, progress=False)


def _run_folder(path, ds, *stores):
    path.mkdir()
    for name in stores:
        br.save(ds, path / name)
    return path


def _streamed_folder(path):
    """A run folder holding what a run streams: a store in chunks of 500 ticks."""
    br.run(SPEC, steps=1500, progress=False, stream_to=path / "recording.zarr")
    return path


def test_13_a_newer_partial_zarr_is_used_over_an_older_nc_and_said(tmp_path, recording, cli):
    rewards = recording[["reward", "episode_return", "episode_length"]]  # one figure to draw is enough here
    folder = _run_folder(tmp_path / "run", rewards.isel(completed_episode=slice(0, 1)), "recording.nc")
    old = time.time() - 3600
    os.utime(folder / "recording.nc", (old, old))
    br.save(rewards, folder / "recording.zarr")
    status, out, err = cli("plot", folder)
    assert status == 0 and out == f"figure: {folder / 'figures' / 'learning_curve.png'}\n"
    assert br.open_recording(folder / "recording.zarr").sizes["completed_episode"] > 1
    assert f"biortrrl: note: {folder} holds recording.nc and recording.zarr; using recording.zarr, " \
           "the more recently written (move it away to plot recording.nc)" in err


@pytest.mark.parametrize("damage, message", [
    ("garbage", "not a readable netCDF file"),
    ("truncated", "not a readable netCDF file"),
    ("empty", "empty (0 bytes), not a netCDF file"),
    ("folder", "a folder, not a netCDF file"),
])
def test_14_a_damaged_nc_is_named(tmp_path, recording, cli, damage, message):
    folder = tmp_path / "run"
    folder.mkdir()
    path = folder / "recording.nc"
    if damage == "folder":
        path.mkdir()
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    else:
        whole = br.save(recording, tmp_path / "whole.nc").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RecordingError, match=re.escape(message)):
        br.open_recording(path)
    status, _, err = cli("plot", folder)
    assert status == 2 and len(err) == 1 and err[0].startswith(f"biortrrl: error: {path}: {message}")


def test_14_a_file_in_place_of_the_figures_folder_is_named(tmp_path, recording, cli):
    folder = _run_folder(tmp_path / "run", recording, "recording.nc")
    (folder / "figures").write_text("")
    status, _, err = cli("plot", folder)
    assert status == 2 and err == [f"biortrrl: error: {folder / 'figures'} is a file where the figures "
                                   "folder goes; move it away"]


def test_15_a_netcdf_that_is_not_a_recording_is_named(tmp_path, cli):
    folder = tmp_path / "run"
    folder.mkdir()
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(folder / "recording.nc", engine="h5netcdf")
    status, _, err = cli("plot", folder)
    assert status == 2 and len(err) == 1
    assert "recording.nc: not a bioRTRRL recording (no 'model' attribute)" in err[0]


@pytest.mark.parametrize("damage", ["no zarr.json", "truncated zarr.json", "empty", "a file"])
def test_16_a_store_without_readable_metadata_is_named(tmp_path, recording, cli, damage):
    folder = tmp_path / "run"
    folder.mkdir()
    store = folder / "recording.zarr"
    if damage == "empty":
        store.mkdir()
    elif damage == "a file":
        store.write_text("not a store")
    else:
        br.save(recording, store)
        meta = store / "zarr.json"
        if damage == "no zarr.json":
            meta.unlink()
        else:
            meta.write_bytes(meta.read_bytes()[:200])
    with pytest.raises(RecordingError, match="recording.zarr"):
        br.open_recording(store)
    status, _, err = cli("plot", folder)
    assert status == 2 and len(err) == 1 and err[0].startswith(f"biortrrl: error: {store}: ")


def test_16_a_truncated_chunk_is_named_and_the_rest_is_drawn(tmp_path, cli):
    folder = _streamed_folder(tmp_path / "run")
    chunk = folder / "recording.zarr" / "rate" / "c" / "1" / "0"
    chunk.write_bytes(chunk.read_bytes()[:40])
    with pytest.warns(RuntimeWarning, match=r"\['rate'\] cannot be read \(rate: RuntimeError"):
        ds = br.open_recording(folder / "recording.zarr", load=True)
    assert "rate" not in ds and "dopamine" in ds
    status, out, err = cli("plot", folder)
    assert status == 0 and any("['rate'] cannot be read" in line for line in err)
    assert "dopamine_map" in out and "pca_trajectories" not in out


@pytest.mark.parametrize("lost", ["rate/c/2/0", "rate", "terminated/c/0", "step/c/1"])
def test_17_a_lost_chunk_or_variable_is_reported_not_read_as_fill(tmp_path, cli, lost):
    folder = _streamed_folder(tmp_path / "run")
    store = folder / "recording.zarr"
    victim = store / lost
    if victim.is_dir():
        shutil.rmtree(victim)
    else:
        victim.unlink()
    name = lost.split("/")[0]
    with pytest.warns(RuntimeWarning, match=rf"\['{name}'\] cannot be read \({name}: \d of \d chunk files missing"):
        ds = br.open_recording(store)
    assert name not in ds.variables
    if name != "rate":  # the case, drawn below; for the others opening is what matters
        return
    status, out, err = cli("plot", folder)
    assert status == 0 and "Traceback" not in "\n".join(err)
    assert any(f"['{name}'] cannot be read" in line for line in err)
    assert "figure:" in out  # the figures that do not need it are drawn


def test_17_a_stream_written_store_keeps_chunks_equal_to_the_fill_value(tmp_path):
    # zarr leaves out a chunk equal to the fill value (all False, all 0): the stores written here
    # keep every one, so a missing chunk file is always a lost one.
    ds = br.run(SMALL, steps=1000, progress=False, stream_to=tmp_path / "run.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = br.open_recording(tmp_path / "run.zarr").load()
    assert not back["truncated"].values.any()
    xr.testing.assert_equal(back["truncated"], ds["truncated"])


def test_22_save_creates_missing_folders(tmp_path, recording):
    for name in ("new/deeper/recording.nc", "new/recording.zarr"):
        path = br.save(recording, tmp_path / name)
        xr.testing.assert_equal(br.open_recording(path).load()["dopamine"], recording["dopamine"])


def _pca_peak(n_steps):
    ds = synthetic_recording(n_steps=n_steps, n_cortex=32)
    ds["rate"] = ds["rate"].astype(np.float32)
    tracemalloc.start()
    result = br.analysis.pca(ds, "cortex")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.isfinite(result["explained_variance_ratio"]).all()
    return peak, ds["rate"].nbytes, result["projection"].nbytes


def test_pca_working_memory_does_not_grow_with_the_recording():
    # Doubling the recording adds to the peak little more than the projection's own growth
    # (3 float64 per tick); a float64 copy of the cortical activity would add twice the growth
    # of the float32 rate, an SVD of it more.
    small, large = _pca_peak(2**17), _pca_peak(2**18)
    grown = large[0] - small[0]
    assert grown < (large[2] - small[2]) + 0.1 * (large[1] - small[1])
