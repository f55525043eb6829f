"""Blocking: does a cue added to an already predictive cue gain less than a control cue?

Waelti, Dickinson & Schultz (2001): after A alone predicts the reward, the compound AX is rewarded
just as often; X predicts nothing new and gains little value ("blocked"), while Y, trained in
compound with the non-predictive B, gains value. Dopamine neurons respond to Y but hardly to X.
The TD error explains it: during the compound phase the reward is already predicted by A, so δ at
the reward is ≈ 0 and nothing drives X's weights.

Design (trials per phase in PHASES), on the circuit of models/trace_conditioning.toml:

1. pretraining: A → reward, B → nothing, equally often;
2. compound:    AX → reward, BY → reward;
3. test:        X alone and Y alone, never rewarded (probes).

For each seed the script prints, over the test trials, δ at the onset of X and of Y and the value
the critic assigns at that tick, then Hedges' g of the difference Y − X across seeds with a
bootstrap confidence interval.

Usage:  python analyses/blocking.py [--seeds 0,1,2,3,4] [--workers 1]
Writes analyses/figures/blocking.png.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
MODEL = Path(__file__).resolve().parents[1] / "models" / "trace_conditioning.toml"
PHASES = [
    {"name": "pretraining", "trials": 300,
     "trial_types": [{"cues": ["A"]}, {"cues": ["B"], "reward_probability": 0.0}]},
    {"name": "compound", "trials": 300,
     "trial_types": [{"cues": ["A", "X"]}, {"cues": ["B", "Y"]}]},
    {"name": "test", "trials": 20,
     "trial_types": [{"cues": ["X"], "omission_probability": 1.0},
                     {"cues": ["Y"], "omission_probability": 1.0}]},
]
FIGURES = Path(__file__).resolve().parent / "figures"


def blocking_model():
    """The trace-conditioning model with the three-phase blocking schedule."""
    import bioRTRRL as br

    base = br.load_model(MODEL)
    kwargs = {k: v for k, v in base.task.kwargs.items()
              if k not in ("n_trials", "reward_probability", "omission_probability")}
    kwargs["phases"] = PHASES
    return base.with_overrides({"task.kwargs": kwargs, "name": "blocking"})


def session_steps(model) -> int:
    """Ticks that surely cover one whole session (every trial at its longest)."""
    kw = model.task.kwargs
    longest = kw.get("cue_time", 5) + kw.get("delay", 5) + 1 + max(kw.get("iti", (5, 15)))
    return longest * sum(p["trials"] for p in PHASES)


def test_responses(ds) -> dict[str, tuple[float, float]]:
    """cue → (mean δ at its onset, mean value at its onset) over the test trials of session 0."""
    test_start = sum(p["trials"] for p in PHASES[:-1])
    in_test = (ds.episode.values == 0) & (ds.trial.values >= test_start)
    out = {}
    for cue in ("X", "Y"):
        onset = ds.events.sel(event=f"cue_{cue}").values & in_test
        out[cue] = (ds.dopamine.values[onset].mean(), ds.value.values[onset].mean())
    return out


def train(seed: int):
    """One seed → its test-phase responses to X and Y."""
    import bioRTRRL as br

    model = blocking_model()
    ds = br.run(model, steps=session_steps(model), seed=seed, progress=False)
    return seed, test_responses(ds)


def main(argv=None):
    from bioRTRRL.stats import compare

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = dict(pool.map(train, seeds))
    else:
        results = dict(map(train, seeds))

    print("blocking: test-phase responses (X blocked by A; Y the control, trained with B)")
    print(f"{'seed':>4} {'δ X':>7} {'δ Y':>7} {'V X':>7} {'V Y':>7}")
    for seed, r in results.items():
        print(f"{seed:>4} {r['X'][0]:>+7.3f} {r['Y'][0]:>+7.3f} {r['X'][1]:>+7.3f} "
              f"{r['Y'][1]:>+7.3f}")
    blocked = sum(r["X"][0] < r["Y"][0] for r in results.values())
    print(f"blocked cue below the control cue in {blocked}/{len(results)} seeds")
    for k, label in ((0, "δ at cue onset"), (1, "value at cue onset")):
        table = compare({"Y (control)": [r["Y"][k] for r in results.values()],
                         "X (blocked)": [r["X"][k] for r in results.values()]},
                        control="Y (control)")
        x = table.sel(condition="X (blocked)")
        print(f"{label}: X − Y = {float(x.difference):+.3f} "
              f"[{float(x.difference_low):+.3f}, {float(x.difference_high):+.3f}] "
              f"(95 % bootstrap), Hedges' g = {float(x.hedges_g):+.2f} "
              f"[{float(x.g_low):+.2f}, {float(x.g_high):+.2f}], "
              f"{len(results)} seeds")

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 3.5))
    axes = fig.subplots(1, 2)
    for ax, k, label in ((axes[0], 0, "δ at cue onset"), (axes[1], 1, "value at cue onset")):
        vals = np.array([[r["X"][k], r["Y"][k]] for r in results.values()])
        for row in vals:
            ax.plot([0, 1], row, color="0.7", marker="o", ms=3, lw=0.8)
        ax.bar([0, 1], vals.mean(0), color=["C3", "C0"], alpha=0.6, width=0.5)
        ax.set(xticks=[0, 1], xticklabels=["X (blocked)", "Y (control)"], ylabel=label,
               title=label)
        ax.axhline(0, color="k", lw=0.5)
    fig.suptitle(f"blocking, test phase ({len(results)} seeds; grey = one seed)")
    fig.tight_layout()
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / "blocking.png", dpi=110)
    print(f"figure: {FIGURES / 'blocking.png'}")


if __name__ == "__main__":
    main()
