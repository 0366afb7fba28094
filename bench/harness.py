"""Timing harness shared by every workload.

A workload is a list of :class:`Peer` objects. :func:`measure` runs them *side by side*: one
untimed warm-up each, then ``repeats`` rounds in which every available peer runs once, the order
rotated each round so no peer always runs first (or last) on a noisy, shared machine. Each peer's
``prepare()`` builds fresh state (network, weights, optimizer) outside the timed region and
returns the callable that is timed; the callable may return a dict of metrics (final loss,
test accuracy, ...). The garbage collector is disabled inside the timed region for every peer
alike, as :mod:`timeit` does, and every timed run starts after a short pause (``SETTLE_S``) so
that the thread pools of the peer that ran before it (OpenBLAS, OpenMP) have gone idle.

Reported figures are medians over the rounds; a ratio is ``peer median / glassnet median``, so
a ratio above 1 means glassnet was faster.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

Metrics = dict[str, Any]

# OpenBLAS worker threads spin for ~0.1 s after a call and PyTorch's OpenMP threads do the
# same; on 2 cores a peer started right after another runs up to 2x slower (measured: digits
# PyTorch 0.050 s right after NumPy, 0.026 s after a 0.1 s pause). Every timed run waits this
# long first.
SETTLE_S = 0.25
Timed = Callable[[], Metrics | None]


@dataclass
class Peer:
    """One implementation of a workload.

    Parameters
    ----------
    name : str
        Row label in the table.
    prepare : callable or None
        ``prepare(round) -> timed``; builds fresh state (not timed) and returns the zero-argument
        callable that is timed. ``round`` is -1 for the warm-up, else 0..repeats-1.
        ``None`` when the peer is unavailable.
    reason : str
        Why the peer is unavailable ("not installed", "glassnet engine missing", ...).
    scale : float
        Multiplies every measured time: a Python loop timed over a subset of the population and
        extrapolated to all of it uses ``P / subset``.
    note : str
        Shown under the table (how the peer was written, extrapolation, dtype choices).
    dtype : str
    """

    name: str
    prepare: Callable[[int], Timed] | None
    reason: str = ""
    scale: float = 1.0
    note: str = ""
    dtype: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = self.name


@dataclass
class PeerResult:
    name: str
    key: str
    status: str  # "ok" | "not installed" | "missing" | "error"
    dtype: str = ""
    note: str = ""
    scale: float = 1.0
    times_s: list[float] = field(default_factory=list)
    metrics: list[Metrics] = field(default_factory=list)
    warmup: Metrics = field(default_factory=dict)
    others_cpu: list[float] = field(default_factory=list)
    error: str = ""

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.times_s) if self.times_s else None

    @property
    def min_s(self) -> float | None:
        return min(self.times_s) if self.times_s else None

    def metric(self, name: str) -> Any:
        """Median of a numeric metric over the rounds (None if never reported)."""
        values = [m[name] for m in self.metrics if m and m.get(name) is not None]
        if not values:
            return None
        if all(isinstance(v, int | float) for v in values):
            return statistics.median(values)
        return values[-1]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "dtype": self.dtype,
            "note": self.note,
            "scale": self.scale,
            "times_s": self.times_s,
            "median_s": self.median_s,
            "min_s": self.min_s,
        }
        keys = sorted({k for m in self.metrics if m for k in m})
        out["metrics"] = {k: self.metric(k) for k in keys}
        out["metrics_per_round"] = self.metrics
        out["warmup"] = self.warmup
        # share of the machine's CPUs used by other processes during each timed run
        out["others_cpu_share"] = self.others_cpu
        if self.error:
            out["error"] = self.error
        return out


def _cpu_snapshot() -> tuple[float, float]:
    """(CPU seconds used by the whole machine, CPU seconds used by this process and the
    children it has waited for: a workload's own child processes are not "other" processes)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        busy = float("nan")
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system


def others_cpu_share(t0: tuple[float, float], t1: tuple[float, float], wall: float) -> float:
    """Fraction of the machine's CPU capacity used by *other* processes over ``wall`` seconds."""
    ncpu = os.cpu_count() or 1
    other = (t1[0] - t0[0]) - (t1[1] - t0[1])
    return max(0.0, other / (wall * ncpu)) if wall > 0 else float("nan")


def wait_quiet(max_wait_s: float, log: Callable[[str], None], busy_limit: float = 0.25) -> float:
    """Wait (at most ``max_wait_s``) until other processes use < ``busy_limit`` of the CPUs
    over a 2-second window; return the last measured share."""
    deadline = time.monotonic() + max_wait_s
    while True:
        a = _cpu_snapshot()
        time.sleep(2.0)
        share = others_cpu_share(a, _cpu_snapshot(), 2.0)
        if share < busy_limit or time.monotonic() >= deadline:
            if share >= busy_limit:
                log(f"    machine still busy ({share:.0%} of the CPUs used by others); going on")
            return share
        log(f"    waiting for a quieter machine ({share:.0%} of the CPUs used by others)")


def _run_once(peer: Peer, rnd: int) -> tuple[float, Metrics | None, float]:
    assert peer.prepare is not None
    timed = peer.prepare(rnd)
    gc.collect()
    time.sleep(SETTLE_S)  # let the previous peer's spinning BLAS/OpenMP threads go idle
    gc.disable()
    try:
        c0 = _cpu_snapshot()
        t0 = time.perf_counter()
        metrics = timed()
        t1 = time.perf_counter()
        c1 = _cpu_snapshot()
    finally:
        gc.enable()
    return (t1 - t0) * peer.scale, metrics, others_cpu_share(c0, c1, t1 - t0)


def measure(peers: list[Peer], repeats: int, log: Callable[[str], None]) -> dict[str, PeerResult]:
    """Warm up every peer once, then run ``repeats`` alternating rounds; return results by key."""
    results: dict[str, PeerResult] = {}
    live: list[Peer] = []
    for p in peers:
        if p.prepare is None:
            status = "missing" if "missing" in p.reason else "not installed"
            results[p.key] = PeerResult(p.name, p.key, status, p.dtype, p.note or p.reason, p.scale)
        else:
            results[p.key] = PeerResult(p.name, p.key, "ok", p.dtype, p.note, p.scale)
            live.append(p)

    for p in list(live):  # warm-up: imports, caches, JIT compilation
        try:
            t, m, _ = _run_once(p, -1)
            results[p.key].warmup = {"warmup_s": t, **(m or {})}
            log(f"    warm-up {p.name}: {t:.3f} s")
        except Exception as exc:  # a broken peer must not take the suite down
            results[p.key].status = "error"
            results[p.key].error = f"{type(exc).__name__}: {exc}"
            log(f"    {p.name} FAILED: {results[p.key].error}")
            log(traceback.format_exc(limit=4))
            live.remove(p)

    for r in range(repeats):
        if not live:
            break
        k = r % len(live)
        order = live[k:] + live[:k]
        for p in order:
            if results[p.key].status != "ok":
                continue
            try:
                t, m, busy = _run_once(p, r)
            except Exception as exc:
                results[p.key].status = "error"
                results[p.key].error = f"{type(exc).__name__}: {exc}"
                log(f"    {p.name} FAILED: {results[p.key].error}")
                continue
            results[p.key].times_s.append(t)
            results[p.key].others_cpu.append(busy)
            results[p.key].metrics.append(m or {})
        log(
            f"    round {r + 1}/{repeats}: "
            + ", ".join(
                f"{p.name} {results[p.key].times_s[-1]:.3f}s"
                for p in order
                if results[p.key].times_s
            )
        )
    return results


# ----------------------------------------------------------------------------- environment


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                return sorted(f for f in flags if f.startswith(("avx", "fma", "sse4")))
    except OSError:
        pass
    return []


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return None


def environment() -> dict[str, Any]:
    """Everything that explains the numbers: machine, BLAS, thread pools, versions, env vars."""
    import numpy  # noqa: F401 - load the BLAS so threadpoolctl can see it

    env_keys = [
        k
        for k in os.environ
        if k.startswith(("OPENBLAS", "OMP_", "MKL_", "GOTO", "BLIS", "XLA_", "JAX_", "TORCH"))
    ]
    info: dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "nproc": os.cpu_count(),
        "sched_affinity": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "cpu_model": cpu_model(),
        "cpu_flags": cpu_flags(),
        "loadavg_start": os.getloadavg(),
        "env": {k: os.environ[k] for k in sorted(env_keys)},
        "versions": {
            name: _version(name)
            for name in ("numpy", "scipy", "scikit-learn", "torch", "jax", "jaxlib", "glassnet")
        },
    }
    try:
        import threadpoolctl

        info["threadpoolctl"] = threadpoolctl.threadpool_info()
    except Exception as exc:
        info["threadpoolctl"] = f"unavailable: {exc}"
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "glassnet"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        info["glassnet_worktree_dirty"] = bool(dirty)
    except OSError:
        pass
    return info


