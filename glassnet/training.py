r"""Training: the loop, its record (:class:`History`) and callbacks.

One epoch, for each mini-batch (the whole set when ``batch_size`` is ``None``)::

    forward:   z^(l) = a^(l-1) W^(l) + b^(l),  a^(l) = f(z^(l))
    cost:      C = loss(a^(L), y)                       (recorded before the step)
    backward:  dC/dW^(l) = a^(l-1)^T delta^(l), ...
    step:      W <- W + step,  step = -eta dC/dW for gradient descent

The training loss of an epoch is the cost of that epoch's forward pass, before its step, as the
paper records it (with mini-batches, the sample-weighted mean of the batch costs; for ``sse``
their sum). A population trains all members in lockstep through the same code; a member whose
loss turns non-finite is frozen and marked diverged while the others go on.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import convergence
from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._random import check_seed, generator
from glassnet._validation import describe, positive_float, positive_int
from glassnet.metrics import accuracy, is_classification

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
        )

    def to_dataframe(self) -> Any:
        """Every epoch as a row of a :class:`pandas.DataFrame`: ``loss``, ``val_loss``,
        ``val_accuracy`` and, on recorded epochs, ``grad_norm_1`` ... (statistic, layer).
        Indexed by ``epoch``, or by ``(member, epoch)`` for a population."""
        from glassnet.display import history_frame

        return history_frame(self)

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
    return np.sqrt((a * a).sum(axis=(-2, -1)))


def layer_stats(
    net: Network, fwd: Any, grads: list, steps: list | None = None, eps: float = 1e-300
) -> dict[str, Array]:
    """The per-layer statistics of one pass, each of shape ``(n_layers,)`` or ``(P, n_layers)``.

    From a forward pass ``fwd``, its gradients and the optimizer's steps: ``grad_norm``
    ``||dC/dW||``, ``weight_norm`` ``||W||``, ``update_ratio`` ``||step W|| / ||W||``,
    ``saturated`` (fraction of unit-sample pairs with ``|f'(z)|`` below 1% of its maximum) and
    ``dead_relu`` (fraction of ReLU units with ``z <= 0`` for every sample; 0 for other
    activations). :func:`fit` records these in ``History.layer_stats``. Without ``steps``,
    ``update_ratio`` is NaN.
    """
    out: dict[str, list[Array]] = {name: [] for name in LAYER_STATS}
    for l, (act, p, g) in enumerate(zip(net.activations, net.params, grads, strict=True)):
        w_norm = _norm(p["W"])
        out["grad_norm"].append(_norm(g["W"]))
        out["weight_norm"].append(w_norm)
        if steps is None:
            out["update_ratio"].append(np.full(np.shape(w_norm), np.nan))
        else:
            out["update_ratio"].append(_norm(steps[l]["W"]) / np.maximum(w_norm, eps))
        z, a = fwd.z[l + 1], fwd.a[l + 1]
        d = np.abs(act.derivative(z, a))
        out["saturated"].append((d < 0.01 * act.derivative_max).mean(axis=(-2, -1)))
        if act.can_die:
            out["dead_relu"].append((z <= 0).all(axis=-2).mean(axis=-1))
        else:
            out["dead_relu"].append(np.zeros(np.shape(w_norm)))
    # (n_layers,) or, members first, (P, n_layers)
    return {name: np.array(v).T for name, v in out.items()}


def validation_data(
    net: Network, validation: Any, loss: _losses.Loss
) -> tuple[Array, Array, bool] | None:
    """Check ``validation = (X_val, y_val)``; return ``(X_val, y_val, is_classification)``."""
    if validation is None:
        return None
    if not isinstance(validation, tuple | list) or len(validation) != 2:
        raise TypeError(f"validation: expected a pair (X_val, y_val), got {describe(validation)}")
    Xv = net._inputs(validation[0], "validation X")
    yv = net._targets(validation[1], loss, Xv.shape[0], "validation y")
    return Xv, yv, is_classification(yv)


def _learning_rate(lr: Any, net: Network) -> tuple[Any, Any]:
    """Validate ``lr``; return (what History records, what the optimizer multiplies by)."""
    if lr is None:
        return None, None
    if isinstance(lr, Sequence | np.ndarray) and not isinstance(lr, str):
        if net.population is None:
            raise ValueError(
                "lr: a sequence of learning rates needs a population (seed=[...]); "
                f"got {len(lr)} rates for a single network"
            )
        rates = np.asarray(lr, dtype=float)
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
        Extra arguments of the optimizer (``beta``, ``beta1``, ``weight_decay``, ...).
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
        Where the training runs: the NumPy loop (default) or one compiled XLA program
        (``pip install 'glassnet[jax]'``).
    chunk_epochs : int, optional
        With ``backend="jax"`` and callbacks, the epochs compiled into one chunk between two
        callback calls.

    Returns
    -------
    History
    """
    if backend not in ("numpy", "jax"):
        raise ValueError(f"backend: expected 'numpy' or 'jax', got {backend!r}")
    if backend == "jax":
        raise ValueError("backend: 'jax' is being built on this branch")  # replaced before landing
    loss = _losses.get(loss)
    Xa = net._inputs(X)
    ya = net._targets(y, loss, Xa.shape[0])
    n = Xa.shape[0]
    epochs = positive_int(epochs, "epochs")
    l2 = positive_float(l2, "l2", allow_zero=True)
    if stats_every is None or stats_every == 0:
        stats_every = 0
    elif stats_every == "auto":
        stats_every = math.ceil(epochs / 50)
    else:
        stats_every = positive_int(stats_every, "stats_every")
    if batch_size is None:
        batch = n
    else:
        batch = min(positive_int(batch_size, "batch_size"), n)
    full_batch = batch >= n
    steps_per_epoch = math.ceil(n / batch)

    weight = None
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=net.dtype)
        if w.shape != (n,):
            raise ValueError(f"sample_weight: expected shape ({n},), got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("sample_weight: expected finite non-negative weights, not all zero")
        weight = (w / w.mean())[:, None]

    val = validation_data(net, validation, loss)

    recorded_lr, eta = _learning_rate(lr, net)
    sched = _optimizers.schedule(schedule, epochs=epochs, steps_per_epoch=steps_per_epoch)
    if isinstance(optimizer, _optimizers.Optimizer):
        if lr is not None:
            raise ValueError("lr: give the learning rate to the Optimizer object, not to fit")
        opt = optimizer
    else:
        opt = _optimizers.get(optimizer, eta, schedule=sched, **(optimizer_options or {}))
        if recorded_lr is None:
            recorded_lr = _optimizers.DEFAULT_LR[opt.name]

    P = net.population
    member_shape: tuple[int, ...] = () if P is None else (P,)
    shuffle_seeds: list[int]
    if seed is None:
        shuffle_seeds = list(net.seeds)
    elif isinstance(seed, Sequence | np.ndarray):
        shuffle_seeds = [check_seed(s, "seed") for s in seed]
        if len(shuffle_seeds) != len(net.seeds):
            raise ValueError(
                f"seed: expected {len(net.seeds)} shuffle seeds, got {len(shuffle_seeds)}"
            )
    else:
        shuffle_seeds = [check_seed(seed)] * len(net.seeds)
    rngs = [generator(s, "shuffle") for s in shuffle_seeds]

    history = History(
        loss=np.full((*member_shape, epochs), np.nan),
        val_loss=None if val is None else np.full((*member_shape, epochs), np.nan),
        val_accuracy=None
        if val is None or not val[2]
        else np.full((*member_shape, epochs), np.nan),
        diverged=False if P is None else np.zeros(P, dtype=bool),
        diverged_epoch=-1 if P is None else np.full(P, -1, dtype=np.int64),
        lr=recorded_lr,
        population=P,
        settings={
            "trainer": "gd",
            "loss": loss.name,
            "optimizer": opt.name,
            "epochs": epochs,
            "batch_size": batch_size,
            "l2": l2,
            "schedule": schedule if isinstance(schedule, str | None) else "custom",
        },
    )
    stats: dict[str, list[Array]] = {name: [] for name in LAYER_STATS}
    stats_epochs: list[int] = []
    eps = float(np.finfo(net.dtype).tiny)

    params = net.params
    by_epoch = history.loss.T  # (epochs, [P]): one row per epoch, a view
    val_by_epoch = None if history.val_loss is None else history.val_loss.T
    acc_by_epoch = None if history.val_accuracy is None else history.val_accuracy.T
    if resume is not None:
        if not isinstance(resume, History) or resume.optimizer_state is None:
            raise TypeError(
                f"resume: expected the History of an earlier fit, got {describe(resume)}"
            )
        if resume.settings.get("optimizer") != opt.name:
            raise ValueError(
                f"resume: the earlier fit used {resume.settings.get('optimizer')!r}, "
                f"this one {opt.name!r}"
            )
        state = resume.optimizer_state
        if resume.shuffle_generators is not None and seed is None:
            rngs = resume.shuffle_generators
    else:
        state = opt.init(params)
    frozen: Array | None = None  # (P, 1, 1) mask of diverged members, once any diverge
    for cb in callbacks:
        cb.on_train_begin(net, history)

    epoch = -1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            if val is not None and val_by_epoch is not None:
                fv = net._forward(val[0], params)
                val_by_epoch[epoch] = net._loss_value(fv, val[1], loss)
                if acc_by_epoch is not None:
                    acc_by_epoch[epoch] = accuracy(fv.a[-1], val[1])
            if full_batch:
                batches: Any = ((Xa, ya, weight),)
            else:
                batches = _batches(Xa, ya, weight, batch, rngs, shuffle, P is not None)
            total: Any = 0.0
            for Xb, yb, wb in batches:
                fwd = net._forward(Xb, params)
                cost = net._loss_value(fwd, yb, loss, wb)
                grads, _ = net._backward(fwd, yb, loss, params, wb)
                if l2:
                    for g, p in zip(grads, params, strict=True):
                        g["W"] = g["W"] + l2 * p["W"]
                    cost = cost + 0.5 * l2 * sum(_sq(p["W"]) for p in params)
                steps, state = opt.update(grads, state, params)
                if frozen is not None:
                    steps = _optimizers.tree_map(lambda s, m=frozen: np.where(m, 0, s), steps)
                for p, s in zip(params, steps, strict=True):
                    for k in p:
                        p[k] += s[k]
                if full_batch:
                    total = cost
                else:  # the epoch's cost: sample-weighted mean of batch costs (sum for sse)
                    total = total + (cost if loss.summed else cost * (yb.shape[-2] / n))
            by_epoch[epoch] = total

            if stats_every and (epoch % stats_every == 0 or epoch == epochs - 1):
                for name, v in layer_stats(net, fwd, grads, steps, eps).items():
                    stats[name].append(v)
                stats_epochs.append(epoch)

            if P is None:
                if not math.isfinite(total):
                    history.diverged, history.diverged_epoch = True, epoch
                    history.stopped_by = "diverged"
                    msg = (
                        f"training diverged at epoch {epoch}: the loss became {total}; "
                        f"try a smaller learning rate (lr={recorded_lr})"
                    )
                    history.messages.append(msg)
                    if warn:
                        warnings.warn(msg, DivergenceWarning, stacklevel=3)
                    break
            else:
                bad = ~np.isfinite(total) & ~history.diverged
                if bad.any():
                    history.diverged |= bad
                    history.diverged_epoch[bad] = epoch
                    frozen = history.diverged[:, None, None]
                    if history.diverged.all():
                        history.stopped_by = "diverged"
                        history.messages.append(f"every member diverged by epoch {epoch}")
                        break
            if not callbacks:
                continue
            stoppers = [
                type(cb).__name__ for cb in callbacks if cb.on_epoch_end(epoch, history, net)
            ]
            if stoppers:
                history.stopped_by = stoppers[0]
                history.messages.append(f"{stoppers[0]} stopped training after epoch {epoch}")
                break

    if stats_every and epoch >= 0 and (not stats_epochs or stats_epochs[-1] != epoch):
        # stopped early: the last epoch run gets its record too
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            last = layer_stats(net, fwd, grads, steps, eps)
        for name, v in last.items():
            stats[name].append(v)
        stats_epochs.append(epoch)
    history.epochs_run = epoch + 1
    history.optimizer_state = state
    history.shuffle_generators = rngs
    run = history.epochs_run
    history.loss = history.loss[..., :run]
    if history.val_loss is not None:
        history.val_loss = history.val_loss[..., :run]
    if history.val_accuracy is not None:
        history.val_accuracy = history.val_accuracy[..., :run]
    if stats_epochs:
        history.stats_epochs = np.asarray(stats_epochs, dtype=np.int64)
        # (n_stats, [P,] n_layers) -> ([P,] n_stats, n_layers)
        history.layer_stats = {
            name: np.moveaxis(np.stack(v), 0, -2) if P is not None else np.stack(v)
            for name, v in stats.items()
        }
    for cb in callbacks:
        cb.on_train_end(net, history)
    return history


def _sq(W: Array) -> Array:
    return (W * W).sum(axis=(-2, -1))


def _batches(
    X: Array,
    y: Array,
    weight: Array | None,
    batch: int,
    rngs: list[np.random.Generator],
    shuffle: bool,
    population: bool,
):
    """Yield ``(X_b, y_b, w_b)``; each member of a population shuffles with its own generator."""
    n = X.shape[0]
    if not shuffle:
        order = np.arange(n)
    elif population:
        order = np.stack([rng.permutation(n) for rng in rngs])  # (P, n)
    else:
        order = rngs[0].permutation(n)
    for start in range(0, n, batch):
        idx = order[..., start : start + batch]
        yield X[idx], y[idx], None if weight is None else weight[idx]
