"""Hostile input to the public API: every bad argument gets a TypeError or ValueError naming it.

Two halves. A table of the cases found by hand (each row: the call, the exception type, the
words its message must hold, the argument's name first), and properties: random junk for each
argument of each public function gives a TypeError or ValueError that names the argument, or
is accepted -- never another exception, never a silent NaN.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import _validation as v
from glassnet.evolution import fit_evolution

X = np.array([[0.0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
Y = np.array([[0.0], [1], [1], [0]])
Y3 = np.eye(3)[[0, 1, 2, 1]]


def net(**kw):
    return gn.Network(**{"sizes": [3, 2, 1], "seed": 0, **kw})


def net3(**kw):
    return gn.Network([3, 2, 3], **{"output": "softmax", **kw})


def assign(target, name, value):
    setattr(target, name, value)


# (call, exception, words the message must hold: the argument's name first)
CASES = [
    # Network's constructor
    (lambda: net(activation=None), TypeError, ["activation", "None"]),
    (lambda: net(activation=42), TypeError, ["activation", "42"]),
    (lambda: net(activation=["tanh", 3]), ValueError, ["activation", "one per hidden layer"]),
    (lambda: gn.Network([3, 2, 2, 1], activation=["tanh", 3]), TypeError, ["activation[1]"]),
    (lambda: net(output="foo"), ValueError, ["output", "foo"]),
    (lambda: net(output="tanhh"), ValueError, ["output", "did you mean 'tanh'"]),
    (lambda: net(output=None), TypeError, ["output"]),
    (lambda: net(sizes="321"), TypeError, ["sizes"]),
    (lambda: net(sizes=[3]), ValueError, ["sizes"]),
    (lambda: net(sizes=[3, 0, 1]), ValueError, ["sizes[1]"]),
    (lambda: net(sizes=[3, 2.5, 1]), TypeError, ["sizes[1]"]),
    (lambda: net(sizes=[3, True, 1]), TypeError, ["sizes[1]"]),
    (lambda: net(sizes=[10**6, 10**6]), ValueError, ["sizes", "GiB"]),
    (lambda: net(sizes=[3, 2**70]), ValueError, ["sizes", "GiB"]),
    (lambda: net(sizes=[2] * 5000), ValueError, ["sizes", "at most"]),
    (lambda: net(seed=range(10**7)), ValueError, ["seed", "at most"]),
    (lambda: net(seed=-1), ValueError, ["seed"]),
    (lambda: net(seed=1.5), TypeError, ["seed"]),
    (lambda: net(seed=[0, "a"]), TypeError, ["seed[1]"]),
    (lambda: net(seed=[]), ValueError, ["seed"]),
    (lambda: net(bias="sometimes"), ValueError, ["bias"]),
    (lambda: net(bias=["neuron"]), TypeError, ["bias"]),
    (lambda: net(kernel={}), TypeError, ["kernel"]),
    (lambda: net(dtype="float16"), ValueError, ["dtype"]),
    (lambda: net(dtype={"a": 1}), TypeError, ["dtype"]),
    (lambda: net(init=3), TypeError, ["init"]),
    (lambda: net(init="xavierr"), ValueError, ["init", "did you mean 'xavier'"]),
    (lambda: net(init="normal(-1)"), ValueError, ["init normal(std)"]),
    # members, layers and parameters
    (lambda: net(seed=[0, 1]).member(1.5), TypeError, ["k"]),
    (lambda: net(seed=[0, 1]).member(2), ValueError, ["k"]),
    (lambda: net(seed=[0, 1]).member("0"), TypeError, ["k"]),
    (lambda: net().member(0), ValueError, ["member", "single network"]),
    (lambda: assign(net().layers[0], "W", np.full((3, 2), np.nan)), ValueError, ["W", "finite"]),
    (lambda: assign(net().layers[0], "W", np.ones((3, 2)) * 1j), TypeError, ["W", "complex"]),
    (lambda: assign(net().layers[0], "W", np.ones((2, 3))), ValueError, ["W", "shape"]),
    (lambda: assign(net().layers[0], "W", "x"), TypeError, ["W"]),
    (lambda: assign(net().layers[1], "b", [[np.inf]]), ValueError, ["b", "finite"]),
    (lambda: assign(net(dtype="float32").layers[0], "W", np.full((3, 2), 1e39)), ValueError,
     ["W", "finite"]),
    (lambda: assign(net(bias="none").layers[0], "b", [[0.0, 0.0]]), ValueError, ["b", "none"]),
    # data
    (lambda: net().predict(np.ma.masked_array(X, X == 0)), TypeError, ["X", "masked"]),
    (lambda: net().predict("abc"), TypeError, ["X"]),
    (lambda: net().predict(X[:, 0]), ValueError, ["X", "2-D"]),
    (lambda: net().predict(X * np.nan), ValueError, ["X", "finite"]),
    (lambda: net().predict(X.astype(complex)), TypeError, ["X", "complex"]),
    (lambda: net(dtype="float32").predict(X * 1e39), ValueError, ["X", "float32"]),
    (lambda: net(dtype="float32", output="identity").loss(X, Y * 1e39), ValueError,
     ["y", "float32"]),
    (lambda: gn.datasets.load("blobs", centers=[[0, 0], [1e300, 0]]), ValueError, ["centers"]),
    (lambda: gn.datasets.load("blobs", centers="ab"), TypeError, ["centers"]),
    (lambda: net().loss(X, np.ma.masked_array(Y)), TypeError, ["y", "masked"]),
    (lambda: net().loss(X, Y[:3]), ValueError, ["y", "rows"]),
    (lambda: net().loss(X, [["a"]] * 4), TypeError, ["y"]),
    (lambda: net3().loss(X, np.array([True, True, True, False])), TypeError, ["y", "booleans"]),
    (lambda: net3().loss(X, [True, True, True, False]), TypeError, ["y", "booleans"]),
    (lambda: net3().loss(X, [0, 1, 2, 3]), ValueError, ["y", "0..2"]),
    # losses against outputs: one rule (glassnet.losses.check_pairing)
    (lambda: net(output="tanh").loss(X, Y, "bce"), ValueError, ["loss", "bce", "tanh"]),
    (lambda: net(output="identity").gradients(X, Y, "bce"), ValueError, ["loss", "identity"]),
    (lambda: gn.Network([3, 2, 3], output="sigmoid").loss(X, Y3, "cross_entropy"), ValueError,
     ["loss", "cross_entropy", "softmax"]),
    (lambda: net(output="tanh").loss_and_gradients(X, Y, "bce"), ValueError, ["loss"]),
    (lambda: net(output="relu").backward(net(output="relu").forward(X), Y, "bce"), ValueError,
     ["loss"]),
    (lambda: net().backward("fwd", Y), TypeError, ["fwd"]),
    (lambda: net().loss(X, Y, loss=3), TypeError, ["loss"]),
    (lambda: net().loss(X, Y, loss="mes"), ValueError, ["loss", "did you mean 'mse'"]),
    # gradient_check
    (lambda: gn.gradient_check("net", X, Y), TypeError, ["net"]),
    (lambda: gn.gradient_check(net(), X, Y, h=0), ValueError, ["h"]),
    (lambda: gn.gradient_check(net(), X, Y, h=math.nan), ValueError, ["h"]),
    (lambda: gn.gradient_check(net(), X, Y, h=-1e-5), ValueError, ["h"]),
    (lambda: gn.gradient_check(net(), X, Y, h="small"), TypeError, ["h"]),
    (lambda: gn.gradient_check(net(), X, Y, tolerance=-1), ValueError, ["tolerance"]),
    (lambda: gn.gradient_check(net(), X, Y, tolerance=math.nan), ValueError, ["tolerance"]),
    (lambda: gn.gradient_check(net(), X, Y, tolerance=0), ValueError, ["tolerance"]),
    (lambda: gn.gradient_check(net(output="tanh"), X, Y, "bce"), ValueError, ["loss", "bce"]),
    (lambda: gn.gradient_check(gn.Network([400, 300, 1]), X, Y), ValueError,
     ["net", "120601 parameters"]),
    # evolution
    (lambda: fit_evolution(net(seed=[0, 1]), X, Y, generations=10**12), ValueError,
     ["generations"]),
    (lambda: fit_evolution(net(seed=[0, 1]), X, Y, mutation_scale=1e300), ValueError,
     ["mutation_scale"]),
    (lambda: fit_evolution(net(seed=[0, 1]), X, Y, callbacks=3), TypeError, ["callbacks"]),
    (lambda: fit_evolution(net(seed=[0, 1]), X, Y, callbacks=[3]), TypeError, ["callbacks[0]"]),
    (lambda: fit_evolution(net(seed=[0, 1]), X, Y, adapt="fifth"), ValueError, ["adapt"]),
    (lambda: fit_evolution(net(seed=[0, 1], output="tanh"), X, Y, loss="bce"), ValueError,
     ["loss"]),
    # metrics
    (lambda: gn.metrics.accuracy("a", Y), TypeError, ["y_hat"]),
    (lambda: gn.metrics.accuracy(Y[:3], Y), ValueError, ["y_hat", "shape"]),
    (lambda: gn.metrics.accuracy(Y, Y, threshold=math.nan), ValueError, ["threshold"]),
    (lambda: gn.metrics.is_classification(Y[:, 0]), ValueError, ["y"]),
    # datasets
    (lambda: gn.datasets.load("moons", noise=1e308), ValueError, ["noise"]),
    (lambda: gn.datasets.load("spirals", turns=1e308), ValueError, ["turns"]),
    (lambda: gn.datasets.load("moons", n_samples=10**12), ValueError, ["n_samples"]),
    (lambda: gn.datasets.load("blobs", n_classes=10**9), ValueError, ["n_classes"]),
    (lambda: gn.datasets.load("moonz"), ValueError, ["name", "did you mean 'moons'"]),
    (lambda: gn.datasets.one_hot([0, 1], n_classes=10**12), ValueError, ["n_classes"]),
    (lambda: gn.datasets.Standardizer().fit(np.arange(4.0)), ValueError, ["X", "2-D"]),
    (lambda: gn.datasets.Standardizer().fit(np.ma.masked_array(X)), TypeError, ["X", "masked"]),
    (lambda: gn.datasets.Standardizer().fit(X).transform(X[:, :2]), ValueError, ["X", "columns"]),
    (lambda: gn.datasets.train_test_split(X, Y, test_size="a"), TypeError, ["test_size"]),
    (lambda: gn.datasets.train_test_split(np.ma.masked_array(X), Y), TypeError, ["X", "masked"]),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "words"), CASES)
def test_bad_input_is_named(call, exc, words):
    with pytest.raises(exc) as e:
        call()
    message = str(e.value)
    assert message.startswith(words[0]) or f"{words[0]}:" in message, message
    for word in words[1:]:
        assert word in message, message


def test_pickles_are_checked_when_loaded():
    import pickle

    n = net(seed=[0, 1])
    back = pickle.loads(pickle.dumps(n))
    np.testing.assert_array_equal(back.params[0]["W"], n.params[0]["W"])
    n.params[0]["W"][1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="W: expected finite values for layer 1"):
        pickle.loads(pickle.dumps(n))
    n.params[0]["W"][1, 0, 0] = 0.0
    state = n.__getstate__()
    state["params"][1]["W"] = np.zeros((2, 5, 1))
    with pytest.raises(ValueError, match=r"params: layer 2 W is .*expected shape \(2, 2, 1\)"):
        gn.Network.__new__(gn.Network).__setstate__(state)


# --- the rule for losses and outputs, against the mathematics ---------------------------------


@pytest.mark.parametrize("output", gn.activations.names())
@pytest.mark.parametrize("loss", gn.losses.names())
def test_pairing_rule_follows_each_outputs_range(loss, output):
    """bce needs every output in [0, 1]; cross_entropy rows that sum to 1; the rest anything.

    The reference: each activation evaluated on a wide grid of logits, independently of the
    probe inside check_pairing.
    """
    act = gn.activations.get(output)
    z = np.linspace(-50, 50, 300).reshape(-1, 3)
    with np.errstate(all="ignore"):
        a = np.asarray(act.value(z))
    in_unit = bool(((a >= 0) & (a <= 1)).all())
    rows_one = in_unit and bool(np.allclose(a.sum(axis=-1), 1))
    fits = {"bce": in_unit, "cross_entropy": rows_one}.get(loss, True)
    if fits:
        gn.losses.check_pairing(loss, output)
    else:
        with pytest.raises(ValueError, match=f"loss: {loss} needs"):
            gn.losses.check_pairing(loss, output)


def test_refused_pairs_are_those_whose_gradient_check_fails():
    """bce on a tanh output: the clipped cost has no true gradient where outputs leave (0, 1)."""
    n = gn.Network([3, 2, 1], activation="tanh", output="tanh", seed=0)
    n.layers[1].b = [[-3.0]]  # outputs below 0, where bce is clipped
    fwd = n.forward(X)
    assert (fwd.output < 0).all()
    loss = gn.losses.get("bce")
    backprop = n.backprop(n.params, fwd, Y, loss)[0][1]["b"]
    h = 1e-5
    up, down = n.copy(), n.copy()
    up.params[1]["b"] += h
    down.params[1]["b"] -= h
    numeric = up.cost(up.forward(X), Y, loss) - down.cost(down.forward(X), Y, loss)
    numeric = numeric / (2 * h)
    assert abs(numeric) < 1e-12 < abs(backprop[0, 0])  # flat cost, non-zero "gradient"


def test_cross_entropy_through_softmax_chain_rule_is_the_textbook_delta():
    """Unfused cross-entropy chained through softmax's Jacobian gives (a - y) / n."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    y = np.eye(4)[rng.integers(0, 4, 5)]
    softmax = gn.activations.get("softmax")
    a = softmax.value(z)
    ce = gn.losses.get("cross_entropy")
    delta = softmax.backprop(z, a, ce.gradient(a, y))
    np.testing.assert_allclose(delta, (a - y) / 5, rtol=1e-12, atol=1e-15)


