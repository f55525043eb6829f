"""One run's recording as time series and time intervals in seconds — what every export shares.

The exports to NWB (:mod:`.nwb`) and pynapple (:mod:`.pynapple`) differ only in the containers they
fill; what is a time series, when each sample was taken, where episodes and trials begin and end
and when task events happened is decided here, once.

Times are ``tick × env_dt`` seconds (the recording's ``time`` coordinate): a tick's sample, a
weight snapshot or an evaluation is placed at the tick it was taken on. An episode or a trial is
the closed interval from its first to its last tick, so restricting a series to it keeps exactly
its ticks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from ..analysis import episodes
from ..recording.recorder import metadata

__all__ = ["Series", "single_run", "time_series", "episode_intervals", "trial_intervals",
           "event_times"]

#: What the activity of each population's units is (the ``rate`` variable, split by population).
POPULATION_ACTIVITY = {
    "input": "Meta-RL input x = [observation, previous action, reward]",
    "cortex": "cortical rate h of the recurrent tanh units",
    "striatum_dorsal": "actor outputs (logits; [m, s] of a Gaussian actor)",
    "striatum_ventral": "value v predicted by the critic",
    "vta": "dopamine, the TD error δ",
}

#: Dimensions of the recording schema (docs/recording_schema.md); any other marks a stack of runs.
SCHEMA_DIMS = frozenset({
    "step", "neuron", "obs_dim", "action_dim", "env", "event", "projection", "snapshot",
    "completed_episode", "eval_step", "post_cortex", "pre_input", "pre_cortex",
    "post_striatum_dorsal", "pre_striatum_dorsal", "spike",
})

# Dimension a data variable is sampled along → (kind of series, coordinate holding the tick).
_CLOCKS = {"step": ("tick", "step"), "snapshot": ("snapshot", "snapshot_step"),
           "eval_step": ("evaluation", "eval_step")}


@dataclass(frozen=True)
class Series:
    """One variable of a run, sampled in time.

    Attributes
    ----------
    name : str
        The variable's name; for ``rate``, the population's (``cortex``, ``vta``, ...).
    kind : {"tick", "snapshot", "evaluation", "fixed"}
        Sampled every recorded tick, at each weight snapshot, at each evaluation, or fixed for the
        whole run (the feedback synapses: ``times`` is ``[0.0]``).
    times : ndarray (T,)
        Sample times in seconds.
    data : ndarray (T, ...)
        Values, time first; booleans stay boolean.
    units, long_name : str
        CF units (docs/recording_schema.md) and what the values are.
    columns : ndarray or None
        Labels along the second axis (unit index in the population, event or projection names,
        component numbers), or None for a 1-D or a more than 2-D series.
    """

    name: str
    kind: str
    times: np.ndarray
    data: np.ndarray
    units: str
    long_name: str
    columns: np.ndarray | None


def single_run(ds: xr.Dataset, purpose: str) -> tuple[float, int | None]:
    """Check that ``ds`` is one run of one environment; return its ``env_dt`` (s) and its env.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording, or one environment of a batched recording (``ds.isel(env=k)``).
    purpose : str
        Named in the error messages (e.g. ``"to_nwb"``).

    Returns
    -------
    env_dt : float
        Seconds per tick.
    env : int or None
        The environment selected from a batch (its completed episodes are the ones kept), or
        None for a single-environment run.

    Raises
    ------
    ValueError
        If ``ds`` is not a bioRTRRL recording, stacks several runs, or still holds a batch.
    """
    if not isinstance(ds, xr.Dataset) or "env_dt" not in ds.attrs:
        raise ValueError(f"{purpose}: ds must be a recording of bioRTRRL.run (an xarray.Dataset "
                         f"with attrs['env_dt']), got {type(ds).__name__}")
    extra = sorted(set(ds.dims) - SCHEMA_DIMS)
    if extra:
        raise ValueError(f"{purpose}: ds stacks several runs along {extra}; select one, "
                         f"e.g. ds.isel({extra[0]}=0)")
    if "env" in ds.dims:
        raise ValueError(f"{purpose}: ds is a batch of {ds.sizes['env']} environments; export one "
                         "at a time, e.g. ds.isel(env=0)")
    env = int(ds["env"]) if "env" in ds.coords else None
    return float(ds.attrs["env_dt"]), env


def _metadata_table(ds: xr.Dataset) -> dict[str, dict[str, str]]:
    """The recorder's CF attributes for this run, for recordings saved before they were recorded."""
    import tomllib

    try:
        circuit = tomllib.loads(ds.attrs.get("model", "")).get("circuit", {})
    except tomllib.TOMLDecodeError:
        circuit = {}
    return metadata(circuit.get("env_dt_ms", 1000 * ds.attrs["env_dt"]) / circuit.get("dt", 1.0))


def _labels(ds: xr.Dataset, dim: str) -> np.ndarray:
    return ds[dim].values if dim in ds.coords else np.arange(ds.sizes[dim])


def spike_trains(ds: xr.Dataset) -> dict[int, np.ndarray]:
    """Spike times (s) of each cortical unit of a LIF cortex's recording (empty without spikes);
    every unit is listed, silent ones with no times."""
    if "spike_time" not in ds:
        return {}
    t, u = ds.spike_time.values, ds.spike_unit.values
    return {k: t[u == k] for k in range(int(ds.attrs["spiking_units"]))}


