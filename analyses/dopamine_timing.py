"""How long a cue–reward interval can the dopamine transfer bridge, and with which clock?

Schultz, Dayan & Montague (1997) recorded dopamine neurons with cue–reward intervals of about
1–2 s: after learning they burst at the cue, stay at baseline at the predicted reward and pause at
an omitted one. A TD learner reproduces this only if its state tells how much time has passed
since the cue. This script trains, at 50 ms ticks, for cue–reward intervals of 0.25–2 s, two
representations of elapsed time:

- "cortex": the recurrent cortex's own dynamics (time constants 50 ms – 1 s, learned by RFLO);
  the cue is a single 50 ms pulse, so the cortex must hold and time it;
- "microstimuli": the cue starts a memory trace read by Gaussian basis functions (Ludvig, Sutton &
  Kehoe 2008, Neural Computation 20:3034), relayed to striatum by a fast fixed cortex
  (models/trace_conditioning_microstimuli.toml).

Everything else is equal (Adam on the readouts, 3–6 s inter-trial intervals, 10 % omission
probes). For each interval, representation and seed it measures over the last LATE trials δ at
the cue, δ at the (delivered) reward and δ at the omitted reward, and calls the transfer
complete when the cue response exceeds the reward response over seeds (95 % bootstrap interval
of the paired difference above 0).

Usage:  python analyses/dopamine_timing.py [--steps 200000] [--seeds 0,1,2,3,4]
                                           [--intervals 5,10,20,40] [--workers 2]
Writes analyses/figures/dopamine_timing.png and analyses/results/dopamine_timing.{csv,md}.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dopamine_transfer import trial_table  # noqa: E402  (the sibling analysis' trial table)

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "trace_conditioning_microstimuli.toml"
TICK_MS = 50.0
LATE = 200          # trials at the end over which the responses are measured
REPRESENTATIONS = {
    "microstimuli": {},
    "cortex": {"task.microstimuli": {}, "circuit.tau_init": [1.0, 20.0],
               "circuit.train_tau": True, "optimizer.lr_cortex": 1e-4},
}
FIGURES = ROOT / "analyses" / "figures"
RESULTS = ROOT / "analyses" / "results"


def model_for(representation: str, interval: int):
    import bioRTRRL as br

    data = br.load_model(MODEL).to_dict()
    data["task"]["kwargs"]["delay"] = interval
    for key, value in REPRESENTATIONS[representation].items():
        section, name = key.split(".")
        data[section][name] = value
    return br.load_model(data)


def train(job):
    """(representation, interval, seed, steps) → late δ at the cue, reward and omission."""
    import bioRTRRL as br

    representation, interval, seed, steps = job
    model = model_for(representation, interval)
    start = time.perf_counter()
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    t = trial_table(ds, model.task.kwargs["cue_time"], interval)
    late = np.arange(t["cue"].size) >= t["cue"].size - LATE
    first = np.flatnonzero(t["rewarded"])[:20]
    return {"representation": representation, "interval_ticks": interval,
            "interval_s": interval * TICK_MS / 1000, "seed": seed,
            "trials": int(t["cue"].size),
            "reward_early": float(t["us"][first].mean()),
            "cue_late": float(t["cue"][late].mean()),
            "reward_late": float(t["us"][late & t["rewarded"]].mean()),
            "omission_late": float(t["us"][late & t["omitted"]].mean()),
            "baseline_late": float(t["baseline"][late].mean()),
            "trace": np.nanmean(t["trace"][late & t["rewarded"]], axis=0),
            "trace_omitted": np.nanmean(t["trace"][late & t["omitted"]], axis=0),
            "seconds": time.perf_counter() - start}


def summarise(rows: list[dict]) -> list[dict]:
    from bioRTRRL.stats import bootstrap_ci

    out = []
    for rep in REPRESENTATIONS:
        for interval in sorted({r["interval_ticks"] for r in rows}):
            sel = [r for r in rows if r["representation"] == rep and r["interval_ticks"] == interval]
            if not sel:
                continue
            diff = np.array([r["cue_late"] - r["reward_late"] for r in sel])
            lo, hi = bootstrap_ci(diff, statistic="mean") if len(diff) > 1 else (np.nan, np.nan)
            out.append({"representation": rep, "interval_s": sel[0]["interval_s"],
                        "seeds": len(sel),
                        **{k: float(np.mean([r[k] for r in sel])) for k in
                           ("reward_early", "cue_late", "reward_late", "omission_late",
                            "baseline_late")},
                        "cue_minus_reward": float(diff.mean()), "ci_low": float(lo),
                        "ci_high": float(hi), "complete": bool(lo > 0)})
    return out


def figure(rows: list[dict], summary: list[dict], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for rep, ax in zip(REPRESENTATIONS, (ax1, ax2)):
        s = [r for r in summary if r["representation"] == rep]
        x = [r["interval_s"] for r in s]
        for key, label, colour in (("cue_late", "cue", "C0"), ("reward_late", "reward", "C1"),
                                   ("omission_late", "omitted reward", "C3"),
                                   ("reward_early", "reward, first trials", "0.6")):
            ax.plot(x, [r[key] for r in s], marker="o", color=colour, label=label)
            for r in rows:
                if r["representation"] == rep:
                    ax.plot(r["interval_s"], r[key], ".", color=colour, alpha=0.4)
        ax.axhline(0, color="k", lw=0.5)
        ax.set(xscale="log", xlabel="cue–reward interval (s)", ylabel=f"δ (last {LATE} trials)",
               title=f"{rep}: mean over seeds (dots: seeds)")
        ax.legend(fontsize="small")
    longest = max((r["interval_ticks"] for r in rows if r["representation"] == "microstimuli"))
    for key, style, label in (("trace", "-", "rewarded"), ("trace_omitted", "--", "omitted")):
        traces = [r[key] for r in rows
                  if r["representation"] == "microstimuli" and r["interval_ticks"] == longest]
        n = min(len(t) for t in traces)
        ax3.plot(np.arange(n) * TICK_MS / 1000, np.mean([t[:n] for t in traces], axis=0),
                 style, label=label)
    ax3.axhline(0, color="k", lw=0.5)
    ax3.set(xlabel="time in trial (s)", ylabel="δ",
            title=f"microstimuli, {longest * TICK_MS / 1000:g} s interval, last {LATE} trials")
    ax3.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--intervals", default="5,10,20,40", help="cue–reward intervals, ticks")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "dopamine_timing"))
    args = parser.parse_args(argv)
    jobs = [(rep, int(i), int(s), args.steps) for rep in REPRESENTATIONS
            for i in args.intervals.split(",") for s in args.seeds.split(",")]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(train, jobs))
    summary = summarise(rows)

    lines = [f"# Dopamine transfer against the cue–reward interval ({args.steps} ticks of "
             f"{TICK_MS:g} ms per run)", "",
             "Command: `python analyses/dopamine_timing.py " + " ".join(argv or sys.argv[1:]) + "`",
             "", "| representation | interval (s) | seeds | δ reward, first 20 trials | δ cue | "
             "δ reward | δ omission | cue − reward [95 % CI] | transfer |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in summary:
        lines.append(f"| {r['representation']} | {r['interval_s']:g} | {r['seeds']} | "
                     f"{r['reward_early']:+.2f} | {r['cue_late']:+.2f} | {r['reward_late']:+.2f} | "
                     f"{r['omission_late']:+.2f} | {r['cue_minus_reward']:+.2f} "
                     f"[{r['ci_low']:+.2f}, {r['ci_high']:+.2f}] | "
                     f"{'complete' if r['complete'] else 'not complete'} |")
    for rep in REPRESENTATIONS:
        done = [r["interval_s"] for r in summary if r["representation"] == rep and r["complete"]]
        lines.append(f"\nLongest interval with a complete transfer, {rep}: "
                     f"{max(done):g} s" if done else f"\n{rep}: the transfer completes at no "
                     "interval tried")
    lines.append(f"\nWall time: {sum(r['seconds'] for r in rows) / 60:.1f} min of runs.")
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(text + "\n")
    import csv
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        keys = [k for k in rows[0] if not k.startswith("trace")]
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows({k: r[k] for k in keys} for r in rows)
    FIGURES.mkdir(parents=True, exist_ok=True)
    figure(rows, summary, FIGURES / "dopamine_timing.png")
    print(f"figure: {FIGURES / 'dopamine_timing.png'}")


if __name__ == "__main__":
    main()
