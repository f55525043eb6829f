"""The `biortrrl` command: run writes a recording and figures; plot redraws; errors are one line."""

from pathlib import Path

import bioRTRRL as br
from bioRTRRL.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_run_then_plot(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["run", str(ROOT / "models" / "default.toml"), "--steps", "3000", "--seed", "1",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "episodes" in printed and "recording:" in printed
    ds = br.open_recording(out / "recording.nc")
    assert ds.sizes["step"] == 3000 and ds.attrs["seed"] == 1 and ds.attrs["finished"] == 1
    assert not (out / "recording.zarr").exists()
    figures = sorted((out / "figures").glob("*.png"))
    assert any("learning_curve" in f.name for f in figures)
    for f in figures:
        f.unlink()
    assert main(["plot", str(out)]) == 0
    assert sorted((out / "figures").glob("*.png")) == figures


def test_bad_model_is_one_line_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[learning]\ngamma = 1.5\n")
    assert main(["run", str(bad), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["biortrrl: error: learning.gamma must be in (0, 1], got 1.5"]
