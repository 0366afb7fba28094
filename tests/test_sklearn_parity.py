"""GlassnetClassifier / GlassnetRegressor against MLPClassifier / MLPRegressor, MLP the oracle.

Every test runs the installed scikit-learn's MLP on the same tiny problem and asks glassnet for
the same answer: parameters and defaults, fitted attributes (names, shapes, dtypes), methods,
verbose output, warnings (category and filterability), exceptions (type and words), and the
behaviours of issue 14 (float32, n_iter_no_change=inf, one class, rare classes, partial_fit,
divergence under early stopping, Poisson regression, hand-set weights, the backend parameter).
Full-batch ``"sgd"`` is where the two algorithms coincide, so most comparisons use it and
expect agreement to rounding.
"""

from __future__ import annotations

import inspect
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils._param_validation import InvalidParameterError

from glassnet import sklearn as gsk
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

PAIRS = [(GlassnetClassifier, MLPClassifier), (GlassnetRegressor, MLPRegressor)]
# glassnet's own parameters; everything else is MLP's
EXTRA = {"output", "init", "bias", "backend"}
# full-batch sgd without momentum: glassnet and MLP take the same steps
SGD = dict(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, learning_rate_init=0.1,
           random_state=0)  # fmt: skip


def _data(n: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, X @ np.array([1.0, -2.0, 0.5])


def _targets(kind: str, X: np.ndarray, s: np.ndarray) -> np.ndarray:
    return {
        "binary": (s > 0).astype(int),
        "multiclass": np.digitize(s, [-1.0, 1.0]),
        "multilabel": np.c_[s > 0, X[:, 0] > 0].astype(int),
        "one": s,
        "two": np.c_[s, X[:, 1]],
    }[kind]


def _both(ours: type, theirs: type, **kw) -> tuple:
    return ours(**kw), theirs(**kw)


def _quiet_fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


# --- the class, walked systematically ------------------------------------------------------


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_every_parameter_has_mlps_name_default_and_position(ours, theirs):
    mine, mlp = ours().get_params(), theirs().get_params()
    for name, default in mlp.items():
        assert name in mine, name
        assert mine[name] == default, name
    extra = set(mine) - set(mlp)
    # MLPClassifier's loss is fixed ("log_loss", an attribute, not a parameter)
    assert extra == EXTRA | ({"loss"} if ours is GlassnetClassifier else set())
    assert ours().loss == theirs().loss
    assert ours().backend == "numpy"

    # the same positional parameters, in the same order; the rest keyword-only in both
    def positional(cls):
        sig = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in sig if p.kind == p.POSITIONAL_OR_KEYWORD and p.name != "self"]

    assert positional(ours) == positional(theirs)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_every_public_method_of_mlp_exists_with_its_arguments(ours, theirs):
    for name, member in inspect.getmembers(theirs, callable):
        if name.startswith("_") or isinstance(member, type):
            continue
        assert hasattr(ours, name), name
        want = list(inspect.signature(member).parameters)
        got = list(inspect.signature(getattr(ours, name)).parameters)
        assert got[: len(want)] == want, name


def _fitted_state(est) -> dict:
    return {k: v for k, v in vars(est).items() if k.endswith("_") or k == "_no_improvement_count"}


