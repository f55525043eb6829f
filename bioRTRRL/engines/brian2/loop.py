"""The closed loop: a Brian2 circuit and a Gymnasium task, one ``run()`` per training session.

Network operations at the tick clock do what is not synaptic or neuronal: stepping the
environment, selecting the action, the global-norm clip of the update (the single non-local step
of the rule) and the recording. They read and write the circuit through the live arrays
``variables[name].get_value()``; everything else (dynamics, traces, dopamine, optimizer steps) is
Brian2 code in :mod:`.circuit`.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

import numpy as np
import xarray as xr
from brian2 import Network, NetworkOperation

from ...config import Model, ModelError, load_model
from ...environment import EnvDriver
from ...recording.recorder import Recorder, run_attrs
from ..parameters import CircuitDims, init_parameters, run_seeds
from ..kernels import select_discrete, select_gaussian
from ..reference import ReferenceEngine, lr_schedule
from ..sampling import ActionNoise
from . import backend
from . import equations as eq
from .circuit import SCHEDULE, Circuit

_CHECK_EVERY = 1000


def build_circuit(model, seed: int | None = None, *, equations: dict | None = None,
                  codegen_target: str = "numpy",
                  stream_to: str | Path | None = None) -> "ClosedLoop":
    """Build the circuit for ``model``'s task, with its closed loop, ready to run.

    Parameters
    ----------
    model : path, dict or Model
    seed : int, optional
        Run seed (default ``model.run.seed``); initial weights, feedback, action draws and the
        environment come from the same seed streams as in the reference engine.
    equations : dict, optional
        Replacement model equations per population (``{"cortex": "..."}``); they must define the
        variables listed in :data:`.equations.REQUIRED`.
    codegen_target : {"numpy", "cython"}
    stream_to : path, optional
        A ``.zarr`` store that receives every completed recording chunk.

    Returns
    -------
    ClosedLoop
        ``.network`` (the Brian2 Network), the populations (``.cortex``, ...), ``.projections``;
        add monitors or change parameters, then :meth:`ClosedLoop.train`.

    Raises
    ------
    ModelError
        For a model this engine does not implement (naming the field), a standalone device, or
        equations that lack a variable the rule needs.
    """
    model = load_model(model)
    seed = model.run.seed if seed is None else int(seed)
    _check_supported(model)
    backend.check_device()
    return ClosedLoop(model, seed, backend.codeobj_class(codegen_target), equations, stream_to)


def run_brian2(model, steps: int | None = None, seed: int | None = None,
               stream_to: str | Path | None = None, progress: bool | None = None,
               **engine_options) -> xr.Dataset:
    """Train with the Brian2 engine; the counterpart of :func:`bioRTRRL.run` (same schema).

    ``engine_options`` are the keyword arguments of :func:`build_circuit` (``equations``,
    ``codegen_target``).
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


