"""A run is data (issue 23): TrainConfig, TrainState, continuation, and files holding runs.

The references are independent of the code under test: one uninterrupted run is the reference
for a continued one (bit for bit on the NumPy loop, 1e-12 relative on the compiled backend);
the optimizers' textbook formulas (written out here) for the step a trace shows; files written
by earlier glassnet versions (tests/data, made by the commits before this format) for reading.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers
from glassnet.run import TrainConfig, TrainState

DATA = Path(__file__).parent / "data"


def _params_equal(a, b):
    for la, lb in zip(a, b, strict=True):
        assert la.keys() == lb.keys()
        for k in la:
            np.testing.assert_array_equal(la[k], lb[k])


def _close(a, b, rtol):
    for la, lb in zip(a, b, strict=True):
        for k in la:
            np.testing.assert_allclose(la[k], lb[k], rtol=rtol, atol=1e-300)


# --- the configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"loss": "mes"}, ValueError, "loss: unknown loss 'mes'; expected one of"),
        ({"optimizer": "adm"}, ValueError, "did you mean 'adam'"),
        ({"optimizer": 3}, TypeError, "optimizer: expected a name or an Optimizer"),
        ({"lr": -1}, ValueError, "lr: expected a finite number > 0, got -1"),
        ({"lr": [0.1, "x"]}, TypeError, "lr[1]: expected a finite number > 0"),
        ({"lr": []}, ValueError, "lr: expected one learning rate per member"),
        ({"epochs": 0}, ValueError, "epochs: expected an integer in [1, 10000000]"),
        ({"epochs": 2.5}, TypeError, "epochs: expected an integer"),
        ({"batch_size": 0}, ValueError, "batch_size: expected an integer >= 1"),
        ({"shuffle": 1}, TypeError, "shuffle: expected True or False, got 1"),
        ({"seed": -1}, ValueError, "seed: expected a non-negative integer"),
        ({"seed": [1, "a"]}, TypeError, "seed[1]: expected a non-negative integer"),
        ({"l1": -0.1}, ValueError, "l1: expected a finite number >= 0"),
        ({"l2": float("inf")}, ValueError, "l2: expected a finite number >= 0"),
        ({"schedule": "cosin"}, ValueError, "did you mean 'cosine'"),
        ({"stats_every": -1}, ValueError, "stats_every: expected an integer >= 0 or one of auto"),
        ({"optimizer_options": [1]}, TypeError, "optimizer_options: expected a dict"),
        ({"optimizer": "adam", "optimizer_options": {"beta": 0.9}}, ValueError, "beta1"),
        (
            {"optimizer": "adam", "optimizer_options": {"weight_decay": 0.1}},
            ValueError,
            "optimizer='adamw'",
        ),
        ({"backend": "torch"}, ValueError, "backend: expected one of numpy, jax, got 'torch'"),
        ({"chunk_epochs": 0}, ValueError, "chunk_epochs: expected an integer >= 1"),
        ({"divergence": "never"}, ValueError, "divergence: expected one of runaway, nonfinite"),
        ({"warn": "no"}, TypeError, "warn: expected True or False"),
    ],
)
def test_every_setting_is_checked_once_naming_it(changes, error, words):
    with pytest.raises(error) as info:
        TrainConfig(**changes)
    assert words in str(info.value)
    # the same check, the same words, through fit's keywords
    X, y = gn.datasets.load("xor")
    with pytest.raises(error) as info:
        gn.Network([2, 2, 1], seed=0).fit(X, y, **changes)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("keyword", "hint"),
    [("learning_rate", "lr"), ("epoch", "epochs"), ("batchsize", "batch_size"),
     ("optimiser", "optimizer"), ("weight_decay", "adamw"), ("validaton", "validation")],
)  # fmt: skip
def test_an_unknown_keyword_gets_the_near_miss(keyword, hint):
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 2, 1], seed=0)
    with pytest.raises(TypeError) as info:
        net.fit(X, y, **{keyword: 0.1})
    message = str(info.value)
    assert message.startswith(f"fit: unexpected keyword argument {keyword!r}") and hint in message
    with pytest.raises(TypeError, match="did you mean"):
        TrainConfig().replace(**{keyword: 1})


def test_the_configuration_round_trips_as_plain_data():
    cfg = TrainConfig(loss="bce", optimizer="adamw", lr=(0.1, 0.2), epochs=7, batch_size=4,
                      seed=(3, 4), l1=0.01, l2=0.1, schedule="cosine", stats_every=2,
                      optimizer_options={"weight_decay": 0.05}, divergence="nonfinite")  # fmt: skip
    data = json.loads(json.dumps(cfg.to_dict()))
    assert data["lr"] == [0.1, 0.2] and data["optimizer_options"] == {"weight_decay": 0.05}
    assert TrainConfig.from_dict(data) == cfg
    # a callable schedule cannot live in a file: it is named, and asked for back
    custom = TrainConfig(schedule=lambda t: 1.0).to_dict()
    assert custom["schedule"] == {
        "custom": "test_the_configuration_round_trips_as_plain_data.<locals>.<lambda>"
    }
    with pytest.raises(ValueError, match=r"config.schedule: the run used a custom schedule"):
        TrainConfig.from_dict(custom)
    fn = lambda t: 0.5  # noqa: E731
    assert TrainConfig.from_dict(custom, custom={"schedule": fn}).schedule is fn


def test_fit_shows_every_setting_in_its_signature():
    import inspect

    params = inspect.signature(gn.training.fit).parameters
    for field in TrainConfig.__dataclass_fields__:
        assert field in params and params[field].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["lr"].default is None and params["epochs"].default == 100


# --- continuation: N epochs then M more equals N + M ----------------------------------------

CASES = [
    dict(optimizer="gd", lr=0.5),
    dict(optimizer="momentum", lr=0.2, batch_size=2),
    dict(optimizer="nesterov", lr=0.2, batch_size=3, shuffle=False),
    dict(optimizer="rmsprop", lr=0.01, batch_size=2),
    dict(optimizer="adam", lr=0.05, batch_size=3, l2=0.01),
    dict(optimizer="adamw", lr=0.05, optimizer_options={"weight_decay": 0.1}, l1=0.001),
    dict(optimizer="adam", lr=0.05, batch_size=2, stats_every=1),
]


def _data():
    X, y = gn.datasets.load("moons", n_samples=24, noise=0.2, seed=0)
    return X, y


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", [5, [1, 2, 3]])
def test_a_continued_run_is_bit_for_bit_one_run(case, seed):
    X, y = _data()
    one = gn.Network([2, 4, 1], activation="tanh", seed=seed)
    whole = one.fit(X, y, loss="bce", epochs=12, **case)
    two = gn.Network([2, 4, 1], activation="tanh", seed=seed)
    two.fit(X, y, loss="bce", epochs=5, **case)
    more = two.fit(X, y, epochs=7, resume=two.train_state)  # the rest of the settings: the run's
    _params_equal(two.params, one.params)
    np.testing.assert_array_equal(two.train_state.history.loss, whole.loss)
    np.testing.assert_array_equal(more.loss, whole.loss[..., 5:])
    assert two.train_state.epoch == 12 and more.config.optimizer == case["optimizer"]
    if case.get("stats_every"):
        np.testing.assert_array_equal(two.train_state.history.stats_epochs, np.arange(12))
        np.testing.assert_array_equal(
            two.train_state.history.layer_stats["grad_norm"], whole.layer_stats["grad_norm"]
        )


def test_a_history_resumes_too_and_the_old_state_stays_what_it_was():
    X, y = _data()
    net = gn.Network([2, 3, 1], seed=1)
    first = net.fit(X, y, optimizer="adam", lr=0.05, batch_size=5, epochs=3)
    moments = [a.copy() for a in first.state.opt_state[0].m[0].values()]
    net.fit(X, y, resume=first, epochs=4)
    net.fit(X, y, resume=first, epochs=4)  # the same state twice: a value, not consumed
    for a, b in zip(moments, first.state.opt_state[0].m[0].values(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_schedules_continue_over_the_first_fits_horizon():
    X, y = _data()
    steps = 24 // 5 + 1
    net = gn.Network([2, 3, 1], seed=2)
    net.fit(X, y, lr=0.3, batch_size=5, epochs=4, schedule="cosine")
    net.fit(X, y, resume=net.train_state, epochs=6)  # 10 epochs of a cosine laid over 4
    # the reference: one run with the schedule written as the function it is, stuck at its
    # end once past it (cos(pi min(e, 4) / 4))
    ref = gn.Network([2, 3, 1], seed=2)
    fn = lambda t: (1 + np.cos(np.pi * min(t // steps, 4) / 4)) / 2  # noqa: E731
    ref.fit(X, y, lr=0.3, batch_size=5, epochs=10, schedule=fn)
    _close(net.params, ref.params, 1e-14)


def test_a_state_continues_through_pickle_and_a_model_file(tmp_path):
    X, y = _data()
    ref = gn.Network([2, 4, 1], seed=3)
    ref.fit(X, y, optimizer="adam", lr=0.05, batch_size=4, epochs=10)
    net = gn.Network([2, 4, 1], seed=3)
    net.fit(X, y, optimizer="adam", lr=0.05, batch_size=4, epochs=4)
    back = pickle.loads(pickle.dumps(net))
    back.fit(X, y, resume=back.train_state, epochs=6)
    _params_equal(back.params, ref.params)
    net.save(tmp_path / "run.npz")
    loaded = gn.load(tmp_path / "run.npz")
    assert loaded.train_state.config == net.train_state.config
    loaded.fit(X, y, resume=loaded.train_state, epochs=6)
    _params_equal(loaded.params, ref.params)
    np.testing.assert_array_equal(loaded.train_state.history.loss, ref.train_state.history.loss)


def test_a_run_saved_in_one_process_continues_in_another(tmp_path):
    X, y = _data()
    net = gn.Network([2, 4, 1], seed=4)
    net.fit(X, y, optimizer="momentum", lr=0.1, batch_size=3, epochs=5)
    net.save(tmp_path / "run.npz")
    code = (
        "import sys, glassnet as gn\n"
        "X, y = gn.datasets.load('moons', n_samples=24, noise=0.2, seed=0)\n"
        "net = gn.load(sys.argv[1])\n"
        "net.fit(X, y, resume=net.train_state, epochs=7)\n"
        "net.save(sys.argv[2])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "run.npz"), str(tmp_path / "more.npz")],
        check=True,
    )
    ref = gn.Network([2, 4, 1], seed=4)
    ref.fit(X, y, optimizer="momentum", lr=0.1, batch_size=3, epochs=12)
    _params_equal(gn.load(tmp_path / "more.npz").params, ref.params)


def test_a_member_continues_as_its_single_network():
    X, y = _data()
    pop = gn.Network([2, 3, 1], seed=[7, 8, 9])
    pop.fit(X, y, optimizer="adam", lr=[0.01, 0.02, 0.03], batch_size=5, epochs=3)
    one = pop.member(1)
    assert one.train_state.config.lr == 0.02
    one.fit(X, y, resume=one.train_state, epochs=4)
    ref = gn.Network([2, 3, 1], seed=8)
    ref.fit(X, y, optimizer="adam", lr=0.02, batch_size=5, epochs=7)
    _params_equal(one.params, ref.params)


def test_resume_refuses_what_it_cannot_continue():
    X, y = _data()
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, y, optimizer="adam", epochs=2)
    with pytest.raises(ValueError, match="resume: the earlier fit used 'adam', this one 'gd'"):
        net.fit(X, y, resume=net.train_state, optimizer="gd")
    other = gn.Network([2, 5, 1], seed=0)
    with pytest.raises(ValueError, match="resume: the state is of another network"):
        other.fit(X, y, resume=net.train_state)
    with pytest.raises(TypeError, match="resume: expected the TrainState of an earlier fit"):
        net.fit(X, y, resume={"epoch": 3})


# --- the compiled backend: the same run, continued on either side ---------------------------


@pytest.mark.parametrize("case", [CASES[0], CASES[4]])
def test_continuation_across_backends_agrees_to_1e_12(case):
    pytest.importorskip("jax")
    X, y = _data()
    ref = gn.Network([2, 4, 1], activation="tanh", seed=6)
    ref.fit(X, y, loss="bce", epochs=12, **case)
    for first, second in (("numpy", "jax"), ("jax", "numpy"), ("jax", "jax")):
        net = gn.Network([2, 4, 1], activation="tanh", seed=6)
        net.fit(X, y, loss="bce", epochs=5, backend=first, **case)
        net.fit(X, y, epochs=7, resume=net.train_state, backend=second)
        _close(net.params, ref.params, 1e-12)
        np.testing.assert_allclose(net.train_state.history.loss, ref.train_state.history.loss,
                                   rtol=1e-12)  # fmt: skip


def test_nothing_of_jax_escapes_a_fit():
    pytest.importorskip("jax")
    X, y = _data()
    net = gn.Network([2, 3, 1], seed=1)
    hist = net.fit(X, y, optimizer="adam", lr=0.05, batch_size=4, epochs=3, backend="jax")

    def leaves(x, seen=()):
        if id(x) in seen:
            return
        seen = (*seen, id(x))
        if isinstance(x, dict):
            for v in x.values():
                yield from leaves(v, seen)
        elif isinstance(x, list | tuple):
            for v in x:
                yield from leaves(v, seen)
        else:
            yield x

    state = hist.state
    for leaf in leaves([state.opt_state, state.params, hist.loss, hist.layer_stats,
                        state.first_loss, net.params]):  # fmt: skip
        assert isinstance(leaf, np.ndarray | int | float | np.generic), type(leaf)
    pickle.loads(pickle.dumps(net))  # a tracer would refuse to pickle


# --- the step a trace shows is the optimizer's that trained ----------------------------------


def test_a_trace_after_adam_shows_adams_next_step():
    X, y = gn.datasets.load("paper")
    net = gn.Network([3, 2, 1], seed=1)
    net.fit(X, y, loss="bce", optimizer="adam", lr=0.05, epochs=10)
    t = net.trace(X, y)
    assert (t.optimizer, t.lr, t.loss, t.run_epoch) == ("adam", 0.05, "bce", 10)
    # Adam by hand (Kingma and Ba, algorithm 1) from the run's moments and count
    adam, _ = net.train_state.opt_state
    count = adam.count + 1
    g = net.gradients(X, y, loss="bce")[0]["W"]
    m = 0.9 * adam.m[0]["W"] + 0.1 * g
    v = 0.999 * adam.v[0]["W"] + 0.001 * g * g
    step = -0.05 * (m / (1 - 0.9**count)) / (np.sqrt(v / (1 - 0.999**count)) + 1e-8)
    np.testing.assert_allclose(t.layers[0].step_W, step, rtol=1e-12)
    # a network never trained steps with the paper's gradient descent
    fresh = gn.Network([3, 2, 1], seed=1).trace(X, y)
    assert (fresh.optimizer, fresh.lr, fresh.run_epoch) == ("gd", 0.5, None)
    np.testing.assert_allclose(fresh.layers[0].step_W, -0.5 * fresh.layers[0].dW, rtol=1e-15)


# --- model files ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_files_of_every_earlier_version_still_load(version):
    expected = np.load(DATA / f"model_v{version}_expected.npz")
    net = gn.load(DATA / f"model_v{version}.npz")
    assert gn.modelfile.read_metadata(DATA / f"model_v{version}.npz")["version"] == version
    np.testing.assert_array_equal(net.params[0]["W"], expected["W1"])
    np.testing.assert_array_equal(net.params[1]["b"], expected["b2"])
    assert net.train_state is None  # those files held no run
    pop = gn.load(DATA / f"model_v{version}_population.npz")
    assert pop.population == 3 and pop.dtype == np.float32 and pop.bias == "layer"
    np.testing.assert_array_equal(pop.params[0]["W"], expected["pW1"])
    np.testing.assert_array_equal(pop.params[1]["b"], expected["pb2"])


def test_a_run_file_declares_every_array_and_holds_the_whole_record(tmp_path):
    X, y = _data()
    net = gn.Network([2, 3, 1], seed=[1, 2])
    net.fit(X, y, optimizer="adam", lr=0.05, batch_size=5, epochs=6, stats_every=2,
            validation=(X[:5], y[:5]))  # fmt: skip
    net.save(tmp_path / "m.npz")
    meta = gn.modelfile.read_metadata(tmp_path / "m.npz")
    declared = meta["run"]["arrays"]
    with zipfile.ZipFile(tmp_path / "m.npz") as z:
        members = {n[:-4] for n in z.namelist()}
    assert {n for n in members if n.startswith("run.")} == set(declared)
    assert declared["run.history.loss"] == {"shape": [2, 6], "dtype": "<f8"}
    assert declared["run.rng"] == {"shape": [2, 6], "dtype": "<u8"}
    back = gn.load(tmp_path / "m.npz").train_state
    h = net.train_state.history
    np.testing.assert_array_equal(back.history.val_loss, h.val_loss)
    np.testing.assert_array_equal(back.history.stats_epochs, [0, 2, 4, 5])
    np.testing.assert_array_equal(back.history.layer_stats["update_ratio"],
                                  h.layer_stats["update_ratio"])  # fmt: skip
    assert back.rng_states == net.train_state.rng_states
    assert gn.load(tmp_path / "m.npz", run=False).train_state is None


def _rewrite(path, out, change):
    """A copy of a model file with its metadata changed by ``change`` and the digest redone
    (so the file is refused for what is in it, not for a checksum)."""
    from glassnet import _modelformat

    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.load(z.open(n)) for n in z.namelist()}
    meta = json.loads(arrays.pop("metadata.json").tobytes())
    change(meta, arrays)
    meta.pop("sha256")
    meta["sha256"] = _modelformat._digest(arrays, _modelformat._covered(meta))
    np.savez(out, **arrays, **{"metadata.json": np.frombuffer(json.dumps(meta).encode(), np.uint8)})
    return out


def _grow(meta, arrays):
    meta["run"]["arrays"]["run.history.loss"]["shape"] = [2**39]


def _bad_dtype(meta, arrays):
    meta["run"]["arrays"]["run.history.loss"]["dtype"] = "|O"


def _bad_name(meta, arrays):
    meta["run"]["arrays"]["../evil"] = {"shape": [1], "dtype": "<f8"}


def _extra_array(meta, arrays):
    arrays["run.history.spare"] = np.zeros(3)


def _short_curve(meta, arrays):
    arrays["run.history.loss"] = arrays["run.history.loss"][:3]
    meta["run"]["arrays"]["run.history.loss"]["shape"] = [3]


def _unknown_state(meta, arrays):
    meta["run"]["opt_state"]["tuple"][0]["state"] = "os.system"


def _wrong_moment(meta, arrays):
    name = next(n for n in arrays if n.startswith("run.opt."))
    arrays[name] = np.zeros((7, 7))
    meta["run"]["arrays"][name]["shape"] = [7, 7]


def _set(*keys_value):
    """A change setting ``meta["run"][k1][k2]... = value`` (a tampered field)."""
    *keys, value = keys_value

    def change(meta, arrays):
        node = meta["run"]
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value

    return change


def _beside_state(meta, arrays):
    meta["run"]["opt_state"]["note"] = "read me"


def _beside_array(meta, arrays):
    adam = meta["run"]["opt_state"]["tuple"][0]  # AdamState(count, mu, nu)
    adam["fields"][1]["list"][0]["dict"]["W"]["note"] = 1  # beside mu's first W


@pytest.mark.parametrize(
    ("change", "words"),
    [
        # each field of the kind to_record writes, or refused naming it (before: "x" as the
        # first loss loaded, and the next fit(resume=...) failed with a bare TypeError)
        (_set("first_loss", "x"), "run.first_loss: expected a number or an array, got 'x'"),
        (_set("history", "first_loss", True), "run.history.first_loss: expected a number"),
        (_set("history", "diverged", 1), "run.history.diverged: expected true or false or an"),
        (_set("history", "diverged_epoch", 1.5), "run.history.diverged_epoch: expected an int"),
        (_set("history", "lr", "0.05"), "run.history.lr: expected a number or an array"),
        # a key beside those encode writes was read past
        (_beside_state, "run.opt_state: unexpected entry"),
        (_beside_array, "run.opt_state.AdamState.W: unexpected entry"),
        (_grow, "the run's arrays would take more than"),
        (_bad_dtype, "run.arrays.run.history.loss.dtype: expected one of"),
        (_bad_name, "unexpected array name '../evil'"),
        (_extra_array, "do not match the architecture"),
        (_short_curve, "run.history.loss: expected shape (6,)"),
        (_unknown_state, "unknown optimizer state 'os.system'"),
        (_wrong_moment, "matches no parameter of the network"),
    ],
)
def test_a_damaged_run_is_refused_naming_what_is_wrong(tmp_path, change, words):
    X, y = _data()
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, y, optimizer="adam", lr=0.05, epochs=6)
    net.save(tmp_path / "m.npz")
    bad = _rewrite(tmp_path / "m.npz", tmp_path / "bad.npz", change)
    with pytest.raises(ValueError) as info:
        gn.load(bad)
    assert words in str(info.value) and "bad.npz" in str(info.value)


def test_a_run_with_a_custom_loss_is_named_and_loads_with_it(tmp_path):
    X, y = _data()
    half = gn.losses.Loss(
        "half_mse",
        lambda a, t, w=None: 0.5 * gn.losses.get("mse").value(a, t, w),
        lambda a, t, w=None: 0.5 * gn.losses.get("mse").gradient(a, t, w),
    )
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, y, loss=half, epochs=3)
    net.save(tmp_path / "c.npz")
    with pytest.raises(ValueError, match=r"custom loss \('half_mse'\).*run=False"):
        gn.load(tmp_path / "c.npz")
    back = gn.load(tmp_path / "c.npz", custom={"loss": half})
    assert back.train_state.config.loss is half
    assert isinstance(back.train_state, TrainState)


def test_adamw_is_a_chain_of_transformations():
    params = [{"W": np.ones((2, 2)), "b": np.zeros((1, 2))}]
    opt = optimizers.adamw(0.1, weight_decay=0.5)
    state = opt.init(params)
    assert [type(s).__name__ for s in state] == ["AdamState", "EmptyState", "ScaleState"]
    grads = [{"W": np.full((2, 2), 0.2), "b": np.full((1, 2), 0.2)}]
    steps, _ = opt.update(grads, state, params)
    # first Adam step: m_hat = g, v_hat = g^2, so u = g / (|g| + eps) = 1 (nearly); decay on W
    np.testing.assert_allclose(steps[0]["W"], -0.1 * (0.2 / (0.2 + 1e-8) + 0.5 * 1.0))
    np.testing.assert_allclose(steps[0]["b"], -0.1 * (0.2 / (0.2 + 1e-8)))


def test_l1_adds_its_subgradient_before_the_optimizer():
    X, y = gn.datasets.load("paper")
    net = gn.Network([3, 2, 1], seed=1)
    W = [layer["W"].copy() for layer in net.params]
    g = net.gradients(X, y)
    net.fit(X, y, lr=0.5, l1=0.01, epochs=1)
    for w, gl, layer in zip(W, g, net.params, strict=True):
        np.testing.assert_allclose(layer["W"], w - 0.5 * (gl["W"] + 0.01 * np.sign(w)), rtol=1e-14)
    # the cost recorded includes the penalty: C + l1 sum |W|
    hist = gn.Network([3, 2, 1], seed=1).fit(X, y, lr=0.5, l1=0.01, epochs=1)
    ref = gn.Network([3, 2, 1], seed=1)
    penalty = 0.01 * sum(np.abs(layer["W"]).sum() for layer in ref.params)
    assert hist.loss[0] == pytest.approx(ref.loss(X, y) + penalty, rel=1e-14)


# --- the estimators: both backends, pickled, continued ----------------------------------------


def _quiet(estimator, X, y):
    """Fit with scikit-learn's "maximum iterations reached" silenced (short test runs)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:400] / 16, y[:400]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_estimators_pickle_continue_and_cross_validate(digits, backend, tmp_path):
    if backend == "jax":
        pytest.importorskip("jax")
    import joblib
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    from glassnet.sklearn import GlassnetClassifier

    X, y = digits
    kw = dict(hidden_layer_sizes=(16,), max_iter=4, random_state=0, backend=backend)
    clf = _quiet(GlassnetClassifier(**kw), X, y)
    back = pickle.loads(pickle.dumps(clf))
    joblib.dump(clf, tmp_path / "clf.joblib")
    loaded = joblib.load(tmp_path / "clf.joblib")
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # partial_fit after fit continues the run; through pickle it continues it exactly
    clf.partial_fit(X, y)
    back.partial_fit(X, y)
    np.testing.assert_array_equal(back.coefs_[0], clf.coefs_[0])
    assert back.n_iter_ == clf.n_iter_ == 1 and clf.t_ == 5 * len(X)
    # clone and refit: the same numbers as the first fit
    again = _quiet(clone(clf), X, y)
    np.testing.assert_array_equal(again.predict_proba(X), loaded.predict_proba(X))
    res = cross_validate(GlassnetClassifier(**kw, tol=1e9, n_iter_no_change=1), X, y, cv=2,
                         n_jobs=2, return_estimator=True)  # fmt: skip
    assert len(res["estimator"]) == 2 and all(s > 0.1 for s in res["test_score"])


