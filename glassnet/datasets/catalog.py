"""The catalog of built-in datasets: their names, :func:`load`, :func:`info` and :func:`describe`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import DTypeLike

from glassnet._validation import (
    Boolean,
    Options,
    check,
    check_keywords,
    known_keywords,
    unknown_name,
)
from glassnet.datasets._base import Dataset, DatasetInfo, FloatArray, _float_dtype
from glassnet.datasets.bundled import _diabetes, _digits
from glassnet.datasets.generators import (
    _and,
    _blobs,
    _circles,
    _meals,
    _moons,
    _or,
    _paper,
    _spirals,
    _xor,
)

_REGISTRY: dict[str, Callable[..., Dataset]] = {
    "paper": _paper,
    "xor": _xor,
    "and": _and,
    "or": _or,
    "moons": _moons,
    "circles": _circles,
    "spirals": _spirals,
    "blobs": _blobs,
    "digits": _digits,
    "diabetes": _diabetes,
    "meals": _meals,
}


def names() -> list[str]:
    """Names of the built-in datasets, in a fixed order.

    Returns
    -------
    list of str
        ``["paper", "xor", "and", "or", "moons", "circles", "spirals", "blobs", "digits",
        "diabetes", "meals"]``
    """
    return list(_REGISTRY)


def _lookup(name: Any) -> Callable[..., Dataset]:
    if not isinstance(name, str):
        check(name, "name", Options(_REGISTRY))  # raises: a name is a string
    key = name.strip().lower()
    if key not in _REGISTRY:
        raise unknown_name("dataset", "name", name, _REGISTRY)
    return _REGISTRY[key]


def _options(loader: Callable[..., Dataset]) -> dict[str, Any]:
    return {p.name: p.default for p in inspect.signature(loader).parameters.values()}


def _cast(ds: Dataset, dtype: DTypeLike) -> Dataset:
    dt = _float_dtype(dtype)
    return Dataset(
        np.ascontiguousarray(ds.X, dtype=dt),
        np.ascontiguousarray(ds.y, dtype=dt),
        ds.name,
        ds.task,
        ds.n_classes,
        ds.feature_names,
        ds.target_names,
        ds.description,
        ds.meta,
    )


@overload
def load(
    name: str,
    *,
    dtype: DTypeLike = ...,
    return_info: Literal[False] = ...,
    **kwargs: Any,
) -> tuple[FloatArray, FloatArray]: ...
@overload
def load(
    name: str, *, dtype: DTypeLike = ..., return_info: Literal[True], **kwargs: Any
) -> Dataset: ...
@overload
def load(
    name: str, *, dtype: DTypeLike = ..., return_info: bool, **kwargs: Any
) -> tuple[FloatArray, FloatArray] | Dataset: ...
def load(
    name: str,
    *,
    dtype: DTypeLike = "float64",
    return_info: bool = False,
    **kwargs: Any,
) -> tuple[FloatArray, FloatArray] | Dataset:
    """Load a built-in dataset.

    Parameters
    ----------
    name : str
        One of :func:`names`: ``paper``, ``xor``, ``and``, ``or``, ``moons``, ``circles``,
        ``spirals``, ``blobs``, ``digits``, ``diabetes``, ``meals``.
    dtype : {"float64", "float32"}
        Floating type of ``X`` and ``y``.
    return_info : bool
        Return a :class:`Dataset` (X, y, feature and class names, task, ...) instead of the
        pair ``(X, y)``.
    **kwargs
        Options of the dataset:

        * ``moons``: ``n_samples=200, noise=0.1, seed=0``
        * ``circles``: ``n_samples=200, noise=0.05, seed=0, factor=0.5``
        * ``spirals``: ``n_samples=200, noise=0.05, seed=0, n_classes=2, turns=1.0``
        * ``blobs``: ``n_samples=200, noise=1.0, seed=0, n_classes=3, centers=None``
        * ``digits``: ``classes="all"`` (10 classes) or ``"three"`` (3 vs not 3)
        * ``diabetes``: ``standardize=True``
        * ``meals``: ``n_samples=500, noise=0.05, seed=0, weekday="onehot"|"cyclic",
          scale=True``

        ``paper``, ``xor``, ``and``, ``or`` take none. ``seed`` is an int (the same seed
        gives the same numbers, via ``numpy.random.default_rng(seed)``), a Generator, or None.

    Returns
    -------
    X : ndarray, shape (N, d)
    y : ndarray, shape (N, 1) for binary classes and regression, (N, k) one-hot for k > 2
        classes.
    (or a :class:`Dataset` when ``return_info=True``)

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones) or an option out of range.
    TypeError
        An option the dataset does not take, or of the wrong type.
    """
    loader = _lookup(name)
    check_keywords(
        f"load({loader.__name__[1:]!r})", kwargs, ["dtype", "return_info", *_options(loader)]
    )
    dt = _float_dtype(dtype)
    check(return_info, "return_info", Boolean())
    ds = _cast(loader(**kwargs), dt)
    if return_info:
        return ds
    return ds.X, ds.y


@overload
def info(name: None = None) -> list[DatasetInfo]: ...
@overload
def info(name: str) -> DatasetInfo: ...
@known_keywords
def info(name: str | None = None) -> DatasetInfo | list[DatasetInfo]:
    """Shape and task of the built-in datasets at their default options.

    Parameters
    ----------
    name : str, optional
        One dataset; default all of them.

    Returns
    -------
    DatasetInfo, or a list of them (in the order of :func:`names`) when ``name`` is None.
    """
    if name is None:
        return [_info_one(n) for n in _REGISTRY]
    return _info_one(name)


def _info_one(name: str) -> DatasetInfo:
    loader = _lookup(name)
    ds = loader()
    return DatasetInfo(
        name=ds.name,
        n_samples=ds.n_samples,
        n_features=ds.n_features,
        n_outputs=ds.n_outputs,
        task=ds.task,
        n_classes=ds.n_classes,
        description=ds.description,
        options=_options(loader),
    )


@known_keywords
def describe(name: str | None = None) -> str:
    """A plain-text table of the built-in datasets (name, X shape, y shape, task, options).

    Parameters
    ----------
    name : str, optional
        One dataset; default all of them.

    Returns
    -------
    str
        One header line and one line per dataset (nothing is printed).
    """
    items = [_info_one(n) for n in (_REGISTRY if name is None else [name])]
    rows = [("name", "X", "y", "task", "options")]
    for it in items:
        task = it.task if it.n_classes is None else f"{it.task} ({it.n_classes} classes)"
        opts = ", ".join(f"{k}={v!r}" for k, v in it.options.items()) or "-"
        rows.append(
            (
                it.name,
                f"({it.n_samples}, {it.n_features})",
                f"({it.n_samples}, {it.n_outputs})",
                task,
                opts,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows)
