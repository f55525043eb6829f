"""Drivers of tasks that are array programs: the world of the compiled closed loop.

:func:`compiled_driver` gives, for a task it can compile, a driver with the interface of
:class:`bioRTRRL.environment.EnvDriver` (the same arrays, ``reset``, ``step``, ``completed``) whose
environments are stepped by compiled kernels (:mod:`bioRTRRL.engines.kernels.world`), so that
:mod:`bioRTRRL.engines.kernels.loop` can run thousands of ticks of task and circuit in one call.
For any other task it returns None and the session keeps Gymnasium's environments.

Compiled today: ``CartPole-v1`` (no keyword arguments, no microstimuli; any observation mask), equal to Gymnasium's
for the same seed and actions — one ``CartPoleEnv`` in a ``TimeLimit`` for one environment, the
native ``CartPoleVectorEnv`` for a batch, as :class:`EnvDriver` would build them.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding

from ..config import TaskSpec
from ..engines.kernels import world as W
from .masks import mask_indices

#: Gymnasium's registered time limit of CartPole-v1.
CARTPOLE_LIMIT = 500


def compiled_driver(task: TaskSpec, seed: int, num_envs: int | None = None):
    """A compiled driver of ``task`` seeded like :class:`EnvDriver` with ``seed``, or None."""
    if task.env == "CartPole-v1" and not (task.kwargs or task.microstimuli or task.wrappers):
        return CompiledCartPole(task, seed, num_envs)
    return None


class CompiledCartPole:
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
    continuous = False
    action_low = action_high = None

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
        self.book = W.Book(np.zeros((B, self.O)), np.zeros(B), np.zeros(B, bool), np.zeros(B, bool),
                           np.ones(B, bool), np.zeros(B, bool), np.zeros(B, np.int64),
                           np.zeros(B, np.int64), np.zeros(B), np.zeros((0, 5)),
                           np.zeros(1, np.int64))
        (self.obs, self.reward, self.terminated, self.truncated, self.fresh, self._ended,
         self.episode, self.t_in_episode, self.episode_return) = self.book[:9]
        self.trial = np.zeros(B, np.int64)
        self.t_in_trial = np.zeros(B, np.int64)
        self.events = np.zeros((B, 0), bool)
        self.completed: list[tuple[int, int, float, int, bool]] = []
        self.ticks = 0

    def prepare(self, ticks: int) -> None:
        """Make room for ``ticks`` steps: reset draws for every possible reset and log rows for
        every possible episode end (an episode lasts at least one step, so at most one end per
        env and tick)."""
        B = self.num_envs
        need = 4 * B * (ticks + 1)
        w, b = self.world, self.book
        left = w.draws.shape[0] - int(w.draw_pos[0])
        if left < need:
            fresh = self._rng.uniform(W.RESET_LOW, W.RESET_HIGH, size=max(need, 4096) - left)
            self.world = w = w._replace(draws=np.concatenate([w.draws[w.draw_pos[0]:], fresh]))
            w.draw_pos[0] = 0
        if b.log.shape[0] < B * ticks:
            self.book = b._replace(log=np.zeros((B * ticks, 5)))

    def collect(self) -> None:
        """Move the logged episode ends into :attr:`completed`."""
        b = self.book
        for env, end, ret, length, term in b.log[:b.log_n[0]]:
            self.completed.append((int(env), int(end), float(ret), int(length), bool(term)))
        b.log_n[0] = 0

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

    def close(self) -> None:
        pass
