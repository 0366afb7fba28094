"""The paper's own trainer against an independent, plain-loop implementation of PAPER.md's errata.

The reference below is written from PAPER.md alone ("What the paper's code actually computed"),
element by element with math.exp, and shares no code with glassnet.experiments.original.
"""

import math
import random

import numpy as np
import pytest

from glassnet.experiments.original import (
    paper_derivative,
    paper_init,
    paper_sigmoid,
    paper_tanh,
    train_original,
)

X = [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
Y = [0, 1, 1, 0]


def sig(x):
    return 1 - 1 / (1 + math.exp(x)) if x < 0 else 1 / (1 + math.exp(-x))


def act(name, x):
    return sig(x) if name == "sigmoid" else 2 * sig(2 * x) - 1


def dact(name, x):  # the network code's derivative; tanh's has the wrong sign
    if name == "sigmoid":
        return sig(x) * (1 - sig(x))
    return 4 * sig(2 * x) * (sig(2 * x) - 1)


def reference(name, S0, S1, b0, b1, eta=0.5, epochs=100):
    S0 = [row[:] for row in S0]
    S1 = [row[:] for row in S1]
    losses = []
    n = len(X)
    for _ in range(epochs):
        L1 = [
            [act(name, sum(X[i][k] * S0[k][j] for k in range(3)) + b0) for j in range(2)]
            for i in range(n)
        ]
        L2 = []
        for i in range(n):
            z = sum(L1[i][j] * S1[j][0] for j in range(2)) + b1
            L2.append((act(name, z) + 1) / 2 if name == "tanh" else act(name, z))
        losses.append(sum((Y[i] - L2[i]) ** 2 for i in range(n)) / n)
        d2 = [2 * (Y[i] - L2[i]) * dact(name, L2[i]) * eta for i in range(n)]
        d1 = [[d2[i] * S1[j][0] * dact(name, L1[i][j]) * eta for j in range(2)] for i in range(n)]
        for j in range(2):
            S1[j][0] += sum(L1[i][j] * d2[i] for i in range(n))
        b1 += sum(d2) / n
        for k in range(3):
            for j in range(2):
                S0[k][j] += sum(X[i][k] * d1[i][j] for i in range(n))
        b0 += sum(d1[i][j] for i in range(n) for j in range(2)) / (2 * n)
    return losses, S0, S1, b0, b1


def test_init_is_numpy_legacy_seed_1():
    p = paper_init(1)
    assert p["S0"][0, 0] == pytest.approx(2 * 0.417022004702574 - 1)
    assert p["S1"].shape == (2, 1) and isinstance(p["b0"], float)
    rs = np.random.RandomState(1)
    assert np.array_equal(p["S0"], 2 * rs.rand(3, 2) - 1)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_seed1_curves_match_reference(name):
    p = paper_init(1)
    ref, S0, S1, b0, b1 = reference(name, p["S0"].tolist(), p["S1"].tolist(), p["b0"], p["b1"])
    run = train_original(np.array(X, float), np.array(Y, float), name)
    assert run.loss.shape == (100,)
    np.testing.assert_allclose(run.loss, ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(run.final["S0"], S0, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run.final["S1"], S1, rtol=1e-9, atol=1e-12)
    assert run.final["b0"] == pytest.approx(b0, rel=1e-9, abs=1e-12)
    assert run.final["b1"] == pytest.approx(b1, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_other_inits_and_lr_match_reference(name):
    rnd = random.Random(7)
    for _ in range(3):
        S0 = [[rnd.uniform(-2, 2) for _ in range(2)] for _ in range(3)]
        S1 = [[rnd.uniform(-2, 2)] for _ in range(2)]
        b0, b1 = rnd.uniform(-1, 1), rnd.uniform(-1, 1)
        ref = reference(name, S0, S1, b0, b1, eta=0.3, epochs=40)[0]
        init = {"S0": np.array(S0), "S1": np.array(S1), "b0": b0, "b1": b1}
        run = train_original(
            np.array(X, float), np.array(Y, float), name, lr=0.3, epochs=40, init=init
        )
        np.testing.assert_allclose(run.loss, ref, rtol=1e-10, atol=1e-14)
        assert init["S0"].tolist() == S0  # the init is not modified


def test_the_paper_headline_in_original_mode():
    """What the paper saw: with its code, tanh's loss collapses, sigmoid's barely moves."""
    Xa, ya = np.array(X, float), np.array(Y, float)
    s = train_original(Xa, ya, "sigmoid").loss
    t = train_original(Xa, ya, "tanh").loss
    assert s[0] == pytest.approx(0.2526, abs=1e-4)
    assert s[-1] > 0.05 and t[-1] < 1e-3


def test_elementwise_helpers():
    x = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    s = paper_sigmoid(x)
    assert s.tolist() == [sig(v) for v in x]
    np.testing.assert_allclose(paper_tanh(x), np.tanh(x), atol=1e-15)
    np.testing.assert_allclose(paper_derivative("tanh", x), -(1 - np.tanh(x) ** 2), atol=1e-15)
    np.testing.assert_allclose(paper_derivative("sigmoid", x), s * (1 - s))


def test_bad_arguments():
    Xa, ya = np.array(X, float), np.array(Y, float)
    with pytest.raises(ValueError, match="activation"):
        train_original(Xa, ya, "relu")
    with pytest.raises(ValueError, match="epochs"):
        train_original(Xa, ya, epochs=0)
    with pytest.raises(ValueError, match="lr"):
        train_original(Xa, ya, lr=-1.0)
    with pytest.raises(ValueError, match="seed"):
        paper_init(-1)
