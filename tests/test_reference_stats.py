"""Every interval and test of ``glassnet.stats`` at several levels, against SciPy and exact
computations (issue 26: a confidence interval's level was one of the classes the suite missed).

* Wilson's interval against SciPy's ``binomtest(...).proportion_ci(method="wilson")``;
* the mean band's interval against SciPy's t interval of the mean, column by column with
  non-finite runs left out, and its percentile band against NumPy's quantiles;
* the bootstrap interval of the median against the *exact* distribution of a bootstrap median:
  for ``n`` distinct values (odd), the resampled median is at most the ``j``-th smallest value
  exactly when at least ``(n + 1) / 2`` of the ``n`` draws are, a binomial tail with
  ``p = j / n``. With 40,000 resamples the interval's ends are the order statistics where that
  exact distribution crosses ``(1 - level) / 2`` and ``(1 + level) / 2`` (each case is chosen
  with the crossing at least 8 standard errors from a step, which the test checks);
* the Mann-Whitney test against SciPy for each alternative, and its effect size by counting
  pairs;
* each level in the formatted text.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import binom, binomtest, mannwhitneyu, sem
from scipy.stats import t as student_t

from glassnet import stats

LEVELS = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]
# each level as the text shows it
PERCENT = {0.5: "50", 0.6: "60", 0.7: "70", 0.8: "80", 0.9: "90", 0.95: "95", 0.98: "98",
           0.99: "99", 0.995: "99.5", 0.999: "99.9"}  # fmt: skip


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (9, 10), (10, 10), (7, 33),
                                      (1, 1), (120, 400)])  # fmt: skip
def test_wilson_interval_is_scipys_at_every_level(k, n, level):
    ref = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    lo, hi = stats.wilson_ci(k, n, level)
    assert lo == pytest.approx(ref.low, rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(ref.high, rel=1e-9, abs=1e-12)
    p = stats.proportion(k, n, level=level)
    assert (p.lo, p.hi, p.level, p.value) == (lo, hi, level, k / n)
    mask = np.arange(n) < k
    assert stats.proportion(mask, level=level) == p
    assert f"; {PERCENT[level]}% CI " in str(p)


def test_wilson_interval_widens_with_the_level():
    widths = [np.subtract(*stats.wilson_ci(7, 20, lv)[::-1]) for lv in LEVELS]
    assert np.all(np.diff(widths) > 0)


def _columns_with_gaps():
    rng = np.random.default_rng(1)
    c = rng.normal(2.0, 3.0, size=(9, 6))
    c[0, 1] = np.nan  # a diverged run at one step
    c[2:5, 2] = np.inf
    c[:, 3] = np.nan  # no finite run at all
    c[1:, 4] = np.nan  # one finite run: no interval
    c[3, 5] = -np.inf
    return c


@pytest.mark.parametrize("level", LEVELS)
def test_mean_band_interval_is_the_t_interval_of_the_mean(level):
    c = _columns_with_gaps()
    band = stats.mean_band(c, level=level)
    assert band.kind == "ci" and band.level == level
    for j in range(c.shape[1]):
        runs = c[np.isfinite(c[:, j]), j]
        assert band.n[j] == len(runs)
        if len(runs) == 0:
            assert np.isnan(band.mean[j]) and np.isnan(band.lo[j]) and np.isnan(band.hi[j])
            continue
        assert band.mean[j] == pytest.approx(runs.mean(), rel=1e-12)
        if len(runs) == 1:
            assert np.isnan(band.lo[j]) and np.isnan(band.hi[j])
            continue
        lo, hi = student_t.interval(level, len(runs) - 1, loc=runs.mean(), scale=sem(runs))
        assert band.lo[j] == pytest.approx(lo, rel=1e-10)
        assert band.hi[j] == pytest.approx(hi, rel=1e-10)


@pytest.mark.parametrize("level", LEVELS)
def test_mean_band_percentile_band_is_the_central_share_of_the_runs(level):
    c = _columns_with_gaps()
    band = stats.mean_band(c, level=level, kind="percentile")
    assert band.kind == "percentile" and band.level == level
    a = (1 - level) / 2
    for j in range(c.shape[1]):
        runs = c[np.isfinite(c[:, j]), j]
        if len(runs) == 0:
            assert np.isnan(band.lo[j]) and np.isnan(band.hi[j])
            continue
        assert band.lo[j] == pytest.approx(np.quantile(runs, a), rel=1e-12)
        assert band.hi[j] == pytest.approx(np.quantile(runs, 1 - a), rel=1e-12)


# (n, level) with the exact bootstrap distribution's steps well away from both tails
MEDIAN_CASES = [(9, 0.5), (9, 0.99), (11, 0.95), (11, 0.7), (15, 0.9), (15, 0.98), (21, 0.8),
                (25, 0.6), (41, 0.95)]  # fmt: skip


@pytest.mark.parametrize(("n", "level"), MEDIAN_CASES)
def test_bootstrap_median_interval_is_the_exact_bootstrap_distributions(n, level):
    n_boot = 40_000
    values = np.random.default_rng(n).permutation(np.linspace(-3.0, 5.0, n) ** 3)
    order = np.sort(values)
    half = (n + 1) // 2
    # P(bootstrap median <= order[j - 1]) for j = 1..n
    cdf = np.array([binom.sf(half - 1, n, j / n) for j in range(1, n + 1)])
    a = (1 - level) / 2
    se = math.sqrt(a * (1 - a) / n_boot)
    assert np.abs(cdf - a).min() > 8 * se and np.abs(cdf - (1 - a)).min() > 8 * se
    lo = order[np.argmax(cdf > a)]
    hi = order[np.argmax(cdf > 1 - a)]
    est = stats.median_ci(values, level=level, n_boot=n_boot, seed=7)
    assert est.value == np.median(values) == order[half - 1]
    assert (est.lo, est.hi) == (lo, hi)
    assert (est.n, est.level) == (n, level)
    assert f"({PERCENT[level]}% CI " in str(est)


def test_median_interval_of_censored_runs_keeps_infinity():
    # 6 of 11 runs never converged: the median is inf, and so is the upper end at any level
    values = np.r_[np.arange(5.0), np.full(6, np.inf)]
    for level in (0.5, 0.9, 0.99):
        est = stats.median_ci(values, level=level, n_boot=4000)
        assert est.value == math.inf and est.hi == math.inf
        assert est.lo <= 4.0 or est.lo == math.inf
    assert np.isnan(stats.median_ci([np.nan, np.nan]).value)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_mann_whitney_is_scipys_with_the_pair_counting_effect(alternative):
    rng = np.random.default_rng(2)
    a = np.round(rng.normal(0.0, 1.0, 14), 1)  # rounded: ties within and across samples
    b = np.round(rng.normal(0.6, 1.0, 17), 1)
    r = stats.mann_whitney(a, b, alternative=alternative)
    ref = mannwhitneyu(a, b, alternative=alternative, method="auto")
    assert r.statistic == ref.statistic and r.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    below = sum((x < y) + 0.5 * (x == y) for x in a for y in b)
    assert r.effect == pytest.approx(below / (len(a) * len(b)), rel=1e-12)
    assert (r.n_a, r.n_b, r.alternative) == (14, 17, alternative)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_mann_whitney_with_censored_runs_ranks_infinity_above_everything(alternative):
    a = np.array([3.0, np.inf, 5.0, 1.0, np.inf, np.nan])
    b = np.array([2.0, 4.0, 6.0, 7.0, np.inf])
    r = stats.mann_whitney(a, b, alternative=alternative)
    # the same ranks with inf replaced by a number above every finite one, NaN dropped
    ref = mannwhitneyu([3.0, 1e9, 5.0, 1.0, 1e9], [2.0, 4.0, 6.0, 7.0, 1e9],
                       alternative=alternative)  # fmt: skip
    assert r.statistic == ref.statistic and r.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert (r.n_a, r.n_b) == (5, 5)


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.995, 0.999])
def test_every_formatted_interval_names_its_level(level):
    # a 99.9% interval is no "100% CI"
    pct = PERCENT[level]
    assert stats.fmt_ci(1.0, 0.5, 2.0, level=level) == f"1 ({pct}% CI 0.5 to 2)"
    assert stats.fmt_ci(math.inf, math.inf, math.inf, level=level) == f"never ({pct}% CI never)"
    est = stats.Estimate(3.0, 2.0, 4.0, 10, level)
    assert str(est) == f"3 ({pct}% CI 2 to 4)"
    assert est.to_dict() == {"value": 3.0, "lo": 2.0, "hi": 4.0, "n": 10, "level": level}


# --- the edges: empty samples, bad arguments, exact text and JSON --------------------------------


@pytest.mark.parametrize("level", [0, 1, -0.1, 1.5, float("nan"), float("inf")])
def test_a_level_outside_the_open_unit_interval_is_refused_by_every_interval(level):
    calls = [
        lambda: stats.wilson_ci(3, 10, level),
        lambda: stats.proportion(3, 10, level=level),
        lambda: stats.median_ci([1.0, 2.0, 3.0], level=level),
        lambda: stats.mean_band([[1.0, 2.0], [3.0, 4.0]], level=level),
    ]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value).startswith("level: expected a finite number in (0, 1), got ")


def test_levels_just_inside_the_interval_are_accepted():
    for level in (1e-9, 1 - 1e-9):
        lo, hi = stats.wilson_ci(3, 10, level)
        assert 0 <= lo <= 0.3 <= hi <= 1


def test_wilson_interval_edges():
    assert all(math.isnan(v) for v in stats.wilson_ci(0, 0))  # no trial, no interval
    for k, n, words in [
        (5, 3, "k: expected an integer in [0, 3], got 5 (int)"),
        (-1, 3, "k: expected an integer in [0, 3], got -1 (int)"),
        (1, 0, "k: expected an integer in [0, 0], got 1 (int)"),
        (0, -1, "n: expected an integer >= 0, got -1 (int)"),
    ]:
        with pytest.raises(ValueError) as info:
            stats.wilson_ci(k, n)
        assert str(info.value) == words
        with pytest.raises(ValueError) as info:
            stats.proportion(k, n)
        assert str(info.value) == words
    for k, n, words in [  # never truncated or parsed: 2.7 successes is not 2
        (2.7, 10, "k: expected an integer in [0, 10], got 2.7 (float)"),
        (True, 3, "k: expected an integer in [0, 3], got True (bool)"),
        (1, 4.0, "n: expected an integer >= 0, got 4.0 (float)"),
    ]:
        with pytest.raises(TypeError) as info:
            stats.wilson_ci(k, n)
        assert str(info.value) == words
    assert stats.wilson_ci(np.int64(3), np.int64(10)) == stats.wilson_ci(3, 10)
    p = stats.proportion(0, 0)
    assert p.n == 0 and math.isnan(p.value) and str(p) == "n/a (n = 0)"
    # a mask of numbers counts its nonzero entries
    assert stats.proportion(np.array([0, 2, 5, 0, -1])).k == 3
    assert stats.proportion([]).n == 0
    assert stats.proportion(3, 10, level=0.9).to_dict() == {
        "k": 3, "n": 10, "value": 0.3, "lo": stats.wilson_ci(3, 10, 0.9)[0],
        "hi": stats.wilson_ci(3, 10, 0.9)[1], "level": 0.9,
    }  # fmt: skip


def test_mean_band_edges():
    c = np.array([[1.0, 2.0, np.nan], [3.0, 7.0, 5.0], [np.nan, np.inf, np.nan]])
    band = stats.mean_band(c)
    assert band.n.dtype.kind == "i" and band.n.tolist() == [2, 2, 1]
    # two finite runs: one degree of freedom
    lo, hi = student_t.interval(0.95, 1, loc=2.0, scale=sem([1.0, 3.0]))
    assert (band.lo[0], band.hi[0]) == (pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
    one = stats.mean_band([4.0, 5.0])  # one curve given flat is one run
    assert one.mean.tolist() == [4.0, 5.0] and one.n.tolist() == [1, 1]
    with pytest.raises(ValueError, match=r"^kind must be 'ci' or 'percentile', got 'x'$"):
        stats.mean_band(c, kind="x")
    with pytest.raises(
        ValueError, match=r"^curves must be \(runs, steps\), got shape \(2, 2, 2\)$"
    ):
        stats.mean_band(np.zeros((2, 2, 2)))
    d = stats.mean_band(c).to_dict()
    assert d["mean"][:2] == [2.0, 4.5] and d["n"] == [2, 2, 1] and d["lo"][2] is None


def test_median_interval_arguments_and_defaults():
    v = np.arange(1.0, 30.0)
    assert stats.median_ci(v) == stats.median_ci(v, level=0.95, n_boot=2000, seed=0)
    for n_boot in (0, -1, 2.0, True, "10"):
        with pytest.raises(ValueError) as info:
            stats.median_ci(v, n_boot=n_boot)
        assert str(info.value) == f"n_boot must be a positive integer, got {n_boot!r}"
    assert stats.median_ci(v, n_boot=1).n == 29
    empty = stats.median_ci([np.nan], level=0.8)
    assert empty.n == 0 and empty.level == 0.8
    assert all(math.isnan(x) for x in (empty.value, empty.lo, empty.hi))
    # the seed decides the resamples: the same seed the same interval, others others
    few = [stats.median_ci(v, n_boot=3, seed=s) for s in range(8)]
    assert stats.median_ci(v, n_boot=3, seed=5) == few[5]
    assert len({(e.lo, e.hi) for e in few}) > 1


@pytest.mark.parametrize("n", [4, 6, 7, 10])
def test_bootstrap_median_ends_are_medians_of_the_data(n):
    # a resample's median is one of the values (odd n) or the mean of two (even n): so are
    # the interval's ends, however few resamples
    values = np.random.default_rng(n).normal(size=n) ** 3
    medians = {float((a + b) / 2) for a in values for b in values} if n % 2 == 0 else set(values)
    for n_boot, seed in [(2, 0), (3, 1), (50, 2)]:
        est = stats.median_ci(values, n_boot=n_boot, seed=seed, level=0.6)
        assert any(est.lo == pytest.approx(m, rel=1e-15) for m in medians), est
        assert any(est.hi == pytest.approx(m, rel=1e-15) for m in medians), est
    with_inf = stats.median_ci([1.0, 2.0, 3.0, np.inf])
    assert with_inf.value == 2.5 and with_inf.hi == math.inf


def test_mann_whitney_edges():
    nan_result = stats.TestResult("Mann-Whitney U", math.nan, math.nan, math.nan, 0, 3, "less")
    got = stats.mann_whitney([], [1.0, 2.0, 3.0], alternative="less")
    assert (got.name, got.n_a, got.n_b, got.alternative) == ("Mann-Whitney U", 0, 3, "less")
    assert all(math.isnan(x) for x in (got.statistic, got.p_value, got.effect))
    assert str(nan_result) == "U = nan, p = nan (n = 0, 3)"
    got = stats.mann_whitney([np.nan, 1.0], [])
    assert (got.n_a, got.n_b) == (1, 0) and math.isnan(got.p_value)
    # one observation each is a test, not an empty sample
    one = stats.mann_whitney([1.0], [2.0, 3.0, 4.0])
    assert one.p_value == pytest.approx(mannwhitneyu([1.0], [2.0, 3.0, 4.0]).pvalue)
    # one distinct value in all: uninformative, p = 1, U = n_a n_b / 2
    same = stats.mann_whitney([2.0, 2.0, 2.0], [2.0, 2.0], alternative="greater")
    assert same == stats.TestResult("Mann-Whitney U", 3.0, 1.0, 0.5, 3, 2, "greater")
    # two distinct values are informative
    two = stats.mann_whitney([1.0, 1.0], [2.0, 2.0])
    assert two.p_value == pytest.approx(mannwhitneyu([1.0, 1.0], [2.0, 2.0]).pvalue)
    assert two.p_value < 1
    assert two.name == "Mann-Whitney U" and two.to_dict()["name"] == "Mann-Whitney U"
    # -inf ranks below every finite value, however close
    low = stats.mann_whitney([-np.inf, 0.5], [0.0, 0.7])
    ref = mannwhitneyu([-1e9, 0.5], [0.0, 0.7])
    assert low.statistic == ref.statistic and low.p_value == pytest.approx(ref.pvalue)
    with pytest.raises(ValueError, match=r"^alternative must be 'two-sided', 'less' or 'greater'"):
        stats.mann_whitney([1.0], [2.0], alternative="bigger")


def test_test_result_text_and_json():
    r = stats.TestResult("Mann-Whitney U", 2.5, 0.04123, 0.9, 5, 6)
    assert str(r) == "U = 2.5, p = 0.041 (n = 5, 6)"
    assert str(r.__class__("x", 0.0, 1e-5, 1.0, 9, 9)) == "U = 0, p < 0.0001 (n = 9, 9)"
    assert str(r.__class__("x", 0.0, 1e-4, 1.0, 9, 9)) == "U = 0, p = 0.0001 (n = 9, 9)"
    assert r.to_dict() == {"name": "Mann-Whitney U", "statistic": 2.5, "p_value": 0.04123,
                           "effect": 0.9, "n_a": 5, "n_b": 6, "alternative": "two-sided"}  # fmt: skip


def test_numbers_in_the_text():
    assert stats.fmt_ci(1.23456, 1.11111, 2.22222, digits=2) == "1.2 (95% CI 1.1 to 2.2)"
    assert stats.fmt_ci(0.123456, 0.123456, 0.123456, digits=2) == "0.12 (95% CI 0.12)"
    assert stats.fmt_ci(math.nan, -math.inf, math.inf) == "n/a (95% CI -inf to never)"
    # integers print as integers below 1e15, in exponent form from there
    assert stats.fmt_ci(999999999999999.0, 3.0, 4.0) == "999999999999999 (95% CI 3 to 4)"
    assert stats.fmt_ci(1e15, 3.0, 4.0) == "1e+15 (95% CI 3 to 4)"


class _Report:
    def to_dict(self):
        return {"inner": np.float64(np.inf)}


def test_jsonable_turns_everything_into_json_data():
    data = {
        1: (np.int64(3), np.bool_(True), True),
        "a": np.array([1.0, np.nan, np.inf]),
        "b": [np.float32(0.5), None, "text"],
        "c": _Report(),
    }
    out = stats.jsonable(data)
    assert out == {"1": [3, True, True], "a": [1.0, None, None], "b": [0.5, None, "text"],
                   "c": {"inner": None}}  # fmt: skip
    assert type(out["1"][0]) is int and type(out["1"][1]) is bool
    json.dumps(out, allow_nan=False)  # valid JSON


@pytest.mark.parametrize("scale", [1e-300, 1e300, 1e306])
def test_a_mean_band_is_in_the_units_of_its_curves_up_to_float64s_largest(scale):
    # mean, sd and percentiles are homogeneous: c * curves has c times the band of curves
    # (whose band is checked against scipy above); near 1e308 a sum overflows, the band not
    base = np.random.default_rng(4).uniform(0.5, 1.5, size=(6, 5))
    base[2, 3] = np.nan  # a diverged step: ignored, the same at every scale
    for kind in ("ci", "percentile"):
        ref = stats.mean_band(base, kind=kind)
        got = stats.mean_band(base * scale, kind=kind)
        for name in ("mean", "lo", "hi"):
            np.testing.assert_allclose(getattr(got, name), getattr(ref, name) * scale, rtol=1e-12)
        np.testing.assert_array_equal(got.n, ref.n)


def test_a_band_edge_past_float64s_range_is_infinite_by_hand():
    # runs at 1e308 and 1.5e308: mean 1.25e308, sd 0.5e308 / sqrt(2), t(0.975, 1) = 12.706...,
    # half width 12.706 * 0.25e308 = 3.18e308: both edges are past float64's range
    band = stats.mean_band(np.array([[1e308], [1.5e308]]))
    assert band.mean[0] == pytest.approx(1.25e308, rel=1e-15)
    assert band.lo[0] == -np.inf and band.hi[0] == np.inf


@pytest.mark.parametrize("kind", ["ci", "percentile"])
def test_a_band_of_no_runs_is_undefined_at_every_step(kind):
    # as a step where every run diverged: no value, so no mean and no band (NaN), counted 0
    band = stats.mean_band(np.zeros((0, 3)), kind=kind)
    assert np.isnan(band.mean).all() and np.isnan(band.lo).all() and np.isnan(band.hi).all()
    np.testing.assert_array_equal(band.n, [0, 0, 0])