def test_the_jax_estimator_trains_as_the_numpy_one(digits):
    pytest.importorskip("jax")
    from glassnet.sklearn import GlassnetClassifier

    X, y = digits
    kw = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0, solver="sgd",
              learning_rate="adaptive", n_iter_no_change=1, tol=10.0)  # fmt: skip
    a = _quiet(GlassnetClassifier(**kw), X, y)
    b = _quiet(GlassnetClassifier(**kw, backend="jax"), X, y)
    # the adaptive rate changed between epochs (a runtime number, never part of the program)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-10, atol=1e-14)


# --- one loss/output rule -------------------------------------------------------------------


def test_the_loss_output_rule_is_one_table():
    table = gn.losses.pairing_table()
    # by hand, from the ranges: sigmoid and tanh01 in (0, 1); softmax rows sum to 1; tanh
    # and identity reach below 0
    assert "bce" in table["sigmoid"]["losses"] and "cross_entropy" not in table["sigmoid"]["losses"]
    assert {"bce", "cross_entropy"} <= set(table["softmax"]["losses"])
    assert not {"bce", "cross_entropy"} & set(table["tanh"]["losses"])
    assert table["sigmoid"]["natural"] == {"classes": "bce", "values": "mse"}
    assert table["softmax"]["natural"]["classes"] == "cross_entropy"
    assert table["identity"]["natural"] == {"classes": "mse", "values": "mse"}
    assert gn.losses.natural_output(3, True) == "softmax"
    assert gn.losses.natural_output(1, True) == "sigmoid"
    assert gn.losses.natural_output(2, False) == "identity"
    for name, row in table.items():  # what the rule calls for always pairs
        for loss in row["natural"].values():
            gn.losses.check_pairing(loss, name)
    json.dumps(table)  # the page receives it as it is


