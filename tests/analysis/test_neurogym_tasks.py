"""analyses/neurogym_tasks.py: runs over seeds, their summary, and what a rerun keeps."""

import importlib.util
import json

import pytest

from tests.analyses_scripts import load_analysis

pytestmark = pytest.mark.skipif(importlib.util.find_spec("neurogym") is None,
                                reason="NeuroGym not installed (docs/suites.md)")


@pytest.fixture
def ng(tmp_path, monkeypatch):
    module = load_analysis("neurogym_tasks")
    monkeypatch.setattr(module, "RESULTS", tmp_path / "runs.jsonl")
    monkeypatch.setattr(module, "TABLE", tmp_path / "table.md")
    return module


def test_seeds_are_recorded_summarised_and_not_rerun(ng):
    """Two seeds of 20 k ticks (one evaluation each): two records, one summary row over both,
    the hand-written reading kept when the table is rewritten, and a rerun adds nothing."""
    argv = ["--task", "PerceptualDecisionMaking-v0", "--steps", "20000", "--seeds", "0,1",
            "--setting", "adam_eps"]
    ng.main(argv)
    runs = [json.loads(line) for line in ng.RESULTS.read_text().splitlines()]
    assert sorted(r["seed"] for r in runs) == [0, 1]
    assert all(len(r["curve"]) == 1 and r["best"] == r["held"] == r["curve"][0] for r in runs)
    # a score is a fraction correct less fixation penalties
    assert all(-1.0 <= r["best"] <= 1.0 for r in runs)
    ng.TABLE.write_text(ng.TABLE.read_text() + "\n## Reading\n\nwritten by hand\n")
    ng.main(argv)
    assert len(ng.RESULTS.read_text().splitlines()) == 2
    table = ng.TABLE.read_text()
    assert "| PerceptualDecisionMaking-v0 | adam_eps | 20 k | 2 |" in table
    assert table.endswith("## Reading\n\nwritten by hand\n")


def test_same_seed_same_curve(ng):
    """NeuroGym's own RNG is seeded from the run seed: a seed's scores repeat."""
    first = ng.train("DelayMatchSample-v0", "no_efference", 3, 20_000)
    again = ng.train("DelayMatchSample-v0", "no_efference", 3, 20_000)
    assert first["curve"] == again["curve"]


def test_bad_seeds_name_the_argument(ng, capsys):
    with pytest.raises(SystemExit):
        ng.main(["--seeds", "0,x"])
    assert "--seeds" in capsys.readouterr().err
