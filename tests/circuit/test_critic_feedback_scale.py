"""circuit.critic_feedback_scale: the fixed random feedback B_C from ventral striatum to cortex,
times a factor (0 = cortex learns from the actor's feedback only; analyses/cartpole_cortex.py)."""

from __future__ import annotations

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError
from bioRTRRL.engines.parameters import run_seeds

from tests.equivalence import assert_engines_agree

N, P = 8, 2  # CartPole: two actions


def _model(scale, **learning):
    return br.load_model({"task": {"env": "CartPole-v1"},
                          "circuit": {"cortex_size": N, "critic_feedback_scale": scale},
                          "learning": learning, "run": {"eval_every": 0},
                          "recording": {"weights_every": 100}})


def _glorot_draw(seed):
    """B_A and B_C as the paper draws them (Glorot uniform, B_A first), in plain NumPy."""
    rng = np.random.default_rng(run_seeds(seed)["feedback"])
    b_a = rng.uniform(-np.sqrt(6 / (N + P)), np.sqrt(6 / (N + P)), N * P).reshape(N, P)
    b_c = rng.uniform(-np.sqrt(6 / (N + 1)), np.sqrt(6 / (N + 1)), N)
    return b_a, b_c


def test_b_c_is_the_draw_times_the_scale_and_both_engines_agree():
    # signature: B_C = 0.25 × the Glorot draw, B_A the draw unchanged, in both engines' recordings;
    # the closed loops then agree step for step
    ref = br.run(_model(0.25), steps=300, seed=5, progress=False)
    b2 = br.run(_model(0.25), steps=300, seed=5, engine="brian2", progress=False,
                codegen_target="numpy")
    b_a, b_c = _glorot_draw(5)
    for rec in (ref, b2):
        np.testing.assert_allclose(rec["feedback_striatum_ventral"].values, 0.25 * b_c, rtol=1e-12)
        np.testing.assert_allclose(rec["feedback_striatum_dorsal"].values, b_a, rtol=1e-12)
    assert_engines_agree(ref, b2)


def test_without_either_feedback_cortex_does_not_learn():
    # analytic: the cortex's learning signal is B_C + η_π B_A ψ (and the entropy's B_A χ); with
    # B_C scaled to 0, η_π = 0 and no entropy term it is 0, so W and τ keep their initial values
    # while the readouts learn
    rec = br.run(_model(0.0, eta_pi=0.0, entropy=0.0), steps=400, seed=2, progress=False)
    W, tau, w_c = (rec[v].values for v in ("W_cortex_cortex", "tau_cortex", "W_cortex_striatum_ventral"))
    np.testing.assert_array_equal(W[-1], W[0])
    np.testing.assert_array_equal(tau[-1], tau[0])
    assert np.abs(w_c[-1] - w_c[0]).max() > 1e-4
    learns = br.run(_model(0.5, eta_pi=0.0, entropy=0.0), steps=400, seed=2, progress=False)
    assert np.abs(learns["W_cortex_cortex"].values[-1] - learns["W_cortex_cortex"].values[0]).max() > 1e-6


@pytest.mark.parametrize("circuit, message", [
    ({"critic_feedback_scale": -1.0}, "circuit.critic_feedback_scale"),
    ({"critic_feedback_scale": 0.5, "feedback": "exact"}, "needs circuit.feedback = 'random'"),
])
def test_bad_scale_is_one_clear_message(circuit, message):
    with pytest.raises(ModelError, match=message):
        br.load_model({"circuit": circuit})
