"""ReversalBandit: block and hazard reversals, reward rates, per-episode draws."""

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL.tasks  # noqa: F401  (registers the environments)

ID = "bioRTRRL/ReversalBandit-v0"


def test_reversals_at_block_boundaries():
    env = gym.make(ID, trials_per_episode=45, block_length=10, reward_probabilities=(0.9, 0.1))
    env.reset(seed=0)
    for trial in range(45):
        _, _, terminated, _, info = env.step(trial % 2)
        assert info["trial"] == trial and info["choice"]
        assert info["reversal"] == (trial > 0 and trial % 10 == 0)
        block = trial // 10
        expected = (0.9, 0.1) if block % 2 == 0 else (0.1, 0.9)
        np.testing.assert_array_equal(env.unwrapped.reward_probabilities, expected)
        assert terminated == (trial == 44)


def test_reward_rate_follows_the_chosen_arm():
    n, num_envs = 400, 8
    venv = gym.make_vec(ID, num_envs=num_envs, trials_per_episode=n, block_length=None,
                        reward_probabilities=(0.7, 0.25))
    venv.reset(seed=1)
    rewards = {0: [], 1: []}
    for trial in range(n):
        arm = trial % 2
        _, reward, _, _, info = venv.step(np.full(num_envs, arm))
        np.testing.assert_array_equal(reward, info["reward"])
        rewards[arm].append(reward)
    for arm, p in ((0, 0.7), (1, 0.25)):
        k, m = np.sum(rewards[arm]), np.size(rewards[arm])
        assert abs(k - m * p) < 4 * np.sqrt(m * p * (1 - p))


def test_hazard_reversals():
    n, num_envs, h = 500, 8, 0.1
    venv = gym.make_vec(ID, num_envs=num_envs, trials_per_episode=n, block_length=None,
                        hazard_rate=h)
    venv.reset(seed=2)
    previous = venv.reward_probabilities
    count = 0
    for _ in range(n):
        _, _, _, _, info = venv.step(np.zeros(num_envs, dtype=np.int64))
        current = venv.reward_probabilities
        swapped = (current != previous).any(axis=1)
        np.testing.assert_array_equal(swapped, info["reversal"])
        count += info["reversal"].sum()
        previous = current
    m = (n - 1) * num_envs  # no reversal before the first trial
    assert abs(count - m * h) < 4 * np.sqrt(m * h * (1 - h))


@pytest.mark.parametrize("draw", ["independent", "correlated"])
def test_probabilities_drawn_per_episode(draw):
    env = gym.make(ID, probability_draw=draw, block_length=None, trials_per_episode=2)
    drawn = []
    env.reset(seed=3)
    for _ in range(50):
        p = env.unwrapped.reward_probabilities
        assert ((0 <= p) & (p <= 1)).all()
        if draw == "correlated":
            assert p.sum() == pytest.approx(1.0)
        drawn.append(p)
        env.reset()
    drawn = np.array(drawn)
    assert len(np.unique(drawn[:, 0])) == 50
    assert drawn[:, 0].min() < 0.2 and drawn[:, 0].max() > 0.8


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"trials_per_episode": 0}, "trials_per_episode"),
        ({"reward_probabilities": (0.5, 1.2)}, "reward_probabilities"),
        ({"reward_probabilities": (0.5,)}, "reward_probabilities"),
        ({"reward_probabilities": (0.5, 0.5), "probability_draw": "independent"},
         "reward_probabilities"),
        ({"probability_draw": "uniform"}, "probability_draw"),
        ({"block_length": 0}, "block_length"),
        ({"hazard_rate": -0.5}, "hazard_rate"),
    ],
)
def test_bad_kwargs_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        gym.make(ID, **kwargs)
