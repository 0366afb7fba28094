"""The datasets bundled inside scikit-learn: digits and diabetes."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet._validation import Boolean, Options, check
from glassnet.datasets._base import Dataset, FloatArray
from glassnet.datasets.encoding import one_hot


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
    check(classes, "classes", Options(("all", "three")))
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
    check(standardize, "standardize", Boolean())
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
