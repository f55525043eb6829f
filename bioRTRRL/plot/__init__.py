"""Figures of a recording: matplotlib functions Dataset/DataArray → Figure (public name ``br.plot``).

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state,
any backend); in Jupyter a returned figure displays itself, elsewhere call ``fig.savefig(path)``.
:func:`figures_for` writes every figure that applies to a recording.
"""

from .activity import dopamine_trial_map, population_activity
from .curves import learning_curve
from .events import peri_event
from .figures import figures_for
from .plasticity import feedback_alignment, weight_change
from .spikes import raster
from .trajectories import pca_trajectories

__all__ = [
    "dopamine_trial_map",
    "feedback_alignment",
    "figures_for",
    "learning_curve",
    "pca_trajectories",
    "peri_event",
    "population_activity",
    "raster",
    "weight_change",
]
