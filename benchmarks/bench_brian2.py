"""Closed-loop throughput of the Brian2 engine next to the reference engine.

    python benchmarks/bench_brian2.py [--steps 20000] [--target numpy|cython]
                                      [--model models/default.toml] [--repeats 2]

Both engines train the same model (learning on) on one environment; the time of building the
circuit and of the first ``run()`` (code generation) is excluded and reported separately. The two
engines are timed alternately, so a busy machine slows both alike and the ratio stays meaningful;
rates are also given per second of process CPU time, which other processes disturb less.
"""

from __future__ import annotations

import argparse
import time

import bioRTRRL as br
from bioRTRRL.engines.brian2 import build_circuit
from bioRTRRL.experiment import Session


def _rates(advance, steps: int) -> tuple[float, float]:
    """(steps per wall-clock second, steps per CPU second) of ``advance(steps)``."""
    w0, c0 = time.perf_counter(), time.process_time()
    advance(steps)
    return steps / (time.perf_counter() - w0), steps / (time.process_time() - c0)


def bench_reference(model, steps: int, seed: int) -> tuple[float, float]:
    session = Session(model, seed)
    session.advance(500)
    return _rates(session.advance, steps)


def bench_brian2(model, steps: int, seed: int, target: str) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    loop = build_circuit(model, seed, codegen_target=target)
    loop.run(500)
    setup = time.perf_counter() - t0
    return (*_rates(loop.run, steps), setup)


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
        *rates, setup = bench_brian2(model, args.steps, args.seed, args.target)
        b2.append(rates)
        setups.append(setup)
    (rw, rc), (bw, bc) = (tuple(map(max, zip(*x))) for x in (ref, b2))
    print(f"model {model.name}: N = {model.circuit.cortex_size}, task {model.task.env}, "
          f"optimizer {model.optimizer.kind}, clip {model.optimizer.clip_norm}, "
          f"{args.steps} steps, best of {args.repeats}")
    print(f"{'':24s} {'steps/s (wall)':>15s} {'steps/s (CPU)':>15s}")
    print(f"{'reference engine':24s} {rw:15.0f} {rc:15.0f}")
    print(f"{'brian2 engine (' + args.target + ')':24s} {bw:15.0f} {bc:15.0f}   "
          f"build + first run {min(setups):.1f} s")
    print(f"{'ratio brian2 / reference':24s} {bw / rw:15.3f} {bc / rc:15.3f}")


if __name__ == "__main__":
    main()
