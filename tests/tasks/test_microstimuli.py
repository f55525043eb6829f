"""Microstimuli (Ludvig, Sutton & Kehoe 2008): the appended features against their formula.

Signature checked: every onset of a channel restarts a trace that decays as exp(−t·dt/τ), and
microstimulus i reads it through y·exp(−(y − i/m)²/(2σ²)); so after an onset the later
microstimuli (small i) peak later, at y = i/m, i.e. t = τ·ln(m/i).
"""

import math

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError
from bioRTRRL.tasks.microstimuli import Microstimuli, MicrostimuliVector
from tests.tasks.lockstep import step_in_lockstep


def _conditioning(**kw):
    return gym.make("bioRTRRL/TraceConditioning-v0", n_trials=5, delay=4, cue_time=3,
                    cue_duration=1, iti=6, disable_env_checker=True, **kw)


def test_features_follow_the_trace_of_each_onset():
    count, sigma, tau_ms, dt_ms = 5, 0.1, 200.0, 20.0
    env = Microstimuli(_conditioning(), count=count, sigma=sigma, tau_ms=tau_ms, env_dt_ms=dt_ms)
    obs, _ = env.reset(seed=0)
    rows, cue = [obs], [obs[0]]
    for _ in range(40):
        obs, *_ = env.step(0)
        rows.append(obs)
        cue.append(obs[0])
    rows, cue = np.array(rows), np.array(cue)
    onsets = np.flatnonzero((cue > 0) & (np.r_[0.0, cue[:-1]] <= 0))
    assert len(onsets) >= 2
    y = np.zeros(len(cue))
    for t in range(len(cue)):
        previous = [o for o in onsets if o <= t]
        if previous:
            y[t] = math.exp(-(t - previous[-1]) * dt_ms / tau_ms)
    centres = np.arange(1, count + 1) / count
    expected = y[:, None] * np.exp(-(y[:, None] - centres) ** 2 / (2 * sigma**2))
    np.testing.assert_allclose(rows[:, 1:], expected, rtol=1e-6, atol=1e-7)
    assert env.observation_space.contains(rows[5])
    # the last microstimulus peaks at the onset, the first one latest (about τ·ln m later)
    first_peak = onsets[0] + np.argmax(rows[onsets[0]:onsets[1], 1:], axis=0)
    assert np.all(np.diff(first_peak) <= 0) and first_peak[0] > first_peak[-1]


def test_vector_equals_single_copies_across_autoresets():
    kw = dict(count=4, sigma=0.08, tau_ms=150.0, env_dt_ms=25.0)
    vec = MicrostimuliVector(gym.make_vec("bioRTRRL/TraceConditioning-v0", num_envs=2,
                                          vectorization_mode="vector_entry_point", n_trials=2,
                                          delay=3, cue_time=2, iti=(2, 5)), **kw)
    singles = [Microstimuli(gym.make("bioRTRRL/TraceConditioning-v0", n_trials=2, delay=3,
                                     cue_time=2, iti=(2, 5), disable_env_checker=True), **kw)
               for _ in range(2)]
    obs, _ = vec.reset(seed=7)
    single_obs = [s.reset(seed=7 + i)[0] for i, s in enumerate(singles)]
    done = [False, False]
    for _ in range(60):
        np.testing.assert_array_equal(obs, np.array(single_obs))
        obs, _, term, trunc, _ = vec.step(np.zeros(2, dtype=np.int64))
        for i, s in enumerate(singles):
            if done[i]:  # NEXT_STEP autoreset: this step resets the copy
                single_obs[i] = s.reset(seed=None)[0]
            else:
                single_obs[i] = s.step(0)[0]
        done = list(term | trunc)


def test_bad_parameters_name_the_key():
    with pytest.raises(ModelError, match="task.microstimuli.count"):
        br.load_model({"task": {"env": "bioRTRRL/TraceConditioning-v0", "microstimuli": {"count": 0}}})
    with pytest.raises(ModelError, match="unknown key"):
        br.load_model({"task": {"env": "bioRTRRL/TraceConditioning-v0",
                                "microstimuli": {"count": 3, "width": 1}}})
    with pytest.raises(ModelError, match="task.microstimuli.tau_ms"):
        br.load_model({"task": {"env": "bioRTRRL/TraceConditioning-v0",
                                "microstimuli": {"count": 3, "tau_ms": -1}}})
    with pytest.raises(ValueError, match="1-D Box"):
        Microstimuli(gym.make("FrozenLake-v1"))


