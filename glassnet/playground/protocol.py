"""The playground's WebSocket protocol: message shapes, setup validation, CSV parsing.

Every message is one JSON object with a ``"type"`` key.

From the page to the server:

``{"type": "config", "config": {...}}``
    Build the data and a fresh network from a setup (keys: see :data:`DEFAULT_CONFIG`); the
    server answers ``ready`` (data points, the setup as understood) and a first ``frame``.
    When only the learning rate, L2, batch size, optimizer or update rate changed, the same
    network goes on training (still running if it was) and the answer is ``retuned``.
``{"type": "upload", "name": str, "csv": str}``
    A CSV file's text; kept in the session's memory as the data set ``"csv"``. The server
    answers ``uploaded`` or ``error``. Nothing the page sends is ever used as a path.
``{"type": "play"}``, ``{"type": "pause"}``, ``{"type": "step", "epochs": int}``,
``{"type": "reset"}``
    Start or stop training, train a fixed number of epochs, rebuild the network from its seed.

From the server to the page:

``hello`` (limits and choices), ``ready``, ``retuned``, ``uploaded``, ``frame`` (a snapshot of training:
epoch, new loss points, boundary grid, unit maps, weights, gradients, gradient norms, notes),
``state`` (running or not, and why it stopped) and ``error`` (``message`` and, when a setting
is at fault, ``field``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from glassnet import activations as _activations
from glassnet import initializers as _initializers
from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._validation import Constraint, Interval, Options, check, did_you_mean
from glassnet.playground.limits import Limits

DATASETS: dict[str, str] = {
    "xor": "XOR (4 cases)",
    "quadrants": "XOR quadrants",
    "circles": "Circles",
    "moons": "Two moons",
    "spirals": "Spirals",
    "blobs": "Blobs (3 classes)",
    "paper": "The paper's 4 cases",
    "and": "AND (4 cases)",
    "or": "OR (4 cases)",
    "plane": "Plane (regression)",
    "bumps": "Gaussian bumps (regression)",
    "sine": "Sine (regression)",
    "csv": "Your CSV (upload)",
}
REGRESSION_SETS = ("plane", "bumps", "sine")
#: Input features the page may add to the first two inputs: name -> (label, function).
FEATURES: dict[str, tuple[str, Any]] = {
    "x1sq": ("x1²", lambda a, b: a * a),
    "x2sq": ("x2²", lambda a, b: b * b),
    "x1x2": ("x1·x2", lambda a, b: a * b),
    "sinx1": ("sin x1", lambda a, b: np.sin(a)),
    "sinx2": ("sin x2", lambda a, b: np.sin(b)),
}


def hidden_activations() -> list[str]:
    """Activations a hidden layer may use: every registered one that is not output-only."""
    return [n for n in _activations.names() if not _activations.REGISTRY[n].output_only]


def choices() -> dict[str, Any]:
    """Every choice the page offers, read from the engine's registries at call time (so an
    activation, loss, optimizer or initializer registered by the user shows up too)."""
    return {
        "dataset": DATASETS,
        "act": hidden_activations(),
        "out": _activations.names(),
        "loss": _losses.names(),
        "opt": _optimizers.names(),
        "init": _initializers.names(),
        "bias": list(BIASES),
        "mode": MODES,
        "features": {k: v[0] for k, v in FEATURES.items()},
        "regression": list(REGRESSION_SETS),
    }


BIASES = ("neuron", "layer", "none")
MODES = {
    "single": "One network",
    "compare": "Compare two setups",
    "seeds": "One setup over many seeds",
}
#: Settings the second setup of compare mode may change (the data and the seed are shared).
B_KEYS = ("layers", "act", "out", "loss", "opt", "lr", "batch", "l2", "init", "bias")

DEFAULT_CONFIG: dict[str, Any] = {
    "dataset": "circles",
    "n": 200,
    "noise": 0.05,
    "split": 0.3,
    "layers": [4, 4],
    "act": ["tanh", "tanh"],
    "out": "sigmoid",
    "loss": "bce",
    "opt": "adam",
    "lr": 0.03,
    "batch": 16,
    "l2": 0.0,
    "init": "xavier",
    "bias": "neuron",
    "seed": 0,
    "rate": 10.0,
    "mode": "single",
    "seeds": 10,
    "member": 0,
    "b": {},
    "features": [],
}


class ProtocolError(ValueError):
    """A message or setting the server refuses; ``field`` names the setting at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Config:
    """A validated playground setup (see :data:`DEFAULT_CONFIG` for the keys).

    ``mode`` is ``"single"`` (one network), ``"compare"`` (a second setup, this one with the
    overrides ``b``, trained in lockstep on the same data from the same seed) or ``"seeds"``
    (a population of ``seeds`` networks, seeds ``seed .. seed + seeds - 1``, whose member
    ``member`` is drawn).
    """

    dataset: str
    n: int
    noise: float
    split: float
    layers: list[int]
    act: list[str]
    out: str
    loss: str
    opt: str
    lr: float
    batch: int
    l2: float
    init: str
    bias: str
    seed: int
    rate: float
    mode: str = "single"
    seeds: int = 10
    member: int = 0
    b: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the setup as a JSON-ready dict."""
        out = {k: getattr(self, k) for k in DEFAULT_CONFIG}
        out["layers"] = list(self.layers)
        out["act"] = list(self.act)
        out["b"] = {k: list(v) if isinstance(v, list) else v for k, v in self.b.items()}
        out["features"] = list(self.features)
        return out

    def second(self) -> Config:
        """The second setup of compare mode: this one with the overrides ``b``."""
        return replace(self, mode="single", b={}, **self.b)


def _checked(value: Any, what: str, field: str | None, *constraints: Constraint) -> Any:
    """:func:`glassnet._validation.check` of ``value``, its error a :class:`ProtocolError`
    naming the setting ``field``."""
    try:
        return check(value, what, *constraints)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(str(exc), field) from None


def _number(raw: dict[str, Any], key: str, kind: type, lo: float, hi: float, what: str) -> Any:
    """The number ``raw[key]`` (a JSON number, or text as in a page address) of ``kind``
    (int or float) in ``[lo, hi]``."""
    value = raw.get(key, DEFAULT_CONFIG[key])
    number = value
    if isinstance(value, str):
        if len(value) > 40:
            raise ProtocolError(
                f"{what}: expected a number, got a text of {len(value)} characters", key
            )
        try:
            number = float(value)
        except ValueError:
            raise ProtocolError(f"{what}: expected a number, got {_short(value)}", key) from None
    if kind is int and isinstance(number, float) and number.is_integer():
        number = int(number)  # "3", 3.0: a whole number
    high = None if math.isinf(hi) else hi
    return _checked(number, what, key, Interval(kind, lo, high))


def _short(value: Any) -> str:
    """``repr(value)``, cut to a readable length (a 400-digit number is not read out)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _choice(raw: dict[str, Any], key: str, choices: Any, what: str) -> str:
    return str(_checked(raw.get(key, DEFAULT_CONFIG[key]), what, key, Options(choices)))


