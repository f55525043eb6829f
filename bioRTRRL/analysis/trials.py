"""Trial × time matrices: a per-tick variable cut into trials (or episodes) and aligned on their start."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._steps import by_env, env_labels, require

__all__ = ["trial_matrix"]

# Segment kind → (coordinates identifying a segment, within-segment time coordinate).
_SEGMENTS = {"trial": (("episode", "trial"), "t_in_trial"), "episode": (("episode",), "t_in_episode")}


def trial_matrix(ds: xr.Dataset, var: str, by: str = "trial") -> xr.DataArray:
    """A per-tick variable arranged as one row per trial and one column per tick within the trial.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording; ``by="trial"`` needs a trial-structured task (``trial``, ``t_in_trial``).
    var : str
        A per-tick variable (``dopamine``, ``value``, ``reward``, ``rate``, ...). Extra
        dimensions (e.g. ``neuron``) are kept after the two new ones.
    by : {"trial", "episode"}
        Cut into trials (columns ``t_in_trial``) or into episodes (columns ``t_in_episode``).

    Returns
    -------
    xarray.DataArray
        Dims ``(trial, t_in_trial, ...)`` (or ``(episode, t_in_episode, ...)``). Rows are numbered
        0, 1, ... consecutively across episodes, environment after environment; a new row starts
        wherever the episode or trial changes. Columns are the within-trial ticks present in the
        recording. Trials of different lengths are padded with NaN, as are the first and last
        trials if the recording cuts them. Coordinates on rows: ``env``, ``episode``,
        ``start_step`` (first recorded tick of the row) and, by trial, ``task_trial`` (the
        recording's ``trial`` number).
    """
    if by not in _SEGMENTS:
        raise ValueError(f"by must be one of {list(_SEGMENTS)}, got {by!r}")
    keys, position = _SEGMENTS[by]
    require(ds, var, *keys, position, purpose=f"trial_matrix of {var!r} by {by}")
    values = by_env(ds[var]).astype(float)
    key_values = [by_env(ds[k]) for k in keys]
    tick = by_env(ds[position])
    columns = np.unique(tick)

    rows, row_env, row_start = [], [], []
    n_rows = 0
    for e in range(values.shape[1]):
        new_row = np.zeros(values.shape[0], dtype=bool)
        new_row[0] = True
        for kv in key_values:
            new_row[1:] |= kv[1:, e] != kv[:-1, e]
        rows.append(n_rows + np.cumsum(new_row) - 1)
        starts = np.flatnonzero(new_row)
        row_start.append(starts)
        row_env.append(np.full(starts.size, e))
        n_rows += starts.size
    row_of_tick = np.stack(rows, axis=1)  # (step, env) → row
    row_start, row_env = np.concatenate(row_start), np.concatenate(row_env)

    out = np.full((row_start.size, columns.size) + values.shape[2:], np.nan)
    out[row_of_tick, np.searchsorted(columns, tick)] = values

    rest = [d for d in ds[var].dims if d not in ("step", "env")]
    coords = {
        by: np.arange(row_start.size, dtype=np.int64),
        position: columns,
        "env": (by, env_labels(ds)[row_env]),
        "episode" if by == "trial" else "env_episode": (by, key_values[0][row_start, row_env]),
        "start_step": (by, ds["step"].values[row_start]),
    }
    if by == "trial":
        coords["task_trial"] = (by, key_values[1][row_start, row_env])
    coords.update({name: c.variable for name, c in ds[var].coords.items() if set(c.dims) <= set(rest)})
    return xr.DataArray(out, dims=(by, position, *rest), coords=coords, name=var,
                        attrs={"long_name": f"{var} by {by}"})
