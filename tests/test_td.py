"""TD(λ) in the reference engine against the textbook.

The circuit's cortex is frozen into a fixed feature map (no recurrence, τ = 1, no plasticity), so
the critic is a linear TD(λ) learner on features [h_t; 1]. Then:

- true online TD(λ) (dutch traces) with SGD equals the online λ-return algorithm (van Seijen et al.
  2016, Sutton & Barto §12.4–12.5) weight for weight;
- accumulating TD(λ) on a Markov chain converges to the analytic values V = (I − γ P̃)⁻¹ r̄.
"""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import bioRTRRL as br
from bioRTRRL.experiment import Session

K_STATES = 5


class RandomChain(gym.Env):
    """Markov chain with one-hot observations; the (single) action does nothing.

    From state s the next state is s' ~ T[s]; the reward is R[s'] and the episode terminates on
    arrival with probability ``p_end`` (or after ``length`` transitions when ``length`` > 0).
    """

    metadata = {"render_modes": []}

    def __init__(self, p_end=0.1, length=0, chain_seed=3):
        rng = np.random.default_rng(chain_seed)
        self.T = rng.dirichlet(np.ones(K_STATES), size=K_STATES)
        self.R = rng.normal(size=K_STATES)
        self.p_end, self.length = p_end, length
        self.observation_space = spaces.Box(0.0, 1.0, (K_STATES,), np.float64)
        self.action_space = spaces.Discrete(1)

    def _obs(self):
        o = np.zeros(K_STATES)
        o[self.s] = 1.0
        return o

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = int(self.np_random.integers(K_STATES))
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        self.s = int(self.np_random.choice(K_STATES, p=self.T[self.s]))
        self.t += 1
        if self.length:
            term = self.t >= self.length
        else:
            term = bool(self.np_random.random() < self.p_end)
        return self._obs(), float(self.R[self.s]), term, False, {}


gym.register("test/RandomChain-v0", entry_point=RandomChain)


def _linear_critic_session(critic_trace, lr, lam, gamma, env_kwargs, seed=0):
    model = br.load_model({
        "task": {"env": "test/RandomChain-v0", "kwargs": env_kwargs},
        "circuit": {"cortex_size": 8, "meta_rl_input": False, "train_tau": False},
        "learning": {"critic_trace": critic_trace, "gamma": gamma, "lambda_critic": lam,
                     "entropy": 0.0},
        "optimizer": {"kind": "sgd", "lr_readout": lr, "lr_cortex": 0.0, "clip_norm": 0.0},
        "recording": {"variables": ["obs", "reward", "value", "dopamine"]},
    })
    s = Session(model, seed)
    p = s.engine.params
    D, N = s.dims.D, s.dims.N
    p["W"][:, D:D + N] = 0.0  # no recurrence: h_t is a fixed function of the current state
    p["tau"][:] = 1.0
    return s


def _online_lambda_return(phis, rewards, w0, alpha, gamma, lam):
    """Weights after one episode of the online λ-return algorithm (forward view).

    ``phis[t]`` are the features of S_t (t = 0..T, S_T terminal), ``rewards[t]`` = R_{t+1}.
    The n-step returns bootstrap with the weights the algorithm had at time t+n−1 (its diagonal).
    """
    T = len(rewards)
    diag = [w0.copy()]  # w_t^t
    for h in range(1, T + 1):
        w = w0.copy()
        for t in range(h):
            def G(n):
                g = sum(gamma ** (i - 1) * rewards[t + i - 1] for i in range(1, n + 1))
                if t + n < T:  # S_T is terminal: value 0
                    g += gamma ** n * diag[t + n - 1] @ phis[t + n]
                return g
            nmax = h - t
            lam_ret = (1 - lam) * sum(lam ** (n - 1) * G(n) for n in range(1, nmax)) \
                + lam ** (nmax - 1) * G(nmax)
            w = w + alpha * (lam_ret - w @ phis[t]) * phis[t]
        diag.append(w)
    return diag[-1]