class ClosedLoop:
    """A Brian2 circuit driving one environment, recorded into the common schema.

    Attributes
    ----------
    network : brian2.Network
        The circuit's objects and the loop's network operations, with the tick schedule.
    circuit : Circuit
    input, cortex, striatum_dorsal, striatum_ventral, vta : NeuronGroup
    projections : dict of Synapses
    driver : EnvDriver
    recorder : Recorder
    tick : int
        Ticks simulated so far.
    """

    def __init__(self, model: Model, seed: int, codeobj_class, equations, stream_to):
        from ...manipulation import Manipulations

        self.model, self.seed = model, seed
        seeds = run_seeds(seed)
        self.driver = drv = EnvDriver(model.task, int(seeds["env"].generate_state(1)[0]))
        self.dims = dims = CircuitDims.build(model.circuit.cortex_size, drv.O, drv.A,
                                             drv.continuous, model.circuit.meta_rl_input)
        # refuses, before the run, any manipulation this engine cannot perform
        self.manipulations = Manipulations(model, dims, engine="brian2")
        theta, fb_a, fb_c = init_parameters(model, dims, seeds["params"], seeds["feedback"])
        self.circuit = circ = Circuit(model, dims, theta, fb_a, fb_c, codeobj_class, equations)
        self.noise = ActionNoise(seeds["actions"], 1, dims.A if dims.continuous else 0)
        writer = None
        if stream_to is not None:
            from ...recording.io import StreamWriter

            writer = StreamWriter(stream_to)
        self.recorder = Recorder(model, dims, drv, run_attrs(model, "brian2", seed, drv), writer)
        self._eval_seed = seeds["eval"]
        self._eval_proxy = None
        self._schedule = lr_schedule(model.optimizer)

        self.tick = 0
        self._bar = None
        self._started = False
        self._arrays()
        # with a clip the tick is recorded where the clip waits (before the cortex's h is reset)
        steps = [(self._sense, "sense"), (self._select, "select"),
                 (self._record_and_clip, "clip") if circ.clipped else (self._record, "record"),
                 (self._housekeeping, "end")]
        ops = [NetworkOperation(f, clock=circ.clock, when=when, name=f"loop_{when}")
               for f, when in steps]
        self.network = Network(*circ.objects, *ops, name="biortrrl_circuit")
        self.network.schedule = SCHEDULE

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

    def _arrays(self) -> None:
        """Bind the live arrays the operations touch (views: no copies, no code objects)."""
        c, d = self.circuit, self.dims
        self._x = c.array("input", "x")
        self._h = c.array("cortex", "h")
        self._y = c.array("striatum_dorsal", "y")
        self._psi = c.array("striatum_dorsal", "psi")
        self._chi = c.array("striatum_dorsal", "chi")
        self._v = c.array("striatum_ventral", "v")
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
        # exact feedback copies the readout weights into the feedback synapses every tick
        self._fb_dorsal = c.array("feedback_striatum_dorsal", "w")
        self._fw_dorsal = c.array("cortex_striatum_dorsal", "w")
        self._fb_ventral = c.array("feedback_striatum_ventral", "w")
        self._fw_ventral = c.array("cortex_striatum_ventral", "w")
        self._efference = np.zeros(max(d.A_in, 1))
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
        self._gamma = self.model.learning.gamma
        self._meta = self.model.circuit.meta_rl_input
        if d.continuous:
            lo, hi = self.driver.action_low, self.driver.action_high
            self._lo, self._hi = lo.copy(), hi.copy()
            self._bounded = np.isfinite(lo) & np.isfinite(hi)

    # -- network operations (in tick order) ----------------------------------------------------
    def _sense(self) -> None:
        """Step the world with the last action; write the input rates, reward and episode flags."""
        drv, d = self.driver, self.dims
        if not self._started:
            drv.reset()
            self.recorder.snapshot(0, self.circuit.params(), self.circuit.feedback())
            self._started = True
        else:
            drv.step(self._action[:, 0].astype(np.int64) if not d.continuous else self._action)
        manip = self.manipulations
        if manip.active and manip.due(self.tick):  # in force for this tick's forward pass and δ
            manip.apply(self, self.tick)
        fresh = bool(drv.fresh[0])
        x = self._x
        x[:d.O] = drv.obs[0]
        if self._meta:
            x[d.O:d.O + d.A_in] = 0.0 if fresh else self._efference[:d.A_in]
            x[d.O + d.A_in] = 0.0 if fresh else drv.reward[0]
        vta = self._vta
        vta["reward"][0] = drv.reward[0]
        vta["terminal"][0] = float(drv.terminated[0])
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
            self._action[0, 0] = select_discrete(self._y, u[0], self._psi, self._chi,
                                                 self._efference)
        if self._dorsal_lesioned[0]:  # a silenced readout sends no learning signal
            self._psi[:] = 0.0
            self._chi[:] = 0.0
        self._vta["v"][0] = self._v[0]

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

    def _record_and_clip(self) -> None:
        self._record()
        self._clip()

    def _record(self) -> None:
        """Keep this tick's activity [x, h, actor outputs, value, δ] before the update resets h."""
        d, row = self.dims, self._act[0]
        row[:d.D] = self._x
        row[d.D:d.D + d.N] = self._h
        row[d.D + d.N:d.D + d.N + d.P] = self._y
        row[-2] = self._v[0]
        row[-1] = self._vta["delta"][0]

    def _housekeeping(self) -> None:
        """End of tick: the recording (traces as left by the update), snapshots, evaluations,
        finiteness check, progress."""
        self.recorder.record(self.tick, self._act, self._action, self.circuit)
        self.tick += 1
        t, run = self.tick, self.model.run
        every_w = self.model.recording.weights_every
        if every_w and t % every_w == 0:
            self.recorder.snapshot(t, self.circuit.params(), self.circuit.feedback())
        if run.eval_every and t % run.eval_every == 0:
            self.recorder.add_evaluation(t, self.evaluate())
        if t % _CHECK_EVERY == 0:
            self.check_finite()
            if self._bar is not None:
                self._bar.update(_CHECK_EVERY)

    # -- sessions ------------------------------------------------------------------------------
    def run(self, steps: int, progress: bool | None = None) -> None:
        """Simulate ``steps`` more ticks in one Brian2 ``run()``."""
        from tqdm.auto import tqdm

        backend.check_device()
        if steps <= 0:
            return
        self._bar = tqdm(total=steps, disable=_no_bar(progress), unit="step", mininterval=0.5,
                         desc=f"{self.model.name} seed {self.seed} (brian2)")
        start = self.tick
        with contextlib.closing(self._bar):
            self.network.run(steps * self.circuit.clock.dt, namespace={})
            self._bar.update((self.tick - start) % _CHECK_EVERY)
        self._bar = None

    def train(self, steps: int, progress: bool | None = None) -> xr.Dataset:
        """Run ``steps`` ticks, then finish and return the recording.

        If the run fails, the exception propagates with the recording so far attached as
        ``exc.recording``.
        """
        try:
            self.run(steps, progress=progress)
        except BaseException as exc:
            exc.recording = self.recorder.finish(
                finished=False, error=f"{type(exc).__name__}: {exc}")
            raise
        return self.finish()

    def finish(self) -> xr.Dataset:
        """Final snapshot, flush, close the environment; returns the whole recording."""
        rec = self.recorder
        if not rec.snapshots or rec.snapshots[-1][0] != self.tick:
            rec.snapshot(self.tick, self.circuit.params(), self.circuit.feedback())
        ds = rec.finish(finished=True)
        self.driver.close()
        return ds

    def check_finite(self) -> None:
        """Raise FloatingPointError naming the parameter if a weight became NaN or infinite."""
        for name, arr in self.circuit.params().items():
            if not np.all(np.isfinite(arr)):
                raise FloatingPointError(
                    f"non-finite values in {name} after tick {self.tick}; lower the learning "
                    "rate or enable optimizer.clip_norm")

    def evaluate(self, episodes: int | None = None) -> float:
        """Mean first-episode return of fresh environments under the current (frozen) weights.

        The frozen policy is evaluated by the reference engine's evaluator with this circuit's
        weights and lesions: the same environments and draws as a reference-engine run would use.
        """
        from ...evaluation import evaluate
        from .. import kernels as K

        if self._eval_proxy is None:
            drv = self.driver
            self._eval_proxy = ReferenceEngine(self.model, self.dims, 1, self.seed,
                                               drv.action_low, drv.action_high)
        proxy = self._eval_proxy
        for name, value in self.circuit.params().items():
            proxy.params[name][...] = value
        proxy.feedback_random = self.circuit.feedback()
        c = self.circuit
        if eq.SILENCED in c.populations["cortex"].variables:
            proxy.unit_mask[:] = 1.0 - c.array("cortex", eq.SILENCED)
        proxy.icfg[K.I_ACTOR_LESION] = int(c.array("striatum_dorsal", "lesioned")[0])
        proxy.icfg[K.I_CRITIC_LESION] = int(c.array("striatum_ventral", "lesioned")[0])
        O = self.dims.O  # the input adaptation's statistics, frozen by the evaluator
        for row, name in enumerate(("obs_mean", "obs_var", "obs_count")):
            proxy.obs_stats[row] = c.array("input", name)[:O]
        # one child of the evaluation stream per evaluation, as Session.evaluate draws them
        return evaluate(self.model, proxy, self._eval_seed.spawn(1)[0],
                        episodes or self.model.run.eval_episodes)


def _no_bar(progress):
    if progress is None:
        return not (os.isatty(2) or "JPY_PARENT_PID" in os.environ)
    return not progress
