"""Peri-event averages recover a known response kernel."""

import numpy as np
import pytest
import xarray as xr

from bioRTRRL import analysis

KERNEL_LAGS = np.arange(-3, 6)
KERNEL = np.array([0.0, 0.1, 0.3, 1.0, 0.8, 0.5, 0.2, 0.1, 0.05])  # response at lags -3..5


def kernel_recording(event_ticks, n_steps=200, as_task_event=False):
    """Dopamine = the kernel placed around each event tick; reward marks the events."""
    dopamine = np.zeros(n_steps)
    flag = np.zeros(n_steps, dtype=bool)
    for t in event_ticks:
        flag[t] = True
        for lag, k in zip(KERNEL_LAGS, KERNEL):
            if 0 <= t + lag < n_steps:
                dopamine[t + lag] += k
    ds = xr.Dataset(
        {"dopamine": ("step", dopamine), "reward": ("step", flag.astype(float))},
        coords={"step": np.arange(n_steps, dtype=np.int64), "episode": ("step", np.zeros(n_steps, dtype=np.int64))},
    )
    if as_task_event:
        ds["events"] = (("step", "event"), np.stack([flag, np.zeros_like(flag)], axis=1))
        ds = ds.assign_coords(event=["cue", "other"])
        ds["reward"] = ds["reward"] * 0
    return ds


@pytest.mark.parametrize("as_task_event", [False, True])
def test_average_of_a_known_kernel_is_the_kernel(as_task_event):
    ds = kernel_recording([20, 60, 100, 150], as_task_event=as_task_event)
    aligned = analysis.peri_event(ds, "dopamine", event="cue" if as_task_event else "reward", window=(-3, 5))
    assert aligned.dims == ("occurrence", "lag")
    np.testing.assert_array_equal(aligned.lag, KERNEL_LAGS)
    np.testing.assert_array_equal(aligned.event_step, [20, 60, 100, 150])
    np.testing.assert_allclose(aligned.mean("occurrence"), KERNEL)


def test_window_beyond_the_recording_is_nan():
    aligned = analysis.peri_event(kernel_recording([1, 198]), "dopamine", window=(-3, 5))
    assert np.isnan(aligned[0, :2]).all() and np.isfinite(aligned[0, 2:]).all()
    assert np.isnan(aligned[1, -4:]).all() and np.isfinite(aligned[1, :-4]).all()  # lags 2-5 pass tick 199
    np.testing.assert_allclose(aligned.mean("occurrence", skipna=True), KERNEL)


def test_strided_recording_keeps_lags_on_recorded_ticks():
    ds = kernel_recording([20, 60, 100]).isel(step=slice(None, None, 2))
    aligned = analysis.peri_event(ds, "dopamine", window=(-3, 5))
    np.testing.assert_array_equal(aligned.lag, [-2, 0, 2, 4])
    np.testing.assert_allclose(aligned.mean("occurrence"), KERNEL[[1, 3, 5, 7]])


def test_occurrences_of_every_environment_with_extra_dims():
    n = 50
    flag = np.zeros((n, 2), dtype=bool)
    flag[10, 0] = flag[10, 1] = flag[30, 1] = True
    rate = np.arange(n * 2 * 3, dtype=float).reshape(n, 2, 3)
    ds = xr.Dataset(
        {"rate": (("step", "env", "neuron"), rate), "reward": (("step", "env"), flag * 1.0)},
        coords={"step": np.arange(n), "env": [0, 1], "population": ("neuron", ["cortex"] * 3)},
    )
    aligned = analysis.peri_event(ds, "rate", window=(-1, 1))
    assert aligned.dims == ("occurrence", "lag", "neuron")
    np.testing.assert_array_equal(aligned.env, [0, 1, 1])
    np.testing.assert_array_equal(aligned.event_step, [10, 10, 30])
    np.testing.assert_array_equal(aligned[2, :, 0], rate[29:32, 1, 0])
    assert list(aligned.population.values) == ["cortex"] * 3


def test_builtin_episode_events_and_unknown_names():
    ds = xr.Dataset(
        {"dopamine": ("step", np.arange(6.0))},
        coords={"step": np.arange(6), "t_in_episode": ("step", [0, 1, 2, 0, 1, 2]),
                "terminated": ("step", [False, False, True, False, False, False]),
                "truncated": ("step", [False] * 6)},
    )
    np.testing.assert_array_equal(analysis.peri_event(ds, "dopamine", "episode_start", (0, 0))[:, 0], [0, 3])
    np.testing.assert_array_equal(analysis.peri_event(ds, "dopamine", "episode_end", (0, 1))[0], [2, 3])
    with pytest.raises(ValueError, match="episode_start"):
        analysis.peri_event(ds, "dopamine", "lever_press")
