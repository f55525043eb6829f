"""Does bioRTRRL reproduce the RTRRL paper's Tables 2 and 3? Our numbers beside the paper's.

Every cell trains the circuit of a paper model (models/paper_<row>.toml, or one of them with the
task swapped for a Table 3 row: ROWS below) on SEEDS seeds with the paper's protocol as far as two
cores allow:

- evaluate every so many ticks (the protocol's; an evaluation is the mean return of the first
  episode of EVAL_EPISODES stochastic-policy environments, nothing learns during it);
- stop a run after PATIENCE evaluations without a new best, or at the row's budget (≤ MAX_STEPS);
- two statistics per cell: the paper's, the median over seeds of each seed's best evaluation
  ("best"), and a held one, the median over seeds of the mean of each seed's last HELD
  evaluations ("held": what the circuit still does when the run stops);
- where evaluation noise alone lifts "best" (±1 rewards of MemoryChain and Catch, UmbrellaChain's
  random rewards), the chance level of "best": the median best of as many evaluations as the cell
  made, each the mean of EVAL_EPISODES episode returns drawn from CHANCE_EPISODES episodes of a
  uniformly random policy in the same environment (computed, :func:`chance_of_best`);
- runs are independent Dask tasks; ``--workers`` worker processes (default 1, run under
  ``nice -n 15`` on a shared machine); each run's evaluations, ticks and wall time are appended to
  RUNS (a JSON line per run), so a call resumes where the last stopped and the table is rebuilt
  from everything done.

Protocols (PROTOCOLS; the column "protocol"):
- "published": the authors' code (commits a40fe02 and b71fd6e of FranzKnut/RTRRL-AAAI25,
  ``RTRRLParams``: ``steps = 1000`` ticks per scan, ``eval_every = 100`` scans, ``patience = 20``,
  batch 1): an evaluation every PUBLISHED_EVAL_EVERY = 100 k ticks, the first episode of
  ``eval_batch_size = 10`` environments (capped at ``eval_steps = 1000`` ticks), early stopping
  after 20 evaluations without a new best, which cannot happen before the 21st evaluation: within
  MAX_STEPS every run trains to its budget. (The authors' first evaluation follows the first scan,
  at 1 k ticks, then 101 k, 201 k, …; here 100 k, 200 k, …, both 20 evaluations in 2 M ticks.) (The paper-time code appendix, commit 0ad6c8f,
  evaluates even more rarely: every 100 scans of 10,000 ticks = 1 M ticks, one environment for
  10,000 ticks scored as summed reward / episodes finished, i.e. a mean over many episodes.)
- "dense": this table's first protocol, every ROWS[row]["eval_every"] = 2–10 k ticks with the
  same patience of 20: runs stop 40–200 k ticks after their best, often long before 2 M ticks
  (CartPole: 200–750 k), and "best" is the maximum of many noisy evaluations.
- "published_long": the published protocol with a budget of LONG_STEPS = 10 M ticks (the appendix
  allows 50 M), so that its early stopping can act: a run stops 20 evaluations (2 M ticks) after
  its best.
- "dense_full": dense evaluations, no early stopping (trained to the budget).

Variants (model settings, columns of a method): "code" = the model files as shipped, the
published code's defaults; "appendix_clip" = the same with the appendix's global-norm gradient clip
of 1.0; "lr_decay" = the code's settings with a linearly decaying learning rate (not the paper's;
tried for "held"); "time_limit_terminal" = the code's settings with a time-out treated as a
termination (``learning.time_limit = "terminal"``: no γV(s') in δ on that tick), as the published
code does (its ``v_targ = r + γ·v̂·(1 − done)``, gymnax's ``done`` including the time limit); the
files bootstrap there (Pardo et al. 2018, ICML). "average_reward" (``learning.average_reward``: δ
against a learned reward rate r̄, the published code's ``eta`` > 0) and "slow_cortex"
(``lr_cortex = 1e-4``) and "no_critic_feedback" (``circuit.critic_feedback_scale = 0``: no
fixed feedback B_C from the critic, cortex learns from the actor's feedback only) are not the
paper's: they slow the collapse of an RFLO-trained cortex onto
the fixed pattern sign(B_C) that analyses/cartpole_cortex.py measures on CartPole.

Methods:
- "rflo":   RTRRL as published: RFLO eligibility traces in cortex.
- "rtrl":   exact RTRL gradients (O(N³·Z) per tick: ~25× slower at N = 32).
- "lru":    the paper's Table 3 LRU column: the row's models/paper_lru_<row>.toml, whose cortex is
            a linear recurrent unit (circuit.unit = "lru", diagonal complex recurrence with exact
            online traces, 32 states, the published code's initialisation); rows without such a
            file fail with the file's name. The appendix's Table 3 gives the LRU's Catch (0.39)
            and DiscountingChain (1.10); its MemoryChain is "nan" and its DeepSea and
            MemoryChain sizes are not stated, so those cells say "not in the appendix".
- "linear": linear TD(λ) as this toolkit can express it: cortex frozen at its random
            initialisation (optimizer.lr_cortex = 0, circuit.train_tau = false), so the actor and
            critic are linear TD(λ) learners on fixed random recurrent features of the Meta-RL
            input. The paper's linear baseline reads the raw observation with no recurrent layer;
            ours keeps the random recurrence (an echo-state control), which can carry some memory.

Where the paper's appendix (RTRRL_AAAI25_Appendix.pdf, Table 1, "we kept them at the listed
default values for all our experiments"), its code appendix (commit 0ad6c8f, 2024-12-30, the
commit that adds the appendix) and the later code (a40fe02 "batched evaluation" and b71fd6e
"better defaults", Feb 2025, the repository's head) disagree, the model files follow the appendix
except for the clip; the head commit b71fd6e matches the appendix's Table 1 best (lr 1e-3, λ 0.99,
η_H 1e-5), 0ad6c8f's defaults (lr 1e-5, dutch critic trace, no feedback alignment) match neither
the appendix nor the reported runs and were evidently overridden on its command line.

| setting | appendix | 0ad6c8f | a40fe02 | b71fd6e | files |
|---|---|---|---|---|---|
| gradient clip | 1.0 | None | None | None | none (``clip_norm = 0``; variant "appendix_clip") |
| Adam lr (actor, critic, RNN) | 1e-3 | 1e-5 | 1e-3 | 1e-3 | 1e-3 |
| λ (actor, critic, RNN) | 0.99 | 0.99 | 0.9 | 0.99 | 0.99 |
| entropy η_H | 1e-5 | 1e-5 | 0 | 1e-5 | 1e-5 |
| critic trace | – | dutch | accumulate | accumulate | accumulate |
| feedback to cortex | B_A, B_C (Alg. 2) | transport (``f_align False``) | random | random | random |
| reward normalisation | – | – | on* | on* | none |
| observation normalisation | off | – | off | off | off |
| scale actor gradient by action s.d. | – | off | off | on (continuous only) | off |
| time limit of every task | – | 1,000 ticks** | 1,000** | 1,000** | the task's own |
| δ at a time-out | – | no bootstrap | no bootstrap | no bootstrap | bootstrap (variant "time_limit_terminal": none) |
| evaluation | – | every 1 M ticks | every 100 k | every 100 k | protocol |

(*) ``normalize_reward`` in a40fe02/b71fd6e updates brax running statistics of the reward but
uses them only for the first tick's input and the evaluation's reward input: training's input
and δ see the raw reward, so it changes evaluation only (a train/evaluation mismatch), not
learning; it postdates the paper. Not adopted. (**) ``RTRRLParams.env_params.max_ep_length =
1000`` is written into every gymnax task's ``max_steps_in_episode`` and an EpisodeWrapper:
Acrobot-v1 runs 1,000 ticks instead of 500 (row "acrobot_1000"), CartPole would run 1,000
(the paper's CartPole maximum of 500 implies ``--max_ep_length 500`` there).

Acrobot (rows "acrobot", "acrobot_1000"): no setting in this table differs from the published
code's for it, and no Acrobot-specific setting exists in any commit (no observation or reward
normalisation in training, the same N, rates, λ, η_H and actor initialisation as every task). The
authors' code itself, b71fd6e run unchanged on gymnax's Acrobot-v1 with its 1,000-tick limit,
collapses onto one torque by 5 k ticks and scores −1000 in every evaluation over 100 k ticks in
5 of 5 seeds (with the appendix's clip 2 of 2; 0ad6c8f at its own defaults −666 to −1000, 2
seeds), as the toolkit does: the appendix's Fig. 10 (about −100 within 0.1 M steps) is not what
that code does at its published settings. The cause, measured, is in analyses/acrobot_collapse.py
(δ ≈ −1 for every action before the critic has learnt V turns the actor's update into a
zero-mean random walk of the logits that ends deterministic); docs/algorithm.md §7.

The same in every commit, and here: N = 32, τ drawn from U[1, 5] and clipped ≥ 1, dt = 1,
γ = 0.99, Adam, batch 1, Meta-RL input, η_π = 1, actor without bias, ``eta = 0`` (r̄ stays 0).

Further differences of the learning rule (docs/algorithm.md §10):
- time-limit truncation: the code treats it as termination (no bootstrap); the toolkit bootstraps
  from the last value. Only rows with a time limit (CartPole, Acrobot, MuJoCo, popgym) can differ.
- the episodic discount I = γ^t on the gradients entering the traces is computed only when
  ``eta is None``; the default ``eta = 0`` keeps I = 1, so it is off in the code's default as in
  the files (``learning.episodic_discount`` off).
- trace of the RFLO eligibility: code decays with 1/τ, the equations with dt/τ; equal at dt = 1,
  which every paper model uses.
- early stopping and budget: the appendix stops after 20 evaluations ("epochs") without
  improvement and allows up to 50 M ticks; here at most MAX_STEPS (2 M) per run.

Environments: the paper ran gymnax 0.0.8 (the authors' lock file); the toolkit's tasks follow
bsuite. gymnax 0.0.8's DeepSea with its default (deterministic) parameters maps "right" to action 1
in every cell, bsuite's (and the model files') draw the mapping per cell: the row
"deepsea_16_gymnax" runs the paper's mapping (``randomize_actions = false``).

Usage (the cheapest rows first; results accumulate in RUNS):
    nice -n 15 python analyses/paper_table.py --rows memorychain_4,catch --methods rflo \
        [--variants code] [--protocols published] [--seeds 5] [--max-steps 2000000] \
        [--workers 1] [--scheduler ADDRESS]
    python analyses/paper_table.py --table-only     # rebuild paper_table.md from RUNS
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
RESULTS = ROOT / "analyses" / "results"
RUNS = RESULTS / "paper_table_runs.jsonl"
TABLE = RESULTS / "paper_table.md"
SEEDS = 5
MAX_STEPS = 2_000_000
PATIENCE = 20            # evaluations without a new best before a run stops (the appendix's)
HELD = 10                # evaluations averaged by the "held" statistic
EVAL_EPISODES = 10
CHANCE_EPISODES = 4_000  # random-policy episodes behind a chance level

METHODS = {
    "rflo": {},
    "rtrl": {"learning.gradient": "rtrl"},
    "linear": {"optimizer.lr_cortex": 0.0, "circuit.train_tau": False},
    "lru": {},  # the row's model file with the LRU cortex (model_for)
}
VARIANTS = {
    "code": {},                                       # the published code's defaults (the files)
    "appendix_clip": {"optimizer.clip_norm": 1.0},    # the appendix's global-norm clip
    # not the paper's: the learning rate decays linearly to 10 % over 200 k updates (the toolkit's
    # CartPole models decay it to make solved policies stay solved); tried for "held"
    "lr_decay": {"optimizer.lr_schedule": "linear", "optimizer.lr_decay_steps": 200_000,
                 "optimizer.lr_final_fraction": 0.1},
    # the published code's (1 − done) with done including the time limit: no bootstrap at a
    # time-out (the toolkit bootstraps there, Pardo et al. 2018)
    "time_limit_terminal": {"learning.time_limit": "terminal"},
    # not the paper's, not the code's defaults: remedies for the cortex's collapse onto the pattern
    # sign(B_C) (analyses/cartpole_cortex.py). δ measured against a learned reward rate r̄ (the
    # published code's ``eta``, there 0), which takes away δ's positive mean ...
    "average_reward": {"learning.average_reward": True},
    # ... or a cortex learning ten times slower than the readouts
    "slow_cortex": {"optimizer.lr_cortex": 1e-4},
    # ... or no critic feedback to cortex (B_C = 0): cortex learns from the actor's feedback only
    "no_critic_feedback": {"circuit.critic_feedback_scale": 0.0},
    # not the paper's: Adam's ε raised from 1e-8 to 1e-2, about the RMS of the cortex's gradient,
    # so that its steps shrink with the gradient instead of staying at the learning rate
    # (analyses/neurogym_tasks.py: tried for what keeps a learnt policy)
    "adam_eps": {"optimizer.eps": 1e-2},
}
#: Evaluation protocols: every how many ticks a run is evaluated (None: the row's own interval,
#: ROWS[row]["eval_every"]) and after how many evaluations without a new best it stops (None:
#: never, trained to the budget).
#: "budget" (optional) replaces the row's budget and MAX_STEPS.
PUBLISHED_EVAL_EVERY = 100_000  # the authors' code: 100 scans of 1,000 ticks, batch 1
LONG_STEPS = 10_000_000         # within the appendix's 50 M
PROTOCOLS = {
    "published": {"every": PUBLISHED_EVAL_EVERY, "patience": PATIENCE},
    "published_long": {"every": PUBLISHED_EVAL_EVERY, "patience": PATIENCE, "budget": LONG_STEPS},
    "dense": {"every": None, "patience": PATIENCE},
    "dense_full": {"every": None, "patience": None},
}

# Row → (model file stem, overrides, evaluate every, budget, table, label, chance level?).
# Table 3 rows reuse a Table 2 file with the task swapped (same circuit and learning settings).
POPGYM = "popgym:popgym-{}-v0"


def _row(model, every, steps, table, label, overrides=None, chance=False):
    return {"model": model, "overrides": overrides or {}, "eval_every": every, "steps": steps,
            "table": table, "label": label, "chance": chance}


def _task(env, **kw):
    return {"task.env": env, "task.kwargs": kw, "task.observation_mask": "none"}


ROWS = {
    # Table 2, cheapest first
    "memorychain_4": _row("paper_memorychain_4", 2_000, 1_000_000, 2, "MemoryChain-4", chance=True),
    "memorychain_8": _row("paper_memorychain_8", 2_000, 1_000_000, 2, "MemoryChain-8", chance=True),
    "memorychain_16": _row("paper_memorychain_16", 5_000, 2_000_000, 2, "MemoryChain-16", chance=True),
    "catch": _row("paper_catch", 5_000, 2_000_000, 3, "Catch", chance=True),
    "deepsea_4": _row("paper_deepsea_4", 2_000, 1_000_000, 2, "DeepSea-4"),
    "deepsea_8": _row("paper_deepsea_8", 5_000, 2_000_000, 2, "DeepSea-8"),
    "discountingchain": _row("paper_discountingchain", 5_000, 2_000_000, 2, "DiscountingChain"),
    "umbrellachain": _row("paper_umbrellachain", 5_000, 2_000_000, 2, "UmbrellaChain", chance=True),
    "deepsea_16": _row("paper_deepsea_16", 10_000, 2_000_000, 2, "DeepSea-16"),
    # the paper's environment: gymnax 0.0.8's DeepSea (the authors' lock file), whose default
    # (deterministic) parameters map "right" to action 1 in every cell; bsuite's, and this row's
    # model file, draw the mapping per cell
    "deepsea_16_gymnax": _row("paper_deepsea_16", 10_000, 2_000_000, 2,
                              "DeepSea-16, gymnax 0.0.8 mapping (action 1 = right everywhere)",
                              {"task.kwargs": {"size": 16, "randomize_actions": False}}),
    "memorychain_32": _row("paper_memorychain_32", 10_000, 2_000_000, 2, "MemoryChain-32", chance=True),
    "memorychain_64": _row("paper_memorychain_32", 10_000, 2_000_000, 2, "MemoryChain-64",
                           {"task.kwargs": {"memory_length": 64}}, chance=True),
    "cartpole_velocities": _row("paper_cartpole_velocities", 10_000, 2_000_000, 2,
                                "CartPole, velocities only"),
    "cartpole_positions": _row("paper_cartpole_positions", 10_000, 2_000_000, 2,
                               "CartPole, positions only"),
    "mountaincarcontinuous": _row("paper_mountaincarcontinuous", 10_000, 2_000_000, 2,
                                  "MountainCarContinuous"),
    # Table 3 (RFLO column): the paper model with another task
    "popgym_stateless_cartpole": _row("paper_catch", 10_000, 2_000_000, 3,
                                      "StatelessCartPole (popgym, positions only)",
                                      _task(POPGYM.format("PositionOnlyCartPoleEasy"))),
    "popgym_noisy_stateless_cartpole": _row("paper_catch", 10_000, 2_000_000, 3,
                                            "NoisyStatelessCartPole (popgym)",
                                            _task(POPGYM.format("NoisyPositionOnlyCartPoleEasy"))),
    "popgym_repeat_first": _row("paper_catch", 10_000, 2_000_000, 3, "RepeatFirst (popgym)",
                                _task(POPGYM.format("RepeatFirstEasy"))),
    "popgym_repeat_previous": _row("paper_catch", 10_000, 2_000_000, 3, "RepeatPrevious (popgym)",
                                   _task(POPGYM.format("RepeatPreviousEasy"))),
    "popgym_multiarmed_bandit": _row("paper_catch", 10_000, 2_000_000, 3,
                                     "MultiArmedBandit (popgym)",
                                     _task(POPGYM.format("MultiarmedBanditEasy"))),
    "popgym_minesweeper": _row("paper_catch", 10_000, 2_000_000, 3, "Minesweeper (popgym)",
                               _task(POPGYM.format("MineSweeperEasy"))),
    "bernoulli_bandit": _row("paper_catch", 10_000, 2_000_000, 3,
                             "Bernoulli bandit (meta-RL: arm probabilities new every episode)",
                             _task("bioRTRRL/ReversalBandit-v0", trials_per_episode=100,
                                   probability_draw="independent", block_length=100)),
    "acrobot": _row("paper_catch", 5_000, 100_000, 3, "Acrobot (curve to 0.1 M ticks)",
                    _task("Acrobot-v1")),
    # the authors' code runs every gymnax task with its own time limit, max_ep_length = 1,000
    # ticks (Acrobot-v1's is 500): a uniformly random policy reaches the goal in 18 % of
    # 1,000-tick episodes, 0.3 % of 500-tick ones (300 episodes each)
    "acrobot_1000": _row("paper_catch", 5_000, 100_000, 3,
                         "Acrobot, time limit 1,000 ticks (curve to 0.1 M ticks)",
                         {**_task("Acrobot-v1"), "task.max_episode_steps": 1_000}),
    "reacher": _row("paper_mountaincarcontinuous", 10_000, 2_000_000, 3, "Reacher (MuJoCo)",
                    _task("Reacher-v5"), chance=True),
    "swimmer": _row("paper_mountaincarcontinuous", 10_000, 2_000_000, 3, "Swimmer (MuJoCo)",
                    _task("Swimmer-v5")),
}

# The paper's numbers (appendix Tables 2 and 3): (median, s.d. or None); a row absent from a
# method's column was not reported. Table 3 figures of popgym tasks are normalised returns.
PAPER = {
    "cartpole_velocities": {"rflo": (500, 0), "rtrl": (500, 0), "linear": (454.6, None), "ppo": (112.1, None)},
    "cartpole_positions": {"rflo": (500, 163), "rtrl": (178.6, 93), "linear": (57.5, None), "ppo": (70.8, None)},
    "memorychain_4": {"rflo": (1.00, None), "rtrl": (1.00, None), "linear": (0.07, None), "ppo": (1, None)},
    "memorychain_8": {"rflo": (1.00, None), "rtrl": (0.90, None), "linear": (0.07, None), "ppo": (1, None)},
    "memorychain_16": {"rflo": (1.00, None), "rtrl": (0.61, None), "linear": (0.12, None), "ppo": (1, None)},
    "memorychain_32": {"rflo": (0.77, None), "rtrl": (0.56, None), "linear": (0.17, None), "ppo": (1, None)},
    "memorychain_64": {"rflo": (0.32, None), "rtrl": (0.61, None), "linear": (0.26, None), "ppo": (1, None)},
    "deepsea_4": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.99, None), "ppo": (0.99, None)},
    "deepsea_8": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.99, None), "ppo": (0.99, None)},
    "deepsea_16": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.00, None), "ppo": (0.00, None)},
    "deepsea_16_gymnax": {"rflo": (0.99, None), "rtrl": (0.99, None), "linear": (0.00, None),
                          "ppo": (0.00, None)},
    "umbrellachain": {"rflo": (1.29, 0.07), "rtrl": (0.99, None), "linear": (0.79, None), "ppo": (1.04, None)},
    "discountingchain": {"rflo": (1.10, None), "rtrl": (1.05, None), "linear": (1.10, None), "ppo": (1.10, None),
                         "lru": (1.10, 0.00)},
    "mountaincarcontinuous": {"rflo": (-0.03, None), "rtrl": (-40.0, None), "linear": (-30.0, None),
                              "ppo": (-1104.7, None)},
    "catch": {"rflo": (1.00, None), "lru": (0.39, 0.83), "linear": (0.27, 0.08)},
    "popgym_stateless_cartpole": {"rflo": (1.00, None)},
    "popgym_noisy_stateless_cartpole": {"rflo": (0.99, None)},
    "popgym_repeat_previous": {"rflo": (0.54, None)},
    "popgym_repeat_first": {"rflo": (-0.22, None)},
    "popgym_multiarmed_bandit": {"rflo": (0.39, 0.03)},
    "popgym_minesweeper": {"rflo": (0.02, 0.05)},
    "acrobot": {"rflo": (-100, None)},
    "acrobot_1000": {"rflo": (-100, None)},
}


# ---- one run ----------------------------------------------------------------------------------
def model_for(row, method, variant):
    """The cell's model: the row's file, its overrides, the method and the variant."""
    import bioRTRRL as br

    spec = ROWS[row]
    stem = spec["model"].replace("paper_", "paper_lru_", 1) if method == "lru" else spec["model"]
    return br.load_model(MODELS / f"{stem}.toml").with_overrides({
        **spec["overrides"], **METHODS[method], **VARIANTS[variant],
        "run.eval_every": 0,                  # evaluations are made here, with early stopping
        "run.eval_episodes": EVAL_EPISODES,
        "recording.variables": ["reward"],    # the per-tick record is not needed for the score
        "recording.weights_every": 0,
    })


def train_with_early_stopping(model, seed, steps, eval_every, patience=PATIENCE):
    """Train, evaluating every ``eval_every`` ticks, until ``steps`` or ``patience`` evaluations
    without a new best (never, if ``patience`` is None). Returns the evaluations, the ticks trained
    and the wall time."""
    patience = np.inf if patience is None else patience
    from bioRTRRL import Session

    started = time.perf_counter()
    session = Session(model, seed)
    evals, best, since_best = [], -np.inf, 0
    while session.tick < steps and since_best < patience:
        session.advance(min(eval_every, steps - session.tick), progress=False)
        score = session.evaluate(EVAL_EPISODES)
        evals.append(score)
        best, since_best = (score, 0) if score > best else (best, since_best + 1)
    session.finish()
    return {"evals": evals, "ticks": session.tick, "stopped_early": since_best >= patience,
            "wall_seconds": round(time.perf_counter() - started, 1)}


def eval_every(row, protocol):
    """Ticks between two evaluations of a run of ``row`` under ``protocol``."""
    return PROTOCOLS[protocol]["every"] or ROWS[row]["eval_every"]


def run_one(row, method, variant, protocol, seed, max_steps):
    """One (row, method, variant, protocol, seed) → a JSON-able record (a Dask task)."""
    spec = ROWS[row]
    steps = PROTOCOLS[protocol].get("budget") or min(spec["steps"], max_steps)
    every = eval_every(row, protocol)
    try:
        out = train_with_early_stopping(model_for(row, method, variant), seed, steps, every,
                                        PROTOCOLS[protocol]["patience"])
    except Exception as exc:  # a failed run is a result too: its message goes into the table
        out = {"error": f"{type(exc).__name__}: {exc}"}
    return {"row": row, "method": method, "variant": variant, "protocol": protocol, "seed": seed,
            "budget": steps, "eval_every": every, **out}


# ---- statistics -------------------------------------------------------------------------------
def cell_stats(runs):
    """The paper's and the held statistic of one cell's finished runs."""
    ok = [r for r in runs if "evals" in r and r["evals"]]
    if not ok:
        return None
    best = np.array([max(r["evals"]) for r in ok])
    held = np.array([np.mean(r["evals"][-HELD:]) for r in ok])
    return {"best": float(np.median(best)), "best_sd": float(np.std(best)),
            "held": float(np.median(held)), "n": len(ok),
            "n_evals": int(np.median([len(r["evals"]) for r in ok])),
            "ticks": int(np.median([r["ticks"] for r in ok])),
            "max_ticks": int(max(r["ticks"] for r in ok)),
            "wall": float(sum(r["wall_seconds"] for r in ok)),
            "per_seed_best": [round(float(b), 3) for b in best],
            "per_seed_held": [round(float(h), 3) for h in held]}


def random_policy_returns(row, episodes=CHANCE_EPISODES, seed=12345):
    """Episode returns of a uniformly random policy in the row's environment."""
    import gymnasium as gym

    import bioRTRRL.tasks  # noqa: F401  registers bioRTRRL/ ids

    model = model_for(row, "rflo", "code")
    env = gym.make(model.task.env, **model.task.kwargs)
    env.action_space.seed(seed)
    return _episode_returns(env, env.action_space.sample, episodes, seed)