def test_true_online_td_equals_online_lambda_return():
    alpha, gamma, lam, T = 0.05, 0.9, 0.8, 30
    s = _linear_critic_session("dutch", alpha, lam, gamma, {"length": T})
    eng = s.engine
    w0 = np.concatenate([eng.params["w_C"], eng.params["b_C"]]).copy()
    s.advance(T + 1)  # fresh tick + T transitions; the last one terminates
    ds = s.finish()
    assert bool(ds.terminated[T]) and not ds.terminated[:T].any()
    # the recording stores float32; recompute h in float64 from the frozen feature map
    h = _features(s, ds, T)
    phis = np.concatenate([h, np.ones((T + 1, 1))], axis=1)
    rewards = ds.reward.values[1:T + 1]
    w_forward = _online_lambda_return(phis, rewards, w0, alpha, gamma, lam)
    w_engine = np.concatenate([eng.params["w_C"], eng.params["b_C"]])
    np.testing.assert_allclose(w_engine, w_forward, rtol=0, atol=1e-10)
    assert np.abs(w_engine - w0).max() > 1e-3  # learning happened


def _features(session, ds, T):
    """h_t = tanh(W_in o_t + b) for the recorded observations (τ = 1, no recurrence)."""
    p = session.engine.params
    D = session.dims.D
    obs = ds.obs.values[: T + 1].astype(np.float64)
    return np.tanh(obs @ p["W"][:, :D].T + p["W"][:, -1])


def test_accumulating_td_lambda_converges_to_analytic_values():
    """Polyak average of the value estimates over the second half of training ≈ the true V.

    The step size is small because the engine's δ uses v(h_{t−1}) from the previous tick's weights
    (docs/algorithm.md §4), which biases the fixed point by O(α).
    """
    gamma, lam, p_end = 0.9, 0.7, 0.1
    s = _linear_critic_session("accumulating", 0.002, lam, gamma, {"p_end": p_end}, seed=1)
    s.advance(100_000)
    p = s.engine.params
    D = s.dims.D
    h = np.tanh(np.eye(K_STATES) @ p["W"][:, :D].T + p["W"][:, -1])
    estimates = []
    for _ in range(100):
        s.advance(1_000)
        estimates.append(h @ p["w_C"] + p["b_C"][0])
    env = RandomChain(p_end=p_end)
    # V(s) = Σ_s' T[s,s'] (R[s'] + γ (1 − p_end) V(s'))
    V = np.linalg.solve(np.eye(K_STATES) - gamma * (1 - p_end) * env.T, env.T @ env.R)
    np.testing.assert_allclose(np.mean(estimates, axis=0), V, atol=0.03 * np.abs(V).max())


def test_episodic_discount_scales_the_gradient_entering_the_traces_by_gamma_to_the_t():
    """With λ = 0 a trace holds only the last gradient: I·∇ with I = γ^t (Sutton & Barto §13.6)."""
    def session(episodic):
        model = br.load_model({"circuit": {"cortex_size": 6}, "learning": {
            "lambda_actor": 0.0, "lambda_critic": 0.0, "lambda_cortex": 0.0, "gamma": 0.9,
            "episodic_discount": episodic}})
        s = Session(model, seed=2)
        s.advance(7)
        return s

    on, off = session(True), session(False)
    t = int(on.driver.t_in_episode[0])
    assert t >= 3 and not (on.driver.terminated[0] or on.driver.truncated[0])
    NC = on.dims.N * on.dims.Z + on.dims.N
    readout = on.engine._grad[0, NC:]
    np.testing.assert_allclose(on.engine.e[0, NC:], 0.9 ** t * readout, rtol=1e-12)
    np.testing.assert_array_equal(off.engine.e[0, NC:], off.engine._grad[0, NC:])
    assert on.engine.discount[0] == pytest.approx(0.9 ** t)
