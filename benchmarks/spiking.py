"""Throughput of the spiking (LIF) cortex: env steps per second, both engines side by side.

N = 64 LIF units, 10 neural steps of 1 ms per 10 ms env step, e-prop learning on, CartPole with
velocities only (models/cartpole_velocities.toml with ``circuit.unit = "lif"``), recording on, one
env, the whole closed loop (environment, circuit, recording) timed after a warm-up.

Usage:  python benchmarks/spiking.py [--steps 20000] [--brian2-steps 3000]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import bioRTRRL as br  # noqa: E402
from bioRTRRL.experiment import Session  # noqa: E402

MODEL = Path(__file__).resolve().parents[1] / "models" / "cartpole_velocities.toml"
OVERRIDES = {"circuit.unit": "lif", "circuit.cortex_size": 64, "circuit.env_dt_ms": 10.0,
             "circuit.neural_dt_ms": 1.0, "circuit.input_adaptation": False, "run.eval_every": 0}


def rate(engine: str, steps: int, unit: str = "lif") -> tuple[float, float]:
    """Env steps per second of ``engine`` over ``steps`` steps (after 200 warm-up steps), by the
    wall clock and by this process's CPU time (what one free core would give on a shared machine)."""
    model = br.load_model(MODEL).with_overrides({**OVERRIDES, "circuit.unit": unit})
    s = Session(model, 0, engine=engine)
    s.advance(200, progress=False)
    t0, c0 = time.perf_counter(), time.process_time()
    s.advance(steps, progress=False)
    return steps / (time.perf_counter() - t0), steps / (time.process_time() - c0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--brian2-steps", type=int, default=3_000)
    args = parser.parse_args(argv)
    rows = [("reference, tanh (for comparison)", rate("reference", args.steps, "tanh"), None),
            ("reference, LIF", rate("reference", args.steps), 5000),
            ("brian2 (cython), LIF", rate("brian2", args.brian2_steps), 500)]
    print("N = 64 cortical units, 10 neural steps of 1 ms per env step (LIF), CartPole velocities, "
          "learning and recording on; env steps/s")
    print(f"  {'':34} {'wall clock':>10} {'CPU time':>10}  target")
    for name, (wall, cpu), target in rows:
        print(f"  {name:34} {wall:10.0f} {cpu:10.0f}  {'' if target is None else f'>= {target}'}")


if __name__ == "__main__":
    main()
