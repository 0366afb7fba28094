"""What every part of the datasets package shares: the containers and the argument checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from glassnet._validation import (
    MAX_GENERATOR_PARAMETER,
    Instance,
    Interval,
    check,
    known_keywords,
    numeric_array,
)

FloatArray = NDArray[np.floating[Any]]
SeedLike = int | np.random.Generator | None


# --------------------------------------------------------------------------------------------
# containers
# --------------------------------------------------------------------------------------------
@known_keywords
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


@known_keywords
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
# A generator's noise or shape parameter is finite and at most MAX_GENERATOR_PARAMETER: beyond
# it the generated points lose every digit of the shape (and overflow).
#: ``noise`` and the like: >= 0.
_PARAMETER = Interval(float, 0, MAX_GENERATOR_PARAMETER)
#: ``turns`` and the like: > 0.
_POSITIVE_PARAMETER = Interval(float, 0, MAX_GENERATOR_PARAMETER, closed="right")

_SEED = (
    Interval(int, 0, None),
    Instance(np.random.Generator, "a numpy Generator"),
    Instance(type(None)),
)


def _rng(seed: SeedLike) -> np.random.Generator:
    seed = check(seed, "seed", *_SEED)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _float_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    try:
        dt = np.dtype(dtype)
    except Exception:  # np.dtype raises TypeError, ValueError or even SyntaxError on junk
        raise ValueError(f"dtype: expected 'float64' or 'float32', got {dtype!r}") from None
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype: expected 'float64' or 'float32', got {dtype!r}")
    return dt


def _as_2d_float(a: ArrayLike, name: str) -> FloatArray:
    """``a`` as a float64 (N, d) array; a 1-D array is an error, never a silent column."""
    arr = numeric_array(a, name)
    if arr.ndim != 2:
        hint = f" (for one feature use {name}.reshape(-1, 1))" if arr.ndim == 1 else ""
        raise ValueError(f"{name}: expected a 2-D array (N, d), got shape {arr.shape}{hint}")
    return arr.astype(np.float64, copy=False)


def _class_counts(n: int, k: int) -> list[int]:
    """Split n samples over k classes as evenly as possible (the first n % k get one more)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]
