"""``glassnet predict``: apply a saved model to new rows.

The rows are put as ``glassnet train`` put its own: standardized with the means and scales
the model file recorded (a model trained on raw data takes them as they are); a regression's
outputs are mapped back to the target's units (``z * scale + mean``, when train standardized
the target); a class is written as the training file wrote it (``setosa``, ``0``), with one
probability column per class::

    glassnet train --csv iris.csv --hidden 8 --epochs 300 -o run
    glassnet predict --model run/model.npz --csv new.csv -o predictions.csv
    glassnet predict --model run/model.npz --x 5.1,3.5,1.4,0.2

A --csv file holds the model's input columns, or these and the target column (then the
accuracy, or R² and RMSE, are said too); its number of columns tells which.
"""

from __future__ import annotations

import contextlib
import csv as csv_module
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np

import glassnet as gn
from glassnet.cli import note
from glassnet.cli.errors import NamedPath, fed_by
from glassnet.cli.options import (
    DELIMITER_OPTION,
    HEADER_OPTION,
    MEMORY_LIMIT,
    Options,
    _delimiter,
    _not_ambiguous,
    _numbers,
    _recorded,
    as_options,
)
from glassnet.cli.plot import _check_out_file
from glassnet.datasets.csv import parse_number

#: Rows given to the network at once: its forward pass holds every layer of every row.
CHUNK_BYTES = 64 * 2**20


