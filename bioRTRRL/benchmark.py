"""Engine throughput: environment steps per second of the closed loop, learning and recording on.

``biortrrl bench`` (``make bench``) prints three parts.

0. The compiled closed loop of the reference engine (:mod:`bioRTRRL.engines.kernels.loop`) against
   its targets, N = 32, RFLO, CartPole, learning and recording on: one circuit, a batch of 16
   environments sharing one circuit's weights, and a cohort of 16 independent circuits, with the
   per-tick path of one circuit beside them; the median of several turns of each (CPU time), the
   compiled learning rule's own cost per env step (:func:`bioRTRRL.engines.kernels.loop.ticks_only`)
   and the share of the step spent outside it; the cohort's ceiling if Adam's step were reduced to its
   square roots and divisions; and the start-up (import, then compiling or loading
   every kernel) with an empty and with a filled numba cache, each in a fresh process.
1. The Brian2 engine next to the reference engine on the bench model (N = 32, one CartPole,
   learning and recording on): env steps per second of each, timed in turns within one process
   (the best of several turns each: other jobs slow every engine alike, and the best turn is the
   one they disturbed least), the Brian2/reference ratio for the Cython and the NumPy target, and
   the Brian2 engine's start-up: the first run with an empty code cache (cold: every code object
   compiled) and a run in a fresh process with the cache filled (warm), each in a subprocess.
2. One row per (cortex size N, environments, cortical gradient) with the throughput of the
   reference engine, of the Brian2 engine, and their ratio.

Throughput is what a user gets from a training session: environment stepping, the circuit,
plasticity, and the recorder with the default variables at every tick; evaluation is off. One tick
of a batch of B environments counts as B environment steps. Compile and set-up costs are excluded:
the reference engine is timed on ``Session(model, seed).advance(n)`` after a warm-up ``advance``
(numba compilation), the Brian2 engine on ``build_circuit(model, seed).run(n)`` after a warm-up
``run`` (code generation), its ticks timed from the start of the first to the end of the last by
two network operations (each ``run()`` call first prepares the network, which a training session
pays once). Rates are per wall-clock second and per second of process CPU time; on a machine
shared with other jobs the CPU rate is the steadier one, and the ratios are taken on it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from .config import Model, ModelError, load_model
from .experiment import Session

__all__ = ["closed_loop_report", "loop_start_times", "bench_model", "timed_rate", "warm_session", "reference_rate", "brian2_rate",
           "side_by_side", "start_times", "main"]

SIZES = (16, 32, 64)
ENVS = (1, 16)
GRADIENTS = ("rflo", "rtrl")
#: Start-up of the Brian2 engine: ticks of the first run.
FIRST_TICKS = 20


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


class _TickTimer:
    """Two network operations timing a run's ticks: from the start of its first tick to the end
    of its last (the network's preparation by ``run()`` falls outside)."""

    def __init__(self, loop):
        from brian2 import NetworkOperation

        self.ops = [NetworkOperation(self._start, clock=loop.circuit.clock, when="start",
                                     order=-1000, name="bench_tick_start"),
                    NetworkOperation(self._end, clock=loop.circuit.clock, when="end",
                                     order=1000, name="bench_tick_end")]
        loop.network.add(*self.ops)
        self.loop = loop

    def _start(self):
        if self.first is None:
            self.first = (time.perf_counter(), time.process_time())

    def _end(self):
        self.ticks += 1
        self.last = (time.perf_counter(), time.process_time())

    def advance(self, ticks: int) -> tuple[float, float]:
        """(wall, CPU) seconds of ``ticks`` ticks."""
        self.first, self.last, self.ticks = None, None, 0
        self.loop.run(ticks, progress=False)
        return self.last[0] - self.first[0], self.last[1] - self.first[1]


def warm_loop(model: Model, codegen_target: str | None = None):
    """A Brian2 closed loop past its first run (code generation, compilation), and its timer."""
    from .engines.brian2 import build_circuit

    loop = build_circuit(model, 0, codegen_target=codegen_target)
    loop.run(FIRST_TICKS, progress=False)
    return _TickTimer(loop)


def brian2_rate(model: Model, seconds: float = 1.0, codegen_target: str | None = None,
                timer=None) -> tuple[float, float]:
    """(wall, CPU) ticks per second of the Brian2 engine on a training session.

    Raises
    ------
    ModelError
        For a setting the Brian2 engine does not implement (e.g. RTRL, several environments).
    """
    timer = timer or warm_loop(model, codegen_target)
    ticks = 200
    while True:
        wall, cpu = timer.advance(ticks)
        if wall >= seconds:
            return ticks / wall, ticks / max(cpu, 1e-9)
        ticks = max(2 * ticks, int(ticks * 1.3 * seconds / max(wall, 1e-9)))


def side_by_side(model: Model, targets=("cython", "numpy"), seconds: float = 2.0,
                 repeats: int = 3) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) rate of the reference engine and of each Brian2 target, timed in turns
    within this process ``repeats`` times."""
    session = warm_session(model)
    timers = {t: warm_loop(model, t) for t in targets}
    rates = {name: [] for name in ("reference", *targets)}
    for _ in range(repeats):
        rates["reference"].append(timed_rate(session.advance, seconds))
        for t in targets:
            rates[t].append(brian2_rate(model, seconds, timer=timers[t]))
    return {name: tuple(map(max, zip(*r))) for name, r in rates.items()}


_START_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
import bioRTRRL
from bioRTRRL.benchmark import bench_model
from bioRTRRL.engines.brian2 import build_circuit
t1 = time.perf_counter()
loop = build_circuit(bench_model(32, 1, "rflo"), 0, codegen_target=sys.argv[1])
t2 = time.perf_counter()
loop.run(int(sys.argv[2]), progress=False)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "first_run": t3 - t2, "total": t3 - t0,
                  "target": loop.circuit.populations["cortex"].codeobj_class.class_name}))
"""


