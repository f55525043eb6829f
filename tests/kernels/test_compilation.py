"""How the kernels are compiled: without numba's reference counting, the tasks' dynamics with it.

The kernels run without numba's runtime (NRT) because its atomic reference counting cost a large
share of the compiled closed loop (bioRTRRL.engines.kernels._jit.njit). A task's compiled dynamics
may allocate, so they keep NRT, also when a kernel (the loop) is the first to compile them — numba
would otherwise let them inherit the caller's setting, and the result would depend on which path
ran first.
"""

import numpy as np

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
