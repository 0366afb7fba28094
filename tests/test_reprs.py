"""Objects show themselves in a few readable lines (issue 24): a population's History and its
run summarize their members' final losses, a Chain is one line, and a Trace in Jupyter
shows its formulas in LaTeX, which the notebook typesets."""

from __future__ import annotations

import re
import warnings

import numpy as np

import glassnet as gn
from glassnet.trace import chain, formula, trace

X, Y = gn.datasets.load("xor")


def test_a_populations_history_summarizes_its_final_losses():
    pop = gn.Network([2, 3, 1], activation="tanh", output="identity", seed=list(range(400)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some members diverge at this rate: that is the point
        hist = pop.fit(X, Y, lr=[0.1] * 398 + [1e3, 1e3], epochs=30)
    last = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan
                     for row in hist.loss])  # fmt: skip
    text = repr(hist)
    assert len(text) < 160 and text.count("\n") == 0, text
    m = re.fullmatch(
        r"History\(epochs_run=30, population=400, final_loss=median ([^,\s)]+) \(min ([^,\s)]+), "
        r"max ([^,\s)]+)"
        r"(?:, (\d+) of 400 not finite)?\)\)",
        text,
    )
    assert m, text
    finals = np.asarray(hist.final_loss, dtype=float)
    finite = finals[np.isfinite(finals)]
    assert float(m[1]) == float(f"{np.median(finite):.4g}")
    assert float(m[2]) == float(f"{finite.min():.4g}") and float(m[3]) == float(
        f"{finite.max():.4g}"
    )
    assert int(m[4] or 0) == int((~np.isfinite(finals)).sum())
    assert np.nanmedian(last) > 0  # the members' curves are really there
    assert repr(pop.train_state).endswith(text[text.index("final_loss=") :])
    single = gn.Network([2, 3, 1]).fit(X, Y, epochs=3)
    assert repr(single) == f"History(epochs_run=3, final_loss={single.final_loss!r})"


def test_a_chain_is_one_informative_line():
    net = gn.Network([2, 3, 1], activation="tanh", seed=0)
    c = chain(net, X, Y, loss="mse", sample=2)
    text = repr(c)
    assert text == (
        f"Chain(2-3-1, loss mse, sample 2: {len(c.nodes)} nodes, {len(c.edges)} edges, "
        f"C = {c.cost:.6g})"
    )
    # by hand: 2 inputs; layer 1: 6 weights, 6 products, 3 biases, 3 z, 3 a; layer 2: 3
    # weights, 3 products, 1 bias, 1 z, 1 a; the target and the cost
    assert len(c.nodes) == 2 + (6 + 6 + 3 + 3 + 3) + (3 + 3 + 1 + 1 + 1) + 1 + 1


def test_a_trace_in_jupyter_shows_latex_formulas():
    net = gn.Network([3, 2, 1], init="paper", seed=1, bias="layer")
    Xp, yp = gn.datasets.load("paper")
    t = trace(net, Xp, yp, loss="sse")
    html = t._repr_html_()
    # written out by hand: the paper's z of layer 1 and delta of layer 2, as LaTeX
    assert "$$ z^{(1)} = a^{(0)} W^{(1)} + b^{(1)} $$" in html
    assert r"\delta^{(2)}" in html and r"\frac{\partial C}{\partial a^{(2)}}" in html
    # the ASCII formula is only a tooltip, never the text shown
    visible = re.sub(r'title="[^"]*"', "", html)
    assert "z^(1) = a^(0) W^(1) + b^(1)" not in visible
    assert formula("z", 1, 2) in html  # ... there it is, as the tooltip
    md = t._repr_markdown_()
    assert "$$ z^{(1)} = a^{(0)} W^{(1)} + b^{(1)} $$" in md and "| $W^{(1)}_{k1}$ |" in md
