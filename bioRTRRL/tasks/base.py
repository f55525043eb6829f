"""Shared machinery: one array program per task, two Gymnasium front ends.

Each task is written once as a :class:`TaskProgram`, an array program that
advances ``num_envs`` copies with NumPy operations over the copy axis. The
single environment (:class:`TaskEnv`, used by ``gymnasium.make``) runs the
program with one copy; the native vector environment (:class:`TaskVectorEnv`,
used by ``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")``)
runs it with all copies at once. Both therefore follow the same dynamics by
construction, and the counter-based random numbers of
:mod:`bioRTRRL.tasks.counter_rng` make copy ``i`` of a vector environment
seeded with ``s`` replay ``gymnasium.make(...).reset(seed=s + i)``.

A task's dynamics are compiled functions (numba) on a record of arrays, :attr:`TaskProgram.state`:
``start(state, b)`` begins copy ``b``'s episode, ``advance(state, actions, reward, terminated)``
applies one action per copy, ``observe(state, obs)`` writes the observations. The Gymnasium front
ends call them through :class:`TaskProgram`, and the compiled closed loop
(:mod:`bioRTRRL.engines.kernels.world`) calls the very same functions on the same record, so the
two paths cannot drift apart. :func:`register_kernels` makes a task's record known to the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from ..engines.kernels._jit import njit
from .counter_rng import EPISODE_STRIDE, key_from_generator, key_from_seed
from .validation import check_int

__all__ = ["KERNELS", "TaskEnv", "TaskProgram", "TaskVectorEnv", "TrialProgram", "register_kernels",
           "task_jit"]

#: Compilation of the tasks' functions: IEEE arithmetic in the order written (no fast-math), so
#: that a task computes exactly what its NumPy formulation computed.
task_jit = njit(cache=True, fastmath=False)

#: The compiled tasks: state record class → (start, advance, observe).
KERNELS: dict[type, tuple] = {}


def register_kernels(state_class: type, start, advance, observe) -> None:
    """Make a task's state record (a namedtuple class) and its compiled functions known to the
    compiled closed loop (:mod:`bioRTRRL.engines.kernels.world`)."""
    KERNELS[state_class] = (start, advance, observe)


class TaskProgram:
    """State and dynamics of ``num_envs`` copies of one task, as arrays.

    Subclasses set :attr:`observation_space` and :attr:`action_space` (of one
    copy), :attr:`n_streams` (as a class attribute, or before calling
    ``TaskProgram.__init__`` when it depends on arguments) and :attr:`state`,
    a namedtuple of arrays (among them :attr:`stream_base`) whose class is
    registered with :func:`register_kernels` together with the task's compiled
    ``start``, ``advance`` and ``observe``; :meth:`_start`, :meth:`advance`
    and :meth:`observe` call them.

    :meth:`advance` is also called on copies whose episode has just ended (the
    vector environment restarts them right afterwards and discards the result),
    so it must not fail on a terminal state.
    """

    #: How many independent random numbers a task may draw per counter value
    #: (per step or per trial); stream ``s`` of counter ``c`` is read at
    #: position ``c * n_streams + s`` of the episode's random stream
    #: (:func:`~bioRTRRL.tasks.counter_rng.draw`), which must stay below 2**32.
    n_streams: int = 1
    observation_space: spaces.Box
    action_space: spaces.Discrete

    def __init__(self, num_envs: int):
        self.num_envs = num_envs
        self.all = np.arange(num_envs)
        #: Per copy: its key plus EPISODE_STRIDE per episode begun since seeding.
        self.stream_base = np.zeros(num_envs, dtype=np.uint64)

    def start(self, idx: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Begin a new episode in the copies ``idx``.

        With ``keys`` the copies are re-seeded and start at episode 0,
        otherwise they move on to their next episode.
        """
        if keys is None:
            self.stream_base[idx] += EPISODE_STRIDE
        else:
            self.stream_base[idx] = keys
        self._start(idx)

    def _start(self, idx: np.ndarray) -> None:
        """Set the initial state of the copies ``idx`` (their random streams are ready)."""
        start = KERNELS[type(self.state)][0]
        for b in idx:
            start(self.state, b)

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply one action per copy; return fresh (reward float64, terminated bool) arrays."""
        reward = np.zeros(self.num_envs)
        terminated = np.zeros(self.num_envs, dtype=bool)
        KERNELS[type(self.state)][1](self.state, np.asarray(action, dtype=np.int64), reward,
                                     terminated)
        return reward, terminated

    def observe(self) -> np.ndarray:
        """Fresh float32 array (num_envs, obs_dim) of the current observations."""
        obs = np.zeros((self.num_envs, self.observation_space.shape[0]), dtype=np.float32)
        KERNELS[type(self.state)][2](self.state, obs)
        return obs


class TrialProgram(TaskProgram):
    """A task made of trials, exposing its trial structure for recordings.

    Subclasses keep :attr:`trial` and :attr:`t_in_trial` up to date and set the
    boolean arrays of :attr:`events` (one per name in :attr:`trial_events`) in
    :meth:`advance`; :meth:`start` clears the events of restarted copies.
    """

    #: Names of the task's event flags.
    trial_events: tuple[str, ...] = ()

    def __init__(self, num_envs: int):
        super().__init__(num_envs)
        self.trial = np.zeros(num_envs, dtype=np.int64)
        self.t_in_trial = np.zeros(num_envs, dtype=np.int64)
        #: (num_envs, n_events): the event flags in :attr:`trial_events` order; :attr:`events`
        #: holds a view of each column by name.
        self.event_flags = np.zeros((num_envs, len(self.trial_events)), dtype=bool)
        self.events = {name: self.event_flags[:, k] for k, name in enumerate(self.trial_events)}

    def start(self, idx: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Begin a new episode in the copies ``idx`` (see :meth:`TaskProgram.start`)."""
        self.trial[idx] = 0
        self.t_in_trial[idx] = 0
        for flags in self.events.values():
            flags[idx] = False
        super().start(idx, keys)

    def info(self) -> dict[str, np.ndarray]:
        """Fresh arrays: ``trial``, ``t_in_trial`` and one flag per event."""
        info = {"trial": self.trial.copy(), "t_in_trial": self.t_in_trial.copy()}
        for name, flags in self.events.items():
            info[name] = flags.copy()
        return info


