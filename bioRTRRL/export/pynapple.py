"""A run as pynapple objects, for pynapple's peri-event, tuning-curve and interval tools.

Needs the ``nwb`` extra (``pip install -e '.[nwb]'``). Times are in seconds (``tick × env_dt``),
pynapple's default unit.
"""

from __future__ import annotations

import xarray as xr

from .timeline import (episode_intervals, event_times, single_run, spike_trains, time_series,
                       trial_intervals)

__all__ = ["to_pynapple"]


def to_pynapple(ds: xr.Dataset) -> dict:
    """The time series and intervals of one run as pynapple objects.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording of one run; for a batched run, one environment of it (``ds.isel(env=k)``).

    Returns
    -------
    dict
        By name:

        - each recorded population (``"input"``, ``"cortex"``, ``"striatum_dorsal"``,
          ``"striatum_ventral"``, ``"vta"``): a ``TsdFrame`` of its units' activity, one column
          per unit (labelled by its ``index`` in the population);
        - every other time-indexed variable under its own name: ``Tsd`` when it has one value per
          sample (``dopamine``, ``value``, ``reward``, ``b_striatum_ventral``, ``eval_return``),
          ``TsdFrame`` with two axes (``action``, ``obs``, trace norms, ``tau_cortex``,
          ``b_cortex``, ``W_cortex_striatum_ventral``), ``TsdTensor`` with more (the weight
          matrices, at their snapshot times);
        - ``"episodes"``: ``IntervalSet`` of the completed episodes (first to last tick), with
          metadata ``episode``, ``episode_return``, ``episode_length``, ``terminated``;
        - ``"trials"`` (trial-structured tasks): ``IntervalSet`` of the trials with metadata
          ``episode``, ``trial``, ``reward`` and ``<event>_time`` (see
          :func:`bioRTRRL.export.timeline.trial_intervals`);
        - ``"events"``: ``dict`` of event name → ``Ts`` of every tick on which the event happened
          (empty for a task without events);
        - ``"spikes"`` (a LIF cortex, ``circuit.unit = "lif"``): ``TsGroup`` of each cortical
          unit's spike times.

        The fixed feedback synapses are not series; they stay in ``ds``.

    Raises
    ------
    ValueError
        If ``ds`` is not one run of one environment.
    ImportError
        If pynapple is not installed (the ``nwb`` extra).

    Examples
    --------
    >>> import pynapple as nap
    >>> data = br.to_pynapple(ds)                     # ds: a run of a trace-conditioning model
    >>> around_cue = nap.compute_perievent(data["dopamine"], data["events"]["cue"],
    ...                                    window=(-0.05, 0.1))   # TsdFrame: lag × cue
    """
    single_run(ds, "to_pynapple")
    try:
        import pynapple as nap
    except ImportError:
        raise ImportError("to_pynapple needs pynapple, in bioRTRRL's nwb extra: "
                          "pip install -e '.[nwb]'") from None
    out: dict = {}
    for s in time_series(ds):
        if s.kind == "fixed" or s.name == "events":  # events become Ts per name, below
            continue
        if s.data.ndim == 1:
            out[s.name] = nap.Tsd(t=s.times, d=s.data)
        elif s.data.ndim == 2:
            out[s.name] = nap.TsdFrame(t=s.times, d=s.data, columns=list(s.columns))
        else:
            out[s.name] = nap.TsdTensor(t=s.times, d=s.data)
    out["episodes"] = _intervals(nap, episode_intervals(ds))
    trials = trial_intervals(ds)
    if trials is not None:
        out["trials"] = _intervals(nap, trials)
    out["events"] = {name: nap.Ts(t=t) for name, t in event_times(ds).items()}
    trains = spike_trains(ds)
    if trains:
        # the run's span as time support: a silent unit's rate is then 0, not 0 / 0
        span = nap.IntervalSet(0.0, ds.sizes["step"] * ds.attrs["env_dt"])
        out["spikes"] = nap.TsGroup({k: nap.Ts(t=t, time_support=span) for k, t in trains.items()},
                                    time_support=span)
    return out


def _intervals(nap, table):
    """An IntervalSet of a table's start_time/stop_time, every other column as metadata."""
    metadata = table.drop(columns=["start_time", "stop_time"]).reset_index(drop=True)
    return nap.IntervalSet(start=table["start_time"].to_numpy(), end=table["stop_time"].to_numpy(),
                           metadata=metadata)
