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


# --- a document of every kind of part, written out as Markdown, HTML and terminal text ------


def small_doc():
    doc = tables._Doc()
    doc.heading("Top & <title>", 1)
    doc.heading("Section")  # level 2 by default
    doc.heading("Sub", 3)
    doc.text("Text with 0.5 and 12 <b>")
    doc.note("z & a overflowed")
    doc.formula('z = "a" W', r"z = a W + b_{<1>}")
    doc.table([("k", "$k$"), ("W_1", "$W_{1}$")], [["1", "0.5"], ["b (shared)", "-0.25"]])
    doc.table([("#", r"$\#$"), ("v", "$v$")], [["0", "<1>"]], "and 1 <more>")
    return doc


def test_a_document_as_markdown():
    assert small_doc().markdown() == (
        "# Top & <title>\n\n## Section\n\n### Sub\n\nText with 0.5 and 12 <b>\n\n"
        "> **note:** z & a overflowed\n\n$$ z = a W + b_{<1>} $$\n\n"
        "| $k$ | $W_{1}$ |\n|---:|---:|\n| 1 | 0.5 |\n| b (shared) | -0.25 |\n\n"
        "| $\\#$ | $v$ |\n|---:|---:|\n| 0 | <1> |\n\n*and 1 <more>*\n"
    )


def test_a_document_as_html_escapes_every_text_and_keeps_the_plain_text_as_tooltips():
    assert small_doc().html() == "\n".join([
        '<div class="glassnet-trace">',
        "<h3>Top &amp; &lt;title&gt;</h3>",
        "<h4>Section</h4>",
        "<h5>Sub</h5>",
        "<p>Text with 0.5 and 12 &lt;b&gt;</p>",
        '<p style="color:#a33"><b>note:</b> z &amp; a overflowed</p>',
        '<div style="margin:.2em 0" title="z = &quot;a&quot; W">$$ z = a W + b_{&lt;1&gt;} $$</div>',
        '<table><tr><th title="k">$k$</th><th title="W_1">$W_{1}$</th></tr>'
        "<tr><td>1</td><td>0.5</td></tr><tr><td>b (shared)</td><td>-0.25</td></tr></table>",
        '<table><tr><th title="#">$\\#$</th><th title="v">$v$</th></tr>'
        "<tr><td>0</td><td>&lt;1&gt;</td></tr></table>",
        "<p><i>and 1 &lt;more&gt;</i></p>",
        "</div>",
    ])  # fmt: skip


def rule_title(line, width):
    """The title of a rich Rule line ``──── title ────`` of ``width`` characters."""
    assert len(line) == width and line[0] == line[-1] == "─", line
    return line.strip("─").strip()


def plain_text(monkeypatch, columns="60"):
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return small_doc().rich(styled=False)


def test_a_document_as_terminal_text(monkeypatch):
    # COLUMNS=60: the console is 100 wide all the same (a narrower one would cut the tables)
    lines = plain_text(monkeypatch).splitlines()
    assert lines[0] == "" and rule_title(lines[1], 100) == "Top & <title>"
    assert lines[2] == "" and rule_title(lines[3], 100) == "Section"
    assert lines[4:8] == ["Sub", "Text with 0.5 and 12 <b>", "note: z & a overflowed",
                          '  z = "a" W']  # fmt: skip
    assert lines[8].strip() == ""  # a table's blank top edge
    assert "\x1b" not in "".join(lines)
    # the tables: plain headers, right-justified cells, then the note under the second
    head = lines[9]
    assert head.split() == ["k", "W_1"] and set(lines[10].strip()) == {"─"}
    one, shared = lines[11], lines[12]
    assert one.split() == ["1", "0.5"] and shared.split() == ["b", "(shared)", "-0.25"]
    assert one.index("1") + 1 == shared.index(")") + 1 == head.index("k") + 1  # right-justified
    assert one.rstrip().endswith("0.5") and len(one.rstrip()) == len(shared.rstrip())
    assert lines[-1] == "and 1 <more>" and lines[-3].split() == ["0", "<1>"]


