"""Training details that mutation testing found unchecked (issue 26), each against a reference.

* **A step from a cost that is not finite** is not taken, and the optimizer keeps its moments
  (optax's ``apply_if_finite``, applied to the cost): the parameters and Adam's ``m`` and
  ``v`` stay the last finite ones, while the update count advances (a population shares one
  count). The reference is Adam written out (Kingma and Ba, algorithm 1) on a one-layer
  linear network whose mean squared error and gradient are written out too; for a
  population, the members that go on must also equal a population of just them.
* **fit's signature** spells out every field of TrainConfig as a keyword-only parameter with
  its documented default: written out here by hand.
* **The parts fit is made of**, against gradient descent and the rules written out: a penalty
  of 0 beside one that is on adds no term even to an infinite weight; a parameter exactly at
  the limit does not exceed it; ``diverging`` answers a bool or one per member; the validation
  pass has an accuracy only for classes; ``step`` takes the optimizer it is given and returns
  the parameters of a step not taken; a population's ``first_loss`` is its first epoch's even
  from a loss that reuses its array; and steps or states that do not match the parameters'
  or the old state's structure are refused, not cut to the shorter.
"""

from __future__ import annotations

import errno
import inspect
import os
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

import glassnet as gn
from glassnet import training
from glassnet._random import generator
from glassnet.activations import Activation
from glassnet.training import Checkpoint

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


# --- the callbacks ----------------------------------------------------------------------------


def test_early_stopping_names_each_members_best_epoch_as_an_integer():
    # validation data off the training targets: each member's validation curve reaches its
    # lowest at another epoch (11, 7 and 3), where the rates take the fit past it
    net = gn.Network([2, 1], output="identity", seed=[3, 7, 11])
    es = gn.EarlyStopping(patience=100)
    h = net.fit(
        X, Y, loss="mse", lr=[0.02, 0.1, 0.3], epochs=12, validation=(X[:3] + 0.5, Y[:3] / 2),
        callbacks=[es],
    )  # fmt: skip
    best = [int(np.argmin(curve)) for curve in h.val_loss]  # the first lowest: strict gains
    assert best == [11, 7, 3]
    assert h.messages == [f"early stopping restored the parameters of epoch(s) {best}"]
    assert np.issubdtype(es.best_epoch.dtype, np.integer) and es.best_epoch.tolist() == best
    np.testing.assert_array_equal(es.best, h.val_loss.min(axis=1))


class _Curve:
    """What EarlyStopping reads of a History: the curves and the messages."""

    def __init__(self, loss):
        self.loss, self.val_loss, self.messages = np.asarray(loss, float), None, []


def test_early_stopping_counts_a_non_finite_first_epoch_as_no_improvement():
    # the rule written out: wait counts the epochs since the last improvement; stop at patience.
    # A first value that is not finite improves nothing: wait 1, then 0, 1, 2 -> stop at 3
    net = gn.Network([2, 1], output="identity")
    es = gn.EarlyStopping(monitor="loss", patience=2)
    history = _Curve([np.nan, 1.0, 2.0, 3.0, 4.0])
    es.on_train_begin(net, history)
    stops = [es.on_epoch_end(e, history, net) for e in range(4)]
    assert stops == [False, False, False, True]
    assert es.best == 1.0 and es.best_epoch == 1


def test_early_stopping_with_no_epoch_ended_restores_nothing():
    # a run that diverges at its first epoch (runaway parameters) stops before any callback's
    # epoch end: there is no best epoch, nothing to restore, and the run says it diverged
    net = gn.Network([2, 1], output="identity", seed=3)
    es = gn.EarlyStopping(monitor="loss")
    with pytest.warns(training.DivergenceWarning, match="at epoch 0: a parameter grew"):
        h = net.fit(X, Y, loss="mse", lr=1e6, epochs=5, callbacks=[es])
    assert h.stopped_by == "diverged" and h.epochs_run == 1
    assert not any("early stopping" in m for m in h.messages)
    assert np.abs(net.params[0]["W"]).max() > 1e6  # the diverged parameters stay


@pytest.mark.parametrize(
    ("given", "near"), [("threshhold", "threshold"), ("papr", "paper"), ("windw", "window")]
)
def test_stop_on_convergence_names_itself_and_the_near_miss(given, near):
    # a misspelt keyword lands in **paper_kwargs: refused with every name the class takes
    with pytest.raises(TypeError) as err:
        gn.StopOnConvergence(**{given: 1})
    assert str(err.value) == (
        f"StopOnConvergence: unexpected keyword argument {given!r}; expected one of threshold, "
        f"paper, tol, slope_tol, window (did you mean {near!r}?)"
    )


def test_stop_on_convergence_by_default_waits_for_a_loss_below_one_hundredth():
    # the documented default threshold 0.01: mse on a sigmoid output, about 0.25, goes on
    net = gn.Network([2, 1], seed=3)
    h = net.fit(X, Y > 0, loss="mse", epochs=4, callbacks=[gn.StopOnConvergence()])
    assert (h.loss > 0.01).all() and (h.loss < 1.01).all()
    assert h.epochs_run == 4 and h.stopped_by is None


# --- the divergence rule and its messages -----------------------------------------------------


def _growing_run(**fit):
    """A linear network whose gradient descent is just unstable: with the rate 2.2 / lambda_max
    (lambda_max the largest eigenvalue of mse's Hessian 2/n [X 1]^T [X 1], written out), the
    error along the top eigenvector grows by |1 - 2.2| = 1.2 a step, its loss by 1.44 an epoch;
    the targets are the network's own first outputs plus a little, so the first loss is below 1."""
    net = gn.Network([2, 1], output="identity", seed=3)
    A = np.c_[X, np.ones(len(X))]
    lr = 2.2 / np.linalg.eigvalsh(2 / len(X) * A.T @ A).max()
    y = X @ net.params[0]["W"] + net.params[0]["b"] + 0.1 * np.sign(X[:, :1])
    return net, net.fit(X, y, loss="mse", lr=lr, epochs=60, **fit), lr


def test_a_single_network_diverges_when_its_loss_exceeds_1e4_times_max_1_first_loss():
    _, free, _ = _growing_run(divergence="nonfinite")  # the same curve, never stopped
    first = free.loss[0]
    assert first < 1 and not free.diverged
    # the rule written out: the first epoch whose loss exceeds 1e4 * max(1, first loss)
    e = int(np.argmax(free.loss > 1e4 * max(1.0, first)))
    assert 1e4 < free.loss[e] <= 2e4  # growth below 2 an epoch: 1e4 is crossed on its own
    with pytest.warns(training.DivergenceWarning) as caught:
        _, h, lr = _growing_run()
    assert h.diverged and h.diverged_epoch == e and h.epochs_run == e + 1
    np.testing.assert_array_equal(h.loss, free.loss[: e + 1])
    message = (
        f"training diverged at epoch {e}: the loss grew to {free.loss[e]:.3g}, more than 1e+04 "
        f"times max(1, its first value {first:.3g}); try a smaller learning rate (lr={lr})"
    )
    assert h.messages == [message] and str(caught[0].message) == message


