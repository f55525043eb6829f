"""Reference engine: RTRRL in NumPy/numba, float64, exactly docs/algorithm.md, batched over envs.

The engine owns the weights, the per-environment state (h, P or J, traces) and the optimizer; it does
not own the environments: :meth:`ReferenceEngine.tick` takes what the environments returned and
gives the next actions. The mathematics lives in :mod:`bioRTRRL.engines.kernels`.
"""

from __future__ import annotations


import numpy as np

from ..circuit import describe
from ..circuit.description import cascade_coefficients
from ..config import Model, lif_steps
from ..errors import ModelError
from . import kernels as K
from .parameters import CircuitDims, init_parameters, run_seeds
from .sampling import ActionNoise

_GRADIENTS = {"rflo": K.GRAD_RFLO, "rtrl": K.GRAD_RTRL, "bptt": K.GRAD_BPTT}
#: The LRU cortex's parameters of each cortical projection (manipulations): its input weights
#: B and skip D_x, its recurrence (λ's ν, θ) with the state's readout C, its input scale γ in
#: the time constants' place; it has no bias.
_LRU_PROJECTIONS = {"input_cortex": ("B_re", "B_im", "D"),
                    "cortex_cortex": ("nu_log", "theta_log", "C_re", "C_im"),
                    "cortex_bias": (), "cortex_tau": ("gamma_log",)}


