"""Does dopamine move from the reward to the cue, and dip when an expected reward is omitted?

Schultz, Dayan & Montague (1997): before learning, dopamine neurons fire at the reward; after
learning they fire at the cue that predicts it and pause at the time the reward was due when it is
withheld. Here the circuit's VTA output is the TD error δ. For each seed this script trains the
circuit of models/trace_conditioning.toml (cue → reward `delay` ticks later, 10 % omission probes)
and prints

- δ at the reward over the first EARLY trials (≈ 1: the reward is unpredicted),
- δ at the cue over the last LATE trials (> 0: the cue now carries the prediction),
- δ at the expected reward time on the omission probes of the last LATE trials (< 0: the dip),
  beside the baseline δ of the inter-trial interval,
- the trial at which the peak moves: the first trial from which the cue response, averaged over
  the SMOOTH trials before it, exceeds the reward response averaged the same way.

Usage:  python analyses/dopamine_transfer.py [--steps 20000] [--seeds 0,1,2,3,4] [--workers 1]
Writes analyses/figures/dopamine_transfer.png and analyses/figures/dopamine_transfer_trials.png.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
MODEL = Path(__file__).resolve().parents[1] / "models" / "trace_conditioning.toml"
EARLY = 20    # trials at the start over which the reward response is measured
LATE = 200    # trials at the end over which the cue and omission responses are measured
SMOOTH = 20   # trials in the moving averages that locate the transfer
FIGURES = Path(__file__).resolve().parent / "figures"


def trial_table(ds, cue_time: int, delay: int) -> dict[str, np.ndarray]:
    """Per trial: δ at cue onset, δ at the US time, and what happened at the US time.

    The task has no cue jitter, so the cue is at ``t_in_trial = cue_time`` and the US at
    ``cue_time + delay`` in every trial; incomplete trials (cut by the end of the run) are dropped.
    """
    from bioRTRRL.analysis import trial_matrix

    delta = trial_matrix(ds, "dopamine")
    events = trial_matrix(ds, "events")
    us = cue_time + delay
    complete = np.isfinite(delta.sel(t_in_trial=us).values)
    at_us = events.sel(t_in_trial=us)[complete]
    return {
        "cue": delta.sel(t_in_trial=cue_time).values[complete],
        "us": delta.sel(t_in_trial=us).values[complete],
        "rewarded": at_us.sel(event="reward").values > 0,
        "omitted": at_us.sel(event="omission").values > 0,
        # the ITI: every tick of a trial before its cue
        "baseline": np.nanmean(delta.sel(t_in_trial=slice(1, cue_time - 1)).values[complete],
                               axis=1),
        "trace": delta.values[complete],
    }


def train(job):
    """One seed → its trial table."""
    import bioRTRRL as br

    seed, steps = job
    model = br.load_model(MODEL)
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    kw = model.task.kwargs
    return seed, trial_table(ds, kw.get("cue_time", 5), kw.get("delay", 5))


def moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Mean of the n values up to and including each position (NaN before n values exist)."""
    out = np.full(x.size, np.nan)
    if x.size >= n:
        c = np.cumsum(np.insert(x, 0, 0.0))
        out[n - 1:] = (c[n:] - c[:-n]) / n
    return out


def transfer_trial(t: dict) -> int | None:
    """First rewarded trial from which the smoothed cue response exceeds the smoothed reward
    response (trial index in the session), or None if it never does."""
    idx = np.flatnonzero(t["rewarded"])
    cue, rew = moving_mean(t["cue"][idx], SMOOTH), moving_mean(t["us"][idx], SMOOTH)
    above = np.flatnonzero(cue > rew)
    return int(idx[above[0]]) if above.size else None


def summarise(t: dict) -> dict:
    n = t["cue"].size
    late = np.arange(n) >= n - LATE
    early_rewarded = np.flatnonzero(t["rewarded"])[:EARLY]
    return {
        "reward_early": t["us"][early_rewarded].mean(),
        "reward_late": t["us"][late & t["rewarded"]].mean(),
        "cue_early": t["cue"][:EARLY].mean(),
        "cue_late": t["cue"][late].mean(),
        "omission_late": t["us"][late & t["omitted"]].mean(),
        "baseline_late": t["baseline"][late].mean(),
        "transfer_trial": transfer_trial(t),
        "trials": n,
    }


