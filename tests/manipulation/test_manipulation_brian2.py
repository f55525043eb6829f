"""Every manipulation in the Brian2 engine reproduces the reference engine's manipulated run.

Same model, seed and manipulation: identical actions; δ, value, rates, every weight snapshot and
the evaluations of the frozen policy within 1e-9. Manipulations start at tick 0 or mid-run; each test also checks the manipulation's
own signature (silent units, frozen weights, ...) on the Brian2 recording.
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.manipulation import manipulate

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

STEPS = 300
START = 120  # mid-run manipulations begin here
TOL = 1e-9
WEIGHTS = ("W_input_cortex", "W_cortex_cortex", "b_cortex", "tau_cortex",
           "W_cortex_striatum_dorsal", "W_cortex_striatum_ventral", "b_striatum_ventral")
# weight variable of each manipulation target
HOLDS = {"input_cortex": ("W_input_cortex",), "cortex_cortex": ("W_cortex_cortex",),
         "cortex_bias": ("b_cortex",), "cortex_tau": ("tau_cortex",),
         "cortex_striatum_dorsal": ("W_cortex_striatum_dorsal",),
         "cortex_striatum_ventral": ("W_cortex_striatum_ventral", "b_striatum_ventral")}


def _both(*entries, **overrides):
    """Reference and Brian2 recordings of one manipulated model, checked equal."""
    model = br.load_model({"circuit": {"cortex_size": 8}, "learning": {"entropy": 1e-3},
                           "recording": {"dtype": "float64", "weights_every": START // 2},
                           "run": {"eval_every": START, "eval_episodes": 3,
                                   "eval_max_steps": 60}})
    model = model.with_overrides(overrides)
    for e in entries:
        model = manipulate(model, **e)
    ref = br.run(model, steps=STEPS, seed=3, progress=False)
    b2 = br.run(model, steps=STEPS, seed=3, engine="brian2", progress=False)
    np.testing.assert_array_equal(b2.action.values, ref.action.values)
    for name in ("dopamine", "value", "rate", *WEIGHTS, "feedback_striatum_dorsal",
                 "feedback_striatum_ventral", "eval_return"):
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    return b2


def _cortex(ds):
    return ds.rate.sel(neuron=(ds.population == "cortex").values).values


def _snapshots_from(ds, name, step):
    """Weight snapshots of ``name`` taken at or after ``step``."""
    return ds[name].values[ds.snapshot_step.values >= step]


def test_brian2_scaled_shifted_rectified_dopamine_matches_reference():
    b2 = _both(dict(kind="scale_dopamine", gain=0.5), dict(kind="shift_dopamine", shift=0.05),
               dict(kind="rectify_dopamine", baseline=0.0))
    assert b2.dopamine.min() >= 0.0


def test_brian2_vta_lesion_mid_training_matches_reference():
    b2 = _both(dict(kind="lesion", target="vta", start=START))
    assert np.any(b2.dopamine.values[:START] != 0.0)
    assert np.all(b2.dopamine.values[START:] == 0.0)


@pytest.mark.parametrize("units", [[1, 6], []], ids=["units", "all"])
def test_brian2_cortical_lesion_mid_training_matches_reference(units):
    b2 = _both(dict(kind="lesion", target="cortex", units=units, start=START))
    silent = units or list(range(8))
    h = _cortex(b2)
    assert np.all(h[START:, silent] == 0.0) and np.any(h[:START, silent] != 0.0)
    if units:
        assert np.any(h[START:, [0, 2, 3]] != 0.0)


def test_brian2_striatal_lesions_match_reference():
    """Ventral lesion from the start (no value), dorsal lesion mid-run (uniform policy)."""
    b2 = _both(dict(kind="lesion", target="striatum_ventral"),
               dict(kind="lesion", target="striatum_dorsal", start=START))
    assert np.all(b2.value.values == 0.0)
    readout = (b2.population == "striatum_dorsal").values
    assert np.all(b2.rate.values[START:, readout] == 0.0)
    assert np.any(b2.rate.values[:START, readout] != 0.0)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_brian2_plasticity_blocks_match_reference(optimizer):
    """Each projection blocked, some from the start, some mid-run (Adam's moments would still
    move a weight blocked mid-run)."""
    blocked = {"input_cortex": 0, "cortex_tau": 0, "cortex_striatum_ventral": START,
               "cortex_bias": START}
    b2 = _both(*(dict(kind="block_plasticity", target=t, start=s) for t, s in blocked.items()),
               **({"optimizer.kind": "sgd"} if optimizer == "sgd" else {}))
    for target, start in blocked.items():
        for name in HOLDS[target]:
            held = _snapshots_from(b2, name, start)
            assert np.all(held == held[0]), name
    moved = _snapshots_from(b2, "W_cortex_cortex", START)
    assert np.any(moved != moved[0])


@pytest.mark.parametrize("kind, target", [("block_plasticity", "all"),
                                          ("freeze_cortex", "cortex"),
                                          ("block_plasticity", "cortex_cortex")])
def test_brian2_grouped_plasticity_blocks_match_reference(kind, target):
    b2 = _both(dict(kind=kind, target=target, start=START))
    frozen = {"all": WEIGHTS, "cortex": WEIGHTS[:4]}.get(target, ("W_cortex_cortex",))
    for name in frozen:
        held = _snapshots_from(b2, name, START)
        assert np.all(held == held[0]), name


def test_brian2_trace_lambdas_match_reference():
    """λ changed per projection, from the start and mid-run, including λ = 0 (no trace)."""
    _both(dict(kind="trace_lambda", target="input_cortex", lam=0.5),
          dict(kind="trace_lambda", target="cortex_tau", lam=0.0),
          dict(kind="trace_lambda", target="cortex_striatum_dorsal", lam=0.3),
          dict(kind="trace_lambda", target="cortex_cortex", lam=0.7, start=START),
          dict(kind="trace_lambda", target="cortex_bias", lam=0.2, start=START),
          dict(kind="trace_lambda", target="cortex_striatum_ventral", lam=0.0, start=START))


def test_brian2_trace_lambda_of_all_projections_matches_reference():
    _both(dict(kind="trace_lambda", target="all", lam=0.8, start=START),
          **{"optimizer.kind": "sgd"})


def test_brian2_exact_feedback_mid_training_matches_reference():
    b2 = _both(dict(kind="exact_feedback", start=START))
    # the recorded feedback is the final one: the readout weights themselves
    np.testing.assert_array_equal(b2.feedback_striatum_dorsal.values,
                                  b2.W_cortex_striatum_dorsal.values[-1].T)


def test_brian2_rflo_time_constants_match_reference():
    """RFLO eligibility time constants per projection, from the start and mid-run."""
    _both(dict(kind="rflo_tau", target="input_cortex", tau=20.0),
          dict(kind="rflo_tau", target="cortex_tau", tau=1.0),
          dict(kind="rflo_tau", target="cortex_cortex", tau=3.0, start=START),
          dict(kind="rflo_tau", target="cortex_bias", tau=50.0, start=START))


def test_brian2_rflo_time_constant_of_the_whole_cortex_matches_reference():
    _both(dict(kind="rflo_tau", target="cortex", tau=8.0, start=START),
          **{"optimizer.kind": "sgd"})
