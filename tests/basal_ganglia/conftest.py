"""Brian2 runs of these tests use the NumPy target (nothing to compile), as tests/brian2 does."""

import pytest


@pytest.fixture(autouse=True)
def numpy_target():
    from brian2 import prefs

    before = prefs["codegen.target"]
    prefs["codegen.target"] = "numpy"
    yield
    prefs["codegen.target"] = before
