r"""The glass box: every number of one forward and backward pass, and the step it leads to.

:func:`trace` keeps every array of a pass; :func:`chain` splits one sample's pass into its
scalar operations (every multiply, add, activation and the cost) with their values, gradients
and local derivatives: the chain rule as a graph.

:func:`trace` runs the engine's own forward pass (``Network.apply``), its own
backpropagation (``Network.backprop``) and the optimizer's own ``update`` -- the code ``fit``
runs -- and keeps every intermediate array. Computed here, with the engine's own functions, are
only ``f'(z)`` (the activation's ``derivative(z, a)``), softmax's Jacobian (from the
activation's own ``vjp``) and the gradient arriving at a hidden layer,
``delta^(l+1) W^(l+1)^T`` (the product ``backprop`` forms before multiplying by ``f'``).

The notation is the engine's, written once in :mod:`glassnet.network` (rows are training
cases, layers ``l = 1..L``); the trace also keeps each parameter's step,
``step W^(l) = -eta dC/dW^(l)`` for gradient descent.

With the sum-of-squares cost ``sse``, ``dC/da^(L) = 2 (a^(L) - y)``: the paper's
``dC_0/dw_jk = a_k f'(z_j) 2 (a_j - y_j)`` summed over the cases.

An activation that couples a layer's units (softmax) has no elementwise derivative: its
``delta`` is the upstream gradient times the whole Jacobian ``J = da/dz`` of each row,
``delta^(l) = dC/da^(l) J^(l)``; for softmax ``J = diag(a) - a^T a``, so
``delta_j = a_j (dC/da_j - sum_i dC/da_i a_i)``. The trace then keeps ``J`` per row
(:attr:`LayerTrace.jacobian`); ``fprime`` is only its diagonal.

A population adds a leading member axis ``P`` to every array, the input ``a^(0)`` included
(every member sees the same ``X``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import _views
from glassnet import losses as _losses
from glassnet._validation import (
    Interval,
    check,
    describe,
    index_range,
    known_keywords,
    warn_nonfinite,
)
from glassnet.run import TrainConfig, TrainState
from glassnet.training import plan, step

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray

__all__ = [
    "MAX_CHAIN_WEIGHTS",
    "QUANTITIES",
    "Chain",
    "ChainEdge",
    "ChainNode",
    "LayerTrace",
    "Trace",
    "chain",
    "formula",
    "json_safe",
    "trace",
]

#: The per-layer quantities of a :class:`LayerTrace`, in the order a student computes them.
QUANTITIES = (
    "a_prev", "W", "b", "z", "a", "fprime", "jacobian", "dC_da", "delta", "dW", "db", "step_W",
    "step_b",
)  # fmt: skip


@known_keywords
def json_safe(value: Any, path: str = "", nulls: list[tuple[str, str]] | None = None) -> Any:
    """Turn arrays and NumPy scalars into nested lists of floats; NaN and infinity become None.

    Strict JSON has no NaN or infinity, so an overflowed or diverged network's numbers are
    written as ``null``. Given a list ``nulls``, each of them is recorded there as
    ``(path, "inf" | "-inf" | "nan")`` (the path starting at ``path``, e.g.
    ``"layers[0].z[0][1]"``), so that the JSON can say what every null stands for.
    """
    if isinstance(value, dict):
        return {
            str(k): json_safe(v, f"{path}.{k}" if path else str(k), nulls) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [json_safe(v, f"{path}[{i}]", nulls) for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biu":
            return value.tolist()
        if nulls is None or np.isfinite(value).all():  # the fast path: no walk for paths
            return json_safe(value.tolist())
        return json_safe(value.tolist(), path, nulls)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isfinite(v):
            return v
        if nulls is not None:
            nulls.append((path, str(v)))
        return None
    return value


#: How many nulls a JSON document lists by path (their count is always given).
MAX_LISTED_NULLS = 1000


def noted_json(data: dict[str, Any], notes: Sequence[str]) -> dict[str, Any]:
    """``data`` (a trace's or chain's fields) as strict JSON data with its notes, and every
    null it holds explained: ``"notes"`` says what they stand for, ``"nonfinite"`` lists
    them by path with their value (``"inf"``, ``"-inf"``, ``"nan"``; the first
    :data:`MAX_LISTED_NULLS`)."""
    nulls: list[tuple[str, str]] = []
    out = json_safe(data, "", nulls)
    out["notes"] = list(notes)
    if nulls:
        listed = "" if len(nulls) <= MAX_LISTED_NULLS else f" (the first {MAX_LISTED_NULLS})"
        out["notes"].append(
            f"{len(nulls)} number(s) are not finite and are written as null, which is all "
            f"strict JSON can hold; 'nonfinite' lists each by path with its value{listed}"
        )
    out["nonfinite"] = [{"path": p, "value": v} for p, v in nulls[:MAX_LISTED_NULLS]]
    return out


@known_keywords
def formula(
    name: str,
    l: int,
    L: int,
    *,
    latex: bool = False,
    activation: str = "f",
    coupled: bool = False,
) -> str:
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
    coupled : bool
        ``f_l`` couples the layer's units (softmax): ``delta`` is the upstream gradient times
        the Jacobian ``J^(l)`` (``"jacobian"`` gives ``J``'s formula), not an elementwise
        product with ``f'``.

    Returns
    -------
    str
    """
    # layers are numbered 1..L: "z^(0) = a^(-1) W^(0)" was written for l = 0
    L = check(L, "L", Interval(int, 1, None))
    l = check(l, "l", Interval(int, 1, L))

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
    upstream = dCda if l == L else f"({delta}{s(l + 1)} {tr('W', l + 1)})"
    if coupled:
        table["delta"] = f"{delta}{s(l)} = {upstream} J{s(l)}"
    else:
        table["delta"] = f"{delta}{s(l)} = {upstream}{had}{fprime}(z{s(l)})"
    if activation == "softmax":  # J = da/dz of one row: diag(a) - a^T a
        diag = r"\operatorname{diag}" if latex else "diag"
        table["jacobian"] = f"J{s(l)} = {diag}(a{s(l)}) - {tr('a', l)} a{s(l)}"
    elif latex:
        table["jacobian"] = rf"J{s(l)} = \partial a{s(l)} / \partial z{s(l)}"
    else:
        table["jacobian"] = f"J{s(l)} = da{s(l)}/dz{s(l)}"
    if name not in table:
        raise ValueError(f"name: expected one of {', '.join(sorted(table))}, got {name!r}")
    return table[name]


