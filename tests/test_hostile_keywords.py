"""A misspelt keyword argument anywhere in the public API gets the did-you-mean the rest of
glassnet gives (issue 26): ``Network([2, 1], activaton="tanh")`` names the function, the
keyword, every keyword it takes and the near miss, instead of Python's bare ``TypeError``.

The public API is walked, not listed: every class and function of the modules in the API
reference (and their public methods), so a new function without the check fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import glassnet as gn
from glassnet import _validation as v

# The modules of the API reference (docs/reference/api), walked with their submodules.
PUBLIC = (
    "glassnet",
    "glassnet.network",
    "glassnet.activations",
    "glassnet.losses",
    "glassnet.initializers",
    "glassnet.optimizers",
    "glassnet.training",
    "glassnet.convergence",
    "glassnet.gradcheck",
    "glassnet.trace",
    "glassnet.datasets",
    "glassnet.modelfile",
    "glassnet.metrics",
    "glassnet.evolution",
    "glassnet.grids",
    "glassnet.plots",
    "glassnet.display",
    "glassnet.tables",
    "glassnet.report",
    "glassnet.stats",
    "glassnet.study",
)
# Owned elsewhere: the run's keywords are checked by its TrainConfig (fit, plan, the run,
# Network.fit and trace pass theirs to it; training's callbacks are walked here); the
# estimators follow scikit-learn's get_params/set_params protocol; the compiled backend is
# reached through fit(backend=...).
ELSEWHERE = (
    "glassnet.run",
    "glassnet.compiled",
    "glassnet.sklearn",
    "glassnet.playground",
)
FIT_LIKE = {"Network.fit", "Network.trace", "trace", "fit"}
# A callback's hooks are the engine's protocol: it calls them positionally, every epoch
HOOKS = ("on_train_begin", "on_epoch_end", "on_train_end")
# The functional core the training step calls every epoch, positionally: a wrapper there cost
# 3-5% of a tiny network's epoch (30.6 against 29.2 us for the paper's network, 73.0 against
# 70.7 us for a population of 100 with kernel="broadcast", best of 6, interleaved), so these
# keep Python's own error for a misspelt keyword.
HOT_PATH = {
    "Network.apply", "Network.cost", "Network.backprop", "Network.fused_loss",
    "Activation.backprop", "broadcast_matmul",
    "parse_number",  # once per field of a CSV file
}  # fmt: skip


def _modules():
    out = []
    for name in PUBLIC:
        mod = importlib.import_module(name)
        out.append(mod)
        if hasattr(mod, "__path__") and name != "glassnet":
            for info in pkgutil.walk_packages(mod.__path__, name + "."):
                if not any(p.startswith("_") for p in info.name.split(".")):
                    out.append(importlib.import_module(info.name))
    return out


def _public_callables():
    """(label, callable) for every public class, function and method of :data:`PUBLIC`."""
    seen: dict[str, object] = {}
    for mod in _modules():
        listed = getattr(mod, "__all__", None)
        for n in listed or [n for n in vars(mod) if not n.startswith("_")]:
            obj = getattr(mod, n, None)
            home = getattr(obj, "__module__", None) or ""
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if listed is None and home != mod.__name__:  # imported, not its own
                continue
            if not home.startswith("glassnet") or home.startswith(ELSEWHERE):
                continue
            items = [(obj.__qualname__, obj)]
            if inspect.isclass(obj):
                for an, a in vars(obj).items():
                    if an.startswith("_"):
                        continue
                    if isinstance(a, staticmethod | classmethod):
                        a = getattr(obj, an)
                    if inspect.isfunction(a) or inspect.ismethod(a):
                        items.append((f"{obj.__qualname__}.{an}", a))
            for label, f in items:
                seen.setdefault(f"{home}:{label}", f)
    return seen


def _keywords(f):
    target = f.__init__ if inspect.isclass(f) else f
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return None, False
    names = [p.name for p in params
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"]  # fmt: skip
    return names, any(p.kind is p.VAR_KEYWORD for p in params)


CALLABLES = _public_callables()


def test_the_walk_sees_the_public_api():
    labels = {k.split(":")[1] for k in CALLABLES}
    assert {"Network", "Network.loss", "gradient_check", "load", "decision_boundary"} <= labels
    assert {"median_ci", "threshold_epoch", "fit_evolution", "Study.results"} <= labels
    assert len(CALLABLES) > 150


@pytest.mark.parametrize("key", sorted(CALLABLES))
def test_a_misspelt_keyword_names_the_function_and_the_near_miss(key):
    f = CALLABLES[key]
    label = key.split(":")[1]
    names, var = _keywords(f)
    if not names or var or label in FIT_LIKE or label in HOT_PATH or label.endswith(HOOKS):
        pytest.skip("takes no keyword, passes **kwargs on (tested below), or is the hot path")
    name = names[0]
    typo = name + name[-1]  # one letter too many: always a near miss
    with pytest.raises(TypeError) as err:
        f(**{typo: 0})
    message = str(err.value)
    assert message.startswith(
        f"{label.removesuffix('.__init__')}: unexpected keyword argument {typo!r}; expected one of "
    )
    assert f" {name}" in message and "(did you mean " in message


# functions that take **kwargs check them against what they pass them to
@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: gn.datasets.load("moons", nosie=0.1),
         ["load('moons'): unexpected keyword argument 'nosie'", "noise, seed", "did you mean 'noise'"]),
        (lambda: gn.datasets.load("xor", noise=0.1),
         ["load('xor'): unexpected keyword argument 'noise'", "expected one of dtype, return_info"]),
    ],
)  # fmt: skip
def test_kwargs_passed_on_are_checked_against_their_target(call, words):
    with pytest.raises(TypeError) as err:
        call()
    for w in words:
        assert w in str(err.value)


def test_known_keywords_wraps_classes_and_functions_keeping_their_signature():
    @v.known_keywords
    def f(a, b=1, *, c=2):
        return a + b + c

    @v.known_keywords
    class A:
        def __init__(self, size, activation="x"):
            self.size = size

    assert f(1, c=3) == 5 and A(size=4).size == 4
    assert str(inspect.signature(f)) == "(a, b=1, *, c=2)"
    with pytest.raises(TypeError, match=r"^A: unexpected keyword argument 'activaton'; "
                       r"expected one of size, activation \(did you mean 'activation'\?\)$"):  # fmt: skip
        A(2, activaton="tanh")
    with pytest.raises(TypeError, match="takes \\*\\*kwargs"):
        v.known_keywords(lambda **kw: kw)


def test_networks_misspelt_keyword_is_caught_before_anything_is_built():
    with pytest.raises(TypeError) as err:
        gn.Network([2, 1], activaton="tanh")
    assert str(err.value) == (
        "Network: unexpected keyword argument 'activaton'; expected one of sizes, activation, "
        "output, bias, init, seed, dtype, kernel (did you mean 'activation'?)"
    )
    net = gn.Network([2, 1])
    with pytest.raises(TypeError, match=r"Network.loss: .* 'los'.*did you mean 'loss'"):
        net.loss(np.zeros((1, 2)), np.zeros((1, 1)), los="mse")


def test_an_optimizers_misspelt_option_gets_the_near_miss():
    # optimizer_options is a dict argument of fit: a wrong key is a ValueError, as for any
    # other dict argument, with the same suggestion
    with pytest.raises(ValueError) as err:
        gn.optimizers.get("adam", 0.1, beta11=0.9)
    assert str(err.value) == (
        "optimizer_options: adam has no option 'beta11'; expected beta1, beta2, eps "
        "(did you mean 'beta1'?)"
    )


def test_stop_on_convergence_refuses_a_misspelt_paper_option_before_training():
    import glassnet as gn

    with pytest.raises(TypeError) as err:
        gn.StopOnConvergence(paper=True, slope_tl=1e-4)
    assert str(err.value).startswith(
        "StopOnConvergence: unexpected keyword argument 'slope_tl'; expected one of threshold, "
        "paper, tol, slope_tol"
    )
    assert "(did you mean 'slope_tol'?)" in str(err.value)
    gn.StopOnConvergence(paper=True, slope_tol=1e-4, tol=1e-3)  # its real options pass
