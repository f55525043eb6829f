"""The toolkit's error for invalid input (the base layer: everything may import it)."""


class ModelError(ValueError):
    """A model specification is invalid; the message names the offending key."""
