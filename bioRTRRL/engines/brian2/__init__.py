"""The Brian2 engine: the basal-ganglia circuit as NeuronGroups and Synapses, learning by RTRRL.

Populations are ``NeuronGroup``s (input, cortex, striatum_dorsal, striatum_ventral, vta),
projections are ``Synapses``, and the learning rule (RFLO eligibility, TD traces, dopamine,
SGD/Adam) is Brian2 code on them; one ``network_operation`` per tick closes the loop with the
task. With the same model, seed and task it reproduces the reference engine step for step.

    import bioRTRRL as br
    from bioRTRRL.engines.brian2 import build_circuit

    loop = build_circuit(br.load_model("models/default.toml"), seed=0)
    mon = brian2.StateMonitor(loop.cortex, "h", record=True)
    loop.network.add(mon)
    ds = loop.train(10_000)

Supported: RFLO, accumulating traces, SGD and Adam, the global-norm clip, τ learning, entropy,
average reward, random or exact feedback, discrete and continuous actions, one environment.
"""

from .backend import check_device, codeobj_class
from .circuit import SCHEDULE, Circuit
from .equations import MODELS, REQUIRED
from .loop import ClosedLoop, build_circuit, run_brian2

__all__ = ["MODELS", "REQUIRED", "SCHEDULE", "Circuit", "ClosedLoop", "build_circuit",
           "check_device", "codeobj_class", "run_brian2"]