@pytest.mark.parametrize(
    "penalty, words",
    [({"l2": 1e308}, "l2=1e+308"), ({"l1": 1e308}, "l1=1e+308"),
     ({"l1": 1e307, "l2": 1e308}, "l1=1e+307, l2=1e+308")],
)  # fmt: skip
def test_a_penalty_whose_cost_overflows_is_named_in_the_advice(penalty, words):
    # a penalty of 1e308 diverges at the first epoch (its step, or l1 sum |W|, overflows)
    # while the data's cost is finite: the learning rate alone is not the advice
    net = gn.Network([2, 1], output="identity", seed=3)
    with pytest.warns(training.DivergenceWarning) as caught:
        h = net.fit(X, Y, loss="mse", lr=0.05, epochs=5, **penalty)
    (message,) = h.messages
    assert str(caught[0].message) == message and message.startswith("training diverged at epoch 0")
    assert message.endswith(
        f"; try a smaller learning rate (lr=0.05) or a smaller penalty ({words})"
    )
    with pytest.warns(training.DivergenceWarning):
        h = gn.Network([2, 1], output="identity", seed=3).fit(X, Y, loss="mse", lr=5.5, epochs=30)
    assert h.messages[0].endswith("; try a smaller learning rate (lr=5.5)")  # no penalty: no word


def test_a_parameter_that_overflows_is_named_so_under_the_non_finite_rule():
    # a rate of 1e308 times a gradient above 2 overflows a weight to inf at the first step,
    # while the first epoch's loss (before the step) is finite
    net = gn.Network([2, 1], output="identity", seed=3)
    with pytest.warns(training.DivergenceWarning) as caught:
        h = net.fit(X, Y * 100, loss="mse", lr=1e308, epochs=5, divergence="nonfinite")
    assert np.isfinite(h.loss[0]) and not np.isfinite(net.params[0]["W"]).all()
    message = (
        "training diverged at epoch 0: a parameter became NaN or infinite; "
        "try a smaller learning rate (lr=1e+308)"
    )
    assert h.messages == [message] and str(caught[0].message) == message