def time_series(ds: xr.Dataset) -> list[Series]:
    """Every data variable of a single-run recording as a :class:`Series`.

    ``rate`` becomes one series per recorded population (columns: the unit's ``index``); the
    per-episode variables are not series (see :func:`episode_intervals`).

    Parameters
    ----------
    ds : xarray.Dataset
        One run of one environment (see :func:`single_run`).

    Returns
    -------
    list of Series
        In the order of ``ds.data_vars``.

    Raises
    ------
    ValueError
        If a data variable is sampled along none of the recording's clocks, or has no units.
    """
    env_dt, _ = single_run(ds, "time_series")
    table = _metadata_table(ds)
    out = []
    for name, var in ds.data_vars.items():
        if "completed_episode" in var.dims or "spike" in var.dims:  # spikes: see spike_trains
            continue
        meta = {**table.get(name, {}), **var.attrs}
        if not {"units", "long_name"} <= set(meta):
            raise ValueError(f"cannot export {name!r}: give it the attributes 'units' and "
                             f"'long_name' (ds[{name!r}].attrs)")
        first = var.dims[0] if var.dims else None
        if first in _CLOCKS:
            kind, tick = _CLOCKS[first]
            times = ds[tick].values * env_dt
        elif not set(var.dims) & set(_CLOCKS) and var.dims:
            kind, times = "fixed", np.zeros(1)
            var = var.expand_dims("fixed")
        else:
            raise ValueError(f"cannot export {name!r} with dimensions {var.dims}: a recording's "
                             f"variables are sampled along {sorted(_CLOCKS)} first")
        if name == "rate":
            population = ds["population"].values
            for p in dict.fromkeys(population):
                units = var.isel(neuron=population == p)
                # populations a model file adds ([[circuit.population]]) are cortical
                activity = POPULATION_ACTIVITY.get(str(p), POPULATION_ACTIVITY["cortex"])
                out.append(Series(str(p), kind, times, units.values, meta["units"],
                                  f"{activity} ({p} population)", ds["index"].values[population == p]))
            continue
        columns = _labels(ds, var.dims[1]) if var.ndim == 2 else None
        out.append(Series(name, kind, times, var.values, meta["units"], meta["long_name"], columns))
    return out


def episode_intervals(ds: xr.Dataset) -> pd.DataFrame:
    """The completed episodes of a run as time intervals.

    Parameters
    ----------
    ds : xarray.Dataset
        One run of one environment (see :func:`single_run`).

    Returns
    -------
    pandas.DataFrame
        One row per completed episode of this environment, in order: ``start_time`` and
        ``stop_time`` (s, the episode's first and last tick), ``episode`` (its number in the
        environment, the per-tick ``episode`` coordinate), ``episode_return`` (sum of rewards),
        ``episode_length`` (transitions) and ``terminated`` (False: cut by a time limit).
        Exact at any ``recording.stride`` (from the recording's episode table); empty when no
        episode was completed.
    """
    env_dt, env = single_run(ds, "episode_intervals")
    if "episode_return" in ds:  # the recorder writes the table as soon as one episode ends
        table = episodes(ds)
        if env is not None:
            table = table.isel(episode=table["env"].values == env)
        start, end = table["start_step"].values, table["end_step"].values
        columns = [table[c].values for c in ("env_episode", "episode_return", "episode_length",
                                             "terminated")]
    else:
        start = end = np.zeros(0, np.int64)
        columns = [np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, bool)]
    return pd.DataFrame(dict(zip(
        ["start_time", "stop_time", "episode", "episode_return", "episode_length", "terminated"],
        [start * env_dt, end * env_dt, *columns])))


def trial_intervals(ds: xr.Dataset) -> pd.DataFrame | None:
    """The trials of a trial-structured task as time intervals, with their outcomes.

    A trial is a run of recorded ticks with the same ``episode`` and ``trial``. The last one is
    left out unless its episode ended on the recording's last tick (the run may have stopped
    inside it, before its outcome).

    Parameters
    ----------
    ds : xarray.Dataset
        One run of one environment (see :func:`single_run`).

    Returns
    -------
    pandas.DataFrame or None
        None for a task without trials. Otherwise one row per trial: ``start_time``,
        ``stop_time`` (s, its first and last tick), ``episode``, ``trial`` (the task's number),
        ``reward`` (sum of the rewards received in it) and, for each task event, ``<event>_time``
        (s, its first occurrence in the trial; NaN if it did not happen). With
        ``recording.stride`` > 1 these come from the recorded ticks only.
    """
    env_dt, _ = single_run(ds, "trial_intervals")
    if "trial" not in ds.coords:
        return None
    episode, trial = ds["episode"].values, ds["trial"].values
    new = np.ones(episode.size, dtype=bool)
    new[1:] = (episode[1:] != episode[:-1]) | (trial[1:] != trial[:-1])
    starts = np.flatnonzero(new)
    row_of_tick = np.cumsum(new) - 1
    times = ds["step"].values * env_dt
    table = {"start_time": times[starts],
             "stop_time": times[np.append(starts[1:], episode.size) - 1],
             "episode": episode[starts], "trial": trial[starts]}
    if "reward" in ds and starts.size:
        table["reward"] = np.add.reduceat(ds["reward"].values, starts)
    if "events" in ds:
        for k, name in enumerate(ds["event"].values):
            ticks = np.flatnonzero(ds["events"].values[:, k])
            first = np.full(starts.size, np.inf)
            np.minimum.at(first, row_of_tick[ticks], times[ticks])
            table[f"{name}_time"] = np.where(np.isinf(first), np.nan, first)
    table = pd.DataFrame(table)
    ended = bool(ds["terminated"].values[-1] or ds["truncated"].values[-1]) if starts.size else True
    return table if ended else table.iloc[:-1]


def event_times(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Times (s) of every occurrence of each task event, by event name (empty without events)."""
    env_dt, _ = single_run(ds, "event_times")
    if "events" not in ds:
        return {}
    times = ds["step"].values * env_dt
    return {str(name): times[ds["events"].values[:, k]] for k, name in enumerate(ds["event"].values)}
