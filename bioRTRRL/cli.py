"""The ``biortrrl`` command.

    biortrrl run MODEL.toml [--steps N] [--seed S] [--engine reference|brian2] [--out DIR]
    biortrrl plot DIR
    biortrrl sweep MODEL.toml --seeds K [--set key=v1,v2 ...] [--scheduler ADDRESS]
    biortrrl bench [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

from .config import ModelError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="biortrrl", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="train a model, record it, draw its figures")
    p_run.add_argument("model", help="models/NAME.toml")
    p_run.add_argument("--steps", type=int, default=None, help="ticks (default: the model's run.steps)")
    p_run.add_argument("--seed", type=int, default=None, help="seed (default: the model's run.seed)")
    p_run.add_argument("--engine", choices=["reference", "brian2"], default="reference")
    p_run.add_argument("--out", default=None, help="output folder (default: results/<model name>)")
    p_plot = sub.add_parser("plot", help="redraw the figures of a saved run")
    p_plot.add_argument("dir")
    sub.add_parser("sweep", help="seeds × conditions on Dask (see `biortrrl sweep -h`)", add_help=False)
    sub.add_parser("bench", help="throughput table of the engines", add_help=False)

    if argv and argv[0] in ("sweep", "bench"):
        if argv[0] == "sweep":
            from .sweep import main as sweep_main

            return _guard(lambda: sweep_main(argv[1:]))
        from .benchmark import main as bench_main

        return _guard(lambda: bench_main(argv[1:]))
    args = parser.parse_args(argv)
    if args.command == "run":
        return _guard(lambda: _run(args))
    return _guard(lambda: _plot(Path(args.dir)))


def _guard(fn) -> int:
    try:
        return int(fn() or 0)
    except ModelError as exc:
        print(f"biortrrl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("biortrrl: interrupted; what was recorded so far is on disk", file=sys.stderr)
        return 130


def _run(args) -> int:
    from . import load_model, run
    from .recording.io import open_recording, save

    model = load_model(args.model)
    out = Path(args.out or Path("results") / model.name)
    out.mkdir(parents=True, exist_ok=True)
    stream = out / "recording.zarr"
    if stream.exists():
        shutil.rmtree(stream)
    try:
        ds = run(model, steps=args.steps, seed=args.seed, engine=args.engine, stream_to=stream,
                 progress=True)
    except (KeyboardInterrupt, Exception) as exc:
        partial = getattr(exc, "recording", None)
        if partial is not None and partial.sizes.get("step", 0):
            save(open_recording(stream), out / "recording.nc")
            print(f"biortrrl: run stopped ({type(exc).__name__}: {exc}); partial recording in "
                  f"{out / 'recording.nc'}", file=sys.stderr)
        raise
    save(ds, out / "recording.nc")
    shutil.rmtree(stream, ignore_errors=True)
    figures = _figures(ds, out)
    print(summary(ds))
    print(f"recording: {out / 'recording.nc'}")
    for f in figures:
        print(f"figure:    {f}")
    return 0


def _plot(folder: Path) -> int:
    from .recording.io import open_recording

    path = folder / "recording.nc"
    if not path.exists():
        path = folder / "recording.zarr"
    if not path.exists():
        raise ModelError(f"{folder}: no recording.nc or recording.zarr here")
    ds = open_recording(path)
    for f in _figures(ds, folder):
        print(f"figure: {f}")
    return 0


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
    if "eval_return" in ds:
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
