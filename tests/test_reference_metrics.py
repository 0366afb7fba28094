"""``glassnet.metrics.accuracy`` against scikit-learn's ``accuracy_score``, per member, at its
threshold's edge, and its errors word for word."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

import glassnet as gn
from glassnet import metrics

_rng = np.random.default_rng(3)


@pytest.mark.parametrize("threshold", [0.5, 0.2, 0.9, -1.0])
def test_one_output_accuracy_is_scikit_learns_at_any_threshold(threshold):
    y = _rng.integers(0, 2, (30, 1)).astype(float)
    y_hat = _rng.uniform(-0.5, 1.5, (30, 1))
    want = accuracy_score(y[:, 0], (y_hat[:, 0] > threshold).astype(float))
    got = metrics.accuracy(y_hat, y, threshold=threshold)
    assert type(got) is float and got == pytest.approx(want, abs=1e-15)


def test_an_output_exactly_at_the_threshold_is_class_zero():
    # "y_hat > threshold against y": an output of exactly 0.5 says 0
    y_hat = np.array([[0.5], [0.5], [0.51], [0.49]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert metrics.accuracy(y_hat, y) == 0.75
    assert metrics.accuracy(np.array([[0.3]]), np.array([[1.0]]), threshold=0.3) == 0.0


def test_several_outputs_compare_argmax_with_argmax():
    labels = _rng.integers(0, 4, 25)
    y = np.eye(4)[labels]
    y_hat = _rng.normal(size=(25, 4))
    assert metrics.accuracy(y_hat, y) == pytest.approx(
        accuracy_score(labels, y_hat.argmax(axis=1)), abs=1e-15
    )


@pytest.mark.parametrize("n_out", [1, 3])
def test_a_population_gets_one_accuracy_per_member(n_out):
    P, n = 4, 9  # P != n != n_out: a reduction over the wrong axis changes the numbers
    labels = _rng.integers(0, max(n_out, 2), n)
    y = labels[:, None].astype(float) if n_out == 1 else np.eye(n_out)[labels]
    y_hat = _rng.uniform(0, 1, (P, n, n_out))
    got = metrics.accuracy(y_hat, y)
    assert got.shape == (P,)
    for k in range(P):
        assert got[k] == metrics.accuracy(y_hat[k], y)
        pred = (y_hat[k, :, 0] > 0.5) if n_out == 1 else y_hat[k].argmax(axis=1)
        assert got[k] == pytest.approx(accuracy_score(labels, pred), abs=1e-15)


def test_accuracy_of_a_network_population_is_its_members():
    X = _rng.normal(size=(12, 2))
    y = np.eye(3)[_rng.integers(0, 3, 12)]
    pop = gn.Network([2, 3], output="softmax", seed=[0, 1, 2, 3, 4])
    out = pop.predict(X)
    for k in range(5):
        single = gn.Network([2, 3], output="softmax", seed=k)
        assert metrics.accuracy(out, y)[k] == metrics.accuracy(single.predict(X), y)


@pytest.mark.parametrize(
    ("y_hat", "y", "threshold", "error", "message"),
    [
        (np.zeros((3, 1)), np.zeros(3), 0.5, ValueError,
         "y: expected shape (n_samples, n_outputs), got (3,)"),
        (np.zeros((3, 2)), np.zeros((3, 1)), 0.5, ValueError,
         "y_hat: expected shape (3, 1) or (P, *(3, 1)) to match y, got (3, 2)"),
        (np.zeros((2, 3, 1, 1)), np.zeros((3, 1)), 0.5, ValueError,
         "y_hat: expected shape (3, 1) or (P, *(3, 1)) to match y, got (2, 3, 1, 1)"),
        (np.zeros(3), np.zeros((3, 1)), 0.5, ValueError,
         "y_hat: expected shape (3, 1) or (P, *(3, 1)) to match y, got (3,)"),
        (np.zeros((3, 1)), np.zeros((3, 1)), "half", TypeError, "threshold: expected"),
        (np.zeros((3, 1)), np.zeros((3, 1)), float("nan"), ValueError, "threshold: expected"),
        ([["a"], ["b"], ["c"]], np.zeros((3, 1)), 0.5, TypeError, "y_hat: "),
        (np.zeros((3, 1)), [["a"], ["b"], ["c"]], 0.5, TypeError, "y: "),
    ],
)  # fmt: skip
def test_accuracy_errors_name_the_argument(y_hat, y, threshold, error, message):
    with pytest.raises(error) as info:
        metrics.accuracy(y_hat, y, threshold=threshold)
    assert str(info.value).startswith(message), str(info.value)


def test_is_classification_errors_name_y():
    with pytest.raises(
        ValueError, match=r"^y: expected shape \(n_samples, n_outputs\), got \(4,\)"
    ):
        metrics.is_classification(np.zeros(4))
