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
deplete_dopamine vta                             dopamine depletion (Parkinson's disease off
                                                 medication): the dopamine neurons' tonic rate
                                                 and burst size times ``level`` (Frank 2005)
raise_dopamine   vta                             raised tonic dopamine (L-DOPA-like): tonic rate
                                                 times ``factor``, dips divided by it (the
                                                 medication fills the pauses; Frank 2005)
block_d1         striatum_dorsal                 D1 antagonist: ``fraction`` (default 1) of
                                                 dopamine's effect on the Go pathway removed
                                                 (its plasticity and the tonic bias of β_G)
block_d2         striatum_dorsal                 D2 antagonist: the same for the NoGo pathway
================ =============================== ==============================================

The last four need the circuit options they act on: ``circuit.dopamine_neurons`` (depletion,
raised dopamine; the tonic rate biases Go against NoGo through ``opponent_tonic_bias``) and
``circuit.striatum = "opponent"`` (the blockades). Frank 2005: J Cogn Neurosci 17:51.

Scale, shift and rectification compose (δ_eff = max(gain·δ + shift, −baseline)); a clamp overrides
scale and shift. Clamping dopamine (and lesioning the VTA) also switches off the entropy bonus and
clears the optimizer's momentum when it starts: in docs/algorithm.md the entropy gradient is the only
update not gated by δ, and through Adam's normalisation it alone would move every weight by about
one learning rate per tick; with it off, dopamine clamped at 0 is exactly plasticity off.

Engines: both engines implement every kind through the same public methods (:class:`Knobs`):
``silence``, ``clamp_dopamine``, ``modulate_dopamine``, ``block_plasticity``, ``set_trace_lambda``,
``use_exact_feedback``, ``set_rflo_tau``, ``scale_dopamine_neurons`` and ``block_receptors``;
this module only decides when. Projection targets
address every cortical population of the circuit's description together. In the Brian2 engine each
manipulation is a variable of the circuit a user can also set by hand: ``silenced`` (per cortical unit), ``lesioned`` (per
striatal population), ``plastic``, ``lam`` and ``own_tau_e``/``tau_e`` (per projection;
``plastic_tau``, ``lam_b``, ``tau_e_b``, ... for the cortical τ and biases), the ``da_*`` variables
of ``vta``, and ``circuit.exact_feedback``.

RFLO's eligibility trace normally decays with the postsynaptic unit's membrane τ (that is what makes
it an approximate gradient); ``rflo_tau`` gives a projection's traces a longer or shorter memory of
pre/post coincidences while the unit's dynamics stay as they are.
"""

from __future__ import annotations

import copy
from typing import Protocol

import numpy as np

from .config import Model, ModelError, load_model
from .manipulation_kinds import GROUPS, KINDS, PROJECTIONS, _kind, normalise, validate_manipulations

__all__ = ["KINDS", "PROJECTIONS", "Knobs", "Manipulations", "manipulate", "validate_manipulations"]


class Knobs(Protocol):
    """What an engine offers the manipulations (both engines implement it).

    ``projections`` are keys of :data:`PROJECTIONS`; every change holds from the next tick on.
    """

    def silence(self, population: str, units: np.ndarray | None = None) -> None:
        """Lesion: cortical ``units`` (None = all) output 0; a silenced readout outputs 0 and sends
        no learning signal; a silenced ``vta`` clamps dopamine at 0."""

    def clamp_dopamine(self, value: float) -> None:
        """δ = value on every transition; the entropy bonus off and Adam's momentum cleared."""

    def modulate_dopamine(self, gain: float | None = None, shift: float | None = None,
                          floor: float | None = None) -> None:
        """δ → max(gain·δ + shift, −floor) (each part only when given)."""

    def block_plasticity(self, projections: tuple[str, ...]) -> None:
        """The projections' parameters stop changing."""

    def set_trace_lambda(self, projections: tuple[str, ...], lam: float) -> None:
        """The projections' TD traces decay by γ·lam per tick."""

    def use_exact_feedback(self) -> None:
        """Cortex's learning signal through the readout weights instead of random feedback."""

    def set_rflo_tau(self, projections: tuple[str, ...], tau: float) -> None:
        """The projections' RFLO eligibility decays with time constant ``tau`` (ticks)."""

    def scale_dopamine_neurons(self, tonic: float = 1.0, burst: float = 1.0,
                               dip: float = 1.0) -> None:
        """The dopamine neurons' tonic rate, burst slope and dip slope multiplied by these."""

    def block_receptors(self, receptor: str, fraction: float) -> None:
        """``receptor`` ("d1" or "d2"): that fraction of dopamine's effect on its pathway removed
        — the pathway's synapses learn (1 − fraction) as much, and the tonic bias ρ enters its
        β (1 − fraction) as much."""


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


class Manipulations:
    """The ``[[manipulation]]`` entries of a model, applied to an engine at their start ticks.

    Parameters
    ----------
    model : Model

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

    def __init__(self, model: Model):
        entries = [normalise(f"manipulation[{i}]", e, model.circuit.cortex_size)
                   for i, e in enumerate(model.manipulation)]
        self.entries = sorted(entries, key=lambda e: e["start"])
        self.active = bool(self.entries)
        self._next = 0

    def due(self, tick: int) -> bool:
        """True when an entry not yet applied starts at or before ``tick``."""
        return self._next < len(self.entries) and self.entries[self._next]["start"] <= tick

    def next_start(self) -> int | None:
        """Start tick of the next entry not yet applied (None when every entry is in force)."""
        return self.entries[self._next]["start"] if self._next < len(self.entries) else None

    def apply(self, engine: Knobs, tick: int) -> None:
        """Apply every entry due at ``tick`` to ``engine`` through its :class:`Knobs`."""
        while self.due(tick):
            entry = self.entries[self._next]
            self._next += 1
            _apply(engine, entry)
        self.active = self._next < len(self.entries)


def _apply(eng: Knobs, e: dict) -> None:
    kind, target = e["kind"], e["target"]
    projections = GROUPS.get(target, (target,))
    if kind == "lesion":
        units = np.asarray(e["units"], dtype=np.int64) if e["units"] else None
        eng.silence(target, units)
    elif kind == "clamp_dopamine":
        eng.clamp_dopamine(e["value"])
    elif kind == "scale_dopamine":
        eng.modulate_dopamine(gain=e["gain"])
    elif kind == "shift_dopamine":
        eng.modulate_dopamine(shift=e["shift"])
    elif kind == "rectify_dopamine":
        eng.modulate_dopamine(floor=e["baseline"])
    elif kind in ("block_plasticity", "freeze_cortex"):
        eng.block_plasticity(projections)
    elif kind == "trace_lambda":
        eng.set_trace_lambda(projections, e["lam"])
    elif kind == "exact_feedback":
        eng.use_exact_feedback()
    elif kind == "rflo_tau":
        eng.set_rflo_tau(projections, e["tau"])
    elif kind == "deplete_dopamine":
        eng.scale_dopamine_neurons(tonic=e["level"], burst=e["level"])
    elif kind == "raise_dopamine":
        eng.scale_dopamine_neurons(tonic=e["factor"], dip=1.0 / e["factor"])
    elif kind in ("block_d1", "block_d2"):
        eng.block_receptors(kind[-2:], e["fraction"])
