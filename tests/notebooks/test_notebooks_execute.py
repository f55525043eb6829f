"""Every notebook runs from top to bottom, without a warning (small budgets: BIORTRRL_QUICK=1, read
by its parameter cell)."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "biortrrl-test"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernelspec that starts this interpreter, so the notebooks see this environment."""
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bioRTRRL tests", "language": "python"}))
    return base


def test_the_four_tutorial_notebooks_exist():
    assert {"01_quickstart", "02_dopamine", "03_manipulations",
            "04_custom_circuit"} <= {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, kernel, monkeypatch, output_problems):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel))
    monkeypatch.setenv("BIORTRRL_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH",
                       os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name=KERNEL,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert not output_problems(nb), "\n".join(output_problems(nb))
