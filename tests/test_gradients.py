"""Backpropagation is exact: gradient checks over activations, losses, bias modes, depths,
and population sizes."""

import itertools
import zlib

import numpy as np
import pytest

import glassnet as gn

HIDDEN = [a for a in gn.activations.names() if a != "softmax"]
# (output activation, loss, target kind) combinations that make sense together
PAIRS = [
    ("sigmoid", "mse", "unit"),
    ("identity", "sse", "real"),
    ("tanh01", "bce", "unit"),  # bce through the chain rule (not fused)
    ("sigmoid", "bce", "unit"),  # fused with the logit
    ("softmax", "cross_entropy", "onehot"),  # fused
    ("softmax", "mse", "onehot"),  # softmax's full Jacobian
    ("softmax", "bce", "unit"),  # bce through softmax's full Jacobian (not fused)
    ("tanh", "mae", "real"),
    ("identity", "huber", "real"),
]


def _data(kind, n_out, rng):
    X = rng.normal(size=(7, 3))
    if kind == "unit":
        y = rng.uniform(size=(7, n_out))
    elif kind == "onehot":
        y = np.eye(n_out)[rng.integers(0, n_out, 7)]
    else:
        y = rng.normal(size=(7, n_out))
    return X, y


KINKED = {"relu", "leaky_relu"}  # no derivative at z = 0


def _network_away_from_kinks(sizes, hidden, output, bias, population, X, rng):
    """A network with random biases whose hidden z lie at least 1e-4 from a kink.

    Finite differences across a kink (relu at 0) measure a one-sided average, not a
    derivative; backprop is checked where the derivative exists.
    """
    for attempt in range(50):
        seed = 11 + attempt if population == 1 else list(range(attempt, attempt + population))
        net = gn.Network(sizes, activation=hidden, output=output, bias=bias, seed=seed)
        for layer in net.layers:
            if layer.b is not None:
                layer.b = rng.normal(scale=0.5, size=layer.b.shape)
        if hidden not in KINKED:
            return net
        # z exactly 0 (a sample whose previous layer is all dead, with no bias) stays 0 under
        # small perturbations, so it is no kink crossing; any other |z| must be well beyond the step h = 1e-5
        near = [np.abs(z[(z != 0)]) for z in net.forward(X).z[1:-1]]
        if min((n.min() for n in near if n.size), default=1.0) > 1e-4:
            return net
    raise AssertionError(f"no network away from kinks in 50 draws ({hidden}, {bias}, {sizes})")


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss", "kind"), PAIRS)
def test_backprop_matches_finite_differences(hidden, output, loss, kind):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{output}-{loss}".encode()))
    n_out = 3
    X, y = _data(kind, n_out, rng)
    for bias, depth, population in itertools.product(gn.network.BIAS_MODES, (1, 2, 3, 4), (1, 5)):
        sizes = [3, *([4] * depth), n_out]
        net = _network_away_from_kinks(sizes, hidden, output, bias, population, X, rng)
        result = gn.gradient_check(net, X, y, loss=loss)
        assert result.max_rel_error < 1e-6, (bias, depth, population, result.summary())


def test_mixed_hidden_activations_and_float32_network():
    X, y = _data("unit", 2, np.random.default_rng(0))
    net = gn.Network([3, 4, 4, 2], activation=["gelu", "elu"], output="sigmoid", dtype="float32")
    result = gn.gradient_check(net, X, y, loss="bce")  # checked on a float64 copy
    assert result.passed
    assert net.dtype == np.float32 and net.layers[0].W.dtype == np.float32


def test_gradient_check_catches_a_wrong_derivative():
    name = "cube_wrong"
    gn.activations.register(name, lambda z: z**3, lambda z: 2 * z**2, overwrite=True)
    X, y = _data("real", 1, np.random.default_rng(1))
    net = gn.Network([3, 3, 1], activation=name, output="identity", seed=0)
    result = gn.gradient_check(net, X, y, loss="mse")
    assert not result.passed
    assert result.worst_layer == 1  # the hidden layer's derivative is the wrong one
    assert "FAILED" in result.summary() and "layer 1" in result.summary()


def test_user_activation_verified():
    gn.activations.register("cube", lambda z: z**3, lambda z: 3 * z**2, overwrite=True)
    X, y = _data("real", 1, np.random.default_rng(2))
    net = gn.Network([3, 3, 1], activation="cube", output="identity", seed=0)
    result = gn.gradient_check(net, X, y, loss="mse")
    assert result.passed and result.max_rel_error < 1e-8
    assert len(result.relative_errors) == 2 and set(result.relative_errors[0]) == {"W", "b"}


def test_gradients_have_the_parameters_keys_and_shapes():
    X, y = _data("unit", 2, np.random.default_rng(3))
    for bias in gn.network.BIAS_MODES:
        for seed in (0, [0, 1, 2]):
            net = gn.Network([3, 5, 2], bias=bias, seed=seed)
            grads = net.gradients(X, y)
            for g, p in zip(grads, net.params, strict=True):
                assert g.keys() == p.keys()
                for k in p:
                    assert g[k].shape == p[k].shape


def test_paper_hand_computed_gradient(paper_data):
    # dC/dS1 = Layer1^T delta2 with delta2 = 2(Layer2 - y) s'(z2), written out by hand
    X, y = paper_data
    net = gn.Network([3, 2, 1], bias="layer", init="paper", seed=1)
    S0, S1 = net.layers[0].W.copy(), net.layers[1].W.copy()
    b0, b1 = float(net.layers[0].b[0, 0]), float(net.layers[1].b[0, 0])
    s = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    L1 = s(X @ S0 + b0)
    L2 = s(L1 @ S1 + b1)
    d2 = 2 * (L2 - y) * L2 * (1 - L2)
    d1 = (d2 @ S1.T) * L1 * (1 - L1)
    g = net.gradients(X, y, loss="sse")
    np.testing.assert_allclose(g[1]["W"], L1.T @ d2, rtol=1e-14)
    np.testing.assert_allclose(g[1]["b"], [[d2.sum()]], rtol=1e-14)
    np.testing.assert_allclose(g[0]["W"], X.T @ d1, rtol=1e-14)
    np.testing.assert_allclose(g[0]["b"], [[d1.sum()]], rtol=1e-14)
