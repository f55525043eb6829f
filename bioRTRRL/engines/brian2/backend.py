"""Where the Brian2 circuit runs: the device check, the code-generation target, the code cache.

The target follows Brian2's convention: ``codegen_target`` (or, when it is not given, Brian2's
preference ``prefs.codegen.target``, ``"auto"`` by default) picks Cython when a test compilation
works and NumPy otherwise; ``"cython"`` or ``"numpy"`` force one. Compiled Cython code objects are
cached per user (:func:`cache_dir`), so that only a first run compiles. A first run compiles its
code objects in parallel, one process per core (:class:`ParallelCythonCodeObject`).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import sys
from pathlib import Path

from ...config import ModelError

TARGETS = ("auto", "numpy", "cython")


def check_device() -> None:
    """Refuse devices that cannot run the closed loop.

    The loop steps the environment from ``network_operation``s, which only the runtime device
    executes; ``cpp_standalone`` (and other standalone devices) silently skip them.

    Raises
    ------
    ModelError
        If the current Brian2 device is not the runtime device.
    """
    from brian2.devices.device import RuntimeDevice, get_device

    device = get_device()
    if not isinstance(device, RuntimeDevice):
        name = type(device).__name__
        raise ModelError(
            f"the Brian2 engine needs the runtime device, but the current device is {name}: "
            "standalone devices (cpp_standalone, ...) skip network_operation, which steps the "
            "environment every tick. Call brian2.set_device('runtime') (or reset_device()) first.")


def resolve_target(target: str | None = None) -> str:
    """``"numpy"`` or ``"cython"``: ``target``, or Brian2's ``prefs.codegen.target`` when None;
    ``"auto"`` is Cython when a test compilation works, else NumPy (Brian2's rule).

    Raises
    ------
    ModelError
        For a target other than auto, numpy, cython.
    """
    if target is None:
        from brian2 import prefs

        target = prefs["codegen.target"]
        if not isinstance(target, str):  # a CodeObject class
            target = getattr(target, "class_name", None) or "auto"
    if target not in TARGETS:
        raise ModelError(f"codegen_target must be one of {list(TARGETS)}, got {target!r}")
    if target == "auto":
        return "cython" if cython_available() else "numpy"
    return target


def codeobj_class(target: str | None = None):
    """The ``CodeObject`` class of a code-generation target (see :func:`resolve_target`), set per
    object (not globally).

    Cython compiles every code object once (seconds each) into :func:`cache_dir`.
    """
    target = resolve_target(target)
    if target == "numpy":
        return _lean_numpy_codeobject()
    use_cache_dir()
    return _parallel_cython_codeobject()


@functools.cache
def cython_available() -> bool:
    """Whether Cython code objects compile here (Brian2's own test compilation, cached)."""
    try:
        use_cache_dir()
        from brian2.codegen.runtime.cython_rt import CythonCodeObject

        return bool(CythonCodeObject.is_available())
    except Exception:  # noqa: BLE001 - no Cython, no compiler: NumPy it is
        return False


def cache_dir() -> Path:
    """Directory of compiled Cython code objects, one per user.

    ``$BIORTRRL_BRIAN2_CACHE`` if set (a sweep gives each worker its own: processes compiling into
    one cache contend for its locks); else Brian2's preference
    ``prefs.codegen.runtime.cython.cache_dir`` if a user set it; else
    ``$XDG_CACHE_HOME/bioRTRRL/brian2`` (``~/.cache/bioRTRRL/brian2``).
    """
    if os.environ.get("BIORTRRL_BRIAN2_CACHE"):
        return Path(os.environ["BIORTRRL_BRIAN2_CACHE"])
    default = _default_cache_dir()
    from brian2 import prefs

    chosen = prefs["codegen.runtime.cython.cache_dir"]
    if chosen and Path(chosen).expanduser() != default:
        return Path(chosen).expanduser()
    return default


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bioRTRRL" / "brian2"


def use_cache_dir() -> Path:
    """Point Brian2's Cython cache at :func:`cache_dir` (created) and return it."""
    from brian2 import prefs

    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    prefs.codegen.runtime.cython.cache_dir = str(cache)
    return cache


# -- Cython: compile a run's code objects in parallel ---------------------------------------------

class _Pending:
    """A code block being compiled in a worker process."""

    def __init__(self, future):
        self.future = future


@functools.cache
def _parallel_cython_codeobject():
    """Brian2's ``CythonCodeObject``, compiling what its cache lacks in worker processes.

    Brian2 compiles the code objects of a run one after the other while it prepares the network
    (5-7 s each the first time). This class starts the compilation of each missing one in a pool
    of worker processes (one per core) as Brian2 creates it, and waits for it where the code first
    runs: the compilations overlap. The workers are forks of this process calling Brian2's own
    extension manager, so the compiled modules are exactly those Brian2 would build and cache.
    Without ``fork`` (not Linux) or with one core, it compiles as Brian2 does.
    """
    from brian2.codegen.runtime.cython_rt import CythonCodeObject

    class ParallelCythonCodeObject(CythonCodeObject):
        def compile_block(self, block):
            code = getattr(self.code, block, "").strip()
            if not code or "EMPTY_CODE_BLOCK" in code or _compiled(code):
                return super().compile_block(block)
            pool = _pool()
            if pool is None:
                return super().compile_block(block)
            kwargs = dict(define_macros=self.define_macros, libraries=self.libraries,
                          extra_compile_args=self.extra_compile_args,
                          extra_link_args=self.extra_link_args, include_dirs=self.include_dirs,
                          library_dirs=self.library_dirs,
                          runtime_library_dirs=self.runtime_library_dirs,
                          compiler=self.compiler, sources=self.sources)
            return _Pending(pool.submit(_compile, code, kwargs))

        def run_block(self, block):
            compiled = self.compiled_code.get(block)
            if isinstance(compiled, _Pending):
                compiled.future.result()  # raises the worker's compilation error, if any
                self.compiled_code[block] = super().compile_block(block)  # loads from the cache
            return super().run_block(block)

    ParallelCythonCodeObject.__name__ = ParallelCythonCodeObject.__qualname__ = \
        "ParallelCythonCodeObject"
    return ParallelCythonCodeObject


def _compiled(code: str) -> bool:
    """Whether Brian2's extension manager has ``code``'s module in its cache (same key)."""
    import Cython
    import numpy
    from brian2.codegen.runtime.cython_rt.extension_manager import (cython_extension_manager,
                                                                    get_cython_cache_dir)
    from brian2.utils.stringtools import deindent

    key = (deindent(code), sys.version_info, sys.executable, Cython.__version__,
           ".".join(numpy.__version__.split(".")[:2]), os.environ.get("CC"),
           os.environ.get("CXX"))
    if key in cython_extension_manager._code_cache:
        return True
    name = f"_cython_magic_{hashlib.md5(str(key).encode('utf-8')).hexdigest()}"
    lib_dir = os.path.expanduser(get_cython_cache_dir())
    return os.path.isfile(os.path.join(lib_dir, name + cython_extension_manager.so_ext))


def _compile(code: str, kwargs: dict) -> None:
    """(In a worker process) build ``code``'s module into the cache."""
    from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager

    module = cython_extension_manager.create_extension(code, **kwargs)
    if module is None:
        raise RuntimeError("Cython compilation failed")


_POOL = None


def _pool():
    """The worker pool (forked processes, one per core), or None where it cannot help."""
    global _POOL
    if _POOL is None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if (cores or 1) < 2 or "fork" not in mp.get_all_start_methods():
            _POOL = False
        else:
            _POOL = ProcessPoolExecutor(max_workers=cores, mp_context=mp.get_context("fork"))
            atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
    return _POOL or None


@functools.cache
def _lean_numpy_codeobject():
    """Brian2's numpy ``CodeObject`` without two per-call costs of its templates.

    Every block of a numpy code object starts by importing numpy and ``LazyArange`` (about 2 µs
    per execution, ~25 executions a tick), and a summed variable passes its per-synapse values
    through ``numpy.broadcast_to`` (about 5 µs) even when they already are an array. Both are
    bound once instead. The generated code is otherwise Brian2's own; should a later Brian2
    change these lines, the replacements no longer match and the code runs as generated.
    """
    import numpy as np
    from brian2.codegen.runtime.numpy_rt.numpy_rt import LazyArange, NumpyCodeObject

    imports = ("import numpy as _numpy\n",
               "from brian2.codegen.runtime.numpy_rt.numpy_rt import LazyArange\n")
    broadcast = "weights=_numpy.broadcast_to(_synaptic_var, (N, ))"
    array_or_broadcast = ("weights=_synaptic_var if _numpy.ndim(_synaptic_var) "
                          "else _numpy.broadcast_to(_synaptic_var, (N, ))")

    class LeanNumpyCodeObject(NumpyCodeObject):
        def compile_block(self, block):
            code = getattr(self.code, block, "").strip()
            if not code or "EMPTY_CODE_BLOCK" in code:
                return None
            for line in imports:
                code = code.replace(line, "")
            code = code.replace(broadcast, array_or_broadcast)
            self.namespace.update(_numpy=np, LazyArange=LazyArange)
            return compile(code, "(string)", "exec")

    return LeanNumpyCodeObject
