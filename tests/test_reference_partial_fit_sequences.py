"""More ``partial_fit`` sequences, and classifiers whose outputs are not probabilities, against
scikit-learn's MLP run side by side (``shuffle=False``) and against ``predict_proba``'s documented
rule computed by hand.

``tests/test_reference_partial_fit.py`` follows the classes and the optimizer's state through
``partial_fit`` calls; these follow what crosses calls there that it does not look at: the set
of classes a later call names (as many labels, but others), a first call refused for a label
outside ``classes``, ``warm_start=True`` with ``partial_fit`` (MLP refuses a batch without every
class then), the optimizer and learning rate a ``fit`` leaves to a following ``partial_fit`` and
that a warm-started ``fit`` starts anew, a new ``fit`` on another number of features,
``adaptive``'s no-improvement count and rate factor across calls, Adam's moments and step count
across calls, sample weights, boolean labels and a column ``y``. Then the classifier outputs the
``identity`` tests there leave out: ``tanh``, ``relu`` and ``sigmoid`` units on a multiclass
problem (the sigmoid one trained as MLP's multilabel network on the one-hot rows), ``tanh`` and
``relu`` on a binary one, and the refusal of MLP's log loss for an output that is not in (0, 1).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

_rs = np.random.RandomState(1)
X = _rs.randn(40, 3)
S = X @ np.array([1.0, -2.0, 0.5])
Y3 = np.digitize(S, [-1.0, 1.0])  # classes 0, 1, 2
ONLY_0_2 = np.where(Y3 == 1, 2, Y3)
SGD = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=0.1, random_state=0,
           shuffle=False, alpha=1e-3, batch_size=10)  # fmt: skip
HALVES = [slice(0, 20), slice(20, 40)]


def _quiet(call, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs on purpose
        return call(*args, **kw)


def _same(ours, theirs, rtol=1e-9, atol=1e-12):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=max(rtol, 1e-10))
    assert ours.t_ == theirs.t_ and ours.n_iter_ == theirs.n_iter_
    assert ours._no_improvement_count == theirs._no_improvement_count
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=max(rtol, 1e-10))


def _pair(estimator, kw):
    """glassnet's estimator and MLP's with the same parameters, the targets, and the first
    partial_fit call's extra arguments."""
    if estimator == "classifier":
        return GlassnetClassifier(**kw), MLPClassifier(**kw), Y3, {"classes": [0, 1, 2]}
    return GlassnetRegressor(**kw), MLPRegressor(**kw), S, {}


def _error(call):
    with pytest.raises(ValueError) as info:
        _quiet(call)
    return str(info.value)


# --- the classes a later call names ----------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "later"),
    [([0, 1], [0, 2]), ([0, 1], [1, 0, 2]), ([3, 7], [3, 5]), (["a", "b"], ["a", "c"])],
)
def test_later_classes_of_another_set_are_refused_as_mlp(first, later):
    # MLP (_check_partial_fit_first_call): a later classes= must be the same set, not merely as
    # many labels; the error is the same, word for word
    y = np.asarray(first)[(S > 0).astype(int)]
    messages = []
    for cls in (GlassnetClassifier, MLPClassifier):
        est = _quiet(cls(**SGD).partial_fit, X, y, classes=first)
        messages.append(_error(lambda est=est: est.partial_fit(X, y, classes=later)))
        # the same set in another order continues
        _quiet(est.partial_fit, X, y, classes=list(reversed(first)))
    assert messages[0] == messages[1]
    assert "is not the same as on last call to partial_fit" in messages[0]


def test_a_first_call_refused_for_a_label_outside_classes_keeps_the_given_classes_as_mlp():
    # MLP sets classes_ and its binarizer from classes= before it looks at y: the refused call
    # leaves them, and the next call trains three units against [0, 1, 2]
    y_bad = np.where(Y3 == 2, 9, Y3)
    ours, theirs = GlassnetClassifier(**SGD), MLPClassifier(**SGD)
    messages = [
        _error(lambda e=e: e.partial_fit(X, y_bad, classes=[0, 1, 2])) for e in (ours, theirs)
    ]
    assert messages[0] == messages[1] and "'y' has [0 1 9]" in messages[0]
    for i in range(2):
        _quiet(ours.partial_fit, X[HALVES[i]], Y3[HALVES[i]])
        _quiet(theirs.partial_fit, X[HALVES[i]], Y3[HALVES[i]])
        _same(ours, theirs)
    assert ours.n_outputs_ == theirs.n_outputs_ == 3
    np.testing.assert_array_equal(ours.classes_, [0, 1, 2])


