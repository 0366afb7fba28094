r"""scikit-learn estimators: :class:`GlassnetClassifier` and :class:`GlassnetRegressor`.

They are drop-in replacements for :class:`~sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.neural_network.MLPRegressor`: every parameter whose concept is the same has the
same name, default and meaning, so they fit into ``Pipeline``, ``GridSearchCV`` and
``cross_val_score`` unchanged. Training runs through glassnet's one engine
(:func:`glassnet.training.fit`); the fitted network is ``network_``, a plain
:class:`glassnet.Network` (save it, trace it, check its gradients).

The objective matches scikit-learn's, term by term, for a batch of ``n_b`` samples::

    classifier, binary      C = -(1/n_b) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)]
      and multilabel          (summed over the labels, one sigmoid unit each)
    classifier, multiclass  C = -(1/n_b) sum_i sum_k y_ik log p_ik           (softmax output)
    regressor               C = (1/n_b) sum_i (1/2) ||y_hat_i - y_i||^2     ("squared_error")
    regressor, Poisson      C = (1/n_b) sum_i sum_k [y log(y / y_hat) - y + y_hat],
                              y_hat = exp(z)                                 ("poisson")
    L2 penalty              + alpha / (2 n_b) sum_l ||W^(l)||^2             (weights only)

so the engine's ``l2`` is ``alpha / n_b`` with ``n_b`` the batch size (``batch_size="auto"`` is
``min(200, n_samples)``, full batch for small sets). The solvers map onto glassnet optimizers:
``"sgd"`` is ``gd`` (``momentum=0``), ``momentum`` or ``nesterov`` (``nesterovs_momentum``),
``"adam"`` is ``adam`` with ``beta_1``, ``beta_2``, ``epsilon``; glassnet's own names (``gd``,
``momentum``, ``nesterov``, ``rmsprop``, ``adam``, ``adamw``) are accepted too. ``"lbfgs"``
minimizes the full-batch objective with SciPy's L-BFGS-B on the engine's loss and gradients.

How close to scikit-learn: with an integer ``random_state`` the initial weights are the very
ones scikit-learn draws (``init="sklearn"``, the default). Full-batch training (``batch_size``
at least the number of samples, the default below 200 samples) with ``"sgd"`` in all its
variants (momentum, Nesterov, ``invscaling``, ``adaptive``), and ``"lbfgs"``, then reproduce
``MLPClassifier`` / ``MLPRegressor`` to rounding, loss curve, stopping epoch, validation split
and weights included, ``partial_fit`` step for step; ``"adam"`` agrees to about 1e-5 (its
``epsilon`` sits outside the bias correction in glassnet, inside in scikit-learn). Mini-batch runs differ only in the random order of the
batches, which glassnet draws from its own generator.

The rest of MLP's interface is MLP's: parameters, defaults and positions; fitted attributes
with their shapes and dtypes (float32 input trains a float32 network); ``verbose`` lines on
stdout; warnings of the same categories, filterable as scikit-learn's (they are attributed to
``sklearn.neural_network._multilayer_perceptron``); the same exception types and words for the
same conditions (parameter errors are scikit-learn's ``InvalidParameterError``). The attributes
MLP users touch (``coefs_``, ``intercepts_``, ``loss_curve_``, ``t_``, ``best_loss_``,
``_no_improvement_count``, ``validation_scores_``, ``best_validation_score_``) are the
training state itself: hand-set weights are the model. ``tests/test_sklearn_parity.py`` checks
all of this with MLP as the oracle. The remaining differences, each deliberate, are listed with
their reasons in ``docs/sklearn-differences.md``.
"""

from __future__ import annotations

import itertools
import math
import numbers
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from glassnet import activations as _activations
from glassnet import initializers as _initializers
from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._random import legacy
from glassnet._validation import (
    MAX_CLASSES,
    MAX_EPOCHS,
    MAX_PASS_BYTES,
    check_finite,
    mean_one,
    mean_weight,
    warn_nonfinite,
)
from glassnet.network import BIAS_MODES, Network
from glassnet.run import BACKEND_NAMES, History, TrainConfig, TrainState
from glassnet.training import fit as _train

__all__ = [
    "BINARY_LOG_LOSS",
    "POISSON",
    "SQUARED_ERROR",
    "GlassnetClassifier",
    "GlassnetRegressor",
    "sklearn_init",
]

Array = np.ndarray

# scikit-learn's activation names that differ from glassnet's, and back
_ACTIVATION_ALIASES = {"logistic": "sigmoid"}
_SKLEARN_NAMES = {"sigmoid": "logistic"}
_SGD_FAMILY = ("sgd", "gd", "momentum", "nesterov")
_SCHEDULES = ("constant", "invscaling", "adaptive", "step", "exponential", "cosine")


# --- the pieces scikit-learn has: the engine's, looked up by name but not listed --------------
#
# MLP's losses and Poisson's exp output live in the engine (glassnet.losses.UNLISTED,
# glassnet.activations.UNLISTED), so a run an estimator trained can be saved, loaded and
# continued anywhere without this module.

SQUARED_ERROR = _losses.get("squared_error")
"""scikit-learn's regression loss: ``C = (1/n) sum_i (1/2) ||y_hat_i - y_i||^2``."""
BINARY_LOG_LOSS = _losses.get("binary_log_loss")
"""MLP's log loss of sigmoid units: ``C = -(1/n) sum_i sum_k [y log p + (1 - y) log(1 - p)]``."""
POISSON = _losses.get("poisson")
"""scikit-learn's half Poisson deviance ``C = (1/n) sum_i sum_k [y log(y/y_hat) - y + y_hat]``,
fused with the ``exp`` output: ``delta = (e^z - y)/n``."""


def _output_unit(name: str) -> Any:
    """An output activation by name (``"exp"``, Poisson's log link, included)."""
    return _activations.get(name)


# Warnings are attributed, for filtering, to the module of the estimator these replace, so
# that ``warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn")``
# (or any filter that silences MLPClassifier's) silences glassnet's too. The file and line
# shown are glassnet's own.
_WARNING_MODULE = "sklearn.neural_network._multilayer_perceptron"


def _warn(message: str, category: type[Warning]) -> None:
    frame = sys._getframe(1)
    warnings.warn_explicit(
        message,
        category,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=_WARNING_MODULE,
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
        module_globals=frame.f_globals,
    )


def _lbfgs_warning(result: Any, n_iter: int, max_iter: int) -> str:
    # scikit-learn's sklearn.utils.optimize._check_optimize_result, word for word
    msg = (
        f"lbfgs failed to converge after {n_iter} iteration(s) "
        f"(status={result.status}):\n{result.message}\n"
    )
    if n_iter == max_iter:
        msg += (
            f"\nIncrease the number of iterations to improve the convergence (max_iter={max_iter})."
        )
    msg += (
        "\nYou might also want to scale the data as shown in:\n"
        "    https://scikit-learn.org/stable/modules/preprocessing.html"
    )
    return msg


_NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)


def sklearn_init(activation: str = "relu") -> _initializers.Initializer:
    r"""scikit-learn's MLP initializer, draw for draw.

    Per layer, from ``np.random.RandomState(seed)``: ``W ~ U(-r, r)`` of shape
    ``(n_in, n_out)``, then the bias ``b ~ U(-r, r)`` (``n_out`` numbers, or one for
    ``bias="layer"``), with ``r = sqrt(f / (n_in + n_out))``, ``f = 2`` for a sigmoid hidden
    activation and ``6`` otherwise (Glorot and Bengio). With the same integer seed as
    ``random_state`` it gives exactly the starting weights of ``MLPClassifier``.
    """
    factor = 2.0 if activation == "sigmoid" else 6.0

    def draw(seed: int, weight_shapes: Sequence[tuple[int, ...]], bias_shapes: Sequence[Any]):
        rs = legacy(seed)
        weights: list[Array] = []
        biases: list[Array | None] = []
        for (n_in, n_out), b_shape in zip(weight_shapes, bias_shapes, strict=True):
            bound = math.sqrt(factor / (n_in + n_out))
            weights.append(rs.uniform(-bound, bound, (n_in, n_out)))
            if b_shape is None:
                biases.append(None)
            else:
                biases.append(rs.uniform(-bound, bound, int(np.prod(b_shape))).reshape(b_shape))
        return weights, biases

    return _initializers.Initializer("sklearn", draw)


def _scale_free(sample_weight: Any) -> Any:
    """Sample weights scaled to a largest magnitude of 1 where their sum overflows or all are
    subnormal (a weighted score is scale-free), else as given (invalid ones for
    scikit-learn's own check to refuse)."""
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight)
    except (TypeError, ValueError, OverflowError):
        return sample_weight
    if w.dtype.kind not in "biuf":  # strings, objects: scikit-learn's to refuse or convert
        return sample_weight
    w = w.astype(np.float64)
    if w.ndim != 1 or not w.size or not np.isfinite(w).all() or not mean_weight(w) > 0:
        return sample_weight
    top = float(np.abs(w).max())
    with np.errstate(over="ignore"):
        total = float(np.abs(w).sum())
    if np.finfo(np.float64).tiny <= top and total < math.inf:  # as given: scikit-learn's bits
        return sample_weight
    return w / top


