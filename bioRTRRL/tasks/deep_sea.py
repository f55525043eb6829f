"""DeepSea (bsuite ``deep_sea``): deep exploration down an N x N grid."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv
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
        self._offsets = self.all * self.size * self.size
        n = self.size
        columns = np.arange(n)
        # Lookups by [column, moved right]: the next column and the step's reward.
        self._next_column = np.stack(
            [np.maximum(columns - 1, 0), np.minimum(columns + 1, n - 1)], axis=1
        )
        cost = self.unscaled_move_cost / n
        # bsuite charges the move cost for every "right" action, even a failed one.
        self._reward = np.stack([np.zeros(n), (columns == n - 1) - cost], 1)
        self._noise_draws = self.stream_offsets(0, np.arange(3))

    def _start(self, idx: np.ndarray) -> None:
        self.row[idx] = 0
        self.column[idx] = 0

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.size
        row = np.minimum(self.row, n - 1)  # terminal copies step harmlessly
        right = (action == self.action_mapping[row, self.column]).astype(np.int64)
        reward = self._reward[self.column, right]
        if self.deterministic:
            self.column = self._next_column[self.column, right]
        else:
            u = self.random(self.all, self._noise_draws, counter=row)
            # bsuite: N(0, 1) reward noise when leaving either end of the bottom row.
            at_end = (row == n - 1) & ((self.column == 0) | (self.column == n - 1))
            noise = np.sqrt(-2.0 * np.log1p(-u[:, 1])) * np.cos(2.0 * np.pi * u[:, 2])
            reward = reward + np.where(at_end, noise, 0.0)
            # A right move fails with probability 1 / size and then stays put.
            failed = right.astype(bool) & (u[:, 0] <= 1.0 / n)
            self.column = np.where(failed, self.column, self._next_column[self.column, right])
        self.row = self.row + 1
        return reward, self.row == n

    def observe(self) -> np.ndarray:
        n = self.size
        obs = np.zeros((self.num_envs, n * n), dtype=np.float32)
        inside = self.row < n
        # Past the bottom row the observation is all zeros (bsuite's null
        # observation); those copies write their 0 into their own last cell.
        cell = np.where(inside, self.row * n + self.column, n * n - 1)
        obs.reshape(-1)[self._offsets + cell] = inside
        return obs


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
