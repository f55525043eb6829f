"""The one place the oracle tests touch the reference engine.

The oracles in this folder must survive the refactoring of ``kernels.py`` / ``reference.py``
(named configuration and state, a circuit description). Every test reads and drives the engine
through :class:`EngineAccess` and the two head functions below, never through engine attributes,
flat layouts or kernel functions directly: when names or layouts change, only this module changes.

Conventions (independent of the engine's internal layout)
---------------------------------------------------------
- parameters by name: ``W`` (N × Z, columns ξ = [x; h; 1]), ``tau`` (N), ``K_A`` (N × P),
  ``w_C`` (N), ``b_C`` (scalar);
- per-env state carries a leading env axis B: ``h`` (B × N), RFLO ``P`` as ``{"W": B×N×Z,
  "tau": B×N}``, RTRL ``J`` as ``{"W": B×N×N×Z, "tau": B×N×N}`` with ``J["W"][b, k, i, j] =
  ∂h_k/∂W_ij`` and ``J["tau"][b, k, i] = ∂h_k/∂τ_i``, TD traces ``e`` named like the parameters;
- the LRU cortex (``circuit.unit = "lru"``): its parameters by name in W's and τ's place
  (``nu_log``, ``theta_log``, ``gamma_log`` (N), ``B_re``, ``B_im``, ``D`` (N × D), ``C_re``,
  ``C_im`` (N × N)) and its state by :meth:`EngineAccess.lru_state`;
- everything returned is a copy (the engine overwrites its buffers every tick).
"""

from __future__ import annotations

import numpy as np

import bioRTRRL as br
from bioRTRRL.engines import kernels as _K
from bioRTRRL.engines.parameters import CircuitDims
from bioRTRRL.engines.reference import ReferenceEngine

PARAMS = ("W", "tau", "K_A", "w_C", "b_C")
LRU_PARAMS = ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "D", "C_re", "C_im")


