"""Engine throughput: environment steps per second of the closed loop, learning and recording on.

``biortrrl bench`` prints one row per (cortex size N, environments, cortical gradient) with the
throughput of the reference engine, of the Brian2 engine, and their ratio. Throughput is what a
user gets from a training session: environment stepping, the circuit, plasticity, and the recorder
with the default variables at every tick; evaluation is off. One tick of a batch of B environments
counts as B environment steps.

Compile and set-up costs are excluded: the reference engine is timed on
``Session(model, seed).advance(n)`` after a warm-up ``advance`` (numba compilation), the Brian2
engine on ``build_circuit(model, seed).run(n)`` after a warm-up ``run`` (code generation), its
ticks timed by Brian2's own clock of the simulation loop (each ``run()`` call first prepares the
network, about half a second that a training session pays once). The ratio is given per
wall-clock second and per second of process CPU time; on a machine shared with other jobs the CPU
ratio is the steadier one.
"""

from __future__ import annotations

import argparse
import time

from .config import Model, ModelError, load_model
from .experiment import Session

__all__ = ["bench_model", "timed_rate", "warm_session", "reference_rate", "brian2_rate", "main"]

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


def timed_rate(advance, seconds: float = 1.0) -> tuple[float, float]:
    """Ticks per second of ``advance(n)``, timed over at least ``seconds`` of wall time.

    Parameters
    ----------
    advance : callable
        ``advance(n)`` simulates n more ticks.
    seconds : float
        Minimum wall time of the measured ticks.

    Returns
    -------
    (float, float)
        Ticks per wall-clock second and per second of this process's CPU time. On a machine shared
        with other jobs the CPU rate is the steadier one.
    """
    ticks = 8
    while True:
        wall, cpu = time.perf_counter(), time.process_time()
        advance(ticks)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if wall >= seconds:
            return ticks / wall, ticks / max(cpu, 1e-9)
        # aim 30 % past the target so the next attempt is very likely the last
        ticks = max(2 * ticks, int(ticks * 1.3 * seconds / max(wall, 1e-9)))


def warm_session(model: Model) -> Session:
    """A reference training session past its one-time costs, ready to be timed."""
    session = Session(model, seed=0)
    # numba compiles (or loads) every kernel on first use, and the first recording chunk imports
    # xarray's optional backends (about 1 s, once per process): both belong to the warm-up
    session.advance(model.recording.chunk_steps + 20)
    return session


def reference_rate(model: Model, seconds: float = 1.0) -> tuple[float, float]:
    """(wall, CPU) ticks per second of the reference engine on a training session."""
    return timed_rate(warm_session(model).advance, seconds)


def brian2_rate(model: Model, seconds: float = 1.0, codegen_target: str = "numpy") -> tuple[float, float]:
    """(wall, CPU) ticks per second of the Brian2 engine on a training session.

    Every ``run()`` call first prepares the network (code objects, namespaces: about half a second)
    and a training session pays that once, so the ticks are timed by Brian2 itself: the wall time
    of its simulation loop (``device._last_run_time``). The CPU time of the preparation is taken
    to equal its wall time (it is single-threaded) and subtracted.

    Raises
    ------
    ModelError
        For a setting the Brian2 engine does not implement (e.g. RTRL, several environments).
    """
    from brian2 import get_device

    from .engines.brian2 import build_circuit

    loop = build_circuit(model, 0, codegen_target=codegen_target)
    loop.run(20)  # code generation happens in the first run()
    ticks = 200
    while True:
        wall, cpu = time.perf_counter(), time.process_time()
        loop.run(ticks)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        ticking = get_device()._last_run_time
        if ticking >= seconds:
            return ticks / ticking, ticks / max(cpu - (wall - ticking), 1e-9)
        ticks = max(2 * ticks, int(ticks * 1.3 * seconds / max(ticking, 1e-9)))


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
    parser.add_argument("--target", choices=["numpy", "cython"], default="numpy",
                        help="Brian2 code-generation target")
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
              f"{'brian2 steps/s':>15} {'brian2/ref (wall)':>18} {'brian2/ref (CPU)':>17}")
    print(header)
    print("-" * len(header))
    unsupported = {}
    for n in sizes:
        for b in envs:
            for grad in gradients:
                model = bench_model(n, b, grad)
                ref = reference_rate(model, seconds) if "reference" in engines else None
                br2 = None
                if not brian2_missing:
                    try:
                        br2 = brian2_rate(model, seconds, args.target)
                    except ModelError as exc:  # a setting the Brian2 engine does not implement
                        unsupported.setdefault(str(exc).split(":")[0], str(exc))
                # one tick of a batch of b environments is b environment steps
                cells = [_num(None if r is None else r[0] * b) for r in (ref, br2)]
                ratios = [f"{br2[i] / ref[i]:.3g}" if ref and br2 else "n/a" for i in (0, 1)]
                print(f"{n:>4} {b:>5} {grad:>8} {cells[0]:>18} {cells[1]:>15} {ratios[0]:>18} "
                      f"{ratios[1]:>17}", flush=True)
    for reason in unsupported.values():
        print(f"brian2 n/a: {reason}")
    return 0


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise ModelError(f"expected comma-separated integers, got {text!r}") from None


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}"
