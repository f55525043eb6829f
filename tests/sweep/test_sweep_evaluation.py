"""Evaluation during training (Session.evaluate) runs a frozen copy: nothing of the learner moves."""

import numpy as np

import bioRTRRL as br
from bioRTRRL.experiment import Session


def _model():
    return br.load_model({
        "task": {"env": "CartPole-v1"},
        "circuit": {"cortex_size": 8},
        "run": {"eval_episodes": 3, "eval_max_steps": 40},
        "recording": {"variables": ["reward"]},
    })


def test_evaluation_leaves_weights_and_state_unchanged():
    session = Session(_model(), seed=0)
    session.advance(200)
    eng = session.engine
    before = {name: np.array(getattr(eng, name), copy=True)
              for name in ("theta", "h", "P", "e", "adam_m", "adam_v", "opt_state")}
    score = session.evaluate()
    assert np.isfinite(score)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(eng, name), value, err_msg=name)


def test_training_continues_as_if_no_evaluation_happened():
    evaluated, plain = Session(_model(), seed=0), Session(_model(), seed=0)
    evaluated.advance(150)
    evaluated.evaluate()
    evaluated.advance(150)
    plain.advance(300)
    np.testing.assert_array_equal(evaluated.engine.theta, plain.engine.theta)
