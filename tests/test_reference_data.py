"""The data utilities at their edges, against independent references (issue 26).

* stratified splits: per-class test counts from largest-remainder rounding computed here in
  exact fractions (ties to the earlier class), for uneven class sizes and test fractions;
* labels: one-hot encoding of labels that skip values, and label encoding against
  scikit-learn's ``LabelBinarizer``;
* generators: each ``noise`` parameter is the standard deviation it is documented to be (the
  same seed with and without noise differs by exactly ``noise`` times standard normal draws),
  and each documented default is the default;
* telling multi-label targets from one-hot and 0/1 targets, wherever glassnet decides it;
* ``Standardizer`` against scikit-learn's ``StandardScaler`` and, for magnitudes where squares
  overflow or underflow, against Python's exact ``statistics.pstdev``;
* CSV loading against pandas, and its class/regression decision at the rule's boundaries.
"""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import LabelBinarizer, StandardScaler

import glassnet as gn
from glassnet import datasets as ds

# --- stratified splits ----------------------------------------------------------------------


def _largest_remainder(counts: list[int], n_test: int) -> list[int]:
    """Hamilton's method in exact arithmetic: floor each class's quota n_c n_test / n, then
    give the rows left to the largest remainders, ties to the earlier class."""
    n = sum(counts)
    quotas = [Fraction(c * n_test, n) for c in counts]
    take = [math.floor(q) for q in quotas]
    order = sorted(range(len(counts)), key=lambda i: (-(quotas[i] - take[i]), i))
    for i in order[: n_test - sum(take)]:
        take[i] += 1
    return take


def _stratified(counts, test_size, one_hot, seed=0):
    labels = np.repeat(np.arange(len(counts)), counts)
    rng = np.random.default_rng(99)
    labels = labels[rng.permutation(len(labels))]  # classes interleaved, not in blocks
    y = ds.one_hot(labels, len(counts)) if one_hot else labels[:, None].astype(float)
    X = np.arange(len(labels), dtype=float)[:, None]  # row ids
    return X, y, ds.train_test_split(X, y, test_size=test_size, seed=seed, stratify=True)


SPLITS = [
    ([7, 3], 0.5),  # quotas 3.5 and 1.5: the tie goes to class 0
    ([3, 7], 0.5),  # ... whichever class that is
    ([5, 5, 5], 0.2),  # exact quotas
    ([10, 6, 3], 0.3),  # n_test = ceil(5.7) = 6: quotas 3.16, 1.89, 0.95
    ([1, 1, 9], 4),  # a row count; quotas 0.36, 0.36, 3.27
    ([2, 2, 2, 1], 3),
    ([13, 1], 0.25),  # a class too small for any test row
    ([40, 40, 20], 0.25),
    ([4, 4, 4], 0.5),
    # 36 classes with tied remainders spread among others: an unstable sort breaks these ties
    # in another order beyond 16 elements
    (
        [
            3,
            3,
            2,
            2,
            1,
            1,
            1,
            1,
            4,
            3,
            4,
            3,
            3,
            4,
            3,
            3,
            3,
            3,
            4,
            2,
            4,
            3,
            1,
            2,
            4,
            3,
            1,
            4,
            3,
            4,
            1,
            1,
            4,
            1,
            3,
            1,
        ],
        28,
    ),
]


