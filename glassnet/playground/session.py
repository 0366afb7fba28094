"""One playground session: its data, its networks, and the training loop that feeds the page.

A :class:`Session` is plain synchronous code (the server runs its heavy calls in a worker
thread). Training is the engine's own loop: one ``net.fit(..., resume=history)`` per slice of
epochs, which continues the previous slice's optimizer state and shuffling, so a run cut into
slices steps exactly like one long fit -- or, with ``rules="original"``, the paper's own update
rules (:mod:`glassnet.experiments.original`), slice by slice on the network's parameters. The
data comes from a recipe (:mod:`glassnet.datasets.recipes`) or an uploaded CSV. Each run keeps
its :class:`Race`: the first epoch its loss per training case went below the threshold (per
member of a population), by the two definitions ``glassnet paper`` reports, from which the
race's readout and the seeds' statistics (:mod:`glassnet.stats`) are made. The per-layer
statistics are the engine's (:func:`glassnet.training.layer_stats`) on a full-batch pass; the
pictures come from ``net.forward`` over a grid (:mod:`glassnet.playground.grid`).
"""

from __future__ import annotations

import base64
import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

import glassnet as gn
from glassnet.datasets import recipes
from glassnet.datasets.recipes import FEATURES, REGRESSION_SETS, quadrants, regression
from glassnet.metrics import fraction_right
from glassnet.playground.controls import CONTROLS, LIVE, TWO_SETUPS, Config
from glassnet.playground.grid import Extent, plane_extent, plane_inputs
from glassnet.playground.limits import Limits, ProtocolError
from glassnet.playground.protocol import Table
from glassnet.training import Callback, History, layer_stats

__all__ = [
    "Data",
    "Session",
    "baseline_loss",
    "build_data",
    "epoch_seconds",
    "quadrants",
    "recipe_of",
    "regression",
]

MAX_LOSS_POINTS = 200  # loss points per frame (older epochs are thinned out)
STUCK = 0.9  # ... and is stuck above this share of it, after STUCK_EPOCHS epochs
STUCK_EPOCHS = 200
RUNAWAY = 1e4  # ||W|| per layer beyond which the weights are said to run away

# Work estimates (seconds on the machine the playground was measured on; see epoch_seconds)
SECONDS_PER_MAC = 1.5e-9  # per sample x parameter x member, forward + backward + update
SECONDS_PER_UPDATE = 6e-5  # per update and weight layer: the Python overhead of a step


def bounds(name: str) -> tuple[float, float] | None:
    """The range of a bounded activation (sigmoid: (0, 1)), read off the function itself;
    None when it is unbounded on either side."""
    act = gn.activations.get(name)
    with np.errstate(all="ignore"):
        ends = act.value(np.array([[-1e4, 1e4]]))
    lo, hi = float(np.min(ends)), float(np.max(ends))
    if not (np.isfinite(lo) and np.isfinite(hi)) or max(abs(lo), abs(hi)) > 1e3:
        return None
    return round(lo, 6), round(hi, 6)


def epoch_seconds(n_train: int, batch: int, sizes: list[int], population: int | None) -> float:
    """Estimated seconds one epoch takes: ``n_train x parameters x members`` multiply-adds
    (forward, backward and update) plus the per-update overhead of each weight layer.

    Calibrated on the 2-core machine of the benchmark suite (six 16-unit tanh layers on
    1400 moons, Adam: full batch 2.3 ms, batch 32 18 ms, batch 1 0.50 s per epoch); the
    estimate only has to be within a small factor to bound the work of one message.
    """
    params = sum((i + 1) * o for i, o in itertools.pairwise(sizes))
    P = population or 1
    updates = math.ceil(n_train / batch) if 0 < batch < n_train else 1
    layers = len(sizes) - 1
    return SECONDS_PER_MAC * n_train * params * P + SECONDS_PER_UPDATE * updates * layers * (
        1 + P / 16
    )


@dataclass
class Data:
    """The data of a session, as the network sees it and as the page draws it."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str  # "binary" | "multiclass" | "regression"
    columns: list[str]
    extent: Extent
    fill: list[float]
    mean: np.ndarray
    scale: np.ndarray
    note: str = ""
    features: tuple[str, ...] = ()
    recipe: dict[str, Any] | None = None  # how to make this data again (None: an upload)
    #: An uploaded regression target's standardization: ``y_train`` and ``y_test`` hold
    #: ``(y - target_mean) / target_scale``, what the network trains on (None: used as it is)
    target_mean: np.ndarray | None = None
    target_scale: np.ndarray | None = None
    #: The raw targets of a standardized one, split as ``y_train`` and ``y_test`` are: what
    #: the page shows (mapping the standardized values back would be off by a rounding)
    raw_targets: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        """The training and test targets in their own units, as the page shows them."""
        return (self.y_train, self.y_test) if self.raw_targets is None else self.raw_targets

    def to_target(self, values: Any) -> np.ndarray:
        """Outputs as the network has them (its last axis: the outputs) in the target's own
        units: ``values * target_scale + target_mean`` (unchanged when the target is not
        standardized). What the page shows of a prediction goes through this (of a target:
        :attr:`targets`); a loss, a delta or an activation stays in the network's units."""
        arr = np.asarray(values, dtype=float)
        if self.target_mean is None or self.target_scale is None:
            return arr
        return arr * self.target_scale + self.target_mean

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Return ``X`` as the network sees it: ``(X - mean) / scale``, then the chosen input
        features of its first two columns (see :data:`FEATURES`) as extra columns."""
        return recipes.add_features((X - self.mean) / self.scale, list(self.features))

    def plane(self, res: int) -> np.ndarray:
        """The plane's ``res x res`` grid as the network sees it (made once per resolution:
        the data never changes)."""
        cache = self.__dict__.setdefault("_planes", {})
        if res not in cache:
            cache[res] = self.transform(plane_inputs(self.extent, res, self.fill))
        grid: np.ndarray = cache[res]
        return grid

    @property
    def n_inputs(self) -> int:
        """Inputs of the network: the data's columns and the chosen features."""
        return int(self.X_train.shape[1]) + len(self.features)

    @property
    def input_names(self) -> list[str]:
        return [*self.columns[:-1], *(FEATURES[name][0] for name in self.features)]


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.uint8).tobytes()).decode()


