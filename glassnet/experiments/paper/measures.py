"""Measurements shared by the sections and the findings: the paper's network, outcome
classification, the Hessian's largest eigenvalue, the statistics' small helpers.
"""

from __future__ import annotations

import importlib.metadata
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import stats
from glassnet.experiments.paper.settings import (
    OUTPUT,
)


def _paper_net(activation: str, seed: Any, sizes: Sequence[int] = (3, 2, 1), **kw: Any) -> Any:
    """The paper's network (per-layer bias, paper init), with tanh01 output for tanh."""
    opts = {"bias": "layer", "init": "paper"} | kw
    return gn.Network(
        list(sizes), activation=activation, output=OUTPUT[activation], seed=seed, **opts
    )


def _epochs_inf(ep: np.ndarray) -> np.ndarray:
    """Convergence epochs with -1 ("never") as +inf (right-censored)."""
    e = np.asarray(ep, dtype=float)
    return np.where(e < 0, np.inf, e)


def _mse(hist_loss: np.ndarray, n: int) -> np.ndarray:
    """``sse`` (sum over the cases of one output) -> the paper's mean over the cases."""
    return np.asarray(hist_loss, dtype=float) / n


def _outcomes(mse: np.ndarray, conv: np.ndarray, diverged: np.ndarray) -> dict[str, np.ndarray]:
    """Classify runs: converged, diverged, oscillating, stuck; and whether they overshoot.

    ``mse`` (R, E). A run *overshoots* if its loss ever rises (by more than 1e-6 relative) from
    one epoch to the next; it *oscillates* if it did not converge or diverge and its loss rose
    in at least 20% of the steps of the last quarter of training; *stuck* is the rest.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.diff(mse, axis=-1)
        rise = d > 1e-6 * np.abs(mse[..., :-1]) + 1e-15
    div = np.asarray(diverged, bool) | ~np.isfinite(mse).all(axis=-1)
    conv = np.asarray(conv, bool) & ~div
    q = max(1, rise.shape[-1] // 4)
    osc = ~conv & ~div & (rise[..., -q:].mean(axis=-1) >= 0.2)
    stuck = ~conv & ~div & ~osc
    return {
        "converged": conv,
        "diverged": div,
        "oscillating": osc,
        "stuck": stuck,
        "overshoot": rise.any(axis=-1),
    }


def _param_list(net: Any) -> list[np.ndarray]:
    return [layer[k] for layer in net.params for k in sorted(layer)]


def hessian_lambda_max(
    net: Any,
    X: np.ndarray,
    y: np.ndarray,
    loss: str = "sse",
    iters: int = 40,
    eps: float = 1e-4,
    seed: int = 0,
) -> np.ndarray:
    r"""Largest eigenvalue of the loss's Hessian at the current parameters, per member.

    Power iteration on Hessian-vector products from central finite differences of gradients,

    .. math:: H v \approx \frac{\nabla C(\theta + \epsilon v) - \nabla C(\theta - \epsilon v)}
              {2 \epsilon}, \qquad \|v\| = 1,

    with the Rayleigh quotient :math:`v^T H v` as the estimate. If the dominant eigenvalue is
    negative, a second run on :math:`H - \mu I` finds the largest (positive) one. Gradient
    descent on a quadratic is stable for :math:`\eta < 2/\lambda_{max}`. The network's
    parameters are restored afterwards.

    Parameters
    ----------
    net : Network
        A single network or a population (each member gets its own estimate).
    X : ndarray, shape (N, n_in)
    y : ndarray, shape (N, n_out)
    loss : str
        The loss being minimised (the learning rate multiplies its gradient).
    iters : int
        Power-iteration steps.
    eps : float
        Finite-difference step.
    seed : int
        Seed of the random start vector.

    Returns
    -------
    ndarray, shape (P,) (or (1,) for a single network)
    """
    params = _param_list(net)
    theta = [p.copy() for p in params]
    P = net.population
    lead = 1 if P is not None else 0

    def norm(vs: list[np.ndarray]) -> np.ndarray:
        if P is None:
            return np.sqrt(sum(float((v * v).sum()) for v in vs)) * np.ones(1)
        return np.sqrt(sum((v * v).reshape(P, -1).sum(axis=1) for v in vs))

    def scale(vs: list[np.ndarray], c: np.ndarray) -> list[np.ndarray]:
        if P is None:
            return [v * float(c[0]) for v in vs]
        return [v * c.reshape((P,) + (1,) * (v.ndim - lead)) for v in vs]

    def dot(a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        if P is None:
            return np.array([sum(float((u * w).sum()) for u, w in zip(a, b, strict=True))])
        return sum((u * w).reshape(P, -1).sum(axis=1) for u, w in zip(a, b, strict=True))

    def grads_at(vs: list[np.ndarray], h: float) -> list[np.ndarray]:
        for p, t, v in zip(params, theta, vs, strict=True):
            p[...] = t + h * v
        g = net.gradients(X, y, loss=loss)
        return [layer[k].copy() for layer in g for k in sorted(layer)]

    def hvp(vs: list[np.ndarray]) -> list[np.ndarray]:
        gp, gm = grads_at(vs, eps), grads_at(vs, -eps)
        return [(a - b) / (2 * eps) for a, b in zip(gp, gm, strict=True)]

    def power(shift: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(seed)
        v = [rng.standard_normal(t.shape) for t in theta]
        v = scale(v, 1 / norm(v))
        lam = np.zeros(P or 1)
        for _ in range(iters):
            hv = [a - b for a, b in zip(hvp(v), scale(v, shift), strict=True)]
            lam = dot(v, hv)
            n = norm(hv)
            n = np.where(n > 0, n, 1.0)
            v = scale(hv, 1 / n)
        return lam + shift

    try:
        with np.errstate(all="ignore"):
            mu = power(np.zeros(P or 1))
            if (mu < 0).any():
                shift = np.minimum(mu, 0.0)
                mu = np.where(mu < 0, power(shift), mu)
    finally:
        for p, t in zip(params, theta, strict=True):
            p[...] = t
    return mu


def _nanmedian(a: Any, axis: Any = None) -> Any:
    """``np.nanmedian`` that returns NaN for all-NaN slices without a warning."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(np.asarray(a, dtype=float), axis=axis)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _faster(mw: stats.TestResult | None, alpha: float = 0.05) -> str:
    """'tanh' / 'sigmoid' / 'neither' from a test of tanh's epochs against sigmoid's."""
    if mw is None or not math.isfinite(mw.p_value) or mw.p_value >= alpha:
        return "neither"
    return "tanh" if mw.effect > 0.5 else "sigmoid"


def _p(mw: stats.TestResult | None) -> str:
    if mw is None or not math.isfinite(mw.p_value):
        return "no test possible"
    return "p < 0.0001" if mw.p_value < 1e-4 else f"p = {mw.p_value:.2g}"


def _version() -> str:
    try:
        return importlib.metadata.version("glassnet")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "unknown"