def _episode_returns(env, policy, episodes, seed):
    """Returns of ``episodes`` episodes of ``env`` (reset with ``seed``, then unseeded) in which
    ``policy()`` gives every action."""
    returns = np.empty(episodes)
    env.reset(seed=seed)
    for k in range(episodes):
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, _ = env.step(policy())
            total += r
            done = term or trunc
        returns[k] = total
        env.reset()
    return returns


def narrowest_gaussian_returns(row="mountaincarcontinuous", episodes=50, seed=0):
    """Episode returns of the Gaussian head's narrowest policy with zero mean (μ = 0,
    σ = softplus(−2), the lower bound of the toolkit's head and of the published code's
    ``act_log_bounds = [-2, 2]``), drawn through the toolkit's own head.

    MountainCarContinuous charges 0.1·a² per tick: a policy that never reaches the goal cannot
    score above about −0.1·999·σ² in expectation, whatever it learns."""
    import gymnasium as gym

    from bioRTRRL.engines.kernels.heads import select_gaussian

    model = model_for(row, "rflo", "code")
    env = gym.make(model.task.env, **model.task.kwargs)
    lo, hi = env.action_space.low.astype(float), env.action_space.high.astype(float)
    a_dim = lo.size
    # logits: loc 0 on the bounded Box (sigmoid(0) = ½ of [−1, 1]), raw scale far below zero
    y = np.concatenate([np.zeros(a_dim), np.full(a_dim, -50.0)])
    psi, chi, action = np.empty(2 * a_dim), np.empty(2 * a_dim), np.empty(a_dim)
    rng = np.random.default_rng(seed)

    def policy():
        select_gaussian(y, rng.standard_normal(a_dim), lo, hi, np.ones(a_dim, bool), psi, chi, action)
        return action.copy()

    return _episode_returns(env, policy, episodes, seed)


