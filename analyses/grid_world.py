"""Potjans, Diesmann & Morrison (2011): a low dopamine baseline, a rate critic and three reward schemes.

PLoS Comput Biol 7:e1001133: a spiking actor-critic whose dopamine signal is a firing rate around
a low baseline, and whose critic's value is the firing rate of its neurons, learns a navigation
task with sparse positive rewards as fast as classic TD learning, is impaired when walls are
punished as well, and breaks down with purely negative rewards; the authors attribute this to
the dopamine signal's asymmetry (a dip cannot go below 0 Hz). This script trains the circuit of
models/grid_world.toml on bioRTRRL/GridWorld-v0 (5 x 5, start anywhere, goal in a corner, 100
steps at most) under the three schemes of bioRTRRL.tasks.grid_world.REWARD_SCHEMES — positive
(goal +1), mixed (goal +1, wall −1) and negative (every step that does not reach the goal −1) —
crossing two critics with three dopamine signals, one seed per animal:

- critic "rate" (the model file's, circuit.critic = "rate": the value is a firing rate,
  softplus(w·h + b) >= 0, as in Potjans et al.) or "linear" (a signed readout: classic TD);
- dopamine neurons at a low tonic rate (TONIC_HZ[0], dips floor at −r₀/κ), at the model's
  (TONIC_HZ[1]), or no dopamine neurons: the signed δ, unbounded headroom (the classic TD
  control).

Reports per condition the steps to goal over training (episode length, a time-out counting 100;
mean over seeds with a bootstrap interval), the steps in the last fifth of training, and the
mechanism over the second half: the critic's bias (its value minus the discounted return the
agent then actually received, over episodes that reached the goal; > 0 is overestimation), the
fraction of TD transitions whose dopamine signal sat at the floor −r₀/κ, and of bursts; and the
contrasts (difference of means, 95 % bootstrap interval, Hedges' g over seeds): each scheme
against the positive one, and each dopamine signal against the signed δ.

A random walk reaches the goal in 59 steps on average under the 100-step time-out (89 without;
from a uniform start, by the hitting times of the walk's Markov chain), the shortest path in 4.2.

Measured (20 seeds, 20,000 ticks, analyses/results/grid_world.md), against classic TD (linear
critic, signed δ) on the same task as the paper compares: with the rate critic at 0.5 Hz
positive rewards are learned as fast (11.8 against 10.2 steps to goal, difference +1.6, 95 %
interval [−11.6, +14.8]; a few seeds of every condition of the positive scheme stall at the
time-out, hence the wide intervals), mixed rewards are impaired (7.2 against 4.6, +2.6 [+2.3,
+3.0], g = 4.0), and purely negative rewards break down (50.6 against 8.7, +41.8 [+29.6,
+52.3], g = 2.2; the random walk needs 59). The mechanism is the one Potjans et al. name, with
the critic's range as its precondition: every true value of the negative scheme is < 0, so the
rate critic sits near 0 (it overestimates the returns by +7.7), δ ≈ −1 on every move, and the
floor −r₀/κ turns all of them into the same dip (99 % at the floor, no bursts, spread of δ over
moves 0.000): nothing tells one move from another. Without the floor (signed δ) the small
differences of the critic's values near 0 survive in δ and 15 of 20 animals learn (< 15 steps;
4 stay above 80; mean 25.8; 0.5 Hz − signed δ = +24.8 [+7.7, +40.2], g = 0.9); the model's
4 Hz, whose floor −0.4 still cuts off −1, helps as much (27.1). A signed linear critic learns every scheme at 0.5 Hz (negative
rewards in 6.3 steps): its value follows the returns below 0, the cut-off dips make it
overestimate (+1.7) so that δ centres on the moves' average, and bursts carry the direction.

Usage:  python analyses/grid_world.py [--steps 20000] [--seeds 0,...,19]
Writes analyses/figures/grid_world.png and analyses/results/grid_world.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "grid_world.toml"
CRITICS = ("rate", "linear")
# tonic rates: low and the model's own (with 10 Hz per unit error, dips floor at −0.05 and
# −0.4); None = no dopamine neurons, the signed δ (classic TD)
TONIC_HZ = (0.5, 4.0, None)
SCHEMES = ("positive", "mixed", "negative")
BINS = 10  # training is cut into this many equal spans of ticks for the learning curves
FIGURES, RESULTS = Path(__file__).resolve().parent / "figures", Path(__file__).resolve().parent / "results"


def dopamine_label(tonic_hz) -> str:
    return "signed δ" if tonic_hz is None else f"{tonic_hz:g} Hz"


def condition_model(scheme: str, critic: str, tonic_hz):
    import bioRTRRL as br
    from bioRTRRL.tasks.grid_world import REWARD_SCHEMES

    goal, step, wall = REWARD_SCHEMES[scheme]
    base = br.load_model(MODEL)
    over = {"task.kwargs": {**base.task.kwargs, "goal_reward": goal, "step_reward": step,
                            "wall_reward": wall},
            "circuit.critic": critic,
            "name": f"grid_{scheme}_{critic}_{dopamine_label(tonic_hz).replace(' ', '_')}"}
    if tonic_hz is None:
        over["circuit.dopamine_neurons"] = False
    else:
        over["circuit.dopamine_tonic_hz"] = tonic_hz
    return base.with_overrides(over)


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


def run_one(scheme: str, critic: str, tonic_hz, seed: int, steps: int) -> dict:
    """Train one animal; its episode lengths per span of training and its signal statistics."""
    import bioRTRRL as br

    model = condition_model(scheme, critic, tonic_hz)
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
    floor = -np.inf if tonic_hz is None else -tonic_hz / model.circuit.dopamine_hz_per_error
    return {"curve": curve,
            "final": float(length[late].mean()) if late.any() else float(cap),
            "bias": float((value - G)[half & ended].mean()) if (half & ended).any() else np.nan,
            "floor": float(np.isclose(signal[transition], floor).mean()),
            "burst": float((signal[transition] > 0).mean()),
            # how much the signal tells moves apart: its spread over the non-terminal moves
            # (a signal stuck at the floor, or a constant −1, spreads 0)
            "spread": float(signal[transition & ~ds.terminated.values.ravel()].std()),
            "min_value": float(value.min())}


def contrast(a, b) -> dict:
    from bioRTRRL.stats import bootstrap_ci, hedges_g

    lo, hi = bootstrap_ci(a, b)
    return {"difference": float(a.mean() - b.mean()), "ci": (lo, hi), "hedges_g": hedges_g(a, b)}


def main(steps: int = 20000, seeds=tuple(range(20)), out: Path | None = None) -> dict:
    from bioRTRRL.stats import bootstrap_ci

    conditions = [(s, c, hz) for c in CRITICS for hz in TONIC_HZ for s in SCHEMES]
    # independent animals per condition: seeds offset by the condition's index
    rows = {c: [run_one(*c, seed=1000 * i + s, steps=steps) for s in seeds]
            for i, c in enumerate(conditions)}
    final = {c: np.array([r["final"] for r in rs]) for c, rs in rows.items()}
    lines = ["# A grid world under three reward schemes, two critics and three dopamine "
             "signals (Potjans et al. 2011)", "",
             f"models/grid_world.toml (5 x 5, random start, 100 steps at most), {steps} ticks, "
             f"{len(seeds)} seeds per condition. Steps to goal in the last fifth of training "
             "(a time-out counts 100; a random walk needs 59 on average, the shortest path "
             "4.2). Critic: rate = softplus(w·h + b) ≥ 0 (Potjans et al.), linear = signed "
             "readout. Dopamine: dopamine neurons at a tonic rate (dips floor at −r₀/κ, κ = "
             "10 Hz), or the signed δ (classic TD). Mechanism over the second half of "
             "training: critic bias = value − the discounted return then received (episodes "
             "that reached the goal); floor = TD transitions whose signal sat at −r₀/κ; δ "
             "spread = standard deviation of the signal over the moves that did not end the "
             "episode (what tells one move from another); min value = the critic's lowest "
             "value over the run.", "",
             "| critic | dopamine | rewards | steps to goal | 95 % interval | critic bias "
             "| at floor | bursts | δ spread | min value |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for (s, c, hz), rs in rows.items():
        f = final[(s, c, hz)]
        lo, hi = bootstrap_ci(f, statistic="mean")
        m = {k: finite_mean([r[k] for r in rs]) for k in ("bias", "floor", "burst", "spread")}
        vmin = min(r["min_value"] for r in rs)
        lines.append(f"| {c} | {dopamine_label(hz)} | {s} | {f.mean():.1f} | [{lo:.1f}, {hi:.1f}] "
                     f"| {m['bias']:+.2f} | {m['floor']:.2f} | {m['burst']:.2f} | "
                     f"{m['spread']:.3f} | {vmin:+.2f} |")
    summary = {}

    def report(key, a, b, text):
        summary[key] = contrast(final[a], final[b])
        d = summary[key]
        lines.append(f"- {text}: {d['difference']:+.1f} steps, 95 % interval "
                     f"[{d['ci'][0]:+.1f}, {d['ci'][1]:+.1f}], Hedges' g = {d['hedges_g']:+.2f}")

    lines += ["", "Contrasts (steps to goal in the last fifth; difference of means, bootstrap "
              "interval, Hedges' g over seeds):", ""]
    for c in CRITICS:
        for hz in TONIC_HZ:
            for s in ("mixed", "negative"):
                report(("scheme", s, c, hz), (s, c, hz), ("positive", c, hz),
                       f"{c} critic, {dopamine_label(hz)}: {s} − positive")
    low = TONIC_HZ[0]
    for c in CRITICS:
        for hz in TONIC_HZ[:-1]:
            for s in SCHEMES:
                report(("baseline", s, c, hz), (s, c, hz), (s, c, None),
                       f"{c} critic, {s}: {dopamine_label(hz)} − signed δ")
    for s in SCHEMES:
        report(("classic", s), (s, "rate", low), (s, "linear", None),
               f"{s}: rate critic at {low:g} Hz − classic TD (linear critic, signed δ)")
    lines += ["", "Signature of Potjans et al. (each scheme against classic TD on the same task; "
              f"rate critic, {low:g} Hz):", ""] + verdict(summary, final, low)
    text = "\n".join(lines) + "\n"
    print(text)
    figures, results = (FIGURES, RESULTS) if out is None else (out, out)
    figure(rows, steps, figures / "grid_world.png")
    results.mkdir(parents=True, exist_ok=True)
    (results / "grid_world.md").write_text(text)
    return {"final": final, "summary": summary, "rows": rows}


def verdict(summary: dict, final: dict, low: float) -> list[str]:
    """The paper's four claims, each read off its contrast: "as fast" = the interval holds 0,
    "impaired" = it lies above 0, "breaks down" = the mean is within 20 steps of the random
    walk's 59; and the baseline's part: the same critic with the signed δ."""
    def ci(d):
        return f"{d['difference']:+.1f} [{d['ci'][0]:+.1f}, {d['ci'][1]:+.1f}]"

    pos, mix, neg = (summary[("classic", s)] for s in SCHEMES)
    base = summary[("baseline", "negative", "rate", low)]
    lin = final[("negative", "linear", low)].mean()
    rescued = final[("negative", "rate", None)].mean()
    return [
        f"- positive rewards as fast as classic TD: {ci(pos)} steps — "
        + ("holds" if pos["ci"][0] <= 0 <= pos["ci"][1] else "does not hold"),
        f"- mixed rewards impaired: {ci(mix)} steps — "
        + ("holds" if mix["ci"][0] > 0 else "does not hold"),
        f"- purely negative rewards break down: {ci(neg)} steps, "
        f"{final[('negative', 'rate', low)].mean():.1f} steps to goal against the random walk's "
        "59 — " + ("holds" if final[("negative", "rate", low)].mean() >= 39 else "does not hold"),
        f"- because of the low baseline: the rate critic with the signed δ (no floor) reaches "
        f"the goal in {rescued:.1f} steps; {low:g} Hz − signed δ = {ci(base)} steps (Hedges' "
        f"g = {base['hedges_g']:+.2f}); the linear critic at {low:g} Hz in {lin:.1f} — the "
        "breakdown needs both the floor and a value that cannot go below 0",
    ]


def figure(rows: dict, steps: int, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bioRTRRL.stats import bootstrap_ci

    fig, axes = plt.subplots(len(CRITICS), len(TONIC_HZ), figsize=(14, 7), sharey=True,
                             squeeze=False)
    x = (np.arange(BINS) + 0.5) * steps / BINS
    for (s, c, hz), rs in rows.items():
        ax = axes[CRITICS.index(c), TONIC_HZ.index(hz)]
        k = SCHEMES.index(s)
        curves = np.array([r["curve"] for r in rs])
        ci = np.array([bootstrap_ci(curves[:, b], statistic="mean") for b in range(BINS)])
        ax.plot(x, curves.mean(axis=0), "o-", color=f"C{k}", label=s)
        ax.fill_between(x, ci[:, 0], ci[:, 1], color=f"C{k}", alpha=0.2)
        ax.axhline(59, color="grey", lw=0.8, ls=":")
        ax.set_title(f"{c} critic, {dopamine_label(hz)}")
    for ax in axes[-1]:
        ax.set_xlabel("training tick")
    for ax in axes[:, 0]:
        ax.set_ylabel("steps to goal (mean, 95 % interval)")
    axes[0, 0].legend(title="rewards (dotted: random walk)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--seeds", default=",".join(str(s) for s in range(20)))
    a = p.parse_args()
    main(a.steps, tuple(int(s) for s in a.seeds.split(",")))
