"""br.run end to end: schema, determinism, learning, and clear errors for bad input."""

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import xarray as xr
from gymnasium import spaces

import bioRTRRL as br
from bioRTRRL.experiment import Session

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "models" / "default.toml"


def test_recording_schema_of_a_short_run():
    ds = br.run(DEFAULT, steps=600, seed=3, progress=False)
    assert ds.sizes["step"] == 600
    assert set(ds.population.values) == {"input", "cortex", "striatum_dorsal", "striatum_ventral", "vta"}
    assert (ds.population == "cortex").sum() == 32
    # rate of VTA is δ and of ventral striatum the value: one source of truth
    np.testing.assert_allclose(ds.rate.sel(neuron=(ds.population == "vta").values).values[:, 0],
                               ds.dopamine.values, rtol=1e-6, atol=1e-6)
    # episode table agrees with the per-tick rewards
    ends = ds.episode_end_step.values
    first = ends[0]
    assert ds.episode_return.values[0] == ds.reward.values[: first + 1].sum()
    assert ds.episode_length.values[0] == first
    # the tick after an episode ends starts the next one: t_in_episode 0, reward 0, δ 0
    nxt = ends[:-1] + 1
    assert (ds.t_in_episode.values[nxt] == 0).all()
    assert (ds.reward.values[nxt] == 0).all() and (ds.dopamine.values[nxt] == 0).all()
    assert ds.attrs["finished"] == 1 and ds.attrs["seed"] == 3
    assert br.load_model(dict(__import__("tomllib").loads(ds.attrs["model"]))).task.observation_mask == "positions"


def test_same_seed_same_recording_and_other_seed_differs():
    a = br.run(DEFAULT, steps=1500, seed=7, progress=False)
    b = br.run(DEFAULT, steps=1500, seed=7, progress=False)
    c = br.run(DEFAULT, steps=1500, seed=8, progress=False)
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a.action.values, c.action.values)


def test_batched_run_has_env_dim_and_separate_states():
    ds = br.run(br.load_model(DEFAULT).with_overrides({"task.num_envs": 4}), steps=300, seed=0,
                progress=False)
    assert ds.rate.dims == ("step", "env", "neuron")
    assert ds.episode.dims == ("step", "env")
    # different environments see different observations and so carry different cortical states
    cortex = ds.rate.sel(neuron=(ds.population == "cortex").values).isel(step=50).values
    assert np.abs(cortex[0] - cortex[1]).max() > 1e-3


def test_continuous_actor_respects_the_action_box():
    model = br.load_model({"task": {"env": "Pendulum-v1"}})
    ds = br.run(model, steps=400, seed=0, progress=False)
    a = ds.action.values
    assert a.shape == (400, 1) and a.min() >= -2.0 and a.max() <= 2.0 and a.std() > 0.1


def test_truncation_bootstraps_and_termination_does_not():
    """δ on an ending tick = r + γ v(final obs) − v_prev if truncated, r − v_prev if terminated."""
    model = br.load_model(DEFAULT).with_overrides({"task.max_episode_steps": 15, "learning.plasticity": False})
    ds = br.run(model, steps=400, seed=1, progress=False)
    v, d, r = ds.value.values, ds.dopamine.values, ds.reward.values
    # an episode both terminated and truncated on the same tick counts as terminated
    trunc = np.flatnonzero(ds.truncated.values & ~ds.terminated.values)
    term = np.flatnonzero(ds.terminated.values)
    assert trunc.size and term.size
    np.testing.assert_allclose(d[trunc], r[trunc] + 0.99 * v[trunc] - v[trunc - 1], atol=1e-12)
    np.testing.assert_allclose(d[term], r[term] - v[term - 1], atol=1e-12)


def test_learning_improves_cartpole_velocities_only():
    model = br.load_model(ROOT / "models" / "cartpole_velocities.toml").with_overrides(
        {"run.eval_every": 0, "recording.variables": ["reward"], "optimizer.lr_decay_steps": 100_000})
    ds = br.run(model, steps=100_000, seed=0, progress=False)
    ret = ds.episode_return.values
    early, late = ret[:50].mean(), ret[-50:].mean()
    assert late > 2.5 * early, (early, late)


@pytest.mark.parametrize("spec, message", [
    ({"learning": {"gamma": 1.5}}, r"learning.gamma must be in \(0, 1\], got 1.5"),
    ({"learning": {"gama": 0.9}}, r"unknown key 'learning.gama'"),
    ({"circuit": {"cortex_size": 0}}, r"circuit.cortex_size must be in \[1, 4096\], got 0"),
    ({"circuit": {"cortex_size": "32"}}, r"circuit.cortex_size must be an integer, got '32'"),
    ({"optimizer": {"kind": "rmsprop"}}, r"optimizer.kind must be one of \['adam', 'sgd'\]"),
    ({"brain": {}}, r"unknown section 'brain'"),
    ({"task": {"observation_mask": "colour"}}, r"task.observation_mask must be"),
    ({"learning": {"critic_trace": "dutch"}}, r"requires optimizer.kind = 'sgd'"),
    ({"recording": {"populations": ["thalamus"]}}, r"unknown population 'thalamus'"),
    ({"circuit": {"tau_init": [5.0, 1.0]}}, r"circuit.tau_init must be \[lo, hi\]"),
])
def test_bad_model_gives_one_clear_message(spec, message):
    with pytest.raises(br.ModelError, match=message):
        br.load_model(spec)


def test_bad_model_file_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[learning]\ngamma = 1.5\n")
    with pytest.raises(br.ModelError, match="gamma must be in"):
        br.load_model(path)
    with pytest.raises(br.ModelError, match="does not exist"):
        br.load_model(tmp_path / "missing.toml")


def test_unknown_env_and_incompatible_action_space():
    with pytest.raises(br.ModelError, match="task.env: unknown environment id 'NoSuchEnv-v9'"):
        br.run({"task": {"env": "NoSuchEnv-v9"}}, steps=10, progress=False)

    class Multi(gym.Env):
        observation_space = spaces.Box(-1, 1, (2,))
        action_space = spaces.MultiDiscrete([2, 2])

    gym.register("test/Multi-v0", entry_point=lambda: Multi())
    with pytest.raises(br.ModelError, match="MultiDiscrete.*task.wrappers.*FlatDiscreteAction"):
        br.run({"task": {"env": "test/Multi-v0"}}, steps=10, progress=False)


def test_nan_in_weights_stops_with_a_message_and_keeps_the_recording():
    session = Session(br.load_model(DEFAULT), seed=0)
    session.advance(500)
    session.engine.params["W"][0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="non-finite values in W") as info:
        session.train(1000)
    partial = info.value.recording
    assert partial.attrs["finished"] == 0 and "non-finite" in partial.attrs["error"]
    assert partial.sizes["step"] == 1000


def test_model_round_trips_through_toml():
    model = br.load_model(DEFAULT).with_overrides({"learning.lambda_cortex": 0.5, "task.observation_mask": [0, 2]})
    again = br.load_model(__import__("tomllib").loads(model.to_toml()))
    assert again == model
