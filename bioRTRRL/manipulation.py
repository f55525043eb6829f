"""Manipulations of the circuit: lesions, dopamine clamps, plasticity blocks, trace changes.

A manipulation is one ``[[manipulation]]`` table of a model file (or one call of
:func:`manipulate`): a ``kind``, a ``target``, the tick ``start`` from which it holds (0 = the
whole run; a later tick manipulates a circuit mid-training) and the kind's parameters::

    [[manipulation]]
    kind = "lesion"
    target = "striatum_ventral"
    start = 20000

    [[manipulation]]
    kind = "rectify_dopamine"     # δ_eff = max(δ, −baseline)  (Potjans et al. 2011)
    baseline = 0.2

Kinds (valid targets; parameters):

================ =============================== ==============================================
kind             targets                         effect from ``start`` on
================ =============================== ==============================================
lesion           cortex, striatum_dorsal,        silence the population: cortical units (all,
                 striatum_ventral, vta           or ``units``) output 0; a striatal readout
                                                 outputs 0 and sends no learning signal to
                                                 cortex; no VTA = dopamine clamped at 0
clamp_dopamine   vta                             δ = ``value`` on every TD transition
scale_dopamine   vta                             δ = ``gain`` · δ
shift_dopamine   vta                             δ = δ + ``shift`` (a tonic baseline change)
rectify_dopamine vta                             δ = max(δ, −``baseline``): dips bounded by the
                                                 tonic baseline (Potjans et al. 2011)
block_plasticity a projection (PROJECTIONS),     the projection's weights stop changing
                 ``cortex`` or ``all``
trace_lambda     same as block_plasticity        TD-trace decay of the projection: γ·``lam``
exact_feedback   feedback                        cortex receives its learning signal through
                                                 the readout weights (weight transport), not
                                                 the fixed random feedback synapses
freeze_cortex    cortex                          no plasticity in cortex (W, bias, τ): the
                                                 echo-state control
rflo_tau         input_cortex, cortex_cortex,    the RFLO eligibility of the projection's
                 cortex_bias, cortex_tau, cortex synapses decays with its own time constant
                                                 ``tau`` (ticks): P ← (1 − dt/τ_e) P + (dt φ'/τ_i) ξ
                                                 instead of the unit's own τ_i
================ =============================== ==============================================

Scale, shift and rectification compose (δ_eff = max(gain·δ + shift, −baseline)); a clamp overrides
scale and shift. Clamping dopamine (and lesioning the VTA) also switches off the entropy bonus and
clears the optimizer's momentum when it starts: in ALGORITHM.md the entropy gradient is the only
update not gated by δ, and through Adam's normalisation it alone would move every weight by about
one learning rate per tick; with it off, dopamine clamped at 0 is exactly plasticity off.

Engines: both engines implement every kind. In the Brian2 engine each manipulation is a variable
of the circuit a user can also set by hand: ``silenced`` (per cortical unit), ``lesioned`` (per
striatal population), ``plastic``, ``lam`` and ``own_tau_e``/``tau_e`` (per projection;
``plastic_tau``, ``lam_b``, ``tau_e_b``, ... for the cortical τ and biases), the ``da_*`` variables
of ``vta``, and ``circuit.exact_feedback``.

RFLO's eligibility trace normally decays with the postsynaptic unit's membrane τ (that is what makes
it an approximate gradient); ``rflo_tau`` gives a projection's traces a longer or shorter memory of
pre/post coincidences while the unit's dynamics stay as they are.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from .config import Model, ModelError

__all__ = ["KINDS", "PROJECTIONS", "Manipulations", "manipulate", "validate_manipulations"]

#: Plastic projections a manipulation can address, and what they hold.
PROJECTIONS = {
    "input_cortex": "W_in, input → cortex synapses",
    "cortex_cortex": "W_rec, recurrent cortical synapses",
    "cortex_bias": "cortical biases (intrinsic excitability)",
    "cortex_tau": "cortical time constants τ",
    "cortex_striatum_dorsal": "K_A, cortex → dorsal striatum (actor)",
    "cortex_striatum_ventral": "w_C and b_C, cortex → ventral striatum (critic)",
}
_GROUPS = {
    "cortex": ("input_cortex", "cortex_cortex", "cortex_bias", "cortex_tau"),
    "all": tuple(PROJECTIONS),
}
_PROJECTION_TARGETS = (*PROJECTIONS, *_GROUPS)


@dataclass(frozen=True)
class Param:
    """A parameter of a manipulation kind: its type, default (None = required) and range."""

    kind: type
    default: object = None
    low: float = -math.inf
    high: float = math.inf


@dataclass(frozen=True)
class Kind:
    """A kind of manipulation: its valid targets and parameters."""

    targets: tuple[str, ...]
    params: dict[str, Param] = field(default_factory=dict)
    doc: str = ""


KINDS: dict[str, Kind] = {
    "lesion": Kind(("cortex", "striatum_dorsal", "striatum_ventral", "vta"),
                   {"units": Param(list, [])},
                   doc="silence a population (cortex: all units, or the indices in units)"),
    "clamp_dopamine": Kind(("vta",), {"value": Param(float)},
                           doc="dopamine fixed at value"),
    "scale_dopamine": Kind(("vta",), {"gain": Param(float)},
                           doc="dopamine multiplied by gain"),
    "shift_dopamine": Kind(("vta",), {"shift": Param(float)},
                           doc="dopamine plus shift"),
    "rectify_dopamine": Kind(("vta",), {"baseline": Param(float, low=0.0)},
                             doc="dopamine bounded below by -baseline"),
    "block_plasticity": Kind(_PROJECTION_TARGETS, doc="no weight change in the projection"),
    "trace_lambda": Kind(_PROJECTION_TARGETS, {"lam": Param(float, low=0.0, high=1.0)},
                         doc="TD-trace decay gamma * lam in the projection"),
    "exact_feedback": Kind(("feedback",), doc="learning signal through the readout weights"),
    "freeze_cortex": Kind(("cortex",), doc="no cortical plasticity (echo-state control)"),
    "rflo_tau": Kind(("input_cortex", "cortex_cortex", "cortex_bias", "cortex_tau", "cortex"),
                     {"tau": Param(float, low=1.0)},
                     doc="RFLO eligibility time constant of the projection (ticks)"),
}
ENGINES = ("reference", "brian2")


def manipulate(model, kind: str, target: str | None = None, start: int = 0, **params) -> Model:
    """A copy of ``model`` with one manipulation appended.

    Parameters
    ----------
    model : path, dict or Model
    kind : str
        One of :data:`KINDS` (``lesion``, ``clamp_dopamine``, ...; see the module docstring).
    target : str, optional
        What it acts on; may be omitted when the kind has a single valid target.
    start : int
        First tick it holds (0 = from the start of the run).
    **params
        The kind's parameters, e.g. ``value=0.0`` for ``clamp_dopamine``, ``lam=0.5`` for
        ``trace_lambda``, ``units=[0, 3]`` for a partial cortical lesion.

    Returns
    -------
    Model
        Validated; its ``manipulation`` list ends with the full entry (defaults filled in), so that
        ``model.to_toml()`` writes it as a ``[[manipulation]]`` table.

    Raises
    ------
    ModelError
        Unknown kind, target or parameter (the message lists the valid ones), or a bad value.

    Examples
    --------
    >>> import bioRTRRL as br
    >>> m = br.manipulate(br.load_model("models/trace_conditioning.toml"), "lesion",
    ...                   target="striatum_ventral", start=5000)
    """
    from .config import load_model

    model = load_model(model)
    spec = _kind(f"manipulation[{len(model.manipulation)}]", kind)
    if target is None:
        if len(spec.targets) != 1:
            raise ModelError(f"manipulation kind {kind!r} needs a target; valid targets: "
                             f"{list(spec.targets)}")
        target = spec.targets[0]
    entry = {"kind": kind, "target": target, "start": start}
    entry.update({name: copy.deepcopy(p.default) for name, p in spec.params.items()
                  if p.default is not None})
    entry.update(params)
    data = model.to_dict()
    data["manipulation"].append(entry)
    return load_model(data)


def validate_manipulations(model: Model) -> None:
    """Check every ``[[manipulation]]`` entry of ``model``.

    Raises
    ------
    ModelError
        Naming the entry and key, e.g. ``manipulation[1].target: unknown target 'striatum' for
        kind 'lesion'; valid targets: [...]``.
    """
    for i, entry in enumerate(model.manipulation):
        _normalise(f"manipulation[{i}]", entry, model.circuit.cortex_size)


def _kind(where: str, kind) -> Kind:
    if kind not in KINDS:
        raise ModelError(f"{where}.kind: unknown kind {kind!r}; valid kinds: {list(KINDS)}")
    return KINDS[kind]


def _normalise(where: str, entry: dict, cortex_size: int) -> dict:
    """The entry with defaults filled in, after checking every key; raises ModelError."""
    if "kind" not in entry:
        raise ModelError(f"{where}: missing key 'kind'; valid kinds: {list(KINDS)}")
    kind = entry["kind"]
    spec = _kind(where, kind)
    allowed = {"kind", "target", "start", *spec.params}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ModelError(f"{where}: unknown key(s) {unknown} for kind {kind!r}; accepted keys: "
                         f"{sorted(allowed)}")
    target = entry.get("target", spec.targets[0] if len(spec.targets) == 1 else None)
    if target is None:
        raise ModelError(f"{where}: kind {kind!r} needs a target; valid targets: "
                         f"{list(spec.targets)}")
    if target not in spec.targets:
        raise ModelError(f"{where}.target: unknown target {target!r} for kind {kind!r}; valid "
                         f"targets: {list(spec.targets)}")
    start = entry.get("start", 0)
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ModelError(f"{where}.start must be an integer tick >= 0, got {start!r}")
    out = {"kind": kind, "target": target, "start": start}
    for name, p in spec.params.items():
        if name not in entry:
            if p.default is None:
                raise ModelError(f"{where}: kind {kind!r} needs parameter {name!r}")
            out[name] = copy.deepcopy(p.default)
            continue
        out[name] = _check_param(f"{where}.{name}", p, entry[name])
    if kind == "lesion":
        units = out["units"]
        if units and target != "cortex":
            raise ModelError(f"{where}.units: only a cortical lesion can be partial "
                             f"(target 'cortex'), got target {target!r}")
        bad = [u for u in units if isinstance(u, bool) or not isinstance(u, int)
               or not 0 <= u < cortex_size]
        if bad:
            raise ModelError(f"{where}.units must be cortical unit indices in [0, {cortex_size}), "
                             f"got {bad}")
    return out


def _check_param(where: str, p: Param, value):
    if p.kind is float:
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value)):
            raise ModelError(f"{where} must be a finite number, got {value!r}")
        if not p.low <= value <= p.high:
            raise ModelError(f"{where} must be in [{p.low}, {p.high}], got {value!r}")
        return float(value)
    if not isinstance(value, list):
        raise ModelError(f"{where} must be a list, got {value!r}")
    return list(value)


class Manipulations:
    """The ``[[manipulation]]`` entries of a model, applied to an engine at their start ticks.

    Parameters
    ----------
    model : Model
    dims : CircuitDims
        Population sizes (they locate each projection in the flat parameter layout).
    engine : {"reference", "brian2"}
        The engine that will be manipulated; a manipulation it cannot perform is refused here,
        before the run starts.

    Attributes
    ----------
    entries : list of dict
        The normalised entries (defaults filled in), in the order they are applied (by start,
        then file order).
    active : bool
        Whether there is anything to apply.

    Notes
    -----
    The caller asks :meth:`due` before every tick and calls :meth:`apply` when it answers True;
    an entry with ``start = t`` is then in force for tick t's forward pass, δ and update.
    """

    def __init__(self, model: Model, dims, engine: str = "reference"):
        if engine not in ENGINES:
            raise ModelError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
        entries = [_normalise(f"manipulation[{i}]", e, model.circuit.cortex_size)
                   for i, e in enumerate(model.manipulation)]
        self.entries = sorted(entries, key=lambda e: e["start"])
        self.active = bool(self.entries)
        self.dims = dims
        self.gamma = model.learning.gamma
        self._next = 0

    def due(self, tick: int) -> bool:
        """True when an entry not yet applied starts at or before ``tick``."""
        return self._next < len(self.entries) and self.entries[self._next]["start"] <= tick

    def apply(self, engine, tick: int) -> None:
        """Apply every entry due at ``tick`` to ``engine`` (a ReferenceEngine or a Brian2 loop)."""
        target = _Brian2Target(engine) if hasattr(engine, "circuit") else _ReferenceTarget(engine)
        while self.due(tick):
            entry = self.entries[self._next]
            self._next += 1
            self._apply(target, entry)
        self.active = self._next < len(self.entries)

    def _apply(self, eng, e: dict) -> None:
        kind, target = e["kind"], e["target"]
        if kind == "lesion":
            if target == "cortex":
                eng.silence_cortex(e["units"] or range(self.dims.N))
            elif target == "vta":
                eng.clamp_dopamine(0.0)
            else:
                eng.silence_readout(target)
        elif kind == "clamp_dopamine":
            eng.clamp_dopamine(e["value"])
        elif kind == "scale_dopamine":
            eng.set_dopamine(gain=e["gain"])
        elif kind == "shift_dopamine":
            eng.set_dopamine(shift=e["shift"])
        elif kind == "rectify_dopamine":
            eng.set_dopamine(floor=e["baseline"])
        elif kind == "block_plasticity":
            eng.block(self.indices(target))
        elif kind == "freeze_cortex":
            eng.block(self.indices("cortex"))
        elif kind == "trace_lambda":
            eng.set_decay(self.indices(target), self.gamma * e["lam"],
                          critic=target in ("cortex_striatum_ventral", "all"), lam=e["lam"])
        elif kind == "exact_feedback":
            eng.exact_feedback()
        elif kind == "rflo_tau":
            eng.set_rflo_tau(self.rflo_columns(target), e["tau"])

    def rflo_columns(self, target: str) -> np.ndarray:
        """Columns of the RFLO eligibility [ξ = (input, cortex, bias) | P_τ] of a projection."""
        d = self.dims
        parts = {"input_cortex": np.arange(d.D), "cortex_cortex": d.D + np.arange(d.N),
                 "cortex_bias": np.array([d.Z - 1]), "cortex_tau": np.array([d.Z])}
        names = _GROUPS["cortex"] if target == "cortex" else (target,)
        return np.concatenate([parts[n] for n in names])

    def indices(self, target: str) -> np.ndarray:
        """Positions of a projection (or group) in the flat parameter vector of the engines."""
        from .engines.kernels import layout

        d = self.dims
        lay = layout(d.N, d.Z, d.P)
        rows = np.arange(d.N)[:, None] * d.Z
        parts = {
            "input_cortex": (rows + np.arange(d.D)).ravel(),
            "cortex_cortex": (rows + d.D + np.arange(d.N)).ravel(),
            "cortex_bias": rows.ravel() + d.Z - 1,
            "cortex_tau": np.arange(lay["tau"].start, lay["tau"].stop),
            "cortex_striatum_dorsal": np.arange(lay["K_A"].start, lay["K_A"].stop),
            "cortex_striatum_ventral": np.arange(lay["w_C"].start, lay["b_C"].stop),
        }
        names = _GROUPS.get(target, (target,))
        return np.sort(np.concatenate([parts[n] for n in names]))


class _ReferenceTarget:
    """The reference engine's knobs (all in :mod:`bioRTRRL.engines.kernels`)."""

    def __init__(self, engine):
        from .engines import kernels

        self.e, self.K = engine, kernels

    def silence_cortex(self, units) -> None:
        units = np.asarray(list(units), dtype=np.int64)
        self.e.unit_mask[units] = 0.0
        # the silenced units' last activity must not reach the others on this tick either
        self.e.h[:, units] = 0.0

    def silence_readout(self, population: str) -> None:
        self.e.config["actor_lesion" if population == "striatum_dorsal" else "critic_lesion"] = 1

    def clamp_dopamine(self, value: float) -> None:
        self.e.config["da_fixed"] = value
        self.e.config["eta_h"] = 0.0
        self.e.config["entropy_on"] = 0
        self.e.adam_m[:] = 0.0

    def set_dopamine(self, gain=None, shift=None, floor=None) -> None:
        if gain is not None:
            self.e.config["da_gain"] = gain
        if shift is not None:
            self.e.config["da_shift"] = shift
        if floor is not None:
            self.e.config["da_rectify"] = 1
            self.e.config["da_baseline"] = floor

    def block(self, idx: np.ndarray) -> None:
        self.e.plastic[idx] = 0.0

    def set_decay(self, idx: np.ndarray, decay: float, critic: bool, lam: float) -> None:
        self.e.decay[idx] = decay
        if critic:  # the dutch critic trace reads λ_C from the configuration, not from decay
            self.e.config["lam_critic"] = lam

    def exact_feedback(self) -> None:
        self.e.exact_feedback = True

    def set_rflo_tau(self, columns: np.ndarray, tau: float) -> None:
        self.e.set_rflo_tau(columns, tau)


