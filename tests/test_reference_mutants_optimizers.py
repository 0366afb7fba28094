"""Optimizer parts that mutation testing found untested: the cosine schedule on an array of
update counts (as a JAX program traces it), and a chain given a state of the wrong length.

References: the schedule's formula written out with ``math.cos`` per update, and optax's
``cosine_decay_schedule`` (float32, so to its precision); Python's ``zip(strict=True)`` contract
for the state.
"""

from __future__ import annotations

import math

import numpy as np
import optax
import pytest

from glassnet import optimizers


def test_cosine_schedule_on_an_array_of_steps():
    epochs, spe, m = 10, 3, 0.1
    sched = optimizers.schedule("cosine", epochs=epochs, steps_per_epoch=spe, min_factor=m)
    t = np.arange(45)  # past the last epoch too, where the factor stays at m
    got = sched(t)
    assert type(got) is np.ndarray and got.dtype == np.float64 and got.shape == t.shape
    expected = [
        m + (1 - m) * (1 + math.cos(math.pi * min(s // spe, epochs) / epochs)) / 2 for s in t
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    ref = optax.cosine_decay_schedule(1.0, epochs, alpha=m)
    np.testing.assert_allclose(got, [float(ref(s // spe)) for s in t], rtol=1e-6)
    # one update count at a time, as the NumPy loop asks, gives the same numbers
    assert [sched(int(s)) for s in t] == pytest.approx(expected, rel=1e-15)


def test_chain_refuses_a_state_of_another_length():
    chained = optimizers.chain(optimizers.scale_by_adam(), optimizers.scale_by_learning_rate(0.1))
    params = [{"W": np.ones((2, 2))}]
    state = chained.init(params)
    assert len(state) == 2
    with pytest.raises(ValueError):
        chained.update([{"W": np.ones((2, 2))}], state[:1], params)


def _steps(transformation, grads):
    params = [{"W": np.zeros_like(grads[0])}]
    state = transformation.init(params)
    out = []
    for g in grads:
        u, state = transformation.update([{"W": g}], state, params)
        out.append(u[0]["W"])
    return out


GRADS = [np.array([[0.3, -1.2], [2.0, 1e-3]]) * (k + 1) for k in range(4)]


def test_scale_by_adam_defaults_are_optaxs():
    # optax.scale_by_adam's defaults: b1 0.9, b2 0.999, eps 1e-8 (eps outside the root)
    ref = optax.scale_by_adam()
    state = ref.init(np.zeros((2, 2)))
    for got, g in zip(_steps(optimizers.scale_by_adam(), GRADS), GRADS, strict=True):
        want, state = ref.update(g, state)
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4)  # optax in float32


def test_scale_by_rms_defaults_are_rho_09_and_eps_1e_8():
    # s <- 0.9 s + 0.1 g^2; u = g / (sqrt(s) + 1e-8), written out (optax puts eps inside)
    s = np.zeros((2, 2))
    for got, g in zip(_steps(optimizers.scale_by_rms(), GRADS), GRADS, strict=True):
        s = 0.9 * s + 0.1 * g * g
        np.testing.assert_allclose(got, g / (np.sqrt(s) + 1e-8), rtol=1e-12)


def test_trees_of_different_lengths_are_refused():
    one, two = [{"W": np.ones(2)}], [{"W": np.ones(2)}, {"W": np.ones(2)}]
    with pytest.raises(ValueError):
        optimizers.tree_map(np.add, one, two)
    l1 = optimizers.add_l1_subgradient(0.1)
    with pytest.raises(ValueError):
        l1.update(one, l1.init(two), two)


def test_register_state_names_what_it_got():
    with pytest.raises(TypeError) as info:
        optimizers.register_state(int)
    assert str(info.value) == "cls: expected a NamedTuple class, got <class 'int'> (type)"
