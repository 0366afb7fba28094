"""The compiled backend against the NumPy loop: the same numbers from the same math.

The reference here is the NumPy engine, whose own tests check it against hand computations,
finite differences and scikit-learn; these tests check that the compiled program (a different
executor: XLA's fused kernels, its own reductions) reproduces it to 1e-9 relative in float64.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import compiled

jax = pytest.importorskip("jax")

PAPER_X, PAPER_Y = gn.datasets.load("paper")


def _data(n: int = 13, n_in: int = 3, n_out: int = 1, kind: str = "unit", seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    if kind == "classes":
        return X, rng.integers(0, n_out, size=n)
    if kind == "real":
        return X, rng.normal(size=(n, n_out))
    return X, rng.uniform(0.05, 0.95, size=(n, n_out))


def _both(net_kw: dict, X, y, **fit_kw):
    """Train two identical networks, one per backend; return both networks and Histories."""
    a, b = gn.Network(**net_kw), gn.Network(**net_kw)
    ha = a.fit(X, y, **fit_kw)
    hb = b.fit(X, y, backend="jax", **fit_kw)
    return a, b, ha, hb


def _assert_same(a, b, ha, hb, rtol=1e-9):
    assert hb.epochs_run == ha.epochs_run
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=rtol, atol=1e-300)
    for name in ("val_loss", "val_accuracy"):
        va, vb = getattr(ha, name), getattr(hb, name)
        assert (va is None) == (vb is None)
        if va is not None:
            np.testing.assert_allclose(vb, va, rtol=rtol, atol=1e-12)
    np.testing.assert_array_equal(hb.diverged, ha.diverged)
    np.testing.assert_array_equal(hb.diverged_epoch, ha.diverged_epoch)
    np.testing.assert_array_equal(hb.stats_epochs, ha.stats_epochs)
    for k, v in ha.layer_stats.items():
        np.testing.assert_allclose(hb.layer_stats[k], v, rtol=1e-7, atol=1e-12, err_msg=k)
    for la, lb in zip(a.params, b.params, strict=True):
        for k in la:
            np.testing.assert_allclose(lb[k], la[k], rtol=1e-8, atol=1e-12)


def test_paper_network_1000_epochs_single_and_population():
    # the reference case: the paper's 3-2-1 sigmoid network, full batch, 1000 epochs
    for seed in (1, [1, 2, 3, 4]):
        lr = 0.5 if seed == 1 else [0.1, 0.5, 2.0, 5.0]
        _assert_same(
            *_both(
                {"sizes": [3, 2, 1], "seed": seed, "bias": "layer"},
                PAPER_X,
                PAPER_Y,
                loss="sse",
                lr=lr,
                epochs=1000,
            )
        )


# Every activation, loss, optimizer, bias mode, single/population and full/mini-batch appears
# in at least one case (a covering design: each case compiles a program, about a second).
CASES = [
    # hidden, output, loss, optimizer, bias, population, batch, extra fit arguments
    ("sigmoid", "sigmoid", "bce", "gd", "neuron", None, None, {}),
    ("tanh", "sigmoid", "mse", "momentum", "layer", 3, 5, {"l2": 0.01}),
    ("tanh01", "identity", "sse", "nesterov", "none", None, 4, {"schedule": "cosine"}),
    ("relu", "softmax", "cross_entropy", "adam", "neuron", 2, 6, {"validation": True}),
    ("leaky_relu", "identity", "mae", "rmsprop", "neuron", None, None, {"weights": True}),
    ("elu", "identity", "huber", "adamw", "layer", 3, None, {"schedule": "step"}),
    ("softplus", "tanh01", "bce", "gd", "neuron", 2, 4, {"schedule": "exponential"}),
    ("gelu", "sigmoid", "mse", "adam", "none", None, 5, {"weights": True, "l2": 0.1}),
    ("silu", "softmax", "mse", "momentum", "neuron", None, None, {"validation": True}),
    ("identity", "identity", "sse", "rmsprop", "neuron", 2, 3, {"shuffle": False}),
    ("relu", "sigmoid", "bce", "nesterov", "layer", 2, None, {"validation": True}),
]


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "opt", "bias", "pop", "batch", "extra"), CASES
)
def test_compiled_equals_numpy(hidden, output, loss, opt, bias, pop, batch, extra):
    n_out = 3 if output == "softmax" else 1
    kind = "classes" if output == "softmax" else ("real" if output == "identity" else "unit")
    X, y = _data(n_out=n_out, kind=kind)
    net_kw = {
        "sizes": [3, 4, n_out],
        "activation": hidden,
        "output": output,
        "bias": bias,
        "seed": 3 if pop is None else list(range(3, 3 + pop)),
    }
    fit_kw = {"loss": loss, "optimizer": opt, "epochs": 40, "batch_size": batch, "stats_every": 7}
    if opt in ("gd", "momentum", "nesterov"):
        fit_kw["lr"] = 0.05 if pop is None else list(np.linspace(0.02, 0.1, pop))
    if extra.get("validation"):
        fit_kw["validation"] = _data(n=7, n_out=n_out, kind=kind, seed=1)
    if extra.get("weights"):
        fit_kw["sample_weight"] = np.random.default_rng(2).uniform(0.5, 2, size=len(X))
    for k in ("l2", "schedule", "shuffle"):
        if k in extra:
            fit_kw[k] = extra[k]
    _assert_same(*_both(net_kw, X, y, **fit_kw))


def test_divergence_freezes_members_and_stops_a_single_network():
    X, y = PAPER_X, PAPER_Y
    # member 1 runs away at once, member 2 later, member 0 never
    a, b, ha, hb = _both(
        {"sizes": [3, 2, 1], "seed": [0, 1, 2], "output": "identity"},
        X,
        y,
        loss="mse",
        lr=[0.5, 1e300, 3.0],
        epochs=60,
    )
    assert ha.diverged.tolist() == [False, True, True]
    _assert_same(a, b, ha, hb)
    with pytest.warns(gn.DivergenceWarning):
        ha = gn.Network([3, 2, 1], seed=0, output="identity").fit(X, y, lr=3.0, epochs=60)
    with pytest.warns(gn.DivergenceWarning):
        hb = gn.Network([3, 2, 1], seed=0, output="identity").fit(
            X, y, lr=3.0, epochs=60, backend="jax"
        )
    assert hb.stopped_by == ha.stopped_by == "diverged"
    assert hb.epochs_run == ha.epochs_run == ha.diverged_epoch + 1
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-9)


def test_resume_continues_exactly():
    X, y = _data(n=10)
    kw = {"loss": "mse", "optimizer": "adam", "lr": 0.05, "batch_size": 3, "backend": "jax"}
    one = gn.Network([3, 4, 1], seed=5)
    whole = one.fit(X, y, epochs=30, **kw)
    two = gn.Network([3, 4, 1], seed=5)
    first = two.fit(X, y, epochs=12, **kw)
    second = two.fit(X, y, epochs=18, resume=first, **kw)
    np.testing.assert_allclose(np.r_[first.loss, second.loss], whole.loss, rtol=1e-12)
    np.testing.assert_allclose(two.params[0]["W"], one.params[0]["W"], rtol=1e-12)


def test_early_stopping_runs_between_chunks_like_numpy():
    # random targets: the validation loss soon rises and patience runs out
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.uniform(0.05, 0.95, size=(12, 1))
    Xv, yv = rng.normal(size=(6, 3)), rng.uniform(0.05, 0.95, size=(6, 1))
    runs = []
    for backend in ("numpy", "jax"):
        net = gn.Network([3, 8, 1], seed=2)
        stop = gn.EarlyStopping(patience=3)
        h = net.fit(
            X, y, lr=0.5, epochs=200, validation=(Xv, yv), callbacks=[stop], backend=backend
        )
        runs.append((net, h))
    (a, ha), (b, hb) = runs
    assert ha.stopped_by == "EarlyStopping" and ha.epochs_run < 200
    _assert_same(a, b, ha, hb)


def test_float32_within_float32_tolerance():
    X, y = _data(n=20)
    _a, b, ha, hb = _both(
        {"sizes": [3, 6, 1], "seed": [0, 1], "dtype": "float32", "activation": "tanh"},
        X,
        y,
        loss="bce",
        lr=0.5,
        epochs=200,
        batch_size=7,
    )
    assert hb.loss.dtype == ha.loss.dtype
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-4)
    assert b.params[0]["W"].dtype == np.float32


def test_programs_are_cached_and_x64_stays_local():
    before = jax.config.read("jax_enable_x64")
    X, y = _data(n=9)
    kw = {"loss": "mse", "lr": 0.3, "epochs": 25, "backend": "jax"}
    h1 = gn.Network([3, 3, 1], seed=0).fit(X, y, **kw)
    # other learning rate, other data values, other seed: the same program
    h2 = gn.Network([3, 3, 1], seed=9).fit(X * 2, y, **{**kw, "lr": 0.7})
    assert h1.compile_seconds > 0 and h2.compile_seconds == 0
    assert h2.run_seconds > 0
    assert jax.config.read("jax_enable_x64") == before


def test_missing_jax_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(compiled, "available", lambda: False)
    with pytest.raises(ValueError, match=r"backend: .*pip install 'glassnet\[jax\]'"):
        gn.Network([3, 2, 1]).fit(PAPER_X, PAPER_Y, backend="jax")
    with pytest.raises(ValueError, match="backend: expected one of numpy, jax, got 'torch'"):
        gn.Network([3, 2, 1]).fit(PAPER_X, PAPER_Y, backend="torch")


def test_the_numpy_engine_never_imports_jax():
    code = (
        "import sys, glassnet as gn\n"
        "X, y = gn.datasets.load('paper')\n"
        "gn.Network([3, 2, 1], seed=[0, 1]).fit(X, y, optimizer='adam', epochs=5)\n"
        "assert 'jax' not in sys.modules, 'jax imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_info_lists_the_backends_and_devices(monkeypatch):
    from click.testing import CliRunner

    from glassnet.cli import cli

    out = CliRunner().invoke(cli, ["info"]).output
    assert f"glassnet {gn.__version__}" in out
    assert f"jax    available: JAX {jax.__version__}, default device {jax.default_backend()}" in out
    assert f"device {jax.devices()[0]}" in out
    monkeypatch.setattr(compiled, "available", lambda: False)
    out = CliRunner().invoke(cli, ["info"]).output
    assert "jax    not available: JAX is not installed (pip install 'glassnet[jax]')" in out


@pytest.mark.skipif(
    jax.default_backend() != "gpu", reason="no GPU here: JAX's default device is the CPU"
)
def test_a_population_on_the_gpu_matches_the_numpy_loop():
    # runs unchanged where JAX's CUDA build sees a GPU
    assert jax.default_backend() == "gpu"
    a, b, ha, hb = _both(
        {"sizes": [3, 2, 1], "seed": list(range(64))}, PAPER_X, PAPER_Y, lr=0.5, epochs=300
    )
    _assert_same(a, b, ha, hb)


def test_evolution_evaluates_members_with_the_compiled_program():
    X, y = gn.datasets.load("xor")
    runs = []
    for backend in ("numpy", "jax"):
        net = gn.Network([2, 3, 1], activation="tanh", seed=list(range(20)))
        h = gn.evolution.fit_evolution(net, X, y, generations=30, seed=0, backend=backend)
        runs.append((net, h))
    (a, ha), (b, hb) = runs
    # selection is a sort of the losses: equal losses to 1e-12 pick the same members
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-12)
    np.testing.assert_allclose(hb.median_loss, ha.median_loss, rtol=1e-12)
    np.testing.assert_allclose(b.params[0]["W"], a.params[0]["W"], rtol=1e-12)
