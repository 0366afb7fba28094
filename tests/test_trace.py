"""The trace: every number of one pass, checked by hand and against what training uses."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.trace import Trace, formula, json_safe, trace

X_PAPER = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=float)
Y_PAPER = np.array([[0], [1], [1], [0]], dtype=float)


def paper_net() -> gn.Network:
    return gn.Network(
        [3, 2, 1], activation="sigmoid", output="sigmoid", bias="layer", init="paper", seed=1
    )


def by_hand() -> dict[str, np.ndarray]:
    """The first epoch of PAPER.md's experiment, written out from its formulas (exact gradients)."""
    rs = np.random.RandomState(1)
    S0 = 2 * rs.rand(3, 2) - 1  # synapse 0
    S1 = 2 * rs.rand(2, 1) - 1  # synapse 1
    b0 = rs.uniform(-1, 1)
    b1 = rs.uniform(-1, 1)

    def s(x):
        return 1 / (1 + np.exp(-x))

    def s_prime(x):  # the true derivative, at z
        return s(x) * (1 - s(x))

    z1 = X_PAPER @ S0 + b0
    layer1 = s(z1)
    z2 = layer1 @ S1 + b1
    layer2 = s(z2)
    cost = np.sum((layer2 - Y_PAPER) ** 2)  # C = sum over cases of C_0
    delta2 = 2 * (layer2 - Y_PAPER) * s_prime(z2)
    dS1 = layer1.T @ delta2
    db1 = delta2.sum()
    delta1 = (delta2 @ S1.T) * s_prime(z1)
    dS0 = X_PAPER.T @ delta1
    db0 = delta1.sum()
    return dict(
        S0=S0, S1=S1, b0=b0, b1=b1, z1=z1, layer1=layer1, z2=z2, layer2=layer2, cost=cost,
        delta2=delta2, dS1=dS1, db1=db1, delta1=delta1, dS0=dS0, db0=db0,
        fp1=s_prime(z1), fp2=s_prime(z2),
    )  # fmt: skip


def test_paper_network_trace_equals_the_hand_computation():
    h = by_hand()
    t = paper_net().trace(X_PAPER, Y_PAPER, loss="sse", lr=0.5)
    l1, l2 = t.layers
    np.testing.assert_allclose(l1.W, h["S0"], rtol=1e-14)
    np.testing.assert_allclose(l2.W, h["S1"], rtol=1e-14)
    np.testing.assert_allclose(l1.b, [[h["b0"]]], rtol=1e-14)
    np.testing.assert_allclose(l2.b, [[h["b1"]]], rtol=1e-14)
    np.testing.assert_allclose(l1.a_prev, X_PAPER)
    np.testing.assert_allclose(l1.z, h["z1"], rtol=1e-12)
    np.testing.assert_allclose(l1.a, h["layer1"], rtol=1e-12)
    np.testing.assert_allclose(l1.fprime, h["fp1"], rtol=1e-12)
    np.testing.assert_allclose(l2.a_prev, h["layer1"], rtol=1e-12)
    np.testing.assert_allclose(l2.z, h["z2"], rtol=1e-12)
    np.testing.assert_allclose(l2.a, h["layer2"], rtol=1e-12)
    np.testing.assert_allclose(l2.fprime, h["fp2"], rtol=1e-12)
    np.testing.assert_allclose(t.cost, h["cost"], rtol=1e-12)
    np.testing.assert_allclose(t.dC_da, 2 * (h["layer2"] - Y_PAPER), rtol=1e-12)
    np.testing.assert_allclose(l2.delta, h["delta2"], rtol=1e-12)
    np.testing.assert_allclose(l2.dW, h["dS1"], rtol=1e-12)
    np.testing.assert_allclose(l2.db, [[h["db1"]]], rtol=1e-12)
    np.testing.assert_allclose(l1.delta, h["delta1"], rtol=1e-12)
    np.testing.assert_allclose(l1.dW, h["dS0"], rtol=1e-12)
    np.testing.assert_allclose(l1.db, [[h["db0"]]], rtol=1e-12)
    # gradient descent with eta = 0.5: w <- w - eta dC/dw
    np.testing.assert_allclose(l1.step_W, -0.5 * h["dS0"], rtol=1e-12)
    np.testing.assert_allclose(l2.step_W, -0.5 * h["dS1"], rtol=1e-12)
    np.testing.assert_allclose(l1.step_b, [[-0.5 * h["db0"]]], rtol=1e-12)
    np.testing.assert_allclose(l2.step_b, [[-0.5 * h["db1"]]], rtol=1e-12)
    # a few printed digits a student can compare with their own working
    assert round(t.cost, 6) == 1.010441
    assert np.round(t.output[:, 0], 6).tolist() == [0.454172, 0.480849, 0.45206, 0.484162]
    assert t.loss == "sse" and t.optimizer == "gd" and t.lr == 0.5 and not t.fused


