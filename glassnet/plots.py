r"""Figures of what a network does: its diagram, its decision boundary and hidden units, its
training as an animation, its loss landscape and its gradient flow.

Every function returns a :class:`glassnet._figure.Figure`, a :class:`matplotlib.figure.Figure`
built without ``pyplot`` (so it works headless and never changes the user's backend) that shows
itself as an image in Jupyter with no magic and saves with one call, ``fig.save("f.png")``
(:func:`to_png` and :func:`save` do the same for any matplotlib figure). The saved image is
exactly ``figsize * dpi`` pixels. matplotlib is imported inside the
functions only.

Colours follow TensorFlow Playground: blue for positive values (weights, activations, class 1),
orange for negative ones (class 0), near-white around zero (or 0.5 for outputs in (0, 1)).

Populations: every figure of a network or History takes ``member``: ``None`` draws member 0,
an int draws that member, a list of ints (or ``"all"``, at most 16) draws small multiples.

Typical use::

    import glassnet as gn
    from glassnet import plots
    X, y = gn.datasets.load("moons")
    net = gn.Network([2, 8, 8, 1], activation="tanh", seed=0)
    rec = plots.ParamRecorder(stride=5)
    hist = net.fit(X, y, loss="bce", lr=0.5, epochs=300, callbacks=[rec], stats_every=5)
    plots.save(plots.decision_boundary(net, X, y), "boundary.png")
    plots.save(plots.loss_landscape(net, X, y, loss="bce", path=rec), "landscape.png")
    plots.save(plots.gradient_flow(hist), "gradients.png")
    plots.animate_training(net.copy(), X, y, "training.gif", loss="bce", lr=0.5, epochs=200)
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
import shutil
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import grids
from glassnet._files import atomic_path
from glassnet._validation import (
    MAX_PARAMETER_BYTES,
    Boolean,
    Instance,
    Interval,
    NonFiniteWarning,
    check,
    describe,
    index_range,
    known_keywords,
    positive_int,
    warn_nonfinite,
)
from glassnet.training import Callback

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

    from glassnet._figure import Figure
    from glassnet.network import Network
    from glassnet.training import History

Array = np.ndarray

__all__ = [
    "ParamRecorder",
    "animate_training",
    "chain_graph",
    "decision_boundary",
    "gradient_flow",
    "history_figure",
    "history_png",
    "loss_curve",
    "loss_landscape",
    "network_diagram",
    "network_html",
    "network_png",
    "render_animation",
    "save",
    "to_png",
]

POS, NEG, MID = "#0877bd", "#f59322", "#e8eaeb"
UNIT_RANGE = {"sigmoid": (0.0, 1.0), "tanh01": (0.0, 1.0), "softmax": (0.0, 1.0),
              "tanh": (-1.0, 1.0)}  # fmt: skip
MAX_MULTIPLES = 16
MAX_CURVES = 200  # a population's loss curves drawn (the median is over every member)
MAX_SIDE_PX = 16384  # a larger figure is a typo (dpi 1e9), not a picture
#: The most parameter sets a :class:`ParamRecorder` keeps (each a copy of every weight).
MAX_RECORDED = 100_000
#: The most frames an animation may have: each is drawn by Matplotlib (tens of ms), and a GIF
#: holds them all in memory until it is written.
MAX_FRAMES = 2_000
MIN_DPI = 10
"""The smallest resolution of a figure, in dots per inch (``--dpi``'s bound too)."""
PLANE_LIMIT = 1e307
"""The largest |coordinate| a figure's input plane reaches: matplotlib's axis ticks overflow
float64 beyond (measured with matplotlib 3.10: axes to +-5e307 warn, to 1e308 fail)."""
LAYER_COLOURS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


# --- plumbing ------------------------------------------------------------------------------


@contextmanager
def _renamed(argument: str, given: str) -> Iterator[None]:
    """A library error about ``argument`` said of ``given``, the caller's name for it (its
    text too: "res: ... expected res <= 4729" of ``unit_res``)."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        text = str(exc)
        if not text.startswith(f"{argument}: "):
            raise
        body = re.sub(rf"\b{argument}\b", given, text[len(argument) + 2 :])
        raise type(exc)(f"{given}: {body}") from None


def _figure(figsize: tuple[float, float], dpi: float) -> Figure:
    from glassnet._figure import Figure

    if (
        not isinstance(figsize, Sequence)
        or len(figsize) != 2
        or not all(isinstance(v, int | float) and v > 0 for v in figsize)
    ):
        raise ValueError(f"figsize: expected (width, height) in inches > 0, got {figsize!r}")
    if not isinstance(dpi, int | float) or isinstance(dpi, bool) or not dpi >= MIN_DPI:
        # below it, FreeType refuses the text's pixel sizes (a RuntimeError from matplotlib's
        # C code at dpi 1 to 5, for some figures at 7), as --dpi's bound says
        raise ValueError(f"dpi: expected a number >= {MIN_DPI}, got {describe(dpi)}")
    w, h = float(figsize[0]) * dpi, float(figsize[1]) * dpi
    if min(w, h) < 1:  # an image of no pixels: "cannot write empty image", after drawing
        raise ValueError(
            f"figsize: expected at least 1 pixel per side, got {tuple(float(v) for v in figsize)} "
            f"inches at dpi {dpi:g} ({w:.3g} x {h:.3g} pixels)"
        )
    if not (math.isfinite(w) and math.isfinite(h)) or max(w, h) > MAX_SIDE_PX:
        # checked before matplotlib allocates the canvas (a 1e9 dpi figure would need exabytes)
        raise ValueError(
            f"dpi: expected at most {MAX_SIDE_PX} pixels per side, got dpi {dpi:g} with figsize "
            f"{tuple(float(v) for v in figsize)} ({w:.3g} x {h:.3g} pixels)"
        )
    return Figure(figsize=(float(figsize[0]), float(figsize[1])), dpi=dpi)


def _tight(fig: Figure) -> None:
    """``tight_layout``, quietly giving up on figures too small for their labels."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tight layout not applied", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*not compatible with tight_layout")
        fig.tight_layout()


def _note(fig: Figure, notes: Sequence[str], warn: bool = True) -> None:
    """Write ``notes`` under the figure, in red, making room for them, and (``warn``) issue
    each as a :class:`~glassnet._validation.NonFiniteWarning`: what a figure cannot draw
    (an overflow, a divergence) is said on it, never silently left blank."""
    import textwrap

    if not notes:
        return
    width_chars = max(40, int(fig.get_figwidth() * 72 / 4.2))  # 6-point text
    lines = [line for n in notes for line in textwrap.wrap("note: " + n, width_chars) or [""]]
    height = (len(lines) * 7.5 + 4) / (fig.get_figheight() * 72)  # as a share of the figure
    fig.subplots_adjust(bottom=min(0.6, max(fig.subplotpars.bottom, 0.06) + height))
    fig.text(0.01, 0.005, "\n".join(lines), fontsize=6, color="#a33", ha="left", va="bottom")
    if warn:
        for n in notes:
            warn_nonfinite(n)


def _nonfinite_share(arrays: Sequence[Any]) -> tuple[int, int]:
    """How many of the numbers in ``arrays`` are not finite, and how many there are."""
    bad = sum(int((~np.isfinite(np.asarray(a, dtype=float))).sum()) for a in arrays)
    return bad, sum(int(np.size(a)) for a in arrays)


def _grid_notes(grid: grids.PlaneGrid, what: str = "the plane") -> list[str]:
    """An overflow on the input plane: at how many grid points some layer is not finite."""
    bad = np.zeros(np.shape(grid.layers[0])[:-1], dtype=bool)
    for a in grid.layers:
        bad |= ~np.isfinite(a).all(axis=-1)
    if not bad.any():
        return []
    x0, x1, y0, y1 = grid.extent
    return [
        f"X: the network's activations overflowed to infinity or NaN at {int(bad.sum())} of "
        f"{bad.size} points of {what} (x1 in [{x0:.3g}, {x1:.3g}], x2 in [{y0:.3g}, {y1:.3g}]; "
        "left blank); scale X or the weights"
    ]


def _history_notes(history: History, k: int | None = None) -> list[str]:
    """Why a History's curve has holes or stops: its divergence (as fit reported it)."""
    diverged = np.atleast_1d(np.asarray(history.diverged, dtype=bool))
    if k is not None:
        diverged = diverged[[k]]
    if not diverged.any():
        return []
    said = [m for m in history.messages if "diverg" in m]
    if said and history.population is None:
        return [f"{said[0]} (the curve ends there)"]
    epochs = np.atleast_1d(np.asarray(history.diverged_epoch))
    if history.population is None:
        return [f"training diverged at epoch {int(epochs[0])} (the curve ends there)"]
    who = np.flatnonzero(np.asarray(history.diverged, dtype=bool))
    if k is not None:
        return [f"member {k} diverged at epoch {int(epochs[k])} (its curve ends there)"]
    return [
        f"{who.size} of {history.population} members diverged (the first at epoch "
        f"{int(epochs[who].min())}); their curves end there"
    ]


def _cmap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("glassnet", [NEG, MID, POS])


def _check_figure(fig: Any) -> None:
    if not callable(getattr(fig, "savefig", None)):  # not an AttributeError from inside
        raise TypeError(f"fig: expected a matplotlib Figure, got {describe(fig)}")


def _check_history(history: Any) -> None:
    from glassnet.run import History

    check(history, "history", Instance(History))


@known_keywords
def to_png(fig: MplFigure) -> bytes:
    """The figure as PNG bytes, exactly ``figsize * dpi`` pixels."""
    _check_figure(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    return buf.getvalue()


@known_keywords
def save(fig: MplFigure, path: str | os.PathLike[str]) -> None:
    """Write the figure atomically (a crash leaves the old file or the new one), with the
    mode a plain write gives; the format follows the extension (png, svg, pdf, ...)."""
    from glassnet._figure import save_figure

    _check_figure(fig)
    save_figure(fig, path)


def _member_list(population: int | None, member: Any) -> list[int | None]:
    """Which members to draw: ``[None]`` for a single network."""
    if population is None:
        if member not in (None, 0):
            raise ValueError(
                "member: this is a single network, not a population; expected no member (or 0), "
                f"got {member!r}"
            )
        return [None]
    if member is None:
        return [0]
    if isinstance(member, str):
        if member != "all":
            raise ValueError(f"member: expected an index, a list of them or 'all', got {member!r}")
        return list(range(min(population, MAX_MULTIPLES)))
    if isinstance(member, int | np.integer) and not isinstance(member, bool):
        items = [member]
    elif isinstance(member, Sequence | np.ndarray):
        items = list(member)
    else:  # list(1.5): "'float' object is not iterable"
        raise TypeError(
            f"member: expected an index, a list of them or 'all', got {describe(member)}"
        )
    if not items or len(items) > MAX_MULTIPLES:
        raise ValueError(f"member: expected 1 to {MAX_MULTIPLES} members, got {len(items)}")
    out: list[int | None] = []
    for k in items:
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise TypeError(f"member: expected member indices, got {describe(k)}")
        if not -population <= k < population:
            raise ValueError(f"member: expected indices {index_range(population)}, got {k}")
        if int(k) % population in out:  # drawn twice, silently
            raise ValueError(
                f"member: index {int(k) % population} is given twice (as {k}); expected each "
                "member once"
            )
        out.append(int(k) % population)
    return out


def _single(net: Network, k: int | None) -> Network:
    return net if k is None else net.member(k)


def _grid_axes(fig: Figure, n: int) -> list[Axes]:
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    return [fig.add_subplot(rows, cols, i + 1) for i in range(n)]


def _unit_norm(name: str, values: Array):
    """Colour scale of a layer's activations: the activation's range, or symmetric."""
    from matplotlib.colors import Normalize

    if name in UNIT_RANGE:
        return Normalize(*UNIT_RANGE[name])
    finite = np.asarray(values)[np.isfinite(values)]
    m = float(np.abs(finite).max()) if finite.size else 1.0
    m = m if m > 0 else 1.0
    return Normalize(-m, m)


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return str(v)
    if v != 0 and (abs(v) < 0.01 or abs(v) >= 1000):
        return f"{v:.1e}"
    return f"{v:.2f}"


# --- network diagram -----------------------------------------------------------------------

EDGE_MODES = ("weights", "gradients", "update")


@known_keywords
def network_diagram(
    net: Network,
    X: Any = None,
    y: Any = None,
    *,
    sample: int = 0,
    edges: str = "weights",
    loss: str | None = None,
    optimizer: str | None = None,
    lr: float | None = None,
    steps: list[dict[str, Array]] | None = None,
    member: Any = None,
    max_nodes: int = 12,
    labels: bool | None = None,
    figsize: tuple[float, float] = (6.4, 4.0),
    dpi: float = 100,
) -> Figure:
    r"""The network as nodes and edges.

    Nodes are coloured by their activation ``a^(l)_j`` on input row ``sample`` of ``X`` (grey
    without ``X``). Edges show, by colour the sign (blue > 0, orange < 0) and by width the
    magnitude of:

    * ``edges="weights"``: ``W^(l)`` (and the biases, from the square bias nodes);
    * ``edges="gradients"``: ``dC/dW^(l)`` on ``(X, y)`` (needs ``y``);
    * ``edges="update"``: the step the optimizer takes from here on ``(X, y)``
      (``-lr dC/dW`` for gradient descent), or the given ``steps`` -- e.g. the last update
      of a training run, :meth:`ParamRecorder.last_update`.

    Widths are scaled by the largest magnitude in the whole network, so layers can be
    compared (vanishing gradients show as hairlines). Layers wider than ``max_nodes`` show
    their first ``max_nodes - 1`` units.

    Parameters
    ----------
    net : Network
    X, y : arrays, optional
    sample : int
        The row of ``X`` whose activations colour the nodes.
    edges : {"weights", "gradients", "update"}
    loss, optimizer, lr
        For gradients and updates (see :func:`glassnet.trace.trace`); those not given are the
        network's own run's (``net.train_state``), or mse, gd and 0.5 for a network never
        trained.
    steps : list of dict, optional
        Explicit updates for ``edges="update"``, shaped like ``net.params``.
    member : int, list of int or "all", optional
    max_nodes : int
    labels : bool, optional
        Write the values on edges and nodes (default: when the network is small).
    figsize, dpi
    """
    if edges not in EDGE_MODES:
        raise ValueError(f"edges: expected one of {', '.join(EDGE_MODES)}, got {edges!r}")
    max_nodes = positive_int(max_nodes, "max_nodes", minimum=2)
    if edges != "weights" and steps is None and (X is None or y is None):
        raise ValueError(f"X, y: edges={edges!r} needs the data (X and y) to compute gradients")
    members = _member_list(net.population, member)
    fig = _figure(figsize, dpi)
    axes = [fig.add_subplot(1, 1, 1)] if len(members) == 1 else _grid_axes(fig, len(members))
    with warnings.catch_warnings():  # an overflow is said once, under the figure (below)
        warnings.simplefilter("ignore", NonFiniteWarning)
        for ax, k in zip(axes, members, strict=True):
            _diagram_member(ax, net, k, X, y, sample, edges, loss, optimizer, lr, steps,
                            max_nodes, labels if len(members) == 1 else False)  # fmt: skip
    if X is not None:
        notes: list[str] = []
        with warnings.catch_warnings():  # the figure says it once, below
            warnings.simplefilter("ignore", NonFiniteWarning)
            for k in members:
                notes += _diagram_notes(
                    _single(net, k), X, y, sample, edges, loss, optimizer, lr, steps
                )
        _note(fig, list(dict.fromkeys(notes)))
    if len(members) == 1:
        what = {"weights": "weights W and biases b", "gradients": "gradients dC/dW, dC/db",
                "update": "update (step) of each parameter"}[edges]  # fmt: skip
        node = f"activations on sample {sample}" if X is not None else "no input given"
        axes[0].set_title(
            f"{what}: blue > 0, orange < 0, width ~ |value|\nnodes: {node}", fontsize=8
        )
    _tight(fig)
    return fig


def _diagram_member(ax, net, k, X, y, sample, edges, loss, optimizer, lr, steps, max_nodes,
                    labels) -> None:  # fmt: skip
    """Member ``k``'s diagram (the network itself when ``k`` is None) on ``ax``."""
    one = _single(net, k)
    if steps is not None and k is not None:
        steps = [{n: np.asarray(v)[k] for n, v in s.items()} for s in steps]
    _draw_network(ax, one, X, y, sample, edges, loss, optimizer, lr, steps, max_nodes, labels)
    if k is not None:
        ax.set_title(f"member {k} of {net.population}", fontsize=8)


def _diagram_notes(net, X, y, sample, edges, loss, optimizer, lr, steps) -> list[str]:
    """What the diagram of ``net`` cannot draw: the overflow behind a node (drawn grey) or
    an edge (drawn at full width) that is not finite."""
    notes = []
    with np.errstate(all="ignore"):
        fwd = net.forward(net.check_inputs(X)[[sample]])
    bad = [l for l, a in enumerate(fwd.a) if not np.isfinite(a).all()]
    if bad:
        notes.append(
            f"X: the activations of sample {sample} overflowed to infinity or NaN from layer "
            f"{bad[0]} on (those nodes are drawn grey); scale X or the weights"
        )
    if edges != "weights" and steps is None and y is not None:
        given = {"loss": loss, "optimizer": optimizer, "lr": lr}
        notes += net.trace(X, y, **{k: v for k, v in given.items() if v is not None}).notes
    return notes


def _draw_network(ax, net, X, y, sample, edges, loss, optimizer, lr, steps, max_nodes, labels):
    sizes = net.sizes
    L = len(sizes) - 1
    acts: list[Array | None] = [None] * (L + 1)
    if X is not None:
        Xa = net.check_inputs(X)
        if isinstance(sample, bool) or not isinstance(sample, int | np.integer):
            raise TypeError(f"sample: expected a row index, got {describe(sample)}")
        if not -Xa.shape[0] <= sample < Xa.shape[0]:
            raise ValueError(f"sample: expected a row {index_range(Xa.shape[0])}, got {sample}")
        fwd = net.forward(Xa[[sample]])
        acts = [np.asarray(a)[0] for a in fwd.a]
    values: list[dict[str, Array]]
    if edges == "weights":
        values = net.params
    elif steps is not None:
        values = steps
    else:
        given = {"loss": loss, "optimizer": optimizer, "lr": lr}
        t = net.trace(X, y, **{k: v for k, v in given.items() if v is not None})
        values = t.gradients if edges == "gradients" else t.steps
    shown = [list(range(n)) if n <= max_nodes else list(range(max_nodes - 1)) for n in sizes]
    height = max(len(s) for s in shown)
    has_bias = any("b" in v for v in values)

    def ypos(i: int, r: int) -> float:
        return (len(shown[i]) - 1) / 2 - r

    bias_y = -(height - 1) / 2 - 1.0
    # the largest finite magnitude (a value that overflowed is drawn at full width, noted)
    finite = [np.abs(a[np.isfinite(a)]) for v in values for a in map(np.asarray, v.values())]
    vmax = max((float(a.max()) for a in finite if a.size), default=0.0) or 1.0
    n_edges = sum(len(shown[i]) * len(shown[i + 1]) for i in range(L))
    if labels is None:
        labels = n_edges <= 24 and height <= 6

    for i in range(L):
        V = np.asarray(values[i]["W"])
        for a_idx, r in enumerate(shown[i]):
            for b_idx, c in enumerate(shown[i + 1]):
                t = 0.5 if len(shown[i + 1]) == 1 else 0.22 + 0.56 * b_idx / (len(shown[i + 1]) - 1)
                _edge(ax, (i, ypos(i, a_idx)), (i + 1, ypos(i + 1, b_idx)), float(V[r, c]), vmax,
                      labels, t=t)  # fmt: skip
        if "b" in values[i]:
            bvals = np.broadcast_to(np.asarray(values[i]["b"]), (1, sizes[i + 1]))[0]
            for b_idx, c in enumerate(shown[i + 1]):
                _edge(ax, (i + 0.35, bias_y), (i + 1, ypos(i + 1, b_idx)), float(bvals[c]), vmax,
                      labels and net.bias == "neuron", dashed=True)  # fmt: skip
            ax.scatter([i + 0.35], [bias_y], marker="s", s=120, c="white", edgecolors="0.3",
                       zorder=3)  # fmt: skip
            label = "b" if net.bias == "neuron" else f"b={_fmt(float(bvals[0]))}"
            ax.annotate(label, (i + 0.35, bias_y), xytext=(0, -11), textcoords="offset points",
                        ha="center", va="top", fontsize=7)  # fmt: skip

    size = max(120.0, 900.0 / max(height / 3, 1))
    # small multiples (a population): keep a node's diameter under 0.6 of the spacing between
    # nodes, so nodes never cover the layer titles above them or each other
    top = (height - 1) / 2 + 1.6
    bottom = (bias_y - 0.7) if has_bias else -(height - 1) / 2 - 0.7
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches() * 72
    per_unit = min(box.height * fig_h / (top - bottom), box.width * fig_w / (L + 0.9))
    size = min(size, (0.6 * per_unit) ** 2)
    for i, rows in enumerate(shown):
        xs = [i] * len(rows)
        ys = [ypos(i, r) for r in range(len(rows))]
        a = acts[i]
        if a is not None:
            name = "input" if i == 0 else net.activations[i - 1].name
            norm = _unit_norm(name, a)
            colours = [_cmap()(norm(a[r])) if np.isfinite(a[r]) else "0.6" for r in rows]
        else:
            colours = ["0.85"] * len(rows)
        ax.scatter(xs, ys, s=size, c=colours, edgecolors="0.2", linewidths=0.8, zorder=4)
        if a is not None and (labels or height <= 8) and size >= 22.0**2:  # text fits a node
            for x0, y0, r in zip(xs, ys, rows, strict=True):
                ax.annotate(_fmt(float(a[r])), (x0, y0), ha="center", va="center",
                            fontsize=6 if height > 4 else 7, zorder=5)  # fmt: skip
        if len(rows) < sizes[i]:
            ax.annotate(f"+{sizes[i] - len(rows)} more", (i, ypos(i, len(rows) - 1) - 0.6),
                        ha="center", va="top", fontsize=7, color="0.3")  # fmt: skip
        kind = "input" if i == 0 else ("output" if i == L else "hidden")
        act = "" if i == 0 else f"\n{net.activations[i - 1].name}"
        ax.annotate(f"layer {i} ({kind}){act}", (i, (height - 1) / 2 + 0.55), ha="center",
                    va="bottom", fontsize=7)  # fmt: skip
    ax.set_xlim(-0.45, L + 0.45)
    ax.set_ylim(bottom, top)
    ax.set_axis_off()


def _edge(ax, p, q, v, vmax, label, dashed=False, t=0.5):
    m = abs(v) / vmax if np.isfinite(v) else 1.0
    colour = POS if v > 0 else NEG
    ax.plot([p[0], q[0]], [p[1], q[1]], color=colour, lw=0.4 + 5.0 * m, alpha=0.35 + 0.6 * m,
            ls="--" if dashed else "-", solid_capstyle="round", zorder=1)  # fmt: skip
    if label:
        # t is staggered by receiving unit, so labels of edges into different units never meet
        ax.annotate(_fmt(v), (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])), ha="center",
                    va="center", fontsize=6, zorder=2,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))  # fmt: skip


