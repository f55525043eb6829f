"""Sweeps: every (seed, condition) of a grid as an independent :func:`bioRTRRL.run` on Dask.

A sweep crosses a list of seeds with a grid of model overrides (dotted keys, as in
:meth:`bioRTRRL.Model.with_overrides`) and runs each combination as its own task on a Dask
distributed cluster: a :class:`distributed.LocalCluster` with one single-threaded worker process
per core by default, or an existing cluster given by its scheduler address.

Runs differ in length along ``step``, ``completed_episode`` and ``eval_step``, so they do not
stack as whole recordings. Each run is reduced on its worker to a *summary* that does stack
(:func:`summarize`): the evaluation curve ``eval_return(eval_step)``, the training learning curve
binned on a step grid shared by all runs, and a few scalars. The full per-tick recording stays in
a per-run zarr store whose path the stacked Dataset keeps.

On disk (``out``)::

    out/sweep.json                   the sweep's specification (model, seeds, grid, steps, ...)
    out/runs/<run>/recording.zarr    the run's recording, streamed while it runs
    out/runs/<run>/summary.nc        written when the run finishes
    out/runs/<run>/error.txt         written instead when it fails (message and traceback)
    out/sweep.zarr                   the stacked summaries (rewritten at the end of each call)

Every file of a run belongs to that run alone, so a failure, a crash of the client or an
interrupt never loses a finished run: :func:`open_sweep` stacks whatever is on disk and
:func:`rerun_failed` runs the failed and unfinished runs again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
import warnings
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from distributed import Client, LocalCluster, WorkerPlugin, as_completed
from tqdm.auto import tqdm

from .config import Model, ModelError, load_model
from .experiment import ENGINES, run

__all__ = ["sweep", "rerun_failed", "open_sweep", "summarize", "dim_name", "main"]

#: Status of a run in the stacked Dataset.
DONE, FAILED, PENDING = "done", "failed", "pending"


def dim_name(key: str) -> str:
    """Dimension name of a swept key: ``"learning.lambda_cortex"`` → ``"learning__lambda_cortex"``.

    Dots are not allowed in the names of zarr/netCDF variables on every platform; the original key
    is kept in the coordinate's ``key`` attribute.
    """
    return key.replace(".", "__")


# -- specification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """One (seed, condition) of a sweep."""

    run_id: str
    seed: int
    index: tuple[int, ...]  # position of the condition in the grid
    condition: dict


@dataclass
class _Spec:
    """Everything that defines a sweep; stored as ``out/sweep.json``."""

    model: Model
    seeds: list[int]
    grid: dict[str, list]
    steps: int | None
    engine: str
    bins: int
    engine_options: dict

    @classmethod
    def build(cls, model, seeds, grid, steps, engine, bins, engine_options) -> "_Spec":
        model = load_model(model)
        seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ModelError(f"seeds must be a non-empty list of distinct integers, got {seeds!r}")
        grid = {str(k): list(v) for k, v in (grid or {}).items()}
        for key, values in grid.items():
            if not values:
                raise ModelError(f"sweep grid: {key} has no values")
        if engine not in ENGINES:
            raise ModelError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
        if steps is not None and int(steps) < 0:
            raise ModelError(f"steps must be >= 0, got {steps}")
        if int(bins) < 1:
            raise ModelError(f"bins must be >= 1, got {bins}")
        spec = cls(model, seeds, grid, None if steps is None else int(steps), engine, int(bins),
                   dict(engine_options or {}))
        for run_ in spec.runs()[: len(spec.runs()) // len(seeds)]:  # each condition once, up front
            spec.model_for(run_)
        return spec

    def runs(self) -> list[_Run]:
        keys = list(self.grid)
        out = []
        for seed in self.seeds:
            for index in product(*(range(len(self.grid[k])) for k in keys)):
                condition = {k: self.grid[k][i] for k, i in zip(keys, index)}
                run_id = f"seed{seed}" + ("_" + "-".join(map(str, index)) if index else "")
                out.append(_Run(run_id, seed, index, condition))
        return out

    def model_for(self, run_: _Run) -> Model:
        try:
            return self.model.with_overrides(run_.condition)
        except ModelError as exc:
            raise ModelError(f"sweep condition {run_.condition}: {exc}") from None

    def steps_for(self, run_: _Run) -> int:
        return self.model_for(run_).run.steps if self.steps is None else self.steps

    @property
    def max_steps(self) -> int:
        return max(self.steps_for(r) for r in self.runs())

    def to_json(self) -> dict:
        return {"model": self.model.to_toml(), "seeds": self.seeds, "grid": self.grid,
                "steps": self.steps, "engine": self.engine, "bins": self.bins,
                "engine_options": self.engine_options}

    @classmethod
    def from_json(cls, data: dict) -> "_Spec":
        return cls.build(load_model(tomllib.loads(data["model"])), data["seeds"], data["grid"],
                         data["steps"], data["engine"], data["bins"], data["engine_options"])


# -- one run -----------------------------------------------------------------------------------


def summarize(recording: xr.Dataset, steps: int, bins: int = 100) -> xr.Dataset:
    """Reduce one run's recording to the part that stacks across runs of a sweep.

    Parameters
    ----------
    recording : xarray.Dataset
        A recording (docs/recording_schema.md).
    steps : int
        Length of the step grid of the learning curve (the sweep's longest run).
    bins : int
        Number of equal bins of ``[0, steps]`` in the learning curve.

    Returns
    -------
    xarray.Dataset
        - ``eval_return(eval_step)``: the recording's evaluation curve (empty without evaluations);
        - ``learning_curve(curve_step)``: mean return of the training episodes that ended in the bin
          (``curve_step − width``, ``curve_step``] of ticks, NaN where none ended;
        - ``curve_episodes(curve_step)``: how many episodes ended in each bin;
        - ``best_eval_return``, ``best_eval_step``: the best evaluation and its tick (NaN without
          evaluations) — the paper's per-seed score;
        - ``episodes``: completed training episodes.
    """
    from .analysis import episodes

    edges = np.linspace(0, steps, bins + 1)
    table = episodes(recording)
    ends = table["end_step"].values
    returns = table["episode_return"].values
    which = np.searchsorted(edges, ends, side="left") - 1  # bin i holds ticks in (edges[i], edges[i+1]]
    inside = (which >= 0) & (which < bins)
    count = np.bincount(which[inside], minlength=bins).astype(float)
    total = np.bincount(which[inside], weights=returns[inside], minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        curve = np.where(count > 0, total / count, np.nan)
    if "eval_return" in recording:
        eval_step = recording["eval_step"].values.astype(np.int64)
        eval_return = recording["eval_return"].values.astype(float)
    else:
        eval_step, eval_return = np.zeros(0, np.int64), np.zeros(0)
    best = int(np.nanargmax(eval_return)) if np.isfinite(eval_return).any() else None
    return xr.Dataset(
        {
            "eval_return": ("eval_step", eval_return),
            "learning_curve": ("curve_step", curve),
            "curve_episodes": ("curve_step", count),
            "best_eval_return": ((), np.nan if best is None else eval_return[best]),
            "best_eval_step": ((), np.nan if best is None else float(eval_step[best])),
            "episodes": ((), float(returns.size)),
        },
        coords={"eval_step": eval_step, "curve_step": np.round(edges[1:]).astype(np.int64)},
    )


def _execute(model: Model, seed: int, steps: int, engine: str, engine_options: dict,
             run_dir: str | None, max_steps: int, bins: int) -> dict:
    """Run one (seed, condition) on a worker; never raises (the failure is the result)."""
    started = time.perf_counter()
    stream = None
    if run_dir is not None:
        folder = Path(run_dir)
        if folder.exists():  # a re-run replaces every trace of the previous attempt
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        stream = folder / "recording.zarr"
    try:
        recording = run(model, steps=steps, seed=seed, engine=engine, stream_to=stream,
                        progress=False, **engine_options)
        summary = summarize(recording, max_steps, bins)
        summary["wall_seconds"] = time.perf_counter() - started
        if run_dir is not None:
            from .recording.io import save

            tmp = Path(run_dir) / "summary.tmp.nc"
            save(summary, tmp)
            os.replace(tmp, Path(run_dir) / "summary.nc")  # a summary on disk is a whole one
        return {"summary": summary}
    except Exception as exc:  # noqa: BLE001  every failure of a run is reported, none stops the sweep
        return _failure(run_dir, f"{type(exc).__name__}: {exc}", traceback.format_exc())


def _execute_cohort(items: list[tuple], engine: str, engine_options: dict, max_steps: int,
                    bins: int) -> list[dict]:
    """Run (model, seed, steps, run_dir) items of equal steps on a worker as one cohort
    (:class:`bioRTRRL.Cohort`: circuit k is the single run of its seed, bit for bit); never raises.

    If the cohort fails (one circuit diverging stops the call), every item runs again on its own,
    so that each run gets its own result or failure, as without cohorts.
    """
    if engine != "reference" or len(items) == 1:
        return [_execute(m, s, n, engine, engine_options, d, max_steps, bins)
                for m, s, n, d in items]
    from .cohort import Cohort

    started = time.perf_counter()
    try:
        streams = [None] * len(items)
        for i, (_, _, _, run_dir) in enumerate(items):
            if run_dir is not None:
                folder = Path(run_dir)
                if folder.exists():
                    shutil.rmtree(folder)
                folder.mkdir(parents=True)
                streams[i] = folder / "recording.zarr"
        cohort = Cohort([m for m, *_ in items], [s for _, s, *_ in items], stream_to=streams)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # run()'s warnings come again if a run is repeated
            cohort.train(items[0][2], progress=False)
        wall = (time.perf_counter() - started) / len(items)  # each circuit's share of the call
        results = []
        for (_, _, _, run_dir), recording in zip(items, cohort.recordings):
            summary = summarize(recording, max_steps, bins)
            summary["wall_seconds"] = wall
            if run_dir is not None:
                from .recording.io import save

                tmp = Path(run_dir) / "summary.tmp.nc"
                save(summary, tmp)
                os.replace(tmp, Path(run_dir) / "summary.nc")
            results.append({"summary": summary})
        return results
    except Exception:  # noqa: BLE001  each run again on its own: its own result or failure
        return [_execute(m, s, n, engine, engine_options, d, max_steps, bins)
                for m, s, n, d in items]


def _cohorts(spec: _Spec, runs: list[_Run], workers: int, size: int) -> list[list[_Run]]:
    """Runs of equal length in groups of at most ``size``, at least one group per worker."""
    by_steps: dict[int, list[_Run]] = {}
    for r in runs:
        by_steps.setdefault(spec.steps_for(r), []).append(r)
    groups = []
    for same in by_steps.values():
        k = max(1, min(size, -(-len(same) // max(1, workers))))
        groups += [same[i:i + k] for i in range(0, len(same), k)]
    return groups


def _failure(run_dir: str | None, error: str, trace: str) -> dict:
    if run_dir is not None:
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        (Path(run_dir) / "error.txt").write_text(f"{error}\n\n{trace}")
    return {"error": error}


class _Brian2Worker(WorkerPlugin):
    """Dask worker plugin preparing every worker, present and future, for Brian2 runs.

    ``import brian2`` installs a SIGINT handler, which Python allows only on a process's main
    thread; tasks run on executor threads, so the import happens here, on the worker's event loop
    (its main thread). Each worker also gets its own code cache, ``<base>/brian2_cache/<worker>``:
    processes compiling into one cache contend for its locks. It is set as Brian2's preference
    and exported as ``BIORTRRL_BRIAN2_CACHE``, through which the Brian2 engine's backend chooses
    its Cython cache.
    """

    name = "bioRTRRL-brian2"

    def __init__(self, base: str):
        self.base = base

    def setup(self, worker) -> None:
        from brian2 import prefs

        cache = Path(self.base) / "brian2_cache" / str(worker.name).replace("/", "_").replace(":", "_")
        cache.mkdir(parents=True, exist_ok=True)
        os.environ["BIORTRRL_BRIAN2_CACHE"] = str(cache)
        prefs.codegen.runtime.cython.cache_dir = str(cache)


# -- the sweep ---------------------------------------------------------------------------------


def sweep(model, seeds=(0,), grid: dict[str, list] | None = None, steps: int | None = None,
          engine: str = "reference", scheduler=None, out: str | os.PathLike | None = None,
          progress: bool = True, only: list[tuple[int, dict]] | None = None, bins: int = 100,
          engine_options: dict | None = None, cohort: int = 8) -> xr.Dataset:
    """Train every (seed, condition) of a grid, each as an independent run, on Dask distributed.

    Runs of equal length go to the workers as cohorts (:class:`bioRTRRL.Cohort`, reference
    engine): up to ``cohort`` circuits trained in one engine call, each bit for bit the run it
    stands for, with its own folder, recording, summary and (should it fail) error.

    Parameters
    ----------
    model : path, dict or Model
        The base model; each condition overrides some of its keys.
    seeds : int or list of int
        Seeds to run (an int K means ``range(K)``).
    grid : dict of {str: list}, optional
        Dotted model keys and the values to sweep, e.g. ``{"learning.lambda_cortex": [0.9, 0.99]}``.
        The conditions are the Cartesian product; every one is validated before anything runs.
    steps : int, optional
        Ticks per run (default: each condition's ``run.steps``).
    engine : {"reference", "brian2"}
    scheduler : str or distributed cluster, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``) or a cluster object. Default: a
        LocalCluster with one single-threaded worker process per core, closed at the end.
    out : path, optional
        Folder for the per-run recordings and summaries and the stacked ``sweep.zarr`` (module
        docstring). It must be on a filesystem the workers share. Without it, runs are kept in
        memory only. A folder already holding a different sweep is refused; in one holding this
        sweep, the runs already finished are kept and not run again (delete a run's folder,
        ``out/runs/<run>``, to run it anew).
    progress : bool
        Show a progress bar of runs done.
    only : list of (seed, condition), optional
        Run just these, e.g. ``[(3, {"learning.lambda_cortex": 0.9})]``; with ``out``, the other
        runs' results already on disk are stacked with them.
    bins : int
        Bins of the learning curve over ``[0, longest run]``.
    engine_options : dict, optional
        Passed to :func:`bioRTRRL.run` (e.g. ``{"codegen_target": "cython"}`` for Brian2).
    cohort : int
        Largest number of runs per cohort (at least one cohort per worker; 1 = one run per task).

    Returns
    -------
    xarray.Dataset
        Dims ``seed``, one per swept key (:func:`dim_name`; coordinate attribute ``key`` holds
        the dotted key; non-scalar values appear as JSON text), ``eval_step`` (union over runs) and
        ``curve_step``. Variables: those of :func:`summarize` plus ``wall_seconds``, ``status``
        (``done``/``failed``/``pending``), ``error`` (message, empty when none) and
        ``recording_path`` (the run's zarr store, empty without ``out``). Missing values are NaN.
        A run that fails is reported by a warning and its ``status``; the others are kept.
    """
    spec = _Spec.build(model, seeds, grid, steps, engine, bins, engine_options)
    runs = spec.runs()
    if only is not None:
        runs = _select(spec, only)
    if out is not None:
        todo = [r for r in runs if _status(Path(out), r) != DONE]
        if progress and len(todo) < len(runs):
            print(f"sweep: {len(runs) - len(todo)} of {len(runs)} runs already finished in {out}; "
                  f"running the other {len(todo)}", file=sys.stderr)
        runs = todo
    return _execute_all(spec, runs, scheduler, None if out is None else Path(out), progress,
                        cohort)


def rerun_failed(out: str | os.PathLike, scheduler=None, progress: bool = True) -> xr.Dataset:
    """Run again every run of the sweep in ``out`` that failed or never finished.

    Returns
    -------
    xarray.Dataset
        The whole sweep, stacked as :func:`sweep` returns it.
    """
    out = Path(out)
    spec = _read_spec(out)
    todo = [r for r in spec.runs() if _status(out, r) != DONE]
    return _execute_all(spec, todo, scheduler, out, progress)


def open_sweep(out: str | os.PathLike) -> xr.Dataset:
    """Stack the runs of the sweep in ``out`` from their files (works while it runs, or after a crash)."""
    out = Path(out)
    spec = _read_spec(out)
    return _stack(spec, _from_disk(spec, out), out)


def _select(spec: _Spec, only) -> list[_Run]:
    chosen = []
    for item in only:
        seed, condition = item
        match = [r for r in spec.runs() if r.seed == seed and r.condition == dict(condition)]
        if not match:
            raise ModelError(f"only: ({seed}, {condition}) is not a run of this sweep "
                             f"(seeds {spec.seeds}, grid {spec.grid})")
        chosen.extend(match)
    return chosen


def _execute_all(spec: _Spec, runs: list[_Run], scheduler, out: Path | None, progress: bool,
                 cohort: int = 8) -> xr.Dataset:
    if out is not None:
        _write_spec(spec, out)
        results = _from_disk(spec, out)
    else:
        results = {}
    for r in runs:  # until it finishes again, a re-run is pending
        results.pop(r.run_id, None)
    max_steps = spec.max_steps
    failed: list[tuple[str, str]] = []
    with _client(scheduler) as client:
        if spec.engine == "brian2":
            base = out if out is not None else Path(tempfile.gettempdir()) / "bioRTRRL"
            client.register_plugin(_Brian2Worker(str(base)), name=_Brian2Worker.name)

        def run_dir(r):
            return None if out is None else str(out / "runs" / r.run_id)

        futures = {}
        for group in _cohorts(spec, runs, len(client.nthreads()), cohort):
            items = [(spec.model_for(r), r.seed, spec.steps_for(r), run_dir(r)) for r in group]
            fut = client.submit(_execute_cohort, items, spec.engine, spec.engine_options,
                                max_steps, spec.bins, pure=False,
                                key=f"biortrrl-{group[0].run_id}-{os.urandom(4).hex()}")
            futures[fut] = group
        bar = tqdm(total=len(runs), disable=not progress, unit="run", desc="sweep")
        try:
            for fut in as_completed(futures):
                group = futures[fut]
                try:
                    group_results = fut.result()
                except Exception as exc:  # noqa: BLE001  the worker itself died (KilledWorker, ...)
                    group_results = [_failure(run_dir(r), f"{type(exc).__name__}: {exc}",
                                              traceback.format_exc()) for r in group]
                for r, result in zip(group, group_results):
                    results[r.run_id] = result
                    if "error" in result:
                        failed.append((r.run_id, result["error"]))
                        bar.set_postfix(failed=len(failed))
                    bar.update(1)
        finally:
            bar.close()
            client.cancel(list(futures))
            ds = _stack(spec, results, out)
            if out is not None:
                from .recording.io import save

                save(ds, out / "sweep.zarr")
    if failed:
        lines = "\n".join(f"  {rid}: {err}" for rid, err in failed)
        hint = f"rerun_failed({str(out)!r})" if out is not None else "sweep(..., only=[(seed, condition)])"
        warnings.warn(f"{len(failed)} of {len(runs)} runs failed (re-run them with {hint}):\n{lines}",
                      RuntimeWarning, stacklevel=3)
    return ds


@contextlib.contextmanager
def _client(scheduler):
    if scheduler is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        # One single-threaded process per core: runs are pure Python + numba loops that hold the GIL.
        with LocalCluster(n_workers=cores or 1, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
        return
    address = getattr(scheduler, "scheduler_address", scheduler)
    with Client(address) as client:
        yield client


# -- stacking ----------------------------------------------------------------------------------

#: Variables of a run's summary and their own dimensions (:func:`summarize`, plus the wall time).
_SUMMARY_VARS = {"eval_return": ("eval_step",), "learning_curve": ("curve_step",),
                 "curve_episodes": ("curve_step",), "best_eval_return": (), "best_eval_step": (),
                 "episodes": (), "wall_seconds": ()}


def _coord_values(values: list) -> np.ndarray:
    """Coordinate labels of a swept key: the values themselves, or JSON text when not scalars."""
    if all(isinstance(v, (bool, int, float)) for v in values) or all(isinstance(v, str) for v in values):
        return np.asarray(values)
    return np.asarray([json.dumps(v, sort_keys=True) for v in values])


def _stack(spec: _Spec, results: dict[str, dict], out: Path | None) -> xr.Dataset:
    runs = spec.runs()
    keys = list(spec.grid)
    shape = (len(spec.seeds), *(len(spec.grid[k]) for k in keys))
    dims = ("seed", *(dim_name(k) for k in keys))
    where = {r.run_id: (spec.seeds.index(r.seed), *r.index) for r in runs}
    summaries = {rid: res["summary"] for rid, res in results.items() if "summary" in res}

    eval_steps = np.unique(np.concatenate(
        [np.zeros(0, np.int64)] + [s["eval_step"].values for s in summaries.values()]))
    curve_steps = np.round(np.linspace(0, spec.max_steps, spec.bins + 1)[1:]).astype(np.int64)

    data = {}
    own = {"eval_step": eval_steps, "curve_step": curve_steps}
    for name, var_dims in _SUMMARY_VARS.items():
        arr = np.full(shape + tuple(len(own[d]) for d in var_dims), np.nan)
        for rid, s in summaries.items():
            v = s[name]
            if "eval_step" in v.dims:
                v = v.reindex(eval_step=eval_steps)
            arr[where[rid]] = v.values
        data[name] = (dims + var_dims, arr)

    status = np.full(shape, PENDING, dtype=object)
    error = np.full(shape, "", dtype=object)
    path = np.full(shape, "", dtype=object)
    for rid, res in results.items():
        status[where[rid]] = DONE if "summary" in res else FAILED
        error[where[rid]] = res.get("error", "")
    if out is not None:
        for r in runs:
            if (out / "runs" / r.run_id / "recording.zarr").exists():
                path[where[r.run_id]] = str(out / "runs" / r.run_id / "recording.zarr")
    data["status"] = (dims, status.astype(str))
    data["error"] = (dims, error.astype(str))
    data["recording_path"] = (dims, path.astype(str))

    coords = {"seed": np.asarray(spec.seeds, dtype=np.int64), "eval_step": eval_steps,
              "curve_step": curve_steps}
    for k in keys:
        coords[dim_name(k)] = xr.Variable(dim_name(k), _coord_values(spec.grid[k]), {"key": k})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {"model": spec.model.to_toml(), "model_name": spec.model.name, "engine": spec.engine,
                "steps": -1 if spec.steps is None else spec.steps, "swept_keys": json.dumps(keys),
                "grid": json.dumps(spec.grid), "runs_done": int((status == DONE).sum()),
                "runs_failed": int((status == FAILED).sum())}
    return ds


# -- files -------------------------------------------------------------------------------------


def _write_spec(spec: _Spec, out: Path) -> None:
    path = out / "sweep.json"
    if path.exists():
        previous = json.loads(path.read_text())
        if previous != json.loads(json.dumps(spec.to_json())):
            raise ModelError(f"{out} already holds a different sweep; choose another folder or delete it")
        return
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec.to_json(), indent=1))


def _read_spec(out: Path) -> _Spec:
    path = out / "sweep.json"
    if not path.exists():
        raise ModelError(f"{out}: no sweep.json here (not a sweep folder)")
    return _Spec.from_json(json.loads(path.read_text()))


def _status(out: Path, r: _Run) -> str:
    folder = out / "runs" / r.run_id
    if (folder / "summary.nc").exists():
        return DONE
    return FAILED if (folder / "error.txt").exists() else PENDING


def _from_disk(spec: _Spec, out: Path) -> dict[str, dict]:
    from .recording.io import open_recording

    results = {}
    for r in spec.runs():
        folder = out / "runs" / r.run_id
        status = _status(out, r)
        if status == DONE:
            results[r.run_id] = {"summary": open_recording(folder / "summary.nc").load()}
        elif status == FAILED:
            results[r.run_id] = {"error": (folder / "error.txt").read_text().split("\n", 1)[0]}
    return results


# -- command line ------------------------------------------------------------------------------


def _parse_values(text: str) -> list:
    """``"0.9,0.99"`` → ``[0.9, 0.99]``: TOML values split at top-level commas; bare words are strings."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    values = []
    for part in parts:
        part = part.strip()
        try:
            values.append(tomllib.loads(f"v = {part}")["v"])
        except tomllib.TOMLDecodeError:
            values.append(part)
    return values


def _report(ds: xr.Dataset) -> str:
    """One line per condition: median ± s.d. over seeds of the best evaluation (or of the last curve bin)."""
    cond_dims = [d for d in ds["status"].dims if d != "seed"]
    score = ds["best_eval_return"]
    label = "best eval"
    if not np.isfinite(score.values).any():
        score = xr.apply_ufunc(_last_finite, ds["learning_curve"], input_core_dims=[["curve_step"]])
        label = "last training return"
    stacked = score.stack(condition=cond_dims) if cond_dims else score.expand_dims(condition=[0])
    lines = [f"{label} over seeds: median ± s.d. (runs done)"]
    for i in range(stacked.sizes["condition"]):
        col = stacked.isel(condition=i)
        name = ", ".join(f"{ds[d].attrs['key']}={col[d].item()}" for d in cond_dims) or ds.attrs["model_name"]
        vals = col.values[np.isfinite(col.values)]
        stat = f"{np.median(vals):.3f} ± {np.std(vals):.3f}" if vals.size else "n/a"
        lines.append(f"  {name}: {stat} ({vals.size}/{col.size})")
    return "\n".join(lines)


def _last_finite(values: np.ndarray) -> np.ndarray:
    """Last finite entry along the last axis (NaN when there is none)."""
    finite = np.isfinite(values)
    last = values.shape[-1] - 1 - np.argmax(finite[..., ::-1], axis=-1)
    picked = np.take_along_axis(values, last[..., None], axis=-1)[..., 0]
    return np.where(finite.any(axis=-1), picked, np.nan)


def main(argv: list[str] | None = None) -> int:
    """``biortrrl sweep``: seeds × conditions on Dask; prints one line per condition.

    Returns the exit status: 0 when every run finished, 1 when some failed.
    """
    parser = argparse.ArgumentParser(
        prog="biortrrl sweep",
        description="Run seeds × conditions of a model on Dask distributed, stacked into OUT/sweep.zarr.")
    parser.add_argument("model", nargs="?", help="models/NAME.toml")
    parser.add_argument("--seeds", type=int, default=1, help="run seeds 0 … K−1 (default 1)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=V1,V2",
                        help="sweep a dotted model key over values (TOML syntax; repeatable)")
    parser.add_argument("--steps", type=int, default=None, help="ticks per run (default: run.steps)")
    parser.add_argument("--engine", choices=list(ENGINES), default="reference")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster)")
    parser.add_argument("--out", default=None, help="output folder (default: results/<model>-sweep)")
    parser.add_argument("--rerun-failed", metavar="DIR", default=None,
                        help="re-run the failed and unfinished runs of the sweep in DIR")
    args = parser.parse_args(argv)
    if args.rerun_failed is None and args.model is None:
        parser.error("a MODEL file (or --rerun-failed DIR) is required")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # failures are printed below
        if args.rerun_failed:
            out = Path(args.rerun_failed)
            ds = rerun_failed(out, scheduler=args.scheduler)
        else:
            grid: dict[str, Any] = {}
            for item in args.set:
                key, sep, values = item.partition("=")
                if not sep or not key.strip():
                    raise ModelError(f"--set {item!r}: expected KEY=V1,V2,...")
                grid[key.strip()] = _parse_values(values)
            model = load_model(args.model)
            out = Path(args.out or Path("results") / f"{model.name}-sweep")
            ds = sweep(model, seeds=args.seeds, grid=grid, steps=args.steps, engine=args.engine,
                       scheduler=args.scheduler, out=out)
    print(_report(ds))
    print(f"sweep: {out / 'sweep.zarr'}")
    bad = ds["status"].values == FAILED
    for index in zip(*np.nonzero(bad)):
        labels = {d: ds[d].values[i].item() for d, i in zip(ds["status"].dims, index)}
        print(f"failed {labels}: {ds['error'].values[index]}", file=sys.stderr)
    if bad.any():
        print(f"re-run the failed runs with: biortrrl sweep --rerun-failed {out}", file=sys.stderr)
        return 1
    return 0
