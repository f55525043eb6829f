"""Weight dynamics over training: change per projection and feedback alignment."""

from __future__ import annotations

import xarray as xr
from matplotlib.figure import Figure

from .. import analysis
from ._figure import new_figure

__all__ = ["weight_change", "feedback_alignment"]


def _lines(curves: xr.DataArray, series: str, ylabel: str, title: str):
    fig, ax = new_figure()
    for name in curves[series].values:
        curve = curves.sel({series: name})
        ax.plot(curve["snapshot_step"], curve, "o-", markersize=3, label=str(name))
    ax.set_xlabel("tick")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return fig, ax


def weight_change(data: xr.Dataset | xr.DataArray) -> Figure:
    """Relative weight change of each projection against training tick.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A recording with weight snapshots, or the result of
        :func:`bioRTRRL.analysis.weight_change`.

    Returns
    -------
    matplotlib.figure.Figure
        One line per projection: ‖W − W₀‖_F / ‖W₀‖_F at each snapshot.
    """
    change = analysis.weight_change(data) if isinstance(data, xr.Dataset) else data
    fig, _ = _lines(change, "projection", "‖W − W₀‖ / ‖W₀‖", "weight change")
    return fig


def feedback_alignment(data: xr.Dataset | xr.DataArray) -> Figure:
    """Angle between readout weights and their random feedback against training tick.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A recording with weight snapshots and feedback matrices, or the result of
        :func:`bioRTRRL.analysis.feedback_alignment`.

    Returns
    -------
    matplotlib.figure.Figure
        One line per readout (dorsal = actor, ventral = critic), in degrees; a dashed line at 90°
        (no alignment). Learning with random feedback pulls the lines below 90° (Murray 2019, Fig. 2c).
    """
    angle = analysis.feedback_alignment(data) if isinstance(data, xr.Dataset) else data
    fig, ax = _lines(angle, "readout", "angle (degrees)", "alignment of readout weights with feedback")
    ax.axhline(90, color="black", linestyle="--", linewidth=0.8)
    ax.set_ylim(0, 180)
    ax.set_yticks([0, 45, 90, 135, 180])
    return fig
