"""The Brian2 engine evaluates its policy with its own circuit: user edits act in evaluations, the
evaluations equal the reference engine's for the same circuit, and they leave the training as it
was."""

from pathlib import Path

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines.brian2 import MODELS, build_circuit

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"

#: The default cortex with a gain g on the drive (g = 1: the default cortex).
GAIN_CORTEX = MODELS["cortex"].replace(
    "phi = tanh(u_in + u_rec + b) : 1", "phi = tanh(g * (u_in + u_rec + b)) : 1").replace(
    "phi_prime = 1 - phi**2 : 1", "phi_prime = g * (1 - phi**2) : 1") + "g : 1 (shared)\n"


def _model(**overrides):
    return br.load_model(DEFAULT).with_overrides({
        "recording.dtype": "float64", "run.eval_every": 150, "run.eval_episodes": 3,
        "run.eval_max_steps": 120, **overrides})


def test_an_edited_cortex_is_evaluated_as_edited():
    """Gain 1 is the default cortex: its evaluations are the reference engine's. Gain 0 silences
    the cortex (a uniform policy): its evaluations differ — also when the edit is made between
    evaluations of one trained circuit."""
    model = _model()
    ref = br.run(model, steps=300, seed=2, progress=False)
    loop = build_circuit(model, seed=2, equations={"cortex": GAIN_CORTEX})
    loop.cortex.g = 1.0
    ds = loop.train(300, progress=False)
    np.testing.assert_array_equal(ds.eval_step.values, [150, 300])
    np.testing.assert_array_equal(ds.eval_return.values, ref.eval_return.values)

    before = loop.circuit.params()
    trained = loop.evaluate(seed=0)
    loop.cortex.g = 0.0
    silenced = loop.evaluate(seed=0)
    loop.cortex.g = 1.0
    assert silenced != trained
    assert loop.evaluate(seed=0) == trained  # an evaluation changes nothing
    for name, value in loop.circuit.params().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)

    zero = build_circuit(model, seed=2, equations={"cortex": GAIN_CORTEX})
    zero.cortex.g = 0.0
    assert np.any(zero.train(300, progress=False).eval_return.values != ref.eval_return.values)


def test_evaluations_of_a_gaussian_actor_match_the_reference():
    model = _model(**{"task.env": "Pendulum-v1", "task.observation_mask": "none",
                      "run.eval_every": 100, "run.eval_episodes": 2, "run.eval_max_steps": 30})
    ref = br.run(model, steps=200, seed=5, progress=False)
    b2 = br.run(model, steps=200, seed=5, engine="brian2", progress=False)
    np.testing.assert_allclose(b2.eval_return.values, ref.eval_return.values, rtol=1e-9)
    np.testing.assert_allclose(b2.action.values, ref.action.values, rtol=0, atol=1e-9)


def test_evaluations_leave_the_training_and_the_monitors_as_they_were():
    """With noise in the cortex and a monitor: a run with evaluations trains exactly as one
    without, and the monitor holds the training's ticks only."""
    noisy = MODELS["cortex"].replace("- h) / tau : 1", "- h) / tau + 0.02 * xi * tau**-0.5 : 1")

    def train(every):
        loop = build_circuit(_model(**{"run.eval_every": every}), seed=3,
                             equations={"cortex": noisy})
        mon = loop.state_monitor(loop.cortex, "h")
        return loop.train(300, progress=False), mon

    with_evals, mon = train(100)
    without, _ = train(0)
    assert with_evals.sizes["eval_step"] == 3 and np.isfinite(with_evals.eval_return).all()
    np.testing.assert_array_equal(with_evals.action.values, without.action.values)
    np.testing.assert_array_equal(with_evals.rate.values, without.rate.values)
    np.testing.assert_array_equal(with_evals.W_cortex_cortex.values,
                                  without.W_cortex_cortex.values)
    assert mon.h.shape[1] == 300
    np.testing.assert_array_equal(mon.h[:].T, with_evals.rate.sel(
        neuron=(with_evals.population == "cortex").values).values)
