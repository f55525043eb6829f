"""analyses/paper_table.py: its evaluation protocols, its chance level, one small run."""

import json

import numpy as np
import pytest
from scipy.stats import binom

from tests.analyses_scripts import load_analysis

pt = load_analysis("paper_table")


class _ScriptedSession:
    """Stands in for bioRTRRL.Session: advances a tick counter, scores from a script."""

    def __init__(self, scores):
        self.tick, self._scores = 0, iter(scores)

    def __call__(self, model, seed):  # Session(model, seed)
        return self

    def advance(self, n, progress=False):
        self.tick += n

    def evaluate(self, episodes):
        return next(self._scores)

    def finish(self):
        pass


@pytest.mark.parametrize("protocol, ticks, n_evals, stopped", [
    # the authors' code: every 100 k ticks, patience 20 -> 20 evaluations in 2 M ticks, no stop
    ("published", 2_000_000, 20, False),
    # dense (CartPole's 10 k): the best at the first evaluation, stopped 20 evaluations later
    ("dense", 210_000, 21, True),
    ("dense_full", 2_000_000, 200, False),
])
def test_protocols_schedule(monkeypatch, protocol, ticks, n_evals, stopped):
    """A run whose first evaluation stays its best: where each protocol stops it."""
    import bioRTRRL

    monkeypatch.setattr(bioRTRRL, "Session", _ScriptedSession([1.0] + [0.0] * 1000))
    every = pt.eval_every("cartpole_velocities", protocol)
    out = pt.train_with_early_stopping(None, 0, 2_000_000, every,
                                       pt.PROTOCOLS[protocol]["patience"])
    assert (out["ticks"], len(out["evals"]), out["stopped_early"]) == (ticks, n_evals, stopped)


def test_chance_of_best_is_the_binomial_quantile():
    """±1 episode returns, 10 per evaluation, 20 evaluations: the median best is the mean of 10
    at the number of +1s k where P(K ≤ k)^20 first reaches 1/2, K ~ Binomial(10, 1/2)."""
    k = int(binom.ppf(0.5 ** (1 / 20), 10, 0.5))
    assert pt.chance_of_best(np.array([-1.0, 1.0]), 20) == pytest.approx((2 * k - 10) / 10)


def test_narrowest_gaussian_scores_the_action_cost_of_its_variance():
    """MountainCarContinuous charges 0.1·a² per tick, and the actor's narrowest zero-mean
    Gaussian has σ = softplus(−2) = ln(1 + e⁻²) (a clip at ±1 is 7.9 σ away): an episode of
    999 ticks that never reaches the goal returns −0.1·999·σ² in expectation (analytic)."""
    returns = pt.narrowest_gaussian_returns(episodes=20)
    sigma = np.log1p(np.exp(-2.0))
    # per episode: −0.1·σ²·χ²₉₉₉, s.d. 0.1·σ²·√(2·999) = 0.072; over 20 episodes 0.016
    assert returns.mean() == pytest.approx(-0.1 * 999 * sigma**2, abs=0.05)
    assert returns.std() == pytest.approx(0.1 * sigma**2 * np.sqrt(2 * 999), rel=0.5)


def test_one_small_run_is_recorded_with_its_protocol(tmp_path):
    """A 2 k-tick MemoryChain-4 run under the published protocol: one evaluation at the budget,
    its record and the table row name the protocol."""
    rec = pt.run_one("memorychain_4", "rflo", "code", "published", 0, max_steps=2_000)
    assert "error" not in rec
    assert (rec["protocol"], rec["eval_every"], rec["ticks"], len(rec["evals"])) == (
        "published", pt.PUBLISHED_EVAL_EVERY, 2_000, 1)
    runs = tmp_path / "runs.jsonl"
    runs.write_text(json.dumps(rec) + "\n")
    pt.write_markdown(pt.read_runs(runs), tmp_path / "table.md")
    assert "| MemoryChain-4 | rflo | code | published | 1.00 |" in (tmp_path / "table.md").read_text()
