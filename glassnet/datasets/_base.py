"""What every part of the datasets package shares: the containers and the argument checks."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

FloatArray = NDArray[np.floating[Any]]
SeedLike = int | np.random.Generator | None


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
