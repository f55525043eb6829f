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
import re
import sys
from pathlib import Path

import numpy as np

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

    def __init__(self, future, code, kwargs):
        self.future, self.code, self.kwargs = future, code, kwargs


#: A typed numpy buffer of a variable and the pointer taken from it, as Brian2's Cython templates
#: declare them at every call of a code object.
_BUFFER = re.compile(
    r"cdef _numpy\.ndarray\[(?P<dtype>\w+), ndim=1, mode='c'(?:, cast=True)?\] "
    r"_buf_(?P<name>\w+) = _namespace\['(?P=name)'\]\n(?P<indent>[ \t]*)"
    r"cdef (?P<ctype>[\w ]+?) \* (?P=name) = <(?P=ctype) \*> _buf_(?P=name)\.data")
_LENGTH = re.compile(r"cdef size_t _num(?P<name>\w+) = len\(_namespace\['(?P=name)'\]\)")


def lean_cython(code: str) -> str:
    """Brian2's Cython code with its arrays' data pointers taken directly.

    Brian2's templates acquire a typed, validated buffer of every array at every call (about
    0.2 µs each, twenty arrays or so per code object and tick); the arrays are Brian2's own
    contiguous arrays of that type, so the pointer is taken from the array itself instead. The
    code is otherwise Brian2's; a buffer also used elsewhere is left as it is.
    """
    def pointer(m):
        if code.count(f"_buf_{m['name']}") != 2:
            return m.group(0)
        return (f"cdef {m['ctype']} * {m['name']} = <{m['ctype']} *> "
                f"_numpy.PyArray_DATA(<_numpy.ndarray> _namespace['{m['name']}'])")

    code = _BUFFER.sub(pointer, code)
    return _LENGTH.sub(lambda m: (f"cdef size_t _num{m['name']} = _numpy.PyArray_DIM("
                                  f"<_numpy.ndarray> _namespace['{m['name']}'], 0)"), code)


@functools.cache
def _parallel_cython_codeobject():
    """Brian2's ``CythonCodeObject`` with leaner array access (:func:`lean_cython`), compiling
    what its cache lacks in worker processes.

    Brian2 compiles the code objects of a run one after the other while it prepares the network
    (5-7 s each the first time). This class starts the compilation of each missing one in a pool
    of worker processes (one per core) as Brian2 creates it, and waits for it where the code first
    runs: the compilations overlap. The workers are forks of this process calling Brian2's own
    extension manager, so the compiled modules are exactly those Brian2 would build and cache.
    Without ``fork`` (not Linux) or with one core, it compiles as Brian2 does.
    """
    from brian2.codegen.runtime.cython_rt import CythonCodeObject
    from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager

    class ParallelCythonCodeObject(CythonCodeObject):
        def compile_block(self, block):
            code = getattr(self.code, block, "").strip()
            if not code or "EMPTY_CODE_BLOCK" in code:
                return None
            code = lean_cython(code)
            kwargs = dict(define_macros=self.define_macros, libraries=self.libraries,
                          extra_compile_args=self.extra_compile_args,
                          extra_link_args=self.extra_link_args, include_dirs=self.include_dirs,
                          library_dirs=self.library_dirs,
                          runtime_library_dirs=self.runtime_library_dirs,
                          compiler=self.compiler, sources=self.sources,
                          owner_name=f"{self.owner.name}_{self.template_name}")
            pool = None if _compiled(code) else _pool()
            if pool is None:
                return cython_extension_manager.create_extension(code, **kwargs)
            return _Pending(pool.submit(_compile, code, kwargs), code, kwargs)

        def compile(self):
            super().compile()
            self._settle()

        def run_block(self, block):
            compiled = self.compiled_code.get(block)
            if isinstance(compiled, _Pending):  # (Brian2 runs the empty before_run blocks of
                compiled.future.result()        # all objects first: they wait for nothing)
                self.compiled_code[block] = cython_extension_manager.create_extension(
                    compiled.code, **compiled.kwargs)  # from the cache; raises the worker's
                self._settle()                         # compilation error, if any
            return CythonCodeObject.run_block(self, block)

        def _settle(self):
            """Once every block is compiled, drop the detours: calls go straight to the code."""
            if not any(isinstance(c, _Pending) for c in self.compiled_code.values()):
                self.__class__ = LeanCythonCodeObject
                self._main = getattr(self.compiled_code.get("run"), "main", None)

    class LeanCythonCodeObject(CythonCodeObject):
        """A compiled code object called without Brian2's per-call Python layers (namespace
        update, block dispatch) where it has nothing to update."""

        _main = None

        def __call__(self, **kwds):
            if self._main is None or kwds or self.nonconstant_values:
                return CythonCodeObject.__call__(self, **kwds)
            try:
                return self._main(self.namespace)
            except Exception as exc:
                from brian2.core.base import BrianObjectException

                raise BrianObjectException(
                    f"An exception occured during the execution of the 'run' block of code "
                    f"object '{self.name}'.\n", self.owner) from exc

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


