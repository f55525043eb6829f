"""analyses/dopamine_timing.py at a small budget: it runs end to end with dopamine neurons in Hz,
writes its figure, table and CSV, and its signature measures come out in the reported form (the
full runs are in analyses/results/dopamine_timing.md).

Signature checked (Schultz, Dayan & Montague 1997), with the settings of
models/trace_conditioning_timing.toml at a 0.5 s interval and 1–2 s between trials: after about
250 trials the dopamine neurons burst at the cue (above the tonic 4 Hz), the reward's response has
fallen well below its unpredicted size, and around an omitted reward they fire below baseline.
"""

import numpy as np

from tests.analyses_scripts import load_analysis


def test_dopamine_timing_small_budget(tmp_path):
    timing = load_analysis("dopamine_timing")
    path, _ = timing.CONDITIONS["microstimuli_reward"]
    kwargs = {"n_trials": 10_000, "cue_time": 5, "cue_duration": 1, "iti": [20, 40],
              "reward_probability": 1.0, "omission_probability": 0.1}
    timing.CONDITIONS["microstimuli_reward"] = (path, {"task.kwargs": kwargs})
    timing.LATE, timing.EARLY = 80, 20
    summary = timing.main(["--steps", "12000", "--seeds", "0,1", "--intervals", "10",
                           "--out", str(tmp_path / "timing"),
                           "--figure", str(tmp_path / "timing.png")])
    assert (tmp_path / "timing.png").stat().st_size > 0
    assert "| microstimuli_reward | 0.5 | 2 |" in (tmp_path / "timing.md").read_text()
    assert (tmp_path / "timing.csv").read_text().count("\n") == 3
    (row,) = summary
    assert row["trials"] > 200
    assert row["cue_hz_late"] > row["baseline_hz_late"] + 1.0       # a burst at the cue
    assert row["reward_late"] < 0.6 * row["reward_early"]            # the reward is predicted
    assert row["omission_window_late"] < 0 and row["omission_hz_late"] < row["baseline_hz_late"]
    assert np.isfinite([row["ci_low"], row["dip_ci_high"]]).all()
