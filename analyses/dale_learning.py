"""Does the circuit still learn with Dale's law (and with firing-rate units)?

Murray 2019 (eLife 8:e43299, Fig. 2—figure supplement): RFLO trains recurrent networks whose
units are excitatory or inhibitory (sign-constrained outgoing weights) nearly as well as
unconstrained ones. Here the cortex is split 80/20 into excitatory and inhibitory units
(``circuit.sign = "dale"``; Song, Yang & Wang 2016 initialisation, signs kept by projection after
every update) and trained on the two tasks the issue names:

- velocities-only CartPole (models/cartpole_velocities.toml): the best evaluation return (mean of
  10 stochastic-policy episodes, every 10,000 ticks) and whether it reaches 475;
- trace conditioning (models/trace_conditioning.toml): δ at the reward over the first 20 trials
  (unpredicted, ≈ 1), δ at the cue and at the reward over the last 200 (the transfer).

Conditions: ``control`` (the model file), ``dale`` (tanh units, Dale's law), ``rate``
(firing-rate units r = r_max σ(u)), ``dale_rate`` (both); the rate conditions of the conditioning
task (plain SGD) use lr_readout = 0.01 instead of 0.03 (:data:`RATE_SGD`). Every run also checks that no recurrent weight
left its unit's sign and counts the recurrent weights that learning moved.

Usage:  python analyses/dale_learning.py [--steps 300000] [--seeds 0,1,2] [--workers 2]
Writes analyses/results/dale_learning.md and analyses/figures/dale_learning.png.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
CARTPOLE = ROOT / "models" / "cartpole_velocities.toml"
CONDITIONING = ROOT / "models" / "trace_conditioning.toml"
CONDITIONS = {
    "control": {},
    "dale": {"circuit.sign": "dale"},
    "rate": {"circuit.unit": "rate"},
    "dale_rate": {"circuit.sign": "dale", "circuit.unit": "rate"},
}
# rate units feed the readouts h ∈ (0, 1) with mean ≈ 0.5 instead of tanh's ≈ 0, so |h|² and with
# it the SGD step of the critic (lr · |h|²) is several times larger: the SGD model of trace
# conditioning diverges at lr_readout = 0.03 and learns at 0.01 (Adam, CartPole's optimizer,
# normalises each synapse's step and needs no change)
RATE_SGD = {"optimizer.lr_readout": 0.01}
SOLVED = 475.0
EARLY, LATE = 20, 200  # trials (conditioning)
FIGURES = ROOT / "analyses" / "figures"
RESULTS = ROOT / "analyses" / "results"


def sign_check(ds, model) -> tuple[int, float]:
    """(recurrent weights with the wrong sign at the end, fraction of them that moved)."""
    from bioRTRRL.circuit import describe

    signs = describe(model).signs()
    W = ds["W_cortex_cortex"].values  # snapshot × post × pre
    wrong = int(np.sum((signs[None, None, :] * W[-1:]) < 0)) if np.any(signs) else 0
    moved = float(np.mean(np.abs(W[-1] - W[0]) > 1e-6))
    return wrong, moved


def run_cartpole(condition: str, seed: int, steps: int) -> dict:
    import bioRTRRL as br

    model = br.load_model(CARTPOLE).with_overrides(
        {**CONDITIONS[condition], "recording.variables": ["reward", "action"],
         "recording.weights_every": steps})
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    evals = ds["eval_return"].values
    wrong, moved = sign_check(ds, model)
    return {"task": "cartpole_velocities", "condition": condition, "seed": seed,
            "best_eval": float(evals.max()), "solved": bool(evals.max() >= SOLVED),
            "first_solved": float(ds["eval_step"].values[np.argmax(evals >= SOLVED)])
            if evals.max() >= SOLVED else np.nan, "wrong_sign": wrong, "moved": moved}


def run_conditioning(condition: str, seed: int) -> dict:
    import bioRTRRL as br
    from bioRTRRL.analysis import trial_matrix

    rate = CONDITIONS[condition].get("circuit.unit") == "rate"
    model = br.load_model(CONDITIONING).with_overrides(
        {**CONDITIONS[condition], **(RATE_SGD if rate else {}), "recording.weights_every": 100_000})
    ds = br.run(model, seed=seed, progress=False)
    kw = model.task.kwargs
    cue, us = kw["cue_time"], kw["cue_time"] + kw["delay"]
    delta = trial_matrix(ds, "dopamine")
    events = trial_matrix(ds, "events")
    ok = np.isfinite(delta.sel(t_in_trial=us).values)
    rewarded = events.sel(t_in_trial=us, event="reward").values[ok] > 0
    d_cue, d_us = delta.sel(t_in_trial=cue).values[ok], delta.sel(t_in_trial=us).values[ok]
    late = slice(-LATE, None)
    wrong, moved = sign_check(ds, model)
    return {"task": "trace_conditioning", "condition": condition, "seed": seed,
            "reward_early": float(d_us[:EARLY][rewarded[:EARLY]].mean()),
            "cue_late": float(d_cue[late].mean()),
            "reward_late": float(d_us[late][rewarded[late]].mean()),
            "wrong_sign": wrong, "moved": moved}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300_000)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [pool.submit(run_conditioning, c, s) for c in CONDITIONS for s in seeds]
        jobs += [pool.submit(run_cartpole, c, s, args.steps) for c in CONDITIONS for s in seeds]
        rows = [j.result() for j in jobs]
    import pandas as pd

    table = pd.DataFrame(rows)
    lines = [f"# Dale's law and firing-rate units: learning (seeds {seeds})", "",
             f"`python analyses/dale_learning.py --steps {args.steps} --seeds {args.seeds}`", ""]
    for task, part in table.groupby("task", sort=False):
        part = part.dropna(axis=1, how="all").drop(columns="task")
        lines += [f"## {task}", "", part.to_markdown(index=False, floatfmt=".3g"), "",
                  "mean over seeds:", "",
                  part.drop(columns="seed").groupby("condition", sort=False).mean()
                  .to_markdown(floatfmt=".3g"), ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dale_learning.md").write_text("\n".join(lines))
    print("\n".join(lines))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    cp = table[table.task == "cartpole_velocities"]
    for k, c in enumerate(CONDITIONS):
        v = cp[cp.condition == c].best_eval.values
        axes[0].scatter(np.full(len(v), k), v)
    axes[0].set(xticks=range(len(CONDITIONS)), xticklabels=list(CONDITIONS),
                ylabel="best evaluation return", title="velocities-only CartPole")
    axes[0].axhline(SOLVED, color="gray", ls=":")
    tc = table[table.task == "trace_conditioning"]
    for k, c in enumerate(CONDITIONS):
        part = tc[tc.condition == c]
        for j, col in enumerate(("reward_early", "cue_late", "reward_late")):
            axes[1].scatter(np.full(len(part), 4 * j + k), part[col].values, color=f"C{k}",
                            label=c if j == 0 else None)
    axes[1].set(xticks=[1, 5, 9], xticklabels=["reward, early", "cue, late", "reward, late"],
                ylabel="δ", title="trace conditioning")
    axes[1].legend(frameon=False)
    fig.tight_layout()
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / "dale_learning.png", dpi=120)


if __name__ == "__main__":
    main()
