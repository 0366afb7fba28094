"""The Network's public face at its edges: its bounds (inclusive), what it says when refused,
what it prints, and the methods around the math (backward, member, pickling, save, trace).

The network mutants (issue 26's mutation runs) that survived the engine's tests were in these
places: messages, the inclusive ends of bounds, a member's own record, what a pickle and a file
keep. Each expected value here is written out by hand.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import glassnet as gn
from glassnet import network as gnet

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
Y = np.array([[0.2], [0.9]])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(sizes=[3, 2, 1], seed=np.zeros((2, 2), int)), ValueError,
         "seed: expected one seed per member, got an array of shape (2, 2) and dtype int64"),
        (dict(sizes=[3, 2, 1], seed=[]), ValueError,
         "seed: expected at least one seed for a population, got none"),
        (dict(sizes=np.array([[3, 2]])), ValueError,
         "sizes: expected a 1-D sequence of layer sizes, got an array of shape (1, 2) and dtype "
         "int64"),
        (dict(sizes="3,1"), TypeError, "sizes: expected a sequence of layer sizes, got '3,1' (str)"),
        (dict(sizes=[3] + [1] * 1000), ValueError,
         "sizes: expected at most 1000 sizes (glassnet.network.MAX_LAYERS), got 1001"),
        (dict(sizes=[3, 10**5, 10**5]), ValueError,
         "sizes: the parameters of [3, 100000, 100000] would take 74.5 GiB; glassnet refuses "
         "more than 4 GiB (glassnet._validation.MAX_PARAMETER_BYTES)"),
        (dict(sizes=[3, 10**4, 10**4], seed=list(range(10))), ValueError,
         "sizes: the parameters of [3, 10000, 10000] for 10 members would take 7.45 GiB; "
         "glassnet refuses more than 4 GiB (glassnet._validation.MAX_PARAMETER_BYTES)"),
        (dict(sizes=[3, 2, 1], activation=3), TypeError,
         "activation: expected an activation name, an Activation, or a list of them (one per "
         "hidden layer), got 3 (int)"),
        (dict(sizes=[3, 2, 2, 1], activation=["relu", "softmax"]), ValueError,
         "activation: softmax can only be the output activation"),
        (dict(sizes=[3, 2, 1], output="softmax"), ValueError,
         "output: softmax needs at least 2 output units, got 1"),
        (dict(sizes=[3, 2, 2, 1], activation=["relu", "relux"]), ValueError,
         "activation[1]: unknown activation 'relux'; expected one of "),
        (dict(sizes=[3, 2, 1], activation="relux"), ValueError,
         "activation: unknown activation 'relux'; expected one of "),
        (dict(sizes=[3, 2, 1], activation=[4]), TypeError,
         "activation[0]: expected an activation name or an Activation, got 4 (int)"),
        (dict(sizes=[3, 1], dtype="int32"), ValueError,
         "dtype: expected one of float64, float32, got 'int32' (str)"),
    ],
)  # fmt: skip
def test_a_refused_network_says_why(kwargs, error, message):
    with pytest.raises(error) as info:
        gn.Network(**kwargs)
    assert str(info.value).startswith(message), str(info.value)


def test_bounds_are_inclusive(monkeypatch):
    assert len(gn.Network([1] * 1000, seed=0).layers) == 999  # MAX_LAYERS sizes exactly
    monkeypatch.setattr(gnet, "MAX_POPULATION", 3)
    assert gn.Network([2, 1], seed=[0, 1, 2]).population == 3
    with pytest.raises(ValueError, match=r"^seed: expected at most 3 seeds"):
        gn.Network([2, 1], seed=[0, 1, 2, 3])
    need = gnet.parameter_bytes([3, 4, 1], 2, 8, "neuron")
    monkeypatch.setattr(gnet, "MAX_PARAMETER_BYTES", need)
    assert gn.Network([3, 4, 1], seed=[0, 1]).n_params == 21
    with pytest.raises(ValueError, match=r"^sizes: the parameters of \[3, 4, 1\] for 3 members"):
        gn.Network([3, 4, 1], seed=[0, 1, 2])
    assert gn.Network([3, 2, 2], output="softmax", seed=0).sizes[-1] == 2  # 2 units suffice


def test_the_default_seed_is_zero_and_the_text_of_a_network():
    np.testing.assert_array_equal(
        gn.Network([3, 2]).layers[0].W, gn.Network([3, 2], seed=0).layers[0].W
    )
    single = gn.Network([3, 2, 1], activation="tanh", bias="layer", seed=0)
    assert repr(single) == "Network([3, 2, 1], activations=[tanh, sigmoid], bias='layer')"
    pop = gn.Network([3, 2, 1], seed=[1, 2])
    assert repr(pop) == (
        "Network([3, 2, 1], activations=[sigmoid, sigmoid], bias='neuron', population=2)"
    )
    assert repr(pop.layers[1]) == "Layer(2: 2 -> 1, sigmoid, bias=neuron)"
    deep = gn.Network([3, 2, 2, 1], activation=["relu", "tanh"], output="identity", seed=5)
    assert deep.config() == {"sizes": [3, 2, 2, 1], "activation": ["relu", "tanh"],
                             "output": "identity", "bias": "neuron", "init": "xavier", "seed": 5,
                             "dtype": "float64", "kernel": "blas"}  # fmt: skip


def test_writing_a_layer_names_the_layer():
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(ValueError) as info:
        net.layers[1].W = np.zeros((1, 1))
    assert str(info.value) == "W: expected shape (2, 1) for layer 2, got (1, 1)"
    with pytest.raises(ValueError) as info:
        net.layers[1].W = [[0.0], [np.inf]]
    assert str(info.value) == "W: expected finite values for layer 2, got inf at index (1, 0)"
    with pytest.raises(ValueError) as info:
        gn.Network([3, 1], bias="none", seed=0).layers[0].b = [[1.0]]
    assert str(info.value) == "b: this network has bias='none', so its layers have no bias"


def test_parameters_written_directly_are_checked_by_name():
    net = gn.Network([3, 2, 1], seed=0)
    net.params = net.params[:1]
    with pytest.raises(ValueError) as info:
        net.check_params()
    assert str(info.value) == "params: expected 2 layers of parameters"
    net = gn.Network([3, 2, 1], seed=0)
    net.params[1] = {"W": net.params[1]["W"]}
    with pytest.raises(ValueError) as info:
        net.check_params()
    assert str(info.value) == "params: layer 2 must hold ['W', 'b']"
    net = gn.Network([3, 2, 1], seed=0)
    net.params[0]["W"] = np.zeros((3, 2), np.float32)
    with pytest.raises(ValueError) as info:
        net.check_params()
    assert str(info.value) == (
        "params: layer 1 W is an array of shape (3, 2) and dtype float32, expected shape "
        "(3, 2) and dtype float64"
    )
    net = gn.Network([3, 2, 1], seed=0)
    net.params = "params"
    with pytest.raises(ValueError, match=r"^params: expected 2 layers of parameters$"):
        net.check_params()


def test_an_initializer_that_draws_the_wrong_shapes_is_named():
    def bad(seed, weight_shapes, bias_shapes):
        return [np.zeros((2, 2)) for _ in weight_shapes], [None for _ in bias_shapes]

    with pytest.raises(ValueError) as info:
        gn.Network([3, 1], init=gn.initializers.Initializer("bad", bad), seed=0)
    assert str(info.value) == (
        "init: bad drew an array of shape (2, 2) and dtype float64 for layer 1 W, expected a "
        "real array of shape (3, 1)"
    )

    def bad_bias(seed, weight_shapes, bias_shapes):
        return [np.zeros(s) for s in weight_shapes], [np.zeros((1, 5)) for _ in bias_shapes]

    with pytest.raises(ValueError, match=r"for layer 2 b, expected a real array of shape \(1, 1\)"):
        gn.Network([3, 5, 1], init=gn.initializers.Initializer("bad_b", bad_bias), seed=0)


@pytest.mark.parametrize(
    ("n_out", "y", "error", "message"),
    [
        (2, np.array([True, False]), TypeError,
         "y: expected class labels 0..1 (integers) or one-hot rows (n_samples, 2) for 2 outputs, "
         "got booleans"),
        (3, np.array([0, 3]), ValueError, "y: class labels must be in 0..2 for 3 outputs, got 0..3"),
        (1, np.array([0, 1]), ValueError,
         "y: expected a 2-D array (n_samples, 1) for this network's one output, got shape (2,); "
         "pass y.reshape(-1, 1)"),
        (1, np.array([True, False]), ValueError,
         "y: expected a 2-D array (n_samples, 1) for this network's one output, got shape (2,); "
         "pass y.reshape(-1, 1)"),
        (2, np.array([[0.0, 1.0]]), ValueError, "y: expected 2 rows to match X, got 1"),
        (2, np.array([[0.0, 1.0, 0.0]] * 2), ValueError,
         "y: expected 2 columns for this network, got 3"),
    ],
)  # fmt: skip
def test_targets_are_checked_against_the_output_layer(n_out, y, error, message):
    net = gn.Network([3, n_out], output="identity", seed=0)
    with pytest.raises(error) as info:
        net.fit(X, y, epochs=1)
    assert str(info.value) == message


def test_integer_labels_of_two_outputs_are_one_hot_rows():
    net = gn.Network([3, 2], output="softmax", seed=0)
    np.testing.assert_array_equal(net.check_targets(np.array([1, 0]), gn.losses.get("mse"), 2),
                                  [[0.0, 1.0], [1.0, 0.0]])  # fmt: skip
    assert net.loss(X, np.array([1, 0]), "cross_entropy") == net.loss(
        X, [[0, 1], [1, 0]], "cross_entropy"
    )


def test_a_value_beyond_float32_is_named_by_its_row():
    net = gn.Network([3, 1], seed=0, dtype="float32")
    Xb = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, -1e39, 0.0]])
    with pytest.raises(ValueError) as info:
        net.predict(Xb)
    assert str(info.value) == (
        "X: row 2 holds a value beyond float32's range (+-3.4e+38) for this float32 network"
    )


def test_backward_is_the_gradient_of_the_forward_pass():
    net = gn.Network([3, 4, 1], activation="tanh", seed=2)
    fwd = net.forward(X)
    grads, deltas = net.backward(fwd, Y, "mae")
    expected = net.gradients(X, Y, "mae")
    for g, e in zip(grads, expected, strict=True):
        for k in e:
            np.testing.assert_array_equal(g[k], e[k])
    assert len(deltas) == 3 and deltas[0] is None and deltas[2].shape == (2, 1)
    # delta^(L) = dC/da * f'(z) for mse (the default) on a sigmoid output, by hand:
    # (2 / (n m)) (a - y) a (1 - a) with n m = 2
    _, deltas = net.backward(fwd, Y)
    a = fwd.a[-1]
    np.testing.assert_allclose(deltas[2], (a - Y) * a * (1 - a), rtol=1e-12)
    with pytest.raises(TypeError) as info:
        net.backward("fwd", Y)
    assert str(info.value) == "fwd: expected the Forward of net.forward(X), got 'fwd' (str)"
    with pytest.raises(ValueError, match=r"^y: expected 2 rows to match X, got 1$"):
        net.backward(fwd, Y[:1])


def test_loss_and_gradients_default_to_mse_and_per_member_values():
    net = gn.Network([3, 2, 1], seed=1)
    value, _ = net.loss_and_gradients(X, Y)
    assert type(value) is float and value == net.loss(X, Y, "mse")
    pop = gn.Network([3, 2, 1], seed=[1, 2])
    values, _ = pop.loss_and_gradients(X, Y)
    assert values.shape == (2,) and values[0] == value
    assert type(net.loss(X, Y)) is float


def test_a_member_carries_its_own_run():
    pop = gn.Network([3, 2, 1], seed=[4, 5, 6])
    hist = pop.fit(X, Y, lr=[0.1, 0.5, 1.0], epochs=3)
    for k, kk in ((1, 1), (-1, 2)):
        m = pop.member(k)
        assert m.population is None and m.seeds == [[4, 5, 6][kk]]
        np.testing.assert_array_equal(m.train_state.history.loss, hist.loss[kk])
        np.testing.assert_array_equal(m.layers[0].W, pop.layers[0].W[kk])
    assert gn.Network([3, 1], seed=[0, 1]).member(0).train_state is None
    with pytest.raises(ValueError) as info:
        pop.member(3)
    assert str(info.value) == "k: expected an integer in [-3, 2], got 3 (int)"
    with pytest.raises(ValueError) as info:
        gn.Network([3, 1], seed=0).member(0)
    assert str(info.value) == "member: this is a single network, not a population"


def test_a_pickle_and_a_file_keep_the_network_and_its_run(tmp_path):
    def custom(seed, weight_shapes, bias_shapes):
        rs = np.random.default_rng(seed)
        return [rs.normal(size=s) for s in weight_shapes], [np.zeros(s) for s in bias_shapes]

    net = gn.Network([3, 2, 1], activation="relu", init=gn.initializers.Initializer("mine", custom),
                     seed=3, dtype="float32", kernel="broadcast")  # fmt: skip
    net.fit(X, Y, epochs=2)
    back = pickle.loads(pickle.dumps(net))
    assert back.config() == net.config() and back.init.name == "mine"
    assert back.dtype == np.float32 and back.kernel == "broadcast"
    assert back.layers[1].activation.name == "sigmoid" and back.layers[1].index == 1
    np.testing.assert_array_equal(back.layers[0].W, net.layers[0].W)
    np.testing.assert_array_equal(back.train_state.history.loss, net.train_state.history.loss)
    net.save(tmp_path / "m.npz", extra={"note": "kept"})
    loaded = gn.load(tmp_path / "m.npz")
    assert gn.modelfile.read_metadata(tmp_path / "m.npz")["extra"] == {"note": "kept"}
    np.testing.assert_array_equal(loaded.train_state.history.loss, net.train_state.history.loss)
    fresh = gn.Network([3, 1], seed=0)
    fresh.save(tmp_path / "f.npz")
    assert "run" not in gn.modelfile.read_metadata(tmp_path / "f.npz")


def test_trace_is_the_trace_of_this_network():
    from glassnet.trace import trace

    net = gn.Network([3, 2, 1], seed=0)
    ours, theirs = net.trace(X, Y, lr=0.5), trace(net, X, Y, lr=0.5)
    np.testing.assert_array_equal(ours.X, X)
    np.testing.assert_array_equal(ours.y, Y)
    np.testing.assert_array_equal(ours.output, theirs.output)
    assert (ours.loss, ours.lr) == (theirs.loss, theirs.lr) == ("mse", 0.5)
