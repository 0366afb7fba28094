r"""Training: the loop, its record (:class:`History`) and callbacks.

An epoch runs :func:`step` (forward, cost, backward, update, apply: the paper's update rule in
the notation of :mod:`glassnet.network`) on each mini-batch, or once on the whole set when
``batch_size`` is ``None``. :func:`fit` resolves its arguments once into a :class:`Plan`, which
a backend consumes: the NumPy loop (:func:`run_numpy`) or the compiled program
(:mod:`glassnet.compiled`), both calling the same :func:`step`.

The training loss of an epoch is the cost of that epoch's forward pass, before its step, as the
paper records it (with mini-batches, the sample-weighted mean of the batch costs; for ``sse``
their sum). A population trains all members in lockstep through the same code; a member that
diverges (:func:`diverging`) is frozen and marked while the others go on.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import os
import string
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from glassnet import _modelformat, convergence
from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._files import unwritable
from glassnet._random import generator
from glassnet._validation import (
    Instance,
    Options,
    check,
    check_callbacks,
    check_keywords,
    describe,
    known_keywords,
    mean_one,
    positive_float,
    positive_int,
    sample_weights,
)
from glassnet._xp import NUMPY, namespace
from glassnet.metrics import fraction_right, is_classification
from glassnet.run import (
    BACKEND_NAMES,
    DIVERGENCE_RULES,
    LAYER_STATS,
    History,
    TrainConfig,
    TrainState,
    as_state,
    copy_tree,
    snapshot,
)
from glassnet.run import check_keywords as check_config_keywords

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray

__all__ = [
    "BACKEND_NAMES",
    "DIVERGENCE_RULES",
    "LAYER_STATS",
    "Callback",
    "Checkpoint",
    "DivergenceWarning",
    "EarlyStopping",
    "History",
    "LiveRun",
    "StopOnConvergence",
    "TrainConfig",
    "TrainState",
    "fit",
    "layer_stats",
]


#: What :class:`EarlyStopping` can watch.
MONITORED = ("loss", "val_loss")


class DivergenceWarning(RuntimeWarning):
    """Training of a single network stopped because its loss became NaN or infinite."""


class Callback:
    """Base class: override what you need. ``on_epoch_end`` returning True stops training."""

    def on_train_begin(self, net: Network, history: History) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, history: History, net: Network) -> bool | None:
        """Called after every epoch; ``history`` holds epochs ``0..epoch``."""
        return None

    def on_train_end(self, net: Network, history: History) -> None:
        """Called once after the last epoch."""


@known_keywords
class EarlyStopping(Callback):
    """Stop when the monitored loss has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best`` the parameters of the best epoch are put back at the end. For a
    population, training stops when no member has improved (each member's best is restored).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        self.monitor = check(monitor, "monitor", Options(MONITORED))
        self.patience = positive_int(patience, "patience")
        self.min_delta = positive_float(min_delta, "min_delta", allow_zero=True)
        self.restore_best = restore_best

    def on_train_begin(self, net: Network, history: History) -> None:
        if self.monitor == "val_loss" and history.val_loss is None:
            raise ValueError("monitor: 'val_loss' needs validation data (validation=(X, y))")
        self.best = np.full(() if net.population is None else (net.population,), np.inf)
        self.best_epoch = np.zeros_like(self.best, dtype=np.int64)
        self.wait = 0
        self.best_params: list[dict[str, Array]] | None = None
        # The monitored loss of epoch e is measured before e's step, i.e. with the parameters
        # in place now; keep a copy of those in case they turn out best.
        self._start = [{k: v.copy() for k, v in layer.items()} for layer in net.params]

    def on_epoch_end(self, epoch: int, history: History, net: Network) -> bool:
        curve = history.loss if self.monitor == "loss" else history.val_loss
        assert curve is not None
        value = curve[..., epoch]
        better = np.isfinite(value) & (value < self.best - self.min_delta)
        # the parameters the value is of: those before the epoch's step (gradient training),
        # or those in place now (evolution's population just evaluated: History.scores_current)
        scored = net.params if getattr(history, "scores_current", False) else self._start
        if self.restore_best and better.any():
            if self.best_params is None:
                self.best_params = [{k: v.copy() for k, v in layer.items()} for layer in scored]
            for best, start in zip(self.best_params, scored, strict=True):
                for k in best:
                    if net.population is None:
                        best[k][...] = start[k]
                    else:
                        best[k][better] = start[k][better]
        self.best = np.where(better, value, self.best)
        self.best_epoch = np.where(better, epoch, self.best_epoch)
        self.wait = 0 if better.any() else self.wait + 1
        self._start = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
        return self.wait >= self.patience

    def on_train_end(self, net: Network, history: History) -> None:
        if self.restore_best and self.best_params is not None:
            for layer, best in zip(net.params, self.best_params, strict=True):
                for k in layer:
                    layer[k][...] = best[k]
            history.messages.append(
                f"early stopping restored the parameters of epoch(s) {self.best_epoch.tolist()}"
            )


class StopOnConvergence(Callback):
    """Stop once the loss is below ``threshold`` (every member, for a population).

    With ``paper=True`` the paper's definition is used instead (see
    :func:`glassnet.convergence.paper_epoch`, whose keyword arguments are accepted).
    """

    def __init__(self, threshold: float = 0.01, paper: bool = False, **paper_kwargs: Any) -> None:
        # the paper's options are paper_epoch's: a misspelt one is refused now, not at the
        # first epoch's end
        options = [p for p in inspect.signature(convergence.paper_epoch).parameters][1:]
        check_keywords("StopOnConvergence", paper_kwargs, ["threshold", "paper", *options])
        self.threshold = positive_float(threshold, "threshold")
        self.paper = paper
        self.paper_kwargs = paper_kwargs

    def on_epoch_end(self, epoch: int, history: History, net: Network) -> bool:
        curve = history.loss[..., : epoch + 1]
        if self.paper:
            hit = convergence.paper_epoch(curve, **self.paper_kwargs)
        else:
            hit = convergence.threshold_epoch(curve, self.threshold)
        alive = ~np.asarray(history.diverged)
        return bool(np.all((np.asarray(hit) >= 0) | ~alive))


@known_keywords
@dataclass(eq=False)
class LiveRun:
    """A fit in progress, as its callbacks see it: ``history.live`` while ``fit`` runs.

    The backends bring it up to date before each round of callbacks (after every epoch, or
    every chunk of ``chunk_epochs`` on the compiled backend), so :meth:`state` is the run as
    it stands then: what ``fit`` would have returned had it stopped there.

    Attributes
    ----------
    net : Network
    config : TrainConfig
        The fit's configuration.
    resumed : TrainState or None
        The state this fit continues (``fit(..., resume=...)``).
    schedule_epochs : int
        The horizon of the run's schedule.
    history : History
        This fit's record (its curves are cut to the epochs run by :meth:`state`).
    epochs_run : int
        Epochs of this fit that have ended.
    opt_state, rngs
        The optimizer's state and the sample-order generators after them.
    records : callable or None
        The layer statistics so far, as History keeps them.
    """

    net: Network
    config: TrainConfig
    resumed: TrainState | None
    schedule_epochs: int
    history: History
    epochs_run: int = 0
    opt_state: Any = None
    rngs: Any = None
    records: Callable[[], tuple[Array, dict[str, Array]]] | None = None

    def state(self) -> TrainState:
        """The run's :class:`~glassnet.run.TrainState` after the last epoch that ended: a copy
        (parameters, optimizer state, generator states, record), so training goes on
        untouched. ``fit(..., resume=state)`` continues it as the fit would have."""
        h, n = self.history, self.epochs_run

        def cut(a: Array | None) -> Array | None:
            return None if a is None else np.array(a[..., :n])

        stats_epochs, layer_stats = (
            self.records() if self.records is not None else (np.zeros(0, np.int64), {})
        )
        now = dataclasses.replace(
            h,
            loss=np.array(h.loss[..., :n]),
            val_loss=cut(h.val_loss),
            val_accuracy=cut(h.val_accuracy),
            stats_epochs=np.array(stats_epochs),
            layer_stats={k: np.array(v) for k, v in layer_stats.items()},
            diverged=np.array(h.diverged) if h.population is not None else bool(h.diverged),
            diverged_epoch=np.array(h.diverged_epoch)
            if h.population is not None
            else int(h.diverged_epoch),
            epochs_run=n,
            messages=list(h.messages),
            optimizer_state=self.opt_state,
            # copies: the run's own generators go on drawing after this state is taken
            shuffle_generators=None if self.rngs is None else [copy.deepcopy(g) for g in self.rngs],
            state=None,
            live=None,
        )
        return snapshot(self.net, self.config, now, self.resumed, self.rngs, self.schedule_epochs)


#: The most files a :class:`Checkpoint` whose path holds ``{epoch}`` writes in one fit.
MAX_CHECKPOINT_FILES = 10_000


@known_keywords
class Checkpoint(Callback):
    r"""Save the whole run to a model file while it trains, as Keras's ``ModelCheckpoint``.

    For :func:`fit` (gradient training); :func:`~glassnet.evolution.fit_evolution` refuses it
    before its first generation: a search has no run to save and continue.

    Each save is a model file (:func:`glassnet.modelfile.save`) holding the network and its
    run as it stood after that epoch: configuration, optimizer state, sample-order generators
    and record. ``gn.load(path)`` gives it back, and
    ``net.fit(X, y, resume=net.train_state, epochs=m)`` continues it exactly as the fit that
    saved it went on (bit for bit on the NumPy backend).

    Parameters
    ----------
    path : str or path-like
        Where to save. It may hold ``{epoch}`` (with a format, ``{epoch:05d}``): the run's
        epoch count at the save, counted over the whole run when the fit continues an
        earlier one. Without it each save replaces the file, atomically (a crash while
        writing leaves the previous checkpoint whole). Its folder must exist.
    every : int, default 1
        Save when the run's epoch count reaches a multiple of ``every``, and after the fit's
        last epoch. The compiled backend runs callbacks after each chunk of ``chunk_epochs``
        epochs (one by default when there are callbacks): there a save comes at the end of the
        chunk that reaches the multiple, and its file is named by the epoch it holds.
    monitor : {None, "loss", "val_loss"}, default None
        With a name: save only when that loss is the lowest so far by more than ``min_delta``
        (Keras's ``save_best_only``), at the epochs ``every`` allows. One network only: a
        population's members improve at different epochs.
    min_delta : float, default 0
    extra : dict, optional
        JSON data kept in each file (``gn.modelfile.read_metadata(path)["extra"]``).

    Attributes
    ----------
    saved : list of pathlib.Path
        The files written, in order (a path without ``{epoch}`` appears once per save).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        every: int = 1,
        monitor: str | None = None,
        min_delta: float = 0.0,
        extra: dict[str, Any] | None = None,
    ) -> None:
        check(path, "path", Instance(str), Instance(os.PathLike))
        self.path = os.fspath(path)
        if isinstance(self.path, bytes):
            raise TypeError(f"path: expected a str or os.PathLike of str, got {describe(path)}")
        fields_ = [f for _, f, _, _ in string.Formatter().parse(self.path) if f is not None]
        self._fields = set(fields_)
        if any(f != "epoch" for f in fields_):
            raise ValueError(
                f"path: expected a path whose only field is {{epoch}}, got {self.path!r}"
            )
        try:
            self.path.format(epoch=0)
        except (ValueError, IndexError) as err:
            raise ValueError(f"path: cannot fill in {{epoch}} of {self.path!r}: {err}") from None
        self.every = positive_int(every, "every")
        self.monitor = None if monitor is None else check(monitor, "monitor", Options(MONITORED))
        self.min_delta = positive_float(min_delta, "min_delta", allow_zero=True)
        check(extra, "extra", Instance(dict), Instance(type(None)))
        self.extra = extra
        self.saved: list[Path] = []
        self.best = math.inf
        self.block = 0  # the multiples of `every` the run has reached

    @known_keywords
    def check_files(self, planned: int, start: int = 0) -> None:
        """Refuse (ValueError naming ``every``) a fit of ``planned`` epochs, continuing a run
        at epoch ``start``, that would write more than :data:`MAX_CHECKPOINT_FILES` files:
        10**7 epochs at ``every=1`` wrote 10**7 files. A path without ``{epoch}`` writes one."""
        files = (start + planned) // self.every - start // self.every + 1
        if "epoch" in self._fields and files > MAX_CHECKPOINT_FILES:
            most = -(-planned // (MAX_CHECKPOINT_FILES - 1))
            raise ValueError(
                f"every: {planned} epochs with a checkpoint each {self.every} write {files} "
                f"files, more than {MAX_CHECKPOINT_FILES} "
                f"(glassnet.training.MAX_CHECKPOINT_FILES); expected every >= {most}, fewer "
                "epochs, or a path without {epoch} (each save then replaces the last)"
            )

    def on_train_begin(self, net: Network, history: History) -> None:
        # refused before the first epoch: nothing computed is lost to a bad setting
        live = history.live
        if not isinstance(live, LiveRun):  # fit_evolution: a search, no run to save and resume
            raise ValueError(
                "callbacks: a Checkpoint saves a gradient run (fit's) to continue it, and this "
                "trainer has none; save the network when it returns (glassnet.modelfile.save)"
            )
        start = live.resumed.epoch if live.resumed else 0
        first = Path(self.path.format(epoch=start + 1))
        folder = first.parent
        if not folder.is_dir():
            raise ValueError(f"path: the folder {str(folder)!r} does not exist")
        _modelformat.check_target(first)
        why = unwritable(folder)
        if why is not None:
            raise PermissionError(f"path: cannot save in the folder {str(folder)!r}: {why}")
        if self.monitor is not None and net.population is not None:
            raise ValueError(
                f"monitor: a population's members improve at different epochs; save every "
                f"N epochs instead (monitor=None, every=N), got monitor={self.monitor!r} for "
                f"{net.population} members"
            )
        if self.monitor == "val_loss" and history.val_loss is None:
            raise ValueError("monitor: 'val_loss' needs validation data (validation=(X, y))")
        self.check_files(int(np.shape(history.loss)[-1]), start)
        self.best = math.inf
        self.block = start // self.every

    def on_epoch_end(self, epoch: int, history: History, net: Network) -> bool:
        live = history.live
        if not isinstance(live, LiveRun):  # called outside fit: there is no run to save
            return False
        done = (0 if live.resumed is None else live.resumed.epoch) + epoch + 1
        reached, self.block = done // self.every > self.block, max(self.block, done // self.every)
        if not reached and epoch != history.loss.shape[-1] - 1:
            return False
        if self.monitor is not None:
            curve = history.loss if self.monitor == "loss" else history.val_loss
            assert curve is not None
            value = float(curve[epoch])
            if not (math.isfinite(value) and value < self.best - self.min_delta):
                return False
            self.best = value
        state = live.state()
        if not all(np.isfinite(v).all() for layer in state.params for v in layer.values()):
            history.messages.append(
                f"Checkpoint: epoch {done} not saved, its parameters are not finite"
            )
            return False
        target = Path(self.path.format(epoch=done))
        try:
            _modelformat.write(net, target, self.extra, state.to_record())
        except OSError as err:  # a full disk, a folder gone: training goes on, and says so
            message = f"Checkpoint: epoch {done} not saved to {str(target)!r}: {err}"
            history.messages.append(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            return False
        self.saved.append(target)
        return False


def _norm(a: Array) -> Array:
    # Frobenius norm of each member's matrix: one pass of the namespace's sum of squares (an
    # einsum in NumPy, the same summation for a single network and for each member)
    xp = namespace(a)
    return xp.sqrt(xp.sum_squares(a))


@known_keywords
def layer_stats(
    net: Network,
    fwd: Any,
    grads: list,
    steps: list | None = None,
    eps: float = 1e-300,
    params: list | None = None,
    mask: Array | None = None,
) -> dict[str, Array]:
    """The per-layer statistics of one pass, each of shape ``(n_layers,)`` or ``(P, n_layers)``.

    From a forward pass ``fwd``, its gradients and the optimizer's steps: ``grad_norm``
    ``||dC/dW||``, ``weight_norm`` ``||W||`` (of ``params``, default the network's own),
    ``update_ratio`` ``||step W|| / ||W||``, ``saturated`` (fraction of unit-sample pairs with
    ``|f'(z)|`` below 1% of its maximum) and
    ``dead_relu`` (fraction of units that can die, such as ReLU's, with ``z <= 0`` for every
    sample; 0 for other activations). :func:`fit` records these in ``History.layer_stats``.
    Without ``steps``, ``update_ratio`` is NaN. ``mask``, shape ``(n_samples, 1)``, marks the
    rows that count (1) and the padding rows that do not (0): the compiled program pads its data
    (see :mod:`glassnet.compiled`).
    """
    params = net.params if params is None else params
    xp = namespace(params[0]["W"])
    out: dict[str, list[Array]] = {name: [] for name in LAYER_STATS}
    zero = None
    for l, (act, p, g) in enumerate(zip(net.activations, params, grads, strict=True)):
        w_norm = _norm(p["W"])
        if zero is None:  # one per member, of the norms' type: made once
            zero = xp.zeros_like(w_norm)
        out["grad_norm"].append(_norm(g["W"]))
        out["weight_norm"].append(w_norm)
        if steps is None:
            out["update_ratio"].append(zero + float("nan"))
        else:
            out["update_ratio"].append(_norm(steps[l]["W"]) / xp.maximum(w_norm, eps))
        z, a = fwd.z[l + 1], fwd.a[l + 1]
        d = xp.abs(act.derivative(z, a))
        saturated = d < 0.01 * act.derivative_max
        if mask is None:  # the count over the size: a boolean mean converts every element
            size = saturated.shape[-2] * saturated.shape[-1]
            out["saturated"].append(saturated.sum(axis=(-2, -1)) / size)
        else:  # the mean over the real rows
            count = mask.sum() * saturated.shape[-1]
            out["saturated"].append((saturated * mask).sum(axis=(-2, -1)) / count)
        if act.can_die:
            dead = z <= 0 if mask is None else (z <= 0) | (mask == 0)
            out["dead_relu"].append(dead.all(axis=-2).mean(axis=-1))
        else:
            out["dead_relu"].append(zero)
    # (n_layers,) or, members first, (P, n_layers); asarray of a short list is cheaper than stack
    return {name: xp.asarray(v).T for name, v in out.items()}


def validation_data(
    net: Network, validation: Any, loss: _losses.Loss
) -> tuple[Array, Array, bool] | None:
    """Check ``validation = (X_val, y_val)``; return ``(X_val, y_val, is_classification)``."""
    if validation is None:
        return None
    if not isinstance(validation, tuple | list) or len(validation) != 2:
        raise TypeError(f"validation: expected a pair (X_val, y_val), got {describe(validation)}")
    Xv = net.check_inputs(validation[0], "validation X")
    yv = net.check_targets(validation[1], loss, Xv.shape[0], "validation y")
    return Xv, yv, is_classification(yv)


def _learning_rate(lr: Any, net: Network) -> tuple[Any, Any]:
    """A configuration's ``lr`` (checked there) against the network: return (what History
    records, what the optimizer multiplies by: a number, or ``(P, 1, 1)`` per member)."""
    if lr is None:
        return None, None
    if isinstance(lr, tuple):
        if net.population is None:
            raise ValueError(
                "lr: a sequence of learning rates needs a population (seed=[...]); "
                f"got {len(lr)} rates for a single network"
            )
        if len(lr) != net.population:
            raise ValueError(
                f"lr: expected one learning rate per member ({net.population}), got {len(lr)}"
            )
        rates = np.array(lr, dtype=float)
        return rates, rates.astype(net.dtype)[:, None, None]
    return lr, lr


# --- the divergence rule ---------------------------------------------------------------------

LOSS_GROWTH = 1e4
"""A run diverges when its loss exceeds this many times ``max(1, its first epoch's loss)``."""

PARAM_LIMIT = 1e6
"""... or when a parameter exceeds ``PARAM_LIMIT * max(1, max |y|)`` in magnitude."""

MAX_HISTORY_BYTES = 2 * 2**30
"""The largest History (loss curves and layer statistics) ``fit`` allocates: ``epochs``, or
``stats_every`` when the statistics take it past, is refused beyond it, before anything runs."""


AUTO_STATS_BYTES = 4 * 2**20
"""The most memory ``stats_every="auto"`` gives the layer statistics of one fit. The statistics
are for reading a run; the user who did not ask for them should not pay for them at scale: at
10^4 members of the paper's network x 200 epochs (``backend="jax"``), their 51 records were
39 MiB written afresh on every fit and a fifth of its time; 16 MiB (20 records) still took a
tenth, 4 MiB (5 records) a twentieth, as much as one record's computing and fresh memory cost;
and at 10^6 members the default fit was refused for statistics alone. Up to about 2000
member-layers (1000 members of a two-layer network) the 51 records fit."""


def auto_stats_every(epochs: int, members: int, n_layers: int) -> int:
    """The stride of ``stats_every="auto"``: about 50 records a fit, as many as fit in
    :data:`AUTO_STATS_BYTES`.

    A record is ``len(LAYER_STATS)`` float64 numbers per layer and member; the records are on
    every ``every``-th epoch from 0 and on the last (so at most ``ceil(epochs / every) + 1``).

    Returns
    -------
    int
        ``max(ceil(epochs / 50), ceil(epochs / (R - 1)))`` where ``R`` records fit in the
        budget; 0 (none) when not even the first and the last epoch's do (``R < 2``).
    """
    record = 8 * members * n_layers * len(LAYER_STATS)
    most = AUTO_STATS_BYTES // record
    if most < 2:
        return 0
    return max(math.ceil(epochs / 50), math.ceil(epochs / (most - 1)))


def _param_max(params: list[dict[str, Array]]) -> Any:
    # the largest |parameter| of each member (NaN if any is NaN)
    xp = namespace(params[0]["W"])
    out = None
    for layer in params:
        for p in layer.values():
            m = xp.abs(p).max(axis=(-2, -1))
            out = m if out is None else xp.maximum(out, m)
    return out


def diverging(loss: Any, first_loss: Any, params: list, plan: Plan, check_params: Any) -> Any:
    r"""The divergence rule: which runs diverge at this epoch (a bool, or one per member).

    A run diverges when (1) its loss is not finite, or (2) its loss exceeds
    :data:`LOSS_GROWTH` (``10^4``) times the larger of 1 and the loss of its first epoch
    (runaway loss; the floor of 1 keeps a run that starts near 0 from tripping it), or (3) a
    parameter is not finite or exceeds :data:`PARAM_LIMIT` times ``max(1, max |y|)`` in
    magnitude (``10^6`` for targets in [-1, 1]: runaway weights, even while a saturated output
    keeps the loss finite). Rules 1 and 2 are checked every epoch; rule 3 every
    ``plan.check_every`` epochs (and at the last), where ``check_params`` is true.
    ``fit(..., divergence="nonfinite")`` keeps only the non-finite parts of the rules (a loss
    or a parameter that is NaN or infinite), as PyTorch users commonly see divergence;
    ``divergence="none"`` has no rule at all (nothing diverges; :func:`step` then takes every
    step, whatever the loss, as a plain loop and scikit-learn's MLP do).
    """
    if plan.takes_every_step:
        return False if isinstance(loss, float) else namespace(loss).zeros_like(loss, bool)
    if isinstance(loss, float):  # a single network in the NumPy loop: plain floats are faster
        bad = not math.isfinite(loss) or loss > plan.loss_growth * max(first_loss, 1.0)
    else:
        xp = namespace(loss)
        bad = ~xp.isfinite(loss) | (loss > plan.loss_growth * xp.maximum(first_loss, 1.0))
    if check_params is False:  # the parameters' pass is skipped, not just masked
        return bad
    return bad | (runaway(params, plan.param_limit) & check_params)


def runaway(params: list, limit: Any) -> Any:
    """Rule 3 of :func:`diverging`: a parameter is not finite or exceeds ``limit``."""
    pmax = _param_max(params)
    return ~namespace(pmax).isfinite(pmax) | (pmax > limit)


# --- the plan: fit's arguments, resolved once --------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A :class:`~glassnet.run.TrainConfig` resolved against a network and its data.

    Both the NumPy loop (:func:`run_numpy`) and the compiled program
    (:func:`glassnet.compiled.run`) consume it; neither looks at ``fit``'s raw arguments.
    """

    config: TrainConfig
    loss: _losses.Loss
    X: Array  # (n_samples, n_in), the network's dtype
    y: Array  # (n_samples, n_out)
    weight: Array | None  # (n_samples, 1), mean 1
    epochs: int
    batch: int  # samples per batch (n_samples for full batch)
    shuffle: bool
    optimizer: _optimizers.Optimizer
    optimizer_name: str
    optimizer_options: dict[str, Any]
    lr: Any  # as recorded in History (None for a ready Optimizer)
    eta: Any  # what the optimizer multiplies by: a number or (P, 1, 1)
    schedule: Any  # the schedule as given (name, callable or None)
    schedule_fn: Any  # factor of the update count, or None
    schedule_epochs: int  # the epochs a named schedule is laid out over
    l1: float
    l2: float
    stats_every: int  # 0: off
    validation: tuple[Array, Array, bool] | None
    shuffle_seeds: tuple[int, ...]
    param_limit: float
    loss_growth: float
    check_every: int
    backend: str
    chunk_epochs: int | None
    n: int  # samples
    full_batch: bool  # batch >= n
    steps_per_epoch: int
    # divergence="none": no rule, and a step from a loss that is not finite is taken too
    takes_every_step: bool = False
    # l1 or l2 is not 0 (the compiled program keeps a penalty that is 0 the number 0)
    has_penalty: bool = False

    def records_stats(self, epoch: int) -> bool:
        """Whether the layer statistics are recorded at ``epoch``."""
        return bool(self.stats_every) and (
            epoch % self.stats_every == 0 or epoch == self.epochs - 1
        )

    def checks_params(self, epoch: Any) -> Any:
        """Whether the divergence rule looks at the parameters at ``epoch`` (an int, or a
        traced epoch inside the compiled program: hence ``|``, not ``or``)."""
        return (epoch % self.check_every == 0) | (epoch == self.epochs - 1)

    def settings(self) -> dict[str, Any]:
        return {
            "trainer": "gd",
            "loss": self.loss.name,
            "optimizer": self.optimizer_name,
            "epochs": self.epochs,
            "batch_size": None if self.full_batch else self.batch,
            "l1": self.l1,
            "l2": self.l2,
            "schedule": self.schedule if isinstance(self.schedule, str | None) else "custom",
            "backend": self.backend,
        }


def plan(
    net: Network,
    X: Any,
    y: Any,
    config: TrainConfig | None = None,
    *,
    validation: tuple[Any, Any] | None = None,
    sample_weight: Any = None,
    schedule_epochs: int | None = None,
) -> Plan:
    """Resolve ``config`` against ``net`` and the data into a :class:`Plan` (see :func:`fit`).

    The configuration checked itself when it was made; here come the checks that need the
    network and the data: the loss against the output activation, the inputs and targets, one
    learning rate and one shuffle seed per member, and the memory of the record.
    """
    cfg = check(TrainConfig() if config is None else config, "config", Instance(TrainConfig))
    check(cfg.backend, "backend", Options(BACKENDS))  # registered: the compiled one on import
    loss = net.check_loss(cfg.loss)  # the loss, checked against the output
    net.check_params()  # NaN or inf written straight into params is refused, not trained
    # a batch of every row when there is no batch_size: the error then asks for one
    Xa = net.check_inputs(X, batch_size=cfg.batch_size or sys.maxsize)
    ya = net.check_targets(y, loss, Xa.shape[0])
    n = Xa.shape[0]
    epochs = cfg.epochs
    members = net.population or 1
    n_val = 1 if validation is None else 3
    history_bytes = 8 * members * epochs * n_val
    if history_bytes > MAX_HISTORY_BYTES:
        raise ValueError(
            f"epochs: {epochs} epochs x {members} member(s) would need "
            f"{history_bytes / 2**30:.1f} GiB for the loss curves alone; "
            f"expected at most {MAX_HISTORY_BYTES / 2**30:.0f} GiB (train in several resumed "
            "fits, fit(..., resume=history), to go further)"
        )
    n_layers = len(net.activations)
    if cfg.stats_every == "auto":
        every = auto_stats_every(epochs, members, n_layers)
    else:
        every = int(cfg.stats_every or 0)
    batch = n if cfg.batch_size is None else min(cfg.batch_size, n)
    steps_per_epoch = math.ceil(n / batch)

    weight = None
    if sample_weight is not None:
        # in float64, then the network's dtype: float32 cannot hold weights past 3.4e38
        weight = mean_one(sample_weights(sample_weight, n)).astype(net.dtype)[:, None]

    val = validation_data(net, validation, loss)

    recorded_lr, eta = _learning_rate(cfg.lr, net)
    horizon = epochs if schedule_epochs is None else schedule_epochs
    sched = _optimizers.schedule(cfg.schedule, epochs=horizon, steps_per_epoch=steps_per_epoch)
    if isinstance(cfg.optimizer, _optimizers.Optimizer):
        opt = cfg.optimizer
    else:
        opt = _optimizers.get(cfg.optimizer, eta, schedule=sched, **cfg.optimizer_options)
        if recorded_lr is None:
            recorded_lr = eta = _optimizers.DEFAULT_LR[opt.name]

    seed = cfg.seed
    if seed is None:
        shuffle_seeds = list(net.seeds)
    elif isinstance(seed, tuple):
        if len(seed) != len(net.seeds):
            raise ValueError(f"seed: expected {len(net.seeds)} shuffle seeds, got {len(seed)}")
        shuffle_seeds = list(seed)
    else:
        shuffle_seeds = [seed] * len(net.seeds)

    y_scale = float(np.abs(ya).max()) if ya.size else 0.0
    runaway = cfg.divergence == "runaway"
    out = Plan(
        config=cfg,
        loss=loss,
        X=Xa,
        y=ya,
        weight=weight,
        epochs=epochs,
        batch=batch,
        shuffle=cfg.shuffle,
        optimizer=opt,
        optimizer_name=opt.name,
        optimizer_options=dict(cfg.optimizer_options),
        lr=recorded_lr,
        eta=eta,
        schedule=cfg.schedule,
        schedule_fn=sched,
        schedule_epochs=horizon,
        l1=cfg.l1,
        l2=cfg.l2,
        stats_every=every,
        validation=val,
        shuffle_seeds=tuple(shuffle_seeds),
        param_limit=PARAM_LIMIT * max(1.0, y_scale) if runaway else math.inf,
        loss_growth=LOSS_GROWTH if runaway else math.inf,
        check_every=max(1, math.ceil(epochs / 100)),
        backend=cfg.backend,
        chunk_epochs=cfg.chunk_epochs,
        n=n,
        full_batch=batch >= n,
        steps_per_epoch=steps_per_epoch,
        takes_every_step=cfg.divergence == "none",
        has_penalty=cfg.l1 != 0 or cfg.l2 != 0,
    )
    _check_stats_bytes(out, members, n_layers, history_bytes)
    return out


def _check_stats_bytes(p: Plan, members: int, n_layers: int, curves: int) -> None:
    """The layer statistics count in :data:`MAX_HISTORY_BYTES` with the loss curves
    (``curves`` bytes): refused before anything runs, naming ``stats_every``. Each record is
    ``len(LAYER_STATS)`` numbers per layer and member, on the epochs :meth:`Plan.records_stats`
    keeps (every ``stats_every``-th and the last)."""
    every = p.stats_every
    if not every:
        return
    records = len(range(0, p.epochs, every)) + int((p.epochs - 1) % every != 0)
    need = 8 * members * records * n_layers * len(LAYER_STATS)
    if curves + need > MAX_HISTORY_BYTES:
        raise ValueError(
            f"stats_every: layer statistics every {every} epoch(s) for {p.epochs} epochs x "
            f"{members} member(s) x {n_layers} layer(s) would need {need / 2**30:.1f} GiB, "
            f"{(curves + need) / 2**30:.1f} GiB with the loss curves; expected at most "
            f"{MAX_HISTORY_BYTES / 2**30:.0f} GiB (a larger stats_every, or None to record "
            "none)"
        )


# --- one step, one epoch's bookkeeping: shared by the NumPy loop and the compiled program ------


class Step(NamedTuple):
    """What one training step computed."""

    params: list[dict[str, Array]]
    state: Any
    cost: Any
    fwd: Any
    grads: list[dict[str, Array]]
    steps: list[dict[str, Array]]


def _sq(W: Array) -> Array:
    return (W * W).sum(axis=(-2, -1))


def step(
    net: Network,
    plan: Plan,
    params: list[dict[str, Array]],
    state: Any,
    Xb: Array,
    yb: Array,
    wb: Array | None,
    frozen: Array | None,
    optimizer: _optimizers.Optimizer | None = None,
) -> Step:
    r"""One step of training, the paper's update rule on a batch.

    ::

        forward:   z^(l) = a^(l-1) W^(l) + b^(l),  a^(l) = f(z^(l))
        cost:      C = loss(a^(L), y)  (+ l1 sum |W|  + l2/2 sum ||W||^2)
        backward:  delta^(l), dC/dW^(l) = a^(l-1)^T delta^(l)  (+ l1 sign(W) + l2 W)
        update:    steps = optimizer(dC/dW)          (-eta dC/dW for gradient descent)
        apply:     W <- W + step                     (frozen members: step 0)

    A step whose cost is not finite is not taken and leaves the optimizer's state as it was
    (optax's ``apply_if_finite``), member by member: the parameters stay the last finite ones,
    and the divergence rule then stops the run (or freezes the member); with
    ``divergence="none"`` every step is taken (NaN spreads, as in a plain loop).

    ``params`` are updated in place for NumPy arrays and returned new for JAX arrays.
    """
    fwd = net.apply(params, Xb)
    cost = net.cost(fwd, yb, plan.loss, wb)
    grads, _ = net.backprop(params, fwd, yb, plan.loss, wb)
    if plan.has_penalty:
        if penalized(plan.l1):  # L1's subgradient, added before the optimizer as L2's is
            xp = namespace(cost)
            cost = cost + plan.l1 * sum(xp.abs(p["W"]).sum(axis=(-2, -1)) for p in params)
            grads, _ = _optimizers.add_l1_subgradient(plan.l1).update(
                grads, _optimizers.EmptyState(), params
            )
        if penalized(plan.l2):  # L2 is weight decay added to the gradient, before the optimizer
            cost = cost + 0.5 * plan.l2 * sum(_sq(p["W"]) for p in params)
            grads, _ = _optimizers.add_decayed_weights(plan.l2).update(
                grads, _optimizers.EmptyState(), params
            )
    opt = plan.optimizer if optimizer is None else optimizer
    old = state
    steps, state = opt.update(grads, state, params)
    if plan.takes_every_step:
        pass
    elif isinstance(cost, float):  # NumPy, one network: np.float64 is a float
        if not math.isfinite(cost):
            # a step from a cost that is not finite is not taken and the optimizer keeps its
            # moments (optax's apply_if_finite): the parameters stay the last finite ones
            state = _keep_where(np.asarray(False), state, old, NUMPY)
            return Step(params, state, cost, fwd, grads, _optimizers.tree_map(_zeros, params))
    else:
        xp = namespace(cost)
        ok = xp.isfinite(cost)
        if xp is not NUMPY or not ok.all():  # member by member (traced: always)
            keep = ok if ok.ndim == 0 else ok[:, None, None]
            steps = _optimizers.tree_map(lambda s: xp.where(keep, s, 0), steps)
            state = _keep_where(ok, state, old, xp)
    if frozen is not None:
        xp = namespace(frozen)
        steps = _optimizers.tree_map(lambda s: xp.where(frozen, 0, s), steps)
    if plan.backend == "numpy":  # the network's own arrays, in place
        for p, s in zip(params, steps, strict=True):
            for k in p:
                p[k] += s[k]
    else:
        params = _optimizers.tree_map(lambda p, s: p + s, params, steps)
    return Step(params, state, cost, fwd, grads, steps)


def penalized(strength: Any) -> bool:
    """Whether a penalty's strength is on: a number other than 0, or a value the compiled
    program passes as an argument (nonzero, or it would have stayed the number 0)."""
    return not isinstance(strength, int | float) or strength != 0


def _zeros(a: Array) -> Array:
    return np.zeros_like(a)


def _keep_where(ok: Any, new: Any, old: Any, xp: Any) -> Any:
    """The optimizer state ``new`` where ``ok`` (per member), ``old`` where not: a member whose
    cost was not finite keeps the moments it had. Update counts advance (a population shares
    its count, so one network's count advances too, and a member stays its single network)."""
    if isinstance(new, tuple) and hasattr(new, "_fields"):
        return type(new)(*(_keep_where(ok, n, o, xp) for n, o in zip(new, old, strict=True)))
    if isinstance(new, tuple | list):
        return type(new)(_keep_where(ok, n, o, xp) for n, o in zip(new, old, strict=True))
    if isinstance(new, dict):
        return {k: _keep_where(ok, new[k], old[k], xp) for k in new}
    if getattr(new, "ndim", 0) == 0:  # a count: it advances
        return new
    if ok.ndim == 0:
        return xp.where(ok, new, old)
    if new.shape[0] == ok.shape[0]:
        return xp.where(ok.reshape(ok.shape + (1,) * (new.ndim - 1)), new, old)
    return new


def epoch_share(plan: Plan, cost: Any, batch_rows: int) -> Any:
    """A batch's share of the epoch's loss: the cost weighted by its rows (``sse``: summed)."""
    if plan.full_batch or plan.loss.summed:
        return cost
    return cost * (batch_rows / plan.n)


def evaluate(net: Network, plan: Plan, params: list) -> tuple[Any, Any]:
    """Validation loss and accuracy (``None`` unless the targets are classes) with ``params``."""
    assert plan.validation is not None
    Xv, yv, classes = plan.validation
    fv = net.apply(params, Xv)
    value = net.cost(fv, yv, plan.loss)
    return value, (fraction_right(fv.a[-1], yv) if classes else None)


# --- fit ---------------------------------------------------------------------------------------

Runner = Callable[..., None]

BACKENDS: dict[str, Runner] = {}
"""Where training runs, by name: ``runner(net, plan, history, state, rngs, first_loss,
callbacks, warn)`` trains ``net`` in place and fills ``history``. ``"numpy"`` is
:func:`run_numpy`; :mod:`glassnet.compiled` registers ``"jax"`` when ``glassnet`` is imported
(it imports JAX only when it runs), so this module never imports the compiled backend."""


def fit(
    net: Network,
    X: Any,
    y: Any,
    config: TrainConfig | None = None,
    *,
    validation: tuple[Any, Any] | None = None,
    sample_weight: Any = None,
    callbacks: Sequence[Callback] = (),
    resume: TrainState | History | None = None,
    **settings: Any,
) -> History:
    r"""Train ``net`` in place.

    The run's settings are a :class:`~glassnet.run.TrainConfig`, given whole as ``config`` or
    as its keywords (``loss``, ``optimizer``, ``lr``, ``epochs``, ``batch_size``, ``shuffle``,
    ``seed``, ``l1``, ``l2``, ``schedule``, ``stats_every``, ``optimizer_options``,
    ``backend``, ``chunk_epochs``, ``divergence``, ``warn``: see there), or both (the keywords
    then change the config). An unknown keyword is refused with the near miss
    (``learning_rate`` -> ``lr``).

    Parameters
    ----------
    net : Network
    X : array, shape (n_samples, n_0)
    y : array, shape (n_samples, n_L)
        Integer class labels ``(n_samples,)`` are accepted for several outputs.
    config : TrainConfig, optional
    validation : (X_val, y_val), optional
        Data whose loss (and accuracy, for classes) is recorded every epoch.
    sample_weight : array, shape (n_samples,), optional
        Per-sample weights, normalized to mean 1.
    callbacks : sequence of Callback
    resume : TrainState or History, optional
        Continue a run: its optimizer state, sample-order generators, divergence reference and
        record (``net.train_state``, ``history.state``, or the History itself). ``fit(epochs=a)``
        then ``fit(epochs=b, resume=...)`` steps exactly like one ``fit(epochs=a + b)``.
        Settings not given are the resumed run's.
    **settings
        Fields of :class:`~glassnet.run.TrainConfig`.

    Returns
    -------
    History
        This fit's record; ``history.state`` (also set as ``net.train_state``) is where the run
        stands now, its ``history`` the whole run's record.

    Notes
    -----
    Divergence: see :func:`diverging`. A diverged single network stops (``stopped_by
    ="diverged"``, a :class:`DivergenceWarning`); a diverged member of a population is frozen
    (its steps are 0 from the next epoch) while the others go on. The ``"jax"`` backend
    compiles the whole run into one XLA program (:mod:`glassnet.compiled`); float64 loss
    curves agree with the NumPy loop to about 1e-12 relative.
    """
    callbacks = check_callbacks(callbacks)
    earlier = None if resume is None else as_state(resume)
    cfg = _configuration(config, earlier, settings)
    if earlier is not None:
        _check_resumable(net, earlier, cfg)
    same_schedule = earlier is not None and earlier.config.schedule == cfg.schedule
    horizon = earlier.schedule_epochs if same_schedule and earlier is not None else cfg.epochs
    p = plan(
        net,
        X,
        y,
        cfg,
        validation=validation,
        sample_weight=sample_weight,
        schedule_epochs=horizon,
    )
    # a generator per member, made only when the epochs draw sample orders (1000 of them cost
    # more than a small full-batch population's whole compiled run); a later resumed fit that
    # needs them makes them then, from the same seeds, in the same state
    draws = p.shuffle and not p.full_batch
    first_loss: Any = None
    rngs = None
    if earlier is not None:
        state = copy_tree(earlier.opt_state)  # the resumed state stays the value it was
        if earlier.config.seed == cfg.seed:  # a new seed starts a new sample order
            rngs = earlier.generators()
        first_loss = earlier.first_loss
    else:
        state = p.optimizer.init(net.params)
    if draws and rngs is None:
        rngs = [generator(s, "shuffle") for s in p.shuffle_seeds]

    P = net.population
    member_shape: tuple[int, ...] = () if P is None else (P,)
    history = History(
        loss=np.full((*member_shape, p.epochs), np.nan),
        val_loss=None if p.validation is None else np.full((*member_shape, p.epochs), np.nan),
        val_accuracy=None
        if p.validation is None or not p.validation[2]
        else np.full((*member_shape, p.epochs), np.nan),
        # members that diverged earlier in a resumed run stay frozen, as in one longer fit
        diverged=False
        if P is None
        else (np.zeros(P, bool) if earlier is None else np.array(earlier.history.diverged)),
        diverged_epoch=-1 if P is None else np.full(P, -1, dtype=np.int64),
        lr=p.lr,
        population=P,
        settings=p.settings(),
        config=cfg,
    )
    if callbacks:
        history.live = LiveRun(net, cfg, earlier, horizon, history, opt_state=state, rngs=rngs)
    for cb in callbacks:
        cb.on_train_begin(net, history)
    BACKENDS[p.backend](net, p, history, state, rngs, first_loss, callbacks, cfg.warn)
    if isinstance(history.live, LiveRun):
        # the run as it ended, not as the last round of callbacks saw it: a single network
        # that diverged took its step and stopped before those callbacks ran
        history.live.epochs_run = history.epochs_run
        history.live.opt_state = history.optimizer_state
        history.live.rngs = history.shuffle_generators
        history.live.records = lambda: (history.stats_epochs, history.layer_stats)
    for cb in callbacks:
        cb.on_train_end(net, history)
    history.live = None
    history.state = snapshot(net, cfg, history, earlier, history.shuffle_generators, horizon)
    net.train_state = history.state
    return history


def _configuration(
    config: TrainConfig | None, earlier: TrainState | None, settings: dict[str, Any]
) -> TrainConfig:
    """The fit's configuration: ``config`` (or the resumed run's, or the defaults), changed by
    the keywords given."""
    check(config, "config", Instance(TrainConfig), Instance(type(None)))
    if config is None and earlier is None:  # the keywords on the defaults: checked once
        check_config_keywords(settings, "fit")
        return TrainConfig(**settings)
    base = config if config is not None else earlier.config  # type: ignore[union-attr]
    return base.replace(**settings) if settings else base


def _check_resumable(net: Network, earlier: TrainState, cfg: TrainConfig) -> None:
    if earlier.config.optimizer_name != cfg.optimizer_name:
        raise ValueError(
            f"resume: the earlier fit used {earlier.config.optimizer_name!r}, "
            f"this one {cfg.optimizer_name!r}"
        )
    new, old = cfg.schedule, earlier.config.schedule
    if isinstance(new, str) and new not in ("constant", old) and earlier.epoch > 0:
        # a named schedule is a function of the run's update count, which goes on from the
        # earlier fits: begun here it would start part-way through (a cosine at its end, 0)
        if old is None or old == "constant":
            expected = "none (the resumed run has no schedule)"
        else:
            name = old if isinstance(old, str) else getattr(old, "__name__", "custom")
            expected = f"the resumed run's own schedule ({name!r}) or none"
        raise ValueError(
            f"schedule: expected {expected}, got {new!r}: "
            f"a named schedule counts the run's updates from its first fit, so after "
            f"{earlier.epoch} epochs it would start part-way through (another schedule needs a "
            "new run: fit without resume=, from these weights)"
        )
    shapes = [{k: v.shape for k, v in layer.items()} for layer in net.params]
    theirs = [{k: v.shape for k, v in layer.items()} for layer in earlier.params]
    if shapes != theirs or earlier.population != net.population:
        raise ValueError(
            "resume: the state is of another network (its parameters have shapes "
            f"{theirs}, this network's {shapes})"
        )


def _signature() -> inspect.Signature:
    """fit's signature with every configuration keyword spelled out (for help() and IDEs),
    taken from TrainConfig so that the keywords are written once."""
    base = inspect.signature(fit)
    keep = [p for p in base.parameters.values() if p.kind is not p.VAR_KEYWORD]
    config_keywords = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=f.default if f.default_factory is MISSING else f.default_factory(),
            annotation=f.type,
        )
        for f in fields(TrainConfig)
    ]
    return base.replace(parameters=[*keep, *config_keywords])


fit.__signature__ = _signature()  # type: ignore[attr-defined]


def divergence_message(history: History, epoch: int, loss: Any, plan: Plan) -> str:
    """The plain-language note for a single network that diverged at ``epoch``."""
    if not math.isfinite(loss):
        what = f"the loss became {loss}"
    elif history.first_loss is not None and loss > plan.loss_growth * max(history.first_loss, 1.0):
        what = (
            f"the loss grew to {loss:.3g}, more than {plan.loss_growth:.0e} times "
            f"max(1, its first value {history.first_loss:.3g})"
        )
    else:
        what = (
            f"a parameter grew beyond {plan.param_limit:.3g} (runaway weights)"
            if math.isfinite(plan.param_limit)
            else "a parameter became NaN or infinite"
        )
    advice = f"try a smaller learning rate (lr={plan.lr})"
    penalties = [f"{name}={v:g}" for name, v in (("l1", plan.l1), ("l2", plan.l2)) if v]
    if penalties:  # a penalty too strong diverges as a step too long does (or its sum overflows)
        advice += f" or a smaller penalty ({', '.join(penalties)})"
    return f"training diverged at epoch {epoch}: {what}; {advice}"


def stop_diverged(history: History, epoch: int, loss: Any, plan: Plan, warn: bool) -> None:
    """Record that a single network diverged at ``epoch`` (and warn)."""
    history.diverged, history.diverged_epoch = True, epoch
    history.stopped_by = "diverged"
    msg = divergence_message(history, epoch, loss, plan)
    history.messages.append(msg)
    if warn:
        # attributed to fit's caller: stop_diverged <- run <- fit <- Network.fit <- caller
        warnings.warn(msg, DivergenceWarning, stacklevel=5)


def run_numpy(
    net: Network,
    plan: Plan,
    history: History,
    state: Any,
    rngs: list[np.random.Generator],
    first_loss: Any,
    callbacks: list[Callback],
    warn: bool,
) -> None:
    """The NumPy loop: train ``net`` in place by ``plan``, filling ``history``."""
    P = net.population
    params = net.params
    by_epoch = history.loss.T  # (epochs, [P]): one row per epoch, a view
    val_by_epoch = None if history.val_loss is None else history.val_loss.T
    acc_by_epoch = None if history.val_accuracy is None else history.val_accuracy.T
    stats: dict[str, list[Array]] = {name: [] for name in LAYER_STATS}
    stats_epochs: list[int] = []
    eps = float(np.finfo(net.dtype).tiny)
    frozen: Array | None = None  # (P, 1, 1) mask of diverged members, once any diverge
    if P is not None and history.diverged.any():  # diverged before a resume: still frozen
        frozen = history.diverged[:, None, None]
    history.first_loss = first_loss
    # Plan.records_stats and Plan.checks_params written out (a tiny network's epoch is ~30 us;
    # two method calls an epoch were a few percent of it)
    final, stats_every, check_every = plan.epochs - 1, plan.stats_every, plan.check_every
    full_batch, X, y, weight = plan.full_batch, plan.X, plan.y, plan.weight
    start = time.perf_counter()
    epoch = -1
    r: Step | None = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(plan.epochs):
            if val_by_epoch is not None:
                val_by_epoch[epoch], acc = evaluate(net, plan, params)
                if acc_by_epoch is not None:
                    acc_by_epoch[epoch] = acc
            if full_batch:  # the paper's way: one step on all the data
                r = step(net, plan, params, state, X, y, weight, frozen)
                state, total = r.state, r.cost
            else:
                total = 0.0
                for Xb, yb, wb in _batches(plan, rngs, P is not None):
                    r = step(net, plan, params, state, Xb, yb, wb, frozen)
                    state = r.state
                    total = total + epoch_share(plan, r.cost, yb.shape[-2])
            by_epoch[epoch] = total
            if history.first_loss is None:  # a copy: a custom loss may reuse its array
                history.first_loss = float(total) if P is None else np.array(total)
            assert r is not None

            if stats_every and (epoch % stats_every == 0 or epoch == final):
                for name, v in layer_stats(net, r.fwd, r.grads, r.steps, eps).items():
                    stats[name].append(v)
                stats_epochs.append(epoch)

            checks = epoch % check_every == 0 or epoch == final
            bad = diverging(total, history.first_loss, params, plan, checks)
            if P is None:
                if bad:
                    stop_diverged(history, epoch, total, plan, warn)
                    break
            else:
                bad = bad & ~history.diverged
                if bad.any():
                    history.diverged |= bad
                    history.diverged_epoch[bad] = epoch
                    frozen = history.diverged[:, None, None]
                    if history.diverged.all():
                        history.stopped_by = "diverged"
                        history.messages.append(f"every member diverged by epoch {epoch}")
                        break
            if callbacks and run_callbacks(
                callbacks, epoch, history, net, state, rngs,
                lambda: stacked_stats(stats_epochs, stats, P),
            ):  # fmt: skip
                break

    if plan.stats_every and r is not None and (not stats_epochs or stats_epochs[-1] != epoch):
        # stopped early: the last epoch run gets its record too
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            last = layer_stats(net, r.fwd, r.grads, r.steps, eps)
        for name, v in last.items():
            stats[name].append(v)
        stats_epochs.append(epoch)
    history.run_seconds = time.perf_counter() - start
    finish(history, epoch + 1, state, rngs, stats_epochs, stats, P)


BACKENDS["numpy"] = run_numpy


def run_callbacks(
    callbacks: list[Callback],
    epoch: int,
    history: History,
    net: Network,
    opt_state: Any = None,
    rngs: Any = None,
    records: Callable[[], tuple[Array, dict[str, Array]]] | None = None,
) -> bool:
    """Run every callback's ``on_epoch_end``; record and return whether one stops training.

    ``opt_state``, ``rngs`` and ``records`` (the layer statistics so far, as History keeps
    them) are where the run stands after ``epoch``: ``history.live`` is brought up to date
    with them first, so a callback can take the run's state (:meth:`LiveRun.state`).
    """
    live = history.live
    if isinstance(live, LiveRun):
        live.epochs_run, live.opt_state, live.rngs, live.records = (
            epoch + 1,
            opt_state,
            rngs,
            records,
        )
    stoppers = [type(cb).__name__ for cb in callbacks if cb.on_epoch_end(epoch, history, net)]
    if stoppers:
        history.stopped_by = stoppers[0]
        history.messages.append(f"{stoppers[0]} stopped training after epoch {epoch}")
    return bool(stoppers)


def finish(
    history: History,
    epochs_run: int,
    state: Any,
    rngs: Any,
    stats_epochs: list[int],
    stats: dict[str, list[Array]],
    P: int | None,
) -> None:
    """Cut ``history``'s curves to the epochs run and store the state a resume needs."""
    history.epochs_run = epochs_run
    history.optimizer_state = state
    history.shuffle_generators = rngs
    history.loss = history.loss[..., :epochs_run]
    if history.val_loss is not None:
        history.val_loss = history.val_loss[..., :epochs_run]
    if history.val_accuracy is not None:
        history.val_accuracy = history.val_accuracy[..., :epochs_run]
    if stats_epochs:
        history.stats_epochs, history.layer_stats = stacked_stats(stats_epochs, stats, P)


def stacked_stats(
    stats_epochs: list[int], stats: dict[str, list[Array]], P: int | None
) -> tuple[Array, dict[str, Array]]:
    """The NumPy loop's statistics records as History keeps them: the epochs, and per
    statistic ``(n_stats, n_layers)`` or ``(P, n_stats, n_layers)``."""
    if not stats_epochs:
        return np.zeros(0, dtype=np.int64), {}
    # (n_stats, [P,] n_layers) -> ([P,] n_stats, n_layers)
    return np.asarray(stats_epochs, dtype=np.int64), {
        name: np.moveaxis(np.stack(v), 0, -2) if P is not None else np.stack(v)
        for name, v in stats.items()
    }


def permutations(plan: Plan, rngs: list[np.random.Generator], population: bool) -> Array:
    """This epoch's sample order: ``(n,)``, or ``(P, n)`` with one generator per member."""
    if not plan.shuffle:
        return np.arange(plan.n)
    if population:
        return np.stack([rng.permutation(plan.n) for rng in rngs])
    return rngs[0].permutation(plan.n)


def _batches(plan: Plan, rngs: list[np.random.Generator], population: bool):
    """Yield ``(X_b, y_b, w_b)``; each member of a population shuffles with its own generator."""
    order = permutations(plan, rngs, population)
    for start in range(0, plan.n, plan.batch):
        idx = order[..., start : start + plan.batch]
        yield plan.X[idx], plan.y[idx], None if plan.weight is None else plan.weight[idx]
