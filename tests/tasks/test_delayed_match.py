"""DelayedMatch: timeline, optimal policy, match statistics."""

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL.tasks  # noqa: F401  (registers the environments)

ID = "bioRTRRL/DelayedMatch-v0"


@pytest.mark.parametrize("delay", [0, 3])
def test_remembering_the_sample_is_always_rewarded(delay):
    fixation, sample_duration, n_trials = 2, 2, 12
    env = gym.make(ID, delay=delay, n_stimuli=3, trials_per_episode=n_trials,
                   fixation=fixation, sample_duration=sample_duration, error_reward=-1.0)
    test_time = fixation + sample_duration + delay
    obs, info = env.reset(seed=4)
    sample, total, step = None, 0.0, 0
    while True:
        t = info["t_in_trial"]
        assert info["sample"] == (t == fixation) and info["test"] == (t == test_time)
        assert obs[-1] == (t == test_time)
        assert obs[:-1].sum() == (fixation <= t < fixation + sample_duration or t == test_time)
        if info["sample"]:
            sample = int(np.argmax(obs[:-1]))
        action = int(np.argmax(obs[:-1]) == sample) if t == test_time else 0
        obs, reward, terminated, _, info = env.step(action)
        step += 1
        assert reward == (1.0 if info["t_in_trial"] == test_time + 1 else 0.0)
        assert info["reward"] == (reward == 1.0) and not info["error"]
        total += reward
        if terminated:
            break
    assert total == n_trials
    assert step == n_trials * (test_time + 2) - 1
    assert info["trial"] == n_trials - 1


def test_wrong_answers_are_errors():
    env = gym.make(ID, delay=1, trials_per_episode=40, error_reward=-0.5)
    env.reset(seed=5)
    rewards, errors, matches = [], 0, 0
    terminated = False
    while not terminated:
        _, reward, terminated, _, info = env.step(1)  # always "match"
        if info["reward"] or info["error"]:
            rewards.append(reward)
            errors += info["error"]
            matches += info["reward"]
    assert len(rewards) == 40 and set(rewards) <= {1.0, -0.5}
    assert errors + matches == 40 and 0 < matches < 40


def test_match_probability():
    n_trials, num_envs, p = 200, 8, 0.3
    venv = gym.make_vec(ID, num_envs=num_envs, delay=0, trials_per_episode=n_trials,
                        match_probability=p)
    obs, info = venv.reset(seed=6)
    matches, non_matches, sample = 0, 0, None
    for _ in range(n_trials * 4 - 1):
        if info["sample"].any():
            sample = obs[:, :-1].argmax(axis=1)
        if info["test"].any():
            same = obs[:, :-1].argmax(axis=1) == sample
            matches += same.sum()
            non_matches += (~same).sum()
        obs, _, _, _, info = venv.step(np.zeros(num_envs, dtype=np.int64))
    m = matches + non_matches
    assert m == n_trials * num_envs
    assert abs(matches - m * p) < 4 * np.sqrt(m * p * (1 - p))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"delay": -1}, "delay"),
        ({"n_stimuli": 1}, "n_stimuli"),
        ({"trials_per_episode": 0}, "trials_per_episode"),
        ({"fixation": 0}, "fixation"),
        ({"sample_duration": 0}, "sample_duration"),
        ({"match_probability": 1.01}, "match_probability"),
        ({"error_reward": float("inf")}, "error_reward"),
    ],
)
def test_bad_kwargs_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        gym.make(ID, **kwargs)
