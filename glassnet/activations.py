r"""Activation functions: each one small object holding its value and its derivative.

An activation maps a layer's pre-activation ``z`` to its output ``a = f(z)``. Backpropagation
needs the derivative with respect to ``z``, ``f'(z)``; it is always taken at ``z`` (the paper's
code took it at the output ``a``, one of its errors). Because ``a = f(z)`` is already known when
the derivative is needed, ``derivative(z, a)`` receives both and may use whichever is cheaper
(``sigmoid'(z) = a (1 - a)``) -- the result is the derivative at ``z`` all the same.

Every activation is registered once by name in :data:`REGISTRY`; :func:`get` looks it up and
:func:`register` adds a user's own (value and derivative), which :func:`glassnet.gradient_check`
then verifies like any built-in.

All built-ins are numerically stable: finite values, and no overflow or invalid-value warnings,
for ``|z|`` up to ``1e4`` in float32 and float64.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from glassnet._validation import Boolean, check, known_keywords, positive_float, unknown_name
from glassnet._xp import namespace

Array = np.ndarray

__all__ = ["REGISTRY", "Activation", "get", "names", "register"]


@known_keywords
@dataclass(frozen=True)
class Activation:
    r"""One activation function, its derivative, and what backpropagation needs to know.

    Parameters
    ----------
    name : str
        The registered name.
    value : callable
        ``value(z) -> a``, elementwise ``a = f(z)``; shape preserved.
    derivative : callable
        ``derivative(z, a) -> f'(z)``, elementwise, given ``z`` and ``a = f(z)``.
    derivative_max : float
        ``max |f'|``; a unit counts as *saturated* when ``|f'(z)| < 0.01 * derivative_max``.
    output_only : bool
        True for activations that couple the units of a layer (softmax).
    vjp : callable, optional
        For activations that are not elementwise: ``vjp(z, a, g) -> g J``, the product of the
        upstream gradient ``g = dC/da`` with the Jacobian ``da/dz`` (softmax).
    kinks : tuple of float
        Points where ``f`` has no derivative (relu at 0); backprop uses the right-hand value
        there, and the gradient check reports pre-activations that sit on one.
    saturates : bool
        ``f'(z)`` goes to 0 as ``|z|`` grows (on at least one side): the unit *saturates* and
        its gradient vanishes (sigmoid, tanh, softplus, ...).
    can_die : bool
        ``f'(z)`` is exactly 0 on a whole half-line, so a unit whose ``z`` stays there for every
        sample gets no gradient at all and never recovers (a *dead* unit: relu).
    """

    name: str
    value: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    derivative_max: float = 1.0
    output_only: bool = False
    vjp: Callable[[Array, Array, Array], Array] | None = None
    kinks: tuple[float, ...] = ()
    saturates: bool = False
    can_die: bool = False

    def backprop(self, z: Array, a: Array, g: Array) -> Array:
        r"""``delta = dC/dz`` from ``g = dC/da``: ``delta = g * f'(z)`` (elementwise case)."""
        if self.vjp is not None:
            return self.vjp(z, a, g)
        return g * self.derivative(z, a)

    def __call__(self, z: Array) -> Array:
        return self.value(z)


REGISTRY: dict[str, Activation] = {}


@known_keywords
def register(
    name: str | Activation,
    value: Callable[[Array], Array] | None = None,
    derivative: Callable[..., Array] | None = None,
    *,
    derivative_max: float = 1.0,
    saturates: bool = False,
    can_die: bool = False,
    overwrite: bool = False,
) -> Activation:
    """Register an activation by name, or register a ready :class:`Activation`.

    Parameters
    ----------
    name : str or Activation
        The name to register under (or a complete :class:`Activation`).
    value : callable
        ``value(z) -> f(z)``, elementwise.
    derivative : callable
        ``derivative(z) -> f'(z)`` or ``derivative(z, a) -> f'(z)``, elementwise.
    derivative_max : float
        ``max |f'|``, used for the saturated-unit statistic.
    saturates, can_die : bool
        See :class:`Activation`.
    overwrite : bool
        Allow replacing an existing name.

    Returns
    -------
    Activation
    """
    if isinstance(name, Activation):
        act = name
    else:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty string, got {name!r}")
        if not callable(value) or not callable(derivative):
            raise TypeError("value and derivative: expected two callables f(z) and f'(z)")
        # checked here: a NaN maximum made the saturated-unit statistic 0 at every epoch (no
        # comparison with NaN holds), and bool("no") is True
        derivative_max = positive_float(derivative_max, "derivative_max")
        saturates = check(saturates, "saturates", Boolean())
        can_die = check(can_die, "can_die", Boolean())
        deriv = derivative
        if len(inspect.signature(derivative).parameters) == 1:

            def deriv(z: Array, a: Array, _d: Callable[[Array], Array] = derivative) -> Array:
                return _d(z)

        act = Activation(
            name,
            value,
            deriv,
            derivative_max=derivative_max,
            saturates=bool(saturates),
            can_die=bool(can_die),
        )
    overwrite = check(overwrite, "overwrite", Boolean())
    if act.name in REGISTRY and not overwrite:
        raise ValueError(f"name: activation {act.name!r} is already registered")
    REGISTRY[act.name] = act
    return act


