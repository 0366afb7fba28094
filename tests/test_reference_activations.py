"""Softmax row by row and its Jacobian, and the activation registry, against hand computations.

Softmax is the one activation that couples a layer's units: its value normalizes each *row*
(one sample's units, also inside a population's ``(P, n_samples, n_l)`` arrays) and its
backpropagation multiplies by the full Jacobian ``diag(a) - a a^T`` of that row. With
cross-entropy the fused loss bypasses that Jacobian, so it is checked here with the losses that
go through it (mse, mae), against an explicit per-row Jacobian and central differences.
``register`` and ``get`` are checked for what they store and what they refuse.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations


def _softmax_rows(z):
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape[:-1]):
        e = [math.exp(v) for v in z[idx]]
        out[idx] = [v / sum(e) for v in e]
    return out


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3, 2, 4)])
def test_softmax_normalizes_each_row_also_in_a_population(shape):
    z = np.random.default_rng(1).normal(0, 3, size=shape)
    z[..., 0] += np.arange(np.prod(shape[:-1])).reshape(shape[:-1])  # rows of different scale
    a = activations.get("softmax").value(z)
    np.testing.assert_allclose(a, _softmax_rows(z), rtol=1e-12)
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-14)


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3, 2, 4)])
def test_softmax_backprop_is_the_vector_jacobian_product_of_each_row(shape):
    rng = np.random.default_rng(2)
    z = rng.normal(size=shape)
    g = rng.normal(size=shape)
    act = activations.get("softmax")
    a = act.value(z)
    delta = act.backprop(z, a, g)
    for idx in np.ndindex(shape[:-1]):
        J = np.diag(a[idx]) - np.outer(a[idx], a[idx])  # da_i / dz_j
        np.testing.assert_allclose(delta[idx], g[idx] @ J, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("seed", [3, [3, 4]])
def test_softmax_output_gradients_through_unfused_losses_are_the_derivative(loss, seed):
    # mse on a softmax output goes through the Jacobian: the gradient must be the derivative of
    # the cost, by central differences on every weight
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 2))
    y = np.eye(3)[[0, 2, 1, 1, 0]]
    net = gn.Network([2, 3], output="softmax", seed=seed)
    grads = net.gradients(X, y, loss=loss)
    members = [None] if net.population is None else range(net.population)
    h = 1e-6
    for k in members:
        W = net.layers[0].W if k is None else net.layers[0].W[k]
        for i, j in np.ndindex(W.shape):
            keep = W[i, j]
            W[i, j] = keep + h
            up = net.loss(X, y, loss=loss)
            W[i, j] = keep - h
            down = net.loss(X, y, loss=loss)
            W[i, j] = keep
            num = (up - down) / (2 * h) if k is None else (up[k] - down[k]) / (2 * h)
            got = grads[0]["W"][i, j] if k is None else grads[0]["W"][k, i, j]
            assert got == pytest.approx(num, rel=1e-5, abs=1e-9), (k, i, j)


# --- the registry ----------------------------------------------------------------------------


@pytest.fixture
def scratch_name():
    name = "test_reference_cube"
    yield name
    activations.REGISTRY.pop(name, None)


def test_register_stores_what_it_is_given(scratch_name):
    act = activations.register(scratch_name, lambda z: z**3, lambda z: 3 * z**2,
                               derivative_max=2.5, saturates=True, can_die=True)  # fmt: skip
    assert activations.get(scratch_name) is act and scratch_name in activations.names()
    assert act.name == scratch_name
    assert (act.derivative_max, act.saturates, act.can_die) == (2.5, True, True)
    assert (act.output_only, act.vjp, act.kinks) == (False, None, ())
    z = np.array([[-2.0, 0.5, 3.0]])
    np.testing.assert_array_equal(act.value(z), z**3)
    np.testing.assert_array_equal(act(z), z**3)  # the object is the function
    # a one-argument derivative f'(z) is called with z, whatever a is
    np.testing.assert_array_equal(act.derivative(z, np.zeros_like(z)), 3 * z**2)
    np.testing.assert_array_equal(act.backprop(z, act.value(z), np.ones_like(z)), 3 * z**2)
    # defaults: derivative_max 1, neither saturating nor dying
    plain = activations.register(scratch_name, lambda z: z, lambda z, a: a * 0 + 2,
                                 overwrite=True)  # fmt: skip
    assert (plain.derivative_max, plain.saturates, plain.can_die) == (1.0, False, False)
    # a two-argument derivative f'(z, a) gets both
    np.testing.assert_array_equal(plain.derivative(z, z), np.full_like(z, 2.0))
    # a network takes it by name
    net = gn.Network([2, 2, 1], activation=scratch_name, output="identity", seed=0)
    assert net.layers[0].activation is plain


def test_register_refuses_what_it_cannot_use(scratch_name):
    with pytest.raises(TypeError, match=r"^name: expected a non-empty string, got ''$"):
        activations.register("", lambda z: z, lambda z: 1)
    with pytest.raises(TypeError, match=r"^name: expected a non-empty string, got 3$"):
        activations.register(3, lambda z: z, lambda z: 1)
    with pytest.raises(TypeError, match=r"^value and derivative: expected two callables"):
        activations.register(scratch_name, lambda z: z, 1.0)
    with pytest.raises(TypeError, match=r"^value and derivative: expected two callables"):
        activations.register(scratch_name, None, lambda z: 1)
    assert scratch_name not in activations.REGISTRY  # nothing half-registered
    with pytest.raises(ValueError, match=r"^name: activation 'relu' is already registered$"):
        activations.register("relu", lambda z: z, lambda z: 1)
    assert activations.get("relu").derivative_max == 1.0 and activations.get("relu").can_die
    act = activations.Activation(scratch_name, np.sin, lambda z, a: np.cos(z))
    assert activations.register(act) is act
    with pytest.raises(ValueError, match="already registered"):
        activations.register(act)
    assert activations.register(act, overwrite=True) is act


def test_get_returns_activations_and_names_the_unknown():
    relu = activations.get("relu")
    assert activations.get(relu) is relu
    with pytest.raises(TypeError) as info:
        activations.get(3)
    assert str(info.value) == "activation: expected a name or an Activation, got 3"
    with pytest.raises(ValueError) as info:
        activations.get("sigmod")
    assert str(info.value) == (
        f"activation: unknown activation 'sigmod'; expected one of "
        f"{', '.join(activations.names())} (did you mean 'sigmoid'?)"
    )
    assert activations.names() == sorted(activations.REGISTRY)
