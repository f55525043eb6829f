"""The random draws that pick actions, shared by both engines so that they act identically."""

from __future__ import annotations

import numpy as np


class ActionNoise:
    """Per-tick noise for action sampling, drawn in blocks from one seeded generator.

    Discrete actors use one uniform per env and tick (inverse-CDF sampling of π); Gaussian actors
    one standard normal per env, tick and action dimension (a = μ + σ n).

    Parameters
    ----------
    seed : SeedSequence or int
    num_envs : int
    action_dims : int
        Continuous action dimensions (0 for a discrete actor).
    block : int
        Ticks drawn at once; the stream does not depend on it being consumed tick by tick.
    """

    def __init__(self, seed, num_envs: int, action_dims: int, block: int = 4096):
        self._rng = np.random.default_rng(seed)
        self._B = num_envs
        self._A = max(action_dims, 1)
        self._continuous = action_dims > 0
        self._block = block
        self._k = block
        self._u = np.zeros((block, num_envs))
        self._n = np.zeros((block, num_envs, self._A))

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        """(uniforms (B,), normals (B, A)) for the next tick."""
        if self._k == self._block:
            if self._continuous:
                self._n = self._rng.standard_normal((self._block, self._B, self._A))
            else:
                self._u = self._rng.random((self._block, self._B))
            self._k = 0
        k = self._k
        self._k += 1
        return self._u[k], self._n[k]
