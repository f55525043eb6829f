"""Reference-engine throughput in windows: env steps per second of a training session.

``biortrrl bench`` times one window per setting; on a shared or virtual machine single windows
scatter by ±15 %. This script times several consecutive windows of ``Session.advance`` after a
warm-up past the first recording chunk, and prints each window, its CPU-time rate and the best,
so the spread is visible. Model: :func:`bioRTRRL.benchmark.bench_model` (CartPole, learning and
recording on, no evaluation).

Usage::

    python benchmarks/bench_reference.py [--envs 1,16] [--gradient rflo] [--size 32]
                                         [--windows 4] [--ticks 40000]
"""

from __future__ import annotations

import argparse
import os
import time

from bioRTRRL.benchmark import bench_model, warm_session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envs", default="1,16")
    parser.add_argument("--gradient", default="rflo")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--windows", type=int, default=4)
    parser.add_argument("--ticks", type=int, default=40_000,
                        help="env steps per window (divided among the envs)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for b in (int(x) for x in args.envs.split(",")):
        model = bench_model(args.size, b, args.gradient)
        session = warm_session(model)
        ticks = max(args.ticks // b, 100)
        rates = []
        for _ in range(args.windows):
            wall, cpu = time.perf_counter(), time.process_time()
            session.advance(ticks)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rates.append(ticks * b / wall)
            print(f"N={args.size} envs={b:<3d} {args.gradient}: {rates[-1]:9,.0f} env steps/s wall "
                  f"{ticks * b / cpu:9,.0f} CPU", flush=True)
        print(f"N={args.size} envs={b:<3d} {args.gradient}: best {max(rates):,.0f}, "
              f"median {sorted(rates)[len(rates) // 2]:,.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
