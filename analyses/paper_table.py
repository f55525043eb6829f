"""Does bioRTRRL reproduce the RTRRL paper's Table 2? Our numbers beside the paper's.

For every task row and method column, trains the circuit of models/paper_<task>.toml (N = 32, the
paper's hyper-parameters, docs/algorithm.md §6) for STEPS ticks on each of SEEDS seeds, evaluates it
EVALUATIONS times during training (mean return of the first episode of 10 stochastic-policy
environments, no learning) and reports the median ± s.d. over seeds of each seed's best evaluation
— the paper's statistic (docs/algorithm.md §7).

Methods (columns):
- "rflo":   RTRRL as published: RFLO eligibility traces in cortex.
- "rtrl":   the same with exact RTRL gradients (O(N³·Z) per tick: ~25× slower at N = 32).
- "linear": linear TD(λ) as this toolkit can express it: cortex frozen at its random
            initialisation (optimizer.lr_cortex = 0, circuit.train_tau = false), so the actor and
            critic are linear TD(λ) learners on fixed random recurrent features of the Meta-RL
            input. The paper's linear baseline reads the raw observation with no recurrent layer;
            ours keeps the random recurrence (an echo-state control), which can carry some memory,
            so on memory tasks it is an optimistic stand-in for the paper's column.

Differences from the paper's protocol, all budget: the paper trains up to 50 M ticks with early
stopping after 20 evaluations without improvement; here every run gets exactly STEPS ticks (no
early stop: stopping never raises the best evaluation), evaluated EVALUATIONS times.

Usage:
    python analyses/paper_table.py [--steps 1000000] [--seeds 5] [--tasks memorychain_4,deepsea_8]
                                   [--methods rflo,linear,rtrl] [--scheduler ADDRESS]
Results of a call replace the (task, method) cells it ran in analyses/results/paper_table.csv and
the other cells are kept, so columns can be filled with different budgets; paper_table.md is
rebuilt from the CSV with the budget of every cell (alone: --table-only).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
RESULTS = ROOT / "analyses" / "results"
WORKDIR = ROOT / "results" / "paper_table"  # per-run recordings (not versioned)
STEPS = 1_000_000
SEEDS = 5
EVALUATIONS = 20
EVAL_EPISODES = 10

METHODS = {
    "rflo": {},
    "rtrl": {"learning.gradient": "rtrl"},
    "linear": {"optimizer.lr_cortex": 0.0, "circuit.train_tau": False},
}

# Paper, appendix Table 2 (Catch: Table 3): (median, s.d. or None) per method; None = not reported.
PAPER = {
    "cartpole_velocities": {"rflo": (500, 0), "rtrl": (500, 0), "linear": (454.6, None), "ppo": (112.1, None)},
    "cartpole_positions": {"rflo": (500, 163), "rtrl": (178.6, 93), "linear": (57.5, None), "ppo": (70.8, None)},
    "memorychain_4": {"rflo": (1.00, None), "rtrl": (1.00, None), "linear": (0.07, None), "ppo": (1, None)},
    "memorychain_8": {"rflo": (1.00, None), "rtrl": (0.90, None), "linear": (0.07, None), "ppo": (1, None)},
    "memorychain_16": {"rflo": (1.00, None), "rtrl": (0.61, None), "linear": (0.12, None), "ppo": (1, None)},
    "memorychain_32": {"rflo": (0.77, None), "rtrl": (0.56, None), "linear": (0.17, None), "ppo": (1, None)},
    "deepsea_4": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.99, None), "ppo": (0.99, None)},
    "deepsea_8": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.99, None), "ppo": (0.99, None)},
    "deepsea_16": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.00, None), "ppo": (0.00, None)},
    "umbrellachain": {"rflo": (1.29, 0.07), "rtrl": (0.99, None), "linear": (0.79, None), "ppo": (1.04, None)},
    "discountingchain": {"rflo": (1.10, None), "rtrl": (1.05, None), "linear": (1.10, None), "ppo": (1.10, None)},
    "catch": {"rflo": (1.00, None)},
    "mountaincarcontinuous": {"rflo": (-0.03, None), "rtrl": (-40.0, None), "linear": (-30.0, None),
                              "ppo": (-1104.7, None)},
}
LABELS = {
    "cartpole_velocities": "CartPole, velocities only", "cartpole_positions": "CartPole, positions only",
    "memorychain_4": "MemoryChain-4", "memorychain_8": "MemoryChain-8", "memorychain_16": "MemoryChain-16",
    "memorychain_32": "MemoryChain-32", "deepsea_4": "DeepSea-4", "deepsea_8": "DeepSea-8",
    "deepsea_16": "DeepSea-16", "umbrellachain": "UmbrellaChain", "discountingchain": "DiscountingChain",
    "catch": "Catch", "mountaincarcontinuous": "MountainCarContinuous",
}
FIELDS = ["task", "method", "paper", "paper_sd", "median", "sd", "seeds_done", "seeds", "steps",
          "eval_every", "best_eval_per_seed", "wall_seconds"]


def model_for(task, method, steps):
    """The paper model of ``task`` as ``method``, evaluated EVALUATIONS times over ``steps`` ticks."""
    import bioRTRRL as br

    return br.load_model(MODELS / f"paper_{task}.toml").with_overrides({
        **METHODS[method],
        "run.eval_every": max(1, steps // EVALUATIONS),
        "run.eval_episodes": EVAL_EPISODES,
        "recording.variables": ["reward"],  # the per-tick record is not needed for the score
        "recording.weights_every": 0,
    })


def run_cell(task, method, steps, seeds, scheduler):
    """All seeds of one (task, method) cell as one sweep → a CSV row."""
    import bioRTRRL.sweeps as sw

    folder = WORKDIR / method / task
    shutil.rmtree(folder, ignore_errors=True)  # a cell is always recomputed from scratch
    started = time.perf_counter()
    ds = sw.sweep(model_for(task, method, steps), seeds=seeds, steps=steps, scheduler=scheduler,
                  out=folder, progress=False)
    best = ds["best_eval_return"].values
    done = best[np.isfinite(best)]
    paper, paper_sd = PAPER[task].get(method, (None, None))
    return {
        "task": task, "method": method, "paper": paper, "paper_sd": paper_sd,
        "median": float(np.median(done)) if done.size else None,
        "sd": float(np.std(done)) if done.size else None,
        "seeds_done": int(done.size), "seeds": len(seeds), "steps": steps,
        "eval_every": max(1, steps // EVALUATIONS),
        "best_eval_per_seed": ";".join(f"{v:.4g}" for v in best),
        "wall_seconds": round(time.perf_counter() - started),
    }


def fmt(median, sd=None):
    if median is None or median == "":
        return "–"
    median = float(median)
    digits = 1 if abs(median) >= 10 else 2
    return f"{median:.{digits}f}" + ("" if sd in (None, "") else f" ± {float(sd):.{digits}f}")


def budget(row):
    steps = int(row["steps"])
    size = f"{steps // 1_000_000}M" if steps % 1_000_000 == 0 else (
        f"{steps // 1000}k" if steps % 1000 == 0 else str(steps))
    return f"{row['seeds_done']}/{row['seeds']} seeds × {size}"


def best_of_coins(coins, sure=0.0, draws=20_000):
    """Median best evaluation of a policy whose episode return is ``sure`` + a sum of ``coins`` fair ±1.

    The paper's statistic takes the best of EVALUATIONS noisy evaluations, so it sits above the
    policy's true mean: this is where chance alone puts it (e.g. a MemoryChain policy that guesses).
    """
    rng = np.random.default_rng(0)
    flips = 2 * rng.integers(0, 2, (draws, EVALUATIONS, EVAL_EPISODES, coins)) - 1
    return float(np.median((sure + flips.sum(-1)).mean(-1).max(-1)))


def shortfalls(rows):
    """Cells whose median is below the paper's by more than the paper's s.d. (at least 5 %)."""
    out = []
    for r in rows:
        if r["paper"] in (None, "") or r["median"] in (None, ""):
            continue
        paper, ours = float(r["paper"]), float(r["median"])
        margin = max(float(r["paper_sd"] or 0), 0.05 * abs(paper), 0.02)
        if ours < paper - margin:
            out.append(f"{LABELS[r['task']]} ({r['method']}): {fmt(ours)} vs {fmt(paper)}, {budget(r)}")
    return out


def write_markdown(rows, path):
    cells = {(r["task"], r["method"]): r for r in rows}
    lines = [
        "# RTRRL paper, Table 2: ours beside the paper's",
        "",
        "Written by `analyses/paper_table.py` (reference engine, N = 32, the paper's hyper-parameters;",
        "median ± s.d. over seeds of each seed's best evaluation; an evaluation is the mean return of",
        f"the first episode of {EVAL_EPISODES} stochastic-policy environments, {EVALUATIONS} evaluations per run).",
        "Every cell states its budget: seeds that finished / seeds run × ticks per run. The paper's",
        "budget is up to 50 M ticks per run with early stopping; ours is far smaller, so a cell below the",
        "paper's number may only be short of training, not wrong. \"linear\" is our stand-in for the paper's",
        "linear TD(λ): the cortex frozen at its random initialisation (see the script's docstring).",
        "",
        "| task | RFLO paper | RFLO ours | RTRL paper | RTRL ours | linear paper | linear ours | PPO paper |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task in PAPER:
        row = [LABELS[task]]
        for method in METHODS:
            row.append(fmt(*PAPER[task].get(method, (None, None))))
            cell = cells.get((task, method))
            row.append("not run" if cell is None else f"{fmt(cell['median'], cell['sd'])} ({budget(cell)})")
        row.append(fmt(*PAPER[task].get("ppo", (None, None))))
        lines.append("| " + " | ".join(row) + " |")
    chance = best_of_coins(1)
    lines += [
        "",
        "## Reading the table",
        "",
        f"- The best of {EVALUATIONS} evaluations of {EVAL_EPISODES} episodes is biased upwards by the",
        f"  evaluation noise. A policy that guesses on MemoryChain or misses half the balls in Catch",
        f"  (episode return ±1 at random) scores {chance:.2f} by chance alone; on UmbrellaChain (chain of 10,",
        f"  a random ±1 reward on each of the first 9 steps) a random policy scores"
        f" {best_of_coins(10):.2f} and an optimal one {best_of_coins(9, sure=1.0):.2f}.",
        "  The paper's UmbrellaChain figure (1.29) cannot be compared directly: its chain length and",
        "  distractor rewards are not stated.",
        "- CartPole with the paper's global-norm clip of 1.0: in this implementation the policy",
        "  collapses to a one-sided push (return ≈ 10) within the first 2.5 k ticks, every time constant",
        "  driven to τ = 1; without the clip it does not (analyses/cartpole_pomdp.py; the toolkit's",
        "  default models turn the clip off and decay the learning rate instead). The table keeps the",
        "  paper's settings.",
        "",
        "## Below the paper's number (by more than its s.d., at least 5 %)",
        "",
        *[f"- {line}" for line in shortfalls(rows)],
        "",
        "Per-seed best evaluations and wall time of each cell: `paper_table.csv`.",
        "",
    ]
    path.write_text("\n".join(lines))


def read_rows(path):
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=STEPS, help="ticks per run")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds 0 … K−1")
    parser.add_argument("--tasks", default=",".join(PAPER), help="comma-separated rows")
    parser.add_argument("--methods", default="rflo,linear", help=f"comma-separated, of {list(METHODS)}")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster)")
    parser.add_argument("--table-only", action="store_true", help="only rebuild paper_table.md from the CSV")
    args = parser.parse_args(argv)
    if args.table_only:
        rows = read_rows(RESULTS / "paper_table.csv")
        write_markdown(rows, RESULTS / "paper_table.md")
        print(f"wrote {RESULTS / 'paper_table.md'} from {len(rows)} cells")
        return
    tasks, methods = args.tasks.split(","), args.methods.split(",")
    for name, known in [(t, PAPER) for t in tasks] + [(m, METHODS) for m in methods]:
        if name not in known:
            parser.error(f"unknown task or method {name!r}; choose from {list(known)}")
    seeds = list(range(args.seeds))

    # One cluster for every cell; the cells are submitted together so that no worker idles while
    # the last seeds of one cell finish.
    from distributed import LocalCluster

    cluster = None
    scheduler = args.scheduler
    if scheduler is None:
        cores = len(os.sched_getaffinity(0))
        cluster = LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None)
        scheduler = cluster.scheduler_address
    print(f"{len(tasks)} tasks × {methods} × {len(seeds)} seeds × {args.steps} ticks on {scheduler}")
    new = []
    try:
        with ThreadPoolExecutor(len(tasks) * len(methods)) as pool:
            jobs = [pool.submit(run_cell, t, m, args.steps, seeds, scheduler) for m in methods for t in tasks]
            for job in as_completed(jobs):
                row = job.result()
                new.append(row)
                paper = fmt(row["paper"], row["paper_sd"])
                print(f"{LABELS[row['task']]:28s} {row['method']:7s} ours {fmt(row['median'], row['sd']):>16s}"
                      f"   paper {paper:>12s}   ({budget(row)}, {row['wall_seconds']} s)", flush=True)
    finally:
        if cluster is not None:
            cluster.close()

    # Merge: this call's cells replace their old versions, the others stay.
    RESULTS.mkdir(parents=True, exist_ok=True)
    ran = {(r["task"], r["method"]) for r in new}
    rows = [r for r in read_rows(RESULTS / "paper_table.csv") if (r["task"], r["method"]) not in ran] + new
    order = {t: i for i, t in enumerate(PAPER)}
    rows.sort(key=lambda r: (order[r["task"]], list(METHODS).index(r["method"])))
    with open(RESULTS / "paper_table.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    write_markdown(rows, RESULTS / "paper_table.md")
    print("\nbelow the paper's number:\n  " + "\n  ".join(shortfalls(rows)))
    print(f"\nwrote {RESULTS / 'paper_table.csv'} and {RESULTS / 'paper_table.md'}")


if __name__ == "__main__":
    main()
