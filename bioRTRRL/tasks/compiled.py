"""Drivers of tasks that are array programs: the world of the compiled closed loop.

:func:`compiled_driver` gives, for a task it can compile, a driver with the interface of
:class:`bioRTRRL.environment.EnvDriver` (the same arrays, ``reset``, ``step``, ``completed``, the
trial clock and events) whose environments are stepped by compiled functions
(:mod:`bioRTRRL.engines.kernels.world`), so that :mod:`bioRTRRL.engines.kernels.loop` can run
thousands of ticks of task and circuit in one call. For any other task it returns None and the
session keeps Gymnasium's environments.

Compiled today, each equal to the Gymnasium environment :class:`EnvDriver` would build for the
same seed and actions (one environment in a ``TimeLimit``, or the native vector environment for a
batch):

* ``CartPole-v1`` (no keyword arguments; any observation mask);
* the toolkit's own tasks whose dynamics are compiled functions (:mod:`bioRTRRL.tasks.base`),
  :data:`COMPILED_TASKS`, with any keyword arguments and observation mask "none": their Gymnasium
  environments call the same functions, so the two paths cannot drift apart.

Not compiled: a task with ``microstimuli``, ``serial_compound`` or ``wrappers`` (Python around the environment), any
other Gymnasium id, and the LIF cortex (its spike trains are collected in Python every tick).
"""

from __future__ import annotations

import importlib

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding

from ..config import ModelError, TaskSpec
from ..engines.kernels import world as W
from .base import KERNELS, TrialProgram
from .counter_rng import key_from_seed
from .masks import mask_indices
from .registration import TASKS

#: Gymnasium's registered time limit of CartPole-v1.
CARTPOLE_LIMIT = 500

#: The toolkit's tasks whose dynamics are compiled functions, by Gymnasium id.
COMPILED_TASKS = tuple(f"bioRTRRL/{name}-v0" for name in TASKS)


def compiled_driver(task: TaskSpec, seed: int, num_envs: int | None = None):
    """A compiled driver of ``task`` seeded like :class:`EnvDriver` with ``seed``, or None."""
    if task.microstimuli or task.serial_compound or task.wrappers:
        return None
    if task.env == "CartPole-v1" and not task.kwargs:
        return CompiledCartPole(task, seed, num_envs)
    if task.env in COMPILED_TASKS and task.observation_mask == "none":
        return CompiledTask(task, seed, num_envs)
    return None


class _CompiledDriver:
    """What the compiled drivers share: :class:`EnvDriver`'s arrays in a
    :class:`~bioRTRRL.engines.kernels.world.Book`, the episode log and its collection."""

    continuous = False
    action_low = action_high = None

    def _book(self, trial=None, t_in_trial=None, events=None) -> None:
        B = self.num_envs
        self.book = W.Book(np.zeros((B, self.O)), np.zeros(B), np.zeros(B, bool),
                           np.zeros(B, bool), np.ones(B, bool), np.zeros(B, bool),
                           np.zeros(B, np.int64), np.zeros(B, np.int64), np.zeros(B),
                           np.zeros((0, 5)), np.zeros(1, np.int64),
                           np.zeros(B, np.int64) if trial is None else trial,
                           np.zeros(B, np.int64) if t_in_trial is None else t_in_trial,
                           np.zeros((B, 0), bool) if events is None else events)
        (self.obs, self.reward, self.terminated, self.truncated, self.fresh, self._ended,
         self.episode, self.t_in_episode, self.episode_return) = self.book[:9]
        self.trial, self.t_in_trial, self.events = self.book[11:]
        self.completed: list[tuple[int, int, float, int, bool]] = []
        self.ticks = 0

    def prepare(self, ticks: int) -> None:
        """Make room for ``ticks`` steps: log rows for every possible episode end (an episode
        lasts at least one step, so at most one end per env and tick)."""
        if self.book.log.shape[0] < self.num_envs * ticks:
            self.book = self.book._replace(log=np.zeros((self.num_envs * ticks, 5)))

    def collect(self) -> None:
        """Move the logged episode ends into :attr:`completed`."""
        b = self.book
        for env, end, ret, length, term in b.log[:b.log_n[0]]:
            self.completed.append((int(env), int(end), float(ret), int(length), bool(term)))
        b.log_n[0] = 0

    def close(self) -> None:
        pass


