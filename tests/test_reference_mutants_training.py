"""Training details that mutation testing found unchecked (issue 26), each against a reference.

* **A step from a cost that is not finite** is not taken, and the optimizer keeps its moments
  (optax's ``apply_if_finite``, applied to the cost): the parameters and Adam's ``m`` and
  ``v`` stay the last finite ones, while the update count advances (a population shares one
  count). The reference is Adam written out (Kingma and Ba, algorithm 1) on a one-layer
  linear network whose mean squared error and gradient are written out too; for a
  population, the members that go on must also equal a population of just them.
* **fit's signature** spells out every field of TrainConfig as a keyword-only parameter with
  its documented default: written out here by hand.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import glassnet as gn
from glassnet import training

B1, B2, EPS = 0.9, 0.999, 1e-8  # Adam's defaults (Kingma and Ba; glassnet's and optax's)

_rng = np.random.default_rng(26)
X = _rng.normal(size=(6, 2))
Y = X @ np.array([[1.5], [-2.0]]) + 0.5


def _cost_and_grads(W, b):
    """mse = mean((X W + b - y)^2) and its gradient, written out."""
    r = X @ W + b - Y
    n = r.size
    return float((r * r).sum() / n), {"W": 2 / n * X.T @ r, "b": 2 / n * r.sum(0, keepdims=True)}


def _adam_reference(W, b, lr, epochs):
    """Full-batch Adam written out, skipping (optax's apply_if_finite) every step whose cost
    is not finite: returns the parameters, m, v and the number of steps taken."""
    p = {"W": W.copy(), "b": b.copy()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            cost, g = _cost_and_grads(p["W"], p["b"])
            if not np.isfinite(cost):
                continue
            t += 1
            for k in p:
                m[k] = B1 * m[k] + (1 - B1) * g[k]
                v[k] = B2 * v[k] + (1 - B2) * g[k] ** 2
                m_hat, v_hat = m[k] / (1 - B1**t), v[k] / (1 - B2**t)
                p[k] = p[k] - lr * m_hat / (np.sqrt(v_hat) + EPS)
    return p, m, v, t


def _adam_state(history, member=None):
    """(count, m, v) of the first layer from a fit's Adam state (chain: adam, then the rate)."""
    adam, _scale = history.optimizer_state
    pick = (lambda a: a) if member is None else (lambda a: a[member])
    return (
        adam.count,
        {k: pick(a) for k, a in adam.m[0].items()},
        {k: pick(a) for k, a in adam.v[0].items()},
    )


# a rate so large that Adam's first step (about lr * sign(g)) puts the parameters near 1e155:
# the next forward pass overflows (the cost is inf, its gradient still finite), which the
# non-finite divergence rule stops without any earlier runaway rule tripping
HUGE = 1e155


def test_a_single_network_keeps_its_last_finite_parameters_and_moments():
    net = gn.Network([2, 1], output="identity", seed=3)
    W0, b0 = net.params[0]["W"].copy(), net.params[0]["b"].copy()
    with pytest.warns(training.DivergenceWarning, match="epoch 1: the loss became inf"):
        h = net.fit(X, Y, loss="mse", optimizer="adam", lr=HUGE, epochs=5, divergence="nonfinite")
    assert h.diverged and h.diverged_epoch == 1 and h.epochs_run == 2
    assert not np.isfinite(h.loss[1])
    p, m, v, t = _adam_reference(W0, b0, HUGE, 2)
    assert t == 1  # the reference took the first step only
    count, m_fit, v_fit = _adam_state(h)
    for k in ("W", "b"):
        np.testing.assert_allclose(net.params[0][k], p[k], rtol=1e-12)
        np.testing.assert_allclose(m_fit[k], m[k], rtol=1e-12)
        np.testing.assert_allclose(v_fit[k], v[k], rtol=1e-12)
    # the count advances over the step not taken (documented: a member stays its network)
    assert count == 2 and h.optimizer_state[1].count == 2


def test_a_population_member_that_overflows_keeps_its_moments_while_the_others_go_on():
    seeds, rates, epochs = [3, 7, 11], [HUGE, 0.05, 0.2], 6
    net = gn.Network([2, 1], output="identity", seed=seeds)
    start = [(net.params[0]["W"][k].copy(), net.params[0]["b"][k].copy()) for k in range(3)]
    h = net.fit(X, Y, loss="mse", optimizer="adam", lr=rates, epochs=epochs, divergence="nonfinite")
    assert h.diverged.tolist() == [True, False, False] and h.diverged_epoch[0] == 1
    assert h.epochs_run == epochs
    count = None
    for k in range(3):
        p, m, v, t = _adam_reference(*start[k], rates[k], 2 if k == 0 else epochs)
        assert t == (1 if k == 0 else epochs)
        count, m_fit, v_fit = _adam_state(h, k)
        for key in ("W", "b"):
            np.testing.assert_allclose(net.params[0][key][k], p[key], rtol=1e-10)
            np.testing.assert_allclose(m_fit[key], m[key], rtol=1e-10)
            np.testing.assert_allclose(v_fit[key], v[key], rtol=1e-10)
    assert count == epochs  # one count for the population: it advanced every epoch
    # the members that went on are a population of just them, bit for bit
    alone = gn.Network([2, 1], output="identity", seed=seeds[1:])
    h2 = alone.fit(
        X, Y, loss="mse", optimizer="adam", lr=rates[1:], epochs=epochs, divergence="nonfinite"
    )
    for mine, theirs in zip(h.optimizer_state, h2.optimizer_state, strict=True):
        for name in mine._fields:
            a, b = getattr(mine, name), getattr(theirs, name)
            if name == "count":
                assert a == b
                continue
            for layer_a, layer_b in zip(a, b, strict=True):
                for key in layer_a:
                    np.testing.assert_array_equal(layer_a[key][1:], layer_b[key])
    for key in ("W", "b"):
        np.testing.assert_array_equal(net.params[0][key][1:], alone.params[0][key])


# TrainConfig's fields and documented defaults, in order, as run.py writes them (with
# ``from __future__ import annotations``: the annotations are their source text)
CONFIG_KEYWORDS = [
    ("loss", "mse", "Any"),
    ("optimizer", "gd", "Any"),
    ("lr", None, "Any"),
    ("epochs", 100, "int"),
    ("batch_size", None, "int | None"),
    ("shuffle", True, "bool"),
    ("seed", None, "Any"),
    ("l1", 0.0, "float"),
    ("l2", 0.0, "float"),
    ("schedule", None, "Any"),
    ("stats_every", "auto", "int | str | None"),
    ("optimizer_options", {}, "Mapping[str, Any]"),
    ("backend", "numpy", "str"),
    ("chunk_epochs", None, "int | None"),
    ("divergence", "runaway", "str"),
    ("warn", True, "bool"),
]


def test_fits_signature_spells_out_every_configuration_keyword(monkeypatch):
    P = inspect.Parameter
    POS, KW = P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY
    expected = [
        ("net", POS, P.empty, "Network"),
        ("X", POS, P.empty, "Any"),
        ("y", POS, P.empty, "Any"),
        ("config", POS, None, "TrainConfig | None"),
        ("validation", KW, None, "tuple[Any, Any] | None"),
        ("sample_weight", KW, None, "Any"),
        ("callbacks", KW, (), "Sequence[Callback]"),
        ("resume", KW, None, "TrainState | History | None"),
        *((name, KW, default, note) for name, default, note in CONFIG_KEYWORDS),
    ]
    # what help() shows: the signature made when glassnet was imported
    shown = inspect.signature(training.fit)
    # and _signature itself, run again from fit's own signature (``**settings``)
    monkeypatch.delattr(training.fit, "__signature__")
    made = training._signature()
    for sig in (shown, made):
        got = [(p.name, p.kind, p.default, p.annotation) for p in sig.parameters.values()]
        assert got == expected
        assert sig.return_annotation == "History"
