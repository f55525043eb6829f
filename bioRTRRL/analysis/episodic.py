"""Per-episode performance: the episodes table, the learning curve, the evaluation curve."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._steps import by_env, env_labels, require, require_every_tick

__all__ = ["episodes", "learning_curve", "evaluation_curve"]


def episodes(ds: xr.Dataset) -> xr.Dataset:
    """Table of the completed episodes of a run, in order of completion.

    Uses the ``completed_episode`` table of the recording when it has one (exact at any
    ``recording.stride``); otherwise derives the table from the per-tick ``reward``,
    ``t_in_episode``, ``terminated`` and ``truncated`` (which needs every tick recorded), keeping
    only the episodes whose first and last ticks are both in the recording.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording (docs/recording_schema.md).

    Returns
    -------
    xarray.Dataset
        Over dimension ``episode`` (0, 1, ... in order of completion; ties between environments
        ending on the same tick in environment order):

        - ``episode_return``: sum of the rewards of the episode's transitions;
        - ``episode_length``: number of transitions (ticks − 1, since the first tick of an episode
          follows no transition);

        with coordinates ``env`` (environment), ``env_episode`` (the episode's number within its
        environment, the per-tick ``episode`` coordinate), ``start_step`` and ``end_step`` (ticks
        of the episode's first and last tick) and ``terminated`` (False: cut by a time limit).

    Raises
    ------
    ValueError
        If the recording has no episode table and lacks the per-tick data to derive it.
    """
    if "episode_return" in ds:
        return _from_table(ds)
    return _from_ticks(ds)


def _table(env, end_step, episode_return, episode_length, terminated, env_episode) -> xr.Dataset:
    end_step = np.asarray(end_step, dtype=np.int64)
    episode_length = np.asarray(episode_length, dtype=np.int64)
    return xr.Dataset(
        {
            "episode_return": ("episode", np.asarray(episode_return, dtype=float)),
            "episode_length": ("episode", episode_length),
        },
        coords={
            "episode": np.arange(len(end_step), dtype=np.int64),
            "env": ("episode", np.asarray(env, dtype=np.int64)),
            "env_episode": ("episode", np.asarray(env_episode, dtype=np.int64)),
            "start_step": ("episode", end_step - episode_length),
            "end_step": ("episode", end_step),
            "terminated": ("episode", np.asarray(terminated, dtype=bool)),
        },
    )


def _from_table(ds: xr.Dataset) -> xr.Dataset:
    env = ds["episode_env"].values
    # The table holds every episode since the run began, so an episode's number within its
    # environment is the count of that environment's earlier completions.
    env_episode = np.zeros(env.size, dtype=np.int64)
    for e in np.unique(env):
        mine = env == e
        env_episode[mine] = np.arange(mine.sum())
    return _table(env, ds["episode_end_step"].values, ds["episode_return"].values,
                  ds["episode_length"].values, ds["episode_terminated"].values, env_episode)


def _from_ticks(ds: xr.Dataset) -> xr.Dataset:
    purpose = "deriving episodes from the per-tick data"
    require(ds, "reward", "t_in_episode", "terminated", "truncated", "episode", purpose=purpose)
    require_every_tick(ds, purpose)
    reward = by_env(ds["reward"])
    t_in_episode = by_env(ds["t_in_episode"])
    terminated = by_env(ds["terminated"])
    ended = terminated | by_env(ds["truncated"])
    episode = by_env(ds["episode"])
    step = ds["step"].values

    # Ending ticks in order of completion: np.nonzero walks (step, env) row by row.
    end_i, env_i = np.nonzero(ended)
    start_i = end_i - t_in_episode[end_i, env_i]
    complete = start_i >= 0  # the recording may begin inside an episode
    end_i, env_i, start_i = end_i[complete], env_i[complete], start_i[complete]

    summed = np.concatenate([np.zeros((1, reward.shape[1])), np.cumsum(reward, axis=0)])
    episode_return = summed[end_i + 1, env_i] - summed[start_i, env_i]
    return _table(env_labels(ds)[env_i], step[end_i], episode_return, t_in_episode[end_i, env_i],
                  terminated[end_i, env_i], episode[end_i, env_i])


def learning_curve(ds: xr.Dataset, window: int | None = None) -> xr.DataArray:
    """Episode return smoothed over the last ``window`` completed episodes.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording.
    window : int, optional
        Number of episodes in the trailing moving average; by default a tenth of the episodes,
        between 1 and 100.

    Returns
    -------
    xarray.DataArray
        ``smoothed_return`` over ``episode`` (as :func:`episodes`, whose coordinates it keeps:
        plot it against ``end_step`` for return as a function of training time). Entry i is the
        mean return of episodes max(0, i − window + 1) … i of all environments together.
    """
    table = episodes(ds)
    returns = table["episode_return"].values
    if window is None:
        window = int(np.clip(returns.size // 10, 1, 100))
    if window < 1:
        raise ValueError(f"window must be at least 1 episode, got {window}")
    summed = np.concatenate([[0.0], np.cumsum(returns)])
    i = np.arange(returns.size)
    first = np.maximum(0, i - window + 1)
    smoothed = (summed[i + 1] - summed[first]) / (i + 1 - first)
    return xr.DataArray(
        smoothed, dims="episode", coords=table.coords, name="smoothed_return",
        attrs={"window": window, "long_name": f"episode return, mean of the last {window} episodes"},
    )


def evaluation_curve(ds: xr.Dataset) -> xr.DataArray:
    """Return of the frozen policy at each evaluation of the run.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording of a run with ``run.eval_every > 0``.

    Returns
    -------
    xarray.DataArray
        ``eval_return`` over ``eval_step`` (the tick at which the evaluation ran): the mean
        return of the first episode of ``run.eval_episodes`` fresh environments, no learning.
    """
    require(ds, "eval_return", purpose="the evaluation curve (run.eval_every > 0)")
    return ds["eval_return"].assign_attrs(long_name="evaluation return (first episode, frozen policy)")
