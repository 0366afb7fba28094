"""The compiled backend against the NumPy loop: the same numbers from the same math.

The reference here is the NumPy engine, whose own tests check it against hand computations,
finite differences and scikit-learn; these tests check that the compiled program (a different
executor: XLA's fused kernels, its own reductions), in each of its layouts and with its data
padded to shared lengths, reproduces it to 1e-9 relative in float64. The program caches (in
memory and on disk) are checked by counting the programs built.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import compiled
from glassnet._xp import Lanes, lanes_namespace

jax = pytest.importorskip("jax")


@pytest.fixture
def builds(monkeypatch):
    """Counts the programs traced and compiled (not found in memory or on disk)."""
    count = {"n": 0}
    real = compiled._program

    def counting(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(compiled, "_program", counting)
    return count


@pytest.fixture
def disk(tmp_path):
    """A fresh disk cache of this test's own, the memory cache emptied before and after."""
    compiled.clear_cache(disk=False)
    with compiled.configure(cache_dir=tmp_path / "programs"):
        yield tmp_path / "programs"
    compiled.clear_cache(disk=False)


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


# every population case runs in both layouts of the compiled program
LAID_OUT = [
    pytest.param(*case, layout, id=f"{case[0]}-{case[2]}-{case[3]}-{layout}")
    for case in CASES
    for layout in (["auto"] if case[5] is None else ["members", "lanes"])
]


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "opt", "bias", "pop", "batch", "extra", "layout"), LAID_OUT
)
def test_compiled_equals_numpy(hidden, output, loss, opt, bias, pop, batch, extra, layout):
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
    with compiled.configure(layout=layout):
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


@pytest.mark.parametrize("layout", ["members", "lanes"])
def test_float32_within_float32_tolerance(layout):
    X, y = _data(n=20)
    with compiled.configure(layout=layout):
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
    with pytest.raises(ValueError, match=r"backend: 'jax' needs JAX, which is not installed; "):
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
    # the install command that works from here (a clone: pip install -e '<clone>[jax]')
    from glassnet._extras import install_hint

    assert f"jax    not available: JAX is not installed ({install_hint('jax')})" in out
    assert "pip install -e '" in out


def test_info_shows_where_the_program_cache_is_and_its_size(disk, tmp_path):
    from click.testing import CliRunner

    from glassnet.cli import cli

    out = CliRunner().invoke(cli, ["info"]).output
    assert f"program cache: {disk} (0 programs, 0.0 MiB; set by glassnet.compiled.configure)" in out
    disk.mkdir()
    (disk / "a.gnjx").write_bytes(b"x" * 3 * 2**20)  # 3 MiB in one entry
    out = CliRunner().invoke(cli, ["info"]).output
    assert f"program cache: {disk} (1 program, 3.0 MiB;" in out
    report = json.loads(CliRunner().invoke(cli, ["info", "--json"]).output)
    assert report["backends"]["jax"]["cache"] == {
        "enabled": True,
        "dir": str(disk),
        "entries": 1,
        "bytes": 3 * 2**20,
        "set_by": "configure",
    }
    with compiled.configure(cache_dir=False):
        out = CliRunner().invoke(cli, ["info"]).output
    assert "program cache: off (set by glassnet.compiled.configure)" in out


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


