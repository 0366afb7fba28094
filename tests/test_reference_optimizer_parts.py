"""The optimizers' building blocks and registries, against hand computations.

L1 is the subgradient ``lambda_1 sign(W)`` added to the weights' gradient (not the biases'),
and ``lambda_1 sum |W|`` added to the cost, checked one step at a time on a linear unit. The
rest are the pieces a user extends glassnet with (registering an optimizer or a state, tree
maps over several trees) and the words of every refusal.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers


@pytest.mark.parametrize("seed", [0, [0, 1]])
def test_l1_is_the_sign_of_each_weight_added_to_its_gradient(seed):
    # one identity unit, mse on x = [1, -2], y = [0.5, 1]: W = [[0.8], [0.0], [-0.3]] on the
    # inputs (x, 0, 1), b = 0.2; with eta = 0.1 and l1 = 0.05 one step is
    # W <- W - eta (dC/dW + l1 sign(W)), b <- b - eta dC/db; the cost adds l1 sum |W|
    X = np.array([[1.0, 0.0, 1.0], [-2.0, 0.0, 1.0]])
    y = np.array([[0.5], [1.0]])
    net = gn.Network([3, 1], output="identity", seed=seed)
    W0, b0 = np.array([[0.8], [0.0], [-0.3]]), 0.2
    net.layers[0].W = W0 if net.population is None else np.stack([W0, W0])
    net.layers[0].b = np.full(net.layers[0].b.shape, b0)
    r = X @ W0 + b0 - y  # residuals
    gW, gb = 2 * X.T @ r / 2, 2 * r.sum() / 2
    hist = net.fit(X, y, lr=0.1, l1=0.05, epochs=1, stats_every=0)
    cost = float((r**2).mean()) + 0.05 * float(np.abs(W0).sum())
    assert np.ravel(hist.loss)[0] == pytest.approx(cost, rel=1e-14)
    W1 = W0 - 0.1 * (gW + 0.05 * np.sign(W0))  # sign(0) = 0: the zero weight gets none
    W = net.layers[0].W if net.population is None else net.layers[0].W[1]
    np.testing.assert_allclose(W, W1, rtol=1e-14)
    b = net.layers[0].b if net.population is None else net.layers[0].b[1]
    assert float(np.ravel(b)[0]) == pytest.approx(b0 - 0.1 * gb, rel=1e-14)


def test_l1_needs_the_parameters():
    t = optimizers.add_l1_subgradient(0.1)
    grads = [{"W": np.ones((2, 1)), "b": np.ones((1, 1))}]
    with pytest.raises(ValueError) as info:
        t.update(grads, t.init(grads))
    assert str(info.value) == "params: the L1 penalty needs the parameters"
    params = [{"W": np.array([[2.0], [-3.0]]), "b": np.array([[-1.0]])}]
    out, state = t.update(grads, t.init(params), params)
    np.testing.assert_array_equal(out[0]["W"], [[1.1], [0.9]])
    np.testing.assert_array_equal(out[0]["b"], [[1.0]])
    assert state == optimizers.EmptyState()


def test_a_learning_rate_is_checked_when_an_optimizer_is_built():
    for name in optimizers.names():
        with pytest.raises(ValueError) as info:
            optimizers.get(name, -0.1)
        assert str(info.value) == "lr: expected a finite number > 0, got -0.1 (float)"
    # a rate per member (an array) is taken as it is
    opt = optimizers.get("gd", np.array([0.1, 0.2])[:, None, None])
    steps, _ = opt.update([{"W": np.ones((2, 1, 1))}], opt.init([{"W": np.ones((2, 1, 1))}]))
    np.testing.assert_allclose(steps[0]["W"][:, 0, 0], [-0.1, -0.2])


def test_one_transformation_is_no_chain():
    params = [{"W": np.zeros((1, 1))}]
    assert isinstance(optimizers.gd(0.1).init(params), optimizers.ScaleState)
    assert isinstance(optimizers.adamw(0.1).init(params), tuple)  # three: a chain


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("gd", {"beta": 0.9}, "optimizer_options: gd has no option 'beta'; expected none (beta "
                              "is an option of momentum, nesterov: optimizer='momentum')"),
        ("adam", {"rho": 0.9}, "optimizer_options: adam has no option 'rho'; expected beta1, "
                               "beta2, eps (rho is an option of rmsprop: optimizer='rmsprop')"),
        ("adam", {"beta_1": 0.9}, "optimizer_options: adam has no option 'beta_1'; expected "
                                  "beta1, beta2, eps (did you mean 'beta1'?)"),
        ("rmsprop", {"colour": 1}, "optimizer_options: rmsprop has no option 'colour'; expected "
                                   "rho, eps"),
    ],
)  # fmt: skip
def test_an_option_of_another_optimizer_is_named_with_its_owners(name, options, message):
    with pytest.raises(ValueError) as info:
        optimizers.get(name, None, **options)
    assert str(info.value) == message


def test_a_registered_optimizer_is_used_by_name_with_its_default_rate():
    @optimizers.register("test_sign_descent", 0.25)
    def sign_descent(lr=0.25, schedule=None):
        def update(grads, state, params=None):
            return optimizers.tree_map(lambda g: -lr * np.sign(g), grads), state

        return optimizers.Optimizer("test_sign_descent", lambda p: optimizers.EmptyState(), update)

    try:
        assert optimizers.DEFAULT_LR["test_sign_descent"] == 0.25
        net = gn.Network([1, 1], output="identity", bias="none", seed=0)
        net.layers[0].W = [[1.0]]
        net.fit([[1.0]], [[0.0]], optimizer="test_sign_descent", epochs=2, stats_every=0)
        assert net.layers[0].W[0, 0] == 0.5  # two steps of 0.25 down the sign
    finally:
        optimizers.REGISTRY.pop("test_sign_descent")
        optimizers.DEFAULT_LR.pop("test_sign_descent")


class _Counter(NamedTuple):
    count: int


def test_register_state_takes_named_tuples_only():
    try:
        assert optimizers.register_state(_Counter) is _Counter
        assert optimizers.STATE_TYPES["_Counter"] is _Counter
    finally:
        optimizers.STATE_TYPES.pop("_Counter", None)
    for bad in (int, tuple, _Counter(1), "x"):
        with pytest.raises(TypeError) as info:
            optimizers.register_state(bad)
        assert str(info.value).startswith("cls: expected a NamedTuple class, got ")


def test_tree_map_over_one_two_and_three_trees():
    a = [{"W": np.array([1.0]), "b": np.array([2.0])}, {"W": np.array([3.0])}]
    b = [{"W": np.array([10.0]), "b": np.array([20.0])}, {"W": np.array([30.0])}]
    c = [{"W": np.array([100.0]), "b": np.array([200.0])}, {"W": np.array([300.0])}]
    one = optimizers.tree_map(lambda x: -x, a)
    two = optimizers.tree_map(lambda x, y: x + y, a, b)
    three = optimizers.tree_map(lambda x, y, z: x + y + z, a, b, c)
    assert [{k: float(v[0]) for k, v in layer.items()} for layer in one] == [
        {"W": -1.0, "b": -2.0}, {"W": -3.0}]  # fmt: skip
    assert [{k: float(v[0]) for k, v in layer.items()} for layer in two] == [
        {"W": 11.0, "b": 22.0}, {"W": 33.0}]  # fmt: skip
    assert [{k: float(v[0]) for k, v in layer.items()} for layer in three] == [
        {"W": 111.0, "b": 222.0}, {"W": 333.0}]  # fmt: skip


def test_cosine_stays_at_its_floor_after_its_epochs():
    f = optimizers.schedule("cosine", epochs=10, steps_per_epoch=2, min_factor=0.1)
    assert f(0) == 1.0 and f(1) == 1.0  # constant within an epoch
    assert f(10) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * 5 / 10)) / 2, rel=1e-15)
    for t in (20, 21, 40, 1000):  # epoch 10 and later: the floor
        assert f(t) == pytest.approx(0.1, rel=1e-15)
    with pytest.raises(ValueError) as info:
        optimizers.schedule("cosine", epochs=10, min_factor=-1)
    assert str(info.value) == "min_factor: expected a finite number >= 0, got -1 (int)"


@pytest.mark.parametrize("name", ["momentum", "nesterov", "rmsprop", "adam", "adamw"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_moments_start_as_zeros_shaped_like_the_parameters(name, dtype):
    params = [{"W": np.ones((3, 2), dtype), "b": np.ones((1, 2), dtype)}]
    state = optimizers.get(name).init(params)
    leaves = []

    def walk(node):
        if isinstance(node, np.ndarray):
            leaves.append(node)
        elif isinstance(node, tuple | list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(state)
    assert leaves and all(a.dtype == dtype and a.shape in ((3, 2), (1, 2)) for a in leaves)
    assert all((a == 0).all() for a in leaves)
