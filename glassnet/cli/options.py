"""The options shared by ``train``, ``gradcheck``, ``inspect`` and ``plot``: one set of names,
meanings and defaults, declared once.

Data: ``--dataset/-d``, ``--csv`` with ``--target``, or rows ``--x``/``--y``. Network:
``--model`` (a saved model, used as it is) or ``--hidden``, ``--activation``, ``--output``,
``--loss``, ``--bias``, ``--init``, ``--seed``, ``--dtype``. Training: ``--optimizer``,
``--lr``, ``--epochs``, ``--batch-size``, ``--backend``.

Defaults are those of ``glassnet train`` everywhere, with one documented exception:
``inspect`` shows the paper's hand-checkable example by default (its 3-2-1 network with one
bias per layer, the paper's initial values from seed 1, the summed squared error, gradient
descent at eta = 0.5), because that is what it is for.

A command given ``--model`` builds nothing: the network is the file's, and the training
settings (loss, optimizer, learning rate, batch size, data set) default to those ``glassnet
train`` recorded in it; a command trains it only when ``--epochs`` asks.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import click
import numpy as np

from glassnet._validation import BIAS_MODES, DTYPES, UNDERFLOW, underflows
from glassnet.cli.errors import fed_by
from glassnet.run import BACKEND_NAMES as BACKENDS

#: ``glassnet train``'s defaults, shared by gradcheck and plot.
DEFAULTS: dict[str, Any] = {
    "hidden": "2",
    "activation": "sigmoid",
    "output": "auto",
    "loss": "auto",
    "bias": "neuron",
    "init": "xavier",
    "seed": 0,
    "dtype": "float64",
    "optimizer": "gd",
    "lr": None,
    "backend": "numpy",
}
#: ``glassnet inspect``: the paper's example (the documented exception).
PAPER_DEFAULTS: dict[str, Any] = DEFAULTS | {
    "bias": "layer",
    "init": "paper",
    "seed": 1,
    "loss": "sse",
    "lr": 0.5,
}

#: Memory one command may plan to use for the network and its training arrays.
MEMORY_LIMIT = 4 * 2**30

#: What each name option expects, for the error an empty value (``--loss ""``) gets.
EXPECTED_TEXT = {
    "dataset": "a data set name (see `glassnet datasets`)",
    "hidden": "hidden layer sizes like 8,8 (0: none)",
    "activation": "an activation name like tanh, or one per layer: tanh,relu",
    "output": "an output activation name like sigmoid (auto: from the targets)",
    "loss": "a loss name like mse (auto: from the output)",
    "init": "an initializer name like xavier",
    "optimizer": "an optimizer name like adam",
}

NETWORK_FIELDS = ("hidden", "activation", "output", "bias", "init", "dtype")
TRAINING = ("optimizer", "lr", "batch_size", "backend")


class Finite(click.FloatRange):
    """A float option that is a finite number (click's FloatRange lets ``nan`` and ``inf``
    through: ``--fps nan`` would reach the library as a number)."""

    name = "float"

    def _describe_range(self) -> str:
        # click writes "x<=None" for a range open at both ends; say nothing (finite is the type)
        if self.min is None and self.max is None:
            return ""
        return super()._describe_range()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"expected a finite number, got {value!r}", param, ctx)
        if underflows(value, number):
            self.fail(_UNDERFLOW.format(value), param, ctx)
        return number


_UNDERFLOW = UNDERFLOW


def _fmt_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def parse_hidden(text: str, option: str = "--hidden") -> list[int]:
    """``"8,8"`` -> ``[8, 8]``; ``""``, ``"none"`` or ``"0"``: no hidden layer. Errors name
    ``option`` (``--sizes`` spells every layer)."""
    text = text.strip()
    if text in ("", "none", "0"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated layer sizes like 8,8, got {text!r}", param_hint=option
        ) from None
    if any(s < 1 for s in sizes):
        raise click.BadParameter(f"layer sizes must be >= 1, got {text!r}", param_hint=option)
    return sizes


def estimate_bytes(sizes: Sequence[int], n_samples: int, members: int = 1) -> int:
    """Bytes a float64 training run of a network of ``sizes`` allocates, roughly: parameters,
    gradients, two optimizer moments and a spare copy (5 arrays of every weight), plus the
    forward and backward arrays of ``n_samples`` rows (4 arrays of every unit)."""
    params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    units = sum(sizes)
    return 8 * members * (5 * params + 4 * n_samples * units)


def check_size(sizes: Sequence[int], n_samples: int, members: int = 1) -> None:
    """Refuse, with the estimate, a network whose training would need more than
    :data:`MEMORY_LIMIT` (before anything is allocated), naming --population when one network
    would fit and --hidden otherwise."""
    need = estimate_bytes(sizes, n_samples, members)
    if need > MEMORY_LIMIT:
        hint = "--population" if estimate_bytes(sizes, n_samples) <= MEMORY_LIMIT else "--hidden"
        params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        raise click.BadParameter(
            f"a {'-'.join(map(str, sizes))} network"
            + (f" x {members} members" if members > 1 else "")
            + f" has {params * members:.3g} parameters; training it on {n_samples} samples "
            f"needs about {_fmt_bytes(need)} of memory, more than the {_fmt_bytes(MEMORY_LIMIT)} "
            "a command may use: choose "
            + ("fewer members" if hint == "--population" else "smaller layers"),
            param_hint=hint,
        )


def check_epochs(epochs: int, members: int = 1, validation: bool = False) -> None:
    """Refuse a run whose per-epoch record (the loss of every epoch and member, and the
    validation loss and accuracy) would need more than :data:`MEMORY_LIMIT`."""
    need = 8 * epochs * members * (3 if validation else 1)
    if need > MEMORY_LIMIT:
        raise click.BadParameter(
            f"{epochs} epochs x {members} member(s) need about {_fmt_bytes(need)} for the "
            f"loss history alone, more than the {_fmt_bytes(MEMORY_LIMIT)} a command may use",
            param_hint="--epochs",
        )


@dataclass
class Options:
    """The values of the shared options after :func:`shared_options` resolved their defaults."""

    model: str | None = None
    dataset: str | None = None
    csv: str | None = None
    target: str | None = None
    delimiter: str | None = None
    header: str | None = None
    task: str | None = None
    scale_target: str | None = None
    xs: tuple[str, ...] = ()
    ys: tuple[str, ...] = ()
    hidden: str | None = None
    sizes: str | None = None
    activation: str | None = None
    output: str | None = None
    loss: str | None = None
    bias: str | None = None
    init: str | None = None
    seed: int | None = None
    dtype: str | None = None
    optimizer: str | None = None
    lr: float | None = None
    batch_size: int | None = None
    backend: str | None = None
    given: set[str] = field(default_factory=set)
    training: dict[str, Any] = field(default_factory=dict)
    #: The :class:`~glassnet.datasets.Dataset` of a --csv file, once read (its class names)
    csv_info: Any = None

    # --- data ---------------------------------------------------------------------------------
    def data_options(self) -> dict[str, str]:
        """The options that feed the library's ``X`` and ``y``, for its errors."""
        if self.xs or self.ys:
            return {"X": "--x", "y": "--y", "validation y": "--y"}
        if self.csv is not None:
            return {"X": "--csv", "y": "--target", "validation y": "--target"}
        source = "--dataset" if self.dataset is not None or self.model is None else "--model"
        return {"X": source, "y": source, "validation y": source}

    def load_data(self, standardize: bool = True) -> tuple[np.ndarray, np.ndarray, str]:
        """``(X, y, source)`` from --dataset, --csv or --x/--y; with --model and none of them,
        the data set the model was trained on (when ``glassnet train`` recorded one), else the
        paper's (a model that does not fit it is refused in :meth:`build`, naming --dataset).

        CSV inputs are standardized as ``glassnet train`` does: with the means and scales a
        model file recorded, else with the file's own (``standardize=False``: raw, for train,
        which fits them on its training part)."""
        import glassnet as gn

        chosen = [n for n, v in (("--dataset", self.dataset), ("--csv", self.csv),
                                 ("--x/--y", self.xs or self.ys)) if v]  # fmt: skip
        if len(chosen) > 1:
            raise click.UsageError(f"{' and '.join(chosen)}: give one source of data, not both")
        for opt, value, what in (
            ("--target", self.target, "names a column of --csv"),
            ("--delimiter", self.delimiter, "reads a --csv file"),
            ("--header", self.header, "reads a --csv file"),
            ("--task", self.task, "reads a --csv file"),
            ("--scale-target", self.scale_target, "scales a --csv file's target"),
        ):
            if value is not None and self.csv is None:  # it would be ignored
                raise click.UsageError(f"{opt}: {what}; give --csv, or drop {opt}")
        if self.xs or self.ys:
            X, y = _rows(self.xs, self.ys)
            return X, y, "command line"
        if self.csv is not None:
            read = self.csv_reading()
            target = read["target"]
            tgt: Any = (
                None
                if target is None
                else (int(target) if target.lstrip("-").isdigit() else target)
            )
            if isinstance(tgt, int) and self.target is not None:
                _not_ambiguous(self.csv, self.target, tgt)
            header: Any = {"yes": True, "no": False}.get(read["header"] or "auto", "auto")
            names = self.training.get("features") if self.model is not None else None
            task: Any = read["task"] or "auto"
            given = {"target": self.target, "delimiter": self.delimiter, "header": self.header,
                     "task": self.task}  # fmt: skip
            fed = {
                # a value the model file gave is the file's to answer for, not the option's
                name: "--model (as it was trained)"
                if value is None and read[name] is not None
                else f"--{name}"
                for name, value in given.items()
            }
            fed |= {"path": "--csv", "features": "--model (as it was trained)"}
            with fed_by(fed, default="--csv", override=True), as_options():
                self.csv_info = gn.datasets.load_csv(
                    self.csv,
                    target=tgt,
                    delimiter=_delimiter(read["delimiter"]),
                    header=header,
                    task=task,
                    # the model's input columns by name, where both files name them
                    features=names if isinstance(names, list) and names else None,
                    return_info=True,
                )
            X, y = np.asarray(self.csv_info.X, float), np.asarray(self.csv_info.y, float)
            if standardize:
                X = self.standardize_like_training(X)
                scaler = self.target_scaler(y)
                if scaler is not None:
                    y = self.scale_target_values(scaler, y)
            return X, y, self.csv
        name = self.dataset
        recipe = self.training.get("recipe")
        if name is None and self.model is not None and isinstance(recipe, dict):
            # the data a playground run was trained on, made again from its recipe (the
            # training part: what the network was fitted to)
            try:
                X, y, _, _ = gn.datasets.from_recipe(recipe)
            except (TypeError, ValueError) as exc:
                raise click.BadParameter(
                    f"the model's data recipe cannot be made again ({exc}); give the data it "
                    "was trained on",
                    param_hint="--dataset",
                ) from None
            return np.asarray(X, dtype=float), np.asarray(y, dtype=float), str(recipe["dataset"])
        if name is None and self.model is not None:
            name = self.training.get("dataset")
        name = name or "paper"
        X, y = gn.datasets.load(name)
        return np.asarray(X, dtype=float), np.asarray(y, dtype=float), name

    def csv_reading(self) -> dict[str, str | None]:
        """How --csv is read: ``target``, ``task``, ``delimiter`` and ``header`` as given, else
        (with --model) as ``glassnet train`` read the file it was trained on: a model trained
        with ``--target price`` was otherwise applied to the file's last column."""
        recorded = self.training if self.model is not None else {}
        out: dict[str, str | None] = {}
        for name in ("target", "task", "delimiter", "header"):
            value = getattr(self, name)
            if value is None and isinstance(recorded.get(name), str):
                value = recorded[name]
            out[name] = value
        return out

    def standardize_like_training(self, X: np.ndarray) -> np.ndarray:
        """``X`` standardized with the means and scales the model file recorded (else with its
        own)."""
        import glassnet as gn

        rec = self.training.get("standardize")
        if not rec:
            return gn.datasets.Standardizer().fit_transform(X)
        mean, scale = np.asarray(rec["mean"], float), np.asarray(rec["scale"], float)
        if mean.shape != (X.shape[1],) or scale.shape != (X.shape[1],):
            raise click.BadParameter(
                f"the model was trained on {mean.size} input columns, the file has {X.shape[1]}",
                param_hint="--csv",
            )
        # the library's transform with the recorded statistics: (X - mean) / scale written
        # here overflowed for a value far outside the training range (a Python warning, then
        # "expected finite values, found NaN or infinity" of a file whose values are finite)
        scaler = gn.datasets.Standardizer()
        scaler.mean, scaler.scale = mean, scale
        with fed_by({"X": "--csv"}):
            return scaler.transform(X)

    def target_scaler(self, y: np.ndarray) -> Any:
        """The :class:`~glassnet.datasets.Standardizer` of a CSV regression target, or None.

        A model file's own (``target_standardize``, recorded by ``glassnet train``; a model
        trained on raw targets has none), else by ``--scale-target``: ``auto`` standardizes a
        regression target when the output is ``identity`` (unbounded, as standardized values
        are; a bounded output such as ``sigmoid`` or ``relu`` was chosen for the target's own
        range), fitted on ``y`` (``glassnet train`` passes its training part only).
        """
        import glassnet as gn

        if self.csv is None:
            return None
        if self.model is not None:
            if self.scale_target is not None:
                raise click.UsageError(
                    "--scale-target and --model: the model's targets are scaled as it was "
                    "trained (recorded in the file); drop --scale-target"
                )
            rec = self.training.get("target_standardize")
            if not rec:
                return None
            mean, scale = np.asarray(rec["mean"], float), np.asarray(rec["scale"], float)
            if mean.shape != (y.shape[1],) or scale.shape != (y.shape[1],):
                raise click.BadParameter(
                    f"the model was trained on {mean.size} target column(s), the file has "
                    f"{y.shape[1]}",
                    param_hint="--csv",
                )
            scaler = gn.datasets.Standardizer()
            scaler.mean, scaler.scale = mean, scale
            return scaler
        how = self.scale_target or "auto"
        regression = self.task == "regression" or (
            self.task is None and not gn.metrics.is_classification(y)
        )
        if how == "no":
            return None
        if not regression:
            if how == "yes":
                raise click.BadParameter(
                    "the target holds class labels, which are not scaled; drop --scale-target "
                    "(or give --task regression if its values are numbers to fit)",
                    param_hint="--scale-target",
                )
            return None
        if how == "auto" and (self.output or "auto") not in ("auto", "identity"):
            return None  # a bounded output was chosen for the target's own range
        if not np.ptp(y, axis=0).any():
            # one value: standardized it is all 0, which reads as a class label (a sigmoid
            # output and bce were chosen for a constant 5.5); there is no spread to scale
            return None
        with fed_by({"X": "--csv"}):
            return gn.datasets.Standardizer().fit(y)

    @staticmethod
    def scale_target_values(scaler: Any, y: np.ndarray) -> np.ndarray:
        """``(y - mean) / scale`` with a target scaler from :meth:`target_scaler`."""
        with fed_by({"X": "--csv"}):
            return np.asarray(scaler.transform(y), dtype=float)

    # --- network ------------------------------------------------------------------------------
    def build(self, X: np.ndarray, y: np.ndarray, population: int | None = None) -> Any:
        """The model file's network, or a new one for ``X`` and ``y`` with weights from
        ``--seed`` (a population: seeds ``seed, seed + 1, ...``), its size checked first."""
        import glassnet as gn

        if self.model is not None:
            with fed_by({"path": "--model"}, default="--model"):
                net = gn.load(self.model)
            if X.shape[1] != net.sizes[0] or y.shape[1] != net.sizes[-1]:
                # the option the data came from (the model's own data set: --dataset)
                source = "--x/--y" if self.xs or self.ys else "--csv" if self.csv else "--dataset"
                raise click.UsageError(
                    f"{source}: the model {self.model} is {'-'.join(map(str, net.sizes))} but "
                    f"the data has {X.shape[1]} input and {y.shape[1]} target column(s); give "
                    "the data it was trained on (--dataset, --csv or --x/--y)"
                )
            return net
        output, _ = self.output_and_loss(y)
        if self.sizes is None:
            sizes = [X.shape[1], *parse_hidden(self.hidden or "2"), y.shape[1]]
        else:
            given = parse_hidden(self.sizes, "--sizes")
            if len(given) < 2 or given[0] != X.shape[1] or given[-1] != y.shape[1]:
                raise click.BadParameter(
                    f"expected {X.shape[1]} inputs and {y.shape[1]} outputs for this data "
                    f"({X.shape[1]} input and {y.shape[1]} target columns), got {self.sizes!r} "
                    "(--hidden gives the hidden layers alone)",
                    param_hint="--sizes",
                )
            sizes = given
        check_size(sizes, X.shape[0], population or 1)
        first = int(self.seed or 0)
        seed: Any = first if population is None else list(range(first, first + population))
        act = self.activation or "sigmoid"
        acts: Any = act.split(",") if "," in act else act
        return gn.Network(
            sizes,
            activation=acts,
            output=output,
            bias=self.bias or "neuron",
            init=self.init or "xavier",
            seed=seed,
            dtype=self.dtype or "float64",
        )

    def output_and_loss(self, y: np.ndarray, net: Any = None) -> tuple[str, str]:
        """The output activation and the loss: as given, else the model's recorded loss, else
        suited to the targets (``auto``)."""
        import glassnet as gn

        output = net.activations[-1].name if net is not None else (self.output or "auto")
        loss = self.loss or "auto"
        if loss == "auto" and self.training.get("loss"):
            loss = self.training["loss"]
        classes = gn.metrics.is_classification(y)
        if output == "auto":
            output = gn.losses.natural_output(y.shape[1], classes)
        if loss == "auto":
            with fed_by({"activation": "--output"}):  # the output activation it is chosen for
                loss = gn.losses.natural_loss(output, classes)
        return output, loss

    def fit_kwargs(self) -> dict[str, Any]:
        """optimizer, lr, batch_size and backend for ``fit`` (the model's own when not given)."""
        out = {}
        for name in ("optimizer", "lr", "batch_size", "backend"):
            value = getattr(self, name)
            if name not in self.given and self.training.get(name) is not None:
                value = self.training[name]
            out[name] = value
        return out

    def settings(self, net: Any, loss: str) -> dict[str, Any]:
        """The training settings to hand to ``fit`` or ``trace``.

        A model file that holds its run (``net.train_state``) continues it: only what the
        command line gave changes the run's own configuration. Otherwise every setting, with
        the model's recorded ones or the command's defaults.
        """
        fit = self.fit_kwargs()
        out: dict[str, Any] = {"loss": loss, **fit}
        out["optimizer"] = out["optimizer"] or "gd"
        out["backend"] = out["backend"] or "numpy"
        if self.resumes(net):
            return {k: v for k, v in out.items() if k in self.given}
        return out

    def resumes(self, net: Any) -> bool:
        """Whether ``net`` is a model file's network that holds the run it was trained by."""
        return self.model is not None and getattr(net, "train_state", None) is not None


