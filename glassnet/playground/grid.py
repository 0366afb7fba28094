"""What a network does over the input plane: boundary grids and hidden-unit maps.

These are the playground's computations for 2-D data (the glass-box figures draw the same
pictures). Inputs with more than two features (the paper's data has a constant third column)
are shown over the plane of the first two, the other features held at fixed values.

Grids are laid out as images: row 0 is the top of the plane (largest second feature), column 0
its left edge (smallest first feature).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Extent = tuple[float, float, float, float]


def plane_extent(X: np.ndarray, pad: float = 0.1) -> Extent:
    """Return the plane shown for data ``X``: the box around its first two features.

    Parameters
    ----------
    X : ndarray, shape (N, d), d >= 2
    pad : float
        Margin added on each side, as a fraction of the data's range (0.5 when all points
        share that coordinate).

    Returns
    -------
    (x_min, x_max, y_min, y_max) : tuple of float
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 2 or X.shape[0] < 1:
        raise ValueError(f"X: expected an array of shape (N, d>=2), got shape {X.shape}")
    lo = X[:, :2].min(axis=0)
    hi = X[:, :2].max(axis=0)
    margin = np.where(hi > lo, pad * (hi - lo), 0.5)
    lo = lo - margin
    hi = hi + margin
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def plane_inputs(extent: Extent, res: int, fill: Sequence[float] = ()) -> np.ndarray:
    """Return the inputs at the centres of a ``res x res`` grid over the plane.

    Parameters
    ----------
    extent : (x_min, x_max, y_min, y_max)
    res : int
        Cells per side.
    fill : sequence of float
        Values of the features after the first two (held fixed over the plane).

    Returns
    -------
    ndarray, shape (res * res, 2 + len(fill))
        Row ``r * res + c`` is the cell in image row ``r`` (top first), column ``c``.
    """
    if res < 1:
        raise ValueError(f"res: expected a positive int, got {res}")
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
    ys = y1 - (np.arange(res) + 0.5) * (y1 - y0) / res
    gx, gy = np.meshgrid(xs, ys)
    cols = [gx.ravel(), gy.ravel()] + [np.full(res * res, float(v)) for v in fill]
    return np.stack(cols, axis=1)


def plane_activations(
    net: object,
    extent: Extent,
    res: int,
    fill: Sequence[float] = (),
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Run ``net.forward`` over the plane and return every layer's activations as images.

    Parameters
    ----------
    net : glassnet.Network
        A single network (not a population).
    extent, res, fill
        As in :func:`plane_inputs`.
    transform : callable, optional
        Applied to the grid inputs before the forward pass (e.g. the standardization the
        network was trained with).

    Returns
    -------
    list of ndarray
        Entry ``l - 1`` is ``a^(l)`` over the plane, shape (res, res, n_l), for l = 1..L; the
        last entry is the network's output (the decision boundary or regression surface).
    """
    grid = plane_inputs(extent, res, fill)
    if transform is not None:
        grid = transform(grid)
    fwd = net.forward(grid)  # type: ignore[attr-defined]
    return [np.asarray(a).reshape(res, res, -1) for a in fwd.a[1:]]
