"""Every initializer's distribution, scale and fan convention on large draws.

The references are the papers' formulas: Glorot and Bengio (2010), ``Var W = 2 / (n_in + n_out)``
(uniform on ``+-sqrt(6 / (n_in + n_out))``); He et al. (2015), ``Var W = 2 / n_in`` (fan-in);
LeCun et al. (1998), ``Var W = 1 / n_in``. A ``W`` of shape ``(n_in, n_out)`` feeds ``n_in``
inputs into each unit, so "fan-in" is its first dimension.

The network ``[400, 100, 400]`` has one layer with fan-in 400 and fan-out 100 and one the other
way round: a scheme using the wrong fan is off by a factor 4 in variance on both, far outside
the bounds (the sample variance of 40 000 draws has a relative standard error of about 0.7%).
Kolmogorov-Smirnov tests pin the distribution's family and scale together.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import glassnet as gn

SIZES = [400, 100, 400]

# name -> (family, variance as a function of (n_in, n_out))
SCHEMES = {
    "uniform": ("uniform", lambda i, o: 1 / 3),
    "xavier": ("uniform", lambda i, o: 2 / (i + o)),
    "glorot": ("uniform", lambda i, o: 2 / (i + o)),
    "xavier_uniform": ("uniform", lambda i, o: 2 / (i + o)),
    "glorot_uniform": ("uniform", lambda i, o: 2 / (i + o)),
    "xavier_normal": ("normal", lambda i, o: 2 / (i + o)),
    "glorot_normal": ("normal", lambda i, o: 2 / (i + o)),
    "he": ("normal", lambda i, o: 2 / i),
    "kaiming": ("normal", lambda i, o: 2 / i),
    "he_normal": ("normal", lambda i, o: 2 / i),
    "kaiming_normal": ("normal", lambda i, o: 2 / i),
    "he_uniform": ("uniform", lambda i, o: 2 / i),
    "kaiming_uniform": ("uniform", lambda i, o: 2 / i),
    "lecun": ("normal", lambda i, o: 1 / i),
    "lecun_normal": ("normal", lambda i, o: 1 / i),
    "lecun_uniform": ("uniform", lambda i, o: 1 / i),
    "normal": ("normal", lambda i, o: 0.01),
    "normal(0.5)": ("normal", lambda i, o: 0.25),
}


def test_every_registered_initializer_is_covered():
    assert set(gn.initializers.names()) - {"paper"} == {s for s in SCHEMES if "(" not in s}


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_distribution_variance_and_fan(name):
    family, variance = SCHEMES[name]
    net = gn.Network(SIZES, init=name, seed=7)
    for layer in net.layers:
        W = layer.W.ravel()
        n = W.size
        var = variance(layer.n_in, layer.n_out)
        sd = math.sqrt(var)
        # mean 0: six standard errors
        assert abs(W.mean()) < 6 * sd / math.sqrt(n), (name, layer)
        # variance: six standard errors of the sample variance (kurtosis 3 normal, 1.8 uniform)
        kurt = 3.0 if family == "normal" else 1.8
        se = var * math.sqrt((kurt - 1) / n)
        assert abs(W.var() - var) < 6 * se, (name, layer, W.var(), var)
        if family == "uniform":
            r = math.sqrt(3 * var)
            assert np.abs(W).max() <= r
            assert np.abs(W).max() > 0.999 * r  # 40 000 draws reach the edge
            p = stats.kstest(W, "uniform", args=(-r, 2 * r)).pvalue
        else:
            p = stats.kstest(W, "norm", args=(0.0, sd)).pvalue
        assert p > 1e-6, (name, layer, p)
        # biases start at zero for every per-layer scheme
        np.testing.assert_array_equal(layer.b, 0.0)


@pytest.mark.parametrize("name", ["he", "he_uniform", "lecun", "lecun_uniform"])
def test_fan_in_not_fan_out(name):
    # the same scheme on a (400, 100) and a (100, 400) matrix: variances in the ratio 1 : 4
    net = gn.Network(SIZES, init=name, seed=3)
    v_in400 = net.layers[0].W.var()
    v_in100 = net.layers[1].W.var()
    assert v_in100 / v_in400 == pytest.approx(4.0, rel=0.05)


def test_layers_and_seeds_draw_independently():
    a = gn.Network([50, 50, 50], init="he", seed=1)
    b = gn.Network([50, 50, 50], init="he", seed=2)
    r_layers = np.corrcoef(a.layers[0].W.ravel(), a.layers[1].W.ravel())[0, 1]
    r_seeds = np.corrcoef(a.layers[0].W.ravel(), b.layers[0].W.ravel())[0, 1]
    assert abs(r_layers) < 0.1 and abs(r_seeds) < 0.1
    again = gn.Network([50, 50, 50], init="he", seed=1)
    np.testing.assert_array_equal(a.layers[1].W, again.layers[1].W)


def test_population_member_draws_as_its_single_network():
    pop = gn.Network([4, 6, 2], init="he_uniform", seed=[3, 9])
    for k, s in enumerate([3, 9]):
        single = gn.Network([4, 6, 2], init="he_uniform", seed=s)
        for lp, ls in zip(pop.layers, single.layers, strict=True):
            np.testing.assert_array_equal(lp.W[k], ls.W)


def test_paper_initialization_is_the_papers_draw():
    # PAPER.md: from RandomState(1), in this order: S0 = 2 rand(3,2) - 1, S1 = 2 rand(2,1) - 1,
    # b0 = uniform(-1, 1), b1 = uniform(-1, 1)
    rs = np.random.RandomState(1)
    S0 = 2 * rs.rand(3, 2) - 1
    S1 = 2 * rs.rand(2, 1) - 1
    b0, b1 = rs.uniform(-1, 1), rs.uniform(-1, 1)
    net = gn.Network([3, 2, 1], bias="layer", init="paper", seed=1)
    np.testing.assert_array_equal(net.layers[0].W, S0)
    np.testing.assert_array_equal(net.layers[1].W, S1)
    np.testing.assert_array_equal(net.layers[0].b, [[b0]])
    np.testing.assert_array_equal(net.layers[1].b, [[b1]])
    # and on large draws it is U(-1, 1) for weights and biases alike
    big = gn.Network([300, 200], bias="neuron", init="paper", seed=0)
    assert stats.kstest(big.layers[0].W.ravel(), "uniform", args=(-1, 2)).pvalue > 1e-6
    assert -1 <= big.layers[0].b.min() and big.layers[0].b.max() <= 1
    assert big.layers[0].b.std() == pytest.approx(1 / math.sqrt(3), rel=0.15)


def test_normal_factory_names_and_defaults():
    assert gn.initializers.normal().name == "normal(0.1)"
    init = gn.initializers.get("normal(0.5)")
    assert init.name == "normal(0.5)"
    assert gn.initializers.get("normal( std = 2e-1 )").name == "normal(0.2)"
    W, b = gn.initializers.normal().draw(0, [(200, 300)], [(1, 300)])
    assert W[0].std() == pytest.approx(0.1, rel=0.02) and (b[0] == 0).all()
    W, b = gn.initializers.get("he").draw(0, [(3, 2)], [None])
    assert b == [None]
    with pytest.raises(ValueError, match=r"^init normal\(std\): "):
        gn.initializers.normal(-1.0)


@pytest.mark.parametrize("std", [0.0, -1.0, 1e6 * (1 + 1e-9), float("inf"), float("nan")])
def test_normal_std_outside_its_interval_is_refused(std):
    # std in (0, MAX_STD]: 0 draws no weights at all, and beyond 1e6 every unit saturates
    with pytest.raises(ValueError) as info:
        gn.initializers.normal(std)
    assert str(info.value).startswith("init normal(std): expected a finite number in (0, 1e+06]")
    words = "init normal\\(std\\): expected a finite number in" if math.isfinite(std) else "unknown"
    with pytest.raises(ValueError, match=words):
        gn.initializers.get(f"normal({std!r})")


def test_normal_std_at_its_largest_is_accepted():
    init = gn.initializers.normal(gn.initializers.MAX_STD)
    assert init.name == "normal(1e+06)" and gn.initializers.MAX_STD == 1e6
    W, _ = init.draw(0, [(400, 500)], [None])
    assert W[0].std() == pytest.approx(1e6, rel=0.01)


def test_initializer_lookup_errors():
    init = gn.initializers.get("he")
    assert gn.initializers.get(init) is init
    with pytest.raises(TypeError, match=r"^init: expected a name or an Initializer, got 3"):
        gn.initializers.get(3)
    with pytest.raises(ValueError) as info:
        gn.initializers.get("glorious")
    message = str(info.value)
    assert message.startswith("init: unknown initializer 'glorious'; expected one of ")
    assert ", normal, normal(std), paper, uniform, xavier, xavier_normal, xavier_uniform" in message
