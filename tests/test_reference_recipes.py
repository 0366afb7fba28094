"""Data recipes (``glassnet.datasets.recipes``) against their documented definitions.

Each generator is checked against its docstring's formula computed here by hand (the
targets from the inputs, the noise as the documented generator's next draws), the features
against their formulas, the split rule against its statement ("at least one test point and
two training points", counted as ``train_test_split`` counts), and every refusal word for word.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet.datasets import load, train_test_split
from glassnet.datasets.recipes import (
    FEATURES,
    RECIPE_DATASETS,
    RECIPE_KEYS,
    add_features,
    check_recipe,
    from_recipe,
    quadrants,
    recipe_data,
    regression,
    split_data,
)

PAPER_X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=float)
PAPER_Y = np.array([[0], [1], [1], [0]], dtype=float)


# --- the generators --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 7, 2**31 - 1])
def test_quadrants_are_tensorflow_playgrounds_xor(seed):
    X, y = quadrants(500, 0.0, seed)
    assert X.shape == (500, 2) and y.shape == (500, 1)
    # uniform in [-1, 1]^2, at least 0.05 from both axes; class 1 where x1 x2 > 0
    assert (np.abs(X) >= 0.05).all() and (np.abs(X) <= 1.0).all()
    np.testing.assert_array_equal(y[:, 0], (X[:, 0] * X[:, 1] > 0).astype(float))
    # every quadrant is drawn (about a quarter each)
    for sx in (-1, 1):
        for sy in (-1, 1):
            share = np.mean((np.sign(X[:, 0]) == sx) & (np.sign(X[:, 1]) == sy))
            assert 0.18 < share < 0.32, (sx, sy, share)


def test_quadrants_noise_is_added_after_the_labels():
    clean, y0 = quadrants(300, 0.0, 3)
    noisy, y1 = quadrants(300, 0.5, 3)
    np.testing.assert_array_equal(y0, y1)  # labelled before the noise
    # the noise: the documented generator's next 2n standard normal draws, times 0.5
    rng = np.random.default_rng(3)
    rng.uniform(size=(300, 2))
    rng.choice([-1.0, 1.0], (300, 2))
    np.testing.assert_allclose(noisy - clean, 0.5 * rng.standard_normal((300, 2)), atol=1e-15)
    assert 0.45 < np.std(noisy - clean) < 0.55


def _bumps(X):
    # four Gaussian bumps of width 0.25 at (+-0.5, +-0.5): up where x1 x2 > 0, down elsewhere
    total = np.zeros(len(X))
    for cx, cy, s in ((0.5, 0.5, 1), (-0.5, -0.5, 1), (0.5, -0.5, -1), (-0.5, 0.5, -1)):
        total += s * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / (2 * 0.0625))
    return total


@pytest.mark.parametrize(
    "name, low, high, formula",
    [
        ("plane", -1.0, 1.0, lambda X: 0.6 * X[:, 0] - 0.4 * X[:, 1]),
        ("bumps", -1.0, 1.0, _bumps),
        ("sine", -3.0, 3.0, lambda X: np.sin(X[:, 0])),
    ],
)
def test_regression_sets_are_their_formulas(name, low, high, formula):
    X, y = regression(name, 400, 0.0, 5)
    assert X.shape == (400, 2) and y.shape == (400, 1)
    assert (X >= low).all() and (X <= high).all()
    assert X.min() < low + 0.1 and X.max() > high - 0.1  # the whole square is drawn
    np.testing.assert_allclose(y[:, 0], formula(X), rtol=1e-12, atol=1e-15)
    # noise on the target only: the inputs stay, the residual is the generator's next draws
    Xn, yn = regression(name, 400, 0.2, 5)
    np.testing.assert_array_equal(Xn, X)
    rng = np.random.default_rng(5)
    rng.uniform(size=(400, 2))
    np.testing.assert_allclose(yn[:, 0] - y[:, 0], 0.2 * rng.standard_normal(400), atol=1e-14)


def test_the_bumps_peak_and_dip_at_their_centres():
    X = np.array([[0.5, 0.5], [-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.0, 0.0]])
    # at a centre: its own bump (1), the two at distance 1 (exp(-8) each, opposite sign) and
    # the one at distance sqrt(2) (exp(-16), same sign); at the origin they cancel
    peak = 1 - 2 * math.exp(-8) + math.exp(-16)
    np.testing.assert_allclose(_bumps(X), [peak, peak, -peak, -peak, 0.0], atol=1e-15)


def test_regression_names_its_sets():
    with pytest.raises(ValueError) as err:
        regression("line", 5, 0.0, 0)
    assert str(err.value) == (
        "name: expected one of plane, bumps, sine, got 'line' (str) (did you mean 'sine'?)"
    )


# --- input features --------------------------------------------------------------------------


def test_features_are_appended_in_one_order_with_their_formulas():
    X = np.array([[0.5, -2.0, 9.0], [3.0, 0.25, 9.0]])
    a, b = X[:, 0], X[:, 1]
    formulas = {
        "x1sq": a**2, "x2sq": b**2, "x1x2": a * b, "sinx1": np.sin(a), "sinx2": np.sin(b),
    }  # fmt: skip
    assert list(FEATURES) == list(formulas)
    every = add_features(X, list(reversed(formulas)))  # any order in, FEATURES' order out
    np.testing.assert_allclose(every, np.column_stack([X, *formulas.values()]), rtol=1e-15)
    assert [label for label, _ in FEATURES.values()] == ["x1²", "x2²", "x1·x2", "sin x1",
                                                         "sin x2"]  # fmt: skip
    got = add_features(X, ("x1x2", "x1sq"))
    np.testing.assert_allclose(got, np.column_stack([X, a**2, a * b]), rtol=1e-15)
    assert add_features(X, []) is X


@pytest.mark.parametrize(
    "features, error, message",
    [
        (["x1sq", "x1sq"], ValueError,
         "features: expected each feature at most once, got ['x1sq', 'x1sq']"),
        ("x1sq", TypeError, "features: expected a list or a tuple, got 'x1sq' (str)"),
        (["zz"], ValueError,
         "features: expected one of x1sq, x2sq, x1x2, sinx1, sinx2, got 'zz' (str)"),
    ],
)  # fmt: skip
def test_features_refused_by_name(features, error, message):
    with pytest.raises(error) as err:
        add_features(np.zeros((2, 2)), features)
    assert str(err.value) == message
    with pytest.raises(error) as err:  # in a recipe, the key is named as the recipe's
        check_recipe({"dataset": "moons", "features": features})
    assert str(err.value) == "recipe " + message


# --- checking a recipe -----------------------------------------------------------------------


def test_a_recipe_is_completed_with_its_defaults_in_key_order():
    assert RECIPE_KEYS == ("dataset", "n_samples", "noise", "seed", "test_size", "features")
    got = check_recipe({"features": ("x1x2",), "dataset": "moons"})
    assert got == {"dataset": "moons", "n_samples": 200, "noise": 0.1, "seed": 0,
                   "test_size": 0.0, "features": ["x1x2"]}  # fmt: skip
    assert list(got) == list(RECIPE_KEYS)
    # each generated set's own default noise (the catalog's), 0 for the recipe-only sets
    noises = {name: check_recipe({"dataset": name})["noise"] for name in RECIPE_DATASETS[4:]}
    assert noises == {"moons": 0.1, "circles": 0.05, "spirals": 0.05, "blobs": 1.0,
                      "quadrants": 0.0, "plane": 0.0, "bumps": 0.0, "sine": 0.0}  # fmt: skip
    for name in ("paper", "xor", "and", "or"):
        assert check_recipe({"dataset": name}) == {
            "dataset": name, "n_samples": None, "noise": None, "seed": 0, "test_size": 0.0,
            "features": [],
        }  # fmt: skip
    # numbers come back as Python numbers of the documented kinds
    got = check_recipe({"dataset": "plane", "n_samples": np.int64(4), "noise": 1,
                        "seed": np.int32(2**31 - 1), "test_size": 0.9})  # fmt: skip
    assert got["n_samples"] == 4 and type(got["n_samples"]) is int
    assert got["noise"] == 1.0 and type(got["noise"]) is float
    assert got["seed"] == 2**31 - 1 and type(got["seed"]) is int
    assert got["test_size"] == 0.9 and type(got["test_size"]) is float


@pytest.mark.parametrize(
    "recipe, error, message",
    [
        ({"dataset": "moons", "n_sampels": 3}, ValueError,
         "recipe: unknown key 'n_sampels'; expected dataset, n_samples, noise, seed, test_size, "
         "features (did you mean 'n_samples'?)"),
        ({"n_samples": 3}, ValueError, "recipe: the key 'dataset' is missing"),
        ({"dataset": "paper", "n_samples": 10}, ValueError,
         "recipe n_samples: the paper set has a fixed 4 cases, expected None, got 10"),
        ({"dataset": "or", "noise": 0.1}, ValueError,
         "recipe noise: the or set has a fixed 4 cases, expected None, got 0.1"),
        ({"dataset": "xor", "test_size": 0.5}, ValueError,
         "recipe test_size: the xor set's 4 cases are all training data, expected 0, got 0.5"),
        ({"dataset": "moons", "n_samples": 3}, ValueError,
         "recipe n_samples: expected an integer in [4, 10000000], got 3 (int)"),
        ({"dataset": "moons", "n_samples": 10_000_001}, ValueError,
         "recipe n_samples: expected an integer in [4, 10000000], got 10000001 (int)"),
        ({"dataset": "moons", "test_size": 0.95}, ValueError,
         "recipe test_size: expected a finite number in [0, 0.9], got 0.95 (float)"),
        ({"dataset": "moons", "test_size": -0.1}, ValueError,
         "recipe test_size: expected a finite number in [0, 0.9], got -0.1 (float)"),
        ({"dataset": "moons", "seed": 2**31}, ValueError,
         "recipe seed: expected an integer in [0, 2147483647], got 2147483648 (int)"),
        ({"dataset": "moons", "seed": -1}, ValueError,
         "recipe seed: expected an integer in [0, 2147483647], got -1 (int)"),
        ({"dataset": "moons", "noise": -1}, ValueError,
         "recipe noise: expected a finite number in [0, 1e+06], got -1 (int)"),
        ({"dataset": "moonz"}, ValueError,
         "recipe dataset: expected one of paper, xor, and, or, moons, circles, spirals, blobs, "
         "quadrants, plane, bumps, sine, got 'moonz' (str) (did you mean 'moons'?)"),
        ([1, 2], TypeError, "recipe: expected a mapping of recipe keys, got [1, 2] (list)"),
    ],
)  # fmt: skip
def test_a_bad_recipe_is_refused_naming_its_key(recipe, error, message):
    with pytest.raises(error) as err:
        check_recipe(recipe)
    assert str(err.value) == message


# --- the data a recipe makes -----------------------------------------------------------------


def test_fixed_sets_are_their_four_cases():
    X, y = recipe_data({"dataset": "paper"})
    np.testing.assert_array_equal(X, PAPER_X)
    np.testing.assert_array_equal(y, PAPER_Y)
    X, y = recipe_data({"dataset": "xor"})
    assert X.shape == (4, 2) and y.shape == (4, 1)
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]).astype(float))
    X, y = recipe_data({"dataset": "and"})
    np.testing.assert_array_equal(y[:, 0], np.logical_and(X[:, 0], X[:, 1]).astype(float))
    X, y = recipe_data({"dataset": "or"})
    np.testing.assert_array_equal(y[:, 0], np.logical_or(X[:, 0], X[:, 1]).astype(float))


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "blobs"])
def test_generated_sets_are_the_engines_with_the_recipes_numbers(name):
    X, y = recipe_data({"dataset": name, "n_samples": 60, "noise": 0.2, "seed": 4})
    Xl, yl = load(name, n_samples=60, noise=0.2, seed=4)
    np.testing.assert_array_equal(X, Xl)
    np.testing.assert_array_equal(y, yl if yl.ndim == 2 else yl[:, None])
    assert X.dtype == y.dtype == np.float64 and y.ndim == 2


def test_recipe_only_sets_are_their_generators():
    X, y = recipe_data({"dataset": "quadrants", "n_samples": 50, "noise": 0.1, "seed": 2})
    Xq, yq = quadrants(50, 0.1, 2)
    np.testing.assert_array_equal(X, Xq)
    np.testing.assert_array_equal(y, yq)
    X, y = recipe_data({"dataset": "bumps", "n_samples": 50, "seed": 2})
    Xb, yb = regression("bumps", 50, 0.0, 2)
    np.testing.assert_array_equal(X, Xb)
    np.testing.assert_array_equal(y, yb)


@pytest.mark.parametrize(
    "n, test_size, n_test",
    [
        (10, 0.25, 3),  # ceil(2.5) test rows, as train_test_split counts
        (200, 0.3, 60),
        (5, 0.1, 1),  # ceil(0.5) = 1 test row, 4 training rows: a split
        (4, 0.25, 1),
        (4, 0.5, 2),  # 2 and 2
        (4, 0.6, 0),  # ceil(2.4) = 3 would leave 1 training row: no split
        (3, 0.5, 0),  # ceil(1.5) = 2 would leave 1
        (20, 0.9, 18),  # 2 training rows left
        (10, 0.9, 0),  # 9 of 10 would leave 1
        (10, 0.0, 0),
    ],
)
def test_the_split_keeps_one_test_point_and_two_training_points_or_none(n, test_size, n_test):
    rng = np.random.default_rng(n)
    X, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 1))
    X_tr, y_tr, X_te, y_te = split_data(X, y, test_size, 8)
    assert len(X_te) == len(y_te) == n_test and len(X_tr) == len(y_tr) == n - n_test
    if n_test:
        want = train_test_split(X, y, test_size=test_size, seed=8)
        for got, ref in zip((X_tr, X_te, y_tr, y_te), want, strict=True):
            np.testing.assert_array_equal(got, ref)
    else:  # every point trains, in its order; the test set is empty with the right columns
        np.testing.assert_array_equal(X_tr, X)
        np.testing.assert_array_equal(y_tr, y)
        assert X_te.shape == (0, 2) and y_te.shape == (0, 1)


def test_from_recipe_splits_then_adds_the_features_to_both_parts():
    recipe = {"dataset": "circles", "n_samples": 40, "noise": 0.05, "seed": 6,
              "test_size": 0.25, "features": ["x2sq", "x1sq"]}  # fmt: skip
    X_tr, y_tr, X_te, y_te = from_recipe(recipe)
    X, y = load("circles", n_samples=40, noise=0.05, seed=6)
    a_tr, a_te, b_tr, b_te = train_test_split(X, y[:, None] if y.ndim == 1 else y,
                                              test_size=0.25, seed=6)  # fmt: skip
    assert X_tr.shape == (30, 4) and X_te.shape == (10, 4)
    for got, base in ((X_tr, a_tr), (X_te, a_te)):
        np.testing.assert_array_equal(got[:, :2], base)
        np.testing.assert_allclose(got[:, 2:], np.column_stack([base[:, 0] ** 2,
                                                                base[:, 1] ** 2]))  # fmt: skip
    np.testing.assert_array_equal(y_tr, b_tr)
    np.testing.assert_array_equal(y_te, b_te)
    # the fixed sets: all four cases train, none tests
    X_tr, y_tr, X_te, y_te = from_recipe({"dataset": "paper"})
    np.testing.assert_array_equal(X_tr, PAPER_X)
    np.testing.assert_array_equal(y_tr, PAPER_Y)
    assert X_te.shape == (0, 3) and y_te.shape == (0, 1)
