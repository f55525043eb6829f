"""Every standard figure that applies to a recording, written as PNG files."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from .. import analysis
from .activity import dopamine_trial_map, population_activity
from .curves import learning_curve
from .events import peri_event
from .plasticity import feedback_alignment, weight_change
from .trajectories import pca_trajectories

__all__ = ["figures_for"]


def _completed_episodes(ds: xr.Dataset) -> xr.Dataset | None:
    try:
        return analysis.episodes(ds)
    except (ValueError, KeyError):  # neither a whole table nor every tick: episodes are unknown
        return None


def _applicable(ds: xr.Dataset) -> Iterator[tuple[str, Callable[[], Figure]]]:
    """(file stem, figure maker) for each figure the recording has the data for.

    A recording that lacks something a group of figures is chosen by (a partial or damaged one)
    loses that group, with a warning saying why; the other groups are still offered.
    """
    table = _completed_episodes(ds)
    n_episodes = 0 if table is None else table.sizes["episode"]
    for group in (_learning_figures, _activity_figures, _dopamine_figures, _weight_figures):
        try:
            found = list(group(ds, table, n_episodes))
        except (KeyError, ValueError) as exc:
            warnings.warn(f"{group.__doc__} skipped: {type(exc).__name__}: {exc}", RuntimeWarning,
                          stacklevel=3)
            continue
        yield from found


def _learning_figures(ds, table, n_episodes):
    """the learning curve"""
    if n_episodes or ("eval_return" in ds and ds.sizes["eval_step"]):
        yield "learning_curve", lambda: learning_curve(ds)


def _activity_figures(ds, table, n_episodes):
    """the activity figures"""
    if "rate" in ds and ds.sizes.get("step", 0):
        # First against last completed episode of the environment shown: before and after
        # learning (among those with recorded ticks: a stride can skip a short episode).
        episodes = None
        if n_episodes:
            shown_env = ds["env"].values[0] if "env" in ds.dims else 0
            recorded = ds["episode"].isel(env=0).values if "env" in ds.dims else ds["episode"].values
            numbers = table.env_episode.values[table.env.values == shown_env]
            numbers = numbers[np.isin(numbers, recorded)]
            if numbers.size >= 2:
                episodes = [int(numbers[0]), int(numbers[-1])]
        yield "population_activity", lambda: population_activity(ds, episodes=episodes)
        if np.count_nonzero(ds["population"].values == "cortex") >= 2 and ds.sizes["step"] >= 3:
            yield "pca_trajectories", lambda: pca_trajectories(ds)


def _dopamine_figures(ds, table, n_episodes):
    """the dopamine figures"""
    if "dopamine" in ds and ds.sizes.get("step", 0):
        yield "dopamine_map", lambda: dopamine_trial_map(ds)
        task_events = list(ds["event"].values) if "events" in ds else []
        for event in task_events + ["episode_end"]:
            if analysis.event_ticks(ds, event).any():
                yield f"peri_event_dopamine_{event}", lambda e=event: peri_event(ds, "dopamine", event=e)


def _weight_figures(ds, table, n_episodes):
    """the weight figures"""
    if any(v in ds for v in analysis.PROJECTION_WEIGHTS.values()) and ds.sizes.get("snapshot", 0) >= 2:
        yield "weight_change", lambda: weight_change(ds)
        if "feedback_striatum_ventral" in ds or "feedback_striatum_dorsal" in ds:
            yield "feedback_alignment", lambda: feedback_alignment(ds)


def figures_for(ds: xr.Dataset, outdir: str | os.PathLike, dpi: int = 110) -> list[Path]:
    """Draw every figure that applies to a recording and write each as ``outdir/NAME.png``.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording (e.g. from :func:`bioRTRRL.run` or :func:`bioRTRRL.open_recording`).
    outdir : str or path-like
        Directory for the PNG files (created if needed; files of the same name are replaced).
    dpi : int
        Resolution of the PNG files.

    Returns
    -------
    list of pathlib.Path
        The files written, among: ``learning_curve`` (when an episode completed or the run
        evaluated), ``population_activity`` (first and last completed episode, or the last
        ticks), ``pca_trajectories`` (cortex), ``dopamine_map`` (by trial, or by episode),
        ``peri_event_dopamine_EVENT`` (each task event, and ``episode_end``), ``weight_change``
        and ``feedback_alignment`` (with at least two weight snapshots). A figure that cannot be
        drawn from what the recording holds (e.g. a partial or damaged one) is skipped with a
        ``RuntimeWarning`` saying why; the others are still drawn.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in _applicable(ds):
        path = outdir / f"{name}.png"
        try:
            figure = make()
        except Exception as exc:  # noqa: BLE001  one figure's gap must not cost the others
            warnings.warn(f"figure {name} skipped: {type(exc).__name__}: {exc}", RuntimeWarning,
                          stacklevel=2)
            continue
        figure.savefig(path, dpi=dpi)
        written.append(path)
    return written
