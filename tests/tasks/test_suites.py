"""Third-party environments by id: module:EnvId, task.imports, task.wrappers, the spaces the
circuit takes or refuses, Discrete observations with any start, the evaluation tick budget, and
the popgym / NeuroGym adapters (docs/suites.md)."""

from __future__ import annotations

import importlib.util

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import bioRTRRL as br
from bioRTRRL.config import ModelError, TaskSpec
from bioRTRRL.environment import EnvDriver


class SpaceEnv(gym.Env):
    """A world with given spaces: observation k at tick k (cycling), reward 1 every tick, never
    ends (a continuing task)."""

    def __init__(self, observation_space=None, action_space=None):
        self.observation_space = observation_space or spaces.Discrete(3)
        self.action_space = action_space or spaces.Discrete(2)
        self.k = 0

    def _obs(self):
        space = self.observation_space
        if isinstance(space, spaces.Discrete):
            return space.start + self.k % space.n
        return space.sample()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.observation_space.seed(seed)
        self.k = 0
        return self._obs(), {}

    def step(self, action):
        self.k += 1
        return self._obs(), 1.0, False, False, {}


ENV_ID = "suitestest/Spaces-v0"
if ENV_ID not in gym.registry:
    gym.register(ENV_ID, entry_point=SpaceEnv)


def driver(observation_space=None, action_space=None, num_envs=1, **task):
    kwargs = {"observation_space": observation_space, "action_space": action_space}
    return EnvDriver(TaskSpec(env=ENV_ID, kwargs=kwargs, num_envs=num_envs, **task), seed=0)


@pytest.mark.parametrize("start", [0, 1, -1, 5])
@pytest.mark.parametrize("num_envs", [1, 2])
def test_discrete_observation_is_one_hot_of_obs_minus_start(start, num_envs):
    # signature: observation start + j is the unit vector e_j (j = 0 … n−1), whatever the start
    d = driver(spaces.Discrete(4, start=start), num_envs=num_envs)
    assert d.O == 4
    d.reset()
    seen = [d.obs.copy()]
    for _ in range(5):
        d.step(np.zeros(num_envs, dtype=np.int64))
        seen.append(d.obs.copy())
    eye = np.eye(4)
    for k, obs in enumerate(seen):  # SpaceEnv shows start + k mod 4 at tick k
        np.testing.assert_array_equal(obs, np.tile(eye[k % 4], (num_envs, 1)))


@pytest.mark.parametrize("space, wrapper", [
    (spaces.Dict({"a": spaces.Discrete(2)}), "FlattenObservation"),
    (spaces.Tuple((spaces.Discrete(2), spaces.Discrete(3))), "FlattenObservation"),
    (spaces.MultiDiscrete([2, 3]), "FlattenObservation"),
    (spaces.MultiBinary(3), "FlattenObservation"),
])
def test_unsupported_observation_space_names_the_wrapper(space, wrapper):
    with pytest.raises(ModelError, match=f"task.env .*{wrapper}.*task.wrappers"):
        driver(space)


@pytest.mark.parametrize("space", [spaces.MultiDiscrete([2, 3]), spaces.MultiBinary(3)])
def test_unsupported_action_space_names_the_wrapper(space):
    with pytest.raises(ModelError, match="task.wrappers.*FlatDiscreteAction"):
        driver(action_space=space)


@pytest.mark.parametrize("space, flat, expected", [
    (spaces.MultiDiscrete([3, 4]), 7, [1, 3]),                      # 7 = 1·4 + 3
    (spaces.MultiDiscrete([3, 4], start=[-1, 2]), 7, [0, 5]),
    (spaces.MultiBinary(3), 6, [1, 1, 0]),                           # 6 = 0b110
])
def test_flat_discrete_action_is_the_row_major_multi_index(space, flat, expected):
    from bioRTRRL.tasks.suites import FlatDiscreteAction

    env = FlatDiscreteAction(SpaceEnv(action_space=space))
    assert env.action_space.n == int(np.prod(getattr(space, "nvec", [2] * 3)))
    np.testing.assert_array_equal(env.action(flat), expected)
    d = driver(action_space=space, wrappers=["bioRTRRL.tasks.suites:FlatDiscreteAction"],
               num_envs=2)
    assert d.A == env.action_space.n


