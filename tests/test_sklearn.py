"""Tests of glassnet.sklearn: scikit-learn's estimator checks, exact agreement with
MLPClassifier/MLPRegressor where the algorithms coincide, matched cross-validation, pipelines,
grid search, partial_fit, warm start and pickling (tests/test_sklearn_parity.py: the rest of
MLP's interface, MLP itself the oracle)."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet as gn
from glassnet.sklearn import SQUARED_ERROR, GlassnetClassifier, GlassnetRegressor, sklearn_init

no_convergence_warning = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


# --- scikit-learn's own estimator checks ----------------------------------------------------

# Small networks and few epochs keep the ~300 checks quick. No check is expected to fail, so
# no expected_failed_checks are declared. Two instances exercise glassnet's own choices.
CHECKED = [
    GlassnetClassifier((10,), learning_rate_init=0.01, max_iter=100, random_state=0),
    GlassnetClassifier((10,), solver="lbfgs", max_iter=50, random_state=0),
    GlassnetRegressor(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=100, random_state=0),
    GlassnetClassifier(
        (8, 6),
        activation=("tanh", "elu"),
        solver="sgd",
        learning_rate_init=0.05,
        max_iter=60,
        bias="layer",
        init="he",
        random_state=0,
    ),
    GlassnetRegressor(
        hidden_layer_sizes=(10,),
        activation="gelu",
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.002,
        max_iter=100,
        bias="none",
        init="xavier",
        loss="huber",
        random_state=0,
    ),
]  # fmt: skip


@no_convergence_warning
@parametrize_with_checks(CHECKED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --- the same numbers as scikit-learn where the algorithms coincide -------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"momentum": 0.0},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterovs_momentum": False},
        {"learning_rate": "invscaling", "power_t": 0.25, "learning_rate_init": 1.0},
        {"learning_rate": "adaptive", "tol": 1e-3, "n_iter_no_change": 2, "max_iter": 200},
        {"activation": "logistic"},
        {"activation": "tanh", "hidden_layer_sizes": (6, 5)},
    ],
)
@no_convergence_warning
def test_full_batch_sgd_equals_mlpregressor(diabetes, extra):
    # Full-batch SGD has no randomness beyond the initial draw, which init="sklearn"
    # reproduces: every epoch's loss and the final weights agree to rounding.
    X, y = diabetes
    base = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=442, learning_rate_init=0.02,
                max_iter=60, random_state=1, alpha=0.01)  # fmt: skip
    kw = {**base, **extra}
    ours, theirs = GlassnetRegressor(**kw).fit(X, y), MLPRegressor(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "extra",
    [{"max_iter": 50}, {"max_iter": 200, "alpha": 0.1}, {"max_iter": 30, "activation": "tanh"}],
)
@no_convergence_warning
def test_lbfgs_equals_mlpclassifier(iris, extra):
    X, y = iris
    kw = {"hidden_layer_sizes": (6,), "solver": "lbfgs", "random_state": 0, **extra}
    ours, theirs = GlassnetClassifier(**kw).fit(X, y), MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == len(ours.loss_curve_)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    assert ours.loss_curve_[-1] == ours.loss_
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    assert not hasattr(ours, "partial_fit")  # as scikit-learn: only for stochastic solvers


@no_convergence_warning
def test_lbfgs_weighted_regression_equals_mlpregressor(diabetes):
    # (long L-BFGS runs drift apart by rounding: the comparison stops at 40 iterations)
    Xd, yd = diabetes
    kw = {"hidden_layer_sizes": (6,), "solver": "lbfgs", "random_state": 0, "max_iter": 40,
          "alpha": 1.0}  # fmt: skip
    sw = np.random.default_rng(0).uniform(0.2, 3.0, len(yd))
    ours = GlassnetRegressor(**kw).fit(Xd, yd, sample_weight=sw)
    theirs = MLPRegressor(**kw).fit(Xd, yd, sample_weight=sw)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    np.testing.assert_allclose(ours.predict(Xd), theirs.predict(Xd), atol=1e-8)


@no_convergence_warning
def test_initial_weights_are_sklearns(iris):
    X, y = iris
    for activation in ("relu", "logistic"):
        kw = dict(hidden_layer_sizes=(5, 4), activation=activation, max_iter=1, random_state=7)
        ours = GlassnetClassifier(**kw, learning_rate_init=1e-12).fit(X, y)
        theirs = MLPClassifier(**kw, learning_rate_init=1e-12).fit(X, y)
        for a, b in zip(
            ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
        ):
            np.testing.assert_allclose(a, b, atol=1e-10)
    # the initializer alone: sklearn's bound sqrt(6 / (n_in + n_out)), biases drawn too
    W, b = sklearn_init("relu").draw(0, [(3, 2)], [(1, 2)])
    rs, r = np.random.RandomState(0), np.sqrt(6 / 5)
    np.testing.assert_array_equal(W[0], rs.uniform(-r, r, (3, 2)))
    np.testing.assert_array_equal(b[0], rs.uniform(-r, r, 2)[None])
    W, b = sklearn_init("sigmoid").draw(0, [(3, 2)], [None])
    r = np.sqrt(2 / 5)
    np.testing.assert_array_equal(W[0], np.random.RandomState(0).uniform(-r, r, (3, 2)))
    assert b == [None]


@no_convergence_warning
def test_adam_classifier_matches_mlpclassifier(iris):
    # adam's epsilon sits in a slightly different place (outside vs inside the bias
    # correction), so agreement is close rather than exact
    X, y = iris
    kw = dict(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=300, random_state=0)
    ours, theirs = GlassnetClassifier(**kw).fit(X, y), MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 242
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)
    assert ours.score(X, y) == theirs.score(X, y) == pytest.approx(0.98)


@no_convergence_warning
def test_binary_multioutput_weighted_and_partial_fit_match(iris, diabetes):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=150, learning_rate_init=0.02,
              max_iter=40, random_state=1, alpha=0.01)  # fmt: skip
    yb = np.where(y == 1, "versicolor", "other")
    ours, theirs = GlassnetClassifier(**kw).fit(X, yb), MLPClassifier(**kw).fit(X, yb)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)
    assert list(ours.classes_) == ["other", "versicolor"]
    assert (ours.predict(X) == theirs.predict(X)).all()

    # partial_fit keeps the optimizer's velocity between calls, as scikit-learn does
    ours, theirs = GlassnetClassifier(**kw), MLPClassifier(**kw)
    for _ in range(5):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        theirs.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)
    assert ours.t_ == theirs.t_ == 750 and ours.n_iter_ == 1 and len(ours.loss_curve_) == 5

    Xd, yd = diabetes
    kw["batch_size"] = len(yd)
    sw = np.random.default_rng(0).uniform(0.2, 3.0, len(yd))
    ours = GlassnetRegressor(**kw).fit(Xd, yd, sample_weight=sw)
    theirs = MLPRegressor(**kw).fit(Xd, yd, sample_weight=sw)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)

    Y2 = np.c_[yd, Xd[:, 0] - 2 * yd]
    ours, theirs = GlassnetRegressor(**kw).fit(Xd, Y2), MLPRegressor(**kw).fit(Xd, Y2)
    assert ours.predict(Xd).shape == (len(yd), 2)
    np.testing.assert_allclose(ours.predict(Xd), theirs.predict(Xd), atol=1e-12)
    # same gradient; the reported loss is the objective (1/2n) sum ||.||^2, which scikit-learn
    # reports divided by n_outputs (its L2 term undivided)
    assert ours.loss_curve_[0] > 1.9 * theirs.loss_curve_[0]


def test_loss_scale(diabetes):
    # squared_error is scikit-learn's half mean squared error; glassnet's mse is twice that
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(4,), max_iter=1, alpha=0.0, random_state=0, batch_size=442)
    with pytest.warns(ConvergenceWarning):
        half = GlassnetRegressor(**kw).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        full = GlassnetRegressor(loss="mse", **kw).fit(X, y)
    start = GlassnetRegressor(**kw)
    start.network_ = gn.Network([10, 4, 1], activation="relu", output="identity",
                                init=sklearn_init("relu"), seed=0)  # fmt: skip
    residual = start.network_.predict(X)[:, 0] - y
    assert half.loss_curve_[0] == pytest.approx(0.5 * np.mean(residual**2), rel=1e-12)
    assert full.loss_curve_[0] == pytest.approx(np.mean(residual**2), rel=1e-12)
    assert SQUARED_ERROR.value(residual[:, None], 0 * residual[:, None]) == pytest.approx(
        0.5 * np.mean(residual**2)
    )


# --- matched cross-validation (the full 5-fold table: examples/sklearn_match.py) ------------


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("iris", dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100)),
        (
            "digits",
            dict(hidden_layer_sizes=(32,), learning_rate_init=0.002, batch_size=128, max_iter=15),
        ),
        (
            "diabetes",
            dict(
                hidden_layer_sizes=(16,),
                activation="tanh",
                solver="sgd",
                learning_rate_init=0.005,
                batch_size=32,
                alpha=0.01,
                max_iter=30,
            ),
        ),
    ],
)
def test_matched_cross_validation_within_two_points(name, settings):
    loader = {"iris": load_iris, "digits": load_digits, "diabetes": load_diabetes}[name]
    X, y = loader(return_X_y=True)
    settings = {**settings, "tol": 0.0, "n_iter_no_change": settings["max_iter"], "random_state": 0}
    if name == "diabetes":
        cv, metric = KFold(3, shuffle=True, random_state=0), "r2"
        pair = [TransformedTargetRegressor(E(**settings), transformer=StandardScaler())
                for E in (GlassnetRegressor, MLPRegressor)]  # fmt: skip
    else:
        cv, metric = StratifiedKFold(3, shuffle=True, random_state=0), "accuracy"
        pair = [E(**settings) for E in (GlassnetClassifier, MLPClassifier)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = (
            cross_val_score(make_pipeline(StandardScaler(), e), X, y, cv=cv, scoring=metric).mean()
            for e in pair
        )
    floor = {"iris": 0.9, "digits": 0.9, "diabetes": 0.35}[name]
    assert ours > floor and theirs > floor
    assert abs(ours - theirs) < 0.02


# --- scikit-learn machinery -----------------------------------------------------------------


@no_convergence_warning
def test_pipeline_and_grid_search(iris):
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), GlassnetClassifier(max_iter=60, random_state=0))
    grid = GridSearchCV(
        pipe,
        {
            "glassnetclassifier__hidden_layer_sizes": [(4,), (16,)],
            "glassnetclassifier__learning_rate_init": [0.001, 0.02],
        },
        cv=3,
    )
    grid.fit(X, y)
    assert grid.best_params_ == {
        "glassnetclassifier__hidden_layer_sizes": (16,),
        "glassnetclassifier__learning_rate_init": 0.02,
    }
    assert grid.best_score_ > 0.9
    assert grid.score(X, y) > 0.9
    assert set(grid.cv_results_["params"][0]) == set(grid.best_params_)


@no_convergence_warning
def test_pickle_round_trip(iris, tmp_path):
    X, y = iris
    clf = GlassnetClassifier((6,), activation="gelu", max_iter=30, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    assert again.get_params() == clf.get_params()
    np.testing.assert_array_equal(again.loss_curve_, clf.loss_curve_)
    assert again.network_.config() == clf.network_.config()
    # coefs_ stay views of the network's weights after unpickling
    assert np.shares_memory(again.coefs_[0], again.network_.layers[0].W)
    # and training continues where it stopped, optimizer state included
    a, b = copy.deepcopy(clf), pickle.loads(pickle.dumps(clf))
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # the network itself goes to a pickle-free model file
    clf.network_.save(tmp_path / "iris.npz")
    np.testing.assert_array_equal(
        gn.load(tmp_path / "iris.npz").predict(X), clf.network_.predict(X)
    )
    reg = GlassnetRegressor(hidden_layer_sizes=(3,), bias="layer", max_iter=5, random_state=0)
    reg.fit(X, y.astype(float))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X))


# --- the estimator's own behaviour ----------------------------------------------------------


@no_convergence_warning
def test_labels_probabilities_and_attributes(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = GlassnetClassifier((8,), learning_rate_init=0.01, max_iter=150, random_state=0)
    assert clf.fit(X, names) is clf
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.predict(X) == clf.classes_[proba.argmax(axis=1)]).all()
    assert clf.score(X, names) > 0.95
    assert clf.n_features_in_ == 4 and clf.n_outputs_ == 3 and clf.n_layers_ == 3
    assert clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(4, 8), (8, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (3,)]
    assert isinstance(clf.network_, gn.Network) and isinstance(clf.history_, gn.History)
    assert clf.history_.epochs_run == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None
    # glassnet's own head: tanh01 outputs trained with mse; probabilities still normalized
    other = GlassnetClassifier((8,), output="tanh01", loss="mse", learning_rate_init=0.01,
                               max_iter=100, random_state=0).fit(X, y)  # fmt: skip
    assert other.out_activation_ == "tanh01"
    np.testing.assert_allclose(other.predict_proba(X).sum(axis=1), 1.0)
    assert other.score(X, y) > 0.8
    # multilabel indicator targets: one sigmoid per label
    Y = np.c_[y == 0, y == 2].astype(int)
    ml = GlassnetClassifier((8,), learning_rate_init=0.01, max_iter=100, random_state=0)
    ml.fit(X, Y)
    assert ml.predict(X).shape == (150, 2) and ml.out_activation_ == "logistic"
    assert ml.score(X, Y) > 0.9


def test_early_stopping_keeps_the_best_epoch(iris):
    # full-batch sgd: the same split (MLP's RandomState after the initial draws), the same
    # validation scores, the same stopping epoch and the same best weights as MLP
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.1,
              early_stopping=True, validation_fraction=0.2, max_iter=500, random_state=0)  # fmt: skip
    clf, mlp = GlassnetClassifier(**kw).fit(X, y), MLPClassifier(**kw).fit(X, y)
    assert clf.n_iter_ == mlp.n_iter_ < 500
    assert clf.validation_scores_ == mlp.validation_scores_
    assert clf.best_validation_score_ == max(clf.validation_scores_) and clf.best_loss_ is None
    np.testing.assert_allclose(clf.loss_curve_, mlp.loss_curve_, rtol=1e-12)
    for ours, theirs in zip(clf.coefs_, mlp.coefs_, strict=True):  # the best epoch's weights
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        clf.partial_fit(X, y)


@no_convergence_warning
def test_warm_start_continues(diabetes):
    X, y = diabetes
    reg = GlassnetRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=20,
                            warm_start=True, random_state=0)  # fmt: skip
    first = reg.fit(X, y).loss_curve_[-1]
    W = reg.coefs_[0].copy()
    reg.fit(X, y)
    assert len(reg.loss_curve_) == 40 and reg.loss_curve_[20] < reg.loss_curve_[0]
    assert reg.loss_curve_[-1] < first
    assert not np.allclose(W, reg.coefs_[0])
    reg.set_params(hidden_layer_sizes=(9,))
    with pytest.raises(ValueError, match="warm_start"):
        reg.fit(X, y)
    cold = clone(reg).set_params(warm_start=False, hidden_layer_sizes=(8,), max_iter=20)
    np.testing.assert_allclose(cold.fit(X, y).loss_curve_, reg.loss_curve_[:20])


def test_partial_fit_needs_classes_and_learns(iris):
    X, y = iris
    clf = GlassnetClassifier((8,), learning_rate_init=0.02, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y)
    for _ in range(30):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, np.full(len(y), 7))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "ten"}, "hidden_layer_sizes"),
        ({"activation": "swishy"}, "activation"),
        ({"activation": "softmax"}, "activation"),
        ({"solver": "newton"}, "solver"),
        ({"learning_rate": "warmup"}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"momentum": 1.5}, "momentum"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"bias": "unit"}, "bias"),
        ({"init": "zeros"}, "init"),
        ({"output": "softmax"}, "output"),
    ],
)
def test_bad_parameters_fail_in_fit_naming_the_parameter(params, match):
    X = np.zeros((6, 2))
    y = np.array([0, 1] * 3)
    clf = GlassnetClassifier(**params)  # __init__ only stores
    assert clf.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_divergence_is_a_value_error(diabetes):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=50.0, max_iter=50,
              random_state=0)  # fmt: skip
    messages = []
    for est in (GlassnetRegressor(**kw), MLPRegressor(**kw)):  # both run on, warn, then fail
        with pytest.warns(ConvergenceWarning), pytest.raises(ValueError) as info:
            with np.errstate(all="ignore"):
                est.fit(X * 100, y)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "non-finite parameter weights" in messages[0]