def test_the_divergence_warning_points_at_the_line_that_called_fit():
    net = gn.Network([2, 1], output="identity", seed=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        net.fit(X, Y, loss="mse", lr=1e6, epochs=5)
    [w] = [w for w in caught if issubclass(w.category, training.DivergenceWarning)]
    assert (w.filename, w.lineno) == (__file__, line)


def test_a_float32_network_keeps_its_last_finite_parameters_and_moments():
    # float32's costs are NumPy scalars, not Python floats: the member-by-member path with a
    # single network; the cost overflows float32 (3.4e38) at the second epoch
    net = gn.Network([2, 1], output="identity", seed=3, dtype="float32")
    W0, b0 = net.params[0]["W"].astype(float), net.params[0]["b"].astype(float)
    with pytest.warns(training.DivergenceWarning, match="epoch 1: the loss became inf"):
        h = net.fit(X, Y, loss="mse", optimizer="adam", lr=1e20, epochs=5, divergence="nonfinite")
    # the one finite step (the next cost, about 1e40, overflows float32, not float64)
    p, m, v, _ = _adam_reference(W0, b0, 1e20, 1)
    count, m_fit, v_fit = _adam_state(h)
    for k in ("W", "b"):
        np.testing.assert_allclose(net.params[0][k], p[k], rtol=1e-5)
        np.testing.assert_allclose(m_fit[k], m[k], rtol=1e-5)
        np.testing.assert_allclose(v_fit[k], v[k], rtol=1e-5)
    assert count == 2


# --- layer statistics ------------------------------------------------------------------------


def test_layer_stats_of_given_parameters_against_the_norms_written_out():
    net = gn.Network([2, 3, 1], activation="tanh", output="identity", seed=5)
    params = [{k: v * 0.1 for k, v in layer.items()} for layer in net.params]  # ||W|| < 1
    grads = [{k: np.full_like(v, 0.5) for k, v in layer.items()} for layer in params]
    steps = [{k: np.full_like(v, -1e-3) for k, v in layer.items()} for layer in params]
    stats = training.layer_stats(net, net.apply(params, X), grads, steps, params=params)
    for l, (p, g, s) in enumerate(zip(params, grads, steps, strict=True)):
        w = np.sqrt((p["W"] ** 2).sum())
        assert w < 1
        np.testing.assert_allclose(stats["weight_norm"][l], w, rtol=1e-14)
        np.testing.assert_allclose(stats["grad_norm"][l], np.sqrt((g["W"] ** 2).sum()), rtol=1e-14)
        np.testing.assert_allclose(
            stats["update_ratio"][l], np.sqrt((s["W"] ** 2).sum()) / w, rtol=1e-14
        )


def test_leaky_relus_one_hundredth_slope_is_not_saturated():
    # saturated: |f'(z)| *below* 1% of its maximum; leaky ReLU's slope for z < 0 is exactly 1%
    net = gn.Network([2, 4, 1], activation="leaky_relu", output="identity", seed=5)
    fwd = net.apply(net.params, X)
    assert (fwd.z[1] < 0).any()
    stats = training.layer_stats(net, fwd, net.params)
    assert stats["saturated"][0] == 0.0


@pytest.mark.parametrize("seed", [5, [5, 6]], ids=["one", "population"])
def test_layer_stats_count_only_the_rows_the_mask_keeps(seed):
    # the compiled program pads its data: rows marked 0 count for nothing. Hidden unit 0 is
    # dead on the real rows (a bias of -100) and alive on the padding; the padding saturates
    # the sigmoid output, the real rows do not
    net = gn.Network([2, 3, 1], activation="relu", output="sigmoid", seed=seed)
    b = net.params[0]["b"]
    b[..., 0] = -100.0
    W = net.params[0]["W"]
    W[..., :, 2] = 0.0  # unit 2: z = 0 exactly on every row, dead as well (relu'(0) = 0)
    b[..., 2] = 0.0
    W[..., :, 1] = 0.0  # unit 1: z = 0.5 on every row, alive
    b[..., 1] = 0.5
    pad = 1e3 * np.sign(W[..., :, 0]).reshape(-1, 2)[:1].repeat(3, axis=0)
    Xp = np.r_[X, pad]
    mask = np.r_[np.ones(len(X)), np.zeros(len(pad))][:, None]
    fwd = net.apply(net.params, Xp)
    stats = training.layer_stats(net, fwd, net.params, mask=mask)
    real = slice(0, len(X))
    for l, act in enumerate(net.activations):
        z = fwd.z[l + 1][..., real, :]
        d = np.abs(act.derivative(z, fwd.a[l + 1][..., real, :]))
        np.testing.assert_allclose(
            stats["saturated"][..., l], (d < 0.01 * act.derivative_max).mean(axis=(-2, -1))
        )
        dead = (z <= 0).all(axis=-2).mean(axis=-1) if act.can_die else 0.0
        np.testing.assert_allclose(stats["dead_relu"][..., l], dead)
    np.testing.assert_array_equal(stats["dead_relu"][..., 0], 2 / 3)  # units 0 and 2
    full = training.layer_stats(net, fwd, net.params)  # the padding counted: all differ
    assert (full["dead_relu"][..., 0] != stats["dead_relu"][..., 0]).all()
    assert (full["saturated"][..., 1] != stats["saturated"][..., 1]).all()


# --- the loop ----------------------------------------------------------------------------------


def test_the_parameters_are_checked_at_the_last_epoch_too():
    # 150 epochs: the parameters are checked every ceil(150 / 100) = 2 epochs "and at the last";
    # a schedule of infinite factor at the last update (149) makes the weights infinite there,
    # after that epoch's loss, which is finite, was measured
    net = gn.Network([2, 1], output="identity", seed=3)
    with pytest.warns(training.DivergenceWarning, match="epoch 149: a parameter grew beyond"):
        h = net.fit(
            X, Y, loss="mse", lr=0.05, epochs=150, schedule=lambda n: np.inf if n == 149 else 1.0
        )
    assert np.isfinite(h.loss).all() and not np.isfinite(net.params[0]["W"]).all()
    assert h.diverged and h.diverged_epoch == 149 and h.epochs_run == 150


def test_a_member_that_diverged_before_a_resume_stays_frozen():
    # documented: fit(epochs=a), then fit(epochs=b, resume=...), steps exactly as one
    # fit(epochs=a + b); member 1 (rate 0.9) diverges in the first part
    def population():
        return gn.Network([2, 1], output="identity", seed=[3, 7])

    kw = dict(loss="mse", lr=[0.05, 0.9])
    whole = population()
    hw = whole.fit(X, Y, epochs=30, **kw)
    parts = population()
    h1 = parts.fit(X, Y, epochs=15, **kw)
    assert h1.diverged.tolist() == [False, True]
    h2 = parts.fit(X, Y, epochs=15, resume=h1, **kw)
    for key in ("W", "b"):
        np.testing.assert_array_equal(parts.params[0][key], whole.params[0][key])
    np.testing.assert_array_equal(np.c_[h1.loss, h2.loss], hw.loss)
    assert h2.diverged.tolist() == [False, True]


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_a_penalty_of_exactly_one_is_applied(penalty):
    # two epochs of full-batch gradient descent with the penalty written out:
    # l1: C + sum |W|, gradient + sign(W); l2: C + 1/2 sum W^2, gradient + W
    net = gn.Network([2, 1], output="identity", seed=3)
    W, b = net.params[0]["W"].copy(), net.params[0]["b"].copy()
    lr, losses = 0.05, []
    for _ in range(2):
        cost, g = _cost_and_grads(W, b)
        if penalty == "l1":
            losses.append(cost + np.abs(W).sum())
            g["W"] = g["W"] + np.sign(W)
        else:
            losses.append(cost + 0.5 * (W * W).sum())
            g["W"] = g["W"] + W
        W, b = W - lr * g["W"], b - lr * g["b"]
    h = net.fit(X, Y, loss="mse", lr=lr, epochs=2, **{penalty: 1.0})
    np.testing.assert_allclose(h.loss, losses, rtol=1e-13)
    np.testing.assert_allclose(net.params[0]["W"], W, rtol=1e-13)
    np.testing.assert_allclose(net.params[0]["b"], b, rtol=1e-13)


def _cbrt_net():
    # a custom activation whose derivative, 1 / (3 a^2), divides by zero where z = 0: here
    # everywhere in the hidden layer, whose weights and biases are 0
    cbrt = Activation("cbrt", np.cbrt, lambda z, a: 1 / (3 * a * a))
    net = gn.Network([2, 2, 1], activation=cbrt, output="identity", seed=1)
    net.layers[0].W = np.zeros((2, 2))
    net.layers[0].b = np.zeros((1, 2))
    return net, dict(y=X[:, :1], divergence="nonfinite", warn=False)


def _tiny_net():
    # targets of 1e-160 from zero weights: the squares (1e-320) and the steps underflow
    net = gn.Network([2, 1], output="identity", seed=1)
    net.layers[0].W = np.zeros((2, 1))
    net.layers[0].b = np.zeros((1, 1))
    return net, dict(y=np.full((len(X), 1), 1e-160))


@pytest.mark.parametrize("make", [_cbrt_net, _tiny_net], ids=["divide", "underflow"])
def test_the_loop_ignores_floating_point_events_whatever_the_callers_settings(make):
    # the loop's own np.errstate: a caller's np.errstate(all="raise") changes nothing
    runs = []
    for setting in ("ignore", "raise"):
        net, kw = make()
        with np.errstate(all=setting):
            h = net.fit(X, loss="mse", epochs=3, stats_every=1, **kw)
        runs.append((h.loss, net.params[0]["W"]))
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_first_loss_is_a_float_for_one_network_and_an_array_for_a_population():
    # History.first_loss, documented "float or array": the loss of the first epoch
    h = gn.Network([2, 1], output="identity", seed=3).fit(X, Y, loss="mse", epochs=2)
    assert isinstance(h.first_loss, float) and h.first_loss == h.loss[0]
    hp = gn.Network([2, 1], output="identity", seed=[3, 7]).fit(X, Y, loss="mse", epochs=2)
    assert isinstance(hp.first_loss, np.ndarray) and hp.first_loss.shape == (2,)
    np.testing.assert_array_equal(hp.first_loss, hp.loss[:, 0])


@pytest.mark.parametrize(
    ("epochs", "stop", "words"),
    [(20, 5, "a parameter grew beyond"), (150, 6, "the loss became"), (101, 6, "the loss became")],
    ids=["checked every epoch", "checked every 2 epochs", "101 epochs: every 2"],
)
def test_the_parameters_are_checked_every_check_every_epochs(epochs, stop, words):
    # an infinite schedule factor at update 5 makes the weights infinite after epoch 5's loss:
    # with 20 epochs (checked every epoch) rule 3 sees it at 5; with 150 (checked every
    # ceil(150 / 100) = 2 epochs, 5 is skipped) the loss of epoch 6 is no longer finite
    net = gn.Network([2, 1], output="identity", seed=3)
    with pytest.warns(training.DivergenceWarning, match=f"epoch {stop}: {words}"):
        h = net.fit(
            X, Y, loss="mse", lr=0.05, epochs=epochs, schedule=lambda n: np.inf if n == 5 else 1.0
        )
    assert h.diverged_epoch == stop and h.epochs_run == stop + 1


def test_a_population_whose_every_member_diverges_stops_and_says_so():
    rates = [0.9, 1.2]
    alone = []
    for seed, lr in zip([3, 7], rates, strict=True):
        with pytest.warns(training.DivergenceWarning):
            alone.append(gn.Network([2, 1], output="identity", seed=seed).fit(X, Y, lr=lr))
    h = gn.Network([2, 1], output="identity", seed=[3, 7]).fit(X, Y, lr=rates)
    last = max(a.diverged_epoch for a in alone)
    assert h.diverged_epoch.tolist() == [a.diverged_epoch for a in alone]
    assert h.stopped_by == "diverged" and h.epochs_run == last + 1
    assert h.messages == [f"every member diverged by epoch {last}"]


def test_a_layer_that_does_not_move_has_update_ratio_zero_in_float32():
    # inputs of 0: the weights' gradient X^T delta is 0, so W (0 here) takes no step;
    # ||step|| / max(||W||, float32's tiny) is 0 (a floor of 1e-300 would be 0 in float32: 0/0)
    net = gn.Network([2, 1], output="identity", seed=3, dtype="float32")
    net.layers[0].W = np.zeros((2, 1))
    h = net.fit(np.zeros((4, 2)), np.ones((4, 1)), loss="mse", epochs=2, stats_every=1)
    np.testing.assert_array_equal(h.layer_stats["update_ratio"], np.zeros((2, 1)))


@pytest.mark.parametrize(
    ("epochs", "stats_every", "stats", "checks"),
    [
        (150, 7, [*range(0, 150, 7), 149], [*range(0, 150, 2), 149]),
        (10, 3, [0, 3, 6, 9], list(range(10))),
        (10, None, [], list(range(10))),
    ],
)
def test_the_plan_records_and_checks_at_the_documented_epochs(epochs, stats_every, stats, checks):
    # the compiled program asks the plan (the NumPy loop writes the same rule out): statistics
    # every stats_every epochs and at the last; parameters every ceil(epochs / 100) and at the
    # last. The lists are written out; the NumPy loop's record must agree
    net = gn.Network([2, 1], output="identity", seed=3)
    cfg = gn.TrainConfig(loss="mse", epochs=epochs, stats_every=stats_every)
    p = training.plan(net, X, Y, cfg)
    assert [e for e in range(epochs) if p.records_stats(e)] == stats
    assert [e for e in range(epochs) if p.checks_params(e)] == checks
    h = net.fit(X, Y, cfg)
    assert h.stats_epochs.tolist() == stats
    assert h.config == cfg  # the fit's configuration, as given


def test_a_penalty_of_zero_adds_nothing_even_to_infinite_weights():
    # no penalty means no penalty term at all: not 0 * sum |W|, which is NaN once a weight is
    # infinite. One input, no bias, a sigmoid output: an infinite weight saturates the output
    # and the loss stays finite. 150 epochs check the parameters every 2: the weight overflows
    # at update 5 (an infinite schedule factor), epoch 6's loss is finite, and rule 3 stops the
    # run there, naming the parameter, not the loss
    net = gn.Network([1, 1], bias="none", seed=3)
    x, y = X[:, :1], (X[:, :1] > 0).astype(float)
    with pytest.warns(training.DivergenceWarning, match="epoch 6: a parameter grew beyond"):
        h = net.fit(
            x, y, loss="mse", lr=0.5, epochs=150, schedule=lambda n: np.inf if n == 5 else 1.0
        )
    assert np.isfinite(h.loss).all() and np.isinf(net.params[0]["W"]).all()
    assert h.diverged_epoch == 6


def test_a_float32_population_with_a_rate_per_member_is_its_single_networks():
    # documented: member k is the single network with seed[k] and lr[k], bit for bit; in
    # float32 that holds only if the rates are float32 too (a float64 rate would compute the
    # step in float64 and round it once more)
    rates = [0.1, 0.3]
    pop = gn.Network([2, 1], output="identity", seed=[3, 7], dtype="float32")
    pop.fit(X, Y, loss="mse", lr=rates, epochs=5)
    for k, (seed, lr) in enumerate(zip([3, 7], rates, strict=True)):
        one = gn.Network([2, 1], output="identity", seed=seed, dtype="float32")
        one.fit(X, Y, loss="mse", lr=lr, epochs=5)
        for key in ("W", "b"):
            assert pop.params[0][key].dtype == np.float32
            np.testing.assert_array_equal(pop.params[0][key][k], one.params[0][key])


def test_plan_names_a_configuration_that_is_not_one():
    with pytest.raises(TypeError, match=r"^config: expected a TrainConfig, got 'x' \(str\)$"):
        training.plan(gn.Network([2, 1]), X, Y, "x")


class _StopAt(gn.Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, history, net):
        return epoch == self.epoch


def _inf_step():
    # an infinite step at update 2: the statistics of epoch 2 (recorded after the loop, the run
    # having diverged) divide an infinite step's norm by an infinite weight norm: invalid
    net = gn.Network([2, 1], output="identity", seed=3)
    kw = dict(y=Y, lr=0.05, warn=False, schedule=lambda n: np.inf if n == 2 else 1.0)
    return net, kw, 2


def _zeroed_weights():
    # inputs of 0 (no gradient for W) and l2 = lr = 1: update 1 (update 0 has factor 0) steps
    # W from 10 to exactly 0, so epoch 1's update ratio, ||step|| / max(0, tiny), overflows;
    # a callback stops the run there, so it is recorded after the loop
    net = gn.Network([2, 1], output="identity", seed=3)
    net.layers[0].W = np.full((2, 1), 10.0)
    kw = dict(
        X=np.zeros_like(X), y=Y, lr=1.0, l2=1.0, callbacks=[_StopAt(1)],
        schedule=lambda n: 0.0 if n == 0 else 1.0,
    )  # fmt: skip
    return net, kw, 1


def _gelu_far():
    # pre-activations near 100: gelu's derivative, Phi(z) + z phi(z), underflows in exp(-z^2/2)
    net = gn.Network([2, 3, 1], activation="gelu", output="identity", seed=3)
    kw = dict(X=X * 100, y=X[:, :1], lr=1e-6, callbacks=[_StopAt(1)])
    return net, kw, 1


def _dividing_derivative():
    # a custom activation backpropagated through its vjp (the identity's) whose derivative,
    # used only by the statistics, divides by zero
    odd = Activation("odd", lambda z: z, lambda z, a: 1 / (z - z), vjp=lambda z, a, g: g)
    net = gn.Network([2, 3, 1], activation=odd, output="identity", seed=3)
    return net, dict(y=Y, lr=0.01, callbacks=[_StopAt(1)]), 1


@pytest.mark.parametrize(
    "make",
    [_inf_step, _zeroed_weights, _gelu_far, _dividing_derivative],
    ids=["invalid", "overflow", "underflow", "divide"],
)
def test_the_statistics_of_an_early_stop_ignore_floating_point_events(make):
    runs = []
    for setting in ("ignore", "raise"):
        net, kw, last = make()
        kw.setdefault("X", X)
        with np.errstate(all=setting):
            h = net.fit(loss="mse", epochs=20, stats_every=5, **kw)
        assert h.stats_epochs.tolist() == [0, last]
        runs.append(h.layer_stats["update_ratio"])
    np.testing.assert_array_equal(*runs)
    if make in (_inf_step, _zeroed_weights):
        assert not np.isfinite(runs[0][-1]).all()


# --- the live run and Checkpoint -------------------------------------------------------------


class _Take(gn.Callback):
    """Takes ``history.live.state()`` after epoch k (and before the first epoch)."""

    def __init__(self, k):
        self.k, self.state, self.before = k, None, None

    def on_train_begin(self, net, history):
        self.before = history.live.state()

    def on_epoch_end(self, epoch, history, net):
        if epoch + 1 == self.k:
            self.state = history.live.state()
            # a value: the run's generators go on drawing, the state's must not; kept by hand
            # here, compared after the fit has run on
            gens = self.state.history.shuffle_generators or []
            self.drawn = [dict(g.bit_generator.state) for g in gens]
        return False


_YB = (X[:, :1] > 0).astype(float)
_LIVE = dict(
    y=_YB, loss="bce", batch_size=2, epochs=6, stats_every=1,
    validation=(X[:3] + 0.5, _YB[:3]),
)  # fmt: skip


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize(
    ("seed", "lr", "stats"),
    [(3, 0.5, 1), ([3, 7], [0.5, 1e6], 1), (3, 0.5, None)],
    ids=["one", "population, one diverged", "no statistics"],
)
def test_the_live_state_after_k_epochs_is_the_fit_stopped_after_k(seed, lr, stats):
    # documented: LiveRun.state() is "what fit would have returned had it stopped there"; the
    # reference is the same fit stopped after k = 3 epochs by a callback
    take = _Take(3)
    kw = _LIVE | {"stats_every": stats}
    gn.Network([2, 1], seed=seed).fit(X, lr=lr, callbacks=[take], **kw)
    ref = gn.Network([2, 1], seed=seed).fit(X, lr=lr, callbacks=[_StopAt(2)], **kw).state
    got = take.state
    assert got.epoch == ref.epoch == 3
    g, r = got.history, ref.history
    assert g.live is None and r.live is None
    for name in ("loss", "val_loss", "val_accuracy", "stats_epochs", "diverged",
                 "diverged_epoch", "epochs_run", "first_loss"):  # fmt: skip
        _same(getattr(g, name), getattr(r, name))
    assert g.layer_stats.keys() == r.layer_stats.keys()
    for name in r.layer_stats:
        np.testing.assert_array_equal(g.layer_stats[name], r.layer_stats[name])
    assert take.drawn == [s.bit_generator.state for s in r.shuffle_generators]
    # three more epochs have drawn from the run's generators since: the state's kept theirs
    assert [s.bit_generator.state for s in g.shuffle_generators] == take.drawn
    assert got.rng_states == ref.rng_states
    if isinstance(seed, list):
        assert g.diverged.tolist() == [False, True] and g.diverged_epoch.tolist() == [-1, 0]


def test_the_live_state_before_the_first_epoch_is_the_untrained_network():
    take = _Take(1)
    net = gn.Network([2, 1], seed=3)
    start = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    net.fit(X, lr=0.5, callbacks=[take], **_LIVE)
    s = take.before
    assert s.epoch == 0 and s.history.epochs_run == 0 and s.history.loss.shape == (0,)
    _same(s.history.stats_epochs, np.zeros(0, dtype=np.int64))
    assert s.history.layer_stats == {}
    # the optimizer's state before its first update, and the sample orders' generators as
    # seeded (the network's seed, stream "shuffle"), nothing drawn yet
    assert s.opt_state == gn.optimizers.get("gd").init(start)
    assert s.rng_states == (generator(3, "shuffle").bit_generator.state,)
    for got, want in zip(s.params, start, strict=True):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])


