"""Gymnasium's MuJoCo tasks (the paper's Reacher and Swimmer rows) through the circuit: what the
circuit records is what Gymnasium's own environment does with the recorded actions (extra
``mujoco``, docs/suites.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.experiment import run_seeds

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mujoco") is None,
                                reason="MuJoCo not installed (extra 'mujoco')")

MODEL = Path(__file__).resolve().parents[2] / "models" / "paper_mountaincarcontinuous.toml"


def _model(env_id):
    # the paper table's Table 3 rows: the continuous-control paper model with the task swapped
    return br.load_model(MODEL).with_overrides({
        "task.env": env_id, "task.kwargs": {}, "task.observation_mask": "none",
        "run.eval_every": 0, "recording.dtype": "float64",
        "recording.variables": ["obs", "action", "reward"]})


@pytest.mark.parametrize("env_id, ticks, obs_dim", [("Reacher-v5", 130, 10), ("Swimmer-v5", 60, 8)])
def test_recording_replays_in_gymnasium(env_id, ticks, obs_dim):
    # signature: the recorded observations and rewards are Gymnasium's for the recorded actions
    # from the run's environment seed, across Reacher's 50-tick time limit (two resets)
    seed = 3
    rec = br.run(_model(env_id), steps=ticks, seed=seed, progress=False)
    obs, act, rew = (rec[v].values.reshape(ticks, -1) for v in ("obs", "action", "reward"))
    assert obs.shape[1] == obs_dim and act.shape[1] == 2
    ends = set(rec["episode_end_step"].values.tolist()) if "episode_end_step" in rec else set()
    env = gym.make(env_id)
    o, _ = env.reset(seed=int(run_seeds(seed)["env"].generate_state(1)[0]))
    np.testing.assert_allclose(obs[0], o, rtol=0, atol=1e-12)
    for t in range(ticks - 1):
        if t in ends:  # the tick after an episode's last starts a new episode
            o, r = env.reset()[0], 0.0
        else:
            o, r, *_ = env.step(act[t])
        np.testing.assert_allclose(obs[t + 1], o, rtol=0, atol=1e-9, err_msg=f"tick {t + 1}")
        assert rew[t + 1] == pytest.approx(r, abs=1e-9), f"tick {t + 1}"
    if env_id == "Reacher-v5":
        assert len(ends) == 2
    assert np.isfinite(act).all() and act.std() > 0  # a Gaussian actor that explores


def test_same_seed_same_run_and_seeds_differ():
    a, b, c = (br.run(_model("Reacher-v5"), steps=80, seed=s, progress=False)["reward"].values
               for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