@pytest.mark.parametrize("kind", ["binary", "poisson"])
def test_a_run_an_estimator_trained_continues_anywhere(tmp_path, kind):
    """The estimators' own losses (MLP's log loss, Poisson's with its exp unit) are the
    engine's, named: the network an estimator trained is saved, loaded in a process that never
    imported glassnet.sklearn, and continued there exactly as the estimator continues it."""
    from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0, solver="sgd")
    if kind == "binary":
        y = (X[:, 0] > 0).astype(int)
        est = GlassnetClassifier(**kw)
    else:
        y = rng.poisson(np.exp(0.3 * X[:, 0]))
        est = GlassnetRegressor(**kw, loss="poisson")
    _quiet(est, X, y)
    est.network_.save(tmp_path / "est.npz")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", y[:, None].astype(float))
    code = (
        "import sys, numpy as np, glassnet as gn\n"
        "net = gn.load(sys.argv[1] + '/est.npz')\n"
        "assert 'glassnet.sklearn' not in sys.modules\n"
        "X, Y = np.load(sys.argv[1] + '/X.npy'), np.load(sys.argv[1] + '/Y.npy')\n"
        "net.fit(X, Y, resume=net.train_state, epochs=1)\n"
        "np.save(sys.argv[1] + '/W.npy', net.params[0]['W'])\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    est.partial_fit(X, y)  # one more epoch, the estimator's way (full batch: no shuffling)
    np.testing.assert_array_equal(np.load(tmp_path / "W.npy"), est.coefs_[0])
    loss = gn.load(tmp_path / "est.npz").train_state.config.loss_name
    assert loss == ("binary_log_loss" if kind == "binary" else "poisson")


# --- the command line continues what any face saved ------------------------------------------


def _cli(*argv):
    from click.testing import CliRunner

    from glassnet.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in argv], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _weights_equal(path, ref):
    _params_equal(gn.load(path).params, ref.params)


