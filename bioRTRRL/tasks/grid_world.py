"""GridWorld: the navigation task of Potjans, Diesmann & Morrison (2011) and Potjans et al. (2009)."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv
from .validation import check_int, check_real

__all__ = ["GridWorld", "GridWorldVector", "MOVES", "REWARD_SCHEMES"]

#: Row and column change of each action: 0 up (north), 1 right (east), 2 down (south), 3 left (west).
MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]], dtype=np.int64)
#: The three feedback schemes compared by Potjans et al. (2011): (goal, step, wall) rewards.
REWARD_SCHEMES = {
    "positive": (1.0, 0.0, 0.0),   # sparse positive reward at the goal only
    "mixed": (1.0, 0.0, -1.0),     # the goal rewarded, running into a wall punished
    "negative": (0.0, -1.0, 0.0),  # purely negative: every step that does not end at the goal costs
}


class GridWorldProgram(TaskProgram):
    """Array program of :class:`GridWorld`."""

    # Stream 0: the start cell of the episode.
    n_streams = 1

    def __init__(self, num_envs: int, size: int = 5, goal_reward: float = 1.0,
                 step_reward: float = 0.0, wall_reward: float = 0.0):
        super().__init__(num_envs)
        self.size = check_int("size", size, 2)
        self.goal_reward = check_real("goal_reward", goal_reward)
        self.step_reward = check_real("step_reward", step_reward)
        self.wall_reward = check_real("wall_reward", wall_reward)
        n = self.size
        self.goal = n * n - 1  # the bottom-right corner
        self.observation_space = spaces.Box(0.0, 1.0, (n * n,), np.float32)
        self.action_space = spaces.Discrete(4)
        self.row = np.zeros(num_envs, dtype=np.int64)
        self.column = np.zeros(num_envs, dtype=np.int64)
        self._draw = self.stream_offsets(0, [0])

    def _start(self, idx: np.ndarray) -> None:
        # uniform over the size² − 1 cells other than the goal (cell index < goal)
        n = self.size
        u = self.random(idx, self._draw)[:, 0]
        cell = np.minimum((u * (n * n - 1)).astype(np.int64), n * n - 2)
        self.row[idx], self.column[idx] = np.divmod(cell, n)

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.size
        move = MOVES[action]
        row, column = self.row + move[:, 0], self.column + move[:, 1]
        wall = (row < 0) | (row >= n) | (column < 0) | (column >= n)
        # running into a wall leaves the agent where it is
        self.row = np.where(wall, self.row, row)
        self.column = np.where(wall, self.column, column)
        at_goal = self.row * n + self.column == self.goal
        reward = (np.where(at_goal, self.goal_reward, self.step_reward)
                  + np.where(wall, self.wall_reward, 0.0))
        return reward.astype(np.float64), at_goal

    def observe(self) -> np.ndarray:
        obs = np.zeros((self.num_envs, self.size * self.size), dtype=np.float32)
        obs[self.all, self.row * self.size + self.column] = 1.0
        return obs


class GridWorld(TaskEnv):
    """Reach the goal corner of an N x N grid (Potjans, Diesmann & Morrison 2011).

    ## Description

    The navigation task of the spiking actor-critic of Potjans, Diesmann & Morrison (2011, PLoS
    Comput Biol 7:e1001133; first in Potjans, Morrison & Diesmann 2009, Neural Comput 21:301): an
    agent in a grid of ``size`` x ``size`` cells surrounded by walls moves one cell per step
    north, east, south or west until it reaches the goal in the bottom-right corner. Potjans et
    al. compare feedback schemes: a reward at the goal only (which the spiking network learns
    as fast as discrete-time TD), a reward at the goal with punishments for running into walls
    (impaired) and purely negative feedback (learning breaks down), because dopamine neurons
    with a low baseline rate cannot signal negative errors below 0 Hz. :data:`REWARD_SCHEMES`
    holds the three schemes as (``goal_reward``, ``step_reward``, ``wall_reward``); the purely
    negative one charges every step that does not reach the goal, so that the shortest path is
    still the best.

    ## Action Space

    ``Discrete(4)``: 0 north (up), 1 east (right), 2 south (down), 3 west (left). A move into
    the surrounding wall leaves the agent in its cell.

    ## Observation Space

    ``Box(0, 1, shape=(size * size,), dtype=float32)``: a one-hot of the agent's cell, flattened
    row-major (index ``row * size + column``; the goal is the last cell), as the place-cell
    input of Potjans et al.

    ## Rewards

    ``goal_reward`` on the step that enters the goal, ``step_reward`` on every other step, plus
    ``wall_reward`` on a step that runs into the wall. Defaults: 1, 0, 0 (the positive scheme).

    ## Starting State

    A cell drawn uniformly from the ``size² − 1`` cells other than the goal.

    ## Episode End

    Terminates when the agent enters the goal. There is no time limit of its own (use
    ``max_episode_steps``).

    ## Arguments

    size : int, default 5
        Side of the grid (>= 2).
    goal_reward : float, default 1.0
        Reward for entering the goal.
    step_reward : float, default 0.0
        Reward of every step that does not enter the goal (e.g. −1: every step costs).
    wall_reward : float, default 0.0
        Added when a move runs into the wall (e.g. −1: a punishment).
    """

    program_class = GridWorldProgram

    def __init__(self, size: int = 5, goal_reward: float = 1.0, step_reward: float = 0.0,
                 wall_reward: float = 0.0):
        super().__init__(size=size, goal_reward=goal_reward, step_reward=step_reward,
                         wall_reward=wall_reward)

    @property
    def position(self) -> tuple[int, int]:
        """(row, column) of the agent."""
        return int(self.program.row[0]), int(self.program.column[0])


class GridWorldVector(TaskVectorEnv):
    """Native vector version of :class:`GridWorld` (same arguments plus ``num_envs``)."""

    program_class = GridWorldProgram
