"""The surviving mutants of glassnet/trace.py (``tools/mutate.py trace``), each killed against
an independent reference.

The reference network is a 2-2-1 net (tanh hidden layer, identity output, one bias per unit,
mse) with weights chosen here, its pass written out with NumPy from the formulas of
:mod:`glassnet.network`: ``z = a W + b``, ``a = f(z)``, ``delta^(L) = dC/da f'(z)``,
``delta^(l) = (delta^(l+1) W^(l+1)^T) f'(z^(l))``, ``dC/dW = a^T delta``, ``dC/db = sum_n delta``;
the steps are heavy-ball momentum (``v <- beta v - eta g``, ``step = v``) and Adam's first step
(``m_hat = g``, ``v_hat = g^2``: ``-eta g / (|g| + eps)``), from their formulas. The notation
of :func:`glassnet.trace.formula` and the words of the refusals and notes are the documented
ones, written out.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet._validation import NonFiniteWarning
from glassnet.trace import chain, formula, json_safe, noted_json, trace

X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]])
Y = np.array([[1.0], [0.0], [-0.5]])
START = [
    {"W": np.array([[0.5, -0.3], [0.2, 0.8]]), "b": np.array([[0.1, -0.2]])},
    {"W": np.array([[0.7], [-0.4]]), "b": np.array([[0.05]])},
]
OTHER = [  # a second member's weights
    {"W": np.array([[-0.6, 0.4], [0.9, 0.1]]), "b": np.array([[0.0, 0.3]])},
    {"W": np.array([[-0.2], [0.5]]), "b": np.array([[-0.1]])},
]


def copy(params):
    return [{k: np.array(v, dtype=float) for k, v in layer.items()} for layer in params]


def net221(params=START):
    net = gn.Network([2, 2, 1], activation="tanh", output="identity", bias="neuron", seed=0)
    for layer, p in zip(net.params, params, strict=True):
        for k in layer:
            layer[k][...] = p[k]
    return net


def by_hand(P, X, Y):
    """The 2-2-1 pass and its gradients, from the formulas (mse: C = mean (a - y)^2)."""
    W1, b1, W2, b2 = P[0]["W"], P[0]["b"], P[1]["W"], P[1]["b"]
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2 + b2
    a2 = z2  # identity
    C = np.mean((a2 - Y) ** 2)
    dC_da2 = 2 * (a2 - Y) / Y.size
    delta2 = dC_da2 * 1.0  # identity' = 1
    dC_da1 = delta2 @ W2.T
    delta1 = dC_da1 * (1 - a1**2)  # tanh' = 1 - tanh^2
    return dict(
        z1=z1, a1=a1, z2=z2, a2=a2, C=C, dC_da2=dC_da2, delta2=delta2, dC_da1=dC_da1,
        delta1=delta1, fp1=1 - a1**2,
        grads=[{"W": X.T @ delta1, "b": delta1.sum(axis=0, keepdims=True)},
               {"W": a1.T @ delta2, "b": delta2.sum(axis=0, keepdims=True)}],
    )  # fmt: skip


def momentum_by_hand(P, X, Y, epochs, lr=0.1, beta=0.9):
    """``epochs`` full-batch heavy-ball steps, then the next step: (params, next step)."""
    P = copy(P)
    v = [{k: np.zeros_like(a) for k, a in layer.items()} for layer in P]
    for _ in range(epochs + 1):
        g = by_hand(P, X, Y)["grads"]
        v = [{k: beta * vl[k] - lr * gl[k] for k in vl} for vl, gl in zip(v, g, strict=True)]
        if _ == epochs:
            return P, v
        P = [{k: pl[k] + vl[k] for k in pl} for pl, vl in zip(P, v, strict=True)]
    raise AssertionError


def assert_steps(t, want):
    for layer, w in zip(t.layers, want, strict=True):
        np.testing.assert_allclose(layer.step_W, w["W"], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(layer.step_b, w["b"], rtol=1e-10, atol=1e-15)


# --- which step: the run's (x_trace 3-9, 19, 27, 28, 145, 334, 350, 371) -----------------------


def test_a_trace_continues_the_networks_own_run_and_only_its_optimizer():
    net = net221()
    net.fit(X, Y, loss="mse", optimizer="momentum", lr=0.1, epochs=2, stats_every=0)
    P, v3 = momentum_by_hand(START, X, Y, epochs=2)
    for layer, p in zip(net.params, P, strict=True):  # the fit is the hand's two steps
        np.testing.assert_allclose(layer["W"], p["W"], rtol=1e-12)
    t = net.trace(X, Y)
    assert (t.optimizer, t.lr, t.run_epoch) == ("momentum", 0.1, 2)
    assert_steps(t, v3)  # beta v_2 - eta g_3, not the fresh -eta g_3
    g3 = by_hand(P, X, Y)["grads"]
    # the same run given as a state to a network that has none of its own
    fresh = net221(P)
    assert fresh.train_state is None
    given = trace(fresh, X, Y, state=net.train_state)
    assert given.run_epoch == 2 and given.optimizer == "momentum"
    assert_steps(given, v3)
    # without it: the defaults, gradient descent at 0.5, no run
    alone = trace(fresh, X, Y)
    assert (alone.optimizer, alone.lr, alone.run_epoch) == ("gd", 0.5, None)
    assert_steps(alone, [{k: -0.5 * g[k] for k in g} for g in g3])
    # another optimizer starts from its own fresh state: Adam's first step
    adam = net.trace(X, Y, optimizer="adam", lr=0.01)
    assert adam.optimizer == "adam" and adam.run_epoch is None
    assert_steps(adam, [{k: -0.01 * g[k] / (np.abs(g[k]) + 1e-8) for k in g} for g in g3])


def test_a_members_trace_continues_that_members_run_on_the_chosen_rows():
    pop = gn.Network([2, 2, 1], activation="tanh", output="identity", seed=[0, 1])
    for layer, a, b in zip(pop.params, START, OTHER, strict=True):
        for k in layer:
            layer[k][...] = np.stack([a[k], b[k]])
    pop.fit(X, Y, loss="mse", optimizer="momentum", lr=0.1, epochs=2, stats_every=0)
    for k, start in ((1, OTHER), (-2, START)):
        t = pop.trace(X, Y, member=k)
        assert t.member == k % 2 and t.run_epoch == 2
        assert_steps(t, momentum_by_hand(start, X, Y, epochs=2)[1])
    # one row of member 1: beta v_2 - eta g(row 2)
    P, _ = momentum_by_hand(OTHER, X, Y, epochs=1)
    v2 = momentum_by_hand(OTHER, X, Y, epochs=1)[1]
    P2 = [{k: p[k] + v[k] for k in p} for p, v in zip(P, v2, strict=True)]
    g = by_hand(P2, X[[2]], Y[[2]])["grads"]
    t = pop.trace(X, Y, member=1, samples=[2])
    np.testing.assert_array_equal(t.X, X[[2]])
    assert_steps(t, [{k: 0.9 * v[k] - 0.1 * gl[k] for k in v} for v, gl in zip(v2, g, strict=True)])
    # the run given as a state to a population that has none: its member's part of it
    fresh = gn.Network([2, 2, 1], activation="tanh", output="identity", seed=[0, 1])
    for layer, trained in zip(fresh.params, pop.params, strict=True):
        for k in layer:
            layer[k][...] = trained[k]
    t = fresh.trace(X, Y, member=1, state=pop.train_state)
    assert t.run_epoch == 2 and t.optimizer == "momentum"
    assert_steps(t, momentum_by_hand(OTHER, X, Y, epochs=2)[1])


def test_the_refusals_of_trace_say_what_was_given():
    pop = gn.Network([2, 2, 1], seed=[0, 1])
    with pytest.raises(ValueError) as err:
        pop.trace(X, Y, member=2)
    assert str(err.value) == "member: expected a member index from 0 to 1 (or -2 to -1), got 2"
    with pytest.raises(TypeError) as err:
        pop.trace(X, Y, member=True)
    assert str(err.value) == "member: expected a member index, got True (bool)"
    net = net221()
    with pytest.raises(TypeError) as err:
        trace(net, X, Y, "adam")
    assert str(err.value) == "config: expected a TrainConfig, got 'adam' (str)"
    with pytest.raises(TypeError) as err:
        trace(net, X, Y, state="run")
    assert str(err.value) == "state: expected a TrainState (net.train_state), got 'run' (str)"
    # samples: rows -3..2 of 3 rows, at least one, integers
    np.testing.assert_array_equal(trace(net, X, Y, samples=[-3]).X, X[[0]])
    cases = [
        (3, ValueError, "samples: expected row indices from -3 to 2, got 3"),
        ([], ValueError, "samples: expected at least one row index, got none"),
        (1.5, TypeError, "samples: expected a row index or a list of them, got 1.5 (float)"),
        ([0, 1.0], TypeError, "samples: expected integer row indices, got 1.0 (float)"),
        ([True], TypeError, "samples: expected integer row indices, got True (bool)"),
    ]
    for samples, kind, words in cases:
        with pytest.raises(kind) as err:
            trace(net, X, Y, samples=samples)
        assert str(err.value) == words
    t = trace(net, X, Y)
    assert t.layer(1) is t.layers[0] and t.layer(2) is t.layers[1]
    for l in (0, 3):
        with pytest.raises(ValueError) as err:
            t.layer(l)
        assert str(err.value) == f"l: expected a layer between 1 and 2, got {l}"


# --- what overflowed, in words (x__overflow_notes, x_trace 107, 111, 307-323) ------------------


def _traced(*args, **kwargs):
    """The trace and every warning it gave."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        t = trace(*args, **kwargs)
    return t, [(w.category, str(w.message)) for w in record]


