"""The circuit description both engines build from (see :mod:`.description`)."""

from .description import Description, Population, Projection, describe, describe_default

__all__ = ["Description", "Population", "Projection", "describe", "describe_default"]