class _Say(gn.Callback):
    def on_epoch_end(self, epoch, history, net):
        if epoch == 0:
            history.messages.append("a note of epoch 0")
        return False


def test_a_checkpoint_keeps_the_runs_messages_so_far(tmp_path):
    ck = Checkpoint(tmp_path / "m{epoch}.npz", every=2)
    gn.Network([2, 1], seed=3).fit(X, lr=0.5, callbacks=[_Say(), ck], **_LIVE)
    assert gn.load(tmp_path / "m2.npz").train_state.history.messages == ["a note of epoch 0"]


def test_a_checkpoint_watching_val_loss_saves_when_the_validation_loss_improves(tmp_path):
    # the validation curve reaches its lowest at epoch 3 (of 12) while the training loss falls
    # every epoch: saves after epochs 1..4 (0-based 0..3) and none after
    ck = Checkpoint(tmp_path / "v{epoch}.npz", monitor="val_loss")
    h = gn.Network([2, 1], output="identity", seed=11).fit(
        X, Y, loss="mse", lr=0.3, epochs=12, validation=(X[:3] + 0.5, Y[:3] / 2), callbacks=[ck]
    )
    assert (np.diff(h.loss) < 0).all()
    best, kept = np.inf, []
    for e, v in enumerate(h.val_loss.tolist()):  # by hand: a strictly lower validation loss
        if v < best:
            best, kept = v, [*kept, e + 1]
    assert kept == [1, 2, 3, 4]
    assert [p.name for p in ck.saved] == [f"v{e}.npz" for e in kept]


