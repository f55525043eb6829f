"""Raster and population rate of a spiking (LIF) cortex."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ..analysis import spikes as spk


def raster(ds: xr.Dataset, start: float = 0.0, stop: float | None = None,
           bin_s: float = 0.01) -> Figure:
    """Spike raster of the cortical units (top) and their population rate (bottom).

    Parameters
    ----------
    ds : Dataset
        A recording with ``spike_unit`` and ``spike_time`` (``circuit.unit = "lif"``).
    start, stop : float
        The time window shown, seconds (default: the first second from ``start``).
    bin_s : float
        Bin of the population rate, seconds.
    """
    stop = start + 1.0 if stop is None else stop
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax_r, ax_p = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    t, u = ds.spike_time.values, ds.spike_unit.values
    keep = (t >= start) & (t < stop)
    ax_r.plot(t[keep], u[keep], "|", color="k", ms=4, mew=0.8)
    ax_r.set(ylabel="cortical unit", ylim=(-0.5, ds.attrs["spiking_units"] - 0.5),
             title=f"{keep.sum()} spikes, {start:g}–{stop:g} s")
    rate = spk.population_rate(ds, bin_s)
    shown = rate.sel(time=slice(start, stop))
    ax_p.step(shown.time, shown, where="mid", color="C0")
    ax_p.set(xlabel="time (s)", ylabel="rate (Hz)", xlim=(start, stop))
    if "obs" in ds and "step" in ds.dims:  # shade the ticks with a nonzero first observation
        dt = ds.attrs["env_dt"]
        on = np.flatnonzero(ds.obs.isel(obs_dim=0).values != 0)
        on = on[(on * dt >= start) & (on * dt < stop)]
        for k in on:
            ax_r.axvspan(k * dt, (k + 1) * dt, color="C1", alpha=0.15, lw=0)
    return fig
