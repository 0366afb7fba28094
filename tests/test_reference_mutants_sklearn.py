"""What the mutation run of sklearn.py found unchecked (issue 26), against scikit-learn itself:
a column-vector ``y`` gives MLPRegressor's own DataConversionWarning, word for word, attributed
to scikit-learn's module (so a filter that silences MLP's silences glassnet's), and the fit is
the fit of the 1-d ``y``; hand-set ``coefs_``, ``intercepts_`` and ``out_activation_`` on an
estimator never fitted predict what MLPRegressor predicts with them, in its dtype; L-BFGS's
ConvergenceWarning is MLPClassifier's, word for word; predictions from given or replaced
weights are MLPClassifier's with the same weights; starting weights, defaults, Poisson
regression and weighted early-stopping scores are MLP's; refusals word for word (scikit-learn's
where it has them). tests/mutation/survivors.md names the mutants each test was written for."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError

import glassnet as gn
from glassnet import activations
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

X = np.random.default_rng(0).normal(size=(20, 3))
Y = X @ np.array([1.0, -2.0, 0.5])


def _conversion_warnings(est):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y[:, None])
    return [(w.category, str(w.message)) for w in seen if w.category is DataConversionWarning]


def test_a_column_y_warns_as_mlp_does_and_fits_as_the_1d_y():
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    theirs = _conversion_warnings(MLPRegressor(**kw))
    ours_est = GlassnetRegressor(**kw)
    ours = _conversion_warnings(ours_est)
    assert len(theirs) == 1 and ours == theirs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        flat = GlassnetRegressor(**kw).fit(X, Y)
    np.testing.assert_array_equal(ours_est.predict(X), flat.predict(X))


def test_a_filter_that_silences_mlps_warning_silences_glassnets():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", category=DataConversionWarning, module="sklearn")
        GlassnetRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, Y[:, None])
    assert [w for w in seen if w.category is DataConversionWarning] == []


# --- hand-set coefs_ and intercepts_ on an estimator never fitted (_network_from_attributes) --
#
# MLP predicts from coefs_, intercepts_ and out_activation_ alone (with n_layers_ and
# n_outputs_, its own bookkeeping); glassnet builds its network from the same three.

HAND_X = np.random.default_rng(1).normal(size=(8, 3))


def _hand_weights(dtypes=(np.float64, np.float64, np.float64), seed=2):
    # shapes all different, so that a layer size read from the wrong axis or array shows
    rng = np.random.default_rng(seed)
    shapes = [(3, 5), (5, 4), (4, 2)]
    coefs = [rng.normal(size=s).astype(d) for s, d in zip(shapes, dtypes, strict=True)]
    intercepts = [rng.normal(size=s[1]) for s in shapes]
    return coefs, intercepts


def _mlp_predict(coefs, intercepts, activation, output, X):
    mlp = MLPRegressor(hidden_layer_sizes=(5, 4), activation=activation)
    mlp.coefs_, mlp.intercepts_, mlp.out_activation_ = coefs, intercepts, output
    mlp.n_layers_, mlp.n_outputs_ = len(coefs) + 1, coefs[-1].shape[1]
    return mlp.predict(X)


def _hand_set(activation, output, coefs, intercepts):
    # hidden_layer_sizes left at its default (100,): the layers are the coefs' own, as MLP's
    est = GlassnetRegressor(activation=activation)
    est.coefs_, est.intercepts_, est.out_activation_ = coefs, intercepts, output
    return est


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("output", ["identity", "logistic", "softmax"])
def test_hand_set_weights_predict_as_mlp_with_them(activation, output):
    coefs, intercepts = _hand_weights()
    want = _mlp_predict(coefs, intercepts, activation, output, HAND_X)
    got = _hand_set(activation, output, coefs, intercepts).predict(HAND_X)
    assert got.shape == want.shape == (8, 2)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_hand_set_weights_per_layer_activations_are_the_layers_written_out():
    # glassnet's own extension (one activation per hidden layer): the forward pass by hand
    coefs, intercepts = _hand_weights()
    h = np.tanh(HAND_X @ coefs[0] + intercepts[0])
    h = np.maximum(h @ coefs[1] + intercepts[1], 0.0)
    want = h @ coefs[2] + intercepts[2]
    got = _hand_set(["tanh", "relu"], "identity", coefs, intercepts).predict(HAND_X)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("dtypes", "X_dtype"),
    [
        ((np.float32,) * 3, np.float32),  # float32 weights and data: MLP predicts in float32
        ((np.float32, np.float16, np.float32), np.float32),  # the first array's dtype rules
        ((np.int64,) * 3, np.float64),  # integer weights: MLP predicts in float64
    ],
)
def test_hand_set_weights_predict_in_mlps_dtype(dtypes, X_dtype):
    coefs, intercepts = _hand_weights(dtypes)
    X = HAND_X.astype(X_dtype)
    want = _mlp_predict(coefs, intercepts, "relu", "identity", X)
    got = _hand_set("relu", "identity", coefs, intercepts).predict(X)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_hand_set_weights_without_out_activation_are_refused():
    coefs, intercepts = _hand_weights()
    est = GlassnetRegressor()
    est.coefs_, est.intercepts_ = coefs, intercepts
    with pytest.raises(ValueError) as err:
        est.predict(HAND_X)
    assert str(err.value) == (
        "out_activation_: set it with coefs_ and intercepts_ (e.g. 'identity', "
        "'logistic', 'softmax'), as MLP needs it to predict"
    )


# --- L-BFGS's ConvergenceWarning (_lbfgs_warning): scikit-learn's own text --------------------

LBFGS_X = np.random.default_rng(0).normal(size=(30, 3))
LBFGS_Y = (LBFGS_X[:, 0] + LBFGS_X[:, 1] > 0).astype(int)


def _convergence_warnings(est):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        est.fit(LBFGS_X, LBFGS_Y)
    return [str(w.message) for w in seen if w.category is ConvergenceWarning]


@pytest.mark.parametrize(
    "limits",
    [
        dict(max_iter=2),  # stopped by max_iter: the message asks for more iterations
        dict(max_iter=5, max_fun=4),  # stopped by max_fun first: it does not
    ],
)
def test_lbfgs_convergence_warning_is_mlps_word_for_word(limits):
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0) | limits
    theirs = _convergence_warnings(MLPClassifier(**kw))
    assert len(theirs) == 1
    assert _convergence_warnings(GlassnetClassifier(**kw)) == theirs


# --- the classifier's predictions from given weights, against MLPClassifier's ---------------
#
# Both estimators take one partial_fit (which sets MLP's bookkeeping), then the same weights.

CLF_X = np.random.default_rng(3).normal(size=(40, 3))


def _classifier_pair(y, classes, coefs, intercepts):
    pair = []
    for cls in (MLPClassifier, GlassnetClassifier):
        est = cls(hidden_layer_sizes=(4,), random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.partial_fit(CLF_X, y, classes=classes)
        est.coefs_ = [np.array(c) for c in coefs]
        est.intercepts_ = [np.array(b) for b in intercepts]
        pair.append(est)
    return pair


def _weights(n_out, seed=4):
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, n_out))]
    return coefs, [rng.normal(size=4), rng.normal(size=n_out)]


def test_softmax_probabilities_are_mlps_bit_for_bit():
    # the softmax outputs are the probabilities, not renormalized (which moves them by an ulp)
    y = np.arange(40) % 3
    mlp, ours = _classifier_pair(y, [0, 1, 2], *_weights(3))
    np.testing.assert_array_equal(ours.predict_proba(CLF_X), mlp.predict_proba(CLF_X))
    np.testing.assert_array_equal(ours.predict(CLF_X), mlp.predict(CLF_X))


def test_binary_output_of_exactly_one_half_is_mlps_negative_class():
    coefs, intercepts = _weights(1)
    coefs[1][...] = 0.0
    intercepts[1][...] = 0.0  # sigmoid(0) = 0.5 for every sample
    mlp, ours = _classifier_pair(np.arange(40) % 2, [0, 1], coefs, intercepts)
    want = mlp.predict(CLF_X)
    assert (want == 0).all()
    np.testing.assert_array_equal(ours.predict(CLF_X), want)


def test_log_probability_of_a_certain_class_is_minus_inf_without_a_warning():
    # MLP's np.log(0) warns (divide by zero); glassnet's predict_log_proba gives the same -inf
    # silently, under pytest's warnings-as-errors
    coefs, intercepts = _weights(1)
    intercepts[1][...] = 1000.0  # sigmoid saturates at exactly 1
    mlp, ours = _classifier_pair(np.arange(40) % 2, [0, 1], coefs, intercepts)
    with np.errstate(divide="ignore"):
        want = mlp.predict_log_proba(CLF_X)
    assert np.isneginf(want[:, 0]).all()
    np.testing.assert_array_equal(ours.predict_log_proba(CLF_X), want)


def test_multilabel_predictions_are_mlps_integer_indicator_rows():
    Y = np.stack([np.arange(40) % 2, (np.arange(40) % 3 != 0)], axis=1).astype(int)
    mlp, ours = _classifier_pair(Y, [0, 1], *_weights(2))
    want = mlp.predict(CLF_X)
    got = ours.predict(CLF_X)
    assert got.dtype == want.dtype and got.dtype.kind == "i"
    np.testing.assert_array_equal(got, want)


def test_early_stopping_validation_scores_weigh_samples_as_mlps():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.8 * rng.normal(size=60) > 0).astype(int)
    w = rng.uniform(0.1, 3.0, size=60)
    kw = dict(
        hidden_layer_sizes=(4,),
        random_state=0,
        early_stopping=True,
        max_iter=4,
        n_iter_no_change=10,
        validation_fraction=0.3,
    )
    scores = []
    for cls in (MLPClassifier, GlassnetClassifier):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores.append(cls(**kw).fit(X, y, sample_weight=w).validation_scores_)
    theirs, ours = scores
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# --- _check_params: what the constraints cannot say ------------------------------------------

PARAM_X = np.random.default_rng(0).normal(size=(30, 3))
PARAM_Y = (PARAM_X[:, 0] > 0).astype(int)


def _starting_coefs(cls, **kw):
    # one SGD epoch at a rate of 1e-12: the starting weights, to 1e-11
    est = cls(solver="sgd", learning_rate_init=1e-12, momentum=0, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.set_params(**kw).fit(PARAM_X, PARAM_Y).coefs_


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        (dict(hidden_layer_sizes=1), dict(hidden_layer_sizes=1)),  # one int: one layer of 1
        # MLP's initial range follows the activation parameter, hidden layers or not
        (dict(hidden_layer_sizes=(), activation="logistic"), {}),
        (dict(hidden_layer_sizes=(), activation="relu"), dict(activation=[])),
        (dict(hidden_layer_sizes=(4, 3), activation="logistic"), dict(activation="sigmoid")),
        # per hidden layer (glassnet's extension): the range of the first layer's activation
        (
            dict(hidden_layer_sizes=(4, 3), activation="logistic"),
            dict(activation=["logistic", "relu"]),
        ),
        (dict(hidden_layer_sizes=(4, 3), activation="relu"), dict(activation=["relu", "logistic"])),
    ],
)
def test_starting_weights_are_mlps_for_these_layers_and_activations(theirs, ours):
    want = _starting_coefs(MLPClassifier, **theirs)
    got = _starting_coefs(GlassnetClassifier, **(theirs | ours))
    assert [c.shape for c in got] == [c.shape for c in want]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-11)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            dict(hidden_layer_sizes=(3, 2.5)),
            "hidden_layer_sizes: expected positive integers (one per hidden layer), got (3, 2.5)",
        ),
        (
            dict(hidden_layer_sizes=(True,)),
            "hidden_layer_sizes: expected positive integers (one per hidden layer), got (True,)",
        ),
        (
            dict(hidden_layer_sizes=(2, 2), activation=["relu"]),
            "activation: expected a name or 2 names (one per hidden layer), got ['relu']",
        ),
        (
            dict(hidden_layer_sizes=(2, 2), activation=["relu", 3]),
            "activation: expected a name or 2 names (one per hidden layer), got ['relu', 3]",
        ),
    ],
)
def test_layer_and_activation_refusals_word_for_word(params, message):
    # MLP fails on these with a TypeError or its string-only constraint; glassnet says what
    # it takes
    with pytest.raises(ValueError) as err:
        GlassnetClassifier(max_iter=1, **params).fit(PARAM_X, PARAM_Y)
    assert str(err.value) == message


def test_an_unknown_activation_in_a_list_is_refused_in_scikit_learns_words():
    with pytest.raises(InvalidParameterError) as err:
        GlassnetClassifier(hidden_layer_sizes=(2, 2), activation=["relu", "bogus"]).fit(
            PARAM_X, PARAM_Y
        )
    assert str(err.value) == (
        "The 'activation' parameter of GlassnetClassifier must be a str among ['elu', 'gelu', "
        "'identity', 'leaky_relu', 'logistic', 'relu', 'sigmoid', 'silu', 'softplus', "
        "'tanh', 'tanh01'] or a sequence of them. Got 'bogus' instead."
    )
    # the same words as MLP's refusal of a bad name
    with pytest.raises(InvalidParameterError) as mlp_err:
        MLPClassifier(activation="bogus").fit(PARAM_X, PARAM_Y)
    assert str(mlp_err.value).startswith(
        "The 'activation' parameter of MLPClassifier must be a str among "
    )
    assert str(mlp_err.value).endswith(" Got 'bogus' instead.")


def test_an_unknown_initializer_set_between_partial_fits_is_refused():
    # partial_fit validates the parameters on its first call only (as MLP's); the initializer
    # is checked on every call
    est = GlassnetClassifier(hidden_layer_sizes=(2,), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(PARAM_X, PARAM_Y, classes=[0, 1])
    est.set_params(init="nope")
    with pytest.raises(ValueError, match=r"^init: unknown initializer 'nope'; expected one of "):
        est.partial_fit(PARAM_X, PARAM_Y)


# --- defaults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(GlassnetRegressor, MLPRegressor), (GlassnetClassifier, MLPClassifier)],
)
def test_every_parameter_mlp_has_has_mlps_default(ours, theirs):
    want = theirs().get_params()
    got = ours().get_params()
    assert {k: got[k] for k in want} == want
    # and is passed on as given, not as the default
    shared = dict(hidden_layer_sizes=(7, 2), activation="tanh", solver="sgd", alpha=0.5,
                  batch_size=9, learning_rate="adaptive", learning_rate_init=0.2, power_t=0.3,
                  max_iter=11, shuffle=False, random_state=5, tol=0.25, verbose=True,
                  warm_start=True, momentum=0.4, nesterovs_momentum=False, early_stopping=True,
                  validation_fraction=0.35, beta_1=0.7, beta_2=0.8, epsilon=0.01,
                  n_iter_no_change=4, max_fun=99)  # fmt: skip
    assert set(shared) | {"loss"} >= set(want)
    assert ours(**shared).get_params() == ours().get_params() | shared
    # scikit-learn's rule for every estimator: the constructor stores each argument as given
    own = dict(output="tanh", init="he", bias="layer", backend="jax")
    assert ours(**shared, **own).get_params() == ours().get_params() | shared | own
    assert {k: theirs(**shared).get_params()[k] for k in shared} == shared


# --- the regressor: Poisson, its output parameter, early stopping's weighted R^2 -------------

REG_X = np.random.default_rng(0).normal(size=(40, 3))
COUNTS = np.random.default_rng(1).poisson(np.exp(0.5 * REG_X[:, 0])).astype(float)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_poisson_regression_fits_as_mlps_zero_counts_included(solver):
    assert (COUNTS == 0).sum() >= 5
    kw = dict(loss="poisson", hidden_layer_sizes=(4,), max_iter=5, random_state=0, solver=solver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(**kw).fit(REG_X, COUNTS)
        ours = GlassnetRegressor(**kw).fit(REG_X, COUNTS)
    assert ours.out_activation_ == mlp.out_activation_ == "exp"
    np.testing.assert_allclose(ours.predict(REG_X), mlp.predict(REG_X), rtol=1e-10)
    np.testing.assert_allclose(ours.loss_, mlp.loss_, rtol=1e-10)


def test_poisson_with_a_negative_target_is_refused_in_scikit_learns_words():
    # MLP trains to a NaN loss there (docs/sklearn-differences.md); the words are those of
    # scikit-learn's other Poisson models
    y = COUNTS.copy()
    y[3] = -1.0
    with pytest.raises(ValueError) as theirs:
        DecisionTreeRegressor(criterion="poisson").fit(REG_X, y)
    with pytest.raises(ValueError) as ours:
        GlassnetRegressor(loss="poisson", max_iter=1).fit(REG_X, y)
    assert str(ours.value) == str(theirs.value)


def test_a_named_output_unit_is_the_layer_written_out():
    y = COUNTS / COUNTS.max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GlassnetRegressor(
            hidden_layer_sizes=(4,), max_iter=3, random_state=0, output="logistic"
        ).fit(REG_X, y)
    h = np.maximum(REG_X @ est.coefs_[0] + est.intercepts_[0], 0.0)
    want = 1.0 / (1.0 + np.exp(-(h @ est.coefs_[1] + est.intercepts_[1])))
    assert est.out_activation_ == "logistic"
    np.testing.assert_allclose(est.predict(REG_X), want[:, 0], rtol=1e-12)


def test_partial_fit_with_another_number_of_targets_is_refused():
    est = GlassnetRegressor(hidden_layer_sizes=(4,), random_state=0).partial_fit(
        REG_X, np.c_[COUNTS, COUNTS]
    )
    with pytest.raises(ValueError) as err:
        est.partial_fit(REG_X, COUNTS)
    assert str(err.value) == "y: expected 2 target columns as in the previous fit, got 1"


def test_regressor_early_stopping_scores_weigh_samples_as_mlps():
    w = np.random.default_rng(2).uniform(0.1, 3.0, size=40)
    kw = dict(
        hidden_layer_sizes=(4,),
        random_state=0,
        early_stopping=True,
        max_iter=4,
        n_iter_no_change=10,
        validation_fraction=0.3,
    )
    scores = []
    for cls in (MLPRegressor, GlassnetRegressor):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores.append(cls(**kw).fit(REG_X, COUNTS, sample_weight=w).validation_scores_)
    theirs, ours = scores
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


# --- predicting after coefs_ and intercepts_ are replaced (_adopt_attributes, _forward) ------


def _fitted_pair(bias="neuron"):
    y = np.arange(40) % 3
    coefs, intercepts = _weights(3)
    mlp, ours = _classifier_pair(y, [0, 1, 2], coefs, intercepts)
    if bias != "neuron":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = GlassnetClassifier(hidden_layer_sizes=(4,), random_state=0, bias=bias)
            ours.partial_fit(CLF_X, y, classes=[0, 1, 2])
    return mlp, ours


@pytest.mark.parametrize("what", ["coefs item", "intercepts item", "coefs list", "in place"])
def test_replaced_weights_predict_as_mlp_with_them(what):
    mlp, ours = _fitted_pair()
    for est in (mlp, ours):
        r = np.random.default_rng(5)
        if what == "coefs item":
            est.coefs_[1] = r.normal(size=(4, 3))
        elif what == "intercepts item":
            est.intercepts_[0] = r.normal(size=4)
        elif what == "coefs list":
            est.coefs_ = [r.normal(size=(3, 4)), r.normal(size=(4, 3))]
        else:
            est.coefs_[0][...] = r.normal(size=(3, 4))
    np.testing.assert_array_equal(ours.predict_proba(CLF_X), mlp.predict_proba(CLF_X))
    # predicting leaves the attributes the objects they were, as MLP's predict does
    coefs, intercepts, items = ours.coefs_, ours.intercepts_, [*ours.coefs_, *ours.intercepts_]
    ours.predict(CLF_X)
    assert ours.coefs_ is coefs and ours.intercepts_ is intercepts
    assert all(a is b for a, b in zip([*ours.coefs_, *ours.intercepts_], items, strict=True))
    mlp_coefs = mlp.coefs_
    mlp.predict(CLF_X)
    assert mlp.coefs_ is mlp_coefs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda e: setattr(e, "coefs_", e.coefs_[:1]),
            "coefs_, intercepts_: expected 2 arrays each (one per layer), got 1 and 2",
        ),
        (
            lambda e: setattr(e, "intercepts_", e.intercepts_[:1]),
            "coefs_, intercepts_: expected 2 arrays each (one per layer), got 2 and 1",
        ),
        (
            lambda e: e.coefs_.__setitem__(1, np.zeros((4, 2))),
            "coefs_[1]: expected shape (4, 3), got (4, 2)",
        ),
        (
            lambda e: e.intercepts_.__setitem__(1, np.zeros((1, 3))),
            "intercepts_[1]: expected shape (3,), got (1, 3)",
        ),
    ],
)
def test_replaced_weights_of_the_wrong_number_or_shape_are_refused(change, message):
    _, ours = _fitted_pair()
    change(ours)
    with pytest.raises(ValueError) as err:
        ours.predict(CLF_X)
    assert str(err.value) == message


def test_per_layer_and_absent_biases_refuse_what_they_cannot_hold():
    _, layer = _fitted_pair(bias="layer")
    layer.intercepts_[0] = np.array([1.0, 2.0, 2.0, 2.0])
    with pytest.raises(ValueError) as err:
        layer.predict(CLF_X)
    assert str(err.value) == (
        "intercepts_[0]: bias='layer' has one bias per layer; expected equal values, "
        "got [1. 2. 2. 2.]"
    )
    _, none = _fitted_pair(bias="none")
    none.intercepts_[1] = np.array([0.0, 0.5, 0.0])
    with pytest.raises(ValueError) as err:
        none.predict(CLF_X)
    assert str(err.value) == "intercepts_[1]: bias='none' has no biases; got [0.  0.5 0. ]"
    # zeros and ones are what they can hold: a per-layer bias of 1 is the layer's one bias
    none.intercepts_[1] = np.zeros(3)
    layer.intercepts_[0] = np.ones(4)
    for est in (none, layer):
        h = np.maximum(CLF_X @ est.coefs_[0] + est.intercepts_[0], 0.0)
        z = h @ est.coefs_[1] + est.intercepts_[1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(est.predict_proba(CLF_X), p / p.sum(1, keepdims=True))


@pytest.mark.parametrize("form", ["csr", "csc", "int"])
def test_sparse_and_integer_inputs_predict_as_mlp(form):
    import scipy.sparse as sp

    mlp, ours = _fitted_pair()
    X = np.round(CLF_X * 3)
    given = {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "int": lambda a: a.astype(int)}[form](X)
    want = mlp.predict_proba(given)
    np.testing.assert_allclose(ours.predict_proba(given), want, rtol=1e-12)
    np.testing.assert_array_equal(ours.predict_proba(X), ours.predict_proba(given))


def test_predicting_with_another_number_of_features_is_refused_in_mlps_words():
    mlp, ours = _fitted_pair()
    with pytest.raises(ValueError) as theirs:
        mlp.predict(CLF_X[:, :2])
    with pytest.raises(ValueError) as got:
        ours.predict(CLF_X[:, :2])
    assert str(got.value) == str(theirs.value).replace("MLPClassifier", "GlassnetClassifier")
    assert ours.n_features_in_ == 3


def test_an_array_appended_to_coefs_is_ignored_as_mlp_ignores_it():
    # MLP's forward pass runs over its n_layers_ - 1 layers, whatever else the list holds
    mlp, ours = _fitted_pair()
    ours.predict(CLF_X)  # coefs_ and intercepts_ now the network's own lists of views
    for est in (mlp, ours):
        est.coefs_.append(np.ones((3, 3)))
        est.intercepts_.append(np.ones(3))
    np.testing.assert_array_equal(ours.predict_proba(CLF_X), mlp.predict_proba(CLF_X))


@pytest.mark.parametrize("bias", ["layer", "none"])
def test_per_layer_and_absent_biases_keep_their_attribute_objects_and_read_them(bias):
    _, est = _fitted_pair(bias=bias)
    est.predict(CLF_X)
    coefs, intercepts = est.coefs_, est.intercepts_
    items = [*coefs, *intercepts]
    if bias == "layer":
        intercepts[0][...] = 0.7  # changed in place, one value per layer still
    est.predict(CLF_X)
    assert est.coefs_ is coefs and est.intercepts_ is intercepts
    assert all(a is b for a, b in zip([*est.coefs_, *est.intercepts_], items, strict=True))
    h = np.maximum(CLF_X @ coefs[0] + intercepts[0], 0.0)
    z = h @ coefs[1] + intercepts[1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(est.predict_proba(CLF_X), p / p.sum(1, keepdims=True))
    if bias == "layer":
        assert est.network_.params[0]["b"][0, 0] == 0.7


def test_a_named_output_unit_without_an_alias_is_the_layer_written_out():
    y = COUNTS / COUNTS.max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GlassnetRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0, output="tanh")
        est.fit(REG_X, y)
    h = np.maximum(REG_X @ est.coefs_[0] + est.intercepts_[0], 0.0)
    want = np.tanh(h @ est.coefs_[1] + est.intercepts_[1])
    np.testing.assert_allclose(est.predict(REG_X), want[:, 0], rtol=1e-12)


# --- pickling (__getstate__, __setstate__): a round trip is the model, as MLP's is ----------

PICKLE_X = np.random.default_rng(6).normal(size=(24, 3))
PICKLE_Y = PICKLE_X @ np.array([0.5, -1.0, 2.0])


def _round_trip(est):
    import pickle

    return pickle.loads(pickle.dumps(est))


@pytest.mark.parametrize("cls", [GlassnetClassifier, GlassnetRegressor])
def test_an_estimator_never_fitted_pickles_as_mlps(cls):
    # MLP pickles before fit; so does glassnet, and the copy is as unfitted as the original
    mlp = _round_trip(MLPRegressor(hidden_layer_sizes=(3, 2), alpha=0.5))
    assert mlp.get_params()["hidden_layer_sizes"] == (3, 2)
    ours = _round_trip(cls(hidden_layer_sizes=(3, 2), alpha=0.5))
    assert ours.get_params() == cls(hidden_layer_sizes=(3, 2), alpha=0.5).get_params()
    assert not hasattr(ours, "network_") and not hasattr(ours, "coefs_")


def test_hand_set_weights_on_an_estimator_never_fitted_survive_pickling_as_mlps():
    # the bug this found: __getstate__ dropped coefs_ and intercepts_ even without a network,
    # so the copy had no model ("not fitted"); MLP's copy predicts with them
    coefs, intercepts = _hand_weights()
    mlp = MLPRegressor(hidden_layer_sizes=(5, 4))
    mlp.coefs_, mlp.intercepts_, mlp.out_activation_ = coefs, intercepts, "identity"
    mlp.n_layers_, mlp.n_outputs_ = 4, 2
    want = _round_trip(mlp).predict(HAND_X)
    got = _round_trip(_hand_set("relu", "identity", coefs, intercepts)).predict(HAND_X)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_weights_assigned_after_fit_survive_pickling_as_mlps():
    mlp, ours = _fitted_pair()
    for est in (mlp, ours):
        r = np.random.default_rng(7)
        est.coefs_ = [r.normal(size=(3, 4)), r.normal(size=(4, 3))]  # a new list, not views
        est.intercepts_ = [r.normal(size=4), r.normal(size=3)]
    want = _round_trip(mlp).predict_proba(CLF_X)
    np.testing.assert_array_equal(_round_trip(ours).predict_proba(CLF_X), want)


@pytest.mark.parametrize("bias", ["neuron", "layer", "none"])
def test_a_pickled_copy_is_the_network_it_was_and_trains_on_as_it(bias):
    # float32 data: MLP's pickled copy predicts in float32, so must glassnet's; the copy's
    # network is the original's (sizes, activations, bias, seed 3, dtype) and a further
    # partial_fit moves both alike (with bias='layer', one bias per layer still)
    X, y = PICKLE_X.astype(np.float32), PICKLE_Y.astype(np.float32)
    mlp = MLPRegressor(hidden_layer_sizes=(4,), random_state=3, solver="sgd")
    mlp.partial_fit(X, y)
    assert _round_trip(mlp).predict(X).dtype == np.float32
    ours = GlassnetRegressor(hidden_layer_sizes=(4,), random_state=3, solver="sgd", bias=bias)
    ours.partial_fit(X, y)
    copy = _round_trip(ours)
    assert copy.predict(X).dtype == np.float32
    assert copy.network_.config() == ours.network_.config()
    assert copy.network_.config()["bias"] == bias
    for est in (ours, copy):
        est.partial_fit(X, y)
    for a, b in zip(copy.intercepts_ + copy.coefs_, ours.intercepts_ + ours.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    if bias == "layer":
        assert (copy.intercepts_[0] == copy.intercepts_[0][0]).all()


# --- L-BFGS (_fit_lbfgs): MLP's attributes and warnings, and what the docs promise ------------


@pytest.mark.parametrize("weighted", [False, True])
def test_lbfgs_bookkeeping_is_what_mlp_and_the_docs_say(weighted):
    # MLP's lbfgs keeps no validation scores (None for glassnet, absent for MLP); glassnet
    # also records the objective per iteration (docs/sklearn-differences.md): best_loss_ is
    # its minimum, MLP's definition, and history_ holds the run's settings, the penalty
    # alpha / (n * mean weight) written out
    w = np.linspace(0.5, 2.0, 30) if weighted else None
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0, alpha=0.3, max_iter=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(**kw).fit(LBFGS_X, LBFGS_Y, sample_weight=w)
        ours = GlassnetClassifier(**kw).fit(LBFGS_X, LBFGS_Y, sample_weight=w)
    assert getattr(mlp, "validation_scores_", None) is None
    assert ours.validation_scores_ is None and ours.best_validation_score_ is None
    assert ours.n_iter_ == mlp.n_iter_ == len(ours.loss_curve_)
    np.testing.assert_allclose(ours.loss_, mlp.loss_, rtol=1e-6)
    assert ours.best_loss_ == min(ours.loss_curve_)
    np.testing.assert_array_equal(ours.history_.loss, ours.loss_curve_)
    assert ours.history_.epochs_run == len(ours.loss_curve_)
    w_mean = 1.0 if w is None else w.mean()
    assert ours.history_.settings == {
        "loss": "binary_log_loss",
        "optimizer": "lbfgs",
        "epochs": 15,
        "batch_size": None,
        "l2": 0.3 / (30 * w_mean),
    }


def test_lbfgs_stopped_before_its_first_iteration_has_the_starting_loss():
    # tol (L-BFGS-B's gtol) above the starting gradient: no iteration; best_loss_ is then
    # the only loss there is, MLP's loss_ (the objective at the starting weights)
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0, tol=1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(**kw).fit(LBFGS_X, LBFGS_Y)
        ours = GlassnetClassifier(**kw).fit(LBFGS_X, LBFGS_Y)
    assert ours.loss_curve_ == [] and ours.n_iter_ == mlp.n_iter_ == 0
    np.testing.assert_allclose(ours.best_loss_, mlp.loss_, rtol=1e-12)


def test_lbfgs_on_huge_inputs_warns_only_as_mlp():
    # inputs of 1e160 overflow inside L-BFGS; MLPClassifier warns only that it did not
    # converge; glassnet says that too, word for word, and before it where the overflow was
    # (one NonFiniteWarning), and no NumPy RuntimeWarning
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0, max_iter=50)
    seen = []
    for cls in (MLPClassifier, GlassnetClassifier):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            cls(**kw).fit(LBFGS_X * 1e160, LBFGS_Y)
        seen.append([(w.category.__name__, str(w.message)) for w in got])
    assert [kind for kind, _ in seen[0]] == ["ConvergenceWarning"]
    assert [kind for kind, _ in seen[1]] == ["NonFiniteWarning", "ConvergenceWarning"]
    assert seen[1][0][1].startswith("lbfgs: ") and seen[1][1] == seen[0][0]


@pytest.mark.parametrize("cls", [MLPRegressor, GlassnetRegressor])
def test_lbfgs_from_a_nan_weight_is_refused_in_mlps_words(cls):
    est = cls(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0, max_iter=5, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(PICKLE_X, PICKLE_Y)
        est.coefs_[0][0, 0] = np.nan
        with pytest.raises(ValueError) as err:
            est.fit(PICKLE_X, PICKLE_Y)
    assert str(err.value) == (
        "Solver produced non-finite parameter weights. The input data may contain large "
        "values and need to be preprocessed."
    )


# --- the end-of-epoch bookkeeping (_SklearnStopping): MLP's verbose lines, its stopping ------

STOP_X = np.random.default_rng(0).normal(size=(40, 3))
STOP_Y = STOP_X @ np.array([1.0, -2.0, 0.5])


ADAPTIVE = dict(learning_rate="adaptive", tol=10.0, n_iter_no_change=1)


def _stdout_of_fit(est, X, y):
    import contextlib
    import io

    buf = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buf):
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("classifier", "settings"),
    [
        (False, dict(tol=10.0, n_iter_no_change=2)),  # "... Stopping."
        (False, dict(ADAPTIVE, max_iter=100)),
        # a rate of exactly 1e-6 is already too small to divide (MLP's <=)
        (False, dict(ADAPTIVE, learning_rate_init=1e-6)),
        (True, dict(ADAPTIVE, max_iter=100, early_stopping=True)),
    ],
)
def test_verbose_lines_are_mlps_character_for_character(classifier, settings):
    # full-batch SGD follows MLP's path to rounding, so the printed lines (losses to 8
    # decimals, validation scores, the stopping and learning-rate messages) are MLP's
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, verbose=True,
              learning_rate_init=0.001, max_iter=12) | settings  # fmt: skip
    y = (STOP_Y > 0).astype(int) if classifier else STOP_Y
    theirs = _stdout_of_fit((MLPClassifier if classifier else MLPRegressor)(**kw), STOP_X, y)
    ours = _stdout_of_fit(
        (GlassnetClassifier if classifier else GlassnetRegressor)(**kw), STOP_X, y
    )
    assert "consecutive epochs" in theirs
    assert ours == theirs


# --- the stochastic fit (_fit): MLP's words, warnings and bookkeeping ------------------------


def _fit_both(kw, X=STOP_X, y=STOP_Y, classifier=False, **fit_kw):
    """MLP's and glassnet's estimator fitted alike, and each one's warnings (category, text)."""
    out = []
    pair = (MLPClassifier, GlassnetClassifier) if classifier else (MLPRegressor, GlassnetRegressor)
    for cls in pair:
        est = cls(**kw)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            est.fit(X, y, **fit_kw)
        out.append((est, [(w.category, str(w.message)) for w in seen]))
    return out


