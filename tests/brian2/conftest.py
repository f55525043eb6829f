"""The Brian2 tests run on the NumPy target unless a test asks for Cython: the default suite
compiles nothing (the engine's own default, Brian2's "auto", picks Cython where a compiler works;
its compiled code objects are checked by the slow tests)."""

import pytest


@pytest.fixture(autouse=True)
def numpy_target():
    from brian2 import prefs

    before = prefs["codegen.target"]
    prefs["codegen.target"] = "numpy"
    yield
    prefs["codegen.target"] = before
