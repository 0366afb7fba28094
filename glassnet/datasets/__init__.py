"""Built-in datasets, CSV loading, a seeded train/test split and a train-only standardizer.

Everything here runs offline: the small sets are generated from formulas with a seeded
:func:`numpy.random.default_rng`, and ``digits`` / ``diabetes`` come from the copies bundled
inside scikit-learn. Nothing is printed; every function returns data.

Target conventions (shared by every loader)
-------------------------------------------
* binary classification: ``y`` has shape ``(N, 1)`` and holds 0.0 / 1.0;
* ``k > 2`` classes: ``y`` is one-hot, shape ``(N, k)``;
* regression: ``y`` has shape ``(N, 1)`` (or ``(N, m)`` for ``m`` targets).

``X`` always has shape ``(N, d)``. Both arrays are float64 unless ``dtype="float32"`` is asked.

Built-in datasets (``load(name, **kwargs)``)
--------------------------------------------
* ``paper``: X (4, 3), y (4, 1), the paper's four cases; y equals the first input column.
* ``xor``, ``and``, ``or``: X (4, 2), y (4, 1), the four binary input pairs and the gate.
* ``moons``: X (200, 2), y (200, 1), two interleaving half circles.
* ``circles``: X (200, 2), y (200, 1), a small circle inside a large one.
* ``spirals``: X (200, 2), y (200, 1), ``n_classes`` interleaved arms (one-hot when k > 2).
* ``blobs``: X (200, 2), y (200, 3), ``n_classes`` Gaussian clusters.
* ``digits``: X (1797, 64), scikit-learn's 8x8 digits with pixels in [0, 1];
  ``classes="all"``: y (1797, 10) one-hot; ``classes="three"``: y (1797, 1), 3 vs not 3.
* ``diabetes``: X (442, 10), y (442, 1), scikit-learn's diabetes regression set.
* ``meals``: X (500, 11), y (500, 1), synthetic: portions to cook from students, meal and
  weekday.

The 2-D sets (moons, circles, spirals, blobs) and meals take ``n_samples``, ``noise`` and
``seed``; the same seed always gives the same numbers.

Honest evaluation
-----------------
Split first, then standardize with statistics of the training part only::

    X, y = load_csv("data.csv", target="label")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    scaler = Standardizer().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)

(:func:`standardized_split` does these three steps in one call.)
"""

from __future__ import annotations

import csv
import difflib
import functools
import inspect
import math
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = [
    "Dataset",
    "DatasetInfo",
    "Standardizer",
    "describe",
    "encode_labels",
    "info",
    "labels",
    "load",
    "load_csv",
    "names",
    "one_hot",
    "standardized_split",
    "train_test_split",
]

FloatArray = NDArray[np.floating[Any]]
SeedLike = int | np.random.Generator | None

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MEALS = ("breakfast", "lunch", "dinner")
# meals formula constants (documented in ``_meals``)
MEAL_RATE = {"breakfast": 0.55, "lunch": 0.90, "dinner": 0.75}
DAY_FACTOR = {
    "Mon": 1.00,
    "Tue": 1.00,
    "Wed": 0.95,
    "Thu": 1.00,
    "Fri": 0.85,
    "Sat": 0.60,
    "Sun": 0.65,
}
MEAL_OVERHEAD = 10.0

# CSV tokens read as a missing value
_MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "?", "-nan"})
# auto-detection: an integer-valued target with at most this many distinct values is a class label
AUTO_MAX_CLASSES = 10


# --------------------------------------------------------------------------------------------
# containers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Dataset:
    """A dataset with its description, returned by ``load(..., return_info=True)``.

    Attributes
    ----------
    X : ndarray, shape (N, d)
        Features.
    y : ndarray, shape (N, 1), (N, k) or (N, m)
        Targets, following the module's target conventions.
    name : str
        Dataset name (the file stem for a CSV).
    task : {"classification", "regression"}
        What ``y`` holds.
    n_classes : int or None
        Number of classes (``None`` for regression).
    feature_names : tuple of str, length d
        One name per column of ``X``.
    target_names : tuple of str
        Classification: the class names, in label order (class ``i`` is column ``i`` of a
        one-hot ``y``; for a binary ``y`` of shape (N, 1), ``y == 1`` means
        ``target_names[1]``). Regression: one name per column of ``y``.
    description : str
        One line saying what the data is.
    meta : dict
        Anything else (scaling constants, the source file, ...).
    """

    X: FloatArray
    y: FloatArray
    name: str
    task: Literal["classification", "regression"]
    n_classes: int | None
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Number of rows N."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns d."""
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        """Number of target columns (1 for binary, k for k classes, m for regression)."""
        return int(self.y.shape[1])


@dataclass(frozen=True)
class DatasetInfo:
    """Shape and task of a built-in dataset at its default options (see :func:`info`).

    Attributes
    ----------
    name : str
    n_samples, n_features, n_outputs : int
        ``X`` is (n_samples, n_features) and ``y`` is (n_samples, n_outputs).
    task : {"classification", "regression"}
    n_classes : int or None
    description : str
    options : dict
        The keyword options ``load`` accepts for this dataset, with their defaults.
    """

    name: str
    n_samples: int
    n_features: int
    n_outputs: int
    task: str
    n_classes: int | None
    description: str
    options: dict[str, Any]


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------
def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_float(value: Any, name: str, *, minimum: float = 0.0, strict: bool = False) -> float:
    relation = ">" if strict else ">="
    expected = f"a finite number {relation} {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected {expected}, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < minimum or (strict and v == minimum):
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return v