@pytest.mark.parametrize(
    ("counts", "test_size", "one_hot"),
    [(c, t, True) for c, t in SPLITS] + [(c, t, False) for c, t in SPLITS if len(c) == 2],
)
def test_stratified_split_counts_are_the_largest_remainders(counts, test_size, one_hot):
    _, y, (X_tr, X_te, y_tr, y_te) = _stratified(counts, test_size, one_hot)
    n = sum(counts)
    n_test = test_size if isinstance(test_size, int) else math.ceil(test_size * n)
    want = _largest_remainder(counts, n_test)
    got = ds.labels(y_te) if one_hot else y_te[:, 0].astype(int)
    assert np.bincount(got, minlength=len(counts)).tolist() == want
    assert len(y_te) == n_test and len(y_tr) == n - n_test
    # a partition of the rows, each row with its own target
    ids = np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))
    np.testing.assert_array_equal(np.concatenate([y_tr, y_te]), y[ids])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 12), min_size=2, max_size=5),
    st.floats(0.05, 0.95),
    st.integers(0, 2**32 - 1),
)
def test_stratified_split_of_any_class_sizes_keeps_every_share(counts, fraction, seed):
    n = sum(counts)
    n_test = math.ceil(fraction * n)
    if n_test >= n:
        return
    _, _, (_, _, _, y_te) = _stratified(counts, fraction, one_hot=True, seed=seed)
    got = np.bincount(ds.labels(y_te), minlength=len(counts))
    assert got.tolist() == _largest_remainder(counts, n_test)
    # so each class's test count is its exact share rounded up or down
    assert all(abs(g - c * n_test / n) < 1 for g, c in zip(got, counts, strict=True))


def test_stratify_refuses_targets_that_are_not_one_class_per_row():
    X = np.zeros((6, 1))
    for y in (
        np.array([[1, 1], [0, 1], [1, 0], [0, 1], [1, 0], [1, 1]], dtype=float),  # multi-label
        np.array([[0, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]], dtype=float),  # a row of none
        np.array([[0.0], [0.5], [1.0], [1.0], [0.0], [1.0]]),  # soft labels
        np.arange(6.0)[:, None],  # regression
    ):
        with pytest.raises(ValueError, match="stratify: expected class targets"):
            ds.train_test_split(X, y, stratify=True)


# --- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [[0, 2, 2, 5], [3], [1, 1], [0.0, 4.0, 2.0], np.array([[2], [0], [7]])],
)
def test_one_hot_of_labels_that_skip_values_keeps_a_column_per_index(labels):
    lab = np.ravel(np.asarray(labels)).astype(int)
    Y = ds.one_hot(labels)
    assert Y.shape == (len(lab), lab.max() + 1)  # max + 1 columns, skipped ones included
    for i, c in enumerate(lab):
        assert Y[i].tolist() == [1.0 if j == c else 0.0 for j in range(lab.max() + 1)]
    np.testing.assert_array_equal(ds.labels(Y) if Y.shape[1] > 1 else 0 * lab, lab)
    wide = ds.one_hot(labels, n_classes=lab.max() + 3)
    np.testing.assert_array_equal(wide[:, : lab.max() + 1], Y)
    assert not wide[:, lab.max() + 1 :].any()


@pytest.mark.parametrize(
    "values",
    [
        [1, 3, 7, 3],  # numbers that skip values
        [10, 9, 2, 9],  # numeric order, not text order
        ["b", "a", "c", "a"],
        ["10", "9", "2"],  # text order for text
        [1.0, 2, 2.0, 1],  # 1 and 1.0 are one class
        [0, 5],
        ["no", "yes", "yes"],
        [-1, 1, -1, 1],
    ],
)
def test_encode_labels_is_scikit_learns_label_binarizer(values):
    y, names = ds.encode_labels(values)
    lb = LabelBinarizer().fit(values)
    np.testing.assert_array_equal(y, lb.transform(values))
    assert len(names) == len(lb.classes_)
    for name, cls in zip(names, lb.classes_, strict=True):
        assert name == (str(int(cls)) if isinstance(cls, float) and cls.is_integer() else str(cls))


def test_labels_reads_each_target_layout():
    # class 1 above 0.5, as scikit-learn's LabelBinarizer().fit([0, 1]).inverse_transform
    np.testing.assert_array_equal(ds.labels(np.array([[0.49], [0.5], [0.51], [1.0]])), [0, 0, 1, 1])
    np.testing.assert_array_equal(ds.labels(np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])), [1, 0])
    np.testing.assert_array_equal(ds.labels(np.array([4, 0, 2])), [4, 0, 2])
    np.testing.assert_array_equal(ds.labels(np.array([2.0, 1.0])), [2, 1])


