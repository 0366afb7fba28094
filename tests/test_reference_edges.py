"""Every loss at its kink and its edges, against the definition there (issue 26).

A loss is most easily broken where its formula has a special case: a zero residual (the kink of
``mae``, the centre of ``huber``, the exact fit of ``mse`` and ``sse``), ``|r| = 1`` (huber's
threshold), predictions of exactly 0 or 1 (the clipped logarithms of ``bce`` and
``cross_entropy``), logits so large that ``sigmoid`` and ``softmax`` round to 0 or 1 (the fused
pairs), and ``y = 0`` in Poisson's ``y log(y / y_hat)``. Each is checked against the textbook
definition at that point, written out by hand (one-sided derivatives where the definition has a
domain edge), against scikit-learn's metrics where they define the same quantity, and through a
network and a training run, where the documented value must survive backpropagation and every
optimizer.
"""

from __future__ import annotations

import decimal
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss, mean_poisson_deviance, mean_squared_error

import glassnet as gn
from glassnet import losses
from glassnet import sklearn as gsk

EPS = np.finfo(np.float64).eps


def _sign(r: float) -> float:
    return 1.0 if r > 0 else -1.0 if r < 0 else 0.0


# --- an exact fit -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse", "sse", "mae", "huber"])
@pytest.mark.parametrize("weighted", [False, True])
def test_residual_losses_are_zero_with_zero_gradient_at_an_exact_fit(name, weighted):
    # C(y, y) = 0 and dC/dy_hat = 0 for every residual loss: mae's gradient at its kink is
    # documented as 0 (the subgradient's midpoint), not +-1
    y = np.array([[0.3, -2.0, 7.0], [0.0, 1.0, -1.0]])
    w = np.array([[0.5], [3.0]]) if weighted else None
    loss = losses.get(name)
    assert float(loss.value(y.copy(), y, w)) == 0.0
    np.testing.assert_array_equal(loss.gradient(y.copy(), y, w), np.zeros_like(y))
    pop = np.stack([y, y])  # per member too
    np.testing.assert_array_equal(loss.value(pop, y, w), [0.0, 0.0])
    np.testing.assert_array_equal(loss.gradient(pop, y, w), np.zeros_like(pop))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([-2.5, -1.0, -0.5, 0.0, 0.0, 0.25, 1.0, 3.0]), min_size=6, max_size=6),
    st.sampled_from(["mae", "huber"]),
)
def test_kinked_losses_take_the_definitions_one_sided_rules_entry_by_entry(residuals, name):
    # residuals of exactly 0 and exactly +-1 among others: mae's gradient is sign(r) / (n m)
    # with sign(0) = 0; huber's is r / (n m) for |r| <= 1 and sign(r) / (n m) beyond
    r = np.array(residuals).reshape(2, 3)
    y = np.linspace(-1, 1, 6).reshape(2, 3)
    loss = losses.get(name)
    g = loss.gradient(y + r, y)
    for (i, k), v in np.ndenumerate(r):
        if name == "mae":
            want = _sign(v) / 6
        else:
            want = (v if abs(v) <= 1 else _sign(v)) / 6
        assert g[i, k] == pytest.approx(want, abs=1e-15), (v, g[i, k])
    if name == "mae":
        value = sum(abs(v) for v in residuals) / 6
    else:
        value = sum(0.5 * v * v if abs(v) <= 1 else abs(v) - 0.5 for v in residuals) / 6
    assert float(loss.value(y + r, y)) == pytest.approx(value, rel=1e-12, abs=1e-300)


def test_huber_at_its_threshold_from_both_sides():
    # at |r| = 1 both pieces meet: value 1/2, gradient +-1 (the quadratic piece's r)
    loss = losses.get("huber")
    y = np.zeros((1, 4))
    y_hat = np.array([[1.0, -1.0, np.nextafter(1.0, 2.0), np.nextafter(-1.0, 0.0)]])
    v = [0.5, 0.5, np.nextafter(1.0, 2.0) - 0.5, 0.5 * np.nextafter(-1.0, 0.0) ** 2]
    assert float(loss.value(y_hat, y)) == pytest.approx(sum(v) / 4, rel=1e-15)
    g = loss.gradient(y_hat, y)[0] * 4
    np.testing.assert_allclose(g, [1.0, -1.0, 1.0, np.nextafter(-1.0, 0.0)], rtol=1e-15)


