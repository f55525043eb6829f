"""Counter-based random numbers shared by the single and the vector environments.

Every random number a task uses is a pure function of (copy key, episode index,
position), computed with the splitmix64 mixing function (Steele, Lea & Flood,
2014). Why not one ``numpy.random.Generator`` per copy: the native vector
environments must reproduce ``gymnasium.make`` copies bit for bit while drawing
the numbers of all copies in one array operation; a Generator per copy would
force a Python loop over copies on every step.

Seeding convention: ``reset(seed=s)`` of a single environment draws the copy key
from ``gymnasium.utils.seeding.np_random(s)``; copy ``i`` of a vector
environment reset with ``seed=s`` uses ``s + i`` (Gymnasium's convention), so it
replays ``gymnasium.make(...).reset(seed=s + i)`` exactly. Each later
``reset()`` without a seed (or each autoreset) moves a copy to its next episode
index.
"""

from __future__ import annotations

import numpy as np
from gymnasium.utils import seeding

__all__ = ["episode_keys", "key_from_generator", "key_from_seed", "uniforms"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_ONE = np.uint64(1)
_TO_UNIT = 2.0**-53


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection of uint64 with strong avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def key_from_generator(rng: np.random.Generator) -> np.uint64:
    """Draw a copy key from ``rng`` (consumes one 64-bit draw)."""
    return rng.integers(0, 2**64, dtype=np.uint64)


def key_from_seed(seed: int) -> np.uint64:
    """Copy key of an environment reset with ``seed`` (see module docstring)."""
    rng, _ = seeding.np_random(seed)
    return key_from_generator(rng)


def episode_keys(keys: np.ndarray, episodes: np.ndarray) -> np.ndarray:
    """Key of each copy's current episode; ``keys`` and ``episodes`` are uint64 arrays."""
    return _mix(keys + (episodes + _ONE) * _GOLDEN)


def uniforms(keys: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Uniform floats in [0, 1), one per broadcast (episode key, position) pair.

    ``positions`` must be a uint64 array (a signed array would silently promote
    the arithmetic to float64). Within an episode this is the splitmix64 stream
    started at the episode key, read at ``positions``.
    """
    return (_mix(keys + (positions + _ONE) * _GOLDEN) >> _S11) * _TO_UNIT