# --- decision boundary and hidden-unit maps ----------------------------------------------


def _target_kind(net: Network, y: Array) -> str:
    from glassnet.metrics import is_classification

    if is_classification(y):
        return "binary" if y.shape[1] == 1 else "multiclass"
    return "regression"


def _plane_extent(X: Array) -> grids.Extent:
    """:func:`grids.plane_extent`, refused (naming ``X``) past :data:`PLANE_LIMIT`."""
    extent = grids.plane_extent(X)
    reach = max(abs(v) for v in extent)
    if reach > PLANE_LIMIT:
        raise ValueError(
            f"X: the plane around the data's first two features reaches {reach:.3g}; a "
            f"figure's axes stop at {PLANE_LIMIT:.0e} (beyond, their ticks overflow float64); "
            "scale X (e.g. with glassnet.datasets.Standardizer)"
        )
    return extent


def _draw_output(ax, net, grid: grids.PlaneGrid, X, y, kind: str, points: bool = True):
    from matplotlib.colors import ListedColormap, Normalize

    extent = grid.extent
    out = grid.output
    x0, x1, y0, y1 = extent
    if kind == "binary":
        ax.imshow(out[..., 0], extent=extent, cmap=_cmap(), vmin=0, vmax=1, origin="upper",
                  aspect="auto", interpolation="bilinear", alpha=0.7)  # fmt: skip
        # the cells' centres, where grids.plane_inputs evaluated the network (not their edges)
        xs, ys = grids.centres(x0, x1, grid.res), grids.centres(y0, y1, grid.res)
        if np.nanmin(out) < 0.5 < np.nanmax(out):
            ax.contour(xs, ys, out[::-1, :, 0], levels=[0.5], colors="k", linewidths=1.2)
        if points:
            cls = y[:, 0] > 0.5
            ax.scatter(X[~cls, 0], X[~cls, 1], c=NEG, edgecolors="k", s=22, lw=0.5,
                       label="class 0")  # fmt: skip
            ax.scatter(X[cls, 0], X[cls, 1], c=POS, edgecolors="k", s=22, lw=0.5,
                       label="class 1")  # fmt: skip
    elif kind == "multiclass":
        n = out.shape[-1]
        colours = [f"C{c % 10}" for c in range(n)]
        cm = ListedColormap(colours)
        ax.imshow(out.argmax(axis=-1), extent=extent, cmap=cm, vmin=-0.5, vmax=n - 0.5,
                  origin="upper", aspect="auto", alpha=0.45, interpolation="nearest")  # fmt: skip
        if points:
            ax.scatter(X[:, 0], X[:, 1], c=y.argmax(axis=1), cmap=cm, vmin=-0.5, vmax=n - 0.5,
                       edgecolors="k", s=22, lw=0.5)  # fmt: skip
    else:
        vals = np.concatenate([out[..., 0].ravel(), y[:, 0]])
        vals = vals[np.isfinite(vals)]
        # a colour scale whose width is itself finite (values near 1e308 would overflow it)
        half = np.finfo(float).max / 4
        norm = (
            Normalize(max(float(vals.min()), -half), min(float(vals.max()), half))
            if vals.size
            else None
        )
        im = ax.imshow(out[..., 0], extent=extent, cmap="viridis", norm=norm, origin="upper",
                       aspect="auto", interpolation="bilinear")  # fmt: skip
        if points:
            ax.scatter(X[:, 0], X[:, 1], c=y[:, 0], cmap="viridis", norm=norm, edgecolors="k",
                       s=22, lw=0.5)  # fmt: skip
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.tick_params(labelsize=7)


