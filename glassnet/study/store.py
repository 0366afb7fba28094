"""The results store of a study: one SQLite database in the study directory.

Layout (``<dir>/study.sqlite``, WAL mode)::

    meta(key TEXT PRIMARY KEY, value TEXT)    spec text, normalised spec JSON and hash, ...
    runs(config_hash TEXT PRIMARY KEY, run_id, group_key, config JSON, status, epochs to
         converge (threshold, paper), final losses and accuracies, wall time, worker,
         loss curves as float64 blobs)

Only finished runs have a row. Rows of one group are inserted in one transaction, so after a
crash (even ``kill -9``) the database holds whole groups only; SQLite's write-ahead log keeps it
consistent. Only the process driving the study writes.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as _metadata
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._files import atomic_write, new_file
from glassnet._validation import known_keywords

__all__ = ["DB_NAME", "SCHEMA_VERSION", "SpecMismatchError", "Store", "__version__"]

try:
    __version__ = _metadata.version("glassnet")
except _metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "0+unknown"

DB_NAME = "study.sqlite"
#: array columns, stored as little-endian float64 blobs
ARRAYS = ("loss_curve", "val_loss_curve", "grad_norm_init", "saturated_init")
SCHEMA_VERSION = 1

_RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "TEXT NOT NULL"),
    ("epoch_threshold", "INTEGER NOT NULL"),
    ("epoch_paper", "INTEGER NOT NULL"),
    ("diverged_epoch", "INTEGER NOT NULL"),
    ("epochs_run", "INTEGER NOT NULL"),
    ("final_loss", "REAL"),
    ("final_accuracy", "REAL"),
    ("final_val_loss", "REAL"),
    ("final_val_accuracy", "REAL"),
    ("wall_time", "REAL"),
    ("group_wall_time", "REAL"),
    ("group_size", "INTEGER"),
    ("worker", "TEXT"),
    ("finished_at", "TEXT"),
    ("loss_curve", "BLOB NOT NULL"),
    ("val_loss_curve", "BLOB"),
    ("grad_norm_init", "BLOB"),
    ("saturated_init", "BLOB"),
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    config_hash TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL UNIQUE,
    group_key TEXT NOT NULL,
    config TEXT NOT NULL,
    {", ".join(f"{name} {decl}" for name, decl in _RESULT_COLUMNS)}
);
"""


class SpecMismatchError(ValueError):
    """A study directory was created from a different spec."""


def _blob(a: np.ndarray | None) -> bytes | None:
    if a is None:
        return None
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def _unblob(b: bytes | None) -> np.ndarray | None:
    if b is None:
        return None
    return np.frombuffer(b, dtype="<f8").copy()


def _num(x: float) -> float | None:
    """SQLite stores NaN as NULL; keep that explicit."""
    return None if x is None or np.isnan(x) else float(x)


