"""``glassnet train``, ``glassnet gradcheck`` and ``glassnet datasets``."""

from __future__ import annotations

import math
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import numpy as np

import glassnet as gn
import glassnet.modelfile
from glassnet._files import unwritable
from glassnet.cli import note
from glassnet.cli.errors import fed_by
from glassnet.cli.options import DEFAULTS, Finite, Options, check_epochs, shared_options
from glassnet.cli.progress import Progress
from glassnet.training import Callback, History


class _TrainProgress(Callback):
    """Feeds the shared progress display from training (the library itself never prints);
    redrawn at most ten times a second, so a long run of tiny epochs is not slowed down."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.last = -1.0

    def on_epoch_end(self, epoch: int, history: History, net: Any) -> bool:
        now = time.perf_counter()
        if now - self.last < 0.1 and epoch + 1 < self.progress.total:
            return False
        self.last = now
        with np.errstate(all="ignore"):
            loss = float(np.nanmin(history.loss[..., epoch]))
            metric = f"loss {loss:.4g}"
            if history.val_loss is not None:
                metric += f"  val loss {float(np.nanmin(history.val_loss[..., epoch])):.4g}"
        self.progress.update(epoch + 1, metric=metric)
        return False


class _Interrupt(Callback):
    """Ctrl-C or SIGTERM while training stops it at the end of the epoch under way, so the
    run so far is saved whole (a second one stops at once, saving nothing)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signal: int | None = None
        self.epoch = -1

    @contextmanager
    def installed(self) -> Iterator[_Interrupt]:
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    previous[sig] = signal.signal(sig, self._handle)
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal is not None:  # the second one: now
            raise KeyboardInterrupt
        self.signal = signum

    def on_epoch_end(self, epoch: int, history: History, net: Any) -> bool:
        self.epoch = epoch
        return self.signal is not None

    def on_train_end(self, net: Any, history: History) -> None:
        if self.signal is not None and history.stopped_by == type(self).__name__:
            # the library's "_Interrupt stopped training after epoch N": said below, in words
            history.messages.pop()
            history.stopped_by = "interrupted"


def _record(
    opts: Options,
    loss_name: str,
    optimizer: str,
    lr: Any,
    fit: dict[str, Any],
    trainer: str,
    validation_split: float,
    seed: int,
    source: str,
    scaler: Any,
    target_scaler: Any = None,
) -> dict[str, Any]:
    """What a model file keeps of the command that trained it, so that ``train --model``
    continues on the same data, split and scaling (``epochs`` is set when training ends)."""
    record: dict[str, Any] = {
        "loss": loss_name,
        "optimizer": optimizer if trainer == "gd" else None,
        "lr": lr if trainer == "gd" else None,
        "batch_size": fit["batch_size"],
        "backend": fit["backend"],
        "epochs": None,
        "trainer": trainer,
        "validation_split": validation_split,
        "seed": seed,
        "dataset": opts.dataset if opts.csv is None and not opts.xs else None,
        "csv": opts.csv,
        "target": opts.target,
    }
    if opts.csv is not None:  # how the file was read, for the commands given the model
        record.update(opts.csv_reading())
    if scaler is not None:
        record["standardize"] = {
            "mean": np.asarray(scaler.mean).tolist(),
            "scale": np.asarray(scaler.scale).tolist(),
        }
    elif opts.training.get("standardize") and opts.csv is not None:
        record["standardize"] = opts.training["standardize"]
    if target_scaler is not None:  # the network's outputs map back as y * scale + mean
        record["target_standardize"] = {
            "mean": np.asarray(target_scaler.mean).tolist(),
            "scale": np.asarray(target_scaler.scale).tolist(),
        }
    info = opts.csv_info
    if info is not None and info.task == "classification":
        # the labels as the file wrote them (setosa, or 0 and 1): class i is output i (binary:
        # an output > 0.5 is the second), so glassnet predict can say them back
        record["classes"] = list(info.target_names)
    elif info is not None and info.meta.get("header"):  # named by the file's header line
        record["target_names"] = list(info.target_names)
    if info is not None and info.meta.get("header"):
        # the input columns by name: glassnet predict matches a file's columns by them
        record["features"] = list(info.feature_names)
    if opts.model is not None and opts.dataset is None and opts.csv is None:
        record["dataset"] = opts.training.get("dataset")
    if record["dataset"] is None and opts.csv is None and not opts.xs and opts.model is None:
        record["dataset"] = source
    return record