def _delimiter(text: str | None) -> str:
    """``--delimiter`` as load_csv takes it: ``auto`` (default), a character, or the names of
    those a shell makes awkward (``tab``, ``\\t``, ``semicolon``, ``comma``, ``bar``)."""
    if text is None or text.strip().lower() == "auto":
        return "auto"
    named = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "bar": "|", "pipe": "|"}
    return named.get(text.strip().lower(), text)


# load_csv's advice, in the options that give it on the command line
_READ_ADVICE = [
    (re.compile(r"load_csv's header=True or header=False"), "--header yes or --header no"),
    (re.compile(r"header=True"), "--header yes"),
    (re.compile(r"header=False"), "--header no"),
    (re.compile(r"task='(classification|regression)'"), r"--task \1"),
    (re.compile(r"delimiter='\\t'"), "--delimiter tab"),
    (re.compile(r"delimiter='(.)'"), r"--delimiter '\1'"),
    (re.compile(r"pass delimiter=\)"), "give --delimiter)"),
]


@contextlib.contextmanager
def as_options() -> Iterator[None]:
    """Around load_csv: the keyword arguments its advice names (``pass header=False``,
    ``task='classification'``) written as the options that pass them on the command line."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        text = str(exc)
        for pattern, option in _READ_ADVICE:
            text = pattern.sub(option, text)
        if text == str(exc):
            raise
        raise type(exc)(text) from None


def _not_ambiguous(path: str, text: str, index: int) -> None:
    """Refuse ``--target 1`` when the CSV also has a column named ``1`` elsewhere than index
    1: the index was taken, silently, though the name was meant as often."""
    from glassnet.datasets.csv import is_data_row, read_rows

    lines: list[str] = []
    budget = 1_000_000  # characters: the first lines, bounded (load_csv checks the file's size)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            while budget > 0 and len(lines) < 1000 and (line := f.readline(budget)):
                budget -= len(line)
                lines.append(line)
        if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")) and budget <= 0:
            lines.pop()  # cut by the budget: a part of a row is not a row
        # the header as load_csv finds it (which reads and checks the whole file), by its rules
        rows = [fields for _, fields in read_rows("".join(lines))[0]]
        if not rows or is_data_row(rows[0], rows[1:]):
            return  # no header line: the columns have no names to mistake
    except (OSError, UnicodeDecodeError, ValueError):
        return  # load_csv says what is wrong with the file
    header = rows[0]
    named = [i for i, h in enumerate(header) if h == text.strip()]
    if not named or not -len(header) <= index < len(header):
        return
    if named != [index % len(header)]:
        raise click.BadParameter(
            f"{text!r} is both the index of column {header[index]!r} and the name of column "
            f"{named[0]}; a number is read as an index: give --target {named[0]} for the "
            f"column named {text!r}, or --target {header[index]} for {header[index]!r}",
            param_hint="--target",
        )


def _numbers(text: str, argument: str) -> list[float]:
    if not text.strip():
        raise click.BadParameter(f"expected at least one number, got {text!r}", param_hint=argument)
    try:
        # an empty item (``0,,1``, ``0,1,``) is a typo, not a column to drop
        items = text.replace(";", ",").split(",")
        values = [float(v) for v in items]
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated numbers like 0,0,1, got {text!r}", param_hint=argument
        ) from None
    for item, v in zip(items, values, strict=True):
        if underflows(item, v):
            raise click.BadParameter(_UNDERFLOW.format(item.strip()), param_hint=argument)
    return values


def _rows(xs: Sequence[str], ys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    if len(xs) != len(ys):
        raise click.UsageError(
            f"--x and --y: expected one --y per --x, got {len(xs)} --x and {len(ys)} --y"
        )
    X = [_numbers(x, "--x") for x in xs]
    Y = [_numbers(y, "--y") for y in ys]
    if len({len(r) for r in X}) != 1:
        raise click.UsageError(
            f"--x: expected rows of equal length, got lengths {[len(r) for r in X]}"
        )
    if len({len(r) for r in Y}) != 1:
        raise click.UsageError(
            f"--y: expected rows of equal length, got lengths {[len(r) for r in Y]}"
        )
    return np.array(X, dtype=float), np.array(Y, dtype=float)


#: How a --csv file is read (train's options, and predict's).
DELIMITER_OPTION = click.option(
    "--delimiter", default=None, metavar="CHAR",
    help="CSV field separator: one character, or tab, semicolon, comma, bar [default: auto, "
         "found in the file].",
)  # fmt: skip
HEADER_OPTION = click.option(
    "--header", type=click.Choice(["auto", "yes", "no"]), default=None,
    help="Whether the CSV's first line names its columns [default: auto].",
)  # fmt: skip


def shared_options(
    defaults: dict[str, Any] = DEFAULTS, model: bool = True, training: Sequence[str] = TRAINING
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the shared data, network (and training) options; the command receives them as one
    :class:`Options` named ``opts``.

    Parameters
    ----------
    defaults : dict
        The command's defaults (:data:`DEFAULTS`, or :data:`PAPER_DEFAULTS` for inspect).
    model : bool
        Offer ``--model``.
    training : sequence of str
        Which of ``optimizer``, ``lr``, ``batch_size`` and ``backend`` to offer.
    """

    import glassnet as gn

    def d(name: str) -> str:
        v = defaults.get(name)
        return f" [default: {v}]" if v is not None else ""

    # the choices come from the registries, the only lists of these names
    acts = ", ".join(n for n in gn.activations.names() if n != "softmax")
    outs = ", ".join(gn.activations.names())
    losses = ", ".join(gn.losses.names())
    inits = ", ".join(gn.initializers.names())
    optimizers = ", ".join(sorted(gn.optimizers.REGISTRY))

    opts = [
        click.option("--dataset", "-d", default=None,
                     help="A built-in data set (see `glassnet datasets`) [default: paper; with "
                          "--model, the one it was trained on]."),
        click.option("--csv", type=click.Path(dir_okay=False), default=None,
                     help="Data from a CSV file instead."),
        click.option("--target", default=None,
                     help="CSV target column (name or index) [default: the column named "
                          "label, target, y or class, else the last]."),
        DELIMITER_OPTION,
        HEADER_OPTION,
        click.option("--task", type=click.Choice(["auto", "classification", "regression"]),
                     default=None,
                     help="The CSV target: class labels or numbers [default: auto, from its "
                          "values]."),
        click.option("--scale-target", type=click.Choice(["auto", "yes", "no"]), default=None,
                     help="Standardize a CSV regression target with its training part's mean "
                          "and deviation, recorded in the model file [default: auto, yes when "
                          "the output is identity]."),
        click.option("--x", "xs", multiple=True, metavar="ROW",
                     help='Data from the command line: one input row, e.g. --x "0,0,1" '
                          "(repeat; one --y each)."),
        click.option("--y", "ys", multiple=True, metavar="ROW", help="The target of the --x before."),
        click.option("--hidden", default=None,
                     help="Hidden layer sizes, e.g. 8,8 (0: none)" + d("hidden") + "."),
        click.option("--sizes", default=None, hidden=True,
                     help="Every layer's size, inputs to outputs (the older spelling)."),
        click.option("--activation", default=None,
                     help=f"Hidden activation ({acts}), or one per layer: tanh,relu"
                          + d("activation") + "."),
        click.option("--output", default=None,
                     help=f"Output activation ({outs}; auto: from the targets)" + d("output")
                          + "."),
        click.option("--loss", default=None,
                     help=f"Loss ({losses}; auto: from the output; with --model, the one it "
                          "was trained with)" + d("loss") + "."),
        click.option("--bias", type=click.Choice(BIAS_MODES), default=None,
                     help="One bias per unit, one per layer (the paper's), or none"
                          + d("bias") + "."),
        click.option("--init", default=None, help=f"Initializer ({inits})" + d("init") + "."),
        click.option("--seed", type=click.IntRange(min=0), default=None,
                     help="Seed of the weights (and of the data split)" + d("seed") + "."),
        click.option("--dtype", type=click.Choice(DTYPES), default=None,
                     help="Floating-point type" + d("dtype") + "."),
    ]  # fmt: skip
    if model:
        opts.insert(0, click.option("--model", type=click.Path(dir_okay=False), default=None,
                                    help="A saved model (.npz): used as it is, with the "
                                         "settings it was trained with."))  # fmt: skip
    offered = {
        "optimizer": click.option("--optimizer", default=None,
                                  help=f"Optimizer ({optimizers})" + d("optimizer") + "."),
        "lr": click.option("--lr", type=Finite(), default=None,
                           help="Learning rate" + (d("lr") if defaults.get("lr") is not None
                                                   else " [default: the optimizer's]") + "."),
        "batch_size": click.option("--batch-size", type=click.IntRange(min=1), default=None,
                                   help="Mini-batch size [default: full batch]."),
        "backend": click.option("--backend", type=click.Choice(BACKENDS), default=None,
                                help="Training engine: NumPy, or compiled with JAX (needs "
                                     "the jax extra)" + d("backend") + "."),
    }  # fmt: skip
    opts += [offered[name] for name in training]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        names = {fl.name for fl in fields(Options)} - {"given", "training", "csv_info"}
        names -= {n for n in TRAINING if n not in training}

        @functools.wraps(f)
        def command(**kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in list(kwargs) if n in names}
            for n, what in EXPECTED_TEXT.items():  # "" would fall back to the default silently
                if isinstance(values.get(n), str) and not values[n].strip():
                    raise click.BadParameter(
                        f"expected {what}, got {values[n]!r}", param_hint=f"--{n}"
                    )
            given = {n for n, v in values.items() if v not in (None, ())}
            if "sizes" in given:
                if "hidden" in given:
                    raise click.UsageError("--sizes and --hidden: give --hidden only")
                given.add("hidden")
            o = Options(**values, given=given)
            if o.model is not None:
                clash = [n for n in NETWORK_FIELDS if n in given] + (
                    ["seed"] if "seed" in given else []
                )
                if clash:
                    raise click.UsageError(
                        f"--{clash[0]}: the model file defines the network; drop --{clash[0]} "
                        "or --model"
                    )
                with fed_by({"path": "--model"}, default="--model"):
                    o.training = _recorded(o.model)
            for n, v in defaults.items():
                if n in names and getattr(o, n) is None and not (n == "loss" and o.training):
                    setattr(o, n, v)
            with fed_by(o.data_options()), fed_by(_recorded_options(o), override=True):
                # X and y are the data the user named; a setting the model file recorded
                # (and the command line did not give) is the file's, not an option typed
                return f(opts=o, **kwargs)

        for option in reversed(opts):
            command = option(command)
        return command

    return decorate