def _int_list(value: Any, key: str) -> list[Any]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise ProtocolError(f"{key}: expected a list, got {_short(value)}", key)
    return list(value)


def _network(raw: dict[str, Any], limits: Limits, prefix: str = "") -> dict[str, Any]:
    """The network and training settings of ``raw`` (what compare mode may vary), checked."""
    layers_raw = _int_list(raw.get("layers", DEFAULT_CONFIG["layers"]), prefix + "layers")
    if len(layers_raw) > limits.max_layers:
        raise ProtocolError(
            f"Too many hidden layers: at most {limits.max_layers} are allowed, "
            f"got {len(layers_raw)}",
            prefix + "layers",
        )
    layers = []
    for i, units in enumerate(layers_raw):
        try:
            u = _number({"layers": units}, "layers", int, 1, float("inf"), f"layer {i + 1} units")
        except ProtocolError as exc:
            raise ProtocolError(str(exc), prefix + "layers") from None
        if u > limits.max_units:
            raise ProtocolError(
                f"Too many units in hidden layer {i + 1}: at most {limits.max_units} "
                f"are allowed, got {_short(u)}",
                prefix + "layers",
            )
        layers.append(u)
    act_raw = raw.get("act", DEFAULT_CONFIG["act"])
    acts = (
        [act_raw]
        if isinstance(act_raw, str) and "," not in act_raw
        else _int_list(act_raw, prefix + "act")
    )
    if len(acts) == 1 and len(layers) != 1:
        acts = acts * len(layers)
    if len(acts) != len(layers):
        raise ProtocolError(
            f"act: expected one activation per hidden layer ({len(layers)}), got {len(acts)}",
            prefix + "act",
        )
    hidden = Options(hidden_activations())
    for a in acts:
        _checked(a, "act", prefix + "act", hidden)

    def checked(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ProtocolError as exc:
            raise ProtocolError(
                str(exc), None if exc.field is None else prefix + exc.field
            ) from None

    return {
        "layers": layers,
        "act": [str(a) for a in acts],
        "out": checked(_choice, raw, "out", _activations.names(), "output activation"),
        "loss": checked(_choice, raw, "loss", _losses.names(), "loss"),
        "opt": checked(_choice, raw, "opt", _optimizers.names(), "optimizer"),
        "lr": checked(_number, raw, "lr", float, 1e-6, 10.0, "learning rate"),
        "batch": checked(_number, raw, "batch", int, 0, limits.max_samples, "batch size"),
        "l2": checked(_number, raw, "l2", float, 0.0, 1.0, "L2"),
        "init": checked(_choice, raw, "init", _initializers.names(), "initializer"),
        "bias": checked(_choice, raw, "bias", BIASES, "bias"),
    }


def parse_config(raw: Any, limits: Limits) -> Config:
    """Validate a setup sent by the page.

    Parameters
    ----------
    raw : dict
        The setup; missing keys take their :data:`DEFAULT_CONFIG` value. Lists may also be
        given as comma-separated strings (as they appear in the page address).
    limits : Limits
        The caps to enforce.

    Returns
    -------
    Config

    Raises
    ------
    ProtocolError
        Naming the setting, what was expected and what came, for the first bad setting.
    """
    if not isinstance(raw, dict):
        raise ProtocolError(f"config: expected an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(DEFAULT_CONFIG), key=str)
    if unknown:
        raise ProtocolError(
            f"config: unknown setting {_short(unknown[0])}"
            f"{did_you_mean(unknown[0], DEFAULT_CONFIG)}",
            str(unknown[0]),
        )
    dataset = _choice(raw, "dataset", DATASETS, "dataset")
    n = _number(raw, "n", int, 4, float("inf"), "samples")
    if n > limits.max_samples:
        raise ProtocolError(
            f"Too many samples: at most {limits.max_samples} are allowed, got {_short(n)}", "n"
        )
    net = _network(raw, limits)
    rate = _number(raw, "rate", float, 0.5, float("inf"), "update rate")
    if rate > limits.max_rate:
        raise ProtocolError(
            f"Update rate too high: at most {limits.max_rate:g} updates per second, got {rate:g}",
            "rate",
        )
    mode = _choice(raw, "mode", MODES, "mode")
    seeds = _number(raw, "seeds", int, 2, float("inf"), "seeds")
    if seeds > limits.max_seeds:
        raise ProtocolError(
            f"Too many seeds: at most {limits.max_seeds} networks at once, got {_short(seeds)}",
            "seeds",
        )
    member = _number(raw, "member", int, 0, seeds - 1, "member")
    b_raw = raw.get("b", {})
    if not isinstance(b_raw, dict):
        raise ProtocolError(f"b: expected an object of settings, got {_short(b_raw)}", "b")
    bad = sorted((k for k in b_raw if k not in B_KEYS), key=str)
    if bad:
        raise ProtocolError(
            f"b: compare mode can vary {', '.join(B_KEYS)}; got {_short(bad[0])}"
            f"{did_you_mean(bad[0], B_KEYS)}",
            "b",
        )
    b: dict[str, Any] = {}
    if b_raw:
        second = _network({**{k: raw[k] for k in B_KEYS if k in raw}, **b_raw}, limits, "b.")
        b = {k: second[k] for k in b_raw}
    feats = _int_list(raw.get("features", []), "features")
    for f in feats:
        _checked(f, "features", "features", Options(FEATURES))
    if len(set(feats)) != len(feats):
        raise ProtocolError(f"features: each feature at most once, got {feats}", "features")
    return Config(
        dataset=dataset,
        features=[f for f in FEATURES if f in feats],  # one order, whatever came
        n=n,
        noise=_number(raw, "noise", float, 0.0, 1.0, "noise"),
        split=_number(raw, "split", float, 0.0, 0.9, "test fraction"),
        seed=_number(raw, "seed", int, 0, 2**31 - 1, "seed"),
        rate=rate,
        mode=mode,
        seeds=seeds,
        member=member,
        b=b,
        **net,
    )


@dataclass
class Table:
    """Data parsed from an uploaded CSV: two feature columns and a target.

    Attributes
    ----------
    X : ndarray, shape (N, 2)
    y : ndarray, shape (N, 1) (0/1 or real values) or (N, k) one-hot
    kind : {"binary", "multiclass", "regression"}
    columns : list of str
        Feature names, then the target's name.
    classes : list
        The target's original values for a classification (index = class), else empty.
    """

    X: np.ndarray
    y: np.ndarray
    kind: str
    columns: list[str]
    classes: list[Any] = field(default_factory=list)


TARGET_NAMES = ("label", "target", "y", "class")


def parse_csv(text: Any, limits: Limits) -> Table:
    """Parse an uploaded CSV file held in memory.

    The file has two numeric feature columns and one target column, separated by commas,
    semicolons or tabs, with or without a header row. The target is the column named
    ``label``, ``target``, ``y`` or ``class`` if there is one, else the last column. A target of
    at most 10 distinct whole numbers is a classification (2 values: binary, 0/1 in sorted
    order; more: one-hot); anything else is a regression.

    Parameters
    ----------
    text : str
        The file's content.
    limits : Limits
        ``max_upload_bytes`` caps the text's size, ``max_samples`` the number of rows.

    Returns
    -------
    Table

    Raises
    ------
    ProtocolError
        Saying what is wrong and where (row numbers count from 1, the header included).
    """
    if not isinstance(text, str):
        raise ProtocolError(f"csv: expected the file's text, got {type(text).__name__}", "csv")
    size = len(text.encode("utf-8"))
    if size > limits.max_upload_bytes:
        raise ProtocolError(
            f"File too large: uploads are limited to {limits.max_upload_bytes // 1000} kB, "
            f"got {size / 1000:.1f} kB",
            "csv",
        )
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ProtocolError("CSV file is empty", "csv")
    first = lines[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header: list[str] | None = None

    def numeric(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    if not all(numeric(c) for c in rows[0]):
        header = [c.strip() for c in rows[0]]
        rows = rows[1:]
    width = len(header) if header is not None else len(rows[0]) if rows else 0
    if width != 3:
        raise ProtocolError(
            f"CSV needs exactly 3 columns (two features and a target), got {width}", "csv"
        )
    if len(rows) < 4:
        raise ProtocolError(f"CSV needs at least 4 data rows, got {len(rows)}", "csv")
    if len(rows) > limits.max_samples:
        raise ProtocolError(
            f"Too many rows: at most {limits.max_samples} samples are allowed, got {len(rows)}",
            "csv",
        )
    offset = 2 if header is not None else 1
    values = np.empty((len(rows), 3))
    for i, row in enumerate(rows):
        if len(row) != 3:
            raise ProtocolError(f"CSV row {i + offset}: expected 3 values, got {len(row)}", "csv")
        for j, cell in enumerate(row):
            try:
                v = float(cell)
            except ValueError:
                raise ProtocolError(
                    f"CSV row {i + offset}, column {j + 1}: expected a number, got {cell!r}", "csv"
                ) from None
            if not math.isfinite(v):
                raise ProtocolError(
                    f"CSV row {i + offset}, column {j + 1}: expected a finite number, got {cell!r}",
                    "csv",
                )
            values[i, j] = v
    names = header if header is not None else ["x1", "x2", "y"]
    target = 2
    for j, name in enumerate(names):
        if name.lower() in TARGET_NAMES:
            target = j
            break
    feats = [j for j in range(3) if j != target]
    X = values[:, feats]
    t = values[:, target]
    distinct = np.unique(t)
    columns = [names[j] for j in feats] + [names[target]]
    if len(distinct) < 2:
        raise ProtocolError("CSV target has a single value; nothing to learn", "csv")
    if len(distinct) <= 10 and np.all(distinct == np.round(distinct)):
        index = np.searchsorted(distinct, t)
        classes = [int(c) for c in distinct]
        if len(distinct) == 2:
            return Table(X, index[:, None].astype(float), "binary", columns, classes)
        return Table(X, np.eye(len(distinct))[index], "multiclass", columns, classes)
    return Table(X, t[:, None].copy(), "regression", columns, [])