def _describe(value) -> object:
    """Type, shape and dtype of an attribute's value (recursing into lists)."""
    if isinstance(value, list):
        return ("list", len(value), _describe(value[0]) if value else None)
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype)
    if isinstance(value, np.floating | float):
        return ("float", np.asarray(value).dtype if isinstance(value, np.floating) else None)
    if isinstance(value, bool | np.bool_) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | np.integer):
        return "int"
    return type(value).__name__


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize(
    ("kind", "early"),
    [("binary", False), ("multiclass", True), ("multilabel", False), ("one", True),
     ("two", False)],
)  # fmt: skip
def test_fitted_attributes_have_mlps_names_shapes_and_dtypes(kind, early, solver, dtype):
    X, s = _data()
    X = X.astype(dtype)
    y = _targets(kind, X, s)
    ours, theirs = PAIRS[0] if kind in ("binary", "multiclass", "multilabel") else PAIRS[1]
    kw = dict(hidden_layer_sizes=(4,), solver=solver, max_iter=3, random_state=0,
              early_stopping=early and solver != "lbfgs", validation_fraction=0.3)  # fmt: skip
    g, m = _quiet_fit(ours(**kw), X, y), _quiet_fit(theirs(**kw), X, y)
    mine, mlp = _fitted_state(g), _fitted_state(m)
    for name, value in mlp.items():
        assert name in mine, name
        want, got = _describe(value), _describe(mine[name])
        if solver == "lbfgs" and name in ("coefs_", "intercepts_"):
            # MLP's lbfgs hands back scipy's float64 vector; glassnet keeps X's dtype
            want = repr(want).replace("float64", "float32") if dtype == np.float32 else want
            got = repr(got) if dtype == np.float32 else got
        if name in ("loss_", "best_loss_") and solver == "lbfgs":
            want, got = "float", "float" if isinstance(mine[name], float) else got
        if name == "validation_scores_" or name == "best_validation_score_":
            want, got = repr(want).replace("int", "float"), repr(got).replace("int", "float")
        assert got == want, (name, got, want)
    # the outputs: the same shapes and dtypes (but see lbfgs above)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        if hasattr(m, method) and not (solver == "lbfgs" and dtype == np.float32):
            with np.errstate(divide="ignore"):
                a, b = getattr(g, method)(X), getattr(m, method)(X)
            assert (a.shape, a.dtype) == (b.shape, b.dtype), method


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_tags_are_mlps(ours, theirs):
    mine, mlp = ours().__sklearn_tags__(), theirs().__sklearn_tags__()
    if ours is GlassnetRegressor:  # MLPRegressor fits several targets but does not say so
        assert mine.target_tags.multi_output and not mlp.target_tags.multi_output
        mlp.target_tags.multi_output = True
    assert mine == mlp


def test_keyboard_interrupt_keeps_the_model_like_mlp(monkeypatch):
    X, s = _data()
    real_record, real_update = (
        gsk._SklearnStopping.record,
        MLPRegressor._update_no_improvement_count,
    )

    def record(self, *args, **kwargs):
        stop = real_record(self, *args, **kwargs)
        if self.est.n_iter_ == 2:
            raise KeyboardInterrupt
        return stop

    def update(self, *args):
        real_update(self, *args)
        if self.n_iter_ == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(gsk._SklearnStopping, "record", record)
    monkeypatch.setattr(MLPRegressor, "_update_no_improvement_count", update)
    g, m = _both(GlassnetRegressor, MLPRegressor, **SGD, max_iter=10)
    for est in (g, m):
        with pytest.warns(UserWarning, match="Training interrupted by user."):
            est.fit(X, s)
    assert g.n_iter_ == m.n_iter_ == 2 and g.history_.stopped_by == "KeyboardInterrupt"
    np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(g.predict(X), m.predict(X), rtol=1e-10)


# --- the numbered differences of issue 14 --------------------------------------------------


def test_no_hidden_layer_and_logistic_range_like_mlp():
    # MLP's initial range sqrt(2 / (n_in + n_out)) for "logistic" holds with no hidden layer
    X, s = _data()
    y = (s > 0).astype(int)
    kw = dict(SGD, hidden_layer_sizes=(), activation="logistic", max_iter=5)
    g, m = _quiet_fit(GlassnetClassifier(**kw), X, y), _quiet_fit(MLPClassifier(**kw), X, y)
    assert g.n_layers_ == m.n_layers_ == 2
    np.testing.assert_allclose(g.coefs_[0], m.coefs_[0], rtol=1e-12)
    np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-12)


def test_n_iter_no_change_inf_never_stops_and_warm_starts():
    X, s = _data()
    kw = dict(SGD, n_iter_no_change=np.inf, tol=1e9, max_iter=4, warm_start=True)
    for est in (GlassnetRegressor(**kw), MLPRegressor(**kw)):
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            est.fit(X, s)
        with pytest.warns(ConvergenceWarning):
            est.fit(X, s)
        assert est.n_iter_ == 4 and len(est.loss_curve_) == 8
        # every epoch after the first fails to improve by tol=1e9, across the warm start
        assert est._no_improvement_count == len(est.loss_curve_) - 1


def test_float32_flows_through_like_mlp():
    X, s = _data()
    X = X.astype(np.float32)
    y = (s > 0).astype(int)
    g, m = _both(GlassnetClassifier, MLPClassifier, **SGD, max_iter=5)
    _quiet_fit(g, X, y), _quiet_fit(m, X, y)
    assert g.network_.dtype == np.float32
    for a, b in zip(g.coefs_ + g.intercepts_, m.coefs_ + m.intercepts_, strict=True):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert type(g.loss_) is type(m.loss_) is np.float64
    np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-5)
    assert g.predict_proba(X).dtype == m.predict_proba(X).dtype == np.float32


