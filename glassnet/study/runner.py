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
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassnet._extras import install_hint
from glassnet._validation import Interval, check, known_keywords
from glassnet.study.data import split_dataset
from glassnet.study.directory import Study
from glassnet.study.spec import Group, Spec, config_hash, group_key, load_spec, plan
from glassnet.study.store import Store

__all__ = ["Progress", "StudyIncompleteError", "StudyInterrupted", "plan", "run"]

GroupFn = Callable[[dict[str, Any]], dict[str, Any]]


class StudyIncompleteError(RuntimeError):
    """Some groups failed even after their retries; the rest of the study was stored."""


@known_keywords
class StudyInterrupted(KeyboardInterrupt):
    """:func:`run` was stopped by Ctrl-C (SIGINT) or SIGTERM.

    Every group finished before the signal is stored; the groups in flight were abandoned
    (their worker processes ended) and nothing else was written. Running the study again
    resumes with the missing groups. A ``KeyboardInterrupt``, so a script stops as it would on
    Ctrl-C, with a message saying what is stored.

    Attributes
    ----------
    signal : str
        ``"SIGINT"`` or ``"SIGTERM"``.
    groups_stored, groups_total : int
        Groups of the whole study stored (earlier calls included), and how many it has.
    runs_stored, runs_total : int
        The same in runs.
    groups_abandoned : int
        Groups that were training when the signal came (they train again on resume).
    """

    def __init__(
        self,
        signal: str,
        groups_stored: int,
        groups_total: int,
        runs_stored: int,
        runs_total: int,
        groups_abandoned: int,
    ) -> None:
        self.signal = signal
        self.groups_stored, self.groups_total = groups_stored, groups_total
        self.runs_stored, self.runs_total = runs_stored, runs_total
        self.groups_abandoned = groups_abandoned
        how = "Ctrl-C (SIGINT)" if signal == "SIGINT" else signal
        flight = (
            f"the {groups_abandoned} group(s) in flight were abandoned, "
            if groups_abandoned
            else ""
        )
        left = groups_total - groups_stored
        super().__init__(
            f"interrupted by {how}: {groups_stored} of {groups_total} groups are stored "
            f"({runs_stored} of {runs_total} runs); {flight}nothing stored is lost; run the "
            f"study again to resume with the {left} group(s) left"
        )


class _Stop(BaseException):
    """SIGINT or SIGTERM arrived during :func:`run` (raised in the main thread)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Signals:
    """Ctrl-C and SIGTERM during a run stop it cleanly: each is raised as :class:`_Stop` in
    the main thread, except while a finished group is being stored, when it waits for the
    commit (so a stored group is always counted, and a transaction never cut). SIGTERM's
    default would end the process at once, leaving the worker processes' semaphores to
    multiprocessing's "leaked semaphore" warning. A signal the caller ignores stays ignored;
    outside the main thread nothing is installed."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.previous: dict[int, Any] = {}
        self.pending: int | None = None
        self.depth = 0

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.depth:
            self.pending = signum
            return
        raise _Stop(signum)

    @contextmanager
    def critical(self) -> Iterator[None]:
        """A stretch that a signal may not cut: it is raised when the stretch ends."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if not self.depth and self.pending is not None:
                signum, self.pending = self.pending, None
                raise _Stop(signum)


@known_keywords
@dataclass(frozen=True)
class Progress:
    """A progress report, passed to the ``progress`` callback of :func:`run`.

    Attributes
    ----------
    event : str
        ``"start"`` (before the first group), ``"tick"`` (a heartbeat while groups train: at
        least once a second, with the epochs done inside the groups in flight where the
        workers can report them), ``"group"`` (a group was stored), ``"retry"`` (a group is
        being retried after its worker died or it raised) or ``"done"``.
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
        Estimated seconds left: work left / the rate of work (with worker processes or a
        cluster, the rate since a worker first began training, so that starting them does not
        count), where a group's work is its epochs x (a per-layer cost of an epoch + members
        x parameters x samples) and the groups in flight count with the share of their epochs
        done; None until the rate is known.
    message : str
        What happened, for a log line (e.g. the retried group and why).
    runs_converged : int
        Stored runs whose status is ``"converged"``.
    work_done : float
        Share of this call's work done, from 0 to 1 (including the groups in flight).
    groups_running : int
        Groups in flight.
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
    runs_converged: int = 0
    work_done: float = 0.0
    groups_running: int = 0


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


