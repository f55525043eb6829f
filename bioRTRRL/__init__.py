"""bioRTRRL: Real-Time Recurrent Reinforcement Learning as a basal-ganglia circuit simulation.

    import bioRTRRL as br
    model = br.load_model("models/default.toml")
    ds = br.run(model, steps=100_000, seed=0)          # xarray.Dataset (docs/recording_schema.md)
"""

__version__ = "0.1.0"

from . import analysis, plot, tasks  # noqa: F401  (tasks registers the bioRTRRL/ Gymnasium environments)
from .config import Model, ModelError, load_model
from .experiment import Session, run
from .recording import open_recording, save

__all__ = ["Model", "ModelError", "Session", "analysis", "load_model", "open_recording", "plot",
           "run", "save", "tasks"]
