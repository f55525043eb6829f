"""The Brian2 engine for people who edit it, each tried as a new user would: a monitor, noise in
the equations, a group on the wrong clock, Brian2's own run(), an extra drive into cortex,
mistakes in equations, and a new plastic projection."""

from pathlib import Path

import brian2
import numpy as np
import pytest
from brian2 import ms

import bioRTRRL as br
from bioRTRRL.config import ModelError
from bioRTRRL.engines.brian2 import MODELS, CircuitWarning, build_circuit

pytestmark = [pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated"),
              pytest.mark.filterwarnings("ignore:'parseString' deprecated")]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default.toml"


def _model(**overrides):
    return br.load_model(DEFAULT).with_overrides(
        {"run.eval_every": 0, "recording.dtype": "float64", **overrides})


def _cortex(ds):
    return ds.rate.sel(neuron=(ds.population == "cortex").values).values


def _cortex_with(extra_drive: str = "", extra_lines: str = "", noise: str = "") -> str:
    text = MODELS["cortex"].replace("u_in + u_rec + b", f"u_in + u_rec{extra_drive} + b")
    text = text.replace("- h) / tau : 1", f"- h) / tau{noise} : 1")
    return text + extra_lines


def test_a_state_monitor_samples_what_the_recording_keeps_tick_for_tick():
    """loop.state_monitor records in the loop's record slot: h before the episode reset, at the
    recording's times — also on the ticks that end an episode."""
    loop = build_circuit(_model(**{"optimizer.clip_norm": 1.0}), seed=1)
    mon = loop.state_monitor(loop.cortex, "h")
    ds = loop.train(300, progress=False)
    assert ds.sizes["completed_episode"] >= 3
    np.testing.assert_array_equal(mon.h[:].T, _cortex(ds))
    np.testing.assert_allclose(mon.t[:] / brian2.second, ds.time.values)


def test_a_monitor_in_brian2s_default_slot_is_warned_about():
    loop = build_circuit(_model(), seed=1)
    mon = brian2.StateMonitor(loop.cortex, "h", record=True)
    loop.network.add(mon)
    with pytest.warns(CircuitWarning, match=r"'start' slot.*state_monitor"):
        loop.run(5, progress=False)


def test_noise_in_user_equations_follows_the_run_seed():
    """xi in the cortex: the same seed gives the same run, another seed another; the global
    random state of numpy is left as it was."""
    cortex = _cortex_with(noise=" + sigma * xi * tau**-0.5")

    def rates(seed, sigma=0.05):
        loop = build_circuit(_model(), seed=seed, equations={"cortex": cortex})
        loop.namespace["sigma"] = sigma
        return _cortex(loop.train(200, progress=False))

    np.random.seed(123)
    state = np.random.get_state()
    a, b = rates(4), rates(4)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - rates(4, sigma=0.0)).max() > 1e-3  # the noise acts
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2] == state[2]


def test_a_group_on_another_clock_is_warned_about():
    loop = build_circuit(_model(), seed=2)
    slow = brian2.NeuronGroup(1, "dv/dt = -v / (10 * ms) : 1", name="forgot_the_clock")
    loop.network.add(slow)
    with pytest.warns(CircuitWarning, match=r"forgot_the_clock.*0\.1 ms.*100 times per tick"):
        loop.run(5, progress=False)
    on_tick = brian2.NeuronGroup(1, "dv/dt = -v / (10 * ms) : 1", clock=loop.clock,
                                 name="on_the_tick")
    loop.network.add(on_tick)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", CircuitWarning)
        loop.run(5, progress=False)


def test_brian2s_own_run_is_refused_with_the_fix():
    """brian2.run() with a loop in scope, or the loop's network run directly: an error naming
    loop.run / loop.train (today: nothing is simulated, or the task never steps)."""
    loop = build_circuit(_model(), seed=2)
    with pytest.raises(ModelError, match=r"loop\.run\(steps\).*loop\.train"):
        brian2.run(10 * ms)
    with pytest.raises(ModelError, match=r"loop\.run\(steps\)"):
        loop.network.run(10 * ms)
    loop.run(3, progress=False)  # the loop itself still runs
    assert loop.tick == 3


