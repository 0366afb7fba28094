import os
import signal

import numpy as np
import pytest

# XLA's LLVM optimizations off while testing: the suite compiles many small programs, and
# compiling them is most of the JAX tests' time (a third of it goes at level 0); the programs
# compute the same numbers (test_compiled.py's
# test_the_default_optimization_computes_what_the_tests_saw checks that in a process of its
# own at XLA's default level). Set here, at import, before any test module imports JAX, so the
# processes the tests start inherit it; an XLA_FLAGS set by the caller is kept
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")


@pytest.fixture(autouse=True, scope="session")
def _program_cache(tmp_path_factory):
    # compiled programs go to a directory of this session, not the user's cache (the CLI's
    # subprocesses inherit it); a GLASSNET_JAX_CACHE set by the caller is kept
    if "GLASSNET_JAX_CACHE" not in os.environ:
        os.environ["GLASSNET_JAX_CACHE"] = str(tmp_path_factory.mktemp("jax-programs"))
    yield


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_reaches_the_commands_under_test():
    # a shell starts a background job with SIGINT ignored, and an ignored signal stays ignored
    # in every process started from it: the command lines these tests interrupt with Ctrl-C
    # (study run, train, the playground) would never see it. Ctrl-C is restored to Python's
    # own handler here, as a terminal gives it, and children start with the default again
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


@pytest.fixture(autouse=True)
def _registries_restored():
    # a test that registers its own activation, loss, initializer or optimizer leaves the
    # registries as it found them: the lists of names in other tests' messages stay the library's
    from glassnet import activations, initializers, losses, optimizers

    registries = (
        activations.REGISTRY, losses.REGISTRY, initializers.REGISTRY, optimizers.REGISTRY,
        optimizers.DEFAULT_LR,
    )  # fmt: skip
    saved = [(r, dict(r)) for r in registries]
    yield
    for registry, before in saved:
        registry.clear()
        registry.update(before)


@pytest.fixture
def paper_data():
    X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    return X, y


@pytest.fixture
def prices(tmp_path):
    """Prices in dollars, linear in two inputs: raw, a loss of 1e10 at the first epoch."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 2))
    y = 200_000 + 1000 * (X @ [3.0, 1.0]) + 50 * rng.normal(size=80)
    csv = tmp_path / "prices.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="a,b,price", comments="")
    return csv, X, y
