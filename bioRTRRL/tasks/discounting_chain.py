"""DiscountingChain (bsuite ``discounting_chain``): a bonus reward at one of five horizons."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv
from .validation import check_int

__all__ = ["DiscountingChain", "DiscountingChainVector"]

#: Step at which each chain (= first action) pays its reward (bsuite's values).
REWARD_STEPS = np.array([1, 3, 10, 30, 100])
#: Episode length in steps.
EPISODE_LENGTH = 100


class DiscountingChainProgram(TaskProgram):
    """Array program of :class:`DiscountingChain`."""

    def __init__(self, num_envs: int, mapping_seed: int = 0):
        super().__init__(num_envs)
        n_chains = len(REWARD_STEPS)
        self.bonus_chain = check_int("mapping_seed", mapping_seed, 0) % n_chains
        self.chain_rewards = np.ones(n_chains)
        self.chain_rewards[self.bonus_chain] += 0.1
        self.observation_space = spaces.Box(
            np.array([-1.0, 0.0], dtype=np.float32),
            np.array([n_chains - 1, 1.0], dtype=np.float32),
            dtype=np.float32,
        )
        self.action_space = spaces.Discrete(n_chains)
        self.t = np.zeros(num_envs, dtype=np.int64)
        self.context = np.full(num_envs, -1, dtype=np.int64)

    def _start(self, idx: np.ndarray) -> None:
        self.t[idx] = 0
        self.context[idx] = -1

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.context = np.where(self.t == 0, action, self.context)
        self.t = self.t + 1
        reward = np.where(
            self.t == REWARD_STEPS[self.context], self.chain_rewards[self.context], 0.0
        )
        return reward, self.t == EPISODE_LENGTH

    def observe(self) -> np.ndarray:
        obs = np.empty((self.num_envs, 2), dtype=np.float32)
        obs[:, 0] = self.context
        obs[:, 1] = self.t / EPISODE_LENGTH
        return obs


class DiscountingChain(TaskEnv):
    """Choose a chain at the first step; chains pay at horizons 1, 3, 10, 30, 100.

    ## Description

    The bsuite ``discounting_chain`` task (Osband et al., 2020), probing the
    agent's effective horizon. The first action commits to one of five chains;
    chain ``a`` pays its reward ``REWARD_STEPS[a]`` = 1, 3, 10, 30 or 100 steps
    after the start. All chains pay 1 except one, chosen by ``mapping_seed``,
    which pays 1.1.

    ## Action Space

    ``Discrete(5)``: the chain, chosen by the first action; later actions have
    no effect.

    ## Observation Space

    ``Box(shape=(2,), dtype=float32)``: ``[context, t / 100]`` where
    ``context`` is -1 before the first action and the chosen chain after it.

    ## Rewards

    ``1.1`` for the bonus chain, ``1`` for the others, paid on the step whose
    count since reset equals the chain's horizon; 0 otherwise. The optimal
    return is 1.1.

    ## Starting State

    ``context = -1``, ``t = 0``.

    ## Episode End

    Terminates after 100 steps.

    ## Arguments

    mapping_seed : int, default 0
        Selects the bonus chain, ``mapping_seed % 5`` (>= 0), as in bsuite.
    """

    program_class = DiscountingChainProgram

    def __init__(self, mapping_seed: int = 0):
        super().__init__(mapping_seed=mapping_seed)


class DiscountingChainVector(TaskVectorEnv):
    """Native vector version of :class:`DiscountingChain` (same arguments plus ``num_envs``)."""

    program_class = DiscountingChainProgram