def _full_grid(owner):
    """(pre, post) sizes of a Synapses whose synapses are all pairs, presynaptic index major (the
    circuit's projections), else None."""
    from brian2 import Synapses

    if not isinstance(owner, Synapses):
        return None
    n_pre, n_post = len(owner.source), len(owner.target)
    pre = owner.variables["_synaptic_pre"].get_value()
    post = owner.variables["_synaptic_post"].get_value()
    if n_pre * n_post == 0 or len(pre) != n_pre * n_post:
        return None
    grid = np.arange(n_pre * n_post)
    if not (np.array_equal(pre, grid // n_post) and np.array_equal(post, grid % n_post)):
        return None
    return n_pre, n_post


_GATHER = re.compile(r"(?P<indent>[ \t]*)(?P<name>\w+) = (?P<array>_array_\w+)"
                     r"\[_(?P<side>pre|post)synaptic_idx\]")
_READ = re.compile(r"(?P<indent>\s*)(?P<name>\w+) = (?P<array>_array_\w+)(?P<copy>\.copy\(\))?")
_WRITE = re.compile(r"(?P<indent>\s*)(?P<array>_array_\w+)\[:\] = (?P<name>\w+)")
_SUMMED = re.compile(r"(?P<indent>\s*)(?P<target>_array_\w+)\[0:_target_stop\] = "
                     r"_numpy\.bincount\(_indices,")
_INDEX_SETUP = re.compile(r"\s*(_vectorisation_idx = (1|LazyArange\(N\))|"
                          r"_(pre|post)synaptic_idx = _array_\w+|_indices = _array_\w+)")


def grid_numpy(code: str, n_pre: int, n_post: int, synaptic: set) -> str:
    """Brian2's NumPy code of an all-to-all projection, on (pre × post) grids.

    Brian2 indexes every presynaptic and postsynaptic value per synapse (a gather of all
    synapses, about 3 µs each for a thousand synapses) and sums a summed variable with
    ``bincount``. On a projection whose synapses are all pairs in presynaptic-major order, its
    per-synapse arrays are (pre × post) views, a presynaptic value is a column and a
    postsynaptic one a row (broadcasting, no copy), and a summed variable is the sum over the
    rows: the same numbers in the same order. Code that uses the indices any other way is left
    as Brian2 wrote it.
    """
    if not _GATHER.search(code):
        return code  # nothing to gain
    shape = f"({n_pre}, {n_post})"
    out, lines, i = [], code.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if _INDEX_SETUP.fullmatch(line):
            out.append(line)
            continue
        m = _SUMMED.fullmatch(line)
        if m:  # the statement runs over the next lines, up to its closing parentheses
            while not lines[i - 1].rstrip().endswith(")))"):
                i += 1
            out.append(f"{m['indent']}{m['target']}[0:_target_stop] = _numpy.bincount("
                       f"_indices, minlength=_length, weights=(_synaptic_var if "
                       f"_numpy.shape(_synaptic_var) == {shape} else _numpy.broadcast_to("
                       f"_synaptic_var, {shape})).ravel())")
            continue
        m = _GATHER.fullmatch(line)
        if m:
            view = "[:, None]" if m["side"] == "pre" else "[None, :]"
            out.append(f"{m['indent']}{m['name']} = {m['array']}{view}")
            continue
        m = _READ.fullmatch(line)
        if m and m["array"] in synaptic:
            out.append(f"{m['indent']}{m['name']} = {m['array']}.reshape{shape}{m['copy'] or ''}")
            continue
        m = _WRITE.fullmatch(line)
        if m and m["array"] in synaptic:
            out.append(f"{m['indent']}{m['array']}.reshape{shape}[:] = {m['name']}")
            continue
        if re.search(r"_idx\b|_indices\b|\bN\b", line.split("#", 1)[0]):
            return code  # the indices used otherwise: as Brian2 wrote it
        out.append(line)
    return "\n".join(out)


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
        """NumPy code objects as Brian2 writes them, minus per-call costs; the code of an
        all-to-all projection works on its weights as a (pre × post) grid (:func:`grid_numpy`)."""

        def __call__(self, **kwds):
            code = self.compiled_code.get("run")
            if code is None or kwds or self.nonconstant_values:
                return NumpyCodeObject.__call__(self, **kwds)
            try:
                exec(code, self.namespace)
            except Exception as exc:
                from brian2.core.base import BrianObjectException

                raise BrianObjectException(
                    f"An exception occured during the execution of the 'run' block of code "
                    f"object '{self.name}'.\n", self.owner) from exc
            return self.namespace.get("_return_values")

        def compile_block(self, block):
            code = getattr(self.code, block, "").strip()
            if not code or "EMPTY_CODE_BLOCK" in code:
                return None
            for line in imports:
                code = code.replace(line, "")
            grid = _full_grid(self.owner)
            if grid is not None:
                code = grid_numpy(code, *grid, self._synaptic_arrays())
            code = code.replace(broadcast, array_or_broadcast)
            self.namespace.update(_numpy=np, LazyArange=LazyArange)
            return compile(code, "(string)", "exec")

        def _synaptic_arrays(self) -> set:
            """Names of the per-synapse arrays this code reads or writes."""
            from brian2.core.variables import ArrayVariable

            n = len(self.owner)
            return {self.generator_class.get_array_name(var) for var in self.variables.values()
                    if isinstance(var, ArrayVariable) and not var.scalar
                    and getattr(var.owner, "name", None) == self.owner.name
                    and var.get_len() == n}

    return LeanNumpyCodeObject