#: The library's argument fed by a setting a model file records, and the record's key.
RECORDED = {
    "lr": "lr",
    "optimizer": "optimizer",
    "batch_size": "batch_size",
    "backend": "backend",
    "loss": "loss",
    "name": "dataset",  # gn.datasets.load(name)
    "test_size": "validation_split",  # train_test_split(test_size)
    "validation": "validation_split",
}


def _recorded_options(o: Options) -> dict[str, str]:
    """``{argument: "--model (its recorded KEY)"}`` for each setting taken from the model
    file's record: "--lr: expected a finite number > 0, got -1.0" named an option the user
    never typed when the -1.0 was the file's."""
    if o.model is None or not o.training:
        return {}
    ctx = click.get_current_context(silent=True)
    out = {}
    for argument, key in RECORDED.items():
        if o.training.get(key) is None:
            continue
        typed = False
        if ctx is not None and key in ctx.params:
            source = ctx.get_parameter_source(key)
            typed = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
        if not typed:
            out[argument] = f"--model (its recorded {key})"
    return out


def _recorded(model: str) -> dict[str, Any]:
    """The training settings a model file records: its run's configuration (format 3), else
    what ``glassnet train`` wrote into ``extra["training"]``; with the data the run used."""
    from glassnet.modelfile import read_metadata

    meta = read_metadata(model)
    extra = meta.get("extra") if isinstance(meta.get("extra"), dict) else {}
    record = dict(extra.get("training") or {}) if isinstance(extra, dict) else {}
    if isinstance(extra, dict) and isinstance(extra.get("data"), dict):
        record["recipe"] = extra["data"]  # a data set as plain data (the playground's)
    run = meta.get("run")
    if isinstance(run, dict) and isinstance(run.get("config"), dict):
        config = run["config"]
        for name in ("loss", "optimizer", "lr", "batch_size", "backend"):
            value = config.get(name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                record[name] = value
    return record