def _given() -> set[str]:
    """The parameters of the running command the user typed (not left at their defaults)."""
    ctx = click.get_current_context()
    return {
        name
        for name in ctx.params
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    }


def _check_out(out: str, force: bool) -> Path:
    """The output folder, checked before training: a path under a file, or a folder holding
    an earlier run (without --force), is refused while nothing has been computed."""
    if not out:  # Path("") is the current directory: a run would land there unasked
        raise click.BadParameter(f"expected a directory name, got {out!r}", param_hint="--out")
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise click.BadParameter(f"{out} exists and is not a directory", param_hint="--out")
    probe = out_dir.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise click.BadParameter(
            f"cannot create {out}: {probe} is a file, not a directory", param_hint="--out"
        )
    why = unwritable(out_dir if out_dir.exists() else probe)
    if why is not None:
        raise click.BadParameter(f"cannot write to {out}: {why}", param_hint="--out")
    earlier = [n for n in ("model.npz", "loss.png") if (out_dir / n).exists()]
    if earlier and not force:
        raise click.BadParameter(
            f"{out} already holds an earlier run ({', '.join(earlier)}); give --force to "
            "replace it, or another --out",
            param_hint="--out",
        )
    return out_dir


@click.command()
@shared_options(DEFAULTS)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Epochs (generations for evolution).",
)
@click.option(
    "--validation-split", type=Finite(0, 1, max_open=True), default=0.0, show_default=True
)
@click.option("--schedule", type=click.Choice(gn.optimizers.SCHEDULES), default=None)
@click.option(
    "--l1",
    type=Finite(min=0),
    default=0.0,
    show_default=True,
    help="L1 penalty l1 * sum |W| (weights only).",
)
@click.option(
    "--l2",
    type=Finite(min=0),
    default=0.0,
    show_default=True,
    help="L2 penalty l2/2 * sum W^2 (weights only).",
)
@click.option(
    "--trainer",
    type=click.Choice(["gd", "evolution"]),
    default="gd",
    show_default=True,
    help="Gradient descent (with --optimizer), or selection and mutation of a population.",
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
    type=Finite(),
    default=1.0,
    show_default=True,
    help="Initial mutation sigma (evolution).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    default="glassnet-run",
    show_default=True,
    help="Directory for model.npz and loss.png.",
)
@click.option(
    "--checkpoint-every",
    type=click.IntRange(min=1),
    default=None,
    help="Also save the run every N epochs, as --out/checkpoints/epoch-NNNNNNN.npz (each "
    "continues with --model like model.npz).",
)
@click.option("--force", is_flag=True, help="Replace an earlier run in --out.")
@click.option("--show-loss", is_flag=True, help="Print the loss of every epoch.")
@click.option("--no-figure", is_flag=True, help="Do not write loss.png.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def train(
    opts: Options,
    epochs,
    validation_split,
    schedule,
    l1,
    l2,
    trainer,
    population,
    mutation_scale,
    out,
    checkpoint_every,
    force,
    show_loss,
    no_figure,
    quiet,
) -> None:
    """Train a network and save it with its loss curve.

    With --model, continue training a saved model with the settings it was trained with
    (loss, optimizer, learning rate, batch size), unless given.
    """
    out_dir = _check_out(out, force)
    given = _given()
    # an option the chosen trainer does not use is a mistake to say, not to ignore
    unused: tuple[str, ...] = (
        ("optimizer", "lr", "batch_size", "backend", "schedule", "l1", "l2")
        if trainer == "evolution"
        else ("population", "mutation_scale")
    )
    for name in (n for n in unused if n in given):
        flag = "--" + name.replace("_", "-")
        other = "gd" if trainer == "evolution" else "evolution"
        raise click.UsageError(
            f"{flag} and --trainer {trainer}: {flag} is an option of --trainer {other}; drop it"
        )
    if opts.model is not None and "validation_split" not in given:
        # continuing a model: the same split of the same data, as it was trained on
        validation_split = float(opts.training.get("validation_split") or 0.0)
    # CSV inputs are standardized with the training part's means and scales (recorded in the
    # model file, so the commands that read it transform new data the same way)
    X, y, source = opts.load_data(standardize=False)
    validation = None
    seed = int(opts.training.get("seed", 0) if opts.model is not None else (opts.seed or 0))
    scaler: Any = None
    if validation_split > 0:
        if opts.csv is not None:  # fits the means and scales on the training part only
            X, Xv, y, yv, scaler = gn.datasets.standardized_split(
                X, y, test_size=validation_split, seed=seed
            )
        else:
            X, Xv, y, yv = gn.datasets.train_test_split(X, y, test_size=validation_split, seed=seed)
        validation = (Xv, yv)
    elif opts.csv is not None:
        if opts.training.get("standardize"):
            X = opts.standardize_like_training(X)  # continuing a model: its own transform
        else:
            scaler = gn.datasets.Standardizer().fit(X)
            X = scaler.transform(X)
    # a regression target too, fitted on the training part (or the model's own): prices in
    # dollars trained raw gave a loss of 5e10 and learned nothing at the default rates
    target_scaler = opts.target_scaler(y)
    if target_scaler is not None:
        y = opts.scale_target_values(target_scaler, y)
        if validation is not None:
            validation = (validation[0], opts.scale_target_values(target_scaler, validation[1]))

    if trainer == "evolution" and opts.model is not None:
        raise click.UsageError(
            "--model and --trainer evolution: evolution starts from new networks"
        )
    check_epochs(epochs, 1 if trainer == "gd" else population, validation is not None)
    net = opts.build(X, y, None if trainer == "gd" else population)
    _, loss_name = opts.output_and_loss(y, net)
    fit = opts.fit_kwargs()
    optimizer = fit["optimizer"] or "gd"
    lr = fit["lr"]
    resumes = trainer == "gd" and opts.resumes(net)
    settings = opts.settings(net, loss_name)
    for name, value in (("schedule", schedule), ("l1", l1), ("l2", l2)):
        if not resumes or name in given:  # a continued run keeps its own unless given
            settings[name] = value
    if resumes:
        run = net.train_state.config.replace(**settings)
        optimizer, lr, loss_name = run.optimizer_name, run.lr, run.loss_name
    backend = run.backend if resumes else settings.get("backend")
    if trainer == "gd" and backend == "jax":
        # the command's callbacks (the progress display, Ctrl-C) need no more than a call of
        # the compiled program per 2% of the run: a fit with callbacks otherwise calls it
        # once an epoch
        settings["chunk_epochs"] = max(1, epochs // 50)
    if trainer == "gd":
        shown_lr = gn.optimizers.DEFAULT_LR.get(optimizer) if lr is None else lr
        if isinstance(shown_lr, int | float):
            what = f"{optimizer}, lr {shown_lr:g}"
        else:
            what = optimizer if shown_lr is None else f"{optimizer}, lr per member"
    else:
        what = f"evolution, population {population}"
    progress = Progress(
        "train", epochs, unit="epochs" if trainer == "gd" else "generations", enabled=not quiet
    )
    progress.stage = f"{what}, loss {loss_name}"
    started = time.perf_counter()
    record = _record(opts, loss_name, optimizer, lr, fit, trainer, validation_split, seed,
                     source, scaler, target_scaler)  # fmt: skip
    extra: dict[str, Any] = {"training": record}
    recipe = opts.training.get("recipe")
    if recipe is not None and opts.model is not None and opts.dataset is None and opts.csv is None:
        extra["data"] = recipe  # continued on a recipe's data: the next file keeps the recipe
    interrupt = _Interrupt()
    callbacks: list[Callback] = [interrupt]
    if checkpoint_every is not None:
        if trainer != "gd":
            raise click.BadParameter(
                "checkpoints are runs of gradient descent; the selection trainer starts afresh "
                "each time (leave out --checkpoint-every, or use --trainer gd)",
                param_hint="--checkpoint-every",
            )
        if epochs // checkpoint_every + 1 > gn.training.MAX_CHECKPOINT_FILES:
            with fed_by({"every": "--checkpoint-every"}):  # before the folder is made
                gn.training.Checkpoint("{epoch}", every=checkpoint_every).check_files(epochs)
        folder = out_dir / "checkpoints"
        with fed_by({}, default="--out"):
            folder.mkdir(parents=True, exist_ok=True)
        checkpoint = gn.Checkpoint(
            folder / "epoch-{epoch:07d}.npz", every=checkpoint_every, extra=extra
        )
        callbacks.append(checkpoint)
    with progress, interrupt.installed():
        if not quiet:
            callbacks.append(_TrainProgress(progress))
        if trainer == "gd":
            with fed_by({"every": "--checkpoint-every"}):  # the Checkpoint's bound
                hist = net.fit(
                    X,
                    y,
                    epochs=epochs,
                    validation=validation,
                    callbacks=callbacks,
                    resume=net.train_state if resumes else None,
                    **settings,
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
                validation=validation,
                callbacks=callbacks,
            )
            net = net.member(0)  # the population ends sorted, best first
    seconds = time.perf_counter() - started

    if show_loss:
        for epoch, value in enumerate(hist.loss):
            click.echo(f"epoch {epoch:4d}  loss {value:.10f}")
    for message in hist.messages:
        note(message)
    with fed_by({}, default="--out"):
        out_dir.mkdir(parents=True, exist_ok=True)
    record["epochs"] = int(hist.epochs_run)
    gn.modelfile.save(net, out_dir / "model.npz", extra=extra)
    if not no_figure:
        from glassnet import plots

        plots.save(plots.loss_curve(hist), out_dir / "loss.png")
    unit = "epochs" if trainer == "gd" else "generations"
    click.echo(f"network      {net.sizes} {[a.name for a in net.activations]} bias={net.bias}")
    click.echo(
        f"trained      {hist.epochs_run} {unit} on {source} ({X.shape[0]} samples) in "
        f"{seconds:.2f} s: {what}, loss {loss_name}"
    )
    if hist.stopped_by == "diverged":  # said in a warning above; said here with the numbers
        click.echo(
            f"diverged     at {unit[:-1]} {hist.diverged_epoch}: the saved model is the "
            "diverged one (a NaN prediction counts as wrong)"
        )

    def loss_line(value: Any) -> str:
        v = float(value)
        line = f"{v:.6g}" if math.isfinite(v) else f"{v:.6g} (not finite)"
        return line + (" (of the standardized targets)" if target_scaler is not None else "")

    def score_lines(part: str, inputs: Any, targets: Any) -> list[str]:
        # accuracy for classes; R^2 for a regression, whose loss alone (5e10 for prices in
        # dollars) does not say whether anything was learned
        if gn.metrics.is_classification(targets) and target_scaler is None:
            acc = gn.metrics.accuracy(net.predict(inputs), targets)
            return [f"{part + ' acc':<13}{acc:.4f}"]
        predicted = net.predict(inputs)
        # R^2 is the same in standardized units and in the target's own
        r2 = gn.metrics.r2(predicted, targets)
        line = f"{part + ' R²':<13}{r2:.4f}"
        if not math.isfinite(r2):
            return [line + " (not finite)"]
        if not np.ptp(targets, axis=0).any():  # scikit-learn's rule for a constant target
            line += " (the target holds one value: R² is 1 for a perfect fit, else 0)"
        elif r2 <= 0:
            line += " (no better than predicting the mean; " + (
                "train longer or with another --lr)"
                if target_scaler is not None or opts.csv is None
                else "the targets are used unscaled: --scale-target yes standardizes them, or "
                "train longer or with another --lr)"
            )
        lines = [line]
        if target_scaler is not None:
            with np.errstate(all="ignore"):  # a diverged network's outputs: said as not finite
                err = target_scaler.scale * (np.asarray(predicted, float) - targets)
                rmse = float(np.sqrt(np.mean(err**2)))
            lines.append(f"{part + ' RMSE':<13}{rmse:.6g} (in the target's units)")
        return lines

    click.echo(f"train loss   {loss_line(net.loss(X, y, loss=loss_name))}")
    for line in score_lines("train", X, y):
        click.echo(line)
    if validation is not None:
        click.echo(f"val loss     {loss_line(net.loss(*validation, loss=loss_name))}")
        for line in score_lines("val", *validation):
            click.echo(line)
    click.echo(f"saved        {out_dir / 'model.npz'}")
    if checkpoint_every is not None:
        click.echo(f"checkpoints  {len(set(checkpoint.saved))} in {out_dir / 'checkpoints'}")
    if not no_figure:
        click.echo(f"figure       {out_dir / 'loss.png'}")
    model = shlex.quote(str(out_dir / "model.npz"))
    if interrupt.signal is not None:
        name = signal.Signals(interrupt.signal).name
        how = "Ctrl-C (SIGINT)" if name == "SIGINT" else name
        left = epochs - int(hist.epochs_run)
        if trainer == "gd":
            then = (f"continue it with: glassnet train --model {model} --epochs {left} "
                    f"-o {shlex.quote(str(out_dir))}-continued")  # fmt: skip
        else:
            then = "the selection trainer starts afresh: run it again for more generations"
        note(f"interrupted by {how} after {hist.epochs_run} of {epochs} {unit}: the run so far "
             f"is saved in {out_dir / 'model.npz'}; {then}")  # fmt: skip
        sys.exit(128 + interrupt.signal)
    click.echo(f"next         glassnet plot boundary --model {model} -o boundary.png")
    click.echo(f"             glassnet inspect --model {model}")


@click.command()
@shared_options(DEFAULTS, training=())
@click.option(
    "--samples", type=click.IntRange(min=1), default=None, help="Check on the first N samples only."
)
@click.option("--tolerance", type=Finite(), default=1e-6, show_default=True)
def gradcheck(
    opts: Options,
    samples,
    tolerance,
) -> None:
    """Compare backpropagation with finite differences; exit 1 if they disagree.

    With --model, check the saved model's gradients with the loss it was trained with.
    """
    X, y, _ = opts.load_data()
    if samples is not None:
        X, y = X[:samples], y[:samples]
    net = opts.build(X, y)
    _, loss_name = opts.output_and_loss(y, net)
    # a network too large to check was made by --hidden (or is the model file's)
    with fed_by({"net": "--model" if opts.model else "--hidden"}):
        result = gn.gradient_check(net, X, y, loss=loss_name, tolerance=tolerance)
    click.echo(f"gradient check of {net} with loss {loss_name} on {X.shape[0]} samples")
    click.echo(result.summary())
    if not result.passed:
        sys.exit(1)


@click.command(name="datasets")
def datasets_cmd() -> None:
    """List the built-in datasets with their shapes."""
    click.echo(gn.datasets.describe())
