"""The generated datasets: the paper's four cases, the logic gates, moons, circles, spirals,
blobs and meals, each from a formula and a seed.

The classes' points are drawn class by class, then the rows are put in a random order (a
permutation drawn from the same seed, as scikit-learn's generators with ``shuffle=True``): a
leading slice of the rows holds every class about in proportion, never one class first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet._validation import (
    MAX_CLASSES,
    MAX_GENERATOR_PARAMETER,
    MAX_SAMPLES,
    Boolean,
    Interval,
    Options,
    check,
    numeric_array,
    positive_int,
)
from glassnet.datasets._base import (
    _PARAMETER,
    _POSITIVE_PARAMETER,
    Dataset,
    FloatArray,
    SeedLike,
    _class_counts,
    _rng,
)
from glassnet.datasets.encoding import one_hot

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
    n = positive_int(n_samples, "n_samples", minimum=2, maximum=MAX_SAMPLES)
    s = float(check(noise, "noise", _PARAMETER))
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
    n = positive_int(n_samples, "n_samples", minimum=2, maximum=MAX_SAMPLES)
    s = float(check(noise, "noise", _PARAMETER))
    f = float(check(factor, "factor", Interval(float, 0, 1, closed="neither")))
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
    k = positive_int(n_classes, "n_classes", minimum=2, maximum=MAX_CLASSES)
    n = positive_int(n_samples, "n_samples", minimum=k, maximum=MAX_SAMPLES)
    s = float(check(noise, "noise", _PARAMETER))
    tr = float(check(turns, "turns", _POSITIVE_PARAMETER))
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
    s = float(check(noise, "noise", _PARAMETER))
    if centers is None:
        k = (
            3
            if n_classes is None
            else positive_int(n_classes, "n_classes", minimum=2, maximum=MAX_CLASSES)
        )
        ang = 2.0 * np.pi * np.arange(k) / k
        C = 3.0 * np.column_stack([np.cos(ang), np.sin(ang)])
    else:
        C = numeric_array(centers, "centers").astype(np.float64)
        if C.ndim != 2 or C.shape[1] != 2 or C.shape[0] < 2 or not np.all(np.isfinite(C)):
            raise ValueError(
                f"centers: expected a finite array of shape (k, 2) with k >= 2, got shape {C.shape}"
            )
        if C.shape[0] > MAX_CLASSES or np.abs(C).max() > MAX_GENERATOR_PARAMETER:
            raise ValueError(
                f"centers: expected at most {MAX_CLASSES} centers with coordinates within "
                f"+-{MAX_GENERATOR_PARAMETER:g}, got {C.shape[0]} up to {np.abs(C).max():g}"
            )
        k = C.shape[0]
        if (
            n_classes is not None
            and positive_int(n_classes, "n_classes", minimum=2, maximum=MAX_CLASSES) != k
        ):
            raise ValueError(
                f"n_classes: expected {k} (the number of centers given) or None, got {n_classes!r}"
            )
    n = positive_int(n_samples, "n_samples", minimum=k, maximum=MAX_SAMPLES)
    rng = _rng(seed)
    idx = np.repeat(np.arange(k), _class_counts(n, k))
    X: FloatArray = C[idx] + s * rng.standard_normal((n, 2))
    X, idx = _shuffled(rng, X, idx)
    return _classes(X, idx, k, "blobs", f"{k} Gaussian clusters", {"centers": C})


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
    n = positive_int(n_samples, "n_samples", minimum=1, maximum=MAX_SAMPLES)
    s = float(check(noise, "noise", _PARAMETER))
    check(weekday, "weekday", Options(("onehot", "cyclic")))
    check(scale, "scale", Boolean())
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