def test_flatten_observation_wrapper_from_the_model_makes_it_readable():
    # FlattenObservation one-hot encodes each Discrete part: MultiDiscrete([2, 3]) → 5 inputs
    d = driver(spaces.MultiDiscrete([2, 3]), wrappers=["gymnasium.wrappers:FlattenObservation"])
    assert d.O == 5
    obs = d.reset()
    assert obs.sum() == 2 and set(np.unique(obs)) <= {0.0, 1.0}


@pytest.mark.parametrize("bad, message", [
    (["gymnasium.wrappers"], "not of the form"),
    (["gymnasium.wrappers:NoSuchWrapper"], "has no 'NoSuchWrapper'"),
    (["no_such_package_xyz:W"], "cannot import"),
])
def test_bad_wrapper_is_a_model_error(bad, message):
    with pytest.raises(ModelError, match=f"task.wrappers.*{message}"):
        driver(wrappers=bad)


def test_module_colon_id_and_imports_register_before_lookup(tmp_path, monkeypatch):
    # a package that registers its id only when imported, as popgym and NeuroGym do
    (tmp_path / "suite_fixture_pkg.py").write_text(
        "import gymnasium as gym\n"
        "gym.register('SuiteFixture-v0', entry_point='gymnasium.envs.classic_control:CartPoleEnv')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "SuiteFixture-v0" not in gym.registry
    try:
        d = EnvDriver(TaskSpec(env="suite_fixture_pkg:SuiteFixture-v0"), seed=0)
        assert (d.O, d.A) == (4, 2)
        d = EnvDriver(TaskSpec(env="SuiteFixture-v0", imports=["suite_fixture_pkg"]), seed=0)
        assert (d.O, d.A) == (4, 2)
    finally:
        gym.registry.pop("SuiteFixture-v0", None)
    with pytest.raises(ModelError, match="task.env: cannot import 'no_such_suite_xyz'"):
        EnvDriver(TaskSpec(env="no_such_suite_xyz:Foo-v0"), seed=0)
    with pytest.raises(ModelError, match="task.imports: cannot import"):
        EnvDriver(TaskSpec(env="CartPole-v1", imports=["no_such_suite_xyz"]), seed=0)


def test_trial_as_episode_needs_neurogym():
    with pytest.raises(ModelError, match="task.trial_as_episode.*NeuroGym"):
        EnvDriver(TaskSpec(env="CartPole-v1", trial_as_episode=True), seed=0)


@pytest.mark.parametrize("budget", [7, 40])
def test_continuing_task_is_evaluated_over_the_tick_budget(budget):
    # SpaceEnv pays 1 per step and never ends: the score is exactly the budget, in either order
    # of the budget and an episode cap longer than it
    model = br.load_model({"task": {"env": ENV_ID}, "circuit": {"cortex_size": 4},
                           "run": {"eval_budget": budget, "eval_max_steps": 1000}})
    session = br.Session(model, seed=0)
    assert session.evaluate(3) == budget
    capped = model.with_overrides({"run.eval_max_steps": 5})  # the shorter one wins
    assert br.Session(capped, seed=0).evaluate(3) == 5


# -- popgym (installed with the `suites` extra, part of `dev`) ----------------------------------
needs_popgym = pytest.mark.skipif(importlib.util.find_spec("popgym") is None,
                                  reason="popgym not installed (extra 'suites')")


@needs_popgym
def test_popgym_by_id_runs_with_discrete_observations_and_multidiscrete_actions():
    # RepeatFirst: Discrete(4) observations; Minesweeper: MultiDiscrete([4, 4]) actions, which
    # FlatDiscreteAction turns into Discrete(16), also inside a vector of wrapped copies
    for n in (1, 3):
        d = EnvDriver(TaskSpec(env="popgym:popgym-MineSweeperEasy-v0", num_envs=n), seed=0)
        assert (d.O, d.A) == (3, 16)
        d.reset()
        d.step(np.full(n, 15))
    model = br.load_model({"task": {"env": "popgym:popgym-RepeatFirstEasy-v0"},
                           "circuit": {"cortex_size": 8},
                           "run": {"eval_every": 100, "eval_episodes": 2}})
    a = br.run(model, steps=300, seed=1, progress=False)
    b = br.run(model, steps=300, seed=1, progress=False)
    np.testing.assert_array_equal(a["reward"].values, b["reward"].values)  # same seed, same run
    assert a["obs"].values.sum(-1).max() == 1.0  # one-hot


# -- NeuroGym (optional: docs/suites.md gives the install line) ---------------------------------
needs_neurogym = pytest.mark.skipif(importlib.util.find_spec("neurogym") is None,
                                    reason="NeuroGym not installed (docs/suites.md)")


def _neurogym_stream(seed, trial_as_episode, ticks=80):
    d = EnvDriver(TaskSpec(env="neurogym:PerceptualDecisionMaking-v0",
                           trial_as_episode=trial_as_episode), seed=seed)
    d.reset()
    rng = np.random.default_rng(0)
    out = []
    for _ in range(ticks):
        d.step(np.array([rng.integers(3)]))
        out.append((d.obs.copy(), d.reward[0], d.terminated[0], d.trial[0], d.events[0].copy()))
    return d, out


@needs_neurogym
@pytest.mark.parametrize("trial_as_episode", [False, True])
def test_neurogym_same_seed_same_trials_and_events(trial_as_episode):
    d, a = _neurogym_stream(3, trial_as_episode)
    _, b = _neurogym_stream(3, trial_as_episode)
    _, c = _neurogym_stream(4, trial_as_episode)
    assert d.trial_events == ("fixation", "stimulus", "delay", "decision", "correct", "incorrect")
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x[0], y[0])
        np.testing.assert_array_equal(x[4], y[4])
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(a, c))  # the seed matters
    ends = [k for k, x in enumerate(a) if x[4][4] or x[4][5]]  # correct or incorrect
    assert ends, "no trial ended in 80 ticks (a trial lasts 22)"
    if trial_as_episode:  # a trial's end is an episode's end
        assert all(a[k][2] for k in ends) and sum(x[2] for x in a) == len(ends)
    else:  # continuing: the trial counter moves on at every trial end
        assert not any(x[2] for x in a)
        assert [a[k][3] for k in ends] == list(range(1, len(ends) + 1))


