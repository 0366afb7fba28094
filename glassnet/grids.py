r"""What a network computes over a grid: the input plane, and planes in parameter space.

NumPy only (no figures); :mod:`glassnet.plots` and the playground draw from these.

Input plane
-----------
For 2-D data, every layer's activations over a ``res x res`` grid of the plane of the first two
features (other features held fixed, by default at their mean over the data). Grids are laid
out as images: row 0 is the top of the plane (largest second feature), column 0 its left edge
(smallest first feature) -- the layout of :mod:`glassnet.playground.grid`, whose
``plane_extent``, ``plane_inputs`` and ``plane_activations`` these generalize to populations.

Loss landscape
--------------
The cost around parameters ``theta`` along directions ``d1`` (and ``d2``)::

    C(alpha)        = C(theta + alpha d1)
    C(alpha, beta)  = C(theta + alpha d1 + beta d2)

Random directions are *filter-normalized* (Li et al., 2018, "Visualizing the Loss Landscape of
Neural Nets"): drawn from N(0, 1) with the shapes of the weights, then each unit's incoming
column ``d[:, j]`` of layer ``l`` is rescaled to the norm of ``W^(l)[:, j]``, so a step of 1
changes every unit's weights by as much as they weigh. Bias directions are zero. The costs of
all grid points are computed in one batched forward pass (the grid points are a population).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import losses as _losses
from glassnet._random import check_seed
from glassnet._validation import (
    Interval,
    _is_real,
    check,
    check_finite,
    describe,
    known_keywords,
    numeric_array,
)

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray
Extent = tuple[float, float, float, float]

__all__ = [
    "LossSurface",
    "PlaneGrid",
    "centres",
    "check_features",
    "filter_normalized_direction",
    "flatten",
    "loss_surface",
    "pca_directions",
    "plane_activations",
    "plane_extent",
    "plane_grid",
    "plane_inputs",
    "unflatten",
]

MAX_SPAN = 1e6  # in units of the (filter-normalized) directions
#: The most numbers one grid may hold: points x (inputs + every layer's units) for a plane,
#: points x parameters for a loss landscape (2**27 float64 numbers: 1 GiB).
MAX_GRID_VALUES = 2**27


def _check_grid(res: int, per_point: int, what: str, dims: int = 2) -> None:
    """Refuse, before anything is allocated, a grid of ``res`` per side (a square, or a line
    for ``dims=1``) whose numbers would pass :data:`MAX_GRID_VALUES`."""
    need = res**dims * per_point
    if need > MAX_GRID_VALUES:
        most = MAX_GRID_VALUES // max(per_point, 1)
        if dims == 2:
            most = math.isqrt(most)
        grid = f"{res} x {res} grid of" if dims == 2 else f"line of {res}"
        raise ValueError(
            f"res: a {grid} {what} holds {need:.3g} numbers, more than "
            f"{MAX_GRID_VALUES:.3g} (glassnet.grids.MAX_GRID_VALUES); expected res <= {most}"
        )


# --- the input plane -----------------------------------------------------------------------


def _extent(extent: Any) -> tuple[Any, Any, Any, Any]:
    """``extent`` as its four edges ``(x_min, x_max, y_min, y_max)``, named when it is not."""
    if isinstance(extent, str | bytes | Mapping) or not isinstance(extent, Sequence | np.ndarray):
        raise TypeError(f"extent: expected (x_min, x_max, y_min, y_max), got {describe(extent)}")
    if len(extent) != 4:
        raise ValueError(
            f"extent: expected 4 edges (x_min, x_max, y_min, y_max), got {len(extent)}"
        )
    x0, x1, y0, y1 = extent
    return x0, x1, y0, y1


def _fill(fill: Any) -> list[float]:
    """The values of the other features, each a finite number named by its place."""
    if isinstance(fill, str | bytes | Mapping) or not isinstance(fill, Sequence | np.ndarray):
        raise TypeError(f"fill: expected one number per other feature, got {describe(fill)}")
    return [float(check(v, f"fill[{i}]", Interval(float, None, None))) for i, v in enumerate(fill)]


@known_keywords
def plane_extent(X: Any, pad: float = 0.1) -> Extent:
    """The box around the first two features of ``X``, with a margin.

    Parameters
    ----------
    X : array, shape (N, d), d >= 2
    pad : float
        Margin on each side as a fraction of the data's range (when all points share that
        coordinate: 0.5, or ``pad`` times its magnitude where that is larger, so that the box
        has a width at any magnitude).

    Returns
    -------
    (x_min, x_max, y_min, y_max) : tuple of float

    Raises
    ------
    ValueError
        The box is wider than float64 holds (data near +-1.8e308): no grid over it has a
        finite cell width.
    """
    X = numeric_array(X, "X").astype(float)
    if X.ndim != 2 or X.shape[1] < 2 or X.shape[0] < 1:
        raise ValueError(f"X: expected an array of shape (N, d>=2), got shape {X.shape}")
    lo = X[:, :2].min(axis=0)
    hi = X[:, :2].max(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        span = hi - lo  # infinite for data at +-1e308: the margin is then taken side by side
        spread = np.where(np.isfinite(span), pad * span, pad * hi - pad * lo)
        margin = np.where(hi > lo, spread, np.maximum(0.5, pad * np.abs(lo)))
        lo, hi = lo - margin, hi + margin
        width = hi - lo
    if not np.isfinite(width).all():
        raise ValueError(
            f"X: the plane around the data's first two features (from {X[:, :2].min():.3g} to "
            f"{X[:, :2].max():.3g}) is wider than float64 holds; scale X (e.g. with "
            "glassnet.datasets.Standardizer)"
        )
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


@known_keywords
def centres(lo: float, hi: float, res: int) -> Array:
    """The centres of ``res`` equal cells from ``lo`` to ``hi``, shape ``(res,)``:
    ``lo + (i + 1/2) (hi - lo) / res``.

    Raises ``ValueError`` (naming ``extent``) unless ``lo < hi`` with a finite width."""
    for edge in (lo, hi):
        if not _is_real(edge):
            raise TypeError(f"extent: expected numbers for the edges, got {describe(edge)}")
    res = check(res, "res", Interval(int, 1, None))
    _check_grid(res, 1, "centres", dims=1)
    with np.errstate(over="ignore", invalid="ignore"):
        width = float(hi) - float(lo)
    if not (math.isfinite(width) and width > 0):
        raise ValueError(
            f"extent: expected finite edges with low < high and a finite width, got {lo!r} "
            f"to {hi!r}"
        )
    # the cell's width first: (i + 1/2) * width overflows for a plane near float64's edge
    return lo + (np.arange(res) + 0.5) * (width / res)


@known_keywords
def plane_inputs(extent: Extent, res: int, fill: Sequence[float] = ()) -> Array:
    """The inputs at the centres of a ``res x res`` grid over the plane.

    Returns
    -------
    array, shape (res * res, 2 + len(fill))
        Row ``r * res + c`` is the cell in image row ``r`` (top first), column ``c``.
    """
    res = check(res, "res", Interval(int, 1, None))
    fill = _fill(fill)
    _check_grid(int(res), 2 + len(fill), "inputs")
    x0, x1, y0, y1 = _extent(extent)
    xs = centres(x0, x1, res)
    ys = centres(y0, y1, res)[::-1]  # image rows: the top first
    gx, gy = np.meshgrid(xs, ys)
    cols = [gx.ravel(), gy.ravel()] + [np.full(res * res, float(v)) for v in fill]
    return np.stack(cols, axis=1)


@known_keywords
@dataclass
class PlaneGrid:
    """Every layer's activations over the input plane.

    Attributes
    ----------
    extent : (x_min, x_max, y_min, y_max)
    res : int
    fill : list of float
        The values of the other features, held fixed (in their order).
    layers : list of array
        ``layers[l - 1]`` is ``a^(l)`` over the plane, shape ``(res, res, n_l)`` (a population:
        ``(P, res, res, n_l)``); the last is the output (decision boundary or regression
        surface).
    features : (int, int)
        The two inputs (0-based) that span the plane: its x and y axes.
    """

    extent: Extent
    res: int
    fill: list[float]
    layers: list[Array]
    features: tuple[int, int] = (0, 1)

    @property
    def output(self) -> Array:
        return self.layers[-1]


@known_keywords
def plane_grid(
    net: Network,
    X: Any = None,
    *,
    extent: Extent | None = None,
    res: int = 64,
    fill: Sequence[float] | None = None,
    transform: Callable[[Array], Array] | None = None,
    features: Sequence[int] = (0, 1),
) -> PlaneGrid:
    """Run the network's forward pass over the plane of two of its inputs (the first two
    unless ``features`` says which), the others held fixed.

    Parameters
    ----------
    net : Network
        One network or a population (the activations then have a leading ``P``).
    X : array (N, d), optional
        The data; gives the default ``extent`` (:func:`plane_extent` of the two features) and
        the default ``fill`` (the mean of each other feature).
    extent : (x_min, x_max, y_min, y_max), optional
    res : int
        Cells per side.
    fill : sequence of float, optional
        Values of the other features, in their order (``d - 2`` of them).
    transform : callable, optional
        Applied to the grid inputs before the forward pass (e.g. a standardization).
    features : (int, int)
        The two inputs (0-based, distinct) that span the plane.

    Returns
    -------
    PlaneGrid
    """
    d = net.sizes[0]
    if d < 2:
        raise ValueError(f"net: the input plane needs at least 2 inputs, this network has {d}")
    pair = check_features(features, d)
    others = [k for k in range(d) if k not in pair]
    if transform is not None and not callable(transform):
        raise TypeError(f"transform: expected a callable or None, got {describe(transform)}")
    if X is not None:
        X = numeric_array(X, "X").astype(float)
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"X: expected shape (N, {d}) for this network, got {X.shape}")
    if extent is None:
        if X is None:
            raise ValueError("extent: give the plane's extent or the data X")
        extent = plane_extent(X[:, list(pair)])
    if fill is None:
        fill = X[:, others].mean(axis=0).tolist() if X is not None else [0.0] * (d - 2)
    fill = _fill(fill)
    if len(fill) != d - 2:
        raise ValueError(f"fill: expected {d - 2} values for the other features, got {len(fill)}")
    if isinstance(res, int | np.integer) and not isinstance(res, bool):
        _check_grid(int(res), sum(net.sizes) * (net.population or 1), "activations")
    grid = plane_inputs(extent, res, fill)
    if pair != (0, 1):  # the plane's two columns to their features, the rest in order
        full = np.empty_like(grid)
        full[:, [*pair, *others]] = grid
        grid = full
    if transform is not None:
        grid = transform(grid)
    # an overflow on the plane is no error: the figures that draw it say where it happened
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        fwd = net.apply(net.params, net.check_inputs(grid, "grid"))
    lead = () if net.population is None else (net.population,)
    layers = [np.asarray(a).reshape(*lead, res, res, -1) for a in fwd.a[1:]]
    return PlaneGrid(tuple(float(v) for v in extent), res, fill, layers, pair)  # type: ignore[arg-type]


@known_keywords
def check_features(features: Any, n_inputs: int) -> tuple[int, int]:
    """``features`` as two distinct input indices (0-based) below ``n_inputs``."""
    if isinstance(features, str | bytes) or not isinstance(features, Sequence | np.ndarray):
        raise TypeError(f"features: expected two input indices, got {describe(features)}")
    if len(features) != 2:
        raise ValueError(f"features: expected two input indices, got {len(features)}")
    pair = tuple(
        check(f, f"features[{k}]", Interval(int, 0, n_inputs - 1)) for k, f in enumerate(features)
    )
    if pair[0] == pair[1]:
        raise ValueError(f"features: expected two different inputs, got {pair[0]} twice")
    return pair


@known_keywords
def plane_activations(
    net: Network,
    extent: Extent,
    res: int,
    fill: Sequence[float] = (),
    transform: Callable[[Array], Array] | None = None,
) -> list[Array]:
    """Every layer's activations over the plane, as images (the playground's signature)."""
    return plane_grid(net, extent=extent, res=res, fill=fill, transform=transform).layers


# --- parameter space -----------------------------------------------------------------------


@known_keywords
def flatten(params: list[dict[str, Array]]) -> Array:
    """All parameters of one network as one vector (layer by layer, ``W`` then ``b``).

    For a population's parameters (leading ``P``) the result is ``(P, n_params)``.
    """
    first = params[0]["W"]
    single = first.ndim == 2
    parts = []
    for layer in params:
        for k in ("W", "b"):
            if k in layer:
                a = layer[k]
                parts.append(a.ravel() if single else a.reshape(a.shape[0], -1))
    return np.concatenate(parts, axis=-1)


@known_keywords
def unflatten(vec: Array, like: list[dict[str, Array]]) -> list[dict[str, Array]]:
    """The inverse of :func:`flatten` for one network; a leading batch axis is kept.

    ``vec`` of shape ``(n_params,)`` gives arrays shaped like ``like``; ``(K, n_params)``
    gives arrays with a leading ``K`` (a population of ``K`` parameter sets).
    """
    vec = np.asarray(vec)
    lead = vec.shape[:-1]
    # counted first: a short vector would otherwise fail in a reshape, naming nothing
    need = sum(math.prod(layer[k].shape[-2:]) for layer in like for k in ("W", "b") if k in layer)
    if need != vec.shape[-1]:
        raise ValueError(f"vec: expected {need} parameters, got {vec.shape[-1]}")
    out: list[dict[str, Array]] = []
    i = 0
    for layer in like:
        new: dict[str, Array] = {}
        for k in ("W", "b"):
            if k in layer:
                shape = layer[k].shape[-2:]
                n = shape[0] * shape[1]
                new[k] = vec[..., i : i + n].reshape(*lead, *shape)
                i += n
        out.append(new)
    return out


@known_keywords
def filter_normalized_direction(
    params: list[dict[str, Array]], seed: int | np.random.Generator = 0
) -> Array:
    """A random direction, filter-normalized to ``params`` (one network), as a flat vector.

    ``d ~ N(0, 1)`` shaped like each ``W``; column ``j`` of layer ``l`` is rescaled to
    ``||W^(l)[:, j]||``; biases get 0.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))
    direction = []
    for layer in params:
        W = layer["W"]
        if W.ndim != 2:
            raise ValueError("params: expected one network's parameters, not a population's")
        d = rng.standard_normal(W.shape)
        d *= np.linalg.norm(W, axis=0, keepdims=True) / np.maximum(
            np.linalg.norm(d, axis=0, keepdims=True), 1e-300
        )
        new = {"W": d}
        if "b" in layer:
            new["b"] = np.zeros(layer["b"].shape)
        direction.append(new)
    return flatten(direction)