# beyond it the sum of squared differences of numbers may overflow float64
_SQUARE_SAFE = 1e100


def _check_classes(classes: Array, n_rows: int, argument: str) -> None:
    """Refuse, before any one-hot row is written, more classes than glassnet's bound, or
    one-hot targets larger than one pass may hold."""
    k = len(classes)
    if k > MAX_CLASSES:
        raise ValueError(
            f"{argument}: expected at most {MAX_CLASSES} classes "
            f"(glassnet._validation.MAX_CLASSES), got {k}"
        )
    need = 8 * k * n_rows
    if need > MAX_PASS_BYTES:
        raise ValueError(
            f"{argument}: {n_rows} samples of {k} classes need {need / 2**30:.3g} GiB of "
            f"one-hot targets, more than {MAX_PASS_BYTES / 2**30:.3g} GiB "
            "(glassnet._validation.MAX_PASS_BYTES)"
        )


def _column_or_1d(y: Array) -> Array:
    """``y`` of shape (n, 1) as (n,), with scikit-learn's DataConversionWarning (as MLP)."""
    if y.ndim == 2 and y.shape[1] == 1:
        _warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples, ), for example using ravel().",
            DataConversionWarning,
        )
        return column_or_1d(y)
    return y


def _finite(net: Network) -> bool:
    return all(bool(np.isfinite(p).all()) for layer in net.params for p in layer.values())


def _copy_params(net: Network | _NaNWeights) -> list[dict[str, Array]]:
    return [{k: v.copy() for k, v in layer.items()} for layer in net.params]


class _NaNWeights:
    """The network as MLP has it after a step from a non-finite loss: every weight NaN.

    Only its ``params`` are read (kept as the best epoch's when its validation score is the
    best); its validation score, that of NaN outputs, is given with it.
    """

    def __init__(self, net: Network) -> None:
        self.params = [
            {k: np.full_like(v, np.nan) for k, v in layer.items()} for layer in net.params
        ]


def _hidden_activation_names() -> list[str]:
    return sorted(n for n, a in _activations.REGISTRY.items() if not a.output_only)


def _initializer(init: Any, activations: Sequence[str]) -> Any:
    if isinstance(init, str) and init == "sklearn":
        return sklearn_init(activations[0] if activations else "relu")
    return _initializers.get(init)


class _Optimizer:
    """MLP's ``_optimizer``: the learning rate a stochastic fit goes on with, held as
    scikit-learn's ``SGDOptimizer`` / ``AdamOptimizer`` hold it.

    ``learning_rate`` is, as in scikit-learn, the current rate: for the gradient-descent
    solvers the rate of the next update (``invscaling`` sets it to
    ``learning_rate_init / (t_ + 1)^power_t`` after each epoch, ``adaptive`` divides it by 5
    when stuck; with glassnet's named schedules, step, exponential and cosine, each epoch is
    given it times the schedule's factor of the epoch); for adam (and adamw), the
    bias-corrected rate of the last step, ``learning_rate_init sqrt(1 - beta_2^t) /
    (1 - beta_1^t)`` after ``t`` updates; for rmsprop, ``learning_rate_init``. The rate is
    given to each epoch's ``fit`` on the host, so it is a number the compiled program takes
    as an argument, never part of the program.

    The estimator keeps it across ``partial_fit`` calls (``fit`` makes a new one, as MLP), with
    the engine's :class:`~glassnet.run.TrainState` the calls continue (``state``); setting
    ``learning_rate`` by hand between calls sets the next call's rate of the gradient-descent
    solvers, as it does MLP's.
    """

    def __init__(
        self, solver: str, learning_rate_init: float, schedule: str, est: _GlassnetBase
    ) -> None:
        self.solver = solver
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = schedule
        self.sgd = solver in _SGD_FAMILY
        self.t = 0  # updates taken (MLP's AdamOptimizer.t)
        self.state: TrainState | None = None  # what the next partial_fit continues
        self.inner: Any = None  # a glassnet schedule of the update count, or None
        self.steps_per_epoch = 1
        if self.sgd:
            self.momentum = float(est.momentum)
            self.nesterov = bool(est.nesterovs_momentum)
            self.power_t = float(est.power_t)
        else:
            self.beta_1, self.beta_2 = float(est.beta_1), float(est.beta_2)
            self.epsilon = float(est.epsilon)

    def __getstate__(self) -> dict[str, Any]:
        # a named schedule is a closure, made again by every fit and partial_fit
        return {**self.__dict__, "inner": None}

    def restart(self, learning_rate_init: float) -> None:
        """A ``partial_fit`` given another ``learning_rate_init`` (``set_params`` between calls)
        goes on at that rate, scaled as far as the schedule had scaled the old one."""
        lr0 = float(learning_rate_init)
        if lr0 != self.learning_rate_init:
            if self.learning_rate == self.learning_rate_init:
                self.learning_rate = lr0
            else:
                self.learning_rate *= lr0 / self.learning_rate_init
            self.learning_rate_init = lr0

    def rate(self, epoch: int) -> float:
        """The rate the engine is given for epoch ``epoch`` (0-based) of the run."""
        if not self.sgd:  # adam's own factor is in its update
            return self.learning_rate_init
        if self.inner is None:
            return self.learning_rate
        return self.learning_rate * self.inner(epoch * self.steps_per_epoch)

    def stepped(self, state: TrainState | None) -> None:
        """After an epoch: the engine's update count, and adam's rate of its last step."""
        self.state = state
        if state is not None:
            self.t = _update_count(state.opt_state)
        if not self.sgd and self.solver in ("adam", "adamw") and self.t:
            # scikit-learn's AdamOptimizer._get_updates, operation for operation
            self.learning_rate = (
                self.learning_rate_init
                * np.sqrt(1 - self.beta_2**self.t)
                / (1 - self.beta_1**self.t)
            )


def _update_count(opt_state: Any) -> int:
    """The updates an optimizer state has taken: the ``count`` its transformations keep."""
    stack = [opt_state]
    while stack:
        s = stack.pop(0)
        fields = getattr(s, "_fields", None)
        if fields is not None and "count" in fields:
            return int(s.count)
        if isinstance(s, tuple | list):
            stack.extend(s)
    return 0


class _SklearnStopping:
    """scikit-learn's end-of-epoch bookkeeping: loss curve, ``tol`` / ``n_iter_no_change``
    stopping, early stopping on a validation score, the ``invscaling`` / ``adaptive``
    learning rates, and the ``verbose`` lines on stdout.

    Everything it counts lives on the estimator (``loss_curve_``, ``best_loss_``,
    ``_no_improvement_count``, ``t_``, ...), read and written every epoch, so those attributes
    are the training state as in scikit-learn: setting one by hand changes what happens next.
    """

    def __init__(self, est: _GlassnetBase, rate: _Optimizer, n_train: int) -> None:
        self.est, self.rate, self.n_train = est, rate, n_train
        self.val: tuple[Array, Array, Array | None] | None = None
        self.schedule = "constant"

    def record(self, loss: float, net: Network | _NaNWeights, score: float | None = None) -> bool:
        """One epoch's bookkeeping, given its training loss (and, if known, its validation
        score); True means stop."""
        est = self.est
        verbose = bool(est.verbose)
        value = np.float64(loss)
        est.loss_curve_.append(value)
        est.loss_ = value
        est.n_iter_ += 1
        est.t_ += self.n_train
        if verbose:  # scikit-learn's progress lines, on stdout, at the user's request
            print(f"Iteration {est.n_iter_:d}, loss = {value:.8f}")
        if self.val is not None:
            if score is None:
                assert not isinstance(net, _NaNWeights)  # its score comes with it
                with np.errstate(all="ignore"):
                    out = net.predict(self.val[0])
                score = est._score_outputs(out, self.val[1], self.val[2])
            est.validation_scores_.append(score)
            if verbose:
                print(f"Validation score: {score:f}")
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_params = _copy_params(net)
        else:
            if value > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if value < est.best_loss_:
                est.best_loss_ = value
        if self.schedule == "invscaling":  # eta = eta_0 / (t + 1)^power_t, t = samples seen
            # scikit-learn's SGDOptimizer.iteration_ends, operation for operation
            self.rate.learning_rate = self.rate.learning_rate_init / (est.t_ + 1) ** est.power_t
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.val is not None else "Training loss"
            msg = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{int(est.n_iter_no_change):d} consecutive epochs."
            )
            if self.schedule != "adaptive":
                if verbose:
                    print(msg + " Stopping.")
                return True
            if self.rate.learning_rate <= 1e-6:
                if verbose:
                    print(msg + " Learning rate too small. Stopping.")
                return True
            self.rate.learning_rate /= 5.0
            est._no_improvement_count = 0
            if verbose:
                print(msg + f" Setting learning rate to {self.rate.learning_rate:f}")
        return False


