"""A model written as TOML (``Model.to_toml``) loads back to the same model, whatever its text holds."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError

ROOT = Path(__file__).resolve().parents[1]

# Text a hand-written writer gets wrong: non-BMP characters (emoji, escaped by JSON as surrogate
# pairs that TOML rejects), combining marks, quotes, backslashes, TOML's own delimiters, CRLF, tabs.
AWKWARD = [
    "dopamine 🧠⚡ burst",
    "ẋ, θ̇ — velocities only; λ = 0.9, τ ∈ [1, 20]",
    'a "quoted" \\ backslash and \'single\' quotes',
    'three quotes """ inside, and \'\'\'',
    "line one\nline two\r\nline three\ttabbed\n",
    "[[manipulation]] = not a table",
    "",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_a_description_survives_a_file_round_trip(text, tmp_path):
    # the name too, as far as a name may go (it names a folder: no slashes)
    model = br.load_model({"name": "réponse dopaminergique 🧠", "description": text})
    path = tmp_path / "model.toml"
    path.write_text(model.to_toml(), encoding="utf-8")
    again = br.load_model(path)
    assert again.description == text
    assert again.name == "réponse dopaminergique 🧠"
    assert again == model


def test_every_model_file_round_trips_with_its_manipulations_and_kwargs():
    for path in sorted((ROOT / "models").glob("*.toml")):
        model = br.manipulate(br.load_model(path), "lesion", target="cortex", units=[0, 3])
        again = br.load_model(tomllib.loads(model.to_toml()))
        assert again == model, path.name
        assert again.to_toml() == model.to_toml()


def test_unicode_in_task_kwargs_and_manipulations_round_trips():
    model = br.load_model({"task": {"kwargs": {"label": "größer ≥ 😀", "nested": {"ü": [1, 2]}}}})
    model = br.manipulate(model, "clamp_dopamine", value=-0.5)
    assert br.load_model(tomllib.loads(model.to_toml())) == model


def test_a_value_with_no_toml_form_is_one_clear_error():
    model = br.load_model({})
    model.task.kwargs["scale"] = np.float32(2.0)  # NumPy scalars are not TOML values
    with pytest.raises(ModelError, match="cannot write the model as TOML"):
        model.to_toml()
