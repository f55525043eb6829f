"""How long a cue–reward interval can the dopamine transfer bridge, and with which clock?

Schultz, Dayan & Montague (1997) recorded dopamine neurons with cue–reward intervals of about
1–2 s: after learning they burst at the cue, stay at baseline at the predicted reward and pause at
an omitted one. A TD learner reproduces this only if its state tells how much time has passed
since the cue. This script trains, at 50 ms ticks, for cue–reward intervals of 0.25–3 s, one or
more conditions (the representation of elapsed time is the option):

- "csc" (models/trace_conditioning_csc.toml): the dopamine neurons and learning of
  "microstimuli_reward", with elapsed time as a complete serial compound (one feature per tick
  after each onset of the cue and of the reward; Montague, Dayan & Sejnowski 1996, J Neurosci
  16:1936) relayed by a wider fixed cortex (256 units); the delay line is lengthened to the
  interval + 0.5 s where the model's 2.5 s would not reach the reward; 2–4 s between trials (more
  trials per tick than the 5–15 s of the microstimuli model; "microstimuli_reward_iti_2_4s" is
  that model on this task, for a comparison at equal task and budget);
- "microstimuli_reward" (models/trace_conditioning_timing.toml): dopamine neurons in
  Hz; every stimulus, the reward included, starts a memory trace read by Gaussian basis functions
  (microstimuli, Ludvig, Sutton & Kehoe 2008, Neural Computation 20:3034) with their settings
  (trace decay 0.985 per 50 ms, σ = 0.08, λ = 0.95; γ = 0.99), relayed to striatum by a fast fixed
  cortex; 5–15 s between trials;
- the two conditions of the first version of this analysis, kept to reproduce its table
  (analyses/results/dopamine_timing_before.md): "microstimuli" (models/
  trace_conditioning_microstimuli.toml: microstimuli of the cue only, trace τ = 1 s, λ = 0.9,
  3–6 s between trials, signed δ) and "cortex" (the same without microstimuli: the recurrent
  cortex's own dynamics, time constants 50 ms – 1 s learned by RFLO).

Everything else is equal (Adam on the readouts, 10 % omission probes). For each interval, condition
and seed it measures over the last LATE (--late) trials δ at the cue, at the delivered reward and at the
omitted reward, and δ averaged over the OMISSION_WINDOW after an omitted reward's time (with
microstimuli the value falls over the width of the late microstimuli, so the pause is spread over
a few hundred ms — Ludvig et al. 2008's point — and a single tick underestimates it). The transfer
is complete when, over seeds, the cue response exceeds the reward response (95 % bootstrap interval
of the paired difference above 0) and the omission window's mean δ is below 0 (interval below 0).

The full signature in Hz (Schultz, Dayan & Montague 1997, Fig. 1) asks more, each over seeds with
95 % bootstrap intervals of the seed means: a burst at the cue (cue − baseline rate above 0), the
rate at a delivered, predicted reward within REWARD_TOLERANCE_HZ of baseline (the interval of
reward − baseline inside ±1 Hz), and a dip towards 0 Hz at an omitted reward (the lowest tick of
the mean rate over the OMISSION_WINDOW, its interval at or below DIP_CEILING_HZ).

Usage:  python analyses/dopamine_timing.py [--steps 200000] [--seeds 0,1,2,3,4] [--late 200]
            [--intervals 20,40] [--conditions microstimuli_reward,csc] [--linear] [--workers 1]
            [--out analyses/results/dopamine_timing] [--figure analyses/figures/dopamine_timing.png]
Writes the figure (per condition and interval: the dopamine neurons' rate around cue, reward and
omission, first vs last trials) and the results as --out.{csv,md}.
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
TICK_MS = 50.0
LATE = 200            # trials at the end over which the responses are measured
EARLY = 50            # trials at the start for the figure's "early" curves
OMISSION_WINDOW = 10  # ticks (500 ms) from the omitted reward's time over which δ is averaged
REWARD_TOLERANCE_HZ = 1.0  # a predicted reward's rate counts as baseline within this
DIP_CEILING_HZ = 1.0       # an omission's dip counts as "towards 0 Hz" at or below this
CSC_MARGIN = 10            # ticks the delay line reaches past the reward at least
LINEAR_ALPHA = 0.05   # step size of the linear TD(λ) reference (--linear)
CONDITIONS = {
    "microstimuli_reward": (ROOT / "models" / "trace_conditioning_timing.toml", {}),
    "csc": (ROOT / "models" / "trace_conditioning_csc.toml", {}),
    # microstimuli on the csc model's task (2–4 s between trials), for a side-by-side comparison
    "microstimuli_reward_iti_2_4s": (ROOT / "models" / "trace_conditioning_timing.toml",
                                     {"task.kwargs": {"n_trials": 100_000, "cue_time": 5,
                                                      "cue_duration": 1, "iti": [40, 80],
                                                      "reward_probability": 1.0,
                                                      "omission_probability": 0.1}}),
    "microstimuli": (ROOT / "models" / "trace_conditioning_microstimuli.toml", {}),
    "cortex": (ROOT / "models" / "trace_conditioning_microstimuli.toml",
               {"task.microstimuli": {}, "circuit.tau_init": [1.0, 20.0],
                "circuit.train_tau": True, "optimizer.lr_cortex": 1e-4}),
}
FIGURES = ROOT / "analyses" / "figures"
RESULTS = ROOT / "analyses" / "results"


def model_for(condition: str, interval: int):
    import bioRTRRL as br

    path, overrides = CONDITIONS[condition]
    data = br.load_model(path).to_dict()
    for key, value in overrides.items():
        section, name = key.split(".")
        data[section][name] = value
    data["task"]["kwargs"]["delay"] = interval
    csc = data["task"].get("serial_compound")
    if csc and csc["length_ms"] < (interval + CSC_MARGIN) * TICK_MS:
        csc["length_ms"] = (interval + CSC_MARGIN) * TICK_MS
    return br.load_model(data)


def train(job):
    """(condition, interval, seed, steps, late trials) → late δ at the cue, reward and omission;
    rate traces."""
    import bioRTRRL as br
    from bioRTRRL.analysis import trial_matrix

    condition, interval, seed, steps, late_trials = job
    model = model_for(condition, interval)
    start = time.perf_counter()
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    cue_time = model.task.kwargs["cue_time"]
    t = trial_table(ds, cue_time, interval)
    n = t["cue"].size
    late = np.arange(n) >= n - late_trials
    early = np.arange(n) < EARLY
    first = np.flatnonzero(t["rewarded"])[:20]
    us = cue_time + interval
    window = np.nanmean(t["trace"][:, us:us + OMISSION_WINDOW], axis=1)
    row = {"condition": condition, "interval_ticks": interval,
           "interval_s": interval * TICK_MS / 1000, "seed": seed, "trials": int(n),
           "reward_early": float(t["us"][first].mean()),
           "cue_late": float(t["cue"][late].mean()),
           "reward_late": float(t["us"][late & t["rewarded"]].mean()),
           "omission_late": float(t["us"][late & t["omitted"]].mean()),
           "omission_window_late": float(window[late & t["omitted"]].mean()),
           "baseline_late": float(t["baseline"][late].mean()),
           "seconds": time.perf_counter() - start}
    if "dopamine_rate" in ds:
        rate = trial_matrix(ds, "dopamine_rate").values
        complete = np.isfinite(trial_matrix(ds, "dopamine").values[:, us])
        rate = rate[complete][:n]
        omitted = np.nanmean(rate[late & t["omitted"], us:us + OMISSION_WINDOW], axis=0)
        row.update({"cue_hz_late": float(rate[late, cue_time].mean()),
                    "reward_hz_late": float(rate[late & t["rewarded"], us].mean()),
                    "omission_hz_late": float(omitted.mean()),
                    "omission_min_hz_late": float(omitted.min()),
                    "baseline_hz_late": float(np.nanmean(rate[late, 1:cue_time]))})
        span = slice(0, us + 2 * OMISSION_WINDOW + 1)
        for phase, sel in (("early", early), ("late", late)):
            for kind in ("rewarded", "omitted"):
                row[f"rate_{phase}_{kind}"] = np.nanmean(rate[sel & t[kind], span], axis=0)
    return row


def linear_td(job):
    """Ludvig et al.'s model itself on the same task: linear TD(λ) on the features, no circuit.

    The value is v = wᵀx with x = [observation (the cue's presence), microstimuli or serial
    compound, 1]; δ, the
    accumulating trace and the update in the circuit's order (w ← w + α δ e_{t−1}, then
    e ← γλ e + x_t), with γ and λ of the condition's model and step size LINEAR_ALPHA. It answers
    whether a failure is the representation's (linear TD fails too) or the circuit's.
    (condition, interval, seed, steps, late trials) → late δ at the cue, reward and omission, as
    :func:`train`.
    """
    import gymnasium as gym

    from bioRTRRL.tasks.microstimuli import Microstimuli
    from bioRTRRL.tasks.serial_compound import SerialCompound

    condition, interval, seed, steps, late = job
    model = model_for(condition, interval)
    kw, task = model.task.kwargs, model.task
    base = gym.make(task.env, **kw, disable_env_checker=True)
    env = (SerialCompound(base, **task.serial_compound, env_dt_ms=model.circuit.env_dt_ms)
           if task.serial_compound else
           Microstimuli(base, **task.microstimuli, env_dt_ms=model.circuit.env_dt_ms))
    gamma, lam = model.learning.gamma, model.learning.lambda_critic
    obs, info = env.reset(seed=seed)
    x_old = np.append(obs, 1.0)
    w, e, v_old = np.zeros_like(x_old), np.zeros_like(x_old), 0.0
    e += x_old
    us = kw["cue_time"] + interval
    cue, rew, omit, window, trial_of = [], [], [], {}, []
    start = time.perf_counter()
    for _ in range(steps):
        obs, reward, terminated, _, info = env.step(0)
        x = np.append(obs, 1.0)
        v = w @ x
        delta = reward + gamma * (1.0 - terminated) * v - v_old
        w += LINEAR_ALPHA * delta * e
        e = gamma * lam * e + x
        v_old = w @ x
        k, t = info["trial"], info["t_in_trial"]
        if t == kw["cue_time"]:
            cue.append(delta)
            trial_of.append(k)
        elif t == us:
            (rew if info["reward"] else omit).append((k, delta))
        if us <= t < us + OMISSION_WINDOW:
            window.setdefault(k, []).append(delta)
        if terminated:
            break
    n = len(cue)
    late_trials = set(trial_of[-late:])
    late_omit = [k for k, _ in omit if k in late_trials]
    return {"condition": condition + " (linear TD)", "interval_ticks": interval,
            "interval_s": interval * TICK_MS / 1000, "seed": seed, "trials": n,
            "reward_early": float(np.mean([d for _, d in rew[:20]])),
            "cue_late": float(np.mean(cue[-late:])),
            "reward_late": float(np.mean([d for k, d in rew if k in late_trials])),
            "omission_late": float(np.mean([d for k, d in omit if k in late_trials])),
            "omission_window_late": float(np.mean([np.mean(window[k]) for k in late_omit])),
            "seconds": time.perf_counter() - start}


def summarise(rows: list[dict]) -> list[dict]:
    from bioRTRRL.stats import bootstrap_ci

    def ci(values):
        return bootstrap_ci(values, statistic="mean") if len(values) > 1 else (np.nan, np.nan)

    out = []
    for condition in dict.fromkeys(r["condition"] for r in rows):
        for interval in sorted({r["interval_ticks"] for r in rows}):
            sel = [r for r in rows if r["condition"] == condition and r["interval_ticks"] == interval]
            if not sel:
                continue
            diff = np.array([r["cue_late"] - r["reward_late"] for r in sel])
            dip = np.array([r["omission_window_late"] for r in sel])
            (lo, hi), (dip_lo, dip_hi) = ci(diff), ci(dip)
            keys = [k for k in sel[0] if k.endswith(("_late", "_early"))
                    and not k.startswith("rate_")]
            row = {"condition": condition, "interval_s": sel[0]["interval_s"],
                   "seeds": len(sel), "trials": float(np.mean([r["trials"] for r in sel])),
                   **{k: float(np.mean([r[k] for r in sel])) for k in keys},
                   "cue_minus_reward": float(diff.mean()), "ci_low": float(lo),
                   "ci_high": float(hi), "dip_ci_low": float(dip_lo),
                   "dip_ci_high": float(dip_hi),
                   "complete": bool(lo > 0 and dip_hi < 0)}
            if "cue_hz_late" in sel[0]:
                row.update(signature(sel, ci))
            out.append(row)
    return out


def signature(sel: list[dict], ci) -> dict:
    """The signature in Hz over the seeds ``sel``: each measure's 95 % interval and its verdict."""
    burst = np.array([r["cue_hz_late"] - r["baseline_hz_late"] for r in sel])
    reward = np.array([r["reward_hz_late"] - r["baseline_hz_late"] for r in sel])
    dip = np.array([r["omission_min_hz_late"] for r in sel])
    out = {}
    for name, values in (("burst", burst), ("reward_vs_baseline", reward), ("pause", dip)):
        low, high = ci(values)
        out.update({f"{name}_hz": float(values.mean()), f"{name}_ci_low": float(low),
                    f"{name}_ci_high": float(high)})
    out["burst_ok"] = bool(out["burst_ci_low"] > 0)
    out["reward_ok"] = bool(-REWARD_TOLERANCE_HZ <= out["reward_vs_baseline_ci_low"]
                            and out["reward_vs_baseline_ci_high"] <= REWARD_TOLERANCE_HZ)
    out["pause_ok"] = bool(out["pause_ci_high"] <= DIP_CEILING_HZ)
    return out