def test_mae_through_a_network_ignores_the_samples_it_fits_exactly():
    # identity 1-1 network with w = 2, b = 0: samples x = 1, 2 are fitted exactly (y = 2x),
    # x = 3 predicts 6 against 5 and x = -1 predicts -2 against 0: only those two count
    net = gn.Network([1, 1], output="identity", seed=0)
    net.layers[0].W = [[2.0]]
    net.layers[0].b = [[0.0]]
    X = np.array([[1.0], [2.0], [3.0], [-1.0]])
    y = np.array([[2.0], [4.0], [5.0], [0.0]])
    grads = net.gradients(X, y, loss="mae")
    # dC/dw = (1/4) sum sign(r_i) x_i = (1/4)(0 + 0 + (+1)(3) + (-1)(-1)); dC/db = (1/4)(1 - 1)
    assert grads[0]["W"][0, 0] == pytest.approx((3.0 + 1.0) / 4, rel=1e-15)
    assert grads[0]["b"][0, 0] == 0.0
    assert net.loss(X, y, loss="mae") == pytest.approx((1.0 + 2.0) / 4, rel=1e-15)


@pytest.mark.parametrize("optimizer", gn.optimizers.names())
@pytest.mark.parametrize("loss", ["mse", "sse", "mae", "huber"])
def test_an_exact_fit_stays_put_under_every_optimizer(optimizer, loss):
    # zero residuals give zero gradients, so no optimizer moves the weights (Adam and RMSProp
    # divide 0 by eps, not by 0) -- except AdamW's documented decay, W <- W (1 - eta lambda)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    net = gn.Network([2, 1], output="identity", seed=0)
    net.layers[0].W = [[1.5], [-0.5]]
    net.layers[0].b = [[0.25]]
    y = net.predict(X)
    epochs = 1 if optimizer == "adamw" else 5  # AdamW's decay leaves the fit after a step
    hist = net.fit(X, y, loss=loss, optimizer=optimizer, lr=0.1, epochs=epochs, stats_every=0)
    np.testing.assert_array_equal(hist.loss, np.zeros(epochs))
    W = np.array([[1.5], [-0.5]])
    if optimizer == "adamw":  # default weight decay 0.01 on the weights, not the bias
        W = W * (1 - 0.1 * 0.01)
    np.testing.assert_allclose(net.layers[0].W, W, rtol=1e-15)
    assert net.layers[0].b[0, 0] == 0.25


# --- predictions of exactly 0 and 1 -----------------------------------------------------------