# --- members on the vector lanes ---------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    P=st.integers(1, 5),
    n=st.integers(1, 4),
    k=st.sampled_from([1, 3, 8, 9, 12]),  # both sides of the written-out products (UNROLL)
    j=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_lanes_computes_what_numpy_computes_members_first(P, n, k, j, seed):
    # the reference: NumPy on the members-first arrays; Lanes stores them members-last
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(P, n, k)), rng.normal(size=(P, k, j))
    X, b = rng.normal(size=(n, k)), rng.normal(size=(1, j))
    La, Lb = Lanes.wrap(A), Lanes.wrap(B)
    assert La.shape == A.shape and La.data.shape == (n, k, P)
    xp = lanes_namespace()

    def same(got, want):
        got = got.unwrap() if isinstance(got, Lanes) else got
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    same(La @ Lb, A @ B)
    same(X @ Lb, X @ B)  # a shared left factor, as the input X
    same(La.mT @ Lanes.wrap(A @ B), A.mT @ (A @ B))
    same(La @ Lb + b, A @ B + b)  # a plain bias broadcasts over the members
    same((La @ Lb).max(axis=-1, keepdims=True), (A @ B).max(axis=-1, keepdims=True))
    same(La.sum(axis=(-2, -1)), A.sum(axis=(-2, -1)))
    same(La.mean(axis=-2), A.mean(axis=-2))
    same(La.sum(axis=0), A.sum(axis=0))  # over the members: a plain array
    same(La.sum(axis=0, keepdims=True), A.sum(axis=0, keepdims=True))
    same((La > 0).all(axis=-2), (A > 0).all(axis=-2))
    same(La.argmax(axis=-1), A.argmax(axis=-1))
    same(La[..., None, :], A[..., None, :])
    same(La[..., 0], A[..., 0])
    same(La[:, None, None], A[:, None, None])
    same(La.reshape(P, n * k), A.reshape(P, n * k))
    same((La > 0).all(axis=(-2, -1)).reshape((P, 1, 1)), (A > 0).all(axis=(-2, -1))[:, None, None])
    same(xp.where(La > 0, La, 0.5 * La), np.where(A > 0, A, 0.5 * A))
    same(xp.clip(La, -0.5, 0.5), np.clip(A, -0.5, 0.5))
    same(xp.expit(La) * (1 - xp.expit(La)), 1 / (1 + np.exp(-A)) * (1 - 1 / (1 + np.exp(-A))))
    same(xp.logaddexp(0, La), np.logaddexp(0, A))
    same(xp.einsum("...nj->...j", La), A.sum(axis=-2))
    same(xp.einsum("...nj->...", La), A.sum(axis=(-2, -1)))
    same(xp.sum_squares(La), (A * A).sum(axis=(-2, -1)))
    same(xp.asarray([La.sum(axis=(-2, -1)), La.max(axis=(-2, -1))]).T,
         np.stack([A.sum(axis=(-2, -1)), A.max(axis=(-2, -1))], axis=-1))  # fmt: skip
    same(2.0 - La / (1 + abs(La)) ** 2, 2.0 - A / (1 + np.abs(A)) ** 2)
    lr = rng.uniform(0.1, 1, size=(P, 1, 1))  # per-member rates
    same(La - Lanes.wrap(lr) * La, A - lr * A)


def test_lanes_refuses_what_would_be_ambiguous():
    La = Lanes.wrap(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="ambiguous"):
        La + np.ones((4, 2, 3))  # a plain array with a member axis of its own?
    with pytest.raises(IndexError, match="member axis first"):
        La[0]
    with pytest.raises(TypeError, match="ambiguous"):
        bool(La > 0)


def test_auto_layout_takes_the_lanes_for_small_populations_only():
    small = gn.Network([3, 2, 1], seed=list(range(64)))
    wide = gn.Network([3, 32, 1], seed=list(range(64)))
    few = gn.Network([3, 2, 1], seed=[0, 1, 2])
    assert compiled._layout(small) == "lanes"
    assert compiled._layout(wide) == compiled._layout(few) == "members"
    assert compiled._layout(gn.Network([3, 2, 1])) == "single"
    with compiled.configure(layout="lanes"):
        assert compiled._layout(wide) == "lanes"
    with pytest.raises(ValueError, match="layout: expected one of"):
        compiled.configure(layout="vmap")


def test_a_population_on_the_lanes_equals_numpy_mini_batch_per_member_orders():
    # every member shuffles with its own generator: per-member batches on the lanes
    X, y = _data(n=23, n_out=3, kind="classes")
    with compiled.configure(layout="lanes"):
        _assert_same(
            *_both(
                {"sizes": [3, 5, 3], "activation": "relu", "output": "softmax",
                 "seed": list(range(9))},
                X,
                y,
                loss="cross_entropy",
                optimizer="adam",
                lr=0.05,
                epochs=30,
                batch_size=8,
                stats_every=4,
                validation=_data(n=11, n_out=3, kind="classes", seed=4),
            )
        )  # fmt: skip


# --- one program for many data lengths -------------------------------------------------------


