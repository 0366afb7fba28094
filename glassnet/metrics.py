"""Classification accuracy, for one network or a population."""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "is_classification"]


def is_classification(y: np.ndarray) -> bool:
    """True if the targets are 0/1 (one column) or one-hot rows."""
    if not np.isin(y, (0, 1)).all():
        return False
    return y.shape[-1] == 1 or bool((y.sum(axis=-1) == 1).all())


def accuracy(y_hat: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> np.ndarray | float:
    """Fraction of samples classified right.

    One output column: ``y_hat > threshold`` against ``y``; several: ``argmax`` against
    ``argmax``. ``y_hat`` is ``(n_samples, n_out)`` or ``(P, n_samples, n_out)``; the result is a
    float or one per member, shape ``(P,)``.
    """
    if y.shape[-1] == 1:
        right = ((y_hat > threshold) == (y > 0.5))[..., 0]
    else:
        right = y_hat.argmax(axis=-1) == y.argmax(axis=-1)
    acc = (right * 1.0).mean(axis=-1)  # the default float: float64 in NumPy and under x64
    # a NumPy scalar becomes a float; a JAX array (inside the compiled program) stays one
    return float(acc) if isinstance(acc, np.ndarray | np.generic) and acc.ndim == 0 else acc
