"""Throughput of training sessions on the toolkit's tasks: compiled closed loop against per tick.

For each model file, one reference-engine session runs in chunks of the compiled closed loop (task,
circuit tick and recording in one call per chunk; :mod:`bioRTRRL.engines.kernels.loop`) and one
runs the per-tick path (Gymnasium's environment stepped from Python every tick), alternately in the
same process, after a warm-up each (compilation, the first recording chunk). Both learn and record
everything their model file records; the figures are env steps per second, wall clock and CPU
(the CPU rate is the steadier one on a shared machine), the best of ``--repeats`` windows of at
least ``--seconds`` each.

Usage::

    python benchmarks/compiled_tasks.py [--seconds 2] [--repeats 3] [--num-envs 1]
"""

from __future__ import annotations

import argparse
import os

import bioRTRRL as br
from bioRTRRL.benchmark import timed_rate
from bioRTRRL.experiment import Session

MODELS = ["models/trace_conditioning.toml", "models/paper_memorychain_8.toml"]


def warm(model, compiled: bool) -> Session:
    session = Session(model, seed=0, compiled=compiled)
    session.advance(model.recording.chunk_steps + 20)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--num-envs", type=int, default=1)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on "
          f"{os.cpu_count()} cores; env steps/s, best of {args.repeats} × {args.seconds:g} s")
    print(f"{'model':<34} {'per tick wall':>14} {'cpu':>9} {'compiled wall':>14} {'cpu':>9} "
          f"{'speed-up (cpu)':>15}")
    for path in MODELS:
        model = br.load_model(path).with_overrides({"task.num_envs": args.num_envs,
                                                    "run.eval_every": 0})
        sessions = {c: warm(model, c) for c in (False, True)}
        assert sessions[True].chunked and not sessions[False].chunked
        best = {c: (0.0, 0.0) for c in sessions}
        for _ in range(args.repeats):  # alternate, so that both see the same machine load
            for c, s in sessions.items():
                wall, cpu = timed_rate(s.advance, args.seconds)
                best[c] = (max(best[c][0], wall * args.num_envs), max(best[c][1], cpu * args.num_envs))
        (tw, tc), (cw, cc) = best[False], best[True]
        name = f"{model.name} (B = {args.num_envs})"
        print(f"{name:<34} {tw:>14,.0f} {tc:>9,.0f} {cw:>14,.0f} {cc:>9,.0f} {cc / tc:>14.1f}×")


if __name__ == "__main__":
    main()