@needs_popgym
def test_cli_runs_a_model_file_naming_a_popgym_id(tmp_path, capsys):
    from bioRTRRL.cli import main

    model = tmp_path / "repeat_previous.toml"
    model.write_text('[task]\nenv = "popgym:popgym-RepeatPreviousEasy-v0"\n'
                     '[circuit]\ncortex_size = 8\n[recording]\nvariables = ["reward", "obs"]\n')
    assert main(["run", str(model), "--steps", "200", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "recording.nc").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[task]\nenv = "no_such_suite_xyz:Foo-v0"\n')
    assert main(["run", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert "task.env: cannot import 'no_such_suite_xyz'" in capsys.readouterr().err


def test_brian2_evaluates_a_continuing_task_over_the_same_budget():
    from brian2 import prefs

    model = br.load_model({"task": {"env": ENV_ID}, "circuit": {"cortex_size": 4},
                           "run": {"eval_budget": 7, "eval_every": 20, "eval_episodes": 2}})
    ref = br.run(model, steps=40, seed=1, progress=False)
    before = prefs["codegen.target"]
    prefs["codegen.target"] = "numpy"  # compiles nothing
    try:
        b2 = br.run(model, steps=40, seed=1, engine="brian2", progress=False)
    finally:
        prefs["codegen.target"] = before
    np.testing.assert_array_equal(ref.eval_return.values, [7.0, 7.0])
    np.testing.assert_array_equal(b2.eval_return.values, ref.eval_return.values)
