"""Running studies: exact numbers, the store, resume after SIGKILL, refusal, parallel runs, export."""

from __future__ import annotations

import concurrent.futures.process as cfp
import itertools
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import glassnet as gn
import glassnet.study as gs
from glassnet.cli import cli
from glassnet.study.store import ARRAYS
from glassnet.study.worker import run_group

SPEC = """
[study]
name = "small"

[data]
dataset = ["xor", "paper"]

[model]
hidden = [[3], [4]]
activation = ["sigmoid", "tanh"]
output = "identity"
bias = "neuron"
init = "xavier"

[train]
loss = "mse"
optimizer = "gd"
lr = [0.5, 2.0, 500.0]
epochs = 60
seeds = 2

[convergence]
threshold = 0.2
"""

# Slow enough that a kill lands while groups remain: 12 groups of 6 runs, 1500 epochs each.
KILL_SPEC = SPEC.replace("hidden = [[3], [4]]", "hidden = [[3], [4], [5]]").replace(
    "epochs = 60", "epochs = 1500"
)

CLI = [sys.executable, "-c", "from glassnet.cli import main; main()"]
VOLATILE = ["wall_time", "group_wall_time", "worker", "finished_at", "group_size"]


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Every number equal (bit for bit), except timings and where it ran."""
    keep = [c for c in a.columns if c not in (*VOLATILE, *ARRAYS)]
    pd.testing.assert_frame_equal(a[keep], b[keep])
    for col in ("loss_curve", "grad_norm_init", "saturated_init"):
        for x, y in zip(a[col], b[col], strict=True):
            assert np.array_equal(x, y, equal_nan=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small study, run in one go in this process."""
    out = tmp_path_factory.mktemp("ref") / "study"
    spec = gs.parse_spec(SPEC, "small.toml")
    gs.run(spec, out, jobs=1)
    return gs.open(out).results()


def test_each_run_equals_its_own_training(reference):
    """Row k holds exactly what training its configuration alone, as a single network, gives
    (and what a population of one gives)."""
    df = reference
    assert len(df) == 2 * 2 * 2 * 3 * 2 == 48
    assert df["run_id"].tolist() == list(range(48))
    assert df["config_hash"].is_unique
    # lr 2 and 500 on identity outputs run away geometrically (the divergence rule catches a
    # loss 10^4 times its start long before it overflows)
    assert df["status"].value_counts().to_dict() == {
        "not_converged": 4,
        "converged": 9,
        "diverged": 35,
    }
    X, y = gn.datasets.load("xor")
    for _, row in df[(df["dataset"] == "xor") & (df["hidden"] == "4")].iterrows():
        kw = {
            "activation": row["activation"],
            "output": "identity",
            "bias": "neuron",
            "init": "xavier",
        }
        fit = {"loss": "mse", "optimizer": "gd", "epochs": 60}
        one = gn.Network([2, 4, 1], seed=[int(row["seed"])], **kw)
        hist = one.fit(X, y, lr=[row["lr"]], stats_every=60, **fit)
        assert np.array_equal(row["grad_norm_init"], hist.layer_stats["grad_norm"][0, 0])
        assert np.array_equal(row["saturated_init"], hist.layer_stats["saturated"][0, 0])
        end = hist.diverged_epoch[0] + 1 if hist.diverged[0] else 60
        assert np.array_equal(hist.loss[0, :end], row["loss_curve"], equal_nan=True)
        assert row["diverged"] == bool(hist.diverged[0])
        assert row["diverged_epoch"] == hist.diverged_epoch[0]
        assert row["epochs_run"] == end == len(row["loss_curve"])
        assert row["epoch_threshold"] == gn.convergence.threshold_epoch(hist.loss[0], 0.2)
        assert row["converged"] == (row["epoch_threshold"] >= 0 and not row["diverged"])
        if row["diverged"]:
            assert np.isnan(row["final_accuracy"])  # its loss may still be finite, if huge
            continue
        assert row["epoch_paper"] == gn.convergence.paper_epoch(hist.loss[0])
        assert row["final_loss"] == one.loss(X, y, loss="mse")[0]
        assert row["final_accuracy"] == gn.metrics.accuracy(one.predict(X), y)[0]
        single = gn.Network([2, 4, 1], seed=int(row["seed"]), **kw)
        assert np.array_equal(
            single.fit(X, y, lr=row["lr"], stats_every=0, **fit).loss, row["loss_curve"]
        )


