"""Data sets of a study: loaded once per data set entry, in the process that runs the study."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from glassnet._validation import known_keywords

__all__ = ["fresh_arrays", "load_dataset", "split_dataset"]


@lru_cache(maxsize=32)
def _load(entry_json: str) -> tuple[np.ndarray, np.ndarray]:
    import glassnet as gn

    entry = json.loads(entry_json)
    if "csv" in entry:
        params = {k: v for k, v in entry.items() if k not in ("csv", "standardize")}
        X, y = gn.datasets.load_csv(entry["csv"], **params)
    else:
        params = {k: v for k, v in entry.items() if k != "name"}
        X, y = gn.datasets.load(entry["name"], **params)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


@known_keywords
def load_dataset(entry: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Load a data set entry of a spec.

    Parameters
    ----------
    entry : mapping
        ``{"name": <gn.datasets name>, **kwargs}`` or ``{"csv": <path>, "target": ..., ...}``.

    Returns
    -------
    X : ndarray, shape (N, n_features)
    y : ndarray, shape (N, n_targets)
        Read-only float64 arrays (cached: the same entry gives the same arrays).
    """
    return _load(json.dumps(dict(entry), sort_keys=True))


@known_keywords
def split_dataset(
    entry: Mapping[str, Any], validation: float, split_seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Load ``entry`` and hold out a fraction ``validation`` of it.

    Returns
    -------
    X_train, y_train, X_val, y_val
        ``X_val`` and ``y_val`` are None when ``validation`` is 0. The split is
        ``gn.datasets.train_test_split(X, y, test_size=validation, seed=split_seed)``. A CSV
        entry with ``standardize = true`` has both inputs transformed with the means and
        standard deviations of ``X_train`` (:class:`glassnet.datasets.Standardizer`).
    """
    import glassnet as gn

    X, y = load_dataset(entry)
    Xtr, ytr, Xva, yva = X, y, None, None
    if validation:
        Xtr, Xva, ytr, yva = gn.datasets.train_test_split(
            X, y, test_size=validation, seed=split_seed
        )
    if entry.get("standardize"):  # fitted on the training part only: nothing of X_val leaks
        scaler = gn.datasets.Standardizer().fit(Xtr)
        Xtr = scaler.transform(Xtr)
        Xva = None if Xva is None else scaler.transform(Xva)
    return Xtr, ytr, Xva, yva


@known_keywords
def fresh_arrays(
    data: tuple[Any, ...],
) -> tuple[Any, ...]:
    """Copies of a task's arrays in fresh, aligned, C-contiguous, writable float64 memory.

    Every worker (this process, a local worker process, a Dask worker) trains on arrays built
    here, so the memory layout the engine sees is the same wherever a group runs. Arrays that
    arrive over the wire are often not: Dask hands its workers read-only views into message
    frames at any byte offset, and for such unaligned arrays NumPy's ``matmul`` leaves BLAS for
    its own loop, which sums in another order (e.g. ``X.T @ delta`` for a hidden layer of one
    or two units differs in the last bit, and training amplifies it). A copy costs one pass
    over the data; training costs epochs x that.

    Parameters
    ----------
    data : tuple of ndarray or None
        ``(X, y, X_val, y_val)``; None entries stay None.

    Returns
    -------
    tuple
        The same arrays (equal values and shapes), each a new float64 array that owns its
        memory.
    """
    return tuple(None if a is None else np.array(a, dtype=np.float64, order="C") for a in data)
