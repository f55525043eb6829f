"""A real run streamed to zarr while it runs equals the Dataset it returns."""

from pathlib import Path

import xarray as xr

import bioRTRRL as br
from bioRTRRL.recording import open_recording

MODEL = Path(__file__).resolve().parents[2] / "models" / "default.toml"


def test_streamed_run_equals_returned_recording(tmp_path):
    model = br.load_model(MODEL).with_overrides({
        "recording.chunk_steps": 128, "recording.weights_every": 200,
        "run.eval_every": 250, "run.eval_episodes": 2,
        "recording.variables": ["rate", "dopamine", "value", "reward", "action", "obs", "trace_norms"],
    })
    ds = br.run(model, steps=600, seed=0, progress=False, stream_to=tmp_path / "run.zarr")
    streamed = open_recording(tmp_path / "run.zarr").load()
    assert streamed.attrs["finished"] == 1
    xr.testing.assert_identical(streamed, ds)
