"""The circuit as Brian2 text: population models, projection models and the learning rule.

Each population has a *model* (what its units compute; a user may replace it) and, for the plastic
ones, *rule* equations that :func:`population_equations` appends (the traces, update directions,
optimizer moments and the links to the broadcast modulators). The learning rule itself is
:data:`PLASTIC` (one entry per plastic quantity) turned into code by :func:`direction_code`,
:func:`trace_code` and :func:`step_code`, run once per tick in the order set by
:mod:`bioRTRRL.engines.brian2.circuit`.

Notation follows docs/algorithm.md: ``x`` input rates, ``h`` cortical rates, ``p`` the RFLO eligibility
of a synapse (or of a neuron's τ and bias), ``z`` its TD trace, ``d`` its update direction.
Trace and moment names avoid ``e``, Euler's number in Brian2.

Time constants are physical (``second``); one environment step is one tick of the Brian2 clock.
The τ-learning quantities are in 1/second and converted by ``tick`` (the duration of one tick of
the model's τ, ``env_dt / circuit.dt``) where the optimizer needs tick units, so that ε, the
learning rate and the global-norm clip mean exactly what they mean in the reference engine.
"""

from __future__ import annotations

from dataclasses import dataclass

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

VTA = """
v : 1 (shared)           # value of this tick, from striatum_ventral
v_prev : 1 (shared)      # value of the previous tick
reward : 1 (shared)      # reward of the transition into this tick
terminal : 1 (shared)    # 1 when the episode terminated on this tick (no bootstrap)
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

#: Code of the forward pass (groups slot): the cortical slope the synapses read, the critic value
#: (a lesioned readout outputs 0).
FORWARD_CODE = {
    "cortex": "gain = phi_prime",
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

#: Sensory adaptation of the observation channels of the input population (circuit.input_adaptation,
#: run before the drives): the sensed value joins the channel's running statistics (Chan et al.'s
#: update with a batch of one, as Gymnasium's ``RunningMeanStd``), and the channel's rate is the
#: value centred and scaled by them.
ADAPTATION_CODE = """
seen = obs_count + 1
dev = x - obs_mean
obs_mean = obs_mean + dev / seen
obs_var = (obs_var * obs_count + dev * dev * obs_count / seen) / seen
obs_count = seen
x = (x - obs_mean) / sqrt(obs_var + 1e-8)
"""

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
gain : 1            # phi'(u) of this tick, read by the incoming plastic synapses
sig_A : 1           # feedback from striatum_dorsal: sum_p B_A psi_p
sig_H : 1           # feedback from striatum_dorsal: sum_p B_A chi_p (entropy)
sig_C : 1           # feedback from striatum_ventral: B_C
s : 1               # learning signal g = B_C + eta_pi B_A psi
s_H : 1             # entropy signal eta_H B_A chi (0 without a TD transition)
z_tau : second**-1  # TD traces
z_b : 1
d_tau : second**-1  # update directions
d_b : 1
plastic_tau : 1           # 1 = tau learns, 0 = fixed (per unit: train_tau of its population, a block)
plastic_b : 1 (shared)    # 1 = the bias learns, 0 = blocked
lam_tau : 1 (shared)      # lambda of the TD traces: they decay by gamma * lam per tick
lam_b : 1 (shared)
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
_RFLO_SYNAPSE = """
dp/dt = (gain_post * {pre}_pre - p) / tau_post - leak_e * p : 1 (clock-driven)  # RFLO eligibility
leak_e = own_tau_e * (1 / tau_e - 1 / tau_post) : Hz  # extra leak: p decays with tau_e instead
own_tau_e : 1 (shared)   # 1 = the eligibility decays with tau_e (the manipulation rflo_tau);
tau_e : second (shared)  # its drive keeps the post unit's tau
"""

#: name -> (pre, post, presynaptic rate, summed drive of the post population)
PLASTIC_PROJECTIONS = {
    "input_cortex": ("input", "cortex", "x", "u_in_post = w * x_pre"),
    "cortex_cortex": ("cortex", "cortex", "h", "u_rec_post = w * h_pre"),
    # a lesioned population receives no drive
    "cortex_striatum_dorsal": ("cortex", "striatum_dorsal", "h",
                               "y_post = (1 - lesioned_post) * w * h_pre"),
    "cortex_striatum_ventral": ("cortex", "striatum_ventral", "h", "v_in_post = w * h_pre"),
}
#: name -> (pre, post, model): fixed random feedback carrying the learning signal to cortex
FEEDBACK_PROJECTIONS = {
    "feedback_striatum_dorsal": ("striatum_dorsal", "cortex", """
w : 1  # fixed random feedback weight B_A
sig_A_post = w * psi_pre : 1 (summed)
sig_H_post = w * chi_pre : 1 (summed)
"""),
    "feedback_striatum_ventral": ("striatum_ventral", "cortex", """
