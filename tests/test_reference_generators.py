"""Each generated data set is its documented formula, recovered from the points it returns.

Without noise every point sits exactly where its formula puts it, so the formula's parameter can
be read back from the point: the angle of a moon or circle point, the radius and the angle of a
spiral point. Those recovered parameters must follow the documented distributions (a
Kolmogorov-Smirnov test against ``U(0, pi)``, ``U(0, 2 pi)``, ``U(0, 1)``), and a spiral point's
angle must be its radius's, arm by arm. The meals generator's draws cover their documented
ranges, and every data set describes itself (names, shapes, task, description) as the
documentation says. The bounds of every option are checked with their messages.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from glassnet import datasets as ds
from glassnet.datasets import generators

N = 4000


def _uniform(values, low, high):
    """A KS test of U(low, high); with 2000 draws a wrong range fails far beyond 1e-6."""
    assert sps.kstest(values, "uniform", args=(low, high - low)).pvalue > 1e-6


def test_moon_angles_are_uniform_on_zero_to_pi():
    d = ds.load("moons", n_samples=N, noise=0.0, seed=1, return_info=True)
    c = d.y[:, 0]
    X0, X1 = d.X[c == 0], d.X[c == 1]
    # class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t)
    t0 = np.arctan2(X0[:, 1], X0[:, 0])
    t1 = np.arctan2(0.5 - X1[:, 1], 1 - X1[:, 0])
    for t in (t0, t1):
        assert len(t) == N // 2
        _uniform(t, 0.0, math.pi)


def test_circle_angles_are_uniform_all_round():
    d = ds.load("circles", n_samples=N, noise=0.0, seed=2, factor=0.3, return_info=True)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    np.testing.assert_allclose(r, np.where(d.y[:, 0] == 1, 0.3, 1.0), rtol=1e-12)
    angle = np.mod(np.arctan2(d.X[:, 1], d.X[:, 0]), 2 * math.pi)
    for c in (0, 1):
        _uniform(angle[d.y[:, 0] == c], 0.0, 2 * math.pi)


@pytest.mark.parametrize(("k", "turns"), [(2, 1.0), (3, 0.5), (5, 1.7)])
def test_spiral_points_sit_on_their_arm(k, turns):
    X, y = ds.load("spirals", n_samples=N, noise=0.0, seed=3, n_classes=k, turns=turns)
    c = ds.labels(y)
    r = np.hypot(X[:, 0], X[:, 1])  # r = t ~ U(0, 1)
    _uniform(r, 0.0, 1.0)
    # theta = 2 pi (c / k + turns t): the point's angle, modulo a whole turn
    theta = 2 * math.pi * (c / k + turns * r)
    gap = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - theta)))
    assert np.abs(gap).max() < 1e-9
    assert np.bincount(c).tolist() == [N // k + (i < N % k) for i in range(k)]


def test_meals_draws_cover_their_ranges_and_noise_is_clipped_at_zero():
    d = ds.load("meals", n_samples=20_000, noise=0.0, seed=4, scale=False, return_info=True)
    students = d.X[:, 0]
    assert students.min() == 20 and students.max() == 400
    assert (students == np.round(students)).all()
    meal = d.X[:, 1:4].argmax(axis=1)
    day = d.X[:, 4:].argmax(axis=1)
    assert np.bincount(meal, minlength=3).min() > 6000  # all three, about evenly
    assert np.bincount(day, minlength=7).min() > 2600  # all seven
    rate = np.array([generators.MEAL_RATE[m] for m in generators.MEALS])
    dayf = np.array([generators.DAY_FACTOR[w] for w in generators.WEEKDAYS])
    np.testing.assert_allclose(d.y[:, 0], 10 + students * rate[meal] * dayf[day], rtol=1e-12)
    # huge relative noise: negative portions are clipped to exactly 0, not to anything else
    noisy = ds.load("meals", n_samples=2000, noise=3.0, seed=4, return_info=True)
    assert noisy.y.min() == 0.0 and (noisy.y == 0).mean() > 0.3
    positive = noisy.y[:, 0] > 0
    np.testing.assert_array_equal(noisy.y[positive, 0] > 0, True)


def test_meals_encodings_and_what_they_describe():
    d = ds.load("meals", n_samples=30, weekday="cyclic", scale=False, return_info=True)
    assert d.feature_names == ("students", "meal=breakfast", "meal=lunch", "meal=dinner",
                               "weekday_sin", "weekday_cos")  # fmt: skip
    assert d.meta["unit"] == 1.0 and d.meta["weekday"] == "cyclic"
    angle = np.arctan2(d.X[:, 4], d.X[:, 5])  # sin, cos of 2 pi d / 7
    days = np.mod(np.round(angle / (2 * math.pi / 7)), 7)
    np.testing.assert_allclose(d.X[:, 4], np.sin(2 * math.pi * days / 7), atol=1e-12)
    h = ds.load("meals", n_samples=30, return_info=True)
    assert h.feature_names[4:] == tuple(f"weekday={w}" for w in generators.WEEKDAYS)
    assert h.meta["unit"] == 100.0 and h.meta["weekday"] == "onehot"


# --- what each data set says about itself ---------------------------------------------------------

DESCRIBED = {  # name: (X shape, y shape, task, n_classes, feature names, class/target names)
    "paper": ((4, 3), (4, 1), "classification", 2, ("x1", "x2", "x3"), ("0", "1"),
              "the paper's 4 cases: 3 binary inputs, target = first input"),
    "xor": ((4, 2), (4, 1), "classification", 2, ("x1", "x2"), ("0", "1"), "x1 XOR x2, 4 cases"),
    "and": ((4, 2), (4, 1), "classification", 2, ("x1", "x2"), ("0", "1"), "x1 AND x2, 4 cases"),
    "or": ((4, 2), (4, 1), "classification", 2, ("x1", "x2"), ("0", "1"), "x1 OR x2, 4 cases"),
    "moons": ((200, 2), (200, 1), "classification", 2, ("x1", "x2"), ("class 0", "class 1"),
              "two interleaving half circles"),
    "circles": ((200, 2), (200, 1), "classification", 2, ("x1", "x2"), ("class 0", "class 1"),
                "a small circle inside a large one"),
    "spirals": ((200, 2), (200, 1), "classification", 2, ("x1", "x2"), ("class 0", "class 1"),
                "2 interleaved spiral arms"),
    "blobs": ((200, 2), (200, 3), "classification", 3, ("x1", "x2"),
              ("class 0", "class 1", "class 2"), "3 Gaussian clusters"),
    "meals": ((500, 11), (500, 1), "regression", None, None, ("portions",),
              "synthetic: portions to cook from students, meal and weekday"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DESCRIBED))
def test_each_data_set_describes_itself_as_documented(name):
    xs, ys, task, k, features, targets, description = DESCRIBED[name]
    d = ds.load(name, return_info=True)
    assert (d.X.shape, d.y.shape, d.task, d.n_classes) == (xs, ys, task, k)
    assert d.X.dtype == d.y.dtype == np.float64
    if features is not None:
        assert d.feature_names == features
    assert d.target_names == targets and d.description == description
    assert d.name == name and isinstance(d.meta, dict)
    if task == "classification":
        assert set(np.unique(d.y)) <= {0.0, 1.0}


def test_blob_centres_are_in_the_record():
    d = ds.load("blobs", n_classes=4, return_info=True)
    angle = 2 * math.pi * np.arange(4) / 4
    np.testing.assert_allclose(d.meta["centers"], 3 * np.c_[np.cos(angle), np.sin(angle)],
                               atol=1e-15)  # fmt: skip
    given = np.array([[0.0, 0.0], [5.0, -1.0]])
    d = ds.load("blobs", centers=given, n_samples=10, return_info=True)
    np.testing.assert_array_equal(d.meta["centers"], given)
    assert d.y.shape == (10, 1) and d.description == "2 Gaussian clusters"


# --- the options' bounds, with their messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "message"),
    [
        ("moons", dict(n_samples=1), ValueError, "n_samples: expected an integer in [2, 10000000]"),
        ("circles", dict(n_samples=1), ValueError, "n_samples: expected an integer in [2, "),
        ("meals", dict(n_samples=0), ValueError, "n_samples: expected an integer in [1, "),
        ("spirals", dict(n_samples=2, n_classes=3), ValueError,
         "n_samples: expected an integer in [3, "),
        ("blobs", dict(n_samples=2), ValueError, "n_samples: expected an integer in [3, "),
        ("blobs", dict(n_samples=10**8), ValueError, "n_samples: expected an integer in [3, 10000000]"),
        ("circles", dict(n_samples=10**8), ValueError, "n_samples: expected an integer in [2, 10000000]"),
        ("spirals", dict(noise=-0.1), ValueError, "noise: expected a finite number in [0, "),
        ("blobs", dict(noise=-0.1), ValueError, "noise: expected a finite number in [0, "),
        ("meals", dict(scale="yes"), TypeError, "scale: expected True or False"),
        ("spirals", dict(n_classes=1), ValueError, "n_classes: expected an integer in [2, "),
        ("blobs", dict(n_classes=1), ValueError, "n_classes: expected an integer in [2, "),
        ("blobs", dict(centers=[[0.0, 0.0], [1.0, 1.0]], n_classes=3), ValueError,
         "n_classes: expected 2 (the number of centers given) or None, got 3"),
        ("blobs", dict(centers=[[0.0, 0.0], [1.0, 1.0]], n_classes=1), ValueError,
         "n_classes: expected an integer in [2, "),
        ("blobs", dict(centers=[0.0, 1.0]), ValueError,
         "centers: expected a finite array of shape (k, 2) with k >= 2, got shape (2,)"),
        ("blobs", dict(centers=[[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]), ValueError,
         "centers: expected a finite array of shape (k, 2) with k >= 2, got shape (2, 3)"),
        ("blobs", dict(centers=[[0.0, 1.0]]), ValueError,
         "centers: expected a finite array of shape (k, 2) with k >= 2, got shape (1, 2)"),
        ("blobs", dict(centers=[[0.0, np.nan], [1.0, 1.0]]), ValueError,
         "centers: expected a finite array of shape (k, 2) with k >= 2, got shape (2, 2)"),
        ("blobs", dict(centers=[[0.0, 2e6], [1.0, 1.0]]), ValueError,
         "centers: expected at most 100000 centers with coordinates within +-1e+06, got 2 up to 2e+06"),
        ("blobs", dict(centers=[["a", "b"], ["c", "d"]]), TypeError, "centers: "),
    ],
)  # fmt: skip
def test_generator_options_out_of_bounds_name_themselves(name, kwargs, error, message):
    with pytest.raises(error) as info:
        ds.load(name, **kwargs)
    assert str(info.value).startswith(message), str(info.value)


def test_generator_options_at_their_bounds_are_accepted():
    assert ds.load("moons", n_samples=2)[0].shape == (2, 2)
    assert ds.load("meals", n_samples=1)[0].shape == (1, 11)
    assert ds.load("spirals", n_samples=3, n_classes=3)[1].shape == (3, 3)
    assert ds.load("blobs", n_samples=3)[1].shape == (3, 3)
    big = 1e6  # MAX_GENERATOR_PARAMETER, inclusive
    X, _ = ds.load("blobs", centers=[[0.0, big], [-big, 1.0]], n_samples=4, noise=0.0)
    assert np.abs(X).max() == big
    X, y = ds.load("blobs", centers=[[0.0, 0.0], [1.0, 1.0]], n_classes=2, n_samples=4)
    assert y.shape == (4, 1)


@pytest.mark.parametrize(
    ("kwargs", "shape", "k", "targets", "description", "meta"),
    [
        (dict(classes="all"), (1797, 10), 10, tuple("0123456789"),
         "8x8 handwritten digits, 10 classes", {"classes": "all"}),
        (dict(classes="three"), (1797, 1), 2, ("not three", "three"),
         "8x8 digits: three vs not three", {"classes": "three"}),
    ],
)  # fmt: skip
def test_digits_describe_themselves(kwargs, shape, k, targets, description, meta):
    d = ds.load("digits", return_info=True, **kwargs)
    assert (d.name, d.task, d.n_classes, d.y.shape) == ("digits", "classification", k, shape)
    assert d.target_names == targets and d.description == description and d.meta == meta
    assert d.feature_names == tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    assert d.y.dtype == np.float64 and set(np.unique(d.y)) == {0.0, 1.0}
    if k == 2:
        assert int(d.y.sum()) == 183  # the 3s
    else:
        np.testing.assert_array_equal(d.y.sum(axis=1), 1.0)


@pytest.mark.parametrize("standardize", [True, False])
def test_diabetes_describes_itself(standardize):
    d = ds.load("diabetes", standardize=standardize, return_info=True)
    assert (d.name, d.task, d.n_classes) == ("diabetes", "regression", None)
    assert d.target_names == ("progression",)
    assert d.description == "diabetes progression after one year (regression)"
    assert d.feature_names == ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    assert d.meta["standardized"] is standardize
    if standardize:
        assert sorted(d.meta) == ["standardized", "x_mean", "x_std", "y_mean", "y_std"]
    else:
        assert d.meta == {"standardized": False}
    with pytest.raises(TypeError) as info:
        ds.load("diabetes", standardize="yes")
    assert str(info.value) == "standardize: expected True or False, got 'yes' (str)"