def chance_of_best(returns, n_evals, episodes=EVAL_EPISODES, draws=20_000, seed=0):
    """Median best of ``n_evals`` evaluations, each the mean of ``episodes`` returns resampled
    from ``returns``: where "best" lands by evaluation noise alone."""
    rng = np.random.default_rng(seed)
    means = rng.choice(returns, (draws, n_evals, episodes)).mean(-1)
    return float(np.median(means.max(-1)))


# ---- table ------------------------------------------------------------------------------------
def read_runs(path=RUNS):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fmt(value, sd=None):
    if value is None:
        return "–"
    digits = 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f}" + ("" if sd is None else f" ± {sd:.{digits}f}")


def ticks(n):
    return f"{n / 1e6:.2g} M" if n >= 1_000_000 else f"{n // 1000} k"


def write_markdown(runs, path=TABLE):
    cells = {}
    for r in runs:
        cells.setdefault((r["row"], r["method"], r["variant"], r["protocol"]), []).append(r)
    lines = [
        "# RTRRL paper, Tables 2 and 3: ours beside the paper's",
        "",
        "Written by `analyses/paper_table.py` (its docstring lists where the paper's appendix and its",
        "published code disagree, and which one the model files follow). Reference engine, N = 32,",
        "the published code's settings (no gradient clip) unless the variant says `appendix_clip`.",
        f"Evaluation = mean return of the first episode of {EVAL_EPISODES} stochastic-policy",
        "environments. Protocol (column \"protocol\"): **published** = the authors' code: an",
        f"evaluation every {ticks(PUBLISHED_EVAL_EVERY)} ticks, a stop after {PATIENCE} evaluations without a new best (which",
        f"cannot happen within {ticks(MAX_STEPS)} ticks: every run trains to its budget); **dense** = this table's first",
        "protocol: an evaluation every 2–10 k ticks (per row), a stop after",
        f"{PATIENCE} evaluations without a new best; **dense_full** = dense evaluations, no early stop;",
        f"**published_long** = published with a budget of {ticks(LONG_STEPS)} ticks (its early stop can act).",
        "**best** = median over seeds of each seed's best evaluation (the paper's statistic, ± s.d.);",
        f"**held** = median over seeds of the mean of each seed's last {HELD} evaluations;",
        "paper = the appendix's figure (\"not in the appendix\": a cell its Tables 2 and 3 do not give,",
        "or give for a task that differs; \"not reported\": a method the paper did not run on the row);",
        "**chance** = where \"best\" lands for a uniformly random policy by evaluation noise alone, with",
        "as many evaluations as the cell made (computed from the environment, not assumed).",
        "Budget column: seeds done, median ticks trained (max), evaluation interval; wall = total",
        "seconds of the cell's runs on one worker process of a 2-core machine shared with other work.",
        "",
        "| row | method | variant | protocol | paper | best | held | chance | seeds, ticks (max), every | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    done_rows = set()
    chance_cache = {}
    for row, spec in ROWS.items():
        for method, variant, protocol in itertools.product(METHODS, VARIANTS, PROTOCOLS):
            runs_ = cells.get((row, method, variant, protocol))
            if not runs_:
                continue
            done_rows.add(row)
            st = cell_stats(runs_)
            paper = PAPER.get(row, {}).get(method)
            paper_s = fmt(*paper) if paper else (
                "not in the appendix" if spec["table"] == 3 or method == "lru" else "not reported")
            if st is None:
                err = next(r["error"] for r in runs_ if "error" in r)
                lines.append(f"| {spec['label']} | {method} | {variant} | {protocol} | {paper_s} "
                             f"| failed: {err[:120]} | | | | |")
                continue
            chance = "–"
            if spec["chance"]:
                key = (row, st["n_evals"])
                if key not in chance_cache:
                    if row not in chance_cache:
                        chance_cache[row] = random_policy_returns(row)
                    chance_cache[key] = chance_of_best(chance_cache[row], st["n_evals"])
                chance = fmt(chance_cache[key])
            budget = (f"{st['n']}/{len(runs_)}, {ticks(st['ticks'])} ({ticks(st['max_ticks'])}),"
                      f" {ticks(runs_[0]['eval_every'])}")
            lines.append(f"| {spec['label']} | {method} | {variant} | {protocol} | {paper_s} | "
                         f"{fmt(st['best'], st['best_sd'])} | {fmt(st['held'])} | {chance} | "
                         f"{budget} | {st['wall']:.0f} |")
    curves = [(key, runs_) for key, runs_ in cells.items() if key[0].startswith("acrobot")]
    for (row, method, variant, protocol), runs_ in curves:
        evals = [r["evals"] for r in runs_ if r.get("evals")]
        if not evals:
            continue
        every = runs_[0]["eval_every"]
        points = [f"{(k + 1) * every // 1000} k: {fmt(float(np.median([e[k] for e in evals if len(e) > k])))}"
                  for k in range(max(map(len, evals)))]
        lines += ["", f"## {ROWS[row]['label']}, {method}, {variant}, {protocol}: median evaluation "
                  "over seeds",
                  "", "; ".join(points) + " (paper: about −100 within 0.1 M steps)"]
    lines += ["", "## Per-seed values", ""]
    for (row, method, variant, protocol), runs_ in cells.items():
        st = cell_stats(runs_)
        if st:
            lines.append(f"- {ROWS[row]['label']}, {method}, {variant}, {protocol}: best "
                         f"{st['per_seed_best']}, "
                         f"held {st['per_seed_held']}")
    missing = [r for r in ROWS if r not in done_rows]
    lines += ["", "## Not run in this table", ""]
    for row in missing:
        reason = _cannot_run(row) or "not reached within the session's compute"
        lines.append(f"- {ROWS[row]['label']}: {reason}")
    lines += [
        "", "## Reading the table", "",
        "- \"held\" is measured where the run stopped (dense early stop: 20 evaluations after its best), so a run that",
        "  reached its best and then fell back shows the fall. A cell whose best sits at or below",
        "  its chance level shows nothing learned.",
        "- UmbrellaChain's returns here include the ±1 random reward of each of the first 9 steps of",
        "  a chain of 10 (bsuite's definition); the paper's 1.29 cannot be compared directly (its",
        "  chain length and distractor rewards are not stated).",
        "- popgym's returns are normalised by popgym (the best policy's episode return is 1).",
        "- \"DeepSea-16, gymnax 0.0.8 mapping\" and \"Acrobot, time limit 1,000 ticks\" run the environment",
        "  as the authors' code had it (gymnax 0.0.8's DeepSea moves right with action 1 in every cell;",
        "  its `max_ep_length = 1000` replaces Acrobot-v1's 500-tick limit); the plain rows follow bsuite",
        "  and Gymnasium. The Bernoulli bandit here (100 trials, arm probabilities drawn per episode) is",
        "  not the appendix's gymnax BernoulliBandit, whose figures (371.7 in Table 2, 894.0 in Table 3)",
        "  are returns of episodes up to the authors' 1,000 ticks, not of 100 trials.",
        "- Acrobot's collapse is the published code's too: FranzKnut/RTRRL-AAAI25 (b71fd6e) run unchanged",
        "  on gymnax's Acrobot-v1 scores -1000 in every evaluation over 100 k ticks in 5 of 5 seeds",
        "  (analyses/results/acrobot_collapse.md; docs/algorithm.md section 7).",
        "- Reacher-v5 and Swimmer-v5 have no figure in the appendix. For scale, the mean episode return",
        "  of uniformly random actions is -43.7 (Reacher, 30 episodes) and -2.3 (Swimmer, 10), of zero",
        "  torque -12.1 and 5.9 (Gymnasium 1.3, MuJoCo 4.0, reset seeds 0 ...): an RFLO best near -11 on",
        "  Reacher is little more than keeping the arm still.",
        *_mountaincar_note(),
        "- RTRL and linear columns and the variants are listed only where run; rows under \"Not",
        "  run\" give the reason.", ""]
    path.write_text("\n".join(lines))


@functools.cache  # 50 episodes: drawn once per process, not at every rewrite of the table
def _mountaincar_note():
    floor = narrowest_gaussian_returns()
    sigma = np.log1p(np.exp(-2.0))
    return (
        "- MountainCarContinuous: its 0.1·a² action cost puts a ceiling on any policy that does not",
        "  reach the goal. The narrowest Gaussian the actor can express (σ = softplus(−2) =",
        f"  {sigma:.3f}, the bound of both this toolkit's head and the published code's act_log_bounds)",
        f"  with zero mean scores {floor.mean():.2f} ± {floor.std():.2f} per 999-tick episode",
        f"  ({floor.size} episodes through the toolkit's head; −0.1·999·σ² = {-0.1 * 999 * sigma**2:.2f}).",
        "  An evaluation (10 sampled episodes, here as in the published code) above that ceiling, as",
        "  the paper's -0.03 is, holds an episode that reached the goal (+100). RFLO here never",
        "  reached it (per-seed best -1.7 to -24.3: \"keep still\", the task's known local optimum);",
        "  the frozen cortex (linear) did in 1 seed of 5 (94.6).",
    )


def _cannot_run(row):
    """Why a row's environment cannot be built here (None if it can)."""
    from bioRTRRL.environment import EnvDriver

    try:
        EnvDriver(model_for(row, "rflo", "code").task, 0).close()
    except Exception as exc:  # the reason goes into the table
        return f"cannot run here: {exc}"
    return None


# ---- main ---------------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows, run in this order")
    parser.add_argument("--methods", default="rflo", help=f"comma-separated, of {list(METHODS)}")
    parser.add_argument("--variants", default="code", help=f"comma-separated, of {list(VARIANTS)}")
    parser.add_argument("--protocols", default="published",
                        help=f"comma-separated evaluation protocols, of {list(PROTOCOLS)}")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds 0 … K−1")
    parser.add_argument("--max-steps", type=int, default=MAX_STEPS,
                        help="cap on every row's budget (not on a protocol's own budget)")
    parser.add_argument("--workers", type=int, default=1, help="Dask worker processes (LocalCluster)")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    parser.add_argument("--priority", type=float, default=0.0,
                        help="Dask priority of the first run (later runs lower): with --scheduler, "
                             "places this call's runs within another call's queue")
    parser.add_argument("--runs", type=Path, default=RUNS, help="JSON-lines file of finished runs")
    parser.add_argument("--table", type=Path, default=TABLE, help="markdown table to write")
    parser.add_argument("--table-only", action="store_true", help="only rebuild the table from --runs")
    args = parser.parse_args(argv)
    if not args.table_only:
        rows, methods, variants, protocols = (args.rows.split(","), args.methods.split(","),
                                              args.variants.split(","), args.protocols.split(","))
        for name, known in ([(r, ROWS) for r in rows] + [(m, METHODS) for m in methods]
                            + [(v, VARIANTS) for v in variants]
                            + [(p, PROTOCOLS) for p in protocols]):
            if name not in known:
                parser.error(f"unknown row, method, variant or protocol {name!r}; "
                             f"choose from {list(known)}")
        done = {(r["row"], r["method"], r["variant"], r["protocol"], r["seed"])
                for r in read_runs(args.runs)}
        todo = [(row, m, v, p, s) for row in rows for m in methods for v in variants
                for p in protocols for s in range(args.seeds) if (row, m, v, p, s) not in done]
        from distributed import Client, LocalCluster, as_completed

        cluster = None if args.scheduler else LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(args.scheduler or cluster)
        print(f"{len(todo)} runs on {client.scheduler.address}", flush=True)
        try:
            # submitted in order: the workers take the cheapest rows first
            futures = [client.submit(run_one, *job, args.max_steps, pure=False,
                                     priority=args.priority - i / 1000)
                       for i, job in enumerate(todo)]
            args.runs.parent.mkdir(parents=True, exist_ok=True)
            for fut in as_completed(futures):
                rec = fut.result()
                with open(args.runs, "a") as f:
                    f.write(json.dumps(rec) + "\n")
                best = max(rec["evals"]) if rec.get("evals") else rec.get("error")
                print(f"{rec['row']:28s} {rec['method']:6s} {rec['variant']:13s} "
                      f"{rec['protocol']:10s} seed {rec['seed']}"
                      f"  best {best}  ticks {rec.get('ticks')}  {rec.get('wall_seconds')} s",
                      flush=True)
                write_markdown(read_runs(args.runs), args.table)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    write_markdown(read_runs(args.runs), args.table)
    print(f"wrote {args.table}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
