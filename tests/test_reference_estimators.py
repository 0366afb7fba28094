"""The estimators' stopping, early stopping and L2 penalty against scikit-learn's own behaviour.

* L2: scikit-learn adds ``alpha / (2 n_b) sum ||W||^2`` to each batch's cost (``n_b`` the batch
  size). With ``shuffle=False`` and equal batches the batch order is the same in both
  libraries, so mini-batch SGD must agree to rounding with a large ``alpha``: a penalty scaled
  by the training-set size instead of the batch would not.
* Patience: without early stopping, training stops when the training loss has not improved by
  ``tol`` for more than ``n_iter_no_change`` epochs; full-batch SGD follows the same path as
  scikit-learn, so the stopping epoch must be the same. The rule is also replayed by hand on the
  recorded loss curve.
* Early stopping: scikit-learn keeps the weights of the epoch with the best validation score.
  With the same validation split and batch order, glassnet must stop at the same epoch and keep
  the same weights, those of the best epoch rather than the last.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

no_convergence_warning = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:400], y[:400]
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _same_weights(ours, theirs, rtol=1e-9):
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-11)


@no_convergence_warning
@pytest.mark.parametrize("alpha", [0.0, 3.0])
def test_minibatch_l2_is_scaled_by_the_batch_regressor(diabetes, alpha):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(6,), solver="sgd", momentum=0.0, batch_size=100, shuffle=False,
              learning_rate_init=0.01, alpha=alpha, max_iter=8, tol=0.0, random_state=0)  # fmt: skip
    ours, theirs = GlassnetRegressor(**kw).fit(X, y), MLPRegressor(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    _same_weights(ours, theirs)


@no_convergence_warning
def test_minibatch_l2_is_scaled_by_the_batch_classifier(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", momentum=0.9, batch_size=50, shuffle=False,
              learning_rate_init=0.05, alpha=2.0, max_iter=10, tol=0.0, random_state=3)  # fmt: skip
    ours, theirs = GlassnetClassifier(**kw).fit(X, y), MLPClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    _same_weights(ours, theirs)


def _hand_stopping_epoch(curve, tol, patience):
    """scikit-learn's rule: count epochs whose loss is not below best - tol; stop once the
    count exceeds n_iter_no_change. Returns the number of epochs run."""
    best, count = np.inf, 0
    for e, loss in enumerate(curve):
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count > patience:
            return e + 1
    return len(curve)


@no_convergence_warning
@pytest.mark.parametrize("patience", [1, 3, 6])
def test_patience_stops_at_scikit_learns_epoch(diabetes, patience):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(6,), solver="sgd", batch_size=len(y), learning_rate_init=0.05,
              alpha=0.01, max_iter=300, tol=2e-3, n_iter_no_change=patience, random_state=1)  # fmt: skip
    ours, theirs = GlassnetRegressor(**kw).fit(X, y), MLPRegressor(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 300
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    # the same rule, replayed by hand: a longer run's curve stops at the same epoch
    long = GlassnetRegressor(**{**kw, "n_iter_no_change": 10_000}).fit(X, y)
    assert _hand_stopping_epoch(long.loss_curve_, 2e-3, patience) == ours.n_iter_


@no_convergence_warning
def test_early_stopping_keeps_the_best_validation_epoch(diabetes):
    # the validation split is scikit-learn's (drawn from the RandomState of the initial
    # weights) and shuffle=False fixes the batch order: the two libraries then run the same
    # epochs, stop at the same one and keep the same (best) weights
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(16,), solver="sgd", batch_size=40, shuffle=False,
              learning_rate_init=0.05, early_stopping=True, validation_fraction=0.2,
              n_iter_no_change=4, tol=1e-4, max_iter=200, random_state=0)  # fmt: skip
    ours, theirs = GlassnetRegressor(**kw).fit(X, y), MLPRegressor(**kw).fit(X, y)
    scores = theirs.validation_scores_
    best = int(np.argmax(scores))
    # stopped by patience, some epochs after the best one, and the last epoch is worse
    assert theirs.n_iter_ == len(scores) < 200
    assert best < len(scores) - 1 and scores[-1] < scores[best]
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.validation_scores_, scores, rtol=1e-10)
    assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_, rel=1e-12)
    # the weights kept are the best epoch's, not the last one's
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10, atol=1e-12)
    short = GlassnetRegressor(**{**kw, "max_iter": best + 1}).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), short.predict(X))
    # the patience rule on validation scores, replayed by hand: stop once more than
    # n_iter_no_change epochs in a row did not beat best + tol
    assert _hand_stopping_epoch([-s for s in scores], 1e-4, 4) == len(scores)


@no_convergence_warning
def test_classifier_early_stopping_restores_the_best_epoch(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.3, batch_size=20,
              early_stopping=True, validation_fraction=0.2, n_iter_no_change=3, max_iter=200,
              random_state=2)  # fmt: skip
    clf = GlassnetClassifier(**kw).fit(X, y)
    scores = clf.validation_scores_
    best = int(np.argmax(scores))
    assert clf.best_validation_score_ == scores[best]
    short = GlassnetClassifier(**{**kw, "max_iter": best + 1}).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), short.predict_proba(X))
    assert _hand_stopping_epoch([-s for s in scores], 1e-4, 3) == len(scores)
