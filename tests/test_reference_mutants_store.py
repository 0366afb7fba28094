"""What the mutation run of study/store.py found unchecked (issue 26), each against a reference
written here:

* a study directory made from another spec is refused naming what differs, word for word
  (the name, then the axes and the fixed settings that differ, in sorted order; a key present
  on one side only differs; the order of a nested table's keys does not);
* a curve is stored as little-endian float64 bytes, whatever its dtype (the reference:
  ``struct.pack("<d", ...)``), and read back as float64; NaN is stored as SQL NULL;
* the refusals of a path that is no study database, and of a second writer, name the path
  and the way out, word for word; the writer lock is the file ``<dir>/.lock``.
"""

from __future__ import annotations

import datetime as dt
import errno
import importlib.metadata
import json
import sqlite3
import struct
from pathlib import Path

import numpy as np
import pytest

import glassnet._files
from glassnet.study.spec import parse_spec
from glassnet.study.store import DB_NAME, SpecMismatchError, Store, _blob, _diff, _num, _unblob

SPEC = """
[study]
name = "store"

[data]
dataset = "xor"

[model]
hidden = 2

[train]
lr = [0.5, 1.0]
epochs = 5
seeds = 2
"""


def test_a_study_of_another_spec_is_refused_naming_what_differs(tmp_path):
    out = tmp_path / "s"
    Store.create(out, parse_spec(SPEC, "a.toml")).close()
    other = SPEC.replace('"store"', '"other"').replace("epochs = 5", "epochs = 6")
    other = other.replace("[0.5, 1.0]", "[0.5, 2.0]") + "\n[run]\nmax_population = 4\n"
    with pytest.raises(SpecMismatchError) as info:
        Store.create(out, parse_spec(other, "b.toml"))
    assert str(info.value) == (
        f"out: {str(out)!r} holds the study 'store' made from a different spec (differs in "
        "name, epochs, lr, max_population); refusing to mix results: use another --out "
        f"directory, or delete {str(out)!r} to start over"
    )
    Store.create(out, parse_spec(SPEC, "a.toml")).close()  # the same spec opens it


def test_the_difference_of_two_specs_in_words():
    assert _diff({"axes": {"a": 1}}, {"axes": {"b": 1}}) == "differs in a, b"
    assert _diff({}, {"fixed": {"z": 1}, "name": "n"}) == "differs in name, z"
    assert _diff({"axes": {"b": [1], "a": [2]}}, {"axes": {"a": [3], "b": [4]}}) == (
        "differs in a, b"
    )
    nested = {"fixed": {"paper": {"x": 1, "y": 2}}}
    reordered = {"fixed": {"paper": {"y": 2, "x": 1}}}
    assert _diff(nested, reordered) == "different spec"
    assert _diff(reordered, nested) == "different spec"
    assert _diff({"name": "n"}, {"name": "n"}) == "different spec"


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, ">f8"])
def test_a_curve_is_stored_as_little_endian_float64(dtype):
    a = np.array([1.5, -2.0, 0.25], dtype=dtype) if dtype != np.int64 else np.array([1, -2, 3])
    blob = _blob(a)
    assert blob == struct.pack("<3d", *(float(v) for v in a))
    back = _unblob(blob)
    assert back.dtype == np.float64 and back.flags.writeable
    np.testing.assert_array_equal(back, a.astype(np.float64))
    assert _blob(None) is None and _unblob(None) is None


def test_nan_is_stored_as_null():
    assert _num(float("nan")) is None and _num(None) is None
    assert _num(np.float32(0.5)) == 0.5 and type(_num(np.float32(0.5))) is float