@pytest.mark.parametrize("batch", [None, 6])
def test_folds_of_different_lengths_share_one_program(builds, batch):
    # 5-fold lengths differ by a sample or two; learning rates and schedules differ too: one
    # program, and every fold still equals the NumPy loop (statistics of padded data included)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    compiled.clear_cache(disk=False)
    with compiled.configure(cache_dir=False):
        for n, nv, lr in ((50, 17, 0.05), (53, 19, 0.02), (51, 18, 0.1)):
            kw = {
                "sizes": [4, 6, 3],
                "activation": "relu",
                "output": "softmax",
                "seed": n,
                "bias": "neuron",
            }
            a, b, ha, hb = _both(
                kw,
                X[:n],
                y[:n],
                loss="cross_entropy",
                optimizer="momentum",
                lr=lr,
                epochs=12,
                batch_size=batch,
                stats_every=3,
                schedule=lambda t: 1 / (1 + 0.01 * t),  # a new callable each fit
                validation=(X[n : n + nv] if n + nv <= 60 else X[-nv:], y[-nv:]),
            )
            _assert_same(a, b, ha, hb)
            assert hb.val_accuracy is not None
    assert builds["n"] == 1


def test_padded_rows_do_not_count_in_the_layer_statistics():
    # relu units dead on the real rows of a last, short batch; padding points at row 0, which
    # keeps them alive: the statistics must say dead, as the NumPy loop does
    X = np.vstack([np.full((1, 2), 5.0), np.full((6, 2), -5.0)])
    y = np.zeros((7, 1))
    net_kw = {"sizes": [2, 3, 1], "activation": "relu", "output": "identity", "seed": 0}
    a, b, ha, hb = _both(net_kw, X, y, loss="mse", lr=1e-9, epochs=2, batch_size=4, shuffle=False)
    # the layer statistics come from the last batch, rows 4..6: all z <= 0 where W pushes
    # negative inputs down (dead), and the saturated fraction is over those 3 rows only
    _assert_same(a, b, ha, hb)
    assert ha.layer_stats["dead_relu"][-1, 0] == pytest.approx(1 / 3)
    np.testing.assert_allclose(hb.layer_stats["dead_relu"], ha.layer_stats["dead_relu"], rtol=1e-7)


# --- nothing of JAX escapes a fit ------------------------------------------------------------


def _kinds(obj, seen=None):
    """The types of every leaf inside ``obj`` (containers, NamedTuples, dataclass fields)."""
    import dataclasses

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return set()
    seen.add(id(obj))
    if isinstance(obj, dict):
        return set().union(*(_kinds(v, seen) for v in obj.values()), set())
    if isinstance(obj, list | tuple):
        return set().union(*(_kinds(v, seen) for v in obj), set())
    if dataclasses.is_dataclass(obj):
        return set().union(
            *(_kinds(getattr(obj, f.name), seen) for f in dataclasses.fields(obj)), set()
        )
    return {type(obj)}


@pytest.mark.parametrize("seed", [3, [3, 4, 5]])
def test_nothing_of_jax_escapes_a_fit(seed):
    X, y = _data(n=20, n_out=3, kind="classes")
    net = gn.Network([3, 4, 3], output="softmax", seed=seed)
    h = net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer="adam",
        epochs=5,
        batch_size=6,
        validation=_data(n=7, n_out=3, kind="classes", seed=1),
        backend="jax",
    )
    kinds = _kinds(h) | _kinds(net.params)
    assert not [k for k in kinds if k.__module__.startswith(("jax", "jaxlib"))], kinds
    allowed = {np.ndarray, int, float, bool, str, type(None), np.random.Generator, np.float64}
    assert kinds <= allowed | {np.bool_}, kinds - allowed
    state = h.optimizer_state  # Adam's (count, m, v), then the rate's count: ints and arrays
    assert isinstance(state[0].count, int) and isinstance(state[1].count, int)
    assert all(v.flags.writeable for layer in state[0].m for v in layer.values())
    again = pickle.loads(pickle.dumps((net, h)))
    np.testing.assert_array_equal(again[1].loss, h.loss)
    # and a NumPy fit resumes from it
    net.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=6, resume=h)


# --- programs kept between processes ----------------------------------------------------------


