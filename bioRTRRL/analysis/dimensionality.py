"""Low-dimensional structure of a population's activity: principal component analysis."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._steps import require

__all__ = ["pca", "population_rate"]


def population_rate(ds: xr.Dataset, population: str) -> xr.DataArray:
    """``rate`` restricted to the units of one population.

    Raises
    ------
    ValueError
        If the recording has no ``rate`` or no unit of ``population``.
    """
    return ds["rate"].isel(neuron=_units(ds, population))


def _units(ds: xr.Dataset, population: str) -> np.ndarray:
    """Positions along ``neuron`` of the units of ``population``."""
    require(ds, "rate", purpose=f"the activity of {population!r}")
    mine = np.flatnonzero(ds["population"].values == population)
    if mine.size == 0:
        raise ValueError(
            f"no recorded unit of population {population!r}; recorded: {sorted(set(ds['population'].values))}"
        )
    return mine


# Ticks per block of the passes over ``rate``: the working memory stays a few MB whatever the
# length of the recording.
_BLOCK = 1 << 15


def pca(ds: xr.Dataset, population: str = "cortex", n_components: int = 3) -> xr.Dataset:
    """Principal components of a population's activity over all recorded ticks (and environments).

    Computed in float64 from the covariance of the units, accumulated over blocks of ticks (two
    passes over ``rate``, no copy of it), by a symmetric eigendecomposition. Samples with a
    non-finite rate (the last ticks of a diverged run) are left out of the fit and projected as
    NaN.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with ``rate``.
    population : str
        ``cortex`` (the recurrent network, default), ``input``, ``striatum_dorsal``, ...
    n_components : int
        Number of components kept (at most the number of units).

    Returns
    -------
    xarray.Dataset
        - ``explained_variance_ratio`` (component): fraction of the population's total variance
          along each component, in decreasing order;
        - ``components`` (component, neuron): unit-norm directions in activity space (rows of Vᵀ),
          each signed so that its largest-magnitude loading is positive;
        - ``projection`` (step, [env,] component): centred activity projected on the components,
          with the per-tick coordinates (``episode``, ``t_in_episode``, ...) of the recording;
        - ``mean`` (neuron): the mean activity removed before the decomposition.

    Raises
    ------
    ValueError
        If the population is not recorded, ``n_components`` is out of range or no sample is finite.
    """
    mine = _units(ds, population)
    n_units = mine.size
    if not 1 <= n_components <= n_units:
        raise ValueError(
            f"n_components must be between 1 and {n_units} (units of {population!r}), got {n_components}"
        )
    rate = ds["rate"]
    sample_dims = [d for d in rate.dims if d != "neuron"]
    rate = rate.transpose(*sample_dims, "neuron")
    outer = sample_dims[0]

    def blocks():
        """(slice along the outer dimension, its samples × units in float64, finite rows)."""
        for start in range(0, rate.sizes[outer], _BLOCK):
            where = slice(start, start + _BLOCK)
            x = rate.isel({outer: where}).values[..., mine].reshape(-1, n_units).astype(np.float64)
            yield where, x, np.isfinite(x).all(axis=1)

    # Sums of the samples shifted by a first estimate of the mean, against cancellation.
    shift = count = total = scatter = None
    for _, x, finite in blocks():
        x = x[finite]
        if shift is None:
            if not len(x):
                continue
            shift = x.mean(axis=0)
            total, scatter, count = np.zeros(n_units), np.zeros((n_units, n_units)), 0
        x -= shift
        count += len(x)
        total += x.sum(axis=0)
        scatter += x.T @ x
    if shift is None:
        raise ValueError(f"no recorded tick of {population!r} has finite rates: nothing to analyse")
    mean = shift + total / count
    scatter -= np.outer(total, total) / count
    eigenvalues, eigenvectors = np.linalg.eigh(scatter)
    variance = np.clip(eigenvalues[::-1], 0.0, None)  # rounding can leave a null direction below 0
    ratio = variance / variance.sum() if variance.sum() > 0 else np.zeros_like(variance)
    components = eigenvectors[:, ::-1].T[:n_components]
    largest = np.argmax(np.abs(components), axis=1)
    components = components * np.sign(components[np.arange(n_components), largest])[:, None]

    projection = np.full([rate.sizes[d] for d in sample_dims] + [n_components], np.nan)
    for where, x, finite in blocks():
        part = projection[where].reshape(-1, n_components)  # a view: written in place
        part[finite] = (x[finite] - mean) @ components.T

    component = np.arange(n_components)
    unit_coords = {k: c.variable[mine] for k, c in rate.coords.items() if c.dims == ("neuron",)}
    sample_coords = {k: c.variable for k, c in rate.coords.items() if "neuron" not in c.dims}
    return xr.Dataset(
        {
            "explained_variance_ratio": ("component", ratio[:n_components]),
            "components": (("component", "neuron"), components),
            "projection": ((*sample_dims, "component"), projection),
            "mean": ("neuron", mean),
        },
        coords={"component": component, **unit_coords, **sample_coords},
        attrs={"population": population},
    )