def test_a_drive_summed_into_cortex_is_part_of_the_slope_the_rule_uses():
    """A user's Synapses into cortex (Brian2's default order) sums before the cortex's state
    update, where the rule takes the slope: the rule's slope is phi_prime of the whole drive."""
    cortex = _cortex_with(" + u_ext", "u_ext : 1\n")
    loop = build_circuit(_model(), seed=3, equations={"cortex": cortex})
    N = loop.dims.N
    ext = brian2.NeuronGroup(2, "r : 1", clock=loop.clock, name="ext")
    ext.r = [0.5, -1.0]
    syn = brian2.Synapses(ext, loop.cortex, "w : 1\nu_ext_post = w * r_pre : 1 (summed)",
                          clock=loop.clock, name="ext_cortex")
    syn.connect()
    syn.w = np.linspace(-1.0, 1.0, 2 * N)
    loop.network.add(ext, syn)
    mon = loop.state_monitor(loop.cortex, ["gain", "phi_prime", "u_ext"])
    loop.run(100, progress=False)
    assert np.abs(mon.u_ext[:]).max() > 0.5
    np.testing.assert_allclose(mon.gain[:], mon.phi_prime[:], rtol=0, atol=1e-15)


@pytest.mark.parametrize("mistake, message", [
    (("phi = tanh(u_in + u_rec + b) : 1", "phi = tanh(u_in + u_rec + b : 1"),
     r"population 'cortex'.*variable 'phi'.*line \d+"),
    (("tau : second", "tau : secnd"), r"population 'cortex'.*variable 'tau'.*secnd"),
])
def test_syntax_errors_in_equations_name_the_population_and_the_variable(mistake, message):
    with pytest.raises(ModelError, match=message):
        build_circuit(_model(), seed=0, equations={"cortex": MODELS["cortex"].replace(*mistake)})


@pytest.mark.parametrize("mistake, message", [
    (("- h) / tau : 1", "- h) : 1"),
     r"population 'cortex', variable 'h'.*inconsistent units"),
    (("phi = tanh(u_in + u_rec + b)", "phi = tanh(u_in + u_rec + b * tau)"),
     r"population 'cortex', variable 'phi'.*inconsistent units"),
    (("phi = tanh(u_in + u_rec + b)", "phi = tanh(u_in + u_rec + bias)"),
     r"population 'cortex', variable 'phi'.*\"bias\" could not be resolved.*loop\.namespace"),
])
def test_unit_and_name_errors_in_equations_name_the_population_and_the_variable(mistake,
                                                                                message):
    text = MODELS["cortex"].replace(*mistake)
    assert text != MODELS["cortex"]
    loop = build_circuit(_model(), seed=0, equations={"cortex": text})
    with pytest.raises(ModelError, match=message):
        loop.run(1, progress=False)


def test_a_new_plastic_projection_learns_under_the_rule_as_the_one_it_copies():
    """Documented way (build_circuit's ``projections``): a second input → cortex projection,
    summed into a new cortical drive, starting from input_cortex's weights, while input_cortex
    itself is silenced and blocked. The circuit is then the default one with the new projection
    in input_cortex's place, and must train exactly as the reference engine does (RFLO traces,
    TD traces, dopamine, Adam, global-norm clip, episode resets)."""
    model = _model(**{"optimizer.clip_norm": 1.0})
    steps = 600
    ref = br.run(model, steps=steps, seed=8, progress=False)
    W_in = ref.W_input_cortex.values[0]
    cortex = _cortex_with(" + u_copy", "u_copy : 1  # drive from the new projection\n")
    loop = build_circuit(model, seed=8, equations={"cortex": cortex}, projections={
        "input_cortex_copy": {"pre": "input", "post": "cortex", "rate": "x",
                              "target": "u_copy", "w": W_in}})
    loop.projections["input_cortex"].w = 0.0
    loop.projections["input_cortex"].plastic = 0.0
    b2 = loop.train(steps, progress=False)
    np.testing.assert_array_equal(b2.action.values, ref.action.values)
    for name in ("dopamine", "value", "rate", "W_cortex_cortex", "tau_cortex",
                 "W_cortex_striatum_dorsal"):
        np.testing.assert_allclose(b2[name].values, ref[name].values, rtol=0, atol=1e-9,
                                   err_msg=name)
    learned = loop.circuit.weights("input_cortex_copy")
    assert np.abs(learned - W_in).max() > 1e-4
    np.testing.assert_allclose(learned, ref.W_input_cortex.values[-1], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(b2.W_input_cortex.values[-1], 0.0)


def test_a_projection_onto_an_unknown_target_is_refused():
    with pytest.raises(ModelError, match=r"target 'u_copy' is not a variable of 'cortex'"):
        build_circuit(_model(), seed=0, projections={
            "input_cortex_copy": {"pre": "input", "post": "cortex", "rate": "x",
                                  "target": "u_copy"}})
    with pytest.raises(ModelError, match=r"post must be one of"):
        build_circuit(_model(), seed=0, projections={
            "x": {"pre": "input", "post": "vta", "rate": "x", "target": "v"}})