def _fit_paper(**kw):
    net = gn.Network([3, 2, 1], seed=0)
    return net, net.fit(PAPER_X, PAPER_Y, lr=0.5, epochs=30, backend="jax", **kw)


def test_disk_cache_miss_then_hit(disk, builds):
    net1, h1 = _fit_paper()
    assert builds["n"] == 1
    entries = list(disk.glob("*.gnjx"))
    assert len(entries) == 1 and entries[0].read_bytes().startswith(b"glassnet-jax-program")
    compiled.clear_cache(disk=False)  # as a new process: memory empty, disk kept
    net2, h2 = _fit_paper()
    assert builds["n"] == 1  # loaded, not built
    np.testing.assert_array_equal(h2.loss, h1.loss)
    np.testing.assert_array_equal(net2.params[0]["W"], net1.params[0]["W"])
    assert compiled.cache_info()["entries"] == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
def test_a_damaged_disk_entry_is_ignored_and_rebuilt(disk, builds, damage):
    _, h1 = _fit_paper()
    (entry,) = disk.glob("*.gnjx")
    blob = entry.read_bytes()
    entry.write_bytes(
        {
            "garbage": b"not a program at all",
            "truncated": blob[: len(blob) // 2],
            "flipped": blob[:-100] + bytes(b ^ 0xFF for b in blob[-100:]),
            "empty": b"",
        }[damage]
    )
    compiled.clear_cache(disk=False)
    _, h2 = _fit_paper()  # no error: built again
    assert builds["n"] == 2
    np.testing.assert_array_equal(h2.loss, h1.loss)
    assert entry.read_bytes() == blob or entry.read_bytes().startswith(b"glassnet-jax-program")
    compiled.clear_cache(disk=False)
    _fit_paper()
    assert builds["n"] == 2  # the rebuilt entry is good


def test_disk_cache_off_by_option_and_by_environment(tmp_path, builds, monkeypatch):
    compiled.clear_cache(disk=False)
    with compiled.configure(cache_dir=False):
        assert compiled.cache_dir() is None
        _fit_paper()
        compiled.clear_cache(disk=False)
        _fit_paper()
    assert builds["n"] == 2  # nothing kept between "processes"
    monkeypatch.setenv(compiled.CACHE_ENV, "off")
    assert compiled.cache_dir() is None and not compiled.cache_info()["enabled"]
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path / "moved"))
    assert compiled.cache_dir() == tmp_path / "moved"
    monkeypatch.delenv(compiled.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert compiled.cache_dir() == tmp_path / "xdg" / "glassnet" / "jax"
    with pytest.raises(TypeError, match="cache_dir: expected a directory"):
        compiled.configure(cache_dir=3)


def test_a_user_activation_is_kept_in_memory_only(disk, builds):
    from glassnet import activations

    act = activations.Activation("mine_for_cache", lambda z: 2 * z, lambda z, a: 2 + 0 * z)
    net = gn.Network([3, 2, 1], activation=act, output="identity", seed=0)
    net.fit(PAPER_X, PAPER_Y, lr=0.01, epochs=5, backend="jax")
    assert builds["n"] == 1 and not list(disk.glob("*.gnjx"))  # its code has no stable name


def test_a_new_process_loads_the_program_instead_of_compiling(tmp_path):
    script = textwrap.dedent(
        """
        import json, sys
        import glassnet as gn
        from glassnet import compiled
        built = []
        real = compiled._program
        compiled._program = lambda *a: built.append(1) or real(*a)
        X, y = gn.datasets.load("paper")
        h = gn.Network([3, 2, 1], seed=0).fit(X, y, lr=0.5, epochs=40, backend="jax")
        print(json.dumps({"built": len(built), "loss": h.loss.tolist()}))
        """
    )
    env = {**__import__("os").environ, compiled.CACHE_ENV: str(tmp_path / "c")}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(2)
    ]
    assert [r["built"] for r in runs] == [1, 0]
    assert runs[0]["loss"] == runs[1]["loss"]