def _u8(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    scaled = np.clip((np.nan_to_num(values, nan=lo) - lo) / span, 0.0, 1.0)
    return np.round(scaled * 255).astype(np.uint8)


def _round(values: Any, digits: int = 4) -> Any:
    arr = np.asarray(values, dtype=float)
    arr = np.where(np.isfinite(arr), arr, 0.0)
    return [float(f"{v:.{digits}g}") for v in arr.ravel()] if arr.ndim else float(arr)


def _matrix(values: np.ndarray) -> list[list[float]]:
    arr = np.atleast_2d(np.asarray(values, dtype=float))
    return [_round(row) for row in arr]


SMALL_SETS = recipes.FIXED_SETS  # a few fixed cases: all used for training
#: Live settings of the training itself (a change splits the run in the export's script).
TRAINING_KEYS = tuple(c.name for c in CONTROLS if c.live and c.fit)


def recipe_of(config: Config) -> dict[str, Any] | None:
    """The data recipe of a setup (see :mod:`glassnet.datasets.recipes`), or None for an
    uploaded CSV (its rows live only in the session)."""
    if config.dataset == "csv":
        return None
    fixed = config.dataset in recipes.FIXED_SETS
    return recipes.check_recipe(
        {
            "dataset": config.dataset,
            "n_samples": None if fixed else config.n,
            "noise": None if fixed else config.noise,
            "seed": config.seed,
            "test_size": 0.0 if fixed else config.split,
            "features": list(config.features),
        }
    )


def build_data(config: Config, table: Table | None) -> Data:
    """Make the session's data from a setup: its recipe (:func:`recipe_of`,
    :func:`glassnet.datasets.recipes.from_recipe`'s split), or the uploaded table for
    ``"csv"``, standardized."""
    note = ""
    recipe = recipe_of(config)
    if recipe is None:
        if table is None:
            raise ProtocolError("No CSV uploaded yet: upload a file first", "dataset")
        X, y, kind, columns = table.X, table.y, table.kind, list(table.columns)
        # the library's statistics: a column of +-1e308 has a finite spread (its plain
        # X.std() overflowed, scaled every value to 0 or NaN, and warned on the server)
        try:
            fitted = gn.datasets.Standardizer().fit(X)
            fitted.transform(X)
        except ValueError as exc:
            raise ProtocolError(
                f"The uploaded features cannot be standardized: {exc}", "csv"
            ) from None
        assert fitted.mean is not None and fitted.scale is not None
        mean, scale = fitted.mean, fitted.scale
        note = "Features are standardized (mean 0, standard deviation 1) before training."
        raw = y
        target_mean, target_scale, y = _standardized_target(y, kind)
        if target_mean is not None and target_scale is not None:
            note += (
                f" The target is standardized too (mean {target_mean[0]:.6g}, standard "
                f"deviation {target_scale[0]:.6g}): the loss is in those units; colours, "
                "values and predictions are shown in the target's own."
            )
        # one split of the standardized and the raw target side by side: the same rows
        width = y.shape[1]
        X_tr, y_tr, X_te, y_te = recipes.split_data(
            X, np.hstack([y, raw]), config.split, config.seed
        )
        raw_targets = None
        if target_mean is not None:
            raw_targets = (np.asarray(y_tr[:, width:], float), np.asarray(y_te[:, width:], float))
        y_tr, y_te = y_tr[:, :width], y_te[:, :width]
    else:
        X, y = recipes.recipe_data(recipe)
        kind = (
            "regression"
            if config.dataset in REGRESSION_SETS
            else "multiclass"
            if y.shape[1] > 1
            else "binary"
        )
        columns = [f"x{i + 1}" for i in range(X.shape[1])] + ["y"]
        mean = np.zeros(X.shape[1])
        scale = np.ones(X.shape[1])
        # the recipes' targets are already in small units
        target_mean = target_scale = raw_targets = None
        if X.shape[1] > 2:
            note = (
                f"This data has {X.shape[1]} inputs; the pictures show the plane of the first "
                "two, the others held at their mean."
            )
        X_tr, y_tr, X_te, y_te = recipes.split_data(X, y, recipe["test_size"], recipe["seed"])
        if config.dataset in recipes.FIXED_SETS:
            note = (note + f" All {len(X)} cases are used for training (no test set).").strip()
    fill = [float(v) for v in X[:, 2:].mean(axis=0)]
    try:
        extent = plane_extent(X)
    except ValueError as exc:  # data near +-1.8e308: no grid over it has a finite cell
        raise ProtocolError(
            f"The data cannot be drawn: {exc}", "csv" if recipe is None else "dataset"
        ) from None
    return Data(
        X_train=np.asarray(X_tr, dtype=float),
        y_train=np.asarray(y_tr, dtype=float),
        X_test=np.asarray(X_te, dtype=float),
        y_test=np.asarray(y_te, dtype=float),
        kind=kind,
        columns=columns,
        extent=extent,
        fill=fill,
        mean=mean,
        scale=scale,
        note=note,
        features=tuple(config.features),
        recipe=recipe,
        target_mean=target_mean,
        target_scale=target_scale,
        raw_targets=raw_targets,
    )


def _standardized_target(
    y: np.ndarray, kind: str
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """``(mean, scale, y standardized)`` of an uploaded regression target, or ``(None, None,
    y)``: class labels are not scaled, and neither is a constant target (standardized it is
    all 0, and there is no spread to scale; ``glassnet train`` does the same).

    A price around 200000 used raw gave an mse of 1e10 at the first epoch: the page's
    learning rates diverged or learned nothing. Fitted on the whole table, as the features
    are (not on the training rows, as ``glassnet train`` fits both): the page's inputs and
    target then share one rule, and their units do not change with the test share or the
    seed, so losses of one upload stay comparable across setups. The model file records both
    (:func:`glassnet.playground.export.model_file`), so ``glassnet inspect --model --csv``
    of the same file sees the same numbers."""
    if kind != "regression" or (y == y[:1]).all():  # (np.ptp overflows for +-1e308)
        return None, None, y
    try:
        fitted = gn.datasets.Standardizer().fit(y)
        scaled = fitted.transform(y)
    except ValueError as exc:
        raise ProtocolError(f"The uploaded target cannot be standardized: {exc}", "csv") from None
    assert fitted.mean is not None and fitted.scale is not None
    return np.asarray(fitted.mean, float), np.asarray(fitted.scale, float), scaled


def target_record(data: Data) -> dict[str, list[float]] | None:
    """The target's standardization as ``glassnet train`` records it (``{"mean": [...],
    "scale": [...]}``, outputs map back as ``z * scale + mean``), or None."""
    if data.target_mean is None or data.target_scale is None:
        return None
    return {"mean": data.target_mean.tolist(), "scale": data.target_scale.tolist()}


def first_overflow(net: Any, X: np.ndarray, y: np.ndarray, loss: str) -> str | None:
    """Where ``net``'s loss on ``(X, y)`` overflows, in words (:meth:`Network.overflow`);
    None when it is finite. Computed quietly: the caller says it to the page."""
    lf = net.check_loss(loss)
    yc = net.check_targets(y, lf, len(X))
    with np.errstate(all="ignore"):
        fwd = net.apply(net.params, X)
        cost = net.cost(fwd, yc, lf)
    if np.isfinite(cost).all():
        return None
    return net.overflow(fwd, yc, lf, cost) or "the loss is not finite"


def _finite(x: Any) -> bool:
    return bool(np.isfinite(x).all())


def baseline_loss(loss: str, y: np.ndarray) -> float:
    """The loss of the best constant answer, the mean target: what a network that learned
    nothing about the inputs reaches (0.25 for mse on balanced 0/1 targets, ln 2 for bce)."""
    fn = gn.losses.get(loss)
    mean = np.broadcast_to(y.mean(axis=0, keepdims=True), y.shape)
    with np.errstate(all="ignore"):
        return float(fn.value(np.array(mean), y))


class Cancelled(Exception):
    """Raised out of a fit when the page paused, closed, or the server is stopping."""


class _Watch(Callback):
    """Stops a fit when its time is up, when it is cancelled, or when the training loss is no
    longer finite (for every member), and measures the training loss after each epoch when
    the fit's own record is not that (see :meth:`Session.train`)."""

    def __init__(self, deadline: float | None, measure: Any, cancel: Any = None) -> None:
        self.deadline = deadline
        self.measure = measure
        self.cancel = cancel
        self.after: list[Any] = []

    def on_epoch_end(self, epoch: int, history: History, net: Any) -> bool:
        if self.measure is not None:
            self.after.append(self.measure())
            if not np.isfinite(self.after[-1]).any():
                return True
        if self.cancel is not None and self.cancel.is_set():
            return True
        return self.deadline is not None and time.perf_counter() >= self.deadline


class Race:
    """Where one run stands against the threshold: the first epoch its loss per training case
    (:meth:`Session.per_case`) went below ``threshold`` -- per member for a population, -1
    while not yet -- by the two definitions of :mod:`glassnet.convergence` that
    ``glassnet paper`` reports (:func:`~glassnet.convergence.threshold_epoch` and the paper's
    own, :func:`~glassnet.convergence.paper_epoch` with this tolerance).

    Updated as the curve grows (only the new points are looked at: a run has its first epoch
    below the threshold once and for all).
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.upto = 0  # points of the curve looked at
        self.reached: Any = None  # epoch (int), or (P,) epochs; -1 = not yet
        self.paper: Any = None
        self.rises: Any = 0  # epochs whose loss rose above the point before (per member)

    def update(self, run: Session) -> None:
        """Look at the points of ``run``'s training curve added since the last update."""
        new = len(run.train_loss) - self.upto
        if new <= 0:
            return
        window = gn.convergence.PAPER_WINDOW
        start = max(0, self.upto - (window - 1))  # the slope looks back window - 1 points
        with np.errstate(all="ignore"):
            curves = np.asarray(run.per_case(run.train_loss[start:]), dtype=float)
        curves = curves.T  # (k,) or (P, k)
        if self.reached is None:
            shape = curves.shape[:-1]
            self.reached = np.full(shape, -1, dtype=np.int64)
            self.paper = np.full(shape, -1, dtype=np.int64)
        epochs = np.asarray(run.loss_epochs[start:])
        skip = self.upto - start  # points before the new ones (already looked at)
        tail = curves[..., max(skip - 1, 0) :]  # the new points and the one before them
        with np.errstate(invalid="ignore"):
            self.rises = self.rises + np.sum(np.diff(tail, axis=-1) > 0, axis=-1)
        first = np.asarray(gn.convergence.threshold_epoch(curves[..., skip:], self.threshold))
        found = (first >= 0) & (self.reached < 0)
        self.reached = np.where(found, epochs[skip:][np.maximum(first, 0)], self.reached)
        flat = np.asarray(
            gn.convergence.paper_epoch(
                curves,
                tol=self.threshold,
                slope_tol=gn.convergence.PAPER_SLOPE_TOL,
                window=window,
            )
        )
        found = (flat >= 0) & (self.paper < 0)
        self.paper = np.where(found, epochs[np.maximum(flat, 0)], self.paper)
        self.upto = len(run.train_loss)

    def first(self, member: int | None = None) -> int | None:
        """The epoch the run (or member ``member``) first went below the threshold, or None."""
        value = self.reached if member is None or self.reached.ndim == 0 else self.reached[member]
        return int(value) if int(value) >= 0 else None


class Session:
    """The state of one page: data, network, optimizer and the history shown on the page.

    In compare mode the second setup is a session of its own, :attr:`b`, on the same data,
    trained in lockstep with this one; in seeds mode :attr:`net` is a population (one member
    per seed) and the loss lists hold one value per member and epoch.

    Parameters
    ----------
    limits : Limits
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.table: Table | None = None
        self.table_name = ""
        self.config: Config | None = None
        self.data: Data | None = None
        self.net: Any = None
        self.history: History | None = None  # the last fit's, resumed by the next one
        self.epoch = 0
        self.stopped = ""  # why training stopped by itself ("" = it did not)
        self.b: Session | None = None  # compare mode's second setup
        self.log: list[dict[str, Any]] = []  # what happened since the reset (see export)
        self.refusal: ProtocolError | None = None  # the last setup refused, until one is taken

    # -- setup -------------------------------------------------------------------------------
    def upload(self, table: Table, name: str = "") -> None:
        """Keep an uploaded table (in memory) as the data set ``"csv"``."""
        self.table = table
        self.table_name = str(name)[:100]

    def configure(self, config: Config) -> None:
        """Build the data and fresh networks for ``config``.

        Raises
        ------
        ProtocolError
            When the engine refuses the setup (its ``ValueError``/``TypeError`` message is kept)
            or one epoch of it is more work than ``limits.max_epoch_seconds``.
        """
        data = build_data(config, self.table)
        b = None
        if config.mode in TWO_SETUPS:
            b = Session(self.limits)
            b.config, b.data = config.second(), data
        for run_cfg in [config] if b is None else [config, config.second()]:
            check_rules(run_cfg, data, "rules" if run_cfg is config else "b.rules")
        self.config, self.data, self.b = config, data, b
        try:
            self.check_work(1)
        except ProtocolError:
            self.net = None
            raise
        self.reset()

    def work(self, epochs: int) -> float:
        """Estimated seconds ``epochs`` epochs take, every network of the session together
        (see :func:`epoch_seconds`)."""
        total = 0.0
        for run in self.runs():
            cfg, data = run.ready()
            pop = cfg.seeds if cfg.population else None
            sizes = [data.n_inputs, *cfg.layers, data.y_train.shape[1]]
            total += epoch_seconds(len(data.X_train), cfg.batch, sizes, pop)
        return total * epochs

    def check_work(self, epochs: int) -> None:
        """Refuse (``ProtocolError``) an epoch or a step over the work limits."""
        one = self.work(1)
        lim = self.limits
        if one > lim.max_epoch_seconds:
            cfg, data = self.ready()
            n = len(data.X_train)
            hint = (
                f"use a batch size of at least {math.ceil(n * one / lim.max_epoch_seconds / 4)}, "
                if 0 < cfg.batch < n
                else ""
            )
            raise ProtocolError(
                f"Too much work per epoch: one epoch of this setup is about {one:.2f} s of "
                f"computing, over the playground's {lim.max_epoch_seconds:g} s (so that pause "
                f"answers at once). To go on, {hint}use fewer samples, fewer or smaller "
                "layers, or fewer seeds.",
                "batch" if hint else "n",
            )
        total = one * epochs
        if total > lim.max_step_seconds:
            most = max(1, int(lim.max_step_seconds / one))
            raise ProtocolError(
                f"Too much work in one step: {epochs} epochs of this setup are about "
                f"{_duration(total)} of computing, over the limit of {lim.max_step_seconds:g} s "
                f"per request: ask for at most {most} epochs."
            )

    def runs(self) -> list[Session]:
        """This session and, in compare mode, the second setup's."""
        return [self] if self.b is None else [self, self.b]

    @property
    def halted(self) -> bool:
        """Whether no network of the session can train any more (diverged or at the limit)."""
        return all(run.stopped or run.net is None for run in self.runs())

    def can_retune(self, config: Config) -> bool:
        """Whether ``config`` differs from the current setup only in :data:`LIVE` settings
        (so training can go on with the same network) and the run has not stopped."""
        if self.config is None or self.net is None or self.halted:
            return False
        old, new = self.config.to_dict(), config.to_dict()
        return all(old[k] == new[k] for k in old if k not in LIVE)

    def retune(self, config: Config) -> None:
        """Go on training the same network under new :data:`LIVE` settings.

        A new learning rate keeps the optimizer's state (moments, step count): the next fit
        gets an optimizer with the new rate and resumes from the last fit's History, whose
        state does not depend on the rate. A new optimizer starts from a fresh state (and the
        mini-batch shuffling starts again from the seed: the engine resumes both or neither).
        A new ``member`` (seeds mode) only changes which member is drawn.
        """
        if not self.can_retune(config):
            raise ProtocolError(f"retune: only {', '.join(LIVE)} can change mid-run")
        _, data = self.ready()
        check_rules(config, data)
        if self.b is not None:
            check_rules(config.second(), data, "b.rules")
        self.check_work_of(config)
        self._retune(config)
        if self.b is not None:
            self.b._retune(config.second())

    def check_work_of(self, config: Config) -> None:
        """Refuse ``config`` if one epoch of it is over the limit (the batch size changes the
        work), keeping the current setup."""
        old = [run.config for run in self.runs()]
        try:
            self.config = config
            if self.b is not None:
                self.b.config = config.second()
            self.check_work(1)
        finally:
            self.config = old[0]
            if self.b is not None:
                self.b.config = old[1]

    def _retune(self, config: Config) -> None:
        old = self.config
        assert old is not None
        if (config.opt, config.lr) != (old.opt, old.lr):
            self.optimizer = gn.optimizers.get(config.opt, lr=config.lr)
            if config.opt != old.opt:
                self.history = None
        if config.member != old.member:
            self.sent_upto = 0  # the page draws the newly chosen member's curve from the start
        changed = {k: v for k, v in config.to_dict().items() if old.to_dict()[k] != v}
        if any(k in changed for k in TRAINING_KEYS):
            self.log.append({"epoch": self.epoch, "retune": changed})
        self.config = config
        if config.threshold != old.threshold:
            self.race = Race(config.threshold)  # the curves so far, measured again
            self.race.update(self)

    def reset(self) -> None:
        """Rebuild the network(s) from the setup's seed and clear the history."""
        for run in self.runs():
            run._reset()

    def _reset(self) -> None:
        cfg, data = self.ready()
        n_in = data.n_inputs
        n_out = data.y_train.shape[1]
        seed: Any = list(range(cfg.seed, cfg.seed + cfg.seeds)) if cfg.population else cfg.seed
        try:
            net = gn.Network(
                [n_in, *cfg.layers, n_out],
                activation=list(cfg.act) if cfg.layers else cfg.act,
                output=cfg.out,
                bias=cfg.bias,
                init=cfg.init,
                seed=seed,
            )
            # a fresh network's loss is finite unless the data overflow it (an uploaded
            # regression target of 1e300): refused, rather than drawn as a run that
            # "diverged at epoch 0" for a learning rate too high
            where = first_overflow(net, data.transform(data.X_train), data.y_train, cfg.loss)
        except (ValueError, TypeError) as exc:
            self.net = None
            raise ProtocolError(f"The engine refused this setup: {exc}") from None
        if where is not None:
            self.net = None
            raise ProtocolError(
                f"The loss of this data is not finite before any training: {where}",
                "csv" if data.recipe is None else "dataset",
            )
        self.adopt(net)

    def adopt(self, net: Any) -> None:
        """Train ``net`` itself from now on (a fresh history, a fresh optimizer state): the
        network the page shows is this very object (the notebook widget's is the user's)."""
        cfg, data = self.ready()
        self.net = net
        try:
            self.optimizer = gn.optimizers.get(cfg.opt, lr=cfg.lr)
            self.history = None
            self.Xn_train = data.transform(data.X_train)
            self.Xn_test = data.transform(data.X_test)
            first = self.losses()
            if cfg.rules == "original":  # the rules' own first loss (their forward pass)
                first = (self._original_losses(), first[1])
        except (ValueError, TypeError) as exc:
            self.net = None
            raise ProtocolError(f"The engine refused this setup: {exc}") from None
        self.epoch = 0
        self.stopped = ""
        self.loss_epochs: list[int] = [0]
        self.train_loss: list[Any] = [first[0]]
        self.test_loss: list[Any] = [first[1]]
        self.norm_epochs: list[int] = []
        self.norm_history: list[list[float]] = []
        self.sent_upto = 0  # index into the loss lists already sent to the page
        self.baseline = baseline_loss(cfg.loss, data.y_train)
        self.log = []
        self.race = Race(cfg.threshold)
        self.race.update(self)

    def restart(self, loaded: str) -> None:
        """The network's parameters were replaced (by the model file ``loaded``): the curves
        start again from them, and the log says where they came from."""
        cfg, _ = self.ready()
        self.train_loss[0], self.test_loss[0] = self.losses()
        self.log.append({"epoch": 0, "loaded": loaded})
        self.race = Race(cfg.threshold)
        self.race.update(self)

    def ready(self) -> tuple[Config, Data]:
        """The setup and its data; refused (``ProtocolError``) before the first setup was
        taken -- with the refusal of the setup sent, when one was refused (the page then
        keeps saying what to fix, whatever button is pressed)."""
        if self.config is None or self.data is None:
            if self.refusal is not None:
                raise ProtocolError(str(self.refusal), self.refusal.field)
            raise ProtocolError("No setup yet: send a config first")
        return self.config, self.data

    def per_case(self, values: Any) -> Any:
        """A loss (or a population's losses) per training case: the loss itself, or, for a
        loss summed over the cases (``sse``), divided by their number -- the mean squared
        error ``glassnet paper`` reports and thresholds."""
        cfg, data = self.ready()
        arr = np.asarray(values, dtype=float)
        if gn.losses.get(cfg.loss).summed:
            return arr / len(data.X_train)
        return arr

    @property
    def population(self) -> int | None:
        return None if self.net is None else self.net.population

    def view(self) -> Any:
        """The network drawn on the page: the network, or the chosen member of a population."""
        cfg, _ = self.ready()
        if self.net.population is None:
            return self.net
        return self.net.member(cfg.member)

    def member_curve(self, values: list[Any]) -> list[float]:
        """A loss list as the drawn network's curve (the chosen member's in seeds mode)."""
        if self.population is None:
            return [float(v) for v in values]
        k = self.config.member if self.config else 0
        return [float(np.asarray(v)[k]) for v in values]

    # -- training ----------------------------------------------------------------------------
    def losses(self) -> tuple[Any, Any]:
        cfg, data = self.ready()
        train = self.net.loss(self.Xn_train, data.y_train, loss=cfg.loss)
        if len(data.X_test):
            test = self.net.loss(self.Xn_test, data.y_test, loss=cfg.loss)
        else:
            test = math.nan if self.net.population is None else np.full(self.net.population, np.nan)
        return train, test

    @property
    def opt_state(self) -> Any:
        """The optimizer's state the next step starts from (fresh before the first fit)."""
        if self.history is None:
            return self.optimizer.init(self.net.params)
        return self.history.optimizer_state

    def train(self, epochs: int, seconds: float | None = None, cancel: Any = None) -> int:
        """Train up to ``epochs`` epochs, or until ``seconds`` have passed or ``cancel`` (a
        ``threading.Event``) is set; return how many ran.

        In compare mode the second setup then trains exactly as many epochs (lockstep).
        """
        runs = [r for r in self.runs() if r.net is not None and not r.stopped]
        if not runs:
            return 0
        deadline = None if seconds is None else time.perf_counter() + seconds
        done = runs[0]._train(epochs, deadline, cancel)
        for run in runs[1:]:
            run._train(done or epochs, None if done else deadline, None if done else cancel)
        return done

    def _train(self, epochs: int, deadline: float | None, cancel: Any) -> int:
        """Train this network up to ``epochs`` epochs (see :meth:`train`).

        One ``net.fit(epochs=...)`` call resumes the last one (optimizer state and shuffling),
        stopped early by a callback when the deadline has passed or ``cancel`` is set. Training
        stops for good (and :attr:`stopped` says why) when the loss diverges (every member's,
        for a population) or the run reaches ``limits.max_epochs``.

        The curves start at epoch 0 (the initial network); epoch ``k`` is the loss after ``k``
        epochs of steps, on all the training data and on the test data, without the L2 term.
        The fit records each epoch's loss *before* its step, i.e. the loss after the epochs
        before it: so the test curve is the fit's validation loss shifted by one, and so is the
        training curve for full-batch training without L2. (With mini-batches the fit records
        the mean of the batch costs while the weights move, and with L2 it adds the penalty;
        then a callback measures the training loss after each epoch, as the curve shows it.)
        The loss after the last epoch is measured once the fit returns.
        """
        cfg, data = self.ready()
        if self.net is None or self.stopped:
            return 0
        epochs = min(epochs, self.limits.max_epochs - self.epoch)
        if cfg.rules == "original":
            return self._train_original(epochs, deadline, cancel)
        n = len(self.Xn_train)
        full_batch = not 0 < cfg.batch < n
        exact = full_batch and cfg.l2 == 0 and cfg.l1 == 0  # the fit's loss is the curve's
        watch = _Watch(
            deadline,
            None if exact else (lambda: self.net.loss(self.Xn_train, data.y_train, cfg.loss)),
            cancel,
        )
        test = (self.Xn_test, data.y_test) if len(data.X_test) else None
        use_watch = watch.deadline is not None or not exact or cancel is not None
        resumed = self.history is not None
        # a diverging run is reported in the page's notes, not warned about: warn=False, as
        # the process-wide warning filters are not safe to change from the server's threads.
        # The optimizer goes by name (a run the model file can hold whole); resumed, a new
        # learning rate keeps the optimizer's state (moments, count) and the sample order.
        with np.errstate(all="ignore"):
            hist = self.net.fit(
                self.Xn_train,
                data.y_train,
                loss=cfg.loss,
                optimizer=cfg.opt,
                lr=cfg.lr,
                epochs=epochs,
                batch_size=None if full_batch else cfg.batch,
                validation=test,
                l1=cfg.l1,
                l2=cfg.l2,
                callbacks=(watch,) if use_watch else (),
                stats_every=None,
                resume=self.history,
                warn=False,
            )
            last_train, last_test = self.losses()
        self.history = hist
        done = hist.epochs_run
        pop = self.net.population
        # point j of this fit's records is the loss after self.epoch + j epochs; j = 0 is on the
        # curve already
        by_epoch = np.asarray(hist.loss).T  # (epochs,) or (epochs, P)
        before = list(by_epoch[1:]) if exact else watch.after[: done - 1]
        if hist.val_loss is not None:
            tests = list(np.asarray(hist.val_loss).T[1:])
        else:
            tests = [math.nan if pop is None else np.full(pop, np.nan)] * (done - 1)
        if pop is None:
            before = [float(v) for v in before]
            tests = [float(v) for v in tests]
        self._record(done, [*before, last_train], [*tests, last_test])
        # the engine's divergence rule (a non-finite loss, runaway weights or a loss that keeps
        # growing), for every member of a population
        recent = np.asarray(self.train_loss[-done:], dtype=float) if done else np.ones(1)
        if done and (bool(np.all(hist.diverged)) or not np.isfinite(recent[-1]).any()):
            self.stopped = "diverged"
            at = np.asarray(hist.diverged_epoch)
            at = at[at >= 0]
            self.diverged_at = self.epoch - done + (int(at.min()) if at.size else done - 1)
        elif self.epoch >= self.limits.max_epochs:
            self.stopped = "max_epochs"
        if done:
            self.log.append(
                {
                    "epoch": self.epoch,
                    "trained": done,
                    "opt": cfg.opt,
                    "lr": cfg.lr,
                    "batch": None if full_batch else cfg.batch,
                    "l1": cfg.l1,
                    "l2": cfg.l2,
                    "resume": resumed,
                }
            )
        return done

    def _record(self, done: int, train: list[Any], test: list[Any]) -> None:
        """Append the losses after each of ``done`` more epochs to the curves."""
        self.loss_epochs.extend(range(self.epoch + 1, self.epoch + done + 1))
        self.train_loss.extend(train)
        self.test_loss.extend(test)
        self.epoch += done
        self.race.update(self)

    def _train_original(self, epochs: int, deadline: float | None, cancel: Any) -> int:
        """Train with the update rules the paper's code ran (``rules="original"``, see
        :mod:`glassnet.experiments.original`), from the network's own parameters, in chunks
        between which a pause or the time budget may stop it.

        The curve is the rules' own record: the loss of each epoch's forward pass before its
        step (the mean over the cases of ``(y - output)^2``, times the number of cases for
        ``sse``), so after ``k`` epochs it holds the paper's curve's first ``k + 1`` points,
        number for number.
        """
        cfg, _ = self.ready()
        members = [None] if self.net.population is None else list(range(self.net.population))
        done = 0
        losses: list[Any] = []
        with np.errstate(all="ignore"):
            while done < epochs:
                k = min(ORIGINAL_CHUNK, epochs - done)
                curves = []
                for m in members:
                    run = self._original(_paper_params(self.net.params, m), k)
                    _set_paper_params(self.net.params, m, run.final)
                    after = self._original(run.final, 1).loss[0]  # the loss after the k steps
                    curves.append(np.append(run.loss[1:], after) * self._scale())
                curve = np.stack(curves, axis=-1)  # (k, P)
                losses.extend(curve[:, 0] if self.net.population is None else curve)
                done += k
                if not np.isfinite(curve[-1]).any():
                    self.stopped = "diverged"
                    self.diverged_at = self.epoch + done
                    break
                if (cancel is not None and cancel.is_set()) or (
                    deadline is not None and time.perf_counter() >= deadline
                ):
                    break
        pop = self.net.population
        tests = [self.losses()[1]] * done  # the rules keep no test curve: the last one's
        train = [float(v) for v in losses] if pop is None else list(losses)
        self._record(done, train, tests)
        if not self.stopped and self.epoch >= self.limits.max_epochs:
            self.stopped = "max_epochs"
        if done:
            self.log.append({"epoch": self.epoch, "trained": done, "rules": "original",
                             "lr": cfg.lr, "resume": True})  # fmt: skip
        return done

    def _original_losses(self) -> Any:
        """The loss now as the paper's rules compute it (each member's, for a population)."""
        pop = self.net.population
        members = [None] if pop is None else list(range(pop))
        with np.errstate(all="ignore"):
            values = [
                self._original(_paper_params(self.net.params, m), 1).loss[0] * self._scale()
                for m in members
            ]
        return float(values[0]) if pop is None else np.asarray(values)

    def _original(self, init: dict[str, Any], epochs: int) -> Any:
        """:func:`glassnet.experiments.original.train_original` of this setup from ``init``."""
        from glassnet.experiments.original import train_original

        cfg, data = self.ready()
        return train_original(
            self.Xn_train, data.y_train, cfg.act[0], lr=cfg.lr, epochs=epochs, init=init
        )

    def _scale(self) -> int:
        """The curve's loss over the rules' record (the mean over the cases): the number of
        cases for a summed loss, else 1."""
        cfg, data = self.ready()
        return len(data.X_train) if gn.losses.get(cfg.loss).summed else 1

    def set_weight(self, layer: Any, source: Any, unit: Any, value: Any) -> float:
        """Set ``W^(layer)[source, unit]`` of the drawn network (every member's, in seeds
        mode, is left alone but the drawn one's) by hand; return the old value.

        Parameters are 1-based ``layer`` (as in the formulas) and 0-based unit indices
        (``source`` is a unit of the layer below; a bias is not set by hand: ``"b"`` is refused
        as any other non-index).
        """
        cfg, _ = self.ready()
        if self.net is None:
            raise ProtocolError("No network: send a valid config first")
        L = self.net.n_layers
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= L:
            raise ProtocolError(f"layer: expected a layer between 1 and {L}, got {_short(layer)}")
        W = self.net.params[layer - 1]["W"]
        n_in, n_out = W.shape[-2:]
        if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < n_out:
            raise ProtocolError(f"unit: expected 0 to {n_out - 1}, got {_short(unit)}")
        if isinstance(source, bool) or not isinstance(source, int) or not 0 <= source < n_in:
            raise ProtocolError(f"source: expected 0 to {n_in - 1}, got {_short(source)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProtocolError(f"value: expected a number, got {_short(value)}", "weight")
        try:
            v = float(value)
        except OverflowError:
            raise ProtocolError(
                f"value: expected a number, got {_short(value)}", "weight"
            ) from None
        if not math.isfinite(v) or abs(v) > 100:
            raise ProtocolError(
                f"value: a weight must be a finite number between -100 and 100, got {_short(value)}",
                "weight",
            )
        index = (cfg.member, source, unit) if self.net.population else (source, unit)
        old = float(W[index])
        W[index] = v
        self.log.append(
            {"epoch": self.epoch, "set": [layer, source, unit, v], "member": cfg.member}
        )
        train, test = self.losses()
        # the curve gets the new loss as a second point at the same epoch: the jump shows
        self.loss_epochs.append(self.epoch)
        self.train_loss.append(train)
        self.test_loss.append(test)
        return old

    # -- what the page sees ------------------------------------------------------------------
    def data_message(self) -> dict[str, Any]:
        """The ``ready`` message: the setup as understood and the points to draw."""
        cfg, data = self.ready()
        # the targets in their own units: the points' colours and the colour scale
        y_train, y_test = data.targets
        msg = {
            "type": "ready",
            "config": cfg.to_dict(),
            "kind": data.kind,
            "columns": data.columns,
            "extent": list(data.extent),
            "n_outputs": int(data.y_train.shape[1]),
            "train": self._points(data.X_train, y_train, data.kind),
            "test": self._points(data.X_test, y_test, data.kind),
            "note": data.note,
            "classes": list(self.table.classes) if cfg.dataset == "csv" and self.table else [],
            "y_range": [float(y_train.min()), float(y_train.max())],
            "target_standardize": target_record(data),
            "sizes": [data.n_inputs, *cfg.layers, int(data.y_train.shape[1])],
            "inputs": data.input_names,
            "baseline": self.baseline,
        }
        if self.b is not None:
            assert self.b.config is not None
            msg["sizes_b"] = [
                data.n_inputs,
                *self.b.config.layers,
                int(data.y_train.shape[1]),
            ]
            msg["config_b"] = self.b.config.to_dict()
        return msg

    @staticmethod
    def _points(X: np.ndarray, y: np.ndarray, kind: str) -> dict[str, list[float]]:
        label = np.argmax(y, axis=1) if kind == "multiclass" else y[:, 0]
        return {"x": _round(X[:, 0], 5), "y": _round(X[:, 1], 5), "label": _round(label, 5)}

    def layer_stats(self) -> dict[str, Any]:
        """The engine's per-layer statistics (:func:`glassnet.training.layer_stats`) of one
        full-batch pass of the drawn network over the training data, as the page shows them.

        Returns
        -------
        dict
            ``grad_norm``: ``||dC/dW^(l)||_F`` for l = 1..L (without the L2 term);
            ``weight_norm``: ``||W^(l)||_F``; ``update_ratio``: ``||step W^(l)|| / ||W^(l)||``
            for the optimizer's next full-batch step; per hidden layer, ``saturated``: the
            fraction of unit-point pairs where the activation is flat, ``|f'(z)| < 0.01
            max|f'|`` (for activations that saturate, else None) and ``dead``: how many units
            output 0 for every training point (for activations that can die, else None);
            ``grads``: the gradients themselves.
        """
        cfg, data = self.ready()
        net = self.view()
        fwd = net.forward(self.Xn_train)
        grads, _ = net.backward(fwd, data.y_train, loss=cfg.loss)
        state = self.opt_state
        if self.net.population is not None:
            state = self.optimizer.init(net.params)  # a member's own next step from fresh
        steps, _ = self.optimizer.update(grads, state, net.params)
        stats = layer_stats(net, fwd, grads, steps)
        acts = net.activations[:-1]
        hidden = list(
            zip(acts, cfg.layers, stats["saturated"][:-1], stats["dead_relu"][:-1], strict=True)
        )
        return {
            "grad_norm": stats["grad_norm"].tolist(),
            "weight_norm": stats["weight_norm"].tolist(),
            "update_ratio": stats["update_ratio"].tolist(),
            "saturated": [float(s) if a.saturates else None for a, _, s, _ in hidden],
            "dead": [round(d * u) if a.can_die else None for a, u, _, d in hidden],
            "grads": grads,
        }

    def notes(self, stats: dict[str, Any]) -> list[dict[str, str]]:
        """Plain-language notes on trouble seen in the run so far (of the drawn network)."""
        cfg, _ = self.ready()
        out: list[dict[str, str]] = []
        loss = np.asarray(self.member_curve(self.train_loss))
        if not np.isfinite(loss[0]):  # before any step: no learning rate is to blame
            _, data = self.ready()
            net = self.view()
            where = first_overflow(net, self.Xn_train, data.y_train, cfg.loss)
            out.append(
                {
                    "kind": "diverged",
                    "text": f"The loss was not finite from the start (epoch "
                    f"{self.loss_epochs[0]}), before any training step: "
                    f"{where or 'the network gives no finite answer'}. A lower learning rate "
                    "will not help: load other weights or reset.",
                }
            )
            return out
        if self.stopped == "diverged" or not np.isfinite(loss[-1]):
            bad = ~np.isfinite(loss)
            first = (
                self.loss_epochs[int(np.argmax(bad))]
                if bad.any()
                else getattr(self, "diverged_at", self.epoch)
            )
            what = (
                "blew up (became infinite or NaN)"
                if bad.any()
                else "ran away (the loss or the weights grew without bound)"
            )
            out.append(
                {
                    "kind": "diverged",
                    "text": f"Training diverged: the run {what} at epoch {first}: "
                    f"the learning rate {cfg.lr:g} is far too high. Lower it and reset.",
                }
            )
            return out
        out += self._reach_note()
        big = [i + 1 for i, w in enumerate(stats["weight_norm"]) if not w < RUNAWAY]
        if big:
            out.append(
                {
                    "kind": "runaway",
                    "text": f"The weights are running away: ||W|| of layer {big[0]} is "
                    f"{stats['weight_norm'][big[0] - 1]:.3g}. Even where the loss stays finite "
                    f"the steps are far too large: lower the learning rate {cfg.lr:g} and reset.",
                }
            )
        if len(loss) >= 41:  # medians of 20-epoch windows: robust to mini-batch noise
            last = float(np.median(loss[-20:]))
            prev = float(np.median(loss[-40:-20]))
            best = float(np.min(loss))
            if last > 1.5 * prev and last > 2.0 * best:
                out.append(
                    {
                        "kind": "rising",
                        "text": f"The training loss is rising ({prev:.3g} → {last:.3g} over the "
                        f"last 40 epochs): the learning rate {cfg.lr:g} is probably too high, "
                        "so the steps overshoot the minimum. Try a smaller one.",
                    }
                )
        base = self.baseline
        if self.epoch >= STUCK_EPOCHS and base > 0 and float(loss[-1]) >= STUCK * base:
            out.append(
                {
                    "kind": "stuck",
                    "text": f"Not learning: after {self.epoch} epochs the training loss "
                    f"{float(loss[-1]):.3g} is no better than always answering the mean target "
                    f"(loss {base:.3g}). The network has found no use for its inputs: "
                    "gradients may vanish, the units may be saturated or dead, or the "
                    "learning rate is too small.",
                }
            )
        test = np.asarray(self.member_curve(self.test_loss))
        chunks = (len(test) - 1) // 20  # medians of 20-epoch chunks: robust to single dips
        if chunks >= 3 and np.isfinite(test).all():
            t_med = np.median(test[-chunks * 20 :].reshape(chunks, 20), axis=1)
            l_med = np.median(loss[-chunks * 20 :].reshape(chunks, 20), axis=1)
            best = int(np.argmin(t_med))
            t_best, t_now = float(t_med[best]), float(t_med[-1])
            if t_now > 1.25 * t_best + 0.005 and l_med[-1] < 0.9 * l_med[best]:
                out.append(
                    {
                        "kind": "overfitting",
                        "text": f"The test loss is rising ({t_best:.3g} at best, {t_now:.3g} now) "
                        "while the training loss keeps falling: the network is overfitting. "
                        "Try L2, fewer units or more data.",
                    }
                )
        # a trained classifier saturates on purpose (confident outputs): warn only while it
        # still gets training points wrong, or for a regression
        acc = self.accuracy(self.Xn_train, self.data.y_train) if self.data else None
        learning = acc is None or acc < 0.97
        for i, (act, frac) in enumerate(zip(cfg.act, stats["saturated"], strict=True)):
            if learning and frac is not None and frac > 0.3:
                ends = bounds(act)
                where = f"{ends[0]:g} or {ends[1]:g}" if ends else "its flat end"
                out.append(
                    {
                        "kind": "saturated",
                        "text": f"Hidden layer {i + 1}: {frac:.0%} of its {act} outputs sit near "
                        f"{where} (saturated), where f'(z) ≈ 0, so little gradient flows "
                        "through. Try a smaller learning rate, smaller initial weights "
                        "(xavier) or relu.",
                    }
                )
        for i, (act, units, d) in enumerate(zip(cfg.act, cfg.layers, stats["dead"], strict=True)):
            if d:
                out.append(
                    {
                        "kind": "dead_relu",
                        "text": f"Hidden layer {i + 1}: {d} of {units} {act} units are dead "
                        "(output 0 for every training point), so they no longer learn. Try "
                        "leaky_relu, a smaller learning rate or he initialization.",
                    }
                )
        norms = stats["grad_norm"]
        if len(norms) >= 3 and norms[-1] > 1e-8 and loss[-1] > 1e-3:
            ratio = norms[0] / norms[-1]
            if ratio < 0.05:
                out.append(
                    {
                        "kind": "vanishing",
                        "text": f"Gradients vanish toward the input: layer 1's gradient is "
                        f"{ratio:.1e} times the output layer's, so the early layers barely learn. "
                        + (
                            "Try tanh or relu instead of sigmoid, fewer layers, or xavier/he init."
                            if "sigmoid" in cfg.act
                            else "Saturated or dead units pass no gradient: try a smaller "
                            "learning rate, fewer layers, or xavier/he init."
                        ),
                    }
                )
        return out

    def _reach_note(self) -> list[dict[str, str]]:
        """A note when the output activation cannot reach a standardized target (half of it
        is below its mean: a sigmoid or relu output stops at 0). ``glassnet train`` scales
        the target for an identity output only; the page scales every upload's, so that the
        two setups of a comparison share one loss, and says what to choose."""
        cfg, data = self.ready()
        if data.target_mean is None:
            return []
        with np.errstate(all="ignore"):
            ends = gn.activations.get(cfg.out).value(np.array([[-1e4], [1e4]]))
        lo, hi = float(np.min(ends)), float(np.max(ends))
        need_lo, need_hi = float(data.y_train.min()), float(data.y_train.max())
        if lo <= need_lo and need_hi <= hi:
            return []
        return [
            {
                "kind": "output_range",
                "text": f"The {cfg.out} output gives values from {lo:.3g} to {hi:.3g}, but the "
                f"standardized target runs from {need_lo:.3g} to {need_hi:.3g}: the network "
                "cannot reach part of it. Choose the identity output for this target.",
            }
        ]

    def accuracy(self, Xn: np.ndarray, y: np.ndarray, net: Any = None) -> Any:
        """Fraction of points classified right (None for a regression or no points); one per
        member when ``net`` is a population."""
        _, data = self.ready()
        if data.kind == "regression" or len(Xn) == 0:
            return None
        net = self.view() if net is None else net
        p = np.asarray(net.predict(Xn))
        right = fraction_right(p, y)  # a diverged member's NaN prediction counts as wrong
        return float(right) if p.ndim == 2 else right

    def frame(self) -> dict[str, Any]:
        """A snapshot for the page: new loss points, pictures, weights, gradients, notes (and
        the second setup's in compare mode, and the population's curves in seeds mode), as
        JSON-ready data: maps as base64 bytes, weights and gradients as lists of rows."""
        return jsonable(self.frame_arrays())

    def frame_arrays(self) -> dict[str, Any]:
        """The same snapshot with its pictures as ``uint8`` arrays and its weights and
        gradients as float arrays (for the binary frames of :mod:`glassnet.playground.frames`)."""
        with np.errstate(all="ignore"):
            out = self._frame()
            if self.b is not None:
                b = self.b._frame()
                out["b"] = {k: v for k, v in b.items() if k != "type"}
            out["race"] = self.race_summary()
            return out

    def race_summary(self) -> dict[str, Any]:
        """The race's readout: per setup the epoch its loss per training case first went
        below the threshold and that loss now (of the drawn member), who is ahead and by how
        much, in words; in the seeds modes the statistics of :meth:`seeds_stats`."""
        cfg, _ = self.ready()
        runs = self.runs()
        names = ["A", "B"][: len(runs)]
        entries = []
        for name, run in zip(names, runs, strict=True):
            member = cfg.member if run.net is not None and run.net.population else None
            now = run.member_curve(run.train_loss)[-1]
            rises = np.asarray(run.race.rises)
            entries.append(
                {
                    "name": name,
                    "reached": run.race.first(member),
                    "loss": _finite_or_none(run.per_case(now)),
                    "rises": int(rises if rises.ndim == 0 else rises[member or 0]),
                }
            )
        out: dict[str, Any] = {
            "threshold": cfg.threshold,
            "summed": bool(gn.losses.get(cfg.loss).summed),
            "runs": entries,
            "converged": self.all_converged,
            "text": _race_text(entries, cfg.threshold, self.epoch),
        }
        if cfg.population:
            out["seeds"] = self.seeds_stats()
        return out

    @property
    def all_converged(self) -> bool:
        """Whether every run of the session (every member) is below the threshold."""
        return all(run.converged for run in self.runs() if run.net is not None)

    @property
    def converged(self) -> bool:
        """Whether this run (every member of a population) is below the threshold."""
        return bool(np.all(self.race.reached >= 0))

    def seeds_stats(self) -> dict[str, Any]:
        """Per setup of a seeds mode, with glassnet's statistics (:mod:`glassnet.stats`) as
        ``glassnet paper`` computes them: the share of members converged (Wilson interval),
        the median epochs to converge with its bootstrap interval (never = infinity), by the
        threshold and by the paper's definition; with two setups, the Mann-Whitney test of
        A's epochs against B's."""
        from glassnet import stats

        runs = self.runs()
        key = tuple(run.race.reached.tobytes() + run.race.paper.tobytes() for run in runs)
        cached = getattr(self, "_stats_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        names = ["a", "b"][: len(runs)]
        out: dict[str, Any] = {}
        never = {}
        for name, run in zip(names, runs, strict=True):
            epochs = np.where(run.race.reached < 0, np.inf, run.race.reached)
            paper = np.where(run.race.paper < 0, np.inf, run.race.paper)
            never[name] = (epochs, paper)
            conv = stats.proportion(run.race.reached >= 0)
            med = stats.median_ci(epochs, n_boot=N_BOOT)
            pconv = stats.proportion(run.race.paper >= 0)
            pmed = stats.median_ci(paper, n_boot=N_BOOT)
            out[name] = {
                "converged": conv.to_dict(),
                "median": med.to_dict(),
                "paper_converged": pconv.to_dict(),
                "paper_median": pmed.to_dict(),
                "converged_text": str(conv),
                "median_text": str(med),
                "text": f"converged {conv}; median epochs to converge {med}",
                "paper_text": f"converged {pconv}; median epochs {pmed}",
            }
        if len(runs) == 2:
            test = stats.mann_whitney(never["a"][0], never["b"][0])
            ptest = stats.mann_whitney(never["a"][1], never["b"][1])
            out["test"] = {**test.to_dict(), "text": _test_text(test)}
            out["paper_test"] = {**ptest.to_dict(), "text": _test_text(ptest)}
        self._stats_cache = (key, out)
        return out

    def _population(self, picked: list[int]) -> dict[str, Any]:
        """Seeds mode: the median training loss and its 10-90% band over the members at the
        points ``picked`` (those not sent yet), each member's last loss, and the share of
        members whose loss per training case went below the threshold."""
        cfg, _ = self.ready()
        values = np.asarray([self.train_loss[i] for i in picked], dtype=float)  # (k, P)
        values = np.where(np.isfinite(values), values, np.inf)  # diverged members rank last
        if len(values):
            lo, med, hi = np.percentile(values, [10, 50, 90], axis=1)
        else:
            lo = med = hi = np.zeros(0)
        final = np.asarray(self.train_loss[-1], dtype=float)
        return {
            "median": [_finite_or_none(v) for v in med],
            "lo": [_finite_or_none(v) for v in lo],
            "hi": [_finite_or_none(v) for v in hi],
            "final": [_finite_or_none(v) for v in final],
            "converged": float(np.mean(self.race.reached >= 0)),
            "diverged": int(np.sum(~np.isfinite(final))),
            "threshold": cfg.threshold,
        }

    def _frame(self) -> dict[str, Any]:
        cfg, data = self.ready()
        lim = self.limits
        net = self.view()
        acts = _plane(net, data, lim.grid)
        out = acts[-1]
        boundary: dict[str, Any] = {"res": lim.grid, "kind": data.kind}
        if data.kind == "multiclass":
            boundary["cls"] = np.argmax(out, axis=2).astype(np.uint8)
            boundary["data"] = _u8(np.max(out, axis=2), 0.0, 1.0)
            boundary["lo"], boundary["hi"] = 0.0, 1.0
        elif data.kind == "regression":
            # the surface in the target's units, on the scale of the points' colours
            y_train = data.targets[0]
            lo, hi = float(y_train.min()), float(y_train.max())
            boundary["data"] = _u8(data.to_target(out)[:, :, 0], lo, hi)
            boundary["lo"], boundary["hi"] = lo, hi
        else:
            boundary["data"] = _u8(out[:, :, 0], 0.0, 1.0)
            boundary["lo"], boundary["hi"] = 0.0, 1.0
        unit_acts = _plane(net, data, lim.unit_grid)[:-1]
        units = []
        for act, a in zip(cfg.act, unit_acts, strict=True):
            a = np.nan_to_num(a)
            ends = bounds(act)
            if ends is not None:  # one scale for the layer: the activation's range
                lo_v = np.full(a.shape[2], ends[0])
                hi_v = np.full(a.shape[2], ends[1])
                mid_v = (lo_v + hi_v) / 2
            else:  # each unit its own: from min(0, its least) to its largest
                lo_v = np.minimum(0.0, a.min(axis=(0, 1)))
                hi_v = np.maximum(a.max(axis=(0, 1)), lo_v + 1e-9)
                mid_v = np.zeros(a.shape[2])
            span = hi_v - lo_v
            u8 = np.round(np.clip((a - lo_v) / span, 0.0, 1.0) * 255).astype(np.uint8)
            units.append(
                [
                    {
                        "data": np.ascontiguousarray(u8[:, :, j]),
                        "lo": float(lo_v[j]),
                        "hi": float(hi_v[j]),
                        "mid": float(mid_v[j]),
                    }
                    for j in range(a.shape[2])
                ]
            )
        # the input units' own maps: each input (and input feature) over the plane
        grid_in = data.plane(lim.unit_grid)
        inputs = []
        for j in range(grid_in.shape[1]):
            m = grid_in[:, j].reshape(lim.unit_grid, lim.unit_grid)
            half = max(float(np.abs(m).max()), 1e-9)
            inputs.append({"data": _u8(m, -half, half), "lo": -half, "hi": half, "mid": 0.0})
        stats = self.layer_stats()
        self.norm_epochs.append(self.epoch)
        self.norm_history.append(stats["grad_norm"])
        # loss points not sent yet, thinned to at most MAX_LOSS_POINTS (the last one always kept)
        restart = self.sent_upto == 0
        new = range(self.sent_upto, len(self.loss_epochs))
        stride = max(1, math.ceil(len(new) / MAX_LOSS_POINTS))
        picked = list(new)[::-1][::stride][::-1]
        self.sent_upto = len(self.loss_epochs)
        train_curve = self.member_curve(self.train_loss)
        test_curve = self.member_curve(self.test_loss)

        weights = []
        grads = []
        for p, g in zip(net.params, stats["grads"], strict=True):
            weights.append(
                {"W": np.array(p["W"]), "b": p["b"].ravel().copy() if "b" in p else None}
            )
            grads.append({"W": np.array(g["W"]), "b": g["b"].ravel().copy() if "b" in g else None})
        frame: dict[str, Any] = {
            "type": "frame",
            "epoch": self.epoch,
            "loss": {
                "epochs": [self.loss_epochs[i] for i in picked],
                "train": [_finite_or_none(train_curve[i]) for i in picked],
                "test": [_finite_or_none(test_curve[i]) for i in picked],
                "restart": restart,
            },
            "train_loss": _finite_or_none(train_curve[-1]),
            "test_loss": _finite_or_none(test_curve[-1]),
            "accuracy": {
                "train": self.accuracy(self.Xn_train, data.y_train, net),
                "test": self.accuracy(self.Xn_test, data.y_test, net),
            },
            "boundary": boundary,
            "unit_res": lim.unit_grid,
            "units": units,
            "inputs": inputs,
            "weights": weights,
            "grads": grads,
            "grad_norm": [_finite_or_none(v) for v in stats["grad_norm"]],
            "saturated": stats["saturated"],
            "dead": stats["dead"],
            "notes": self.notes(stats),
            "stopped": self.stopped,
        }
        if self.net.population is not None:
            frame["population"] = self._population(picked)
        return frame

    # -- the glass box -----------------------------------------------------------------------
    def inside(self, layer: Any, unit: Any, sample: Any) -> dict[str, Any]:
        """Every number of unit ``unit`` of layer ``layer`` (1-based) for training sample
        ``sample``, from the engine's :func:`glassnet.trace.trace` on that one sample, with
        the formulas filled in.

        Returns
        -------
        dict
            ``z``, ``a``, ``fprime``, ``delta`` of the unit; ``incoming``: for each source
            unit ``k``, ``a_prev`` (its output), ``w`` and ``dW = a_prev * delta`` (this
            sample's share of ``dC/dW``); ``formulas``: each written in the paper's notation
            and with the numbers.
        """
        cfg, data = self.ready()
        if self.net is None:
            raise ProtocolError("No network: send a valid config first")
        net = self.view()
        L = net.n_layers
        n_train = len(self.Xn_train)
        for name, value in (("layer", layer), ("unit", unit), ("sample", sample)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ProtocolError(f"{name}: expected a whole number, got {_short(value)}")
        if not 1 <= layer <= L:
            raise ProtocolError(f"layer: expected a layer between 1 and {L}, got {_short(layer)}")
        n_out = net.sizes[layer]
        if not 0 <= unit < n_out:
            raise ProtocolError(f"unit: expected 0 to {n_out - 1}, got {_short(unit)}")
        if not 0 <= sample < n_train:
            raise ProtocolError(f"sample: expected 0 to {n_train - 1}, got {_short(sample)}")
        with np.errstate(all="ignore"):
            tr = net.trace(
                self.Xn_train, data.y_train, loss=cfg.loss, optimizer="gd", lr=cfg.lr,
                samples=[sample],
            )  # fmt: skip
        t = tr.layer(layer)
        f = t.activation
        z, a, fp, d = (float(t.z[0, unit]), float(t.a[0, unit]), float(t.fprime[0, unit]),
                       float(t.delta[0, unit]))  # fmt: skip
        incoming = []
        for k in range(t.n_in):
            incoming.append(
                {
                    "a_prev": float(t.a_prev[0, k]),
                    "w": float(t.W[k, unit]),
                    "dW": float(t.dW[k, unit]),
                }
            )
        bias = None
        if t.b is not None:
            bias = float(t.b[0, unit if t.b.shape[-1] > 1 else 0])

        def par(v: float) -> str:
            return f"({v:.4g})" if v < 0 else f"{v:.4g}"

        terms = " + ".join(f"{par(c['a_prev'])}·{par(c['w'])}" for c in incoming)
        s = f"^({layer})"
        formulas = {
            "z": f"z{s} = Σ_k a^({layer - 1})_k W{s}_k{unit + 1} + b{s} = {terms}"
            + (f" + {par(bias)}" if bias is not None else "")
            + f" = {z:.6g}",
            "a": f"a{s} = {f}(z{s}) = {f}({z:.6g}) = {a:.6g}"
            + (  # the output compared with the standardized target, and what it predicts
                f" (standardized; in the target's units {a:.6g} · {data.target_scale[unit]:.6g}"
                f" + {data.target_mean[unit]:.6g} = "
                f"{a * data.target_scale[unit] + data.target_mean[unit]:.6g})"
                if layer == L and data.target_scale is not None and data.target_mean is not None
                else ""
            ),
            "fprime": f"{f}'(z{s}) = {f}'({z:.6g}) = {fp:.6g}",
        }
        if layer == L:
            if tr.fused:
                formulas["delta"] = (
                    f"δ{s} = dC/dz{s} (loss {cfg.loss} fused with {f}: (a − y)/n) = {d:.6g}"
                )
            else:
                g = float(np.asarray(tr.dC_da)[0, unit])
                formulas["delta"] = f"δ{s} = dC/da{s} · {f}'(z{s}) = {g:.6g} · {fp:.6g} = {d:.6g}"
        else:
            nxt = tr.layer(layer + 1)
            with np.errstate(all="ignore"):  # an overflowed network's: shown as it is
                back = float(nxt.delta[0] @ nxt.W[unit])
            formulas["delta"] = (
                f"δ{s} = (Σ_j δ^({layer + 1})_j W^({layer + 1})_{unit + 1}j) · {f}'(z{s}) = "
                f"{back:.6g} · {fp:.6g} = {d:.6g}"
            )
        formulas["dW"] = f"dC/dW{s}_k{unit + 1} = a^({layer - 1})_k · δ{s}" + "".join(
            f"\n  k={k + 1}: {par(c['a_prev'])} · {par(d)} = {c['dW']:.4g}"
            for k, c in enumerate(incoming)
        )
        return spelled(
            {
                "type": "inside",
                "layer": layer,
                "unit": unit,
                "sample": sample,
                "x": [float(v) for v in data.X_train[sample]],
                # the target in its own units (as x is), and as the network compares its
                # output with it (standardized; None when it is used as it is)
                "y": [float(v) for v in data.targets[0][sample]],
                "y_scaled": None
                if data.target_mean is None
                else [float(v) for v in data.y_train[sample]],
                "activation": f,
                "z": z,
                "a": a,
                "fprime": fp,
                "delta": d,
                "bias": bias,
                "incoming": incoming,
                "formulas": formulas,
                "cost": float(tr.cost),
            }
        )


ORIGINAL_CHUNK = 25  # epochs of the paper's rules between two looks at the clock


def _paper_params(params: list[dict[str, np.ndarray]], member: int | None) -> dict[str, Any]:
    """A 3-2-1 network's parameters (one bias per layer) in the paper's names ``S0``, ``S1``,
    ``b0``, ``b1`` (of population member ``member``)."""
    at = (lambda a: a) if member is None else (lambda a: a[member])
    return {
        "S0": at(params[0]["W"]),
        "S1": at(params[1]["W"]),
        "b0": float(at(params[0]["b"]).ravel()[0]),
        "b1": float(at(params[1]["b"]).ravel()[0]),
    }


def _set_paper_params(
    params: list[dict[str, np.ndarray]], member: int | None, new: dict[str, Any]
) -> None:
    """Write the paper's ``S0``, ``S1``, ``b0``, ``b1`` back into the network's arrays."""
    index: Any = ... if member is None else member
    params[0]["W"][index] = new["S0"]
    params[1]["W"][index] = new["S1"]
    params[0]["b"][index] = new["b0"]
    params[1]["b"][index] = new["b1"]


def check_rules(config: Config, data: Data, field: str = "rules") -> None:
    """Refuse the paper's original rules for a setup they cannot run: they are the paper's
    3-2-1 training code, for one hidden layer with one bias per layer, sigmoid (sigmoid
    output) or tanh (tanh01 output), a squared-error loss, plain full-batch steps and no
    penalty, on one output."""
    if config.rules != "original":
        return
    want = {"sigmoid": "sigmoid", "tanh": "tanh01"}
    problems = []
    if len(config.layers) != 1:
        problems.append(f"one hidden layer (got {len(config.layers)})")
    elif config.act[0] not in want or config.out != want[config.act[0]]:
        problems.append(
            f"sigmoid with a sigmoid output or tanh with a tanh01 output (got "
            f"{config.act[0]} with {config.out})"
        )
    if config.bias != "layer":
        problems.append(f"one bias per layer (got bias {config.bias})")
    if config.loss not in ("sse", "mse"):
        problems.append(f"a squared-error loss, sse or mse (got {config.loss})")
    if data.y_train.shape[1] != 1:
        problems.append(f"one output (got {data.y_train.shape[1]})")
    if config.opt != "gd" or 0 < config.batch < len(data.X_train) or config.l1 or config.l2:
        problems.append("plain full-batch steps: optimizer gd, batch 0, no L1 or L2")
    if problems:
        raise ProtocolError(
            "rules: the paper's original rules run only its own kind of network: "
            + "; ".join(problems),
            field,
        )


def spelled(value: Any) -> Any:
    """``value`` (a message's dicts, lists and numbers) with every float that is not finite
    written as JavaScript spells it, ``"Infinity"``, ``"-Infinity"`` or ``"NaN"``: JSON has
    no such numbers (the server's encoder refused the whole message, so the glass box of an
    overflowed network answered with a server error), and the page's ``+v`` reads them back
    as the numbers they are, shown in words, not as a blank."""
    if isinstance(value, dict):
        return {k: spelled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [spelled(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    return value


def jsonable(value: Any) -> Any:
    """A frame of :meth:`Session.frame_arrays` as JSON-ready data: ``uint8`` images as base64,
    float arrays as (lists of) numbers with 4 significant digits."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype == np.uint8:
            return _b64(value)
        return _matrix(value) if value.ndim == 2 else _round(value)
    return value


def _plane(net: Any, data: Data, res: int) -> list[np.ndarray]:
    """Every layer's activations over the plane, as ``(res, res, n_l)`` images (row 0 the
    top): the grid's points go through the data's transform (scaling and input features)
    and then the network's own forward pass."""
    fwd = net.forward(data.plane(res))
    return [a.reshape(res, res, -1) for a in fwd.a[1:]]


N_BOOT = 2000  # bootstrap resamples of a median's interval: glassnet paper's default


def _race_text(entries: list[dict[str, Any]], threshold: float, epoch: int) -> str:
    """The race in words: when each run went below the threshold, who is ahead, by how
    much."""
    below = f"below {threshold:g}"
    if len(entries) == 1:
        e = entries[0]
        if e["reached"] is not None:
            return f"Loss per case {below} at epoch {e['reached']}."
        return f"Loss per case not {below} yet (epoch {epoch})."
    a, b = entries
    ra, rb = a["reached"], b["reached"]
    if ra is not None and rb is not None:
        if ra == rb:
            return f"A and B went {below} at the same epoch, {ra}: a tie."
        first, second = (a, b) if ra < rb else (b, a)
        return (
            f"{first['name']} went {below} at epoch {first['reached']}, {second['name']} at "
            f"epoch {second['reached']}: {first['name']} is ahead by "
            f"{abs(ra - rb)} epochs."
        )
    if ra is not None or rb is not None:
        first, second = (a, b) if ra is not None else (b, a)
        return (
            f"{first['name']} went {below} at epoch {first['reached']}; {second['name']} not yet "
            f"(epoch {epoch}): {first['name']} is ahead by at least "
            f"{epoch - first['reached'] + 1} epochs."
        )
    la, lb = a["loss"], b["loss"]
    if la is None or lb is None or la == lb or min(la, lb) <= 0:
        return f"Neither is {below} yet (epoch {epoch})."
    lead, trail = (a, b) if la < lb else (b, a)
    return (
        f"Neither is {below} yet (epoch {epoch}); {lead['name']}'s loss per case is lower: "
        f"{lead['loss']:.3g} against {trail['loss']:.3g}, "
        f"{trail['loss'] / lead['loss']:.3g} times lower."
    )


def _test_text(test: Any) -> str:
    """A Mann-Whitney test of A's epochs against B's, in words."""
    if not math.isfinite(test.p_value):
        return "no test possible"
    return f"Mann-Whitney {test}; P(A converges first) = {test.effect:.2f}"


def _finite_or_none(v: Any) -> float | None:
    return float(f"{float(v):.5g}") if _finite(v) else None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"
