"""UmbrellaChain (bsuite ``umbrella_chain``): credit assignment over a long, noisy chain."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int

__all__ = ["UmbrellaChain", "UmbrellaChainVector"]

# Random streams per step: the ±1 noise reward, need and have umbrella (read
# at step 0 only), then one per distractor.
_REWARD, _NEED, _HAVE, _DISTRACTORS = 0, 1, 2, 3


class UmbrellaChainProgram(TaskProgram):
    """Array program of :class:`UmbrellaChain`."""

    def __init__(self, num_envs: int, chain_length: int = 10, n_distractor: int = 0):
        self.chain_length = check_int("chain_length", chain_length, 1)
        self.n_distractor = check_int("n_distractor", n_distractor, 0)
        self.n_streams = _DISTRACTORS + self.n_distractor
        super().__init__(num_envs)
        self.observation_space = spaces.Box(0.0, 1.0, (3 + self.n_distractor,), np.float32)
        self.action_space = spaces.Discrete(2)
        self.t = np.zeros(num_envs, dtype=np.int64)
        self.need = np.zeros(num_envs, dtype=bool)
        self.have = np.zeros(num_envs, dtype=np.int64)
        # The episode's coin flips, drawn at its start: [copy, step, stream]
        # (one lookup per step instead of hashing every step).
        self.coins = np.zeros((num_envs, self.chain_length + 1, self.n_streams), dtype=bool)
        #: The current step's coins (the distractors are observed).
        self.current = np.zeros((num_envs, self.n_streams), dtype=bool)
        self._countdown = 1.0 - np.arange(self.chain_length + 1) / self.chain_length
        self.state = UmbrellaChainState(self.stream_base, self.t, self.need, self.have,
                                        self.coins, self.current, self._countdown,
                                        np.array([self.chain_length, self.n_streams]))


#: The arrays of :class:`UmbrellaChainProgram` its compiled functions read and write: the step,
#: need and have umbrella, the episode's coin flips [copy, step, stream] and the current step's,
#: the countdown by step; ``ints`` = [chain_length, n_streams].
UmbrellaChainState = namedtuple("UmbrellaChainState",
                                "stream_base t need have coins current countdown ints")


@task_jit
def umbrella_chain_start(s, b):
    """Draw the episode's coin flips (one lookup per step later); need and have umbrella."""
    chain_length, n_streams = s.ints[0], s.ints[1]
    for t in range(chain_length + 1):
        for k in range(n_streams):
            s.coins[b, t, k] = draw(s.stream_base[b], t, n_streams, k) < 0.5
    s.current[b, :] = s.coins[b, 0, :]
    s.t[b] = 0
    s.need[b] = s.coins[b, 0, _NEED]
    s.have[b] = 1 if s.coins[b, 0, _HAVE] else 0


@task_jit
def umbrella_chain_advance(s, action, reward, terminated):
    """The first action sets the umbrella; ±1 noise on every step, the match at the end."""
    chain_length = s.ints[0]
    for b in range(s.t.shape[0]):
        # clamped: stepping a finished episode again stays on its last step
        s.t[b] = min(s.t[b] + 1, chain_length)
        if s.t[b] == 1:
            s.have[b] = action[b]
        terminated[b] = s.t[b] == chain_length
        s.current[b, :] = s.coins[b, s.t[b], :]
        win = s.have[b] == s.need[b] if terminated[b] else s.current[b, _REWARD]
        reward[b] = 1.0 if win else -1.0


@task_jit
def umbrella_chain_observe(s, obs):
    """[need, have, countdown, distractors...]."""
    for b in range(s.t.shape[0]):
        obs[b, 0] = np.float32(1.0 if s.need[b] else 0.0)
        obs[b, 1] = np.float32(s.have[b])
        obs[b, 2] = np.float32(s.countdown[s.t[b]])
        for k in range(_DISTRACTORS, s.current.shape[1]):
            obs[b, 3 + k - _DISTRACTORS] = np.float32(1.0 if s.current[b, k] else 0.0)


register_kernels(UmbrellaChainState, umbrella_chain_start, umbrella_chain_advance,
                 umbrella_chain_observe)


class UmbrellaChain(TaskEnv):
    """Pick up the umbrella at the first step if it will rain at the end.

    ## Description

    The bsuite ``umbrella_chain`` credit-assignment task (Osband et al., 2020).
    The first action decides whether the agent carries an umbrella; only at
    the end of the chain does it learn whether that matched the weather. Every
    intermediate step pays a random ±1, which hides the signal in noise.

    ## Action Space

    ``Discrete(2)``: at the first step, 1 picks up the umbrella and 0 does not;
    later actions have no effect.

    ## Observation Space

    ``Box(0, 1, shape=(3 + n_distractor,), dtype=float32)``:
    ``[need_umbrella, have_umbrella, 1 - t / chain_length, distractors...]``,
    where the distractors are fresh fair coin flips (0/1) at every step.

    ## Rewards

    +1 on the last step if ``have_umbrella == need_umbrella``, -1 otherwise;
    every earlier step pays +1 or -1 with probability 1/2 each.

    ## Starting State

    ``need_umbrella`` and ``have_umbrella`` are fair coin flips (bsuite shows a
    random ``have_umbrella`` until the first action sets it), ``t = 0``.

    ## Episode End

    Terminates after ``chain_length`` steps.

    ## Arguments

    chain_length : int, default 10
        Number of steps (>= 1).
    n_distractor : int, default 0
        Number of random distractor observations (>= 0).
    """

    program_class = UmbrellaChainProgram

    def __init__(self, chain_length: int = 10, n_distractor: int = 0):
        super().__init__(chain_length=chain_length, n_distractor=n_distractor)


class UmbrellaChainVector(TaskVectorEnv):
    """Native vector version of :class:`UmbrellaChain` (same arguments plus ``num_envs``)."""

    program_class = UmbrellaChainProgram
