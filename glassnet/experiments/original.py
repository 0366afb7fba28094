"""The paper's training code, as it actually ran.

This module reproduces, rule for rule, what the paper's appendix code computed (see
``docs/paper.md``, "What the paper's code computed (errata)"). It is **not** gradient descent
and it is deliberately kept apart from the engine: nothing in :mod:`glassnet` imports it except the
``paper`` experiment, and it imports nothing from the engine. Use it only to reproduce the paper's
figures; use :class:`glassnet.Network` for anything else.

The rules, per epoch, with learning rate :math:`\\eta` (the paper used 0.5)::

    L1 = f(X S0 + b0)
    L2 = f(L1 S1 + b1)                     (tanh: L2 = (tanh(L1 S1 + b1) + 1) / 2)
    d2 = 2 (y - L2) * f'(L2) * eta         f' taken at the OUTPUT L2, not at z2       (erratum 1)
    d1 = (d2 S1^T) * f'(L1) * eta          S1 before its update; d2 already carries eta
    S1 += L1^T d2 ;  b1 += mean(d2)        weight steps summed over cases,
    S0 += X^T d1  ;  b0 += mean(d1)        bias steps averaged                           (erratum 4)

where the network code's derivatives are::

    sigmoid'(x) = s(x) (1 - s(x))
    tanh'(x)    = 4 s(2x) (s(2x) - 1)      = -(1 - tanh(x)^2), the sign flipped          (erratum 2)

and, with tanh, the factor 1/2 of the output map (tanh + 1)/2 never enters the derivative
(erratum 3). The loss recorded per epoch is the mean over the cases of ``(y - L2)^2``, from that
epoch's forward pass, before its step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "OriginalRun",
    "paper_derivative",
    "paper_init",
    "paper_sigmoid",
    "paper_tanh",
    "train_original",
]

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh")


def paper_sigmoid(x: np.ndarray) -> np.ndarray:
    """The paper's sigmoid, computed stably as its code did.

    .. math:: s(x) = 1/(1+e^{-x}) \\; (x \\ge 0), \\qquad s(x) = 1 - 1/(1+e^{x}) \\; (x < 0)

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = np.asarray(x, dtype=np.float64)
    neg = x < 0
    out = np.empty_like(x)
    out[~neg] = 1.0 / (1.0 + np.exp(-x[~neg]))
    out[neg] = 1.0 - 1.0 / (1.0 + np.exp(x[neg]))
    return out


def paper_tanh(x: np.ndarray) -> np.ndarray:
    """The paper's tanh, :math:`\\tanh(x) = 2 s(2x) - 1`.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``x``
    """
    return 2.0 * paper_sigmoid(2.0 * np.asarray(x, dtype=np.float64)) - 1.0