def test_store_layout_and_status(tmp_path, reference):
    out = tmp_path / "s"
    study = gs.run(gs.parse_spec(SPEC, "small.toml"), out, jobs=1)
    assert (out / "study.sqlite").is_file()
    assert (out / "spec.toml").read_text() == SPEC
    with sqlite3.connect(out / "study.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 48
        (blob,) = db.execute("SELECT loss_curve FROM runs WHERE run_id = 5").fetchone()
    assert np.array_equal(np.frombuffer(blob, "<f8"), reference["loss_curve"][5], equal_nan=True)
    st = study.status()
    assert st["runs_total"] == st["runs_done"] == 48
    assert st["runs_missing"] == st["groups_missing"] == 0
    assert sum(st["status"].values()) == 48
    assert st["status"] == reference["status"].value_counts().to_dict()


def test_progress_callback_counts_runs(tmp_path):
    events = []
    gs.run(gs.parse_spec(SPEC, "small.toml"), tmp_path / "p", jobs=1, progress=events.append)
    assert [e.event for e in events if e.event != "tick"] == ["start"] + ["group"] * 8 + ["done"]
    assert [e.runs_done for e in events if e.event != "tick"] == [
        0,
        6,
        12,
        18,
        24,
        30,
        36,
        42,
        48,
        48,
    ]
    assert [e.runs_left for e in events][-1] == 0
    assert events[0].eta is None and events[-1].eta == 0.0
    assert events[-1].groups_done == events[-1].groups_total == 8


def test_different_spec_is_refused(tmp_path):
    out = tmp_path / "s"
    gs.run(gs.parse_spec(SPEC, "small.toml"), out, jobs=1)
    other = gs.parse_spec(SPEC.replace("epochs = 60", "epochs = 61"), "other.toml")
    with pytest.raises(gs.SpecMismatchError, match=r"different spec \(differs in epochs\)"):
        gs.run(other, out, jobs=1)
    # the CLI: one line, exit status 2, and the store is untouched
    path = write(tmp_path, SPEC.replace("lr = [0.5, 2.0, 500.0]", "lr = [0.5]"))
    proc = subprocess.run(
        [*CLI, "study", "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "differs in lr" in proc.stderr
    assert proc.stderr.startswith("error: --out: ")
    assert gs.open(out).status()["runs_done"] == 48


def test_a_directory_that_is_not_a_study_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="non-empty directory without a study"):
        gs.run(gs.parse_spec(SPEC, "small.toml"), tmp_path, jobs=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_one_writer_per_study(tmp_path):
    out = tmp_path / "s"
    spec = gs.parse_spec(SPEC, "small.toml")
    holder = gs.Store.create(out, spec)
    holder.lock()  # as if another `study run` were writing
    try:
        with pytest.raises(ValueError, match="another `glassnet study run` is writing"):
            gs.run(spec, out, jobs=1)
    finally:
        holder.close()
    gs.run(spec, out, jobs=1)  # the lock went with its holder
    assert gs.open(out).status()["runs_done"] == 48


def test_same_spec_rerun_trains_nothing(tmp_path):
    out = tmp_path / "s"
    spec = gs.parse_spec(SPEC, "small.toml")
    gs.run(spec, out, jobs=1)
    before = gs.open(out).results()
    events = []
    gs.run(
        gs.parse_spec("# same study\n" + SPEC, "again.toml"), out, jobs=1, progress=events.append
    )
    assert [e.event for e in events if e.event != "tick"] == ["start", "done"]
    assert events[0].groups_total == 0
    after = gs.open(out).results()
    pd.testing.assert_frame_equal(before.drop(columns=[*ARRAYS]), after.drop(columns=[*ARRAYS]))


def test_resume_trains_only_missing_runs(tmp_path, reference):
    out = tmp_path / "s"
    spec = gs.parse_spec(SPEC, "small.toml")
    gs.run(spec, out, jobs=1)
    with sqlite3.connect(out / "study.sqlite") as db:  # lose three groups
        keys = [k for (k,) in db.execute("SELECT DISTINCT group_key FROM runs LIMIT 3")]
        db.executemany("DELETE FROM runs WHERE group_key = ?", [(k,) for k in keys])
    st = gs.open(out).status()
    assert (st["runs_done"], st["runs_missing"], st["groups_missing"]) == (30, 18, 3)
    trained = []
    gs.run(spec, out, jobs=1, group_fn=lambda t: trained.append(t) or run_group(t))
    assert sorted({c["seed"] for t in trained for c in t["configs"]}) == [0, 1]
    assert len(trained) == 3 and all(len(t["configs"]) == 6 for t in trained)
    assert_same_results(reference, gs.open(out).results())


def test_resume_after_sigkill_of_the_cli(tmp_path):
    spec_path = write(tmp_path, KILL_SPEC)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    gs.run(gs.load_spec(spec_path), whole, jobs=1)
    n_runs = 2 * 3 * 2 * 3 * 2

    cmd = [*CLI, "study", "run", str(spec_path), "--out", str(killed), "--jobs", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            done = _count(killed)
            if done >= 12:  # at least two groups committed
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    at_kill = _count(killed)
    assert 12 <= at_kill < n_runs and at_kill % 6 == 0  # whole groups only
    with sqlite3.connect(killed / "study.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    result = CliRunner().invoke(
        cli, ["study", "run", str(spec_path), "--out", str(killed), "--jobs", "1", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert f"{n_runs}/{n_runs} runs stored" in result.output
    df = gs.open(killed).results()
    assert len(df) == n_runs and df["config_hash"].is_unique
    assert df["run_id"].tolist() == list(range(n_runs))
    assert_same_results(gs.open(whole).results(), df)


def _count(out: Path) -> int:
    db_path = out / "study.sqlite"
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:  # created but not initialised yet
        return 0


def _pool_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if isinstance(t, cfp._ExecutorManagerThread)}


def test_parallel_workers_give_the_same_numbers(tmp_path, reference):
    out = tmp_path / "par"
    threads, children = _pool_threads(), set(multiprocessing.active_children())
    gs.run(gs.parse_spec(SPEC + "\n[run]\nmax_population = 4\n", "small.toml"), out, jobs=2)
    # the pools are shut down whole when run returns: a manager thread still running at exit
    # races Python's exit hook ("Exception ignored ... Bad file descriptor" after a success)
    assert _pool_threads() <= threads
    assert set(multiprocessing.active_children()) <= children
    df = gs.open(out).results()
    assert sorted(set(df["group_size"])) == [2, 4]  # groups of 6 cut into 4 + 2
    assert len(set(df["worker"])) >= 1
    assert_same_results(reference, df)


MARKER_ENV = "GLASSNET_TEST_KILL_MARKER"


def die_once(task):
    """The first group to arrive kills its worker (SIGKILL) once the second group is in
    flight beside it; that second group trains on. Every later group trains normally."""
    marker = Path(os.environ[MARKER_ENV])
    beside = marker.with_name("beside")
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:  # the first group to arrive after the killer is the one in flight beside it
            os.close(os.open(beside, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            time.sleep(1.0)  # still training when its neighbour dies
        except FileExistsError:
            pass
        return run_group(task)
    os.close(fd)
    deadline = time.monotonic() + 10
    while not beside.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_a_killed_local_worker_costs_only_its_own_group_a_retry(tmp_path, reference, monkeypatch):
    out = tmp_path / "s"
    monkeypatch.setenv(MARKER_ENV, str(tmp_path / "killed-once"))
    events = []
    gs.run(
        gs.parse_spec(SPEC, "small.toml"), out, jobs=2, group_fn=die_once, progress=events.append
    )
    assert (tmp_path / "killed-once").is_file() and (tmp_path / "beside").is_file()
    retries = [e for e in events if e.event == "retry"]
    # only the group whose worker died: the one beside it was not charged an attempt
    assert len(retries) == 1, [e.message for e in retries]
    assert "BrokenProcessPool" in retries[0].message and "attempt 2" in retries[0].message
    assert events[-1].event == "done" and events[-1].runs_done == 48
    assert_same_results(reference, gs.open(out).results())


def report_epochs(task):
    """Train a group slowly enough to be seen, telling how far it is (from its start, as
    the worker's fit callback does)."""
    task["progress"](0, 60)
    for done in range(1, 5):
        time.sleep(0.25)
        task["progress"](done * 12, 60)  # up to 48 of 60: the rest is not reported
    return run_group({**task, "progress": None})


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_ticks_inside_groups(tmp_path, jobs):
    """A heartbeat at least every second, with the epochs done inside the groups in flight,
    before any group is stored (in this process, and from local worker processes)."""
    text = SPEC.replace('dataset = ["xor", "paper"]', 'dataset = "xor"').replace(
        "hidden = [[3], [4]]", "hidden = [[3]]"
    )
    text = text.replace('activation = ["sigmoid", "tanh"]', 'activation = ["sigmoid", "tanh"]')
    events: list[gs.Progress] = []
    gs.run(
        gs.parse_spec(text, "t.toml"),
        tmp_path / "t",
        jobs=jobs,
        group_fn=report_epochs,
        progress=events.append,
    )
    first = next(i for i, e in enumerate(events) if e.event == "group")
    ticks = [e for e in events[:first] if e.event == "tick"]
    assert ticks
    assert all(e.groups_done == 0 for e in ticks)
    assert any(e.eta is not None for e in ticks)  # an ETA before any group is stored
    assert 0 < max(e.work_done for e in ticks) < 1
    times = [e.elapsed for e in events[: first + 1]]
    assert max(b - a for a, b in itertools.pairwise(times)) < 1.0  # never stuck


def sleep_then_train(task):
    """Every group takes the same time, whatever its size (as tiny groups do: overhead)."""
    time.sleep(0.15)
    return run_group(task)


def test_eta_is_right_when_groups_of_very_different_sizes_take_the_same_time(tmp_path):
    text = """
    [data]
    dataset = [{name = "moons", n_samples = 400}, "xor"]
    [model]
    hidden = [[2], [3]]
    [train]
    lr = 0.5
    epochs = 5
    seeds = 2
    """
    events: list[gs.Progress] = []
    gs.run(
        gs.parse_spec(text),
        tmp_path / "e",
        jobs=1,
        group_fn=sleep_then_train,
        progress=events.append,
    )
    groups = [e for e in events if e.event == "group"]
    end = events[-1].elapsed
    assert len(groups) == 4
    for e in groups[:-1]:
        left = end - e.elapsed
        assert e.eta is not None and left / 2 < e.eta < left * 2, (e.eta, left)


def test_export_round_trip_csv_and_parquet(tmp_path, reference):
    out = tmp_path / "s"
    gs.run(gs.parse_spec(SPEC, "small.toml"), out, jobs=1)
    study = gs.open(out)
    for fmt in ("csv", "parquet"):
        path = study.export(tmp_path / f"r.{fmt}", fmt)
        back = gs.read_export(path)
        assert_same_results(reference, back)
        pd.testing.assert_series_equal(back["wall_time"], study.results()["wall_time"])
    raw = pd.read_csv(tmp_path / "r.csv")
    assert len(raw) == 48 and "loss_curve" in raw.columns
    result = CliRunner().invoke(cli, ["study", "export", str(out), "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out / "results.parquet")
    assert_same_results(reference, gs.read_export(out / "results.parquet"))


def test_cli_status(tmp_path):
    out = tmp_path / "s"
    gs.run(gs.parse_spec(SPEC, "small.toml"), out, jobs=1)
    result = CliRunner().invoke(cli, ["study", "status", str(out)])
    assert result.exit_code == 0, result.output
    assert "48/48 done, 0 missing" in result.output
    assert "state:    complete" in result.output
    missing = CliRunner().invoke(cli, ["study", "status", str(tmp_path / "nothing")])
    assert missing.exit_code == 2  # a usage error naming the argument the user gave
    assert "DIRECTORY: no study in " in missing.output


def test_csv_data_validation_split_and_minibatches(tmp_path):
    (tmp_path / "d.csv").write_text(
        "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.1,0.9,1\n0.9,0.1,1\n0.2,0.1,0\n0.8,0.9,0\n"
    )
    spec_path = write(
        tmp_path,
        """
[data]
dataset = {csv = "d.csv", target = "y"}
validation = 0.25
split_seed = 3

[model]
hidden = 4
activation = "tanh"

[train]
lr = [0.5, 1.0]
epochs = 40
seeds = 3
batch_size = 2
""",
    )
    df = gs.run(spec_path, tmp_path / "out", jobs=1).results()
    assert len(df) == 6 and df["dataset"].tolist() == ["csv:d.csv"] * 6
    assert df["batch_size"].tolist() == [2] * 6
    X, y = gn.datasets.load_csv(tmp_path / "d.csv", target="y")
    Xtr, Xva, ytr, yva = gn.datasets.train_test_split(X, y, test_size=0.25, seed=3)
    row = df.iloc[4]  # lr 1.0, seed 1
    assert (row["lr"], row["seed"]) == (1.0, 1)
    net = gn.Network([2, 4, 1], activation="tanh", output="sigmoid", seed=[1])
    hist = net.fit(Xtr, ytr, lr=[1.0], epochs=40, batch_size=2, validation=(Xva, yva),
                   stats_every=0)  # fmt: skip
    assert np.array_equal(hist.loss[0], row["loss_curve"])
    assert np.array_equal(hist.val_loss[0], row["val_loss_curve"])
    assert row["final_val_loss"] == net.loss(Xva, yva)[0]
    assert row["final_val_accuracy"] == gn.metrics.accuracy(net.predict(Xva), yva)[0]


def _workers_of(pid: int) -> list[int]:
    """Pids of the pool worker processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmd:
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_sigkill_of_the_cli_also_ends_its_worker_processes(tmp_path):
    spec_path = write(tmp_path, KILL_SPEC)
    out = tmp_path / "out"
    cmd = [*CLI, "study", "run", str(spec_path), "--out", str(out), "--jobs", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and _count(out) < 6:
            time.sleep(0.01)
        workers = _workers_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate()
    assert len(workers) == 2
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)
    with sqlite3.connect(out / "study.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_broadcast_kernel_option(tmp_path, reference):
    spec = gs.parse_spec(
        SPEC.replace('init = "xavier"', 'init = "xavier"\nkernel = "broadcast"'), "k"
    )
    assert spec.fixed["kernel"] == "broadcast" and spec.hash != gs.parse_spec(SPEC, "s").hash
    df = gs.run(spec, tmp_path / "k", jobs=1).results()
    ok = ~reference["diverged"].to_numpy()
    assert (df["diverged"].to_numpy() == reference["diverged"].to_numpy()).all()
    for a, b in zip(df["loss_curve"][ok], reference["loss_curve"][ok], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)  # equal to BLAS up to (amplified) rounding
    with pytest.raises(gs.SpecError, match=r"model\.kernel: unknown kernel 'fast'"):
        gs.parse_spec(SPEC.replace('init = "xavier"', 'init = "xavier"\nkernel = "fast"'), "k")


def _unaligned(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a`` at an odd byte offset, as Dask hands data to its workers."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    view = np.frombuffer(buf[1:].data, dtype=a.dtype, count=a.size).reshape(a.shape)
    buf[1:] = np.frombuffer(a.tobytes(), np.uint8)
    view.setflags(write=False)
    assert not view.flags.aligned
    return view


def test_a_group_gives_the_same_bits_from_unaligned_read_only_data():
    """NumPy's matmul leaves BLAS for unaligned arrays and sums in another order; the worker
    must train on the same memory layout whatever it was handed."""
    from glassnet.study.data import split_dataset

    spec = gs.parse_spec(
        """
        [data]
        dataset = [{name = "moons", n_samples = 40}]
        [model]
        hidden = [[1], [2]]
        activation = "tanh"
        [train]
        lr = 0.5
        epochs = 20
        seeds = 2
        """
    )
    for g in spec.groups():
        data = split_dataset(g.shared["dataset"], 0.0, 0)
        moved = tuple(None if a is None else _unaligned(a) for a in data)
        a = run_group({"shared": g.shared, "configs": g.configs, "data": data})
        b = run_group({"shared": g.shared, "configs": g.configs, "data": moved})
        for ra, rb in zip(a["runs"], b["runs"], strict=True):
            assert np.array_equal(ra["loss_curve"], rb["loss_curve"])
            assert np.array_equal(ra["grad_norm_init"], rb["grad_norm_init"])
            assert ra["final_loss"] == rb["final_loss"]


def test_cli_run_reports_plain_lines_and_ends_with_a_summary_and_the_next_command(
    tmp_path, monkeypatch
):
    """Not a terminal (a log file): plain progress lines with stage, runs, converged share,
    elapsed and ETA; then what was done, where it is, and what to run next."""
    import glassnet.cli.study as cli_study

    monkeypatch.setattr(cli_study, "LINE_EVERY", 0.0)
    path = write(tmp_path, SPEC.replace('dataset = ["xor", "paper"]', 'dataset = "xor"'))
    out = tmp_path / "s"
    result = CliRunner().invoke(cli, ["study", "run", str(path), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    progress = [ln for ln in lines if ln.startswith("training groups")]
    assert progress, result.output
    assert re.fullmatch(
        r"training groups \(\d/4 stored, \d running\): \d+/24 runs, \d+% converged.*"
        r"elapsed \d:\d\d:\d\d, ETA \d:\d\d:\d\d",
        progress[-1],
    )
    st = gs.open(out).status()
    counts = ", ".join(f"{n} {s}" for s, n in sorted(st["status"].items()))
    assert lines[-2].startswith(f"{out}: 24/24 runs stored ({counts}); 24 trained now in ")
    assert lines[-2].endswith(f"results in {out / 'study.sqlite'}")
    assert lines[-1] == f"next: glassnet study report {out}   (or: glassnet study export {out})"


@pytest.mark.parametrize(
    ("cores", "jobs", "threads"),
    [(8, 1, 8), (8, 2, 4), (8, 3, 2), (8, 16, 1), (2, 2, 1), (1, 1, 1)],
)
def test_local_workers_share_the_cores_among_their_compiled_populations(
    monkeypatch, cores, jobs, threads
):
    # each worker alone would split a population over every core: jobs workers at once would
    # run jobs x cores threads
    from glassnet.study import runner

    monkeypatch.setattr(
        runner.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False
    )
    assert runner._worker_threads(jobs) == threads


def test_csv_data_standardized_with_the_training_parts_statistics(tmp_path):
    # inputs in the thousands: standardize = true z-scores them as glassnet train does,
    # with the training part's means and deviations (NumPy's, by hand below)
    rows = [(1000 + 37 * i % 500, 2 + (i * 7) % 5, float(i % 2)) for i in range(16)]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(f"{a},{b},{y}\n" for a, b, y in rows))
    spec_path = write(
        tmp_path,
        """
[data]
dataset = {csv = "d.csv", target = "y", standardize = true}
validation = 0.25
split_seed = 1

[model]
hidden = 3

[train]
lr = 0.5
epochs = 20
""",
    )
    df = gs.run(spec_path, tmp_path / "out", jobs=1).results()
    assert df["dataset"].tolist() == ["csv:d.csv(standardize=True)"]
    X, y = gn.datasets.load_csv(tmp_path / "d.csv", target="y")
    Xtr, Xva, ytr, yva = gn.datasets.train_test_split(X, y, test_size=0.25, seed=1)
    mean, std = Xtr.mean(axis=0), Xtr.std(axis=0)
    net = gn.Network([2, 3, 1], seed=[0])
    hist = net.fit((Xtr - mean) / std, ytr, lr=[0.5], epochs=20,
                   validation=((Xva - mean) / std, yva), stats_every=0)  # fmt: skip
    np.testing.assert_allclose(df.iloc[0]["loss_curve"], hist.loss[0], rtol=1e-12)
    np.testing.assert_allclose(df.iloc[0]["val_loss_curve"], hist.val_loss[0], rtol=1e-12)
    # false is the default, one study; anything else is refused by its key
    text = spec_path.read_text()
    off = gs.load_spec(write(tmp_path, text.replace("= true", "= false"), "off.toml"))
    bare = gs.load_spec(write(tmp_path, text.replace(", standardize = true", ""), "bare.toml"))
    assert off.index() == bare.index()
    with pytest.raises(
        ValueError, match=r"dataset\.standardize: expected true or false, got 'yes'"
    ):
        gs.load_spec(write(tmp_path, text.replace("= true", '= "yes"'), "bad.toml"))
