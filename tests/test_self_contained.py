"""The repository stands on its own: no file refers to a file outside it or to one it lacks."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", "results", "build", "__pycache__", ".pytest_cache",
             ".ipynb_checkpoints", "dask-worker-space"}
TEXT = {".py", ".md", ".toml", ".ipynb", ".yml", ".cfg", ".txt", ".csv"}
TOP = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in SKIP_DIRS
             and not p.name.startswith("."))
# a path into one of the repository's folders, ending in a file name with a suffix
PATH = re.compile(r"(?<![\w./-])((?:\.\./)*(?:" + "|".join(map(re.escape, TOP)) +
                  r")/[\w./-]*\w\.(?:md|py|toml|ipynb|csv|png|txt|yml))\b")
# notes that live outside the repository (the project's shared folder)
OUTSIDE = re.compile(r"\.\./shared|\bshared/|\b(?:ALGORITHM|DESIGN|BIOLOGY)\.md\b")


def _files():
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        # what pip and pytest write into a checkout is not the repository's text
        if path.is_file() and path.suffix in TEXT and parts[0] != ".ci" \
                and not SKIP_DIRS & set(parts) and not any(p.endswith(".egg-info") for p in parts):
            yield path
    yield ROOT / "Makefile"
    yield ROOT / ".ci" / "run"


def test_nothing_refers_to_the_shared_folder_or_its_notes():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
             for p in _files() for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line) and p != Path(__file__)]
    assert not found, "references to files outside the repository:\n" + "\n".join(found)


def test_every_path_into_the_repository_names_a_file_it_has():
    missing = []
    for p in _files():
        if p == Path(__file__):
            continue
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            for ref in PATH.findall(line):
                if Path(ref).stem.isupper():  # a placeholder, as in models/NAME.toml
                    continue
                if ref.startswith("../") or not (ROOT / ref).exists():
                    missing.append(f"{p.relative_to(ROOT)}:{n}: {ref}")
    assert not missing, "paths that do not exist in the repository:\n" + "\n".join(missing)