@pytest.mark.parametrize(
    ("batch", "packed", "threads", "schedule"),
    [
        (None, None, 1, None),
        (8, None, 1, None),
        (8, 64, 1, None),
        (8, None, 2, None),
        (8, None, 1, "cosine"),
    ],
    ids=["full", "batches", "apart", "split", "schedule"],
)
def test_a_large_population_trains_in_blocks_of_members_as_numpy(
    monkeypatch, batch, packed, threads, schedule
):
    # 600 members in blocks of 256 (the last padded): each member equals the NumPy loop's,
    # with per-member orders, Adam's per-member moments and shared count, a member diverging.
    # "apart": every output larger than 64 numbers leaves the program padded and is cut on
    # the host, as a large population's curves and statistics are
    monkeypatch.setattr(compiled, "BLOCK_BYTES", 1)  # the smallest blocks: 256 members
    if packed is not None:
        monkeypatch.setattr(compiled, "_PACKED", packed)
        monkeypatch.setattr(compiled, "_cache", type(compiled._cache)())  # programs of its own
        monkeypatch.setenv("GLASSNET_JAX_CACHE", "off")
    X, y = _data(n=21, n_out=1, kind="unit")
    P = 600  # "split": two threads of 300 members, each in blocks of 256
    with compiled.configure(layout="lanes", threads=threads):
        net_kw = {"sizes": [3, 3, 1], "activation": "tanh", "seed": list(range(P))}
        assert compiled._block_members(gn.Network(**net_kw), _shape_of(net_kw, X, y)) == 256
        _assert_same(
            *_both(
                net_kw,
                X,
                y,
                loss="bce",
                optimizer="momentum",
                lr=[1e300 if k == 401 else 0.1 for k in range(P)],
                epochs=15,
                batch_size=batch,
                stats_every=4,
                validation=_data(n=9, seed=5),
                schedule=schedule,  # every block reads the chunk's table of factors
            )
        )


def _shape_of(net_kw, X, y):
    from glassnet import training

    net = gn.Network(**net_kw)
    return compiled._shape(net, training.plan(net, X, y, gn.TrainConfig(epochs=15)), 15)


def test_a_jax_fit_without_jax_says_how_to_install_it(monkeypatch):
    from glassnet._extras import install_hint

    monkeypatch.setattr(compiled, "available", lambda: False)
    net = gn.Network([3, 2, 1], seed=0)
    X, y = gn.datasets.load("paper")
    with pytest.raises(ValueError) as err:
        net.fit(X, y, epochs=2, backend="jax")
    assert str(err.value) == (
        f"backend: 'jax' needs JAX, which is not installed; install it with {install_hint('jax')}"
    )
    assert "pip install -e '" in str(err.value)  # from this clone, not an index glassnet is not on


@pytest.mark.parametrize("lanes", [False, True], ids=["one", "population"])
def test_penalties_of_other_strengths_share_one_program(builds, lanes):
    # a grid over l1 and l2 (what a GridSearchCV over alpha does): one program while a
    # penalty is on, its strength an argument; every fit still equals the NumPy loop
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, size=(40, 1)).astype(float)
    compiled.clear_cache(disk=False)
    with compiled.configure(cache_dir=False):
        for l1, l2 in ((1e-3, 1e-2), (4e-3, 3e-3), (2e-2, 5e-4)):
            kw = {"sizes": [3, 4, 1], "activation": "tanh", "seed": [0, 1, 2, 3] if lanes else 0}
            a, b, ha, hb = _both(kw, X, y, loss="bce", optimizer="adam", lr=0.05, epochs=10,
                                 batch_size=8, l1=l1, l2=l2)  # fmt: skip
            _assert_same(a, b, ha, hb)
        assert builds["n"] == 1
        # no penalty is another program, without the penalties' terms
        _both(kw, X, y, loss="bce", optimizer="adam", lr=0.05, epochs=10, batch_size=8)
    assert builds["n"] == 2


# --- a lanes population split over threads -----------------------------------------------------


@pytest.fixture
def splits(monkeypatch):
    """Records how many calls each chunk was split into (so no test passes unsplit)."""
    seen: list[int] = []
    real = compiled._split

    def spy(args, P, threads, size):
        seen.append(threads)
        return real(args, P, threads, size)

    monkeypatch.setattr(compiled, "_split", spy)
    return seen


