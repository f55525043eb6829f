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
from .evaluation import evaluate
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
    if steps < 0:
        raise ModelError(f"steps must be >= 0, got {steps}")
    check_range("run.seed", seed, "seed")
    if engine not in ENGINES:
        raise ModelError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    check_memory(model, steps)
    for i, entry in enumerate(model.manipulation):
        start = entry.get("start", 0)
        if start >= steps:
            warnings.warn(f"manipulation[{i}] starts at tick {start}, after the last tick "
                          f"({steps - 1}) of this run: it never takes effect", stacklevel=2)
    if engine == "brian2":
        from .engines.brian2 import run_brian2

        return run_brian2(model, steps=steps, seed=seed, stream_to=stream_to, progress=progress,
                          **engine_options)
    if engine_options:
        raise ModelError(f"unknown options for the reference engine: {sorted(engine_options)}")
    session = Session(model, seed, stream_to=stream_to)
    return session.train(steps, progress=progress)


class Session:
    """A reference-engine training session: driver + engine + recorder, advanced tick by tick.

    ``Session`` is what :func:`run` uses; it is public for users who want to step a circuit
    themselves (e.g. ``session.advance(1000)``, inspect ``session.engine``, continue).
    """

    def __init__(self, model: Model, seed: int, stream_to=None, engine_name: str = "reference"):
        self.model = model
        self.seed = seed
        seeds = run_seeds(seed)
        env_seed = int(seeds["env"].generate_state(1)[0])
        self.driver = EnvDriver(model.task, env_seed)
        d = self.driver
        self.dims = CircuitDims.for_model(model, d.O, d.A, d.continuous)
        self.engine = ReferenceEngine(model, self.dims, d.num_envs, seed, d.action_low, d.action_high)
        self.manipulations = Manipulations(model)
        writer = None
        if stream_to is not None:
            from .recording.io import StreamWriter

            writer = StreamWriter(stream_to)
        self.recorder = Recorder(model, self.dims, d, run_attrs(model, engine_name, seed, d), writer)
        self._eval_seed = seeds["eval"]
        self.tick = 0
        self._started = False

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
        model, eng, drv, rec = self.model, self.engine, self.driver, self.recorder
        every_w = model.recording.weights_every
        every_e = model.run.eval_every
        bar = tqdm(total=steps, disable=_no_bar(progress), unit="step", mininterval=0.5,
                   desc=f"{model.name} seed {self.seed}")
        start = self.tick
        end = start + steps
        check_every = 1000
        manip = self.manipulations
        # every one of these is a persistent buffer, written in place tick after tick
        obs, reward, terminated, truncated, fresh = (drv.obs, drv.reward, drv.terminated,
                                                     drv.truncated, drv.fresh)
        actions, act, action_out = eng.actions, eng.act, eng.action_out
        with contextlib.closing(bar):
            while self.tick < end:
                t = self.tick
                if not self._started:
                    drv.reset()
                    rec.snapshot(0, eng.params, eng.feedback)
                    self._started = True
                else:
                    drv.step(actions)
                if manip.active and manip.due(t):
                    manip.apply(eng, t)
                eng.tick(obs, reward, terminated, truncated, fresh)
                rec.record(t, act, action_out, eng)
                self.tick = t + 1
                if every_w and self.tick % every_w == 0:
                    rec.snapshot(self.tick, eng.params, eng.feedback)
                if every_e and self.tick % every_e == 0:
                    rec.add_evaluation(self.tick, self.evaluate())
                if self.tick % check_every == 0:
                    eng.check_finite()
                    check_divergence(eng.params, self.tick, model.run.divergence_bound)
                    bar.update(self.tick - start - bar.n)
            bar.update(self.tick - start - bar.n)

    def evaluate(self, episodes: int | None = None) -> float:
        """Mean return of the first episode of ``run.eval_episodes`` fresh environments.

        The policy is stochastic and nothing learns: a copy of the weights drives a separate
        batch of environments (seeded from the run's evaluation stream).
        """
        return evaluate(self.model, self.engine, self._eval_seed.spawn(1)[0],
                        episodes or self.model.run.eval_episodes)

    def finish(self) -> xr.Dataset:
        self._final_snapshot()
        ds = self.recorder.finish(finished=True)
        self.driver.close()
        return ds

    def _final_snapshot(self) -> None:
        # Labelled by the engine's own count of ticks learned: a stop (Ctrl-C, SIGTERM) that lands
        # between the engine's tick and the loop's bookkeeping still gets the weights' true age.
        tick = self.engine.ticks
        if not self.recorder.snapshots or self.recorder.snapshots[-1][0] != tick:
            self.recorder.snapshot(tick, self.engine.params, self.engine.feedback)


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
