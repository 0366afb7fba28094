"""Every loss, with and without sample weights, against a direct computation from its definition.

The references below are the textbook definitions written as plain loops over samples and
outputs (no vectorized shortcut shared with the engine); gradients are checked both against
the analytic derivative of that definition and against central differences of the reference.
Values are chosen so that every branch is visited: huber residuals on both sides of its
threshold 1 (and between 1 and 2, where a threshold of 2 would differ), weights far from 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations, losses

N, M = 6, 3


def _data(kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "real":
        y = rng.normal(size=(N, M))
        # residuals spread over [-3, 3], both sides of huber's threshold 1 and of 2
        r = np.array([-2.6, -1.5, -0.7, -0.2, 0.4, 1.3, 1.7, 2.4, 0.9])
        y_hat = y + np.resize(r, (N, M))
    elif kind == "unit":
        y = rng.integers(0, 2, (N, M)).astype(float)
        y[0, 0] = 0.3  # soft labels are targets in [0, 1] too
        y_hat = rng.uniform(0.05, 0.95, (N, M))
    else:  # distribution
        y = np.eye(M)[rng.integers(0, M, N)]
        e = np.exp(rng.normal(size=(N, M)))
        y_hat = e / e.sum(axis=1, keepdims=True)
    w = rng.uniform(0.1, 3.0, (N, 1))
    return y_hat, y, w


def _per_element(name, yh, yt):
    if name in ("mse", "sse"):
        return (yh - yt) ** 2
    if name == "mae":
        return abs(yh - yt)
    if name == "huber":  # Huber (1964) with delta = 1
        r = abs(yh - yt)
        return 0.5 * r * r if r <= 1 else r - 0.5
    if name == "bce":
        return -(yt * math.log(yh) + (1 - yt) * math.log(1 - yh))
    raise AssertionError(name)


def ref_value(name, y_hat, y, w=None):
    """C = (1/(n m)) sum_i w_i sum_k c(y_hat_ik, y_ik); sse sums, cross-entropy divides by n."""
    n, m = y.shape
    total = 0.0
    for i in range(n):
        wi = 1.0 if w is None else float(w[i, 0])
        if name == "cross_entropy":
            total += wi * -sum(y[i, k] * math.log(y_hat[i, k]) for k in range(m))
        else:
            total += wi * sum(_per_element(name, y_hat[i, k], y[i, k]) for k in range(m))
    if name == "sse":
        return total
    if name == "cross_entropy":
        return total / n
    return total / (n * m)


def ref_gradient(name, y_hat, y, w=None):
    """dC/dy_hat from the derivative of each definition."""
    n, m = y.shape
    g = np.zeros_like(y_hat)
    for i in range(n):
        wi = 1.0 if w is None else float(w[i, 0])
        for k in range(m):
            r = y_hat[i, k] - y[i, k]
            if name == "mse":
                d = 2 * r / (n * m)
            elif name == "sse":
                d = 2 * r
            elif name == "mae":
                d = (1.0 if r > 0 else -1.0 if r < 0 else 0.0) / (n * m)
            elif name == "huber":
                d = (r if abs(r) <= 1 else math.copysign(1.0, r)) / (n * m)
            elif name == "bce":
                p = y_hat[i, k]
                d = (-y[i, k] / p + (1 - y[i, k]) / (1 - p)) / (n * m)
            else:  # cross_entropy
                d = -y[i, k] / y_hat[i, k] / n
            g[i, k] = wi * d
    return g


KIND = {"mse": "real", "sse": "real", "mae": "real", "huber": "real", "bce": "unit",
        "cross_entropy": "distribution"}  # fmt: skip


def test_every_loss_is_covered():
    assert set(KIND) == set(losses.names())


@pytest.mark.parametrize("name", sorted(KIND))
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_value_and_gradient_equal_the_definition(name, weighted):
    y_hat, y, w = _data(KIND[name])
    w = w if weighted else None
    loss = losses.get(name)
    assert float(loss.value(y_hat, y, w)) == pytest.approx(ref_value(name, y_hat, y, w), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y_hat, y, w), ref_gradient(name, y_hat, y, w),
                               rtol=1e-12, atol=1e-15)  # fmt: skip


@pytest.mark.parametrize("name", sorted(KIND))
def test_loss_gradient_equals_central_differences_of_the_reference(name):
    y_hat, y, w = _data(KIND[name], seed=4)
    h = 1e-6
    g = losses.get(name).gradient(y_hat, y, w)
    for i in range(N):
        for k in range(M):
            up, down = y_hat.copy(), y_hat.copy()
            up[i, k] += h
            down[i, k] -= h
            num = (ref_value(name, up, y, w) - ref_value(name, down, y, w)) / (2 * h)
            assert g[i, k] == pytest.approx(num, rel=1e-6, abs=1e-9), (i, k)


@pytest.mark.parametrize("name", sorted(KIND))
def test_weights_weigh_each_sample(name):
    # an integer weight counts the sample that many times (after normalising to mean 1)
    y_hat, y, _ = _data(KIND[name], seed=2)
    counts = np.array([1, 3, 0, 2, 1, 5])
    w = counts[:, None].astype(float)
    rep = np.repeat(np.arange(N), counts)
    loss = losses.get(name)
    weighted = float(loss.value(y_hat, y, w))
    repeated = float(loss.value(y_hat[rep], y[rep]))
    scale = 1.0 if name == "sse" else counts.sum() / N  # mean losses average over n rows
    assert weighted == pytest.approx(repeated * scale, rel=1e-12)
    assert weighted != pytest.approx(float(loss.value(y_hat, y)), rel=1e-3)


def test_huber_threshold_is_one():
    loss = losses.get("huber")
    y = np.zeros((1, 1))
    for r, value, grad in [(0.5, 0.125, 0.5), (1.0, 0.5, 1.0), (1.5, 1.0, 1.0), (1.99, 1.49, 1.0),
                           (-1.5, 1.0, -1.0), (3.0, 2.5, 1.0)]:  # fmt: skip
        y_hat = np.array([[r]])
        assert float(loss.value(y_hat, y)) == pytest.approx(value, rel=1e-12)
        assert float(loss.gradient(y_hat, y)[0, 0]) == pytest.approx(grad, rel=1e-12)


@pytest.mark.parametrize("name", sorted(KIND))
@pytest.mark.parametrize("weighted", [False, True])
def test_population_losses_are_per_member(name, weighted):
    # a population stacks members first: (P, n, m) with n != m != P, so that any reduction
    # over the wrong axis changes the numbers
    y_hat, y, w = _data(KIND[name])
    w = w if weighted else None
    members = [y_hat, np.roll(y_hat, 1, axis=0), np.roll(y_hat, 2, axis=0), y_hat[::-1]]
    pop = np.stack(members)
    loss = losses.get(name)
    values = loss.value(pop, y, w)
    grads = loss.gradient(pop, y, w)
    assert values.shape == (4,) and grads.shape == pop.shape
    for k, member in enumerate(members):
        assert values[k] == pytest.approx(ref_value(name, member, y, w), rel=1e-12)
        np.testing.assert_allclose(grads[k], ref_gradient(name, member, y, w), rtol=1e-12,
                                   atol=1e-15)  # fmt: skip


@pytest.mark.parametrize("weighted", [False, True])
def test_fused_losses_equal_the_definition_through_the_network(weighted):
    # sigmoid + bce and softmax + cross-entropy are computed from the logits: the cost and
    # dC/dz must still be those of the definitions (dC/dz = dC/da * da/dz by hand)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(N, 2))
    w = rng.uniform(0.2, 2.0, N) if weighted else None
    for output, name, n_out in [("sigmoid", "bce", 2), ("softmax", "cross_entropy", 3)]:
        net = gn.Network([2, n_out], output=output, init="normal(1.0)", seed=1)
        W, b = net.layers[0].W, net.layers[0].b
        z = X @ W + b
        if output == "sigmoid":
            a = 1 / (1 + np.exp(-z))
            y = rng.integers(0, 2, (N, n_out)).astype(float)
        else:
            a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            y = np.eye(n_out)[rng.integers(0, n_out, N)]
        wn = None if w is None else (w / w.mean())[:, None]
        before = [p.copy() for p in (W, b)]
        hist = net.fit(X, y, loss=name, lr=1.0, epochs=1, sample_weight=w, stats_every=0)
        assert hist.loss[0] == pytest.approx(ref_value(name, a, y, wn), rel=1e-12)
        # one gd step with eta = 1: W <- W - X^T delta, delta = dC/dz
        if output == "sigmoid":
            delta = ref_gradient(name, a, y, wn) * a * (1 - a)
        else:
            g = ref_gradient(name, a, y, wn)
            delta = np.stack([g[i] @ (np.diag(a[i]) - np.outer(a[i], a[i])) for i in range(N)])
        np.testing.assert_allclose(before[0] - net.layers[0].W, X.T @ delta, rtol=1e-10)
        np.testing.assert_allclose(before[1] - net.layers[0].b, delta.sum(0, keepdims=True),
                                   rtol=1e-10)  # fmt: skip


# --- activations' derivatives at and around their kinks --------------------------------------


def test_relu_derivative_at_zero_is_zero():
    relu = activations.get("relu")
    z = np.array([[-1.0, 0.0, 1e-300, 2.0]])
    np.testing.assert_array_equal(relu.derivative(z, relu.value(z)), [[0.0, 0.0, 1.0, 1.0]])
    leaky = activations.get("leaky_relu")
    np.testing.assert_array_equal(leaky.derivative(z, leaky.value(z)), [[0.01, 0.01, 1.0, 1.0]])


def test_relu_unit_at_zero_gets_no_gradient_through_backprop():
    # a hidden relu unit whose z is exactly 0 for every sample passes no gradient back
    net = gn.Network([1, 1, 1], activation="relu", output="identity", bias="none", seed=0)
    net.layers[0].W = [[0.0]]
    net.layers[1].W = [[2.0]]
    grads = net.gradients(np.array([[1.0], [-3.0]]), np.array([[5.0], [1.0]]))
    assert grads[0]["W"][0, 0] == 0.0


@pytest.mark.parametrize(
    ("name", "f", "fprime"),
    [
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z)), lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2),
        ("tanh", math.tanh, lambda z: 1 / math.cosh(z) ** 2),
        ("tanh01", lambda z: (math.tanh(z) + 1) / 2, lambda z: 0.5 / math.cosh(z) ** 2),
        ("relu", lambda z: max(z, 0.0), lambda z: float(z > 0)),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z, lambda z: 1.0 if z > 0 else 0.01),
        ("elu", lambda z: z if z > 0 else math.exp(z) - 1, lambda z: 1.0 if z > 0 else math.exp(z)),
        ("softplus", lambda z: math.log1p(math.exp(z)), lambda z: 1 / (1 + math.exp(-z))),
        ("gelu", lambda z: z * 0.5 * (1 + math.erf(z / math.sqrt(2))),
         lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)),
        ("silu", lambda z: z / (1 + math.exp(-z)),
         lambda z: 1 / (1 + math.exp(-z)) * (1 + z * (1 - 1 / (1 + math.exp(-z))))),
        ("identity", lambda z: z, lambda z: 1.0),
    ],
)  # fmt: skip
def test_activation_value_and_derivative_equal_the_textbook(name, f, fprime):
    act = activations.get(name)
    zs = [-4.0, -1.3, -0.2, 0.0, 0.3, 1.1, 3.5]
    z = np.array([zs])
    a = act.value(z)
    np.testing.assert_allclose(a[0], [f(v) for v in zs], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.derivative(z, a)[0], [fprime(v) for v in zs], rtol=1e-9,
                               atol=1e-15)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "maximum"),
    [("sigmoid", 0.25), ("tanh", 1.0), ("tanh01", 0.5), ("relu", 1.0), ("identity", 1.0),
     ("softmax", 0.25)],
)  # fmt: skip
def test_derivative_max_is_the_true_maximum(name, maximum):
    # the saturation statistic compares |f'| with 1% of this number, so it must be max |f'|
    act = activations.get(name)
    assert act.derivative_max == pytest.approx(maximum, rel=1e-12)
    if name != "softmax":
        z = np.linspace(-6, 6, 120001)[None, :]
        assert np.abs(act.derivative(z, act.value(z))).max() == pytest.approx(maximum, rel=1e-8)


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_derivative_max_of_smooth_activations(name):
    act = activations.get(name)
    z = np.linspace(-6, 6, 1_200_001)[None, :]
    true_max = np.abs(act.derivative(z, act.value(z))).max()
    assert act.derivative_max == pytest.approx(true_max, rel=1e-4)


# --- edges: saturated predictions, extreme logits, targets a loss cannot take ------------------


@pytest.mark.parametrize("name", ["bce", "cross_entropy"])
def test_predictions_of_exactly_zero_and_one_give_finite_costs(name):
    # log(0) is avoided by clipping y_hat to [eps, 1 - eps]: the cost of a confident wrong
    # answer is -log(eps) per entry, large but finite, and so is its gradient
    eps = np.finfo(float).eps
    loss = losses.get(name)
    if name == "bce":
        y_hat, y = np.array([[0.0, 1.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0, 1.0]])
        expected = 2 * -math.log(eps) / 4
    else:
        y_hat, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0]])
        expected = -math.log(eps) / 2
    assert float(loss.value(y_hat, y)) == pytest.approx(expected, rel=1e-9)
    assert np.isfinite(loss.gradient(y_hat, y)).all()


def test_fused_cross_entropy_is_stable_per_row():
    # rows of very different scales: each row's logsumexp is shifted by its own maximum
    net = gn.Network([2, 2], output="softmax", bias="none", seed=0)
    net.layers[0].W = [[1.0, 0.0], [0.0, 1.0]]
    X = np.array([[1000.0, 999.0], [-1000.0, -1001.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    # per row: log(1 + e^-1) for the right class first, log(1 + e^1) for the other
    expected = (math.log1p(math.exp(-1)) + math.log1p(math.exp(1))) / 2
    assert net.loss(X, y, loss="cross_entropy") == pytest.approx(expected, rel=1e-12)


def test_loss_lookup_errors_name_the_argument():
    with pytest.raises(TypeError, match=r"^loss: expected a name or a Loss, got 3"):
        losses.get(3)
    with pytest.raises(ValueError) as info:
        losses.get("nope")
    assert str(info.value).startswith(
        "loss: unknown loss 'nope'; expected one of bce, cross_entropy, huber, mae, mse, sse"
    )


@pytest.mark.parametrize(
    ("name", "y", "message"),
    [
        ("bce", [[0.0], [1.5]], r"^y: the bce loss expects targets in \[0, 1\], got values from 0 to 1.5$"),
        ("bce", [[-0.5], [1.0]], r"got values from -0\.5 to 1$"),
        ("cross_entropy", [[0.5, 0.7], [0.0, 1.0]], "^y: the cross_entropy loss expects one-hot rows"),
        ("cross_entropy", [[1.2, -0.2], [0.0, 1.0]], r"targets in \[0, 1\]"),
    ],
)  # fmt: skip
def test_targets_a_loss_cannot_take_are_refused(name, y, message):
    with pytest.raises(ValueError, match=message):
        losses.get(name).check_targets(np.array(y))


def test_targets_a_loss_can_take_are_accepted():
    losses.get("bce").check_targets(np.array([[0.0], [0.3], [1.0]]))
    losses.get("bce").check_targets(np.array([[0.0, 1.0, 0.0]]))  # multi-label rows: any sum
    losses.get("cross_entropy").check_targets(np.array([[0.25, 0.75], [1.0, 0.0]]))
    losses.get("cross_entropy").check_targets(np.array([[1.0], [0.0]]))  # one output: no sum
    losses.get("mse").check_targets(np.array([[-7.0], [12.0]]))
    with pytest.raises(ValueError, match=r"^validation y: "):
        losses.get("bce").check_targets(np.array([[2.0]]), "validation y")
    with pytest.raises(ValueError, match=r"row sums from 0\.999 to 1"):
        losses.get("cross_entropy").check_targets(np.array([[0.5, 0.499], [0.0, 1.0]]))


@pytest.mark.parametrize(("output", "name"), [("softmax", "cross_entropy"), ("sigmoid", "bce")])
def test_fused_losses_of_a_population_are_per_member(output, name):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(N, 2))
    y = np.eye(M)[rng.integers(0, M, N)]
    pop = gn.Network([2, M], output=output, init="normal(2.0)", seed=[0, 1, 2, 3, 4])
    values = pop.loss(X, y, loss=name)
    for k in range(5):
        z = X @ pop.layers[0].W[k] + pop.layers[0].b[k]
        if output == "softmax":
            a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        else:
            a = 1 / (1 + np.exp(-z))
        assert values[k] == pytest.approx(ref_value(name, a, y), rel=1e-12)


# --- Poisson's domain: counts ------------------------------------------------------------------


def _poisson_paths():
    from glassnet.evolution import fit_evolution
    from glassnet.gradcheck import gradient_check
    from glassnet.trace import trace

    X, ok = np.ones((3, 1)), np.array([[1.0], [2.0], [0.0]])
    net = gn.Network([1, 2, 1], output="exp", seed=0)
    pop = gn.Network([1, 2, 1], output="exp", seed=[0, 1])
    return {
        "fit": ("y", lambda y: net.fit(X, y, loss="poisson", epochs=1)),
        "validation": (
            "validation y",
            lambda y: net.fit(X, ok, loss="poisson", epochs=1, validation=(X, y)),
        ),
        "loss": ("y", lambda y: net.loss(X, y, loss="poisson")),
        "population": ("y", lambda y: pop.fit(X, y, loss="poisson", epochs=1)),
        "evolution": ("y", lambda y: fit_evolution(pop, X, y, loss="poisson", generations=1)),
        "trace": ("y", lambda y: trace(net, X, y, loss="poisson")),
        "gradient_check": ("y", lambda y: gradient_check(net, X, y, loss="poisson")),
    }


@pytest.mark.parametrize("path", list(_poisson_paths()))
def test_a_negative_count_is_refused_by_the_poisson_loss_on_every_path(path):
    # half the Poisson deviance y log(y / y_hat) - y + y_hat has no value for y < 0 (log of a
    # negative ratio): scikit-learn's MLPRegressor(loss="poisson") refuses such y; before, fit
    # ran into a NaN cost and called it an overflow ("try a smaller learning rate")
    argument, call = _poisson_paths()[path]
    with pytest.raises(ValueError) as info:
        call(np.array([[1.0], [-0.5], [0.0]]))
    assert str(info.value) == (
        f"{argument}: the poisson loss expects counts (targets >= 0), got values from -0.5 to 1"
    )
    call(np.array([[1.0], [0.5], [0.0]]))  # 0 and fractions are in its domain
