"""Confidence intervals at levels other than 0.95, against SciPy and their defining equations.

* ``wilson_ci(k, n, level)``: both ends solve the score test's equation
  ``(k/n - p)^2 = z^2 p (1 - p) / n`` with the two-sided ``z = norm.ppf((1 + level) / 2)``
  (``scipy.stats.norm.interval(level)``'s upper end); at ``k = 0`` the lower end is exactly 0
  and at ``k = n`` the upper end exactly 1 (the formula's ``centre - half`` is 0 there in exact
  arithmetic; in floats it can be 1e-18, for some n at every level);
* ``mean_band(kind="ci")``: ``scipy.stats.t.interval(level, n - 1, mean, sem)`` at every step;
* ``median_ci``: the ``(1 - level) / 2`` and ``(1 + level) / 2`` order statistics of the
  bootstrap medians, with the level it was asked for in its text.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm, sem
from scipy.stats import t as student_t

from glassnet import stats

LEVELS = [0.5, 0.6, 0.75, 0.85, 0.9, 0.95, 0.975, 0.99, 0.999]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("k", "n"), [(1, 10), (3, 10), (7, 33), (50, 60), (2, 3)])
def test_wilson_ends_solve_the_two_sided_score_equation(k, n, level):
    z = norm.interval(level)[1]  # the two-sided z: (1 + level) / 2 quantile
    assert z == pytest.approx(norm.ppf((1 + level) / 2), rel=1e-12)
    lo, hi = stats.wilson_ci(k, n, level)
    p_hat = k / n
    for p in (lo, hi):
        assert (p_hat - p) ** 2 == pytest.approx(z * z * p * (1 - p) / n, rel=1e-9)
    assert lo < p_hat < hi
    # and no wider or narrower: the score statistic is below z strictly inside
    mid = (lo + hi) / 2
    assert abs(p_hat - mid) < z * math.sqrt(mid * (1 - mid) / n)


@pytest.mark.parametrize("level", LEVELS)
def test_wilson_ends_at_no_and_at_every_success_are_exactly_0_and_1(level):
    z = norm.ppf((1 + level) / 2)
    for n in range(1, 101):  # for every level, some n below 100 rounds off 0 or 1
        lo, hi = stats.wilson_ci(0, n, level)
        assert lo == 0.0
        assert hi == pytest.approx((z * z / n) / (1 + z * z / n), rel=1e-12)
        lo, hi = stats.wilson_ci(n, n, level)
        assert hi == 1.0
        assert lo == pytest.approx(1 / (1 + z * z / n), rel=1e-12)
        p = stats.proportion(n, n, level=level)
        assert (p.lo, p.hi, p.level) == (lo, 1.0, level)


@pytest.mark.parametrize("level", LEVELS)
def test_mean_band_ci_is_scipys_t_interval_at_the_level(level):
    rng = np.random.default_rng(5)
    curves = rng.normal(1.0, 2.0, size=(6, 4))
    curves[0, 3] = np.nan  # five runs at the last step
    band = stats.mean_band(curves, level=level)
    assert band.level == level
    for j in range(4):
        col = curves[:, j][np.isfinite(curves[:, j])]
        lo, hi = student_t.interval(level, len(col) - 1, loc=col.mean(), scale=sem(col))
        assert band.lo[j] == pytest.approx(lo, rel=1e-10)
        assert band.hi[j] == pytest.approx(hi, rel=1e-10)


@pytest.mark.parametrize("level", LEVELS)
def test_median_ci_takes_the_two_sided_order_statistics(level):
    # eight values: a resample's median is the mean of two, so the medians tie less often and
    # the lower and the higher order statistics differ at some levels
    values = np.random.default_rng(8).normal(size=8)
    est = stats.median_ci(values, level=level, n_boot=500, seed=3)
    rng = np.random.default_rng(3)
    meds = np.median(values[rng.integers(0, 8, size=(500, 8))], axis=1)
    a = (1 - level) / 2
    assert est.lo == np.quantile(meds, a, method="lower")
    assert est.hi == np.quantile(meds, 1 - a, method="higher")
    assert est.level == level
    assert f"({level * 100:.6g}% CI " in str(est)
