"""Argument checks shared by every public entry point: one vocabulary, one message style.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the argument,
what was expected and what came (``"h: expected a finite number > 0, got 0.0"``), so the CLI can
print it as one line. ``TypeError`` means the kind of value is wrong (a string where a number
belongs), ``ValueError`` that the kind is right but the value is not (a negative count).

Constraint tables
-----------------
As scikit-learn's ``_parameter_constraints``, a public function can state its arguments'
constraints once, as data, and check them all with :func:`validate`::

    _CONSTRAINTS = {
        "h": [Interval(float, 0, None, closed="neither")],
        "tolerance": [Interval(float, 0, None, closed="neither")],
        "loss": [Options(losses.names()), Instance(losses.Loss)],
    }
    h, tolerance, loss = validate(_CONSTRAINTS, h=h, tolerance=tolerance, loss=loss).values()

An argument passes if it satisfies any one of its constraints. Each constraint describes
itself, so the error lists every accepted form: ``"loss: expected one of bce, mse or a Loss,
got 'mes' (did you mean 'mse'?)"``.

Bounds
------
No single argument may make glassnet allocate or compute without a bound checked first; the
bounds are these constants (documented, and named in the errors that enforce them).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal, TypeVar

import numpy as np

#: The most bytes one network's (or population's) parameters may take: 4 GiB.
MAX_PARAMETER_BYTES = 4 * 2**30
#: The most bytes one pass of a batch may hold: its ``z``, ``a`` and ``delta`` for every layer,
#: row and member (:func:`pass_bytes`). Beyond it ``fit`` asks for a smaller ``batch_size``
#: and the other passes (predict, loss, trace, figures) for fewer rows at a time.
MAX_PASS_BYTES = 4 * 2**30
#: The most layers (sizes, input and output included) a network may have.
MAX_LAYERS = 1000
#: The most members a population may have (and so the most seeds a seed sequence may hold): a
#: million of the paper's networks fit a GPU (bench gpu workload); drawing them takes a minute.
MAX_POPULATION = 1_000_000
#: The most samples a generated dataset may have.
MAX_SAMPLES = 10_000_000
#: The most epochs (or generations) one training run may have: its record takes 8 bytes per
#: epoch and field, so 10^7 epochs already hold hundreds of MB of history.
MAX_EPOCHS = 10_000_000
#: The most classes a label encoding may have.
MAX_CLASSES = 100_000
#: The largest magnitude of a generator's noise or shape parameter: beyond it, the generated
#: coordinates lose every digit of the shape they are meant to show (and overflow near 1e308).
MAX_GENERATOR_PARAMETER = 1e6


# --- numbers that overflowed ------------------------------------------------------------------


class NonFiniteWarning(RuntimeWarning):
    """A computation from finite inputs overflowed to infinity or NaN.

    glassnet's one rule for overflow: input that is already NaN or infinite is refused
    (``ValueError`` naming the argument); finite input whose computation overflows is a
    result, returned as computed, with this warning saying which argument, which quantity
    and where (``X: from finite inputs and weights, z^(1) overflowed to inf at row 0, unit 1
    ...``). Training reports the same event as a divergence
    (:class:`glassnet.DivergenceWarning`). Like NumPy's own overflow warning it obeys
    ``np.errstate(over=...)``: ``"ignore"`` silences it, ``"raise"`` makes it a
    ``FloatingPointError``.
    """


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_nonfinite(message: str) -> None:
    """Issue a :class:`NonFiniteWarning`, attributed to the first caller outside glassnet
    (so it points at the user's line whichever public function found the overflow).

    It follows NumPy's error state for overflow, as NumPy's own warning would: under
    ``np.errstate(over="ignore")`` nothing is said, under ``over="raise"`` a
    ``FloatingPointError`` with the same message is raised.
    """
    mode = np.geterr()["over"]
    if mode == "ignore":
        return
    if mode == "raise":
        raise FloatingPointError(message)
    level, frame = 1, sys._getframe(0)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    warnings.warn(message, NonFiniteWarning, stacklevel=level)


# --- keyword arguments ------------------------------------------------------------------------


def unknown_keyword(
    function: str, name: str, valid: Iterable[str], aliases: Mapping[str, str] | None = None
) -> TypeError:
    """The error for a keyword argument that ``function`` does not take.

    Python's own (``got an unexpected keyword argument 'activaton'``) neither lists what is
    accepted nor suggests the near miss; this one does both, in the vocabulary's words.
    ``aliases`` maps names other libraries use to the one meant (``learning_rate`` -> ``lr``).
    """
    valid = list(valid)
    hint = (
        f" (did you mean {aliases[name]}?)"
        if aliases and name in aliases
        else did_you_mean(name, valid)
    )
    return TypeError(
        f"{function}: unexpected keyword argument {name!r}; expected one of "
        f"{', '.join(valid) or 'none'}{hint}"
    )


def check_keywords(function: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise :func:`unknown_keyword`'s ``TypeError`` for the first name of ``given`` not in
    ``valid``.

    For functions that take ``**kwargs`` and pass them on (``datasets.load``'s options, a
    configuration built from keywords): they call this with what they accept.
    """
    valid = list(valid)
    accepted = set(valid)
    for name in given:
        if name not in accepted:
            raise unknown_keyword(function, name, valid)


_F = TypeVar("_F", bound=Callable[..., Any])


def known_keywords(func: _F) -> _F:
    """Give a function (or a class, through its ``__init__``) the did-you-mean of the rest
    of glassnet for a misspelt keyword argument.

    ``Network([2, 1], activaton="tanh")`` then raises ``TypeError: Network: unexpected
    keyword argument 'activaton'; expected one of sizes, activation, ... (did you mean
    'activation'?)`` before anything runs. The check is one set lookup per keyword given;
    functions that take ``**kwargs`` check them with :func:`check_keywords` instead.
    """
    if isinstance(func, type):
        init = func.__init__  # type: ignore[misc]
        wrapped = _keywords_of(init, _label(func))
        func.__init__ = wrapped  # type: ignore[misc]
        return func
    return _keywords_of(func, _label(func))  # type: ignore[return-value]


def _label(func: Callable[..., Any]) -> str:
    name = getattr(func, "__qualname__", getattr(func, "__name__", "function"))
    return name.rpartition("<locals>.")[2].removesuffix(".__init__")


def _keywords_of(func: Callable[..., Any], label: str) -> Callable[..., Any]:
    parameters = inspect.signature(func).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        raise TypeError(f"{label}: takes **kwargs; check them with check_keywords instead")
    names = [
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        and p.name != "self"
    ]
    accepted = frozenset(names)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs and not accepted.issuperset(kwargs):
            check_keywords(label, kwargs, names)
        return func(*args, **kwargs)

    return wrapper


# --- sizes ----------------------------------------------------------------------------------


#: A network's bias modes: one bias per unit, one scalar per layer (the paper's), or none.
#: The one list of them (network, model files, the command line, studies, the playground).
BIAS_MODES = ("neuron", "layer", "none")
#: The floating-point types a network computes in.
DTYPES = ("float64", "float32")


@known_keywords
def pass_bytes(sizes: Sequence[int], rows: int, population: int, itemsize: int) -> int:
    """Bytes one pass of ``rows`` rows through ``population`` networks of ``sizes`` holds: a
    forward pass keeps ``z^(l)`` and ``a^(l)``, backpropagation adds ``delta^(l)``, each
    ``(rows, n_l)`` per member for every layer after the input (exact, as ints)."""
    return 3 * rows * sum(sizes[1:]) * population * itemsize


@known_keywords
def parameter_bytes(sizes: Sequence[int], population: int, itemsize: int, bias: str) -> int:
    """Bytes the parameters of ``population`` networks of ``sizes`` take (exact, as ints)."""
    neuron, layer, none = BIAS_MODES
    biases = {neuron: lambda o: o, layer: lambda o: 1, none: lambda o: 0}[bias]
    n = sum(i * o + biases(o) for i, o in pairwise(sizes))
    return n * population * itemsize


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if len(text) > 60:  # a 400-digit number is not read out, but its length is told
        return f"{text[:40]}... ({type(value).__name__}, {len(text)} characters)"
    return f"{text} ({type(value).__name__})"


def did_you_mean(value: Any, valid: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` when ``value`` is a near miss of a valid name, else ``""``.

    The one "did you mean" of glassnet: every unknown name, key or table is suggested here.
    """
    if not isinstance(value, str):
        return ""
    choices = list(valid)
    folded = {c.lower(): c for c in choices}
    if value.strip().lower() in folded:
        return f" (did you mean {folded[value.strip().lower()]!r}?)"
    # as typed, then case-folded ("XORR" is a near miss of "xor")
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(value.strip().lower(), list(folded), n=1, cutoff=0.6)
        close = [folded[c] for c in close]
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_name(kind: str, argument: str, value: Any, valid: Iterable[str]) -> ValueError:
    """The error for a name that is not registered."""
    valid = sorted(valid)
    return ValueError(
        f"{argument}: unknown {kind} {value!r}; expected one of {', '.join(valid)}"
        f"{did_you_mean(value, valid)}"
    )


# --- constraints ----------------------------------------------------------------------------


class Constraint:
    """One accepted form of an argument: it knows whether a value fits and how to say so."""

    def fits(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def kind_fits(self, value: Any) -> bool:
        """Whether the value is of the right kind (a wrong kind is a TypeError)."""
        return self.fits(value)

    def convert(self, value: Any) -> Any:
        return value

    def __str__(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


# the exact built-in types first: every fit checks a dozen numbers, and the ABCs' isinstance
# is several times slower than a type test
def _is_int(value: Any) -> bool:
    return type(value) is int or (
        isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    )


def _is_real(value: Any) -> bool:
    return type(value) in (float, int) or (
        isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    )


@dataclass(frozen=True)
class Interval(Constraint):
    """An integer (``kind=int``) or a finite real number (``kind=float``) in an interval.

    ``low`` or ``high`` may be None (unbounded on that side); ``closed`` says which ends belong.
    NaN and infinity never fit: every bound glassnet checks is finite.
    """

    kind: type
    low: float | None
    high: float | None
    closed: Literal["both", "left", "right", "neither"] = "both"

    def kind_fits(self, value: Any) -> bool:
        return _is_int(value) if self.kind is int else _is_real(value)

    def fits(self, value: Any) -> bool:
        if not self.kind_fits(value):
            return False
        try:
            v = float(value) if self.kind is float else int(value)
        except OverflowError:  # a huge int has no float
            return False
        if self.kind is float and not math.isfinite(v):
            return False
        if self.low is not None and (
            v < self.low or (v == self.low and self.closed in ("right", "neither"))
        ):
            return False
        if self.high is not None and (
            v > self.high or (v == self.high and self.closed in ("left", "neither"))
        ):
            return False
        return True

    def convert(self, value: Any) -> Any:
        return int(value) if self.kind is int else float(value)

    def __str__(self) -> str:
        what = "an integer" if self.kind is int else "a finite number"

        def fmt(v: float) -> str:
            return str(v) if self.kind is int else f"{v:g}"

        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            lo, hi = fmt(self.low), fmt(self.high)
            return f"{what} in {'[' if left else '('}{lo}, {hi}{']' if right else ')'}"
        if self.low is not None:
            return f"{what} {'>=' if left else '>'} {fmt(self.low)}"
        if self.high is not None:
            return f"{what} {'<=' if right else '<'} {fmt(self.high)}"
        return what


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of names (strings)."""

    values: tuple[str, ...]

    def __init__(self, values: Iterable[str]) -> None:
        object.__setattr__(self, "values", tuple(values))

    def kind_fits(self, value: Any) -> bool:
        return isinstance(value, str)

    def fits(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values

    def convert(self, value: Any) -> str:
        return str(value)  # a NumPy string (a name from an array) as the plain str it equals

    def __str__(self) -> str:
        return "one of " + ", ".join(self.values)


@dataclass(frozen=True)
class Instance(Constraint):
    """An instance of a type (``Instance(type(None))`` accepts None)."""

    type: type | tuple[type, ...]
    name: str = ""

    def fits(self, value: Any) -> bool:
        return isinstance(value, self.type)

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.type is type(None):
            return "None"
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        return " or ".join(f"a {t.__name__}" for t in types)


@dataclass(frozen=True)
class Boolean(Constraint):
    """True or False (a Python or NumPy bool; not 0 or 1)."""

    def fits(self, value: Any) -> bool:
        return isinstance(value, bool | np.bool_)

    def convert(self, value: Any) -> Any:
        return bool(value)

    def __str__(self) -> str:
        return "True or False"


def check(value: Any, argument: str, *constraints: Constraint) -> Any:
    """Return ``value`` (converted: ints to int, numbers to float) if it fits a constraint.

    Raises
    ------
    TypeError
        The value is of no accepted kind.
    ValueError
        It is of an accepted kind, but out of range or not one of the names.
    """
    for c in constraints:
        if c.fits(value):
            return c.convert(value)
    expected = " or ".join(str(c) for c in constraints)
    hint = ""
    for c in constraints:
        if isinstance(c, Options):
            hint = did_you_mean(value, c.values)
    message = f"{argument}: expected {expected}, got {describe(value)}{hint}"
    if any(c.kind_fits(value) for c in constraints):
        raise ValueError(message)
    raise TypeError(message)


def validate(constraints: Mapping[str, Sequence[Constraint]], **values: Any) -> dict[str, Any]:
    """Check every argument of ``values`` against its row of ``constraints``.

    Returns the converted values in the order given.
    """
    return {name: check(value, name, *constraints[name]) for name, value in values.items()}


# --- numbers ---------------------------------------------------------------------------------


def positive_int(value: Any, argument: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int, checking it is an integer >= ``minimum`` (<= ``maximum``)."""
    return int(check(value, argument, Interval(int, minimum, maximum)))


#: What an input written as a nonzero number that float64 reads as 0 is told.
UNDERFLOW = "{!r} is smaller than float64 holds: it would be read as 0"


def underflows(text: Any, number: float) -> bool:
    """Whether ``text``, a number other than 0 as written (``1e-400``), was read as 0: the
    error then names what was typed, not the ``0.0`` it became. Shared by every reader of
    numbers as text (options, CSV files, the playground's uploads)."""
    if number != 0 or not isinstance(text, str):
        return False
    mantissa = text.strip().lower().partition("e")[0]
    return any(c in "123456789" for c in mantissa)


class Underflow(ValueError):
    """A number written nonzero that float64 reads as 0 (see :func:`read_float`)."""


def read_float(text: str) -> float:
    """``float(text)``, refusing (:class:`Underflow`, with :data:`UNDERFLOW`'s words) a
    nonzero number that float64 reads as 0: the ``parse_float`` of the TOML and JSON readers
    of specs and lessons (``lr = 1e-400`` was refused as "got 0.0", a value never typed)."""
    value = float(text)
    if underflows(text, value):
        raise Underflow(UNDERFLOW.format(text))
    return value


def index_range(n: int) -> str:
    """The indices of ``n`` things in words, for an error: Python's, negatives counting from
    the end (``"from -4 to 3"``). "expected a row below 4, got -5" was said of a -5 that is
    below 4."""
    return f"from {-n} to {n - 1}" if n > 0 else "none (there are none)"


def positive_float(value: Any, argument: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, checking it is finite and > 0 (or >= 0)."""
    closed: Literal["left", "neither"] = "left" if allow_zero else "neither"
    return float(check(value, argument, Interval(float, 0, None, closed=closed)))


# --- arrays ----------------------------------------------------------------------------------


def numeric_array(value: Any, argument: str) -> np.ndarray:
    """``value`` as a real numeric array, never silently converted.

    Masked arrays (whose mask NumPy would drop), complex numbers (whose imaginary part would
    be dropped), strings and objects are refused with a ``TypeError`` naming ``argument``.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{argument}: masked arrays are not supported (the mask would be ignored); "
            f"drop or fill the masked entries first, e.g. {argument}.filled(value)"
        )
    if isinstance(value, str | bytes | Mapping) or value is None:
        raise TypeError(f"{argument}: expected a numeric array, got {describe(value)}")
    if type(value) is not np.ndarray:
        # a subclass (np.matrix, a memmap...) as the plain array it holds: np.matrix keeps
        # every result 2-D and warns as NumPy builds one, deep inside a fit
        try:
            value = np.asarray(value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise TypeError(f"{argument}: expected a numeric array, got {describe(value)}") from exc
    if value.dtype.kind not in "biuf":
        what = "complex numbers" if value.dtype.kind == "c" else f"dtype {value.dtype}"
        raise TypeError(f"{argument}: expected a numeric array of real numbers, got {what}")
    return value


def finite_matrix(value: Any, argument: str, *, columns: int | None = None) -> np.ndarray:
    """Check that ``value`` is a non-empty 2-D numeric array with finite entries.

    Input is never reshaped: a 1-D array is an error, not a silent column.
    """
    value = numeric_array(value, argument)
    if value.ndim != 2:
        raise ValueError(
            f"{argument}: expected a 2-D array (n_samples, n_features), got shape {value.shape}"
        )
    if value.shape[0] == 0:
        raise ValueError(f"{argument}: expected at least one row (sample), got an empty array")
    if columns is not None and value.shape[1] != columns:
        raise ValueError(
            f"{argument}: expected {columns} columns for this network, got {value.shape[1]}"
        )
    check_finite(value, argument)
    return value


def check_finite(value: np.ndarray, argument: str) -> None:
    """Raise ``ValueError`` naming ``argument`` and the first row holding NaN or infinity."""
    # min and max carry any NaN or infinity, without a mask the size of the data
    if (
        value.dtype.kind == "f"
        and value.size
        and not (np.isfinite(value.min()) and np.isfinite(value.max()))
    ):
        bad = np.argwhere(~np.isfinite(value))[0]
        where = (
            f" at index {tuple(int(i) for i in bad)}" if value.ndim != 2 else f" in row {bad[0]}"
        )
        raise ValueError(f"{argument}: expected finite values, found NaN or infinity{where}")


# --- callables ------------------------------------------------------------------------------

_HOOKS = ("on_train_begin", "on_epoch_end", "on_train_end")


def check_callbacks(callbacks: Any, argument: str = "callbacks") -> list[Any]:
    """``callbacks`` as a list, checking it is a sequence of callback objects.

    A callback is anything with the three hooks of :class:`glassnet.training.Callback`
    (``on_train_begin``, ``on_epoch_end``, ``on_train_end``), so checking it needs no import
    of the training module. ``None`` is no callbacks, as in Keras and PyTorch Lightning.
    """
    if callbacks is None:
        return []
    if type(callbacks) not in (list, tuple) and (
        isinstance(callbacks, str | bytes | Mapping) or not isinstance(callbacks, Sequence)
    ):
        raise TypeError(
            f"{argument}: expected a list of Callback objects, got {describe(callbacks)}"
        )
    for i, cb in enumerate(callbacks):
        missing = [h for h in _HOOKS if not callable(getattr(cb, h, None))]
        if missing:
            raise TypeError(
                f"{argument}[{i}]: expected a Callback (with {', '.join(_HOOKS)}), got "
                f"{describe(cb)}, which lacks {', '.join(missing)}"
            )
    return list(callbacks)


# --- for training (fit calls these) ----------------------------------------------------------


def sample_weights(value: Any, n_rows: int, argument: str = "sample_weight") -> np.ndarray:
    """``value`` as float64 weights of shape ``(n_rows,)``: finite, >= 0 and not all zero.

    Strings, complex numbers and masked arrays are a ``TypeError`` (never cast).
    """
    w = numeric_array(value, argument)
    if w.shape != (n_rows,):
        raise ValueError(f"{argument}: expected shape ({n_rows},), one per sample, got {w.shape}")
    w = w.astype(np.float64)
    # the largest, not the sum: weights near float64's largest number are valid, their sum not
    if not np.isfinite(w).all() or (w < 0).any() or not w.max() > 0:
        raise ValueError(f"{argument}: expected finite weights >= 0, not all zero")
    return w


def mean_weight(w: np.ndarray) -> float:
    """The mean of finite weights, as ``w.mean()`` gives it where that is a normal number,
    else ``max|w| * mean(w / max|w|)``: weights near float64's largest number have a mean but
    no finite sum, and a mean among the subnormal numbers has lost its digits."""
    with np.errstate(over="ignore", under="ignore"):
        mean = float(w.mean())
    if _TINY <= abs(mean) < math.inf:
        return mean
    top = float(np.abs(w).max())
    return 0.0 if top == 0 else top * float((w / top).mean())


def mean_one(w: np.ndarray) -> np.ndarray:
    """Finite weights divided by their mean (a positive one): ``w / w.mean()`` as written where
    the mean is a normal number (bit for bit the weights of scikit-learn's weighted means),
    scaled by ``max|w|`` first where the sum overflows or the mean is subnormal."""
    with np.errstate(over="ignore", under="ignore"):
        mean = float(w.mean())
    if _TINY <= abs(mean) < math.inf:
        return w / mean
    w = w / np.abs(w).max()
    return w / w.mean()


_TINY = float(np.finfo(np.float64).tiny)


def per_member(value: Any, population: int, argument: str, *constraints: Constraint) -> np.ndarray:
    """One number per member (a population's ``lr=[...]``), each checked by ``constraints``.

    The length is checked before any element, so a huge sequence costs nothing; each element
    is named in its error (``lr[2]: expected a finite number > 0, got 'x' (str)``).
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(f"{argument}: expected one number per member, got {describe(value)}")
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise ValueError(f"{argument}: expected one number per member, got {describe(value)}")
    if len(value) != population:
        raise ValueError(
            f"{argument}: expected one value per member ({population}), got {len(value)}"
        )
    return np.array([check(v, f"{argument}[{i}]", *constraints) for i, v in enumerate(value)])
