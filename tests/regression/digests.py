"""Digests of the shipped models' recordings: proof that a refactor changed no behaviour.

Every model file under ``models/`` is run for :data:`STEPS` ticks on the reference engine (and
two of them on the Brian2 engine), and each recording is reduced to a SHA-256 over the bytes of
every variable and coordinate (name, dtype, shape, values; attributes that name package versions
or the clock time are left out). ``tests/regression/digests.json`` holds the digests taken before
the circuit was restructured; ``test_recording_digests.py`` recomputes them.

The Brian2 engine sums in the order Brian2's code generation chooses, which a change of the
number of code objects may alter by a few ulp, so for it the JSON also keeps δ and the final
weights, compared to 1e-12.

Regenerate (only when a change of behaviour is intended, and say so in the commit)::

    python -m tests.regression.digests
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "models").glob("*.toml"))
DIGESTS = Path(__file__).with_name("digests.json")
STEPS = 5_000
SEED = 3
BRIAN2_MODELS = ("default", "trace_conditioning")
BRIAN2_STEPS = 2_000
# evaluations every 2,500 ticks, so the evaluation path is covered as well
OVERRIDES = {"run.eval_every": 2_500, "run.eval_episodes": 2, "recording.weights_every": 2_500}
# The digests of the paper_* models were taken when those files carried the appendix's global-norm
# clip of 1.0; the files now hold the published code's default (no clip, issue 15) and the clip is
# their "appendix_clip" variant. Hashing that variant keeps checking the same computation bit for bit.
APPENDIX_CLIP = {"optimizer.clip_norm": 1.0}


def digest(ds) -> str:
    """SHA-256 of a recording's variables and coordinates (values, dtypes, shapes, names)."""
    h = hashlib.sha256()
    for name in sorted(ds.variables):
        var = ds.variables[name]
        values = np.ascontiguousarray(var.values)
        h.update(f"{name}|{var.dtype}|{var.shape}|{var.dims}".encode())
        if values.dtype == object:
            h.update(repr(values.tolist()).encode())
        else:
            h.update(values.tobytes())
    return h.hexdigest()


def run_model(path: Path, engine: str = "reference"):
    import bioRTRRL as br

    model = br.load_model(path).with_overrides(
        {**OVERRIDES, **(APPENDIX_CLIP if path.stem.startswith("paper_") else {})})
    steps = STEPS if engine == "reference" else BRIAN2_STEPS
    return br.run(model, steps=steps, seed=SEED, engine=engine, progress=False)


def brian2_values(ds) -> dict[str, list[float]]:
    """δ of every tick and the final weights: what the Brian2 digest is checked against."""
    last = {name: ds[name].isel(snapshot=-1).values.ravel().tolist()
            for name in ds.data_vars if "snapshot" in ds[name].dims}
    return {"dopamine": ds["dopamine"].values.ravel().tolist(), **last}


def compute() -> dict:
    out = {"reference": {p.stem: digest(run_model(p)) for p in MODELS}, "brian2": {}}
    for stem in BRIAN2_MODELS:
        ds = run_model(ROOT / "models" / f"{stem}.toml", engine="brian2")
        out["brian2"][stem] = {"digest": digest(ds), "values": brian2_values(ds)}
    return out


if __name__ == "__main__":
    DIGESTS.write_text(json.dumps(compute(), indent=1))
    print(f"wrote {DIGESTS}")
