"""One tick of the whole batch: the units of this package composed in docs/algorithm.md §5's order.

Episode protocol (Gymnasium NEXT_STEP autoreset)
------------------------------------------------
On the tick where an episode ends the observation is the final one: δ bootstraps from it when the
episode was truncated (the forward pass from the old h gives exactly v(final obs)) and not when it
terminated (nor when truncated, with ``learning.time_limit = "terminal"``). The update uses the old
traces; then h, P, J and e are reset. The next tick is *fresh*: h = 0, the action/reward input is
0, no TD transition (δ = 0), and its gradient starts the new traces.

State
-----
The arrays are grouped in named tuples, so the engine and the tests address them by name:
:class:`Circuit` (parameters and the per-parameter knobs the manipulations set),
:class:`EnvState` (per environment: activity, eligibility and TD traces), :class:`Optimizer`,
:class:`TickIO` (what the environments gave and what the circuit answers) and :class:`Work`
(scratch space; nothing here allocates in the hot path).
"""

from __future__ import annotations

from collections import namedtuple

from ._jit import njit
from .config import (ACTOR_DISCRETE, ADAPT_LEARN, ADAPT_OFF, GRAD_BPTT, GRAD_RFLO, GRAD_RTRL,
                     TRACE_DUTCH, UNIT_LIF, UNIT_LRU)
from .cortex import (adapt_input, bptt_gradient, bptt_push, cortical_signal, dale_project, forward,
                     rflo_step, rtrl_update)
from .heads import heads, opponent_betas
from .lru import lru_forward, lru_step
from .optimizer import apply_schedule, clip_tau, optimizer_step
from .spiking import eprop_traces, flush_tiny, lif_step
from .td import (accumulate, accumulate_cascade, critic_rate, dopamine, dutch_critic,
                 readout_gradient)

#: theta: flat parameters (:mod:`.layout`); fb_a, fb_c: feedback B_A (N·P), B_C (N);
#: unit_mask: 0 = silenced cortical unit; lo, hi, bounded: the action Box;
#: decay: γλ per parameter; plastic: 0…1 per parameter; column_decay: RFLO decay per presynaptic
#: column (< 0: the unit's own); obs_stats: the input adaptation's [mean, var, count] (3 × O);
#: sign: Dale's sign of each cortical unit's outgoing recurrent synapses (N; 0 = free);
#: tag_decay, tag_gain: the cascade traces' tag decay and tag → eligibility gain per parameter
#: (gain 0: a plain trace).
Circuit = namedtuple("Circuit", "theta fb_a fb_c unit_mask lo hi bounded decay plastic "
                                "column_decay obs_stats sign tag_decay tag_gain")
#: Per env (leading axis B): h (N), xi (Z), P (N·Z + N, RFLO), J (N × (N·Z + N), RTRL),
#: e (TD traces, parameter layout), v_prev, v_old (previous values), discount (I = γ^t),
#: action_in (efference copy), hist_* (BPTT ring buffer: ξ, φ(u), h_{t−1}, count, head),
#: q (the cascade traces' tags, parameter layout; width 0 without a cascade);
#: LIF cortex (:mod:`.spiking`, else empty): lif (3 × N: membrane v, refractory steps left,
#: adaptation a), spikes (substeps × N, this env step's spikes), and P holds [E | ε] (2 · (N·Z + N);
#: with adaptation [E | ε | ε^a], 3 · (N·Z + N)).
EnvState = namedtuple("EnvState", "h xi P J e v_prev v_old discount action_in hist_xi hist_phi "
                                  "hist_hold hist_count hist_head q lif spikes")
#: Adam moments m, v (parameter layout) and state = [step count, average reward r̄].
Optimizer = namedtuple("Optimizer", "m v state")
#: In: obs (B × O), reward, terminated, truncated, fresh (B); action noise blocks noise_u (K × B),
#: noise_n (K × B × A) and the row noise_pos[0] to use. Out: act (B × (D+N+P+2) = [x, h, actor
#: outputs, value, δ]), action_out (env actions), action_index (as integers), delta (B).
TickIO = namedtuple("TickIO", "obs reward terminated truncated fresh noise_u noise_n noise_pos "
                              "act action_out action_index delta")
#: grad (B × params), ent_grad (N·Z + N), direction (params), scratch (5 × N; LIF: 16 + 3 · substeps
#: rows, the LIF cortex's from row 5), head_scratch (3 × P),
#: tmpJ (N × (N·Z + N) for RTRL).
Work = namedtuple("Work", "grad ent_grad direction scratch head_scratch tmpJ")


