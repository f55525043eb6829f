"""analyses/cartpole_cortex.py at a small budget: what RFLO training does to cortex on CartPole.

Signature (the mechanism the analysis measures, docs/algorithm.md §3–4): with the shipped RFLO
settings δ is positive on average early on and the learning signal carries the constant feedback
B_C, so within a few thousand ticks the rates sit at sign(B_C,i) (alignment mean sign(B_C,i)·h_i
near 1), W_rec's spectral radius grows several-fold and the time constants shrink; a frozen cortex
keeps its initial weights and its rates are not aligned with B_C.
"""

import numpy as np

from tests.analyses_scripts import load_analysis

cc = load_analysis("cartpole_cortex")

STEPS = 3_000


def test_rflo_drives_the_rates_to_the_sign_of_the_critic_feedback():
    r = cc.run_one("rflo", seed=0, steps=STEPS)
    assert np.mean(r["mean_delta"]) > 0            # dopamine positive on average early on
    late = slice(len(r["align_BC"]) // 2, None)    # the second half of the run
    assert np.mean(r["align_BC"][late]) > 0.7       # h_i ≈ sign(B_C,i) (seed 0: 0.88)
    assert np.mean(r["saturation"][late]) > 0.4     # (seed 0: 0.68; frozen: 0)
    assert r["radius_Wrec"][-1] > 2 * r["radius_Wrec"][0]
    assert r["tau_mean"][-1] < r["tau_mean"][0]


def test_a_frozen_cortex_keeps_its_weights_and_is_not_aligned():
    r = cc.run_one("frozen", seed=0, steps=STEPS)
    assert len(set(r["radius_Wrec"])) == 1 and len(set(r["tau_mean"])) == 1
    assert abs(np.mean(r["align_BC"])) < 0.3 and max(r["saturation"]) < 0.1
    table = cc.summarise([r])
    assert "| frozen | 1 |" in table and f"{r['best']:.1f}" in table
