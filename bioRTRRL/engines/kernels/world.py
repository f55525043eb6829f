"""Tasks that are array programs, stepped inside the compiled closed loop (:mod:`.loop`).

CartPole here is Gymnasium's ``CartPole-v1`` to the last bit: the same dynamics in the same order of
floating-point operations (compiled without fast-math, so no reassociation or fused multiply-add
changes a rounding), the same float32 observations, the time limit of Gymnasium's ``TimeLimit``
wrapper, and reset states drawn from the same generator in the same order — the single env draws
4 uniforms per reset (``CartPoleEnv.reset``), the native vector env ``CartPoleVectorEnv`` draws a
(4, m) block for the m environments that ended on the previous step, row-major. The draws come
from the environment's own ``np_random`` stream, taken in blocks by the driver
(:class:`bioRTRRL.tasks.compiled.CompiledCartPole`); a uniform block of k draws is the same stream
as k single draws (one 64-bit word each), so the block size does not matter.

Both forms follow the driver's NEXT_STEP protocol (:mod:`bioRTRRL.environment`): the tick after an
episode ends is fresh (reward 0) and carries the next episode's first observation.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from ...environment import _bookkeep

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
#: The driver's per-env arrays (:class:`bioRTRRL.environment.EnvDriver`) plus a log of completed
#: episodes: rows (env, end tick, return, length, terminated), log_n (1,) rows used.
Book = namedtuple("Book", "obs reward terminated truncated fresh ended episode t_in_episode "
                          "episode_return log log_n")

# exactly IEEE: the order of operations is Gymnasium's, and must stay so
_exact = njit(cache=True, fastmath=False, error_model="numpy")


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
                world.steps[b] = 0
                book.reward[b] = 0.0
                book.terminated[b] = False
                book.truncated[b] = False
                book.fresh[b] = True
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
                world.steps[b] = 0
                book.reward[b] = 0.0
                book.terminated[b] = False
                book.truncated[b] = False
                book.fresh[b] = True
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
