"""Tasks that are array programs, stepped inside the compiled closed loop (:mod:`.loop`).

:func:`world_step` advances a circuit's task by one tick: the loop calls it with the task's world
record, and numba picks the task's step by the record's type when it compiles the loop (an
overload on the type, so one loop serves every compiled task, each call specialised and inlined,
and the compiled loop is cached on disk like any other kernel).

**The toolkit's own tasks** (:mod:`bioRTRRL.tasks`): a :class:`TaskWorld` holds the task's state
record (:attr:`bioRTRRL.tasks.base.TaskProgram.state`), and :func:`task_step` calls the task's own
compiled ``start``, ``advance`` and ``observe`` — the very functions the Gymnasium environments
call — within Gymnasium's protocols: one ``TaskEnv`` in a ``TimeLimit`` (reset by the driver after
an episode's end), or the native ``TaskVectorEnv`` (every copy advances, those that ended on the
previous step then restart). The trial clock and event flags are the state's own arrays, which the
driver and the recorder read.

**CartPole** here is Gymnasium's ``CartPole-v1`` to the last bit: the same dynamics in the same
order of floating-point operations (compiled without fast-math, so no reassociation or fused
multiply-add changes a rounding), the same float32 observations, the time limit of Gymnasium's
``TimeLimit`` wrapper, and reset states drawn from the same generator in the same order — the single
env draws 4 uniforms per reset (``CartPoleEnv.reset``), the native vector env ``CartPoleVectorEnv``
draws a (4, m) block for the m environments that ended on the previous step, row-major. The draws
come from the environment's own ``np_random`` stream, taken in blocks by the driver
(:class:`bioRTRRL.tasks.compiled.CompiledCartPole`); a uniform block of k draws is the same stream
as k single draws (one 64-bit word each), so the block size does not matter.

All follow the driver's NEXT_STEP protocol (:mod:`bioRTRRL.environment`): the tick after an
episode ends is fresh (reward 0) and carries the next episode's first observation.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit
from numba.extending import overload

from ...environment import _bookkeep
from ...tasks.base import KERNELS
from ...tasks.counter_rng import EPISODE_STRIDE

_STRIDE = np.uint64(EPISODE_STRIDE)

# CartPoleEnv.__init__'s constants, computed as it computes them
GRAVITY = 9.8
MASSCART = 1.0
MASSPOLE = 0.1
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG = 10.0
TAU = 0.02
THETA_THRESHOLD = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4
RESET_LOW, RESET_HIGH = -0.05, 0.05

#: state (B × 4: x, ẋ, θ, θ̇), steps (B,) since the episode's reset, draws: the reset stream's
#: block, draw_pos (1,) the next unused draw, spec = [time limit, 1 = vector-env semantics],
#: observed: the state components observed, in order (the observation mask).
CartPoleWorld = namedtuple("CartPoleWorld", "state steps draws draw_pos spec observed")
#: A toolkit task: its state record (``TaskProgram.state``), steps (B,) since each episode's reset
#: (for the time limit), spec = [time limit (0: none), 1 = vector-env semantics].
TaskWorld = namedtuple("TaskWorld", "task steps spec")
#: The driver's per-env arrays (:class:`bioRTRRL.environment.EnvDriver`) plus a log of completed
#: episodes: rows (env, end tick, return, length, terminated), log_n (1,) rows used; and the trial
#: clock and event flags (B, n_events) the recorder reads (no columns: a task without trials).
Book = namedtuple("Book", "obs reward terminated truncated fresh ended episode t_in_episode "
                          "episode_return log log_n trial t_in_trial events")

# exactly IEEE: the order of operations is Gymnasium's, and must stay so
_exact = njit(cache=True, fastmath=False, error_model="numpy", _nrt=False)  # no NRT: see ._jit.njit


def world_step(world, book, actions, tick):
    """Advance a task by one tick with ``actions`` (int indices); fills ``book``.

    Compiled only (inside the loop): the task's own step, chosen by the type of ``world``.
    """
    raise NotImplementedError("world_step is called from compiled code only")


@overload(world_step)
def _world_step(world, book, actions, tick):
    cls = getattr(world, "instance_class", None)
    step = cartpole_step if cls is CartPoleWorld else task_step if cls is TaskWorld else None
    if step is not None:
        return lambda world, book, actions, tick: step(world, book, actions, tick)
    return None


def task_start(state, b):
    """Compiled only: the task's ``start`` (copy ``b`` begins an episode), by the type of
    ``state``, the task's state record (:func:`bioRTRRL.tasks.base.register_kernels`)."""
    raise NotImplementedError("called from compiled code only")


def task_advance(state, actions, reward, terminated):
    """Compiled only: the task's ``advance``, by the type of ``state``."""
    raise NotImplementedError("called from compiled code only")


def task_observe(state, obs):
    """Compiled only: the task's ``observe``, by the type of ``state``."""
    raise NotImplementedError("called from compiled code only")


def _kernel(state, which):
    return KERNELS.get(getattr(state, "instance_class", None), (None,) * 3)[which]


@overload(task_start)
def _task_start(state, b):
    f = _kernel(state, 0)
    return None if f is None else lambda state, b: f(state, b)


@overload(task_advance)
def _task_advance(state, actions, reward, terminated):
    f = _kernel(state, 1)
    return None if f is None else lambda state, actions, reward, terminated: f(
        state, actions, reward, terminated)