def test_the_max_iter_warning_is_mlps_word_for_word_and_only_when_it_runs_out():
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=7)
    (mlp, theirs), (ours, got) = _fit_both(kw)
    assert theirs == [
        (
            ConvergenceWarning,
            "Stochastic Optimizer: Maximum iterations (7) reached and the optimization hasn't "
            "converged yet.",
        )
    ]
    assert got == theirs and ours.n_iter_ == mlp.n_iter_ == 7
    # a run that stops on tol at its last allowed epoch did converge: no warning, as MLP
    kw |= dict(tol=10.0, n_iter_no_change=1)
    (mlp, theirs), (ours, got) = _fit_both(kw | dict(max_iter=3))
    assert mlp.n_iter_ == ours.n_iter_ == 3 and theirs == got == []
    # nor does partial_fit ever warn, even with max_iter=1
    for cls in (MLPRegressor, GlassnetRegressor):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            cls(**(kw | dict(max_iter=1))).partial_fit(STOP_X, STOP_Y)
        assert seen == []


def test_a_batch_larger_than_the_data_warns_as_mlp_and_one_as_large_does_not():
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=2, tol=10.0,
              n_iter_no_change=5)  # fmt: skip
    (mlp, theirs), (ours, got) = _fit_both(kw | dict(batch_size=41))
    assert theirs == [
        (
            UserWarning,
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
        ),
        (ConvergenceWarning, theirs[1][1]),
    ]
    assert got == theirs
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-10)
    (_, theirs), (_, got) = _fit_both(kw | dict(batch_size=40))
    assert [c for c, _ in theirs] == [c for c, _ in got] == [ConvergenceWarning]


