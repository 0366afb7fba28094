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
