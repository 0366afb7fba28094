"""The table of controls: every setting of the playground, defined once.

Each :class:`Control` says what one setting is (its name, label, kind, default and bounds),
where it shows (its panel, the modes that show it, whether the notebook widget shows it around
the user's network) and how it leaves the page (the data recipe's key, the ``Network`` or
``fit`` keyword, the ``glassnet train`` option). Everything else derives from
:data:`CONTROLS`:

* :data:`DEFAULT_CONFIG` and :class:`Config` (a setup is a mapping of these names; no second
  list of fields), :func:`parse_config` (the page's setups, the address's text, a lesson's
  steps) and the limits it enforces;
* the settings that change a running network without a new one (:data:`LIVE`) and those the
  second setup of a comparison may vary (:data:`B_KEYS`);
* the ``hello`` message's ``controls`` (:func:`controls_message`): the page and the notebook
  widget build their inputs, the page address and the refusals' highlights from it;
* the export's script and ``train`` command (:mod:`glassnet.playground.export`).

Adding a setting is one :class:`Control` here, plus, for a new kind of input, one input
builder in ``static/controls.js``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from glassnet import activations as _activations
from glassnet import initializers as _initializers
from glassnet import losses as _losses
from glassnet import network as _network
from glassnet import optimizers as _optimizers
from glassnet._validation import Boolean, Constraint, Interval, Options, check, did_you_mean
from glassnet.datasets import recipes
from glassnet.playground.limits import Limits, ProtocolError

#: Labels of the data sets the page offers: the recipes' sets and an uploaded CSV.
DATASET_LABELS: dict[str, str] = {
    "xor": "XOR (4 cases)",
    "quadrants": "XOR quadrants",
    "circles": "Circles",
    "moons": "Two moons",
    "spirals": "Spirals",
    "blobs": "Blobs (3 classes)",
    "paper": "The paper's 4 cases",
    "and": "AND (4 cases)",
    "or": "OR (4 cases)",
    "plane": "Plane (regression)",
    "bumps": "Gaussian bumps (regression)",
    "sine": "Sine (regression)",
    "csv": "Your CSV (upload)",
}

MODES = {
    "single": "One network",
    "compare": "Compare two setups (a race)",
    "seeds": "One setup over many seeds",
    "compare_seeds": "Two setups over the same seeds",
}
#: Modes with a second setup (B), and modes where each setup is a population over seeds.
TWO_SETUPS = ("compare", "compare_seeds")
POPULATION_MODES = ("seeds", "compare_seeds")

#: The update rules of the paper's two modes: the engine's exact gradients, or the rules the
#: paper's code ran (:mod:`glassnet.experiments.original`).
RULES = {
    "corrected": "exact gradient descent (glassnet)",
    "original": "the paper's code, as it ran",
}


def hidden_activations() -> list[str]:
    """Activations a hidden layer may use: every registered one that is not output-only."""
    return [n for n in _activations.names() if not _activations.REGISTRY[n].output_only]


def _labelled(names: list[str]) -> dict[str, str]:
    return {n: n for n in names}


@dataclass(frozen=True)
class Control:
    """One setting of the playground.

    Attributes
    ----------
    name : str
        Its key in a setup, the page address and the page's element ids.
    label : str
        What the page calls it.
    kind : str
        The value's kind, which decides its parsing: ``"choice"`` (one name of ``choices``),
        ``"int"``, ``"float"``, ``"bool"``, ``"set"`` (names of ``choices``, each at most
        once), ``"layers"`` (units per hidden layer), ``"acts"`` (an activation per hidden
        layer) or ``"overrides"`` (the second setup's settings).
    default : object
    lo, hi : float, str or None
        Bounds of a number (both ends included). ``hi`` may name a :class:`Limits` field
        (the server's own cap).
    cap : tuple of (str, str), optional
        A :class:`Limits` field and the refusal's words when the value is over it (a limit of
        this server, said as such: "Too many samples: at most 2000 are allowed, got 2001").
    choices : callable, optional
        ``choices() -> {name: label}``, read from the engine's registries at call time.
    input : str
        The page's input: ``"select"``, ``"number"``, ``"range"``, ``"checkbox"``,
        ``"checks"``, ``"layers"`` or ``"b"``.
    panel : str
        Where it shows: ``"data"``, ``"network"``, ``"training"``, ``"race"``, ``"seeds"``.
    modes : tuple of str
        The modes that show (and address) it; empty for every mode.
    live : bool
        A change goes on training the same network (no rebuild).
    b : bool
        The second setup of a comparison may set it.
    widget : bool
        The notebook widget shows it around the user's own network.
    off : mapping
        Disabled while another setting holds one of these values (``n`` for the fixed sets).
    recipe, network, fit, cli : str, optional
        How it is exported: the data recipe's key, the ``gn.Network`` keyword, the ``fit``
        keyword, the ``glassnet train`` option (None: the page's own, not exported there).
    step : str or float
        The input's step (``"any"`` for a real number).
    display : str
        How the page writes the value beside a slider: ``""`` (the number) or ``"percent"``.
    help : str
        The input's tooltip.
    """

    name: str
    label: str
    kind: str
    default: Any
    lo: float | None = None
    hi: float | str | None = None
    cap: tuple[str, str] | None = None
    choices: Callable[[], Mapping[str, str]] | None = None
    input: str = "number"
    panel: str = "training"
    modes: tuple[str, ...] = ()
    live: bool = False
    b: bool = False
    widget: bool = False
    off: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    recipe: str | None = None
    network: str | None = None
    fit: str | None = None
    cli: str | None = None
    step: str | float = "any"
    display: str = ""
    help: str = ""

    def high(self, limits: Limits) -> float | None:
        """The upper bound, with a limit's name read off ``limits``."""
        if isinstance(self.hi, str):
            bound: float = getattr(limits, self.hi)
            return bound
        return self.hi

    def options(self) -> dict[str, str]:
        """The choices now (an activation registered by the user shows up too)."""
        return dict(self.choices()) if self.choices is not None else {}

    def shown_in(self, mode: str) -> bool:
        return not self.modes or mode in self.modes


_FIXED = (*recipes.FIXED_SETS, "csv")

#: Every setting of the playground, in the order they are parsed (a bound may depend on an
#: earlier one: ``member`` on ``seeds``, ``act`` on ``layers``).
CONTROLS: tuple[Control, ...] = (
    Control("mode", "Mode", "choice", "single", choices=lambda: MODES, input="select",
            panel="data"),
    Control("dataset", "Dataset", "choice", "circles", input="select", panel="data",
            choices=lambda: {k: DATASET_LABELS[k] for k in (*_ordered_sets(), "csv")},
            recipe="dataset", cli="--dataset"),
    Control("n", "Samples", "int", 200, lo=4, cap=("max_samples", "Too many samples: at most "
            "{cap} are allowed, got {value}"), panel="data", off={"dataset": _FIXED},
            recipe="n_samples", step=10, help="points generated, training and test together"),
    Control("noise", "Noise", "float", 0.05, lo=0.0, hi=1.0, input="range", panel="data",
            off={"dataset": _FIXED}, recipe="noise", step=0.01),
    Control("split", "Test share", "float", 0.3, lo=0.0, hi=recipes.MAX_TEST_SIZE,
            input="range", panel="data", off={"dataset": _FIXED}, recipe="test_size",
            cli="--validation-split", step=0.05, display="percent"),
    Control("seed", "Seed", "int", 0, lo=0, hi=2**31 - 1, panel="data", recipe="seed",
            network="seed", cli="--seed", step=1,
            help="the data's and the network's; in seeds mode the first of the seeds"),
    Control("features", "Input features", "set", [], input="checks", panel="data",
            choices=lambda: {k: v[0] for k, v in recipes.FEATURES.items()}, recipe="features"),
    Control("layers", "Hidden layers", "layers", [4, 4], input="layers", panel="network",
            b=True, network="sizes", cli="--hidden"),
    Control("act", "Activation", "acts", ["tanh", "tanh"], input="layers", panel="network",
            choices=lambda: _labelled(hidden_activations()), b=True, network="activation",
            cli="--activation"),
    Control("out", "Output", "choice", "sigmoid", input="select",
            choices=lambda: _labelled(_activations.names()), b=True, network="output",
            cli="--output"),
    Control("loss", "Loss", "choice", "bce", input="select",
            choices=lambda: _labelled(_losses.names()), b=True, fit="loss", cli="--loss"),
    Control("opt", "Optimizer", "choice", "adam", input="select",
            choices=lambda: _labelled(_optimizers.names()), live=True, b=True, widget=True,
            fit="optimizer", cli="--optimizer"),
    Control("lr", "Learning rate", "float", 0.03, lo=1e-6, hi=10.0, live=True, b=True,
            widget=True, fit="lr", cli="--lr", help="the step size η"),
    Control("batch", "Batch size", "int", 16, lo=0, hi="max_samples", live=True, b=True,
            widget=True, fit="batch_size", cli="--batch-size", step=1, help="0 = full batch"),
    Control("l1", "L1", "float", 0.0, lo=0.0, hi=1.0, live=True, b=True, widget=True,
            fit="l1", cli="--l1", help="λ₁ of the penalty λ₁ Σ|W| (weights only)"),
    Control("l2", "L2", "float", 0.0, lo=0.0, hi=1.0, live=True, b=True, widget=True,
            fit="l2", cli="--l2", help="λ₂ of the penalty λ₂ Σ W² (weights only)"),
    Control("init", "Initializer", "choice", "xavier", input="select",
            choices=lambda: _labelled(_initializers.names()), b=True, network="init",
            cli="--init"),
    Control("bias", "Bias", "choice", "neuron", input="select",
            choices=lambda: _labelled(list(_network.BIAS_MODES)), b=True, network="bias",
            cli="--bias", help="one per unit, one per layer (the paper's), or none"),
    Control("rules", "Update rules", "choice", "corrected", input="select",
            choices=lambda: RULES, b=True,
            help="the paper's modes: exact gradients, or the rules its code ran (its 3-2-1 "
            "network only)"),
    Control("pace", "Epochs/s", "float", 20.0, lo=0.0, hi=100_000.0, live=True, widget=True,
            panel="race", step=1,
            help="epochs trained per second; 0 = as fast as this machine goes"),
    Control("rate", "Updates/s", "float", 10.0, lo=0.5,
            cap=("max_rate", "Update rate too high: at most {cap:g} updates per second, "
                 "got {value:g}"), live=True, widget=True, panel="race", step=1,
            help="pictures drawn per second"),
    Control("threshold", "Threshold", "float", 0.01, lo=1e-12, hi=1e6, live=True, widget=True,
            panel="race",
            help="a run has converged once its loss per training case is below this "
            "(glassnet paper's threshold)"),
    Control("stop", "Stop when converged", "bool", False, input="checkbox", live=True,
            widget=True, panel="race",
            help="pause once every run is below the threshold"),
    Control("until", "Stop at epoch", "int", 0, lo=0, hi="max_epochs", live=True,
            widget=True, panel="race", step=1,
            help="pause when this epoch is reached (0 = never): the paper ran 100"),
    Control("seeds", "Networks", "int", 10, lo=2, cap=("max_seeds", "Too many seeds: at most "
            "{cap} networks at once, got {value}"), panel="seeds", modes=POPULATION_MODES,
            step=1),
    Control("member", "Drawn member", "int", 0, lo=0, hi="seeds", live=True, panel="seeds",
            modes=POPULATION_MODES, step=1),
    Control("b", "Setup B", "overrides", {}, input="b", panel="b", modes=TWO_SETUPS),
)  # fmt: skip


def _ordered_sets() -> tuple[str, ...]:
    return tuple(k for k in DATASET_LABELS if k in recipes.RECIPE_DATASETS)


BY_NAME: dict[str, Control] = {c.name: c for c in CONTROLS}
#: The setup of a fresh page: every control's default.
DEFAULT_CONFIG: dict[str, Any] = {c.name: c.default for c in CONTROLS}
#: Settings that change without a new network (the same network goes on training).
LIVE: tuple[str, ...] = tuple(c.name for c in CONTROLS if c.live)
#: Settings the second setup of a comparison may vary (the data and the seed are shared).
B_KEYS: tuple[str, ...] = tuple(c.name for c in CONTROLS if c.b)


class Config(Mapping[str, Any]):
    """A checked playground setup: one value per :class:`Control`, read as attributes
    (``cfg.lr``) or items (``cfg["lr"]``).

    ``mode`` is ``"single"`` (one network), ``"compare"`` (a second setup, this one with the
    overrides ``b``, trained in lockstep on the same data from the same seed), ``"seeds"``
    (a population of ``seeds`` networks, seeds ``seed .. seed + seeds - 1``, whose member
    ``member`` is drawn) or ``"compare_seeds"`` (two such populations, one per setup, over the
    same seeds).
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        unknown = set(values) - set(BY_NAME)
        if unknown:
            raise KeyError(f"Config: unknown settings {sorted(unknown)}")
        object.__setattr__(self, "_values", {**DEFAULT_CONFIG, **values})

    @classmethod
    def make(cls, **values: Any) -> Config:
        """A setup from keyword values, the rest at their defaults (for code that has
        checked its values otherwise, as the notebook widget does)."""
        return cls(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Config is frozen: use replace()")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:  # pragma: no cover - a setup is not a dict key
        raise TypeError("unhashable type: 'Config'")

    def __repr__(self) -> str:
        return f"Config({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        """The setup as JSON-ready data (fresh lists and dicts)."""
        return {k: _copy(v) for k, v in self._values.items()}

    def replace(self, **changes: Any) -> Config:
        """This setup with ``changes`` (not checked again)."""
        return Config({**self._values, **changes})

    def second(self) -> Config:
        """The second setup of a comparison: this one with the overrides ``b`` (a population
        over the same seeds in ``compare_seeds`` mode)."""
        mode = "seeds" if self.mode == "compare_seeds" else "single"
        return self.replace(mode=mode, b={}, **_copy(self.b))

    @property
    def population(self) -> bool:
        """Whether each setup is a population over seeds."""
        return self.mode in POPULATION_MODES


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


# --- parsing ------------------------------------------------------------------------------------
def _short(value: Any) -> str:
    """``repr(value)``, cut to a readable length (a 400-digit number is not read out)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _checked(value: Any, what: str, key: str | None, *constraints: Constraint) -> Any:
    """:func:`glassnet._validation.check` of ``value``, its error a :class:`ProtocolError`
    naming the setting ``key``."""
    try:
        return check(value, what, *constraints)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(str(exc), key) from None


def _as_number(value: Any, kind: type, what: str, key: str) -> Any:
    """A JSON number, or text as in a page address, as a number of ``kind`` (unchecked)."""
    number = value
    if isinstance(value, str):
        if len(value) > 40:
            raise ProtocolError(
                f"{what}: expected a number, got a text of {len(value)} characters", key
            )
        try:
            number = float(value)
        except ValueError:
            raise ProtocolError(f"{what}: expected a number, got {_short(value)}", key) from None
    if kind is int and isinstance(number, float) and number.is_integer():
        number = int(number)  # "3", 3.0: a whole number
    return number


def _list(value: Any, key: str) -> list[Any]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise ProtocolError(f"{key}: expected a list, got {_short(value)}", key)
    return list(value)


_WORDS = {"n": "samples", "lr": "learning rate", "batch": "batch size", "l1": "L1", "l2": "L2",
          "split": "test fraction", "rate": "update rate", "out": "output activation",
          "opt": "optimizer", "init": "initializer", "pace": "pace",
          "threshold": "threshold", "rules": "update rules"}  # fmt: skip


def _what(c: Control) -> str:
    return _WORDS.get(c.name, c.name)


def _parse_one(c: Control, raw: Any, done: Mapping[str, Any], limits: Limits, key: str) -> Any:
    """The value of control ``c`` from ``raw``, checked (``key`` names it in refusals)."""
    what = _what(c)
    if c.kind in ("int", "float"):
        kind = int if c.kind == "int" else float
        number = _as_number(raw, kind, what, key)
        hi: float | None
        if c.hi == "seeds":  # a member of the population: 0 .. seeds - 1
            hi = done["seeds"] - 1
        else:
            hi = c.high(limits)
        value = _checked(number, what, key, Interval(kind, c.lo, hi))
        if c.cap is not None:
            cap = getattr(limits, c.cap[0])
            if value > cap:
                raise ProtocolError(c.cap[1].format(cap=cap, value=_Short(value)), key)
        return value
    if c.kind == "choice":
        return str(_checked(raw, what, key, Options(c.options())))
    if c.kind == "bool":
        if raw in ("true", "false"):  # as the page address writes it
            raw = raw == "true"
        return bool(_checked(raw, what, key, Boolean()))
    if c.kind == "set":
        names = _list(raw, key)
        for name in names:
            _checked(name, c.name, key, Options(c.options()))
        if len(set(names)) != len(names):
            raise ProtocolError(f"{c.name}: each feature at most once, got {names}", key)
        return [name for name in c.options() if name in names]  # one order, whatever came
    if c.kind == "layers":
        return _layers(raw, limits, key)
    if c.kind == "acts":
        return _acts(raw, done["layers"], c, key)
    raise AssertionError(f"no parser for the kind {c.kind!r}")  # pragma: no cover


class _Short:
    """A number that formats itself shortly in a refusal (a 400-digit integer is not read
    out), whatever format the message asks for."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def __format__(self, spec: str) -> str:
        if isinstance(self.raw, int):
            return _short(self.raw)
        return format(float(self.raw), spec)


def _layers(raw: Any, limits: Limits, key: str) -> list[int]:
    units_raw = _list(raw, key)
    if len(units_raw) > limits.max_layers:
        raise ProtocolError(
            f"Too many hidden layers: at most {limits.max_layers} are allowed, "
            f"got {len(units_raw)}",
            key,
        )
    layers = []
    for i, units in enumerate(units_raw):
        number = _as_number(units, int, f"layer {i + 1} units", key)
        u = _checked(number, f"layer {i + 1} units", key, Interval(int, 1, None))
        if u > limits.max_units:
            raise ProtocolError(
                f"Too many units in hidden layer {i + 1}: at most {limits.max_units} "
                f"are allowed, got {_short(u)}",
                key,
            )
        layers.append(u)
    return layers


def _acts(raw: Any, layers: list[int], c: Control, key: str) -> list[str]:
    acts = [raw] if isinstance(raw, str) and "," not in raw else _list(raw, key)
    if len(acts) == 1 and len(layers) != 1:
        acts = acts * len(layers)
    if len(acts) != len(layers):
        raise ProtocolError(
            f"act: expected one activation per hidden layer ({len(layers)}), got {len(acts)}",
            key,
        )
    hidden = Options(c.options())
    return [str(_checked(a, "act", key, hidden)) for a in acts]


def _overrides(raw: dict[str, Any], values: dict[str, Any], limits: Limits) -> dict[str, Any]:
    b_raw = raw.get("b", {})
    if not isinstance(b_raw, dict):
        raise ProtocolError(f"b: expected an object of settings, got {_short(b_raw)}", "b")
    bad = sorted((k for k in b_raw if k not in B_KEYS), key=str)
    if bad:
        raise ProtocolError(
            f"b: compare mode can vary {', '.join(B_KEYS)}; got {_short(bad[0])}"
            f"{did_you_mean(bad[0], B_KEYS)}",
            "b",
        )
    # B's value of each setting it may vary: its own, else A's as sent (so that B's layers
    # pair with A's activation, as the page's "as A" means)
    merged = {**{k: raw[k] for k in B_KEYS if k in raw}, **b_raw}
    second: dict[str, Any] = {}
    for name in B_KEYS:
        c = BY_NAME[name]
        if name in merged:
            second[name] = _parse_one(c, merged[name], {**values, **second}, limits, "b." + name)
        else:
            second[name] = values[name]
    return {k: second[k] for k in b_raw}


def parse_config(raw: Any, limits: Limits) -> Config:
    """Check a setup sent by the page (or written in an address or a lesson).

    Parameters
    ----------
    raw : dict
        The setup; missing settings take their :data:`DEFAULT_CONFIG` value. Numbers may be
        text and lists comma-separated text (as they appear in the page address).
    limits : Limits
        The caps to enforce.

    Returns
    -------
    Config

    Raises
    ------
    ProtocolError
        Naming the setting, what was expected and what came, for the first bad setting.
    """
    if not isinstance(raw, dict):
        raise ProtocolError(f"config: expected an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(BY_NAME), key=str)
    if unknown:
        raise ProtocolError(
            f"config: unknown setting {_short(unknown[0])}"
            f"{did_you_mean(unknown[0], DEFAULT_CONFIG)}",
            str(unknown[0]),
        )
    values: dict[str, Any] = {}
    for c in CONTROLS:
        if c.kind == "overrides":
            values[c.name] = _overrides(raw, values, limits)
        else:
            values[c.name] = _parse_one(c, raw.get(c.name, c.default), values, limits, c.name)
    return Config(values)


# --- what the page receives ------------------------------------------------------------------
def controls_message(limits: Limits) -> list[dict[str, Any]]:
    """The table as the page and the notebook widget receive it (in the ``hello`` message):
    per control its name, label, kind, input, default, bounds (limits read off ``limits``),
    choices, panel, modes and flags."""
    out = []
    for c in CONTROLS:
        hi = c.hi if c.hi == "seeds" else c.high(limits)
        if c.cap is not None:
            hi = getattr(limits, c.cap[0])
        entry: dict[str, Any] = {
            "name": c.name,
            "label": c.label,
            "kind": c.kind,
            "input": c.input,
            "default": _copy(c.default),
            "lo": c.lo,
            "hi": None if isinstance(hi, float) and math.isinf(hi) else hi,
            "step": c.step,
            "choices": c.options(),
            "panel": c.panel,
            "modes": list(c.modes),
            "live": c.live,
            "b": c.b,
            "widget": c.widget,
            "off": {k: list(v) for k, v in c.off.items()},
            "display": c.display,
            "help": c.help,
        }
        out.append(entry)
    return out
