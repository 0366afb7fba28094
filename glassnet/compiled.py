r"""The compiled backend: a whole training run as one XLA program, ``fit(..., backend="jax")``.

The program is the NumPy loop's own code, traced by JAX: every epoch (``lax.scan`` over the
epochs) and every mini-batch of it (a loop over the batches), the forward pass,
backpropagation, the optimizer and schedule (:func:`glassnet.training.step`), the epoch's loss,
the validation loss and accuracy, the layer statistics (on the epochs that record them) and the
divergence rule with the freezing of diverged members (:func:`glassnet.training.diverging`).
The formulas exist once: they take their functions from the namespace of the arrays they are
given (:mod:`glassnet._xp`), and here they are given JAX arrays. The sample order of every
epoch is drawn on the host from the same generators, in the same order, as the NumPy loop
draws it, so mini-batch runs see the same batches.

What runs where
---------------
* On JAX's default device: the CPU, or a GPU where JAX's CUDA build is installed
  (``pip install 'jax[cuda12]'``). :func:`info` lists the devices.
* float64 networks run inside a local ``jax.enable_x64`` context: the user's global JAX
  configuration is never changed.

Layouts
-------
A single network runs as it is; its products over a shared axis of a few terms (the paper's
3-2-1 network has nothing else) are written out as multiply-adds
(:func:`glassnet._xp.small_matmul`), which XLA fuses with the elementwise steps around them. A
population runs in one of two layouts:

* ``"members"``: the engine's own ``(P, ...)`` arrays, every product a batched matrix product
  (the layout ``jax.vmap`` produces);
* ``"lanes"``: the members on the last axis (:class:`glassnet._xp.Lanes`), so that every
  elementwise step is one long vector operation over the members and every product over a
  small axis a few multiply-adds of whole member vectors. The engine's formulas run unchanged.

``"auto"`` (the default) takes ``"lanes"`` for populations of narrow networks, where it was
measured faster, and ``"members"`` otherwise (:data:`LANES_MAX_WIDTH`,
:data:`LANES_MIN_MEMBERS`); ``configure(layout=...)`` forces one.

On the CPU a population is also split over the cores: XLA runs a program's operations on one
core (the lanes' blocks of members one after another, the members layout's small batched
products too), so each core runs the same program on its share of the members, in a thread of
its own (JAX runs a program without the GIL), and the outputs are joined (the curves written
into the History's own arrays). The members are independent, so the results are those of one
call. ``configure(threads=...)`` sets how many; ``"auto"`` takes ``GLASSNET_JAX_THREADS`` when
it is set, else one per core with shares of at least :data:`THREADS_MIN_MEMBERS` members on the
lanes (narrow networks) and :data:`THREADS_MIN_MEMBERS_BATCHED` in the members layout.

Data lengths: padding
---------------------
A program is built once per architecture, batch size and dtype, not once per data length: the
rows of ``X``, ``y`` (and the validation data) are padded up to a *bucket*
(:func:`bucket`: the next of ``2^k x {1, 5/4, 3/2, 7/4}``, so at most a quarter more rows) with
copies of the first row, and the number of rows is an argument of the program. Padded rows
carry a sample weight of 0, and the real rows' weights are scaled so that every mean is over
the real rows (``R / n`` in a full batch of ``R`` padded rows, ``B / rows`` in a last
mini-batch of ``rows`` real ones; a summed loss, ``sse``, keeps weights 1): the losses, the
gradients and so every step are the NumPy loop's, to rounding. Mini-batch epochs run
``ceil(n / B)`` batches, a number given at run time; the last one is padded and masked. The
layer statistics ignore padded rows (``layer_stats(..., mask=...)``) and the validation
accuracy counts real rows only. So the folds of a cross-validation, whose lengths differ by a
sample or two, share one program. Data larger than :data:`PAD_MAX_BYTES` is not padded: its
program is keyed by its exact length (its compilation is small beside its run).

Compilation and the program caches
----------------------------------
A program depends on the architecture, the layout, the loss, the optimizer's name and options,
whether there is a schedule, whether there is an ``l1`` or ``l2`` penalty, the batch size, the bucket of the data's length, the
epochs of a chunk and the stride of the layer statistics. Everything else is an argument: the
parameters, the optimizer's state, the data, the number of rows, the learning rates, the
schedule's factors (computed on the host for the chunk's updates), the divergence limits and
the epoch counters. Programs are kept in memory (up to :data:`CACHE_SIZE`) and on disk, in
:func:`cache_dir` (default ``~/.cache/glassnet/jax`` or the platform's user cache directory;
``GLASSNET_JAX_CACHE=/path`` moves it and ``GLASSNET_JAX_CACHE=off`` turns it off, as does
``configure(cache_dir=False)``): a new process whose program was compiled before loads it in
milliseconds instead of tracing and compiling it. A disk entry is keyed by everything above
plus the versions of glassnet's engine sources, JAX and jaxlib, the device and the machine; a
damaged or unreadable entry is ignored and rebuilt, never an error. Programs with a user's own
activation, loss or ready ``Optimizer`` object are kept in memory only (their code has no
stable name). The cache holds executable programs: like ``__pycache__``, it must not be a
directory that others can write. ``History.compile_seconds`` is the time spent compiling (or
loading from disk; 0 for a program already in memory) and ``History.run_seconds`` the time
spent running.

Layer statistics
----------------
Recorded on ``fit``'s schedule (every ``stats_every`` epochs and at the last) and at the last
epoch of every chunk, as in the NumPy loop. The epochs between two records are a loop of plain
epochs that compute no statistics: a chunk is one scan over such stretches, so one recorded and
one plain epoch are traced and compiled, whatever its length. One difference: a single network (or a whole population) that
diverges stops there in both backends, and the NumPy loop also records the statistics of the
epoch it stopped at, while the compiled program keeps only those of its schedule.

Callbacks
---------
Callbacks run between calls of the program, each of which runs ``chunk_epochs`` epochs:
``on_epoch_end`` is called once per chunk, with the chunk's last epoch, the History filled up
to it and the network holding the parameters after it. The default chunk is one epoch when
there are callbacks (the NumPy loop's granularity, so ``EarlyStopping`` behaves exactly as
there) and the whole run when there are none. A larger chunk is faster, and a callback that
stops training then stops it at the end of a chunk. Each chunk starts from the network's
parameters, so a callback that changes them is heard.

Nothing of JAX leaves a fit: the parameters are written back into the network's own NumPy
arrays, and the History, the optimizer's state and the statistics hold NumPy arrays and
Python numbers only.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import hashlib
import importlib.util
import math
import operator
import os
import pickle
import platform
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from glassnet import _xp
from glassnet import optimizers as _optimizers
from glassnet import training as _training
from glassnet._extras import install_hint
from glassnet._validation import Interval, Options, check, describe
from glassnet.metrics import fraction_right

if TYPE_CHECKING:
    from glassnet.network import Network

__all__ = [
    "CACHE_ENV",
    "CACHE_SIZE",
    "LAYOUTS",
    "THREADS_ENV",
    "available",
    "bucket",
    "cache_dir",
    "cache_info",
    "clear_cache",
    "configure",
    "evaluator",
    "info",
    "run",
    "threads_info",
]

CACHE_SIZE = 32
"""How many compiled programs are kept in memory."""

CACHE_ENV = "GLASSNET_JAX_CACHE"
"""The environment variable that moves the disk cache (a directory) or turns it off (``off``)."""

MAX_CACHE_BYTES = 512 * 2**20
"""The disk cache keeps its most recently used programs within this size."""

MAX_ORDER_BYTES = 256 * 2**20
"""The sample orders of one chunk (epochs x members x samples indices) stay below this."""

PAD_MAX_BYTES = 64 * 2**20
"""Data (``X`` and ``y``) up to this size is padded to its bucket; larger data keeps its
length (see the module docstring)."""

LAYOUTS = ("auto", "lanes", "members")
"""How a population is laid out in the program (see the module docstring)."""

LANES_MAX_WIDTH = 16
"""``layout="auto"`` takes the lanes for populations whose widest layer after the input has at
most this many units (measured with ``python -m bench.crossover``: ``[3, w, 1]`` networks, the
lanes 1.1-2.6x faster than the members-first layout for every width up to 16 and 4 to 4000
members, even with it at 32 and slower at 64 for 1000 members: wide layers are products that
batched matrix kernels do better) ..."""

LANES_MIN_MEMBERS = 4
"""... and at least this many members (below, every layout runs short vectors)."""

THREADS_MIN_MEMBERS = 128
"""``threads="auto"`` splits a lanes population over the CPU's cores in shares of at least this
many members (see :func:`configure`): XLA runs the lanes program's blocks of members one after
another on one core, so a large population otherwise leaves the other cores idle. Measured on
two cores (the paper's network, whole fits, median of 11 alternating rounds; now ``python
bench/threads_split.py``): two threads ran 256 to 2048 members 1.2-1.9x faster in float64 and up
to 1.5x in float32; shares of 64 members gained 0.95-1.4x, by run."""

THREADS_MIN_MEMBERS_BATCHED = 8
"""The same in the members layout (wider networks, more work per member). Measured on two
cores (``python bench/threads_split.py``: whole fits, median of 7 alternating rounds): two
threads ran 16 members of a digits network (64-128-10, batch 32) 1.9-2.0x faster, 64 to 256
members of [3, 32, 1] 1.2-1.9x, 64 of [8, 64, 64, 1] 1.5-1.6x, 1000 of the paper's network
(layout forced) 2.0-2.3x."""

MAX_THREADS = 256
"""The most threads ``configure(threads=...)`` accepts."""

THREADS_ENV = "GLASSNET_JAX_THREADS"
"""The environment variable read by ``threads="auto"`` (the default): ``auto`` or a number of
threads, e.g. ``1`` for Dask workers started one per core."""

RUNAWAY_EVERY_EPOCH = 128
"""Divergence rule 3's pass over the parameters (:func:`glassnet.training.runaway`) runs every
epoch, masked to the epochs that check it, when a program call holds at most this many
parameters; above, it runs under a conditional on those epochs only. XLA's conditional costs
more than reading a few parameters: the paper's network in float32 ran 2000 epochs in 0.86 ms
with it and 0.45 ms without; 100 members of it (1100 parameters) ran 15% faster with it."""

_BLOCK = 32
_PACKED = 1 << 14  # outputs up to this many numbers are packed (see _Program)
# Without statistics the epochs run in stretches of _BLOCK (see _program's stretches)

_OFF = ("off", "0", "false", "no", "none")

_cache: collections.OrderedDict[Any, Any] = collections.OrderedDict()
_lock = threading.Lock()
_settings: dict[str, Any] = {"layout": "auto", "cache_dir": None, "threads": "auto"}


def available() -> bool:
    """True if JAX is installed (without importing it)."""
    return importlib.util.find_spec("jax") is not None


def _jax() -> Any:
    if not available():
        raise ValueError(
            f"backend: 'jax' needs JAX, which is not installed; install it with {install_hint('jax')}"
        )
    import jax

    return jax


# --- settings ----------------------------------------------------------------------------------


class _Restore:
    """What :func:`configure` returns: the settings before it, restored on ``with`` exit."""

    def __init__(self, before: dict[str, Any]) -> None:
        self.before = before

    def __enter__(self) -> dict[str, Any]:
        return dict(_settings)

    def __exit__(self, *exc: Any) -> None:
        _settings.update(self.before)


_UNSET: Any = object()


def configure(
    *, layout: str = _UNSET, cache_dir: Any = _UNSET, threads: int | str = _UNSET
) -> _Restore:
    """Set the compiled backend's defaults for this process.

    Parameters
    ----------
    layout : {"auto", "lanes", "members"}
        How populations are laid out (see the module docstring).
    cache_dir : str, path, None or False
        Where programs are kept between processes: a directory, ``None`` for the default
        (``GLASSNET_JAX_CACHE``, else the user cache directory), ``False`` for no disk cache.
    threads : "auto" or int
        How many threads share a population on the CPU (either layout): each runs the
        program on its share of the members (``ceil(P / threads)``, the last share padded
        with copies of member 0 whose results are dropped; fewer threads when fewer shares
        cover the members) and the outputs are joined. The
        members are independent, so the results are the same as in one call. ``"auto"`` (the
        default): the number in the environment variable ``GLASSNET_JAX_THREADS`` if it is
        set (e.g. ``1`` for Dask workers started one per core), else one thread per core, at
        most one per :data:`THREADS_MIN_MEMBERS` members on the lanes and per
        :data:`THREADS_MIN_MEMBERS_BATCHED` in the members layout; ``1``: never split. A number is used
        as it is (at most one thread per member).

    Returns an object that restores the earlier settings when used with ``with``::

        with gn.compiled.configure(layout="members"):
            net.fit(X, y, backend="jax")
    """
    before = dict(_settings)
    if layout is not _UNSET:
        _settings["layout"] = check(layout, "layout", Options(LAYOUTS))
    if cache_dir is not _UNSET:
        if cache_dir is not None and cache_dir is not False:
            if not isinstance(cache_dir, str | os.PathLike) or not str(cache_dir):
                raise TypeError(
                    "cache_dir: expected a directory, None (the default) or False (off), "
                    f"got {describe(cache_dir)}"
                )
            cache_dir = Path(cache_dir).expanduser()
        _settings["cache_dir"] = cache_dir
    if threads is not _UNSET:
        _settings["threads"] = check(
            threads, "threads", Options(("auto",)), Interval(int, 1, MAX_THREADS)
        )
    return _Restore(before)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _threads(shape: _Shape) -> int:
    """How many threads share the population's program calls (see :func:`configure`)."""
    import jax

    P = shape.members
    if P is None or shape.layout == "single" or jax.default_backend() != "cpu":
        return 1
    chosen = _settings["threads"]
    if chosen == "auto":
        chosen = _threads_from_env()
    if chosen == "auto":
        least = THREADS_MIN_MEMBERS if shape.layout == "lanes" else THREADS_MIN_MEMBERS_BATCHED
        return max(1, min(_cores(), P // least))
    return min(int(chosen), P)


def _threads_from_env() -> int | str:
    text = os.environ.get(THREADS_ENV, "").strip()
    if not text or text.lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= MAX_THREADS:
        raise ValueError(
            f"{THREADS_ENV}: expected auto or an integer in [1, {MAX_THREADS}], got {text!r}"
        )
    return value


def _default_cache_dir() -> Path:
    # platformdirs' user cache directory, without the dependency
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "glassnet" / "jax"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "glassnet" / "Cache" / "jax"
    base = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "glassnet" / "jax"


def cache_dir() -> Path | None:
    """The directory of the disk cache, or ``None`` when it is off.

    ``configure(cache_dir=...)`` first, then the environment variable ``GLASSNET_JAX_CACHE``
    (a directory, or ``off``), then the user cache directory (``~/.cache/glassnet/jax`` on
    Linux, ``$XDG_CACHE_HOME/glassnet/jax`` when that is set).
    """
    chosen = _settings["cache_dir"]
    if chosen is False:
        return None
    if chosen is not None:
        return Path(chosen)
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in _OFF:
        return None
    return Path(env).expanduser() if env else _default_cache_dir()


def _entries(where: Path) -> list[Path]:
    try:
        return [p for p in where.iterdir() if p.suffix == ".gnjx" and p.is_file()]
    except OSError:
        return []


def cache_info() -> dict[str, Any]:
    """Where the disk cache is, whether it is on, what set it (``"configure"``, the environment
    variable or ``"default"``), and how many programs and bytes it holds."""
    where = cache_dir()
    if _settings["cache_dir"] is not None:
        source = "configure"
    elif os.environ.get(CACHE_ENV, "").strip():
        source = CACHE_ENV
    else:
        source = "default"
    if where is None:
        return {"enabled": False, "dir": None, "entries": 0, "bytes": 0, "set_by": source}
    files = _entries(where)
    size = 0
    for p in files:
        with contextlib.suppress(OSError):
            size += p.stat().st_size
    return {
        "enabled": True,
        "dir": str(where),
        "entries": len(files),
        "bytes": size,
        "set_by": source,
    }


def clear_cache(disk: bool = True) -> int:
    """Forget every compiled program (in memory, and on disk with ``disk``); returns how many
    disk entries were removed."""
    with _lock:
        _cache.clear()
    removed = 0
    where = cache_dir() if disk else None
    for p in _entries(where) if where is not None else []:
        with contextlib.suppress(OSError):
            p.unlink()
            removed += 1
    return removed


def threads_info() -> dict[str, Any]:
    """How populations on the lanes are split over threads on the CPU: the setting
    (``"auto"`` or a number), what set it (``"configure"``, ``GLASSNET_JAX_THREADS`` or
    ``"default"``), the cores this process may use, the most threads ``"auto"`` takes, and
    ``"error"``: why ``GLASSNET_JAX_THREADS`` cannot be used (a fit would refuse it), or None."""
    chosen = _settings["threads"]
    source = "configure" if chosen != "auto" else "default"
    error = None
    if chosen == "auto" and os.environ.get(THREADS_ENV, "").strip().lower() not in ("", "auto"):
        source = THREADS_ENV
        try:
            chosen = _threads_from_env()
        except ValueError as e:
            chosen, error = None, str(e)
    cores = _cores()
    return {
        "threads": chosen,
        "set_by": source,
        "cores": cores,
        "most": cores if chosen == "auto" else chosen,
        "min_share": {"lanes": THREADS_MIN_MEMBERS, "members": THREADS_MIN_MEMBERS_BATCHED},
        "error": error,
    }


def info() -> dict[str, Any]:
    """JAX's version and devices (or why the backend is unavailable), the disk cache, and the
    threads of a population (:func:`threads_info`)."""
    cache = cache_info()
    if not available():
        return {
            "available": False,
            "reason": f"JAX is not installed ({install_hint('jax')})",
            "cache": cache,
        }
    import jax

    return {
        "available": True,
        "version": jax.__version__,
        "default_backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "cache": cache,
        "threads": threads_info(),
    }


def _x64(net: Network) -> Any:
    jax = _jax()
    return jax.enable_x64(True) if net.dtype == np.float64 else contextlib.nullcontext()


# --- the shape of a program ------------------------------------------------------------------


def bucket(n: int) -> int:
    """The padded length of ``n`` rows: ``n`` up to 8, then the next ``2^k x {1, 5/4, 3/2, 7/4}``.

    >>> [bucket(n) for n in (4, 9, 13, 1437, 1438)]
    [4, 10, 14, 1536, 1536]
    """
    if n <= 8:
        return n
    e = n.bit_length() - 3  # 4 * 2^e <= n < 8 * 2^e
    return next(m << e for m in (4, 5, 6, 7, 8) if m << e >= n)


class _Shape(NamedTuple):
    """What a program's code depends on besides the network, loss and optimizer."""

    layout: str  # "single", "members" or "lanes"
    rows: int  # rows of X as given to the program (padded)
    batch: int  # rows per step (== rows for full batch)
    full: bool  # one step per epoch on all the data
    n_batches: int  # most batches an epoch can have (full batch: 1)
    weighted: bool  # sample weights are given
    padded: bool  # full batch: rows beyond n are padding (the mini-batch's last batch always is)
    shuffle: bool  # one sample order per epoch (else one for all)
    validation: tuple[int, bool, bool] | None  # (rows, classification, padded)
    chunk: int  # epochs per call
    stride: int  # layer statistics every this many epochs (0: off)
    schedule: bool  # a table of schedule factors is given
    members: int | None  # members of one call: the population, or one thread's share of it


def _padded(n: int, row_bytes: int) -> int:
    r = bucket(n)
    return r if r * row_bytes <= PAD_MAX_BYTES else n


def _layout(net: Network) -> str:
    P = net.population
    if P is None:
        return "single"
    chosen = _settings["layout"]
    if chosen != "auto":
        return str(chosen)
    builtin = all(a.value.__module__ == "glassnet.activations" for a in net.activations)
    small = max(net.sizes[1:]) <= LANES_MAX_WIDTH and P >= LANES_MIN_MEMBERS
    return "lanes" if builtin and small else "members"


def _shape(net: Network, plan: _training.Plan, chunk: int) -> _Shape:
    row_bytes = (plan.X.shape[1] + plan.y.shape[1]) * plan.X.itemsize
    rows = _padded(plan.n, row_bytes)
    batch = rows if plan.full_batch else plan.batch
    validation = None
    if plan.validation is not None:
        Xv, yv, classes = plan.validation
        nv = Xv.shape[0]
        rv = _padded(nv, (Xv.shape[1] + yv.shape[1]) * Xv.itemsize)
        validation = (rv, bool(classes), rv != nv)
    return _Shape(
        layout=_layout(net),
        rows=rows,
        batch=batch,
        full=plan.full_batch,
        n_batches=1 if plan.full_batch else math.ceil(rows / batch),
        weighted=plan.weight is not None,
        padded=plan.full_batch and rows != plan.n,
        shuffle=plan.shuffle,
        validation=validation,
        chunk=chunk,
        stride=plan.stats_every,
        schedule=plan.lr is not None and plan.schedule_fn is not None,
        members=net.population,
    )


def _spec(net: Network, plan: _training.Plan, shape: _Shape) -> tuple[Any, bool]:
    """The static part of a program's key, and whether it can be kept on disk (every piece of
    it has a stable name)."""
    acts = tuple(a.name for a in net.activations)
    named = all(a.value.__module__ == "glassnet.activations" for a in net.activations)
    named = named and plan.loss.value.__module__ == "glassnet.losses" and plan.lr is not None
    spec = (
        tuple(net.sizes),
        acts if named else tuple(net.activations),
        net.bias,
        net.kernel,
        net.dtype.str,
        plan.loss.name if named else plan.loss,
        plan.optimizer_name if plan.lr is not None else plan.optimizer,
        tuple(sorted(plan.optimizer_options.items())),
        plan.l1 != 0,  # whether there is a penalty; its value is an argument
        plan.l2 != 0,
        plan.loss.summed,
        plan.takes_every_step,
        tuple(shape),
        (_xp.UNROLL, BLOCK_BYTES),
    )
    return spec, named


# --- the program -----------------------------------------------------------------------------


class _Layout:
    """Where the layer statistics are recorded in a chunk of ``chunk`` epochs.

    The chunk starts on an epoch that the schedule records (a multiple of the stride ``k``), so
    the schedule is static: ``groups`` stretches of one recorded epoch and ``k - 1`` plain ones,
    then a ``tail`` stretch, then the chunk's last epoch, recorded too. Plain epochs compute no
    statistics at all.
    """

    def __init__(self, chunk: int, stride: int) -> None:
        self.stride = stride
        body = chunk - 1
        self.groups, self.tail = divmod(body, stride) if stride else (0, 0)
        self.positions = [g * stride for g in range(self.groups)]
        if self.tail:
            self.positions.append(self.groups * stride)
        self.positions.append(chunk - 1)


@functools.lru_cache(maxsize=64)
def _positions(chunk: int, stride: int) -> np.ndarray:
    out = np.asarray(_Layout(chunk, stride).positions)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=64)
def _recorded(chunk: int, stride: int, epoch0: int, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """The epochs of a chunk's records, and which of them the fit's schedule keeps (every
    ``stride`` epochs and the fit's last; a chunk's last epoch is recorded for its callbacks)."""
    at = epoch0 + _positions(chunk, stride)
    keep = np.flatnonzero((at % stride == 0) | (at == epochs - 1))
    at.flags.writeable = keep.flags.writeable = False
    return at, keep


BLOCK_BYTES = 128 * 2**10
"""The lanes layout trains a large population in blocks of members whose widest array of one
step, ``rows x width x members``, takes about this many bytes: they stay in the CPU's cache
through the chunk (10^4 members of the paper's net ran 4x slower per member as one block)."""


def _block_members(net: Network, shape: _Shape) -> int:
    per_member = min(shape.batch, shape.rows) * max(net.sizes) * net.dtype.itemsize
    return max(256, 1 << max(0, (BLOCK_BYTES // max(per_member, 1)).bit_length() - 1))


def _traced_network(net: Network, layout: str) -> Network:
    """A copy of ``net`` for tracing, with the layout's product (the formulas are the same)."""
    traced = net.copy()  # (its parameters are not used: the program takes them as arguments)
    if layout == "single":
        traced.matmul = _xp.small_matmul
    elif layout == "lanes":
        traced.matmul = operator.matmul  # Lanes' own product
    return traced


def _program(net: Network, plan: _training.Plan, shape: _Shape) -> Any:
    """The traced function of one chunk (see the module docstring)."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    P = shape.members
    lanes = shape.layout == "lanes"
    if lanes:
        _xp.lanes_namespace()  # registers Lanes as a pytree
    tnet = _traced_network(net, shape.layout)
    dtype = net.dtype
    eps = float(np.finfo(dtype).tiny)
    summed = plan.loss.summed
    chunk, stride, B = shape.chunk, shape.stride, shape.batch
    layout = _Layout(chunk, stride)

    def members(a: Any) -> Any:
        """A per-member array (``(P, ...)``) in the program's layout."""
        return _xp.Lanes.wrap(a) if lanes and np.ndim(a) >= 1 else a

    def plain(a: Any) -> Any:
        """A per-member output back to ``(P, ...)`` (a scanned (P,) output stays as stored)."""
        return a.unwrap() if type(a) is _xp.Lanes else a

    def run(params, state, carry, data, orders, factors, eta, floats, ints):
        X, y, w, Xv, yv = data
        few = sum(math.prod(np.shape(a)) for p in params for a in p.values())
        few = few <= RUNAWAY_EVERY_EPOCH
        # counts as integers, and as floats of the network's dtype for the divisions
        limit, growth, n_f, nv_f, l1, l2 = (floats[i] for i in range(6))
        epoch0, last, check_every, n, nv, count0, first_epoch = (ints[i] for i in range(7))
        # the penalties are arguments (a grid over them shares one program); one that is 0
        # stays the plain number, so its terms are not in the program at all
        tplan = dataclasses.replace(
            plan,
            n=n_f,
            loss_growth=growth,
            param_limit=limit,
            l1=l1 if plan.l1 else plan.l1,
            l2=l2 if plan.l2 else plan.l2,
        )
        params = jax.tree_util.tree_map(members, params)
        state = jax.tree_util.tree_map(members, state)
        eta = members(eta)
        # div_epoch: the epoch a run diverged at, -1 while it has not; first: the loss of the
        # run's first epoch, taken at `first_epoch` (-1 when it is known already)
        div_epoch, first = carry
        carry = (params, state, members(div_epoch), members(first))
        template = carry[2]  # (P,) or (), of this call's members (a block of them, see below)

        def member_zeros(dt: Any) -> Any:
            return _xp.namespace(template).zeros_like(template, dt)

        schedule = None
        if shape.schedule:

            def schedule(count: Any) -> Any:
                return factors[count - count0]

        if plan.lr is None:  # a ready Optimizer object: used as it is
            opt = plan.optimizer
        else:
            opt = _optimizers.get(
                plan.optimizer_name, eta, schedule=schedule, **plan.optimizer_options
            )

        # the full batch's weights and mask, once: padded rows weigh 0, real ones R / n
        row_mask = full_w = None
        if shape.full and shape.padded:
            row_mask = (jnp.arange(shape.rows) < n).astype(dtype)[:, None]
            full_w = row_mask if summed else row_mask * (shape.rows / n_f)
            if w is not None:
                full_w = full_w * w
        elif shape.full:
            full_w = w

        def gather(a: Any, idx: Any) -> Any:
            out = a[idx]
            return members(out) if lanes and idx.ndim == 2 else out

        def evaluate(params: Any) -> tuple[Any, Any]:
            rv, classes, vpadded = shape.validation  # type: ignore[misc]
            fv = tnet.apply(params, Xv)
            if not vpadded:
                value = tnet.cost(fv, yv, plan.loss)
                return value, (fraction_right(fv.a[-1], yv) if classes else None)
            vmask = (jnp.arange(rv) < nv).astype(dtype)
            wv = vmask[:, None] if summed else vmask[:, None] * (rv / nv_f)
            value = tnet.cost(fv, yv, plan.loss, wv)
            if not classes:
                return value, None
            # per-row hits (a length-1 axis of rows per sample), averaged over the real rows
            hits = fraction_right(fv.a[-1][..., :, None, :], yv[:, None, :])
            return value, (hits * vmask).sum(axis=-1) / nv_f

        def epoch(c: Any, e: Any, order: Any, record: bool) -> tuple[Any, dict[str, Any]]:
            """Epoch ``e`` (absolute); with ``record`` (static) also its layer statistics."""
            params, state, div_epoch, first = c
            diverged = div_epoch >= 0
            frozen = diverged if P is None else diverged[:, None, None]
            out: dict[str, Any] = {}
            if shape.validation is not None:
                out["val_loss"], acc = evaluate(params)
                if acc is not None:
                    out["val_accuracy"] = acc
            stats_mask = row_mask
            if shape.full:
                r = _training.step(tnet, tplan, params, state, X, y, full_w, frozen, opt)
                params, state, total = r.params, r.state, r.cost
            else:
                nb = (n + B - 1) // B

                def batch_body(b: Any, c2: Any) -> Any:
                    params, state, total = c2
                    idx = lax.dynamic_slice_in_dim(order, b * B, B, axis=-1)
                    wb = None if w is None else gather(w, idx)
                    r = _training.step(
                        tnet, tplan, params, state, gather(X, idx), gather(y, idx), wb, frozen, opt
                    )
                    return r.params, r.state, total + _training.epoch_share(tplan, r.cost, B)

                total = member_zeros(dtype)
                params, state, total = lax.fori_loop(0, nb - 1, batch_body, (params, state, total))
                # the last batch: rows beyond n are padding, masked; the mean is over its rows
                start = (nb - 1) * B
                rows = n - start
                rows_f = n_f - start.astype(dtype)
                idx = lax.dynamic_slice_in_dim(order, start, B, axis=-1)
                stats_mask = (jnp.arange(B) < rows).astype(dtype)[:, None]
                wb = stats_mask if summed else stats_mask * (B / rows_f)
                if w is not None:
                    wb = wb * gather(w, idx)
                r = _training.step(
                    tnet, tplan, params, state, gather(X, idx), gather(y, idx), wb, frozen, opt
                )
                params, state = r.params, r.state
                total = total + _training.epoch_share(tplan, r.cost, rows_f)
            out["loss"] = total

            xp = _xp.namespace(total)
            first = xp.where(e == first_epoch, total, first)
            checked = (e % check_every == 0) | (e == last)
            # the rule's parameter pass only runs on the epochs that check it
            if few:
                runaway = _training.runaway(params, limit) & checked
            else:
                runaway = lax.cond(
                    checked,
                    lambda p: _training.runaway(p, limit),
                    lambda p: member_zeros(bool),
                    params,
                )
            bad = _training.diverging(total, first, params, tplan, False)
            if not tplan.takes_every_step:  # divergence="none": nothing diverges
                bad = bad | runaway
            div_epoch = xp.where(bad & ~diverged, e.astype(np.int32), div_epoch)
            if record:
                out["stats"] = _training.layer_stats(
                    tnet, r.fwd, r.grads, r.steps, eps, params=params, mask=stats_mask
                )
            out = {k: plain(v) if k != "stats" else v for k, v in out.items()}
            return (params, state, div_epoch, first), out

        def order_at(i: Any) -> Any:
            if orders is None or not shape.shuffle:
                return orders  # full batch, or one sample order for every epoch
            return lax.dynamic_index_in_dim(orders, i, keepdims=False)

        # The chunk's epochs in stretches: an epoch (recorded, with its layer statistics,
        # when the statistics are on), then a loop over the plain epochs up to the next
        # stretch. One scan over the stretches, one loop inside: one recorded and one plain
        # epoch are traced, whatever the chunk's length (compile time stays that of two
        # epochs). Each loop writes its epochs' outputs into a buffer of one stretch, not of
        # the chunk: XLA copies a loop's carried buffers every iteration, and a buffer of the
        # whole run made a tiny epoch 1.4-1.7x slower.
        if stride:
            starts = np.asarray(layout.positions)
        else:
            starts = np.arange(0, chunk, _BLOCK)
        counts = np.diff([*starts, chunk]) - 1 if stride else np.diff([*starts, chunk])
        width = max(int(counts.max()), 1)

        def one(j: Any, cb: Any) -> Any:
            c, bufs, start = cb
            i = start + j
            c, out = epoch(c, epoch0 + i, order_at(i), False)
            bufs = {k: lax.dynamic_update_index_in_dim(b, out[k], j, 0) for k, b in bufs.items()}
            return c, bufs, start

        shapes = jax.eval_shape(lambda c: epoch(c, epoch0, order_at(0), False)[1], carry)

        def stretch(c: Any, xs: Any) -> Any:
            start, count = xs
            head: Any = ()
            if stride:
                c, out = epoch(c, epoch0 + start, order_at(start), True)
                head = (out.pop("stats"), out)
                start = start + 1
            bufs = {k: jnp.zeros((width, *v.shape), v.dtype) for k, v in shapes.items()}
            c, bufs, _ = lax.fori_loop(0, count, one, (c, bufs, start))
            return c, (head, bufs)

        carry, (head, bufs) = lax.scan(stretch, carry, (jnp.asarray(starts), jnp.asarray(counts)))
        # every epoch's outputs in order, gathered by a static index from (stretch, slot)
        table = np.zeros(chunk, dtype=np.int64)
        lead_ = 1 if stride else 0
        for r, (start, count) in enumerate(zip(starts, counts, strict=True)):
            row = r * (width + lead_)
            if stride:
                table[start] = row
            table[start + lead_ : start + lead_ + count] = row + lead_ + np.arange(count)
        if stride:
            stats, first_outs = head
            slots = {k: jnp.concatenate([first_outs[k][:, None], bufs[k]], axis=1) for k in bufs}
        else:
            stats = {}
            slots = bufs
        index = jnp.asarray(table)
        outs = {k: v.reshape(-1, *v.shape[2:])[index] for k, v in slots.items()}

        params, state, div_epoch, first = carry
        params = jax.tree_util.tree_map(plain, params, is_leaf=_is_lanes)
        state = jax.tree_util.tree_map(plain, state, is_leaf=_is_lanes)
        carry = (plain(div_epoch), plain(first))
        if P is not None:  # the curves as History keeps them, (P, epochs): transposed here
            outs = {k: v.T for k, v in outs.items()}
        return params, state, carry, {**outs, "stats": stats}

    meta: dict[str, Any] = {}

    def blocked(params, state, carry, data, orders, factors, eta, floats, ints):
        """``run`` over blocks of members (lanes only): members are independent, so the
        population trains as a loop over blocks of ``BM`` members, each block's arrays
        small enough to stay in the CPU's cache through the chunk. The last block is padded
        with copies of member 0, whose results are dropped."""
        if not lanes or P is None or P <= _block_members(net, shape):
            return run(params, state, carry, data, orders, factors, eta, floats, ints)
        bm = _block_members(net, shape)
        nb = -(-P // bm)

        def split(a: Any, axis: int = 0) -> Any:
            a = jnp.moveaxis(a, axis, 0)
            a = jnp.concatenate([a, jnp.broadcast_to(a[:1], (nb * bm - P, *a.shape[1:]))])
            return jnp.moveaxis(a.reshape(nb, bm, *a.shape[1:]), 1, axis + 1)

        def per_member(a: Any) -> bool:
            return np.ndim(a) >= 1 and a.shape[0] == P

        leaves, tree = jax.tree_util.tree_flatten(state)
        mapped = [per_member(v) for v in leaves]
        xs = (
            jax.tree_util.tree_map(split, params),
            [split(v) for v, m in zip(leaves, mapped, strict=True) if m],
            tuple(split(v) for v in carry),
            split(eta) if np.ndim(eta) == 3 else None,
            split(orders, 1) if orders is not None and orders.ndim == 3 else None,
        )

        def one(x: Any) -> Any:
            p, sm, c, e, o = x
            it = iter(sm)
            s = tree.unflatten([next(it) if m else v for v, m in zip(leaves, mapped, strict=True)])
            return run(
                p, s, c, data, orders if o is None else o, factors, eta if e is None else e,
                floats, ints,
            )  # fmt: skip

        # The blocks' outputs are written in place into buffers of every member (XLA updates a
        # loop's carried buffers in place): stacking them (lax.map) and merging the blocks
        # moved every curve and statistic twice more, through temporaries as large as the
        # outputs (53 MB of them for 10^4 members x 200 epochs), which the allocator maps
        # fresh on every call.
        def at(b: Any) -> Any:
            return jax.tree_util.tree_map(lambda a: lax.dynamic_index_in_dim(a, b, 0, False), xs)

        shapes = jax.eval_shape(lambda x: one(jax.tree_util.tree_map(lambda a: a[0], x)), xs)
        p_shape, s_shape, c_shape, o_shape = shapes
        s_tree = jax.tree_util.tree_structure(s_shape)
        # each output's member axis; -1: the same for every block (a step count), taken whole
        axes = jax.tree_util.tree_leaves(
            (
                jax.tree_util.tree_map(lambda _: 0, p_shape),
                s_tree.unflatten([0 if m else -1 for m in mapped]),
                jax.tree_util.tree_map(lambda _: 0, c_shape),
                {k: jax.tree_util.tree_map(lambda _, a=int(k == "stats"): a, v)
                 for k, v in o_shape.items()},
            )
        )  # fmt: skip
        flat, out_tree = jax.tree_util.tree_flatten(shapes)

        def buffer(v: Any, ax: int) -> Any:
            dims = list(v.shape)
            if ax >= 0:
                dims[ax] = nb * bm
            return jnp.zeros(dims, v.dtype)

        def body(b: Any, bufs: list[Any]) -> list[Any]:
            new = jax.tree_util.tree_leaves(one(at(b)))
            return [
                o if ax < 0 else lax.dynamic_update_slice_in_dim(buf, o, b * bm, axis=ax)
                for buf, o, ax in zip(bufs, new, axes, strict=True)
            ]

        bufs = lax.fori_loop(0, nb, body, [buffer(v, ax) for v, ax in zip(flat, axes, strict=True)])
        # the padding members dropped: here for small outputs; a large one comes out whole,
        # its padding cut on the host as a view (a slice here would copy it once more)
        out, trims = [], []
        for v, ax in zip(bufs, axes, strict=True):
            padded = ax >= 0 and nb * bm != P
            if padded and v.size > _PACKED:
                out.append(v)
                trims.append((ax, P))
            else:
                out.append(lax.slice_in_dim(v, 0, P, axis=ax) if padded else v)
                trims.append(None)
        meta["trims"] = trims
        return out_tree.unflatten(out)

    def packed(*args: Any) -> tuple[Any, ...]:
        # the small outputs in one float and one integer vector, the large ones apart (see
        # _Program)
        meta["trims"] = None
        leaves, tree = jax.tree_util.tree_flatten(blocked(*args))
        meta["tree"] = tree
        trims = meta.pop("trims") or [None] * len(leaves)
        meta["leaves"] = [
            (tuple(v.shape), np.dtype(v.dtype).str, v.size > _PACKED, trim)
            for v, trim in zip(leaves, trims, strict=True)
        ]
        ints = jax.dtypes.canonicalize_dtype(np.int64)
        small = [v for v in leaves if v.size <= _PACKED]
        floats = [v.ravel().astype(dtype) for v in small if v.dtype.kind == "f"]
        integers = [v.ravel().astype(ints) for v in small if v.dtype.kind != "f"]
        return (
            jnp.concatenate(floats) if floats else jnp.zeros(0, dtype),
            jnp.concatenate(integers) if integers else jnp.zeros(0, ints),
            *(v for v in leaves if v.size > _PACKED),
        )

    return packed, meta


class _Program:
    """A compiled chunk, and how to unpack what it returns.

    The program returns its small outputs (parameters, optimizer state, carry, a short run's
    loss curve and statistics) packed into one float and one integer vector: every array
    fetched from the device costs the host several microseconds, a tenth of the tiny
    network's whole run for a dozen of them. Outputs of more than ``_PACKED`` numbers (a large
    population's curves and statistics) come apart: packing would copy them once more.
    ``meta`` holds the tree, the shapes and which come apart, to unpack them (as views).
    """

    def __init__(self, executable: Any, meta: dict[str, Any]) -> None:
        self.executable, self.meta = executable, meta
        # where each output lies: (-1, k) the k-th apart, else (0 floats | 1 ints, slice)
        self._where: list[tuple[int, Any, tuple[int, ...], np.dtype, Any]] = []
        f = i = k = 0
        for shape, dt, alone, trim in meta["leaves"]:
            size = math.prod(shape)
            cut = None if trim is None else (slice(None),) * trim[0] + (slice(0, trim[1]),)
            if alone:
                self._where.append((-1, k, shape, np.dtype(dt), cut))
                k += 1
            elif np.dtype(dt).kind == "f":
                self._where.append((0, slice(f, f + size), shape, np.dtype(dt), cut))
                f += size
            else:
                self._where.append((1, slice(i, i + size), shape, np.dtype(dt), cut))
                i += size

    def __call__(self, *args: Any) -> Any:
        import jax

        floats, ints, *large = jax.device_get(self.executable(*args))
        vectors = (floats, ints)
        out = [
            large[at] if which < 0 else vectors[which][at].reshape(shape).astype(dt, copy=False)
            for which, at, shape, dt, _ in self._where
        ]
        # a large population's padding members, cut as a view (see blocked in _program)
        out = [v if cut is None else v[cut] for v, (*_, cut) in zip(out, self._where, strict=True)]
        return self.meta["tree"].unflatten(out)


def _is_lanes(v: Any) -> bool:
    return type(v) is _xp.Lanes


# --- finding the program: memory, disk, or compiling it ------------------------------------------


@dataclasses.dataclass
class _Found:
    program: Any
    seconds: float
    source: str  # "memory", "disk" or "compiled"


_MAGIC = b"glassnet-jax-program 3\n"


@functools.cache
def _fingerprint() -> str:
    """What a disk entry is valid for besides its key: glassnet's engine sources, JAX, the
    device and the machine (an executable for this CPU may not run on another)."""
    import jax
    import jaxlib

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in sorted(
        (
            "_xp.py", "activations.py", "compiled.py", "losses.py", "metrics.py",
            "network.py", "optimizers.py", "training.py",
        )
    ):  # fmt: skip
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    cpu = ""
    with contextlib.suppress(OSError):
        text = Path("/proc/cpuinfo").read_text()
        cpu = "".join(
            sorted({line for line in text.splitlines() if line.startswith(("model name", "flags"))})
        )
    device = jax.devices()[0]
    parts = (
        digest.hexdigest(),
        jax.__version__,
        getattr(jaxlib, "__version__", ""),
        device.platform,
        getattr(device, "device_kind", ""),
        getattr(device.client, "platform_version", ""),
        platform.machine(),
        platform.processor(),
        cpu,
        os.environ.get("XLA_FLAGS", ""),
        sys.version,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _disk_path(where: Path, spec: Any, signature: Any) -> Path:
    key = repr((spec, signature, _fingerprint())).encode()
    return where / (hashlib.sha256(key).hexdigest()[:40] + ".gnjx")


def _load(path: Path) -> Any:
    """The program stored at ``path``, or None when missing or damaged (then removed)."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    try:
        from jax.experimental import serialize_executable

        head = len(_MAGIC)
        digest, payload = blob[head : head + 64], blob[head + 65 :]
        if blob[:head] != _MAGIC or hashlib.sha256(payload).hexdigest().encode() != digest:
            raise ValueError("damaged")
        serialized, in_tree, out_tree, meta = pickle.loads(payload)
        executable = serialize_executable.deserialize_and_load(serialized, in_tree, out_tree)
        program = _Program(executable, meta)
    except Exception:  # a damaged, truncated or foreign entry: ignored, rebuilt
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used
    return program


def _store(path: Path, program: _Program) -> None:
    """Keep ``program`` at ``path`` (atomically); failures are ignored: the cache is a help."""
    try:
        from jax.experimental import serialize_executable

        serialized = serialize_executable.serialize(program.executable)
        payload = pickle.dumps((*serialized, program.meta))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        os.replace(tmp, path)
        _evict(path.parent)
    except Exception:
        return


def _evict(where: Path) -> None:
    files = []
    for p in _entries(where):
        with contextlib.suppress(OSError):
            st = p.stat()
            files.append((st.st_mtime, st.st_size, p))
    total = sum(f[1] for f in files)
    for _, size, p in sorted(files, key=operator.itemgetter(0)):
        if total <= MAX_CACHE_BYTES:
            break
        with contextlib.suppress(OSError):
            p.unlink()
            total -= size


def _signature(args: Any) -> Any:
    import jax

    leaves, tree = jax.tree_util.tree_flatten(args)
    return tree, tuple((np.shape(a), np.result_type(a).str) for a in leaves)


def _find(net: Network, plan: _training.Plan, shape: _Shape, args: Any) -> _Found:
    """The compiled program for these arguments: from memory, from disk, or compiled now."""
    import jax

    spec, named = _spec(net, plan, shape)
    x64 = bool(jax.config.read("jax_enable_x64"))
    # with a named optimizer the spec fixes every argument's shape and dtype (the learning
    # rates' too: eta's number of axes is in it); a ready Optimizer's state could be anything
    key: Any = (spec, np.ndim(args[6]), x64)
    if not named:
        key = (*key, *_signature(args))
    with _lock:
        program = _cache.get(key)
        if program is not None:
            _cache.move_to_end(key)
            return _Found(program, 0.0, "memory")
    start = time.perf_counter()
    where = cache_dir() if named else None
    path = None
    if where is not None:
        tree, shapes = _signature(args)
        path = _disk_path(where, (spec, x64), (str(tree), shapes))
    program = _load(path) if path is not None else None
    source = "disk"
    if program is None:
        function, meta = _program(net, plan, shape)
        program = _Program(jax.jit(function).lower(*args).compile(), meta)
        source = "compiled"
        if path is not None:
            _store(path, program)
    seconds = time.perf_counter() - start
    with _lock:
        _cache[key] = program
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return _Found(program, seconds, source)


# --- the run on the host ---------------------------------------------------------------------


def _host(tree: Any) -> Any:
    """A tree of NumPy arrays as writable copies; 0-d integers (update counts) as Python ints,
    as the NumPy loop keeps them."""
    import jax

    def leaf(a: Any) -> Any:
        a = np.array(a)
        return int(a) if a.ndim == 0 and a.dtype.kind in "iu" else a

    return jax.tree_util.tree_map(leaf, tree)


def _rows(a: np.ndarray | None, rows: int) -> np.ndarray | None:
    """``a`` with its rows padded to ``rows`` by copies of its first row."""
    if a is None or a.shape[0] == rows:
        return a
    pad = np.broadcast_to(a[:1], (rows - a.shape[0], *a.shape[1:]))
    return np.concatenate([a, pad])


def _share(a: Any, P: int, lo: int, size: int) -> Any:
    """Members ``lo : lo + size`` of a per-member array (leading axis ``P``), padded to ``size``
    with copies of member 0; anything else (shared by every member) as it is."""
    if np.ndim(a) == 0 or np.shape(a)[0] != P:
        return a
    part = a[lo : lo + size]
    return part if part.shape[0] == size else _rows(np.concatenate([part, a[:1]]), size)


def _split(args: tuple[Any, ...], P: int, threads: int, size: int) -> list[tuple[Any, ...]]:
    """A chunk's arguments as ``threads`` calls of ``size`` members each (see ``_join``)."""
    import jax

    params, state, carry, data, orders, factors, eta, floats, ints = args
    calls = []
    for t in range(threads):
        lo = t * size

        def cut(a: Any, lo: int = lo) -> Any:
            return _share(a, P, lo, size)

        if orders is not None and orders.ndim == 3:  # (epochs, P, width)
            o = np.moveaxis(_share(np.moveaxis(orders, 1, 0), P, lo, size), 0, 1)
        else:
            o = orders
        calls.append(
            (
                jax.tree_util.tree_map(cut, params),
                jax.tree_util.tree_map(cut, state),
                tuple(cut(c) for c in carry),
                data,
                o,
                factors,
                cut(eta) if np.ndim(eta) == 3 else eta,
                floats,
                ints,
            )
        )
    return calls


def _join(outs: list[Any], P: int, size: int, curves: dict[str, np.ndarray]) -> Any:
    """The outputs of ``_split``'s calls as one call's: each per-member output joined along
    its member axis (the statistics' second), the padding dropped; a shared one (an update
    count) taken from the first call. The loss curves are written into ``curves`` (the
    History's own arrays, ``(P, epochs of the chunk)``), and come out as ``None``: a large
    population's curves are the largest outputs, and a new array for them (a fresh
    allocation, page by page) cost as much as a thread's whole share of the run."""
    import jax

    keep = [min(size, P - t * size) for t in range(len(outs))]

    def join(axis: int) -> Any:
        def leaf(*parts: Any) -> Any:
            if np.ndim(parts[0]) <= axis or np.shape(parts[0])[axis] != size:
                return parts[0]
            cut = [
                v[(slice(None),) * axis + (slice(0, k),)] for v, k in zip(parts, keep, strict=True)
            ]
            return np.concatenate(cut, axis=axis)

        return leaf

    params, state, carry = (
        jax.tree_util.tree_map(join(0), *(o[i] for o in outs)) for i in range(3)
    )
    result: dict[str, Any] = {}
    for k in outs[0][3]:
        if k in curves:
            for t, o in enumerate(outs):
                curves[k][t * size : t * size + keep[t]] = o[3][k][: keep[t]]
            result[k] = None
        else:
            result[k] = jax.tree_util.tree_map(
                join(1 if k == "stats" else 0), *(o[3][k] for o in outs)
            )
    return params, state, carry, result


_pool: tuple[int, int, Any] | None = None  # (process, workers, the pool)


def _call(program: Any, calls: list[tuple[Any, ...]], net: Network) -> list[Any]:
    """``program`` on each call's arguments, the first in this thread, the others at once in a
    pool of threads (JAX runs a program without the GIL)."""
    global _pool
    if len(calls) == 1:
        return [program(*calls[0])]
    from concurrent.futures import ThreadPoolExecutor, wait

    def call(args: tuple[Any, ...]) -> Any:
        with _x64(net):  # (a thread-local setting)
            return program(*args)

    with _lock:  # one pool per process: a forked child's copy has no threads
        if _pool is None or _pool[0] != os.getpid() or _pool[1] < len(calls) - 1:
            if _pool is not None and _pool[0] == os.getpid():
                _pool[2].shutdown(wait=False)  # too small: what it holds runs, then it ends
            workers = len(calls) - 1
            _pool = (os.getpid(), workers, ThreadPoolExecutor(workers, "glassnet-jax"))
        # submitted under the lock: another fit's larger pool never shuts this one first
        futures = [_pool[2].submit(call, a) for a in calls[1:]]
    try:
        first = program(*calls[0])
    finally:
        wait(futures)  # none left running on arguments the caller may change
    return [first, *(f.result() for f in futures)]


def _count(state: Any) -> int:
    """The optimizer's update count (the first ``count`` field of its state; 0 if none)."""
    stack = [state]
    while stack:
        s = stack.pop(0)
        if isinstance(s, tuple) and "count" in getattr(s, "_fields", ()):
            return int(getattr(s, "count"))  # noqa: B009 - tuple.count shadows the field
        if isinstance(s, tuple | list):
            stack.extend(s)
    return 0


def _orders(plan: _training.Plan, shape: _Shape, rngs: Any, P: int | None, epochs: int) -> Any:
    """The chunk's sample orders, padded to whole batches (padding points at row 0)."""
    if shape.full:
        return None
    width = shape.n_batches * shape.batch
    if not shape.shuffle:
        order = np.zeros(width, dtype=np.int32)
        order[: plan.n] = np.arange(plan.n)
        return order
    lead = () if P is None else (P,)
    out = np.zeros((epochs, *lead, width), dtype=np.int32)
    for i in range(epochs):
        out[i, ..., : plan.n] = _training.permutations(plan, rngs, P is not None)
    return out


def _factors(plan: _training.Plan, shape: _Shape, count0: int, epochs: int, dtype: Any) -> Any:
    """The schedule's factor for each update of the chunk, computed on the host."""
    if not shape.schedule:
        return None
    size = epochs * shape.n_batches
    counts = np.arange(count0, count0 + epochs * plan.steps_per_epoch)
    fn = plan.schedule_fn
    try:  # the built-in schedules take an array of counts at once
        values = np.broadcast_to(np.asarray(fn(counts), dtype=float), counts.shape)
    except Exception:  # a user's schedule of one count
        values = np.array([float(fn(int(c))) for c in counts])
    out = np.ones(size, dtype=dtype)
    out[: counts.size] = values
    return out


def _stats_blocks(
    stats_epochs: list[int], stats: dict[str, list[np.ndarray]], P: int | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The statistics kept so far, as History keeps them (from whole blocks, not one record
    each): the epochs, and per statistic ``(n_stats, n_layers)`` or ``(P, n_stats, n_layers)``."""
    if not stats_epochs:
        return np.zeros(0, dtype=np.int64), {}
    blocks = {name: v[0] if len(v) == 1 else np.concatenate(v) for name, v in stats.items()}
    return np.asarray(stats_epochs, dtype=np.int64), {
        name: np.moveaxis(v, 0, -2) if P is not None else v for name, v in blocks.items()
    }


def _chunk(plan: _training.Plan, callbacks: list[Any], members: int) -> int:
    chunk = plan.chunk_epochs or (1 if callbacks else plan.epochs)
    if plan.shuffle and not plan.full_batch:  # bound the host's sample orders of one chunk
        chunk = max(1, min(chunk, MAX_ORDER_BYTES // (4 * members * max(plan.n, 1))))
    chunk = min(chunk, plan.epochs)
    k = plan.stats_every
    if k > 1 and 1 < chunk < plan.epochs:
        # chunks start on recorded epochs, so each chunk's schedule is the same static one
        chunk = max(k, chunk // k * k)
    return chunk


def run(
    net: Network,
    plan: _training.Plan,
    history: _training.History,
    state: Any,
    rngs: list[np.random.Generator],
    first_loss: Any,
    callbacks: list[_training.Callback],
    warn: bool,
) -> None:
    """Train ``net`` in place by ``plan`` with the compiled program, filling ``history``."""
    _jax()
    with _x64(net):  # float64 in a local context: the user's JAX configuration is kept
        P = net.population
        lead = () if P is None else (P,)
        dtype = net.dtype
        chunk = _chunk(plan, callbacks, P or 1)
        k = plan.stats_every

        shape = _shape(net, plan, chunk)
        threads = _threads(shape)
        share = members = 0
        if threads > 1 and P is not None:  # each thread's share of the members (see configure)
            members, share = P, -(-P // threads)
            threads = -(-P // share)  # no call of padding only (5 members in 4 threads: 3 of 2)
            shape = shape._replace(members=share)
        X, y = _rows(plan.X, shape.rows), _rows(plan.y, shape.rows)
        w = None if plan.weight is None else _rows(plan.weight, shape.rows)
        if w is not None and shape.rows != plan.n:
            w = w.copy()
            w[plan.n :] = 0
        Xv = yv = None
        nv = 0
        if plan.validation is not None and shape.validation is not None:
            nv = plan.validation[0].shape[0]
            Xv = _rows(plan.validation[0], shape.validation[0])
            yv = _rows(plan.validation[1], shape.validation[0])
        data = (X, y, w, Xv, yv)
        eta = np.asarray(plan.eta if plan.eta is not None else 0.0, dtype=dtype)
        floats = np.array(
            [plan.param_limit, plan.loss_growth, plan.n, nv, plan.l1, plan.l2], dtype=dtype
        )
        # members that diverged before a resume stay frozen: marked diverged (at 0) in the
        # program, and reported as diverged before this fit (-1) on the host
        carried = np.asarray(history.diverged, dtype=bool) if P is not None else np.zeros((), bool)
        carry = (
            np.full(lead, -1, dtype=np.int32)
            if P is None
            else np.where(carried, 0, -1).astype(np.int32),
            np.zeros(lead, dtype) if first_loss is None else np.asarray(first_loss, dtype),
        )
        first_epoch = 0 if first_loss is None else -1

        # the recorded epochs and, per statistic, blocks of (records, [P,] n_layers)
        stats_epochs: list[int] = []
        stats: dict[str, list[np.ndarray]] = {name: [] for name in _training.LAYER_STATS}
        epochs_run = 0
        compile_seconds = run_seconds = 0.0
        epoch0 = 0
        outs: dict[str, Any] = {}
        where = np.zeros(0, dtype=np.int64)  # the chunk's recorded epochs, from its start
        while epoch0 < plan.epochs:
            n_epochs = min(chunk, plan.epochs - epoch0)
            if n_epochs != shape.chunk:
                shape = shape._replace(chunk=n_epochs)
            count0 = _count(state)
            ints = np.array(
                [epoch0, plan.epochs - 1, plan.check_every, plan.n, nv, count0, first_epoch],
                dtype=np.int32,
            )
            args = (
                [dict(p) for p in net.params],
                state,
                carry,
                data,
                _orders(plan, shape, rngs, P, n_epochs),
                _factors(plan, shape, count0, n_epochs, dtype),
                eta,
                floats,
                ints,
            )
            calls = [args] if not share else _split(args, members, threads, share)
            found = _find(net, plan, shape, calls[0])
            compile_seconds += found.seconds
            start = time.perf_counter()
            results = _call(found.program, calls, net)
            span = slice(epoch0, epoch0 + n_epochs)
            if share:
                curves = {
                    name: getattr(history, name)[:, span]
                    for name in ("loss", "val_loss", "val_accuracy")
                    if getattr(history, name) is not None
                }
                params, state, carry, outs = _join(results, members, share, curves)
            else:
                params, state, carry, outs = results[0]
            run_seconds += time.perf_counter() - start
            state = _host(state)

            for name in ("loss", "val_loss", "val_accuracy"):
                curve = getattr(history, name)
                v = outs.get(name)
                if curve is None or v is None:  # (None: written in place by _join)
                    continue
                if v.shape == curve.shape and v.dtype == curve.dtype and v.size > _PACKED:
                    # the whole run in one chunk, a large output of its own: kept, not copied
                    # (read-only, as the program's output is)
                    setattr(history, name, v)
                else:
                    curve[..., span] = v
            host_epoch, first = carry
            first_epoch = -1
            host_div = host_epoch >= 0
            history.first_loss = np.array(first) if P is not None else float(first)

            host_epoch = np.asarray(host_epoch).astype(np.int64)
            last = epoch0 + n_epochs - 1
            stop = last
            if P is None and host_div:
                stop = int(host_epoch)
            elif P is not None and host_div.all() and (host_div & ~carried).any():
                stop = int(host_epoch[~carried].max())
            if k:
                where = _positions(n_epochs, k)
                epochs, keep = _recorded(n_epochs, k, epoch0, plan.epochs)
                if stop < last:
                    keep = keep[epochs[keep] <= stop]
                for name in stats:
                    v = outs["stats"][name]
                    if len(keep) != len(v):
                        v = v[keep]
                    elif v.size <= _PACKED:  # a view of the packed vector: copied, not kept
                        v = v.copy()
                    stats[name].append(v)  # (a large output is its own array, kept as it is)
                stats_epochs.extend(epochs[keep].tolist())
            epochs_run = stop + 1
            _write_back(net, params)
            if P is None:
                history.diverged, history.diverged_epoch = bool(host_div), int(host_epoch)
                if host_div:
                    loss = float(history.loss[stop])
                    _training.stop_diverged(history, stop, loss, plan, warn)
                    break
            else:
                history.diverged = host_div.copy()
                history.diverged_epoch = np.where(carried, -1, host_epoch)
                if host_div.all() and (host_div & ~carried).any():
                    history.stopped_by = "diverged"
                    history.messages.append(f"every member diverged by epoch {stop}")
                    break
            if callbacks and _training.run_callbacks(
                callbacks, last, history, net, state, rngs,
                lambda: _stats_blocks(stats_epochs, stats, P),
            ):  # fmt: skip
                break
            epoch0 += n_epochs

        end = epochs_run - 1 - epoch0
        if k and (not stats_epochs or stats_epochs[-1] != epochs_run - 1) and end in where:
            # stopped early by a callback: the chunk's last epoch, recorded, is the last run. (A
            # run that diverges inside a chunk keeps the records of its schedule only.)
            for name in stats:
                stats[name].append(outs["stats"][name][where == end])
            stats_epochs.append(epochs_run - 1)
        history.compile_seconds = compile_seconds
        history.run_seconds = run_seconds
        _training.finish(history, epochs_run, state, rngs, [], {}, P)
        if stats_epochs:  # as finish stores records, from whole blocks (not one record each)
            history.stats_epochs, history.layer_stats = _stats_blocks(stats_epochs, stats, P)


def evaluator(net: Network, X: np.ndarray, y: np.ndarray, loss: Any) -> Any:
    """``evaluate(params) -> (P,)`` float64 losses of every member, as one compiled program.

    The forward pass and the loss are the engine's own (``Network.apply``,
    ``Network.cost``), traced once; the data stays on the device between calls.
    """
    jax = _jax()
    with _x64(net):
        Xd, yd = jax.device_put(X), jax.device_put(y)
        program = jax.jit(lambda params: net.cost(net.apply(params, Xd), yd, loss))

    def evaluate(params: list[dict[str, np.ndarray]]) -> np.ndarray:
        with _x64(net):
            return np.asarray(program(params), dtype=float)

    return evaluate


def _write_back(net: Network, params: Any) -> None:
    # into the network's own arrays: Layer views, copies and member-last layouts stay valid
    for layer, new in zip(net.params, params, strict=True):
        for k in layer:
            layer[k][...] = new[k]


_training.BACKENDS["jax"] = run
