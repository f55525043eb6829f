"""How the Brian2 engine's Cython code is made: lean array access, a per-user cache filled once."""

from pathlib import Path

import pytest

from bioRTRRL.engines.brian2 import backend

# the declarations Brian2's Cython templates write for every array of a code object
TEMPLATE = """def main(_namespace):
    _var_v = _namespace["_var_v"]
    cdef _numpy.ndarray[double, ndim=1, mode='c'] _buf__array_g_v = _namespace['_array_g_v']
    cdef double * _array_g_v = <double *> _buf__array_g_v.data
    cdef size_t _num_array_g_v = len(_namespace['_array_g_v'])
    cdef _numpy.ndarray[char, ndim=1, mode='c', cast=True] _buf__array_g_s = _namespace['_array_g_s']
    cdef bool * _array_g_s = <bool *> _buf__array_g_s.data
    cdef _numpy.ndarray[int32_t, ndim=1, mode='c'] _buf__array_g_i = _namespace['_array_g_i']
    cdef int32_t * _array_g_i = <int32_t *> _buf__array_g_i.data
    _buf__array_g_i.resize(3)
"""


def test_lean_cython_takes_data_pointers_instead_of_typed_buffers():
    lean = backend.lean_cython(TEMPLATE)
    assert "cdef double * _array_g_v = <double *> _numpy.PyArray_DATA(<_numpy.ndarray> " \
           "_namespace['_array_g_v'])" in lean
    assert "cdef bool * _array_g_s = <bool *> _numpy.PyArray_DATA(" in lean
    assert "_buf__array_g_v" not in lean and "_buf__array_g_s" not in lean
    assert "_numpy.PyArray_DIM(<_numpy.ndarray> _namespace['_array_g_v'], 0)" in lean
    # a buffer the code uses for more than its pointer stays as Brian2 wrote it
    assert "cdef _numpy.ndarray[int32_t, ndim=1, mode='c'] _buf__array_g_i" in lean
    assert backend.lean_cython(lean) == lean


@pytest.mark.slow
def test_a_cold_start_fills_an_empty_cache_and_a_warm_start_compiles_nothing(tmp_path):
    """The bench circuit's first run in a fresh process with an empty cache compiles (in
    parallel); a second fresh process finds every code object compiled."""
    from bioRTRRL.benchmark import start_times

    if not backend.cython_available():
        pytest.skip("no working Cython compiler")
    cache = tmp_path / "cache"
    cold = start_times("cython", str(cache))
    modules = sorted(Path(cache).glob("*.so"))
    assert cold["target"] == "cython" and len(modules) > 10
    warm = start_times("cython", str(cache))
    assert warm["target"] == "cython" and sorted(Path(cache).glob("*.so")) == modules


SUMMED = """_vectorisation_idx = LazyArange(N)
_presynaptic_idx = _array_syn__synaptic_pre
w = _array_syn_w
h_pre = _array_cortex_h[_presynaptic_idx]
_synaptic_var = w * h_pre
_indices = _array_syn__synaptic_post
_target_stop = 3
_length = _target_stop - 0
_array_out_u[0:_target_stop] = _numpy.bincount(_indices,
                                 minlength=_length,
                                 weights=_numpy.broadcast_to(_synaptic_var, (N, )))
"""


def test_numpy_code_of_an_all_to_all_projection_runs_on_grids_with_the_same_numbers():
    """Gathers become broadcasting views, per-synapse arrays (pre × post) views; the summed
    variable is still a bincount over the synapses in their order: identical results."""
    import numpy as np

    grid = backend.grid_numpy(SUMMED, 2, 3, {"_array_syn_w", "_array_syn__synaptic_pre",
                                             "_array_syn__synaptic_post"})
    assert "h_pre = _array_cortex_h[:, None]" in grid
    assert "w = _array_syn_w.reshape(2, 3)" in grid
    rng = np.random.default_rng(0)
    ns = {"_numpy": np, "LazyArange": np.arange, "N": 6, "_array_syn_w": rng.normal(size=6),
          "_array_cortex_h": rng.normal(size=2),
          "_array_syn__synaptic_pre": np.repeat(np.arange(2), 3),
          "_array_syn__synaptic_post": np.tile(np.arange(3), 2)}
    out = {}
    for code in (SUMMED, grid):
        ns["_array_out_u"] = np.zeros(3)
        exec(code, dict(ns))
        out[code] = ns["_array_out_u"].copy()
    np.testing.assert_array_equal(out[SUMMED], out[grid])
    # an index used any other way keeps Brian2's code
    odd = SUMMED + "_array_syn_w[:] = rand(_vectorisation_idx)\n"
    assert backend.grid_numpy(odd, 2, 3, {"_array_syn_w"}) == odd
