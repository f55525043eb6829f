"""``learning.time_limit``: what δ does on the tick a time limit cuts an episode.

Independent reference: δ recomputed in plain NumPy from the recorded reward and value of every
tick, δ_t = r_t + γ·(1 − end_t)·v_t − v_{t−1} on every tick that is not an episode's first, where
end_t is "terminated" (``bootstrap``, the default: a time-out keeps γV(s'), Pardo et al. 2018,
ICML) or "terminated or truncated" (``terminal``: the published RTRRL code's ``(1 − done)``). The
run is CartPole with a 15-step time limit, so that episodes end both ways within a few hundred
ticks; it is checked tick by tick, in the compiled closed loop and in Brian2 (which must also
agree with the reference step for step).
"""

from pathlib import Path

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError
from bioRTRRL.experiment import Session
from tests.equivalence import assert_engines_agree

DEFAULT = Path(__file__).resolve().parents[1] / "models" / "default.toml"
GAMMA = 0.99


def _model(time_limit: str):
    return br.load_model(DEFAULT).with_overrides({
        "task.max_episode_steps": 15, "learning.gamma": GAMMA, "learning.time_limit": time_limit,
        "run.eval_every": 0, "recording.dtype": "float64",
        "recording.variables": ["value", "reward", "dopamine", "action"],
        "recording.weights_every": 500})


def _expected_delta(ds, time_limit: str) -> np.ndarray:
    """δ of every tick from the recorded reward and value (0 on an episode's first tick)."""
    r, v = ds.reward.values, ds.value.values
    end = ds.terminated.values.copy()
    if time_limit == "terminal":
        end |= ds.truncated.values
    delta = np.zeros_like(r)
    delta[1:] = r[1:] + GAMMA * (1.0 - end[1:]) * v[1:] - v[:-1]
    delta[ds.t_in_episode.values == 0] = 0.0
    return delta


def _check(ds, time_limit: str) -> None:
    # a fall on the limit's tick is a termination (no bootstrap under either treatment)
    cut = ds.truncated.values & ~ds.terminated.values
    assert cut.sum() >= 5 and ds.terminated.values.sum() >= 5  # both kinds of episode end occur
    delta = ds.dopamine.values
    np.testing.assert_allclose(delta, _expected_delta(ds, time_limit), rtol=0, atol=1e-12)
    # on a time-out tick: r − V(s) with "terminal", r + γV(s') − V(s) with "bootstrap"
    r, v = ds.reward.values, ds.value.values
    i = np.flatnonzero(cut)
    boot = GAMMA * v[i] if time_limit == "bootstrap" else 0.0
    np.testing.assert_allclose(delta[i], r[i] + boot - v[i - 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("compiled", [False, True], ids=["per_tick", "compiled"])
@pytest.mark.parametrize("time_limit", ["bootstrap", "terminal"])
def test_delta_on_a_time_out_follows_the_option(time_limit, compiled):
    ds = Session(_model(time_limit), seed=3, compiled=compiled).train(600, progress=False)
    _check(ds, time_limit)


def test_the_option_changes_learning_and_the_compiled_loop_equals_the_per_tick_path():
    runs = {(tl, c): Session(_model(tl), seed=4, compiled=c).train(600, progress=False)
            for tl in ("bootstrap", "terminal") for c in (False, True)}
    for tl in ("bootstrap", "terminal"):
        np.testing.assert_allclose(runs[tl, True].dopamine.values,
                                   runs[tl, False].dopamine.values, rtol=0, atol=1e-12)
    # the time-out ticks' δ differ, so the weights do too
    a, b = runs["bootstrap", False], runs["terminal", False]
    assert np.abs(a.W_cortex_striatum_ventral.values[-1]
                  - b.W_cortex_striatum_ventral.values[-1]).max() > 1e-6


@pytest.mark.parametrize("time_limit", ["bootstrap", "terminal"])
def test_brian2_follows_the_option_step_for_step(time_limit):
    from bioRTRRL.engines.brian2 import build_circuit

    model = _model(time_limit)
    ref = br.run(model, steps=2000, seed=11, engine="reference", progress=False)
    b2 = build_circuit(model, 11).train(2000, progress=False)
    assert_engines_agree(ref, b2)
    _check(b2, time_limit)


def test_an_unknown_time_limit_treatment_is_a_model_error():
    with pytest.raises(ModelError, match="learning.time_limit"):
        br.load_model(DEFAULT).with_overrides({"learning.time_limit": "drop"})
