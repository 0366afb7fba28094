r"""When did training converge? Two definitions, for one loss curve or a population's.

* :func:`threshold_epoch`: the first epoch whose loss is below a threshold.
* :func:`paper_epoch`: the paper's own definition made precise -- the first epoch ``e`` at which
  the loss is close to 0 (``loss[e] < tol``) *and* its slope over the last ``window`` epochs is
  close to 0 (``|loss[e] - loss[e - window + 1]| / (window - 1) < slope_tol``).

Both take a curve of shape ``(epochs,)`` and return an int, or curves ``(P, epochs)`` and
return an int array ``(P,)``; ``-1`` means "never". Non-finite losses never count as converged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validation import known_keywords, numeric_array, positive_float, positive_int

__all__ = ["PAPER_SLOPE_TOL", "PAPER_TOL", "PAPER_WINDOW", "paper_epoch", "threshold_epoch"]

PAPER_TOL = 0.01
PAPER_SLOPE_TOL = 1e-4
PAPER_WINDOW = 10


def _first(mask: np.ndarray) -> Any:
    hit = mask.any(axis=-1)
    first = np.where(hit, mask.argmax(axis=-1), -1)
    return int(first) if first.ndim == 0 else first.astype(np.int64)


def _curves(loss: Any) -> np.ndarray:
    # a string, complex numbers or a masked array (whose mask would be dropped, its hidden
    # entries read as losses) are refused by name
    loss = numeric_array(loss, "loss").astype(float)
    if loss.ndim not in (1, 2):
        raise ValueError(f"loss: expected shape (epochs,) or (P, epochs), got {loss.shape}")
    if loss.shape[-1] == 0:
        raise ValueError(f"loss: expected at least one epoch, got shape {loss.shape}")
    return loss


@known_keywords
def threshold_epoch(loss: Any, threshold: float) -> Any:
    """First epoch with ``loss < threshold``; ``-1`` if none."""
    threshold = positive_float(threshold, "threshold")
    loss = _curves(loss)
    with np.errstate(invalid="ignore"):
        return _first(np.isfinite(loss) & (loss < threshold))


@known_keywords
def paper_epoch(
    loss: Any,
    tol: float = PAPER_TOL,
    slope_tol: float = PAPER_SLOPE_TOL,
    window: int = PAPER_WINDOW,
) -> Any:
    """First epoch where the loss is below ``tol`` and flat (slope below ``slope_tol``)."""
    tol = positive_float(tol, "tol")
    slope_tol = positive_float(slope_tol, "slope_tol")
    window = positive_int(window, "window", minimum=2)
    loss = _curves(loss)
    E = loss.shape[-1]
    slope = np.full(loss.shape, np.inf)
    # a diverged curve holds inf and NaN: inf - inf is no slope, and no convergence either
    with np.errstate(invalid="ignore", over="ignore"):
        if E >= window:
            slope[..., window - 1 :] = np.abs(loss[..., window - 1 :] - loss[..., : E - window + 1])
            slope /= window - 1
        ok = np.isfinite(loss) & (loss < tol) & np.isfinite(slope) & (slope < slope_tol)
    return _first(ok)
