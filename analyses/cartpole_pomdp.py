"""RFLO on partially observed CartPole: does the circuit solve it, how fast, and does it stay solved?

The paper (ALGORITHM.md §7) reports 500 on both CartPole positions-only and velocities-only (median of
5 seeds). For each observation mask, stabiliser and seed this script trains the default circuit,
evaluates every EVAL_EVERY ticks (mean return of the first episode of 10 stochastic-policy
environments) and prints the ticks to the first evaluation ≥ 475, the best evaluation, and the
fraction of later evaluations that stay ≥ 475.

Stabilisers compared (optimizer options of the model file):
- "constant":  Adam at lr 1e-3 throughout (the published code's behaviour, no clipping);
- "linear":    the learning rate decays linearly to 10 % over the budget (the paper's appendix names a
               decaying learning rate as the remedy it did not use) — the toolkit's default;
- "clip1":     global-norm clip 1.0 on the update direction (the paper's stated setting).

Usage:  python analyses/cartpole_pomdp.py [--steps 2000000] [--seeds 0,1,2] [--workers 2]
Writes analyses/results/cartpole_pomdp.csv and analyses/figures/cartpole_pomdp.png.
"""

from __future__ import annotations

import argparse
import csv
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
MODEL = Path(__file__).resolve().parents[1] / "models" / "default.toml"
MASKS = ["positions", "velocities"]
STABILISERS = {
    "constant": {"optimizer.lr_schedule": "constant", "optimizer.clip_norm": 0.0},
    "linear": {"optimizer.lr_schedule": "linear", "optimizer.clip_norm": 0.0},
    "clip1": {"optimizer.lr_schedule": "constant", "optimizer.clip_norm": 1.0},
}
EVAL_EVERY = 10_000
EVAL_EPISODES = 10
SOLVED = 475.0
OUT = Path(__file__).resolve().parent


def train(job):
    """One (mask, stabiliser, seed) run → its evaluation curve."""
    import bioRTRRL as br

    mask, stab, seed, steps = job
    model = br.load_model(MODEL).with_overrides({
        "task.observation_mask": mask,
        "run.eval_every": EVAL_EVERY,
        "run.eval_episodes": EVAL_EPISODES,
        "optimizer.lr_decay_steps": steps,
        "recording.variables": ["reward"],
        "recording.weights_every": 0,
        **STABILISERS[stab],
    })
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    return mask, stab, seed, ds.eval_step.values, ds.eval_return.values


def summarise(eval_steps, eval_returns):
    """(ticks to first evaluation ≥ 475 or None, best evaluation, fraction of later evals ≥ 475)."""
    hit = np.flatnonzero(eval_returns >= SOLVED)
    if not hit.size:
        return None, float(eval_returns.max()), float("nan")
    later = eval_returns[hit[0] + 1:]
    stay = float((later >= SOLVED).mean()) if later.size else float("nan")
    return int(eval_steps[hit[0]]), float(eval_returns.max()), stay


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2_000_000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--stabilisers", default=",".join(STABILISERS))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    stabs = args.stabilisers.split(",")
    jobs = [(m, st, s, args.steps) for m in MASKS for st in stabs for s in seeds]

    rows, curves = [], {}
    with ProcessPoolExecutor(args.workers) as pool:
        for mask, stab, seed, steps_e, ret_e in pool.map(train, jobs):
            first, best, stay = summarise(steps_e, ret_e)
            rows.append({"mask": mask, "stabiliser": stab, "seed": seed, "steps_to_475": first,
                         "best_eval": round(best, 1), "later_evals_ge_475": stay})
            curves[(mask, stab, seed)] = (steps_e, ret_e)
            print(f"{mask:10s} {stab:9s} seed {seed}: steps to 475 = {first}, best = {best:.1f}, "
                  f"later evals >= 475: {stay:.0%}" if stay == stay else
                  f"{mask:10s} {stab:9s} seed {seed}: never reached 475, best = {best:.1f}", flush=True)

    print(f"\nbudget {args.steps} ticks, evaluation every {EVAL_EVERY} with {EVAL_EPISODES} episodes")
    print(f"{'mask':10s} {'stabiliser':10s} {'solved':>7s} {'median best':>12s} {'median steps to 475':>20s}")
    for mask in MASKS:
        for stab in stabs:
            sel = [r for r in rows if r["mask"] == mask and r["stabiliser"] == stab]
            solved = [r["steps_to_475"] for r in sel if r["steps_to_475"] is not None]
            med_steps = f"{np.median(solved):.0f}" if solved else "-"
            print(f"{mask:10s} {stab:10s} {len(solved)}/{len(sel):<5d} "
                  f"{np.median([r['best_eval'] for r in sel]):12.1f} {med_steps:>20s}")

    (OUT / "results").mkdir(exist_ok=True)
    with open(OUT / "results" / "cartpole_pomdp.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: (r["mask"], r["stabiliser"], r["seed"])))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(MASKS), figsize=(6 * len(MASKS), 4), sharey=True)
    colors = dict(zip(stabs, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for ax, mask in zip(np.atleast_1d(axes), MASKS):
        for (m, stab, seed), (x, y) in sorted(curves.items()):
            if m == mask:
                ax.plot(x, y, color=colors[stab], alpha=0.7, label=stab if seed == seeds[0] else None)
        ax.axhline(SOLVED, color="k", ls=":", lw=1)
        ax.set(title=f"CartPole, {mask} only", xlabel="training ticks", ylabel="evaluation return")
        ax.legend()
    (OUT / "figures").mkdir(exist_ok=True)
    fig.tight_layout()
    fig.savefig(OUT / "figures" / "cartpole_pomdp.png", dpi=120)


if __name__ == "__main__":
    main()
