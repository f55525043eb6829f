"""DiscountingChain (bsuite ``discounting_chain``): a bonus reward at one of five horizons."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv, register_kernels, task_jit
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
        self.state = DiscountingChainState(self.stream_base, self.t, self.context,
                                           self.chain_rewards, REWARD_STEPS.astype(np.int64))


#: The arrays of :class:`DiscountingChainProgram` its compiled functions read and write: the step,
#: the chosen chain (-1 before the first action), each chain's reward and reward step.
DiscountingChainState = namedtuple("DiscountingChainState",
                                   "stream_base t context chain_rewards reward_steps")


@task_jit
def discounting_chain_start(s, b):
    """Step 0, no chain chosen."""
    s.t[b] = 0
    s.context[b] = -1


@task_jit
def discounting_chain_advance(s, action, reward, terminated):
    """The first action chooses the chain; it pays at its own step."""
    for b in range(s.t.shape[0]):
        if s.t[b] == 0:
            s.context[b] = action[b]
        s.t[b] += 1
        c = s.context[b]  # -1 (never after a first step) indexes the last chain, as NumPy does
        reward[b] = s.chain_rewards[c] if s.t[b] == s.reward_steps[c] else 0.0
        terminated[b] = s.t[b] == EPISODE_LENGTH


@task_jit
def discounting_chain_observe(s, obs):
    """[context, t / 100]."""
    for b in range(s.t.shape[0]):
        obs[b, 0] = np.float32(s.context[b])
        obs[b, 1] = np.float32(s.t[b] / EPISODE_LENGTH)


register_kernels(DiscountingChainState, discounting_chain_start, discounting_chain_advance,
                 discounting_chain_observe)


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
