"""bioRTRRL: Real-Time Recurrent Reinforcement Learning as a basal-ganglia circuit simulation.

    import bioRTRRL as br
    model = br.load_model("models/default.toml")
    ds = br.run(model, steps=100_000, seed=0)          # xarray.Dataset (docs/recording_schema.md)
    ds = br.run_cohort(model, seeds=range(8))          # 8 animals in one engine call, dim "seed"
"""

__version__ = "0.1.0"

from . import analysis, plot, tasks  # noqa: F401  (tasks registers the bioRTRRL/ Gymnasium environments)
from .config import Model, ModelError, load_model
from .experiment import Session, run
from .cohort import Cohort, run_cohort
from .manipulation import manipulate
from .export import to_nwb, to_pynapple
from .recording import open_recording, save


def __getattr__(name):
    # sweeps pulls in dask.distributed: import it only when asked for (the module is named
    # ``sweeps``, so importing it never shadows the function ``br.sweep``)
    if name in ("sweep", "open_sweep", "rerun_failed"):
        import importlib

        module = importlib.import_module(".sweeps", __name__)
        for attr in ("sweep", "open_sweep", "rerun_failed"):
            globals()[attr] = getattr(module, attr)
        return globals()[name]
    if name == "build_circuit":  # brian2 is imported only by those who use it
        from .engines.brian2 import build_circuit

        return build_circuit
    raise AttributeError(f"module 'bioRTRRL' has no attribute {name!r}")


__all__ = ["Cohort", "Model", "ModelError", "Session", "analysis", "build_circuit", "load_model", "manipulate",
           "open_recording", "plot", "run", "run_cohort", "save", "sweep", "tasks", "to_nwb", "to_pynapple"]