@known_keywords
def pca_directions(path: Array, center: Array, k: int = 2) -> tuple[Array, Array]:
    """The ``k`` principal directions of a parameter path around ``center``.

    Returns the unit directions ``(k, n)`` and the fraction of the path's variance each
    explains. This is the plane in which an optimizer's path is best seen.
    """
    k = check(k, "k", Interval(int, 1, None))
    M = numeric_array(path, "path").astype(float) - numeric_array(center, "center").astype(float)
    if M.ndim != 2 or M.shape[0] < 2:
        raise ValueError(f"path: expected at least 2 points of shape (T, n), got {M.shape}")
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    var = s**2 / max(float((s**2).sum()), 1e-300)
    k = min(k, vt.shape[0])
    return vt[:k], var[:k]


@known_keywords
@dataclass
class LossSurface:
    r"""The cost on a line or a plane through ``center`` in parameter space.

    Attributes
    ----------
    center : array (n,)
        ``theta``, the flat parameters the slice goes through.
    directions : array (k, n)
        ``d1`` (and ``d2``), ``k`` = 1 or 2.
    alphas, betas : array
        Coordinates along ``d1`` and ``d2`` (``betas`` is None for a line).
    loss : array
        ``(len(alphas),)`` for a line; ``(len(betas), len(alphas))`` for a plane (row ``i`` is
        ``beta_i``).
    path : array (T, k) or None
        A parameter path projected on the directions (least squares, relative to ``center``).
    path_loss : array (T,) or None
        The true cost at each point of the path.
    """

    center: Array
    directions: Array
    alphas: Array
    betas: Array | None
    loss: Array
    path: Array | None = None
    path_loss: Array | None = None
    explained: Array | None = None


