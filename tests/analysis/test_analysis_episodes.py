"""Episode tables and learning curves from hand-built reward sequences."""

import numpy as np
import pytest
import xarray as xr

from bioRTRRL import analysis
from bioRTRRL.analysis._synthetic import synthetic_recording

TABLE = ["episode_return", "episode_length", "episode_env", "episode_end_step", "episode_terminated"]

# One environment, 12 ticks: an episode of ticks 0-3 (terminated), one of ticks 4-8 (truncated),
# and an unfinished one from tick 9. The first tick of each episode has reward 0.
REWARD = [0, 1, 2, 3, 0, 1, 1, 1, 1, 0, 5, 5]
T_IN_EPISODE = [0, 1, 2, 3, 0, 1, 2, 3, 4, 0, 1, 2]
TERMINATED = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
TRUNCATED = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
EPISODE = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]


def per_tick(reward, t_in_episode, terminated, truncated, episode, step=None):
    """A recording holding only the per-tick bookkeeping (columns = environments if 2-D)."""
    reward = np.asarray(reward, dtype=float)
    dims = ("step", "env") if reward.ndim == 2 else ("step",)
    step = np.arange(reward.shape[0], dtype=np.int64) if step is None else np.asarray(step)
    return xr.Dataset(
        {"reward": (dims, reward)},
        coords={
            "step": step,
            "t_in_episode": (dims, np.asarray(t_in_episode, dtype=np.int64)),
            "terminated": (dims, np.asarray(terminated, dtype=bool)),
            "truncated": (dims, np.asarray(truncated, dtype=bool)),
            "episode": (dims, np.asarray(episode, dtype=np.int64)),
        },
    )


def with_table(ds, env, end_step, returns, lengths, terminated):
    return ds.assign(
        episode_return=("completed_episode", np.asarray(returns, dtype=float)),
        episode_length=("completed_episode", np.asarray(lengths, dtype=np.int64)),
    ).assign_coords(
        episode_env=("completed_episode", np.asarray(env, dtype=np.int64)),
        episode_end_step=("completed_episode", np.asarray(end_step, dtype=np.int64)),
        episode_terminated=("completed_episode", np.asarray(terminated, dtype=bool)),
    )


def single():
    return per_tick(REWARD, T_IN_EPISODE, TERMINATED, TRUNCATED, EPISODE)


def check(table, returns, lengths, env, start, end, terminated, env_episode):
    np.testing.assert_array_equal(table.episode_return, returns)
    np.testing.assert_array_equal(table.episode_length, lengths)
    np.testing.assert_array_equal(table.env, env)
    np.testing.assert_array_equal(table.start_step, start)
    np.testing.assert_array_equal(table.end_step, end)
    np.testing.assert_array_equal(table.terminated, terminated)
    np.testing.assert_array_equal(table.env_episode, env_episode)


def test_episodes_derived_from_ticks():
    check(analysis.episodes(single()), returns=[6, 4], lengths=[3, 4], env=[0, 0], start=[0, 4],
          end=[3, 8], terminated=[True, False], env_episode=[0, 1])


def test_episodes_from_the_table():
    ds = with_table(single(), env=[0, 0], end_step=[3, 8], returns=[6, 4], lengths=[3, 4], terminated=[True, False])
    table = analysis.episodes(ds)
    check(table, returns=[6, 4], lengths=[3, 4], env=[0, 0], start=[0, 4], end=[3, 8],
          terminated=[True, False], env_episode=[0, 1])
    xr.testing.assert_identical(table, analysis.episodes(single()))


def test_episodes_with_two_environments_in_order_of_completion():
    # env 1: an episode of ticks 0-2 (terminated), then one of ticks 3-11 (unfinished).
    reward = np.stack([REWARD, [0, 2, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1]], axis=1)
    t_in_episode = np.stack([T_IN_EPISODE, [0, 1, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8]], axis=1)
    terminated = np.stack([TERMINATED, [0, 0, 1] + [0] * 9], axis=1)
    truncated = np.stack([TRUNCATED, [0] * 12], axis=1)
    episode = np.stack([EPISODE, [0, 0, 0] + [1] * 9], axis=1)
    ds = per_tick(reward, t_in_episode, terminated, truncated, episode)
    expected = dict(returns=[4, 6, 4], lengths=[2, 3, 4], env=[1, 0, 0], start=[0, 0, 4], end=[2, 3, 8],
                    terminated=[True, True, False], env_episode=[0, 0, 1])
    check(analysis.episodes(ds), **expected)
    table = with_table(ds, env=[1, 0, 0], end_step=[2, 3, 8], returns=[4, 6, 4], lengths=[2, 3, 4],
                       terminated=[True, True, False])
    check(analysis.episodes(table), **expected)


def test_episode_cut_by_the_start_of_the_recording_is_left_out():
    check(analysis.episodes(single().isel(step=slice(2, None))), returns=[4], lengths=[4], env=[0],
          start=[4], end=[8], terminated=[False], env_episode=[1])


def test_deriving_from_a_strided_recording_is_refused():
    with pytest.raises(ValueError, match="stride"):
        analysis.episodes(single().isel(step=slice(None, None, 2)))


@pytest.mark.parametrize("kw", [{}, {"num_envs": 3}, {"num_envs": 2, "trial_ticks": (3, 7)}])
def test_table_and_derivation_agree_on_synthetic_runs(kw):
    ds = synthetic_recording(**kw)
    xr.testing.assert_identical(analysis.episodes(ds), analysis.episodes(ds.drop_vars(TABLE)))


def test_learning_curve_is_a_trailing_mean():
    ds = with_table(single(), env=[0, 0, 0], end_step=[3, 8, 20], returns=[6, 4, 2], lengths=[3, 4, 11],
                    terminated=[True, False, True])
    curve = analysis.learning_curve(ds, window=2)
    np.testing.assert_allclose(curve, [6, 5, 3])
    np.testing.assert_array_equal(curve.end_step, [3, 8, 20])
    with pytest.raises(ValueError, match="window"):
        analysis.learning_curve(ds, window=0)


def test_evaluation_curve():
    ds = synthetic_recording(n_evals=3)
    np.testing.assert_array_equal(analysis.evaluation_curve(ds), ds.eval_return)
    with pytest.raises(ValueError, match="eval_return"):
        analysis.evaluation_curve(synthetic_recording(n_evals=0))