def _linear(W, sizes=(1, 1), bias="none", **kw):
    net = gn.Network(list(sizes), activation="identity", output="identity", bias=bias, **kw)
    for layer, w in zip(net.params, W, strict=True):
        layer["W"][...] = w
    return net


def test_a_traces_note_names_what_overflowed_and_is_its_one_warning():
    # the cost: (1 - (-1e200))^2 overflows; the targets are the larger
    t, said = _traced(_linear([[[1.0]]]), [[1.0]], [[-1e200]], loss="sse")
    note = (
        "y: from a finite output and finite targets, the sse cost overflowed to inf (largest "
        "magnitudes: 1e+200 in y, 1 in a^(1)); scale y"
    )
    assert t.notes == [note] and said == [(NonFiniteWarning, note)]
    # a gradient: z = 1e308 * 1e-300 = 1e8 (finite), delta = 2e8, dC/dW = 1e308 * 2e8
    t, said = _traced(_linear([[[1e-300]]]), [[1e308]], [[0.0]], loss="mse")
    note = (
        "X: from a finite cost, dC/dW^(1) = X^T delta^(1) overflowed to inf at index (0, 0) "
        "(largest magnitudes: 1e+308 in X, 1e-300 in W^(1)); scale X or the weights"
    )
    assert t.notes == [note] and said == [(NonFiniteWarning, note)]
    # a delta: z^(1) = 0, a^(2) = sigmoid(0) = 1/2, dC/da = 2 (1/2 + 1e10), and
    # delta^(1) = delta^(2) W^(2)^T tanh'(0) = 5e9 * 1e300 (the cost, 1e20, is finite)
    net = gn.Network([1, 2, 1], activation="tanh", output="sigmoid", bias="none", seed=0)
    net.params[1]["W"][...] = 1e300
    t, said = _traced(net, [[0.0]], [[-1e10]], loss="sse")
    assert np.isfinite(t.cost) and np.isinf(t.layers[0].delta).all()
    assert len(said) == 1 and said[0][0] is NonFiniteWarning
    assert t.notes == [said[0][1]]
    assert t.notes[0].startswith(
        "X: from a finite cost, delta^(1) = dC/dz^(1) overflowed to inf at index (0, 0)"
    )
    # z^(1) = [inf, inf], z^(2) = inf - inf: NaN from an overflow, said once, no NumPy warning
    t, said = _traced(_linear([np.ones((2, 2)), [[1.0], [-1.0]]], (2, 2, 1)), [[1e308, 1e308]],
                      [[0.0]])  # fmt: skip
    note = (
        "X: from finite inputs and weights, z^(1) = X W^(1) + b^(1) overflowed to inf at row 0, "
        "unit 1 (largest magnitudes: 1e+308 in X, 1 in W^(1)); scale X (e.g. with "
        "glassnet.datasets.Standardizer) or the weights"
    )
    assert np.isnan(t.output).all() and t.notes == [note] and said == [(NonFiniteWarning, note)]


