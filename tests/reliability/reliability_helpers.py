"""Shared by the reliability tests: model paths, a small model, the CLI as a separate process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"
# Small and quick: a few thousand ticks take well under a second once compiled.
SMALL = {"circuit": {"cortex_size": 8}, "recording": {"chunk_steps": 500}}


def cli_process(*args, cwd=None):
    """``biortrrl ARGS`` as a separate process (started, not waited for)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "bioRTRRL.cli", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def messages(lines):
    """The stderr lines that are not the progress bar."""
    return [line for line in lines if "step/s" not in line]
