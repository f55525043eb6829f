"""Frank, Seeberger & O'Reilly (2004): does dopamine tip learning between "choose A" and "avoid B"?

The probabilistic selection task (Science 306:1940, Fig. 2): after training on the pairs AB
(80/20), CD (70/30) and EF (60/40), the novel test pairs separate learning from positive
outcomes ("choose A": AC, AD, AE, AF) from learning from negative ones ("avoid B": BC, BD, BE,
BF). Parkinson's patients off medication avoid B better than they choose A; on L-DOPA the reverse.
This script trains the circuit of models/basal_ganglia.toml (dopamine neurons, D1/D2 opponent
actor) under three dopamine states — normal, depleted (deplete_dopamine) and raised tonic
(raise_dopamine) — and tests each trained circuit, without learning, on all fifteen pairs: the
accuracy of a pair is the selection stage's probability of choosing the better stimulus.

Prints per state the mean choose-A and avoid-B accuracies and their difference (A − B) over seeds,
and the crossover interaction (A − B)_raised − (A − B)_depleted. Frank et al. tested the same
patients on and off medication, so the interaction is taken within seed (one seed = one animal:
its cortex, feedback and trial sequence; only the dopamine state differs): its mean with a
bootstrap interval, the effect size d_z (mean / s.d. of the per-seed interactions) and the
two-sided p-value of an exact sign-flip permutation test of its mean.

The crossover comes from OpAL's tonic bias at choice (Collins & Frank 2014, Psychol Rev 121:337:
dopamine at choice weighs the Go against the NoGo actor, β_G = β(1 + ρ), β_N = β(1 − ρ)). To first
order in ρ, the choose-A logit minus the avoid-B logit against a comparison stimulus x moves by
β[(G_A + N_A) + (G_B + N_B) − 2(G_x + N_x)] per unit of ρ: the bias separates choose A from avoid
B only insofar as A and B carry more Go + NoGo activity than C–F, which OpAL's Hebbian rule
(G ← G + α G δ, N ← N − α N δ) builds for options whose errors keep one sign (A: bursts, B: dips).
β = 1 keeps the test pairs' probabilities off saturation, and opponent_tonic_bias 2 maps the
depletion (tonic × 0.5) to ρ = −1 and the raised tonic rate (× 2) to ρ = +1, OpAL's extremes.
The learning share of the interaction (each trained circuit tested at ρ = 0) is small: the
bounded dips and smaller bursts during learning do not tip it; the tonic bias at choice does
(analyses/results/selection_task.md).

The cortex is what the striatum sees. OpAL's actor is a table, one G and N per stimulus, and its
critic one value per state; here both read the cortical rates h (as fractions of r_max), so the
pairs must have distinct codes. The report gives the code of the trained circuits: mean rate (Hz),
the mean cosine between the fifteen test pairs' rate vectors, and |h|², which sets the step
lr·|h|² of the striatum's SGD. With firing-rate units drawn like the tanh cortex (rate_input_scale
1, no spontaneous rate) every unit fires ≈ r_max/2 whatever is shown: cosine 0.992 (tanh cortex:
0.49), |h|² ≈ 8 (tanh: 1.95), so SGD's step is 4× the tanh cortex's. Ablation (24 seeds, 1,500
trials, the model file with --set; results in analyses/results/selection_task_<overrides>.md):

- neither (``--set circuit.rate_input_scale=1 --set circuit.rate_spontaneous_hz=0``): at lr 0.05
  the Go/NoGo weights diverge (|K| 4.5e5 by tick 3000); at lr 0.0125 the test choices saturate
  (AB 1.00), A − B is positive in every state (+0.25 to +0.43), interaction +0.064 [−0.021,
  +0.150], 14 of 24 seeds: no crossover;
- 4 Hz spontaneous alone (``rate_input_scale=1``): a dense code still (cosine 0.97, |h|² ≈ 0.2);
  interaction +0.242 [+0.221, +0.261] but no crossover (A − B depleted +0.070 [+0.052, +0.088]),
  half of it learning (+0.127);
- input × 6 alone (``rate_spontaneous_hz=0``, lr 0.025; lr 0.1 diverges): +0.199 [+0.088, +0.301],
  21 of 24, A − B s.d. 0.3–0.4 over seeds, learning share +0.086 [+0.010, +0.159];
- both (the model file, lr 0.1: cosine ≈ 0.6, |h|² ≈ 1.2): +0.136 [+0.103, +0.168], 23 of 24,
  depleted A − B −0.037 [−0.076, −0.001], learning share −0.011.

Dale's law and the time constants in seconds do not act in this task: every trial is one choice
from rest (h = 0) within one 100 ms tick of τ = 0.1 s, so neither the recurrent weights nor the
traces' decay enter (the tanh cortex gave the same bits with and without them).

With --relative-dips the circuit reads a dip against the tonic rate in force
(``circuit.dopamine_dip_relative``; Frank 2005, J Cogn Neurosci 17:51: D2 receptors sensitive to
low dopamine, pauses filled by L-DOPA), so depletion makes a pause weigh more and raised tonic
dopamine less; its figure and results carry the suffix _relative_dips. Measured (12 seeds,
``--relative-dips --seeds 0,...,11``, analyses/results/selection_task_relative_dips.md): the
interaction is +0.097 [+0.060, +0.137], but its learning share is negative, −0.068 [−0.094,
−0.043]. A reading (from the tanh cortex's Go/NoGo activities, not re-measured here): stronger
NoGo learning in depletion raises the NoGo of every often-punished stimulus, and A, the least
punished, then stands out more than B, which the trained actor rarely chooses and so rarely
punishes. Relative dips work against the crossover during learning; the tonic bias at choice
still carries it.

Usage:  python analyses/selection_task.py [--steps 3000] [--seeds 0,1,...,23] [--workers 1]
        [--relative-dips] [--set KEY=VALUE ...]
Writes analyses/figures/selection_task.png and analyses/results/selection_task.md (a run with
--set: the suffix names the overrides, e.g. selection_task_rate_input_scale1.md).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import spiking_settings  # noqa: E402  (--set KEY=VALUE, shared with the spiking analyses)

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "basal_ganglia.toml"
STATES = {  # dopamine state → manipulations (Frank 2005, J Cogn Neurosci 17:51)
    "normal": [],
    "depleted": [{"kind": "deplete_dopamine", "level": 0.5}],
    "raised": [{"kind": "raise_dopamine", "factor": 2.0}],
}
FIGURES, RESULTS = Path(__file__).resolve().parent / "figures", Path(__file__).resolve().parent / "results"


def state_model(state: str, relative_dips: bool = False, overrides: dict | None = None):
    import bioRTRRL as br

    data = br.load_model(MODEL).with_overrides(overrides or {}).to_dict()
    data["manipulation"] = STATES[state]
    data["circuit"]["dopamine_dip_relative"] = relative_dips
    data["name"] = f"selection_{state}"
    return br.load_model(data)


def _frozen_tick(engine, pairs) -> np.ndarray:
    """[x, h, striatal drives, value, δ] of a trained circuit shown each pair once, without
    learning: one frozen tick from rest (the pair's first tick)."""
    n = len(pairs)
    frozen = engine.frozen_copy(n, 0)
    obs = np.zeros((n, 6))
    for k, pair in enumerate(pairs):
        obs[k, list(pair)] = 1.0
    zero, no = np.zeros(n), np.zeros(n, dtype=bool)
    frozen.tick(obs, zero, no, no, ~no)
    return frozen.act


def _frozen_drives(engine, pairs) -> np.ndarray:
    """The dorsal striatum's drives y (Go then NoGo) of each pair's frozen tick."""
    d = engine.dims
    return _frozen_tick(engine, pairs)[:, d.D + d.N:d.D + d.N + d.P]


def cortex_code(engine) -> dict[str, float]:
    """The cortical code of the fifteen test pairs: mean rate (Hz; h for a tanh cortex), mean
    cosine between the pairs' vectors h, and mean |h|² (h: rates as fractions of r_max)."""
    from bioRTRRL.tasks.probabilistic_selection import TEST_PAIRS

    d = engine.dims
    h = _frozen_tick(engine, TEST_PAIRS)[:, d.D:d.D + d.N]
    unit = h / np.linalg.norm(h, axis=1, keepdims=True)
    cos = (unit @ unit.T)[np.triu_indices(len(h), 1)]
    r_max = engine.model.circuit.rate_max_hz if engine.model.circuit.unit == "rate" else 1.0
    return {"rate": float(r_max * h.mean()), "cosine": float(cos.mean()),
            "h2": float((h ** 2).sum(axis=1).mean())}


def test_accuracy(engine, tonic_hz: float | None = None) -> dict[str, float]:
    """Choose-A and avoid-B accuracy of a trained circuit (and its accuracy on each training
    pair): the selection stage's probability of the better stimulus of each test pair (softmax
    of β_G G − β_N N between the two shown). β_G, β_N follow the tonic rate the circuit was
    trained at, or ``tonic_hz`` when given (the model's own rate: ρ = 0, no bias at choice)."""
    from bioRTRRL.engines.kernels import opponent_betas
    from bioRTRRL.tasks.probabilistic_selection import TEST_PAIRS

    c = engine.config[0]
    y = _frozen_drives(engine, TEST_PAIRS)
    tonic = c["da_tonic_hz"] if tonic_hz is None else tonic_hz
    beta_g, beta_n = opponent_betas(c["opp_beta"], c["opp_tonic_bias"], tonic,
                                    c["da_model_hz"], c["d1_block"], c["d2_block"])
    act = beta_g * np.maximum(0.0, 1.0 + y[:, :6]) - beta_n * np.maximum(0.0, 1.0 + y[:, 6:])
    first = {pair: 1.0 / (1.0 + np.exp(act[k, pair[1]] - act[k, pair[0]]))
             for k, pair in enumerate(TEST_PAIRS)}
    return {"choose_A": float(np.mean([first[(0, j)] for j in range(2, 6)])),
            "avoid_B": float(np.mean([1.0 - first[(1, j)] for j in range(2, 6)])),
            "AB": first[(0, 1)], "CD": first[(2, 3)], "EF": first[(4, 5)]}


def go_nogo(engine) -> tuple[np.ndarray, np.ndarray]:
    """Go and NoGo activities G = [1 + y]₊, N of every stimulus in its training pair."""
    from bioRTRRL.tasks.probabilistic_selection import TRAINING_PAIRS

    y = _frozen_drives(engine, TRAINING_PAIRS)
    G, N = np.zeros(6), np.zeros(6)
    for k, pair in enumerate(TRAINING_PAIRS):
        for s in pair:
            G[s], N[s] = max(0.0, 1.0 + y[k, s]), max(0.0, 1.0 + y[k, 6 + s])
    return G, N


def run_one(args) -> dict:
    """Train one seed in one dopamine state; its test accuracies and final Go/NoGo weights."""
    import bioRTRRL as br

    state, seed, steps, relative_dips, overrides = args
    session = br.Session(state_model(state, relative_dips, overrides), seed=seed)
    session.advance(steps, progress=False)
    out = test_accuracy(session.engine)
    plain = test_accuracy(session.engine, tonic_hz=session.engine.config[0]["da_model_hz"])
    out["diff_rho0"] = plain["choose_A"] - plain["avoid_B"]  # the learning's share alone
    out["G"], out["N"] = go_nogo(session.engine)
    out["code"] = cortex_code(session.engine)
    return {"state": state, "seed": seed, **out}


def sign_flip_p(x: np.ndarray) -> float:
    """Two-sided p-value of the mean of paired differences ``x`` under the null that each
    difference's sign is arbitrary: every one of the 2^n sign assignments (exact)."""
    n, observed = len(x), abs(x.mean()) - 1e-12
    hits = 0
    for start in range(0, 2 ** n, 2 ** 16):  # in blocks: 2^24 assignments at once need gigabytes
        k = np.arange(start, min(start + 2 ** 16, 2 ** n))
        signs = 1 - 2 * ((k[:, None] >> np.arange(n)) & 1)
        hits += int((np.abs((signs * x).mean(axis=1)) >= observed).sum())
    return hits / 2 ** n


def summarise(rows: list[dict]) -> dict:
    from bioRTRRL.stats import bootstrap_ci

    table = {}
    for state in STATES:
        r = sorted((x for x in rows if x["state"] == state), key=lambda x: x["seed"])
        a, b = np.array([x["choose_A"] for x in r]), np.array([x["avoid_B"] for x in r])
        table[state] = {"choose_A": a, "avoid_B": b, "diff": a - b}
        table[state]["diff_ci"] = bootstrap_ci(a - b, statistic="mean")
        table[state]["diff_rho0"] = np.array([x["diff_rho0"] for x in r])
    table["code"] = {k: float(np.mean([x["code"][k] for x in rows])) for k in rows[0]["code"]}
    per_seed = table["raised"]["diff"] - table["depleted"]["diff"]
    learning = table["raised"]["diff_rho0"] - table["depleted"]["diff_rho0"]
    table["interaction"] = {
        "per_seed": per_seed,
        "mean": float(per_seed.mean()),
        "ci": bootstrap_ci(per_seed, statistic="mean"),
        "d_z": float(per_seed.mean() / per_seed.std(ddof=1)),
        "p": sign_flip_p(per_seed),
        "positive": int((per_seed > 0).sum()),
        "learning": float(learning.mean()),
        "learning_ci": bootstrap_ci(learning, statistic="mean"),
    }
    return table


def report(table: dict, steps: int, relative_dips: bool = False, settings=()) -> str:
    changed = (["circuit.dopamine_dip_relative = true"] if relative_dips else []) + list(settings)
    variant = f" ({', '.join(changed)})" if changed else ""
    lines = ["# Probabilistic selection task under three dopamine states", "",
             f"models/basal_ganglia.toml{variant}, {steps} training ticks ({steps // 2} trials), "
             f"{len(table['normal']['diff'])} seeds per state; accuracies are choice "
             "probabilities on the novel test pairs (no learning).", "",
             "| state | choose A | avoid B | A − B | A − B, 95 % bootstrap interval |",
             "|---|---|---|---|---|"]
    for state in STATES:
        t = table[state]
        lo, hi = t["diff_ci"]
        lines.append(f"| {state} | {t['choose_A'].mean():.3f} ± {t['choose_A'].std(ddof=1):.3f} "
                     f"| {t['avoid_B'].mean():.3f} ± {t['avoid_B'].std(ddof=1):.3f} "
                     f"| {t['diff'].mean():+.3f} ± {t['diff'].std(ddof=1):.3f} "
                     f"| [{lo:+.3f}, {hi:+.3f}] |")
    it = table["interaction"]
    n = len(it["per_seed"])
    lines += ["", f"Crossover interaction (A − B)_raised − (A − B)_depleted, within seed: "
              f"{it['mean']:+.3f}, 95 % bootstrap interval [{it['ci'][0]:+.3f}, "
              f"{it['ci'][1]:+.3f}], d_z = {it['d_z']:+.2f}, sign-flip p = {it['p']:.3g}, "
              f"positive in {it['positive']} of {n} seeds. Frank et al. 2004 found a positive "
              "interaction (off medication: avoid B > choose A; on L-DOPA: the reverse).",
              "", f"Its learning share (each state's trained circuit tested at ρ = 0, no tonic "
              f"bias at choice): {it['learning']:+.3f}, 95 % bootstrap interval "
              f"[{it['learning_ci'][0]:+.3f}, {it['learning_ci'][1]:+.3f}]; the rest is the "
              "tonic bias of the selection stage at test (OpAL's β_G = β(1 + ρ), β_N = β(1 − ρ)).",
              "", "The cortical code the striatum reads after training (the fifteen test pairs, "
              f"mean over states and seeds): mean rate {table['code']['rate']:.1f} (Hz for "
              f"firing-rate units), mean cosine between the pairs' rate vectors "
              f"{table['code']['cosine']:.2f}, |h|² {table['code']['h2']:.2f} (h: rates as "
              "fractions of r_max; the striatum's SGD step is lr·|h|²)."]
    return "\n".join(lines) + "\n"


def figure(table: dict, rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8))
    x = np.arange(len(STATES))
    for key, marker in (("choose_A", "o-"), ("avoid_B", "s--")):
        m = [table[s][key].mean() for s in STATES]
        e = [table[s][key].std(ddof=1) / np.sqrt(len(table[s][key])) for s in STATES]
        ax.errorbar(x, m, yerr=e, fmt=marker, capsize=3, label=key.replace("_", " "))
    ax.set_xticks(x, list(STATES))
    ax.set_ylabel("test accuracy")
    ax.set_title("choose A / avoid B (mean ± s.e.m.)")
    ax.legend()
    for i, state in enumerate(STATES):
        G = np.mean([r["G"] for r in rows if r["state"] == state], axis=0)
        N = np.mean([r["N"] for r in rows if r["state"] == state], axis=0)
        bx.plot(range(6), G, "o-", color=f"C{i}", label=f"{state}: Go")
        bx.plot(range(6), N, "s--", color=f"C{i}", label=f"{state}: NoGo")
    bx.axhline(1.0, color="grey", ls=":", lw=0.8)
    bx.set_xticks(range(6), list("ABCDEF"))
    bx.set_ylabel("activity (start: 1)")
    bx.set_title("Go (D1) and NoGo (D2) in the training pairs")
    bx.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(steps: int = 3000, seeds=tuple(range(24)), workers: int = 1,
         out: Path | None = None, relative_dips: bool = False, settings=()) -> dict:
    """``settings``: ["KEY=VALUE", ...] overriding the model file (``--set``)."""
    overrides = spiking_settings.overrides(list(settings))
    jobs = [(state, seed, steps, relative_dips, overrides) for state in STATES for seed in seeds]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            rows = list(pool.map(run_one, jobs))
    else:
        rows = [run_one(j) for j in jobs]
    table = summarise(rows)
    text = report(table, steps, relative_dips, settings)
    print(text)
    figures, results = (FIGURES, RESULTS) if out is None else (out, out)
    name = ("selection_task_relative_dips" if relative_dips else "selection_task") + \
        spiking_settings.tag(list(settings))
    figure(table, rows, figures / f"{name}.png")
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{name}.md").write_text(text)
    return table


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seeds", default=",".join(str(k) for k in range(24)))
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--relative-dips", action="store_true")
    spiking_settings.add_arguments(p)
    a = p.parse_args()
    main(a.steps, tuple(int(s) for s in a.seeds.split(",")), a.workers,
         relative_dips=a.relative_dips, settings=a.set)
