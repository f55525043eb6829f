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

    Attributes
    ----------
    uniform : ndarray (block, num_envs)
    normal : ndarray (block, num_envs, max(action_dims, 1))
        The current block, refilled in place (a compiled kernel may hold on to these arrays).
    pos : ndarray (1,) int64
        Row of the block the next tick uses; a consumer that reads the block itself advances it.
    """

    def __init__(self, seed, num_envs: int, action_dims: int, block: int = 4096):
        self._rng = np.random.default_rng(seed)
        self._continuous = action_dims > 0
        self.block = block
        self.uniform = np.zeros((block, num_envs))
        self.normal = np.zeros((block, num_envs, max(action_dims, 1)))
        self.pos = np.full(1, block, dtype=np.int64)

    def ensure(self) -> None:
        """Draw a new block if the current one is used up."""
        if self.pos[0] >= self.block:
            if self._continuous:
                self._rng.standard_normal(out=self.normal)
            else:
                self._rng.random(out=self.uniform)
            self.pos[0] = 0

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        """(uniforms (B,), normals (B, A)) for the next tick."""
        self.ensure()
        k = int(self.pos[0])
        self.pos[0] = k + 1
        return self.uniform[k], self.normal[k]
