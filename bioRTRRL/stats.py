"""Comparing conditions across seeds: effect sizes and bootstrap confidence intervals.

A seed is one animal: every function here takes one number per seed and per condition (e.g. the
mean return over the last 10 % of training) and says how far a condition is from its control,
with an uncertainty that comes from resampling seeds — never from the ticks of a single run.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

__all__ = ["bootstrap_ci", "compare", "hedges_g"]


def hedges_g(treatment, control) -> float:
    """Standardised mean difference (treatment − control) with Hedges' small-sample correction.

    Parameters
    ----------
    treatment, control : array_like
        One value per seed (at least 2 each).

    Returns
    -------
    float
        g = J · (mean_t − mean_c) / s_pooled, J = 1 − 3 / (4 (n_t + n_c) − 9). |g| ≈ 0.2 is a
        small, 0.5 a medium, 0.8 a large effect (Cohen). ±inf when both groups have zero spread
        but different means, 0 when they are identical constants.
    """
    t, c = _values(treatment, "treatment"), _values(control, "control")
    return float(_g(t[None, :], c[None, :])[0])


def _g(t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Hedges' g of each row pair of ``t`` (k, n_t) and ``c`` (k, n_c)."""
    nt, nc = t.shape[1], c.shape[1]
    diff = t.mean(axis=1) - c.mean(axis=1)
    pooled = np.sqrt(((nt - 1) * t.var(axis=1, ddof=1) + (nc - 1) * c.var(axis=1, ddof=1))
                     / (nt + nc - 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (1.0 - 3.0 / (4.0 * (nt + nc) - 9.0)) * diff / pooled
    # zero spread: identical constants are no effect, different constants an unbounded one
    flat = pooled == 0.0
    g[flat] = np.where(diff[flat] == 0.0, 0.0, np.copysign(np.inf, diff[flat]))
    return g


def bootstrap_ci(treatment, control=None, statistic: str = "mean_difference", n_boot: int = 10_000,
                 level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic, resampling seeds with replacement.

    Parameters
    ----------
    treatment : array_like
        One value per seed.
    control : array_like, optional
        One value per seed of the control condition (resampled independently: seeds of different
        conditions are different animals). Required for the two-sample statistics.
    statistic : {"mean_difference", "hedges_g", "mean"}
        ``mean`` of ``treatment`` alone, the difference of means, or Hedges' g.
    n_boot : int
        Resamples.
    level : float
        Coverage of the interval (0.95 = 95 %).
    seed : int
        Seed of the resampling (the interval is reproducible).

    Returns
    -------
    (low, high) : tuple of float
        NaN when no resample defines the statistic (Hedges' g of groups without spread). With
        few seeds the interval is narrow-biased (the percentile bootstrap does not know the
        tails it has not seen); report the number of seeds with it.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    t = _values(treatment, "treatment", minimum=1 if statistic == "mean" else 2)
    rng = np.random.default_rng(seed)
    bt = t[rng.integers(0, t.size, size=(n_boot, t.size))]
    if statistic == "mean":
        stats = bt.mean(axis=1)
    elif statistic in ("mean_difference", "hedges_g"):
        if control is None:
            raise ValueError(f"statistic {statistic!r} needs a control")
        c = _values(control, "control")
        bc = c[rng.integers(0, c.size, size=(n_boot, c.size))]
        if statistic == "mean_difference":
            stats = bt.mean(axis=1) - bc.mean(axis=1)
        else:
            stats = _g(bt, bc)
            # a resample in which a group has no spread has no finite g: it says nothing about
            # the size of the effect, so it is left out rather than pulling a bound to ±inf
            stats = stats[np.isfinite(stats)]
    else:
        raise ValueError("statistic must be 'mean_difference', 'hedges_g' or 'mean', "
                         f"got {statistic!r}")
    if not stats.size:
        return math.nan, math.nan
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(stats, [tail, 100.0 - tail])
    return float(low), float(high)


def compare(values: dict[str, np.ndarray], control: str, n_boot: int = 10_000, level: float = 0.95,
            seed: int = 0) -> xr.Dataset:
    """Every condition against the control: means, differences, Hedges' g, bootstrap intervals.

    Parameters
    ----------
    values : dict of str → array_like
        One value per seed for each condition (the control among them).
    control : str
        Key of the control condition.
    n_boot, level, seed
        See :func:`bootstrap_ci`.

    Returns
    -------
    xarray.Dataset
        Dimension ``condition`` (in the order of ``values``) with ``n_seeds``, ``mean``, ``sd``,
        ``difference`` (mean − control mean) and its interval ``difference_low``/``_high``,
        ``hedges_g`` and its interval ``g_low``/``g_high``. The control's own row has difference
        and g 0.
    """
    if control not in values:
        raise ValueError(f"control {control!r} is not one of the conditions {list(values)}")
    names = list(values)
    c = _values(values[control], control)
    cols = {k: [] for k in ("n_seeds", "mean", "sd", "difference", "difference_low",
                            "difference_high", "hedges_g", "g_low", "g_high")}
    for name in names:
        v = _values(values[name], name)
        lo, hi = bootstrap_ci(v, c, "mean_difference", n_boot, level, seed)
        glo, ghi = bootstrap_ci(v, c, "hedges_g", n_boot, level, seed)
        row = dict(n_seeds=v.size, mean=v.mean(), sd=v.std(ddof=1), difference=v.mean() - c.mean(),
                   difference_low=lo, difference_high=hi, hedges_g=hedges_g(v, c), g_low=glo,
                   g_high=ghi)
        for k, x in row.items():
            cols[k].append(x)
    ds = xr.Dataset({k: ("condition", np.asarray(x)) for k, x in cols.items()},
                    coords={"condition": names})
    ds.attrs.update(control=control, level=level, n_boot=n_boot)
    return ds


def _values(x, name: str, minimum: int = 2) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    if a.size < minimum:
        raise ValueError(f"{name}: need at least {minimum} values (one per seed), got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: values must be finite, got {a}")
    return a