def glassnet_or_reason() -> tuple[Any, str]:
    """Import glassnet; return ``(module, "")`` or ``(None, why it cannot be benchmarked)``."""
    try:
        import glassnet as gn
    except Exception as exc:
        return None, f"glassnet missing (import failed: {exc})"
    if not hasattr(gn, "Network"):
        return None, "glassnet missing (engine not landed: no gn.Network)"
    return gn, ""


# PyTorch's intra-op thread pool (OpenMP) on the small workloads: its tensors there are far
# below the size at which it splits work. On a quiet machine 1 and 2 threads time the same
# (digits, 20 epochs: 0.19-0.20 s either way), but whenever other processes were busy on this
# shared 2-core machine its 2 spinning OpenMP threads made digits 10-30x slower (5 epochs:
# 0.28 s with 1 thread, 3.8-9.3 s with 2, same load). So the small workloads run it with 1
# thread -- its best setting here -- and ``large`` with its default.
# ``python -m bench --torch-default-threads`` keeps the default everywhere.
TORCH_SMALL_THREADS: int | None = 1
_TORCH_DEFAULT_THREADS: list[int] = []


def torch_note() -> str:
    if TORCH_SMALL_THREADS:
        return f"{TORCH_SMALL_THREADS} intra-op thread (its best setting here, see bench/README.md)"
    return "default intra-op threads"


