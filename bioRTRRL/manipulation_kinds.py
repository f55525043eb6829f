"""The kinds of manipulation a model may name, and the validation of ``[[manipulation]]`` entries.

This is specification only (the config layer): what each kind means and how the engines carry it
out is documented in :mod:`bioRTRRL.manipulation`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

from .errors import ModelError

__all__ = ["GROUPS", "KINDS", "PROJECTIONS", "normalise", "validate_manipulations"]

#: Plastic projections a manipulation can address, and what they hold.
PROJECTIONS = {
    "input_cortex": "W_in, input → cortex synapses",
    "cortex_cortex": "W_rec, recurrent cortical synapses",
    "cortex_bias": "cortical biases (intrinsic excitability)",
    "cortex_tau": "cortical time constants τ",
    "cortex_striatum_dorsal": "K_A, cortex → dorsal striatum (actor)",
    "cortex_striatum_ventral": "w_C and b_C, cortex → ventral striatum (critic)",
}
GROUPS = {
    "cortex": ("input_cortex", "cortex_cortex", "cortex_bias", "cortex_tau"),
    "all": tuple(PROJECTIONS),
}
_PROJECTION_TARGETS = (*PROJECTIONS, *GROUPS)


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
    "deplete_dopamine": Kind(("vta",), {"level": Param(float, low=0.0, high=1.0)},
                             doc="dopamine depletion (Parkinson's disease off medication): tonic "
                                 "rate and burst size times level"),
    "raise_dopamine": Kind(("vta",), {"factor": Param(float, low=1.0)},
                           doc="raised tonic dopamine (L-DOPA-like): tonic rate times factor, "
                               "dips divided by factor"),
    "block_d1": Kind(("striatum_dorsal",), {"fraction": Param(float, 1.0, low=0.0, high=1.0)},
                     doc="D1 antagonist: that fraction of dopamine's effect on the Go pathway "
                         "(plasticity and tonic bias) removed"),
    "block_d2": Kind(("striatum_dorsal",), {"fraction": Param(float, 1.0, low=0.0, high=1.0)},
                     doc="D2 antagonist: that fraction of dopamine's effect on the NoGo pathway "
                         "(plasticity and tonic bias) removed"),
}
#: Kinds that need the dopamine neurons (circuit.dopamine_neurons) or the opponent actor
#: (circuit.striatum = "opponent").
_NEEDS = {"deplete_dopamine": ("dopamine_neurons", True),
          "raise_dopamine": ("dopamine_neurons", True),
          "block_d1": ("striatum", "opponent"), "block_d2": ("striatum", "opponent")}
def validate_manipulations(model) -> None:
    """Check every ``[[manipulation]]`` entry of ``model``.

    Raises
    ------
    ModelError
        Naming the entry and key, e.g. ``manipulation[1].target: unknown target 'striatum' for
        kind 'lesion'; valid targets: [...]``.
    """
    for i, entry in enumerate(model.manipulation):
        normalise(f"manipulation[{i}]", entry, model.circuit.cortex_size)
        key, value = _NEEDS.get(entry["kind"], (None, None))
        if key is not None and getattr(model.circuit, key) != value:
            raise ModelError(f"manipulation[{i}]: kind {entry['kind']!r} needs circuit.{key} = "
                             f"{value!r}".replace("True", "true"))


def _kind(where: str, kind) -> Kind:
    if kind not in KINDS:
        raise ModelError(f"{where}.kind: unknown kind {kind!r}; valid kinds: {list(KINDS)}")
    return KINDS[kind]


def normalise(where: str, entry: dict, cortex_size: int) -> dict:
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
