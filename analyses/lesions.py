"""Which parts of the circuit does learning need? Lesion and clamp studies across seeds.

The circuit of models/cartpole_velocities.toml (CartPole observed through velocities only: cortex
must integrate them into positions) is trained under each manipulation in CONDITIONS, SEEDS times.
For every run the script takes the mean episode return over the last FINAL fraction of training
(final performance) and over the whole run (area under the learning curve), and compares each
condition with the intact circuit: difference of means with a 95 % bootstrap interval over seeds,
and Hedges' g with its interval (bioRTRRL.stats.compare).

Conditions (bioRTRRL.manipulation kinds):
- control:               the intact circuit;
- no dopamine:           VTA lesioned (δ = 0): no plasticity at all;
- no dopamine, half-way: the same lesion from the middle of training: is what was learnt kept?
- tonic dopamine:        δ clamped at a small positive value: plasticity without information;
- rectified dopamine:    δ_eff = max(δ, −0.1): dips bounded by a tonic baseline (Potjans 2011);
- frozen cortex:         no cortical plasticity, readouts learn on a random reservoir (echo state);
- exact feedback:        weight transport instead of random feedback to cortex;
- shorter traces:        λ = 0.5 instead of the model's 0.9 in every TD trace;
- slow RFLO eligibility: cortical synapses keep their RFLO eligibility with τ_e = 20 ticks instead
                         of their unit's membrane τ (1-5 ticks).

Usage:  python analyses/lesions.py [--steps 150000] [--seeds 0,1,2,3,4] [--workers 2]
Writes analyses/figures/lesions.png and analyses/results/lesions.csv.
"""

from __future__ import annotations

import argparse
import csv
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
MODEL = Path(__file__).resolve().parents[1] / "models" / "cartpole_velocities.toml"
HALF = "half"  # placeholder for the start tick of mid-training manipulations (steps // 2)
CONDITIONS = {
    "control": [],
    "no dopamine": [dict(kind="lesion", target="vta")],
    "no dopamine, half-way": [dict(kind="lesion", target="vta", start=HALF)],
    "tonic dopamine": [dict(kind="clamp_dopamine", value=0.05)],
    "rectified dopamine": [dict(kind="rectify_dopamine", baseline=0.1)],
    "frozen cortex": [dict(kind="freeze_cortex")],
    "exact feedback": [dict(kind="exact_feedback")],
    "shorter traces": [dict(kind="trace_lambda", target="all", lam=0.5)],
    "slow RFLO eligibility": [dict(kind="rflo_tau", target="cortex", tau=20.0)],
}
FINAL = 0.2   # fraction of training at the end over which final performance is measured
BINS = 20     # points of the learning-curve figure
OUT = Path(__file__).resolve().parent


def condition_model(name: str, steps: int):
    """The control model with the condition's manipulations appended (mid-training ones at
    steps // 2)."""
    import bioRTRRL as br
    from bioRTRRL.manipulation import manipulate

    model = br.load_model(MODEL).with_overrides({
        "run.eval_every": 0, "recording.variables": ["reward"], "recording.weights_every": 0,
        "optimizer.lr_decay_steps": steps})
    for entry in CONDITIONS[name]:
        entry = dict(entry)
        if entry.get("start") == HALF:
            entry["start"] = steps // 2
        model = manipulate(model, **entry)
    return model


def train(job):
    """(condition, seeds, steps) → per seed: (condition, seed, episode end ticks, returns).

    The seeds of a condition train as one cohort (bioRTRRL.run_cohort: every animal its own
    circuit and task, bit for bit its single run, in one engine call)."""
    import bioRTRRL as br

    name, seeds, steps = job
    ds = br.run_cohort(condition_model(name, steps), seeds=seeds, steps=steps, progress=False)
    out = []
    for seed in seeds:
        one = ds.sel(seed=seed).dropna("completed_episode", subset=["episode_return"])
        out.append((name, seed, one.episode_end_step.values.astype(np.int64),
                    one.episode_return.values))
    return out


