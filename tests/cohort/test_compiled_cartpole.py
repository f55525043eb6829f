"""The compiled CartPole is Gymnasium's CartPole-v1: same observations, rewards, ends, resets.

Independent reference: Gymnasium itself (``CartPoleEnv`` in a ``TimeLimit``, and the native
``CartPoleVectorEnv``) driven through :class:`bioRTRRL.environment.EnvDriver` with the same seed and
the same actions, compared bit for bit over 12,000 ticks. A balancing controller alternates with
random actions, so episodes end both by falling (termination) and at the 500-step limit
(truncation), and every reset draws from the environment's ``np_random`` stream.
"""

import numpy as np
import pytest

from bioRTRRL.config import TaskSpec
from bioRTRRL.environment import EnvDriver
from bioRTRRL.tasks.compiled import CompiledCartPole, compiled_driver

FIELDS = ("obs", "reward", "terminated", "truncated", "fresh", "episode", "t_in_episode",
          "episode_return")


@pytest.mark.parametrize("num_envs, mask", [(1, "none"), (5, "positions")])
def test_trajectories_equal_gymnasium(num_envs, mask):
    task = TaskSpec(env="CartPole-v1", num_envs=num_envs, observation_mask=mask)
    gym_drv, compiled = EnvDriver(task, 123), CompiledCartPole(task, 123)
    gym_drv.reset()
    compiled.reset()
    rng = np.random.default_rng(0)
    truncations = terminations = 0
    for t in range(12_000):
        for name in FIELDS:
            assert np.array_equal(getattr(gym_drv, name), getattr(compiled, name)), (t, name)
        state = compiled.world.state
        balancing = (t // 700) % 2 == 0  # push toward the side the pole leans to
        actions = ((state[:, 2] + 0.3 * state[:, 3]) > 0).astype(np.int64) if balancing \
            else rng.integers(0, 2, num_envs)
        gym_drv.step(actions)
        compiled.step(actions)
        truncations += int(gym_drv.truncated.sum())
        terminations += int(gym_drv.terminated.sum())
    assert gym_drv.completed == compiled.completed
    assert truncations >= 5 and terminations >= 100  # both kinds of episode end were exercised
    assert all(length == 500 for _, _, _, length, term in gym_drv.completed if not term)


def test_other_tasks_keep_gymnasium():
    assert compiled_driver(TaskSpec(env="bioRTRRL/Catch-v0"), 0) is None
    assert compiled_driver(TaskSpec(env="CartPole-v1", kwargs={"sutton_barto_reward": True}), 0) \
        is None
    assert compiled_driver(TaskSpec(env="CartPole-v1", microstimuli={"count": 2}), 0) is None
