"""Tests of glassnet.stats: values checked against hand computations and SciPy."""

import math

import numpy as np
import pytest

from glassnet import stats


def test_median_ci_reproducible_and_contains_median():
    v = np.arange(1, 102, dtype=float)  # median 51
    a = stats.median_ci(v, seed=3)
    b = stats.median_ci(v, seed=3)
    assert a == b
    assert a.value == 51.0 and a.n == 101
    assert a.lo <= 51 <= a.hi
    assert 40 < a.lo < 51 < a.hi < 62


def test_median_ci_with_censored_values():
    v = np.array([1.0, 2.0, 3.0, np.inf, np.inf])
    e = stats.median_ci(v)
    assert e.value == 3.0
    assert e.hi == math.inf
    v2 = np.array([1.0, np.inf, np.inf])
    assert stats.median_ci(v2).value == math.inf
    assert stats.median_ci(np.array([1.0, 2.0, np.inf, np.inf])).value == math.inf
    assert stats.median_ci([]).n == 0
    assert math.isnan(stats.median_ci([]).value)
    d = e.to_dict()
    assert d["hi"] is None and d["value"] == 3.0


def test_median_ci_bad_level():
    with pytest.raises(ValueError, match="level"):
        stats.median_ci([1, 2], level=1.5)


def test_mann_whitney_matches_scipy_and_effect():
    from scipy.stats import mannwhitneyu

    a = np.array([1.0, 2, 3, 4, 5])
    b = np.array([3.0, 6, 7, 8, 9, 10])
    r = stats.mann_whitney(a, b)
    ref = mannwhitneyu(a, b)
    assert r.statistic == ref.statistic
    assert r.p_value == pytest.approx(ref.pvalue)
    # pairs a > b: (4,3), (5,3); one tie (3,3) -> U = 2.5
    assert r.statistic == 2.5
    assert r.effect == pytest.approx(1 - 2.5 / 30)


def test_mann_whitney_inf_and_identical():
    r = stats.mann_whitney([np.inf, np.inf], [np.inf, np.inf, np.inf])
    assert r.p_value == 1.0 and r.effect == 0.5
    r2 = stats.mann_whitney([1.0, 2.0, 3.0], [np.inf] * 3)
    assert r2.statistic == 0.0 and r2.effect == 1.0


def test_wilson_known_values():
    lo, hi = stats.wilson_ci(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert hi == pytest.approx(0.7634, abs=1e-4)
    assert stats.wilson_ci(0, 20)[0] == 0.0
    assert stats.wilson_ci(20, 20)[1] == 1.0
    p = stats.proportion(np.array([True, False, True, True]))
    assert (p.k, p.n, p.value) == (3, 4, 0.75)
    assert stats.proportion(3, 4) == p
    with pytest.raises(ValueError):
        stats.wilson_ci(5, 3)


def test_mean_band_ci_and_percentile():
    c = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, np.nan]])
    b = stats.mean_band(c)
    assert b.mean.tolist() == [3.0, 3.0]
    assert b.n.tolist() == [3, 2]
    from scipy.stats import t

    half = t.ppf(0.975, 2) * 2.0 / math.sqrt(3)
    assert b.lo[0] == pytest.approx(3 - half)
    assert b.hi[0] == pytest.approx(3 + half)
    p = stats.mean_band(c, kind="percentile", level=0.5)
    assert p.lo[0] == pytest.approx(2.0) and p.hi[0] == pytest.approx(4.0)


def test_fmt_ci():
    assert stats.fmt_ci(12.0, 10.0, math.inf) == "12 (95% CI 10 to never)"
