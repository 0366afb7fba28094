"""Array namespaces: the engine's math written once, for NumPy arrays and for JAX arrays.

Every formula of the engine (activations, losses, the forward pass, backpropagation,
optimizers, schedules) takes its functions from the namespace of the arrays it is given::

    xp = namespace(z)          # NUMPY for NumPy arrays and Python numbers, JAX for jax arrays
    a = xp.expit(z)

so the NumPy loop and the compiled program (:mod:`glassnet.compiled`) run the same code. The
NumPy namespace never imports JAX; the JAX namespace is built the first time a JAX array (or a
tracer inside ``jax.jit``) reaches the engine, which only the compiled backend does.

Members on the vector lanes
---------------------------
A population's arrays are ``(P, ...)`` stacks: ``W^(l)`` is ``(P, n_{l-1}, n_l)``. For small
layers that layout wastes the machine: every product is ``P`` tiny matrix products and every
elementwise step runs over rows of two or three numbers. :class:`Lanes` holds the same array
with its members on the *last* axis, ``(n_{l-1}, n_l, P)``, while it presents the engine's
shape ``(P, n_{l-1}, n_l)``: its operators, methods and namespace (:func:`lanes_namespace`)
translate every axis, index and broadcast of the engine's formulas, so those formulas run
unchanged and every elementwise step becomes one long vector operation over the members. A
product ``a^(l-1) W^(l)`` over a small shared axis (``k <= UNROLL``) is written out as ``k``
multiply-adds over whole member vectors; a larger one is one ``einsum``. The compiled backend
uses it for populations of small networks (``glassnet.compiled``, ``layout="lanes"``).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "NUMPY",
    "UNROLL",
    "Lanes",
    "jax_namespace",
    "lanes_namespace",
    "namespace",
    "small_matmul",
]


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
        moveaxis=xp.moveaxis,
        ndtr=sp.ndtr,
        ones_like=xp.ones_like,
        sign=xp.sign,
        sqrt=xp.sqrt,
        stack=xp.stack,
        swapaxes=xp.swapaxes,
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
    """The namespace of ``x``: :data:`NUMPY`, JAX's for a jax array or tracer, or
    :func:`lanes_namespace` for a :class:`Lanes` array."""
    # the exact-type test first: it is what the NumPy loop passes, thousands of times a second
    if type(x) is np.ndarray or isinstance(x, _NUMPY_TYPES):
        return NUMPY
    if type(x) is Lanes:
        return lanes_namespace()
    return jax_namespace()


# --- members on the vector lanes -------------------------------------------------------------

UNROLL = 8
"""Products over a shared axis of at most this many terms are written out as multiply-adds
(one fused vector loop); longer ones are one ``einsum``."""


def _raw(x: Any) -> Any:
    """The namespace of a stored array (NumPy or JAX), never the lanes one."""
    return NUMPY if type(x) is np.ndarray or isinstance(x, _NUMPY_TYPES) else jax_namespace()


def _aligned(v: Any, ndim: int) -> Any:
    """``v`` stored so that it broadcasts against a :class:`Lanes` array of ``ndim`` axes.

    A Lanes operand must have the same number of axes. A plain array has no member axis: it
    broadcasts against the trailing axes of the engine's shape, so a trailing axis of length 1
    (for the members) is added. A plain array with as many axes as the Lanes one would have
    to hold the members first: that is ambiguous, and refused.
    """
    if type(v) is Lanes:
        if v.data.ndim != ndim:
            raise ValueError(
                f"Lanes: cannot combine members-last arrays of {ndim} and {v.data.ndim} axes"
            )
        return v.data
    nd = getattr(v, "ndim", 0)
    if nd == 0:
        return v
    if nd < ndim:
        return v[..., None]
    raise ValueError(
        f"Lanes: a plain array of shape {tuple(v.shape)} next to a members-last array of "
        f"{ndim} axes is ambiguous (wrap arrays that hold the members in Lanes)"
    )


def _binary(op: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    def forward(self: Lanes, other: Any) -> Lanes:
        return Lanes(op(self.data, _aligned(other, self.data.ndim)))

    def reflected(self: Lanes, other: Any) -> Lanes:
        return Lanes(op(_aligned(other, self.data.ndim), self.data))

    return forward, reflected


def _product(a: Any, b: Any) -> Any:
    """``a @ b`` in the engine's shapes, at least one of them Lanes; stored members last."""
    A = a.data if type(a) is Lanes else a[..., None]  # (n, k, P) or (n, k, 1)
    B = b.data if type(b) is Lanes else b[..., None]  # (k, j, P) or (k, j, 1)
    if A.ndim != 3 or B.ndim != 3:
        raise ValueError("Lanes: products are of (P, n, k) and (P, k, j) arrays")
    k = A.shape[1]
    if k <= UNROLL:
        # k multiply-adds of whole (n, j, P) member vectors, summed in order as a naive dot
        out = A[:, 0, None, :] * B[None, 0, :, :]
        for i in range(1, k):
            out = out + A[:, i, None, :] * B[None, i, :, :]
        return Lanes(out)
    xp = _raw(A)
    if type(a) is not Lanes:  # a shared left factor: one (n, k) @ (k, j * P) product
        return Lanes(xp.einsum("nk,kjp->njp", a, B))
    if type(b) is not Lanes:
        return Lanes(xp.einsum("nkp,kj->njp", A, b))
    return Lanes(xp.einsum("nkp,kjp->njp", A, B))


