"""Spike-train statistics of a recording with a spiking (LIF) cortex (``spike_unit``,
``spike_time``; :mod:`bioRTRRL.recording.spikes`).

- :func:`firing_rates`: spikes per second of each unit over a time window;
- :func:`isi_cv`: coefficient of variation of the inter-spike intervals (1 for a Poisson
  process, 0 for a clock; Softky & Koch 1993, J Neurosci 13:334);
- :func:`population_rate`: the mean rate of all units in time bins;
- :func:`peri_event_rate`: rate around events (a peri-stimulus time histogram).
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def _check(ds: xr.Dataset) -> None:
    if "spike_time" not in ds:
        raise ValueError("this recording has no spikes: they are recorded with circuit.unit = 'lif'")


def _duration(ds: xr.Dataset) -> float:
    return float(ds.sizes["step"] * ds.attrs["env_dt"]) if "step" in ds.dims else float(
        ds.spike_time.max())


def firing_rates(ds: xr.Dataset, start: float = 0.0, stop: float | None = None) -> xr.DataArray:
    """Mean firing rate (Hz) of each cortical unit over [start, stop) seconds (default: the run).

    Returns
    -------
    DataArray (unit,)
    """
    _check(ds)
    stop = _duration(ds) if stop is None else stop
    t, u = ds.spike_time.values, ds.spike_unit.values
    keep = (t >= start) & (t < stop)
    counts = np.bincount(u[keep], minlength=ds.attrs["spiking_units"])
    return xr.DataArray(counts / (stop - start), dims="unit", name="firing_rate",
                        attrs={"units": "Hz"})


def isi_cv(ds: xr.Dataset, min_spikes: int = 3) -> xr.DataArray:
    """Coefficient of variation (s.d. / mean) of each unit's inter-spike intervals; NaN for a unit
    with fewer than ``min_spikes`` spikes."""
    _check(ds)
    t, u = ds.spike_time.values, ds.spike_unit.values
    out = np.full(ds.attrs["spiking_units"], np.nan)
    for k in range(out.size):
        times = t[u == k]
        if times.size >= min_spikes:
            isi = np.diff(times)
            out[k] = isi.std() / isi.mean()
    return xr.DataArray(out, dims="unit", name="isi_cv")


def population_rate(ds: xr.Dataset, bin_s: float = 0.01) -> xr.DataArray:
    """Mean firing rate (Hz) per unit of the whole cortex in bins of ``bin_s`` seconds."""
    _check(ds)
    edges = np.arange(0.0, _duration(ds) + bin_s / 2, bin_s)
    counts, _ = np.histogram(ds.spike_time.values, edges)
    return xr.DataArray(counts / (bin_s * ds.attrs["spiking_units"]), dims="time",
                        coords={"time": edges[:-1] + bin_s / 2}, name="population_rate",
                        attrs={"units": "Hz"})


def peri_event_rate(ds: xr.Dataset, event_times, window=(-0.1, 0.3),
                    bin_s: float = 0.01) -> xr.DataArray:
    """Each unit's firing rate (Hz) around events, averaged over the events (a PSTH).

    Parameters
    ----------
    event_times : array of float
        Event times in seconds (e.g. the ticks of cue onsets times ``ds.attrs["env_dt"]``).
    window : (float, float)
        Lags before and after each event, seconds.

    Returns
    -------
    DataArray (unit, lag)
    """
    _check(ds)
    events = np.asarray(event_times, float)
    edges = np.arange(window[0], window[1] + bin_s / 2, bin_s)
    t, u = ds.spike_time.values, ds.spike_unit.values
    n = ds.attrs["spiking_units"]
    counts = np.zeros((n, edges.size - 1))
    for e in events:
        lo, hi = np.searchsorted(t, [e + edges[0], e + edges[-1]])
        lag_bin = np.searchsorted(edges, t[lo:hi] - e, side="right") - 1
        ok = (lag_bin >= 0) & (lag_bin < edges.size - 1)
        np.add.at(counts, (u[lo:hi][ok], lag_bin[ok]), 1.0)
    rate = counts / (max(events.size, 1) * bin_s)
    return xr.DataArray(rate, dims=("unit", "lag"), coords={"lag": edges[:-1] + bin_s / 2},
                        name="peri_event_rate", attrs={"units": "Hz", "events": events.size})