def figure(rows: list[dict], path: Path, late: int) -> None:
    """The dopamine neurons' rate (Hz) within the trial, first vs last trials, per condition
    (rows of panels) and interval (columns)."""
    from matplotlib.figure import Figure

    with_rate = [r for r in rows if "rate_late_rewarded" in r]
    conditions = list(dict.fromkeys(r["condition"] for r in with_rate)) or [""]
    intervals = sorted({r["interval_ticks"] for r in with_rate}) or [0]
    fig = Figure(figsize=(5 * len(intervals), 3.6 * len(conditions)))
    axes = np.array(fig.subplots(len(conditions), len(intervals), squeeze=False))
    cue_time = 5
    for row_axes, condition in zip(axes, conditions):
        for ax, interval in zip(row_axes, intervals):
            sel = [r for r in with_rate
                   if r["condition"] == condition and r["interval_ticks"] == interval]
            if not sel:
                ax.set_axis_off()
                continue
            for phase, colour in (("early", "0.6"), ("late", "C3")):
                for kind, style in (("rewarded", "-"), ("omitted", "--")):
                    curves = [r[f"rate_{phase}_{kind}"] for r in sel]
                    n = min(len(c) for c in curves)
                    x = (np.arange(n) - cue_time) * TICK_MS / 1000
                    count = EARLY if phase == "early" else late
                    ax.plot(x, np.nanmean([c[:n] for c in curves], axis=0), style,
                            color=colour, label=f"{kind}, "
                            f"{'first' if phase == 'early' else 'last'} {count} trials")
            ax.axvline(0, color="C0", lw=0.8)
            ax.axvline(interval * TICK_MS / 1000, color="C2", lw=0.8)
            ax.axhline(0, color="k", lw=0.5)
            ax.set(xlabel="time from cue onset (s); lines: cue, reward time",
                   ylabel="dopamine neurons (Hz)",
                   title=f"{condition}: {interval * TICK_MS / 1000:g} s, mean of {len(sel)} seeds")
            ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(summary: list[dict]) -> list[str]:
    lines = ["| condition | interval (s) | seeds | trials | δ reward, first 20 trials | δ cue | "
             "δ reward | δ omission (tick) | δ omission (500 ms) [95 % CI] | cue − reward "
             "[95 % CI] | Hz: baseline / cue / reward / omission (500 ms) | transfer |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in summary:
        hz = (f"{r['baseline_hz_late']:.1f} / {r['cue_hz_late']:.1f} / {r['reward_hz_late']:.1f}"
              f" / {r['omission_hz_late']:.1f}" if "cue_hz_late" in r else "–")
        lines.append(f"| {r['condition']} | {r['interval_s']:g} | {r['seeds']} | {r['trials']:.0f} | "
                     f"{r['reward_early']:+.2f} | {r['cue_late']:+.2f} | {r['reward_late']:+.2f} | "
                     f"{r['omission_late']:+.2f} | {r['omission_window_late']:+.3f} "
                     f"[{r['dip_ci_low']:+.3f}, {r['dip_ci_high']:+.3f}] | "
                     f"{r['cue_minus_reward']:+.2f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}] | "
                     f"{hz} | {'complete' if r['complete'] else 'not complete'} |")
    return lines


def signature_table(summary: list[dict]) -> list[str]:
    """Cue burst, reward at baseline, omission dip: seed means [95 % CI] in Hz and verdicts."""
    rows = [r for r in summary if "burst_hz" in r]
    if not rows:
        return []
    lines = [f"| condition | interval (s) | burst: cue − baseline (Hz) | reward − baseline (Hz), "
             f"within ±{REWARD_TOLERANCE_HZ:g} | omission, lowest tick (Hz), ≤ {DIP_CEILING_HZ:g}"
             " | full signature |", "|---|---|---|---|---|---|"]

    def cell(r, name, ok):
        return (f"{r[name + '_hz']:+.1f} [{r[name + '_ci_low']:+.1f}, {r[name + '_ci_high']:+.1f}]"
                f" {'yes' if r[ok] else 'no'}")

    for r in rows:
        full = r["complete"] and r["burst_ok"] and r["reward_ok"] and r["pause_ok"]
        lines.append(f"| {r['condition']} | {r['interval_s']:g} | {cell(r, 'burst', 'burst_ok')} | "
                     f"{cell(r, 'reward_vs_baseline', 'reward_ok')} | "
                     f"{r['pause_hz']:.1f} [{r['pause_ci_low']:.1f}, {r['pause_ci_high']:.1f}] "
                     f"{'yes' if r['pause_ok'] else 'no'} | {'yes' if full else 'no'} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--intervals", default="20,40", help="cue–reward intervals, ticks")
    parser.add_argument("--conditions", default="microstimuli_reward,csc",
                        help=f"comma-separated, of {', '.join(CONDITIONS)}")
    parser.add_argument("--linear", action="store_true",
                        help="also run linear TD(λ) on the same features (Ludvig et al.'s model)")
    parser.add_argument("--late", type=int, default=LATE,
                        help="trials at the end over which the responses are measured")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "dopamine_timing"))
    parser.add_argument("--figure", default=str(FIGURES / "dopamine_timing.png"))
    args = parser.parse_args(argv)
    conditions = args.conditions.split(",")
    unknown = sorted(set(conditions) - set(CONDITIONS))
    if unknown:
        parser.error(f"unknown condition(s) {unknown}; known: {', '.join(CONDITIONS)}")
    jobs = [(c, int(i), int(s), args.steps, args.late) for c in conditions
            for i in args.intervals.split(",") for s in args.seeds.split(",")]
    # one worker: in this process (no pickling, so an importer's changes to CONDITIONS hold)
    pool = ProcessPoolExecutor(args.workers) if args.workers > 1 else None
    run = pool.map if pool else map
    rows = list(run(train, jobs))
    if args.linear:  # (the cortex condition has no features to read linearly)
        rows += list(run(linear_td, [j for j in jobs if j[0] != "cortex"]))
    if pool:
        pool.shutdown()
    summary = summarise(rows)

    lines = [f"# Dopamine transfer against the cue–reward interval ({args.steps} ticks of "
             f"{TICK_MS:g} ms per run)", "",
             "Command: `python analyses/dopamine_timing.py "
             + " ".join(argv if argv is not None else sys.argv[1:]) + "`", "",
             f"Responses over the last {args.late} trials; δ omission (500 ms): mean δ over the "
             f"{OMISSION_WINDOW} ticks from an omitted reward's time; transfer complete when the "
             "cue − reward interval is above 0 and the omission interval below 0.", ""]
    lines += table(summary)
    signature_lines = signature_table(summary)
    if signature_lines:
        lines += ["", f"Signature in Hz over the last {args.late} trials (seed means, 95 % bootstrap "
                  "intervals over seeds): a cue burst, a predicted reward at baseline, a dip "
                  "towards 0 Hz at an omission; full = all three and the transfer complete.", ""]
        lines += signature_lines
    for condition in dict.fromkeys(r["condition"] for r in rows):
        done = [r["interval_s"] for r in summary if r["condition"] == condition and r["complete"]]
        lines.append(f"\nLongest interval with a complete transfer, {condition}: {max(done):g} s"
                     if done else f"\n{condition}: the transfer completes at no interval tried")
        full = [r["interval_s"] for r in summary if r["condition"] == condition
                and r["complete"] and r.get("burst_ok") and r.get("reward_ok") and r.get("pause_ok")]
        if "burst_hz" in next(r for r in summary if r["condition"] == condition):
            lines.append(f"Longest interval with the full signature in Hz, {condition}: "
                         f"{max(full):g} s" if full else
                         f"{condition}: the full signature in Hz holds at no interval tried")
    lines.append(f"\nWall time: {sum(r['seconds'] for r in rows) / 60:.1f} min of runs.")
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(text + "\n")
    import csv
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        keys = list(dict.fromkeys(k for r in rows for k in r if not k.startswith("rate_")))
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in keys} for r in rows)
    figure(rows, Path(args.figure), args.late)
    print(f"figure: {args.figure}")
    return summary


if __name__ == "__main__":
    main()
