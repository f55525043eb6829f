"""Spikes in the recording, their statistics (against values computed here by hand), the raster
figure and the NWB / pynapple exports."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import bioRTRRL as br
from bioRTRRL.analysis import spikes as spk
from bioRTRRL.recording.spikes import with_spikes


@pytest.fixture(scope="module")
def run():
    model = br.load_model("models/spiking_trace_conditioning.toml")
    return br.run(model, steps=400, seed=0, progress=False)


def synthetic():
    """Unit 0: a clock at 10 Hz; unit 1: two spikes; unit 2: silent — over 2 s."""
    ds = xr.Dataset(coords={"step": np.arange(200)}, attrs={"env_dt": 0.01})
    t0 = np.arange(0.05, 2.0, 0.1)
    times = np.concatenate([t0, [0.5, 0.52]])
    units = np.concatenate([np.zeros(t0.size, int), [1, 1]])
    order = np.argsort(times, kind="stable")
    return with_spikes(ds, units[order], times[order], 3)


def test_spikes_recorded_sparse(run):
    assert run.spike_time.dims == ("spike",) and run.spike_unit.dims == ("spike",)
    assert run.spike_time.size > 0
    assert np.all(np.diff(run.spike_time.values) >= 0)
    assert run.spike_time.max() < run.sizes["step"] * run.attrs["env_dt"]
    assert run.spike_unit.max() < run.attrs["spiking_units"] == 32


def test_statistics_by_hand():
    ds = synthetic()
    np.testing.assert_allclose(spk.firing_rates(ds).values, [10.0, 1.0, 0.0])
    cv = spk.isi_cv(ds)
    assert cv[0] == pytest.approx(0.0, abs=1e-9) and np.isnan(cv[1]) and np.isnan(cv[2])
    pop = spk.population_rate(ds, bin_s=0.5)
    np.testing.assert_allclose(pop.values, np.array([5, 7, 5, 5]) / (0.5 * 3))
    # a PSTH around every clock tick: all of unit 0's spikes fall in the lag-0 bin
    pe = spk.peri_event_rate(ds, np.arange(0.05, 2.0, 0.1), window=(-0.02, 0.02), bin_s=0.01)
    assert pe.sel(unit=0).values.tolist() == [0.0, 0.0, 100.0, 0.0]


def test_raster_figure(run, tmp_path):
    fig = br.plot.raster(run, 0.0, 2.0)
    fig.savefig(tmp_path / "raster.png")
    assert len(fig.axes) == 2


def test_exports(run, tmp_path):
    pytest.importorskip("pynwb")
    nap = pytest.importorskip("pynapple")
    ds = run.isel(env=0) if "env" in run.dims else run
    data = br.to_pynapple(ds)
    assert isinstance(data["spikes"], nap.TsGroup) and len(data["spikes"]) == 32
    assert sum(len(data["spikes"][k]) for k in data["spikes"].keys()) == ds.spike_time.size
    from pynwb import NWBHDF5IO

    path = br.to_nwb(ds, tmp_path / "run.nwb")
    with NWBHDF5IO(str(path), "r") as io:
        units = io.read().units
        assert len(units) == 32
        np.testing.assert_allclose(np.concatenate([units.get_unit_spike_times(k)
                                                   for k in range(32)]).size, ds.spike_time.size)
