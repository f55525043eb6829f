"""Tasks: Gymnasium environments and wrappers used by the circuit.

Importing this package registers every environment under the ``bioRTRRL/``
namespace (``gymnasium.make("bioRTRRL/<Name>-v0")``).
"""

from .masks import NAMED_MASKS, ObservationMask, ObservationMaskVector, mask_indices

__all__ = ["NAMED_MASKS", "ObservationMask", "ObservationMaskVector", "mask_indices"]
