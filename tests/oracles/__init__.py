"""Independent oracles for the reference engine's learning rule (issue 12, deliverable 1).

Oracles
-------
- ``numpy_reference.py``: RTRRL written out in plain NumPy from ALGORITHM.md §2–§5 and the
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

Proof: each mistake planted alone in ``bioRTRRL/engines/kernels.py`` (as of commit e2cc2bb)
by ``plant_mistakes.py`` (run it from the repository root with ``PYTHONPATH=.``):

=========================================================  =================================================================  ==========================================================
mistake                                                    planted line (kernels.py)                                          failing tests
=========================================================  =================================================================  ==========================================================
RFLO drive without dt                                      l.214 ``gain = (1.0 - phi[i] * phi[i]) / tau``                     FD-RFLO; STEP[rflo-adam, rflo-adam-clip, rflo-sgd-episodic,
                                                                                                                              gaussian-rflo-adam]
RFLO decay without dt                                      l.213 ``p_decay = 1.0 - 1.0 / tau``                                FD-RFLO; STEP[the four rflo settings]
RFLO P_τ drive without dt                                  l.215 ``drive_tau = (h_old[i] - phi[i]) / (tau * tau)``            FD-RFLO; STEP[the four rflo settings]
RFLO trace in the published 1/τ form                       l.210 ``o_tau = N * Z; dt = 1.0`` (inside rflo_step)               FD-RFLO; STEP[the four rflo settings]
P_τ driven by h_t instead of h_{t−1}                       l.573 ``rflo_step(theta, N, Z, xb, hb, scratch_phi, ...``          FD-RFLO; STEP[the four rflo settings]
cortical update (W) uses the trace after this tick's grad  l.228 ``delta_vec[c] += dlt * (decay[c] * ec + sd * p) + sh * p``  STEP[the four rflo settings]
cortical update (τ) uses the trace after this tick's grad  l.237 (same edit, the P_τ line)                                    STEP[the four rflo settings]
Adam: no bias correction of m                              l.662 ``ic1 = 1.0``                                                STEP[the five adam settings]
Adam: no bias correction of v                              l.663 ``ic2 = 1.0``                                                STEP[the five adam settings]
Adam: v's correction outside the root                      l.671 ``delta_vec[k] = math.sqrt(vk) * ic2 + eps``                 STEP[the five adam settings]
Adam: ε inside the root                                    l.671 ``delta_vec[k] = math.sqrt(vk * ic2 + eps)``                 STEP[the five adam settings]
Adam: ε before the bias correction (ε not rescaled)        l.671 ``delta_vec[k] = (math.sqrt(vk) + eps) * math.sqrt(ic2)``    STEP[the five adam settings]
τ not clipped to τ_min                                     l.691 ``theta[N * Z + i] = theta[N * Z + i]``                      STEP[rflo-adam, rflo-sgd-episodic]
batch updates summed, not averaged (Adam: moments; SGD)    l.642 ``inv_b = 1.0``                                              STEP[all six]
RTRL J not reset at an episode end                         l.715 ``Jb[k, c] = Jb[k, c]``                                      FD-RTRL; STEP[rtrl-adam-episodic]
BPTT window not reset at an episode end                    l.717 ``hist_count[b] = hist_count[b]``                            FD-BPTT; STEP[bptt-adam]
discrete entropy gradient χ with the wrong sign            l.346 ``chi[p] = pi * ((y[p] - logz) + ent)``                      FD-discrete (3/3); STEP[the five discrete settings]
Gaussian entropy gradient χ with the wrong sign            l.392 ``chi[A + k] = -dstd / std``                                 FD-Gaussian (4/4); STEP[gaussian-rflo-adam]
entropy term descends in the actor update                  l.624 ``delta_vec[o_ka + i * Pn + p] -= eta_h * hb[i] * chi[p]``   STEP[all six]
entropy term descends in the cortical update               l.566 ``_cortical_signal(fb_a, fb_c, N, Pn, -1.0, chi, ...)``      STEP[all six]
Gaussian scale score without its chain factor dσ/ds        l.390 ``psi[A + k] = (-1.0 / std + diff * diff / std ** 3)``       FD-Gaussian (4/4); STEP[gaussian-rflo-adam]
Gaussian loc score without its chain factor dμ/dm          l.389 ``psi[k] = diff / (std * std)``                              FD-Gaussian (4/4); STEP[gaussian-rflo-adam]
episodic γ^t missing on the cortical traces                l.216 ``sd = sig[i]``                                              STEP[rflo-sgd-episodic, gaussian-rflo-adam]
e not reset at an episode end                              l.706 ``eb[k] = eb[k]``                                            FD-BPTT; STEP[all six]
P not reset at an episode end                              l.711 ``Pb[c] = Pb[c]``                                            FD-RFLO; STEP[the four rflo settings]
h not reset at an episode end (extra)                      l.708 ``hb[i] = hb[i]``                                            FD-RFLO, FD-RTRL, FD-BPTT; STEP[all six]
truncation treated as termination (extra)                  l.544 ``boot = 0.0 if (terminated[b] or truncated[b]) else ...``   STEP[all six]
=========================================================  =================================================================  ==========================================================

Names: FD-RFLO = ``test_finite_differences.py::test_rflo_trace_is_the_exact_jacobian_without_recurrence``,
FD-RTRL = ``...::test_rtrl_influence_is_the_finite_difference_jacobian_of_the_episode``,
FD-BPTT = ``...::test_bptt_gradient_is_the_finite_difference_gradient_of_the_episode``,
FD-discrete / FD-Gaussian = ``...::test_{discrete,gaussian}_score_and_entropy_gradient_are_derivatives[seed]``,
STEP[s] = ``test_reference_step.py::test_engine_matches_the_numpy_step_tick_by_tick[s]``.
"""
