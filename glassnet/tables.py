r"""The tables of one forward and backward pass: what ``glassnet inspect`` prints and what a
:class:`~glassnet.trace.Trace` (or a :class:`~glassnet.trace.Chain`) shows in Jupyter and in a
terminal.

:func:`render` draws a Trace as terminal tables (with or without styles), Markdown with LaTeX
formulas, or HTML; :func:`render_chain` draws a Chain, one line per scalar. Every number is the
trace's own; this module only lays them out, under each table's formula in the paper's notation.

A face: :mod:`glassnet.display` (a Trace's Jupyter and terminal display) and the command line
(``glassnet inspect``) both import it, and it imports only the numbers below it
(:mod:`glassnet.trace`); it never imports the command line.
"""

from __future__ import annotations

import html
import shutil
from typing import Any

import numpy as np

from glassnet._validation import Instance, Interval, Options, check, known_keywords
from glassnet.trace import Chain, Trace, formula

__all__ = ["render", "render_chain"]


def _digits(digits: Any) -> int:
    """Decimals shown: float64 holds 17 significant digits, and a format of 10^9 digits is a
    gigabyte per number."""
    return int(check(digits, "digits", Interval(int, 1, 17)))


def _fmt(v: float, digits: int) -> str:
    if not np.isfinite(v):
        return str(v)
    if v != 0 and (abs(v) >= 10**6 or abs(v) < 10 ** (-digits)):
        return f"{v:.{max(digits - 2, 1)}e}"
    return f"{v:.{digits}f}"