def _tasks(spec: Spec, groups: list[Group]) -> list[_Task]:
    run_ids: dict[str, int] = {}
    datasets: dict[str, tuple[Any, ...]] = {}
    tasks = []
    for i, g in enumerate(groups):
        if len(g.run_ids) == len(g.hashes) == g.size:  # from plan(): known already
            entries = [
                (r, h, g.key, c) for r, h, c in zip(g.run_ids, g.hashes, g.configs, strict=True)
            ]
        else:
            if not run_ids:
                run_ids = {h: j for j, h in enumerate(spec.index()[1])}
            hs = [config_hash(c) for c in g.configs]
            entries = [(run_ids[h], h, group_key(c), c) for h, c in zip(hs, g.configs, strict=True)]
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
        cost = _cost(
            g.size, g.shared["epochs"], len(g.shared["hidden"]) + 1, n_params, data[0].shape[0]
        )
        payload = {"shared": g.shared, "configs": g.configs, "data": data}
        tasks.append(_Task(i, g, entries, payload, cost))
    # longest first: better balance across workers; results do not depend on the order
    tasks.sort(key=lambda t: -t.cost)
    return tasks


# An epoch of a small population costs NumPy's per-call overhead, about as much as this many
# multiply-adds per layer; a group, this many more (building the network, the final metrics).
_EPOCH_LAYER_COST = 20_000.0
_GROUP_COST = 1_000_000.0
#: seconds between two heartbeats of the progress report while groups train
_HEARTBEAT = 0.5


def _cost(members: int, epochs: int, layers: int, n_params: int, n_samples: int) -> float:
    """Work of one group, in multiply-adds: its ETA weight.

    The overhead terms matter: without them, a group of a 4-sample data set looks 100 times
    cheaper than one of 400 samples although both take about the same time, and an ETA
    measured on the first looks like hours.
    """
    return _GROUP_COST + float(epochs) * (
        _EPOCH_LAYER_COST * layers + float(members) * n_params * n_samples
    )


