"""RTRRL written out in plain NumPy from docs/algorithm.md §2–§5: the oracle the engine is compared to.

Nothing here imports the engine or its kernels. The code is deliberately naive (dense
``einsum``, Python loops over envs, named arrays instead of a flat vector) so that it reads like
the equations; its own building blocks (policy scores, RFLO/RTRL/BPTT gradients) are checked
against finite differences in ``test_finite_differences.py``.

Episode protocol (kernels/tick.py docstring, docs/algorithm.md §4–§5): on the tick an episode ends, δ
uses the old traces and the update is applied; then h, P / J / the BPTT window and e are reset.
The next tick is *fresh*: h = 0, the action/reward input is 0, there is no TD transition (δ = 0),
and its gradient starts the new traces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PARAMS = ("W", "tau", "K_A", "w_C", "b_C")
#: The LRU cortex's parameters (``circuit.unit = "lru"``) in W's and τ's place.
LRU_PARAMS = ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "D", "C_re", "C_im")
READOUTS = ("K_A", "w_C", "b_C")


# --- policies ----------------------------------------------------------------------------------

def softmax_logp(y):
    z = y - y.max()
    return z - math.log(np.exp(z).sum())


def discrete_log_prob(y, a):
    return softmax_logp(y)[a]


def discrete_entropy(y):
    logp = softmax_logp(y)
    return -(np.exp(logp) * logp).sum()


def discrete_scores(y, a):
    """ψ = ∂log π(a)/∂y = onehot(a) − π;  χ = ∂H/∂y = −π ⊙ (log π + H)."""
    logp = softmax_logp(y)
    pi = np.exp(logp)
    H = -(pi * logp).sum()
    psi = -pi
    psi[a] += 1.0
    return psi, -pi * (logp + H)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def gaussian_loc_scale(y, lo, hi):
    """μ = lo + (hi − lo)·sigmoid(m) on bounded dimensions (else m); σ = softplus(−2 + 4 sigmoid(s))."""
    A = len(lo)
    m, s = y[:A], y[A:]
    mu = np.array([lo[k] + (hi[k] - lo[k]) * _sigmoid(m[k]) if _bounded(lo[k], hi[k]) else m[k]
                   for k in range(A)])
    return mu, _softplus(-2.0 + 4.0 * _sigmoid(s))


def _bounded(lo, hi):
    return math.isfinite(lo) and math.isfinite(hi)


def gaussian_log_prob(y, a_raw, lo, hi):
    mu, sigma = gaussian_loc_scale(y, lo, hi)
    return float(np.sum(-0.5 * ((a_raw - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi)))


def gaussian_entropy(y, lo, hi):
    _, sigma = gaussian_loc_scale(y, lo, hi)
    return float(np.sum(0.5 * np.log(2 * math.pi * math.e * sigma ** 2)))


def gaussian_scores(y, a_raw, lo, hi):
    """ψ and χ of the Gaussian actor by the chain rule through μ(m) and σ(s), at the raw sample."""
    A = len(lo)
    m, s = y[:A], y[A:]
    mu, sigma = gaussian_loc_scale(y, lo, hi)
    sm = _sigmoid(m)
    dmu = np.array([(hi[k] - lo[k]) * sm[k] * (1 - sm[k]) if _bounded(lo[k], hi[k]) else 1.0
                    for k in range(A)])
    ss = _sigmoid(s)
    dsigma = _sigmoid(-2.0 + 4.0 * ss) * 4.0 * ss * (1 - ss)  # softplus' = sigmoid
    r = a_raw - mu
    psi = np.concatenate([r / sigma ** 2 * dmu, (-1.0 / sigma + r ** 2 / sigma ** 3) * dsigma])
    chi = np.concatenate([np.zeros(A), dsigma / sigma])
    return psi, chi


# --- cortex ------------------------------------------------------------------------------------

def euler_step(W, tau, xi, h, dt):
    """CT-RNN forward Euler: h_t = h + (dt/τ)(tanh(W ξ) − h). Returns (h_t, φ(u))."""
    phi = np.tanh(W @ xi)
    return h + (dt / tau) * (phi - h), phi


def episode_states(W, tau, xs, dt):
    """h_1..h_T of one episode from h_0 = 0 given the inputs x_1..x_T (the FD oracle's forward)."""
    N = W.shape[0]
    h = np.zeros(N)
    out = []
    for x in xs:
        h, _ = euler_step(W, tau, np.concatenate([x, h, [1.0]]), h, dt)
        out.append(h)
    return np.array(out)


@dataclass
class Hyper:
    """Every hyper-parameter the oracle needs, written out (no engine defaults are trusted)."""

    dt: float
    gamma: float
    lam_actor: float
    lam_critic: float
    lam_cortex: float
    eta_pi: float
    eta_h: float
    gradient: str  # rflo | rtrl | bptt
    bptt_window: int
    episodic: bool
    meta: bool
    plastic: bool
    optimizer: str  # adam | sgd
    lr_cortex: float
    lr_readout: float
    lr_critic: float
    beta1: float
    beta2: float
    eps: float
    clip: float
    tau_min: float
    unit: str = "tanh"  # or "lru"


class NumpyRTRRL:
    """The whole circuit for B envs, one :meth:`step` per tick, state kept by name.

    Parameters
    ----------
    hp : Hyper
    params : dict
        Initial W (N×Z), tau, K_A (N×P), w_C, b_C (copied).
    feedback : (B_A (N×P), B_C (N))
    num_envs, obs_size, n_actions : int
    continuous : bool
    lo, hi : array (A,), optional
        Box bounds of a Gaussian actor.
    """

    def __init__(self, hp: Hyper, params, feedback, num_envs, obs_size, n_actions,
                 continuous=False, lo=None, hi=None):
        self.hp = hp
        self.p = {k: np.array(v, dtype=float, copy=True) for k, v in params.items()}
        self.BA, self.BC = (np.array(f, dtype=float) for f in feedback)
        self.lru = hp.unit == "lru"
        self.keys = (LRU_PARAMS if self.lru else ("W", "tau")) + READOUTS
        self.B, self.O, self.A = num_envs, obs_size, n_actions
        if self.lru:
            self.N, self.D = self.p["B_re"].shape
            self.Z = self.D + self.N + 1
        else:
            self.N, self.Z = self.p["W"].shape
            self.D = self.Z - self.N - 1
        self.continuous = continuous
        self.lo = np.full(n_actions, -np.inf) if lo is None else np.asarray(lo, float)
        self.hi = np.full(n_actions, np.inf) if hi is None else np.asarray(hi, float)
        N, Z, B = self.N, self.Z, self.B
        self.h = np.zeros((B, N))
        self.PW, self.Ptau = np.zeros((B, N, Z)), np.zeros((B, N))
        self.JW, self.Jtau = np.zeros((B, N, N, Z)), np.zeros((B, N, N))
        self.hist = [[] for _ in range(B)]  # BPTT window: (ξ, φ, h_old) per tick, oldest first
        # LRU: complex state s, its influences ∂s/∂λ, ∂s/∂γ, ∂s/∂B_re, and the pre-activation
        self.s, self.Elam, self.Egam = (np.zeros((B, N), complex) for _ in range(3))
        self.EB = np.zeros((B, N, self.D), complex)
        self.a_pre, self.x_in = np.zeros((B, N)), np.zeros((B, self.D))
        self.e = [self._zeros() for _ in range(B)]
        self.v_prev = np.zeros(B)
        self.discount = np.ones(B)
        self.a_in = np.zeros((B, n_actions))
        self.m, self.v = self._zeros(), self._zeros()
        self.t = 0
        self.delta = np.zeros(B)
        self.tau_clips = 0  # how often τ < τ_min was clipped (tests check their setting needs it)
        self.last_direction = None  # the batch-mean update direction of the last step

    def _zeros(self):
        return {k: np.zeros_like(v) for k, v in self.p.items()}

    # -- the LRU cortex (Orvieto et al. 2023), in complex arithmetic --------------------------
    def _lru_forward(self, b, x):
        """Influences from s_{t−1}, then s_t and h_t = silu(Re(C s_t) + D x_t)."""
        p = self.p
        lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
        gam = np.exp(p["gamma_log"])
        Bx = (p["B_re"] + 1j * p["B_im"]) @ x
        self.Elam[b] = lam * self.Elam[b] + self.s[b]
        self.Egam[b] = lam * self.Egam[b] + Bx
        self.EB[b] = lam[:, None] * self.EB[b] + np.outer(gam, x)
        self.s[b] = lam * self.s[b] + gam * Bx
        a = ((p["C_re"] + 1j * p["C_im"]) @ self.s[b]).real + p["D"] @ x
        self.a_pre[b], self.x_in[b] = a, x
        return a * _sigmoid(a)

    def _lru_gradient(self, b, sig):
        """∂(sigᵀh_t)/∂θ: through silu and C, then the state's adjoint α (L = Re(ᾱ·s))."""
        p, a, s, x = self.p, self.a_pre[b], self.s[b], self.x_in[b]
        sg = _sigmoid(a)
        q = sig * sg * (1 + a * (1 - sg))
        alpha = p["C_re"].T @ q - 1j * (p["C_im"].T @ q)
        lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))

        def real(influence):  # gradient of a real parameter with this complex influence on s
            return (np.conj(alpha if influence.ndim == 1 else alpha[:, None]) * influence).real

        return {"nu_log": real(-np.exp(p["nu_log"]) * lam * self.Elam[b]),
                "theta_log": real(1j * np.exp(p["theta_log"]) * lam * self.Elam[b]),
                "gamma_log": real(np.exp(p["gamma_log"]) * self.Egam[b]),
                "B_re": real(self.EB[b]), "B_im": real(1j * self.EB[b]),
                "D": np.outer(q, x), "C_re": np.outer(q, s.real), "C_im": np.outer(q, -s.imag)}

    # -- cortical gradient estimators: Σ_k s_k ∂h_k/∂(W, τ) --------------------------------
    def _estimate(self, b, s):
        hp = self.hp
        if self.lru:
            return self._lru_gradient(b, s)
        if hp.gradient == "rflo":
            return {"W": s[:, None] * self.PW[b], "tau": s * self.Ptau[b]}
        if hp.gradient == "rtrl":
            return {"W": np.einsum("k,kij->ij", s, self.JW[b]), "tau": s @ self.Jtau[b]}
        # truncated BPTT over the stored window, with the current W and τ
        W, tau, dt, D, N = self.p["W"], self.p["tau"], hp.dt, self.D, self.N
        gW, gtau, adj = np.zeros_like(W), np.zeros_like(tau), s.copy()
        for xi, phi, hold in reversed(self.hist[b]):
            q = adj * (dt / tau) * (1 - phi ** 2)  # adjoint through φ(u) at this tick
            gW += np.outer(q, xi)
            gtau += adj * dt * (hold - phi) / tau ** 2
            adj = adj * (1 - dt / tau) + W[:, D:D + N].T @ q  # back to h at the tick before
        return {"W": gW, "tau": gtau}

    # -- one tick ---------------------------------------------------------------------------
    def step(self, obs, reward, terminated, truncated, fresh, actions):
        """Advance every env by one tick; ``actions`` are the ones the engine drew on it."""
        hp, p = self.hp, self.p
        N, D, dt = self.N, self.D, hp.dt
        direction = self._zeros()
        new_e = []
        n_trans = 0
        for b in range(self.B):
            if hp.episodic:
                self.discount[b] = 1.0 if fresh[b] else hp.gamma * self.discount[b]
            I = self.discount[b]
            if hp.meta:
                keep = 0.0 if fresh[b] else 1.0
                x = np.concatenate([obs[b], keep * self.a_in[b], [keep * reward[b]]])
            else:
                x = np.asarray(obs[b], float)
            h_old = self.h[b].copy()
            xi = np.concatenate([x, h_old, [1.0]])
            if self.lru:
                h_new = self._lru_forward(b, x)
            else:
                W, tau = p["W"], p["tau"]
                h_new, phi = euler_step(W, tau, xi, h_old, dt)
            # the gradient estimator advances with the *old* h (docs/algorithm.md §3)
            if self.lru:
                pass  # the LRU's influences advanced in its forward pass
            elif hp.gradient == "rflo":
                self.PW[b] = (1 - dt / tau)[:, None] * self.PW[b] + (dt * (1 - phi ** 2) / tau)[:, None] * xi
                self.Ptau[b] = (1 - dt / tau) * self.Ptau[b] + dt * (h_old - phi) / tau ** 2
            elif hp.gradient == "rtrl":
                M = np.diag(1 - dt / tau) + (dt * (1 - phi ** 2) / tau)[:, None] * W[:, D:D + N]
                JW = np.einsum("km,mij->kij", M, self.JW[b])
                for k in range(N):
                    JW[k, k] += dt * (1 - phi[k] ** 2) / tau[k] * xi
                self.JW[b] = JW
                self.Jtau[b] = M @ self.Jtau[b] + np.diag(dt * (h_old - phi) / tau ** 2)
            else:
                self.hist[b] = (self.hist[b] + [(xi, phi, h_old)])[-hp.bptt_window:]
            self.h[b] = h = h_new
            # heads on h_t, with the engine's action draw
            v = p["w_C"] @ h + p["b_C"]
            y = p["K_A"].T @ h
            if self.continuous:
                a_raw = np.asarray(actions[b], float)  # tests keep the sample inside the Box
                psi, chi = gaussian_scores(y, a_raw, self.lo, self.hi)
                self.a_in[b] = a_raw
            else:
                a = int(actions[b])
                psi, chi = discrete_scores(y, a)
                self.a_in[b] = np.eye(self.A)[a]
            # learning signal through the fixed feedback synapses
            sig = self.BC + hp.eta_pi * self.BA @ psi
            grad = {**self._estimate(b, sig), "K_A": hp.eta_pi * np.outer(h, psi),
                    "w_C": h.copy(), "b_C": np.array(1.0)}
            # δ for the transition into this tick; none on a fresh tick
            if fresh[b]:
                delta = 0.0
            else:
                boot = 0.0 if terminated[b] else hp.gamma * v
                delta = reward[b] + boot - self.v_prev[b]
                n_trans += 1
                for k in self.keys:  # the traces *before* this tick's gradient enters them
                    direction[k] = direction[k] + delta * self.e[b][k]
                if hp.eta_h > 0:
                    for k, H in self._estimate(b, self.BA @ chi).items():
                        direction[k] = direction[k] + hp.eta_h * H
                    direction["K_A"] = direction["K_A"] + hp.eta_h * np.outer(h, chi)
            self.delta[b] = delta
            lam = {"K_A": hp.lam_actor, "w_C": hp.lam_critic, "b_C": hp.lam_critic}
            new_e.append({k: hp.gamma * lam.get(k, hp.lam_cortex) * self.e[b][k] + I * grad[k]
                          for k in self.keys})
            self.v_prev[b] = v
        if n_trans > 0 and hp.plastic:
            self._update({k: d / self.B for k, d in direction.items()})  # the batch *mean*
        for b in range(self.B):
            if terminated[b] or truncated[b]:
                self.e[b] = self._zeros()
                self.h[b] = 0.0
                self.PW[b], self.Ptau[b] = 0.0, 0.0
                self.JW[b], self.Jtau[b] = 0.0, 0.0
                self.hist[b] = []
                self.s[b], self.Elam[b], self.Egam[b], self.EB[b] = 0.0, 0.0, 0.0, 0.0
            else:
                self.e[b] = new_e[b]
        return self.delta.copy()

    def _update(self, d):
        hp, p = self.hp, self.p
        if hp.clip > 0:
            norm = math.sqrt(sum(float(np.sum(x ** 2)) for x in d.values()))
            if norm > hp.clip:
                d = {k: x * (hp.clip / norm) for k, x in d.items()}
        self.last_direction = d
        lr = {"K_A": hp.lr_readout, "w_C": hp.lr_critic, "b_C": hp.lr_critic}
        self.t += 1
        for k in self.keys:
            if hp.optimizer == "adam":
                # Kingma & Ba, Algorithm 1, as ascent: bias-corrected moments, ε outside the root
                self.m[k] = hp.beta1 * self.m[k] + (1 - hp.beta1) * d[k]
                self.v[k] = hp.beta2 * self.v[k] + (1 - hp.beta2) * d[k] ** 2
                m_hat = self.m[k] / (1 - hp.beta1 ** self.t)
                v_hat = self.v[k] / (1 - hp.beta2 ** self.t)
                p[k] = p[k] + lr.get(k, hp.lr_cortex) * m_hat / (np.sqrt(v_hat) + hp.eps)
            else:
                p[k] = p[k] + lr.get(k, hp.lr_cortex) * d[k]
        if self.lru:  # the LRU has no time constants to clip
            return
        self.tau_clips += int(np.sum(p["tau"] < hp.tau_min))
        p["tau"] = np.maximum(p["tau"], hp.tau_min)
