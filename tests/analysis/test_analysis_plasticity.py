"""Weight change and feedback alignment on snapshots with known answers."""

import numpy as np
import pytest
import xarray as xr

from bioRTRRL import analysis
from bioRTRRL.analysis._synthetic import synthetic_recording


def test_relative_change_of_scaled_weights():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((4, 3))
    scale = np.array([1.0, 1.1, 1.5])
    ds = xr.Dataset(
        {"W_cortex_cortex": (("snapshot", "post_cortex", "pre_cortex"), scale[:, None, None] * w0),
         "W_cortex_striatum_ventral": (("snapshot", "pre_cortex"), np.zeros((3, 3)))},
        coords={"snapshot_step": ("snapshot", [0, 10, 20])},
    )
    change = analysis.weight_change(ds)
    assert change.dims == ("snapshot", "projection")
    np.testing.assert_allclose(change.sel(projection="cortex_cortex"), [0, 0.1, 0.5])
    assert np.isnan(change.sel(projection="cortex_striatum_ventral")).all()  # W₀ = 0
    np.testing.assert_array_equal(change.snapshot_step, [0, 10, 20])


def test_alignment_angles():
    rng = np.random.default_rng(1)
    n, p = 6, 2
    b_dorsal = rng.standard_normal((n, p))
    b_ventral = rng.standard_normal(n)
    orthogonal = rng.standard_normal(n)
    orthogonal -= orthogonal @ b_ventral / (b_ventral @ b_ventral) * b_ventral
    ds = xr.Dataset(
        {
            # Dorsal weights are (post = striatum, pre = cortex): aligned means equal to Bᵀ.
            "W_cortex_striatum_dorsal": (("snapshot", "post_striatum_dorsal", "pre_cortex"),
                                         np.stack([b_dorsal.T, -2 * b_dorsal.T])),
            "W_cortex_striatum_ventral": (("snapshot", "pre_cortex"), np.stack([orthogonal, 0.5 * b_ventral])),
            "feedback_striatum_dorsal": (("post_cortex", "pre_striatum_dorsal"), b_dorsal),
            "feedback_striatum_ventral": ("post_cortex", b_ventral),
        },
        coords={"snapshot_step": ("snapshot", [0, 100])},
    )
    angle = analysis.feedback_alignment(ds)
    assert angle.dims == ("snapshot", "readout")
    np.testing.assert_allclose(angle.sel(readout="striatum_dorsal"), [0, 180], atol=1e-6)
    np.testing.assert_allclose(angle.sel(readout="striatum_ventral"), [90, 0], atol=1e-6)


def test_missing_snapshots_are_named():
    with pytest.raises(ValueError, match="W_cortex_cortex"):
        analysis.weight_change(xr.Dataset())
    with pytest.raises(ValueError, match="feedback_striatum_ventral"):
        analysis.feedback_alignment(synthetic_recording().drop_vars(["feedback_striatum_ventral", "feedback_striatum_dorsal"]))