# --- generators: the noise parameter and the defaults --------------------------------------------

DEFAULTS = {  # as documented in glassnet.datasets.load
    "moons": dict(n_samples=200, noise=0.1, seed=0),
    "circles": dict(n_samples=200, noise=0.05, seed=0, factor=0.5),
    "spirals": dict(n_samples=200, noise=0.05, seed=0, n_classes=2, turns=1.0),
    "blobs": dict(n_samples=200, noise=1.0, seed=0, n_classes=3),
    "meals": dict(n_samples=500, noise=0.05, seed=0, weekday="onehot", scale=True),
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_documented_defaults_are_the_defaults(name):
    X, y = ds.load(name)
    Xd, yd = ds.load(name, **DEFAULTS[name])
    np.testing.assert_array_equal(X, Xd)
    np.testing.assert_array_equal(y, yd)
    assert X.shape[0] == DEFAULTS[name]["n_samples"]


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "blobs"])
@pytest.mark.parametrize("noise", [0.05, 0.3])
def test_noise_is_the_standard_deviation_of_gaussian_noise_per_coordinate(name, noise):
    # with one seed, the points with noise minus those without are noise * N(0, 1) draws: the
    # same draws for every noise level, of mean 0 and standard deviation 1 (4000 points: the
    # sample's standard deviation is within 2% of 1 at 5 sigma)
    n = 4000
    X0, y0 = ds.load(name, n_samples=n, noise=0.0, seed=3)
    Xs, ys = ds.load(name, n_samples=n, noise=noise, seed=3)
    X1, _ = ds.load(name, n_samples=n, noise=1.0, seed=3)
    np.testing.assert_array_equal(ys, y0)  # the same points, in the same order
    z = (Xs - X0) / noise
    np.testing.assert_allclose(z, X1 - X0, rtol=1e-9, atol=1e-9)
    assert abs(z.mean()) < 0.05
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=0.04)
    # independent across the two coordinates
    assert abs(np.corrcoef(z.T)[0, 1]) < 0.06


def test_blobs_noise_is_the_spread_around_the_documented_centres():
    X, y = ds.load("blobs", n_samples=3000, noise=0.4, seed=1)
    c = ds.labels(y)
    angle = 2 * np.pi * c / 3
    centres = 3.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    np.testing.assert_allclose((X - centres).std(axis=0), 0.4, rtol=0.05)


def test_meals_noise_is_relative():
    d = ds.load("meals", n_samples=4000, noise=0.2, seed=2, return_info=True)
    clean = d.meta["clean_portions"]
    z = (d.y[:, 0] / clean - 1) / 0.2  # no clipping at 0 happens within 5 sigma
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.04
    assert ds.load("meals", n_samples=50, noise=0.0, seed=2, return_info=True).y[:, 0] == (
        pytest.approx(
            ds.load("meals", n_samples=50, seed=2, return_info=True).meta["clean_portions"]
        )
    )


# --- multi-label, one-hot, 0/1 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "is_class"),
    [
        ([[0.0], [1.0], [1.0]], True),
        ([[1.0], [1.0], [1.0]], True),
        ([[0, 1, 0], [1, 0, 0], [0, 0, 1]], True),
        ([[0, 1, 1], [1, 0, 0], [0, 0, 1]], False),  # a row with two labels
        ([[1, 1], [1, 1], [1, 0]], False),  # every row at least one label
        ([[0, 0], [1, 0], [0, 1]], False),  # a row with none
        ([[0.5], [1.0], [0.0]], False),
        ([[2.0], [1.0], [0.0]], False),
        ([[0.5, 0.5], [1.0, 0.0]], False),  # rows summing to 1 that are not one-hot
    ],
)
def test_class_targets_are_told_from_multi_label_ones_everywhere(y, is_class):
    y = np.asarray(y, dtype=float)
    assert gn.metrics.is_classification(y) is is_class
    X = np.arange(len(y) * 2, dtype=float).reshape(-1, 1)
    Y = np.concatenate([y, y])
    if is_class:
        ds.train_test_split(X, Y, test_size=2, stratify=True)
    else:
        with pytest.raises(ValueError, match="stratify"):
            ds.train_test_split(X, Y, test_size=2, stratify=True)


