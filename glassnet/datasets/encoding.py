"""Class labels: one-hot encoding, labels from targets or predictions, labels of any kind."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassnet._validation import (
    MAX_CLASSES,
    describe,
    known_keywords,
    numeric_array,
    positive_int,
)
from glassnet.datasets._base import FloatArray


# --------------------------------------------------------------------------------------------
# label helpers
# --------------------------------------------------------------------------------------------
@known_keywords
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
    lab = numeric_array(labels, "labels")
    if lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab[:, 0]
    if lab.ndim != 1:
        raise ValueError(f"labels: expected a 1-D array of class indices, got shape {lab.shape}")
    if lab.size and not np.issubdtype(lab.dtype, np.integer):
        if (
            not np.issubdtype(lab.dtype, np.floating)
            or not np.isfinite(lab).all()
            or not np.all(np.mod(lab, 1) == 0)
        ):
            raise ValueError(f"labels: expected integer class indices, got dtype {lab.dtype}")
    if lab.size and (lab.min() < 0 or lab.max() >= MAX_CLASSES):
        raise ValueError(
            f"labels: expected class indices in [0, {MAX_CLASSES}), got values in "
            f"[{lab.min()}, {lab.max()}]"
        )
    lab = lab.astype(np.int64)
    if n_classes is None:
        k = int(lab.max()) + 1 if lab.size else 0
        if k < 1:
            raise ValueError("n_classes: cannot infer it from empty labels; pass n_classes")
    else:
        k = positive_int(n_classes, "n_classes", maximum=MAX_CLASSES)
    if lab.size and (lab.min() < 0 or lab.max() >= k):
        raise ValueError(
            f"labels: expected class indices in [0, {k}) (n_classes={k}), got values in "
            f"[{int(lab.min())}, {int(lab.max())}]"
        )
    out = np.zeros((lab.shape[0], k), dtype=np.float64)
    out[np.arange(lab.shape[0]), lab] = 1.0
    return out


@known_keywords
def labels(y: ArrayLike) -> NDArray[np.int64]:
    """Class indices from targets or predictions.

    Parameters
    ----------
    y : array_like
        ``(N,)`` integer labels (returned as they are), ``(N, 1)`` binary targets or
        probabilities (class 1 where ``y > 0.5``, as :func:`glassnet.metrics.accuracy`
        and scikit-learn's ``LabelBinarizer`` decide), or ``(N, k)`` one-hot targets or scores
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
        return (arr[:, 0] > 0.5).astype(np.int64)
    return np.argmax(arr, axis=1).astype(np.int64)


def _is_class_target(y: FloatArray) -> bool:
    """True for a (N, 1) 0/1 target or a (N, k) one-hot target."""
    if y.ndim != 2:
        return False
    if not np.all((y == 0) | (y == 1)):
        return False
    return y.shape[1] == 1 or bool(np.all(y.sum(axis=1) == 1))


@known_keywords
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
    if isinstance(values, str | bytes | Mapping) or not hasattr(values, "__len__"):
        # a string, a dict or a generator is not a list of labels (it was read as one label,
        # and a generator may never end)
        raise TypeError(f"values: expected a sequence or array of labels, got {describe(values)}")
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
    if len(classes) > MAX_CLASSES:
        raise ValueError(
            f"values: expected at most {MAX_CLASSES} distinct classes "
            f"(glassnet._validation.MAX_CLASSES), got {len(classes)}"
        )
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
