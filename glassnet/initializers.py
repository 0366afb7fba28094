r"""Initial weights and biases.

An initializer fills one network's parameters from one seed. Per-layer schemes draw each
``W^(l)`` (shape ``(n_in, n_out)``) from ``np.random.default_rng(seed)`` in layer order; biases
start at zero. ``"paper"`` reproduces the paper's draw exactly: from NumPy's legacy
``RandomState(seed)``, every weight matrix first, ``W = 2 * rand(n_in, n_out) - 1``, then every
bias, ``b = uniform(-1, 1)`` (one number per layer with ``bias="layer"``, as in the paper).

================  ==========================================================================
name              distribution of ``W``
================  ==========================================================================
paper             ``U(-1, 1)`` from ``RandomState(seed)``, biases ``U(-1, 1)`` (see above)
uniform           ``U(-1, 1)``
xavier, glorot    ``U(-r, r)``, ``r = sqrt(6 / (n_in + n_out))`` (also ``xavier_uniform``)
xavier_normal     ``N(0, 2 / (n_in + n_out))`` (also ``glorot_normal``)
he, kaiming       ``N(0, 2 / n_in)`` (also ``he_normal``, ``kaiming_normal``)
he_uniform        ``U(-r, r)``, ``r = sqrt(6 / n_in)`` (also ``kaiming_uniform``)
lecun             ``N(0, 1 / n_in)`` (also ``lecun_normal``); ``lecun_uniform``: ``r = sqrt(3 / n_in)``
normal            ``N(0, std^2)``, ``std = 0.1``; ``normal(std)`` or ``"normal(0.5)"`` for others
================  ==========================================================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from glassnet._random import generator, legacy
from glassnet._validation import Interval, check, describe, known_keywords, unknown_name

Array = np.ndarray
Shape = tuple[int, ...]

__all__ = ["MAX_STD", "REGISTRY", "Initializer", "get", "names", "normal"]

#: The largest standard deviation of :func:`normal`: weights beyond it overflow any activation.
MAX_STD = 1e6


@known_keywords
@dataclass(frozen=True)
class Initializer:
    """Draws one network's initial parameters from one seed.

    ``draw(seed, weight_shapes, bias_shapes)`` returns ``(weights, biases)``: lists of float64
    arrays with the given shapes (a bias shape of ``None`` means the layer has no bias).
    """

    name: str
    draw: Callable[[int, Sequence[Shape], Sequence[Shape | None]], tuple[list[Array], list]]


def _per_layer(sample: Callable[[np.random.Generator, int, int], Array]) -> Callable:
    def draw(seed: int, weight_shapes: Sequence[Shape], bias_shapes: Sequence[Shape | None]):
        rng = generator(seed, "init")
        weights = [sample(rng, n_in, n_out) for n_in, n_out in weight_shapes]
        biases = [None if s is None else np.zeros(s) for s in bias_shapes]
        return weights, biases

    return draw


def _paper(seed: int, weight_shapes: Sequence[Shape], bias_shapes: Sequence[Shape | None]):
    rs = legacy(seed)
    weights = [2 * rs.rand(n_in, n_out) - 1 for n_in, n_out in weight_shapes]
    biases = [None if s is None else rs.uniform(-1, 1, size=s) for s in bias_shapes]
    return weights, biases


def _uniform(r: Callable[[int, int], float]) -> Callable:
    return _per_layer(lambda rng, i, o: rng.uniform(-r(i, o), r(i, o), size=(i, o)))


def _normal(std: Callable[[int, int], float]) -> Callable:
    return _per_layer(lambda rng, i, o: rng.normal(0.0, std(i, o), size=(i, o)))


@known_keywords
def normal(std: float = 0.1) -> Initializer:
    """``W ~ N(0, std^2)``, biases zero."""
    std = check(std, "init normal(std)", Interval(float, 0, MAX_STD, closed="right"))
    return Initializer(f"normal({std:g})", _normal(lambda i, o: std))


_xavier_u = _uniform(lambda i, o: math.sqrt(6 / (i + o)))
_xavier_n = _normal(lambda i, o: math.sqrt(2 / (i + o)))
_he_u = _uniform(lambda i, o: math.sqrt(6 / i))
_he_n = _normal(lambda i, o: math.sqrt(2 / i))
_lecun_u = _uniform(lambda i, o: math.sqrt(3 / i))
_lecun_n = _normal(lambda i, o: math.sqrt(1 / i))

REGISTRY: dict[str, Initializer] = {
    init.name: init
    for init in (
        Initializer("paper", _paper),
        Initializer("uniform", _uniform(lambda i, o: 1.0)),
        *(
            Initializer(n, _xavier_u)
            for n in ("xavier", "glorot", "xavier_uniform", "glorot_uniform")
        ),
        *(Initializer(n, _xavier_n) for n in ("xavier_normal", "glorot_normal")),
        *(Initializer(n, _he_n) for n in ("he", "kaiming", "he_normal", "kaiming_normal")),
        *(Initializer(n, _he_u) for n in ("he_uniform", "kaiming_uniform")),
        *(Initializer(n, _lecun_n) for n in ("lecun", "lecun_normal")),
        Initializer("lecun_uniform", _lecun_u),
        Initializer("normal", _normal(lambda i, o: 0.1)),
    )
}

_NORMAL_RE = re.compile(r"^normal\(\s*(?:std\s*=\s*)?([0-9.eE+-]+)\s*\)$")


@known_keywords
def get(name: str | Initializer) -> Initializer:
    """Look up an initializer by name; ``"normal(0.5)"`` makes :func:`normal` with that std."""
    if isinstance(name, Initializer):
        return name
    if not isinstance(name, str):
        raise TypeError(f"init: expected a name or an Initializer, got {describe(name)}")
    if name in REGISTRY:
        return REGISTRY[name]
    match = _NORMAL_RE.match(name)
    if match:
        try:
            std = float(match.group(1))
        except ValueError:
            pass
        else:
            return normal(std)  # its errors say what std must be
    raise unknown_name("initializer", "init", name, [*REGISTRY, "normal(std)"])


def names() -> list[str]:
    """The registered initializer names."""
    return sorted(REGISTRY)
