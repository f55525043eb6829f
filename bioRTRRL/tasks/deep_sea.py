"""DeepSea (bsuite ``deep_sea``): deep exploration down an N x N grid."""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int, check_real

__all__ = ["DeepSea", "DeepSeaVector"]


class DeepSeaProgram(TaskProgram):
    """Array program of :class:`DeepSea`."""

    # Stream 0: does a "right" move succeed; streams 1, 2: Box-Muller normal.
    n_streams = 3

    def __init__(
        self,
        num_envs: int,
        size: int = 8,
        mapping_seed: int = 0,
        randomize_actions: bool = True,
        deterministic: bool = True,
        unscaled_move_cost: float = 0.01,
    ):
        super().__init__(num_envs)
        self.size = check_int("size", size, 1)
        mapping_seed = check_int("mapping_seed", mapping_seed, 0)
        self.deterministic = bool(deterministic)
        self.unscaled_move_cost = check_real("unscaled_move_cost", unscaled_move_cost, 0.0)
        if randomize_actions:
            # The same draw as bsuite, so a mapping_seed gives bsuite's mapping.
            mapping = np.random.RandomState(mapping_seed).binomial(1, 0.5, [self.size] * 2)
        else:
            mapping = np.ones((self.size, self.size))
        #: ``action_mapping[row, column]`` is the action that moves right there.
        self.action_mapping = mapping.astype(np.int64)
        self.observation_space = spaces.Box(0.0, 1.0, (self.size * self.size,), np.float32)
        self.action_space = spaces.Discrete(2)
        self.row = np.zeros(num_envs, dtype=np.int64)
        self.column = np.zeros(num_envs, dtype=np.int64)
        n = self.size
        columns = np.arange(n)
        # Lookups by [column, moved right]: the next column and the step's reward.
        self._next_column = np.stack(
            [np.maximum(columns - 1, 0), np.minimum(columns + 1, n - 1)], axis=1
        )
        cost = self.unscaled_move_cost / n
        # bsuite charges the move cost for every "right" action, even a failed one.
        self._reward = np.stack([np.zeros(n), (columns == n - 1) - cost], 1)
        self.state = DeepSeaState(self.stream_base, self.row, self.column, self.action_mapping,
                                  self._next_column, self._reward,
                                  np.array([n, int(self.deterministic)]))


#: The arrays of :class:`DeepSeaProgram` its compiled functions read and write: the position, the
#: "right" action per cell, the next column and the reward by [column, moved right];
#: ``ints`` = [size, deterministic].
DeepSeaState = namedtuple("DeepSeaState",
                          "stream_base row column action_mapping next_column reward ints")


@task_jit
def deep_sea_start(s, b):
    """The top-left cell."""
    s.row[b] = 0
    s.column[b] = 0


@task_jit
def deep_sea_advance(s, action, reward, terminated):
    """Fall one row and move one column; stochastic: a right move may fail, noise at the ends."""
    n = s.ints[0]
    for b in range(s.row.shape[0]):
        row = min(s.row[b], n - 1)  # terminal copies step harmlessly
        column = s.column[b]
        right = 1 if action[b] == s.action_mapping[row, column] else 0
        r = s.reward[column, right]
        if s.ints[1] == 1:
            s.column[b] = s.next_column[column, right]
        else:
            base = s.stream_base[b]
            # bsuite: N(0, 1) reward noise (Box-Muller) when leaving either end of the bottom row
            if row == n - 1 and (column == 0 or column == n - 1):
                noise = math.sqrt(-2.0 * math.log1p(-draw(base, row, 3, 1))) \
                    * math.cos(2.0 * math.pi * draw(base, row, 3, 2))
                r = r + noise
            # a right move fails with probability 1 / size and then stays put
            if not (right == 1 and draw(base, row, 3, 0) <= 1.0 / n):
                s.column[b] = s.next_column[column, right]
        s.row[b] += 1
        reward[b] = r
        terminated[b] = s.row[b] == n


@task_jit
def deep_sea_observe(s, obs):
    """A one-hot of the position; all zeros past the bottom row (bsuite's null observation)."""
    n = s.ints[0]
    for b in range(s.row.shape[0]):
        obs[b, :] = 0.0
        if s.row[b] < n:
            obs[b, s.row[b] * n + s.column[b]] = 1.0


register_kernels(DeepSeaState, deep_sea_start, deep_sea_advance, deep_sea_observe)


class DeepSea(TaskEnv):
    """Descend an N x N grid; only always going "right" reaches the treasure.

    ## Description

    The bsuite ``deep_sea`` exploration task (Osband et al., 2020). The agent
    starts at the top-left cell and falls one row per step. Each step it moves
    one column left or right. The +1 treasure is paid for moving right from
    the right-most column, which is only reachable by moving right on every
    row, while every right move costs a little: dithering exploration finds the
    treasure with probability 2^-N.

    ## Action Space

    ``Discrete(2)``. Which action means "right" is randomised per cell by
    ``mapping_seed`` (bsuite's ``np.random.RandomState(mapping_seed)
    .binomial(1, 0.5, [size, size])``, so the same seed gives bsuite's mapping);
    the mapping is fixed for the environment's lifetime and exposed as
    ``env.unwrapped.action_mapping`` (``[row, column]`` → the "right" action).

    ## Observation Space

    ``Box(0, 1, shape=(size * size,), dtype=float32)``: a one-hot of the
    position, flattened row-major (index ``row * size + column``); all zeros
    once the agent has fallen past the bottom row.

    ## Rewards

    Every "right" action costs ``unscaled_move_cost / size`` (charged even when
    a stochastic move fails). Moving right from the right-most column pays +1.
    The optimal policy therefore returns ``1 - unscaled_move_cost`` = 0.99 by
    default (``size`` right moves, the last one paying the treasure). With
    ``deterministic=False``, a right move fails with probability ``1 / size``
    and N(0, 1) noise is added when leaving either end of the bottom row.

    ## Starting State

    Top-left cell (row 0, column 0).

    ## Episode End

    Terminates after ``size`` steps (the bottom row has been left).

    ## Arguments

    size : int, default 8
        Grid side N (>= 1).
    mapping_seed : int, default 0
        Seed of the per-cell action mapping (>= 0).
    randomize_actions : bool, default True
        False makes action 1 mean "right" everywhere (a debugging aid, as in bsuite).
    deterministic : bool, default True
        False gives bsuite's stochastic variant (see Rewards).
    unscaled_move_cost : float, default 0.01
        Total cost of ``size`` right moves (>= 0).
    """

    program_class = DeepSeaProgram

    def __init__(
        self,
        size: int = 8,
        mapping_seed: int = 0,
        randomize_actions: bool = True,
        deterministic: bool = True,
        unscaled_move_cost: float = 0.01,
    ):
        super().__init__(
            size=size,
            mapping_seed=mapping_seed,
            randomize_actions=randomize_actions,
            deterministic=deterministic,
            unscaled_move_cost=unscaled_move_cost,
        )

    @property
    def action_mapping(self) -> np.ndarray:
        """``action_mapping[row, column]``: the action that moves right in that cell."""
        return self.program.action_mapping


class DeepSeaVector(TaskVectorEnv):
    """Native vector version of :class:`DeepSea` (same arguments plus ``num_envs``)."""

    program_class = DeepSeaProgram

    @property
    def action_mapping(self) -> np.ndarray:
        """``action_mapping[row, column]``: the action that moves right in that cell."""
        return self.program.action_mapping
