"""Every setting of the paper experiment: the paper's constants, :class:`PaperConfig` and
:func:`make_config`, which builds and checks it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from glassnet._validation import (
    MAX_POPULATION,
    UNDERFLOW,
    Interval,
    Options,
    check,
    positive_int,
    underflows,
)
from glassnet.experiments.original import ACTIVATIONS
from glassnet.run import BACKEND_NAMES

#: the two activations the paper compares
ACTS = ACTIVATIONS
#: the depth section adds relu, the activation deep networks are trained with
DEPTH_ACTS = ("sigmoid", "tanh", "relu")


OUTPUT = {"sigmoid": "sigmoid", "tanh": "tanh01", "relu": "sigmoid"}


COLORS = {"sigmoid": "#1f77b4", "tanh": "#d62728", "relu": "#2ca02c"}


PAPER_LR = 0.5


PAPER_EPOCHS = 100


PAPER_SEED = 1


PAPER_WINDOW = 10


PAPER_SLOPE_TOL = 1e-4


def _log_grid(lo: float, hi: float, n: int) -> tuple[float, ...]:
    return tuple(float(f"{v:.4g}") for v in np.logspace(math.log10(lo), math.log10(hi), n))


#: The most learning rates a sweep may have (each one trains every sweep seed).
MAX_LR_GRID = 1000
DEFAULT_LR_GRID = _log_grid(0.01, 10.0, 13)


QUICK_LR_GRID = _log_grid(0.01, 10.0, 5)


Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PaperConfig:
    """Every setting of the experiment (all reported; equal settings give equal numbers).

    Attributes
    ----------
    seeds : int
        Seeds of the many-seed comparison (section 2); the other parts derive theirs from it.
    epochs : int
        Epochs of sections 2-5 (section 1 always runs the paper's 100).
    lr_grid : tuple of float
        Learning rates of the sweep (section 3) and of XOR (section 4).
    threshold : float
        Convergence threshold on the mean squared error (also the paper definition's tolerance).
    quick : bool
        Whether the small version was asked for.
    sweep_seeds, xor_seeds, digits_seeds, depth_seeds : int
        Seeds per learning rate (sweep, XOR), per setting (digits, depth).
    digits_epochs : int
    digits_lrs : tuple of float
    digits_hidden : int
    depths : tuple of int
        Numbers of hidden layers of the depth sweep.
    depth_width : int
    power_iters : int
        Power-iteration steps of the Hessian estimate.
    n_boot : int
        Bootstrap resamples of every median's confidence interval.
    backend : {"numpy", "jax"}
        The training engine of sections 1-5 (``fit(..., backend=)``); the Hessian estimate
        and the selection section always run on NumPy.
    evolution : bool
        Add the comparison of gradient descent with selection
        (:mod:`glassnet.experiments.evolution`, its own default or quick settings). Off by
        default: it takes longer, and its wall times differ from run to run.
    """

    seeds: int = 200
    epochs: int = 1000
    lr_grid: tuple[float, ...] = DEFAULT_LR_GRID
    threshold: float = 0.01
    quick: bool = False
    sweep_seeds: int = 50
    xor_seeds: int = 50
    digits_seeds: int = 4
    digits_epochs: int = 300
    digits_lrs: tuple[float, ...] = (0.3, 1.0, 3.0)
    digits_hidden: int = 8
    depths: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)
    depth_width: int = 4
    depth_seeds: int = 20
    power_iters: int = 40
    n_boot: int = 2000
    evolution: bool = False
    backend: str = "numpy"

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (``backend`` only when it is not the default NumPy, so a
        NumPy report's ``summary.json`` is the same as before the option existed)."""
        d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        if d["backend"] == "numpy":
            del d["backend"]
        return d


def parse_lr_grid(text: str | Sequence[float]) -> tuple[float, ...]:
    """Parse a learning-rate grid.

    Parameters
    ----------
    text : str or sequence of float
        ``"START:STOP:NUM"`` (NUM log-spaced values from START to STOP, e.g. ``"0.01:10:13"``)
        or a comma-separated list (``"0.1,0.5,2"``), or the numbers themselves.

    Returns
    -------
    tuple of float
        Sorted, without duplicates; every value finite and > 0.

    Raises
    ------
    ValueError
        On an empty grid, non-numbers, or values <= 0.
    """
    if isinstance(text, str):
        s = text.strip()
        if not s:
            raise ValueError("lr-grid: expected 'START:STOP:NUM' or a comma list, got ''")
        try:
            if ":" in s:
                parts = s.split(":")
                if len(parts) != 3:
                    raise ValueError
                lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
                _typed(parts[:2], [lo, hi])
                if n < 1 or not (lo > 0 and hi > 0 and math.isfinite(lo) and math.isfinite(hi)):
                    raise ValueError
                if n > MAX_LR_GRID:  # checked before the grid is made
                    raise OverflowError
                values = [lo] if n == 1 else list(_log_grid(lo, hi, n))
            else:
                items = s.split(",")
                values = [float(p) for p in items]  # "3,,2": a typo, refused
                _typed(items, values)
        except _Underflow as exc:
            raise ValueError(f"lr-grid: {UNDERFLOW.format(str(exc))}") from None
        except OverflowError:
            raise ValueError(
                f"lr-grid: expected at most {MAX_LR_GRID} learning rates "
                f"(glassnet.experiments.paper.settings.MAX_LR_GRID), got NUM {parts[2]}"
            ) from None
        except ValueError:
            raise ValueError(
                f"lr-grid: expected 'START:STOP:NUM' with START, STOP > 0 and NUM >= 1, or a "
                f"comma list of positive numbers, got {text!r}"
            ) from None
    else:
        try:
            values = [float(v) for v in text]
        except (TypeError, ValueError):
            raise ValueError(f"lr-grid: expected numbers, got {text!r}") from None
    if not values:
        raise ValueError(f"lr-grid: expected at least one learning rate, got {text!r}")
    if len(values) > MAX_LR_GRID:
        raise ValueError(
            f"lr-grid: expected at most {MAX_LR_GRID} learning rates, got {len(values)}"
        )
    for v in values:
        check(v, "lr-grid", _LR)
    return tuple(sorted(set(values)))


class _Underflow(Exception):
    """A rate written nonzero that float64 reads as 0 (its text is the argument)."""


def _typed(texts: Sequence[str], values: Sequence[float]) -> None:
    """Refuse a rate written nonzero and read as 0 (``1e-400``): "got 0.0" named a value the
    user never typed."""
    for text, value in zip(texts, values, strict=True):
        if underflows(text, value):
            raise _Underflow(text.strip())


_LR = Interval(float, 0, None, closed="neither")
_BACKENDS = Options(BACKEND_NAMES)


def make_config(
    seeds: int | None = None,
    epochs: int | None = None,
    lr_grid: str | Sequence[float] | None = None,
    threshold: float | None = None,
    quick: bool = False,
    evolution: bool = False,
    backend: str = "numpy",
) -> PaperConfig:
    """Build and validate the settings; ``quick`` shrinks the defaults (never section 1).

    Parameters
    ----------
    seeds : int, optional
        Seeds of the many-seed part (default 200; quick 30). Must be >= 2.
    epochs : int, optional
        Epochs of sections 2-5 (default 1000; quick 300). Must be >= 10 (the paper definition's
        window).
    lr_grid : str or sequence of float, optional
        See :func:`parse_lr_grid` (default 13 values from 0.01 to 10; quick 5).
    threshold : float, optional
        Convergence threshold on the mean squared error, in (0, 1) (default 0.01).
    quick : bool
    evolution : bool
        Add the gradient-descent-against-selection section.
    backend : {"numpy", "jax"}
        The training engine (see :class:`PaperConfig`).

    Returns
    -------
    PaperConfig
    """
    base = PaperConfig()
    if quick:
        base = replace(
            base,
            seeds=30,
            epochs=300,
            lr_grid=QUICK_LR_GRID,
            quick=True,
            digits_seeds=1,
            digits_epochs=30,
            digits_lrs=(1.0,),
            depths=(1, 2, 4, 8),
            depth_seeds=3,
            power_iters=15,
            n_boot=500,
        )
    n_seeds = (
        base.seeds
        if seeds is None
        else positive_int(seeds, "seeds", minimum=2, maximum=MAX_POPULATION)
    )
    n_epochs = (
        base.epochs if epochs is None else positive_int(epochs, "epochs", minimum=PAPER_WINDOW)
    )
    grid = base.lr_grid if lr_grid is None else parse_lr_grid(lr_grid)
    thr = base.threshold
    if threshold is not None:
        thr = float(check(threshold, "threshold", Interval(float, 0, 1, closed="neither")))
    small = max(2, min(base.sweep_seeds, n_seeds // 4)) if not quick else max(2, n_seeds // 6)
    return replace(
        base,
        seeds=n_seeds,
        epochs=n_epochs,
        lr_grid=grid,
        threshold=thr,
        sweep_seeds=small,
        xor_seeds=small,
        depth_seeds=base.depth_seeds if quick else max(2, min(20, n_seeds // 10)),
        digits_seeds=base.digits_seeds if quick else max(1, min(10, n_seeds // 20)),
        digits_epochs=min(base.digits_epochs, n_epochs),
        evolution=bool(evolution),
        backend=_backend(backend),
    )


def _backend(value: Any) -> str:
    return str(check(value, "backend", _BACKENDS))
