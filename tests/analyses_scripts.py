"""The analyses/ scripts as modules, for their small-budget tests (they are scripts, not a package)."""

import importlib.util
from pathlib import Path

ANALYSES = Path(__file__).resolve().parents[1] / "analyses"


def load_analysis(name: str):
    """The module of ``analyses/<name>.py``."""
    spec = importlib.util.spec_from_file_location(name, ANALYSES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
