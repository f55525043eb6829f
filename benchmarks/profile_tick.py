"""Where the compiled learning rule spends its time: each part of :func:`kernels.tick` timed alone.

The bench circuit (:func:`bioRTRRL.benchmark.bench_model`: N = 32, RFLO, CartPole, one env) is
warmed up in a training session; then each unit of the tick is called ``--reps`` times in one
compiled loop on that circuit's own arrays, and the whole tick the same way
(:func:`bioRTRRL.engines.kernels.loop.ticks_only`). Printed: µs per call of each part (median of
``--turns`` turns, CPU time), their sum, and the whole tick; under the optimizer, its square
roots and divisions alone (:func:`bioRTRRL.engines.kernels.loop.divider_floor`), the share no
bit-identical rewrite of Adam's step removes. The parts change the arrays they
write (a throw-away session's), which does not change their cost.

Usage::

    python benchmarks/profile_tick.py [--reps 20000] [--turns 5] [--envs 1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bioRTRRL.benchmark import bench_model
from bioRTRRL.engines.kernels import (cortical_signal, dopamine, forward, heads,
                                      readout_gradient, rflo_step, tick)
from bioRTRRL.engines.kernels._jit import njit
from bioRTRRL.engines.kernels.loop import divider_floor, optimizer_only, ticks_only
from bioRTRRL.engines.kernels.td import accumulate
from bioRTRRL.experiment import Session


@njit
def _forward(n, cfg, circuit, state, work):
    c = cfg[0]
    for _ in range(n):
        forward(circuit.theta, c.N, c.Z, state.xi[0], state.h[0], c.dt, circuit.unit_mask,
                work.scratch[0], work.scratch[1], work.scratch[2], c.unit_model)


@njit
def _heads(n, cfg, circuit, state, io, work):
    c = cfg[0]
    v = 0.0
    for _ in range(n):
        v += heads(circuit.theta, c.N, c.Z, c.P, c.A, c.actor, state.h[0], circuit.lo, circuit.hi,
                   circuit.bounded, io.noise_u[0, 0], io.noise_n[0, 0], False, False,
                   work.head_scratch[0], work.head_scratch[1], work.head_scratch[2],
                   io.action_out[0], state.action_in[0], False, 1.0, 1.0, state.xi[0], False)
    return v


@njit
def _signal(n, cfg, circuit, work):
    c = cfg[0]
    for _ in range(n):
        cortical_signal(circuit.fb_a, circuit.fb_c, c.N, c.P, c.eta_pi, work.head_scratch[1],
                        work.scratch[3], True, 1.0)


@njit
def _dopamine(n, cfg):
    c = cfg[0]
    s = 0.0
    for i in range(n):
        s += dopamine(c, 1.0, False, 0.5 + 1e-9 * i, 0.4, 0.0)
    return s


@njit
def _rflo(n, cfg, circuit, state, work):
    c = cfg[0]
    xb = state.xi[0]
    for _ in range(n):
        rflo_step(circuit.theta, c.N, c.Z, xb, xb[c.D:c.D + c.N], work.scratch[1], c.dt,
                  state.P[0], circuit.column_decay, c.rflo_tau_columns == 1, work.scratch[3],
                  1.0, 1e-3, work.scratch[4], 0.0, state.e[0], circuit.decay, work.direction,
                  c.unit_model)


@njit
def _readout(n, cfg, circuit, state, work):
    c = cfg[0]
    N = c.N; Pn = c.P
    NC = N * c.Z + N
    o_wc = NC + N * Pn
    for _ in range(n):
        readout_gradient(N, Pn, NC, o_wc, o_wc + N, state.h[0], work.head_scratch[1], c.eta_pi,
                         work.grad[0], False, False, 1.0)


@njit
def _delta_e(n, cfg, circuit, state, work):
    c = cfg[0]
    NC = c.N * c.Z + c.N
    NP = circuit.theta.shape[0]
    eb = state.e[0]
    dv = work.direction
    for _ in range(n):
        for j in range(NP - NC):
            k = NC + j
            dv[k] += 1e-3 * eb[k]


@njit
def _accumulate(n, cfg, circuit, state, work):
    c = cfg[0]
    NC = c.N * c.Z + c.N
    for _ in range(n):
        accumulate(state.e[0], work.grad[0], circuit.decay, 1.0, NC)


def _cpu(fn, *args):
    t = time.process_time()
    fn(*args)
    return time.process_time() - t


def profile(reps: int, turns: int, envs: int) -> dict[str, float]:
    """µs per call of each part and of the whole tick (median of ``turns``)."""
    session = Session(bench_model(32, envs, "rflo"), 0)
    session.advance(2_000)
    eng, d = session.engine, session.driver
    cfg, circuit, state, opt, io, work = eng.kernel_args(d.obs, d.reward, d.terminated,
                                                         d.truncated, d.fresh)
    d.fresh[:] = d.terminated[:] = d.truncated[:] = False
    opt_copy = type(opt)(opt.m.copy(), opt.v.copy(), opt.state.copy())
    parts = {
        "forward": (_forward, cfg, circuit, state, work),
        "heads (value, logits, softmax)": (_heads, cfg, circuit, state, io, work),
        "cortical signal (feedback)": (_signal, cfg, circuit, work),
        "dopamine δ": (_dopamine, cfg),
        "RFLO P, δ·e, e (cortex)": (_rflo, cfg, circuit, state, work),
        "readout gradient": (_readout, cfg, circuit, state, work),
        "δ·e (readouts)": (_delta_e, cfg, circuit, state, work),
        "optimizer (Adam, clip)": (optimizer_only, cfg, circuit.theta.copy(), circuit, opt_copy,
                                   work),
        "trace e (readouts)": (_accumulate, cfg, circuit, state, work),
        # not a part of its own: the optimizer's share no bit-identical rewrite removes
        "  of which sqrt + division alone": (divider_floor, circuit.theta.copy(), opt_copy, work),
    }
    for fn, *args in parts.values():  # compile
        fn(1, *args)
    tick_state = (cfg, circuit, state, opt, io, work)
    ticks_only(1, *tick_state)
    times = {name: [] for name in parts}
    times["whole tick (ticks_only)"] = []
    for _ in range(turns):
        for name, (fn, *args) in parts.items():
            times[name].append(_cpu(fn, reps, *args) / reps)
        times["whole tick (ticks_only)"].append(_cpu(ticks_only, reps, *tick_state) / reps)
    return {name: float(np.median(t)) * 1e6 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--envs", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    us = profile(args.reps, args.turns, args.envs)
    print(f"µs per call, median of {args.turns} turns of {args.reps:,} calls (CPU time), "
          f"N = 32, RFLO, envs = {args.envs}; load average {load:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after")
    total = 0.0
    for name, t in us.items():
        if name.startswith("whole"):
            print(f"  {'sum of the parts':34s} {total:8.3f}")
        elif not name.startswith(" "):
            total += t
        print(f"  {name:34s} {t:8.3f}")


if __name__ == "__main__":
    main()