def start_times(codegen_target: str = "auto", cache: str | None = None) -> dict[str, float]:
    """Start-up of the Brian2 engine in a fresh process: seconds to import, to build the bench
    circuit, and for its first run of :data:`FIRST_TICKS` ticks (code generation and, with an
    empty ``cache``, compilation included), and in total (process start excluded).

    ``cache`` is the Cython cache directory to use (default: the engine's own).
    """
    env = dict(os.environ)
    if cache is not None:
        env["BIORTRRL_BRIAN2_CACHE"] = str(cache)
    out = subprocess.run([sys.executable, "-c", _START_SCRIPT, codegen_target, str(FIRST_TICKS)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def brian2_report(seconds: float = 2.0, repeats: int = 3, startup: bool = True) -> None:
    """Print part 1: the Brian2 engine next to the reference engine, and its start-up."""
    from .engines.brian2 import backend

    model = bench_model(32, 1, "rflo")
    targets = ("cython", "numpy") if backend.cython_available() else ("numpy",)
    load = os.getloadavg()[0]
    best = side_by_side(model, targets, seconds, repeats)
    print(f"Brian2 engine, {model.task.env} with N = {model.circuit.cortex_size}, one environment, "
          f"learning and recording on (optimizer {model.optimizer.kind}, clip "
          f"{model.optimizer.clip_norm:g}); best of {repeats} turns of {seconds:g} s each; load "
          f"average {load:.2f} before, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores)")
    print(f"{'':22s} {'steps/s (wall)':>15s} {'steps/s (CPU)':>15s} {'Brian2/reference (CPU)':>23s}")
    ref_cpu = best["reference"][1]
    for name, (wall, cpu) in best.items():
        label = name if name == "reference" else f"brian2 ({name})"
        ratio = "" if name == "reference" else f"{cpu / ref_cpu:.3f}"
        print(f"{label:22s} {wall:15,.0f} {cpu:15,.0f} {ratio:>23s}", flush=True)
    if not startup:
        return
    target = targets[0]
    with tempfile.TemporaryDirectory(prefix="biortrrl-brian2-cache-") as cache:
        load = os.getloadavg()[0]
        cold = start_times(target, cache)
        warm = start_times(target, cache)
    print(f"start-up ({target} target, in a fresh process; load average {load:.2f}):")
    for label, t in (("cold (empty code cache)", cold), ("warm (cache filled)", warm)):
        print(f"  {label:24s} import {t['import']:5.1f} s, build {t['build']:5.1f} s, first "
              f"{FIRST_TICKS} ticks {t['first_run']:6.1f} s: build + first run "
              f"{t['build'] + t['first_run']:6.1f} s, with imports {t['total']:6.1f} s",
              flush=True)
    print()


#: The closed loop's targets (issue "cohorts and a compiled closed loop"), env steps per CPU second.
TARGETS = {"one circuit": 110_000, "batch of 16 (shared weights)": 180_000,
           "cohort of 16 animals": 180_000}
#: Largest share of an env tick spent outside the compiled learning rule.
OUTSIDE_TARGET = 0.20


def _rule_cost(session: Session, env_steps: int = 20_000) -> float:
    """CPU seconds per env tick of the compiled learning rule alone on ``session``'s circuit
    (:func:`bioRTRRL.engines.kernels.loop.ticks_only`: no task, no recording, no Python)."""
    from .engines.kernels.loop import ticks_only

    eng, d = session.engine, session.driver
    if not session._started:
        session.advance(1)
    args = eng.kernel_args(d.obs, d.reward, d.terminated, d.truncated, d.fresh)
    d.fresh[:] = d.terminated[:] = d.truncated[:] = False  # every env learns on every tick
    ticks = max(1, env_steps // d.num_envs)
    cpu = time.process_time()
    ticks_only(ticks, *args)
    return (time.process_time() - cpu) / (ticks * d.num_envs)


def _adam_cost(session: Session, steps: int = 5_000) -> tuple[float, float]:
    """CPU seconds per step of ``session``'s optimizer alone
    (:func:`bioRTRRL.engines.kernels.loop.optimizer_only`) and of its square roots and divisions
    alone (:func:`bioRTRRL.engines.kernels.loop.divider_floor`), on a copy of its weights."""
    from .engines.kernels.loop import divider_floor, optimizer_only

    eng, d = session.engine, session.driver
    if not session._started:
        session.advance(1)
    cfg, circuit, _, opt, _, work = eng.kernel_args(d.obs, d.reward, d.terminated, d.truncated,
                                                    d.fresh)
    out = []
    for fn, args in ((optimizer_only, (cfg, circuit.theta.copy(), circuit, opt, work)),
                     (divider_floor, (circuit.theta.copy(), opt, work))):
        fn(1, *args)  # compile or load
        cpu = time.process_time()
        fn(steps, *args)
        out.append((time.process_time() - cpu) / steps)
    return out[0], out[1]


def closed_loop_report(seconds: float = 1.0, repeats: int = 5, startup: bool = True) -> dict:
    """Print part 0: the compiled closed loop against its targets (N = 32, RFLO, CartPole,
    learning and recording on) and the per-tick path of one circuit for comparison.

    The settings are timed in turns, ``repeats`` times; the medians are reported (the machine may
    be shared and drift). Beside each total, the compiled learning rule's own cost per env tick
    and the share of the tick spent outside it (task, recording, Python). Below the table, Adam's
    step alone and its square roots and divisions alone (the part no bit-identical rewrite
    removes), and the cohort's rate if its optimizer cost only those.

    Returns
    -------
    dict
        Setting → (median env steps per wall second, per CPU second, rule's CPU s per env tick).
    """
    from .cohort import Cohort

    one, batch = bench_model(32, 1, "rflo"), bench_model(32, 16, "rflo")
    # Each animal of a cohort pays its own optimizer step. With Adam that step's square root and
    # division per parameter are a floor no bit-identical rewrite removes; the same cohort with
    # plain SGD shows what the cohort machinery itself sustains.
    sgd = one.with_overrides({"optimizer.kind": "sgd"})
    settings = {
        "one circuit, per-tick path": (warm_session_of(Session(one, 0, compiled=False)), 1),
        "one circuit": (warm_session_of(Session(one, 0)), 1),
        "batch of 16 (shared weights)": (warm_session_of(Session(batch, 0)), 16),
        "cohort of 16 animals": (warm_session_of(Cohort(one, range(16))), 16),
        "cohort of 16 animals, SGD": (warm_session_of(Cohort(sgd, range(16))), 16),
    }
    probes = {"one circuit": Session(one, 1), "batch of 16 (shared weights)": Session(batch, 1),
              "cohort of 16 animals, SGD": Session(sgd, 1)}
    rules = {name: [] for name in probes}
    adam = []
    rates = {name: [] for name in settings}
    load = os.getloadavg()[0]
    for _ in range(repeats):  # in turns, the rule's cost too: the machine's speed drifts
        for name, (runner, envs) in settings.items():
            wall, cpu = timed_rate(runner.advance, seconds)
            rates[name].append((wall * envs, cpu * envs))
        for name, probe in probes.items():
            rules[name].append(_rule_cost(probe))
        adam.append(_adam_cost(probes["one circuit"]))
    rule = {name: float(np.median(r)) for name, r in rules.items()}
    rule["one circuit, per-tick path"] = rule["cohort of 16 animals"] = rule["one circuit"]
    print(f"Compiled closed loop, CartPole-v1, N = 32, RFLO, learning and recording on; median of "
          f"{repeats} turns; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} cores)")
    header = (f"{'':30s} {'steps/s (wall)':>15s} {'steps/s (CPU)':>14s} {'target':>8s} "
              f"{'rule µs/step':>13s} {'outside rule':>13s}")
    print(header)
    out = {}
    for name, r in rates.items():
        wall, cpu = (float(np.median(x)) for x in zip(*r))
        outside = 1.0 - rule[name] * cpu
        target = TARGETS.get(name)
        mark = "" if target is None else f"{cpu / target:7.0%}"
        print(f"{name:30s} {wall:15,.0f} {cpu:14,.0f} {mark:>8s} {rule[name] * 1e6:13.2f} "
              f"{outside:12.0%}{'' if outside <= OUTSIDE_TARGET or 'per-tick' in name else ' >'}")
        out[name] = (wall, cpu, rule[name])
    step, floor = (float(np.median(x)) for x in zip(*adam))
    animal = 1.0 / out["cohort of 16 animals"][1]
    ceiling = 1.0 / (animal - step + floor)
    print(f"cohort: Adam's step alone {step * 1e6:.2f} µs per animal and tick, of which its square "
          f"roots and divisions (packed) take {floor * 1e6:.2f} µs, which no bit-identical rewrite "
          f"removes; an optimizer reduced to them would leave the cohort at {ceiling:,.0f} env "
          f"steps/s ({ceiling / TARGETS['cohort of 16 animals']:.0%} of the target)")
    base = out["one circuit, per-tick path"][1]
    print(f"one circuit: compiled / per-tick path (CPU) = {out['one circuit'][1] / base:.2f}; "
          f"target column = CPU rate / target; 'outside rule' = share of the env step spent in "
          f"the task, the recording and Python (target ≤ {OUTSIDE_TARGET:.0%})")
    if startup:
        with tempfile.TemporaryDirectory(prefix="biortrrl-numba-cache-") as cache:
            cold = loop_start_times(cache)
            warm = loop_start_times(cache)
        for label, t in (("cold (empty numba cache)", cold), ("warm (cache filled)", warm)):
            print(f"start-up, {label:24s} import {t['import']:5.1f} s, session + first "
                  f"{LOOP_FIRST_TICKS} ticks (compile or load) {t['first']:6.1f} s, total "
                  f"{t['import'] + t['first']:6.1f} s", flush=True)
    print()
    return out


def warm_session_of(runner):
    """``runner`` (a Session or a Cohort) past its one-time costs, as :func:`warm_session`."""
    model = runner.sessions[0].model if hasattr(runner, "sessions") else runner.model
    runner.advance(model.recording.chunk_steps + 20)
    return runner


#: Start-up of the closed loop: ticks of the first advance (the first compiled chunk included).
LOOP_FIRST_TICKS = 2_000

_LOOP_START_SCRIPT = """
import json, time
t0 = time.perf_counter()
import bioRTRRL
from bioRTRRL.benchmark import bench_model
from bioRTRRL.experiment import Session
t1 = time.perf_counter()
Session(bench_model(32, 1, "rflo"), 0).advance(%d)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1}))
"""


def loop_start_times(cache: str) -> dict[str, float]:
    """Seconds to import bioRTRRL and for a session's first :data:`LOOP_FIRST_TICKS` ticks (numba
    compiling, or loading from ``cache``, every kernel and the closed loop), in a fresh process
    with ``NUMBA_CACHE_DIR=cache``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", _LOOP_START_SCRIPT % LOOP_FIRST_TICKS], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _brian2_available() -> str | None:
    """None when the Brian2 engine imports, else why not."""
    try:
        from .engines import brian2  # noqa: F401
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    """``biortrrl bench``: print the Brian2 comparison and the throughput table; returns 0."""
    parser = argparse.ArgumentParser(
        prog="biortrrl bench",
        description="Environment steps per second of both engines (learning and recording on).")
    parser.add_argument("--quick", action="store_true",
                        help="N = 32, RFLO, 1 and 16 environments, 0.5 s per measurement, no "
                             "start-up times")
    parser.add_argument("--sizes", default=None, help=f"cortex sizes (default {','.join(map(str, SIZES))})")
    parser.add_argument("--envs", default=None, help=f"environment counts (default {','.join(map(str, ENVS))})")
    parser.add_argument("--gradients", default=None, help=f"cortical gradients (default {','.join(GRADIENTS)})")
    parser.add_argument("--engines", default="reference,brian2", help="engines to time")
    parser.add_argument("--target", choices=["auto", "numpy", "cython"], default="auto",
                        help="Brian2 code-generation target of the table")
    parser.add_argument("--seconds", type=float, default=None,
                        help="minimum timed duration per measurement (default 1, --quick 0.5)")
    parser.add_argument("--no-startup", action="store_true",
                        help="skip the start-up times (the cold starts compile for a minute or more)")
    args = parser.parse_args(argv)
    sizes = _ints(args.sizes) if args.sizes else ((32,) if args.quick else SIZES)
    envs = _ints(args.envs) if args.envs else ENVS
    gradients = tuple(args.gradients.split(",")) if args.gradients else (("rflo",) if args.quick else GRADIENTS)
    seconds = args.seconds if args.seconds is not None else (0.5 if args.quick else 1.0)
    engines = args.engines.split(",")
    unknown = set(engines) - {"reference", "brian2"}
    if unknown:
        raise ModelError(f"--engines: unknown {sorted(unknown)}; choose from reference, brian2")

    if "reference" in engines:
        closed_loop_report(seconds=seconds, repeats=3 if args.quick else 5,
                           startup=not (args.quick or args.no_startup))
    brian2_missing = _brian2_available() if "brian2" in engines else "not requested"
    if "brian2" in engines and brian2_missing:
        print(f"Brian2 engine not available ({brian2_missing}): its column reads n/a")
    if not brian2_missing and "reference" in engines:
        brian2_report(seconds=2 * seconds, repeats=2 if args.quick else 3,
                      startup=not (args.quick or args.no_startup))
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
