"""The Brian2 engine's side of the manipulations (:class:`bioRTRRL.manipulation.Knobs`).

Each knob is a variable of the circuit that a user may also set by hand: ``silenced`` per
cortical unit, ``lesioned`` per striatal population, ``plastic``, ``lam`` and ``own_tau_e`` /
``tau_e`` per projection (``plastic_tau``, ``lam_b``, ``tau_e_b``, ... for the cortical τ and
biases), the ``da_*`` variables of ``vta`` and ``circuit.exact_feedback``; with
``circuit.dopamine_neurons`` the ``vta``'s ``tonic``, ``burst_gain``, ``dip_gain`` and
``dip_scale``, with the opponent actor ``d1_block`` and ``d2_block`` of ``striatum_dorsal``.
"""

from __future__ import annotations

import numpy as np

from ..kernels import dip_scale

#: Adam first moments of the circuit, per owner (projection or population).
FIRST_MOMENTS = {
    "input_cortex": ("m",), "cortex_cortex": ("m",), "cortex_striatum_dorsal": ("m",),
    "cortex_striatum_ventral": ("m",), "cortex": ("m_tau", "m_b"), "striatum_ventral": ("m_b",),
}

#: (owner, parameter) of each projection a manipulation addresses.
PARAMETERS = {
    "input_cortex": (("input_cortex", "w"),),
    "cortex_cortex": (("cortex_cortex", "w"),),
    "cortex_bias": (("cortex", "b"),),
    "cortex_tau": (("cortex", "tau"),),
    "cortex_striatum_dorsal": (("cortex_striatum_dorsal", "w"),),
    "cortex_striatum_ventral": (("cortex_striatum_ventral", "w"), ("striatum_ventral", "b")),
}

#: Owner and variable suffix of the RFLO eligibility time constant of each projection.
RFLO = {"input_cortex": ("input_cortex", ""), "cortex_cortex": ("cortex_cortex", ""),
        "cortex_bias": ("cortex", "_b"), "cortex_tau": ("cortex", "_tau")}


class Brian2Knobs:
    """Manipulation methods of :class:`bioRTRRL.engines.brian2.loop.ClosedLoop` (a mixin: it
    needs ``self.circuit`` and the loop's entropy weight ``self._eta_h``)."""

    def silence(self, population: str, units=None) -> None:
        c = self.circuit
        if population == "cortex":
            units = slice(None) if units is None else np.asarray(units, dtype=np.int64)
            c.array("cortex", "silenced")[units] = 1.0
            # the silenced units' last activity must not reach the others on this tick either
            c.array("cortex", "h")[units] = 0.0
        elif population == "vta":
            self.clamp_dopamine(0.0)
        else:
            c.array(population, "lesioned")[:] = 1.0

    def clamp_dopamine(self, value: float) -> None:
        c = self.circuit
        c.array("vta", "da_clamp")[:] = 1.0
        c.array("vta", "da_fixed")[:] = value
        self._eta_h = 0.0  # the loop writes the entropy weight of each tick from this
        if c.adam:
            for owner, names in FIRST_MOMENTS.items():
                for name in names:
                    c.array(owner, name)[:] = 0.0

    def modulate_dopamine(self, gain=None, shift=None, floor=None) -> None:
        for name, value in (("da_gain", gain), ("da_shift", shift), ("da_floor", floor)):
            if value is not None:
                self.circuit.array("vta", name)[:] = value

    def block_plasticity(self, projections) -> None:
        for owner, name in self._addressed(projections, "plastic"):
            self.circuit.array(owner, name)[:] = 0.0

    def set_trace_lambda(self, projections, lam: float) -> None:
        # the circuit holds λ and decays its traces by γ·λ
        for owner, name in self._addressed(projections, "lam"):
            self.circuit.array(owner, name)[:] = lam

    def use_exact_feedback(self) -> None:
        self.circuit.exact_feedback = True

    def set_rflo_tau(self, projections, tau: float) -> None:
        c = self.circuit
        for projection in projections:
            owner, suffix = RFLO[projection]
            c.array(owner, f"own_tau_e{suffix}")[:] = 1.0
            c.array(owner, f"tau_e{suffix}")[:] = tau * float(c.tick)

    def scale_dopamine_neurons(self, tonic: float = 1.0, burst: float = 1.0,
                               dip: float = 1.0) -> None:
        for name, factor in (("tonic", tonic), ("burst_gain", burst), ("dip_gain", dip)):
            self.circuit.array("vta", name)[:] *= factor
        vta = self.circuit.array
        vta("vta", "dip_scale")[:] = dip_scale(self.model.circuit, float(vta("vta", "tonic")[0]))

    def block_receptors(self, receptor: str, fraction: float) -> None:
        c = self.circuit
        c.array("striatum_dorsal", f"{receptor}_block")[:] = fraction
        # the pathway's synapses: onto the Go (D1) units [0, A) or the NoGo (D2) units [A, 2A)
        go = np.asarray(c.projections["cortex_striatum_dorsal"].j[:]) < self.dims.A
        c.array("cortex_striatum_dorsal", "plastic")[go if receptor == "d1" else ~go] *= (
            1.0 - fraction)

    @staticmethod
    def _addressed(projections, base: str) -> list[tuple[str, str]]:
        """(owner, variable ``base`` of the parameter) of every parameter of ``projections``."""
        return [(owner, base if var == "w" else f"{base}_{var}")
                for projection in projections for owner, var in PARAMETERS[projection]]
