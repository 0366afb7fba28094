"""Messages of the last hostile inputs (issue 26), each class tested where it can happen."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet._validation import NonFiniteWarning
from glassnet.evolution import fit_evolution
from glassnet.trace import trace

X, Y = gn.datasets.load("xor")


def _net(n_out=1, seed=0):
    out = "softmax" if n_out > 1 else "sigmoid"
    return gn.Network([2, 3, n_out], activation="tanh", output=out, seed=seed)


# every entry point that takes targets, with a 1-D y where a column is expected
ONE_D = {
    "Network.loss": lambda y: _net().loss(X, y),
    "Network.gradients": lambda y: _net().gradients(X, y),
    "Network.loss_and_gradients": lambda y: _net().loss_and_gradients(X, y),
    "Network.backward": lambda y: (lambda n: n.backward(n.forward(X), y))(_net()),
    "fit": lambda y: _net().fit(X, y, epochs=2),
    "trace": lambda y: trace(_net(), X, y),
    "gradient_check": lambda y: gn.gradient_check(_net(), X, y),
    "fit_evolution": lambda y: fit_evolution(_net(seed=[0, 1]), X, y, generations=2),
}


@pytest.mark.parametrize("entry", sorted(ONE_D))
def test_a_1d_target_is_refused_with_the_reshape_that_fixes_it(entry):
    with pytest.raises(ValueError) as err:
        ONE_D[entry](Y.ravel())
    assert str(err.value) == (
        "y: expected a 2-D array (n_samples, 1) for this network's one output, got shape "
        "(4,); pass y.reshape(-1, 1)"
    )


def test_validation_targets_get_the_same_hint():
    with pytest.raises(ValueError, match=r"^validation y: .* got shape \(4,\); pass y\.reshape"):
        _net().fit(X, Y, epochs=2, validation=(X, Y.ravel()))


def test_1d_float_targets_for_several_outputs_say_what_would_do():
    with pytest.raises(ValueError) as err:
        _net(2).loss(X, np.array([0.0, 1, 1, 0]), loss="cross_entropy")
    assert str(err.value) == (
        "y: expected a 2-D array (n_samples, 2) for this network's 2 outputs, or integer "
        "class labels 0..1, got shape (4,) of dtype float64"
    )
    # the integer labels it names are accepted, as one-hot rows
    one_hot = _net(2).loss(X, np.eye(2)[[0, 1, 1, 0]], loss="cross_entropy")
    assert _net(2).loss(X, np.array([0, 1, 1, 0]), loss="cross_entropy") == one_hot


# --- an overflow from finite inputs is reported where it happens -----------------------------

BIG = 1.5e308  # finite; twice it is not


def _identity(sizes=(3, 1), W=None, seed=0, bias="none"):
    net = gn.Network(list(sizes), activation="identity", output="identity", bias=bias, seed=seed)
    if W is not None:
        for layer, w in zip(net.layers, W, strict=True):
            layer.W = w
    return net


def _one_warning(call):
    with pytest.warns(NonFiniteWarning) as record:
        out = call()
    assert len(record) == 1, [str(r.message) for r in record]
    # attributed to the caller's line (under mutation testing, the first frame outside
    # glassnet is mutmut's trampoline, which calls the mutated function)
    assert record[0].filename == __file__ or record[0].filename.endswith("trampoline.py")
    return out, str(record[0].message)


def test_a_forward_overflow_names_x_the_quantity_and_where():
    # z^(1) = X W^(1): row 0 gives 2 * 1.5e308 (inf) in unit 1 and 0 in unit 2
    W1 = np.array([[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    net = _identity((3, 2, 1), [W1, np.ones((2, 1))])
    X = np.array([[BIG, 0.0, 0.0], [1.0, 1.0, 1.0]])
    expected = (
        "X: from finite inputs and weights, z^(1) = X W^(1) + b^(1) overflowed to inf at row 0, "
        "unit 1 (largest magnitudes: 1.5e+308 in X, 2 in W^(1)); scale X (e.g. with "
        "glassnet.datasets.Standardizer) or the weights"
    )
    y = np.zeros((2, 1))
    for entry in (net.loss, net.gradients, net.loss_and_gradients):
        _, message = _one_warning(lambda entry=entry: entry(X, y))
        assert message == expected
    value, message = _one_warning(lambda: net.loss(X, y))
    assert value == np.inf  # the result is returned as computed: a warning, not an error
    fwd, message = _one_warning(lambda: net.forward(X))  # its output is inf too
    assert message == expected + " (the output a^(L) is not finite)"
    _, message = _one_warning(lambda: net.backward(fwd, y))
    assert message == expected


def test_a_cost_overflow_names_the_larger_of_output_and_targets():
    net = _identity((1, 1), [np.ones((1, 1))])
    # a^(1) = 1e200 (finite), (1e200 - 0)^2 is not
    _, message = _one_warning(lambda: net.loss([[1e200]], [[0.0]]))
    assert message == (
        "X: from a finite output and finite targets, the mse cost overflowed to inf (largest "
        "magnitudes: 0 in y, 1e+200 in a^(1)); scale X or the weights"
    )
    _, message = _one_warning(lambda: net.loss([[1.0]], [[-1e200]], loss="sse"))
    assert message == (
        "y: from a finite output and finite targets, the sse cost overflowed to inf (largest "
        "magnitudes: 1e+200 in y, 1 in a^(1)); scale y"
    )


def test_a_gradient_overflow_from_a_finite_cost_names_the_gradient():
    # z = 1e308 * 1e-300 = 1e8, C = (1e8)^2 = 1e16 (finite); delta = 2e8,
    # dC/dW = X^T delta = 1e308 * 2e8: not finite
    net = _identity((1, 1), [np.full((1, 1), 1e-300)])
    (cost, grads), message = _one_warning(lambda: net.loss_and_gradients([[1e308]], [[0.0]]))
    assert cost == pytest.approx(1e16) and grads[0]["W"][0, 0] == np.inf
    assert message == (
        "X: from a finite cost, dC/dW^(1) = X^T delta^(1) overflowed to inf at index (0, 0) "
        "(largest magnitudes: 1e+308 in X, 1e-300 in W^(1)); scale X or the weights"
    )


def test_a_population_names_the_first_member_and_counts_the_others():
    pop = _identity((3, 1), seed=[0, 1, 2, 3])
    pop.params[0]["W"][...] = 1e-300  # z = 1.5e8: finite, and so is its square
    pop.params[0]["W"][[1, 3]] = 2.0
    X = np.array([[BIG, 0.0, 0.0]])
    costs, message = _one_warning(lambda: pop.loss(X, [[0.0]]))
    assert np.isinf(costs[[1, 3]]).all() and np.isfinite(costs[[0, 2]]).all()
    assert message.startswith("X: in member 1 (and 1 more of 4), from finite inputs and weights, "
                              "z^(1) = X W^(1) + b^(1) overflowed to inf at row 0, unit 1")  # fmt: skip


def test_finite_results_give_no_warning_even_when_a_hidden_unit_saturates():
    # z^(1) overflows to inf, but sigmoid(inf) = 1: the cost and gradients are finite, and
    # what is returned is exact; pytest's warnings-as-errors would fail on any warning
    net = gn.Network([1, 1, 1], activation="sigmoid", output="sigmoid", seed=0)
    net.layers[0].W = [[2.0]]
    assert np.isfinite(net.loss([[BIG]], [[1.0]]))


def _nulls(data, path=""):
    """Every null of parsed JSON, by path (an independent walk of the document)."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _nulls(v, f"{path}.{k}" if path else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _nulls(v, f"{path}[{i}]")]
    return [path] if data is None else []


