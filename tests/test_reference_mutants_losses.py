"""The losses that mutation testing found untested: scikit-learn's three (looked up by name, not
listed), with sample weights and for populations, and the pairing rule as a table.

References: scikit-learn's own MLP losses (``binary_log_loss`` and ``poisson_loss`` sum over
the outputs and average over the samples, as glassnet's do), plain loops over samples and
outputs for the half squared error (scikit-learn's ``squared_loss`` also averages over the
outputs, while the gradient its MLP trains with does not), and the derivatives of those
definitions written out by hand. Weights have mean 1, where ``np.average``'s normalisation
and glassnet's ``(1/n) sum w_i e_i`` agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import _base as sk

from glassnet import losses

N, M = 5, 3


def _data(seed: int):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.5, (N, M))
    p = 1.0 / (1.0 + np.exp(-z))
    y01 = rng.integers(0, 2, (N, M)).astype(float)
    counts = rng.poisson(2.0, (N, M)).astype(float)
    counts[0, 0] = 0.0  # y = 0: the xlogy term vanishes
    w = rng.uniform(0.1, 3.0, (N, 1))
    w /= w.mean()
    return z, p, y01, counts, w


def _half_se_loop(y_hat, y, w):
    total = 0.0
    for i in range(N):
        total += w[i, 0] * sum(0.5 * (y_hat[i, k] - y[i, k]) ** 2 for k in range(M))
    return total / N


@pytest.mark.parametrize("seed", [0, 1])
def test_sklearn_losses_weighted_equal_their_references(seed):
    z, p, y01, counts, w = _data(seed)
    y_real = z + np.random.default_rng(seed + 10).normal(size=(N, M))
    rate = np.exp(z)
    half_se = losses.get("squared_error")
    log_loss = losses.get("binary_log_loss")
    poisson = losses.get("poisson")

    assert float(half_se.value(z, y_real, w)) == pytest.approx(_half_se_loop(z, y_real, w))
    assert float(half_se.value(z, y_real)) == pytest.approx(
        _half_se_loop(z, y_real, np.ones((N, 1)))
    )
    assert float(log_loss.value(p, y01, w)) == pytest.approx(sk.binary_log_loss(y01, p, w[:, 0]))
    assert float(log_loss.fused.value(z, y01, w)) == pytest.approx(
        sk.binary_log_loss(y01, p, w[:, 0])
    )
    assert float(poisson.value(rate, counts, w)) == pytest.approx(
        sk.poisson_loss(counts, rate, w[:, 0])
    )
    assert float(poisson.fused.value(z, counts, w)) == pytest.approx(
        sk.poisson_loss(counts, rate, w[:, 0])
    )
    # the weights matter: these data are not a case where they cancel
    assert float(poisson.value(rate, counts, w)) != pytest.approx(sk.poisson_loss(counts, rate))


@pytest.mark.parametrize("seed", [0, 1])
def test_sklearn_losses_gradients_weighted_equal_the_derivatives(seed):
    z, p, y01, counts, w = _data(seed)
    y_real = z + 1.0
    rate = np.exp(z)
    # d/dy_hat of (1/n) sum_i w_i e_i, per sample and output
    np.testing.assert_allclose(
        losses.get("squared_error").gradient(z, y_real, w), w * (z - y_real) / N, rtol=1e-12
    )
    np.testing.assert_allclose(
        losses.get("binary_log_loss").gradient(p, y01, w),
        w * (p - y01) / (p * (1 - p)) / N,
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        losses.get("poisson").gradient(rate, counts, w), w * (1 - counts / rate) / N, rtol=1e-12
    )
    # the fused delta dC/dz: (a - y) w / n for both the sigmoid and the exp link
    np.testing.assert_allclose(
        losses.get("binary_log_loss").fused.delta(z, p, y01, w), w * (p - y01) / N, rtol=1e-12
    )
    np.testing.assert_allclose(
        losses.get("poisson").fused.delta(z, rate, counts, w), w * (rate - counts) / N, rtol=1e-12
    )


def test_sklearn_losses_per_member_of_a_population():
    members = [_data(seed) for seed in (2, 3)]
    z = np.stack([m[0] for m in members])
    p = np.stack([m[1] for m in members])
    y01 = np.stack([m[2] for m in members])
    counts = np.stack([m[3] for m in members])
    w = members[0][4]
    rate = np.exp(z)
    y_real = z[::-1] * 0.5
    cases = [
        (
            losses.get("squared_error").value(z, y_real, w),
            [_half_se_loop(z[k], y_real[k], w) for k in (0, 1)],
        ),
        (
            losses.get("binary_log_loss").value(p, y01, w),
            [sk.binary_log_loss(y01[k], p[k], w[:, 0]) for k in (0, 1)],
        ),
        (
            losses.get("binary_log_loss").fused.value(z, y01, w),
            [sk.binary_log_loss(y01[k], p[k], w[:, 0]) for k in (0, 1)],
        ),
        (
            losses.get("poisson").value(rate, counts, w),
            [sk.poisson_loss(counts[k], rate[k], w[:, 0]) for k in (0, 1)],
        ),
        (
            losses.get("poisson").fused.value(z, counts, w),
            [sk.poisson_loss(counts[k], rate[k], w[:, 0]) for k in (0, 1)],
        ),
    ]
    for got, expected in cases:
        assert np.shape(got) == (2,)
        np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_pairing_table_is_the_rule_written_out():
    real = ["huber", "mae", "mse", "sse"]
    unbounded = ["elu", "gelu", "identity", "leaky_relu", "relu", "silu", "softplus", "tanh"]
    expected = {
        name: {"losses": real, "natural": {"classes": "mse", "values": "mse"}} for name in unbounded
    }
    # outputs in (0, 1): bce as well, and bce for 0/1 targets
    for name in ("sigmoid", "tanh01"):
        expected[name] = {
            "losses": ["bce", *real],
            "natural": {"classes": "bce", "values": "mse"},
        }
    # rows that are distributions: cross-entropy too, and for either kind of target
    expected["softmax"] = {
        "losses": ["bce", "cross_entropy", *real],
        "natural": {"classes": "cross_entropy", "values": "cross_entropy"},
    }
    # the built-in activations' rows (a test elsewhere in the session may register its own)
    table = losses.pairing_table()
    assert {name: table[name] for name in expected} == expected
    assert set(expected) <= set(table)


@pytest.mark.parametrize(
    ("n_outputs", "classes", "expected"),
    [(1, True, "sigmoid"), (2, True, "softmax"), (5, True, "softmax"), (1, False, "identity"),
     (3, False, "identity")],
)  # fmt: skip
def test_natural_output_follows_the_targets(n_outputs, classes, expected):
    # several classes: a distribution (softmax); one 0/1 target: a probability (sigmoid);
    # real values: no squashing at all
    assert losses.natural_output(n_outputs, classes) == expected


def test_distribution_rows_sum_to_one_within_numpys_allclose_plus_1e_6():
    # |sum - 1| <= atol + rtol |1| with rtol 1e-5 (NumPy's default) and atol 1e-6: 1.1e-5
    ce = losses.get("cross_entropy")
    ce.check_targets(np.array([[0.5, 0.5 + 1.05e-5]]))
    with pytest.raises(ValueError, match="summing to 1"):
        ce.check_targets(np.array([[0.5, 0.5 + 1.2e-5]]))


@pytest.mark.parametrize("name", sorted(losses.REGISTRY) + sorted(losses.UNLISTED))
@pytest.mark.parametrize("population", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_loss_answers_numpy_arrays_in_numpy(name, population, weighted):
    # The NumPy loop's losses take their functions from the arrays' own namespace: a value or
    # gradient that came back as another library's array (JAX's, from a wrong namespace) would
    # carry the same numbers but import JAX into the NumPy engine and slow every step.
    loss = losses.get(name)
    z, p, _, _, w = _data(7)
    y = np.eye(M)[[0, 2, 1, 0, 2]]  # one-hot rows in [0, 1]: every loss's targets
    if population:
        z, p, y = np.stack([z, -z]), np.stack([p, 1 - p]), np.stack([y, y])
    weight = w if weighted else None
    results = [loss.value(p, y, weight), loss.gradient(p, y, weight)]
    if loss.fused is not None:
        a = 1.0 / (1.0 + np.exp(-z))
        results += [loss.fused.value(z, y, weight), loss.fused.delta(z, a, y, weight)]
    for out in results:
        assert type(out) is np.ndarray or isinstance(out, np.floating), (name, type(out))
        assert np.all(np.isfinite(out))
    assert np.shape(results[0]) == ((2,) if population else ())
    assert np.shape(results[1]) == p.shape
