"""The Network: shapes, the population axis, the paper initializer, bad input."""

import numpy as np
import pytest

import glassnet as gn


def test_paper_initializer_reproduces_the_papers_draw():
    rs = np.random.RandomState(1)
    S0 = 2 * rs.rand(3, 2) - 1
    S1 = 2 * rs.rand(2, 1) - 1
    b0 = rs.uniform(-1, 1)
    b1 = rs.uniform(-1, 1)
    net = gn.Network([3, 2, 1], bias="layer", init="paper", seed=1)
    assert np.array_equal(net.layers[0].W, S0)
    assert np.array_equal(net.layers[1].W, S1)
    assert net.layers[0].b.shape == (1, 1) and net.layers[0].b[0, 0] == b0
    assert net.layers[1].b[0, 0] == b1
    # the literal first numbers of RandomState(1), as printed by NumPy
    assert S0[0, 0] == pytest.approx(-0.16595599059485195, abs=0, rel=1e-15)


def test_shapes_single_and_population(paper_data):
    X, y = paper_data
    single = gn.Network([3, 4, 1], seed=0)
    assert single.population is None
    assert single.layers[0].W.shape == (3, 4) and single.layers[0].b.shape == (1, 4)
    assert single.predict(X).shape == (4, 1)
    assert isinstance(single.loss(X, y), float)
    pop = gn.Network([3, 4, 1], seed=[0, 1, 2])
    assert pop.population == 3
    assert pop.layers[0].W.shape == (3, 3, 4) and pop.layers[1].b.shape == (3, 1, 1)
    assert pop.predict(X).shape == (3, 4, 1)
    assert pop.loss(X, y).shape == (3,)
    # member k of the population is the single network with seed k
    np.testing.assert_array_equal(pop.layers[0].W[0], single.layers[0].W)
    assert gn.Network([3, 4, 1], bias="none").layers[0].b is None
    assert gn.Network([3, 4, 1], bias="layer").layers[0].b.shape == (1, 1)


def test_population_members_are_contiguous_blocks():
    pop = gn.Network([3, 4, 1], seed=list(range(10)))
    W = pop.layers[0].W
    assert W.flags.c_contiguous and W[3].flags.c_contiguous


def test_layer_views_are_writable(paper_data):
    X, _ = paper_data
    net = gn.Network([3, 2, 1], seed=0)
    net.layers[0].W[...] = 0.0
    net.layers[1].W = [[1.0], [2.0]]
    assert net.params[1]["W"][1, 0] == 2.0
    np.testing.assert_allclose(net.predict(X), 1 / (1 + np.exp(-(0.5 * 1 + 0.5 * 2))))
    with pytest.raises(ValueError, match=r"W: expected shape \(2, 1\)"):
        net.layers[1].W = np.zeros((1, 2))


@pytest.mark.parametrize(
    ("optimizer", "batch_size"), [("gd", None), ("momentum", 3), ("adam", 2), ("rmsprop", None)]
)
def test_population_member_equals_single_network(optimizer, batch_size):
    X, y = gn.datasets.load("xor")
    seeds, rates = [4, 5, 6], [0.05, 0.2, 0.8]
    kw = dict(activation="tanh", output="sigmoid", bias="neuron")
    pop = gn.Network([2, 3, 1], seed=seeds, **kw)
    hp = pop.fit(X, y, loss="bce", optimizer=optimizer, lr=rates, epochs=150, batch_size=batch_size)
    for k, (s, r) in enumerate(zip(seeds, rates, strict=True)):
        net = gn.Network([2, 3, 1], seed=s, **kw)
        hs = net.fit(X, y, loss="bce", optimizer=optimizer, lr=r, epochs=150, batch_size=batch_size)
        # the issue asks for 1e-12; the engine gives bit-for-bit equality
        np.testing.assert_array_equal(hp.loss[k], hs.loss)
        for lp, ls in zip(pop.params, net.params, strict=True):
            for key in ls:
                np.testing.assert_array_equal(lp[key][k], ls[key])
        member = pop.member(k)
        np.testing.assert_array_equal(member.layers[0].W, pop.layers[0].W[k])


