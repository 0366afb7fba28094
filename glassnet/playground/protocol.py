"""The playground's WebSocket protocol: message shapes, the setup's checks, CSV parsing.

Every message is one JSON object with a ``"type"`` key. The page's server and the notebook
widget answer the same messages, through one :class:`~glassnet.playground.driver.Driver`.

From the page to the server:

``{"type": "config", "config": {...}}``
    Build the data and fresh networks from a setup (its settings: the table of controls,
    :mod:`glassnet.playground.controls`); the answer is ``ready`` (data points, the setup as
    understood) and a first ``frame``. When only live settings changed (learning rate, L1, L2,
    batch size, optimizer, pace, threshold...), the same networks go on training (still
    running if they were) and the answer is ``retuned``.
``{"type": "upload", "name": str, "csv": str}``
    A CSV file's text, kept in the session's memory as the data set ``"csv"``; ``uploaded``.
    Nothing the page sends is ever used as a path.
``{"type": "play"}``, ``{"type": "pause"}``, ``{"type": "step", "epochs": int}``,
``{"type": "reset"}``
    Train at the setup's pace until paused (or at ``until``, or once every run converged
    with ``stop``), train a fixed number of epochs, rebuild the networks from their seed. A
    pause is answered with the frame of the epochs trained so far, then ``state``.
``{"type": "inside", "layer", "unit", "sample", "run"}``, ``{"type": "weight", ...}``
    Every number of one unit for one sample (``inside``); set one weight (a frame, then
    ``weight_set``).
``{"type": "export"}``, ``{"type": "model", "name", "data"}``
    Each setup's model file, a script and a command (``export``); a model file's network in
    place of the session's (``ready``).
``{"type": "lesson", "id"}`` or ``{"type": "lesson", "text", "name"}``
    A built-in lesson or a teacher's file, checked whole (``lesson``).
``{"type": "tune", "config", "grid", "epochs"}``
    A setup, then each of its setups' best learning rate of ``grid`` (``ready``, a frame,
    ``tuned`` with the tuned setup).
``{"type": "frames", "binary": bool}``
    Frames as binary messages (:mod:`glassnet.playground.frames`) or JSON.

From the server to the page: ``hello`` (the limits, the table of controls, presets, lessons,
the data sets' kinds and the engine's loss/output rule), ``ready``, ``retuned``, ``uploaded``,
``frame`` (a snapshot: epoch, new loss points, boundary grid, unit maps, weights, gradients,
gradient norms, notes, the race's readout), ``state`` (running or not, and why it stopped),
``inside``, ``weight_set``, ``export``, ``lesson``, ``tuned`` and ``error`` (``message`` and,
when a setting is at fault, ``field``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet._validation import UNDERFLOW, underflows
from glassnet.datasets.csv import default_target, is_data_row, parse_number, read_rows
from glassnet.datasets.recipes import FEATURES, REGRESSION_SETS
from glassnet.playground.controls import (
    B_KEYS,
    CONTROLS,
    DATASET_LABELS,
    DEFAULT_CONFIG,
    LIVE,
    MODES,
    Config,
    controls_message,
    hidden_activations,
    parse_config,
)
from glassnet.playground.limits import Limits, ProtocolError

__all__ = [
    "B_KEYS",
    "DATASETS",
    "DEFAULT_CONFIG",
    "FEATURES",
    "LIVE",
    "MODES",
    "REGRESSION_SETS",
    "Config",
    "ProtocolError",
    "Table",
    "choices",
    "controls_message",
    "hidden_activations",
    "parse_config",
    "parse_csv",
]

#: The data sets the page offers (names and labels; see :mod:`glassnet.playground.controls`).
DATASETS = DATASET_LABELS


def choices() -> dict[str, Any]:
    """The names each choice of the page offers, read from the table of controls (and so
    from the engine's registries at call time: an activation, loss, optimizer or initializer
    registered by the user shows up too); ``regression`` names the regression data sets."""
    out: dict[str, Any] = {c.name: list(c.options()) for c in CONTROLS if c.choices is not None}
    out["regression"] = list(REGRESSION_SETS)
    return out


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


def parse_csv(text: Any, limits: Limits) -> Table:
    """Parse an uploaded CSV file held in memory.

    The file has two numeric feature columns and one target column, separated by commas,
    semicolons, tabs or bars, with or without a header row, read as
    :func:`glassnet.datasets.load_csv` reads a file (its separator, header and numbers). The target is the column named
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
    # the library's reading of a CSV file (glassnet.datasets.load_csv): its byte-order mark,
    # separator, blank and comment lines, whether its first row is a header, what a number is
    try:
        read, _ = read_rows(text, source="CSV")
    except ValueError as exc:
        raise ProtocolError(str(exc).replace("CSV, line ", "CSV row ", 1), "csv") from None
    if not read:
        raise ProtocolError("CSV file is empty", "csv")
    try:
        head = not is_data_row(read[0][1], [f for _, f in read[1:]])
    except ValueError as exc:
        raise ProtocolError(f"CSV row {read[0][0]}: {exc}", "csv") from None
    header: list[str] | None = None
    if head:
        header = read[0][1]
        read = read[1:]
    rows = [fields for _, fields in read]
    where = [line for line, _ in read]
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
    values = np.empty((len(rows), 3))
    for i, row in enumerate(rows):
        if len(row) != 3:
            raise ProtocolError(f"CSV row {where[i]}: expected 3 values, got {len(row)}", "csv")
        for j, cell in enumerate(row):
            v = parse_number(cell.strip())
            if v is None:
                raise ProtocolError(
                    f"CSV row {where[i]}, column {j + 1}: expected a number, got {cell!r}", "csv"
                )
            if not math.isfinite(v):
                raise ProtocolError(
                    f"CSV row {where[i]}, column {j + 1}: expected a finite number, got {cell!r}",
                    "csv",
                )
            if underflows(cell, v):  # 1e-400 was read as 0 (a class 0 label, too)
                raise ProtocolError(
                    f"CSV row {where[i]}, column {j + 1}: {UNDERFLOW.format(cell)}", "csv"
                )
            values[i, j] = v
    names = header if header is not None else ["x1", "x2", "y"]
    try:  # the library's rule: a column named label, target, y or class, else the last
        found = default_target(names if header is not None else [])
    except ValueError as exc:
        raise ProtocolError(f"CSV {exc}".replace("target: ", "", 1), "csv") from None
    target = 2 if found is None else found
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
