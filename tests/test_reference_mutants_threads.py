"""What the hand-made mutants of compiled.py's thread split (a lanes population's members
shared out over threads: ``_threads``, ``_cores``, ``_split``/``_share``, ``_join``, ``_call``)
found unchecked, each against a reference computed independently of the split:

* a population as large as its data (members == rows == the schedule's factors): only the
  per-member arrays are cut into shares, never the data or the schedule (the NumPy engine's
  fit of the same population is the reference: members are independent);
* shares that would leave a thread with nothing but padding (the NumPy engine again; a bug
  these mutants found: 5 members over 4 threads crashed the fit, now 3 calls of 2);
* the pool of threads that runs the calls: every call at once (one worker per extra call, a
  pool grown when a larger split comes), each output in its call's place, float64 in every
  worker (JAX's x64 switch is per thread), none still running when the first call fails, a
  fresh pool in a forked child (a fake program of barriers: no compilation);
* the policy of ``threads="auto"`` written out: shares of at least 128 members on the lanes and
  8 in the members layout, one thread per
  core the process may run on (its affinity), none off the CPU.

The mutants and which test kills each are listed in tests/mutation/survivors.md.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import compiled

jax = pytest.importorskip("jax")


@pytest.fixture
def splits(monkeypatch):
    """The calls each chunk was split into (so no test passes unsplit)."""
    seen: list[int] = []
    real = compiled._split

    def spy(args, P, threads, size):
        seen.append(threads)
        return real(args, P, threads, size)

    monkeypatch.setattr(compiled, "_split", spy)
    return seen


def _same(P: int, threads: int, X, y, **fit_kw):
    """A population of ``P`` fitted by NumPy and by the program split over ``threads``."""
    kw = {"sizes": [3, 3, 1], "activation": "tanh", "seed": list(range(10, 10 + P))}
    a, b = gn.Network(**kw), gn.Network(**kw)
    ha = a.fit(X, y, **fit_kw)
    with compiled.configure(layout="lanes", threads=threads):
        hb = b.fit(X, y, backend="jax", **fit_kw)
    assert hb.epochs_run == ha.epochs_run
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(hb.first_loss, ha.first_loss, rtol=1e-9)
    np.testing.assert_array_equal(hb.stats_epochs, ha.stats_epochs)
    for k, v in ha.layer_stats.items():
        np.testing.assert_allclose(hb.layer_stats[k], v, rtol=1e-7, atol=1e-12, err_msg=k)
    for la, lb in zip(a.params, b.params, strict=True):
        for k in la:
            np.testing.assert_allclose(lb[k], la[k], rtol=1e-8, atol=1e-12)


def test_a_population_as_large_as_its_data_and_schedule_is_split_by_members_only(splits):
    # 7 members, 7 rows, 7 epochs of one full-batch step (7 schedule factors): each of these
    # arrays has the population's length, but only the members' own (parameters, rates, the
    # carried divergence and first loss) are cut into the shares of 3 (the last padded)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(7, 3)), rng.uniform(0.05, 0.95, size=(7, 1))
    lr = list(np.linspace(0.05, 0.35, 7))
    _same(7, 3, X, y, loss="mse", lr=lr, epochs=7, schedule="cosine", stats_every=2)
    assert set(splits) == {3}


def test_shares_that_leave_a_thread_nothing_but_padding_equal_numpy(splits):
    # 5 members over 4 threads take shares of 2: a 4th call would be all padding (it crashed
    # the fit: the joined population had 6 members), so 3 calls run; 7 over 6: 4 calls of 2
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(7, 3)), rng.uniform(0.05, 0.95, size=(7, 1))
    _same(5, 4, X, y, loss="mse", lr=0.2, epochs=4, stats_every=None)
    _same(7, 6, X, y, loss="mse", lr=0.2, epochs=4, stats_every=None)
    assert splits == [3, 4]


# --- the pool of threads (_call), with a fake program: no compilation --------------------------


@pytest.fixture
def fresh_pool(monkeypatch):
    """No pool yet (one made here is this test's own)."""
    monkeypatch.setattr(compiled, "_pool", None)


def _barrier_program(parties: int, seen: list | None = None):
    """A program that returns its argument once ``parties`` calls are running at once."""
    barrier = threading.Barrier(parties, timeout=5)
    import jax.numpy as jnp

    def program(i):
        if seen is not None:
            seen.append(jnp.zeros(()).dtype)  # float64 only inside JAX's x64 switch
        barrier.wait()
        return i

    return program


def test_every_call_runs_at_once_in_its_own_thread_and_comes_back_in_its_place(fresh_pool):
    # each call waits for all the others: a pool with too few workers (or one kept from a
    # smaller split) never lets them all run, and the barrier breaks
    net = gn.Network([2, 2, 1], seed=[0, 1, 2, 3], dtype="float32")
    for n in (2, 4, 3):
        calls = [(i,) for i in range(n)]
        assert compiled._call(_barrier_program(n), calls, net) == list(range(n))


def test_a_float64_population_runs_in_float64_in_every_thread(fresh_pool):
    # JAX's x64 switch is a setting of the thread: each worker sets it for a float64 network
    # (its program would otherwise be given float32 arrays, or refuse them)
    if jax.config.jax_enable_x64:
        pytest.skip("x64 switched on for every thread")
    net = gn.Network([2, 2, 1], seed=[0, 1, 2], dtype="float64")
    seen: list = []
    with compiled._x64(net):  # as run calls it
        assert compiled._call(_barrier_program(3, seen), [(0,), (1,), (2,)], net) == [0, 1, 2]
    assert seen == [np.dtype("float64")] * 3


def test_no_call_is_left_running_when_the_first_fails(fresh_pool):
    net = gn.Network([2, 2, 1], seed=[0, 1, 2], dtype="float32")
    done: list[int] = []

    def program(i):
        if i == 0:
            raise RuntimeError("the first call failed")
        time.sleep(0.3)
        done.append(i)
        return i

    with pytest.raises(RuntimeError, match="the first call failed"):
        compiled._call(program, [(0,), (1,), (2,)], net)
    assert sorted(done) == [1, 2]


def test_a_pool_grown_for_a_larger_split_still_runs_what_another_fit_queued(fresh_pool):
    # fits from threads of their own share the pool: one fit's second call waits behind
    # another's in a pool of 1 worker when a larger split replaces the pool; the old pool
    # runs what it holds (cancelled, that fit would fail)
    net = gn.Network([2, 2, 1], seed=[0, 1, 2], dtype="float32")
    go, busy, queued = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def slow(i):  # its worker call holds the pool's only worker until `go`
        if i == 1:
            busy.set()
            go.wait(5)
        return i

    def waiting(i):  # its worker call is queued when its own first call runs
        if i == 0:
            queued.set()
        return i

    def fit(name, program):
        try:
            results[name] = compiled._call(program, [(0,), (1,)], net)
        except BaseException as e:  # reported below
            results[name] = e

    a = threading.Thread(target=fit, args=("a", slow))
    a.start()
    assert busy.wait(5)
    b = threading.Thread(target=fit, args=("b", waiting))
    b.start()
    assert queued.wait(5)
    assert compiled._call(lambda i: i, [(0,), (1,), (2,)], net) == [0, 1, 2]  # a new pool
    go.set()
    a.join(10)
    b.join(10)
    assert results == {"a": [0, 1], "b": [0, 1]}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_forked_child_makes_a_pool_of_its_own(fresh_pool):
    # a forked child's copy of the parent's pool has no threads: what it is given never runs
    net = gn.Network([2, 2, 1], seed=[0, 1], dtype="float32")
    assert compiled._call(_barrier_program(2), [(0,), (1,)], net) == [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (forking a process of several threads)
        pid = os.fork()
    if pid == 0:  # the child: 0 when its calls ran, else 1
        code = 1
        try:
            code = int(compiled._call(_barrier_program(2), [(0,), (1,)], net) != [0, 1])
        finally:
            os._exit(code)
    deadline = time.monotonic() + 15
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child's calls never ran")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


# --- threads="auto" (_threads, _cores) -----------------------------------------------------


def _shape(P: int, layout: str = "lanes"):
    from glassnet import training

    net = gn.Network([3, 2, 1], seed=list(range(P)))
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 3)), rng.uniform(0.05, 0.95, size=(4, 1))
    with compiled.configure(layout=layout):
        return compiled._shape(net, training.plan(net, X, y, gn.TrainConfig(epochs=10)), 10)