class ReferenceEngine:
    """One circuit (shared weights) driving ``num_envs`` environments.

    Parameters
    ----------
    model : Model
    dims : CircuitDims
    num_envs : int
    seed : int
        Run seed; weights, feedback and action noise come from independent children of it.
    action_low, action_high : ndarray, optional
        Box bounds of a continuous action space (±inf where unbounded).

    Attributes
    ----------
    theta : ndarray
        Flat parameters; :attr:`params` gives named views (W, tau, K_A, w_C, b_C).
    act : ndarray (num_envs, D + N + P + 2)
        After each tick: [input x, cortex h, actor outputs, value, δ] per env.
    actions : ndarray
        Actions emitted by the last tick (int indices, or clipped continuous actions).
    h, P, J, e : ndarray
        Per-env state: cortical rates, RFLO eligibility, RTRL influence, TD traces (flat layout
        of :mod:`bioRTRRL.engines.kernels`).
    lif, spikes : ndarray
        LIF cortex (``circuit.unit = "lif"``, else empty): per env the membranes and refractory
        steps left (2 × N), and the last tick's spikes per neural step (substeps × N);
        :meth:`spike_trains` gives every spike of env 0 so far.
    discount : ndarray (num_envs,)
        I = γ^t of ``learning.episodic_discount`` (1 when it is off).
    obs_stats : ndarray (3, O)
        Running [mean, variance, count] of each observation channel (``circuit.input_adaptation``).
    decay, plastic, column_decay, unit_mask : ndarray
        The manipulation knobs: TD-trace decay γλ and plasticity switch per parameter, RFLO
        eligibility decay per presynaptic column (< 0: the unit's own), silenced cortical units.
    """

    def __init__(self, model: Model, dims: CircuitDims, num_envs: int, seed: int,
                 action_low=None, action_high=None):
        self.model = model
        self.dims = dims
        self.num_envs = B = num_envs
        seeds = run_seeds(seed)
        self.theta, fb_a, fb_c = init_parameters(model, dims, seeds["params"], seeds["feedback"])
        self.feedback_random = (fb_a, fb_c)
        self.layout = K.layout(dims.N, dims.Z, dims.P)
        self.noise = ActionNoise(seeds["actions"], B, dims.A if dims.continuous else 0)
        N, Z, P, A, D = dims.N, dims.Z, dims.P, dims.A, dims.D
        NC = N * Z + N
        lrn, opt, circ = model.learning, model.optimizer, model.circuit
        self.config = cfg = K.new_config()
        for name, value in {
            "N": N, "Z": Z, "D": D, "O": dims.O, "A": A, "P": P,
            "actor": K.ACTOR_GAUSSIAN if dims.continuous else K.ACTOR_DISCRETE,
            # the LRU's exact traces take RFLO's place in the tick (and its array P)
            "gradient": K.GRAD_RFLO if circ.unit == "lru" else _GRADIENTS[lrn.gradient],
            "critic_trace": K.TRACE_DUTCH if lrn.critic_trace == "dutch" else K.TRACE_ACCUMULATING,
            "meta": int(circ.meta_rl_input),
            "optimizer": K.OPTIM_ADAM if opt.kind == "adam" else K.OPTIM_SGD,
            "learn": int(lrn.plasticity), "average_reward": int(lrn.average_reward),
            "entropy_on": int(lrn.entropy > 0), "clip_cortex_only": int(opt.clip_scope == "cortex"),
            "episodic_discount": int(lrn.episodic_discount),
            "time_limit_terminal": int(lrn.time_limit == "terminal"),
            "input_adaptation": K.ADAPT_LEARN if circ.input_adaptation else K.ADAPT_OFF,
            "lr_schedule": K.SCHEDULES.index(opt.lr_schedule),
            "dt": circ.dt, "gamma": lrn.gamma, "eta_pi": lrn.eta_pi, "eta_h": lrn.entropy,
            "lam_critic": lrn.lambda_critic,
            "lr_readout": opt.lr_readout, "lr_cortex": opt.lr_cortex, "lr_critic": opt.lr_critic,
            "lr0_readout": opt.lr_readout, "lr0_cortex": opt.lr_cortex, "lr0_critic": opt.lr_critic,
            "lr_decay_steps": opt.lr_decay_steps, "lr_floor": opt.lr_final_fraction,
            "beta1": opt.beta1, "beta2": opt.beta2, "eps": opt.eps, "clip": opt.clip_norm,
            "tau_min": circ.tau_min, "avg_lr": lrn.average_reward_lr,
            "da_neurons": int(circ.dopamine_neurons), "opponent": int(circ.striatum == "opponent"),
            "cued_actions": int(circ.cued_actions), "critic_rate": int(circ.critic == "rate"),
            "da_tonic_hz": circ.dopamine_tonic_hz, "da_model_hz": circ.dopamine_tonic_hz,
            "da_burst_hz": circ.dopamine_hz_per_error, "da_dip_hz": circ.dopamine_hz_per_error,
            "da_unit_hz": circ.dopamine_hz_per_error, "da_dip_scale": 1.0,
            "opp_beta": circ.opponent_beta,
            "opp_tonic_bias": circ.opponent_tonic_bias,
            "unit_model": {"tanh": K.UNIT_TANH, "rate": K.UNIT_RATE, "lif": K.UNIT_LIF,
                           "lru": K.UNIT_LRU}[circ.unit],
            "cascade": int(bool(lrn.eligibility_cascade)),
        }.items():
            cfg[name] = value
        spiking = circ.unit == "lif"
        substeps, refractory = lif_steps(circ) if spiking else (0, 0)
        for name, value in {
            "substeps": substeps, "refractory_steps": refractory,
            "neural_dt": circ.neural_dt_ms * 1e-3, "v_th": circ.lif_threshold,
            "gamma_pd": circ.lif_pseudo_derivative, "tau_out": circ.lif_tau_out_ms * 1e-3,
            "adapt_beta": circ.lif_adaptation_beta, "adapt_tau": circ.lif_adaptation_tau_ms * 1e-3,
        }.items():
            cfg[name] = value
        # [mean, variance, count] per observation channel (Gymnasium's RunningMeanStd start)
        self.obs_stats = np.zeros((3, dims.O))
        self.obs_stats[1], self.obs_stats[2] = 1.0, 1e-4

        lay = self.layout
        self.decay = np.empty(dims.n_params)
        self.decay[lay["cortex"]] = lrn.gamma * lrn.lambda_cortex
        self.decay[lay["K_A"]] = lrn.gamma * lrn.lambda_actor
        self.decay[lay["w_C"]] = lrn.gamma * lrn.lambda_critic
        self.decay[lay["b_C"]] = lrn.gamma * lrn.lambda_critic
        # where the description has plastic synapses (absent and fixed ones: 0)
        desc = describe(model)
        masks = desc.masks(D)
        self.plastic = np.ones(dims.n_params)
        if circ.unit != "lru":  # the LRU has no projection masks: every parameter learns
            self.plastic[lay["W"]] = masks["W_plastic"].ravel()
            self.plastic[lay["tau"]] = masks["tau_plastic"]
        self.plastic[lay["K_A"]] = np.repeat(masks["striatum_dorsal_plastic"], P)
        self.plastic[lay["w_C"]] = masks["striatum_ventral_plastic"]
        # decay factor of each RFLO eligibility column [inputs ξ | P_τ]; < 0 = the unit's 1 − dt/τ
        self.column_decay = np.full(dims.Z + 1, -1.0)
        self.unit_mask = np.ones(N)
        self._exact_feedback = circ.feedback == "exact"
        # Dale's law: the sign of each unit's outgoing recurrent synapses, kept after every update
        self.sign = desc.signs()
        cfg["dale"] = int(desc.dale)
        # the cascade traces of the corticostriatal projections (learning.eligibility_cascade)
        self.tag_decay = np.zeros(dims.n_params)
        self.tag_gain = np.zeros(dims.n_params)
        a_r, gain, a_d = cascade_coefficients(model)
        for name in lrn.eligibility_cascade:
            where = self.parameter_indices(name)
            if name == "cortex_striatum_ventral":
                where = where[:-1]  # the critic bias is no corticostriatal synapse
            self.tag_decay[where], self.tag_gain[where], self.decay[where] = a_r, gain, a_d

        lo = np.full(max(A, 1), -np.inf) if action_low is None else np.asarray(action_low, float).ravel()
        hi = np.full(max(A, 1), np.inf) if action_high is None else np.asarray(action_high, float).ravel()
        self.lo, self.hi = lo.copy(), hi.copy()
        self.bounded = np.isfinite(lo) & np.isfinite(hi)

        grad_kind = self.config["gradient"][0]
        self.h = np.zeros((B, N))
        self.xi = np.zeros((B, Z))
        # RFLO's P, or e-prop's [eligibility trace E | eligibility vector ε (| ε^a with adaptation)]
        blocks = (3 if circ.lif_adaptation_beta else 2) if spiking else 1
        self.P = np.zeros((B, blocks * NC if grad_kind == K.GRAD_RFLO else 0))
        self.J = np.zeros((B, N, NC) if grad_kind == K.GRAD_RTRL else (B, 0, 0))
        T = lrn.bptt_window if grad_kind == K.GRAD_BPTT else 1
        self.hist_xi = np.zeros((B, T, Z))
        self.hist_phi = np.zeros((B, T, N))
        self.hist_hold = np.zeros((B, T, N))
        self.hist_count = np.zeros(B, dtype=np.int64)
        self.hist_head = np.zeros(B, dtype=np.int64)
        # membrane v, refractory steps left, adaptation a
        self.lif = np.zeros((B, 3, N if spiking else 0))
        self.spikes = np.zeros((B, substeps, N if spiking else 0))  # this tick's, per neural step
        self.e = np.zeros((B, dims.n_params))
        self.q = np.zeros((B, dims.n_params if lrn.eligibility_cascade else 0))
        self.v_prev = np.zeros(B)
        self.v_old = np.zeros(B)
        self.discount = np.ones(B)  # I = γ^t of the episodic discount
        self.action_in = np.zeros((B, A))  # efference copy; enters the input only with meta_rl_input
        self.adam_m = np.zeros(dims.n_params)
        self.adam_v = np.zeros(dims.n_params)
        self.opt_state = np.zeros(2)  # [update count, average reward r̄]
        self.act = np.zeros((B, D + N + P + 2))
        self.action_out = np.zeros((B, A if dims.continuous else 1))
        self.action_index = np.zeros(B, dtype=np.int64)
        self.delta = np.zeros(B)
        self._grad = np.zeros((B, dims.n_params))
        self._ent = np.zeros(NC)
        self._dvec = np.zeros(dims.n_params)
        self._scratch = np.zeros((5 + (11 + 3 * substeps if spiking else 0), N))
        self._head_scratch = np.zeros((3, P))
        self._tmpJ = np.zeros((N, NC) if grad_kind == K.GRAD_RTRL else (0, 0))
        self.ticks = 0
        self._call = None
        self._spike_log = []  # (tick, substep, unit) index arrays of the LIF cortex's spikes

    # -- named views -------------------------------------------------------------------------
    @property
    def params(self) -> dict[str, np.ndarray]:
        """Views into :attr:`theta`: W (N×Z), tau (N), K_A (N×P), w_C (N), b_C (1); with the LRU
        cortex its parameters by name (:func:`bioRTRRL.engines.kernels.lru.named`) in place of
        W and tau."""
        d, lay = self.dims, self.layout
        if self.config["unit_model"][0] == K.UNIT_LRU:
            cortex = K.lru.named(self.theta[lay["cortex"]], d.N, d.D)
        else:
            cortex = {"W": self.theta[lay["W"]].reshape(d.N, d.Z), "tau": self.theta[lay["tau"]]}
        return {
            **cortex,
            "K_A": self.theta[lay["K_A"]].reshape(d.N, d.P),
            "w_C": self.theta[lay["w_C"]],
            "b_C": self.theta[lay["b_C"]],
        }

    @property
    def lru_state(self) -> np.ndarray | None:
        """The LRU cortex's complex state s, (num_envs, N) (a copy; None for other unit models).

        The recording's cortical ``rate`` holds the LRU's outputs h; s is read here between ticks.
        """
        if self.config["unit_model"][0] != K.UNIT_LRU:
            return None
        N = self.dims.N
        return self.P[:, :N] + 1j * self.P[:, N:2 * N]

    @property
    def exact_feedback(self) -> bool:
        """Learning signal through the readout weights themselves instead of random synapses."""
        return self._exact_feedback

    @exact_feedback.setter
    def exact_feedback(self, value: bool) -> None:
        self._exact_feedback = bool(value)
        self._call = None

    @property
    def feedback(self) -> tuple[np.ndarray, np.ndarray]:
        """(B_A flat N·P, B_C) — the readout weights themselves under exact feedback."""
        if self._exact_feedback:
            lay = self.layout
            return self.theta[lay["K_A"]], self.theta[lay["w_C"]]
        return self.feedback_random

    @property
    def actions(self) -> np.ndarray:
        """The last tick's actions: (B, A) floats, or (B,) int indices for a discrete actor.

        A buffer the next tick overwrites; copy it to keep it.
        """
        return self.action_out if self.dims.continuous else self.action_index

    # -- the manipulations' knobs (bioRTRRL.manipulation.Knobs) ---------------------------
    def parameter_indices(self, projection: str) -> np.ndarray:
        """Positions of a projection's parameters (:data:`bioRTRRL.manipulation.PROJECTIONS`) in
        :attr:`theta` (and in every array of the parameter layout)."""
        d, lay = self.dims, self.layout
        if self.config["unit_model"][0] == K.UNIT_LRU and projection in _LRU_PROJECTIONS:
            return self._lru_indices(projection)
        rows = np.arange(d.N)[:, None] * d.Z
        parts = {
            "input_cortex": lambda: (rows + np.arange(d.D)).ravel(),
            "cortex_cortex": lambda: (rows + d.D + np.arange(d.N)).ravel(),
            "cortex_bias": lambda: rows.ravel() + d.Z - 1,
            "cortex_tau": lambda: np.arange(lay["tau"].start, lay["tau"].stop),
            "cortex_striatum_dorsal": lambda: np.arange(lay["K_A"].start, lay["K_A"].stop),
            "cortex_striatum_ventral": lambda: np.arange(lay["w_C"].start, lay["b_C"].stop),
        }
        return parts[projection]()

    def _lru_indices(self, projection: str) -> np.ndarray:
        """The LRU's cortical parameters by projection (:data:`_LRU_PROJECTIONS`)."""
        d, lay = self.dims, self.layout
        index = K.lru.named(np.arange(lay["cortex"].stop, dtype=float), d.N, d.D)
        parts = [index[n].ravel() for n in _LRU_PROJECTIONS[projection]]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def rflo_columns(self, projection: str) -> np.ndarray:
        """Columns of the RFLO eligibility [ξ = (input, cortex, bias) | P_τ] of a projection."""
        d = self.dims
        return {"input_cortex": np.arange(d.D), "cortex_cortex": d.D + np.arange(d.N),
                "cortex_bias": np.array([d.Z - 1]), "cortex_tau": np.array([d.Z])}[projection]

    def silence(self, population: str, units=None) -> None:
        if population == "cortex":
            units = np.arange(self.dims.N) if units is None else np.asarray(units, np.int64)
            self.unit_mask[units] = 0.0
            # the silenced units' last activity must not reach the others on this tick either
            self.h[:, units] = 0.0
        elif population == "vta":
            self.clamp_dopamine(0.0)
        else:
            self.config["actor_lesion" if population == "striatum_dorsal" else "critic_lesion"] = 1

    def clamp_dopamine(self, value: float) -> None:
        self.config["da_fixed"] = value
        self.config["eta_h"] = 0.0
        self.config["entropy_on"] = 0
        self.adam_m[:] = 0.0

    def modulate_dopamine(self, gain=None, shift=None, floor=None) -> None:
        if gain is not None:
            self.config["da_gain"] = gain
        if shift is not None:
            self.config["da_shift"] = shift
        if floor is not None:
            self.config["da_rectify"] = 1
            self.config["da_baseline"] = floor

    def block_plasticity(self, projections) -> None:
        for name in projections:
            self.plastic[self.parameter_indices(name)] = 0.0

    def scale_dopamine_neurons(self, tonic: float = 1.0, burst: float = 1.0,
                               dip: float = 1.0) -> None:
        for field, factor in (("da_tonic_hz", tonic), ("da_burst_hz", burst),
                              ("da_dip_hz", dip)):
            self.config[field] = self.config[field][0] * factor
        self.config["da_dip_scale"] = K.dip_scale(self.model.circuit,
                                                  self.config["da_tonic_hz"][0])

    def block_receptors(self, receptor: str, fraction: float) -> None:
        self.config[f"{receptor}_block"] = fraction
        # the pathway's synapses: Go (D1) columns [0, A) of K_A, NoGo (D2) columns [A, 2A)
        A, lay = self.dims.A, self.layout
        go = np.arange(self.dims.P) < A
        columns = go if receptor == "d1" else ~go
        block = self.plastic[lay["K_A"]].reshape(self.dims.N, self.dims.P)
        block[:, columns] *= 1.0 - fraction

    @property
    def dopamine_rate(self) -> np.ndarray | None:
        """Firing rate (Hz) of the dopamine neurons on the last tick, per env (None without
        ``circuit.dopamine_neurons``): r = r₀ + κ δ, δ the plasticity signal (r − r₀)/κ (a dip's
        divided by its scale, :func:`dip_scale`)."""
        return self.dopamine_rate_of(self.delta)

    def dopamine_rate_of(self, delta: np.ndarray) -> np.ndarray | None:
        """The dopamine neurons' rate (Hz) that gave the plasticity signal ``delta`` under the
        current dopamine settings (None without ``circuit.dopamine_neurons``)."""
        cfg = self.config
        if not cfg["da_neurons"][0]:
            return None
        delta = np.where(delta < 0.0, delta / cfg["da_dip_scale"][0], delta)
        return cfg["da_tonic_hz"][0] + cfg["da_unit_hz"][0] * delta

    def set_trace_lambda(self, projections, lam: float) -> None:
        for name in projections:
            self.decay[self.parameter_indices(name)] = self.config["gamma"][0] * lam
        if "cortex_striatum_ventral" in projections:
            # the dutch critic trace reads λ_C from the configuration, not from ``decay``
            self.config["lam_critic"] = lam

    def use_exact_feedback(self) -> None:
        self.exact_feedback = True

    def set_rflo_tau(self, projections, tau: float) -> None:
        """Give projections' RFLO eligibility their own time constant τ_e (ticks): those columns
        decay by 1 − dt/τ_e instead of 1 − dt/τ_i (:func:`bioRTRRL.engines.kernels.rflo_step`)."""
        if self.config["unit_model"][0] == K.UNIT_LRU:
            raise ModelError("rflo_tau: the LRU cortex (circuit.unit = 'lru') has exact traces "
                             "that decay with λ, not RFLO's eligibility")
        if self.config["unit_model"][0] == K.UNIT_LIF:
            raise ModelError("an eligibility time constant (RFLO's per-column decay) has no "
                             "meaning for the LIF cortex, whose e-prop traces decay with the "
                             "membrane and the readout filter")
        columns = np.concatenate([self.rflo_columns(name) for name in projections])
        self.column_decay[columns] = 1.0 - self.config["dt"][0] / tau
        self.config["rflo_tau_columns"] = 1

    # -- the session's protocol (bioRTRRL.experiment.Session) -----------------------------------
    def simulate(self, session, steps: int) -> None:
        """Advance ``steps`` ticks, each between ``session.begin_tick()`` and ``end_tick()``."""
        drv = session.driver
        # persistent buffers, written in place tick after tick
        obs, reward, terminated, truncated, fresh = (drv.obs, drv.reward, drv.terminated,
                                                     drv.truncated, drv.fresh)
        begin, end = session.begin_tick, session.end_tick
        for _ in range(steps):
            begin()
            self.tick(obs, reward, terminated, truncated, fresh)
            end()

    def evaluate(self, episodes: int, seed) -> float:
        """Mean first-episode return of ``episodes`` environments under a frozen copy of this
        circuit (:func:`bioRTRRL.evaluation.evaluate`), seeded by the SeedSequence ``seed``."""
        from ..evaluation import evaluate

        return evaluate(self.model, self, seed, episodes)

    def request_evaluation(self, tick: int, seed, episodes: int, done) -> None:
        """Evaluate now; ``done(tick, value)`` records it."""
        done(tick, self.evaluate(episodes, seed))

    # -- the loop ------------------------------------------------------------------------------
    def tick(self, obs, reward, terminated, truncated, fresh) -> int:
        """Advance every env by one tick; see :func:`bioRTRRL.engines.kernels.tick`.

        Parameters
        ----------
        obs : ndarray (B, O) float64
        reward : ndarray (B,) float64
        terminated, truncated, fresh : ndarray (B,) bool

        Returns
        -------
        int
            Number of envs that contributed a TD transition on this tick.
        """
        args = self.kernel_args(obs, reward, terminated, truncated, fresh)
        self.noise.ensure()
        n_trans = self._call[0](*args)
        if self.spikes.shape[1]:
            step, unit = np.nonzero(self.spikes[0])
            if step.size:
                self._spike_log.append((self.ticks * self.spikes.shape[1] + step, unit))
        self.ticks += 1
        return n_trans

    def kernel_args(self, obs, reward, terminated, truncated, fresh) -> tuple:
        """The arguments of :func:`bioRTRRL.engines.kernels.tick` for these input arrays, as
        :meth:`tick` passes them (for a compiled loop that calls the tick itself)."""
        call = self._call
        if call is None or call[1] is not obs or call[2] is not reward or call[3] is not terminated \
                or call[4] is not truncated or call[5] is not fresh:
            call = self._bind(obs, reward, terminated, truncated, fresh)
        return call[6]

    def spike_trains(self) -> tuple[np.ndarray, np.ndarray]:
        """(unit indices, spike times in seconds) of every cortical spike of env 0 so far, ordered
        by time then unit as Brian2's SpikeMonitor holds them (LIF cortex; empty otherwise).

        Time of neural step k of the run is k · ``circuit.neural_dt_ms``.
        """
        if not self._spike_log:
            return np.zeros(0, np.int64), np.zeros(0)
        steps = np.concatenate([s for s, _ in self._spike_log])
        units = np.concatenate([u for _, u in self._spike_log])
        return units, steps * self.config["neural_dt"][0]

    def _bind(self, obs, reward, terminated, truncated, fresh) -> tuple:
        """Freeze the kernel's argument list and its compiled entry point.

        Every buffer is persistent, and a driver passes the same input arrays every tick, so this
        runs once per run. Calling the compiled entry point directly skips numba's type dispatch
        over ~45 arguments (a few µs a tick); the signature is taken from these very arrays.
        """
        given = (obs, reward, terminated, truncated, fresh)
        inputs = tuple(np.ascontiguousarray(x, dtype=dtype) for x, dtype in
                       zip(given, (np.float64, np.float64, np.bool_, np.bool_, np.bool_)))
        fb_a, fb_c = self.feedback
        args = (
            self.config,
            K.Circuit(self.theta, fb_a, fb_c, self.unit_mask, self.lo, self.hi, self.bounded,
                      self.decay, self.plastic, self.column_decay, self.obs_stats, self.sign,
                      self.tag_decay, self.tag_gain),
            K.EnvState(self.h, self.xi, self.P, self.J, self.e, self.v_prev, self.v_old,
                       self.discount, self.action_in, self.hist_xi, self.hist_phi, self.hist_hold,
                       self.hist_count, self.hist_head, self.q, self.lif, self.spikes),
            K.Optimizer(self.adam_m, self.adam_v, self.opt_state),
            K.TickIO(*inputs, self.noise.uniform, self.noise.normal, self.noise.pos, self.act,
                     self.action_out, self.action_index, self.delta),
            K.Work(self._grad, self._ent, self._dvec, self._scratch, self._head_scratch,
                   self._tmpJ))
        entry = K.entry_point(K.tick, *args)
        # an input that had to be converted is a copy: bind afresh on every call then
        reusable = all(a is b for a, b in zip(given, inputs))
        self._call = (entry, *(given if reusable else (None,) * 5), args)
        return self._call

    def frozen_copy(self, num_envs: int, seed: int, action_low=None,
                    action_high=None) -> "ReferenceEngine":
        """This circuit as it is now — weights, feedback, lesions, dopamine settings, frozen input
        statistics — driving ``num_envs`` fresh environments without learning (evaluation)."""
        # the frozen copy needs no gradient: RFLO's trace is the cheapest to carry along unused
        frozen = ReferenceEngine(self.model.with_overrides({"learning.gradient": "rflo"}),
                                 self.dims, num_envs, seed, action_low, action_high)
        frozen.theta[:] = self.theta
        frozen.feedback_random = self.feedback_random
        frozen.exact_feedback = self.exact_feedback
        frozen.config[:] = self.config
        frozen.config["gradient"] = K.GRAD_RFLO
        frozen.config["learn"] = 0
        frozen.unit_mask[:] = self.unit_mask
        frozen.obs_stats[:] = self.obs_stats
        if frozen.config["input_adaptation"][0] == K.ADAPT_LEARN:
            frozen.config["input_adaptation"] = K.ADAPT_FROZEN
        return frozen

    def check_finite(self) -> None:
        """Raise FloatingPointError naming the parameter if any weight became NaN or infinite."""
        for name, arr in self.params.items():
            if not np.all(np.isfinite(arr)):
                raise FloatingPointError(
                    f"non-finite values in {name} after tick {self.ticks}; lower the learning rate "
                    "or enable optimizer.clip_norm")

    def trace_norms(self) -> tuple[np.ndarray, np.ndarray]:
        """Frobenius norms per projection of the RFLO eligibility and the TD traces, (B, 4) each.

        Projections: input_cortex, cortex_cortex, cortex_striatum_dorsal, cortex_striatum_ventral.
        The RFLO eligibility of the readouts is their immediate gradient's input (h), so its norm is
        reported as the norm of h for both readouts.
        """
        d, lay, B = self.dims, self.layout, self.num_envs
        eW = self.e[:, lay["W"]].reshape(B, d.N, d.Z)
        td = np.stack([
            np.linalg.norm(eW[:, :, :d.D], axis=(1, 2)),
            np.linalg.norm(eW[:, :, d.D:d.D + d.N], axis=(1, 2)),
            np.linalg.norm(self.e[:, lay["K_A"]], axis=1),
            np.linalg.norm(self.e[:, lay["w_C"]], axis=1),
        ], axis=1)
        if self.P.shape[1]:
            PW = self.P[:, :d.N * d.Z].reshape(B, d.N, d.Z)
            pin = np.linalg.norm(PW[:, :, :d.D], axis=(1, 2))
            prec = np.linalg.norm(PW[:, :, d.D:d.D + d.N], axis=(1, 2))
        else:
            pin = prec = np.full(B, np.nan)
        hn = np.linalg.norm(self.h, axis=1)
        rflo = np.stack([pin, prec, hn, hn], axis=1)
        return rflo, td


def lr_schedule(opt):
    """Multiplier of the learning rates as a function of the optimizer step count.

    The same compiled function the reference kernel evaluates every tick
    (:func:`bioRTRRL.engines.kernels.lr_factor`), so both engines follow one schedule exactly.
    """
    kind, T, floor = K.SCHEDULES.index(opt.lr_schedule), float(opt.lr_decay_steps), opt.lr_final_fraction
    return lambda t: K.lr_factor(kind, float(t), T, floor)
