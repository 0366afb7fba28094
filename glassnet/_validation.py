"""Argument checks shared by every public entry point.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the argument,
what was expected and what came, so the CLI can print it as one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def unknown_name(kind: str, argument: str, value: Any, valid: Iterable[str]) -> ValueError:
    """The error for a name that is not registered."""
    return ValueError(
        f"{argument}: unknown {kind} {value!r}; expected one of {', '.join(sorted(valid))}"
    )


def positive_int(value: Any, argument: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{argument}: expected an integer >= {minimum}, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{argument}: expected an integer >= {minimum}, got {value}")
    return int(value)


def positive_float(value: Any, argument: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, checking it is finite and > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{argument}: expected a number, got {describe(value)}")
    value = float(value)
    bound = ">= 0" if allow_zero else "> 0"
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{argument}: expected a finite number {bound}, got {value}")
    return value


def finite_matrix(value: Any, argument: str, *, columns: int | None = None) -> np.ndarray:
    """Check that ``value`` is a non-empty 2-D numeric array with finite entries.

    Input is never reshaped: a 1-D array is an error, not a silent column.
    """
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"{argument}: expected a 2-D numeric array, got {describe(value)}"
            ) from exc
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{argument}: expected a numeric array, got dtype {value.dtype}")
    if value.ndim != 2:
        raise ValueError(
            f"{argument}: expected a 2-D array (n_samples, n_features), got shape {value.shape}"
        )
    if value.shape[0] == 0:
        raise ValueError(f"{argument}: expected at least one row (sample), got an empty array")
    if columns is not None and value.shape[1] != columns:
        raise ValueError(
            f"{argument}: expected {columns} columns for this network, got {value.shape[1]}"
        )
    # min and max carry any NaN or infinity, without a mask the size of the data
    if value.dtype.kind == "f" and not (np.isfinite(value.min()) and np.isfinite(value.max())):
        bad = int(np.argwhere(~np.isfinite(value))[0][0])
        raise ValueError(f"{argument}: expected finite values, found NaN or infinity in row {bad}")
    return value
