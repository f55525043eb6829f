"""Velocities-only CartPole with a spiking cortex (LIF units, e-prop): best and final evaluation
per seed.

models/spiking_cartpole_velocities.toml: the task and learning settings of
models/cartpole_velocities.toml with ``circuit.unit = "lif"`` (10 neural steps of 1 ms per tick).
Evaluations every ``run.eval_every`` ticks: mean return of ``run.eval_episodes`` episodes under
the frozen circuit.

Usage:  python analyses/spiking_cartpole.py [--steps 1000000] [--seeds 0,1,2,3,4] [--set KEY=VALUE]
Writes analyses/results/spiking_cartpole_<seeds><tag>.md and
analyses/figures/spiking_cartpole_<seeds><tag>.png (<tag> names the --set overrides).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import bioRTRRL as br
import spiking_settings

# ---- configuration --------------------------------------------------------------------------
HERE = Path(__file__).resolve().parent
MODEL = HERE.parent / "models" / "spiking_cartpole_velocities.toml"
SOLVED = 475.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    spiking_settings.add_arguments(parser)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    model = br.load_model(MODEL).with_overrides(spiking_settings.overrides(args.set))
    tag = args.seeds.replace(",", "") + spiking_settings.tag(args.set)
    command = " ".join([f"--steps {args.steps} --seeds {args.seeds}"]
                       + [f"--set {i}" for i in args.set])
    results = HERE / "results" / f"spiking_cartpole_{tag}.md"
    results.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# Spiking cortex (LIF, e-prop), CartPole velocities only, {args.steps} ticks", "",
             f"`python analyses/spiking_cartpole.py {command}`", "",
             "| seed | best evaluation | final evaluation | outcome |", "|---|---|---|---|"]
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    for seed in seeds:
        try:
            ds = br.run(model, steps=args.steps, seed=seed, progress=False)
            outcome = "finished"
        except FloatingPointError as exc:  # a diverged run still has its evaluations so far
            ds, outcome = exc.recording, f"diverged: {exc}"
        ret = ds.eval_return.values if "eval_return" in ds else np.array([np.nan])
        best, final = np.nanmax(ret), ret[-1]
        lines.append(f"| {seed} | {best:.1f} | {final:.1f} | {outcome} |")
        if "eval_return" in ds:
            ax.plot(ds.eval_step, ret, label=f"seed {seed}")
        results.write_text("\n".join(lines) + "\n")
        print(lines[-1], flush=True)
    ax.axhline(SOLVED, color="k", ls="--", lw=0.8)
    ax.set(xlabel="tick", ylabel="evaluation return", title="spiking cortex, CartPole velocities")
    ax.legend(fontsize="small")
    (HERE / "figures").mkdir(exist_ok=True)
    fig.savefig(HERE / "figures" / f"spiking_cartpole_{tag}.png", dpi=110)


if __name__ == "__main__":
    main()
