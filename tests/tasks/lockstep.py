"""A vector env stepped beside its single copies, for the tests of the task-side wrappers."""

import numpy as np


def step_in_lockstep(vec, singles, seed: int, ticks: int = 60):
    """Step ``vec`` and ``singles`` (copy i reset with ``seed + i``) with action 0 for ``ticks``
    ticks, asserting equal observations on every tick; yields the vector's observation and how
    many copies reset on the step that produced it. The vector env autoresets NEXT_STEP: a copy
    resets on the step after its episode ended."""
    obs, _ = vec.reset(seed=seed)
    single_obs = [s.reset(seed=seed + i)[0] for i, s in enumerate(singles)]
    done = [False] * len(singles)
    for _ in range(ticks):
        np.testing.assert_array_equal(obs, np.array(single_obs))
        yield obs, sum(done)
        obs, _, term, trunc, _ = vec.step(np.zeros(len(singles), dtype=np.int64))
        for i, s in enumerate(singles):
            single_obs[i] = s.reset(seed=None)[0] if done[i] else s.step(0)[0]
        done = list(term | trunc)
