"""PCA recovers the directions and variance ratio of activity built from two known directions."""

import numpy as np
import pytest
import xarray as xr

from bioRTRRL import analysis


def planar_activity(n_steps=400, n_cortex=8, seed=0):
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n_cortex, 2)))
    u1, u2 = basis.T
    t = np.arange(n_steps)
    # Whole periods of different frequencies: zero-mean, uncorrelated, variances 4 and 1.
    a = 2 * np.sqrt(2) * np.sin(2 * np.pi * 3 * t / n_steps)
    b = np.sqrt(2) * np.cos(2 * np.pi * 5 * t / n_steps)
    cortex = 0.5 + np.outer(a, u1) + np.outer(b, u2)
    # Other populations vary far more; they must not leak into the cortical PCA.
    loud = 100 * rng.standard_normal((n_steps, 3))
    rate = np.concatenate([loud, cortex], axis=1)
    ds = xr.Dataset(
        {"rate": (("step", "neuron"), rate)},
        coords={"step": t, "population": ("neuron", ["input"] * 3 + ["cortex"] * n_cortex),
                "index": ("neuron", list(range(3)) + list(range(n_cortex))),
                "t_in_episode": ("step", t % 50)},
    )
    return ds, u1, u2, a, b


def test_recovers_two_directions_and_their_variance_ratio():
    ds, u1, u2, a, b = planar_activity()
    result = analysis.pca(ds, "cortex", n_components=3)
    np.testing.assert_allclose(result.explained_variance_ratio, [0.8, 0.2, 0.0], atol=1e-12)
    pc = result.components.values
    assert abs(pc[0] @ u1) == pytest.approx(1, abs=1e-12)
    assert abs(pc[1] @ u2) == pytest.approx(1, abs=1e-12)
    projection = result.projection.values
    np.testing.assert_allclose(np.abs(projection[:, 0]), np.abs(a), atol=1e-10)
    np.testing.assert_allclose(np.abs(projection[:, 1]), np.abs(b), atol=1e-10)
    assert list(result.population.values) == ["cortex"] * 8
    assert "t_in_episode" in result.projection.coords
    np.testing.assert_allclose(result["mean"], 0.5 + 0 * u1, atol=1e-12)


def test_batched_projection_keeps_the_env_dim():
    ds, *_ = planar_activity()
    batched = xr.concat([ds, ds], dim="env").transpose("step", "env", "neuron")
    result = analysis.pca(batched, "cortex", n_components=2)
    assert result.projection.dims == ("step", "env", "component")
    np.testing.assert_allclose(result.explained_variance_ratio, [0.8, 0.2], atol=1e-12)


def test_bad_population_or_component_count():
    ds, *_ = planar_activity()
    with pytest.raises(ValueError, match="vta"):
        analysis.pca(ds, "vta")
    with pytest.raises(ValueError, match="n_components"):
        analysis.pca(ds, "cortex", n_components=9)
