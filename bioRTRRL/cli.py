"""The ``biortrrl`` command.

    biortrrl run MODEL.toml [--steps N] [--seed S] [--engine reference|brian2] [--out DIR] [--overwrite]
    biortrrl plot DIR
    biortrrl sweep MODEL.toml --seeds K [--set key=v1,v2 ...] [--scheduler ADDRESS]
    biortrrl bench [--quick]
    biortrrl export DIR --nwb [--env K]

A mistake in the input ends in one line on stderr naming what to fix (exit status 2). A run that
fails or is stopped keeps what it recorded: exit status 1 when it failed (e.g. it diverged), 130
on Ctrl-C, 143 on SIGTERM (what a cluster scheduler sends at a time limit).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from pathlib import Path

import numpy as np

from .config import ModelError, check_range
from .recording.io import RecordingError


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is: it stops the way Ctrl-C does, finalising the recording."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="biortrrl", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="train a model, record it, draw its figures")
    p_run.add_argument("model", help="models/NAME.toml")
    p_run.add_argument("--steps", type=_steps, default=None, help="ticks (default: the model's run.steps)")
    p_run.add_argument("--seed", type=_seed, default=None, help="seed (default: the model's run.seed)")
    p_run.add_argument("--engine", choices=["reference", "brian2"], default="reference")
    p_run.add_argument("--out", default=None, help="output folder (default: results/<model name>)")
    p_run.add_argument("--overwrite", action="store_true",
                       help="replace the recording and figures already in the output folder")
    p_plot = sub.add_parser("plot", help="redraw the figures of a saved run")
    p_plot.add_argument("dir")
    sub.add_parser("sweep", help="seeds × conditions on Dask (see `biortrrl sweep -h`)", add_help=False)
    sub.add_parser("bench", help="throughput table of the engines", add_help=False)
    p_export = sub.add_parser("export", help="write a saved run as NWB (DIR/recording.nwb)")
    p_export.add_argument("dir")
    p_export.add_argument("--nwb", action="store_true", required=True,
                          help="Neurodata Without Borders (needs the nwb extra)")
    p_export.add_argument("--env", type=int, default=None,
                          help="the environment to export from a batched run")

    if argv and argv[0] in ("sweep", "bench"):
        if argv[0] == "sweep":
            from .sweeps import main as sweep_main

            return _guard(lambda: sweep_main(argv[1:]))
        from .benchmark import main as bench_main

        return _guard(lambda: bench_main(argv[1:]))
    args = parser.parse_args(argv)
    if args.command == "run":
        return _guard(lambda: _run(args))
    if args.command == "export":
        return _guard(lambda: _export(Path(args.dir), args.env))
    return _guard(lambda: _plot(Path(args.dir)))


def _steps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of ticks, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a run needs at least 1 tick, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
        check_range("run.seed", value, "a seed")
    except ValueError as exc:  # ModelError is a ValueError
        raise argparse.ArgumentTypeError(
            str(exc) if isinstance(exc, ModelError) else f"expected an integer, got {text!r}") from None
    return value


def _guard(fn) -> int:
    """Run a command: input errors, interruptions and SIGTERM end in one line on stderr."""
    with _one_line_warnings(), _sigterm_as_interrupt():
        try:
            return int(fn() or 0)
        except (ModelError, RecordingError) as exc:
            print(f"biortrrl: error: {exc}", file=sys.stderr)
            return 2
        except Terminated:
            print("biortrrl: terminated (SIGTERM); what was recorded so far is on disk", file=sys.stderr)
            return 143
        except KeyboardInterrupt:
            print("biortrrl: interrupted; what was recorded so far is on disk", file=sys.stderr)
            return 130


@contextlib.contextmanager
def _one_line_warnings():
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"biortrrl: warning: {' '.join(str(message).split())}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


@contextlib.contextmanager
def _sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():  # handlers live on the main thread
        yield
        return

    def handler(signum, frame):
        # Finalising (flush, .nc) must not be cut short by a second SIGTERM; SIGKILL still ends it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated("stopped by SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args) -> int:
    from . import load_model, run

    model = load_model(args.model)
    steps = model.run.steps if args.steps is None else args.steps
    if steps == 0:
        raise ModelError(f"{args.model}: run.steps = 0, nothing to run; give --steps N")
    out = Path(args.out) if args.out else Path("results") / model.name
    earlier = _prepare(out, "--out" if args.out else "output folder", args.overwrite)
    stream = out / "recording.zarr"
    try:
        ds = run(model, steps=steps, seed=args.seed, engine=args.engine, stream_to=stream,
                 progress=True)
    except (KeyboardInterrupt, Exception) as exc:
        return _stopped(exc, out, stream, earlier)
    earlier.discard()
    _save(ds, out / "recording.nc")
    shutil.rmtree(stream, ignore_errors=True)
    figures = _figures(ds, out)
    print(summary(ds))
    print(f"recording: {out / 'recording.nc'}")
    for f in figures:
        print(f"figure:    {f}")
    return 0


def _prepare(out: Path, label: str, overwrite: bool) -> "_Earlier":
    """Check that the run can write its results to ``out`` before it trains. An earlier run's
    recording there is refused, or with ``overwrite`` set aside until the new run records."""
    blocking = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ModelError(f"{label} {out}: {blocking} is a file, not a folder; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=out).close()
    except OSError as exc:
        raise ModelError(f"{label} {out}: cannot write there ({exc.strerror or exc}); "
                         "choose another --out") from None
    figures = _figures_folder(out)
    found = [p for p in (out / "recording.nc", out / "recording.zarr") if p.exists() or p.is_symlink()]
    if found and not overwrite:
        names = " and ".join(p.name for p in found)
        raise ModelError(f"{out} already holds a recording ({names}); pass --overwrite to replace "
                         "it, or choose another --out")
    return _Earlier(found, figures)


class _Earlier:
    """An earlier run's recording, moved aside (``.NAME.replaced``) while the new run starts: a new
    run refused before its first tick puts it back; one that records replaces it and its figures."""

    def __init__(self, found: list[Path], figures: Path):
        self.moved = [(p, p.with_name(f".{p.name}.replaced")) for p in found]
        self.figures = figures
        for original, aside in self.moved:
            if aside.exists() or aside.is_symlink():  # left by a killed run that had replaced it
                _remove(aside)
            original.rename(aside)

    def restore(self) -> None:
        for original, aside in self.moved:
            aside.rename(original)

    def discard(self) -> None:
        for _, aside in self.moved:
            _remove(aside)
        if self.moved:
            for png in self.figures.glob("*.png"):  # the earlier run's, which this one may not draw
                png.unlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _figures_folder(out: Path) -> Path:
    figures = out / "figures"
    if figures.exists() and not figures.is_dir():
        raise ModelError(f"{figures} is a file where the figures folder goes; move it away")
    return figures


def _stopped(exc: BaseException, out: Path, stream: Path, earlier: _Earlier) -> int:
    """Keep what a failed or stopped run recorded, say where it is, and choose the exit status."""
    partial = getattr(exc, "recording", None)
    ticks = 0 if partial is None else int(partial.sizes.get("step", 0))
    if not ticks:
        shutil.rmtree(stream, ignore_errors=True)
        earlier.restore()
        if isinstance(exc, (ModelError, KeyboardInterrupt)):
            raise exc  # a refused model or an interruption before the first tick: nothing to keep
        kept = "nothing was recorded" + ("; the earlier recording is back in place" if earlier.moved else "")
    else:
        earlier.discard()
        # From memory rather than from the stream: a stop in the middle of an append leaves that
        # chunk out of the stream, not out of the recorder.
        _save(partial, out / "recording.nc")
        shutil.rmtree(stream, ignore_errors=True)
        kept = f"partial recording ({ticks} recorded ticks) in {out / 'recording.nc'}"
    if isinstance(exc, KeyboardInterrupt):
        why, status = ("terminated (SIGTERM)", 143) if isinstance(exc, Terminated) else ("interrupted", 130)
        print(f"biortrrl: {why}; {kept}", file=sys.stderr)
        return status
    detail = ""
    if not isinstance(exc, FloatingPointError):  # divergence is explained by its message alone
        (out / "error.txt").write_text("".join(traceback.format_exception(exc)))
        detail = f"; traceback in {out / 'error.txt'}"
    print(f"biortrrl: run stopped ({type(exc).__name__}: {exc}); {kept}{detail}", file=sys.stderr)
    return 1


def _save(ds, path: Path) -> None:
    """Write ``path`` whole or not at all: a kill during the write leaves no truncated file."""
    from .recording.io import save

    tmp = save(ds, path.with_name(f".{path.stem}.tmp{path.suffix}"))
    os.replace(tmp, path)


def _plot(folder: Path) -> int:
    from .recording.io import open_recording

    if not folder.is_dir():
        raise ModelError(f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}; "
                         "give the output folder of a run")
    _figures_folder(folder)
    path = _recording_in(folder)
    ds = open_recording(path, load=True)
    _require_run(path, ds, "plot draws")
    figures = _figures(ds, folder)
    for f in figures:
        print(f"figure: {f}")
    if not figures:
        print(f"biortrrl: no figure applies to {path} (variables: {sorted(ds.data_vars)})",
              file=sys.stderr)
    return 0


def _require_run(path: Path, ds, command: str) -> None:
    if "model" not in ds.attrs:
        raise RecordingError(f"{path}: not a bioRTRRL recording (no 'model' attribute); {command} "
                             "what `biortrrl run` or br.save wrote")


def _export(folder: Path, env: int | None) -> int:
    from .export import to_nwb
    from .recording.io import open_recording

    path = _recording_in(folder)
    ds = open_recording(path, load=True)
    _require_run(path, ds, "export reads")
    name = "recording.nwb"
    if "env" in ds.dims:
        if env is None:
            raise ModelError(f"{path}: a batch of {ds.sizes['env']} environments; choose one "
                             "with --env K")
        if not 0 <= env < ds.sizes["env"]:
            raise ModelError(f"--env must be in [0, {ds.sizes['env'] - 1}], got {env}")
        ds, name = ds.isel(env=env), f"recording_env{env}.nwb"
    elif env is not None:
        raise ModelError(f"--env: {path} holds a single-environment run")
    print(f"nwb: {to_nwb(ds, folder / name)}")
    return 0


def _recording_in(folder: Path) -> Path:
    """The recording of a run folder; with both a ``.nc`` and a ``.zarr`` (a later run stopped
    before writing its own ``.nc``), the more recently written one, said so."""
    nc, zarr = folder / "recording.nc", folder / "recording.zarr"
    found = [p for p in (nc, zarr) if p.exists()]
    if not found:
        raise ModelError(f"{folder}: no recording.nc or recording.zarr here")
    if len(found) == 1:
        return found[0]
    # A store's root metadata is rewritten at every appended chunk: its time is the store's.
    newer = zarr if _mtime(zarr / "zarr.json") > _mtime(nc) else nc
    older = nc if newer is zarr else zarr
    print(f"biortrrl: note: {folder} holds recording.nc and recording.zarr; using {newer.name}, "
          f"the more recently written (move it away to plot {older.name})", file=sys.stderr)
    return newer


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("-inf")


def _figures(ds, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from .plot import figures_for

    return figures_for(ds, out / "figures")


def summary(ds) -> str:
    """A few lines describing a finished recording: episodes, returns, evaluation."""
    from .analysis import episodes

    lines = [f"model {ds.attrs.get('model_name')}  engine {ds.attrs.get('engine')}  "
             f"seed {ds.attrs.get('seed')}  ticks {int(ds.sizes.get('step', 0)) * _stride(ds)}"]
    ep = episodes(ds)
    n = ep.sizes.get("episode", 0)
    if n:
        ret = ep.episode_return.values
        k = max(1, n // 10)
        lines.append(f"episodes {n}: mean return first 10% {ret[:k].mean():.2f}, "
                     f"last 10% {ret[-k:].mean():.2f}, best {ret.max():.2f}")
    if "eval_return" in ds and ds.sizes["eval_step"]:
        ev = ds.eval_return
        best = int(np.argmax(ev.values))
        lines.append(f"evaluation: best {float(ev.max()):.2f} at tick {int(ds.eval_step[best])}, "
                     f"last {float(ev[-1]):.2f}")
    return "\n".join(lines)


def _stride(ds) -> int:
    import tomllib

    try:
        return int(tomllib.loads(ds.attrs["model"])["recording"]["stride"])
    except (KeyError, ValueError, tomllib.TOMLDecodeError):
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
