"""Every task: check_env, registration, seeding, native vector == gymnasium.make."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import bioRTRRL.tasks as tasks

BLOCKING = [
    {"trials": 3, "name": "A+", "trial_types": [{"cues": ["A"]}]},
    {"trials": 3, "trial_types": [{"cues": ["A", "X"], "weight": 2}, {"cues": []}]},
    {"trials": 2, "trial_types": [{"cues": ["X"], "omission_probability": 1.0}]},
]

# (task, kwargs): defaults plus corner cases of every argument.
CASES = [
    ("MemoryChain", {}),
    ("MemoryChain", {"memory_length": 1}),
    ("MemoryChain", {"memory_length": 7, "num_bits": 3}),
    ("DeepSea", {}),
    ("DeepSea", {"size": 1}),
    ("DeepSea", {"size": 5, "randomize_actions": False, "mapping_seed": 3}),
    ("DeepSea", {"size": 4, "deterministic": False}),
    ("UmbrellaChain", {}),
    ("UmbrellaChain", {"chain_length": 1}),
    ("UmbrellaChain", {"chain_length": 5, "n_distractor": 4}),
    ("DiscountingChain", {}),
    ("DiscountingChain", {"mapping_seed": 7}),
    ("Catch", {}),
    ("Catch", {"rows": 2, "columns": 1}),
    ("Catch", {"rows": 4, "columns": 8}),
    ("TraceConditioning", {"n_trials": 4}),
    ("TraceConditioning", {"n_trials": 1, "delay": 0, "cue_time": 1, "iti": 0}),
    ("TraceConditioning", {"n_trials": 5, "reward_probability": 0.5,
                           "omission_probability": 0.3, "cue_jitter": 3,
                           "cue_duration": 4, "iti": [0, 4]}),
    ("TraceConditioning", {"n_trials": 3, "lick": True, "lick_cost": 0.05}),
    ("TraceConditioning", {"phases": BLOCKING, "delay": 2, "iti": [1, 3]}),
    ("ReversalBandit", {}),
    ("ReversalBandit", {"trials_per_episode": 1}),
    ("ReversalBandit", {"trials_per_episode": 30, "probability_draw": "independent",
                        "block_length": None, "hazard_rate": 0.2}),
    ("ReversalBandit", {"trials_per_episode": 30, "probability_draw": "correlated",
                        "block_length": 4}),
    ("DelayedMatch", {"trials_per_episode": 3}),
    ("DelayedMatch", {"trials_per_episode": 1, "delay": 0}),
    ("DelayedMatch", {"trials_per_episode": 4, "n_stimuli": 5, "fixation": 2,
                      "sample_duration": 3, "match_probability": 0.2, "error_reward": -1}),
    ("ProbabilisticSelection", {}),
    ("ProbabilisticSelection", {"phase": "test", "trials_per_episode": 5}),
    ("ProbabilisticSelection", {"trials_per_episode": 3, "outcomes": (0.0, -1.0)}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
TRIAL_TASKS = {"TraceConditioning", "ReversalBandit", "DelayedMatch", "ProbabilisticSelection"}


def env_id(name):
    return f"bioRTRRL/{name}-v0"


def test_all_tasks_registered():
    assert tasks.TASK_IDS == [env_id(name) for name in tasks.TASKS]
    for task_id in tasks.TASK_IDS:
        spec = gym.spec(task_id)
        assert spec.entry_point and spec.vector_entry_point


def test_reimport_does_not_reregister():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tasks.register_tasks() == tasks.TASK_IDS


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_check_env(name, kwargs):
    env = gym.make(env_id(name), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*different from the unwrapped")
        check_env(env)


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_trial_events_attribute(name):
    env = gym.make(env_id(name))
    venv = gym.make_vec(env_id(name), num_envs=2, vectorization_mode="vector_entry_point")
    if name not in TRIAL_TASKS:
        assert not hasattr(env.unwrapped, "trial_events")
        assert not hasattr(venv, "trial_events")
        return
    events = env.unwrapped.trial_events
    assert events == venv.trial_events
    assert set(type(env.unwrapped).trial_events) <= set(events)
    _, info = env.reset(seed=0)
    _, vinfo = venv.reset(seed=0)
    for _ in range(3):
        for key in ("trial", "t_in_trial"):
            assert type(info[key]) is int
            assert vinfo[key].shape == (2,) and vinfo[key].dtype.kind == "i"
        for event in events:
            assert type(info[event]) is bool
            assert vinfo[event].shape == (2,) and vinfo[event].dtype == bool
        _, _, _, _, info = env.step(env.action_space.sample())
        _, _, _, _, vinfo = venv.step(venv.action_space.sample())


def test_default_vectorization_mode_is_native():
    venv = gym.make_vec(env_id("DeepSea"), num_envs=3)
    assert isinstance(venv.unwrapped, tasks.DeepSeaVector)
    assert venv.metadata["autoreset_mode"] is gym.vector.AutoresetMode.NEXT_STEP


def rollout_single(name, kwargs, seed, actions, max_episode_steps=None):
    """Step one gymnasium.make env, resetting it (without seed) the step after an episode ends,
    as a NEXT_STEP vector env does; return the per-step records."""
    env = gym.make(env_id(name), max_episode_steps=max_episode_steps, **kwargs)
    obs, info = env.reset(seed=seed)
    records = [(obs, 0.0, False, False, info)]
    ended = False
    for action in actions:
        if ended:
            obs, info = env.reset()
            records.append((obs, 0.0, False, False, info))
            ended = False
            continue
        obs, reward, terminated, truncated, info = env.step(action)
        records.append((obs, reward, terminated, truncated, info))
        ended = terminated or truncated
    return records


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_vector_matches_single(name, kwargs):
    num_envs, seed, steps = 3, 11, 120
    venv = gym.make_vec(
        env_id(name), num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs
    )
    venv.action_space.seed(5)
    actions = np.array([venv.action_space.sample() for _ in range(steps)])
    obs, info = venv.reset(seed=seed)
    vector = [(obs, np.zeros(num_envs), np.zeros(num_envs, bool), np.zeros(num_envs, bool), info)]
    for action in actions:
        vector.append(venv.step(action))
    for i in range(num_envs):
        single = rollout_single(name, kwargs, seed + i, actions[:, i])
        for step, (s, v) in enumerate(zip(single, vector)):
            where = f"copy {i}, step {step}"
            np.testing.assert_array_equal(s[0], v[0][i], err_msg=where)
            assert s[1] == v[1][i], where
            assert s[2] == v[2][i] and s[3] == v[3][i], where
            assert set(s[4]) == set(v[4]), where
            for key, value in s[4].items():
                assert value == v[4][key][i], f"{where}, info[{key!r}]"


@pytest.mark.parametrize("name", ["MemoryChain", "TraceConditioning"])
def test_vector_matches_single_with_time_limit(name):
    steps, limit = 60, 4
    venv = gym.make_vec(env_id(name), num_envs=2, max_episode_steps=limit)
    actions = np.zeros((steps, 2), dtype=np.int64)
    venv.reset(seed=3)
    vector = [venv.step(a) for a in actions]
    assert any(v[3].any() for v in vector)
    for i in range(2):
        single = rollout_single(name, {}, 3 + i, actions[:, i], max_episode_steps=limit)[1:]
        for s, v in zip(single, vector):
            np.testing.assert_array_equal(s[0], v[0][i])
            assert (s[1], s[2], s[3]) == (v[1][i], v[2][i], v[3][i])


def test_vector_reset_with_seed_list():
    venv = gym.make_vec(env_id("Catch"), num_envs=3)
    obs_list, _ = venv.reset(seed=[4, 9, 2])
    for i, seed in enumerate([4, 9, 2]):
        np.testing.assert_array_equal(obs_list[i], gym.make(env_id("Catch")).reset(seed=seed)[0])
    with pytest.raises(ValueError, match="seed"):
        venv.reset(seed=[1, 2])


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_same_seed_same_episodes(name):
    def episodes(seed):
        env = gym.make(env_id(name))
        rng = np.random.default_rng(0)
        out = [env.reset(seed=seed)[0]]
        for _ in range(12):  # enough episodes that two seeds cannot agree by chance
            for _ in range(40):
                obs, reward, terminated, _, _ = env.step(int(rng.integers(env.action_space.n)))
                out += [obs, reward]
                if terminated:
                    break
            out.append(env.reset()[0])
        return np.concatenate([np.ravel(x) for x in out])

    first = episodes(1)
    np.testing.assert_array_equal(first, episodes(1))
    if name not in ("DeepSea", "DiscountingChain"):  # deterministic tasks
        assert not np.array_equal(first, episodes(2))


def test_vector_unseeded_reset_and_bad_actions():
    venv = gym.make_vec(env_id("MemoryChain"), num_envs=2)
    venv.reset()
    with pytest.raises(ValueError, match="actions"):
        venv.step(np.zeros(3, dtype=np.int64))


@pytest.mark.parametrize("name", ["Catch", "ReversalBandit"])
def test_single_env_refuses_invalid_action(name):
    env = gym.make(env_id(name)).unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(7)


@pytest.mark.parametrize("name, kwargs", [
    ("MemoryChain", {}),
    ("UmbrellaChain", {"chain_length": 5, "n_distractor": 4}),
    ("TraceConditioning", {"phases": BLOCKING, "delay": 2, "iti": [1, 3]}),
    ("ReversalBandit", {"trials_per_episode": 30, "probability_draw": "correlated"}),
], ids=lambda x: x if isinstance(x, str) else "")
def test_native_matches_gymnasium_sync_vectorisation(name, kwargs):
    envs = {
        mode: gym.make_vec(env_id(name), num_envs=3, vectorization_mode=mode, **kwargs)
        for mode in ("sync", "vector_entry_point")
    }
    envs["sync"].action_space.seed(1)
    actions = [envs["sync"].action_space.sample() for _ in range(80)]
    runs = {}
    for mode, venv in envs.items():
        first = venv.reset(seed=7)[0]
        runs[mode] = [first] + [np.concatenate([np.ravel(x) for x in venv.step(a)[:4]])
                                for a in actions]
    for sync, native in zip(runs["sync"], runs["vector_entry_point"]):
        np.testing.assert_array_equal(sync, native)


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_documented_under_gymnasium_headings(name):
    doc = getattr(tasks, name).__doc__
    for heading in ("Description", "Action Space", "Observation Space", "Rewards",
                    "Starting State", "Episode End", "Arguments"):
        assert f"## {heading}\n" in doc, heading