@njit(cache=True)
def tick(cfg, circuit, state, opt, io, work):
    """Advance the whole batch by one tick: forward pass, action, δ, update, traces.

    Every array is updated in place. Returns the number of envs that contributed a TD transition.
    """
    c = cfg[0]
    theta = circuit.theta; unit_mask = circuit.unit_mask; decay = circuit.decay
    h = state.h; xi = state.xi; P = state.P; J = state.J; e = state.e
    obs = io.obs; reward = io.reward; terminated = io.terminated; truncated = io.truncated
    fresh = io.fresh
    delta_vec = work.direction; grad = work.grad
    scratch_u = work.scratch[0]; scratch_phi = work.scratch[1]; scratch_h = work.scratch[2]
    sig = work.scratch[3]; sig_h = work.scratch[4]
    logits = work.head_scratch[0]; psi = work.head_scratch[1]; chi = work.head_scratch[2]
    k_noise = io.noise_pos[0]
    io.noise_pos[0] = k_noise + 1
    apply_schedule(c, opt.state[0])
    by_column = c.rflo_tau_columns == 1
    episodic = c.episodic_discount == 1
    adapt = c.input_adaptation
    unit = c.unit_model
    cascade = c.cascade == 1
    N = c.N; Z = c.Z; D = c.D; O = c.O; A = c.A; Pn = c.P
    gradient = c.gradient; dutch = c.critic_trace == TRACE_DUTCH
    spiking = c.unit_model == UNIT_LIF
    lru = c.unit_model == UNIT_LRU  # Z is then the length of a unit's parameter row (.lru)
    dt = c.dt; gamma = c.gamma; eta_pi = c.eta_pi; eta_h = c.eta_h
    B = h.shape[0]
    NP = theta.shape[0]
    NC = N * Z + N  # cortical block
    o_ka = NC
    o_wc = o_ka + N * Pn
    o_bc = o_wc + N
    rbar = opt.state[1]
    A_in = state.action_in.shape[1]

    for k in range(NP):
        delta_vec[k] = 0.0
    n_trans = 0
    actor_lesion = c.actor_lesion == 1
    critic_lesion = c.critic_lesion == 1
    opponent = c.opponent == 1
    critic_rate_on = c.critic_rate == 1
    beta_g, beta_n = opponent_betas(c.opp_beta, c.opp_tonic_bias, c.da_tonic_hz, c.da_model_hz,
                                    c.d1_block, c.d2_block)

    for b in range(B):
        # 1-D views of this env's state: indexing them (not the 2-D arrays) lets LLVM vectorise
        xb = xi[b]; hb = h[b]; Pb = P[b]; eb = e[b]; Jb = J[b]; ab = io.act[b]
        ainb = state.action_in[b]
        if episodic:
            state.discount[b] = 1.0 if fresh[b] else gamma * state.discount[b]
        disc = state.discount[b]
        # 1. input ξ = [o, ã_prev, r, h_old, 1]
        if adapt == ADAPT_OFF:
            for j in range(O):
                xb[j] = obs[b, j]
        else:
            for j in range(O):
                xb[j] = adapt_input(obs[b, j], j, circuit.obs_stats, adapt == ADAPT_LEARN)
        if c.meta == 1:
            for j in range(A_in):
                xb[O + j] = 0.0 if fresh[b] else ainb[j]
            xb[O + A_in] = 0.0 if fresh[b] else reward[b]
        for i in range(N):
            xb[D + i] = hb[i]
        xb[Z - 1] = 1.0
        # 2. forward and gradient traces with the old h
        if spiking:  # the LIF cortex writes h (filtered spikes) and its e-prop traces in place
            lif_step(theta, N, Z, D, xb, hb, state.lif[b, 0], state.lif[b, 1], Pb[:N * Z],
                     Pb[NC:NC + N * Z], unit_mask, c.substeps, float(c.refractory_steps),
                     c.neural_dt, c.v_th, c.gamma_pd, c.tau_out, work.scratch[5:],
                     state.spikes[b], state.lif[b, 2], Pb[2 * NC:2 * NC + N * Z], c.adapt_beta,
                     c.adapt_tau)
        elif lru:  # the complex state and its exact traces live in P
            lru_forward(theta, N, Z, D, xb, Pb, unit_mask, scratch_u, hb)
        else:
            forward(theta, N, Z, xb, hb, dt, unit_mask, scratch_u, scratch_phi, scratch_h, unit)
            if gradient == GRAD_RTRL:
                rtrl_update(theta, N, Z, D, xb, hb, scratch_phi, dt, Jb, work.tmpJ, unit)
            elif gradient == GRAD_BPTT:  # RFLO's P is advanced in the learning pass below
                bptt_push(state.hist_xi[b], state.hist_phi[b], state.hist_hold[b],
                          state.hist_count[b:b + 1], state.hist_head[b:b + 1], xb, scratch_phi,
                          hb)
            for i in range(N):
                hb[i] = scratch_h[i]
        # 3. heads and action
        v = heads(theta, N, Z, Pn, A, c.actor, hb, circuit.lo, circuit.hi, circuit.bounded,
                  io.noise_u[k_noise, b], io.noise_n[k_noise, b], actor_lesion, critic_lesion,
                  logits, psi, chi, io.action_out[b], ainb, opponent, beta_g, beta_n, xb,
                  c.cued_actions == 1)
        if c.actor == ACTOR_DISCRETE:
            io.action_index[b] = int(io.action_out[b, 0])
        slope_c = 1.0  # ∂v/∂(w_Cᵀh + b_C)
        if critic_rate_on and not critic_lesion:
            v, slope_c = critic_rate(v)
        # 4. learning signals through the feedback synapses (a silenced readout sends none)
        cortical_signal(circuit.fb_a, circuit.fb_c, N, Pn, 0.0 if actor_lesion else eta_pi, psi,
                        sig, not critic_lesion, slope_c)
        # 5. δ (dopamine) for the transition into this tick
        v_cur = 0.0
        if fresh[b]:
            delta = 0.0
        else:
            if dutch:  # the previous state's value under the current weights
                v_cur = theta[o_bc]
                for i in range(N):
                    v_cur += theta[o_wc + i] * xb[D + i]
            else:
                v_cur = state.v_prev[b]
            # learning.time_limit = "terminal": a time-out ends the value too (the published code)
            no_boot = terminated[b] or (truncated[b] and c.time_limit_terminal == 1)
            delta = dopamine(c, reward[b], no_boot, v, v_cur, rbar)
        io.delta[b] = delta
        # 6. immediate gradient of this tick (parameters before the update) and 7. the update
        # direction: δ e (old traces) + η_H ∇H, averaged over the batch later
        gb = grad[b]
        transition = not fresh[b]
        ent_on = transition and c.entropy_on == 1 and not actor_lesion
        if ent_on:
            cortical_signal(circuit.fb_a, circuit.fb_c, N, Pn, 1.0, chi, sig_h, False, 1.0)
        first_untraced = 0  # δ·e still to be added from this index on
        if spiking:  # e-prop: the eligibility trace E in place of RFLO's P (τ is fixed: e_τ = 0)
            eprop_traces(N, Z, Pb, sig, disc, delta if transition else 0.0, sig_h,
                         eta_h if ent_on else 0.0, eb, decay, delta_vec)
            first_untraced = NC
        elif lru:  # exact online gradient through the LRU's traces, fed to e as RFLO's P is
            lru_step(theta, N, Z, D, xb, Pb, unit_mask, scratch_u, sig, disc,
                     delta if transition else 0.0, sig_h, eta_h if ent_on else 0.0, eb, decay,
                     delta_vec, gb, work.ent_grad, scratch_phi)
            first_untraced = NC
        elif gradient == GRAD_RFLO:
            # one pass over the cortical synapses, the hot loop: P from the old h (scratch_h
            # held the new one until now, and the heads do not read P), δ·e with the old trace,
            # the entropy term, and e ← γλ e + signal · P. No optimizer step reads e, so
            # updating it here is in order; an episode end clears it below.
            rflo_step(theta, N, Z, xb, xb[D:D + N], scratch_phi, dt, Pb, circuit.column_decay,
                      by_column, sig, disc, delta if transition else 0.0, sig_h,
                      eta_h if ent_on else 0.0, eb, decay, delta_vec, unit)
            first_untraced = NC
        elif gradient == GRAD_RTRL:
            for k in range(NC):
                gb[k] = 0.0
            for k in range(N):
                s = sig[k]
                for m in range(NC):
                    gb[m] += s * Jb[k, m]
        else:
            bptt_gradient(theta, N, Z, D, dt, sig, state.hist_xi[b], state.hist_phi[b],
                          state.hist_hold[b], state.hist_count[b], state.hist_head[b], gb, unit)
        readout_gradient(N, Pn, o_ka, o_wc, o_bc, hb, psi, eta_pi, gb, actor_lesion,
                         critic_lesion, slope_c)
        if transition:
            n_trans += 1
            for j in range(NP - first_untraced):
                k = first_untraced + j
                delta_vec[k] += delta * eb[k]
            if dutch:
                # true online TD(λ): (δ + V − V_old) z − (V − V_old) x, x = [h_{t-1}; 1]
                corr = v_cur - state.v_old[b]
                for i in range(N):
                    delta_vec[o_wc + i] += corr * eb[o_wc + i] - corr * xb[D + i]
                delta_vec[o_bc] += corr * eb[o_bc] - corr
            if ent_on:
                if gradient == GRAD_RTRL:
                    for k in range(N):
                        s = eta_h * sig_h[k]
                        for m in range(NC):
                            delta_vec[m] += s * Jb[k, m]
                elif gradient == GRAD_BPTT:
                    bptt_gradient(theta, N, Z, D, dt, sig_h, state.hist_xi[b], state.hist_phi[b],
                                  state.hist_hold[b], state.hist_count[b], state.hist_head[b],
                                  work.ent_grad, unit)
                    for m in range(NC):
                        delta_vec[m] += eta_h * work.ent_grad[m]
                for i in range(N):
                    for p in range(Pn):
                        delta_vec[o_ka + i * Pn + p] += eta_h * hb[i] * chi[p]
        # record [x, h, actor outputs, value, δ]
        for j in range(D):
            ab[j] = xb[j]
        for i in range(N):
            ab[D + i] = hb[i]
        for p in range(Pn):
            ab[D + N + p] = logits[p]
        ab[D + N + Pn] = v
        ab[D + N + Pn + 1] = delta
        state.v_prev[b] = v
        if fresh[b]:
            state.v_old[b] = 0.0
        else:
            state.v_old[b] = v

    # 8. optimizer step on the batch-mean direction
    if n_trans > 0 and c.learn == 1:
        optimizer_step(c, theta, circuit.plastic, delta_vec, opt.m, opt.v, opt.state, B, NC, o_wc)
        if not spiking and not lru:  # fixed membrane time constants; the LRU's slot holds γ
            clip_tau(theta, N, Z, c.tau_min)
        if c.dale == 1:
            dale_project(theta, N, Z, D, circuit.sign)
        if c.average_reward == 1:
            dsum = 0.0
            for b in range(B):
                if not fresh[b]:
                    dsum += io.delta[b]
            opt.state[1] = rbar + c.avg_lr * dsum / n_trans

    # 9. traces: reset at episode ends, else e ← γλ e + ∇ (dutch form for the critic); RFLO's
    # cortical traces were advanced in the hot loop
    first_trace = NC if gradient == GRAD_RFLO else 0
    for b in range(B):
        eb = e[b]
        if terminated[b] or truncated[b]:
            reset_episode(gradient, eb, h[b], P[b], J[b], state.hist_count[b:b + 1])
            if cascade:
                state.q[b][:] = 0.0
            if spiking:
                state.lif[b] = 0.0
            continue
        gb = grad[b]
        disc = state.discount[b]
        if dutch:
            if cascade:
                accumulate_cascade(eb[:o_wc], state.q[b], gb, decay, circuit.tag_decay,
                                   circuit.tag_gain, disc, first_trace)
            else:
                accumulate(eb[:o_wc], gb, decay, disc, first_trace)
            dutch_critic(eb, h[b], o_wc, o_bc, N, gamma * c.lam_critic, c.lr_critic)
        elif cascade:
            accumulate_cascade(eb, state.q[b], gb, decay, circuit.tag_decay, circuit.tag_gain,
                               disc, first_trace)
        else:
            accumulate(eb, gb, decay, disc, first_trace)
        if spiking:
            flush_tiny(eb)
    if spiking:  # a silent unit's synapses see exactly 0 and their moments decay to subnormals
        flush_tiny(opt.m)
        flush_tiny(opt.v)
    return n_trans


@njit(cache=True, inline="always")
def reset_episode(gradient, e, h, P, J, hist_count):
    """An episode ended: clear the TD traces, the activity and the gradient estimator's memory."""
    e[:] = 0.0
    h[:] = 0.0
    if gradient == GRAD_RFLO:
        P[:] = 0.0
    elif gradient == GRAD_RTRL:
        J[:, :] = 0.0
    else:
        hist_count[0] = 0
