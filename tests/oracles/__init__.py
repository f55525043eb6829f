"""Independent oracles for the reference engine's learning rule (issue 12, deliverable 1).

Oracles
-------
- ``numpy_reference.py``: RTRRL written out in plain NumPy from docs/algorithm.md §2–§5 and the
  kernels' episode protocol (forward pass, heads on the engine's own action draw, δ, RFLO P / RTRL
  J / BPTT window, TD(λ) traces, batch mean, norm clip, Adam's formula, SGD, τ clip, resets).
- ``test_reference_step.py`` (STEP[setting]): the engine against that step after every one of
  14 ticks, B = 2 envs, dt = 0.5, 2–3 episode ends per env (terminated and truncated), in six
  settings: ``rflo-adam`` (ε = 3e-3, τ on τ_min), ``rflo-adam-clip`` (global clip active),
  ``rflo-sgd-episodic`` (SGD, no clip, γ^t, τ on τ_min), ``gaussian-rflo-adam`` (bounded Box, γ^t),
  ``rtrl-adam-episodic``, ``bptt-adam`` (window 3).
- ``test_finite_differences.py``: central differences of a NumPy forward pass (not the kernel's):
  FD-discrete / FD-Gaussian (ψ = ∂log π/∂y and χ = ∂H/∂y of the heads), FD-RFLO (P = ∂h_t/∂(W, τ)
  since the episode start when W_rec = 0), FD-RTRL (J = ∂h_t/∂(W, τ)), FD-BPTT (the cortical
  gradient = B_C·∂h_t/∂(W, τ)), each inside the engine's own tick over three episodes per env.

The engine is reached only through ``engine_access.py``: when the refactoring renames or
re-lays-out the engine's state, update that module alone.

Proof: each mistake planted alone in ``bioRTRRL/engines/kernels/`` by ``plant_mistakes.py``
(run it from the repository root with ``PYTHONPATH=.``; it restores the files and prints this
table with full test ids), on main e52d73c; the kernels of 964fad2 differ only in docstrings. "rflo settings" = rflo-adam, rflo-adam-clip,
rflo-sgd-episodic, gaussian-rflo-adam; "adam settings" = all but rflo-sgd-episodic;
"discrete settings" = all but gaussian-rflo-adam.

| mistake | where | planted line | failing tests |
|---|---|---|---|
| RFLO drive without dt | cortex.py:73 | ``gain = (1.0 - phi[i] * phi[i]) / tau`` | FD-RFLO; STEP[4 rflo settings] |
| RFLO decay without dt | cortex.py:72 | ``p_decay = 1.0 - 1.0 / tau`` | FD-RFLO; STEP[4 rflo settings] |
| RFLO P_τ drive without dt | cortex.py:74 | ``drive_tau = (h_old[i] - phi[i]) / (tau * tau)`` | FD-RFLO; STEP[4 rflo settings] |
| RFLO trace in the published 1/τ form | cortex.py:69 | ``o_tau = N * Z; dt = 1.0`` (first line of rflo_step) | FD-RFLO; STEP[4 rflo settings] |
| P_τ driven by h_t instead of h_{t−1} | tick.py:159 | ``rflo_step(theta, N, Z, xb, hb, scratch_phi, ...`` | FD-RFLO; STEP[4 rflo settings] |
| cortical update (W) uses the trace after this tick's gradient | cortex.py:87 | ``delta_vec[c] += dlt * (decay[c] * ec + sd * p) + sh * p`` | STEP[4 rflo settings] |
| cortical update (τ) uses the trace after this tick's gradient | cortex.py:96 | (same edit on the P_τ line) | STEP[4 rflo settings] |
| Adam: no bias correction of m | optimizer.py:70 | ``ic1 = 1.0`` | STEP[5 adam settings] |
| Adam: no bias correction of v | optimizer.py:71 | ``ic2 = 1.0`` | STEP[5 adam settings] |
| Adam: v's correction outside the root | optimizer.py:79 | ``direction[k] = math.sqrt(vk) * ic2 + eps`` | STEP[5 adam settings] |
| Adam: ε inside the root | optimizer.py:79 | ``direction[k] = math.sqrt(vk * ic2 + eps)`` | STEP[5 adam settings] |
| Adam: ε before the bias correction | optimizer.py:79 | ``direction[k] = (math.sqrt(vk) + eps) * math.sqrt(ic2)`` | STEP[5 adam settings] |
| τ not clipped to τ_min | optimizer.py:103 | ``theta[N * Z + i] = theta[N * Z + i]`` | STEP[rflo-adam, rflo-sgd-episodic] |
| batch summed, not averaged (Adam: the moments; SGD without clip: the step) | optimizer.py:50 | ``inv_b = 1.0`` | STEP[all 6] |
| RTRL J not reset at an episode end | tick.py:253 | ``J[:, :] = 0.0`` → ``pass`` | FD-RTRL; STEP[rtrl-adam-episodic] |
| BPTT window not reset at an episode end | tick.py:255 | ``hist_count[0] = 0`` → ``pass`` | FD-BPTT; STEP[bptt-adam] |
| discrete entropy gradient χ, wrong sign | heads.py:58 | ``chi[p] = pi * ((y[p] - logz) + ent)`` | FD-discrete (3/3); STEP[5 discrete settings] |
| Gaussian entropy gradient χ, wrong sign | heads.py:104 | ``chi[A + k] = -dstd / std`` | FD-Gaussian (4/4); STEP[gaussian-rflo-adam] |
| entropy term descends in the actor update | tick.py:200 | ``delta_vec[o_ka + i * Pn + p] -= eta_h * hb[i] * chi[p]`` | STEP[all 6] |
| entropy term descends in the cortical update | tick.py:152 | ``cortical_signal(..., N, Pn, -1.0, chi, sig_h, False, 1.0)`` | STEP[all 6] |
| Gaussian scale score without dσ/ds | heads.py:102 | ``psi[A + k] = (-1.0 / std + diff * diff / std³)`` | FD-Gaussian (4/4); STEP[gaussian-rflo-adam] |
| Gaussian loc score without dμ/dm | heads.py:101 | ``psi[k] = diff / (std * std)`` | FD-Gaussian (4/4); STEP[gaussian-rflo-adam] |
| episodic γ^t missing on the cortical traces | cortex.py:75 | ``sd = sig[i]`` | STEP[rflo-sgd-episodic, gaussian-rflo-adam] |
| e not reset at an episode end | tick.py:248 | ``e[:] = 0.0`` → ``pass`` | FD-BPTT; STEP[all 6] |
| P not reset at an episode end | tick.py:251 | ``P[:] = 0.0`` → ``pass`` | FD-RFLO; STEP[4 rflo settings] |
| (extra) h not reset at an episode end | tick.py:249 | ``h[:] = 0.0`` → ``pass`` | FD-RFLO, FD-RTRL, FD-BPTT; STEP[all 6] |
| (extra) truncation treated as termination | tick.py:144 | ``dopamine(c, reward[b], terminated[b] or truncated[b], …`` | STEP[all 6] |
| (extra) rate critic: ∇w_C without the slope σ(u) | td.py:72 | ``grad[o_wc + i] = hi_`` | RC-NUMPY; RC-BRIAN2[sgd, adam] |
| (extra) rate critic: slope σ(−u) in place of σ(u) | td.py:99 | ``… math.exp(-max(u, 0.0)) / (1.0 + e)`` | RC-FD; RC-NUMPY; RC-BRIAN2[sgd, adam] |

Names: FD-RFLO = ``test_finite_differences.py::test_rflo_trace_is_the_exact_jacobian_without_recurrence``,
FD-RTRL = ``...::test_rtrl_influence_is_the_finite_difference_jacobian_of_the_episode``,
FD-BPTT = ``...::test_bptt_gradient_is_the_finite_difference_gradient_of_the_episode``,
FD-discrete / FD-Gaussian = ``...::test_{discrete,gaussian}_score_and_entropy_gradient_are_derivatives[seed]``,
STEP[s] = ``test_reference_step.py::test_engine_matches_the_numpy_step_tick_by_tick[s]``;
the rate critic's plants also run ``tests/basal_ganglia/test_rate_critic.py`` (RC-FD =
``test_softplus_slope_is_its_derivative``, RC-NUMPY = ``test_value_and_td_update_match_a_numpy_step``,
RC-BRIAN2 = ``test_brian2_matches_reference_with_the_rate_critic``).
"""
