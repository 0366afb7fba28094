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
from glassnet._validation import NonFiniteWarning


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


def test_scikit_learns_log_loss_through_the_fused_backward_pass():
    # binary_log_loss sums over the outputs and averages over the samples:
    # C = -(1/n) sum_i w_i sum_k [y log p + (1 - y) log(1 - p)]
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 3))
    y = rng.integers(0, 2, size=(5, 2)).astype(float)
    w = rng.uniform(0.2, 3.0, size=(5, 1))
    net = gn.Network([3, 4, 2], activation="tanh", output="sigmoid", seed=2)
    fwd = net.apply(net.params, X)
    grads, _ = net.backprop(net.params, fwd, y, losses.get("binary_log_loss"), w)
    h = 1e-6

    def cost(params):
        p = _forward(params, X, "sigmoid")
        e = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1, keepdims=True)
        return float((w * e).mean())

    numeric = np.zeros_like(net.params[0]["W"])
    for idx in np.ndindex(numeric.shape):
        params = [{k: v.copy() for k, v in lay.items()} for lay in net.params]
        params[0]["W"][idx] += h
        up = cost(params)
        params[0]["W"][idx] -= 2 * h
        numeric[idx] = (up - cost(params)) / (2 * h)
    np.testing.assert_allclose(grads[0]["W"], numeric, rtol=1e-6, atol=1e-9)


def test_the_weighted_cost_of_a_forward_pass():
    rng = np.random.default_rng(4)
    X, y, w = rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), rng.uniform(0.2, 3.0, (5, 1))
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=3)
    fwd = net.apply(net.params, X)
    expected = _cost(net.params, X, y, w, "identity", "mse")
    assert float(net.cost(fwd, y, losses.get("mse"), w)) == pytest.approx(expected, rel=1e-12)


def test_validation_targets_are_named_in_the_loss_check():
    net = gn.Network([2, 1], output="sigmoid")
    with pytest.raises(ValueError) as info:
        net.check_targets(np.array([[2.0]]), losses.get("bce"), 1, "validation y")
    assert str(info.value).startswith("validation y: the bce loss expects targets in [0, 1]")


def test_an_output_that_overflows_from_a_finite_hidden_layer_warns():
    # hidden a = 1e200 (finite), output 1e200 * 1e200 = inf
    net = gn.Network([1, 1, 1], activation="identity", output="identity", bias="none")
    net.layers[0].W = np.array([[1e200]])
    net.layers[1].W = np.array([[1e200]])
    with pytest.warns(NonFiniteWarning):
        net.forward(np.array([[1.0]]))


def test_an_output_only_activation_is_named_in_a_deep_network():
    with pytest.raises(ValueError) as info:
        gn.Network([2, 3, 3, 1], output="softmax")
    assert str(info.value) == "output: softmax needs at least 2 output units, got 1"


def test_a_float32_population_on_the_broadcast_kernel_stays_float32():
    net = gn.Network([2, 3, 1], seed=[0, 1], dtype="float32", kernel="broadcast")
    assert all(v.dtype == np.float32 for layer in net.params for v in layer.values())


def test_a_pickled_network_without_a_kernel_gets_blas():
    net = gn.Network([2, 1])
    state = net.__getstate__()
    del state["config"]["kernel"]  # as pickled before the kernel option existed
    new = gn.Network.__new__(gn.Network)
    new.__setstate__(state)
    assert new.kernel == "blas"