def _label_boundary(ax, kind: str, L: int, n_out: int, features: Sequence[int] = (0, 1)) -> None:
    """Axis names, a legend of the classes and a colour bar for the output map."""
    from matplotlib.patches import Patch

    def sub(k: int) -> str:  # x_1 .. x_9, x_{10} ..
        return f"$x_{k}$" if k < 10 else f"$x_{{{k}}}$"

    i, j = (f + 1 for f in features)
    ax.set_xlabel(f"{sub(i)} (input {i})", fontsize=8)
    ax.set_ylabel(f"{sub(j)} (input {j})", fontsize=8)
    if kind == "binary":
        bar = ax.figure.colorbar(ax.images[0], ax=ax, fraction=0.046, pad=0.02)
        bar.set_label(f"$a^{{({L})}}$ (output)", fontsize=7)
        bar.ax.tick_params(labelsize=6)
        _legend_below(ax, ax.get_legend_handles_labels()[0])
    elif kind == "multiclass":
        handles = [Patch(facecolor=f"C{c % 10}", alpha=0.6, edgecolor="k", lw=0.5,
                         label=f"class {c}") for c in range(n_out)]  # fmt: skip
        _legend_below(ax, handles)


def _legend_below(ax: Axes, handles: list[Any]) -> None:
    """The classes' legend under the axis label, outside the plot: inside it, a corner legend
    covers the data there (XOR has a point in every corner)."""
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=min(len(handles), 5), fontsize=6, frameon=False,
              borderaxespad=0.0, handletextpad=0.3, columnspacing=1.0)  # fmt: skip


