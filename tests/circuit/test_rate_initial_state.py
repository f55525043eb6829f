"""The initial state of firing-rate units: ``circuit.rate_input_scale`` and
``circuit.rate_spontaneous_hz`` (bioRTRRL/engines/parameters.py, shared by both engines).

Signatures checked, against NumPy written here from the options' definitions:

- spontaneous rate: every initial bias is the default draw plus logit(r_sp / r_max), so a unit at
  rest without input fires r_max · σ(b) Hz — the rates of one tick from rest with a blank input
  (τ = one tick) equal r_max · σ(b_drawn + logit(r_sp / r_max)), and their median over units is
  close to r_sp (cortical pyramidal cells fire spontaneously at a few Hz);
- input scale: the input → cortex weights are the default draw times the scale, so a stimulus
  drives u = scale · W_in x + b; recurrent weights (with Dale's signs) and readouts are the draw's;
- off (the defaults): the parameters are the tanh cortex's draw bit for bit (regression digests
  guard the rest);
- bad values stop with a ModelError naming the key.
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines.parameters import CircuitDims
from bioRTRRL.engines.reference import ReferenceEngine

N, O, R_MAX, R_SP, SCALE = 40, 3, 50.0, 4.0, 6.0


def engine(**circuit):
    model = br.load_model({
        "circuit": {"cortex_size": N, "unit": "rate", "rate_max_hz": R_MAX, "sign": "dale",
                    "tau_init": [1.0, 1.0], "meta_rl_input": False, **circuit},
        "learning": {"plasticity": False}})
    dims = CircuitDims.build(N, O=O, A=2, continuous=False, meta_rl_input=False)
    return ReferenceEngine(model, dims, 1, seed=11)


def rates_from_rest(eng, obs):
    """Firing rates (Hz) after one tick from rest (h = 0) showing ``obs``."""
    no, fresh = np.zeros(1, bool), np.ones(1, bool)
    eng.tick(np.asarray(obs, float)[None], np.zeros(1), no, no, fresh)
    return R_MAX * eng.h[0].copy()


def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def test_spontaneous_rate_and_input_scale_match_numpy():
    drawn = engine().params["W"].copy()
    eng = engine(rate_spontaneous_hz=R_SP, rate_input_scale=SCALE)
    W = eng.params["W"]
    b = drawn[:, -1] + np.log(R_SP / (R_MAX - R_SP))
    np.testing.assert_allclose(W[:, -1], b, rtol=0, atol=1e-15)
    np.testing.assert_allclose(W[:, :O], SCALE * drawn[:, :O], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(W[:, O:-1], drawn[:, O:-1])
    # a blank screen: every unit at its spontaneous rate, a few Hz
    blank = rates_from_rest(eng, np.zeros(O))
    np.testing.assert_allclose(blank, R_MAX * sigmoid(b), rtol=1e-12)
    assert abs(np.median(blank) - R_SP) < 0.25 * R_SP
    # a stimulus on channel 1: u = scale · W_in x + b; it switches some units far above their
    # spontaneous rate and silences others (a selective code, not r_max/2 for every unit)
    shown = rates_from_rest(engine(rate_spontaneous_hz=R_SP, rate_input_scale=SCALE), [0, 1, 0])
    np.testing.assert_allclose(shown, R_MAX * sigmoid(SCALE * drawn[:, 1] + b), rtol=1e-12)
    assert (shown > 2 * R_SP).any() and (shown < R_SP / 2).any()


def test_defaults_leave_the_draw_unchanged():
    # off, the rate units start from the draw every unit model shares (the tanh cortex's)
    np.testing.assert_array_equal(engine().theta, engine(unit="tanh").theta)


@pytest.mark.parametrize("circuit, key", [
    ({"rate_spontaneous_hz": 50.0}, "circuit.rate_spontaneous_hz"),
    ({"rate_spontaneous_hz": -1.0}, "circuit.rate_spontaneous_hz"),
    ({"rate_input_scale": 0.0}, "circuit.rate_input_scale"),
    ({"rate_input_scale": 3.0, "unit": "tanh"}, "circuit.rate_input_scale"),
    ({"rate_spontaneous_hz": 4.0, "unit": "lif"}, "circuit.rate_spontaneous_hz"),
])
def test_bad_values_name_the_key(circuit, key):
    with pytest.raises(br.ModelError, match=key):
        br.load_model({"circuit": {"unit": "rate", **circuit}})
