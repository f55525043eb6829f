"""The README tells the truth: its Python blocks run, its model-file block is the code's defaults,
and it names every manipulation kind, notebook and make target.

The Python blocks run in order in one namespace, from a folder that has the repository's
``models/``, with every number written with a thousands separator (``20_000``, the README's
budgets) replaced by 300, as the README says.
"""

import re
import tomllib
from pathlib import Path

import pytest

import bioRTRRL as br
from bioRTRRL.manipulation import KINDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BUDGET = re.compile(r"\b\d{1,3}(?:_\d{3})+\b")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL)


def test_the_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (tmp_path / "models").symlink_to(ROOT / "models")
    blocks = _blocks("python")
    assert len(blocks) >= 4
    namespace: dict = {}
    for i, block in enumerate(blocks):
        code = BUDGET.sub("300", block)
        exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
    assert (tmp_path / "run.nwb").exists() and (tmp_path / "activity.png").exists()
    assert set(namespace["effect"].condition.values) == {"control", "frozen cortex"}


def test_the_model_file_block_is_the_codes_defaults():
    (block,) = _blocks("toml")
    written = tomllib.loads(block)
    defaults = br.Model().to_dict()
    del defaults["manipulation"]  # a list of tables: the README shows them separately
    assert written == defaults


def test_every_manipulation_kind_is_described():
    missing = [kind for kind in KINDS if f"| `{kind}` |" not in README]
    assert not missing


def test_every_notebook_and_make_target_is_named():
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.name}" in README
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "lab", "notebooks", "test", "test-slow", "bench"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


@pytest.mark.parametrize("link", re.findall(r"\]\(([^)#]+)", README))
def test_links_point_into_the_repository(link):
    assert (ROOT / link).exists()
