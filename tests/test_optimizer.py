"""The optimizer step: norm clip scopes and the learning-rate schedule, against analytic values."""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines import kernels as K
from bioRTRRL.engines.reference import lr_schedule
from bioRTRRL.experiment import Session


def _first_update(clip_norm, clip_scope, critic_scale=1.0, kind="sgd"):
    """θ before and after the first TD update, and the engine's layout."""
    model = br.load_model({
        "circuit": {"cortex_size": 8},
        "optimizer": {"kind": kind, "lr_cortex": 0.5, "lr_readout": 0.5,
                      "clip_norm": clip_norm, "clip_scope": clip_scope,
                      "lr_critic_scale": critic_scale},
        "learning": {"entropy": 0.0},
    })
    session = Session(model, seed=1)
    session.advance(1)  # a fresh tick: no TD transition, no update
    before = session.engine.theta.copy()
    session.advance(1)
    return before, session.engine.theta.copy(), session.engine.layout


@pytest.mark.parametrize("scope", ["all", "cortex"])
def test_clip_bounds_the_step_of_its_scope_and_leaves_the_rest(scope):
    clip = 1e-4
    b0, free, lay = _first_update(0.0, "all")
    b1, clipped, _ = _first_update(clip, scope)
    np.testing.assert_array_equal(b0, b1)
    cortex, readout = lay["cortex"], lay["readout"]
    step_free, step = free - b0, clipped - b1
    measured = {"all": step, "cortex": step[cortex]}[scope]
    # SGD: the clipped direction has norm `clip`, the step lr · clip
    assert np.linalg.norm({"all": step_free, "cortex": step_free[cortex]}[scope]) > 0.5 * clip
    np.testing.assert_allclose(np.linalg.norm(measured), 0.5 * clip, rtol=1e-9)
    if scope == "cortex":  # the readouts move exactly as without a clip
        np.testing.assert_array_equal(step[readout], step_free[readout])
    # and the direction is the unclipped one
    sel = {"all": slice(None), "cortex": cortex}[scope]
    cos = step[sel] @ step_free[sel] / np.linalg.norm(step[sel]) / np.linalg.norm(step_free[sel])
    assert cos == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_critic_scale_multiplies_the_critic_step_only(kind):
    """SGD steps by lr · d, Adam's first step by lr · sign(d): either way the critic's is 3× longer."""
    b0, one, lay = _first_update(0.0, "all", 1.0, kind)
    b3, three, _ = _first_update(0.0, "all", 3.0, kind)
    np.testing.assert_array_equal(b0, b3)
    critic = np.r_[lay["w_C"], lay["b_C"]]
    rest = np.setdiff1d(np.arange(b0.size), critic)
    assert np.abs(one[critic] - b0[critic]).max() > 0
    np.testing.assert_allclose(three[critic] - b3[critic], 3.0 * (one[critic] - b0[critic]),
                               rtol=1e-12, atol=0)
    np.testing.assert_array_equal(three[rest], one[rest])


@pytest.mark.parametrize("kind,t,expected", [
    ("constant", 10_000, 1.0),
    ("inverse_sqrt", 300, 1 / np.sqrt(1 + 300 / 100)),
    ("linear", 50, 1 - 0.75 * 0.5),
    ("linear", 10_000, 0.25),
    ("cosine", 50, 0.25 + 0.75 * 0.5),
    ("cosine", 10_000, 0.25),
])
def test_schedule_factor(kind, t, expected):
    opt = br.load_model({"optimizer": {"lr_schedule": kind, "lr_decay_steps": 100,
                                       "lr_final_fraction": 0.25}}).optimizer
    assert lr_schedule(opt)(t) == pytest.approx(expected, rel=1e-12)
    assert K.lr_factor(K.SCHEDULES.index(kind), float(t), 100.0, 0.25) == pytest.approx(expected)


def test_input_adaptation_matches_gymnasium_running_statistics():
    """The input population's adaptation = Gymnasium's RunningMeanStd over the same observations."""
    from gymnasium.wrappers.utils import RunningMeanStd

    model = br.load_model({"circuit": {"cortex_size": 4, "input_adaptation": True},
                           "learning": {"plasticity": False}})
    session = Session(model, seed=5)
    rms = RunningMeanStd(shape=(4,))
    for _ in range(300):  # spans several episodes: resets are observations too
        session.advance(1)
        rms.update(session.driver.obs.copy())
    stats = session.engine.obs_stats
    np.testing.assert_allclose(stats[0], rms.mean, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(stats[1], rms.var, rtol=1e-9)
    expected = (session.driver.obs[0] - rms.mean) / np.sqrt(rms.var + 1e-8)
    np.testing.assert_allclose(session.engine.act[0, :4], expected, rtol=1e-8)
    assert session.driver.episode[0] >= 2