# --- Standardizer on extreme columns -----------------------------------------------------------


def test_standardizer_scales_huge_and_tiny_columns():
    col = np.array([1.0, -1.0, 1.0, -1.0])
    Xe = np.column_stack([1e200 * col, 1e-200 * col, 1e308 * col, np.arange(4.0)])
    sc = gn.datasets.Standardizer().fit(Xe)
    Z = sc.transform(Xe)
    np.testing.assert_allclose(Z[:, :3], np.column_stack([col] * 3), rtol=1e-12)
    np.testing.assert_allclose(sc.scale[:3], [1e200, 1e-200, 1e308], rtol=1e-12)
    # the ordinary column: the textbook z-score
    np.testing.assert_allclose(Z[:, 3], (np.arange(4) - 1.5) / np.std(np.arange(4)), rtol=1e-12)
    np.testing.assert_allclose(sc.inverse_transform(Z), Xe, rtol=1e-12)


def test_standardizer_refuses_results_that_overflow():
    sc = gn.datasets.Standardizer().fit(np.array([[0.0], [1e-300]]))
    with pytest.raises(ValueError, match="X: row 0, column 0 is too large"):
        sc.transform(np.array([[1e300]]))


# --- the vocabulary itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "value", "exc"),
    [
        (v.Interval(int, 1, 10), 0, ValueError),
        (v.Interval(int, 1, 10), 11, ValueError),
        (v.Interval(int, 1, 10), 2.0, TypeError),
        (v.Interval(int, 1, 10), True, TypeError),
        (v.Interval(float, 0, 1, closed="neither"), 0, ValueError),
        (v.Interval(float, 0, 1, closed="neither"), 1, ValueError),
        (v.Interval(float, 0, None), math.inf, ValueError),
        (v.Interval(float, 0, None), 10**400, ValueError),
        (v.Interval(float, 0, None), "1", TypeError),
        (v.Options(("a", "b")), "c", ValueError),
        (v.Options(("a", "b")), 1, TypeError),
        (v.Boolean(), 1, TypeError),
    ],
)
def test_constraints_refuse(constraint, value, exc):
    with pytest.raises(exc, match=f"^arg: expected {re.escape(str(constraint))}, got"):
        v.check(value, "arg", constraint)