def test_a_checkpoint_saves_only_strict_improvements_by_more_than_min_delta(tmp_path):
    # a flat curve (targets the network already fits: loss 0, no gradient) improves once, at
    # its first epoch; a slowly falling one by less than min_delta an epoch, every 9 epochs
    net = gn.Network([2, 1], output="identity", seed=3)
    flat = X @ net.params[0]["W"] + net.params[0]["b"]
    ck = Checkpoint(tmp_path / "f{epoch}.npz", monitor="loss")
    h = net.fit(X, flat, loss="mse", epochs=4, callbacks=[ck])
    assert (h.loss == h.loss[0]).all()
    assert [p.name for p in ck.saved] == ["f1.npz"]
    ck = Checkpoint(tmp_path / "s{epoch}.npz", monitor="loss", min_delta=0.05)
    h = gn.Network([2, 1], output="identity", seed=3).fit(
        X, Y, loss="mse", lr=0.001, epochs=20, callbacks=[ck]
    )
    best, kept = np.inf, []
    for e, v in enumerate(h.loss.tolist()):
        if v < best - 0.05:
            best, kept = v, [*kept, e + 1]
    assert 1 < len(kept) < len(h.loss)
    assert [p.name for p in ck.saved] == [f"s{e}.npz" for e in kept]


def test_a_checkpoint_of_non_finite_parameters_is_refused_and_the_run_goes_on(tmp_path):
    # member 1's first step overflows its weights (a rate of 1e308); the population goes on
    ck = Checkpoint(tmp_path / "n{epoch}.npz")
    h = gn.Network([2, 1], output="identity", seed=[3, 7]).fit(
        X, Y * 100, loss="mse", lr=[0.01, 1e308], epochs=3, callbacks=[ck]
    )
    assert h.diverged.tolist() == [False, True] and h.epochs_run == 3
    assert ck.saved == []
    assert h.messages == [
        f"Checkpoint: epoch {e} not saved, its parameters are not finite" for e in (1, 2, 3)
    ]


def test_a_failed_save_names_the_file(tmp_path, monkeypatch):
    from glassnet import _modelformat

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_modelformat, "write", full_disk)
    ck = Checkpoint(tmp_path / "c{epoch}.npz", every=2)
    message = (
        f"Checkpoint: epoch 2 not saved to {str(tmp_path / 'c2.npz')!r}: "
        "[Errno 28] No space left on device"
    )
    with pytest.warns(RuntimeWarning) as caught:
        h = gn.Network([2, 1], seed=3).fit(X, lr=0.5, callbacks=[ck], **(_LIVE | {"epochs": 2}))
    assert [str(w.message) for w in caught] == [message] and h.messages == [message]


class _BytesPath(os.PathLike):
    def __fspath__(self):
        return b"run.npz"


def test_a_checkpoint_path_of_another_type_is_refused_word_for_word():
    with pytest.raises(TypeError) as err:
        Checkpoint(5)
    assert str(err.value) == "path: expected a str or a PathLike, got 5 (int)"
    with pytest.raises(TypeError) as err:
        Checkpoint(_BytesPath())
    message = str(err.value)
    assert message.startswith("path: expected a str or os.PathLike of str, got <")
    assert "_BytesPath" in message.split(" got ", 1)[1]  # the object, described


def test_a_resumed_fit_saves_at_the_multiples_of_the_whole_runs_count(tmp_path):
    # 4 epochs, then 4 more with every=3: the run's counts 5..8 reach a multiple at 6, and the
    # fit ends at 8; nothing at 5 (the multiple 3 was reached before the resume)
    net = gn.Network([2, 1], seed=3)
    h = net.fit(X, _YB, loss="bce", lr=0.5, epochs=4)
    ck = Checkpoint(tmp_path / "r{epoch}.npz", every=3)
    net.fit(X, _YB, epochs=4, resume=h, callbacks=[ck])
    assert [p.name for p in ck.saved] == ["r6.npz", "r8.npz"]


def test_a_checkpoint_checks_the_folder_of_its_first_file(tmp_path):
    # the folder may depend on the epoch: the first save (epoch 1) goes to d1/, which exists
    (tmp_path / "d1").mkdir()
    ck = Checkpoint(tmp_path / "d{epoch}" / "x.npz")
    gn.Network([2, 1], seed=3).fit(X, _YB, loss="bce", epochs=1, callbacks=[ck])
    assert ck.saved == [tmp_path / "d1" / "x.npz"]
    with pytest.raises(ValueError) as err:
        gn.Network([2, 1], seed=3).fit(
            X, _YB, epochs=1, callbacks=[Checkpoint(tmp_path / "missing" / "x.npz")]
        )
    assert str(err.value) == f"path: the folder {str(tmp_path / 'missing')!r} does not exist"


