"""TraceConditioning: timing, contingencies, schedules, events."""

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL.tasks  # noqa: F401  (registers the environments)

ID = "bioRTRRL/TraceConditioning-v0"


def session(num_envs=4, seed=0, action=0, **kwargs):
    """One episode in each copy of the native vector env, as arrays (step, copy).

    Entries after a copy's episode ended are masked out by ``alive``.
    """
    venv = gym.make_vec(ID, num_envs=num_envs, **kwargs)
    obs, info = venv.reset(seed=seed)
    steps = {"obs": [obs], "reward": [np.zeros(num_envs)], "info": [info]}
    done = np.zeros(num_envs, dtype=bool)
    alive = [~done]
    while not done.all():
        obs, reward, terminated, _, info = venv.step(np.full(num_envs, action))
        alive.append(~done)
        done |= terminated
        steps["obs"].append(obs)
        steps["reward"].append(reward)
        steps["info"].append(info)
    info = {key: np.array([i[key] for i in steps["info"]]) for key in steps["info"][0]}
    return np.array(steps["obs"]), np.array(steps["reward"]), info, np.array(alive), venv


def binomial_ok(successes, n, p):
    return abs(successes - n * p) <= 4 * np.sqrt(n * p * (1 - p)) + 1e-9


def test_reward_exactly_delay_steps_after_cue():
    delay = 3
    obs, reward, info, alive, _ = session(
        n_trials=30, delay=delay, cue_jitter=2, iti=(0, 4), reward_magnitude=2.5
    )
    for i in range(obs.shape[1]):
        cues = np.flatnonzero(info["cue"][:, i] & alive[:, i])
        rewards = np.flatnonzero(info["reward"][:, i] & alive[:, i])
        assert len(cues) == 30
        np.testing.assert_array_equal(rewards, cues + delay)
        np.testing.assert_array_equal(np.flatnonzero(reward[:, i] * alive[:, i]), rewards)
        assert (reward[rewards, i] == 2.5).all()
        assert not info["omission"][:, i].any() and not info["probe"][:, i].any()


def test_trial_structure():
    cue_time, jitter, delay, duration, iti = 2, 3, 4, 2, (1, 5)
    obs, _, info, alive, _ = session(
        n_trials=40, cue_time=cue_time, cue_jitter=jitter, delay=delay,
        cue_duration=duration, iti=iti,
    )
    onsets, lengths = [], []
    for i in range(obs.shape[1]):
        trial, t = info["trial"][alive[:, i], i], info["t_in_trial"][alive[:, i], i]
        assert trial[0] == 0 and t[0] == 0 and trial[-1] == 39
        starts = np.flatnonzero(t == 0)
        np.testing.assert_array_equal(trial[starts], np.arange(40))
        np.testing.assert_array_equal(np.diff(starts, append=len(t)) - 1, [
            t[s: e].max() for s, e in zip(starts, list(starts[1:]) + [len(t)])])
        cue = info["cue"][alive[:, i], i]
        channel = obs[alive[:, i], i, 0]
        for start, end in zip(starts, list(starts[1:]) + [len(t)]):
            onset = np.flatnonzero(cue[start:end])
            assert len(onset) == 1
            onsets.append(onset[0])
            lengths.append(end - start - onset[0] - delay - 1)
            np.testing.assert_array_equal(
                np.flatnonzero(channel[start:end]), onset[0] + np.arange(duration))
    assert set(onsets) == set(range(cue_time, cue_time + jitter + 1))
    assert set(lengths) == set(range(iti[0], iti[1] + 1))


@pytest.mark.parametrize("p", [0.3, 0.85])
def test_reward_probability(p):
    n_trials, num_envs = 300, 8
    _, _, info, alive, _ = session(num_envs, seed=1, n_trials=n_trials, reward_probability=p,
                                   iti=0, cue_time=1, delay=1)
    rewards = (info["reward"] & alive).sum()
    assert binomial_ok(rewards, n_trials * num_envs, p)
    # Every unrewarded trial of a rewardable cue is an omission.
    assert (info["omission"] & alive).sum() == n_trials * num_envs - rewards
    assert not info["probe"].any()


def test_omission_probes():
    n_trials, num_envs, q = 300, 8, 0.25
    _, reward, info, alive, _ = session(num_envs, seed=2, n_trials=n_trials,
                                        omission_probability=q, iti=0, cue_time=1, delay=2)
    probes = (info["probe"] & alive).sum()
    assert binomial_ok(probes, n_trials * num_envs, q)
    np.testing.assert_array_equal(info["probe"] & alive, info["omission"] & alive)
    assert (info["reward"] & alive).sum() == n_trials * num_envs - probes
    assert not (info["reward"] & info["probe"]).any()
    assert (reward[info["probe"]] == 0).all()


