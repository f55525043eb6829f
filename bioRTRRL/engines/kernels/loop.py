"""The compiled closed loop: task, circuit tick and recording of many ticks in one call.

:func:`closed_loop` runs ticks ``t0 … t0+n−1`` of a cohort of circuits — each with its own kernel
arguments (:func:`bioRTRRL.engines.kernels.tick`'s configuration, weights, state, optimizer, I/O and
work arrays), its own compiled task (:mod:`.world`) and its own recorder buffers — exactly as the
per-tick session does them one Python call at a time: the task steps with the last tick's actions,
the circuit ticks, the recorder stores the tick (every ``stride``-th). Everything that happens
between ticks in Python (manipulations, weight snapshots, evaluations, checks, chunk flushes, the
progress bar) happens at the chunk's boundaries, which the caller places at those ticks
(:func:`bioRTRRL.cohort.advance_chunked`), so the results are the per-tick path's, bit for bit.

The cohort's arguments are homogeneous tuples (one entry per circuit); numba compiles the loop once
per cohort size.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from ...recording.recorder import _store
from ._jit import njit
from .optimizer import optimizer_step
from .tick import tick
from .world import world_step


def _invalidate_on_callees() -> None:
    """Drop this loop's cached machine code when a compiled function it calls from outside the
    kernel package (the driver's bookkeeping, the recorder's row copy, the tasks' functions)
    changed (numba checks only the cached function's own file; the package's own sources are
    covered by :func:`._jit._invalidate_stale_cache`); the tasks' own cache goes too, as a task's
    function compiles in the counter-based generator of another file."""
    here = Path(__file__).parent
    root = here.parent.parent
    sources = [root / "environment.py", root / "recording" / "recorder.py",
               *sorted((root / "tasks").glob("*.py"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "loop.callees"
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        for folder, pattern in ((cache, "loop.*.nb?"), (cache, "world.*.nb?"),
                                (root / "tasks" / "__pycache__", "*.nb?")):
            for f in folder.glob(pattern):
                f.unlink(missing_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass


_invalidate_on_callees()


@njit(cache=True)
def closed_loop(t0, n, stride, cfgs, circuits, states, opts, ios, works, worlds, books, recs,
                trial_bufs, rec_k):
    """Run ticks t0 … t0+n−1 of every circuit of the cohort (index c of every tuple).

    Parameters
    ----------
    t0, n : int
        First tick (≥ 1: tick 0 resets the task and runs in Python) and number of ticks.
    stride : int
        Record the ticks divisible by it.
    cfgs, circuits, states, opts, ios, works : tuple
        Per circuit, the arguments of :func:`.tick`.
    worlds, books : tuple
        Per circuit, its task (:class:`.world.CartPoleWorld`, :class:`.world.TaskWorld`) and driver
        arrays (:class:`.world.Book`).
    recs : tuple
        Per circuit, the recorder's arguments of ``_store`` after ``k`` and ``tick``.
    trial_bufs : tuple
        Per circuit, the recorder's ``trial``, ``t_in_trial`` and ``events`` chunk buffers, filled
        when the task has events (as the per-tick recorder does).
    rec_k : ndarray (cohort,) int64
        Next free row of each recorder's chunk buffers; advanced in place.
    """
    for c in range(len(cfgs)):
        cfg = cfgs[c]; circuit = circuits[c]; state = states[c]; opt = opts[c]; io = ios[c]
        work = works[c]; world = worlds[c]; book = books[c]; rec = recs[c]
        buf_trial, buf_t_in_trial, buf_events = trial_bufs[c]
        trials = book.events.shape[1] > 0
        k = rec_k[c]
        for t in range(t0, t0 + n):
            world_step(world, book, io.action_index, t)
            tick(cfg, circuit, state, opt, io, work)
            if t % stride == 0:
                _store(k, t, *rec)
                if trials:  # element by element: a whole-row copy would allocate (no NRT here)
                    events = book.events
                    for b in range(events.shape[0]):
                        buf_trial[k, b] = book.trial[b]
                        buf_t_in_trial[k, b] = book.t_in_trial[b]
                        for j in range(events.shape[1]):
                            buf_events[k, b, j] = events[b, j]
                k += 1
        rec_k[c] = k


@njit(cache=True)
def ticks_only(n, cfg, circuit, state, opt, io, work):
    """The learning rule alone: ``n`` ticks of one circuit on its current inputs, in one call.

    What the benchmark subtracts from a closed-loop tick to show the cost of everything else (the
    task, the recording, Python). The action-noise row is reused (its values do not change the
    cost); every env's episode ends every 100th tick, as CartPole's do, so that no trace decays
    into subnormal numbers (slow on most CPUs) as it would on one endless episode. The circuit's
    state is changed, so run it on a throw-away session.
    """
    for i in range(n):
        io.noise_pos[0] = 0
        end = i % 100 == 99
        for b in range(io.terminated.shape[0]):
            io.terminated[b] = end
        tick(cfg, circuit, state, opt, io, work)


@njit(cache=True)
def optimizer_only(n, cfg, theta, circuit, opt, work):
    """The optimizer step alone, ``n`` times, on the direction 1e-4 for every parameter.

    What the benchmarks time of a tick's last stage. ``theta`` takes the step (pass a copy of the
    circuit's weights); the moments in ``opt`` change, so run it on a throw-away session.
    """
    c = cfg[0]
    NC = c.N * c.Z + c.N
    direction = work.direction
    for _ in range(n):
        for k in range(theta.shape[0]):
            direction[k] = 1e-4
        optimizer_step(c, theta, circuit.plastic, direction, opt.m, opt.v, opt.state, 1, NC,
                       NC + c.N * c.P)


@njit(cache=True)
def divider_floor(n, theta, opt, work):
    """Adam's square root and division alone: θ += m / (sqrt(v) + ε) for every parameter, ``n``
    times, ε = 1e-8 refilled into the direction as :func:`optimizer_only` refills it.

    Both operations run on the processor's divider, which is not pipelined as additions and
    multiplications are; the loop vectorises (4 per instruction with AVX2/AVX-512), as Adam's own
    loops do. No bit-identical rewrite of the optimizer does this work in less time, so the
    difference of the two is all a rewrite could save. ``theta`` changes (pass a copy).
    """
    m = opt.m; v = opt.v; direction = work.direction
    for _ in range(n):
        for k in range(theta.shape[0]):
            direction[k] = 1e-8
        for k in range(theta.shape[0]):
            theta[k] += m[k] / (math.sqrt(v[k]) + direction[k])