def test_a_folder_without_write_permission_is_refused(tmp_path, monkeypatch):
    # (as root every folder is writable: creating a file there is made to fail as it does for
    # another user, who may list the folder but not create a file in it)
    real_open = os.open

    def open_(path, flags, mode=0o777, *, dir_fd=None):
        if flags & os.O_CREAT and Path(path).parent == tmp_path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", open_)
    with pytest.raises(PermissionError) as err:
        gn.Network([2, 1], seed=3).fit(X, _YB, epochs=1, callbacks=[Checkpoint(tmp_path / "x.npz")])
    assert str(err.value) == (
        f"path: cannot save in the folder {str(tmp_path)!r}: no file can be created in "
        f"{tmp_path}: Permission denied"
    )


def test_a_checkpoint_watching_val_loss_without_validation_is_refused_word_for_word(tmp_path):
    with pytest.raises(ValueError) as err:
        gn.Network([2, 1], seed=3).fit(
            X, _YB, epochs=1, callbacks=[Checkpoint(tmp_path / "x.npz", monitor="val_loss")]
        )
    assert str(err.value) == "monitor: 'val_loss' needs validation data (validation=(X, y))"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(every=0), ValueError, "every: expected an integer >= 1, got 0 (int)"),
        (
            dict(monitor="accuracy"),
            ValueError,
            "monitor: expected one of loss, val_loss, got 'accuracy' (str)",
        ),
        (
            dict(min_delta=-1.0),
            ValueError,
            "min_delta: expected a finite number >= 0, got -1.0 (float)",
        ),
        (dict(extra=[1]), TypeError, "extra: expected a dict or None, got [1] (list)"),
    ],
)
def test_a_checkpoints_bad_settings_are_refused_word_for_word(kwargs, error, message):
    with pytest.raises(error) as err:
        Checkpoint("a.npz", **kwargs)
    assert str(err.value) == message


def test_an_early_stops_last_record_is_the_epochs_statistics():
    # stopped after epoch 2 with statistics every 5 epochs: epoch 2 is recorded after the
    # loop; the same fit recording every epoch records epoch 2 in the loop: the same numbers
    kw = dict(y=_YB, loss="bce", lr=0.5, epochs=20, callbacks=[_StopAt(2)])
    h5 = gn.Network([2, 3, 1], seed=3).fit(X, stats_every=5, **kw)
    h1 = gn.Network([2, 3, 1], seed=3).fit(X, stats_every=1, **kw)
    assert h5.stats_epochs.tolist() == [0, 2] and h1.stats_epochs.tolist() == [0, 1, 2]
    for name in h1.layer_stats:
        np.testing.assert_array_equal(h5.layer_stats[name][-1], h1.layer_stats[name][-1])
    assert np.isfinite(h5.layer_stats["update_ratio"]).all()


def test_run_seconds_is_the_loops_wall_time():
    t0 = time.perf_counter()
    h = gn.Network([2, 1], seed=3).fit(X, _YB, loss="bce", epochs=3)
    assert 0 < h.run_seconds <= time.perf_counter() - t0


# --- the plan ----------------------------------------------------------------------------------


def test_plan_with_no_configuration_is_the_documented_defaults():
    # TrainConfig's defaults: mse, gd at its default rate 0.1, 100 epochs, full batch, no
    # options; the schedule's horizon is the fit's epochs unless a resumed run says otherwise
    p = training.plan(gn.Network([2, 1], seed=3), X, Y)
    assert p.config == gn.TrainConfig()
    assert (p.loss.name, p.optimizer_name, p.lr, p.eta, p.epochs) == ("mse", "gd", 0.1, 0.1, 100)
    assert p.optimizer_options == {} and p.schedule_epochs == 100 and p.full_batch
    q = training.plan(
        gn.Network([2, 1], seed=3), X, Y, gn.TrainConfig(epochs=7), schedule_epochs=20
    )
    assert q.schedule_epochs == 20 and q.epochs == 7


def test_a_population_refuses_the_wrong_number_of_shuffle_seeds_word_for_word():
    with pytest.raises(ValueError) as err:
        gn.Network([2, 1], seed=[3, 7]).fit(X, Y, seed=[1, 2, 3])
    assert str(err.value) == "seed: expected 2 shuffle seeds, got 3"


def test_the_parameter_limit_scales_with_the_largest_target():
    # rule 3's limit is 1e6 * max(1, max |y|): targets scaled to max |y| = 1.5, so 1.5e6
    y = Y * (1.5 / np.abs(Y).max())
    net = gn.Network([2, 1], output="identity", seed=3)
    with pytest.warns(training.DivergenceWarning) as caught:
        net.fit(X, y, loss="mse", lr=0.05, epochs=20, schedule=lambda n: np.inf if n == 5 else 1.0)
    assert str(caught[0].message) == (
        "training diverged at epoch 5: a parameter grew beyond 1.5e+06 (runaway weights); "
        "try a smaller learning rate (lr=0.05)"
    )


def test_a_backend_that_is_not_registered_is_refused(monkeypatch):
    # TrainConfig knows the backends' names; fit checks that the one named is registered
    monkeypatch.delitem(training.BACKENDS, "jax")
    with pytest.raises(ValueError) as err:
        gn.Network([2, 1], seed=3).fit(X, Y, backend="jax", epochs=1)
    assert str(err.value) == "backend: expected one of numpy, got 'jax' (str)"


def test_a_float32_network_with_sample_weights_trains_in_float32():
    # the weights are cast to the network's dtype: the momentum and the parameters stay float32
    net = gn.Network([2, 1], output="identity", seed=3, dtype="float32")
    h = net.fit(X, Y, loss="mse", optimizer="momentum", epochs=2, sample_weight=np.arange(1.0, 7.0))
    velocity = h.optimizer_state.velocity[0]
    assert {v.dtype for v in velocity.values()} == {np.dtype(np.float32)}
    assert net.params[0]["W"].dtype == np.float32


def test_a_full_batch_fit_makes_no_sample_order_generators():
    # documented in fit: a generator per member only when the epochs draw sample orders
    h = gn.Network([2, 1], seed=3).fit(X, _YB, loss="bce", epochs=2)  # shuffle=True, full batch
    assert h.shuffle_generators is None and h.state.rng_states is None
    h = gn.Network([2, 1], seed=3).fit(X, _YB, loss="bce", epochs=2, batch_size=2, shuffle=False)
    assert h.shuffle_generators is None and h.state.rng_states is None


