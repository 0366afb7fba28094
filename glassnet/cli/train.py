"""``glassnet train``, ``glassnet gradcheck`` and ``glassnet datasets``."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click
import numpy as np

import glassnet as gn
from glassnet.training import Callback, History


def _hidden(text: str) -> list[int]:
    text = text.strip()
    if text in ("", "none", "0"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated layer sizes like 8,8, got {text!r}", param_hint="--hidden"
        ) from None
    if any(s < 1 for s in sizes):
        raise click.BadParameter(f"layer sizes must be >= 1, got {text!r}", param_hint="--hidden")
    return sizes


def _defaults(y: np.ndarray, output: str, loss: str) -> tuple[str, str]:
    """Output activation and loss suited to the targets when not given."""
    classes = gn.metrics.is_classification(y)
    if output == "auto":
        output = ("softmax" if y.shape[1] > 1 else "sigmoid") if classes else "identity"
    if loss == "auto":
        if output == "softmax":
            loss = "cross_entropy"
        elif output == "sigmoid" and classes:
            loss = "bce"
        else:
            loss = "mse"
    return output, loss


def network_options(f: Any) -> Any:
    """Options that describe a network and its data (shared by train and gradcheck).

    The command receives their values as one :class:`NetworkArgs`, its first argument.
    """
    options = [
        click.option(
            "--dataset",
            default=None,
            help="Built-in dataset (see `glassnet datasets`); default paper.",
        ),
        click.option(
            "--csv",
            type=click.Path(dir_okay=False),
            default=None,
            help="Train on a CSV file instead.",
        ),
        click.option(
            "--target", default=None, help="CSV target column (name or index; default last)."
        ),
        click.option(
            "--hidden", default="2", show_default=True, help="Hidden layer sizes, e.g. 8,8."
        ),
        click.option(
            "--activation",
            default="sigmoid",
            show_default=True,
            help="Hidden activation, or one per layer: tanh,relu.",
        ),
        click.option(
            "--output",
            default="auto",
            show_default=True,
            help="Output activation (auto: from the targets).",
        ),
        click.option(
            "--loss", default="auto", show_default=True, help="Loss (auto: from the output)."
        ),
        click.option(
            "--bias", type=click.Choice(gn.network.BIAS_MODES), default="neuron", show_default=True
        ),
        click.option("--init", "init", default="xavier", show_default=True, help="Initializer."),
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
        click.option(
            "--dtype",
            type=click.Choice(["float64", "float32"]),
            default="float64",
            show_default=True,
        ),
    ]

    @functools.wraps(f)
    def command(**kwargs: Any) -> Any:
        network = NetworkArgs(
            **{field.name: kwargs.pop(field.name) for field in fields(NetworkArgs)}
        )
        return f(network, **kwargs)

    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class NetworkArgs:
    """The values of :func:`network_options`: the data and the network to build on it."""

    dataset: str | None
    csv: str | None
    target: str | None
    hidden: str
    activation: str
    output: str
    loss: str
    bias: str
    init: str
    seed: int
    dtype: str

    def load_data(self) -> tuple[Any, Any, bool]:
        """(X, y, from_csv)."""
        if self.csv is not None:
            if self.dataset is not None:
                raise click.UsageError("give either --dataset or --csv, not both")
            target = self.target
            tgt: Any = (
                -1 if target is None else (int(target) if target.lstrip("-").isdigit() else target)
            )
            X, y = gn.datasets.load_csv(self.csv, target=tgt)
            return X, y, True
        return (*gn.datasets.load(self.dataset or "paper"), False)

    def build(self, X: np.ndarray, y: np.ndarray, seed: Any) -> tuple[gn.Network, str]:
        """The network for ``X`` and ``y`` with weights from ``seed`` (one, or a population's),
        and the loss to train it with."""
        output, loss = _defaults(y, self.output, self.loss)
        sizes = [X.shape[1], *_hidden(self.hidden), y.shape[1]]
        acts: Any = self.activation.split(",") if "," in self.activation else self.activation
        net = gn.Network(
            sizes,
            activation=acts,
            output=output,
            bias=self.bias,
            init=self.init,
            seed=seed,
            dtype=self.dtype,
        )
        return net, loss


class _Progress(Callback):
    """Drives a rich progress bar showing the loss (the library itself never prints)."""

    def __init__(self, total: int, label: str) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeRemainingColumn(),
            transient=True,
            console=_stderr_console(),
        )
        self.task = self.progress.add_task(label, total=total, loss="-")

    def on_train_begin(self, net: Any, history: History) -> None:
        self.progress.start()

    def on_epoch_end(self, epoch: int, history: History, net: Any) -> bool:
        value = np.nanmin(history.loss[..., epoch])
        self.progress.update(self.task, completed=epoch + 1, loss=f"{value:.6g}")
        return False

    def on_train_end(self, net: Any, history: History) -> None:
        self.progress.stop()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@click.command()
@network_options
@click.option(
    "--optimizer",
    default="gd",
    show_default=True,
    help="gd, momentum, nesterov, rmsprop, adam, adamw.",
)
@click.option("--lr", type=float, default=None, help="Learning rate (default: the optimizer's).")
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Epochs (generations for evolution).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Mini-batch size (default: full batch).",
)
@click.option(
    "--validation-split", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True
)
@click.option("--schedule", type=click.Choice(gn.optimizers.SCHEDULES), default=None)
@click.option("--l2", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option(
    "--trainer",
    type=click.Choice(["gd", "evolution"]),
    default="gd",
    show_default=True,
    help="Gradient descent, or selection and mutation of a population.",
)
@click.option(
    "--population",
    type=click.IntRange(min=2),
    default=50,
    show_default=True,
    help="Population size (evolution).",
)
@click.option(
    "--mutation-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Initial mutation sigma (evolution).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="glassnet-run",
    show_default=True,
    help="Directory for model.npz and loss.png.",
)
@click.option("--show-loss", is_flag=True, help="Print the loss of every epoch.")
@click.option("--no-figure", is_flag=True, help="Do not write loss.png.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(
    network: NetworkArgs,
    optimizer,
    lr,
    epochs,
    batch_size,
    validation_split,
    schedule,
    l2,
    trainer,
    population,
    mutation_scale,
    out,
    show_loss,
    no_figure,
    quiet,
) -> None:
    """Train a network and save it with its loss curve."""
    X, y, from_csv = network.load_data()
    validation = None
    if validation_split > 0:
        split = gn.datasets.standardized_split if from_csv else gn.datasets.train_test_split
        parts = split(X, y, test_size=validation_split, seed=network.seed)
        X, Xv, y, yv = parts[:4]  # standardized_split fits on the training part only
        validation = (Xv, yv)
    elif from_csv:
        X = gn.datasets.Standardizer().fit_transform(X)
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise click.BadParameter(f"{out} exists and is not a directory", param_hint="--out")

    seed = network.seed
    seeds: Any = seed if trainer == "gd" else list(range(seed, seed + population))
    net, loss_name = network.build(X, y, seeds)
    callbacks = [] if quiet or not sys.stderr.isatty() else [_Progress(epochs, trainer)]
    if trainer == "gd":
        hist = net.fit(
            X,
            y,
            loss=loss_name,
            optimizer=optimizer,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            validation=validation,
            schedule=schedule,
            l2=l2,
            callbacks=callbacks,
        )
    else:
        from glassnet.evolution import fit_evolution

        hist = fit_evolution(
            net,
            X,
            y,
            loss=loss_name,
            generations=epochs,
            mutation_scale=mutation_scale,
            seed=seed,
            callbacks=callbacks,
        )
        net = net.member(0)  # the population ends sorted, best first

    if show_loss:
        for epoch, value in enumerate(hist.loss):
            click.echo(f"epoch {epoch:4d}  loss {value:.10f}")
    for message in hist.messages:
        click.echo(f"note: {message}", err=True)
    click.echo(f"network      {net.sizes} {[a.name for a in net.activations]} bias={net.bias}")
    click.echo(
        f"trained      {hist.epochs_run} {'epochs' if trainer == 'gd' else 'generations'} "
        f"({trainer}, loss {loss_name})"
    )
    click.echo(f"train loss   {float(net.loss(X, y, loss=loss_name)):.6g}")
    if gn.metrics.is_classification(y):
        click.echo(f"train acc    {gn.metrics.accuracy(net.predict(X), y):.4f}")
    if validation is not None:
        click.echo(f"val loss     {float(net.loss(*validation, loss=loss_name)):.6g}")
        if gn.metrics.is_classification(validation[1]):
            click.echo(
                f"val acc      {gn.metrics.accuracy(net.predict(validation[0]), validation[1]):.4f}"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    net.save(out_dir / "model.npz")
    click.echo(f"saved        {out_dir / 'model.npz'}")
    if not no_figure:
        from glassnet import plots

        plots.save(plots.loss_curve(hist), out_dir / "loss.png")
        click.echo(f"figure       {out_dir / 'loss.png'}")


@click.command()
@network_options
@click.option(
    "--samples", type=click.IntRange(min=1), default=None, help="Check on the first N samples only."
)
@click.option("--tolerance", type=float, default=1e-6, show_default=True)
def gradcheck(
    network: NetworkArgs,
    samples,
    tolerance,
) -> None:
    """Compare backpropagation with finite differences; exit 1 if they disagree."""
    X, y, _ = network.load_data()
    if samples is not None:
        X, y = X[:samples], y[:samples]
    net, loss_name = network.build(X, y, network.seed)
    result = gn.gradient_check(net, X, y, loss=loss_name, tolerance=tolerance)
    click.echo(f"gradient check of {net} with loss {loss_name} on {X.shape[0]} samples")
    click.echo(result.summary())
    if not result.passed:
        sys.exit(1)


@click.command(name="datasets")
def datasets_cmd() -> None:
    """List the built-in datasets with their shapes."""
    click.echo(gn.datasets.describe())
