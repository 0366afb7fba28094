"""Study specifications: a TOML file whose every list is a grid axis.

A spec names the data sets, architectures, activations, initialisers, losses, optimisers,
learning rates, epochs and seeds of a study. Every list is an axis of the grid; the study is
the Cartesian product of all axes, one *run* per point. Runs that differ only in their seed and
learning rate form a *group*, trained together as one population of
``P = n_seeds * n_learning_rates`` networks.

Example::

    [study]
    name = "paper-at-scale"

    [data]
    dataset = ["paper", "xor"]

    [model]
    hidden = [[2], [4]]            # hidden layer sizes; an int w means [w]
    activation = ["sigmoid", "tanh"]
    output = "same"                # the hidden activation (tanh -> tanh01), as in the paper
    bias = "layer"
    init = "uniform"

    [train]
    loss = "mse"
    optimizer = "gd"
    lr = [0.1, 0.5, 1.0]
    epochs = 300
    seeds = 50                     # an int n means seeds 0..n-1; a list names them

    [convergence]
    threshold = 0.05

Keys (a list makes an axis unless noted; defaults in brackets):

=================  =============================================================================
``[study]``        ``name`` [file stem], ``description`` [""] (not axes)
``[data]``         ``dataset`` (required): a name of ``gn.datasets`` or a table
                   ``{name = "moons", noise = 0.2, ...}`` (options of ``gn.datasets.load``) or
                   ``{csv = "file.csv", target = "y"}`` (``gn.datasets.load_csv``, path relative
                   to the spec; ``standardize = true``: the inputs z-scored with the training
                   part's statistics, as ``glassnet train`` does, the target as it is);
                   ``validation`` [0]: held-out fraction, ``split_seed`` [0]
``[model]``        ``hidden`` [[2]]: hidden layer sizes (``[[8], [8, 8]]``; a flat list of ints is
                   an axis of one-layer widths) *or* ``width`` and ``depth`` (``width`` units in
                   each of ``depth`` layers); ``activation`` [sigmoid]: a name, or a list of
                   per-layer names inside the axis list; ``output`` [sigmoid] (``"same"``: the
                   hidden activation, tanh as tanh01); ``bias`` [neuron]; ``init`` [xavier];
                   ``dtype`` [float64] and ``kernel`` [blas] (not axes; ``kernel = "broadcast"``
                   is faster for populations of small networks, equal to BLAS up to rounding);
                   ``backend`` [numpy]: ``"jax"`` trains each group as one compiled program
                   (the ``jax`` extra: ``pip install -e '.[jax]'`` from a clone)
``[train]``        ``lr`` (required), ``epochs`` (required), ``loss`` [mse], ``optimizer`` [gd],
                   ``batch_size`` ["full"], ``l2`` [0], ``schedule`` [constant], ``seeds`` [1]:
                   a count n (seeds 0..n-1) or a list of seeds
``[convergence]``  ``threshold`` [0.01]: converged = training loss below it;
                   ``paper_tol``, ``paper_slope_tol``, ``paper_window``: the paper's definition
                   (:func:`glassnet.convergence.paper_epoch`; engine defaults if absent)
``[run]``          ``max_population`` [0 = no limit]: split larger groups into chunks
=================  =============================================================================

Every axis is one entry of :data:`AXIS_TABLE`, which the spec, the worker, the results and
the report all read.

Bounds, checked before any configuration is built: at most :data:`MAX_RUNS` runs, at most
:data:`MAX_CURVE_VALUES` stored loss values (runs x epochs) and at most
:data:`MAX_GROUP_BYTES` of memory to train one group (else set ``[run] max_population``).

The whole spec is checked before anything runs; every problem is reported at once with the
file and the key (:class:`SpecError`): unknown keys, names and data sets (with a suggestion),
wrong types, empty axes, duplicate values, and impossible combinations (per-layer activations
against an architecture of another depth, bce with outputs outside (0, 1), softmax on one
target column, a batch larger than the data, bce on a regression data set, ...).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassnet._extras import install_hint
from glassnet._files import readable_file, unreadable
from glassnet._validation import (
    BIAS_MODES,
    DTYPES,
    MAX_LAYERS,
    Constraint,
    Instance,
    Interval,
    Options,
    Underflow,
    check,
    known_keywords,
    read_float,
    unknown_name,
)

__all__ = [
    "AXES",
    "POPULATION_AXES",
    "Group",
    "Spec",
    "SpecError",
    "config_hash",
    "group_key",
    "load_spec",
    "parse_spec",
    "plan",
]


@known_keywords
@dataclass(frozen=True)
class Axis:
    """One axis of a study's grid, described once.

    This table is the only list of the axes: the spec reads and checks them from it, a run's
    configuration and hash are built from it, the worker passes each to the engine as it says,
    the results frame gets one column per axis from it and the report titles its sections with
    it. Adding an axis is one entry here (and its check).

    Attributes
    ----------
    name : str
        The key in a run's configuration (and its results column).
    section, key : str
        Where the spec gives it: ``[section] key = ...``.
    default : Any
        Its value when the spec leaves it out (``REQUIRED``: the spec must give it).
    check : str
        The name of the check of one value (a method of the spec's checker; see
        :func:`parse_spec`).
    dtype : str
        The pandas dtype of its results column.
    title : str
        Its name in the report.
    reach : str
        How it reaches training: ``"data"`` (the data set), ``"sizes"`` (the hidden layers,
        between the data's inputs and outputs), ``"network"`` (a keyword of
        :class:`~glassnet.network.Network`), ``"fit"`` (a keyword of ``Network.fit``) or
        ``"member"`` (one value per population member: ``seed=`` of the network or ``lr=``
        of fit).
    argument : str
        The keyword it is passed as (for ``network``, ``fit`` and ``member``).
    hashed_at_default : bool
        True for the axes of the first study format, always part of a run's configuration
        hash. An axis added later is left out of the hash (and out of the spec's hash) while
        it has its default value, so studies stored before it existed still resume.
    """

    name: str
    section: str
    key: str
    default: Any
    check: str
    dtype: str
    title: str
    reach: str
    argument: str = ""
    hashed_at_default: bool = True

    @property
    def column(self) -> str:
        """Its column in the results frame (see :meth:`value`)."""
        return self.name

    @known_keywords
    def value(self, config: Mapping[str, Any]) -> Any:
        """Its results-column value for the run ``config``: data sets as labels
        (``moons(noise=0.2)``), architectures as ``"8-8"``, per-layer activations as
        ``"tanh,relu"``, the output as resolved (``"same"`` -> the hidden activation), the
        rest as stored (an axis absent from an older study's run has its default)."""
        v = config.get(self.name, self.default)
        if self.name == "dataset":
            return _label(v)
        if self.name == "hidden":
            return hidden_label(v)
        if self.name == "activation":
            return activation_label(v)
        if self.name == "output":
            return resolve_output(v, config["activation"])
        return v


@known_keywords
def hidden_label(hidden: Sequence[int]) -> str:
    """``[8, 8]`` -> ``"8-8"``; no hidden layer -> ``"none"``."""
    return "-".join(str(w) for w in hidden) if hidden else "none"


@known_keywords
def activation_label(act: str | Sequence[str]) -> str:
    """``"tanh"`` -> ``"tanh"``; per-layer ``["tanh", "relu"]`` -> ``"tanh,relu"``."""
    return act if isinstance(act, str) else ",".join(act)


REQUIRED: Any = object()
_REQUIRED = REQUIRED

#: The axes of a run's configuration, in grid order (the last varies fastest).
AXIS_TABLE: tuple[Axis, ...] = (
    Axis("dataset", "data", "dataset", REQUIRED, "dataset", "string", "Data set", "data"),
    Axis(
        "hidden",
        "model",
        "hidden",
        [2],
        "hidden",
        "string",
        "Architecture (hidden layers)",
        "sizes",
    ),
    Axis(
        "activation",
        "model",
        "activation",
        "sigmoid",
        "activation",
        "string",
        "Activation",
        "network",
        "activation",
    ),
    Axis(
        "output",
        "model",
        "output",
        "sigmoid",
        "output",
        "string",
        "Output activation",
        "network",
        "output",
    ),
    Axis("bias", "model", "bias", "neuron", "bias", "string", "Bias", "network", "bias"),
    Axis("init", "model", "init", "xavier", "init", "string", "Initializer", "network", "init"),
    Axis("loss", "train", "loss", "mse", "loss", "string", "Loss", "fit", "loss"),
    Axis(
        "optimizer",
        "train",
        "optimizer",
        "gd",
        "optimizer",
        "string",
        "Optimizer",
        "fit",
        "optimizer",
    ),
    Axis(
        "schedule",
        "train",
        "schedule",
        "constant",
        "schedule",
        "string",
        "Learning-rate schedule",
        "fit",
        "schedule",
    ),
    Axis("l2", "train", "l2", 0.0, "l2", "float64", "L2 penalty", "fit", "l2"),
    Axis(
        "batch_size",
        "train",
        "batch_size",
        None,
        "batch_size",
        "Int64",
        "Batch size",
        "fit",
        "batch_size",
    ),
    Axis("epochs", "train", "epochs", REQUIRED, "epochs", "int64", "Epochs", "fit", "epochs"),
    Axis(
        "backend",
        "model",
        "backend",
        "numpy",
        "backend",
        "string",
        "Backend",
        "fit",
        "backend",
        hashed_at_default=False,
    ),
    Axis("lr", "train", "lr", REQUIRED, "lr", "float64", "Learning rate", "member", "lr"),
    Axis("seed", "train", "seeds", 1, "seed", "int64", "Seed", "member", "seed"),
)

#: Names of the axes, in grid order.
AXES: tuple[str, ...] = tuple(a.name for a in AXIS_TABLE)


def axis(name: str) -> Axis:
    """The :class:`Axis` called ``name``."""
    for a in AXIS_TABLE:
        if a.name == name:
            return a
    raise ValueError(f"axis: unknown axis {name!r}; axes: {', '.join(AXES)}")


def _unhashed_defaults() -> dict[str, Any]:
    """Axes left out of a configuration's hash while they hold their default."""
    return {a.name: a.default for a in AXIS_TABLE if not a.hashed_at_default}


#: Axes that vary *inside* a group (one population member per combination).
POPULATION_AXES: tuple[str, ...] = ("lr", "seed")

#: Most runs one study holds: its plan, its store and its report stay at a few hundred MB.
MAX_RUNS = 200_000
#: Most loss-curve values (runs x epochs) one study stores: 8 bytes each, 1.6 GB at most.
MAX_CURVE_VALUES = 200_000_000
#: Most memory one group (population) may need while it trains, in bytes.
MAX_GROUP_BYTES = 4 * 2**30
#: Largest spec file read.
MAX_SPEC_BYTES = 1_000_000
# Outputs whose values lie in (0, 1): the only ones binary cross-entropy accepts.

# Keys that are not axes, per table (the axes' keys come from AXIS_TABLE).
_SETTINGS: dict[str, tuple[str, ...]] = {
    "study": ("name", "description"),
    "data": ("validation", "split_seed"),
    "model": ("width", "depth", "dtype", "kernel"),
    "train": (),
    "convergence": ("threshold", "paper_tol", "paper_slope_tol", "paper_window"),
    "run": ("max_population",),
}
# table -> every key it may hold (for "unknown key" suggestions)
_KEYS: dict[str, tuple[str, ...]] = {
    section: (*(a.key for a in AXIS_TABLE if a.section == section), *settings)
    for section, settings in _SETTINGS.items()
}


@known_keywords
class SpecError(ValueError):
    """A study spec with one or more problems.

    Attributes
    ----------
    problems : list of str
        One line per problem, each of the form ``"<file>: <key>: <what is wrong>"``.
    """

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        if n == 1:  # one line, naming the file (and the key)
            super().__init__(self.problems[0])
            return
        head = f"{source}: {n} problems in the study spec"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


def _canonical(obj: Any) -> str:
    """Canonical JSON text of ``obj``: sorted keys, no spaces, exact float repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


@known_keywords
def config_hash(config: Mapping[str, Any]) -> str:
    """Stable hash of one run's configuration.

    Parameters
    ----------
    config : mapping
        A run configuration (JSON-serialisable: str, int, float, bool, None, lists, dicts).

    Returns
    -------
    str
        The first 16 hex digits of SHA-256 of the canonical JSON text of ``config``
        (sorted keys, no whitespace, shortest round-trip floats), so it does not depend on
        dict order, the Python version or the machine. An axis added after the first study
        format (``Axis.hashed_at_default`` False, e.g. ``backend``) counts only when it is not
        at its default, so the runs of older studies keep their hashes.
    """
    skip = _unhashed_defaults()
    kept = {k: v for k, v in config.items() if not (k in skip and v == skip[k])}
    return hashlib.sha256(_canonical(kept).encode()).hexdigest()[:16]


@known_keywords
def group_key(config: Mapping[str, Any]) -> str:
    """Hash of the part of ``config`` shared by a population (everything but lr and seed)."""
    return config_hash({k: v for k, v in config.items() if k not in POPULATION_AXES})


@known_keywords
@dataclass(frozen=True)
class Group:
    """Runs trained together as one population.

    Attributes
    ----------
    key : str
        :func:`group_key` of every member.
    shared : dict
        The configuration shared by the members (without ``lr`` and ``seed``).
    configs : list of dict
        One full configuration per member; member ``k`` trains with ``configs[k]["seed"]``
        and ``configs[k]["lr"]``.
    """

    key: str
    shared: dict[str, Any]
    configs: list[dict[str, Any]] = field(default_factory=list)
    #: each member's position in the grid (``run_id``) and :func:`config_hash`, when known
    run_ids: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of members, ``P``."""
        return len(self.configs)


@known_keywords
@dataclass(frozen=True)
class Spec:
    """A validated study spec.

    Attributes
    ----------
    source : str
        Where the spec came from (a file name, or ``"<string>"``).
    text : str
        The TOML text as written.
    name, description : str
        From the ``[study]`` table.
    axes : dict
        Axis name -> list of normalised values, for every name in :data:`AXES`.
    fixed : dict
        The non-axis settings: ``validation``, ``split_seed``, ``dtype``, ``threshold``,
        ``paper`` (keyword arguments of ``gn.convergence.paper_epoch``) and
        ``max_population``.
    """

    source: str
    text: str
    name: str
    description: str
    axes: dict[str, list[Any]]
    fixed: dict[str, Any]

    @property
    def normalized(self) -> dict[str, Any]:
        """Everything that determines the study's results, as plain JSON data."""
        skip = _unhashed_defaults()
        axes = {k: v for k, v in self.axes.items() if not (k in skip and v == [skip[k]])}
        return {"name": self.name, "axes": axes, "fixed": self.fixed}

    @property
    def hash(self) -> str:
        """:func:`config_hash` of :attr:`normalized`: equal specs have equal hashes,
        whatever their comments, key order or formatting."""
        return config_hash(self.normalized)

    @property
    def varying_axes(self) -> list[str]:
        """Axes with more than one value, in grid order (``seed`` excluded)."""
        return [a for a in AXES if a != "seed" and len(self.axes[a]) > 1]

    @property
    def n_runs(self) -> int:
        """Number of runs in the grid."""
        return math.prod(len(v) for v in self.axes.values())

    def runs(self) -> list[dict[str, Any]]:
        """Every run's configuration, in grid order (the seed varies fastest).

        Returns
        -------
        list of dict
            Each dict has one key per axis plus the fixed settings that affect the run's
            recorded numbers (``validation``, ``split_seed``, ``dtype``, ``threshold``,
            ``paper``).
        """
        shared = {
            k: self.fixed[k] for k in ("validation", "split_seed", "dtype", "kernel", "threshold")
        }
        shared["paper"] = self.fixed["paper"]
        out = []
        for values in itertools.product(*(self.axes[a] for a in AXES)):
            cfg = dict(zip(AXES, values, strict=True))
            cfg.update(shared)
            out.append(cfg)
        return out

    @known_keywords
    def groups(self, configs: Iterable[Mapping[str, Any]] | None = None) -> list[Group]:
        """Split runs into populations.

        Parameters
        ----------
        configs : iterable of mapping, optional
            The runs to group (default: :meth:`runs`), e.g. only the runs still missing.

        Returns
        -------
        list of Group
            Runs sharing everything but ``lr`` and ``seed`` in one group, in order of first
            appearance; a group larger than ``max_population`` (when positive) is split into
            consecutive chunks of at most that many members.
        """
        if configs is None:
            return plan(self)
        copies = [dict(c) for c in configs]
        return self._grouped(copies, [group_key(c) for c in copies], [], [])

    def _grouped(
        self,
        configs: list[dict[str, Any]],
        keys: list[str],
        run_ids: list[int],
        hashes: list[str],
    ) -> list[Group]:
        by_key: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            by_key.setdefault(key, []).append(i)
        cap = int(self.fixed["max_population"]) or None
        groups = []
        for key, members in by_key.items():
            shared = {k: v for k, v in configs[members[0]].items() if k not in POPULATION_AXES}
            step = cap or len(members)
            for i in range(0, len(members), step):
                chunk = members[i : i + step]
                groups.append(
                    Group(
                        key=key,
                        shared=shared,
                        configs=[configs[j] for j in chunk],
                        run_ids=[run_ids[j] for j in chunk] if run_ids else [],
                        hashes=[hashes[j] for j in chunk] if hashes else [],
                    )
                )
        return groups

    def index(self) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        """Every run's configuration, :func:`config_hash` and :func:`group_key`, in grid
        order (computed once per spec: each group key once per group)."""
        cached = self.__dict__.get("_index")
        if cached is not None:
            return cached
        configs = self.runs()
        hashes = [config_hash(c) for c in configs]
        keys: list[str] = []
        members = math.prod(len(self.axes[a]) for a in POPULATION_AXES)
        for i in range(0, len(configs), members):  # population axes vary fastest
            keys.extend([group_key(configs[i])] * members)
        out = (configs, hashes, keys)
        object.__setattr__(self, "_index", out)
        return out


@known_keywords
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
    configs, hashes, keys = spec.index()
    missing = [i for i, h in enumerate(hashes) if h not in done]
    return spec._grouped(
        [configs[i] for i in missing],
        [keys[i] for i in missing],
        missing,
        [hashes[i] for i in missing],
    )


# ---------------------------------------------------------------------------------------------
# parsing and validation


def _engine_names(kind: str) -> tuple[str, ...]:
    """Names the engine's registry of ``kind`` holds (the registries are the only lists)."""
    import importlib

    module_name = {
        "dataset": "datasets",
        "activation": "activations",
        "loss": "losses",
        "optimizer": "optimizers",
        "init": "initializers",
        "schedule": "optimizers",
    }[kind]
    module = importlib.import_module(f"glassnet.{module_name}")
    names = module.SCHEDULES if kind == "schedule" else module.names()
    return tuple(str(n) for n in names)


class _Checker:
    """Collects problems while normalising a parsed TOML document.

    Its checks are those of :mod:`glassnet._validation` (the one vocabulary of glassnet's
    argument checks), with one difference: a value that does not fit is recorded as a
    problem (``"<file>: <key>: <what is wrong>"``) instead of raised, so the spec reports
    every problem at once.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.where: dict[str, list[str]] = {}  # axis -> key of each accepted value

    def key(self, axis: str, i: int) -> str:
        """The spec key of value ``i`` of ``axis`` (e.g. ``model.activation[2]``)."""
        keys = self.where.get(axis, [])
        return keys[i] if i < len(keys) else axis

    def bad(self, key: str, msg: str) -> None:
        self.problems.append(f"{self.source}: {key}: {msg}")

    def refused(self, exc: Exception) -> None:
        """Record a check's error (its message names the key already)."""
        self.problems.append(f"{self.source}: {exc}")

    def unknown(self, kind: str, key: str, value: Any, choices: Iterable[str]) -> None:
        """Record an unknown name, with the valid names and a near miss."""
        self.refused(unknown_name(kind, key, value, choices))

    # -- generic value checks; each returns the normalised value or None when bad

    def axis(
        self,
        table: Mapping[str, Any],
        section: str,
        key: str,
        default: Any,
        check: Callable[[str, Any], Any],
    ) -> list[Any]:
        """A grid axis: a list of values (each checked) or one value (an axis of length 1)."""
        full = f"{section}.{key}"
        if key not in table:
            if default is _REQUIRED:
                self.bad(full, "missing (required)")
                return []
            return [default]
        raw = table[key]
        if isinstance(raw, list):
            if not raw:
                self.bad(full, "empty list: an axis needs at least one value")
                return []
            items = [(f"{full}[{i}]", v) for i, v in enumerate(raw)]
        else:
            items = [(full, raw)]
        values: list[Any] = []
        keys: list[str] = []
        seen: set[str] = set()
        for k, v in items:
            before = len(self.problems)
            out = check(k, v)
            if len(self.problems) != before:
                continue
            c = _canonical(out)
            if c in seen:
                self.bad(k, f"duplicate value {v!r}: the same runs would train twice")
                continue
            seen.add(c)
            values.append(out)
            keys.append(k)
        self.where[full] = keys
        return values

    def constraint(self, *constraints: Constraint) -> Callable[[str, Any], Any]:
        """The check of one value against ``constraints`` (it passes if it fits any one)."""

        def check_value(key: str, v: Any) -> Any:
            try:
                return check(v, key, *constraints)
            except (ValueError, TypeError) as exc:
                self.refused(exc)
                return None

        return check_value

    def name(self, kind: str, choices: Sequence[str]) -> Callable[[str, Any], Any]:
        """A name of ``choices``, in any case (returned in lower case)."""
        options = Options(choices)
        wrong_kind = self.constraint(options)

        def check_name(key: str, v: Any) -> Any:
            if not isinstance(v, str):
                return wrong_kind(key, v)
            if v.lower() not in options.values:
                self.unknown(kind, key, v, options.values)
                return None
            return v.lower()

        return check_name

    def number(
        self, lo: float | None = None, lo_open: bool = False, hi: float | None = None
    ) -> Callable[[str, Any], Any]:
        """A finite number (returned as a float) >= ``lo`` (> when ``lo_open``), <= ``hi``."""
        return self.constraint(Interval(float, lo, hi, closed="right" if lo_open else "both"))

    def integer(self, lo: int, hi: int | None = None) -> Callable[[str, Any], Any]:
        """An integer >= ``lo`` (and <= ``hi``)."""
        return self.constraint(Interval(int, lo, hi))


def _table(ck: _Checker, doc: Mapping[str, Any], section: str) -> dict[str, Any]:
    raw = doc.get(section, {})
    if not isinstance(raw, dict):
        ck.bad(section, f"expected a table [{section}], got {type(raw).__name__}")
        return {}
    for key in raw:
        if key not in _KEYS[section]:
            ck.unknown("key", f"{section}.{key}", key, _KEYS[section])
    return raw


@known_keywords
def parse_spec(text: str, source: str = "<string>", base_dir: str | Path | None = None) -> Spec:
    """Parse and validate a study spec.

    Parameters
    ----------
    text : str
        TOML text.
    source : str
        Name used in problem messages (usually the file name).
    base_dir : str or Path, optional
        Directory against which relative CSV data set paths are resolved (default: the
        current directory).

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        With every problem found (unknown names and keys, empty axes, wrong types,
        impossible combinations), each naming ``source`` and the key.
    """
    ck = _Checker(source)
    try:
        doc = tomllib.loads(text, parse_float=read_float)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(source, [f"{source}: invalid TOML: {exc}"]) from None
    except Underflow as exc:
        raise SpecError(source, [f"{source}: {exc}"]) from None
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        raise SpecError(
            source,
            [f"{source}: invalid TOML: values are nested too deeply (a study spec nests a "
             "few levels: tables of lists of lists)"],
        ) from None  # fmt: skip
    for section in doc:
        if section not in _KEYS:
            ck.unknown("table", section, section, _KEYS)
    study = _table(ck, doc, "study")
    data = _table(ck, doc, "data")
    model = _table(ck, doc, "model")
    train = _table(ck, doc, "train")
    conv = _table(ck, doc, "convergence")
    run = _table(ck, doc, "run")

    name = study.get("name", Path(source).stem if source != "<string>" else "study")
    if not isinstance(name, str) or not name:
        ck.bad("study.name", f"expected a non-empty string, got {name!r}")
        name = "study"
    description = ck.constraint(Instance(str, "a string"))(
        "study.description", study.get("description", "")
    )
    if description is None:
        description = ""

    axes: dict[str, list[Any]] = {}
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    tables = {"data": data, "model": model, "train": train}
    checks = _value_checks(ck, base)
    for ax in AXIS_TABLE:
        table = tables[ax.section]
        if ax.name == "hidden":
            axes[ax.name] = _hidden_axis(ck, model)
        elif ax.name == "seed":
            axes[ax.name] = _seed_axis(ck, train)
        else:
            axes[ax.name] = ck.axis(table, ax.section, ax.key, ax.default, checks[ax.check])

    fixed: dict[str, Any] = {}
    v = data.get("validation", 0.0)
    fixed["validation"] = ck.number(lo=0.0, hi=0.9)("data.validation", v) if v else 0.0
    fixed["split_seed"] = ck.integer(0)("data.split_seed", data.get("split_seed", 0))
    dtype = model.get("dtype", "float64")
    fixed["dtype"] = ck.name("dtype", DTYPES)("model.dtype", dtype)
    kernel = model.get("kernel", "blas")
    fixed["kernel"] = ck.name("kernel", _kernels())("model.kernel", kernel)
    thr = conv.get("threshold", 0.01)
    fixed["threshold"] = ck.number(lo=0.0, lo_open=True)("convergence.threshold", thr)
    paper: dict[str, Any] = {}
    for key, kw, chk in (
        ("paper_tol", "tol", ck.number(lo=0.0, lo_open=True)),
        ("paper_slope_tol", "slope_tol", ck.number(lo=0.0, lo_open=True)),
        ("paper_window", "window", ck.integer(1)),
    ):
        if key in conv:
            paper[kw] = chk(f"convergence.{key}", conv[key])
    fixed["paper"] = paper
    fixed["max_population"] = ck.integer(0)("run.max_population", run.get("max_population", 0))

    for key in ("validation", "split_seed", "threshold"):
        val = fixed[key]
        if isinstance(val, list):  # pragma: no cover - number() never returns lists
            ck.bad(key, "must be a single value")

    if _check_size(ck, axes):  # data sets are loaded only for a grid of a sane size
        _check_combinations(ck, axes, fixed)
    if ck.problems:
        raise SpecError(source, ck.problems)
    return Spec(
        source=source,
        text=text,
        name=name,
        description=description,
        axes=axes,
        fixed=fixed,
    )


@known_keywords
def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and validate the spec file ``path`` (see :func:`parse_spec`).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    SpecError
        If the spec has problems (all of them are reported).
    """
    p = readable_file(path, "spec", "study spec (a TOML file)")
    size = p.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            str(p),
            [f"{p}: {size} bytes; a study spec is a short text file (at most {MAX_SPEC_BYTES})"],
        )
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            str(p),
            [f"{p}: not a text file (byte {exc.start} is not UTF-8); a study spec is TOML text"],
        ) from None
    if "\x00" in text:
        raise SpecError(
            str(p), [f"{p}: not a text file (it holds NUL bytes); a study spec is TOML text"]
        )
    return parse_spec(text, source=str(p), base_dir=p.parent)


# -- axis-specific checks ------------------------------------------------------------------------


def _value_checks(ck: _Checker, base: Path) -> dict[str, Callable[[str, Any], Any]]:
    """The check of one value of each axis (``Axis.check`` names one), bound to ``ck``."""
    activations = _engine_names("activation")
    return {
        "dataset": _dataset_check(ck, base),
        "activation": _activation_check(ck),
        "output": ck.name("output activation", (*activations, "same")),
        "bias": ck.name("bias", BIAS_MODES),
        "init": _init_check(ck),
        "loss": ck.name("loss", _engine_names("loss")),
        "optimizer": ck.name("optimizer", _engine_names("optimizer")),
        "schedule": ck.name("schedule", _engine_names("schedule")),
        "l2": ck.number(lo=0.0),
        "batch_size": _batch_check(ck),
        "epochs": ck.integer(1),
        "backend": _backend_check(ck),
        "lr": ck.number(lo=0.0, lo_open=True),
    }


def _backend_check(ck: _Checker) -> Callable[[str, Any], Any]:
    import glassnet  # noqa: F401  (importing glassnet registers every backend)
    from glassnet import compiled
    from glassnet.training import BACKENDS

    one = ck.name("backend", tuple(BACKENDS))

    def check(key: str, v: Any) -> Any:
        b = one(key, v)
        if b == "jax" and not compiled.available():
            ck.bad(key, f"the jax backend needs JAX: {install_hint('jax')}")
            return None
        return b

    return check


def _dataset_check(ck: _Checker, base: Path) -> Callable[[str, Any], Any]:
    names = _engine_names("dataset")

    def check(key: str, v: Any) -> Any:
        if isinstance(v, str):
            v = {"name": v}
        if not isinstance(v, dict):
            ck.bad(key, f"expected a data set name or a table {{name = ..., ...}}, got {v!r}")
            return None
        out = dict(v)
        if "csv" in out:
            if "name" in out:
                ck.bad(key, "give either name or csv, not both")
                return None
            if not isinstance(out["csv"], str):
                ck.bad(f"{key}.csv", f"expected a file path, got {out['csv']!r}")
                return None
            path = Path(out["csv"])
            path = path if path.is_absolute() else (base / path)
            why = unreadable(path, "CSV file")
            if why is not None:  # a device or a pipe was "no such file"
                ck.bad(f"{key}.csv", str(why))
                return None
            out["csv"] = str(path.resolve())
            if "target" not in out:
                ck.bad(key, "a csv data set needs target = <column>")
                return None
            if "standardize" in out and not isinstance(out["standardize"], bool):
                ck.bad(f"{key}.standardize", f"expected true or false, got {out['standardize']!r}")
                return None
            if out.get("standardize") is False:
                del out["standardize"]  # the default: one spelling, one study
            return out
        name = out.get("name")
        if not isinstance(name, str):
            ck.bad(key, f"expected name = <data set name>, got {name!r}")
            return None
        if name.lower() not in names:
            ck.unknown("data set", key, name, names)
            return None
        out["name"] = name.lower()
        for option, value in out.items():  # nan would reach the canonical JSON (allow_nan=False)
            if isinstance(value, float) and not math.isfinite(value):
                ck.bad(f"{key}.{option}", f"expected a finite number, got {value!r}")
                return None
        return out

    return check


def _activation_check(ck: _Checker) -> Callable[[str, Any], Any]:
    names = _engine_names("activation")
    one = ck.name("activation", names)

    def check(key: str, v: Any) -> Any:
        if isinstance(v, list):
            if not v:
                ck.bad(key, "empty list of per-layer activations")
                return None
            vals = [one(f"{key}[{i}]", a) for i, a in enumerate(v)]
            if any(a is None for a in vals):
                return None
            for i, a in enumerate(vals):
                if _output_only(a):
                    ck.bad(f"{key}[{i}]", f"{a} is an output activation only")
                    return None
            return vals
        a = one(key, v)
        if a is not None and _output_only(a):
            ck.bad(key, f"{a} is an output activation only")
            return None
        return a

    return check


def _kernels() -> tuple[str, ...]:
    """The engine's matrix-product kernels (``gn.Network(kernel=...)``)."""
    from glassnet.network import KERNELS

    return tuple(KERNELS)


def _output_only(name: str) -> bool:
    """True for activations that can only be the output (softmax)."""
    from glassnet import activations

    return bool(activations.get(name).output_only)


def _init_check(ck: _Checker) -> Callable[[str, Any], Any]:
    names = _engine_names("init")
    a_name = ck.constraint(Instance(str, "an initializer name"))

    def check(key: str, v: Any) -> Any:
        if a_name(key, v) is None:
            return None
        if v in names:
            return v
        try:
            from glassnet import initializers

            initializers.get(v)  # e.g. "normal(0.5)"
            return v
        except (ImportError, ValueError, TypeError):
            ck.unknown("initializer", key, v, (*names, "normal(std)"))
            return None

    return check


def _hidden_value(ck: _Checker, key: str, v: Any) -> Any:
    """One architecture: a layer width (one hidden layer) or a list of widths."""
    if not isinstance(v, list):
        width = ck.constraint(Interval(int, 1, None), Instance(list, "a list of widths"))(key, v)
        return None if width is None else [width]
    width = ck.integer(1)
    widths = []
    for i, w in enumerate(v):
        widths.append(width(f"{key}[{i}]", w))
        if widths[-1] is None:  # one problem per architecture
            return None
    return widths


def _hidden_axis(ck: _Checker, model: Mapping[str, Any]) -> list[Any]:
    has_hidden = "hidden" in model
    has_wd = "width" in model or "depth" in model
    if has_hidden and has_wd:
        ck.bad("model.hidden", "give either hidden or width and depth, not both")
        return []
    if has_wd:
        widths = ck.axis(model, "model", "width", _REQUIRED, ck.integer(1))
        # bounded before [w] * d is made (a network has at most MAX_LAYERS layers)
        depth = ck.constraint(Interval(int, 0, MAX_LAYERS - 2))
        depths = ck.axis(model, "model", "depth", _REQUIRED, depth)
        return [[w] * d for d in depths for w in widths] if widths and depths else []
    hidden = model.get("hidden", [[2]])
    if isinstance(hidden, list) and hidden and all(isinstance(h, int) for h in hidden):
        # hidden = [2, 4] is an axis of one-layer widths
        return ck.axis(
            {"hidden": hidden}, "model", "hidden", _REQUIRED, lambda k, v: _hidden_value(ck, k, v)
        )
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = [[hidden]]
    return ck.axis(
        {"hidden": hidden}, "model", "hidden", _REQUIRED, lambda k, v: _hidden_value(ck, k, v)
    )


def _batch_check(ck: _Checker) -> Callable[[str, Any], Any]:
    # "full" (in any case) or 0: the whole training set
    size = ck.constraint(Options(("full",)), Interval(int, 0, None))

    def check(key: str, v: Any) -> Any:
        if isinstance(v, str) and v.lower() == "full":
            return None
        b = size(key, v)
        return None if b is None or b == 0 else b

    return check


#: The largest seed a study stores: its results keep seeds as 64-bit signed integers.
MAX_STUDY_SEED = 2**63 - 1


def _seed_axis(ck: _Checker, train: Mapping[str, Any]) -> list[int]:
    raw = ck.constraint(Interval(int, 1, None), Instance(list, "a list of seeds"))(
        "train.seeds", train.get("seeds", 1)
    )
    if raw is None:
        return []
    if isinstance(raw, int):
        if raw > MAX_RUNS:  # refused before a list of that many seeds is made
            ck.bad(
                "train.seeds",
                f"{raw:,} seeds make at least {raw:,} runs, more than the {MAX_RUNS:,} one "
                "study holds; split it into several studies",
            )
            return []
        return list(range(raw))
    # a seed is a column of the results (int64): 2**64 was stored and read back as -2**63,
    # and 2**63 made every reading of the results fail
    return ck.axis({"seeds": raw}, "train", "seeds", _REQUIRED, ck.integer(0, MAX_STUDY_SEED))


def _check_size(ck: _Checker, axes: Mapping[str, list[Any]]) -> bool:
    """Refuse grids too large to plan, store or train, naming the key that makes them so,
    before a single configuration is built; False if refused."""
    lengths = {a: len(axes.get(a, [])) for a in AXES}
    if not all(lengths.values()):
        return True  # an empty axis was reported already
    n_runs = math.prod(lengths.values())
    if n_runs > MAX_RUNS:
        big = max(AXIS_TABLE, key=lambda a: lengths[a.name])
        ck.bad(
            f"{big.section}.{big.key}",
            f"the grid has {n_runs:,} runs ("
            + " x ".join(f"{n} {a}" for a, n in lengths.items() if n > 1)
            + f"), more than the {MAX_RUNS:,} one study holds; split it into several studies",
        )
        return False
    curve = n_runs // lengths["epochs"] * sum(axes["epochs"])
    if curve > MAX_CURVE_VALUES:
        ck.bad(
            "train.epochs",
            f"{n_runs:,} runs of up to {max(axes['epochs']):,} epochs store {curve:,} loss "
            f"values ({curve * 8 / 2**30:.1f} GiB), more than the {MAX_CURVE_VALUES:,} one "
            "study holds; fewer epochs or runs",
        )
        return False
    return True


def _check_group_memory(
    ck: _Checker,
    axes: Mapping[str, list[Any]],
    fixed: Mapping[str, Any],
    shapes: Mapping[str, tuple[int, int, int, bool]],
) -> None:
    """Refuse groups (populations) whose training would need more than MAX_GROUP_BYTES:
    parameters, gradients and two optimizer moments, and three arrays per layer and sample
    (activations, pre-activations, deltas) for each member."""
    members = len(axes["lr"]) * len(axes["seed"])
    cap = int(fixed.get("max_population") or 0)
    P = min(members, cap) if cap else members
    itemsize = 4 if fixed.get("dtype") == "float32" else 8
    for ds_key, (n, n_in, n_out, _) in shapes.items():
        for h in axes["hidden"]:
            sizes = [n_in, *h, n_out]
            params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
            per_member = itemsize * (4 * params + 3 * n * sum(sizes))
            need = P * per_member
            if per_member > MAX_GROUP_BYTES:  # no population size helps: the layers are
                ck.bad(
                    "model",
                    f"one network on {_label(json.loads(ds_key))} with hidden layers {h} "
                    f"needs about {per_member / 2**30:.1f} GiB to train, more than "
                    f"{MAX_GROUP_BYTES / 2**30:.0f} GiB; choose smaller layers",
                )
                return
            if need > MAX_GROUP_BYTES:
                fits = max(1, MAX_GROUP_BYTES // per_member)
                ck.bad(
                    "run.max_population" if cap else "train.seeds",
                    f"a group of {P:,} members (learning rates x seeds) on "
                    f"{_label(json.loads(ds_key))} with hidden layers {h} needs about "
                    f"{need / 2**30:.1f} GiB to train, more than "
                    f"{MAX_GROUP_BYTES / 2**30:.0f} GiB; set [run] max_population = {fits:,} "
                    "(or less) to train it in chunks",
                )
                return


def _dataset_shape(ds: Mapping[str, Any]) -> tuple[int, int, int, bool]:
    """(n_samples, n_features, n_targets, is_classification) of a data set entry."""
    from glassnet.study.data import load_dataset

    X, y = load_dataset(ds)
    return X.shape[0], X.shape[1], y.shape[1], _is_classification(y)


def _is_classification(y: Any) -> bool:
    import numpy as np

    y = np.asarray(y)
    if not np.all((y == 0) | (y == 1)):
        return False
    return y.shape[1] == 1 or bool(np.all(y.sum(axis=1) == 1))


def _check_combinations(
    ck: _Checker, axes: Mapping[str, list[Any]], fixed: Mapping[str, Any]
) -> None:
    """Impossible combinations among the values that are valid on their own."""
    shapes: dict[str, tuple[int, int, int, bool]] = {}
    for i, ds in enumerate(axes["dataset"]):
        try:
            shapes[_canonical(ds)] = _dataset_shape(ds)
        except (ValueError, TypeError, KeyError, OSError) as exc:
            ck.bad(ck.key("data.dataset", i), f"cannot load data set {_label(ds)}: {exc}")
    _check_group_memory(ck, axes, fixed, shapes)
    for i, act in enumerate(axes["activation"]):
        if not isinstance(act, list):
            continue
        for j, h in enumerate(axes["hidden"]):
            if len(act) != len(h):
                ck.bad(
                    ck.key("model.activation", i),
                    f"{len(act)} per-layer activations cannot go with the {len(h)} hidden "
                    f"layers {h} of {ck.key('model.hidden', j)}",
                )
    for i, out in enumerate(axes["output"]):
        okey = ck.key("model.output", i)
        outs = _resolved_outputs(out, axes["activation"])
        for ds_key, (_, _, k, _) in shapes.items():
            for o in sorted(outs):
                if _output_only(o) and k < 2:
                    ck.bad(
                        okey,
                        f"a {o} output needs >= 2 target columns; "
                        f"{_label(json.loads(ds_key))} has {k}",
                    )
        from glassnet import losses as _losses

        for j, loss in enumerate(axes["loss"]):
            for o in sorted(outs):
                try:  # the engine's one rule for which losses fit which outputs
                    _losses.check_pairing(loss, o)
                except ValueError as exc:
                    ck.bad(ck.key("train.loss", j), f"{okey} = {out!r} gives {o}: {exc}")
                    break
    validation = fixed.get("validation") or 0.0
    for ds_key, (n, _, _, cls) in shapes.items():
        label = _label(json.loads(ds_key))
        n_train = n - math.ceil(n * validation) if validation else n
        if validation and (n_train < 1 or n - n_train < 1):
            ck.bad(
                "data.validation", f"{validation} of {label}'s {n} samples leaves an empty split"
            )
        for i, bs in enumerate(axes["batch_size"]):
            if bs is not None and bs > n_train:
                ck.bad(
                    ck.key("train.batch_size", i),
                    f"batch size {bs} exceeds the {n_train} training samples of {label}",
                )
        for j, loss in enumerate(axes["loss"]):
            if loss in ("bce", "cross_entropy") and not cls:
                ck.bad(
                    ck.key("train.loss", j),
                    f"{loss} needs 0/1 or one-hot targets; {label} is a regression data set",
                )


def resolve_output(output: str, activation: str | list[str]) -> str:
    """The output activation of a run: ``"same"`` means the (last) hidden activation, with
    tanh mapped onto (0, 1) as ``tanh01`` (the paper's choice)."""
    if output != "same":
        return output
    last = activation[-1] if isinstance(activation, list) else activation
    return "tanh01" if last == "tanh" else last


def _resolved_outputs(output: str, activations: Sequence[Any]) -> set[str]:
    return {resolve_output(output, a) for a in activations}


def _label(ds: Mapping[str, Any]) -> str:
    """Short label of a data set entry: ``moons(noise=0.2)``, ``csv:file.csv``."""
    if "csv" in ds:
        return f"csv:{Path(ds['csv']).name}" + (
            "(standardize=True)" if ds.get("standardize") else ""
        )
    extra = ", ".join(f"{k}={v!r}" for k, v in sorted(ds.items()) if k != "name")
    return f"{ds['name']}({extra})" if extra else str(ds["name"])


dataset_label = _label