def test_the_live_state_is_a_copy_of_the_record_as_it_stood():
    # member 1 (a rate just past stability, see _growing_run) diverges long after epoch 3 and a
    # callback writes a message at epoch 5: the state taken after epoch 3 still says neither,
    # as the same fit stopped after 3 epochs does
    A = np.c_[X, np.ones(len(X))]
    lr = [0.05, 2.2 / np.linalg.eigvalsh(2 / len(X) * A.T @ A).max()]

    class Note(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            if epoch == 5:
                history.messages.append("a note of epoch 5")
            return False

    take = _Take(3)
    net = gn.Network([2, 1], output="identity", seed=[3, 7])
    h = net.fit(X, Y, loss="mse", lr=lr, epochs=60, callbacks=[take, Note()])
    assert h.diverged.tolist() == [False, True] and h.diverged_epoch[1] > 5
    g = take.state.history
    assert g.diverged.tolist() == [False, False] and g.diverged_epoch.tolist() == [-1, -1]
    assert g.messages == []


# --- a schedule at a resume --------------------------------------------------------------------


def _gd_reference(W, b, lr, factors):
    """Full-batch gradient descent written out, the rate times each update's factor."""
    W, b = W.copy(), b.copy()
    for f in factors:
        _, g = _cost_and_grads(W, b)
        W, b = W - lr * f * g["W"], b - lr * f * g["b"]
    return W, b


def _linear(seed=3):
    return gn.Network([2, 1], activation="identity", output="identity", seed=seed)


@pytest.mark.parametrize("earlier", [None, "step", "cosine"])
def test_a_resumed_run_refuses_another_named_schedule_before_it_trains(earlier):
    # a named schedule is a function of the run's update count, which goes on across fits: a
    # cosine begun after 4 epochs of a 4-epoch run would sit at its end factor 0 and train
    # nothing, silently (found by the mutation run of issue 26)
    net = _linear()
    h = net.fit(X, Y, lr=0.05, epochs=4, schedule=earlier)
    W = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    new = "exponential" if earlier == "cosine" else "cosine"
    with pytest.raises(ValueError) as err:
        net.fit(X, Y, epochs=4, schedule=new, resume=h)
    expected = (
        "none (the resumed run has no schedule)"
        if earlier is None
        else f"the resumed run's own schedule ({earlier!r}) or none"
    )
    assert str(err.value) == (
        f"schedule: expected {expected}, got {new!r}: a named schedule counts the run's updates "
        "from its first fit, so after 4 epochs it would start part-way through (another "
        "schedule needs a new run: fit without resume=, from these weights)"
    )
    for got, want in zip(net.params, W, strict=True):  # nothing trained
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])


def test_a_resumed_run_may_drop_its_schedule_and_trains_at_the_full_rate():
    # 3 epochs of a cosine over 3 (factors 1, 0.75, 0.25), then 2 epochs without a schedule:
    # factor 1, written out; and "constant" is the same as none
    net = _linear()
    W0, b0 = net.params[0]["W"].copy(), net.params[0]["b"].copy()
    h = net.fit(X, Y, lr=0.05, epochs=3, schedule="cosine")
    cos = [(1 + np.cos(np.pi * e / 3)) / 2 for e in range(3)]
    W, b = _gd_reference(W0, b0, 0.05, cos)
    np.testing.assert_allclose(net.params[0]["W"], W, rtol=1e-13)
    for schedule in (None, "constant"):
        again = _linear()
        again.fit(X, Y, lr=0.05, epochs=3, schedule="cosine")
        again.fit(X, Y, epochs=2, schedule=schedule, resume=again.train_state)
        W2, b2 = _gd_reference(W, b, 0.05, [1.0, 1.0])
        np.testing.assert_allclose(again.params[0]["W"], W2, rtol=1e-13)
        np.testing.assert_allclose(again.params[0]["b"], b2, rtol=1e-13)
    assert h.config.schedule == "cosine"


def test_a_new_schedule_from_a_state_before_any_epoch_is_laid_out_over_this_fit():
    # the live state taken before the first epoch has run nothing: a new cosine from it is a
    # cosine over this fit's 4 epochs (factors 1, 0.854, 0.5, 0.146), written out
    take = _Take(1)
    net = _linear()
    W0, b0 = net.params[0]["W"].copy(), net.params[0]["b"].copy()
    net.fit(X, Y, lr=0.05, epochs=2, schedule="step", callbacks=[take])
    fresh = _linear()
    fresh.fit(X, Y, lr=0.05, epochs=4, schedule="cosine", resume=take.before)
    W, b = _gd_reference(W0, b0, 0.05, [(1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)])
    np.testing.assert_allclose(fresh.params[0]["W"], W, rtol=1e-13)
    np.testing.assert_allclose(fresh.params[0]["b"], b, rtol=1e-13)
    assert fresh.train_state.schedule_epochs == 4


# --- the penalties, the parameter limit and the parts fit is made of ---------------------------


def _sigmoid_reference(w, lr, epochs, factor, l1=0.0, l2=0.0):
    """Full-batch gradient descent on one input, no bias, a sigmoid output and mse, written
    out, with only the penalties that are on: returns the losses (before each step) and w."""
    x, y = X[:, :1], (X[:, :1] > 0).astype(float)
    losses = []
    with np.errstate(all="ignore"):
        for n in range(epochs):
            a = 1 / (1 + np.exp(-(x @ w)))
            r = a - y
            cost, g = (r * r).mean(), x.T @ (2 / r.size * r * a * (1 - a))
            if l1:
                cost, g = cost + l1 * np.abs(w).sum(), g + l1 * np.sign(w)
            if l2:
                cost, g = cost + 0.5 * l2 * (w * w).sum(), g + l2 * w
            losses.append(cost)
            w = w - lr * factor(n) * g
    return np.array(losses), w


@pytest.mark.parametrize("penalty", [{"l1": 1e-3}, {"l2": 1e-3}], ids=["l1", "l2"])
def test_a_penalty_of_zero_beside_one_that_is_on_adds_nothing_to_infinite_weights(penalty):
    # one penalty on, the other 0: the one that is 0 has no term at all, not 0 * sum |W| or
    # 0 * sum W^2 / 2, which are NaN once a weight is infinite. Update 5 (a factor of inf)
    # makes the weight infinite; divergence="none" records every epoch: from epoch 6 the loss
    # is inf (the penalty that is on), then with l2 NaN (the weight, inf - inf)
    def factor(n):
        return np.inf if n == 5 else 1.0

    net = gn.Network([1, 1], bias="none", seed=3)
    w0 = net.params[0]["W"].copy()
    x, y = X[:, :1], (X[:, :1] > 0).astype(float)
    h = net.fit(x, y, loss="mse", lr=0.5, epochs=8, schedule=factor, divergence="none", **penalty)
    losses, w = _sigmoid_reference(w0, 0.5, 8, factor, **penalty)
    assert np.isfinite(losses[:6]).all() and losses[6] == np.inf
    np.testing.assert_allclose(h.loss, losses, rtol=1e-12)
    np.testing.assert_allclose(net.params[0]["W"], w, rtol=1e-12)


def test_a_parameter_exactly_at_the_limit_does_not_exceed_it():
    # rule 3: a parameter *exceeding* 1e6 max(1, max |y|) (targets in [-1, 1]: 1e6). A weight of
    # exactly 1e6 on an input that is always 0 gets no gradient and stays 1e6: no divergence;
    # the next float above 1e6 diverges at once
    Xz = np.c_[np.zeros(len(X)), X[:, 1]]
    yz = np.tanh(Y)
    for w, diverges in ((1e6, False), (np.nextafter(1e6, np.inf), True)):
        net = gn.Network([2, 1], output="identity", seed=3)
        net.params[0]["W"][0, 0] = w
        h = net.fit(Xz, yz, loss="mse", lr=0.05, epochs=5, warn=False)
        assert net.params[0]["W"][0, 0] == w
        assert h.diverged == diverges and h.epochs_run == (1 if diverges else 5)
    assert h.messages == [
        "training diverged at epoch 0: a parameter grew beyond 1e+06 (runaway weights); "
        "try a smaller learning rate (lr=0.05)"
    ]


