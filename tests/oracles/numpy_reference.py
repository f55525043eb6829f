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
        self.N, self.Z = self.p["W"].shape
        self.B, self.O, self.A = num_envs, obs_size, n_actions
        self.D = self.Z - self.N - 1
        self.continuous = continuous
        self.lo = np.full(n_actions, -np.inf) if lo is None else np.asarray(lo, float)
        self.hi = np.full(n_actions, np.inf) if hi is None else np.asarray(hi, float)
        N, Z, B = self.N, self.Z, self.B
        self.h = np.zeros((B, N))
        self.PW, self.Ptau = np.zeros((B, N, Z)), np.zeros((B, N))
        self.JW, self.Jtau = np.zeros((B, N, N, Z)), np.zeros((B, N, N))
        self.hist = [[] for _ in range(B)]  # BPTT window: (ξ, φ, h_old) per tick, oldest first
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

    # -- cortical gradient estimators: Σ_k s_k ∂h_k/∂(W, τ) --------------------------------
    def _estimate(self, b, s):
        hp = self.hp
        if hp.gradient == "rflo":
            return s[:, None] * self.PW[b], s * self.Ptau[b]
        if hp.gradient == "rtrl":
            return np.einsum("k,kij->ij", s, self.JW[b]), s @ self.Jtau[b]
        # truncated BPTT over the stored window, with the current W and τ
        W, tau, dt, D, N = self.p["W"], self.p["tau"], hp.dt, self.D, self.N
        gW, gtau, adj = np.zeros_like(W), np.zeros_like(tau), s.copy()
        for xi, phi, hold in reversed(self.hist[b]):
            q = adj * (dt / tau) * (1 - phi ** 2)  # adjoint through φ(u) at this tick
            gW += np.outer(q, xi)
            gtau += adj * dt * (hold - phi) / tau ** 2
            adj = adj * (1 - dt / tau) + W[:, D:D + N].T @ q  # back to h at the tick before
        return gW, gtau

    # -- one tick ---------------------------------------------------------------------------
    def step(self, obs, reward, terminated, truncated, fresh, actions):
        """Advance every env by one tick; ``actions`` are the ones the engine drew on it."""
        hp, p = self.hp, self.p
        N, D, dt = self.N, self.D, hp.dt
        W, tau = p["W"], p["tau"]
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
            h_new, phi = euler_step(W, tau, xi, h_old, dt)
            # the gradient estimator advances with the *old* h (docs/algorithm.md §3)
            if hp.gradient == "rflo":
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
            GW, Gtau = self._estimate(b, sig)
            grad = {"W": GW, "tau": Gtau, "K_A": hp.eta_pi * np.outer(h, psi), "w_C": h.copy(),
                    "b_C": np.array(1.0)}
            # δ for the transition into this tick; none on a fresh tick
            if fresh[b]:
                delta = 0.0
            else:
                boot = 0.0 if terminated[b] else hp.gamma * v
                delta = reward[b] + boot - self.v_prev[b]
                n_trans += 1
                for k in PARAMS:  # the traces *before* this tick's gradient enters them
                    direction[k] = direction[k] + delta * self.e[b][k]
                if hp.eta_h > 0:
                    HW, Htau = self._estimate(b, self.BA @ chi)
                    direction["W"] = direction["W"] + hp.eta_h * HW
                    direction["tau"] = direction["tau"] + hp.eta_h * Htau
                    direction["K_A"] = direction["K_A"] + hp.eta_h * np.outer(h, chi)
            self.delta[b] = delta
            lam = {"W": hp.lam_cortex, "tau": hp.lam_cortex, "K_A": hp.lam_actor,
                   "w_C": hp.lam_critic, "b_C": hp.lam_critic}
            new_e.append({k: hp.gamma * lam[k] * self.e[b][k] + I * grad[k] for k in PARAMS})
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
        lr = {"W": hp.lr_cortex, "tau": hp.lr_cortex, "K_A": hp.lr_readout,
              "w_C": hp.lr_critic, "b_C": hp.lr_critic}
        self.t += 1
        for k in PARAMS:
            if hp.optimizer == "adam":
                # Kingma & Ba, Algorithm 1, as ascent: bias-corrected moments, ε outside the root
                self.m[k] = hp.beta1 * self.m[k] + (1 - hp.beta1) * d[k]
                self.v[k] = hp.beta2 * self.v[k] + (1 - hp.beta2) * d[k] ** 2
                m_hat = self.m[k] / (1 - hp.beta1 ** self.t)
                v_hat = self.v[k] / (1 - hp.beta2 ** self.t)
                p[k] = p[k] + lr[k] * m_hat / (np.sqrt(v_hat) + hp.eps)
            else:
                p[k] = p[k] + lr[k] * d[k]
        self.tau_clips += int(np.sum(p["tau"] < hp.tau_min))
        p["tau"] = np.maximum(p["tau"], hp.tau_min)
