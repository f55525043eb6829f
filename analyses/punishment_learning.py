"""Potjans, Diesmann & Morrison (2011): with a low dopamine baseline, punishments alone teach nothing.

PLoS Comput Biol 7:e1001133 (Figs. 5–6): a spiking actor-critic whose dopamine signal is a rate
around a low baseline learns a task with positive rewards as well as classic TD learning, but
fails when all the feedback is negative, because a dopamine dip cannot go below 0 Hz: the
negative errors that punishments should produce are cut off at −baseline. This script trains the
circuit of models/basal_ganglia.toml on the training pairs of the probabilistic selection task
with rewards alone (outcomes 1 / 0) and with punishments alone (outcomes 0 / −1; the same
information, shifted by −1), at a low tonic dopamine rate (LOW_HZ) and at the model's own
(HIGH_HZ), and reports per condition the accuracy on the three training pairs at the end (the
selection stage's probability of the better stimulus; chance 0.5).

Prints means with bootstrap intervals over seeds and, per baseline, the difference rewards −
punishments (a different seed set per condition: independent animals) with Hedges' g. With the
model's current settings (a sparse firing-rate cortex, opponent_beta 1, lr_readout 0.1)
punishments alone teach at least as much as rewards alone at either baseline: at 0.5 Hz after 400
trials rewards − punishments is −0.026 [−0.051, −0.001], after 1,500 −0.026 [−0.049, −0.004];
at 4 Hz +0.018 [−0.027, +0.067] and +0.004 [−0.007, +0.016] (analyses/results/
punishment_learning_800.md and _3000.md). With the earlier tanh cortex (lr 0.05) the 0.5 Hz
differences were +0.009 [−0.020, +0.037] and −0.004 [−0.025, +0.019], and with β 2, lr 0.02
punishments lagged slightly at 0.5 Hz after 400 trials and caught up.

Why the punishments do not fail here (--mechanism): the critic learns from the same bounded
signal (in Potjans et al. too), so at the low baseline its value drifts up quickly (bursts) and
down at most r₀/κ per update; under punishments it stays near 0, under rewards it settles above
the mean outcome. Either way about half the outcomes give a small burst and the rest a dip at
the floor: a sign signal, which suffices for the actor of a one-step choice. Potjans et al.'s own
task is a multi-step grid world, where the actor also needs the critic's bootstrapped differences
γV(s′) − V(s) towards a distant goal: analyses/grid_world.py runs it (bioRTRRL/GridWorld-v0) and
finds that purely negative rewards are still learned at 0.5 Hz in this circuit, through the bursts
that remain.
--mechanism reports, per condition, the critic's value, the fraction of signals at the floor
−r₀/κ and of bursts over the second half of training.

Usage:  python analyses/punishment_learning.py [--steps 800] [--seeds 0,...,9] [--mechanism]
Writes analyses/figures/punishment_learning_<steps>.png and
analyses/results/punishment_learning_<steps>.md (with --mechanism:
analyses/results/punishment_learning_mechanism_<steps>.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "basal_ganglia.toml"
OUTCOMES = {"rewards": [1.0, 0.0], "punishments": [0.0, -1.0]}
LOW_HZ, HIGH_HZ = 0.5, 4.0  # tonic rate; with 10 Hz per unit error, dips floor at −0.05 / −0.4
FIGURES, RESULTS = Path(__file__).resolve().parent / "figures", Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from selection_task import test_accuracy  # noqa: E402  (the same frozen test of a trained circuit)


def condition_model(outcomes: str, tonic_hz: float):
    import bioRTRRL as br

    return br.load_model(MODEL).with_overrides({
        "task.kwargs": {"phase": "train", "outcomes": OUTCOMES[outcomes]},
        "circuit.dopamine_tonic_hz": tonic_hz,
        "name": f"{outcomes}_{tonic_hz:g}hz"})


def run_one(outcomes: str, tonic_hz: float, seed: int, steps: int) -> float:
    """Mean accuracy on the training pairs AB, CD, EF after ``steps`` ticks of training."""
    import bioRTRRL as br

    session = br.Session(condition_model(outcomes, tonic_hz), seed=seed)
    session.advance(steps, progress=False)
    acc = test_accuracy(session.engine)
    return float(np.mean([acc["AB"], acc["CD"], acc["EF"]]))


def main(steps: int = 800, seeds=tuple(range(10)), out: Path | None = None) -> dict:
    from bioRTRRL.stats import bootstrap_ci, hedges_g

    conditions = [(o, hz) for hz in (LOW_HZ, HIGH_HZ) for o in OUTCOMES]
    # independent animals per condition: seeds offset by the condition's index
    acc = {c: np.array([run_one(*c, seed=1000 * i + s, steps=steps) for s in seeds])
           for i, c in enumerate(conditions)}
    lines = ["# Learning from rewards alone and from punishments alone (Potjans et al. 2011)", "",
             f"models/basal_ganglia.toml on the selection task's training pairs, {steps} ticks "
             f"({steps // 2} trials), {len(seeds)} seeds per condition; accuracy = probability "
             "of choosing the better stimulus of AB, CD, EF (chance 0.5).", "",
             "| tonic rate | feedback | accuracy | 95 % interval |", "|---|---|---|---|"]
    for (o, hz), a in acc.items():
        lo, hi = bootstrap_ci(a, statistic="mean")
        lines.append(f"| {hz:g} Hz | {o} | {a.mean():.3f} | [{lo:.3f}, {hi:.3f}] |")
    summary = {}
    lines.append("")
    for hz in (LOW_HZ, HIGH_HZ):
        r, p = acc[("rewards", hz)], acc[("punishments", hz)]
        lo, hi = bootstrap_ci(r, p)
        summary[hz] = {"difference": float(r.mean() - p.mean()), "ci": (lo, hi),
                       "hedges_g": hedges_g(r, p)}
        lines.append(f"At {hz:g} Hz: rewards − punishments = {r.mean() - p.mean():+.3f}, 95 % "
                     f"interval [{lo:+.3f}, {hi:+.3f}], Hedges' g = {hedges_g(r, p):+.2f}.")
    text = "\n".join(lines) + "\n"
    print(text)
    figures, results = (FIGURES, RESULTS) if out is None else (out, out)
    figure(acc, figures / f"punishment_learning_{steps}.png")
    results.mkdir(parents=True, exist_ok=True)
    (results / f"punishment_learning_{steps}.md").write_text(text)
    return {"accuracy": acc, "summary": summary}


def signal_statistics(outcomes: str, tonic_hz: float, seed: int, steps: int) -> dict:
    """Over the second half of training: the critic's value before each outcome, and the
    fractions of plasticity signals at the floor −r₀/κ and above 0 (bursts)."""
    import bioRTRRL as br

    model = condition_model(outcomes, tonic_hz)
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    t = np.flatnonzero(ds.terminated.values)
    t = t[t > steps // 2]
    signal = ds.dopamine.values[t]
    floor = -tonic_hz / model.circuit.dopamine_hz_per_error
    return {"value": float(ds.value.values[t - 1].mean()),
            "floor": float(np.isclose(signal, floor).mean()), "burst": float((signal > 0).mean())}


def mechanism(steps: int = 1600, seeds=tuple(range(3)), out: Path | None = None) -> dict:
    conditions = [(o, hz) for hz in (LOW_HZ, HIGH_HZ) for o in OUTCOMES]
    stats = {c: [signal_statistics(*c, seed=s, steps=steps) for s in seeds] for c in conditions}
    lines = ["# Why punishments alone still teach the selection task (Potjans et al. 2011)", "",
             f"models/basal_ganglia.toml, {steps} ticks, {len(seeds)} seeds; second half of "
             "training. Mean outcome: rewards (p of the chosen stimulus) > 0, punishments "
             "−(1 − p) < 0.", "",
             "| tonic rate | feedback | critic value | signals at the floor −r₀/κ | bursts |",
             "|---|---|---|---|---|"]
    for (o, hz), rows in stats.items():
        m = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
        lines.append(f"| {hz:g} Hz | {o} | {m['value']:+.3f} | {m['floor']:.2f} | "
                     f"{m['burst']:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    results = RESULTS if out is None else out
    results.mkdir(parents=True, exist_ok=True)
    (results / f"punishment_learning_mechanism_{steps}.md").write_text(text)
    return stats


def figure(acc: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    for k, ((o, hz), a) in enumerate(acc.items()):
        x = k + (k // 2) * 0.5
        ax.bar(x, a.mean(), color="C0" if o == "rewards" else "C3", alpha=0.6,
               label=o if k < 2 else None)
        ax.plot(np.full(len(a), x), a, "k.", ms=4)
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    ax.set_xticks([0.5, 3.0], [f"tonic {LOW_HZ:g} Hz", f"tonic {HIGH_HZ:g} Hz"])
    ax.set_ylabel("accuracy on training pairs")
    ax.set_ylim(0.3, 1.0)
    ax.legend()
    ax.set_title("rewards alone vs punishments alone")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=800)
    p.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    p.add_argument("--mechanism", action="store_true")
    a = p.parse_args()
    seeds = tuple(int(s) for s in a.seeds.split(","))
    if a.mechanism:
        mechanism(a.steps, seeds)
    else:
        main(a.steps, seeds)