SPLIT_CASES = [case for case in CASES if case[5] is not None]


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "opt", "bias", "pop", "batch", "extra", "layout"),
    [
        pytest.param(*c, layout, id=f"{c[0]}-{c[2]}-{c[3]}-{layout}")
        for k, c in enumerate(SPLIT_CASES)
        for layout in (["lanes", "members"] if k % 2 == 0 else ["lanes"])
    ],
)
def test_a_population_split_over_threads_equals_numpy(
    splits, hidden, output, loss, opt, bias, pop, batch, extra, layout
):
    # each thread runs the program on its share of the members; the NumPy loop is the reference
    # (a population of 3 in two threads: shares of 2, the second padded by a copy of member 0)
    n_out = 3 if output == "softmax" else 1
    kind = "classes" if output == "softmax" else ("real" if output == "identity" else "unit")
    X, y = _data(n_out=n_out, kind=kind)
    net_kw = {"sizes": [3, 4, n_out], "activation": hidden, "output": output, "bias": bias,
              "seed": list(range(3, 3 + pop))}  # fmt: skip
    fit_kw = {"loss": loss, "optimizer": opt, "epochs": 40, "batch_size": batch, "stats_every": 7}
    if opt in ("gd", "momentum", "nesterov"):
        fit_kw["lr"] = list(np.linspace(0.02, 0.1, pop))
    if extra.get("validation"):
        fit_kw["validation"] = _data(n=7, n_out=n_out, kind=kind, seed=1)
    for k in ("l2", "schedule", "shuffle"):
        if k in extra:
            fit_kw[k] = extra[k]
    with compiled.configure(layout=layout, threads=2):
        _assert_same(*_both(net_kw, X, y, **fit_kw))
    assert splits and set(splits) == {2}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_shares_with_padding_divergence_adam_and_resume_equal_numpy(splits, dtype):
    # 7 members in 3 threads (shares of 3, the last holding 1 real member and 2 copies of
    # member 0): per-member sample orders, Adam's moments and shared count, validation,
    # statistics, a member diverging in the last share, then a resumed fit
    X, y = _data(n=19)
    net_kw = {"sizes": [3, 3, 1], "activation": "tanh", "seed": list(range(7)), "dtype": dtype}
    fit_kw = {"loss": "bce", "optimizer": "adam", "batch_size": 5, "stats_every": 3,
              "validation": _data(n=8, seed=6)}  # fmt: skip
    lr = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 1e30]
    with compiled.configure(layout="lanes", threads=3):
        a, b, ha, hb = _both(net_kw, X, y, lr=lr, epochs=12, **fit_kw)
        assert ha.diverged.tolist() == [False] * 6 + [True]
        if dtype == "float64":
            _assert_same(a, b, ha, hb)
        else:
            np.testing.assert_allclose(hb.loss, ha.loss, rtol=2e-4)
        ha2 = a.fit(X, y, lr=lr, epochs=9, resume=ha, **fit_kw)
        hb2 = b.fit(X, y, lr=lr, epochs=9, resume=hb, backend="jax", **fit_kw)
    assert set(splits) == {3}
    if dtype == "float64":
        _assert_same(a, b, ha2, hb2)
        for sa, sb in zip(
            jax.tree_util.tree_leaves(ha2.optimizer_state),
            jax.tree_util.tree_leaves(hb2.optimizer_state),
            strict=True,
        ):
            np.testing.assert_allclose(np.asarray(sb, float), np.asarray(sa, float), rtol=1e-8)


def test_a_split_population_stops_between_chunks_and_when_every_member_diverged(splits):
    X, y = PAPER_X, PAPER_Y
    # every member runs away: the fit stops at the last one's epoch, as the NumPy loop does
    with compiled.configure(layout="lanes", threads=2):
        _assert_same(
            *_both({"sizes": [3, 2, 1], "seed": [0, 1, 2], "output": "identity"}, X, y,
                   loss="mse", lr=[1e300, 5.0, 1e10], epochs=80, stats_every=None)
        )  # fmt: skip
        # a callback's stop between chunks of 5 epochs
        rng = np.random.default_rng(0)
        Xt, yt = rng.normal(size=(12, 3)), rng.uniform(0.05, 0.95, size=(12, 1))
        runs = []
        for backend in ("numpy", "jax"):
            net = gn.Network([3, 8, 1], seed=[2, 3, 4, 5])
            h = net.fit(Xt, yt, lr=0.5, epochs=200, validation=(Xt[:6], yt[:6]),
                        callbacks=[gn.StopOnConvergence(threshold=0.05)], backend=backend,
                        chunk_epochs=5)  # fmt: skip
            runs.append((net, h))
    (a, ha), (b, hb) = runs
    assert ha.stopped_by == hb.stopped_by == "StopOnConvergence"
    assert hb.epochs_run == ha.epochs_run < 200
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-9)
    np.testing.assert_allclose(b.params[0]["W"], a.params[0]["W"], rtol=1e-9)
    assert set(splits) == {2}


