"""The Brian2 engine: the basal-ganglia circuit as NeuronGroups and Synapses, learning by RTRRL.

Populations are ``NeuronGroup``s (``input``, ``cortex``, ``striatum_dorsal``,
``striatum_ventral``, ``vta``), projections are ``Synapses`` (four plastic ones and two fixed random
feedback ones), and the learning rule — RFLO eligibility traces, TD traces, dopamine, SGD or Adam —
is Brian2 code on them (:mod:`.equations`). Network operations at the tick clock close the loop
with the task (:mod:`.loop`): one Brian2 ``run()`` per training session. With the same model, seed
and task the engine reproduces the reference engine step for step (tests/brian2).

    import brian2
    import bioRTRRL as br
    from bioRTRRL.engines.brian2 import build_circuit

    loop = build_circuit(br.load_model("models/default.toml"), seed=0)
    mon = brian2.StateMonitor(loop.cortex, "h", record=True)
    loop.network.add(mon)
    loop.vta.da_gain = 0.5            # a parameter changed before running
    ds = loop.train(10_000)           # the recording (docs/recording_schema.md)

``br.run(model, engine="brian2", codegen_target=..., equations=...)`` does the same in one call.

Supported: RFLO; accumulating TD traces (optionally with the episodic discount); SGD and Adam;
the norm clip (of everything or of the cortical group); learning-rate schedules; τ learning (or
fixed τ); entropy bonus; average reward; input adaptation; random or exact feedback; discrete and continuous
(Gaussian) actors; every manipulation of :mod:`bioRTRRL.manipulation`
(each a variable of the circuit: ``silenced``, ``lesioned``, ``plastic``, ``lam``, ``tau_e``, the
dopamine ``da_*``); one circuit in one environment. Refused with a message naming the field:
``learning.gradient`` other than ``"rflo"``, ``learning.critic_trace = "dutch"``,
``task.num_envs > 1``, standalone devices.
"""

from .backend import check_device, codeobj_class
from .circuit import SCHEDULE, Circuit
from .equations import MODELS, REQUIRED
from .loop import CircuitWarning, ClosedLoop, build_circuit, run_brian2

__all__ = ["MODELS", "REQUIRED", "SCHEDULE", "Circuit", "CircuitWarning", "ClosedLoop", "build_circuit",
           "check_device", "codeobj_class", "run_brian2"]