def binned(end, ret, steps):
    """Mean return of the episodes ending in each of BINS equal spans of training."""
    edges = np.linspace(0, steps, BINS + 1)
    which = np.clip(np.searchsorted(edges, end, side="right") - 1, 0, BINS - 1)
    return np.array([ret[which == b].mean() if np.any(which == b) else np.nan for b in range(BINS)])


def main(argv=None):
    from bioRTRRL.stats import compare

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=150_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(c, seeds, args.steps) for c in CONDITIONS]
    started = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            runs = [r for cohort in pool.map(train, jobs) for r in cohort]
    else:
        runs = [r for j in jobs for r in train(j)]
    print(f"trained {len(runs)} runs in {time.perf_counter() - started:.1f} s "
          f"({args.workers} workers)")

    final = {c: [] for c in CONDITIONS}
    auc = {c: [] for c in CONDITIONS}
    curves = {c: [] for c in CONDITIONS}
    for name, seed, end, ret in runs:
        late = end >= (1.0 - FINAL) * args.steps
        final[name].append(ret[late].mean() if late.any() else ret[-1:].mean())
        auc[name].append(ret.mean())
        curves[name].append(binned(end, ret, args.steps))

    print(f"lesion study on {MODEL.stem}: {args.steps} ticks, seeds {seeds}")
    print(f"final = mean return of the episodes in the last {FINAL:.0%} of training; "
          "AUC = mean return of all episodes; intervals: 95 % bootstrap over seeds")
    rows = []
    for metric, values in (("final", final), ("AUC", auc)):
        table = compare(values, control="control")
        print(f"\n{metric:<6} {'condition':<24} {'mean':>7} {'sd':>6} {'diff vs control':>26} "
              f"{'Hedges g':>22}")
        for name in CONDITIONS:
            r = table.sel(condition=name)
            print(f"{'':<6} {name:<24} {float(r['mean']):>7.1f} {float(r.sd):>6.1f} "
                  f"{float(r.difference):>+8.1f} [{float(r.difference_low):>+7.1f}, "
                  f"{float(r.difference_high):>+7.1f}] {float(r.hedges_g):>+6.2f} "
                  f"[{float(r.g_low):>+6.2f}, {float(r.g_high):>+6.2f}]")
            rows.append({"metric": metric, "condition": name,
                         **{k: float(r[k]) for k in table.data_vars}})

    (OUT / "results").mkdir(parents=True, exist_ok=True)
    with open(OUT / "results" / "lesions.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    x = (np.arange(BINS) + 0.5) * args.steps / BINS
    for i, name in enumerate(CONDITIONS):
        c = np.array(curves[name])
        mean = np.nanmean(c, axis=0)
        sem = np.nanstd(c, axis=0, ddof=1) / np.sqrt(len(c)) if len(c) > 1 else 0 * mean
        ax1.plot(x, mean, label=name, color=f"C{i}")
        ax1.fill_between(x, mean - sem, mean + sem, color=f"C{i}", alpha=0.2, linewidth=0)
    ax1.set(xlabel="tick", ylabel="episode return (mean ± s.e.m. over seeds)",
            title="learning curves")
    ax1.legend(fontsize="small")
    table = compare(final, control="control")
    names = list(CONDITIONS)[1:]
    g = table.hedges_g.sel(condition=names).values
    lo, hi = table.g_low.sel(condition=names).values, table.g_high.sel(condition=names).values
    y = np.arange(len(names))
    ax2.errorbar(g, y, xerr=[g - lo, hi - g], fmt="o", capsize=3)
    ax2.axvline(0, color="k", lw=0.5)
    ax2.set(yticks=y, yticklabels=names, xlabel="Hedges' g vs control (final return, 95 % CI)",
            title=f"effect sizes ({len(seeds)} seeds)")
    ax2.invert_yaxis()
    fig.tight_layout()
    (OUT / "figures").mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT / "figures" / "lesions.png", dpi=110)
    print(f"\nfigure: {OUT / 'figures' / 'lesions.png'}; table: {OUT / 'results' / 'lesions.csv'}")


if __name__ == "__main__":
    main()