def test_one_class_fits_and_predicts_it_like_mlp():
    X, _ = _data()
    y = np.full(len(X), "only")
    g, m = _both(GlassnetClassifier, MLPClassifier, **SGD, max_iter=3)
    _quiet_fit(g, X, y), _quiet_fit(m, X, y)
    assert list(g.classes_) == list(m.classes_) == ["only"]
    assert (g.predict(X) == "only").all()
    assert g.predict_proba(X).shape == m.predict_proba(X).shape == (len(X), 2)
    np.testing.assert_allclose(g.predict_proba(X), m.predict_proba(X), rtol=1e-10)


def test_a_class_too_rare_to_stratify_raises_like_mlp():
    X = np.random.RandomState(0).randn(100, 2)
    y = np.array([0] * 99 + [1])
    errors = []
    for cls in (GlassnetClassifier, MLPClassifier):
        with pytest.raises(ValueError) as info:
            cls(**SGD, early_stopping=True).fit(X, y)
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "least populated class" in errors[0]


def test_partial_fit_multilabel_and_changed_classes_like_mlp():
    X, s = _data()
    Y = _targets("multilabel", X, s)
    g, m = _both(GlassnetClassifier, MLPClassifier, **SGD)
    for est in (g, m):
        est.partial_fit(X, Y, classes=[0, 1])
        est.partial_fit(X, Y)
    np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-12)
    assert (g.predict(X) == m.predict(X)).all()
    assert list(g.classes_) == list(m.classes_)
    y = (s > 0).astype(int)
    messages = []
    for cls in (GlassnetClassifier, MLPClassifier):
        est = cls(**SGD).partial_fit(X, y, classes=[0, 1])
        with pytest.raises(ValueError) as info:
            est.partial_fit(X, y, classes=[0, 1, 2])
        messages.append(str(info.value))
        with pytest.raises(ValueError, match="classes must be passed on the first call"):
            cls(**SGD).partial_fit(X, y)
    assert messages[0] == messages[1] and "not the same as on last call" in messages[0]