CONFIGS = [
    dict(sizes=[3, 2, 1], activation="tanh", output="sigmoid", bias="neuron", loss="mse"),
    dict(sizes=[3, 4, 3, 1], activation=["relu", "tanh"], output="sigmoid", bias="layer",
         loss="bce"),
    dict(sizes=[3, 5, 3], activation="gelu", output="softmax", bias="none",
         loss="cross_entropy"),
    dict(sizes=[3, 3, 2], activation="elu", output="identity", bias="neuron", loss="huber"),
]  # fmt: skip


def _data(sizes, loss, n=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif loss == "bce":
        y = rng.integers(0, 2, (n, sizes[-1])).astype(float)
    else:
        y = rng.normal(size=(n, sizes[-1]))
    return X, y


@pytest.mark.parametrize("cfg", CONFIGS)
def test_trace_equals_engine_gradients_and_the_first_fit_step(cfg):
    cfg = dict(cfg)
    sizes, loss = cfg.pop("sizes"), cfg.pop("loss")
    X, y = _data(sizes, loss)
    net = gn.Network(sizes, seed=3, **cfg)
    t = trace(net, X, y, loss=loss, lr=0.3)
    grads = net.gradients(X, y, loss=loss)
    for tl, g, p in zip(t.layers, grads, net.params, strict=True):
        np.testing.assert_array_equal(tl.dW, g["W"])
        np.testing.assert_array_equal(tl.W, p["W"])
        if "b" in g:
            np.testing.assert_array_equal(tl.db, g["b"])
        else:
            assert tl.db is None and tl.b is None and tl.step_b is None
    fwd = net.forward(X)
    for l, tl in enumerate(t.layers, start=1):
        np.testing.assert_array_equal(tl.z, fwd.z[l])
        np.testing.assert_array_equal(tl.a, fwd.a[l])
    assert t.fused == (loss in ("bce", "cross_entropy") and cfg["output"] in ("sigmoid", "softmax"))

    before = [{k: v.copy() for k, v in p.items()} for p in net.params]
    net.fit(X, y, loss=loss, optimizer="gd", lr=0.3, epochs=1, stats_every=0)
    for tl, b0, p in zip(t.layers, before, net.params, strict=True):
        np.testing.assert_allclose(p["W"] - b0["W"], tl.step_W, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(tl.step_W, -0.3 * tl.dW, rtol=1e-15)
        if "b" in p:
            np.testing.assert_allclose(p["b"] - b0["b"], tl.step_b, rtol=1e-9, atol=1e-15)


def test_step_of_another_optimizer_is_its_first_update():
    X, y = _data([3, 4, 1], "mse")
    net = gn.Network([3, 4, 1], activation="tanh", output="identity", seed=2)
    t = trace(net, X, y, optimizer="adam", lr=0.01)
    before = [p["W"].copy() for p in net.params]
    net.fit(X, y, optimizer="adam", lr=0.01, epochs=1, stats_every=0)
    for tl, w0, p in zip(t.layers, before, net.params, strict=True):
        np.testing.assert_allclose(p["W"] - w0, tl.step_W, rtol=1e-9)
        # Adam's first step is -eta * sign(g) (up to its epsilon)
        np.testing.assert_allclose(tl.step_W, -0.01 * np.sign(tl.dW), rtol=1e-5)
    assert t.optimizer == "adam" and t.lr == 0.01


def test_samples_trace_only_the_chosen_rows():
    net = paper_net()
    t = net.trace(X_PAPER, Y_PAPER, loss="sse", samples=[2, 0])
    ref = net.trace(X_PAPER[[2, 0]], Y_PAPER[[2, 0]], loss="sse")
    assert t.samples == [2, 0]
    np.testing.assert_array_equal(t.X, X_PAPER[[2, 0]])
    for a, b in zip(t.layers, ref.layers, strict=True):
        np.testing.assert_array_equal(a.dW, b.dW)
        np.testing.assert_array_equal(a.delta, b.delta)
    one = net.trace(X_PAPER, Y_PAPER, loss="sse", samples=-1)
    assert one.samples == [3] and one.layers[0].z.shape == (1, 2)


def test_population_trace_and_member():
    pop = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1, 2], bias="layer")
    t = pop.trace(X_PAPER, Y_PAPER, lr=[0.1, 0.2, 0.3])
    assert t.population == 3 and t.layers[0].z.shape == (3, 4, 2)
    assert t.layers[0].dW.shape == (3, 3, 2) and np.shape(t.cost) == (3,)
    one = pop.trace(X_PAPER, Y_PAPER, lr=[0.1, 0.2, 0.3], member=1)
    single = gn.Network([3, 2, 1], activation="tanh", seed=1, bias="layer").trace(
        X_PAPER, Y_PAPER, lr=0.2
    )
    assert one.member == 1 and one.population == 3 and one.lr == 0.2
    assert not one.stacked and t.stacked and one.layers[0].a_prev.shape == (4, 3)
    for a, b, c in zip(one.layers, single.layers, t.layers, strict=True):
        np.testing.assert_allclose(a.dW, b.dW, rtol=1e-12)
        np.testing.assert_allclose(a.step_W, b.step_W, rtol=1e-12)
        np.testing.assert_allclose(c.dW[1], b.dW, rtol=1e-12)
        np.testing.assert_allclose(c.step_W[1], b.step_W, rtol=1e-12)


