"""The closed loop: a Brian2 circuit and a Gymnasium task, one ``run()`` per training session.

Network operations at the tick clock do what is not synaptic or neuronal: stepping the
environment, selecting the action, the global-norm clip of the update (the single non-local step
of the rule) and the recording. They read and write the circuit through the live arrays
``variables[name].get_value()``; everything else (dynamics, traces, dopamine, optimizer steps) is
Brian2 code in :mod:`.circuit`.

Editing the circuit
-------------------
* **Monitors.** The loop records each tick in the ``record`` slot (before the update resets the
  cortex at an episode end). :meth:`ClosedLoop.state_monitor` adds a ``StateMonitor`` that records
  there too, so that its samples are those of the recording, tick for tick. A monitor added by
  hand with Brian2's default ``when="start"`` records each tick's state at the start of the next
  one (after the update and the episode reset): the loop warns about it.
* **Noise.** Brian2's random numbers (``xi``, ``rand()``, ``randn()`` in equations) come from the
  run's seed: two runs with the same seed are identical. The loop keeps its own generator state
  across its runs and leaves the global one (``numpy.random``) as it found it.
* **Clocks.** Every object runs on the tick clock (``loop.clock``): one update per environment
  step. An object on a clock with another ``dt`` makes the loop warn (Brian2's default clock,
  0.1 ms, would update it a hundred times per 10 ms tick). The circuit runs only through
  :meth:`ClosedLoop.run` / :meth:`ClosedLoop.train`: ``brian2.run()`` and ``Network.run()`` raise
  an error naming the fix.
* **Drives.** A ``Synapses`` a user adds onto a circuit population sums into it just before the
  population's state update (Brian2's default order): its drive is part of this tick's forward pass,
  and the cortical slope the rule uses (``phi_prime``) includes it.
* **Plastic projections.** ``build_circuit(model, projections={...})`` adds a projection whose
  weights learn by the rule of its target population (see :func:`build_circuit`).
* **Errors.** Equations that do not parse, name an unknown identifier, or have inconsistent units
  are refused with a ``ModelError`` naming the population and the variable.

Evaluations run the frozen policy on this very circuit (user equations, parameters and added
objects included), in the same network: see :meth:`ClosedLoop.evaluate`.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
import xarray as xr
from brian2 import Network, NetworkOperation, NeuronGroup, StateMonitor, Synapses
from brian2.core.base import BrianObject
from brian2.core.network import _get_all_objects
from brian2.core.variables import ArrayVariable
from brian2.devices.device import get_device
from brian2.monitors import EventMonitor, PopulationRateMonitor

from ...config import Model, ModelError, load_model
from ...environment import EnvDriver
from ...evaluation import evaluation_ticks
from ..kernels import opponent_betas, select_discrete, select_gaussian, select_opponent
from ..parameters import init_parameters, run_seeds
from ..reference import lr_schedule
from ..sampling import ActionNoise
from . import backend
from . import equations as eq
from .circuit import SCHEDULE, Circuit
from .knobs import Brian2Knobs

_CHECK_EVERY = 1000
#: Child of the run's seed sequence that seeds Brian2's random numbers (``xi``, ``rand()``): the
#: one after the five of :func:`bioRTRRL.engines.parameters.run_seeds`.
_NOISE_CHILD = 5
_MONITORS = (StateMonitor, EventMonitor, PopulationRateMonitor)


class CircuitWarning(UserWarning):
    """A Brian2 object added to the circuit that will not do what it seems to."""


def build_circuit(model, seed: int | None = None, *, equations: dict | None = None,
                  populations: dict | None = None, projections: dict | None = None,
                  codegen_target: str | None = None,
                  stream_to: str | Path | None = None) -> "ClosedLoop":
    """Build the circuit for ``model``'s task, with its closed loop, ready to run.

    Parameters
    ----------
    model : path, dict or Model
    seed : int, optional
        Run seed (default ``model.run.seed``); initial weights, feedback, action draws, the
        environment and Brian2's random numbers come from it (the first four from the same seed
        streams as in the reference engine).
    equations : dict, optional
        Replacement model equations per population (``{"cortex": "..."}``); they must define the
        variables listed in :data:`.equations.REQUIRED`.
    populations : dict, optional
        Further populations on the tick clock, ``{"thalamus": {"size": 4, "equations": "r : 1"}}``
        (``loop.populations["thalamus"]``); they join the circuit but are not plastic themselves.
    projections : dict, optional
        Further plastic projections, ``{name: {"pre": ..., "post": ..., "rate": ...,
        "target": ..., "w": ...}}``: all-to-all synapses from ``pre`` (a population name, or a
        Brian2 group on the tick clock) whose weights ``w`` (scalar or post × pre matrix, default
        0) sum ``w · rate_pre`` into the variable ``target`` of ``post`` (declared in ``post``'s
        equations, e.g. ``u_thal : 1``, and added to its drive, e.g.
        ``phi = tanh(u_in + u_rec + u_thal + b)``). The weights learn by the rule of ``post``
        (:data:`.equations.PLASTIC_TARGETS`): onto ``cortex`` with an RFLO eligibility trace,
        δ-gated TD trace, the cortical learning rate and clip group; onto ``striatum_dorsal`` as
        the actor, onto ``striatum_ventral`` as the critic. They take part in the global-norm clip,
        are reset at episode ends, and stay out of the recording (read them with
        ``loop.circuit.weights(name)``).
    codegen_target : {"auto", "cython", "numpy"}, optional
        Brian2's code-generation target; default Brian2's preference ``codegen.target``
        (``"auto"``: Cython when a compiler works, else NumPy).
    stream_to : path, optional
        A ``.zarr`` store that receives every completed recording chunk.

    Returns
    -------
    ClosedLoop
        ``.network`` (the Brian2 Network), the populations (``.cortex``, ...), ``.projections``;
        add monitors (:meth:`ClosedLoop.state_monitor`) or change parameters, then
        :meth:`ClosedLoop.train`.

    Raises
    ------
    ModelError
        For a model this engine does not implement (naming the field), a standalone device, or
        equations that do not parse or lack a variable the rule needs.
    """
    from ...experiment import Session

    model = load_model(model)
    seed = model.run.seed if seed is None else int(seed)
    session = Session(model, seed, stream_to=stream_to, engine="brian2", equations=equations,
                      populations=populations, projections=projections,
                      codegen_target=codegen_target)
    return session.engine


def run_brian2(model, steps: int | None = None, seed: int | None = None,
               stream_to: str | Path | None = None, progress: bool | None = None,
               **engine_options) -> xr.Dataset:
    """Train with the Brian2 engine; the counterpart of :func:`bioRTRRL.run` (same schema).

    ``engine_options`` are the keyword arguments of :func:`build_circuit` (``equations``,
    ``populations``, ``projections``, ``codegen_target``).
    """
    model = load_model(model)
    steps = model.run.steps if steps is None else int(steps)
    loop = build_circuit(model, seed, stream_to=stream_to, **engine_options)
    return loop.train(steps, progress=progress)


def _check_supported(model: Model) -> None:
    lrn = model.learning
    if lrn.gradient != "rflo":
        raise ModelError(
            f"learning.gradient = {lrn.gradient!r}: the Brian2 engine implements 'rflo' only "
            "(RTRL and BPTT are not local to a synapse); use engine='reference'")
    if lrn.critic_trace != "accumulating":
        raise ModelError(
            f"learning.critic_trace = {lrn.critic_trace!r}: the Brian2 engine implements "
            "'accumulating' only; use engine='reference'")
    if model.task.num_envs != 1:
        raise ModelError(
            f"task.num_envs = {model.task.num_envs}: the Brian2 engine simulates one circuit in "
            "one environment (num_envs = 1); use engine='reference' for batches")


class ClosedLoop(Brian2Knobs, BrianObject):
    """A Brian2 circuit driving one environment, recorded into the common schema.

    The Brian2 engine of a :class:`bioRTRRL.Session`: the session steps the environment, applies
    manipulations, records, evaluates on schedule and checks the weights (its ``begin_tick`` and
    ``end_tick`` run in this loop's ``sense`` and ``end`` operations); the loop computes the
    circuit's tick in between.

    The loop is a (never simulated) Brian2 object on the tick clock, so that ``brian2.run()``
    called where a loop is in scope stops with an error instead of silently simulating nothing.

    Attributes
    ----------
    network : brian2.Network
        The circuit's objects and the loop's network operations, with the tick schedule.
    circuit : Circuit
    input, cortex, striatum_dorsal, striatum_ventral, vta : NeuronGroup
    populations, projections : dict
    clock : Clock
        The tick clock: one tick per environment step.
    namespace : dict
        Constants of the circuit's equations (add your own before the first run).
    driver : EnvDriver
    recorder : Recorder
    tick : int
        Ticks simulated so far.
    """

    add_to_magic_network = True
    invalidates_magic_network = False

    def __init__(self, session, equations=None, populations=None, projections=None,
                 codegen_target: str | None = None):
        model, seed = session.model, session.seed
        _check_supported(model)
        backend.check_device()
        self.session = session
        seeds = run_seeds(seed)
        dims = session.dims
        theta, fb_a, fb_c = init_parameters(model, dims, seeds["params"], seeds["feedback"])
        self.circuit = circ = Circuit(model, dims, theta, fb_a, fb_c,
                                      backend.codeobj_class(codegen_target), equations,
                                      populations, projections)
        BrianObject.__init__(self, clock=circ.clock, name="closed_loop*",
                             namespace=circ.namespace)
        self._active = False  # never simulated: it only guards the clock against brian2.run()
        self.noise = ActionNoise(seeds["actions"], 1, dims.A if dims.continuous else 0)
        self._schedule = lr_schedule(model.optimizer)
        self._random_state = _seeded_random_state(
            np.random.SeedSequence(seed, spawn_key=(_NOISE_CHILD,)))

        self._profile = False
        self._running = False
        self._checked = False
        self._warned: set[str] = set()
        self._evaluation = None
        self._evaluation_timestep = 0
        self._run_end = 0
        self._arrays()
        # with a clip the tick is recorded where the clip waits (before the cortex's h is reset)
        steps = [(self._sense_op, "sense"), (self._select_op, "select"),
                 (self._record_and_clip_op, "clip") if circ.clipped else (self._record_op, "record"),
                 (self._end_op, "end")]
        self._ops = [NetworkOperation(f, clock=circ.clock, when=when, name=f"loop_{when}")
                     for f, when in steps]
        self.network = Network(*circ.objects, *self._ops, name="biortrrl_circuit")
        self.network.schedule = SCHEDULE

    def __del__(self):  # never part of a network by design: no "unused object" warning
        pass

    # -- the session's view of the engine ------------------------------------------------------
    model = property(lambda self: self.session.model)
    seed = property(lambda self: self.session.seed)
    dims = property(lambda self: self.session.dims)
    driver = property(lambda self: self.session.driver)
    recorder = property(lambda self: self.session.recorder)
    manipulations = property(lambda self: self.session.manipulations)
    tick = property(lambda self: self.session.tick, doc="Ticks simulated so far.")
    ticks = tick

    @property
    def params(self) -> dict:
        """Copies of the weights in the reference layout (:meth:`Circuit.params`)."""
        return self.circuit.params()

    @property
    def feedback(self) -> tuple:
        return self.circuit.feedback()

    @property
    def actions(self) -> np.ndarray:
        """The last tick's action, as the environment takes it."""
        return self._action if self.dims.continuous else self._action[:, 0].astype(np.int64)

    @property
    def act(self) -> np.ndarray:
        """This tick's [x, h, actor outputs, value, δ] (1 × (D + N + P + 2))."""
        return self._act

    @property
    def action_out(self) -> np.ndarray:
        return self._action

    def trace_norms(self):
        return self.circuit.trace_norms()

    # -- handles -------------------------------------------------------------------------------
    @property
    def projections(self) -> dict:
        return self.circuit.projections

    @property
    def populations(self) -> dict:
        return self.circuit.populations

    @property
    def input(self):
        return self.circuit.populations["input"]

    @property
    def cortex(self):
        return self.circuit.populations["cortex"]

    @property
    def striatum_dorsal(self):
        return self.circuit.populations["striatum_dorsal"]

    @property
    def striatum_ventral(self):
        return self.circuit.populations["striatum_ventral"]

    @property
    def vta(self):
        return self.circuit.populations["vta"]

    @property
    def entropy_weight(self) -> float:
        """η_H of the entropy bonus in force (a dopamine clamp switches it off)."""
        return self._eta_h

    @entropy_weight.setter
    def entropy_weight(self, value: float) -> None:
        self._eta_h = float(value)

    def state_monitor(self, source, variables, record=True, **kwargs) -> StateMonitor:
        """A ``StateMonitor`` of ``source`` that samples each tick where the loop records it.

        It runs in the ``record`` slot of the tick clock: after the forward pass, action
        selection and dopamine, before the update (and, at an episode end, the reset of the
        cortex). Its samples are the recording's, tick for tick, and its times are the
        recording's ``time``. The monitor is added to :attr:`network` and returned.

        Parameters
        ----------
        source : Group
            A population, projection or any group of the network.
        variables, record
            As for ``brian2.StateMonitor``.
        **kwargs
            Further ``StateMonitor`` arguments (``name``, ``dtype``, ...).
        """
        for key in ("when", "clock", "dt"):
            if key in kwargs:
                raise TypeError(f"state_monitor places the monitor itself; do not pass {key!r}")
        mon = StateMonitor(source, variables, record=record, when="record", order=1,
                           clock=self.circuit.clock, **kwargs)
        self.network.add(mon)
        return mon

    def _arrays(self) -> None:
        """Bind the live arrays the operations touch (views: no copies, no code objects)."""
        c, d = self.circuit, self.dims
        self._x = c.array("input", "x")
        self._h = c.array("cortex", "h")
        self._y = c.array("striatum_dorsal", "y")
        self._psi = c.array("striatum_dorsal", "psi")
        self._chi = c.array("striatum_dorsal", "chi")
        self._v = c.array("striatum_ventral", "v")
        # the rate critic's slope, copied into the shared learning signal g with the value
        self._critic_slope = (c.array("striatum_ventral", "slope"), c.array("striatum_ventral", "g")
                              ) if self.model.circuit.critic == "rate" else None
        vta = {k: c.array("vta", k) for k in ("v", "reward", "terminal", "ended", "transition",
                                              "delta")}
        self._vta = vta
        self._opt = {k: c.array("optimizer", k) for k in (
            "learn", "lr_cortex", "lr_readout", "lr_critic", "clip_scale_cortex", "clip_scale_readout",
            "discount", "beta1", "beta2", "c1", "c2", "ent")}
        opt = self.model.optimizer
        self._clip_all = opt.clip_scope == "all"
        self._directions = c.directions(cortex_only=not self._clip_all)
        self._dorsal_lesioned = c.array("striatum_dorsal", "lesioned")
        self._adapting = c.array("input", "adapting") if c.adaptation is not None else None
        # exact feedback copies the readout weights into the feedback synapses every tick
        self._fb_dorsal = c.array("feedback_striatum_dorsal", "w")
        self._fw_dorsal = c.array("cortex_striatum_dorsal", "w")
        self._fb_ventral = c.array("feedback_striatum_ventral", "w")
        self._fw_ventral = c.array("cortex_striatum_ventral", "w")
        # the efference copy (one-hot of a discrete action: P wide) enters the input only with
        # circuit.meta_rl_input
        self._efference = np.zeros(max(d.A, 1))
        self._act = np.zeros((1, d.D + d.N + d.P + 2))
        self._action = np.zeros((1, d.A if d.continuous else 1))
        self._count = 0.0  # optimizer steps taken
        self._adam = (opt.beta1, opt.beta2)
        self._lr0 = (opt.lr_readout, opt.lr_cortex, opt.lr_critic)
        self._clip_norm2 = opt.clip_norm ** 2
        self._clip_norm = opt.clip_norm
        self._plastic = self.model.learning.plasticity
        self._eta_h = self.model.learning.entropy
        self._episodic = self.model.learning.episodic_discount
        # learning.time_limit = "terminal": a time-out also drops the bootstrap γv from δ
        self._timeout_terminal = self.model.learning.time_limit == "terminal"
        self._gamma = self.model.learning.gamma
        self._meta = self.model.circuit.meta_rl_input
        if d.continuous:
            lo, hi = self.driver.action_low, self.driver.action_high
            self._lo, self._hi = lo.copy(), hi.copy()
            self._bounded = np.isfinite(lo) & np.isfinite(hi)

    # -- network operations (in tick order) ----------------------------------------------------
    def _sense_op(self) -> None:
        (self._sense if self._evaluation is None else self._eval_sense)()

    def _select_op(self) -> None:
        (self._select if self._evaluation is None else self._eval_select)()

    def _record_op(self) -> None:
        if self._evaluation is None:
            self._record()

    def _record_and_clip_op(self) -> None:
        if self._evaluation is None:
            self._record()
            self._clip()

    def _end_op(self) -> None:
        (self._housekeeping if self._evaluation is None else self._eval_end)()

    def _sense(self) -> None:
        """Step the world with the last action; write the input rates, reward and episode flags."""
        self.session.begin_tick()  # environment step, manipulations due now
        drv, d = self.driver, self.dims
        fresh = bool(drv.fresh[0])
        x = self._x
        x[:d.O] = drv.obs[0]
        if self._meta:
            x[d.O:d.O + d.A_in] = 0.0 if fresh else self._efference[:d.A_in]
            x[d.O + d.A_in] = 0.0 if fresh else drv.reward[0]
        vta = self._vta
        vta["reward"][0] = drv.reward[0]
        vta["terminal"][0] = float(drv.terminated[0]
                                   or (self._timeout_terminal and drv.truncated[0]))
        vta["ended"][0] = float(drv.terminated[0] or drv.truncated[0])
        vta["transition"][0] = 0.0 if fresh else 1.0
        # optimizer state of this tick (global, not synaptic): schedule, Adam bias corrections
        opt = self._opt
        factor = self._schedule(self._count)
        learn = self._plastic and not fresh
        opt["learn"][0] = float(learn)
        opt["ent"][0] = 0.0 if fresh else self._eta_h
        if self._episodic:
            opt["discount"][0] = 1.0 if fresh else self._gamma * opt["discount"][0]
        if learn:
            self._count += 1.0
            b1, b2 = self._adam
            opt["beta1"][0], opt["beta2"][0] = b1, b2
            opt["c1"][0], opt["c2"][0] = 1.0 - b1 ** self._count, 1.0 - b2 ** self._count
            opt["lr_readout"][0] = self._lr0[0] * factor
            opt["lr_cortex"][0] = self._lr0[1] * factor
            opt["lr_critic"][0] = self._lr0[2] * factor
        else:
            opt["beta1"][0] = opt["beta2"][0] = 1.0
            opt["lr_readout"][0] = opt["lr_cortex"][0] = opt["lr_critic"][0] = 0.0
        if self.circuit.exact_feedback:  # weight transport: feedback = current readout weights
            self._fb_dorsal[:] = self._fw_dorsal[self.circuit.feedback_source_dorsal]
            self._fb_ventral[:] = self._fw_ventral[self.circuit.feedback_source_ventral]

    def _select(self) -> None:
        """Action selection from striatum_dorsal; the ventral value is passed on to the VTA."""
        u, n = self.noise.next()
        if self.dims.continuous:
            select_gaussian(self._y, n[0], self._lo, self._hi, self._bounded, self._psi,
                            self._chi, self._action[0])
            self._efference[:] = self._action[0]
        else:
            self._action[0, 0] = self._choose(u[0], self._efference)
        if self._dorsal_lesioned[0]:  # a silenced readout sends no learning signal
            self._psi[:] = 0.0
            self._chi[:] = 0.0
        self._vta["v"][0] = self._v[0]
        if self._critic_slope is not None:
            self._critic_slope[1][0] = self._critic_slope[0][0]

    def _choose(self, u: float, efference: np.ndarray) -> int:
        """A discrete action from striatum_dorsal: the softmax of its outputs, or the selection
        stage of the D1/D2 opponent actor (β_G, β_N under the VTA's tonic rate and the
        receptor blockades; the cues are the input rates)."""
        if not self.circuit.opponent:
            return select_discrete(self._y, u, self._psi, self._chi, efference)
        c, circ = self.circuit, self.model.circuit
        if c.dopamine_neurons:
            tonic, model_tonic = c.array("vta", "tonic")[0], c.array("vta", "model_tonic")[0]
        else:
            tonic = model_tonic = 0.0
        beta_g, beta_n = opponent_betas(circ.opponent_beta, circ.opponent_tonic_bias, tonic,
                                        model_tonic, c.array("striatum_dorsal", "d1_block")[0],
                                        c.array("striatum_dorsal", "d2_block")[0])
        return select_opponent(self._y, u, beta_g, beta_n, self._x, circ.cued_actions,
                               self._psi, self._chi, efference)

    @property
    def dopamine_rate(self) -> np.ndarray | None:
        """Firing rate (Hz, as a plain number) of the dopamine neurons on the last tick (None
        without ``circuit.dopamine_neurons``)."""
        if not self.circuit.dopamine_neurons:
            return None
        return self.circuit.array("vta", "rate").copy()

    def _clip(self) -> None:
        """Norm clip of this tick's update over every plastic element (or, with
        ``optimizer.clip_scope = "cortex"``, over the cortical ones, which alone it rescales).

        Non-local: the norm sums the directions ``d`` that the eligibility code of every synapse
        and neuron has just computed; τ's direction is taken in tick units, as in the reference's
        flat parameter vector.
        """
        norm2 = 0.0
        for d, unit in self._directions:
            norm2 += float(np.dot(d, d)) * (unit * unit)
        scale = self._clip_norm / math.sqrt(norm2) if norm2 > self._clip_norm2 else 1.0
        self._opt["clip_scale_cortex"][0] = scale
        if self._clip_all:  # else the readouts' updates stay unclipped
            self._opt["clip_scale_readout"][0] = scale

    def _record(self) -> None:
        """Keep this tick's activity [x, h, actor outputs, value, δ] before the update resets h."""
        d, row = self.dims, self._act[0]
        row[:d.D] = self._x
        row[d.D:d.D + d.N] = self._h
        row[d.D + d.N:d.D + d.N + d.P] = self._y
        row[-2] = self._v[0]
        row[-1] = self._vta["delta"][0]

    def _housekeeping(self) -> None:
        """End of tick: the session records it, takes snapshots, checks the weights and may ask
        for an evaluation (:meth:`request_evaluation`); the last training tick stops the run."""
        self.session.end_tick()
        if self._evaluation is None and self.tick >= self._run_end:
            self.network.stop()

    def request_evaluation(self, tick: int, seed, episodes: int, done) -> None:
        """Evaluate from the next tick on, within this run; ``done(tick, value)`` records it."""
        ev = self._begin_evaluation(episodes, seed)
        ev.record_at, ev.done = tick, done

    # -- sessions ------------------------------------------------------------------------------
    def run(self, steps: int, progress: bool | None = None, profile: bool = False) -> None:
        """Simulate ``steps`` more ticks (:meth:`bioRTRRL.Session.advance`): one Brian2
        ``run()``; every ``run.eval_every`` ticks the frozen policy is evaluated within it.

        ``profile=True`` passes Brian2's profiling on (``loop.network.profiling_info``).
        """
        self._profile = profile
        self.session.advance(steps, progress=progress)

    def simulate(self, session, steps: int) -> None:
        """The session's protocol: ``steps`` ticks in one Brian2 ``run()``."""
        if self._running:
            raise RuntimeError("the loop is already running (run() was called from a network "
                               "operation?)")
        backend.check_device()
        self._prepare()
        self._run_end = self.tick + steps
        # evaluations run within this run() and rewind the clock when done: the run lasts as
        # long as they need, and the last training tick stops it
        run = self.model.run
        evaluations = steps // run.eval_every + 1 if run.eval_every else 0
        budget = steps + evaluations * run.eval_episodes * (evaluation_ticks(run) + 2)
        try:
            self._network_run(budget, profile=self._profile)
        finally:
            if self._evaluation is not None:  # interrupted within an evaluation
                self._end_evaluation()
                self._set_clock(self._evaluation_timestep + 1)

    def _network_run(self, ticks: int, profile: bool = False) -> None:
        """One Brian2 ``run()`` of ``ticks`` ticks with the loop's own random-number state."""
        dev = get_device()
        outer = dev.get_random_state()
        dev.set_random_state(self._random_state)
        clock = self.circuit.clock
        self._running = clock.loop_running = True
        try:
            self.network.run(ticks * clock.dt, namespace={}, profile=profile)
        finally:
            self._running = clock.loop_running = False
            self._random_state = dev.get_random_state()
            dev.set_random_state(outer)

    def _prepare(self) -> None:
        """Checks before a run: the populations' equations (once), and the objects a user added
        (each once)."""
        if not self._checked:
            for name, group in self.circuit.populations.items():
                eq.check_population(group, name)
            self._checked = True
        tick_dt = float(self.circuit.clock.dt)
        for obj in _get_all_objects(self.network.objects):
            if obj.name in self._warned:
                continue
            dt = float(obj.clock.dt)
            if not math.isclose(dt, tick_dt, rel_tol=1e-9):
                self._warned.add(obj.name)
                warnings.warn(
                    f"{type(obj).__name__} {obj.name!r} runs on a clock of dt = {dt * 1e3:g} ms, "
                    f"not the circuit's tick ({tick_dt * 1e3:g} ms, one environment step): it is "
                    f"updated {tick_dt / dt:g} times per tick. Create it with clock=loop.clock "
                    "(or dt=loop.clock.dt) for one update per tick.", CircuitWarning, stacklevel=3)
            elif isinstance(obj, StateMonitor) and obj.when == "start":
                self._warned.add(obj.name)
                warnings.warn(
                    f"StateMonitor {obj.name!r} records in the 'start' slot (Brian2's default): "
                    "it sees each tick's state at the start of the next one, after the update "
                    "and the episode reset, with the next tick's time. Use "
                    "loop.state_monitor(...) (or when='record') to sample what the recording "
                    "keeps, tick for tick.", CircuitWarning, stacklevel=3)

    def train(self, steps: int, progress: bool | None = None) -> xr.Dataset:
        """Run ``steps`` ticks, then finish and return the recording
        (:meth:`bioRTRRL.Session.train`)."""
        return self.session.train(steps, progress=progress)

    def finish(self) -> xr.Dataset:
        """Final snapshot, flush, close the environment; returns the whole recording."""
        return self.session.finish()

    def check_finite(self) -> None:
        """Raise FloatingPointError naming the parameter if a weight became NaN or infinite."""
        for name, arr in self.circuit.params().items():
            if not np.all(np.isfinite(arr)):
                raise FloatingPointError(
                    f"non-finite values in {name} after tick {self.tick}; lower the learning "
                    "rate or enable optimizer.clip_norm")

    # -- evaluation ----------------------------------------------------------------------------
    @property
    def evaluating(self) -> bool:
        """True during the ticks of an evaluation (for a user's network operations)."""
        return self._evaluation is not None

    def evaluate(self, episodes: int | None = None, seed: int | None = None) -> float:
        """Mean first-episode return of fresh environments under the current (frozen) policy.

        The policy is this circuit's: its equations, parameters, lesions and every object added
        to :attr:`network` act as in training. The episodes are those of the reference engine's
        evaluation: ``episodes`` environments stepped together (a vector environment seeded from
        the run's evaluation stream) and the same action draws. Within each environment step the
        episodes take turns on the circuit, one tick each, every group's state kept per episode
        (at an episode start the cortex's ``h`` is reset, as in training; other state starts where
        the training left it). Nothing learns: the learning rates are 0, the input adaptation's
        statistics are held. Afterwards the circuit's state, the clock, the monitors' records and
        the random-number state are restored: the training continues as if no evaluation had run.

        During :meth:`run` the evaluations every ``run.eval_every`` ticks run within the same
        Brian2 run (no new ``run()`` call); called between runs, this method runs one.

        Each call draws its environments and actions from the next child of the run's evaluation
        seed stream (as the recorded evaluations do); ``seed`` fixes them instead, e.g. to compare
        a circuit before and after an edit on the same episodes.
        """
        if self._running:
            raise RuntimeError("evaluate() runs the circuit itself: call it between runs, not "
                               "from a network operation")
        backend.check_device()
        self._prepare()
        ev = self._begin_evaluation(episodes, seed)
        timestep = self.circuit.clock.variables["timestep"].get_value()
        resume = int(timestep[0])
        try:
            self._network_run(ev.episodes * (ev.cap + 2))
        finally:
            if self._evaluation is not None:  # interrupted: restore all the same
                self._end_evaluation()
            self._set_clock(resume)
            self.network.t_ = float(self.circuit.clock.variables["t"].get_value()[0])
        return ev.result

    def _begin_evaluation(self, episodes=None, seed=None) -> "_Evaluation":
        """Save the circuit and switch the loop's operations to an evaluation from the next
        tick on."""
        episodes = int(episodes or self.model.run.eval_episodes)
        # one child of the evaluation stream per evaluation, as Session.evaluate draws them
        if seed is None:
            seed_seq = self.session.next_evaluation_seed()
        elif isinstance(seed, np.random.SeedSequence):
            seed_seq = seed
        else:
            seed_seq = np.random.SeedSequence(int(seed))
        ev = _Evaluation(self, seed_seq, episodes)
        objects = _get_all_objects(self.network.objects)
        ev.saved = [(obj, obj._full_state()) for obj in objects
                    if hasattr(obj, "_full_state") and not isinstance(obj, _MONITORS)]
        ev.monitors = [(mon, _monitor_length(mon)) for mon in objects
                       if isinstance(mon, _MONITORS)]
        ev.timestep = int(self.circuit.clock.variables["timestep"].get_value()[0])
        ev.python = (self._action.copy(), self._efference.copy())
        dev = get_device()
        ev.random_outer = dev.get_random_state()
        dev.set_random_state(ev.random_state)
        opt = self._opt  # no update, no entropy term, Adam's moments as they are
        for k in ("learn", "lr_cortex", "lr_readout", "lr_critic", "ent"):
            opt[k][0] = 0.0
        opt["beta1"][0] = opt["beta2"][0] = 1.0
        if self._adapting is not None:  # normalised by the statistics as they are
            self._adapting[0] = 0.0
        self._evaluation = ev
        return ev

    def _end_evaluation(self) -> None:
        """Restore what the evaluation changed; the next tick is the training's next."""
        ev, self._evaluation = self._evaluation, None
        for obj, state in ev.saved:
            obj._restore_from_full_state(state)
        for mon, length in ev.monitors:
            _truncate_monitor(mon, length)
        self._action[:], self._efference[:] = ev.python
        get_device().set_random_state(ev.random_outer)
        ev.driver.close()
        # Brian2 advances the clock after this tick: it lands on the training's next tick
        self._set_clock(ev.timestep)
        self._evaluation_timestep = ev.timestep

    def _set_clock(self, timestep: int) -> None:
        clock = self.circuit.clock
        clock.variables["timestep"].get_value()[0] = timestep
        clock.variables["t"].get_value()[0] = timestep * float(clock.dt)

    def _eval_sense(self) -> None:
        """Evaluation: the next episode's turn on the circuit."""
        ev, d = self._evaluation, self.dims
        drv = ev.driver
        b = ev.turn
        if ev.rounds == 0 and b == 0:
            drv.reset()
        for live, store in ev.swap:
            live[:] = store[b]
        fresh = bool(drv.fresh[b])
        if fresh:  # the episode reset of training
            self._h[:] = 0.0
        x = self._x
        x[:d.O] = drv.obs[b]
        if self._meta:
            x[d.O:d.O + d.A_in] = 0.0 if fresh else ev.efference[b, :d.A_in]
            x[d.O + d.A_in] = 0.0 if fresh else drv.reward[b]
        vta = self._vta
        vta["reward"][0] = drv.reward[b]
        vta["terminal"][0] = float(drv.terminated[b]
                                   or (self._timeout_terminal and drv.truncated[b]))
        vta["ended"][0] = float(drv.terminated[b] or drv.truncated[b])
        vta["transition"][0] = 0.0 if fresh else 1.0

    def _eval_select(self) -> None:
        """Evaluation: this episode's action, from its own column of the evaluation's draws."""
        ev = self._evaluation
        b = ev.turn
        if b == 0:
            ev.uniform, ev.normal = ev.noise.next()
        if self.dims.continuous:
            select_gaussian(self._y, ev.normal[b], self._lo, self._hi, self._bounded, self._psi,
                            self._chi, ev.actions[b])
            ev.efference[b] = ev.actions[b]
        else:
            ev.actions[b] = self._choose(ev.uniform[b], ev.efference[b])
        self._vta["v"][0] = self._v[0]

    def _eval_end(self) -> None:
        """Evaluation: keep this episode's state until its next turn; once every episode has had
        its turn, the environments step together (the reference engine's tick, then step)."""
        ev = self._evaluation
        for live, store in ev.swap:
            store[ev.turn] = live
        if ev.turn + 1 < ev.episodes:
            ev.turn += 1
            return
        ev.turn = 0
        drv = ev.driver
        drv.step(ev.actions)
        for env, _end, ret, _len, _term in drv.completed:
            if np.isnan(ev.returns[env]):
                ev.returns[env] = ret
        drv.completed.clear()
        ev.rounds += 1
        if ev.rounds >= ev.cap or not np.isnan(ev.returns).any():
            missing = np.isnan(ev.returns)  # an episode outlasted the budget: its return so far
            ev.returns[missing] = drv.episode_return[missing]
            ev.result = float(ev.returns.mean())
            self._end_evaluation()
            if ev.record_at is not None:
                ev.done(ev.record_at, ev.result)
            if ev.record_at is None or self.tick >= self._run_end:
                self.network.stop()


def _monitor_length(mon):
    """What an evaluation restores of a monitor: its length (and an event monitor's counts)."""
    n = int(np.asarray(mon.variables["N"].get_value()).ravel()[0])
    count = mon.variables["count"].get_value().copy() if "count" in mon.variables else None
    return n, count


def _truncate_monitor(mon, length) -> None:
    """Drop what a monitor recorded during an evaluation."""
    n, count = length
    if isinstance(mon, StateMonitor):
        mon.resize(n)
        return
    mon.resize(n)
    mon.variables["N"].set_value(n)
    if count is not None:
        mon.variables["count"].set_value(count)


class _Evaluation:
    """The episodes, draws and per-episode state of one evaluation (as the reference engine's
    :func:`bioRTRRL.evaluation.evaluate` draws them)."""

    def __init__(self, loop: ClosedLoop, seed_seq, episodes: int):
        model, d = loop.model, loop.dims
        limit = model.run.eval_max_steps or None
        self.cap = evaluation_ticks(model.run)
        self.episodes = episodes
        self.driver = EnvDriver(model.task, int(seed_seq.generate_state(1)[0]),
                                num_envs=episodes, max_episode_steps=limit,
                                env_dt_ms=model.circuit.env_dt_ms)
        engine_seed = int(seed_seq.generate_state(2)[1])
        self.noise = ActionNoise(run_seeds(engine_seed)["actions"], episodes,
                                 d.A if d.continuous else 0)
        self.random_state = _seeded_random_state(seed_seq.spawn(1)[0])
        self.returns = np.full(episodes, np.nan)
        self.actions = (np.zeros((episodes, d.A)) if d.continuous
                        else np.zeros(episodes, dtype=np.int64))
        self.efference = np.zeros((episodes, max(d.A, 1)))
        self.uniform = self.normal = None
        self.turn, self.rounds = 0, 0
        self.result = None
        self.record_at = None  # the tick an evaluation within a run is recorded at
        self.swap = _episode_state(loop, episodes)


def _episode_state(loop: ClosedLoop, episodes: int) -> list:
    """(live array, per-episode copies) of every state variable an episode carries from tick to
    tick: those of every NeuronGroup of the network and of the Synapses a user added, except the
    circuit's parameters and the rule's variables (frozen during an evaluation)."""
    c = loop.circuit
    own = set(c.projections) | {"optimizer"}
    swap = []
    for obj in _get_all_objects(loop.network.objects):
        if not isinstance(obj, (NeuronGroup, Synapses)) or obj.name in own:
            continue
        frozen = c.frozen_variables.get(obj.name, set())
        for name, var in obj.variables.items():
            if (name.startswith("_") or name in frozen or not isinstance(var, ArrayVariable)
                    or var.read_only or var.constant or var.owner.name != obj.name):
                continue
            live = var.get_value()
            swap.append((live, np.repeat(live[None], episodes, axis=0)))
    return swap


def _seeded_random_state(seed_seq) -> dict:
    """Brian2's random-number state seeded from ``seed_seq`` (the global state is left as is)."""
    dev = get_device()
    outer = dev.get_random_state()
    try:
        dev.seed(int(seed_seq.generate_state(1)[0]))
        return dev.get_random_state()
    finally:
        dev.set_random_state(outer)


def _no_bar(progress):
    if progress is None:
        return not (os.isatty(2) or "JPY_PARENT_PID" in os.environ)
    return not progress
