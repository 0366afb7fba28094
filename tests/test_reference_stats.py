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
