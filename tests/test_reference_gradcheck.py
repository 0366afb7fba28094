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
    res = gn.gradient_check(net, X, y, tolerance=1.0)
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
