"""The Brian2 engine: the basal-ganglia circuit as NeuronGroups and Synapses, learning by RTRRL.

Populations are ``NeuronGroup``s (``input``, ``cortex``, ``striatum_dorsal``,
``striatum_ventral``, ``vta``), projections are ``Synapses`` (four plastic ones and two fixed random
feedback ones), and the learning rule — RFLO eligibility traces, TD traces, dopamine, SGD or Adam —
is Brian2 code on them (:mod:`.equations`). Network operations at the tick clock close the loop
with the task (:mod:`.loop`): one Brian2 ``run()`` per training session, evaluations included.
With the same model, seed and task the engine reproduces the reference engine step for step, and
its evaluations equal the reference engine's (tests/brian2).

    import bioRTRRL as br
    from bioRTRRL.engines.brian2 import build_circuit

    loop = build_circuit(br.load_model("models/default.toml"), seed=0)
    mon = loop.state_monitor(loop.cortex, "h")  # samples what the recording keeps, tick for tick
    loop.vta.da_gain = 0.5            # a parameter changed before running
    ds = loop.train(10_000)           # the recording (docs/recording_schema.md)

``br.run(model, engine="brian2", codegen_target=..., equations=..., projections=...)`` does the
same in one call.

Editing the circuit (:mod:`.loop` has the details):

* ``equations={"cortex": "..."}`` replaces a population's model (it must define
  :data:`REQUIRED`); syntax, unit and name errors are reported with the population and variable.
* ``populations={...}`` adds populations, ``projections={...}`` adds projections whose weights
  learn by the rule of their target population (:data:`PLASTIC_TARGETS`; see
  :func:`build_circuit`).
* Objects added with ``loop.network.add(...)`` run on the tick clock (``clock=loop.clock``); a
  ``Synapses`` onto a population adds to its drive, within the tick's forward pass (the slope the
  rule uses included). ``loop.state_monitor(...)`` places a monitor where the loop records.
* Brian2's random numbers in equations (``xi``, ``rand()``) follow the run's seed.
* Evaluations run this same circuit, edits included (:meth:`ClosedLoop.evaluate`).

Code generation follows Brian2's convention: ``codegen_target`` (default Brian2's
``prefs.codegen.target``, ``"auto"``) is Cython where a compiler works, else NumPy; compiled code
is cached per user (``~/.cache/bioRTRRL/brian2``), a first run compiling in parallel (:mod:`.backend`).

Supported: RFLO; accumulating TD traces (optionally with the episodic discount); SGD and Adam;
the norm clip (of everything or of the cortical group); learning-rate schedules; τ learning (or
fixed τ); entropy bonus; average reward; input adaptation; random or exact feedback; discrete and continuous
(Gaussian) actors; every manipulation of :mod:`bioRTRRL.manipulation`
(each a variable of the circuit: ``silenced``, ``lesioned``, ``plastic``, ``lam``, ``tau_e``, the
dopamine ``da_*``); one circuit in one environment. Refused with a message naming the field:
``learning.gradient`` other than ``"rflo"``, ``learning.critic_trace = "dutch"``,
``task.num_envs > 1``, standalone devices.
"""

from .backend import check_device, codeobj_class, resolve_target
from .circuit import SCHEDULE, Circuit
from .equations import MODELS, PLASTIC_TARGETS, REQUIRED
from .loop import CircuitWarning, ClosedLoop, build_circuit, run_brian2

__all__ = ["MODELS", "PLASTIC_TARGETS", "REQUIRED", "SCHEDULE", "Circuit", "CircuitWarning",
           "ClosedLoop", "build_circuit", "check_device", "codeobj_class", "resolve_target",
           "run_brian2"]