@known_keywords
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
    a_prev : array (n_samples, n_{l-1})
        ``a^(l-1)``, the layer's input.
    W : array (n_{l-1}, n_l)
        ``W^(l)``, entry ``[k, j]`` is the weight from unit ``k`` of layer ``l-1`` to unit ``j``.
    b : array (1, n_l) or (1, 1) or None
        ``b^(l)``: per neuron, one scalar per layer, or none.
    z : array (n_samples, n_l)
        ``z^(l) = a^(l-1) W^(l) + b^(l)``.
    a : array (n_samples, n_l)
        ``a^(l) = f_l(z^(l))``.
    fprime : array (n_samples, n_l)
        ``f_l'(z^(l))``, the derivative at ``z`` (the activation's ``derivative(z, a)``); for
        an activation that couples the units (softmax), the diagonal of ``jacobian``.
    jacobian : array (n_samples, n_l, n_l) or None
        For an activation that couples the units (softmax): ``J^(l) = da^(l)/dz^(l)`` of each
        row, ``J[n, i, j] = da_j/dz_i`` (for softmax ``diag(a) - a^T a``), so that
        ``delta^(l) = dC/da^(l) J^(l)``. ``None`` for elementwise activations.
    dC_da : array (n_samples, n_l) or None
        ``dC/da^(l)``, the gradient arriving at the layer's output: ``dC/da^(L)`` from the cost
        for the output layer, ``delta^(l+1) W^(l+1)^T`` below it. ``None`` for an output fused
        with its cost (then ``delta^(L)`` comes from ``z^(L)`` directly). ``delta`` is
        ``dC_da * fprime``, or ``dC_da J`` row by row when ``jacobian`` is given.
    delta : array (n_samples, n_l)
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
    jacobian: Array | None = None
    dC_da: Array | None = None

    @property
    def coupled(self) -> bool:
        """The activation couples the layer's units (softmax): ``delta`` needs ``jacobian``."""
        return self.jacobian is not None

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
            "coupled": self.coupled,
            "shapes": {k: None if v is None else list(v) for k, v in self.shapes.items()},
        }
        for name in QUANTITIES:
            out[name] = json_safe(getattr(self, name))
        return out


