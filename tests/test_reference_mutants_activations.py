"""An activation's ``vjp`` receives the pre-activation ``z`` (mutation testing found it could be
dropped unnoticed: softmax's product uses only ``a`` and ``g``).

Reference: SciPy's ``log_softmax`` and its Jacobian by central differences; the activation's
own ``vjp`` is written from ``z`` alone, so a ``backprop`` that passes anything but ``z``
fails.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, softmax

from glassnet import activations


def _log_softmax_vjp(z, a, g):
    # d log_softmax(z)_j / dz_i = [i == j] - softmax(z)_i, so g J = g - softmax(z) sum(g)
    return g - softmax(z, axis=-1) * g.sum(axis=-1, keepdims=True)


def test_backprop_hands_z_to_the_vjp():
    act = activations.Activation(
        name="log_softmax_test",
        value=lambda z: log_softmax(z, axis=-1),
        derivative=lambda z, a: np.ones_like(z),
        output_only=True,
        vjp=_log_softmax_vjp,
    )
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3))
    g = rng.normal(size=(4, 3))
    a = act.value(z)
    h = 1e-6
    expected = np.empty_like(z)
    for s in range(z.shape[0]):
        jac = np.empty((3, 3))  # jac[j, i] = d a_j / d z_i
        for i in range(3):
            step = np.zeros(3)
            step[i] = h
            jac[:, i] = (log_softmax(z[s] + step) - log_softmax(z[s] - step)) / (2 * h)
        expected[s] = g[s] @ jac
    np.testing.assert_allclose(act.backprop(z, a, g), expected, rtol=1e-6, atol=1e-8)


def test_the_unlisted_exp_link_is_found_by_name_and_not_listed():
    # Poisson regression's log link: a = e^z, da/dz = e^z
    exp = activations.get("exp")
    z = np.array([[-2.0, 0.0, 1.5]])
    np.testing.assert_allclose(exp.value(z), np.exp(z), rtol=1e-15)
    np.testing.assert_allclose(exp.derivative(z, np.exp(z)), np.exp(z), rtol=1e-15)
    assert "exp" not in activations.names()