def test_what_is_no_study_database_is_refused_by_name(tmp_path):
    d = tmp_path / "d"
    (d / DB_NAME).mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as info:
        Store.open(d)
    assert str(info.value) == f"dir: no study in {str(d)!r} (no {DB_NAME})"
    path = tmp_path / "x.db"
    path.write_bytes(b"")
    with pytest.raises(ValueError) as info:
        Store._connect(path, "out")
    assert str(info.value) == (
        f"out: {str(path)!r} is an empty file, not a study database; it was left as it is "
        "(delete it to start this study afresh)"
    )
    path.write_bytes(b"x")  # one byte: not empty, not SQLite
    with pytest.raises(ValueError) as info:
        Store._connect(path, "out")
    assert str(info.value) == (
        f"out: {str(path)!r} is not an SQLite database (damaged, or another file under that "
        "name); it was left as it is"
    )
    assert path.read_bytes() == b"x"
    with pytest.raises(ValueError) as info:
        Store._connect(tmp_path, "dir")
    assert str(info.value) == f"dir: {str(tmp_path)!r} is not a file"


def test_a_second_writer_is_refused_and_the_lock_is_the_dot_lock_file(tmp_path):
    out = tmp_path / "s"
    spec = parse_spec(SPEC, "a.toml")
    first = Store.create(out, spec)
    first.lock()
    assert (out / ".lock").is_file()
    second = Store.open(out)
    try:
        with pytest.raises(ValueError) as info:
            second.lock()
        assert str(info.value) == (
            f"out: another `glassnet study run` is writing {str(out)!r}; wait for it to "
            "finish (or stop it) before running this study again"
        )
    finally:
        second.close()
        first.close()
    first.close()  # closing twice is harmless
    again = Store.open(out)
    again.lock()  # released with its holder
    again.close()


def test_a_group_is_stored_field_by_field(tmp_path):
    import datetime as dt

    store = Store.create(tmp_path / "s", parse_spec(SPEC, "a.toml"))
    entries = [(7, "h7", "g", {"b": 2, "a": 1}), (8, "h8", "g", {"a": 3})]
    results = [
        {"status": "converged", "epoch_threshold": 3, "epoch_paper": 4, "diverged_epoch": -1,
         "epochs_run": 5, "final_loss": 0.25, "final_accuracy": 0.75, "final_val_loss": 0.5,
         "final_val_accuracy": 0.625, "loss_curve": np.array([1.0, 0.5]),
         "val_loss_curve": np.array([2.0, 1.0]), "grad_norm_init": np.array([0.125]),
         "saturated_init": np.array([0.0, 1.0])},
        {"status": "diverged", "epoch_threshold": -1, "epoch_paper": -1, "diverged_epoch": 2,
         "epochs_run": 2, "final_loss": float("nan"), "final_accuracy": 0.5,
         "final_val_loss": None, "final_val_accuracy": None, "loss_curve": np.array([1.0])},
    ]  # fmt: skip
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    store.write_group(entries, results, 3.0, "host:1")
    after = dt.datetime.now(dt.UTC)
    raw = store.conn.execute("SELECT config FROM runs ORDER BY run_id").fetchall()
    assert raw == [('{"a": 1, "b": 2}',), ('{"a": 3}',)]  # sorted keys: one text per config
    first, second = store.rows()
    assert (first["run_id"], first["config_hash"], first["group_key"]) == (7, "h7", "g")
    assert first["config"] == {"a": 1, "b": 2}
    expected = {"status": "converged", "epoch_threshold": 3, "epoch_paper": 4,
                "diverged_epoch": -1, "epochs_run": 5, "final_loss": 0.25,
                "final_accuracy": 0.75, "final_val_loss": 0.5, "final_val_accuracy": 0.625,
                "wall_time": 1.5, "group_wall_time": 3.0, "group_size": 2,
                "worker": "host:1"}  # fmt: skip
    assert {k: first[k] for k in expected} == expected
    for key in ("loss_curve", "val_loss_curve", "grad_norm_init", "saturated_init"):
        np.testing.assert_array_equal(first[key], results[0][key])
    stamp = dt.datetime.fromisoformat(first["finished_at"])
    assert stamp.tzinfo is not None and before <= stamp <= after
    assert first["finished_at"] == second["finished_at"]  # one transaction, one time
    assert second["final_loss"] is None and second["final_val_loss"] is None
    assert second["val_loss_curve"] is None and second["final_accuracy"] == 0.5
    with pytest.raises(ValueError) as info:
        store.write_group(entries, results[:1], 1.0, "host:1")
    assert str(info.value) == "results: expected 2 results (one per member), got 1"
    store.close()


