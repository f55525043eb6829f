"""The compiled closed loop and cohorts change no result.

* A session on a compiled task (CartPole and every toolkit task) runs in chunks of the compiled
  loop; its recording (every variable, snapshot, evaluation, completed episode, and the trial clock
  and events) equals the per-tick path's bit for bit, with
  manipulations, snapshots, evaluations, a recording stride and chunk flushes all falling inside
  the run at ticks that are not chunk multiples of each other.
* Circuit k of a cohort with seeds s_0..s_{B−1} is the single run with seed s_k, bit for bit, on a
  compiled task (one compiled call for the cohort) and on a Gymnasium task (the per-tick path).
* ``Session(compiled=True)`` on a task without a compiled form is one ModelError naming it.
"""

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.cohort import Cohort
from bioRTRRL.experiment import Session
from tests.cohort.test_compiled_tasks import KWARGS
from tests.regression.digests import digest


def small(env="CartPole-v1", num_envs=1, **over):
    model = br.load_model({
        "name": "small", "task": {"env": env, "num_envs": num_envs},
        "circuit": {"cortex_size": 8, "input_adaptation": True, "meta_rl_input": True},
        "learning": {"episodic_discount": True},
        "run": {"eval_every": 1300, "eval_episodes": 2},
        "recording": {"weights_every": 700, "chunk_steps": 450, "stride": 3},
    })
    model = br.manipulate(model, "lesion", "cortex", start=1001, units=[0, 1])
    model = br.manipulate(model, "exact_feedback", "feedback", start=1500)
    model = br.manipulate(model, "clamp_dopamine", "vta", start=2222, value=0.0)
    return model.with_overrides(over)


#: The long analyses' tasks (and CartPole) in the default suite, each with one env and a batch;
#: the other compiled tasks with one env in ``make test-slow`` (each task compiles its own loop).
SESSIONS = [pytest.param(env, KWARGS.get(env[9:-3], {}), n, id=f"{env.split('/')[-1][:-3]}-{n}")
            for env in ("CartPole-v1", "bioRTRRL/TraceConditioning-v0", "bioRTRRL/MemoryChain-v0")
            for n in (1, 4)] + [
    pytest.param(f"bioRTRRL/{name}-v0", kwargs, 1, id=f"{name}-1", marks=pytest.mark.slow)
    for name, kwargs in KWARGS.items() if name not in ("TraceConditioning", "MemoryChain")]


@pytest.mark.parametrize("env, kwargs, num_envs", SESSIONS)
def test_chunked_recording_equals_per_tick(env, kwargs, num_envs):
    """The recording (with the trial clock and events of the trial tasks) is the per-tick path's."""
    model = small(env=env, num_envs=num_envs, **{"task.kwargs": kwargs})
    per_tick = Session(model, 5, compiled=False)
    chunked = Session(model, 5)
    assert chunked.chunked and not per_tick.chunked
    steps = 3000 if env == "CartPole-v1" else 2400
    a, b = per_tick.train(steps, progress=False), chunked.train(steps, progress=False)
    assert a.sizes["completed_episode"] > 20 and a.sizes["eval_step"] == 1 + (steps > 2600)
    assert ("events" in a) == bool(per_tick.driver.trial_events)
    assert digest(a) == digest(b)


def test_compiled_session_on_an_uncompiled_task_names_it():
    model = small(env="bioRTRRL/TraceConditioning-v0", **{"task.microstimuli": {"count": 2}})
    assert not Session(model, 0).chunked
    with pytest.raises(br.ModelError, match="TraceConditioning-v0.*no compiled form"):
        Session(model, 0, compiled=True)


def test_chunked_recording_equals_per_tick_with_the_circuit_options():
    """Rate units, Dale's law, the cascade, dopamine neurons (their rate, derived per chunk) and
    the opponent actor, with a depletion falling inside the run."""
    model = br.manipulate(small().with_overrides({
        "circuit.unit": "rate", "circuit.sign": "dale", "circuit.dopamine_neurons": True,
        "circuit.dopamine_dip_relative": True, "circuit.striatum": "opponent",
        "learning.eligibility_cascade": ["cortex_striatum_ventral"]}),
        "deplete_dopamine", "vta", start=1700, level=0.5)
    a = Session(model, 5, compiled=False).train(3000, progress=False)
    b = Session(model, 5).train(3000, progress=False)
    assert "dopamine_rate" in a and "firing_rate" in a
    assert digest(a) == digest(b)


@pytest.mark.parametrize("env", ["CartPole-v1", "bioRTRRL/Catch-v0", "Acrobot-v1"])
def test_cohort_member_is_the_single_run(env):
    model = small(env=env)
    seeds = [11, 3, 7]
    cohort = Cohort(model, seeds)
    assert all(s.chunked for s in cohort.sessions) == (env != "Acrobot-v1")
    ds = cohort.train(2500, progress=False)
    assert list(ds.seed.values) == seeds and ds.sizes["seed"] == 3
    for seed, member in zip(seeds, cohort.recordings):
        single = br.run(model, steps=2500, seed=seed, progress=False)
        assert digest(single) == digest(member), seed
        np.testing.assert_array_equal(ds.dopamine.sel(seed=seed).values, single.dopamine.values)


@pytest.mark.filterwarnings("ignore:manipulation")  # the late ones never take effect here
def test_cohort_of_conditions_and_bad_seeds():
    models = [small(**{"learning.gamma": g}) for g in (0.9, 0.99)]
    ds = br.run_cohort(models, seeds=[1, 2], steps=1200, progress=False)
    single = br.run(models[1], steps=1200, seed=2, progress=False)
    np.testing.assert_array_equal(ds.rate.sel(seed=2).values, single.rate.values)
    with pytest.raises(br.ModelError, match="distinct"):
        Cohort(models[0], [1, 1])
    with pytest.raises(br.ModelError, match="2 models for 3 seeds"):
        Cohort(models, [1, 2, 3])


@pytest.mark.filterwarnings("ignore:manipulation")
def test_sweep_cohort_gives_each_run_its_own_summary(tmp_path):
    from bioRTRRL.sweeps import _execute, _execute_cohort

    model = small()
    items = [(model, seed, 1200, str(tmp_path / f"seed{seed}")) for seed in (4, 9)]
    together = _execute_cohort(items, "reference", {}, 1200, 10)
    for item, result in zip(items, together):
        alone = _execute(*item[:3], "reference", {}, None, 1200, 10)["summary"]
        assert result["summary"].drop_vars("wall_seconds").identical(
            alone.drop_vars("wall_seconds"))
        assert (tmp_path / f"seed{item[1]}" / "summary.nc").exists()