def test_the_command_line_continues_its_own_runs_exactly(tmp_path):
    common = ["-d", "moons", "--hidden", "6", "--activation", "tanh", "--optimizer", "adam",
              "--lr", "0.02", "--batch-size", "16", "-q", "--no-figure"]  # fmt: skip
    _cli("train", *common, "--epochs", 20, "--validation-split", 0.25, "-o", tmp_path / "a")
    out = _cli(
        "train", "--model", tmp_path / "a" / "model.npz", "--epochs", 25, "-o", tmp_path / "b"
    )
    assert "25 epochs" in out and "adam, lr 0.02, loss bce" in out
    _cli("train", *common, "--epochs", 45, "--validation-split", 0.25, "-o", tmp_path / "c")
    _weights_equal(tmp_path / "b" / "model.npz", gn.load(tmp_path / "c" / "model.npz"))
    whole = gn.load(tmp_path / "b" / "model.npz").train_state
    assert whole.epoch == 45 and whole.history.val_loss.shape == (45,)
    np.testing.assert_array_equal(
        whole.history.loss, gn.load(tmp_path / "c" / "model.npz").train_state.history.loss
    )


def test_the_command_line_continues_and_draws_runs_saved_in_python(tmp_path):
    recipe = {"dataset": "moons", "n_samples": 60, "noise": 0.25, "seed": 3, "test_size": 0.25,
              "features": ["x1sq", "sinx2"]}  # fmt: skip
    Xtr, ytr, _, _ = gn.datasets.from_recipe(recipe)
    net = gn.Network([4, 5, 1], activation="tanh", seed=2)
    net.fit(Xtr, ytr, loss="bce", optimizer="adam", lr=0.02, batch_size=8, epochs=10)
    net.save(tmp_path / "py.npz", extra={"data": recipe})  # as the playground's export does
    _cli("train", "--model", tmp_path / "py.npz", "--epochs", 5, "-o", tmp_path / "more", "-q",
         "--no-figure")  # fmt: skip
    ref = gn.Network([4, 5, 1], activation="tanh", seed=2)
    ref.fit(Xtr, ytr, loss="bce", optimizer="adam", lr=0.02, batch_size=8, epochs=15)
    _weights_equal(tmp_path / "more" / "model.npz", ref)
    assert "wrote" in _cli("plot", "loss", "--model", tmp_path / "more" / "model.npz", "-o",
                           tmp_path / "loss.png", "--dpi", 30)  # fmt: skip
    out = _cli("inspect", "--model", tmp_path / "more" / "model.npz", "--samples", 0, "-f", "json")
    data = json.loads(out)
    assert (data["optimizer"], data["loss"], data["lr"]) == ("adam", "bce", 0.02)