class TaskEnv(gym.Env):
    """Single-environment front end of a :class:`TaskProgram` (one copy).

    ``info`` is empty for tasks without trials; for trial tasks it holds
    ``trial`` and ``t_in_trial`` (int) and one bool per name in
    :attr:`trial_events`, all describing the step whose observation is returned.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    program_class: ClassVar[type[TaskProgram]]

    def __init__(self, **params: Any):
        self.program = self.program_class(1, **params)
        self.observation_space = self.program.observation_space
        self.action_space = self.program.action_space
        if isinstance(self.program, TrialProgram):
            # Instance attribute: some tasks (e.g. per-cue events) depend on kwargs.
            self.trial_events = self.program.trial_events
        self._seeded = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode; ``seed`` re-seeds the task, ``None`` starts the next episode."""
        super().reset(seed=seed)
        if seed is not None or not self._seeded:
            self.program.start(self.program.all, np.array([key_from_generator(self.np_random)]))
            self._seeded = True
        else:
            self.program.start(self.program.all)
        return self.program.observe()[0], self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Advance one step; never truncates (use ``max_episode_steps`` of ``gymnasium.make``)."""
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in {self.action_space}")
        reward, terminated = self.program.advance(np.asarray(action, dtype=np.int64).reshape(1))
        return self.program.observe()[0], float(reward[0]), bool(terminated[0]), False, self._info()

    def _info(self) -> dict[str, Any]:
        if not isinstance(self.program, TrialProgram):
            return {}
        return {name: value[0].item() for name, value in self.program.info().items()}


class TaskVectorEnv(gym.vector.VectorEnv):
    """Native vector front end of a :class:`TaskProgram`: all copies in one array program.

    Autoreset follows :attr:`AutoresetMode.NEXT_STEP`: the step after a copy's
    episode ends ignores that copy's action and returns its reset observation
    with reward 0 and ``terminated = truncated = False``.

    For speed, ``step`` checks the shape of ``actions`` but not their range.

    ``reset(seed=s)`` seeds copy ``i`` with ``s + i`` (a list of seeds gives one
    per copy), so copy ``i`` replays ``gymnasium.make(id).reset(seed=s + i)``
    step for step under the same actions. ``info`` holds, for trial tasks, the
    arrays ``trial``, ``t_in_trial`` and one bool array per name in
    :attr:`trial_events`, each of shape ``(num_envs,)``; it is empty otherwise.

    Parameters
    ----------
    num_envs : int
        Number of copies.
    max_episode_steps : int, optional
        Truncate an episode after this many steps (Gymnasium passes the
        registered value here, as ``TimeLimit`` does for ``gymnasium.make``).
    **params
        The task's arguments, as for the single environment.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": [],
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    program_class: ClassVar[type[TaskProgram]]

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **params: Any):
        self.num_envs = check_int("num_envs", num_envs, 1)
        self.max_episode_steps = (
            None if max_episode_steps is None
            else check_int("max_episode_steps", max_episode_steps, 1)
        )
        self.program = self.program_class(self.num_envs, **params)
        self.single_observation_space = self.program.observation_space
        self.single_action_space = self.program.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        if isinstance(self.program, TrialProgram):
            self.trial_events = self.program.trial_events
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._ended = np.zeros(self.num_envs, dtype=bool)
        self._seeded = False

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in every copy (see the class docstring for seeding)."""
        if seed is None:
            super().reset()
            keys = None if self._seeded else self._fresh_keys(self.num_envs)
        elif isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
            keys = np.array([key_from_seed(int(seed) + i) for i in range(self.num_envs)])
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(
                    f"seed: expected {self.num_envs} seeds (one per copy), got {len(seeds)}"
                )
            super().reset()
            keys = np.array(
                [self._fresh_keys(1)[0] if s is None else key_from_seed(int(s)) for s in seeds]
            )
        self._seeded = True
        self.program.start(self.program.all, keys)
        self._steps[:] = 0
        self._ended[:] = False
        return self.program.observe(), self._info()

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Advance every copy by one step (restarting copies whose episode ended)."""
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,):
            raise ValueError(
                f"actions must have shape ({self.num_envs},), got {actions.shape}"
            )
        reward, terminated = self.program.advance(actions)
        if self.max_episode_steps is None:
            truncated = np.zeros(self.num_envs, dtype=bool)
        else:
            self._steps += 1
            truncated = self._steps >= self.max_episode_steps
        restart = np.flatnonzero(self._ended)
        if restart.size:
            self.program.start(restart)
            reward[restart] = 0.0
            terminated[restart] = False
            if self.max_episode_steps is not None:
                self._steps[restart] = 0
                truncated[restart] = False
        self._ended = terminated | truncated
        return self.program.observe(), reward, terminated, truncated, self._info()

    def _fresh_keys(self, count: int) -> np.ndarray:
        return np.array([key_from_generator(self.np_random) for _ in range(count)])

    def _info(self) -> dict[str, Any]:
        if isinstance(self.program, TrialProgram):
            return self.program.info()
        return {}