def test_a_step_that_overflows_from_finite_gradients_names_the_learning_rate():
    # z = 10, C = 100, dC/dW = 10 * 2 * 10 = 200, dC/db = 20: finite; -1e308 * 200 is not
    net = _linear([[[1.0]]], bias="neuron")
    net.params[0]["b"][...] = 0.0
    t, said = _traced(net, [[10.0]], [[0.0]], loss="mse", lr=1e308)
    assert t.layers[0].dW[0, 0] == 200.0 and t.layers[0].step_W[0, 0] == -np.inf
    note = (
        "lr: from finite gradients, the optimizer's step W^(1) overflowed to infinity or NaN "
        "(learning rate 1e+308); use a smaller lr"
    )
    assert t.notes == [note] and said == [(NonFiniteWarning, note)]
    # a two-layer net whose first layer's step is finite: the note is the second layer's
    # (x = 1e-300, W^(1) = 1e300: a^(1) = 1, dC/dW^(2) = 1 * 2 (1 + 100), dC/dW^(1) = 2e-298)
    net = _linear([[[1e300]], [[1.0]]], (1, 1, 1))
    t, said = _traced(net, [[1e-300]], [[-100.0]], loss="mse", lr=1e308)
    assert np.isfinite(t.layers[0].step_W).all() and np.isinf(t.layers[1].step_W).all()
    assert t.notes == [note.replace("W^(1)", "W^(2)")]


