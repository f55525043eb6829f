"""The reference engine, tick by tick, against RTRRL written out in plain NumPy.

:class:`numpy_reference.NumpyRTRRL` implements docs/algorithm.md §2–§5 and the episode protocol of the
kernels' docstring by name (forward pass, heads given the engine's action draw, δ, RFLO P / RTRL J
/ BPTT window, TD(λ) traces, batch-mean direction, clip, Adam or SGD written out, τ clip, episode
resets). Both start from the same weights and feedback synapses and see the same inputs: B = 2
envs, dt = 0.5, 14 ticks with 2–3 episode ends per env (terminated and truncated), envs out of
step. After every tick δ, h, P or J, the TD traces e, I = γ^t, Adam's moments and step count,
and every parameter must agree to 1e-9 of their scale.

Each setting also asserts that it exercises what it is there for (τ hits τ_min, ε is not
negligible, the clip is active, the Gaussian sample stays inside its Box), so that a future
change of defaults cannot make a comparison vacuous.
"""

from __future__ import annotations

import numpy as np
import pytest

from .common import ENDS, TICKS, build, episode_flags, hyper, inputs, mismatch

RTOL = 1e-9

SETTINGS = {
    # RFLO + Adam with ε comparable to the update directions (so ε's place in Adam shows) and
    # τ_min = 2 and three of five units start on it, so that updates push them below it
    "rflo-adam": dict(hp=dict(eps=3e-3, tau_min=2.0), tau_init=(2.0, 3.0), tau_at_min=[0, 2, 4],
                      tau_clip=True, eps_matters=True),
    # Adam with its default ε and the global norm clip active on some ticks
    "rflo-adam-clip": dict(hp=dict(clip=0.05), clip_active=True),
    # SGD without a clip: a summed batch doubles the step; the episodic γ^t on every trace;
    # τ on its clip again (an SGD step is not Adam's ±lr, so the clip is tested at another size)
    "rflo-sgd-episodic": dict(hp=dict(optimizer="sgd", episodic=True, lr_cortex=0.05,
                                      lr_readout=0.05, lr_critic=0.1, gamma=0.8, tau_min=2.0),
                              tau_init=(2.0, 3.0), tau_at_min=[0, 2, 4], tau_clip=True),
    # Gaussian actor on a Box wide enough that no sample is clipped (ψ needs the raw sample),
    # with the episodic γ^t under Adam too
    "gaussian-rflo-adam": dict(hp=dict(eps=1e-4, episodic=True), continuous=True, A=2,
                               lo=np.array([-6.0, -np.inf]), hi=np.array([6.0, np.inf])),
    # exact RTRL and truncated BPTT inside the engine's tick, with the episodic discount
    "rtrl-adam-episodic": dict(hp=dict(gradient="rtrl", episodic=True)),
    "bptt-adam": dict(hp=dict(gradient="bptt", bptt_window=3)),
    # the LRU cortex (circuit.unit = "lru"): complex state and exact traces, reset at episode
    # ends; Adam with the clip active, and SGD with the episodic γ^t
    "lru-adam-clip": dict(hp=dict(unit="lru", clip=0.5), clip_active=True),
    "lru-sgd-episodic": dict(hp=dict(unit="lru", optimizer="sgd", episodic=True, lr_cortex=0.05,
                                     lr_readout=0.05, lr_critic=0.1, gamma=0.8)),
}


