"""analyses/acrobot_collapse.py at a small budget: its two measurements say what the script claims."""

from tests.analyses_scripts import load_analysis

ac = load_analysis("acrobot_collapse")


def test_constant_negative_delta_makes_the_numpy_actor_deterministic():
    """δ ≡ 0 leaves the actor at its initial policy; δ ≡ −1 (no information about the action)
    still drives it towards one action: the collapse needs nothing but a constant δ."""
    for n_actions in (2, 3):
        still = ac.numpy_actor(0.0, n_actions, seed=0)
        assert ac.numpy_actor(-1.0, n_actions, seed=0) > still + 0.15


def test_circuit_with_delta_clamped_at_minus_one_collapses():
    top, returns = ac.circuit_run(ac.CONDITIONS["δ clamped at −1"], seed=0, ticks=2_000)
    assert top > 0.9
    assert all(r <= 0 for r in returns)
