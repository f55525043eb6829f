"""The env driver: its compiled action check answers as Gymnasium's, and the stream is unchanged."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import bioRTRRL as br
from bioRTRRL.environment import CompiledMultiDiscrete, EnvDriver


@pytest.mark.parametrize("nvec, start", [([2, 2, 2], [0, 0, 0]), ([3, 5], [-1, 4])])
def test_compiled_action_check_answers_as_gymnasium(nvec, start):
    ref = spaces.MultiDiscrete(nvec, start=start, seed=3)
    fast = CompiledMultiDiscrete(spaces.MultiDiscrete(nvec, start=start, seed=3))
    lo, hi = np.array(start), np.array(start) + np.array(nvec) - 1
    candidates = [lo.copy(), hi.copy(), lo - 1, hi + 1, (lo + hi) // 2,
                  lo.astype(np.int32), lo.astype(np.float64), lo[:1], list(lo),
                  np.stack([lo, lo]), "x", None]
    rng = np.random.default_rng(0)
    candidates += [rng.integers(lo - 2, hi + 3) for _ in range(200)]
    answers = [(ref.contains(x), fast.contains(x)) for x in candidates]
    assert all(a == b for a, b in answers)
    assert sum(a for a, _ in answers) > 10 and sum(not a for a, _ in answers) > 10
    np.testing.assert_array_equal(ref.sample(), fast.sample())  # same sampling stream


def test_vector_cartpole_gets_the_compiled_check_and_the_same_stream():
    task = br.load_model("models/default.toml").with_overrides({"task.num_envs": 4}).task
    drv = EnvDriver(task, seed=11)
    assert isinstance(drv.env.unwrapped.action_space, CompiledMultiDiscrete)
    ref = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="vector_entry_point")
    obs_ref, _ = ref.reset(seed=11)
    drv.reset()
    np.testing.assert_array_equal(drv.obs, obs_ref[:, [0, 2]])
    rng = np.random.default_rng(1)
    for _ in range(300):
        a = rng.integers(0, 2, 4)
        drv.step(a)
        obs_ref, rew, term, trunc, _ = ref.step(a)
        np.testing.assert_array_equal(drv.obs, obs_ref[:, [0, 2]])
        np.testing.assert_array_equal(drv.terminated, term)
        np.testing.assert_array_equal(drv.reward, rew)
    assert drv.completed  # episodes ended and restarted on the way
    with pytest.raises(AssertionError, match="invalid"):
        drv.env.step(np.full(4, 2, dtype=np.int64))