# --- the chain rule of one sample (x_chain) ----------------------------------------------------


def _nodes_221(bias_ids):
    """(id, label, kind, op, layer) of the 2-2-1 net's chain, in the documented order."""
    out = [("a0_1", "x_1", "input", None, 0), ("a0_2", "x_2", "input", None, 0)]
    for l, (n_in, n_out, act) in enumerate([(2, 2, "tanh"), (2, 1, "identity")], start=1):
        for j in range(1, n_out + 1):
            for k in range(1, n_in + 1):
                out.append((f"W{l}_{k}{j}", f"W^({l})_{k}{j}", "weight", None, l))
                out.append((f"m{l}_{k}{j}", f"m^({l})_{k}{j}", "product", "*", l))
        out += bias_ids(l, n_out)
        out += [(f"z{l}_{j}", f"z^({l})_{j}", "sum", "+", l) for j in range(1, n_out + 1)]
        out += [(f"a{l}_{j}", f"a^({l})_{j}", "activation", act, l) for j in range(1, n_out + 1)]
    return [*out, ("y_1", "y_1", "target", None, 3), ("C", "C", "loss", "mse", 3)]


def test_the_chain_of_a_221_net_is_the_hand_computation_node_by_node():
    c = chain(net221(), X, Y)  # default: mse, row 0
    assert c.loss == "mse" and c.sample == 0 and c.sizes == [2, 2, 1] and not c.fused
    per_unit = _nodes_221(
        lambda l, n: [(f"b{l}_{j}", f"b^({l})_{j}", "bias", None, l) for j in range(1, n + 1)]
    )
    assert [(n.id, n.label, n.kind, n.op, n.layer) for n in c.nodes] == per_unit
    h = by_hand(START, X[:1], Y[:1])
    x, W1, b1, W2, b2 = X[0], START[0]["W"], START[0]["b"][0], START[1]["W"], START[1]["b"][0]
    d1, d2 = h["delta1"][0], h["delta2"][0]
    want = {"C": (h["C"], 1.0), "y_1": (Y[0, 0], None), "z2_1": (h["z2"][0, 0], d2[0]),
            "a2_1": (h["a2"][0, 0], h["dC_da2"][0, 0]), "b2_1": (b2[0], d2[0])}  # fmt: skip
    for k in range(2):
        want[f"a0_{k + 1}"] = (x[k], d1 @ W1[k])  # dC/dx = delta^(1) W^(1)^T
        want[f"W2_{k + 1}1"] = (W2[k, 0], h["a1"][0, k] * d2[0])
        want[f"m2_{k + 1}1"] = (h["a1"][0, k] * W2[k, 0], d2[0])
    for j in range(2):
        want[f"b1_{j + 1}"] = (b1[j], d1[j])
        want[f"z1_{j + 1}"] = (h["z1"][0, j], d1[j])
        want[f"a1_{j + 1}"] = (h["a1"][0, j], h["dC_da1"][0, j])
        for k in range(2):
            want[f"W1_{k + 1}{j + 1}"] = (W1[k, j], x[k] * d1[j])
            want[f"m1_{k + 1}{j + 1}"] = (x[k] * W1[k, j], d1[j])
    assert len(want) == len(c.nodes)
    for n in c.nodes:
        value, grad = want[n.id]
        assert n.value == pytest.approx(value, rel=1e-12, abs=1e-15), n.id
        assert n.grad is None if grad is None else n.grad == pytest.approx(grad, rel=1e-10), n.id
    # one bias per layer: b^(l), a bias of layer l
    layer_bias = gn.Network([2, 2, 1], activation="tanh", output="identity", bias="layer")
    c = chain(layer_bias, X, Y)
    assert [(n.id, n.label, n.kind, n.op, n.layer) for n in c.nodes] == _nodes_221(
        lambda l, n: [(f"b{l}", f"b^({l})", "bias", None, l)]
    )


