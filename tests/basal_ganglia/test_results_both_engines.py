"""The basal-ganglia results in both engines, at the tests' budgets.

Each result of analyses/ (Frank et al. 2004's crossover, Potjans et al. 2011's punishment
learning, the Schultz transfer in Hz) is a statistic of training runs made with the reference
engine. Here the same runs — the analysis's own model of each condition, at the budget of its
small test — are made with Brian2 as well: actions identical, and δ, the dopamine rate, the value
and every learned weight within 1e-9 of the reference. The statistic is a function of these
recordings (the crossover of the trained weights, the steps to goal of the actions, the δ at cue
and reward), so the result the reference's test asserts holds for the Brian2 run too.

Not here: the grid world's controls without a dopamine floor. With the rate critic and no floor
the actor's weights grow and the last-bit differences of the two engines' exp are amplified
(about ×4 per 100 ticks after tick 2,000), so the engines part after about 2,600 ticks;
tests/basal_ganglia/test_rate_critic.py states the agreement measured for that critic.

Yagishita et al. 2014's window is made by the two-stage cascade and a dopamine clamp, whose
Brian2 equivalence is tested in tests/circuit/test_cortex_options.py and the manipulation tests.
"""

import numpy as np
import pytest

import bioRTRRL as br
from tests.analyses_scripts import load_analysis

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

TOL = 1e-9
RECORDED = ("dopamine", "dopamine_rate", "value", "reward")


def _selection(state):
    return load_analysis("selection_task").state_model(state)


def _grid(scheme, hz):
    return load_analysis("grid_world").condition_model(scheme, "rate", hz)


def _timing(condition, interval):
    return load_analysis("dopamine_timing").model_for(condition, interval)


CASES = {  # result → (model of one of its conditions, ticks of its small test)
    "frank_depleted": (lambda: _selection("depleted"), 1200),
    "frank_raised": (lambda: _selection("raised"), 1200),
    "potjans_negative_low_baseline": (lambda: _grid("negative", 0.5), 3000),
    "potjans_positive_low_baseline": (lambda: _grid("positive", 0.5), 3000),
    "schultz_2s_serial_compound": (lambda: _timing("csc", 40), 3000),
    "schultz_1s_microstimuli": (lambda: _timing("microstimuli_reward", 20), 3000),
}


@pytest.mark.parametrize("case", list(CASES))
def test_result_runs_equal_in_brian2(case):
    build, steps = CASES[case]
    model = build()
    ref = br.run(model, steps=steps, seed=3, engine="reference", progress=False)
    b2 = br.run(model, steps=steps, seed=3, engine="brian2", progress=False)
    if "action" in ref:
        np.testing.assert_array_equal(b2.action.values, ref.action.values)
    for name in RECORDED:
        if name in ref:
            np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                       err_msg=name)
    weights = [name for name in ref.data_vars if name.startswith(("W_", "b_", "tau_"))]
    assert weights, "the recording holds the learned weights"
    for name in weights:
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    # the run learned: the comparison is not of two untouched circuits
    assert max(np.abs(ref[n].values[-1] - ref[n].values[0]).max() for n in weights) > 1e-3
