"""Where the Brian2 engine compiles, and which target it picks (Brian2's convention)."""

from pathlib import Path

import pytest
from brian2 import prefs

from bioRTRRL.config import ModelError
from bioRTRRL.engines.brian2 import backend


def test_cython_cache_is_per_user_unless_a_worker_or_the_user_sets_one(monkeypatch, tmp_path):
    monkeypatch.delenv("BIORTRRL_BRIAN2_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = prefs["codegen.runtime.cython.cache_dir"]
    try:
        prefs["codegen.runtime.cython.cache_dir"] = None
        assert backend.cache_dir() == tmp_path / "xdg" / "bioRTRRL" / "brian2"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert backend.cache_dir() == Path.home() / ".cache" / "bioRTRRL" / "brian2"
        # a user's own Brian2 preference is kept
        prefs["codegen.runtime.cython.cache_dir"] = str(tmp_path / "mine")
        assert backend.cache_dir() == tmp_path / "mine"
        # a sweep worker's cache comes first
        monkeypatch.setenv("BIORTRRL_BRIAN2_CACHE", str(tmp_path / "worker-1"))
        assert backend.cache_dir() == tmp_path / "worker-1"
    finally:
        prefs["codegen.runtime.cython.cache_dir"] = before


def test_the_target_follows_brian2s_preference_unless_given(monkeypatch):
    """codegen_target wins; else prefs.codegen.target; "auto" is Cython where it compiles."""
    assert backend.resolve_target("numpy") == "numpy"
    assert backend.resolve_target("cython") == "cython"
    prefs["codegen.target"] = "numpy"  # the fixture of conftest.py restores it
    assert backend.resolve_target(None) == "numpy"
    monkeypatch.setattr(backend, "cython_available", lambda: False)
    assert backend.resolve_target("auto") == "numpy"
    prefs["codegen.target"] = "auto"
    assert backend.resolve_target(None) == "numpy"
    monkeypatch.setattr(backend, "cython_available", lambda: True)
    assert backend.resolve_target(None) == "cython"
    with pytest.raises(ModelError, match="codegen_target"):
        backend.resolve_target("cpp")
