"""UmbrellaChain (bsuite ``umbrella_chain``): credit assignment over a long, noisy chain."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv
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
        self._start_draws = self.stream_offsets(
            np.arange(self.chain_length + 1)[:, None], np.arange(self.n_streams)
        )
        self._countdown = 1.0 - np.arange(self.chain_length + 1) / self.chain_length

    def _start(self, idx: np.ndarray) -> None:
        coins = self.random(idx, self._start_draws) < 0.5
        self.coins[idx] = coins
        self.current[idx] = coins[:, 0]
        self.t[idx] = 0
        self.need[idx] = coins[:, 0, _NEED]
        self.have[idx] = coins[:, 0, _HAVE]

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Clamped: stepping a finished episode again stays on its last step.
        self.t = np.minimum(self.t + 1, self.chain_length)
        self.have = np.where(self.t == 1, action, self.have)
        terminated = self.t == self.chain_length
        self.current = self.coins[self.all, self.t]
        win = np.where(terminated, self.have == self.need, self.current[:, _REWARD])
        return np.where(win, 1.0, -1.0), terminated

    def observe(self) -> np.ndarray:
        obs = np.empty((self.num_envs, 3 + self.n_distractor), dtype=np.float32)
        obs[:, 0] = self.need
        obs[:, 1] = self.have
        obs[:, 2] = self._countdown[self.t]
        obs[:, 3:] = self.current[:, _DISTRACTORS:]
        return obs


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
