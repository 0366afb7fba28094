r"""``glassnet plot``: the figures of :mod:`glassnet.plots` from the command line.

The network and data options are those of ``glassnet inspect`` (default: the paper's network on
the paper's data); figures of training (``animation``, ``landscape``, ``gradients``, ``loss``)
train first, and the others do when ``--epochs`` is given::

    glassnet plot network --sample 1 --edges gradients --out diagram.png
    glassnet plot boundary --dataset moons --sizes 2,8,8,1 --activation tanh --init xavier \
        --loss bce --epochs 300 --out moons.png
    glassnet plot animation --dataset moons --sizes 2,8,1 --activation tanh --init xavier \
        --loss bce --epochs 200 --stride 10 --out training.gif
    glassnet plot landscape --activation tanh --output tanh01 --epochs 100 --directions pca \
        --out landscape.png
    glassnet plot gradients --dataset moons --sizes 2,8,8,8,8,1 --init xavier --epochs 200 \
        --out vanishing.png
    glassnet plot loss --population 20 --epochs 100 --out losses.png
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from glassnet.cli.inspect import build_network, load_data


def _network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--model", type=click.Path(dir_okay=False), help="A model file (.npz)."),
        click.option("--sizes", help="Units per layer, e.g. 2,8,8,1 [default: inputs,2,outputs]."),
        click.option("--activation", default="sigmoid", show_default=True,
                     help="Hidden activation, or one per hidden layer (comma-separated)."),
        click.option("--output", "output_act", default="sigmoid", show_default=True,
                     help="Output activation."),
        click.option("--bias", type=click.Choice(["neuron", "layer", "none"]), default="layer",
                     show_default=True),
        click.option("--init", default="paper", show_default=True, help="Initializer name."),
        click.option("--seed", type=int, default=1, show_default=True, help="Seed of the weights."),
        click.option("--population", type=click.IntRange(min=1), default=None,
                     help="Train a population of this many networks (seeds seed, seed+1, ...)."),
        click.option("--member", default=None,
                     help="Population member(s) to draw: an index, a list 0,3,5 or 'all'."),
        click.option("--dataset", help="A built-in dataset [default: paper]."),
        click.option("--x", "xs", multiple=True, metavar="ROW", help="An input row (repeat)."),
        click.option("--y", "ys", multiple=True, metavar="ROW", help="Its target."),
        click.option("--loss", default="sse", show_default=True, help="Cost function."),
        click.option("--optimizer", default="gd", show_default=True),
        click.option("--lr", type=float, default=0.5, show_default=True, help="Learning rate."),
        click.option("--batch-size", type=click.IntRange(min=1), default=None,
                     help="Mini-batch size [default: full batch]."),
        click.option("--out", "-o", "out", required=True, type=click.Path(dir_okay=False),
                     help="The image file to write (png, svg, pdf; gif/mp4 for animations)."),
        click.option("--width", type=click.FloatRange(min=0.5), default=None,
                     help="Width in inches."),
        click.option("--height", type=click.FloatRange(min=0.5), default=None,
                     help="Height in inches."),
        click.option("--dpi", type=click.FloatRange(min=10), default=100, show_default=True),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _members(text: str | None) -> Any:
    if text is None or text == "all":
        return text
    try:
        items = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(
            f"expected an index, a list like 0,3,5 or 'all', got {text!r}", param_hint="--member"
        ) from None
    return items[0] if len(items) == 1 else items


class _Setup:
    """The network, the data and (after :meth:`train`) the history and recorded path."""

    def __init__(self, kw: dict[str, Any]) -> None:
        self.kw = kw
        self.X, self.y, self.source = load_data(kw["dataset"], kw["xs"], kw["ys"])
        seed: Any = kw["seed"]
        if kw["population"] is not None:
            seed = list(range(kw["seed"], kw["seed"] + kw["population"]))
        if kw["model"] is not None and kw["population"] is not None:
            raise click.UsageError("--model and --population: give one or the other, not both")
        self.net = build_network(kw["model"], kw["sizes"], kw["activation"], kw["output_act"],
                                 kw["bias"], kw["init"], seed, self.X.shape[1],
                                 self.y.shape[1])  # fmt: skip
        self.member = _members(kw["member"])
        self.history: Any = None
        self.recorder: Any = None

    def train(self, epochs: int, stride: int = 1, stats_every: int = 1) -> None:
        from glassnet.plots import ParamRecorder

        self.recorder = ParamRecorder(stride)
        if epochs <= 0:
            raise click.BadParameter(
                f"expected an integer >= 1, got {epochs}", param_hint="--epochs"
            )
        self.history = self.net.fit(
            self.X, self.y, loss=self.kw["loss"], optimizer=self.kw["optimizer"],
            lr=self.kw["lr"], epochs=epochs, batch_size=self.kw["batch_size"],
            callbacks=[self.recorder], stats_every=stats_every,
        )  # fmt: skip

    def size(self, width: float, height: float) -> dict[str, Any]:
        w = self.kw["width"] or width
        h = self.kw["height"] or height
        return {"figsize": (w, h), "dpi": self.kw["dpi"]}

    def write(self, fig: Any) -> None:
        from glassnet import plots

        out = Path(self.kw["out"])
        plots.save(fig, out)
        w, h = fig.get_size_inches() * fig.dpi
        click.echo(f"wrote {out} ({round(w)}x{round(h)} pixels)")


@click.group("plot")
def plot() -> None:
    """Draw the network, its decision boundary, its training, its loss landscape."""


@plot.command("network")
@_network_options
@click.option("--sample", type=int, default=0, show_default=True,
              help="The data row whose activations colour the nodes.")  # fmt: skip
@click.option("--edges", type=click.Choice(["weights", "gradients", "update"]),
              default="weights", show_default=True,
              help="What the edges show: W, dC/dW, or the optimizer's step.")  # fmt: skip
@click.option("--epochs", type=int, default=0, show_default=True, help="Train first.")
def network_cmd(sample: int, edges: str, epochs: int, **kw: Any) -> None:
    """The network diagram: nodes coloured by activation, edges by sign and magnitude.

    With --edges update, the edges show the optimizer's last update when --epochs trains the
    network first, and the step it would take next otherwise.
    """
    from glassnet import plots

    s = _Setup(kw)
    steps = None
    if epochs:
        s.train(epochs, stats_every=0)
        if edges == "update":
            steps = s.recorder.last_update()
    fig = plots.network_diagram(s.net, s.X, s.y, sample=sample, edges=edges, loss=kw["loss"],
                                optimizer=kw["optimizer"], lr=kw["lr"], member=s.member,
                                steps=steps, **s.size(6.4, 4.0))  # fmt: skip
    s.write(fig)


@plot.command("boundary")
@_network_options
@click.option("--epochs", type=int, default=0, show_default=True, help="Train first.")
@click.option("--res", type=click.IntRange(min=4), default=80, show_default=True,
              help="Grid cells per side.")  # fmt: skip
@click.option("--units/--no-units", default=True, show_default=True,
              help="Draw every hidden unit's map.")  # fmt: skip
def boundary_cmd(epochs: int, res: int, units: bool, **kw: Any) -> None:
    """The decision boundary (or regression surface) over the plane of the first two inputs,
    with the data, and a small map per hidden unit."""
    from glassnet import plots

    s = _Setup(kw)
    if epochs:
        s.train(epochs, stats_every=0)
    size: dict[str, Any] = {"dpi": kw["dpi"]}
    if kw["width"] or kw["height"]:
        if not (kw["width"] and kw["height"]):
            raise click.UsageError("--width and --height: give both for this figure, or neither")
        size["figsize"] = (kw["width"], kw["height"])
    fig = plots.decision_boundary(s.net, s.X, s.y, member=s.member, res=res, units=units, **size)
    s.write(fig)


@plot.command("animation")
@_network_options
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--stride", type=click.IntRange(min=1), default=5, show_default=True,
              help="A frame every this many epochs.")  # fmt: skip
@click.option("--fps", type=click.FloatRange(min=0.1), default=6, show_default=True)
@click.option("--res", type=click.IntRange(min=4), default=50, show_default=True)
def animation_cmd(epochs: int, stride: int, fps: float, res: int, **kw: Any) -> None:
    """Training as an animation: boundary, loss and weights over the epochs (GIF, or MP4 with
    ffmpeg)."""
    from glassnet import plots

    s = _Setup(kw)
    member = s.member
    if isinstance(member, list) or member == "all":
        raise click.BadParameter("an animation draws one member", param_hint="--member")
    s.train(epochs, stride=stride, stats_every=0)
    out = plots.render_animation(s.recorder, s.X, s.y, kw["out"], net=s.net, member=member,
                                 fps=fps, res=res, **s.size(10.0, 3.4))  # fmt: skip
    click.echo(f"wrote {out} ({len(s.recorder.frames)} frames)")


@plot.command("landscape")
@_network_options
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
              help="Record the path every this many epochs.")  # fmt: skip
@click.option("--kind", type=click.Choice(["both", "1d", "2d"]), default="both",
              show_default=True)  # fmt: skip
@click.option("--directions", type=click.Choice(["random", "pca"]), default="random",
              show_default=True,
              help="Filter-normalized random directions, or the path's principal ones.")  # fmt: skip
@click.option("--span", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option("--res", type=click.IntRange(min=3), default=31, show_default=True)
@click.option("--direction-seed", type=int, default=0, show_default=True)
def landscape_cmd(epochs: int, stride: int, kind: str, directions: str, span: float | None,
                  res: int, direction_seed: int, **kw: Any) -> None:  # fmt: skip
    """The loss landscape around the trained weights, with the optimizer's path."""
    from glassnet import plots

    s = _Setup(kw)
    s.train(epochs, stride=stride, stats_every=0)
    fig = plots.loss_landscape(s.net, s.X, s.y, loss=kw["loss"], path=s.recorder, kind=kind,
                               directions=directions, span=span, res=res, seed=direction_seed,
                               member=s.member,
                               **s.size(10.0 if kind == "both" else 5.0, 4.0))  # fmt: skip
    s.write(fig)


@plot.command("gradients")
@_network_options
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--stat", type=click.Choice(["grad_norm", "weight_norm", "update_ratio",
              "saturated", "dead_relu"]), default="grad_norm", show_default=True)  # fmt: skip
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Record the statistics every this many epochs.")  # fmt: skip
def gradients_cmd(epochs: int, stat: str, every: int, **kw: Any) -> None:
    """Gradient flow: per-layer gradient norms over the epochs (log scale)."""
    from glassnet import plots

    s = _Setup(kw)
    s.train(epochs, stats_every=every)
    s.write(plots.gradient_flow(s.history, stat=stat, member=s.member, **s.size(6.0, 4.0)))


@plot.command("loss")
@_network_options
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True)
def loss_cmd(epochs: int, **kw: Any) -> None:
    """The loss per epoch (every member of a population, with the median)."""
    from glassnet import plots

    s = _Setup(kw)
    s.train(epochs, stats_every=0)
    member = "all" if s.member is None else s.member
    if isinstance(member, list):
        raise click.BadParameter("the loss plot draws one member or 'all'", param_hint="--member")
    s.write(plots.loss_curve(s.history, member=member, **s.size(6.0, 4.0)))
