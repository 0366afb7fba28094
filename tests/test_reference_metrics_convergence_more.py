"""More reference checks of ``glassnet.metrics`` (``is_classification``, ``accuracy``'s shapes
and ``fraction_right``'s default) and ``glassnet.stats.mann_whitney`` (NaN in the second sample,
the ``alternative`` check), against scikit-learn, SciPy and the docstrings' stated rules."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu
from sklearn.metrics import accuracy_score

from glassnet import metrics, stats

# ---- is_classification: "0/1 (one column) or one-hot rows" ----------------------------------


@pytest.mark.parametrize(
    "y",
    [
        [[0.0], [1.0], [1.0]],  # one 0/1 column
        [[0.0], [0.0]],  # one column, all zeros: still 0/1
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]],  # one-hot rows
        [[0.0, 1.0], [1.0, 0.0]],
    ],
)
def test_zero_one_columns_and_one_hot_rows_are_classification(y):
    assert metrics.is_classification(np.array(y)) is True


@pytest.mark.parametrize(
    "y",
    [
        [[0.0], [2.0]],  # a 2 is not 0/1
        [[0.0], [0.5], [1.0]],  # one value off 0/1 among 0/1 ones
        [[0.3], [0.7]],  # regression targets
        [[1.0, 0.0], [0.0, 0.0]],  # a row of zeros is not one-hot
        [[1.0, 1.0], [0.0, 1.0]],  # a row with two ones is not one-hot
        [[0.0, 0.0], [0.0, 0.0]],  # no row is one-hot
        [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [1.0, 0.0, 0.0]],  # multi-label, one row
    ],
)
def test_other_targets_are_not_classification(y):
    assert metrics.is_classification(np.array(y)) is False


# ---- accuracy: two or more columns are argmax against argmax, never a threshold --------------


def test_two_columns_are_argmax_not_a_threshold_on_the_first():
    # rows 0 and 1 are right by argmax (2 of 3), but a 0.5 threshold on the first column would
    # call every row wrong (0.3 is not above it, 0.8 and 0.6 are)
    y_hat = np.array([[0.3, 0.1], [0.8, 0.9], [0.6, 0.2]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    want = accuracy_score(y.argmax(axis=1), y_hat.argmax(axis=1))
    assert want == pytest.approx(2 / 3)
    assert metrics.accuracy(y_hat, y) == pytest.approx(want, abs=1e-15)


def test_fraction_right_defaults_to_the_threshold_one_half():
    # outputs between 0 and 0.5 are class 0 at the documented default of 0.5
    y_hat = np.array([[0.1], [0.4], [0.6], [0.9]])
    y = np.array([[0.0], [0.0], [1.0], [1.0]])
    assert float(metrics.fraction_right(y_hat, y)) == 1.0
    assert float(metrics.fraction_right(y_hat, y)) == metrics.accuracy(y_hat, y)


def test_a_population_of_one_stays_an_array_of_one():
    # "(P, n_samples, n_out) ... one per member, shape (P,)": P = 1 is still an array
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    y_hat = np.array([[[0.2], [0.9], [0.1], [0.4]]])
    got = metrics.accuracy(y_hat, y)
    assert isinstance(got, np.ndarray) and got.shape == (1,)
    assert got[0] == accuracy_score(y[:, 0], (y_hat[0, :, 0] > 0.5).astype(float))


@pytest.mark.parametrize(
    "shape",
    [
        (1, 1),  # fewer samples than y: would broadcast silently
        (3, 1),  # more samples than y
        (2, 1, 4, 1),  # four dimensions, trailing shape matching
        (4,),  # one dimension
    ],
)
def test_y_hat_of_another_shape_is_an_error_naming_y_hat(shape):
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    with pytest.raises(ValueError, match=r"^y_hat: expected shape"):
        metrics.accuracy(np.full(shape, 0.7), y)


# ---- mann_whitney: NaN dropped from either sample, alternative checked -----------------------


def test_nan_in_the_second_sample_is_dropped():
    a = np.array([0.4, 1.3, 2.2, 5.0, 0.1])
    b = np.array([1.0, np.nan, 3.5, 2.7, np.nan, 4.1])
    b_clean = b[~np.isnan(b)]
    got = stats.mann_whitney(a, b)
    want = mannwhitneyu(a, b_clean, alternative="two-sided", method="auto")
    assert got.n_a == 5 and got.n_b == 4
    assert got.statistic == float(want.statistic)
    assert got.p_value == pytest.approx(float(want.pvalue), rel=1e-12)
    assert got.effect == pytest.approx(1 - float(want.statistic) / (5 * 4), rel=1e-12)


@pytest.mark.parametrize("alternative", ["two_sided", "Two-sided", "lesser", ""])
def test_an_unknown_alternative_is_refused_by_glassnet_itself(alternative):
    with pytest.raises(ValueError, match=r"^alternative must be 'two-sided', 'less' or 'greater'"):
        stats.mann_whitney([1.0, 2.0, 3.0], [2.5, 4.0], alternative=alternative)


# ---- median_ci: one observation, and NaN left out of the count --------------------------------


@pytest.mark.parametrize("x", [3.5, np.inf])
def test_one_observation_is_its_own_median_and_interval(x):
    # every resample of one value is that value: median and both bounds are it, n = 1
    est = stats.median_ci(np.array([x]), n_boot=50)
    assert (est.value, est.lo, est.hi, est.n) == (x, x, x, 1)


def test_nan_is_dropped_from_the_median_and_its_count():
    est = stats.median_ci(np.array([1.0, np.nan, 3.0, 5.0, np.nan]), n_boot=200)
    assert est.n == 3
    assert est.value == 3.0  # median of 1, 3, 5
    assert {est.lo, est.hi} <= {1.0, 3.0, 5.0}  # observed values only, per the docstring


def test_minus_infinity_counts_as_an_observation_below_everything():
    # "inf is allowed, nan is dropped": -inf is an observation, the smallest one
    est = stats.median_ci(np.array([-np.inf, 1.0, 2.0]), n_boot=100)
    assert est.n == 3
    assert est.value == 1.0


# ---- mann_whitney with -inf and +inf in both samples -------------------------------------------


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_infinities_of_both_signs_in_both_samples_rank_as_scipy_ranks_them(alternative):
    a = np.array([-np.inf, 0.5, 2.0, np.inf, 1.0])
    b = np.array([-np.inf, -np.inf, 3.0, 0.7, np.inf, 4.0, 1.5])
    # U of a by its definition: pairs with a > b plus half the ties (-inf == -inf, inf == inf)
    u = float((a[:, None] > b[None, :]).sum() + 0.5 * (a[:, None] == b[None, :]).sum())
    assert u == 16.5
    got = stats.mann_whitney(a, b, alternative=alternative)
    want = mannwhitneyu(a, b, alternative=alternative)
    assert got.statistic == u == float(want.statistic)
    assert got.p_value == pytest.approx(float(want.pvalue), rel=1e-12)
    assert got.effect == pytest.approx(1 - u / (5 * 7), rel=1e-15)


def test_minus_and_plus_infinity_in_the_middle_have_no_median_and_no_warning():
    # the two middle values -inf and +inf: no median (np.median's NaN), said as NaN without
    # NumPy's "invalid value encountered in add" (run under -W error, a warning fails this)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = stats.median_ci([-np.inf, np.inf])
        same_sign = stats.median_ci([1.0, np.inf, 3.0, np.inf])  # (3 + inf) / 2
    assert np.isnan(e.value) and e.n == 2
    assert same_sign.value == np.inf
