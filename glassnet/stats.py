"""Small, general statistics for experiment reports.

Everything here takes plain arrays and returns small frozen dataclasses that know how to turn
themselves into JSON-ready dicts (``.to_dict()``), so a report can both print a number with its
confidence interval and store it under ``data/``.

* :func:`median_ci` - median with a percentile-bootstrap confidence interval. Values may be
  ``inf`` (e.g. "never converged", a right-censored time): the median is then honestly ``inf``
  when more than half the runs never got there, instead of silently dropping them.
* :func:`mann_whitney` - Mann-Whitney U test (SciPy) with the common-language effect size.
* :func:`proportion` / :func:`wilson_ci` - a fraction with its Wilson score interval.
* :func:`mean_band` - mean curve over runs with a 95% band (confidence interval of the mean, or a
  percentile band), NaN-aware.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from glassnet._random import check_seed
from glassnet._validation import (
    MAX_PASS_BYTES,
    Interval,
    _is_real,
    check,
    check_finite,
    describe,
    known_keywords,
    numeric_array,
)

__all__ = [
    "Band",
    "Estimate",
    "Proportion",
    "TestResult",
    "fmt_ci",
    "jsonable",
    "mann_whitney",
    "mean_band",
    "median_ci",
    "proportion",
    "wilson_ci",
]


def _check_level(level: float) -> float:
    return float(check(level, "level", Interval(float, 0, 1, closed="neither")))


def _sample(values: Any, argument: str) -> np.ndarray:
    """``values`` as float64 numbers: a string, a complex number or a masked array (whose
    mask would be dropped) is refused naming ``argument``, never read as NaN or as data."""
    return numeric_array(values, argument).astype(np.float64).ravel()


def _number(value: Any, argument: str) -> float:
    """A real number, NaN and infinity included (a statistic may be either)."""
    if not _is_real(value):
        raise TypeError(f"{argument}: expected a number, got {describe(value)}")
    return float(value)


@known_keywords
def jsonable(x: object) -> object:
    """Turn numbers, arrays and nested containers into JSON-ready values.

    Non-finite floats become ``None`` (JSON has no ``inf``/``nan``); NumPy scalars become Python
    numbers; arrays become lists.

    Parameters
    ----------
    x : object

    Returns
    -------
    object
    """
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        return v if math.isfinite(v) else None
    if hasattr(x, "to_dict"):
        return jsonable(x.to_dict())
    return x


@known_keywords
@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval.

    Attributes
    ----------
    value, lo, hi : float
        Estimate and interval bounds (may be ``inf`` for censored data).
    n : int
        Number of observations.
    level : float
        Confidence level, e.g. 0.95.
    """

    value: float
    lo: float
    hi: float
    n: int
    level: float = 0.95

    def to_dict(self) -> dict:
        """JSON-ready dict (non-finite values become ``None``)."""
        return jsonable(asdict(self))  # type: ignore[return-value]

    def __str__(self) -> str:
        return fmt_ci(self.value, self.lo, self.hi, level=self.level)


def _fmt_num(v: float, digits: int) -> str:
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "never" if v > 0 else "-inf"
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{digits}g}"


def _percent(level: float) -> str:
    # 0.95 -> "95", 0.999 -> "99.9": rounding to a whole percent called a 99.9% interval (and
    # a 99.5% one) a "100% CI"
    return f"{level * 100:.6g}"


@known_keywords
def fmt_ci(value: float, lo: float, hi: float, level: float = 0.95, digits: int = 3) -> str:
    """Format ``value [lo, hi]`` with the level, e.g. ``"42 (95% CI 37 to 48)"``.

    Parameters
    ----------
    value, lo, hi : float
    level : float
    digits : int
        Significant digits for non-integers.

    Returns
    -------
    str
    """
    value, lo, hi = (_number(v, a) for v, a in ((value, "value"), (lo, "lo"), (hi, "hi")))
    level = _check_level(level)
    digits = int(check(digits, "digits", Interval(int, 1, 17)))
    if lo == hi == value:  # e.g. "never (95% CI never)", not "never to never"
        return f"{_fmt_num(value, digits)} ({_percent(level)}% CI {_fmt_num(lo, digits)})"
    return (
        f"{_fmt_num(value, digits)} ({_percent(level)}% CI "
        f"{_fmt_num(lo, digits)} to {_fmt_num(hi, digits)})"
    )


