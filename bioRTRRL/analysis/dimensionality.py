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
    require(ds, "rate", purpose=f"the activity of {population!r}")
    mine = np.flatnonzero(ds["population"].values == population)
    if mine.size == 0:
        raise ValueError(
            f"no recorded unit of population {population!r}; recorded: {sorted(set(ds['population'].values))}"
        )
    return ds["rate"].isel(neuron=mine)


def pca(ds: xr.Dataset, population: str = "cortex", n_components: int = 3) -> xr.Dataset:
    """Principal components of a population's activity over all recorded ticks (and environments).

    Computed by a singular value decomposition of the mean-centred ``rate`` matrix
    (samples × units) in float64.

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
    """
    rate = population_rate(ds, population)
    n_units = rate.sizes["neuron"]
    if not 1 <= n_components <= n_units:
        raise ValueError(
            f"n_components must be between 1 and {n_units} (units of {population!r}), got {n_components}"
        )
    sample_dims = [d for d in rate.dims if d != "neuron"]
    samples = rate.transpose(*sample_dims, "neuron").values.reshape(-1, n_units).astype(np.float64)
    mean = samples.mean(axis=0)
    centred = samples - mean
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2
    ratio = variance / variance.sum() if variance.sum() > 0 else np.zeros_like(variance)
    components = vt[:n_components]
    largest = np.argmax(np.abs(components), axis=1)
    components = components * np.sign(components[np.arange(n_components), largest])[:, None]
    projection = (centred @ components.T).reshape([rate.sizes[d] for d in sample_dims] + [n_components])

    component = np.arange(n_components)
    unit_coords = {k: c.variable for k, c in rate.coords.items() if c.dims == ("neuron",)}
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