@known_keywords
class Store:
    """The SQLite database of one study directory.

    Use :meth:`create` (new or matching study) or :meth:`open` (existing study).
    """

    def __init__(self, directory: str | os.PathLike[str], conn: sqlite3.Connection) -> None:
        self.directory = Path(directory)
        self.conn = conn
        self._lock: Any = None

    # -- opening ----------------------------------------------------------------------------

    @staticmethod
    def _connect(path: Path, argument: str) -> sqlite3.Connection:
        """Open ``path``, refusing (ValueError naming ``argument``) anything that is not an
        SQLite database before writing a byte to it (an existing file that is empty, or not
        a database, is left as it was)."""
        if path.exists():
            if not path.is_file():
                raise ValueError(f"{argument}: {str(path)!r} is not a file")
            if path.stat().st_size == 0:
                raise ValueError(
                    f"{argument}: {str(path)!r} is an empty file, not a study database; "
                    "it was left as it is (delete it to start this study afresh)"
                )
            with open(path, "rb") as fh:
                head = fh.read(16)
            if head != b"SQLite format 3\x00":
                raise ValueError(
                    f"{argument}: {str(path)!r} is not an SQLite database (damaged, or another "
                    "file under that name); it was left as it is"
                )
        else:
            # made here, not by SQLite (whose files are 0o644 whatever the umask): the mode a
            # plain write gives; SQLite gives its journal files the same
            try:
                new_file(path)
            except FileExistsError:  # another process made it meanwhile: SQLite checks it
                pass
            except OSError as exc:  # a read-only mount, a full disk: before any run
                raise ValueError(
                    f"{argument}: cannot create {str(path)!r}: {exc.strerror or exc}"
                ) from None
        try:
            conn = sqlite3.connect(str(path), timeout=60.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise ValueError(
                f"{argument}: cannot open {str(path)!r} as a study database: {exc}"
            ) from None
        return conn

    def _setup(self, argument: str) -> None:
        """Write-ahead log and full sync: called once the file is known to be a study's (or
        new), since switching the journal mode writes to the file's header."""
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            self.conn.close()
            raise ValueError(
                f"{argument}: cannot use {str(self.directory / DB_NAME)!r} as a study "
                f"database: {exc}"
            ) from None

    def _read(self, sql: str, argument: str = "dir") -> list[Any]:
        """Rows of a query; a damaged database is a ValueError naming the file."""
        try:
            return self.conn.execute(sql).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValueError(
                f"{argument}: {str(self.directory / DB_NAME)!r} is damaged ({exc}); "
                "it was left as it is"
            ) from None

    @classmethod
    @known_keywords
    def create(cls, directory: str | os.PathLike[str], spec: Any) -> Store:
        """Open the study in ``directory`` for ``spec``, creating it if needed.

        Parameters
        ----------
        directory : str or Path
            The study directory (created if missing).
        spec : Spec
            The validated spec.

        Raises
        ------
        SpecMismatchError
            If ``directory`` already holds a study made from a different spec.
        """
        d = Path(directory)
        if d.exists() and not d.is_dir():
            raise ValueError(f"out: expected a directory, got the file {str(d)!r}")
        for parent in d.parents:  # refuse `afile/sub` before creating anything
            if parent.exists():
                if not parent.is_dir():
                    raise ValueError(
                        f"out: cannot make a study directory in {str(parent)!r}: it is a file"
                    )
                break
        if d.is_dir() and not (d / DB_NAME).exists() and any(d.iterdir()):
            raise ValueError(
                f"out: {str(d)!r} is a non-empty directory without a study in it; "
                "give a new or empty directory"
            )
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"out: cannot create {str(d)!r}: {exc.strerror or exc}") from None
        path = d / DB_NAME
        existed = path.exists()
        conn = cls._connect(path, "out")
        store = cls(d, conn)
        tables = store._tables("out") if existed else set()
        if tables and "meta" not in tables:  # no tables at all: nothing to lose, start it
            conn.close()
            raise ValueError(
                f"out: {str(path)!r} is an SQLite database but not a study's; it was left as it "
                "is (use another --out directory)"
            )
        store._setup("out")
        try:
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ValueError(
                f"out: {str(path)!r} is damaged ({exc}); it was left as it is"
            ) from None
        meta = store.meta("out")
        if "spec_hash" in meta:
            if meta["spec_hash"] != spec.hash:
                try:
                    old = store.stored_spec("out")
                finally:
                    conn.close()
                raise SpecMismatchError(
                    f"out: {str(d)!r} holds the study {old.get('name')!r} made from a different "
                    f"spec ({_diff(old, spec.normalized)}); refusing to mix results: use another "
                    f"--out directory, or delete {str(d)!r} to start over"
                )
            try:  # the same spec's study: its record read back whole before it is resumed
                store.stored_spec("out")
            except ValueError:
                conn.close()
                raise
            return store
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("spec_text", spec.text),
                    ("spec_source", spec.source),
                    ("spec_description", spec.description),
                    ("spec_json", json.dumps(spec.normalized, sort_keys=True)),
                    ("spec_hash", spec.hash),
                    ("created", now),
                    ("glassnet_version", __version__),
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()  # as every other refusal here: the caller never gets the store
            raise
        with atomic_write(d / "spec.toml", "w", encoding="utf-8") as f:
            f.write(spec.text)
        return store

    @classmethod
    @known_keywords
    def open(cls, directory: str | os.PathLike[str]) -> Store:
        """Open an existing study directory.

        Raises
        ------
        FileNotFoundError
            If ``directory`` holds no study database.
        """
        if not os.fspath(directory):  # Path("") is ".": it was named as "no study in '.'"
            raise ValueError("dir: expected a study directory, got ''")
        d = Path(directory)
        path = d / DB_NAME
        if not path.is_file():
            raise FileNotFoundError(f"dir: no study in {str(d)!r} (no {DB_NAME})")
        conn = cls._connect(path, "dir")
        store = cls(d, conn)
        try:
            if "meta" not in store._tables("dir") or "spec_hash" not in store.meta():
                raise ValueError(f"dir: {str(path)!r} is not a complete study database")
            store.stored_spec("dir")
            store._read("SELECT COUNT(*) FROM runs")
        except BaseException:
            conn.close()
            raise
        store._setup("dir")
        return store

    def lock(self) -> None:
        """Take the study's writer lock (``<dir>/.lock``) for as long as this store is open.

        Raises
        ------
        ValueError
            If another process is running this study (it holds the lock). The operating system
            releases the lock when its holder exits, however it exits (even ``kill -9``).
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        fh = open(self.directory / ".lock", "a+")  # held until close()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise ValueError(
                f"out: another `glassnet study run` is writing {str(self.directory)!r}; "
                "wait for it to finish (or stop it) before running this study again"
            ) from None
        self._lock = fh

    def close(self) -> None:
        """Close the database connection (and release the writer lock, if held)."""
        self.conn.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------------

    def _tables(self, argument: str) -> set[str]:
        rows = self._read("SELECT name FROM sqlite_master WHERE type = 'table'", argument)
        return {name for (name,) in rows}

    @known_keywords
    def meta(self, argument: str = "dir") -> dict[str, str]:
        """The ``meta`` table as a dict."""
        return dict(self._read("SELECT key, value FROM meta", argument))

    @known_keywords
    def stored_spec(self, argument: str = "dir") -> dict[str, Any]:
        """The spec this study was made from, as stored (``spec_json``: its ``name``, ``axes``
        and ``fixed`` settings), checked: a damaged record is a ValueError naming the
        database (it was a KeyError, or JSON's own words about no file)."""
        meta = self.meta(argument)
        where = f"{argument}: {str(self.directory / DB_NAME)!r}"
        try:
            norm = json.loads(meta["spec_json"])
        except KeyError:
            raise ValueError(f"{where} is damaged: it holds no spec_json record") from None
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{where} is damaged: its spec_json is not JSON ({exc})") from None
        if not (
            isinstance(norm, dict)
            and isinstance(norm.get("name"), str)
            and isinstance(norm.get("axes"), dict)
            and all(isinstance(v, list) for v in norm["axes"].values())
            and isinstance(norm.get("fixed"), dict)
            and isinstance(meta.get("spec_text"), str)
        ):
            raise ValueError(
                f"{where} is damaged: its spec record is not a study's (expected a name, axes "
                "of lists and fixed settings, and the spec's text)"
            )
        return norm

    def done_hashes(self) -> set[str]:
        """Config hashes of every run already stored."""
        return {h for (h,) in self._read("SELECT config_hash FROM runs")}

    def count(self) -> int:
        """Number of stored runs."""
        return int(self._read("SELECT COUNT(*) FROM runs")[0][0])

    def status_counts(self) -> dict[str, int]:
        """Stored runs per status."""
        rows = self._read("SELECT status, COUNT(*) FROM runs GROUP BY status")
        return {s: int(n) for s, n in rows}

    def wall_time(self) -> float:
        """Sum of the stored runs' seconds (each group's seconds once)."""
        return float(self._read("SELECT COALESCE(SUM(wall_time), 0.0) FROM runs")[0][0])

    def rows(self) -> list[dict[str, Any]]:
        """Every stored run, by ``run_id``, with decoded config and curves."""
        try:
            cur = self.conn.execute("SELECT * FROM runs ORDER BY run_id")
            names = [c[0] for c in cur.description]
            fetched = cur.fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValueError(
                f"dir: {str(self.directory / DB_NAME)!r} is damaged ({exc}); it was left as it is"
            ) from None
        out = []
        for row in fetched:
            rec = dict(zip(names, row, strict=True))
            rec["config"] = json.loads(rec["config"])
            for key in ARRAYS:
                rec[key] = _unblob(rec[key])
            out.append(rec)
        return out

    # -- writing ----------------------------------------------------------------------------

    @known_keywords
    def write_group(
        self,
        entries: Sequence[tuple[int, str, str, Mapping[str, Any]]],
        results: Sequence[Mapping[str, Any]],
        wall_time: float,
        worker: str,
    ) -> None:
        """Insert the runs of one finished group in one transaction.

        Parameters
        ----------
        entries : sequence of (run_id, config_hash, group_key, config)
            The members, in order.
        results : sequence of dict
            One result per member (see :func:`glassnet.study.worker.run_group`).
        wall_time : float
            Seconds the group took; each run records ``wall_time / P``.
        worker : str
            ``host:pid`` of the process that trained the group.
        """
        if len(entries) != len(results):
            raise ValueError(
                f"results: expected {len(entries)} results (one per member), got {len(results)}"
            )
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        P = len(entries)
        rows = []
        for (run_id, h, gkey, cfg), r in zip(entries, results, strict=True):
            rows.append(
                (
                    h,
                    int(run_id),
                    gkey,
                    json.dumps(cfg, sort_keys=True),
                    r["status"],
                    int(r["epoch_threshold"]),
                    int(r["epoch_paper"]),
                    int(r["diverged_epoch"]),
                    int(r["epochs_run"]),
                    _num(r["final_loss"]),
                    _num(r["final_accuracy"]),
                    _num(r["final_val_loss"]),
                    _num(r["final_val_accuracy"]),
                    wall_time / P,
                    wall_time,
                    P,
                    worker,
                    now,
                    _blob(r["loss_curve"]),
                    _blob(r.get("val_loss_curve")),
                    _blob(r.get("grad_norm_init")),
                    _blob(r.get("saturated_init")),
                )
            )
        cols = "config_hash, run_id, group_key, config, " + ", ".join(n for n, _ in _RESULT_COLUMNS)
        marks = ", ".join("?" * (4 + len(_RESULT_COLUMNS)))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(f"INSERT INTO runs({cols}) VALUES ({marks})", rows)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Human summary of which parts of two normalised specs differ."""
    keys: list[str] = []
    if old.get("name") != new.get("name"):
        keys.append("name")
    for part in ("axes", "fixed"):
        a, b = old.get(part, {}), new.get(part, {})
        for k in sorted(set(a) | set(b)):
            if json.dumps(a.get(k), sort_keys=True) != json.dumps(b.get(k), sort_keys=True):
                keys.append(k)
    return "differs in " + ", ".join(keys) if keys else "different spec"
