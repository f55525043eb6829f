"""Brian2's spiking cortex equals the reference kernel spike for spike in closed loop.

2,000 env steps (20,000 neural steps) of the spiking trace-conditioning model with learning on,
without and with threshold adaptation (ALIF): identical spike trains (units and times), actions
and dopamine; weights within 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest

import bioRTRRL as br
from bioRTRRL.experiment import Session

pytest.importorskip("brian2")


@pytest.mark.parametrize("adaptation", [{}, {"circuit.lif_adaptation_beta": 0.1,
                                              "circuit.lif_adaptation_tau_ms": 200.0}],
                         ids=["lif", "alif"])
def test_brian2_equals_reference_spike_for_spike(adaptation):
    """LIF, and ALIF (the threshold adaptation and its eligibility ε^a in both engines)."""
    model = br.load_model("models/spiking_trace_conditioning.toml").with_overrides(
        {"run.eval_every": 1000, "run.eval_episodes": 1, "run.eval_max_steps": 100, **adaptation})
    runs = {}
    for engine in ("reference", "brian2"):
        s = Session(model, 0, engine=engine)
        theta0 = s.engine.theta.copy()
        runs[engine] = (s.train(2000, progress=False), s.engine)
        assert np.abs(s.engine.theta - theta0).max() > 1e-3  # learning happened
    (ds_r, ref), (ds_b, b2) = runs["reference"], runs["brian2"]
    i_r, t_r = ref.spike_trains()
    i_b, t_b = b2.spike_trains()
    assert i_r.size > 1000
    np.testing.assert_array_equal(i_r, i_b)
    np.testing.assert_allclose(t_r, t_b, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ds_r.action.values, ds_b.action.values)
    np.testing.assert_allclose(ds_r.dopamine.values, ds_b.dopamine.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ref.theta, b2.theta, rtol=0, atol=1e-9)
    # evaluations run a frozen copy of the circuit whose cortex spikes as the reference's does
    assert ds_r.eval_return.values.tolist() == ds_b.eval_return.values.tolist()
    assert b2.frozen_copy(1, 0).config["substeps"][0] == ref.config["substeps"][0] == 10
    if adaptation:  # the thresholds did adapt, and the eligibility of a was used
        assert ref.lif[0, 2].max() > 0.1 and np.abs(ref.P[0, 2 * ref.P.shape[1] // 3:]).max() > 0
