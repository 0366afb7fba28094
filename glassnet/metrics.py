"""Classification accuracy and the regression R^2, for one network or a population."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validation import Interval, check, known_keywords, numeric_array

__all__ = ["accuracy", "fraction_right", "is_classification", "r2"]


def _targets(y: Any, argument: str = "y") -> np.ndarray:
    y = numeric_array(y, argument)
    if y.ndim != 2:
        raise ValueError(f"{argument}: expected shape (n_samples, n_outputs), got {y.shape}")
    if y.shape[0] == 0:  # an accuracy of no samples is no number (it was NaN, with a warning)
        raise ValueError(f"{argument}: expected at least one row (sample), got shape {y.shape}")
    return y


@known_keywords
def is_classification(y: Any) -> bool:
    """True if the targets ``y``, shape ``(n_samples, n_outputs)``, are 0/1 (one column) or
    one-hot rows."""
    y = _targets(y)
    if not np.isin(y, (0, 1)).all():
        return False
    return y.shape[-1] == 1 or bool((y.sum(axis=-1) == 1).all())


@known_keywords
def accuracy(y_hat: Any, y: Any, threshold: float = 0.5) -> np.ndarray | float:
    """Fraction of samples classified right.

    One output column: ``y_hat > threshold`` against ``y``; several: ``argmax`` against
    ``argmax``. ``y_hat`` is ``(n_samples, n_out)`` or ``(P, n_samples, n_out)``; ``y`` is
    ``(n_samples, n_out)``. The result is a float or one per member, shape ``(P,)``.

    A prediction with a NaN (a diverged network's output) is no class: it counts as wrong,
    whatever the target (NaN > threshold is False, and ``argmax`` of a row with a NaN picks
    the NaN, which would otherwise read as class 0 or as whichever column held it). Infinite
    outputs are compared as numbers.
    """
    y = _targets(y)
    y_hat = numeric_array(y_hat, "y_hat")
    if y_hat.ndim not in (2, 3) or y_hat.shape[-2:] != y.shape:
        raise ValueError(
            f"y_hat: expected shape {y.shape} or (P, *{y.shape}) to match y, got {y_hat.shape}"
        )
    threshold = check(threshold, "threshold", Interval(float, None, None))
    acc = fraction_right(y_hat, y, threshold)
    return float(acc) if np.ndim(acc) == 0 else acc


@known_keywords
def fraction_right(y_hat: Any, y: Any, threshold: float = 0.5) -> Any:
    """:func:`accuracy`'s formula without its checks, for arrays already checked.

    A row of ``y_hat`` with a NaN is counted wrong (see :func:`accuracy`). Training calls it
    on every epoch's validation pass, with NumPy arrays in the NumPy loop and
    with JAX arrays inside the compiled program.
    """
    decided = (y_hat == y_hat).all(axis=-1)  # False for a row with a NaN: no class, wrong
    if y.shape[-1] == 1:
        right = ((y_hat > threshold) == (y > 0.5))[..., 0]
    else:
        right = y_hat.argmax(axis=-1) == y.argmax(axis=-1)
    right = right & decided
    return (right * 1.0).mean(axis=-1)  # the default float: float64 in NumPy and under x64


@known_keywords
def r2(y_hat: Any, y: Any) -> np.ndarray | float:
    r"""The coefficient of determination of a regression, ``R^2``.

    Per output column ``k``::

        R^2_k = 1 - sum_i (y_ik - y_hat_ik)^2 / sum_i (y_ik - mean_i y_ik)^2

    averaged over the columns (scikit-learn's ``r2_score`` with its default
    ``multioutput="uniform_average"``). 1 is a perfect fit; 0 is what predicting each column's
    mean scores; below 0 is worse than that. A column whose targets are all equal scores 1 if
    predicted exactly and 0 otherwise (scikit-learn's ``force_finite``). ``y_hat`` is
    ``(n_samples, n_out)`` or ``(P, n_samples, n_out)``; ``y`` is ``(n_samples, n_out)``. The
    result is a float or one per member, shape ``(P,)``; NaN for a prediction with a NaN (a
    diverged network's), which fits nothing.
    """
    y = _targets(y)
    y_hat = numeric_array(y_hat, "y_hat")
    if y_hat.ndim not in (2, 3) or y_hat.shape[-2:] != y.shape:
        raise ValueError(
            f"y_hat: expected shape {y.shape} or (P, *{y.shape}) to match y, got {y_hat.shape}"
        )
    y64 = y.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        residual = ((y64 - y_hat.astype(np.float64)) ** 2).sum(axis=-2)  # ([P,] n_out)
        total = ((y64 - y64.mean(axis=0)) ** 2).sum(axis=0)  # (n_out,)
        safe = np.where(total > 0, total, 1.0)
        score = np.where(total > 0, 1.0 - residual / safe, np.where(residual == 0, 1.0, 0.0))
    score = np.where(np.isnan(residual), np.nan, score).mean(axis=-1)
    return float(score) if np.ndim(score) == 0 else score