def test_bce_at_exact_zero_and_one_predictions_is_the_one_sided_definition():
    # y_hat = y in {0, 1}: C = -[y log y_hat + (1 - y) log(1 - y_hat)] = 0 (0 log 0 = 0), and
    # the one-sided derivative there is 1 / (1 - y_hat) = 1 at (0, 0) and -1 / y_hat = -1 at
    # (1, 1), divided by n m = 4; a confident wrong answer costs -log(eps) (the clip)
    loss = losses.get("bce")
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    fit = y.copy()
    assert float(loss.value(fit, y)) == pytest.approx(0.0, abs=2 * EPS)
    np.testing.assert_allclose(loss.gradient(fit, y), [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-12)
    wrong = 1 - y
    assert float(loss.value(wrong, y)) == pytest.approx(-math.log(EPS), rel=1e-9)
    g = loss.gradient(wrong, y)
    assert np.isfinite(g).all() and (np.sign(g) == np.sign(wrong - y)).all()
    # soft targets fitted exactly: the cost is their entropy and the gradient 0
    soft = np.array([[0.3, 0.9]])
    entropy = -(
        0.3 * math.log(0.3) + 0.7 * math.log(0.7) + 0.9 * math.log(0.9) + 0.1 * math.log(0.1)
    )
    assert float(loss.value(soft.copy(), soft)) == pytest.approx(entropy / 2, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(soft.copy(), soft), [[0.0, 0.0]], atol=1e-15)
    # scikit-learn's log loss over the same entries
    p = np.array([0.05, 0.5, 0.999, 0.2])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    assert float(loss.value(p[:, None], t[:, None])) == pytest.approx(log_loss(t, p), rel=1e-12)


def test_cross_entropy_at_a_one_hot_fit_and_at_zero_probabilities():
    # y_hat = y one-hot: C = -sum y log y_hat = 0; dC/dy_hat = -y / y_hat / n: -1/n on the
    # class, 0 elsewhere (0 * log 0 = 0, and y = 0 entries carry no gradient even at y_hat = 0)
    loss = losses.get("cross_entropy")
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert float(loss.value(y.copy(), y)) == pytest.approx(0.0, abs=2 * EPS)
    np.testing.assert_allclose(loss.gradient(y.copy(), y), -y / 2, rtol=1e-12)
    # the true class at probability 0 costs -log(eps) for that row
    wrong = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert float(loss.value(wrong, y)) == pytest.approx(-math.log(EPS) / 2, rel=1e-9)
    p = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])
    assert float(loss.value(p, y)) == pytest.approx(log_loss(y, p), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_fused_pairs_at_saturating_logits_equal_the_definition(weighted):
    # logits of +-800: sigmoid and softmax round to exactly 0 and 1. The fused costs are
    # softplus(z) - y z and logsumexp(z) - z_y, exact here: 0 for a right answer, |z| (or the
    # logit gap) for a wrong one; dC/dz = (a - y) / n.
    w = np.array([[1.0], [3.0]]) if weighted else np.ones((2, 1))
    sw = w[:, 0] if weighted else None
    wn = w / w.mean()
    X = np.array([[1.0], [-1.0]])
    net = gn.Network([1, 2], output="sigmoid", bias="none", seed=0)
    net.layers[0].W = [[800.0, -800.0]]  # z = [[800, -800], [-800, 800]]
    y = np.array([[1.0, 1.0], [0.0, 1.0]])
    # per entry: right (0), wrong (800); right (0), right (0)
    want = float((wn * np.array([[0.0, 800.0], [0.0, 0.0]])).sum() / 4)
    if not weighted:
        assert net.loss(X, y, loss="bce") == pytest.approx(want, rel=1e-15)
    hist = net.fit(X, y, loss="bce", lr=1.0, epochs=1, sample_weight=sw, stats_every=0)
    assert hist.loss[0] == pytest.approx(want, rel=1e-15)
    # delta = wn (a - y) / 4 = [[0, -wn_0/4], [0, 0]]; W <- W - X^T delta
    delta = wn * (np.array([[1.0, 0.0], [0.0, 1.0]]) - y) / 4
    np.testing.assert_allclose(net.layers[0].W, [[800.0, -800.0]] - X.T @ delta, rtol=1e-15)

    soft = gn.Network([1, 3], output="softmax", bias="none", seed=0)
    soft.layers[0].W = [[800.0, 0.0, -800.0]]  # row 1: class 0 certain; row 2: class 2
    y = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    # row 1 right: log(1 + e^-800 + e^-1600) - 800 + 800 = 0; row 2: z = [-800, 0, 800], so
    # logsumexp = 800 and the cost is 800 - (-800) = 1600
    want = float((wn[:, 0] * np.array([0.0, 1600.0])).sum() / 2)
    hist = soft.fit(X, y, loss="cross_entropy", lr=1.0, epochs=1, sample_weight=sw, stats_every=0)
    assert hist.loss[0] == pytest.approx(want, rel=1e-15)


# --- scikit-learn's losses (the estimators' objectives) ----------------------------------------


def test_poisson_is_half_the_deviance_with_zero_counts_and_an_exact_fit():
    # C = (1/n) sum [y log(y / y_hat) - y + y_hat], with y log y = 0 at y = 0: half of
    # scikit-learn's mean Poisson deviance; an exact fit costs 0 with gradient 0
    y = np.array([0.0, 0.0, 1.0, 4.0, 2.0])
    y_hat = np.array([0.5, 2.0, 1.0, 3.0, 2.5])
    value = float(gsk.POISSON.value(y_hat[:, None], y[:, None]))
    assert value == pytest.approx(mean_poisson_deviance(y, y_hat) / 2, rel=1e-12)
    # at y = 0 the cost is y_hat alone, and its gradient (1 - y / y_hat) / n = 1 / n
    assert float(gsk.POISSON.value(np.array([[0.7]]), np.array([[0.0]]))) == pytest.approx(0.7)
    np.testing.assert_allclose(gsk.POISSON.gradient(y_hat[:, None], y[:, None])[:2], 0.2)
    fit = np.array([[0.5], [3.0]])
    assert float(gsk.POISSON.value(fit.copy(), fit)) == 0.0
    np.testing.assert_array_equal(gsk.POISSON.gradient(fit.copy(), fit), 0.0)
    # the edges, by the definition's limits: y = y_hat = 0 costs 0 with gradient 1/n (not 0/0);
    # y_hat = 0 < y costs +inf; the least subnormal y_hat (y / y_hat past float64's range)
    # costs y (log y - log y_hat) - y + y_hat, finite
    edge_hat, edge_y = np.array([[0.0], [0.0], [5e-324]]), np.array([[0.0], [2.0], [2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning from an edge
        assert float(gsk.POISSON.value(edge_hat[:1], edge_y[:1])) == 0.0
        assert gsk.POISSON.gradient(edge_hat[:1], edge_y[:1])[0, 0] == 1.0
        assert float(gsk.POISSON.value(edge_hat[1:2], edge_y[1:2])) == np.inf
        far = 2 * (math.log(2) - math.log(5e-324)) - 2
        assert float(gsk.POISSON.value(edge_hat[2:], edge_y[2:])) == pytest.approx(far, rel=1e-15)
        # the gradient 1 - y / y_hat past float64's range is -inf, without NumPy's word
        assert (gsk.POISSON.gradient(edge_hat[1:], edge_y[1:]) == -np.inf).all()
    # near an exact fit the cost is second order, (y - y_hat)^2 / (2 y_hat), 5e-5 here, against
    # terms of y log y ~ 2.3e11 (whose last digit is 3e-5): the ratio's log keeps it within 1%
    # (log y - log y_hat cancels to 18% off); the reference in 50 digits
    y_near, hat_near = 1e10, 1e10 * (1 + 1e-7)
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        yd, hd = decimal.Decimal(y_near), decimal.Decimal(hat_near)
        exact = float(yd * (yd / hd).ln() - yd + hd)
    got = float(gsk.POISSON.value(np.array([[hat_near]]), np.array([[y_near]])))
    assert got == pytest.approx(exact, rel=0.02, abs=0)
    # the fused form from z = log(y_hat) is the same cost, with delta = (e^z - y) / n
    z = np.log(y_hat)[:, None]
    assert float(gsk.POISSON.fused.value(z, y[:, None])) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(
        gsk.POISSON.fused.delta(z, np.exp(z), y[:, None]), (y_hat - y)[:, None] / 5, rtol=1e-12
    )


def test_squared_error_and_binary_log_loss_are_scikit_learns():
    rng = np.random.default_rng(3)
    y, y_hat = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    # MLPRegressor's squared_error is half the squared error summed over outputs, per sample
    se = float(gsk.SQUARED_ERROR.value(y_hat, y))
    m = y.shape[1]
    assert se == pytest.approx(mean_squared_error(y, y_hat) * m / 2, rel=1e-12)
    assert float(gsk.SQUARED_ERROR.value(y.copy(), y)) == 0.0
    np.testing.assert_allclose(gsk.SQUARED_ERROR.gradient(y_hat, y), (y_hat - y) / 7, rtol=1e-12)
    # MLP's log loss sums over the labels: m times glassnet's bce (which averages over them)
    t = rng.integers(0, 2, (7, 3)).astype(float)
    p = rng.uniform(0.05, 0.95, (7, 3))
    per_label = sum(log_loss(t[:, k], p[:, k]) for k in range(3))
    assert float(gsk.BINARY_LOG_LOSS.value(p, t)) == pytest.approx(per_label, rel=1e-12)
    assert float(gsk.BINARY_LOG_LOSS.value(p, t)) == pytest.approx(
        3 * float(losses.get("bce").value(p, t)), rel=1e-12
    )


# --- the pairing rule's message -----------------------------------------------------------------


def _outputs_fitting(loss: str) -> list[str]:
    """The activations whose outputs a loss takes, by evaluating each on a grid of logits."""
    fits = []
    for name in gn.activations.names():
        with np.errstate(all="ignore"):
            a = np.asarray(gn.activations.get(name).value(np.linspace(-50, 50, 300).reshape(-1, 3)))
        unit = bool(np.isfinite(a).all() and ((a >= 0) & (a <= 1)).all())
        if unit and (loss == "bce" or np.allclose(a.sum(axis=-1), 1)):
            fits.append(name)
    return fits


@pytest.mark.parametrize(
    ("loss", "output", "needs", "gives"),
    [
        ("bce", "tanh", "every output in (0, 1)", "values outside [0, 1]"),
        ("bce", "identity", "every output in (0, 1)", "values outside [0, 1]"),
        ("cross_entropy", "sigmoid",
         "each row of outputs to be a probability distribution (a softmax output)",
         "rows that do not sum to 1"),
        ("cross_entropy", "relu",
         "each row of outputs to be a probability distribution (a softmax output)",
         "values outside [0, 1]"),
    ],
)  # fmt: skip
def test_a_refused_pairing_says_what_the_loss_needs_what_came_and_what_fits(
    loss, output, needs, gives
):
    fits = _outputs_fitting(loss)
    assert {"bce": {"sigmoid", "softmax", "tanh01"}, "cross_entropy": {"softmax"}}[loss] <= set(
        fits
    )
    with pytest.raises(ValueError) as info:
        losses.check_pairing(loss, output)
    assert str(info.value) == (
        f"loss: {loss} needs {needs}; the output activation {output!r} gives {gives}. "
        f"Use an output of {', '.join(fits)}, or another loss (mse, huber, ...)"
    )
