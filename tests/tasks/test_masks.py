"""Observation masks: named masks, index lists, bad masks, vector version."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import bioRTRRL.tasks  # noqa: F401  (registers the environments)
from bioRTRRL.tasks import ObservationMask, ObservationMaskVector, mask_indices


@pytest.mark.parametrize(
    "env_id, mask, expected",
    [
        ("CartPole-v1", "positions", [0, 2]),
        ("CartPole-v1", "velocities", [1, 3]),
        ("Acrobot-v1", "positions", [0, 1, 2, 3]),
        ("Acrobot-v1", "velocities", [4, 5]),
        ("Pendulum-v1", "velocities", [2]),
        ("MountainCarContinuous-v0", "positions", [0]),
        ("CartPole-v1", [3, 0], [3, 0]),
        ("CartPole-v1", np.array([1]), [1]),
        ("bioRTRRL/MemoryChain-v0", [0, 2], [0, 2]),
    ],
)
def test_mask_indices(env_id, mask, expected):
    assert mask_indices(env_id, mask) == expected


def test_mask_indices_on_instances_and_spaces():
    env = gym.make("CartPole-v1")
    assert mask_indices(env, "positions") == [0, 2]
    assert mask_indices(env.unwrapped, "velocities") == [1, 3]
    assert mask_indices(env.observation_space, [0, 1]) == [0, 1]
    venv = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point")
    assert mask_indices(venv, "positions") == [0, 2]


@pytest.mark.parametrize(
    "target, mask, message",
    [
        ("CartPole-v1", [0, 4], r"\[0, 4\].*out of range"),
        ("CartPole-v1", [-1], "out of range"),
        ("CartPole-v1", [], "selects no observation"),
        ("CartPole-v1", [1, 1], "repeats"),
        ("CartPole-v1", "angles", r"'angles'.*CartPole"),
        ("CartPole-v1", [0.5], "integer indices"),
        ("CartPole-v1", [True], "integer indices"),
        ("bioRTRRL/MemoryChain-v0", "positions", r"'positions'.*bioRTRRL/MemoryChain"),
    ],
)
def test_bad_masks_raise_naming_the_mask(target, mask, message):
    with pytest.raises(ValueError, match=message):
        mask_indices(target, mask)


def test_named_mask_on_bare_space_raises():
    space = gym.make("CartPole-v1").observation_space
    with pytest.raises(ValueError, match="'positions'"):
        mask_indices(space, "positions")


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped")
def test_observation_mask_wrapper():
    env = ObservationMask(gym.make("CartPole-v1"), "positions")
    check_env(env, skip_render_check=True)
    full = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=3)
    full_obs, _ = full.reset(seed=3)
    np.testing.assert_array_equal(obs, full_obs[[0, 2]])
    obs, *_ = env.step(1)
    full_obs, *_ = full.step(1)
    np.testing.assert_array_equal(obs, full_obs[[0, 2]])
    assert env.observation_space.shape == (2,)
    assert env.observation_space.contains(obs)


def test_observation_mask_vector():
    venv = gym.make_vec("CartPole-v1", num_envs=3, vectorization_mode="vector_entry_point")
    full = gym.make_vec("CartPole-v1", num_envs=3, vectorization_mode="vector_entry_point")
    masked = ObservationMaskVector(venv, "velocities")
    assert masked.single_observation_space.shape == (2,)
    assert masked.observation_space.shape == (3, 2)
    obs, _ = masked.reset(seed=0)
    full_obs, _ = full.reset(seed=0)
    np.testing.assert_array_equal(obs, full_obs[:, [1, 3]])
    actions = np.array([0, 1, 1])
    obs, *_ = masked.step(actions)
    full_obs, *_ = full.step(actions)
    np.testing.assert_array_equal(obs, full_obs[:, [1, 3]])
    assert masked.observation_space.contains(obs)


def test_observation_mask_vector_bad_mask():
    venv = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync")
    with pytest.raises(ValueError, match=r"\[7\]"):
        ObservationMaskVector(venv, [7])
