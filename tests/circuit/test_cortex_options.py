"""The cortex options of the circuit description in the engines (bioRTRRL/circuit/description.py).

Signatures checked:

- both engines agree step for step (actions equal, δ and weights within 1e-9 over 2,000 ticks)
  with every cortex option on: firing-rate units, Dale's law (80/20), time constants, discount
  and traces in seconds, the cascade eligibility of both corticostriatal projections;
- Dale's law: every recurrent weight keeps its presynaptic unit's sign under learning (80 % of
  the units excitatory, the rest inhibitory, as described), and learning moves them;
- firing-rate units are recorded in Hz (``firing_rate``, units "Hz", within [0, r_max]);
- physical time: the cortical response to a stimulus, as a function of time in seconds, is the
  same at env_dt 5, 10 and 20 ms up to the Euler step's error, which shrinks with env_dt
  (largest deviation from env_dt = 1 ms: 0.048, 0.020, 0.0085 r_max at 20, 10, 5 ms);
- options off: the default model's description has no sign constraint (regression digests guard
  the rest).
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.circuit import describe
from bioRTRRL.engines.parameters import CircuitDims
from bioRTRRL.engines.reference import ReferenceEngine
from tests.equivalence import assert_engines_agree

OPTIONS = {
    "name": "cortex_options",
    "task": {"env": "CartPole-v1", "observation_mask": "velocities"},
    "circuit": {"cortex_size": 10, "unit": "rate", "sign": "dale", "tau_init_s": [0.01, 0.2],
                "tau_min_s": 0.01},
    "learning": {"discount_tau_s": 1.0, "trace_tau_s": 0.5,
                 "eligibility_cascade": ["cortex_striatum_dorsal", "cortex_striatum_ventral"]},
    "recording": {"weights_every": 500},
}


def test_both_engines_agree_step_for_step_with_every_cortex_option():
    ref = br.run(OPTIONS, steps=2_000, seed=4, progress=False)
    b2 = br.run(OPTIONS, steps=2_000, seed=4, engine="brian2", progress=False,
                codegen_target="numpy")
    assert_engines_agree(ref, b2)
    np.testing.assert_allclose(ref["firing_rate"].values, b2["firing_rate"].values, atol=1e-4)


def test_dale_signs_hold_under_learning_and_learning_moves_the_weights():
    model = br.load_model(OPTIONS).with_overrides({"circuit.unit": "tanh",
                                                  "circuit.cortex_size": 20})
    ds = br.run(model, steps=3_000, seed=2, progress=False)
    signs = np.r_[np.ones(16), -np.ones(4)]  # 80/20, excitatory first
    np.testing.assert_array_equal(describe(model).signs(), signs)
    W = ds["W_cortex_cortex"].values  # snapshot × post × pre
    assert np.all(signs[None, None, :] * W >= 0.0)
    assert np.all(W[0] * signs[None, :] > 0)  # every synapse starts with its sign, none at 0
    moved = np.abs(W[-1] - W[0]) > 1e-6
    assert moved.mean() > 0.5
    # excitation and inhibition balance at the start (Song et al. 2016): inhibitory × n_E/n_I
    exc, inh = W[0][:, :16].sum(), -W[0][:, 16:].sum()
    assert 0.5 < exc / inh < 2.0


def test_firing_rates_are_recorded_in_hz():
    model = br.load_model(OPTIONS).with_overrides({"circuit.rate_max_hz": 40.0})
    ds = br.run(model, steps=300, seed=0, progress=False)
    fr = ds["firing_rate"]
    assert fr.attrs["units"] == "Hz"
    cortical = ds["population"].values == "cortex"
    np.testing.assert_allclose(fr.values, 40.0 * ds["rate"].values[:, cortical], rtol=1e-6)
    assert 0.0 <= float(fr.min()) and float(fr.max()) <= 40.0


def _cortical_response(env_dt_ms: float, seconds: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Cortical rates (time × N) of a circuit without plasticity whose one input channel steps
    from 0 to 1 at 0.2 s, sampled every 20 ms, and the sample times (s).

    A tick is a forward-Euler step over [k·Δt, (k + 1)·Δt] driven by the input at k·Δt, so the
    rates after tick k are those of time (k + 1)·Δt."""
    model = br.load_model({
        "circuit": {"cortex_size": 8, "unit": "rate", "env_dt_ms": env_dt_ms,
                    "tau_init_s": [0.03, 0.3], "tau_min_s": 0.001, "meta_rl_input": False},
        "learning": {"plasticity": False, "discount_tau_s": 2.0}})
    dims = CircuitDims.build(8, O=1, A=2, continuous=False, meta_rl_input=False)
    engine = ReferenceEngine(model, dims, 1, seed=7)
    obs, reward = np.zeros((1, 1)), np.zeros(1)
    no, fresh = np.zeros(1, bool), np.ones(1, bool)
    ticks = int(round(seconds * 1000 / env_dt_ms))
    every = int(round(20 / env_dt_ms))
    out = []
    for k in range(ticks):
        obs[0, 0] = 1.0 if k * env_dt_ms >= 200 else 0.0
        engine.tick(obs, reward, no, no, fresh)
        fresh[0] = False
        if (k + 1) % every == 0:
            out.append(engine.h[0].copy())
    return np.array(out), (1 + np.arange(len(out))) * 0.02


def test_same_model_in_seconds_behaves_the_same_at_different_env_dt():
    fine, t = _cortical_response(1.0)
    errors = {}
    for env_dt in (5.0, 10.0, 20.0):
        h, _ = _cortical_response(env_dt)
        errors[env_dt] = np.abs(h - fine).max()
    # same response up to discretisation: within 0.06 r_max (3 Hz at 50 Hz) at 20 ms, and the
    # error shrinks at least like env_dt (measured: 0.048, 0.020, 0.0085 at 20, 10, 5 ms)
    assert errors[20.0] < 0.06
    assert errors[10.0] / errors[20.0] < 0.6 and errors[5.0] / errors[10.0] < 0.6
    # the step response is a response, not a constant
    assert np.abs(fine[-1] - fine[5]).max() > 0.05


def test_default_description_is_unconstrained():
    assert not describe(br.load_model({})).dale
