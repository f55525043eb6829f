"""The circuit as data: populations, projections and the dopamine signal that gates them.

Both engines build from a :class:`Description`. The paper's network is the default description;
a model file adds cortical populations and projections as entries, not as code::

    [[circuit.population]]
    name = "pfc"            # a second cortical population of CT-RNN rate units
    size = 16
    tau_init = [5.0, 40.0]  # optional (default: circuit.tau_init)

    [[circuit.projection]]
    pre = "input"           # input → pfc, plastic under RFLO, gated by dopamine
    post = "pfc"

    [[circuit.projection]]
    pre = "pfc"
    post = "striatum_dorsal"
    plastic = false         # a fixed projection: its initial random weights never change

Rules of the default circuit that every description keeps: every cortical unit has a plastic bias
and time constant (``train_tau`` per population); every cortical population receives the fixed
random feedback of both striatal readouts (the learning signal of feedback alignment); the VTA's
δ gates every plastic projection. Projection pre-synaptic populations are ``input`` or cortical;
post-synaptic ones cortical, ``striatum_dorsal`` (actor) or ``striatum_ventral`` (critic).

In the engines the cortical populations form one block of N units (in description order) whose
weight matrix W (N × (D + N + 1)) exists only where a projection does: absent synapses are held
at 0 and never change (:meth:`Description.masks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Model

#: Populations every circuit has besides the cortical ones.
INPUT, ACTOR, CRITIC, VTA = "input", "striatum_dorsal", "striatum_ventral", "vta"
READOUTS = (ACTOR, CRITIC)


@dataclass(frozen=True)
class Population:
    """A population of the circuit.

    Attributes
    ----------
    name : str
    role : {"input", "cortex", "actor", "critic", "dopamine"}
    size : int or None
        Units (None for the input, actor and dopamine populations, sized by the task).
    tau_init : tuple of float or None
        Cortical populations: bounds of the uniform initial time constants (ticks).
    train_tau : bool
        Cortical populations: whether τ learns.
    """

    name: str
    role: str
    size: int | None = None
    tau_init: tuple[float, float] | None = None
    train_tau: bool = True


@dataclass(frozen=True)
class Projection:
    """Synapses from ``pre`` to ``post``.

    Attributes
    ----------
    pre, post : str
    plastic : bool
        Plastic under the circuit's rule (RFLO eligibility into cortex, the readout gradient into
        striatum; both gated by dopamine), or fixed at their initial random weights.
    """

    pre: str
    post: str
    plastic: bool = True

    @property
    def name(self) -> str:
        return f"{self.pre}_{self.post}"


@dataclass(frozen=True)
class Description:
    """Populations and projections of one circuit.

    Attributes
    ----------
    populations : tuple of Population
        ``input``, the cortical populations in block order, ``striatum_dorsal``,
        ``striatum_ventral``, ``vta``.
    projections : tuple of Projection
        Every plastic or fixed projection (the feedback synapses are implied, see the module).
    modulator : str
        The plasticity signal: ``"td_error"``, the VTA's signed δ.
    """

    populations: tuple[Population, ...]
    projections: tuple[Projection, ...]
    modulator: str = "td_error"

    @property
    def cortical(self) -> tuple[Population, ...]:
        return tuple(p for p in self.populations if p.role == "cortex")

    @property
    def cortex_sizes(self) -> tuple[tuple[str, int], ...]:
        """(name, size) of each cortical population, in block order."""
        return tuple((p.name, p.size) for p in self.cortical)

    def slices(self) -> dict[str, slice]:
        """Each cortical population's units within the cortical block."""
        out, start = {}, 0
        for name, size in self.cortex_sizes:
            out[name] = slice(start, start + size)
            start += size
        return out

    def masks(self, D: int) -> dict[str, np.ndarray]:
        """Where synapses exist and where they learn, in the engines' matrix layout.

        Parameters
        ----------
        D : int
            Input population size.

        Returns
        -------
        dict
            ``W_exists``, ``W_plastic`` (N × Z, Z = D + N + 1; the bias column exists and learns
            for every unit), ``tau_plastic`` (N), ``actor_rows``/``actor_plastic`` and
            ``critic_rows``/``critic_plastic`` (N: which cortical units project to each readout
            and whether those synapses learn), all float arrays of 0/1.
        """
        sl = self.slices()
        N = sum(s for _, s in self.cortex_sizes)
        Z = D + N + 1
        cols = {INPUT: slice(0, D), **{n: slice(D + s.start, D + s.stop) for n, s in sl.items()}}
        out = {"W_exists": np.zeros((N, Z)), "W_plastic": np.zeros((N, Z)),
               "tau_plastic": np.zeros(N)}
        for role in READOUTS:
            out[f"{role}_rows"], out[f"{role}_plastic"] = np.zeros(N), np.zeros(N)
        out["W_exists"][:, Z - 1] = out["W_plastic"][:, Z - 1] = 1.0
        for pop in self.cortical:
            out["tau_plastic"][sl[pop.name]] = float(pop.train_tau)
        for pr in self.projections:
            if pr.post in READOUTS:
                out[f"{pr.post}_rows"][sl[pr.pre]] = 1.0
                out[f"{pr.post}_plastic"][sl[pr.pre]] = float(pr.plastic)
            else:
                out["W_exists"][sl[pr.post], cols[pr.pre]] = 1.0
                out["W_plastic"][sl[pr.post], cols[pr.pre]] = float(pr.plastic)
        return out


def describe_default(N: int, tau_init, train_tau: bool) -> Description:
    """The paper's circuit: input → cortex ⟲ → dorsal and ventral striatum, all plastic."""
    pops = (Population(INPUT, "input"),
            Population("cortex", "cortex", N, tuple(tau_init), train_tau),
            Population(ACTOR, "actor"), Population(CRITIC, "critic", 1), Population(VTA, "dopamine", 1))
    projs = (Projection(INPUT, "cortex"), Projection("cortex", "cortex"),
             Projection("cortex", ACTOR), Projection("cortex", CRITIC))
    return Description(pops, projs)


def describe(model: Model) -> Description:
    """The circuit of ``model``: the default circuit plus the model file's populations and
    projections (a listed projection that the default circuit has replaces it).

    With ``circuit.unit = "lif"`` every cortical unit's time constant is the fixed membrane time
    constant ``circuit.lif_tau_m_ms`` (:mod:`bioRTRRL.engines.kernels.spiking`).
    """
    circ = model.circuit
    lif = circ.unit == "lif"
    tau_m = (circ.lif_tau_m_ms, circ.lif_tau_m_ms)
    base = describe_default(circ.cortex_size, tau_m if lif else circ.tau_init,
                            False if lif else circ.train_tau)
    extra = tuple(Population(p["name"], "cortex", p["size"],
                             tau_m if lif else tuple(p.get("tau_init", circ.tau_init)),
                             False if lif else p.get("train_tau", circ.train_tau))
                  for p in circ.population)
    pops = (*base.populations[:2], *extra, *base.populations[2:])
    listed = [Projection(p["pre"], p["post"], p.get("plastic", True)) for p in circ.projection]
    names = {p.name for p in listed}
    projs = tuple(p for p in base.projections if p.name not in names) + tuple(listed)
    return Description(pops, projs)
