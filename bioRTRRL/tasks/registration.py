"""Register the tasks with Gymnasium under the ``bioRTRRL/`` namespace."""

from __future__ import annotations

import gymnasium as gym

__all__ = ["TASKS", "register_tasks"]

#: Task name → module defining ``<Name>`` and its native vector ``<Name>Vector``.
TASKS: dict[str, str] = {
    "MemoryChain": "memory_chain",
    "DeepSea": "deep_sea",
    "UmbrellaChain": "umbrella_chain",
    "DiscountingChain": "discounting_chain",
    "Catch": "catch",
    "TraceConditioning": "trace_conditioning",
    "ReversalBandit": "reversal_bandit",
    "DelayedMatch": "delayed_match",
    "ProbabilisticSelection": "probabilistic_selection",
    "GridWorld": "grid_world",
}


def register_tasks() -> list[str]:
    """Register every task as ``bioRTRRL/<Name>-v0``; already registered ids are kept.

    Returns
    -------
    list of str
        All task ids.
    """
    ids = []
    for name, module in TASKS.items():
        env_id = f"bioRTRRL/{name}-v0"
        ids.append(env_id)
        # Re-importing (e.g. importlib.reload) must not trip Gymnasium's
        # "overriding environment" warning.
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=f"bioRTRRL.tasks.{module}:{name}",
            vector_entry_point=f"bioRTRRL.tasks.{module}:{name}Vector",
        )
    return ids
