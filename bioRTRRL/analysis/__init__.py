"""Analyses of a recording: pure functions Dataset → DataArray/Dataset, no plotting.

Every function takes the Dataset of one run (docs/recording_schema.md) and returns labelled
arrays; :mod:`bioRTRRL.plot` draws them.
"""

from .critic import discounted_return, value_prediction
from .dimensionality import pca, population_rate
from . import spikes
from .episodic import episodes, evaluation_curve, learning_curve
from .events import BUILTIN_EVENTS, event_ticks, peri_event
from .plasticity import PROJECTION_WEIGHTS, feedback_alignment, weight_change
from .trials import trial_matrix

__all__ = [
    "spikes",
    "BUILTIN_EVENTS",
    "PROJECTION_WEIGHTS",
    "discounted_return",
    "episodes",
    "evaluation_curve",
    "event_ticks",
    "feedback_alignment",
    "learning_curve",
    "pca",
    "peri_event",
    "population_rate",
    "trial_matrix",
    "value_prediction",
    "weight_change",
]
