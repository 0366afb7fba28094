r"""``glassnet plot``: the figures of :mod:`glassnet.plots` from the command line.

The data, network and training options are those of ``glassnet train``, with its defaults
(see :mod:`glassnet.cli.options`). Every figure of a new network trains it first (100 epochs
unless ``--epochs`` says otherwise). Given ``--model``, the network is the file's and is drawn
as it is: ``network``, ``boundary`` and ``landscape`` train it only when ``--epochs`` asks;
``loss`` and ``gradients`` draw the run the file holds (or, with ``--epochs``, that run
continued); ``animation`` needs ``--epochs``. Training a model file continues its run exactly,
with the loss, optimizer, learning rate and data it was trained with, unless given::

    glassnet plot network --sample 1 --edges gradients -o diagram.png
    glassnet plot boundary -d moons --hidden 8,8 --activation tanh --epochs 300 -o moons.png
    glassnet plot animation -d moons --hidden 8 --activation tanh --epochs 200 --stride 10 \
        -o training.gif
    glassnet plot landscape --activation tanh --epochs 100 --directions pca -o landscape.png
    glassnet plot gradients -d moons --hidden 8,8,8,8 --epochs 200 -o vanishing.png
    glassnet plot loss --population 20 --epochs 100 -o losses.png
    glassnet train -d moons --hidden 8 --activation tanh -o run
    glassnet plot boundary --model run/model.npz -o boundary.png
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np

from glassnet._files import database_refusal, is_database, unwritable
from glassnet.cli.errors import fed_by
from glassnet.cli.options import (
    DEFAULTS,
    MEMORY_LIMIT,
    Finite,
    Options,
    check_epochs,
    shared_options,
)


def _network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--population", type=click.IntRange(min=1), default=None,
                     help="Train a population of this many networks (seeds seed, seed+1, ...)."),
        click.option("--member", default=None,
                     help="Population member(s) to draw: an index, a list 0,3,5 or 'all'."),
        click.option("--out", "-o", "out", required=True, type=click.Path(dir_okay=False),
                     help="The image file to write (png, svg, pdf; gif/mp4 for animations)."),
        click.option("--width", type=Finite(min=0.5), default=None,
                     help="Width in inches."),
        click.option("--height", type=Finite(min=0.5), default=None,
                     help="Height in inches."),
        click.option("--dpi", type=Finite(min=10), default=100, show_default=True),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return shared_options(DEFAULTS)(f)


def _epochs_option(needs_training: bool) -> Callable[..., Any]:
    what = (
        "Epochs to train first [default: 100; with --model, 0: the model as it is]"
        if not needs_training
        else "Epochs to train [default: 100; with --model, give it: the model is trained further "
        "with the settings it was trained with]"
    )
    return click.option("--epochs", type=click.IntRange(min=0), default=None, help=what + ".")


def _members(text: str | None) -> Any:
    if text is None or text == "all":
        return text
    try:
        items = [int(v) for v in text.split(",")]  # "0,,1": a typo, refused
    except ValueError:
        raise click.BadParameter(
            f"expected an index, a list like 0,3,5 or 'all', got {text!r}", param_hint="--member"
        ) from None
    return items[0] if len(items) == 1 else items


class _Setup:
    """The network, the data and (after :meth:`train`) the history and recorded path."""

    def __init__(self, opts: Options, kw: dict[str, Any], animation: bool = False) -> None:
        self.opts = opts
        self.kw = kw
        if opts.model is not None and kw["population"] is not None:
            raise click.UsageError("--model and --population: give one or the other, not both")
        _check_out_file(kw["out"])  # before any training: nothing computed is lost
        if not animation:  # an extension no figure takes failed after the training, too
            from glassnet._figure import figure_format

            with fed_by({"path": "--out"}):
                figure_format(kw["out"])
        self.X, self.y, self.source = opts.load_data()
        self.net = opts.build(self.X, self.y, kw["population"])
        _, self.loss = opts.output_and_loss(self.y, self.net)
        self.fit = opts.fit_kwargs()
        self.member = _members(kw["member"])
        self.history: Any = None
        self.recorder: Any = None

    def epochs(self, given: int | None, command: str, needs_training: bool) -> int:
        """The epochs to train: as given; else 0 for a model file (used as it is) and 100
        for a new network. A figure of training refuses a model file without --epochs."""
        if given is not None:
            if needs_training and given < 1:
                raise click.BadParameter(f"expected an integer >= 1, got {given}",
                                         param_hint="--epochs")  # fmt: skip
            return given
        if self.opts.model is None:
            return 100
        if needs_training and (command == "animation" or self.net.train_state is None):
            what = (
                "its parameters epoch by epoch, which a model file does not keep"
                if command == "animation"
                else "training, and this model file holds no record of its run (saved before "
                "glassnet kept runs in model files)"
            )
            raise click.BadParameter(
                f"`plot {command}` draws {what}: give --epochs N to train it further (with the "
                "settings it was trained with)",
                param_hint="--epochs",
            )
        if needs_training:  # the saved run's own record
            self.history = self.net.train_state.history
        return 0

    def train(self, epochs: int, stride: int = 1, stats_every: int = 1) -> None:
        from glassnet.plots import ParamRecorder

        check_epochs(epochs, self.net.population or 1)
        # the recorder keeps every stride-th set of parameters: bound it before training
        frames = (epochs // stride + 2) * max(self.net.n_params, 1) * 8
        if frames > MEMORY_LIMIT:
            raise click.BadParameter(
                f"recording the parameters every {stride} epoch(s) for {epochs} epochs needs "
                f"about {frames / 2**30:.3g} GiB: give a larger --stride or fewer epochs",
                param_hint="--epochs",
            )

        self.recorder = ParamRecorder(stride)
        resumes = self.opts.resumes(self.net)
        self.history = self.net.fit(
            self.X, self.y, epochs=epochs, callbacks=[self.recorder], stats_every=stats_every,
            resume=self.net.train_state if resumes else None,
            **self.opts.settings(self.net, self.loss),
        )  # fmt: skip

    def size(self, width: float, height: float) -> dict[str, Any]:
        w = self.kw["width"] or width
        h = self.kw["height"] or height
        _check_pixels(self.kw, w, h)
        return {"figsize": (w, h), "dpi": self.kw["dpi"]}

    def write(self, fig: Any) -> None:
        from glassnet import plots

        out = _check_out_file(self.kw["out"])
        with fed_by({"path": "--out"}, default="--out"):
            plots.save(fig, out)
        w, h = fig.get_size_inches() * fig.dpi
        click.echo(f"wrote {out} ({round(w)}x{round(h)} pixels)")


def _check_pixels(kw: dict[str, Any], width: float, height: float) -> None:
    """Refuse a figure larger than the plots allow, naming the option that made it so: the
    side given (--width or --height) when one was given, else --dpi."""
    from glassnet.plots import MAX_SIDE_PX

    dpi = kw["dpi"]
    for option, inches in (("--width", width), ("--height", height)):
        if inches * dpi > MAX_SIDE_PX:
            given = kw[option[2:]] is not None
            raise click.BadParameter(
                f"{inches:g} inches at --dpi {dpi:g} is {inches * dpi:.3g} pixels; expected at "
                f"most {MAX_SIDE_PX} pixels per side"
                + (
                    f" (at most {MAX_SIDE_PX / dpi:.4g} inches at this --dpi)"
                    if given
                    else f" (at most --dpi {MAX_SIDE_PX / inches:.4g} for this figure's "
                    f"{inches:g} inches)"
                ),
                param_hint=option if given else "--dpi",
            )


def _check_out_file(given: str | Path) -> Path:
    if not str(given):  # Path("") is ".", which named the current directory instead
        raise click.BadParameter(f"expected a file name, got {str(given)!r}", param_hint="--out")
    out = Path(given)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        what = "a file" if parent.exists() else "a directory that does not exist"
        raise click.BadParameter(f"cannot write {out}: {parent} is {what}", param_hint="--out")
    if out.is_dir():
        raise click.BadParameter(f"cannot write {out}: it is a directory", param_hint="--out")
    if is_database(out):  # refused by the write too, but only after the training
        raise click.BadParameter(database_refusal(out), param_hint="--out")
    why = unwritable(parent)
    if why is not None:
        raise click.BadParameter(f"cannot write {out}: {why}", param_hint="--out")
    return out


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
@_epochs_option(needs_training=False)
def network_cmd(opts: Options, sample: int, edges: str, epochs: int | None, **kw: Any) -> None:
    """The network diagram: nodes coloured by activation, edges by sign and magnitude.

    With --edges update, the edges show the optimizer's last update when --epochs trains the
    network first, and the step it would take next otherwise.
    """
    from glassnet import plots

    s = _Setup(opts, kw)
    size = s.size(6.4, 4.0)  # every check before training: nothing computed is lost to a typo
    epochs = s.epochs(epochs, "network", needs_training=False)
    steps = None
    if epochs:
        s.train(epochs, stats_every=0)
        if edges == "update":
            steps = s.recorder.last_update()
    run = {
        k: v for k, v in s.opts.settings(s.net, s.loss).items() if k in ("loss", "optimizer", "lr")
    }
    fig = plots.network_diagram(s.net, s.X, s.y, sample=sample, edges=edges, member=s.member,
                                steps=steps, **run, **size)  # fmt: skip
    s.write(fig)


@plot.command("boundary")
@_network_options
@_epochs_option(needs_training=False)
@click.option("--res", type=click.IntRange(min=4), default=80, show_default=True,
              help="Grid cells per side.")  # fmt: skip
@click.option("--units/--no-units", default=True, show_default=True,
              help="Draw every hidden unit's map.")  # fmt: skip
@click.option("--features", default=None, metavar="I,J",
              help="The two inputs on the plane's axes, numbered from 1 (the others are held "
                   "at their mean); needed when the data has more than two inputs that vary "
                   "[default: 1,2].")  # fmt: skip
def boundary_cmd(
    opts: Options, epochs: int | None, res: int, units: bool, features: str | None, **kw: Any
) -> None:
    """The decision boundary (or regression surface) over the plane of two inputs (--features;
    the first two by default), with the data, and a small map per hidden unit."""
    from glassnet import plots

    s = _Setup(opts, kw)
    pair = _features(features, s.X)
    epochs = s.epochs(epochs, "boundary", needs_training=False)
    size: dict[str, Any] = {"dpi": kw["dpi"]}
    if kw["width"] or kw["height"]:
        if not (kw["width"] and kw["height"]):
            raise click.UsageError("--width and --height: give both for this figure, or neither")
        _check_pixels(kw, kw["width"], kw["height"])
        size["figsize"] = (kw["width"], kw["height"])
    else:  # the default size depends on the network; checked at the largest it can be
        _check_pixels(kw, 4.2 + 0.95 * 8, 4.0)
    if epochs:
        s.train(epochs, stats_every=0)
    fig = plots.decision_boundary(s.net, s.X, s.y, member=s.member, res=res, units=units,
                                  features=pair, **size)  # fmt: skip
    s.write(fig)


def _features(text: str | None, X: Any) -> tuple[int, int]:
    """The two inputs of --features (1-based on the command line, 0-based returned). Without
    it, the first two, unless the data has more than two inputs that vary: then the choice of
    two among them is the user's, not a silent "pixel 1 against pixel 2"."""
    d = X.shape[1]
    if text is None:
        varying = [k for k in range(d) if X[:, k].max() > X[:, k].min()]  # ptp can overflow
        if len(varying) > 2:
            raise click.BadParameter(
                f"the data has {d} inputs, {len(varying)} of which vary; the plane shows two of "
                "them (the others held at their mean): choose which with --features I,J "
                f"(numbered 1..{d}, e.g. --features {varying[0] + 1},{varying[1] + 1})",
                param_hint="--features",
            )
        return (0, 1)
    try:
        pair = [int(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(
            f"expected two input numbers like 1,2, got {text!r}", param_hint="--features"
        ) from None
    if len(pair) != 2 or not all(1 <= v <= d for v in pair) or pair[0] == pair[1]:
        raise click.BadParameter(
            f"expected two different input numbers in 1..{d}, got {text!r}",
            param_hint="--features",
        )
    return (pair[0] - 1, pair[1] - 1)


@plot.command("animation")
@_network_options
@_epochs_option(needs_training=True)
@click.option("--stride", type=click.IntRange(min=1), default=5, show_default=True,
              help="A frame every this many epochs.")  # fmt: skip
@click.option("--fps", type=Finite(min=0.1), default=6, show_default=True)
@click.option("--res", type=click.IntRange(min=4), default=50, show_default=True)
def animation_cmd(
    opts: Options, epochs: int | None, stride: int, fps: float, res: int, **kw: Any
) -> None:
    """Training as an animation: boundary, loss and weights over the epochs (GIF, or MP4 with
    ffmpeg)."""
    from glassnet import plots

    ext = Path(kw["out"]).suffix.lower()
    if ext not in (".gif", ".mp4"):  # before any training
        raise click.BadParameter(
            f"expected a .gif or .mp4 file name, got {kw['out']!r}", param_hint="--out"
        )
    plots.check_fps(fps, ext)  # before any training too
    s = _Setup(opts, kw, animation=True)
    size = s.size(10.0, 3.4)
    epochs = s.epochs(epochs, "animation", needs_training=True)
    member = s.member
    if isinstance(member, list) or member == "all":
        raise click.BadParameter("an animation draws one member", param_hint="--member")
    plots.check_frames(epochs, stride)  # before any training
    s.train(epochs, stride=stride, stats_every=0)
    with fed_by({"path": "--out"}, default="--out"):
        out = plots.render_animation(s.recorder, s.X, s.y, kw["out"], net=s.net, member=member,
                                     fps=fps, res=res, **size)  # fmt: skip
    click.echo(f"wrote {out} ({len(s.recorder.frames)} frames)")


@plot.command("landscape")
@_network_options
@_epochs_option(needs_training=False)
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
              help="Record the path every this many epochs.")  # fmt: skip
@click.option("--kind", type=click.Choice(["both", "1d", "2d"]), default="both",
              show_default=True)  # fmt: skip
@click.option("--directions", type=click.Choice(["random", "pca"]), default="random",
              show_default=True,
              help="Filter-normalized random directions, or the path's principal ones.")  # fmt: skip
@click.option("--span", type=Finite(min=0, max=1e6, min_open=True), default=None,
              help="Half-width of the slice in units of the directions [default: from the "
                   "path, or 1].")  # fmt: skip
@click.option("--res", type=click.IntRange(min=3), default=31, show_default=True)
@click.option("--direction-seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random directions.")  # fmt: skip
def landscape_cmd(opts: Options, epochs: int | None, stride: int, kind: str, directions: str,
                  span: float | None, res: int, direction_seed: int,
                  **kw: Any) -> None:  # fmt: skip
    """The loss landscape around the trained weights, with the optimizer's path (a model file
    without --epochs: around its weights, with no path)."""
    from glassnet import plots

    s = _Setup(opts, kw)
    size = s.size(10.0 if kind == "both" else 5.0, 4.0)
    epochs = s.epochs(epochs, "landscape", needs_training=False)
    if epochs:
        s.train(epochs, stride=stride, stats_every=0)
    elif directions == "pca":
        raise click.BadParameter("'pca' needs a path: give --epochs to train first",
                                 param_hint="--directions")  # fmt: skip
    # weights too large to draw around come from a diverged training, or from the model file
    diverged = s.history is not None and bool(np.any(s.history.diverged))
    feeder = "--lr" if diverged else opts.model and "--model"
    # the landscape's seed is --direction-seed's (--seed is the network's)
    with fed_by({"seed": "--direction-seed", **({"net": feeder} if feeder else {})}):
        fig = plots.loss_landscape(s.net, s.X, s.y, loss=s.loss, path=s.recorder, kind=kind,
                                   directions=directions, span=span, res=res, seed=direction_seed,
                                   member=s.member,
                                   **size)  # fmt: skip
    s.write(fig)


@plot.command("gradients")
@_network_options
@_epochs_option(needs_training=True)
@click.option("--stat", type=click.Choice(["grad_norm", "weight_norm", "update_ratio",
              "saturated", "dead_relu"]), default="grad_norm", show_default=True)  # fmt: skip
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Record the statistics every this many epochs.")  # fmt: skip
def gradients_cmd(opts: Options, epochs: int | None, stat: str, every: int, **kw: Any) -> None:
    """Gradient flow: per-layer gradient norms over the epochs (log scale)."""
    from glassnet import plots

    s = _Setup(opts, kw)
    size = s.size(6.0, 4.0)
    epochs = s.epochs(epochs, "gradients", needs_training=True)
    if epochs:
        with fed_by({"stats_every": "--every"}):
            s.train(epochs, stats_every=every)
    if not s.history.layer_stats:
        raise click.BadParameter(
            "the model's run recorded no layer statistics (stats_every=0): give --epochs N to "
            "train it further and record them",
            param_hint="--epochs",
        )
    s.write(plots.gradient_flow(s.history, stat=stat, member=s.member, **size))


@plot.command("loss")
@_network_options
@_epochs_option(needs_training=True)
def loss_cmd(opts: Options, epochs: int | None, **kw: Any) -> None:
    """The loss per epoch (every member of a population, with the median)."""
    from glassnet import plots

    s = _Setup(opts, kw)
    size = s.size(6.0, 4.0)
    epochs = s.epochs(epochs, "loss", needs_training=True)
    if epochs:
        s.train(epochs, stats_every=0)
    member = "all" if s.member is None else s.member
    if isinstance(member, list):
        raise click.BadParameter("the loss plot draws one member or 'all'", param_hint="--member")
    s.write(plots.loss_curve(s.history, member=member, **size))