w : 1  # fixed random feedback weight B_C
sig_C_post = w * g_pre : 1 (summed)
"""),
}


def projection_equations(name: str, adam: bool) -> Equations:
    """Model of a plastic projection: weight, traces, direction, moments, summed drive."""
    _pre, _post, rate, drive = PLASTIC_PROJECTIONS[name]
    text = _PLASTIC_SYNAPSE + (_ADAM_SYNAPSE if adam else "")
    if name in ("input_cortex", "cortex_cortex"):
        text += _RFLO_SYNAPSE.format(pre=rate)
    text += f"{drive} : 1 (summed)\n"
    return Equations(text)


# --- the rule, as code ---------------------------------------------------------------------------

#: Cortex, once the feedback has arrived: learning signal and entropy signal of each unit.
CORTEX_SIGNAL_CODE = """
s = sig_C + eta_pi * sig_A
s_H = ent * sig_H
"""


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


PLASTIC = (
    PlasticVariable("input_cortex", "w", "delta_post * z + s_H_post * p", "s_post * p", "cortex"),
    PlasticVariable("cortex_cortex", "w", "delta_post * z + s_H_post * p", "s_post * p", "cortex"),
    PlasticVariable("cortex_striatum_dorsal", "w",
                    "delta_post * z + ent_post * h_pre * chi_post", "eta_pi * h_pre * psi_post",
                    "actor"),
    PlasticVariable("cortex_striatum_ventral", "w", "delta_post * z", "g_post * h_pre", "critic"),
    PlasticVariable("cortex", "tau", "delta * z_tau + s_H * p_tau", "s * p_tau", "cortex",
                    unit="tick"),
    PlasticVariable("cortex", "b", "delta * z_b + s_H * p_b", "s * p_b", "cortex"),
    PlasticVariable("striatum_ventral", "b", "delta * z_b", "g", "critic"),
)

#: Variables reset to 0 at an episode end, after the update, per owner.
EPISODE_RESET = {
    "input_cortex": ("p",),
    "cortex_cortex": ("p",),
    "cortex": ("p_tau", "p_b", "h"),
}

#: Owners of the cortical group {W, τ, b} (the optimizer's cortical learning rate and clip).
CORTICAL_OWNERS = ("input_cortex", "cortex_cortex", "cortex")

#: Owners of plastic variables, in the order their plasticity code runs (cortex last: it resets
#: h, which the readout traces read).
PLASTIC_OWNERS = ("input_cortex", "cortex_cortex", "cortex_striatum_dorsal",
                  "cortex_striatum_ventral", "striatum_ventral", "cortex")


def _post(owner: str) -> str:
    """Suffix of the modulators as seen from the owner (synapses read them post-synaptically)."""
    return "_post" if owner in PLASTIC_PROJECTIONS else ""


def direction_code(owner: str) -> str:
    """Update directions of the plastic variables of ``owner``: d = plastic · (δ z + entropy)."""
    return "\n".join(f"{pv.name('d')} = {pv.name('plastic')} * ({pv.direction})"
                      for pv in PLASTIC if pv.owner == owner)


def trace_code(owner: str, episodic: bool) -> str:
    """TD traces z ← γλ z + gradient (the gradient scaled by I = γ^t if ``episodic``) — or, at an
    episode end, z ← 0 and the RFLO traces (and h) ← 0."""
    post = _post(owner)
    keep = f"(1 - ended{post})"
    scale = f"discount{post} * " if episodic else ""
    lines = [f"{pv.name('z')} = {keep} * (gamma * {pv.name('lam')} * {pv.name('z')} "
             f"+ {scale}({pv.gradient}))" for pv in PLASTIC if pv.owner == owner]
    lines += [f"{v} = {keep} * {v}" for v in EPISODE_RESET.get(owner, ())]
    return "\n".join(lines)


def step_code(owner: str, adam: bool) -> str:
    """Optimizer step of each plastic variable of ``owner`` along its clipped direction
    ``clip_scale · d`` (SGD or Adam); τ is then kept ≥ tau_min.

    τ's direction is taken in tick units (``· tick``) and its step converted back, so that the
    Adam moments, ε and the learning rate are those of the reference engine. A blocked variable
    (plastic = 0) has d = 0, and under Adam its step is switched off too: the moments it
    accumulated before the block would still move it.
    """
    post = _post(owner)
    lines = []
    for pv in PLASTIC:
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
            lines.append("tau = clip(tau, tau_min, inf * second)")
    return "\n".join(lines)


def population_equations(name: str, model: str | Equations | None, adam: bool) -> Equations:
    """A population's model (default or user-given) plus the rule's variables, checked.

    Raises
    ------
    ModelError
        If the model lacks a variable the rule or the loop reads, or defines one the rule adds.
    """
    text = MODELS[name] if model is None else model
    eqs = text if isinstance(text, Equations) else Equations(str(text))
    missing = [v for v in REQUIRED[name] if v not in eqs.names]
    if missing:
        why = "; ".join(f"{v!r}: {REQUIRED[name][v]}" for v in missing)
        raise ModelError(
            f"equations of population {name!r} lack variable(s) the learning rule needs — {why}")
    rule = ""
    if name == "cortex":
        rule = _CORTEX_RULE + _MODULATORS + _ENTROPY_MODULATOR + (
            _CORTEX_ADAM + _ADAM_MODULATORS if adam else "")
    elif name == "striatum_dorsal":
        rule = _LESION + _MODULATORS + _ENTROPY_MODULATOR + (_ADAM_MODULATORS if adam else "")
    elif name == "input":
        rule = _INPUT_RULE
    elif name == "vta":
        rule = "learn : 1 (linked)  # 1 when this tick applies an update (average reward)"
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