def _rng(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"seed: expected a non-negative integer, a numpy Generator or None, got {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


def _float_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype: expected 'float64' or 'float32', got {dtype!r}") from None
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype: expected 'float64' or 'float32', got {dtype!r}")
    return dt


def _as_2d_float(a: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a numeric array, got {type(a).__name__}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (N, d), got shape {arr.shape}")
    return arr


def _class_counts(n: int, k: int) -> list[int]:
    """Split n samples over k classes as evenly as possible (the first n % k get one more)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


# --------------------------------------------------------------------------------------------
# label helpers
# --------------------------------------------------------------------------------------------
def one_hot(labels: ArrayLike, n_classes: int | None = None) -> FloatArray:
    """One-hot encode integer class labels.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Class indices in ``[0, n_classes)``.
    n_classes : int, optional
        Number of classes k (>= 1); default ``max(labels) + 1``.

    Returns
    -------
    ndarray, shape (N, k), float64
        ``Y[i, labels[i]] = 1``, all other entries 0.
    """
    lab = np.asarray(labels)
    if lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab[:, 0]
    if lab.ndim != 1:
        raise ValueError(f"labels: expected a 1-D array of class indices, got shape {lab.shape}")
    if lab.size and not np.issubdtype(lab.dtype, np.integer):
        if not np.issubdtype(lab.dtype, np.floating) or not np.all(np.mod(lab, 1) == 0):
            raise ValueError(f"labels: expected integer class indices, got dtype {lab.dtype}")
    lab = lab.astype(np.int64)
    if n_classes is None:
        k = int(lab.max()) + 1 if lab.size else 0
        if k < 1:
            raise ValueError("n_classes: cannot infer it from empty labels; pass n_classes")
    else:
        k = _check_int(n_classes, "n_classes", 1)
    if lab.size and (lab.min() < 0 or lab.max() >= k):
        raise ValueError(
            f"labels: expected class indices in [0, {k}), got values in "
            f"[{int(lab.min())}, {int(lab.max())}]"
        )
    out = np.zeros((lab.shape[0], k), dtype=np.float64)
    out[np.arange(lab.shape[0]), lab] = 1.0
    return out


def labels(y: ArrayLike) -> NDArray[np.int64]:
    """Class indices from targets or predictions.

    Parameters
    ----------
    y : array_like
        ``(N,)`` integer labels (returned as they are), ``(N, 1)`` binary targets or
        probabilities (class 1 where ``y >= 0.5``), or ``(N, k)`` one-hot targets or scores
        (the arg-max of each row).

    Returns
    -------
    ndarray of int64, shape (N,)
    """
    arr = np.asarray(y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"y: expected numeric targets or predictions, got dtype {arr.dtype}")
    if arr.ndim == 1:
        if arr.size and not np.all(np.mod(arr, 1) == 0):
            raise ValueError("y: a 1-D y must hold integer class labels, got fractional values")
        return arr.astype(np.int64)
    if arr.ndim != 2:
        raise ValueError(f"y: expected shape (N,), (N, 1) or (N, k), got {arr.shape}")
    if arr.shape[1] == 1:
        return (arr[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(arr, axis=1).astype(np.int64)


def _is_class_target(y: FloatArray) -> bool:
    """True for a (N, 1) 0/1 target or a (N, k) one-hot target."""
    if y.ndim != 2:
        return False
    if not np.all((y == 0) | (y == 1)):
        return False
    return y.shape[1] == 1 or bool(np.all(y.sum(axis=1) == 1))


def encode_labels(
    values: Sequence[Any] | ArrayLike,
) -> tuple[FloatArray, tuple[str, ...]]:
    """Turn class labels of any kind (strings or numbers) into a target array.

    The distinct labels are sorted (numerically when every label is a number, as text
    otherwise) and numbered 0, 1, ...; two classes give ``y`` of shape (N, 1) holding 1 for
    the second class, more give a one-hot ``y`` of shape (N, k).

    Parameters
    ----------
    values : sequence, shape (N,)
        The labels.

    Returns
    -------
    y : ndarray, shape (N, 1) or (N, k), float64
    class_names : tuple of str, length k
        The class of each label index (numbers written without a trailing ``.0``).
    """
    vals = list(np.asarray(values, dtype=object).ravel())
    if len(vals) == 0:
        raise ValueError("values: expected at least one label, got none")
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in vals)
    if numeric:
        keys: list[Any] = [float(v) for v in vals]
        if not all(math.isfinite(k) for k in keys):
            raise ValueError("values: class labels must be finite numbers or strings")
    else:
        keys = [str(v) for v in vals]
    classes = sorted(set(keys))
    if len(classes) < 2:
        raise ValueError(
            f"values: expected at least 2 distinct classes, got only {_fmt_label(classes[0])!r}"
        )
    index = {c: i for i, c in enumerate(classes)}
    idx = np.array([index[k] for k in keys], dtype=np.int64)
    names_ = tuple(_fmt_label(c) for c in classes)
    if len(classes) == 2:
        return idx[:, None].astype(np.float64), names_
    return one_hot(idx, len(classes)), names_


def _fmt_label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# --------------------------------------------------------------------------------------------
# the built-in datasets (each returns a float64 Dataset)
# --------------------------------------------------------------------------------------------
def _binary(
    X: FloatArray,
    t: ArrayLike,
    name: str,
    feature_names: tuple[str, ...],
    target_names: tuple[str, str],
    description: str,
    meta: dict[str, Any] | None = None,
) -> Dataset:
    y = np.asarray(t, dtype=np.float64).reshape(-1, 1)
    return Dataset(
        X, y, name, "classification", 2, feature_names, target_names, description, meta or {}
    )


def _classes(
    X: FloatArray,
    idx: NDArray[np.int64],
    k: int,
    name: str,
    description: str,
    meta: dict[str, Any] | None = None,
) -> Dataset:
    """Classification Dataset in the module convention from class indices ``idx``."""
    y = idx[:, None].astype(np.float64) if k == 2 else one_hot(idx, k)
    return Dataset(
        X,
        y,
        name,
        "classification",
        k,
        ("x1", "x2"),
        tuple(f"class {i}" for i in range(k)),
        description,
        meta or {},
    )


def _paper() -> Dataset:
    """The paper's four training cases: X (4, 3) with a constant third input, y = first input."""
    X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
    return _binary(
        X,
        [0, 1, 1, 0],
        "paper",
        ("x1", "x2", "x3"),
        ("0", "1"),
        "the paper's 4 cases: 3 binary inputs, target = first input",
    )


_GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


def _xor() -> Dataset:
    """y = x1 XOR x2 over the four binary input pairs: X (4, 2), y (4, 1)."""
    return _binary(
        _GATE_X.copy(), [0, 1, 1, 0], "xor", ("x1", "x2"), ("0", "1"), "x1 XOR x2, 4 cases"
    )


def _and() -> Dataset:
    """y = x1 AND x2 over the four binary input pairs: X (4, 2), y (4, 1)."""
    return _binary(
        _GATE_X.copy(), [0, 0, 0, 1], "and", ("x1", "x2"), ("0", "1"), "x1 AND x2, 4 cases"
    )


def _or() -> Dataset:
    """y = x1 OR x2 over the four binary input pairs: X (4, 2), y (4, 1)."""
    return _binary(
        _GATE_X.copy(), [0, 1, 1, 1], "or", ("x1", "x2"), ("0", "1"), "x1 OR x2, 4 cases"
    )


def _shuffled(
    rng: np.random.Generator, X: FloatArray, idx: NDArray[np.int64]
) -> tuple[FloatArray, NDArray[np.int64]]:
    order = rng.permutation(X.shape[0])
    return X[order], idx[order]


def _moons(n_samples: int = 200, noise: float = 0.1, seed: SeedLike = 0) -> Dataset:
    """Two interleaving half circles.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, with
    ``t ~ U(0, pi)``, plus Gaussian noise of standard deviation ``noise`` on each coordinate.
    X (N, 2), y (N, 1).
    """
    n = _check_int(n_samples, "n_samples", 2)
    s = _check_float(noise, "noise")
    rng = _rng(seed)
    n0, n1 = _class_counts(n, 2)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t0), np.sin(t0)]),
            np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
        ]
    )
    X = X + s * rng.standard_normal(X.shape)
    idx = np.repeat(np.arange(2), [n0, n1])
    X, idx = _shuffled(rng, X, idx)
    return _classes(X, idx, 2, "moons", "two interleaving half circles")


