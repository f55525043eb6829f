"""Throughput of training sessions on the toolkit's tasks: compiled closed loop against per tick.

For each model file, one reference-engine session runs in chunks of the compiled closed loop (task,
circuit tick and recording in one call per chunk; :mod:`bioRTRRL.engines.kernels.loop`) and one
runs the per-tick path (Gymnasium's environment stepped from Python every tick), alternately in the
same process, after a warm-up each (compilation, the first recording chunk). Both learn and record
everything their model file records; the figures are env steps per second, wall clock and CPU
(the CPU rate is the steadier one on a shared machine), the best of ``--repeats`` turns of
``--ticks`` ticks, each on fresh sessions (the models are tuned for their own run length: trace
conditioning's weights diverge after about 90,000 ticks).

Usage::

    python benchmarks/compiled_tasks.py [--ticks 15000] [--repeats 3] [--num-envs 1]
"""

from __future__ import annotations

import argparse
import os
import time

import bioRTRRL as br
from bioRTRRL.experiment import Session

MODELS = ["models/trace_conditioning.toml", "models/paper_memorychain_8.toml"]


def warm(model, compiled: bool) -> Session:
    session = Session(model, seed=0, compiled=compiled)
    session.advance(model.recording.chunk_steps + 20)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--num-envs", type=int, default=1)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on "
          f"{os.cpu_count()} cores; env steps/s, best of {args.repeats} turns of {args.ticks:,} ticks")
    print(f"{'model':<34} {'per tick wall':>14} {'cpu':>9} {'compiled wall':>14} {'cpu':>9} "
          f"{'speed-up (cpu)':>15}")
    for path in MODELS:
        model = br.load_model(path).with_overrides({"task.num_envs": args.num_envs,
                                                    "run.eval_every": 0})
        best = {c: (0.0, 0.0) for c in (False, True)}
        for _ in range(args.repeats):  # alternate, so that both see the same machine load
            for c in best:
                session = warm(model, c)
                assert session.chunked == c
                wall, cpu = time.perf_counter(), time.process_time()
                session.advance(args.ticks)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                steps = args.ticks * args.num_envs
                best[c] = (max(best[c][0], steps / wall), max(best[c][1], steps / cpu))
        (tw, tc), (cw, cc) = best[False], best[True]
        name = f"{model.name} (B = {args.num_envs})"
        print(f"{name:<34} {tw:>14,.0f} {tc:>9,.0f} {cw:>14,.0f} {cc:>9,.0f} {cc / tc:>14.1f}×")


if __name__ == "__main__":
    main()