UNLISTED: dict[str, Activation] = {
    # the log link of Poisson regression (MLPRegressor(loss="poisson")): a = e^z, f'(z) = a;
    # an output unit only, found by name, not listed among the activations one picks
    "exp": Activation("exp", lambda z: namespace(z).exp(z), lambda z, a: a, derivative_max=1.0),
}


@known_keywords
def get(name: str | Activation) -> Activation:
    """Look up an activation by name (an :class:`Activation` is returned as is)."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation: expected a name or an Activation, got {name!r}")
    act = REGISTRY.get(name) or UNLISTED.get(name)
    if act is None:
        raise unknown_name("activation", "activation", name, REGISTRY)
    return act


def names() -> list[str]:
    """The registered activation names."""
    return sorted(REGISTRY)


# --- built-ins -------------------------------------------------------------------------------
# Each takes its functions from the namespace of z (glassnet._xp), so the same formula runs in
# the NumPy loop and in the compiled program.


def _sigmoid(z: Array) -> Array:
    # expit is the stable s(z) = 1 / (1 + e^-z): it never overflows for large |z|.
    return namespace(z).expit(z)


def _tanh(z: Array) -> Array:
    return namespace(z).tanh(z)


def _tanh01(z: Array) -> Array:
    return (namespace(z).tanh(z) + 1) / 2


def _relu(z: Array) -> Array:
    return namespace(z).maximum(z, 0)


def _relu_derivative(z: Array, a: Array) -> Array:
    return (z > 0).astype(z.dtype)


def _leaky_relu(z: Array) -> Array:
    return namespace(z).where(z > 0, z, 0.01 * z)


def _leaky_relu_derivative(z: Array, a: Array) -> Array:
    return namespace(z).where(z > 0, 1.0, 0.01).astype(z.dtype)


def _softmax(z: Array) -> Array:
    e = namespace(z).exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_vjp(z: Array, a: Array, g: Array) -> Array:
    # J = diag(a) - a a^T, so g J = a * (g - <g, a>) per row.
    return a * (g - (g * a).sum(axis=-1, keepdims=True))


def _elu(z: Array) -> Array:
    xp = namespace(z)
    return xp.where(z > 0, z, xp.expm1(xp.minimum(z, 0)))


def _elu_derivative(z: Array, a: Array) -> Array:
    return namespace(z).where(z > 0, 1, a + 1).astype(z.dtype)


def _softplus(z: Array) -> Array:
    # log(1 + e^z) as logaddexp(0, z): no overflow for large z
    return namespace(z).logaddexp(0, z)


def _softplus_derivative(z: Array, a: Array) -> Array:
    return namespace(z).expit(z)


def _gelu(z: Array) -> Array:
    return z * namespace(z).ndtr(z)


def _gelu_derivative(z: Array, a: Array) -> Array:
    # d/dz [z Phi(z)] = Phi(z) + z phi(z); phi underflows to 0 quietly for large |z|.
    xp = namespace(z)
    return xp.ndtr(z) + z * xp.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _silu(z: Array) -> Array:
    return z * namespace(z).expit(z)


def _silu_derivative(z: Array, a: Array) -> Array:
    s = namespace(z).expit(z)
    return s * (1 + z * (1 - s))


def _identity(z: Array) -> Array:
    return z


def _identity_derivative(z: Array, a: Array) -> Array:
    return namespace(z).ones_like(z)


for _act in (
    # s(z) = 1/(1+e^-z);  s'(z) = s(z)(1 - s(z))
    Activation("sigmoid", _sigmoid, lambda z, a: a * (1 - a), derivative_max=0.25, saturates=True),
    # tanh'(z) = 1 - tanh(z)^2
    Activation("tanh", _tanh, lambda z, a: 1 - a * a, saturates=True),
    # (tanh(z) + 1)/2, the paper's tanh on (0, 1); derivative (1 - tanh^2)/2 = 2a(1 - a)
    Activation("tanh01", _tanh01, lambda z, a: 2 * a * (1 - a), 0.5, saturates=True),
    # relu'(0) is taken as 0 and leaky_relu'(0) as 0.01: neither has a derivative at 0
    Activation("relu", _relu, _relu_derivative, kinks=(0.0,), can_die=True),
    Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative, kinks=(0.0,)),
    # elu(z) = z for z > 0, e^z - 1 otherwise (alpha = 1); elu'(z) = 1 or e^z = a + 1
    Activation("elu", _elu, _elu_derivative, saturates=True),
    # softplus(z) = log(1 + e^z); softplus' = s(z)
    Activation("softplus", _softplus, _softplus_derivative, saturates=True),
    # gelu(z) = z Phi(z), exact (Phi the standard normal CDF); max |gelu'| ~ 1.129
    Activation("gelu", _gelu, _gelu_derivative, 1.1289, saturates=True),
    # silu(z) = z s(z); max |silu'| ~ 1.0998
    Activation("silu", _silu, _silu_derivative, 1.0998, saturates=True),
    Activation("identity", _identity, _identity_derivative),
    # softmax couples a layer's units; used on the output layer (fused with cross-entropy,
    # see glassnet.losses). derivative() gives the Jacobian's diagonal a(1 - a), used for the
    # saturation statistic; backprop uses the full Jacobian through vjp.
    Activation(
        "softmax",
        _softmax,
        lambda z, a: a * (1 - a),
        0.25,
        output_only=True,
        vjp=_softmax_vjp,
        saturates=True,
    ),
):
    register(_act)
