"""bioRTRRL: Real-Time Recurrent Reinforcement Learning as a basal-ganglia circuit simulation.

    import bioRTRRL as br
    model = br.load_model("models/default.toml")
    ds = br.run(model, steps=100_000, seed=0)          # xarray.Dataset (docs/recording_schema.md)
"""

__version__ = "0.1.0"

from . import tasks  # noqa: F401  registers the bioRTRRL/ Gymnasium environments
from .config import Model, ModelError, load_model
from .experiment import Session, run

__all__ = ["Model", "ModelError", "Session", "load_model", "run", "tasks"]