def test_constraints_accept_and_convert():
    assert v.check(np.int64(3), "a", v.Interval(int, 1, 10)) == 3
    assert type(v.check(np.int64(3), "a", v.Interval(int, 1, 10))) is int
    assert v.check(1, "a", v.Interval(float, 0, 1)) == 1.0
    assert v.check(None, "a", v.Interval(int, 0, None), v.Instance(type(None))) is None
    assert v.did_you_mean("Moons", ["moons", "blobs"]) == " (did you mean 'moons'?)"
    assert v.did_you_mean("zzz", ["moons"]) == ""
    # a near miss typed in another case is still a near miss
    assert v.did_you_mean("XORR", ["xor", "moons"]) == " (did you mean 'xor'?)"


def test_integer_bounds_are_written_as_integers():
    with pytest.raises(ValueError, match=r"^n: expected an integer in \[2, 10000000\], got 0 "):
        v.check(0, "n", v.Interval(int, 2, v.MAX_SAMPLES))
    with pytest.raises(ValueError, match=r"^x: expected a finite number in \(0, 1e\+06\], got"):
        v.check(2e6, "x", v.Interval(float, 0, 1e6, closed="right"))


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: v.sample_weights(["a", "b"], 2), TypeError, ["sample_weight"]),
        (lambda: v.sample_weights([1.0, -1.0], 2), ValueError, ["sample_weight", ">= 0"]),
        (lambda: v.sample_weights([0.0, 0.0], 2), ValueError, ["sample_weight"]),
        (lambda: v.sample_weights([1.0], 2), ValueError, ["sample_weight", "(2,)"]),
        (lambda: v.per_member(["x", 0.1], 2, "lr", v.Interval(float, 0, None)), TypeError,
         ["lr[0]"]),
        (lambda: v.per_member([1j, 0.1], 2, "lr", v.Interval(float, 0, None)), TypeError,
         ["lr[0]"]),
        (lambda: v.per_member(range(10**9), 2, "lr", v.Interval(float, 0, None)), ValueError,
         ["lr", "(2)"]),
        (lambda: v.check_callbacks(3), TypeError, ["callbacks"]),
        (lambda: v.check_callbacks("abc"), TypeError, ["callbacks"]),
        (lambda: v.positive_int(10**12, "epochs", maximum=v.MAX_EPOCHS), ValueError, ["epochs"]),
    ],
)  # fmt: skip
def test_checks_for_fit(call, exc, words):
    with pytest.raises(exc) as e:
        call()
    assert str(e.value).startswith(words[0])
    for word in words[1:]:
        assert word in str(e.value)


