"""Export of a run to Neurodata Without Borders (NWB), the format of the field's archives and tools.

Needs the ``nwb`` extra (``pip install -e '.[nwb]'``). The file holds (names as in NWB):

- ``acquisition``: one ``TimeSeries`` per recorded population (``input``, ``cortex``,
  ``striatum_dorsal``, ``striatum_ventral``, ``vta``; data (time, unit)) and one per other
  per-tick variable (``dopamine``, ``value``, ``reward``, ``action``, ``obs``, ``events``,
  trace norms); sampled every recorded tick from t = 0, with the recording's units.
  (``RoiResponseSeries`` is NWB's type for imaging regions of interest; these are model units.)
- ``processing["plasticity"]``: the weight snapshots and time constants (timestamps: the
  snapshots' ticks) and the fixed feedback synapses (one sample at t = 0).
- ``processing["evaluation"]``: ``eval_return`` at each evaluation.
- ``intervals["episodes"]``: the completed episodes with their return, length and termination.
- ``trials`` (trial-structured tasks): each trial with its reward and the time of each task event.
- the run's identity: the model file as ``protocol``, the seed, engine and package versions as
  JSON ``notes``, ``session_id`` = ``<model name>-seed<seed>``.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from .timeline import episode_intervals, single_run, spike_trains, time_series, trial_intervals

__all__ = ["to_nwb"]

# Processing module of each kind of non-tick series, and what each module holds.
_MODULE_OF = {"snapshot": "plasticity", "fixed": "plasticity", "evaluation": "evaluation"}
_MODULES = {"plasticity": "weight snapshots, time constants and the fixed feedback synapses",
            "evaluation": "evaluations of the frozen policy during training"}

_EPISODE_COLUMNS = {
    "episode": "number of the episode in its environment, from 0",
    "episode_return": "return of the episode (sum of its rewards)",
    "episode_length": "transitions in the episode (its ticks - 1)",
    "terminated": "the episode ended in a terminal state (False: cut by a time limit)",
}


def to_nwb(ds: xr.Dataset, path: str | os.PathLike, session_start_time: datetime | None = None) -> Path:
    """Write one run's recording as an NWB file.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording of one run (``bioRTRRL.run``, ``open_recording``); for a batched run, one
        environment of it (``ds.isel(env=k)``: its own episodes are kept).
    path : str or path-like
        The ``.nwb`` file to write (replaced if it exists).
    session_start_time : datetime, optional
        The wall-clock time that t = 0 stands for. A simulation has none; by default the time of
        the export (UTC). Every time in the file is relative to it.

    Returns
    -------
    pathlib.Path
        The file written. Read it with ``pynwb.NWBHDF5IO(path).read()`` or
        ``pynapple.load_file(path)``.

    Raises
    ------
    ValueError
        If ``path`` does not end in ``.nwb``, or ``ds`` is not one run of one environment.
    ImportError
        If pynwb is not installed (the ``nwb`` extra).
    """
    path = Path(path)
    if path.suffix != ".nwb":
        raise ValueError(f"path must end in '.nwb', got {str(path)!r}")
    single_run(ds, "to_nwb")
    try:
        from pynwb import NWBHDF5IO
    except ImportError:
        raise ImportError("to_nwb needs pynwb, in bioRTRRL's nwb extra: "
                          "pip install -e '.[nwb]'") from None
    nwbfile = _nwbfile(ds, session_start_time or datetime.now(timezone.utc))
    path.unlink(missing_ok=True)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


def _nwbfile(ds: xr.Dataset, start: datetime):
    from pynwb import NWBFile, ProcessingModule, TimeSeries
    from pynwb.file import Subject

    attrs = ds.attrs
    name, seed = attrs.get("model_name", "model"), int(attrs.get("seed", 0))
    identity = {k: (v.item() if isinstance(v, np.generic) else v)
                for k, v in attrs.items() if k not in ("model", "Conventions")}
    nwbfile = NWBFile(
        session_description=(f"bioRTRRL simulation of model {name} on {attrs.get('task')}, "
                             f"{attrs.get('engine')} engine, seed {seed}"),
        # the same run exported twice gets the same identifier
        identifier=str(uuid.uuid5(uuid.NAMESPACE_OID, json.dumps(
            [attrs.get("model"), identity, int(ds.sizes.get("step", 0))], sort_keys=True))),
        session_start_time=start,
        session_id=f"{name}-seed{seed}",
        experiment_description=_description(attrs.get("model", "")) or name,
        protocol=attrs.get("model", ""),
        notes=json.dumps(identity, sort_keys=True),
        keywords=["bioRTRRL", "RTRRL", "basal ganglia", "dopamine", "reinforcement learning",
                  "simulation"],
        subject=Subject(subject_id=f"seed-{seed}", description=(
            "a simulated basal-ganglia circuit (bioRTRRL): cortex, dorsal and ventral striatum, "
            "VTA; one circuit per seed")),
    )
    modules: dict[str, ProcessingModule] = {}
    for s in time_series(ds):
        data = s.data.astype(np.uint8) if s.data.dtype == bool else s.data
        timing = _timing(s.times)
        comments = (f"columns: {', '.join(map(str, s.columns))}" if s.columns is not None
                    else "no comments")
        series = TimeSeries(name=s.name, data=_compressed(data), unit=s.units,
                            description=s.long_name, comments=comments, **timing)
        if s.kind == "tick":
            nwbfile.add_acquisition(series)
            continue
        module = _MODULE_OF[s.kind]
        if module not in modules:
            modules[module] = nwbfile.create_processing_module(module, _MODULES[module])
        modules[module].add(series)

    nwbfile.add_time_intervals(_intervals(
        "episodes", "completed episodes, each from its first to its last tick",
        episode_intervals(ds), _EPISODE_COLUMNS.get))
    # a LIF cortex's spikes: the units table, one row per cortical unit
    for unit, times in spike_trains(ds).items():
        nwbfile.add_unit(spike_times=times, id=unit)
    trials = trial_intervals(ds)
    if trials is not None:
        nwbfile.trials = _intervals("trials", "trials of the task, each from its first to its "
                                    "last tick, with their outcomes", trials, _trial_column)
    return nwbfile


def _intervals(name: str, description: str, table, describe):
    """A TimeIntervals table of ``table``'s columns (start_time and stop_time in s first)."""
    from hdmf.common import VectorData
    from pynwb.epoch import TimeIntervals

    describe_all = {"start_time": "first tick (s)", "stop_time": "last tick (s)"}.get
    columns = [VectorData(name=c, description=describe_all(c) or describe(c),
                          data=table[c].to_numpy()) for c in table.columns]
    return TimeIntervals(name=name, description=description, columns=columns)


def _timing(times: np.ndarray) -> dict:
    """Regular sampling as a start and a rate (NWB's compact form), else explicit timestamps."""
    gaps = np.diff(times)
    if times.size > 1 and np.allclose(gaps, gaps[0], rtol=1e-9, atol=0):
        return {"starting_time": float(times[0]), "rate": float(1.0 / gaps[0])}
    return {"timestamps": times}


def _compressed(data: np.ndarray):
    from pynwb import H5DataIO

    # zlib level 4, as the netCDF recordings
    return H5DataIO(data, compression="gzip", compression_opts=4)


def _description(model_toml: str) -> str:
    import tomllib

    try:
        return tomllib.loads(model_toml).get("description", "")
    except tomllib.TOMLDecodeError:
        return ""


def _trial_column(column: str) -> str:
    if column.endswith("_time"):
        return f"time (s) of the first '{column[:-5]}' event in the trial; NaN if none"
    return {"episode": "episode the trial belongs to", "trial": "the task's trial number",
            "reward": "sum of the rewards received in the trial"}[column]
