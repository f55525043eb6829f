"""Catch (bsuite ``catch``): move a paddle under a falling ball."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv, register_kernels, task_jit
from .counter_rng import draw
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
        # _move[paddle_x, action]: the paddle's next column (one lookup, no clip).
        self._move = np.clip(
            np.arange(self.columns)[:, None] + np.array([-1, 0, 1]), 0, self.columns - 1
        )
        self.state = CatchState(self.stream_base, self.ball_x, self.ball_y, self.paddle_x,
                                self._move, np.array([self.rows, self.columns]))


#: The arrays of :class:`CatchProgram` its compiled functions read and write; ``move`` the
#: paddle's next column by [column, action], ``ints`` = [rows, columns].
CatchState = namedtuple("CatchState", "stream_base ball_x ball_y paddle_x move ints")


@task_jit
def catch_start(s, b):
    """The ball in a uniformly random column of the top row, the paddle in the middle."""
    columns = s.ints[1]
    s.ball_x[b] = np.int64(draw(s.stream_base[b], 0, 1, 0) * columns)
    s.ball_y[b] = 0
    s.paddle_x[b] = columns // 2


@task_jit
def catch_advance(s, action, reward, terminated):
    """The paddle moves, the ball falls one row; ±1 when it lands."""
    rows = s.ints[0]
    for b in range(s.ball_x.shape[0]):
        s.paddle_x[b] = s.move[s.paddle_x[b], action[b]]
        # terminal copies keep the ball on the paddle row so observe() stays in range
        s.ball_y[b] = min(s.ball_y[b] + 1, rows - 1)
        terminated[b] = s.ball_y[b] == rows - 1
        reward[b] = (1.0 if s.paddle_x[b] == s.ball_x[b] else -1.0) if terminated[b] else 0.0


@task_jit
def catch_observe(s, obs):
    """The board, row-major: 1 at the ball's and at the paddle's cell."""
    rows, columns = s.ints[0], s.ints[1]
    for b in range(s.ball_x.shape[0]):
        obs[b, :] = 0.0
        obs[b, s.ball_y[b] * columns + s.ball_x[b]] = 1.0
        obs[b, (rows - 1) * columns + s.paddle_x[b]] = 1.0


register_kernels(CatchState, catch_start, catch_advance, catch_observe)


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
