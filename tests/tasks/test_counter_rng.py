"""The counter-based random numbers behave like independent uniforms."""

import numpy as np

from bioRTRRL.tasks.counter_rng import (EPISODE_STRIDE, GOLDEN, draw, key_from_seed, offsets,
                                        uniforms)

N = 200_000


def test_uniform_moments_and_range():
    u = uniforms(np.array([key_from_seed(0)]), offsets(np.arange(N)))
    assert u.min() >= 0.0 and u.max() < 1.0
    # Standard errors: 1/sqrt(12 N) for the mean, about 0.3/sqrt(N) for the variance.
    assert abs(u.mean() - 0.5) < 4 / np.sqrt(12 * N)
    assert abs(u.var() - 1 / 12) < 4 * 0.075 / np.sqrt(N)
    counts = np.bincount((u * 16).astype(int), minlength=16)
    chi2 = ((counts - N / 16) ** 2 / (N / 16)).sum()
    assert chi2 < 45  # 15 degrees of freedom: p < 1e-4


def test_no_correlation_between_neighbours():
    keys = np.array([key_from_seed(s) for s in range(2)], dtype=np.uint64)
    positions = offsets(np.arange(N))
    u = uniforms(keys[:, None], positions)
    next_episode = uniforms(keys[:, None] + EPISODE_STRIDE, positions)
    bound = 4 / np.sqrt(N)
    assert abs(np.corrcoef(u[0, :-1], u[0, 1:])[0, 1]) < bound  # consecutive positions
    assert abs(np.corrcoef(u[0], u[1])[0, 1]) < bound  # neighbouring seeds (copies)
    assert abs(np.corrcoef(u[0], next_episode[0])[0, 1]) < bound  # consecutive episodes


def test_keys_depend_on_seed_only():
    assert key_from_seed(3) == key_from_seed(3) != key_from_seed(4)


def test_compiled_draw_is_the_array_draw():
    """The compiled tasks' ``draw`` gives the vectorised generator's numbers bit for bit."""
    keys = np.array([key_from_seed(s) for s in range(3)], dtype=np.uint64) + EPISODE_STRIDE
    counters, streams, n_streams = np.arange(50), np.arange(5), 5
    expected = uniforms((keys[:, None] + counters.astype(np.uint64) * GOLDEN
                         * np.uint64(n_streams))[:, :, None], offsets(streams))
    got = np.array([[[draw(k, c, n_streams, s) for s in streams] for c in counters]
                    for k in keys])
    assert np.array_equal(got, expected)
