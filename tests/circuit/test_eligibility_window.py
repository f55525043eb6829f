"""The Yagishita et al. 2014 (Science 345:1616) window at a small budget (analyses/eligibility_window.py).

Signature: the weight change of a corticostriatal synapse against the delay from its presynaptic
activity to a dopamine burst is 0 for negative delays (and at 0) and, with the cascade
eligibility (learning.eligibility_cascade), peaks between 0.3 and 2 s; the plain exponential trace
peaks earlier, below 0.3 s.
"""

import numpy as np

from tests.analyses_scripts import load_analysis

ew = load_analysis("eligibility_window")

DELAYS = np.array([-1.0, -0.3, 0.0, 0.1, 0.2, 0.4, 0.6, 1.0, 1.5, 3.0])
CASCADE, EXPONENTIAL = list(ew.CONDITIONS.values())[1], list(ew.CONDITIONS.values())[0]


def test_cascade_window_is_zero_before_and_peaks_between_0_3_and_2_s():
    dw = ew.window(CASCADE, DELAYS)
    assert np.all(np.abs(dw[DELAYS <= 0]) < 1e-9)
    assert 0.3 <= DELAYS[np.argmax(dw)] <= 2.0
    assert dw.max() == 1.0 and dw[DELAYS == 3.0][0] < 0.3  # it decays again


def test_exponential_trace_peaks_right_after_the_presynaptic_activity():
    dw = ew.window(EXPONENTIAL, DELAYS)
    assert np.all(np.abs(dw[DELAYS <= 0]) < 1e-9)
    assert DELAYS[np.argmax(dw)] < 0.3
