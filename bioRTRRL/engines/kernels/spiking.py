"""Spiking cortex: leaky integrate-and-fire units and their e-prop eligibility (``circuit.unit = "lif"``).

One env step is ``substeps`` neural steps of length Δ (``circuit.neural_dt_ms``). Per unit i, with
α_i = exp(−Δ/τ_i) (the exact solution of τ dv/dt = I − v over Δ, in the form Brian2's ``exact``
integrator writes it, so that both engines compute the same numbers), each neural step does, in
Brian2's schedule order (groups → thresholds → synapses → resets):

1. *groups*: a unit that is not refractory integrates its input current, held for the env step,
   I_i = Σ_{j<D} W_ij x_j + b_i:  v_i ← I_i − I_i α_i + v_i α_i. The filtered spike train that the
   striatal readouts read decays, h_i ← κ h_i with κ = exp(−Δ/τ_out).
2. *thresholds*: z_i = [v_i ≥ v_th] for units that are not refractory.
3. *synapses*: the spikes jump the membranes of the other non-refractory units, v_i += W_ij z_j
   (recurrent columns of W; delta synapses without delay), in presynaptic order.
4. *resets*: a unit that spiked is set to v = 0, h_i += 1 − κ, and stays refractory (integrates
   nothing, ignores input spikes) until ``refractory_steps`` neural steps after its spike.

h is the exponentially weighted fraction of recent neural steps with a spike: at most 1, the rate
units' bound (a unit firing at r Hz has h ≈ r·Δ), so the readouts' learning stays stable whatever
the firing rates.

e-prop (Bellec et al. 2020, Nat Commun 11:3625, Eq. 23-25 and Methods "LIF neurons"): the
eligibility vector ε_ij = ∂v_i/∂W_ij along the synapse's own path (ε ← α ε + (1 − α) x_j for
input and bias columns; ε ← α ε, then + z_j when a spike of j arrives, for recurrent columns; 0
after the unit's own reset, which the rule treats as independent of W), the pseudo-derivative
ψ_i = (γ_pd / v_th) max(0, 1 − |v_i − v_th| / v_th) of the spike at the threshold test, and the
eligibility trace filtered like the spike train the readouts read, E_ij ← κ E_ij + (1 − κ) ψ_i ε_ij —
that is ∂h_i/∂W_ij with the recurrent paths dropped, RFLO's P for spiking units. The cortical
learning signal of the feedback synapses (B_C + η_π B_A ψ_actor, :func:`.cortex.cortical_signal`)
times E enters the dopamine-gated TD trace (:func:`eprop_traces`), as RFLO's P does for rate units
(Bellec et al. 2020, Fig. 5: reward-based e-prop).

Adaptation (ALIF; Bellec et al. 2020, Methods "LSNN" and Eq. 25-27; ``circuit.lif_adaptation_beta``
β > 0): each unit's threshold rises with its recent spikes, A_i = v_th + β a_i, where a_i decays by
ρ = exp(−Δ/τ_a) every neural step (in the *groups* slot, refractory or not) and jumps by 1 at the
unit's spike (*resets*); the threshold test and ψ (now of v − A) see the decayed a. The adaptation
adds a second eligibility vector ε^a_ij = ∂a_i/∂W_ij: per neural step ε^a ← ρ ε^a, then with the
pseudo-derivative of the spike, ∂z_i/∂W_ij = ψ_i (ε_ij − β ε^a_ij), E ← κ E + (1 − κ) ψ_i (ε − β ε^a)
and ε^a ← ε^a + ψ_i (ε − β ε^a) (the spike's jump of a; Bellec's ε^a_{t+1} = ψ_t ε^v_t +
(ρ − ψ_t β) ε^a_t with the decay taken before the threshold test). ε^a is not cleared by the
reset: a does not reset. β = 0 is the LIF unit, computed by the LIF code path unchanged.

The membrane time constants τ_i are theta's τ block, in ms, fixed (not learned). The kernel
advances the eligibility per unit and touches each synapse once per env step (:func:`lif_step`);
the Brian2 engine steps it synapse by synapse; both are the recursion above.
"""

from __future__ import annotations

import math

from ._jit import njit

#: Traces below this are set to 0 (:func:`flush_tiny`).
TINY = 1e-100


@njit(cache=True)
def flush_tiny(x):
    """Set entries below :data:`TINY` in magnitude to 0.

    A silent unit's filtered spikes, its eligibility, the TD traces and Adam's first moment of its
    synapses (whose gradient is then exactly 0) decay geometrically into subnormal numbers, whose
    arithmetic costs ~100× more; nothing this small moves a weight (Brian2's compiled code, built
    with -ffast-math, flushes subnormals to zero too).
    """
    for k in range(x.shape[0]):
        if abs(x[k]) < TINY:
            x[k] = 0.0


