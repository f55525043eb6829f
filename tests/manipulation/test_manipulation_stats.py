"""bioRTRRL.stats against analytic values and known sampling behaviour."""

import numpy as np
import pytest

from bioRTRRL.stats import bootstrap_ci, compare, hedges_g


def test_hedges_g_matches_the_formula():
    t, c = np.array([3.0, 4.0, 5.0, 6.0]), np.array([1.0, 2.0, 3.0])
    sp = np.sqrt((3 * t.var(ddof=1) + 2 * c.var(ddof=1)) / 5)
    j = 1 - 3 / (4 * 7 - 9)
    assert hedges_g(t, c) == pytest.approx(j * (4.5 - 2.0) / sp)
    assert hedges_g(c, t) == pytest.approx(-hedges_g(t, c))


def test_hedges_g_of_constant_groups():
    assert hedges_g([1, 1], [1, 1]) == 0.0
    assert hedges_g([2, 2], [1, 1]) == np.inf


def test_bootstrap_interval_covers_the_true_difference_about_as_often_as_claimed():
    rng = np.random.default_rng(0)
    hits = 0
    for k in range(100):
        t, c = rng.normal(1.0, 1.0, 30), rng.normal(0.0, 1.0, 30)
        lo, hi = bootstrap_ci(t, c, n_boot=1000, seed=k)
        hits += lo <= 1.0 <= hi
    assert 0.85 <= hits / 100 <= 0.99


def test_bootstrap_is_reproducible_and_ordered():
    a, b = [1.0, 2.0, 4.0, 3.0, 5.0], [0.0, 1.0, 0.5, 1.5, 1.0]
    assert bootstrap_ci(a, b, seed=1) == bootstrap_ci(a, b, seed=1)
    lo, hi = bootstrap_ci(a, statistic="mean")
    assert lo <= np.mean(a) <= hi
    glo, ghi = bootstrap_ci(a, b, statistic="hedges_g", n_boot=2000)
    assert glo < hedges_g(a, b) < ghi


def test_compare_table():
    ds = compare({"control": [1.0, 2.0, 3.0], "lesion": [0.0, 0.5, 1.0]}, control="control",
                 n_boot=2000)
    assert list(ds.condition.values) == ["control", "lesion"]
    assert ds.difference.sel(condition="control") == 0.0
    assert ds.difference.sel(condition="lesion") == pytest.approx(-1.5)
    assert ds.hedges_g.sel(condition="lesion") < 0
    lesion = ds.sel(condition="lesion")
    assert lesion.difference_low <= -1.5 <= lesion.difference_high


@pytest.mark.parametrize("call, message", [
    (lambda: hedges_g([1.0], [1.0, 2.0]), "at least 2"),
    (lambda: bootstrap_ci([1.0, np.nan], [1.0, 2.0]), "finite"),
    (lambda: bootstrap_ci([1.0, 2.0]), "needs a control"),
    (lambda: bootstrap_ci([1.0, 2.0], [1.0, 2.0], statistic="median"), "statistic must be"),
    (lambda: compare({"a": [1.0, 2.0]}, control="b"), "control 'b' is not one of"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