def test_a_validation_set_of_one_sample_is_refused_in_mlps_words_and_two_are_enough():
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=2,
              early_stopping=True, validation_fraction=0.1)  # fmt: skip
    refused = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(**kw)
        with pytest.raises(ValueError) as err:
            est.fit(STOP_X[:10], STOP_Y[:10])  # 1 sample held out
        assert str(err.value) == (
            "The validation set is too small. Increase 'validation_fraction' or the size of "
            "your dataset."
        )
        refused.append(est)
    # what the refused fit had set up by then is MLP's: no epoch, no count, no loss
    for name in ("n_iter_", "t_", "_no_improvement_count", "loss_curve_", "best_loss_"):
        assert getattr(refused[1], name) == getattr(refused[0], name), name
    (mlp, _), (ours, _) = _fit_both(kw, STOP_X[:20], STOP_Y[:20])  # 2 held out
    np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=1e-9)


@pytest.mark.parametrize("weights", ["all 0.01", "zero sum", "all zero"])
def test_sample_weights_are_normalized_and_a_zero_sum_is_refused(weights):
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=3, alpha=0.5)
    if weights == "all zero":  # scikit-learn's own check, for both
        for cls in (MLPRegressor, GlassnetRegressor):
            with pytest.raises(ValueError) as err:
                cls(**kw).fit(STOP_X, STOP_Y, sample_weight=np.zeros(40))
            assert str(err.value) == "Sample weights must contain at least one non-zero number."
        return
    if weights == "zero sum":  # +1 and -1: nothing to normalize by (MLP divides by 0)
        with pytest.raises(ValueError) as err:
            GlassnetRegressor(**kw).fit(STOP_X, STOP_Y, sample_weight=np.tile([1.0, -1.0], 20))
        assert str(err.value) == "sample_weight: expected weights with a positive sum"
        return
    # weights of a sum below 1 are weights like any: MLP's fit, scale-free
    (mlp, _), (ours, _) = _fit_both(kw, sample_weight=np.full(40, 0.01))
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)


def _same(ours, theirs, rtol=1e-9):
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)


def test_weighted_penalty_is_mlps():
    # scikit-learn divides alpha by the batch's weight sum, batch * mean weight (full batch)
    w = np.linspace(0.2, 3.0, 40)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=3, alpha=2.0)
    (mlp, _), (ours, _) = _fit_both(kw, sample_weight=w)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)


@pytest.mark.parametrize("form", ["csr", "csc", "int"])
def test_sparse_and_integer_inputs_fit_as_mlp(form):
    import scipy.sparse as sp

    X = np.round(STOP_X * 3)
    given = {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "int": lambda a: a.astype(int)}[form](X)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=3)
    (mlp, _), (ours, _) = _fit_both(kw, given)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)
    assert ours.coefs_[0].dtype == np.float64


@pytest.mark.parametrize(
    ("name", "factor"),
    [
        ("step", lambda e: 0.1 ** (e // 2)),  # step_size = max_iter // 3
        ("exponential", lambda e: (0.01 ** (1 / 6)) ** e),  # 1% of the rate at max_iter
        ("cosine", lambda e: (1 + np.cos(np.pi * e / 6)) / 2),
    ],
)
@pytest.mark.parametrize("batch_size", [40, 20])
def test_named_schedules_are_the_rate_per_epoch_written_out(name, factor, batch_size):
    # glassnet's schedules (glassnet.optimizers.schedule's formulas, per epoch), against
    # MLPRegressor stepped one partial_fit (one epoch) at a time at the rate set by hand
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, random_state=0, shuffle=False,
              learning_rate_init=0.05, batch_size=batch_size)  # fmt: skip
    mlp = MLPRegressor(**kw)
    for e in range(6):
        if e:
            mlp._optimizer.learning_rate = 0.05 * factor(e)
        mlp.partial_fit(STOP_X, STOP_Y)
    ours = GlassnetRegressor(**kw, learning_rate=name, max_iter=6, tol=0.0, n_iter_no_change=99)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(STOP_X, STOP_Y)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)


def test_an_interrupted_fit_keeps_its_epochs_and_warns_as_mlp(monkeypatch):
    # Ctrl-C during the fourth epoch: MLP warns and keeps the three epochs done
    import glassnet.sklearn as gs

    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=20)
    calls = {"mlp": 0, "ours": 0}
    mlp_update = MLPRegressor._update_no_improvement_count

    def mlp_interrupted(self, *args):
        calls["mlp"] += 1
        if calls["mlp"] == 4:
            raise KeyboardInterrupt
        return mlp_update(self, *args)

    train = gs._train

    def ours_interrupted(*args, **kwargs):
        calls["ours"] += 1
        if calls["ours"] == calls.get("stop", 4):
            raise KeyboardInterrupt
        return train(*args, **kwargs)

    monkeypatch.setattr(MLPRegressor, "_update_no_improvement_count", mlp_interrupted)
    monkeypatch.setattr(gs, "_train", ours_interrupted)
    (mlp, theirs), (ours, got) = _fit_both(kw)
    assert theirs == [(UserWarning, "Training interrupted by user.")]
    assert got == theirs
    # MLP's fourth epoch stepped before its bookkeeping raised: its curve has four losses
    assert len(mlp.loss_curve_) == 4 and len(ours.loss_curve_) == 3
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_[:3], rtol=1e-10)
    np.testing.assert_array_equal(ours.history_.loss, ours.loss_curve_)
    assert ours.history_.epochs_run == 3 and ours.history_.loss.dtype == np.float64
    assert ours.history_.stopped_by == "KeyboardInterrupt"
    assert ours.history_.messages == ["training was interrupted by the user"]
    assert ours.n_iter_ == 3
    # a warm-started fit interrupted in its second epoch: its history_ is its own one epoch
    calls.update(ours=0, stop=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours.set_params(warm_start=True).fit(STOP_X, STOP_Y)
    assert len(ours.loss_curve_) == 4
    np.testing.assert_array_equal(ours.history_.loss, ours.loss_curve_[3:])


@pytest.mark.parametrize(
    "settings",
    [
        dict(n_iter_no_change=3),  # stops on tol, an infinite loss in its curve; refused
        dict(n_iter_no_change=20),  # runs out: NaN epochs to max_iter, warned; refused
        dict(n_iter_no_change=3, early_stopping=True),  # the best epoch's weights kept
    ],
)
def test_a_diverging_run_ends_as_mlps(settings):
    # one infinite loss, then NaN weights: the epochs after are NaN in both, uncomputed in
    # glassnet (docs/sklearn-differences.md); where MLP prints NumPy's RuntimeWarnings
    # (overflow) at every step, glassnet says the first overflow once, where it happened
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=12,
              learning_rate_init=0.1) | settings  # fmt: skip
    X, y = STOP_X * 1e3, STOP_Y * 1e3
    results = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(**kw)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                est.fit(X, y)
                error = None
            except ValueError as exc:
                error = str(exc)
        categories = [w.category for w in seen if w.category is not RuntimeWarning]
        results.append((est, error, categories, list(seen)))
    (mlp, their_error, theirs, _), (ours, our_error, got, all_ours) = results
    assert RuntimeWarning not in [w.category for w in all_ours]  # no NumPy warning
    assert got == [gn.NonFiniteWarning, *theirs]
    # the epoch whose loss MLP records as infinite (1-based), from the weights it started with
    (inf_at,) = np.flatnonzero(np.isinf(mlp.loss_curve_))
    message = str(all_ours[0].message)
    assert message.startswith(
        f"sgd: iteration {inf_at + 1}, at the weights it started from, X: from finite inputs and "
        "weights, z^("
    ), message
    assert message.endswith("; scale X (e.g. with glassnet.datasets.Standardizer) or the weights")
    assert our_error == their_error
    assert (their_error is None) == bool(kw.get("early_stopping"))
    assert ours.n_iter_ == mlp.n_iter_
    assert np.isinf(mlp.loss_curve_).sum() == 1
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)  # NaN as NaN
    if kw.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=1e-9)
        np.testing.assert_allclose(
            ours.best_validation_score_, mlp.best_validation_score_, rtol=1e-9
        )
        _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)


@pytest.mark.parametrize("n_out", [1, 2])
def test_a_classifiers_validation_split_is_mlps_stratified_for_one_output(n_out):
    # a binary classifier's split is stratified as MLP's, a multilabel one's is not: the
    # same held-out samples give the same validation scores, epoch for epoch
    labels = (STOP_Y > 0.8).astype(int)  # unbalanced, so that stratifying moves samples
    y = labels if n_out == 1 else np.stack([labels, (STOP_X[:, 1] > 0).astype(int)], axis=1)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=5,
              early_stopping=True, validation_fraction=0.3, learning_rate_init=0.1)  # fmt: skip
    (mlp, _), (ours, _) = _fit_both(kw, y=y, classifier=True)
    np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)


