"""Every loss's value and gradient at its kinks and edges: by hand, and against PyTorch.

tests/test_reference_edges.py checks glassnet's registered losses at their special points
against the definitions. This file adds the points and losses it left out, and a second,
independent reference:

* a grid of residuals that holds the kinks themselves: ``r = 0`` (mae's kink, huber's centre,
  every exact fit), ``|r| = 1`` exactly (huber's threshold, delta = 1), the float64 neighbours
  of +-1, and points on both sides; weighted and per member of a population (members at
  different kinks).
* scikit-learn's three losses (``squared_error``, ``binary_log_loss``, ``poisson``, looked up
  by name, not listed) at their edges: predictions of exactly 0 and 1, counts of 0, an exact
  fit, and their fused forms at logits so large the output rounds to 0 or 1.
* PyTorch's autograd through ``torch.nn.functional`` where it is installed (a benchmark peer,
  not a test dependency: bench/requirements.txt). Where PyTorch has glassnet's convention the
  numbers agree to 1e-12; where it has another (``binary_cross_entropy`` at predictions of
  exactly 0 and 1) the test says which, and the hand reference pins glassnet's own.

Conventions (glassnet's documentation, glassnet/losses.py):

* ``mae``: ``|r|``, gradient ``sign(r) / (n m)`` with ``sign(0) = 0`` ("its gradient at 0 is
  taken as 0"), as PyTorch's ``l1_loss``.
* ``huber`` (delta = 1): ``r^2/2`` for ``|r| <= 1``, ``|r| - 1/2`` beyond; gradient
  ``clip(r, -1, 1) / (n m)``: +-1 at ``|r| = 1`` exactly, as PyTorch's ``huber_loss`` and
  ``smooth_l1_loss(beta=1)``.
* ``bce`` and ``binary_log_loss``: ``y_hat`` clipped to ``[eps, 1 - eps]``; at ``y_hat = y``
  in ``{0, 1}`` the cost is ``-log(1 - eps)`` per entry and the gradient the one-sided
  derivative of the definition there, ``-+1 / (1 - eps)`` per entry (over ``n m``, resp.
  ``n``); a confident wrong answer costs ``-log(eps) ~ 36`` with gradient ``-+1 / (eps (1 -
  eps))``. PyTorch's ``binary_cross_entropy`` gives the exact fit cost 0 and gradient 0 (it
  divides by ``max(p (1 - p), 1e-12)``), and a wrong answer cost 100 (its log clamped at -100).
* ``cross_entropy``: the same clip: ``-log(eps)`` and ``-1 / (eps n)`` on a true class at 0.
* ``poisson`` (half the deviance, log link): ``y = 0`` costs ``y_hat`` with gradient ``1 / n``
  for every ``y_hat`` (0 included); the fused ``delta = (e^z - y) / n`` is PyTorch's
  ``poisson_nll_loss(log_input=True)`` gradient (whose cost differs by ``y log y - y``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet import losses

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # a benchmark peer, not a test dependency
    torch = F = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

EPS = float(np.finfo(np.float64).eps)
ONE_UP, ONE_DOWN = float(np.nextafter(1.0, 2.0)), float(np.nextafter(1.0, 0.0))

# residuals on and around every kink: 0, +-1 exactly, +-1's float64 neighbours, both sides
RESIDUALS = np.array(
    [
        [0.0, 1.0, -1.0, ONE_UP],
        [-ONE_UP, ONE_DOWN, -ONE_DOWN, 0.5],
        [-0.5, 2.0, -3.0, 0.0],
    ]
)
# targets whose sums with the residuals are exact in float64 (so y_hat - y is the residual)
Y = np.array([[0.25, -2.0, 4.0, 0.0], [0.0, 0.0, 0.0, 4.0], [-0.75, 0.0, 2.0, 5.5]])
WEIGHT = np.array([[0.5], [1.0], [1.5]])  # mean 1, as fit passes them


def _sign(r: float) -> float:
    return 1.0 if r > 0 else -1.0 if r < 0 else 0.0


def _by_hand(name: str, y_hat: np.ndarray, y: np.ndarray, w: np.ndarray | None):
    """The documented value and gradient, entry by entry: (1/(n m)) sum_i w_i sum_k c(r_ik)."""
    n, m = y.shape
    value, grad = 0.0, np.zeros_like(y_hat)
    for (i, k), yh in np.ndenumerate(y_hat):
        r = yh - y[i, k]
        wi = 1.0 if w is None else float(w[i, 0])
        if name == "mse":
            c, d = r * r, 2 * r
        elif name == "mae":
            c, d = abs(r), _sign(r)
        else:  # huber, delta = 1
            c = 0.5 * r * r if abs(r) <= 1 else abs(r) - 0.5
            d = r if abs(r) <= 1 else _sign(r)
        value += wi * c
        grad[i, k] = wi * d / (n * m)
    return value / (n * m), grad


def test_the_grid_holds_the_kinks_themselves():
    r = (Y + RESIDUALS) - Y
    np.testing.assert_array_equal(r, RESIDUALS)
    assert (r == 0).sum() == 2 and (np.abs(r) == 1).sum() == 2


@pytest.mark.parametrize("name", ["mse", "mae", "huber"])
@pytest.mark.parametrize("weighted", [False, True])
def test_residual_losses_at_their_kinks_are_the_documented_ones(name, weighted):
    w = WEIGHT if weighted else None
    y_hat = Y + RESIDUALS
    value, grad = _by_hand(name, y_hat, Y, w)
    loss = losses.get(name)
    assert float(loss.value(y_hat, Y, w)) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(loss.gradient(y_hat, Y, w), grad, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("weighted", [False, True])
def test_sse_and_squared_error_at_an_exact_fit_and_around_it(weighted):
    # sse = sum_i w_i sum_k r^2, gradient 2 w r; squared_error = (1/n) sum_i w_i ||r_i||^2 / 2,
    # gradient w r / n
    w = WEIGHT if weighted else None
    ww = np.ones((3, 1)) if w is None else w
    y_hat = Y + RESIDUALS
    sse, half = losses.get("sse"), losses.get("squared_error")
    assert float(sse.value(y_hat, Y, w)) == pytest.approx(float((ww * RESIDUALS**2).sum()))
    np.testing.assert_allclose(sse.gradient(y_hat, Y, w), 2 * ww * RESIDUALS, rtol=1e-15)
    assert float(half.value(y_hat, Y, w)) == pytest.approx(
        float((ww * RESIDUALS**2).sum()) / 2 / 3, rel=1e-13
    )
    np.testing.assert_allclose(half.gradient(y_hat, Y, w), ww * RESIDUALS / 3, rtol=1e-15)
    for loss in (sse, half):  # the exact fit: 0 and 0
        assert float(loss.value(Y.copy(), Y, w)) == 0.0
        np.testing.assert_array_equal(loss.gradient(Y.copy(), Y, w), np.zeros_like(Y))


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "squared_error", "sse"])
@pytest.mark.parametrize("weighted", [False, True])
def test_residual_losses_at_their_kinks_per_member_of_a_population(name, weighted):
    # three members, each at other kinks (the last an exact fit): each member's value and
    # gradient are its own network's, for the gradient too (n rows, not P members)
    w = WEIGHT if weighted else None
    members = [Y + RESIDUALS, Y + RESIDUALS[::-1], Y.copy()]
    loss = losses.get(name)
    values, grads = loss.value(np.stack(members), Y, w), loss.gradient(np.stack(members), Y, w)
    assert values.shape == (3,) and grads.shape == (3, *Y.shape)
    for k, m in enumerate(members):
        assert values[k] == pytest.approx(float(loss.value(m, Y, w)), rel=1e-13), k
        np.testing.assert_allclose(grads[k], loss.gradient(m, Y, w), rtol=1e-13, atol=1e-300)
    assert values[2] == 0.0 and (grads[2] == 0).all()


# --- predictions of exactly 0 and 1 -----------------------------------------------------------


@pytest.mark.parametrize(("name", "sum_outputs"), [("bce", False), ("binary_log_loss", True)])
@pytest.mark.parametrize("population", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_losses_at_predictions_of_exactly_zero_and_one(
    name, sum_outputs, population, weighted
):
    loss = losses.get(name)
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    n, m = y.shape
    scale = n if sum_outputs else n * m
    w = WEIGHT if weighted else None
    ww = np.ones((n, 1)) if w is None else w
    sign = np.where(y == 1, -1.0, 1.0)
    fit, wrong = y.copy(), 1 - y
    z = np.where(y == 1, 800.0, -800.0)
    a = (z > 0).astype(float)  # what the sigmoid rounds to at +-800
    if population:  # member 0 exactly right, member 1 exactly wrong: each its own
        fit, wrong = np.stack([fit, wrong]), np.stack([wrong, fit])
        z, a = np.stack([z, -z]), np.stack([a, 1 - a])
    right_cost = float((ww * -math.log1p(-EPS)).sum() * m / scale)
    wrong_cost = float((ww * -math.log(EPS)).sum() * m / scale)
    right_grad = ww * sign / (1 - EPS) / scale
    wrong_grad = ww * sign / (EPS * (1 - EPS)) / scale
    values, grads = loss.value(fit, y, w), loss.gradient(fit, y, w)
    fused_values, deltas = loss.fused.value(z, y, w), loss.fused.delta(z, a, y, w)
    if population:
        np.testing.assert_allclose(values, [right_cost, wrong_cost], rtol=1e-9)
        np.testing.assert_allclose(grads, [right_grad, wrong_grad], rtol=1e-12)
        np.testing.assert_allclose(fused_values, [0.0, (ww * 800.0).sum() * m / scale], rtol=1e-15)
        np.testing.assert_allclose(deltas, [0 * y, ww * sign / scale], rtol=1e-15)
        return
    # an exact fit: -log(1 - eps) per entry, the one-sided derivative -+1 / (1 - eps)
    assert float(values) == pytest.approx(right_cost, rel=1e-9)
    np.testing.assert_allclose(grads, right_grad, rtol=1e-12)
    # a confident wrong answer: -log(eps) per entry, -+1 / (eps (1 - eps))
    assert float(loss.value(wrong, y, w)) == pytest.approx(wrong_cost, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(wrong, y, w), wrong_grad, rtol=1e-12)
    # the fused forms at logits of +-800: 0 and delta 0 when right, |z| per entry when wrong
    assert float(fused_values) == 0.0
    np.testing.assert_array_equal(deltas, np.zeros_like(y))
    assert float(loss.fused.value(-z, y, w)) == pytest.approx(
        float((ww * 800.0).sum() * m / scale), rel=1e-15
    )


def test_cross_entropy_at_a_one_hot_fit_and_at_a_true_class_of_probability_zero():
    # -sum_k y_k log clip(y_hat_k) per row, over n rows: at a one-hot fit -log(1 - eps) per row
    # and -1 / ((1 - eps) n) on the class, 0 elsewhere; the true class at 0: -log(eps) and
    # -1 / (eps n)
    ce = losses.get("cross_entropy")
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
    y_hat = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.1, 0.6, 0.3]])
    soft = -(0.2 * math.log(0.1) + 0.3 * math.log(0.6) + 0.5 * math.log(0.3))
    assert float(ce.value(y_hat, y)) == pytest.approx((2 * -math.log1p(-EPS) + soft) / 3, rel=1e-12)
    np.testing.assert_allclose(ce.gradient(y_hat, y)[:2], -y[:2] / (1 - EPS) / 3, rtol=1e-12)
    np.testing.assert_allclose(ce.gradient(y_hat, y)[2], -y[2] / y_hat[2] / 3, rtol=1e-12)
    wrong = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    target = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert float(ce.value(wrong, target)) == pytest.approx(-math.log(EPS), rel=1e-12)
    np.testing.assert_allclose(ce.gradient(wrong, target), -target / EPS / 2, rtol=1e-12)


# --- Poisson at y = 0 and at an exact fit ------------------------------------------------------

# z = log(y_hat): rows 0, 1 and 4 have y = 0 (row 4 at y_hat = e^-800 = 0 exactly), row 2 is an
# exact fit (e^0 = 1)
PY = np.array([[0.0], [0.0], [1.0], [3.0], [0.0]])
PZ = np.array([[-2.0], [0.0], [0.0], [0.5], [-800.0]])
PW = np.array([[0.2], [1.8], [1.0], [0.6], [1.4]])


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_with_zero_counts_and_an_exact_fit(weighted):
    w = PW if weighted else None
    ww = np.ones_like(PY) if w is None else w
    poisson = losses.get("poisson")
    a = np.exp(PZ)
    # the fused delta: w (e^z - y) / n
    np.testing.assert_allclose(poisson.fused.delta(PZ, a, PY, w), ww * (a - PY) / 5, rtol=1e-15)
    # the value: y_hat at y = 0; 0 at the exact fit; y log(y / y_hat) - y + y_hat elsewhere
    by_hand = [math.exp(-2.0), 1.0, 0.0, 3 * math.log(3.0) - 1.5 - 3.0 + math.exp(0.5), 0.0]
    want = float((ww[:, 0] * np.array(by_hand)).sum() / 5)
    assert float(poisson.fused.value(PZ, PY, w)) == pytest.approx(want, rel=1e-12)
    assert float(poisson.value(a, PY, w)) == pytest.approx(want, rel=1e-12)
    # the unfused gradient at y = 0 is w / n for every y_hat (0 included); 0 at an exact fit
    g = poisson.gradient(np.array([[0.0], [2.0], [1.0], [3.0], [5e-324]]), PY, w)
    np.testing.assert_allclose(g[[0, 1, 4]], ww[[0, 1, 4]] / 5, rtol=0)
    np.testing.assert_array_equal(g[[2, 3]], 0.0)


def test_poisson_of_a_population_with_a_member_at_zero_predictions():
    # member 0 predicts exactly 0 where y = 0 (cost 0, gradient 1/n), member 1 fits exactly
    y = np.array([[0.0], [2.0], [0.0]])
    members = [np.array([[0.0], [2.0], [0.0]]), y.copy(), np.array([[1.0], [1.0], [4.0]])]
    poisson = losses.get("poisson")
    values, grads = poisson.value(np.stack(members), y), poisson.gradient(np.stack(members), y)
    assert values.shape == (3,)
    for k, m in enumerate(members):
        assert values[k] == pytest.approx(float(poisson.value(m, y)), rel=1e-15, abs=0)
        np.testing.assert_array_equal(grads[k], poisson.gradient(m, y))
    assert values[0] == 0.0 and values[1] == 0.0
    np.testing.assert_array_equal(grads[0], [[1 / 3], [0.0], [1 / 3]])
    np.testing.assert_array_equal(grads[2], [[1 / 3], [(1 - 2.0) / 3], [1 / 3]])
    assert values[2] == pytest.approx((1.0 + 2 * math.log(2.0) - 2.0 + 1.0 + 4.0) / 3, rel=1e-12)
    z = np.log(np.maximum(np.stack(members), 1e-300))
    deltas = poisson.fused.delta(z, np.exp(z), y)
    for k in range(3):
        np.testing.assert_allclose(deltas[k], (np.exp(z[k]) - y) / 3, rtol=1e-15)


# --- PyTorch, where its convention is glassnet's (and where it is not) --------------------------


def _torch_value_and_grad(fn, y_hat: np.ndarray, y: np.ndarray, w: np.ndarray | None):
    """``mean(w * fn(y_hat, y))`` over every entry and its autograd gradient."""
    t = torch.tensor(y_hat, dtype=torch.float64, requires_grad=True)
    e = fn(t, torch.tensor(y, dtype=torch.float64))
    if w is not None:
        e = e * torch.tensor(w, dtype=torch.float64)
    v = e.mean()
    v.backward()
    return v.item(), t.grad.numpy()


@needs_torch
@pytest.mark.parametrize("name", ["mse", "mae", "huber", "smooth_l1"])
@pytest.mark.parametrize("weighted", [False, True])
def test_residual_losses_at_their_kinks_are_pytorchs(name, weighted):
    fn = {
        "mse": lambda a, b: F.mse_loss(a, b, reduction="none"),
        "mae": lambda a, b: F.l1_loss(a, b, reduction="none"),
        "huber": lambda a, b: F.huber_loss(a, b, reduction="none", delta=1.0),
        "smooth_l1": lambda a, b: F.smooth_l1_loss(a, b, reduction="none", beta=1.0),
    }[name]
    w = WEIGHT if weighted else None
    y_hat = Y + RESIDUALS
    value, grad = _torch_value_and_grad(fn, y_hat, Y, w)
    loss = losses.get("huber" if name == "smooth_l1" else name)
    assert float(loss.value(y_hat, Y, w)) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y_hat, Y, w), grad, rtol=1e-12, atol=1e-300)


@needs_torch
def test_bce_at_exactly_zero_and_one_differs_from_pytorch_as_documented():
    # PyTorch's binary_cross_entropy: an exact fit at 0 or 1 costs 0 with gradient 0, a
    # confident wrong answer 100 (its log is clamped at -100). glassnet clips y_hat to
    # [eps, 1 - eps] instead (pinned above). Inside (0, 1) they are the same function.
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    y_hat = np.array([[0.0, 1.0, 0.0, 1.0]])  # right, right, wrong, wrong
    t = torch.tensor(y_hat, requires_grad=True)
    v = F.binary_cross_entropy(t, torch.tensor(y))
    v.backward()
    assert v.item() == pytest.approx(2 * 100.0 / 4)
    np.testing.assert_array_equal(t.grad.numpy()[0, :2], [0.0, 0.0])
    bce = losses.get("bce")
    assert float(bce.value(y_hat, y)) == pytest.approx(
        (2 * -math.log1p(-EPS) + 2 * -math.log(EPS)) / 4, rel=1e-12
    )
    np.testing.assert_allclose(
        bce.gradient(y_hat, y)[0, :2], [0.25 / (1 - EPS), -0.25 / (1 - EPS)], rtol=1e-12
    )
    p = np.array([[1e-9, 0.3, 0.5, 1 - 1e-9]])
    q = np.array([[0.0, 1.0, 0.25, 1.0]])
    t = torch.tensor(p, requires_grad=True)
    v = F.binary_cross_entropy(t, torch.tensor(q))
    v.backward()
    assert float(bce.value(p, q)) == pytest.approx(v.item(), rel=1e-12)
    np.testing.assert_allclose(bce.gradient(p, q), t.grad.numpy(), rtol=1e-9)


@needs_torch
@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_delta_is_pytorchs_poisson_nll_gradient_with_zero_counts(weighted):
    w = PW if weighted else None
    t = torch.tensor(PZ, requires_grad=True)
    e = F.poisson_nll_loss(t, torch.tensor(PY), log_input=True, full=False, reduction="none")
    if w is not None:
        e = e * torch.tensor(w)
    e.mean().backward()
    delta = losses.get("poisson").fused.delta(PZ, np.exp(PZ), PY, w)
    np.testing.assert_allclose(delta, t.grad.numpy(), rtol=1e-12, atol=1e-300)
