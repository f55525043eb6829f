"""circuit.unit = "lru" as a model-file option: validation, the Brian2 refusal, the recording."""

from __future__ import annotations

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.config import ModelError

LRU = {"task": {"env": "bioRTRRL/MemoryChain-v0", "kwargs": {"memory_length": 3}},
       "circuit": {"unit": "lru", "cortex_size": 6},
       "recording": {"weights_every": 100}}


@pytest.mark.parametrize("overrides, words", [
    ({"learning": {"gradient": "bptt"}}, "learning.gradient"),
    ({"circuit": {"unit": "lru", "sign": "dale"}}, "circuit.sign"),
    ({"circuit": {"unit": "lru", "lru_r_min": 0.9, "lru_r_max": 0.5}}, "circuit.lru_r_min"),
    ({"circuit": {"unit": "lru", "lru_r_max": 1.5}}, "circuit.lru_r_max"),
    ({"recording": {"variables": ["rate", "trace_norms"]}}, "trace_norms"),
])
def test_bad_lru_settings_name_the_key(overrides, words):
    spec = {**LRU, **overrides}
    with pytest.raises(ModelError, match=words.replace(".", r"\.")):
        br.load_model(spec)


def test_brian2_refuses_the_lru_pointing_to_the_reference_engine():
    with pytest.raises(ModelError, match=r"circuit\.unit = 'lru'.*engine='reference'"):
        br.run(br.load_model(LRU), steps=5, engine="brian2")


def test_a_run_records_the_lru_and_repeats_with_its_seed():
    """300 ticks of MemoryChain: the LRU's parameters are snapshotted by name and change, the
    cortical rates are its outputs, the state is complex, and the same seed gives the same run."""
    model = br.load_model(LRU)
    session = br.Session(model, seed=3)
    session.advance(300, progress=False)
    s = session.engine.lru_state
    assert s.shape == (1, 6) and np.iscomplexobj(s)
    ds = session.finish()
    for name in ("lru_nu_log", "lru_B_re", "lru_C_im", "lru_D", "lru_gamma_log"):
        assert ds[name].dims[:2] == ("snapshot", "post_cortex")
    assert ds.lru_C_re.shape[1:] == (6, 6) and ds.lru_B_im.shape[1:] == (6, ds.sizes["pre_input"])
    assert not np.allclose(ds.lru_B_re[0], ds.lru_B_re[-1]), "the LRU did not learn"
    again = br.run(model, steps=300, seed=3)
    np.testing.assert_array_equal(ds.rate.values, again.rate.values)
    np.testing.assert_array_equal(ds.lru_theta_log.values, again.lru_theta_log.values)


def test_freeze_cortex_freezes_every_lru_parameter():
    frozen = br.manipulate(br.load_model(LRU), "freeze_cortex")
    ds = br.run(frozen, steps=200, seed=0)
    for name in ("lru_nu_log", "lru_theta_log", "lru_gamma_log", "lru_B_re", "lru_B_im", "lru_D",
                 "lru_C_re", "lru_C_im"):
        np.testing.assert_array_equal(ds[name][0], ds[name][-1], err_msg=name)
    assert not np.allclose(ds.W_cortex_striatum_ventral[0], ds.W_cortex_striatum_ventral[-1])


def test_compiled_loop_and_cohort_equal_the_per_tick_path():
    """CartPole (velocities) with the LRU cortex: the compiled closed loop, the per-tick path and
    a cohort's circuit of the same seed record the same run bit for bit."""
    model = br.load_model({"circuit": {"unit": "lru", "cortex_size": 8},
                           "task": {"observation_mask": "velocities"},
                           "run": {"eval_every": 250, "eval_episodes": 2}})
    compiled = br.run(model, steps=500, seed=1, progress=False)
    session = br.Session(model, seed=1, compiled=False)
    session.advance(500, progress=False)
    per_tick = session.finish()
    cohort = br.run_cohort(model, seeds=[1, 2], steps=500)
    for ds in (per_tick, cohort.sel(seed=1)):
        np.testing.assert_array_equal(ds.rate.values, compiled.rate.values)
        np.testing.assert_array_equal(ds.lru_B_re.values, compiled.lru_B_re.values)
        np.testing.assert_array_equal(ds.eval_return.values, compiled.eval_return.values)
