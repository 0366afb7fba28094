r"""Gradient check: backpropagation against central finite differences.

For every parameter ``theta``, the numerical derivative is

    dC/dtheta ~ (C(theta + h) - C(theta - h)) / (2 h)

computed in float64. The relative error of a layer's ``W`` (or ``b``) is
``||g_backprop - g_numeric|| / max(||g_backprop|| + ||g_numeric||, floor)``; backprop is right
when every relative error is small (below ``1e-6`` is the usual bar in float64). The floor,
``10 eps (|C| + 1) / (h tolerance)``, is where the finite differences' own rounding noise
(about ``eps |C| / h``) would reach the tolerance: smaller gradients are compared in absolute
terms, so an exactly-zero gradient does not read as a relative error of 1.

For a population every member is checked at once: perturbing entry ``(i, j)`` of every member's
``W`` together changes each member's own cost only, so one pair of forward passes per entry
gives the derivative for all members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet import losses as _losses
from glassnet._validation import Constraint, Interval, describe, known_keywords, validate
from glassnet.network import Network

__all__ = ["GradCheckResult", "gradient_check"]

#: The most parameters (per member) :func:`gradient_check` perturbs, two forward passes each.
MAX_CHECKED_PARAMETERS = 100_000

#: float64's machine epsilon: the checks run in float64.
EPS = float(np.finfo(np.float64).eps)

# h must be a real step (0 divides by zero; beyond 1 the "derivative" is a secant over the
# whole landscape; its lower bound depends on the parameters, checked in gradient_check);
# tolerance a relative error: below 1, and no finer than one rounding of float64, which no
# difference of two float64 costs can resolve (and dividing by less overflows the floor)
_CONSTRAINTS: dict[str, list[Constraint]] = {
    "h": [Interval(float, 0, 1, closed="right")],
    "tolerance": [Interval(float, EPS, 1, closed="left")],
}


@known_keywords
@dataclass
class GradCheckResult:
    """The outcome of :func:`gradient_check`.

    Attributes
    ----------
    relative_errors : list of dict
        Per layer (0-based list, layer ``l + 1``), ``{"W": err, "b": err}``; for a population
        the worst member's error.
    max_rel_error : float
    worst_layer : int
        1-based index of the layer with the largest error.
    worst_param : str
        ``"W"`` or ``"b"``.
    tolerance : float
    passed : bool
    backprop, numeric : list of dict
        The two gradients, shaped like the network's parameters.
    kinks : list of str
        Layers whose pre-activations sit within the finite-difference step of a point where
        their activation has no derivative (relu at 0): there the two methods cannot agree,
        whatever backprop does, and a failure in or before such a layer says nothing about it.
    noise : float
        ``10 eps (|C| + 1) / h``: about the smallest difference the finite differences resolve
        at this ``h``; two gradients closer than this pass whatever their relative error. When
        it exceeds every gradient's norm the check cannot tell the gradients apart (``h`` too
        small), and :meth:`summary` says so.
    """

    relative_errors: list[dict[str, float]]
    max_rel_error: float
    worst_layer: int
    worst_param: str
    tolerance: float
    passed: bool
    backprop: list[dict[str, np.ndarray]]
    numeric: list[dict[str, np.ndarray]]
    kinks: list[str]
    noise: float = 0.0

    @property
    def per_layer(self) -> list[dict[str, float]]:
        """Alias of :attr:`relative_errors`."""
        return self.relative_errors

    def summary(self) -> str:
        """One line per layer and a verdict naming the worst layer."""
        lines = []
        for l, errs in enumerate(self.relative_errors, start=1):
            parts = ", ".join(f"d{k}: {v:.2e}" for k, v in errs.items())
            lines.append(f"layer {l}: relative error {parts}")
        for note in self.kinks:
            lines.append(f"note: {note}")
        largest = max(
            (float(np.sqrt((g * g).sum())) for grads in (self.backprop, self.numeric)
             for layer in grads for g in layer.values()),
            default=0.0,
        )  # fmt: skip
        if self.noise >= largest:
            lines.append(
                f"note: the finite differences' rounding noise at this h ({self.noise:.2e}) "
                f"is as large as every gradient (the largest norm {largest:.2e}): the check "
                "cannot tell the two gradients apart; a larger h (1e-5 is usual) can"
            )
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(
            f"{verdict}: max relative error {self.max_rel_error:.2e} "
            f"(tolerance {self.tolerance:.0e}) in layer {self.worst_layer} d{self.worst_param}"
        )
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return self.passed


def _rel(a: np.ndarray, b: np.ndarray, member_axis: bool, floor: float) -> float:
    axes = tuple(range(1, a.ndim)) if member_axis else None
    num = np.sqrt(((a - b) ** 2).sum(axis=axes))
    den = np.maximum(np.sqrt((a * a).sum(axis=axes)) + np.sqrt((b * b).sum(axis=axes)), floor)
    return float(np.max(num / den))


@known_keywords
def gradient_check(
    net: Network,
    X: Any,
    y: Any,
    loss: str | _losses.Loss = "mse",
    *,
    h: float = 1e-5,
    tolerance: float = 1e-6,
) -> GradCheckResult:
    """Compare backpropagation with central finite differences for every parameter.

    Parameters
    ----------
    net : Network
        Checked on a float64 copy; the network itself is not changed.
    X : array, shape (n_samples, n_inputs)
    y : array, shape (n_samples, n_outputs)
    loss : str or Loss
    h : float
        Finite-difference step, in ``(0, 1]``, and at least float64's spacing at the largest
        parameter, ``eps max(1, max |theta|)``: a smaller step moves no parameter.
    tolerance : float
        The largest relative error that passes, in ``[eps, 1)`` (``eps`` float64's machine
        epsilon, about 2.2e-16: no finer relative error is measurable in float64).

    Returns
    -------
    GradCheckResult
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a glassnet Network, got {describe(net)}")
    h, tolerance = validate(_CONSTRAINTS, h=h, tolerance=tolerance).values()
    loss = net.check_loss(loss)
    # two forward passes per parameter: bounded before any is made
    if net.n_params > MAX_CHECKED_PARAMETERS:
        raise ValueError(
            f"net: a gradient check perturbs each of the {net.n_params} parameters in turn; at "
            f"most {MAX_CHECKED_PARAMETERS} are checked (check a smaller network of the same "
            "kind: backpropagation does not depend on the sizes)"
        )
    check = net.copy() if net.dtype == np.float64 else net.astype("float64")
    X = check.check_inputs(X)
    y = check.check_targets(y, loss, X.shape[0])
    params = check.params
    # a step below the parameters' own spacing leaves them as they are: the differences would
    # be 0 and compare nothing (and the noise below would overflow)
    theta = max(1.0, max(float(np.abs(p).max()) for layer in params for p in layer.values()))
    if h < EPS * theta:
        raise ValueError(
            f"h: expected a step of at least {EPS * theta:.3g} (float64's spacing at the "
            f"largest |parameter|, {theta:.3g}), got {h!r}: a smaller step moves no parameter, "
            "so the finite differences would compare nothing"
        )
    backprop = check.backprop(params, check.apply(params, X), y, loss)[0]

    def cost() -> np.ndarray:
        return check.cost(check.apply(params, X), y, loss)

    pop = check.population is not None
    numeric: list[dict[str, np.ndarray]] = []
    for layer in params:
        g_layer = {}
        for k, p in layer.items():
            g = np.zeros_like(p)
            view = p if not pop else np.moveaxis(p, 0, -1)  # (..., P): one entry for all members
            gview = g if not pop else np.moveaxis(g, 0, -1)
            for idx in np.ndindex(view.shape[:-1] if pop else view.shape):
                old = view[idx].copy()
                view[idx] = old + h
                up = cost()
                view[idx] = old - h
                down = cost()
                view[idx] = old
                gview[idx] = (up - down) / (2 * h)
            g_layer[k] = g
        numeric.append(g_layer)

    # Finite differences carry rounding noise of about eps |C| / h. A gradient that is truly
    # zero (softmax with one bias per layer, say) would otherwise show a relative error of 1,
    # so norms are floored at the level where that noise reaches the tolerance.
    # In Python floats: a cost near float64's largest makes them inf, never an error, and an
    # infinite floor passes every comparison, which the summary's note then explains.
    noise = 10 * EPS * (float(np.max(np.abs(cost()))) + 1) / h
    floor = noise / tolerance
    errors = [
        {k: _rel(b[k], n[k], pop, floor) for k in b} for b, n in zip(backprop, numeric, strict=True)
    ]
    worst_layer, worst_param, worst = 1, "W", -1.0
    for l, errs in enumerate(errors, start=1):
        for k, v in errs.items():
            # NaN counts as the worst, and once found stays the worst (a later finite error
            # must not replace it: `not finite <= nan` is true)
            if not np.isnan(worst) and not v <= worst:
                worst_layer, worst_param, worst = l, k, v
    kinks = []
    fwd = check.apply(params, X)
    for l, act in enumerate(check.activations, start=1):
        z = fwd.z[l]
        for kink in act.kinks:
            near = int((np.abs(z - kink) <= 10 * h * (1 + np.abs(fwd.a[l - 1]).max())).sum())
            if near:
                kinks.append(
                    f"layer {l}: {near} pre-activation(s) within the step h of {act.name}'s kink "
                    f"at z = {kink:g}, where no derivative exists (finite differences straddle it)"
                )
    return GradCheckResult(
        relative_errors=errors,
        max_rel_error=float(worst),
        worst_layer=worst_layer,
        worst_param=worst_param,
        tolerance=tolerance,
        passed=bool(worst <= tolerance),
        backprop=backprop,
        numeric=numeric,
        kinks=kinks,
        noise=noise,
    )
