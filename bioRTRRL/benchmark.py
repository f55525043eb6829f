"""Engine throughput: environment steps per second of the closed loop, learning and recording on.

``biortrrl bench`` prints one row per (cortex size N, environments, cortical gradient) with the
throughput of the reference engine, of the Brian2 engine, and their ratio. Throughput is what a
user gets from a training session: environment stepping, the circuit, plasticity, and the recorder
with the default variables at every tick; evaluation is off. One tick of a batch of B environments
counts as B environment steps.

Compile and set-up costs are excluded: the reference engine is timed on
``Session(model, seed).advance(n)`` after a warm-up ``advance``; the Brian2 engine, which builds
its network inside :func:`bioRTRRL.run`, is timed as the difference between two runs of different
lengths, so everything that does not grow with the number of ticks cancels.
"""

from __future__ import annotations

import argparse
import time

from .config import Model, ModelError, load_model
from .experiment import Session, run

__all__ = ["bench_model", "reference_rate", "brian2_rate", "main"]

SIZES = (16, 32, 64)
ENVS = (1, 16)
GRADIENTS = ("rflo", "rtrl")


def bench_model(cortex_size: int, num_envs: int, gradient: str) -> Model:
    """The benchmarked circuit: CartPole, every default recording variable, no evaluation."""
    return load_model({
        "name": f"bench_N{cortex_size}_B{num_envs}_{gradient}",
        "task": {"env": "CartPole-v1", "num_envs": num_envs},
        "circuit": {"cortex_size": cortex_size},
        "learning": {"gradient": gradient},
        "run": {"eval_every": 0},
    })


def reference_rate(model: Model, seconds: float = 1.0) -> float:
    """Ticks per second of the reference engine, timed over at least ``seconds``."""
    session = Session(model, seed=0)
    session.advance(20)  # numba compiles (or loads) every kernel on first use
    ticks = 8
    while True:
        start = time.perf_counter()
        session.advance(ticks)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return ticks / elapsed
        # aim 30 % past the target so the next attempt is very likely the last
        ticks = max(2 * ticks, int(ticks * 1.3 * seconds / max(elapsed, 1e-9)))


def brian2_rate(model: Model, seconds: float = 1.0) -> float:
    """Ticks per second of the Brian2 engine: (extra ticks) / (extra time) of two runs."""
    base = 50
    start = time.perf_counter()
    run(model, steps=base, seed=0, engine="brian2", progress=False)  # also builds code caches
    start = time.perf_counter()
    run(model, steps=base, seed=0, engine="brian2", progress=False)
    t_base = time.perf_counter() - start
    extra = 200
    while True:
        start = time.perf_counter()
        run(model, steps=base + extra, seed=0, engine="brian2", progress=False)
        elapsed = time.perf_counter() - start - t_base
        if elapsed >= seconds:
            return extra / elapsed
        extra = max(2 * extra, int(extra * 1.3 * seconds / max(elapsed, 1e-9)))


def _brian2_available() -> str | None:
    """None when the Brian2 engine imports, else why not."""
    try:
        from .engines import brian2  # noqa: F401
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    """``biortrrl bench``: print the throughput table; returns 0."""
    parser = argparse.ArgumentParser(
        prog="biortrrl bench",
        description="Environment steps per second of both engines (learning and recording on).")
    parser.add_argument("--quick", action="store_true",
                        help="N = 32, RFLO, 1 and 16 environments, 0.5 s per measurement")
    parser.add_argument("--sizes", default=None, help=f"cortex sizes (default {','.join(map(str, SIZES))})")
    parser.add_argument("--envs", default=None, help=f"environment counts (default {','.join(map(str, ENVS))})")
    parser.add_argument("--gradients", default=None, help=f"cortical gradients (default {','.join(GRADIENTS)})")
    parser.add_argument("--engines", default="reference,brian2", help="engines to time")
    parser.add_argument("--seconds", type=float, default=None,
                        help="minimum timed duration per measurement (default 1, --quick 0.5)")
    args = parser.parse_args(argv)
    sizes = _ints(args.sizes) if args.sizes else ((32,) if args.quick else SIZES)
    envs = _ints(args.envs) if args.envs else ENVS
    gradients = tuple(args.gradients.split(",")) if args.gradients else (("rflo",) if args.quick else GRADIENTS)
    seconds = args.seconds if args.seconds is not None else (0.5 if args.quick else 1.0)
    engines = args.engines.split(",")
    unknown = set(engines) - {"reference", "brian2"}
    if unknown:
        raise ModelError(f"--engines: unknown {sorted(unknown)}; choose from reference, brian2")

    brian2_missing = _brian2_available() if "brian2" in engines else "not requested"
    if "brian2" in engines and brian2_missing:
        print(f"Brian2 engine not available ({brian2_missing}): its column reads n/a")
    header = (f"{'N':>4} {'envs':>5} {'gradient':>8} {'reference steps/s':>18} "
              f"{'brian2 steps/s':>15} {'brian2/reference':>17}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        for b in envs:
            for grad in gradients:
                model = bench_model(n, b, grad)
                ref = reference_rate(model, seconds) * b if "reference" in engines else None
                br2 = None
                if not brian2_missing:
                    try:
                        br2 = brian2_rate(model, seconds) * b
                    except (ModelError, NotImplementedError) as exc:  # a setting the engine lacks
                        print(f"  brian2, N={n} envs={b} {grad}: {exc}")
                ratio = f"{br2 / ref:.3g}" if ref and br2 else "n/a"
                print(f"{n:>4} {b:>5} {grad:>8} {_num(ref):>18} {_num(br2):>15} {ratio:>17}", flush=True)
    return 0


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise ModelError(f"expected comma-separated integers, got {text!r}") from None


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}"