@known_keywords
def decision_boundary(
    net: Network,
    X: Any,
    y: Any,
    *,
    member: Any = None,
    units: bool = True,
    res: int = 80,
    unit_res: int = 32,
    max_units: int = 8,
    fill: Sequence[float] | None = None,
    features: Sequence[int] = (0, 1),
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    r"""The output over the plane of two inputs (the first two unless ``features`` says
    which), with the data; and every hidden unit's own map (TensorFlow Playground style).

    Binary targets: ``a^(L)`` in (0, 1), orange to blue, the boundary ``a^(L) = 0.5`` in black.
    One-hot targets: the ``argmax`` class. Real targets: the regression surface with a colour
    bar. With more than two inputs, the others are held at ``fill`` (default: their mean),
    and the title says which inputs span the plane and that the others are held.

    The small maps show ``a^(l)_j`` for every hidden layer ``l`` (rows) and unit ``j``
    (columns, at most ``max_units``), on the activation's own scale.

    Parameters
    ----------
    net : Network
    X : array (n_samples, d), d >= 2
    y : array (n_samples, n_out)
    member : int, list of int or "all", optional
        For a population; a list draws small multiples of the output (no unit maps).
    units : bool
        Draw the hidden-unit maps.
    res, unit_res : int
        Grid cells per side for the output and for the unit maps.
    max_units : int
    fill : sequence of float, optional
        Values of the other inputs, in their order.
    features : (int, int)
        The two inputs (0-based) on the plane's x and y axes.
    figsize : (width, height), optional
        Default: 4 x 4 inches plus 0.9 inch per unit-map column.
    dpi : float
    """
    from matplotlib.gridspec import GridSpec

    units = check(units, "units", Boolean())  # "yes" and "no" both drew the units
    Xa = net.check_inputs(X)
    if Xa.shape[1] < 2:
        raise ValueError(
            f"X: the decision boundary needs at least 2 input features, got {Xa.shape[1]}"
        )
    ya = np.asarray(y, dtype=float)
    if ya.ndim != 2 or ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"y: expected shape ({Xa.shape[0]}, n_out), got {ya.shape}")
    max_units = positive_int(max_units, "max_units")
    pair = grids.check_features(features, Xa.shape[1])
    kind = _target_kind(net, ya)
    members = _member_list(net.population, member)
    Xp = Xa[:, list(pair)]  # the data on the plane: its two features, as x and y
    extent = _plane_extent(Xp)
    n_hidden = len(net.sizes) - 2
    show_units = units and n_hidden > 0 and len(members) == 1
    cols = min(max(net.sizes[1:-1], default=0), max_units) if show_units else 0
    if figsize is None:
        if len(members) > 1:
            c = math.ceil(math.sqrt(len(members)))
            figsize = (2.6 * c, 2.6 * math.ceil(len(members) / c))
        else:
            figsize = (4.2 + 0.95 * cols, max(4.0, 0.95 * n_hidden + 0.6) if show_units else 4.0)
    fig = _figure(figsize, dpi)

    if len(members) > 1:
        grid = grids.plane_grid(net, Xa, extent=extent, res=res, fill=fill, features=pair)
        for ax, k in zip(_grid_axes(fig, len(members)), members, strict=True):
            member_grid = grids.PlaneGrid(
                grid.extent, grid.res, grid.fill, [a[k] for a in grid.layers], pair
            )
            _draw_output(ax, net, member_grid, Xp, ya, kind)
            ax.set_title(f"member {k}", fontsize=8)
        _tight(fig)
        _note(fig, _grid_notes(grid, "the members' planes"))
        return fig

    one = _single(net, members[0])
    grid = grids.plane_grid(one, Xa, extent=extent, res=res, fill=fill, features=pair)
    if show_units:
        outer = GridSpec(1, 2, figure=fig, width_ratios=[4.0, 0.95 * cols], wspace=0.3)
        gs = outer[0, 1].subgridspec(n_hidden, cols, wspace=0.08, hspace=0.35)
        main = fig.add_subplot(outer[0, 0])
    else:
        main = fig.add_subplot(1, 1, 1)
    _draw_output(main, one, grid, Xp, ya, kind)
    title = {"binary": f"output $a^{{({len(net.sizes) - 1})}}$ (black line: 0.5)",
             "multiclass": "predicted class (argmax of the output)",
             "regression": "output (regression surface)"}[kind]  # fmt: skip
    if members[0] is not None:
        title += f", member {members[0]}"
    d = Xa.shape[1]
    if d > 2:
        others = [k + 1 for k in range(d) if k not in pair]
        held = ", ".join(f"{v:.3g}" for v in grid.fill)
        name = f"feature {others[0]}" if d == 3 else f"the other {d - 2} features"
        title += (
            f"\n{name} held at {held}" if len(grid.fill) <= 4 else f"\n{name} held at their mean"
        )
    main.set_title(title, fontsize=8)
    _label_boundary(main, kind, len(net.sizes) - 1, ya.shape[1], pair)
    if show_units:
        with _renamed("res", "unit_res"):  # the units' maps are unit_res's, not res's
            ugrid = grids.plane_grid(one, Xa, extent=extent, res=unit_res, fill=fill, features=pair)
        for l in range(1, n_hidden + 1):
            a = ugrid.layers[l - 1]
            name = one.activations[l - 1].name
            norm = _unit_norm(name, a)
            for j in range(min(a.shape[-1], cols)):
                ax = fig.add_subplot(gs[l - 1, j])
                ax.imshow(a[..., j], extent=ugrid.extent, cmap=_cmap(), norm=norm,
                          origin="upper", aspect="auto", interpolation="bilinear")  # fmt: skip
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_box_aspect(1)
                ax.set_title(f"$a^{{({l})}}_{{{j + 1}}}$", fontsize=7, pad=2)
                if j == 0:
                    ax.set_ylabel(f"layer {l}\n{name}", fontsize=6)
            if a.shape[-1] > cols:
                ax.annotate(f"+{a.shape[-1] - cols}", (1.02, 0.5), xycoords="axes fraction",
                            fontsize=6, va="center")  # fmt: skip
        fig.subplots_adjust(left=0.08, right=0.97, top=0.9, bottom=0.2)  # the legend below
    else:
        _tight(fig)
    _note(fig, _grid_notes(grid))
    return fig


# --- recording parameters during training ------------------------------------------------


