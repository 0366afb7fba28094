"""Network parts mutation testing found untested: sample weights in the unfused backward pass.

Reference: the weighted cost written out by hand, ``C = (1/(n m)) sum_i w_i sum_k (y_hat - y)^2``
(mse) and ``C = -(1/(n m)) sum_i w_i sum_k [y log p + (1 - y) log(1 - p)]`` (bce), with the
forward pass written out (tanh hidden layer), differentiated by central differences.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses
from glassnet._validation import NonFiniteWarning


def _forward(params, X, output):
    h = np.tanh(X @ params[0]["W"] + params[0]["b"])
    z = h @ params[1]["W"] + params[1]["b"]
    return z if output == "identity" else 1 / (1 + np.exp(-z))


def _cost(params, X, y, w, output, loss):
    p = _forward(params, X, output)
    if loss == "mse":
        e = (p - y) ** 2
    else:
        e = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float((w * e).mean())


# identity + mse goes through loss.gradient and the activation's derivative; sigmoid + bce
# through the fused delta
@pytest.mark.parametrize(("output", "loss"), [("identity", "mse"), ("sigmoid", "bce")])
def test_weighted_gradients_are_the_weighted_costs_derivatives(output, loss):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    y = rng.uniform(0.1, 0.9, size=(6, 2)) if loss == "bce" else rng.normal(size=(6, 2))
    w = rng.uniform(0.2, 3.0, size=(6, 1))
    net = gn.Network([3, 4, 2], activation="tanh", output=output, seed=1)
    fwd = net.apply(net.params, X)
    grads, _ = net.backprop(net.params, fwd, y, losses.get(loss), w)
    h = 1e-6
    for l, layer in enumerate(net.params):
        for k, p in layer.items():
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                params = [{kk: vv.copy() for kk, vv in lay.items()} for lay in net.params]
                params[l][k][idx] += h
                up = _cost(params, X, y, w, output, loss)
                params[l][k][idx] -= 2 * h
                down = _cost(params, X, y, w, output, loss)
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(grads[l][k], numeric, rtol=1e-6, atol=1e-9)


def test_scikit_learns_log_loss_through_the_fused_backward_pass():
    # binary_log_loss sums over the outputs and averages over the samples:
    # C = -(1/n) sum_i w_i sum_k [y log p + (1 - y) log(1 - p)]
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 3))
    y = rng.integers(0, 2, size=(5, 2)).astype(float)
    w = rng.uniform(0.2, 3.0, size=(5, 1))
    net = gn.Network([3, 4, 2], activation="tanh", output="sigmoid", seed=2)
    fwd = net.apply(net.params, X)
    grads, _ = net.backprop(net.params, fwd, y, losses.get("binary_log_loss"), w)
    h = 1e-6

    def cost(params):
        p = _forward(params, X, "sigmoid")
        e = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1, keepdims=True)
        return float((w * e).mean())

    numeric = np.zeros_like(net.params[0]["W"])
    for idx in np.ndindex(numeric.shape):
        params = [{k: v.copy() for k, v in lay.items()} for lay in net.params]
        params[0]["W"][idx] += h
        up = cost(params)
        params[0]["W"][idx] -= 2 * h
        numeric[idx] = (up - cost(params)) / (2 * h)
    np.testing.assert_allclose(grads[0]["W"], numeric, rtol=1e-6, atol=1e-9)


def test_the_weighted_cost_of_a_forward_pass():
    rng = np.random.default_rng(4)
    X, y, w = rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), rng.uniform(0.2, 3.0, (5, 1))
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=3)
    fwd = net.apply(net.params, X)
    expected = _cost(net.params, X, y, w, "identity", "mse")
    assert float(net.cost(fwd, y, losses.get("mse"), w)) == pytest.approx(expected, rel=1e-12)


def test_validation_targets_are_named_in_the_loss_check():
    net = gn.Network([2, 1], output="sigmoid")
    with pytest.raises(ValueError) as info:
        net.check_targets(np.array([[2.0]]), losses.get("bce"), 1, "validation y")
    assert str(info.value).startswith("validation y: the bce loss expects targets in [0, 1]")


def test_an_output_that_overflows_from_a_finite_hidden_layer_warns():
    # hidden a = 1e200 (finite), output 1e200 * 1e200 = inf
    net = gn.Network([1, 1, 1], activation="identity", output="identity", bias="none")
    net.layers[0].W = np.array([[1e200]])
    net.layers[1].W = np.array([[1e200]])
    with pytest.warns(NonFiniteWarning):
        net.forward(np.array([[1.0]]))


def test_an_output_only_activation_is_named_in_a_deep_network():
    with pytest.raises(ValueError) as info:
        gn.Network([2, 3, 3, 1], output="softmax")
    assert str(info.value) == "output: softmax needs at least 2 output units, got 1"


def test_a_float32_population_on_the_broadcast_kernel_stays_float32():
    net = gn.Network([2, 3, 1], seed=[0, 1], dtype="float32", kernel="broadcast")
    assert all(v.dtype == np.float32 for layer in net.params for v in layer.values())


def test_a_pickled_network_without_a_kernel_gets_blas():
    net = gn.Network([2, 1])
    state = net.__getstate__()
    del state["config"]["kernel"]  # as pickled before the kernel option existed
    new = gn.Network.__new__(gn.Network)
    new.__setstate__(state)
    assert new.kernel == "blas"


# --- the overflow diagnostics in deeper networks, populations and every entry point ---------
#
# Each scenario's numbers are worked out by hand in its comment (identity layers, so
# z^(l) = a^(l-1) W^(l) and a^(l) = z^(l); the mse cost (1/(n m)) sum (a - y)^2 and its
# delta^(L) = 2 (a - y) / (n m)); the message is the one Network.overflow documents: the first
# quantity that is not finite, in the order they are computed (z^(l), a^(l) layer by layer, C,
# then delta^(l), dC/dW^(l), dC/db^(l) from the output down), for the first bad member.


def _net(sizes, Ws, activation="identity", output="identity", bias="none", seed=0):
    net = gn.Network(list(sizes), activation=activation, output=output, bias=bias, seed=seed)
    for l, W in enumerate(Ws):
        net.params[l]["W"][...] = W  # members differ: a (P, n_in, n_out) value per member
        if "b" in net.params[l]:
            net.params[l]["b"][...] = 0.0
    return net


def _warning(call):
    """The one warning ``call`` gives (a NumPy RuntimeWarning would be a second one)."""
    with pytest.warns(NonFiniteWarning) as record:
        out = call()
    assert len(record) == 1, [str(r.message) for r in record]
    return out, str(record[0].message)


def _member_W(*values):
    return np.array(values, dtype=float).reshape(-1, 1, 1)


def test_a_cost_that_overflows_with_finite_gradients_still_warns():
    # a = 1 * 1e200; C = (1e200)^2 = inf; delta = 2e200, dC/dW = 1 * 2e200: finite
    net = _net((1, 1), [1e200])
    (cost, grads), message = _warning(lambda: net.loss_and_gradients([[1.0]], [[0.0]]))
    assert cost == np.inf and grads[0]["W"][0, 0] == 2e200
    assert message == (
        "X: from a finite output and finite targets, the mse cost overflowed to inf (largest "
        "magnitudes: 0 in y, 1e+200 in a^(1)); scale X or the weights"
    )
    # the gradients alone are finite: nothing to report (a warning would fail the test)
    assert net.gradients([[1.0]], [[0.0]])[0]["W"][0, 0] == 2e200


def test_gradients_and_backward_name_the_cost_that_overflowed_first():
    # a = 1e200 * 1; C = inf; dC/dW = 1e200 * 2e200 = inf: the cost comes first
    net = _net((1, 1), [1.0])
    X, y = [[1e200]], [[0.0]]
    expected = (
        "X: from a finite output and finite targets, the mse cost overflowed to inf (largest "
        "magnitudes: 0 in y, 1e+200 in a^(1)); scale X or the weights"
    )
    grads, message = _warning(lambda: net.gradients(X, y))
    assert grads[0]["W"][0, 0] == np.inf and message == expected
    fwd = net.forward(X)  # a = 1e200: finite, no warning
    _, message = _warning(lambda: net.backward(fwd, y))
    assert message == expected


def test_gradients_and_backward_name_a_gradient_that_overflowed_from_a_finite_cost():
    # z = 1e308 * 1e-300 = 1e8, C = 1e16; delta = 2e8, dC/dW = 1e308 * 2e8 = inf
    net = _net((1, 1), [1e-300])
    X, y = [[1e308]], [[0.0]]
    expected = (
        "X: from a finite cost, dC/dW^(1) = X^T delta^(1) overflowed to inf at index (0, 0) "
        "(largest magnitudes: 1e+308 in X, 1e-300 in W^(1)); scale X or the weights"
    )
    _, message = _warning(lambda: net.gradients(X, y))
    assert message == expected
    _, message = _warning(lambda: net.backward(net.forward(X), y))
    assert message == expected


def test_a_hidden_delta_that_overflows_is_named_before_its_gradient():
    # a^(1) = 1e-300, a^(2) = 1e-300 * 1e300 = 1; y = -1e10: C = (1 + 1e10)^2, finite;
    # delta^(2) = 2 (1 + 1e10), dC/dW^(2) = 1e-300 delta^(2): finite;
    # delta^(1) = delta^(2) * 1e300 = inf (and dC/dW^(1) = 1 * inf after it)
    net = _net((1, 1, 1), [1e-300, 1e300])
    X, y = [[1.0]], [[-1e10]]
    expected = (
        "X: from a finite cost, delta^(1) = dC/dz^(1) overflowed to inf at index (0, 0) "
        "(largest magnitudes: 1 in X, 1e-300 in W^(1)); scale X or the weights"
    )
    (cost, grads), message = _warning(lambda: net.loss_and_gradients(X, y))
    assert cost == pytest.approx(1e20) and np.isfinite(grads[1]["W"]).all()
    assert message == expected
    _, message = _warning(lambda: net.gradients(X, y))
    assert message == expected
    _, message = _warning(lambda: net.backward(net.forward(X), y))
    assert message == expected


def test_a_bias_gradient_that_overflows_as_a_sum_over_samples_is_named():
    # two samples x = 1e-10, W^(1) = 1e-290, W^(2) = 1e298, biases 0:
    # a^(1) = 1e-300, a^(2) = 1e-2; y = -1e10: C = (1e10 + 0.01)^2, finite;
    # delta^(2) = 2 (1e10 + 0.01) / 2 per sample; dC/dW^(2) = 2e-300 delta, dC/db^(2) = 2 delta;
    # delta^(1) = delta^(2) * 1e298 = 1.0000000000001e308 per sample (finite);
    # dC/dW^(1) = 2 * 1e-10 * 1e308 = 2e298; dC/db^(1) = the sum over the samples: 2e308 = inf
    net = _net((1, 1, 1), [1e-290, 1e298], bias="neuron")
    X, y = [[1e-10], [1e-10]], [[-1e10], [-1e10]]
    (_, grads), message = _warning(lambda: net.loss_and_gradients(X, y))
    assert grads[0]["W"][0, 0] == pytest.approx(2e298) and grads[0]["b"][0, 0] == np.inf
    assert message == (
        "X: from a finite cost, dC/db^(1) overflowed to inf at index (0, 0) (largest "
        "magnitudes: 1e-10 in X, 1e-290 in W^(1)); scale X or the weights"
    )


def test_an_activation_that_overflows_from_a_finite_z_is_named_with_its_row():
    # hidden tanh, output exp (the log link): row 0: z^(2) = 1000 tanh(0) = 0, a = 1;
    # row 1: z^(2) = 1000 tanh(1) = 761.59..., e^761.6 = inf
    net = _net((1, 1, 1), [1.0, 1000.0], activation="tanh", output="exp")
    X = [[0.0], [1.0]]
    assert 1000 * math.tanh(1.0) == pytest.approx(761.594, abs=1e-3)
    expected = (
        "X: a^(2) = exp(z^(2)) overflowed to inf at row 1, unit 1, where z^(2) is 762; scale X "
        "or the weights"
    )
    _, message = _warning(lambda: net.forward(X))
    assert message == expected + " (the output a^(L) is not finite)"
    _, message = _warning(lambda: net.loss(X, [[0.0], [0.0]]))
    assert message == expected


def test_a_population_names_its_one_bad_members_activation():
    # as above, member 1 only (member 0 has W^(2) = 1: e^tanh(1), finite)
    pop = _net((1, 1, 1), [_member_W(1, 1), _member_W(1, 1000)], "tanh", "exp", seed=[0, 1])
    X = [[0.0], [1.0]]
    out, message = _warning(lambda: pop.forward(X))
    assert np.isfinite(out.a[-1][0]).all() and out.a[-1][1, 1, 0] == np.inf
    assert message == (
        "X: in member 1, a^(2) = exp(z^(2)) overflowed to inf at row 1, unit 1, where z^(2) "
        "is 762; scale X or the weights (the output a^(L) is not finite)"
    )


def test_a_population_names_the_bad_members_own_magnitudes_in_a_deeper_layer():
    # member 0: a^(1) = 1e200, z^(2) = 1e200 * 1e200 = inf; members 1 and 2 stay finite
    # (a^(1) = 1e250, z^(2) = 1e-50; a^(1) = 1e-300, z^(2) = 1e-50) and hold the largest
    # a^(1) and W^(2) of the population, which member 0's message must not quote
    pop = _net((1, 1, 1), [_member_W(1e200, 1e250, 1e-300), _member_W(1e200, 1e-300, 1e250)],
               seed=[0, 1, 2])  # fmt: skip
    costs, message = _warning(lambda: pop.loss([[1.0]], [[0.0]]))
    assert costs[0] == np.inf and np.isfinite(costs[1:]).all()
    assert message == (
        "X: in member 0, from finite inputs and weights, z^(2) = a^(1) W^(2) + b^(2) "
        "overflowed to inf at row 0, unit 1 (largest magnitudes: 1e+200 in a^(1), 1e+200 in "
        "W^(2)); scale X (e.g. with glassnet.datasets.Standardizer) or the weights"
    )


def test_a_population_names_its_first_bad_members_gradient_not_the_next_ones_cost():
    # X = 1e308; member 0: W = 1e-300, z = 1e8, C = 1e16, dC/dW = 1e308 * 2e8 = inf;
    # member 1: W = 1e-100, a = 1e208, C = inf
    pop = _net((1, 1), [_member_W(1e-300, 1e-100)], seed=[0, 1])
    (costs, _), message = _warning(lambda: pop.loss_and_gradients([[1e308]], [[0.0]]))
    assert costs[0] == pytest.approx(1e16) and costs[1] == np.inf
    assert message == (
        "X: in member 0 (and 1 more of 2), from a finite cost, dC/dW^(1) = X^T delta^(1) "
        "overflowed to inf at index (0, 0) (largest magnitudes: 1e+308 in X, 1e-300 in W^(1)); "
        "scale X or the weights"
    )


def test_a_population_cost_overflow_quotes_the_bad_members_output():
    # y = 1e170; member 0: a = 1e-300, C = (1e170)^2 = inf, dC/dW = 2 (1e-300 - 1e170): finite;
    # member 1: a = 1e170 = y, C = 0. |y| >= |a^(1)| of member 0: scale y
    pop = _net((1, 1), [_member_W(1e-300, 1e170)], seed=[0, 1])
    expected = (
        "y: in member 0, from a finite output and finite targets, the mse cost overflowed to inf "
        "(largest magnitudes: 1e+170 in y, 1e-300 in a^(1)); scale y"
    )
    costs, message = _warning(lambda: pop.loss([[1.0]], [[1e170]]))
    assert costs[0] == np.inf and costs[1] == 0.0 and message == expected
    # the gradients are finite, the last quantity computed is: the cost alone is reported
    (_, grads), message = _warning(lambda: pop.loss_and_gradients([[1.0]], [[1e170]]))
    assert np.isfinite(grads[0]["W"]).all() and message == expected


def test_a_deep_cost_overflow_with_targets_as_large_as_the_output_names_y():
    # a^(1) = 1e100, a^(2) = 1e200; y = -1e200: C = (2e200)^2 = inf; |y| = |a^(2)|: y is named
    # (the output, a^(2), is quoted, not the hidden a^(1))
    net = _net((1, 1, 1), [1e100, 1e100])
    _, message = _warning(lambda: net.loss([[1.0]], [[-1e200]]))
    assert message == (
        "y: from a finite output and finite targets, the mse cost overflowed to inf (largest "
        "magnitudes: 1e+200 in y, 1e+200 in a^(2)); scale y"
    )


# --- construction details: the dtype refusal, a user-made initializer, unpickling, trace -----


def test_a_dtype_of_none_is_refused_with_the_choices():
    with pytest.raises(TypeError) as info:
        gn.Network([2, 1], dtype=None)
    assert str(info.value) == "dtype: expected one of float64, float32, got None (NoneType)"


def _drawing(weights, biases):
    return gn.initializers.Initializer("mine", lambda seed, ws, bs: (weights, biases))


def test_a_user_made_initializer_drawing_too_few_arrays_is_named():
    init = _drawing([np.zeros((2, 3))], [None, None])  # [2, 3, 1] needs two weight arrays
    with pytest.raises(ValueError) as info:
        gn.Network([2, 3, 1], bias="none", init=init)
    assert str(info.value) == "init: mine drew 1 W arrays, expected 2"


def test_a_user_made_initializer_drawing_nan_is_named():
    weights = [np.zeros((2, 3)), np.array([[0.0], [np.nan], [0.0]])]
    with pytest.raises(ValueError) as info:
        gn.Network([2, 3, 1], bias="none", init=_drawing(weights, [None, None]))
    assert str(info.value) == "init: mine drew NaN or infinity for layer 2 W"


def test_an_unpickled_network_whose_initializer_is_not_registered_draws_uniformly():
    # only the name of a user-made initializer can be pickled; the unpickled network keeps
    # the name and draws as "uniform", U(-1, 1) from default_rng(seed), as a loaded model
    # file does (glassnet.modelfile)
    net = gn.Network([2, 3, 1], bias="none", init=_drawing([np.ones((2, 3)), np.ones((3, 1))],
                                                           [None, None]))  # fmt: skip
    new = pickle.loads(pickle.dumps(net))
    assert new.init.name == "mine"
    weights, biases = new.init.draw(7, [(2, 3), (3, 1)], [None, None])
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(weights[0], rng.uniform(-1, 1, size=(2, 3)))
    np.testing.assert_array_equal(weights[1], rng.uniform(-1, 1, size=(3, 1)))
    assert biases == [None, None]


def test_network_trace_passes_the_targets_on():
    # one identity unit, bias none: a = x . w, C = (a - y)^2
    net = gn.Network([2, 1], activation="identity", output="identity", bias="none", seed=0)
    w = net.params[0]["W"][:, 0]
    t = net.trace([[1.0, 2.0]], [[3.0]])
    assert t.cost == pytest.approx((w[0] + 2 * w[1] - 3.0) ** 2, rel=1e-12)


def test_gradients_recompute_the_cost_silently_to_diagnose_it():
    # z^(1) = 1e200 * 1e200 = inf in both units; softmax(inf, inf) is NaN, and the cross
    # entropy's fused cost from z (z - max z = inf - inf) is NaN: NumPy's "invalid value"
    # RuntimeWarning would be a second warning next to the diagnosis
    net = _net((1, 2), [1e200], output="softmax")
    grads, message = _warning(lambda: net.gradients([[1e200]], [[1.0, 0.0]], loss="cross_entropy"))
    assert np.isnan(grads[0]["W"]).all()
    assert message == (
        "X: from finite inputs and weights, z^(1) = X W^(1) + b^(1) overflowed to inf at row 0, "
        "unit 1 (largest magnitudes: 1e+200 in X, 1e+200 in W^(1)); scale X (e.g. with "
        "glassnet.datasets.Standardizer) or the weights"
    )


def test_network_fit_and_trace_pass_the_configuration_on():
    # three full-batch gradient steps on mse, written out: W <- W - lr (2 / n) X^T (X W - y)
    from glassnet.run import TrainConfig

    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    y = np.array([[1.0], [0.0]])
    net = gn.Network([2, 1], activation="identity", output="identity", bias="none", seed=0)
    W = net.params[0]["W"].copy()
    config = TrainConfig(epochs=3, lr=0.1, optimizer="gd", loss="mse", batch_size=None)
    history = net.fit(X, y, config)
    for _ in range(3):
        W = W - 0.1 * (2 / 2) * X.T @ (X @ W - y)
    assert len(history.loss) == 3
    np.testing.assert_allclose(net.params[0]["W"], W, rtol=1e-12)
    # the trace's step is the configuration's, given whole or as settings
    t = net.trace(X, y, TrainConfig(lr=0.05, optimizer="gd"))
    assert (t.optimizer, t.lr) == ("gd", 0.05)
    assert net.trace(X, y, lr=0.07).lr == 0.07


def test_weights_set_to_a_non_finite_value_are_named_not_the_inputs():
    # W^(1)[1, 0] = inf written by hand (fit, load and every setter refuse it): the row
    # x = (0, 1) meets it (1 * inf = inf); the message names the weight, where it said "from
    # finite inputs and weights"
    net = _net((2, 1, 1), [[[0.5], [1.0]], [[1.0]]], bias="neuron")
    net.params[0]["W"][1, 0] = np.inf
    _, message = _warning(lambda: net.forward([[0.0, 1.0]]))
    assert message == (
        "W^(1): the weights are not finite (inf at index (1, 0)), so z^(1) = X W^(1) + b^(1) "
        "is inf at row 0, unit 1; set finite weights (the output a^(L) is not finite)"
    )
    net.params[0]["W"][1, 0] = 1.0
    net.params[1]["b"][0, 0] = np.nan  # a^(1) = 1, z^(2) = 1 + nan
    _, message = _warning(lambda: net.forward([[0.0, 1.0]]))
    assert message == (
        "b^(2): the weights are not finite (nan at index (0, 0)), so z^(2) = a^(1) W^(2) + "
        "b^(2) is nan at row 0, unit 1; set finite weights (the output a^(L) is not finite)"
    )
    # a population names the member, and that member's weight
    pop = _net((1, 1), [_member_W(2.0, 3.0, 4.0)], seed=[0, 1, 2])
    pop.params[0]["W"][2, 0, 0] = -np.inf
    _, message = _warning(lambda: pop.forward([[1.0]]))
    assert message == (
        "W^(1): in member 2, the weights are not finite (-inf at index (0, 0)), so z^(1) = X "
        "W^(1) + b^(1) is -inf at row 0, unit 1; set finite weights (the output a^(L) is not "
        "finite)"
    )


@pytest.mark.parametrize(
    "loss, output, z, a, target",
    [("poisson", "relu", -1.0, 0.0, 2.0), ("poisson", "tanh01", -40.0, 0.0, 1.0)],
)  # fmt: skip
def test_a_cost_infinite_at_the_edge_of_its_domain_is_not_called_an_overflow(
    loss, output, z, a, target
):
    # poisson's y_hat - y log(y_hat) at y_hat = 0 < y (relu's 0, or tanh01's (tanh z + 1) / 2,
    # exactly 0 below z ~ -19) takes the log of 0: infinite from small, finite numbers, so
    # "scale y" (an overflow's advice) cannot help; the output activation can (bce and
    # cross-entropy clip their outputs away from 0 and 1: finite there)
    net = gn.Network([1, 1], output=output, seed=0)
    net.params[0]["W"][:] = 1.0
    net.params[0]["b"][:] = 0.0
    X = np.array([[0.5], [z]])  # z = x: row 1 is at the edge
    y = np.array([[0.5], [target]])
    assert net.predict(X)[1, 0] == a
    with pytest.warns(NonFiniteWarning) as caught:
        assert net.loss(X, y, loss=loss) == np.inf
    assert str(caught[0].message) == (
        f"output: the {loss} cost is inf, not from an overflow: at row 1, unit 1, the output "
        f"a^(1) is exactly {a:g} for the target {target:g}, where the loss takes the log of 0; "
        f"use an output activation that cannot reach {a:g} (this one is {output})"
    )


def test_the_edge_named_is_the_first_row_and_unit_whose_own_cost_is_infinite():
    # outputs relu(x), relu(-x): row 0 (x = -2) is [0, 2] for targets [0, 1]: its 0 has target 0,
    # which costs 0 (the limit of y_hat - y log y_hat ... at y = 0); row 1 (x = 2) is [2, 0] for
    # targets [1, 3]: unit 2 is the log of 0. Neither row's cost is read with another's
    net = gn.Network([1, 2], output="relu", seed=0)
    net.params[0]["W"][:] = [[1.0, -1.0]]
    net.params[0]["b"][:] = 0.0
    X, y = np.array([[-2.0], [2.0]]), np.array([[0.0, 1.0], [1.0, 3.0]])
    with pytest.warns(NonFiniteWarning) as caught:
        assert net.loss(X, y, loss="poisson") == np.inf
    assert str(caught[0].message) == (
        "output: the poisson cost is inf, not from an overflow: at row 1, unit 2, the output "
        "a^(1) is exactly 0 for the target 3, where the loss takes the log of 0; use an output "
        "activation that cannot reach 0 (this one is relu)"
    )


def test_an_infinite_cost_from_large_numbers_at_an_output_of_0_is_an_overflow():
    # mse of an output 0 against a target of 1e200: (1e200)^2 overflows whatever the output's
    # next number inside: the overflow's words (scale y), not the edge's
    net = gn.Network([1, 1], output="relu", seed=0)
    net.params[0]["W"][:] = 1.0
    net.params[0]["b"][:] = 0.0
    with pytest.warns(NonFiniteWarning) as caught:
        assert net.loss(np.array([[-1.0]]), np.array([[1e200]]), loss="mse") == np.inf
    assert str(caught[0].message) == (
        "y: from a finite output and finite targets, the mse cost overflowed to inf (largest "
        "magnitudes: 1e+200 in y, 0 in a^(1)); scale y"
    )


def test_a_custom_loss_at_the_edge_of_its_domain_is_said_without_numpys_warning():
    # a user's cross-entropy written plainly, C = mean(-y log y_hat), warns "divide by zero
    # in log" at y_hat = 0 wherever NumPy's error state lets it: the one warning said is the
    # note that names the output, the row and the unit
    def value(y_hat, y, weight=None):
        return (-y * np.log(y_hat)).mean(axis=(-2, -1))

    def gradient(y_hat, y, weight=None):
        return -y / y_hat / y_hat[..., 0].size

    plain = losses.Loss("plain_log", value, gradient)
    net = gn.Network([1, 1], output="relu", seed=0)
    net.params[0]["W"][:] = 1.0
    net.params[0]["b"][:] = 0.0
    with pytest.warns(NonFiniteWarning) as caught:
        assert net.loss(np.array([[1.0], [-1.0]]), np.array([[0.5], [0.5]]), loss=plain) == np.inf
    assert [w.category for w in caught] == [NonFiniteWarning]
    assert str(caught[0].message) == (
        "output: the plain_log cost is inf, not from an overflow: at row 1, unit 1, the output "
        "a^(1) is exactly 0 for the target 0.5, where the loss takes the log of 0; use an "
        "output activation that cannot reach 0 (this one is relu)"
    )
