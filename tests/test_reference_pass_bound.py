"""One pass of a batch is bounded before anything is allocated (``MAX_PASS_BYTES``).

A forward pass keeps ``z^(l)`` and ``a^(l)`` and backpropagation adds ``delta^(l)``: three
``(rows, n_l)`` arrays per layer after the input and per member. The bound is checked on that
count, computed here by hand, for every way a pass starts: training (per batch, naming
``batch_size``), validation, predictions, losses, gradients, the trace, the gradient check,
and selection. (The command line checks its own, larger estimate of a command's memory
first.) The bound is on the batch, not on the data: a large data
set trains in small batches.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import network


def _need(sizes, rows, members=1, itemsize=8):
    return 3 * rows * sum(sizes[1:]) * members * itemsize  # z, a, delta per layer after input


SIZES = [3, 5, 4, 1]
X = np.random.default_rng(0).normal(size=(10, 3))
Y = np.random.default_rng(1).uniform(0.1, 0.9, size=(10, 1))


def test_the_count_is_z_a_and_delta_of_every_layer_row_and_member():
    assert gn._validation.pass_bytes(SIZES, 10, 1, 8) == 3 * 10 * (5 + 4 + 1) * 8 == 2400
    assert gn._validation.pass_bytes(SIZES, 7, 3, 4) == 3 * 7 * 10 * 3 * 4
    assert gn._validation.MAX_PASS_BYTES == 4 * 2**30


@pytest.mark.parametrize("members", [None, 3])
def test_every_pass_is_refused_one_byte_beyond_the_bound(monkeypatch, members):
    seed = 0 if members is None else list(range(members))
    net = gn.Network(SIZES, seed=seed)
    m = members or 1
    monkeypatch.setattr(network, "MAX_PASS_BYTES", _need(SIZES, 10, m))  # exactly 10 rows
    passes = {
        "predict": lambda: net.predict(X),
        "forward": lambda: net.forward(X),
        "loss": lambda: net.loss(X, Y),
        "loss_and_gradients": lambda: net.loss_and_gradients(X, Y),
        "fit, full batch": lambda: net.copy().fit(X, Y, epochs=1),
        "fit, validation": lambda: net.copy().fit(X[:2], Y[:2], epochs=1, validation=(X, Y)),
    }
    if members is None:
        passes["trace"] = lambda: net.trace(X, Y)
    for run in passes.values():
        run()  # at the bound: runs
    X11, Y11 = np.vstack([X, X[:1]]), np.vstack([Y, Y[:1]])
    beyond = {
        "predict": (lambda: net.predict(X11), "X"),
        "forward": (lambda: net.forward(X11), "X"),
        "loss": (lambda: net.loss(X11, Y11), "X"),
        "loss_and_gradients": (lambda: net.loss_and_gradients(X11, Y11), "X"),
        "fit, full batch": (lambda: net.copy().fit(X11, Y11, epochs=1), "batch_size"),
        "fit, batch 11": (
            lambda: net.copy().fit(X11, Y11, epochs=1, batch_size=11),
            "batch_size",
        ),
        "fit, validation": (
            lambda: net.copy().fit(X[:2], Y[:2], epochs=1, validation=(X11, Y11)),
            "validation X",
        ),
    }
    if members is None:
        beyond["trace"] = (lambda: net.trace(X11, Y11), "X")
    before = [p["W"].copy() for p in net.params]
    for name, (run, who) in beyond.items():
        with pytest.raises(ValueError) as info:
            run()
        assert str(info.value).startswith(
            f"{who}: a pass of 11 rows through layers {SIZES} x {m} member(s) would hold "
        ), (name, str(info.value))
    for p, w in zip(net.params, before, strict=True):  # nothing trained, nothing changed
        np.testing.assert_array_equal(p["W"], w)
    # the bound is on the batch: 11 rows train in batches of 10, or 5
    net.copy().fit(X11, Y11, epochs=2, batch_size=10)
    net.copy().fit(X11, Y11, epochs=2, batch_size=5)


def test_the_gradient_check_and_selection_are_bounded_too(monkeypatch):
    net = gn.Network(SIZES, seed=0)
    monkeypatch.setattr(network, "MAX_PASS_BYTES", _need(SIZES, 9))
    with pytest.raises(ValueError, match=r"^X: a pass of 10 rows through layers"):
        gn.gradcheck.gradient_check(net, X, Y)
    with pytest.raises(ValueError, match=r"^X: a pass of 10 rows through layers"):
        gn.evolution.fit_evolution(gn.Network(SIZES, seed=[0, 1]), X, Y, generations=1)


def test_a_real_size_is_refused_at_once_with_its_numbers():
    net = gn.Network([2, 20000, 1], seed=0)
    X = np.zeros((10**6, 2))
    y = np.zeros((10**6, 1))
    with pytest.raises(ValueError) as info:
        net.predict(X)
    # 3 x 10^6 x 20001 x 8 bytes = 447.1 GiB
    assert str(info.value) == (
        "X: a pass of 1000000 rows through layers [2, 20000, 1] x 1 member(s) would hold "
        "447.1 GiB of z, a and delta; expected at most 4 GiB (fewer rows at a time)"
    )
    with pytest.raises(ValueError) as info:
        net.fit(X, y, epochs=1)
    assert str(info.value) == (
        "batch_size: a pass of 1000000 rows through layers [2, 20000, 1] x 1 member(s) would "
        "hold 447.1 GiB of z, a and delta; expected at most 4 GiB (a smaller batch_size)"
    )
    with pytest.raises(ValueError, match=r"^batch_size: a pass of 100000 rows .* 44\.7 GiB"):
        net.fit(X, y, epochs=1, batch_size=100_000)
