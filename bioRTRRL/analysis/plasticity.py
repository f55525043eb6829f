"""How the weights change during learning, from the recording's weight snapshots."""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["PROJECTION_WEIGHTS", "weight_change", "feedback_alignment"]

#: Weight variable of each projection.
PROJECTION_WEIGHTS = {
    "input_cortex": "W_input_cortex",
    "cortex_cortex": "W_cortex_cortex",
    "cortex_striatum_dorsal": "W_cortex_striatum_dorsal",
    "cortex_striatum_ventral": "W_cortex_striatum_ventral",
}


def _flat(da: xr.DataArray) -> np.ndarray:
    """Snapshots as rows of flattened weights."""
    return da.transpose("snapshot", ...).values.reshape(da.sizes["snapshot"], -1)


def weight_change(ds: xr.Dataset) -> xr.DataArray:
    """Relative change of each projection's weights since the first snapshot.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with weight snapshots (``W_*`` over ``snapshot``).

    Returns
    -------
    xarray.DataArray
        ``relative_weight_change`` (snapshot, projection): ‖W(s) − W(0)‖_F / ‖W(0)‖_F, 0 at the
        first snapshot; NaN for a projection whose first snapshot is all zeros. Coordinate
        ``snapshot_step`` gives the tick of each snapshot. Only recorded projections appear.
    """
    present = {p: v for p, v in PROJECTION_WEIGHTS.items() if v in ds}
    if not present:
        raise ValueError(
            f"weight_change needs weight snapshots ({list(PROJECTION_WEIGHTS.values())}); "
            "the recording has none"
        )
    change = []
    for name in present.values():
        w = _flat(ds[name])
        start = np.linalg.norm(w[0])
        moved = np.linalg.norm(w - w[0], axis=1)
        change.append(moved / start if start > 0 else np.full(moved.shape, np.nan))
    return xr.DataArray(
        np.stack(change, axis=1), dims=("snapshot", "projection"),
        coords={"projection": list(present), "snapshot_step": ds["snapshot_step"]},
        name="relative_weight_change", attrs={"long_name": "‖W − W₀‖ / ‖W₀‖"},
    )


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between each row of ``a`` and the vector ``b``."""
    cosine = a @ b / (np.linalg.norm(a, axis=1) * np.linalg.norm(b))
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def feedback_alignment(ds: xr.Dataset) -> xr.DataArray:
    """Angle between each readout's weights and the fixed random feedback that trains cortex.

    With random feedback (Lillicrap et al. 2016) the readout weights come to align with the
    feedback that carries their learning signal back to cortex; Murray (2019, Fig. 2c) shows the
    angle falling from about 90° during RFLO learning.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording with weight snapshots and the feedback matrices.

    Returns
    -------
    xarray.DataArray
        ``feedback_alignment_angle`` (snapshot, readout), in degrees, for readout
        ``striatum_dorsal`` (actor: ``W_cortex_striatum_dorsal`` against
        ``feedback_striatum_dorsal``ᵀ, as flattened matrices) and ``striatum_ventral`` (critic:
        ``W_cortex_striatum_ventral`` against ``feedback_striatum_ventral``). 0° is perfect
        alignment, 90° none. Coordinate ``snapshot_step`` gives the tick of each snapshot.
    """
    readouts = {
        "striatum_dorsal": ("W_cortex_striatum_dorsal", "feedback_striatum_dorsal"),
        "striatum_ventral": ("W_cortex_striatum_ventral", "feedback_striatum_ventral"),
    }
    present = {r: pair for r, pair in readouts.items() if all(v in ds for v in pair)}
    if not present:
        raise ValueError(
            "feedback_alignment needs a readout's weight snapshots and its feedback matrix "
            f"({[v for pair in readouts.values() for v in pair]}); the recording has none of the pairs"
        )
    angles = []
    for weights, feedback in present.values():
        # Weights are (post = striatum, pre = cortex); feedback is (post = cortex, pre = striatum).
        b = ds[feedback].values.T.reshape(-1)
        angles.append(_angle(_flat(ds[weights]), b))
    return xr.DataArray(
        np.stack(angles, axis=1), dims=("snapshot", "readout"),
        coords={"readout": list(present), "snapshot_step": ds["snapshot_step"]},
        name="feedback_alignment_angle",
        attrs={"units": "degrees", "long_name": "angle between readout weights and feedback"},
    )
