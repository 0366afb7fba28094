"""The surviving mutants of glassnet/tables.py (``tools/mutate.py tables``), each killed against
a reference written out by hand.

The tables only lay out a trace's numbers, so the traces here are made by hand (``LayerTrace``
and ``Trace`` built from arrays chosen here, each number distinct so that a number in the
wrong cell shows), and the documents they must give are written out: every heading, sentence,
formula (plain and LaTeX, in the paper's notation of :func:`glassnet.trace.formula`'s
docstring), column header and cell, in order. The rendering of a document as Markdown, HTML
and terminal text is checked on small documents written out the same way.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from glassnet import tables
from glassnet.tables import render, render_chain
from glassnet.trace import Chain, ChainEdge, ChainNode, LayerTrace, Trace

A = np.array


def layer(index, activation, **arrays):
    full = {"b": None, "db": None, "step_b": None, "jacobian": None, "dC_da": None} | arrays
    return LayerTrace(index=index, activation=activation, **full)


def t1():
    """A 1-1-1 network (relu, identity), one bias per layer, sse, gd at 0.5: rows 3 and 1."""
    l1 = layer(1, "relu", a_prev=A([[0.11], [0.12]]), W=A([[1.5]]), b=A([[0.25]]),
               z=A([[0.13], [0.14]]), a=A([[0.15], [0.16]]), fprime=A([[0.17], [0.18]]),
               delta=A([[0.19], [0.2]]), dW=A([[0.21]]), db=A([[0.22]]),
               step_W=A([[-0.125]]), step_b=A([[-0.375]]), dC_da=A([[0.23], [0.24]]))  # fmt: skip
    l2 = layer(2, "identity", a_prev=A([[0.15], [0.16]]), W=A([[2.5]]), b=A([[0.35]]),
               z=A([[0.31], [0.32]]), a=A([[0.53], [0.54]]), fprime=A([[0.36], [0.37]]),
               delta=A([[0.38], [0.39]]), dW=A([[0.41]]), db=A([[0.42]]),
               step_W=A([[-0.625]]), step_b=A([[-0.875]]), dC_da=A([[0.55], [0.56]]))  # fmt: skip
    return Trace(layers=[l1, l2], X=A([[0.11], [0.12]]), y=A([[0.51], [0.52]]),
                 output=A([[0.53], [0.54]]), loss="sse", cost=0.75, dC_da=A([[0.55], [0.56]]),
                 fused=False, optimizer="gd", lr=0.5, samples=[3, 1], bias="layer",
                 sizes=[1, 1, 1])  # fmt: skip


def parts(t, monkeypatch, **kwargs):
    """The document ``render`` builds: its parts, each (kind, value) with both the plain and
    the LaTeX text, before any rendering."""
    monkeypatch.setattr(tables._Doc, "markdown", lambda self: self.parts)
    return render(t, "md", **kwargs)


MORE = "... and 1 more rows (use --max-rows or --samples)"
NUM = r"$\#$"


def test_a_two_layer_sse_trace_is_its_document_written_out(monkeypatch):
    got = parts(t1(), monkeypatch, digits=3, max_rows=1)
    want = [
        ("heading", ("glassnet inspect", 1)),
        ("text", "Network 1-1-1, activations relu, identity, one bias per layer (a scalar, the "
                 "paper's); cost `sse`; optimizer `gd` with learning rate 0.5; 2 sample(s) (rows "
                 "[3, 1]). Units are numbered from 1 as in w_jk; `#` is the row of the data."),
        ("heading", ("Forward pass", 2)),
        ("heading", ("Layer 1 (hidden): 1 -> 1, relu", 3)),
        ("formula", ("W^(1)[k, j]: weight from unit k of layer 0 to unit j of layer 1",
                     r"W^{(1)}_{kj}:\ \text{from unit } k \text{ of layer 0 to unit } j")),
        ("table", ([("k", "$k$"), ("W^(1)_k1", "$W^{(1)}_{k1}$")],
                   [["1", "1.500"], ["b (shared)", "0.250"]], "")),
        ("formula", ("z^(1) = a^(0) W^(1) + b^(1)", "z^{(1)} = a^{(0)} W^{(1)} + b^{(1)}")),
        ("formula", ("a^(1) = relu(z^(1))", r"a^{(1)} = \operatorname{relu}(z^{(1)})")),
        ("formula", ("f'^(1) = relu'(z^(1))", r"f'^{(1)} = \operatorname{relu}'(z^{(1)})")),
        ("table", ([("#", NUM), ("a^(0)_1", "$a^{(0)}_{1}$"), ("z^(1)_1", "$z^{(1)}_{1}$"),
                    ("a^(1)_1", "$a^{(1)}_{1}$"), ("f'^(1)_1", "$f'^{(1)}_{1}$")],
                   [["3", "0.110", "0.130", "0.150", "0.170"]], MORE)),
        ("heading", ("Layer 2 (output): 1 -> 1, identity", 3)),
        ("formula", ("W^(2)[k, j]: weight from unit k of layer 1 to unit j of layer 2",
                     r"W^{(2)}_{kj}:\ \text{from unit } k \text{ of layer 1 to unit } j")),
        ("table", ([("k", "$k$"), ("W^(2)_k1", "$W^{(2)}_{k1}$")],
                   [["1", "2.500"], ["b (shared)", "0.350"]], "")),
        ("formula", ("z^(2) = a^(1) W^(2) + b^(2)", "z^{(2)} = a^{(1)} W^{(2)} + b^{(2)}")),
        ("formula", ("a^(2) = identity(z^(2))", r"a^{(2)} = \operatorname{identity}(z^{(2)})")),
        ("formula", ("f'^(2) = identity'(z^(2))",
                     r"f'^{(2)} = \operatorname{identity}'(z^{(2)})")),
        ("table", ([("#", NUM), ("a^(1)_1", "$a^{(1)}_{1}$"), ("z^(2)_1", "$z^{(2)}_{1}$"),
                    ("a^(2)_1", "$a^{(2)}_{1}$"), ("f'^(2)_1", "$f'^{(2)}_{1}$")],
                   [["3", "0.150", "0.310", "0.530", "0.360"]], MORE)),
        ("heading", ("Cost", 2)),
        ("formula", ("C = sum_n sum_j (a_j^(2) - y_j)^2", r"C = \sum_n \sum_j (a^{(2)}_j - y_j)^2")),
        ("text", "C = 0.750"),
        ("formula", ("dC/da^(2) = 2 (a^(2) - y)",
                     r"\frac{\partial C}{\partial a^{(2)}} = 2 (a^{(2)} - y)")),
        ("table", ([("#", NUM), ("y_1", "$y_{1}$"), ("a^(2)_1", "$a^{(2)}_{1}$"),
                    ("dC/da^(2)_1", r"$\partial C / \partial a^{(2)}_{1}$")],
                   [["3", "0.510", "0.530", "0.550"]], MORE)),
        ("heading", ("Backward pass", 2)),
        ("heading", ("Layer 2 (output): 1 -> 1, identity", 3)),
        ("formula", ("delta^(2) = dC/da^(2) * identity'(z^(2))",
                     r"\delta^{(2)} = \frac{\partial C}{\partial a^{(2)}} \odot "
                     r"\operatorname{identity}'(z^{(2)})")),
        ("table", ([("#", NUM), ("delta^(2)_1", r"$\delta^{(2)}_{1}$")], [["3", "0.380"]], MORE)),
        ("formula", ("dC/dW^(2) = a^(1)^T delta^(2)",
                     r"\frac{\partial C}{\partial W^{(2)}} = {a^{(1)}}^{\top} \delta^{(2)}")),
        ("formula", ("dC/db^(2) = sum_n sum_j delta^(2)",
                     r"\frac{\partial C}{\partial b^{(2)}} = \sum_n \sum_j \delta^{(2)}")),
        ("formula", ("step W^(2) = -0.5 dC/dW^(2)",
                     r"\Delta W^{(2)} = -0.5 \frac{\partial C}{\partial W^{(2)}}")),
        ("table", ([("k", "$k$"), ("dC/dW^(2)_k1", r"$\partial C/\partial W^{(2)}_{k1}$"),
                    ("step W^(2)_k1", r"$\Delta W^{(2)}_{k1}$")],
                   [["1", "0.410", "-0.625"], ["b (shared)", "0.420", "-0.875"]], "")),
        ("heading", ("Layer 1 (hidden): 1 -> 1, relu", 3)),
        ("formula", ("delta^(1) = (delta^(2) W^(2)^T) * relu'(z^(1))",
                     r"\delta^{(1)} = (\delta^{(2)} {W^{(2)}}^{\top}) \odot "
                     r"\operatorname{relu}'(z^{(1)})")),
        ("table", ([("#", NUM), ("delta^(1)_1", r"$\delta^{(1)}_{1}$")], [["3", "0.190"]], MORE)),
        ("formula", ("dC/dW^(1) = a^(0)^T delta^(1)",
                     r"\frac{\partial C}{\partial W^{(1)}} = {a^{(0)}}^{\top} \delta^{(1)}")),
        ("formula", ("dC/db^(1) = sum_n sum_j delta^(1)",
                     r"\frac{\partial C}{\partial b^{(1)}} = \sum_n \sum_j \delta^{(1)}")),
        ("formula", ("step W^(1) = -0.5 dC/dW^(1)",
                     r"\Delta W^{(1)} = -0.5 \frac{\partial C}{\partial W^{(1)}}")),
        ("table", ([("k", "$k$"), ("dC/dW^(1)_k1", r"$\partial C/\partial W^{(1)}_{k1}$"),
                    ("step W^(1)_k1", r"$\Delta W^{(1)}_{k1}$")],
                   [["1", "0.210", "-0.125"], ["b (shared)", "0.220", "-0.375"]], "")),
    ]  # fmt: skip
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, i


def t2():
    """A 1-2 softmax layer with its Jacobian, mse, one bias per unit, Adam: member 1 of 3."""
    l1 = layer(1, "softmax", a_prev=A([[0.11]]), W=A([[1.25, -1.5]]), b=A([[0.5, -0.25]]),
               z=A([[0.12, 0.13]]), a=A([[0.25, 0.75]]), fprime=A([[0.14, 0.15]]),
               jacobian=A([[[0.14, -0.3], [-0.3, 0.15]]]), dC_da=A([[0.4, -0.8]]),
               delta=A([[0.16, 0.17]]), dW=A([[0.21, 0.22]]), db=A([[0.23, 0.24]]),
               step_W=A([[-0.031, 0.032]]), step_b=A([[-0.033, 0.034]]))  # fmt: skip
    return Trace(layers=[l1], X=A([[0.11]]), y=A([[0.0, 1.0]]), output=A([[0.25, 0.75]]),
                 loss="mse", cost=0.4, dC_da=A([[0.4, -0.8]]), fused=False, optimizer="adam",
                 lr=0.01, samples=None, bias="neuron", sizes=[1, 2], population=3, member=1,
                 notes=["z^(1) overflowed in row 0"])  # fmt: skip


def test_a_softmax_layer_shows_its_jacobian_and_the_columns_of_its_delta(monkeypatch):
    # s = sum_i dC/da_i a_i = 0.4 * 0.25 - 0.8 * 0.75 = -0.5
    got = parts(t2(), monkeypatch, digits=3, title="My trace")
    jac = ("J^(1) = diag(a^(1)) - a^(1)^T a^(1)",
           r"J^{(1)} = \operatorname{diag}(a^{(1)}) - {a^{(1)}}^{\top} a^{(1)}")  # fmt: skip
    want = [
        ("heading", ("My trace", 1)),
        ("text", "Network 1-2, activations softmax, one bias per unit; cost `mse`; optimizer "
                 "`adam` with learning rate 0.01; 1 sample(s); member 1 of a population of 3. "
                 "Units are numbered from 1 as in w_jk; `#` is the row of the data."),
        ("note", "z^(1) overflowed in row 0 (inf and nan in the tables below are those numbers)"),
        ("heading", ("Forward pass", 2)),
        ("heading", ("Layer 1 (output): 1 -> 2, softmax", 3)),
        ("formula", ("W^(1)[k, j]: weight from unit k of layer 0 to unit j of layer 1",
                     r"W^{(1)}_{kj}:\ \text{from unit } k \text{ of layer 0 to unit } j")),
        ("table", ([("k", "$k$"), ("W^(1)_k1", "$W^{(1)}_{k1}$"), ("W^(1)_k2", "$W^{(1)}_{k2}$")],
                   [["1", "1.250", "-1.500"], ["b", "0.500", "-0.250"]], "")),
        ("formula", ("z^(1) = a^(0) W^(1) + b^(1)", "z^{(1)} = a^{(0)} W^{(1)} + b^{(1)}")),
        ("formula", ("a^(1) = softmax(z^(1))", r"a^{(1)} = \operatorname{softmax}(z^{(1)})")),
        ("formula", (jac[0] + "; its diagonal J_jj shown", jac[1])),
        ("table", ([("#", NUM), ("a^(0)_1", "$a^{(0)}_{1}$"), ("z^(1)_1", "$z^{(1)}_{1}$"),
                    ("z^(1)_2", "$z^{(1)}_{2}$"), ("a^(1)_1", "$a^{(1)}_{1}$"),
                    ("a^(1)_2", "$a^{(1)}_{2}$"), ("J^(1)_11", "$J^{(1)}_{11}$"),
                    ("J^(1)_22", "$J^{(1)}_{22}$")],
                   [["0", "0.110", "0.120", "0.130", "0.250", "0.750", "0.140", "0.150"]], "")),
        ("heading", ("Cost", 2)),
        ("formula", ("C = (1/(N n_L)) sum_n sum_j (a_j^(1) - y_j)^2",
                     r"C = \frac{1}{N n_L} \sum_n \sum_j (a^{(1)}_j - y_j)^2")),
        ("text", "C = 0.400"),
        ("formula", ("dC/da^(1)", r"\frac{\partial C}{\partial a^{(1)}}")),
        ("table", ([("#", NUM), ("y_1", "$y_{1}$"), ("y_2", "$y_{2}$"),
                    ("a^(1)_1", "$a^{(1)}_{1}$"), ("a^(1)_2", "$a^{(1)}_{2}$"),
                    ("dC/da^(1)_1", r"$\partial C / \partial a^{(1)}_{1}$"),
                    ("dC/da^(1)_2", r"$\partial C / \partial a^{(1)}_{2}$")],
                   [["0", "0.000", "1.000", "0.250", "0.750", "0.400", "-0.800"]], "")),
        ("heading", ("Backward pass", 2)),
        ("heading", ("Layer 1 (output): 1 -> 2, softmax", 3)),
        ("formula", ("delta^(1) = dC/da^(1) J^(1)",
                     r"\delta^{(1)} = \frac{\partial C}{\partial a^{(1)}} J^{(1)}")),
        ("formula", jac),
        ("formula", ("so delta^(1)_j = a^(1)_j (dC/da^(1)_j - s),  s = sum_i dC/da^(1)_i a^(1)_i",
                     r"\delta^{(1)}_j = a^{(1)}_j \left(\partial C/\partial a^{(1)}_j - s\right),"
                     r"\quad s = \sum_i \partial C/\partial a^{(1)}_i\, a^{(1)}_i")),
        ("table", ([("#", NUM), ("dC/da^(1)_1", r"$\partial C/\partial a^{(1)}_{1}$"),
                    ("dC/da^(1)_2", r"$\partial C/\partial a^{(1)}_{2}$"),
                    ("a^(1)_1", "$a^{(1)}_{1}$"), ("a^(1)_2", "$a^{(1)}_{2}$"), ("s", "$s$"),
                    ("delta^(1)_1", r"$\delta^{(1)}_{1}$"), ("delta^(1)_2", r"$\delta^{(1)}_{2}$")],
                   [["0", "0.400", "-0.800", "0.250", "0.750", "-0.500", "0.160", "0.170"]], "")),
        ("formula", ("dC/dW^(1) = a^(0)^T delta^(1)",
                     r"\frac{\partial C}{\partial W^{(1)}} = {a^{(0)}}^{\top} \delta^{(1)}")),
        ("formula", ("dC/db^(1) = sum_n delta^(1)",
                     r"\frac{\partial C}{\partial b^{(1)}} = \sum_n \delta^{(1)}")),
        ("formula", ("step W^(1) = first adam update (learning rate 0.01)",
                     r"\Delta W^{(1)} = \text{first adam update}")),
        ("table", ([("k", "$k$"), ("dC/dW^(1)_k1", r"$\partial C/\partial W^{(1)}_{k1}$"),
                    ("dC/dW^(1)_k2", r"$\partial C/\partial W^{(1)}_{k2}$"),
                    ("step W^(1)_k1", r"$\Delta W^{(1)}_{k1}$"),
                    ("step W^(1)_k2", r"$\Delta W^{(1)}_{k2}$")],
                   [["1", "0.210", "0.220", "-0.031", "0.032"],
                    ["b", "0.230", "0.240", "-0.033", "0.034"]], "")),
    ]  # fmt: skip
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, i


def t3(loss="bce"):
    """A 1-1 sigmoid output fused with its cost, no bias, momentum at its own rate: row 0."""
    l1 = layer(1, "sigmoid", a_prev=A([[0.11]]), W=A([[0.7]]), z=A([[0.12]]), a=A([[0.13]]),
               fprime=A([[0.14]]), delta=A([[0.15]]), dW=A([[0.16]]), step_W=A([[-0.17]]))  # fmt: skip
    return Trace(layers=[l1], X=A([[0.11]]), y=A([[1.0]]), output=A([[0.13]]), loss=loss,
                 cost=0.25, dC_da=None, fused=True, optimizer="momentum", lr=None, samples=[0],
                 bias="none", sizes=[1, 1])  # fmt: skip


def test_a_fused_output_without_bias_says_how_its_delta_is_computed(monkeypatch):
    got = parts(t3(), monkeypatch, digits=3)
    want = [
        ("heading", ("glassnet inspect", 1)),
        ("text", "Network 1-1, activations sigmoid, no bias; cost `bce`; optimizer `momentum` "
                 "with learning rate (the optimizer's); 1 sample(s) (rows [0]). Units are "
                 "numbered from 1 as in w_jk; `#` is the row of the data."),
        ("heading", ("Forward pass", 2)),
        ("heading", ("Layer 1 (output): 1 -> 1, sigmoid", 3)),
        ("formula", ("W^(1)[k, j]: weight from unit k of layer 0 to unit j of layer 1",
                     r"W^{(1)}_{kj}:\ \text{from unit } k \text{ of layer 0 to unit } j")),
        ("table", ([("k", "$k$"), ("W^(1)_k1", "$W^{(1)}_{k1}$")], [["1", "0.700"]], "")),
        ("formula", ("z^(1) = a^(0) W^(1) + b^(1)", "z^{(1)} = a^{(0)} W^{(1)} + b^{(1)}")),
        ("formula", ("a^(1) = sigmoid(z^(1))", r"a^{(1)} = \operatorname{sigmoid}(z^{(1)})")),
        ("formula", ("f'^(1) = sigmoid'(z^(1))", r"f'^{(1)} = \operatorname{sigmoid}'(z^{(1)})")),
        ("table", ([("#", NUM), ("a^(0)_1", "$a^{(0)}_{1}$"), ("z^(1)_1", "$z^{(1)}_{1}$"),
                    ("a^(1)_1", "$a^{(1)}_{1}$"), ("f'^(1)_1", "$f'^{(1)}_{1}$")],
                   [["0", "0.110", "0.120", "0.130", "0.140"]], "")),
        ("heading", ("Cost", 2)),
        ("formula", ("C = bce(a^(1), y)", r"C = \mathrm{bce}(a^{(1)}, y)")),
        ("text", "C = 0.250"),
        ("text", "The bce cost is fused with the sigmoid output: delta^(1) = dC/dz^(1) is "
                 "computed from z^(1) directly, (a^(1) - y) / (N n_1) for this pair."),
        ("table", ([("#", NUM), ("y_1", "$y_{1}$"), ("a^(1)_1", "$a^{(1)}_{1}$")],
                   [["0", "1.000", "0.130"]], "")),
        ("heading", ("Backward pass", 2)),
        ("heading", ("Layer 1 (output): 1 -> 1, sigmoid", 3)),
        ("formula", ("delta^(1) = dC/dz^(1)  (fused bce + sigmoid)",
                     r"\delta^{(1)} = \frac{\partial C}{\partial z^{(1)}}")),
        ("table", ([("#", NUM), ("delta^(1)_1", r"$\delta^{(1)}_{1}$")], [["0", "0.150"]], "")),
        ("formula", ("dC/dW^(1) = a^(0)^T delta^(1)",
                     r"\frac{\partial C}{\partial W^{(1)}} = {a^{(0)}}^{\top} \delta^{(1)}")),
        ("formula", ("step W^(1) = first momentum update (learning rate (the optimizer's))",
                     r"\Delta W^{(1)} = \text{first momentum update}")),
        ("table", ([("k", "$k$"), ("dC/dW^(1)_k1", r"$\partial C/\partial W^{(1)}_{k1}$"),
                    ("step W^(1)_k1", r"$\Delta W^{(1)}_{k1}$")], [["1", "0.160", "-0.170"]], "")),
    ]  # fmt: skip
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, i


def test_cross_entropy_fused_is_divided_by_n_alone_and_its_name_is_escaped(monkeypatch):
    got = dict(enumerate(parts(t3("cross_entropy"), monkeypatch, digits=3)))
    # the cost's name in LaTeX: "_" escaped (a bare one would subscript the rest of the name)
    assert got[11] == ("formula", ("C = cross_entropy(a^(1), y)",
                                   r"C = \mathrm{cross\_entropy}(a^{(1)}, y)"))  # fmt: skip
    assert got[13] == ("text", "The cross_entropy cost is fused with the sigmoid output: "
                               "delta^(1) = dC/dz^(1) is computed from z^(1) directly, "
                               "(a^(1) - y) / N for this pair.")  # fmt: skip