def test_every_null_of_a_traces_json_is_explained():
    net = gn.Network([3, 2, 1], init="paper", seed=1, bias="layer")
    with pytest.warns(NonFiniteWarning):
        t = trace(net, [[1e308, 1e308, 1e308], [0.0, 0.0, 1.0]], [[1.0], [0.0]], loss="sse")
    data = json.loads(json.dumps(t.to_dict(), allow_nan=False))
    listed = {d["path"]: d["value"] for d in data["nonfinite"]}
    # the nulls that stand for numbers are exactly the non-finite numbers of the trace
    truth = {f"layers[{i}].{q}[{r}][{c}]": str(float(v))
             for i, layer in enumerate(t.layers) for q in ("z", "a", "delta", "fprime", "dC_da")
             if getattr(layer, q) is not None
             for (r, c), v in np.ndenumerate(getattr(layer, q)) if not np.isfinite(v)}  # fmt: skip
    assert listed == truth and truth == {"layers[0].z[0][0]": "-inf"}
    does_not_apply = data["notes"][1]
    for path in _nulls(data):
        key = path.split(".")[-1].split("[")[0]
        assert path in listed or key in does_not_apply, path
    assert data["notes"][0].startswith("X: from finite inputs and weights, z^(1)")
    assert "1 number(s) are not finite and are written as null" in data["notes"][-1]