def test_a_chain_takes_one_row_as_1d_arrays_and_any_row_index():
    net = net221()
    ref = chain(net, X, Y, sample=2)
    for args in ((X[2], Y[2]), (X[2:], Y[2:])):
        c = chain(net, *args)
        assert [(n.id, n.value, n.grad) for n in c.nodes] == [
            (n.id, n.value, n.grad) for n in ref.nodes
        ]
    assert [n.value for n in chain(net, X, Y, sample=-1).nodes] == [n.value for n in ref.nodes]
    first = chain(net, X, Y, sample=-3)
    assert first.sample == 0 and first.node("a0_1").value == X[0, 0]
    with pytest.raises(ValueError) as err:  # a 1-D target of three rows is not one row
        chain(net, X, Y[:, 0])
    assert str(err.value).startswith(
        "y: expected a 2-D array (n_samples, 1) for this network's one output, got shape (3,)"
    )
    with pytest.raises(ValueError) as err:
        chain(net, X, Y, sample=3)
    assert str(err.value) == "sample: expected a row index from -3 to 2, got 3"
    with pytest.raises(TypeError) as err:
        chain(net, X, Y, sample=1.0)
    assert str(err.value) == "sample: expected a row index, got 1.0 (float)"
    c = chain(net, X, Y)
    with pytest.raises(ValueError) as err:
        c.node("q")
    assert str(err.value) == "id: expected a node id such as 'z1_1' or 'C', got 'q'"
    # at most 200 weights: 10 * 10 + 10 * 10 is drawn
    big = chain(gn.Network([10, 10, 10], seed=0), np.ones((1, 10)), np.zeros((1, 10)))
    assert sum(n.kind == "weight" for n in big.nodes) == 200