@njit(cache=True)
def lif_step(theta, N, Z, D, xi, h, v, refractory, E, eps, unit_mask, substeps, ref_steps,
             neural_dt, v_th, gamma_pd, tau_out, work, spikes, adapt, eps_a, beta, tau_a):
    """One env step of the LIF cortex: ``substeps`` neural steps, the e-prop traces along.

    The eligibility of every synapse is linear in its value at the start of the env step and in
    its inputs, so the neural steps advance per-unit coefficients only, and each synapse is
    touched once per env step (the same sums as stepping ε and E synapse by synapse, in another
    order; 10× fewer operations with 10 neural steps):

    - ε_ij = p_i ε⁰_ij + q_i x_j for input and bias columns (x = 1 for the bias), and
      ε_ij = p_i ε⁰_ij + Σ_s r_i(s) z_j(s) for recurrent columns (r_i(s): what a spike arriving at
      neural step s still contributes);
    - E_ij = κ^K E⁰_ij + s_i ε⁰_ij + t_i x_j, resp. + Σ_s u_i(s) z_j(s);
    - with adaptation also ε^a_ij = m_i ε⁰_ij + n_i ε^a⁰_ij + w_i x_j (resp. + Σ_s y_i(s) z_j(s)),
      and E gains s^a_i ε^a⁰_ij.

    Parameters
    ----------
    theta : ndarray
        Flat parameters (W row-major N × Z; τ in ms after it).
    xi : ndarray (Z,)
        [input x (D) | filtered spikes (N) | 1]; only the input and bias columns are read.
    h, v, refractory : ndarray (N,)
        Filtered spike trains (what the readouts read), membranes, neural steps left of each unit's
        refractory period (float counts); updated in place.
    E, eps : ndarray (N·Z,)
        e-prop eligibility trace and eligibility vector, W's layout; updated in place.
    unit_mask : ndarray (N,)
        0 = a silenced unit (never integrates nor spikes).
    work : ndarray (11 + 3 · substeps, N)
        Scratch space.
    spikes : ndarray (substeps, N)
        Receives z of every neural step (1.0 = spike).
    adapt : ndarray (N,)
        Adaptation variables a (ALIF), updated in place; not read when ``beta`` is 0.
    eps_a : ndarray (N·Z,)
        Adaptation eligibility vector ε^a, W's layout (empty when ``beta`` is 0).
    beta, tau_a : float
        Threshold increase per unit of a (membrane units; 0 = LIF) and a's time constant, seconds.
    """
    kappa = math.exp(-neural_dt / tau_out)
    gain = 1.0 - kappa  # a spike's increment of h
    alpha = work[0]; current = work[1]; fired = work[2]  # fired: this step's spiking units
    pe = work[3]; qe = work[4]; se = work[5]; te = work[6]
    r = work[7:7 + substeps]; u = work[7 + substeps:7 + 2 * substeps]
    adaptive = beta != 0.0
    # ALIF: coefficients of ε^a (m, n, w, y) and E's of ε^a⁰ (sa)
    m = work[7 + 2 * substeps]; n = work[8 + 2 * substeps]; w = work[9 + 2 * substeps]
    sa = work[10 + 2 * substeps]; y = work[11 + 2 * substeps:11 + 3 * substeps]
    rho = math.exp(-neural_dt / tau_a) if adaptive else 0.0
    o_tau = N * Z
    for i in range(N):
        # the same operands as Brian2's exp(-dt/tau), τ converted from ms to seconds
        alpha[i] = math.exp(-neural_dt / (theta[o_tau + i] * 0.001))
        row = i * Z
        acc = 0.0
        for j in range(D):
            acc += theta[row + j] * xi[j]
        current[i] = acc + theta[row + Z - 1]
        pe[i] = 1.0; qe[i] = 0.0; se[i] = 0.0; te[i] = 0.0
        if adaptive:
            m[i] = 0.0; n[i] = 1.0; w[i] = 0.0; sa[i] = 0.0
    r[:, :] = 0.0
    u[:, :] = 0.0
    if adaptive:
        y[:, :] = 0.0
    ke = 1.0
    for s in range(substeps):
        z = spikes[s]
        ke *= kappa
        # 1.-2. integrate, pseudo-derivative and threshold at the integrated membrane
        for i in range(N):
            if refractory[i] > 0.0:
                refractory[i] -= 1.0
            h[i] *= kappa
            se[i] *= kappa
            te[i] *= kappa
            for q in range(s):
                u[q, i] *= kappa
            if adaptive:  # a decays whether or not the unit is refractory, and ε^a with it
                adapt[i] *= rho
                sa[i] *= kappa
                m[i] *= rho; n[i] *= rho; w[i] *= rho
                for q in range(s):
                    y[q, i] *= rho
            z[i] = 0.0
            if refractory[i] > 0.0 or unit_mask[i] == 0.0:
                continue  # ε held, E decays
            a = alpha[i]
            cur = current[i]
            v[i] = cur - cur * a + v[i] * a
            if not adaptive:
                p = (gamma_pd / v_th) * max(0.0, 1.0 - abs(v[i] - v_th) / v_th) * gain  # ∂h/∂v
                pe[i] *= a
                qe[i] = a * qe[i] + (1.0 - a)
                se[i] += p * pe[i]
                te[i] += p * qe[i]
                for q in range(s):
                    r[q, i] *= a
                    u[q, i] += p * r[q, i]
                if v[i] >= v_th:
                    z[i] = 1.0
                continue
            pe[i] *= a
            qe[i] = a * qe[i] + (1.0 - a)
            for q in range(s):
                r[q, i] *= a
            # ψ of v − A; the spike's derivative ψ (ε − β ε^a) enters E and, as a's jump, ε^a
            threshold = v_th + beta * adapt[i]
            psi = (gamma_pd / v_th) * max(0.0, 1.0 - abs(v[i] - threshold) / v_th)
            d = psi * (pe[i] - beta * m[i])
            se[i] += gain * d; m[i] += d
            d = -psi * beta * n[i]
            sa[i] += gain * d; n[i] += d
            d = psi * (qe[i] - beta * w[i])
            te[i] += gain * d; w[i] += d
            for q in range(s):
                d = psi * (r[q, i] - beta * y[q, i])
                u[q, i] += gain * d; y[q, i] += d
            if v[i] >= threshold:
                z[i] = 1.0
        # 3. spikes reach the other non-refractory units, in presynaptic order (as Brian2 applies
        # its on_pre statements); each arriving spike adds 1 to the synapse's ε
        n_fired = 0
        for j in range(N):
            if z[j] == 1.0:
                fired[n_fired] = j
                n_fired += 1
        if n_fired == 0:
            continue
        for i in range(N):
            if z[i] == 1.0 or refractory[i] > 0.0 or unit_mask[i] == 0.0:
                continue
            row = i * Z + D
            for k in range(n_fired):
                v[i] += theta[row + int(fired[k])]
            r[s, i] = 1.0
        # 4. reset: the membrane no longer depends on W
        for i in range(N):
            if z[i] == 1.0:
                v[i] = 0.0
                h[i] += gain
                refractory[i] = ref_steps
                if adaptive:
                    adapt[i] += 1.0
                pe[i] = 0.0
                qe[i] = 0.0
                for q in range(s + 1):
                    r[q, i] = 0.0
    # every synapse once: E first (it reads the old ε)
    for i in range(N):
        if abs(h[i]) < TINY:
            h[i] = 0.0
        row = i * Z
        p_i = pe[i]; s_i = se[i]; t_i = te[i]; q_i = qe[i]
        if adaptive:  # E and ε^a first (they read the old ε and ε^a)
            m_i = m[i]; n_i = n[i]; w_i = w[i]; sa_i = sa[i]
            for j in range(Z):
                c = row + j
                x = 1.0 if j == Z - 1 else (xi[j] if j < D else 0.0)
                e0 = eps[c]; a0 = eps_a[c]
                E[c] = ke * E[c] + s_i * e0 + sa_i * a0 + t_i * x
                eps_a[c] = m_i * e0 + n_i * a0 + w_i * x
                eps[c] = p_i * e0 + q_i * x
            continue
        for j in range(D):
            e0 = eps[row + j]
            E[row + j] = ke * E[row + j] + s_i * e0 + t_i * xi[j]
            eps[row + j] = p_i * e0 + q_i * xi[j]
        for j in range(D, Z - 1):
            e0 = eps[row + j]
            E[row + j] = ke * E[row + j] + s_i * e0
            eps[row + j] = p_i * e0
        c = row + Z - 1
        e0 = eps[c]
        E[c] = ke * E[c] + s_i * e0 + t_i
        eps[c] = p_i * e0 + q_i
    for s in range(substeps):
        z = spikes[s]
        for j in range(N):
            if z[j] == 1.0:
                for i in range(N):
                    c = i * Z + D + j
                    eps[c] += r[s, i]
                    E[c] += u[s, i]
                    if adaptive:
                        eps_a[c] += y[s, i]
    flush_tiny(E)
    flush_tiny(eps)
    if adaptive:
        flush_tiny(eps_a)


@njit(cache=True)
def eprop_traces(N, Z, E, sig, disc, dlt, sig_h, eta_h, e, decay, delta_vec):
    """The dopamine-gated part of e-prop over the weights W (τ is fixed: its entries stay 0).

    Per synapse c of unit i: ``delta_vec`` += dlt · e (the old trace) + η_H · sig_h · E; then
    e ← ``decay`` · e + disc · sig · E (the learning signal times the eligibility trace enters the
    TD trace), as :func:`.cortex.rflo_step` does with RFLO's P.
    """
    for i in range(N):
        sd = disc * sig[i]
        sh = eta_h * sig_h[i]
        row = i * Z
        for j in range(Z):
            c = row + j
            ec = e[c]
            delta_vec[c] += dlt * ec + sh * E[c]
            e[c] = decay[c] * ec + sd * E[c]