def test_checks_for_fit_accept_and_convert():
    np.testing.assert_array_equal(v.sample_weights([1, 2], 2), [1.0, 2.0])
    rates = v.per_member((0.1, np.float32(0.5)), 2, "lr", v.Interval(float, 0, None))
    assert rates.dtype == np.float64 and rates.tolist() == [0.1, 0.5]
    assert v.check_callbacks([gn.EarlyStopping(patience=3)])[0].patience == 3


# --- properties: junk for every argument -------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-(10**30), -1, 0, 1, 2, 7, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=1e3),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.lists(st.integers(-3, 40), max_size=4),
    st.lists(st.floats(allow_nan=True), min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.sampled_from([object(), np.ma.masked_array([[1.0]]), np.array([["a"]]), range(3), ()]),
)


def _net_population():
    return gn.Network([3, 2, 1], seed=[0, 1, 2])


# (function, the argument's name, valid arguments for the rest)
TARGETS = {
    "Network": (gn.Network, dict(sizes=[3, 2, 1], activation="tanh", output="sigmoid",
                bias="neuron", init="xavier", seed=0, dtype="float64", kernel="blas")),
    "predict": (lambda X: net().predict(X), dict(X=X)),
    "loss": (lambda X, y, loss: net().loss(X, y, loss), dict(X=X, y=Y, loss="mse")),
    "member": (lambda k: _net_population().member(k), dict(k=0)),
    "gradient_check": (gn.gradient_check, dict(net=None, X=X, y=Y, loss="mse", h=1e-5,
                       tolerance=1e-6)),
    "fit_evolution": (fit_evolution, dict(net=None, X=X, y=Y, generations=2, survivors=1,
                      mutation_scale=0.5, adapt="decay", decay=0.9, adapt_factor=1.2,
                      crossover=None, callbacks=())),
    "load": (gn.datasets.load, dict(name="moons", n_samples=20, noise=0.1, seed=0)),
    "spirals": (lambda **kw: gn.datasets.load("spirals", **kw),
                dict(n_samples=20, noise=0.1, turns=1.0, n_classes=2)),
    "train_test_split": (gn.datasets.train_test_split, dict(X=X, y=Y, test_size=0.5, seed=0,
                         stratify=False)),
    "Standardizer.fit": (lambda X: gn.datasets.Standardizer().fit(X), dict(X=X)),
    "one_hot": (gn.datasets.one_hot, dict(labels=[0, 1, 2], n_classes=3)),
    "accuracy": (gn.metrics.accuracy, dict(y_hat=Y, y=Y, threshold=0.5)),
    "check_pairing": (gn.losses.check_pairing, dict(loss="bce", output_activation="sigmoid")),
    "Layer.W": (lambda W: assign(net().layers[0], "W", W), dict(W=np.zeros((3, 2)))),
    "load_csv": (gn.datasets.load_csv, dict(path=None, target=-1, task="auto", delimiter=",",
                 header=True, dtype="float64", return_info=False)),
    "save": (lambda extra, path: net().save(path, extra=extra), dict(extra={}, path=None)),
}  # fmt: skip
CASES_BY_ARGUMENT = [
    (name, argument)
    for name, (_, kwargs) in TARGETS.items()
    for argument in kwargs
    if (name, argument) not in {("load_csv", "path"), ("save", "path")}  # junk paths: see files
]
NEEDS_NET = {"gradient_check": net, "fit_evolution": _net_population}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    (d / "d.csv").write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    return d


