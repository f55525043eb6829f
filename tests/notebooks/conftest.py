"""What a clean notebook output may not hold: warnings, error messages or paths of the machine
that ran it."""

import re

import pytest

# Absolute paths of a local machine (POSIX home, temporary and install folders; Windows drives).
LOCAL_PATH = re.compile(r"(?<![\w.:/])/(?:home|Users|root|tmp|work|opt|usr|var|private|mnt)/"
                        r"|site-packages|\b[A-Z]:\\\\")
WARNING = re.compile(r"\w*Warning\b|\bwarnings\.warn\b|^WARNING\b", flags=re.MULTILINE)


def _texts(output: dict):
    """Every piece of text an output shows (streams, plain/HTML results, error traces)."""
    if "text" in output:
        yield "".join(output["text"])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime.endswith("json"):
            yield value if isinstance(value, str) else "".join(map(str, value))
    if output.get("output_type") == "error":
        yield "\n".join(output.get("traceback", []))


def problems(nb) -> list[str]:
    """One line per output cell that shows a warning, writes to stderr or names a local path."""
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("name") == "stderr":
                found.append(f"cell {i}: writes to stderr: {''.join(output['text'])[:200]!r}")
            for text in _texts(output):
                for pattern, what in ((WARNING, "a warning"), (LOCAL_PATH, "a local path")):
                    m = pattern.search(text)
                    if m:
                        found.append(f"cell {i}: {what}: ...{text[max(0, m.start() - 80):m.end() + 80]!r}")
    return found


@pytest.fixture
def output_problems():
    return problems
