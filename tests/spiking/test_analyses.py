"""Small-budget checks of the spiking analyses' helpers (the scripts run at full scale)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import bioRTRRL as br

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analyses"))
import spiking_reversal  # noqa: E402


def test_reversal_scoring_follows_the_blocks():
    """The better arm is 0 for the first 50 trials of an episode and 1 after; a circuit's choices
    are scored against it trial by trial (checked here against the task's own reward events)."""
    model = br.load_model(spiking_reversal.MODEL)
    ds = br.run(model, steps=400, seed=0, progress=False)
    c = spiking_reversal.correct_by_trial(ds)
    assert c.shape[1] == 100 and np.nanmean(c) > 0.0
    # a choice of the better arm is rewarded with p = 0.8, of the other with p = 0.2
    reward = ds.reward.values.reshape(ds.sizes["step"], -1)[:, 0]
    same = ds.episode.values[1:] == ds.episode.values[:-1]
    ok = c[ds.episode.values[1:][same], ds.trial.values[1:][same]]
    r = reward[1:][same]
    assert r[ok == 1].mean() > r[ok == 0].mean() + 0.3
