"""Behaviour unchanged: the shipped models' recordings equal their stored digests bit for bit.

See :mod:`tests.regression.digests` for what is hashed and how to regenerate after an intended
change of behaviour.
"""

import json

import numpy as np
import pytest

from .digests import BRIAN2_MODELS, DIGESTS, MODELS, brian2_values, digest, run_model

STORED = json.loads(DIGESTS.read_text())


# the models whose recordings were digested (models added since have their own tests)
@pytest.mark.parametrize("path", [p for p in MODELS if p.stem in STORED["reference"]],
                         ids=lambda p: p.stem)
def test_reference_recording_is_bitwise_unchanged(path):
    assert digest(run_model(path)) == STORED["reference"][path.stem], (
        f"the recording of models/{path.name} changed; if intended, regenerate "
        "with `python -m tests.regression.digests` and say so in the commit")


@pytest.mark.parametrize("stem", BRIAN2_MODELS)
def test_brian2_recording_is_unchanged(stem):
    ds = run_model(MODELS[0].with_name(f"{stem}.toml"), engine="brian2")
    stored = STORED["brian2"][stem]
    if digest(ds) == stored["digest"]:
        return
    # a different summation order in generated code may move the last bits only
    values = brian2_values(ds)
    assert values.keys() == stored["values"].keys()
    for name, expected in stored["values"].items():
        np.testing.assert_allclose(values[name], expected, rtol=0, atol=1e-12, err_msg=name)