class EngineAccess:
    """A reference engine built from a model dict, driven tick by tick without an environment.

    Parameters
    ----------
    model : dict
        Model specification (``br.load_model`` fills the rest with defaults).
    obs_size : int
        O, observation components.
    n_actions : int
        Discrete actions, or continuous action dimensions when ``continuous``.
    continuous : bool
        Gaussian actor on a Box (bounds ``action_low``/``action_high``, default unbounded).
    num_envs, seed : int
    """

    def __init__(self, model: dict, obs_size: int, n_actions: int, continuous: bool = False,
                 num_envs: int = 1, seed: int = 0, action_low=None, action_high=None):
        self.model = br.load_model(model)
        m = self.model
        self.lru = m.circuit.unit == "lru"
        self.dims = CircuitDims.build(m.circuit.cortex_size, obs_size, n_actions, continuous,
                                      m.circuit.meta_rl_input, lru=self.lru)
        self.keys = (LRU_PARAMS + PARAMS[2:]) if self.lru else PARAMS
        self._eng = ReferenceEngine(m, self.dims, num_envs, seed, action_low, action_high)
        d = self.dims
        self.N, self.O, self.A, self.D, self.Z, self.P = d.N, d.O, d.A, d.D, d.Z, d.P
        self.B = num_envs
        self.continuous = continuous
        # persistent input buffers, as a driver passes them (the engine binds to these arrays)
        self._obs = np.zeros((num_envs, obs_size))
        self._reward = np.zeros(num_envs)
        self._term = np.zeros(num_envs, dtype=bool)
        self._trunc = np.zeros(num_envs, dtype=bool)
        self._fresh = np.zeros(num_envs, dtype=bool)

    # -- driving ------------------------------------------------------------------------------
    def tick(self, obs, reward, terminated, truncated, fresh) -> None:
        """One engine tick for the whole batch (the kernel's episode protocol)."""
        self._obs[:] = obs
        self._reward[:] = reward
        self._term[:] = terminated
        self._trunc[:] = truncated
        self._fresh[:] = fresh
        self._eng.tick(self._obs, self._reward, self._term, self._trunc, self._fresh)

    # -- parameters ---------------------------------------------------------------------------
    def params(self) -> dict[str, np.ndarray]:
        p = self._eng.params
        out = {k: p[k].copy() for k in self.keys}
        out["b_C"] = float(out["b_C"][0])
        return out

    def set_params(self, **values) -> None:
        """Overwrite named parameters before a test starts (e.g. W's recurrent block = 0)."""
        p = self._eng.params
        for k, v in values.items():
            p[k][...] = v

    def feedback(self) -> tuple[np.ndarray, np.ndarray]:
        """(B_A (N × P), B_C (N)) — the fixed feedback synapses that carry the learning signal."""
        fb_a, fb_c = self._eng.feedback
        return fb_a.reshape(self.N, self.P).copy(), fb_c.copy()

    # -- per-env state ------------------------------------------------------------------------
    def h(self) -> np.ndarray:
        return self._eng.h.copy()

    def rflo_P(self) -> dict[str, np.ndarray]:
        N, Z, B = self.N, self.Z, self.B
        P = self._eng.P
        return {"W": P[:, :N * Z].reshape(B, N, Z).copy(),
                "tau": P[:, N * Z:N * Z + N].copy()}

    def lru_state(self) -> dict[str, np.ndarray]:
        """The LRU's per-env state, complex (B × ...): s, ∂s/∂λ (Elam), ∂s/∂γ (Egam) (N each),
        ∂s/∂B_re (EB, N × D)."""
        views = [_K.lru.named_state(S, self.N, self.D) for S in self._eng.P]
        return {k: np.array([v[f"{k}_re"] + 1j * v[f"{k}_im"] for v in views])
                for k in ("s", "Elam", "Egam", "EB")}

    def rtrl_J(self) -> dict[str, np.ndarray]:
        N, Z, B = self.N, self.Z, self.B
        J = self._eng.J
        return {"W": J[:, :, :N * Z].reshape(B, N, N, Z).copy(),
                "tau": J[:, :, N * Z:N * Z + N].copy()}

    def traces(self) -> dict[str, np.ndarray]:
        """TD(λ) eligibility traces e, per env, named like the parameters (b_C: shape (B,))."""
        return self._split(self._eng.e, batch=True)

    def discount(self) -> np.ndarray:
        """I = γ^t of the episodic discount, per env (1 when the option is off)."""
        return self._eng.discount.copy()

    def delta(self) -> np.ndarray:
        """δ (dopamine) of the last tick, per env."""
        return self._eng.delta.copy()

    def actions(self) -> np.ndarray:
        """Last tick's actions: (B,) int indices, or (B, A) clipped continuous actions."""
        return np.array(self._eng.actions, copy=True)

    # -- optimizer ----------------------------------------------------------------------------
    def adam_moments(self) -> tuple[dict, dict]:
        """Adam's first and second moments (m, v), named like the parameters."""
        return self._split(self._eng.adam_m), self._split(self._eng.adam_v)

    def step_count(self) -> int:
        """Optimizer steps taken so far (Adam's t)."""
        return int(self._eng.opt_state[0])

    # -- helpers ------------------------------------------------------------------------------
    def _split(self, flat, batch=False):
        lay = _K.layout(self.N, self.Z, self.P)
        if self.lru:
            rows = flat[None] if not batch else flat
            parts = [{**_K.lru.named(r[lay["cortex"]], self.N, self.D),
                      "K_A": r[lay["K_A"]].reshape(self.N, self.P), "w_C": r[lay["w_C"]],
                      "b_C": r[lay["b_C"]].reshape(())} for r in rows]
            out = {k: np.array([q[k] for q in parts]) for k in self.keys}
            return out if batch else {k: v[0] for k, v in out.items()}
        shapes = {"W": (self.N, self.Z), "tau": (self.N,), "K_A": (self.N, self.P),
                  "w_C": (self.N,), "b_C": ()}
        lead = (flat.shape[0],) if batch else ()
        return {k: flat[..., lay[k]].reshape(lead + shapes[k]).copy() for k in PARAMS}


def discrete_head(y, u):
    """The engine's discrete policy on logits ``y`` with uniform draw ``u``.

    Returns (action, ψ = ∂log π(a)/∂y, χ = ∂H/∂y).
    """
    y = np.asarray(y, dtype=np.float64)
    psi, chi, onehot = np.zeros_like(y), np.zeros_like(y), np.zeros_like(y)
    a = _K.select_discrete(y, float(u), psi, chi, onehot)
    return int(a), psi, chi


def gaussian_head(y, noise, lo, hi):
    """The engine's Gaussian policy on outputs ``y`` = [m (A), s (A)] with standard normals ``noise``.

    Returns (clipped action, ψ = ∂log π(a_raw)/∂y, χ = ∂H/∂y); ±inf bounds mean unbounded.
    """
    y = np.asarray(y, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    bounded = np.isfinite(lo) & np.isfinite(hi)
    psi, chi, action = np.zeros_like(y), np.zeros_like(y), np.zeros_like(noise)
    _K.select_gaussian(y, noise, lo, hi, bounded, psi, chi, action)
    return action, psi, chi
