"""The data utilities' limits and messages, word for word, and their numerical fallbacks.

The mutation runs of ``glassnet.datasets`` (issue 26) showed which edges no test read: the
bounds of ``test_size`` at both ends, the defaults of the splitting functions, a 1-D ``y``,
stratification with many tied classes, the Standardizer's overflow fallbacks (a difference
``x - mean`` that overflows while the result does not; a mean whose sum overflows; columns of
very different magnitudes fitted together) and every message a user sees. Each expected value
here is computed by hand or by exact arithmetic.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from glassnet import datasets as ds

X10 = np.arange(20.0).reshape(10, 2)
Y10 = np.arange(10.0)[:, None]


# --- test_size ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("test_size", "n_test"), [(1, 1), (9, 9), (0.05, 1), (0.9, 9), (0.11, 2)])
def test_test_size_at_its_bounds(test_size, n_test):
    _, X_te, _, _ = ds.train_test_split(X10, Y10, test_size=test_size)
    assert len(X_te) == n_test


@pytest.mark.parametrize(
    ("test_size", "message"),
    [
        (0, "test_size: expected a row count in [1, 9] for 10 rows, got 0"),
        (10, "test_size: expected a row count in [1, 9] for 10 rows, got 10"),
        (0.0, "test_size: expected a fraction in (0, 1), got 0.0"),
        (1.0, "test_size: expected a fraction in (0, 1), got 1.0"),
        (0.95, "test_size: 0.95 of 10 rows leaves no training rows; use a smaller fraction or "
               "more data"),
        (True, "test_size: expected a fraction in (0, 1) or a row count, got True"),
    ],
)  # fmt: skip
def test_test_size_beyond_its_bounds_is_refused_word_for_word(test_size, message):
    error = TypeError if test_size is True else ValueError
    with pytest.raises(error) as info:
        ds.train_test_split(X10, Y10, test_size=test_size)
    assert str(info.value) == message


def test_split_defaults_and_one_dimensional_targets():
    # test_size=0.25 and seed=0 by default, for both splitting functions
    default = ds.train_test_split(X10, Y10)
    for a, b in zip(default, ds.train_test_split(X10, Y10, 0.25, 0), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(default[1]) == 3  # ceil(2.5)
    std = ds.standardized_split(X10, Y10)
    for a, b in zip(std[2:4], ds.standardized_split(X10, Y10, 0.25, 0)[2:4], strict=True):
        np.testing.assert_array_equal(a, b)
    # standardized_split passes stratify on
    y = (np.arange(10) < 3).astype(float)[:, None]
    s = ds.standardized_split(X10, y, test_size=0.5, stratify=True)
    np.testing.assert_array_equal(s[3], ds.train_test_split(X10, y, 0.5, 0, True)[3])
    # a 1-D y is split as it is, also stratified (0/1 labels)
    y1 = (np.arange(10) % 3 == 0).astype(float)
    _, _, tr, te = ds.train_test_split(X10, y1, test_size=0.5, stratify=True)
    assert tr.shape == (5,) and te.shape == (5,) and te.sum() == 2  # 4 ones: 2 and 2
    with pytest.raises(ValueError, match=r"^stratify: expected class targets"):
        ds.train_test_split(X10, np.array(list("abcdeabcde")), stratify=True)
    for name, arr in (("X", np.ma.masked_array(X10)), ("y", np.ma.masked_array(Y10))):
        args = (arr, Y10) if name == "X" else (X10, arr)
        with pytest.raises(TypeError) as info:
            ds.train_test_split(*args)
        assert str(info.value) == (
            f"{name}: masked arrays are not supported; fill or drop the masked rows"
        )
    with pytest.raises(ValueError) as info:
        ds.train_test_split(X10, np.zeros((10, 1, 1)))
    assert str(info.value) == "y: expected shape (N,) or (N, m), got (10, 1, 1)"


def test_stratified_ties_among_many_classes_go_to_the_earlier_classes():
    # 20 classes of 3 rows, 10 test rows: every quota is 1.5, every remainder ties, and the
    # ten extra rows go to classes 0..9 (beyond 16 elements an unstable sort would not)
    labels = np.repeat(np.arange(20), 3)
    y = ds.one_hot(labels, 20)
    X = np.arange(60.0)[:, None]
    _, _, _, y_te = ds.train_test_split(X, y, test_size=30, stratify=True)
    assert y_te.sum(axis=0).tolist() == [2] * 10 + [1] * 10


# --- Standardizer -------------------------------------------------------------------------------


def test_standardizer_text_and_messages():
    sc = ds.Standardizer()
    assert repr(sc) == "Standardizer(fitted=False, n_features=None)"
    assert sc.mean is None and sc.scale is None and not sc.fitted
    for call in (sc.transform, sc.inverse_transform):
        with pytest.raises(ValueError) as info:
            call(X10)
        assert str(info.value) == "Standardizer: not fitted; call fit(X_train) first"
    sc.fit(np.zeros((4, 3)) + np.arange(3))
    assert repr(sc) == "Standardizer(fitted=True, n_features=3)"
    with pytest.raises(ValueError) as info:
        sc.transform(np.zeros((2, 2)))
    assert str(info.value) == "X: expected 3 columns (as fitted), got 2"
    with pytest.raises(ValueError) as info:
        sc.inverse_transform(np.zeros((2, 4)))
    assert str(info.value) == "Z: expected 3 columns (as fitted), got 4"
    with pytest.raises(ValueError) as info:
        ds.Standardizer().fit(np.zeros((0, 3)))
    assert str(info.value) == "X: expected at least 1 row to fit on, got 0"
    with pytest.raises(ValueError) as info:
        ds.Standardizer().fit([[1.0, np.inf]])
    assert str(info.value) == "X: expected finite values, got NaN or infinity"
    with pytest.raises(ValueError, match=r"^X: expected a 2-D array \(N, d\), got shape \(3,\) "):
        ds.Standardizer().fit(np.zeros(3))


def test_standardizer_keeps_float_dtypes_and_makes_integers_float64():
    X = np.array([[1, 2], [3, 5], [6, 7]])
    sc = ds.Standardizer().fit(X)
    Z = sc.transform(X)
    assert Z.dtype == np.float64
    np.testing.assert_allclose(Z[:, 0], (X[:, 0] - 10 / 3) / np.std([1.0, 3.0, 6.0]))
    assert sc.transform(X.astype(np.float32)).dtype == np.float32
    assert sc.inverse_transform(Z.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(sc.inverse_transform(Z), X, rtol=1e-14)


def test_transform_divides_first_when_the_difference_overflows():
    # x - mean = 1e308 - (-1e308) overflows, (x - mean) / scale = 2e8 does not
    sc = ds.Standardizer().fit(np.array([[-1e308], [1e308]]))
    assert sc.mean[0] == 0.0 and sc.scale[0] == 1e308
    sc.mean[0], sc.scale[0] = -1e308, 1e300
    np.testing.assert_allclose(sc.transform(np.array([[1e308]])), [[2e8]], rtol=1e-12)


def test_overflowing_results_are_refused_naming_row_and_column():
    sc = ds.Standardizer().fit(np.array([[0.0, 0.0], [1e-300, 1.0]]))
    big = np.array([[0.0, 0.0], [0.0, 0.5], [1e300, 0.0]])
    with pytest.raises(ValueError) as info:
        sc.transform(big)
    assert str(info.value) == (
        "X: row 2, column 0 is too large for the fitted scale: the result overflows float64 "
        "(beyond 1.8e+308)"
    )
    wide = ds.Standardizer().fit(np.array([[0.0, 0.0], [1.0, 1e300]]))  # scale 5e299
    with pytest.raises(ValueError) as info:
        wide.inverse_transform(np.array([[0.0, 0.0], [0.0, 1e10]]))
    assert str(info.value).startswith("Z: row 1, column 1 is too large for the fitted scale")
    sc32 = ds.Standardizer().fit(np.array([[0.0], [1e-30]]))
    with pytest.raises(ValueError, match=r"overflows float32 \(beyond 3.4e\+38\)$"):
        sc32.transform(np.array([[1e10]], dtype=np.float32))


def test_columns_of_every_magnitude_fitted_together():
    # each column is scaled by its own largest value: a 1e-160 column beside a 1e200 column
    cols = [[1.0, 4.0, -2.0], [3.0, 3.5, 1.0], [-1.0, 0.0, 2.0], [1.5, 1.7, 1.6]]
    mags = [1e200, 1e-160, 1.0, 1e308]
    X = np.array(
        [[v * m for v, m in zip(row, mags, strict=True)] for row in zip(*cols, strict=True)]
    )
    sc = ds.Standardizer().fit(X)
    for j, m in enumerate(mags):  # the statistics of v m are those of v, times m
        assert sc.mean[j] == pytest.approx(statistics.fmean(cols[j]) * m, rel=1e-13)
        assert sc.scale[j] == pytest.approx(statistics.pstdev(cols[j]) * m, rel=1e-13)


def test_a_cancelling_mean_of_a_tiny_column_is_exact():
    column = np.array([1.9999999999999982e-139, -2e-139])
    sc = ds.Standardizer().fit(column[:, None])
    assert sc.mean[0] == statistics.fmean(column.tolist())


# --- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ds.one_hot(np.array([], dtype=int)), ValueError,
         "n_classes: cannot infer it from empty labels; pass n_classes"),
        (lambda: ds.one_hot([0, 1], n_classes=0), ValueError,
         "n_classes: expected an integer in [1, 100000], got 0 (int)"),
        (lambda: ds.one_hot([0], n_classes=100_001), ValueError,
         "n_classes: expected an integer in [1, 100000], got 100001 (int)"),
        (lambda: ds.one_hot([0.5]), ValueError,
         "labels: expected integer class indices, got dtype float64"),
        (lambda: ds.one_hot([np.inf]), ValueError,
         "labels: expected integer class indices, got dtype float64"),
        (lambda: ds.one_hot([1.0, 3.0, 2.5]), ValueError,
         "labels: expected integer class indices, got dtype float64"),
        (lambda: ds.one_hot([-1]), ValueError,
         "labels: expected class indices in [0, 100000), got values in [-1, -1]"),
        (lambda: ds.one_hot([100_000]), ValueError,
         "labels: expected class indices in [0, 100000), got values in [100000, 100000]"),
        (lambda: ds.one_hot([2], n_classes=2), ValueError,
         "labels: expected class indices in [0, 2) (n_classes=2), got values in [2, 2]"),
        (lambda: ds.one_hot([[0, 1]]), ValueError,
         "labels: expected a 1-D array of class indices, got shape (1, 2)"),
        (lambda: ds.one_hot(["a"]), TypeError, "labels: "),
        (lambda: ds.encode_labels([]), ValueError, "values: expected at least one label, got none"),
        (lambda: ds.encode_labels([7]), ValueError,
         "values: expected at least 2 distinct classes, got only '7'"),
        (lambda: ds.encode_labels([1.0, 1.0]), ValueError,
         "values: expected at least 2 distinct classes, got only '1'"),
        (lambda: ds.encode_labels([1.0, np.inf]), ValueError,
         "values: class labels must be finite numbers or strings"),
        (lambda: ds.labels(np.array([0.5, 1.0])), ValueError,
         "y: a 1-D y must hold integer class labels, got fractional values"),
        (lambda: ds.labels(np.array(["a"])), TypeError,
         "y: expected numeric targets or predictions, got dtype <U1"),
    ],
)  # fmt: skip
def test_label_errors_word_for_word(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message), str(info.value)


def test_label_helpers_at_their_edges():
    # the largest class index and one class are fine; the result is float64
    Y = ds.one_hot([99_999])
    assert Y.shape == (1, 100_000) and Y[0, -1] == 1.0 and Y.dtype == np.float64
    assert ds.one_hot([0]).tolist() == [[1.0]]
    assert ds.one_hot(np.array([2.0, 0.0])).tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    y, names = ds.encode_labels(np.array([[3], [1], [3]]))  # any shape of labels, flattened
    assert y.tolist() == [[1.0], [0.0], [1.0]] and y.dtype == np.float64 and names == ("1", "3")
    y, names = ds.encode_labels([2, 0, 1, 0])
    assert y.dtype == np.float64 and y.shape == (4, 3) and names == ("0", "1", "2")
    lab = ds.labels(np.array([True, False]))
    assert lab.tolist() == [1, 0] and lab.dtype == np.int64
    assert ds.labels(np.array([3.0, 1.0])).dtype == np.int64
