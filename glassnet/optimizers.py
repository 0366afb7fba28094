r"""Optimizers in the optax shape, and learning-rate schedules.

An optimizer is a pair of pure functions::

    state = opt.init(params)
    steps, state = opt.update(grads, state, params)   # params needed by adamw only
    params = params + steps                            # p <- p + step

``params``, ``grads`` and ``steps`` share one structure: a list with one dict per layer,
``{"W": ..., "b": ...}``. Plain gradient descent, the paper's rule ``W <- W - eta dC/dW``, is
``step = -eta * g``. A learning rate is a number, or for a population an array that broadcasts
against the parameters (one rate per member, shape ``(P, 1, 1)``). A schedule multiplies it by a
factor that depends on the update count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from glassnet._validation import positive_float, positive_int, unknown_name

Array = np.ndarray
Tree = list[dict[str, Array]]
Schedule = Callable[[int], float]

__all__ = [
    "DEFAULT_LR",
    "REGISTRY",
    "AdamState",
    "GDState",
    "MomentumState",
    "Optimizer",
    "RMSPropState",
    "adam",
    "adamw",
    "gd",
    "get",
    "momentum",
    "names",
    "nesterov",
    "rmsprop",
    "schedule",
    "tree_map",
]


def tree_map(f: Callable[..., Array], *trees: Tree) -> Tree:
    """Apply ``f`` leaf by leaf to trees of the parameter structure."""
    return [{k: f(*(t[i][k] for t in trees)) for k in layer} for i, layer in enumerate(trees[0])]


def _zeros(params: Tree) -> Tree:
    return tree_map(np.zeros_like, params)


class Optimizer(NamedTuple):
    """``init(params) -> state``; ``update(grads, state, params=None) -> (steps, state)``."""

    name: str
    init: Callable[[Tree], Any]
    update: Callable[..., tuple[Tree, Any]]


class GDState(NamedTuple):
    count: int  # type: ignore[assignment]  # optax's name; shadows tuple.count


class MomentumState(NamedTuple):
    count: int  # type: ignore[assignment]
    velocity: Tree


class RMSPropState(NamedTuple):
    count: int  # type: ignore[assignment]
    mean_square: Tree


class AdamState(NamedTuple):
    count: int  # type: ignore[assignment]
    m: Tree
    v: Tree


def _rate(lr: float | Array, schedule: Schedule | None, count: int) -> float | Array:
    return lr if schedule is None else lr * schedule(count)


def gd(lr: float | Array = 0.1, schedule: Schedule | None = None) -> Optimizer:
    r"""Plain gradient descent: ``step = -eta dC/dW``."""

    def init(params: Tree) -> GDState:
        return GDState(0)

    def update(grads: Tree, state: GDState, params: Tree | None = None):
        eta = _rate(lr, schedule, state.count)
        return [{k: -eta * g for k, g in layer.items()} for layer in grads], GDState(
            state.count + 1
        )

    return Optimizer("gd", init, update)


def _heavy_ball(
    name: str, lr: float | Array, beta: float, schedule: Schedule | None, nesterov: bool
) -> Optimizer:
    # momentum and nesterov share the velocity; they differ only in the step taken from it
    def init(params: Tree) -> MomentumState:
        return MomentumState(0, _zeros(params))

    def update(grads: Tree, state: MomentumState, params: Tree | None = None):
        eta = _rate(lr, schedule, state.count)
        v = tree_map(lambda v, g: beta * v - eta * g, state.velocity, grads)
        steps = tree_map(lambda v, g: beta * v - eta * g, v, grads) if nesterov else v
        return steps, MomentumState(state.count + 1, v)

    return Optimizer(name, init, update)


def momentum(
    lr: float | Array = 0.1, beta: float = 0.9, schedule: Schedule | None = None
) -> Optimizer:
    r"""Heavy-ball momentum: ``v <- beta v - eta g``; ``step = v``."""
    return _heavy_ball("momentum", lr, beta, schedule, nesterov=False)


def nesterov(
    lr: float | Array = 0.1, beta: float = 0.9, schedule: Schedule | None = None
) -> Optimizer:
    r"""Nesterov momentum: ``v <- beta v - eta g``; ``step = beta v - eta g``."""
    return _heavy_ball("nesterov", lr, beta, schedule, nesterov=True)


def rmsprop(
    lr: float | Array = 0.001,
    rho: float = 0.9,
    eps: float = 1e-8,
    schedule: Schedule | None = None,
) -> Optimizer:
    r"""RMSProp: ``s <- rho s + (1 - rho) g^2``; ``step = -eta g / (sqrt(s) + eps)``."""

    def init(params: Tree) -> RMSPropState:
        return RMSPropState(0, _zeros(params))

    def update(grads: Tree, state: RMSPropState, params: Tree | None = None):
        eta = _rate(lr, schedule, state.count)
        s = tree_map(lambda s, g: rho * s + (1 - rho) * g * g, state.mean_square, grads)
        steps = tree_map(lambda s, g: -eta * g / (np.sqrt(s) + eps), s, grads)
        return steps, RMSPropState(state.count + 1, s)

    return Optimizer("rmsprop", init, update)


def adam(
    lr: float | Array = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    schedule: Schedule | None = None,
) -> Optimizer:
    r"""Adam, with bias correction; ``weight_decay > 0`` makes it AdamW.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``step = -eta (m_hat / (sqrt(v_hat) + eps) + lambda W)`` with ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``; the decoupled decay ``lambda W`` applies to weights, not biases.
    """
    name = "adamw" if weight_decay else "adam"

    def init(params: Tree) -> AdamState:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(grads: Tree, state: AdamState, params: Tree | None = None):
        t = state.count + 1
        eta = _rate(lr, schedule, state.count)
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        m_tree, v_tree, steps = [], [], []
        for g_layer, m_layer, v_layer in zip(grads, state.m, state.v, strict=True):
            m_new, v_new, s_new = {}, {}, {}
            for k, g in g_layer.items():
                # one pass per array, updating fresh arrays in place: fewer temporaries
                m = m_layer[k] * beta1
                m += (1 - beta1) * g  # m <- b1 m + (1 - b1) g
                g2 = g * g
                g2 *= 1 - beta2
                v = v_layer[k] * beta2
                v += g2  # v <- b2 v + (1 - b2) g^2
                den = np.sqrt(v)
                den *= 1 / math.sqrt(c2)
                den += eps  # sqrt(v_hat) + eps
                step = m * (-eta / c1)
                step /= den  # -eta m_hat / (sqrt(v_hat) + eps)
                m_new[k], v_new[k], s_new[k] = m, v, step
            m_tree.append(m_new)
            v_tree.append(v_new)
            steps.append(s_new)
        if weight_decay:
            if params is None:
                raise ValueError("params: adamw needs the parameters to decay the weights")
            for step_layer, layer in zip(steps, params, strict=True):
                step_layer["W"] = step_layer["W"] - eta * weight_decay * layer["W"]
        return steps, AdamState(t, m_tree, v_tree)

    return Optimizer(name, init, update)


def adamw(
    lr: float | Array = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    schedule: Schedule | None = None,
) -> Optimizer:
    """Adam with decoupled weight decay (Loshchilov and Hutter)."""
    return adam(lr, beta1, beta2, eps, positive_float(weight_decay, "weight_decay"), schedule)


REGISTRY: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "momentum": momentum,
    "nesterov": nesterov,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
}

DEFAULT_LR = {"gd": 0.1, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.001, "adam": 0.001,
              "adamw": 0.001}  # fmt: skip


def get(name: str | Optimizer, lr: float | Array | None = None, **kwargs: Any) -> Optimizer:
    """Build an optimizer by name (an :class:`Optimizer` is returned as is)."""
    if isinstance(name, Optimizer):
        return name
    if not isinstance(name, str):
        raise TypeError(f"optimizer: expected a name or an Optimizer, got {name!r}")
    if name not in REGISTRY:
        raise unknown_name("optimizer", "optimizer", name, REGISTRY)
    return REGISTRY[name](DEFAULT_LR[name] if lr is None else lr, **kwargs)


def names() -> list[str]:
    """The registered optimizer names."""
    return sorted(REGISTRY)


# --- schedules -------------------------------------------------------------------------------

SCHEDULES = ("constant", "step", "exponential", "cosine")


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
    * ``cosine``: ``m + (1 - m) (1 + cos(pi e / epochs)) / 2``, ``m = min_factor``

    A callable is returned as is; ``None`` means no schedule.
    """
    if name is None or callable(name):
        return name
    if name not in SCHEDULES:
        raise unknown_name("schedule", "schedule", name, SCHEDULES)
    epochs = positive_int(epochs, "epochs")
    spe = positive_int(steps_per_epoch, "steps_per_epoch")
    if name == "constant":
        return None
    if name == "step":
        size = positive_int(step_size or max(epochs // 3, 1), "step_size")
        g = 0.1 if gamma is None else positive_float(gamma, "gamma")
        return lambda t: g ** ((t // spe) // size)
    if name == "exponential":
        g = 0.01 ** (1 / epochs) if gamma is None else positive_float(gamma, "gamma")
        return lambda t: g ** (t // spe)
    m = float(min_factor)
    return lambda t: m + (1 - m) * (1 + math.cos(math.pi * (t // spe) / epochs)) / 2