class CompiledTask(_CompiledDriver):
    """One of the toolkit's compiled tasks for :class:`bioRTRRL.experiment.Session`.

    Parameters
    ----------
    task : TaskSpec
        ``task.env`` one of :data:`COMPILED_TASKS`, ``task.kwargs`` the task's arguments.
    seed : int
        Copy i is seeded with ``seed + i`` (``reset(seed=seed)`` of Gymnasium's environments).
    num_envs : int, optional
        Overrides ``task.num_envs``.

    Attributes
    ----------
    program : TaskProgram
        The task's state and functions: the class the Gymnasium environments run.
    world : TaskWorld
        The program's state record, the steps since each reset and the protocol, for the loop.
    book : Book
        The driver's per-env arrays (as :class:`EnvDriver`'s) and the episode log; the trial clock
        and events are the program's own arrays.
    """

    def __init__(self, task: TaskSpec, seed: int, num_envs: int | None = None):
        self.task = task
        self.num_envs = B = task.num_envs if num_envs is None else num_envs
        self.vector = B > 1
        name = task.env[len("bioRTRRL/"):-len("-v0")]
        env_class = getattr(importlib.import_module(f"{__package__}.{TASKS[name]}"), name)
        try:
            self.program = p = env_class.program_class(B, **task.kwargs)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"task: cannot build {task.env!r} with kwargs {task.kwargs!r}: "
                             f"{exc}") from None
        self.obs_space, self.action_space = p.observation_space, p.action_space
        self.O, self.A = int(p.observation_space.shape[0]), int(p.action_space.n)
        self._seed = int(seed)
        self.world = W.TaskWorld(p.state, np.zeros(B, np.int64),
                                 np.array([task.max_episode_steps, int(self.vector)]))
        if isinstance(p, TrialProgram):
            self.trial_events = tuple(p.trial_events)
            self._book(p.trial, p.t_in_trial, p.event_flags)
        else:
            self.trial_events = ()
            self._book()
        self._observe = KERNELS[type(p.state)][2]

    def reset(self):
        """First tick: every copy starts (``reset(seed=seed)``: copy i's key from seed + i)."""
        self.program.start(self.program.all,
                           np.array([key_from_seed(self._seed + i) for i in range(self.num_envs)]))
        self.world.steps[:] = 0
        self._observe(self.program.state, self.obs)
        self.fresh[:] = True
        self.ticks = 0
        return self.obs

    def step(self, actions) -> None:
        """Advance every copy by one tick with the engine's actions (int indices)."""
        self.ticks += 1
        self.prepare(1)
        W.task_step(self.world, self.book, np.asarray(actions, np.int64), self.ticks)
        self.collect()


class CompiledCartPole(_CompiledDriver):
    """``CartPole-v1`` for :class:`bioRTRRL.experiment.Session`, stepped by compiled kernels.

    Parameters
    ----------
    task : TaskSpec
    seed : int
        Seed of the environments' reset stream (Gymnasium's ``env.reset(seed=seed)``).
    num_envs : int, optional
        Overrides ``task.num_envs``.

    Attributes
    ----------
    world : CartPoleWorld
        The physical state and the reset stream, read by the compiled loop.
    book : Book
        The driver's per-env arrays (as :class:`EnvDriver`'s) and the episode log.
    """

    trial_events = ()

    def __init__(self, task: TaskSpec, seed: int, num_envs: int | None = None):
        self.task = task
        self.num_envs = B = task.num_envs if num_envs is None else num_envs
        self.vector = B > 1
        observed = np.arange(4) if task.observation_mask == "none" else np.asarray(
            mask_indices(task.env, task.observation_mask), np.int64)
        self.O, self.A = len(observed), 2
        high = np.array([W.X_THRESHOLD * 2, np.inf, W.THETA_THRESHOLD * 2, np.inf],
                        np.float32)[observed]
        self.obs_space = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self._seed = int(seed)
        self._rng = None
        limit = task.max_episode_steps or CARTPOLE_LIMIT
        self.world = W.CartPoleWorld(np.zeros((B, 4)), np.zeros(B, np.int64), np.zeros(0),
                                     np.zeros(1, np.int64), np.array([limit, int(self.vector)]),
                                     observed)
        self._book()

    def prepare(self, ticks: int) -> None:
        """Make room for ``ticks`` steps: reset draws for every possible reset, and log rows."""
        need = 4 * self.num_envs * (ticks + 1)
        w = self.world
        left = w.draws.shape[0] - int(w.draw_pos[0])
        if left < need:
            fresh = self._rng.uniform(W.RESET_LOW, W.RESET_HIGH, size=max(need, 4096) - left)
            self.world = w = w._replace(draws=np.concatenate([w.draws[w.draw_pos[0]:], fresh]))
            w.draw_pos[0] = 0
        super().prepare(ticks)

    # -- EnvDriver's protocol ------------------------------------------------------------------
    def reset(self):
        """First tick: every env fresh (``env.reset(seed=seed)``)."""
        self._rng, _ = seeding.np_random(self._seed)
        self.world.draw_pos[0] = 0
        self.world = self.world._replace(draws=np.zeros(0))
        self.prepare(0)
        W.cartpole_reset(self.world, self.book)
        self.ticks = 0
        return self.obs

    def step(self, actions) -> None:
        """Advance every env by one tick with the engine's actions (int indices)."""
        self.ticks += 1
        self.prepare(1)
        W.cartpole_step(self.world, self.book, np.asarray(actions, np.int64), self.ticks)
        self.collect()
