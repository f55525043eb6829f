"""Event-aligned activity: a variable in a window of ticks around each occurrence of an event."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._steps import by_env, env_labels, require, stride

__all__ = ["BUILTIN_EVENTS", "event_ticks", "peri_event"]

#: Events every recording has, besides the task's own (the ``event`` coordinate of ``events``).
BUILTIN_EVENTS = ("episode_start", "episode_end", "reward")


def event_ticks(ds: xr.Dataset, event: str) -> np.ndarray:
    """Where an event happens, as a boolean array ``(step, env)``.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording.
    event : str
        A task event (an entry of the ``event`` coordinate), or one of :data:`BUILTIN_EVENTS`:
        ``episode_start`` (first tick of an episode), ``episode_end`` (its last tick, terminated
        or truncated), ``reward`` (a nonzero reward, when the task has no ``reward`` event).

    Returns
    -------
    numpy.ndarray of bool, shape (step, env)
        True on the recorded ticks on which the event happens (``env`` has length 1 for a
        single-environment run).
    """
    if "events" in ds and event in ds["event"].values:
        return by_env(ds["events"].sel(event=event)).astype(bool)
    if event == "episode_start":
        require(ds, "t_in_episode", purpose="the episode_start event")
        return by_env(ds["t_in_episode"]) == 0
    if event == "episode_end":
        require(ds, "terminated", "truncated", purpose="the episode_end event")
        return by_env(ds["terminated"]) | by_env(ds["truncated"])
    if event == "reward":
        require(ds, "reward", purpose="the reward event")
        return by_env(ds["reward"]) != 0
    task_events = list(ds["event"].values) if "event" in ds.coords else []
    raise ValueError(f"unknown event {event!r}; this recording has {task_events + list(BUILTIN_EVENTS)}")


def peri_event(
    ds: xr.Dataset, var: str, event: str = "reward", window: tuple[int, int] = (-10, 10)
) -> xr.DataArray:
    """A variable around every occurrence of an event (peri-event time histogram before averaging).

    Parameters
    ----------
    ds : xarray.Dataset
        A recording.
    var : str
        A per-tick variable (``dopamine``, ``value``, ``rate``, ...). Extra dimensions (e.g.
        ``neuron``) are kept.
    event : str
        See :func:`event_ticks`. Each recorded tick on which the event happens is one occurrence.
    window : (int, int)
        First and last lag, in ticks, both included. With ``recording.stride`` k only lags that
        are multiples of k exist (and events between recorded ticks are not seen).

    Returns
    -------
    xarray.DataArray
        Dims ``(occurrence, lag, ...)``: the value of ``var`` ``lag`` ticks after the occurrence,
        NaN where the window reaches beyond the recording. The window may cross episode
        boundaries. Coordinates on ``occurrence``: ``event_step`` (tick of the occurrence),
        ``env``, ``episode`` and, for trial tasks, ``trial``. Average over ``occurrence`` (NaN
        ignored) for the event-triggered average.
    """
    require(ds, var, purpose=f"peri_event of {var!r}")
    lo, hi = window
    if lo > hi:
        raise ValueError(f"window must be (first lag, last lag) with first <= last, got {window}")
    k = stride(ds)
    offsets = np.arange(-((-lo) // k), hi // k + 1)  # recorded samples within [lo, hi] ticks
    happens = event_ticks(ds, event)
    occ_step, occ_env = np.nonzero(happens)  # in order of time, then environment

    values = by_env(ds[var]).astype(float)
    n_steps = values.shape[0]
    rows = occ_step[:, None] + offsets[None, :]
    inside = (rows >= 0) & (rows < n_steps)
    out = np.full(rows.shape + values.shape[2:], np.nan)
    envs = np.broadcast_to(occ_env[:, None], rows.shape)
    out[inside] = values[rows[inside], envs[inside]]

    rest = [d for d in ds[var].dims if d not in ("step", "env")]
    coords = {
        "lag": ("lag", offsets * k, {"units": "ticks"}),
        "event_step": ("occurrence", ds["step"].values[occ_step]),
        "env": ("occurrence", env_labels(ds)[occ_env]),
    }
    for name in ("episode", "trial"):
        if name in ds.coords:
            coords[name] = ("occurrence", by_env(ds[name])[occ_step, occ_env])
    coords.update({name: c.variable for name, c in ds[var].coords.items() if set(c.dims) <= set(rest)})
    return xr.DataArray(
        out, dims=("occurrence", "lag", *rest), coords=coords, name=var,
        attrs={"event": event, "long_name": f"{var} around {event}"},
    )