def test_the_estimators_tell_multi_label_from_one_hot_as_scikit_learn():
    from sklearn.neural_network import MLPClassifier
    from sklearn.utils.multiclass import type_of_target

    from glassnet.sklearn import GlassnetClassifier

    X = np.random.default_rng(0).normal(size=(12, 2))
    multi = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int)
    onehot = np.eye(3, dtype=int)[np.arange(12) % 3]
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", momentum=0.0, max_iter=3, random_state=0)
    for Y in (multi, onehot):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = GlassnetClassifier(**kw).fit(X, Y)
            theirs = MLPClassifier(**kw).fit(X, Y)
        assert type_of_target(Y) == "multilabel-indicator"  # scikit-learn: both are indicators
        assert ours.out_activation_ == theirs.out_activation_ == "logistic"
        assert ours.predict(X).shape == theirs.predict(X).shape == Y.shape
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)


# --- Standardizer ------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 2, 5, 40])
def test_standardizer_is_scikit_learns_standard_scaler(rows):
    rng = np.random.default_rng(rows)
    X = rng.normal([3.0, -2.0, 0.0, 7.0], [1.0, 50.0, 1e-3, 0.0], size=(rows, 4))
    sc = ds.Standardizer().fit(X)
    ref = StandardScaler().fit(X)
    np.testing.assert_allclose(sc.mean, ref.mean_, rtol=1e-13)
    np.testing.assert_allclose(sc.scale, ref.scale_, rtol=1e-13)  # a constant column: 1
    X_new = rng.normal(size=(6, 4)) * 10
    np.testing.assert_allclose(sc.transform(X_new), ref.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sc.inverse_transform(X_new), ref.inverse_transform(X_new),
                               rtol=1e-12)  # fmt: skip


@pytest.mark.parametrize(
    "magnitude", [1e300, 1e200, 1e155, 1e-140, 1e-150, 1e-155, 1e-160, 1e-165, 1e-200, 1e-300]
)
def test_standardizer_at_magnitudes_whose_squares_overflow_or_underflow(magnitude):
    # statistics.pstdev and fmean work in exact fractions: the reference for every magnitude,
    # including those whose squares fall among the subnormal numbers (|x| ~ 1e-155..1e-162),
    # where they lose digits without becoming 0
    column = [1.0, 4.0, -2.0, 5.0, 0.5]
    X = np.array([[v * magnitude, v] for v in column])
    sc = ds.Standardizer().fit(X)
    exact = [v * magnitude for v in column]
    assert sc.mean[0] == pytest.approx(statistics.fmean(exact), rel=1e-13)
    assert sc.scale[0] == pytest.approx(statistics.pstdev(exact), rel=1e-13)
    assert sc.scale[1] == pytest.approx(statistics.pstdev(column), rel=1e-13)
    Z = sc.transform(X)
    np.testing.assert_allclose(Z[:, 0], Z[:, 1], rtol=1e-12)  # the same column, scaled
    np.testing.assert_allclose(sc.inverse_transform(Z), X, rtol=1e-12)