def test_no_divergence_rule_answers_false_for_a_network_and_per_member_for_a_population():
    # diverging() answers a bool for one network, one bool per member for a population
    # (documented); with divergence="none" every answer is no, whatever the loss
    none = gn.TrainConfig(loss="mse", divergence="none")
    net = gn.Network([2, 1], output="identity", seed=3)
    assert (
        training.diverging(np.inf, 1.0, net.params, training.plan(net, X, Y, none), True) is False
    )
    pop = gn.Network([2, 1], output="identity", seed=[3, 7, 9])
    loss, first = np.array([np.inf, np.nan, 1e300]), np.ones(3)
    out = training.diverging(loss, first, pop.params, training.plan(pop, X, Y, none), True)
    assert type(out) is np.ndarray and out.dtype == bool and out.tolist() == [False] * 3
    # the default rule on the same losses: every one diverges (inf, NaN, more than 1e4)
    p = training.plan(pop, X, Y, gn.TrainConfig(loss="mse"))
    assert training.diverging(loss, first, pop.params, p, True).tolist() == [True] * 3


def test_the_validation_pass_has_an_accuracy_only_for_classes():
    net = gn.Network([2, 1], output="identity", seed=3)
    Xv, yv = X[:4] * 0.5, Y[:4]
    p = training.plan(net, X, Y, gn.TrainConfig(loss="mse"), validation=(Xv, yv))
    value, acc = training.evaluate(net, p, net.params)
    r = Xv @ net.params[0]["W"] + net.params[0]["b"] - yv
    assert acc is None
    np.testing.assert_allclose(value, (r * r).mean(), rtol=1e-14)
    # classes: the fraction of rows on the right side of 0.5, written out
    clf = gn.Network([2, 1], seed=3)
    yc = (Y > 0).astype(float)
    p = training.plan(clf, X, yc, gn.TrainConfig(loss="bce"), validation=(X, yc))
    _, acc = training.evaluate(clf, p, clf.params)
    a = 1 / (1 + np.exp(-(X @ clf.params[0]["W"] + clf.params[0]["b"])))
    assert 0 < acc < 1 and acc == np.mean((a > 0.5) == (yc > 0.5))


# Python's words for lists zip(strict=True) cannot pair
_UNMATCHED = r"^zip\(\) argument \d+ is (shorter|longer) than argument"


def test_layer_stats_refuse_gradients_or_parameters_for_another_number_of_layers():
    # statistics of fewer layers than the network has would be read as the network's
    net = gn.Network([2, 3, 1], seed=3)
    fwd = net.apply(net.params, X)
    with pytest.raises(ValueError, match=_UNMATCHED):
        training.layer_stats(net, fwd, net.params[:1])
    with pytest.raises(ValueError, match=_UNMATCHED):
        training.layer_stats(net, fwd, net.params, params=net.params[:1])


def _gd_with(init, update_state=lambda state: state, update_steps=lambda steps: steps):
    """Gradient descent at rate 0.1 written out, with a state of its own and its steps changed."""

    def update(grads, state, params=None):
        steps = [{k: -0.1 * g for k, g in layer.items()} for layer in grads]
        return update_steps(steps), update_state(state)

    return gn.optimizers.Optimizer("changed_gd", init, update)


def test_an_optimizer_whose_steps_miss_a_layer_is_refused():
    # params and steps share one structure (documented): steps for the first layer only would
    # leave the second one untrained, silently
    net = gn.Network([2, 3, 1], seed=3)
    opt = _gd_with(lambda p: gn.optimizers.EmptyState(), update_steps=lambda s: s[:1])
    with pytest.raises(ValueError, match=_UNMATCHED):
        net.fit(X, Y, loss="mse", optimizer=opt, epochs=2)


class _Short(NamedTuple):
    a: object


class _Long(NamedTuple):
    a: object
    b: object


@pytest.mark.parametrize(
    "opt",
    [
        _gd_with(lambda p: [np.zeros((2, 1))], lambda s: [*s, np.zeros((2, 1))]),
        _gd_with(lambda p: _Long(np.zeros((2, 1)), np.zeros((2, 1))), lambda s: _Short(s.a)),
    ],
    ids=["a list that grows", "a NamedTuple of fewer fields"],
)
def test_a_state_that_changes_its_structure_at_a_step_not_taken_is_refused(opt):
    # a step whose cost is not finite keeps the old state member by member: a new state of
    # another structure cannot be matched to the old one, and is refused rather than cut to the
    # shorter. Member 0's weights of 1e200 overflow its cost at once; member 1 goes on
    net = gn.Network([2, 1], output="identity", seed=[3, 7])
    net.params[0]["W"][0] = 1e200
    with pytest.raises(ValueError, match=_UNMATCHED):
        net.fit(X, Y, loss="mse", optimizer=opt, epochs=2)


def _buffered_mse():
    """mse that writes its value into one array of its own and returns it every time."""
    buf = {}

    def value(a, y, weight=None):
        out = buf.setdefault(a.shape[:-2], np.zeros(a.shape[:-2]))
        np.mean((a - y) ** 2, axis=(-2, -1), out=out)
        return out

    return gn.losses.Loss("buffered_mse", value, lambda a, y, weight=None: 2 * (a - y) / y.size)


def test_a_populations_first_loss_is_its_first_epochs_even_from_a_loss_that_reuses_its_array():
    # History.first_loss, member by member, is the mse of the untrained population written
    # out: not the later epochs' values that a loss returning one array over and over writes
    pop = gn.Network([2, 1], output="identity", seed=[3, 7])
    W, b = pop.params[0]["W"].copy(), pop.params[0]["b"].copy()
    h = pop.fit(X, Y, loss=_buffered_mse(), lr=0.05, epochs=4)
    first = [_cost_and_grads(W[k], b[k])[0] for k in range(2)]
    np.testing.assert_allclose(h.first_loss, first, rtol=1e-14)
    np.testing.assert_allclose(h.loss[:, 0], first, rtol=1e-14)
    assert (h.loss[:, -1] < h.loss[:, 0]).all()


def test_a_step_is_the_optimizer_given_and_a_step_not_taken_returns_the_parameters():
    # training.step with an optimizer of its own (what the compiled program passes): the step
    # is that optimizer's, gradient descent at rate 0.3 written out, not the plan's (rate 0.05)
    net = gn.Network([2, 1], output="identity", seed=3)
    W, b = net.params[0]["W"].copy(), net.params[0]["b"].copy()
    p = training.plan(net, X, Y, gn.TrainConfig(loss="mse", lr=0.05))
    gd = gn.optimizers.get("gd", 0.3)
    r = training.step(net, p, net.params, gd.init(net.params), X, Y, None, None, gd)
    cost, g = _cost_and_grads(W, b)
    assert r.cost == pytest.approx(cost, rel=1e-14)
    np.testing.assert_allclose(net.params[0]["W"], W - 0.3 * g["W"], rtol=1e-14)
    np.testing.assert_allclose(net.params[0]["b"], b - 0.3 * g["b"], rtol=1e-14)
    # a cost that overflows: the step is not taken, and the parameters come back as they were
    # (NumPy's are the network's own, updated in place when a step is taken)
    net.params[0]["W"][:] = 1e200
    before = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    with np.errstate(over="ignore"):
        r = training.step(net, p, net.params, p.optimizer.init(net.params), X, Y, None, None)
    assert r.cost == np.inf and r.params is net.params
    for got, want, s in zip(r.params, before, r.steps, strict=True):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
            np.testing.assert_array_equal(s[k], 0.0)
