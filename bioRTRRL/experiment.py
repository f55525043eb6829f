"""``run(model, seed) → Dataset``: one closed-loop training session, recorded."""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .config import Model, ModelError, check_memory, check_range, load_model
from .engines.parameters import CircuitDims, run_seeds
from .engines.reference import ReferenceEngine
from .environment import EnvDriver
from .tasks.compiled import compiled_driver
from .manipulation import Manipulations
from .recording.recorder import Recorder, run_attrs

ENGINES = ("reference", "brian2")


def run(model, steps: int | None = None, seed: int | None = None, engine: str = "reference",
        stream_to: str | Path | None = None, progress: bool | None = None, **engine_options) -> xr.Dataset:
    """Train the circuit in closed loop with its task and return the recording.

    Parameters
    ----------
    model : path, dict or Model
        The model specification (see :func:`bioRTRRL.load_model`).
    steps : int, optional
        Ticks to simulate (default ``model.run.steps``).
    seed : int, optional
        Seed of every random generator (default ``model.run.seed``).
    engine : {"reference", "brian2"}
    stream_to : path, optional
        A ``.zarr`` store that receives every completed chunk while the run goes on.
    progress : bool, optional
        Show a progress bar (default: when attached to a terminal or notebook).
    **engine_options
        Passed to the Brian2 engine (e.g. ``codegen_target="cython"``).

    Returns
    -------
    xarray.Dataset
        The recording (docs/recording_schema.md). If the run fails or is interrupted, the
        exception propagates but what was recorded is kept: with ``stream_to`` on disk (attrs
        ``finished = 0`` and ``error``); the in-memory part is attached to the exception as
        ``exc.recording``.
    """
    model = load_model(model)
    steps = model.run.steps if steps is None else int(steps)
    seed = model.run.seed if seed is None else int(seed)
    check_range("run.seed", seed, "seed")
    if engine not in ENGINES:
        raise ModelError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    check_steps(model, steps)
    session = Session(model, seed, stream_to=stream_to, engine=engine, **engine_options)
    return session.train(steps, progress=progress)


def check_steps(model: Model, steps: int) -> None:
    """ModelError for a negative count or a recording beyond memory; a warning for each
    manipulation that starts after the run's last tick."""
    if steps < 0:
        raise ModelError(f"steps must be >= 0, got {steps}")
    check_memory(model, steps)
    for i, entry in enumerate(model.manipulation):
        start = entry.get("start", 0)
        if start >= steps:
            warnings.warn(f"manipulation[{i}] starts at tick {start}, after the last tick "
                          f"({steps - 1}) of this run: it never takes effect", stacklevel=3)


