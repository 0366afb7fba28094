"""Splitting into training and test parts, and standardizing with training statistics only."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from glassnet._validation import check_finite, known_keywords
from glassnet.datasets._base import FloatArray, SeedLike, _as_2d_float, _rng
from glassnet.datasets.encoding import _is_class_target, labels


# --------------------------------------------------------------------------------------------
# splitting and standardizing
# --------------------------------------------------------------------------------------------
def _n_test(test_size: Any, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"test_size: expected a fraction in (0, 1) or a row count, got {test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        k = int(test_size)
        if not 1 <= k <= n - 1:
            raise ValueError(
                f"test_size: expected a row count in [1, {n - 1}] for {n} rows, got {k}"
            )
        return k
    f = float(test_size)
    if not 0.0 < f < 1.0:
        raise ValueError(f"test_size: expected a fraction in (0, 1), got {test_size!r}")
    k = math.ceil(f * n)
    if k >= n:
        raise ValueError(
            f"test_size: {test_size!r} of {n} rows leaves no training rows; use a smaller "
            "fraction or more data"
        )
    return k


@known_keywords
def train_test_split(
    X: ArrayLike,
    y: ArrayLike,
    test_size: float | int = 0.25,
    seed: SeedLike = 0,
    stratify: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Seeded random split into a training part and a test part.

    Parameters
    ----------
    X : array_like, shape (N, d)
    y : array_like, shape (N,) or (N, m)
    test_size : float or int
        A fraction in (0, 1) (the test part gets ``ceil(test_size * N)`` rows) or a row count
        in [1, N - 1].
    seed : int, Generator or None
        Rows are permuted with ``numpy.random.default_rng(seed)``; the same seed gives the same
        split.
    stratify : bool
        Keep each class's share in both parts (largest-remainder rounding per class); needs
        class targets: y (N, 1) of 0/1 or one-hot (N, k).

    Returns
    -------
    X_train : ndarray, shape (N - n_test, d)
    X_test : ndarray, shape (n_test, d)
    y_train : ndarray, shape (N - n_test, ...)
    y_test : ndarray, shape (n_test, ...)
        Arrays keep the dtype of the inputs; rows appear in shuffled order.
    """
    for name, a in (("X", X), ("y", y)):
        if isinstance(a, np.ma.MaskedArray):  # np.asarray would drop the mask silently
            raise TypeError(
                f"{name}: masked arrays are not supported; fill or drop the masked rows"
            )
    Xa = np.asarray(X)
    ya = np.asarray(y)
    if Xa.ndim != 2:
        raise ValueError(f"X: expected a 2-D array (N, d), got shape {Xa.shape}")
    if ya.ndim not in (1, 2):
        raise ValueError(f"y: expected shape (N,) or (N, m), got {ya.shape}")
    n = Xa.shape[0]
    if ya.shape[0] != n:
        raise ValueError(f"y: expected {n} rows to match X, got {ya.shape[0]}")
    if n < 2:
        raise ValueError(f"X: expected at least 2 rows to split, got {n}")
    n_test = _n_test(test_size, n)
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"stratify: expected True or False, got {stratify!r}")
    rng = _rng(seed)
    if not stratify:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        y2 = ya[:, None] if ya.ndim == 1 else ya
        try:
            yf = np.asarray(y2, dtype=np.float64)
        except (TypeError, ValueError):
            yf = None
        if yf is None or not _is_class_target(yf):
            raise ValueError(
                "stratify: expected class targets (y of shape (N, 1) holding 0/1, or one-hot "
                f"(N, k)), got y of shape {ya.shape} with other values"
            )
        lab = labels(yf)
        classes = np.unique(lab)
        groups = [rng.permutation(np.flatnonzero(lab == c)) for c in classes]
        # largest remainders of the quotas n_c n_test / n, in integers: fractional parts
        # computed in floats differ in their last bits where the exact ones tie, and would
        # break ties by rounding noise instead of by class order
        share = np.array([len(g) for g in groups], dtype=np.int64) * n_test
        take = share // n
        rest = n_test - int(take.sum())
        if rest > 0:
            extra = np.argsort(-(share - take * n), kind="stable")[:rest]
            take[extra] += 1
        test = np.concatenate([g[:t] for g, t in zip(groups, take, strict=True)])
        train = np.concatenate([g[t:] for g, t in zip(groups, take, strict=True)])
        test, train = rng.permutation(test), rng.permutation(train)
    return Xa[train], Xa[test], ya[train], ya[test]


def _finite_result(out: FloatArray, name: str, dt: np.dtype[Any]) -> FloatArray:
    if not np.isfinite(out).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise ValueError(
            f"{name}: row {row}, column {col} is too large for the fitted scale: the result "
            f"overflows {dt} (beyond {np.finfo(dt).max:.3g})"
        )
    return out


# Below this magnitude a column's nonzero deviations (at least eps * c apart) may square to a
# subnormal number: sqrt(smallest normal float64) / eps, about 6.7e-139.
_SMALL_COLUMN = float(np.sqrt(np.finfo(np.float64).tiny) / np.finfo(np.float64).eps)


