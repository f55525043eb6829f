"""The committed outputs of the notebooks are clean: no warnings, nothing written to stderr, no path
of the machine that executed them (`conftest.problems`)."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_hold_no_warning_and_no_local_path(path, output_problems):
    nb = nbformat.read(path, as_version=4)
    assert any(cell.get("outputs") for cell in nb.cells), "the notebook was committed unexecuted"
    assert not output_problems(nb), "\n".join(output_problems(nb))


def test_the_check_finds_a_warning_and_a_local_path(output_problems):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("stream", name="stderr",
                               text="/home/me/.venv/lib/python3.11/site-packages/tqdm/auto.py:21: "
                                    "TqdmWarning: IProgress not found\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "PosixPath('/tmp/x/run.nc')"}),
        nbformat.v4.new_output("display_data", data={"text/plain": "fine: results/demo/run.nc"}),
    ])])
    found = output_problems(nb)
    assert len(found) == 4  # stderr, the warning, the path in it, the path in the result