class Lanes:
    """A population's array stored with its members on the last axis.

    ``Lanes(data)`` with ``data`` of shape ``(..., P)`` presents the shape ``(P, ...)``: the
    engine's formulas index, reduce, broadcast and multiply it as a members-first array (see
    the module docstring). Plain (NumPy or JAX) arrays combined with it hold no member axis;
    they broadcast as they would against the members-first array. ``data`` is a NumPy or a
    JAX array; inside ``jax.jit`` Lanes is a pytree of its ``data``.
    """

    __slots__ = ("data",)
    __array_ufunc__ = None  # NumPy defers to the reflected operators below
    __hash__ = None  # type: ignore[assignment]  # == is elementwise

    def __init__(self, data: Any) -> None:
        self.data = data

    @classmethod
    def wrap(cls, a: Any) -> Lanes:
        """The Lanes of a members-first array ``a`` of shape ``(P, ...)``."""
        return cls(_raw(a).moveaxis(a, 0, -1))

    def unwrap(self) -> Any:
        """The members-first array, shape ``(P, ...)``."""
        return _raw(self.data).moveaxis(self.data, -1, 0)

    @property
    def shape(self) -> tuple[int, ...]:
        s = tuple(self.data.shape)
        return (s[-1], *s[:-1])

    @property
    def ndim(self) -> int:
        return int(self.data.ndim)

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def mT(self) -> Lanes:
        if self.data.ndim < 3:
            raise ValueError("Lanes: .mT needs two axes besides the members")
        return Lanes(_raw(self.data).swapaxes(self.data, -3, -2))

    def astype(self, dtype: Any) -> Lanes:
        return Lanes(self.data.astype(dtype))

    def reshape(self, *shape: Any) -> Lanes:
        """A reshape that keeps the member axis first (stored last): ``(P, ...)`` to
        ``(P, ...)``; the other axes flatten and split in the same order either way."""
        new = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        if not new or new[0] != self.data.shape[-1]:
            raise ValueError(f"Lanes: a reshape must keep the {self.data.shape[-1]} members first")
        return Lanes(self.data.reshape((*new[1:], new[0])))

    def __repr__(self) -> str:
        return f"Lanes(shape={self.shape}, dtype={self.dtype})"

    def __bool__(self) -> bool:
        raise TypeError("Lanes: the truth value of a population's array is ambiguous")

    def _axes(self, axis: Any) -> tuple[int, ...]:
        nd = self.data.ndim
        axes = range(nd) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        return tuple(a % nd for a in axes)

    def _reduce(self, name: str, axis: Any, keepdims: bool) -> Any:
        nd = self.data.ndim
        axes = self._axes(axis)
        stored = tuple(nd - 1 if a == 0 else a - 1 for a in axes)
        out = getattr(self.data, name)(axis=stored, keepdims=keepdims)
        if 0 not in axes:
            return Lanes(out)
        # the members were reduced too: a plain array, in the members-first order
        return _raw(out).moveaxis(out, -1, 0) if keepdims else out

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        return self._reduce("sum", axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:
        return self._reduce("mean", axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:
        return self._reduce("max", axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Any:
        return self._reduce("min", axis, keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Any:
        return self._reduce("all", axis, keepdims)

    def any(self, axis: Any = None, keepdims: bool = False) -> Any:
        return self._reduce("any", axis, keepdims)

    def argmax(self, axis: int) -> Lanes:
        (a,) = self._axes(axis)
        if a == 0:
            raise ValueError("Lanes: argmax over the members")
        return Lanes(self.data.argmax(axis=a - 1))

    def __getitem__(self, index: Any) -> Lanes:
        # the engine indexes with None, Ellipsis, slices and integers; the member axis must
        # come first and whole, and stays last in storage
        items = index if isinstance(index, tuple) else (index,)
        nd = self.data.ndim
        used = sum(1 for i in items if i is not None and i is not Ellipsis)
        spots = [k for k, i in enumerate(items) if i is Ellipsis]
        fill = (slice(None),) * (nd - used)
        if spots:
            items = items[: spots[0]] + fill + items[spots[0] + 1 :]
        else:
            items = items + fill
        if not items or items[0] is None or items[0] != slice(None):
            raise IndexError("Lanes: an index must keep the member axis first and whole")
        return Lanes(self.data[(*items[1:], slice(None))])

    def __neg__(self) -> Lanes:
        return Lanes(-self.data)

    def __invert__(self) -> Lanes:
        return Lanes(~self.data)

    def __abs__(self) -> Lanes:
        return Lanes(abs(self.data))

    __add__, __radd__ = _binary(operator.add)
    __sub__, __rsub__ = _binary(operator.sub)
    __mul__, __rmul__ = _binary(operator.mul)
    __truediv__, __rtruediv__ = _binary(operator.truediv)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv)
    __mod__, __rmod__ = _binary(operator.mod)
    __pow__, __rpow__ = _binary(operator.pow)
    __and__, __rand__ = _binary(operator.and_)
    __or__, __ror__ = _binary(operator.or_)
    __xor__, __rxor__ = _binary(operator.xor)
    __lt__, __gt__ = _binary(operator.lt)[0], _binary(operator.gt)[0]
    __le__, __ge__ = _binary(operator.le)[0], _binary(operator.ge)[0]
    __eq__ = _binary(operator.eq)[0]
    __ne__ = _binary(operator.ne)[0]

    def __matmul__(self, other: Any) -> Lanes:
        return _product(self, other)

    def __rmatmul__(self, other: Any) -> Lanes:
        return _product(other, self)


def _lifted(name: str) -> Callable[..., Lanes]:
    """The namespace function ``name`` applied to stored arrays, operands aligned."""

    def f(*args: Any) -> Lanes:
        first = next(a for a in args if type(a) is Lanes)
        nd = first.data.ndim
        return Lanes(getattr(_raw(first.data), name)(*(_aligned(a, nd) for a in args)))

    f.__name__ = name
    return f


def _lanes_einsum(spec: str, *operands: Any) -> Any:
    # the engine's specs keep the members inside "...": stored, "..." moves to the end
    inputs, output = spec.split("->")
    if not all(s.startswith("...") for s in inputs.split(",")):
        raise ValueError(f"Lanes: einsum {spec!r} must begin every operand with '...'")
    stored = ",".join(s[3:] + "..." for s in inputs.split(","))
    data = [o.data if type(o) is Lanes else o for o in operands]
    xp = _raw(data[0])
    if output.startswith("..."):
        return Lanes(xp.einsum(f"{stored}->{output[3:]}...", *data))
    return xp.einsum(f"{stored}->{output}", *data)


def _lanes_asarray(x: Any) -> Any:
    if type(x) is Lanes:
        return x
    if isinstance(x, list | tuple) and x and all(type(v) is Lanes for v in x):
        # a list of (P,) member vectors is the plain (len, P) array of them
        if any(v.data.ndim != 1 for v in x):
            raise ValueError("Lanes: asarray of a list takes (P,) member vectors only")
        return _raw(x[0].data).stack([v.data for v in x])
    return jax_namespace().asarray(x)


def _lanes_sum_squares(r: Lanes) -> Any:
    return (r * r).sum(axis=(-2, -1))


# the namespace's elementwise functions: on Lanes they apply to the stored arrays, aligned
_ELEMENTWISE = (
    "abs", "clip", "cos", "exp", "expit", "expm1", "isfinite", "log", "log1p", "logaddexp",
    "maximum", "minimum", "ndtr", "ones_like", "sign", "sqrt", "tanh", "where", "xlogy",
    "zeros_like",
)  # fmt: skip


@functools.cache
def lanes_namespace() -> SimpleNamespace:
    """The namespace of :class:`Lanes` arrays: the same functions, on members-last storage."""
    ns = SimpleNamespace(
        name="lanes",
        sum_squares=_lanes_sum_squares,
        einsum=_lanes_einsum,
        asarray=_lanes_asarray,
        **{name: _lifted(name) for name in _ELEMENTWISE},
    )
    try:  # inside jax.jit, Lanes is a pytree of its stored array
        import jax

        jax.tree_util.register_pytree_node(Lanes, lambda v: ((v.data,), None), _unflatten)
    except ImportError:  # pragma: no cover - Lanes over NumPy arrays needs no JAX
        pass
    except ValueError:  # already registered (the cache was cleared)
        pass
    return ns


def _unflatten(aux: Any, children: Any) -> Lanes:
    return Lanes(children[0])


def small_matmul(a: Any, b: Any) -> Any:
    """``a @ b`` for a single network's JAX arrays: over a shared axis of at most
    :data:`UNROLL` terms, written out as multiply-adds (XLA fuses them with the elementwise
    steps around them); otherwise the library's product."""
    k = a.shape[-1]
    if k > UNROLL or type(a) is Lanes or type(b) is Lanes:
        return a @ b
    out = a[..., :, 0, None] * b[..., None, 0, :]
    for i in range(1, k):
        out = out + a[..., :, i, None] * b[..., None, i, :]
    return out