def test_warm_start_partial_fit_refuses_a_batch_without_every_class_as_mlp():
    # with warm_start=True, MLP's _validate_input asks every call for the same set of classes,
    # partial_fit's first call included (its classes= having set classes_)
    messages = []
    for cls in (GlassnetClassifier, MLPClassifier):
        est = cls(**SGD, warm_start=True)
        first = _error(lambda est=est: est.partial_fit(X, ONLY_0_2, classes=[0, 1, 2]))
        est = _quiet(cls(**SGD, warm_start=True).partial_fit, X, Y3, classes=[0, 1, 2])
        later = _error(lambda est=est: est.partial_fit(X[:20], ONLY_0_2[:20]))
        messages.append((first, later))
    assert messages[0] == messages[1]
    assert "warm_start can only be used where `y` has the same classes" in messages[0][1]
    assert "`y` has [0 2]" in messages[0][1]


def test_without_warm_start_a_batch_missing_classes_trains_against_every_class_as_mlp():
    kw = SGD | dict(momentum=0.5)
    ours, theirs = GlassnetClassifier(**kw), MLPClassifier(**kw)
    for i, y in enumerate([ONLY_0_2, Y3, ONLY_0_2, np.zeros(40, int)]):
        part = HALVES[i % 2]
        extra = dict(classes=[1, 2, 0]) if i == 0 else {}
        _quiet(ours.partial_fit, X[part], y[part], **extra)
        _quiet(theirs.partial_fit, X[part], y[part], **extra)
        _same(ours, theirs)
        assert ours.predict_proba(X).shape == (40, 3)


def test_boolean_labels_through_partial_fit_are_mlps():
    y = S > 0
    ours, theirs = GlassnetClassifier(**SGD), MLPClassifier(**SGD)
    for i in range(3):
        part = HALVES[i % 2]
        extra = dict(classes=[True, False]) if i == 0 else {}
        _quiet(ours.partial_fit, X[part], y[part], **extra)
        _quiet(theirs.partial_fit, X[part], y[part], **extra)
        _same(ours, theirs)
    assert list(ours.classes_) == list(theirs.classes_) == [False, True]
    got, want = ours.predict(X), theirs.predict(X)
    assert got.dtype == want.dtype == bool
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)


# --- what a fit leaves to partial_fit, and what a warm-started fit starts anew ---------------


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_partial_fit_after_fit_continues_the_fits_optimizer_as_mlp(estimator, learning_rate):
    # MLP keeps its _optimizer (velocity, invscaling/adaptive rate) from fit to partial_fit
    kw = SGD | dict(momentum=0.9, learning_rate=learning_rate, power_t=0.4, max_iter=4, tol=0.0)
    ours, theirs, y, _ = _pair(estimator, kw)
    _quiet(ours.fit, X, y)
    _quiet(theirs.fit, X, y)
    _same(ours, theirs)
    for part in HALVES * 2:
        _quiet(ours.partial_fit, X[part], y[part])
        _quiet(theirs.partial_fit, X[part], y[part])
        _same(ours, theirs)
    assert ours.t_ == 4 * 40 + 4 * 20


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling"])
@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_a_warm_started_fit_starts_a_new_optimizer_as_mlp(estimator, learning_rate):
    # MLP's fit (incremental=False) makes a new optimizer even when warm-started: no velocity,
    # the rate back at learning_rate_init for its first epoch, while t_ (samples seen) and the
    # loss curve carry over; after partial_fit calls too
    kw = SGD | dict(momentum=0.9, learning_rate=learning_rate, power_t=0.4, max_iter=3, tol=0.0,
                    warm_start=True)  # fmt: skip
    ours, theirs, y, extra = _pair(estimator, kw)
    for call, args, more in [("fit", (X, y), {}), ("fit", (X[::-1], y[::-1]), {})]:
        _quiet(getattr(ours, call), *args, **more)
        _quiet(getattr(theirs, call), *args, **more)
        _same(ours, theirs)
    ours, theirs = type(ours)(**kw), type(theirs)(**kw)
    for call, args, more in [("partial_fit", (X[:20], y[:20]), extra),
                             ("partial_fit", (X[20:], y[20:]), {}), ("fit", (X, y), {})]:  # fmt: skip
        _quiet(getattr(ours, call), *args, **more)
        _quiet(getattr(theirs, call), *args, **more)
        _same(ours, theirs)
    assert ours.t_ == 40 + 3 * 40


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_a_new_fit_takes_another_number_of_features_and_partial_fit_then_keeps_it_as_mlp(
    estimator,
):
    # a fit without warm_start starts over, the number of features included; a partial_fit
    # after it continues that fit and refuses the old number, in MLP's words
    X5 = np.c_[X, X[:, :2] ** 2]
    kw = SGD | dict(max_iter=2, tol=0.0)
    ours, theirs, y, _ = _pair(estimator, kw)
    messages = []
    for est in (ours, theirs):
        _quiet(est.fit, X, y)
        _quiet(est.fit, X5, y)
        assert est.n_features_in_ == 5 and est.coefs_[0].shape == (5, 4)
        messages.append(_error(lambda est=est: est.partial_fit(X, y)))
    _same(ours, theirs)
    assert messages[0] == messages[1].replace(type(theirs).__name__, type(ours).__name__)
    assert "X has 3 features" in messages[0]