def test_blocking_schedule():
    phases = [
        {"trials": 5, "name": "A+", "trial_types": [{"cues": ["A"]}]},
        {"trials": 8, "trial_types": [
            {"cues": ["A", "X"], "magnitude": 2.0}, {"cues": [], "weight": 1}]},
        {"trials": 4, "trial_types": [{"cues": ["X"], "omission_probability": 1.0}]},
    ]
    obs, reward, info, alive, venv = session(phases=phases, delay=2, iti=(1, 2))
    assert venv.cue_names == ("A", "X")
    assert venv.trial_events == ("cue", "reward", "omission", "probe", "cue_A", "cue_X")
    for i in range(obs.shape[1]):
        live = alive[:, i]
        trial, phase = info["trial"][live, i], info["phase"][live, i]
        np.testing.assert_array_equal(phase, np.repeat([0, 1, 2], [5, 8, 4])[trial])
        kind = info["trial_type"][live, i]
        cue_a, cue_x = info["cue_A"][live, i], info["cue_X"][live, i]
        assert (cue_a[phase == 0]).sum() == 5 and not cue_x[phase == 0].any()
        # Compound trials show both cues at once; US-only trials show none.
        np.testing.assert_array_equal(cue_a[phase == 1], cue_x[phase == 1])
        assert cue_a[phase == 1].sum() == (np.unique(trial[(phase == 1) & (kind == 1)]).size)
        unsignalled = np.unique(trial[(phase == 1) & (kind == 2)])
        assert not (info["cue"][live, i] & np.isin(trial, unsignalled)).any()
        assert (info["reward"][live, i] & np.isin(trial, unsignalled)).sum() == len(unsignalled)
        # The X test probes are all omissions, never rewarded.
        assert cue_x[phase == 2].sum() == 4 and not cue_a[phase == 2].any()
        assert info["omission"][live, i][phase == 2].sum() == 4
        assert not info["reward"][live, i][phase == 2].any()
        r = reward[live, i]
        assert set(r[info["reward"][live, i] & (kind == 1)]) <= {2.0}
        assert (obs[live, i][phase == 2, 0] == 0).all()


def test_trial_type_weights():
    phases = [{"trials": 400, "trial_types": [
        {"cues": ["A"], "weight": 3}, {"cues": ["B"], "weight": 1}]}]
    _, _, info, alive, _ = session(8, seed=3, phases=phases, iti=0, cue_time=1, delay=0)
    a, b = (info["cue_A"] & alive).sum(), (info["cue_B"] & alive).sum()
    assert a + b == 3200
    assert binomial_ok(a, 3200, 0.75)


def test_lick_action_costs():
    obs, reward, info, alive, venv = session(n_trials=3, lick=True, lick_cost=0.1, action=1)
    assert venv.single_action_space.n == 2
    assert "lick" in venv.trial_events
    steps = alive[1:]
    assert info["lick"][1:][steps].all()
    expected = np.where(info["reward"][1:], 1.0, 0.0) - 0.1
    np.testing.assert_allclose(reward[1:][steps], expected[steps])
    assert gym.make(ID).action_space.n == 1


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"delay": -1}, "delay"),
        ({"delay": 2.5}, "delay"),
        ({"reward_probability": 1.5}, "reward_probability"),
        ({"omission_probability": -0.1}, "omission_probability"),
        ({"n_trials": 0}, "n_trials"),
        ({"cue_time": 0}, "cue_time"),
        ({"cue_jitter": -2}, "cue_jitter"),
        ({"cue_duration": 0}, "cue_duration"),
        ({"iti": (5, 2)}, "iti"),
        ({"iti": (1, 2, 3)}, "iti"),
        ({"iti": -1}, "iti"),
        ({"lick_cost": 0.1}, "lick_cost"),
        ({"lick": True, "lick_cost": -1.0}, "lick_cost"),
        ({"reward_magnitude": float("nan")}, "reward_magnitude"),
        ({"phases": []}, "phases"),
        ({"phases": [{"trials": 3}]}, r"phases\[0\].trial_types"),
        ({"phases": [{"trials": 0, "trial_types": [{"cues": ["A"]}]}]}, r"phases\[0\].trials"),
        ({"phases": [{"trials": 3, "trial_types": [{"cues": ["A"]}], "blocks": 2}]}, "blocks"),
        ({"phases": [{"trials": 3, "trial_types": [{"cues": "A"}]}]},
         r"phases\[0\].trial_types\[0\].cues"),
        ({"phases": [{"trials": 3, "trial_types": [{"cues": ["A"], "p": 1.0}]}]}, "'p'"),
        ({"phases": [{"trials": 3, "trial_types": [{"cues": ["A"]},
                                                   {"cues": ["B"], "reward_probability": 2}]}]},
         r"phases\[0\].trial_types\[1\].reward_probability"),
        ({"phases": [{"trials": 3, "trial_types": [{"cues": ["A"], "weight": 0}]}]}, "weight"),
        ({"phases": [{"trials": 3, "trial_types": [{"cues": ["A"]}]}], "n_trials": 5},
         "n_trials"),
    ],
)
def test_bad_kwargs_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        gym.make(ID, **kwargs)
    with pytest.raises(ValueError, match=name):
        gym.make_vec(ID, num_envs=2, **kwargs)
