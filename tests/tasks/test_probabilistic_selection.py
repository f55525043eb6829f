"""ProbabilisticSelection (Frank, Seeberger & O'Reilly 2004): the pairs of each phase, the reward
probabilities of the chosen stimuli, no feedback in the test phase, the events."""

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL.tasks  # noqa: F401  (registers the environments)
from bioRTRRL.tasks.probabilistic_selection import REWARD_PROBABILITY, TEST_PAIRS, TRAINING_PAIRS

ID = "bioRTRRL/ProbabilisticSelection-v0"


def _pair(obs):
    return tuple(int(i) for i in np.flatnonzero(obs))


def test_training_pairs_and_reward_rates():
    n, num_envs = 600, 8
    venv = gym.make_vec(ID, num_envs=num_envs, trials_per_episode=n)
    obs, _ = venv.reset(seed=0)
    seen, rewards = {p: 0 for p in TRAINING_PAIRS}, {s: [] for s in range(6)}
    for t in range(n):
        pairs = [_pair(o) for o in obs]
        # choose each pair's first or second stimulus, alternating
        choice = np.array([p[t % 2] for p in pairs])
        obs, reward, _, _, info = venv.step(choice)
        for p, c, r in zip(pairs, choice, reward):
            seen[p] += 1
            rewards[c].append(r)
        assert info["presented"].all() and info["choice"].all()
        np.testing.assert_array_equal(info["optimal"], choice % 2 == 0)
    assert set(seen) == set(TRAINING_PAIRS)
    for count in seen.values():  # uniform over the three pairs
        assert abs(count - n * num_envs / 3) < 4 * np.sqrt(n * num_envs * 2 / 9)
    for s, r in rewards.items():
        p, m = REWARD_PROBABILITY[s], len(r)
        assert abs(np.sum(r) - m * p) < 4 * np.sqrt(m * p * (1 - p))


def test_test_phase_shows_every_pair_without_feedback():
    env = gym.make(ID, phase="test", trials_per_episode=2000)
    obs, _ = env.reset(seed=1)
    pairs = set()
    for _ in range(2000):
        pair = _pair(obs)
        pairs.add(pair)
        obs, reward, _, _, info = env.step(pair[0])
        assert reward == 0.0 and not info["reward"]
        assert info["optimal"] == (REWARD_PROBABILITY[pair[0]] > REWARD_PROBABILITY[pair[1]])
    assert pairs == set(TEST_PAIRS)


def test_unshown_stimulus_is_never_rewarded_and_the_screen_blanks_at_the_end():
    env = gym.make(ID, outcomes=(0.0, -1.0))
    obs, _ = env.reset(seed=2)
    absent = next(s for s in range(6) if obs[s] == 0)
    obs, reward, terminated, _, info = env.step(absent)
    assert reward == -1.0 and not info["presented"] and terminated
    np.testing.assert_array_equal(obs, 0.0)


@pytest.mark.parametrize("kwargs, message", [({"phase": "retest"}, "phase"),
                                             ({"outcomes": (1.0,)}, "outcomes")])
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gym.make(ID, **kwargs)
