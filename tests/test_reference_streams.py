"""The random streams as documented (``glassnet/_random.py``, docs/concepts/initialization.md):
NumPy alone draws the numbers glassnet draws for a seed. The reference is NumPy's own
``default_rng`` with the documented keys, so renumbering, swapping or reordering the keys (which
would silently change every seeded mini-batch fit and evolution of earlier versions) fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet._random import generator

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(7, 3)), RNG.uniform(0.1, 0.9, size=(7, 1))


def _same_params(a, b):
    for la, lb in zip(a.params, b.params, strict=True):
        for k in la:
            np.testing.assert_array_equal(la[k], lb[k])


@pytest.mark.parametrize("seed", [0, 5, 2**40])
def test_mini_batch_orders_are_permutations_drawn_from_default_rng_seed_and_1(seed):
    # a shuffled fit of 2 epochs equals unshuffled fits on the rows in the documented orders
    a = gn.Network([3, 4, 1], seed=seed)
    b = a.copy()
    a.fit(X, Y, loss="mse", lr=0.1, epochs=2, batch_size=3)
    orders = np.random.default_rng([seed, 1])
    for _ in range(2):
        p = orders.permutation(len(X))
        b.fit(X[p], Y[p], loss="mse", lr=0.1, epochs=1, batch_size=3, shuffle=False)
    _same_params(a, b)


def test_fits_shuffle_seed_and_each_members_seed_key_their_own_streams():
    a = gn.Network([3, 2, 1], seed=[3, 9])
    b = a.copy()
    a.fit(X, Y, loss="mse", lr=0.1, epochs=1, batch_size=2, seed=(11, 12))
    for k, s in enumerate((11, 12)):
        p = np.random.default_rng([s, 1]).permutation(len(X))
        member = b.member(k)
        member.fit(X[p], Y[p], loss="mse", lr=0.1, epochs=1, batch_size=2, shuffle=False)
        for la, lm in zip(a.params, member.params, strict=True):
            for key in la:
                np.testing.assert_array_equal(la[key][k], lm[key])


def test_the_initial_weights_and_the_selection_trainer_draw_from_the_documented_streams():
    for seed in (0, 1, 2**64 + 3):
        np.testing.assert_array_equal(
            generator(seed, "evolution").random(5), np.random.default_rng([seed, 2]).random(5)
        )
        np.testing.assert_array_equal(
            generator(seed, "init").random(5), np.random.default_rng(seed).random(5)
        )
