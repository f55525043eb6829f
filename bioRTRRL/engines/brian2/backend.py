"""Where the Brian2 circuit runs: the device check and the code-generation target."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ...config import ModelError

TARGETS = ("numpy", "cython")


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


def codeobj_class(target: str):
    """The ``CodeObject`` class of a code-generation target, set per object (not globally).

    ``"cython"`` compiles every code object once (seconds each) into the cache of
    :func:`cache_dir`.
    """
    if target == "numpy":
        return _lean_numpy_codeobject()
    if target == "cython":
        from brian2 import prefs
        from brian2.codegen.runtime.cython_rt import CythonCodeObject

        cache = cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        prefs.codegen.runtime.cython.cache_dir = str(cache)
        return CythonCodeObject
    raise ModelError(f"codegen_target must be one of {list(TARGETS)}, got {target!r}")


def cache_dir() -> Path:
    """Directory of compiled Cython code objects.

    ``$BIORTRRL_BRIAN2_CACHE`` if set (a sweep gives each worker its own: processes compiling into
    one cache contend for its locks), else the project's build area ``<repo>/build/brian2_cache``,
    or ``~/.cache/bioRTRRL/brian2`` outside a source checkout.
    """
    if os.environ.get("BIORTRRL_BRIAN2_CACHE"):
        return Path(os.environ["BIORTRRL_BRIAN2_CACHE"])
    repo = Path(__file__).resolve().parents[3]
    if (repo / "pyproject.toml").exists():
        return repo / "build" / "brian2_cache"
    return Path.home() / ".cache" / "bioRTRRL" / "brian2"


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
