"""Trial × time matrices: shape, alignment and NaN padding of ragged trials."""

import numpy as np
import pytest
import xarray as xr

from bioRTRRL import analysis


def trial_recording(trial, t_in_trial, episode):
    n = len(trial)
    return xr.Dataset(
        {"dopamine": ("step", np.arange(n, dtype=float))},
        coords={"step": np.arange(n), "trial": ("step", trial), "t_in_trial": ("step", t_in_trial),
                "episode": ("step", episode), "t_in_episode": ("step", np.arange(n) - np.searchsorted(episode, episode))},
    )


# Trials of 3, 5 and 2 ticks; the third starts a new episode.
T_IN_TRIAL = [0, 1, 2, 0, 1, 2, 3, 4, 0, 1]
EPISODE = [0] * 8 + [1] * 2
EXPECTED = np.array([
    [0, 1, 2, np.nan, np.nan],
    [3, 4, 5, 6, 7],
    [8, 9, np.nan, np.nan, np.nan],
])


@pytest.mark.parametrize("trial", [
    [0, 0, 0, 1, 1, 1, 1, 1, 2, 2],  # numbered on across episodes
    [0, 0, 0, 1, 1, 1, 1, 1, 0, 0],  # restarting in each episode
])
def test_ragged_trials_are_padded_with_nan(trial):
    m = analysis.trial_matrix(trial_recording(trial, T_IN_TRIAL, EPISODE), "dopamine")
    assert m.dims == ("trial", "t_in_trial") and m.shape == (3, 5)
    np.testing.assert_array_equal(m.values, EXPECTED)
    np.testing.assert_array_equal(m.trial, [0, 1, 2])
    np.testing.assert_array_equal(m.episode, [0, 0, 1])
    np.testing.assert_array_equal(m.start_step, [0, 3, 8])
    np.testing.assert_array_equal(m.task_trial, [trial[0], trial[3], trial[8]])


def test_by_episode():
    m = analysis.trial_matrix(trial_recording([0] * 10, T_IN_TRIAL, EPISODE), "dopamine", by="episode")
    assert m.dims == ("episode", "t_in_episode") and m.shape == (2, 8)
    np.testing.assert_array_equal(m[1], [8, 9] + [np.nan] * 6)


def test_environments_are_stacked_and_extra_dims_kept():
    n = 6
    ds = xr.Dataset(
        {"rate": (("step", "env", "neuron"), np.arange(n * 2 * 3, dtype=float).reshape(n, 2, 3))},
        coords={"step": np.arange(n),
                "trial": (("step", "env"), [[0, 0], [0, 0], [1, 0], [1, 1], [1, 1], [2, 1]]),
                "t_in_trial": (("step", "env"), [[0, 0], [1, 1], [0, 2], [1, 0], [2, 1], [0, 2]]),
                "episode": (("step", "env"), np.zeros((n, 2), dtype=int))},
    )
    m = analysis.trial_matrix(ds, "rate")
    assert m.dims == ("trial", "t_in_trial", "neuron") and m.shape == (5, 3, 3)
    np.testing.assert_array_equal(m.env, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(m[3, :, 0], ds.rate[:3, 1, 0])


def test_needs_trial_coordinates():
    ds = trial_recording([0] * 10, T_IN_TRIAL, EPISODE).drop_vars(["trial", "t_in_trial"])
    with pytest.raises(ValueError, match="t_in_trial"):
        analysis.trial_matrix(ds, "dopamine")
