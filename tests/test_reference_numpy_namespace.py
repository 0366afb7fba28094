"""The NumPy engine computes in NumPy: no activation, loss, optimizer, schedule, penalty, bias
mode or the layer statistics ever asks for JAX's namespace while training on NumPy arrays.

Every formula takes its functions from its arrays' namespace (``glassnet._xp.namespace``), so
that one code runs in the NumPy loop and traced in the compiled program. A formula that looked
up the wrong namespace would get JAX's functions: often the same numbers, as arrays of another
type, but it imports JAX into the NumPy engine (an optional extra it must never need) and puts
a device transfer in every step. The reference here is the rule itself: JAX's namespace is
replaced by one that fails, and each piece of the engine trains a few epochs, for one network
and for a population, full batch and mini-batches, with and without sample weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import _xp

X = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.5, 0.2, 0.1]])
Y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])  # one-hot rows
W = np.array([0.5, 1.0, 2.0, 1.0, 0.5])


@pytest.fixture(autouse=True)
def no_jax(monkeypatch):
    def refuse():
        raise AssertionError("the NumPy engine asked for JAX's namespace")

    monkeypatch.setattr(_xp, "jax_namespace", refuse)


def _train(seed=0, weighted=False, batch_size=None, **kw):
    out = kw.pop("output", "sigmoid")
    bias = kw.pop("bias", "neuron")
    activation = kw.pop("activation", "tanh")
    net = gn.Network([3, 4, 2], activation=activation, output=out, bias=bias, seed=seed)
    hist = net.fit(
        X,
        Y,
        epochs=4,
        lr=0.1,
        stats_every=1,
        batch_size=batch_size,
        sample_weight=W if weighted else None,
        **kw,
    )
    assert np.isfinite(hist.loss).all()
    for value in hist.layer_stats.values():
        assert type(value) is np.ndarray
    fwd = net.forward(X)
    assert all(type(a) is np.ndarray for a in fwd.a)
    return hist


@pytest.mark.parametrize("seed", [0, [0, 1, 2]], ids=["one", "population"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("batch_size", [None, 2], ids=["full", "mini"])
@pytest.mark.parametrize("loss", sorted(gn.losses.REGISTRY))
def test_every_loss(loss, seed, weighted, batch_size):
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    _train(seed, weighted, batch_size, loss=loss, output=output)


@pytest.mark.parametrize("seed", [0, [0, 1]], ids=["one", "population"])
@pytest.mark.parametrize("activation", [a for a in gn.activations.REGISTRY if a != "softmax"])
def test_every_hidden_activation(activation, seed):
    _train(seed, activation=activation, loss="mse")


@pytest.mark.parametrize("seed", [0, [0, 1]], ids=["one", "population"])
@pytest.mark.parametrize("output", sorted(gn.activations.REGISTRY))
def test_every_output(output, seed):
    _train(seed, output=output, loss="mse")


@pytest.mark.parametrize("seed", [0, [0, 1]], ids=["one", "population"])
@pytest.mark.parametrize("schedule", [None, *gn.optimizers.SCHEDULES])
@pytest.mark.parametrize("optimizer", sorted(gn.optimizers.REGISTRY))
def test_every_optimizer_and_schedule(optimizer, schedule, seed):
    _train(seed, optimizer=optimizer, schedule=schedule, loss="mse")


@pytest.mark.parametrize("seed", [0, [0, 1]], ids=["one", "population"])
@pytest.mark.parametrize("bias", ["neuron", "layer", "none"])
@pytest.mark.parametrize("penalty", [{}, {"l1": 0.01}, {"l2": 0.01}, {"l1": 0.01, "l2": 0.02}])
def test_every_bias_mode_and_penalty(bias, penalty, seed):
    _train(seed, bias=bias, loss="mse", **penalty)


def test_a_population_with_one_rate_per_member_and_a_diverging_member():
    # a rate of 1e6 sends member 1 away; it is frozen while member 0 trains on
    net = gn.Network([3, 4, 2], activation="relu", output="identity", seed=[0, 1])
    hist = net.fit(X, Y * 1e3, loss="mse", lr=(0.001, 1e6), epochs=20, stats_every=1)
    assert hist.diverged.tolist() == [False, True]
