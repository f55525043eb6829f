"""The circuit as Brian2 text: population models, projection models and the learning rule.

Each population has a *model* (what its units compute; a user may replace it) and, for the plastic
ones, *rule* equations that :func:`population_equations` appends (the traces, update directions,
optimizer moments and the links to the broadcast modulators). The learning rule itself is a
list of :class:`PlasticVariable` (one per plastic quantity; :func:`plastic_variables` builds it
for a circuit's plastic projections, :data:`PLASTIC` is the default circuit's) turned into code by
:func:`rflo_code`, :func:`direction_code`, :func:`trace_code` and :func:`step_code`, run once per
tick in the order set by :mod:`bioRTRRL.engines.brian2.circuit`.

A plastic projection is a :class:`Projection` (pre, post, presynaptic rate, postsynaptic target);
its weights learn by the rule of the population they end on (:data:`PLASTIC_TARGETS`), so that a
new plastic projection is one more entry (``build_circuit(..., projections={...})``), not new
rule code.

Notation follows docs/algorithm.md: ``x`` input rates, ``h`` cortical rates, ``p`` the RFLO eligibility
of a synapse (or of a neuron's τ and bias), ``z`` its TD trace, ``d`` its update direction.
Trace and moment names avoid ``e``, Euler's number in Brian2.

Time constants are physical (``second``); one environment step is one tick of the Brian2 clock.
The τ-learning quantities are in 1/second and converted by ``tick`` (the duration of one tick of
the model's τ, ``env_dt / circuit.dt``) where the optimizer needs tick units, so that ε, the
learning rate and the global-norm clip mean exactly what they mean in the reference engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from brian2 import Equations

from ...config import ModelError

# --- population models (replaceable) -------------------------------------------------------------

INPUT = """
x : 1  # rate: Meta-RL input [observation, efference copy of the last action, reward]
"""

CORTEX = """
dh/dt = ((1 - silenced) * phi - h) / tau : 1  # leaky rate unit of the CT-RNN (forward Euler)
phi = tanh(u_in + u_rec + b) : 1  # rate nonlinearity of the total drive u
phi_prime = 1 - phi**2 : 1     # its slope: the post-synaptic factor of the RFLO traces
u_in : 1                       # drive from the input population (summed by input_cortex)
u_rec : 1                      # recurrent drive (summed by cortex_cortex)
b : 1                          # bias (intrinsic excitability), plastic
tau : second                   # time constant, plastic, kept >= tau_min
silenced : 1                   # 1 = unit lesioned: no output (the lesion also sets its h to 0)
"""

#: The cortex of firing-rate units (circuit.unit = "rate"): h is the rate as a fraction of r_max,
#: φ the logistic function, and ``rate`` the firing rate in Hz (``rate_max`` from the namespace).
CORTEX_RATE = """
dh/dt = ((1 - silenced) * phi - h) / tau : 1  # leaky rate unit, h = r / r_max (forward Euler)
phi = 1 / (1 + exp(-(u_in + u_rec + b))) : 1  # logistic rate nonlinearity of the total drive u
phi_prime = phi * (1 - phi) : 1  # its slope: the post-synaptic factor of the RFLO traces
rate = rate_max * h : Hz        # the firing rate
u_in : 1                       # drive from the input population (summed by input_cortex)
u_rec : 1                      # recurrent drive (summed by cortex_cortex)
b : 1                          # bias (intrinsic excitability), plastic
tau : second                   # time constant, plastic, kept >= tau_min
silenced : 1                   # 1 = unit lesioned: no output (the lesion also sets its h to 0)
"""

STRIATUM_DORSAL = """
y : 1    # actor output (summed by cortex_striatum_dorsal): a logit, or a Gaussian's [loc, scale]
psi : 1  # score d log pi(a) / dy of the selected action (set by action selection)
chi : 1  # entropy gradient dH/dy (set by action selection)
"""

STRIATUM_VENTRAL = """
v : 1                  # critic value v = v_in + b (0 when lesioned)
v_in : 1               # drive from cortex (summed by cortex_striatum_ventral)
b : 1 (shared)         # critic bias, plastic
g = 1 - lesioned : 1 (shared)  # slope dv/d(v_in + b): the learning signal sent back to cortex
"""

#: The rate critic (circuit.critic = "rate"): the value is the critic neurons' firing rate,
#: softplus(v_in + b) >= 0 (Potjans, Diesmann & Morrison 2011, PLoS Comput Biol 7:e1001133).
#: v and its slope are set together by :data:`RATE_CRITIC_PREFIX`, so that the traces read the
#: slope of the value the VTA read (before this tick's update of b); the loop copies the slope
#: into the shared g the critic bias's trace reads, as it copies v into the VTA (Brian2 writes
#: no shared variable from a summed one).
STRIATUM_VENTRAL_RATE = """
v : 1                  # critic value: the rate softplus(v_in + b) >= 0 (0 when lesioned)
v_in : 1               # drive from cortex (summed by cortex_striatum_ventral)
b : 1 (shared)         # critic bias, plastic
slope : 1              # dv/d(v_in + b) = sigmoid(v_in + b) (0 when lesioned)
g : 1 (shared)         # the slope as the learning signal (traces, feedback to cortex)
"""
#: The rate critic's value and slope (kernels.td.critic_rate), in place of the linear critic's
#: entry of :data:`STATE_UPDATE_PREFIX`, written as the kernel computes them (softplus as
#: log(1 + exp(−|u|)) + max(u, 0), σ as exp(min(u, 0)) / (1 + exp(−|u|))): neither overflows,
#: and the engines round alike up to the last bit of NumPy's and libm's exp (within 1e-9 over
#: 2,000 ticks with SGD; Adam, dividing the tiny gradients near v = 0 by their own running
#: size, grows those bits to ~1e-4: docs/algorithm.md, "Rate critic").
RATE_CRITIC_PREFIX = """
v = (1 - lesioned) * (log(1 + exp(-abs(v_in + b))) + clip(v_in + b, 0, inf))
slope = (1 - lesioned) * exp(clip(v_in + b, -inf, 0)) / (1 + exp(-abs(v_in + b)))
"""

VTA = """
v : 1 (shared)           # value of this tick, from striatum_ventral
v_prev : 1 (shared)      # value of the previous tick
reward : 1 (shared)      # reward of the transition into this tick
terminal : 1 (shared)    # 1 when δ does not bootstrap: terminated (or timed out, time_limit = "terminal")
ended : 1 (shared)       # 1 when the episode ended on this tick (terminated or truncated)
transition : 1 (shared)  # 0 on the first tick of an episode: no TD transition, no update
rbar : 1 (shared)        # average reward (stays 0 unless learning.average_reward)
delta : 1 (shared)       # dopamine: the TD error, broadcast to every plastic synapse
da_gain : 1 (shared)     # dopamine manipulations: delta -> gain * delta + shift,
da_shift : 1 (shared)
da_clamp : 1 (shared)    # 1 = delta fixed at da_fixed
da_fixed : 1 (shared)
da_floor : 1 (shared)    # delta >= -da_floor (inf = no rectification)
"""

MODELS = {
    "input": INPUT,
    "cortex": CORTEX,
    "striatum_dorsal": STRIATUM_DORSAL,
    "striatum_ventral": STRIATUM_VENTRAL,
    "vta": VTA,
}

#: Variables each population's model must define, and why (the rule or the loop reads them).
REQUIRED = {
    "input": {"x": "the input rate written by the sensory operation"},
    "cortex": {
        "h": "the rate read by the projections",
        "tau": "the time constant of the RFLO traces",
        "phi": "the rate nonlinearity (RFLO trace of tau)",
        "phi_prime": "the slope of the nonlinearity (RFLO post-synaptic factor)",
        "u_in": "the target of input_cortex",
        "u_rec": "the target of cortex_cortex",
        "b": "the plastic bias",
    },
    "striatum_dorsal": {
        "y": "the target of cortex_striatum_dorsal",
        "psi": "the score written by action selection",
        "chi": "the entropy gradient written by action selection",
    },
    "striatum_ventral": {
        "v": "the value read by the VTA",
        "v_in": "the target of cortex_striatum_ventral",
        "b": "the plastic critic bias",
        "g": "the learning signal of the ventral feedback (0 when lesioned)",
    },
    "vta": {name: "the dopamine computation" for name in
            ("v", "v_prev", "reward", "terminal", "ended", "transition", "rbar", "delta",
             "da_gain", "da_shift", "da_clamp", "da_fixed", "da_floor")},
}

#: Variable a cortical lesion needs in the cortex model (the model must hold a silenced unit at 0).
SILENCED = "silenced"

#: Code the rule runs in a population's state update, before the model's own equations (so
#: with the drives every other object summed into the population earlier in the tick): the
#: cortical slope φ'(u) and the rates before this tick's step, which the RFLO traces of the
#: synapses read; the critic value (a lesioned readout outputs 0).
STATE_UPDATE_PREFIX = {
    "cortex": "gain = phi_prime\nh_prev = h",
    "striatum_ventral": "v = (1 - lesioned) * (v_in + b)",
}

#: The VTA: TD error of the transition into this tick (bootstrapping unless terminated), after
#: the manipulations (gain and shift, or a clamp; then rectification); none on an episode's first
#: tick. Multiplications by 0/1 flags keep the arithmetic exact.
DOPAMINE_CODE = """
td = reward - rbar + gamma * (1 - terminal) * v - v_prev
modulated = (1 - da_clamp) * (da_gain * td + da_shift) + da_clamp * da_fixed
delta = transition * clip(modulated, -da_floor, inf)
v_prev = v
"""
AVERAGE_REWARD_CODE = "rbar += average_reward_lr * learn * delta"

#: Dopamine neurons (circuit.dopamine_neurons): the VTA's variables and its code in place of
#: :data:`DOPAMINE_CODE`. The TD error (after the manipulations) sets the neurons' rate — bursts
#: above the tonic rate, dips bounded at 0 Hz (Schultz 1998; Bayer & Glimcher 2005) — and the
#: plasticity signal broadcast as ``delta`` is the rate's deviation from the tonic rate, in units
#: of the model's Hz per unit of error (the signed error itself as the tonic rate → ∞), a dip's
#: times ``dip_scale`` (kernels.td.dip_scale: D2 receptors read a pause against the tonic rate in
#: force with circuit.dopamine_dip_relative; Frank 2005, J Cogn Neurosci 17:51). The error
#: is written out twice: Brian2 takes a temporary computed by a function (``clip``) for a vector
#: and refuses the shared writes after it.
DOPAMINE_NEURONS = """
rate : Hz (shared)         # firing rate of the dopamine neurons
tonic : Hz (shared)        # tonic (baseline) rate r0 in force
model_tonic : Hz (shared)  # the model's tonic rate: the reference of the tonic bias rho
burst_gain : Hz (shared)   # Hz per unit of positive TD error
dip_gain : Hz (shared)     # Hz per unit of negative TD error
unit_gain : Hz (shared)    # the model's Hz per unit of plasticity signal (kappa)
dip_scale : 1 (shared)     # factor of a dip's signal (1; r0_model/r0 with relative dips)
"""
DOPAMINE_NEURON_CODE = """
td = reward - rbar + gamma * (1 - terminal) * v - v_prev
modulated = (1 - da_clamp) * (da_gain * td + da_shift) + da_clamp * da_fixed
rate = clip(tonic + burst_gain * clip(transition * clip(modulated, -da_floor, inf), 0, inf) + dip_gain * clip(transition * clip(modulated, -da_floor, inf), -inf, 0), 0 * Hz, inf * Hz)
delta = (rate - tonic) / unit_gain * (1 + (dip_scale - 1) * int(rate < tonic))
v_prev = v
"""
#: The D1/D2 opponent actor (circuit.striatum = "opponent"): the dorsal striatum's first A units
#: are the Go (D1) and the last A the NoGo (D2) units; the receptor blockades it keeps.
OPPONENT = """
d1_block : 1 (shared)  # fraction of D1 receptors blocked (Go pathway)
d2_block : 1 (shared)  # fraction of D2 receptors blocked (NoGo pathway)
"""

#: Sensory adaptation of the observation channels of the input population (circuit.input_adaptation,
#: run before the drives): the sensed value joins the channel's running statistics (Chan et al.'s
#: update with a batch of one, as Gymnasium's ``RunningMeanStd``), and the channel's rate is the
#: value centred and scaled by them. With ``adapting`` = 0 (evaluations) the statistics stay as
#: they are; the 0/1 factors keep the arithmetic exact either way.
ADAPTATION_CODE = """
seen = obs_count + adapting
dev = adapting * (x - obs_mean)
obs_mean = obs_mean + dev / seen
obs_var = adapting * (obs_var * obs_count + dev * dev * obs_count / seen) / seen + (1 - adapting) * obs_var
obs_count = seen
x = (x - obs_mean) / sqrt(obs_var + 1e-8)
"""

#: Parameters of the default models that an evaluation holds fixed (besides the rule's variables).
PARAMETERS = {
    "cortex": {"tau", "b", SILENCED},
    "striatum_ventral": {"b"},
    "vta": {"da_gain", "da_shift", "da_clamp", "da_fixed", "da_floor"},
}

# --- the learning rule: per-population variables -------------------------------------------------

_MODULATORS = """
delta : 1 (linked)       # dopamine from the VTA (the third factor)
ended : 1 (linked)       # episode boundary: traces reset after this tick's update
lr : 1 (linked)          # learning rate of this group (0 on ticks without an update)
clip_scale : 1 (linked)  # norm-clip factor of this tick's update (non-local, see loop)
discount : 1 (linked)    # episodic discount I = gamma^t of the gradients entering the traces
"""
_ADAM_MODULATORS = """
beta1 : 1 (linked)  # Adam decay rates (1 on ticks without an update: moments unchanged)
beta2 : 1 (linked)
c1 : 1 (linked)     # Adam bias corrections 1 - beta^t
c2 : 1 (linked)
"""
_ENTROPY_MODULATOR = """
ent : 1 (linked)    # entropy weight eta_H on ticks with a TD transition, else 0
"""
_LESION = """
lesioned : 1 (shared)  # 1 = population lesioned: it outputs 0 and sends no learning signal
"""

_CORTEX_RULE = """
dp_tau/dt = ((h - phi) / tau - p_tau) / tau - leak_e_tau * p_tau : second**-1  # RFLO eligibility
dp_b/dt = (gain - p_b) / tau - leak_e_b * p_b : 1  # ... of tau and of the bias (input 1)
leak_e_tau = own_tau_e_tau * (1 / tau_e_tau - 1 / tau) : Hz  # extra leak: decay with tau_e_...
leak_e_b = own_tau_e_b * (1 / tau_e_b - 1 / tau) : Hz        # instead of tau (rflo_tau)
own_tau_e_tau : 1 (shared)  # 1 = these eligibilities decay with their tau_e_...
own_tau_e_b : 1 (shared)
tau_e_tau : second (shared)
tau_e_b : second (shared)
gain : 1            # phi'(u) of this tick (set as the state update starts), read by the synapses
h_prev : 1          # h before this tick's step: the presynaptic rate of the recurrent RFLO traces
sig_A : 1           # feedback from striatum_dorsal: sum_p B_A psi_p
sig_C : 1           # feedback from striatum_ventral: B_C
s = sig_C + eta_pi * sig_A : 1  # learning signal g = B_C + eta_pi B_A psi
z_tau : second**-1  # TD traces
z_b : 1
d_tau : second**-1  # update directions
d_b : 1
plastic_tau : 1           # 1 = tau learns, 0 = fixed (per unit: train_tau of its population, a block)
plastic_b : 1 (shared)    # 1 = the bias learns, 0 = blocked
lam_tau : 1 (shared)      # lambda of the TD traces: they decay by gamma * lam per tick
lam_b : 1 (shared)
"""
_CORTEX_ENTROPY = """
sig_H : 1           # feedback from striatum_dorsal: sum_p B_A chi_p (entropy)
s_H = ent * sig_H : 1  # entropy signal eta_H B_A chi (0 without a TD transition)
"""
_CORTEX_ADAM = """
m_tau : 1  # Adam moments, tau's in tick units
n_tau : 1
m_b : 1
n_b : 1
"""
_INPUT_RULE = """
obs_mean : 1   # running statistics of an observation channel (circuit.input_adaptation)
obs_var : 1
obs_count : 1
adapting : 1 (shared)  # 1 = the statistics learn (training), 0 = held (evaluations)
"""
# the critic bias belongs to the whole (one-unit) population: shared, updated by scalar code
_VENTRAL_RULE = """
z_b : 1 (shared)        # TD trace of the critic bias
d_b : 1 (shared)        # its update direction
plastic_b : 1 (shared)  # 1 = the critic bias learns, 0 = blocked
lam_b : 1 (shared)      # lambda of its TD trace
"""
_VENTRAL_ADAM = """
m_b : 1 (shared)
n_b : 1 (shared)
"""

# --- projections ---------------------------------------------------------------------------------

_PLASTIC_SYNAPSE = """
w : 1                 # weight
z : 1                 # TD trace
d : 1                 # update direction
plastic : 1  # 1 = the synapse learns, 0 = fixed (the description's fixed projections, a block)
lam : 1 (shared)      # lambda of the TD traces: they decay by gamma * lam per tick
"""
_ADAM_SYNAPSE = """
m : 1  # Adam first moment
n : 1  # Adam second moment
"""
# p follows dp/dt = (gain_post * r_pre - p) / tau_post - leak_e * p (forward Euler), stepped by
# the rule's code (:func:`rflo_code`) once the postsynaptic unit has taken its own step
_RFLO_SYNAPSE = """
p : 1                  # RFLO eligibility of the synapse
leak_e = own_tau_e * (1 / tau_e - 1 / tau_post) : Hz  # extra leak: p decays with tau_e instead
own_tau_e : 1 (shared)   # 1 = the eligibility decays with tau_e (the manipulation rflo_tau);
tau_e : second (shared)  # its drive keeps the post unit's tau
"""


class Projection(NamedTuple):
    """A plastic projection: ``pre`` group's ``rate`` summed into ``post``'s ``target``.

    ``post`` is one of :data:`PLASTIC_TARGETS`; it decides the rule the weights learn by.
    """

    pre: str
    post: str
    rate: str
    target: str


#: Populations a plastic projection may end on, and the rule of its weights there: the cortex
#: (RFLO eligibility × the cortical learning signal, the cortical learning rate and clip group),
#: the actor readout (score of the selected action), the critic readout (the value's gradient).
PLASTIC_TARGETS = {
    "cortex": "RFLO eligibility p (postsynaptic slope and tau, presynaptic rate), learning "
              "signal s = B_C + eta_pi B_A psi of the postsynaptic unit; lambda_cortex, lr_cortex",
    "striatum_dorsal": "presynaptic rate x score psi of the selected action; lambda_actor, "
                       "lr_readout",
    "striatum_ventral": "presynaptic rate x value slope g; lambda_critic, the critic's rate",
}

#: The circuit's plastic projections (name -> pre, post, presynaptic rate, summed target).
PLASTIC_PROJECTIONS = {
    "input_cortex": Projection("input", "cortex", "x", "u_in"),
    "cortex_cortex": Projection("cortex", "cortex", "h", "u_rec"),
    "cortex_striatum_dorsal": Projection("cortex", "striatum_dorsal", "h", "y"),
    "cortex_striatum_ventral": Projection("cortex", "striatum_ventral", "h", "v_in"),
}


def _presynaptic_rate(proj: Projection) -> str:
    """The rate a synapse's rule reads: the cortex's own rates as they were when summed into the
    drive (before this tick's step) for an RFLO trace, else the rate as it is."""
    if proj.post == "cortex" and proj.pre == "cortex" and proj.rate == "h":
        return "h_prev_pre"
    return f"{proj.rate}_pre"


def drive_equation(proj: Projection) -> str:
    """The summed variable of a plastic projection (a lesioned readout receives no drive)."""
    rate = f"{proj.rate}_pre"
    lesion = "(1 - lesioned_post) * " if proj.post == "striatum_dorsal" else ""
    return f"{proj.target}_post = {lesion}w * {rate} : 1 (summed)"


#: name -> (pre, post, model): fixed random feedback carrying the learning signal to cortex
FEEDBACK_PROJECTIONS = {
    "feedback_striatum_dorsal": ("striatum_dorsal", "cortex", """
w : 1  # fixed random feedback weight B_A
sig_A_post = w * psi_pre : 1 (summed)
"""),
    "feedback_striatum_ventral": ("striatum_ventral", "cortex", """
w : 1  # fixed random feedback weight B_C
sig_C_post = w * g_pre : 1 (summed)
"""),
}
#: the entropy's feedback, on the dorsal feedback synapses (only with learning.entropy > 0)
FEEDBACK_ENTROPY = "sig_H_post = w * chi_pre : 1 (summed)\n"


#: Dale's law (circuit.sign): the sign of each cortical unit's outgoing recurrent synapses
_CORTEX_DALE = """
dale_sign : 1  # +1 excitatory, -1 inhibitory, 0 unconstrained (constant)
"""
#: After each step of cortex_cortex: a synapse that left its presynaptic unit's sign is set to 0
#: (exact for an unconstrained unit, sign 0: w + 0)
DALE_CODE = "w = dale_sign_pre * clip(dale_sign_pre * w, 0, inf) + (1 - abs(dale_sign_pre)) * w"

#: The two-stage cascade trace of a corticostriatal projection (learning.eligibility_cascade)
_CASCADE_SYNAPSE = """
q : 1                      # synaptic tag: q <- tag_decay q + gradient, feeds the trace z
tag_decay : 1 (shared)     # a_r = exp(-env_dt / eligibility_rise_s)
tag_gain : 1 (shared)      # c: z <- gamma lam z + c q (gamma lam = exp(-env_dt / eligibility_decay_s))
"""


def projection_equations(proj: Projection, adam: bool, cascade: bool = False) -> Equations:
    """Model of a plastic projection: weight, traces, direction, moments, summed drive (and the
    tag of a cascade trace)."""
    if proj.post not in PLASTIC_TARGETS:
        raise ModelError(f"a plastic projection ends on one of {list(PLASTIC_TARGETS)}, "
                         f"not {proj.post!r}")
    text = _PLASTIC_SYNAPSE + (_ADAM_SYNAPSE if adam else "")
    if proj.post == "cortex":
        text += _RFLO_SYNAPSE
    if cascade:
        text += _CASCADE_SYNAPSE
    text += drive_equation(proj) + "\n"
    return Equations(text)


# --- the rule, as code ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlasticVariable:
    """One plastic quantity of the circuit and the local rule that moves it.

    Attributes
    ----------
    owner : str
        Projection or population holding it.
    var : str
        The parameter (``w``, ``tau``, ``b``).
    direction : str
        Brian2 expression of its update direction before the plasticity switch: δ times its TD
        trace (the trace *before* this tick's gradient) plus the entropy term.
    gradient : str
        Immediate gradient of this tick, accumulated into the TD trace.
    trace : str
        Which λ of ``learning`` its TD trace starts with: ``cortex``, ``actor`` or ``critic``.
    unit : str
        Constant converting the direction to the reference's units ("" = none; τ: ``tick``).
    """

    owner: str
    var: str
    direction: str
    gradient: str
    trace: str
    unit: str = ""

    def name(self, base: str) -> str:
        """The owner's variable ``base`` of this quantity: ``d``, ``z``, ``m``, ``n``,
        ``plastic``, ``lam`` for a weight; ``d_tau``, ``z_tau``, ... for a neuron's τ."""
        return base if self.var == "w" else f"{base}_{self.var}"


def synapse_variable(name: str, proj: Projection, entropy: bool) -> PlasticVariable:
    """The weight of plastic projection ``name`` under the rule of its target population."""
    rate = _presynaptic_rate(proj)
    if proj.post == "cortex":
        return PlasticVariable(name, "w", "delta_post * z" + (" + s_H_post * p" if entropy else ""),
                               "s_post * p", "cortex")
    if proj.post == "striatum_dorsal":
        return PlasticVariable(
            name, "w", "delta_post * z" + (f" + ent_post * {rate} * chi_post" if entropy else ""),
            f"eta_pi * {rate} * psi_post", "actor")
    return PlasticVariable(name, "w", "delta_post * z", f"g_post * {rate}", "critic")


def plastic_variables(projections: dict, entropy: bool) -> tuple[PlasticVariable, ...]:
    """Every plastic quantity of a circuit with these plastic projections: their weights, then the
    critic bias, then the cortical τ and bias."""
    ent = " + s_H * p_tau" if entropy else ""
    return (*(synapse_variable(name, proj, entropy) for name, proj in projections.items()),
            PlasticVariable("striatum_ventral", "b", "delta * z_b", "g", "critic"),
            PlasticVariable("cortex", "tau", "delta * z_tau" + ent, "s * p_tau", "cortex",
                            unit="tick"),
            PlasticVariable("cortex", "b", "delta * z_b" + ent.replace("p_tau", "p_b"), "s * p_b",
                            "cortex"))


#: The default circuit's plastic quantities (with the entropy bonus).
PLASTIC = plastic_variables(PLASTIC_PROJECTIONS, True)


def plastic_owners(projections: dict) -> tuple[str, ...]:
    """Owners of plastic variables, in the order their rule code runs (cortex last: it resets h,
    which the readout traces read)."""
    return (*projections, "striatum_ventral", "cortex")


def cortical_owners(projections: dict) -> tuple[str, ...]:
    """Owners of the cortical group {W, τ, b}: the cortical learning rate and clip group."""
    return (*(n for n, p in projections.items() if p.post == "cortex"), "cortex")


#: Owners of plastic variables of the default circuit, in the order their rule code runs.
PLASTIC_OWNERS = plastic_owners(PLASTIC_PROJECTIONS)
#: Owners of the cortical group {W, τ, b} of the default circuit.
CORTICAL_OWNERS = cortical_owners(PLASTIC_PROJECTIONS)


def _post(owner: str) -> str:
    """Suffix of the modulators as seen from the owner (synapses read them post-synaptically)."""
    return "" if owner in ("cortex", "striatum_ventral", "striatum_dorsal") else "_post"


def rflo_code(proj: Projection) -> str:
    """One forward-Euler step of the RFLO eligibility of a projection onto cortex, taken after the
    cortex's own step with the slope and presynaptic rate of that step."""
    return (f"p = p + dt * ((gain_post * {_presynaptic_rate(proj)} - p) / tau_post "
            f"- leak_e * p)")


def direction_code(plastic: tuple, owner: str) -> str:
    """Update directions of the plastic variables of ``owner``: d = plastic · (δ z + entropy)."""
    return "\n".join(f"{pv.name('d')} = {pv.name('plastic')} * ({pv.direction})"
                     for pv in plastic if pv.owner == owner)


def episode_reset(owner: str, proj: Projection | None) -> tuple[str, ...]:
    """Variables of ``owner`` reset to 0 at an episode end, after the update: RFLO traces (and
    the cortical rates)."""
    if owner == "cortex":
        return ("p_tau", "p_b", "h")
    return ("p",) if proj is not None and proj.post == "cortex" else ()


def trace_code(plastic: tuple, owner: str, episodic: bool, resets=(), cascade: bool = False) -> str:
    """TD traces z ← γλ z + gradient (the gradient scaled by I = γ^t if ``episodic``) — or, at an
    episode end, z ← 0 and the variables ``resets`` ← 0. With ``cascade`` a weight's trace is fed
    by its tag instead, z ← γλ z + c q, and the tag by the gradient, q ← a_r q + gradient."""
    post = _post(owner)
    keep = f"(1 - ended{post})"
    scale = f"discount{post} * " if episodic else ""
    lines = []
    for pv in plastic:
        if pv.owner != owner:
            continue
        z, lam = pv.name("z"), pv.name("lam")
        if cascade and pv.var == "w":
            lines += [f"{z} = {keep} * (gamma * {lam} * {z} + tag_gain * q)",
                      f"q = {keep} * (tag_decay * q + {scale}({pv.gradient}))"]
        else:
            lines.append(f"{z} = {keep} * (gamma * {lam} * {z} + {scale}({pv.gradient}))")
    lines += [f"{v} = {keep} * {v}" for v in resets]
    return "\n".join(lines)


def step_code(plastic: tuple, owner: str, adam: bool) -> str:
    """Optimizer step of each plastic variable of ``owner`` along its clipped direction
    ``clip_scale · d`` (SGD or Adam); τ is then kept ≥ tau_min.

    τ's direction is taken in tick units (``· tick``) and its step converted back, so that the
    Adam moments, ε and the learning rate are those of the reference engine. A blocked variable
    (plastic = 0) has d = 0, and under Adam its step is switched off too: the moments it
    accumulated before the block would still move it.
    """
    post = _post(owner)
    lines = []
    for pv in plastic:
        if pv.owner != owner:
            continue
        d, m, n = pv.name("d"), pv.name("m"), pv.name("n")
        cs, lr = f"clip_scale{post}", f"lr{post}"
        g = f"{cs} * {d}" + (f" * {pv.unit}" if pv.unit else "")
        back = f"{pv.unit} * " if pv.unit else ""
        if not adam:
            lines.append(f"{pv.var} += {back}{lr} * {g}")
        else:
            b1, b2, c1, c2 = (f"{k}{post}" for k in ("beta1", "beta2", "c1", "c2"))
            lines += [f"{m} = {b1} * {m} + (1 - {b1}) * {g}",
                      f"{n} = {b2} * {n} + (1 - {b2}) * ({g})**2",
                      f"{pv.var} += {back}{pv.name('plastic')} * {lr} * ({m} / {c1}) "
                      f"/ (sqrt({n} / {c2}) + adam_eps)"]
        if pv.var == "tau":
            lines.append("tau = clip(tau, tau_min, tau_max)")
    return "\n".join(lines)



def parse_equations(text, population: str) -> Equations:
    """``Equations(text)``; a syntax error names the population, the line and its variable.

    Raises
    ------
    ModelError
        For equations Brian2 cannot parse.
    """
    if isinstance(text, Equations):
        return text
    try:
        return Equations(str(text))
    except Exception as exc:  # SyntaxError, EquationError, ValueError from the parser
        raise ModelError(f"equations of population {population!r}: "
                         f"{_locate(str(text), exc)}") from exc


def _locate(text: str, exc: Exception) -> str:
    """The first line of ``text`` Brian2 refuses on its own, with its variable and the error."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        try:
            Equations(stripped)
        except Exception as line_exc:  # noqa: BLE001 - any parse failure locates the line
            return (f"variable {_variable_of(stripped)!r} (line {number}: {stripped!r}): "
                    f"{type(line_exc).__name__}: {line_exc}")
    return f"{type(exc).__name__}: {exc}"


def _variable_of(line: str) -> str:
    """The variable a line of equations defines (``dX/dt = ...``, ``X = ...``, ``X : unit``)."""
    head = re.split(r"[=:]", line, maxsplit=1)[0].strip()
    match = re.fullmatch(r"d\s*(\w+)\s*/\s*dt", head)
    return match.group(1) if match else head


def population_equations(name: str, model: str | Equations | None, adam: bool,
                         entropy: bool = True, dopamine_neurons: bool = False,
                         opponent: bool = False, dale: bool = False) -> Equations:
    """A population's model (default or user-given) plus the rule's variables, checked
    (with the variables of :data:`DOPAMINE_NEURONS` and :data:`OPPONENT` when those options
    are on, and Dale's sign when ``dale``).

    Raises
    ------
    ModelError
        If the model does not parse (naming the line and variable), lacks a variable the rule or
        the loop reads, or defines one the rule adds.
    """
    eqs = parse_equations(MODELS[name] if model is None else model, name)
    missing = [v for v in REQUIRED[name] if v not in eqs.names]
    if missing:
        why = "; ".join(f"{v!r}: {REQUIRED[name][v]}" for v in missing)
        raise ModelError(
            f"equations of population {name!r} lack variable(s) the learning rule needs — {why}")
    rule = ""
    if name == "cortex":
        rule = _CORTEX_RULE + _MODULATORS + _ENTROPY_MODULATOR + (
            _CORTEX_ENTROPY if entropy else "") + (_CORTEX_ADAM + _ADAM_MODULATORS if adam else "") + (
            _CORTEX_DALE if dale else "")
    elif name == "striatum_dorsal":
        rule = _LESION + _MODULATORS + _ENTROPY_MODULATOR + (_ADAM_MODULATORS if adam else "") + (
            OPPONENT if opponent else "")
    elif name == "input":
        rule = _INPUT_RULE
    elif name == "vta":
        rule = "learn : 1 (linked)  # 1 when this tick applies an update (average reward)\n" + (
            DOPAMINE_NEURONS if dopamine_neurons else "")
    elif name == "striatum_ventral":
        rule = _LESION + _VENTRAL_RULE + _MODULATORS + (
            _VENTRAL_ADAM + _ADAM_MODULATORS if adam else "")
    if not rule:
        return eqs
    rule_eqs = Equations(rule)
    clash = sorted(set(eqs.names) & set(rule_eqs.names))
    if clash:
        raise ModelError(
            f"equations of population {name!r} define {clash}, which the learning rule adds itself")
    return eqs + rule_eqs


def check_population(group, population: str) -> None:
    """Resolve every identifier and check the units of every equation of ``group`` (a circuit
    population), one equation at a time, so that an error names the population and variable.

    Raises
    ------
    ModelError
        For an identifier nothing defines, or an equation whose units do not match.
    """
    from brian2.equations.equations import DIFFERENTIAL_EQUATION, SUBEXPRESSION
    from brian2.equations.unitcheck import check_dimensions
    from brian2.units.allunits import second
    from brian2.units.fundamentalunits import DimensionMismatchError

    eqs = group.equations
    for var, equation in eqs._equations.items():
        if equation.type not in (DIFFERENTIAL_EQUATION, SUBEXPRESSION):
            continue
        where = (f"equations of population {population!r}, variable {var!r} "
                 f"({'d' + var + '/dt' if equation.type == DIFFERENTIAL_EQUATION else var} = "
                 f"{equation.expr})")
        external = set(equation.expr.identifiers) - set(group.variables)
        try:
            resolved = group.resolve_all(external, {}, user_identifiers=external)
        except KeyError as exc:
            raise ModelError(f"{where}: {exc.args[0] if exc.args else exc} (constants go into "
                             "the loop's namespace, e.g. loop.namespace['sigma'] = 0.1)") from exc
        dims = eqs.dimensions[var]
        if equation.type == DIFFERENTIAL_EQUATION:
            dims = dims / second.dim
        try:
            check_dimensions(str(equation.expr), dims, {**group.variables, **resolved})
        except DimensionMismatchError as exc:
            raise ModelError(f"{where}: inconsistent units: {exc.desc}") from exc


#: The optimizer's global (non-local) state, one shared value per circuit, set by the loop.
OPTIMIZER = """
learn : 1 (shared)       # 1 when this tick applies an update (a TD transition, plasticity on)
lr_cortex : 1 (shared)   # scheduled learning rates (0 on ticks without an update)
lr_readout : 1 (shared)  # the actor's; the critic's is lr_readout * optimizer.lr_critic_scale
lr_critic : 1 (shared)
clip_scale_cortex : 1 (shared)   # norm-clip factors of this tick's update, per group
clip_scale_readout : 1 (shared)  # (equal unless optimizer.clip_scope = "cortex")
discount : 1 (shared)    # episodic discount I = gamma^t of the gradients (1 when it is off)
beta1 : 1 (shared)       # Adam decay rates in effect (1 on ticks without an update)
beta2 : 1 (shared)
c1 : 1 (shared)          # Adam bias corrections
c2 : 1 (shared)
ent : 1 (shared)         # entropy weight eta_H (0 on ticks without a TD transition)
"""
