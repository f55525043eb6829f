"""Model specification: the dataclasses behind ``models/*.toml``.

A model file has the tables ``[task]``, ``[circuit]``, ``[learning]``, ``[optimizer]``, ``[run]``,
``[recording]`` and any number of ``[[manipulation]]`` entries. Every key is optional; a missing key
takes the paper's default (docs/algorithm.md §6). :func:`load_model` validates everything up front so that
a typo stops the run before it starts, with one message naming the key path and what is accepted::

    learning.gamma must be in (0, 1], got 1.5
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from .errors import ModelError
from .manipulation_kinds import validate_manipulations


@dataclass
class TaskSpec:
    """Which environment the circuit lives in.

    Attributes
    ----------
    env : str
        A registered Gymnasium id (``CartPole-v1``, ``bioRTRRL/MemoryChain-v0``, ...), or
        Gymnasium's ``module:EnvId`` form, which imports ``module`` first so that a suite's ids
        exist (``popgym:popgym-RepeatFirstEasy-v0``, ``neurogym:PerceptualDecisionMaking-v0``).
    kwargs : dict
        Keyword arguments for ``gymnasium.make``.
    observation_mask : str or list of int
        ``"none"``, ``"positions"``, ``"velocities"`` or observation indices to keep.
    num_envs : int
        Environments sharing one set of weights (1 = one animal in one world).
    max_episode_steps : int
        Time limit (0 = the environment's own). Reaching it truncates, it does not terminate.
    microstimuli : dict
        A representation of the time since each stimulus onset appended to the observation
        (:mod:`bioRTRRL.tasks.microstimuli`, Ludvig et al. 2008): ``count`` (microstimuli per
        channel, >= 1), ``sigma`` (basis width, default 0.08), ``tau_ms`` (memory-trace time
        constant in ms, default 1000; ticks last ``circuit.env_dt_ms``), ``reward`` (default
        false: true makes the reward a stimulus too, whose onsets start microstimuli of their own,
        appended last). Empty = off.
    serial_compound : dict
        The complete serial compound, another representation of the time since each stimulus
        onset (:mod:`bioRTRRL.tasks.serial_compound`; Montague, Dayan & Sejnowski 1996, compared
        with microstimuli by Ludvig et al. 2008): one feature per tick after each onset,
        ``length_ms`` (required: the span of the delay line, a whole number of ticks of
        ``circuit.env_dt_ms``, at most 10,000 ticks) / ``env_dt_ms`` features per channel, and
        ``reward`` (default false: true makes the reward a stimulus too, its features appended
        last). Empty = off; excludes ``microstimuli``.
    imports : list of str
        Modules imported before ``env`` is looked up (packages that register ids on import).
    wrappers : list of str
        Gymnasium wrappers applied to each environment, innermost first, as ``module:Class``
        (e.g. ``gymnasium.wrappers:FlattenObservation`` for a Dict, Tuple or MultiDiscrete
        observation space).
    trial_as_episode : bool
        NeuroGym tasks only: end an episode at the end of every trial (NeuroGym's tasks never end
        an episode on their own).
    """

    env: str = "CartPole-v1"
    kwargs: dict = field(default_factory=dict)
    observation_mask: str | list[int] = "none"
    num_envs: int = 1
    max_episode_steps: int = 0
    microstimuli: dict = field(default_factory=dict)
    serial_compound: dict = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)
    wrappers: list[str] = field(default_factory=list)
    trial_as_episode: bool = False


@dataclass
class CircuitSpec:
    """Populations and their dynamics.

    Attributes
    ----------
    cortex_size : int
        N, the number of recurrent cortical rate units.
    tau_init : list of float
        Bounds [lo, hi] of the uniform initial time constants, in ticks.
    tau_min : float
        Time constants are clipped to at least this (ticks) after every update.
    dt : float
        Euler step in ticks (1 in the paper).
    env_dt_ms : float
        Physical duration of one environment step (the Brian2 engine's clock; recorded ``time``).
    meta_rl_input : bool
        Feed the previous action and reward to cortex (Wang et al. 2018).
    feedback : {"random", "exact"}
        Learning signal to cortex through fixed random synapses (feedback alignment) or through the
        readout weights themselves (weight transport).
    critic_feedback_scale : float
        ``feedback = "random"``: factor on the fixed random feedback B_C from ventral striatum to
        cortex (1 = the Glorot draw; 0 = cortex learns from the actor's feedback only). B_C is a
        constant vector, so while δ has a non-zero mean (early in training, when every tick pays
        a reward) the cortex's update climbs B_Cᵀh and drives every unit towards sign(B_C,i)
        whatever the input (analyses/cartpole_cortex.py, docs/algorithm.md §7). Not the paper's.
    train_tau : bool
        Learn the time constants.
    input_adaptation : bool
        Sensory adaptation of the input population: each observation channel is centred and scaled
        by the running mean and standard deviation of everything it has seen (the statistics of
        Gymnasium's ``NormalizeObservation``); evaluation uses the statistics frozen.
    population : list of dict
        Further cortical populations (``[[circuit.population]]``: ``name``, ``size``, optional
        ``tau_init`` (ticks) or ``tau_init_s`` (seconds), ``train_tau``, ``sign`` and
        ``excitatory_fraction`` (Dale's law, as ``circuit.sign``), ``unit`` (must equal
        ``circuit.unit``)); see :mod:`bioRTRRL.circuit.description`.
    projection : list of dict
        Further projections, or replacements of the default ones (``[[circuit.projection]]``:
        ``pre``, ``post``, optional ``plastic``).
    dopamine_neurons : bool
        VTA dopamine neurons with a tonic rate (Schultz 1998; Bayer & Glimcher 2005): the TD error
        δ sets their rate r = r₀ + κ δ (bursts above the tonic rate r₀, dips towards 0 Hz, never
        below), and the plasticity signal is the deviation from the tonic rate, (r − r₀)/κ — the
        signed δ itself is the limit of unbounded headroom (r₀ → ∞). The rate is recorded in Hz
        (``dopamine_rate``). Off: the signed δ, today's behaviour.
    dopamine_tonic_hz : float
        r₀, the tonic (baseline) rate of the dopamine neurons, Hz.
    dopamine_hz_per_error : float
        κ, Hz per unit of TD error, of bursts and dips alike (manipulations may change either).
    dopamine_dip_relative : bool
        Read a dip against the tonic rate in force: its plasticity signal is (r − r₀)/κ ·
        r₀_model/r₀, so that at the model's own tonic rate nothing changes, a depleted tonic
        rate makes the same pause weigh more and a raised one less — D2 receptors, sensitive
        to low dopamine, adapt to the tonic occupancy: in Parkinson's disease dips keep (or gain)
        their effect on NoGo learning while bursts shrink, and raised tonic dopamine (L-DOPA)
        fills the pauses (Frank 2005, J Cogn Neurosci 17:51, Figs. 1 and 9; the mechanism behind
        Frank, Seeberger & O'Reilly 2004, Science 306:1940, Fig. 2). Off: a dip is read in Hz
        like a burst, so a lower tonic rate leaves it less headroom.
    striatum : {"readout", "opponent"}
        The dorsal striatum (actor): one linear readout per action (the paper's actor), or the
        D1/D2 opponent actor of Collins & Frank 2014 (OpAL): a direct-pathway "Go" (D1) and an
        indirect-pathway "NoGo" (D2) unit per action, competing through the GPi/thalamus
        selection stage Act_a = β_G G_a − β_N N_a, p(a) ∝ exp(Act_a); a burst strengthens the Go
        and weakens the NoGo synapses of the eligible action, a dip the reverse (discrete actions).
    critic : {"linear", "rate"}
        The ventral striatum (critic): a signed linear readout v = w_Cᵀh + b_C (the paper's
        critic), or ``"rate"``: the value is the firing rate of the critic's neurons, v =
        softplus(w_Cᵀh + b_C) ≥ 0, as in the spiking actor-critic of Potjans, Diesmann & Morrison
        (2011, PLoS Comput Biol 7:e1001133), whose critic neurons' rate is the value: returns
        below 0 are out of its range. TD learning and the critic's learning signal to cortex use
        the slope σ(w_Cᵀh + b_C). Not with ``learning.critic_trace = "dutch"`` (true online
        TD(λ) is for a linear critic).
    opponent_beta : float
        β of the opponent actor's selection stage.
    opponent_tonic_bias : float
        How the tonic dopamine rate biases Go against NoGo: ρ = clip(bias · (r₀/r₀_model − 1),
        −1, 1), β_G = β(1 + ρ), β_N = β(1 − ρ) (OpAL's ρ; r₀_model = ``dopamine_tonic_hz``, so ρ
        = 0 until a manipulation changes the tonic rate; needs ``dopamine_neurons``).
    cued_actions : bool
        The selection stage considers only the actions whose input channel is on (action a is
        available when observation channel a is > 0; all are when none is), as a choice
        between the presented stimuli of the probabilistic selection task.
    neural_dt_ms : float
        LIF: the neural time step; ``env_dt_ms`` must be a whole multiple of it (the number of
        neural steps per env step).
    lif_tau_m_ms : float
        LIF: membrane time constant (fixed; replaces ``tau_init``, which is then not used).
    lif_threshold : float
        LIF: firing threshold of the membrane (reset to 0 after a spike).
    lif_refractory_ms : float
        LIF: refractory period (a whole number of neural steps); the membrane is held after a spike.
    lif_tau_out_ms : float
        LIF: time constant of the exponentially filtered spike trains the readouts read.
    lif_pseudo_derivative : float
        LIF: height γ_pd of e-prop's pseudo-derivative ψ = (γ_pd / v_th) max(0, 1 − |v − v_th| / v_th).
    lif_adaptation_beta : float
        LIF: threshold adaptation (ALIF; Bellec et al. 2020): the threshold is v_th + β a, where a
        jumps by 1 at each spike of the unit and decays with ``lif_adaptation_tau_ms``; 0 (default)
        = no adaptation.
    lif_adaptation_tau_ms : float
        LIF: time constant of the adaptation variable a (used when ``lif_adaptation_beta`` > 0).
    lif_input_scale : float
        LIF: factor on the initial input → cortex weights (the current an observation injects,
        relative to the 1/fan-in draw of the other synapses); 1 = the common draw.
    unit : {"tanh", "rate", "lif", "lru"}
        The cortical unit model: ``"tanh"`` (the paper's CT-RNN, signed rates in [−1, 1]),
        ``"lru"``: the paper's Table 3 LRU, a linear recurrent unit with a diagonal complex
        recurrence and exact online (RTRL) traces, its N outputs silu(Re(C s) + D x) read by the
        striatum (:mod:`bioRTRRL.engines.kernels.lru`; reference engine only; one cortical
        population, no Dale's law; ``learning.gradient`` "rflo" or "rtrl", both meaning its exact
        traces; ``tau_init``, ``tau_min``, ``dt`` and ``train_tau`` are not used),
        ``"lif"``: leaky integrate-and-fire spiking units learning by e-prop (Bellec et al. 2020;
        :mod:`bioRTRRL.engines.kernels.spiking`), whose filtered spike trains the striatal
        readouts read, or ``"rate"``: non-negative firing-rate units, r = ``rate_max_hz`` · σ(u) in Hz (RFLO, RTRL
        and BPTT use the slope σ(1 − σ)). Synapses read the normalised rate r / r_max ∈ (0, 1),
        so a weight is the drive per r_max. With plain SGD the readouts' learning rate needs to be
        about 3× lower than with tanh (h has mean ≈ 0.5, so |h|² is larger); Adam needs no change.
    rate_max_hz : float
        r_max of ``unit = "rate"`` (Hz): the recorded cortical rates are r_max · σ(u).
    rate_input_scale : float
        ``unit = "rate"``: factor on the initial input → cortex weights (1 = the 1/fan-in draw of
        the other synapses). A stimulus then moves u by several units and switches the units it
        drives on from their spontaneous rate: a sparse, stimulus-selective code, where the weak
        draw leaves every unit near r_max/2 whatever is shown (99 % of the code common to all
        stimuli of the probabilistic selection task; docs/algorithm.md §12).
    rate_spontaneous_hz : float
        ``unit = "rate"``: when > 0, the rate of a unit at rest without input at the start, in Hz
        (cortical pyramidal cells fire spontaneously at a few Hz; e.g. Hromádka, DeWeese & Zador
        2008, PLoS Biol 6:e16): every initial bias is shifted by logit(r_sp / r_max) on top of
        its draw. Must be below ``rate_max_hz``. 0 (default): the bias as drawn (σ(0): r_max/2).
    lru_r_min, lru_r_max : float
        LRU: the moduli |λ| of the initial recurrence are drawn with |λ|² uniform on
        [r_min², r_max²) (the published code's 0 and 1).
    lru_max_phase : float
        LRU: the initial phases arg λ are uniform on [0, max_phase) (the published code's 6.28).
    sign : {"mixed", "excitatory", "inhibitory", "dale"}
        Dale's law for the default cortical population: the sign of every outgoing recurrent
        synapse of a unit (onto any cortical population). ``"mixed"``: unconstrained (the paper);
        ``"dale"``: the first ``excitatory_fraction`` of its units excitatory, the rest
        inhibitory. Signs are kept under learning by projection after every update
        (bioRTRRL/circuit/description.py).
    excitatory_fraction : float
        Fraction of excitatory units of a ``sign = "dale"`` population (0.8: cortex's 80/20).
    tau_init_s : list of float
        Physical time: [lo, hi] of the initial time constants in seconds; when given (non-empty)
        it sets ``tau_init`` = tau_init_s / (env_dt · dt) ticks at load.
    tau_min_s : float
        Physical time: when > 0 it sets ``tau_min`` = tau_min_s / (env_dt · dt) at load.
    """

    cortex_size: int = 32
    tau_init: list[float] = field(default_factory=lambda: [1.0, 5.0])
    tau_min: float = 1.0
    dt: float = 1.0
    env_dt_ms: float = 10.0
    meta_rl_input: bool = True
    feedback: str = "random"
    critic_feedback_scale: float = 1.0
    train_tau: bool = True
    input_adaptation: bool = False
    population: list[dict] = field(default_factory=list)
    projection: list[dict] = field(default_factory=list)
    dopamine_neurons: bool = False
    dopamine_tonic_hz: float = 4.0
    dopamine_hz_per_error: float = 10.0
    dopamine_dip_relative: bool = False
    striatum: str = "readout"
    critic: str = "linear"
    opponent_beta: float = 1.0
    opponent_tonic_bias: float = 1.0
    cued_actions: bool = False
    unit: str = "tanh"
    neural_dt_ms: float = 1.0
    lif_tau_m_ms: float = 20.0
    lif_threshold: float = 0.2
    lif_refractory_ms: float = 2.0
    lif_tau_out_ms: float = 20.0
    lif_pseudo_derivative: float = 0.3
    lif_adaptation_beta: float = 0.0
    lif_adaptation_tau_ms: float = 200.0
    lif_input_scale: float = 1.0
    rate_max_hz: float = 50.0
    rate_input_scale: float = 1.0
    rate_spontaneous_hz: float = 0.0
    lru_r_min: float = 0.0
    lru_r_max: float = 1.0
    lru_max_phase: float = 6.28
    sign: str = "mixed"
    excitatory_fraction: float = 0.8
    tau_init_s: list[float] = field(default_factory=list)
    tau_min_s: float = 0.0


@dataclass
class LearningSpec:
    """The TD(λ) actor-critic and the cortical gradient.

    Attributes
    ----------
    gradient : {"rflo", "rtrl", "bptt"}
        How cortex estimates its gradient: RFLO (local, O(N·Z)), exact RTRL (O(N³·Z)), or truncated
        backpropagation through time over ``bptt_window`` ticks.
    gamma : float
        Discount.
    lambda_actor, lambda_critic, lambda_cortex : float
        Trace decay λ of the three TD traces (decay per tick is γλ).
    eta_pi : float
        Weight of the policy gradient relative to the value gradient in the cortical signal.
    entropy : float
        Entropy bonus η_H.
    critic_trace : {"accumulating", "dutch"}
        Accumulating traces, or true online TD(λ) (dutch traces; exact with SGD and one env).
    average_reward : bool
        Subtract a learned average reward r̄ from every reward (continuing tasks).
    average_reward_lr : float
        Step size of r̄ ← r̄ + η δ.
    plasticity : bool
        Master switch; False runs the circuit without any weight change.
    episodic_discount : bool
        Sutton & Barto's episodic actor-critic (2018, §13.5–13.6): the gradient entering every
        accumulating trace is scaled by I = γ^t, t the tick within the episode, so a transition
        late in a long episode moves the weights little (the published RTRRL code does this).
    time_limit : {"bootstrap", "terminal"}
        What δ does on the tick a time limit (``task.max_episode_steps``) cuts an episode:
        ``bootstrap`` (default) keeps γV(s') in δ = r + γV(s') − V(s), since the state after a
        time-out is not terminal and its value is still owed (Pardo et al. 2018, "Time limits in
        reinforcement learning", ICML); ``terminal`` drops it, δ = r − V(s), as the published
        RTRRL code does (it bootstraps with ``(1 − done)``, and gymnax's ``done`` includes the
        time limit). Traces and cortical state are reset at every episode end either way.
    discount_tau_s : float
        Physical time: when > 0 it sets ``gamma`` = exp(−env_dt / discount_tau_s) at load (a
        discount of 1/e per discount_tau_s seconds, whatever the tick).
    trace_tau_s : float
        Physical time: when > 0 every TD trace decays with this time constant in seconds: the
        ``lambda_*`` are set at load so that γλ = exp(−env_dt / trace_tau_s) (needs
        trace_tau_s ≤ the discount's time constant, so that λ ≤ 1).
    eligibility_cascade : list of str
        Corticostriatal projections (``cortex_striatum_dorsal``, ``cortex_striatum_ventral``)
        whose TD trace is a two-stage cascade: a synaptic tag q ← a_r q + ∇ feeds the eligibility
        e ← a_d e + c q, so that the eligibility after a presynaptic event rises and decays as the
        difference of exponentials exp(−t/τ_d) − exp(−t/τ_r) (normalised to peak 1), peaking
        ``τ_r τ_d / (τ_d − τ_r) · ln(τ_d / τ_r)`` seconds later (the 0.3–2 s window of
        Yagishita et al. 2014). Empty: the plain exponential trace.
    eligibility_rise_s, eligibility_decay_s : float
        τ_r < τ_d of the cascade (seconds).
    """

    gradient: str = "rflo"
    bptt_window: int = 16
    gamma: float = 0.99
    lambda_actor: float = 0.99
    lambda_critic: float = 0.99
    lambda_cortex: float = 0.99
    eta_pi: float = 1.0
    entropy: float = 1e-5
    critic_trace: str = "accumulating"
    average_reward: bool = False
    average_reward_lr: float = 1e-3
    plasticity: bool = True
    episodic_discount: bool = False
    time_limit: str = "bootstrap"
    discount_tau_s: float = 0.0
    trace_tau_s: float = 0.0
    eligibility_cascade: list[str] = field(default_factory=list)
    eligibility_rise_s: float = 0.3
    eligibility_decay_s: float = 1.0


@dataclass
class OptimizerSpec:
    """How the dopamine-gated update directions move the weights.

    Attributes
    ----------
    kind : {"adam", "sgd"}
        Adam keeps per-synapse moment estimates; SGD is the plain three-factor rule.
    lr_readout, lr_cortex : float
        Learning rates of the groups {actor, critic} and {W, τ}.
    lr_critic_scale : float
        The critic readout's (ventral striatum's) learning rate as a multiple of ``lr_readout``
        (1 = the paper's single rate). Above 1 the critic is the faster of the two timescales of
        the actor-critic (Konda & Tsitsiklis), as its convergence theory asks.
    beta1, beta2, eps : float
        Adam constants.
    clip_norm : float
        Norm clip of the update direction before the optimizer (0 = off; 1.0 in the paper).
    clip_scope : {"all", "cortex"}
        What the clip measures and rescales: the whole update (both groups, the paper's global
        clip) or only the cortical group {W, τ}, leaving the readouts' TD updates unclipped.
    lr_schedule : {"constant", "inverse_sqrt", "linear", "cosine"}
        Learning-rate decay over ``lr_decay_steps`` ticks — the stabiliser the paper names:
        ``inverse_sqrt`` multiplies by 1/sqrt(1 + t/T); ``linear`` and ``cosine`` go from 1 to
        ``lr_final_fraction`` at t = T and stay there.
    lr_decay_steps : int
        T of the schedule.
    lr_final_fraction : float
        Floor of ``linear``/``cosine`` as a fraction of the initial rate.
    """

    kind: str = "adam"
    lr_readout: float = 1e-3
    lr_cortex: float = 1e-3
    lr_critic_scale: float = 1.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    clip_norm: float = 1.0
    clip_scope: str = "all"
    lr_schedule: str = "constant"
    lr_decay_steps: int = 200_000
    lr_final_fraction: float = 0.1

    @property
    def lr_critic(self) -> float:
        """The critic readout's initial learning rate: ``lr_readout × lr_critic_scale``."""
        return self.lr_readout * self.lr_critic_scale


@dataclass
class RunSpec:
    """Defaults of a run; ``br.run`` arguments override them.

    Attributes
    ----------
    steps : int
        Ticks to simulate.
    seed : int
        Seed of every random generator of the run.
    eval_every : int
        Evaluate every this many ticks (0 = never).
    eval_episodes : int
        Evaluation environments; the score is the mean return of their first episodes.
    eval_max_steps : int
        Cap on the length of an evaluation episode (0 = the task's own limit); reaching it
        truncates the episode, whose return so far is its score.
    eval_budget : int
        Ticks an evaluation may last. An environment whose first episode has not ended by then
        (a continuing task, e.g. a NeuroGym task without ``task.trial_as_episode``) is scored by
        its return over these ticks.
    divergence_bound : float
        Divergence guard: the run stops (``FloatingPointError``) when a synaptic weight's magnitude
        exceeds this bound (checked every 1000 ticks; 0 = off). A learning rate that is too high
        can drive the weights, hence the value, towards 1e300 without ever producing NaN; trained
        circuits keep their weights below ~20 (largest seen over the shipped models: 17).
    """

    steps: int = 100_000
    seed: int = 0
    eval_every: int = 0
    eval_episodes: int = 10
    eval_max_steps: int = 0
    eval_budget: int = 100_000
    divergence_bound: float = 1e5


@dataclass
class RecordingSpec:
    """What the run records; see docs/recording_schema.md.

    Attributes
    ----------
    variables : list of str
        Per-tick variables: any of rate, dopamine, value, reward, action, obs, events, trace_norms.
    populations : list of str
        Populations whose units enter ``rate``.
    stride : int
        Record every k-th tick (episode returns are always exact).
    weights_every : int
        Snapshot every weight matrix every M ticks (0 = first and last only).
    dtype : {"float32", "float64"}
        Storage type of ``rate`` and ``obs``.
    chunk_steps : int
        Ticks buffered in memory before a chunk is handed to the stream writer.
    """

    variables: list[str] = field(
        default_factory=lambda: ["rate", "dopamine", "value", "reward", "action", "obs", "events"]
    )
    populations: list[str] = field(
        default_factory=lambda: list(POPULATIONS)
    )
    stride: int = 1
    weights_every: int = 0
    dtype: str = "float32"
    chunk_steps: int = 10_000


@dataclass
class Model:
    """A complete circuit + experiment specification (one ``models/*.toml`` file)."""

    name: str = "model"
    description: str = ""
    task: TaskSpec = field(default_factory=TaskSpec)
    circuit: CircuitSpec = field(default_factory=CircuitSpec)
    learning: LearningSpec = field(default_factory=LearningSpec)
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    run: RunSpec = field(default_factory=RunSpec)
    recording: RecordingSpec = field(default_factory=RecordingSpec)
    manipulation: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The specification as nested plain dicts (TOML/JSON serialisable)."""
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        """The specification as TOML text (round-trips through :func:`load_model`).

        Raises
        ------
        ModelError
            If a value has no TOML form (e.g. a NumPy scalar passed as a manipulation parameter).
        """
        # Newlines are written escaped (tomli-w's default), not as multi-line strings: a text-mode
        # read (``Path.read_text``) would turn a raw CRLF inside one into LF.
        try:
            return tomli_w.dumps(self.to_dict())
        except TypeError as exc:
            raise ModelError(f"cannot write the model as TOML: {exc}") from None

    def with_overrides(self, overrides: dict[str, Any]) -> "Model":
        """A validated copy with dotted keys replaced, e.g. ``{"learning.gamma": 0.9}``."""
        data = self.to_dict()
        for key, value in overrides.items():
            parts = key.split(".")
            node = data
            for p in parts[:-1]:
                if not isinstance(node, dict) or p not in node:
                    raise ModelError(f"{key}: unknown key {p!r}")
                node = node[p]
            if not isinstance(node, dict) or parts[-1] not in node:
                raise ModelError(f"{key}: unknown key; accepted keys here: {sorted(node)}")
            node[parts[-1]] = value
        return load_model(data)


POPULATIONS = ("input", "cortex", "striatum_dorsal", "striatum_ventral", "vta")
RECORDABLE = ("rate", "dopamine", "value", "reward", "action", "obs", "events", "trace_norms")

_CHOICES = {
    "circuit.feedback": ("random", "exact"),
    "circuit.striatum": ("readout", "opponent"),
    "circuit.critic": ("linear", "rate"),
    "circuit.unit": ("tanh", "rate", "lif", "lru"),
    "circuit.sign": ("mixed", "excitatory", "inhibitory", "dale"),
    "learning.gradient": ("rflo", "rtrl", "bptt"),
    "learning.critic_trace": ("accumulating", "dutch"),
    "learning.time_limit": ("bootstrap", "terminal"),
    "optimizer.kind": ("adam", "sgd"),
    "optimizer.clip_scope": ("all", "cortex"),
    "optimizer.lr_schedule": ("constant", "inverse_sqrt", "linear", "cosine"),
    "recording.dtype": ("float32", "float64"),
}

# (low, high, low_inclusive, high_inclusive)
_RANGES = {
    "task.num_envs": (1, 4096, True, True),
    "task.max_episode_steps": (0, math.inf, True, True),
    "circuit.cortex_size": (1, 4096, True, True),
    "circuit.tau_min": (0, math.inf, False, True),
    "circuit.dt": (0, math.inf, False, True),
    "circuit.env_dt_ms": (0, math.inf, False, True),
    "circuit.dopamine_tonic_hz": (0, math.inf, False, True),
    "circuit.dopamine_hz_per_error": (0, math.inf, False, True),
    "circuit.opponent_beta": (0, math.inf, True, True),
    "circuit.opponent_tonic_bias": (0, math.inf, True, True),
    "circuit.neural_dt_ms": (0, math.inf, False, True),
    "circuit.lif_tau_m_ms": (0, math.inf, False, True),
    "circuit.lru_r_min": (0, 1, True, False),
    "circuit.lru_r_max": (0, 1, False, True),
    "circuit.lru_max_phase": (0, math.inf, False, False),
    "circuit.lif_threshold": (0, math.inf, False, True),
    "circuit.lif_refractory_ms": (0, math.inf, True, True),
    "circuit.lif_tau_out_ms": (0, math.inf, False, True),
    "circuit.lif_pseudo_derivative": (0, math.inf, True, True),
    "circuit.lif_adaptation_beta": (0, math.inf, True, True),
    "circuit.lif_adaptation_tau_ms": (0, math.inf, False, True),
    "circuit.lif_input_scale": (0, math.inf, False, True),
    "circuit.rate_max_hz": (0, math.inf, False, True),
    "circuit.rate_input_scale": (0, math.inf, False, True),
    "circuit.critic_feedback_scale": (0, math.inf, True, True),
    "circuit.rate_spontaneous_hz": (0, math.inf, True, True),
    "circuit.excitatory_fraction": (0, 1, True, True),
    "circuit.tau_min_s": (0, math.inf, True, True),
    "learning.discount_tau_s": (0, math.inf, True, True),
    "learning.trace_tau_s": (0, math.inf, True, True),
    "learning.eligibility_rise_s": (0, math.inf, False, True),
    "learning.eligibility_decay_s": (0, math.inf, False, True),
    "learning.bptt_window": (1, 100_000, True, True),
    "learning.gamma": (0, 1, False, True),
    "learning.lambda_actor": (0, 1, True, True),
    "learning.lambda_critic": (0, 1, True, True),
    "learning.lambda_cortex": (0, 1, True, True),
    "learning.eta_pi": (0, math.inf, True, True),
    "learning.entropy": (0, math.inf, True, True),
    "learning.average_reward_lr": (0, 1, True, True),
    "optimizer.lr_readout": (0, math.inf, True, True),
    "optimizer.lr_cortex": (0, math.inf, True, True),
    "optimizer.lr_critic_scale": (0, math.inf, False, True),
    "optimizer.beta1": (0, 1, True, False),
    "optimizer.beta2": (0, 1, True, False),
    "optimizer.eps": (0, math.inf, False, True),
    "optimizer.clip_norm": (0, math.inf, True, True),
    "optimizer.lr_decay_steps": (1, math.inf, True, True),
    "optimizer.lr_final_fraction": (0, 1, True, True),
    "run.steps": (0, math.inf, True, True),
    "run.seed": (0, 2**63 - 1, True, True),
    "run.eval_every": (0, math.inf, True, True),
    "run.eval_episodes": (1, 10_000, True, True),
    "run.eval_max_steps": (0, math.inf, True, True),
    "run.eval_budget": (1, math.inf, True, True),
    "run.divergence_bound": (0, math.inf, True, True),
    "recording.stride": (1, math.inf, True, True),
    "recording.weights_every": (0, math.inf, True, True),
    "recording.chunk_steps": (1, math.inf, True, True),
}

_SECTIONS = {
    "task": TaskSpec,
    "circuit": CircuitSpec,
    "learning": LearningSpec,
    "optimizer": OptimizerSpec,
    "run": RunSpec,
    "recording": RecordingSpec,
}


def load_model(source: str | Path | dict | Model) -> Model:
    """Load and validate a model specification.

    Parameters
    ----------
    source : path, dict or Model
        A ``.toml`` file, the same content as nested dicts, or a Model (validated and copied).

    Returns
    -------
    Model
        The validated specification, every missing key filled with its default.

    Raises
    ------
    ModelError
        On an unknown key, a wrong type or an out-of-range value; the message names the key path.
    """
    if isinstance(source, Model):
        data = source.to_dict()
    elif isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        path = Path(source)
        if not path.exists():
            raise ModelError(f"model file {str(path)!r} does not exist")
        if path.is_dir():
            raise ModelError(f"model file {str(path)!r} is a folder; give a models/NAME.toml file")
        try:
            # TOML is UTF-8 by definition: read bytes and decode strictly, whatever the locale.
            data = tomllib.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ModelError(f"{path}: not a UTF-8 text file (byte {exc.start}: {exc.reason}); "
                             "save the model file as UTF-8 TOML") from None
        except OSError as exc:
            raise ModelError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ModelError(f"{path}: not valid TOML ({exc})") from None
        data.setdefault("name", path.stem)
    return _build(data)


def _build(data: dict) -> Model:
    if not isinstance(data, dict):
        raise ModelError(f"a model must be a table of sections, got {type(data).__name__}")
    known = {"name", "description", "manipulation", *_SECTIONS}
    for key in data:
        if key not in known:
            raise ModelError(f"unknown section {key!r}; accepted: {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for key in ("name", "description"):
        if key in data:
            if not isinstance(data[key], str):
                raise ModelError(f"{key} must be a string, got {data[key]!r}")
            kwargs[key] = data[key]
    for section, cls in _SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ModelError(f"{section} must be a table, got {table!r}")
        kwargs[section] = _build_section(section, cls, table)
    manip = data.get("manipulation", [])
    if not isinstance(manip, list) or not all(isinstance(m, dict) for m in manip):
        raise ModelError("manipulation must be a list of tables ([[manipulation]])")
    kwargs["manipulation"] = copy.deepcopy(manip)
    model = Model(**kwargs)
    _resolve_seconds(model)
    _check_model(model)
    return model


#: Projections whose TD trace may be the two-stage cascade (learning.eligibility_cascade).
CASCADE_PROJECTIONS = ("cortex_striatum_dorsal", "cortex_striatum_ventral")


def _resolve_seconds(model: Model) -> None:
    """Set the per-tick keys from the physical-time keys given in seconds (docs/algorithm.md §12).

    One tick lasts ``env_dt = circuit.env_dt_ms`` ms and an Euler step ``circuit.dt`` ticks; a
    seconds key, when given, decides its tick key on every load (so ``with_overrides`` of
    ``env_dt_ms`` re-derives them), and a tick key it sets is overwritten.
    """
    circ, lrn = model.circuit, model.learning
    env_dt = circ.env_dt_ms * 1e-3
    if env_dt <= 0 or circ.dt <= 0:
        return  # the range check names the key
    if circ.tau_init_s:
        if len(circ.tau_init_s) != 2 or not 0 < circ.tau_init_s[0] <= circ.tau_init_s[1]:
            raise ModelError(f"circuit.tau_init_s must be [lo, hi] with 0 < lo <= hi (seconds), "
                             f"got {circ.tau_init_s!r}")
        circ.tau_init = [t / (env_dt * circ.dt) for t in circ.tau_init_s]
    if circ.tau_min_s > 0:
        circ.tau_min = circ.tau_min_s / (env_dt * circ.dt)
    for i, p in enumerate(circ.population):
        tau_s = p.get("tau_init_s")
        if tau_s is not None:
            if (not isinstance(tau_s, list) or len(tau_s) != 2
                    or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in tau_s)
                    or not 0 < tau_s[0] <= tau_s[1]):
                raise ModelError(f"circuit.population[{i}].tau_init_s must be [lo, hi] with "
                                 f"0 < lo <= hi (seconds), got {tau_s!r}")
            p["tau_init"] = [t / (env_dt * circ.dt) for t in tau_s]
    if lrn.discount_tau_s > 0:
        lrn.gamma = math.exp(-env_dt / lrn.discount_tau_s)
    if lrn.trace_tau_s > 0:
        decay = math.exp(-env_dt / lrn.trace_tau_s)
        if decay > lrn.gamma:
            raise ModelError(f"learning.trace_tau_s = {lrn.trace_tau_s!r} s is longer than the "
                             f"discount's time constant (γ = {lrn.gamma!r} per tick): the trace "
                             "decay γλ cannot exceed γ; shorten trace_tau_s")
        lrn.lambda_actor = lrn.lambda_critic = lrn.lambda_cortex = decay / lrn.gamma
    for name in lrn.eligibility_cascade:
        if name not in CASCADE_PROJECTIONS:
            raise ModelError(f"learning.eligibility_cascade: {name!r} is not a corticostriatal "
                             f"projection; accepted: {list(CASCADE_PROJECTIONS)}")
    if lrn.eligibility_cascade and not lrn.eligibility_rise_s < lrn.eligibility_decay_s:
        raise ModelError(f"learning.eligibility_rise_s ({lrn.eligibility_rise_s!r}) must be "
                         f"shorter than learning.eligibility_decay_s ({lrn.eligibility_decay_s!r})")


def _build_section(section: str, cls: type, table: dict):
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values = {}
    for key, value in table.items():
        path = f"{section}.{key}"
        if key not in names:
            raise ModelError(f"unknown key {path!r}; accepted keys in [{section}]: {names}")
        values[key] = _coerce(path, hints[key], value)
    obj = cls(**values)
    for key in names:
        value = getattr(obj, key)
        path = f"{section}.{key}"
        if path in _CHOICES and value not in _CHOICES[path]:
            raise ModelError(f"{path} must be one of {list(_CHOICES[path])}, got {value!r}")
        if path in _RANGES:
            check_range(path, value)
    return obj


def check_range(path: str, value, label: str | None = None) -> None:
    """Raise ModelError unless ``value`` lies in the accepted range of the key ``path``.

    ``label`` names the value in the message when it does not come from the model file (e.g. the
    command line's ``--seed`` for ``run.seed``).
    """
    lo, hi, lo_in, hi_in = _RANGES[path]
    ok = (value >= lo if lo_in else value > lo) and (value <= hi if hi_in else value < hi)
    if not ok:
        lb, rb = "[" if lo_in else "(", "]" if hi_in else ")"
        raise ModelError(f"{label or path} must be in {lb}{_fmt(lo)}, {_fmt(hi)}{rb}, got {value!r}")


def _fmt(x):
    if x == math.inf:
        return "inf"
    return repr(x)


def _coerce(path: str, hint, value):
    """Check ``value`` against the field's annotation; ints are accepted where floats are."""
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ModelError(f"{path} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ModelError(f"{path} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError(f"{path} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ModelError(f"{path} must be finite, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ModelError(f"{path} must be a string, got {value!r}")
        return value
    if hint is dict or origin is dict:
        if not isinstance(value, dict):
            raise ModelError(f"{path} must be a table, got {value!r}")
        return copy.deepcopy(value)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ModelError(f"{path} must be a list, got {value!r}")
        return [_coerce(f"{path}[{i}]", item, v) for i, v in enumerate(value)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        errors = []
        for alt in typing.get_args(hint):
            try:
                return _coerce(path, alt, value)
            except ModelError as exc:
                errors.append(str(exc))
        raise ModelError(f"{path} must be a string or a list of integers, got {value!r}")
    raise TypeError(f"unsupported annotation {hint} for {path}")  # a bug in this module, not input


def _check_microstimuli(spec: dict) -> None:
    if not spec:
        return
    unknown = sorted(set(spec) - {"count", "sigma", "tau_ms", "reward"})
    if unknown:
        raise ModelError(f"task.microstimuli: unknown key(s) {unknown}; accepted: count, sigma, "
                         "tau_ms, reward")
    if not isinstance(spec.get("reward", False), bool):
        raise ModelError(f"task.microstimuli.reward must be true or false, got {spec['reward']!r}")
    if "count" not in spec:
        raise ModelError("task.microstimuli.count is required (microstimuli per channel)")
    count = spec["count"]
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
        raise ModelError(f"task.microstimuli.count must be an integer in [1, 1000], got {count!r}")
    for key in ("sigma", "tau_ms"):
        value = spec.get(key, 1.0)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < math.inf:
            raise ModelError(f"task.microstimuli.{key} must be a finite number > 0, got {value!r}")


def _check_serial_compound(task: TaskSpec, env_dt_ms: float) -> None:
    spec = task.serial_compound
    if not spec:
        return
    if task.microstimuli:
        raise ModelError("task.serial_compound and task.microstimuli are two representations of "
                         "the time since a stimulus onset: give one of them")
    unknown = sorted(set(spec) - {"length_ms", "reward"})
    if unknown:
        raise ModelError(f"task.serial_compound: unknown key(s) {unknown}; accepted: length_ms, "
                         "reward")
    if not isinstance(spec.get("reward", False), bool):
        raise ModelError(f"task.serial_compound.reward must be true or false, "
                         f"got {spec['reward']!r}")
    if "length_ms" not in spec:
        raise ModelError("task.serial_compound.length_ms is required (the span of the delay line "
                         "after each onset, ms)")
    from .tasks.serial_compound import serial_compound_ticks

    try:
        ticks = serial_compound_ticks(spec["length_ms"], env_dt_ms)
    except ValueError as exc:
        raise ModelError(f"task.{exc}") from None
    if ticks > 10_000:
        raise ModelError(f"task.serial_compound.length_ms = {spec['length_ms']!r} is {ticks} ticks "
                         f"of circuit.env_dt_ms = {env_dt_ms!r} ms; at most 10,000 features per "
                         "channel")


def _check_model(model: Model) -> None:
    _check_name(model.name)
    tau_init, tau_min = model.circuit.tau_init, model.circuit.tau_min
    if len(tau_init) != 2 or not (0 < tau_init[0] <= tau_init[1]):
        raise ModelError(f"circuit.tau_init must be [lo, hi] with 0 < lo <= hi, got {tau_init!r}")
    if tau_init[0] < tau_min:
        raise ModelError(f"circuit.tau_init = {tau_init!r} starts below circuit.tau_min = {tau_min!r}, "
                         "which every time constant is raised to: raise tau_init's lower bound or "
                         "lower tau_min")
    _check_microstimuli(model.task.microstimuli)
    _check_serial_compound(model.task, model.circuit.env_dt_ms)
    mask = model.task.observation_mask
    if isinstance(mask, str) and mask not in ("none", "positions", "velocities"):
        raise ModelError(
            f"task.observation_mask must be 'none', 'positions', 'velocities' or a list of indices, got {mask!r}"
        )
    for v in model.recording.variables:
        if v not in RECORDABLE:
            raise ModelError(f"recording.variables: unknown variable {v!r}; accepted: {list(RECORDABLE)}")
    for p in model.recording.populations:
        if p not in POPULATIONS:
            raise ModelError(f"recording.populations: unknown population {p!r}; accepted: {list(POPULATIONS)}")
    for key, accepted in (("variables", RECORDABLE), ("populations", POPULATIONS)):
        if not getattr(model.recording, key):
            raise ModelError(f"recording.{key} is empty; list at least one of {list(accepted)}")
    if model.manipulation:
        validate_manipulations(model)
    _check_circuit_entries(model.circuit)
    if model.circuit.unit == "lif":
        _check_lif(model)
    elif model.circuit.lif_adaptation_beta:
        raise ModelError("circuit.lif_adaptation_beta adapts the threshold of spiking units: it "
                         f"needs circuit.unit = 'lif', got {model.circuit.unit!r}")
    if model.circuit.unit == "lru":
        _check_lru(model)
    _check_rate(model.circuit)
    if model.circuit.critic_feedback_scale != 1.0 and model.circuit.feedback != "random":
        raise ModelError("circuit.critic_feedback_scale scales the fixed random feedback: it needs "
                         f"circuit.feedback = 'random', got {model.circuit.feedback!r}")
    if model.learning.critic_trace == "dutch" and model.circuit.critic != "linear":
        raise ModelError("learning.critic_trace = 'dutch' (true online TD(λ)) needs a linear "
                         f"critic; circuit.critic = {model.circuit.critic!r} is not")
    if model.learning.critic_trace == "dutch" and model.optimizer.kind != "sgd":
        raise ModelError("learning.critic_trace = 'dutch' (true online TD(λ)) requires optimizer.kind = 'sgd'")
    check_memory(model)


def _check_rate(circ: CircuitSpec) -> None:
    """The initial state of the firing-rate units: their keys need ``unit = "rate"``."""
    for key, off in (("rate_input_scale", 1.0), ("rate_spontaneous_hz", 0.0)):
        if getattr(circ, key) != off and circ.unit != "rate":
            raise ModelError(f"circuit.{key} sets up firing-rate units: it needs circuit.unit = "
                             f"'rate', got {circ.unit!r}")
    if circ.rate_spontaneous_hz >= circ.rate_max_hz:
        raise ModelError(f"circuit.rate_spontaneous_hz = {circ.rate_spontaneous_hz!r} Hz must be "
                         f"below circuit.rate_max_hz = {circ.rate_max_hz!r} Hz")


def lif_steps(circ: CircuitSpec) -> tuple[int, int]:
    """(neural steps per env step, refractory period in neural steps) of a LIF cortex."""
    return (round(circ.env_dt_ms / circ.neural_dt_ms),
            round(circ.lif_refractory_ms / circ.neural_dt_ms))


def _check_lif(model: Model) -> None:
    circ = model.circuit
    substeps, refractory = lif_steps(circ)
    for key, value, steps in (("env_dt_ms", circ.env_dt_ms, substeps),
                              ("lif_refractory_ms", circ.lif_refractory_ms, refractory)):
        if abs(value - steps * circ.neural_dt_ms) > 1e-9 * value or (key == "env_dt_ms" and steps < 1):
            raise ModelError(f"circuit.{key} = {value!r} must be a whole multiple of "
                             f"circuit.neural_dt_ms = {circ.neural_dt_ms!r} with circuit.unit = 'lif'")
    if model.learning.gradient != "rflo":
        raise ModelError("circuit.unit = 'lif' learns by e-prop, the spiking form of RFLO: "
                         f"learning.gradient must be 'rflo', got {model.learning.gradient!r}")


def _check_lru(model: Model) -> None:
    circ = model.circuit
    if model.learning.gradient == "bptt":
        raise ModelError("circuit.unit = 'lru' learns by its exact online traces: learning.gradient "
                         "must be 'rflo' or 'rtrl' (both give them), got 'bptt'")
    if circ.lru_r_min >= circ.lru_r_max:
        raise ModelError(f"circuit.lru_r_min = {circ.lru_r_min!r} must be below circuit.lru_r_max "
                         f"= {circ.lru_r_max!r}")
    if "trace_norms" in model.recording.variables:
        raise ModelError("recording.variables: 'trace_norms' are the norms of RFLO's eligibility "
                         "per projection; the LRU cortex (circuit.unit = 'lru') has none")
    if circ.population or circ.projection or circ.sign != "mixed":
        raise ModelError("circuit.unit = 'lru' is one fully connected LRU layer: leave "
                         "circuit.population, circuit.projection and circuit.sign at their "
                         "defaults")


def _check_name(name: str) -> None:
    # The name is the default output folder, results/<name>: it must not lead anywhere else.
    if name in ("", ".", "..") or any(c in name for c in "/\\\0"):
        raise ModelError(f"name must be a plain folder name (it names the output folder "
                         f"results/<name>): no '/', '\\', '.' or '..', got {name!r}")


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: no estimate to compare with
        return None


def _size(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000


def check_memory(model: Model, steps: int | None = None) -> None:
    """Refuse a model whose arrays cannot fit in this machine's memory, before any is allocated.

    The estimate is a lower bound (the task's observation and action sizes are unknown until it is
    built; each counts as 1): the learning state of the engine, the recorder's chunk buffers and,
    given ``steps``, the recording a run of that length keeps in memory.

    Raises
    ------
    ModelError
        Naming the largest part, its keys and the estimated size.
    """
    ram = _physical_memory()
    if ram is None:
        return
    c, lrn, rec = model.circuit, model.learning, model.recording
    B, N, T = model.task.num_envs, c.cortex_size, lrn.bptt_window
    Z = N + 2  # at least one input channel and the bias
    n_params = N * Z + 3 * N + 1  # W, τ, one actor column, critic weights and bias
    sens = N * (N * Z + N)  # one RTRL sensitivity matrix
    state = 8 * (B * 3 * n_params + {"rtrl": (B + 1) * sens, "bptt": B * T * (Z + 2 * N)}.get(lrn.gradient, 0))
    itemsize = 8 if rec.dtype == "float64" else 4
    units = sum(N if p == "cortex" else 1 for p in rec.populations)  # every other population ≥ 1
    # every buffer is allocated whatever is recorded: rate, obs, eight 8-byte and two boolean
    # columns, two trace-norm rows of four projections, and the step
    buffers = rec.chunk_steps * (8 + B * (itemsize * (units + 1) + 8 * 8 + 2 + 2 * 4 * 8))
    parts = [
        (state, f"the learning state of circuit.cortex_size = {N} with learning.gradient = "
                f"{lrn.gradient!r}" + (f" (bptt_window = {T})" if lrn.gradient == "bptt" else "")
                + f" and task.num_envs = {B}", "use a smaller cortex, fewer environments or "
                "gradient = 'rflo'"),
        (buffers, f"the chunk buffers of recording.chunk_steps = {rec.chunk_steps} "
                  f"(task.num_envs = {B})", "lower recording.chunk_steps"),
    ]
    if steps:
        per_tick = 16 + B * (18 + sum({"rate": itemsize * units, "obs": itemsize, "events": 1,
                                       "trace_norms": 64}.get(v, 8) for v in rec.variables))
        parts.append((-(-steps // rec.stride) * per_tick,
                      f"the recording of {steps} ticks (recording.stride = {rec.stride}, "
                      f"task.num_envs = {B})", "raise recording.stride, record fewer variables or "
                      "populations, or run fewer ticks"))
    total = sum(size for size, _, _ in parts)
    if total > ram:
        size, what, advice = max(parts)
        raise ModelError(f"this model needs at least {_size(total)} of memory, {_size(size)} of it for "
                         f"{what}; this machine has {_size(ram)}: {advice}")


#: Keys of a ``[[circuit.population]]`` and of a ``[[circuit.projection]]`` entry.
POPULATION_KEYS = {"name": str, "size": int, "tau_init": list, "train_tau": bool,
                   "tau_init_s": list, "unit": str, "sign": str, "excitatory_fraction": float}
PROJECTION_KEYS = {"pre": str, "post": str, "plastic": bool}
_FIXED_POPULATIONS = POPULATIONS  # the populations every circuit has


def _check_circuit_entries(circ: CircuitSpec) -> None:
    """The circuit's extra populations and projections (:mod:`bioRTRRL.circuit.description`)."""
    names = ["cortex"]
    for i, p in enumerate(circ.population):
        where = f"circuit.population[{i}]"
        _check_entry_keys(where, p, POPULATION_KEYS, required=("name", "size"))
        if p["name"] in _FIXED_POPULATIONS or p["name"] in names or not p["name"].isidentifier():
            raise ModelError(f"{where}.name must be a new identifier (not one of "
                             f"{sorted(set(names) | set(_FIXED_POPULATIONS))}), got {p['name']!r}")
        if p["size"] < 1:
            raise ModelError(f"{where}.size must be >= 1, got {p['size']!r}")
        if p.get("unit", circ.unit) != circ.unit:
            raise ModelError(f"{where}.unit = {p['unit']!r}: every cortical population has the "
                             f"unit model of circuit.unit ({circ.unit!r}); set circuit.unit")
        if p.get("sign", "mixed") not in _CHOICES["circuit.sign"]:
            raise ModelError(f"{where}.sign must be one of {list(_CHOICES['circuit.sign'])}, "
                             f"got {p['sign']!r}")
        if not 0 <= p.get("excitatory_fraction", 0.8) <= 1:
            raise ModelError(f"{where}.excitatory_fraction must be in [0, 1], "
                             f"got {p['excitatory_fraction']!r}")
        tau = p.get("tau_init", circ.tau_init)
        if (len(tau) != 2 or not all(isinstance(t, (int, float)) and not isinstance(t, bool)
                                     for t in tau) or not 0 < tau[0] <= tau[1]):
            raise ModelError(f"{where}.tau_init must be [lo, hi] with 0 < lo <= hi, got {tau!r}")
        names.append(p["name"])
    pres, posts = ["input", *names], [*names, "striatum_dorsal", "striatum_ventral"]
    seen = set()
    for i, p in enumerate(circ.projection):
        where = f"circuit.projection[{i}]"
        _check_entry_keys(where, p, PROJECTION_KEYS, required=("pre", "post"))
        if p["pre"] not in pres:
            raise ModelError(f"{where}.pre: unknown population {p['pre']!r}; accepted: {pres}")
        if p["post"] not in posts:
            raise ModelError(f"{where}.post: unknown population {p['post']!r}; accepted: {posts}")
        if (p["pre"], p["post"]) in seen:
            raise ModelError(f"{where}: projection {p['pre']} → {p['post']} listed twice")
        seen.add((p["pre"], p["post"]))


def _check_entry_keys(where: str, entry: dict, keys: dict, required: tuple) -> None:
    unknown = sorted(set(entry) - set(keys))
    if unknown:
        raise ModelError(f"{where}: unknown key(s) {unknown}; accepted keys: {sorted(keys)}")
    for k in required:
        if k not in entry:
            raise ModelError(f"{where}: missing key {k!r}")
    for k, value in entry.items():
        kind = keys[k]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            continue  # an integer is a valid number
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            raise ModelError(f"{where}.{k} must be of type {kind.__name__}, got {value!r}")
