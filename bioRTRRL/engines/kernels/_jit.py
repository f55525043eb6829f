"""Compilation settings shared by every kernel, and the elementary functions they inline."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from numba import njit as _njit
from numba.core.config import CACHE_DIR


def _invalidate_stale_cache() -> None:
    """Drop this package's numba cache when any of its sources changed.

    numba keys a cached function on its own file only, but the units here are compiled into the
    tick (and into each other): after an edit of ``cortex.py`` a cached ``tick`` would still run
    the old code. A digest of every source of the package, kept beside the cache, catches that.
    """
    here = Path(__file__).parent
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "kernels.sources"
    # with NUMBA_CACHE_DIR numba mirrors the source path under it
    caches = [cache] if not CACHE_DIR else [
        d for d in Path(CACHE_DIR).rglob("kernels") if d.parent.name == "engines"]
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        for d in caches:
            for f in [*d.glob("*.nbi"), *d.glob("*.nbc")]:
                f.unlink(missing_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba itself then falls back to a user cache
        pass


_invalidate_stale_cache()

# Reassociation lets LLVM vectorise the dot products and the per-synapse loops; no-NaN/no-Inf
# assumptions are deliberately left out (NaN marks "dopamine not clamped" and must stay visible).
_FASTMATH = {"reassoc", "contract", "arcp", "nsz"}


def njit(*args, **kwargs):
    """numba's ``njit`` with this package's defaults; usable bare or with options.

    The functions of this package (the kernels) are compiled without numba's reference-counted
    runtime (NRT): every array they touch belongs to a caller in Python, which keeps it alive, and
    the reference counting numba otherwise does whenever a compiled function receives an array,
    takes a view or reads one from a tuple is an atomic instruction — about 100 per tick of one
    circuit, a quarter of the compiled closed loop's time. Such a function cannot allocate (one that
    must, says ``_nrt=True``) and must not return an array to Python. Functions defined elsewhere
    with this decorator (the tasks' compiled dynamics) keep the runtime, also when a kernel
    calls them.
    """
    kwargs.setdefault("fastmath", _FASTMATH)
    # NumPy's error model: a float division needs no ZeroDivisionError branch, so divisions (Adam,
    # 1/τ) vectorise; every divisor here is positive by construction (τ ≥ τ_min ≥ dt, Σ exp > 0).
    kwargs.setdefault("error_model", "numpy")

    def decorate(fn):
        options = dict(kwargs)
        # set either way: numba would otherwise let a function first compiled from a kernel
        # inherit the kernel's setting
        options.setdefault("_nrt", not fn.__module__.startswith(__package__ + "."))
        return _njit(**options)(fn)

    return decorate(args[0]) if args else decorate


def entry_point(dispatcher, *args):
    """The compiled function of ``dispatcher`` for exactly these arguments' types.

    Calling it skips numba's per-call type dispatch (about 0.1 µs per argument); it is only valid
    for arguments of the same types, so callers bind it to buffers they own.
    """
    return dispatcher.compile(tuple(dispatcher.typeof_pyval(a) for a in args))


@njit(cache=True, inline="always")
def tanh_exp(z):
    """e = exp(−2|z|), the one transcendental of tanh(z) = sign(z)·(1 − e)/(1 + e).

    libm's tanh costs about three times as much, and this runs N times per env and tick; the
    result of :func:`tanh_of` is within 2.3e-16 of it in absolute terms (the relative error grows
    only where |tanh| is below ~1e-8, where no weight can tell). The two halves are separate so
    that a caller can take the exponentials of a whole layer first (libm calls, one by one) and
    the divisions in a loop that vectorises.
    """
    return math.exp(-2.0 * abs(z))


@njit(cache=True, inline="always")
def tanh_of(z, e):
    """tanh(z) from e = :func:`tanh_exp` (z)."""
    t = (1.0 - e) / (1.0 + e)
    return t if z >= 0.0 else -t


@njit(cache=True, inline="always")
def sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


@njit(cache=True, inline="always")
def softplus(z):
    return math.log1p(math.exp(-abs(z))) + max(z, 0.0)
