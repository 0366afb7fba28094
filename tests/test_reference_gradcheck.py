"""The gradient check's verdict at, just below and just above its tolerance, and with NaN.

A one-layer network whose output activation reports its derivative ``(1 + d)`` times too large
makes backpropagation's gradient exactly ``(1 + d) g`` for the true gradient ``g``. The relative
error ``||g_bp - g_num|| / (||g_bp|| + ||g_num||)`` is then known in closed form: ``d / (2 + d)``
(up to the finite differences' error, about 1e-10 here).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import gradcheck
from glassnet.activations import Activation


def _tanh_off_by(d: float) -> Activation:
    return Activation(
        f"tanh_off_by_{d:g}",
        np.tanh,
        lambda z, a: (1 + d) * (1 - a * a),
    )


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(6, 3)), rng.normal(size=(6, 2))


@pytest.mark.parametrize("d", [2e-3, 0.5])
def test_relative_error_is_the_closed_form(d):
    X, y = _data()
    net = gn.Network([3, 2], output=_tanh_off_by(d), seed=1)
    res = gn.gradient_check(net, X, y, loss="mse")
    expected = d / (2 + d)
    assert res.max_rel_error == pytest.approx(expected, rel=1e-6)
    for errs in res.relative_errors:
        for v in errs.values():
            assert v == pytest.approx(expected, rel=1e-6)
    assert not res.passed
    assert (
        res.summary()
        .splitlines()[-1]
        .startswith(
            f"FAILED: max relative error {res.max_rel_error:.2e} (tolerance 1e-06) in layer 1 d"
        )
    )


def test_verdict_at_just_below_and_just_above_the_tolerance():
    X, y = _data()
    net = gn.Network([3, 2], output=_tanh_off_by(2e-3), seed=1)
    err = gn.gradient_check(net, X, y, tolerance=1e-3).max_rel_error
    assert err == pytest.approx(1e-3 / 1.001, rel=1e-6)
    at = gn.gradient_check(net, X, y, tolerance=err)
    assert at.max_rel_error == err and at.passed  # at the tolerance: passes
    assert not gn.gradient_check(net, X, y, tolerance=err * (1 - 1e-9)).passed
    assert gn.gradient_check(net, X, y, tolerance=err * (1 + 1e-9)).passed
    # a tenth, a hundredth of the error: fails, whatever the margin
    assert not gn.gradient_check(net, X, y, tolerance=err / 10).passed
    assert not gn.gradient_check(net, X, y, tolerance=err / 100).passed
    assert bool(gn.gradient_check(net, X, y, tolerance=err)) is True


def test_correct_backprop_passes_the_default_tolerance():
    X, y = _data()
    net = gn.Network([3, 4, 2], activation="tanh", output="sigmoid", seed=1)
    res = gn.gradient_check(net, X, y)
    assert res.passed and res.tolerance == 1e-6 and res.max_rel_error < 1e-8


def test_nan_counts_as_the_worst_error():
    # the hidden activation's derivative is NaN: layer 1's backprop gradient is NaN while
    # layer 2's (which does not use it) is exact; the NaN must win and fail the check
    nan_deriv = Activation("tanh_nan_derivative", np.tanh, lambda z, a: np.full_like(z, np.nan))
    X, y = _data()
    net = gn.Network([3, 4, 2], activation=nan_deriv, output="identity", seed=1)
    res = gn.gradient_check(net, X, y, tolerance=0.5)
    assert np.isnan(res.relative_errors[0]["W"])
    assert res.relative_errors[1]["W"] < 1e-8
    assert np.isnan(res.max_rel_error)
    assert res.worst_layer == 1 and res.worst_param == "W"
    assert not res.passed
    assert "FAILED" in res.summary()


def test_worst_layer_and_parameter_are_named():
    # the factors compound backwards: layer 2's gradient is 1.5 g, layer 1's 1.5 * 0.6 g = 0.9 g,
    # so layer 2 is the worst (0.5 / 2.5) and layer 1 errs by 0.1 / 1.9
    X, y = _data()
    net = gn.Network([3, 4, 2], activation=_tanh_off_by(-0.4), output=_tanh_off_by(0.5), seed=2)
    res = gn.gradient_check(net, X, y)
    assert res.relative_errors[0]["W"] == pytest.approx(0.1 / 1.9, rel=1e-6)
    assert res.relative_errors[1]["W"] == pytest.approx(0.5 / 2.5, rel=1e-6)
    assert res.worst_layer == 2
    assert res.max_rel_error == max(v for e in res.relative_errors for v in e.values())


def test_population_reports_the_worst_member():
    X, y = _data()
    pop = gn.Network([3, 2], output=_tanh_off_by(0.1), seed=[1, 2, 3])
    res = gn.gradient_check(pop, X, y)
    assert res.max_rel_error == pytest.approx(0.1 / 2.1, rel=1e-6)


def test_float32_networks_are_checked_in_float64_without_being_changed():
    X, y = _data()
    net = gn.Network([3, 4, 2], activation="tanh", output="sigmoid", seed=1, dtype="float32")
    before = [{k: v.copy() for k, v in p.items()} for p in net.params]
    res = gn.gradient_check(net, X, y)
    assert res.passed and res.max_rel_error < 1e-7  # float32 differences would be ~1e-3
    assert net.dtype == np.float32 and all(p["W"].dtype == np.float32 for p in net.params)
    for p, q in zip(net.params, before, strict=True):
        np.testing.assert_array_equal(p["W"], q["W"])
    assert all(b["W"].dtype == np.float64 for b in res.backprop)


def test_exactly_zero_gradients_are_compared_against_the_noise_floor():
    # softmax with one bias per layer: adding the same number to every logit changes nothing,
    # so dC/db is exactly 0 and finite differences return rounding noise of about
    # eps |C| / h; with a large cost (sse over 2000 samples) a floor that ignored |C| or h
    # would turn that noise into a relative error near 1
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = np.eye(3)[rng.integers(0, 3, 2000)]
    net = gn.Network([3, 3], output="softmax", bias="layer", seed=1)
    res = gn.gradient_check(net, X, y, loss="sse")
    assert net.loss(X, y, loss="sse") > 1000
    assert np.abs(res.backprop[0]["b"]).max() < 1e-10
    assert res.relative_errors[0]["b"] < 1e-6 and res.passed
    # and with a cost below 1 (mean over few samples), where |C| - 1 would be negative
    res = gn.gradient_check(net, X[:5], y[:5], loss="mse")
    assert net.loss(X[:5], y[:5]) < 1
    assert res.relative_errors[0]["b"] < 1e-6 and res.passed


def test_population_error_is_the_worst_members_own():
    # an activation whose derivative is off by a z-dependent factor: each member errs by its
    # own amount; the population's error is the largest member's, not a pooled one
    skew = Activation("tanh_skewed", np.tanh, lambda z, a: (1 + 0.5 * np.tanh(z)) * (1 - a * a))
    X, y = _data()
    pop = gn.Network([3, 2], output=skew, seed=[1, 2, 3, 4])
    res = gn.gradient_check(pop, X, y)
    singles = [gn.gradient_check(pop.member(k), X, y) for k in range(4)]
    for l, errs in enumerate(res.relative_errors):
        for key, v in errs.items():
            member_errors = [s.relative_errors[l][key] for s in singles]
            assert len({round(e, 4) for e in member_errors}) > 1  # the members differ
            assert v == pytest.approx(max(member_errors), rel=1e-6)


def test_kinks_are_reported_within_the_step_window():
    # relu at z = 0: the window is 10 h (1 + max |a_prev|) = 2e-4 for inputs of size 1
    net = gn.Network([1, 3, 1], activation="relu", output="identity", seed=0)
    net.layers[0].W = [[1.9e-4, 2.1e-4, 5.0]]
    net.layers[0].b = np.zeros((1, 3))
    net.layers[1].W = [[0.0], [0.0], [10.0]]  # an output of 50: a window sized by it differs
    res = gn.gradient_check(net, [[1.0]], [[0.0]])
    assert len(res.kinks) == 1 and res.kinks[0].startswith("layer 1: 1 pre-activation(s)")
    assert f"note: {res.kinks[0]}" in res.summary().splitlines()
    net.layers[0].W = [[3e-4, 2.1e-4, 5.0]]
    assert gn.gradient_check(net, [[1.0]], [[0.0]]).kinks == []


def test_result_holds_both_gradients_and_a_summary():
    X, y = _data()
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=1)
    res = gn.gradient_check(net, X, y)
    grads = net.gradients(X, y)
    for b, n, g in zip(res.backprop, res.numeric, grads, strict=True):
        np.testing.assert_array_equal(b["W"], g["W"])
        np.testing.assert_allclose(n["W"], g["W"], rtol=1e-6, atol=1e-10)
    assert res.per_layer is res.relative_errors
    assert res.worst_param in ("W", "b") and 1 <= res.worst_layer <= 2
    lines = res.summary().splitlines()
    assert lines[0].startswith("layer 1: relative error dW: ") and ", db: " in lines[0]
    assert lines[1].startswith("layer 2: relative error dW: ")
    assert lines[-1] == (
        f"PASSED: max relative error {res.max_rel_error:.2e} (tolerance 1e-06) in layer "
        f"{res.worst_layer} d{res.worst_param}"
    )


def test_the_parameter_bound_is_inclusive_and_named(monkeypatch):
    from glassnet import gradcheck

    X, y = np.zeros((2, 3)), np.zeros((2, 1))
    net = gn.Network([3, 2, 1], seed=0)
    monkeypatch.setattr(gradcheck, "MAX_CHECKED_PARAMETERS", net.n_params)
    assert gn.gradient_check(net, X, y).passed  # exactly at the bound: checked
    monkeypatch.setattr(gradcheck, "MAX_CHECKED_PARAMETERS", net.n_params - 1)
    with pytest.raises(ValueError) as info:
        gn.gradient_check(net, X, y)
    assert str(info.value) == (
        f"net: a gradient check perturbs each of the {net.n_params} parameters in turn; at most "
        f"{net.n_params - 1} are checked (check a smaller network of the same kind: "
        "backpropagation does not depend on the sizes)"
    )
    with pytest.raises(TypeError) as info:
        gn.gradient_check("net", X, y)
    assert str(info.value) == "net: expected a glassnet Network, got 'net' (str)"


EPS64 = 2.0**-52  # float64's machine epsilon, written out


def _set_params(net, value):
    for layer in net.layers:
        layer.W = np.full_like(layer.W, value)
        layer.b = np.full_like(layer.b, value)
    return net


@pytest.mark.parametrize("tolerance", [5e-324, 1e-300, 1e-17, EPS64 * 0.999])
def test_a_tolerance_finer_than_one_float64_rounding_is_refused_by_name(tolerance):
    X, y = _data()
    with pytest.raises(ValueError) as info:
        gn.gradient_check(gn.Network([3, 2], seed=1), X, y, tolerance=tolerance)
    assert str(info.value) == (
        f"tolerance: expected a finite number in [2.22045e-16, 1), got {tolerance!r} (float)"
    )


@pytest.mark.parametrize("largest", [0.5, 3.0, 1e6])
def test_a_step_that_moves_no_parameter_is_refused_by_name(largest):
    # float64's spacing at |theta| is eps |theta|; the bound is taken at max(1, max |theta|)
    X, y = _data()
    net = _set_params(gn.Network([3, 2], output="identity", seed=1), 0.1)
    net.layers[0].W = np.where(np.eye(3, 2) > 0, -largest, 0.1)
    bound = EPS64 * max(1.0, largest)
    with pytest.raises(ValueError) as info:
        gn.gradient_check(net, X, y, h=bound * 0.99)
    assert str(info.value) == (
        f"h: expected a step of at least {bound:.3g} (float64's spacing at the largest "
        f"|parameter|, {max(1.0, largest):.3g}), got {bound * 0.99!r}: a smaller step moves no "
        "parameter, so the finite differences would compare nothing"
    )
    # at the bound itself the check runs, even with every floating-point error raised
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        res = gn.gradient_check(net, X, y, h=bound)
    assert np.isfinite(res.max_rel_error)


def test_the_noise_is_the_documented_formula_and_a_step_too_small_says_so():
    # C of a linear unit with all parameters 0.25 on this data, written out (mse)
    X, y = _data()
    net = _set_params(gn.Network([3, 2], output="identity", seed=1), 0.25)
    C = np.mean((X @ np.full((3, 2), 0.25) + 0.25 - y) ** 2)
    g_W = 2 * X.T @ (X @ np.full((3, 2), 0.25) + 0.25 - y) / y.size
    g_b = 2 * (X @ np.full((3, 2), 0.25) + 0.25 - y).sum(axis=0, keepdims=True) / y.size
    largest = max(np.linalg.norm(g_W), np.linalg.norm(g_b))
    for h in (1e-5, 1e-15):
        res = gn.gradient_check(net, X, y, h=h)
        noise = 10 * EPS64 * (C + 1) / h
        assert res.noise == pytest.approx(noise, rel=1e-12)
        note = any(
            "cannot tell the two gradients apart" in line for line in res.summary().split("\n")
        )
        assert note == (noise >= largest), (h, noise, largest)
    assert gn.gradient_check(net, X, y, h=1e-15).noise > largest  # the note's case is reached


@pytest.mark.parametrize(("noise", "said"), [(5.0, True), (5.0 * (1 - 2**-52), False), (7.0, True)])
def test_the_summary_says_so_from_a_noise_as_large_as_the_largest_gradient(noise, said):
    # gradients of norms 5 (3-4-5) and 1, written by hand: the largest norm is 5
    g = [{"W": np.array([[3.0], [4.0]]), "b": np.array([[1.0]])}]
    res = gradcheck.GradCheckResult(
        relative_errors=[{"W": 0.0, "b": 0.0}],
        max_rel_error=0.0,
        worst_layer=1,
        worst_param="W",
        tolerance=1e-6,
        passed=True,
        backprop=g,
        numeric=g,
        kinks=[],
        noise=noise,
    )
    note = (
        f"note: the finite differences' rounding noise at this h ({noise:.2e}) is as large as "
        "every gradient (the largest norm 5.00e+00): the check cannot tell the two gradients "
        "apart; a larger h (1e-5 is usual) can"
    )
    assert (note in res.summary().split("\n")) == said