class Session:
    """One training session of either engine: environments, circuit, recorder, tick by tick.

    The session is the one driver of both engines: it steps the environments, applies the
    manipulations when they are due, records every tick, takes weight snapshots, evaluates on
    schedule, checks the weights and shows the progress. The engine computes the circuit's tick in
    between (:meth:`begin_tick` before it, :meth:`end_tick` after it): the reference engine in a
    Python loop, the Brian2 engine from network operations inside one ``run()``.

    Parameters
    ----------
    model : Model
    seed : int
    stream_to : path, optional
        A ``.zarr`` store that receives every completed recording chunk.
    engine : {"reference", "brian2"}
    compiled : bool, optional
        Run the reference engine's ticks in chunks of the compiled closed loop
        (:mod:`bioRTRRL.engines.kernels.loop`), which gives the per-tick path's results bit for
        bit. None (default): when the task has a compiled form (:mod:`bioRTRRL.tasks.compiled`)
        and ``trace_norms`` is not recorded; False: always the per-tick path with Gymnasium's
        environments; True: a ModelError if the task has no compiled form.
    **engine_options
        Options of the Brian2 engine (``equations``, ``codegen_target``; see
        :func:`bioRTRRL.build_circuit`).

    Attributes
    ----------
    engine : ReferenceEngine or ClosedLoop
        The circuit (inspect or edit it between :meth:`advance` calls).
    driver, recorder, manipulations, dims
    tick : int
        Ticks simulated so far.

    Examples
    --------
    >>> session = br.Session(br.load_model("models/default.toml"), seed=0)
    >>> session.advance(1000)            # doctest: +SKIP
    >>> ds = session.finish()            # doctest: +SKIP
    """

    def __init__(self, model: Model, seed: int, stream_to=None, engine: str = "reference",
                 compiled: bool | None = None, **engine_options):
        if engine not in ENGINES:
            raise ModelError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
        if engine == "reference" and engine_options:
            raise ModelError(f"unknown options for the reference engine: {sorted(engine_options)}")
        if engine == "brian2" and model.circuit.unit == "lru":
            raise ModelError(
                "circuit.unit = 'lru': the LRU (a linear recurrent unit with a complex state and "
                "exact traces) is not a neuron model and has no Brian2 form; use "
                "engine='reference'")
        self.model = model
        self.seed = seed
        self.engine_name = engine
        seeds = run_seeds(seed)
        env_seed = int(seeds["env"].generate_state(1)[0])
        d = None
        if engine == "reference" and compiled is not False:
            # the LIF cortex's spike trains are collected in Python after every tick
            if model.circuit.unit != "lif":
                d = compiled_driver(model.task, env_seed)
            if d is None and compiled:
                raise ModelError(f"compiled: task.env {model.task.env!r} with circuit.unit = "
                                 f"{model.circuit.unit!r} has no compiled form (compiled tasks: "
                                 "bioRTRRL.tasks.compiled; the LIF cortex runs tick by tick)")
        self.driver = d = EnvDriver(model.task, env_seed, env_dt_ms=model.circuit.env_dt_ms) \
            if d is None else d
        #: ticks run in chunks by the compiled closed loop (bioRTRRL.cohort.advance_chunked);
        #: the recorded trace norms are computed in Python every tick, so they keep the tick loop
        self.chunked = not isinstance(d, EnvDriver) and "trace_norms" not in model.recording.variables
        self.dims = CircuitDims.for_model(model, d.O, d.A, d.continuous)
        self.manipulations = Manipulations(model)
        writer = None
        if stream_to is not None:
            from .recording.io import StreamWriter

            writer = StreamWriter(stream_to)
        self.recorder = Recorder(model, self.dims, d, run_attrs(model, engine, seed, d), writer)
        self._eval_seed = seeds["eval"]
        self.tick = 0
        if engine == "reference":
            self.engine = ReferenceEngine(model, self.dims, d.num_envs, seed, d.action_low,
                                          d.action_high)
        elif model.circuit.unit == "lif":
            from .engines.brian2.spiking import SpikingEngine

            self.engine = SpikingEngine(model, self.dims, d.num_envs, seed, d.action_low,
                                        d.action_high, **engine_options)
        else:
            from .engines.brian2.loop import ClosedLoop

            self.engine = ClosedLoop(self, **engine_options)
        self._started = False
        self._loop_cache: dict = {}  # the compiled loop's entry, kept between advance() calls
        self._bar = None
        self._bar_start = 0

    def train(self, steps: int, progress: bool | None = None) -> xr.Dataset:
        """Run ``steps`` ticks, then finish and return the recording."""
        try:
            self.advance(steps, progress=progress)
        except BaseException as exc:
            self._final_snapshot()  # the weights as the run left them, however it stopped
            ds = self.recorder.finish(finished=False, error=f"{type(exc).__name__}: {exc}")
            exc.recording = ds
            raise
        return self.finish()

    def advance(self, steps: int, progress: bool | None = None) -> None:
        """Simulate ``steps`` more ticks."""
        if steps <= 0:
            return
        self._bar = tqdm(total=steps, disable=_no_bar(progress), unit="step", mininterval=0.5,
                         desc=f"{self.model.name} seed {self.seed}"
                         + ("" if self.engine_name == "reference" else f" ({self.engine_name})"))
        self._bar_start = self.tick
        with contextlib.closing(self._bar):
            if self.chunked:
                from .cohort import advance_chunked

                advance_chunked([self], steps, cache=self._loop_cache)
            else:
                self.engine.simulate(self, steps)
            self._bar.update(self.tick - self._bar_start - self._bar.n)
        self._bar = None

    # -- the per-tick protocol both engines follow ---------------------------------------------
    def begin_tick(self) -> None:
        """Before the circuit's tick: the environments step with the last actions (or reset on
        the first tick), and manipulations due now take effect for this tick's forward pass."""
        eng = self.engine
        if not self._started:
            self.driver.reset()
            self.recorder.snapshot(0, eng.params, eng.feedback)
            self._started = True
        else:
            self.driver.step(eng.actions)
        manip = self.manipulations
        if manip.active and manip.due(self.tick):
            manip.apply(eng, self.tick)

    def end_tick(self) -> None:
        """After the circuit's tick: record it; snapshots, evaluations, checks and progress."""
        eng = self.engine
        self.recorder.record(self.tick, eng.act, eng.action_out, eng)
        self.tick += 1
        self.tick_done()

    def tick_done(self) -> None:
        """Snapshots, evaluations, checks and progress due after tick ``self.tick − 1``."""
        eng, rec, model, t = self.engine, self.recorder, self.model, self.tick
        every_w = model.recording.weights_every
        if every_w and t % every_w == 0:
            rec.snapshot(t, eng.params, eng.feedback)
        every_e = model.run.eval_every
        if every_e and t % every_e == 0:  # the Brian2 engine evaluates within its run, later
            eng.request_evaluation(t, self.next_evaluation_seed(), model.run.eval_episodes,
                                   rec.add_evaluation)
        if t % _CHECK_EVERY == 0:
            eng.check_finite()
            check_divergence(eng.params, t, model.run.divergence_bound)
            if self._bar is not None:
                self._bar.update(t - self._bar_start - self._bar.n)

    def evaluate(self, episodes: int | None = None) -> float:
        """Mean return of the first episode of ``run.eval_episodes`` fresh environments.

        The policy is stochastic and nothing learns: the engine's own circuit, frozen, drives a
        separate batch of environments (seeded from the run's evaluation stream).
        """
        return self.engine.evaluate(episodes or self.model.run.eval_episodes,
                                    self.next_evaluation_seed())

    def next_evaluation_seed(self) -> np.random.SeedSequence:
        """Seeds of the next evaluation's environments and actions: one child of the run's
        evaluation stream per evaluation, in either engine."""
        return self._eval_seed.spawn(1)[0]

    def finish(self) -> xr.Dataset:
        """Final snapshot, flush, close the environments; returns the whole recording."""
        self._final_snapshot()
        ds = self.recorder.finish(finished=True)
        self.driver.close()
        if self.model.circuit.unit == "lif":  # the spike trains, sparse (env 0)
            from .recording.spikes import with_spikes

            ds = with_spikes(ds, *self.engine.spike_trains(), self.dims.N)
        return ds

    def _final_snapshot(self) -> None:
        # Labelled by the engine's own count of ticks learned: a stop (Ctrl-C, SIGTERM) that lands
        # between the engine's tick and the loop's bookkeeping still gets the weights' true age.
        tick = self.engine.ticks
        if not self.recorder.snapshots or self.recorder.snapshots[-1][0] != tick:
            self.recorder.snapshot(tick, self.engine.params, self.engine.feedback)


_CHECK_EVERY = 1000


class DivergenceError(FloatingPointError):
    """The weights grew beyond ``run.divergence_bound``: the run diverged without producing NaN."""


def check_divergence(params: dict, tick: int, bound: float) -> None:
    """Raise :class:`DivergenceError` if a weight's magnitude exceeds ``bound`` (0 = no check).

    ``params`` as in ``ReferenceEngine.params``; the time constants τ are not weights and are left
    out.
    """
    if not bound:
        return
    for name, arr in params.items():
        largest = float(np.max(np.abs(arr))) if name != "tau" and arr.size else 0.0
        if largest > bound:
            raise DivergenceError(
                f"diverged: |{name}| reached {largest:.3g}, beyond run.divergence_bound = {bound:g}, "
                f"after tick {tick}; lower the learning rate or enable optimizer.clip_norm "
                "(or raise run.divergence_bound; 0 turns the guard off)")


def _no_bar(progress):
    if progress is None:
        return not (os.isatty(2) or "JPY_PARENT_PID" in os.environ)
    return not progress