def test_warm_starting_with_early_stopping_switched_keeps_mlps_attribute_meanings():
    # MLP fails on either switch (its None attributes); glassnet starts the switched-on
    # record afresh: validation_scores_ one per epoch of this fit, best_validation_score_
    # their maximum; best_loss_ the minimum of this fit's losses (MLP's definitions)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=4, warm_start=True,
              n_iter_no_change=50, tol=0.0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        on = GlassnetRegressor(**kw).fit(STOP_X, STOP_Y)  # off, then on
        assert on.validation_scores_ is None and on.best_validation_score_ is None
        on.set_params(early_stopping=True).fit(STOP_X, STOP_Y)
        off = GlassnetRegressor(**kw, early_stopping=True).fit(STOP_X, STOP_Y)  # on, then off
        assert off.best_loss_ is None
        off.set_params(early_stopping=False).fit(STOP_X, STOP_Y)
    assert len(on.validation_scores_) == on.n_iter_ == 4
    assert on.best_validation_score_ == max(on.validation_scores_) > -np.inf
    assert len(off.loss_curve_) == 8 and len(off.validation_scores_) == 4  # kept, as all else
    assert off.best_loss_ == min(off.loss_curve_[4:])


def _refusals(make, *calls):
    """The messages the calls raise, for MLP's estimator then glassnet's, names aligned."""
    out = []
    for cls in make:
        est = cls(hidden_layer_sizes=(3,), random_state=0, solver="sgd", max_iter=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            messages = []
            for call in calls:
                try:
                    call(est)
                    messages.append(None)
                except ValueError as exc:
                    messages.append(str(exc).replace(cls.__name__, "ESTIMATOR"))
        out.append(messages)
    return out


def test_continuing_with_another_number_of_features_is_refused_in_mlps_words():
    theirs, ours = _refusals(
        (MLPRegressor, GlassnetRegressor),
        lambda e: e.partial_fit(STOP_X, STOP_Y),
        lambda e: e.partial_fit(STOP_X[:, :2], STOP_Y),
        lambda e: e.set_params(warm_start=True).fit(STOP_X, STOP_Y),
        lambda e: e.fit(STOP_X[:, :2], STOP_Y),
    )
    want = "X has 2 features, but ESTIMATOR is expecting 3 features as input."
    assert theirs == [None, want, None, want]
    assert ours == theirs


def test_partial_fit_with_early_stopping_is_refused_in_mlps_words():
    theirs, ours = _refusals(
        (MLPRegressor, GlassnetRegressor),
        lambda e: e.set_params(early_stopping=True).partial_fit(STOP_X, STOP_Y),
    )
    assert theirs == ["partial_fit does not support early_stopping=True"]
    assert ours == theirs


@pytest.mark.parametrize("dtype", [str, object])
def test_string_labels_fit_and_predict_as_mlps(dtype):
    # labels as a NumPy string array and as Python strings (dtype object, as from pandas)
    y = np.where(STOP_Y > 0, "yes", "no").astype(dtype)
    kw = dict(hidden_layer_sizes=(3,), random_state=0, solver="sgd", max_iter=3)
    (mlp, _), (ours, _) = _fit_both(kw, y=y, classifier=True)
    np.testing.assert_array_equal(ours.classes_, mlp.classes_)
    np.testing.assert_array_equal(ours.predict(STOP_X), mlp.predict(STOP_X))
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)


def test_a_float32_model_continued_on_float64_data_stays_float32_as_mlps():
    fits = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(hidden_layer_sizes=(3,), random_state=0, solver="sgd")
        est.partial_fit(STOP_X.astype(np.float32), STOP_Y)
        est.partial_fit(STOP_X, STOP_Y)
        fits.append(est)
    mlp, ours = fits
    assert [c.dtype for c in ours.coefs_] == [c.dtype for c in mlp.coefs_] == [np.float32] * 2
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=1e-5)


def test_early_stopping_without_one_finite_score_keeps_the_starting_weights_as_mlp():
    # inputs of 1e100: every validation score is NaN from the first epoch on, none is ever
    # the best, and MLP ends with its starting weights
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=4,
              learning_rate_init=0.001, early_stopping=True)  # fmt: skip
    fits = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # MLP's overflows
            est.fit(STOP_X * 1e100, STOP_Y * 1e100)
        fits.append(est)
    mlp, ours = fits
    assert np.isnan(mlp.validation_scores_).all() and mlp.best_validation_score_ == -np.inf
    np.testing.assert_array_equal(ours.validation_scores_, mlp.validation_scores_)
    assert ours.best_validation_score_ == -np.inf
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=1e-12)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_warm_start_in_the_same_mode_carries_mlps_bookkeeping_over(early_stopping):
    # the second fit goes on from the first one's best loss (or score) and count
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=2, tol=10.0,
              n_iter_no_change=5, warm_start=True, early_stopping=early_stopping)  # fmt: skip
    fits = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(STOP_X, STOP_Y)
            est.fit(STOP_X, STOP_Y)
        fits.append(est)
    mlp, ours = fits
    assert ours._no_improvement_count == mlp._no_improvement_count == 3
    assert (ours.best_loss_ is None) == (mlp.best_loss_ is None) == early_stopping
    assert (ours.validation_scores_ is None) == (mlp.validation_scores_ is None)
    if early_stopping:
        assert len(ours.validation_scores_) == len(mlp.validation_scores_) == 4
        np.testing.assert_allclose(ours.best_validation_score_, mlp.best_validation_score_)
    else:
        assert ours.best_validation_score_ is mlp.best_validation_score_ is None
        np.testing.assert_allclose(ours.best_loss_, mlp.best_loss_, rtol=1e-9)


def test_the_automatic_batch_is_200_samples_as_mlps():
    # 250 samples in order: batches of 200 and 50, MLP's, for each epoch
    rng = np.random.default_rng(1)
    X = rng.normal(size=(250, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=2, shuffle=False)
    (mlp, _), (ours, _) = _fit_both(kw, X, y)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-6)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=1e-6)


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_adam_ignores_the_learning_rate_schedule_as_mlp(learning_rate):
    # MLP: learning_rate "only used when solver='sgd'"; glassnet's adam agrees to ~1e-5
    kw = dict(hidden_layer_sizes=(4,), solver="adam", random_state=0, max_iter=5,
              learning_rate_init=0.01, learning_rate=learning_rate, tol=10.0,
              n_iter_no_change=1)  # fmt: skip
    (mlp, _), (ours, _) = _fit_both(kw)
    assert ours.n_iter_ == mlp.n_iter_
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=1e-4)


def _engine_epochs(net, seed, epochs):
    """The engine (glassnet.training.fit) on ``net``: plain gradient descent on MLP's half
    squared error, shuffled batches of 10 from ``seed``."""
    from glassnet.run import TrainConfig
    from glassnet.sklearn import SQUARED_ERROR
    from glassnet.training import fit as engine_fit

    config = TrainConfig(loss=SQUARED_ERROR, optimizer="gd", lr=0.05, epochs=epochs,
                         batch_size=10, shuffle=True, seed=seed, stats_every=0, warn=False)  # fmt: skip
    engine_fit(net, STOP_X, STOP_Y[:, None], config)
    return net


def _same_network(ours, want):
    for layer, other in zip(ours.params, want.params, strict=True):
        for k in layer:
            np.testing.assert_allclose(layer[k], other[k], rtol=1e-12)


SHUFFLED = dict(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, alpha=0.0, batch_size=10,
                learning_rate_init=0.05)  # fmt: skip


@pytest.mark.parametrize("random_state", [70, 2**32 - 1])
def test_partial_fit_shuffles_with_random_state_plus_samples_seen_as_documented(random_state):
    # docs/sklearn-differences.md: mini-batches are shuffled by glassnet's generator, seeded
    # by random_state + t_ for partial_fit (modulo 2**32, the seeds MLP's random_state takes)
    # and by random_state for fit. The reference is the engine run on a copy of the network
    # with that seed.
    est = GlassnetRegressor(**SHUFFLED, random_state=random_state)
    est.partial_fit(STOP_X, STOP_Y)
    assert est.t_ == 40
    net = est.network_.copy()
    est.partial_fit(STOP_X, STOP_Y)
    _same_network(est.network_, _engine_epochs(net, (random_state + 40) % 2**32, 1))


def test_a_warm_started_fit_shuffles_with_random_state_as_documented():
    est = GlassnetRegressor(**SHUFFLED, random_state=70, warm_start=True, max_iter=2, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(STOP_X, STOP_Y)
        net = est.network_.copy()
        est.fit(STOP_X, STOP_Y)
    assert est.t_ == 160
    _same_network(est.network_, _engine_epochs(net, 70, 2))


def test_an_interrupt_in_the_last_epochs_bookkeeping_warns_only_of_the_interrupt(monkeypatch):
    # Ctrl-C while the last epoch's validation score is computed (its epoch counted): MLP
    # warns that training was interrupted, not that it ran out of iterations
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=3,
              early_stopping=True, n_iter_no_change=50)  # fmt: skip
    calls = {MLPRegressor: 0, GlassnetRegressor: 0}
    for cls, name in ((MLPRegressor, "_score"), (GlassnetRegressor, "_score_outputs")):
        score = getattr(cls, name)

        def interrupted(self, *args, _score=score, _cls=cls, **kwargs):
            calls[_cls] += 1
            if calls[_cls] == 3:
                raise KeyboardInterrupt
            return _score(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, interrupted)
    (mlp, theirs), (ours, got) = _fit_both(kw)
    assert mlp.n_iter_ == ours.n_iter_ == 3
    assert theirs == [(UserWarning, "Training interrupted by user.")]
    assert got == theirs


def test_a_diverged_classifier_scores_its_nan_outputs_as_mlp():
    # inputs of 1e150: the weights are NaN after the first epoch; MLP's NaN outputs still
    # decide (argmax picks the first class), so each later validation score is the weighted
    # share of the first class among the held-out samples (the losses differ: glassnet's log
    # loss does not saturate, docs/sklearn-differences.md)
    y = np.arange(40) % 3
    w = np.linspace(0.2, 3.0, 40)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=6,
              learning_rate_init=1.0, early_stopping=True, validation_fraction=0.3,
              n_iter_no_change=2)  # fmt: skip
    fits = []
    for cls in (MLPClassifier, GlassnetClassifier):
        est = cls(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # MLP's overflows
            est.fit(STOP_X * 1e150, y, sample_weight=w)
        fits.append(est)
    mlp, ours = fits
    assert np.isnan(mlp.loss_curve_[1:]).all()
    assert ours.n_iter_ == mlp.n_iter_ == 4
    np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=1e-12)


@pytest.mark.parametrize(
    ("threshold", "raised"),
    [
        # the NaN epochs score as well as the best finite one, not better: MLP keeps that one
        (0.0, None),
        # a NaN epoch scores best (every NaN output decides the majority class 0): MLP keeps
        # its NaN weights as the best epoch's and refuses them
        (0.8, "Solver produced non-finite parameter weights. The input data may contain large "
         "values and need to be preprocessed."),
    ],
)  # fmt: skip
def test_the_epoch_that_diverged_scores_nan_weights_as_mlps(threshold, raised):
    # bug found by this review: from the epoch whose loss is NaN MLP steps to NaN weights, so
    # that epoch's validation score is already NaN outputs'; glassnet scored the finite
    # weights the engine kept (0.333 where MLP has 0.5), and a NaN epoch that scored best
    # left glassnet a fitted model where MLP refuses its NaN best weights. (The losses differ:
    # MLP's log loss saturates, glassnet's does not, docs/sklearn-differences.md; the weights,
    # from the same gradients, do not.)
    y = (STOP_Y > threshold).astype(int)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=8,
              learning_rate_init=0.1, early_stopping=True, validation_fraction=0.3,
              n_iter_no_change=20)  # fmt: skip
    fits = []
    for cls in (MLPClassifier, GlassnetClassifier):
        est = cls(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # MLP's overflows
            try:
                est.fit(STOP_X * 1e100, y)
                error = None
            except ValueError as exc:
                error = str(exc)
        fits.append((est, error))
    (mlp, their_error), (ours, our_error) = fits
    assert our_error == their_error == raised
    nan_epochs = np.isnan(mlp.loss_curve_)
    assert nan_epochs.sum() == 6 and not nan_epochs[:2].any()
    np.testing.assert_array_equal(np.isnan(ours.loss_curve_), nan_epochs)
    assert ours.n_iter_ == mlp.n_iter_ == 8
    np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=1e-12)
    assert ours.best_validation_score_ == mlp.best_validation_score_
    if raised is None:  # the best epoch's weights, the first one's
        _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_an_infinite_loss_with_finite_weights_goes_on_as_in_mlp(backend):
    # the loss overflows to inf (the outputs squared) while the gradients and the weights
    # stay finite: MLP takes the step, stops on tol and returns a fitted model; so does
    # glassnet (its engine with divergence="none"), with MLP's curve and weights
    if backend == "jax":
        pytest.importorskip("jax")
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=15,
              learning_rate_init=5.0, n_iter_no_change=4)  # fmt: skip
    mlp = MLPRegressor(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # MLP's overflow
        mlp.fit(STOP_X, STOP_Y)
    assert np.isinf(mlp.loss_curve_[-1]) and mlp.n_iter_ == 6
    with pytest.warns(gn.NonFiniteWarning) as caught:  # said once, where MLP's NumPy warns
        ours = GlassnetRegressor(backend=backend, **kw).fit(STOP_X, STOP_Y)
    assert len(caught) == 1 and str(caught[0].message).startswith(
        "sgd: iteration 6, at the weights it started from, X: from a finite output and finite "
        "targets, the squared_error cost overflowed to inf (largest magnitudes: "
        f"{np.abs(STOP_Y).max():.3g} in y, "
    )
    assert ours.n_iter_ == mlp.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=1e-9)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_losses_that_grow_through_inf_to_nan_go_as_in_mlp(early_stopping):
    # inputs 1e3 times larger, a rate of 1: the loss grows to 1e97, then inf (finite weights:
    # stepped on), then NaN; MLP's curve and validation scores, epoch by epoch, and its end:
    # the non-finite weights refused without early stopping, the best epoch's kept with it
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=15,
              learning_rate_init=1.0, n_iter_no_change=4, early_stopping=early_stopping)  # fmt: skip
    got = []
    for make in (MLPRegressor, GlassnetRegressor):
        est = make(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLP's overflows, both ConvergenceWarnings
            try:
                est.fit(STOP_X * 1e3, STOP_Y)
                error = None
            except ValueError as e:
                error = str(e)
        got.append((est, error))
    (mlp, theirs), (ours, mine) = got
    assert mine == theirs and (theirs is None) is early_stopping
    assert np.isinf(mlp.loss_curve_[3]) and np.isnan(mlp.loss_curve_[4])
    assert ours.n_iter_ == mlp.n_iter_ == 15
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    if early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=1e-9)
        for a, b in zip(ours.coefs_, mlp.coefs_, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_loss_or_score_that_stays_exactly_equal_is_no_worse_as_in_mlp(early_stopping):
    # a rate of 1e-300 leaves every weight as it was: the validation score is the same
    # number every epoch, and so is the loss of a batch taken in order; with tol=0 MLP
    # counts an equal one as no worse and never stops on it ("<", not "<="), running to
    # max_iter
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=8, tol=0.0,
              n_iter_no_change=2, learning_rate_init=1e-300, shuffle=False,
              early_stopping=early_stopping)  # fmt: skip
    (mlp, theirs), (ours, got) = _fit_both(kw)
    assert len(set(mlp.validation_scores_ if early_stopping else mlp.loss_curve_)) == 1
    assert mlp.n_iter_ == ours.n_iter_ == 8
    assert got == theirs and theirs[0][0] is ConvergenceWarning


