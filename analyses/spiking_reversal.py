"""Reversal learning with a spiking cortex (LIF units, e-prop): does the circuit choose the better
arm above chance, and does it follow the reversal?

models/spiking_reversal_bandit.toml: a two-armed bandit (0.8 / 0.2) whose arms swap after 50 of
the 100 trials of each episode; one tick per trial. For each seed this script trains the circuit
and reports, over the second half of the run, the fraction of choices of the currently better arm
in the first block, in the second block (after the reversal), in the first 10 trials after the
reversal and in the last 10 trials of each block (tracking: the choice moves towards the better arm
within each block, the last 10 trials above the first 10). A seed *tracks* the reversals when its
choices of the better arm over the last 10 trials of each block are at least TRACKED (0.6).

Usage:  python analyses/spiking_reversal.py [--steps 20000] [--seeds 0,1,2,3,4] [--set KEY=VALUE]
Writes analyses/results/spiking_reversal<tag>.md and analyses/figures/spiking_reversal<tag>.png
(<tag> names the --set overrides).
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
MODEL = HERE.parent / "models" / "spiking_reversal_bandit.toml"
BLOCK = 50  # the model's block_length
TRACKED = 0.6  # P(better arm) over the last 10 trials of both blocks that counts as tracking


def correct_by_trial(ds) -> np.ndarray:
    """(episodes, trials) array: 1 where the choice was the better arm of that trial, NaN where no
    choice was recorded. A tick's action is the choice of the next tick's trial."""
    trial, episode = ds.trial.values, ds.episode.values
    action = ds.action.values.reshape(ds.sizes["step"], -1)[:, 0]
    same = episode[1:] == episode[:-1]
    k, ep, a = trial[1:][same], episode[1:][same], action[:-1][same]
    out = np.full((episode.max() + 1, k.max() + 1), np.nan)
    out[ep, k] = (a == (k >= BLOCK)).astype(float)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    spiking_settings.add_arguments(parser)
    args = parser.parse_args(argv)
    model = br.load_model(MODEL).with_overrides(spiking_settings.overrides(args.set))
    name = "spiking_reversal" + spiking_settings.tag(args.set)
    command = " ".join([f"--steps {args.steps} --seeds {args.seeds}"]
                       + [f"--set {i}" for i in args.set])
    lines = [f"# Spiking cortex (LIF, e-prop): reversal bandit, {args.steps} ticks per seed", "",
             f"`python analyses/spiking_reversal.py {command}`", "",
             "Fraction of choices of the better arm over the second half of the run (chance 0.5).",
             "", "| seed | all | block 1 | first 10 of block 1 | last 10 of block 1 | block 2 | "
             "first 10 after reversal | last 10 of block 2 | tracked |",
             "|---|---|---|---|---|---|---|---|---|"]
    tracked = 0
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    seeds = [int(s) for s in args.seeds.split(",")]
    for seed in seeds:
        ds = br.run(model, steps=args.steps, seed=seed, progress=False)
        c = correct_by_trial(ds)
        late = c[c.shape[0] // 2:]
        curve = np.nanmean(late, axis=0)
        cols = (slice(None), slice(0, BLOCK), slice(0, 10), slice(BLOCK - 10, BLOCK),
                slice(BLOCK, None), slice(BLOCK, BLOCK + 10), slice(-10, None))
        values = [np.nanmean(late[:, c]) for c in cols]
        ok = values[3] >= TRACKED and values[6] >= TRACKED
        tracked += ok
        lines.append(f"| {seed} | " + " | ".join(f"{x:.2f}" for x in values)
                     + f" | {'yes' if ok else 'no'} |")
        print(lines[-1], flush=True)
        ax.plot(curve, lw=1, label=f"seed {seed}")
    ax.axvline(BLOCK, color="k", ls="--", lw=0.8)
    ax.axhline(0.5, color="k", lw=0.5)
    ax.set(xlabel="trial in episode", ylabel="P(better arm)", ylim=(0, 1),
           title="second half of training; reversal at the dashed line")
    ax.legend(fontsize="small")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "figures").mkdir(exist_ok=True)
    lines += ["", f"Tracked (last 10 of both blocks ≥ {TRACKED}): {tracked} of {len(seeds)} seeds."]
    print(lines[-1])
    (HERE / "results" / f"{name}.md").write_text("\n".join(lines) + "\n")
    fig.savefig(HERE / "figures" / f"{name}.png", dpi=110)


if __name__ == "__main__":
    main()