def paper_derivative(activation: str, x: np.ndarray) -> np.ndarray:
    """The derivative exactly as the paper's *network* code computed it.

    .. math::
        \\text{sigmoid: } s(x)(1 - s(x)) \\qquad
        \\text{tanh: } 4 s(2x)(s(2x) - 1) = -(1 - \\tanh^2 x)

    The tanh version has the wrong sign (erratum 2); the training code also evaluates it at a
    layer's output instead of its input (erratum 1), which is the caller's doing.

    Parameters
    ----------
    activation : {"sigmoid", "tanh"}
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``x``
    """
    if activation == "sigmoid":
        s = paper_sigmoid(x)
        return s * (1.0 - s)
    if activation == "tanh":
        s = paper_sigmoid(2.0 * np.asarray(x, dtype=np.float64))
        return 4.0 * s * (s - 1.0)
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def paper_init(seed: int = 1, n_in: int = 3, n_hidden: int = 2, n_out: int = 1) -> dict:
    """The paper's initial values, drawn from NumPy's legacy generator.

    In this order from ``np.random.RandomState(seed)``: ``S0 = 2 rand(n_in, n_hidden) - 1``,
    ``S1 = 2 rand(n_hidden, n_out) - 1``, ``b0 = uniform(-1, 1)``, ``b1 = uniform(-1, 1)``.

    Parameters
    ----------
    seed : int
        The seed (the paper used 1).
    n_in, n_hidden, n_out : int
        Layer sizes (the paper's 3-2-1).

    Returns
    -------
    dict
        ``{"S0": (n_in, n_hidden), "S1": (n_hidden, n_out), "b0": float, "b1": float}``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rs = np.random.RandomState(int(seed))
    s0 = 2 * rs.rand(n_in, n_hidden) - 1
    s1 = 2 * rs.rand(n_hidden, n_out) - 1
    b0 = float(rs.uniform(-1, 1))
    b1 = float(rs.uniform(-1, 1))
    return {"S0": s0, "S1": s1, "b0": b0, "b1": b1}


@dataclass
class OriginalRun:
    """The result of :func:`train_original`.

    Attributes
    ----------
    activation : str
    lr : float
    loss : ndarray, shape (epochs,)
        Mean over the cases of ``(y - L2)^2`` from each epoch's forward pass, before its step.
    outputs : ndarray, shape (epochs, N, n_out)
        ``L2`` of each epoch's forward pass.
    init : dict
        The initial values (see :func:`paper_init`).
    final : dict
        The values after the last step.
    """

    activation: str
    lr: float
    loss: np.ndarray
    outputs: np.ndarray
    init: dict = field(repr=False)
    final: dict = field(repr=False)


def _forward(activation: str, X: np.ndarray, p: dict) -> tuple[np.ndarray, np.ndarray]:
    f = paper_sigmoid if activation == "sigmoid" else paper_tanh
    L1 = f(X @ p["S0"] + p["b0"])
    z2 = L1 @ p["S1"] + p["b1"]
    L2 = (f(z2) + 1.0) / 2.0 if activation == "tanh" else f(z2)
    return L1, L2


def train_original(
    X: np.ndarray,
    y: np.ndarray,
    activation: str = "sigmoid",
    lr: float = 0.5,
    epochs: int = 100,
    seed: int = 1,
    init: dict | None = None,
) -> OriginalRun:
    """Train the paper's 3-2-1 network with the paper's own update rules (errata included).

    See the module docstring for the rules. This is not gradient descent on any loss.

    Parameters
    ----------
    X : ndarray, shape (N, n_in)
        Inputs (the paper's "Layer0").
    y : ndarray, shape (N, n_out) or (N,)
        Targets.
    activation : {"sigmoid", "tanh"}
        The activation of both layers (tanh's output is mapped onto (0, 1) as (tanh + 1)/2).
    lr : float
        The learning rate eta (the paper's 0.5), applied once in each delta.
    epochs : int
        Number of full-batch epochs (the paper's 100).
    seed : int
        Seed of :func:`paper_init` (ignored when ``init`` is given).
    init : dict, optional
        Initial ``{"S0", "S1", "b0", "b1"}``; copied, never modified.

    Returns
    -------
    OriginalRun
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if X.ndim != 2 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X must be (N, n_in) and y (N, n_out) with the same N, got {X.shape} and {y.shape}"
        )
    if init is None:
        init = paper_init(seed, X.shape[1], 2, y.shape[1])
    p: dict[str, Any] = {
        "S0": np.array(init["S0"], dtype=np.float64),
        "S1": np.array(init["S1"], dtype=np.float64),
        "b0": float(init["b0"]),
        "b1": float(init["b1"]),
    }
    start = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
    losses = np.empty(epochs)
    outputs = np.empty((epochs, *y.shape))
    for epoch in range(epochs):
        L1, L2 = _forward(activation, X, p)
        losses[epoch] = float(np.mean((y - L2) ** 2))
        outputs[epoch] = L2
        d2 = 2.0 * (y - L2) * paper_derivative(activation, L2) * lr  # erratum 1 (and 2, 3)
        d1 = (d2 @ p["S1"].T) * paper_derivative(activation, L1) * lr  # eta applied again
        p["S1"] = p["S1"] + L1.T @ d2  # summed over cases (erratum 4)
        p["b1"] = p["b1"] + float(np.mean(d2))  # averaged
        p["S0"] = p["S0"] + X.T @ d1
        p["b0"] = p["b0"] + float(np.mean(d1))
    return OriginalRun(activation, float(lr), losses, outputs, start, p)
