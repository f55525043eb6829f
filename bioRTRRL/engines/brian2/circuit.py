"""The basal-ganglia circuit as Brian2 objects: populations, projections and the tick schedule.

One tick of the Brian2 clock is one environment step (``circuit.env_dt_ms``). Within a tick the
objects run in the slots of :data:`SCHEDULE`, which is docs/algorithm.md §5 written as Brian2 phases:

=========== ===============================================================================
slot        what runs
=========== ===============================================================================
sense       (loop) the environment steps; input rates, reward and episode flags are written;
            manipulations due on this tick are applied
groups      forward pass: summed drives u_in, u_rec → cortex state update (first its slope
            φ'(u) and its rates before the step, then h and the traces of τ and b) → summed
            striatal drives → striatal state updates (the critic value)
select      (loop) action selection from striatum_dorsal; the value reaches the VTA
feedback    fixed random feedback synapses sum ψ (χ) and the critic signal onto cortex
dopamine    the VTA computes δ
record      (loop) the tick is recorded
eligibility every plastic element steps its RFLO trace, computes its direction
            d = plastic · (δ z + entropy term), then updates its TD trace z ← γλ z + gradient;
            at an episode end the traces are reset
clip        (loop) the tick is recorded; global-norm clip of all directions: the one non-local
            step
plasticity  every plastic element takes its optimizer step (SGD or Adam) along the clipped d;
            at an episode end the cortex's h is reset
end         (loop) snapshots, evaluations, progress
=========== ===============================================================================

Without a global-norm clip (``optimizer.clip_norm = 0``) no step waits for the norm: each owner's
RFLO trace, direction, step and traces run as one code object in the plasticity slot, and the
tick is recorded in the record slot.

A drive another object sums into a population (a user's ``Synapses``, whose summed variable runs
by default just before its target's state update) is part of the forward pass: the cortical
slope the rule uses is taken in the cortex's own state update, with every drive summed before it.
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, Hz, NeuronGroup, Synapses, linked_var, second
from brian2.groups.neurongroup import StateUpdater

from ...circuit import describe
from ...circuit.description import cascade_coefficients
from ...config import Model, ModelError
from ..kernels import layout
from ..parameters import CircuitDims
from . import backend
from . import equations as eq

SCHEDULE = ["start", "sense", "groups", "thresholds", "synapses", "resets", "select", "feedback",
            "dopamine", "record", "eligibility", "clip", "plasticity", "end"]

#: Order of each population within the groups slot: summed drives of a population run at its
#: order − 1 (Brian2's default for a summed variable), its state update at its order.
ORDERS = {"input": 6, "cortex": 3, "striatum_dorsal": 6, "striatum_ventral": 6, "vta": 6}
#: Order of the circuit's own drives: cortical ones first, striatal ones after the cortex's step.
_DRIVE_ORDER = {"cortex": 0, "striatum_dorsal": 4, "striatum_ventral": 4}


class TickClock(Clock):
    """The circuit's clock: one tick per environment step, run only by the closed loop.

    ``brian2.run()`` or ``Network.run()`` on the circuit's objects would simulate them without the
    task (the environment steps in the loop's network operations, which they may not include):
    setting the clock's run interval outside :meth:`.loop.ClosedLoop.run` raises instead.
    """

    # Brian2 routes attribute writes of a clock to its variables unless the class itself defines
    # the attribute: the subclass re-exposes Clock's properties and declares its own flag
    dt = Clock.dt
    dt_ = Clock.dt_
    loop_running = False

    def __init__(self, dt):
        super().__init__(dt=dt, name="tick_clock*")

    def set_interval(self, start, end):
        if not self.loop_running:
            raise ModelError(
                "the circuit runs only through its closed loop: call loop.run(steps) or "
                "loop.train(steps), not brian2.run() or Network.run() — the environment steps in "
                "the loop's network operations, and every object on the tick clock "
                "(loop.clock) joins the loop's network with loop.network.add(obj)")
        super().set_interval(start, end)


class _RuleStateUpdater(StateUpdater):
    """A population's state updater that first runs the rule's part of the forward pass
    (:data:`.equations.STATE_UPDATE_PREFIX`), then integrates the population's equations."""

    rule_code = ""

    def update_abstract_code(self, run_namespace):
        super().update_abstract_code(run_namespace)
        self.abstract_code = f"{self.rule_code}\n{self.abstract_code}"


class Circuit:
    """Populations, projections and the optimizer state of one circuit, before the loop is closed.

    Parameters
    ----------
    model : Model
    dims : CircuitDims
    theta : ndarray
        Initial parameters in the reference layout (:func:`bioRTRRL.engines.kernels.layout`).
    fb_a, fb_c : ndarray
        Fixed random feedback B_A (N·P, row-major) and B_C (N).
    codeobj_class : type
        Brian2 ``CodeObject`` class of every object (see :mod:`.backend`).
    equations : dict, optional
        Replacement models per population name (see :data:`.equations.MODELS`).
    populations : dict, optional
        Further populations, ``name -> {"size": n, "equations": text}``, on the tick clock.
    projections : dict, optional
        Further plastic projections (see :meth:`add_projection`), ``name -> {"pre": ..., "post":
        ..., "rate": ..., "target": ..., "w": ...}``.

    Attributes
    ----------
    populations : dict of NeuronGroup
        ``input``, ``cortex``, ``striatum_dorsal``, ``striatum_ventral``, ``vta`` (and the added
        ones).
    projections : dict of Synapses
        ``input_cortex``, ``cortex_cortex``, ``cortex_striatum_dorsal``,
        ``cortex_striatum_ventral`` (plastic) and ``feedback_striatum_dorsal``,
        ``feedback_striatum_ventral`` (fixed), and the added plastic ones.
    plastic_projections : dict of Projection
        Pre, post, rate and target of every plastic projection.
    plastic : tuple of PlasticVariable
        Every plastic quantity and its rule (:func:`.equations.plastic_variables`).
    optimizer : NeuronGroup
        One unit holding the optimizer's global state (:data:`.equations.OPTIMIZER`).
    clock : Clock
        The tick clock (dt = env_dt).
    tick : Quantity
        Duration of one tick of the model's τ (``env_dt / circuit.dt``).
    namespace : dict
        Constants of the rule (γ, η_π, Adam's ε, tau_min, tick, ...), shared by every object of the
        circuit: constants of user equations go here too. λ and the plasticity switches are
        variables of the projections and populations.
    code_runners : list of CodeRunner
        The rule's ``run_regularly`` operations (dopamine, eligibility and plasticity).
    """

    def __init__(self, model: Model, dims: CircuitDims, theta, fb_a, fb_c, codeobj_class,
                 equations: dict | None = None, populations: dict | None = None,
                 projections: dict | None = None):
        equations = dict(equations or {})
        unknown = sorted(set(equations) - set(eq.MODELS))
        if unknown:
            raise ModelError(f"equations: unknown population(s) {unknown}; "
                             f"accepted: {list(eq.MODELS)}")
        self.model, self.dims = model, dims
        circ, lrn, opt = model.circuit, model.learning, model.optimizer
        self.adam = adam = opt.kind == "adam"
        self.entropy = entropy = lrn.entropy > 0
        self.clipped = opt.clip_norm > 0
        env_dt = circ.env_dt_ms * 1e-3 * second
        self.clock = clock = TickClock(env_dt)
        self.tick = tick = env_dt / circ.dt
        self.exact_feedback = circ.feedback == "exact"
        namespace = {
            "gamma": lrn.gamma, "eta_pi": lrn.eta_pi, "adam_eps": opt.eps,
            "tau_min": circ.tau_min * tick, "tau_max": np.inf * second, "tick": tick,
            "average_reward_lr": lrn.average_reward_lr,
        }
        if circ.unit == "rate":  # firing-rate units: their model, unless the user gives one
            namespace["rate_max"] = circ.rate_max_hz * Hz
            equations.setdefault("cortex", eq.CORTEX_RATE)
        prefixes = dict(eq.STATE_UPDATE_PREFIX)
        if circ.critic == "rate":  # the critic's value is a non-negative firing rate
            equations.setdefault("striatum_ventral", eq.STRIATUM_VENTRAL_RATE)
            prefixes["striatum_ventral"] = eq.RATE_CRITIC_PREFIX
        self.description = describe(model)
        self.dale = self.description.dale
        self.cascade = tuple(lrn.eligibility_cascade)
        self.namespace = namespace
        self._codeobj_class = codeobj_class
        common = dict(clock=clock, codeobj_class=codeobj_class, namespace=namespace)
        self._common = common
        # one NeuronGroup holds every cortical population of the description
        sizes = {**dims.population_sizes, "cortex": dims.N}
        pops = {}
        self.frozen_variables = {}
        self.dopamine_neurons = circ.dopamine_neurons
        self.opponent = circ.striatum == "opponent"
        for name in eq.MODELS:
            eqs = eq.population_equations(name, equations.get(name), adam, entropy,
                                          self.dopamine_neurons, self.opponent,
                                          dale=self.dale and name == "cortex")
            pops[name] = NeuronGroup(sizes[name], eqs, method="euler", name=name,
                                     order=ORDERS[name], **common)
            # what an evaluation holds fixed: the rule's variables and the model's parameters
            model_names = eq.parse_equations(equations.get(name, eq.MODELS[name]), name).names
            self.frozen_variables[name] = ((set(eqs.names) - set(model_names))
                                           | eq.PARAMETERS.get(name, set()))
        for name, spec in (populations or {}).items():
            pops[name] = self._added_population(name, spec, pops)
        self.populations = pops
        self.optimizer = NeuronGroup(1, eq.OPTIMIZER, name="optimizer", **common)
        for name, group in (*pops.items(), ("optimizer", self.optimizer)):
            prefix = prefixes.get(name, "")
            if prefix:
                group.state_updater.__class__ = _RuleStateUpdater
                group.state_updater.rule_code = prefix
            # a group without differential equations (or rule code) has nothing to integrate
            group.state_updater.active = bool(prefix or group.equations.diff_eq_names)
        self._link_modulators()
        self._check_lesionable(model)

        self.masks = masks = describe(model).masks(dims.D)
        partial = not (masks["striatum_dorsal_rows"].all() and masks["striatum_ventral_rows"].all())
        if partial and (circ.feedback == "exact" or any(
                m.get("kind") == "exact_feedback" for m in model.manipulation)):
            raise ModelError("exact feedback (weight transport) needs every cortical population "
                             "to project to both striatal readouts; with circuit.projection "
                             "leaving some out, use circuit.feedback = 'random'")
        self.plastic_projections = dict(eq.PLASTIC_PROJECTIONS)
        added = {}
        for name, spec in (projections or {}).items():
            added[name] = self._added_projection(name, spec)
        self.plastic_projections.update({n: p for n, (p, _g, _w) in added.items()})
        self.projections = {}
        for name, proj in self.plastic_projections.items():
            pre = added[name][1] if name in added else pops[proj.pre]
            # the model description's synapses only (an added projection is all-to-all)
            exists = None if name in added else self._exists(name)
            self.projections[name] = self._synapses(name, pre, pops[proj.post],
                                                    eq.projection_equations(
                                                        proj, adam, cascade=name in self.cascade),
                                                    when="groups", order=_DRIVE_ORDER[proj.post],
                                                    exists=exists)
        for name, (pre, post, model_text) in eq.FEEDBACK_PROJECTIONS.items():
            if entropy and name == "feedback_striatum_dorsal":
                model_text += eq.FEEDBACK_ENTROPY
            self.projections[name] = self._synapses(name, pops[pre], pops[post], model_text,
                                                    when="feedback", order=0)
        self.plastic = eq.plastic_variables(self.plastic_projections, entropy)
        self.owners = eq.plastic_owners(self.plastic_projections)
        self.cortical_owners = eq.cortical_owners(self.plastic_projections)
        self.code_runners = self._rule_code(adam, lrn.average_reward)
        self._index_maps()
        self._initial_state(theta, fb_a, fb_c)
        for name, (_proj, _pre, w) in added.items():
            if w is not None:
                self.projections[name].variables["w"].set_value(self._matrix_to_synapses(name, w))

    # -- construction --------------------------------------------------------------------------
    def _synapses(self, name, pre, post, model_text, when, order, exists=None) -> Synapses:
        """Synapses where ``exists`` (post × pre, default all-to-all), created from index arrays,
        presynaptic index major; their summed drives run at ``when``/``order``."""
        syn = Synapses(pre, post, model_text, name=name, **self._common)
        # connecting from arrays runs one code object, once: NumPy's, with nothing to compile
        syn.codeobj_class = backend.codeobj_class("numpy")
        if exists is None:
            exists = np.ones((len(post), len(pre)))
        i, j = np.nonzero(exists.T)
        syn.connect(i=i, j=j)
        syn.codeobj_class = self._codeobj_class
        for updater in syn.summed_updaters.values():
            updater.when, updater.order = when, order
        return syn

    def _added_population(self, name: str, spec: dict, pops: dict) -> NeuronGroup:
        """A further population on the tick clock (no rule variables: it is not plastic itself)."""
        if name in pops or name in ("optimizer",):
            raise ModelError(f"populations: {name!r} is already a population of the circuit")
        spec = dict(spec)
        size, text = spec.pop("size", None), spec.pop("equations", None)
        if spec or size is None or text is None:
            raise ModelError(f"populations[{name!r}]: give exactly 'size' and 'equations'"
                             + (f" (unknown: {sorted(spec)})" if spec else ""))
        return NeuronGroup(int(size), eq.parse_equations(text, name), method="euler", name=name,
                           order=0, **self._common)

    def _added_projection(self, name: str, spec: dict):
        """(Projection, presynaptic group, initial weights) of a further plastic projection."""
        spec = dict(spec)
        if name in eq.PLASTIC_PROJECTIONS or name in eq.FEEDBACK_PROJECTIONS:
            raise ModelError(f"projections: {name!r} is already a projection of the circuit")
        missing = [k for k in ("pre", "post", "rate", "target") if k not in spec]
        unknown = sorted(set(spec) - {"pre", "post", "rate", "target", "w"})
        if missing or unknown:
            raise ModelError(f"projections[{name!r}]: missing {missing}, unknown {unknown}; "
                             "give pre, post, rate, target (and optionally w)")
        pre = spec["pre"]
        group = self.populations.get(pre) if isinstance(pre, str) else pre
        if group is None:
            raise ModelError(f"projections[{name!r}]: pre {pre!r} is not a population "
                             f"({list(self.populations)}) nor a Brian2 group")
        post = spec["post"]
        if post not in eq.PLASTIC_TARGETS:
            raise ModelError(f"projections[{name!r}]: post must be one of "
                             f"{list(eq.PLASTIC_TARGETS)}, got {post!r}")
        for what, var, grp in (("rate", spec["rate"], group),
                               ("target", spec["target"], self.populations[post])):
            if var not in grp.variables:
                raise ModelError(f"projections[{name!r}]: {what} {var!r} is not a variable of "
                                 f"{grp.name!r}" + (" (declare it in the population's equations,"
                                                    f" e.g. '{var} : 1', and add it to the drive)"
                                                    if what == "target" else ""))
        proj = eq.Projection(group.name, post, spec["rate"], spec["target"])
        return proj, group, spec.get("w")

    def _link_modulators(self) -> None:
        """Give every plastic population the broadcast modulators (dopamine, optimizer state)."""
        pops, opt, vta = self.populations, self.optimizer, self.populations["vta"]
        vta.learn = linked_var(opt, "learn")
        for name, group, rate in (("cortex", "cortex", "cortex"),
                                  ("striatum_dorsal", "readout", "readout"),
                                  ("striatum_ventral", "readout", "critic")):
            g = pops[name]
            g.delta = linked_var(vta, "delta")
            g.ended = linked_var(vta, "ended")
            g.lr = linked_var(opt, f"lr_{rate}")
            g.clip_scale = linked_var(opt, f"clip_scale_{group}")
            g.discount = linked_var(opt, "discount")
            if name != "striatum_ventral":
                g.ent = linked_var(opt, "ent")
            if self.adam:
                for k in ("beta1", "beta2", "c1", "c2"):
                    setattr(g, k, linked_var(opt, k))

    def _check_lesionable(self, model: Model) -> None:
        """Refuse a cortical lesion of a cortex model that cannot silence its units."""
        if eq.SILENCED in self.populations["cortex"].variables:
            return
        for i, m in enumerate(model.manipulation):
            if m.get("kind") == "lesion" and m.get("target") == "cortex":
                raise ModelError(
                    f"manipulation[{i}] lesions cortex, but the cortex equations lack the "
                    f"variable {eq.SILENCED!r} that silences a unit (1 = silenced: its rate must "
                    f"stay 0, e.g. dh/dt = ((1 - {eq.SILENCED}) * phi - h) / tau)")

    def _rule_code(self, adam: bool, average_reward: bool) -> list:
        """The run_regularly operations of the learning rule (and of the input adaptation).

        Per owner of plastic variables: its RFLO trace (projections onto cortex), directions, TD
        traces and optimizer steps — in one code object, or, when the steps wait for a global
        norm clip, in two (eligibility, then plasticity).
        """
        pops = self.populations
        vta = pops["vta"]
        dopamine = eq.DOPAMINE_NEURON_CODE if self.dopamine_neurons else eq.DOPAMINE_CODE
        runners = [vta.run_regularly(
            dopamine + (eq.AVERAGE_REWARD_CODE if average_reward else ""),
            when="dopamine", name="vta_dopamine")]
        self.adaptation = None
        if self.model.circuit.input_adaptation:  # the observation channels only
            self.adaptation = pops["input"][:self.dims.O].run_regularly(
                eq.ADAPTATION_CODE, when="groups", order=-1, name="input_adaptation")
            runners.append(self.adaptation)
        self.rule_runners = []
        episodic = self.model.learning.episodic_discount
        for order, owner in enumerate(self.owners):
            group = self._owner(owner)
            proj = self.plastic_projections.get(owner)
            rflo = eq.rflo_code(proj) if proj is not None and proj.post == "cortex" else ""
            direction = eq.direction_code(self.plastic, owner)
            step = eq.step_code(self.plastic, owner, adam)
            if self.dale and owner == "cortex_cortex":
                step += "\n" + eq.DALE_CODE
            cascade = owner in self.cascade
            resets = eq.episode_reset(owner, proj)
            if self.clipped:  # the steps wait for the global norm of every direction
                # h is reset after the clip, where the tick is recorded
                early = tuple(v for v in resets if v != "h")
                trace = eq.trace_code(self.plastic, owner, episodic, early, cascade)
                late = "\n".join(f"{v} = (1 - ended) * {v}" for v in resets if v == "h")
                new = [group.run_regularly("\n".join(filter(None, (rflo, direction, trace))),
                                           when="eligibility", order=order,
                                           name=f"{owner}_eligibility"),
                       group.run_regularly("\n".join(filter(None, (step, late))),
                                           when="plasticity", order=order,
                                           name=f"{owner}_plasticity")]
            else:  # the step reads only d, the traces never read d: one code object suffices
                trace = eq.trace_code(self.plastic, owner, episodic, resets, cascade)
                new = [group.run_regularly("\n".join(filter(None, (rflo, direction, step, trace))),
                                           when="plasticity", order=order,
                                           name=f"{owner}_plasticity")]
            self.rule_runners += new
        return runners + self.rule_runners

    def directions(self, cortex_only: bool = False) -> list[tuple[np.ndarray, float]]:
        """(live direction array, unit factor) of every plastic variable (or of the cortical ones:
        W and τ, b), as the eligibility code leaves them; τ's factor converts its direction to
        tick units."""
        return [(self.array(pv.owner, pv.name("d")),
                 float(self.namespace[pv.unit]) if pv.unit else 1.0) for pv in self.plastic
                if not cortex_only or pv.owner in self.cortical_owners]

    def _exists(self, name: str) -> np.ndarray:
        """(post × pre) 0/1 matrix of the synapses of a plastic projection."""
        d, m = self.dims, self.masks
        return {"input_cortex": m["W_exists"][:, :d.D],
                "cortex_cortex": m["W_exists"][:, d.D:d.D + d.N],
                "cortex_striatum_dorsal": np.repeat(m["striatum_dorsal_rows"][None, :], d.P, 0),
                "cortex_striatum_ventral": m["striatum_ventral_rows"][None, :]}[name]

    def _plastic(self, owner: str, var: str) -> np.ndarray | float:
        """The description's plasticity switch of each synapse (or unit) of a plastic quantity."""
        d, m = self.dims, self.masks
        post, pre = self._ij.get(owner, (None, None))
        if owner == "input_cortex":
            return m["W_plastic"][post, pre]
        if owner == "cortex_cortex":
            return m["W_plastic"][post, d.D + pre]
        if owner == "cortex_striatum_dorsal":
            return m["striatum_dorsal_plastic"][pre]
        if owner == "cortex_striatum_ventral":
            return m["striatum_ventral_plastic"][pre]
        if owner == "cortex" and var == "tau":
            return m["tau_plastic"]
        return 1.0  # the cortical and critic biases

    def _index_maps(self) -> None:
        """Synapse index → (row, column) of the reference layout's matrices."""
        proj, d = self.projections, self.dims
        self._ij = {name: (np.asarray(s.j[:]), np.asarray(s.i[:])) for name, s in proj.items()}
        # feedback synapse dorsal p → cortex i carries the forward weight cortex i → dorsal p under
        # exact feedback, which a manipulation may switch on mid-run: the maps are always at hand
        post, pre = self._ij["cortex_striatum_dorsal"]
        forward = np.empty((d.N, d.P), dtype=np.int64)
        forward[pre, post] = np.arange(len(pre))
        fpost, fpre = self._ij["feedback_striatum_dorsal"]
        self.feedback_source_dorsal = forward[fpost, fpre]
        post, pre = self._ij["cortex_striatum_ventral"]
        forward = np.empty(d.N, dtype=np.int64)
        forward[pre] = np.arange(len(pre))
        self.feedback_source_ventral = forward[self._ij["feedback_striatum_ventral"][0]]

    def _matrix_to_synapses(self, name: str, w) -> np.ndarray:
        """Weights of projection ``name`` in synapse order from a (post × pre) matrix or scalar."""
        post, pre = self._ij[name]
        syn = self.projections[name]
        w = np.asarray(w, dtype=float)
        if w.ndim == 0:
            return np.full(len(post), float(w))
        shape = (len(syn.target), len(syn.source))
        if w.shape != shape:
            raise ModelError(f"projections[{name!r}]: w must be a scalar or a (post × pre) "
                             f"matrix of shape {shape}, got {w.shape}")
        return w[post, pre]

    def _initial_state(self, theta, fb_a, fb_c) -> None:
        d, lay = self.dims, layout(self.dims.N, self.dims.Z, self.dims.P)
        W = theta[lay["W"]].reshape(d.N, d.Z)
        K_A = theta[lay["K_A"]].reshape(d.N, d.P)
        pops, proj = self.populations, self.projections
        blocks = {
            "input_cortex": W[:, :d.D],
            "cortex_cortex": W[:, d.D:d.D + d.N],
            "cortex_striatum_dorsal": K_A.T,
            "cortex_striatum_ventral": theta[lay["w_C"]][None, :],
            "feedback_striatum_dorsal": fb_a.reshape(d.N, d.P),
            "feedback_striatum_ventral": fb_c[:, None],
        }
        for name, block in blocks.items():
            post, pre = self._ij[name]
            proj[name].variables["w"].set_value(block[post, pre])
        cortex = pops["cortex"]
        cortex.variables["tau"].set_value(theta[lay["tau"]] * float(self.tick))
        cortex.variables["b"].set_value(W[:, -1])
        ventral = pops["striatum_ventral"]
        ventral.variables["b"].set_value(theta[lay["b_C"]])
        lrn = self.model.learning
        lam = {"cortex": lrn.lambda_cortex, "actor": lrn.lambda_actor, "critic": lrn.lambda_critic}
        for pv in self.plastic:
            owner = self._owner(pv.owner)
            owner.variables[pv.name("lam")].set_value(lam[pv.trace])
            owner.variables[pv.name("plastic")].set_value(self._plastic(pv.owner, pv.var))
        if self.dale:
            pops["cortex"].variables["dale_sign"].set_value(self.description.signs())
        a_r, gain, a_d = cascade_coefficients(self.model)
        for name in self.cascade:  # the trace decays by γλ = a_d (as the reference's ``decay``)
            syn = self.projections[name]
            syn.variables["lam"].set_value(a_d / lrn.gamma)
            syn.variables["tag_decay"].set_value(a_r)
            syn.variables["tag_gain"].set_value(gain)
        # any positive value: the eligibilities decay with the unit's τ until own_tau_e is set
        for owner in self.cortical_owners:
            suffixes = ("_b", "_tau") if owner == "cortex" else ("",)
            for suffix in suffixes:
                self._owner(owner).variables[f"tau_e{suffix}"].set_value(float(self.tick))
        # Gymnasium's RunningMeanStd starts at mean 0, variance 1, count 1e-4
        pops["input"].variables["obs_var"].set_value(1.0)
        pops["input"].variables["obs_count"].set_value(1e-4)
        pops["input"].variables["adapting"].set_value(1.0)
        vta = pops["vta"]
        vta.variables["da_gain"].set_value(1.0)
        vta.variables["da_floor"].set_value(np.inf)
        if self.dopamine_neurons:
            circ = self.model.circuit
            for name, value in (("tonic", circ.dopamine_tonic_hz),
                                ("model_tonic", circ.dopamine_tonic_hz),
                                ("rate", circ.dopamine_tonic_hz),
                                ("burst_gain", circ.dopamine_hz_per_error),
                                ("dip_gain", circ.dopamine_hz_per_error),
                                ("unit_gain", circ.dopamine_hz_per_error),
                                ("dip_scale", 1.0)):
                vta.variables[name].set_value(value)
        opt = self.optimizer
        for k in ("clip_scale_cortex", "clip_scale_readout", "discount", "beta1", "beta2", "c1",
                  "c2"):
            opt.variables[k].set_value(1.0)

    # -- access --------------------------------------------------------------------------------
    @property
    def objects(self) -> list:
        """Every Brian2 object of the circuit (the loop adds its network operations)."""
        return [*self.populations.values(), self.optimizer, *self.projections.values()]

    def _owner(self, name: str):
        """The population, projection or optimizer group called ``name``."""
        if name in self.projections:
            return self.projections[name]
        return self.optimizer if name == "optimizer" else self.populations[name]

    def array(self, owner: str, var: str) -> np.ndarray:
        """The live storage of a state variable (a view; writes go into the simulation)."""
        return self._owner(owner).variables[var].get_value()

    def params(self) -> dict[str, np.ndarray]:
        """Copies of the weights in the reference layout: W (N×Z), tau (N, ticks), K_A (N×P),
        w_C (N), b_C (1)."""
        d = self.dims
        W = np.empty((d.N, d.Z))
        for name, cols in (("input_cortex", slice(0, d.D)),
                           ("cortex_cortex", slice(d.D, d.D + d.N))):
            post, pre = self._ij[name]
            block = np.zeros((d.N, cols.stop - cols.start))  # absent synapses are 0
            block[post, pre] = self.array(name, "w")
            W[:, cols] = block
        W[:, -1] = self.array("cortex", "b")
        K_A = np.zeros((d.N, d.P))
        post, pre = self._ij["cortex_striatum_dorsal"]
        K_A[pre, post] = self.array("cortex_striatum_dorsal", "w")
        w_C = np.zeros(d.N)
        w_C[self._ij["cortex_striatum_ventral"][1]] = self.array("cortex_striatum_ventral", "w")
        return {"W": W, "tau": self.array("cortex", "tau") / float(self.tick), "K_A": K_A,
                "w_C": w_C, "b_C": self.array("striatum_ventral", "b").copy()}

    def weights(self, name: str) -> np.ndarray:
        """A copy of projection ``name``'s weights as a (post × pre) matrix."""
        post, pre = self._ij[name]
        syn = self.projections[name]
        W = np.zeros((len(syn.target), len(syn.source)))
        W[post, pre] = self.array(name, "w")
        return W

    def feedback(self) -> tuple[np.ndarray, np.ndarray]:
        """(B_A flat N·P row-major, B_C): the feedback weights, which under exact feedback are
        the readout weights themselves (the synapses receive a copy of them every tick)."""
        if self.exact_feedback:
            p = self.params()
            return p["K_A"].ravel(), p["w_C"]
        d = self.dims
        B_A = np.empty((d.N, d.P))
        post, pre = self._ij["feedback_striatum_dorsal"]
        B_A[post, pre] = self.array("feedback_striatum_dorsal", "w")
        B_C = np.empty(d.N)
        B_C[self._ij["feedback_striatum_ventral"][0]] = self.array("feedback_striatum_ventral", "w")
        return B_A.ravel(), B_C

    def trace_norms(self) -> tuple[np.ndarray, np.ndarray]:
        """Frobenius norms of the RFLO and TD traces per projection, (1, 4) each, as
        :meth:`bioRTRRL.engines.reference.ReferenceEngine.trace_norms` reports them."""
        norm = np.linalg.norm
        h = norm(self.array("cortex", "h"))
        rflo = [norm(self.array("input_cortex", "p")), norm(self.array("cortex_cortex", "p")), h, h]
        td = [norm(self.array(name, "z")) for name in eq.PLASTIC_PROJECTIONS]
        return np.array([rflo]), np.array([td])
