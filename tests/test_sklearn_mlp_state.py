"""MLP's training state as MLP's own code (and its tests) reach it, MLP the oracle.

Three things scikit-learn's ``test_mlp.py`` touches that are not parameters: weights and
bookkeeping set by hand on an estimator never fitted, which ``partial_fit`` and a ``warm_start``
fit continue from (MLP decides "first pass" by ``hasattr(self, "coefs_")``); the optimizer
object ``_optimizer`` and its ``learning_rate``; and the private ``_loss_grad_lbfgs``. Each is
compared with MLPClassifier / MLPRegressor doing the same, on full-batch problems where the
two algorithms take the same steps.
"""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer

from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

PAIRS = [(GlassnetClassifier, MLPClassifier), (GlassnetRegressor, MLPRegressor)]


def _data(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, X @ np.array([1.0, -2.0, 0.5])


def _quiet(call, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call(*args, **kw)


def _same(a, b, rtol=1e-12):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-15)


def _hand_set(est):
    """What MLP's test_fit sets on a never-fitted MLP, for a 3-2-1 network."""
    est.coefs_ = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0.0]]), np.array([[0.1], [0.2]])]
    est.intercepts_ = [np.array([0.1, 0.1]), np.array([1.0])]
    est.n_outputs_ = 1
    est.n_features_in_ = 3
    est.n_layers_ = 3
    est.n_iter_ = 0
    est.t_ = 0
    est.loss_curve_ = []
    est._no_improvement_count = 0
    classifier = isinstance(est, MLPClassifier | GlassnetClassifier)
    est.out_activation_ = "logistic" if classifier else "identity"
    est.best_loss_ = np.inf
    return est


# --- weights set by hand on an estimator never fitted ---------------------------------------


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_partial_fit_continues_from_hand_set_weights_as_mlp(ours, theirs, activation):
    X, s = _data()
    y = (s > 0).astype(int) if ours is GlassnetClassifier else s
    kw = dict(solver="sgd", learning_rate_init=0.1, alpha=0.1, activation=activation,
              hidden_layer_sizes=2, momentum=0.0, random_state=1)  # fmt: skip
    fit = {"classes": [0, 1]} if ours is GlassnetClassifier else {}
    mine, mlp = _hand_set(ours(**kw)), _hand_set(theirs(**kw))
    for _ in range(3):
        mine.partial_fit(X, y, **fit)
        mlp.partial_fit(X, y, **fit)
    _same(mine.coefs_ + mine.intercepts_, mlp.coefs_ + mlp.intercepts_)
    _same(mine.loss_curve_, mlp.loss_curve_)
    assert mine.t_ == mlp.t_ == 3 * len(X)
    assert mine.n_iter_ == mlp.n_iter_ == 1


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_a_warm_start_fit_continues_from_hand_set_weights_as_mlp(solver):
    X, s = _data()
    kw = dict(solver=solver, learning_rate_init=0.1, alpha=0.01, activation="tanh",
              hidden_layer_sizes=2, momentum=0.0, random_state=1, max_iter=5, shuffle=False,
              warm_start=True)  # fmt: skip
    mine, mlp = _hand_set(GlassnetRegressor(**kw)), _hand_set(MLPRegressor(**kw))
    mine.t_ = mlp.t_ = 40  # read, as MLP reads it: samples seen before
    mine.loss_curve_, mlp.loss_curve_ = [1.0], [1.0]
    _quiet(mine.fit, X, s)
    _quiet(mlp.fit, X, s)
    _same(mine.coefs_ + mine.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=1e-10)
    assert mine.n_iter_ == mlp.n_iter_
    if solver == "sgd":
        assert mine.t_ == mlp.t_ == 40 + 5 * len(X)
        _same(mine.loss_curve_, mlp.loss_curve_)


def test_without_warm_start_a_fit_starts_over_whatever_was_set():
    X, s = _data()
    kw = dict(hidden_layer_sizes=2, solver="sgd", random_state=1, max_iter=2)
    mine, fresh = _hand_set(GlassnetRegressor(**kw)), GlassnetRegressor(**kw)
    _quiet(mine.fit, X, s)
    _quiet(fresh.fit, X, s)
    _same(mine.coefs_ + mine.intercepts_, fresh.coefs_ + fresh.intercepts_, rtol=0)


