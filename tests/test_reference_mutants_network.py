"""Network parts mutation testing found untested: sample weights in the unfused backward pass.

Reference: the weighted cost written out by hand, ``C = (1/(n m)) sum_i w_i sum_k (y_hat - y)^2``
(mse) and ``C = -(1/(n m)) sum_i w_i sum_k [y log p + (1 - y) log(1 - p)]`` (bce), with the
forward pass written out (tanh hidden layer), differentiated by central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses


def _forward(params, X, output):
    h = np.tanh(X @ params[0]["W"] + params[0]["b"])
    z = h @ params[1]["W"] + params[1]["b"]
    return z if output == "identity" else 1 / (1 + np.exp(-z))


def _cost(params, X, y, w, output, loss):
    p = _forward(params, X, output)
    if loss == "mse":
        e = (p - y) ** 2
    else:
        e = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float((w * e).mean())


# identity + mse goes through loss.gradient and the activation's derivative; sigmoid + bce
# through the fused delta
@pytest.mark.parametrize(("output", "loss"), [("identity", "mse"), ("sigmoid", "bce")])
def test_weighted_gradients_are_the_weighted_costs_derivatives(output, loss):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    y = rng.uniform(0.1, 0.9, size=(6, 2)) if loss == "bce" else rng.normal(size=(6, 2))
    w = rng.uniform(0.2, 3.0, size=(6, 1))
    net = gn.Network([3, 4, 2], activation="tanh", output=output, seed=1)
    fwd = net.apply(net.params, X)
    grads, _ = net.backprop(net.params, fwd, y, losses.get(loss), w)
    h = 1e-6
    for l, layer in enumerate(net.params):
        for k, p in layer.items():
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                params = [{kk: vv.copy() for kk, vv in lay.items()} for lay in net.params]
                params[l][k][idx] += h
                up = _cost(params, X, y, w, output, loss)
                params[l][k][idx] -= 2 * h
                down = _cost(params, X, y, w, output, loss)
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(grads[l][k], numeric, rtol=1e-6, atol=1e-9)
