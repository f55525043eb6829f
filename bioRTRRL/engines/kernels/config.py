"""The kernel's configuration: one record with a named field per option.

A record (a one-element NumPy structured array) is what numba reads fastest after plain locals,
and every field has a name: the engine writes ``cfg["gamma"]``, the kernel reads ``c.gamma``. The
learning-rate fields ``lr_*`` are the current (scheduled) rates, rewritten by the kernel every
tick from ``lr0_*`` and the optimizer's step count.
"""

from __future__ import annotations

import math

import numpy as np

ACTOR_DISCRETE, ACTOR_GAUSSIAN = 0, 1
GRAD_RFLO, GRAD_RTRL, GRAD_BPTT = 0, 1, 2
TRACE_ACCUMULATING, TRACE_DUTCH = 0, 1
OPTIM_ADAM, OPTIM_SGD = 0, 1
ADAPT_OFF, ADAPT_LEARN, ADAPT_FROZEN = 0, 1, 2
UNIT_TANH, UNIT_RATE, UNIT_LIF, UNIT_LRU = 0, 1, 2, 3
SCHEDULES = ("constant", "inverse_sqrt", "linear", "cosine")

_INT_FIELDS = {
    "N": "cortical units (every cortical population together)",
    "Z": "presynaptic vector length D + N + 1",
    "D": "input population size",
    "O": "observation channels",
    "A": "actions (discrete) or action dimensions (continuous)",
    "P": "actor outputs",
    "actor": "ACTOR_DISCRETE | ACTOR_GAUSSIAN",
    "gradient": "GRAD_RFLO | GRAD_RTRL | GRAD_BPTT",
    "critic_trace": "TRACE_ACCUMULATING | TRACE_DUTCH",
    "meta": "1 = previous action and reward enter the input",
    "optimizer": "OPTIM_ADAM | OPTIM_SGD",
    "learn": "1 = the optimizer steps (0 = a frozen copy, e.g. for evaluation)",
    "average_reward": "1 = the average reward r̄ is learned",
    "actor_lesion": "1 = dorsal striatum silenced",
    "critic_lesion": "1 = ventral striatum silenced",
    "da_rectify": "1 = dopamine bounded below by −da_baseline",
    "entropy_on": "1 = the entropy gradient is applied",
    "lr_schedule": "index into SCHEDULES",
    "rflo_tau_columns": "1 = some RFLO columns decay with their own time constant",
    "unit_model": "UNIT_TANH | UNIT_RATE | UNIT_LIF | UNIT_LRU: the cortical unit model",
    "dale": "1 = recurrent weights keep the sign of their presynaptic unit (Dale's law)",
    "cascade": "1 = some TD traces are two-stage cascades (tag → eligibility)",
    "clip_cortex_only": "1 = the norm clip measures and rescales only the cortical group",
    "substeps": "LIF: neural steps per env step",
    "refractory_steps": "LIF: a unit integrates again this many neural steps after its spike",
    "episodic_discount": "1 = gradients enter the accumulating traces scaled by I = γ^t",
    "time_limit_terminal": "1 = δ does not bootstrap on a time-limit truncation (as on a termination)",
    "input_adaptation": "ADAPT_OFF | ADAPT_LEARN | ADAPT_FROZEN",
    "da_neurons": "1 = dopamine neurons: δ sets a rate with a tonic baseline, bounded at 0 Hz",
    "opponent": "1 = the D1/D2 opponent actor (Go and NoGo outputs per action)",
    "cued_actions": "1 = only actions whose input channel is > 0 can be selected",
    "critic_rate": "1 = the critic's value is a non-negative rate softplus(w_C·h + b_C)",
}
_FLOAT_FIELDS = {
    "dt": "Euler step, ticks",
    "gamma": "discount per tick",
    "eta_pi": "policy-gradient weight of the cortical learning signal",
    "eta_h": "entropy weight",
    "lam_critic": "λ of the critic (the dutch trace needs it; decays are per parameter)",
    "lr_readout": "current actor learning rate",
    "lr_cortex": "current cortical learning rate",
    "lr_critic": "current critic learning rate",
    "lr0_readout": "initial actor learning rate",
    "lr0_cortex": "initial cortical learning rate",
    "lr0_critic": "initial critic learning rate",
    "lr_decay_steps": "length T of the learning-rate schedule",
    "lr_floor": "final fraction of the linear and cosine schedules",
    "beta1": "Adam β1",
    "beta2": "Adam β2",
    "neural_dt": "LIF: neural step, seconds",
    "v_th": "LIF: firing threshold (membrane units; reset to 0)",
    "gamma_pd": "LIF: height γ_pd of the e-prop pseudo-derivative",
    "tau_out": "LIF: time constant of the filtered spike trains the readouts read, seconds",
    "adapt_beta": "ALIF: threshold increase β per unit of the adaptation variable (0 = LIF)",
    "adapt_tau": "ALIF: time constant τ_a of the adaptation variable, seconds",
    "eps": "Adam ε",
    "clip": "global-norm clip of the update direction (0 = none)",
    "tau_min": "lower bound of τ after every update, ticks",
    "avg_lr": "learning rate of the average reward",
    "da_fixed": "dopamine clamp value (NaN = not clamped)",
    "da_gain": "dopamine gain",
    "da_shift": "dopamine shift",
    "da_baseline": "lower bound −da_baseline of rectified dopamine",
    "da_tonic_hz": "tonic rate r₀ of the dopamine neurons in force, Hz",
    "da_model_hz": "the model's tonic rate (the reference of the tonic bias ρ), Hz",
    "da_burst_hz": "burst slope, Hz per unit of positive TD error",
    "da_dip_hz": "dip slope, Hz per unit of negative TD error",
    "da_unit_hz": "κ of the model: the rate deviation per unit of plasticity signal, Hz",
    "da_dip_scale": "factor of a dip's plasticity signal: 1, or r₀_model/r₀ with relative dips",
    "opp_beta": "β of the opponent actor's selection stage",
    "opp_tonic_bias": "gain of the tonic bias ρ = bias · (r₀/r₀_model − 1)",
    "d1_block": "fraction of D1 receptors blocked (0 = none)",
    "d2_block": "fraction of D2 receptors blocked (0 = none)",
}

#: Field names and what they mean (for documentation and error messages).
FIELDS = {**_INT_FIELDS, **_FLOAT_FIELDS}

CONFIG = np.dtype([(name, np.int64) for name in _INT_FIELDS]
                  + [(name, np.float64) for name in _FLOAT_FIELDS], align=True)


def new_config() -> np.ndarray:
    """A configuration record (zeros; dopamine unclamped with unit gain)."""
    cfg = np.zeros(1, dtype=CONFIG)
    cfg["da_fixed"] = math.nan
    cfg["da_gain"] = 1.0
    return cfg
