"""Counter-based random numbers shared by the single and the vector environments.

Every random number a task uses is a pure function of (copy key, episode
index, position): number ``e * 2**32 + position + 1`` of the splitmix64
generator (Steele, Lea & Flood, 2014) seeded with the copy key, i.e.
``mix(key + (e * 2**32 + position + 1) * GOLDEN)``. Why not one
``numpy.random.Generator`` per copy: copy ``i`` of a native vector environment
must reproduce a ``gymnasium.make`` copy bit for bit, and a task's compiled
functions (:mod:`bioRTRRL.tasks.base`) must draw inside numba code without any
generator state; here a number is a pure function of where it is read, and
moving a copy to its next episode is one addition to its stream base.

Seeding convention: ``reset(seed=s)`` of a single environment draws the copy key
from ``gymnasium.utils.seeding.np_random(s)``; copy ``i`` of a vector
environment reset with ``seed=s`` uses ``s + i`` (Gymnasium's convention), so it
replays ``gymnasium.make(...).reset(seed=s + i)`` exactly. Each later
``reset()`` without a seed (or each autoreset) moves a copy to its next episode.

:func:`draw` is one number, compiled: the tasks' functions (called by the Gymnasium environments and
by the compiled closed loop alike) draw with it; :func:`uniforms` gives many at once in NumPy.
"""

from __future__ import annotations

import numpy as np
from gymnasium.utils import seeding

from ..engines.kernels._jit import njit

__all__ = [
    "EPISODE_STRIDE",
    "draw",
    "GOLDEN",
    "key_from_generator",
    "key_from_seed",
    "offsets",
    "uniforms",
]

# 0-d arrays rather than NumPy scalars: array-array operations take NumPy's
# faster path, and every call here is on the hot path of a step.
GOLDEN = np.array(0x9E3779B97F4A7C15, dtype=np.uint64)
#: Added to a copy's stream base to move it to its next episode (2**32 positions).
EPISODE_STRIDE = np.array((2**32 * 0x9E3779B97F4A7C15) % 2**64, dtype=np.uint64)
_M1 = np.array(0xBF58476D1CE4E5B9, dtype=np.uint64)
_M2 = np.array(0x94D049BB133111EB, dtype=np.uint64)
_S30, _S27, _S31, _S11 = (np.array(s, dtype=np.uint64) for s in (30, 27, 31, 11))
_TO_UNIT = np.array(2.0**-53)


def key_from_generator(rng: np.random.Generator) -> np.uint64:
    """Draw a copy key from ``rng`` (consumes one 64-bit draw)."""
    return rng.integers(0, 2**64, dtype=np.uint64)


def key_from_seed(seed: int) -> np.uint64:
    """Copy key of an environment reset with ``seed`` (see module docstring)."""
    rng, _ = seeding.np_random(seed)
    return key_from_generator(rng)


def offsets(positions: np.ndarray) -> np.ndarray:
    """Stream offsets ``(positions + 1) * GOLDEN`` of uint64 ``positions`` (wrapping).

    A signed array would silently promote the arithmetic to float64, hence the cast.
    """
    return (np.asarray(positions, dtype=np.uint64) + np.uint64(1)) * GOLDEN


def uniforms(bases: np.ndarray, stream_offsets: np.ndarray) -> np.ndarray:
    """Uniform float64 numbers in [0, 1) at ``bases + stream_offsets`` (broadcast)."""
    z = bases + stream_offsets
    # splitmix64 finaliser, in place to spare allocations.
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    z >>= _S11
    return z * _TO_UNIT


_GOLDEN = np.uint64(GOLDEN)
_M1_, _M2_ = np.uint64(_M1), np.uint64(_M2)


@njit(cache=True, fastmath=False)
def draw(base, counter, n_streams, stream):
    """Uniform [0, 1) number ``(counter, stream)`` of the episode whose stream base is ``base``.

    The number :func:`uniforms` gives at ``base + counter * GOLDEN * n_streams`` and
    ``offsets(counter * n_streams + stream)``, i.e. ``TaskProgram.random`` with that counter: all
    in the ring of integers modulo 2**64, so the two orders of the additions are one number.
    """
    z = base + (np.uint64(counter) * np.uint64(n_streams) + np.uint64(stream) + np.uint64(1)) \
        * _GOLDEN
    z ^= z >> np.uint64(30)
    z *= _M1_
    z ^= z >> np.uint64(27)
    z *= _M2_
    z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    return np.float64(z) * 2.0**-53