class _FullBatchObjective:
    r"""MLP's full-batch objective and its gradient, computed by the engine, over the
    parameters packed as MLP packs them (every ``coefs_[l]`` raveled, then every
    ``intercepts_[l]``):

    ``C(theta) = (1/sum w) sum_i w_i c_i + alpha / (2 sum w) sum_l ||W^(l)||^2``.

    The one place ``"lbfgs"`` (:meth:`_GlassnetBase._fit_lbfgs`) and MLP's private
    ``_loss_grad_lbfgs`` get it from. Calling it writes ``theta`` into the network.
    """

    def __init__(
        self, est: _GlassnetBase, X: Array, Y: Array, sample_weight: Array | None, loss: Any
    ) -> None:
        net = self.net = est.network_
        self.X = X
        self.loss = _losses.get(loss)
        self.Y = net.check_targets(Y, self.loss, X.shape[0])
        w_mean = 1.0 if sample_weight is None else mean_weight(sample_weight)
        self.weight = None if sample_weight is None else mean_one(sample_weight)[:, None]
        self.l2 = float(est.alpha) / X.shape[0] / w_mean  # one by one: the product may overflow
        L = range(len(net.params))
        self.keys = [(l, "W") for l in L] + [(l, "b") for l in L if "b" in net.params[l]]

    def pack(self) -> Array:
        return np.concatenate([self.net.params[l][k].ravel() for l, k in self.keys])

    def unpack(self, theta: Array) -> None:
        start = 0
        for l, k in self.keys:
            target = self.net.params[l][k]
            target[...] = theta[start : start + target.size].reshape(target.shape)
            start += target.size

    def __call__(self, theta: Array) -> tuple[float, Array, Any, Any, Any, Any]:
        """``C`` and its packed gradient at ``theta``, with the engine's pass they came from
        (forward pass, unpenalized cost, gradients and deltas)."""
        net, Y, loss, weight, l2 = self.net, self.Y, self.loss, self.weight, self.l2
        self.unpack(theta)
        fwd = net.apply(net.params, self.X)
        cost = net.cost(fwd, Y, loss, weight)
        value = float(cost)
        value += 0.5 * l2 * sum(float((p["W"] * p["W"]).sum()) for p in net.params)
        grads, deltas = net.backprop(net.params, fwd, Y, loss, weight)
        flat = np.concatenate([
            (grads[l][k] + l2 * net.params[l][k] if k == "W" else grads[l][k]).ravel()
            for l, k in self.keys
        ])  # fmt: skip
        return value, flat, fwd, cost, grads, deltas


# --- the shared estimator -------------------------------------------------------------------


