"""Recording of a run: the Dataset schema of docs/recording_schema.md, saved, opened and streamed."""

from .io import StreamWriter, open_recording, save

__all__ = ["save", "open_recording", "StreamWriter"]
