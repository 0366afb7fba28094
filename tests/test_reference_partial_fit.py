"""The estimators in ``partial_fit`` sequences, and with outputs that are not probabilities, against
scikit-learn's MLP (issue 26).

``partial_fit`` is where state crosses calls: the classes (given in any order, or as strings, with
a first batch that lacks some of them), the optimizer's velocity, the samples seen ``t_`` (which
drives ``invscaling`` and seeds the next call's shuffling) and the learning-rate factor of
``adaptive``. With ``shuffle=False`` and batches that divide each call's data, glassnet and MLP
take the same steps, so MLP is the oracle step for step. With ``shuffle=True`` glassnet documents
its own order (``docs/sklearn-differences.md``: each call is shuffled by glassnet's ``"shuffle"``
generator seeded by ``random_state + t_``): MLP without shuffling, fed the rows in that order, is
then the oracle.

Outputs that are not probabilities (a regressor's, or a classifier given ``output="identity"``)
are checked against MLPRegressor with the same weights, and against the documented rules of
``predict`` and ``predict_proba`` computed by hand from the weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor

from glassnet._random import generator
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

_rs = np.random.RandomState(0)
X = _rs.randn(40, 3)
S = X @ np.array([1.0, -2.0, 0.5])
Y3 = np.digitize(S, [-1.0, 1.0])  # classes 0, 1, 2
SGD = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=0.1, random_state=0,
           shuffle=False, alpha=1e-3)  # fmt: skip


def _quiet(call, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs on purpose
        return call(*args, **kw)


def _same(ours, theirs, rtol=1e-9):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert ours.t_ == theirs.t_ and ours.n_iter_ == theirs.n_iter_


def _sequence(ours, theirs, calls):
    for args, kw in calls:
        _quiet(ours.partial_fit, *args, **kw)
        _quiet(theirs.partial_fit, *args, **kw)
        _same(ours, theirs)


YS = np.array(["c", "a", "b"])[Y3]
ONLY_0_2 = np.where(Y3 == 1, 2, Y3)


@pytest.mark.parametrize(
    ("y_calls", "classes"),
    [
        ([Y3, Y3, Y3], [2, 0, 1]),  # classes in any order
        ([ONLY_0_2, Y3, ONLY_0_2], [0, 1, 2]),  # the first batch lacks class 1
        ([YS, YS], ["c", "b", "a"]),  # strings
        ([np.where(Y3 > 0, 7, 3)] * 2, [7, 3]),  # two classes, a single unit
        ([np.full(40, 7), np.where(Y3 > 0, 7, 3)], [7, 3]),  # the first batch holds one class
    ],
)
@pytest.mark.parametrize(("batch_size", "momentum"), [(20, 0.0), (10, 0.9), (5, 0.5)])
def test_classifier_partial_fit_sequences_are_mlps(y_calls, classes, batch_size, momentum):
    kw = SGD | dict(batch_size=batch_size, momentum=momentum)
    ours, theirs = GlassnetClassifier(**kw), MLPClassifier(**kw)
    calls = []
    for i, y in enumerate(y_calls):
        part = slice(0, 20) if i % 2 == 0 else slice(20, 40)
        calls.append(((X[part], y[part]), dict(classes=classes) if i == 0 else {}))
    _sequence(ours, theirs, calls)
    assert list(ours.classes_) == list(theirs.classes_) == sorted(set(classes))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9,
                               atol=1e-12)  # fmt: skip
    assert (ours.predict(X) == theirs.predict(X)).all()
    # the same set of classes in another order is the same classes, to both
    _sequence(ours, theirs, [((X[:20], y_calls[0][:20]), dict(classes=list(reversed(classes))))])


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize(("batch_size", "momentum"), [(20, 0.0), (10, 0.9)])
def test_regressor_partial_fit_sequences_are_mlps(learning_rate, batch_size, momentum):
    # t_ (samples seen) carries over and sets invscaling's rate; momentum's velocity too
    kw = SGD | dict(batch_size=batch_size, momentum=momentum, learning_rate=learning_rate,
                    power_t=0.3)  # fmt: skip
    ours, theirs = GlassnetRegressor(**kw), MLPRegressor(**kw)
    calls = [((X[:20], S[:20]), {}), ((X[20:], S[20:]), {}), ((X[:20], S[:20]), {})] * 2
    _sequence(ours, theirs, calls)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)
    assert ours.score(X, S) == pytest.approx(theirs.score(X, S), rel=1e-9)


def _glassnet_order(random_state, t, n):
    """The rows of a partial_fit call, as docs/sklearn-differences.md says glassnet orders
    them: one permutation from its "shuffle" stream seeded by random_state + t_."""
    return generator(random_state + t, "shuffle").permutation(n)


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_shuffled_partial_fit_calls_take_the_documented_sample_order(estimator):
    kw = SGD | dict(batch_size=5, momentum=0.9, random_state=3)
    if estimator == "classifier":
        ours = GlassnetClassifier(**(kw | dict(shuffle=True)))
        theirs, y = MLPClassifier(**kw), Y3
    else:
        ours = GlassnetRegressor(**(kw | dict(shuffle=True)))
        theirs, y = MLPRegressor(**kw), S
    orders = []
    for i, part in enumerate([slice(0, 20), slice(20, 40), slice(0, 20), slice(5, 40)]):
        Xp, yp = X[part], y[part]
        order = _glassnet_order(3, ours.__dict__.get("t_", 0), len(yp))
        orders.append(order)
        extra = dict(classes=[0, 1, 2]) if estimator == "classifier" and i == 0 else {}
        _quiet(ours.partial_fit, Xp, yp, **extra)
        _quiet(theirs.partial_fit, Xp[order], yp[order], **extra)  # MLP, unshuffled
        _same(ours, theirs)
    # each call is shuffled anew (t_ moves on), not with one repeated permutation
    assert not np.array_equal(orders[0], orders[2])


def test_shuffled_epochs_of_a_fit_take_a_new_order_each():
    # fit(max_iter=E) draws epoch e's order as the e-th permutation of one "shuffle" generator
    # seeded by random_state: MLP fed those orders one epoch at a time is the oracle
    kw = SGD | dict(batch_size=8, momentum=0.9, random_state=4, max_iter=4, tol=0.0)
    ours = _quiet(GlassnetRegressor(**(kw | dict(shuffle=True))).fit, X, S)
    theirs = MLPRegressor(**kw)
    rng = generator(4, "shuffle")
    for _ in range(4):
        order = rng.permutation(len(S))
        _quiet(theirs.partial_fit, X[order], S[order])
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


# --- outputs that are not probabilities --------------------------------------------------------


def _hand_set(est, W, b):
    est.coefs_[0][...] = W
    est.intercepts_[0][...] = b
    return est


@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_outputs_are_mlps_with_the_same_weights(n_targets):
    y = S if n_targets == 1 else np.c_[S, X[:, 0]]
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", max_iter=3,
              random_state=1)  # fmt: skip
    ours = _quiet(GlassnetRegressor(**kw).fit, X, y)
    theirs = _quiet(MLPRegressor(**kw).fit, X, y)
    rng = np.random.default_rng(5)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):  # fmt: skip
        b[...] = rng.normal(0, 3, size=b.shape)  # outputs far outside [0, 1]
        a[...] = b
    pred = ours.predict(X)
    np.testing.assert_allclose(pred, theirs.predict(X), rtol=1e-12)
    assert pred.shape == ((40,) if n_targets == 1 else (40, 2))
    assert np.abs(pred).max() > 5
    hidden = np.tanh(X @ theirs.coefs_[0] + theirs.intercepts_[0])
    by_hand = hidden @ theirs.coefs_[1] + theirs.intercepts_[1]
    np.testing.assert_allclose(pred, by_hand[:, 0] if n_targets == 1 else by_hand, rtol=1e-12)
    assert ours.score(X, y) == pytest.approx(r2_score(y, by_hand[:, 0] if n_targets == 1
                                                      else by_hand), rel=1e-12)  # fmt: skip


def test_binary_classifier_with_an_unbounded_output_clips_its_probability():
    # output="identity": p = clip(out, 0, 1) gives [1 - p, p]; the label is out > 0.5
    clf = _quiet(GlassnetClassifier((), output="identity", loss="mse", max_iter=2,
                                    random_state=0).fit, X, (S > 0).astype(int))  # fmt: skip
    _hand_set(clf, [[0.5], [-0.25], [0.1]], [0.3])
    out = X @ np.array([0.5, -0.25, 0.1]) + 0.3
    assert out.min() < 0 and out.max() > 1  # outputs outside [0, 1] on both sides
    p = np.clip(out, 0.0, 1.0)
    np.testing.assert_allclose(clf.predict_proba(X), np.c_[1 - p, p], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(X), (out > 0.5).astype(int))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(clf.predict_log_proba(X), np.log(np.c_[1 - p, p]))


def test_multiclass_classifier_with_an_unbounded_output_normalizes_the_clipped_rows():
    # several units, not a softmax: clipped at 0 and each row divided by its sum; a row with
    # nothing above 0 is uniform; the label is the arg-max of the raw outputs
    clf = _quiet(GlassnetClassifier((), output="identity", loss="mse", max_iter=2,
                                    random_state=0).fit, X, Y3)  # fmt: skip
    W = np.array([[1.0, -1.0, 0.2], [0.5, 0.3, -2.0], [0.0, 1.0, 0.4]])
    b = np.array([0.1, -0.2, 0.05])
    _hand_set(clf, W, b)
    Xe = np.vstack([X, [[-1.0, 0.0, -1.0]]])  # outputs -0.9, -0.2, -0.55: nothing above 0
    out = Xe @ W + b
    assert (out.max(axis=1) <= 0).any() and (out < 0).any()
    want = []
    for row in out:
        pos = np.clip(row, 0, None)
        want.append(pos / pos.sum() if pos.sum() > 0 else np.full(3, 1 / 3))
    np.testing.assert_allclose(clf.predict_proba(Xe), want, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(Xe), clf.classes_[out.argmax(axis=1)])


def test_multilabel_classifier_with_an_unbounded_output_clips_each_label():
    Y = np.c_[S > 0, X[:, 0] > 0.3].astype(int)
    clf = _quiet(GlassnetClassifier((), output="identity", loss="mse", max_iter=2,
                                    random_state=0).fit, X, Y)  # fmt: skip
    W = np.array([[0.8, -0.6], [-0.4, 0.9], [0.3, 0.2]])
    _hand_set(clf, W, [0.5, -0.1])
    out = X @ W + np.array([0.5, -0.1])
    np.testing.assert_allclose(clf.predict_proba(X), np.clip(out, 0, 1), rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), (out > 0.5).astype(int))
