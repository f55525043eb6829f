"""Activity images: population heatmaps (neuron × tick) and trial × time maps."""

from __future__ import annotations

import matplotlib
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from .. import analysis
from ._figure import new_figure, tick_edges

__all__ = ["population_activity", "dopamine_trial_map"]


def _panels(rate: xr.DataArray, episodes, steps, last) -> list[tuple[str, str, xr.DataArray]]:
    """(title, x label, rate over (step, neuron)) for each panel."""
    if episodes is not None and steps is not None:
        raise ValueError("give episodes or steps, not both")
    if episodes is not None:
        panels = []
        for e in episodes:
            part = rate.isel(step=np.flatnonzero(rate["episode"].values == e))
            if part.sizes["step"] == 0:
                raise ValueError(f"episode {e} is not in the recording")
            within = part.assign_coords(step=part["t_in_episode"].values)
            panels.append((f"episode {e}", "tick in episode", within))
        return panels
    part = rate.sel(step=steps) if steps is not None else rate.isel(step=slice(-last, None))
    if part.sizes["step"] == 0:
        raise ValueError(f"no recorded tick in steps={steps}")
    return [("", "tick", part)]


def population_activity(
    ds: xr.Dataset,
    episodes: list[int] | None = None,
    steps: slice | None = None,
    env: int = 0,
    populations: list[str] | None = None,
    normalize: bool = True,
    last: int = 1000,
) -> Figure:
    """Heatmap of every recorded unit over time, grouped and labelled by population.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with ``rate``.
    episodes : list of int, optional
        Episode numbers (the per-tick ``episode`` coordinate); one panel each, against the tick
        within the episode, e.g. ``[0, 500]`` to compare early and late behaviour.
    steps : slice, optional
        A range of ticks (by label, e.g. ``slice(1000, 2000)``) shown in one panel.
    env : int
        Position of the environment shown, in a batched run.
    populations : list of str, optional
        Populations shown (default: every recorded one), in recording order.
    normalize : bool
        Divide each population by its largest absolute rate in the shown data, so populations of
        very different scale (inputs, value, δ) share one colour scale from −1 to 1.
    last : int
        Without ``episodes`` or ``steps``: show the last ``last`` recorded ticks.

    Returns
    -------
    matplotlib.figure.Figure
        One image (AxesImage) per panel, rows = units (grouped by population, separated by
        lines, population names on the y axis), columns = ticks; a shared colour bar.
    """
    if "rate" not in ds:
        raise ValueError("population_activity needs 'rate', which the recording lacks (recording.variables)")
    rate = ds["rate"].isel(env=env) if "env" in ds["rate"].dims else ds["rate"]
    if populations is not None:
        rate = rate.isel(neuron=np.flatnonzero(np.isin(rate["population"].values, populations)))
        if rate.sizes["neuron"] == 0:
            raise ValueError(f"no recorded unit in populations {populations}")
    panels = _panels(rate, episodes, steps, last)
    population = rate["population"].values

    shown = np.concatenate([p.transpose("step", "neuron").values for _, _, p in panels]).astype(float)
    scale = np.ones(population.size)
    if normalize:
        for name in np.unique(population):
            mine = population == name
            peak = np.nanmax(np.abs(shown[:, mine])) if shown.size else 0.0
            scale[mine] = peak if peak > 0 else 1.0
    limit = 1.0 if normalize else float(np.nanmax(np.abs(shown))) or 1.0

    widths = [p.sizes["step"] for _, _, p in panels]
    fig, axes = new_figure(ncols=len(panels), width=3 + 5 * min(len(panels), 2), height=4.5,
                           sharey=True, gridspec_kw={"width_ratios": widths})
    axes = np.atleast_1d(axes)
    # Population boundaries and label positions (units of a population are contiguous).
    starts = np.flatnonzero(np.r_[True, population[1:] != population[:-1]])
    ends = np.r_[starts[1:], population.size]
    for ax, (title, xlabel, part) in zip(axes, panels):
        ticks = part["step"].values
        image = ax.imshow(part.transpose("neuron", "step").values / scale[:, None], aspect="auto",
                          interpolation="nearest", cmap="RdBu_r", vmin=-limit, vmax=limit,
                          extent=(*tick_edges(ticks), population.size - 0.5, -0.5))
        for boundary in starts[1:]:
            ax.axhline(boundary - 0.5, color="black", linewidth=0.8)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
    axes[0].set_yticks((starts + ends - 1) / 2, population[starts])
    fig.colorbar(image, ax=axes, label="rate / population max |rate|" if normalize else "rate")
    return fig


def dopamine_trial_map(ds: xr.Dataset, var: str = "dopamine", by: str | None = None) -> Figure:
    """Image of a per-tick variable, one row per trial (or episode), aligned on the trial start.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording.
    var : str
        The variable shown (default ``dopamine``, the TD error δ).
    by : {"trial", "episode"}, optional
        Rows are trials (default for trial-structured tasks) or episodes (default otherwise).

    Returns
    -------
    matplotlib.figure.Figure
        One AxesImage (rows = trials in order, columns = tick in trial; diverging colours centred
        on 0; blank where a trial is shorter) with a colour bar.
    """
    if by is None:
        by = "trial" if "t_in_trial" in ds.coords else "episode"
    matrix = analysis.trial_matrix(ds, var, by=by)
    if matrix.ndim != 2:
        raise ValueError(f"{var!r} has more than one value per tick ({matrix.dims[2:]}); select one first")
    position = matrix.dims[1]
    limit = float(np.nanmax(np.abs(matrix.values))) if np.isfinite(matrix.values).any() else 1.0
    fig, ax = new_figure(width=6, height=4.5)
    # Light grey marks ticks a trial does not have (NaN padding).
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="0.9")
    image = ax.imshow(matrix.values, aspect="auto", interpolation="nearest", cmap=cmap,
                      vmin=-limit, vmax=limit,
                      extent=(*tick_edges(matrix[position].values), matrix.shape[0] - 0.5, -0.5))
    ax.set_xlabel(f"tick in {by}")
    ax.set_ylabel(by)
    ax.set_title(f"{var} by {by}")
    fig.colorbar(image, ax=ax, label="δ" if var == "dopamine" else var)
    return fig
