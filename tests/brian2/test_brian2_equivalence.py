"""The Brian2 engine reproduces the reference engine step for step (the central contract).

Same model file, seed and task: identical actions (continuous actions, being arithmetic on the
readout, equal within 1e-9), and δ, value, every rate and every weight matrix equal within 1e-9
(float64) after at least 2,000 steps (20,000 in the slow version) — on CartPole positions-only
(discrete, terminations) and Pendulum (continuous, truncations), with Adam and with SGD, with and
without the global-norm clip, and with the other options (exact feedback, fixed τ, average reward,
a learning-rate schedule; a clip of the cortical group alone, the episodic discount I = γ^t and
the input adaptation); RFLO.
"""

from pathlib import Path

import brian2
import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.engines.brian2 import build_circuit

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"
TOL = 1e-9
WEIGHTS = ("W_input_cortex", "W_cortex_cortex", "b_cortex", "tau_cortex",
           "W_cortex_striatum_dorsal", "W_cortex_striatum_ventral", "b_striatum_ventral")

TASKS = {
    "cartpole": {},  # models/default.toml: CartPole positions-only
    # with the model file's λ = 0.9 and lr_cortex = 3e-4, Pendulum's closed loop amplifies
    # rounding differences about e-fold per 200 ticks from ~8k ticks on (1e-11 apart at 6k, 1e-4
    # at 10k, whatever the other options): no two float64 implementations stay within 1e-9 over
    # 20k ticks. The paper's λ = 0.99 and lr 1e-3 keep it below 1e-11.
    "pendulum": {"task.env": "Pendulum-v1", "task.observation_mask": "none",
                 "learning.lambda_actor": 0.99, "learning.lambda_critic": 0.99,
                 "learning.lambda_cortex": 0.99, "optimizer.lr_cortex": 1e-3},
}
# plain SGD moves by lr·|d| (Adam by about lr): a smaller rate keeps it bounded on Pendulum
OPTIMIZERS = {"adam": {}, "sgd": {"optimizer.kind": "sgd", "optimizer.lr_readout": 1e-4,
                                  "optimizer.lr_cortex": 1e-4}}
CLIP = {"optimizer.clip_norm": 1.0}  # the paper's global-norm clip (off in the model file)
VARIANTS = {
    "file": {},
    "clip": CLIP,
    "options": {**CLIP, "circuit.feedback": "exact", "circuit.train_tau": False,
                "learning.average_reward": True, "learning.entropy": 1e-3,
                "optimizer.lr_schedule": "inverse_sqrt", "optimizer.lr_decay_steps": 500,
                "recording.variables": ["rate", "dopamine", "value", "reward", "action", "obs",
                                        "trace_norms"]},
    "adaptive": {**CLIP, "circuit.input_adaptation": True},
    "episodic": {**CLIP, "learning.episodic_discount": True},
    "cortex_clip": {**CLIP, "optimizer.clip_scope": "cortex"},
    "fast_critic": {**CLIP, "optimizer.lr_critic_scale": 3.0},
}
# Pendulum runs with the clip: unclipped SGD drives its value to ~10^3, where the closed loop
# amplifies rounding differences about e-fold per 300 ticks, so that no two float64
# implementations (not even the reference compiled with other fastmath flags) agree to 1e-9
# after ~6k ticks. Clipped, the difference stays below 1e-10 over 20k ticks.
CASES = [("cartpole", "adam", "file"), ("cartpole", "adam", "clip"), ("cartpole", "sgd", "file"),
         ("cartpole", "sgd", "options"), ("pendulum", "adam", "clip"), ("pendulum", "sgd", "clip"),
         ("cartpole", "adam", "adaptive"), ("cartpole", "adam", "episodic"),
         ("cartpole", "adam", "cortex_clip"), ("cartpole", "adam", "fast_critic"),
         ("cartpole", "sgd", "fast_critic")]
# Clipping the cortical group alone (Adam, CartPole) amplifies rounding differences about e-fold
# per 2,000 ticks (W_rec: 3e-12 apart after 5k ticks, 2e-9 after 20k, rates 5e-12, actions
# identical): no two float64 implementations stay within 1e-9 over 20k ticks, so that case is
# held to the contract over 2,000.
SLOW_CASES = [c for c in CASES if c[2] != "cortex_clip"]


def _model(task: str, optimizer: str, variant: str, steps: int):
    overrides = {"run.eval_every": 0, "recording.dtype": "float64",
                 "recording.weights_every": steps // 4, **TASKS[task], **OPTIMIZERS[optimizer],
                 **VARIANTS[variant]}
    return br.load_model(DEFAULT).with_overrides(overrides)


def assert_equivalent(ref, b2):
    """Actions identical (continuous: within TOL); δ, value, rates, weights within TOL."""
    if ref.attrs["action_kind"] == "discrete":
        np.testing.assert_array_equal(b2.action.values, ref.action.values)
    else:  # a continuous action is arithmetic on the readout: equal to rounding
        np.testing.assert_allclose(b2.action.values, ref.action.values, rtol=0, atol=TOL)
    for name in ("dopamine", "value", "rate", "obs", "reward"):
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    if "rflo_trace_norm" in ref:
        for name in ("rflo_trace_norm", "td_trace_norm"):
            np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                       err_msg=name)
    np.testing.assert_array_equal(b2.snapshot_step.values, ref.snapshot_step.values)
    for name in WEIGHTS:
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)
    np.testing.assert_array_equal(b2.episode_end_step.values, ref.episode_end_step.values)
    np.testing.assert_allclose(b2.episode_return.values, ref.episode_return.values, rtol=TOL)
    for name in ("feedback_striatum_dorsal", "feedback_striatum_ventral"):  # exact: readout weights
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=TOL,
                                   err_msg=name)


def _run_both(case, steps, seed):
    """Reference and Brian2 recordings of one case, and the Brian2 clip factors of every tick."""
    model = _model(*case, steps=steps)
    ref = br.run(model, steps=steps, seed=seed, engine="reference", progress=False)
    loop = build_circuit(model, seed)
    clip = brian2.StateMonitor(loop.circuit.optimizer, ["clip_scale_cortex", "clip_scale_readout"],
                               record=0, when="end")
    loop.network.add(clip)
    b2 = loop.train(steps, progress=False)
    return ref, b2, (clip.clip_scale_cortex[0], clip.clip_scale_readout[0])


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_brian2_matches_reference_step_for_step(case):
    ref, b2, clip = _run_both(case, steps=2000, seed=11)
    assert b2.attrs["engine"] == "brian2" and ref.attrs["engine"] == "reference"
    assert_equivalent(ref, b2)
    # the run exercised what the contract is about: learning, episode ends, the clip
    assert np.abs(b2.W_cortex_cortex.values[-1] - b2.W_cortex_cortex.values[0]).max() > 1e-4
    assert b2.sizes["completed_episode"] >= 3
    cortex, readout = clip
    assert (cortex < 1.0).any() == (case[2] != "file")
    # a clip of the cortical group alone leaves the readouts' updates as they are
    assert (readout < 1.0).any() == (case[2] in ("clip", "options", "adaptive", "episodic",
                                                 "fast_critic"))


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=["-".join(c) for c in SLOW_CASES])
def test_brian2_matches_reference_over_20k_steps(case):
    ref, b2, _ = _run_both(case, steps=20_000, seed=5)
    assert_equivalent(ref, b2)
