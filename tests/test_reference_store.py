"""The study store's transaction granularity: one transaction per group, never per run.

A process is killed (SIGKILL) in the middle of writing a group, between two of its rows: the
database must then hold every earlier group whole and nothing of the interrupted one. A row
that fails inside a group must likewise take the whole group with it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from glassnet.study.spec import parse_spec
from glassnet.study.store import DB_NAME, Store

SPEC = """
[study]
name = "store"

[data]
dataset = "xor"

[model]
hidden = 2

[train]
lr = 0.5
epochs = 5
seeds = 3
"""


def _result(k: int) -> dict:
    return {
        "status": "converged",
        "epoch_threshold": k,
        "epoch_paper": -1,
        "diverged_epoch": -1,
        "epochs_run": 5,
        "final_loss": 0.1 * k,
        "final_accuracy": 1.0,
        "final_val_loss": None,
        "final_val_accuracy": None,
        "loss_curve": np.linspace(1, 0.1 * k, 5),
    }


def _group(first_id: int, key: str, n: int = 3):
    entries = [(first_id + i, f"{key}-{i}", key, {"member": i, "group": key}) for i in range(n)]
    return entries, [_result(i) for i in range(n)]


def test_a_failing_row_rolls_back_its_whole_group(tmp_path):
    store = Store.create(tmp_path / "s", parse_spec(SPEC))
    entries, results = _group(0, "a")
    store.write_group(entries, results, 1.0, "host:1")
    entries, results = _group(3, "b")
    results[2] = {**results[2], "loss_curve": None}  # NOT NULL: the third insert fails
    with pytest.raises(sqlite3.IntegrityError):
        store.write_group(entries, results, 1.0, "host:1")
    assert store.count() == 3
    assert store.done_hashes() == {"a-0", "a-1", "a-2"}
    # a duplicate run of a stored group, last in a new group, also takes the group with it
    entries, results = _group(6, "c")
    entries[2] = (9, "a-0", "c", {})
    with pytest.raises(sqlite3.IntegrityError):
        store.write_group(entries, results, 1.0, "host:1")
    assert store.count() == 3
    store.close()


CHILD = """
import os, signal, sys
import numpy as np
sys.path.insert(0, {tests!r})
from test_reference_store import SPEC, _group
from glassnet.study.spec import parse_spec
from glassnet.study.store import Store

store = Store.create({out!r}, parse_spec(SPEC))
store.write_group(*_group(0, "a"), 1.0, "host:1")
inserts = []

def trace(statement):
    if statement.lstrip().upper().startswith("INSERT"):
        inserts.append(statement)
        if len(inserts) == 3:  # two rows of group b are written: die before the third
            os.kill(os.getpid(), signal.SIGKILL)

store.conn.set_trace_callback(trace)
store.write_group(*_group(3, "b"), 1.0, "host:1")
print("not killed")
"""


def test_sigkill_between_the_runs_of_a_group_leaves_none_of_it(tmp_path):
    out = tmp_path / "s"
    code = textwrap.dedent(CHILD).format(tests=os.path.dirname(__file__), out=str(out))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with sqlite3.connect(out / DB_NAME) as db:
        keys = [k for (k,) in db.execute("SELECT group_key FROM runs ORDER BY run_id")]
    assert keys == ["a", "a", "a"]
    store = Store.open(out)
    assert store.count() == 3 and store.done_hashes() == {"a-0", "a-1", "a-2"}
    store.close()