def test_a_pickled_copys_attributes_are_its_model_when_changed_in_place():
    # after unpickling, coefs_ and intercepts_ changed in place change the predictions, as
    # they do for MLP's copy (whose model they are)
    mlp, ours = _fitted_pair()
    copies = [_round_trip(mlp), _round_trip(ours)]
    for est in copies:
        est.intercepts_[1][...] = np.array([0.5, -0.5, 0.0])
        est.coefs_[0][0, :] = 1.0
    want = copies[0].predict_proba(CLF_X)
    np.testing.assert_array_equal(copies[1].predict_proba(CLF_X), want)


# --- the classifier's targets and head, tags, options (issue 26, branch msk3) ----------------


def test_tags_say_sparse_input_and_multilabel_as_mlps():
    for ours, theirs in (
        (GlassnetClassifier(), MLPClassifier()),
        (GlassnetRegressor(), MLPRegressor()),
    ):
        got, want = ours.__sklearn_tags__(), theirs.__sklearn_tags__()
        assert got.input_tags.sparse is want.input_tags.sparse is True
        if want.classifier_tags is not None:
            assert got.classifier_tags.multi_label is want.classifier_tags.multi_label is True


def test_partial_fit_of_lbfgs_is_refused_in_mlps_words():
    causes = []
    for cls in (MLPClassifier, GlassnetClassifier):
        with pytest.raises(AttributeError) as err:
            cls(solver="lbfgs").partial_fit  # noqa: B018
        causes.append(str(err.value.__cause__))
    assert (
        causes[0]
        == "partial_fit is only available for stochastic optimizers. lbfgs is not stochastic."
    )
    assert causes[1] == causes[0]


def _classes_refusal(cls, first, then, **kw):
    est = cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kw.get("warm_start"):
            est.fit(CLF_X, first)
            with pytest.raises(ValueError) as err:
                est.fit(CLF_X, then)
        else:
            est.partial_fit(CLF_X, first, classes=[0, 1])
            with pytest.raises(ValueError) as err:
                est.partial_fit(CLF_X, then)
    return str(err.value)


def test_other_classes_when_continuing_are_refused_in_mlps_words():
    two = np.arange(40) % 2
    three = np.arange(40) % 3
    for kw in (dict(warm_start=True), {}):
        theirs = _classes_refusal(MLPClassifier, two, three, **kw)
        assert _classes_refusal(GlassnetClassifier, two, three, **kw) == theirs
    # the same classes again continue, as in MLP
    for cls in (MLPClassifier, GlassnetClassifier):
        est = cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0, warm_start=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(CLF_X, two).fit(CLF_X, two[::-1])
        np.testing.assert_array_equal(est.classes_, [0, 1])


def test_a_new_fit_takes_the_new_classes_as_mlp():
    two = np.arange(40) % 2
    three = np.arange(40) % 3
    for cls in (MLPClassifier, GlassnetClassifier):
        est = cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(CLF_X, two).fit(CLF_X, three)
        np.testing.assert_array_equal(est.classes_, [0, 1, 2])
        assert est.predict_proba(CLF_X).shape == (40, 3)


def test_a_sparse_multilabel_y_fits_as_the_dense_one_and_as_mlp():
    import scipy.sparse as sp

    Yml = np.stack([CLF_X[:, 0] > 0, CLF_X[:, 1] > 0, CLF_X[:, 2] > 0.5], axis=1).astype(int)
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)  # scikit-learn's own
        mlp = MLPClassifier(**kw).fit(CLF_X, sp.csr_matrix(Yml))
        ours = GlassnetClassifier(**kw).fit(CLF_X, sp.csr_matrix(Yml))
        got, want = ours.predict(CLF_X), mlp.predict(CLF_X)
    # (sparse rows, as MLP's: test_a_sparse_multilabel_y_predicts_sparse_rows_as_mlp)
    np.testing.assert_array_equal(got.toarray(), want.toarray())
    np.testing.assert_allclose(ours.predict_proba(CLF_X), mlp.predict_proba(CLF_X), rtol=1e-9)


def test_output_logistic_is_mlps_logistic_output():
    y = (CLF_X[:, 0] > 0).astype(int)
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(**kw).fit(CLF_X, y)
        ours = GlassnetClassifier(output="logistic", **kw).fit(CLF_X, y)
    assert ours.out_activation_ == mlp.out_activation_ == "logistic"
    np.testing.assert_allclose(ours.predict_proba(CLF_X), mlp.predict_proba(CLF_X), rtol=1e-9)


def test_softmax_on_one_unit_is_refused_and_on_two_labels_fits():
    y = (CLF_X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError) as err:
        GlassnetClassifier(output="softmax", max_iter=1).fit(CLF_X, y)
    assert str(err.value) == (
        "output: 'softmax' needs several output units; two classes use one unit "
        "(output='sigmoid' or None)"
    )
    # two labels (multilabel, two units) may take a softmax: rows of two that sum to 1
    Y2 = np.stack([y, 1 - y], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GlassnetClassifier(output="softmax", hidden_layer_sizes=(3,), max_iter=2).fit(
            CLF_X, Y2
        )
    np.testing.assert_allclose(est.predict_proba(CLF_X).sum(axis=1), 1.0)


def test_warm_start_with_another_output_names_the_networks_output():
    est = GlassnetRegressor(hidden_layer_sizes=(3, 4), warm_start=True, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
        with pytest.raises(ValueError) as err:
            est.set_params(output="relu").fit(X, Y)
    assert str(err.value) == (
        "warm_start: the fitted network has layers [3, 3, 4, 1] (identity output), the "
        "parameters now ask for [3, 3, 4, 1] (relu output); set warm_start=False to start over"
    )


def test_a_layer_bias_is_shown_per_unit_and_predicts_as_mlp_with_it():
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0, solver="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = GlassnetRegressor(bias="layer", **kw).fit(X, Y)
    for b, layer in zip(ours.intercepts_, ours.network_.params, strict=True):
        np.testing.assert_array_equal(b, np.full(b.shape, layer["b"].ravel()[0]))
        assert np.all(b != 0)
    mlp = MLPRegressor(**kw)
    mlp.coefs_, mlp.intercepts_ = ours.coefs_, ours.intercepts_
    mlp.n_layers_, mlp.n_outputs_, mlp.out_activation_ = 3, 1, "identity"
    np.testing.assert_allclose(ours.predict(X), mlp.predict(X), rtol=1e-12)


@pytest.mark.parametrize(
    "options",
    [
        dict(momentum=0.5, nesterovs_momentum=False),
        dict(momentum=0.5, nesterovs_momentum=True),
        dict(momentum=0.0),
    ],
)
def test_sgds_momentum_is_mlps(options):
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", max_iter=4, random_state=0, tol=0.0,
              batch_size=10, shuffle=False, learning_rate_init=0.01) | options  # fmt: skip
    (mlp, _), (ours, _) = _fit_both(kw)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)


def test_adams_betas_and_epsilon_are_mlps():
    kw = dict(hidden_layer_sizes=(4,), solver="adam", max_iter=4, random_state=0, tol=0.0,
              batch_size=10, shuffle=False, beta_1=0.5, beta_2=0.8)  # fmt: skip
    # to 1e-5, not to rounding: MLP adds epsilon to the uncorrected second moment
    (mlp, _), (ours, _) = _fit_both(kw)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-5)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, rtol=1e-4)


def test_a_random_state_instance_seeds_with_its_next_draw_as_documented():
    # not an integer: the seed is the RandomState's next randint(0, 2**31 - 1), written out;
    # the starting weights are then MLP's for that integer seed
    seed = np.random.RandomState(5).randint(0, 2**31 - 1)
    ours = _starting_coefs(GlassnetClassifier, random_state=np.random.RandomState(5))
    _same(ours, _starting_coefs(MLPClassifier, random_state=int(seed)), rtol=1e-9)
    # None: a fresh seed each fit, from NumPy's global generator
    np.random.seed(7)  # noqa: NPY002
    seed = np.random.randint(0, 2**31 - 1)  # noqa: NPY002
    np.random.seed(7)  # noqa: NPY002
    ours = _starting_coefs(GlassnetClassifier, random_state=None)
    _same(ours, _starting_coefs(MLPClassifier, random_state=int(seed)), rtol=1e-9)


def test_a_named_initializer_is_used_and_a_network_without_hidden_layers_pickles():
    import pickle

    # init="normal": not scikit-learn's range; the pickled copy of a network without hidden
    # layers predicts as it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = _starting_coefs(GlassnetClassifier, init="uniform")
        b = _starting_coefs(GlassnetClassifier)
        assert not np.allclose(a[0], b[0])
        est = GlassnetClassifier(hidden_layer_sizes=[], max_iter=2, random_state=0)
        est.fit(PARAM_X, PARAM_Y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict_proba(PARAM_X), est.predict_proba(PARAM_X))