#: Adam first moments of the Brian2 circuit, per owner (projection or population).
_BRIAN2_FIRST_MOMENTS = {
    "input_cortex": ("m",), "cortex_cortex": ("m",), "cortex_striatum_dorsal": ("m",),
    "cortex_striatum_ventral": ("m",), "cortex": ("m_tau", "m_b"), "striatum_ventral": ("m_b",),
}


#: Brian2 (owner, parameter) of each projection a manipulation addresses.
_BRIAN2_PLASTIC = {
    "input_cortex": (("input_cortex", "w"),),
    "cortex_cortex": (("cortex_cortex", "w"),),
    "cortex_bias": (("cortex", "b"),),
    "cortex_tau": (("cortex", "tau"),),
    "cortex_striatum_dorsal": (("cortex_striatum_dorsal", "w"),),
    "cortex_striatum_ventral": (("cortex_striatum_ventral", "w"), ("striatum_ventral", "b")),
}

#: Brian2 owner and variable suffix of the RFLO eligibility time constant of each projection.
_BRIAN2_RFLO = {"input_cortex": ("input_cortex", ""), "cortex_cortex": ("cortex_cortex", ""),
                "cortex_bias": ("cortex", "_b"), "cortex_tau": ("cortex", "_tau")}


class _Brian2Target:
    """The Brian2 circuit's knobs: variables of its populations and projections
    (:mod:`bioRTRRL.engines.brian2.equations`)."""

    def __init__(self, loop):
        self.loop, self.c = loop, loop.circuit

    def silence_cortex(self, units) -> None:
        units = np.asarray(list(units), dtype=np.int64)
        self.c.array("cortex", "silenced")[units] = 1.0
        # the silenced units' last activity must not reach the others on this tick either
        self.c.array("cortex", "h")[units] = 0.0

    def silence_readout(self, population: str) -> None:
        self.c.array(population, "lesioned")[:] = 1.0

    def clamp_dopamine(self, value: float) -> None:
        self.c.array("vta", "da_clamp")[:] = 1.0
        self.c.array("vta", "da_fixed")[:] = value
        self.loop._eta_h = 0.0  # the loop writes the entropy weight of each tick from this
        if self.c.adam:
            for owner, names in _BRIAN2_FIRST_MOMENTS.items():
                for name in names:
                    self.c.array(owner, name)[:] = 0.0

    def set_dopamine(self, gain=None, shift=None, floor=None) -> None:
        for name, value in (("da_gain", gain), ("da_shift", shift), ("da_floor", floor)):
            if value is not None:
                self.c.array("vta", name)[:] = value

    def block(self, idx: np.ndarray) -> None:
        for owner, name in self._addressed(idx, "plastic"):
            self.c.array(owner, name)[:] = 0.0

    def set_decay(self, idx: np.ndarray, decay: float, critic: bool, lam: float) -> None:
        # the circuit holds λ and decays its traces by γ·λ, the ``decay`` given here
        for owner, name in self._addressed(idx, "lam"):
            self.c.array(owner, name)[:] = lam

    def exact_feedback(self) -> None:
        self.c.exact_feedback = True

    def set_rflo_tau(self, columns: np.ndarray, tau: float) -> None:
        rflo_columns = self.loop.manipulations.rflo_columns
        for projection, (owner, suffix) in _BRIAN2_RFLO.items():
            if np.isin(rflo_columns(projection), columns).all():
                self.c.array(owner, f"own_tau_e{suffix}")[:] = 1.0
                self.c.array(owner, f"tau_e{suffix}")[:] = tau * float(self.c.tick)

    def _addressed(self, idx: np.ndarray, base: str) -> list[tuple[str, str]]:
        """(owner, variable ``base`` of the parameter) of every projection within ``idx``."""
        indices = self.loop.manipulations.indices
        return [(owner, base if var == "w" else f"{base}_{var}")
                for projection, params in _BRIAN2_PLASTIC.items()
                if np.isin(indices(projection), idx).all() for owner, var in params]
