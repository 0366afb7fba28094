r"""How a :class:`~glassnet.training.History` and a :class:`~glassnet.trace.Trace` show
themselves: in Jupyter (HTML, each image stored once) and in a terminal (plain text).

The engine's classes hold only tiny hooks (``_repr_html_``, ``__repr__``) that ask
:mod:`glassnet._views` for a renderer; this module registers its renderers there when it is
imported (the package imports it), so the engine never imports a face.

- :func:`history_table` picks the epochs a person reads (the recorded statistics' epochs, or
  about a dozen evenly spaced ones, always the first and the last) and gives, per epoch, the
  loss, the validation loss and accuracy, and per layer ``||dC/dW||``, the saturated share and
  the dead share of units. A population shows the median over its members.
- :func:`history_notes` names what went wrong, in plain words: divergence, dead units (from
  ``layer_stats["dead_relu"]``), saturated units (``layer_stats["saturated"]``), a loss that
  did not move.
- :func:`history_html` and :func:`history_text` are a History's Jupyter display (the table,
  the notes and the figure of :func:`glassnet.plots.history_png`) and ``print(history)``.
- :func:`trace_html` and :func:`trace_text` draw a Trace as the tables of ``glassnet inspect``.
"""

from __future__ import annotations

import base64
import html
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import _views
from glassnet._validation import Instance, check, known_keywords
from glassnet.network import Network
from glassnet.run import History
from glassnet.tables import render
from glassnet.trace import Trace

if TYPE_CHECKING:
    pass

__all__ = [
    "history_html",
    "history_notes",
    "history_table",
    "history_text",
    "trace_html",
    "trace_markdown",
    "trace_text",
]

MAX_ROWS = 12
DEAD_NOTE = 0.0  # any dead unit is worth a note: it never recovers under gradient descent
SATURATED_NOTE = 0.5  # half of the unit-sample pairs in the flat part of f


def _num(v: Any) -> str:
    v = float(v)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.3g}"
    return f"{v:.4g}"


def _pct(v: Any) -> str:
    v = float(v)
    return "-" if math.isnan(v) else f"{v:.0%}"


def _median(a: Any, population: int | None) -> np.ndarray:
    """The member median of a per-member array (NaN where every member is NaN)."""
    a = np.asarray(a, dtype=float)
    if population is None:
        return a
    with np.errstate(all="ignore"):
        finite = np.where(np.isfinite(a), a, np.nan)
        out = np.full(a.shape[1:], np.nan)
        ok = ~np.all(np.isnan(finite), axis=0)
        if ok.any():
            out[ok] = np.nanmedian(finite[:, ok], axis=0)
        return out


def _shown_epochs(history: History) -> np.ndarray:
    n = int(np.shape(history.loss)[-1])
    if n == 0:
        return np.zeros(0, dtype=int)
    stats_epochs = np.asarray(history.stats_epochs, dtype=int)
    stats_epochs = stats_epochs[stats_epochs < n]
    base = stats_epochs if stats_epochs.size else np.arange(n)
    if base.size > MAX_ROWS:
        pick = np.unique(np.round(np.linspace(0, base.size - 1, MAX_ROWS)).astype(int))
        base = base[pick]
    return np.unique(np.concatenate([base, [0, n - 1]]).astype(int))


@known_keywords
def history_table(history: History) -> tuple[list[str], list[list[str]]]:
    """The compact table of a History: ``(columns, rows)`` of formatted cells.

    Rows are the epochs of :func:`_shown_epochs`; statistics columns are blank on epochs
    without a record. For a population every number is the median over the members.
    """
    check(history, "history", Instance(History))
    P = history.population
    epochs = _shown_epochs(history)
    loss = _median(history.loss, P)
    cols = ["epoch", "loss"]
    series: list[tuple[np.ndarray, Any]] = [(loss, _num)]
    if history.val_loss is not None:
        cols.append("val loss")
        series.append((_median(history.val_loss, P), _num))
    if history.val_accuracy is not None:
        cols.append("val acc")
        series.append((_median(history.val_accuracy, P), lambda v: f"{float(v):.3f}"))
    stats_epochs = list(np.asarray(history.stats_epochs, dtype=int))
    layer_cols: list[tuple[str, np.ndarray, Any]] = []
    ls = history.layer_stats
    if ls and stats_epochs:
        grad = _median(ls["grad_norm"], P) if "grad_norm" in ls else None
        if grad is not None:
            for l in range(grad.shape[-1]):
                layer_cols.append((f"||dC/dW|| L{l + 1}", grad[:, l], _num))
        for name, title in (("saturated", "saturated"), ("dead_relu", "dead units")):
            if name in ls:
                v = _median(ls[name], P)
                if np.nanmax(v, initial=0.0) > 0:  # a column of zeros says nothing
                    layer_cols.append(
                        (title, v, lambda row: " ".join(_pct(x) for x in np.atleast_1d(row)))
                    )
    cols += [c for c, _, _ in layer_cols]
    rows = []
    for e in epochs:
        r = [str(int(e))] + [f(s[e]) if e < len(s) else "-" for s, f in series]
        i = stats_epochs.index(e) if e in stats_epochs else None
        r += ["" if i is None else f(v[i]) for _, v, f in layer_cols]
        rows.append(r)
    return cols, rows


