"""Argument checks shared by the tasks: each failure names the offending argument."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["check_int", "check_probability", "check_real"]


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise ValueError naming ``name``.

    Floats are refused even when integral: a fractional length or count is
    always a caller's mistake worth reporting.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_real(
    name: str, value: Any, minimum: float | None = None, maximum: float | None = None
) -> float:
    """Return ``value`` as a finite float within [minimum, maximum], or raise ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "-inf" if minimum is None else minimum
        high = "inf" if maximum is None else maximum
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return value


def check_probability(name: str, value: Any) -> float:
    """Return ``value`` as a float in [0, 1], or raise ValueError naming ``name``."""
    return check_real(name, value, 0.0, 1.0)
