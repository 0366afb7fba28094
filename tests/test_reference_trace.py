"""The trace of other networks than the paper's, against a hand computation.

tests/test_trace.py checks the paper's 3-2-1 network by hand, and the other configurations
against the engine's own pass (``net.gradients``, ``net.forward``), which cannot catch an error
shared by both. Here each configuration -- tanh/mse, relu+tanh/bce with one bias per layer,
gelu/softmax/cross-entropy without bias, elu/identity/huber -- is written out from the
textbook formulas: the forward pass, dC/da of the loss, f'(z) of each activation,
delta^(L) = dC/da * f'(z) (or the softmax Jacobian), delta^(l-1) = (delta^(l) W^T) * f'(z),
dC/dW = a^T delta, dC/db summed over samples (and units, for a per-layer bias).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.trace import trace

ERF = np.vectorize(math.erf)


def f(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "gelu":
        return z * 0.5 * (1 + ERF(z / math.sqrt(2)))
    if name == "elu":
        return np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1)
    if name == "identity":
        return z
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise AssertionError(name)


def fprime(name, z):
    if name == "tanh":
        return 1 / np.cosh(z) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)
    if name == "gelu":
        return 0.5 * (1 + ERF(z / math.sqrt(2))) + z * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    if name == "elu":
        return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))
    if name == "identity":
        return np.ones_like(z)
    raise AssertionError(name)


def cost_and_dC_da(loss, a, y):
    n, m = y.shape
    if loss == "mse":
        return ((a - y) ** 2).sum() / (n * m), 2 * (a - y) / (n * m)
    if loss == "bce":
        c = -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum() / (n * m)
        return c, (a - y) / (a * (1 - a)) / (n * m)
    if loss == "cross_entropy":
        return -(y * np.log(a)).sum() / n, -y / a / n
    if loss == "huber":
        r = a - y
        c = np.where(np.abs(r) <= 1, r * r / 2, np.abs(r) - 0.5).sum() / (n * m)
        return c, np.clip(r, -1, 1) / (n * m)
    raise AssertionError(loss)


def by_hand(Ws, bs, acts, bias, loss, X, y):
    a, zs, As = X, [], [X]
    for W, b, act in zip(Ws, bs, acts, strict=True):
        z = a @ W + (0 if b is None else b)
        a = f(act, z)
        zs.append(z)
        As.append(a)
    cost, g = cost_and_dC_da(loss, a, y)
    if acts[-1] == "softmax":  # dC/dz_i = sum_j dC/da_j (a_j (delta_ij - a_i))
        delta = np.stack(
            [gi @ (np.diag(ai) - np.outer(ai, ai)) for gi, ai in zip(g, a, strict=True)]
        )
    else:
        delta = g * fprime(acts[-1], zs[-1])
    out = []
    for l in range(len(Ws) - 1, -1, -1):
        dW = As[l].T @ delta
        if bias == "neuron":
            db = delta.sum(axis=0, keepdims=True)
        elif bias == "layer":
            db = np.array([[delta.sum()]])
        else:
            db = None
        out.append(dict(z=zs[l], a=As[l + 1], delta=delta, dW=dW, db=db,
                        fprime=None if acts[l] == "softmax" else fprime(acts[l], zs[l])))  # fmt: skip
        if l:
            delta = (delta @ Ws[l].T) * fprime(acts[l - 1], zs[l - 1])
    return cost, out[::-1]


CONFIGS = [
    dict(sizes=[3, 2, 1], activation="tanh", output="sigmoid", bias="neuron", loss="mse"),
    dict(sizes=[3, 4, 3, 1], activation=["relu", "tanh"], output="sigmoid", bias="layer",
         loss="bce"),
    dict(sizes=[3, 5, 3], activation="gelu", output="softmax", bias="none",
         loss="cross_entropy"),
    dict(sizes=[3, 3, 2], activation="elu", output="identity", bias="neuron", loss="huber"),
]  # fmt: skip


def _data(sizes, loss, n=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif loss == "bce":
        y = rng.integers(0, 2, (n, sizes[-1])).astype(float)
    else:
        y = 2 * rng.normal(size=(n, sizes[-1]))  # huber residuals on both sides of 1
    return X, y


@pytest.mark.parametrize("cfg", CONFIGS, ids=[c["loss"] for c in CONFIGS])
def test_trace_equals_the_hand_computation(cfg):
    cfg = dict(cfg)
    sizes, loss = cfg.pop("sizes"), cfg.pop("loss")
    X, y = _data(sizes, loss)
    net = gn.Network(sizes, seed=3, init="normal(0.8)", **cfg)
    hidden = cfg["activation"]
    acts = ([hidden] * (len(sizes) - 2) if isinstance(hidden, str) else hidden) + [cfg["output"]]
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [None if layer.b is None else layer.b.copy() for layer in net.layers]
    cost, layers = by_hand(Ws, bs, acts, cfg["bias"], loss, X, y)
    t = trace(net, X, y, loss=loss, lr=0.3)
    assert t.cost == pytest.approx(cost, rel=1e-12)
    for tl, h, W in zip(t.layers, layers, Ws, strict=True):
        np.testing.assert_allclose(tl.z, h["z"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tl.a, h["a"], rtol=1e-12, atol=1e-14)
        if h["fprime"] is not None:
            np.testing.assert_allclose(tl.fprime, h["fprime"], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(tl.delta, h["delta"], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(tl.dW, h["dW"], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(tl.step_W, -0.3 * h["dW"], rtol=1e-10, atol=1e-14)
        if h["db"] is None:
            assert tl.db is None and tl.step_b is None
        else:
            np.testing.assert_allclose(tl.db, h["db"], rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(tl.step_b, -0.3 * h["db"], rtol=1e-10, atol=1e-14)
        np.testing.assert_array_equal(tl.W, W)
    # and training's first full-batch step is that step
    net.fit(X, y, loss=loss, optimizer="gd", lr=0.3, epochs=1, stats_every=0)
    for layer, h, W, b in zip(net.layers, layers, Ws, bs, strict=True):
        np.testing.assert_allclose(layer.W - W, -0.3 * h["dW"], rtol=1e-9, atol=1e-14)
        if b is not None:
            np.testing.assert_allclose(layer.b - b, -0.3 * h["db"], rtol=1e-9, atol=1e-14)


def test_adam_step_in_the_trace_is_the_papers_first_step():
    # Kingma and Ba: m_1 = (1 - b1) g, v_1 = (1 - b2) g^2, m_hat = g, v_hat = g^2, so the first
    # step is -eta g / (|g| + eps)
    X, y = _data([3, 4, 1], "mse")
    net = gn.Network([3, 4, 1], activation="tanh", output="identity", seed=2)
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [layer.b.copy() for layer in net.layers]
    _, layers = by_hand(Ws, bs, ["tanh", "identity"], "neuron", "mse", X, y)
    t = trace(net, X, y, optimizer="adam", lr=0.01, optimizer_options={"eps": 1e-3})
    for tl, h in zip(t.layers, layers, strict=True):
        g = h["dW"]
        np.testing.assert_allclose(tl.step_W, -0.01 * g / (np.abs(g) + 1e-3), rtol=1e-10)