@click.command()
@click.option(
    "--model",
    type=NamedPath(dir_okay=False),
    required=True,
    help="The model file (.npz) glassnet train saved.",
)
@click.option(
    "--csv",
    type=NamedPath(dir_okay=False),
    default=None,
    help="The rows to predict: the model's input columns, or these and the target "
    "column (then the accuracy, or R² and RMSE, are said too).",
)
@click.option(
    "--x",
    "xs",
    multiple=True,
    metavar="ROW",
    help='One input row instead, e.g. --x "5.1,3.5,1.4,0.2" (repeat).',
)
@click.option(
    "--target",
    default=None,
    help="The --csv target column (name or index), when the file has one [default: "
    "the one the model was trained with].",
)
@DELIMITER_OPTION
@HEADER_OPTION
@click.option(
    "--out",
    "-o",
    type=NamedPath(dir_okay=False),
    default=None,
    help="CSV file to write [default: standard output].",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
def predict(
    model: str,
    csv: str | None,
    xs: tuple[str, ...],
    target: str | None,
    delimiter: str | None,
    header: str | None,
    out: str | None,
    force: bool,
) -> None:
    """Apply a saved model to new rows, writing one CSV row of predictions per row.

    A class is written as the training file wrote it, with the probability of each class; a
    regression value in the target's units.
    """
    if bool(csv) == bool(xs):
        raise click.UsageError("--csv and --x: give the rows to predict one way: --csv or --x")
    for opt, value in (("--target", target), ("--delimiter", delimiter), ("--header", header)):
        if value is not None and csv is None:  # it would be ignored
            raise click.UsageError(f"{opt}: reads a --csv file; give --csv, or drop {opt}")
    path = _writable(out, force) if out is not None else None
    training = _recorded(model)  # its errors start with the file's name: said as --model's
    net = gn.load(model, run=False)
    if net.population is not None:
        raise click.BadParameter(
            f"{model} holds a population of {net.population} networks; predict applies one "
            "(net.member(k).save(...) writes member k alone)",
            param_hint="--model",
        )
    n_in, n_out = net.sizes[0], net.sizes[-1]
    task = Task(training, net)
    truth: tuple[str, ...] | None = None
    lines: tuple[int, ...] = ()
    column = ""
    if xs:
        parsed = [_numbers(x, "--x") for x in xs]
        widths = sorted({len(row) for row in parsed})
        if widths != [n_in]:
            raise click.BadParameter(
                f"the model takes {n_in} inputs, got rows of {', '.join(map(str, widths))}",
                param_hint="--x",
            )
        X = np.array(parsed, dtype=float)
    else:
        assert csv is not None
        inputs = _read(csv, n_in, target, training, delimiter, header)
        X, lines = inputs.X, inputs.lines
        if inputs.target is not None:
            truth, column = inputs.target[0], inputs.target_names[0]
    _check_memory(X.shape[0], n_out, "--x" if xs else "--csv")
    if training.get("standardize"):  # a model trained on raw data takes them as they are
        X = Options(model=model, csv=csv, training=training).standardize_like_training(X)
    outputs = _outputs(net, X)
    with _destination(path) as stream:
        writer = csv_module.writer(stream, lineterminator="\n")
        writer.writerow(task.columns)
        writer.writerows(task.rows(outputs))
    err = path is None  # the predictions are on standard output: the rest is said beside
    if path is not None:
        click.echo(f"predicted    {X.shape[0]} rows with {model}: {path}")
    if truth is not None:
        for line in task.score(outputs, truth, lines, column, csv):
            click.echo(line, err=err)
    if task.undecided:
        what = ": no class is written for them" if task.classes is not None else ""
        note(f"{task.undecided} row(s) have outputs that are not finite (a diverged model?)"
             + what, "warning")  # fmt: skip


class Task:
    """What the model predicts, from what its file recorded: classes (by name, or by index
    when none are recorded) or numbers (in the target's units)."""

    def __init__(self, training: dict[str, Any], net: Any) -> None:
        n_out = net.sizes[-1]
        output = net.activations[-1].name
        classes = training.get("classes")
        target = training.get("target_standardize")
        self.k = 2 if n_out == 1 else n_out
        if classes is not None:
            if not isinstance(classes, list) or len(classes) != self.k:
                raise click.BadParameter(
                    f"the file records {len(classes) if isinstance(classes, list) else 'no'} "
                    f"class names for a network of {n_out} output(s)",
                    param_hint="--model",
                )
            self.classes: list[str] | None = [str(c) for c in classes]
        elif target is None and (
            output == "softmax" or (output == "sigmoid" and training.get("loss") == "bce")
        ):
            self.classes = [str(i) for i in range(self.k)]  # by index: no names recorded
        else:
            self.classes = None
        self.scale = self.mean = None
        if self.classes is None and target is not None:
            self.mean = np.asarray(target["mean"], float)
            self.scale = np.asarray(target["scale"], float)
            if self.mean.shape != (n_out,) or self.scale.shape != (n_out,):
                raise click.BadParameter(
                    f"the file records the scaling of {self.mean.size} target(s) for a network "
                    f"of {n_out} output(s)",
                    param_hint="--model",
                )
        names = training.get("target_names")
        if self.classes is not None:
            self.columns = ["label", *(f"p({c})" for c in self.classes)]
        elif isinstance(names, list) and len(names) == n_out:
            self.columns = [str(n) for n in names]
        else:
            self.columns = (
                ["prediction"] if n_out == 1 else [f"prediction{j}" for j in range(n_out)]
            )
        self.undecided = 0

    def values(self, outputs: np.ndarray) -> np.ndarray:
        """A regression's outputs in the target's units."""
        if self.scale is None:
            return outputs
        with np.errstate(all="ignore"):  # a diverged model's outputs: written as they are
            return outputs * self.scale + self.mean

    def indices(self, outputs: np.ndarray) -> np.ndarray:
        """The class of each row (-1: outputs that are not finite, no class)."""
        index = gn.datasets.labels(np.nan_to_num(outputs, nan=0.0))
        return np.where(np.isfinite(outputs).all(axis=1), index, -1)

    def rows(self, outputs: np.ndarray) -> Iterator[list[str]]:
        if self.classes is None:
            values = self.values(outputs)
            self.undecided = int((~np.isfinite(values).all(axis=1)).sum())
            return ([repr(float(v)) for v in row] for row in values)
        index = self.indices(outputs)
        self.undecided = int((index < 0).sum())
        probs = np.hstack([1 - outputs, outputs]) if outputs.shape[1] == 1 else outputs
        classes = self.classes
        return (
            [classes[i] if i >= 0 else "", *(repr(float(p)) for p in row)]
            for i, row in zip(index, probs, strict=True)
        )

    def score(
        self,
        outputs: np.ndarray,
        truth: Sequence[str],
        lines: Sequence[int],
        column: str,
        csv: str | None,
    ) -> list[str]:
        """The accuracy, or R² and RMSE, against the file's own target column."""
        if self.classes is not None:
            wanted = [
                self._class(t, line, column, csv) for t, line in zip(truth, lines, strict=True)
            ]
            right = self.indices(outputs) == np.array(wanted)
            return [f"{'acc':<13}{right.mean():.4f} ({int(right.sum())} of {right.size} rows)"]
        if outputs.shape[1] != 1:
            raise click.BadParameter(
                f"{csv!r}: the model has {outputs.shape[1]} outputs, the file one target column "
                f"({column!r}) to compare them with; leave it out to predict alone",
                param_hint="--csv",
            )
        y = np.empty((len(truth), 1))
        for r, (token, line) in enumerate(zip(truth, lines, strict=True)):
            v = parse_number(token)
            if v is None or not math.isfinite(v):
                raise click.BadParameter(
                    f"{csv!r}, line {line}, column {column!r}: the target column holds "
                    f"{token!r}, not a finite number the model's values compare with",
                    param_hint="--csv",
                )
            y[r, 0] = v
        predicted = self.values(outputs)
        r2 = gn.metrics.r2(predicted, y)
        with np.errstate(all="ignore"):
            rmse = float(np.sqrt(np.mean((predicted - y) ** 2)))
        r2_line = f"{'R²':<13}{r2:.4f}"
        if y.shape[0] < 2:
            r2_line += " (of one row: 1 if exact, else 0)"
        return [r2_line, f"{'RMSE':<13}{rmse:.6g} (in the target's units)"]

    def _class(self, token: str, line: int, column: str, csv: str | None) -> int:
        assert self.classes is not None
        if token in self.classes:
            return self.classes.index(token)
        number = parse_number(token)  # 1.0 is the class 1
        for i, name in enumerate(self.classes):
            if number is not None and parse_number(name) == number:
                return i
        raise click.BadParameter(
            f"{csv!r}, line {line}, column {column!r}: {token!r} is not one of the model's "
            f"classes ({', '.join(self.classes)})",
            param_hint="--csv",
        )


def _read(
    path: str,
    n_in: int,
    target: str | None,
    training: dict[str, Any],
    delimiter: str | None,
    header: str | None,
) -> Any:
    """The --csv rows, as :func:`glassnet.datasets.csv.load_inputs` reads them."""
    text = target if target is not None else training.get("target")
    option = "--target" if target is not None else "--model (its recorded target)"
    column: Any = None
    if isinstance(text, str):
        column = int(text) if text.lstrip("-").isdigit() else text
        if isinstance(column, int) and target is not None:
            _not_ambiguous(path, text, column)
    # the model's input columns by name, where both files name them
    names = training.get("features")
    features = names if isinstance(names, list) and len(names) == n_in else None
    fed = {"path": "--csv", "target": option, "delimiter": "--delimiter", "header": "--header",
           "features": "--model (its recorded input columns)"}  # fmt: skip
    with fed_by(fed, default="--csv", override=True), as_options():
        inputs = gn.datasets.csv.load_inputs(
            path,
            n_in,
            column,
            features=features,
            delimiter=_delimiter(delimiter),
            header={"yes": True, "no": False}.get(header or "auto", "auto"),
        )
    return inputs


def _writable(out: str, force: bool) -> Path:
    """The --out file, checked before anything is computed."""
    path = _check_out_file(out)
    if path.exists() and not force:
        raise click.BadParameter(
            f"{out} exists; give --force to replace it, or another --out", param_hint="--out"
        )
    return path


def _check_memory(n_rows: int, n_out: int, source: str) -> None:
    """Refuse, before computing, predictions that would need more than MEMORY_LIMIT (the
    network itself runs on CHUNK_BYTES of rows at a time)."""
    need = 8 * n_rows * (2 * max(n_out, 2) + 1)  # outputs, probabilities, labels
    if need > MEMORY_LIMIT:
        raise click.BadParameter(
            f"{n_rows} rows of {n_out} outputs need about {need / 2**30:.3g} GiB of memory, "
            f"more than the {MEMORY_LIMIT / 2**30:.3g} GiB a command may use; predict fewer rows "
            "at a time",
            param_hint=source,
        )


def _outputs(net: Any, X: np.ndarray) -> np.ndarray:
    """The network's outputs for the rows of ``X``, computed a chunk of rows at a time."""
    per_row = 2 * 8 * sum(net.sizes)  # the activations and pre-activations of every layer
    chunk = max(1, CHUNK_BYTES // per_row)
    parts = [np.asarray(net.predict(X[i : i + chunk]), float) for i in range(0, X.shape[0], chunk)]
    return np.concatenate(parts, axis=0)


@contextlib.contextmanager
def _destination(path: Path | None) -> Iterator[Any]:
    """The --out file, written whole or not at all; standard output without --out."""
    if path is None:
        echo = _Echo()
        yield echo
        echo.flush()
        return
    from glassnet._files import atomic_path

    with fed_by({"path": "--out"}, default="--out"), atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as stream:
            yield stream


class _Echo:
    """A text stream onto click.echo (standard output, as click resolves it), in pieces."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 2**16:
            self.flush()

    def flush(self) -> None:
        click.echo("".join(self.parts), nl=False)
        self.parts, self.size = [], 0