def _damaged(tmp_path, first: int):
    """A study whose database has garbage from byte ``first`` on (its header intact)."""
    out = tmp_path / f"s{first}"
    store = Store.create(out, parse_spec(SPEC, "a.toml"))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db = out / DB_NAME
    raw = bytearray(db.read_bytes())
    assert len(raw) >= 2 * 4096
    raw[first:] = b"\xa5" * (len(raw) - first)
    db.write_bytes(bytes(raw))
    return out, db, bytes(raw)


@pytest.mark.parametrize("first", [100, 4096])  # the schema page itself, or the pages after it
def test_a_damaged_database_is_refused_naming_it_and_left_as_it_is(tmp_path, first):
    out, db, raw = _damaged(tmp_path, first)
    for argument, call in (("dir", Store.open), ("out", lambda d: Store.create(d, parse_spec(SPEC, "a.toml")))):  # fmt: skip
        with pytest.raises(ValueError) as info:
            call(out)
        message = str(info.value)
        assert message.startswith(f"{argument}: {str(db)!r} is damaged ("), message
        assert message.endswith("); it was left as it is"), message
        assert db.read_bytes() == raw


def test_the_busy_timeout_is_sixty_seconds(tmp_path):
    # SQLite's own reading of the connection's busy handler, in milliseconds (its default
    # through Python is 5 s): a reader or the exporter waits a minute for the writer
    out = tmp_path / "s"
    Store.create(out, parse_spec(SPEC, "a.toml")).close()
    for store in (Store.create(out, parse_spec(SPEC, "a.toml")), Store.open(out)):
        assert store.conn.execute("PRAGMA busy_timeout").fetchall() == [(60000,)]
        store.close()


def _result(i: int) -> dict:
    # a curve of 1000 points: each row overflows its page, so the runs table has pages of
    # its own beyond the schema's, the meta table's and the indexes'
    return {"status": "converged", "epoch_threshold": 3, "epoch_paper": 4, "diverged_epoch": -1,
            "epochs_run": 5, "final_loss": 0.25, "final_accuracy": 0.75, "final_val_loss": 0.5,
            "final_val_accuracy": 0.625, "loss_curve": np.full(1000, float(i))}  # fmt: skip


def _study_with_runs(tmp_path):
    out = tmp_path / "s"
    store = Store.create(out, parse_spec(SPEC, "a.toml"))
    for i in range(4):
        store.write_group([(i, f"h{i}", "g", {"a": i})], [_result(i)], 1.0, "host:1")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return out, out / DB_NAME


def test_a_database_that_sqlite_cannot_open_is_refused_naming_it(tmp_path, monkeypatch):
    # the file passes the header check and sqlite3.connect fails (a permission refusal in
    # practice, which root never gets): the refusal names the argument, the file and SQLite's
    # reason, and the file is not touched
    out, db = _study_with_runs(tmp_path)
    raw = db.read_bytes()
    real = sqlite3.connect

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    for argument, call in (("dir", Store.open), ("out", lambda d: Store.create(d, parse_spec(SPEC, "a.toml")))):  # fmt: skip
        with pytest.raises(ValueError) as info:
            call(out)
        assert str(info.value) == (
            f"{argument}: cannot open {str(db)!r} as a study database: unable to open database file"
        )
        assert info.value.__cause__ is None and info.value.__suppress_context__
        assert db.read_bytes() == raw
    monkeypatch.setattr(sqlite3, "connect", real)
    with Store.open(out) as store:
        assert store.count() == 4


class _NoPragma(sqlite3.Connection):
    """A connection on which every PRAGMA fails as WAL fails on a read-only directory."""

    closed = False

    def execute(self, sql, *args):
        if sql.startswith("PRAGMA"):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return super().execute(sql, *args)

    def close(self):
        type(self).closed = True
        super().close()