def test_a_chain_keeps_the_traces_notes_and_its_json_says_what_its_nulls_are():
    with pytest.warns(NonFiniteWarning) as record:
        c = chain(_linear([[[1e-300]]]), [[1e308]], [[0.0]])
    assert c.notes == [str(record[0].message)] and c.notes[0].startswith(
        "X: from a finite cost, dC/dW^(1) = X^T delta^(1) overflowed to inf"
    )
    c = chain(net221(), X, Y)
    d = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert list(d) == ["sizes", "loss", "cost", "fused", "sample", "nodes", "edges", "notes",
                       "nonfinite"]  # fmt: skip
    assert (d["sizes"], d["loss"], d["fused"], d["sample"]) == ([2, 2, 1], "mse", False, 0)
    assert d["cost"] == pytest.approx(by_hand(START, X[:1], Y[:1])["C"], rel=1e-12)
    assert d["nodes"][0] == {"id": "a0_1", "label": "x_1", "kind": "input", "op": None,
                             "layer": 0, "value": 1.0, "grad": c.nodes[0].grad}  # fmt: skip
    assert d["nodes"][-2]["grad"] is None and d["nodes"][-1]["grad"] == 1.0
    edges = {(e["source"], e["target"]): e["local"] for e in d["edges"]}
    assert set(d["edges"][0]) == {"source", "target", "local"}
    assert edges[("y_1", "C")] is None  # a target's edge: null by design, not a lost number
    assert edges[("a0_2", "m1_21")] == START[0]["W"][1, 0] and edges[("m1_11", "z1_1")] == 1.0
    assert d["nonfinite"] == []
    assert d["notes"] == [
        "null also marks what does not apply: the grad of a target node and the local "
        "derivative of a target's edge (targets are data: nothing is learned through them)"
    ]


# --- the JSON of a trace (LayerTrace.to_dict, Trace.to_dict, json_safe, noted_json) ------------


def test_a_layers_dict_holds_its_numbers_and_what_it_is():
    h = by_hand(START, X, Y)
    layer = trace(net221(), X, Y).layers[0]
    d = layer.to_dict()
    assert {k: d[k] for k in ("layer", "activation", "n_in", "n_out", "coupled")} == {
        "layer": 1, "activation": "tanh", "n_in": 2, "n_out": 2, "coupled": False
    }  # fmt: skip
    assert d["shapes"]["z"] == [3, 2] and d["shapes"]["jacobian"] is None
    np.testing.assert_allclose(d["z"], h["z1"], rtol=1e-12)
    np.testing.assert_allclose(d["delta"], h["delta1"], rtol=1e-10)
    np.testing.assert_allclose(d["dW"], h["grads"][0]["W"], rtol=1e-10)
    assert d["a_prev"] == X.tolist() and d["jacobian"] is None


def test_a_traces_dict_names_every_field_and_each_null_that_does_not_apply():
    t = trace(net221(), X, Y)
    d = t.to_dict()
    assert (d["bias"], d["fused"], d["optimizer"]) == ("neuron", False, "gd")
    h = by_hand(START, X, Y)
    assert d["y"] == Y.tolist()
    np.testing.assert_allclose(d["output"], h["a2"], rtol=1e-12)
    np.testing.assert_allclose(d["dC_da"], h["dC_da2"], rtol=1e-12)
    assert d["notes"] == [
        "null also marks what does not apply: population and member (a single network); "
        "samples (every row was traced); jacobian (elementwise activations have none)"
    ]
    # a whole population, bce fused with sigmoid, no bias, the rows chosen
    pop = gn.Network([2, 2, 1], output="sigmoid", bias="none", seed=[0, 1])
    d = pop.trace(X, (Y > 0).astype(float), loss="bce", samples=[0, 1]).to_dict()
    assert d["dC_da"] is None and d["fused"] is True
    assert d["notes"] == [
        "null also marks what does not apply: member (the whole population was traced); "
        "dC_da (bce is fused with the output: delta^(L) is computed from z^(L)); "
        "b, db and step_b (bias='none'); jacobian (elementwise activations have none)"
    ]
    # one member of it: nothing is absent but the Jacobians
    d = pop.trace(X, (Y > 0).astype(float), loss="mse", member=1, samples=[0]).to_dict()
    assert d["notes"] == [
        "null also marks what does not apply: b, db and step_b (bias='none'); jacobian "
        "(elementwise activations have none)"
    ]


def test_json_safe_paths_and_numpy_scalars():
    nulls = []
    assert json_safe([1.0, float("inf")], nulls=nulls) == [1.0, None]
    assert nulls == [("[1]", "inf")]
    assert json_safe(np.bool_(True)) is True and json_safe(True) is True
    out = json_safe(np.int64(7))
    assert out == 7 and type(out) is int


