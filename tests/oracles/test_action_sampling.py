"""The discrete actor draws each action with the probability its softmax gives it.

The step oracle (test_reference_step.py) and the score test (test_finite_differences.py) take the
engine's drawn action as given: they check ψ = onehot(a) − π for *that* a, so an action drawn
from the wrong distribution (an inverse-CDF off by one bin, a draw that ignores π) passes both.
These tests check the draw itself, against π computed here in NumPy (issue 15 asked whether a
3-action actor has a bug a 2-action task would not show; it has none).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from .engine_access import discrete_head
from .numpy_reference import softmax_logp

GRID = 20_000  # uniform draws u = (k + ½)/GRID: each action's share of them is π(a) ± 1/GRID


@pytest.mark.parametrize("n_actions", [2, 3, 4])
def test_inverse_cdf_draw_has_the_softmax_probabilities(n_actions):
    rng = np.random.default_rng(n_actions)
    for _ in range(3):
        y = rng.normal(scale=1.5, size=n_actions)
        pi = np.exp(softmax_logp(y))
        u = (np.arange(GRID) + 0.5) / GRID
        draws = np.array([discrete_head(y, float(uk))[0] for uk in u])
        share = np.bincount(draws, minlength=n_actions) / GRID
        np.testing.assert_allclose(share, pi, rtol=0, atol=2.0 / GRID,
                                   err_msg=f"engine's draw on logits {y} is not softmax(y)")


def test_closed_loop_actions_follow_the_recorded_logits():
    """A whole run (plasticity off, 3 actions): the actions the circuit emits have, tick by tick,
    the probabilities softmax(recorded dorsal-striatum outputs) — the logits recorded are the ones
    the draw used, and the draw's uniform stream is uniform. Pooled χ² over 6,000 ticks."""
    import bioRTRRL as br

    model = br.load_model("models/paper_catch.toml").with_overrides({
        "learning.plasticity": False, "run.eval_every": 0, "recording.weights_every": 0,
        "recording.variables": ["action", "rate"]})
    ds = br.Session(model, seed=3).train(6_000, progress=False)
    actions = ds["action"].values.reshape(len(ds.step), -1)[:, 0].astype(int)
    y = ds["rate"].values[:, ds["population"].values == "striatum_dorsal"].astype(np.float64)
    pi = np.exp(np.array([softmax_logp(row) for row in y]))
    observed = np.bincount(actions, minlength=pi.shape[1])
    expected = pi.sum(0) * (len(actions) / pi.sum())  # recorded in float32: Σπ = 1 ± 1e-7
    assert chisquare(observed, expected).pvalue > 1e-3, (observed, expected.round(1))
