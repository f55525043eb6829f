"""Model files and the API (issue cases 1-7): every mistake is one clear message, before anything runs."""

import dataclasses
import typing

import pytest

import bioRTRRL as br
from bioRTRRL import config
from bioRTRRL.config import ModelError

from reliability_helpers import SMALL, cli_process


@pytest.mark.parametrize("tau_init", [[1.0], [1.0, 2.0, 3.0], []])
def test_1_tau_init_of_any_other_length_is_named(tau_init):
    with pytest.raises(ModelError, match=r"circuit.tau_init must be \[lo, hi\]"):
        br.load_model({"circuit": {"tau_init": tau_init}})


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a UTF-8 text file"),
    ('name = "caf\u00e9"\n'.encode("latin-1"), "not a UTF-8 text file"),
    (None, "is a folder"),
])
def test_2_binary_latin1_or_folder_model_file_is_named(tmp_path, content, message):
    path = tmp_path / "model.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as info:
        br.load_model(path)
    assert "model.toml" in str(info.value)


@pytest.mark.parametrize("key", ["variables", "populations"])
def test_3_empty_recording_lists_are_refused(key):
    with pytest.raises(ModelError, match=f"recording.{key} is empty; list at least one of"):
        br.load_model({"recording": {key: []}})


@pytest.mark.parametrize("spec, part", [
    ({"circuit": {"cortex_size": 4096}, "learning": {"gradient": "rtrl"}}, "learning.gradient = 'rtrl'"),
    ({"recording": {"chunk_steps": 10**12}}, "recording.chunk_steps = 1000000000000"),
])
def test_4_sizes_that_cannot_fit_in_memory_are_refused_with_the_estimate(spec, part):
    with pytest.raises(ModelError, match=r"needs at least [\d.e+]+ [kMGTP]?B of memory") as info:
        br.load_model(spec)
    assert part in str(info.value) and "this machine has" in str(info.value)


def test_4_a_run_too_long_to_keep_in_memory_is_refused_before_it_starts():
    # A model file meant for a bigger machine still loads; the run that would not fit is refused.
    model = br.load_model(SMALL)
    with pytest.raises(ModelError, match="for the recording of 1000000000000 ticks"):
        br.run(model, steps=10**12, progress=False)


@pytest.mark.parametrize("name", ["../../escape", "", "/tmp/abs", "a/b", ".."])
def test_5_a_name_that_would_leave_results_is_refused(name):
    with pytest.raises(ModelError, match="name must be a plain folder name"):
        br.load_model({"name": name})


def test_6_a_manipulation_starting_after_the_run_warns():
    model = br.load_model({**SMALL, "manipulation": [{"kind": "lesion", "target": "vta", "start": 500}]})
    with pytest.warns(UserWarning, match=r"manipulation\[0\] starts at tick 500, after the last tick \(99\)"):
        br.run(model, steps=100, progress=False)


def test_7_tau_init_below_tau_min_is_refused():
    with pytest.raises(ModelError, match="starts below circuit.tau_min = 2.0"):
        br.load_model({"circuit": {"tau_init": [1.0, 5.0], "tau_min": 2.0}})


# -- fuzz: malformed model files ----------------------------------------------------------------

# TOML literals of each wrong type, by the type the key expects.
_WRONG = {
    int: ['"7"', "1.5"],
    float: ['"0.5"', "true"],
    bool: ["1", '"yes"'],
    str: ["1", "false"],
    dict: ['"a"'],
    list: ['"a"', "3", "[true]"],
}

_SYNTAX = [
    "[learning\ngamma = 0.9\n",
    "[learning]\ngamma = \n",
    "[learning]\ngamma = 0.9\ngamma = 0.8\n",
    "= 3\n",
    "[[manipulation]\nkind = 'lesion'\n",
    'name = "unterminated\n',
    "[learning]\ngamma 0.9\n",
    "[learning]\n[learning]\n",
    "[circuit]\ntau_init = [1.0, 5.0\n",
    "[task]\nkwargs = {a = 1,}\n",
    "[run]\nsteps = 1__000\n",
    "name = 'x' # fine\n[run]\nseed = 0x\n",
]

