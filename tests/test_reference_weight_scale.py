"""Sample weights are scale-free over float64's whole range (issue 26: nothing silent).

``fit`` normalizes the weights to mean 1 (the documented rule, as scikit-learn's losses use
``average(..., weights=w)``), so multiplying every weight by ``c`` changes nothing, for any
``c`` that keeps them finite and not all zero. Weights near float64's largest number are valid
input, but their sum overflows: summed first, they gave NumPy's "overflow encountered in
reduce" and a run of NaN; cast first to a float32 network's dtype, weights past 3.4e38 became
infinite. The reference is the property itself, against the same weights at scale 1 (whose
weighted fit is checked by hand elsewhere: ``test_reference_fit.py``), with warnings as errors.
The weighted ``score`` is checked against its hand computation (accuracy, R^2) at scale 1,
near 1e308 and among the subnormal numbers, and weights scikit-learn refuses against the
error its own metric gives for them.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score

import glassnet as gn
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

_rng = np.random.default_rng(7)
X = _rng.normal(size=(10, 3))
Y = (X[:, :1] + 0.5 * X[:, 1:2] > 0).astype(float)
W = np.array([1.0, 2.0, 0.5, 3.0, 0.0, 1.0, 4.0, 0.25, 1.0, 2.0])  # uneven, one zero

# the least subnormal, tiny, ordinary, float32's largest and past it, float64's largest
SCALES = [5e-324 / W.min(initial=1, where=W > 0), 1e-300, 1e-8, 3.0e38, 1e39, 1e300, 1.7e308 / 4]


def _fit(weights, dtype, seed, batch):
    net = gn.Network([3, 2, 1], seed=seed, dtype=dtype)
    hist = net.fit(X, Y, lr=0.5, epochs=4, batch_size=batch, shuffle=False, sample_weight=weights)
    return hist.loss, net.params


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize(
    "dtype, seed, batch",
    [("float64", 0, None), ("float32", 0, None), ("float64", [0, 1], None), ("float64", 0, 4)],
)
def test_fit_is_the_same_for_weights_at_any_scale(scale, dtype, seed, batch):
    loss, params = _fit(W * scale, dtype, seed, batch)
    ref_loss, ref_params = _fit(W, dtype, seed, batch)
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert np.all(np.isfinite(loss))
    np.testing.assert_allclose(loss, ref_loss, rtol=tol, atol=0)
    for layer, ref in zip(params, ref_params, strict=True):
        for k in ref:
            np.testing.assert_allclose(layer[k], ref[k], rtol=tol, atol=tol)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter=3
@pytest.mark.parametrize("scale", [1e-300, 1e-8, 1e300, 1.7e308 / 4])
@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: GlassnetClassifier(
            hidden_layer_sizes=(3,), max_iter=3, solver="sgd", random_state=0, **kw
        ),
        lambda **kw: GlassnetClassifier(
            hidden_layer_sizes=(3,), max_iter=3, solver="adam", random_state=0, **kw
        ),
        lambda **kw: GlassnetRegressor(
            hidden_layer_sizes=(3,), max_iter=3, solver="lbfgs", random_state=0, **kw
        ),
        lambda **kw: GlassnetRegressor(
            hidden_layer_sizes=(3,),
            max_iter=3,
            solver="adam",
            early_stopping=True,
            validation_fraction=0.3,
            n_iter_no_change=5,
            random_state=0,
            **kw,
        ),
    ],
    ids=["classifier-sgd", "classifier-adam", "regressor-lbfgs", "regressor-validation"],
)
def test_estimators_weights_at_any_scale_are_the_penalty_scaled(scale, make):
    # as scikit-learn's MLP: C = (1/sum w) sum_i w_i c_i + alpha / (2 sum w) ||W||^2, so
    # weights c * w with alpha c are the weights w with alpha (and the scores are scale-free)
    est = make()
    y = Y.ravel() if isinstance(est, GlassnetClassifier) else X @ np.array([0.5, -0.3, 0.2])
    alpha = 0.01
    est = make(alpha=alpha * scale).fit(X, y, sample_weight=W * scale)
    ref = make(alpha=alpha).fit(X, y, sample_weight=W)
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-9)
    if getattr(ref, "validation_scores_", None) is not None:
        np.testing.assert_allclose(est.validation_scores_, ref.validation_scores_, rtol=1e-9)
    assert est.score(X, y, sample_weight=W * scale) == pytest.approx(
        ref.score(X, y, sample_weight=W), rel=1e-9
    )
    if est.solver != "lbfgs" and not est.early_stopping:  # partial_fit: the stochastic solvers'
        kw = {"classes": [0.0, 1.0]} if isinstance(est, GlassnetClassifier) else {}
        part = make(alpha=alpha * scale).partial_fit(X, y, sample_weight=W * scale, **kw)
        ref_part = make(alpha=alpha).partial_fit(X, y, sample_weight=W, **kw)
        np.testing.assert_allclose(part.loss_curve_, ref_part.loss_curve_, rtol=1e-9)


def test_mean_one_and_the_mean_by_hand():
    from glassnet._validation import mean_one, mean_weight

    np.testing.assert_array_equal(mean_one(np.array([1e308, 1e308, 0.0])), [1.5, 1.5, 0.0])
    assert mean_weight(np.full(4, 1e308)) == 1e308
    assert mean_weight(np.array([1.7e308, 1.7e308, -1.7e308])) == pytest.approx(1.7e308 / 3)
    np.testing.assert_array_equal(mean_one(np.array([1.0, 3.0]) * 5e-324), [0.5, 1.5])
    assert mean_weight(np.array([1.0, 3.0]) * 5e-324) == 2 * 5e-324
    assert mean_weight(np.zeros(3)) == 0.0
    w = np.array([0.1, 0.7, 0.3])  # in the normal range: w / w.mean() bit for bit
    np.testing.assert_array_equal(mean_one(w), w / w.mean())
    assert mean_weight(w) == w.mean()


def test_the_means_hold_under_numpys_strictest_error_state():
    # a user's np.seterr(all="raise") must not turn the overflow of a sum, or the underflow
    # of a mean among the subnormal numbers, into a FloatingPointError
    from glassnet._validation import mean_one, mean_weight

    with np.errstate(all="raise"):
        # the mean of 1 and 2 times the least subnormal, 1.5 of it, is rounded: an underflow
        np.testing.assert_allclose(mean_one(np.array([1.0, 2.0]) * 5e-324), [2 / 3, 4 / 3])
        assert mean_weight(np.array([1.0, 2.0]) * 5e-324) == 2 * 5e-324 * 0.75
        np.testing.assert_array_equal(mean_one(np.array([1e308, 1e308, 0.0])), [1.5, 1.5, 0.0])
        assert mean_weight(np.full(4, 1e308)) == 1e308


# --- the weighted score against a hand computation, at every scale ---------------------------
#
# ``score`` is scikit-learn's mixin's (accuracy, R^2) with the weights passed on, scaled to a
# largest weight of 1 only where their sum overflows or all are subnormal. The reference is the
# weighted score written out with the integer weights K (the scale cancels): accuracy
# sum(k * right) / sum(k), exactly as a fraction; R^2 = 1 - sum k (y - p)^2 / sum k (y - ybar)^2
# with ybar the K-weighted mean. K is uneven, so the weighted score is not the unweighted one.

K = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0])
# scale 1; near float64's largest (the largest weight 1.7e308, the sum ~7e308 overflows);
# k times the least subnormal number (exact, all subnormal)
WEIGHT_SCALES = [1.0, 1.7e308 / K.max(), 5e-324]
Y_REG = X @ np.array([0.5, -0.3, 0.2])


def _fitted(kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kind == "classifier":
            est = GlassnetClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
            return est.fit(X, Y.ravel()), Y.ravel(), accuracy_score
        est = GlassnetRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=30,
                                random_state=0)  # fmt: skip
        return est.fit(X, Y_REG), Y_REG, r2_score


@pytest.mark.parametrize("scale", WEIGHT_SCALES, ids=["1", "near 1e308", "subnormal"])
def test_the_weighted_accuracy_is_the_hand_computation_at_any_scale(scale):
    est, y, _ = _fitted("classifier")
    right = est.predict(X) == y
    exact = Fraction(int(K[right].sum()), int(K.sum()))
    assert float(exact) != right.mean()  # the weights count
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no division by zero on the way
        score = est.score(X, y, sample_weight=K * scale)
    assert score == pytest.approx(float(exact), rel=1e-14)


@pytest.mark.parametrize("scale", WEIGHT_SCALES, ids=["1", "near 1e308", "subnormal"])
def test_the_weighted_r2_is_the_hand_computation_at_any_scale(scale):
    est, y, _ = _fitted("regressor")
    p = est.predict(X)
    ybar = (K * y).sum() / K.sum()
    r2 = 1 - (K * (y - p) ** 2).sum() / (K * (y - ybar) ** 2).sum()
    unweighted = 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert abs(r2 - unweighted) > 1e-3  # the weights count
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = est.score(X, y, sample_weight=K * scale)
    assert score == pytest.approx(r2, rel=1e-12)


def test_weights_whose_largest_is_the_least_normal_number_are_scikit_learns_as_given():
    # not all subnormal and a finite sum: passed on as given, so the score is scikit-learn's
    # own, bit for bit (its products w (y - p)^2 then lose digits among the subnormal numbers:
    # the same weights scaled to a largest of 1 give another last digit)
    tiny = np.finfo(np.float64).tiny
    w = K / K.max() * tiny
    assert w.max() == tiny and (w < tiny).sum() == len(w) - 1
    est, y, _ = _fitted("regressor")
    p = est.predict(X)
    theirs = r2_score(y, p, sample_weight=w)
    assert theirs != r2_score(y, p, sample_weight=w / tiny)  # the case tells them apart
    assert est.score(X, y, sample_weight=w) == theirs


# weights scikit-learn refuses: the score refuses them in its words (the error its metric gives
# for the same predictions and weights), whatever the scaling would have made of them
REFUSED_WEIGHTS = {
    "all zero": np.zeros(10),
    "all zero, a list of int": [0] * 10,
    "inf near 1e308": np.array([1e308] * 9 + [np.inf]),
    "-inf": np.array([1.0] * 9 + [-np.inf]),
    "nan among subnormal": np.array([5e-324] * 9 + [np.nan]),
    "empty": np.array([]),
    "a subnormal scalar": 5e-324,
    "a subnormal 0-d array": np.array(5e-324),
    "a column near 1e308": np.full((10, 1), 1e308),
    "too few near 1e308": np.full(9, 1e308),
}


@pytest.mark.parametrize("name", list(REFUSED_WEIGHTS))
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_weights_scikit_learn_refuses_are_refused_in_its_words(kind, name):
    w = REFUSED_WEIGHTS[name]
    est, y, metric = _fitted(kind)
    with pytest.raises(Exception) as theirs:
        metric(y, est.predict(X), sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing said on the way (a 0/0 of scaling, ...)
        with pytest.raises(Exception) as ours:
            est.score(X, y, sample_weight=w)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)
