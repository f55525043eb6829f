"""How the kernels are compiled: without numba's reference counting, the tasks' dynamics with it.

The kernels run without numba's runtime (NRT) because its atomic reference counting cost a large
share of the compiled closed loop (bioRTRRL.engines.kernels._jit.njit). A task's compiled dynamics
may allocate, so they keep NRT, also when a kernel (the loop) is the first to compile them — numba
would otherwise let them inherit the caller's setting, and the result would depend on which path
ran first. Adam's step, a cohort's largest cost, takes its square roots and divisions several
parameters per instruction.
"""

import platform
import re

import numpy as np
import pytest
from llvmlite import binding as llvm

from bioRTRRL.engines import kernels as K
from bioRTRRL.engines.kernels import optimizer_step, rflo_step, tick
from bioRTRRL.engines.kernels._jit import njit
from bioRTRRL.engines.kernels.loop import closed_loop
from bioRTRRL.engines.kernels.world import cartpole_step
from bioRTRRL.tasks.umbrella_chain import umbrella_chain_advance


def test_kernels_compile_without_reference_counting():
    for fn in (tick, closed_loop, rflo_step, optimizer_step, cartpole_step):
        assert fn.targetoptions["_nrt"] is False, fn


def test_functions_outside_the_kernels_keep_reference_counting_when_a_kernel_calls_them():
    assert umbrella_chain_advance.targetoptions["_nrt"] is True

    @njit
    def fresh(n):  # defined outside the kernel package: may allocate
        return np.zeros(n)

    assert fresh.targetoptions["_nrt"] is True
    np.testing.assert_array_equal(fresh(3), np.zeros(3))


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64")
                    or not llvm.get_host_cpu_features().get("avx2", False),
                    reason="the packed instructions checked are x86's AVX2/AVX-512 ones")
def test_adam_step_takes_square_roots_and_divides_several_parameters_per_instruction():
    """Adam's square root and division per parameter bound the speed of a cohort (each animal pays
    its own optimizer step; ``benchmarks/profile_tick.py``). Packed (vsqrtpd, vdivpd on 256- or
    512-bit registers) they cost half as much as one parameter at a time, and they stay packed only
    while the kernels compile with NumPy's error model (no ZeroDivisionError branch per division)
    and Adam's loops run over contiguous arrays without a branch."""

    @njit  # compiled here, not loaded from the cache: its machine code can be read
    def step(cfg, theta, plastic, direction, m, v, state):
        optimizer_step(cfg[0], theta, plastic, direction, m, v, state, 1, 40, 56)

    cfg = K.new_config()
    NP = 64
    step(cfg, np.zeros(NP), np.ones(NP), np.full(NP, 1e-3), np.zeros(NP), np.zeros(NP),
         np.zeros(2))
    asm = step.inspect_asm(step.signatures[0])
    assert re.search(r"vsqrtpd\s[^\n]*%[yz]mm", asm), "Adam's square roots are not packed"
    assert re.search(r"vdivpd\s[^\n]*%[yz]mm", asm), "Adam's divisions are not packed"