@pytest.mark.parametrize("value", [0.1, 1 / 3, 1.0, -7e-200, 8.25e51, 0.0, 2.0**-1074])
@pytest.mark.parametrize("rows", [1, 3, 7])
def test_a_column_without_spread_maps_to_zero_with_scale_one(value, rows):
    # "a column with zero spread gets scale = 1, so it maps to 0": exactly, even where the
    # column's mean rounds to a neighbour of its one value
    X = np.column_stack([np.full(rows, value), np.arange(rows, dtype=float)])
    sc = ds.Standardizer().fit(X)
    assert sc.mean[0] == value and sc.scale[0] == 1.0
    np.testing.assert_array_equal(sc.transform(X)[:, 0], 0.0)
    np.testing.assert_array_equal(sc.inverse_transform(sc.transform(X))[:, 0], value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=2, max_size=8),
    # the band where squares are subnormal is drawn more often than the rest
    st.one_of(st.integers(-300, 300), st.integers(-164, -153)),
)
def test_standardizer_statistics_are_exact_at_any_magnitude(values, exponent):
    # as accurate as the data allow: the mean to rounding of the largest value (a mean that
    # cancels keeps no more), the std to 1e-12 where the column's spread is not itself at the
    # rounding level of its values
    column = [v * 10.0**exponent for v in values]
    big = max(abs(v) for v in column)
    sc = ds.Standardizer().fit(np.array(column)[:, None])
    assert sc.mean[0] == pytest.approx(statistics.fmean(column), rel=1e-12, abs=1e-15 * big)
    std = statistics.pstdev(column)
    if std > 1e-6 * big:
        assert sc.scale[0] == pytest.approx(std, rel=1e-12)
    elif max(column) == min(column):
        assert sc.scale[0] == 1.0


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_features_are_what_pandas_reads(tmp_path):
    rng = np.random.default_rng(5)
    values = rng.normal(0, 1e3, size=(9, 3))
    lines = ['"a, quoted",b,label,c'] + [
        f"{float(v[0])!r}, {v[1]:.17g} ,{'yes' if v[2] > 0 else 'no'},{v[2]:.6e}" for v in values
    ]
    path = tmp_path / "t.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n\n")  # a BOM and a trailing blank line
    d = ds.load_csv(path, target="label", return_info=True)
    ref = pd.read_csv(path, skipinitialspace=True, encoding="utf-8-sig")
    np.testing.assert_array_equal(d.X, ref[["a, quoted", "b", "c"]].to_numpy(dtype=float))
    assert d.feature_names == ("a, quoted", "b", "c")
    lb = LabelBinarizer().fit(ref["label"].str.strip())
    np.testing.assert_array_equal(d.y, lb.transform(ref["label"].str.strip()))
    assert d.target_names == tuple(lb.classes_)


@pytest.mark.parametrize(
    ("targets", "task", "names"),
    [
        (list(range(10)) * 2, "classification", tuple(str(i) for i in range(10))),  # 10 values
        (list(range(11)) * 2, "regression", None),  # 11: beyond AUTO_MAX_CLASSES
        ([3, 8] * 4, "classification", ("3", "8")),
        (["1.0", "2", "2.0", "1"] * 2, "classification", ("1", "2")),  # integral floats
        ([-2, 5, 17] * 3, "classification", ("-2", "5", "17")),  # negative, skipping values
        ([0.5, 1.0, 1.5] * 3, "regression", None),
        ([7] * 6, "regression", None),  # one value is no classification
        (["b", "a", "10", "9"] * 2, "classification", ("10", "9", "a", "b")),  # text order
    ],
)
def test_csv_auto_task_at_the_rules_boundaries(tmp_path, targets, task, names):
    assert ds.AUTO_MAX_CLASSES == 10
    path = tmp_path / "auto.csv"
    path.write_text("x,t\n" + "\n".join(f"{i},{t}" for i, t in enumerate(targets)) + "\n")
    d = ds.load_csv(path, return_info=True)
    assert d.task == task
    if task == "classification":
        assert d.target_names == names and d.n_classes == len(names)
        keys = [float(t) for t in targets] if all(_is_number(t) for t in targets) else targets
        lb = LabelBinarizer().fit(keys)
        np.testing.assert_array_equal(d.y, lb.transform(keys))
    else:
        np.testing.assert_array_equal(d.y[:, 0], [float(t) for t in targets])
        assert d.n_classes is None


def _is_number(t) -> bool:
    try:
        float(t)
    except ValueError:
        return False
    return True