def test_run_feeds_the_microstimuli_to_the_circuit():
    model = br.load_model({
        "task": {"env": "bioRTRRL/TraceConditioning-v0",
                 "kwargs": {"n_trials": 20, "delay": 4, "iti": [4, 8]},
                 "microstimuli": {"count": 6, "tau_ms": 300.0}},
        "circuit": {"cortex_size": 8, "env_dt_ms": 50.0},
        "recording": {"variables": ["obs"]},
    })
    ds = br.run(model, steps=200, seed=1, progress=False)
    assert ds["obs"].shape[-1] == 1 + 6
    assert float(ds["obs"][..., 1:].max()) > 0.5


def test_the_reward_spawns_microstimuli_of_its_own():
    """Ludvig et al. 2008: every stimulus, the reward (US) included, starts its own trace.

    Analytic value: microstimulus i peaks at height i/m when the trace has decayed to y = i/m, i.e.
    τ·ln(m/i) after the onset; with τ = 7 ticks / ln 2 microstimulus 2 of 4 is exactly 0.5 seven
    ticks after each delivered reward, whatever the cue's trace does meanwhile.
    """
    count, dt_ms = 4, 10.0
    tau_ms = 7 * dt_ms / math.log(2.0)
    env = Microstimuli(_conditioning(omission_probability=0.3), count=count, sigma=0.08,
                       tau_ms=tau_ms, env_dt_ms=dt_ms, reward=True)
    assert env.observation_space.shape == (1 + 2 * count,)
    obs, _ = env.reset(seed=1)
    rows, rewards = [obs], [0.0]
    for _ in range(60):
        obs, reward, terminated, *_ = env.step(0)
        rows.append(obs)
        rewards.append(reward)
        if terminated:
            break
    rows, rewards = np.array(rows), np.array(rewards)
    onsets = np.flatnonzero(rewards > 0)
    assert len(onsets) >= 2 and np.all(rows[: onsets[0], 1 + count:] == 0.0)
    for onset in onsets:
        np.testing.assert_allclose(rows[onset, -1], math.exp(0.0), rtol=1e-6)   # y = 1, centre 1
        np.testing.assert_allclose(rows[onset + 7, 1 + count + 1], 0.5, rtol=1e-6)
    # the cue's microstimuli are those of the wrapper without the reward channel
    plain = Microstimuli(_conditioning(omission_probability=0.3), count=count, sigma=0.08,
                         tau_ms=tau_ms, env_dt_ms=dt_ms)
    first, _ = plain.reset(seed=1)
    cue_part = [first] + [plain.step(0)[0] for _ in range(len(rows) - 1)]
    np.testing.assert_array_equal(rows[:, : 1 + count], np.array(cue_part))


def test_vector_reward_microstimuli_equal_single_copies():
    kw = dict(count=3, sigma=0.1, tau_ms=120.0, env_dt_ms=20.0, reward=True)
    make = dict(n_trials=2, delay=2, cue_time=2, iti=(2, 5), omission_probability=0.5)
    vec = MicrostimuliVector(gym.make_vec("bioRTRRL/TraceConditioning-v0", num_envs=2,
                                          vectorization_mode="vector_entry_point", **make), **kw)
    singles = [Microstimuli(gym.make("bioRTRRL/TraceConditioning-v0", disable_env_checker=True,
                                     **make), **kw) for _ in range(2)]
    seen = max(float(obs[:, -3:].max()) for obs, _ in step_in_lockstep(vec, singles, seed=3))
    assert seen > 0.9


def test_reward_key_is_a_boolean():
    with pytest.raises(ModelError, match="task.microstimuli.reward"):
        br.load_model({"task": {"env": "bioRTRRL/TraceConditioning-v0",
                                "microstimuli": {"count": 3, "reward": 1}}})
