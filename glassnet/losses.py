r"""Loss functions: one signature for the whole family.

Every loss has ``value(y_hat, y)`` (the cost ``C``) and ``gradient(y_hat, y)`` (``dC/dy_hat``),
both taking arrays of shape ``(n_samples, n_outputs)`` -- or ``(P, n_samples, n_outputs)`` for a
population, in which case ``value`` returns one cost per member, shape ``(P,)``. An optional
``weight`` of shape ``(n_samples, 1)`` weights the samples.

Fused pairs
-----------
Two losses are *fused* with the output activation that makes them simple and stable:

* ``bce`` with a ``sigmoid`` output: ``C = mean(softplus(z) - y z)`` (the mean over the
  ``n_samples x n_outputs`` entries) is computed from the logit ``z`` (no ``log(0)`` however
  large ``|z|``), and ``delta = dC/dz = (a - y) / (n_samples n_outputs)`` (``(a - y) / n``
  for one output).
* ``cross_entropy`` with a ``softmax`` output: ``C = mean(logsumexp(z) - sum_k y_k z_k)`` and
  ``delta = (a - y) / n_samples``.

With any other output activation the same losses are computed from ``y_hat`` and chained through
the activation's derivative as usual. The two routes give the same numbers while the output
stays inside ``[eps, 1 - eps]`` (machine epsilon), where the unfused route clips it to keep
``log`` finite: past that (a sigmoid logit beyond about 36 in float64) the unfused cost of a
wrong answer stops at ``-log(eps)`` (36.04 in float64), while the fused cost goes on growing as
``|z|`` (40 at a logit of 40 against the target 0).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validation import Interval, check, known_keywords, unknown_name
from glassnet._xp import namespace

Array = np.ndarray

__all__ = [
    "REGISTRY",
    "Fused",
    "Loss",
    "check_pairing",
    "get",
    "names",
    "natural_loss",
    "natural_output",
    "pairing_table",
]


@known_keywords
@dataclass(frozen=True)
class Fused:
    """A loss computed together with its natural output activation (see module docstring).

    ``value(z, y, weight)`` is the cost from the logits ``z``; ``delta(z, a, y, weight)`` is
    ``dC/dz`` directly.
    """

    activation: str
    value: Callable[[Array, Array, Array | None], Array]
    delta: Callable[[Array, Array, Array, Array | None], Array]


@known_keywords
@dataclass(frozen=True)
class Loss:
    r"""A cost ``C(y_hat, y)`` and its gradient ``dC/dy_hat``.

    Parameters
    ----------
    name : str
    value : callable
        ``value(y_hat, y, weight=None)``: cost, reduced over the last two axes.
    gradient : callable
        ``gradient(y_hat, y, weight=None)``: ``dC/dy_hat``, the shape of ``y_hat``.
    fused : Fused, optional
        The fused form with its natural output activation.
    targets : str
        What ``y`` must hold: ``"real"``, ``"unit"`` (in [0, 1]), ``"distribution"``
        (rows in [0, 1] summing to 1) or ``"counts"`` (at least 0: Poisson's).
    summed : bool
        True if the cost is a sum over samples (``sse``) rather than a mean: an epoch of
        mini-batches then adds the batch costs instead of averaging them.
    """

    name: str
    value: Callable[..., Array]
    gradient: Callable[..., Array]
    fused: Fused | None = None
    targets: str = "real"
    summed: bool = False

    @known_keywords
    def check_targets(self, y: Array, argument: str = "y") -> None:
        """Raise ``ValueError`` if ``y`` holds values this loss cannot take."""
        if self.targets in ("unit", "distribution") and ((y < 0).any() or (y > 1).any()):
            raise ValueError(
                f"{argument}: the {self.name} loss expects targets in [0, 1], "
                f"got values from {y.min():g} to {y.max():g}"
            )
        if self.targets == "counts" and (y < 0).any():
            # y log(y / y_hat) has no value at y < 0: the cost would be NaN, not a divergence
            raise ValueError(
                f"{argument}: the {self.name} loss expects counts (targets >= 0), "
                f"got values from {y.min():g} to {y.max():g}"
            )
        if self.targets == "distribution" and y.shape[-1] > 1:
            sums = y.sum(axis=-1)
            if not np.allclose(sums, 1.0, atol=1e-6):
                raise ValueError(
                    f"{argument}: the {self.name} loss expects one-hot rows (or class labels) "
                    f"summing to 1, got row sums from {sums.min():g} to {sums.max():g}"
                )


def _weighted(e: Array, weight: Array | None) -> Array:
    return e if weight is None else e * weight


def _mean(e: Array, weight: Array | None) -> Array:
    # mean over samples and outputs; for a population the leading axis is kept
    return _weighted(e, weight).mean(axis=(-2, -1))


def _eps(x: Array) -> float:
    return float(np.finfo(x.dtype).eps)


def _clip_unit(y_hat: Array) -> Array:
    eps = _eps(y_hat)
    return namespace(y_hat).clip(y_hat, eps, 1 - eps)


def _n(y_hat: Array) -> int:
    return y_hat.shape[-2] * y_hat.shape[-1]


# mse: C = (1 / (n m)) sum (y_hat - y)^2
def _sum_sq(r: Array) -> Array:
    # sum of squares over samples and outputs, per member
    return namespace(r).sum_squares(r)


# the paper's loss is in every step of its tiny network, where a helper's call costs as much
# as an array operation: mse's two functions are written out
def _mse_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    r = y_hat - y
    if weight is None:
        return namespace(r).sum_squares(r) / (y_hat.shape[-2] * y_hat.shape[-1])
    return _mean(r * r, weight)


def _mse_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    g = (y_hat - y) * (2 / (y_hat.shape[-2] * y_hat.shape[-1]))
    return g if weight is None else g * weight


# sse: C = sum (y_hat - y)^2, the paper's C_0 summed over the training cases
def _sse_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    r = y_hat - y
    if weight is None:
        return _sum_sq(r)
    return _weighted(r * r, weight).sum(axis=(-2, -1))


def _sse_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(2 * (y_hat - y), weight)


# bce: C = -(1 / (n m)) sum [y log y_hat + (1 - y) log(1 - y_hat)]
def _bce_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    p = _clip_unit(y_hat)
    xp = namespace(p)
    return _mean(-(y * xp.log(p) + (1 - y) * xp.log1p(-p)), weight)


def _bce_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    # the paper's erratum 5: the true derivative is (y_hat - y) / (y_hat (1 - y_hat))
    p = _clip_unit(y_hat)
    return _weighted((p - y) / (p * (1 - p)), weight) / _n(y_hat)


def _bce_fused_value(z: Array, y: Array, weight: Array | None = None) -> Array:
    # -[y log s(z) + (1-y) log(1-s(z))] = softplus(z) - y z
    return _mean(namespace(z).logaddexp(0, z) - y * z, weight)


def _bce_fused_delta(z: Array, a: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(a - y, weight) / _n(a)


# cross_entropy: C = -(1/n) sum_samples sum_k y_k log y_hat_k
def _ce_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    e = -(y * namespace(y_hat).log(_clip_unit(y_hat))).sum(axis=-1, keepdims=True)
    return _mean(e, weight)


def _ce_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(-y / _clip_unit(y_hat), weight) / y_hat.shape[-2]


def _logsumexp(z: Array) -> Array:
    # log sum_k e^{z_k}, shifted by the row maximum so nothing overflows (written out: SciPy's
    # logsumexp costs ~40 us per call in array-API dispatch, 8x this)
    xp = namespace(z)
    m = z.max(axis=-1, keepdims=True)
    return m + xp.log(xp.exp(z - m).sum(axis=-1, keepdims=True))


def _ce_fused_value(z: Array, y: Array, weight: Array | None = None) -> Array:
    e = _logsumexp(z) - (y * z).sum(axis=-1, keepdims=True)
    return _mean(e, weight)


def _ce_fused_delta(z: Array, a: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(a - y, weight) / a.shape[-2]


# mae: C = (1 / (n m)) sum |y_hat - y|; its gradient at 0 is taken as 0
def _mae_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    return _mean(namespace(y_hat).abs(y_hat - y), weight)


def _mae_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(namespace(y_hat).sign(y_hat - y), weight) / _n(y_hat)


# huber (delta = 1): r^2 / 2 for |r| <= 1, |r| - 1/2 beyond, averaged
def _huber_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    xp = namespace(y_hat)
    r = xp.abs(y_hat - y)
    return _mean(xp.where(r <= 1, 0.5 * r * r, r - 0.5), weight)


def _huber_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(namespace(y_hat).clip(y_hat - y, -1, 1), weight) / _n(y_hat)


REGISTRY: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse_value, _mse_gradient),
        Loss("sse", _sse_value, _sse_gradient, summed=True),
        Loss(
            "bce",
            _bce_value,
            _bce_gradient,
            Fused("sigmoid", _bce_fused_value, _bce_fused_delta),
            targets="unit",
        ),
        Loss(
            "cross_entropy",
            _ce_value,
            _ce_gradient,
            Fused("softmax", _ce_fused_value, _ce_fused_delta),
            targets="distribution",
        ),
        Loss("mae", _mae_value, _mae_gradient),
        Loss("huber", _huber_value, _huber_gradient),
    )
}


# --- scikit-learn's losses: named (so runs that used them load anywhere), not listed ----------


def _half_se_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    # C = (1/n) sum_i (1/2) ||y_hat_i - y_i||^2
    r = y_hat - y
    return _weighted(0.5 * (r * r).sum(axis=-1, keepdims=True), weight).mean(axis=(-2, -1))


def _half_se_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(y_hat - y, weight) / y_hat.shape[-2]  # (y_hat - y) / n


# MLP's log loss for one sigmoid unit per label: the binary cross-entropy summed over the
# labels and averaged over the samples (m times bce for m labels, as MLP trains multilabels)
def _log_loss_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    xp = namespace(y_hat)
    p = _clip_unit(y_hat)
    e = -(y * xp.log(p) + (1 - y) * xp.log1p(-p)).sum(axis=-1, keepdims=True)
    return _weighted(e, weight).mean(axis=(-2, -1))


def _log_loss_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    p = _clip_unit(y_hat)
    return _weighted((p - y) / (p * (1 - p)), weight) / y_hat.shape[-2]


def _log_loss_fused_value(z: Array, y: Array, weight: Array | None = None) -> Array:
    e = (namespace(z).logaddexp(0, z) - y * z).sum(axis=-1, keepdims=True)
    return _weighted(e, weight).mean(axis=(-2, -1))


def _per_sample_delta(z: Array, a: Array, y: Array, weight: Array | None = None) -> Array:
    return _weighted(a - y, weight) / z.shape[-2]  # (a - y) / n


# Poisson regression as MLPRegressor(loss="poisson"): a log link (y_hat = exp(z)) and half the
# Poisson deviance, C = (1/n) sum_i sum_k [y log(y / y_hat) - y + y_hat]
def _poisson_value(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    # the edges: y = 0 costs y_hat (0 at y_hat = 0, where y / y_hat is 0/0); a ratio past
    # float64's range (y_hat near 0) is y (log y - log y_hat), finite down to the least
    # subnormal y_hat; y_hat = 0 < y is +inf. Elsewhere the ratio, accurate near an exact fit.
    xp = namespace(y_hat)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = y / y_hat
        far = y * (xp.log(y) - xp.log(y_hat))
        e = xp.where(xp.isfinite(ratio), xp.xlogy(y, ratio), far) - y + y_hat
        e = xp.where(y == 0, y_hat, e).sum(axis=-1, keepdims=True)
    return _weighted(e, weight).mean(axis=(-2, -1))


def _poisson_gradient(y_hat: Array, y: Array, weight: Array | None = None) -> Array:
    # (1 - y / y_hat) / n; 1 / n at y = 0 for every y_hat, its limit at y_hat = 0 included
    xp = namespace(y_hat)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # past range: -inf
        g = xp.where(y == 0, 1.0, 1.0 - y / y_hat)
    return _weighted(g, weight) / y_hat.shape[-2]


def _poisson_fused_value(z: Array, y: Array, weight: Array | None = None) -> Array:
    # y log(y / e^z) = y log y - y z (both 0 where y = 0): no log of the output needed
    xp = namespace(z)
    e = (xp.xlogy(y, y) - y * z - y + xp.exp(z)).sum(axis=-1, keepdims=True)
    return _weighted(e, weight).mean(axis=(-2, -1))


UNLISTED: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("squared_error", _half_se_value, _half_se_gradient),
        Loss(
            "binary_log_loss",
            _log_loss_value,
            _log_loss_gradient,
            Fused("sigmoid", _log_loss_fused_value, _per_sample_delta),
            targets="unit",
        ),
        Loss(
            "poisson",
            _poisson_value,
            _poisson_gradient,
            Fused("exp", _poisson_fused_value, _per_sample_delta),
            targets="counts",
        ),
    )
}
"""The scikit-learn estimators' losses (MLP's half squared error, its log loss of sigmoid units,
half the Poisson deviance): :func:`get` finds them by name, :func:`names` does not list them."""


@known_keywords
def get(name: str | Loss) -> Loss:
    """Look up a loss by name (a :class:`Loss` is returned as is)."""
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"loss: expected a name or a Loss, got {name!r}")
    loss = REGISTRY.get(name) or UNLISTED.get(name)
    if loss is None:
        raise unknown_name("loss", "loss", name, REGISTRY)
    return loss


def names() -> list[str]:
    """The registered loss names."""
    return sorted(REGISTRY)


# --- which losses fit which output activations -------------------------------------------------

# Probe logits for the pairing rule: zero, moderate and large values of both signs, in rows of
# three units (a layer's units are coupled by softmax-like activations).
_PROBE = np.array([[0.0, 1.0, -1.0], [-3.0, 4.0, 0.5], [30.0, -30.0, 2.0], [-700.0, 700.0, 0.0]])


@functools.lru_cache(maxsize=256)
def _output_range(act: Any) -> tuple[bool, bool]:
    """Whether ``act``'s outputs lie in [0, 1], and whether each row of them sums to 1.

    Kept per activation (a frozen, hashable object): the pairing rule runs on every
    ``fit``, ``loss`` and ``gradients`` call, and the probe cost 25-40 us each time.
    """
    with np.errstate(all="ignore"):
        a = np.asarray(act.value(_PROBE.copy()), dtype=np.float64)
    if a.shape != _PROBE.shape or not np.isfinite(a).all():
        return False, False
    unit = bool(((a >= 0) & (a <= 1)).all())
    return unit, unit and bool(np.allclose(a.sum(axis=-1), 1.0, rtol=0, atol=1e-12))


@known_keywords
def check_pairing(loss: str | Loss, output_activation: Any) -> None:
    r"""Raise ``ValueError`` if ``loss`` is not defined on what ``output_activation`` produces.

    The one rule, for the API, the CLI, studies and estimators alike:

    * ``bce``, :math:`C = -\frac{1}{nm}\sum [y \log \hat y + (1 - y) \log(1 - \hat y)]`, takes
      the log of both :math:`\hat y` and :math:`1 - \hat y`, so every output must lie in
      (0, 1): a probability per unit (sigmoid, tanh01, or softmax, whose units are each in
      (0, 1) too). With a tanh output, :math:`\hat y \le 0` has no logarithm: the cost is
      clipped to a constant there, its gradient is not the cost's, a gradient check fails and
      training drives the weights without bound.
    * ``cross_entropy``, :math:`C = -\frac{1}{n}\sum_i \sum_k y_{ik} \log \hat y_{ik}`, is the
      negative log-likelihood of a categorical distribution: each row of outputs must be a
      distribution (entries in [0, 1] summing to 1), which only a softmax-like output gives.
      On independent sigmoids nothing stops every output growing to 1, which drives the cost
      to 0 whatever the class, so it learns nothing.
    * every other loss (``mse``, ``sse``, ``mae``, ``huber``) is defined for any real output.

    An activation's range is read from the activation itself, by evaluating it on probe
    logits from -700 to 700 (so a newly registered activation is judged by what it computes,
    not by its name): outputs in [0, 1] qualify for ``bce``, and rows that also sum to 1
    qualify for ``cross_entropy``.

    Parameters
    ----------
    loss : str or Loss
    output_activation : str or Activation
        The network's output activation.

    Raises
    ------
    ValueError
        Naming ``loss``, what output it needs, and the output that came.
    """
    from glassnet import activations as _activations

    loss = get(loss)
    act = _activations.get(output_activation)
    if loss.targets not in ("unit", "distribution"):
        return
    unit, rows = _output_range(act)
    needs_rows = loss.targets == "distribution"
    if rows if needs_rows else unit:
        return
    if needs_rows:
        fits = [n for n in _activations.names() if _output_range(_activations.get(n))[1]]
        need = "each row of outputs to be a probability distribution (a softmax output)"
    else:
        fits = [n for n in _activations.names() if _output_range(_activations.get(n))[0]]
        need = "every output in (0, 1)"
    raise ValueError(
        f"loss: {loss.name} needs {need}; the output activation {act.name!r} gives "
        f"{'rows that do not sum to 1' if unit else 'values outside [0, 1]'}. Use an output "
        f"of {', '.join(fits)}, or another loss (mse, huber, ...)"
    )


@known_keywords
def natural_output(n_outputs: int, classes: bool) -> str:
    """The output activation targets call for: ``softmax`` for several classes, ``sigmoid``
    for one (or several independent) 0/1 targets, ``identity`` for real-valued ones.

    With :func:`natural_loss`, the one "auto" rule of the command line, studies, the
    playground and the estimators.
    """
    n_outputs = check(n_outputs, "n_outputs", Interval(int, 1, None))  # 0 was a "sigmoid"
    if not classes:
        return "identity"
    return "softmax" if n_outputs > 1 else "sigmoid"


@known_keywords
def natural_loss(output_activation: Any, classes: bool) -> str:
    """The loss an output activation and the kind of targets call for: ``cross_entropy`` when
    each row of outputs is a distribution (softmax), ``bce`` for outputs in (0, 1) and 0/1
    targets, ``mse`` otherwise. Judged, as :func:`check_pairing` judges, by the activation's
    range, so every loss it names pairs with the output."""
    from glassnet import activations as _activations

    unit, rows = _output_range(_activations.get(output_activation))
    if rows:
        return "cross_entropy"
    return "bce" if unit and classes else "mse"


def pairing_table() -> dict[str, Any]:
    """The pairing rule as JSON data, for faces that cannot call :func:`check_pairing` (the
    playground's page): per output activation, the losses that pair with it and the loss the
    targets call for (``natural``, for 0/1 targets and for real ones)."""
    from glassnet import activations as _activations

    table: dict[str, Any] = {}
    for name in _activations.names():
        fits = []
        for loss in names():
            try:
                check_pairing(loss, name)
            except ValueError:
                continue
            fits.append(loss)
        table[name] = {
            "losses": fits,
            "natural": {"classes": natural_loss(name, True), "values": natural_loss(name, False)},
        }
    return table
