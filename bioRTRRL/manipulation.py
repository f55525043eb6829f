"""Manipulations of the circuit (lesions, dopamine clamps, plasticity blocks) applied during a run."""

from __future__ import annotations

from .config import Model, ModelError


def validate_manipulations(model: Model) -> None:
    """Raise ModelError naming the first invalid ``[[manipulation]]`` entry."""
    if model.manipulation:
        raise ModelError("manipulation: not supported by this version")


class Manipulations:
    """The ``[[manipulation]]`` entries of a model, applied to an engine at their start ticks."""

    def __init__(self, model: Model, dims):
        self.entries = list(model.manipulation)
        self.active = bool(self.entries)

    def due(self, tick: int) -> bool:
        return False

    def apply(self, engine, tick: int) -> None:
        pass
