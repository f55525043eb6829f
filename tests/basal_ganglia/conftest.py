"""Brian2 runs of these tests use the NumPy target (nothing to compile), as tests/brian2 does."""

from tests.brian2.conftest import numpy_target  # noqa: F401  (the same autouse fixture)
