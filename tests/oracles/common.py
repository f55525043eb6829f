"""Shared pieces of the oracle tests: the episode schedule, model dicts, comparison with messages."""

from __future__ import annotations

import numpy as np

from .engine_access import EngineAccess
from .numpy_reference import Hyper, NumpyRTRRL

# Episode ends per env over the ticks of a run: (tick, "terminated" | "truncated"). Every env ends
# at least two episodes, one of them a one-tick-after-fresh short episode, and the envs are out of
# step so a tick often mixes a fresh env with one in mid-episode (the batch mean then matters).
ENDS = (
    ((4, "terminated"), (9, "truncated")),
    ((3, "truncated"), (7, "terminated"), (11, "terminated")),
)
TICKS = 14


def episode_flags(ends=ENDS, ticks=TICKS):
    """terminated, truncated, fresh: (ticks × B) bools. Tick 0 and every tick after an end are fresh."""
    B = len(ends)
    term = np.zeros((ticks, B), dtype=bool)
    trunc = np.zeros((ticks, B), dtype=bool)
    fresh = np.zeros((ticks, B), dtype=bool)
    fresh[0] = True
    for b, env_ends in enumerate(ends):
        for t, kind in env_ends:
            (term if kind == "terminated" else trunc)[t, b] = True
            if t + 1 < ticks:
                fresh[t + 1, b] = True
    return term, trunc, fresh


def inputs(obs_size, ticks=TICKS, B=len(ENDS), seed=0):
    """Observations (ticks × B × O) and rewards (ticks × B): the world, replaced by random draws."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(ticks, B, obs_size)), rng.normal(size=(ticks, B))


def hyper(**overrides) -> Hyper:
    """Hyper-parameters of a test; dt = 0.5 so that every dt/τ mistake shows."""
    base = dict(dt=0.5, gamma=0.9, lam_actor=0.8, lam_critic=0.7, lam_cortex=0.6, eta_pi=0.7,
                eta_h=0.05, gradient="rflo", bptt_window=3, episodic=False, meta=True, plastic=True,
                optimizer="adam", lr_cortex=1e-2, lr_readout=2e-2, lr_critic=4e-2, beta1=0.9,
                beta2=0.999, eps=1e-8, clip=0.0, tau_min=1.0)
    base.update(overrides)
    return Hyper(**base)


def model_dict(hp: Hyper, N: int, tau_init=(1.0, 3.0)) -> dict:
    """The engine's model specification for ``hp``: every key the oracle depends on is explicit."""
    return {
        "circuit": {"cortex_size": N, "dt": hp.dt, "tau_min": hp.tau_min, "tau_init": list(tau_init),
                    "meta_rl_input": hp.meta, "feedback": "random", "train_tau": True,
                    "input_adaptation": False, "unit": hp.unit},
        "learning": {"gradient": hp.gradient, "bptt_window": hp.bptt_window, "gamma": hp.gamma,
                     "lambda_actor": hp.lam_actor, "lambda_critic": hp.lam_critic,
                     "lambda_cortex": hp.lam_cortex, "eta_pi": hp.eta_pi, "entropy": hp.eta_h,
                     "critic_trace": "accumulating", "average_reward": False,
                     "plasticity": hp.plastic, "episodic_discount": hp.episodic},
        "optimizer": {"kind": hp.optimizer, "lr_cortex": hp.lr_cortex, "lr_readout": hp.lr_readout,
                      "lr_critic_scale": hp.lr_critic / hp.lr_readout, "beta1": hp.beta1,
                      "beta2": hp.beta2, "eps": hp.eps, "clip_norm": hp.clip, "clip_scope": "all",
                      "lr_schedule": "constant"},
    }


def build(hp: Hyper, N=5, O=4, A=3, continuous=False, lo=None, hi=None, seed=0, tau_init=(1.0, 3.0)):
    """(engine access, NumPy oracle) starting from the same weights and feedback synapses."""
    B = len(ENDS)
    acc = EngineAccess(model_dict(hp, N, tau_init), O, A, continuous=continuous, num_envs=B,
                       seed=seed, action_low=lo, action_high=hi)
    orc = NumpyRTRRL(hp, acc.params(), acc.feedback(), B, O, A, continuous, lo, hi)
    return acc, orc


def mismatch(name, got, want, rtol):
    """A message if ``got`` differs from ``want`` by more than rtol × the oracle's scale, else None."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    if got.shape != want.shape:
        return f"{name}: shape {got.shape}, oracle {want.shape}"
    scale = max(float(np.abs(want).max(initial=0.0)), 1e-300)
    err = float(np.abs(got - want).max(initial=0.0))
    if not err <= rtol * scale:  # NaN fails too
        return f"{name}: max |engine - oracle| = {err:.3e} (oracle scale {scale:.3e})"
    return None