def test_bookkeeping_mlp_needs_and_was_not_set_starts_as_mlps_first_pass():
    # MLP fails on the first missing one (AttributeError); glassnet starts them as MLP would
    X, s = _data()
    mine = _hand_set(GlassnetRegressor(hidden_layer_sizes=2, solver="sgd", momentum=0.0))
    for name in ("t_", "loss_curve_", "_no_improvement_count", "best_loss_", "n_layers_"):
        delattr(mine, name)
    mine.partial_fit(X, s)
    assert mine.t_ == len(X) and len(mine.loss_curve_) == 1 and mine.n_layers_ == 3
    assert mine.best_loss_ == mine.loss_curve_[0]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("t_", -1, "t_: expected an integer >= 0, got -1"),
        ("t_", 2.5, "t_: expected an integer >= 0, got 2.5"),
        ("_no_improvement_count", None, "_no_improvement_count: expected an integer >= 0, got None"),
        ("n_layers_", 4, "n_layers_: expected 3 (coefs_ has 2 arrays: input, hidden and output "
                         "layers), got 4"),
        ("n_outputs_", 2, "n_outputs_: expected 1 (the columns of coefs_[-1]), got 2"),
        ("loss_curve_", 0.5, "loss_curve_: expected a list of the losses so far, got 0.5"),
        ("best_loss_", "low", "best_loss_: expected a number or None, got 'low'"),
        ("coefs_", [0, 0], "coefs_[0]: expected a 2-D array of numbers (n_in, n_out), got 0"),
        ("coefs_", np.ones((3, 2)), "coefs_: expected a list of 2-D weight arrays, one per layer"),
        ("intercepts_", [np.zeros(2), np.zeros(2)], "intercepts_[1]: expected shape (1,), got (2,)"),
    ],
)  # fmt: skip
def test_inconsistent_hand_set_state_is_refused_naming_it(name, value, message):
    X, s = _data()
    est = _hand_set(GlassnetRegressor(hidden_layer_sizes=2, solver="sgd"))
    setattr(est, name, value)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        est.partial_fit(X, s)


def test_hand_set_weights_that_do_not_fit_the_parameters_or_data_are_refused():
    X, s = _data()
    est = _hand_set(GlassnetRegressor(hidden_layer_sizes=3, solver="sgd", warm_start=True))
    with pytest.raises(ValueError, match=r"hand-set coefs_ and out_activation_ make layers"):
        _quiet(est.fit, X, s)
    est = _hand_set(GlassnetRegressor(hidden_layer_sizes=2, solver="sgd"))
    del est.n_features_in_
    with pytest.raises(ValueError, match=r"layers \[3, 2, 1\].*ask for \[4, 2, 1\]"):
        est.partial_fit(np.c_[X, X[:, 0]], s)


# --- _optimizer: the optimizer object and its learning_rate ---------------------------------


def _rates(est, X, y, calls):
    seen = []
    for call in calls:
        _quiet(getattr(est, call), X, y)
        seen.append(est._optimizer.learning_rate)
    return seen


@pytest.mark.parametrize(
    "kw",
    [
        dict(solver="sgd", learning_rate="constant"),
        dict(solver="sgd", learning_rate="invscaling", power_t=0.25),
        dict(solver="sgd", learning_rate="invscaling", momentum=0.0),
        dict(solver="sgd", learning_rate="adaptive", tol=0.5, max_iter=60),
        dict(solver="adam"),
        dict(solver="adam", batch_size=5, beta_1=0.5, beta_2=0.9),
    ],
)
@pytest.mark.parametrize("warm_start", [False, True])
def test_the_optimizers_learning_rate_is_mlps(kw, warm_start):
    X, s = _data()
    kw = dict(hidden_layer_sizes=(3,), random_state=0, max_iter=7, warm_start=warm_start) | kw
    mine, mlp = GlassnetRegressor(**kw), MLPRegressor(**kw)
    calls = ["fit", "partial_fit", "partial_fit", "fit", "partial_fit"]
    assert _rates(mine, X, s, calls) == _rates(mlp, X, s, calls)  # bit for bit
    if kw["solver"] == "adam":
        assert mine._optimizer.t == mlp._optimizer.t > 0
    assert mine._optimizer.learning_rate_init == mlp._optimizer.learning_rate_init


