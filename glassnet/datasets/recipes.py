"""Data recipes: a data set written as plain data, and the one function that makes it.

A recipe is a small JSON-ready dict::

    {"dataset": "quadrants", "n_samples": 200, "noise": 0.05, "seed": 0,
     "test_size": 0.3, "features": ["x1sq", "x1x2"]}

and :func:`from_recipe` turns it into ``(X_train, y_train, X_test, y_test)``, the arrays a
network trains and is tested on. The playground writes the recipe of its data into every model
file it exports (``extra["data"]``), so Python and the command line remake exactly the data the
page trained on, number for number.

The data sets a recipe can name (:data:`RECIPE_DATASETS`):

* the fixed sets ``paper``, ``xor``, ``and``, ``or`` (4 cases each, all used for training:
  ``n_samples`` and ``noise`` must be None, ``test_size`` 0);
* the engine's 2-D sets ``moons``, ``circles``, ``spirals``, ``blobs``
  (:func:`glassnet.datasets.load` with ``n_samples``, ``noise`` and ``seed``);
* ``quadrants`` (:func:`quadrants`, TensorFlow Playground's XOR) and the regression sets
  ``plane``, ``bumps``, ``sine`` (:func:`regression`).

``features`` appends computed inputs to the first two columns (:data:`FEATURES`: ``x1sq`` is
``x1^2``, ``x1x2`` is ``x1 x2``, ...), always in :data:`FEATURES`'s order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassnet._validation import (
    MAX_GENERATOR_PARAMETER,
    MAX_SAMPLES,
    Instance,
    Interval,
    Options,
    check,
    did_you_mean,
    known_keywords,
)
from glassnet.datasets.catalog import load
from glassnet.datasets.split import train_test_split

__all__ = [
    "FEATURES",
    "FIXED_SETS",
    "RECIPE_DATASETS",
    "RECIPE_KEYS",
    "REGRESSION_SETS",
    "add_features",
    "check_recipe",
    "from_recipe",
    "quadrants",
    "recipe_data",
    "regression",
    "split_data",
]

#: The sets of a few fixed cases: all of them are training data.
FIXED_SETS = ("paper", "xor", "and", "or")
#: The engine's generated 2-D sets (:func:`glassnet.datasets.load`).
ENGINE_SETS = ("moons", "circles", "spirals", "blobs")
#: The regression sets of :func:`regression`.
REGRESSION_SETS = ("plane", "bumps", "sine")
#: Every data set a recipe may name.
RECIPE_DATASETS = (*FIXED_SETS, *ENGINE_SETS, "quadrants", *REGRESSION_SETS)
#: The keys of a recipe, in order.
RECIPE_KEYS = ("dataset", "n_samples", "noise", "seed", "test_size", "features")
#: The largest test share: at least a tenth of the data stays for training.
MAX_TEST_SIZE = 0.9

#: Input features computed from the first two inputs: name -> (label, function of x1, x2).
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1sq": ("x1²", lambda a, b: a * a),
    "x2sq": ("x2²", lambda a, b: b * b),
    "x1x2": ("x1·x2", lambda a, b: a * b),
    "sinx1": ("sin x1", lambda a, b: np.sin(a)),
    "sinx2": ("sin x2", lambda a, b: np.sin(b)),
}


@known_keywords
def quadrants(n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """TensorFlow Playground's XOR: points in [-1, 1]^2, class 1 where x1 * x2 > 0.

    Points are drawn uniformly with ``numpy.random.default_rng(seed)`` and kept at least
    0.05 from both axes; Gaussian noise of standard deviation ``noise`` is added afterwards.

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y : ndarray, shape (n_samples, 1)
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.05, 1.0, (n_samples, 2)) * rng.choice([-1.0, 1.0], (n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    return X + noise * rng.standard_normal(X.shape), y


@known_keywords
def regression(name: str, n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The regression sets; points drawn uniformly with ``numpy.random.default_rng(seed)``,
    Gaussian noise of standard deviation ``noise`` added to the target.

    * ``plane``: ``y = 0.6 x1 - 0.4 x2`` on [-1, 1]^2
    * ``bumps``: four Gaussian bumps of width 0.25 at (+-0.5, +-0.5), up where x1 x2 > 0 and
      down elsewhere, ``y = sum_k s_k exp(-|x - c_k|^2 / (2 0.25^2))`` on [-1, 1]^2
    * ``sine``: ``y = sin(x1)`` on [-3, 3]^2 (the input feature sin x1 makes it a plane)

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y : ndarray, shape (n_samples, 1)
    """
    check(name, "name", Options(REGRESSION_SETS))
    rng = np.random.default_rng(seed)
    if name == "sine":
        X = rng.uniform(-3.0, 3.0, (n_samples, 2))
        t = np.sin(X[:, 0])
    else:
        X = rng.uniform(-1.0, 1.0, (n_samples, 2))
        if name == "plane":
            t = 0.6 * X[:, 0] - 0.4 * X[:, 1]
        else:
            t = np.zeros(n_samples)
            for cx, cy in ((0.5, 0.5), (-0.5, -0.5), (0.5, -0.5), (-0.5, 0.5)):
                d2 = (X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2
                t += np.sign(cx * cy) * np.exp(-d2 / (2 * 0.25**2))
    return X, (t + noise * rng.standard_normal(n_samples))[:, None]


@known_keywords
def add_features(X: np.ndarray, features: Any) -> np.ndarray:
    """``X`` with the input ``features`` of its first two columns appended, in
    :data:`FEATURES`'s order.

    Parameters
    ----------
    X : ndarray, shape (n_samples, d), d >= 2
    features : sequence of str
        Names of :data:`FEATURES`.

    Returns
    -------
    ndarray, shape (n_samples, d + len(features))
    """
    chosen = _features(features)
    if not chosen:
        return X
    extra = [FEATURES[name][1](X[:, 0], X[:, 1]) for name in chosen]
    return np.column_stack([X, *extra])


def _features(value: Any) -> list[str]:
    check(value, "features", Instance(list), Instance(tuple))
    for name in value:
        check(name, "features", Options(FEATURES))
    if len(set(value)) != len(value):
        raise ValueError(f"features: expected each feature at most once, got {list(value)}")
    return [name for name in FEATURES if name in value]  # one order, whatever came


_DEFAULT_NOISE = {"quadrants": 0.0, "plane": 0.0, "bumps": 0.0, "sine": 0.0}


@known_keywords
def check_recipe(recipe: Any) -> dict[str, Any]:
    """The recipe checked and completed: every key of :data:`RECIPE_KEYS`, in order.

    Missing keys take their defaults (``n_samples`` 200, the set's own noise, ``seed`` 0,
    ``test_size`` 0, no features; None for the fixed sets' ``n_samples`` and ``noise``).

    Raises
    ------
    ValueError or TypeError
        Naming the key at fault, what it expected and what came (an unknown key gets a
        near-miss suggestion).
    """
    check(recipe, "recipe", Instance(Mapping, "a mapping of recipe keys"))
    for key in recipe:
        if key not in RECIPE_KEYS:
            raise ValueError(
                f"recipe: unknown key {key!r}; expected {', '.join(RECIPE_KEYS)}"
                f"{did_you_mean(str(key), RECIPE_KEYS)}"
            )
    if "dataset" not in recipe:
        raise ValueError("recipe: the key 'dataset' is missing")
    name = str(check(recipe["dataset"], "recipe dataset", Options(RECIPE_DATASETS)))
    fixed = name in FIXED_SETS
    n = recipe.get("n_samples", None if fixed else 200)
    noise = recipe.get("noise", None if fixed else _default_noise(name))
    if fixed:
        for key, value in (("n_samples", n), ("noise", noise)):
            if value is not None:
                raise ValueError(
                    f"recipe {key}: the {name} set has a fixed 4 cases, expected None, "
                    f"got {value!r}"
                )
    else:
        n = int(check(n, "recipe n_samples", Interval(int, 4, MAX_SAMPLES)))
        noise = float(check(noise, "recipe noise", Interval(float, 0, MAX_GENERATOR_PARAMETER)))
    seed = int(check(recipe.get("seed", 0), "recipe seed", Interval(int, 0, 2**31 - 1)))
    test_size = float(
        check(recipe.get("test_size", 0.0), "recipe test_size", Interval(float, 0, MAX_TEST_SIZE))
    )
    if fixed and test_size:
        raise ValueError(
            f"recipe test_size: the {name} set's 4 cases are all training data, expected 0, "
            f"got {test_size!r}"
        )
    try:
        features = _features(recipe.get("features", []))
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"recipe {exc}") from None
    return {
        "dataset": name,
        "n_samples": n,
        "noise": noise,
        "seed": seed,
        "test_size": test_size,
        "features": features,
    }


def _default_noise(name: str) -> float:
    if name in _DEFAULT_NOISE:
        return _DEFAULT_NOISE[name]
    from glassnet.datasets.catalog import info

    return float(info(name).options["noise"])


@known_keywords
def recipe_data(recipe: Any) -> tuple[np.ndarray, np.ndarray]:
    """All the recipe's points, ``(X, y)``, before the split and without the input features
    (what the playground draws)."""
    r = check_recipe(recipe)
    name = r["dataset"]
    if name == "quadrants":
        X, y = quadrants(r["n_samples"], r["noise"], r["seed"])
    elif name in REGRESSION_SETS:
        X, y = regression(name, r["n_samples"], r["noise"], r["seed"])
    elif name in FIXED_SETS:
        X, y = load(name)
    else:
        X, y = load(name, n_samples=r["n_samples"], noise=r["noise"], seed=r["seed"])
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return X, (y[:, None] if y.ndim == 1 else y)


@known_keywords
def split_data(
    X: np.ndarray, y: np.ndarray, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A recipe's train/test split of ``(X, y)``: :func:`glassnet.datasets.train_test_split`
    with ``test_size`` and ``seed`` when that leaves at least one test point and two training
    points; otherwise every point is training data (an empty test set).

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
    """
    # the test rows as train_test_split counts them (ceil), so the rule holds of the split made
    n_test = math.ceil(len(X) * test_size)
    if test_size > 0 and n_test >= 1 and len(X) - n_test >= 2:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, seed=seed)
        return X_tr, y_tr, X_te, y_te
    return X, y, X[:0], y[:0]


@known_keywords
def from_recipe(recipe: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Make the data of a recipe, as a network trains on it.

    Parameters
    ----------
    recipe : mapping
        Keys of :data:`RECIPE_KEYS` (see the module docstring); checked by
        :func:`check_recipe`.

    Returns
    -------
    X_train : ndarray, shape (n_train, d + len(features))
    y_train : ndarray, shape (n_train, n_out)
    X_test : ndarray, shape (n_test, d + len(features))
        Empty (0 rows) when the recipe has no test share.
    y_test : ndarray, shape (n_test, n_out)
    """
    r = check_recipe(recipe)
    X, y = recipe_data(r)
    X_tr, y_tr, X_te, y_te = split_data(X, y, r["test_size"], r["seed"])
    return add_features(X_tr, r["features"]), y_tr, add_features(X_te, r["features"]), y_te