class _Driver:
    """Writes finished groups and reports progress; owned by the calling process."""

    def __init__(
        self,
        store: Store,
        tasks: list[_Task],
        runs_total: int,
        progress: ProgressFn | None,
        sink: Any = None,
        warmup: bool = False,
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.runs_total = runs_total
        self.progress = progress
        self.sink = sink  # where local worker processes put (task index, epochs done, epochs)
        self.drain: Callable[[], list[Any]] | None = None  # the same, from a Dask cluster
        self.runs_done = store.count()
        self.runs_converged = store.status_counts().get("converged", 0)
        self.groups_done = 0
        self.t0 = time.perf_counter()
        self.last_report = 0.0
        self.warmup = warmup  # workers are other processes, which take a while to start
        self.first: tuple[float, float] | None = None  # (elapsed, work done) when first seen
        self.failed: list[_Task] = []
        self.cost_total = sum(t.cost for t in tasks)
        self.cost_done = 0.0
        self.running: dict[int, float] = {}  # task index -> share of its epochs done
        self.by_index = {t.index: t for t in tasks}
        self.signals = _Signals()  # its critical() keeps a signal out of a group's storing

    def payload(self, task: _Task, reporter: Any = None) -> dict[str, Any]:
        """The task as sent to a worker, with its in-group progress reporter (if any)."""
        self.running.setdefault(task.index, 0.0)
        return {**task.payload, "progress": reporter}

    def _done(self) -> float:
        """Work done: the stored groups, and the groups in flight by their epochs done."""
        return self.cost_done + sum(
            self.by_index[i].cost * f for i, f in self.running.items() if i in self.by_index
        )

    def epochs(self, index: int, done: int, total: int) -> None:
        """A worker trained ``done`` of the ``total`` epochs of task ``index``."""
        if self.first is None and self.warmup:  # training has begun: the rate counts from here
            self.first = (time.perf_counter() - self.t0, self._done())
        if index in self.running:
            self.running[index] = min(1.0, done / max(total, 1))

    def poll(self) -> None:
        """Take in the workers' epoch counts and send a heartbeat."""
        if self.sink is not None:
            import queue

            while True:
                try:
                    index, done, total = self.sink.get_nowait()
                except queue.Empty:
                    break
                except Exception:  # pragma: no cover - torn down: go on without progress
                    self.sink = None
                    break
                self.epochs(index, done, total)
        if self.drain is not None:
            for index, done, total in self.drain():
                self.epochs(int(index), int(done), int(total))
        self.report("tick")

    def report(self, event: str, message: str = "") -> None:
        if self.progress is None:
            return
        now = time.perf_counter()
        if event == "tick" and now - self.last_report < _HEARTBEAT * 0.8:
            return
        self.last_report = now
        elapsed = now - self.t0
        left = self.runs_total - self.runs_done
        # groups differ in size: weigh by their cost, the groups in flight by their epochs done
        done = self._done()
        # with worker processes, the rate since training was first seen begun, so that
        # starting them (spawning, imports, sending data) does not count as work; until then
        # (or in this process, where nothing needs starting), the rate since the start
        if done > 0 and self.first is None and self.warmup:
            self.first = (elapsed, done)
        eta: float | None = None
        if self.first is not None and done > self.first[1]:
            eta = (elapsed - self.first[0]) * (self.cost_total - done) / (done - self.first[1])
        elif done > 0 and not self.warmup:
            eta = elapsed * (self.cost_total - done) / done
        if event == "done":
            eta = 0.0 if not self.failed else None
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
                runs_converged=self.runs_converged,
                work_done=done / self.cost_total if self.cost_total > 0 else 1.0,
                groups_running=len(self.running),
            )
        )

    def finished(self, task: _Task, result: Mapping[str, Any]) -> None:
        with self.signals.critical():  # stored and counted whole, or not at all
            self.store.write_group(
                task.entries, result["runs"], result["wall_time"], result["worker"]
            )
            self.running.pop(task.index, None)
            self.runs_done += len(task.entries)
            self.runs_converged += sum(r["status"] == "converged" for r in result["runs"])
            self.groups_done += 1
            self.cost_done += task.cost
        self.report("group")

    def failed_attempt(self, task: _Task, error: BaseException, retries: int) -> bool:
        """Record a failed attempt; True if the task should be tried again."""
        self.running.pop(task.index, None)
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


class _InProcess:
    """In-group progress of a group trained in this process."""

    def __init__(self, driver: _Driver, index: int) -> None:
        self.driver, self.index = driver, index

    def __call__(self, done: int, total: int) -> None:
        self.driver.epochs(self.index, done, total)
        self.driver.report("tick")