def test_adaptive_divides_the_rate_by_five_until_it_is_below_1e_6_as_mlp():
    X, y = [[3, 2], [1, 6]], [1, 0]
    mine, mlp = (
        est(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive", random_state=0)
        for est in (GlassnetClassifier, MLPClassifier)
    )
    mine.fit(X, y)
    mlp.fit(X, y)
    assert mine._optimizer.learning_rate == mlp._optimizer.learning_rate < 1e-6
    assert mine.n_iter_ == mlp.n_iter_


def test_a_learning_rate_set_by_hand_is_the_next_partial_fits_as_in_mlp():
    X, s = _data()
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", random_state=0, learning_rate_init=0.05)
    mine, mlp = GlassnetRegressor(**kw), MLPRegressor(**kw)
    for rate in (None, 0.01, 0.2):
        for est in (mine, mlp):
            if rate is not None:
                est._optimizer.learning_rate = rate
            est.partial_fit(X, s)
    _same(mine.coefs_ + mine.intercepts_, mlp.coefs_ + mlp.intercepts_)


# --- _loss_grad_lbfgs: MLP's private objective ------------------------------------------------


def _work_lists(layer_units, n):
    activations, deltas, coef_grads, intercept_grads = [None], [], [], []
    for a, b in itertools.pairwise(layer_units):
        activations.append(np.empty((n, b)))
        deltas.append(np.empty((n, b)))
        coef_grads.append(np.empty((a, b)))
        intercept_grads.append(np.empty(b))
    return activations, deltas, coef_grads, intercept_grads


@pytest.mark.parametrize(
    ("ours", "theirs", "kind", "kw"),
    [
        (GlassnetClassifier, MLPClassifier, "binary", dict(activation="logistic")),
        (GlassnetClassifier, MLPClassifier, "multiclass", dict(activation="relu")),
        (GlassnetClassifier, MLPClassifier, "multilabel", dict(activation="tanh")),
        (GlassnetRegressor, MLPRegressor, "one", dict(activation="identity")),
        (GlassnetRegressor, MLPRegressor, "one", dict(loss="poisson", activation="tanh")),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_grad_lbfgs_is_mlps_at_the_same_packed_parameters(ours, theirs, kind, kw, weighted):
    X, s = _data()
    y = {
        "binary": (s > 0).astype(int),
        "multiclass": np.digitize(s, [-1.0, 1.0]),
        "multilabel": np.c_[s > 0, X[:, 0] > 0].astype(int),
        "one": np.abs(s) if kw.get("loss") == "poisson" else s,
    }[kind]
    kw = dict(hidden_layer_sizes=(4, 3), solver="lbfgs", alpha=0.3, max_iter=2,
              random_state=0) | kw  # fmt: skip
    mine, mlp = _quiet(ours(**kw).fit, X, y), _quiet(theirs(**kw).fit, X, y)
    Y = y[:, None] if y.ndim == 1 else y
    if ours is GlassnetClassifier:
        Y = LabelBinarizer().fit(y).transform(y)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, len(X)) if weighted else None
    theta = np.random.RandomState(2).uniform(-1, 1, sum(c.size for c in mlp.coefs_) + sum(
        b.size for b in mlp.intercepts_))  # fmt: skip
    units = [3, 4, 3, mlp.n_outputs_]
    lists_mine, lists_mlp = _work_lists(units, len(X)), _work_lists(units, len(X))
    lists_mine[0][0] = lists_mlp[0][0] = X
    value, grad = mine._loss_grad_lbfgs(theta, X, Y, sw, *lists_mine)
    value_mlp, grad_mlp = mlp._loss_grad_lbfgs(theta, X, Y, sw, *lists_mlp)
    np.testing.assert_allclose(value, value_mlp, rtol=1e-12)
    np.testing.assert_allclose(grad, grad_mlp, rtol=1e-10, atol=1e-15)
    for a, b in zip(lists_mine, lists_mlp, strict=True):  # the work lists, as MLP fills them
        _same(a, b, rtol=1e-10)
    # and the model is now at theta, as MLP's _unpack leaves it
    _same(mine.coefs_ + mine.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=0)
    np.testing.assert_allclose(mine.predict(X), mlp.predict(X), rtol=1e-12)


def test_loss_grad_lbfgs_refuses_a_bias_it_cannot_pack_as_mlp():
    X, s = _data()
    est = _quiet(GlassnetRegressor(hidden_layer_sizes=(2,), solver="lbfgs", bias="layer",
                                   max_iter=2).fit, X, s)  # fmt: skip
    with pytest.raises(ValueError, match="expected bias='neuron', got bias='layer'"):
        est._loss_grad_lbfgs(np.zeros(11), X, s, None, [X, None, None], [None] * 2,
                             [None] * 2, [None] * 2)  # fmt: skip


@pytest.mark.parametrize("schedule", ["invscaling", "cosine"])
def test_the_optimizer_pickles_with_the_estimator_and_goes_on_as_before(schedule):
    import pickle

    X, s = _data()
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", random_state=0, learning_rate=schedule)
    est = GlassnetRegressor(**kw).partial_fit(X, s)
    copy = pickle.loads(pickle.dumps(est))
    assert copy._optimizer.learning_rate == est._optimizer.learning_rate
    est.partial_fit(X, s)
    copy.partial_fit(X, s)
    _same(copy.coefs_ + copy.intercepts_, est.coefs_ + est.intercepts_, rtol=0)
