"""Dopamine manipulations in the Brian2 engine reproduce the reference engine's manipulated run."""

import numpy as np

import bioRTRRL as br
from bioRTRRL.manipulation import manipulate

STEPS = 120
TOL = 1e-9
COMPARED = ("dopamine", "value", "W_cortex_cortex", "W_cortex_striatum_dorsal",
            "W_cortex_striatum_ventral", "tau_cortex")


def _both(*entries):
    model = br.load_model({"circuit": {"cortex_size": 8}, "learning": {"entropy": 1e-3},
                           "recording": {"dtype": "float64"}})
    for e in entries:
        model = manipulate(model, **e)
    ref = br.run(model, steps=STEPS, seed=3, progress=False)
    b2 = br.run(model, steps=STEPS, seed=3, engine="brian2", progress=False)
    np.testing.assert_array_equal(b2.action.values, ref.action.values)
    for name in COMPARED:
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    return b2


def test_brian2_scaled_shifted_rectified_dopamine_matches_reference():
    b2 = _both(dict(kind="scale_dopamine", gain=0.5), dict(kind="shift_dopamine", shift=0.05),
               dict(kind="rectify_dopamine", baseline=0.0))
    assert b2.dopamine.min() >= 0.0


def test_brian2_vta_lesion_mid_training_matches_reference():
    b2 = _both(dict(kind="lesion", target="vta", start=60))
    assert np.any(b2.dopamine.values[:60] != 0.0)
    assert np.all(b2.dopamine.values[60:] == 0.0)