def test_inspect_says_what_overflowed_in_every_format(capsys):
    from glassnet.cli import main

    args = ["inspect", "--x", "1e308,1e308,1e308", "--y", "1"]
    main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["nonfinite"] == [{"path": "layers[0].z[0][0]", "value": "-inf"}]
    assert data["notes"][0].startswith("X: from finite inputs and weights, z^(1) = X W^(1)")
    assert err == ""  # the note is in the output: no warning beside it
    for fmt, mark in (("md", "> **note:** X: from finite inputs"), ("table", "note: X: from")):
        main([*args, "--format", fmt])
        out, err = capsys.readouterr()
        assert mark in out and "-inf" in out and err == ""


def _huge_model(path):
    """A 2-1 identity network whose output overflows on part of the input plane: z = 1e308
    (x1 + x2) is infinite where x1 + x2 > 1.79..."""
    net = _identity((2, 1), [np.full((2, 1), 1e308)])
    net.save(path)
    return net


@pytest.mark.filterwarnings("default::glassnet._validation.NonFiniteWarning")
def test_the_command_line_prints_a_warning_as_one_line(capsys, tmp_path):
    from glassnet.cli import main

    _huge_model(tmp_path / "m.npz")
    main(["plot", "boundary", "--model", str(tmp_path / "m.npz"), "--x", "0,0", "--y", "0.5",
          "--x", "1,1", "--y", "1", "--no-units", "-o", str(tmp_path / "b.png")])  # fmt: skip
    out, err = capsys.readouterr()
    assert out.startswith("wrote ")
    [line] = err.splitlines()  # one line, without Python's file name and source line
    assert line.startswith("warning: X: the network's activations overflowed to infinity or NaN")


def _figure_notes(fig):
    return [t.get_text() for t in fig.texts if t.get_text().startswith("note: ")]


def test_a_decision_boundary_counts_the_points_where_the_network_overflowed(tmp_path):
    from glassnet import plots

    net = _huge_model(tmp_path / "m.npz")
    X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[0.5], [1.0]])
    with pytest.warns(NonFiniteWarning) as record:
        fig = plots.decision_boundary(net, X, y, res=40, units=False)
    # the reference: the cell centres of the plane, in Python floats
    x0, x1, y0, y1 = -0.1, 1.1, -0.1, 1.1  # the data's box with a 10% margin
    centres = [(x0 + (i + 0.5) * (x1 - x0) / 40, y0 + (j + 0.5) * (y1 - y0) / 40)
               for i in range(40) for j in range(40)]  # fmt: skip
    overflowed = sum(a * 1e308 + b * 1e308 == math.inf for a, b in centres)
    assert 0 < overflowed < 1600
    expected = (
        f"X: the network's activations overflowed to infinity or NaN at {overflowed} of 1600 "
        "points of the plane (x1 in [-0.1, 1.1], x2 in [-0.1, 1.1]; left blank); scale X or "
        "the weights"
    )
    assert [str(r.message) for r in record] == [expected]
    assert " ".join(_figure_notes(fig)[0].split()) == "note: " + expected


def test_a_loss_landscape_notes_the_points_of_the_slice_that_overflowed():
    from glassnet import plots

    net = _identity((1, 1), [np.full((1, 1), 1e150)])
    with pytest.warns(NonFiniteWarning) as record:
        fig = plots.loss_landscape(net, [[1e5]], [[0.0]], kind="2d", span=1.0, res=5)
    # C = (alpha-scaled 1e150 * 1e5)^2: every point but alpha = 0 of a filter-normalized
    # direction keeps |w| near 1e150, so the whole slice overflows
    [message] = [str(r.message) for r in record]
    assert message.startswith("span: the cost overflowed to infinity or NaN at ")
    assert "of 25 points of the slice (left blank)" in message
    assert _figure_notes(fig)


def test_a_diverged_historys_figures_say_where_the_curve_ends():
    from glassnet import plots

    net = gn.Network([2, 4, 1], activation="tanh", output="identity", seed=0)
    with pytest.warns(gn.DivergenceWarning):
        hist = net.fit(X, Y, lr=50.0, epochs=50, stats_every=1)
    for fig in (plots.loss_curve(hist), plots.history_figure(hist), plots.gradient_flow(hist)):
        [note] = _figure_notes(fig)  # no second warning: fit has given it
        note = " ".join(note.split())
        assert note.startswith(f"note: training diverged at epoch {hist.diverged_epoch}: ")
        assert note.endswith("(the curve ends there)")


def test_the_report_obeys_numpys_error_state_for_overflow():
    net = _identity((1, 1), [np.ones((1, 1))])
    with np.errstate(over="ignore"):
        assert net.loss([[1e200]], [[0.0]]) == math.inf  # silenced, as NumPy's own would be
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match=r"^X: from a finite"):
        net.loss([[1e200]], [[0.0]])