class _Doc:
    """A document made of headings, formula lines and tables, rendered as rich or Markdown."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, Any]] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(("heading", (text, level)))

    def text(self, text: str) -> None:
        self.parts.append(("text", text))

    def note(self, text: str) -> None:
        """A warning the numbers cannot give by themselves (an overflow, what inf means)."""
        self.parts.append(("note", text))

    def formula(self, plain: str, latex: str) -> None:
        self.parts.append(("formula", (plain, latex)))

    def table(self, columns: list[tuple[str, str]], rows: list[list[str]], note: str = "") -> None:
        self.parts.append(("table", (columns, rows, note)))

    def markdown(self) -> str:
        out: list[str] = []
        for kind, value in self.parts:
            if kind == "heading":
                text, level = value
                out += ["#" * level + " " + text, ""]
            elif kind == "text":
                out += [value, ""]
            elif kind == "note":
                out += [f"> **note:** {value}", ""]
            elif kind == "formula":
                out += [f"$$ {value[1]} $$", ""]
            else:
                columns, rows, note = value
                out.append("| " + " | ".join(latex for _, latex in columns) + " |")
                out.append("|" + "|".join("---:" for _ in columns) + "|")
                out += ["| " + " | ".join(r) + " |" for r in rows]
                out.append("")
                if note:
                    out += [f"*{note}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        """The document as an HTML fragment (for Jupyter): headings, formulas, tables.

        Formulas and column names are LaTeX (``$$ ... $$``, ``$ ... $``), which Jupyter and
        the documentation site typeset; the plain-text version of each is its tooltip.
        """
        esc = html.escape
        out: list[str] = ['<div class="glassnet-trace">']
        for kind, value in self.parts:
            if kind == "heading":
                text, level = value
                out.append(f"<h{level + 2}>{esc(text)}</h{level + 2}>")
            elif kind == "text":
                out.append(f"<p>{esc(value)}</p>")
            elif kind == "note":
                out.append(f'<p style="color:#a33"><b>note:</b> {esc(value)}</p>')
            elif kind == "formula":
                out.append(
                    f'<div style="margin:.2em 0" title="{esc(value[0])}">$$ {esc(value[1])} $$</div>'
                )
            else:
                columns, rows, note = value
                head = "".join(
                    f'<th title="{esc(plain)}">{esc(latex)}</th>' for plain, latex in columns
                )
                body = "".join(
                    "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows
                )
                out.append(f"<table><tr>{head}</tr>{body}</table>")
                if note:
                    out.append(f"<p><i>{esc(note)}</i></p>")
        out.append("</div>")
        return "\n".join(out)

    def rich(self, styled: bool = True) -> str:
        """Terminal tables; without colours or styles unless ``styled`` (for ``repr``)."""
        from rich import box
        from rich.console import Console
        from rich.rule import Rule
        from rich.table import Table
        from rich.text import Text

        width = shutil.get_terminal_size((160, 40)).columns
        console = Console(
            highlight=False,
            width=max(width, 100),
            force_jupyter=False,  # a Trace's repr in a notebook is text, not rich's own display
        )
        if not styled:
            console = Console(
                highlight=False,
                width=max(width, 100),
                force_jupyter=False,
                force_terminal=False,
                color_system=None,
            )
        with console.capture() as cap:
            for kind, value in self.parts:
                if kind == "heading":
                    text, level = value
                    if level <= 2:
                        console.print()
                        console.print(Rule(Text(text, style="bold")))
                    else:
                        console.print(Text(text, style="bold underline"))
                elif kind == "text":
                    console.print(value)
                elif kind == "note":
                    console.print(Text("note: " + value, style="bold yellow"))
                elif kind == "formula":
                    console.print(Text("  " + value[0], style="cyan"))
                else:
                    columns, rows, note = value
                    # a table wider than the terminal is cut into several, each repeating the
                    # first (row key) column, instead of squeezing every cell to "0..."
                    for group in _column_groups(columns, rows, console.width):
                        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
                        for i in group:
                            table.add_column(columns[i][0], justify="right", no_wrap=True)
                        for r in rows:
                            table.add_row(*(r[i] for i in group))
                        console.print(table)
                    if note:
                        console.print(Text(note, style="dim"))
        return cap.get()


def _column_groups(
    columns: list[tuple[str, str]], rows: list[list[str]], width: int
) -> list[list[int]]:
    """Split a table's columns into groups that fit ``width`` characters, each group led by
    column 0 (the row key: ``#``, ``k`` or ``node``). One group when everything fits."""
    need = [max([len(columns[i][0]), *(len(r[i]) for r in rows)]) + 3 for i in range(len(columns))]
    groups: list[list[int]] = [[0]]
    used = need[0]
    for i in range(1, len(columns)):
        if used + need[i] > width and len(groups[-1]) > 1:
            groups.append([0])
            used = need[0]
        groups[-1].append(i)
        used += need[i]
    return groups


def _sup(name: str, l: int, latex: bool) -> str:
    if latex:  # delta is the Greek letter in LaTeX, as in the formulas above each table
        symbol = r"\delta" if name == "delta" else name
        return f"{symbol}^{{({l})}}"
    return f"{name}^({l})"


def _cols(name: str, l: int, n: int, base: int = 1) -> list[tuple[str, str]]:
    """Column headers for units 1..n of a quantity (plain, LaTeX)."""
    return [(f"{_sup(name, l, False)}_{j + base}", f"${_sup(name, l, True)}_{{{j + base}}}$")
            for j in range(n)]  # fmt: skip


@known_keywords
def render(t: Any, fmt: str, digits: int = 6, max_rows: int = 10, title: str = "") -> str:
    """Render a :class:`glassnet.trace.Trace` as terminal tables (``table``, or ``text`` without
    styles), Markdown (``md``) or HTML (``html``).

    Sections: one per layer for the forward pass (parameters, then ``z``, ``a``, ``f'(z)`` per
    sample), the cost, and one per layer for the backward pass (``delta`` per sample, then
    ``dC/dW``, ``dC/db`` and the step), each table under its formula in the paper's notation.
    """
    check(t, "t", Instance(Trace))
    fmt = check(fmt, "fmt", Options(("table", "text", "md", "html")))
    digits = _digits(digits)
    max_rows = check(max_rows, "max_rows", Interval(int, 1, None))
    L = t.n_layers
    doc = _Doc()
    F = lambda v: _fmt(float(v), digits)  # noqa: E731
    rows_idx = t.samples if t.samples is not None else list(range(t.X.shape[0]))
    shown = min(len(rows_idx), max_rows)
    more = len(rows_idx) - shown
    note_rows = f"... and {more} more rows (use --max-rows or --samples)" if more > 0 else ""
    lr = t.lr if t.lr is not None else "(the optimizer's)"

    bias_text = {
        "layer": "one bias per layer (a scalar, the paper's)",
        "neuron": "one bias per unit",
        "none": "no bias",
    }[t.bias]
    head = title or "glassnet inspect"
    doc.heading(head, 1)
    doc.text(
        f"Network {'-'.join(map(str, t.sizes))}, activations "
        f"{', '.join(x.activation for x in t.layers)}, {bias_text}; cost `{t.loss}`; "
        f"optimizer `{t.optimizer}` with learning rate {lr}; {len(rows_idx)} sample(s)"
        + (f" (rows {t.samples})" if t.samples is not None else "")
        + (f"; member {t.member} of a population of {t.population}" if t.member is not None else "")
        + ". Units are numbered from 1 as in w_jk; `#` is the row of the data."
    )
    for note in t.notes:
        doc.note(note + " (inf and nan in the tables below are those numbers)")

    doc.heading("Forward pass", 2)
    for x in t.layers:
        l, f = x.index, x.activation
        kind = "output" if l == L else "hidden"
        doc.heading(f"Layer {l} ({kind}): {x.n_in} -> {x.n_out}, {f}", 3)
        doc.formula(
            f"W^({l})[k, j]: weight from unit k of layer {l - 1} to unit j of layer {l}",
            rf"W^{{({l})}}_{{kj}}:\ \text{{from unit }} k \text{{ of layer {l - 1} to unit }} j",
        )
        cols = [("k", "$k$")]
        cols += [(f"W^({l})_k{j + 1}", rf"$W^{{({l})}}_{{k{j + 1}}}$") for j in range(x.n_out)]
        rows = [[str(k + 1), *(F(x.W[k, j]) for j in range(x.n_out))] for k in range(x.n_in)]
        if x.b is not None:
            b = np.broadcast_to(x.b, (1, x.n_out))[0]
            label = "b (shared)" if t.bias == "layer" else "b"
            rows.append([label, *(F(v) for v in b)])
        doc.table(cols, rows)
        for name in ("z", "a"):
            doc.formula(
                formula(name, l, L, activation=f), formula(name, l, L, latex=True, activation=f)
            )
        if x.jacobian is not None:  # softmax: f' is only the Jacobian's diagonal
            doc.formula(
                formula("jacobian", l, L, activation=f) + "; its diagonal J_jj shown",
                formula("jacobian", l, L, latex=True, activation=f),
            )
            fp_cols = [(f"J^({l})_{j + 1}{j + 1}", f"$J^{{({l})}}_{{{j + 1}{j + 1}}}$")
                       for j in range(x.n_out)]  # fmt: skip
        else:
            doc.formula(
                f"f'^({l}) = " + formula("fprime", l, L, activation=f),
                f"f'^{{({l})}} = " + formula("fprime", l, L, latex=True, activation=f),
            )
            fp_cols = _cols("f'", l, x.n_out)
        cols = [("#", r"$\#$"), *_cols("a", l - 1, x.n_in), *_cols("z", l, x.n_out)]
        cols += [*_cols("a", l, x.n_out), *fp_cols]
        rows = []
        for i in range(shown):
            r = [str(rows_idx[i])]
            r += [F(v) for v in x.a_prev[i]] + [F(v) for v in x.z[i]]
            r += [F(v) for v in x.a[i]] + [F(v) for v in x.fprime[i]]
            rows.append(r)
        doc.table(cols, rows, note_rows)

    doc.heading("Cost", 2)
    tex_loss = t.loss.replace("_", r"\_")  # a bare "_" would subscript the rest of the name
    cost_text = {
        "sse": ("C = sum_n sum_j (a_j^(L) - y_j)^2", r"C = \sum_n \sum_j (a^{(L)}_j - y_j)^2"),
        "mse": (
            "C = (1/(N n_L)) sum_n sum_j (a_j^(L) - y_j)^2",
            r"C = \frac{1}{N n_L} \sum_n \sum_j (a^{(L)}_j - y_j)^2",
        ),
    }.get(t.loss, (f"C = {t.loss}(a^(L), y)", rf"C = \mathrm{{{tex_loss}}}(a^{{(L)}}, y)"))
    doc.formula(cost_text[0].replace("(L)", f"({L})"), cost_text[1].replace("(L)", f"({L})"))
    doc.text(f"C = {F(t.cost)}")
    n_out = t.sizes[-1]
    cols = [("#", r"$\#$"), *[(f"y_{j + 1}", f"$y_{{{j + 1}}}$") for j in range(n_out)]]
    cols += _cols("a", L, n_out)
    if t.dC_da is not None:
        doc.formula(
            f"dC/da^({L})" + (f" = 2 (a^({L}) - y)" if t.loss == "sse" else ""),
            rf"\frac{{\partial C}}{{\partial a^{{({L})}}}}"
            + (rf" = 2 (a^{{({L})}} - y)" if t.loss == "sse" else ""),
        )
        cols += [(f"dC/da^({L})_{j + 1}", rf"$\partial C / \partial a^{{({L})}}_{{{j + 1}}}$")
                 for j in range(n_out)]  # fmt: skip
    else:
        doc.text(
            f"The {t.loss} cost is fused with the {t.layers[-1].activation} output: "
            f"delta^({L}) = dC/dz^({L}) is computed from z^({L}) directly, "
            + (f"(a^({L}) - y) / N" if t.loss == "cross_entropy" else f"(a^({L}) - y) / (N n_{L})")
            + " for this pair."
        )
    rows = []
    for i in range(shown):
        r = [str(rows_idx[i])] + [F(v) for v in t.y[i]] + [F(v) for v in t.output[i]]
        if t.dC_da is not None:
            r += [F(v) for v in t.dC_da[i]]
        rows.append(r)
    doc.table(cols, rows, note_rows)

    doc.heading("Backward pass", 2)
    for x in reversed(t.layers):
        l, f = x.index, x.activation
        kind = "output" if l == L else "hidden"
        doc.heading(f"Layer {l} ({kind}): {x.n_in} -> {x.n_out}, {f}", 3)
        if l == L and t.dC_da is None:
            doc.formula(
                f"delta^({l}) = dC/dz^({l})  (fused {t.loss} + {f})",
                rf"\delta^{{({l})}} = \frac{{\partial C}}{{\partial z^{{({l})}}}}",
            )
        elif x.jacobian is not None and x.dC_da is not None:
            _coupled_delta(doc, x, L, F, rows_idx, shown, note_rows)
        else:
            doc.formula(
                formula("delta", l, L, activation=f),
                formula("delta", l, L, latex=True, activation=f),
            )
        if x.jacobian is None:
            doc.table(
                [("#", r"$\#$"), *_cols("delta", l, x.n_out)],
                [[str(rows_idx[i]), *(F(v) for v in x.delta[i])] for i in range(shown)],
                note_rows,
            )
        doc.formula(formula("dW", l, L), formula("dW", l, L, latex=True))
        db_name = "db_layer" if t.bias == "layer" else "db"
        if x.db is not None:
            doc.formula(formula(db_name, l, L), formula(db_name, l, L, latex=True))
        if t.optimizer == "gd":
            doc.formula(
                formula("step_W", l, L).replace("eta", f"{lr}"),
                formula("step_W", l, L, latex=True).replace(r"\eta", f"{lr}"),
            )
        else:
            doc.formula(
                f"step W^({l}) = first {t.optimizer} update (learning rate {lr})",
                rf"\Delta W^{{({l})}} = \text{{first {t.optimizer} update}}",
            )
        cols = [("k", "$k$")]
        cols += [(f"dC/dW^({l})_k{j + 1}", rf"$\partial C/\partial W^{{({l})}}_{{k{j + 1}}}$")
                 for j in range(x.n_out)]  # fmt: skip
        cols += [(f"step W^({l})_k{j + 1}", rf"$\Delta W^{{({l})}}_{{k{j + 1}}}$")
                 for j in range(x.n_out)]  # fmt: skip
        rows = [
            [str(k + 1), *(F(v) for v in x.dW[k]), *(F(v) for v in x.step_W[k])]
            for k in range(x.n_in)
        ]
        if x.db is not None and x.step_b is not None:
            db = np.broadcast_to(x.db, (1, x.n_out))[0]
            sb = np.broadcast_to(x.step_b, (1, x.n_out))[0]
            label = "b (shared)" if t.bias == "layer" else "b"
            rows.append([label, *(F(v) for v in db), *(F(v) for v in sb)])
        doc.table(cols, rows)
    if fmt == "md":
        return doc.markdown()
    if fmt == "html":
        return doc.html()
    return doc.rich(styled=fmt != "text")


def _coupled_delta(doc: _Doc, x: Any, L: int, F: Any, rows_idx: list[int], shown: int,
                   note_rows: str) -> None:  # fmt: skip
    """``delta = dC/da J`` for softmax, with the columns that multiply to it.

    For softmax ``J = diag(a) - a^T a``, so ``(dC/da J)_j = a_j (dC/da_j - s)`` with
    ``s = sum_i dC/da_i a_i``: the table shows ``dC/da``, ``a``, ``s`` and ``delta``, and a
    student can check every ``delta_j`` from the three numbers beside it.
    """
    l, f = x.index, x.activation
    doc.formula(
        formula("delta", l, L, activation=f, coupled=True),
        formula("delta", l, L, latex=True, activation=f, coupled=True),
    )
    doc.formula(
        formula("jacobian", l, L, activation=f), formula("jacobian", l, L, latex=True, activation=f)
    )
    g = f"dC/da^({l})" if l == L else f"g^({l})"
    g_tex = rf"\partial C/\partial a^{{({l})}}" if l == L else f"g^{{({l})}}"
    if f == "softmax":
        doc.formula(
            f"so delta^({l})_j = a^({l})_j ({g}_j - s),  s = sum_i {g}_i a^({l})_i",
            rf"\delta^{{({l})}}_j = a^{{({l})}}_j \left({g_tex}_j - s\right),\quad "
            rf"s = \sum_i {g_tex}_i\, a^{{({l})}}_i",
        )
    n = x.n_out
    cols = [("#", r"$\#$")]
    cols += [(f"{g}_{j + 1}", f"${g_tex}_{{{j + 1}}}$") for j in range(n)]
    cols += _cols("a", l, n)
    if f == "softmax":
        cols.append(("s", "$s$"))
    cols += _cols("delta", l, n)
    rows = []
    for i in range(shown):
        r = [str(rows_idx[i])] + [F(v) for v in x.dC_da[i]] + [F(v) for v in x.a[i]]
        if f == "softmax":
            r.append(F(float(np.dot(x.dC_da[i], x.a[i]))))
        rows.append(r + [F(v) for v in x.delta[i]])
    doc.table(cols, rows, note_rows)


@known_keywords
def render_chain(c: Any, fmt: str, digits: int = 6, title: str = "") -> str:
    """Render a :class:`glassnet.trace.Chain`: one line per scalar of the pass.

    Each line gives the node, the operation that made it, its value, its gradient ``dC/d(node)``
    and the chain rule that gives that gradient: the sum, over the operations that use the
    node, of the local derivative times the gradient of the operation's result.
    """
    check(c, "c", Instance(Chain))
    fmt = check(fmt, "fmt", Options(("table", "md")))
    digits = _digits(digits)
    doc = _Doc()
    F = lambda v: _fmt(float(v), digits)  # noqa: E731
    label = {n.id: n.label for n in c.nodes}
    doc.heading(title or "glassnet inspect --chain", 1)
    doc.text(
        f"Network {'-'.join(map(str, c.sizes))}, cost `{c.loss}`, sample {c.sample}: every "
        "multiply, add, activation and the cost, in the order of the forward pass. Read the "
        "last column upwards: that is backpropagation. "
        + (
            "The cost is fused with the output activation: the engine computes "
            "delta = dC/dz from z directly; dC/da is shown for the chain rule. "
            if c.fused
            else ""
        )
    )
    for note in c.notes:
        doc.note(note + " (inf and nan below are those numbers)")
    doc.formula(
        "dC/d(node) = sum over its uses u of  d u/d(node) * dC/du",
        r"\frac{\partial C}{\partial v} = \sum_{u \text{ uses } v} "
        r"\frac{\partial u}{\partial v} \frac{\partial C}{\partial u}",
    )
    rows = []
    for n in c.nodes:
        ins = [e.source for e in c.inputs(n.id)]
        if n.op is None:
            made = "(data)" if n.kind in ("input", "target") else "(parameter)"
        elif n.op == "*":
            made = " * ".join(label[i] for i in ins)
        elif n.op == "+":
            made = " + ".join(label[i] for i in ins)
        elif n.kind == "loss":
            made = f"{n.op}(a, y)"
        elif len(ins) > 1:  # softmax: every z of the layer
            made = f"{n.op}(z)_{n.id.split('_')[1]}"
        else:
            made = f"{n.op}({label[ins[0]]})"
        if n.grad is None:
            rule = "(data)"
        elif n.kind == "loss":
            rule = "dC/dC = 1"
        else:
            uses = c.uses(n.id)
            terms = [f"{F(e.local)} x {F(c.node(e.target).grad)}" for e in uses[:3]]
            rule = " + ".join(terms) + (f" + ... ({len(uses)} uses)" if len(uses) > 3 else "")
        rows.append([
            n.label, made, F(n.value), "" if n.grad is None else F(n.grad), rule,
        ])  # fmt: skip
    doc.table(
        [("node", "node"), ("computed as", "computed as"), ("value", "value"),
         ("dC/d(node)", r"$\partial C/\partial v$"),
         ("= sum of local x dC/d(use)", r"$= \sum \partial u/\partial v \cdot \partial C/\partial u$")],
        rows,
        "m^(l)_kj = a^(l-1)_k W^(l)_kj (one product per weight)",
    )  # fmt: skip
    return doc.markdown() if fmt == "md" else doc.rich()
