"""Catch (bsuite ``catch``): move a paddle under a falling ball."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv
from .validation import check_int

__all__ = ["Catch", "CatchVector"]


class CatchProgram(TaskProgram):
    """Array program of :class:`Catch`."""

    def __init__(self, num_envs: int, rows: int = 10, columns: int = 5):
        super().__init__(num_envs)
        # With one row the ball would start level with the paddle and never land.
        self.rows = check_int("rows", rows, 2)
        self.columns = check_int("columns", columns, 1)
        self.observation_space = spaces.Box(0.0, 1.0, (self.rows * self.columns,), np.float32)
        self.action_space = spaces.Discrete(3)
        self.ball_x = np.zeros(num_envs, dtype=np.int64)
        self.ball_y = np.zeros(num_envs, dtype=np.int64)
        self.paddle_x = np.zeros(num_envs, dtype=np.int64)
        self._offsets = self.all * self.rows * self.columns
        self._paddle_row = (self.rows - 1) * self.columns
        self._ball_draw = self.stream_offsets(0, 0)
        # _move[paddle_x, action]: the paddle's next column (one lookup, no clip).
        self._move = np.clip(
            np.arange(self.columns)[:, None] + np.array([-1, 0, 1]), 0, self.columns - 1
        )

    def _start(self, idx: np.ndarray) -> None:
        # Assigning floats to the int array truncates: a uniform column.
        self.ball_x[idx] = self.random(idx, self._ball_draw) * self.columns
        self.ball_y[idx] = 0
        self.paddle_x[idx] = self.columns // 2

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.paddle_x = self._move[self.paddle_x, action]
        # Terminal copies keep the ball on the paddle row so observe() stays in range.
        self.ball_y = np.minimum(self.ball_y + 1, self.rows - 1)
        terminated = self.ball_y == self.rows - 1
        reward = np.where(terminated, np.where(self.paddle_x == self.ball_x, 1.0, -1.0), 0.0)
        return reward, terminated

    def observe(self) -> np.ndarray:
        obs = np.zeros((self.num_envs, self.rows * self.columns), dtype=np.float32)
        flat = obs.reshape(-1)
        flat[self._offsets + self.ball_y * self.columns + self.ball_x] = 1.0
        flat[self._offsets + self._paddle_row + self.paddle_x] = 1.0
        return obs


class Catch(TaskEnv):
    """Catch a ball falling straight down a ``rows`` x ``columns`` board.

    ## Description

    The bsuite ``catch`` task (Osband et al., 2020). A ball appears in a random
    column of the top row and falls one row per step; the agent moves a paddle
    along the bottom row to be under it when it lands.

    ## Action Space

    ``Discrete(3)``: 0 moves the paddle left, 1 keeps it, 2 moves it right
    (clipped at the edges).

    ## Observation Space

    ``Box(0, 1, shape=(rows * columns,), dtype=float32)``: the board flattened
    row-major, 1 at the ball's and at the paddle's cell, 0 elsewhere.

    ## Rewards

    +1 when the ball lands on the paddle, -1 when it misses, 0 before.

    ## Starting State

    Ball in a uniformly random column of row 0; paddle in column
    ``columns // 2`` of the bottom row.

    ## Episode End

    Terminates when the ball reaches the bottom row, after ``rows - 1`` steps.

    ## Arguments

    rows : int, default 10
        Board height (>= 2).
    columns : int, default 5
        Board width (>= 1).
    """

    program_class = CatchProgram

    def __init__(self, rows: int = 10, columns: int = 5):
        super().__init__(rows=rows, columns=columns)


class CatchVector(TaskVectorEnv):
    """Native vector version of :class:`Catch` (same arguments plus ``num_envs``)."""

    program_class = CatchProgram
