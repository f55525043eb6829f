"""What the Brian2 engine refuses, each with one clear message naming the cause."""

from pathlib import Path

import brian2
import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError
from bioRTRRL.engines.brian2 import MODELS, build_circuit
from bioRTRRL.manipulation import manipulate

pytestmark = pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"


def _model(**overrides):
    return br.load_model(DEFAULT).with_overrides({"run.eval_every": 0, **overrides})


def test_standalone_device_is_refused(tmp_path):
    brian2.set_device("cpp_standalone", directory=str(tmp_path / "standalone"), build_on_run=False)
    try:
        with pytest.raises(ModelError, match="cpp_standalone.*network_operation|network_operation"):
            build_circuit(_model(), seed=0)
    finally:
        brian2.set_device("runtime")


@pytest.mark.parametrize("field, value", [("learning.gradient", "rtrl"),
                                          ("learning.gradient", "bptt")])
def test_exact_gradients_are_refused_naming_the_field(field, value):
    with pytest.raises(ModelError, match=f"{field}.*{value}.*rflo"):
        build_circuit(_model(**{field: value}), seed=0)


def test_dutch_critic_and_batches_are_refused():
    with pytest.raises(ModelError, match="learning.critic_trace"):
        build_circuit(_model(**{"learning.critic_trace": "dutch", "optimizer.kind": "sgd"}), 0)
    with pytest.raises(ModelError, match="task.num_envs"):
        br.run(_model(**{"task.num_envs": 2}), steps=10, engine="brian2", progress=False)


def test_equations_lacking_a_rule_variable_are_refused():
    without_slope = "\n".join(line for line in MODELS["cortex"].splitlines()
                              if not line.startswith("phi_prime"))
    with pytest.raises(ModelError, match="cortex.*'phi_prime'.*slope"):
        build_circuit(_model(), seed=0, equations={"cortex": without_slope})
    with pytest.raises(ModelError, match="striatum_dorsal.*'psi'"):
        build_circuit(_model(), seed=0, equations={"striatum_dorsal": "y : 1\nchi : 1"})


def test_equations_clashing_with_the_rule_or_unknown_populations_are_refused():
    with pytest.raises(ModelError, match="'gain'.*learning rule adds"):
        build_circuit(_model(), seed=0, equations={"cortex": MODELS["cortex"] + "gain : 1\n"})
    with pytest.raises(ModelError, match="unknown population.*'thalamus'"):
        build_circuit(_model(), seed=0, equations={"thalamus": "x : 1"})


def test_bad_codegen_target_is_refused():
    with pytest.raises(ModelError, match="codegen_target"):
        build_circuit(_model(), seed=0, codegen_target="cpp")


def test_a_failing_run_keeps_its_recording():
    loop = build_circuit(_model(), seed=0)
    loop.cortex.b = np.nan
    with pytest.raises(FloatingPointError, match="W") as info:
        loop.train(1500, progress=False)
    ds = info.value.recording
    assert ds.attrs["finished"] == 0 and "FloatingPointError" in ds.attrs["error"]
    assert ds.sizes["step"] == 1000  # stopped at the first finiteness check


def test_cortical_lesion_of_a_cortex_model_without_silencing_is_refused():
    plain = MODELS["cortex"].replace("(1 - silenced) * phi", "phi").replace(
        "silenced : 1", "")
    assert "silenced" not in plain
    build_circuit(_model(), seed=0, equations={"cortex": plain})  # fine without a lesion
    lesioned = manipulate(_model(), "lesion", target="cortex", units=[0])
    with pytest.raises(ModelError, match=r"manipulation\[0\].*'silenced'"):
        build_circuit(lesioned, seed=0, equations={"cortex": plain})