@known_keywords
def median_ci(
    values: np.ndarray,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> Estimate:
    """Median with a percentile-bootstrap confidence interval.

    Resamples the values with replacement ``n_boot`` times (seeded, so the result is
    reproducible), takes each resample's median, and reports the ``(1-level)/2`` and
    ``(1+level)/2`` percentiles (lower/higher order statistics, so that values stay observed
    values and ``inf`` survives).

    Parameters
    ----------
    values : array_like, shape (n,)
        Observations; ``inf`` is allowed (censored), ``nan`` is dropped.
    level : float
        Confidence level in (0, 1).
    n_boot : int
        Number of bootstrap resamples (>= 1).
    seed : int
        Seed of the resampling generator.

    Returns
    -------
    Estimate
        ``value`` is the sample median; ``nan`` everywhere if there is no observation.
    """
    level = _check_level(level)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    seed = check_seed(seed)
    v = _sample(values, "values")
    v = v[~np.isnan(v)]
    n = int(v.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, level)
    # the resamples are drawn at once: n_boot x n indices, their values and a sorted copy
    need = 3 * 8 * n_boot * n
    if need > MAX_PASS_BYTES:
        raise ValueError(
            f"n_boot: {n_boot} resamples of {n} values need {need / 2**30:.3g} GiB, more than "
            f"{MAX_PASS_BYTES / 2**30:.3g} GiB (glassnet._validation.MAX_PASS_BYTES); expected "
            f"n_boot <= {MAX_PASS_BYTES // (24 * n)}"
        )
    med = float(np.median(v)) if np.isfinite(v).all() else float(_median_inf(v[None, :])[0])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    meds = _median_inf(v[idx])
    a = (1 - level) / 2
    lo = float(np.quantile(meds, a, method="lower"))
    hi = float(np.quantile(meds, 1 - a, method="higher"))
    return Estimate(med, lo, hi, n, level)


def _median_inf(rows: np.ndarray) -> np.ndarray:
    """Row medians that allow +-inf (mean of two infs of the same sign stays inf, no warning)."""
    s = np.sort(rows, axis=1)
    n = s.shape[1]
    lo = s[:, (n - 1) // 2]
    hi = s[:, n // 2]
    same = lo == hi
    out = np.where(same, lo, 0.0)
    diff = ~same
    # finite + inf -> inf; -inf and +inf as the two middle values have no median: NaN, as
    # np.median gives, without its warning
    with np.errstate(invalid="ignore"):
        out[diff] = (lo[diff] + hi[diff]) / 2
    return out


@known_keywords
@dataclass(frozen=True)
class TestResult:
    """A two-sample test result.

    Attributes
    ----------
    name : str
        The test.
    statistic : float
        The test statistic (``U`` of the first sample for Mann-Whitney).
    p_value : float
    effect : float
        Common-language effect size: P(a < b) + P(a = b)/2, in [0, 1]; 0.5 = no difference.
    n_a, n_b : int
    alternative : str
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: float
    p_value: float
    effect: float
    n_a: int
    n_b: int
    alternative: str = "two-sided"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return jsonable(asdict(self))  # type: ignore[return-value]

    def __str__(self) -> str:
        p = "< 0.0001" if self.p_value < 1e-4 else f"= {self.p_value:.2g}"
        return f"U = {self.statistic:g}, p {p} (n = {self.n_a}, {self.n_b})"


@known_keywords
def mann_whitney(a: np.ndarray, b: np.ndarray, alternative: str = "two-sided") -> TestResult:
    """Mann-Whitney U test of two independent samples (SciPy), with an effect size.

    ``inf`` values are allowed (they rank above every finite value, all tied), ``nan`` values
    are dropped. If the two samples together hold a single distinct value, the test is
    uninformative and ``p = 1`` is returned without calling SciPy.

    Parameters
    ----------
    a, b : array_like, shape (n_a,), (n_b,)
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    TestResult
        ``statistic`` is U of ``a``: the number of pairs with ``a > b`` plus half the ties;
        ``effect`` = P(a < b) + P(a = b)/2 = 1 - U / (n_a n_b).
    """
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(
            f"alternative must be 'two-sided', 'less' or 'greater', got {alternative!r}"
        )
    x = _sample(a, "a")
    z = _sample(b, "b")
    x, z = x[~np.isnan(x)], z[~np.isnan(z)]
    na, nb = int(x.size), int(z.size)
    if na == 0 or nb == 0:
        return TestResult("Mann-Whitney U", math.nan, math.nan, math.nan, na, nb, alternative)
    # replace inf by a finite value above every finite one: ranks are unchanged
    both = np.concatenate([x, z])
    finite = both[np.isfinite(both)]
    top = (float(finite.max()) if finite.size else 0.0) + 1.0
    bottom = (float(finite.min()) if finite.size else 0.0) - 1.0
    x = np.where(np.isposinf(x), top, np.where(np.isneginf(x), bottom, x))
    z = np.where(np.isposinf(z), top, np.where(np.isneginf(z), bottom, z))
    if np.unique(np.concatenate([x, z])).size == 1:
        return TestResult("Mann-Whitney U", na * nb / 2, 1.0, 0.5, na, nb, alternative)
    from scipy.stats import mannwhitneyu

    res = mannwhitneyu(x, z, alternative=alternative, method="auto")
    u = float(res.statistic)
    return TestResult(
        "Mann-Whitney U", u, float(res.pvalue), 1 - u / (na * nb), na, nb, alternative
    )


@known_keywords
@dataclass(frozen=True)
class Proportion:
    """A fraction ``k/n`` with its Wilson score interval.

    Attributes
    ----------
    k, n : int
    value, lo, hi : float
    level : float
    """

    k: int
    n: int
    value: float
    lo: float
    hi: float
    level: float = 0.95

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return jsonable(asdict(self))  # type: ignore[return-value]

    def __str__(self) -> str:
        if self.n == 0:
            return "n/a (n = 0)"
        return (
            f"{self.value:.0%} ({self.k}/{self.n}; {_percent(self.level)}% CI "
            f"{self.lo:.0%} to {self.hi:.0%})"
        )


def _counts(k: Any, n: Any) -> tuple[int, int]:
    # integers, never truncated (2.7 successes is an error, not 2)
    n = int(check(n, "n", Interval(int, 0, None)))
    if n > 2**53:  # float64 counts every integer up to 2**53 exactly; beyond, k / n has no float
        raise ValueError(f"n: expected at most 2**53 trials, got {describe(n)}")
    return int(check(k, "k", Interval(int, 0, n))), n


@known_keywords
def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion.

    .. math::
        \\frac{\\hat p + \\frac{z^2}{2n} \\pm z \\sqrt{\\frac{\\hat p (1-\\hat p)}{n}
        + \\frac{z^2}{4n^2}}}{1 + z^2/n}, \\qquad \\hat p = k/n

    Parameters
    ----------
    k : int
        Successes, ``0 <= k <= n``.
    n : int
        Trials (``n = 0`` gives ``(nan, nan)``).
    level : float

    Returns
    -------
    (lo, hi) : tuple of float
    """
    level = _check_level(level)
    k, n = _counts(k, n)
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    if k == 0:
        lo = 0.0
    if k == n:
        hi = 1.0
    return lo, hi


@known_keywords
def proportion(mask: np.ndarray | int, n: int | None = None, level: float = 0.95) -> Proportion:
    """A fraction with its Wilson interval, from a boolean mask or from counts.

    Parameters
    ----------
    mask : array_like of bool, or int
        The outcomes (``True`` = success), or the count of successes when ``n`` is given.
    n : int, optional
        Number of trials (only with an integer ``mask``).
    level : float

    Returns
    -------
    Proportion
    """
    if n is None:
        m = numeric_array(mask, "mask")
        # a string was one True; a lone number is a count of successes without its trials
        if m.ndim == 0 and m.dtype.kind != "b":
            raise ValueError(
                f"mask: a single number ({m.item()!r}) reads as one outcome; for a count of "
                "successes give the trials too: proportion(k, n)"
            )
        check_finite(m, "mask")  # NaN is nonzero: it was counted a success
        m = m.ravel()
        k, n = int(np.count_nonzero(m)), int(m.size)
    else:
        k, n = _counts(mask, n)
    lo, hi = wilson_ci(k, n, level)
    return Proportion(k, n, k / n if n else math.nan, lo, hi, level)


@known_keywords
@dataclass(frozen=True)
class Band:
    """A mean curve with a band, from many runs.

    Attributes
    ----------
    mean, lo, hi : ndarray, shape (T,)
    n : ndarray of int, shape (T,)
        Number of finite runs at each step.
    kind : str
        ``"ci"`` (confidence interval of the mean) or ``"percentile"``.
    level : float
    """

    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray
    kind: str = "ci"
    level: float = 0.95

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return jsonable(asdict(self))  # type: ignore[return-value]


@known_keywords
def mean_band(curves: np.ndarray, level: float = 0.95, kind: str = "ci") -> Band:
    """Mean curve over runs with a band at every step.

    Non-finite entries (a diverged run) are ignored step by step.

    Parameters
    ----------
    curves : array_like, shape (R, T)
        One row per run.
    level : float
    kind : {"ci", "percentile"}
        ``"ci"``: mean +- t_{(1+level)/2, n-1} * sd / sqrt(n) (the confidence interval of the mean
        curve); ``"percentile"``: the central ``level`` range of the runs themselves.

    Returns
    -------
    Band
    """
    level = _check_level(level)
    if kind not in ("ci", "percentile"):
        raise ValueError(f"kind must be 'ci' or 'percentile', got {kind!r}")
    c = numeric_array(curves, "curves").astype(np.float64)
    if c.ndim == 1:
        c = c[None, :]
    if c.ndim != 2:
        raise ValueError(f"curves must be (runs, steps), got shape {c.shape}")
    ok = np.isfinite(c)
    n = ok.sum(axis=0)
    cz = np.where(ok, c, 0.0)
    # each step in units of its largest |value|: a sum (or a square) of values near 1e308
    # overflows where their mean and spread do not
    scale = np.abs(cz).max(axis=0, initial=0.0)
    scale = np.where(scale > 0, scale, 1.0)
    u = cz / scale
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean_u = u.sum(axis=0) / np.maximum(n, 1)
        mean = np.where(n > 0, mean_u * scale, np.nan)
        if kind == "ci":
            from scipy.stats import t

            dev = np.where(ok, u - mean_u, 0.0)
            var_u = (dev**2).sum(axis=0) / np.maximum(n - 1, 1)
            tq = t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
            half = np.where(n > 1, tq * np.sqrt(var_u / np.maximum(n, 1)) * scale, np.nan)
            lo, hi = mean - half, mean + half  # an edge past float64's range is infinite
        else:
            a = (1 - level) / 2
            cn = np.where(ok, c, np.nan)
            lo = np.full(c.shape[1], np.nan)
            hi = np.full(c.shape[1], np.nan)
            cols = n > 0
            if cols.any():
                lo[cols] = np.nanquantile(cn[:, cols], a, axis=0)
                hi[cols] = np.nanquantile(cn[:, cols], 1 - a, axis=0)
    return Band(mean, lo, hi, n.astype(int), kind, level)