def test_auto_takes_shares_of_at_least_128_members_one_per_core(monkeypatch):
    # as the docs say: a population of at least 256 members is split, shares of at least 128,
    # at most one thread per core (here 8 of them)
    monkeypatch.delenv(compiled.THREADS_ENV, raising=False)
    monkeypatch.setattr(compiled, "_cores", lambda: 8)
    got = {P: compiled._threads(_shape(P)) for P in (4, 255, 256, 383, 384, 1023, 1024, 1200)}
    assert got == {4: 1, 255: 1, 256: 2, 383: 2, 384: 3, 1023: 7, 1024: 8, 1200: 8}
    # the members layout (wider networks): shares of at least 8 members
    got = {P: compiled._threads(_shape(P, "members")) for P in (4, 15, 16, 24, 63, 64, 100)}
    assert got == {4: 1, 15: 1, 16: 2, 24: 3, 63: 7, 64: 8, 100: 8}


def test_the_cores_are_those_the_process_may_run_on(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 5, 9}, raising=False)
    assert compiled._cores() == 3  # a study worker's or a container's share of the machine
    monkeypatch.delattr(os, "sched_getaffinity")  # not on Linux
    assert compiled._cores() == 64


def test_a_population_is_never_split_off_the_cpu(monkeypatch):
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    with compiled.configure(threads=4):
        assert compiled._threads(_shape(1024)) == 1
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    with compiled.configure(threads=4):
        assert compiled._threads(_shape(1024)) == 4