@known_keywords
class ParamRecorder(Callback):
    """A callback that keeps the parameters every ``stride`` epochs.

    Records the parameters before training (``epochs[0] = 0``) and after every ``stride``-th
    epoch (``epochs`` counts the updates made: after epoch ``e`` it is ``e + 1``), and after
    the last epoch when ``last`` is true. With ``epochs=E`` and ``stride=s`` that is
    ``1 + E // s`` frames (plus one when ``E`` is not a multiple of ``s`` and ``last``).

    Attributes
    ----------
    frames : list of list of dict
        Copies of ``net.params``.
    epochs : list of int
    history : History
        The training record (filled in as training runs).
    """

    def __init__(self, stride: int = 1, last: bool = True) -> None:
        self.stride = positive_int(stride, "stride")
        last = check(last, "last", Boolean())
        self.most = MAX_RECORDED
        self.last = last
        self.frames: list[list[dict[str, Array]]] = []
        self.epochs: list[int] = []
        self.history: History | None = None
        self.net: Network | None = None

    def _keep(self, net: Network, epoch: int) -> None:
        self.frames.append([{k: np.array(v) for k, v in layer.items()} for layer in net.params])
        self.epochs.append(epoch)

    @known_keywords
    def on_train_begin(self, net: Network, history: History) -> None:
        # the frames this run will keep, refused before the first epoch (the record holds one
        # loss per planned epoch)
        planned = int(np.shape(history.loss)[-1]) if np.ndim(history.loss) else 0
        frames = len(self.frames) + (not self.frames) + planned // self.stride + int(self.last)
        need = frames * sum(int(np.size(v)) for layer in net.params for v in layer.values()) * 8
        if frames > self.most or need > MAX_PARAMETER_BYTES:
            raise ValueError(
                f"stride: {planned} epochs at stride {self.stride} keep {frames} copies of the "
                f"parameters, more than {self.most} (glassnet.plots.MAX_RECORDED, and at most "
                f"{MAX_PARAMETER_BYTES / 2**30:.3g} GiB); expected stride >= "
                f"{-(-planned // max(self.most - 2, 1))} or fewer epochs"
            )
        self.net, self.history = net, history
        if not self.frames:
            self._keep(net, 0)

    @known_keywords
    def on_epoch_end(self, epoch: int, history: History, net: Network) -> None:
        if (epoch + 1) % self.stride == 0:
            self._keep(net, epoch + 1)

    @known_keywords
    def on_train_end(self, net: Network, history: History) -> None:
        self.history = history
        if self.last and self.epochs[-1] != history.epochs_run:
            self._keep(net, history.epochs_run)

    def last_update(self) -> list[dict[str, Array]]:
        """The change of every parameter between the last two frames, shaped like the params.

        With ``stride=1`` this is the optimizer's last update (draw it with
        ``network_diagram(net, steps=rec.last_update(), edges="update")``).
        """
        if len(self.frames) < 2:
            raise ValueError("last_update: needs at least two recorded frames (train first)")
        a, b = self.frames[-2], self.frames[-1]
        return [{k: lb[k] - la[k] for k in lb} for la, lb in zip(a, b, strict=True)]

    @property
    def path(self) -> Array:
        """The flat parameters of every frame: ``(T, n_params)`` or ``(T, P, n_params)``."""
        if not self.frames:
            raise ValueError("path: nothing recorded yet (pass the recorder to fit's callbacks)")
        return np.stack([grids.flatten(f) for f in self.frames])


# --- training animation ---------------------------------------------------------------------


MAX_FPS = {".gif": 50.0, ".mp4": 1000.0}
"""The fastest frame rate of an animation, by file type: a GIF's frame delays are whole
hundredths of a second, and viewers show a delay under 0.02 s as 0.1 s (10 fps)."""


def check_fps(fps: Any, ext: str, argument: str = "fps") -> float:
    """``fps`` as a float if an animation written as ``ext`` (``".gif"``, ``".mp4"``) can
    play at that rate; a ValueError naming ``argument`` otherwise."""
    top = MAX_FPS.get(ext, MAX_FPS[".gif"])
    try:
        return float(check(fps, argument, Interval(float, 0.1, top)))
    except ValueError as e:
        if ext != ".gif" or not fps > top:
            raise
        raise ValueError(
            f"{e} (a GIF's frame delays are whole hundredths of a second, and viewers play "
            "delays under 0.02 s at 10 fps; an .mp4 takes up to 1000)"
        ) from None


