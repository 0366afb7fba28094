"""Tests for glassnet.datasets: built-in sets, labels, CSV loading, split and standardizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer

import glassnet as gn
from glassnet import datasets as ds
from glassnet._validation import MAX_CLASSES, MAX_GENERATOR_PARAMETER, MAX_SAMPLES

TWO_D = ["moons", "circles", "spirals", "blobs"]


# ------------------------------------------------------------------------------------------
# registry
# ------------------------------------------------------------------------------------------
def test_names_fixed_order():
    assert ds.names() == [
        "paper",
        "xor",
        "and",
        "or",
        "moons",
        "circles",
        "spirals",
        "blobs",
        "digits",
        "diabetes",
        "meals",
    ]


def test_paper_exact():
    X, y = ds.load("paper")
    np.testing.assert_array_equal(X, [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    assert X.dtype == np.float64 and y.dtype == np.float64


@pytest.mark.parametrize(
    ("name", "fn"),
    [("xor", np.logical_xor), ("and", np.logical_and), ("or", np.logical_or)],
)
def test_gates_truth_tables(name, fn):
    X, y = ds.load(name)
    assert X.shape == (4, 2) and y.shape == (4, 1)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    expected = fn(X[:, 0] == 1, X[:, 1] == 1).astype(float)[:, None]
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("name", ds.names())
def test_default_shapes_match_info(name):
    X, y = ds.load(name)
    it = ds.info(name)
    assert X.shape == (it.n_samples, it.n_features)
    assert y.shape == (it.n_samples, it.n_outputs)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    assert X.dtype == np.float64 and y.dtype == np.float64
    if it.task == "classification":
        assert set(np.unique(y)) <= {0.0, 1.0}
        assert it.n_outputs == (1 if it.n_classes == 2 else it.n_classes)
    else:
        assert it.n_classes is None


def test_info_all_and_describe():
    infos = ds.info()
    assert [i.name for i in infos] == ds.names()
    by = {i.name: i for i in infos}
    assert (by["digits"].n_samples, by["digits"].n_features, by["digits"].n_classes) == (
        1797,
        64,
        10,
    )
    assert (by["diabetes"].task, by["diabetes"].n_samples, by["diabetes"].n_features) == (
        "regression",
        442,
        10,
    )
    assert by["blobs"].n_outputs == 3
    assert by["meals"].options["weekday"] == "onehot"
    text = ds.describe()
    lines = text.splitlines()
    assert len(lines) == 1 + len(ds.names())
    assert lines[0].split()[:4] == ["name", "X", "y", "task"]
    assert "(1797, 64)" in text and "(442, 10)" in text
    assert ds.describe("xor").splitlines()[1].startswith("xor")


@pytest.mark.parametrize("name", ["paper", "moons", "digits", "meals"])
def test_float32(name):
    X, y = ds.load(name, dtype="float32")
    assert X.dtype == np.float32 and y.dtype == np.float32
    X64, _ = ds.load(name)
    np.testing.assert_allclose(X, X64, rtol=1e-6, atol=1e-6)


def test_return_info_dataset():
    d = ds.load("digits", classes="three", return_info=True)
    assert isinstance(d, ds.Dataset)
    assert d.task == "classification" and d.n_classes == 2
    assert d.target_names == ("not three", "three")
    assert len(d.feature_names) == 64 == d.n_features
    assert d.n_samples == 1797 and d.n_outputs == 1
    m = ds.load("meals", return_info=True)
    assert m.feature_names[:4] == ("students", "meal=breakfast", "meal=lunch", "meal=dinner")
    assert m.target_names == ("portions",) and m.task == "regression"


# ------------------------------------------------------------------------------------------
# 2-D sets
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TWO_D)
def test_2d_seed_reproducible_and_different(name):
    X1, y1 = ds.load(name, seed=3)
    X2, y2 = ds.load(name, seed=3)
    X3, _ = ds.load(name, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    Xg, _ = ds.load(name, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(Xg, X1)


@pytest.mark.parametrize("name", TWO_D)
def test_2d_sizes_and_balance(name):
    X, y = ds.load(name, n_samples=101)
    assert X.shape == (101, 2)
    counts = np.bincount(ds.labels(y))
    assert counts.sum() == 101
    assert counts.max() - counts.min() <= 1


def test_moons_on_curves_without_noise():
    X, y = ds.load("moons", n_samples=300, noise=0.0, seed=1)
    lab = ds.labels(y)
    up, lo = X[lab == 0], X[lab == 1]
    np.testing.assert_allclose(np.hypot(up[:, 0], up[:, 1]), 1.0)
    assert np.all(up[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lo[:, 0] - 1.0, lo[:, 1] - 0.5), 1.0)
    assert np.all(lo[:, 1] <= 0.5)
    assert len(up) == len(lo) == 150


def test_circles_radii_without_noise():
    X, y = ds.load("circles", n_samples=51, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    lab = ds.labels(y)
    np.testing.assert_allclose(r[lab == 0], 1.0)
    np.testing.assert_allclose(r[lab == 1], 0.3)
    assert (lab == 0).sum() == 26


def test_spirals_k_classes_one_hot_and_radius():
    X, y = ds.load("spirals", n_samples=90, n_classes=3, noise=0.0)
    assert y.shape == (90, 3)
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(90))
    np.testing.assert_array_equal(y.sum(axis=0), [30, 30, 30])
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0
    _, y2 = ds.load("spirals", n_samples=90, noise=0.0)
    assert y2.shape == (90, 1)


def test_blobs_centers_and_noise():
    X, y = ds.load("blobs", n_samples=60, noise=0.0)
    assert y.shape == (60, 3)
    ang = 2 * np.pi * np.arange(3) / 3
    centers = 3 * np.column_stack([np.cos(ang), np.sin(ang)])
    np.testing.assert_allclose(X, centers[ds.labels(y)], atol=1e-12)
    C = [[0.0, 0.0], [10.0, 10.0]]
    X, y = ds.load("blobs", n_samples=400, centers=C, noise=0.5, seed=2)
    assert y.shape == (400, 1)
    lab = ds.labels(y)
    np.testing.assert_allclose(X[lab == 1].mean(axis=0), [10, 10], atol=0.15)
    np.testing.assert_allclose(X[lab == 0].std(axis=0), [0.5, 0.5], atol=0.1)
    _, y4 = ds.load("blobs", n_classes=4)
    assert y4.shape == (200, 4)


def test_noise_scales_spread():
    X0, _ = ds.load("moons", noise=0.0, seed=5)
    X1, _ = ds.load("moons", noise=0.3, seed=5)
    assert not np.allclose(X0, X1)
    assert np.abs(X1).max() > np.abs(X0).max()


# ------------------------------------------------------------------------------------------
# digits, diabetes, meals
# ------------------------------------------------------------------------------------------
def test_digits_all():
    X, y = ds.load("digits")
    assert X.shape == (1797, 64) and y.shape == (1797, 10)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(1797))
    counts = y.sum(axis=0)
    assert counts.sum() == 1797 and counts[3] == 183


def test_digits_three_vs_not():
    X, y = ds.load("digits", classes="three")
    Xa, ya = ds.load("digits")
    assert y.shape == (1797, 1)
    assert int(y.sum()) == 183 and int((y == 0).sum()) == 1797 - 183
    np.testing.assert_array_equal(y[:, 0], ya[:, 3])
    np.testing.assert_array_equal(X, Xa)


def test_diabetes_standardized_and_raw():
    d = ds.load("diabetes", return_info=True)
    assert d.X.shape == (442, 10) and d.y.shape == (442, 1)
    np.testing.assert_allclose(d.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.X.std(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(d.y.mean(), 0.0, atol=1e-12)
    Xr, yr = ds.load("diabetes", standardize=False)
    np.testing.assert_allclose(d.y * d.meta["y_std"] + d.meta["y_mean"], yr)
    np.testing.assert_allclose(d.X * d.meta["x_std"] + d.meta["x_mean"], Xr)
    assert yr.min() == 25.0 and yr.max() == 346.0
    assert d.feature_names[:3] == ("age", "sex", "bmi")


def _meals_formula(X, onehot=True):
    students = X[:, 0] * 100
    meal = np.argmax(X[:, 1:4], axis=1)
    rate = np.array([0.55, 0.90, 0.75])[meal]
    if onehot:
        day = np.argmax(X[:, 4:11], axis=1)
    else:
        day = np.round(np.mod(np.arctan2(X[:, 4], X[:, 5]), 2 * np.pi) * 7 / (2 * np.pi))
        day = day.astype(int) % 7
    dayf = np.array([1.0, 1.0, 0.95, 1.0, 0.85, 0.6, 0.65])[day]
    return (10 + students * rate * dayf) / 100


def test_meals_formula_without_noise():
    X, y = ds.load("meals", noise=0.0, n_samples=300, seed=7)
    assert X.shape == (300, 11) and y.shape == (300, 1)
    np.testing.assert_array_equal(X[:, 1:4].sum(axis=1), np.ones(300))
    np.testing.assert_array_equal(X[:, 4:].sum(axis=1), np.ones(300))
    students = X[:, 0] * 100
    np.testing.assert_allclose(students, np.round(students))
    assert students.min() >= 20 and students.max() <= 400
    np.testing.assert_allclose(y[:, 0], _meals_formula(X), rtol=1e-12)


def test_meals_cyclic_and_unscaled():
    X, y = ds.load("meals", weekday="cyclic", noise=0.0, seed=2)
    assert X.shape == (500, 6)
    np.testing.assert_allclose(X[:, 4] ** 2 + X[:, 5] ** 2, 1.0)
    np.testing.assert_allclose(y[:, 0], _meals_formula(X, onehot=False), rtol=1e-12)
    Xr, yr = ds.load("meals", scale=False, noise=0.0, seed=2)
    np.testing.assert_allclose(Xr[:, 0], X[:, 0] * 100)
    np.testing.assert_allclose(yr, y * 100)


def test_meals_noise_relative_and_seeded():
    d = ds.load("meals", n_samples=4000, noise=0.1, seed=1, return_info=True)
    rel = d.y[:, 0] / d.meta["clean_portions"] - 1
    assert abs(rel.std() - 0.1) < 0.01
    a, _ = ds.load("meals", seed=1)
    b, _ = ds.load("meals", seed=1)
    c, _ = ds.load("meals", seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# ------------------------------------------------------------------------------------------
# label helpers
# ------------------------------------------------------------------------------------------
def test_one_hot_and_labels_round_trip():
    lab = np.array([2, 0, 1, 2])
    Y = ds.one_hot(lab, 4)
    np.testing.assert_array_equal(Y, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(ds.labels(Y), lab)
    assert ds.one_hot(lab).shape == (4, 3)
    # a probability of exactly 0.5 is class 0, as accuracy and scikit-learn decide
    p = np.array([[0.2], [0.5], [0.9]])
    want = LabelBinarizer().fit([0, 1]).inverse_transform(p)
    np.testing.assert_array_equal(want, [0, 0, 1])
    np.testing.assert_array_equal(ds.labels(p), want)
    assert gn.metrics.accuracy(p, want[:, None].astype(float)) == 1.0
    np.testing.assert_array_equal(ds.labels(np.array([3, 1])), [3, 1])


def test_encode_labels():
    y, names_ = ds.encode_labels(["cat", "dog", "cat"])
    np.testing.assert_array_equal(y, [[0], [1], [0]])
    assert names_ == ("cat", "dog")
    y, names_ = ds.encode_labels([10, 9, 2, 9])  # numeric order, not text order
    assert names_ == ("2", "9", "10")
    np.testing.assert_array_equal(y, [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0]])


# ------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------
def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_round_trip_string_classes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 2.0, size=(30, 3))
    species = np.array(["setosa", "virginica", "versicolor"])[np.arange(30) % 3]
    lines = ["a,b,species,c"] + [
        f"{float(r[0])!r},{float(r[1])!r},{s},{float(r[2])!r}"
        for r, s in zip(X, species, strict=True)
    ]
    p = _write(tmp_path / "flowers.csv", "\n".join(lines) + "\n")
    d = ds.load_csv(p, target="species", return_info=True)
    np.testing.assert_array_equal(d.X, X)  # repr round-trips floats exactly
    assert d.y.shape == (30, 3)
    assert d.target_names == ("setosa", "versicolor", "virginica")
    assert d.feature_names == ("a", "b", "c")
    assert d.task == "classification" and d.n_classes == 3 and d.name == "flowers"
    want = np.searchsorted(np.array(d.target_names), species)
    np.testing.assert_array_equal(ds.labels(d.y), want)
    _, y2 = ds.load_csv(p, target=2)
    np.testing.assert_array_equal(y2, d.y)
    X3, y3 = ds.load_csv(str(p), target=-2, dtype="float32")
    assert X3.dtype == np.float32 and y3.dtype == np.float32


def test_csv_binary_and_auto_rules(tmp_path):
    p = _write(tmp_path / "b.csv", "x,label\n1,yes\n2,no\n3,yes\n4,no\n")
    X, y = ds.load_csv(p, target="label")
    np.testing.assert_array_equal(y, [[1], [0], [1], [0]])  # 'yes' sorts after 'no'
    assert X.shape == (4, 1)
    # integer target with few distinct values: classification
    p = _write(tmp_path / "i.csv", "x,k\n0.5,1\n0.1,3\n0.2,2\n0.3,3\n")
    d = ds.load_csv(p, return_info=True)
    assert d.task == "classification" and d.target_names == ("1", "2", "3")
    assert d.y.shape == (4, 3)
    # the same file forced to regression
    d = ds.load_csv(p, task="regression", return_info=True)
    np.testing.assert_array_equal(d.y, [[1], [3], [2], [3]])
    # fractional target: regression
    p = _write(tmp_path / "r.csv", "x,t\n1,0.5\n2,1.5\n3,2.25\n")
    d = ds.load_csv(p, return_info=True)
    assert d.task == "regression" and d.y.shape == (3, 1) and d.target_names == ("t",)
    # integer target with many distinct values: regression
    body = "\n".join(f"{i},{i * 7}" for i in range(12))
    p = _write(tmp_path / "many.csv", "x,t\n" + body + "\n")
    assert ds.load_csv(p, return_info=True).task == "regression"
    # numeric labels forced to classification
    p = _write(tmp_path / "f.csv", "x,t\n1,0.5\n2,1.5\n3,0.5\n")
    d = ds.load_csv(p, task="classification", return_info=True)
    assert d.target_names == ("0.5", "1.5")
    np.testing.assert_array_equal(d.y, [[0], [1], [0]])


def test_csv_multi_target_no_header_blank_lines(tmp_path):
    p = _write(tmp_path / "m.csv", "1;2;3\n\n4;5;6\n7;8;9\n")
    X, y = ds.load_csv(p, target=[0, 2], header=False, delimiter=";", task="regression")
    np.testing.assert_array_equal(X, [[2], [5], [8]])
    np.testing.assert_array_equal(y, [[1, 3], [4, 6], [7, 9]])
    d = ds.load_csv(p, target="col1", header=False, delimiter=";", return_info=True)
    assert d.feature_names == ("col0", "col2")


def test_csv_split_standardize_uses_train_statistics(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal([3.0, -2.0], [1.0, 5.0], size=(40, 2))
    cls = (X[:, 0] > 3).astype(int)
    lines = ["f1,f2,cls"] + [
        f"{float(a)!r},{float(b)!r},{c}" for (a, b), c in zip(X, cls, strict=True)
    ]
    p = _write(tmp_path / "s.csv", "\n".join(lines) + "\n")
    Xc, yc = ds.load_csv(p, target="cls")
    X_tr, X_te, _, _, sc = ds.standardized_split(Xc, yc, test_size=0.25, seed=0)
    assert X_tr.shape == (30, 2) and X_te.shape == (10, 2)
    np.testing.assert_allclose(X_tr.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_tr.std(axis=0), 1.0, atol=1e-12)
    assert np.all(X_te.mean(axis=0) != 0.0)
    # the test part is transformed with the training statistics, not its own
    raw_tr, raw_te, _, _ = ds.train_test_split(Xc, yc, test_size=0.25, seed=0)
    np.testing.assert_allclose(sc.mean, raw_tr.mean(axis=0))
    np.testing.assert_allclose(X_te, (raw_te - raw_tr.mean(axis=0)) / raw_tr.std(axis=0))
    np.testing.assert_allclose(sc.inverse_transform(X_te), raw_te)


# ------------------------------------------------------------------------------------------
# split and standardizer
# ------------------------------------------------------------------------------------------
def test_split_partition_and_seed():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20, dtype=float)[:, None]
    a = ds.train_test_split(X, y, test_size=0.25, seed=1)
    b = ds.train_test_split(X, y, test_size=0.25, seed=1)
    c = ds.train_test_split(X, y, test_size=0.25, seed=2)
    assert a[0].shape == (15, 2) and a[1].shape == (5, 2)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    rows = np.concatenate([a[2], a[3]])[:, 0]
    np.testing.assert_array_equal(np.sort(rows), np.arange(20))
    np.testing.assert_array_equal(a[0][:, 0], a[2][:, 0] * 2)  # rows stay paired
    assert ds.train_test_split(X, y, test_size=3)[1].shape == (3, 2)
    assert ds.train_test_split(X, y, test_size=0.01)[1].shape == (1, 2)  # ceil


def test_split_stratified_keeps_class_shares():
    y = ds.one_hot(np.repeat([0, 1, 2], [40, 40, 20]), 3)
    X = np.arange(100, dtype=float)[:, None]
    _, _, y_tr, y_te = ds.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    np.testing.assert_array_equal(y_te.sum(axis=0), [10, 10, 5])
    np.testing.assert_array_equal(y_tr.sum(axis=0), [30, 30, 15])
    yb = (np.arange(10) < 3).astype(float)[:, None]
    _, _, _, yb_te = ds.train_test_split(np.zeros((10, 1)), yb, test_size=0.5, stratify=True)
    assert yb_te.shape == (5, 1) and int(yb_te.sum()) in (1, 2)


def test_standardizer_basics():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    sc = ds.Standardizer()
    assert not sc.fitted
    Z = sc.fit_transform(X)
    np.testing.assert_allclose(Z[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    np.testing.assert_array_equal(Z[:, 1], 0.0)  # constant column: scale 1, no division by 0
    np.testing.assert_allclose(sc.inverse_transform(Z), X)
    assert sc.transform(X.astype(np.float32)).dtype == np.float32


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="name: unknown dataset 'moon'") as e:
        ds.load("moon")
    msg = str(e.value)
    assert "did you mean 'moons'" in msg
    assert all(n in msg for n in ds.names())
    with pytest.raises(TypeError, match="name"):
        ds.load(3)
    with pytest.raises(ValueError, match="unknown dataset"):
        ds.info("nope")


@pytest.mark.parametrize(
    ("name", "kwargs", "exc", "pattern"),
    [
        (
            "moons",
            {"n_samples": 0},
            ValueError,
            r"n_samples: expected an integer in \[2, 10000000\], got 0 \(int\)",
        ),
        (
            "meals",
            {"n_samples": 0},
            ValueError,
            r"n_samples: expected an integer in \[1, 10000000\], got 0 \(int\)",
        ),
        ("moons", {"n_samples": 2.5}, TypeError, r"n_samples: expected an integer"),
        ("moons", {"n_samples": True}, TypeError, r"n_samples"),
        (
            "circles",
            {"noise": -0.1},
            ValueError,
            r"noise: expected a finite number in \[0, 1e\+06\], got -0.1",
        ),
        ("meals", {"noise": float("nan")}, ValueError, r"noise: expected a finite number"),
        ("blobs", {"noise": "big"}, TypeError, r"noise"),
        (
            "spirals",
            {"n_classes": 1},
            ValueError,
            r"n_classes: expected an integer in \[2, 100000\], got 1 \(int\)",
        ),
        (
            "blobs",
            {"n_classes": 1},
            ValueError,
            r"n_classes: expected an integer in \[2, 100000\], got 1",
        ),
        (
            "spirals",
            {"n_classes": 5, "n_samples": 3},
            ValueError,
            r"n_samples: expected an integer in \[5, 10000000\], got 3",
        ),
        (
            "spirals",
            {"turns": 0},
            ValueError,
            r"turns: expected a finite number in \(0, 1e\+06\], got 0",
        ),
        (
            "circles",
            {"factor": 1.5},
            ValueError,
            r"factor: expected a finite number in \(0, 1\), got 1.5",
        ),
        ("circles", {"factor": 0}, ValueError, r"factor"),
        ("blobs", {"centers": [[0, 0, 0]]}, ValueError, r"centers: expected .*\(k, 2\)"),
        ("blobs", {"centers": [[0, 0], [1, 1]], "n_classes": 3}, ValueError, r"n_classes"),
        (
            "moons",
            {"seed": -1},
            ValueError,
            r"seed: expected an integer >= 0 or a numpy Generator or None, got -1",
        ),
        ("moons", {"seed": "a"}, TypeError, r"seed"),
        (
            "digits",
            {"classes": "two"},
            ValueError,
            r"classes: expected one of all, three, got 'two'",
        ),
        (
            "meals",
            {"weekday": "x"},
            ValueError,
            r"weekday: expected one of onehot, cyclic, got 'x'",
        ),
        ("meals", {"scale": "yes"}, TypeError, r"scale"),
        ("diabetes", {"standardize": 1}, TypeError, r"standardize"),
        ("xor", {"noise": 0.1}, TypeError, r"load\('xor'\): unexpected keyword argument 'noise'"),
        ("paper", {"dtype": "int32"}, ValueError, r"dtype: expected 'float64' or 'float32'"),
        ("paper", {"dtype": "nonsense"}, ValueError, r"dtype"),
    ],
)
def test_bad_options(name, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ds.load(name, **kwargs)


@pytest.mark.parametrize(
    ("name", "kwargs", "pattern"),
    [
        ("moons", {"n_samples": MAX_SAMPLES + 1}, rf"n_samples: .*\[2, {MAX_SAMPLES}\], got {MAX_SAMPLES + 1}"),
        ("spirals", {"n_classes": MAX_CLASSES + 1}, rf"n_classes: .*\[2, {MAX_CLASSES}\], got {MAX_CLASSES + 1}"),
        ("moons", {"noise": 2e6}, r"noise: expected a finite number in \[0, 1e\+06\], got 2000000.0"),
        ("spirals", {"turns": 1e7}, r"turns: expected a finite number in \(0, 1e\+06\], got 10000000.0"),
    ],
)  # fmt: skip
def test_generator_bounds_are_kept_and_named(name, kwargs, pattern):
    assert MAX_GENERATOR_PARAMETER == 1e6
    with pytest.raises(ValueError, match=pattern):
        ds.load(name, **kwargs)
    # at the bound itself it is accepted
    at = {k: (MAX_GENERATOR_PARAMETER if isinstance(v, float) else None) for k, v in kwargs.items()}
    if all(v is not None for v in at.values()):
        ds.load(name, n_samples=10, **at)


def test_generator_kinds_are_type_errors():
    with pytest.raises(TypeError, match=r"weekday: expected one of onehot, cyclic, got 3 \(int\)"):
        ds.load("meals", weekday=3)
    with pytest.raises(TypeError, match=r"seed: expected an integer >= 0 .*, got 1.5 \(float\)"):
        ds.load("moons", seed=1.5)
    with pytest.raises(TypeError, match=r"name: expected one of paper, .*got 3 \(int\)"):
        ds.load(3)
    with pytest.raises(
        ValueError, match=r"name: unknown dataset 'MOONZ'; .*\(did you mean 'moons'\?\)"
    ):
        ds.load("MOONZ")


def test_label_helper_errors():
    with pytest.raises(ValueError, match=r"labels: expected class indices in \[0, 2\)"):
        ds.one_hot([0, 2], 2)
    with pytest.raises(ValueError, match="labels: expected integer"):
        ds.one_hot([0.5, 1.0])
    with pytest.raises(ValueError, match="n_classes"):
        ds.one_hot(np.array([], dtype=int))
    with pytest.raises(ValueError, match="at least 2 distinct classes"):
        ds.encode_labels(["a", "a"])
    with pytest.raises(ValueError, match="y: expected shape"):
        ds.labels(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="y: expected numeric"):
        ds.labels(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="integer class labels"):
        ds.labels(np.array([0.5, 1.0]))


@pytest.mark.parametrize(
    ("text", "kwargs", "pattern"),
    [
        ("", {}, r"the file is empty"),
        ("a,b\n", {}, r"no data rows"),
        ("a,b\n1,2\n", {}, r"only one data row \(line 2\)"),
        ("a,b\n1,2\n3,\n", {}, r"line 3, column 'b': missing value ''"),
        ("a,b\n1,2\nNA,4\n", {}, r"line 3, column 'a': missing value 'NA'"),
        ("a,b\n1,2\nred,4\n", {}, r"line 3, column 'a': expected a number, got 'red'"),
        ("a,b\n1,2\ninf,4\n", {}, r"line 3, column 'a': expected a finite number"),
        ("a,b\n1,2\n3,4,5\n", {}, r"line 3: expected 2 fields .*got 3"),
        ("a,b\n1,2\n3,4\n", {"target": "c"}, r"target: no column named 'c' .*columns are: a, b"),
        ("a,b\n1,2\n3,4\n", {"target": 5}, r"target: column index 5 is out of range"),
        ("a,b\n1,x\n3,y\n", {"task": "regression"}, r"line 2, column 'b': regression needs"),
        ("a,b\n1,x\n3,x\n", {}, r"column 'b': classification needs at least 2 classes"),
        ("a\n1\n2\n", {}, r"only 1 column"),
        ("a,b\n1,2\n3,4\n", {"target": ["a", "b"]}, r"no features are left"),
        ("a,b,c\n1,2,3\n3,4,5\n", {"target": ["b", "b"]}, r"same column"),
        ("a,a,b\n1,2,3\n3,4,5\n", {"target": "a"}, r"appears 2 times"),
        ("a,b\n1,2\n3,4\n", {"task": "cluster"}, r"task: expected 'auto'"),
        ("a,b,c\n1,2,1\n3,4,2\n", {"target": [1, 2], "task": "classification"}, r"one target"),
    ],
)
def test_csv_errors_name_file_and_place(tmp_path, text, kwargs, pattern):
    p = _write(tmp_path / "bad.csv", text)
    with pytest.raises(ValueError, match=pattern) as e:
        ds.load_csv(p, **kwargs)
    if not pattern.startswith(("task:", "same", "one target")):
        assert "bad.csv" in str(e.value)


def test_csv_missing_file_and_bad_target_type(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        ds.load_csv(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="directory"):
        ds.load_csv(tmp_path)
    p = _write(tmp_path / "ok.csv", "a,b\n1,2\n3,4\n")
    with pytest.raises(TypeError, match="target"):
        ds.load_csv(p, target=1.5)
    with pytest.raises(ValueError, match="delimiter"):
        ds.load_csv(p, delimiter=";;")


def test_split_and_standardizer_errors():
    X = np.zeros((10, 2))
    y = np.zeros((10, 1))
    with pytest.raises(ValueError, match=r"test_size: expected a fraction in \(0, 1\), got 1.5"):
        ds.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match=r"test_size: expected a row count in \[1, 9\]"):
        ds.train_test_split(X, y, test_size=10)
    with pytest.raises(ValueError, match="leaves no training rows"):
        ds.train_test_split(X[:2], y[:2], test_size=0.9)
    with pytest.raises(TypeError, match="test_size"):
        ds.train_test_split(X, y, test_size="a")
    with pytest.raises(ValueError, match="y: expected 10 rows to match X, got 9"):
        ds.train_test_split(X, y[:9])
    with pytest.raises(ValueError, match="X: expected at least 2 rows"):
        ds.train_test_split(X[:1], y[:1])
    with pytest.raises(ValueError, match=r"X: expected a 2-D array"):
        ds.train_test_split(np.zeros(10), y)
    with pytest.raises(ValueError, match="stratify: expected class targets"):
        ds.train_test_split(X, np.linspace(0, 1, 10)[:, None], stratify=True)
    sc = ds.Standardizer()
    with pytest.raises(ValueError, match="not fitted"):
        sc.transform(X)
    sc.fit(X)
    with pytest.raises(ValueError, match=r"X: expected 2 columns .*got 3"):
        sc.transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite"):
        ds.Standardizer().fit([[np.nan, 1.0]])
