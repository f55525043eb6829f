"""Does the cue response grow with reward probability, and the reward response shrink as 1 − p?

Fiorillo, Tobler & Schultz (2003): with one cue per reward probability p, the dopamine response
to the cue increases monotonically with p, and the response to the reward when it comes decreases
with p (a TD error: 1 − p of the reward was unexpected). This script trains the circuit of
models/trace_conditioning.toml on a session in which three cues, equally often, predict a reward
with probabilities PROBABILITIES, and prints per seed and p, over the last half of the session,

- δ at the cue,
- δ at the reward on rewarded trials (expected to fall as 1 − p),
- δ at the reward time on unrewarded trials (a dip growing with p),

with the rank correlation between p and each response across seeds.

Usage:  python analyses/reward_probability.py [--steps 30000] [--seeds 0,1,2,3,4] [--workers 1]
Writes analyses/figures/reward_probability.png.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
MODEL = Path(__file__).resolve().parents[1] / "models" / "trace_conditioning.toml"
PROBABILITIES = {"A": 0.25, "B": 0.5, "C": 0.75}  # cue → P(reward)
FIGURES = Path(__file__).resolve().parent / "figures"


def probability_model():
    """The trace-conditioning model with one cue per reward probability, no probes."""
    import bioRTRRL as br

    base = br.load_model(MODEL)
    kwargs = {k: v for k, v in base.task.kwargs.items()
              if k not in ("n_trials", "reward_probability", "omission_probability")}
    kwargs["phases"] = [{"trials": 5_000, "trial_types": [
        {"cues": [cue], "reward_probability": p} for cue, p in PROBABILITIES.items()]}]
    return base.with_overrides({"task.kwargs": kwargs, "name": "reward_probability"})


def trial_table(ds, cue_time: int, delay: int) -> dict[str, np.ndarray]:
    """Per complete trial: its cue, δ at cue onset, δ at the US time, whether it was rewarded."""
    from bioRTRRL.analysis import trial_matrix

    delta = trial_matrix(ds, "dopamine")
    events = trial_matrix(ds, "events")
    us = cue_time + delay
    complete = np.isfinite(delta.sel(t_in_trial=us).values)
    at_cue = events.sel(t_in_trial=cue_time)[complete]
    cue = np.full(int(complete.sum()), "", dtype=object)
    for name in PROBABILITIES:
        cue[at_cue.sel(event=f"cue_{name}").values > 0] = name
    return {
        "cue_name": cue,
        "cue": delta.sel(t_in_trial=cue_time).values[complete],
        "us": delta.sel(t_in_trial=us).values[complete],
        "rewarded": events.sel(t_in_trial=us, event="reward").values[complete] > 0,
    }


def train(job):
    """One seed → per-cue responses over the last half of the session."""
    import bioRTRRL as br

    seed, steps = job
    model = probability_model()
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    kw = model.task.kwargs
    t = trial_table(ds, kw.get("cue_time", 5), kw.get("delay", 5))
    late = np.arange(t["cue"].size) >= t["cue"].size // 2
    out = {}
    for name in PROBABILITIES:
        mine = late & (t["cue_name"] == name)
        out[name] = (t["cue"][mine].mean(), t["us"][mine & t["rewarded"]].mean(),
                     t["us"][mine & ~t["rewarded"]].mean(), int(mine.sum()))
    return seed, out


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Rank correlation (ties get their mean rank)."""

    def ranks(v):
        r = np.empty(v.size)
        r[np.argsort(v, kind="stable")] = np.arange(v.size)
        for u in np.unique(v):
            r[v == u] = r[v == u].mean()
        return r

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    jobs = [(int(s), args.steps) for s in args.seeds.split(",")]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = dict(pool.map(train, jobs))
    else:
        results = dict(map(train, jobs))

    print(f"reward probability, {args.steps} ticks per seed, last half of the session")
    print(f"{'seed':>4} {'cue':>3} {'p':>5} {'trials':>6} {'δ cue':>7} {'δ reward':>9} "
          f"{'δ no reward':>12}")
    p_all, cue_all, rew_all = [], [], []
    for seed, res in results.items():
        for name, p in PROBABILITIES.items():
            c, r, o, n = res[name]
            print(f"{seed:>4} {name:>3} {p:>5.2f} {n:>6} {c:>+7.3f} {r:>+9.3f} {o:>+12.3f}")
            p_all.append(p), cue_all.append(c), rew_all.append(r)
    p_all, cue_all, rew_all = map(np.asarray, (p_all, cue_all, rew_all))
    monotone = sum(np.all(np.diff([res[n][0] for n in PROBABILITIES]) > 0)
                   for res in results.values())
    print(f"cue response increasing in p in {monotone}/{len(results)} seeds; "
          f"Spearman(p, δ cue) = {spearman(p_all, cue_all):+.2f}, "
          f"Spearman(p, δ reward) = {spearman(p_all, rew_all):+.2f}")
    for name, p in PROBABILITIES.items():
        vals = np.array([res[name][:3] for res in results.values()])
        print(f"p = {p:.2f}: mean δ cue {vals[:, 0].mean():+.3f}, "
              f"δ reward {vals[:, 1].mean():+.3f} "
              f"(1 − p = {1 - p:.2f}), δ no reward {vals[:, 2].mean():+.3f}")

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.8))
    ax = fig.subplots()
    ps = np.array(list(PROBABILITIES.values()))
    for k, (label, marker) in enumerate((("cue", "o"), ("reward (rewarded trials)", "s"),
                                         ("reward time (unrewarded trials)", "v"))):
        vals = np.array([[res[n][k] for n in PROBABILITIES] for res in results.values()])
        sem = vals.std(0, ddof=1) / np.sqrt(len(vals)) if len(vals) > 1 else None
        ax.errorbar(ps, vals.mean(0), yerr=sem, marker=marker, capsize=3, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="reward probability p", ylabel="δ (mean ± s.e.m. over seeds)",
           title="dopamine and reward probability", xticks=ps)
    ax.legend(fontsize="small")
    fig.tight_layout()
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / "reward_probability.png", dpi=110)
    print(f"figure: {FIGURES / 'reward_probability.png'}")


if __name__ == "__main__":
    main()