def _circles(
    n_samples: int = 200, noise: float = 0.05, seed: SeedLike = 0, factor: float = 0.5
) -> Dataset:
    """A small circle (class 1, radius ``factor``) inside a unit circle (class 0).

    Points at uniform random angles, plus Gaussian noise of standard deviation ``noise`` on
    each coordinate. X (N, 2), y (N, 1).
    """
    n = _check_int(n_samples, "n_samples", 2)
    s = _check_float(noise, "noise")
    f = _check_float(factor, "factor", minimum=0.0, strict=True)
    if f >= 1.0:
        raise ValueError(f"factor: expected a number in (0, 1), got {factor!r}")
    rng = _rng(seed)
    n0, n1 = _class_counts(n, 2)
    a = rng.uniform(0.0, 2.0 * np.pi, n0 + n1)
    r = np.concatenate([np.ones(n0), np.full(n1, f)])
    X = np.column_stack([r * np.cos(a), r * np.sin(a)])
    X = X + s * rng.standard_normal(X.shape)
    idx = np.repeat(np.arange(2), [n0, n1])
    X, idx = _shuffled(rng, X, idx)
    return _classes(X, idx, 2, "circles", "a small circle inside a large one")


def _spirals(
    n_samples: int = 200,
    noise: float = 0.05,
    seed: SeedLike = 0,
    n_classes: int = 2,
    turns: float = 1.0,
) -> Dataset:
    """``n_classes`` interleaved spiral arms.

    A point of class ``c`` at ``t ~ U(0, 1)`` sits at radius ``r = t`` and angle
    ``theta = 2 pi (c / k + turns * t)``: ``(r cos theta, r sin theta)``, plus Gaussian noise
    of standard deviation ``noise`` on each coordinate. X (N, 2); y (N, 1) for 2 classes,
    one-hot (N, k) for more.
    """
    k = _check_int(n_classes, "n_classes", 2)
    n = _check_int(n_samples, "n_samples", k)
    s = _check_float(noise, "noise")
    tr = _check_float(turns, "turns", strict=True)
    rng = _rng(seed)
    counts = _class_counts(n, k)
    idx = np.repeat(np.arange(k), counts)
    t = rng.uniform(0.0, 1.0, n)
    theta = 2.0 * np.pi * (idx / k + tr * t)
    X: FloatArray = np.column_stack([t * np.cos(theta), t * np.sin(theta)])
    X = X + s * rng.standard_normal(X.shape)
    X, idx = _shuffled(rng, X, idx)
    return _classes(X, idx, k, "spirals", f"{k} interleaved spiral arms")


def _blobs(
    n_samples: int = 200,
    noise: float = 1.0,
    seed: SeedLike = 0,
    n_classes: int | None = None,
    centers: ArrayLike | None = None,
) -> Dataset:
    """Gaussian clusters, one per class.

    By default the ``k = n_classes`` (3) centers lie evenly on a circle of radius 3:
    ``3 (cos 2 pi c / k, sin 2 pi c / k)``; ``centers`` (k, 2) places them instead. Each point
    is its center plus Gaussian noise of standard deviation ``noise``. X (N, 2); y (N, 1) for
    2 classes, one-hot (N, k) for more.
    """
    s = _check_float(noise, "noise")
    if centers is None:
        k = 3 if n_classes is None else _check_int(n_classes, "n_classes", 2)
        ang = 2.0 * np.pi * np.arange(k) / k
        C = 3.0 * np.column_stack([np.cos(ang), np.sin(ang)])
    else:
        C = np.asarray(centers, dtype=np.float64)
        if C.ndim != 2 or C.shape[1] != 2 or C.shape[0] < 2 or not np.all(np.isfinite(C)):
            raise ValueError(
                f"centers: expected a finite array of shape (k, 2) with k >= 2, got shape {C.shape}"
            )
        k = C.shape[0]
        if n_classes is not None and _check_int(n_classes, "n_classes", 2) != k:
            raise ValueError(
                f"n_classes: expected {k} (the number of centers given) or None, got {n_classes!r}"
            )
    n = _check_int(n_samples, "n_samples", k)
    rng = _rng(seed)
    idx = np.repeat(np.arange(k), _class_counts(n, k))
    X: FloatArray = C[idx] + s * rng.standard_normal((n, 2))
    X, idx = _shuffled(rng, X, idx)
    return _classes(X, idx, k, "blobs", f"{k} Gaussian clusters", {"centers": C})


