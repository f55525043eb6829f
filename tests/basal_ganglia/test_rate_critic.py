"""The rate critic (``circuit.critic = "rate"``) against a NumPy step written here, and Brian2 ==
reference step for step with it.

Signatures checked (Potjans, Diesmann & Morrison 2011, PLoS Comput Biol 7:e1001133: the value is
the firing rate of the critic's neurons):
- the value is v = softplus(w_Cᵀh + b_C) ≥ 0, never negative, even where every return is
  negative (the grid world's purely negative rewards);
- TD learning follows the slope: with λ = 0 and SGD the critic's update of tick t is
  Δw_C = lr · δ_t · σ(u_{t−1}) h_{t−1}, Δb_C = lr · δ_t · σ(u_{t−1}), δ_t = r_t + γ v_t − v_{t−1};
- the slope of softplus is σ (central finite differences);
- both engines agree over 2,000 ticks with plastic cortex (the critic's learning signal to
  cortex carries the slope) and dopamine neurons: actions identical, δ, value, rates and
  weights within 1e-9 with SGD (within 1e-3 with Adam, see the test);
- bad values are one ModelError naming the key.
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError
from bioRTRRL.engines.brian2 import build_circuit
from bioRTRRL.engines.kernels import critic_rate

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

GAMMA, LR, N = 0.9, 0.05, 5


def _softplus(u):
    return np.logaddexp(0.0, u)


def _sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def grid_model(**over):
    data = {
        "task": {"env": "bioRTRRL/GridWorld-v0", "max_episode_steps": 30,
                 "kwargs": {"size": 3, "goal_reward": 0.0, "step_reward": -1.0}},
        "circuit": {"cortex_size": N, "meta_rl_input": False, "critic": "rate",
                    "tau_init": [1.0, 1.0], "train_tau": False},
        "learning": {"gamma": GAMMA, "lambda_critic": 0.0, "lambda_actor": 0.0,
                     "lambda_cortex": 0.0, "entropy": 0.0},
        "optimizer": {"kind": "sgd", "lr_readout": LR, "lr_cortex": 0.0, "clip_norm": 0.0},
        "recording": {"dtype": "float64", "weights_every": 1,
                      "variables": ["rate", "value", "dopamine", "reward", "action"]},
    }
    for section, values in over.items():
        data[section] = {**data[section], **values}
    return br.load_model(data)


def test_softplus_slope_is_its_derivative():
    for u in (-30.0, -3.0, -0.2, 0.0, 0.7, 4.0, 30.0):
        v, slope = critic_rate(u)
        # log(1 + e^−|u|) (as Brian2 can compute it) is exact to 1e-15 in absolute terms
        assert v == pytest.approx(_softplus(u), rel=1e-14, abs=1e-15) and v >= 0.0
        eps = 1e-6
        fd = (critic_rate(u + eps)[0] - critic_rate(u - eps)[0]) / (2 * eps)
        assert slope == pytest.approx(fd, rel=1e-7, abs=1e-12)


def test_value_and_td_update_match_a_numpy_step():
    ds = br.run(grid_model(), steps=300, seed=1, progress=False)
    h = ds.rate.values[:, ds.population.values == "cortex"]
    W = ds.W_cortex_striatum_ventral.values   # snapshot t = the weights tick t used
    b = ds.b_striatum_ventral.values
    u = np.einsum("ti,ti->t", W[:-1], h) + b[:-1]
    value, delta, reward = ds.value.values, ds.dopamine.values, ds.reward.values
    np.testing.assert_allclose(value, _softplus(u), rtol=1e-12, atol=1e-15)
    # every return is negative, the value never is
    assert value.min() >= 0.0 and reward.max() <= 0.0
    fresh = ds.t_in_episode.values == 0
    term = ds.terminated.values
    t = np.flatnonzero(~fresh)
    td = reward[t] + GAMMA * np.where(term[t], 0.0, value[t]) - value[t - 1]
    np.testing.assert_allclose(delta[t], td, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(delta[fresh], 0.0)
    # the critic's update of tick t: lr δ_t times the previous tick's gradient σ(u) [h; 1]
    slope = _sigmoid(u)
    dW = np.zeros_like(W[1:])
    db = np.zeros_like(b[1:])
    dW[t] = LR * (delta[t] * slope[t - 1])[:, None] * h[t - 1]
    db[t] = LR * delta[t] * slope[t - 1]
    np.testing.assert_allclose(W[1:] - W[:-1], dW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b[1:] - b[:-1], db, rtol=0, atol=1e-12)
    # the slope varied: the critic was pushed towards 0, where softplus bends
    assert slope.min() < 0.3 and slope.max() > 0.45


def test_linear_critic_is_unchanged_by_the_option_being_off():
    lin = br.run(grid_model(circuit={"critic": "linear"}), steps=200, seed=2, progress=False)
    h = lin.rate.values[:, lin.population.values == "cortex"]
    u = (np.einsum("ti,ti->t", lin.W_cortex_striatum_ventral.values[:-1], h)
         + lin.b_striatum_ventral.values[:-1])
    np.testing.assert_allclose(lin.value.values, u, rtol=1e-12, atol=1e-15)
    assert lin.value.values.min() < 0.0  # the signed readout follows the negative returns


@pytest.mark.parametrize("optimizer, tol", [("sgd", 1e-9), ("adam", 1e-3)])
def test_brian2_matches_reference_with_the_rate_critic(optimizer, tol):
    """SGD: within 1e-9. Adam: NumPy's exp and the kernel's (libm) differ in the last bit, and
    near v = 0, where the slope is ~1e-3 and Adam divides the update by its own running size,
    those bits grow to ~3e-4 by tick 2,000 (the linear critic's runs are bit for bit); the
    actions stay identical."""
    lr = {"sgd": (0.05, 5e-3), "adam": (1e-2, 5e-3)}[optimizer]
    model = grid_model(
        circuit={"dopamine_neurons": True, "dopamine_tonic_hz": 2.0, "train_tau": True,
                 "tau_init": [1.0, 3.0]},
        learning={"lambda_critic": 0.7, "lambda_cortex": 0.6, "lambda_actor": 0.5,
                  "entropy": 1e-3},
        optimizer={"kind": optimizer, "lr_readout": lr[0], "lr_cortex": lr[1], "clip_norm": 1.0},
        recording={"weights_every": 500})
    ref = br.run(model, steps=2000, seed=7, engine="reference", progress=False)
    b2 = build_circuit(model, 7).train(2000, progress=False)
    np.testing.assert_array_equal(b2.action.values, ref.action.values)
    for name in ("dopamine", "value", "rate", "reward"):
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=tol,
                                   err_msg=name)
    for name in ("W_input_cortex", "W_cortex_cortex", "b_cortex", "tau_cortex",
                 "W_cortex_striatum_dorsal", "W_cortex_striatum_ventral", "b_striatum_ventral"):
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=tol,
                                   err_msg=name)
    # the run exercised the bend of softplus and cortical learning
    assert 0.0 <= ref.value.values.min() < 0.2
    W = ref.W_input_cortex.values
    assert np.abs(W[-1] - W[0]).max() > 1e-3


@pytest.mark.parametrize("over, match", [
    ({"circuit": {"critic": "relu"}}, r"circuit.critic must be one of \['linear', 'rate'\]"),
    ({"learning": {"critic_trace": "dutch"}}, r"critic_trace = 'dutch'.*circuit.critic = 'rate'"),
])
def test_bad_values_are_one_clear_message(over, match):
    with pytest.raises(ModelError, match=match):
        grid_model(**over)
