"""The grid world of Potjans, Diesmann & Morrison (2011): Gymnasium's checker, and its dynamics
against a plain-Python walk written here (moves, walls, goal, the three reward schemes)."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import bioRTRRL.tasks  # noqa: F401  (registers the tasks)
from bioRTRRL.tasks.grid_world import REWARD_SCHEMES

MOVES = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}  # north, east, south, west


@pytest.mark.parametrize("kwargs", [{}, {"size": 2}, {"size": 4, "step_reward": -1.0,
                                                      "goal_reward": 0.0, "wall_reward": -0.5}])
def test_check_env(kwargs):
    check_env(gym.make("bioRTRRL/GridWorld-v0", **kwargs).unwrapped, skip_render_check=True)


@pytest.mark.parametrize("scheme", list(REWARD_SCHEMES))
def test_walk_matches_plain_python(scheme):
    goal, step, wall = REWARD_SCHEMES[scheme]
    n = 4
    env = gym.make("bioRTRRL/GridWorld-v0", size=n, goal_reward=goal, step_reward=step,
                   wall_reward=wall)
    rng = np.random.default_rng(1)
    walls = goals = 0
    obs, _ = env.reset(seed=3)
    for _ in range(400):
        r, c = divmod(int(np.argmax(obs)), n)
        assert obs.sum() == 1 and (r, c) != (n - 1, n - 1)  # never starts or stays at the goal
        a = int(rng.integers(4))
        dr, dc = MOVES[a]
        bump = not (0 <= r + dr < n and 0 <= c + dc < n)
        r2, c2 = (r, c) if bump else (r + dr, c + dc)
        done = (r2, c2) == (n - 1, n - 1)
        expected = (goal if done else step) + (wall if bump else 0.0)
        obs, reward, terminated, truncated, _ = env.step(a)
        assert reward == expected and terminated == done and not truncated
        walls += bump
        goals += done
        if done:
            obs, _ = env.reset()
        else:
            assert int(np.argmax(obs)) == r2 * n + c2
    assert walls > 20 and goals > 5  # the walk visited both cases


def test_start_cells_uniform_except_goal():
    env = gym.make("bioRTRRL/GridWorld-v0", size=3)
    starts = [int(np.argmax(env.reset(seed=s)[0])) for s in range(800)]
    counts = np.bincount(starts, minlength=9)
    assert counts[8] == 0
    assert counts[:8].min() > 60  # 100 expected per cell


def test_bad_argument_is_named():
    with pytest.raises(ValueError, match="size"):
        gym.make("bioRTRRL/GridWorld-v0", size=1)
