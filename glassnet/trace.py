r"""The glass box: every number of one forward and backward pass, and the step it leads to.

:func:`trace` runs the engine's own forward pass (``Network._forward``), its own
backpropagation (``Network._backward``) and the optimizer's own ``update`` -- the code ``fit``
runs -- and keeps every intermediate array. Nothing is recomputed here except ``f'(z)``, which
is the activation's own ``derivative(z, a)``, the factor the engine multiplies ``delta`` by.

In the paper's notation (rows are training cases, layer ``l = 1..L``)::

    a^(0)       = X                                          (N, n_0)
    z^(l)       = a^(l-1) W^(l) + b^(l)                      (N, n_l)
    a^(l)       = f_l(z^(l))                                 (N, n_l)
    delta^(L)   = dC/da^(L) * f_L'(z^(L))                    (N, n_L)
    delta^(l)   = (delta^(l+1) W^(l+1)^T) * f_l'(z^(l))      (N, n_l)
    dC/dW^(l)   = a^(l-1)^T delta^(l)                        (n_{l-1}, n_l)
    dC/db^(l)   = sum_n delta^(l)  (per neuron),  sum_n sum_j delta^(l) (per layer)
    step W^(l)  = -eta dC/dW^(l)                             (gradient descent)

With the sum-of-squares cost ``sse``, ``dC/da^(L) = 2 (a^(L) - y)``: the paper's
``dC_0/dw_jk = a_k f'(z_j) 2 (a_j - y_j)`` summed over the cases. A population adds a leading
member axis ``P`` to every array.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import losses as _losses
from glassnet import optimizers as _optimizers
from glassnet._validation import describe

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray

__all__ = ["QUANTITIES", "LayerTrace", "Trace", "formula", "json_safe", "trace"]

#: The per-layer quantities of a :class:`LayerTrace`, in the order a student computes them.
QUANTITIES = ("a_prev", "W", "b", "z", "a", "fprime", "delta", "dW", "db", "step_W", "step_b")


def json_safe(value: Any) -> Any:
    """Turn arrays and NumPy scalars into nested lists of floats; NaN and infinity become None.

    Strict JSON has no NaN or infinity, so a diverged network's numbers are written as ``null``.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biu":
            return value.tolist()
        return json_safe(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def formula(name: str, l: int, L: int, *, latex: bool = False, activation: str = "f") -> str:
    r"""The formula of quantity ``name`` of layer ``l`` (of ``L``), in the paper's notation.

    Parameters
    ----------
    name : str
        One of ``"z"``, ``"a"``, ``"fprime"``, ``"delta"``, ``"dW"``, ``"db"``, ``"step_W"``,
        ``"step_b"``.
    l, L : int
        The layer (1-based) and the number of weight layers.
    latex : bool
        LaTeX (``z^{(1)} = a^{(0)} W^{(1)} + b^{(1)}``) instead of plain text
        (``z^(1) = a^(0) W^(1) + b^(1)``).
    activation : str
        The name of ``f_l``, written into ``a = f(z)``.

    Returns
    -------
    str
    """

    def s(k: int) -> str:
        return f"^{{({k})}}" if latex else f"^({k})"

    if latex:
        had, T, grad = r" \odot ", "^{\\top}", r"\frac{\partial C}{\partial %s}"
        fname = r"\operatorname{" + activation.replace("_", r"\_") + "}"
        fprime = fname + "'"
        delta, eta, sum_n, sum_nj = r"\delta", r"\eta", r"\sum_n ", r"\sum_n \sum_j "
        dCda = grad % ("a" + s(L))
    else:
        had, T, grad = " * ", "^T", "dC/d%s"
        fname, fprime = activation, activation + "'"
        delta, eta, sum_n, sum_nj = "delta", "eta", "sum_n ", "sum_n sum_j "
        dCda = f"dC/da{s(L)}"
    step = r"\Delta " if latex else "step "

    def tr(v: str, k: int) -> str:  # the transpose, without a double superscript in LaTeX
        return f"{{{v}{s(k)}}}{T}" if latex else f"{v}{s(k)}{T}"

    table = {
        "z": f"z{s(l)} = a{s(l - 1)} W{s(l)} + b{s(l)}",
        "a": f"a{s(l)} = {fname}(z{s(l)})",
        "fprime": f"{fprime}(z{s(l)})",
        "dW": f"{grad % ('W' + s(l))} = {tr('a', l - 1)} {delta}{s(l)}",
        "db": f"{grad % ('b' + s(l))} = {sum_n}{delta}{s(l)}",
        "db_layer": f"{grad % ('b' + s(l))} = {sum_nj}{delta}{s(l)}",
        "step_W": f"{step}W{s(l)} = -{eta} {grad % ('W' + s(l))}",
        "step_b": f"{step}b{s(l)} = -{eta} {grad % ('b' + s(l))}",
    }
    if l == L:
        table["delta"] = f"{delta}{s(l)} = {dCda}{had}{fprime}(z{s(l)})"
    else:
        table["delta"] = (
            f"{delta}{s(l)} = ({delta}{s(l + 1)} {tr('W', l + 1)}){had}{fprime}(z{s(l)})"
        )
    if name not in table:
        raise ValueError(f"name: expected one of {', '.join(sorted(table))}, got {name!r}")
    return table[name]


@dataclass
class LayerTrace:
    r"""Every number of layer ``l`` in one forward and backward pass.

    Shapes are for a single network with ``N`` samples; a population adds a leading ``P``.

    Attributes
    ----------
    index : int
        ``l``, 1-based (layer 0 is the input).
    activation : str
        The name of ``f_l``.
    a_prev : array (N, n_{l-1})
        ``a^(l-1)``, the layer's input.
    W : array (n_{l-1}, n_l)
        ``W^(l)``, entry ``[k, j]`` is the weight from unit ``k`` of layer ``l-1`` to unit ``j``.
    b : array (1, n_l) or (1, 1) or None
        ``b^(l)``: per neuron, one scalar per layer, or none.
    z : array (N, n_l)
        ``z^(l) = a^(l-1) W^(l) + b^(l)``.
    a : array (N, n_l)
        ``a^(l) = f_l(z^(l))``.
    fprime : array (N, n_l)
        ``f_l'(z^(l))``, the derivative at ``z`` (the activation's ``derivative(z, a)``).
    delta : array (N, n_l)
        ``delta^(l) = dC/dz^(l)``.
    dW : array like ``W``
        ``dC/dW^(l) = a^(l-1)^T delta^(l)``.
    db : array like ``b`` or None
        ``dC/db^(l)``.
    step_W, step_b : arrays like ``W``, ``b``
        What the optimizer would add to ``W`` and ``b``: ``-eta dC/dW`` for gradient descent.
    """

    index: int
    activation: str
    a_prev: Array
    W: Array
    b: Array | None
    z: Array
    a: Array
    fprime: Array
    delta: Array
    dW: Array
    db: Array | None
    step_W: Array
    step_b: Array | None

    @property
    def n_in(self) -> int:
        return int(self.W.shape[-2])

    @property
    def n_out(self) -> int:
        return int(self.W.shape[-1])

    @property
    def shapes(self) -> dict[str, tuple[int, ...] | None]:
        """The shape of every quantity (``None`` for an absent bias)."""
        return {
            name: None if getattr(self, name) is None else tuple(getattr(self, name).shape)
            for name in QUANTITIES
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data: the quantities as nested lists, with their shapes."""
        out: dict[str, Any] = {
            "layer": self.index,
            "activation": self.activation,
            "n_in": self.n_in,
            "n_out": self.n_out,
            "shapes": {k: None if v is None else list(v) for k, v in self.shapes.items()},
        }
        for name in QUANTITIES:
            out[name] = json_safe(getattr(self, name))
        return out


@dataclass
class Trace:
    r"""One forward and backward pass of a network, every number kept.

    Attributes
    ----------
    layers : list of LayerTrace
        ``layers[l - 1]`` is layer ``l``.
    X : array (N, n_0)
        ``a^(0)``, the inputs of the traced samples.
    y : array (N, n_L)
        Their targets.
    output : array (N, n_L)
        ``a^(L)``, the prediction.
    loss : str
        The cost's name; ``cost`` its value on the traced samples (one per member for a
        population).
    dC_da : array (N, n_L) or None
        ``dC/da^(L)``, the loss gradient at the output (``2 (a^(L) - y)`` for ``sse``). ``None``
        when the loss is fused with the output activation (``bce`` + sigmoid,
        ``cross_entropy`` + softmax): then ``delta^(L)`` is computed directly from ``z^(L)``.
    fused : bool
    optimizer : str
    lr : float or array
    samples : list of int or None
        The rows of the given data that were traced (``None``: all of them).
    bias : str
        The network's bias mode.
    population : int or None
    member : int or None
        The member traced, when a single member of a population was asked for.
    """

    layers: list[LayerTrace]
    X: Array
    y: Array
    output: Array
    loss: str
    cost: Any
    dC_da: Array | None
    fused: bool
    optimizer: str
    lr: Any
    samples: list[int] | None
    bias: str
    sizes: list[int] = field(default_factory=list)
    population: int | None = None
    member: int | None = None

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @property
    def gradients(self) -> list[dict[str, Array]]:
        """``dC/dW`` and ``dC/db`` per layer, shaped like ``Network.params``."""
        return [{"W": t.dW} if t.db is None else {"W": t.dW, "b": t.db} for t in self.layers]

    @property
    def steps(self) -> list[dict[str, Array]]:
        """The optimizer's step per layer, shaped like ``Network.params``."""
        return [
            {"W": t.step_W} if t.step_b is None else {"W": t.step_W, "b": t.step_b}
            for t in self.layers
        ]

    def layer(self, l: int) -> LayerTrace:
        """Layer ``l`` (1-based, as in the formulas)."""
        if not 1 <= l <= len(self.layers):
            raise ValueError(f"l: expected a layer between 1 and {len(self.layers)}, got {l}")
        return self.layers[l - 1]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data (``json.dumps`` works on it; NaN and infinity become null)."""
        return {
            "sizes": list(self.sizes),
            "bias": self.bias,
            "population": self.population,
            "member": self.member,
            "loss": self.loss,
            "cost": json_safe(self.cost),
            "fused": self.fused,
            "optimizer": self.optimizer,
            "lr": json_safe(self.lr),
            "samples": self.samples,
            "X": json_safe(self.X),
            "y": json_safe(self.y),
            "output": json_safe(self.output),
            "dC_da": json_safe(self.dC_da),
            "layers": [t.to_dict() for t in self.layers],
        }

    # Display hooks: the tables of `glassnet inspect`, drawn by the faces layer on demand.
    def __repr__(self) -> str:
        from glassnet.display import trace_text

        return trace_text(self)

    def _repr_html_(self) -> str:
        from glassnet.display import trace_html

        return trace_html(self)


def _samples(samples: Any, n: int) -> list[int] | None:
    if samples is None:
        return None
    if isinstance(samples, int | np.integer) and not isinstance(samples, bool):
        samples = [samples]
    if isinstance(samples, str) or not isinstance(samples, Sequence | np.ndarray):
        raise TypeError(f"samples: expected a row index or a list of them, got {describe(samples)}")
    out = []
    for s in samples:
        if isinstance(s, bool) or not isinstance(s, int | np.integer):
            raise TypeError(f"samples: expected integer row indices, got {describe(s)}")
        if not -n <= s < n:
            raise ValueError(f"samples: expected row indices below {n}, got {s}")
        out.append(int(s) % n)
    if not out:
        raise ValueError("samples: expected at least one row index, got none")
    return out


def trace(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | _losses.Loss = "mse",
    optimizer: str | _optimizers.Optimizer = "gd",
    lr: Any = 0.5,
    samples: Any = None,
    member: int | None = None,
    optimizer_options: dict[str, Any] | None = None,
) -> Trace:
    r"""Run one forward and backward pass and keep every number.

    The numbers come from the engine's own code -- ``Network._forward``,
    ``Network._backward`` and the optimizer's ``update`` -- so they are exactly what
    :func:`glassnet.training.fit` computes in its first full-batch step.

    Parameters
    ----------
    net : Network
    X : array, shape (N, n_0)
    y : array, shape (N, n_L)
    loss : str or Loss
        The cost ``C``; ``"sse"`` is the paper's sum over cases of ``sum_j (a_j - y_j)^2``.
    optimizer : str or Optimizer
        Whose first step is reported (``step W = -eta dC/dW`` for ``"gd"``; for stateful
        optimizers, the first step from a fresh state).
    lr : float or sequence of float
        Learning rate ``eta`` (one per member allowed for a population). Ignored when
        ``optimizer`` is a ready :class:`~glassnet.optimizers.Optimizer`.
    samples : int or sequence of int, optional
        Trace only these rows of ``X``: the pass, the cost and the gradients are those of the
        selected cases alone, as if ``X[samples], y[samples]`` had been given.
    member : int, optional
        For a population, trace only member ``member`` (a single network's trace).
    optimizer_options : dict, optional
        Extra arguments of the optimizer (``beta``, ...).

    Returns
    -------
    Trace
    """
    from glassnet.training import _learning_rate

    if member is not None:
        if isinstance(member, bool) or not isinstance(member, int | np.integer):
            raise TypeError(f"member: expected a member index, got {describe(member)}")
        if isinstance(lr, Sequence | np.ndarray) and not isinstance(lr, str):
            if net.population is None or len(lr) != net.population:
                raise ValueError("lr: a sequence of learning rates needs one rate per member")
            lr = float(np.asarray(lr, dtype=float)[member])
        traced = trace(
            net.member(int(member)),
            X,
            y,
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            samples=samples,
            optimizer_options=optimizer_options,
        )
        traced.member = int(member) % (net.population or 1)
        return traced

    loss_fn = _losses.get(loss)
    Xa = net._inputs(X)
    ya = net._targets(y, loss_fn, Xa.shape[0])
    rows = _samples(samples, Xa.shape[0])
    if rows is not None:
        Xa, ya = Xa[rows], ya[rows]

    if isinstance(optimizer, _optimizers.Optimizer):
        opt, recorded_lr = optimizer, None
    else:
        recorded_lr, eta = _learning_rate(lr, net)
        opt = _optimizers.get(optimizer, eta, **(optimizer_options or {}))
        if recorded_lr is None:
            recorded_lr = _optimizers.DEFAULT_LR[opt.name]

    params = net.params
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fwd = net._forward(Xa, params)
        cost = net._loss_value(fwd, ya, loss_fn)
        grads, deltas = net._backward(fwd, ya, loss_fn, params)
        steps, _ = opt.update(grads, opt.init(params), params)
        fused = net._fused(loss_fn) is not None
        dC_da = None if fused else loss_fn.gradient(fwd.a[-1], ya)
        layers = []
        for l, act in enumerate(net.activations, start=1):
            z, a = fwd.z[l], fwd.a[l]
            assert z is not None and deltas[l] is not None
            p, g, s = params[l - 1], grads[l - 1], steps[l - 1]
            layers.append(
                LayerTrace(
                    index=l,
                    activation=act.name,
                    a_prev=np.array(fwd.a[l - 1]),
                    W=np.array(p["W"]),
                    b=np.array(p["b"]) if "b" in p else None,
                    z=np.array(z),
                    a=np.array(a),
                    fprime=np.asarray(act.derivative(z, a)),
                    delta=np.array(deltas[l]),
                    dW=np.array(g["W"]),
                    db=np.array(g["b"]) if "b" in g else None,
                    step_W=np.array(s["W"]),
                    step_b=np.array(s["b"]) if "b" in s else None,
                )
            )
    return Trace(
        layers=layers,
        X=np.array(Xa),
        y=np.array(ya),
        output=np.array(fwd.a[-1]),
        loss=loss_fn.name,
        cost=float(cost) if net.population is None else np.asarray(cost),
        dC_da=None if dC_da is None else np.asarray(dC_da),
        fused=fused,
        optimizer=opt.name,
        lr=recorded_lr,
        samples=rows,
        bias=net.bias,
        sizes=list(net.sizes),
        population=net.population,
    )
