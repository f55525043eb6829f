"""Oracle tests (placeholder docstring)."""