def torch_threads(torch: Any, small: bool) -> int:
    """Set PyTorch's intra-op threads for a small (1) or large (default) workload."""
    if not _TORCH_DEFAULT_THREADS:
        _TORCH_DEFAULT_THREADS.append(torch.get_num_threads())
    n = TORCH_SMALL_THREADS if small and TORCH_SMALL_THREADS else _TORCH_DEFAULT_THREADS[0]
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def glassnet_jax_or_reason() -> tuple[Any, str]:
    """``(glassnet, "")`` when ``fit(..., backend="jax")`` can run here, else ``(None, why)``.

    JAX is imported here, outside every timed region: a peer's first (warm-up) call then
    measures the first ``fit`` of a process that has JAX loaded (tracing, compilation and the
    run), not the import of JAX itself, which :func:`jax_startup_seconds` reports apart.
    """
    gn, reason = glassnet_or_reason()
    if gn is None:
        return None, reason
    try:
        from glassnet import compiled
    except ImportError:
        return None, "glassnet missing (no compiled backend: glassnet.compiled)"
    if not compiled.available():
        return None, "jax not installed (pip install 'glassnet[jax]')"
    import jax  # noqa: F401

    return gn, ""


def jax_metrics(history: Any) -> Metrics:
    """What a compiled run reports beside its time: ``History.compile_seconds`` (0 once the
    program is cached) and ``History.run_seconds``."""
    return {
        "compile_s": float(getattr(history, "compile_seconds", 0.0)),
        "run_s": float(getattr(history, "run_seconds", 0.0)),
    }


_JAX_STARTUP: list[float] = []


def jax_startup_seconds() -> float | None:
    """Seconds to import JAX and initialise its default backend (once per process), or None."""
    if not _JAX_STARTUP:
        try:
            t0 = time.perf_counter()
            import jax

            jax.devices()
            _JAX_STARTUP.append(time.perf_counter() - t0)
        except Exception:
            return None
    return _JAX_STARTUP[0]


def optional(module: str) -> tuple[Any, str]:
    """Import an optional peer library; ``(None, "not installed")`` when absent."""
    try:
        mod = __import__(module)
    except ImportError:
        return None, f"{module} not installed"
    return mod, ""
