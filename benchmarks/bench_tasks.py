"""Throughput of the native vector tasks: environment steps per second.

Each task runs as ``gymnasium.make_vec(id, num_envs, vectorization_mode=
"vector_entry_point")`` with uniformly random actions drawn in advance, so the
figure is the environment's own cost (autoresets included).

Usage::

    python benchmarks/bench_tasks.py [--num-envs 64] [--steps 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

import gymnasium as gym
import numpy as np

import bioRTRRL.tasks  # noqa: F401  (registers the environments)

#: (label, task, kwargs); the paper's sizes for the bsuite tasks.
BENCHMARKS = [
    ("MemoryChain(4)", "MemoryChain", {"memory_length": 4}),
    ("MemoryChain(16)", "MemoryChain", {"memory_length": 16}),
    ("DeepSea(8)", "DeepSea", {"size": 8}),
    ("DeepSea(16)", "DeepSea", {"size": 16}),
    ("UmbrellaChain", "UmbrellaChain", {}),
    ("DiscountingChain", "DiscountingChain", {}),
    ("Catch", "Catch", {}),
    ("TraceConditioning", "TraceConditioning", {}),
    ("ReversalBandit", "ReversalBandit", {}),
    ("DelayedMatch", "DelayedMatch", {}),
]


def steps_per_second(
    task: str, kwargs: dict, num_envs: int, steps: int, repeats: int
) -> tuple[float, float]:
    """Best of ``repeats`` timings of ``steps`` vector steps, in env steps/s.

    Returns wall-clock and process-CPU throughput; they differ when other
    processes compete for the cores, and the CPU figure is then the better
    estimate of the environment's own cost.
    """
    venv = gym.make_vec(
        f"bioRTRRL/{task}-v0", num_envs=num_envs, vectorization_mode="vector_entry_point",
        **kwargs,
    )
    venv.action_space.seed(0)
    actions = [venv.action_space.sample() for _ in range(min(steps, 1000))]
    venv.reset(seed=0)
    wall = cpu = np.inf
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        for i in range(steps):
            venv.step(actions[i % len(actions)])
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
    return steps * num_envs / wall, steps * num_envs / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"native vector envs, {args.num_envs} copies, best of {args.repeats} x "
          f"{args.steps} steps")
    print(f"{'task':<20}{'M steps/s (wall)':>18}{'M steps/s (cpu)':>17}{'us/step (wall)':>16}")
    for label, task, kwargs in BENCHMARKS:
        wall, cpu = steps_per_second(task, kwargs, args.num_envs, args.steps, args.repeats)
        per_step = args.num_envs / wall * 1e6
        print(f"{label:<20}{wall / 1e6:>18.2f}{cpu / 1e6:>17.2f}{per_step:>16.1f}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
