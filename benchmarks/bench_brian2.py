"""Closed-loop throughput of the Brian2 engine next to the reference engine.

    python benchmarks/bench_brian2.py [--steps 20000] [--target numpy|cython] [--model models/default.toml]

Both engines train the same model (learning on) on one environment; the time of building the
circuit and of the first ``run()`` (code generation) is excluded and reported separately. The two
engines are timed alternately, so a busy machine slows both alike and the ratio stays meaningful.
"""

from __future__ import annotations

import argparse
import time

import bioRTRRL as br
from bioRTRRL.engines.brian2 import build_circuit
from bioRTRRL.experiment import Session


def bench_reference(model, steps: int, seed: int) -> float:
    session = Session(model, seed)
    session.advance(500)
    t0 = time.perf_counter()
    session.advance(steps)
    return steps / (time.perf_counter() - t0)


def bench_brian2(model, steps: int, seed: int, target: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    loop = build_circuit(model, seed, codegen_target=target)
    loop.run(500)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop.run(steps)
    return steps / (time.perf_counter() - t0), setup


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--target", default="numpy", choices=("numpy", "cython"))
    parser.add_argument("--model", default="models/default.toml")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    model = br.load_model(args.model).with_overrides({"run.eval_every": 0})
    ref, b2, setups = [], [], []
    for _ in range(args.repeats):
        ref.append(bench_reference(model, args.steps, args.seed))
        rate, setup = bench_brian2(model, args.steps, args.seed, args.target)
        b2.append(rate)
        setups.append(setup)
    r, b = max(ref), max(b2)
    print(f"model {model.name}: N = {model.circuit.cortex_size}, task {model.task.env}, "
          f"optimizer {model.optimizer.kind}, {args.steps} steps, best of {args.repeats}")
    print(f"reference engine        {r:9.0f} steps/s")
    print(f"brian2 engine ({args.target:6s})  {b:9.0f} steps/s   "
          f"(build + first run {min(setups):.1f} s)")
    print(f"ratio brian2 / reference {b / r:8.3f}")


if __name__ == "__main__":
    main()
