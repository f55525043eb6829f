"""Event-triggered averages with confidence bands."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from .. import analysis
from ._figure import new_figure, stacked_series

__all__ = ["peri_event"]


def peri_event(data: xr.Dataset | xr.DataArray, var: str | None = None, event: str = "reward",
               window: tuple[int, int] = (-10, 10)) -> Figure:
    """Mean of a variable around an event, with a 95 % confidence band (mean ± 1.96 s.e.m.).

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A recording (then ``var``, ``event`` and ``window`` are passed to
        :func:`bioRTRRL.analysis.peri_event`), or the DataArray that function returned.
    var, event, window
        See :func:`bioRTRRL.analysis.peri_event`.

    Returns
    -------
    matplotlib.figure.Figure
        Against the lag in ticks: one line per series (one in all for a scalar variable, one per
        unit for ``rate``) and its shaded band; the s.e.m. at each lag is computed over the
        occurrences whose window covers that lag. A dashed vertical line marks the event.
    """
    if isinstance(data, xr.Dataset):
        if var is None:
            raise ValueError("give var, the variable to align on the event")
        data = analysis.peri_event(data, var, event=event, window=window)
    values, labels = stacked_series(data, keep=("occurrence", "lag"))
    finite = np.isfinite(values)
    n = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, values, 0).sum(axis=0) / n
        spread = np.where(finite, values - mean, 0) ** 2
        sem = np.sqrt(spread.sum(axis=0) / (n - 1)) / np.sqrt(n)
    sem = np.where(n > 1, sem, np.nan)

    fig, ax = new_figure()
    lag = data["lag"].values
    for i, label in enumerate(labels):
        (line,) = ax.plot(lag, mean[:, i], label=label)
        ax.fill_between(lag, mean[:, i] - 1.96 * sem[:, i], mean[:, i] + 1.96 * sem[:, i],
                        color=line.get_color(), alpha=0.25, linewidth=0)
    ax.axvline(0, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel(f"ticks from {data.attrs.get('event', 'event')}")
    ax.set_ylabel(data.name or "")
    ax.set_title(f"{data.name} around {data.attrs.get('event', 'event')} (n = {data.sizes['occurrence']})")
    if 1 < len(labels) <= 10:
        ax.legend(fontsize="small")
    return fig
