"""Why does an RFLO-trained cortex do worse than a frozen random one on positions-only CartPole?

analyses/paper_table.py (published protocol, 5 seeds, 2 M ticks) measured RFLO at a median best of
92.4 on CartPole with only the positions [x, θ] observed, and the same circuit with its cortex
frozen at the random initialisation (method "linear": only actor and critic learn) at 389.7. This
script trains the circuit of models/paper_cartpole_positions.toml under a few changes of the
cortex's learning and records, besides the evaluations, what happens to cortex:

- the spectral radius of W_rec, the Frobenius norm of W_in, the mean time constant τ;
- the saturation of the rates, the fraction of ticks × units with |h| > 0.95;
- the alignment of the rates with the critic's fixed feedback B_C, mean over ticks and units of
  sign(B_C,i)·h_i: 1 when every unit sits at the sign of its feedback weight whatever the input;
- the mean dopamine δ.

The mechanism it measures (docs/algorithm.md §3–4): every cortical update is δ·e with the trace
e built from the learning signal g = B_C + η_π B_A ψ. B_C is a constant vector, and early in
training δ is positive on average (the value starts at 0, every tick pays +1), so the update
ascends B_Cᵀh: each unit's bias, recurrent weights from units of the same feedback sign and
smaller τ all drive h_i towards sign(B_C,i). Adam moves every weight with a consistent gradient
sign by about one learning rate per tick, so within a few hundred ticks the rates saturate at a
fixed pattern that no longer carries the positions' history, which a linear readout needs to
recover the velocities. A frozen cortex keeps its fading memory (spectral radius 0.9, τ in
[1, 5] ticks). The authors' code (FranzKnut/RTRRL-AAAI25, b71fd6e) computes the same update.

Conditions (overrides of the model file):
- "rflo":           the model file as shipped (lr_cortex 1e-3, τ learned, random feedback);
- "frozen":         lr_cortex = 0, τ fixed: paper_table.py's method "linear";
- "average_reward": learning.average_reward: δ is measured against a learned reward rate r̄,
                    which removes δ's positive mean (not the paper's);
- "lr_cortex_1e-4": a ten times slower cortex;
- "exact_feedback": circuit.feedback = "exact": the learning signal through w_C, K_A;
- "fixed_tau":      τ not learned, W learned;
- "average_reward_lr_cortex_1e-4": both.

Usage:  python analyses/cartpole_cortex.py [--steps 500000] [--seeds 0,1,2] [--conditions rflo,frozen]
Appends one JSON line per run to analyses/results/cartpole_cortex_runs.jsonl (a run already in
the file is not repeated), then writes analyses/results/cartpole_cortex.md and
analyses/figures/cartpole_cortex.png from every run of the file at the largest budget.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling script paper_table.py
from paper_table import read_runs  # noqa: E402

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "paper_cartpole_positions.toml"
STEPS = 500_000
SEEDS = [0, 1, 2]
SNAPSHOTS = 10            # evaluations and weight snapshots per run, evenly spaced
STRIDE = 50               # rates recorded every STRIDE-th tick
SATURATED = 0.95          # |h| above this counts as saturated
CONDITIONS = {
    "rflo": {},
    "frozen": {"optimizer.lr_cortex": 0.0, "circuit.train_tau": False},
    "average_reward": {"learning.average_reward": True},
    "lr_cortex_1e-4": {"optimizer.lr_cortex": 1e-4},
    "exact_feedback": {"circuit.feedback": "exact"},
    "fixed_tau": {"circuit.train_tau": False},
    "average_reward_lr_cortex_1e-4": {"learning.average_reward": True, "optimizer.lr_cortex": 1e-4},
}
RUNS = ROOT / "analyses" / "results" / "cartpole_cortex_runs.jsonl"
TABLE = ROOT / "analyses" / "results" / "cartpole_cortex.md"
FIGURE = ROOT / "analyses" / "figures" / "cartpole_cortex.png"


# ---- one run --------------------------------------------------------------------------------
def run_one(condition: str, seed: int, steps: int) -> dict:
    """Train one circuit; its evaluations and, per tenth of the run, the state of cortex."""
    import bioRTRRL as br

    every = max(steps // SNAPSHOTS, 1)
    model = br.load_model(MODEL).with_overrides({
        "run.eval_every": every, "recording.weights_every": every, "recording.stride": STRIDE,
        **CONDITIONS[condition]})
    t0 = time.time()
    ds = br.run(model, steps=steps, seed=seed, progress=False)
    wall = time.time() - t0
    h = ds.rate.sel(neuron=ds.population == "cortex").values          # (recorded tick, unit)
    sign_bc = np.sign(ds.feedback_striatum_ventral.values)
    tenths = np.array_split(h, SNAPSHOTS)
    evals = ds.eval_return.values
    return {
        "condition": condition, "seed": seed, "steps": steps, "wall_s": round(wall, 1),
        "eval": [round(float(x), 1) for x in evals],
        "best": float(np.max(evals)), "held": float(np.mean(evals[-3:])),
        # snapshots: the initial weights, then one per tenth
        "radius_Wrec": [round(float(np.max(np.abs(np.linalg.eigvals(w)))), 2)
                        for w in ds.W_cortex_cortex.values],
        "norm_Win": [round(float(np.linalg.norm(w)), 2) for w in ds.W_input_cortex.values],
        # ‖[W_in | W_rec | b]‖_F, comparable with the norm of the published code's one matrix W
        "norm_W": [round(float(np.sqrt((a ** 2).sum() + (b ** 2).sum() + (c ** 2).sum())), 2)
                   for a, b, c in zip(ds.W_input_cortex.values, ds.W_cortex_cortex.values,
                                      ds.b_cortex.values)],
        "tau_mean": [round(float(t.mean()), 2) for t in ds.tau_cortex.values],
        # per tenth of the run
        "saturation": [round(float((np.abs(c) > SATURATED).mean()), 3) for c in tenths],
        "align_BC": [round(float((c * sign_bc).mean()), 3) for c in tenths],
        "mean_delta": [round(float(np.mean(c)), 3)
                       for c in np.array_split(ds.dopamine.values, SNAPSHOTS)],
    }


# ---- table and figure -----------------------------------------------------------------------
def summarise(runs: list[dict]) -> str:
    """The results markdown: one row per condition, medians over seeds."""
    lines = ["# Positions-only CartPole: what training does to cortex (analyses/cartpole_cortex.py)",
             "",
             f"models/paper_cartpole_positions.toml, {runs[0]['steps']:,} ticks, an evaluation "
             f"(10 episodes) every {runs[0]['steps'] // SNAPSHOTS:,} ticks. Medians over seeds; "
             "radius, |W_in| and τ at the end (start: 0.90, 2.1, 3.6 for seed 0); saturation "
             f"(|h| > {SATURATED}), alignment (mean sign(B_C,i)·h_i) and δ in the first and the "
             "last tenth of the run.",
             "",
             "| condition | seeds | best | best per seed | held (last 3) | radius W_rec | |W_in| | τ mean "
             "| saturation first → last | align B_C first → last | mean δ first → last |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for cond in CONDITIONS:
        rs = sorted((r for r in runs if r["condition"] == cond), key=lambda r: r["seed"])
        if not rs:
            continue
        per_seed = ", ".join(f"{r['best']:.1f}" for r in rs)
        med = lambda key, i=None: float(np.median([r[key] if i is None else r[key][i] for r in rs]))
        lines.append(
            f"| {cond} | {len(rs)} | {med('best'):.1f} | {per_seed} "
            f"| {med('held'):.1f} | {med('radius_Wrec', -1):.2f} | {med('norm_Win', -1):.2f} "
            f"| {med('tau_mean', -1):.2f} | {med('saturation', 0):.2f} → {med('saturation', -1):.2f} "
            f"| {med('align_BC', 0):.2f} → {med('align_BC', -1):.2f} "
            f"| {med('mean_delta', 0):.2f} → {med('mean_delta', -1):.2f} |")
    return "\n".join(lines) + "\n"


def plot(runs: list[dict]) -> None:
    """Evaluations, alignment with B_C and W_rec's spectral radius over training, per condition."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    colours = dict(zip(CONDITIONS, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for r in runs:
        n = len(r["eval"])
        ticks = np.arange(1, n + 1) * r["steps"] / n / 1e3
        kw = {"color": colours[r["condition"]], "alpha": 0.7,
              "label": r["condition"] if r["seed"] == min(x["seed"] for x in runs) else None}
        axes[0].plot(ticks, r["eval"], **kw)
        axes[1].plot((np.arange(SNAPSHOTS) + 0.5) * r["steps"] / SNAPSHOTS / 1e3, r["align_BC"], **kw)
        axes[2].plot(np.arange(SNAPSHOTS + 1) * r["steps"] / SNAPSHOTS / 1e3, r["radius_Wrec"], **kw)
    for ax, title in zip(axes, ["evaluation return", "rates aligned with B_C: mean sign(B_C,i)·h_i",
                                "spectral radius of W_rec"]):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("tick (thousands)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=120)


# ---- main -----------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--runs", type=Path, default=RUNS)
    args = ap.parse_args()
    done = {(r["condition"], r["seed"], r["steps"]) for r in read_runs(args.runs)}
    for seed in map(int, args.seeds.split(",")):
        for cond in args.conditions.split(","):
            if (cond, seed, args.steps) in done:
                continue
            result = run_one(cond, seed, args.steps)
            print(json.dumps(result), flush=True)
            with args.runs.open("a") as f:
                f.write(json.dumps(result) + "\n")
    runs = read_runs(args.runs)
    budget = max(r["steps"] for r in runs)
    runs = [r for r in runs if r["steps"] == budget]
    TABLE.write_text(summarise(runs))
    plot(runs)
    print(TABLE.read_text())


if __name__ == "__main__":
    main()
