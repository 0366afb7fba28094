"""Array namespaces: the engine's math written once, for NumPy arrays and for JAX arrays.

Every formula of the engine (activations, losses, the forward pass, backpropagation,
optimizers, schedules) takes its functions from the namespace of the arrays it is given::

    xp = namespace(z)          # NUMPY for NumPy arrays and Python numbers, JAX for jax arrays
    a = xp.expit(z)

so the NumPy loop and the compiled program (:mod:`glassnet.compiled`) run the same code. The
NumPy namespace never imports JAX; the JAX namespace is built the first time a JAX array (or a
tracer inside ``jax.jit``) reaches the engine, which only the compiled backend does.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import special

__all__ = ["NUMPY", "jax_namespace", "namespace"]


try:
    # NumPy's C einsum itself: np.einsum (optimize=False) only calls it, after an
    # __array_function__ dispatch that costs about 1 us a call -- a tenth of a tiny network's
    # epoch, which makes three such calls. Same function, so the same bits.
    from numpy._core.multiarray import c_einsum as _np_einsum
except ImportError:  # pragma: no cover - a NumPy that moved it
    _np_einsum = np.einsum


def _numpy_sum_squares(r: Any) -> Any:
    # one pass, no temporary r * r
    return _np_einsum("...ij,...ij->...", r, r)


def _jax_sum_squares(r: Any) -> Any:
    # XLA fuses the product into the reduction; an einsum would become a batched dot
    return (r * r).sum(axis=(-2, -1))


def _names(xp: Any, sp: Any, name: str, sum_squares: Any, einsum: Any) -> SimpleNamespace:
    # the functions the engine uses; attribute access on a SimpleNamespace is one dict lookup
    return SimpleNamespace(
        name=name,
        sum_squares=sum_squares,
        abs=xp.abs,
        asarray=xp.asarray,
        clip=xp.clip,
        cos=xp.cos,
        einsum=einsum,
        exp=xp.exp,
        expit=sp.expit,
        expm1=xp.expm1,
        isfinite=xp.isfinite,
        log=xp.log,
        log1p=xp.log1p,
        logaddexp=xp.logaddexp,
        maximum=xp.maximum,
        minimum=xp.minimum,
        ndtr=sp.ndtr,
        ones_like=xp.ones_like,
        sign=xp.sign,
        sqrt=xp.sqrt,
        stack=xp.stack,
        tanh=xp.tanh,
        where=xp.where,
        xlogy=sp.xlogy,
        zeros_like=xp.zeros_like,
    )


NUMPY = _names(np, special, "numpy", _numpy_sum_squares, _np_einsum)

_NUMPY_TYPES = (np.ndarray, np.generic, float, int)


@functools.cache
def jax_namespace() -> SimpleNamespace:
    """The same functions from ``jax.numpy`` and ``jax.scipy.special`` (imports JAX)."""
    import jax.numpy as jnp
    import jax.scipy.special as jsp

    return _names(jnp, jsp, "jax", _jax_sum_squares, jnp.einsum)


def namespace(x: Any) -> SimpleNamespace:
    """The namespace of ``x``: :data:`NUMPY`, or JAX's for a jax array or tracer."""
    # the exact-type test first: it is what the NumPy loop passes, thousands of times a second
    if type(x) is np.ndarray or isinstance(x, _NUMPY_TYPES):
        return NUMPY
    return jax_namespace()
