"""Dopamine transfer (Schultz, Dayan & Montague 1997) with a spiking cortex learning by e-prop.

The trial analysis of analyses/dopamine_transfer.py (its trial table, summary and figure) on
models/spiking_trace_conditioning.toml: a leaky integrate-and-fire cortex, 10 neural steps of 1 ms
per 10 ms tick, e-prop eligibility gated by dopamine (Bellec et al. 2020, Nat Commun 11:3625).

Usage:  python analyses/spiking_conditioning.py [--steps 20000] [--seeds 0,1,2,3,4] [--set KEY=VALUE]
Writes analyses/figures/spiking_conditioning_<steps><tag>*.png and
analyses/results/spiking_conditioning_<steps><tag>.md (<tag> names the --set overrides).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import bioRTRRL as br

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import dopamine_transfer as transfer  # noqa: E402
import spiking_settings  # noqa: E402

# ---- configuration --------------------------------------------------------------------------
transfer.MODEL = HERE.parent / "models" / "spiking_trace_conditioning.toml"
FIGURES = HERE / "figures"
KEYS = ("reward_early", "reward_late", "cue_early", "cue_late", "omission_late", "baseline_late")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    spiking_settings.add_arguments(parser)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    model = br.load_model(transfer.MODEL).with_overrides(spiking_settings.overrides(args.set))
    kw = model.task.kwargs
    tables = {s: transfer.trial_table(br.run(model, steps=args.steps, seed=s, progress=False),
                                      kw.get("cue_time", 5), kw.get("delay", 5)) for s in seeds}
    name = f"spiking_conditioning_{args.steps}{spiking_settings.tag(args.set)}"
    command = " ".join([f"--steps {args.steps} --seeds {args.seeds}"]
                       + [f"--set {i}" for i in args.set])
    rows = {s: transfer.summarise(t) for s, t in tables.items()}
    lines = [f"# Spiking cortex (LIF, e-prop): trace conditioning, {args.steps} ticks per seed", "",
             f"`python analyses/spiking_conditioning.py {command}`",
             "", "| seed | trials | " + " | ".join(f"δ {k.replace('_', ' ')}" for k in KEYS)
             + " | transfer trial |", "|" + "---|" * (len(KEYS) + 3)]
    for s, r in rows.items():
        lines.append(f"| {s} | {r['trials']} | " + " | ".join(f"{r[k]:+.3f}" for k in KEYS)
                     + f" | {r['transfer_trial']} |")
    lines.append(f"| mean | | " + " | ".join(f"{np.mean([r[k] for r in rows.values()]):+.3f}"
                                             for k in KEYS) + " | |")
    text = "\n".join(lines) + "\n"
    print(text)
    FIGURES.mkdir(parents=True, exist_ok=True)
    results = HERE / "results" / f"{name}.md"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text)
    transfer.figure(tables, FIGURES / f"{name}.png", FIGURES / f"{name}_trials.png")


if __name__ == "__main__":
    main()