def test_partial_fit_matches_mlp_step_for_step():
    X, s = _data()
    y = _targets("multiclass", X, s)
    g, m = _both(GlassnetClassifier, MLPClassifier, **SGD)
    for _ in range(3):
        g.partial_fit(X, y, classes=[0, 1, 2])
        m.partial_fit(X, y, classes=[0, 1, 2])
    assert g.n_iter_ == m.n_iter_ == 1 and g.t_ == m.t_ == 3 * len(X)
    np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-12)
    for a, b in zip(g.coefs_, m.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(
    ("early", "extra"),
    [(False, {}), (True, {}),
     (False, dict(learning_rate="adaptive", momentum=0.5, tol=0.05, max_iter=40))],
)  # fmt: skip
def test_verbose_prints_mlps_lines_on_stdout(capsys, early, extra):
    X, s = _data(60)
    y = (s > 0).astype(int)
    kw = dict(SGD, max_iter=30, verbose=True, early_stopping=early, tol=0.01,
              n_iter_no_change=2) | extra  # fmt: skip
    outputs = []
    for cls in (GlassnetClassifier, MLPClassifier):
        _quiet_fit(cls(**kw), X, y)
        outputs.append(capsys.readouterr())
    (out, err), (mlp_out, _) = outputs
    assert err == ""
    assert out == mlp_out  # full-batch sgd: the very same numbers
    assert re.match(r"Iteration 1, loss = \d\.\d{8}\n", out)
    assert ("Validation score: " in out) == early and "consecutive epochs." in out
    assert ("Setting learning rate to" in out) == bool(extra) and out.endswith("Stopping.\n")


def test_divergence_under_early_stopping_goes_on_like_mlp():
    X, s = _data(40)
    kw = dict(SGD, learning_rate_init=10.0, max_iter=12, early_stopping=True)
    g, m = _both(GlassnetRegressor, MLPRegressor, **kw)
    for est in (g, m):
        with pytest.warns(ConvergenceWarning), np.errstate(all="ignore"):
            est.fit(X * 100, s * 100)
    assert g.n_iter_ == m.n_iter_ == 12 and len(g.validation_scores_) == 12
    assert np.isnan(g.validation_scores_).tolist() == np.isnan(m.validation_scores_).tolist()
    assert np.isnan(g.validation_scores_[-1])
    np.testing.assert_allclose(g.best_validation_score_, m.best_validation_score_, rtol=1e-9)
    for a, b in zip(g.coefs_, m.coefs_, strict=True):  # the best weights, finite
        np.testing.assert_allclose(a, b, rtol=1e-9)


def test_diverged_classifier_scores_its_labels_like_mlp():
    # NaN outputs still decide a label (NaN > 0.5 is False, argmax takes the first NaN), so
    # MLP keeps scoring a diverged classifier; its early stopping then ends the run
    X, s = _data(40)
    y = _targets("multiclass", X, s)
    kw = dict(SGD, learning_rate_init=1e200, max_iter=15, early_stopping=True,
              validation_fraction=0.3)  # fmt: skip
    g, m = _both(GlassnetClassifier, MLPClassifier, **kw)
    for est in (g, m):
        with np.errstate(all="ignore"):
            est.fit(X * 1e100, y)
    assert g.n_iter_ == m.n_iter_ < 15
    assert g.validation_scores_ == m.validation_scores_
    assert np.isnan(g.loss_curve_[1:]).all() and np.isnan(m.loss_curve_[1:]).all()


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_poisson_regression_is_mlps(solver):
    X, s = _data()
    y = np.random.RandomState(1).poisson(np.exp(0.3 * s))
    kw = dict(SGD, solver=solver, loss="poisson", learning_rate_init=0.01, max_iter=5)
    g, m = _both(GlassnetRegressor, MLPRegressor, **kw)
    _quiet_fit(g, X, y), _quiet_fit(m, X, y)
    assert g.out_activation_ == m.out_activation_ == "exp"
    np.testing.assert_allclose(g.loss_, m.loss_, rtol=1e-9)
    if solver == "sgd":
        np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(g.predict(X), m.predict(X), rtol=1e-7)
    # the loss by hand: half the Poisson deviance of exp(z), mean over samples
    y_hat = g.predict(X)
    by_hand = np.mean(np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / y_hat), 0) - y + y_hat)
    W = sum((c**2).sum() for c in g.coefs_)
    assert gsk.POISSON.value(y_hat[:, None], y[:, None].astype(float)) == pytest.approx(by_hand)
    if solver == "sgd":
        return
    assert g.loss_ == pytest.approx(by_hand + 0.5 * g.alpha * W / len(X), rel=1e-9)
    with pytest.raises(ValueError, match="negative"):
        GlassnetRegressor(loss="poisson").fit(X, -np.abs(s))