class _ToParent:
    """In-group progress of a group trained in a local worker process: sent to the parent
    through the queue the worker was started with (picklable: only the task index travels)."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, done: int, total: int) -> None:
        if _SINK is not None:
            _SINK.put((self.index, done, total))


_SINK: Any = None  # in a local worker process: the queue to the parent (see _worker_init)


class _ToDask:
    """In-group progress of a group trained on a Dask worker: put on a named
    ``distributed.Queue`` (through the scheduler; a few small messages a second). Progress
    is best effort: a failure to report never fails the group."""

    def __init__(self, name: str, index: int) -> None:
        self.name, self.index = name, index

    def __call__(self, done: int, total: int) -> None:
        try:
            from distributed import Queue

            Queue(self.name).put([self.index, done, total])
        except Exception:  # pragma: no cover - scheduler gone; the result still comes back
            pass


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
                result = fn(driver.payload(task, _InProcess(driver, task.index)))
            except Exception as exc:
                if driver.failed_attempt(task, exc, retries):
                    continue
                break
            driver.finished(task, result)
            break


def _worker_threads(jobs: int) -> int:
    """The threads each of ``jobs`` worker processes gives a compiled population: the cores
    shared among them (each alone would take every core, :func:`glassnet.compiled.configure`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(jobs, 1))


def _worker_init(parent: int, sink: Any, threads: int = 1) -> None:
    """Pool initializer: keep the queue for in-group progress, share the cores among the
    workers, and end this worker once the process driving the study is gone (killed, even
    with SIGKILL), instead of lingering as an orphan waiting for work."""
    global _SINK
    _SINK = sink
    from glassnet import compiled

    if not os.environ.get(compiled.THREADS_ENV, "").strip():  # the user's own number wins
        compiled.configure(threads=threads)
    # Ctrl-C in a terminal reaches every process of the group: the parent decides (it ends
    # the workers), so a worker does not die mid-group printing its own traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sink is not None:
        # progress is best effort: exiting never waits to flush it (a worker killed while
        # writing could otherwise leave the queue's lock held and this exit waiting on it)
        sink.cancel_join_thread()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="glassnet-study-parent-watch", daemon=True).start()


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while a worker process may be started.

    A started process inherits the mask, so a worker never sees a terminal's Ctrl-C: not
    while it imports (where it would die printing a traceback, before its initializer could
    ignore the signal), not after. The parent decides, and ends its workers itself (with
    SIGTERM, which is not blocked). A Ctrl-C to the parent meanwhile waits, and arrives when
    the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


_CTX = multiprocessing.get_context("spawn")


def _pool(jobs: int, sink: Any = None, threads: int = 1) -> cf.ProcessPoolExecutor:
    # spawn: fresh interpreters whose parent is this process, which _worker_init watches
    return cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=_CTX,
        initializer=_worker_init,
        initargs=(os.getpid(), sink, threads),
    )


def _run_local(driver: _Driver, fn: GroupFn, jobs: int, retries: int) -> None:
    """At most ``jobs`` groups in flight, each in a pool of its own with one worker process.

    A worker that dies breaks only its own pool: only the group it was training is charged an
    attempt, and that slot gets a new pool; the groups in flight beside it go on undisturbed.
    """
    queue = list(driver.tasks)
    sink = driver.sink
    before = set(multiprocessing.active_children())
    threads = _worker_threads(jobs)
    idle = [_pool(1, sink, threads) for _ in range(jobs)]
    inflight: dict[cf.Future[dict[str, Any]], tuple[_Task, cf.ProcessPoolExecutor]] = {}

    def renew(pool: cf.ProcessPoolExecutor) -> cf.ProcessPoolExecutor:
        pool.shutdown(wait=True, cancel_futures=True)
        return _pool(1, sink, threads)

    try:
        while queue or inflight:
            while queue and idle:
                task = queue.pop(0)
                try:
                    # a signal waits while a worker may be starting: cut there, the parent
                    # would close the pipe the new process is reading its start-up from, and
                    # the process would die printing a traceback of its own
                    with driver.signals.critical(), _sigint_blocked():
                        fut = idle[-1].submit(fn, driver.payload(task, _ToParent(task.index)))
                        inflight[fut] = (task, idle.pop())
                except BrokenProcessPool:  # its worker died while idle: not the task's fault
                    idle.append(renew(idle.pop()))
                    queue.insert(0, task)
                    continue
            done, _ = cf.wait(inflight, timeout=_HEARTBEAT, return_when=cf.FIRST_COMPLETED)
            driver.poll()
            for fut in done:
                task, pool = inflight.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:
                    if isinstance(exc, BrokenProcessPool):
                        pool = renew(pool)
                    if driver.failed_attempt(task, exc, retries):
                        queue.insert(0, task)
                else:
                    driver.finished(task, result)
                idle.append(pool)
    except BaseException:
        # stopped (a signal, an error): the groups in flight are abandoned, their workers
        # ended now rather than left to finish work nobody will store
        for process in set(multiprocessing.active_children()) - before:
            process.terminate()
        for pool in [*idle, *(p for _, p in inflight.values())]:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        # wait: a pool's manager thread still running at exit races Python's own exit hook,
        # which can then write to a pipe the thread has just closed and print "Exception
        # ignored ... Bad file descriptor" after a study that succeeded (CPython 3.11)
        for pool in idle:
            pool.shutdown(wait=True, cancel_futures=True)


