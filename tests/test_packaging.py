"""environment.yml installs what pyproject.toml declares (names and lower bounds)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name_and_bounds(req: str) -> tuple[str, set[str]]:
    req = req.split(";")[0].strip()
    name = re.split(r"[<>=!\[ ]", req, maxsplit=1)[0].lower()
    bounds = set(re.findall(r"(>=|<)\s*([0-9][0-9.]*)", req))
    return name, {f"{op}{v}" for op, v in bounds}


def _expanded(reqs: list[str], extras: dict, project: str) -> list[str]:
    """``reqs`` with the project's own extras (``bioRTRRL[nwb]``) replaced by what they list."""
    out = []
    for req in reqs:
        m = re.fullmatch(rf"{re.escape(project)}\[([\w,]+)\]", req, flags=re.IGNORECASE)
        if m:
            for extra in m.group(1).split(","):
                out += _expanded(extras[extra], extras, project)
        else:
            out.append(req)
    return out


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = py["optional-dependencies"]
    wanted: dict[str, set[str]] = {}
    for req in py["dependencies"] + _expanded(extras["dev"], extras, py["name"]):
        name, bounds = _name_and_bounds(req)
        if name == "dask":  # dask[distributed] is two packages on conda-forge
            wanted.setdefault("distributed", set()).update(bounds)
        wanted.setdefault(name, set()).update(bounds)
    lines = (ROOT / "environment.yml").read_text().splitlines()
    deps = lines[lines.index("dependencies:") + 1:]
    conda = {}
    for line in deps:
        m = re.match(r"\s+- ([A-Za-z0-9_.\-]+)(.*)$", line)
        if m and m.group(1) not in ("pip", "python", "-e"):
            conda[m.group(1).lower()] = {f"{op}{v}" for op, v in re.findall(r"(>=|<)([0-9][0-9.]*)", m.group(2))}
    assert set(conda) == set(wanted), (set(conda) ^ set(wanted))
    for name, bounds in wanted.items():
        assert bounds <= conda[name], f"{name}: environment.yml {conda[name]} lacks {bounds - conda[name]}"
    assert any("-e ." in line for line in lines), "the package itself must be pip-installed"
