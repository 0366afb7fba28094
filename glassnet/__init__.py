"""glassnet: a neural network you can see through.

The engine reads like the math: ``z = a W + b``, ``a = f(z)``, ``delta = dC/dz``,
``dC/dW = a^T delta``, ``W <- W - eta dC/dW``; every gradient is exact and checked, and one code
path trains one network or thousands at once.
"""

from importlib.metadata import PackageNotFoundError, version

from glassnet import (
    activations,
    compiled,  # registers the "jax" training backend (JAX itself is imported only to run)
    convergence,
    datasets,
    display,  # registers how a History, a Trace and a Network show themselves (no matplotlib)
    evolution,
    initializers,
    losses,
    metrics,
    optimizers,
)
from glassnet._validation import NonFiniteWarning
from glassnet.gradcheck import GradCheckResult, gradient_check
from glassnet.modelfile import load
from glassnet.network import Forward, Layer, Network
from glassnet.run import History, TrainConfig, TrainState
from glassnet.training import (
    Callback,
    Checkpoint,
    DivergenceWarning,
    EarlyStopping,
    StopOnConvergence,
    fit,
)

# Faces loaded on first use: ``glassnet.plots`` works as an attribute without ``import
# glassnet.plots``, and ``import glassnet`` still imports no matplotlib.
_LAZY_MODULES = ("plots", "report", "trace")


def __getattr__(name: str) -> object:
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"glassnet.{name}")
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY_MODULES])


try:
    __version__ = version("glassnet")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "Callback",
    "Checkpoint",
    "DivergenceWarning",
    "EarlyStopping",
    "Forward",
    "GradCheckResult",
    "History",
    "Layer",
    "Network",
    "NonFiniteWarning",
    "StopOnConvergence",
    "TrainConfig",
    "TrainState",
    "__version__",
    "activations",
    "compiled",
    "convergence",
    "datasets",
    "display",
    "evolution",
    "fit",
    "gradient_check",
    "initializers",
    "load",
    "losses",
    "metrics",
    "optimizers",
]
