"""Plant each listed mistake in the kernels, one at a time, and record which oracle tests fail.

Not a test (pytest does not collect it). Run from the repository root::

    PYTHONPATH=. python tests/oracles/plant_mistakes.py [name ...]

Each plant replaces one line of a module of ``bioRTRRL/engines/kernels/`` (found by its exact
text, so line numbers may drift), clears numba's on-disk cache of the package, runs
``tests/oracles`` and restores the file from the text read before the edit (not from git:
uncommitted work survives).
A plant whose line is no longer found is reported as such: after a refactoring, update its
``old``/``new`` to the new code and re-run. Prints a Markdown table.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "bioRTRRL" / "engines" / "kernels"  # the package of kernel units

# (name, file in KERNELS, old line text (stripped; must occur), new text, which occurrence, 0-based)
PLANTS = [
    ("RFLO drive without dt", "cortex.py",
     "gain = dt * ((1.0 - phi[i] * phi[i]) + rate * (phi[i] - 1.0)) / tau",
     "gain = ((1.0 - phi[i] * phi[i]) + rate * (phi[i] - 1.0)) / tau", 0),
    ("RFLO decay without dt", "cortex.py",
     "p_decay = 1.0 - dt / tau", "p_decay = 1.0 - 1.0 / tau", 0),
    ("RFLO P_τ drive without dt", "cortex.py",
     "drive_tau = dt * (h_old[i] - phi[i]) / (tau * tau)",
     "drive_tau = (h_old[i] - phi[i]) / (tau * tau)", 0),
    ("RFLO trace in the published 1/τ form (dt = 1 inside rflo_step)", "cortex.py",
     "o_tau = N * Z", "o_tau = N * Z; dt = 1.0", 1),
    ("P_τ driven by h_t instead of h_{t-1}", "tick.py",
     "rflo_step(theta, N, Z, xb, xb[D:D + N], scratch_phi, dt, Pb, circuit.column_decay,",
     "rflo_step(theta, N, Z, xb, hb, scratch_phi, dt, Pb, circuit.column_decay,", 0),
    ("cortical update (W) uses the trace after this tick's gradient", "cortex.py",
     "delta_vec[c] += dlt * ec + sh * p",
     "delta_vec[c] += dlt * (decay[c] * ec + sd * p) + sh * p", 0),
    ("cortical update (τ) uses the trace after this tick's gradient", "cortex.py",
     "delta_vec[c] += dlt * ec + sh * p",
     "delta_vec[c] += dlt * (decay[c] * ec + sd * p) + sh * p", 1),
    ("Adam: no bias correction of m", "optimizer.py",
     "ic1 = 1.0 / (1.0 - b1 ** t)", "ic1 = 1.0", 0),
    ("Adam: no bias correction of v", "optimizer.py",
     "ic2 = 1.0 / (1.0 - b2 ** t)", "ic2 = 1.0", 0),
    ("Adam: v's correction outside the root", "optimizer.py",
     "direction[k] = math.sqrt(vk * ic2) + eps", "direction[k] = math.sqrt(vk) * ic2 + eps", 0),
    ("Adam: ε inside the root", "optimizer.py",
     "direction[k] = math.sqrt(vk * ic2) + eps", "direction[k] = math.sqrt(vk * ic2 + eps)", 0),
    ("Adam: ε added before the bias correction", "optimizer.py",
     "direction[k] = math.sqrt(vk * ic2) + eps",
     "direction[k] = (math.sqrt(vk) + eps) * math.sqrt(ic2)", 0),
    ("τ not clipped to τ_min", "optimizer.py",
     "theta[N * Z + i] = tau_min", "theta[N * Z + i] = theta[N * Z + i]", 0),
    ("batch updates summed, not averaged", "optimizer.py",
     "inv_b = 1.0 / B", "inv_b = 1.0", 0),
    ("RTRL J not reset at an episode end", "tick.py",
     "J[:, :] = 0.0", "pass", 0),
    ("BPTT window not reset at an episode end", "tick.py",
     "hist_count[0] = 0", "pass", 0),
    ("discrete action drawn one bin off (the next action's)", "heads.py",
     "a = p", "a = (p + 1) % P", 0),
    ("discrete action drawn uniformly, ignoring π", "heads.py",
     "c += psi[p]", "c += 1.0 / P", 0),
    ("discrete entropy gradient χ with the wrong sign", "heads.py",
     "chi[p] = -pi * ((y[p] - logz) + ent)", "chi[p] = pi * ((y[p] - logz) + ent)", 0),
    ("Gaussian entropy gradient χ with the wrong sign", "heads.py",
     "chi[A + k] = dstd / std", "chi[A + k] = -dstd / std", 0),
    ("entropy term descends in the actor update", "tick.py",
     "delta_vec[o_ka + i * Pn + p] += eta_h * hb[i] * chi[p]",
     "delta_vec[o_ka + i * Pn + p] -= eta_h * hb[i] * chi[p]", 0),
    ("entropy term descends in the cortical update", "tick.py",
     "cortical_signal(circuit.fb_a, circuit.fb_c, N, Pn, 1.0, chi, sig_h, False, 1.0)",
     "cortical_signal(circuit.fb_a, circuit.fb_c, N, Pn, -1.0, chi, sig_h, False, 1.0)", 0),
    ("Gaussian scale score without its chain factor dσ/ds", "heads.py",
     "psi[A + k] = (-1.0 / std + diff * diff / (std * std * std)) * dstd",
     "psi[A + k] = (-1.0 / std + diff * diff / (std * std * std))", 0),
    ("Gaussian loc score without its chain factor dμ/dm", "heads.py",
     "psi[k] = diff / (std * std) * dmu", "psi[k] = diff / (std * std)", 0),
    ("episodic γ^t missing on the cortical traces", "cortex.py",
     "sd = disc * sig[i]", "sd = sig[i]", 0),
    ("rate unit: slope σ instead of σ(1 − σ)", "cortex.py",
     "return phi * (1.0 - phi)", "return phi", 0),
    ("rate unit: RFLO with tanh's slope", "cortex.py",
     "rate = 1.0 if unit == UNIT_RATE else 0.0", "rate = 0.0", 0),
    ("Dale's projection keeps the wrong sign", "cortex.py",
     "if s * theta[k] < 0.0:", "if s * theta[k] > 0.0:", 0),
    ("cascade trace: the eligibility fed by this tick's tag", "td.py",
     "e[k] = decay[k] * e[k] + g * q[k]", "e[k] = decay[k] * e[k] + g * (tag_decay[k] * q[k] + disc * grad[k])", 0),
    ("e not reset at an episode end", "tick.py",
     "e[:] = 0.0", "pass", 0),
    ("P not reset at an episode end", "tick.py",
     "P[:] = 0.0", "pass", 0),
    ("h not reset at an episode end", "tick.py",
     "h[:] = 0.0", "pass", 0),
    ("LRU: no γ normalisation of the input", "lru.py",
     "gam = math.exp(theta[o_g + k])", "gam = 1.0", 0),
    ("LRU: conjugate dropped in the state's adjoint (α_im = +C_imᵀp)", "lru.py",
     "aim -= theta[i * R + oc + N + k] * p[i]", "aim += theta[i * R + oc + N + k] * p[i]", 0),
    ("LRU: θ's influence without its factor i", "lru.py",
     "out[row + _THETA] = w * (-are * qim + aim * qre)",
     "out[row + _THETA] = w * (are * qre + aim * qim)", 0),
    ("LRU: Re(C s) with C_im's sign flipped", "lru.py",
     "acc += theta[row + oc + k] * S[k] - theta[row + oc + N + k] * S[N + k]",
     "acc += theta[row + oc + k] * S[k] + theta[row + oc + N + k] * S[N + k]", 0),
    ("LRU: traces not reset at an episode end (only the state s)", "tick.py",
     "P[:] = 0.0", "P[:2 * h.shape[0]] = 0.0", 0),
    ("rate critic: TD gradient of w_C without the slope σ(u)", "td.py",
     "grad[o_wc + i] = hi_ * critic_slope", "grad[o_wc + i] = hi_", 0),
    ("rate critic: slope σ(−u) in place of σ(u)", "td.py",
     "return math.log(1.0 + e) + max(u, 0.0), math.exp(min(u, 0.0)) / (1.0 + e)",
     "return math.log(1.0 + e) + max(u, 0.0), math.exp(-max(u, 0.0)) / (1.0 + e)", 0),
    ("truncation treated as termination (no bootstrap)", "tick.py",
     "delta = dopamine(c, reward[b], terminated[b], v, v_cur, rbar)",
     "delta = dopamine(c, reward[b], terminated[b] or truncated[b], v, v_cur, rbar)", 0),
]


def _plant(text: str, old: str, new: str, occurrence: int) -> tuple[str, int] | None:
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if line.strip() == old]
    if len(hits) <= occurrence:
        return None
    i = hits[occurrence]
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = indent + new
    return "\n".join(lines), i + 1


def _clear_cache():
    # numba caches per file and inlines units into the tick: drop every cached kernel
    for f in (KERNELS / "__pycache__").glob("*"):
        if f.suffix in (".nbi", ".nbc") or f.name == "kernels.sources":
            f.unlink()


def main(selected):
    originals = {f: f.read_text() for f in KERNELS.glob("*.py")}
    rows = []
    try:
        for name, fname, old, new, occ in PLANTS:
            if selected and not any(s.lower() in name.lower() for s in selected):
                continue
            path = KERNELS / fname
            planted = _plant(originals[path], old, new, occ)
            if planted is None:
                rows.append((name, f"`{old}` not found in {fname}", "—"))
                continue
            text, lineno = planted
            path.write_text(text)
            _clear_cache()
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "--tb=no", "-rf", "-p", "no:cacheprovider",
                     "tests/oracles", *(["tests/lru"] if name.startswith("LRU") else []),
                     *(["tests/basal_ganglia/test_rate_critic.py"]
                       if name.startswith("rate critic") else [])],
                    cwd=ROOT, capture_output=True, text=True)
            finally:
                path.write_text(originals[path])
            failed = sorted(set(re.findall(r"^FAILED (\S+)", proc.stdout, re.M)))
            failed = [f.replace("tests/oracles/", "").replace("tests/", "") for f in failed]
            rows.append((name, f"{fname}:{lineno} `{new}`", "<br>".join(failed) or "**NONE**"))
            print(f"{name}: {len(failed)} failing", file=sys.stderr, flush=True)
    finally:
        for path, text in originals.items():
            if path.read_text() != text:
                path.write_text(text)
        _clear_cache()
    print("| mistake | planted line | failing tests |\n|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
