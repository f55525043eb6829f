"""The circuit description: a population or projection added by an entry, in both engines.

The signature checked: a second cortical population with its own plastic input projection, added
through the model description alone (no engine code), trains in the reference and the Brian2
engine to the same actions, δ and weights (1e-9) over 2,000 ticks; synapses the description
leaves out stay exactly 0, fixed ones keep their initial weights.
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.circuit import describe
from bioRTRRL.config import ModelError
from tests.equivalence import assert_engines_agree

TWO_POPULATIONS = {
    "name": "two_cortical_populations",
    "task": {"env": "CartPole-v1", "observation_mask": "velocities"},
    "circuit": {
        "cortex_size": 12, "tau_init": [1.0, 20.0],
        "population": [{"name": "pfc", "size": 6, "tau_init": [5.0, 10.0]}],
        "projection": [
            {"pre": "input", "post": "pfc"},                       # its own plastic input
            {"pre": "pfc", "post": "cortex", "plastic": False},    # fixed pfc → cortex
            {"pre": "pfc", "post": "striatum_ventral"},            # pfc informs the critic
        ],
    },
    "learning": {"lambda_cortex": 0.9, "lambda_actor": 0.9, "lambda_critic": 0.9},
    "run": {"eval_every": 0},
    "recording": {"weights_every": 500},
}


def test_description_lists_the_added_population_and_projections():
    desc = describe(br.load_model(TWO_POPULATIONS))
    assert desc.cortex_sizes == (("cortex", 12), ("pfc", 6))
    names = {p.name: p.plastic for p in desc.projections}
    assert names == {"input_cortex": True, "cortex_cortex": True, "cortex_striatum_dorsal": True,
                     "cortex_striatum_ventral": True, "input_pfc": True, "pfc_cortex": False,
                     "pfc_striatum_ventral": True}


def test_reference_keeps_absent_synapses_at_zero_and_fixed_ones_fixed():
    ds = br.run(TWO_POPULATIONS, steps=2_000, seed=1, progress=False)
    W = ds["W_input_cortex"].values       # snapshots × all 18 cortical units × input
    R = ds["W_cortex_cortex"].values
    assert set(ds["population"].values) >= {"cortex", "pfc"}
    # pfc receives only input (no recurrence was described): its recurrent row block is 0
    assert np.all(R[:, 12:, :] == 0.0)
    # cortex → pfc does not exist; pfc → cortex is fixed
    np.testing.assert_array_equal(R[-1, :12, 12:], R[0, :12, 12:])
    assert np.any(R[0, :12, 12:] != 0.0)
    # the plastic input of pfc learned
    assert np.abs(W[-1, 12:] - W[0, 12:]).max() > 1e-4
    # pfc projects to the critic, not to the actor
    assert np.all(ds["W_cortex_striatum_dorsal"].values[:, 12:] == 0.0)
    assert np.any(ds["W_cortex_striatum_ventral"].values[-1, 12:] != 0.0)


def test_unknown_population_in_projection_is_one_clear_message():
    bad = {"circuit": {"projection": [{"pre": "pcf", "post": "cortex"}]}}
    with pytest.raises(ModelError, match=r"circuit.projection\[0\].pre: unknown population 'pcf'"):
        br.load_model(bad)


@pytest.mark.parametrize("codegen_target", ["numpy"])
def test_both_engines_agree_step_for_step(codegen_target):
    steps = 2_000
    ref = br.run(TWO_POPULATIONS, steps=steps, seed=4, progress=False)
    b2 = br.run(TWO_POPULATIONS, steps=steps, seed=4, engine="brian2", progress=False,
                codegen_target=codegen_target)
    assert_engines_agree(ref, b2)