def test_the_terminal_width_is_the_terminals_at_least_100_else_160(monkeypatch):
    assert rule_title(plain_text(monkeypatch, "130").splitlines()[1], 130) == "Top & <title>"
    assert rule_title(plain_text(monkeypatch, "100").splitlines()[1], 100) == "Top & <title>"
    # no COLUMNS and no terminal: shutil's fallback, 160 columns
    monkeypatch.delenv("COLUMNS")

    def no_terminal(*args):
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    assert shutil.get_terminal_size((160, 40)).columns == 160
    assert rule_title(small_doc().rich(styled=False).splitlines()[1], 160) == "Top & <title>"


def test_a_cell_wider_than_the_terminal_is_cut_not_wrapped(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    doc = tables._Doc()
    doc.table([("k", "$k$"), ("v", "$v$")], [["1", "9" * 150]])
    lines = [line for line in doc.rich(styled=False).splitlines() if line.strip()]
    assert len(lines) == 3  # header, rule, the row on one line: cut, with an ellipsis
    assert lines[2].rstrip().endswith("9…") and len(lines[2]) == 100
    # words too (a chain's rule column: "0.160 x 0.180 + ..."), which rich would wrap
    doc = tables._Doc()
    doc.table([("k", "$k$"), ("v", "$v$")], [["1", "0.160 x 0.180 + " * 10]])
    lines = [line for line in doc.rich(styled=False).splitlines() if line.strip()]
    assert len(lines) == 3 and lines[2].rstrip().endswith("…") and len(lines[2]) == 100


def test_styles_in_a_terminal_and_none_in_text(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich styles its output as in a terminal
    styled = small_doc().rich()  # styled by default
    lines = styled.splitlines()
    bold, bold_underline, bold_yellow, cyan, dim, reset = (
        "\x1b[1m", "\x1b[1;4m", "\x1b[1;33m", "\x1b[36m", "\x1b[2m", "\x1b[0m"
    )  # fmt: skip
    assert bold + " Top & <title> " in lines[1] or bold + "Top & <title>" + reset in lines[1]
    assert lines[4] == bold_underline + "Sub" + reset
    assert lines[5] == "Text with 0.5 and 12 <b>"  # not highlighted: no colour on numbers
    assert lines[6] == bold_yellow + "note: z & a overflowed" + reset
    assert lines[7] == cyan + '  z = "a" W' + reset
    assert lines[-1] == dim + "and 1 <more>" + reset
    assert "\x1b" not in small_doc().rich(styled=False)


def test_a_terminal_repr_in_jupyter_is_text_and_displays_nothing_itself(monkeypatch, capsys):
    import rich.console

    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    for styled in (True, False):
        text = small_doc().rich(styled=styled)
        assert "Sub" in text and capsys.readouterr().out == ""


# --- numbers, digits, column groups ---------------------------------------------------------


@pytest.mark.parametrize(
    "v, digits, want",
    [
        (float("nan"), 6, "nan"),
        (float("inf"), 6, "inf"),
        (-float("inf"), 6, "-inf"),
        (0.0, 6, "0.000000"),
        (60.0, 6, "60.000000"),
        (999999.5, 6, "999999.500000"),
        (1e6, 6, "1.0000e+06"),  # 10^6 and up: exponent, digits - 2 decimals
        (-1.5e6, 6, "-1.5000e+06"),
        (1e-6, 6, "0.000001"),  # 10^-digits still fits the digits
        (7e-7, 6, "7.0000e-07"),  # below it: exponent
        (1e6, 2, "1.0e+06"),  # at least one decimal
        (0.004, 2, "4.0e-03"),
        (0.01, 2, "0.01"),
    ],
)
def test_a_number_is_fixed_point_between_10_to_the_minus_digits_and_a_million(v, digits, want):
    assert tables._fmt(v, digits) == want


@pytest.mark.parametrize("digits", [0, 18, -1])
def test_digits_outside_1_to_17_are_refused_by_name(digits):
    with pytest.raises(ValueError) as err:
        render(t3(), "md", digits=digits)
    assert str(err.value) == f"digits: expected an integer in [1, 17], got {digits} (int)"


def test_digits_must_be_an_integer_and_1_and_17_are_taken():
    with pytest.raises(TypeError) as err:
        render(t3(), "md", digits=2.0)
    assert str(err.value) == "digits: expected an integer in [1, 17], got 2.0 (float)"
    assert "C = 0.2\n" in render(t3(), "md", digits=1)
    assert "C = 0.25000000000000000\n" in render(t3(), "md", digits=17)


@pytest.mark.parametrize(
    "width, groups",
    [
        # need = widest of header and cells + 3: k 4, each W 7 (its 4-character cells)
        (100, [[0, 1, 2, 3, 4]]),
        (32, [[0, 1, 2, 3, 4]]),  # 4 + 4 * 7 = 32 fits exactly
        # 4 + 7 + 7 = 18 fits; the fourth starts a group led by k, 4 + 7 + 7 again
        (18, [[0, 1, 2], [0, 3, 4]]),
        (12, [[0, 1], [0, 2], [0, 3], [0, 4]]),
        (10, [[0, 1], [0, 2], [0, 3], [0, 4]]),  # one column past k even if too wide
    ],
)
def test_wide_tables_split_into_groups_led_by_the_first_column(width, groups):
    columns = [("k", ""), ("W_a", ""), ("W_b", ""), ("W_c", ""), ("W_d", "")]
    rows = [["1", "-1.5", "-2.5", "-3.5", "-4.5"], ["2", "4", "5", "6", "7"]]
    assert tables._column_groups(columns, rows, width) == groups


# --- the chain: one line per scalar ---------------------------------------------------------


def node(id, label, kind, op, layer, value, grad):
    return ChainNode(id=id, label=label, kind=kind, op=op, layer=layer, value=value, grad=grad)


def edge(source, target, local):
    return ChainEdge(source=source, target=target, local=local)


def softmax_chain():
    """A 1-2 softmax layer fused with cross-entropy, sample 2 (values chosen, all distinct)."""
    nodes = [
        node("x_1", "a^(0)_1", "input", None, 0, 0.5, 0.11),
        node("W1_11", "W^(1)_11", "weight", None, 1, 1.5, 0.12),
        node("W1_12", "W^(1)_12", "weight", None, 1, -1.5, 0.13),
        node("b1_1", "b^(1)_1", "bias", None, 1, 0.05, 0.135),
        node("m1_11", "m^(1)_11", "product", "*", 1, 0.75, 0.14),
        node("m1_12", "m^(1)_12", "product", "*", 1, -0.75, 0.15),
        node("z1_1", "z^(1)_1", "sum", "+", 1, 0.8, 0.16),
        node("z1_2", "z^(1)_2", "sum", "+", 1, -0.75, 0.17),
        node("a1_1", "a^(1)_1", "activation", "softmax", 1, 0.82, 0.18),
        node("a1_2", "a^(1)_2", "activation", "softmax", 1, 0.18, 0.19),
        node("y_1", "y_1", "target", None, 2, 1.0, None),
        node("y_2", "y_2", "target", None, 2, 0.0, None),
        node("C", "C", "loss", "cross_entropy", 2, 0.223, 1.0),
    ]
    edges = [
        edge("x_1", "m1_11", 1.5), edge("W1_11", "m1_11", 0.5),
        edge("x_1", "m1_12", -1.5), edge("W1_12", "m1_12", 0.5),
        edge("m1_11", "z1_1", 1.0), edge("b1_1", "z1_1", 1.0), edge("m1_12", "z1_2", 1.0),
        edge("z1_1", "a1_1", 0.16), edge("z1_2", "a1_1", -0.16),
        edge("z1_1", "a1_2", -0.16), edge("z1_2", "a1_2", 0.16),
        edge("a1_1", "C", -1.25), edge("a1_2", "C", 0.0), edge("y_1", "C", 0.0),
        edge("y_2", "C", 0.0),
    ]  # fmt: skip
    return Chain(nodes=nodes, edges=edges, sizes=[1, 2], loss="cross_entropy", cost=0.223,
                 fused=True, sample=2, notes=["C overflowed"])  # fmt: skip


CHAIN_COLUMNS = [
    ("node", "node"), ("computed as", "computed as"), ("value", "value"),
    ("dC/d(node)", r"$\partial C/\partial v$"),
    ("= sum of local x dC/d(use)", r"$= \sum \partial u/\partial v \cdot \partial C/\partial u$"),
]  # fmt: skip
CHAIN_FORMULA = (
    "dC/d(node) = sum over its uses u of  d u/d(node) * dC/du",
    r"\frac{\partial C}{\partial v} = \sum_{u \text{ uses } v} "
    r"\frac{\partial u}{\partial v} \frac{\partial C}{\partial u}",
)
CHAIN_NOTE = "m^(l)_kj = a^(l-1)_k W^(l)_kj (one product per weight)"
CHAIN_TEXT = (
    "every multiply, add, activation and the cost, in the order of the forward pass. Read the "
    "last column upwards: that is backpropagation. "
)


def chain_parts(c, monkeypatch, **kwargs):
    monkeypatch.setattr(tables._Doc, "markdown", lambda self: self.parts)
    return render_chain(c, "md", **kwargs)


def test_a_fused_softmax_chain_is_its_lines_written_out(monkeypatch):
    rows = [
        ["a^(0)_1", "(data)", "0.500", "0.110", "1.500 x 0.140 + -1.500 x 0.150"],
        ["W^(1)_11", "(parameter)", "1.500", "0.120", "0.500 x 0.140"],
        ["W^(1)_12", "(parameter)", "-1.500", "0.130", "0.500 x 0.150"],
        ["b^(1)_1", "(parameter)", "0.050", "0.135", "1.000 x 0.160"],
        ["m^(1)_11", "a^(0)_1 * W^(1)_11", "0.750", "0.140", "1.000 x 0.160"],
        ["m^(1)_12", "a^(0)_1 * W^(1)_12", "-0.750", "0.150", "1.000 x 0.170"],
        ["z^(1)_1", "m^(1)_11 + b^(1)_1", "0.800", "0.160", "0.160 x 0.180 + -0.160 x 0.190"],
        ["z^(1)_2", "m^(1)_12", "-0.750", "0.170", "-0.160 x 0.180 + 0.160 x 0.190"],
        ["a^(1)_1", "softmax(z)_1", "0.820", "0.180", "-1.250 x 1.000"],
        ["a^(1)_2", "softmax(z)_2", "0.180", "0.190", "0.000 x 1.000"],
        ["y_1", "(data)", "1.000", "", "(data)"],
        ["y_2", "(data)", "0.000", "", "(data)"],
        ["C", "cross_entropy(a, y)", "0.223", "1.000", "dC/dC = 1"],
    ]
    assert chain_parts(softmax_chain(), monkeypatch, digits=3) == [
        ("heading", ("glassnet inspect --chain", 1)),
        ("text", "Network 1-2, cost `cross_entropy`, sample 2: " + CHAIN_TEXT
                 + "The cost is fused with the output activation: the engine computes delta = "
                 "dC/dz from z directly; dC/da is shown for the chain rule. "),
        ("note", "C overflowed (inf and nan below are those numbers)"),
        ("formula", CHAIN_FORMULA),
        ("table", (CHAIN_COLUMNS, rows, CHAIN_NOTE)),
    ]  # fmt: skip


def test_a_node_of_more_than_three_uses_shows_three_and_the_count(monkeypatch):
    nodes = [node("x_1", "a^(0)_1", "input", None, 0, 2.0, 0.5)]
    nodes += [node(f"m1_1{j}", f"m^(1)_1{j}", "product", "*", 1, j, 0.2 + j / 100)
              for j in range(1, 5)]  # fmt: skip
    nodes += [
        node("z1_1", "z^(1)_1", "sum", "+", 1, 10.0, 0.3),
        node("a1_1", "a^(1)_1", "activation", "tanh", 1, 0.9, 0.4),
        node("y_1", "y_1", "target", None, 2, 1.0, None),
        node("C", "C", "loss", "sse", 2, 0.01, 1.0),
    ]
    edges = [edge("x_1", f"m1_1{j}", j / 10) for j in range(1, 5)]
    edges += [edge(f"m1_1{j}", "z1_1", 1.0) for j in range(1, 5)]
    edges += [edge("z1_1", "a1_1", 0.19), edge("a1_1", "C", -0.2), edge("y_1", "C", 0.2)]
    c = Chain(nodes=nodes, edges=edges, sizes=[1, 1], loss="sse", cost=0.01, fused=False)
    got = chain_parts(c, monkeypatch, digits=2, title="Four uses")
    rows = [
        ["a^(0)_1", "(data)", "2.00", "0.50",
         "0.10 x 0.21 + 0.20 x 0.22 + 0.30 x 0.23 + ... (4 uses)"],
        ["m^(1)_11", "a^(0)_1", "1.00", "0.21", "1.00 x 0.30"],
        ["m^(1)_12", "a^(0)_1", "2.00", "0.22", "1.00 x 0.30"],
        ["m^(1)_13", "a^(0)_1", "3.00", "0.23", "1.00 x 0.30"],
        ["m^(1)_14", "a^(0)_1", "4.00", "0.24", "1.00 x 0.30"],
        ["z^(1)_1", "m^(1)_11 + m^(1)_12 + m^(1)_13 + m^(1)_14", "10.00", "0.30", "0.19 x 0.40"],
        ["a^(1)_1", "tanh(z^(1)_1)", "0.90", "0.40", "-0.20 x 1.00"],
        ["y_1", "(data)", "1.00", "", "(data)"],
        ["C", "sse(a, y)", "0.01", "1.00", "dC/dC = 1"],
    ]  # fmt: skip
    assert got == [
        ("heading", ("Four uses", 1)),
        ("text", "Network 1-1, cost `sse`, sample None: " + CHAIN_TEXT),
        ("formula", CHAIN_FORMULA),
        ("table", (CHAIN_COLUMNS, rows, CHAIN_NOTE)),
    ]


def test_a_chain_as_markdown_or_styled_terminal_text_and_its_refusals(monkeypatch):
    md = render_chain(softmax_chain(), "md", digits=3)
    assert md.startswith("# glassnet inspect --chain\n\nNetwork 1-2, cost `cross_entropy`")
    assert "| C | cross_entropy(a, y) | 0.223 | 1.000 | dC/dC = 1 |\n" in md
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("FORCE_COLOR", "1")
    table = render_chain(softmax_chain(), "table", digits=3)
    assert "\x1b[1m" in table and "\x1b[36m  dC/d(node) = sum over its uses u" in table
    assert "cross_entropy(a, y)" in table and "| C |" not in table
    with pytest.raises(ValueError) as err:
        render_chain(softmax_chain(), "html")
    assert str(err.value) == "fmt: expected one of table, md, got 'html' (str)"
    with pytest.raises(TypeError) as err:
        render_chain(t3(), "md")
    assert str(err.value).startswith("c: expected a Chain, got ")
    with pytest.raises(ValueError) as err:
        render_chain(softmax_chain(), "md", digits=18)
    assert str(err.value) == "digits: expected an integer in [1, 17], got 18 (int)"


# --- a coupled hidden layer, the defaults, the formats and the refusals of render ---------------


def t4(activation="softmax", rows=1):
    """A 1-2-1 network whose hidden layer couples its units (a Jacobian), identity output."""
    n = rows
    l1 = layer(1, activation, a_prev=np.full((n, 1), 0.11), W=A([[1.25, -1.5]]),
               b=A([[0.5, -0.25]]), z=np.full((n, 2), 0.12), a=np.tile([0.25, 0.75], (n, 1)),
               fprime=np.full((n, 2), 0.14), jacobian=np.tile([[0.14, -0.3], [-0.3, 0.15]], (n, 1, 1)),
               dC_da=np.tile([0.4, -0.8], (n, 1)), delta=np.tile([0.16, 0.17], (n, 1)),
               dW=A([[0.21, 0.22]]), db=A([[0.23, 0.24]]), step_W=A([[-0.031, 0.032]]),
               step_b=A([[-0.033, 0.034]]))  # fmt: skip
    l2 = layer(2, "identity", a_prev=np.tile([0.25, 0.75], (n, 1)), W=A([[0.5], [-0.5]]),
               b=A([[0.1]]), z=np.full((n, 1), 0.31), a=np.full((n, 1), 0.32),
               fprime=np.full((n, 1), 1.0), delta=np.full((n, 1), 0.33), dW=A([[0.34], [0.35]]),
               db=A([[0.36]]), step_W=A([[-0.17], [-0.175]]), step_b=A([[-0.18]]),
               dC_da=np.full((n, 1), 0.33))  # fmt: skip
    return Trace(layers=[l1, l2], X=np.full((n, 1), 0.11), y=np.full((n, 1), 0.5),
                 output=np.full((n, 1), 0.32), loss="mse", cost=0.0324,
                 dC_da=np.full((n, 1), 0.33), fused=False, optimizer="gd", lr=0.5, samples=None,
                 bias="neuron", sizes=[1, 2, 1])  # fmt: skip


def test_a_hidden_softmax_layer_names_its_upstream_gradient_g(monkeypatch):
    got = parts(t4(), monkeypatch, digits=3)
    start = got.index(("heading", ("Layer 1 (hidden): 1 -> 2, softmax", 3)), 10)
    g = ("g^(1)", "g^{(1)}")
    assert got[start + 1 : start + 5] == [
        ("formula", ("delta^(1) = (delta^(2) W^(2)^T) J^(1)",
                     r"\delta^{(1)} = (\delta^{(2)} {W^{(2)}}^{\top}) J^{(1)}")),
        ("formula", ("J^(1) = diag(a^(1)) - a^(1)^T a^(1)",
                     r"J^{(1)} = \operatorname{diag}(a^{(1)}) - {a^{(1)}}^{\top} a^{(1)}")),
        ("formula", ("so delta^(1)_j = a^(1)_j (g^(1)_j - s),  s = sum_i g^(1)_i a^(1)_i",
                     r"\delta^{(1)}_j = a^{(1)}_j \left(g^{(1)}_j - s\right),"
                     r"\quad s = \sum_i g^{(1)}_i\, a^{(1)}_i")),
        ("table", ([("#", NUM), (g[0] + "_1", "$" + g[1] + "_{1}$"),
                    (g[0] + "_2", "$" + g[1] + "_{2}$"), ("a^(1)_1", "$a^{(1)}_{1}$"),
                    ("a^(1)_2", "$a^{(1)}_{2}$"), ("s", "$s$"),
                    ("delta^(1)_1", r"$\delta^{(1)}_{1}$"), ("delta^(1)_2", r"$\delta^{(1)}_{2}$")],
                   [["0", "0.400", "-0.800", "0.250", "0.750", "-0.500", "0.160", "0.170"]], "")),
    ]  # fmt: skip
    assert got[start + 5][0] == "formula" and got[start + 5][1][0].startswith("dC/dW^(1)")


def test_a_coupled_layer_other_than_softmax_shows_no_s_column(monkeypatch):
    # the Jacobian's general formula, and delta = g J without softmax's shortcut through s
    got = parts(t4("mix"), monkeypatch, digits=3)
    start = got.index(("heading", ("Layer 1 (hidden): 1 -> 2, mix", 3)), 10)
    assert got[start + 1 : start + 4] == [
        ("formula", ("delta^(1) = (delta^(2) W^(2)^T) J^(1)",
                     r"\delta^{(1)} = (\delta^{(2)} {W^{(2)}}^{\top}) J^{(1)}")),
        ("formula", ("J^(1) = da^(1)/dz^(1)", r"J^{(1)} = \partial a^{(1)} / \partial z^{(1)}")),
        ("table", ([("#", NUM), ("g^(1)_1", "$g^{(1)}_{1}$"), ("g^(1)_2", "$g^{(1)}_{2}$"),
                    ("a^(1)_1", "$a^{(1)}_{1}$"), ("a^(1)_2", "$a^{(1)}_{2}$"),
                    ("delta^(1)_1", r"$\delta^{(1)}_{1}$"), ("delta^(1)_2", r"$\delta^{(1)}_{2}$")],
                   [["0", "0.400", "-0.800", "0.250", "0.750", "0.160", "0.170"]], "")),
    ]  # fmt: skip
    # the forward table shows the Jacobian's diagonal under the general formula too
    fwd = got.index(("heading", ("Layer 1 (hidden): 1 -> 2, mix", 3)))
    assert got[fwd + 5] == ("formula", ("J^(1) = da^(1)/dz^(1); its diagonal J_jj shown",
                                        r"J^{(1)} = \partial a^{(1)} / \partial z^{(1)}"))  # fmt: skip


def test_ten_rows_by_default_and_six_digits(monkeypatch):
    got = parts(t4(rows=11), monkeypatch)
    forward = got[9]  # layer 1's table of the pass
    assert forward[0] == "table" and [r[0] for r in forward[1][1]] == [str(i) for i in range(10)]
    assert forward[1][1][0][1] == "0.110000"
    assert forward[1][2] == "... and 1 more rows (use --max-rows or --samples)"
    ten = parts(t4(rows=10), monkeypatch)[9]
    assert len(ten[1][1]) == 10 and ten[1][2] == ""
    # the softmax layer's table of the columns of its delta says so too
    coupled = [p for p in got if p[0] == "table" and ("s", "$s$") in p[1][0]]
    assert len(coupled) == 1 and len(coupled[0][1][1]) == 10
    assert coupled[0][1][2] == "... and 1 more rows (use --max-rows or --samples)"


def test_a_chain_has_six_digits_by_default_and_lists_three_uses_whole(monkeypatch):
    nodes = [node("x_1", "a^(0)_1", "input", None, 0, 2.0, 0.5)]
    nodes += [node(f"m1_1{j}", f"m^(1)_1{j}", "product", "*", 1, j, 0.25) for j in range(1, 4)]
    edges = [edge("x_1", f"m1_1{j}", j / 4) for j in range(1, 4)]
    c = Chain(nodes=nodes, edges=edges, sizes=[1, 3], loss="sse", cost=0.0, fused=False)
    rows = chain_parts(c, monkeypatch)[-1][1][1]
    assert rows[0] == ["a^(0)_1", "(data)", "2.000000", "0.500000",
                       "0.250000 x 0.250000 + 0.500000 x 0.250000 + 0.750000 x 0.250000"]  # fmt: skip


def test_every_format_of_render(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("FORCE_COLOR", "1")
    md = render(t3(), "md", digits=3)
    assert md.startswith("# glassnet inspect\n\nNetwork 1-1, activations sigmoid, no bias;")
    html = render(t3(), "html", digits=3)
    assert html.startswith('<div class="glassnet-trace">\n<h3>glassnet inspect</h3>\n<p>Network')
    table, text = render(t3(), "table", digits=3), render(t3(), "text", digits=3)
    assert "\x1b[36m  a^(1) = sigmoid(z^(1))\x1b[0m" in table  # styled
    assert "\x1b" not in text and "\n  a^(1) = sigmoid(z^(1))\n" in text


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"fmt": "json"},
            ValueError,
            "fmt: expected one of table, text, md, html, got 'json' (str)",
        ),
        ({"max_rows": 0}, ValueError, "max_rows: expected an integer >= 1, got 0 (int)"),
        ({"max_rows": 1.0}, TypeError, "max_rows: expected an integer >= 1, got 1.0 (float)"),
    ],
)
def test_the_refusals_of_render_name_the_argument(kwargs, error, message):
    kwargs = dict(kwargs)  # the parameters are shared by every run of the test in a process
    fmt = kwargs.pop("fmt", "md")
    with pytest.raises(error) as err:
        render(t3(), fmt, **kwargs)
    assert str(err.value) == message


def test_render_refuses_what_is_not_a_trace():
    with pytest.raises(TypeError) as err:
        render(softmax_chain(), "md")
    assert str(err.value).startswith("t: expected a Trace, got Chain(")
