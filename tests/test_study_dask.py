"""Studies on a real Dask cluster (``distributed.LocalCluster`` with worker processes)."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glassnet.study as gs
from glassnet.study.store import ARRAYS
from glassnet.study.worker import run_group

distributed = pytest.importorskip("distributed")

SPEC = """
[study]
name = "dask"

[data]
dataset = ["xor", "paper"]

[model]
hidden = [[3], [4]]
activation = ["sigmoid", "tanh"]
output = "identity"

[train]
lr = [0.5, 2.0, 500.0]
epochs = 60
seeds = 2

[convergence]
threshold = 0.2
"""

# Data sets with more than a few samples and hidden layers of one and two units: there NumPy's
# matmul takes another path for the unaligned views Dask hands its workers (issue 9).
WIDE_SPEC = """
[study]
name = "wide"

[data]
dataset = [{name = "moons", n_samples = 160, noise = 0.2}, {name = "digits", classes = "three"}]
validation = 0.75

[model]
hidden = [[1], [2]]
activation = "tanh"

[train]
lr = [0.5, 3.0]
epochs = 10
seeds = 2
"""

MARKER_ENV = "GLASSNET_TEST_DASK_KILL_MARKER"
VOLATILE = ["wall_time", "group_wall_time", "worker", "finished_at"]


def report_epochs(task):
    """Train a group slowly enough to be seen, telling how far it is."""
    task["progress"](0, 60)
    for done in range(1, 4):  # up to 45 of 60 epochs: the rest is not reported
        time.sleep(0.3)
        task["progress"](done * 15, 60)
    return run_group({**task, "progress": None})


def die_once(task):
    """SIGKILL this worker process the first time any group arrives; then train normally."""
    try:
        fd = os.open(os.environ[MARKER_ENV], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return run_group(task)
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    marker = tmp_path_factory.mktemp("dask") / "killed-once"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MARKER_ENV, str(marker))  # inherited by the worker processes
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=50,
        ) as lc:
            yield lc, marker


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "study"
    gs.run(gs.parse_spec(SPEC, "dask.toml"), out, jobs=1)
    return gs.open(out).results()


def assert_same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    keep = [c for c in a.columns if c not in (*VOLATILE, *ARRAYS)]
    pd.testing.assert_frame_equal(a[keep], b[keep])
    for col in ("loss_curve", "grad_norm_init", "saturated_init"):
        for x, y in zip(a[col], b[col], strict=True):
            assert np.array_equal(x, y, equal_nan=True)


def test_cluster_run_equals_local_run(cluster, local, tmp_path):
    lc, _ = cluster
    out = tmp_path / "study"
    events = []
    gs.run(
        gs.parse_spec(SPEC, "dask.toml"),
        out,
        scheduler=lc.scheduler_address,
        progress=events.append,
    )
    df = gs.open(out).results()
    assert len(df) == 48
    assert_same_results(local, df)
    # the groups ran in the workers, not here; this process alone wrote the store
    pids = {int(w.rsplit(":", 1)[1]) for w in df["worker"]}
    assert os.getpid() not in pids
    assert [e.event for e in events if e.event != "tick"] == ["start"] + ["group"] * 8 + ["done"]


def test_cluster_resumes_a_partial_study(cluster, local, tmp_path):
    lc, _ = cluster
    out = tmp_path / "study"
    spec = gs.parse_spec(SPEC, "dask.toml")
    gs.run(spec, out, jobs=1)
    with sqlite3.connect(out / "study.sqlite") as db:  # as if killed after the xor groups
        db.execute("DELETE FROM runs WHERE json_extract(config, '$.dataset.name') = 'paper'")
    assert gs.open(out).status()["runs_done"] == 24
    with distributed.Client(lc.scheduler_address) as client:
        gs.run(spec, out, scheduler=client)
    assert_same_results(local, gs.open(out).results())


def test_a_worker_killed_mid_group_costs_only_that_group(cluster, local, tmp_path):
    lc, marker = cluster
    out = tmp_path / "study"
    with distributed.Client(lc.scheduler_address) as client:
        before = set(client.scheduler_info()["workers"])
        gs.run(gs.parse_spec(SPEC, "dask.toml"), out, scheduler=client, group_fn=die_once)
        client.wait_for_workers(2, timeout=30)
        after = set(client.scheduler_info()["workers"])
    assert Path(marker).is_file()  # a worker really died ...
    assert before != after  # ... and its nanny started a new one
    assert_same_results(local, gs.open(out).results())  # ... and every group is there


def test_cluster_rows_are_bit_equal_to_local_rows_on_real_data(cluster, tmp_path):
    """Every stored number equal bit for bit: one process, the cluster, and a study started
    locally and finished on the cluster."""
    lc, _ = cluster
    spec = gs.parse_spec(WIDE_SPEC, "wide.toml")
    gs.run(spec, tmp_path / "serial", jobs=1)
    serial = gs.open(tmp_path / "serial").results()
    assert len(serial) == 16
    gs.run(spec, tmp_path / "dask", scheduler=lc.scheduler_address)
    assert_same_results(serial, gs.open(tmp_path / "dask").results())
    gs.run(spec, tmp_path / "resumed", jobs=1)
    with sqlite3.connect(tmp_path / "resumed" / "study.sqlite") as db:
        db.execute("DELETE FROM runs WHERE json_extract(config, '$.dataset.name') = 'digits'")
    gs.run(spec, tmp_path / "resumed", scheduler=lc.scheduler_address)
    assert_same_results(serial, gs.open(tmp_path / "resumed").results())


def test_cluster_workers_report_progress_inside_groups(cluster, tmp_path):
    lc, _ = cluster
    text = SPEC.replace('dataset = ["xor", "paper"]', 'dataset = "xor"').replace(
        "hidden = [[3], [4]]", "hidden = [[3]]"
    )
    events: list[gs.Progress] = []
    gs.run(
        gs.parse_spec(text, "t.toml"),
        tmp_path / "t",
        scheduler=lc.scheduler_address,
        group_fn=report_epochs,
        progress=events.append,
    )
    first = next(i for i, e in enumerate(events) if e.event == "group")
    ticks = [e for e in events[:first] if e.event == "tick"]
    assert 0 < max(e.work_done for e in ticks) < 1  # epochs done inside the groups in flight
    assert events[-1].runs_done == 12