@known_keywords
def history_notes(history: History) -> list[str]:
    """What went wrong, in plain words (empty when nothing did)."""
    check(history, "history", Instance(History))
    P = history.population
    notes = [str(m) for m in history.messages]
    said = " ".join(notes)
    diverged = np.atleast_1d(np.asarray(history.diverged, dtype=bool))
    if diverged.any() and "diverg" not in said:
        if P is None:
            notes.append(
                f"diverged at epoch {int(history.diverged_epoch)}: the loss became infinite or "
                "NaN; try a smaller learning rate"
            )
        else:
            notes.append(
                f"{int(diverged.sum())} of {P} members diverged (the loss became infinite or "
                "NaN; they were frozen there); try a smaller learning rate"
            )
    ls, epochs = history.layer_stats, np.asarray(history.stats_epochs)
    if ls and epochs.size:
        last = int(epochs[-1])
        who = "" if P is None else " (median over the members)"
        if "dead_relu" in ls:
            dead = _median(np.asarray(ls["dead_relu"], dtype=float)[..., -1, :], P)
            layers = [f"layer {l + 1}: {v:.0%}" for l, v in enumerate(dead) if v > DEAD_NOTE]
            if layers:
                notes.append(
                    f"dead units at epoch {last}{who}: " + ", ".join(layers) + " of the units "
                    "output 0 for every sample, so they get no gradient and cannot recover; "
                    "try a smaller learning rate or leaky_relu"
                )
        if "saturated" in ls:
            sat = _median(np.asarray(ls["saturated"], dtype=float)[..., -1, :], P)
            layers = [f"layer {l + 1}: {v:.0%}" for l, v in enumerate(sat) if v >= SATURATED_NOTE]
            if layers:
                notes.append(
                    f"saturated units at epoch {last}{who}: " + ", ".join(layers) + " of the "
                    "unit-sample pairs sit where |f'(z)| < 1% of its maximum, so little gradient "
                    "passes; try smaller initial weights or scaled inputs"
                )
    loss = _median(history.loss, P)
    if loss.size >= 10 and not diverged.all() and np.isfinite(loss[[0, -1]]).all():
        first, final = float(loss[0]), float(loss[-1])
        if abs(final - first) <= 1e-3 * max(abs(first), 1e-12):
            notes.append(
                f"the loss barely moved ({_num(first)} at epoch 0, {_num(final)} at the end)"
            )
    return notes


def _headline(history: History) -> str:
    P = history.population
    s = history.settings or {}
    what = ", ".join(f"{k} {s[k]}" for k in ("loss", "optimizer") if s.get(k) is not None)
    lr = history.lr
    if lr is not None and np.ndim(lr) == 0:
        what += f", lr {float(lr):g}"
    pop = "" if P is None else f", population of {P} (medians over the members)"
    return f"History: {history.epochs_run} epochs" + (f" ({what})" if what else "") + pop


@known_keywords
def history_text(history: History) -> str:
    """The headline, the table and the notes as plain text."""
    check(history, "history", Instance(History))
    cols, rows = history_table(history)
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    lines = [_headline(history), "  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines += [f"note: {n}" for n in history_notes(history)]
    return "\n".join(lines)


def _img(png: bytes) -> str:
    return (
        f'<img style="max-width:100%;height:auto" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'
    )


@known_keywords
def history_html(history: History) -> str:
    """The headline, the notes, the table and the figure (one PNG) as HTML."""
    check(history, "history", Instance(History))
    from glassnet.plots import history_png

    cols, rows = history_table(history)
    notes = history_notes(history)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in rows
    )
    note_html = (
        '<ul style="color:#a33">' + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
        if notes
        else ""
    )
    return (
        f"<div><b>{html.escape(_headline(history))}</b>{note_html}"
        f'<table style="font-size:90%"><tr>{head}</tr>{body}</table>'
        + _img(history_png(history))
        + "</div>"
    )


def _whole_population(trace: Trace) -> str | None:
    if trace.population is not None and trace.member is None:
        return (
            f"Trace of a population of {trace.population} networks {trace.sizes}, loss "
            f"{trace.loss}: every array has a leading member axis; trace one member "
            "(net.trace(X, y, member=k)) to see its tables"
        )
    return None


@known_keywords
def trace_text(trace: Trace) -> str:
    """A Trace as the plain-text tables of ``glassnet inspect``."""
    check(trace, "trace", Instance(Trace))
    whole = _whole_population(trace)
    return whole or render(trace, "text", title="Trace").rstrip("\n")


@known_keywords
def trace_markdown(trace: Trace) -> str:
    """A Trace as Markdown with LaTeX formulas (``glassnet inspect --format md``)."""
    check(trace, "trace", Instance(Trace))
    whole = _whole_population(trace)
    return whole or render(trace, "md", title="Trace")


@known_keywords
def trace_html(trace: Trace) -> str:
    """A Trace as the tables of ``glassnet inspect``, in HTML."""
    check(trace, "trace", Instance(Trace))
    whole = _whole_population(trace)
    return f"<p>{html.escape(whole)}</p>" if whole else render(trace, "html", title="Trace")


def network_html(net: Network) -> str:
    """A Network's Jupyter display: architecture, layers and the diagram (drawn by
    :func:`glassnet.plots.network_html`, imported when a notebook shows one)."""
    from glassnet.plots import network_html as draw

    return draw(net)


# the views of the engine's objects, registered from this side (see glassnet._views)
_views.register(History, "html", history_html)
_views.register(History, "text", history_text)
_views.register(Trace, "html", trace_html)
_views.register(Trace, "markdown", trace_markdown)
_views.register(Trace, "text", trace_text)
_views.register(Network, "html", network_html)
