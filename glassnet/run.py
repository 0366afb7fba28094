r"""A training run as data: its configuration, its state and its record.

The model is state; a training run is a value. Three plain values describe a run, and every
face (Python, the command line, the estimators, studies, the playground) and every backend
(the NumPy loop, the compiled program) reads, writes and continues them:

* :class:`TrainConfig` -- every training keyword of :func:`glassnet.training.fit`, written once
  and checked once (``loss``, ``optimizer``, ``lr``, ``epochs``, ``batch_size``, ...). Frozen.
* :class:`TrainState` -- where a run stands: the parameters, the optimizer's state (momentum,
  Adam's moments and step count), the states of the sample-order generators, the epochs run,
  the first epoch's loss (the divergence rule's reference) and the whole :class:`History` so far.
  Always plain NumPy arrays and Python numbers, whichever backend trained it.
* :class:`History` -- what happened: each epoch's losses, the layer statistics, divergence.

``fit(..., resume=state)`` continues a run exactly: ``N`` epochs and then ``M`` more step as one
run of ``N + M`` epochs (bit for bit on the NumPy loop). :meth:`TrainState.to_record` and
:func:`state_from_record` turn a state into JSON data and named arrays and back, which is how a
model file (:mod:`glassnet.modelfile`, format version 3) holds a whole run.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from glassnet import _views, convergence
from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._random import check_seed
from glassnet._validation import (
    MAX_EPOCHS,
    MAX_POPULATION,
    Boolean,
    Interval,
    Options,
    check,
    describe,
    unknown_keyword,
    unknown_name,
)

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray

__all__ = [
    "BACKEND_NAMES",
    "DIVERGENCE_RULES",
    "LAYER_STATS",
    "History",
    "TrainConfig",
    "TrainState",
    "state_from_record",
]

#: Where training runs: the NumPy loop, or the whole run compiled by JAX (``glassnet[jax]``).
BACKEND_NAMES = ("numpy", "jax")
#: What counts as divergence (see :func:`glassnet.training.diverging`).
DIVERGENCE_RULES = ("runaway", "nonfinite", "none")
#: The per-layer statistics a History records.
LAYER_STATS = ("grad_norm", "weight_norm", "update_ratio", "saturated", "dead_relu")


# --- the record ------------------------------------------------------------------------------


@dataclass
class History:
    r"""What happened during :func:`~glassnet.training.fit`.

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
        After a compiled fit (``backend="jax"``) of a large population, the curves and these
        statistics are the program's outputs, not copied, and read-only (``np.array(...)``
        gives a writable copy).
    diverged : bool or array of bool
    diverged_epoch : int or array of int
        The epoch at which the run diverged, ``-1`` if it did not.
    epochs_run : int
    lr : float or array
        The learning rate (per member for a population).
    stopped_by : str or None
        Why training stopped before ``epochs`` (a callback's name or ``"diverged"``).
    messages : list of str
        Plain-language notes (divergence, early stopping).
    settings : dict
        The loss, optimizer, epochs, batch size, L1, L2 and schedule of the fit, as names.
    config : TrainConfig or None
        The fit's whole configuration (``None`` for a History not made by ``fit``).
    state : TrainState or None
        Where the run stands after the fit: ``fit(..., resume=history)`` (or
        ``resume=history.state``) continues from it exactly. Its ``history`` is the whole
        run's record when this fit continued an earlier one.
    optimizer_state : NamedTuple
        The optimizer's state after the last step (also ``state.opt_state``).
    first_loss : float or array
        The loss of the first epoch of the run (of the first fit, when resumed): the reference
        of the divergence rule's loss growth.
    compile_seconds, run_seconds : float
        Wall time spent compiling (``backend="jax"``; 0 when the program was cached) and
        training.
    live : LiveRun or None
        While ``fit`` runs, the run in progress as its callbacks see it
        (:class:`glassnet.training.LiveRun`: ``history.live.state()`` is the run's
        TrainState after the last epoch that ended, which :class:`~glassnet.training.Checkpoint`
        saves); ``None`` once ``fit`` returns.
    scores_current : bool (class attribute)
        Whether epoch ``e``'s loss is that of the parameters in place when the callbacks'
        ``on_epoch_end(e, ...)`` runs: False for gradient training (measured before ``e``'s
        step, which has been taken since), True for
        :class:`~glassnet.evolution.EvolutionHistory` (the population just evaluated).
        :class:`~glassnet.training.EarlyStopping` keeps the parameters it restores by it.
    """

    scores_current: ClassVar[bool] = False

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
    config: TrainConfig | None = field(default=None, repr=False, compare=False)
    state: TrainState | None = field(default=None, repr=False, compare=False)
    live: Any = field(default=None, repr=False, compare=False)

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
        """Member ``k``'s record, as a single network's History (with its ``config`` and
        ``state``)."""
        if self.population is None:
            raise ValueError("member: this History is of a single network")
        k = check(k, "k", Interval(int, -self.population, self.population - 1))
        if self.state is None:
            return self._record_member(k)
        state = self.state.member(k)
        if self.state.history is self:  # the whole run's record: the member state's own
            return state.history
        record = self._record_member(k)
        record.state = state
        return record

    def _record_member(self, k: int) -> History:
        """Member ``k``'s curves and numbers, without its state."""

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
            config=None if self.config is None else self.config.member(k),
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

    # Jupyter's display hook (HTML only, so the notebook stores the figure once): the view the
    # faces registered (glassnet._views), so the engine imports no face
    def _repr_html_(self) -> str | None:
        return _views.render(self, "html")

    def __repr__(self) -> str:
        pop = "" if self.population is None else f", population={self.population}"
        return f"History(epochs_run={self.epochs_run}{pop}, {_final_loss(self.final_loss)})"

    def __str__(self) -> str:
        """``print(history)``: the table and notes of the notebook display, as plain text."""
        return _views.render(self, "text") or repr(self)


def _final_loss(final: Any) -> str:
    """``final_loss=...`` for a repr: the value, or for a population a summary of its members'
    (the median, the range and how many are not finite), never all of them."""
    values = np.asarray(final, dtype=float)
    if values.ndim == 0:
        return f"final_loss={float(values)!r}"
    finite = values[np.isfinite(values)]
    lost = values.size - finite.size
    if not finite.size:
        return f"final_loss=none finite ({values.size} members)"
    return (
        f"final_loss=median {np.median(finite):.4g} (min {finite.min():.4g}, max "
        f"{finite.max():.4g}" + (f", {lost} of {values.size} not finite" if lost else "") + ")"
    )


def joined(earlier: History, later: History) -> History:
    """One History of a run continued: ``earlier``'s epochs, then ``later``'s.

    ``later``'s epoch numbers (divergence, statistics) are shifted by ``earlier.epochs_run``;
    what describes the run as a whole (messages, seconds) is added up, and what describes its
    end (divergence, why it stopped, the settings) is ``later``'s.
    """
    offset = earlier.epochs_run

    def cat(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None if a is None and b is None else _pad_curve(a, b, earlier, later)
        return np.concatenate([np.asarray(a), np.asarray(b)], axis=-1)

    stats: dict[str, Array] = {}
    for name in dict.fromkeys([*earlier.layer_stats, *later.layer_stats]):
        parts = [h.layer_stats[name] for h in (earlier, later) if name in h.layer_stats]
        stats[name] = np.concatenate(parts, axis=-2) if len(parts) > 1 else parts[0]
    stats_epochs = np.concatenate(
        [
            np.asarray(earlier.stats_epochs, dtype=np.int64)
            if earlier.layer_stats
            else np.zeros(0, np.int64),
            np.asarray(later.stats_epochs, dtype=np.int64) + offset
            if later.layer_stats
            else np.zeros(0, np.int64),
        ]
    )
    div_epoch = np.asarray(later.diverged_epoch)
    div_epoch = np.where(div_epoch >= 0, div_epoch + offset, np.asarray(earlier.diverged_epoch))
    diverged = np.asarray(earlier.diverged) | np.asarray(later.diverged)
    single = later.population is None
    return History(
        loss=cat(earlier.loss, later.loss),
        val_loss=cat(earlier.val_loss, later.val_loss),
        val_accuracy=cat(earlier.val_accuracy, later.val_accuracy),
        stats_epochs=stats_epochs,
        layer_stats=stats,
        diverged=bool(diverged) if single else diverged,
        diverged_epoch=int(div_epoch) if single else div_epoch.astype(np.int64),
        epochs_run=earlier.epochs_run + later.epochs_run,
        lr=later.lr,
        population=later.population,
        stopped_by=later.stopped_by,
        messages=[*earlier.messages, *later.messages],
        settings=dict(later.settings),
        optimizer_state=later.optimizer_state,
        shuffle_generators=later.shuffle_generators,
        first_loss=earlier.first_loss if earlier.first_loss is not None else later.first_loss,
        compile_seconds=earlier.compile_seconds + later.compile_seconds,
        run_seconds=earlier.run_seconds + later.run_seconds,
        config=later.config,
    )


def _pad_curve(a: Any, b: Any, earlier: History, later: History) -> Array:
    """A validation curve one part of a continued run has and the other has not: NaN there."""

    def blank(h: History) -> Array:
        lead = () if h.population is None else (h.population,)
        return np.full((*lead, h.epochs_run), np.nan)

    return np.concatenate(
        [blank(earlier) if a is None else np.asarray(a), blank(later) if b is None else b],
        axis=-1,
    )


# --- the configuration -----------------------------------------------------------------------

_NONNEG = Interval(float, 0, None, closed="left")
_POSITIVE_RATE = Interval(float, 0, None, closed="neither")


def _named_loss(loss: _losses.Loss) -> bool:
    """Whether ``loss`` is the one its name finds (so a file can name it)."""
    try:
        return _losses.get(loss.name) is loss
    except ValueError:
        return False


def _name_of(value: Any) -> str:
    return str(
        getattr(value, "__qualname__", None) or getattr(value, "name", None) or type(value).__name__
    )


@dataclass(frozen=True)
class TrainConfig:
    r"""Every setting of a training run, checked once (what :func:`~glassnet.training.fit`'s
    keywords build).

    ``fit(net, X, y, loss="bce", lr=0.5)`` is ``fit(net, X, y, TrainConfig(loss="bce",
    lr=0.5))``. Everything here is independent of the data and the network; what depends on
    them (the loss against the output activation, one learning rate or seed per member, the
    memory of the record) is checked when a fit starts.

    Parameters
    ----------
    loss : str or Loss
        See :mod:`glassnet.losses`.
    optimizer : str or Optimizer
        See :mod:`glassnet.optimizers`. A ready :class:`~glassnet.optimizers.Optimizer` carries
        its own learning rate and options; ``lr`` and ``optimizer_options`` must then be empty.
    lr : float or sequence of float, optional
        Learning rate ``eta``; for a population, optionally one per member. Default: the
        optimizer's (0.1 for gd/momentum/nesterov, 0.001 for rmsprop/adam/adamw).
    epochs : int
        Epochs of the fit (of this call, when it continues a run).
    batch_size : int, optional
        ``None`` (or any size >= n_samples) trains full-batch, the paper's way. Otherwise the
        data is shuffled every epoch (when ``shuffle``) and cut into batches; the last, shorter
        batch is used, not dropped.
    shuffle : bool
    seed : int or sequence of int, optional
        Seeds of the shuffling; default: the network's own seed(s), so member ``k`` of a
        population shuffles exactly as a single network with seed ``seed[k]`` would.
    l1 : float
        L1 penalty ``lambda_1``: ``C + lambda_1 sum |W|`` (weights, not biases); its
        subgradient ``lambda_1 sign(W)`` (0 at ``W = 0``) is added to the gradient.
    l2 : float
        L2 penalty ``lambda``: ``C + lambda/2 sum ||W||^2`` (weights, not biases).
    schedule : str or callable, optional
        ``"constant"``, ``"step"``, ``"exponential"``, ``"cosine"`` (per epoch, over the
        run's first fit's epochs), or a callable of the update count returning a factor; see
        :func:`glassnet.optimizers.schedule`. A resumed run goes on with its schedule, or
        with none; another named one is refused (it would start part-way through).
    stats_every : int, "auto" or None
        Record the per-layer statistics every this many epochs (and at the first and the last
        epoch run); ``None`` or 0 turns them off; ``"auto"``: about 50 records per fit, as
        many as fit in 4 MiB (fewer for large populations: ``ceil(epochs / (R - 1))`` apart
        when ``R`` records fit; none when not even two do; see
        :func:`glassnet.training.auto_stats_every`).
    optimizer_options : dict
        Options of the optimizer (``beta``, ``beta1``, ``weight_decay`` for ``adamw``, ...);
        unknown names and out-of-range values are refused.
    backend : {"numpy", "jax"}
        The NumPy loop, or the whole run compiled into one XLA program
        (:mod:`glassnet.compiled`).
    chunk_epochs : int, optional
        ``backend="jax"`` only: epochs per call of the compiled program (callbacks run between
        calls).
    divergence : {"runaway", "nonfinite", "none"}
        What counts as divergence (:func:`glassnet.training.diverging`): ``"none"`` is no
        rule, every step taken whatever the loss (NaN then spreads; nothing stops or freezes).
    warn : bool
        Warn (``DivergenceWarning``) when a single network diverges.

    Examples
    --------
    >>> import glassnet as gn
    >>> cfg = gn.TrainConfig(loss="bce", optimizer="adam", lr=0.05, epochs=500)
    >>> cfg.replace(epochs=100).epochs
    100
    """

    loss: Any = "mse"
    optimizer: Any = "gd"
    lr: Any = None
    epochs: int = 100
    batch_size: int | None = None
    shuffle: bool = True
    seed: Any = None
    l1: float = 0.0
    l2: float = 0.0
    schedule: Any = None
    stats_every: int | str | None = "auto"
    optimizer_options: Mapping[str, Any] = field(default_factory=dict)
    backend: str = "numpy"
    chunk_epochs: int | None = None
    divergence: str = "runaway"
    warn: bool = True

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if not isinstance(self.loss, _losses.Loss):
            put("loss", _losses.get(self.loss).name)
        options = self.optimizer_options
        if options is None:
            options = {}
        if not isinstance(options, Mapping):
            raise TypeError(
                "optimizer_options: expected a dict of option names to values, got "
                f"{describe(options)}"
            )
        put("optimizer_options", dict(options))
        put("lr", _check_lr(self.lr))
        if isinstance(self.optimizer, _optimizers.Optimizer):
            if self.lr is not None:
                raise ValueError("lr: give the learning rate to the Optimizer object, not to fit")
            if options:
                raise ValueError("optimizer_options: give the options to the Optimizer object")
        else:
            if not isinstance(self.optimizer, str):
                raise TypeError(
                    f"optimizer: expected a name or an Optimizer, got {describe(self.optimizer)}"
                )
            # built once with a number for the rate, so every option is checked now
            rate = self.lr if isinstance(self.lr, float) else None
            _optimizers.get(self.optimizer, rate, **options)
            put("optimizer", str(self.optimizer))  # a NumPy string as the plain str it equals
        put("epochs", check(self.epochs, "epochs", Interval(int, 1, MAX_EPOCHS)))
        if self.batch_size is not None:
            put("batch_size", check(self.batch_size, "batch_size", Interval(int, 1, None)))
        put("shuffle", check(self.shuffle, "shuffle", Boolean()))
        put("seed", _check_seeds(self.seed))
        put("l1", check(self.l1, "l1", _NONNEG))
        put("l2", check(self.l2, "l2", _NONNEG))
        if not (self.schedule is None or callable(self.schedule)):
            if self.schedule not in _optimizers.SCHEDULES:
                raise unknown_name("schedule", "schedule", self.schedule, _optimizers.SCHEDULES)
            put("schedule", str(self.schedule))
        every = 0 if self.stats_every is None else self.stats_every
        put("stats_every", check(every, "stats_every", Interval(int, 0, None), Options(["auto"])))
        put("backend", check(self.backend, "backend", Options(BACKEND_NAMES)))
        if self.chunk_epochs is not None:
            put("chunk_epochs", check(self.chunk_epochs, "chunk_epochs", Interval(int, 1, None)))
        put("divergence", check(self.divergence, "divergence", Options(DIVERGENCE_RULES)))
        put("warn", check(self.warn, "warn", Boolean()))

    # --- derived -----------------------------------------------------------------------------

    @property
    def optimizer_name(self) -> str:
        """The optimizer's name (a ready Optimizer's own)."""
        return self.optimizer if isinstance(self.optimizer, str) else self.optimizer.name

    @property
    def loss_name(self) -> str:
        return self.loss if isinstance(self.loss, str) else self.loss.name

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` (checked; an unknown name gets a did-you-mean)."""
        check_keywords(changes, "fit")
        return dataclasses.replace(self, **changes)

    def member(self, k: int) -> TrainConfig:
        """Member ``k``'s configuration: its own learning rate and shuffle seed."""
        lr = self.lr[k] if isinstance(self.lr, tuple) else self.lr
        seed = self.seed[k] if isinstance(self.seed, tuple) else self.seed
        return dataclasses.replace(self, lr=lr, seed=seed)

    # --- as data -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data. A custom object (an unregistered Loss, a ready Optimizer, a callable
        schedule) is written ``{"custom": its name}``; :meth:`from_dict` then needs it back
        through ``custom=``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "loss" and isinstance(value, _losses.Loss):
                value = value.name if _named_loss(value) else {"custom": value.name}
            elif f.name == "optimizer" and isinstance(value, _optimizers.Optimizer):
                value = {"custom": value.name}
            elif f.name == "schedule" and callable(value):
                value = {"custom": _name_of(value)}
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], custom: Mapping[str, Any] | None = None
    ) -> TrainConfig:
        """The configuration :meth:`to_dict` wrote, checked as a new one is.

        ``custom`` maps a field (``"loss"``, ``"optimizer"``, ``"schedule"``) to the object a
        ``{"custom": name}`` entry stands for.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"config: expected a dict of settings, got {describe(data)}")
        check_keywords(data, "config")
        custom = dict(custom or {})
        values = dict(data)
        for key, value in values.items():
            if isinstance(value, Mapping) and set(value) == {"custom"}:
                if key not in custom:
                    raise ValueError(
                        f"config.{key}: the run used a custom {key} ({value['custom']!r}), which "
                        f"a file cannot hold; give it back with custom={{{key!r}: ...}}"
                    )
                values[key] = custom[key]
        return cls(**values)


def _check_lr(lr: Any) -> Any:
    if lr is None:
        return None
    if isinstance(lr, Sequence | np.ndarray) and not isinstance(lr, str | bytes):
        if isinstance(lr, np.ndarray) and lr.ndim != 1:
            raise ValueError(f"lr: expected one learning rate per member, got {describe(lr)}")
        if len(lr) > MAX_POPULATION:
            raise ValueError(
                f"lr: expected at most {MAX_POPULATION} learning rates (members), got {len(lr)}"
            )
        if not len(lr):
            raise ValueError("lr: expected one learning rate per member, got an empty sequence")
        return tuple(check(v, f"lr[{i}]", _POSITIVE_RATE) for i, v in enumerate(lr))
    return check(lr, "lr", _POSITIVE_RATE)


def _check_seeds(seed: Any) -> Any:
    if seed is None:
        return None
    if isinstance(seed, Sequence | np.ndarray) and not isinstance(seed, str | bytes):
        if len(seed) > MAX_POPULATION:
            raise ValueError(
                f"seed: expected at most {MAX_POPULATION} seeds (members), got {len(seed)}"
            )
        return tuple(check_seed(s, f"seed[{i}]") for i, s in enumerate(seed))
    return check_seed(seed)


#: The keywords :func:`~glassnet.training.fit` takes besides the configuration's.
FIT_ARGUMENTS = ("config", "validation", "sample_weight", "callbacks", "resume")


#: Names other libraries give the settings (scikit-learn, Keras, PyTorch), and what they mean.
ALIASES = {
    "learning_rate": "lr",
    "learning_rate_init": "lr",
    "eta": "lr",
    "n_epochs": "epochs",
    "max_iter": "epochs",
    "batch": "batch_size",
    "weight_decay": "optimizer_options={'weight_decay': ...} with optimizer='adamw'",
    "alpha": "l2",
}


def check_keywords(keywords: Mapping[str, Any], where: str) -> None:
    """Refuse a keyword that is no field of :class:`TrainConfig` (nor, for ``fit``, one of its
    own arguments), suggesting the near miss (``learning_rate`` -> ``lr``)."""
    names = _config_names()
    for key in keywords:
        if key not in names:
            valid = [*names, *(FIT_ARGUMENTS if where == "fit" else ())]
            raise unknown_keyword(where, str(key), valid, ALIASES)


@functools.cache
def _config_names() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(TrainConfig))


# --- the state -------------------------------------------------------------------------------

#: The generators of the sample order: PCG64 (``numpy.random.default_rng``), whose state is
#: kept as six 64-bit words: the state and increment (128 bits each), ``has_uint32``,
#: ``uinteger``.
_BIT_GENERATOR = "PCG64"
_MASK64 = (1 << 64) - 1


def _words(state: Mapping[str, Any]) -> list[int]:
    s, inc = state["state"]["state"], state["state"]["inc"]
    return [s >> 64, s & _MASK64, inc >> 64, inc & _MASK64, state["has_uint32"], state["uinteger"]]


def _from_words(w: Sequence[int]) -> dict[str, Any]:
    w = [int(v) for v in w]
    return {
        "bit_generator": _BIT_GENERATOR,
        "state": {"state": (w[0] << 64) | w[1], "inc": (w[2] << 64) | w[3]},
        "has_uint32": w[4],
        "uinteger": w[5],
    }


def generator_from_state(state: Mapping[str, Any]) -> np.random.Generator:
    """A new generator in ``state`` (a ``bit_generator.state`` dict of PCG64)."""
    if state.get("bit_generator") != _BIT_GENERATOR:
        raise ValueError(
            f"rng_states: expected {_BIT_GENERATOR} generator states, got "
            f"{describe(state.get('bit_generator'))}"
        )
    g = np.random.Generator(np.random.PCG64())
    g.bit_generator.state = dict(state)
    return g


def copy_tree(tree: Any) -> Any:
    """A deep copy of an optimizer state or parameter tree (arrays copied, numbers kept)."""
    if isinstance(tree, np.ndarray):
        return tree.copy()
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(copy_tree(v) for v in tree))
    if isinstance(tree, tuple | list):
        return type(tree)(copy_tree(v) for v in tree)
    if isinstance(tree, dict):
        return {k: copy_tree(v) for k, v in tree.items()}
    return tree


def _member_tree(tree: Any, k: int, population: int) -> Any:
    """Member ``k``'s part of a population's tree: arrays with a leading member axis sliced."""
    if isinstance(tree, np.ndarray):
        return np.array(tree[k]) if tree.ndim and tree.shape[0] == population else tree.copy()
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_member_tree(v, k, population) for v in tree))
    if isinstance(tree, tuple | list):
        return type(tree)(_member_tree(v, k, population) for v in tree)
    if isinstance(tree, dict):
        return {key: _member_tree(v, k, population) for key, v in tree.items()}
    return tree


@dataclass(frozen=True, eq=False)
class TrainState:
    r"""Where a training run stands: everything ``fit(..., resume=state)`` continues from.

    Attributes
    ----------
    config : TrainConfig
        The configuration the run was trained with (its last fit's).
    params : list of dict
        A copy of the parameters after the last step, the structure of
        :attr:`glassnet.network.Network.params`.
    opt_state : NamedTuple or tuple
        The optimizer's state (:mod:`glassnet.optimizers`): update count, momentum, Adam's
        moments. NumPy arrays and Python numbers.
    rng_states : tuple of dict or None
        The state of each member's sample-order generator (``bit_generator.state`` of PCG64),
        or ``None`` when no epoch has drawn a sample order yet (full batches, or
        ``shuffle=False``): a continuation then makes them from the seeds.
    epoch : int
        Epochs run, over every fit of the run.
    first_loss : float or array
        The first epoch's loss (per member): the divergence rule's reference.
    history : History
        The whole run's record so far.
    schedule_epochs : int
        The epochs a named schedule is laid out over: the run's first fit's, so a continued
        run keeps its schedule.
    """

    config: TrainConfig
    params: list[dict[str, Array]]
    opt_state: Any
    rng_states: tuple[dict[str, Any], ...] | None
    epoch: int
    first_loss: Any
    history: History
    schedule_epochs: int

    @property
    def population(self) -> int | None:
        return self.history.population

    def generators(self) -> list[np.random.Generator] | None:
        """New generators in :attr:`rng_states` (the state itself is never changed)."""
        if self.rng_states is None:
            return None
        return [generator_from_state(s) for s in self.rng_states]

    def member(self, k: int) -> TrainState:
        """Member ``k``'s state, as a single network's."""
        P = self.population
        if P is None:
            raise ValueError("member: this is the state of a single network")
        k = check(k, "k", Interval(int, -P, P - 1)) % P
        history = self.history._record_member(k)
        state = TrainState(
            config=self.config.member(k),
            params=_member_tree(self.params, k, P),
            opt_state=_member_tree(self.opt_state, k, P),
            rng_states=None if self.rng_states is None else (dict(self.rng_states[k]),),
            epoch=self.epoch,
            first_loss=None if self.first_loss is None else float(np.ravel(self.first_loss)[k]),
            history=history,
            schedule_epochs=self.schedule_epochs,
        )
        history.state = state
        return state

    def __repr__(self) -> str:
        pop = "" if self.population is None else f", population={self.population}"
        return (
            f"TrainState(epoch={self.epoch}, optimizer={self.config.optimizer_name!r}{pop}, "
            f"{_final_loss(self.history.final_loss)})"
        )

    # --- as data -------------------------------------------------------------------------------

    def to_record(self) -> tuple[dict[str, Any], dict[str, Array]]:
        """The state as JSON data and named arrays (what a model file stores).

        Every array is referenced from the JSON as ``{"array": name}`` and declared in the
        returned ``"arrays"`` table with its shape and dtype, so a reader can bound and check
        everything before reading a byte of it. The parameters are not included: a model file
        stores them once, as the network's.
        """
        arrays: dict[str, Array] = {}

        def put(name: str, value: Any) -> dict[str, str]:
            a = np.asarray(value)
            # a number (a non-finite one JSON cannot hold) stays 0-d: ascontiguousarray would
            # make it an array of one, which reads back as a moment of shape (1,)
            a = np.ascontiguousarray(a) if a.ndim else a
            if a.dtype.kind not in "biuf" or a.dtype.str not in _ARRAY_DTYPES:
                raise ValueError(f"{name}: cannot store an array of dtype {a.dtype}")
            arrays[name] = a
            return {"array": name}

        def number_or_array(name: str, value: Any) -> Any:
            if value is None:
                return None
            if np.ndim(value) == 0:
                v = np.asarray(value).item()
                return v if not isinstance(v, float) or math.isfinite(v) else put(name, value)
            return put(name, value)

        counter = iter(range(10**9))

        def encode(tree: Any) -> Any:
            if tree is None or isinstance(tree, bool | int | str):
                return tree
            if isinstance(tree, float | np.floating):
                return float(tree) if math.isfinite(tree) else put(f"run.opt.{next(counter)}", tree)
            if isinstance(tree, np.ndarray | np.generic):
                return put(f"run.opt.{next(counter)}", tree)
            if isinstance(tree, tuple) and hasattr(tree, "_fields"):
                name = type(tree).__name__
                if _optimizers.STATE_TYPES.get(name) is not type(tree):
                    raise ValueError(
                        f"opt_state: {name} is not a registered optimizer state; register it "
                        "with glassnet.optimizers.register_state to store it"
                    )
                return {"state": name, "fields": [encode(v) for v in tree]}
            if isinstance(tree, tuple | list):
                return {"tuple" if isinstance(tree, tuple) else "list": [encode(v) for v in tree]}
            if isinstance(tree, dict):
                if not all(isinstance(k, str) for k in tree):
                    raise ValueError("opt_state: a dict with keys that are not names")
                return {"dict": {k: encode(v) for k, v in tree.items()}}
            raise ValueError(f"opt_state: cannot store {describe(tree)}")

        h = self.history
        cfg = self.config.to_dict()
        if isinstance(self.config.lr, tuple):
            cfg["lr"] = put("run.config.lr", np.asarray(self.config.lr, dtype=np.float64))
        history = {
            "epochs_run": int(h.epochs_run),
            "population": h.population,
            "stopped_by": h.stopped_by,
            "messages": [str(m) for m in h.messages],
            "settings": _plain(h.settings),
            "compile_seconds": float(h.compile_seconds),
            "run_seconds": float(h.run_seconds),
            "lr": number_or_array("run.history.lr", h.lr),
            "first_loss": number_or_array("run.history.first_loss", h.first_loss),
            "loss": put("run.history.loss", h.loss),
            "val_loss": None if h.val_loss is None else put("run.history.val_loss", h.val_loss),
            "val_accuracy": None
            if h.val_accuracy is None
            else put("run.history.val_accuracy", h.val_accuracy),
            "stats_epochs": put("run.history.stats_epochs", np.asarray(h.stats_epochs, np.int64)),
            "layer_stats": {
                name: put(f"run.history.stats.{name}", v) for name, v in h.layer_stats.items()
            },
            "diverged": number_or_array("run.history.diverged", h.diverged),
            "diverged_epoch": number_or_array("run.history.diverged_epoch", h.diverged_epoch),
        }
        rng = None
        if self.rng_states is not None:
            words = np.array([_words(s) for s in self.rng_states], dtype=np.uint64)
            rng = put("run.rng", words)
        meta = {
            "config": cfg,
            "epoch": int(self.epoch),
            "schedule_epochs": int(self.schedule_epochs),
            "first_loss": number_or_array("run.first_loss", self.first_loss),
            "rng": rng,
            "opt_state": encode(self.opt_state),
            "history": history,
        }
        meta["arrays"] = {
            name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in arrays.items()
        }
        return meta, arrays


#: The fields of a run's record (:meth:`TrainState.to_record`) and of its History.
_OPT_NODES = ({"array"}, {"state", "fields"}, {"tuple"}, {"list"}, {"dict"})
"""The key sets of an optimizer state's nodes in a record (``to_record``'s ``encode``)."""
_RUN_FIELDS = ("arrays", "config", "epoch", "first_loss", "history", "opt_state", "rng",
               "schedule_epochs")  # fmt: skip
_HISTORY_FIELDS = ("compile_seconds", "diverged", "diverged_epoch", "epochs_run", "first_loss",
                   "layer_stats", "loss", "lr", "messages", "population", "run_seconds",
                   "settings", "stats_epochs", "stopped_by", "val_accuracy", "val_loss")  # fmt: skip

#: The dtypes a run's arrays may have in a file.
_ARRAY_DTYPES = ("<f8", "<f4", "<i8", "<i4", "|b1", "<u8")
_ARRAY_NAME = re.compile(r"run\.[a-z0-9_]+(\.[a-z0-9_]+)*")


def _plain(value: Any) -> Any:
    """``value`` as JSON data (NumPy numbers made Python numbers; non-finite floats None)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def declared_arrays(run: Any, max_bytes: int) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """The arrays a run record declares, checked (names, shapes, dtypes, total size) before a
    byte of them is read. Raises ``ValueError`` naming the field."""
    if not isinstance(run, Mapping):
        raise ValueError(f"run: expected a JSON object, got {describe(run)}")
    unknown = sorted(str(k) for k in run if k not in _RUN_FIELDS)
    if unknown:  # a field nothing reads would ride along unchecked
        raise ValueError(
            f"run: unexpected field {describe(unknown[0])}; expected only {', '.join(_RUN_FIELDS)}"
        )
    table = run.get("arrays")
    if not isinstance(table, Mapping) or len(table) > 10_000:
        raise ValueError(f"run.arrays: expected a table of arrays, got {describe(table)}")
    out: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    total = 0
    for name, spec in table.items():
        if not isinstance(name, str) or not _ARRAY_NAME.fullmatch(name) or len(name) > 200:
            raise ValueError(f"run.arrays: unexpected array name {describe(name)}")
        if not isinstance(spec, Mapping):
            raise ValueError(f"run.arrays.{name}: expected {{shape, dtype}}, got {describe(spec)}")
        shape, dtype = spec.get("shape"), spec.get("dtype")
        if (
            not isinstance(shape, list)
            or len(shape) > 4
            or not all(
                isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**40 for s in shape
            )
        ):
            raise ValueError(
                f"run.arrays.{name}.shape: expected up to 4 sizes, got {describe(shape)}"
            )
        if dtype not in _ARRAY_DTYPES:
            raise ValueError(
                f"run.arrays.{name}.dtype: expected one of {', '.join(_ARRAY_DTYPES)}, got {describe(dtype)}"
            )
        dt = np.dtype(dtype)
        total += math.prod(shape) * dt.itemsize
        if total > max_bytes:
            raise ValueError(
                f"run.arrays: the run's arrays would take more than {max_bytes / 2**30:g} GiB"
            )
        out[name] = (tuple(shape), dt)
    return out


def state_from_record(
    run: Mapping[str, Any],
    arrays: Mapping[str, Array],
    net: Network,
    custom: Mapping[str, Any] | None = None,
) -> TrainState:
    """The :class:`TrainState` of ``net`` that :meth:`TrainState.to_record` wrote.

    ``arrays`` are the record's arrays (as :func:`declared_arrays` declared them); ``net``
    supplies the parameters and the shapes everything is checked against. Raises
    ``ValueError`` naming the field at fault.
    """
    P = net.population
    lead = () if P is None else (P,)
    used: set[str] = set()

    def get(ref: Any, field_: str, shape: tuple[int, ...] | None = None) -> Any:
        if isinstance(ref, Mapping) and set(ref) == {"array"}:
            if ref["array"] not in arrays:
                raise ValueError(f"run.{field_}: refers to a missing array {ref['array']!r}")
            used.add(ref["array"])
            a = arrays[ref["array"]]
            if shape is not None and a.shape != shape:
                raise ValueError(f"run.{field_}: expected shape {shape}, got {a.shape}")
            return a
        return ref

    config_data = dict(run.get("config") or {})
    if isinstance(config_data.get("lr"), Mapping):
        config_data["lr"] = get(config_data["lr"], "config.lr", lead).tolist()
    config = TrainConfig.from_dict(config_data, custom)

    hd = run.get("history")
    if not isinstance(hd, Mapping):
        raise ValueError(f"run.history: expected a JSON object, got {describe(hd)}")
    unknown = sorted(str(k) for k in hd if k not in _HISTORY_FIELDS)
    if unknown:
        raise ValueError(
            f"run.history: unexpected field {describe(unknown[0])}; expected only "
            f"{', '.join(_HISTORY_FIELDS)}"
        )
    E = check(hd.get("epochs_run"), "run.history.epochs_run", Interval(int, 0, MAX_EPOCHS))
    if hd.get("population") != P:
        raise ValueError(
            f"run.history.population: expected {P} (the network's), got {describe(hd.get('population'))}"
        )
    curve = (*lead, E)
    stats_epochs = np.asarray(get(hd.get("stats_epochs"), "history.stats_epochs"))
    if stats_epochs.ndim != 1:
        raise ValueError("run.history.stats_epochs: expected a list of epochs")
    n_stats = stats_epochs.shape[0]
    stats_in = hd.get("layer_stats") or {}
    if not isinstance(stats_in, Mapping) or not set(stats_in) <= set(LAYER_STATS):
        raise ValueError(
            f"run.history.layer_stats: expected statistics among {', '.join(LAYER_STATS)}"
        )
    messages = hd.get("messages") or []
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        raise ValueError("run.history.messages: expected a list of strings")
    stopped_by = hd.get("stopped_by")
    if stopped_by is not None and not isinstance(stopped_by, str):
        raise ValueError(f"run.history.stopped_by: expected a name, got {describe(stopped_by)}")

    def per_member(ref: Any, field_: str, kind: type) -> Any:
        value = get(ref, field_, lead if P is not None and not isinstance(ref, kind) else None)
        # a number of the field's kind (an int where a float is asked; never a bool for a
        # number), an array reference, or nothing: a tampered "x" would load and fail later
        plain = isinstance(value, kind) or (kind is float and isinstance(value, int))
        if not (
            value is None
            or isinstance(value, np.ndarray)
            or (plain and (kind is bool or not isinstance(value, bool)))
        ):
            what = {bool: "true or false", int: "an integer"}.get(kind, "a number")
            raise ValueError(f"run.{field_}: expected {what} or an array, got {describe(value)}")
        if isinstance(value, np.ndarray) and P is None:
            # a single network's number that is not finite, written as a 0-d array (an array
            # of one in files written before 0-d arrays were kept)
            if value.size != 1:
                raise ValueError(
                    f"run.{field_}: expected one number, got an array of shape {value.shape}"
                )
            return value.item()
        return value

    history = History(
        loss=np.array(get(hd.get("loss"), "history.loss", curve)),
        val_loss=None
        if hd.get("val_loss") is None
        else np.array(get(hd["val_loss"], "history.val_loss", curve)),
        val_accuracy=None
        if hd.get("val_accuracy") is None
        else np.array(get(hd["val_accuracy"], "history.val_accuracy", curve)),
        stats_epochs=np.array(stats_epochs, dtype=np.int64),
        layer_stats={
            name: np.array(get(ref, f"history.stats.{name}", (*lead, n_stats, net.n_layers)))
            for name, ref in stats_in.items()
        },
        diverged=per_member(hd.get("diverged"), "history.diverged", bool),
        diverged_epoch=per_member(hd.get("diverged_epoch"), "history.diverged_epoch", int),
        epochs_run=E,
        lr=per_member(hd.get("lr"), "history.lr", float),
        population=P,
        stopped_by=stopped_by,
        messages=list(messages),
        settings=dict(hd.get("settings") or {}),
        first_loss=per_member(hd.get("first_loss"), "history.first_loss", float),
        compile_seconds=float(hd.get("compile_seconds") or 0.0),
        run_seconds=float(hd.get("run_seconds") or 0.0),
        config=config,
    )

    def decode(node: Any, where: str, depth: int = 0) -> Any:
        if depth > 32:
            raise ValueError(f"{where}: nested too deeply")
        if node is None or isinstance(node, bool | int | float | str):
            return node
        # exactly the keys encode writes: a key beside them would be read past silently
        if not isinstance(node, Mapping) or set(node) not in _OPT_NODES:
            raise ValueError(f"{where}: unexpected entry {describe(node)}")
        if "array" in node:
            return np.array(get(node, where.removeprefix("run.")))
        if "state" in node:
            cls = _optimizers.STATE_TYPES.get(node["state"])
            fields_ = node.get("fields")
            if cls is None or not isinstance(fields_, list):
                raise ValueError(f"{where}: unknown optimizer state {describe(node['state'])}")
            return cls(*(decode(v, f"{where}.{node['state']}", depth + 1) for v in fields_))
        if "tuple" in node or "list" in node:
            items = node.get("tuple", node.get("list"))
            if not isinstance(items, list):
                raise ValueError(f"{where}: expected a list")
            out = [decode(v, where, depth + 1) for v in items]
            return tuple(out) if "tuple" in node else out
        if "dict" in node and isinstance(node["dict"], Mapping):
            return {str(k): decode(v, f"{where}.{k}", depth + 1) for k, v in node["dict"].items()}
        raise ValueError(f"{where}: unexpected entry {describe(node)}")

    opt_state = decode(run.get("opt_state"), "run.opt_state")
    _check_opt_state(opt_state, net)

    rng = run.get("rng")
    rng_states = None
    if rng is not None:
        words = get(rng, "rng", (len(net.seeds), 6))
        rng_states = tuple(_from_words(w) for w in words.tolist())
    first_loss = per_member(run.get("first_loss"), "first_loss", float)
    epoch = check(run.get("epoch"), "run.epoch", Interval(int, 0, None))
    schedule_epochs = check(
        run.get("schedule_epochs"), "run.schedule_epochs", Interval(int, 1, None)
    )
    # every array the record declares is one a field refers to: a file holds what the run
    # needs, not spare arrays that would ride along unread
    spare = sorted(set(run.get("arrays") or {}) - used)
    if spare:
        raise ValueError(f"run.arrays: {spare[0]!r} is declared but no field refers to it")
    state = TrainState(
        config=config,
        params=copy_tree(net.params),
        opt_state=opt_state,
        rng_states=rng_states,
        epoch=epoch,
        first_loss=first_loss,
        history=history,
        schedule_epochs=schedule_epochs,
    )
    history.state = state
    return state


def _check_opt_state(opt_state: Any, net: Network) -> None:
    """Every array of an optimizer state read from a file must have a parameter's shape and
    the network's dtype (moments, velocities) or be a number."""
    shapes = {p.shape for layer in net.params for p in layer.values()}

    def walk(node: Any) -> None:
        if isinstance(node, np.ndarray):
            if node.ndim and (node.shape not in shapes or node.dtype != net.dtype):
                raise ValueError(
                    f"run.opt_state: an array of shape {node.shape} and dtype {node.dtype} "
                    "matches no parameter of the network"
                )
        elif isinstance(node, tuple | list):
            for v in node:
                walk(v)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)

    walk(opt_state)


def snapshot(
    net: Network,
    config: TrainConfig,
    history: History,
    earlier: TrainState | None,
    rngs: list[np.random.Generator] | None,
    schedule_epochs: int,
) -> TrainState:
    """The state at the end of a fit of ``net`` that produced ``history`` (continuing
    ``earlier``, if given)."""
    whole = history if earlier is None else joined(earlier.history, history)
    state = TrainState(
        config=config,
        params=copy_tree(net.params),
        opt_state=copy_tree(history.optimizer_state),
        rng_states=None if rngs is None else tuple(dict(g.bit_generator.state) for g in rngs),
        epoch=(0 if earlier is None else earlier.epoch) + int(history.epochs_run),
        first_loss=copy_tree(history.first_loss),
        history=whole,
        schedule_epochs=schedule_epochs,
    )
    whole.state = state
    return state


def as_state(resume: Any) -> TrainState:
    """``resume`` (a TrainState, or a History made by ``fit``) as the state to continue."""
    if isinstance(resume, TrainState):
        return resume
    if isinstance(resume, History) and resume.state is not None:
        return resume.state
    raise TypeError(
        f"resume: expected the TrainState of an earlier fit (net.train_state or history.state) "
        f"or the History it returned, got {describe(resume)}"
    )
