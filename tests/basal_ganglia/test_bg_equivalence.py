"""Brian2 == reference step for step with the basal-ganglia options (dopamine neurons, the D1/D2
opponent actor, cued actions) and their manipulations: actions identical; δ, the dopamine rate,
value, rates and weights within 1e-9 over 2,000 ticks."""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines.brian2 import build_circuit

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

TOL = 1e-9
WEIGHTS = ("W_input_cortex", "W_cortex_cortex", "b_cortex", "tau_cortex",
           "W_cortex_striatum_dorsal", "W_cortex_striatum_ventral", "b_striatum_ventral")


def bg_model(**circuit):
    return br.load_model({
        "task": {"env": "bioRTRRL/ProbabilisticSelection-v0"},
        "circuit": {"cortex_size": 8, "meta_rl_input": False, "dopamine_neurons": True,
                    "dopamine_tonic_hz": 2.0, "striatum": "opponent", "cued_actions": True,
                    **circuit},
        "learning": {"gamma": 0.9, "entropy": 1e-3},
        "optimizer": {"kind": "sgd", "lr_readout": 0.05, "lr_cortex": 0.01, "clip_norm": 1.0},
        "recording": {"dtype": "float64", "weights_every": 500},
    })


CASES = {
    "opponent": ({}, []),
    "depleted_d2_blocked": ({}, [{"kind": "deplete_dopamine", "level": 0.5},
                                 {"kind": "block_d2", "fraction": 0.5, "start": 700}]),
    "raised_d1_blocked": ({}, [{"kind": "raise_dopamine", "factor": 2.0},
                               {"kind": "block_d1", "start": 900}]),
    "depleted_relative_dips": ({"dopamine_dip_relative": True},
                               [{"kind": "deplete_dopamine", "level": 0.5}]),
    "readout_adam": ({"striatum": "readout", "cued_actions": False}, []),
    # the cortex of models/basal_ganglia.toml: firing-rate units started sparse (a strong input
    # draw, 4 Hz spontaneous), Dale's law, time in seconds
    "rate_dale_seconds": ({"unit": "rate", "rate_input_scale": 6.0, "rate_spontaneous_hz": 4.0,
                           "sign": "dale", "env_dt_ms": 100.0, "tau_init_s": [0.1, 0.3],
                           "tau_min_s": 0.1}, [{"kind": "raise_dopamine", "factor": 2.0}]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_brian2_matches_reference_with_basal_ganglia_options(case):
    circuit, manipulations = CASES[case]
    model = bg_model(**circuit)
    if case == "readout_adam":
        model = model.with_overrides({"optimizer.kind": "adam", "optimizer.lr_readout": 1e-2})
    data = model.to_dict()
    data["manipulation"] = manipulations
    model = br.load_model(data)
    ref = br.run(model, steps=2000, seed=7, engine="reference", progress=False)
    b2 = build_circuit(model, 7).train(2000, progress=False)
    np.testing.assert_array_equal(b2.action.values, ref.action.values)
    for name in ("dopamine", "dopamine_rate", "value", "rate", "reward"):
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    for name in WEIGHTS:
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    assert ref.dopamine_rate.attrs["units"] == "Hz"
    # the run exercised bursts, dips bounded at 0 Hz, and learning
    assert ref.dopamine_rate.max() > 2.0 * ref.dopamine_rate.median()
    assert ref.dopamine_rate.min() >= 0.0
    K = ref.W_cortex_striatum_dorsal.values
    assert np.abs(K[-1] - K[0]).max() > 1e-2
