"""Stored runs as a pandas DataFrame, and its CSV / Parquet export."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glassnet._extras import install_hint
from glassnet._files import atomic_path, readable_file, unwritable
from glassnet._validation import known_keywords
from glassnet.study.spec import AXIS_TABLE, activation_label, hidden_label

__all__ = [
    "COLUMNS",
    "activation_label",
    "export_frame",
    "hidden_label",
    "read_export",
    "results_frame",
]


# column -> pandas dtype (curves and config handled separately): the axes' columns come from
# the axis table, each with the dtype it names; "depth" follows "hidden".
_AXIS_COLUMNS: dict[str, str] = {}
for _ax in AXIS_TABLE:
    _AXIS_COLUMNS[_ax.column] = _ax.dtype
    if _ax.name == "hidden":
        _AXIS_COLUMNS["depth"] = "int64"
#: outcome columns of a run (from the store)
OUTCOMES: dict[str, str] = {
    "epoch_threshold": "int64",
    "epoch_paper": "int64",
    "diverged_epoch": "int64",
    "epochs_run": "int64",
    "final_loss": "float64",
    "final_accuracy": "float64",
    "final_val_loss": "float64",
    "final_val_accuracy": "float64",
    "wall_time": "float64",
    "group_wall_time": "float64",
    "group_size": "int64",
    "worker": "string",
    "finished_at": "string",
}
COLUMNS: dict[str, str] = {
    "run_id": "int64",
    "config_hash": "string",
    "group_key": "string",
    **_AXIS_COLUMNS,
    "status": "string",
    "converged": "bool",
    "diverged": "bool",
    **OUTCOMES,
    "config": "string",
}
CURVES = ("loss_curve", "val_loss_curve", "grad_norm_init", "saturated_init")


@known_keywords
def results_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the results DataFrame from :meth:`Store.rows` records."""
    recs = []
    for r in rows:
        c = r["config"]
        rec: dict[str, Any] = {
            "run_id": r["run_id"],
            "config_hash": r["config_hash"],
            "group_key": r["group_key"],
        }
        for ax in AXIS_TABLE:
            rec[ax.column] = ax.value(c)
        rec["depth"] = len(c["hidden"])
        rec["status"] = r["status"]
        rec["converged"] = r["status"] == "converged"
        rec["diverged"] = r["status"] == "diverged"
        for key in OUTCOMES:
            rec[key] = r[key]
        rec["config"] = json.dumps(c, sort_keys=True)
        for key in CURVES:
            rec[key] = r[key]
        recs.append(rec)
    df = pd.DataFrame.from_records(recs, columns=[*COLUMNS, *CURVES])
    return _typed(df)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col, dtype in COLUMNS.items():
        if dtype in ("float64",):
            out[col] = pd.to_numeric(out[col], errors="raise").astype("float64")
        else:
            out[col] = out[col].astype(dtype)
    for col in CURVES:
        out[col] = pd.Series(
            [None if v is None else np.asarray(v, dtype=np.float64) for v in out[col]],
            index=out.index,
            dtype=object,
        )
    return out.reset_index(drop=True)


@known_keywords
def export_frame(df: pd.DataFrame, path: str | os.PathLike[str], format: str = "csv") -> Path:
    """Write a results DataFrame to ``path``.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`results_frame`.
    path : path
        The output file.
    format : {"csv", "parquet"}
        CSV stores loss curves as JSON lists (exact: shortest round-trip floats); Parquet
        (needs the ``parquet`` extra, i.e. pyarrow) stores them as lists of float64. A path
        ending in the other format's extension is refused (:func:`read_export` reads a file
        by its extension).

    Returns
    -------
    Path
        ``path``.
    """
    p = Path(path)
    if format not in ("csv", "parquet"):
        raise ValueError(f"format: expected 'csv' or 'parquet', got {format!r}")
    other = {"csv": ".parquet", "parquet": ".csv"}[format]
    if p.suffix.lower() == other:  # read_export reads by the suffix: it would misread it
        raise ValueError(
            f"path: {str(p)!r} ends in {p.suffix!r} but the format is {format}; name it "
            f"{p.stem}.{format} or write {other[1:]}"
        )
    _check_target(p)
    out = df.copy()
    if format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError(
                f"format: parquet export needs pyarrow: {install_hint('parquet')}"
            ) from exc
    p.parent.mkdir(parents=True, exist_ok=True)
    # written beside the target and renamed over it: a failure leaves the old file whole
    try:
        with atomic_path(p) as tmp:
            if format == "csv":
                for col in CURVES:
                    out[col] = [
                        None if v is None else json.dumps(np.asarray(v).tolist()) for v in out[col]
                    ]
                out.to_csv(tmp, index=False)
            else:
                for col in CURVES:
                    out[col] = [None if v is None else np.asarray(v).tolist() for v in out[col]]
                out.to_parquet(tmp, index=False, engine="pyarrow")
    except OSError as exc:
        raise ValueError(f"path: cannot write {str(p)!r}: {exc.strerror or exc}") from None
    return p


def _check_target(p: Path) -> None:
    """Refuse, before any work, a target that is not a regular file (a directory, a device)
    or that lies under a file."""
    if p.exists() or p.is_symlink():
        if not p.is_file():
            raise ValueError(f"path: {str(p)!r} is not a regular file; refusing to replace it")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"path: cannot write under {str(parent)!r}: it is a file")
            why = unwritable(parent)
            if why is not None:
                raise PermissionError(f"path: cannot write {str(p)!r}: {why}")
            break


@known_keywords
def read_export(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or Parquet file written by :func:`export_frame` (by its suffix) back into
    the DataFrame of :func:`results_frame`."""
    p = readable_file(path, "path", "CSV or Parquet file")
    if p.suffix.lower() == ".parquet":
        df = pd.read_parquet(p, engine="pyarrow")
        for col in CURVES:
            df[col] = [None if v is None else np.asarray(v, np.float64) for v in df[col]]
    else:
        df = pd.read_csv(
            p,
            dtype={c: "string" for c, t in COLUMNS.items() if t == "string"},
            keep_default_na=False,
            na_values={c: [""] for c, t in COLUMNS.items() if t in ("float64", "Int64")},
        )
        for col in CURVES:
            df[col] = [
                None if not isinstance(v, str) or not v else np.asarray(json.loads(v), np.float64)
                for v in df[col]
            ]
    for ax in AXIS_TABLE:  # exports made before an axis existed: it had its default
        if not ax.hashed_at_default and ax.column not in df.columns:
            df[ax.column] = ax.default
    missing = [c for c in (*COLUMNS, *CURVES) if c not in df.columns]
    if missing:
        raise ValueError(f"path: {str(p)!r} is not a study export (missing {missing})")
    return _typed(df[[*COLUMNS, *CURVES]])
