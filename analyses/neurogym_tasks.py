"""Can the circuit learn NeuroGym's standard tasks? Fraction of trials correct during training.

Tasks (Molano-Mazón et al. 2022, NeuroGym): the two-alternative perceptual decision
(``PerceptualDecisionMaking-v0``: fixate while a noisy two-channel stimulus plays for 20 ticks,
then report the stronger channel in a one-tick decision window; coherences 0–51.2 %, so an ideal
integrator is right on about 88 % of trials) and delayed match-to-sample (``DelayMatchSample-v0``:
a sample direction, a 10-tick delay, a test direction, then report match / non-match).

Each trial is an episode (``task.trial_as_episode = true``); the reward is +1 for a correct
report, 0 for a wrong or missing one and −0.1 per fixation break, so the mean first-episode
return of an evaluation is the fraction correct less the fixation penalties. The circuit is the
paper model (models/paper_catch.toml's settings: N = 32, RFLO, Adam 1e-3, no clip) with the task
swapped, plus the overrides of SETTINGS; every EVAL_EVERY ticks EVAL_TRIALS trials are scored.

Needs NeuroGym (docs/suites.md: ``pip install --no-deps neurogym==2.2.0`` plus its light
requirements, keeping gymnasium ≥ 1.0).

Runs already in the results file (same task, setting, seed and budget) are not run again.

Usage:
    nice -n 15 python analyses/neurogym_tasks.py [--task PerceptualDecisionMaking-v0]
        [--steps 1000000] [--seeds 0,1,2,3,4] [--setting paper] [--workers 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling script paper_table.py
from paper_table import read_runs  # noqa: E402

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "analyses" / "results" / "neurogym_tasks.jsonl"
TABLE = ROOT / "analyses" / "results" / "neurogym_tasks.md"
STEPS = 1_000_000
EVAL_EVERY = 20_000
EVAL_TRIALS = 200
SETTINGS = {
    "paper": {},
    # the reward follows the evidence by ~20 ticks and every other action of the trial is free:
    # shorter traces (λ = 0.9) carry less of those actions' noise, more entropy keeps both
    # choices tried, slower units (τ up to 10 ticks) hold more of the stimulus
    "short_traces": {"learning.lambda_actor": 0.9, "learning.lambda_critic": 0.9,
                     "learning.lambda_cortex": 0.9, "learning.entropy": 1e-3,
                     "circuit.tau_init": [1.0, 10.0]},
}
# short_traces reached 0.80 once and fell back: the same with a learning rate decaying linearly
# to 10 % over 300 k updates, so that what was learned stays
SETTINGS["short_traces_decay"] = {**SETTINGS["short_traces"], "optimizer.lr_schedule": "linear",
                                  "optimizer.lr_decay_steps": 300_000,
                                  "optimizer.lr_final_fraction": 0.1}
# the perceptual decision swung between 0.3 and 0.8 with either: a 3× smaller learning rate
SETTINGS["short_traces_slow"] = {**SETTINGS["short_traces"], "optimizer.lr_readout": 3e-4,
                                 "optimizer.lr_cortex": 3e-4}
# those swings end in a side bias (one choice on every trial, measured: 100 % action 1 at the
# decision by 200 k ticks): the efference copy of the previous action (Meta-RL input) lets
# presses during the stimulus, which cost nothing, feed back into the choice. With a trial per
# episode the Meta-RL input carries nothing across trials anyway: drop it
SETTINGS["no_efference"] = {**SETTINGS["short_traces_slow"], "circuit.meta_rl_input": False}
# on CartPole the critic's fixed feedback B_C and δ's positive mean drive every cortex unit to
# sign(B_C) (analyses/cartpole_cortex.py): without that feedback (B_C = 0) the cortex learns from
# the actor's feedback only
SETTINGS["no_critic_feedback"] = {**SETTINGS["no_efference"], "circuit.critic_feedback_scale": 0.0}
# the scores swing between chance and 0.8–0.9 all through training. Adam scales every step to
# about the learning rate however small the gradient; its ε sets where that stops. Measured
# (no_efference, seed 1, 100–600 k ticks): RMS gradients of the cortex 0.6–1.6·10⁻², of the actor
# 2–7·10⁻², of the critic 0.25–0.66. ε = 10⁻² therefore about halves the cortex's steps and
# makes them proportional to its gradient, trims the actor's and leaves the critic's
SETTINGS["adam_eps"] = {**SETTINGS["no_efference"], "optimizer.eps": 1e-2}
# delayed match-to-sample stays at chance for 0.4–1 M ticks at the slower learning rate: the
# same ε at short_traces' rate 1e-3
SETTINGS["fast_adam_eps"] = {**SETTINGS["short_traces"], "circuit.meta_rl_input": False,
                             "optimizer.eps": 1e-2}
# delayed match-to-sample with two directions is an XOR across the delay (match iff sample =
# test): a choice linear in the remembered sample and the test gets 3 of the 4 pairs right, the
# 0.75 where most runs settle. Twice the units give the cortex more mixed (conjunctive) features
SETTINGS["wide"] = {**SETTINGS["no_efference"], "circuit.cortex_size": 64}
# ... and did not (0.51–0.54 held). The exact gradient (RTRL, the paper's other method) instead
# of RFLO's approximation, for the conjunction
SETTINGS["rtrl"] = {**SETTINGS["no_efference"], "learning.gradient": "rtrl"}
# the paper's settings with that ε alone
SETTINGS["paper_adam_eps"] = {"optimizer.eps": 1e-2}
# the other way to smaller steps: a learning rate annealed linearly to 0 over the 1 M ticks
SETTINGS["annealed"] = {**SETTINGS["no_efference"], "optimizer.lr_schedule": "linear",
                        "optimizer.lr_decay_steps": STEPS, "optimizer.lr_final_fraction": 0.0}


def model_for(task, setting):
    import bioRTRRL as br

    return br.load_model(ROOT / "models" / "paper_catch.toml").with_overrides({
        "task.env": f"neurogym:{task}", "task.kwargs": {}, "task.trial_as_episode": True,
        "run.eval_every": 0, "run.eval_episodes": EVAL_TRIALS,
        "recording.variables": ["reward"], "recording.weights_every": 0,
        **SETTINGS[setting],
    })


def write_markdown():
    """Rebuild TABLE from every run recorded in RESULTS: a summary over seeds, then every run."""
    runs = read_runs(RESULTS)
    lines = ["# NeuroGym tasks: score (≈ fraction of trials correct) during training", "",
             "Written by `analyses/neurogym_tasks.py` (settings in its SETTINGS). Score = mean reward",
             f"of one trial in each of {EVAL_TRIALS} evaluation environments (+1 correct, 0 wrong or no",
             "response, −0.1 per fixation break); chance is 0.5 for a policy that always answers at",
             "random. best = highest evaluation; held = mean of the last 10 (the last 200 k ticks).",
             "Goal: ≥ 0.80 within 1 M ticks.", "",
             "## Over seeds", "",
             "| task | setting | ticks | seeds | best (median, per seed) | held (median, per seed) "
             "| seeds held ≥ 0.80 |", "|---|---|---|---|---|---|---|"]
    groups = {}
    for r in runs:
        groups.setdefault((r["task"], r["setting"], r["steps"]), []).append(r)
    for (task, setting, steps), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["seed"])
        best, held = [r["best"] for r in rs], [r["held"] for r in rs]
        lines.append(f"| {task} | {setting} | {steps // 1000} k | {len(rs)} | "
                     f"{np.median(best):.2f} ({' '.join(f'{b:.2f}' for b in best)}) | "
                     f"{np.median(held):.2f} ({' '.join(f'{h:.2f}' for h in held)}) | "
                     f"{sum(h >= 0.8 for h in held)}/{len(rs)} |")
    lines += ["", "## Every run", "",
              "| task | setting | seed | ticks | best | held | wall s | curve (every 20 k) |",
              "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['task']} | {r['setting']} | {r['seed']} | {r['steps'] // 1000} k | "
                     f"{r['best']:.2f} | {r['held']:.2f} | {r['wall_seconds']} | "
                     f"{' '.join(f'{c:.2f}' for c in r['curve'])} |")
    old = TABLE.read_text() if TABLE.exists() else ""
    # the reading below the tables is written by hand: keep it
    reading = old[old.index("\n## Reading"):] if "\n## Reading" in old else ""
    TABLE.write_text("\n".join(lines) + "\n" + reading)


def train(task, setting, seed, steps):
    """One run: train for ``steps`` ticks, scoring every EVAL_EVERY; returns its record."""
    from bioRTRRL import Session

    session = Session(model_for(task, setting), seed)
    started, curve = time.perf_counter(), []
    while session.tick < steps:
        session.advance(EVAL_EVERY, progress=False)
        curve.append(round(session.evaluate(), 4))
    session.finish()
    return {"task": task, "setting": setting, "seed": seed, "steps": steps,
            "eval_every": EVAL_EVERY, "eval_trials": EVAL_TRIALS, "curve": curve,
            "best": max(curve), "held": float(np.mean(curve[-10:])),
            "wall_seconds": round(time.perf_counter() - started)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="PerceptualDecisionMaking-v0")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--setting", default="paper", choices=list(SETTINGS))
    parser.add_argument("--workers", type=int, default=1, help="runs in parallel (processes)")
    args = parser.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds: expected comma-separated integers, got {args.seeds!r}")
    done = {(r["task"], r["setting"], r["seed"], r["steps"]) for r in read_runs(RESULTS)}
    todo = [s for s in seeds if (args.task, args.setting, s, args.steps) not in done]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for record in _runs(args.task, args.setting, todo, args.steps, args.workers):
        # each run is written as it ends: a stopped sweep keeps the runs it finished
        with open(RESULTS, "a") as f:
            f.write(json.dumps(record) + "\n")
        write_markdown()
        print(json.dumps({k: v for k, v in record.items() if k != "curve"}), flush=True)


def _runs(task, setting, seeds, steps, workers):
    """The runs' records as they end: in this process, or in ``workers`` processes."""
    if workers == 1:
        for seed in seeds:
            yield train(task, setting, seed, steps)
        return
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(train, task, setting, seed, steps) for seed in seeds]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()


if __name__ == "__main__":
    main()