@known_keywords
@dataclass
class Trace:
    r"""One forward and backward pass of a network, every number kept.

    Attributes
    ----------
    layers : list of LayerTrace
        ``layers[l - 1]`` is layer ``l``.
    X : array (n_samples, n_0)
        ``a^(0)``, the inputs of the traced samples.
    y : array (n_samples, n_L)
        Their targets.
    output : array (n_samples, n_L)
        ``a^(L)``, the prediction.
    loss : str
        The cost's name; ``cost`` its value on the traced samples (one per member for a
        population).
    dC_da : array (n_samples, n_L) or None
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
        The population's size ``P`` when the traced network is a population (also when a
        single member was traced), ``None`` for a single network.
    member : int or None
        The member traced (0-based), when a single member of a population was asked for: its
        arrays then have no member axis.
    run_epoch : int or None
        The epochs the network's run had trained when the step was taken from its state
        (``None``: the optimizer's fresh state).
    notes : list of str
        What the numbers cannot say by themselves: where a pass over finite inputs overflowed
        to infinity or NaN (:meth:`glassnet.Network.overflow`), shown with the tables and
        kept in the JSON.
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
    run_epoch: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @property
    def stacked(self) -> bool:
        """Every array has a leading member axis ``P`` (a whole population was traced)."""
        return self.population is not None and self.member is None

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

    @known_keywords
    def layer(self, l: int) -> LayerTrace:
        """Layer ``l`` (1-based, as in the formulas)."""
        if not 1 <= l <= len(self.layers):
            raise ValueError(f"l: expected a layer between 1 and {len(self.layers)}, got {l}")
        return self.layers[l - 1]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data (``json.dumps`` works on it). NaN and infinity become null,
        each listed under ``"nonfinite"`` by path with its value and explained in
        ``"notes"`` (see :func:`noted_json`)."""
        layers = []
        for t in self.layers:
            d = {k: v for k, v in t.to_dict().items() if k not in QUANTITIES}
            layers.append(d | {name: getattr(t, name) for name in QUANTITIES})
        absent = []  # nulls that mean "does not apply", said once
        if self.population is None:
            absent.append("population and member (a single network)")
        elif self.member is None:
            absent.append("member (the whole population was traced)")
        if self.samples is None:
            absent.append("samples (every row was traced)")
        if self.dC_da is None:
            absent.append(
                f"dC_da ({self.loss} is fused with the output: delta^(L) is computed from z^(L))"
            )
        if self.bias == "none":
            absent.append("b, db and step_b (bias='none')")
        if any(t.jacobian is None for t in self.layers):
            absent.append("jacobian (elementwise activations have none)")
        notes = [*self.notes, "null also marks what does not apply: " + "; ".join(absent)]
        return noted_json(
            {
                "sizes": list(self.sizes),
                "bias": self.bias,
                "population": self.population,
                "member": self.member,
                "loss": self.loss,
                "cost": self.cost,
                "fused": self.fused,
                "optimizer": self.optimizer,
                "lr": self.lr,
                "samples": self.samples,
                "X": self.X,
                "y": self.y,
                "output": self.output,
                "dC_da": self.dC_da,
                "layers": layers,
            },
            notes,
        )

    # Display hooks: the tables of `glassnet inspect`, as the faces registered them.
    def __repr__(self) -> str:
        return _views.render(self, "text") or (
            f"Trace(sizes={self.sizes}, loss={self.loss!r}, optimizer={self.optimizer!r})"
        )

    def _repr_html_(self) -> str | None:
        return _views.render(self, "html")

    def _repr_markdown_(self) -> str | None:
        return _views.render(self, "markdown")


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
            raise ValueError(f"samples: expected row indices {index_range(n)}, got {s}")
        if int(s) % n in out:  # traced as more data: [0, 0, 1] weighed row 0 twice, silently
            raise ValueError(
                f"samples: row {int(s) % n} is given twice (as {s}); expected each row once"
            )
        out.append(int(s) % n)
    if not out:
        raise ValueError("samples: expected at least one row index, got none")
    return out