def _batched_cost(net: Network, Xa: Array, ya: Array, loss: _losses.Loss, thetas: Array,
                  like: list[dict[str, Array]], chunk: int = 256) -> Array:  # fmt: skip
    out = np.empty(thetas.shape[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for s in range(0, thetas.shape[0], chunk):
            params = unflatten(thetas[s : s + chunk].astype(net.dtype), like)
            fwd = net.apply(params, Xa)
            out[s : s + chunk] = net.cost(fwd, ya, loss)
    return out


@known_keywords
def loss_surface(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | _losses.Loss = "mse",
    dims: int = 2,
    directions: str | Array = "random",
    path: Any = None,
    span: float | None = None,
    res: int = 31,
    seed: int = 0,
) -> LossSurface:
    r"""The cost on a line (``dims=1``) or plane (``dims=2``) around the network's parameters.

    Parameters
    ----------
    net : Network
        A single network (take ``pop.member(k)`` for a population's member).
    X, y : arrays
    loss : str or Loss
    dims : {1, 2}
    directions : {"random", "pca"} or array (dims, n_params)
        ``"random"``: filter-normalized random directions (seeded by ``seed``); ``"pca"``: the
        principal directions of ``path`` (needs a path); or explicit flat directions.
    path : array (T, n_params), optional
        Parameter vectors visited during training (e.g. :class:`glassnet.plots.PathRecorder`'s
        ``path``), projected on the directions.
    span : float, optional
        The slice covers ``[-span, span]`` in units of the directions. Default: 1 for random
        directions, widened to contain the projected path; for PCA, the path's extent plus
        25%.
    res : int
        Points per axis.
    seed : int

    Returns
    -------
    LossSurface
    """
    if net.population is not None:
        raise ValueError("net: expected a single network; use net.member(k) for a population")
    dims = check(dims, "dims", Interval(int, 1, 2))
    res = check(res, "res", Interval(int, 2, None))
    _check_grid(int(res), net.n_params, "parameter sets", dims)
    loss_fn = net.check_loss(loss)
    Xa = net.check_inputs(X)
    ya = net.check_targets(y, loss_fn, Xa.shape[0])
    like = net.params
    center = flatten(like).astype(float)
    n = center.size
    P = None
    if path is not None:
        P = numeric_array(path, "path").astype(float)
        if P.ndim != 2 or P.shape[1] != n:
            raise ValueError(f"path: expected shape (T, {n}), got {P.shape}")
        check_finite(P, "path")

    explained = None
    if isinstance(directions, str):
        if directions == "random":
            rng = np.random.default_rng(check_seed(seed))
            with np.errstate(over="ignore", invalid="ignore"):  # refused by name below
                D = np.stack([filter_normalized_direction(like, rng) for _ in range(dims)])
        elif directions == "pca":
            if P is None:
                raise ValueError("directions: 'pca' needs a parameter path (path=...)")
            D, explained = pca_directions(P, center, dims)
            if D.shape[0] < dims:
                raise ValueError("path: too few distinct points for a 2-D PCA plane")
        else:
            raise ValueError(
                f"directions: expected 'random', 'pca' or an array, got {directions!r}"
            )
    else:
        D = np.atleast_2d(np.asarray(directions, dtype=float))
        if D.shape != (dims, n):
            raise ValueError(f"directions: expected shape ({dims}, {n}), got {D.shape}")
    if isinstance(directions, str) and not np.isfinite(D).all():
        raise ValueError(
            f"net: its weights are too large for a landscape around them (the largest |w| is "
            f"{float(np.abs(center).max()):.3g}: a direction scaled to them overflows); did "
            "its training diverge?"
        )
    if not np.isfinite(D).all() or (D == 0).all(axis=1).any():  # (a norm can overflow)
        raise ValueError("directions: expected finite, non-zero directions")

    proj = None
    if P is not None:
        proj = np.linalg.lstsq(D.T, (P - center).T, rcond=None)[0].T  # (T, dims)
    if span is None:
        if isinstance(directions, str) and directions == "pca":
            assert proj is not None
            span = 1.25 * float(np.abs(proj).max()) or 1.0
        else:
            span = 1.0
            if proj is not None:
                span = max(span, 1.1 * float(np.abs(proj).max()))
    # beyond MAX_SPAN times the weights' own scale the losses overflow: no landscape left
    span = check(span, "span", Interval(float, 0, MAX_SPAN, closed="right"))

    alphas = np.linspace(-span, span, res)
    betas = None
    if dims == 1:
        thetas = center + alphas[:, None] * D[0]
        surface = _batched_cost(net, Xa, ya, loss_fn, thetas, like)
    else:
        betas = np.linspace(-span, span, res)
        A, B = np.meshgrid(alphas, betas)
        thetas = center + A.reshape(-1, 1) * D[0] + B.reshape(-1, 1) * D[1]
        surface = _batched_cost(net, Xa, ya, loss_fn, thetas, like).reshape(res, res)
    path_loss = None if P is None else _batched_cost(net, Xa, ya, loss_fn, P, like)
    return LossSurface(center, D, alphas, betas, surface, proj, path_loss, explained)
