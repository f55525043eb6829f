"""`biortrrl sweep` (bioRTRRL.sweeps.main) and its value parser."""

from pathlib import Path

import bioRTRRL as br
from bioRTRRL.recording.io import open_recording
from bioRTRRL.sweeps import _parse_values, main


def test_values_parse_as_toml_with_bare_words_as_strings():
    assert _parse_values("0.9,0.99") == [0.9, 0.99]
    assert _parse_values("positions, [0, 2]") == ["positions", [0, 2]]
    assert _parse_values("true,3") == [True, 3]


def test_cli_sweep_writes_the_stacked_zarr(cluster, tmp_path, capsys):
    model = tmp_path / "tiny.toml"
    model.write_text(br.load_model({
        "name": "tiny", "circuit": {"cortex_size": 4},
        "run": {"eval_every": 100, "eval_episodes": 2, "eval_max_steps": 30},
        "recording": {"variables": ["reward"]},
    }).to_toml())
    out = tmp_path / "out"
    code = main([str(model), "--seeds", "2", "--set", "learning.gamma=0.9,0.99", "--steps", "200",
                 "--scheduler", cluster.scheduler_address, "--out", str(out)])
    assert code == 0
    ds = open_recording(out / "sweep.zarr")
    assert dict(ds["status"].sizes) == {"seed": 2, "learning__gamma": 2}
    assert "learning.gamma=0.9" in capsys.readouterr().out


def test_each_worker_gets_its_own_brian2_cache(cluster, tmp_path):
    from distributed import Client

    from bioRTRRL.sweeps import _Brian2Worker

    def cache_of_this_worker():
        import os

        from brian2 import prefs

        assert os.environ["BIORTRRL_BRIAN2_CACHE"] == prefs["codegen.runtime.cython.cache_dir"]
        return prefs["codegen.runtime.cython.cache_dir"]

    with Client(cluster) as client:
        client.register_plugin(_Brian2Worker(str(tmp_path)), name=_Brian2Worker.name)
        # on an executor thread, where `import brian2` alone would fail (SIGINT handler)
        caches = client.gather([client.submit(cache_of_this_worker, pure=False, workers=[w])
                                for w in client.scheduler_info()["workers"]])
    assert len(set(caches)) == 2
    for cache in caches:
        assert Path(cache).parent == tmp_path / "brian2_cache" and Path(cache).is_dir()
