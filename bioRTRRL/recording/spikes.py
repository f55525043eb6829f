"""Spikes of a LIF cortex in the recording: sparse, as Brian2's SpikeMonitor holds them.

Two variables along a ``spike`` dimension, ordered by time then unit: ``spike_unit`` (the cortical
unit's index, the position within the ``cortex`` population of ``rate``) and ``spike_time``
(seconds of simulated time; the neural steps of tick t start at t · env_dt). xarray reads them as
any variable; :func:`bioRTRRL.export.to_nwb` writes them as the NWB ``units`` table and
:func:`bioRTRRL.export.to_pynapple` as a pynapple ``TsGroup``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def with_spikes(ds: xr.Dataset, units: np.ndarray, times: np.ndarray, n_units: int) -> xr.Dataset:
    """``ds`` with the spike trains of ``n_units`` cortical units (indices ``units``, times ``times``)."""
    ds = ds.assign(
        spike_unit=("spike", np.asarray(units, np.int32), {
            "long_name": "cortical unit that spiked (index within the cortex population)"}),
        spike_time=("spike", np.asarray(times, np.float64), {
            "long_name": "time of the spike (start of its neural step)", "units": "s"}))
    ds.attrs["spiking_units"] = int(n_units)
    return ds
