"""The Brian2 engine through ``br.run``: the common schema, evaluations, streaming, and a circuit a
user changes (parameters, population equations) before running it."""

from pathlib import Path

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines.brian2 import MODELS, build_circuit
from bioRTRRL.recording.io import open_recording

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"


def _model(**overrides):
    return br.load_model(DEFAULT).with_overrides({"run.eval_every": 0, **overrides})


def test_recording_has_the_reference_schema():
    model = _model()
    ref = br.run(model, steps=300, seed=1, progress=False)
    b2 = br.run(model, steps=300, seed=1, engine="brian2", progress=False)
    assert set(b2.data_vars) == set(ref.data_vars)
    assert set(b2.coords) == set(ref.coords)
    assert dict(b2.sizes) == dict(ref.sizes)
    for name in b2.variables:
        assert b2[name].dims == ref[name].dims, name
    assert b2.attrs["engine"] == "brian2" and b2.attrs["finished"] == 1
    assert set(b2.attrs) == set(ref.attrs)
    assert b2.time.attrs["units"] == "s" and b2.attrs["env_dt"] == 0.01


def test_evaluations_and_streaming_match_the_reference(tmp_path):
    """Evaluations freeze the input adaptation's statistics where the training left them."""
    model = _model(**{"run.eval_every": 150, "run.eval_episodes": 2, "run.eval_max_steps": 40,
                      "circuit.input_adaptation": True})
    ref = br.run(model, steps=300, seed=2, progress=False)
    b2 = br.run(model, steps=300, seed=2, engine="brian2", progress=False,
                stream_to=tmp_path / "run.zarr")
    np.testing.assert_array_equal(b2.eval_step.values, [150, 300])
    np.testing.assert_allclose(b2.eval_return.values, ref.eval_return.values)
    disk = open_recording(tmp_path / "run.zarr")
    assert disk.attrs["engine"] == "brian2" and disk.attrs["finished"] == 1
    np.testing.assert_array_equal(disk.action.values, b2.action.values)


def test_silencing_dopamine_before_the_run_stops_learning():
    """A parameter changed on a population before running: VTA gain 0 → δ = 0, nothing learns."""
    loop = build_circuit(_model(**{"learning.entropy": 0.0}), seed=3)
    loop.vta.da_gain = 0.0
    ds = loop.train(400, progress=False)
    assert np.all(ds.dopamine.values == 0.0)
    for name in ("W_input_cortex", "W_cortex_cortex", "tau_cortex", "W_cortex_striatum_dorsal",
                 "W_cortex_striatum_ventral", "b_striatum_ventral"):
        np.testing.assert_array_equal(ds[name].values[-1], ds[name].values[0], err_msg=name)


def test_a_user_cortex_model_drives_the_rule():
    """Rectified-tanh units instead of tanh: the rule follows the model's phi and phi_prime."""
    rectified = MODELS["cortex"].replace(
        "phi = tanh(u_in + u_rec + b) : 1",
        "phi = tanh(clip(u_in + u_rec + b, 0, inf)) : 1").replace(
        "phi_prime = 1 - phi**2 : 1",
        "phi_prime = (1 - phi**2) * int(u_in + u_rec + b > 0) : 1")
    assert rectified != MODELS["cortex"]
    loop = build_circuit(_model(), seed=4, equations={"cortex": rectified})
    ds = loop.train(300, progress=False)
    h = ds.rate.sel(neuron=(ds.population == "cortex").values).values
    assert h.min() >= 0.0 and h.max() > 0.05
    assert np.abs(ds.W_cortex_cortex.values[-1] - ds.W_cortex_cortex.values[0]).max() > 0


@pytest.mark.slow
def test_cython_target_matches_numpy():
    model = _model(**{"recording.dtype": "float64"})
    a = br.run(model, steps=500, seed=6, engine="brian2", progress=False)
    b = br.run(model, steps=500, seed=6, engine="brian2", progress=False, codegen_target="cython")
    np.testing.assert_array_equal(a.action.values, b.action.values)
    np.testing.assert_allclose(b.rate.values, a.rate.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(b.W_cortex_cortex.values, a.W_cortex_cortex.values, atol=1e-9)


def test_input_adaptation_normalises_by_the_running_statistics_of_all_observations():
    """Chan's parallel update from (mean 0, variance 1, count 1e-4), one sample per tick, equals
    the pooled statistics of that prior and every observation seen."""
    loop = build_circuit(_model(**{"circuit.input_adaptation": True,
                                   "recording.dtype": "float64"}), seed=7)
    ds = loop.train(300, progress=False)
    obs, n, prior = ds.obs.values, ds.sizes["step"], 1e-4
    seen_mean = obs.mean(axis=0)
    mean = obs.sum(axis=0) / (n + prior)
    # the prior pseudo-sample has variance 1
    m2 = prior + ((obs - seen_mean) ** 2).sum(axis=0) + seen_mean ** 2 * prior * n / (n + prior)
    var = m2 / (n + prior)
    O = obs.shape[1]
    np.testing.assert_allclose(loop.input.obs_mean[:O], mean, rtol=1e-9)
    np.testing.assert_allclose(loop.input.obs_var[:O], var, rtol=1e-9)
    x = ds.rate.sel(neuron=(ds.population == "input").values).values[-1, :O]
    np.testing.assert_allclose(x, (obs[-1] - mean) / np.sqrt(var + 1e-8), rtol=1e-9)
