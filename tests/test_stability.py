"""Numerical stability at extreme inputs (hypothesis): finite values, no warnings.

pytest turns warnings into errors for this project, so an overflow or invalid-value warning
from NumPy inside an activation or loss fails these tests.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassnet as gn

DTYPES = [np.float32, np.float64]


def _arrays(dtype, shape=(5, 3)):
    return hnp.arrays(
        dtype, shape, elements=st.floats(-1e4, 1e4, width=32 if dtype == np.float32 else 64)
    )


@pytest.mark.parametrize("name", gn.activations.names())
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_activation_values_and_derivatives_are_finite(name, dtype, data):
    z = data.draw(_arrays(dtype))
    act = gn.activations.get(name)
    a = act.value(z)
    d = act.derivative(z, a)
    assert a.dtype == dtype and d.dtype == dtype
    assert np.isfinite(a).all() and np.isfinite(d).all()
    delta = act.backprop(z, a, np.ones_like(z))
    assert np.isfinite(delta).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_activations_at_the_extremes(dtype):
    z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype)
    s = gn.activations.get("sigmoid")
    np.testing.assert_allclose(s.value(z), [[0, 1.9287498e-22, 0.5, 1, 1]], rtol=1e-6)
    t01 = gn.activations.get("tanh01")
    np.testing.assert_allclose(t01.value(z), [[0, 0, 0.5, 1, 1]], atol=1e-7)
    sp = gn.activations.get("softplus")
    np.testing.assert_allclose(sp.value(z), [[0, 1.9287498e-22, np.log(2), 50, 1e4]], rtol=1e-6)
    sm = gn.activations.get("softmax").value(z)
    np.testing.assert_allclose(sm.sum(), 1, rtol=1e-6)
    assert sm[0, -1] == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fused_losses_are_finite_from_extreme_logits(dtype, data):
    z = data.draw(_arrays(dtype, (6, 1)))
    y = data.draw(hnp.arrays(dtype, (6, 1), elements=st.sampled_from([0.0, 1.0])))
    bce = gn.losses.get("bce")
    a = gn.activations.get("sigmoid").value(z)
    assert np.isfinite(bce.fused.value(z, y)) and np.isfinite(bce.fused.delta(z, a, y)).all()
    zc = data.draw(_arrays(dtype, (6, 4)))
    yc = np.eye(4, dtype=dtype)[data.draw(hnp.arrays(np.int64, 6, elements=st.integers(0, 3)))]
    ce = gn.losses.get("cross_entropy")
    ac = gn.activations.get("softmax").value(zc)
    assert np.isfinite(ce.fused.value(zc, yc)) and np.isfinite(ce.fused.delta(zc, ac, yc)).all()


@pytest.mark.parametrize("name", gn.losses.names())
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_losses_are_finite_at_saturated_outputs(name, data):
    # outputs exactly 0 or 1 (a saturated sigmoid) must not give log(0) or 0/0
    y_hat = data.draw(
        hnp.arrays(np.float64, (5, 2), elements=st.sampled_from([0.0, 1e-300, 0.5, 1.0]))
    )
    y = data.draw(hnp.arrays(np.float64, (5, 2), elements=st.sampled_from([0.0, 1.0])))
    if name == "cross_entropy":
        y = np.eye(2)[y[:, 0].astype(int)]
    loss = gn.losses.get(name)
    assert np.isfinite(loss.value(y_hat, y))
    assert np.isfinite(loss.gradient(y_hat, y)).all()


def test_fused_and_chained_bce_agree_where_both_are_finite():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3, size=(8, 1))
    y = (rng.uniform(size=(8, 1)) > 0.5).astype(float)
    bce = gn.losses.get("bce")
    a = gn.activations.get("sigmoid").value(z)
    assert bce.fused.value(z, y) == pytest.approx(bce.value(a, y), rel=1e-12)
    chained = bce.gradient(a, y) * a * (1 - a)
    np.testing.assert_allclose(bce.fused.delta(z, a, y), chained, rtol=1e-9)


def test_training_at_huge_learning_rate_emits_no_numpy_warnings(paper_data):
    X, y = paper_data
    # sigmoid saturates instead of overflowing: no NaN, no numpy warning
    net = gn.Network([3, 4, 1], activation="sigmoid", output="sigmoid", seed=[0, 1])
    hist = net.fit(X, y, loss="bce", lr=1e4, epochs=50)
    assert np.isfinite(hist.loss).all()