class _GlassnetBase(BaseEstimator):
    """What the classifier and the regressor share; see their docstrings."""

    _estimator_kind = "regressor"

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        output: str | None = None,
        loss: Any = "log_loss",
        init: Any = "sklearn",
        bias: str = "neuron",
        backend: str = "numpy",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.output = output
        self.loss = loss
        self.init = init
        self.bias = bias
        self.backend = backend

    # --- checking the parameters (in fit, as scikit-learn does) ---------------------------

    @property
    def _parameter_constraints(self) -> dict[str, list[Any]]:
        """scikit-learn's constraints for MLP's parameters, widened to glassnet's choices.

        A property because glassnet's registries (activations, losses, optimizers) can grow
        at run time; ``fit`` checks them with scikit-learn's own validator, so a bad value
        raises scikit-learn's ``InvalidParameterError`` in its words, as MLP's do.
        """
        hidden = sorted({*_ACTIVATION_ALIASES, *_hidden_activation_names()})
        outputs = sorted({*_ACTIVATION_ALIASES, *_activations.names(), "exp"})
        return {
            "hidden_layer_sizes": [
                "array-like",
                Interval(numbers.Integral, 1, None, closed="left"),
            ],
            "activation": [StrOptions(set(hidden)), "array-like"],
            "solver": [StrOptions({"lbfgs", "sgd", "adam", *_optimizers.names()})],
            "alpha": [Interval(numbers.Real, 0, None, closed="left")],
            "batch_size": [
                StrOptions({"auto"}),
                Interval(numbers.Integral, 1, None, closed="left"),
            ],
            "learning_rate": [StrOptions(set(_SCHEDULES))],
            "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
            "power_t": [Interval(numbers.Real, 0, None, closed="left")],
            # glassnet's bound on one run's epochs (a fit records every epoch's loss)
            "max_iter": [Interval(numbers.Integral, 1, MAX_EPOCHS, closed="both")],
            "shuffle": ["boolean"],
            "random_state": ["random_state"],
            "tol": [Interval(numbers.Real, 0, None, closed="left")],
            "verbose": ["verbose"],
            "warm_start": ["boolean"],
            "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
            "nesterovs_momentum": ["boolean"],
            "early_stopping": ["boolean"],
            "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
            "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
            "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
            "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
            "n_iter_no_change": [
                Interval(numbers.Integral, 1, None, closed="left"),
                Options(numbers.Real, {np.inf}),
            ],
            "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
            "output": [None, StrOptions(set(outputs))],
            "loss": self._loss_constraint(),
            "init": [str, _initializers.Initializer],
            "bias": [StrOptions(set(BIAS_MODES))],
            "backend": [StrOptions(set(BACKEND_NAMES))],
        }

    def _loss_constraint(self) -> list[Any]:
        raise NotImplementedError

    def _check_params(self) -> dict[str, Any]:
        # the constraints above were checked by _fit_context, as scikit-learn does: on fit and
        # on the first partial_fit; what they cannot say is checked here
        hidden = self.hidden_layer_sizes
        if not hasattr(hidden, "__iter__"):
            hidden = [hidden]
        hidden = list(hidden)
        if not all(isinstance(h, numbers.Integral) and not isinstance(h, bool) for h in hidden):
            raise ValueError(
                "hidden_layer_sizes: expected positive integers (one per hidden layer), "
                f"got {self.hidden_layer_sizes!r}"
            )
        if np.any(np.array(hidden) <= 0):  # scikit-learn's test and words
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        hidden = [int(h) for h in hidden]
        acts = self.activation
        names = [acts] * len(hidden) if isinstance(acts, str) else list(acts)
        if len(names) != len(hidden) or not all(isinstance(a, str) for a in names):
            raise ValueError(
                f"activation: expected a name or {len(hidden)} names (one per hidden layer), "
                f"got {acts!r}"
            )
        allowed = {*_ACTIVATION_ALIASES, *_hidden_activation_names()}
        for a in names:
            if a not in allowed:
                raise InvalidParameterError(
                    f"The 'activation' parameter of {type(self).__name__} must be a str among "
                    f"{sorted(allowed)} or a sequence of them. Got {a!r} instead."
                )
        names = [_ACTIVATION_ALIASES.get(a, a) for a in names]
        if not (isinstance(self.init, str) and self.init == "sklearn"):
            _initializers.get(self.init)
        # MLP's initial range follows the activation parameter, hidden layers or not
        first = acts if isinstance(acts, str) else (names[0] if names else "relu")
        init_activation = _ACTIVATION_ALIASES.get(first, first)
        return {
            "hidden": hidden,
            "activations": names,
            "solver": self.solver,
            "init_activation": init_activation,
        }

    def _engine_optimizer(self, solver: str) -> tuple[str, dict[str, float]]:
        """The glassnet optimizer of ``solver`` and its options, as plain data."""
        if solver == "sgd":
            if self.momentum == 0:
                solver = "gd"
            else:
                solver = "nesterov" if self.nesterovs_momentum else "momentum"
        if solver in ("momentum", "nesterov"):
            return solver, {"beta": float(self.momentum)}
        if solver in ("adam", "adamw"):
            return solver, {
                "beta1": float(self.beta_1),
                "beta2": float(self.beta_2),
                "eps": float(self.epsilon),
            }
        if solver == "rmsprop":
            return solver, {"eps": float(self.epsilon)}
        return solver, {}

    def _seed(self) -> int:
        rs = self.random_state
        # a bool is an integer to scikit-learn too: check_random_state(True) is RandomState(1)
        if isinstance(rs, numbers.Integral) and int(rs) >= 0:
            return int(rs)
        return int(check_random_state(rs).randint(0, np.iinfo(np.int32).max))

    # --- subclass hooks -------------------------------------------------------------------

    def _validate_targets(
        self, y: Any, *, first: bool, incremental: bool, dtype: np.dtype
    ) -> Array:
        raise NotImplementedError

    def _default_head(self) -> tuple[str, Any, int]:
        raise NotImplementedError

    def _score_outputs(self, out: Array, Y: Array, sample_weight: Array | None) -> float:
        raise NotImplementedError

    # --- training --------------------------------------------------------------------------

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> Any:
        cfg = self._check_params()
        # MLP's rule: coefs_ (fitted or set by hand) are the model a warm_start fit or a
        # partial_fit continues from
        first = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=self._estimator_kind == "regressor",
            reset=first,
        )
        if hasattr(X, "toarray"):
            X = X.toarray()
        hand_set = not first and not hasattr(self, "network_")
        if not first:  # continuing: the model keeps its dtype and its (maybe hand-set) weights
            if hand_set:  # set by hand on an estimator never fitted, as MLP's tests do
                self._network_from_attributes()
            X = X.astype(self.network_.dtype, copy=False)
            self._adopt_attributes()
            self._adopt_training_state()
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            if not mean_weight(sample_weight) > 0:
                raise ValueError("sample_weight: expected weights with a positive sum")
        Y = self._validate_targets(y, first=first, incremental=incremental, dtype=X.dtype)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")

        output, loss, n_out = self._default_head()
        acts = cfg["activations"]
        seed = self._seed()
        if first:
            self.network_: Network = Network(
                [X.shape[1], *cfg["hidden"], n_out],
                activation=acts,
                output=_output_unit(output),
                bias=self.bias,
                init=_initializer(self.init, [cfg["init_activation"]]),
                seed=seed,
                dtype=X.dtype,
            )
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_: list[Any] = []
            self._no_improvement_count = 0
            self.__dict__.pop("_optimizer", None)  # fit starts a new one
            self._best_params = _copy_params(self.network_)
            if self.early_stopping:
                self.validation_scores_: Any = []
                self.best_validation_score_: Any = -np.inf
                self.best_loss_: Any = None
            else:
                self.validation_scores_ = None
                self.best_validation_score_ = None
                self.best_loss_ = np.inf
        else:
            self._check_warm_network(cfg, output, n_out, X.shape[1], hand_set)
            if self.early_stopping and self.validation_scores_ is None:
                self.validation_scores_ = []
            if self.early_stopping and self.best_validation_score_ is None:
                self.best_validation_score_ = -np.inf
            if not self.early_stopping and self.best_loss_ is None:
                self.best_loss_ = np.inf
        self.n_outputs_ = n_out
        self.n_layers_ = len(cfg["hidden"]) + 2
        self.out_activation_ = _SKLEARN_NAMES.get(output, output)
        if cfg["solver"] == "lbfgs":
            self._fit_lbfgs(X, Y, sample_weight, loss)
            return self

        # hold out the validation set for early stopping, as scikit-learn: stratified for
        # one-output classifiers, drawn from the RandomState that drew the initial weights
        X_train, Y_train, sw_train = X, Y, sample_weight
        val = None
        if self.early_stopping:
            one_output_classifier = self._estimator_kind == "classifier" and n_out == 1
            arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
            parts = train_test_split(
                *arrays,
                random_state=self._split_random_state(first),
                test_size=self.validation_fraction,
                stratify=Y.astype(bool) if one_output_classifier else None,
            )
            X_train, X_val, Y_train, Y_val = parts[:4]
            sw_val = None
            if sample_weight is not None:
                sw_train, sw_val = parts[4], parts[5]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
            val = (X_val, Y_val, sw_val)
        n_train = X_train.shape[0]

        if self.batch_size == "auto":
            batch = min(200, n_train)
        else:
            if self.batch_size > n_train:
                _warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going to "
                    "be clipped",
                    UserWarning,
                )
            batch = min(int(self.batch_size), n_train)
        steps_per_epoch = math.ceil(n_train / batch)
        # scikit-learn divides the penalty by the batch's weight sum: its mean is batch * w_mean
        w_mean = 1.0 if sw_train is None else mean_weight(sw_train)

        solver = cfg["solver"]
        schedule = self.learning_rate if solver in _SGD_FAMILY else "constant"
        inner = None
        if schedule in ("step", "exponential", "cosine"):
            inner = _optimizers.schedule(
                schedule, epochs=int(self.max_iter), steps_per_epoch=steps_per_epoch
            )
        name, options = self._engine_optimizer(solver)
        lr0 = float(self.learning_rate_init)
        # as MLP: fit makes a new optimizer, partial_fit goes on with the one there is
        rate = self.__dict__.get("_optimizer") if incremental else None
        if not isinstance(rate, _Optimizer):
            rate = _Optimizer(solver, lr0, schedule, self)
        rate.restart(lr0)
        rate.inner, rate.steps_per_epoch = inner, steps_per_epoch
        self._optimizer = rate
        # the run as data: one TrainConfig, and the TrainState partial_fit continues
        # (scikit-learn keeps the optimizer across partial_fit calls; fit starts a new one)
        train = TrainConfig(
            loss=loss,
            optimizer=name,
            optimizer_options=options,
            lr=lr0,
            epochs=1,
            batch_size=batch,
            shuffle=bool(self.shuffle),
            seed=(seed + self.t_) % (2**32) if incremental else seed,
            l2=float(self.alpha) / batch / w_mean,  # one by one: batch * w_mean may overflow
            stats_every=0,
            backend=self.backend,
            # as MLP: no divergence rule, every step taken whatever the loss (an infinite
            # loss with finite gradients goes on training); NaN weights are handled below
            divergence="none",
            warn=False,
        )
        state = rate.state

        stopper = _SklearnStopping(self, rate, n_train)
        stopper.val = val
        stopper.schedule = schedule
        self.n_iter_ = 0  # as scikit-learn: the no-improvement count carries over, not this
        start = len(self.loss_curve_)
        epochs = 1 if incremental else int(self.max_iter)
        horizon = int(self.max_iter) - 1 if incremental else 0  # of a named schedule
        history: History | None = None
        stopped = went_nan = False
        # the first overflow of the call, said once after it in the engine's words (where MLP
        # prints NumPy's warnings at every step): a fit looks at its initial weights first (one
        # pass, where huge inputs overflow), then, as partial_fit, at every epoch's loss
        overflowed: list[str] = []
        if not incremental and self._may_overflow(X_train, Y_train):
            note = self._overflow(X_train, Y_train, sw_train, loss)
            if note is not None:
                overflowed.append(f"{solver}: at the initial weights, {note}")
        try:
            for epoch in range(epochs):
                # the weights the epoch starts from, to say where an overflow in it began
                # (a copy of the parameters: small beside the epoch's passes over the data)
                before = None if overflowed else _copy_params(self.network_)
                # one fit per epoch, continuing the run: between epochs the rate changes
                # (scikit-learn's schedules) and the stopping rules look at the loss
                one = _train(
                    self.network_,
                    X_train,
                    Y_train,
                    # partial_fit's call is the run's next epoch of a named schedule (each
                    # call was its epoch 0: a cosine schedule did nothing across calls), up
                    # to fit's last (past it, cosine's factor 0 would be a rate of 0)
                    train.replace(lr=rate.rate(min(start, horizon) + epoch)),
                    sample_weight=sw_train,
                    resume=state,
                )
                state = one.state
                rate.stepped(state)
                history = state.history if state is not None else one
                finite = _finite(self.network_)
                last = float(one.loss[-1])
                if before is not None and not (finite and math.isfinite(last)):
                    overflowed.append(
                        self._overflow_in_epoch(
                            solver, start + epoch + 1, last, before, X_train, Y_train, sw_train,
                            loss,
                        )
                    )  # fmt: skip
                if not finite:  # the engine trains no NaN weights further
                    went_nan = True
                    break
                if stopper.record(float(one.loss[-1]), self.network_):
                    stopped = True
                    break
        except KeyboardInterrupt:  # as scikit-learn: keep what was learned so far
            _warn("Training interrupted by user.", UserWarning)
            curve = np.asarray(self.loss_curve_[start:], dtype=np.float64)
            history = History(
                loss=curve,
                epochs_run=len(curve),
                stopped_by="KeyboardInterrupt",
                messages=["training was interrupted by the user"],
            )
            stopped = True
        if overflowed:
            warn_nonfinite(overflowed[0])
        if history is None:  # max_iter epochs of nothing: scikit-learn refuses max_iter=0
            history = History(loss=np.zeros(0))
        self.history_ = history
        if went_nan:
            # The epoch's step went to weights that are not finite (from a NaN loss or
            # gradient). scikit-learn goes on with them: that epoch's validation score and
            # every later one are those of NaN outputs, every later loss is NaN (so nothing
            # ever counts as "no improvement") until max_iter, and if such a score is the
            # best, the NaN weights are the best epoch's, kept and then refused. Those epochs
            # are recorded without being computed (the engine refuses to train NaN weights),
            # their outcome being known.
            nan_score = None
            if val is not None:  # what a network with NaN weights scores
                nan_out = np.full((val[0].shape[0], n_out), np.nan, dtype=X.dtype)
                nan_score = self._score_outputs(nan_out, val[1], val[2])
            nan_net = _NaNWeights(self.network_)
            stopped = stopper.record(float(history.loss[-1]), nan_net, score=nan_score)
            while not stopped and not incremental and self.n_iter_ < self.max_iter:
                stopped = stopper.record(np.nan, nan_net, score=nan_score)
        if not incremental and not stopped and self.n_iter_ == self.max_iter:
            _warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter:d}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        if self.early_stopping:  # keep the best epoch's weights (the first ones if none was)
            for layer, best in zip(self.network_.params, self._best_params, strict=True):
                for k in layer:
                    layer[k][...] = best[k]
        self._expose()
        # weights that are not finite are refused, as MLP refuses them (unless early stopping
        # put the best epoch's back): the same error, for the same run
        if not _finite(self.network_):
            raise ValueError(_NON_FINITE)
        return self

    def _split_random_state(self, first: bool) -> np.random.RandomState:
        """The RandomState scikit-learn splits with: after drawing the initial weights.

        For an integer ``random_state`` that is a fresh ``RandomState(random_state)``
        advanced past the draws of the first initialization (one per weight and bias, as
        MLP draws them), so the validation set is exactly MLP's.
        """
        rs = check_random_state(self.random_state)
        if first and isinstance(self.random_state, numbers.Integral):
            sizes = self.network_.sizes
            rs.uniform(size=sum(a * b + b for a, b in itertools.pairwise(sizes)))
        return rs

    def _may_overflow(self, X: Array, Y: Array) -> bool:
        """Whether a pass over ``X`` at the present weights could overflow, from a bound on
        ``|W^(l)|``, ``|z^(l)|`` and ``|a^(l)|`` layer by layer: ``|z| <= n_in max|a_prev|
        max|W| + max|b|``,
        ``|a| <= max(|f(-bound)|, |f(bound)|, bound)`` for glassnet's own activations (each
        monotone, or within ``|z|`` of it; another activation always gets the pass). While
        every bound, with the targets, stays below the fourth root of the dtype's largest
        number (about 3.7e76 in float64, 4.3e9 in float32), squares and the backward pass's
        products of a few such numbers stay finite, and the pass is not run: the bound costs a
        reduction over ``X``, the pass an epoch's arithmetic."""
        net = self.network_
        safe = float(np.finfo(net.dtype).max) ** 0.25
        with np.errstate(over="ignore", invalid="ignore"):
            bound = float(np.abs(X).max()) if X.size else 0.0
            for act, layer in zip(net.activations, net.params, strict=True):
                W = layer["W"]
                largest = float(np.abs(W).max())  # the backward pass multiplies by W too
                bound = W.shape[-2] * bound * largest
                if not largest < safe:
                    return True
                if "b" in layer:
                    bound += float(np.abs(layer["b"]).max())
                if not bound < safe or act.value.__module__ != _activations.__name__:
                    return True
                ends = act.value(np.array([[-bound, bound]], dtype=net.dtype))
                bound = max(bound, float(np.abs(ends).max()))
                if not bound < safe:
                    return True
            targets = float(np.abs(Y).max()) if Y.size else 0.0
        return not bound + targets < safe

    def _overflow(
        self,
        X: Array,
        Y: Array,
        sample_weight: Array | None,
        loss: Any,
        params: list[dict[str, Array]] | None = None,
    ) -> str | None:
        """Where one pass of the network over ``X`` (its forward pass, cost and gradients), at
        its present weights or at ``params``, first overflows, in :meth:`Network.overflow`'s
        words; ``None`` when every number of it is finite."""
        net = self.network_
        if params is not None:  # a copy holding those weights, the network left as it is
            net = net.copy()
            for layer, saved in zip(net.params, params, strict=True):
                for k in layer:
                    layer[k][...] = saved[k]
        lossf = _losses.get(loss)
        Y = net.check_targets(Y, lossf, X.shape[0])
        weight = None
        if sample_weight is not None:
            weight = mean_one(sample_weight)[:, None]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            fwd = net.apply(net.params, X)
            cost = net.cost(fwd, Y, lossf, weight)
            grads, deltas = net.backprop(net.params, fwd, Y, lossf, weight)
            return net.overflow(fwd, Y, lossf, cost, grads, deltas)

    def _overflow_in_epoch(
        self,
        solver: str,
        iteration: int,
        loss_value: float,
        before: list[dict[str, Array]],
        X: Array,
        Y: Array,
        sample_weight: Array | None,
        loss: Any,
    ) -> str:
        """The note for the first epoch whose loss or weights came out not finite: where a pass
        over the training data overflows at the weights the epoch started from, else what the
        epoch's steps did."""
        where = f"{solver}: iteration {iteration}"
        note = self._overflow(X, Y, sample_weight, loss, before)
        if note is not None:
            return f"{where}, at the weights it started from, {note}"
        if not _finite(self.network_):
            return (
                f"{where} stepped from finite weights to weights that are not finite (its "
                f"loss: {loss_value:.6g}); scale X or lower learning_rate_init"
            )
        return (
            f"{where} had a loss of {loss_value:.6g}, though a pass over the training data is "
            "finite at the weights it started from: one of its mini-batch steps overflowed; "
            "scale X or lower learning_rate_init"
        )

    def _fit_lbfgs(self, X: Array, Y: Array, sample_weight: Array | None, loss: Any) -> None:
        r"""Full-batch L-BFGS-B (scipy) on the engine's loss and gradients, as scikit-learn's.

        Minimizes ``C(theta) = (1/sum w) sum_i w_i c_i + alpha / (2 sum w) sum_l ||W^(l)||^2``
        over every weight and bias, with ``maxiter=max_iter``, ``maxfun=max_fun`` and
        ``gtol=tol``; ``loss_curve_`` holds ``C`` after each L-BFGS iteration.
        """
        from scipy.optimize import minimize

        objective_of = _FullBatchObjective(self, X, Y, sample_weight, loss)
        net, loss, Y = objective_of.net, objective_of.loss, objective_of.Y

        # the first overflow of a finite point, in the engine's words (NumPy's own warnings are
        # silenced below): said once after the run, where MLP prints NumPy's at every call
        overflowed: list[str] = []
        largest: list[float] = []  # the largest gradient entry at the last finite point

        def objective(theta: Array) -> tuple[float, Array]:
            value, flat, fwd, cost, grads, deltas = objective_of(theta)
            finite = math.isfinite(value) and bool(np.isfinite(flat).all())
            if overflowed:
                pass
            elif not np.isfinite(theta).all():
                # from finite weights, L-BFGS's own arithmetic overflowed (weights that were
                # not finite from the start are refused after the run, in MLP's words)
                if largest:
                    overflowed.append(
                        "lbfgs: L-BFGS stepped from finite weights to weights that are not "
                        "finite (the largest gradient entry at the last finite weights: "
                        f"{largest[-1]:.3g}); scale X"
                    )
            elif not finite:
                where = "at a point L-BFGS tried" if largest else "at the initial weights"
                note = net.overflow(fwd, Y, loss, cost, grads, deltas) or (
                    f"the L2 penalty (alpha={self.alpha}) or its gradient is not finite"
                )
                overflowed.append(f"lbfgs: {where}, {note}")
            if finite:
                largest[:] = [float(np.abs(flat).max())]
            return value, flat

        curve: list[float] = []

        def step(intermediate_result: Any) -> None:
            curve.append(float(intermediate_result.fun))

        theta0 = objective_of.pack()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            result = minimize(
                objective,
                theta0,
                method="L-BFGS-B",
                jac=True,
                callback=step,
                options={
                    "maxfun": int(self.max_fun),
                    "maxiter": int(self.max_iter),
                    "gtol": float(self.tol),
                },
            )
        self.n_iter_ = min(int(result.nit), int(self.max_iter))
        if overflowed:
            warn_nonfinite(overflowed[0])
        if result.status != 0:
            _warn(_lbfgs_warning(result, self.n_iter_, int(self.max_iter)), ConvergenceWarning)
        # loss_ is the cost at the weights kept, result.x: SciPy's result.fun is that of the
        # last point it evaluated, which after a failed line search (ABNORMAL) is a trial point
        # it rejected (MLP reports that one: 60 orders of magnitude off in such a run)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            kept = objective(result.x)[0]  # leaves the network at result.x
        self.loss_ = np.float64(kept)
        self.loss_curve_ = curve
        self.best_loss_ = min(curve) if curve else self.loss_
        self.validation_scores_ = self.best_validation_score_ = None
        self.history_ = History(
            loss=np.asarray(curve),
            epochs_run=len(curve),
            settings={"loss": loss.name, "optimizer": "lbfgs", "epochs": int(self.max_iter),
                      "batch_size": None, "l2": objective_of.l2},
        )  # fmt: skip
        self._expose()
        if not all(np.isfinite(p).all() for layer in net.params for p in layer.values()):
            raise ValueError(_NON_FINITE)

    def _loss_grad_lbfgs(
        self,
        packed_coef_inter: Any,
        X: Any,
        y: Any,
        sample_weight: Any,
        activations: list[Any],
        deltas: list[Any],
        coef_grads: list[Any],
        intercept_grads: list[Any],
    ) -> tuple[float, Array]:
        """MLP's private ``_loss_grad_lbfgs``, with its signature and meaning, for parity with
        code (scikit-learn's own tests among it) that calls it on an MLP.

        Writes ``packed_coef_inter`` (every ``coefs_[l]`` raveled, then every
        ``intercepts_[l]``) into the model, as MLP's ``_unpack`` does, and returns MLP's loss
        there (the cost plus ``alpha / (2 sum w) sum_l ||W^(l)||^2``) and its gradient packed
        the same way. ``y`` is the network's target rows (a classifier's binarized labels).
        Both come from the engine's pass, the objective ``solver="lbfgs"`` minimizes; the
        pass is also written into MLP's work lists as MLP fills them: ``activations[l + 1]``
        (each layer's output; ``activations[0]`` is ``X``), ``deltas[l]`` (``dC/dz`` of layer
        ``l + 1`` times the weight sum ``sum w``, MLP's unscaled deltas), ``coef_grads[l]``
        (penalty included) and ``intercept_grads[l]``.
        """
        if not hasattr(self, "network_") and hasattr(self, "coefs_"):
            self._network_from_attributes()
        check_is_fitted(self, "network_")
        self._adopt_attributes()
        net = self.network_
        if net.bias != "neuron":
            raise ValueError(
                f"_loss_grad_lbfgs: packs MLP's intercepts (one per unit), expected "
                f"bias='neuron', got bias={net.bias!r}"
            )
        X = X.toarray() if hasattr(X, "toarray") else X
        X = np.asarray(X, dtype=net.dtype)
        Y = np.asarray(y, dtype=net.dtype)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        loss = self._default_head()[1]
        objective = _FullBatchObjective(self, X, Y, sample_weight, loss)
        theta = np.asarray(packed_coef_inter, dtype=np.float64).ravel()
        if theta.size != objective.pack().size:
            raise ValueError(
                f"packed_coef_inter: expected {objective.pack().size} numbers (coefs_ raveled, "
                f"then intercepts_), got {theta.size}"
            )
        value, grad, fwd, _, _, engine_deltas = objective(theta)
        L = len(net.params)
        sw_sum = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        start = 0
        for l in range(L):  # the packed gradient, unpacked into MLP's lists
            shape = net.params[l]["W"].shape
            coef_grads[l] = grad[start : start + shape[0] * shape[1]].reshape(shape)
            start += shape[0] * shape[1]
        for l in range(L):
            n_out = net.params[l]["W"].shape[1]
            intercept_grads[l] = grad[start : start + n_out]
            start += n_out
        activations[0] = X
        for l in range(L):
            activations[l + 1] = fwd.a[l + 1]
            deltas[l] = engine_deltas[l + 1] * sw_sum
        return value, grad

    def _check_solver(self) -> bool:
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _check_warm_network(
        self, cfg: dict[str, Any], output: str, n_out: int, n_features: int, hand_set: bool
    ) -> None:
        net = self.network_
        want = [n_features, *cfg["hidden"], n_out]
        if net.sizes != want or net.activations[-1].name != output:
            what = "the fitted network has"
            if hand_set:
                what = "the hand-set coefs_ and out_activation_ make"
            raise ValueError(
                f"warm_start: {what} layers "
                f"{net.sizes} ({net.activations[-1].name} output), the parameters "
                f"now ask for {want} ({output} output); set warm_start=False to start over"
            )

    def _adopt_training_state(self) -> None:
        """Check the training state a fit continues from (fitted, or set by hand on an
        estimator never fitted, as MLP's tests set it) and fill in what was not set with
        MLP's starting values: ``t_`` 0, ``loss_curve_`` empty, ``_no_improvement_count`` 0,
        ``best_loss_`` infinite, ``validation_scores_`` empty and ``best_validation_score_``
        -inf with early stopping. MLP reads these as they are; one of another type or
        inconsistent with ``coefs_`` is refused here, naming it, rather than failing midway.
        """
        n = len(self.network_.params)
        layers = self.__dict__.get("n_layers_")
        if layers is not None and layers != n + 1:
            raise ValueError(
                f"n_layers_: expected {n + 1} (coefs_ has {n} arrays: input, hidden and output "
                f"layers), got {layers!r}"
            )
        outputs = self.__dict__.get("n_outputs_")
        if outputs is not None and outputs != self.network_.sizes[-1]:
            raise ValueError(
                f"n_outputs_: expected {self.network_.sizes[-1]} (the columns of coefs_[-1]), "
                f"got {outputs!r}"
            )
        for name, default in (("t_", 0), ("_no_improvement_count", 0)):
            value = self.__dict__.get(name, default)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
            setattr(self, name, int(value))
        curve = self.__dict__.get("loss_curve_", [])
        if not isinstance(curve, list):
            if isinstance(curve, str) or not isinstance(curve, Sequence | np.ndarray):
                raise ValueError(
                    f"loss_curve_: expected a list of the losses so far, got {curve!r}"
                )
            curve = list(curve)
        self.loss_curve_ = curve
        for name in ("best_loss_", "best_validation_score_"):
            value = self.__dict__.get(name)
            if value is not None and not isinstance(value, numbers.Real):
                raise ValueError(f"{name}: expected a number or None, got {value!r}")
            setattr(self, name, value)
        scores = self.__dict__.get("validation_scores_")
        if scores is not None and not isinstance(scores, list):
            raise ValueError(
                f"validation_scores_: expected a list of the scores so far or None, got {scores!r}"
            )
        self.validation_scores_ = scores
        if "_best_params" not in self.__dict__:  # the weights early stopping falls back on
            self._best_params = _copy_params(self.network_)

    def _expose(self) -> None:
        """``coefs_`` and ``intercepts_``: views of the network's own parameters."""
        net = self.network_
        self.coefs_ = [p["W"] for p in net.params]
        if net.bias == "neuron":
            self.intercepts_ = [p["b"][0] for p in net.params]
        elif net.bias == "layer":  # one scalar per layer, shown per unit (read-only copies)
            self.intercepts_ = [np.full(p["W"].shape[1], p["b"][0, 0]) for p in net.params]
        else:
            self.intercepts_ = [np.zeros(p["W"].shape[1]) for p in net.params]
        # what was handed out, to tell later whether the user replaced any of it
        self._exposed = (self.coefs_, self.intercepts_, list(self.coefs_), list(self.intercepts_))

    def _adopt_attributes(self) -> None:
        """Make ``coefs_`` and ``intercepts_`` the model again, whatever was assigned to them.

        They are views of the network's parameters, so changing them in place changes the
        network; an assigned list or array (``clf.coefs_ = [...]``, ``clf.coefs_[0] = W``)
        is copied into the network here, before every prediction and every further fit, as
        scikit-learn's MLP, whose model they are, would use it.
        """
        net = self.network_
        coefs, intercepts = self.coefs_, self.intercepts_
        exposed = self.__dict__.get("_exposed")
        untouched = (
            exposed is not None
            and coefs is exposed[0]
            and intercepts is exposed[1]
            and all(a is b for a, b in zip(coefs, exposed[2], strict=False))
            and all(a is b for a, b in zip(intercepts, exposed[3], strict=False))
        )
        if untouched and net.bias == "neuron":  # the views themselves: nothing to copy
            return
        n = len(net.params)
        if len(coefs) != n or len(intercepts) != n:
            raise ValueError(
                f"coefs_, intercepts_: expected {n} arrays each (one per layer), got "
                f"{len(coefs)} and {len(intercepts)}"
            )
        for l, p in enumerate(net.params):
            W = np.asarray(coefs[l])
            if W.shape != p["W"].shape:
                raise ValueError(f"coefs_[{l}]: expected shape {p['W'].shape}, got {W.shape}")
            if W is not p["W"]:
                p["W"][...] = W
            b = np.asarray(intercepts[l])
            if b.shape != (p["W"].shape[1],):
                raise ValueError(
                    f"intercepts_[{l}]: expected shape {(p['W'].shape[1],)}, got {b.shape}"
                )
            if net.bias == "neuron":
                p["b"][0] = b
            elif net.bias == "layer":
                if not (b == b[0]).all():
                    raise ValueError(
                        f"intercepts_[{l}]: bias='layer' has one bias per layer; expected "
                        f"equal values, got {b}"
                    )
                p["b"][...] = b[0]
            elif (b != 0).any():
                raise ValueError(f"intercepts_[{l}]: bias='none' has no biases; got {b}")
        if not untouched:
            self._expose()

    def _network_from_attributes(self) -> None:
        """Build ``network_`` from hand-set ``coefs_``, ``intercepts_`` and
        ``out_activation_`` on an estimator never fitted, as MLP predicts from those alone
        (and a ``warm_start`` fit or a ``partial_fit`` continues from them)."""
        given = self.coefs_
        if isinstance(given, np.ndarray | str) or not isinstance(given, Sequence) or not given:
            raise ValueError(
                f"coefs_: expected a list of 2-D weight arrays, one per layer, got {given!r}"
            )
        coefs = [np.asarray(c) for c in given]
        for l, c in enumerate(coefs):
            if c.ndim != 2 or c.dtype.kind not in "biuf":
                raise ValueError(
                    f"coefs_[{l}]: expected a 2-D array of numbers (n_in, n_out), got {given[l]!r}"
                )
        sizes = [coefs[0].shape[0], *(c.shape[1] for c in coefs)]
        acts = self.activation
        n_hidden = len(sizes) - 2
        names = [acts] * n_hidden if isinstance(acts, str) else list(acts)
        output = getattr(self, "out_activation_", None)
        if output is None:
            raise ValueError(
                "out_activation_: set it with coefs_ and intercepts_ (e.g. 'identity', "
                "'logistic', 'softmax'), as MLP needs it to predict"
            )
        dtype = coefs[0].dtype if coefs[0].dtype in (np.float32, np.float64) else np.float64
        self.network_ = Network(
            sizes,
            activation=[_ACTIVATION_ALIASES.get(a, a) for a in names],
            output=_output_unit(_ACTIVATION_ALIASES.get(output, output)),
            bias=self.bias,
            init="uniform",  # replaced by the hand-set weights in _adopt_attributes
            seed=0,
            dtype=dtype,
        )

    def _forward(self, X: Any) -> Array:
        if not hasattr(self, "network_") and hasattr(self, "coefs_"):
            self._network_from_attributes()
        check_is_fitted(self, "network_")
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
        )
        if hasattr(X, "toarray"):
            X = X.toarray()
        self._adopt_attributes()
        return self.network_.predict(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the network to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Sparse input is densified.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the cost, ``C = (1/n) sum_i w_i c_i`` with ``w``
            normalized to mean 1.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    # --- pickling: the network is stored as plain configuration + arrays ------------------

    def __getstate__(self) -> dict[str, Any]:
        if hasattr(self, "network_"):
            self._adopt_attributes()
        state = super().__getstate__()
        state = dict(state)
        net = state.pop("network_", None)
        if net is not None:
            # coefs_ and intercepts_ are views of the network's parameters, made again by
            # __setstate__; without a network (hand-set on an estimator never fitted) they
            # are the model itself and stay
            state.pop("coefs_", None)
            state.pop("intercepts_", None)
            state.pop("_exposed", None)
            cfg = net.config()
            state["_network_state"] = (
                cfg,
                [{k: np.array(v) for k, v in layer.items()} for layer in net.params],
            )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        stored = state.pop("_network_state", None)
        super().__setstate__(state)
        if stored is not None:
            cfg, params = stored
            net = Network(
                cfg["sizes"],
                activation=cfg["activation"],
                output=_output_unit(cfg["output"]),
                bias=cfg["bias"],
                init="uniform",  # replaced by the stored parameters just below
                seed=cfg["seed"],
                dtype=cfg["dtype"],
            )
            try:  # the initializer is only a label once trained; keep the right one
                net.init = _initializer(cfg["init"], cfg["activation"])
            except ValueError:  # not registered: only its name is kept, as Network's pickle
                net.init = _initializers.Initializer(
                    cfg["init"], _initializers.REGISTRY["uniform"].draw
                )
            for layer, saved in zip(net.params, params, strict=True):
                for k in layer:
                    layer[k][...] = saved[k]
            self.network_ = net
            self._expose()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# --- the two faces ---------------------------------------------------------------------------


class GlassnetClassifier(ClassifierMixin, _GlassnetBase):
    r"""A multi-layer perceptron classifier trained by glassnet, drop-in for ``MLPClassifier``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : str or sequence of str, default="relu"
        Hidden activation: scikit-learn's ``"identity"``, ``"logistic"`` (glassnet's
        ``"sigmoid"``), ``"tanh"``, ``"relu"``, or any glassnet activation (``"leaky_relu"``,
        ``"elu"``, ``"gelu"``, ``"silu"``, ``"softplus"``, ``"tanh01"``, ...); a sequence gives
        one per hidden layer.
    solver : str, default="adam"
        ``"adam"``; ``"sgd"`` (gradient descent, with ``momentum`` and Nesterov's variant per
        ``nesterovs_momentum``); or a glassnet optimizer name (``"gd"``, ``"momentum"``,
        ``"nesterov"``, ``"rmsprop"``, ``"adamw"``); or ``"lbfgs"`` (SciPy's L-BFGS-B on the
        full-batch objective; no ``partial_fit``).
    alpha : float, default=1e-4
        L2 penalty ``alpha / (2 n_b) sum ||W||^2`` on the weights (``n_b``: the batch size).
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : str, default="constant"
        For the gradient-descent solvers: ``"constant"``; ``"invscaling"``,
        ``eta_t = learning_rate_init / (t + 1)^power_t`` with ``t`` the samples seen (updated
        after each epoch, as scikit-learn); ``"adaptive"``, ``eta / 5`` whenever the loss (or
        the validation score) fails to improve by ``tol`` for ``n_iter_no_change`` epochs,
        stopping once ``eta <= 1e-6``; or a glassnet schedule over ``max_iter`` epochs
        (``"step"``, ``"exponential"``, ``"cosine"``): ``fit`` starts it anew, and each
        ``partial_fit`` call is the schedule's next epoch, counted by ``loss_curve_`` (after a
        ``fit``, the calls go on from the epochs it ran), the ``max_iter``-th and later calls
        at the factor of its last epoch. Ignored by adam, as by scikit-learn.
    learning_rate_init : float, default=1e-3
    power_t : float, default=0.5
    max_iter : int, default=200
        Epochs (passes over the data).
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights, the shuffling and the validation split. An integer gives
        the same initial weights as scikit-learn's MLP with that ``random_state``.
    tol : float, default=1e-4
    verbose : bool, default=False
        Print scikit-learn's progress lines on stdout: ``Iteration N, loss = ...`` per epoch,
        ``Validation score: ...`` with ``early_stopping``, and why training stopped. (The
        estimator prints because MLP's users ask it to; glassnet's engine never prints.)
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its accuracy does not
        improve by ``tol`` for ``n_iter_no_change`` epochs; the best epoch's weights are kept.
        The split is MLP's: stratified for one output unit (two classes), drawn from
        ``RandomState(random_state)`` after the initial weights. Epochs whose predictions
        are not finite score NaN and training goes on, as in MLP.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float
        Adam's moment decay rates and its ``epsilon``.
    n_iter_no_change : int or np.inf, default=10
        ``np.inf``: never stop for lack of improvement.
    max_fun : int, default=15000
        ``"lbfgs"`` only: the most loss evaluations.
    output : str or None, default=None
        Output activation; ``None`` picks ``"sigmoid"`` for two classes (one unit) and for
        multilabel targets, ``"softmax"`` for several classes (one unit per class).
    loss : str, Loss or None, default="log_loss"
        ``"log_loss"`` (or ``None``): MLP's, :data:`BINARY_LOG_LOSS` (binary cross-entropy
        summed over the labels) with sigmoid outputs, ``"cross_entropy"`` with softmax; or
        any glassnet loss name (``"mse"``, ``"bce"``, ...). MLPClassifier has this as a fixed
        attribute, not a parameter.
    init : str, default="sklearn"
        ``"sklearn"`` (scikit-learn's draw, see :func:`sklearn_init`) or any glassnet
        initializer (``"xavier"``, ``"he"``, ``"paper"``, ...).
    bias : {"neuron", "layer", "none"}, default="neuron"
    backend : {"numpy", "jax"}, default="numpy"
        The engine's backend (:func:`glassnet.training.fit`); ``"jax"`` compiles the epochs
        (the optional JAX extra). ``"lbfgs"`` always runs on NumPy.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : glassnet.Network
        The fitted network.
    coefs_ : list of ndarray
        ``coefs_[l]``, shape ``(n_{l}, n_{l+1})``: the weights (views of ``network_``'s).
    intercepts_ : list of ndarray
        ``intercepts_[l]``, shape ``(n_{l+1},)``.
    loss_curve_ : list of float
        Training cost per epoch (including the L2 term), as scikit-learn's.
    loss_ : numpy.float64
    best_loss_ : float or None
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``.
    best_validation_score_ : float or None
    n_iter_ : int
    t_ : int
        Training samples seen.
    n_features_in_ : int
    n_outputs_ : int
    n_layers_ : int
    out_activation_ : str
        scikit-learn's name of the output activation (``"logistic"``, ``"softmax"``,
        ``"identity"``, ``"exp"``) or glassnet's for its own.
    history_ : glassnet.History
        The engine's record of the run: the training loss of every epoch of the last ``fit``,
        or of every ``partial_fit`` since the first (one run, as the optimizer's state). It
        holds no per-layer statistics, which the estimators do not record; a
        :class:`glassnet.Network` fit with ``stats_every`` does.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from glassnet.sklearn import GlassnetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GlassnetClassifier((10,), max_iter=300, learning_rate_init=0.01, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _estimator_kind = "classifier"

    def _validate_targets(
        self, y: Any, *, first: bool, incremental: bool, dtype: np.dtype
    ) -> Array:
        # scikit-learn's MLPClassifier._validate_input, case by case
        given = y
        y = np.asarray(y) if not hasattr(y, "toarray") else y.toarray()
        y = _column_or_1d(y)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            # fitted on a sparse indicator y as given, the binarizer gives predictions back
            # sparse (its sparse_input_), as MLP's
            if y.ndim == 1:  # before the binarizer writes its (n_samples, n_classes) rows
                _check_classes(unique_labels(y), y.shape[0], "y")
            self._label_binarizer.fit(given if hasattr(given, "toarray") and y.ndim == 2 else y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return self._label_binarizer.transform(y).astype(dtype)

    def _default_head(self) -> tuple[str, Any, int]:
        kind = self._label_binarizer.y_type_
        n_classes = len(self._label_binarizer.classes_)
        # one unit for two classes (or one: scikit-learn fits a single-class y too)
        n_out = 1 if kind == "binary" else n_classes
        output = "softmax" if kind == "multiclass" else "sigmoid"
        if self.output is not None:
            output = _ACTIVATION_ALIASES.get(self.output, self.output)
        if n_out == 1 and output == "softmax":
            raise ValueError(
                "output: 'softmax' needs several output units; two classes use one unit "
                "(output='sigmoid' or None)"
            )
        loss: Any
        if self.loss is None or self.loss == "log_loss":
            # scikit-learn's log_loss is the loss the output calls for: cross-entropy on a
            # distribution, its binary form (MLP's scaling) on independent units
            natural = _losses.natural_loss(_output_unit(output), classes=True)
            loss = "cross_entropy" if natural == "cross_entropy" else BINARY_LOG_LOSS
        else:
            loss = _losses.get(self.loss)
        return output, loss, n_out

    def _loss_constraint(self) -> list[Any]:
        return [None, StrOptions({"log_loss", *_losses.names()}), _losses.Loss]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The mean accuracy of :meth:`predict` on ``(X, y)``, as scikit-learn's
        ``ClassifierMixin.score``, weighted by ``sample_weight`` (shape ``(n_samples,)``),
        scaled first to a largest weight of 1: the score is the same, and weights near
        1e308 do not overflow."""
        if not hasattr(y, "toarray"):
            labels = np.asarray(y)
            if labels.dtype.kind == "f":  # NaN is no label (scikit-learn warned as it cast it)
                check_finite(labels, "y")
        return float(super().score(X, y, sample_weight=_scale_free(sample_weight)))

    def _score_outputs(self, out: Array, Y: Array, sample_weight: Array | None) -> float:
        # non-finite outputs decide as in scikit-learn (NaN > 0.5 is False; argmax picks the
        # first NaN), so a diverged classifier still scores its labels' accuracy
        with np.errstate(invalid="ignore"):
            decided = self._decide(out)
        sample_weight = _scale_free(sample_weight)
        return float(accuracy_score(decided, Y.astype(int), sample_weight=sample_weight))

    def _decide(self, out: Array) -> Array:
        """0/1 indicator rows (binary: one column) from the network's outputs."""
        if self._label_binarizer.y_type_ == "multiclass":
            return np.eye(out.shape[1], dtype=int)[out.argmax(axis=1)]
        return (out > 0.5).astype(int)

    @available_if(_GlassnetBase._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> GlassnetClassifier:
        """One epoch over ``(X, y)``, continuing from the current state (optimizer included).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array of shape (n_classes,), default=None
            Every class label; required on the first call; on later calls, when given, it
            must be the same set. Multilabel targets (indicator rows) take their labels from
            ``y`` itself.

        Returns
        -------
        self
        """
        # scikit-learn's _check_partial_fit_first_call, then MLPClassifier.partial_fit
        if getattr(self, "classes_", None) is None and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            if getattr(self, "classes_", None) is not None:
                if not np.array_equal(self.classes_, unique_labels(classes)):
                    raise ValueError(
                        f"`classes={classes!r}` is not the same as on last call "
                        f"to partial_fit, was: {self.classes_!r}"
                    )
            else:
                _check_classes(
                    unique_labels(classes), np.shape(y)[0] if np.ndim(y) else 0, "classes"
                )
                self.classes_ = unique_labels(classes)
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X: Any) -> Array:
        """Class labels, shape ``(n_samples,)`` (indicator rows for multilabel targets: a CSR
        matrix if ``y`` was sparse, as MLP's)."""
        out = self._forward(X)
        # indicator rows too go through the binarizer, as MLP's: sparse if y was
        return self._label_binarizer.inverse_transform(self._decide(out))

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, shape ``(n_samples, n_classes)``.

        With two classes the network's one output ``p`` gives ``[1 - p, p]``; with a softmax
        output the outputs are the probabilities; other outputs are clipped at 0 and their
        rows normalized to sum to 1 (multilabel: each column clipped to [0, 1]). A row of
        zeros (or NaN) gives ``1 / n_classes`` each; a row with ``k`` infinite outputs gives
        ``1 / k`` to each of them, the limit as they grow; a row whose sum overflows is
        normalized all the same.
        """
        out = self._forward(X)
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return np.clip(out, 0.0, 1.0)
        if out.shape[1] == 1:
            p = np.clip(out, 0.0, 1.0)
            return np.hstack([1 - p, p])
        if self.out_activation_ == "softmax":
            return out
        p = np.clip(out, 0.0, None)
        # scaled by the row's largest first, so that the sum cannot overflow; infinite
        # entries share the row (their limit)
        top = p.max(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):  # inf / inf: those rows take the indicator
            q = np.where(np.isinf(top), np.isinf(p), p / np.where(top > 0, top, 1))
        s = q.sum(axis=1, keepdims=True)  # at least 1 in a positive row: its largest is 1
        return np.where(s > 0, q / np.maximum(s, 1), 1.0 / out.shape[1])

    def predict_log_proba(self, X: Any) -> Array:
        """``log(predict_proba(X))``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class GlassnetRegressor(RegressorMixin, _GlassnetBase):
    r"""A multi-layer perceptron regressor trained by glassnet, drop-in for ``MLPRegressor``.

    Parameters
    ----------
    loss : str or Loss, default="squared_error"
        ``"squared_error"``, scikit-learn's ``C = (1/n) sum_i (1/2) ||y_hat_i - y_i||^2``;
        ``"poisson"``, half the Poisson deviance with an ``exp`` output (:data:`POISSON`;
        ``y >= 0``); or a glassnet loss (``"mse"``, ``"mae"``, ``"huber"``, ...).
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start,
    momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2,
    epsilon, n_iter_no_change, max_fun, init, bias, backend
        As for :class:`GlassnetClassifier`; early stopping monitors the validation R^2.
    output : str or None, default=None
        Output activation; ``None``: ``"identity"``, or ``"exp"`` (the log link) for
        ``loss="poisson"``, as MLP.

    Attributes
    ----------
    network_, coefs_, intercepts_, loss_curve_, loss_, best_loss_, validation_scores_,
    best_validation_score_, n_iter_, t_, n_features_in_, n_outputs_, n_layers_,
    out_activation_, history_
        As for :class:`GlassnetClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.sklearn import GlassnetRegressor
    >>> X = np.linspace(-1, 1, 50)[:, None]
    >>> reg = GlassnetRegressor(hidden_layer_sizes=(16,), activation="tanh", solver="lbfgs",
    ...                         random_state=0)
    >>> reg.fit(X, X[:, 0] ** 2).score(X, X[:, 0] ** 2) > 0.9
    True
    """

    def __init__(
        self,
        loss: Any = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        output: str | None = None,
        init: Any = "sklearn",
        bias: str = "neuron",
        backend: str = "numpy",
    ) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            output=output,
            loss=loss,
            init=init,
            bias=bias,
            backend=backend,
        )

    def _validate_targets(
        self, y: Any, *, first: bool, incremental: bool, dtype: np.dtype
    ) -> Array:
        y = _column_or_1d(np.asarray(y))
        y = np.asarray(y, dtype=dtype)
        if y.ndim == 1:
            y = y[:, None]
        if not first and y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y: expected {self.n_outputs_} target columns as in the previous fit, "
                f"got {y.shape[1]}"
            )
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        self._n_targets = y.shape[1]
        return y

    def _default_head(self) -> tuple[str, Any, int]:
        loss: Any
        if self.loss == "squared_error":
            loss, output = SQUARED_ERROR, "identity"
        elif self.loss == "poisson":  # scikit-learn's log link: an exp output unit
            loss, output = POISSON, "exp"
        else:
            loss, output = _losses.get(self.loss), "identity"
        if self.output is not None:
            output = _ACTIVATION_ALIASES.get(self.output, self.output)
        return output, loss, self._n_targets

    def _loss_constraint(self) -> list[Any]:
        return [StrOptions({"squared_error", "poisson", *_losses.names()}), _losses.Loss]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The coefficient of determination R^2 of :meth:`predict` on ``(X, y)``, as
        scikit-learn's ``RegressorMixin.score``, weighted by ``sample_weight`` (shape
        ``(n_samples,)``), scaled first to a largest weight of 1: the score is the same, and
        weights near 1e308 do not overflow; nor do targets and predictions near it, divided
        first by their largest magnitude (R^2 does not depend on the scale)."""
        pred = self.predict(X)
        truth: Any = y
        given = np.asarray(y) if not hasattr(y, "toarray") else None
        if given is not None and given.dtype.kind in "iuf" and given.size and pred.size:
            with np.errstate(over="ignore", invalid="ignore"):
                top = max(float(np.abs(given).max()), float(np.abs(pred).max()))
            if _SQUARE_SAFE < top < math.inf:  # squared errors (and their sums) would overflow
                truth, pred = given / top, pred / top
        return float(r2_score(truth, pred, sample_weight=_scale_free(sample_weight)))

    def _score_outputs(self, out: Array, Y: Array, sample_weight: Array | None) -> float:
        if not np.isfinite(out).all():  # as scikit-learn: non-finite predictions score NaN
            return np.nan
        return float(r2_score(Y, out, sample_weight=_scale_free(sample_weight)))

    @available_if(_GlassnetBase._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassnetRegressor:
        """One epoch over ``(X, y)``, continuing from the current state (optimizer included).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X: Any) -> Array:
        """Predictions, shape ``(n_samples,)`` for one target, else ``(n_samples, n_outputs)``."""
        out = self._forward(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