def check_frames(epochs: Any, stride: Any) -> int:
    """The frames of an animation of ``epochs`` epochs, a frame every ``stride`` (``1 +
    ceil(epochs / stride)``), refused beyond :data:`MAX_FRAMES` before any training: a
    ValueError naming ``epochs``."""
    epochs = positive_int(epochs, "epochs")
    stride = positive_int(stride, "stride")
    frames = 1 + -(-epochs // stride)
    if frames > MAX_FRAMES:
        raise ValueError(
            f"epochs: {epochs} epochs at a frame every {stride} make {frames} frames, more "
            f"than an animation may have ({MAX_FRAMES}, glassnet.plots.MAX_FRAMES); expected "
            f"a stride >= {-(-epochs // (MAX_FRAMES - 1))} or fewer epochs"
        )
    return frames


@known_keywords
def render_animation(
    recorder: ParamRecorder,
    X: Any,
    y: Any,
    path: str | os.PathLike[str],
    *,
    net: Network | None = None,
    member: int | None = None,
    fps: float = 6,
    res: int = 50,
    max_weights: int = 40,
    figsize: tuple[float, float] = (10.0, 3.4),
    dpi: float = 80,
) -> str:
    r"""Write the recorded training as an animation: GIF (Pillow), or MP4 when ``path`` ends in
    ``.mp4`` (needs ffmpeg on PATH).

    Each frame shows, after ``t`` updates: the decision boundary (the output over the input
    plane, 2-D data; otherwise each sample's output against its target), the loss curve up
    to ``t`` and every weight's trajectory up to ``t``. One frame per recorded parameter set.

    Returns
    -------
    str
        The path written.
    """
    from matplotlib import animation

    if not recorder.frames or recorder.net is None:
        raise ValueError("recorder: nothing recorded (pass it to fit's callbacks first)")
    if len(recorder.frames) > MAX_FRAMES:
        raise ValueError(
            f"recorder: {len(recorder.frames)} recorded frames, more than an animation may have "
            f"({MAX_FRAMES}, glassnet.plots.MAX_FRAMES); record with a larger stride"
        )
    net = net if net is not None else recorder.net
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    check_fps(fps, ext)
    if ext == ".mp4":
        if shutil.which("ffmpeg") is None:
            raise ValueError(f"path: writing {path} (MP4) needs ffmpeg on PATH; use a .gif path")
        writer: Any = animation.FFMpegWriter(fps=fps)  # type: ignore[arg-type]  # takes floats
    elif ext == ".gif":
        writer = animation.PillowWriter(fps=fps)  # type: ignore[arg-type]
    else:
        raise ValueError(f"path: expected a .gif or .mp4 file name, got {path!r}")
    (k,) = _member_list(net.population, member)
    frames = recorder.frames
    if k is not None:
        frames = [[{n: v[k] for n, v in layer.items()} for layer in f] for f in frames]
    work = net.member(k) if k is not None else net.copy()
    Xa = work.check_inputs(X)
    ya = np.asarray(y, dtype=float)
    hist = recorder.history
    loss_name = hist.settings.get("loss", "mse") if hist is not None else "mse"
    kind = _target_kind(work, ya)
    plane = Xa.shape[1] >= 2
    extent = _plane_extent(Xa) if plane else None

    # everything the frames need, computed once
    costs, weights = [], []
    with warnings.catch_warnings():  # said once for the whole animation, below
        warnings.simplefilter("ignore", NonFiniteWarning)
        for f in frames:
            for layer, src in zip(work.params, f, strict=True):
                for n in layer:
                    layer[n][...] = src[n]
            costs.append(float(work.loss(Xa, ya, loss_name)))
            weights.append(np.concatenate([layer["W"].ravel() for layer in f]))
    bad_frames = [int(epochs) for epochs, c in zip(recorder.epochs, costs, strict=True)
                  if not math.isfinite(c)]  # fmt: skip
    W = np.stack(weights)  # (T, n_weights)
    owner = np.concatenate([np.full(layer["W"].size, l) for l, layer in enumerate(frames[0])])
    pick = np.linspace(0, W.shape[1] - 1, min(W.shape[1], max_weights)).round().astype(int)
    pick = np.unique(pick)
    epochs = np.asarray(recorder.epochs)
    full_loss = None
    if hist is not None:
        full_loss = np.asarray(hist.loss if k is None else hist.loss[k], dtype=float)

    if plane:  # its bounds checked now: an error inside the writer would be masked by it
        grids.plane_grid(work, Xa, extent=extent, res=res)
    fig = _figure(figsize, dpi)
    ax_b, ax_l, ax_w = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
    notes = []
    if bad_frames:
        notes.append(
            f"the cost overflowed to infinity or NaN in {len(bad_frames)} of {len(costs)} "
            f"frames (the first after {bad_frames[0]} updates; not drawn on the loss curve)"
        )
    with atomic_path(path, suffix=ext) as tmp, writer.saving(fig, os.fspath(tmp), dpi):
        for t, f in enumerate(frames):
            for layer, src in zip(work.params, f, strict=True):
                for n in layer:
                    layer[n][...] = src[n]
            for ax in (ax_b, ax_l, ax_w):
                ax.clear()
            if plane:
                grid = grids.plane_grid(work, Xa, extent=extent, res=res)
                _draw_output(ax_b, work, grid, Xa, ya, kind) if kind != "regression" else (
                    _draw_regression_frame(ax_b, grid, Xa, ya)
                )
                ax_b.set_title(f"after {epochs[t]} updates", fontsize=9)
            else:
                out = work.predict(Xa)[:, 0]
                ax_b.scatter(ya[:, 0], out, s=10, c=POS)
                lo, hi = float(min(ya.min(), out.min())), float(max(ya.max(), out.max()))
                ax_b.plot([lo, hi], [lo, hi], color="0.5", lw=0.8)
                ax_b.set_xlabel("target", fontsize=8)
                ax_b.set_ylabel("output", fontsize=8)
                ax_b.set_title(f"after {epochs[t]} updates", fontsize=9)
            if full_loss is not None and full_loss.size:
                ax_l.plot(np.arange(full_loss.size), full_loss, color="0.8", lw=1)
            ax_l.plot(epochs[: t + 1], costs[: t + 1], color=POS, lw=1.5, marker="o", ms=3)
            ax_l.set_yscale("log" if min(costs) > 0 else "linear")
            ax_l.set_title(f"loss ({loss_name}) = {costs[t]:.4g}", fontsize=9)
            ax_l.set_xlabel("epoch", fontsize=8)
            ax_l.set_xlim(0, max(int(epochs[-1]), 1))
            for j in pick:
                ax_w.plot(epochs[: t + 1], W[: t + 1, j], color=LAYER_COLOURS[owner[j] % 6], lw=0.9)
            for l in range(len(frames[0])):
                ax_w.plot([], [], color=LAYER_COLOURS[l % 6], label=f"$W^{{({l + 1})}}$")
            ax_w.legend(fontsize=6, loc="upper left")
            ax_w.set_xlim(0, max(int(epochs[-1]), 1))
            lim = float(np.nanmax(np.abs(W[:, pick]))) if np.isfinite(W).any() else 1.0
            ax_w.set_ylim(-1.05 * lim, 1.05 * lim)
            ax_w.set_title("every weight over the epochs", fontsize=9)
            ax_w.set_xlabel("epoch", fontsize=8)
            for ax in (ax_b, ax_l, ax_w):
                ax.tick_params(labelsize=7)
            if t == 0:
                _tight(fig)
                _note(fig, notes)
            writer.grab_frame()
    return path


def _draw_regression_frame(ax, grid, X, y):
    from matplotlib.colors import Normalize

    vals = np.concatenate([grid.output[..., 0].ravel(), y[:, 0]])
    norm = Normalize(float(np.nanmin(vals)), float(np.nanmax(vals)))
    ax.imshow(grid.output[..., 0], extent=grid.extent, cmap="viridis", norm=norm, origin="upper",
              aspect="auto")  # fmt: skip
    ax.scatter(X[:, 0], X[:, 1], c=y[:, 0], cmap="viridis", norm=norm, edgecolors="k", s=18, lw=0.5)


def animate_training(
    net: Network,
    X: Any,
    y: Any,
    path: str | os.PathLike[str],
    *,
    epochs: int = 100,
    stride: int = 5,
    fps: float = 6,
    member: int | None = None,
    res: int = 50,
    figsize: tuple[float, float] = (10.0, 3.4),
    dpi: float = 80,
    callbacks: Sequence[Callback] = (),
    **fit_kwargs: Any,
) -> History:
    r"""Train ``net`` (in place) while recording a frame every ``stride`` epochs, then write the
    animation to ``path`` (see :func:`render_animation`).

    With ``epochs = E`` the animation has ``1 + ceil(E / stride)`` frames: the start, every
    ``stride``-th epoch, and the end. Other keyword arguments go to
    :func:`glassnet.training.fit`.

    Returns
    -------
    History
    """
    check_frames(epochs, stride)
    rec = ParamRecorder(stride)
    hist = net.fit(X, y, epochs=epochs, callbacks=[*callbacks, rec], **fit_kwargs)
    render_animation(rec, X, y, path, net=net, member=member, fps=fps, res=res, figsize=figsize,
                     dpi=dpi)  # fmt: skip
    return hist


# --- loss landscape -------------------------------------------------------------------------

LANDSCAPE_KINDS = ("both", "1d", "2d")


def _path_array(path: Any, k: int | None) -> Array | None:
    if path is None:
        return None
    P = path.path if isinstance(path, ParamRecorder) else np.asarray(path, dtype=float)
    if P.ndim == 3:
        if k is None:
            raise ValueError("path: a population's path needs the network's population too")
        P = P[:, k]
    return P


@known_keywords
def loss_landscape(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str = "mse",
    path: Any = None,
    kind: str = "both",
    directions: str = "random",
    span: float | None = None,
    res: int = 31,
    seed: int = 0,
    member: Any = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    r"""The cost around the network's (trained) parameters, with the optimizer's path.

    ``C(theta + alpha d1)`` (1-D slice) and ``C(theta + alpha d1 + beta d2)`` (2-D slice), along
    filter-normalized random directions (``directions="random"``) or the two principal
    directions of the recorded path (``"pca"``, the plane where the path is best seen); the
    path (a :class:`ParamRecorder` or an array ``(T, n_params)``) is projected on them, shown
    on the 1-D slice at its true cost. See :func:`glassnet.grids.loss_surface`.

    Parameters
    ----------
    net : Network
    X, y : arrays
    loss : str
    path : ParamRecorder or array, optional
    kind : {"both", "1d", "2d"}
    directions : {"random", "pca"}
    span : float, optional
    res : int
    seed : int
    member : int, list of int or "all", optional
        For a population; a list draws small multiples of the 2-D slice.
    figsize, dpi
    """
    if kind not in LANDSCAPE_KINDS:
        raise ValueError(f"kind: expected one of {', '.join(LANDSCAPE_KINDS)}, got {kind!r}")
    # as grids.loss_surface checks it, before max(res, 41) compared a string ("'>' not
    # supported between instances of 'int' and 'str'")
    res = check(res, "res", Interval(int, 2, None))
    members = _member_list(net.population, member)
    if len(members) > 1:
        c = math.ceil(math.sqrt(len(members)))
        fig = _figure(figsize or (3.0 * c, 2.7 * math.ceil(len(members) / c)), dpi)
        surfaces: list[grids.LossSurface] = []
        for ax, k in zip(_grid_axes(fig, len(members)), members, strict=True):
            one = _single(net, k)
            s = grids.loss_surface(one, X, y, loss=loss, dims=2, directions=directions,
                                   path=_path_array(path, k), span=span, res=res, seed=seed)  # fmt: skip
            _draw_landscape_2d(ax, s, colorbar=False)
            ax.set_title(f"member {k}", fontsize=8)
            surfaces.append(s)
        _tight(fig)
        _note(fig, _landscape_notes(surfaces))
        return fig
    k = members[0]
    one = _single(net, k)
    P = _path_array(path, k)
    n_ax = 2 if kind == "both" else 1
    fig = _figure(figsize or (5.0 * n_ax, 4.0), dpi)
    axes = [fig.add_subplot(1, n_ax, i + 1) for i in range(n_ax)]
    what = "filter-normalized random" if directions == "random" else "PCA-of-the-path"
    s1 = s2 = None
    if kind in ("both", "1d"):
        s1 = grids.loss_surface(one, X, y, loss=loss, dims=1, directions=directions, path=P,
                                span=span, res=max(res, 41), seed=seed)  # fmt: skip
        times = np.asarray(path.epochs) if isinstance(path, ParamRecorder) else None
        _draw_landscape_1d(axes[0], s1, times)
        axes[0].set_title(f"1-D slice along a {what} direction", fontsize=9)
    if kind in ("both", "2d"):
        s2 = grids.loss_surface(one, X, y, loss=loss, dims=2, directions=directions, path=P,
                                span=span, res=res, seed=seed)  # fmt: skip
        ax = axes[-1]
        _draw_landscape_2d(ax, s2)
        extra = ""
        if s2.explained is not None:
            extra = f" ({100 * s2.explained[0]:.0f}% + {100 * s2.explained[1]:.0f}% of the path)"
        ax.set_title(f"2-D slice, {what} directions{extra}", fontsize=9)
    if k is not None:
        fig.suptitle(f"member {k} of {net.population}", fontsize=9)
    _tight(fig)
    surfaces = [sf for sf in (s1, s2) if sf is not None]
    _note(fig, _landscape_notes(surfaces))
    return fig


def _landscape_notes(surfaces: Sequence[grids.LossSurface]) -> list[str]:
    bad, total = _nonfinite_share([sf.loss for sf in surfaces])
    if not bad:
        return []
    return [
        f"span: the cost overflowed to infinity or NaN at {bad} of {total} points of the "
        "slice (left blank): the weights there are too large for the data; a smaller span "
        "shows the finite part"
    ]


def _draw_landscape_1d(ax, s: grids.LossSurface, times: Array | None = None) -> None:
    positive = bool(np.all(s.loss[np.isfinite(s.loss)] > 0))
    ax.plot(s.alphas, s.loss, color="0.2", lw=1.5, label="C(theta + alpha d)")
    ax.axvline(0, color="0.6", lw=0.8, ls=":")
    if s.path is not None and s.path_loss is not None:
        t = np.arange(len(s.path)) if times is None else times
        ax.plot(s.path[:, 0], s.path_loss, color=NEG, lw=0.8, alpha=0.7)
        sc = ax.scatter(s.path[:, 0], s.path_loss, c=t, cmap="viridis", s=14, zorder=3,
                        label="optimizer path (true cost)")  # fmt: skip
        cb = ax.figure.colorbar(sc, ax=ax, fraction=0.046, pad=0.02)
        cb.set_label("frame" if times is None else "epoch", fontsize=7)
        cb.ax.tick_params(labelsize=6)
    if positive:
        ax.set_yscale("log")
    ax.set_xlabel("alpha (distance along d, 0 = these weights)", fontsize=8)
    ax.set_ylabel("cost", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper center")


def _draw_landscape_2d(ax, s: grids.LossSurface, colorbar: bool = True) -> None:
    Z = np.asarray(s.loss, dtype=float)
    finite = Z[np.isfinite(Z)]
    positive = finite.size and bool((finite > 0).all())
    if positive:
        Z = np.log10(Z)
    cs = ax.contourf(s.alphas, s.betas, Z, levels=24, cmap="viridis")
    ax.contour(s.alphas, s.betas, Z, levels=12, colors="white", linewidths=0.4, alpha=0.5)
    if colorbar:
        cb = ax.figure.colorbar(cs, ax=ax, fraction=0.046, pad=0.02)
        cb.set_label("log10 cost" if positive else "cost", fontsize=7)
        cb.ax.tick_params(labelsize=6)
    ax.plot([0], [0], marker="*", ms=11, color="white", mec="k", zorder=4, label="these weights")
    if s.path is not None:
        ax.plot(s.path[:, 0], s.path[:, 1], color=NEG, lw=1.2, marker="o", ms=2.5, zorder=3,
                label="optimizer path")  # fmt: skip
        ax.plot(s.path[0, 0], s.path[0, 1], marker="o", ms=6, color="white", mec=NEG, zorder=4,
                label="start")  # fmt: skip
        ax.legend(fontsize=6, loc="upper right")
    ax.set_xlabel("alpha (d1)", fontsize=8)
    ax.set_ylabel("beta (d2)", fontsize=8)
    ax.tick_params(labelsize=7)


# --- curves from a History --------------------------------------------------------------------

_LOG_STATS = ("grad_norm", "weight_norm", "update_ratio")


def _history_members(history: History, member: Any) -> list[int | None]:
    return _member_list(history.population, member)


def _draw_gradient_flow(ax, history: History, stat: str, k: int | None) -> None:
    from matplotlib import colormaps

    values = np.asarray(history.layer_stats[stat], dtype=float)
    if k is not None:
        values = values[k]
    epochs = np.asarray(history.stats_epochs)
    L = values.shape[-1]
    cmap = colormaps["viridis"]
    log = stat in _LOG_STATS
    for l in range(L):
        v = values[:, l].copy()
        if log:
            v[v <= 0] = np.nan
        role = "output" if l == L - 1 else ("first hidden" if l == 0 else "hidden")
        ax.plot(epochs, v, color=cmap(l / max(L - 1, 1) * 0.9), lw=1.5, marker="o", ms=2.5,
                label=f"layer {l + 1} ({role})")  # fmt: skip
    if log and np.isfinite(values[values > 0]).any():
        ax.set_yscale("log")
    if log and (values == 0).any():
        # a log axis cannot show 0, the value a dead layer leaves: mark those epochs along the
        # bottom edge instead of letting the lines just stop
        shown = False
        for l in range(L):
            zero = values[:, l] == 0
            if zero.any():
                ax.plot(epochs[zero], np.full(int(zero.sum()), 0.03), ls="none", marker="x",
                        ms=4, color=cmap(l / max(L - 1, 1) * 0.9),
                        transform=ax.get_xaxis_transform(), clip_on=False,
                        label=None if shown else "exactly 0 (drawn at the bottom)")  # fmt: skip
                shown = True
    ax.set_xlabel("epoch", fontsize=8)
    ax.tick_params(labelsize=7)


@known_keywords
def gradient_flow(
    history: History,
    *,
    stat: str = "grad_norm",
    member: Any = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    r"""Per-layer statistics over epochs, from ``History.layer_stats``: by default the gradient
    norm ``||dC/dW^(l)||`` of every layer on a log scale -- the vanishing-gradient picture
    (layers near the input get much smaller gradients than the output layer).

    Parameters
    ----------
    history : History
        From ``fit(..., stats_every=k)`` (``k >= 1``).
    stat : {"grad_norm", "weight_norm", "update_ratio", "saturated", "dead_relu"}
    member : int, list of int or "all", optional
    figsize, dpi
    """
    _check_history(history)
    from glassnet.training import LAYER_STATS

    if stat not in LAYER_STATS:
        raise ValueError(f"stat: expected one of {', '.join(LAYER_STATS)}, got {stat!r}")
    if not history.layer_stats or np.size(history.stats_epochs) == 0:
        raise ValueError(
            "history: no per-layer statistics were recorded; train with stats_every >= 1"
        )
    members = _history_members(history, member)
    label = {"grad_norm": "||dC/dW|| per layer", "weight_norm": "||W|| per layer",
             "update_ratio": "||step W|| / ||W||", "saturated": "fraction of saturated units",
             "dead_relu": "fraction of dead ReLU units"}[stat]  # fmt: skip
    if len(members) > 1:
        c = math.ceil(math.sqrt(len(members)))
        fig = _figure(figsize or (3.0 * c, 2.5 * math.ceil(len(members) / c)), dpi)
        axes = _grid_axes(fig, len(members))
        for ax, k in zip(axes, members, strict=True):
            _draw_gradient_flow(ax, history, stat, k)
            ax.set_title(f"member {k}", fontsize=8)
        axes[0].legend(fontsize=6)
        fig.suptitle(label, fontsize=9)
        _tight(fig)
        _note(fig, _history_notes(history), warn=False)
        return fig
    fig = _figure(figsize or (6.0, 4.0), dpi)
    ax = fig.add_subplot(1, 1, 1)
    _draw_gradient_flow(ax, history, stat, members[0])
    ax.set_ylabel(label, fontsize=8)
    title = f"{label} over training"
    if members[0] is not None:
        title += f" (member {members[0]} of {history.population})"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    _tight(fig)
    _note(fig, _history_notes(history, members[0]), warn=False)
    return fig


def _draw_loss(ax, history: History, k: int | None, log: bool) -> None:
    loss = np.asarray(history.loss, dtype=float)
    name = history.settings.get("loss", "loss")
    epochs = np.arange(loss.shape[-1])
    if loss.ndim == 2 and k is None:
        # the median is over every member; the thin lines are at most MAX_CURVES of them,
        # evenly spread (a line per member of 100,000 would take minutes and show nothing)
        shown = np.unique(np.linspace(0, len(loss) - 1, min(len(loss), MAX_CURVES)).astype(int))
        for row in loss[shown]:
            ax.plot(epochs, row, color=POS, lw=0.6, alpha=max(0.05, min(0.5, 8 / len(shown))))
        with warnings.catch_warnings():  # an epoch where every member is NaN: no median
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(loss, axis=0)
        label = (
            "median"
            if len(shown) == len(loss)
            else (f"median ({len(shown)} of {len(loss)} members drawn)")
        )
        ax.plot(epochs, median, color="k", lw=1.5, label=label)
    else:
        curve = loss if k is None else loss[k]
        ax.plot(epochs, curve, color=POS, lw=1.5, label=f"training ({name})")
        if history.val_loss is not None:
            val = np.asarray(history.val_loss if k is None else history.val_loss[k])
            ax.plot(epochs, val, color=NEG, lw=1.2, label="validation")
    finite = loss[np.isfinite(loss)]
    if log and finite.size and (finite > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel(f"cost ({name})", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7)


@known_keywords
def loss_curve(
    history: History,
    *,
    member: Any = "all",
    log: bool = True,
    figsize: tuple[float, float] = (6.0, 4.0),
    dpi: float = 100,
) -> Figure:
    r"""The training (and validation) cost per epoch, before each epoch's step.

    For a population, ``member="all"`` (the default) draws every member thinly with the median
    in black; an index draws that member alone.
    """
    _check_history(history)
    log = check(log, "log", Boolean())  # "no" was a log scale
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot(1, 1, 1)
    if history.population is None or member == "all":
        k = None
        if history.population is None and member not in ("all", None, 0):
            raise ValueError(f"member: this History is of a single network, got {member!r}")
    else:
        (k,) = _member_list(history.population, member)
    _draw_loss(ax, history, k, log)
    title = "loss per epoch"
    if history.population is not None:
        title += f" ({history.population} members)" if k is None else f" (member {k})"
    ax.set_title(title, fontsize=9)
    _tight(fig)
    _note(fig, _history_notes(history, k), warn=False)  # fit has warned already
    return fig


@known_keywords
def history_figure(
    history: History, *, figsize: tuple[float, float] | None = None, dpi: float = 80
) -> Figure:
    """The loss curve, and the gradient flow when per-layer statistics were recorded."""
    _check_history(history)
    has_stats = bool(history.layer_stats) and np.size(history.stats_epochs) > 0
    fig = _figure(figsize or ((9.0, 3.4) if has_stats else (5.0, 3.4)), dpi)
    ax = fig.add_subplot(1, 2 if has_stats else 1, 1)
    _draw_loss(ax, history, None, True)
    ax.set_title("loss per epoch", fontsize=9)
    if has_stats:
        ax2 = fig.add_subplot(1, 2, 2)
        k = None if history.population is None else 0
        _draw_gradient_flow(ax2, history, "grad_norm", k)
        ax2.set_title("||dC/dW|| per layer" + ("" if k is None else " (member 0)"), fontsize=9)
        ax2.legend(fontsize=6)
    _tight(fig)
    _note(fig, _history_notes(history), warn=False)
    return fig


# --- Jupyter ----------------------------------------------------------------------------------


def network_png(net: Network, **kwargs: Any) -> bytes:
    """The network diagram as PNG bytes (the image of :func:`network_html`)."""
    kwargs.setdefault("figsize", (5.0, 3.2))
    kwargs.setdefault("dpi", 80)
    return to_png(network_diagram(net, **kwargs))


def history_png(history: History, **kwargs: Any) -> bytes:
    """The loss curve (and gradient flow) as PNG bytes (the image of a History's Jupyter
    display, :func:`glassnet.display.history_html`)."""
    return to_png(history_figure(history, **kwargs))


def _img(png: bytes) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'


@known_keywords
def network_html(net: Network) -> str:
    """An HTML summary: architecture, a table of the layers, and the diagram."""
    rows = []
    for layer in net.layers:
        W = np.asarray(layer.W)
        rows.append(
            f"<tr><td>{layer.index + 1}</td><td>{layer.n_in} &rarr; {layer.n_out}</td>"
            f"<td>{html.escape(layer.activation.name)}</td>"
            f"<td>{'x'.join(map(str, W.shape))}</td>"
            f"<td>{float(np.sqrt((W * W).sum() / (net.population or 1))):.3g}</td></tr>"
        )
    pop = "" if net.population is None else f", population of {net.population}"
    return (
        f"<div><b>{html.escape(repr(net))}</b><br/>{net.n_params} parameters{pop}, "
        f"bias {html.escape(net.bias)}, init {html.escape(net.init.name)}"
        "<table><tr><th>layer</th><th>units</th><th>activation</th><th>W shape</th>"
        "<th>||W||</th></tr>" + "".join(rows) + "</table>" + _img(network_png(net)) + "</div>"
    )


# --- the chain rule, one scalar at a time (issue 15, the docs member's) ---------------------

CHAIN_COLOURS = {"input": "#dbe9f6", "weight": "#fde3c8", "bias": "#fde3c8", "target": "#eeeeee",
                 "product": "white", "sum": "white", "activation": "#e3f1df", "loss": "#f6d5d5"}  # fmt: skip


def _math_label(label: str) -> str:
    """``W^(1)_12`` as mathtext, ``$W^{(1)}_{12}$``."""
    import re

    label = re.sub(r"(\w)\^\((\d+)\)_(\d+)", r"$\1^{(\2)}_{\3}$", label)
    label = re.sub(r"(\w)\^\((\d+)\)(?![_}])", r"$\1^{(\2)}$", label)
    return re.sub(r"^(x|y)_(\d+)$", r"$\1_{\2}$", label)


def _chain_levels(c: Any) -> dict[str, int]:
    """Columns of the chain graph: each operation one step right of its furthest operand;
    a parameter or target one step left of the operation that uses it."""
    ins: dict[str, list[str]] = {n.id: [] for n in c.nodes}
    for e in c.edges:
        ins[e.target].append(e.source)
    level: dict[str, int] = {}
    for n in c.nodes:  # nodes come in forward order: operands first
        level[n.id] = 0 if n.op is None else 1 + max(level[i] for i in ins[n.id])
    for n in c.nodes:
        if n.op is None and n.kind != "input":
            level[n.id] = min(level[e.target] for e in c.uses(n.id)) - 1
    return level


@known_keywords
def chain_graph(
    chain: Any,
    *,
    locals: bool | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    r"""The chain rule of one sample as a graph (micrograd's ``draw_dot``).

    Every scalar of :func:`glassnet.trace.chain` is a box with its name, the operation that
    made it (``*``, ``+``, the activation, the cost), its value and its gradient ``dC/d(node)``;
    arrows go from operands to results. Reading right to left is backpropagation: a box's
    gradient is the sum over its outgoing arrows of the arrow's local derivative times the
    gradient at the arrow's head.

    Parameters
    ----------
    chain : glassnet.trace.Chain
        From ``glassnet.trace.chain(net, X, y, loss=...)``.
    locals : bool, optional
        Write each arrow's local derivative on it (default: when there are at most 40 arrows).
    figsize : (width, height), optional
        Default: 1.9 inches per column and 0.62 per box of the fullest column.
    dpi : float

    Returns
    -------
    Figure
    """
    from glassnet.trace import Chain

    check(chain, "chain", Instance(Chain))
    level = _chain_levels(chain)
    columns: dict[int, list[str]] = {}
    for n in chain.nodes:
        columns.setdefault(level[n.id], []).append(n.id)
    first = min(columns)
    n_cols = max(columns) - first + 1
    height = max(len(v) for v in columns.values())
    if figsize is None:
        figsize = (1.9 * n_cols + 0.4, 0.62 * height + 0.9)
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot(1, 1, 1)
    pos: dict[str, tuple[float, float]] = {}
    for col, ids in columns.items():
        for r, i in enumerate(ids):
            pos[i] = (float(col - first), (len(ids) - 1) / 2 - r)
    if locals is None:
        locals = len(chain.edges) <= 40
    boxes = {}
    for n in chain.nodes:
        x, y = pos[n.id]
        op = "" if n.op is None else f"  [{n.op}]"
        grad = "" if n.grad is None else f"\ngrad {n.grad:.4g}"
        boxes[n.id] = ax.text(
            x, y, f"{_math_label(n.label)}{op}\ndata {n.value:.4g}{grad}", ha="center",
            va="center", fontsize=6, zorder=3,
            bbox=dict(boxstyle="round,pad=0.3", fc=CHAIN_COLOURS.get(n.kind, "white"), ec="0.3",
                      lw=0.6),
        )  # fmt: skip
    for e in chain.edges:  # from the right edge of the operand's box to the left of the result's
        arrow = ax.annotate("", xy=(0.0, 0.5), xycoords=boxes[e.target], xytext=(1.0, 0.5),
                            textcoords=boxes[e.source], zorder=1,
                            arrowprops=dict(arrowstyle="-|>", color="0.55", lw=0.7,
                                            shrinkA=4, shrinkB=4))  # fmt: skip
        if locals and np.isfinite(e.local):
            (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
            ax.annotate(f"{e.local:.3g}", (x0 + 0.62 * (x1 - x0), y0 + 0.62 * (y1 - y0)), fontsize=5,
                        color="0.3", ha="center", va="center", zorder=2,
                        bbox=dict(boxstyle="round,pad=0.05", fc="white", ec="none", alpha=0.85))  # fmt: skip
        del arrow
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(-(height - 1) / 2 - 0.6, (height - 1) / 2 + 0.6)
    ax.set_axis_off()
    ax.set_title(
        f"chain rule of sample {chain.sample}, cost {chain.loss} = {chain.cost:.4g}: "
        "grad = sum over arrows out of (local derivative on the arrow x grad at its head)",
        fontsize=7,
    )
    _tight(fig)
    _note(fig, chain.notes, warn=False)  # chain() has warned already
    return fig