@overload(task_observe)
def _task_observe(state, obs):
    f = _kernel(state, 2)
    return None if f is None else lambda state, obs: f(state, obs)


@_exact
def task_step(world, book, actions, tick):
    """One tick of a toolkit task under Gymnasium's protocol (see the module docstring)."""
    task = world.task
    B = book.fresh.shape[0]
    limit = world.spec[0]
    if world.spec[1] == 1:  # TaskVectorEnv.step: every copy advances, the ended ones restart
        task_advance(task, actions, book.reward, book.terminated)
        for b in range(B):
            world.steps[b] += 1
            book.truncated[b] = limit > 0 and world.steps[b] >= limit
            if book.ended[b]:
                _restart(world, book, b)
            else:
                book.fresh[b] = False
    elif book.ended[0]:  # one TaskEnv: the driver resets it after an episode's end
        _restart(world, book, 0)
    else:
        task_advance(task, actions, book.reward, book.terminated)
        world.steps[0] += 1
        book.truncated[0] = limit > 0 and world.steps[0] >= limit
        book.fresh[0] = False
    task_observe(task, book.obs)
    bookkeep(book, tick)


@_exact
def _restart(world, book, b):
    """Copy ``b`` begins its next episode (``TaskProgram.start`` without new keys)."""
    world.task.stream_base[b] += _STRIDE
    task_start(world.task, b)
    _first_tick(world, book, b)


@_exact
def _first_tick(world, book, b):
    """Env ``b``'s tick is the first of its new episode: no reward, not ended, fresh."""
    world.steps[b] = 0
    book.reward[b] = 0.0
    book.terminated[b] = False
    book.truncated[b] = False
    book.fresh[b] = True


@_exact
def cartpole_dynamics(s, action):
    """One Euler step of ``CartPoleEnv.step`` on state row ``s`` (in place); True if terminal."""
    x = s[0]; x_dot = s[1]; theta = s[2]; theta_dot = s[3]
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS))
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x = x + TAU * x_dot
    x_dot = x_dot + TAU * xacc
    theta = theta + TAU * theta_dot
    theta_dot = theta_dot + TAU * thetaacc
    s[0] = x; s[1] = x_dot; s[2] = theta; s[3] = theta_dot
    return x < -X_THRESHOLD or x > X_THRESHOLD or theta < -THETA_THRESHOLD or theta > THETA_THRESHOLD


@_exact
def cartpole_reset(world, book):
    """First tick: every env's state from the reset stream (the vector env's (4, B) block)."""
    B = world.state.shape[0]
    p = world.draw_pos[0]
    for b in range(B):
        for c in range(4):
            world.state[b, c] = world.draws[p + c * B + b]
        world.steps[b] = 0
    world.draw_pos[0] = p + 4 * B
    _observe(world, book)
    for b in range(B):
        book.fresh[b] = True


@_exact
def cartpole_step(world, book, actions, tick):
    """Advance every env by one tick with ``actions`` (int indices); fills ``book``."""
    B = world.state.shape[0]
    limit = world.spec[0]
    vector = world.spec[1] == 1
    if vector:  # CartPoleVectorEnv.step: every env steps, those done before are then reset
        m = 0
        for b in range(B):
            if book.ended[b]:
                m += 1
        p = world.draw_pos[0]
        j = 0
        for b in range(B):
            term = cartpole_dynamics(world.state[b], actions[b])
            world.steps[b] += 1
            if book.ended[b]:
                for c in range(4):
                    world.state[b, c] = world.draws[p + c * m + j]
                j += 1
                _first_tick(world, book, b)
            else:
                book.reward[b] = 1.0
                book.terminated[b] = term
                book.truncated[b] = world.steps[b] >= limit
                book.fresh[b] = False
        world.draw_pos[0] = p + 4 * m
    else:  # one CartPoleEnv in a TimeLimit: reset by the driver after an episode's end
        for b in range(B):
            if book.ended[b]:
                p = world.draw_pos[0]
                for c in range(4):
                    world.state[b, c] = world.draws[p + c]
                world.draw_pos[0] = p + 4
                _first_tick(world, book, b)
            else:
                book.terminated[b] = cartpole_dynamics(world.state[b], actions[b])
                world.steps[b] += 1
                book.truncated[b] = world.steps[b] >= limit
                book.reward[b] = 1.0
                book.fresh[b] = False
    _observe(world, book)
    bookkeep(book, tick)


@_exact
def _observe(world, book):
    # the envs return their state as float32
    for b in range(world.state.shape[0]):
        for j in range(world.observed.shape[0]):
            book.obs[b, j] = np.float32(world.state[b, world.observed[j]])


@_exact
def bookkeep(book, tick):
    """The driver's episode bookkeeping of one tick, and a log row for every episode that ended."""
    if _bookkeep(book.fresh, book.reward, book.terminated, book.truncated, book.ended, book.episode,
                 book.t_in_episode, book.episode_return):
        for b in range(book.fresh.shape[0]):
            if book.ended[b]:
                n = book.log_n[0]
                book.log[n, 0] = b
                book.log[n, 1] = tick
                book.log[n, 2] = book.episode_return[b]
                book.log[n, 3] = book.t_in_episode[b]
                book.log[n, 4] = 1.0 if book.terminated[b] else 0.0
                book.log_n[0] = n + 1
