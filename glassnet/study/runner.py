"""Running a study: missing runs -> groups -> worker processes or a Dask cluster -> the store.

The process that calls :func:`run` is the only one that writes the store; workers (local
processes or Dask workers) receive a task (one group and its data) and return the numbers.
Each finished group is committed in its own transaction, so an interruption at any moment
loses only the groups in flight, and the next :func:`run` on the same directory trains only
the runs still missing.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassnet.study.data import split_dataset
from glassnet.study.spec import Group, Spec, config_hash, group_key, load_spec
from glassnet.study.store import Store

__all__ = ["Progress", "StudyIncompleteError", "plan", "run"]

GroupFn = Callable[[dict[str, Any]], dict[str, Any]]


class StudyIncompleteError(RuntimeError):
    """Some groups failed even after their retries; the rest of the study was stored."""


@dataclass(frozen=True)
class Progress:
    """A progress report, passed to the ``progress`` callback of :func:`run`.

    Attributes
    ----------
    event : str
        ``"start"`` (before the first group), ``"group"`` (a group was stored),
        ``"retry"`` (a group is being retried after its worker died or it raised) or
        ``"done"``.
    runs_total : int
        Runs in the whole study.
    runs_done : int
        Runs stored so far (including those stored by earlier, interrupted runs).
    runs_left : int
        Runs still to train.
    groups_total, groups_done : int
        Groups to train in this call, and how many of them are stored.
    elapsed : float
        Seconds since this call started training.
    eta : float or None
        Estimated seconds left: elapsed time x (work left / work done), where a group's work
        is members x epochs x parameters x samples; None before the first group finishes.
    message : str
        What happened, for a log line (e.g. the retried group and why).
    """

    event: str
    runs_total: int
    runs_done: int
    runs_left: int
    groups_total: int
    groups_done: int
    elapsed: float
    eta: float | None
    message: str = ""


ProgressFn = Callable[[Progress], Any]


@dataclass
class _Task:
    index: int
    group: Group
    entries: list[tuple[int, str, str, dict[str, Any]]]
    payload: dict[str, Any]
    cost: float
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


def plan(spec: Spec, done: Iterable[str] = ()) -> list[Group]:
    """The groups still to train.

    Parameters
    ----------
    spec : Spec
        The study spec.
    done : iterable of str
        Config hashes of the runs already stored.

    Returns
    -------
    list of Group
        Groups (see :meth:`Spec.groups`) of the runs whose hash is not in ``done``.
    """
    done = set(done)
    missing = [c for c in spec.runs() if config_hash(c) not in done]
    return spec.groups(missing)


def _tasks(spec: Spec, groups: list[Group]) -> list[_Task]:
    run_ids = {config_hash(c): i for i, c in enumerate(spec.runs())}
    datasets: dict[str, tuple[Any, ...]] = {}
    tasks = []
    for i, g in enumerate(groups):
        entries = []
        for c in g.configs:
            h = config_hash(c)
            entries.append((run_ids[h], h, group_key(c), c))
        dkey = config_hash({k: g.shared[k] for k in ("dataset", "validation", "split_seed")})
        if dkey not in datasets:
            datasets[dkey] = split_dataset(
                g.shared["dataset"], g.shared["validation"], g.shared["split_seed"]
            )
        data = datasets[dkey]
        n_params = sum(
            (a + 1) * b
            for a, b in zip(
                [data[0].shape[1], *g.shared["hidden"]],
                [*g.shared["hidden"], data[1].shape[1]],
                strict=True,
            )
        )
        cost = float(g.size) * g.shared["epochs"] * n_params * data[0].shape[0]
        payload = {"shared": g.shared, "configs": g.configs, "data": data}
        tasks.append(_Task(i, g, entries, payload, cost))
    # longest first: better balance across workers; results do not depend on the order
    tasks.sort(key=lambda t: -t.cost)
    return tasks


class _Driver:
    """Writes finished groups and reports progress; owned by the calling process."""

    def __init__(
        self, store: Store, tasks: list[_Task], runs_total: int, progress: ProgressFn | None
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.runs_total = runs_total
        self.progress = progress
        self.runs_done = store.count()
        self.groups_done = 0
        self.t0 = time.perf_counter()
        self.failed: list[_Task] = []
        self.cost_total = sum(t.cost for t in tasks)
        self.cost_done = 0.0

    def report(self, event: str, message: str = "") -> None:
        if self.progress is None:
            return
        elapsed = time.perf_counter() - self.t0
        left = self.runs_total - self.runs_done
        # groups differ in size (epochs x parameters x samples x members): weigh by that cost
        eta = (
            elapsed * (self.cost_total - self.cost_done) / self.cost_done
            if self.cost_done > 0
            else None
        )
        self.progress(
            Progress(
                event=event,
                runs_total=self.runs_total,
                runs_done=self.runs_done,
                runs_left=left,
                groups_total=len(self.tasks),
                groups_done=self.groups_done,
                elapsed=elapsed,
                eta=eta,
                message=message,
            )
        )

    def finished(self, task: _Task, result: Mapping[str, Any]) -> None:
        self.store.write_group(task.entries, result["runs"], result["wall_time"], result["worker"])
        self.runs_done += len(task.entries)
        self.groups_done += 1
        self.cost_done += task.cost
        self.report("group")

    def failed_attempt(self, task: _Task, error: BaseException, retries: int) -> bool:
        """Record a failed attempt; True if the task should be tried again."""
        task.attempts += 1
        task.errors.append(f"{type(error).__name__}: {error}")
        again = task.attempts <= retries
        what = _describe(task.group)
        if again:
            self.report("retry", f"retrying {what} (attempt {task.attempts + 1}): {error!r}")
        else:
            self.failed.append(task)
            self.report("retry", f"giving up on {what} after {task.attempts} attempts: {error!r}")
        return again


def _describe(g: Group) -> str:
    from glassnet.study.spec import dataset_label

    s = g.shared
    return (
        f"group [{dataset_label(s['dataset'])}, hidden={s['hidden']}, {s['activation']}, "
        f"{s['init']}, {s['optimizer']}] ({g.size} runs)"
    )


def _run_serial(driver: _Driver, fn: GroupFn, retries: int) -> None:
    for task in driver.tasks:
        while True:
            try:
                result = fn(task.payload)
            except Exception as exc:
                if driver.failed_attempt(task, exc, retries):
                    continue
                break
            driver.finished(task, result)
            break


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: end this worker once the process driving the study is gone (killed,
    even with SIGKILL), instead of lingering as an orphan waiting for work."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="glassnet-study-parent-watch", daemon=True).start()


def _pool(jobs: int) -> cf.ProcessPoolExecutor:
    # spawn: fresh interpreters whose parent is this process, which _exit_with_parent watches
    return cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )


def _run_local(driver: _Driver, fn: GroupFn, jobs: int, retries: int) -> None:
    """At most ``jobs`` groups in flight, one per worker process. A worker that dies breaks
    the whole pool: every group in flight is charged one attempt and resubmitted to a new
    pool (groups already stored are kept)."""
    queue = list(driver.tasks)
    pool = _pool(jobs)
    inflight: dict[cf.Future[dict[str, Any]], _Task] = {}

    def settle(fut: cf.Future[dict[str, Any]], task: _Task) -> bool:
        """Store or requeue a finished future; True if it failed by a broken pool."""
        try:
            result = fut.result()
        except Exception as exc:
            if driver.failed_attempt(task, exc, retries):
                queue.insert(0, task)
            return isinstance(exc, BrokenProcessPool)
        driver.finished(task, result)
        return False

    try:
        while queue or inflight:
            broken = False
            try:
                while queue and len(inflight) < jobs:
                    fut = pool.submit(fn, queue[0].payload)
                    inflight[fut] = queue.pop(0)
            except BrokenProcessPool:
                broken = True  # the pool broke since the last wait; the task stays queued
            if not broken:
                done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    broken |= settle(fut, inflight.pop(fut))
            if broken:
                # the other groups in flight died with the pool (or finish right now)
                for fut, task in list(inflight.items()):
                    settle(fut, task)
                inflight.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _pool(jobs)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _identity(x: Any) -> Any:
    return x


def _run_dask(driver: _Driver, fn: GroupFn, scheduler: Any, retries: int) -> None:
    """Submit every group to a Dask cluster; results come back here and only here are stored.

    Dask reruns a task whose worker died (up to ``distributed.scheduler.allowed-failures``
    times) and ``retries`` times more if it raised.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "scheduler: running on a Dask cluster needs the dask extra: "
            "pip install 'glassnet[dask]'"
        ) from exc

    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise ValueError(
                f"scheduler: cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from exc
    else:
        client = scheduler
    try:
        futures = {}
        # Each data set goes to the cluster once, as the result of a task (not scattered): if
        # the worker holding it dies, the scheduler recomputes it instead of losing it.
        shared_data: dict[int, Any] = {}
        for task in driver.tasks:
            data = task.payload["data"]
            if id(data) not in shared_data:
                shared_data[id(data)] = client.submit(_identity, data, pure=False)
            payload = {**task.payload, "data": shared_data[id(data)]}
            fut = client.submit(fn, payload, pure=False, retries=retries)
            futures[fut] = task
        for fut in as_completed(list(futures)):
            task = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:
                task.attempts = retries
                driver.failed_attempt(task, exc, retries)
            else:
                driver.finished(task, result)
            fut.release()
    finally:
        if own:
            client.close()


def run(
    spec: Spec | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    retries: int = 2,
    progress: ProgressFn | None = None,
    group_fn: GroupFn | None = None,
) -> Any:
    """Run (or resume) a study.

    Parameters
    ----------
    spec : Spec or path
        The study spec, or the path of its TOML file (validated first; every problem is
        reported at once as a :class:`~glassnet.study.spec.SpecError`).
    out : path
        The study directory. Created if missing; if it already holds this study, only the
        missing runs are trained; if it holds another spec's study, :class:`SpecMismatchError`.
    jobs : int, optional
        Local worker processes (default: all cores, ``os.cpu_count()``). ``1`` trains in
        this process. Ignored when ``scheduler`` is given.
    scheduler : str or distributed.Client, optional
        Address of a Dask scheduler (``"tcp://host:8786"``) or a connected client: groups run
        on that cluster; needs ``glassnet[dask]``.
    retries : int
        Extra attempts of a group whose worker died or which raised.
    progress : callable, optional
        Called with a :class:`Progress` at the start, after each stored group, on retries and
        at the end.
    group_fn : callable, optional
        The function that trains one group (default :func:`glassnet.study.worker.run_group`);
        it must be importable by the workers.

    Returns
    -------
    Study
        The study (see :func:`glassnet.study.open`).

    Raises
    ------
    StudyIncompleteError
        If some groups still failed after their retries (the others are stored; run again
        to retry the missing ones).
    """
    from glassnet.study import Study
    from glassnet.study.worker import run_group

    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries: expected an integer >= 0, got {retries!r}")
    if jobs is None:
        jobs = os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected an integer >= 1, got {jobs!r}")
    if scheduler is not None and not (
        (isinstance(scheduler, str) and "://" in scheduler) or hasattr(scheduler, "submit")
    ):
        raise ValueError(
            "scheduler: expected an address like tcp://HOST:PORT or a distributed.Client, "
            f"got {scheduler!r}"
        )
    fn = group_fn or run_group
    store = Store.create(out, spec)
    try:
        store.lock()  # one writer per study directory
        groups = plan(spec, store.done_hashes())
        tasks = _tasks(spec, groups)
        driver = _Driver(store, tasks, spec.n_runs, progress)
        driver.report("start")
        if tasks:
            if scheduler is not None:
                _run_dask(driver, fn, scheduler, retries)
            elif jobs == 1 or len(tasks) == 1:
                _run_serial(driver, fn, retries)
            else:
                _run_local(driver, fn, min(jobs, len(tasks)), retries)
        driver.report("done")
        if driver.failed:
            lines = [f"{_describe(t.group)}: {t.errors[-1]}" for t in driver.failed]
            raise StudyIncompleteError(
                f"{len(driver.failed)} group(s) failed after {retries} retries; "
                f"the other results are stored, run again to retry: " + "; ".join(lines)
            )
    finally:
        store.close()
    return Study(Path(out))
