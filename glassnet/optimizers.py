r"""Optimizers in the optax shape: small gradient transformations, chained.

A *transformation* is a pair of pure functions::

    state = t.init(params)
    updates, state = t.update(updates, state, params)

and an :class:`Optimizer` is a named chain of them whose last member turns the (transformed)
gradient into the step that is *added* to the parameters::

    state = opt.init(params)
    steps, state = opt.update(grads, state, params)
    params = params + steps                              # p <- p + step

Plain gradient descent, the paper's rule ``W <- W - eta dC/dW``, is the one transformation
:func:`scale_by_learning_rate`: ``step = -eta g``. Adam is :func:`scale_by_adam` then the
learning rate; AdamW is Adam, then :func:`add_decayed_weights`, then the learning rate, exactly
as optax composes ``adamw``.

``params``, ``grads`` and ``steps`` share one structure: a list with one dict per layer,
``{"W": ..., "b": ...}``. A learning rate is a number, or for a population an array that
broadcasts against the parameters (one rate per member, shape ``(P, 1, 1)``). A schedule
multiplies it by a factor that depends on the update count. Every formula takes its functions
from the arrays' namespace (:mod:`glassnet._xp`), so the same code runs in the NumPy loop and in
the compiled program, where counts are traced integers.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any, NamedTuple

from glassnet._validation import (
    Interval,
    check,
    describe,
    did_you_mean,
    known_keywords,
    positive_float,
    positive_int,
    unknown_name,
)
from glassnet._xp import namespace

Array = Any  # a NumPy or a JAX array
Tree = list[dict[str, Array]]
Schedule = Callable[[Any], Any]

__all__ = [
    "DEFAULT_LR",
    "REGISTRY",
    "SCHEDULES",
    "STATE_TYPES",
    "AdamState",
    "EmptyState",
    "MomentumState",
    "Optimizer",
    "RMSPropState",
    "ScaleState",
    "Transformation",
    "adam",
    "adamw",
    "add_decayed_weights",
    "add_l1_subgradient",
    "chain",
    "gd",
    "get",
    "heavy_ball",
    "momentum",
    "names",
    "nesterov",
    "register",
    "register_state",
    "rmsprop",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "schedule",
    "tree_map",
]


@known_keywords
def tree_map(f: Callable[..., Array], *trees: Tree) -> Tree:
    """Apply ``f`` leaf by leaf to trees of the parameter structure."""
    # one and two trees written out: the NumPy loop maps a few small arrays per step, where
    # a generic comprehension costs as much as the arithmetic
    if len(trees) == 1:
        return [{k: f(v) for k, v in layer.items()} for layer in trees[0]]
    if len(trees) == 2:
        return [{k: f(v, other[k]) for k, v in a.items()} for a, other in zip(*trees, strict=True)]
    return [{k: f(*(t[i][k] for t in trees)) for k in layer} for i, layer in enumerate(trees[0])]


def _zeros(params: Tree) -> Tree:
    return tree_map(lambda p: namespace(p).zeros_like(p), params)


class Transformation(NamedTuple):
    """``init(params) -> state``; ``update(updates, state, params=None) -> (updates, state)``."""

    init: Callable[[Tree], Any]
    update: Callable[..., tuple[Tree, Any]]


class Optimizer(NamedTuple):
    """A named gradient transformation whose output is the step added to the parameters."""

    name: str
    init: Callable[[Tree], Any]
    update: Callable[..., tuple[Tree, Any]]


class EmptyState(NamedTuple):
    """The state of a transformation that keeps none."""


class ScaleState(NamedTuple):
    count: Any  # optax's name; shadows tuple.count


class MomentumState(NamedTuple):
    count: Any
    velocity: Tree


class RMSPropState(NamedTuple):
    mean_square: Tree


class AdamState(NamedTuple):
    count: Any
    m: Tree
    v: Tree


#: The optimizer states by name: what a model file may hold (see :func:`register_state`).
STATE_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (EmptyState, ScaleState, MomentumState, RMSPropState, AdamState)
}


@known_keywords
def register_state(cls: type) -> type:
    """Register a custom transformation's state (a NamedTuple) so model files can store it."""
    if not (isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")):
        raise TypeError(f"cls: expected a NamedTuple class, got {describe(cls)}")
    STATE_TYPES[cls.__name__] = cls
    return cls


def chain(*transformations: Transformation) -> Transformation:
    """Apply ``transformations`` one after the other; the state is the tuple of their states."""

    def init(params: Tree) -> tuple[Any, ...]:
        return tuple(t.init(params) for t in transformations)

    def update(updates: Tree, state: tuple[Any, ...], params: Tree | None = None):
        new_state = []
        for t, s in zip(transformations, state, strict=True):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return Transformation(init, update)


def _rate(lr: Any, schedule: Schedule | None, count: Any) -> Any:
    return lr if schedule is None else lr * schedule(count)


@known_keywords
def scale_by_learning_rate(lr: Any, schedule: Schedule | None = None) -> Transformation:
    r"""``step = -eta_t u``, with ``eta_t = eta * schedule(t)`` at update ``t``."""

    def init(params: Tree) -> ScaleState:
        return ScaleState(0)

    def update(updates: Tree, state: ScaleState, params: Tree | None = None):
        eta = lr if schedule is None else lr * schedule(state.count)
        # written out as loops, not comprehensions (each is a call of its own before Python
        # 3.12): the paper's step for a few small arrays then costs about its arithmetic
        steps = []
        for layer in updates:
            step = {}
            for k, u in layer.items():
                step[k] = -eta * u
            steps.append(step)
        return steps, ScaleState(state.count + 1)

    return Transformation(init, update)


@known_keywords
def heavy_ball(
    lr: Any, beta: float, schedule: Schedule | None = None, nesterov: bool = False
) -> Transformation:
    r"""Momentum with the learning rate inside the velocity, as scikit-learn's MLP has it.

    ``v <- beta v - eta_t g``; ``step = v`` (heavy ball) or ``step = beta v - eta_t g``
    (Nesterov). With a schedule this differs from optax's ``trace`` followed by a scale: the
    rate of each update stays in the velocity.
    """

    def init(params: Tree) -> MomentumState:
        return MomentumState(0, _zeros(params))

    def update(grads: Tree, state: MomentumState, params: Tree | None = None):
        eta = _rate(lr, schedule, state.count)
        v = tree_map(lambda v, g: beta * v - eta * g, state.velocity, grads)
        steps = tree_map(lambda v, g: beta * v - eta * g, v, grads) if nesterov else v
        return steps, MomentumState(state.count + 1, v)

    return Transformation(init, update)


@known_keywords
def scale_by_rms(rho: float = 0.9, eps: float = 1e-8) -> Transformation:
    r"""``s <- rho s + (1 - rho) g^2``; ``u = g / (sqrt(s) + eps)``."""

    def init(params: Tree) -> RMSPropState:
        return RMSPropState(_zeros(params))

    def update(grads: Tree, state: RMSPropState, params: Tree | None = None):
        s = tree_map(lambda s, g: rho * s + (1 - rho) * g * g, state.mean_square, grads)
        u = tree_map(lambda s, g: g / (namespace(s).sqrt(s) + eps), s, grads)
        return u, RMSPropState(s)

    return Transformation(init, update)


@known_keywords
def scale_by_adam(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Transformation:
    r"""Adam's direction, with bias correction (Kingma and Ba, algorithm 1).

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``u = m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)`` at update ``t = 1, 2, ...``.
    """

    def init(params: Tree) -> AdamState:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(grads: Tree, state: AdamState, params: Tree | None = None):
        t = state.count + 1
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        m_tree, v_tree, u_tree = [], [], []
        for g_layer, m_layer, v_layer in zip(grads, state.m, state.v, strict=True):
            m_new, v_new, u_new = {}, {}, {}
            for k, g in g_layer.items():
                # Augmented assignments update the fresh arrays in place in NumPy (fewer
                # temporaries) and make new ones in JAX, whose arrays are immutable.
                m = beta1 * m_layer[k]
                m += (1 - beta1) * g  # m <- b1 m + (1 - b1) g
                g2 = g * g
                g2 *= 1 - beta2
                v = beta2 * v_layer[k]
                v += g2  # v <- b2 v + (1 - b2) g^2
                den = namespace(v).sqrt(v)
                den *= c2**-0.5
                den += eps  # sqrt(v_hat) + eps
                u = m / c1
                u /= den  # m_hat / (sqrt(v_hat) + eps)
                m_new[k], v_new[k], u_new[k] = m, v, u
            m_tree.append(m_new)
            v_tree.append(v_new)
            u_tree.append(u_new)
        return u_tree, AdamState(t, m_tree, v_tree)

    return Transformation(init, update)


@known_keywords
def add_decayed_weights(weight_decay: float) -> Transformation:
    r"""``u <- u + lambda W`` for the weights (not the biases): decoupled weight decay."""

    def init(params: Tree) -> EmptyState:
        return EmptyState()

    def update(updates: Tree, state: EmptyState, params: Tree | None = None):
        if params is None:
            raise ValueError("params: weight decay needs the parameters to decay the weights")
        out = [
            {k: (u + weight_decay * p[k] if k == "W" else u) for k, u in layer.items()}
            for layer, p in zip(updates, params, strict=True)
        ]
        return out, state

    return Transformation(init, update)


@known_keywords
def add_l1_subgradient(l1: float) -> Transformation:
    r"""``u <- u + lambda_1 sign(W)`` for the weights (not the biases): the subgradient of the
    L1 penalty ``lambda_1 sum |W|``, taking 0 at ``W = 0``."""

    def init(params: Tree) -> EmptyState:
        return EmptyState()

    def update(updates: Tree, state: EmptyState, params: Tree | None = None):
        if params is None:
            raise ValueError("params: the L1 penalty needs the parameters")
        out = [
            {k: (u + l1 * namespace(p[k]).sign(p[k]) if k == "W" else u) for k, u in layer.items()}
            for layer, p in zip(updates, params, strict=True)
        ]
        return out, state

    return Transformation(init, update)


def _named(name: str, *transformations: Transformation) -> Optimizer:
    t = transformations[0] if len(transformations) == 1 else chain(*transformations)
    return Optimizer(name, t.init, t.update)


# --- the named optimizers ----------------------------------------------------------------------

REGISTRY: dict[str, Callable[..., Optimizer]] = {}
DEFAULT_LR: dict[str, float] = {}


@known_keywords
def register(
    name: str, default_lr: float, *, overwrite: bool = False
) -> Callable[[Callable[..., Optimizer]], Callable[..., Optimizer]]:
    """Register an optimizer builder ``builder(lr, **options) -> Optimizer`` under ``name``.

    The builder's keyword arguments (other than ``lr`` and ``schedule``) are its options,
    accepted by :func:`get` and ``fit(..., optimizer_options=...)``. A name already registered
    (``"adam"``) is replaced only with ``overwrite=True``.
    """
    # checked now, not when a fit first asks for the rate ("" was registered, a NaN rate too,
    # and "adam" replaced without a word)
    if not isinstance(name, str):
        raise TypeError(f"name: expected a non-empty string, got {describe(name)}")
    if not name.strip():
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    default_lr = positive_float(default_lr, "default_lr")
    if name in REGISTRY and not overwrite:
        raise ValueError(
            f"name: an optimizer {name!r} is already registered; pass overwrite=True to replace it"
        )

    def decorate(builder: Callable[..., Optimizer]) -> Callable[..., Optimizer]:
        REGISTRY[name] = builder
        DEFAULT_LR[name] = default_lr
        return builder

    return decorate


# Every option of every optimizer, checked from one table (the shared vocabulary of
# glassnet._validation). Decay rates lie in [0, 1): 1 never forgets, and more makes the
# running averages grow without bound. Momentum's beta lies in [0, 1], as scikit-learn's
# momentum: its velocity is a sum, not an average to be kept bounded, and beta = 1 (every
# past gradient kept at full weight) is the undamped heavy ball.
_DECAY = Interval(float, 0, 1, closed="left")
OPTION_CONSTRAINTS: dict[str, Interval] = {
    "beta": Interval(float, 0, 1, closed="both"),
    "beta1": _DECAY,
    "beta2": _DECAY,
    "rho": _DECAY,
    "eps": Interval(float, 0, None, closed="neither"),
    "weight_decay": Interval(float, 0, None, closed="left"),
}


def _option(value: Any, name: str) -> float:
    return float(check(value, name, OPTION_CONSTRAINTS[name]))


def _lr(lr: Any) -> Any:
    # a number is checked here; an array of per-member rates or a traced value is fit's to check
    if isinstance(lr, int | float) or lr is None:
        return positive_float(lr, "lr")
    return lr


@known_keywords
@register("gd", default_lr=0.1)
def gd(lr: Any = 0.1, schedule: Schedule | None = None) -> Optimizer:
    r"""Plain gradient descent: ``step = -eta dC/dW``."""
    return _named("gd", scale_by_learning_rate(_lr(lr), schedule))


@known_keywords
@register("momentum", default_lr=0.1)
def momentum(lr: Any = 0.1, beta: float = 0.9, schedule: Schedule | None = None) -> Optimizer:
    r"""Heavy-ball momentum: ``v <- beta v - eta g``; ``step = v``."""
    return _named("momentum", heavy_ball(_lr(lr), _option(beta, "beta"), schedule))


@known_keywords
@register("nesterov", default_lr=0.1)
def nesterov(lr: Any = 0.1, beta: float = 0.9, schedule: Schedule | None = None) -> Optimizer:
    r"""Nesterov momentum: ``v <- beta v - eta g``; ``step = beta v - eta g``."""
    b = _option(beta, "beta")
    return _named("nesterov", heavy_ball(_lr(lr), b, schedule, nesterov=True))


@known_keywords
@register("rmsprop", default_lr=0.001)
def rmsprop(
    lr: Any = 0.001, rho: float = 0.9, eps: float = 1e-8, schedule: Schedule | None = None
) -> Optimizer:
    r"""RMSProp: ``s <- rho s + (1 - rho) g^2``; ``step = -eta g / (sqrt(s) + eps)``."""
    return _named(
        "rmsprop",
        scale_by_rms(_option(rho, "rho"), _option(eps, "eps")),
        scale_by_learning_rate(_lr(lr), schedule),
    )


@known_keywords
@register("adam", default_lr=0.001)
def adam(
    lr: Any = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    schedule: Schedule | None = None,
) -> Optimizer:
    r"""Adam: ``step = -eta m_hat / (sqrt(v_hat) + eps)`` (see :func:`scale_by_adam`)."""
    return _named(
        "adam",
        scale_by_adam(_option(beta1, "beta1"), _option(beta2, "beta2"), _option(eps, "eps")),
        scale_by_learning_rate(_lr(lr), schedule),
    )


@known_keywords
@register("adamw", default_lr=0.001)
def adamw(
    lr: Any = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    schedule: Schedule | None = None,
) -> Optimizer:
    r"""Adam with decoupled weight decay (Loshchilov and Hutter), the chain optax's ``adamw``
    is: :func:`scale_by_adam`, then :func:`add_decayed_weights`, then the learning rate, so
    ``step = -eta (m_hat / (sqrt(v_hat) + eps) + lambda W)``."""
    # a decay of 0 would silently be plain Adam
    decay = check(weight_decay, "weight_decay", Interval(float, 0, None, closed="neither"))
    return _named(
        "adamw",
        scale_by_adam(_option(beta1, "beta1"), _option(beta2, "beta2"), _option(eps, "eps")),
        add_decayed_weights(decay),
        scale_by_learning_rate(_lr(lr), schedule),
    )


def options(name: str) -> tuple[str, ...]:
    """The option names the optimizer ``name`` accepts (besides ``lr`` and ``schedule``)."""
    return _options_of(REGISTRY[name])


@functools.lru_cache(maxsize=256)
def _options_of(builder: Callable[..., Any]) -> tuple[str, ...]:
    # read once per builder: inspect.signature cost ~50 us, and every fit checks its options
    params = inspect.signature(builder).parameters
    return tuple(p for p in params if p not in ("lr", "schedule"))


def get(name: str | Optimizer, lr: Any = None, **kwargs: Any) -> Optimizer:
    """Build an optimizer by name (an :class:`Optimizer` is returned as is).

    Unknown options are refused with the list of the optimizer's own; every option's value is
    checked by the builder.
    """
    if isinstance(name, Optimizer):
        return name
    if not isinstance(name, str):
        raise TypeError(f"optimizer: expected a name or an Optimizer, got {describe(name)}")
    if name not in REGISTRY:
        raise unknown_name("optimizer", "optimizer", name, REGISTRY)
    valid = options(name)
    for key in kwargs:
        if key not in valid and key != "schedule":
            owners = [n for n in names() if key in options(n)]
            hint = did_you_mean(key, valid) or (
                f" ({key} is an option of {', '.join(owners)}: optimizer={owners[0]!r})"
                if owners
                else ""
            )
            raise ValueError(
                f"optimizer_options: {name} has no option {key!r}; "
                f"expected {', '.join(valid) or 'none'}{hint}"
            )
    return REGISTRY[name](DEFAULT_LR[name] if lr is None else lr, **kwargs)


def names() -> list[str]:
    """The registered optimizer names."""
    return sorted(REGISTRY)


# --- schedules -------------------------------------------------------------------------------

SCHEDULES = ("constant", "step", "exponential", "cosine")


def _cos(x: Any) -> Any:
    # math.cos on Python numbers keeps the NumPy loop's numbers what they always were
    return math.cos(x) if isinstance(x, int | float) else namespace(x).cos(x)


@known_keywords
def schedule(
    name: str | Schedule | None,
    *,
    epochs: int,
    steps_per_epoch: int = 1,
    step_size: int | None = None,
    gamma: float | None = None,
    min_factor: float = 0.0,
) -> Schedule | None:
    r"""A learning-rate factor per update count, constant within an epoch.

    With ``e`` the epoch of update ``t`` (``e = t // steps_per_epoch``):

    * ``constant``: 1
    * ``step``: ``gamma^(e // step_size)`` (defaults: ``step_size = epochs // 3``, ``gamma = 0.1``)
    * ``exponential``: ``gamma^e`` (default ``gamma`` so the rate ends at 1% of the start)
    * ``cosine``: ``m + (1 - m) (1 + cos(pi min(e, epochs) / epochs)) / 2``, ``m = min_factor``
      (it stays at ``m`` after ``epochs``, as optax's ``cosine_decay_schedule`` does)

    A callable is returned as is; ``None`` means no schedule.
    """
    if name is None or callable(name):
        return name
    if not isinstance(name, str) or name not in SCHEDULES:
        raise unknown_name("schedule", "schedule", name, SCHEDULES)
    epochs = positive_int(epochs, "epochs")
    spe = positive_int(steps_per_epoch, "steps_per_epoch")
    if name == "constant":
        return None
    if name == "step":
        # 0 is refused, not taken for "the default" (it is falsy)
        size = positive_int(max(epochs // 3, 1) if step_size is None else step_size, "step_size")
        g = 0.1 if gamma is None else positive_float(gamma, "gamma")
        return lambda t: g ** ((t // spe) // size)
    if name == "exponential":
        g = 0.01 ** (1 / epochs) if gamma is None else positive_float(gamma, "gamma")
        return lambda t: g ** (t // spe)
    m = positive_float(min_factor, "min_factor", allow_zero=True)
    if m > 1:  # the floor of a decay, a fraction of the start: above 1 the "decay" rose
        raise ValueError(
            f"min_factor: expected a fraction of the starting rate in [0, 1], got {describe(min_factor)}"
        )
    return lambda t: m + (1 - m) * (1 + _cos(math.pi * _upto(t // spe, epochs) / epochs)) / 2


def _upto(e: Any, epochs: int) -> Any:
    return min(e, epochs) if isinstance(e, int) else namespace(e).minimum(e, epochs)