@functools.cache
def _sk_digits() -> tuple[FloatArray, NDArray[np.int64]]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


@functools.cache
def _sk_diabetes() -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    return (
        np.asarray(bunch.data, dtype=np.float64),
        np.asarray(bunch.target, dtype=np.float64),
        tuple(bunch.feature_names),
    )


def _digits(classes: str = "all") -> Dataset:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images).

    Features are the 64 pixel intensities divided by 16, so they lie in [0, 1].
    ``classes="all"``: y one-hot (1797, 10), class i is the digit i.
    ``classes="three"``: the paper's "three or not three" task, y (1797, 1) = 1 for a 3
    (183 of the 1797 images), 0 otherwise.
    """
    if classes not in ("all", "three"):
        raise ValueError(f"classes: expected 'all' or 'three', got {classes!r}")
    data, target = _sk_digits()
    X = data / 16.0
    feats = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    if classes == "three":
        return Dataset(
            X,
            (target == 3).astype(np.float64)[:, None],
            "digits",
            "classification",
            2,
            feats,
            ("not three", "three"),
            "8x8 digits: three vs not three",
            {"classes": "three"},
        )
    return Dataset(
        X,
        one_hot(target, 10),
        "digits",
        "classification",
        10,
        feats,
        tuple(str(i) for i in range(10)),
        "8x8 handwritten digits, 10 classes",
        {"classes": "all"},
    )


def _diabetes(standardize: bool = True) -> Dataset:
    """scikit-learn's bundled diabetes regression set: 442 patients, 10 features.

    The target is a measure of disease progression one year after baseline, y (442, 1).
    With ``standardize=True`` (default) every feature column and the target are z-scored
    (``(v - mean) / std``) with statistics of all 442 rows, which suits training directly;
    the constants are in ``meta`` (``x_mean``, ``x_std``, ``y_mean``, ``y_std``), so a
    prediction maps back as ``y * y_std + y_mean``. Because those statistics include every
    row, an evaluation that must not see test statistics should load ``standardize=False``
    (the raw values), split, and fit a :class:`Standardizer` on the training part only.
    """
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize: expected True or False, got {standardize!r}")
    data, target, feats = _sk_diabetes()
    X, y = data.copy(), target[:, None].copy()
    meta: dict[str, Any] = {"standardized": bool(standardize)}
    if standardize:
        x_mean, x_std = X.mean(axis=0), X.std(axis=0)
        y_mean, y_std = float(y.mean()), float(y.std())
        X = (X - x_mean) / x_std
        y = (y - y_mean) / y_std
        meta.update(x_mean=x_mean, x_std=x_std, y_mean=y_mean, y_std=y_std)
    return Dataset(
        X,
        y,
        "diabetes",
        "regression",
        None,
        feats,
        ("progression",),
        "diabetes progression after one year (regression)",
        meta,
    )


def _meals(
    n_samples: int = 500,
    noise: float = 0.05,
    seed: SeedLike = 0,
    weekday: str = "onehot",
    scale: bool = True,
) -> Dataset:
    """Synthetic regression: how many portions a school kitchen must cook.

    Each row is one meal service. Drawn independently per row:

    * ``students`` ~ uniform integer in [20, 400] (students enrolled),
    * ``meal`` ~ uniform over (breakfast, lunch, dinner),
    * ``weekday`` ~ uniform over (Mon, ..., Sun), numbered d = 0..6.

    The target is::

        portions = (10 + students * rate[meal] * day[weekday]) * (1 + noise * eps)

    with ``eps ~ N(0, 1)``, clipped at 0, where ``rate = {breakfast: 0.55, lunch: 0.90,
    dinner: 0.75}`` is the share of students who eat that meal, ``day = {Mon: 1.00,
    Tue: 1.00, Wed: 0.95, Thu: 1.00, Fri: 0.85, Sat: 0.60, Sun: 0.65}`` the attendance of
    that day, and 10 a fixed overhead of spare portions. ``noise`` is therefore the relative
    standard deviation of the noise (5% by default).

    Features, in order: ``students``, the meal one-hot (``meal=breakfast``, ``meal=lunch``,
    ``meal=dinner``), then the weekday, encoded by ``weekday``:

    * ``"onehot"`` (default): seven columns ``weekday=Mon`` ... ``weekday=Sun``, X (N, 11).
      The default because the day effect in the formula is a table, not a smooth cycle, so
      only a one-hot code lets a network represent it exactly.
    * ``"cyclic"``: two columns ``sin(2 pi d / 7)``, ``cos(2 pi d / 7)``, X (N, 6).

    With ``scale=True`` (default) ``students`` and ``portions`` are given in hundreds (divided
    by 100, a fixed constant, so no statistics of the data leak into it); with
    ``scale=False`` they are raw counts. y (N, 1).
    """
    n = _check_int(n_samples, "n_samples", 1)
    s = _check_float(noise, "noise")
    if weekday not in ("onehot", "cyclic"):
        raise ValueError(f"weekday: expected 'onehot' or 'cyclic', got {weekday!r}")
    if not isinstance(scale, (bool, np.bool_)):
        raise TypeError(f"scale: expected True or False, got {scale!r}")
    rng = _rng(seed)
    students = rng.integers(20, 401, n).astype(np.float64)
    meal = rng.integers(0, 3, n)
    day = rng.integers(0, 7, n)
    rate = np.array([MEAL_RATE[m] for m in MEALS])
    dayf = np.array([DAY_FACTOR[d] for d in WEEKDAYS])
    clean = MEAL_OVERHEAD + students * rate[meal] * dayf[day]
    portions = np.maximum(clean * (1.0 + s * rng.standard_normal(n)), 0.0)
    unit = 100.0 if scale else 1.0
    if weekday == "onehot":
        day_cols = one_hot(day, 7)
        day_names = tuple(f"weekday={d}" for d in WEEKDAYS)
    else:
        ang = 2.0 * np.pi * day / 7.0
        day_cols = np.column_stack([np.sin(ang), np.cos(ang)])
        day_names = ("weekday_sin", "weekday_cos")
    X = np.column_stack([students / unit, one_hot(meal, 3), day_cols])
    feats = ("students", *(f"meal={m}" for m in MEALS), *day_names)
    return Dataset(
        X,
        (portions / unit)[:, None],
        "meals",
        "regression",
        None,
        feats,
        ("portions",),
        "synthetic: portions to cook from students, meal and weekday",
        {"unit": unit, "weekday": weekday, "clean_portions": clean / unit},
    )


_REGISTRY: dict[str, Callable[..., Dataset]] = {
    "paper": _paper,
    "xor": _xor,
    "and": _and,
    "or": _or,
    "moons": _moons,
    "circles": _circles,
    "spirals": _spirals,
    "blobs": _blobs,
    "digits": _digits,
    "diabetes": _diabetes,
    "meals": _meals,
}


def names() -> list[str]:
    """Names of the built-in datasets, in a fixed order.

    Returns
    -------
    list of str
        ``["paper", "xor", "and", "or", "moons", "circles", "spirals", "blobs", "digits",
        "diabetes", "meals"]``
    """
    return list(_REGISTRY)


def _lookup(name: Any) -> Callable[..., Dataset]:
    valid = ", ".join(_REGISTRY)
    if not isinstance(name, str):
        raise TypeError(f"name: expected a dataset name (one of {valid}), got {name!r}")
    key = name.strip().lower()
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, list(_REGISTRY), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"name: unknown dataset {name!r}{hint}; expected one of: {valid}")
    return _REGISTRY[key]


def _options(loader: Callable[..., Dataset]) -> dict[str, Any]:
    return {p.name: p.default for p in inspect.signature(loader).parameters.values()}


def _cast(ds: Dataset, dtype: DTypeLike) -> Dataset:
    dt = _float_dtype(dtype)
    return Dataset(
        np.ascontiguousarray(ds.X, dtype=dt),
        np.ascontiguousarray(ds.y, dtype=dt),
        ds.name,
        ds.task,
        ds.n_classes,
        ds.feature_names,
        ds.target_names,
        ds.description,
        ds.meta,
    )


@overload
def load(
    name: str,
    *,
    dtype: DTypeLike = ...,
    return_info: Literal[False] = ...,
    **kwargs: Any,
) -> tuple[FloatArray, FloatArray]: ...
@overload
def load(
    name: str, *, dtype: DTypeLike = ..., return_info: Literal[True], **kwargs: Any
) -> Dataset: ...
@overload
def load(
    name: str, *, dtype: DTypeLike = ..., return_info: bool, **kwargs: Any
) -> tuple[FloatArray, FloatArray] | Dataset: ...
def load(
    name: str,
    *,
    dtype: DTypeLike = "float64",
    return_info: bool = False,
    **kwargs: Any,
) -> tuple[FloatArray, FloatArray] | Dataset:
    """Load a built-in dataset.

    Parameters
    ----------
    name : str
        One of :func:`names`: ``paper``, ``xor``, ``and``, ``or``, ``moons``, ``circles``,
        ``spirals``, ``blobs``, ``digits``, ``diabetes``, ``meals``.
    dtype : {"float64", "float32"}
        Floating type of ``X`` and ``y``.
    return_info : bool
        Return a :class:`Dataset` (X, y, feature and class names, task, ...) instead of the
        pair ``(X, y)``.
    **kwargs
        Options of the dataset:

        * ``moons``: ``n_samples=200, noise=0.1, seed=0``
        * ``circles``: ``n_samples=200, noise=0.05, seed=0, factor=0.5``
        * ``spirals``: ``n_samples=200, noise=0.05, seed=0, n_classes=2, turns=1.0``
        * ``blobs``: ``n_samples=200, noise=1.0, seed=0, n_classes=3, centers=None``
        * ``digits``: ``classes="all"`` (10 classes) or ``"three"`` (3 vs not 3)
        * ``diabetes``: ``standardize=True``
        * ``meals``: ``n_samples=500, noise=0.05, seed=0, weekday="onehot"|"cyclic",
          scale=True``

        ``paper``, ``xor``, ``and``, ``or`` take none. ``seed`` is an int (the same seed
        gives the same numbers, via ``numpy.random.default_rng(seed)``), a Generator, or None.

    Returns
    -------
    X : ndarray, shape (N, d)
    y : ndarray, shape (N, 1) for binary classes and regression, (N, k) one-hot for k > 2
        classes.
    (or a :class:`Dataset` when ``return_info=True``)

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones) or an option out of range.
    TypeError
        An option the dataset does not take, or of the wrong type.
    """
    loader = _lookup(name)
    opts = _options(loader)
    unknown = [k for k in kwargs if k not in opts]
    if unknown:
        accepted = ", ".join(["dtype", "return_info", *opts])
        raise TypeError(
            f"load({loader.__name__[1:]!r}): unexpected option {unknown[0]!r}; "
            f"expected one of: {accepted}"
        )
    dt = _float_dtype(dtype)
    ds = _cast(loader(**kwargs), dt)
    if return_info:
        return ds
    return ds.X, ds.y


@overload
def info(name: None = None) -> list[DatasetInfo]: ...
@overload
def info(name: str) -> DatasetInfo: ...
def info(name: str | None = None) -> DatasetInfo | list[DatasetInfo]:
    """Shape and task of the built-in datasets at their default options.

    Parameters
    ----------
    name : str, optional
        One dataset; default all of them.

    Returns
    -------
    DatasetInfo, or a list of them (in the order of :func:`names`) when ``name`` is None.
    """
    if name is None:
        return [_info_one(n) for n in _REGISTRY]
    return _info_one(name)


def _info_one(name: str) -> DatasetInfo:
    loader = _lookup(name)
    ds = loader()
    return DatasetInfo(
        name=ds.name,
        n_samples=ds.n_samples,
        n_features=ds.n_features,
        n_outputs=ds.n_outputs,
        task=ds.task,
        n_classes=ds.n_classes,
        description=ds.description,
        options=_options(loader),
    )


def describe(name: str | None = None) -> str:
    """A plain-text table of the built-in datasets (name, X shape, y shape, task, options).

    Parameters
    ----------
    name : str, optional
        One dataset; default all of them.

    Returns
    -------
    str
        One header line and one line per dataset (nothing is printed).
    """
    items = [_info_one(n) for n in (_REGISTRY if name is None else [name])]
    rows = [("name", "X", "y", "task", "options")]
    for it in items:
        task = it.task if it.n_classes is None else f"{it.task} ({it.n_classes} classes)"
        opts = ", ".join(f"{k}={v!r}" for k, v in it.options.items()) or "-"
        rows.append(
            (
                it.name,
                f"({it.n_samples}, {it.n_features})",
                f"({it.n_samples}, {it.n_outputs})",
                task,
                opts,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def _parse_number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def _resolve_column(target: Any, header: list[str], path: str) -> int:
    ncol = len(header)
    if isinstance(target, bool):
        raise TypeError(f"target: expected a column name or index, got {target!r}")
    if isinstance(target, numbers.Integral):
        t = int(target)
        if not -ncol <= t < ncol:
            raise ValueError(
                f"target: column index {t} is out of range for {path!r}, which has {ncol} "
                f"columns (valid: {-ncol} to {ncol - 1})"
            )
        return t % ncol
    if isinstance(target, str):
        hits = [i for i, h in enumerate(header) if h == target]
        if not hits:
            raise ValueError(
                f"target: no column named {target!r} in {path!r}; its columns are: "
                f"{', '.join(header)}"
            )
        if len(hits) > 1:
            raise ValueError(
                f"target: column name {target!r} appears {len(hits)} times in {path!r} "
                f"(columns {hits}); pick it by index"
            )
        return hits[0]
    raise TypeError(f"target: expected a column name (str) or index (int), got {target!r}")


@overload
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] = ...,
    *,
    task: Literal["auto", "classification", "regression"] = ...,
    delimiter: str = ...,
    header: bool = ...,
    dtype: DTypeLike = ...,
    return_info: Literal[False] = ...,
) -> tuple[FloatArray, FloatArray]: ...
@overload
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] = ...,
    *,
    task: Literal["auto", "classification", "regression"] = ...,
    delimiter: str = ...,
    header: bool = ...,
    dtype: DTypeLike = ...,
    return_info: Literal[True],
) -> Dataset: ...
@overload
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] = ...,
    *,
    task: Literal["auto", "classification", "regression"] = ...,
    delimiter: str = ...,
    header: bool = ...,
    dtype: DTypeLike = ...,
    return_info: bool,
) -> tuple[FloatArray, FloatArray] | Dataset: ...
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] = -1,
    *,
    task: Literal["auto", "classification", "regression"] = "auto",
    delimiter: str = ",",
    header: bool = True,
    dtype: DTypeLike = "float64",
    return_info: bool = False,
) -> tuple[FloatArray, FloatArray] | Dataset:
    """Load a numeric table from a CSV file, one row per sample.

    Features are returned as they are in the file (not standardized: standardize after
    splitting, with :class:`Standardizer` fitted on the training part, or use
    :func:`standardized_split`).

    Parameters
    ----------
    path : str or path
        The CSV file. Blank lines are skipped.
    target : str, int or sequence of them
        The target column, by header name or by index (negative counts from the end); default
        the last column. Several columns (regression only) give y of shape (N, m).
    task : {"auto", "classification", "regression"}
        ``classification``: each distinct target value is a class (sorted numerically, or as
        text when a label is not a number); two classes give y (N, 1) of 0/1 (1 = the second
        class), more give a one-hot y (N, k). ``regression``: the target must be numeric,
        y (N, m). ``auto``: classification when some target value is not a number, or when
        every value is an integer and there are between 2 and 10 distinct values
        (``AUTO_MAX_CLASSES``); regression otherwise.
    delimiter : str
        Field separator.
    header : bool
        Whether the first non-blank line holds column names (otherwise the columns are named
        ``col0``, ``col1``, ...).
    dtype : {"float64", "float32"}
    return_info : bool
        Return a :class:`Dataset` (with feature names, class names and task) instead of
        ``(X, y)``.

    Returns
    -------
    X : ndarray, shape (N, d)
        Every non-target column, as numbers.
    y : ndarray, shape (N, 1), (N, k) or (N, m)

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Naming the file, and the line and column where it applies: no data rows, only one
        data row, a row with the wrong number of fields, a missing value (empty, ``NA``,
        ``nan``, ``?``, ...), a non-numeric or infinite feature, an unknown target column,
        a non-numeric target with ``task="regression"``, or a single class.
    """
    p = os.fspath(path)
    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task: expected 'auto', 'classification' or 'regression', got {task!r}")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter: expected a single character, got {delimiter!r}")
    dt = _float_dtype(dtype)
    if not os.path.exists(p):
        raise FileNotFoundError(f"path: no such file {p!r}")
    if os.path.isdir(p):
        raise ValueError(f"path: expected a CSV file, got the directory {p!r}")

    rows: list[tuple[int, list[str]]] = []
    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            for fields in reader:
                if not fields or all(not f.strip() for f in fields):
                    continue
                rows.append((reader.line_num, [f.strip() for f in fields]))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p!r}: not a UTF-8 text file ({exc.reason})") from None
    except csv.Error as exc:
        raise ValueError(f"{p!r}: not a readable CSV file ({exc})") from None

    if not rows:
        raise ValueError(f"{p!r}: the file is empty; expected a header and data rows")
    if header:
        cols = [h or f"col{i}" for i, h in enumerate(rows[0][1])]
        data = rows[1:]
    else:
        cols = [f"col{i}" for i in range(len(rows[0][1]))]
        data = rows
    ncol = len(cols)
    if not data:
        raise ValueError(f"{p!r}: no data rows (only a header line was found)")
    if len(data) == 1:
        raise ValueError(f"{p!r}: only one data row (line {data[0][0]}); at least 2 are needed")
    for line, fields in data:
        if len(fields) != ncol:
            raise ValueError(
                f"{p!r}, line {line}: expected {ncol} fields (one per column), got {len(fields)}"
            )
    if ncol < 2:
        raise ValueError(
            f"{p!r}: only {ncol} column; expected at least one feature column and a target"
        )

    targets = list(target) if isinstance(target, (list, tuple)) else [target]
    if not targets:
        raise ValueError("target: expected at least one column, got an empty sequence")
    t_idx = [_resolve_column(t, cols, p) for t in targets]
    if len(set(t_idx)) != len(t_idx):
        raise ValueError(f"target: the same column is named twice in {targets!r}")
    if len(t_idx) == ncol:
        raise ValueError(f"target: every column of {p!r} is a target; no features are left")
    f_idx = [i for i in range(ncol) if i not in t_idx]

    # missing values, anywhere
    for line, fields in data:
        for i, tok in enumerate(fields):
            if tok.lower() in _MISSING:
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: missing value {tok!r}; "
                    "fill or drop it before loading"
                )

    X = np.empty((len(data), len(f_idx)), dtype=np.float64)
    for r, (line, fields) in enumerate(data):
        for c, i in enumerate(f_idx):
            v = _parse_number(fields[i])
            if v is None:
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: expected a number, got "
                    f"{fields[i]!r} (non-numeric features are not supported; encode or drop "
                    "the column)"
                )
            if not math.isfinite(v):
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: expected a finite number, got "
                    f"{fields[i]!r}"
                )
            X[r, c] = v

    tokens = [[fields[i] for line, fields in data] for i in t_idx]
    lines = [line for line, _ in data]
    parsed = [[_parse_number(tok) for tok in col] for col in tokens]
    numeric = all(v is not None for col in parsed for v in col)

    if task == "auto":
        if len(t_idx) > 1 or not numeric:
            chosen = "regression" if numeric else "classification"
        else:
            vals = [float(v) for v in parsed[0] if v is not None]
            integral = all(math.isfinite(v) and v.is_integer() for v in vals)
            distinct = len(set(vals))
            is_cls = integral and 2 <= distinct <= AUTO_MAX_CLASSES
            chosen = "classification" if is_cls else "regression"
    else:
        chosen = task

    if chosen == "classification":
        if len(t_idx) > 1:
            raise ValueError(
                f"target: classification takes one target column, got {len(t_idx)} ({targets!r})"
            )
        col = cols[t_idx[0]]
        if numeric:
            vals = [float(v) for v in parsed[0] if v is not None]
            for line, v in zip(lines, vals, strict=True):
                if not math.isfinite(v):
                    raise ValueError(
                        f"{p!r}, line {line}, column {col!r}: expected a finite class label, "
                        f"got {v!r}"
                    )
            raw: list[Any] = vals
        else:
            raw = tokens[0]
        if len(set(raw)) < 2:
            raise ValueError(
                f"{p!r}, column {col!r}: classification needs at least 2 classes, got only "
                f"{_fmt_label(raw[0])!r}"
            )
        y, target_names = encode_labels(raw)
        n_classes: int | None = len(target_names)
    else:
        y = np.empty((len(data), len(t_idx)), dtype=np.float64)
        for c, (i, col_vals) in enumerate(zip(t_idx, parsed, strict=True)):
            for r, v in enumerate(col_vals):
                if v is None or not math.isfinite(v):
                    raise ValueError(
                        f"{p!r}, line {lines[r]}, column {cols[i]!r}: regression needs a finite "
                        f"number, got {tokens[c][r]!r} (use task='classification' for labels)"
                    )
                y[r, c] = v
        target_names = tuple(cols[i] for i in t_idx)
        n_classes = None

    ds = Dataset(
        np.ascontiguousarray(X, dtype=dt),
        np.ascontiguousarray(y, dtype=dt),
        os.path.splitext(os.path.basename(p))[0],
        chosen,  # type: ignore[arg-type]
        n_classes,
        tuple(cols[i] for i in f_idx),
        tuple(target_names),
        f"loaded from {p}",
        {"path": p, "target_columns": tuple(cols[i] for i in t_idx)},
    )
    if return_info:
        return ds
    return ds.X, ds.y


# --------------------------------------------------------------------------------------------
# splitting and standardizing
# --------------------------------------------------------------------------------------------
def _n_test(test_size: Any, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"test_size: expected a fraction in (0, 1) or a row count, got {test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        k = int(test_size)
        if not 1 <= k <= n - 1:
            raise ValueError(
                f"test_size: expected a row count in [1, {n - 1}] for {n} rows, got {k}"
            )
        return k
    f = float(test_size)
    if not 0.0 < f < 1.0:
        raise ValueError(f"test_size: expected a fraction in (0, 1), got {test_size!r}")
    k = math.ceil(f * n)
    if k >= n:
        raise ValueError(
            f"test_size: {test_size!r} of {n} rows leaves no training rows; use a smaller "
            "fraction or more data"
        )
    return k


def train_test_split(
    X: ArrayLike,
    y: ArrayLike,
    test_size: float | int = 0.25,
    seed: SeedLike = 0,
    stratify: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Seeded random split into a training part and a test part.

    Parameters
    ----------
    X : array_like, shape (N, d)
    y : array_like, shape (N,) or (N, m)
    test_size : float or int
        A fraction in (0, 1) (the test part gets ``ceil(test_size * N)`` rows) or a row count
        in [1, N - 1].
    seed : int, Generator or None
        Rows are permuted with ``numpy.random.default_rng(seed)``; the same seed gives the same
        split.
    stratify : bool
        Keep each class's share in both parts (largest-remainder rounding per class); needs
        class targets: y (N, 1) of 0/1 or one-hot (N, k).

    Returns
    -------
    X_train : ndarray, shape (N - n_test, d)
    X_test : ndarray, shape (n_test, d)
    y_train : ndarray, shape (N - n_test, ...)
    y_test : ndarray, shape (n_test, ...)
        Arrays keep the dtype of the inputs; rows appear in shuffled order.
    """
    Xa = np.asarray(X)
    ya = np.asarray(y)
    if Xa.ndim != 2:
        raise ValueError(f"X: expected a 2-D array (N, d), got shape {Xa.shape}")
    if ya.ndim not in (1, 2):
        raise ValueError(f"y: expected shape (N,) or (N, m), got {ya.shape}")
    n = Xa.shape[0]
    if ya.shape[0] != n:
        raise ValueError(f"y: expected {n} rows to match X, got {ya.shape[0]}")
    if n < 2:
        raise ValueError(f"X: expected at least 2 rows to split, got {n}")
    n_test = _n_test(test_size, n)
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"stratify: expected True or False, got {stratify!r}")
    rng = _rng(seed)
    if not stratify:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        y2 = ya[:, None] if ya.ndim == 1 else ya
        try:
            yf = np.asarray(y2, dtype=np.float64)
        except (TypeError, ValueError):
            yf = None
        if yf is None or not _is_class_target(yf):
            raise ValueError(
                "stratify: expected class targets (y of shape (N, 1) holding 0/1, or one-hot "
                f"(N, k)), got y of shape {ya.shape} with other values"
            )
        lab = labels(yf)
        classes = np.unique(lab)
        groups = [rng.permutation(np.flatnonzero(lab == c)) for c in classes]
        quota = np.array([len(g) * n_test / n for g in groups])
        take = np.floor(quota).astype(int)
        rest = n_test - int(take.sum())
        if rest > 0:
            extra = np.argsort(-(quota - take), kind="stable")[:rest]
            take[extra] += 1
        test = np.concatenate([g[:t] for g, t in zip(groups, take, strict=True)])
        train = np.concatenate([g[t:] for g, t in zip(groups, take, strict=True)])
        test, train = rng.permutation(test), rng.permutation(train)
    return Xa[train], Xa[test], ya[train], ya[test]