def test_to_dict_is_json_with_shapes_and_null_for_non_finite():
    t = paper_net().trace(X_PAPER, Y_PAPER, loss="sse")
    d = json.loads(json.dumps(t.to_dict(), allow_nan=False))
    assert d["sizes"] == [3, 2, 1] and d["loss"] == "sse"
    assert d["layers"][0]["shapes"]["W"] == [3, 2]
    assert d["layers"][0]["shapes"]["b"] == [1, 1]
    assert d["layers"][1]["dW"] == t.layers[1].dW.tolist()
    assert json_safe(np.array([1.0, np.nan, np.inf])) == [1.0, None, None]
    assert isinstance(t, Trace) and t.layer(2) is t.layers[1]


def test_formulas_in_the_papers_notation():
    assert formula("z", 1, 2) == "z^(1) = a^(0) W^(1) + b^(1)"
    assert formula("z", 2, 2, latex=True) == "z^{(2)} = a^{(1)} W^{(2)} + b^{(2)}"
    assert formula("delta", 1, 2) == "delta^(1) = (delta^(2) W^(2)^T) * f'(z^(1))"
    assert formula("delta", 2, 2, activation="sigmoid") == (
        "delta^(2) = dC/da^(2) * sigmoid'(z^(2))"
    )
    assert formula("dW", 1, 2, latex=True) == (
        r"\frac{\partial C}{\partial W^{(1)}} = {a^{(0)}}^{\top} \delta^{(1)}"
    )


