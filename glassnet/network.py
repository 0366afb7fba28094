r"""The feed-forward network: forward pass, backpropagation, and the population axis.

Notation (the paper's, in matrix form; rows are training cases)::

    a^(0) = X                                   (n_samples, n_0)
    z^(l) = a^(l-1) W^(l) + b^(l)               (n_samples, n_l),  W^(l): (n_{l-1}, n_l)
    a^(l) = f_l(z^(l))
    delta^(L)   = dC/dz^(L) = dC/da^(L) * f_L'(z^(L))        (or a fused loss, see losses)
    dC/dW^(l)   = a^(l-1)^T delta^(l)                         (n_{l-1}, n_l)
    dC/db^(l)   = sum over samples of delta^(l)               (per neuron), or over all (per layer)
    delta^(l-1) = (delta^(l) W^(l)^T) * f_{l-1}'(z^(l-1))
    W^(l) <- W^(l) - eta dC/dW^(l)                            (gradient descent)

This is the package's one notation block: every other module and the README point here.

A population of ``P`` networks of one architecture puts a member axis in front of every array:
``W^(l)`` is ``(P, n_{l-1}, n_l)``, ``z^(l)`` is ``(P, n_samples, n_l)``, and the formulas above
hold unchanged, batched: the same code runs one network or many (``@`` and ``.mT``, the
transpose of the last two axes, broadcast over the member axis). A single network has no member
axis at all.

Memory layout: a population's arrays are ordinary C-contiguous ``(P, ...)`` stacks, each
member's matrix contiguous, and every product is one batched ``np.matmul``. NumPy then calls the
same BLAS kernel on each member's matrices as it does for a single network, so member ``k``
computes *bit for bit* what the single network with ``seed[k]`` computes, whatever the
optimizer and however long the training. (Storing members last and multiplying by
broadcasting over them trains 1000 tiny 3-2-1 networks about 2.6x faster -- 0.13 s against
0.34 s for 1000 epochs here -- but rounds differently from BLAS, and those last-bit differences
grow past 1e-12 within a few hundred epochs of momentum training.)

``kernel="broadcast"`` chooses that faster way for populations of small networks: parameters
stored member-last, products by broadcasting over the contiguous member axis. Members then
still equal single networks built with the same kernel, but not BLAS-computed ones bit for bit
(see :func:`broadcast_matmul`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from glassnet import _modelformat, _views
from glassnet import activations as _activations
from glassnet import initializers as _initializers
from glassnet import losses as _losses
from glassnet._random import check_seed
from glassnet._validation import (
    BIAS_MODES,
    DTYPES,
    MAX_LAYERS,
    MAX_PARAMETER_BYTES,
    MAX_PASS_BYTES,
    MAX_POPULATION,
    Instance,
    Interval,
    Options,
    check,
    describe,
    finite_matrix,
    known_keywords,
    numeric_array,
    parameter_bytes,
    pass_bytes,
    unknown_name,
    warn_nonfinite,
)
from glassnet._xp import namespace

if TYPE_CHECKING:
    from glassnet.run import History, TrainState

Array = np.ndarray
Params = list[dict[str, Array]]

__all__ = [
    "BIAS_MODES",
    "DTYPES",
    "KERNELS",
    "Forward",
    "Layer",
    "Network",
    "broadcast_matmul",
    "parameter_bytes",
]


def broadcast_matmul(A: Array, B: Array) -> Array:
    """``A @ B`` as a broadcast multiply and a sum over the shared axis.

    Each product ``A[n, i] * B[i, j]`` is rounded, then summed over ``i`` in order: the same
    arithmetic for every member, whatever the population's size, but not the fused
    multiply-adds of BLAS. On member-last arrays it runs over long contiguous runs of members.
    """
    return (A[..., :, :, None] * B[..., None, :, :]).sum(axis=-2)


KERNELS = {"blas": operator.matmul, "broadcast": broadcast_matmul}


class Forward(NamedTuple):
    """What a forward pass computed, and all that backpropagation needs.

    ``a[0]`` is the input ``X``; for layer ``l >= 1``, ``z[l]`` is its pre-activation and
    ``a[l] = f_l(z[l])`` its output (``z[0]`` is ``None``). ``a[-1]`` is the prediction.
    """

    a: list[Array]
    z: list[Any]  # z[0] is None: the input has no pre-activation

    @property
    def output(self) -> Array:
        return self.a[-1]


@known_keywords
class Layer:
    """A view of one layer of a :class:`Network`: its parameters and activation.

    ``W`` is ``(n_in, n_out)`` (``(P, n_in, n_out)`` for a population); ``b`` is ``(1, n_out)``
    with ``bias="neuron"``, ``(1, 1)`` with ``bias="layer"`` (one scalar per layer, the paper's)
    and ``None`` with ``bias="none"``; a population adds the leading ``P``. Both are the
    network's own arrays: writing into them changes the network. Assigning ``layer.W = value``
    copies ``value`` into the existing array (its shape must match).
    """

    def __init__(self, net: Network, index: int) -> None:
        self._net = net
        self.index = index

    @property
    def W(self) -> Array:
        return self._net.params[self.index]["W"]

    @W.setter
    def W(self, value: Any) -> None:
        self._assign("W", value)

    @property
    def b(self) -> Array | None:
        return self._net.params[self.index].get("b")

    @b.setter
    def b(self, value: Any) -> None:
        if self.b is None:
            raise ValueError("b: this network has bias='none', so its layers have no bias")
        self._assign("b", value)

    def _assign(self, key: str, value: Any) -> None:
        # checked before anything is written, so a refused value leaves the layer unchanged
        target = self._net.params[self.index][key]
        value = numeric_array(value, key)
        if value.shape != target.shape:
            raise ValueError(
                f"{key}: expected shape {target.shape} for layer {self.index + 1}, got {value.shape}"
            )
        with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf: refused
            cast = value.astype(target.dtype)
        check_finite_parameter(cast, key, self.index + 1)
        target[...] = cast

    @property
    def activation(self) -> _activations.Activation:
        return self._net.activations[self.index]

    @property
    def n_in(self) -> int:
        return self._net.sizes[self.index]

    @property
    def n_out(self) -> int:
        return self._net.sizes[self.index + 1]

    def __repr__(self) -> str:
        return (
            f"Layer({self.index + 1}: {self.n_in} -> {self.n_out}, {self.activation.name}, "
            f"bias={self._net.bias})"
        )


def check_finite_parameter(value: Array, key: str, layer: int) -> None:
    """Refuse NaN or infinity in a parameter array (``key`` of ``layer``, 1-based)."""
    if not np.isfinite(value).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(value))[0])
        raise ValueError(
            f"{key}: expected finite values for layer {layer}, got {value[bad]} at index {bad}"
        )


def _narrowed(a: Array, dtype: np.dtype, argument: str) -> Array:
    """``a`` as ``dtype``; a value beyond a float32 network's range is refused, not made inf."""
    if a.dtype == dtype:
        return a
    with np.errstate(over="ignore"):
        out = a.astype(dtype)
    if out.dtype.kind == "f" and not (np.isfinite(out.min()) and np.isfinite(out.max())):
        row = int(np.argwhere(~np.isfinite(out))[0][0])
        raise ValueError(
            f"{argument}: row {row} holds a value beyond {dtype}'s range "
            f"(+-{np.finfo(dtype).max:.3g}) for this {dtype} network"
        )
    return out


def _activation(value: Any, argument: str) -> _activations.Activation:
    """The activation named by ``value``; errors name ``argument`` (activation or output)."""
    if isinstance(value, _activations.Activation):
        return value
    if not isinstance(value, str):
        # read as "expected an activation name or an Activation" (an Options of one made-up
        # name read "one of an activation name or a Activation")
        check(
            value,
            argument,
            Instance(str, "an activation name"),
            Instance(_activations.Activation, "an Activation"),
        )
    try:
        return _activations.get(value)
    except ValueError:
        raise unknown_name("activation", argument, value, _activations.REGISTRY) from None


def _dtype(dtype: Any) -> np.dtype:
    try:
        name = None if dtype is None else np.dtype(dtype).name
    except Exception:  # np.dtype raises TypeError, ValueError or SyntaxError on junk
        name = None
    if name not in DTYPES:  # np.float32, "f4" and "float32" are the same type
        check(dtype, "dtype", Options(DTYPES))
    return np.dtype(name)


def _fixed(name: str, value: Any) -> None:
    other = "net.astype(dtype)" if name == "dtype" else "a new Network(...)"
    raise AttributeError(
        f"{name}: fixed when the network is built (its parameters' shapes and type follow it), "
        f"got an assignment of {describe(value)}; for another {name}, use {other}"
    )


@known_keywords
class Network:
    r"""A fully-connected feed-forward network, or a population of them.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first: ``[3, 2, 1]`` is the paper's 3-2-1 network.
    activation : str or sequence of str
        Hidden activation, or one per hidden layer. See :mod:`glassnet.activations`.
    output : str
        Output activation.
    bias : {"neuron", "layer", "none"}
        One bias per unit, one scalar per layer (the paper's), or none.
    init : str or Initializer
        Initial weights, see :mod:`glassnet.initializers`.
    seed : int or sequence of int
        One seed makes one network. A sequence of ``P`` seeds makes a population of ``P``
        networks trained in lockstep, member ``k`` initialized from ``seed[k]``; member ``k``
        then computes exactly what a single network with seed ``seed[k]`` would.
    dtype : {"float64", "float32"}
    kernel : {"blas", "broadcast"}
        How products are computed. ``"blas"`` (default): ``np.matmul``, members bit-identical
        to single networks. ``"broadcast"``: for populations of small networks, about 2.5x
        faster (members stored member-last); members equal single networks of the same kernel.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.load("paper")
    >>> net = gn.Network([3, 2, 1], activation="tanh", output="sigmoid", seed=0)
    >>> net.predict(X).shape
    (4, 1)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output: str = "sigmoid",
        bias: str = "neuron",
        init: str | _initializers.Initializer = "xavier",
        seed: int | Sequence[int] = 0,
        dtype: Any = "float64",
        kernel: str = "blas",
    ) -> None:
        if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
            raise TypeError(f"sizes: expected a sequence of layer sizes, got {describe(sizes)}")
        if isinstance(sizes, np.ndarray) and sizes.ndim != 1:
            raise ValueError(
                f"sizes: expected a 1-D sequence of layer sizes, got {describe(sizes)}"
            )
        if len(sizes) < 2:
            raise ValueError(
                f"sizes: expected at least an input and an output size, got {list(sizes)}"
            )
        if len(sizes) > MAX_LAYERS:
            raise ValueError(
                f"sizes: expected at most {MAX_LAYERS} sizes (glassnet.network.MAX_LAYERS), "
                f"got {len(sizes)}"
            )
        self._sizes = [check(s, f"sizes[{i}]", Interval(int, 1, None)) for i, s in enumerate(sizes)]
        n_hidden = len(self.sizes) - 2
        if isinstance(activation, str | _activations.Activation):
            hidden = [activation] * n_hidden
        elif isinstance(activation, Sequence):
            hidden = list(activation)
            if len(hidden) != n_hidden:
                raise ValueError(
                    f"activation: expected one name or {n_hidden} (one per hidden layer), "
                    f"got {len(hidden)}"
                )
        else:
            raise TypeError(
                "activation: expected an activation name, an Activation, or a list of them "
                f"(one per hidden layer), got {describe(activation)}"
            )
        self.activations = [
            _activation(a, "activation" if isinstance(activation, str) else f"activation[{i}]")
            for i, a in enumerate(hidden)
        ] + [_activation(output, "output")]
        for act in self.activations[:-1]:
            if act.output_only:
                raise ValueError(f"activation: {act.name} can only be the output activation")
        if self.activations[-1].output_only and self.sizes[-1] < 2:
            raise ValueError(
                f"output: {self.activations[-1].name} needs at least 2 output units, "
                f"got {self.sizes[-1]}"
            )
        self._bias = check(bias, "bias", Options(BIAS_MODES))
        self.init = _initializers.get(init)
        self._dtype = _dtype(dtype)
        self.kernel = check(kernel, "kernel", Options(KERNELS))
        self.matmul = KERNELS[kernel]

        if isinstance(seed, Sequence | np.ndarray) and not isinstance(seed, str | bytes):
            # the length first: seed=range(10**7) must not be walked before it is refused
            if len(seed) > MAX_POPULATION:
                raise ValueError(
                    f"seed: expected at most {MAX_POPULATION} seeds (members of a population), "
                    f"got {len(seed)}"
                )
            if isinstance(seed, np.ndarray) and seed.ndim != 1:
                raise ValueError(f"seed: expected one seed per member, got {describe(seed)}")
            seeds = [check_seed(s, f"seed[{k}]") for k, s in enumerate(seed)]
            if not seeds:
                raise ValueError("seed: expected at least one seed for a population, got none")
            self.seeds: list[int] = seeds
            self._population: int | None = len(seeds)
        else:
            self.seeds = [check_seed(seed)]
            self._population = None
        need = parameter_bytes(self.sizes, len(self.seeds), self.dtype.itemsize, self.bias)
        if need > MAX_PARAMETER_BYTES:
            members = f" for {len(self.seeds)} members" if self.population is not None else ""
            raise ValueError(
                f"sizes: the parameters of {self.sizes}{members} would take {need / 2**30:.3g} "
                f"GiB; glassnet refuses more than {MAX_PARAMETER_BYTES / 2**30:g} GiB "
                "(glassnet._validation.MAX_PARAMETER_BYTES)"
            )

        weight_shapes = [(i, o) for i, o in zip(self.sizes[:-1], self.sizes[1:], strict=True)]
        bias_shapes = [self._bias_shape(o) for o in self.sizes[1:]]
        drawn = [self._draw(s, weight_shapes, bias_shapes) for s in self.seeds]
        self.params: Params = []
        for l in range(len(weight_shapes)):
            layer = {"W": self._stack([w[l] for w, _ in drawn])}
            if bias_shapes[l] is not None:
                layer["b"] = self._stack([b[l] for _, b in drawn])
            self.params.append(layer)
        self.layers = [Layer(self, l) for l in range(len(self.params))]
        #: Where this network's training run stands (:class:`~glassnet.run.TrainState`): set
        #: by every fit, saved with the network, continued by ``fit(..., resume=...)``.
        self.train_state: TrainState | None = None

    # --- structure -----------------------------------------------------------------------

    def _draw(self, seed: int, weight_shapes: list, bias_shapes: list) -> tuple[list, list]:
        """One member's initial parameters, checked: an initializer may be user-made."""
        weights, biases = self.init.draw(seed, weight_shapes, bias_shapes)
        for kind, got, want in (("W", weights, weight_shapes), ("b", biases, bias_shapes)):
            if len(got) != len(want):
                raise ValueError(
                    f"init: {self.init.name} drew {len(got)} {kind} arrays, expected {len(want)}"
                )
            for l, (a, shape) in enumerate(zip(got, want, strict=True), start=1):
                if shape is None:
                    continue
                if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype.kind not in "iuf":
                    raise ValueError(
                        f"init: {self.init.name} drew {describe(a)} for layer {l} {kind}, "
                        f"expected a real array of shape {shape}"
                    )
                if not np.isfinite(a).all():
                    raise ValueError(
                        f"init: {self.init.name} drew NaN or infinity for layer {l} {kind}"
                    )
        return weights, biases

    def _bias_shape(self, n_out: int) -> tuple[int, int] | None:
        return {"neuron": (1, n_out), "layer": (1, 1), "none": None}[self.bias]

    def _stack(self, arrays: list[Array]) -> Array:
        if self.population is None:
            return np.ascontiguousarray(arrays[0], dtype=self.dtype)
        if self.kernel == "broadcast":  # (P, ...) view of a member-last buffer
            return np.moveaxis(np.stack(arrays, axis=-1).astype(self.dtype, copy=False), -1, 0)
        return np.stack(arrays).astype(self.dtype, copy=False)

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.params)

    @property
    def n_params(self) -> int:
        """Number of parameters of one member."""
        per = [p.size for layer in self.params for p in layer.values()]
        return sum(per) // (self.population or 1)

    def config(self) -> dict[str, Any]:
        """The architecture as plain data (what a model file stores)."""
        return {
            "sizes": list(self.sizes),
            "activation": [a.name for a in self.activations[:-1]],
            "output": self.activations[-1].name,
            "bias": self.bias,
            "init": self.init.name,
            "seed": self.seeds if self.population is not None else self.seeds[0],
            "dtype": self.dtype.name,
            "kernel": self.kernel,
        }

    # What the parameters' shapes were built from: read-only, since writing one would leave the
    # parameters disagreeing with it (a wrong repr, a member that is not there, a fit that
    # fails far from the cause). A network of another shape or type is a new Network.
    @property
    def sizes(self) -> list[int]:
        """Layer sizes ``[n_0, ..., n_L]`` (a copy; read-only)."""
        return list(self._sizes)

    @sizes.setter
    def sizes(self, value: Any) -> None:
        _fixed("sizes", value)

    @property
    def population(self) -> int | None:
        """``P``, the number of members, or ``None`` for a single network (read-only)."""
        return self._population

    @population.setter
    def population(self, value: Any) -> None:
        _fixed("population", value)

    @property
    def dtype(self) -> np.dtype:
        """The parameters' floating-point type (read-only; see :meth:`astype`)."""
        return self._dtype

    @dtype.setter
    def dtype(self, value: Any) -> None:
        _fixed("dtype", value)

    @property
    def bias(self) -> str:
        """``"neuron"``, ``"layer"`` or ``"none"`` (read-only)."""
        return self._bias

    @bias.setter
    def bias(self, value: Any) -> None:
        _fixed("bias", value)

    @known_keywords
    def astype(self, dtype: Any) -> Network:
        """An independent copy whose parameters are of ``dtype`` (``"float64"`` or
        ``"float32"``), the same network otherwise."""
        new = self.copy()
        new._dtype = _dtype(dtype)
        new.params = [
            {k: v.astype(new._dtype, order="K") for k, v in p.items()} for p in new.params
        ]
        new.layers = [Layer(new, l) for l in range(len(new.params))]
        return new

    def copy(self) -> Network:
        """An independent copy."""
        new = object.__new__(Network)
        new.__dict__.update(self.__dict__)
        # order="K" keeps a member-last layout member-last
        new.params = [{k: v.copy(order="K") for k, v in layer.items()} for layer in self.params]
        new.layers = [Layer(new, l) for l in range(len(new.params))]
        return new

    @known_keywords
    def member(self, k: int) -> Network:
        """Member ``k`` of a population, as an independent single network."""
        if self.population is None:
            raise ValueError("member: this is a single network, not a population")
        k = check(k, "k", Interval(int, -self.population, self.population - 1))
        new = object.__new__(Network)
        new.__dict__.update(self.__dict__)
        new._population = None
        new.seeds = [self.seeds[k]]
        new.params = [{n: np.array(v[k]) for n, v in layer.items()} for layer in self.params]
        new.layers = [Layer(new, l) for l in range(len(new.params))]
        new.train_state = None if self.train_state is None else self.train_state.member(k)
        return new

    # --- the functional core: checks, then the math over explicit parameters -------------
    #
    # Everything else in glassnet (training, the compiled program, trace, grids, the gradient
    # check, evolution, the estimators, the playground) touches a network through these
    # methods. The checks turn user input into the arrays the math expects; the math takes the
    # parameters as an argument (``params``: one dict per layer, the structure of
    # :attr:`params`) and keeps nothing on the network, so it runs unchanged on NumPy arrays
    # and, traced, on JAX arrays.

    @known_keywords
    def check_loss(self, loss: Any) -> _losses.Loss:
        """The loss named by ``loss``, checked against this network's output activation
        (:func:`glassnet.losses.check_pairing`)."""
        loss = _losses.get(loss)
        _losses.check_pairing(loss, self.activations[-1])
        return loss

    @known_keywords
    def check_inputs(self, X: Any, argument: str = "X", batch_size: int | None = None) -> Array:
        """``X`` checked and converted: a finite ``(n_samples, n_0)`` array of the network's
        dtype (a value beyond a float32 network's range is refused, not made infinite).
        Errors name ``argument``.

        The pass it is for must fit :data:`~glassnet._validation.MAX_PASS_BYTES`: all its rows
        at once, or with ``batch_size`` (training) that many at a time (then the error names
        ``batch_size``). Checked before anything is allocated.
        """
        X = finite_matrix(X, argument, columns=self.sizes[0])
        X = _narrowed(X, self.dtype, argument)
        rows = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
        members = self.population or 1
        need = pass_bytes(self.sizes, rows, members, self.dtype.itemsize)
        if need > MAX_PASS_BYTES:
            who = argument if batch_size is None else "batch_size"
            fix = "fewer rows at a time" if batch_size is None else "a smaller batch_size"
            raise ValueError(
                f"{who}: a pass of {rows} rows through layers {list(self.sizes)} x {members} "
                f"member(s) would hold {need / 2**30:.1f} GiB of z, a and delta; expected at "
                f"most {MAX_PASS_BYTES / 2**30:g} GiB ({fix})"
            )
        return X

    @known_keywords
    def check_targets(self, y: Any, loss: _losses.Loss, n_rows: int, argument: str = "y") -> Array:
        """Check ``y`` against the output layer and the loss.

        ``y`` has the output's shape ``(n_samples, n_out)``. With more than one output unit,
        integer class labels of shape ``(n_samples,)`` are accepted and become one-hot rows.
        """
        y = numeric_array(y, argument)
        n_out = self.sizes[-1]
        if y.ndim == 1 and n_out > 1 and y.dtype.kind == "b":
            # True/False are no class numbers: [True, True, True] would read as classes 1, 1, 1
            # of a binary task, but this network has n_out > 1 outputs
            raise TypeError(
                f"{argument}: expected class labels 0..{n_out - 1} (integers) or one-hot rows "
                f"(n_samples, {n_out}) for {n_out} outputs, got booleans"
            )
        if y.ndim == 1 and n_out > 1 and y.dtype.kind in "iu":
            if y.size and (y.min() < 0 or y.max() >= n_out):
                raise ValueError(
                    f"{argument}: class labels must be in 0..{n_out - 1} for {n_out} outputs, "
                    f"got {y.min()}..{y.max()}"
                )
            y = np.eye(n_out, dtype=self.dtype)[y]
        if y.ndim == 1 and n_out == 1:
            # never reshaped silently, but the one-call fix is named
            fix = f"{argument}.reshape(-1, 1)" if argument.isidentifier() else "y.reshape(-1, 1)"
            raise ValueError(
                f"{argument}: expected a 2-D array (n_samples, 1) for this network's one "
                f"output, got shape {y.shape}; pass {fix}"
            )
        if y.ndim == 1:
            raise ValueError(
                f"{argument}: expected a 2-D array (n_samples, {n_out}) for this network's "
                f"{n_out} outputs, or integer class labels 0..{n_out - 1}, got shape {y.shape} "
                f"of dtype {y.dtype}"
            )
        y = _narrowed(finite_matrix(y, argument, columns=n_out), self.dtype, argument)
        if y.shape[0] != n_rows:
            raise ValueError(f"{argument}: expected {n_rows} rows to match X, got {y.shape[0]}")
        loss.check_targets(y, argument)
        return y

    def apply(self, params: Params, X: Array) -> Forward:
        """The forward pass with ``params``: ``z^(l) = a^(l-1) W^(l) + b^(l)``,
        ``a^(l) = f_l(z^(l))``, keeping every ``z`` and ``a`` (see :class:`Forward`).

        ``X`` must already be checked (:meth:`check_inputs`); nothing is checked here, so the
        same code runs in the NumPy loop and traced inside the compiled program.
        """
        a: list[Array] = [X]
        z: list[Any] = [None]
        matmul, prev = self.matmul, X
        for act, p in zip(self.activations, params, strict=True):
            zl = matmul(prev, p["W"])  # z = a_prev W + b
            if "b" in p:
                zl = zl + p["b"]
            prev = act.value(zl)  # a = f(z)
            z.append(zl)
            a.append(prev)
        return Forward(a, z)

    def fused_loss(self, loss: _losses.Loss) -> _losses.Fused | None:
        """The loss's fused form (computed from ``z^(L)``), when this network's output is
        its natural activation (``sigmoid`` for ``bce``, ``softmax`` for ``cross_entropy``)."""
        fused = loss.fused
        return (
            fused if fused is not None and fused.activation == self.activations[-1].name else None
        )

    def cost(
        self, fwd: Forward, y: Array, loss: _losses.Loss, weight: Array | None = None
    ) -> Array:
        """The cost ``C`` of a forward pass: a scalar, or ``(P,)`` for a population. Through
        the fused form when there is one; ``weight`` is ``(n_samples, 1)`` with mean 1."""
        fused = self.fused_loss(loss)
        if fused is not None:
            return fused.value(fwd.z[-1], y, weight)
        return loss.value(fwd.a[-1], y, weight)

    def backprop(
        self,
        params: Params,
        fwd: Forward,
        y: Array,
        loss: _losses.Loss,
        weight: Array | None = None,
    ) -> tuple[Params, list[Array | None]]:
        """Backpropagation through ``params`` from the forward pass ``fwd`` (see the notation
        at the top of this module): the gradients, shaped like ``params``, and every
        ``delta^(l) = dC/dz^(l)`` (``deltas[0]`` is ``None``)."""
        a, z = fwd.a, fwd.z
        fused = self.fused_loss(loss)
        if fused is not None:  # delta^(L) = dC/dz^(L) directly, e.g. (a - y)/n
            delta = fused.delta(z[-1], a[-1], y, weight)
        else:  # delta^(L) = dC/da^(L) * f'(z^(L))
            delta = self.activations[-1].backprop(z[-1], a[-1], loss.gradient(a[-1], y, weight))
        # read once: a small network's backward pass is mostly this loop's overhead
        xp, matmul, bias, acts = namespace(delta), self.matmul, self.bias, self.activations
        L = len(params)
        grads: Params = [None] * L  # type: ignore[list-item]  # every layer's is set below
        deltas: list[Array | None] = [None] * (L + 1)
        for l in range(L, 0, -1):
            deltas[l] = delta
            g = grads[l - 1] = {"W": matmul(a[l - 1].mT, delta)}  # dC/dW = a_prev^T delta
            # einsum sums the same way for one network and for each member, and is several
            # times faster than sum(axis=-2) over a population's middle axis
            if bias == "neuron":  # dC/db = sum over samples of delta
                g["b"] = xp.einsum("...nj->...j", delta)[..., None, :]
            elif bias == "layer":  # ... and over the layer's units
                g["b"] = xp.einsum("...nj->...", delta)[..., None, None]
            if l > 1:  # delta_prev = (delta W^T) * f'(z_prev)
                delta = acts[l - 2].backprop(
                    z[l - 1], a[l - 1], matmul(delta, params[l - 1]["W"].mT)
                )
        return grads, deltas

    # --- public face ---------------------------------------------------------------------

    @known_keywords
    def forward(self, X: Any) -> Forward:
        """Run the forward pass and keep every ``z`` and ``a`` (see :class:`Forward`).

        An output ``a^(L)`` that overflows to infinity or NaN from finite ``X`` and weights
        is returned as computed, with a :class:`~glassnet._validation.NonFiniteWarning`
        saying where (see :meth:`overflow`); so is :meth:`predict`'s.

        Parameters
        ----------
        X : array, shape (n_samples, n_inputs)
        """
        X = self.check_inputs(X)
        with np.errstate(all="ignore"):  # an overflow is reported below, in words
            fwd = self.apply(self.params, X)
        if not np.isfinite(fwd.a[-1]).all():
            warn_nonfinite(
                (self.overflow(fwd, np.zeros((1, 1)), _losses.get("mse"), 0.0) or "")
                + " (the output a^(L) is not finite)"
            )
        return fwd

    @known_keywords
    def backward(
        self, fwd: Forward, y: Any, loss: str | _losses.Loss = "mse"
    ) -> tuple[Params, list[Array | None]]:
        """Backpropagate from a forward pass.

        Returns
        -------
        grads : list of dict
            ``dC/dW`` and ``dC/db`` per layer, shaped like :attr:`params`.
        deltas : list
            ``deltas[l] = dC/dz^(l)``, shape ``(n_samples, n_l)`` (``(P, ...)`` for a
            population); ``deltas[0]`` is ``None``.
        """
        loss = self.check_loss(loss)
        if not isinstance(fwd, Forward):
            raise TypeError(f"fwd: expected the Forward of net.forward(X), got {describe(fwd)}")
        y = self.check_targets(y, loss, fwd.a[0].shape[-2])
        with np.errstate(all="ignore"):  # an overflow is reported below, in words
            grads, deltas = self.backprop(self.params, fwd, y, loss)
        self._report_overflow(fwd, y, loss, None, grads, deltas)
        return grads, deltas

    @known_keywords
    def predict(self, X: Any) -> Array:
        """The network's output ``a^(L)``, shape ``(n_samples, n_out)`` or ``(P, n_samples, n_out)``."""
        return self.forward(X).a[-1]

    @known_keywords
    def loss(self, X: Any, y: Any, loss: str | _losses.Loss = "mse") -> Any:
        """The cost ``C`` on ``(X, y)``: a float, or one per member, shape ``(P,)``.

        A cost that overflows to infinity or NaN from finite ``X``, ``y`` and weights is
        returned as computed, with a :class:`~glassnet._validation.NonFiniteWarning` saying
        where it happened (see :meth:`overflow`).
        """
        loss = self.check_loss(loss)
        X = self.check_inputs(X)
        y = self.check_targets(y, loss, X.shape[0])
        with np.errstate(all="ignore"):  # an overflow is reported below, in words
            fwd = self.apply(self.params, X)
            value = self.cost(fwd, y, loss)
        if not np.isfinite(value).all():
            warn_nonfinite(self.overflow(fwd, y, loss, value) or "the cost is not finite")
        return float(value) if self.population is None else value

    @known_keywords
    def loss_and_gradients(
        self, X: Any, y: Any, loss: str | _losses.Loss = "mse"
    ) -> tuple[Any, Params]:
        """The cost and its gradients from one forward and one backward pass (an overflow is
        reported as in :meth:`loss`)."""
        loss = self.check_loss(loss)
        X = self.check_inputs(X)
        y = self.check_targets(y, loss, X.shape[0])
        with np.errstate(all="ignore"):
            fwd = self.apply(self.params, X)
            value = self.cost(fwd, y, loss)
            grads, deltas = self.backprop(self.params, fwd, y, loss)
        self._report_overflow(fwd, y, loss, value, grads, deltas)
        return (float(value) if self.population is None else value), grads

    @known_keywords
    def gradients(self, X: Any, y: Any, loss: str | _losses.Loss = "mse") -> Params:
        """``dC/dW`` and ``dC/db`` for every layer, with the keys and shapes of :attr:`params`
        (an overflow is reported as in :meth:`loss`)."""
        loss = self.check_loss(loss)
        X = self.check_inputs(X)
        y = self.check_targets(y, loss, X.shape[0])
        with np.errstate(all="ignore"):
            fwd = self.apply(self.params, X)
            grads, deltas = self.backprop(self.params, fwd, y, loss)
        self._report_overflow(fwd, y, loss, None, grads, deltas)
        return grads

    def _report_overflow(
        self,
        fwd: Forward,
        y: Array,
        loss: _losses.Loss,
        cost: Any,
        grads: Params,
        deltas: list[Array | None],
    ) -> None:
        """Warn when a returned cost or gradient is not finite (see :meth:`overflow`)."""
        finite = cost is None or bool(np.isfinite(cost).all())
        if finite and all(np.isfinite(g).all() for layer in grads for g in layer.values()):
            return
        with np.errstate(all="ignore"):
            if cost is None:
                cost = self.cost(fwd, y, loss)
        note = self.overflow(fwd, y, loss, cost, grads, deltas)
        warn_nonfinite(note or "the gradients are not finite")

    @known_keywords
    def overflow(
        self,
        fwd: Forward,
        y: Array,
        loss: _losses.Loss,
        cost: Any,
        grads: Params | None = None,
        deltas: Sequence[Array | None] | None = None,
    ) -> str | None:
        r"""Where a pass over finite inputs first became infinite or NaN, in words; ``None``
        when every number of it is finite.

        The quantities are searched in the order they are computed -- ``z^(l)`` and
        ``a^(l)`` layer by layer, the cost, then ``delta^(l)`` and the gradients from the
        output down -- and the first one that is not finite is named with its position and
        the magnitudes that produced it, after the argument to change: ``X`` for the forward
        pass and the gradients (the inputs, amplified by the weights), ``y`` for a cost whose
        targets are larger than the output. A population names the first such member and
        how many there are.

        Parameters
        ----------
        fwd : Forward
            The pass (``z^(l)`` and ``a^(l)``).
        y : array, shape (n_samples, n_L)
            The checked targets.
        loss : Loss
        cost : float or array (P,)
        grads, deltas : optional
            The gradients and ``delta^(l)`` of :meth:`backprop`.
        """
        P = self.population
        L = len(self.params)

        def member(a: Any, k: int | None) -> Array:
            a = np.asarray(a)
            return a if k is None or a.ndim == 0 else a[k]

        # every quantity in the order it is computed: (name, array with the member axis)
        order: list[tuple[str, int, Any]] = []
        for l in range(1, L + 1):
            order += [("z", l, fwd.z[l]), ("a", l, fwd.a[l])]
        order.append(("C", L, cost))
        for l in range(L, 0, -1):
            if deltas is not None and deltas[l] is not None:
                order.append(("delta", l, deltas[l]))
            for key in ("W", "b"):
                if grads is not None and key in grads[l - 1]:
                    order.append((f"d{key}", l, grads[l - 1][key]))
        if P is None:
            bad_members: list[int | None] = [None]
            if all(np.isfinite(np.asarray(a)).all() for _, _, a in order):
                return None
        else:
            bad = np.zeros(P, dtype=bool)
            for _, _, a in order:
                a = np.asarray(a)
                bad |= ~np.isfinite(a.reshape(P, -1) if a.ndim else a).all(axis=-1)
            if not bad.any():
                return None
            bad_members = [int(k) for k in np.flatnonzero(bad)]
        k = bad_members[0]
        who = ""
        if P is not None:
            others = len(bad_members) - 1
            who = f"in member {k}" + (f" (and {others} more of {P})" if others else "") + ", "

        def big(a: Any) -> str:
            a = np.abs(np.asarray(a, dtype=float))
            finite = a[np.isfinite(a)]
            return f"{finite.max():.3g}" if finite.size else "nothing finite"

        for name, l, a in order:
            a = member(a, k)
            if np.isfinite(a).all():
                continue
            pos = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
            value = a[pos] if pos else a
            at = f" at row {pos[0]}, unit {pos[1] + 1}" if len(pos) == 2 else ""
            source = "X" if l == 1 else f"a^({l - 1})"
            a_prev = member(fwd.a[l - 1], None if l == 1 else k)
            W = member(self.params[l - 1]["W"], k)
            if name == "z":
                for key in ("W", "b"):  # set by hand: every other way in refuses them
                    if key not in self.params[l - 1]:
                        continue
                    v = member(self.params[l - 1][key], k)
                    if not np.isfinite(v).all():
                        i = tuple(int(j) for j in np.argwhere(~np.isfinite(v))[0])
                        return (
                            f"{key}^({l}): {who}the weights are not finite ({v[i]} at index "
                            f"{i}), so z^({l}) = {source} W^({l}) + b^({l}) is {value}{at}; "
                            "set finite weights"
                        )
                return (
                    f"X: {who}from finite inputs and weights, z^({l}) = {source} W^({l}) + "
                    f"b^({l}) overflowed to {value}{at} (largest magnitudes: {big(a_prev)} in "
                    f"{source}, {big(W)} in W^({l})); scale X (e.g. with "
                    "glassnet.datasets.Standardizer) or the weights"
                )
            if name == "a":
                z = member(fwd.z[l], k)
                return (
                    f"X: {who}a^({l}) = {self.activations[l - 1].name}(z^({l})) overflowed to "
                    f"{value}{at}, where z^({l}) is {z[pos]:.3g}; scale X or the weights"
                )
            if name == "C":
                out = member(fwd.a[-1], k)  # finite: else z or a was named above
                edge = _domain_edge(loss, out, y)
                if edge is not None:
                    r, j = edge
                    return (
                        f"output: {who}the {loss.name} cost is {value}, not from an overflow: "
                        f"at row {r}, unit {j + 1}, the output a^({L}) is exactly "
                        f"{out[r, j]:g} for the target {y[r, j]:g}, where the loss takes the "
                        f"log of 0; use an output activation that cannot reach {out[r, j]:g} "
                        f"(this one is {self.activations[-1].name})"
                    )
                argument = "y" if np.abs(y).max() >= np.abs(out).max() else "X"
                return (
                    f"{argument}: {who}from a finite output and finite targets, the "
                    f"{loss.name} cost overflowed to {value} (largest magnitudes: {big(y)} in "
                    f"y, {big(out)} in a^({L})); scale {argument}"
                    + ("" if argument == "y" else " or the weights")
                )
            what = {"delta": f"delta^({l}) = dC/dz^({l})", "dW": f"dC/dW^({l}) = "
                    f"{source}^T delta^({l})", "db": f"dC/db^({l})"}[name]  # fmt: skip
            where = f" at index {pos}" if pos else ""
            return (
                f"X: {who}from a finite cost, {what} overflowed to {value}{where} (largest "
                f"magnitudes: {big(a_prev)} in {source}, {big(W)} in W^({l})); scale X or the "
                "weights"
            )
        return None  # pragma: no cover - a bad member has a non-finite quantity

    def fit(self, X: Any, y: Any, config: Any = None, **kwargs: Any) -> History:
        """Train in place and return the :class:`~glassnet.training.History`.

        See :func:`glassnet.training.fit` for the arguments (a
        :class:`~glassnet.run.TrainConfig` or its settings as keywords, ``validation``,
        ``callbacks``, ``resume``...).
        Afterwards :attr:`train_state` is where the run stands:
        ``net.fit(X, y, resume=net.train_state, epochs=m)`` continues it exactly.
        """
        from glassnet.training import fit

        return fit(self, X, y, config, **kwargs)

    def trace(self, X: Any, y: Any, config: Any = None, **kwargs: Any) -> Any:
        """Every number of one forward and backward pass; see :func:`glassnet.trace.trace`."""
        from glassnet.trace import trace

        return trace(self, X, y, config, **kwargs)

    @known_keywords
    def save(self, path: Any, extra: dict[str, Any] | None = None) -> None:
        """Write a model file: the architecture, the parameters and, when the network was
        trained, its whole run (:attr:`train_state`: configuration, optimizer state, sample
        order and History); ``extra``: JSON data kept with it. See
        :func:`glassnet.modelfile.save`."""
        run = None if self.train_state is None else self.train_state.to_record()
        _modelformat.write(self, path, extra, run)

    # Pickling: activations and initializers hold functions, so a pickle stores their
    # registered names and the parameters, and looks the names up again when loaded.
    def __getstate__(self) -> dict[str, Any]:
        return {
            "config": self.config(),
            "population": self.population,
            "params": self.params,
            "train_state": self.train_state,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        cfg = state["config"]
        self._sizes = list(cfg["sizes"])
        self.activations = [_activations.get(a) for a in [*cfg["activation"], cfg["output"]]]
        self._bias = cfg["bias"]
        try:
            self.init = _initializers.get(cfg["init"])
        except ValueError:  # an initializer that was not registered: only its name is kept
            self.init = _initializers.Initializer(
                cfg["init"], _initializers.REGISTRY["uniform"].draw
            )
        self._dtype = np.dtype(cfg["dtype"])
        self.kernel = cfg.get("kernel", "blas")
        self.matmul = KERNELS[self.kernel]
        self._population = state["population"]
        self.seeds = list(cfg["seed"]) if self.population is not None else [cfg["seed"]]
        self.params = state["params"]
        self.layers = [Layer(self, l) for l in range(len(self.params))]
        self.train_state = state.get("train_state")
        self.check_params()

    def check_params(self) -> None:
        """Raise ``ValueError`` unless every parameter array has its layer's shape and dtype and
        holds only finite numbers.

        Layer's ``W`` and ``b`` setters check what they are given; this catches what was
        written into :attr:`params` directly (``net.params[0]["W"][0, 0] = np.nan``). Saving a
        model file and unpickling run it.
        """
        lead = () if self.population is None else (self.population,)
        if not isinstance(self.params, list) or len(self.params) != len(self.sizes) - 1:
            raise ValueError(f"params: expected {len(self.sizes) - 1} layers of parameters")
        for l, (layer, n_in, n_out) in enumerate(
            zip(self.params, self.sizes[:-1], self.sizes[1:], strict=True), start=1
        ):
            bias = self._bias_shape(n_out)
            want = {"W": (*lead, n_in, n_out), **({} if bias is None else {"b": (*lead, *bias)})}
            if not isinstance(layer, dict) or set(layer) != set(want):
                raise ValueError(f"params: layer {l} must hold {sorted(want)}")
            for key, shape in want.items():
                a = layer[key]
                if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != self.dtype:
                    raise ValueError(
                        f"params: layer {l} {key} is {describe(a)}, expected shape {shape} and "
                        f"dtype {self.dtype}"
                    )
                check_finite_parameter(a, key, l)

    # Jupyter's display hook: the HTML (with the diagram) that the faces registered for
    # networks (glassnet._views), so the engine imports no face
    def _repr_html_(self) -> str | None:
        return _views.render(self, "html")

    def __repr__(self) -> str:
        acts = ", ".join(a.name for a in self.activations)
        pop = "" if self.population is None else f", population={self.population}"
        return f"Network({self.sizes}, activations=[{acts}], bias={self.bias!r}{pop})"


def _domain_edge(loss: _losses.Loss, out: Array, y: Array) -> tuple[int, int] | None:
    """The first (row, unit) whose own cost is infinite at an output of exactly 0 and finite
    at the least number above it (a log of 0, as poisson's under a positive target; bce and
    cross-entropy clip theirs); else ``None``: an infinite cost from large numbers is an
    overflow. Each such output is one member of a population of single cells, so one call of
    the loss looks at all of them."""
    at = out == 0
    cells, targets = out[at].reshape(-1, 1, 1), y[at].reshape(-1, 1, 1)
    with np.errstate(all="ignore"):
        edge = ~np.isfinite(loss.value(cells, targets))
        edge &= np.isfinite(loss.value(cells + np.nextafter(0.0, 1.0), targets))
    if not edge.any():
        return None
    r, j = np.argwhere(at)[int(np.argmax(edge))]
    return int(r), int(j)