def test_a_database_whose_pragmas_fail_is_refused_naming_it(tmp_path, monkeypatch):
    out, db = _study_with_runs(tmp_path)
    raw = db.read_bytes()
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, factory=_NoPragma, **k))
    for argument, call in (("dir", Store.open), ("out", lambda d: Store.create(d, parse_spec(SPEC, "a.toml")))):  # fmt: skip
        _NoPragma.closed = False
        with pytest.raises(ValueError) as info:
            call(out)
        assert str(info.value) == (
            f"{argument}: cannot use {str(db)!r} as a study database: attempt to write a "
            "readonly database"
        )
        assert info.value.__cause__ is None and info.value.__suppress_context__
        assert _NoPragma.closed  # the connection is not left open
        assert db.read_bytes() == raw
    monkeypatch.setattr(sqlite3, "connect", real)
    with Store.open(out) as store:
        assert store.count() == 4


def test_a_runs_table_damaged_after_opening_is_refused_naming_it(tmp_path):
    # garbage over the runs table's own pages (found with SQLite's dbstat) and nothing else:
    # the study opens (its count and hashes come from the indexes), reading the runs fails
    out, db = _study_with_runs(tmp_path)
    with sqlite3.connect(db) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'runs'")]
    conn.close()
    raw = bytearray(db.read_bytes())
    assert pages and max(pages) * size <= len(raw)
    for page in pages:
        raw[(page - 1) * size : page * size] = b"\xa5" * size
    db.write_bytes(bytes(raw))
    store = Store.open(out)
    try:
        assert store.count() == 4 and store.done_hashes() == {"h0", "h1", "h2", "h3"}
        expected = (
            f"dir: {str(db)!r} is damaged (database disk image is malformed); it was left as it is"
        )
        for read in (store.rows, store.wall_time, store.status_counts):
            with pytest.raises(ValueError) as info:
                read()
            assert str(info.value) == expected
            assert info.value.__cause__ is None and info.value.__suppress_context__
        assert store.meta()["spec_hash"] == parse_spec(SPEC, "a.toml").hash
    finally:
        store.close()
    assert db.read_bytes() == bytes(raw)


def test_a_new_study_records_its_spec_and_provenance_in_meta(tmp_path):
    text = SPEC.replace('name = "store"', 'name = "store"\ndescription = "naïve x ≥ 1"')
    spec = parse_spec(text, "a.toml")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with Store.create(tmp_path / "a" / "b" / "s", spec) as store:  # parents made too
        after = dt.datetime.now(dt.UTC)
        meta = store.meta()
    assert sorted(meta) == sorted(
        ["schema_version", "spec_text", "spec_source", "spec_description", "spec_json",
         "spec_hash", "created", "glassnet_version"]
    )  # fmt: skip
    assert meta["schema_version"] == "1"
    assert (meta["spec_text"], meta["spec_source"]) == (text, "a.toml")
    assert meta["spec_description"] == "naïve x ≥ 1"
    assert meta["glassnet_version"] == importlib.metadata.version("glassnet")
    # one text per spec: the normalised spec's JSON with its keys sorted at every level
    assert json.loads(meta["spec_json"]) == spec.normalized
    assert meta["spec_json"] == json.dumps(json.loads(meta["spec_json"]), sort_keys=True)
    assert list(spec.normalized) != sorted(spec.normalized)  # so sorting is seen
    created = dt.datetime.fromisoformat(meta["created"])
    assert created.utcoffset() == dt.timedelta(0) and before <= created <= after
    assert meta["created"] == created.isoformat(timespec="seconds")


