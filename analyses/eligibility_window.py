"""When must dopamine arrive to strengthen a corticostriatal synapse? (Yagishita et al. 2014)

Yagishita et al. 2014 (Science 345:1616, Fig. 2–3): in striatal spiny projection neurons,
glutamate uncaging paired with optogenetic dopamine release enlarges the spine only when dopamine
arrives 0.3–2 s *after* the glutamate; dopamine before glutamate, or at the same time, does nothing.
A plain exponential eligibility trace (TD(λ)'s) is largest right after the presynaptic activity,
so it predicts the largest change at delay 0; a window peaking at 0.3–2 s needs an eligibility
that first rises, then decays — the two-stage cascade of ``learning.eligibility_cascade``
(a synaptic tag feeding a slower eligibility, bioRTRRL/circuit/description.py
:func:`cascade_kernel`; the evidence for eligibility traces of seconds is reviewed by Gerstner
et al. 2018, Front. Neural Circuits 12:53).

The protocol, on the circuit's ventral corticostriatal synapses (cortex → striatum_ventral, the
nucleus accumbens of the recordings) with env_dt = 20 ms: cortex is driven by a PULSE_S long input
pulse (the glutamatergic activity of the presynaptic cortical neurons) at time 0; dopamine is
clamped at 0 except for one tick of δ = BURST at the delay d (negative: before the pulse); the
synapse's weight change is measured after the run, minus the change of the same run without the
pulse (dopamine alone), for the cortical unit the pulse excites most. Cortex does not learn
(lr_cortex = 0), so every run has the same presynaptic activity.

Usage:  python analyses/eligibility_window.py
Writes analyses/figures/eligibility_window.png and analyses/results/eligibility_window.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# ---- configuration --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
ENV_DT_MS = 20.0
PULSE_S = 0.1            # presynaptic activity (glutamate uncaging: a train of ~0.1–0.5 s)
BURST = 1.0              # δ of the dopamine burst (one tick)
ONSET_S = 1.5            # the pulse's time in the run (the circuit settles before it)
AFTER_S = 5.0            # the run continues this long after the pulse
DELAYS_S = np.round(np.arange(-1.0, 4.01, 0.1), 2)
MODEL = {
    "task": {"env": "CartPole-v1"},  # only sizes the circuit; the protocol drives it directly
    "circuit": {"cortex_size": 16, "unit": "rate", "env_dt_ms": ENV_DT_MS, "meta_rl_input": False,
                "tau_init_s": [0.02, 0.1], "tau_min_s": 0.01},
    "learning": {"discount_tau_s": 10.0, "trace_tau_s": 1.0, "entropy": 0.0},
    "optimizer": {"kind": "sgd", "lr_readout": 1e-2, "lr_cortex": 0.0, "clip_norm": 0.0},
}
CONDITIONS = {
    "exponential trace (TD(λ), τ_e = 1 s)": {},
    "cascade (τ_r = 0.3 s, τ_d = 1 s)": {"learning.eligibility_cascade": ["cortex_striatum_ventral"],
                                       "learning.eligibility_rise_s": 0.3,
                                       "learning.eligibility_decay_s": 1.0},
}
SEED = 0
FIGURES = ROOT / "analyses" / "figures"
RESULTS = ROOT / "analyses" / "results"


def _protocol(model, delay_s: float | None, pulse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Run the protocol once: (critic weights w_C after it, each cortical unit's rate summed
    over the second after the pulse onset). ``delay_s`` None: no dopamine burst."""
    from bioRTRRL.engines.parameters import CircuitDims
    from bioRTRRL.engines.reference import ReferenceEngine

    dt = model.circuit.env_dt_ms / 1000
    dims = CircuitDims.build(model.circuit.cortex_size, O=1, A=2, continuous=False,
                             meta_rl_input=False)
    engine = ReferenceEngine(model, dims, 1, SEED)
    obs, reward = np.zeros((1, 1)), np.zeros(1)
    no, fresh = np.zeros(1, bool), np.ones(1, bool)
    onset, width = int(round(ONSET_S / dt)), int(round(PULSE_S / dt))
    burst = None if delay_s is None else onset + int(round(delay_s / dt))
    response = np.zeros(dims.N)
    for k in range(onset + int(round(AFTER_S / dt))):
        obs[0, 0] = 1.0 if pulse and onset <= k < onset + width else 0.0
        engine.config["da_fixed"] = BURST if k == burst else 0.0
        engine.tick(obs, reward, no, no, fresh)
        fresh[0] = False
        if onset <= k < onset + int(round(1.0 / dt)):
            response += engine.h[0]
    return engine.params["w_C"].copy(), response


def window(overrides: dict, delays_s) -> np.ndarray:
    """Pairing-specific weight change of the stimulated synapse against the delay (s) from the
    presynaptic pulse to the dopamine burst (the change with the pulse minus the change with
    dopamine alone), normalised to its largest magnitude."""
    import bioRTRRL as br

    model = br.load_model(MODEL).with_overrides(overrides)
    w0, rest = _protocol(model, None, pulse=False)
    _, driven = _protocol(model, None, pulse=True)
    unit = int(np.argmax(driven - rest))  # the synapse whose presynaptic unit the pulse excites
    dw = np.array([_protocol(model, d, True)[0][unit] - _protocol(model, d, False)[0][unit]
                   for d in delays_s])
    return dw / np.abs(dw).max()


def main() -> None:
    curves = {name: window(over, DELAYS_S) for name, over in CONDITIONS.items()}
    lines = ["# Eligibility window of a corticostriatal synapse (Yagishita et al. 2014)", "",
             "`python analyses/eligibility_window.py` (env_dt 20 ms, seed 0, one dopamine tick "
             f"δ = {BURST} at the delay after a {PULSE_S} s presynaptic pulse)", "",
             "| eligibility | peak delay (s) | largest |Δw| at negative delays (of peak) | "
             "Δw at 0 s | Δw at 0.5 s | Δw at 1 s | Δw at 2 s | Δw at 4 s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, dw in curves.items():
        at = {d: dw[np.argmin(np.abs(DELAYS_S - d))] for d in (0.0, 0.5, 1.0, 2.0, 4.0)}
        lines.append(f"| {name} | {DELAYS_S[np.argmax(dw)]:.1f} | "
                     f"{np.abs(dw[DELAYS_S < 0]).max():.2g} | "
                     + " | ".join(f"{v:.2f}" for v in at.values()) + " |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "eligibility_window.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for name, dw in curves.items():
        ax.plot(DELAYS_S, dw, marker=".", label=name)
    ax.axvspan(0.3, 2.0, color="0.9", label="Yagishita et al. 2014: 0.3–2 s")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set(xlabel="delay from presynaptic activity to dopamine burst (s)",
           ylabel="weight change (normalised)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / "eligibility_window.png", dpi=120)


if __name__ == "__main__":
    main()