def _identity(x: Any) -> Any:
    return x


def _run_dask(driver: _Driver, fn: GroupFn, scheduler: Any, retries: int) -> None:
    """Submit every group to a Dask cluster; results come back here and only here are stored.

    Dask reruns a task whose worker died (up to ``distributed.scheduler.allowed-failures``
    times) and ``retries`` times more if it raised.
    """
    try:
        from distributed import Client, wait
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            f"scheduler: running on a Dask cluster needs the dask extra: {install_hint('dask')}"
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
        reporter: Callable[[int], Any] = lambda index: None  # noqa: E731
        if driver.progress is not None:
            from distributed import Queue

            name = f"glassnet-study-{os.getpid()}-{id(driver)}"
            queue = Queue(name, client=client)

            def drain() -> list[Any]:
                try:
                    return list(queue.get(batch=True))
                except Exception:  # pragma: no cover - scheduler gone: no progress, no harm
                    return []

            driver.drain = drain
            reporter = lambda index: _ToDask(name, index)  # noqa: E731
        # Each data set goes to the cluster once, as the result of a task (not scattered): if
        # the worker holding it dies, the scheduler recomputes it instead of losing it.
        shared_data: dict[int, Any] = {}
        for task in driver.tasks:
            data = task.payload["data"]
            if id(data) not in shared_data:
                shared_data[id(data)] = client.submit(_identity, data, pure=False)
            payload = {**driver.payload(task, reporter(task.index)), "data": shared_data[id(data)]}
            fut = client.submit(fn, payload, pure=False, retries=retries)
            futures[fut] = task
        pending = set(futures)
        while pending:
            try:
                wait(list(pending), timeout=_HEARTBEAT, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished: a heartbeat
                pass
            driver.poll()
            for fut in [f for f in pending if f.done()]:
                pending.discard(fut)
                task = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:
                    task.attempts = retries
                    driver.failed_attempt(task, exc, retries)
                else:
                    driver.finished(task, result)
                fut.release()
    except BaseException:
        if not own:  # a client of the caller's: take back what this run gave it
            client.cancel([f for f in futures if not f.done()])
        raise
    finally:
        if own:
            client.close()


def _interrupted(
    spec: Spec, store: Store | None, driver: _Driver | None, signum: int
) -> StudyInterrupted:
    """What an interruption leaves: the whole study's stored groups and runs, from the store
    (none when it came before the store was open)."""
    done = store.done_hashes() if store is not None else set()
    total = len(plan(spec))
    return StudyInterrupted(
        signal=signal.Signals(signum).name,
        groups_stored=total - len(plan(spec, done)),
        groups_total=total,
        runs_stored=len(done),
        runs_total=spec.n_runs,
        groups_abandoned=0 if driver is None else len(driver.running),
    )


#: The most attempts after the first of a group that failed.
MAX_RETRIES = 100


def max_jobs() -> int:
    """The most local worker processes a study may start: 4 per core (``os.cpu_count()``)."""
    return 4 * (os.cpu_count() or 1)


def check_workers(jobs: int | None, retries: int) -> tuple[int, int]:
    """``jobs`` (None: the cores) and ``retries`` as :func:`run` takes them, checked: the
    command line checks them before it creates the study directory."""
    # bounded: a group that fails every time was tried again a billion times
    retries = check(retries, "retries", Interval(int, 0, MAX_RETRIES))
    if jobs is None:
        jobs = os.cpu_count() or 1
    # bounded by the machine: 10**5 --jobs started a process (and its NumPy) per group, up
    # to the number of groups, far past the memory, for no speed beyond the cores
    return check(jobs, "jobs", Interval(int, 1, max_jobs())), retries


@known_keywords
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
        Local worker processes (default: all cores, ``os.cpu_count()``; at most
        :func:`max_jobs`, 4 per core). ``1`` trains in this process. Ignored when
        ``scheduler`` is given.
    scheduler : str or distributed.Client, optional
        Address of a Dask scheduler (``"tcp://host:8786"``) or a connected client: groups run
        on that cluster; needs the ``dask`` extra.
    retries : int
        Extra attempts of a group whose worker died or which raised (at most
        :data:`MAX_RETRIES`).
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
    StudyInterrupted
        On Ctrl-C (SIGINT) or SIGTERM: the groups in flight are abandoned (their worker
        processes ended), every group finished before is stored, and the message says how
        many; run again to resume. (Called from the main thread, ``run`` handles both
        signals while it works and restores the previous handlers after.)
    """
    from glassnet.study.worker import run_group

    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    jobs, retries = check_workers(jobs, retries)
    if scheduler is not None and not (
        (isinstance(scheduler, str) and "://" in scheduler) or hasattr(scheduler, "submit")
    ):
        raise ValueError(
            "scheduler: expected an address like tcp://HOST:PORT or a distributed.Client, "
            f"got {scheduler!r}"
        )
    fn = group_fn or run_group
    signals = _Signals()
    store: Store | None = None
    driver: _Driver | None = None
    try:
        with signals:
            store = Store.create(out, spec)
            store.lock()  # one writer per study directory
            groups = plan(spec, store.done_hashes())
            tasks = _tasks(spec, groups)
            pooled = scheduler is None and jobs > 1 and len(tasks) > 1
            sink = _CTX.Queue() if pooled and progress is not None else None
            driver = _Driver(
                store, tasks, spec.n_runs, progress, sink, warmup=pooled or scheduler is not None
            )
            driver.signals = signals
            driver.report("start")
            try:
                if not tasks:
                    pass
                elif scheduler is not None:
                    _run_dask(driver, fn, scheduler, retries)
                elif pooled:
                    _run_local(driver, fn, min(jobs, len(tasks)), retries)
                else:
                    _run_serial(driver, fn, retries)
            finally:
                if sink is not None:
                    sink.close()
                    sink.join_thread()
        driver.report("done")
        if driver.failed:
            lines = [f"{_describe(t.group)}: {t.errors[-1]}" for t in driver.failed]
            raise StudyIncompleteError(
                f"{len(driver.failed)} group(s) failed after {retries} retries; "
                f"the other results are stored, run again to retry: " + "; ".join(lines)
            )
    except (_Stop, KeyboardInterrupt) as stop:  # KeyboardInterrupt: outside the main thread
        # or raised by the caller's own handler outside the stretch this run handles signals
        # in (the CLI's SIGTERM before the run and after it, while "done" is reported): such
        # an interrupt says its signal in ``signum``, as _Stop does; a plain one is a Ctrl-C
        signum = getattr(stop, "signum", signal.SIGINT)
        raise _interrupted(spec, store, driver, signum) from None
    finally:
        if store is not None:
            store.close()
    return Study(Path(out))
