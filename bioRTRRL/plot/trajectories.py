"""Population trajectories in the plane of the first two principal components."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from .. import analysis
from ._figure import new_figure

__all__ = ["pca_trajectories"]


def pca_trajectories(ds: xr.Dataset, population: str = "cortex", episodes: list[int] | None = None,
                     env: int = 0, n_components: int = 3) -> Figure:
    """Trajectories of a population's activity projected on its first two principal components.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with ``rate``.
    population : str
        Population analysed (default ``cortex``).
    episodes : list of int, optional
        Episodes drawn (per-tick ``episode`` numbers); default the last ten in the recording.
        The components are fitted on every recorded tick regardless.
    env : int
        Position of the environment drawn, in a batched run.
    n_components : int
        Components fitted (their explained variance is shown; at least 2).

    Returns
    -------
    matplotlib.figure.Figure
        Left: each episode's path in the PC1–PC2 plane as a LineCollection coloured by the tick
        within the episode (colour bar). Right: bars of the explained variance ratio.
    """
    result = analysis.pca(ds, population, n_components=n_components)
    if n_components < 2:
        raise ValueError("pca_trajectories needs n_components >= 2")
    projection = result["projection"]
    if "env" in projection.dims:
        projection = projection.isel(env=env)
    episode = projection["episode"].values
    if episodes is None:
        episodes = list(np.unique(episode)[-10:])

    segments, colours = [], []
    for e in episodes:
        mine = np.flatnonzero(episode == e)
        if mine.size == 0:
            raise ValueError(f"episode {e} is not in the recording")
        points = projection.values[mine, :2]
        segments.extend(np.stack([points[:-1], points[1:]], axis=1))
        colours.extend(projection["t_in_episode"].values[mine[:-1]])

    fig, (ax, bars) = new_figure(ncols=2, width=9, height=4, gridspec_kw={"width_ratios": [3, 1]})
    paths = LineCollection(segments, array=np.asarray(colours, dtype=float), cmap="viridis", linewidths=1.2)
    ax.add_collection(paths)
    ax.autoscale()
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")
    shown = f"episodes {episodes[0]}–{episodes[-1]}" if len(episodes) > 1 else f"episode {episodes[0]}"
    ax.set_title(f"{population}, {shown}")
    fig.colorbar(paths, ax=ax, label="tick in episode")
    ratio = result["explained_variance_ratio"]
    bars.bar(ratio["component"].values + 1, ratio.values, color="C0")
    bars.set_xticks(ratio["component"].values + 1)
    bars.set_xlabel("component")
    bars.set_ylabel("explained variance ratio")
    return fig