def test_threads_auto_splits_populations_of_either_layout_on_the_cpu_only():
    def threads(P, width=2, layout="auto"):
        net = gn.Network([3, width, 1], seed=list(range(P)))
        with compiled.configure(layout=layout):
            return compiled._threads(compiled._shape(net, _plan(net), 10))

    cores = compiled._cores()
    M = compiled.THREADS_MIN_MEMBERS
    assert threads(2 * M - 1) == 1  # a share would be smaller than M members
    assert threads(2 * M) == min(2, cores)
    assert threads(64 * M) == min(64, cores)
    B = compiled.THREADS_MIN_MEMBERS_BATCHED  # the members layout: more work per member
    assert threads(2 * B - 1, width=32) == 1
    assert threads(2 * B, width=32) == min(2, cores)
    assert (
        compiled._threads(compiled._shape(gn.Network([3, 2, 1]), _plan(gn.Network([3, 2, 1])), 10))
        == 1
    )
    with compiled.configure(threads=5):
        assert threads(3, layout="lanes") == 3  # at most one thread per member
        assert threads(2 * M) == 5
    with compiled.configure(threads=1):
        assert threads(64 * M) == 1


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (0, ValueError, "threads: expected one of auto or an integer in [1, 256], got 0 (int)"),
        (257, ValueError, "got 257"),
        ("two", ValueError, "threads: expected one of auto or an integer"),
        (1.5, TypeError, "threads: expected one of auto or an integer"),
        (True, TypeError, "got True"),
        (None, TypeError, "got None"),
    ],
)
def test_threads_are_checked_naming_the_argument(value, error, words):
    with pytest.raises(error) as caught:
        compiled.configure(threads=value)
    assert words in str(caught.value)
    assert compiled._settings["threads"] == "auto"


def _plan(net):
    from glassnet import training

    X, y = _data(n=4)
    return training.plan(net, X, y, gn.TrainConfig(epochs=10))


def test_the_environment_sets_the_threads_of_auto_and_configure_overrides_it(monkeypatch):
    net = gn.Network([3, 2, 1], seed=list(range(64 * compiled.THREADS_MIN_MEMBERS)))
    shape = compiled._shape(net, _plan(net), 10)
    monkeypatch.setenv("GLASSNET_JAX_THREADS", "1")  # Dask workers started one per core
    assert compiled._threads(shape) == 1
    monkeypatch.setenv("GLASSNET_JAX_THREADS", " 7 ")
    assert compiled._threads(shape) == 7
    with compiled.configure(threads=3):
        assert compiled._threads(shape) == 3
    monkeypatch.setenv("GLASSNET_JAX_THREADS", "auto")
    assert compiled._threads(shape) == min(64, compiled._cores())
    for bad in ("0", "two", "1.5", "257"):
        monkeypatch.setenv("GLASSNET_JAX_THREADS", bad)
        with pytest.raises(ValueError) as caught:
            compiled._threads(shape)
        assert str(caught.value) == (
            f"GLASSNET_JAX_THREADS: expected auto or an integer in [1, 256], got {bad!r}"
        )