def test_the_spec_file_beside_the_database_is_utf8_whatever_the_locale(tmp_path, monkeypatch):
    # TOML files are UTF-8 (the TOML specification); on a machine whose locale encoding is
    # Latin-1 a plain text write would give other bytes: simulated by that default
    text = SPEC.replace('name = "store"', 'name = "store"\ndescription = "naïve x ≥ 1"')
    real = open

    def latin1_default(file, mode="r", *args, encoding=None, **kwargs):
        if "b" not in mode and encoding is None:
            encoding = "latin-1"
        return real(file, mode, *args, encoding=encoding, **kwargs)

    monkeypatch.setattr(glassnet._files, "open", latin1_default, raising=False)
    with pytest.raises(UnicodeEncodeError):  # the simulation bites: "≥" is no Latin-1
        with glassnet._files.atomic_write(tmp_path / "x.toml", "w") as f:
            f.write(text)
    Store.create(tmp_path / "s", parse_spec(text, "a.toml")).close()
    assert (tmp_path / "s" / "spec.toml").read_bytes() == text.encode("utf-8")


def test_an_out_that_cannot_hold_a_study_is_refused_by_name(tmp_path, monkeypatch):
    spec = parse_spec(SPEC, "a.toml")
    afile = tmp_path / "f"
    afile.write_text("x")
    with pytest.raises(ValueError) as info:
        Store.create(afile, spec)
    assert str(info.value) == f"out: expected a directory, got the file {str(afile)!r}"
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    with pytest.raises(ValueError) as info:
        Store.create(full, spec)
    assert str(info.value) == (
        f"out: {str(full)!r} is a non-empty directory without a study in it; give a new or "
        "empty directory"
    )
    assert sorted(p.name for p in full.iterdir()) == ["notes.txt"]
    other = tmp_path / "other"
    other.mkdir()
    db = other / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    raw = db.read_bytes()
    with pytest.raises(ValueError) as info:
        Store.create(other, spec)
    assert str(info.value) == (
        f"out: {str(db)!r} is an SQLite database but not a study's; it was left as it is "
        "(use another --out directory)"
    )
    assert db.read_bytes() == raw

    def refuse(self, *args, **kwargs):  # what mkdir gives where the user may not write
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    new = tmp_path / "new"
    with pytest.raises(ValueError) as info:
        Store.create(new, spec)
    assert str(info.value) == f"out: cannot create {str(new)!r}: Permission denied"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_database_whose_schema_cannot_be_written_is_refused_naming_it(tmp_path, monkeypatch):
    class Damaged(sqlite3.Connection):
        def executescript(self, script):
            raise sqlite3.DatabaseError("database disk image is malformed")

    out = tmp_path / "s"
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, factory=Damaged, **k))
    with pytest.raises(ValueError) as info:
        Store.create(out, parse_spec(SPEC, "a.toml"))
    db = out / DB_NAME
    assert str(info.value) == (
        f"out: {str(db)!r} is damaged (database disk image is malformed); it was left as it is"
    )
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_failed_first_write_of_meta_is_rolled_back_and_closed(tmp_path, monkeypatch):
    # a spec whose description SQLite cannot store: the insert fails, SQLite's own error
    # comes out, and none of the meta rows is left behind (one transaction)
    spec = parse_spec(SPEC, "a.toml")

    class Odd:
        text, source, normalized, hash = spec.text, spec.source, spec.normalized, spec.hash
        description = object()

    out = tmp_path / "s"
    closed = []
    real = sqlite3.connect

    class Tracked(sqlite3.Connection):
        def close(self):
            closed.append(True)
            super().close()

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, factory=Tracked, **k))
    with pytest.raises(sqlite3.ProgrammingError):
        Store.create(out, Odd())
    assert closed == [True]  # the store the caller never gets is closed
    monkeypatch.setattr(sqlite3, "connect", real)
    conn = sqlite3.connect(out / DB_NAME)
    try:
        assert conn.execute("SELECT COUNT(*) FROM meta").fetchone() == (0,)
    finally:
        conn.close()
    with Store.create(out, spec) as store:  # the study starts afresh
        assert store.meta()["spec_hash"] == spec.hash


def test_a_database_without_the_spec_is_no_complete_study(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    db = d / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("CREATE TABLE runs (x)")
    conn.commit()
    conn.close()
    raw = db.read_bytes()
    with pytest.raises(ValueError) as info:
        Store.open(d)
    assert str(info.value) == f"dir: {str(db)!r} is not a complete study database"
    assert db.read_bytes() == raw
