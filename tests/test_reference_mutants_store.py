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

import struct

import numpy as np
import pytest

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
