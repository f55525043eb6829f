"""Access to per-tick data independent of whether the run was batched (has an ``env`` dimension)."""

from __future__ import annotations

import numpy as np
import xarray as xr


def require(ds: xr.Dataset, *names: str, purpose: str) -> None:
    """Raise a ValueError naming what ``purpose`` needs and the recording lacks."""
    missing = [n for n in names if n not in ds.variables]
    if missing:
        raise ValueError(
            f"{purpose} needs {missing}, which the recording lacks "
            "(see recording.variables in the model file)"
        )


def env_labels(ds: xr.Dataset) -> np.ndarray:
    """Environment labels: the ``env`` coordinate, or ``[0]`` for a single-environment run."""
    return ds["env"].values if "env" in ds.dims else np.zeros(1, dtype=np.int64)


def by_env(da: xr.DataArray) -> np.ndarray:
    """Values as ``(step, env, *rest)``, adding a length-1 ``env`` axis to single-environment data."""
    if "env" not in da.dims:
        da = da.expand_dims("env", axis=1)
    rest = [d for d in da.dims if d not in ("step", "env")]
    return da.transpose("step", "env", *rest).values


def stride(ds: xr.Dataset) -> int:
    """Ticks between recorded ticks (``recording.stride``), from the ``step`` coordinate."""
    gaps = np.unique(np.diff(ds["step"].values))
    if gaps.size > 1:
        raise ValueError(f"the step coordinate is not evenly spaced (gaps {gaps.tolist()})")
    return int(gaps[0]) if gaps.size else 1


def require_every_tick(ds: xr.Dataset, purpose: str) -> None:
    """Raise unless every tick was recorded (``recording.stride = 1``)."""
    if stride(ds) != 1:
        raise ValueError(
            f"{purpose} needs every tick, but the recording keeps one tick in {stride(ds)} "
            "(recording.stride); record with stride 1"
        )
