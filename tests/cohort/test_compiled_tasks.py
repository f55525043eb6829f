"""The compiled tasks are Gymnasium's: same observations, rewards, ends, resets, trial events.

Independent reference: the Gymnasium environments themselves (``CartPoleEnv`` in a ``TimeLimit`` and
the native ``CartPoleVectorEnv``; the toolkit's ``TaskEnv`` in a ``TimeLimit`` and its native
``TaskVectorEnv``) driven through :class:`bioRTRRL.environment.EnvDriver` with the same seed and the
same actions, compared bit for bit over 12,000 ticks, with episodes ending by termination and by
truncation. For the toolkit's tasks both sides run the task's same compiled functions (so that they
cannot drift apart); what is compared is everything around them — seeding, Gymnasium's reset and
autoreset protocols, the time limit, the trial clock and events, the episode log. That the
functions replay the tasks' earlier NumPy formulation is tests/tasks/test_task_programs.py.
"""

import numpy as np
import pytest

from bioRTRRL.config import TaskSpec
from bioRTRRL.environment import EnvDriver
from bioRTRRL.tasks.compiled import COMPILED_TASKS, CompiledTask, compiled_driver

FIELDS = ("obs", "reward", "terminated", "truncated", "fresh", "episode", "t_in_episode",
          "episode_return", "trial", "t_in_trial", "events")

#: Keyword arguments that make each task's episodes short and its events varied.
KWARGS = {
    "TraceConditioning": dict(n_trials=6, delay=2, cue_jitter=2, iti=(1, 6),
                              omission_probability=0.3, reward_probability=0.8, lick=True,
                              lick_cost=0.1),
    "MemoryChain": dict(memory_length=3, num_bits=2),
    "Catch": dict(rows=4, columns=3),
    "ReversalBandit": dict(trials_per_episode=30, probability_draw="independent", block_length=7,
                           hazard_rate=0.1),
    "DeepSea": dict(size=4, deterministic=False),
    "ProbabilisticSelection": dict(trials_per_episode=4),
    "UmbrellaChain": dict(chain_length=4, n_distractor=1),
    "DiscountingChain": {},
    "DelayedMatch": dict(delay=1, n_stimuli=3, trials_per_episode=2),
    "GridWorld": dict(size=3, step_reward=-1.0, wall_reward=-0.5),
}
TASKS = [f"bioRTRRL/{name}-v0" for name in KWARGS]


def cartpole_actions(driver, t, rng):
    """A balancing controller alternates with random actions, so that episodes end both by
    falling and at the 500-step limit."""
    state = driver.world.state
    if (t // 700) % 2 == 0:  # push toward the side the pole leans to
        return ((state[:, 2] + 0.3 * state[:, 3]) > 0).astype(np.int64)
    return rng.integers(0, 2, driver.num_envs)


def assert_same_trajectories(task, actions, steps=12_000):
    gym_drv, compiled = EnvDriver(task, 123), compiled_driver(task, 123)
    gym_drv.reset()
    compiled.reset()
    rng = np.random.default_rng(0)
    for t in range(steps):
        for name in FIELDS:
            assert np.array_equal(getattr(gym_drv, name), getattr(compiled, name)), (t, name)
        a = actions(compiled, t, rng)
        gym_drv.step(a)
        compiled.step(a)
    assert gym_drv.trial_events == compiled.trial_events
    assert gym_drv.completed == compiled.completed
    return gym_drv.completed


@pytest.mark.parametrize("num_envs, mask", [(1, "none"), (5, "positions")])
def test_cartpole_equals_gymnasium(num_envs, mask):
    task = TaskSpec(env="CartPole-v1", num_envs=num_envs, observation_mask=mask)
    completed = assert_same_trajectories(task, cartpole_actions)
    truncations = sum(not term for *_, term in completed)
    assert truncations >= 5 and len(completed) - truncations >= 100
    assert all(length == 500 for _, _, _, length, term in completed if not term)


@pytest.mark.parametrize("env, num_envs", [
    pytest.param(env, n, id=f"{env[9:-3]}-{n}", marks=[pytest.mark.slow] * (
        n > 1 and env[9:-3] not in ("TraceConditioning", "MemoryChain")))
    for env in TASKS for n in (1, 3)])
def test_task_equals_gymnasium(env, num_envs):
    kwargs = KWARGS[env[9:-3]]
    task = TaskSpec(env=env, num_envs=num_envs, kwargs=kwargs, max_episode_steps=17)
    assert isinstance(compiled_driver(task, 0), CompiledTask)

    def random(driver, t, rng):
        return rng.integers(0, driver.A, driver.num_envs)

    completed = assert_same_trajectories(task, random, steps=10_000)
    assert len(completed) >= 100
    if env[9:-3] in ("TraceConditioning", "ReversalBandit", "DiscountingChain"):  # long episodes
        assert all(not term and length == 17 for *_, length, term in completed)


def test_every_toolkit_task_is_compiled():
    from bioRTRRL.tasks import TASK_IDS

    assert sorted(COMPILED_TASKS) == sorted(TASK_IDS) == sorted(TASKS)


def test_other_tasks_keep_gymnasium():
    assert compiled_driver(TaskSpec(env="Acrobot-v1"), 0) is None
    assert compiled_driver(TaskSpec(env="CartPole-v1", kwargs={"sutton_barto_reward": True}), 0) \
        is None
    assert compiled_driver(TaskSpec(env="CartPole-v1", microstimuli={"count": 2}), 0) is None
    assert compiled_driver(TaskSpec(env="bioRTRRL/TraceConditioning-v0",
                                    microstimuli={"count": 2}), 0) is None
    assert compiled_driver(TaskSpec(env="bioRTRRL/Catch-v0", observation_mask=[0, 2]), 0) is None