class Standardizer:
    """Z-score features with statistics of the data it was fitted on.

    ``fit(X)`` stores ``mean = X.mean(axis=0)`` and ``scale = X.std(axis=0)`` (a column with
    zero spread gets ``scale = 1``, so it maps to 0 instead of dividing by 0); then
    ``transform(X) = (X - mean) / scale``. Fit on the training part only and apply the same
    statistics to the test part, so nothing about the test data leaks into training.

    Attributes
    ----------
    mean : ndarray, shape (d,) or None
    scale : ndarray, shape (d,) or None
        None until :meth:`fit` is called.
    """

    def __init__(self) -> None:
        self.mean: FloatArray | None = None
        self.scale: FloatArray | None = None

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` has been called."""
        return self.mean is not None

    @known_keywords
    def fit(self, X: ArrayLike) -> Standardizer:
        """Learn the column means and standard deviations of ``X`` (N, d), N >= 1.

        Returns
        -------
        Standardizer
            ``self``, so ``Standardizer().fit(X_train)`` chains.
        """
        arr = _as_2d_float(X, "X")
        if arr.shape[0] < 1:
            raise ValueError("X: expected at least 1 row to fit on, got 0")
        if not np.all(np.isfinite(arr)):
            raise ValueError("X: expected finite values, got NaN or infinity")
        with np.errstate(over="ignore", under="ignore"):
            mean, std = arr.mean(axis=0), arr.std(axis=0)
        # Squares of |x| > 1e154 overflow and of |x| < 1e-154 underflow: those columns are
        # divided by their largest magnitude c first, std(x) = c std(x / c), which cannot
        # overflow (|x / c| <= 1), so a column of +-1e200 is scaled, not zeroed. Underflow
        # is not only to 0: squares below float64's smallest normal number (2.2e-308) keep
        # fewer digits, so a column of magnitude 1e-160 got a std wrong in its sixth digit.
        # A nonzero deviation is at least eps * c, so below c = _SMALL_COLUMN every column
        # whose values differ is scaled.
        spread = arr.max(axis=0) != arr.min(axis=0)
        tiny = np.abs(arr).max(axis=0) < _SMALL_COLUMN
        redo = ~np.isfinite(mean) | ~np.isfinite(std) | ((std == 0) & spread) | (tiny & spread)
        if redo.any():
            c = np.abs(arr[:, redo]).max(axis=0)
            u = arr[:, redo] / c
            # the direct mean stays where it is finite: x / c rounds every value, which a
            # mean that cancels (values of both signs) would feel
            mean[redo] = np.where(np.isfinite(mean[redo]), mean[redo], u.mean(axis=0) * c)
            std[redo] = u.std(axis=0) * c
        # a column without spread is its one value, scale 1, so that it maps to exactly 0: its
        # computed mean can be off by an ulp (0.1 three times averages to 0.1 + 1.4e-17), and
        # that ulp divided by a std of one ulp made the whole column -1 or 1
        self.mean = np.where(spread, mean, arr[0])
        self.scale = np.where(spread & (std > 0), std, 1.0)
        return self

    def _check(
        self, X: ArrayLike, name: str
    ) -> tuple[FloatArray, np.dtype[Any], FloatArray, FloatArray]:
        mean, scale = self.mean, self.scale
        if mean is None or scale is None:
            raise ValueError("Standardizer: not fitted; call fit(X_train) first")
        src = np.asarray(X)
        out_dt = src.dtype if src.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        arr = _as_2d_float(src, name)
        if arr.shape[1] != mean.shape[0]:
            raise ValueError(
                f"{name}: expected {mean.shape[0]} columns (as fitted), got {arr.shape[1]}"
            )
        # NaN or infinity given is refused as such, not reported as a result that overflowed
        check_finite(arr, name)
        return arr, out_dt, mean, scale

    @known_keywords
    def transform(self, X: ArrayLike) -> FloatArray:
        """Return ``(X - mean) / scale``, shape (N, d), in X's float dtype (float64 default)."""
        arr, dt, mean, scale = self._check(X, "X")
        with np.errstate(over="ignore"):
            out = (arr - mean) / scale
            if not np.isfinite(out).all():  # x - mean overflowed: divide first
                out = arr / scale - mean / scale
            out = out.astype(dt, copy=False)
        return _finite_result(out, "X", dt)

    @known_keywords
    def fit_transform(self, X: ArrayLike) -> FloatArray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    @known_keywords
    def inverse_transform(self, Z: ArrayLike) -> FloatArray:
        """Undo :meth:`transform`: ``Z * scale + mean``, shape (N, d)."""
        arr, dt, mean, scale = self._check(Z, "Z")
        with np.errstate(over="ignore"):
            out = (arr * scale + mean).astype(dt, copy=False)
        return _finite_result(out, "Z", dt)

    def __repr__(self) -> str:
        d = None if self.mean is None else self.mean.shape[0]
        return f"Standardizer(fitted={self.fitted}, n_features={d})"


@known_keywords
def standardized_split(
    X: ArrayLike,
    y: ArrayLike,
    test_size: float | int = 0.25,
    seed: SeedLike = 0,
    stratify: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, Standardizer]:
    """Split, then standardize both parts with statistics of the training part only.

    Same parameters as :func:`train_test_split`.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        As from :func:`train_test_split`, with ``X_train`` z-scored (column means 0, standard
        deviations 1) and ``X_test`` transformed with the training statistics.
    scaler : Standardizer
        Fitted on ``X_train``; apply it to any new data.
    """
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size, seed, stratify)
    scaler = Standardizer().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te, scaler