def _jacobian(act: Any, z: Array, a: Array) -> Array:
    """``J[..., i, j] = da_j/dz_i`` of every row, from the activation's own ``vjp``.

    Row ``i`` of ``J`` is ``e_i J``: the vector-Jacobian product with the ``i``-th unit vector,
    the same function backpropagation calls, so ``g J`` here is exactly the engine's ``delta``.
    """
    n = z.shape[-1]
    rows = []
    for i in range(n):
        e = np.zeros_like(z)
        e[..., i] = 1.0
        rows.append(act.vjp(z, a, e))
    return np.stack(rows, axis=-2)


#: What a trace steps with when neither settings nor a trained run say otherwise: the paper's
#: plain gradient descent at its learning rate.
TRACE_DEFAULTS = TrainConfig(loss="mse", optimizer="gd", lr=0.5)


def trace(
    net: Network,
    X: Any,
    y: Any,
    config: TrainConfig | None = None,
    *,
    state: TrainState | None = None,
    samples: Any = None,
    member: int | None = None,
    **settings: Any,
) -> Trace:
    r"""Run one forward and backward pass and one training step, and keep every number.

    The numbers come from the engine's own code -- ``Network.apply``, ``Network.backprop``
    and the training step of :func:`glassnet.training.fit` (:func:`glassnet.training.step`:
    penalties, then the optimizer's ``update``) -- so they are exactly what ``fit``
    computes in a full-batch step.

    Which step: the run's. With no ``config`` and no settings, the trace continues the
    network's own run (``net.train_state``): after ``net.fit(..., optimizer="adam")`` it
    shows the step Adam takes next, from its moments and update count. Settings change that
    run's configuration (the run's optimizer state is kept while the optimizer is the same);
    a network never trained steps with :data:`TRACE_DEFAULTS` (gd, ``lr=0.5``, mse).

    Parameters
    ----------
    net : Network
    X : array, shape (n_samples, n_0)
    y : array, shape (n_samples, n_L)
    config : TrainConfig, optional
        The settings of the step (loss, optimizer, lr, l1, l2, ...); ``**settings`` change it.
    state : TrainState, optional
        The run to continue; default ``net.train_state``.
    samples : int or sequence of int, optional
        Trace only these rows of ``X``: the pass, the cost and the gradients are those of the
        selected cases alone, as if ``X[samples], y[samples]`` had been given.
    member : int, optional
        For a population, trace only member ``member`` (a single network's trace, whose
        ``population`` and ``member`` say where it came from). A single network refuses it.
    **settings
        Fields of :class:`~glassnet.run.TrainConfig` (``loss``, ``optimizer``, ``lr``, ...).

    Returns
    -------
    Trace
    """
    if state is not None and not isinstance(state, TrainState):
        raise TypeError(f"state: expected a TrainState (net.train_state), got {describe(state)}")
    run = state if state is not None else net.train_state
    if config is not None and not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig, got {describe(config)}")
    base = config if config is not None else (run.config if run is not None else TRACE_DEFAULTS)
    cfg = base.replace(**settings) if settings else base
    if run is not None and run.config.optimizer_name != cfg.optimizer_name:
        run = None  # another optimizer starts from its own fresh state

    if member is not None:
        if isinstance(member, bool) or not isinstance(member, int | np.integer):
            raise TypeError(f"member: expected a member index, got {describe(member)}")
        P = net.population
        if P is None:
            raise ValueError(
                f"member: this is a single network, not a population; got member={member}"
            )
        if not -P <= member < P:
            raise ValueError(
                f"member: expected a member index from 0 to {P - 1} (or -{P} to -1), got {member}"
            )
        k = int(member) % P
        if isinstance(cfg.lr, tuple) and len(cfg.lr) != P:
            raise ValueError(f"lr: expected one learning rate per member ({P}), got {len(cfg.lr)}")
        one = net.member(k)
        traced = trace(
            one,
            X,
            y,
            cfg.member(k),
            state=None if run is None else run.member(k),
            samples=samples,
        )
        traced.population, traced.member = P, k
        return traced

    cfg = cfg.replace(backend="numpy")  # one step, on the host
    loss = cfg.loss
    loss_fn = net.check_loss(loss)
    Xa = net.check_inputs(X)
    ya = net.check_targets(y, loss_fn, Xa.shape[0])
    rows = _samples(samples, Xa.shape[0])
    if rows is not None:
        Xa, ya = Xa[rows], ya[rows]

    resolved = plan(net, Xa, ya, cfg)
    params = net.params
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fwd = net.apply(params, Xa)
        cost = net.cost(fwd, ya, loss_fn)
        grads, deltas = net.backprop(params, fwd, ya, loss_fn)
        # the training step itself, on a copy: penalties, then the optimizer from the run's
        # state (momentum, moments, update count), so the step is the one training takes next
        opt_state = resolved.optimizer.init(params) if run is None else run.opt_state
        moved = [{k: v.copy() for k, v in layer.items()} for layer in params]
        steps = step(net, resolved, moved, opt_state, Xa, ya, None, None).steps
        fused = net.fused_loss(loss_fn) is not None
        dC_da = None if fused else loss_fn.gradient(fwd.a[-1], ya)
        layers = []
        for l, act in enumerate(net.activations, start=1):
            z, a = fwd.z[l], fwd.a[l]
            assert z is not None and deltas[l] is not None
            p, g, s = params[l - 1], grads[l - 1], steps[l - 1]
            if l == len(params):
                upstream = dC_da
            else:  # the gradient arriving at a^(l): delta^(l+1) W^(l+1)^T, as backprop forms it
                next_delta = deltas[l + 1]
                assert next_delta is not None
                upstream = net.matmul(next_delta, params[l]["W"].mT)
            a_prev = fwd.a[l - 1]
            if l == 1 and net.population is not None:
                # every member sees the same X: give it the member axis the other arrays have
                a_prev = np.broadcast_to(a_prev, (net.population, *a_prev.shape))
            layers.append(
                LayerTrace(
                    index=l,
                    activation=act.name,
                    a_prev=np.array(a_prev),
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
                    jacobian=None if act.vjp is None else _jacobian(act, z, a),
                    dC_da=None if upstream is None else np.array(upstream),
                )
            )
    notes = _overflow_notes(net, fwd, ya, loss_fn, cost, grads, deltas, layers, resolved.lr)
    for note in notes:
        warn_nonfinite(note)
    return Trace(
        layers=layers,
        X=np.array(Xa),
        y=np.array(ya),
        output=np.array(fwd.a[-1]),
        loss=loss_fn.name,
        cost=float(cost) if net.population is None else np.asarray(cost),
        dC_da=None if dC_da is None else np.asarray(dC_da),
        fused=fused,
        optimizer=resolved.optimizer_name,
        lr=resolved.lr,
        run_epoch=None if run is None else run.epoch,
        samples=rows,
        bias=net.bias,
        sizes=list(net.sizes),
        population=net.population,
        notes=notes,
    )