def figure(tables: dict, path_curves: Path, path_trials: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8))
    ax1, ax2 = fig.subplots(1, 2)
    for seed, t in tables.items():
        idx = np.flatnonzero(t["rewarded"])
        (line,) = ax1.plot(idx, moving_mean(t["cue"][idx], SMOOTH), lw=1,
                           label="cue" if seed == min(tables) else None)
        ax1.plot(idx, moving_mean(t["us"][idx], SMOOTH), lw=1, ls="--", color=line.get_color(),
                 label="reward" if seed == min(tables) else None)
    ax1.axhline(0, color="k", lw=0.5)
    ax1.set(xlabel="trial", ylabel=f"δ (mean of {SMOOTH} rewarded trials)",
            title="δ at the cue (solid) and reward (dashed); colour = seed")
    ax1.legend(fontsize="small")
    # trial-aligned δ: early rewarded, late rewarded, late omission probes (all seeds pooled)
    n_cols = min(t["trace"].shape[1] for t in tables.values())
    for label, pick, style in (
        (f"first {EARLY} rewarded trials", lambda t: np.flatnonzero(t["rewarded"])[:EARLY], "C0"),
        (f"last {LATE} trials, rewarded", lambda t: np.flatnonzero(
            t["rewarded"] & (np.arange(t["cue"].size) >= t["cue"].size - LATE)), "C1"),
        (f"last {LATE} trials, omission", lambda t: np.flatnonzero(
            t["omitted"] & (np.arange(t["cue"].size) >= t["cue"].size - LATE)), "C3"),
    ):
        rows = np.concatenate([t["trace"][pick(t), :n_cols] for t in tables.values()])
        ax2.plot(np.arange(n_cols), np.nanmean(rows, axis=0), color=style, marker="o", ms=3,
                 label=f"{label} (n = {len(rows)})")
    ax2.axhline(0, color="k", lw=0.5)
    ax2.set(xlabel="tick in trial", ylabel="mean δ", title="δ aligned on the trial start")
    ax2.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path_curves, dpi=110)

    fig2 = Figure(figsize=(6, 4.5))
    ax = fig2.subplots()
    t = tables[min(tables)]
    lim = np.nanmax(np.abs(t["trace"]))
    im = ax.imshow(t["trace"][:, :n_cols], aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   interpolation="nearest")
    ax.set(xlabel="tick in trial", ylabel="trial", title=f"δ by trial, seed {min(tables)}")
    fig2.colorbar(im, ax=ax, label="δ")
    fig2.savefig(path_trials, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(s, args.steps) for s in seeds]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(train, jobs))
    else:
        results = [train(j) for j in jobs]
    tables = dict(results)

    print(f"trace conditioning, {args.steps} ticks per seed ({MODEL.name})")
    print(f"{'seed':>4} {'trials':>6} {'δ reward early':>15} {'δ cue late':>11} "
          f"{'δ omission late':>16} {'ITI baseline':>13} {'transfer trial':>15}")
    rows = {s: summarise(t) for s, t in tables.items()}
    for s, r in rows.items():
        print(f"{s:>4} {r['trials']:>6} {r['reward_early']:>+15.3f} {r['cue_late']:>+11.3f} "
              f"{r['omission_late']:>+16.3f} {r['baseline_late']:>+13.3f} "
              f"{str(r['transfer_trial']):>15}")
    mean = {k: np.mean([r[k] for r in rows.values()]) for k in
            ("reward_early", "reward_late", "cue_early", "cue_late", "omission_late",
             "baseline_late")}
    print(f"mean over {len(rows)} seeds: reward early {mean['reward_early']:+.3f} → late "
          f"{mean['reward_late']:+.3f}; cue early {mean['cue_early']:+.3f} → late "
          f"{mean['cue_late']:+.3f}; omission late {mean['omission_late']:+.3f} "
          f"(ITI baseline {mean['baseline_late']:+.3f})")
    FIGURES.mkdir(parents=True, exist_ok=True)
    figure(tables, FIGURES / "dopamine_transfer.png", FIGURES / "dopamine_transfer_trials.png")
    print(f"figures: {FIGURES / 'dopamine_transfer.png'}, "
          f"{FIGURES / 'dopamine_transfer_trials.png'}")


if __name__ == "__main__":
    main()