def test_bad_arguments_name_themselves():
    net = paper_net()
    with pytest.raises(ValueError, match="samples"):
        net.trace(X_PAPER, Y_PAPER, samples=[7])
    with pytest.raises(TypeError, match="samples"):
        net.trace(X_PAPER, Y_PAPER, samples="all")
    with pytest.raises(ValueError, match="lr"):
        net.trace(X_PAPER, Y_PAPER, lr=-1.0)
    with pytest.raises(ValueError, match="member"):
        net.trace(X_PAPER, Y_PAPER, member=0)
    with pytest.raises(ValueError, match="l:"):
        net.trace(X_PAPER, Y_PAPER).layer(3)
    with pytest.raises(ValueError, match="name"):
        formula("w", 1, 2)


# --- the glass-box fixes of issue 15 ---------------------------------------------------------


def _softmax_case():
    X = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.9], [0.1, 0.2]])
    y = np.eye(3)[[0, 1, 2, 0]]
    net = gn.Network([2, 3, 3], activation="tanh", output="softmax", seed=1)
    return net, X, y


def test_softmax_with_a_non_fused_loss_keeps_its_jacobian():
    """delta^(L) = dC/da J with J = diag(a) - a^T a, written out here by hand."""
    net, X, y = _softmax_case()
    t = net.trace(X, y, loss="mse")
    out = t.layers[-1]
    W1, b1 = net.params[0]["W"], net.params[0]["b"]
    W2, b2 = net.params[1]["W"], net.params[1]["b"]
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    g = 2 * (a - y) / y.size  # d/da of mean((a - y)^2) over N n_L entries
    J = np.array([np.diag(r) - np.outer(r, r) for r in a])
    assert out.coupled and not t.layers[0].coupled and t.layers[0].jacobian is None
    np.testing.assert_allclose(out.jacobian, J, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out.dC_da, g, rtol=1e-12)
    delta = np.array([gr @ Jr for gr, Jr in zip(g, J, strict=True)])
    np.testing.assert_allclose(out.delta, delta, rtol=1e-10, atol=1e-16)
    # the old printed shortcut, dC/da * diag(J), is NOT delta: the bug the issue reported
    assert not np.allclose(out.dC_da * out.fprime, out.delta)
    np.testing.assert_allclose(out.fprime, a * (1 - a), rtol=1e-12)
    # the hidden layer: dC/da^(1) = delta^(2) W^(2)^T, and delta = dC/da * f'(z)
    hid = t.layers[0]
    np.testing.assert_allclose(hid.dC_da, delta @ W2.T, rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(hid.delta, hid.dC_da * (1 - h**2), rtol=1e-10, atol=1e-16)
    assert formula("delta", 2, 2, activation="softmax", coupled=True) == (
        "delta^(2) = dC/da^(2) J^(2)"
    )
    assert formula("jacobian", 2, 2, activation="softmax") == "J^(2) = diag(a^(2)) - a^(2)^T a^(2)"


def _md_table_after(text: str, marker: str) -> list[list[str]]:
    """The rows of the first Markdown table after the line containing ``marker``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows:
            break
    return rows


def test_inspect_prints_softmax_columns_that_multiply_to_its_delta():
    from glassnet.tables import render

    net, X, y = _softmax_case()
    t = net.trace(X, y, loss="mse")
    md = render(t, "md", digits=8)
    assert r"\delta^{(2)} = \frac{\partial C}{\partial a^{(2)}} J^{(2)}" in md
    assert "softmax'" not in md  # no elementwise derivative is claimed for softmax
    rows = _md_table_after(md, r"s = \sum_i")
    head, body = rows[0], rows[2:]
    assert head[-4] == "$s$" and len(body) == 4
    for r in body:
        v = [float(c) for c in r[1:]]
        g, a, s, delta = v[0:3], v[3:6], v[6], v[7:10]
        assert s == pytest.approx(sum(gi * ai for gi, ai in zip(g, a, strict=True)), abs=2e-8)
        for j in range(3):
            assert a[j] * (g[j] - s) == pytest.approx(delta[j], abs=2e-8)
    table = render(t, "table", digits=6)
    assert "delta^(2) = dC/da^(2) J^(2)" in table and "J^(2)_11" in table


def test_population_trace_gives_the_input_a_member_axis():
    pop = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1, 2])
    t = pop.trace(X_PAPER, Y_PAPER)
    for tl in t.layers:  # every array of a stacked trace leads with P
        for name in ("a_prev", "z", "a", "delta", "dW", "dC_da"):
            assert getattr(tl, name).shape[0] == 3, name
    for k in range(3):
        np.testing.assert_array_equal(t.layers[0].a_prev[k], X_PAPER)
    d = t.to_dict()
    assert d["layers"][0]["shapes"]["a_prev"] == [3, 4, 3]
    one = json.loads(json.dumps(pop.trace(X_PAPER, Y_PAPER, member=-1).to_dict()))
    assert one["population"] == 3 and one["member"] == 2
    assert one["layers"][0]["shapes"]["a_prev"] == [4, 3]


def test_member_errors_name_the_argument():
    pop = gn.Network([3, 2, 1], seed=[0, 1, 2])
    with pytest.raises(ValueError, match=r"^member: expected a member index from 0 to 2.*got 7"):
        pop.trace(X_PAPER, Y_PAPER, member=7)
    with pytest.raises(ValueError, match=r"^member: this is a single network"):
        paper_net().trace(X_PAPER, Y_PAPER, member=0)
    with pytest.raises(ValueError, match=r"^lr: expected one learning rate per member \(3\)"):
        pop.trace(X_PAPER, Y_PAPER, member=0, lr=[0.1, 0.2])


def test_inspect_member_flag_is_checked_and_never_ignored(tmp_path):
    from click.testing import CliRunner

    from glassnet.cli import cli

    pop_path, one_path = tmp_path / "pop.npz", tmp_path / "one.npz"
    gn.Network([3, 2, 1], seed=[0, 1, 2]).save(pop_path)
    paper_net().save(one_path)
    runner = CliRunner()
    for path, member, want in (
        (pop_path, "7", "expected a member index from 0 to 2, got 7"),
        (one_path, "0", "single network, not a population"),
    ):
        res = runner.invoke(cli, ["inspect", "--model", str(path), "--member", member])
        assert res.exit_code == 2, res.output
        assert "--member" in res.output and want in res.output
    res = runner.invoke(cli, ["inspect", "--model", str(pop_path), "--member", "2"])
    assert res.exit_code == 0 and "member 2 of a population of 3" in res.output


# --- the chain-rule view --------------------------------------------------------------------


def test_chain_of_the_papers_network_equals_the_hand_computation():
    """One sample (row 2 of the paper's data), every scalar written out by hand."""
    from glassnet.trace import chain

    h = by_hand()
    c = chain(paper_net(), X_PAPER, Y_PAPER, loss="sse", sample=2)
    x, yv = X_PAPER[2], Y_PAPER[2, 0]
    S0, S1, b0, b1 = h["S0"], h["S1"], h["b0"], h["b1"]
    z1 = x @ S0 + b0
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ S1[:, 0] + b1
    a2 = 1 / (1 + np.exp(-z2))
    dC_da2 = 2 * (a2 - yv)
    d2 = dC_da2 * a2 * (1 - a2)
    dC_da1 = d2 * S1[:, 0]
    d1 = dC_da1 * a1 * (1 - a1)
    v = {n.id: n for n in c.nodes}
    assert c.cost == pytest.approx((a2 - yv) ** 2, rel=1e-12)
    assert v["C"].grad == 1.0 and v["y_1"].grad is None
    assert v["a2_1"].value == pytest.approx(a2, rel=1e-12)
    assert v["a2_1"].grad == pytest.approx(dC_da2, rel=1e-12)
    assert v["z2_1"].grad == pytest.approx(d2, rel=1e-12)
    assert v["b2"].grad == pytest.approx(d2, rel=1e-12)
    for j in range(2):
        assert v[f"z1_{j + 1}"].value == pytest.approx(z1[j], rel=1e-12)
        assert v[f"a1_{j + 1}"].grad == pytest.approx(dC_da1[j], rel=1e-12)
        assert v[f"z1_{j + 1}"].grad == pytest.approx(d1[j], rel=1e-12)
        assert v[f"W2_{j + 1}1"].grad == pytest.approx(a1[j] * d2, rel=1e-12)
        assert v[f"m2_{j + 1}1"].value == pytest.approx(a1[j] * S1[j, 0], rel=1e-12)
        for k in range(3):
            assert v[f"m1_{k + 1}{j + 1}"].value == pytest.approx(x[k] * S0[k, j], abs=1e-15)
            assert v[f"W1_{k + 1}{j + 1}"].grad == pytest.approx(x[k] * d1[j], abs=1e-15)
    assert v["b1"].grad == pytest.approx(d1.sum(), rel=1e-12)  # one bias shared by the layer
    for k in range(3):
        assert v[f"a0_{k + 1}"].grad == pytest.approx(d1 @ S0[k], rel=1e-12)
    # the graph: every product has two operands, every sum its products and the bias
    assert {e.source for e in c.inputs("m1_32")} == {"a0_3", "W1_32"}
    assert {e.source for e in c.inputs("z1_2")} == {"m1_12", "m1_22", "m1_32", "b1"}
    local = {(e.source, e.target): e.local for e in c.edges}
    assert local[("z1_1", "a1_1")] == pytest.approx(a1[0] * (1 - a1[0]), rel=1e-12)
    assert local[("W1_21", "m1_21")] == x[1] and local[("a0_2", "m1_21")] == S0[1, 0]


CHAIN_CONFIGS = [
    dict(sizes=[2, 3, 3], activation="tanh", output="softmax", bias="neuron", loss="mse"),
    dict(sizes=[2, 3, 3], activation="relu", output="softmax", bias="layer", loss="cross_entropy"),
    dict(sizes=[3, 2, 2, 1], activation="elu", output="sigmoid", bias="none", loss="bce"),
    dict(sizes=[2, 2, 1], activation="gelu", output="identity", bias="neuron", loss="huber"),
]  # fmt: skip


@pytest.mark.parametrize("cfg", CHAIN_CONFIGS)
def test_chain_rule_holds_at_every_node(cfg):
    """grad(node) = sum over its uses of local * grad(use); sums of products rebuild z."""
    from glassnet.trace import chain

    cfg = dict(cfg)
    sizes, loss = cfg.pop("sizes"), cfg.pop("loss")
    X, y = _data(sizes, loss, n=3, seed=4)
    net = gn.Network(sizes, seed=5, **cfg)
    c = chain(net, X, y, loss=loss, sample=1)
    grads = net.gradients(X[[1]], y[[1]], loss=loss)
    for l, g in enumerate(grads, start=1):
        for (k, j), want in np.ndenumerate(g["W"]):
            assert c.node(f"W{l}_{k + 1}{j + 1}").grad == pytest.approx(want, rel=1e-9, abs=1e-15)
    for n in c.nodes:
        if n.kind in ("loss", "target"):
            continue
        total = sum(e.local * c.node(e.target).grad for e in c.uses(n.id))
        assert n.grad == pytest.approx(total, rel=1e-9, abs=1e-15), n.id
        if n.kind == "sum":
            assert n.value == pytest.approx(
                sum(c.node(e.source).value for e in c.inputs(n.id)), rel=1e-12, abs=1e-15
            )
    assert c.fused == (loss in ("cross_entropy", "bce"))
    json.dumps(c.to_dict(), allow_nan=False)


def test_chain_refuses_populations_and_large_networks():
    from glassnet.trace import MAX_CHAIN_WEIGHTS, chain

    with pytest.raises(ValueError, match=r"^net: .*population of 2"):
        chain(gn.Network([3, 2, 1], seed=[0, 1]), X_PAPER, Y_PAPER)
    big = gn.Network([3, 20, 20, 1], seed=0)
    assert 3 * 20 + 20 * 20 + 20 > MAX_CHAIN_WEIGHTS
    with pytest.raises(ValueError, match=r"^net: .*at most 200 weights, got 480"):
        chain(big, X_PAPER, Y_PAPER)
    with pytest.raises(ValueError, match=r"^sample: expected a row index from -4 to 3, got 9"):
        chain(paper_net(), X_PAPER, Y_PAPER, sample=9)
    with pytest.raises(TypeError, match=r"^sample: "):
        chain(paper_net(), X_PAPER, Y_PAPER, sample=1.0)


def test_inspect_chain_prints_every_operation_and_its_gradient():
    from click.testing import CliRunner

    from glassnet.cli import cli
    from glassnet.trace import chain

    runner = CliRunner()
    res = runner.invoke(cli, ["inspect", "--chain", "--samples", "2", "--format", "md"])
    assert res.exit_code == 0, res.output
    c = chain(paper_net(), X_PAPER, Y_PAPER, loss="sse", sample=2)
    rows = _md_table_after(res.output, r"\frac{\partial C}{\partial v}")[2:]
    assert [r[0] for r in rows] == [n.label for n in c.nodes]
    by_label = {r[0]: r for r in rows}
    assert by_label["z^(1)_2"][1] == "m^(1)_12 + m^(1)_22 + m^(1)_32 + b^(1)"
    assert by_label["m^(1)_31"][1] == "x_3 * W^(1)_31"
    assert by_label["a^(1)_1"][1] == "sigmoid(z^(1)_1)"
    assert float(by_label["a^(2)_1"][3]) == pytest.approx(c.node("a2_1").grad, abs=1e-6)
    res = runner.invoke(cli, ["inspect", "--chain", "--samples", "0,1"])
    assert res.exit_code == 2 and "--samples" in res.output and "one sample" in res.output
    res = runner.invoke(cli, ["inspect", "--chain", "--samples", "9"])
    assert res.exit_code == 2 and "--samples" in res.output and "from -4 to 3, got 9" in res.output


def test_chain_graph_draws_a_box_per_node_with_its_value_and_grad():
    from glassnet import plots
    from glassnet.trace import chain

    c = chain(paper_net(), X_PAPER, Y_PAPER, loss="sse", sample=0)
    fig = plots.chain_graph(c)
    ax = fig.axes[0]
    boxes = [t for t in ax.texts if t.get_bbox_patch() is not None and "data" in t.get_text()]
    assert len(boxes) == len(c.nodes)
    text = "\n".join(t.get_text() for t in boxes)
    assert f"grad {c.node('W2_11').grad:.4g}" in text
    assert f"data {c.node('z1_1').value:.4g}" in text
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == len(c.edges)


def test_wide_tables_are_split_instead_of_cut(monkeypatch):
    """`inspect --sizes 2,8,8,1 --max-rows 2` once squeezed every cell to "0..." (issue 15)."""
    from glassnet.tables import render

    monkeypatch.setenv("COLUMNS", "100")
    X, y = gn.datasets.load("moons")
    net = gn.Network([2, 8, 8, 1], activation="sigmoid", bias="layer", init="paper", seed=1)
    t = net.trace(X, y, loss="sse")
    text = render(t, "table", digits=6, max_rows=2)
    assert "…" not in text and "..." not in text.replace("... and 198 more rows", "")
    assert max(len(line) for line in text.splitlines()) <= 100
    for name in ("z", "a", "fprime"):  # every number of the widest table is printed in full
        for v in getattr(t.layers[0], name)[0]:
            assert f"{v:.6f}" in text, (name, v)
    assert text.count("\n #  ") >= 3  # the forward table of layer 1 became several, each keyed by #