def _overflow_notes(
    net: Network,
    fwd: Any,
    y: Array,
    loss: _losses.Loss,
    cost: Any,
    grads: Any,
    deltas: Any,
    layers: list[LayerTrace],
    lr: Any,
) -> list[str]:
    """What overflowed in a pass over finite inputs, in words (empty when nothing did): the
    engine's own account of the pass, else the quantity only the trace computes."""
    note = net.overflow(fwd, y, loss, cost, grads, deltas)
    if note is not None:
        return [note]
    for t in layers:
        for name in QUANTITIES:
            a = getattr(t, name)
            if a is None or np.isfinite(a).all():
                continue
            if name.startswith("step_"):
                return [
                    f"lr: from finite gradients, the optimizer's step {name[5:]}^({t.index}) "
                    f"overflowed to infinity or NaN (learning rate {lr}); use a smaller lr"
                ]
            return [f"X: {name} of layer {t.index} overflowed to infinity or NaN"]
    return []


# --- the chain rule, one scalar at a time ------------------------------------------------------

#: The chain-rule view draws every multiply: it is for small networks.
MAX_CHAIN_WEIGHTS = 200


@known_keywords
@dataclass
class ChainNode:
    r"""One scalar of the pass: a leaf (input, weight, bias, target) or the result of one operation.

    Attributes
    ----------
    id : str
        A short unique name, e.g. ``"W1_12"``, ``"m2_11"``, ``"z1_2"``, ``"C"``.
    label : str
        The name in the paper's notation, e.g. ``"W^(1)_12"``, ``"a^(1)_2"``; the product
        ``a^(l-1)_k W^(l)_kj`` is ``"m^(l)_kj"``.
    kind : str
        ``"input"``, ``"weight"``, ``"bias"``, ``"target"`` (leaves), ``"product"``
        (``a^(l-1)_k W^(l)_kj``), ``"sum"`` (``z^(l)_j``), ``"activation"`` (``a^(l)_j``) or
        ``"loss"`` (``C``).
    op : str or None
        The operation that made it: ``"*"``, ``"+"``, the activation's name or the loss's
        name; ``None`` for a leaf.
    layer : int
        ``l``: 0 for the inputs, ``L + 1`` for the cost and the targets.
    value : float
        Its value in the forward pass.
    grad : float or None
        ``dC/d(node)``; ``None`` for the targets, which are data, not something learned.
    """

    id: str
    label: str
    kind: str
    op: str | None
    layer: int
    value: float
    grad: float | None


