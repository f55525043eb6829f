"""Learning curve: episode returns over training, smoothed, with evaluations."""

from __future__ import annotations

import xarray as xr
from matplotlib.figure import Figure

from .. import analysis
from ._figure import new_figure

__all__ = ["learning_curve"]


def learning_curve(ds: xr.Dataset, window: int | None = None) -> Figure:
    """Episode return against training tick: every episode, their moving average and evaluations.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording.
    window : int, optional
        Episodes in the moving average (see :func:`bioRTRRL.analysis.learning_curve`).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: a dot per completed episode at its last tick, the moving average as a line,
        and the evaluation returns (``eval_return``) as a line with markers when the run evaluated.
    """
    table = analysis.episodes(ds)
    has_eval = "eval_return" in ds and ds.sizes["eval_step"] > 0
    if table.sizes["episode"] == 0 and not has_eval:
        raise ValueError("no completed episode and no evaluation in the recording: nothing to plot")
    fig, ax = new_figure()
    if table.sizes["episode"]:
        ax.plot(table.end_step, table.episode_return, ".", color="0.7", markersize=3, label="episode")
        curve = analysis.learning_curve(ds, window)
        ax.plot(curve.end_step, curve, color="C0", label=f"mean of last {curve.attrs['window']}")
    if has_eval:
        evaluation = analysis.evaluation_curve(ds)
        ax.plot(evaluation.eval_step, evaluation, "o-", color="C1", label="evaluation")
    ax.set_xlabel("tick")
    ax.set_ylabel("episode return")
    ax.set_title(ds.attrs.get("task", "learning curve"))
    ax.legend(loc="best", fontsize="small")
    return fig
