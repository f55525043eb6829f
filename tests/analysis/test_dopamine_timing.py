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
                           "--conditions", "microstimuli_reward", "--out", str(tmp_path / "timing"),
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


def test_dopamine_timing_csc_small_budget(tmp_path):
    """The full signature in Hz with the complete serial compound (Schultz, Dayan & Montague
    1997; Montague, Dayan & Sejnowski 1996), models/trace_conditioning_csc.toml at a 0.5 s
    interval, 1–2 s between trials, a 1 s delay line and a 128-unit relay, 2 seeds × 12,000 ticks
    (about 260 trials): the dopamine neurons burst at the cue (above the tonic rate), the
    predicted reward's rate has fallen to within 2 Hz of baseline (from about 10 Hz above it),
    and at an omitted reward they pause to 0 Hz at the reward's time (≤ 1 Hz), all over both
    seeds' 95 % intervals."""
    timing = load_analysis("dopamine_timing")
    path, _ = timing.CONDITIONS["csc"]
    kwargs = {"n_trials": 10_000, "cue_time": 5, "cue_duration": 1, "iti": [20, 40],
              "reward_probability": 1.0, "omission_probability": 0.1}
    timing.CONDITIONS["csc"] = (path, {"task.kwargs": kwargs, "circuit.cortex_size": 128,
                                       "task.serial_compound": {"length_ms": 1000.0,
                                                                "reward": True}})
    timing.LATE, timing.EARLY = 80, 20
    summary = timing.main(["--steps", "12000", "--seeds", "0,1", "--intervals", "10",
                           "--conditions", "csc", "--out", str(tmp_path / "timing"),
                           "--figure", str(tmp_path / "timing.png")])
    assert (tmp_path / "timing.png").stat().st_size > 0
    text = (tmp_path / "timing.md").read_text()
    assert "| csc | 0.5 | 2 |" in text and "omission, lowest tick" in text
    (row,) = summary
    assert row["complete"] and row["burst_ok"] and row["pause_ok"]
    assert row["reward_early"] > 0.5 and row["reward_late"] < 0.3 * row["reward_early"]
    assert row["reward_vs_baseline_ci_high"] < 2.0
    assert row["pause_ci_high"] <= 0.5
