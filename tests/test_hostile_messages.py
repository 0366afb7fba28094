"""Messages of the last hostile inputs (issue 26), each class tested where it can happen."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.evolution import fit_evolution
from glassnet.trace import trace

X, Y = gn.datasets.load("xor")


def _net(n_out=1, seed=0):
    out = "softmax" if n_out > 1 else "sigmoid"
    return gn.Network([2, 3, n_out], activation="tanh", output=out, seed=seed)


# every entry point that takes targets, with a 1-D y where a column is expected
ONE_D = {
    "Network.loss": lambda y: _net().loss(X, y),
    "Network.gradients": lambda y: _net().gradients(X, y),
    "Network.loss_and_gradients": lambda y: _net().loss_and_gradients(X, y),
    "Network.backward": lambda y: (lambda n: n.backward(n.forward(X), y))(_net()),
    "fit": lambda y: _net().fit(X, y, epochs=2),
    "trace": lambda y: trace(_net(), X, y),
    "gradient_check": lambda y: gn.gradient_check(_net(), X, y),
    "fit_evolution": lambda y: fit_evolution(_net(seed=[0, 1]), X, y, generations=2),
}


@pytest.mark.parametrize("entry", sorted(ONE_D))
def test_a_1d_target_is_refused_with_the_reshape_that_fixes_it(entry):
    with pytest.raises(ValueError) as err:
        ONE_D[entry](Y.ravel())
    assert str(err.value) == (
        "y: expected a 2-D array (n_samples, 1) for this network's one output, got shape "
        "(4,); pass y.reshape(-1, 1)"
    )


def test_validation_targets_get_the_same_hint():
    with pytest.raises(ValueError, match=r"^validation y: .* got shape \(4,\); pass y\.reshape"):
        _net().fit(X, Y, epochs=2, validation=(X, Y.ravel()))


def test_1d_float_targets_for_several_outputs_say_what_would_do():
    with pytest.raises(ValueError) as err:
        _net(2).loss(X, np.array([0.0, 1, 1, 0]), loss="cross_entropy")
    assert str(err.value) == (
        "y: expected a 2-D array (n_samples, 2) for this network's 2 outputs, or integer "
        "class labels 0..1, got shape (4,) of dtype float64"
    )
    # the integer labels it names are accepted, as one-hot rows
    one_hot = _net(2).loss(X, np.eye(2)[[0, 1, 1, 0]], loss="cross_entropy")
    assert _net(2).loss(X, np.array([0, 1, 1, 0]), loss="cross_entropy") == one_hot
