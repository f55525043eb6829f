"""How well the critic (ventral striatum) predicts: value against the discounted future reward."""

from __future__ import annotations

import tomllib

import numba
import numpy as np
import xarray as xr

from ._steps import by_env, require, require_every_tick

__all__ = ["discounted_return", "value_prediction"]


def _model_gamma(ds: xr.Dataset) -> float:
    try:
        return float(tomllib.loads(ds.attrs["model"])["learning"]["gamma"])
    except (KeyError, tomllib.TOMLDecodeError):
        raise ValueError("the recording's attrs['model'] gives no learning.gamma: pass gamma") from None


@numba.njit(cache=True)
def _discount_backwards(reward_after, ended, gamma, out):
    # A recursion backwards in time (sequential, hence compiled): G_t = 0 on an episode's last
    # tick, else r_{t+1} + γ G_{t+1}; NaN propagates from beyond the recording's last tick.
    for e in range(reward_after.shape[1]):
        following = np.nan
        for t in range(reward_after.shape[0] - 1, -1, -1):
            following = 0.0 if ended[t, e] else reward_after[t, e] + gamma * following
            out[t, e] = following


def discounted_return(ds: xr.Dataset, gamma: float) -> xr.DataArray:
    """Discounted sum of the rewards still to come in the episode, at every tick.

    G_t = r_{t+1} + γ r_{t+2} + γ² r_{t+3} + … up to the episode's last tick, where r_t is the
    reward recorded on tick t (of the transition into it); G is 0 on an episode's last tick.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with every tick recorded (stride 1).
    gamma : float
        Discount factor.

    Returns
    -------
    xarray.DataArray
        ``discounted_return`` over ``step`` (and ``env``); NaN on the ticks of each environment's
        last, unfinished episode, whose future rewards the recording does not hold. Rewards after
        a truncation are unknown too, so near a time limit G underestimates what a bootstrapping
        critic predicts.
    """
    purpose = "the discounted return"
    require(ds, "reward", "terminated", "truncated", purpose=purpose)
    require_every_tick(ds, purpose)
    reward = by_env(ds["reward"]).astype(np.float64)
    # Episode ends shared by every environment (no env dim) apply to each of them.
    ended = np.broadcast_to(by_env(ds["terminated"]) | by_env(ds["truncated"]), reward.shape)
    # The reward of the transition out of each tick; unknown after the recording's last tick.
    reward_after = np.concatenate([reward[1:], np.full((1, reward.shape[1]), np.nan)])
    g = np.empty(reward.shape)
    _discount_backwards(reward_after, ended, float(gamma), g)
    batched = "env" in ds["reward"].dims
    dims = ("step", "env") if batched else ("step",)
    out = g if batched else g[:, 0]
    return xr.DataArray(out, dims=dims, coords=ds["reward"].coords, name="discounted_return",
                        attrs={"gamma": gamma, "long_name": "discounted future reward in the episode"})


def value_prediction(ds: xr.Dataset, gamma: float | None = None) -> xr.Dataset:
    """Correlation of the critic's value with the discounted reward actually received afterwards.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with ``value`` and ``reward`` at every tick (stride 1).
    gamma : float, optional
        Discount factor; by default the run's ``learning.gamma`` (from ``attrs["model"]``).

    Returns
    -------
    xarray.Dataset
        - ``r``: Pearson correlation between ``value`` and ``discounted_return`` over every tick
          where the latter is defined (all environments pooled); 1 would be a perfect critic up to
          scale and offset;
        - ``value`` (step, [env]): the critic's value v(h_t);
        - ``discounted_return`` (step, [env]): see :func:`discounted_return`.
    """
    require(ds, "value", purpose="value_prediction")
    gamma = _model_gamma(ds) if gamma is None else float(gamma)
    target = discounted_return(ds, gamma)
    value = ds["value"].transpose(*target.dims)
    known = np.isfinite(target.values)
    if known.sum() < 2:
        raise ValueError("value_prediction needs at least two ticks of completed episodes")
    r = np.corrcoef(value.values[known], target.values[known])[0, 1]
    return xr.Dataset({"r": ((), r), "value": value, "discounted_return": target}, attrs={"gamma": gamma})
