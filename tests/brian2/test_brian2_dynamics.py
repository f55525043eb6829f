"""With plasticity off, the Brian2 cortex integrates its rate equation exactly as forward Euler."""

from pathlib import Path

import brian2
import numpy as np
import pytest
from brian2 import ms

import bioRTRRL as br
from bioRTRRL.engines.brian2 import build_circuit

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"


def _frozen(**overrides):
    return br.load_model(DEFAULT).with_overrides({
        "learning.plasticity": False, "run.eval_every": 0, "recording.dtype": "float64",
        **overrides})


def _cortex(ds):
    return ds.rate.sel(neuron=(ds.population == "cortex").values).values


def test_constant_drive_relaxes_as_the_closed_form_euler_solution():
    """W = 0: u = b, so h_k = tanh(b)·(1 − (1 − dt/τ)^(k+1)) at tick k of each episode."""
    loop = build_circuit(_frozen(**{"circuit.env_dt_ms": 20.0}), seed=2)
    N = loop.dims.N
    loop.projections["input_cortex"].w = 0
    loop.projections["cortex_cortex"].w = 0
    bias = np.linspace(-1.5, 1.5, N)
    tau = np.linspace(20.0, 200.0, N) * ms  # 1 to 10 ticks of 20 ms
    loop.cortex.b = bias
    loop.cortex.tau = tau
    ds = loop.train(400, progress=False)
    k = ds.t_in_episode.values[:, None]
    a = float(20 * ms) / np.asarray(tau)
    expected = np.tanh(bias) * (1.0 - (1.0 - a) ** (k + 1))
    assert ds.sizes["completed_episode"] >= 2  # the closed form restarts with every episode
    np.testing.assert_allclose(_cortex(ds), expected, rtol=0, atol=1e-12)
    assert ds.time.attrs["units"] == "s"
    np.testing.assert_allclose(ds.time.values, 0.020 * ds.step.values)


def test_recurrent_dynamics_equal_the_explicit_euler_recursion():
    """Default weights: h_t = h_{t−1} + (dt/τ)(tanh(W_in x_t + W_rec h_{t−1} + b) − h_{t−1}),
    h = 0 at every episode start."""
    ds = br.run(_frozen(), steps=600, seed=4, engine="brian2", progress=False)
    W_in, W_rec = ds.W_input_cortex.values[0], ds.W_cortex_cortex.values[0]
    b, tau = ds.b_cortex.values[0], ds.tau_cortex.values[0]
    x = ds.rate.sel(neuron=(ds.population == "input").values).values
    h = np.zeros(len(b))
    expected = np.empty((ds.sizes["step"], len(b)))
    for t in range(ds.sizes["step"]):
        if ds.t_in_episode.values[t] == 0:
            h = np.zeros(len(b))
        h = h + (1.0 / tau) * (np.tanh(W_in @ x[t] + W_rec @ h + b) - h)
        expected[t] = h
    np.testing.assert_allclose(_cortex(ds), expected, rtol=0, atol=1e-12)
    # nothing learned: the last snapshot is the first
    np.testing.assert_array_equal(ds.W_cortex_cortex.values[-1], W_rec)


def test_a_monitor_on_a_population_sees_what_is_recorded():
    loop = build_circuit(_frozen(), seed=1)
    mon = brian2.StateMonitor(loop.cortex, "h", record=True, when="after_groups")
    loop.network.add(mon)
    ds = loop.train(200, progress=False)
    np.testing.assert_array_equal(mon.h[:].T, _cortex(ds))
    np.testing.assert_allclose(mon.t[:] / brian2.second, ds.time.values)
