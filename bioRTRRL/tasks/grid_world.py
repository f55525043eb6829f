"""GridWorld: the navigation task of Potjans, Diesmann & Morrison (2011) and Potjans et al. (2009)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv, register_kernels, task_jit
from .counter_rng import draw
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

    def __init__(self, num_envs: int, size: int = 5, goal_reward: float = 1.0,
                 step_reward: float = 0.0, wall_reward: float = 0.0):
        super().__init__(num_envs)
        self.size = check_int("size", size, 2)
        self.goal_reward = check_real("goal_reward", goal_reward)
        self.step_reward = check_real("step_reward", step_reward)
        self.wall_reward = check_real("wall_reward", wall_reward)
        n = self.size
        self.observation_space = spaces.Box(0.0, 1.0, (n * n,), np.float32)
        self.action_space = spaces.Discrete(4)
        self.row = np.zeros(num_envs, dtype=np.int64)
        self.column = np.zeros(num_envs, dtype=np.int64)
        self.state = GridWorldState(
            self.stream_base, self.row, self.column, MOVES, np.array([n]),
            np.array([self.goal_reward, self.step_reward, self.wall_reward]))


#: The arrays of :class:`GridWorldProgram` its compiled functions read and write; ``ints`` =
#: [size], ``rewards`` = [goal, step, wall].
GridWorldState = namedtuple("GridWorldState", "stream_base row column moves ints rewards")


@task_jit
def grid_world_start(s, b):
    """A start cell uniform over the size² − 1 cells other than the goal (cell index < goal)."""
    n = s.ints[0]
    cell = min(np.int64(draw(s.stream_base[b], 0, 1, 0) * (n * n - 1)), n * n - 2)
    s.row[b] = cell // n
    s.column[b] = cell % n


@task_jit
def grid_world_advance(s, action, reward, terminated):
    """One move; a move into the wall leaves the agent where it is."""
    n = s.ints[0]
    goal_reward, step_reward, wall_reward = s.rewards[0], s.rewards[1], s.rewards[2]
    for b in range(s.row.shape[0]):
        row = s.row[b] + s.moves[action[b], 0]
        column = s.column[b] + s.moves[action[b], 1]
        wall = row < 0 or row >= n or column < 0 or column >= n
        if not wall:
            s.row[b], s.column[b] = row, column
        at_goal = s.row[b] * n + s.column[b] == n * n - 1  # the bottom-right corner
        reward[b] = (goal_reward if at_goal else step_reward) + (wall_reward if wall else 0.0)
        terminated[b] = at_goal


@task_jit
def grid_world_observe(s, obs):
    """A one-hot of the agent's cell, row-major."""
    n = s.ints[0]
    for b in range(s.row.shape[0]):
        obs[b, :] = 0.0
        obs[b, s.row[b] * n + s.column[b]] = 1.0


register_kernels(GridWorldState, grid_world_start, grid_world_advance, grid_world_observe)


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
    with a low baseline rate cannot signal negative errors below 0 Hz (and the critic, a firing
    rate, cannot represent values below 0: analyses/grid_world.py). :data:`REWARD_SCHEMES`
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
