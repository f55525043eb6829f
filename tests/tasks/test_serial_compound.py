"""The complete serial compound (Montague, Dayan & Sejnowski 1996; Ludvig et al. 2008): the
appended features against their definition.

Signature checked: feature k of a channel is 1 exactly k ticks after that channel's latest onset
(k = 0 … n − 1, n = length_ms / env_dt_ms) and 0 otherwise — before the first onset and from n
ticks after the latest one; with ``reward=True`` the reward's onsets start a delay line of their
own, appended after the cue's. Expected values come from a plain loop over the recorded cue and
reward, not from the wrapper.
"""

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError, TaskSpec
from bioRTRRL.tasks.compiled import compiled_driver
from bioRTRRL.tasks.serial_compound import SerialCompound, SerialCompoundVector
from tests.tasks.lockstep import step_in_lockstep


def _conditioning(**kw):
    return gym.make("bioRTRRL/TraceConditioning-v0", n_trials=6, delay=4, cue_time=3,
                    cue_duration=2, iti=(3, 9), disable_env_checker=True, **kw)


def _expected(onsets: np.ndarray, steps: int, n: int) -> np.ndarray:
    """One-hot of the ticks since the latest onset, written out tick by tick."""
    out = np.zeros((steps, n))
    for t in range(steps):
        previous = [o for o in onsets if o <= t]
        if previous and t - previous[-1] < n:
            out[t, t - previous[-1]] = 1.0
    return out


def _roll(env, steps, seed):
    obs, _ = env.reset(seed=seed)
    rows, rewards = [obs], [0.0]
    for _ in range(steps - 1):
        obs, reward, terminated, *_ = env.step(0)
        rows.append(obs)
        rewards.append(reward)
        if terminated:
            break
    return np.array(rows), np.array(rewards)


def test_one_feature_per_tick_since_each_onset():
    n, dt_ms = 6, 20.0   # a delay line of 120 ms: shorter than a trial, so it runs out
    env = SerialCompound(_conditioning(), length_ms=n * dt_ms, env_dt_ms=dt_ms)
    assert env.observation_space.shape == (1 + n,)
    rows, _ = _roll(env, 60, seed=0)
    cue = rows[:, 0]
    # a cue shown for 2 ticks is one onset: the delay line restarts only when it switches on
    onsets = np.flatnonzero((cue > 0) & (np.r_[0.0, cue[:-1]] <= 0))
    assert len(onsets) >= 3 and np.all(cue[onsets[:-1] + 1] > 0)
    np.testing.assert_array_equal(rows[:, 1:], _expected(onsets, len(rows), n))
    assert np.all(rows[: onsets[0], 1:] == 0) and rows[:, 1:].sum(axis=1).max() == 1.0
    assert all(env.observation_space.contains(r.astype(np.float32)) for r in rows)


def test_the_reward_starts_a_delay_line_of_its_own():
    n, dt_ms = 5, 50.0
    env = SerialCompound(_conditioning(omission_probability=0.4), length_ms=n * dt_ms,
                         env_dt_ms=dt_ms, reward=True)
    assert env.observation_space.shape == (1 + 2 * n,)
    rows, rewards = _roll(env, 80, seed=0)
    cue = rows[:, 0]
    cue_onsets = np.flatnonzero((cue > 0) & (np.r_[0.0, cue[:-1]] <= 0))
    reward_onsets = np.flatnonzero(rewards > 0)
    assert len(reward_onsets) >= 2 and len(cue_onsets) > len(reward_onsets)  # omissions too
    np.testing.assert_array_equal(rows[:, 1:1 + n], _expected(cue_onsets, len(rows), n))
    np.testing.assert_array_equal(rows[:, 1 + n:], _expected(reward_onsets, len(rows), n))


def test_vector_equals_single_copies_across_autoresets():
    kw = dict(length_ms=100.0, env_dt_ms=25.0, reward=True)
    make = dict(n_trials=2, delay=3, cue_time=2, iti=(2, 5), omission_probability=0.3)
    vec = SerialCompoundVector(gym.make_vec("bioRTRRL/TraceConditioning-v0", num_envs=2,
                                            vectorization_mode="vector_entry_point", **make), **kw)
    singles = [SerialCompound(gym.make("bioRTRRL/TraceConditioning-v0", disable_env_checker=True,
                                       **make), **kw) for _ in range(2)]
    resets = sum(reset for _, reset in step_in_lockstep(vec, singles, seed=5))
    assert resets >= 2


def _load(serial_compound, env_dt_ms=50.0, **task):
    return br.load_model({"task": {"env": "bioRTRRL/TraceConditioning-v0",
                                   "serial_compound": serial_compound, **task},
                          "circuit": {"env_dt_ms": env_dt_ms}})


@pytest.mark.parametrize("spec, match", [
    ({"reward": True}, "task.serial_compound.length_ms is required"),
    ({"length_ms": 1010.0}, "whole number .* ticks of 50.0 ms"),
    ({"length_ms": 0.0}, "task.serial_compound.length_ms must be a finite number > 0"),
    ({"length_ms": "1s"}, "task.serial_compound.length_ms must be a finite number > 0"),
    ({"length_ms": 1e9}, "at most 10,000"),
    ({"length_ms": 1000.0, "ticks": 20}, "unknown key"),
    ({"length_ms": 1000.0, "reward": 1}, "task.serial_compound.reward must be true or false"),
])
def test_bad_values_name_the_key(spec, match):
    with pytest.raises(ModelError, match=match):
        _load(spec)


def test_one_representation_of_elapsed_time_at_a_time():
    with pytest.raises(ModelError, match="give one of them"):
        _load({"length_ms": 500.0}, microstimuli={"count": 3})
    with pytest.raises(ValueError, match="1-D Box"):
        SerialCompound(gym.make("FrozenLake-v1"), length_ms=100.0)


def test_run_feeds_the_delay_line_to_the_circuit_and_is_not_compiled():
    model = br.load_model({
        "task": {"env": "bioRTRRL/TraceConditioning-v0",
                 "kwargs": {"n_trials": 20, "delay": 4, "iti": [4, 8]},
                 "serial_compound": {"length_ms": 300.0, "reward": True}},
        "circuit": {"cortex_size": 8, "env_dt_ms": 50.0},
        "recording": {"variables": ["obs"]},
    })
    ds = br.run(model, steps=200, seed=1, progress=False)
    assert ds["obs"].shape[-1] == 1 + 2 * 6
    assert float(ds["obs"][..., 1:].max()) == 1.0
    assert compiled_driver(TaskSpec(env="bioRTRRL/TraceConditioning-v0",
                                    serial_compound={"length_ms": 300.0}), 0) is None
    with pytest.raises(ModelError, match="no compiled form"):
        br.Session(model, 1, compiled=True)