def test_population_with_larger_layers_computes_what_single_networks_do():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 20))
    y = rng.uniform(size=(64, 3))
    pop = gn.Network([20, 40, 3], seed=[1, 2])
    single = gn.Network([20, 40, 3], seed=2)
    np.testing.assert_array_equal(pop.predict(X)[1], single.predict(X))
    g_pop, g_single = pop.gradients(X, y), single.gradients(X, y)
    np.testing.assert_array_equal(g_pop[0]["W"][1], g_single[0]["W"])


def test_float32_network_keeps_its_dtype(paper_data):
    X, y = paper_data
    net = gn.Network([3, 2, 1], seed=0, dtype="float32")
    hist = net.fit(X, y, lr=0.5, epochs=5)
    assert net.predict(X).dtype == np.float32
    assert net.layers[0].W.dtype == np.float32
    assert np.isfinite(hist.loss).all()


def test_integer_labels_become_one_hot():
    X, y = gn.datasets.load("blobs", n_samples=30, n_classes=3, seed=0)
    labels = y.argmax(axis=1)
    net = gn.Network([2, 4, 3], output="softmax", seed=0)
    assert net.loss(X, labels, loss="cross_entropy") == net.loss(X, y, loss="cross_entropy")


def test_copy_is_independent_and_keeps_layout():
    pop = gn.Network([3, 2, 1], seed=[0, 1, 2])
    twin = pop.copy()
    twin.layers[0].W[...] = 0
    assert np.abs(pop.layers[0].W).sum() > 0
    assert twin.layers[0].W.shape == pop.layers[0].W.shape


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(sizes=[3]), ValueError, "sizes: expected at least an input and an output"),
        (dict(sizes=[3, 0, 1]), ValueError, r"sizes\[1\]: expected an integer >= 1, got 0"),
        (dict(sizes=[3, 2.5, 1]), TypeError, r"sizes\[1\]: expected an integer"),
        (dict(sizes="321"), TypeError, "sizes: expected a sequence"),
        (dict(activation="sigmod"), ValueError, "unknown activation 'sigmod'; expected one of"),
        (dict(output="nope"), ValueError, "unknown activation 'nope'"),
        (dict(activation=["tanh", "relu"]), ValueError, "activation: expected one name or 1"),
        (dict(activation="softmax"), ValueError, "softmax can only be the output"),
        (dict(sizes=[3, 2, 1], output="softmax"), ValueError, "needs at least 2 output units"),
        (dict(bias="unit"), ValueError, "bias: expected one of neuron, layer, none"),
        (dict(init="zeros"), ValueError, "unknown initializer 'zeros'"),
        (dict(seed=-1), ValueError, "seed: expected a non-negative integer"),
        (dict(seed=[]), ValueError, "seed: expected at least one seed"),
        (
            dict(dtype="float16"),
            ValueError,
            "dtype: expected one of float64, float32, got 'float16'",
        ),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs, error, match):
    kwargs = {"sizes": [3, 2, 1], **kwargs}
    with pytest.raises(error, match=match):
        gn.Network(**kwargs)


@pytest.mark.parametrize(
    ("X", "y", "loss", "match"),
    [
        (
            np.zeros((4, 2)),
            np.zeros((4, 1)),
            "mse",
            "X: expected 3 columns for this network, got 2",
        ),
        (
            np.zeros(3),
            np.zeros((1, 1)),
            "mse",
            r"X: expected a 2-D array \(n_samples, n_features\)",
        ),
        (np.zeros((0, 3)), np.zeros((0, 1)), "mse", "X: expected at least one row"),
        (np.array([[0, np.nan, 1.0]]), np.zeros((1, 1)), "mse", "X: expected finite values"),
        (np.zeros((4, 3)), np.zeros((3, 1)), "mse", "y: expected 4 rows to match X, got 3"),
        (np.zeros((4, 3)), np.zeros(4), "mse", r"y: expected a 2-D array"),
        (
            np.zeros((4, 3)),
            np.full((4, 1), 2.0),
            "bce",
            r"y: the bce loss expects targets in \[0, 1\]",
        ),
        (np.zeros((4, 3)), np.zeros((4, 1)), "l2", "unknown loss 'l2'"),
        (np.zeros((4, 3)), np.array([[np.inf]] * 4), "mse", "y: expected finite values"),
    ],
)
def test_data_checks(X, y, loss, match):
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=match):
        net.loss(X, y, loss=loss)