def test_a_thousand_nulls_are_all_listed_and_more_are_cut_to_a_thousand():
    for n, listed in ((1000, ""), (1001, " (the first 1000)")):
        d = noted_json({"v": np.full(n, np.inf)}, [])
        assert len(d["nonfinite"]) == 1000 and d["nonfinite"][0] == {"path": "v[0]", "value": "inf"}
        assert d["notes"] == [
            f"{n} number(s) are not finite and are written as null, which is all strict JSON "
            f"can hold; 'nonfinite' lists each by path with its value{listed}"
        ]


def test_a_traces_repr_is_its_tables():
    text = repr(trace(net221(), X, Y))
    assert not text.startswith("Trace(")
    assert "z^(1) = a^(0) W^(1) + b^(1)" in text and "a^(1) = tanh(z^(1))" in text


def test_a_populations_softmax_jacobian_is_diag_a_minus_a_a_for_every_member_and_row():
    Xs = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.9], [0.1, 0.2]])  # 4 rows, 3 units
    ys = np.eye(3)[[0, 1, 2, 0]]
    pop = gn.Network([2, 3], output="softmax", seed=[0, 1])
    t = pop.trace(Xs, ys, loss="mse")
    J = t.layers[0].jacobian
    assert J.shape == (2, 4, 3, 3)
    for p in range(2):
        z = Xs @ pop.params[0]["W"][p] + pop.params[0]["b"][p]
        a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        for n in range(4):
            np.testing.assert_allclose(J[p, n], np.diag(a[n]) - np.outer(a[n], a[n]), atol=1e-15)


# --- the formulas, in the notation of formula()'s docstring (x_formula) -----------------------


def test_every_formula_in_plain_text_and_latex():
    plain = {
        "z": "z^(1) = a^(0) W^(1) + b^(1)",
        "a": "a^(1) = leaky_relu(z^(1))",
        "fprime": "leaky_relu'(z^(1))",
        "delta": "delta^(1) = (delta^(2) W^(2)^T) * leaky_relu'(z^(1))",
        "dW": "dC/dW^(1) = a^(0)^T delta^(1)",
        "db": "dC/db^(1) = sum_n delta^(1)",
        "db_layer": "dC/db^(1) = sum_n sum_j delta^(1)",
        "step_W": "step W^(1) = -eta dC/dW^(1)",
        "step_b": "step b^(1) = -eta dC/db^(1)",
        "jacobian": "J^(1) = da^(1)/dz^(1)",
    }
    f = r"\operatorname{leaky\_relu}"
    latex = {
        "z": r"z^{(1)} = a^{(0)} W^{(1)} + b^{(1)}",
        "a": rf"a^{{(1)}} = {f}(z^{{(1)}})",
        "fprime": rf"{f}'(z^{{(1)}})",
        "delta": rf"\delta^{{(1)}} = (\delta^{{(2)}} {{W^{{(2)}}}}^{{\top}}) \odot {f}'(z^{{(1)}})",
        "dW": r"\frac{\partial C}{\partial W^{(1)}} = {a^{(0)}}^{\top} \delta^{(1)}",
        "db": r"\frac{\partial C}{\partial b^{(1)}} = \sum_n \delta^{(1)}",
        "db_layer": r"\frac{\partial C}{\partial b^{(1)}} = \sum_n \sum_j \delta^{(1)}",
        "step_W": r"\Delta W^{(1)} = -\eta \frac{\partial C}{\partial W^{(1)}}",
        "step_b": r"\Delta b^{(1)} = -\eta \frac{\partial C}{\partial b^{(1)}}",
        "jacobian": r"J^{(1)} = \partial a^{(1)} / \partial z^{(1)}",
    }
    for name in plain:
        assert formula(name, 1, 2, activation="leaky_relu") == plain[name], name
        assert formula(name, 1, 2, latex=True, activation="leaky_relu") == latex[name], name
    assert formula("jacobian", 2, 2, latex=True, activation="softmax") == (
        r"J^{(2)} = \operatorname{diag}(a^{(2)}) - {a^{(2)}}^{\top} a^{(2)}"
    )
    with pytest.raises(ValueError) as err:
        formula("w", 1, 2)
    assert str(err.value) == (
        "name: expected one of a, dW, db, db_layer, delta, fprime, jacobian, step_W, step_b, z, "
        "got 'w'"
    )
