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

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from glassnet import convergence
from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._random import check_seed, generator
from glassnet._validation import describe, positive_float, positive_int
from glassnet._xp import namespace
from glassnet.metrics import fraction_right, is_classification

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray

__all__ = [
    "LAYER_STATS",
    "Callback",
    "DivergenceWarning",
    "EarlyStopping",
    "History",
    "StopOnConvergence",
    "fit",
    "layer_stats",
]

LAYER_STATS = ("grad_norm", "weight_norm", "update_ratio", "saturated", "dead_relu")


class DivergenceWarning(RuntimeWarning):
    """Training of a single network stopped because its loss became NaN or infinite."""


@dataclass
class History:
    r"""What happened during :func:`fit`.

    Attributes
    ----------
    loss : array, shape (epochs,) or (P, epochs)
        Training cost of each epoch's forward pass, before its step.
    val_loss, val_accuracy : array or None
        Cost and accuracy on the validation data, with the parameters of the same epoch
        (before its step), when validation data was given (accuracy for 0/1 or one-hot targets).
    stats_epochs : array of int
        The epochs at which the per-layer statistics were recorded.
    layer_stats : dict of str to array
        Per layer, shape ``(n_stats, n_layers)`` or ``(P, n_stats, n_layers)``:
        ``grad_norm`` ``||dC/dW||``, ``weight_norm`` ``||W||``, ``update_ratio``
        ``||step W|| / ||W||``, ``saturated`` (fraction of unit-sample pairs with
        ``|f'(z)| < 1%`` of its maximum) and ``dead_relu`` (fraction of ReLU units whose ``z``
        is <= 0 for every sample; 0 for other activations). Computed on the epoch's last batch.
    diverged : bool or array of bool
    diverged_epoch : int or array of int
        The epoch whose loss was first non-finite, ``-1`` if none.
    epochs_run : int
    lr : float or array
        The learning rate (per member for a population).
    stopped_by : str or None
        Why training stopped before ``epochs`` (a callback's name or ``"diverged"``).
    messages : list of str
        Plain-language notes (divergence, early stopping).
    settings : dict
        The loss, optimizer, epochs, batch size, L2 and schedule of the fit.
    optimizer_state : NamedTuple
        The optimizer's state after the last step: ``fit(..., resume=history)`` continues from
        it (momentum, Adam's moments and step count) and from :attr:`shuffle_generators`, as if
        training had not stopped.
    first_loss : float or array
        The loss of the first epoch of the run (of the first fit, when resumed): the reference
        of the divergence rule's loss growth.
    compile_seconds, run_seconds : float
        Wall time spent compiling (``backend="jax"``; 0 when the program was cached) and
        training.
    """

    loss: Array
    val_loss: Array | None = None
    val_accuracy: Array | None = None
    stats_epochs: Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    layer_stats: dict[str, Array] = field(default_factory=dict)
    diverged: Any = False
    diverged_epoch: Any = -1
    epochs_run: int = 0
    lr: Any = None
    population: int | None = None
    stopped_by: str | None = None
    messages: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    optimizer_state: Any = field(default=None, repr=False)
    shuffle_generators: Any = field(default=None, repr=False)
    first_loss: Any = field(default=None, repr=False)
    compile_seconds: float = 0.0
    run_seconds: float = 0.0

    @property
    def final_loss(self) -> Any:
        """The last recorded training loss (per member for a population)."""
        last = self.loss[..., -1]
        return float(last) if np.ndim(last) == 0 else last

    def converged_epoch(self, threshold: float) -> Any:
        """First epoch with training loss below ``threshold`` (``-1``: never)."""
        return convergence.threshold_epoch(self.loss, threshold)

    def paper_converged_epoch(self, **kwargs: Any) -> Any:
        """The paper's definition, see :func:`glassnet.convergence.paper_epoch`."""
        return convergence.paper_epoch(self.loss, **kwargs)

    def member(self, k: int) -> History:
        """Member ``k``'s record, as a single network's History."""
        if self.population is None:
            raise ValueError("member: this History is of a single network")

        def pick(a: Any) -> Any:
            return None if a is None else a[k]

        return History(
            loss=self.loss[k],
            val_loss=pick(self.val_loss),
            val_accuracy=pick(self.val_accuracy),
            stats_epochs=self.stats_epochs,
            layer_stats={n: v[k] for n, v in self.layer_stats.items()},
            diverged=bool(self.diverged[k]),
            diverged_epoch=int(self.diverged_epoch[k]),
            epochs_run=self.epochs_run,
            lr=float(np.ravel(self.lr)[k]) if np.ndim(self.lr) else self.lr,
            stopped_by=self.stopped_by,
            messages=list(self.messages),
            settings=dict(self.settings),
            first_loss=pick(self.first_loss),
            compile_seconds=self.compile_seconds,
            run_seconds=self.run_seconds,
        )

    def to_dataframe(self) -> Any:
        """Every epoch as a row of a :class:`pandas.DataFrame`: ``loss``, ``val_loss``,
        ``val_accuracy`` and, on recorded epochs, one column per statistic and layer
        (``grad_norm_1`` is layer 1's ``||dC/dW||``; NaN on epochs without a record).
        Indexed by ``epoch``, or by ``(member, epoch)`` for a population."""
        import pandas as pd  # an optional dependency, imported only when asked for

        P = self.population
        loss = np.asarray(self.loss, dtype=float)
        n = loss.shape[-1]
        members = [None] if P is None else list(range(P))
        stats_epochs = np.asarray(self.stats_epochs, dtype=int)
        recorded = stats_epochs < n  # the records of epochs the curves keep
        frames = []
        for k in members:

            def pick(a: Any, k: int | None = k) -> np.ndarray:
                a = np.asarray(a, dtype=float)
                return a if k is None else a[k]

            cols: dict[str, Any] = {"loss": pick(loss)}
            if self.val_loss is not None:
                cols["val_loss"] = pick(self.val_loss)
            if self.val_accuracy is not None:
                cols["val_accuracy"] = pick(self.val_accuracy)
            for name, v in self.layer_stats.items():
                v = pick(v)  # (n_stats, n_layers)
                for l in range(v.shape[-1]):
                    col = np.full(n, np.nan)
                    col[stats_epochs[recorded]] = v[: len(stats_epochs)][recorded, l]
                    cols[f"{name}_{l + 1}"] = col
            frame = pd.DataFrame(cols, index=pd.RangeIndex(n, name="epoch"))
            if k is not None:
                frame.insert(0, "member", k)
            frames.append(frame)
        if P is None:
            return frames[0]
        return pd.concat(frames).reset_index().set_index(["member", "epoch"])

    # Jupyter's display hook (HTML only, so the notebook stores the figure once), importing
    # the display face only when a notebook asks
    def _repr_html_(self) -> str:
        from glassnet.display import history_html

        return history_html(self)

    def __repr__(self) -> str:
        pop = "" if self.population is None else f", population={self.population}"
        return f"History(epochs_run={self.epochs_run}{pop}, final_loss={self.final_loss!r})"

    def __str__(self) -> str:
        """``print(history)``: the table and notes of the notebook display, as plain text."""
        from glassnet.display import history_text

        return history_text(self)


