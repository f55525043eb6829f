"""Closed-loop throughput of the Brian2 engine next to the reference engine, its start-up, and
where a tick goes.

    python benchmarks/bench_brian2.py [--seconds 2] [--targets cython,numpy] [--repeats 3]
                                      [--model PATH] [--startup] [--profile]

Both engines train the model of ``biortrrl bench`` (N = 32, one CartPole, learning and recording
on, global-norm clip 1) unless ``--model`` names another; compile and network-preparation costs
are excluded (:mod:`bioRTRRL.benchmark`). The engines are timed in turns within this process,
``--repeats`` times, and the best rate of each is kept: other jobs on the machine slow every
engine alike, and the best of several turns is the one they disturbed least. The load average is
printed with the table.

``--startup`` adds the start-up of the Brian2 engine in fresh processes, first with an empty code
cache (cold), then with the cache it filled (warm). ``--profile`` adds the per-tick cost of every
Brian2 object (code objects and the loop's network operations), from Brian2's profiling.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import bioRTRRL as br
from bioRTRRL.benchmark import bench_model, side_by_side, start_times
from bioRTRRL.engines.brian2 import build_circuit


def profile(model, target: str, ticks: int) -> None:
    """Print the mean cost per tick of every object of the Brian2 network."""
    loop = build_circuit(model, 0, codegen_target=target)
    loop.run(20, progress=False)
    loop.run(ticks, progress=False, profile=True)
    info = sorted(((name, float(t)) for name, t in loop.network.profiling_info),
                  key=lambda x: -x[1])
    total = sum(t for _, t in info)
    print(f"\nper-tick profile, {target} target, {ticks} ticks: {total / ticks * 1e6:.0f} µs "
          f"a tick in {len(info)} objects (wall time, profiling overhead included)")
    for name, t in info:
        if t / ticks >= 0.5e-6:  # the groups' own (empty) run calls are left out
            print(f"  {name:56s} {loop.network[name].when:12s} {t / ticks * 1e6:7.1f} µs")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timed duration per turn")
    parser.add_argument("--targets", default="cython,numpy",
                        help="Brian2 code-generation targets, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default=None, help="a model file instead of the bench model")
    parser.add_argument("--startup", action="store_true", help="cold and warm start-up times")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    model = (bench_model(32, 1, "rflo") if args.model is None
             else br.load_model(args.model).with_overrides({"run.eval_every": 0}))
    targets = args.targets.split(",")
    load = os.getloadavg()[0]
    best = side_by_side(model, targets, args.seconds, args.repeats)
    print(f"model {model.name}: N = {model.circuit.cortex_size}, task {model.task.env}, "
          f"optimizer {model.optimizer.kind}, clip {model.optimizer.clip_norm}; best of "
          f"{args.repeats} turns of {args.seconds:g} s; load average {load:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores)")
    print(f"{'':24s} {'steps/s (wall)':>15s} {'steps/s (CPU)':>15s} {'/ reference (CPU)':>18s}")
    ref_cpu = best["reference"][1]
    for name, (wall, cpu) in best.items():
        label = name if name == "reference" else f"brian2 ({name})"
        print(f"{label:24s} {wall:15,.0f} {cpu:15,.0f} {cpu / ref_cpu:18.3f}")
    if args.startup:
        for target in targets:
            with tempfile.TemporaryDirectory(prefix="biortrrl-brian2-cache-") as cache:
                for label in ("cold", "warm"):
                    t = start_times(target, cache)
                    print(f"start-up {target} {label}: import {t['import']:.1f} s, build "
                          f"{t['build']:.1f} s, first run {t['first_run']:.1f} s, total "
                          f"{t['total']:.1f} s")
    if args.profile:
        for target in targets:
            profile(model, target, 3000)


if __name__ == "__main__":
    main()