@known_keywords
@dataclass
class ChainEdge:
    r"""``source`` is an input of ``target``'s operation.

    Attributes
    ----------
    source, target : str
        Node ids.
    local : float
        The local derivative ``d target / d source`` at this pass: ``W_kj`` and ``a_k`` for a
        product, 1 for a sum, ``f'(z_j)`` for an activation (``J_ij`` for softmax),
        ``dC/da_j`` for the cost. The chain rule is then
        ``grad(source) = sum over its edges of local * grad(target)``.
    """

    source: str
    target: str
    local: float


@known_keywords
@dataclass
class Chain:
    """Every scalar operation of one sample's forward and backward pass, as a graph.

    Attributes
    ----------
    nodes : list of ChainNode
        In the order of the forward pass (every node after its inputs).
    edges : list of ChainEdge
    sizes : list of int
    loss : str
    cost : float
        ``C`` on this one sample.
    fused : bool
        The engine computes ``delta^(L)`` from ``z^(L)`` directly (bce + sigmoid,
        cross_entropy + softmax); the graph still shows ``a^(L)`` and ``dC/da^(L)``.
    sample : int or None
        The data row traced.
    notes : list of str
        Where the pass overflowed, when it did (the trace's notes).
    """

    nodes: list[ChainNode]
    edges: list[ChainEdge]
    sizes: list[int]
    loss: str
    cost: float
    fused: bool
    sample: int | None = None
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # the graph itself is for chain_graph and render_chain
        return (
            f"Chain({'-'.join(map(str, self.sizes))}, loss {self.loss}, sample {self.sample}: "
            f"{len(self.nodes)} nodes, {len(self.edges)} edges, C = {self.cost:.6g})"
        )

    @known_keywords
    def node(self, id: str) -> ChainNode:
        """The node named ``id``."""
        for n in self.nodes:
            if n.id == id:
                return n
        raise ValueError(f"id: expected a node id such as 'z1_1' or 'C', got {id!r}")

    @known_keywords
    def inputs(self, id: str) -> list[ChainEdge]:
        """The edges into node ``id`` (its operation's operands)."""
        return [e for e in self.edges if e.target == id]

    @known_keywords
    def uses(self, id: str) -> list[ChainEdge]:
        """The edges out of node ``id`` (the operations that use it)."""
        return [e for e in self.edges if e.source == id]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data: nodes and edges, nulls explained as in
        :meth:`Trace.to_dict` (a target's gradient and the local derivative of its edge are
        null by design: targets are data, nothing is learned through them)."""
        return noted_json(
            {
                "sizes": list(self.sizes),
                "loss": self.loss,
                "cost": self.cost,
                "fused": self.fused,
                "sample": self.sample,
                "nodes": [
                    {
                        "id": n.id,
                        "label": n.label,
                        "kind": n.kind,
                        "op": n.op,
                        "layer": n.layer,
                        "value": n.value,
                        "grad": n.grad,
                    }
                    for n in self.nodes
                ],
                "edges": [
                    {
                        "source": e.source,
                        "target": e.target,
                        "local": None if e.source.startswith("y_") else e.local,
                    }
                    for e in self.edges
                ],
            },
            [
                *self.notes,
                "null also marks what does not apply: the grad of a target node and the local "
                "derivative of a target's edge (targets are data: nothing is learned through them)",
            ],
        )


@known_keywords
def chain(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | _losses.Loss = "mse",
    sample: int = 0,
) -> Chain:
    r"""The chain rule of one sample, one scalar operation at a time (micrograd's ``draw_dot``).

    Every weight's product ``m^(l)_kj = a^(l-1)_k W^(l)_kj``, every sum
    ``z^(l)_j = sum_k m^(l)_kj + b^(l)_j``, every activation ``a^(l)_j = f(z^(l)_j)`` and the
    cost ``C`` is a node with its value and its gradient ``dC/d(node)``; every operand is an
    edge with its local derivative. The values and the gradients of ``z``, ``a``, ``W`` and
    ``b`` are the engine's own (a :func:`trace` of the one row); the products are
    ``a_k W_kj`` from those numbers, whose sum plus ``b_j`` is the engine's ``z_j``.

    Reading it backwards is backpropagation: a node's gradient is the sum, over the operations
    that use it, of the local derivative times that operation's gradient.

    Parameters
    ----------
    net : Network
        A single network with at most :data:`MAX_CHAIN_WEIGHTS` weights.
    X : array, shape (n_samples, n_0) or (n_0,)
        The data (or one input row).
    y : array, shape (n_samples, n_L) or (n_L,)
        The targets (or one target row).
    loss : str or Loss
    sample : int
        The row of ``X`` to follow.

    Returns
    -------
    Chain
    """
    if net.population is not None:
        raise ValueError(
            f"net: the chain-rule view follows one network; got a population of "
            f"{net.population} (use net.member(k))"
        )
    n_weights = sum(a * b for a, b in zip(net.sizes[:-1], net.sizes[1:], strict=False))
    if n_weights > MAX_CHAIN_WEIGHTS:
        raise ValueError(
            f"net: the chain-rule view draws every multiply; expected at most "
            f"{MAX_CHAIN_WEIGHTS} weights, got {n_weights} (sizes {net.sizes})"
        )
    Xa = np.asarray(X)
    ya = np.asarray(y)
    if Xa.ndim == 1:
        Xa = Xa[None, :]
    if ya.ndim == 1 and Xa.shape[0] == 1 and ya.shape[0] == net.sizes[-1]:
        ya = ya[None, :]
    if isinstance(sample, bool) or not isinstance(sample, int | np.integer):
        raise TypeError(f"sample: expected a row index, got {describe(sample)}")
    if not -Xa.shape[0] <= sample < Xa.shape[0]:
        raise ValueError(f"sample: expected a row index {index_range(Xa.shape[0])}, got {sample}")
    t = trace(net, Xa, ya, loss=loss, samples=[sample])
    loss_fn = net.check_loss(loss)
    L = t.n_layers
    out = t.layers[-1]
    # dC/da^(L): the engine's, or for a fused pair the true derivative of the cost at a^(L)
    # (the engine skips it and computes delta^(L) from z^(L))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        dC_da_out = out.dC_da if out.dC_da is not None else loss_fn.gradient(out.a, t.y)

    nodes: list[ChainNode] = []
    edges: list[ChainEdge] = []

    def add(id: str, label: str, kind: str, op: str | None, layer: int, value: Any,
            grad: Any) -> None:  # fmt: skip
        g = None if grad is None else float(grad)
        nodes.append(ChainNode(id, label, kind, op, layer, float(value), g))

    # dC/dx: the gradient that would arrive at the inputs, delta^(1) W^(1)^T
    first = t.layers[0]
    dC_dx = first.delta[0] @ first.W.T
    for k in range(t.sizes[0]):
        add(f"a0_{k + 1}", f"x_{k + 1}", "input", None, 0, t.X[0, k], dC_dx[k])
    for x in t.layers:
        l = x.index
        a_prev = x.a_prev[0]
        for j in range(x.n_out):
            for k in range(x.n_in):
                w_id, m_id = f"W{l}_{k + 1}{j + 1}", f"m{l}_{k + 1}{j + 1}"
                add(w_id, f"W^({l})_{k + 1}{j + 1}", "weight", None, l, x.W[k, j], x.dW[k, j])
                add(m_id, f"m^({l})_{k + 1}{j + 1}", "product", "*", l,
                    a_prev[k] * x.W[k, j], x.delta[0, j])  # fmt: skip
                edges.append(ChainEdge(f"a{l - 1}_{k + 1}", m_id, float(x.W[k, j])))
                edges.append(ChainEdge(w_id, m_id, float(a_prev[k])))
        if x.b is not None:
            if t.bias == "layer":
                add(f"b{l}", f"b^({l})", "bias", None, l, x.b.flat[0], x.db.flat[0])  # type: ignore[union-attr]
            else:
                for j in range(x.n_out):
                    add(f"b{l}_{j + 1}", f"b^({l})_{j + 1}", "bias", None, l, x.b[0, j],
                        x.db[0, j])  # type: ignore[index]  # fmt: skip
        for j in range(x.n_out):
            z_id = f"z{l}_{j + 1}"
            add(z_id, f"z^({l})_{j + 1}", "sum", "+", l, x.z[0, j], x.delta[0, j])
            for k in range(x.n_in):
                edges.append(ChainEdge(f"m{l}_{k + 1}{j + 1}", z_id, 1.0))
            if x.b is not None:
                edges.append(
                    ChainEdge(f"b{l}" if t.bias == "layer" else f"b{l}_{j + 1}", z_id, 1.0)
                )
        upstream = dC_da_out[0] if l == L else x.dC_da[0]  # type: ignore[index]
        for j in range(x.n_out):
            add(f"a{l}_{j + 1}", f"a^({l})_{j + 1}", "activation", x.activation, l, x.a[0, j],
                upstream[j])  # fmt: skip
            if x.jacobian is None:
                edges.append(ChainEdge(f"z{l}_{j + 1}", f"a{l}_{j + 1}", float(x.fprime[0, j])))
            else:  # softmax: every z_i moves every a_j, by J_ij = da_j/dz_i
                for i in range(x.n_out):
                    edges.append(
                        ChainEdge(f"z{l}_{i + 1}", f"a{l}_{j + 1}", float(x.jacobian[0, i, j]))
                    )
    for j in range(t.sizes[-1]):
        add(f"y_{j + 1}", f"y_{j + 1}", "target", None, L + 1, t.y[0, j], None)
    add("C", "C", "loss", t.loss, L + 1, t.cost, 1.0)
    for j in range(t.sizes[-1]):
        edges.append(ChainEdge(f"a{L}_{j + 1}", "C", float(dC_da_out[0, j])))
        edges.append(ChainEdge(f"y_{j + 1}", "C", float("nan")))
    return Chain(
        nodes=nodes,
        edges=edges,
        sizes=list(t.sizes),
        loss=t.loss,
        cost=float(t.cost),
        fused=t.fused,
        sample=None if t.samples is None else t.samples[0],
        notes=list(t.notes),
    )
