"""Cohorts: many independent circuits — the n animals of a condition — trained in one engine call.

``run_cohort(model, seeds)`` trains one circuit per seed, each with its own weights, optimizer
state, traces, action noise and its own copy of the task, and returns one recording with a
``seed`` dimension. Circuit k is the single run ``run(model, seed=seeds[k])`` bit for bit: a cohort
is a set of :class:`bioRTRRL.experiment.Session` objects advanced together.

When the task has a compiled form (:mod:`bioRTRRL.tasks.compiled`), :func:`advance_chunked` runs
the whole cohort's closed loop — task, circuit tick, recording — in one compiled call per chunk
(:func:`bioRTRRL.engines.kernels.loop.closed_loop`), and does in Python, at the chunk boundaries,
what happens between ticks: manipulations, weight snapshots, evaluations, checks, chunk flushes
and the progress bar. A single :class:`Session` on such a task runs the same way (a cohort of one).
Any other task runs session after session through the per-tick path.
"""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from numba import typeof
from tqdm.auto import tqdm

from .config import Model, ModelError, check_range, load_model
from .engines.kernels import entry_point
from .engines.kernels.loop import closed_loop
from .experiment import _CHECK_EVERY, Session, _no_bar, check_steps

__all__ = ["Cohort", "advance_chunked", "run_cohort"]

#: Compiled entry points of the closed loop, by argument types (one per cohort size and layout).
_ENTRIES: dict = {}


def run_cohort(model, seeds, steps: int | None = None, stream_to: str | Path | None = None,
               progress: bool | None = None) -> xr.Dataset:
    """Train one circuit per seed and return their recordings stacked along ``seed``.

    Parameters
    ----------
    model : path, dict, Model, or a list of them
        The model; a list gives each seed its own model (conditions that keep every array's shape,
        e.g. learning rates, γ, λ, manipulations).
    seeds : sequence of int
        One circuit per seed, distinct.
    steps : int, optional
        Ticks (default ``model.run.steps``).
    stream_to : path, optional
        A directory; circuit k streams its chunks to ``seed_<seeds[k]>.zarr`` in it, as
        :func:`bioRTRRL.run` does to one store.
    progress : bool, optional
        Show one progress bar for the cohort (default: when attached to a terminal or notebook).

    Returns
    -------
    xarray.Dataset
        The recordings of :func:`bioRTRRL.run` (docs/recording_schema.md) stacked along a new
        first dimension ``seed``; per-episode variables are padded with NaN to the longest list.
        ``ds.sel(seed=s)`` is the single run with seed s (after ``dropna`` on the padding).

    Examples
    --------
    >>> ds = br.run_cohort("models/default.toml", seeds=range(8), steps=20_000)  # doctest: +SKIP
    >>> ds.episode_return.mean("completed_episode")                            # doctest: +SKIP
    """
    cohort = Cohort(model, seeds, stream_to=stream_to)
    models = {id(s.model): s.model for s in cohort.sessions}.values()
    steps = cohort.sessions[0].model.run.steps if steps is None else int(steps)
    for m in models:
        check_steps(m, steps)
    return cohort.train(steps, progress=progress)


