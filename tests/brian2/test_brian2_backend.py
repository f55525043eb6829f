"""Where the Brian2 engine compiles: the Cython cache directory."""

from pathlib import Path

from bioRTRRL.engines.brian2 import backend

ROOT = Path(__file__).resolve().parents[2]


def test_cython_cache_is_in_the_build_area_unless_a_worker_sets_its_own(monkeypatch, tmp_path):
    monkeypatch.delenv("BIORTRRL_BRIAN2_CACHE", raising=False)
    assert backend.cache_dir() == ROOT / "build" / "brian2_cache"
    monkeypatch.setenv("BIORTRRL_BRIAN2_CACHE", str(tmp_path / "worker-1"))
    assert backend.cache_dir() == tmp_path / "worker-1"