class Callback:
    """Base class: override what you need. ``on_epoch_end`` returning True stops training."""

    def on_train_begin(self, net: Network, history: History) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, history: History, net: Network) -> bool | None:
        """Called after every epoch; ``history`` holds epochs ``0..epoch``."""
        return None

    def on_train_end(self, net: Network, history: History) -> None:
        """Called once after the last epoch."""


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
        if monitor not in ("loss", "val_loss"):
            raise ValueError(f"monitor: expected 'loss' or 'val_loss', got {monitor!r}")
        self.monitor = monitor
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
        if self.restore_best and better.any():
            if self.best_params is None:
                self.best_params = [
                    {k: v.copy() for k, v in layer.items()} for layer in self._start
                ]
            for best, start in zip(self.best_params, self._start, strict=True):
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


def _norm(a: Array) -> Array:
    # Frobenius norm of each member's matrix
    return namespace(a).sqrt((a * a).sum(axis=(-2, -1)))


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
    for l, (act, p, g) in enumerate(zip(net.activations, params, grads, strict=True)):
        w_norm = _norm(p["W"])
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
        if mask is None:
            out["saturated"].append(saturated.mean(axis=(-2, -1)))
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
    """Validate ``lr``; return (what History records, what the optimizer multiplies by)."""
    if lr is None:
        return None, None
    if isinstance(lr, Sequence | np.ndarray) and not isinstance(lr, str | bytes):
        if net.population is None:
            raise ValueError(
                "lr: a sequence of learning rates needs a population (seed=[...]); "
                f"got {len(lr)} rates for a single network"
            )
        try:
            rates = np.asarray(lr)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"lr: expected numbers, got {describe(lr)}") from exc
        if rates.dtype.kind not in "iuf":
            raise TypeError(f"lr: expected real numbers, got an array of dtype {rates.dtype}")
        rates = rates.astype(float)
        if rates.shape != (net.population,):
            raise ValueError(
                f"lr: expected one learning rate per member ({net.population}), got shape "
                f"{rates.shape}"
            )
        if not (np.isfinite(rates) & (rates > 0)).all():
            raise ValueError(f"lr: expected finite learning rates > 0, got {rates.tolist()}")
        return rates, rates.astype(net.dtype)[:, None, None]
    rate = positive_float(lr, "lr")
    return rate, rate


