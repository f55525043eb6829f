"""Wall time of an analysis's training, before and after cohorts: analyses/lesions.py's runs.

analyses/lesions.py trains each condition's seeds as one cohort (``bioRTRRL.run_cohort``). Here the
same runs — ``--conditions`` of its conditions × ``--seeds`` seeds × ``--steps`` ticks, its model and
manipulations (``lesions.condition_model``) — are trained three ways in turns in one process, one
worker: one run per seed on the per-tick path (Gymnasium stepped from Python every tick: how the
script trained before the compiled loop and cohorts), one compiled run per seed, and one cohort per
condition (the script's way). Printed: wall-clock and CPU seconds of each, the best of
``--repeats`` turns, and a check that each way's episode returns are the cohort's, bit for bit.

Usage::

    python benchmarks/cohort_analysis.py [--steps 20000] [--seeds 0,1,2,3] [--conditions 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from pathlib import Path

import numpy as np

import bioRTRRL as br
from bioRTRRL.experiment import Session

LESIONS = Path(__file__).resolve().parents[1] / "analyses" / "lesions.py"


def load_lesions():
    spec = importlib.util.spec_from_file_location("lesions", LESIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_by_one(model, seeds, steps, compiled: bool) -> list[np.ndarray]:
    """Each seed its own session; the episode returns of each."""
    out = []
    for seed in seeds:
        session = Session(model, seed, compiled=compiled)
        session.advance(steps, progress=False)
        out.append(session.finish().episode_return.values)
    return out


def cohort(model, seeds, steps) -> list[np.ndarray]:
    ds = br.run_cohort(model, seeds=seeds, steps=steps, progress=False)
    return [ds.sel(seed=s).episode_return.dropna("completed_episode").values for s in seeds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--conditions", type=int, default=2,
                        help="the first this many of analyses/lesions.py's conditions")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    lesions = load_lesions()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = list(lesions.CONDITIONS)[:args.conditions]
    models = [lesions.condition_model(n, args.steps) for n in names]
    ways = {
        "per-tick path, one run per seed": lambda m, n: one_by_one(m, seeds, n, False),
        "compiled loop, one run per seed": lambda m, n: one_by_one(m, seeds, n, True),
        "cohort per condition": lambda m, n: cohort(m, seeds, n),
    }
    for way in ways.values():  # warm-up: compilation, xarray's first imports
        way(lesions.condition_model(names[0], 2_000), 2_000)
    best = {w: (np.inf, np.inf) for w in ways}
    returns = {}
    load = os.getloadavg()[0]
    for _ in range(args.repeats):  # in turns: the machine's speed drifts
        for w, way in ways.items():
            wall, cpu = time.perf_counter(), time.process_time()
            returns[w] = [r for m in models for r in way(m, args.steps)]
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[w] = (min(best[w][0], wall), min(best[w][1], cpu))
    ref = returns["cohort per condition"]
    print(f"analyses/lesions.py's training: {len(names)} conditions ({', '.join(names)}) × "
          f"{len(seeds)} seeds × {args.steps:,} ticks, one worker; best of {args.repeats} turns; "
          f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} cores)")
    print(f"{'':34s} {'wall s':>8s} {'CPU s':>8s} {'returns = cohort':>17s}")
    for w, (wall, cpu) in best.items():
        same = all(np.array_equal(a, b) for a, b in zip(returns[w], ref))
        print(f"{w:34s} {wall:8.2f} {cpu:8.2f} {str(same):>17s}")


if __name__ == "__main__":
    main()