@pytest.mark.parametrize(("name", "argument"), CASES_BY_ARGUMENT)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=JUNK)
def test_junk_is_refused_by_name_or_accepted(files, name, argument, junk):
    _refused_by_name_or_finite(files, name, argument, junk)


# the ends of float64 that random floats rarely draw: the smallest subnormal and normal, the
# largest finite, their negatives, a negative zero, and huge and tiny ordinary values
EDGE_FLOATS = [5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 2.0**-52, -0.0, 1e300,
               1.7976931348623157e308, -1.7976931348623157e308]  # fmt: skip


@pytest.mark.parametrize(("name", "argument"), CASES_BY_ARGUMENT)
def test_every_edge_of_float64_is_refused_by_name_or_accepted(files, name, argument):
    # hypothesis found gradient_check(tolerance=5e-324) overflowing only by chance: the edges
    # of float64 are tried for every argument, every run
    for junk in EDGE_FLOATS:
        _refused_by_name_or_finite(files, name, argument, junk)


def _refused_by_name_or_finite(files, name, argument, junk):
    fn, kwargs = TARGETS[name]
    kwargs = dict(kwargs)
    if name in NEEDS_NET:
        kwargs["net"] = NEEDS_NET[name]()
    if "path" in kwargs:
        kwargs["path"] = files / ("d.csv" if name == "load_csv" else "m.npz")
    kwargs[argument] = junk
    try:
        # a silent overflow into inf or NaN is a failure too (underflow to 0 is harmless)
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            result = fn(**kwargs)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        assert argument in message or (
            argument == "output_activation" and "activation" in message
        ), (
            f"{name}({argument}={junk!r}): {type(exc).__name__} does not name {argument!r}: "
            f"{message}"
        )
        return
    for value in result if isinstance(result, tuple) else (result,):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), f"{name}({argument}={junk!r}) returned non-finite"


def test_one_did_you_mean_helper():
    """difflib (near-miss suggestions) is used in _validation only: every "did you mean" of
    glassnet is _validation.did_you_mean."""
    import pathlib

    package = pathlib.Path(gn.__file__).parent
    users = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "difflib" in p.read_text(encoding="utf-8")
    )
    assert users == ["_validation.py"]