def _linear_steps(step, epochs):
    """A network without hidden layers, full batch, by hand: MLPRegressor's starting weights
    (a rate of 1e-300: its first draw), MLP's squared-error gradient, then ``step``."""
    start = MLPRegressor(hidden_layer_sizes=(), solver="sgd", learning_rate_init=1e-300,
                         momentum=0, max_iter=1, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start.fit(X, Y)
    params = [start.coefs_[0].copy(), start.intercepts_[0].copy()]
    state = None
    for t in range(1, epochs + 1):
        err = X @ params[0] + params[1] - Y[:, None]
        grads = [X.T @ err / len(X), err.mean(axis=0)]
        params, state = step(params, grads, state, t)
    return params


@pytest.mark.parametrize("solver", ["rmsprop", "adamw"])
def test_rmsprop_and_adamw_take_epsilon_and_betas_as_written_out(solver):
    lr, eps, b1, b2 = 0.1, 0.5, 0.5, 0.8

    def rmsprop(params, grads, s, t):
        s = (
            [0.1 * g * g for g in grads]
            if s is None
            else [0.9 * a + 0.1 * g * g for a, g in zip(s, grads, strict=True)]
        )
        return [
            p - lr * g / (np.sqrt(a) + eps) for p, g, a in zip(params, grads, s, strict=True)
        ], s

    def adamw(params, grads, state, t):
        m, v = state or ([0 * g for g in grads], [0 * g for g in grads])
        m = [b1 * a + (1 - b1) * g for a, g in zip(m, grads, strict=True)]
        v = [b2 * a + (1 - b2) * g * g for a, g in zip(v, grads, strict=True)]
        new = [
            p - lr * ((a / (1 - b1**t)) / (np.sqrt(c / (1 - b2**t)) + eps) + decay * p)
            for p, a, c, decay in zip(params, m, v, (0.01, 0.0), strict=True)  # not the bias
        ]
        return new, (m, v)

    want = _linear_steps({"rmsprop": rmsprop, "adamw": adamw}[solver], 3)
    est = GlassnetRegressor(hidden_layer_sizes=(), solver=solver, learning_rate_init=lr,
                            epsilon=eps, beta_1=b1, beta_2=b2, alpha=0.0, batch_size=len(X),
                            shuffle=False, max_iter=3, tol=0.0, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    _same([est.coefs_[0], est.intercepts_[0]], want, rtol=1e-10)


@pytest.mark.parametrize("random_state", [True, False])
def test_a_bool_random_state_is_mlps_integer(random_state):
    # bug found by this review: glassnet drew a seed from it instead of taking 1 or 0
    ours = _starting_coefs(GlassnetClassifier, random_state=random_state)
    _same(ours, _starting_coefs(MLPClassifier, random_state=random_state), rtol=1e-9)
    _same(ours, _starting_coefs(MLPClassifier, random_state=int(random_state)), rtol=1e-9)


# --- momentum=1: within MLP's range [0, 1], and fitted as MLP fits it ----------------------
#
# found by issue 26's mutation review: the engine refused beta=1 ("beta: expected a finite
# number in [0, 1)"), though MLP's constraint and glassnet's own allow momentum=1


@pytest.mark.parametrize("nesterovs_momentum", [False, True])
def test_a_momentum_of_one_fits_as_mlp(nesterovs_momentum):
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", max_iter=3, random_state=0, momentum=1.0,
              nesterovs_momentum=nesterovs_momentum, learning_rate_init=1e-3, tol=0.0,
              shuffle=False)  # fmt: skip
    (mlp, theirs), (ours, got) = _fit_both(kw)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    _same(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_)
    assert got == theirs and theirs[0][0] is ConvergenceWarning


@pytest.mark.parametrize("nesterovs_momentum", [False, True])
def test_a_momentum_of_one_is_the_undamped_heavy_ball_written_out(nesterovs_momentum):
    # v <- 1 v - eta g; the step is v (heavy ball) or 1 v - eta g (Nesterov): two full-batch
    # epochs from MLP's starting weights, by hand; the first step is plain gradient descent's,
    # the second adds the whole first velocity (at momentum 0.9 it would add nine tenths)
    lr = 0.05

    def heavy_ball(params, grads, v, t):
        v = (
            [-lr * g for g in grads]
            if v is None
            else [a - lr * g for a, g in zip(v, grads, strict=True)]
        )
        if nesterovs_momentum:
            return [p + a - lr * g for p, a, g in zip(params, v, grads, strict=True)], v
        return [p + a for p, a in zip(params, v, strict=True)], v

    want = _linear_steps(heavy_ball, 2)
    est = GlassnetRegressor(hidden_layer_sizes=(), solver="sgd", momentum=1.0,
                            nesterovs_momentum=nesterovs_momentum, learning_rate_init=lr,
                            alpha=0.0, batch_size=len(X), shuffle=False, max_iter=2, tol=0.0,
                            random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    _same([est.coefs_[0], est.intercepts_[0]], want, rtol=1e-12)


@pytest.mark.parametrize(("momentum", "shown"), [(1.5, "1.5"), (-0.1, "-0.1")])
def test_a_momentum_outside_zero_to_one_is_still_refused(momentum, shown):
    # scikit-learn's constraint and words for the estimator; the engine names its argument
    import glassnet as gn

    for cls in (MLPRegressor, GlassnetRegressor):
        with pytest.raises(InvalidParameterError) as err:
            cls(solver="sgd", momentum=momentum).fit(X, Y)
        assert str(err.value) == (
            f"The 'momentum' parameter of {cls.__name__} must be a float in the range "
            f"[0.0, 1.0]. Got {shown} instead."
        )
    for name in ("momentum", "nesterov"):
        with pytest.raises(ValueError, match=r"^beta: expected a finite number in \[0, 1\]"):
            gn.Network([3, 1]).fit(X, Y[:, None], optimizer=name,
                                   optimizer_options={"beta": momentum}, epochs=1)  # fmt: skip


# --- a sparse multilabel y: MLP's predictions come back sparse --------------------------------
#
# found by issue 26's mutation review: glassnet gave dense rows. MLPClassifier's LabelBinarizer
# is fitted on the sparse y (sparse_input_), and its inverse_transform, through which predict
# goes, then returns a CSR matrix; a later warm or partial fit keeps that binarizer.

SPARSE_Y = np.stack([CLF_X[:, 0] > 0, CLF_X[:, 1] > 0, CLF_X[:, 2] > 0.5], axis=1).astype(int)


def _multilabel_pair(first, then=None, partial=False):
    import scipy.sparse as sp

    kw = dict(hidden_layer_sizes=(3,), solver="sgd", max_iter=3, random_state=0,
              warm_start=then is not None)  # fmt: skip
    fitted = []
    for cls in (MLPClassifier, GlassnetClassifier):
        est = cls(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)  # scikit-learn's own
            if partial:
                est.partial_fit(CLF_X, first, classes=[0, 1, 2])  # the labels
            else:
                est.fit(CLF_X, first)
            if then is not None:
                est.partial_fit(CLF_X, then) if partial else est.fit(CLF_X, then)
        fitted.append(est)
    return fitted


def _same_predictions(mlp, ours):
    import scipy.sparse as sp

    # away from the threshold, so that rounding cannot decide a label
    assert np.abs(mlp.predict_proba(CLF_X) - 0.5).min() > 1e-6
    want, got = mlp.predict(CLF_X), ours.predict(CLF_X)
    assert type(got) is type(want)
    assert got.dtype == want.dtype
    if sp.issparse(want):
        assert got.format == want.format
        want, got = want.toarray(), got.toarray()
    assert want.any() and not want.all()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("sparse", ["csr_matrix", "csc_matrix", "csr_array", "coo_matrix"])
def test_a_sparse_multilabel_y_predicts_sparse_rows_as_mlp(sparse, partial):
    import scipy.sparse as sp

    mlp, ours = _multilabel_pair(getattr(sp, sparse)(SPARSE_Y), partial=partial)
    assert sp.issparse(mlp.predict(CLF_X))
    _same_predictions(mlp, ours)


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("first_sparse", [False, True])
def test_continuing_with_the_other_kind_of_y_keeps_the_first_kind_of_predictions(
    first_sparse, partial
):
    # MLP keeps its binarizer when continuing, so the first y decides dense or sparse
    import scipy.sparse as sp

    dense, sparse = SPARSE_Y, sp.csr_matrix(SPARSE_Y)
    first, then = (sparse, dense) if first_sparse else (dense, sparse)
    mlp, ours = _multilabel_pair(first, then, partial=partial)
    assert sp.issparse(mlp.predict(CLF_X)) == first_sparse
    _same_predictions(mlp, ours)


@pytest.mark.parametrize("sparse", ["csr_matrix", "csc_matrix", "csr_array"])
def test_a_sparse_column_of_labels_fits_as_mlp_on_its_dense_column(sparse):
    # MLP refuses a sparse y unless it is a multilabel indicator ("dense data is required");
    # glassnet takes a sparse single column of class labels as the dense column it holds, so
    # the reference is MLP on y.toarray(): the same classes, curve and dense predictions (a
    # binarizer fitted on the sparse column as given would fail: a matrix is not a label)
    import scipy.sparse as sp
    from sklearn.exceptions import DataConversionWarning

    labels = (CLF_X[:, 0] > 0).astype(int) + (CLF_X[:, 1] > 0.3).astype(int)  # 0, 1, 2
    column = labels.reshape(-1, 1)
    kw = dict(hidden_layer_sizes=(3,), solver="sgd", max_iter=3, random_state=0)
    fitted = []
    for cls, y in ((MLPClassifier, column), (GlassnetClassifier, getattr(sp, sparse)(column))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", DataConversionWarning)  # the column, raveled
            fitted.append(cls(**kw).fit(CLF_X, y))
    mlp, ours = fitted
    np.testing.assert_array_equal(ours.classes_, [0, 1, 2])
    np.testing.assert_array_equal(ours.classes_, mlp.classes_)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    got = ours.predict(CLF_X)
    assert isinstance(got, np.ndarray) and got.shape == (40,)
    np.testing.assert_array_equal(got, mlp.predict(CLF_X))
    np.testing.assert_allclose(ours.predict_proba(CLF_X), mlp.predict_proba(CLF_X), rtol=1e-9)


# --- an initializer that is not registered, through a pickle ---------------------------------


def _unregistered_draw(seed, weight_shapes, bias_shapes):
    # a module-level function, so that the estimator (whose init it is) pickles
    from glassnet import initializers

    return initializers.REGISTRY["uniform"].draw(seed, weight_shapes, bias_shapes)


def test_a_pickled_copy_keeps_the_name_of_an_unregistered_initializer_as_networks_pickle():
    # bug found by this review: the copy's network named its initializer "uniform" (what it
    # was built with); a Network's own pickle keeps the name of one it cannot look up
    import pickle

    from glassnet import initializers

    init = initializers.Initializer("not_registered", _unregistered_draw)
    est = GlassnetRegressor(hidden_layer_sizes=(3,), max_iter=2, init=init, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(PICKLE_X, PICKLE_Y)
    want = pickle.loads(pickle.dumps(est.network_)).config()
    assert want["init"] == "not_registered"
    copy = _round_trip(est)
    assert copy.network_.config() == want
    np.testing.assert_array_equal(copy.predict(PICKLE_X), est.predict(PICKLE_X))


def test_a_pickled_copys_unregistered_initializer_draws_as_a_networks_pickle():
    # the stand-in keeps the name and draws as "uniform": U(-1, 1) from default_rng(seed), by
    # hand here, as test_an_unpickled_network_whose_initializer_is_not_registered_draws_uniformly
    # pins for a Network's own pickle
    from glassnet import initializers

    init = initializers.Initializer("not_registered", _unregistered_draw)
    est = GlassnetRegressor(hidden_layer_sizes=(3,), max_iter=2, init=init, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(PICKLE_X, PICKLE_Y)
    copy = _round_trip(est)
    assert copy.network_.init.name == "not_registered"
    weights, biases = copy.network_.init.draw(7, [(2, 3), (3, 1)], [(3,), None])
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(weights[0], rng.uniform(-1, 1, size=(2, 3)))
    np.testing.assert_array_equal(weights[1], rng.uniform(-1, 1, size=(3, 1)))
    np.testing.assert_array_equal(biases[0], np.zeros(3))
    assert biases[1] is None


# --- not fitted after a failed first fit (_forward); the regressor's target tags -------------


@pytest.mark.parametrize(
    ("cls", "y", "weights"),
    [
        (MLPClassifier, X[:, 0], None),  # continuous labels
        (GlassnetClassifier, X[:, 0], None),
        (GlassnetRegressor, Y, np.r_[np.ones(10), -np.ones(10)]),  # weights that sum to 0
    ],
)
def test_predicting_after_a_failed_first_fit_is_not_fitted_as_scikit_learn_says(cls, y, weights):
    # the failed fit validated X (n_features_in_ is set) but built no model: scikit-learn's
    # contract (check_is_fitted, NotFittedError: "used before fitting") is NotFittedError;
    # MLP gets as far as a missing attribute, an AttributeError, which NotFittedError is too
    from sklearn.exceptions import NotFittedError

    est = cls(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError):
        est.fit(X, y, sample_weight=weights) if weights is not None else est.fit(X, y)
    assert est.n_features_in_ == 3
    with pytest.raises(AttributeError) as err:
        est.predict(X)
    if cls is not MLPClassifier:
        assert err.type is NotFittedError
        assert str(err.value).startswith(f"This {cls.__name__} instance is not fitted yet.")


def test_regressor_target_tags_are_those_of_scikit_learns_multi_target_regressors():
    # single_output as MLPRegressor's; multi_output declared, as scikit-learn's regressors
    # that fit several targets declare it (MLPRegressor fits them without saying so,
    # docs/sklearn-differences.md): and scikit-learn's own check of that promise passes
    from sklearn.linear_model import LinearRegression
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_regressor_multioutput

    got = get_tags(GlassnetRegressor()).target_tags
    assert got.single_output is get_tags(MLPRegressor()).target_tags.single_output is True
    for reference in (LinearRegression(), KNeighborsRegressor()):
        want = get_tags(reference).target_tags
        assert (got.multi_output, got.single_output) == (want.multi_output, want.single_output)
    assert got.multi_output is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_regressor_multioutput(
            "GlassnetRegressor", GlassnetRegressor(hidden_layer_sizes=(3,), max_iter=5)
        )


# --- the backend parameter reaches the engine (_fit) -----------------------------------------


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_the_backend_parameter_is_the_engines_backend_as_documented(backend, monkeypatch):
    # "backend: the engine's backend (glassnet.training.fit)": every epoch's fit is given
    # it; the spy then trains on NumPy, so that no JAX is needed to see it handed on
    import glassnet.sklearn as glassnet_sklearn

    seen = []
    train = glassnet_sklearn._train

    def spy(net, X, Y, config, **kw):
        seen.append(config.backend)
        return train(net, X, Y, config.replace(backend="numpy"), **kw)

    monkeypatch.setattr(glassnet_sklearn, "_train", spy)
    est = GlassnetRegressor(hidden_layer_sizes=(3,), solver="sgd", max_iter=3, tol=0.0,
                            backend=backend, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    est.partial_fit(X, Y)
    assert seen == [backend] * 4


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("make", [GlassnetClassifier, GlassnetRegressor])
@pytest.mark.parametrize("call", ["fit", "partial_fit"])
def test_history_holds_the_loss_of_every_epoch_and_no_layer_statistics(make, solver, call):
    # documented (history_): "the training loss of every epoch [of the run]. It holds no
    # per-layer statistics, which the estimators do not record"; its loss is loss_curve_,
    # which the parity tests hold to MLP's
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    est = make(hidden_layer_sizes=(4,), solver=solver, max_iter=7, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if call == "fit":
            est.fit(X, y)
        else:
            kw = {"classes": [0, 1]} if make is GlassnetClassifier else {}
            for _ in range(3):
                est.partial_fit(X, y, **kw)
    h = est.history_
    assert h.layer_stats == {} and h.stats_epochs.tolist() == []
    # the run's record: a fit's 7 epochs, or the 3 partial_fit calls' one epoch each
    assert h.loss.shape == (7 if call == "fit" else 3,)
    np.testing.assert_allclose(h.loss, est.loss_curve_, rtol=1e-12)


def _identity_classifier(W, b):
    # three classes, no hidden layer, an identity output: outputs that are not probabilities
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    est = GlassnetClassifier(
        hidden_layer_sizes=(), output="identity", loss="mse", max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, np.arange(30) % 3)
    est.network_.params[0]["W"][:] = W
    est.network_.params[0]["b"][:] = b
    return est


def test_outputs_whose_sum_overflows_are_normalized_all_the_same():
    # documented: outputs clipped at 0, rows normalized to sum to 1; [1e308, 1, 1e308] sums to
    # inf in float64, but its normalized row is [1/2, 1/(2e308), 1/2] by hand
    est = _identity_classifier([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    got = est.predict_proba(np.array([[1e308, 0.0], [2.0, 0.0], [-3.0, 0.0], [0.0, 0.0]]))
    want = [[0.5, 0.5e-308, 0.5], [0.4, 0.2, 0.4], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_infinite_outputs_share_their_row_the_limit_as_they_grow():
    # documented: k infinite outputs get 1/k each, the limit of p / sum(p) as they grow; the
    # overflow itself is reported (X, finite, overflowed in z^(1)), nothing else is warned
    est = _identity_classifier([[1e300, 0.0, 1e300], [0.0, 0.0, 1e300]], [[0.0, 1.0, 0.0]])
    X = np.array([[1e10, 0.0], [0.0, 1e10], [0.0, 0.0]])
    with pytest.warns(gn.NonFiniteWarning) as record:
        got = est.predict_proba(X)
    assert all("overflowed to inf" in str(w.message) for w in record)
    np.testing.assert_array_equal(got, [[0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


# --- L-BFGS from inputs so large that its arithmetic overflows (_fit_lbfgs) ---------------------

HUGE_X = np.random.default_rng(0).normal(size=(30, 4))
HUGE_Y = HUGE_X @ np.random.default_rng(1).normal(size=4)


def _lbfgs_pair(scale):
    # MLP and glassnet, side by side: MLP's RuntimeWarnings are NumPy's; glassnet says the
    # overflow once, in the engine's words, and otherwise ends as MLP does
    runs = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(hidden_layer_sizes=(5,), solver="lbfgs", activation="identity", max_iter=50,
                  random_state=0)  # fmt: skip
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(HUGE_X * scale, HUGE_Y)
        runs.append((est, [(w.category, str(w.message)) for w in caught]))
    return runs


def _kinds(caught):
    return [category.__name__ for category, _ in caught]


def test_an_lbfgs_cost_that_overflows_at_the_initial_weights_is_said_once_where():
    (mlp, mlp_caught), (ours, caught) = _lbfgs_pair(1e200)
    # MLP: NumPy's overflow warnings, then the abnormal end at the initial weights, loss_ NaN
    # (SciPy's result.fun); glassnet's loss_ is the cost at the weights kept: inf, as said
    assert "RuntimeWarning" in _kinds(mlp_caught)
    assert _kinds(caught) == ["NonFiniteWarning", "ConvergenceWarning"]  # no NumPy warning
    assert caught[1] == mlp_caught[-1]
    assert np.isposinf(ours.loss_) and np.isnan(mlp.loss_) and ours.n_iter_ == mlp.n_iter_ == 0
    np.testing.assert_array_equal(ours.predict(HUGE_X), mlp.predict(HUGE_X))
    # the cost 1/2 (y_hat - y)^2 overflows: y_hat ~ 1e200, the squares ~ 1e400
    y_hat = mlp.predict(HUGE_X * 1e200)
    assert np.isfinite(y_hat).all() and np.abs(y_hat).max() > 1e155  # its square > 1e308
    assert caught[0][1] == (
        "lbfgs: at the initial weights, X: from a finite output and finite targets, the "
        f"squared_error cost overflowed to inf (largest magnitudes: {np.abs(HUGE_Y).max():.3g} "
        f"in y, {np.abs(y_hat).max():.3g} in a^(2)); scale X or the weights"
    )


def test_an_lbfgs_step_that_overflows_from_finite_weights_is_said_with_its_gradient():
    # at 1e100 the cost (~1e200) and the gradient (~1e200) are finite, but the gradient's
    # squared norm is not: L-BFGS's first step leaves the finite numbers
    (mlp, mlp_caught), (ours, caught) = _lbfgs_pair(1e100)
    assert _kinds(caught) == ["NonFiniteWarning", "ConvergenceWarning"]
    assert caught[1] == mlp_caught[-1]
    assert np.isnan(mlp.loss_) and ours.n_iter_ == mlp.n_iter_ == 0
    # the gradient at the initial weights (which both keep), by hand: C = (1/2n) sum (y_hat -
    # y)^2 + (alpha/2n) sum ||W||^2, identity units, y_hat = (X W1 + b1) W2 + b2
    (W1, W2), (b1, b2) = mlp.coefs_, mlp.intercepts_
    X, n = HUGE_X * 1e100, len(HUGE_X)
    H = X @ W1 + b1
    delta2 = (H @ W2 + b2 - HUGE_Y[:, None]) / n
    delta1 = delta2 @ W2.T
    grads = [X.T @ delta1 + 1e-4 / n * W1, delta1.sum(0), H.T @ delta2 + 1e-4 / n * W2,
             delta2.sum(0)]  # fmt: skip
    largest = max(np.abs(g).max() for g in grads)
    assert 1e154 < largest < 1e308
    # loss_: the finite cost at those weights (SciPy's result.fun, MLP's loss_, is NaN)
    cost = 0.5 * np.mean((H @ W2 + b2 - HUGE_Y[:, None]) ** 2) + 0.5 * 1e-4 / n * (
        (W1**2).sum() + (W2**2).sum()
    )
    assert 1e154 < cost < 1e308 and ours.loss_ == pytest.approx(cost, rel=1e-12)
    assert caught[0][1] == (
        "lbfgs: L-BFGS stepped from finite weights to weights that are not finite (the "
        f"largest gradient entry at the last finite weights: {largest:.3g}); scale X"
    )


def test_an_lbfgs_overflow_follows_numpys_error_state():
    # as NumPy's own overflow warning: silent under errstate(over="ignore"), raised under "raise"
    est = GlassnetRegressor(hidden_layer_sizes=(5,), solver="lbfgs", activation="identity",
                            max_iter=50, random_state=0)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore"):
        warnings.simplefilter("always")
        est.fit(HUGE_X * 1e200, HUGE_Y)
    assert _kinds([(w.category, str(w.message)) for w in caught]) == ["ConvergenceWarning"]
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match=r"^lbfgs: at the"):
        est.fit(HUGE_X * 1e200, HUGE_Y)


def test_an_lbfgs_trial_point_that_overflows_is_said_and_the_run_goes_on():
    # the log link's exp output: from X * 30, L-BFGS's first trial step reaches z^(2) > 709.78,
    # where e^z is not a float (MLP: NumPy's "overflow encountered in exp", then a NaN loss
    # that ends its run); glassnet's Poisson loss of an infinite output is infinite, not NaN,
    # so the line search backs off, the run goes on, and the overflow is said once
    import re

    X, y = HUGE_X * 30, np.abs(HUGE_Y)
    kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", loss="poisson", max_iter=100,
              random_state=0)  # fmt: skip
    with warnings.catch_warnings(record=True) as mlp_caught:
        warnings.simplefilter("always")
        MLPRegressor(**kw).fit(X, y)
    assert ("overflow encountered in exp") in [str(w.message) for w in mlp_caught]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = GlassnetRegressor(**kw).fit(X, y)
    assert [w.category.__name__ for w in caught] == ["NonFiniteWarning"]
    match = re.fullmatch(
        r"lbfgs: at a point L-BFGS tried, X: a\^\(2\) = exp\(z\^\(2\)\) overflowed to inf at "
        r"row (\d+), unit 1, where z\^\(2\) is ([0-9.e+]+); scale X or the weights",
        str(caught[0].message),
    )
    assert match is not None, str(caught[0].message)
    assert float(match.group(2)) > np.log(np.finfo(np.float64).max)  # 709.78
    assert ours.n_iter_ >= 1 and np.isfinite(ours.loss_)
    assert all(np.isfinite(c).all() for c in ours.coefs_)


def test_an_lbfgs_gradient_that_overflows_from_a_finite_cost_is_named():
    # hand-set weights: W^(1) = 1, W^(2) = 0, biases 0, identity units, so y_hat = 0 and
    # C = (1/2n) sum y_i^2 is finite; but dC/dW^(2) = a^(1)^T delta^(2) / ..., with a^(1) =
    # the row sums of X (~1e299) and delta^(2) = -y / n (~1e9), is past the largest float
    X, y = HUGE_X * 1e299, HUGE_Y * 1e10
    est = GlassnetRegressor(hidden_layer_sizes=(1,), solver="lbfgs", activation="identity",
                            max_iter=5, random_state=0, warm_start=True)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(HUGE_X, HUGE_Y)
    est.coefs_[0][...], est.coefs_[1][...] = 1.0, 0.0
    est.intercepts_[0][...], est.intercepts_[1][...] = 0.0, 0.0
    a1 = X.sum(axis=1)
    assert np.isfinite(a1).all() and np.isfinite(0.5 * np.mean(y**2))
    assert np.abs(a1).max() / len(y) > np.finfo(np.float64).max / np.abs(y).max()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert [w.category.__name__ for w in caught] == ["NonFiniteWarning", "ConvergenceWarning"]
    assert str(caught[0].message).startswith(
        "lbfgs: at the initial weights, X: from a finite cost, dC/dW^(2) = a^(1)^T delta^(2) "
        "overflowed to "
    )
    assert str(caught[0].message).endswith(
        f"(largest magnitudes: {np.abs(a1).max():.3g} in a^(1), 0 in W^(2)); scale X or the weights"
    )


def test_an_lbfgs_hidden_delta_that_overflows_is_named_before_its_gradient():
    # hand-set W^(1) = 1e-300, W^(2) = 1e300, biases 0, alpha 0, identity units: a^(1) = 1e-300
    # times the row sums of X, y_hat = the row sums (finite, and so is the cost with y ~ 1e10);
    # delta^(2) = (y_hat - y) / n ~ 1e9, delta^(1) = delta^(2) W^(2)^T ~ 1e309: not a float,
    # and it comes before dC/dW^(1) = X^T delta^(1) in the order the pass computes them
    X, y = HUGE_X, HUGE_Y * 1e10
    est = GlassnetRegressor(hidden_layer_sizes=(1,), solver="lbfgs", activation="identity",
                            alpha=0.0, max_iter=5, random_state=0, warm_start=True)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, HUGE_Y)
    est.coefs_[0][...], est.coefs_[1][...] = 1e-300, 1e300
    est.intercepts_[0][...], est.intercepts_[1][...] = 0.0, 0.0
    delta2 = (X.sum(axis=1) - y) / len(y)
    assert np.abs(delta2).max() > np.finfo(np.float64).max / 1e300
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert caught[0].category.__name__ == "NonFiniteWarning"
    assert str(caught[0].message).startswith(
        "lbfgs: at the initial weights, X: from a finite cost, delta^(1) = dC/dz^(1) overflowed to "
    )


# --- SGD and Adam: the first overflow of a fit or partial_fit call, said once, where ------------


def _stochastic_pair(kw, X, y, calls=1):
    # MLP and glassnet side by side: the error each ends with, the warnings glassnet gives
    # (MLP's are NumPy's RuntimeWarnings, at every step)
    out = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(**kw)
        error = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                for _ in range(calls):
                    if calls == 1:
                        est.fit(X, y)
                    else:
                        est.partial_fit(X, y)
            except ValueError as exc:
                error = str(exc)
        out.append((est, error, [(w.category.__name__, str(w.message)) for w in caught]))
    return out


def test_a_cost_that_overflows_at_the_initial_weights_is_said_once_and_trains_as_mlp():
    # targets of 1e200: the squared error of the first output overflows; Adam's steps are
    # bounded by its rate, so both run on with an infinite loss and finite weights
    y = HUGE_Y * 1e200
    kw = dict(hidden_layer_sizes=(5,), solver="adam", max_iter=4, random_state=0)
    (mlp, their_error, theirs), (ours, our_error, caught) = _stochastic_pair(kw, HUGE_X, y)
    assert their_error is our_error is None
    assert np.isinf(mlp.loss_curve_).all() and np.isinf(ours.loss_curve_).all()
    assert "RuntimeWarning" in [kind for kind, _ in theirs]
    assert [kind for kind, _ in caught] == ["NonFiniteWarning", "ConvergenceWarning"]
    assert caught[1] == theirs[-1]
    message = caught[0][1]
    assert message.startswith(
        "adam: at the initial weights, y: from a finite output and finite targets, the "
        f"squared_error cost overflowed to inf (largest magnitudes: {np.abs(y).max():.3g} in y, "
    ), message
    assert message.endswith(" in a^(2)); scale y")


def test_a_partial_fit_call_that_overflows_names_its_iteration_and_where():
    # inputs of ~1e150: the first call's steps leave W^(1) ~ 1e295 (MLP's, the same weights);
    # the second call's pass overflows z^(1) = X W^(1) + b^(1) and its step makes NaN weights
    X = HUGE_X * 1e150
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", random_state=0)
    first = MLPRegressor(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        first.partial_fit(X, HUGE_Y)
    W1 = first.coefs_[0]
    assert np.isfinite(W1).all() and np.abs(W1).max() > np.finfo(float).max / np.abs(X).max()
    (_, their_error, _), (_, our_error, caught) = _stochastic_pair(kw, X, HUGE_Y, calls=2)
    refused = (
        "Solver produced non-finite parameter weights. The input data may contain large values "
        "and need to be preprocessed."
    )
    assert our_error == their_error == refused
    assert [kind for kind, _ in caught] == ["NonFiniteWarning"]
    message = caught[0][1]
    assert message.startswith(
        "sgd: iteration 2, at the weights it started from, X: from finite inputs and weights, "
        "z^(1) = X W^(1) + b^(1) overflowed to "
    ), message
    assert message.endswith(
        f"(largest magnitudes: {np.abs(X).max():.3g} in X, {np.abs(W1).max():.3g} in W^(1)); "
        "scale X (e.g. with glassnet.datasets.Standardizer) or the weights"
    )


def test_a_step_to_weights_that_are_not_finite_is_said_with_the_epochs_loss():
    # full batch at a rate of 1e300: the first epoch's pass is finite (its loss MLP's first),
    # its step is not (rate x gradient > 1e308); MLP prints NumPy's warnings and refuses them
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=3,
              learning_rate_init=1e300, batch_size=40, activation="identity")  # fmt: skip
    (mlp, their_error, theirs), (_, our_error, caught) = _stochastic_pair(kw, STOP_X, STOP_Y * 1e10)
    assert our_error == their_error is not None
    assert np.isfinite(mlp.loss_curve_[0]) and np.isnan(mlp.loss_curve_[1:]).all()
    theirs = [(kind, text) for kind, text in theirs if kind != "RuntimeWarning"]
    assert [kind for kind, _ in theirs] == ["ConvergenceWarning"]
    assert caught == [
        ("NonFiniteWarning",
         f"sgd: iteration 1 stepped from finite weights to weights that are not finite (its "
         f"loss: {mlp.loss_curve_[0]:.6g}); scale X or lower learning_rate_init"),
        theirs[0],
    ]  # fmt: skip


def test_a_mini_batch_that_overflows_inside_an_epoch_is_said_as_such():
    # batches of 16 at a rate of 5: the second epoch's later batches overflow the loss after
    # its first steps, while a pass over all the data at the weights it began with is finite
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0, max_iter=15,
              learning_rate_init=5.0, batch_size=16)  # fmt: skip
    (mlp, their_error, _), (_, our_error, caught) = _stochastic_pair(kw, STOP_X, STOP_Y)
    assert our_error == their_error is not None
    first_bad = int(np.flatnonzero(~np.isfinite(mlp.loss_curve_))[0])
    assert first_bad == 1 and np.isinf(mlp.loss_curve_[first_bad])
    assert caught[0] == (
        "NonFiniteWarning",
        f"sgd: iteration {first_bad + 1} had a loss of inf, though a pass over the training "
        "data is finite at the weights it started from: one of its mini-batch steps "
        "overflowed; scale X or lower learning_rate_init",
    )


def test_an_sgd_overflow_follows_numpys_error_state():
    kw = dict(hidden_layer_sizes=(5,), solver="adam", max_iter=2, random_state=0)
    y = HUGE_Y * 1e200
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore"):
        warnings.simplefilter("always")
        GlassnetRegressor(**kw).fit(HUGE_X, y)
    assert [w.category.__name__ for w in caught] == ["ConvergenceWarning"]
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match=r"^adam: at the"):
        GlassnetRegressor(**kw).fit(HUGE_X, y)


def test_an_exp_output_that_overflows_at_the_initial_weights_is_said_there():
    # the Poisson loss's log link, inputs x1000: at the initial weights some z^(2) passes
    # log(max float) = 709.78, so e^z is inf (MLP: NumPy's "overflow encountered in exp").
    # The initial weights by hand, as MLP draws them: RandomState(0), per layer W then b, each
    # U(-r, r) with r = sqrt(6 / (n_in + n_out)); relu hidden units
    X, y = HUGE_X * 1e3, np.abs(HUGE_Y)
    rs = np.random.RandomState(0)
    layers = []
    for n_in, n_out in ((4, 5), (5, 1)):
        r = np.sqrt(6 / (n_in + n_out))
        layers.append((rs.uniform(-r, r, (n_in, n_out)), rs.uniform(-r, r, n_out)))
    (W1, b1), (W2, b2) = layers
    z2 = (np.maximum(X @ W1 + b1, 0) @ W2 + b2)[:, 0]
    row = int(np.flatnonzero(z2 > np.log(np.finfo(float).max))[0])
    kw = dict(hidden_layer_sizes=(5,), solver="adam", loss="poisson", max_iter=2, random_state=0)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            MLPRegressor(**kw).fit(X, y)
    assert "overflow encountered in exp" in [str(w.message) for w in theirs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            GlassnetRegressor(**kw).fit(X, y)
    assert str(caught[0].message) == (
        f"adam: at the initial weights, X: a^(2) = exp(z^(2)) overflowed to inf at row {row}, "
        f"unit 1, where z^(2) is {z2[row]:.3g}; scale X or the weights"
    )


def _warm(hidden, activation, X, y, **kw):
    # a fitted regressor whose weights the test then sets by hand (warm_start keeps them)
    est = GlassnetRegressor(hidden_layer_sizes=hidden, solver="sgd", activation=activation,
                            max_iter=2, random_state=0, warm_start=True, **kw)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return est


def _notes(fit, *args, **kwargs):
    # the NonFiniteWarnings of one call (its MLP-worded end, if any, aside)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit(*args, **kwargs)
        except ValueError:
            pass
    return [str(w.message) for w in caught if w.category is gn.NonFiniteWarning]


def test_an_overflow_hidden_by_a_saturated_unit_is_said_at_the_initial_weights():
    # W^(1) = 1e308 by hand: z^(1) = X W^(1) overflows, tanh makes it 1, the loss stays
    # finite and the epochs see nothing; only the look at the initial weights does (its
    # bound: 4 inputs x 2.3 x 1e308 is past the fourth root of the largest float)
    est = _warm((2,), "tanh", HUGE_X, HUGE_Y)
    est.coefs_[0][...] = 1e308
    with np.errstate(over="ignore"):
        z1 = HUGE_X @ est.coefs_[0] + est.intercepts_[0]
    row, unit = (int(i) for i in np.argwhere(~np.isfinite(z1))[0])
    assert _notes(est.fit, HUGE_X, HUGE_Y) == [
        f"sgd: at the initial weights, X: from finite inputs and weights, z^(1) = X W^(1) + "
        f"b^(1) overflowed to {z1[row, unit]} at row {row}, unit {unit + 1} (largest "
        f"magnitudes: {np.abs(HUGE_X).max():.3g} in X, 1e+308 in W^(1)); scale X (e.g. with "
        "glassnet.datasets.Standardizer) or the weights"
    ]


def test_a_bias_that_makes_the_cost_overflow_is_counted_in_the_bound():
    # b^(1) = 1e200, identity units: a^(2) ~ 1e200 and the squared error overflows at the
    # initial weights (the epoch's loss too, but the note says the initial weights)
    est = _warm((2,), "identity", HUGE_X, HUGE_Y)
    est.intercepts_[0][...] = 1e200
    (W1, W2), (b1, b2) = est.coefs_, est.intercepts_
    a2 = (HUGE_X @ W1 + b1) @ W2 + b2
    assert _notes(est.fit, HUGE_X, HUGE_Y) == [
        "sgd: at the initial weights, X: from a finite output and finite targets, the "
        f"squared_error cost overflowed to inf (largest magnitudes: {np.abs(HUGE_Y).max():.3g} "
        f"in y, {np.abs(a2).max():.3g} in a^(2)); scale X or the weights"
    ]


@pytest.mark.parametrize("call", ["fit", "partial_fit"])
def test_sample_weights_count_where_the_weighted_cost_overflows(call):
    # one sample weighs 30 (normalized) with 0.5 r^2 = 8e306: weighted, the cost is inf,
    # unweighted it is not; fit says so at the initial weights, partial_fit (no look there) at
    # its first epoch, from the weights it started with
    y = HUGE_Y.copy()
    y[0] = 4e153
    w = np.ones(len(y))
    w[0] = 1e6
    big = np.finfo(float).max
    assert 0.5 * y[0] ** 2 < big and 0.5 * y[0] ** 2 > big / (1e6 * len(y) / w.sum())
    est = GlassnetRegressor(hidden_layer_sizes=(2,), solver="sgd", activation="identity",
                            max_iter=2, random_state=0)  # fmt: skip
    where = (
        "at the initial weights" if call == "fit" else "iteration 1, at the weights it started from"
    )
    (note,) = _notes(getattr(est, call), HUGE_X, y, sample_weight=w)
    assert note.startswith(
        f"sgd: {where}, y: from a finite output and finite targets, the squared_error cost "
        "overflowed to inf (largest magnitudes: 4e+153 in y, "
    ), note


def test_a_gradient_that_overflows_from_a_finite_cost_is_named_in_an_sgd_fit():
    # as the L-BFGS case: W^(1) = 1, W^(2) = 0, biases 0, identity units; y_hat = 0, the cost
    # finite, dC/dW^(2) = a^(1)^T delta^(2) past the largest float (a^(1) the row sums of X)
    X, y = HUGE_X * 1e299, HUGE_Y * 1e10
    est = _warm((1,), "identity", HUGE_X, HUGE_Y)
    est.coefs_[0][...], est.coefs_[1][...] = 1.0, 0.0
    est.intercepts_[0][...], est.intercepts_[1][...] = 0.0, 0.0
    a1 = X.sum(axis=1)
    # sample weights all alike weigh 1 each once normalized (to mean 1): the same pass
    (note,) = _notes(est.fit, X, y, sample_weight=np.full(len(y), 1e150))
    assert note.startswith(
        "sgd: at the initial weights, X: from a finite cost, dC/dW^(2) = a^(1)^T delta^(2) "
        "overflowed to "
    ), note
    assert note.endswith(
        f"(largest magnitudes: {np.abs(a1).max():.3g} in a^(1), 0 in W^(2)); scale X or the weights"
    )


def test_a_hidden_delta_that_overflows_is_named_before_its_gradient_in_an_sgd_fit():
    # W^(1) = 1e-300, W^(2) = 1e300, alpha 0: the forward pass and the cost are finite,
    # delta^(1) = delta^(2) W^(2)^T ~ 1e309 is not, and comes before dC/dW^(1); the bound
    # sees W^(2) past the fourth root of the largest float
    X, y = HUGE_X, HUGE_Y * 1e10
    est = _warm((1,), "identity", X, HUGE_Y, alpha=0.0)
    est.coefs_[0][...], est.coefs_[1][...] = 1e-300, 1e300
    est.intercepts_[0][...], est.intercepts_[1][...] = 0.0, 0.0
    (note,) = _notes(est.fit, X, y)
    assert note.startswith(
        "sgd: at the initial weights, X: from a finite cost, delta^(1) = dC/dz^(1) overflowed to "
    ), note


@pytest.fixture
def bump():
    # a registered activation the bound knows nothing of: 1e200 e^(-6 z^2), not monotone,
    # ~1e200 near z = 0 and ~1e-25 at z = +-9.3, the bound of z^(1) here (4 inputs x 2.3 x
    # max |W^(1)| + max |b^(1)|): probing the ends would say nothing can overflow
    def value(z):
        return 1e200 * np.exp(-6 * z * z)

    def derivative(z, a):
        return -12 * z * a

    activations.register("bump", value, derivative, overwrite=True)
    yield "bump"
    activations.REGISTRY.pop("bump", None)


def test_an_activation_of_the_users_always_gets_the_look_at_the_initial_weights(bump):
    # its outputs ~1e200 make the squared error overflow at once: said at the initial
    # weights, where the bound cannot be trusted
    est = GlassnetRegressor(hidden_layer_sizes=(2,), solver="sgd", activation=bump,
                            max_iter=2, random_state=0)  # fmt: skip
    notes = _notes(est.fit, HUGE_X, HUGE_Y)
    assert notes[0].startswith(
        "sgd: at the initial weights, X: from a finite output and finite targets, the "
        "squared_error cost overflowed to inf"
    ), notes


def test_a_float32_fit_takes_its_own_dtypes_bound():
    # float32's largest is 3.4e38: targets of 1e20 overflow its squared error (1e40), far
    # below float64's bound; the look at the initial weights sees it there
    y = (HUGE_Y * 1e20).astype(np.float32)
    est = GlassnetRegressor(hidden_layer_sizes=(2,), solver="sgd", max_iter=2, random_state=0)
    (note, *_) = _notes(est.fit, HUGE_X.astype(np.float32), y)
    assert note.startswith(
        "sgd: at the initial weights, y: from a finite output and finite targets, the "
        "squared_error cost overflowed to inf"
    ), note


def test_a_fit_whose_pass_cannot_overflow_does_not_run_one_to_see(monkeypatch):
    # the look at the initial weights is a bound first (max |X| through each layer's n_in
    # max |W| + max |b| and its activation, against the fourth root of the largest float,
    # 3.7e76): far below it, no extra pass over the data is made; past it, one is
    def refuse(*args, **kwargs):
        raise AssertionError("a pass was run to look for an overflow")

    monkeypatch.setattr(GlassnetRegressor, "_overflow", refuse)
    kw = dict(hidden_layer_sizes=(5,), solver="adam", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GlassnetRegressor(**kw).fit(HUGE_X * 1e30, HUGE_Y)
    assert np.isfinite(est.loss_curve_).all()
    with pytest.raises(AssertionError, match="a pass was run"):
        GlassnetRegressor(**kw).fit(HUGE_X * 1e80, HUGE_Y)
    # the bound multiplies by max |W|: inputs of 1e100 through W^(1) = 1e-40 stay at ~1e61
    # (tanh units then saturate: no gradient reaches W^(1), nothing overflows)
    est = _warm((2,), "tanh", HUGE_X, HUGE_Y)
    est.coefs_[0][...] = 1e-40
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(HUGE_X * 1e100, HUGE_Y)
    assert np.isfinite(est.loss_curve_).all()
    # ... and adds max |b|: b^(1) = 1e200 is past the bound whatever tanh then makes of it
    est.coefs_[0][...], est.intercepts_[0][...] = 0.5, 1e200
    with pytest.raises(AssertionError, match="a pass was run"):
        est.fit(HUGE_X, HUGE_Y)


# --- the pass that looks for an overflow: weighted as the fit, NumPy's flags its own ----------


def _mlp_initial_weights(sizes, seed=0):
    # MLP's draw (RandomState(seed), per layer W then b, each U(-r, r), r = sqrt(6 / (n_in +
    # n_out))), written out
    rs = np.random.RandomState(seed)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        r = np.sqrt(6 / (n_in + n_out))
        layers.append((rs.uniform(-r, r, (n_in, n_out)), rs.uniform(-r, r, n_out)))
    return layers


def test_a_sample_of_weight_zero_whose_unweighted_gradient_would_overflow_trains_as_mlp():
    # hand-set W^(1) = 1, W^(2) = 1e-20, biases 0, identity units; the first row scaled to a
    # row sum of 1e170, weighing 0: its a^(1) = 1e170, its residual r ~ 1e150 (r^2 = 1e300
    # finite), but a^(1) r / n ~ 3e318 is past the largest float. The inputs pass the bound, so
    # a pass looks at the initial weights: the fit's own, weighted (the row's delta^(2) is 0),
    # where nothing overflows; the fit says nothing and is MLP's with the same weights
    X = HUGE_X.copy()
    X[0] *= 1e170 / abs(X[0].sum())
    w = np.ones(len(X))
    w[0] = 0.0
    r0 = 1e-20 * X[0].sum() - HUGE_Y[0]
    big = np.finfo(float).max
    assert np.isfinite(r0 * r0) and abs(X[0].sum()) > big / abs(r0) * len(X)
    fitted = []
    for cls in (MLPRegressor, GlassnetRegressor):
        est = cls(hidden_layer_sizes=(1,), activation="identity", solver="sgd", max_iter=1,
                  random_state=0, warm_start=True, shuffle=False)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(HUGE_X, HUGE_Y)
        est.coefs_[0][...], est.coefs_[1][...] = 1.0, 1e-20
        est.intercepts_[0][...], est.intercepts_[1][...] = 0.0, 0.0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, HUGE_Y, sample_weight=w)
        fitted.append((est, [(c.category.__name__, str(c.message)) for c in caught]))
    (mlp, theirs), (ours, caught) = fitted
    assert [kind for kind, _ in theirs] == ["ConvergenceWarning"]
    assert caught == theirs
    np.testing.assert_allclose(ours.loss_curve_[-1], mlp.loss_curve_[-1], rtol=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_an_output_of_exactly_zero_under_the_poisson_loss_is_said_without_numpys_warning(solver):
    # loss="poisson" with output="relu": where z^(2) <= 0 the output is exactly 0, and a target
    # y > 0 there makes y / y_hat a division by zero (the cost y log(y / y_hat) infinite). The
    # pass that finds it (sgd: after the epoch, at the weights it started from; lbfgs: L-BFGS's
    # first call) is said once as a NonFiniteWarning, NumPy's own "divide by zero" silenced
    (W1, b1), (W2, b2) = _mlp_initial_weights([4, 5, 1])
    y = np.abs(HUGE_Y)
    z2 = (np.maximum(HUGE_X @ W1 + b1, 0) @ W2 + b2)[:, 0]
    assert ((z2 <= 0) & (y > 0)).any()
    est = GlassnetRegressor(hidden_layer_sizes=(5,), solver=solver, loss="poisson",
                            output="relu", max_iter=3, random_state=0)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(HUGE_X, y)
        except ValueError as exc:  # sgd: the step from an infinite gradient, MLP's refusal
            assert str(exc).startswith("Solver produced non-finite parameter weights.")
    assert [w.category.__name__ for w in caught] == ["NonFiniteWarning", "ConvergenceWarning"]
    where = "at the initial weights" if solver == "lbfgs" else "iteration 1, at the weights it " \
        "started from"  # fmt: skip
    # not "overflowed ... scale y": the log of 0 at an output of exactly 0 (network.py)
    assert str(caught[0].message).startswith(
        f"{solver}: {where}, output: the poisson cost is inf, not from an overflow: at row "
    ), str(caught[0].message)
    assert str(caught[0].message).endswith(
        "where the loss takes the log of 0; use an output activation that cannot reach 0 "
        "(this one is relu)"
    )


def test_a_users_strict_error_state_leaves_an_lbfgs_fit_as_mlps():
    # an input of 1e-310 (subnormal): its products with the weights underflow, which NumPy
    # raises under np.errstate(all="raise"); glassnet's L-BFGS silences NumPy's flags, so the
    # fit is MLP's (run in NumPy's default state) all the same
    X = HUGE_X.copy()
    X[0, 0] = 1e-310
    kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(**kw).fit(X, HUGE_Y)
        with np.errstate(all="raise"):
            ours = GlassnetRegressor(**kw).fit(X, HUGE_Y)
    assert ours.loss_ == pytest.approx(mlp.loss_, rel=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_a_users_strict_error_state_leaves_the_look_at_the_initial_weights_silent():
    # inputs of ~1e80 pass the bound (the fourth root of the largest float, 3.7e76), so a pass
    # looks at the initial weights; one input of 1e-310 underflows in it. Nothing overflows
    # (the cost ~1e159, the gradients ~1e240), so the fit is MLP's, under np.errstate(all=
    # "raise") as in NumPy's default state (MLP's run)
    X = HUGE_X * 1e80
    X[0, 0] = 1e-310
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(**kw).fit(X, HUGE_Y)
        with np.errstate(all="raise"):
            ours = GlassnetRegressor(**kw).fit(X, HUGE_Y)
    assert 1e150 < mlp.loss_curve_[0] < 1e200
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_lbfgs_best_loss_is_the_least_cost_reached_when_its_line_search_fails():
    # inputs of ~1e20: L-BFGS-B ends ABNORMAL (its line search fails) after some iterations,
    # and SciPy then returns the last iterate's weights with the cost of the trial point it
    # rejected last (result.fun, MLP's loss_: 60 orders of magnitude above the cost at its
    # weights). loss_ and best_loss_ are the cost at the weights kept, by hand C = (1/2n)
    # sum (y_hat - y)^2 + alpha/(2n) sum ||W||^2 with relu hidden units, and the last of
    # loss_curve_ (best_loss_: MLP's "the minimum loss reached")
    X = HUGE_X * 1e20
    est = GlassnetRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=100, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, HUGE_Y)
    assert [w.category for w in caught] == [ConvergenceWarning]
    assert "ABNORMAL" in str(caught[0].message) and 0 < est.n_iter_ < 100
    (W1, W2), (b1, b2) = est.coefs_, est.intercepts_
    y_hat = (np.maximum(X @ W1 + b1, 0) @ W2 + b2)[:, 0]
    n = len(HUGE_Y)
    cost = 0.5 * np.mean((y_hat - HUGE_Y) ** 2) + 0.5 * 1e-4 / n * ((W1**2).sum() + (W2**2).sum())
    assert est.loss_curve_[-1] == pytest.approx(cost, rel=1e-9)
    assert est.best_loss_ == min(est.loss_curve_) == pytest.approx(cost, rel=1e-9)
    assert est.loss_ == pytest.approx(cost, rel=1e-9)
