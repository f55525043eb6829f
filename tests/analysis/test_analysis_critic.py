"""Discounted future reward and the critic's prediction of it."""

import numpy as np
import pytest
import xarray as xr

from bioRTRRL import analysis

GAMMA = 0.5


def recording(value=None):
    # An episode of ticks 0-3 (terminated) with rewards 1 then 2, then an unfinished one.
    reward = np.array([0, 1, 0, 2, 0, 3, 3.0])
    ended = np.array([0, 0, 0, 1, 0, 0, 0], dtype=bool)
    ds = xr.Dataset(
        {"reward": ("step", reward), "value": ("step", np.zeros(7) if value is None else value)},
        coords={"step": np.arange(7), "terminated": ("step", ended), "truncated": ("step", np.zeros(7, dtype=bool))},
        attrs={"model": f"[learning]\ngamma = {GAMMA}\n"},
    )
    return ds


def test_discounted_return_by_hand():
    g = analysis.discounted_return(recording(), GAMMA)
    np.testing.assert_allclose(g[:4], [1 + GAMMA**2 * 2, GAMMA * 2, 2, 0])
    assert np.isnan(g[4:]).all()


def test_a_perfect_critic_correlates_fully():
    target = analysis.discounted_return(recording(), GAMMA).values
    ds = recording(value=np.where(np.isfinite(target), 3 * target + 1, 0.0))
    result = analysis.value_prediction(ds)  # gamma from attrs["model"]
    assert result.r == pytest.approx(1.0)
    assert result.attrs["gamma"] == GAMMA


def test_gamma_must_be_known():
    ds = recording()
    ds.attrs = {}
    with pytest.raises(ValueError, match="gamma"):
        analysis.value_prediction(ds)


def test_each_environment_has_its_own_episodes():
    one = recording()
    shifted = one.assign(reward=one.reward * 2)
    batched = xr.concat([one, shifted], dim="env", data_vars="all", coords="minimal", compat="override")
    g = analysis.discounted_return(batched.transpose("env", "step"), GAMMA)
    assert g.dims == ("step", "env")
    np.testing.assert_allclose(g.isel(env=1)[:4], 2 * analysis.discounted_return(one, GAMMA)[:4])