# --- the divergence rule ---------------------------------------------------------------------

LOSS_GROWTH = 1e4
"""A run diverges when its loss exceeds this many times ``max(1, its first epoch's loss)``."""

PARAM_LIMIT = 1e6
"""... or when a parameter exceeds ``PARAM_LIMIT * max(1, max |y|)`` in magnitude."""

MAX_HISTORY_BYTES = 2 * 2**30
"""The largest History (loss curves and statistics) ``fit`` allocates: ``epochs`` is refused
beyond it, before anything runs."""


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
    or a parameter that is NaN or infinite), as scikit-learn and PyTorch see divergence.
    """
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
    """Everything :func:`fit` resolved from its arguments, checked once.

    Both the NumPy loop (:func:`run_numpy`) and the compiled program
    (:func:`glassnet.compiled.run`) consume it; neither looks at ``fit``'s raw arguments.
    """

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
            "l2": self.l2,
            "schedule": self.schedule if isinstance(self.schedule, str | None) else "custom",
            "backend": self.backend,
        }


def plan(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | _losses.Loss = "mse",
    optimizer: str | _optimizers.Optimizer = "gd",
    lr: Any = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | Sequence[int] | None = None,
    validation: tuple[Any, Any] | None = None,
    l2: float = 0.0,
    schedule: Any = None,
    stats_every: int | str | None = "auto",
    sample_weight: Any = None,
    optimizer_options: dict[str, Any] | None = None,
    backend: str = "numpy",
    chunk_epochs: int | None = None,
    divergence: str = "runaway",
) -> Plan:
    """Check :func:`fit`'s arguments and resolve them into a :class:`Plan` (see :func:`fit`)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if divergence not in ("runaway", "nonfinite"):
        raise ValueError(f"divergence: expected 'runaway' or 'nonfinite', got {divergence!r}")
    loss = net.check_loss(loss)  # the loss, checked against the output (losses.check_pairing)
    net.check_params()  # NaN or inf written straight into params is refused, not trained
    Xa = net.check_inputs(X)
    ya = net.check_targets(y, loss, Xa.shape[0])
    n = Xa.shape[0]
    epochs = positive_int(epochs, "epochs")
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
    l2 = positive_float(l2, "l2", allow_zero=True)
    if not isinstance(shuffle, bool | np.bool_):
        raise TypeError(f"shuffle: expected True or False, got {describe(shuffle)}")
    if stats_every is None or (isinstance(stats_every, int) and stats_every == 0):
        every = 0
    elif stats_every == "auto":
        every = math.ceil(epochs / 50)
    else:
        every = positive_int(stats_every, "stats_every")
    batch = n if batch_size is None else min(positive_int(batch_size, "batch_size"), n)
    steps_per_epoch = math.ceil(n / batch)
    if chunk_epochs is not None:
        chunk_epochs = positive_int(chunk_epochs, "chunk_epochs")

    weight = None
    if sample_weight is not None:
        try:
            w = np.asarray(sample_weight)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"sample_weight: expected an array of {n} numbers, got {describe(sample_weight)}"
            ) from exc
        if w.dtype.kind not in "biuf":
            raise TypeError(f"sample_weight: expected real numbers, got dtype {w.dtype}")
        if w.shape != (n,):
            raise ValueError(f"sample_weight: expected shape ({n},), got {w.shape}")
        w = w.astype(net.dtype)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("sample_weight: expected finite non-negative weights, not all zero")
        weight = (w / w.mean())[:, None]

    val = validation_data(net, validation, loss)

    recorded_lr, eta = _learning_rate(lr, net)
    sched = _optimizers.schedule(schedule, epochs=epochs, steps_per_epoch=steps_per_epoch)
    options = {} if optimizer_options is None else optimizer_options
    if not isinstance(options, dict):
        raise TypeError(
            f"optimizer_options: expected a dict of option names to values, got {describe(options)}"
        )
    if isinstance(optimizer, _optimizers.Optimizer):
        if lr is not None:
            raise ValueError("lr: give the learning rate to the Optimizer object, not to fit")
        if options:
            raise ValueError("optimizer_options: give the options to the Optimizer object")
        opt = optimizer
    else:
        opt = _optimizers.get(optimizer, eta, schedule=sched, **options)
        if recorded_lr is None:
            recorded_lr = eta = _optimizers.DEFAULT_LR[opt.name]

    if seed is None:
        shuffle_seeds = list(net.seeds)
    elif isinstance(seed, Sequence | np.ndarray) and not isinstance(seed, str | bytes):
        if len(seed) != len(net.seeds):
            raise ValueError(f"seed: expected {len(net.seeds)} shuffle seeds, got {len(seed)}")
        shuffle_seeds = [check_seed(s, "seed") for s in seed]
    else:
        shuffle_seeds = [check_seed(seed)] * len(net.seeds)

    y_scale = float(np.abs(ya).max()) if ya.size else 0.0
    return Plan(
        loss=loss,
        X=Xa,
        y=ya,
        weight=weight,
        epochs=epochs,
        batch=batch,
        shuffle=bool(shuffle),
        optimizer=opt,
        optimizer_name=opt.name,
        optimizer_options=dict(options),
        lr=recorded_lr,
        eta=eta,
        schedule=schedule,
        schedule_fn=sched,
        l2=l2,
        stats_every=every,
        validation=val,
        shuffle_seeds=tuple(shuffle_seeds),
        param_limit=PARAM_LIMIT * max(1.0, y_scale) if divergence == "runaway" else math.inf,
        loss_growth=LOSS_GROWTH if divergence == "runaway" else math.inf,
        check_every=max(1, math.ceil(epochs / 100)),
        backend=backend,
        chunk_epochs=chunk_epochs,
        n=n,
        full_batch=batch >= n,
        steps_per_epoch=steps_per_epoch,
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
        cost:      C = loss(a^(L), y)  (+ l2/2 sum ||W||^2)
        backward:  delta^(l), dC/dW^(l) = a^(l-1)^T delta^(l)  (+ l2 W)
        update:    steps = optimizer(dC/dW)          (-eta dC/dW for gradient descent)
        apply:     W <- W + step                     (frozen members: step 0)

    ``params`` are updated in place for NumPy arrays and returned new for JAX arrays.
    """
    fwd = net.apply(params, Xb)
    cost = net.cost(fwd, yb, plan.loss, wb)
    grads, _ = net.backprop(params, fwd, yb, plan.loss, wb)
    if plan.l2:  # L2 is weight decay added to the gradient, before the optimizer
        cost = cost + 0.5 * plan.l2 * sum(_sq(p["W"]) for p in params)
        grads, _ = _optimizers.add_decayed_weights(plan.l2).update(
            grads, _optimizers.EmptyState(), params
        )
    opt = plan.optimizer if optimizer is None else optimizer
    steps, state = opt.update(grads, state, params)
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
    *,
    loss: str | _losses.Loss = "mse",
    optimizer: str | _optimizers.Optimizer = "gd",
    lr: Any = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | Sequence[int] | None = None,
    validation: tuple[Any, Any] | None = None,
    l2: float = 0.0,
    schedule: Any = None,
    callbacks: Sequence[Callback] = (),
    stats_every: int | str | None = "auto",
    sample_weight: Any = None,
    optimizer_options: dict[str, Any] | None = None,
    resume: History | None = None,
    warn: bool = True,
    backend: str = "numpy",
    chunk_epochs: int | None = None,
    divergence: str = "runaway",
) -> History:
    r"""Train ``net`` in place.

    Parameters
    ----------
    net : Network
    X : array, shape (n_samples, n_inputs)
    y : array, shape (n_samples, n_outputs)
        Integer class labels ``(n_samples,)`` are accepted for several outputs.
    loss : str or Loss
        See :mod:`glassnet.losses`.
    optimizer : str or Optimizer
        See :mod:`glassnet.optimizers`. A ready :class:`~glassnet.optimizers.Optimizer` carries
        its own learning rate; ``lr`` must then be ``None``.
    lr : float or sequence of float
        Learning rate ``eta``; for a population, optionally one per member. Default: the
        optimizer's (0.1 for gd/momentum/nesterov, 0.001 for rmsprop/adam/adamw).
    epochs : int
    batch_size : int or None
        ``None`` (or any size >= n_samples) trains full-batch, the paper's way. Otherwise the
        data is shuffled every epoch (when ``shuffle``) and cut into batches; the last, shorter
        batch is used, not dropped.
    shuffle : bool
    seed : int or sequence of int, optional
        Seeds of the shuffling; default: the network's own seed(s), so member ``k`` of a
        population shuffles exactly as a single network with seed ``seed[k]`` would.
    validation : (X_val, y_val), optional
    l2 : float
        L2 penalty ``lambda``: ``C + lambda/2 sum ||W||^2`` (weights, not biases).
    schedule : str or callable, optional
        ``"constant"``, ``"step"``, ``"exponential"``, ``"cosine"`` (per epoch), or a callable
        of the update count returning a factor; see :func:`glassnet.optimizers.schedule`.
    callbacks : sequence of Callback
    stats_every : int, "auto" or None
        Record the per-layer statistics every this many epochs (and at the first and at the
        last epoch run, also when training stops early);
        ``None`` or 0 turns them off. One record costs about as much as an epoch of a small
        network (30 us for the paper's); ``"auto"`` records about 50 points per run (every
        ``ceil(epochs / 50)`` epochs), so their cost stays a few percent however long the run.
    sample_weight : array, shape (n_samples,), optional
        Per-sample weights, normalized to mean 1.
    optimizer_options : dict, optional
        Extra arguments of the optimizer (``beta``, ``beta1``, ``weight_decay``, ...); unknown
        names and out-of-range values are refused.
    resume : History, optional
        The History of an earlier fit of this network with the same optimizer: training
        continues from its optimizer state and its shuffling generators, so ``fit(epochs=a)``
        then ``fit(epochs=b, resume=...)`` steps exactly like one ``fit(epochs=a + b)``
        (schedules excepted: they are laid out over each call's own epochs).
    warn : bool
        Warn (``DivergenceWarning``) when a single network diverges; with False the divergence
        is only recorded in the History (for servers running fits in threads, where changing
        the process-wide warning filters is not safe).
    backend : {"numpy", "jax"}
        ``"numpy"`` runs the NumPy loop. ``"jax"`` compiles the whole run (every epoch and
        batch, the optimizer and schedule, the loss curves, validation, layer statistics and
        the divergence rule) into one XLA program with ``jax.jit`` over ``lax.scan`` and runs
        it on JAX's default device (``pip install 'glassnet[jax]'``); see
        :mod:`glassnet.compiled`. The same math runs in both: float64 loss curves agree to
        about 1e-12 relative.
    divergence : {"runaway", "nonfinite"}
        What counts as divergence: ``"runaway"`` (default) the rule of :func:`diverging`
        (non-finite, a loss 10^4 times its start, or runaway parameters); ``"nonfinite"`` only a
        NaN or infinite loss or parameter, as scikit-learn's MLP and PyTorch see it.
    chunk_epochs : int, optional
        ``backend="jax"`` only: the epochs run by one call of the compiled program. Callbacks
        run between chunks, once per chunk, at its last epoch; default 1 when there are
        callbacks (the NumPy loop's granularity), the whole run otherwise.

    Returns
    -------
    History

    Notes
    -----
    Divergence: see :func:`diverging`. A diverged single network stops (``stopped_by
    ="diverged"``, a :class:`DivergenceWarning`); a diverged member of a population is frozen
    (its steps are 0 from the next epoch) while the others go on.
    """
    if not isinstance(callbacks, Sequence) or isinstance(callbacks, str | bytes):
        raise TypeError(
            f"callbacks: expected a list of Callback objects, got {describe(callbacks)}"
        )
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}]: expected a Callback, got {describe(cb)}")
    p = plan(
        net,
        X,
        y,
        loss=loss,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        validation=validation,
        l2=l2,
        schedule=schedule,
        stats_every=stats_every,
        sample_weight=sample_weight,
        optimizer_options=optimizer_options,
        backend=backend,
        chunk_epochs=chunk_epochs,
        divergence=divergence,
    )
    # a generator per member, made only when the epochs draw sample orders (1000 of them cost
    # more than a small full-batch population's whole compiled run); a later resumed fit that
    # needs them makes them then, from the same seeds, in the same state
    draws = p.shuffle and not p.full_batch
    rngs = [generator(s, "shuffle") for s in p.shuffle_seeds] if draws else None
    first_loss: Any = None
    if resume is not None:
        if not isinstance(resume, History) or resume.optimizer_state is None:
            raise TypeError(
                f"resume: expected the History of an earlier fit, got {describe(resume)}"
            )
        if resume.settings.get("optimizer") != p.optimizer_name:
            raise ValueError(
                f"resume: the earlier fit used {resume.settings.get('optimizer')!r}, "
                f"this one {p.optimizer_name!r}"
            )
        state = resume.optimizer_state
        if resume.shuffle_generators is not None and seed is None:
            rngs = resume.shuffle_generators
        if resume.first_loss is not None:
            first_loss = resume.first_loss
    else:
        state = p.optimizer.init(net.params)

    P = net.population
    member_shape: tuple[int, ...] = () if P is None else (P,)
    history = History(
        loss=np.full((*member_shape, p.epochs), np.nan),
        val_loss=None if p.validation is None else np.full((*member_shape, p.epochs), np.nan),
        val_accuracy=None
        if p.validation is None or not p.validation[2]
        else np.full((*member_shape, p.epochs), np.nan),
        diverged=False if P is None else np.zeros(P, dtype=bool),
        diverged_epoch=-1 if P is None else np.full(P, -1, dtype=np.int64),
        lr=p.lr,
        population=P,
        settings=p.settings(),
    )
    for cb in callbacks:
        cb.on_train_begin(net, history)
    BACKENDS[p.backend](net, p, history, state, rngs, first_loss, list(callbacks), warn)
    for cb in callbacks:
        cb.on_train_end(net, history)
    return history


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
    return f"training diverged at epoch {epoch}: {what}; try a smaller learning rate (lr={plan.lr})"


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
    history.first_loss = first_loss
    start = time.perf_counter()
    epoch = -1
    r: Step | None = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(plan.epochs):
            if val_by_epoch is not None:
                val_by_epoch[epoch], acc = evaluate(net, plan, params)
                if acc_by_epoch is not None:
                    acc_by_epoch[epoch] = acc
            if plan.full_batch:  # the paper's way: one step on all the data
                r = step(net, plan, params, state, plan.X, plan.y, plan.weight, frozen)
                state, total = r.state, r.cost
            else:
                total = 0.0
                for Xb, yb, wb in _batches(plan, rngs, P is not None):
                    r = step(net, plan, params, state, Xb, yb, wb, frozen)
                    state = r.state
                    total = total + epoch_share(plan, r.cost, yb.shape[-2])
            by_epoch[epoch] = total
            if history.first_loss is None:
                history.first_loss = total if P is None else np.array(total)
            assert r is not None

            if plan.records_stats(epoch):
                for name, v in layer_stats(net, r.fwd, r.grads, r.steps, eps).items():
                    stats[name].append(v)
                stats_epochs.append(epoch)

            bad = diverging(total, history.first_loss, params, plan, plan.checks_params(epoch))
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
            if callbacks and run_callbacks(callbacks, epoch, history, net):
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


def run_callbacks(callbacks: list[Callback], epoch: int, history: History, net: Network) -> bool:
    """Run every callback's ``on_epoch_end``; record and return whether one stops training."""
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
        history.stats_epochs = np.asarray(stats_epochs, dtype=np.int64)
        # (n_stats, [P,] n_layers) -> ([P,] n_stats, n_layers)
        history.layer_stats = {
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