def test_poisson_model_pickles_and_its_gradients_check():
    import pickle

    import glassnet as gn

    X, s = _data(10)
    y = np.round(np.exp(0.2 * s))
    reg = _quiet_fit(GlassnetRegressor(**SGD, loss="poisson", max_iter=2), X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    report = gn.gradient_check(reg.network_, X, y[:, None], loss=gsk.POISSON)
    assert report.passed


def test_hand_set_weights_are_the_model():
    X, s = _data()
    y = (s > 0).astype(int)
    m = _quiet_fit(MLPClassifier(**SGD, max_iter=5), X, y)
    g = _quiet_fit(GlassnetClassifier(**dict(SGD, random_state=7), max_iter=2), X, y)
    g.coefs_ = [c.copy() for c in m.coefs_]  # assigned lists: used from now on
    g.intercepts_ = [b.copy() for b in m.intercepts_]
    np.testing.assert_allclose(g.predict_proba(X), m.predict_proba(X), rtol=1e-12)
    g.coefs_[0] = g.coefs_[0] * 2  # one element replaced
    m.coefs_[0] = m.coefs_[0] * 2
    g.intercepts_[1][...] = 0.5  # changed in place
    m.intercepts_[1][...] = 0.5
    np.testing.assert_allclose(g.predict_proba(X), m.predict_proba(X), rtol=1e-12)
    # partial_fit continues from them (and from the training state MLP users touch)
    g.t_ = m.t_
    g.partial_fit(X, y)
    m.partial_fit(X, y)
    np.testing.assert_allclose(g.loss_curve_[-1], m.loss_curve_[-1], rtol=1e-12)
    for a, b in zip(g.coefs_, m.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match=r"coefs_\[0\]: expected shape \(3, 4\)"):
        g.coefs_ = [np.zeros((2, 4)), g.coefs_[1]]
        g.predict(X)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_an_unfitted_estimator_predicts_from_hand_set_attributes(ours, theirs):
    # the way weights saved elsewhere are loaded into an MLP: set the attributes, predict
    X, s = _data()
    y = _targets("multiclass", X, s) if ours is GlassnetClassifier else s
    source = _quiet_fit(theirs(**SGD, max_iter=3), X, y)
    names = ["coefs_", "intercepts_", "n_layers_", "n_outputs_", "out_activation_",
             "n_features_in_"]  # fmt: skip
    if ours is GlassnetClassifier:
        names += ["classes_", "_label_binarizer"]
    g, m = ours(**SGD), theirs(**SGD)
    for est in (g, m):
        for name in names:
            setattr(est, name, getattr(source, name))
    method = "predict_proba" if ours is GlassnetClassifier else "predict"
    np.testing.assert_allclose(getattr(g, method)(X), getattr(m, method)(X), rtol=1e-12)
    assert (g.predict(X) == m.predict(X)).all() if ours is GlassnetClassifier else True


def test_hand_set_weights_survive_pickling():
    import pickle

    X, s = _data()
    g = _quiet_fit(GlassnetRegressor(**SGD, max_iter=2), X, s)
    g.coefs_ = [np.ones_like(c) for c in g.coefs_]
    again = pickle.loads(pickle.dumps(g))
    assert all((c == 1).all() for c in again.coefs_)
    np.testing.assert_array_equal(again.predict(X), g.predict(X))


def test_warm_start_with_early_stopping_and_weights_like_mlp():
    # the second fit splits with a fresh RandomState (no initial draws), keeps the best score
    # of the first, and weights the samples as MLP does in full batches
    X, s = _data(50)
    y = _targets("binary", X, s)
    w = np.random.RandomState(3).uniform(0.5, 2.0, len(X))
    kw = dict(SGD, early_stopping=True, validation_fraction=0.3, warm_start=True, max_iter=8,
              n_iter_no_change=2, tol=0.0)  # fmt: skip
    g, m = _both(GlassnetClassifier, MLPClassifier, **kw)
    first = []
    for est in (g, m):
        _quiet_fit(est, X, y, sample_weight=w)
        first.append([c.copy() for c in est.coefs_])
        n_first = len(est.validation_scores_)
        _quiet_fit(est, X, y, sample_weight=w)
    assert g.validation_scores_ == m.validation_scores_
    assert g.best_validation_score_ == m.best_validation_score_
    np.testing.assert_allclose(g.loss_curve_, m.loss_curve_, rtol=1e-12)
    # the second fit never beat the first one's best score, so glassnet keeps the weights
    # that scored it; MLP's "best" weights are the very arrays the second fit trained on (it
    # restored them by reference), so it ends with the last epoch's (a scikit-learn bug)
    assert max(g.validation_scores_[n_first:]) <= max(g.validation_scores_[:n_first])
    for a, b, c in zip(g.coefs_, first[0], first[1], strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(b, c, rtol=1e-10, atol=1e-13)
    assert not np.allclose(m.coefs_[0], first[1][0])


def test_training_state_attributes_drive_training():
    X, s = _data()
    kw = dict(SGD, max_iter=50, tol=1e-4, n_iter_no_change=3, warm_start=True)
    g, m = _both(GlassnetRegressor, MLPRegressor, **kw)
    for est in (g, m):
        _quiet_fit(est, X, s)
        # a best loss nobody can beat and a count at the limit: the next epoch stops
        est.best_loss_, est._no_improvement_count = -1.0, 3
        est.fit(X, s)
    assert g.n_iter_ == m.n_iter_ == 1
    assert g._no_improvement_count == m._no_improvement_count == 4


def test_warnings_are_filterable_as_sklearns():
    X, s = _data()
    for est in (GlassnetRegressor(**SGD, max_iter=2), MLPRegressor(**SGD, max_iter=2)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn")
            est.fit(X, s)  # silenced, as MLP's
        with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\)"):
            est.fit(X, s)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", module="sklearn.neural_network")
            est.set_params(batch_size=1000).fit(X, s)  # batch clipping and convergence
        est.set_params(batch_size="auto")


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_a_column_vector_y_warns_like_mlp(ours, theirs):
    X, s = _data()
    y = (s > 0).astype(int)[:, None]
    texts = []
    for cls in (ours, theirs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            est = cls(**SGD, max_iter=1).fit(X, y)
        texts.append([(w.category, str(w.message)) for w in caught])
        assert est.predict(X).shape == (len(X),)
    assert texts[0] == texts[1] and len(texts[0]) == 1


def _error(cls, call, **params):
    with pytest.raises(Exception) as info:
        call(cls(**params))
    text = str(info.value).replace(cls.__name__, "ESTIMATOR")
    return type(info.value), text


X0, S0 = _data(20)
Y0 = (S0 > 0).astype(int)
CONDITIONS = {
    "alpha < 0": (lambda e: e.fit(X0, Y0), dict(alpha=-1.0)),
    "n_iter_no_change 0": (lambda e: e.fit(X0, Y0), dict(n_iter_no_change=0)),
    "momentum 2": (lambda e: e.fit(X0, Y0), dict(momentum=2.0)),
    "verbose 'yes'": (lambda e: e.fit(X0, Y0), dict(verbose="yes")),
    "hidden 0": (lambda e: e.fit(X0, Y0), dict(hidden_layer_sizes=(3, 0))),
    "validation too small": (
        lambda e: e.fit(X0, Y0),
        dict(early_stopping=True, validation_fraction=0.01),
    ),
    "partial_fit with early stopping": (
        lambda e: e.partial_fit(X0, Y0, classes=[0, 1]),
        dict(early_stopping=True),
    ),
    "unseen class": (lambda e: e.partial_fit(X0, Y0, classes=[0, 1]).partial_fit(X0, Y0 + 5), {}),
    "lbfgs partial_fit": (lambda e: e.partial_fit(X0, Y0, classes=[0, 1]), dict(solver="lbfgs")),
    "multiclass-multioutput y": (lambda e: e.fit(X0, np.c_[Y0, Y0 + Y0 % 2 * 2]), {}),
    "validation_fraction 0": (
        lambda e: e.fit(X0, Y0),
        dict(early_stopping=True, validation_fraction=0.0),
    ),
    "predict before fit": (lambda e: e.predict(X0), {}),
    "fewer features": (lambda e: e.fit(X0, Y0).predict(X0[:, :2]), {}),
    "NaN in X": (lambda e: e.fit(np.where(X0 > 1, np.nan, X0), Y0), {}),
    "bad sample_weight": (lambda e: e.fit(X0, Y0, sample_weight=np.ones(3)), {}),
    "warm start, other classes": (
        lambda e: e.fit(X0, Y0).fit(X0, Y0 + 1),
        dict(warm_start=True, max_iter=1),
    ),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("condition", list(CONDITIONS))
def test_errors_have_mlps_type_and_words(condition):
    call, params = CONDITIONS[condition]
    kw = dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0) | params
    assert _error(GlassnetClassifier, call, **kw) == _error(MLPClassifier, call, **kw)


def test_continuous_y_for_a_classifier_says_unknown_label_type():
    # MLP's message prints the whole array as a tuple; glassnet gives scikit-learn's usual one
    for cls in (GlassnetClassifier, MLPClassifier):
        with pytest.raises(ValueError, match=r"^Unknown label type: "):
            cls().fit(X0, S0)
    with pytest.raises(ValueError, match=r"Unknown label type: continuous\. Maybe you are"):
        GlassnetClassifier().fit(X0, S0)


def test_glassnet_choices_fail_the_scikit_learn_way():
    X, y = X0, Y0
    for params, name in [({"activation": "swishy"}, "activation"),
                         ({"solver": "newton"}, "solver"), ({"backend": "torch"}, "backend"),
                         ({"bias": "unit"}, "bias"), ({"output": "no_such_unit"}, "output")]:  # fmt: skip
        with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of Glassnet"):
            GlassnetClassifier(**params).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'loss' parameter of GlassnetRegressor"):
        GlassnetRegressor(loss="absolute").fit(X, y)


# --- the compiled backend -------------------------------------------------------------------


def test_backend_is_handed_to_glassnets_fit(monkeypatch):
    seen = {}
    real = gsk._train

    def spy(net, X, y, config, **kwargs):
        seen["backend"] = config.backend
        return real(net, X, y, config.replace(backend="numpy"), **kwargs)

    monkeypatch.setattr(gsk, "_train", spy)
    _quiet_fit(GlassnetRegressor(**SGD, max_iter=1, backend="jax"), X0, S0)
    assert seen["backend"] == "jax"
    assert "backend" in inspect.signature(real).parameters


def test_jax_backend_trains_like_numpy():
    pytest.importorskip("jax")
    kw = dict(SGD, max_iter=3)
    a = _quiet_fit(GlassnetRegressor(**kw), X0, S0)
    b = _quiet_fit(GlassnetRegressor(**kw, backend="jax"), X0, S0)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-5)