def test_string_data_is_a_type_error():
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(TypeError, match="X: expected a numeric array"):
        net.predict(np.array([["a", "b", "c"]]))


def test_jupyter_shows_a_network_and_a_history(paper_data):
    X, y = paper_data
    net = gn.Network([3, 2, 1], seed=0)
    hist = net.fit(X, y, epochs=5)
    for obj in (net, hist):
        # HTML only, with one embedded image: a notebook stores the picture once
        assert not hasattr(obj, "_repr_png_")
        assert obj._repr_html_().count('src="data:image/png;base64,') == 1


def test_pickle_round_trip(paper_data):
    import pickle

    X, y = paper_data
    for seed in (0, [0, 1]):
        net = gn.Network([3, 4, 1], activation="gelu", output="sigmoid", seed=seed)
        net.fit(X, y, epochs=3)
        back = pickle.loads(pickle.dumps(net))
        np.testing.assert_array_equal(back.predict(X), net.predict(X))
        assert back.config() == net.config() and back.population == net.population
        back.fit(X, y, epochs=2)  # and it trains


def test_loss_and_gradients_in_one_pass(paper_data):
    X, y = paper_data
    net = gn.Network([3, 4, 1], seed=0)
    value, grads = net.loss_and_gradients(X, y, loss="bce")
    assert value == net.loss(X, y, loss="bce")
    np.testing.assert_array_equal(grads[0]["W"], net.gradients(X, y, loss="bce")[0]["W"])


# --- the broadcast kernel ------------------------------------------------------------------


def test_broadcast_kernel_members_equal_single_networks_of_that_kernel():
    X, y = gn.datasets.load("moons", n_samples=40, seed=0)
    kw = dict(activation="tanh", kernel="broadcast")
    small = gn.Network([2, 9, 9, 1], seed=[3, 4, 5], **kw)
    big = gn.Network([2, 9, 9, 1], seed=[9, 8, 7, 6, 5, 4, 3], **kw)
    h_small = small.fit(
        X, y, loss="bce", optimizer="adam", lr=[0.1, 0.2, 0.3], epochs=100, batch_size=8
    )
    h_big = big.fit(
        X, y, loss="bce", optimizer="adam", lr=[0.5] * 4 + [0.3, 0.2, 0.1], epochs=100, batch_size=8
    )
    single = gn.Network([2, 9, 9, 1], seed=5, **kw)
    h_single = single.fit(X, y, loss="bce", optimizer="adam", lr=0.3, epochs=100, batch_size=8)
    # a member's numbers depend only on its own seed and rate, not on the population around it
    np.testing.assert_array_equal(h_small.loss[2], h_big.loss[4])
    np.testing.assert_array_equal(h_small.loss[2], h_single.loss)
    np.testing.assert_array_equal(small.layers[0].W[2], single.layers[0].W)
    assert small.layers[0].W.strides[0] == small.layers[0].W.itemsize  # member-last storage


def test_broadcast_kernel_agrees_with_blas_to_rounding(paper_data):
    X, y = paper_data
    blas = gn.Network([3, 2, 1], seed=[0, 1, 2])
    fast = gn.Network([3, 2, 1], seed=[0, 1, 2], kernel="broadcast")
    hb = blas.fit(X, y, loss="sse", lr=0.5, epochs=100)
    hf = fast.fit(X, y, loss="sse", lr=0.5, epochs=100)
    np.testing.assert_allclose(hf.loss, hb.loss, rtol=1e-12)
    assert gn.gradient_check(fast, X, y, loss="mse").passed
    twin = fast.copy()
    assert twin.layers[0].W.strides == fast.layers[0].W.strides
    with pytest.raises(ValueError, match="kernel: expected one of blas, broadcast"):
        gn.Network([3, 2, 1], kernel="fast")


def test_model_file_keeps_the_kernel(tmp_path, paper_data):
    X, _ = paper_data
    net = gn.Network([3, 2, 1], seed=[0, 1], kernel="broadcast")
    net.save(tmp_path / "m.npz")
    back = gn.load(tmp_path / "m.npz")
    assert back.kernel == "broadcast" and back.config() == net.config()
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