class Standardizer:
    """Z-score features with statistics of the data it was fitted on.

    ``fit(X)`` stores ``mean = X.mean(axis=0)`` and ``scale = X.std(axis=0)`` (a column with
    zero spread gets ``scale = 1``, so it maps to 0 instead of dividing by 0); then
    ``transform(X) = (X - mean) / scale``. Fit on the training part only and apply the same
    statistics to the test part, so nothing about the test data leaks into training.

    Attributes
    ----------
    mean : ndarray, shape (d,) or None
    scale : ndarray, shape (d,) or None
        None until :meth:`fit` is called.
    """

    def __init__(self) -> None:
        self.mean: FloatArray | None = None
        self.scale: FloatArray | None = None

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` has been called."""
        return self.mean is not None

    def fit(self, X: ArrayLike) -> Standardizer:
        """Learn the column means and standard deviations of ``X`` (N, d), N >= 1.

        Returns
        -------
        Standardizer
            ``self``, so ``Standardizer().fit(X_train)`` chains.
        """
        arr = _as_2d_float(X, "X")
        if arr.shape[0] < 1:
            raise ValueError("X: expected at least 1 row to fit on, got 0")
        if not np.all(np.isfinite(arr)):
            raise ValueError("X: expected finite values, got NaN or infinity")
        std = arr.std(axis=0)
        self.mean = arr.mean(axis=0)
        self.scale = np.where(std > 0, std, 1.0)
        return self

    def _check(
        self, X: ArrayLike, name: str
    ) -> tuple[FloatArray, np.dtype[Any], FloatArray, FloatArray]:
        mean, scale = self.mean, self.scale
        if mean is None or scale is None:
            raise ValueError("Standardizer: not fitted; call fit(X_train) first")
        src = np.asarray(X)
        out_dt = src.dtype if src.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        arr = _as_2d_float(src, name)
        if arr.shape[1] != mean.shape[0]:
            raise ValueError(
                f"{name}: expected {mean.shape[0]} columns (as fitted), got {arr.shape[1]}"
            )
        return arr, out_dt, mean, scale

    def transform(self, X: ArrayLike) -> FloatArray:
        """Return ``(X - mean) / scale``, shape (N, d), in X's float dtype (float64 default)."""
        arr, dt, mean, scale = self._check(X, "X")
        return ((arr - mean) / scale).astype(dt, copy=False)

    def fit_transform(self, X: ArrayLike) -> FloatArray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: ArrayLike) -> FloatArray:
        """Undo :meth:`transform`: ``Z * scale + mean``, shape (N, d)."""
        arr, dt, mean, scale = self._check(Z, "Z")
        return (arr * scale + mean).astype(dt, copy=False)

    def __repr__(self) -> str:
        d = None if self.mean is None else self.mean.shape[0]
        return f"Standardizer(fitted={self.fitted}, n_features={d})"


def standardized_split(
    X: ArrayLike,
    y: ArrayLike,
    test_size: float | int = 0.25,
    seed: SeedLike = 0,
    stratify: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, Standardizer]:
    """Split, then standardize both parts with statistics of the training part only.

    Same parameters as :func:`train_test_split`.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        As from :func:`train_test_split`, with ``X_train`` z-scored (column means 0, standard
        deviations 1) and ``X_test`` transformed with the training statistics.
    scaler : Standardizer
        Fitted on ``X_train``; apply it to any new data.
    """
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size, seed, stratify)
    scaler = Standardizer().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te, scaler