class Cohort:
    """Independent circuits, one per seed, advanced together.

    Parameters
    ----------
    model : path, dict, Model, or a list of them (one per seed)
    seeds : sequence of int
    stream_to : path or list of paths, optional
        Directory of one ``seed_<s>.zarr`` store per circuit, or one store (or None) per circuit.
    compiled : bool, optional
        As :class:`Session`'s: None uses the compiled closed loop where the task has one.

    Attributes
    ----------
    sessions : list of Session
        One per seed, in order; inspect or manipulate each between :meth:`advance` calls.
    seeds : list of int
    """

    def __init__(self, model, seeds, stream_to=None, compiled: bool | None = None):
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ModelError("seeds: a cohort needs at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise ModelError(f"seeds must be distinct, got {self.seeds}")
        for s in self.seeds:
            check_range("run.seed", s, "seeds")
        models = list(model) if isinstance(model, (list, tuple)) else [model] * len(self.seeds)
        if len(models) != len(self.seeds):
            raise ModelError(f"model: {len(models)} models for {len(self.seeds)} seeds")
        models = [load_model(m) if not isinstance(m, Model) else m for m in models]
        if isinstance(stream_to, (list, tuple)):
            streams = list(stream_to)
        elif stream_to is not None:
            Path(stream_to).mkdir(parents=True, exist_ok=True)
            streams = [Path(stream_to) / f"seed_{s}.zarr" for s in self.seeds]
        else:
            streams = [None] * len(self.seeds)
        self.sessions = [Session(m, s, stream_to=p, compiled=compiled)
                         for m, s, p in zip(models, self.seeds, streams)]
        self.tick = 0
        self._loop_cache: dict = {}

    def advance(self, steps: int, progress: bool | None = None) -> None:
        """Simulate ``steps`` more ticks of every circuit."""
        if steps <= 0:
            return
        name = self.sessions[0].model.name
        bar = tqdm(total=steps * len(self.sessions), disable=_no_bar(progress), unit="step",
                   mininterval=0.5, desc=f"{name} cohort of {len(self.sessions)}")
        start = self.tick
        with contextlib.closing(bar):
            chunked = [s for s in self.sessions if s.chunked]
            if chunked:
                advance_chunked(chunked, steps, lambda t: bar.update(
                    len(self.sessions) * (t - start) - bar.n), self._loop_cache)
            for s in self.sessions:  # tasks without a compiled form: one session after another
                if not s.chunked:
                    s.advance(steps, progress=False)
                    bar.update(steps)
        self.tick += steps

    def train(self, steps: int, progress: bool | None = None) -> xr.Dataset:
        """Run ``steps`` ticks, then :meth:`finish`."""
        try:
            self.advance(steps, progress=progress)
        except BaseException as exc:
            parts = []
            for s in self.sessions:
                s._final_snapshot()
                parts.append(s.recorder.finish(finished=False,
                                               error=f"{type(exc).__name__}: {exc}"))
            exc.recording = stack(parts, self.seeds)
            raise
        return self.finish()

    def finish(self) -> xr.Dataset:
        """Finish every session; their recordings stacked along ``seed``.

        Each circuit's own recording (exactly what :func:`bioRTRRL.run` returns for its seed) is
        kept in :attr:`recordings`.
        """
        self.recordings = [s.finish() for s in self.sessions]
        return stack(self.recordings, self.seeds)


def stack(recordings: list[xr.Dataset], seeds: list[int]) -> xr.Dataset:
    """Recordings of single runs stacked along a new dimension ``seed`` (NaN-padded episodes)."""
    # the completed episodes differ in number: give them a position to align (and pad) on
    recordings = [r.assign_coords(completed_episode=np.arange(r.sizes["completed_episode"]))
                  if "completed_episode" in r.dims else r for r in recordings]
    ds = xr.concat(recordings, dim=pd.Index(seeds, name="seed"), join="outer",
                   combine_attrs="drop_conflicts", data_vars="all", coords="different",
                   compat="equals")
    ds.attrs["seeds"] = list(seeds)
    ds["seed"].attrs.update({"long_name": "run seed of the circuit (one animal of the cohort)"})
    return ds


def advance_chunked(sessions: list[Session], steps: int, progress=None,
                    cache: dict | None = None) -> None:
    """Advance sessions on compiled tasks by ``steps`` ticks in chunks of the compiled loop.

    Every session must be at the same tick. A chunk ends at the next tick at which anything
    happens in Python for any session (manipulation, snapshot, evaluation, check, full recording
    chunk, end of the action-noise block), so each session's results are those of its per-tick
    path. ``progress(tick)`` is called after every chunk. ``cache``, a dict kept by the caller
    for these very sessions, keeps the grouping and compiled loops from one call to the next.
    """
    s0 = sessions[0]
    if any(s.tick != s0.tick for s in sessions):
        raise ValueError("advance_chunked: the sessions are at different ticks")
    end = s0.tick + steps
    cache = {} if cache is None else cache  # the compiled loop per group of sessions
    while s0.tick < end:
        t = s0.tick
        if t == 0:  # the task's reset and the first snapshot: the per-tick protocol
            for s in sessions:
                s.engine.simulate(s, 1)
        else:
            for s in sessions:
                m = s.manipulations
                if m.active and m.due(t):
                    m.apply(s.engine, t)
            for s in sessions:
                s.engine.noise.ensure()
            n = min(end - t, *(_room(s, t) for s in sessions))
            for s in sessions:
                s.driver.prepare(n)
            args = [_loop_args(s) for s in sessions]
            if "entries" not in cache:
                cache["entries"] = _entries(sessions, args)
            for entry, members in cache["entries"]:
                _run(entry, t, n, [sessions[i] for i in members], [args[i] for i in members])
            for s in sessions:  # snapshots, evaluations, checks due after the chunk's last tick
                s.tick_done()
        if progress is not None:
            progress(s0.tick)


def _loop_args(s: Session) -> tuple:
    """A session's arguments of the closed loop: tick's, the task's and the recorder's."""
    eng, d, rec = s.engine, s.driver, s.recorder
    return (eng.kernel_args(d.obs, d.reward, d.terminated, d.truncated, d.fresh), d.world, d.book,
            rec.store_args(eng.act, eng.action_out),
            (rec.buf["trial"], rec.buf["t_in_trial"], rec.buf["events"]))


def _entries(sessions: list[Session], args: list[tuple]) -> list:
    """Group the sessions whose loop arguments have one type (and one recording stride), and the
    compiled loop of each group; typing the arguments costs ~1 ms, so it is done once per call."""
    groups: dict = {}
    for i, (s, a) in enumerate(zip(sessions, args)):
        groups.setdefault((s.recorder.stride, typeof(a)), []).append(i)
    out = []
    for members in groups.values():
        call = _call_args(0, 1, [sessions[i] for i in members], [args[i] for i in members])
        key = (len(members), typeof(call[2:]))
        if key not in _ENTRIES:
            _ENTRIES[key] = entry_point(closed_loop, *call)
        out.append((_ENTRIES[key], members))
    return out


def _call_args(t: int, n: int, sessions: list[Session], args: list[tuple]) -> tuple:
    kernel, worlds, books, recs, trial_bufs = zip(*args)
    return (t, n, sessions[0].recorder.stride, *(tuple(x) for x in zip(*kernel)), worlds, books,
            recs, trial_bufs, np.array([s.recorder.k for s in sessions], np.int64))


def _run(entry, t: int, n: int, sessions: list[Session], args: list[tuple]) -> None:
    """One compiled call for sessions whose arguments have one type, and their bookkeeping.

    SIGINT and SIGTERM wait until both are done: a stop that landed in between would lose the
    chunk's recorded rows and label the final weights with a stale tick.
    """
    call = _call_args(t, n, sessions, args)
    with _signals_deferred():
        entry(*call)
        for s, k in zip(sessions, call[-1]):
            s.driver.ticks = t + n
            s.driver.collect()
            s.engine.ticks += n
            s.tick = t + n
            s.recorder.stored(int(k) - s.recorder.k, s.engine)


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM back (delivered on exit) where the platform allows it."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _room(s: Session, t: int) -> int:
    """Ticks from ``t`` that session ``s`` can run before Python must act again."""
    model, rec, noise = s.model, s.recorder, s.engine.noise
    room = [noise.block - int(noise.pos[0])]
    for every in (model.recording.weights_every, model.run.eval_every, _CHECK_EVERY):
        if every:
            room.append((t // every + 1) * every - t)
    start = s.manipulations.next_start()
    if start is not None:
        room.append(start - t)
    first = -(-t // rec.stride) * rec.stride  # the next recorded tick
    room.append(first + (rec.chunk - rec.k - 1) * rec.stride - t + 1)
    return min(room)
