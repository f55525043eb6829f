"""Small-budget, seeded versions of the dopamine signatures (the analyses/ scripts at full scale).

Each test trains the circuit of models/trace_conditioning.toml once and asserts the behavioural
inequality the biology predicts: transfer of δ from reward to cue and the omission dip (Schultz
1997), a cue response increasing with reward probability (Fiorillo 2003), blocking (Waelti 2001).
"""

from pathlib import Path

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.analysis import trial_matrix

MODEL = Path(__file__).resolve().parents[2] / "models" / "trace_conditioning.toml"
SEED = 0


def _with_phases(phases):
    base = br.load_model(MODEL)
    kwargs = {k: v for k, v in base.task.kwargs.items()
              if k not in ("n_trials", "reward_probability", "omission_probability")}
    return base.with_overrides({"task.kwargs": {**kwargs, "phases": phases}})


def _trials(ds, model):
    """δ matrix (trial × tick in trial) and events at cue onset and US time of complete trials."""
    kw = model.task.kwargs
    cue, us = kw["cue_time"], kw["cue_time"] + kw["delay"]
    delta = trial_matrix(ds, "dopamine")
    events = trial_matrix(ds, "events")
    done = np.isfinite(delta.sel(t_in_trial=us).values)
    return delta[done], events.sel(t_in_trial=cue)[done], events.sel(t_in_trial=us)[done], cue, us


@pytest.fixture(scope="module")
def conditioning():
    model = br.load_model(MODEL)
    ds = br.run(model, steps=15_000, seed=SEED, progress=False)
    return _trials(ds, model)


def test_dopamine_moves_from_reward_to_cue(conditioning):
    delta, _, at_us, cue, us = conditioning
    rewarded = at_us.sel(event="reward").values > 0
    early = np.flatnonzero(rewarded)[:20]
    late = np.flatnonzero(rewarded)[-150:]
    d_cue, d_us = delta.sel(t_in_trial=cue).values, delta.sel(t_in_trial=us).values
    assert d_us[early].mean() > 0.7            # unpredicted reward
    assert d_cue[early].mean() < 0.2           # the cue predicts nothing yet
    assert d_cue[late].mean() > d_us[late].mean()
    assert d_cue[late].mean() > 0.2


def test_omission_dips_below_zero_at_the_expected_time(conditioning):
    delta, _, at_us, cue, us = conditioning
    omitted = np.flatnonzero(at_us.sel(event="omission").values > 0)
    late = omitted[omitted >= delta.sizes["trial"] // 2]
    assert late.size >= 5
    d = delta.values[late]
    assert d[:, list(delta.t_in_trial.values).index(us)].mean() < -0.2
    # the dip is at the expected reward time, not before it
    assert np.nanmean(d[:, cue + 1:us], axis=0).min() > d[:, us].mean()


def test_cue_response_increases_with_reward_probability():
    probabilities = {"A": 0.25, "B": 0.5, "C": 0.75}
    model = _with_phases([{"trials": 5000, "trial_types": [
        {"cues": [c], "reward_probability": p} for c, p in probabilities.items()]}])
    ds = br.run(model, steps=20_000, seed=SEED, progress=False)
    delta, at_cue, _, cue, _ = _trials(ds, model)
    late = np.arange(delta.sizes["trial"]) >= delta.sizes["trial"] // 2
    at_onset = delta.sel(t_in_trial=cue).values
    response = [at_onset[late & (at_cue.sel(event=f"cue_{c}").values > 0)].mean()
                for c in probabilities]
    assert response[0] < response[1] < response[2], response


def test_blocked_cue_responds_less_than_the_control_cue():
    n = 200
    model = _with_phases([
        {"trials": n, "trial_types": [{"cues": ["A"]}, {"cues": ["B"], "reward_probability": 0.0}]},
        {"trials": n, "trial_types": [{"cues": ["A", "X"]}, {"cues": ["B", "Y"]}]},
        {"trials": 20, "trial_types": [{"cues": ["X"], "omission_probability": 1.0},
                                       {"cues": ["Y"], "omission_probability": 1.0}]},
    ])
    ds = br.run(model, steps=(2 * n + 20) * 39, seed=SEED, progress=False)
    test = (ds.episode.values == 0) & (ds.trial.values >= 2 * n)
    x = ds.events.sel(event="cue_X").values & test
    y = ds.events.sel(event="cue_Y").values & test
    assert x.sum() >= 5 and y.sum() >= 5
    assert ds.dopamine.values[x].mean() < ds.dopamine.values[y].mean()
    assert ds.value.values[x].mean() < ds.value.values[y].mean()
