"""A run in the formats of the field's tools: NWB files (:func:`to_nwb`) and pynapple objects
(:func:`to_pynapple`). Both need the ``nwb`` extra (``pip install -e '.[nwb]'``); the
packages are imported only when a function is called."""

from .nwb import to_nwb
from .pynapple import to_pynapple

__all__ = ["to_nwb", "to_pynapple"]
