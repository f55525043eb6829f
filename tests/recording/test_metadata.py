"""Every variable and coordinate of a recording says what it is and in which units (CF conventions),
and docs/recording_schema.md lists the same metadata."""

import re
from pathlib import Path

import pytest

import bioRTRRL as br
from bioRTRRL.recording.recorder import CONVENTIONS, metadata

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
# UDUNITS strings the schema uses: dimensionless, seconds, hertz (firing rates), or a tick's
# duration in milliseconds
UNITS = re.compile(r"^(1|s|Hz|\d+(\.\d+)?(e-?\d+)? ms)$")


def _runs():
    """Short real runs that between them hold every optional part of the schema."""
    every = ["rate", "dopamine", "value", "reward", "action", "obs", "events", "trace_norms"]
    cartpole = br.load_model(MODELS / "default.toml").with_overrides({
        "run.eval_every": 100, "run.eval_episodes": 2, "recording.weights_every": 100,
        "recording.chunk_steps": 64, "recording.variables": every})
    batched = cartpole.with_overrides({"task.num_envs": 2})
    trials = br.load_model(MODELS / "trace_conditioning.toml").with_overrides({
        "task.kwargs": {"n_trials": 20, "iti": [3, 5]}, "recording.variables": every,
        "circuit.dopamine_neurons": True})  # the dopamine neurons' rate, in Hz
    rate_units = trials.with_overrides({"circuit.unit": "rate"})  # firing_rate in Hz
    # the LRU cortex's parameters by name (it has no RFLO eligibility: no trace norms)
    lru = cartpole.with_overrides({"circuit.unit": "lru", "recording.variables": every[:-1]})
    return {name: br.run(m, steps=250, seed=0, progress=False)
            for name, m in [("cartpole", cartpole), ("batched", batched), ("trials", trials),
                            ("rate_units", rate_units), ("lru", lru)]}


@pytest.fixture(scope="module")
def runs():
    return _runs()


def test_the_runs_cover_the_whole_schema(runs):
    names = set().union(*(set(ds.variables) for ds in runs.values()))
    assert names == set(metadata(10.0))


def test_every_variable_and_coordinate_has_a_long_name_and_numbers_have_units(runs):
    for run, ds in runs.items():
        assert ds.attrs["Conventions"] == CONVENTIONS
        for name, var in ds.variables.items():
            assert var.attrs.get("long_name"), f"{run}: {name} has no long_name"
            if var.dtype.kind in "biuf":
                assert UNITS.match(var.attrs.get("units", "")), f"{run}: {name} units {var.attrs.get('units')!r}"
            else:  # text: CF gives strings no units
                assert "units" not in var.attrs, f"{run}: text coordinate {name} has units"


def test_every_data_variable_has_units_and_long_name(runs):
    for ds in runs.values():
        for name, var in ds.data_vars.items():
            assert {"units", "long_name"} <= set(var.attrs), name


def test_time_constants_are_in_ticks_of_the_euler_step():
    model = br.load_model({"circuit": {"env_dt_ms": 20.0, "dt": 0.5}})
    ds = br.run(model, steps=5, seed=0, progress=False)
    assert ds.tau_cortex.attrs["units"] == "40 ms"
    assert ds.time.attrs["units"] == "s"


def test_metadata_survives_saving_and_reopening(runs, tmp_path):
    ds = runs["trials"]
    for suffix in (".nc", ".zarr"):
        again = br.open_recording(br.save(ds, tmp_path / f"run{suffix}"))
        for name in ds.variables:
            assert again[name].attrs == ds[name].attrs, (suffix, name)
        assert again.attrs["Conventions"] == CONVENTIONS


def _documented() -> dict[str, tuple[str, str]]:
    text = (ROOT / "docs" / "recording_schema.md").read_text()
    section = text.split("## Units and long names", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.*?) \| (.*?) \|$", section, flags=re.MULTILINE)
    return {name: (units, long_name) for name, units, long_name in rows}


def test_the_schema_document_lists_the_metadata_of_every_name():
    expected = {name: (f"`{m['units']}`" if "units" in m else "–", m["long_name"])
                for name, m in metadata(10.0).items()}
    rows = "\n".join(f"| `{n}` | {u} | {ln} |" for n, (u, ln) in expected.items())
    assert _documented() == expected, f"docs/recording_schema.md should list:\n{rows}"
