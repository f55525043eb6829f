"""Evaluation of a circuit's policy without learning (the paper's protocol)."""

from __future__ import annotations

import numpy as np

from .config import Model, RunSpec
from .environment import EnvDriver


def evaluation_ticks(run: RunSpec) -> int:
    """Environment steps an evaluation lasts at most: ``run.eval_budget``, or the evaluation
    episodes' own cap ``run.eval_max_steps`` when that is shorter (an episode truncated at step L
    ends on the evaluation's L-th step). An episode still running after the last step is scored
    by its return so far: for a continuing task, the return over exactly this many steps."""
    return min(run.eval_max_steps, run.eval_budget) if run.eval_max_steps else run.eval_budget


def evaluate(model: Model, engine, seed_seq, episodes: int) -> float:
    """Mean first-episode return of ``episodes`` environments under a frozen copy of ``engine``
    (an engine with ``frozen_copy``, e.g. :class:`bioRTRRL.engines.reference.ReferenceEngine`)."""
    limit = model.run.eval_max_steps or None
    drv = EnvDriver(model.task, int(seed_seq.generate_state(1)[0]), num_envs=episodes,
                    max_episode_steps=limit if limit else None,
                    env_dt_ms=model.circuit.env_dt_ms)
    frozen = engine.frozen_copy(episodes, int(seed_seq.generate_state(2)[1]), drv.action_low,
                                drv.action_high)
    returns = np.full(episodes, np.nan)
    drv.reset()
    for _ in range(evaluation_ticks(model.run)):
        frozen.tick(drv.obs, drv.reward, drv.terminated, drv.truncated, drv.fresh)
        drv.step(frozen.actions)
        for b, _end, ret, _len, _term in drv.completed:
            if np.isnan(returns[b]):
                returns[b] = ret
        drv.completed.clear()
        if not np.isnan(returns).any():
            break
    drv.close()
    if np.isnan(returns).any():  # an episode outlasted the budget: count its return so far
        missing = np.isnan(returns)
        returns[missing] = drv.episode_return[missing]
    return float(returns.mean())