def test_split_fits_at_once_in_several_threads_each_equal_numpy(splits):
    # fits started from threads of their own (a threaded grid search) share the pool of
    # threads, which grows from 1 worker to 3 meanwhile; each fit equals its NumPy loop
    import threading

    X, y = _data(n=9)
    nets = {P: gn.Network([3, 2, 1], activation="tanh", seed=list(range(P))) for P in (5, 6, 7)}
    refs = {P: n.copy() for P, n in nets.items()}
    kw = {"loss": "mse", "lr": 0.2, "epochs": 6, "stats_every": None}
    out: dict[int, object] = {}

    def fit(P):
        out[P] = nets[P].fit(X, y, backend="jax", **kw)

    with compiled.configure(layout="lanes", threads=2):
        fit(5)  # a pool of 1 worker
    with compiled.configure(layout="lanes", threads=4):
        threads = [threading.Thread(target=fit, args=(P,)) for P in (6, 7)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(splits) == [2, 3, 4]  # 6 members in 4 threads: 3 calls of 2
    for P, net in nets.items():
        href = refs[P].fit(X, y, **kw)
        np.testing.assert_allclose(out[P].loss, href.loss, rtol=1e-9)
        np.testing.assert_allclose(net.params[0]["W"], refs[P].params[0]["W"], rtol=1e-9)


def test_info_says_how_populations_are_split_over_threads(monkeypatch):
    import json

    from click.testing import CliRunner

    from glassnet.cli import cli

    cores = compiled._cores()
    plural = "s" if cores != 1 else ""
    monkeypatch.delenv("GLASSNET_JAX_THREADS", raising=False)
    out = CliRunner().invoke(cli, ["info"]).output
    assert (
        f"population threads: auto, up to {cores} ({cores} core{plural}; shares of at least "
        "128 members on the lanes, 8 in the members layout)"
    ) in out
    monkeypatch.setenv("GLASSNET_JAX_THREADS", "3")
    out = CliRunner().invoke(cli, ["info"]).output
    assert f"population threads: 3 ({cores} core{plural}; set by GLASSNET_JAX_THREADS)" in out
    with compiled.configure(threads=5):
        out = CliRunner().invoke(cli, ["info"]).output
        report = json.loads(CliRunner().invoke(cli, ["info", "--json"]).output)
    assert (
        f"population threads: 5 ({cores} core{plural}; set by glassnet.compiled.configure)" in out
    )
    assert report["backends"]["jax"]["threads"] == {
        "threads": 5, "set_by": "configure", "cores": cores, "most": 5,
        "min_share": {"lanes": 128, "members": 8},
        "error": None,
    }  # fmt: skip
    monkeypatch.setenv("GLASSNET_JAX_THREADS", "many")  # info still answers, and says why
    result = CliRunner().invoke(cli, ["info"])
    assert result.exit_code == 0
    assert (
        "population threads: not usable: GLASSNET_JAX_THREADS: expected auto or an integer in "
        "[1, 256], got 'many'"
    ) in result.output


def test_the_default_optimization_computes_what_the_tests_saw(tmp_path):
    # the suite compiles with XLA's LLVM optimizations off (tests/conftest.py); a user's
    # programs are compiled at XLA's default level. A single network and a population on the
    # lanes with mini-batches and Adam's state, compiled at the default level in a process of
    # its own, equal the NumPy loop as the rest of this file asks
    script = textwrap.dedent(
        """
        import json, os
        import numpy as np
        import glassnet as gn
        from glassnet import compiled
        rng = np.random.default_rng(0)
        X = rng.normal(size=(13, 3))
        y = rng.uniform(0.05, 0.95, size=(13, 1))
        cases = [
            ({"seed": 3, "activation": "tanh"}, {"loss": "bce", "lr": 0.3}, "auto", "float64"),
            ({"seed": [3, 4, 5]}, {"optimizer": "adam", "batch_size": 5}, "lanes", "float64"),
        ]
        out = {"flags": os.environ.get("XLA_FLAGS"), "ratios": []}
        for net_kw, fit_kw, layout, dtype in cases:
            losses = []
            for backend in ("numpy", "jax"):
                net = gn.Network([3, 4, 1], dtype=dtype, **net_kw)
                with compiled.configure(layout=layout):
                    h = net.fit(X, y, epochs=40, backend=backend, **fit_kw)
                losses.append(np.asarray(h.loss, dtype=float))
            a, b = losses
            out["ratios"].append(float(np.max(np.abs(b - a) / np.abs(a))))
        print(json.dumps(out))
        """
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "XLA_FLAGS"}
    env[compiled.CACHE_ENV] = "off"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    out = json.loads(done.stdout)
    assert out["flags"] is None
    single, lanes = out["ratios"]
    assert single <= 1e-9 and lanes <= 1e-9
