"""Statistics at the edges mutation testing found unchecked.

References: SciPy's ``mannwhitneyu`` on the same samples with ``-inf`` replaced by hand by a
value below every finite one (the docstring's rule: infinities rank beyond every finite value);
the Wilson interval's upper bound for ``k = n``, exactly 1 in exact arithmetic; the median of
three values, the middle one; ``%.3g`` formatting; the documented defaults of ``median_ci``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import mannwhitneyu

from glassnet import stats


def test_minus_infinity_ranks_below_finite_values_below_minus_one():
    a, b = [-np.inf, -5.0, 2.0], [-3.0, -4.0, 1.0]
    ref = mannwhitneyu([-1e9, -5.0, 2.0], b)
    res = stats.mann_whitney(a, b)
    assert res.statistic == ref.statistic == 3.0
    assert res.p_value == ref.pvalue


def test_wilson_upper_bound_for_all_successes_is_exactly_one():
    # at k = n = 16 the formula alone gives 1.0000000000000002; the bound is 1 exactly
    for n in (1, 16, 40, 100):
        lo, hi = stats.wilson_ci(n, n)
        assert hi == 1.0 and 0.0 < lo < 1.0


def test_median_with_an_infinity_and_values_near_the_largest_float():
    est = stats.median_ci([1e308, 1e308, np.inf])
    assert est.value == 1e308  # the middle of three, not (1e308 + 1e308) / 2


def test_fmt_ci_gives_three_significant_digits_by_default():
    assert stats.fmt_ci(1.23456, 1.1111, 1.3333) == "1.23 (95% CI 1.11 to 1.33)"


def test_median_ci_defaults_are_2000_resamples_from_seed_0():
    v = np.random.default_rng(0).normal(size=15)
    default = stats.median_ci(v)
    assert default == stats.median_ci(v, n_boot=2000, seed=0)
    # and those numbers are what the defaults decide (another seed or count moves the bounds)
    assert default != stats.median_ci(v, seed=1)
    assert default != stats.median_ci(v, n_boot=2001)