# --- a step from a cost that is not finite is not taken ----------------------------------------


def test_a_step_from_an_infinite_cost_is_not_taken():
    # (1e200 w)^2 overflows: the loss of epoch 0 is inf and its gradient too; the weights
    # must stay the finite ones they were (then the run stops, diverged)
    X, y = np.array([[1e200]]), np.array([[0.0]])
    net = gn.Network([1, 1], output="identity", seed=0)
    W0 = net.params[0]["W"].copy()
    with pytest.warns(gn.DivergenceWarning, match="epoch 0: the loss became inf"):
        hist = net.fit(X, y, epochs=3, optimizer="adam")
    np.testing.assert_array_equal(net.params[0]["W"], W0)
    assert hist.diverged and not hist.state.opt_state[0].m[0]["W"].any()  # moments kept


def test_a_member_whose_batch_cost_overflows_keeps_its_state_and_the_others_go_on():
    X = np.array([[1e200], [1.0], [2.0]])
    y = np.array([[0.0], [1.0], [2.0]])
    pop = gn.Network([1, 1], output="identity", seed=[0, 1])
    pop.params[0]["W"][1] = 0.0  # member 1: 1e200 * 0 is finite
    pop.fit(X, y, epochs=2, optimizer="adam", lr=0.01, batch_size=1, shuffle=False)
    assert np.isfinite(pop.params[0]["W"]).all()
    one = gn.Network([1, 1], output="identity", seed=1)
    one.params[0]["W"][...] = 0.0
    with pytest.warns(gn.DivergenceWarning):
        one.fit(X, y, epochs=2, optimizer="adam", lr=0.01, batch_size=1, shuffle=False)
    _params_equal([{k: v[1] for k, v in layer.items()} for layer in pop.params], one.params)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_member_that_diverged_stays_frozen_when_the_run_continues(backend):
    if backend == "jax":
        pytest.importorskip("jax")
    X, y = gn.datasets.load("xor")
    ref = gn.Network([2, 3, 1], seed=[1, 2, 3])
    ref.fit(X, y, lr=[0.5, 1e9, 0.5], epochs=20)
    net = gn.Network([2, 3, 1], seed=[1, 2, 3])
    net.fit(X, y, lr=[0.5, 1e9, 0.5], epochs=10, backend=backend)
    assert net.train_state.history.diverged.tolist() == [False, True, False]
    net.fit(X, y, resume=net.train_state, epochs=10)
    _close(net.params, ref.params, 1e-12)
    np.testing.assert_array_equal(net.train_state.history.diverged_epoch,
                                  ref.train_state.history.diverged_epoch)  # fmt: skip