def _compare(t, acc, orc, hp):
    """Messages for every quantity of tick ``t`` where the engine and the oracle disagree."""
    msgs = [mismatch("delta", acc.delta(), orc.delta, RTOL), mismatch("h", acc.h(), orc.h, RTOL)]
    if hp.unit == "lru":
        state = acc.lru_state()
        msgs += [mismatch(f"LRU {k} ({part})", getattr(state[k], part),
                          getattr(getattr(orc, k), part), RTOL)
                 for k in ("s", "Elam", "Egam", "EB") for part in ("real", "imag")]
    elif hp.gradient == "rflo":
        P = acc.rflo_P()
        msgs += [mismatch("P_W", P["W"], orc.PW, RTOL), mismatch("P_tau", P["tau"], orc.Ptau, RTOL)]
    elif hp.gradient == "rtrl":
        J = acc.rtrl_J()
        msgs += [mismatch("J_W", J["W"], orc.JW, RTOL), mismatch("J_tau", J["tau"], orc.Jtau, RTOL)]
    e = acc.traces()
    for k in acc.keys:
        msgs.append(mismatch(f"e_{k}", e[k], np.array([orc.e[b][k] for b in range(orc.B)]), RTOL))
    msgs.append(mismatch("discount I", acc.discount(), orc.discount, RTOL))
    if acc.step_count() != orc.t:
        msgs.append(f"optimizer steps: engine {acc.step_count()}, oracle {orc.t}")
    if hp.optimizer == "adam":
        m, v = acc.adam_moments()
        for k in acc.keys:
            msgs += [mismatch(f"adam m[{k}]", m[k], orc.m[k], RTOL),
                     mismatch(f"adam v[{k}]", v[k], orc.v[k], RTOL)]
    p = acc.params()
    for k in acc.keys:
        msgs.append(mismatch(f"param {k}", p[k], orc.p[k], RTOL))
    return [m for m in msgs if m]


@pytest.mark.parametrize("name", SETTINGS)
def test_engine_matches_the_numpy_step_tick_by_tick(name):
    s = SETTINGS[name]
    hp = hyper(**s["hp"])
    A, continuous = s.get("A", 3), s.get("continuous", False)
    acc, orc = build(hp, A=A, continuous=continuous, lo=s.get("lo"), hi=s.get("hi"),
                     tau_init=s.get("tau_init", (1.0, 3.0)))
    if "tau_at_min" in s:  # units sitting on the clip: an update towards faster units is clipped
        tau = acc.params()["tau"]
        tau[s["tau_at_min"]] = hp.tau_min
        acc.set_params(tau=tau)
        orc.p["tau"] = tau.copy()
    term, trunc, fresh = episode_flags()
    obs, rew = inputs(acc.O, seed=1)
    clipped = 0
    eps_ratio = []
    for t in range(TICKS):
        acc.tick(obs[t], rew[t], term[t], trunc[t], fresh[t])
        actions = acc.actions()
        if continuous:
            inside = (actions > s["lo"]) & (actions < s["hi"])
            assert inside.all(), f"setting {name}: a Gaussian sample was clipped; widen the Box"
        orc.step(obs[t], rew[t], term[t], trunc[t], fresh[t], actions)
        msgs = _compare(t, acc, orc, hp)
        status = ", ".join(
            f"env {b}: " + ("fresh" if fresh[t, b] else "terminated" if term[t, b]
                            else "truncated" if trunc[t, b] else "mid-episode")
            for b in range(len(ENDS)))
        if msgs:
            pytest.fail(f"setting {name}, tick {t} ({status}): the engine departs from the NumPy "
                        "RTRRL step in\n  " + "\n  ".join(msgs), pytrace=False)
        d = orc.last_direction
        if d is not None and hp.clip > 0:
            norm = np.sqrt(sum(np.sum(x ** 2) for x in d.values()))
            clipped += bool(np.isclose(norm, hp.clip, rtol=1e-12))
        if hp.optimizer == "adam" and orc.t:
            v_hat = orc.v["B_re" if hp.unit == "lru" else "W"] / (1 - hp.beta2 ** orc.t)
            eps_ratio.append(np.median(np.sqrt(v_hat)) / hp.eps)
    assert orc.t >= 8, "too few optimizer steps to compare"
    if s.get("tau_clip"):
        assert orc.tau_clips > 0, f"setting {name} is meant to push some τ below τ_min, none was"
    if s.get("eps_matters"):
        assert min(eps_ratio) < 30, f"setting {name}: ε is negligible next to sqrt(v̂) ({min(eps_ratio):.0f}×)"
    if s.get("clip_active"):
        assert 0 < clipped < orc.t, f"setting {name}: the clip acted on {clipped} of {orc.t} steps"