_MANIPULATION = [
    "[[manipulation]]\ntarget = 'vta'\n",
    "[[manipulation]]\nkind = 'sever'\n",
    "[[manipulation]]\nkind = 'lesion'\ntarget = 'thalamus'\n",
    "[[manipulation]]\nkind = 'lesion'\ntarget = 'vta'\nstart = -1\n",
    "[[manipulation]]\nkind = 'lesion'\ntarget = 'vta'\nstart = 'soon'\n",
    "[[manipulation]]\nkind = 'lesion'\ntarget = 'vta'\nextent = 2\n",
    "[[manipulation]]\nkind = 'scale_dopamine'\n",
    "[[manipulation]]\nkind = 'trace_lambda'\ntarget = 'cortex_cortex'\nlam = 2.0\n",
    "manipulation = 3\n",
]


def _kind(hint):
    origin = typing.get_origin(hint)
    if origin is list or hint is list:
        return list
    if origin is dict or hint is dict:
        return dict
    if origin is not None:  # a union: observation_mask, a string or a list
        return None
    return hint


def malformed_models():
    """(case id, TOML text, text the message must contain) — more than a hundred of them."""
    cases = []
    for section, cls in config._SECTIONS.items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            path = f"{section}.{f.name}"
            kind = _kind(hints[f.name])
            for literal in _WRONG.get(kind, ["3.5"]):
                cases.append((f"type-{path}-{literal}", f"[{section}]\n{f.name} = {literal}\n", path))
            if path in config._RANGES:
                lo, hi, lo_in, hi_in = config._RANGES[path]
                below = lo - 1 if lo_in else lo
                cases.append((f"range-{path}-low", f"[{section}]\n{f.name} = {below!r}\n", path))
                if hi != float("inf"):
                    cases.append((f"range-{path}-high", f"[{section}]\n{f.name} = {hi + 1 if hi_in else hi!r}\n", path))
            if path in config._CHOICES:
                cases.append((f"choice-{path}", f'[{section}]\n{f.name} = "no_such_choice"\n', path))
        name = dataclasses.fields(cls)[0].name
        cases.append((f"neighbour-{section}", f"[{section}]\n{name}s = 1\n", f"{section}.{name}s"))
    cases += [("neighbour-top", "nmae = 'x'\n", "nmae"), ("section-typo", "[learnin]\n", "learnin")]
    cases += [(f"syntax-{i}", text, "not valid TOML") for i, text in enumerate(_SYNTAX)]
    cases += [(f"manipulation-{i}", text, "manipulation") for i, text in enumerate(_MANIPULATION)]
    return cases


MALFORMED = malformed_models()


def test_fuzz_has_more_than_a_hundred_cases():
    assert len(MALFORMED) >= 100


@pytest.mark.parametrize("case, text, named", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_fuzz_malformed_model_file_is_one_line_naming_it(tmp_path, cli, case, text, named):
    model = tmp_path / "bad.toml"
    model.write_text(text)
    status, out, err = cli("run", model, "--steps", 1, "--out", tmp_path / "out")
    assert status == 2 and out == ""
    assert len(err) == 1 and err[0].startswith("biortrrl: error: "), err
    assert named in err[0]
    assert not (tmp_path / "out" / "recording.zarr").exists()


@pytest.mark.parametrize("case", ["type-learning.gamma-\"0.5\"", "syntax-0", "manipulation-1"])
def test_fuzz_through_the_installed_command(tmp_path, case):
    # The same as above in a process of its own: what a user's shell sees.
    text = dict((c[0], c[1]) for c in MALFORMED)[case]
    model = tmp_path / "bad.toml"
    model.write_text(text)
    proc = cli_process("run", model, "--steps", 1, "--out", tmp_path / "out")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("biortrrl: error: "), err
