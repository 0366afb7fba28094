r"""``glassnet inspect``: every number of one forward and backward pass, layer by layer.

With no options it shows the paper's own network (3-2-1, sigmoid, one bias per layer, the
paper's initial values from seed 1) on the paper's four cases, with the sum-of-squares cost and
gradient descent at ``eta = 0.5``: the numbers a student gets by hand from PAPER.md::

    glassnet inspect
    glassnet inspect --format md > first_epoch.md
    glassnet inspect --activation tanh --output tanh01 --samples 0,1
    glassnet inspect --dataset xor --hidden 3 --init xavier --seed 0 --loss bce
    glassnet inspect --model model.npz --x "0,0,1" --y 0 --x "1,1,1" --y 1
"""

from __future__ import annotations

import html
import json
import shutil
from typing import Any

import click
import numpy as np

from glassnet.cli.options import PAPER_DEFAULTS, Options, shared_options

FORMATS = ("table", "md", "json")


# --- argument parsing --------------------------------------------------------------------------


def _ints(text: str, argument: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers, got {text!r}", param_hint=argument
        ) from None


# --- formatting ----------------------------------------------------------------------------------


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
        """The document as an HTML fragment (for Jupyter): headings, formulas, tables."""
        esc = html.escape
        out: list[str] = ['<div class="glassnet-trace">']
        for kind, value in self.parts:
            if kind == "heading":
                text, level = value
                out.append(f"<h{level + 2}>{esc(text)}</h{level + 2}>")
            elif kind == "text":
                out.append(f"<p>{esc(value)}</p>")
            elif kind == "formula":
                out.append(f"<pre style='margin:.2em 0'>{esc(value[0])}</pre>")
            else:
                columns, rows, note = value
                head = "".join(f"<th>{esc(plain)}</th>" for plain, _ in columns)
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
                elif kind == "formula":
                    console.print(Text("  " + value[0], style="cyan"))
                else:
                    columns, rows, note = value
                    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
                    for plain, _ in columns:
                        table.add_column(plain, justify="right", no_wrap=True)
                    for r in rows:
                        table.add_row(*r)
                    console.print(table)
                    if note:
                        console.print(Text(note, style="dim"))
        return cap.get()


def _sup(name: str, l: int, latex: bool) -> str:
    return f"{name}^{{({l})}}" if latex else f"{name}^({l})"


def _cols(name: str, l: int, n: int, base: int = 1) -> list[tuple[str, str]]:
    """Column headers for units 1..n of a quantity (plain, LaTeX)."""
    return [(f"{_sup(name, l, False)}_{j + base}", f"${_sup(name, l, True)}_{{{j + base}}}$")
            for j in range(n)]  # fmt: skip


def render(t: Any, fmt: str, digits: int = 6, max_rows: int = 10, title: str = "") -> str:
    """Render a :class:`glassnet.trace.Trace` as terminal tables (``table``, or ``text`` without
    styles), Markdown (``md``) or HTML (``html``).

    Sections: one per layer for the forward pass (parameters, then ``z``, ``a``, ``f'(z)`` per
    sample), the cost, and one per layer for the backward pass (``delta`` per sample, then
    ``dC/dW``, ``dC/db`` and the step), each table under its formula in the paper's notation.
    """
    from glassnet.trace import formula

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
        + (f"; member {t.member} of a population" if t.member is not None else "")
        + ". Units are numbered from 1 as in w_jk; `#` is the row of the data."
    )

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
        doc.formula(
            f"f'^({l}) = " + formula("fprime", l, L, activation=f),
            f"f'^{{({l})}} = " + formula("fprime", l, L, latex=True, activation=f),
        )
        cols = [("#", r"$\#$"), *_cols("a", l - 1, x.n_in), *_cols("z", l, x.n_out)]
        cols += [*_cols("a", l, x.n_out), *_cols("f'", l, x.n_out)]
        rows = []
        for i in range(shown):
            r = [str(rows_idx[i])]
            r += [F(v) for v in x.a_prev[i]] + [F(v) for v in x.z[i]]
            r += [F(v) for v in x.a[i]] + [F(v) for v in x.fprime[i]]
            rows.append(r)
        doc.table(cols, rows, note_rows)

    doc.heading("Cost", 2)
    cost_text = {
        "sse": ("C = sum_n sum_j (a_j^(L) - y_j)^2", r"C = \sum_n \sum_j (a^{(L)}_j - y_j)^2"),
        "mse": (
            "C = (1/(N n_L)) sum_n sum_j (a_j^(L) - y_j)^2",
            r"C = \frac{1}{N n_L} \sum_n \sum_j (a^{(L)}_j - y_j)^2",
        ),
    }.get(t.loss, (f"C = {t.loss}(a^(L), y)", rf"C = \mathrm{{{t.loss}}}(a^{{(L)}}, y)"))
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
        else:
            doc.formula(
                formula("delta", l, L, activation=f),
                formula("delta", l, L, latex=True, activation=f),
            )
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


# --- the command ---------------------------------------------------------------------------------


@click.command("inspect")
@shared_options(PAPER_DEFAULTS, training=("optimizer", "lr"))
@click.option("--member", type=int, default=0, show_default=True,
              help="Which member of a population model to show.")  # fmt: skip
@click.option("--samples", help="Trace only these data rows, e.g. 0,2 (0-based).")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="Terminal tables, Markdown with LaTeX formulas, or JSON.",
)  # fmt: skip
@click.option("--digits", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Decimals shown (table, md).")  # fmt: skip
@click.option("--max-rows", type=click.IntRange(min=1), default=10, show_default=True,
              help="Samples shown per table (table, md).")  # fmt: skip
def inspect_cmd(
    opts: Options,
    member: int,
    samples: str | None,
    fmt: str,
    digits: int,
    max_rows: int,
) -> None:
    """Print every number of one forward and backward pass, layer by layer.

    The defaults are the paper's experiment: its 3-2-1 sigmoid network with one bias per
    layer and its initial values (seed 1), its four cases, the summed squared error and
    gradient descent with eta = 0.5 -- so the numbers can be checked against a hand
    computation from PAPER.md line by line (the one documented exception to the defaults
    the other commands share with `glassnet train`). The numbers are the engine's own (the
    ones `glassnet train` uses), not a separate calculation. With --model, the model's
    network, data set and loss as `glassnet train` recorded them.
    """
    X, y, source = opts.load_data()
    net = opts.build(X, y)
    _, loss = opts.output_and_loss(y, net)
    fit = opts.fit_kwargs()
    rows = _ints(samples, "--samples") if samples else None
    kwargs: dict[str, Any] = dict(loss=loss, optimizer=fit["optimizer"], lr=fit["lr"], samples=rows)
    if net.population is not None:
        kwargs["member"] = member
    t = net.trace(X, y, **kwargs)
    if fmt == "json":
        data = t.to_dict()
        data["data"] = source
        click.echo(json.dumps(data, allow_nan=False))
        return
    title = f"glassnet inspect: {source} data" + (f", model {opts.model}" if opts.model else "")
    click.echo(render(t, fmt, digits=digits, max_rows=max_rows, title=title), nl=False)