# --- adaptive and its no-improvement count across calls -----------------------------------------


@pytest.mark.parametrize("learning_rate", ["adaptive", "constant", "invscaling"])
def test_the_no_improvement_count_and_adaptive_rate_cross_partial_fit_calls_as_mlp(learning_rate):
    # tol=1 makes every call count as no improvement: after n_iter_no_change + 1 calls MLP's
    # adaptive rate is divided by 5 and the count starts again (constant: it keeps counting,
    # as MLP's partial_fit never stops); down to 1e-6, where adaptive stops dividing
    kw = SGD | dict(momentum=0.5, learning_rate=learning_rate, tol=1.0, n_iter_no_change=2,
                    learning_rate_init=0.02)  # fmt: skip
    ours, theirs = GlassnetRegressor(**kw), MLPRegressor(**kw)
    counts = []
    for i in range(30):
        part = HALVES[i % 2]
        _quiet(ours.partial_fit, X[part], S[part])
        _quiet(theirs.partial_fit, X[part], S[part])
        _same(ours, theirs)
        counts.append(theirs._no_improvement_count)
    if learning_rate == "adaptive":
        assert counts[:8] == [0, 1, 2, 0, 1, 2, 0, 1]  # the first call improves on inf
        assert theirs._optimizer.learning_rate < 1e-6  # divided until it stopped dividing
    else:
        assert counts == list(range(30))


# --- Adam's moments and step count across calls -----------------------------------------------


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_adam_keeps_its_moments_and_step_count_across_partial_fit_calls(estimator):
    # glassnet's Adam puts epsilon outside the bias correction (docs/sklearn-differences.md):
    # the weights agree to ~5e-6 here (the loss to ~1e-6), where restarting the moments or the
    # step count t at a call would move each weight by up to learning_rate_init (1e-2) there
    # (tanh units: a relu unit that is nearly dead has second moments near epsilon**2, where
    # epsilon's place matters)
    kw = SGD | dict(solver="adam", learning_rate_init=0.01, activation="tanh")
    ours, theirs, y, extra = _pair(estimator, kw)
    for i in range(6):
        part = HALVES[i % 2]
        _quiet(ours.partial_fit, X[part], y[part], **(extra if i == 0 else {}))
        _quiet(theirs.partial_fit, X[part], y[part], **(extra if i == 0 else {}))
        for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                        strict=True):  # fmt: skip
            np.testing.assert_allclose(a, b, rtol=0, atol=5e-5)
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
        assert ours.t_ == theirs.t_
    # the step count: 2 batches per call, 6 calls
    assert theirs._optimizer.t == 12


# --- sample weights and targets across calls ---------------------------------------------------


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_weighted_partial_fit_calls_are_mlps(estimator):
    # one full batch per call (20 samples, batch_size=20): glassnet's weighted mean and MLP's
    # division by the batch's weight sum coincide, penalty included
    kw = SGD | dict(momentum=0.9, batch_size=20, alpha=0.05)
    sw = np.random.default_rng(2).uniform(0.1, 4.0, 40)
    ours, theirs, y, extra = _pair(estimator, kw)
    for i in range(4):
        part = HALVES[i % 2]
        w = sw[part] * (10.0 if i == 2 else 1.0)  # a call whose weights have another mean
        _quiet(ours.partial_fit, X[part], y[part], sample_weight=w, **(extra if i == 0 else {}))
        _quiet(theirs.partial_fit, X[part], y[part], sample_weight=w, **(extra if i == 0 else {}))
        _same(ours, theirs)


