"""Figures built without pyplot, so plotting never touches global state or needs a display."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure


def new_figure(ncols: int = 1, width: float = 6.0, height: float = 3.5, **subplot_kw):
    """A constrained-layout Figure and its axes (an array when ``ncols > 1``).

    Built from :class:`matplotlib.figure.Figure` directly: it renders with any backend (saving
    uses Agg), shows in Jupyter when returned, and is not kept alive by pyplot.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=True, **subplot_kw)
    return fig, axes


def tick_edges(ticks: np.ndarray) -> tuple[float, float]:
    """Image extent along a tick axis: half a recorded interval beyond the first and last tick."""
    half = (ticks[1] - ticks[0]) / 2 if ticks.size > 1 else 0.5
    return float(ticks[0] - half), float(ticks[-1] + half)


def stacked_series(da: xr.DataArray, keep: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """``da`` as ``(*keep, series)`` and a label per series.

    A DataArray with only the ``keep`` dimensions is one series named after it; one extra
    dimension (e.g. ``neuron``) gives a series per entry, labelled by that dimension's other
    coordinates (e.g. population and index) or, without any, by its position.
    """
    rest = [d for d in da.dims if d not in keep]
    if not rest:
        return da.transpose(*keep).values[..., None], [da.name or ""]
    if len(rest) > 1:
        raise ValueError(f"cannot draw {da.name!r} over {rest}: select down to at most one extra dimension")
    (dim,) = rest
    described = [da[c].values for c in da.coords if da[c].dims == (dim,) and c != dim]
    labels = [" ".join(str(c[i]) for c in described) or str(i) for i in range(da.sizes[dim])]
    return da.transpose(*keep, dim).values, labels
