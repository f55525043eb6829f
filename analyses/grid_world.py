"""Potjans, Diesmann & Morrison (2011): a low dopamine baseline and three reward schemes in a grid world.

PLoS Comput Biol 7:e1001133: a spiking actor-critic whose dopamine signal is a firing rate around
a low baseline learns a navigation task with sparse positive rewards as well as classic TD
learning, is impaired when walls are punished as well, and breaks down with purely negative
rewards, because a dopamine dip cannot go below 0 Hz: the negative errors are cut off at
−baseline, so the critic cannot follow punishments down and the actor is not told which moves
were worse. This script trains the circuit of models/grid_world.toml on bioRTRRL/GridWorld-v0
(5 x 5, start anywhere, goal in a corner, 100 steps at most) under the three schemes of
bioRTRRL.tasks.grid_world.REWARD_SCHEMES — positive (goal +1), mixed (goal +1, wall −1) and
negative (every step that does not reach the goal −1) — at a very low and a low tonic dopamine
rate and at the model's own (TONIC_HZ), one seed per animal.

Reports per condition the steps to goal over training (episode length, a time-out counting
100; mean over seeds with a bootstrap interval), the steps in the last fifth of training, and the
mechanism over the second half: the critic's bias (its value minus the discounted return the
agent then actually received, over episodes that reached the goal; > 0 is overestimation), the
fraction of TD transitions whose dopamine signal sat at the floor −r₀/κ, and of bursts.

A random walk reaches the goal in 59 steps on average under the 100-step time-out (89 without;
from a uniform start, by the hitting times of the walk's Markov chain), the shortest path in 4.2.

Measured (10 seeds, 20,000 ticks, analyses/results/grid_world.md): the breakdown does not
reproduce at a low baseline. At 0.5 Hz purely negative rewards are learned (6.3 steps to goal in
the last fifth of training, positive rewards 6.9, at 4 Hz 4.5 and 5.6), although the mechanism
Potjans et al. name is there: 76 % of the TD transitions sit at the floor and the critic
overestimates the returns by +1.78 (+0.24 at 4 Hz). The direction still reaches the actor through
the bursts (20 % of transitions): entering the goal gives 0 − V(s) > 0 once the critic is below
0, and moves towards higher (less negative) values give −1 + γV(s′) − V(s) > 0; a floor dip only
says "not this move", which with a softmax actor shifts the choice to the other moves. Only at a
very low baseline (0.05 Hz, floor −0.005) does learning break down, and then for every scheme,
positive rewards worst (74 steps, worse than the random walk): with dips all but absent the
critic's value climbs past the goal's reward (bias +4.45), so reaching the goal is itself a dip.

Usage:  python analyses/grid_world.py [--steps 20000] [--seeds 0,...,9]
Writes analyses/figures/grid_world.png and analyses/results/grid_world.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "grid_world.toml"
# tonic rates: very low, low and the model's own; with 10 Hz per unit error, dips floor at
# −0.005, −0.05 and −0.4
TONIC_HZ = (0.05, 0.5, 4.0)
BINS = 10  # training is cut into this many equal spans of ticks for the learning curves
FIGURES, RESULTS = Path(__file__).resolve().parent / "figures", Path(__file__).resolve().parent / "results"


def condition_model(scheme: str, tonic_hz: float):
    import bioRTRRL as br
    from bioRTRRL.tasks.grid_world import REWARD_SCHEMES

    goal, step, wall = REWARD_SCHEMES[scheme]
    base = br.load_model(MODEL)
    return base.with_overrides({
        "task.kwargs": {**base.task.kwargs, "goal_reward": goal, "step_reward": step,
                        "wall_reward": wall},
        "circuit.dopamine_tonic_hz": tonic_hz,
        "name": f"grid_{scheme}_{tonic_hz:g}hz"})


def discounted_returns(reward, first, terminated, gamma):
    """Per tick, the discounted return the agent received after it, G_t = r_{t+1} + γ G_{t+1}
    within the episode (0 on an episode's last tick), and whether the tick belongs to an episode
    that reached its terminal state (a time-out's return is cut short)."""
    G = np.zeros(len(reward))
    ended = np.zeros(len(reward), dtype=bool)
    g, done = 0.0, False
    for t in range(len(reward) - 1, -1, -1):
        last = t == len(reward) - 1 or first[t + 1]
        g = 0.0 if last else reward[t + 1] + gamma * g
        done = bool(terminated[t]) if last else done
        G[t], ended[t] = g, done and not terminated[t]
    return G, ended


def finite_mean(values) -> float:
    """Mean over the seeds that have the value (the critic's bias needs an episode that reached
    the goal in the second half of training); NaN when none has."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def run_one(scheme: str, tonic_hz: float, seed: int, steps: int) -> dict:
    """Train one animal; its episode lengths per span of training and its signal statistics."""
    import bioRTRRL as br

    model = condition_model(scheme, tonic_hz)
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    cap = model.task.max_episode_steps
    end = ds.episode_end_step.values
    length = np.where(ds.episode_terminated.values, ds.episode_length.values, cap)
    spans = np.minimum(end * BINS // steps, BINS - 1)
    curve = np.array([length[spans == b].mean() if np.any(spans == b) else cap
                      for b in range(BINS)])
    late = end >= steps * (BINS - 2) // BINS
    first = ds.t_in_episode.values.ravel() == 0
    signal, value = ds.dopamine.values.ravel(), ds.value.values.ravel()
    G, ended = discounted_returns(ds.reward.values.ravel(), first, ds.terminated.values.ravel(),
                                  model.learning.gamma)
    half = np.arange(len(signal)) >= steps // 2
    transition = half & ~first
    floor = -tonic_hz / model.circuit.dopamine_hz_per_error
    return {"curve": curve,
            "final": float(length[late].mean()) if late.any() else float(cap),
            "bias": float((value - G)[half & ended].mean()) if (half & ended).any() else np.nan,
            "floor": float(np.isclose(signal[transition], floor).mean()),
            "burst": float((signal[transition] > 0).mean())}


def main(steps: int = 20000, seeds=tuple(range(10)), out: Path | None = None) -> dict:
    from bioRTRRL.stats import bootstrap_ci, hedges_g
    from bioRTRRL.tasks.grid_world import REWARD_SCHEMES

    conditions = [(s, hz) for hz in TONIC_HZ for s in REWARD_SCHEMES]
    # independent animals per condition: seeds offset by the condition's index
    rows = {c: [run_one(*c, seed=1000 * i + s, steps=steps) for s in seeds]
            for i, c in enumerate(conditions)}
    final = {c: np.array([r["final"] for r in rs]) for c, rs in rows.items()}
    lines = ["# A grid world under three reward schemes and three dopamine baselines "
             "(Potjans et al. 2011)", "",
             f"models/grid_world.toml (5 x 5, random start, 100 steps at most), {steps} ticks, "
             f"{len(seeds)} seeds per condition. Steps to goal in the last fifth of training "
             "(a time-out counts 100; a random walk needs 59 on average, the shortest path "
             "4.2). Mechanism over the second half of training: critic bias = value − "
             "the discounted return then received (episodes that reached the goal); floor = "
             "TD transitions whose signal sat at −r₀/κ.", "",
             "| tonic rate | rewards | steps to goal | 95 % interval | critic bias | at floor "
             "| bursts |", "|---|---|---|---|---|---|---|"]
    for (s, hz), rs in rows.items():
        f = final[(s, hz)]
        lo, hi = bootstrap_ci(f, statistic="mean")
        m = {k: finite_mean([r[k] for r in rs]) for k in ("bias", "floor", "burst")}
        lines.append(f"| {hz:g} Hz | {s} | {f.mean():.1f} | [{lo:.1f}, {hi:.1f}] | "
                     f"{m['bias']:+.2f} | {m['floor']:.2f} | {m['burst']:.2f} |")
    summary = {}
    lines.append("")
    for hz in TONIC_HZ:
        for s in ("mixed", "negative"):
            a, b = final[(s, hz)], final[("positive", hz)]
            lo, hi = bootstrap_ci(a, b)
            summary[(s, hz)] = {"difference": float(a.mean() - b.mean()), "ci": (lo, hi),
                                "hedges_g": hedges_g(a, b)}
            lines.append(f"At {hz:g} Hz: {s} − positive = {a.mean() - b.mean():+.1f} steps, 95 % "
                         f"interval [{lo:+.1f}, {hi:+.1f}], Hedges' g = {hedges_g(a, b):+.2f}.")
    text = "\n".join(lines) + "\n"
    print(text)
    figures, results = (FIGURES, RESULTS) if out is None else (out, out)
    figure(rows, steps, figures / "grid_world.png")
    results.mkdir(parents=True, exist_ok=True)
    (results / "grid_world.md").write_text(text)
    return {"final": final, "summary": summary, "rows": rows}


def figure(rows: dict, steps: int, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bioRTRRL.stats import bootstrap_ci

    fig, axes = plt.subplots(1, len(TONIC_HZ), figsize=(14, 3.8), sharey=True)
    x = (np.arange(BINS) + 0.5) * steps / BINS
    for ax, hz in zip(axes, TONIC_HZ):
        for k, ((s, h), rs) in enumerate(rows.items()):
            if h != hz:
                continue
            curves = np.array([r["curve"] for r in rs])
            ci = np.array([bootstrap_ci(curves[:, b], statistic="mean") for b in range(BINS)])
            ax.plot(x, curves.mean(axis=0), "o-", color=f"C{k % 3}", label=s)
            ax.fill_between(x, ci[:, 0], ci[:, 1], color=f"C{k % 3}", alpha=0.2)
        ax.set_title(f"tonic dopamine {hz:g} Hz")
        ax.set_xlabel("training tick")
    axes[0].set_ylabel("steps to goal (mean, 95 % interval)")
    axes[0].legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    a = p.parse_args()
    main(a.steps, tuple(int(s) for s in a.seeds.split(",")))