def test_a_column_y_and_a_flat_y_are_one_target_across_partial_fit_calls_as_mlp():
    ours, theirs = GlassnetRegressor(**SGD), MLPRegressor(**SGD)
    for i, y in enumerate([S[:, None], S, S[:, None]]):
        part = HALVES[i % 2]
        for est in (ours, theirs):
            if y.ndim == 2:
                with pytest.warns(DataConversionWarning, match="column-vector y"):
                    est.partial_fit(X[part], y[part])
            else:
                est.partial_fit(X[part], y[part])
        _same(ours, theirs)
    assert ours.n_outputs_ == theirs.n_outputs_ == 1
    assert ours.predict(X).shape == theirs.predict(X).shape == (40,)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)


def test_partial_fit_with_max_iter_1_does_not_warn_of_max_iter_as_mlp():
    # MLP's partial_fit leaves its loop before the max_iter check: no ConvergenceWarning
    for cls, y, extra in [(GlassnetClassifier, Y3, {"classes": [0, 1, 2]}),
                          (GlassnetRegressor, S, {}), (MLPClassifier, Y3, {"classes": [0, 1, 2]}),
                          (MLPRegressor, S, {})]:  # fmt: skip
        est = cls(**(SGD | dict(max_iter=1)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est.partial_fit(X, y, **extra)
            est.partial_fit(X, y)
        assert est.n_iter_ == 1


# --- classifier outputs that are not probabilities ---------------------------------------------


def _hand_forward(W0, b0, W1, b1, out):
    z = np.tanh(X @ W0 + b0) @ W1 + b1
    return {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "logistic":
            lambda v: 1 / (1 + np.exp(-v)), "identity": lambda v: v}[out](z)  # fmt: skip


def _documented_proba(out):
    """predict_proba's rule for outputs that are not a softmax: clipped at 0, each row divided by
    its sum; a row with nothing above 0 gives 1/n_classes each."""
    p = np.clip(out, 0.0, None)
    s = p.sum(axis=1, keepdims=True)
    return np.where(s > 0, p / np.where(s > 0, s, 1), 1.0 / out.shape[1])


@pytest.mark.parametrize("output", ["tanh", "relu", "logistic", "identity"])
def test_a_multiclass_classifier_with_outputs_that_are_not_probabilities(output):
    # predict is MLP's with the same weights and out_activation_ (MLP predicts the arg-max of
    # its output layer whatever the unit); predict_proba is the documented rule, by hand
    kw = SGD | dict(activation="tanh")
    ours = GlassnetClassifier(**kw, output=output, loss="mse")
    theirs = MLPClassifier(**kw)
    for i in range(2):
        extra = dict(classes=["c", "a", "b"]) if i == 0 else {}
        ys = np.array(["c", "a", "b"])[Y3]
        _quiet(ours.partial_fit, X[HALVES[i]], ys[HALVES[i]], **extra)
        _quiet(theirs.partial_fit, X[HALVES[i]], ys[HALVES[i]], **extra)
    assert ours.out_activation_ == output
    rng = np.random.default_rng(7)
    W0, b0 = rng.normal(0, 1.5, (3, 4)), rng.normal(0, 0.5, 4)
    W1, b1 = rng.normal(0, 1.5, (4, 3)), np.array([-0.5, 0.2, -1.0])
    for est in (ours, theirs):
        est.coefs_, est.intercepts_ = [W0.copy(), W1.copy()], [b0.copy(), b1.copy()]
    theirs.out_activation_ = output
    out = _hand_forward(W0, b0, W1, b1, output)
    if output in ("tanh", "relu", "identity"):
        assert (out.max(axis=1) <= 0).any()  # a row with nothing above 0
    assert not np.allclose(out.sum(axis=1), 1.0)  # not probabilities
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_array_equal(ours.predict(X), ours.classes_[out.argmax(axis=1)])
    proba = ours.predict_proba(X)
    np.testing.assert_allclose(proba, _documented_proba(out), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(ours.predict_log_proba(X), np.log(proba), rtol=1e-12)


@pytest.mark.parametrize("output", ["tanh", "relu", "identity"])
def test_a_binary_classifier_with_outputs_that_are_not_probabilities(output):
    # one unit: the label is MLP's (out > 0.5, with the same weights and out_activation_);
    # the documented probability is p = clip(out, 0, 1), [1 - p, p], where MLP's is unclipped
    kw = SGD | dict(activation="tanh")
    y = np.where(S > 0, 7, 3)
    ours = _quiet(GlassnetClassifier(**kw, output=output, loss="mse").partial_fit, X, y,
                  classes=[7, 3])  # fmt: skip
    theirs = _quiet(MLPClassifier(**kw).partial_fit, X, y, classes=[7, 3])
    rng = np.random.default_rng(3)
    W0, b0 = rng.normal(0, 1.5, (3, 4)), rng.normal(0, 0.5, 4)
    W1, b1 = rng.normal(0, 1.5, (4, 1)), np.array([0.4])
    for est in (ours, theirs):
        est.coefs_, est.intercepts_ = [W0.copy(), W1.copy()], [b0.copy(), b1.copy()]
    theirs.out_activation_ = output
    out = _hand_forward(W0, b0, W1, b1, output)[:, 0]
    assert ((out > 0) & (out < 0.5)).any() and (out > 0.5).any()
    assert (out > 1).any() or output == "tanh"
    assert (out < 0).any() or output == "relu"
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_array_equal(ours.predict(X), np.where(out > 0.5, 7, 3))
    p = np.clip(out, 0.0, 1.0)
    np.testing.assert_allclose(ours.predict_proba(X), np.c_[1 - p, p], rtol=1e-12, atol=1e-15)


def test_a_multiclass_classifier_with_sigmoid_units_trains_as_mlp_on_the_indicator_rows():
    # output="sigmoid" on three classes: one sigmoid unit per class under MLP's binary log loss,
    # which is MLP's multilabel network fed the one-hot rows; the label is the arg-max, and the
    # probabilities (not a distribution: they need not sum to 1) are the rows divided by their sum
    kw = SGD | dict(momentum=0.9)
    ours, theirs = GlassnetClassifier(**kw, output="sigmoid"), MLPClassifier(**kw)
    onehot = (Y3[:, None] == np.arange(3)).astype(int)
    for i in range(4):
        part, extra = HALVES[i % 2], (dict(classes=[0, 1, 2]) if i == 0 else {})
        _quiet(ours.partial_fit, X[part], Y3[part], **extra)
        _quiet(theirs.partial_fit, X[part], onehot[part], **extra)  # (the labels: columns)
        _same(ours, theirs)
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    units = theirs.predict_proba(X)  # MLP's multilabel outputs: the sigmoid units
    assert not np.allclose(units.sum(axis=1), 1.0)
    np.testing.assert_array_equal(ours.predict(X), units.argmax(axis=1))
    want = units / units.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ours.predict_proba(X), want, rtol=1e-9)


@pytest.mark.parametrize("output", ["identity", "tanh", "relu"])
@pytest.mark.parametrize("y", [Y3, (S > 0).astype(int)], ids=["multiclass", "binary"])
def test_the_log_loss_of_an_output_that_is_not_a_probability_is_refused(output, y):
    # README: a loss that does not fit the output is refused (losses.check_pairing): MLP's log
    # loss needs outputs in (0, 1); an identity, tanh or relu output trains with a loss named
    # for it (loss="mse")
    refusal = f"binary_log_loss needs every output in \\(0, 1\\).*'{output}'"
    with pytest.raises(ValueError, match=refusal):
        GlassnetClassifier(**SGD, output=output).partial_fit(X, y, classes=np.unique(y))
    _quiet(GlassnetClassifier(**SGD, output=output, loss="mse").partial_fit, X, y,
           classes=np.unique(y))  # fmt: skip


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine"])
def test_each_partial_fit_call_is_the_next_epoch_of_a_named_schedule(schedule):
    # documented (learning_rate): a glassnet schedule over max_iter epochs, each partial_fit
    # call its next epoch, calls past max_iter at its last epoch's factor. Plain SGD without momentum on the full batch in order has no state
    # but its weights, so call k must equal a constant-rate call at eta_0 times the schedule's
    # factor of epoch k, written out from glassnet.optimizers' documented formulas (before:
    # every call was epoch 0, so step, exponential and cosine trained as constant)
    import math

    E, lr0 = 4, 0.1
    factor = {
        "step": lambda e: 0.1 ** (e // max(1, E // 3)),
        "exponential": lambda e: 0.01 ** (e / E),
        "cosine": lambda e: (1 + math.cos(math.pi * min(e, E) / E)) / 2,
    }[schedule]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=12)
    common = dict(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, batch_size=12,
                  shuffle=False, random_state=0, max_iter=E)  # fmt: skip
    mine = GlassnetRegressor(learning_rate=schedule, learning_rate_init=lr0, **common)
    hand = GlassnetRegressor(learning_rate="constant", learning_rate_init=lr0, **common)
    for call in range(E + 2):  # calls past max_iter stay at the factor of epoch max_iter - 1
        e = min(call, E - 1)
        mine.partial_fit(X, y)
        hand.set_params(learning_rate_init=lr0 * factor(e)).partial_fit(X, y)
        for a, b in zip(mine.coefs_ + mine.intercepts_, hand.coefs_ + hand.intercepts_,
                        strict=True):  # fmt: skip
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert factor(1) != 1.0  # the schedule moves within the calls compared
