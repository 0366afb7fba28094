"""Initializers, as mutation testing needs them: the per-layer factories built at test time.

``_uniform``, ``_normal`` and ``_per_layer`` run when glassnet is imported, to fill
``REGISTRY``; mutmut switches a mutant on only after that, so a test that uses the registered
schemes never runs a mutated factory. These tests build the schemes through the factories again
(with the module docstring's radii and deviations) and compare the draw to NumPy's, from
``np.random.default_rng(seed)`` in layer order with zero biases, as the docstring specifies;
the registered schemes are held to the same reference.

The paper's scheme is held to ``RandomState(seed)``: every weight matrix, then a bias for each
layer that has one (none is drawn for a layer without).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet import initializers

SHAPES = [(3, 5), (5, 2), (2, 4)]
BIASES = [(1, 5), None, (1, 4)]

UNIFORM = {
    "uniform": lambda i, o: 1.0,
    "xavier_uniform": lambda i, o: math.sqrt(6 / (i + o)),
    "he_uniform": lambda i, o: math.sqrt(6 / i),
    "lecun_uniform": lambda i, o: math.sqrt(3 / i),
}
NORMAL = {
    "xavier_normal": lambda i, o: math.sqrt(2 / (i + o)),
    "he_normal": lambda i, o: math.sqrt(2 / i),
    "lecun_normal": lambda i, o: math.sqrt(1 / i),
    "normal": lambda i, o: 0.1,
}


def _check(draw, sample, seed):
    rng = np.random.default_rng(seed)
    expected = [sample(rng, i, o) for i, o in SHAPES]
    weights, biases = draw(seed, SHAPES, BIASES)
    assert len(weights) == len(SHAPES)
    for w, e in zip(weights, expected, strict=True):
        assert w.dtype == np.float64
        np.testing.assert_array_equal(w, e)
    assert biases[1] is None
    for b, s in ((biases[0], BIASES[0]), (biases[2], BIASES[2])):
        np.testing.assert_array_equal(b, np.zeros(s))


@pytest.mark.parametrize("name", list(UNIFORM))
@pytest.mark.parametrize("seed", [0, 7])
def test_uniform_schemes_draw_numpys_uniform(name, seed):
    r = UNIFORM[name]

    def sample(rng, i, o):
        return rng.uniform(-r(i, o), r(i, o), size=(i, o))

    _check(initializers._uniform(r), sample, seed)
    _check(initializers.REGISTRY[name].draw, sample, seed)


@pytest.mark.parametrize("name", list(NORMAL))
@pytest.mark.parametrize("seed", [0, 7])
def test_normal_schemes_draw_numpys_normal(name, seed):
    std = NORMAL[name]

    def sample(rng, i, o):
        return rng.normal(0.0, std(i, o), size=(i, o))

    _check(initializers._normal(std), sample, seed)
    _check(initializers.REGISTRY[name].draw, sample, seed)


def test_paper_draws_no_bias_for_a_layer_without_one():
    rs = np.random.RandomState(5)
    expected_w = [2 * rs.rand(i, o) - 1 for i, o in SHAPES]
    b0 = rs.uniform(-1, 1, size=(1, 5))
    b2 = rs.uniform(-1, 1, size=(1, 4))
    weights, biases = initializers.REGISTRY["paper"].draw(5, SHAPES, BIASES)
    for w, e in zip(weights, expected_w, strict=True):
        np.testing.assert_array_equal(w, e)
    assert biases[1] is None
    np.testing.assert_array_equal(biases[0], b0)
    np.testing.assert_array_equal(biases[2], b2)
