"""Manipulations as model entries: construction, validation messages, round trip through TOML."""

import pytest

import bioRTRRL as br
from bioRTRRL.manipulation import KINDS, PROJECTIONS, Manipulations, manipulate

# one valid entry per kind (and per interesting target)
EXAMPLES = [
    dict(kind="lesion", target="cortex"),
    dict(kind="lesion", target="cortex", units=[0, 3]),
    dict(kind="lesion", target="striatum_dorsal", start=10),
    dict(kind="lesion", target="striatum_ventral"),
    dict(kind="lesion", target="vta", start=7),
    dict(kind="clamp_dopamine", value=0.0),
    dict(kind="clamp_dopamine", value=-0.5, start=3),
    dict(kind="scale_dopamine", gain=2.5),
    dict(kind="shift_dopamine", shift=-0.1),
    dict(kind="rectify_dopamine", baseline=0.2),
    *[dict(kind="block_plasticity", target=t) for t in (*PROJECTIONS, "cortex", "all")],
    dict(kind="trace_lambda", target="cortex_striatum_ventral", lam=0.0),
    dict(kind="trace_lambda", target="all", lam=0.5, start=100),
    dict(kind="exact_feedback", start=20),
    dict(kind="freeze_cortex"),
    dict(kind="rflo_tau", target="input_cortex", tau=20.0),
    dict(kind="rflo_tau", target="cortex", tau=1.0, start=50),
    dict(kind="deplete_dopamine", level=0.3),
    dict(kind="raise_dopamine", factor=2.0, start=5),
    dict(kind="block_d1"),
    dict(kind="block_d2", fraction=0.5, start=8),
]


def _model():
    # dopamine neurons and the opponent actor: every kind has what it acts on
    return br.load_model({"circuit": {"cortex_size": 6, "dopamine_neurons": True,
                                      "striatum": "opponent"}})


def test_every_kind_has_an_example():
    assert {e["kind"] for e in EXAMPLES} == set(KINDS)


@pytest.mark.parametrize("entry", EXAMPLES, ids=lambda e: f"{e['kind']}-{e.get('target', '')}")
def test_manipulation_round_trips_through_the_model_file(entry, tmp_path):
    model = manipulate(_model(), **entry)
    assert model.manipulation[-1]["kind"] == entry["kind"]
    path = tmp_path / "m.toml"
    path.write_text(model.to_toml())
    again = br.load_model(path)
    assert again.manipulation == model.manipulation
    assert again.to_toml() == model.to_toml()


def test_all_manipulations_together_round_trip(tmp_path):
    model = _model()
    for entry in EXAMPLES:
        model = manipulate(model, **entry)
    path = tmp_path / "all.toml"
    path.write_text(model.to_toml())
    assert br.load_model(path).manipulation == model.manipulation
    assert len(model.manipulation) == len(EXAMPLES)


def test_toml_table_with_defaults_omitted_is_accepted(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[manipulation]]\nkind = "clamp_dopamine"\nvalue = 0\n\n'
                    '[[manipulation]]\nkind = "lesion"\ntarget = "cortex"\nstart = 500\n')
    model = br.load_model(path)
    entries = Manipulations(model).entries
    assert entries[0] == {"kind": "clamp_dopamine", "target": "vta", "start": 0, "value": 0.0}
    assert entries[1] == {"kind": "lesion", "target": "cortex", "start": 500, "units": []}


def test_manipulate_returns_a_new_model():
    model = _model()
    manipulate(model, "freeze_cortex")
    assert model.manipulation == []


@pytest.mark.parametrize("entry, message", [
    (dict(kind="silence"), "valid kinds: ['lesion', 'clamp_dopamine'"),
    (dict(kind="lesion", target="striatum"),
     "unknown target 'striatum' for kind 'lesion'; valid targets: ['cortex', 'striatum_dorsal', "
     "'striatum_ventral', 'vta']"),
    (dict(kind="block_plasticity", target="cortex_thalamus"), "valid targets: ['input_cortex'"),
    (dict(kind="lesion"), "needs a target; valid targets"),
    (dict(kind="clamp_dopamine"), "needs parameter 'value'"),
    (dict(kind="clamp_dopamine", value="high"), "value must be a finite number"),
    (dict(kind="trace_lambda", target="all", lam=1.5), "lam must be in [0.0, 1.0]"),
    (dict(kind="rectify_dopamine", baseline=-1.0), "baseline must be in [0.0"),
    (dict(kind="scale_dopamine", gain=2.0, shift=1.0), "unknown key(s) ['shift']"),
    (dict(kind="lesion", target="cortex", units=[6]),
     "units must be cortical unit indices in [0, 6)"),
    (dict(kind="lesion", target="vta", units=[0]), "only a cortical lesion can be partial"),
    (dict(kind="freeze_cortex", start=-1), "start must be an integer tick >= 0"),
])
def test_invalid_manipulation_names_the_problem(entry, message):
    with pytest.raises(br.ModelError) as err:
        manipulate(_model(), **entry)
    assert message in str(err.value)


def test_invalid_table_in_a_model_file_names_its_index(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[manipulation]]\nkind = "freeze_cortex"\n\n'
                    '[[manipulation]]\nkind = "lesion"\ntarget = "amygdala"\n')
    with pytest.raises(br.ModelError,
                       match=r"manipulation\[1\]\.target: unknown target 'amygdala'"):
        br.load_model(path)
