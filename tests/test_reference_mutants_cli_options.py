"""The surviving mutants of glassnet/cli/options.py (``tools/mutate.py cli/options``), each
killed against a reference written out by hand: the documented messages word for word, the
memory estimate's formula (5 arrays of every weight, 4 of every unit, 8 bytes each) computed
here, the data sources and defaults the module docstring names, networks built directly with
the documented defaults.
"""

from __future__ import annotations

import click
import numpy as np
import pytest

import glassnet as gn
from glassnet.cli import options as opt
from glassnet.cli.options import (
    Finite,
    Options,
    _fmt_bytes,
    _numbers,
    _rows,
    check_epochs,
    check_size,
    estimate_bytes,
    parse_hidden,
    underflows,
)


def bad(call, *args, **kwargs):
    """The click error ``call`` raises: (its message, its option)."""
    with pytest.raises(click.ClickException) as err:
        call(*args, **kwargs)
    return err.value.message, getattr(err.value, "param_hint", None)


# --- the number types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, number, want",
    [
        ("1e-400", 0.0, True),  # a 1 written, 0 read
        ("-5E-999", 0.0, True),
        ("0.000", 0.0, False),
        ("0e5", 0.0, False),
        ("0E1", 0.0, False),  # the exponent's digits are not the number's
        ("1e-400", 1.0, False),  # not read as 0
        (0.0, 0.0, False),  # not text
    ],
)
def test_underflow_is_a_nonzero_mantissa_read_as_zero(text, number, want):
    assert underflows(text, number) is want


def test_a_finite_option_refuses_nan_inf_and_underflow_with_what_was_typed():
    f = Finite()
    assert f.name == "float" and f._describe_range() == ""
    assert f.convert("0.25", None, None) == 0.25 and f.convert("0", None, None) == 0.0
    for text in ("nan", "inf", "-inf"):
        assert bad(f.convert, text, None, None)[0] == f"expected a finite number, got {text!r}"
    assert bad(f.convert, "1e-400", None, None)[0] == (
        "'1e-400' is smaller than float64 holds: it would be read as 0"
    )
    assert bad(f.convert, "abc", None, None)[0] == "'abc' is not a valid float."
    # a bound is described as click describes it
    assert Finite(min=0)._describe_range() == "x>=0"
    assert Finite(max=1)._describe_range() == "x<=1"


@pytest.mark.parametrize(
    "n, want",
    [
        (0, "0 bytes"),
        (1023, "1.02e+03 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (4 * 2**30, "4 GiB"),
        (2**40 * 1.25, "1.25 TiB"),
        (2**50, "1 PiB"),
        (2**60, "1.02e+03 PiB"),  # nothing past PiB
    ],
)
def test_bytes_in_binary_units_to_three_digits(n, want):
    assert _fmt_bytes(n) == want


# --- layer sizes and the memory bound -----------------------------------------------------------


def test_hidden_sizes_and_their_refusals():
    assert parse_hidden("") == parse_hidden(" none ") == parse_hidden("0") == []
    assert parse_hidden("8,8") == [8, 8] and parse_hidden(" 3 ") == [3]
    assert bad(parse_hidden, "8,x") == (
        "expected comma-separated layer sizes like 8,8, got '8,x'",
        "--hidden",
    )
    assert bad(parse_hidden, "8,0") == ("layer sizes must be >= 1, got '8,0'", "--hidden")
    assert bad(parse_hidden, "2,-1,1", "--sizes") == (
        "layer sizes must be >= 1, got '2,-1,1'",
        "--sizes",
    )
    assert bad(parse_hidden, "2.5", "--sizes")[1] == "--sizes"


def test_the_memory_estimate_is_five_arrays_of_weights_and_four_of_units():
    # 3-2-1: (3 + 1) 2 + (2 + 1) 1 = 11 parameters, 6 units; 4 samples:
    # 8 (5 * 11 + 4 * 4 * 6) = 8 * 151 = 1208 bytes
    assert estimate_bytes([3, 2, 1], 4) == 1208
    assert estimate_bytes([3, 2, 1], 4, 3) == 3 * 1208
    assert estimate_bytes([3, 2, 1], 0) == 440
    assert opt.MEMORY_LIMIT == 4 * 2**30


def test_a_network_too_large_is_refused_with_its_estimate(monkeypatch):
    monkeypatch.setattr(opt, "MEMORY_LIMIT", 1208)
    check_size([3, 2, 1], 4)  # exactly the limit: taken
    # 5 samples: 8 (55 + 4 * 5 * 6) = 1400 bytes = 1.37 KiB; the limit 1.18 KiB
    assert bad(check_size, [3, 2, 1], 5) == (
        "a 3-2-1 network has 11 parameters; training it on 5 samples needs about 1.37 KiB of "
        "memory, more than the 1.18 KiB a command may use: choose smaller layers",
        "--hidden",
    )
    # two members of a network that fits alone: 2416 bytes = 2.36 KiB, fewer members
    assert bad(check_size, [3, 2, 1], 4, 2) == (
        "a 3-2-1 network x 2 members has 22 parameters; training it on 4 samples needs about "
        "2.36 KiB of memory, more than the 1.18 KiB a command may use: choose fewer members",
        "--population",
    )
    # two members of a network that does not fit alone: smaller layers
    assert bad(check_size, [3, 2, 1], 5, 2)[1] == "--hidden"


def test_the_real_limit_is_4_gib():
    # 1-100000-1 on 10000 samples: 300001 parameters, 100002 units:
    # 8 (5 * 300001 + 4 * 10000 * 100002) = 32012640040 bytes = 29.8 GiB
    assert bad(check_size, [1, 100000, 1], 10000) == (
        "a 1-100000-1 network has 3e+05 parameters; training it on 10000 samples needs about "
        "29.8 GiB of memory, more than the 4 GiB a command may use: choose smaller layers",
        "--hidden",
    )


def test_a_loss_history_too_long_is_refused(monkeypatch):
    monkeypatch.setattr(opt, "MEMORY_LIMIT", 48)
    check_epochs(6)  # 8 * 6 = 48 bytes: taken
    check_epochs(2, 1, True)  # 8 * 2 * 3 = 48 (loss, validation loss and accuracy)
    assert bad(check_epochs, 7) == (
        "7 epochs x 1 member(s) need about 56 bytes for the loss history alone, more than the "
        "48 bytes a command may use",
        "--epochs",
    )
    assert bad(check_epochs, 3, 1, True)[0].startswith("3 epochs x 1 member(s) need about 72 bytes")
    assert bad(check_epochs, 2, 2, True)[0].startswith("2 epochs x 2 member(s) need about 96 bytes")


# --- rows from the command line ---------------------------------------------------------------


def test_numbers_of_a_row_and_their_refusals():
    assert _numbers("0,0.5,-1", "--x") == [0.0, 0.5, -1.0]
    assert _numbers("1;2", "--y") == [1.0, 2.0]  # a semicolon separates too
    assert bad(_numbers, "  ", "--x") == ("expected at least one number, got '  '", "--x")
    assert bad(_numbers, "0,,1", "--y") == (
        "expected comma-separated numbers like 0,0,1, got '0,,1'",
        "--y",
    )
    assert bad(_numbers, "0, 1e-400", "--x") == (
        "'1e-400' is smaller than float64 holds: it would be read as 0",
        "--x",
    )


def test_rows_make_the_arrays_or_name_the_mismatch():
    X, Y = _rows(("0,1", "2,3"), ("1", "0"))
    np.testing.assert_array_equal(X, [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(Y, [[1.0], [0.0]])
    assert X.dtype == Y.dtype == np.float64
    assert bad(_rows, ("0,1", "2,3"), ("1",))[0] == (
        "--x and --y: expected one --y per --x, got 2 --x and 1 --y"
    )
    assert bad(_rows, ("0,1", "2"), ("1", "0"))[0] == (
        "--x: expected rows of equal length, got lengths [2, 1]"
    )
    assert bad(_rows, ("0", "2"), ("1", "0,1"))[0] == (
        "--y: expected rows of equal length, got lengths [1, 2]"
    )


# --- where the data comes from ----------------------------------------------------------------


def test_the_options_that_feed_x_and_y():
    rows = {"X": "--x", "y": "--y", "validation y": "--y"}
    assert Options(xs=("0",)).data_options() == rows
    assert Options(ys=("0",)).data_options() == rows
    assert Options(csv="d.csv").data_options() == dict.fromkeys(rows, "--csv") | {
        "y": "--target",
        "validation y": "--target",
    }
    assert Options(dataset="xor").data_options() == dict.fromkeys(rows, "--dataset")
    assert Options().data_options() == dict.fromkeys(rows, "--dataset")
    assert Options(model="m.npz").data_options() == dict.fromkeys(rows, "--model")
    assert Options(model="m.npz", dataset="xor").data_options() == dict.fromkeys(rows, "--dataset")


def write_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,t\n1.5,10.5,0\n2.5,20,1\n3.25,40,0\n")  # real a, b: no classes
    return str(path)


A_COL, B_COL, T_COL = np.array([1.5, 2.5, 3.25]), np.array([10.5, 20, 40]), np.array([0.0, 1, 0])


def standardized(col):
    """The documented standardization: (x - mean) / std, std with ddof 0."""
    return (col - col.mean()) / np.sqrt(np.mean((col - col.mean()) ** 2))


def test_a_csv_is_read_with_its_last_column_as_target_and_standardized(tmp_path):
    path = write_csv(tmp_path)
    X, y, source = Options(csv=path).load_data()
    assert source == path
    np.testing.assert_allclose(X, np.column_stack([standardized(A_COL), standardized(B_COL)]))
    np.testing.assert_array_equal(y, T_COL[:, None])
    X, y, _ = Options(csv=path).load_data(standardize=False)  # raw, for train
    np.testing.assert_array_equal(X, np.column_stack([A_COL, B_COL]))
    # a target by index (negative counts from the end) or by name
    for target, Xcols, ycol in [
        ("0", [B_COL, T_COL], A_COL),
        ("-2", [A_COL, T_COL], B_COL),
        ("b", [A_COL, T_COL], B_COL),
    ]:
        X, y, _ = Options(csv=path, target=target).load_data(standardize=False)
        np.testing.assert_array_equal(X, np.column_stack(Xcols))
        np.testing.assert_array_equal(y, ycol[:, None])
        assert X.dtype == y.dtype == np.float64


def test_a_csv_is_standardized_as_the_model_recorded(tmp_path):
    path = write_csv(tmp_path)
    rec = {"standardize": {"mean": [2.0, 20.0], "scale": [0.5, 10.0]}}
    X, _, _ = Options(csv=path, training=rec).load_data()
    np.testing.assert_allclose(X, np.column_stack([(A_COL - 2) / 0.5, (B_COL - 20) / 10]))
    for mean, scale in [([2.0], [0.5, 10.0]), ([2.0, 20.0], [0.5])]:
        wrong = {"standardize": {"mean": mean, "scale": scale}}
        assert bad(Options(csv=path, training=wrong).load_data) == (
            f"the model was trained on {len(mean)} input columns, the file has 2",
            "--csv",
        )


def test_one_source_of_data_and_a_target_only_with_a_csv(tmp_path):
    assert bad(Options(dataset="xor", csv="d.csv").load_data)[0] == (
        "--dataset and --csv: give one source of data, not both"
    )
    assert bad(Options(dataset="xor", xs=("0,0",), ys=("1",)).load_data)[0] == (
        "--dataset and --x/--y: give one source of data, not both"
    )
    assert bad(Options(csv="d.csv", ys=("1",)).load_data)[0] == (
        "--csv and --x/--y: give one source of data, not both"
    )
    assert bad(Options(target="t").load_data)[0] == (
        "--target: names a column of --csv; give --csv, or drop --target"
    )
    X, y, source = Options(xs=("0,1", "1,0"), ys=("1", "0")).load_data()
    np.testing.assert_array_equal(X, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(y, [[1], [0]])
    assert source == "command line"


def test_the_data_set_named_else_the_models_else_the_papers():
    for options, name in [
        (Options(dataset="xor"), "xor"),
        (Options(), "paper"),
        (Options(model="m.npz", training={"dataset": "and"}), "and"),
        (Options(model="m.npz", training={}), "paper"),
        (Options(model="m.npz", dataset="or", training={"dataset": "and"}), "or"),
        (Options(dataset="xor", training={"dataset": "and"}), "xor"),
    ]:
        X, y, source = options.load_data()
        want_X, want_y = gn.datasets.load(name)
        assert source == name
        np.testing.assert_array_equal(X, want_X)
        np.testing.assert_array_equal(y, want_y)
        assert X.dtype == y.dtype == np.float64


def test_a_models_data_recipe_is_made_again():
    recipe = {"dataset": "moons", "n_samples": 40, "seed": 3}
    X, y, source = Options(model="m.npz", training={"recipe": recipe}).load_data()
    want_X, want_y, _, _ = gn.datasets.from_recipe(recipe)
    np.testing.assert_array_equal(X, want_X)
    np.testing.assert_array_equal(y, want_y)
    assert source == "moons" and X.dtype == y.dtype == np.float64
    # the recipe only when no data set is named, and only with a model
    assert Options(model="m.npz", dataset="xor", training={"recipe": recipe}).load_data()[2] == (
        "xor"
    )
    assert Options(training={"recipe": recipe}).load_data()[2] == "paper"
    message, hint = bad(Options(model="m.npz", training={"recipe": {"dataset": "nope"}}).load_data)
    assert hint == "--dataset"
    assert message.startswith("the model's data recipe cannot be made again (")
    assert message.endswith("); give the data it was trained on") and "nope" in message


# --- the network -----------------------------------------------------------------------------

XOR_X, XOR_Y = (np.asarray(a, float) for a in gn.datasets.load("xor"))


def same_network(net, want):
    assert net.sizes == want.sizes and net.bias == want.bias and net.dtype == want.dtype
    assert [a.name for a in net.activations] == [a.name for a in want.activations]
    assert net.population == want.population
    for got_layer, want_layer in zip(net.params, want.params, strict=True):
        for k in want_layer:
            np.testing.assert_array_equal(got_layer[k], want_layer[k])


def test_a_new_network_with_trains_defaults():
    # the defaults of `glassnet train`: one hidden layer of 2, sigmoid, bias per unit,
    # xavier, seed 0, float64; the output from the targets (0/1: sigmoid)
    want = gn.Network([2, 2, 1], activation="sigmoid", output="sigmoid", bias="neuron",
                      init="xavier", seed=0, dtype="float64")  # fmt: skip
    same_network(Options().build(XOR_X, XOR_Y), want)


def test_a_new_network_as_the_options_ask_and_a_population_of_seeds(monkeypatch):
    o = Options(hidden="3,4", activation="tanh,relu", output="tanh", bias="layer", init="he",
                seed=5, dtype="float32")  # fmt: skip
    want = gn.Network([2, 3, 4, 1], activation=["tanh", "relu"], output="tanh", bias="layer",
                      init="he", seed=[5, 6, 7], dtype="float32")  # fmt: skip
    same_network(o.build(XOR_X, XOR_Y, population=3), want)
    same_network(Options(activation="tanh", seed=2).build(XOR_X, XOR_Y),
                 gn.Network([2, 2, 1], activation="tanh", output="sigmoid", seed=2))  # fmt: skip
    # --sizes spells every layer
    same_network(Options(sizes="2,5,1").build(XOR_X, XOR_Y),
                 gn.Network([2, 5, 1], activation="sigmoid", output="sigmoid", seed=0))  # fmt: skip
    # the memory bound counts the members: 2-2-1 on 4 rows is 8 (5 * 9 + 4 * 4 * 5) = 1000 bytes
    monkeypatch.setattr(opt, "MEMORY_LIMIT", 1000)
    Options().build(XOR_X, XOR_Y)
    Options().build(XOR_X, XOR_Y, population=1)
    assert bad(Options().build, XOR_X, XOR_Y, population=2)[1] == "--population"


@pytest.mark.parametrize("sizes", ["3,2,1", "2,2,2", "2", "1"])
def test_sizes_that_do_not_fit_the_data_are_refused(sizes):
    assert bad(Options(sizes=sizes).build, XOR_X, XOR_Y) == (
        f"expected 2 inputs and 1 outputs for this data (2 input and 1 target columns), got "
        f"{sizes!r} (--hidden gives the hidden layers alone)",
        "--sizes",
    )


def test_a_model_file_is_the_network_and_must_fit_the_data(tmp_path):
    net = gn.Network([2, 3, 1], activation="tanh", seed=4)
    path = str(tmp_path / "m.npz")
    net.save(path)
    same_network(Options(model=path, hidden="9").build(XOR_X, XOR_Y), net)
    X3 = np.zeros((4, 3))
    for o, source in [
        (Options(model=path), "--dataset"),
        (Options(model=path, csv="d.csv"), "--csv"),
        (Options(model=path, xs=("0,0,0",), ys=("1",)), "--x/--y"),
    ]:
        assert bad(o.build, X3, XOR_Y)[0] == (
            f"{source}: the model {path} is 2-3-1 but the data has 3 input and 1 target "
            "column(s); give the data it was trained on (--dataset, --csv or --x/--y)"
        )
    assert bad(Options(model=path).build, XOR_X, np.zeros((4, 2)))[0].startswith(
        f"--dataset: the model {path} is 2-3-1 but the data has 2 input and 2 target column(s)"
    )


def test_the_output_and_loss_as_given_recorded_or_from_the_targets():
    onehot = np.eye(3)[[0, 1, 2, 0]]
    real = np.array([[0.5], [1.5]])
    # auto: softmax and cross_entropy for several classes, sigmoid and bce for 0/1 targets,
    # identity and mse for real-valued ones (losses.natural_output and natural_loss)
    assert Options().output_and_loss(onehot) == ("softmax", "cross_entropy")
    assert Options().output_and_loss(XOR_Y) == ("sigmoid", "bce")
    assert Options().output_and_loss(real) == ("identity", "mse")
    assert Options(output="auto", loss="auto").output_and_loss(XOR_Y) == ("sigmoid", "bce")
    # a loss chosen for the output given: tanh's range is not (0, 1), so mse
    assert Options(output="tanh").output_and_loss(XOR_Y) == ("tanh", "mse")
    assert Options(loss="sse").output_and_loss(XOR_Y) == ("sigmoid", "sse")
    # the model's recorded loss when none is given
    assert Options(training={"loss": "mae"}).output_and_loss(XOR_Y) == ("sigmoid", "mae")
    assert Options(loss="auto", training={"loss": "mae"}).output_and_loss(XOR_Y)[1] == "mae"
    assert Options(loss="sse", training={"loss": "mae"}).output_and_loss(XOR_Y)[1] == "sse"
    assert Options(training={"loss": None}).output_and_loss(XOR_Y)[1] == "bce"
    # a network's own output activation
    net = gn.Network([2, 2, 1], output="identity", seed=0)
    assert Options(output="sigmoid").output_and_loss(XOR_Y, net) == ("identity", "mse")


def test_the_training_settings_as_given_else_recorded_else_the_defaults():
    recorded = {"optimizer": "adam", "lr": 0.5, "batch_size": 4, "backend": None}
    o = Options(optimizer="momentum", lr=0.1, given={"optimizer"}, training=recorded)
    assert o.fit_kwargs() == {"optimizer": "momentum", "lr": 0.5, "batch_size": 4,
                              "backend": None}  # fmt: skip
    assert Options(lr=0.1).fit_kwargs() == {"optimizer": None, "lr": 0.1, "batch_size": None,
                                            "backend": None}  # fmt: skip
    net = gn.Network([2, 2, 1], seed=0)
    assert o.settings(net, "mse") == {"loss": "mse", "optimizer": "momentum", "lr": 0.5,
                                      "batch_size": 4, "backend": "numpy"}  # fmt: skip
    assert Options().settings(net, "bce") == {"loss": "bce", "optimizer": "gd", "lr": None,
                                              "batch_size": None, "backend": "numpy"}  # fmt: skip
    assert not o.resumes(net)
    # a model file whose run is kept: only what the command line gave changes it
    net.fit(XOR_X, XOR_Y, loss="mse", epochs=1)
    resumed = Options(model="m.npz", optimizer="momentum", given={"optimizer", "hidden"})
    assert resumed.resumes(net) and not Options().resumes(net)
    assert resumed.settings(net, "mse") == {"optimizer": "momentum"}


def test_the_settings_a_model_file_records(tmp_path):
    plain = str(tmp_path / "plain.npz")
    gn.Network([2, 2, 1], seed=0).save(plain)
    assert opt._recorded(plain) == {}
    extra = {"training": {"loss": "mae", "dataset": "xor", "lr": 0.3, "batch_size": 8},
             "data": {"dataset": "moons"}}  # fmt: skip
    noted = str(tmp_path / "noted.npz")
    gn.Network([2, 2, 1], seed=0).save(noted, extra=extra)
    assert opt._recorded(noted) == extra["training"] | {"recipe": {"dataset": "moons"}}
    # a run's configuration (format 3) wins over the notes, where it has a value
    net = gn.Network([2, 2, 1], seed=0)
    net.fit(XOR_X, XOR_Y, loss="mse", optimizer="adam", lr=0.01, epochs=1)
    run = str(tmp_path / "run.npz")
    net.save(run, extra=extra)
    assert opt._recorded(run) == {"loss": "mse", "dataset": "xor", "lr": 0.01, "batch_size": 8,
                                  "recipe": {"dataset": "moons"}, "optimizer": "adam",
                                  "backend": "numpy"}  # fmt: skip
    odd = str(tmp_path / "odd.npz")
    gn.Network([2, 2, 1], seed=0).save(odd, extra={"training": None, "data": "moons"})
    assert opt._recorded(odd) == {}


# --- the options themselves ----------------------------------------------------------------------


def probe(defaults=opt.DEFAULTS, **kwargs):
    """A command with the shared options that returns what it received."""

    @click.command()
    @opt.shared_options(defaults, **kwargs)
    def command(opts):
        return opts

    return command


def run(command, *args):
    return command.main(list(args), standalone_mode=False)


TRAIN = {"hidden": "2", "activation": "sigmoid", "output": "auto", "loss": "auto",
         "bias": "neuron", "init": "xavier", "seed": 0, "dtype": "float64", "optimizer": "gd",
         "lr": None, "batch_size": None, "backend": "numpy"}  # fmt: skip


def fields_of(o):
    return {name: getattr(o, name) for name in TRAIN}


def test_the_defaults_of_train_and_the_papers_for_inspect():
    o = run(probe())
    assert fields_of(o) == TRAIN and o.given == set() and o.training == {}
    assert (o.model, o.dataset, o.csv, o.target, o.xs, o.ys, o.sizes) == (None,) * 4 + ((),) * 2 + (
        None,
    )
    paper = run(probe(opt.PAPER_DEFAULTS))
    assert fields_of(paper) == TRAIN | {"bias": "layer", "init": "paper", "seed": 1,
                                        "loss": "sse", "lr": 0.5}  # fmt: skip


def test_what_was_given_is_kept_and_named():
    o = run(probe(), "-d", "xor", "--hidden", "3", "--lr", "0.1", "--seed", "0", "--x", "0,1",
            "--x", "1,0", "--batch-size", "1", "--bias", "none", "--dtype", "float32")  # fmt: skip
    assert o.dataset == "xor" and o.hidden == "3" and o.lr == 0.1 and o.seed == 0
    assert o.xs == ("0,1", "1,0") and o.batch_size == 1 and o.bias == "none"
    assert o.given == {"dataset", "hidden", "lr", "seed", "xs", "batch_size", "bias", "dtype"}
    o = run(probe(), "--sizes", "2,3,1")
    assert o.sizes == "2,3,1" and o.given == {"sizes", "hidden"} and o.hidden == "2"
    assert bad(run, probe(), "--sizes", "2,3,1", "--hidden", "3")[0] == (
        "--sizes and --hidden: give --hidden only"
    )


EMPTY = {
    "dataset": "a data set name (see `glassnet datasets`)",
    "hidden": "hidden layer sizes like 8,8 (0: none)",
    "activation": "an activation name like tanh, or one per layer: tanh,relu",
    "output": "an output activation name like sigmoid (auto: from the targets)",
    "loss": "a loss name like mse (auto: from the output)",
    "init": "an initializer name like xavier",
    "optimizer": "an optimizer name like adam",
}


@pytest.mark.parametrize("name", sorted(EMPTY))
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_name_is_refused_not_taken_for_the_default(name, value):
    assert bad(run, probe(), f"--{name}", value) == (f"expected {EMPTY[name]}, got {value!r}",
                                                     f"--{name}")  # fmt: skip


def test_the_ranges_of_the_typed_options(tmp_path):
    assert run(probe(), "--seed", "0").seed == 0
    assert run(probe(), "--batch-size", "1").batch_size == 1
    for args in (["--seed", "-1"], ["--batch-size", "0"], ["--bias", "all"],
                 ["--dtype", "float16"], ["--backend", "torch"], ["--lr", "nan"],
                 ["--csv", str(tmp_path)], ["--model", str(tmp_path)]):  # fmt: skip
        with pytest.raises(click.BadParameter):
            run(probe(), *args)
    assert run(probe(), "--backend", "jax").backend == "jax"
    assert run(probe(), "--lr", "-2").lr == -2.0  # any finite number: the library judges it


def test_a_model_file_defines_the_network(tmp_path):
    path = str(tmp_path / "m.npz")
    gn.Network([2, 2, 1], seed=0).save(path, extra={"training": {"loss": "mae"}})
    for args, name in [(["--hidden", "3"], "hidden"), (["--seed", "3"], "seed"),
                       (["--sizes", "2,3,1"], "hidden"), (["--dtype", "float32", "--seed", "1"],
                                                          "dtype"),
                       (["--activation", "tanh"], "activation"), (["--output", "tanh"], "output"),
                       (["--bias", "none"], "bias"), (["--init", "he"], "init")]:  # fmt: skip
        assert bad(run, probe(), "--model", path, *args)[0] == (
            f"--{name}: the model file defines the network; drop --{name} or --model"
        )
    o = run(probe(), "--model", path, "--lr", "0.2")
    assert o.training == {"loss": "mae"} and o.loss is None  # the model's loss, not auto
    assert o.lr == 0.2 and o.optimizer == "gd" and o.given == {"model", "lr"}
    plain = str(tmp_path / "plain.npz")
    gn.Network([2, 2, 1], seed=0).save(plain)
    assert run(probe(), "--model", plain).loss == "auto"


def test_a_command_offers_only_its_training_options_and_model():
    o = run(probe(training=("lr",), model=False))
    assert o.lr is None and o.optimizer is None and o.backend is None and o.batch_size is None
    names = {p.name for p in probe(training=("lr",), model=False).params}
    assert {"model", "optimizer", "batch_size", "backend"}.isdisjoint(names) and "lr" in names
    with pytest.raises(click.NoSuchOption):
        run(probe(training=("lr",)), "--optimizer", "adam")
    with pytest.raises(click.NoSuchOption):
        run(probe(model=False), "--model", "m.npz")
    o = run(probe(opt.PAPER_DEFAULTS, training=("optimizer", "backend")))
    assert o.lr is None and o.optimizer == "gd" and o.backend == "numpy"


def test_the_help_of_every_option():
    acts = "elu, gelu, identity, leaky_relu, relu, sigmoid, silu, softplus, tanh, tanh01"
    helps = {p.name: p.help for p in probe().params}
    assert helps == {
        "model": "A saved model (.npz): used as it is, with the settings it was trained with.",
        "dataset": "A built-in data set (see `glassnet datasets`) [default: paper; with "
                   "--model, the one it was trained on].",
        "csv": "Data from a CSV file instead.",
        "target": "CSV target column (name or index) [default: the column named label, target, y or class, else the last].",
        "delimiter": "CSV field separator: one character, or tab, semicolon, comma, bar [default: auto, found in the file].",
        "header": "Whether the CSV's first line names its columns [default: auto].",
        "task": "The CSV target: class labels or numbers [default: auto, from its values].",
        "scale_target": "Standardize a CSV regression target with its training part's mean and "
                        "deviation, recorded in the model file [default: auto, yes when the "
                        "output is identity].",
        "xs": 'Data from the command line: one input row, e.g. --x "0,0,1" (repeat; one --y '
              "each).",
        "ys": "The target of the --x before.",
        "hidden": "Hidden layer sizes, e.g. 8,8 (0: none) [default: 2].",
        "sizes": "Every layer's size, inputs to outputs (the older spelling).",
        "activation": f"Hidden activation ({acts}), or one per layer: tanh,relu "
                      "[default: sigmoid].",
        "output": f"Output activation ({acts.replace('silu, ', 'silu, softmax, ')}; auto: from "
                  "the targets) [default: auto].",
        "loss": "Loss (bce, cross_entropy, huber, mae, mse, sse; auto: from the output; with "
                "--model, the one it was trained with) [default: auto].",
        "bias": "One bias per unit, one per layer (the paper's), or none [default: neuron].",
        "init": f"Initializer ({', '.join(gn.initializers.names())}) [default: xavier].",
        "seed": "Seed of the weights (and of the data split) [default: 0].",
        "dtype": "Floating-point type [default: float64].",
        "optimizer": "Optimizer (adam, adamw, gd, momentum, nesterov, rmsprop) [default: gd].",
        "lr": "Learning rate [default: the optimizer's].",
        "batch_size": "Mini-batch size [default: full batch].",
        "backend": "Training engine: NumPy, or compiled with JAX (needs the jax extra) "
                   "[default: numpy].",
    }  # fmt: skip
    paper = {p.name: p.help for p in probe(opt.PAPER_DEFAULTS).params}
    assert paper["lr"] == "Learning rate [default: 0.5]."
    assert paper["seed"] == "Seed of the weights (and of the data split) [default: 1]."
    flags = {p.name: p.opts for p in probe().params}
    assert flags["dataset"] == ["--dataset", "-d"] and flags["batch_size"] == ["--batch-size"]
    hidden = {p.name: p.hidden for p in probe().params if isinstance(p, click.Option)}
    assert hidden["sizes"] and not any(v for k, v in hidden.items() if k != "sizes")
    rows = {p.name: (p.multiple, p.metavar) for p in probe().params}
    assert rows["xs"] == rows["ys"] == (True, "ROW") and rows["hidden"] == (False, None)


def test_the_options_in_order_and_errors_named_by_the_option_that_fed_them():
    assert [p.name for p in probe().params] == [
        "model", "dataset", "csv", "target", "delimiter", "header", "task", "scale_target", "xs",
        "ys", "hidden",
        "sizes", "activation",
        "output", "loss", "bias", "init", "seed", "dtype", "optimizer", "lr", "batch_size",
        "backend",
    ]  # fmt: skip

    @click.command()
    @opt.shared_options(opt.DEFAULTS)
    def failing(opts):
        raise ValueError("X: expected 3 columns, got 2")

    for args, option in [(["--csv", "d.csv"], "--csv"), (["--x", "0", "--y", "1"], "--x"),
                         ([], "--dataset")]:  # fmt: skip
        assert bad(run, failing, *args)[0] == f"{option}: expected 3 columns, got 2"
    assert bad(run, probe(), "--model", "/nonexistent/m.npz")[0] == (
        "--model: /nonexistent/m.npz: no such model file"
    )


# --- the reruns' survivors ------------------------------------------------------------------------


def test_a_finite_options_error_names_the_option_and_keeps_the_commands_context():
    for value, message in [
        ("nan", "expected a finite number, got 'nan'"),
        ("1e-400", "'1e-400' is smaller than float64 holds: it would be read as 0"),
        ("abc", "'abc' is not a valid float."),
    ]:
        with pytest.raises(click.BadParameter) as err:
            run(probe(), "--lr", value)
        assert err.value.format_message() == f"Invalid value for '--lr': {message}"
        assert err.value.ctx is not None and err.value.ctx.command.name == "command"


def test_a_long_decimal_without_exponent_read_as_zero_underflows():
    text = "0." + "0" * 400 + "1"  # 10^-401, no "e" in it
    assert float(text) == 0.0 and underflows(text, 0.0)


def test_the_data_files_errors_name_the_option_that_gave_it(tmp_path):
    path = write_csv(tmp_path)
    missing = str(tmp_path / "missing.csv")
    assert bad(Options(csv=missing).load_data)[0] == f"--csv: no such file {missing!r}"
    assert bad(Options(csv=path, target="zz").load_data)[0] == (
        f"--target: no column named 'zz' in {path!r}; its columns are: a, b, t"
    )
    assert bad(Options(model="/nonexistent/m.npz").build, XOR_X, XOR_Y)[0] == (
        "--model: /nonexistent/m.npz: no such model file"
    )
    assert bad(Options(output="nope").output_and_loss, XOR_Y)[0].startswith(
        "--output: unknown activation 'nope'; expected one of elu, gelu, identity"
    )


def test_the_memory_bound_counts_the_rows_not_the_columns(monkeypatch):
    # 2-2-1 on XOR's 4 rows (2 columns): 8 (5 * 9 + 4 * 4 * 5) = 1000 bytes
    monkeypatch.setattr(opt, "MEMORY_LIMIT", 999)
    assert bad(Options().build, XOR_X, XOR_Y)[0].startswith(
        "a 2-2-1 network has 9 parameters; training it on 4 samples needs about 1e+03 bytes"
    )


def test_the_second_reruns_survivors(tmp_path):
    assert _fmt_bytes(1.5 * 2**20) == "1.5 MiB"
    # no hidden layer: --sizes of two layers is a network of inputs and outputs
    same_network(Options(sizes="2,1").build(XOR_X, XOR_Y),
                 gn.Network([2, 1], output="sigmoid", seed=0))  # fmt: skip
    # the output activation of a deeper network is its last layer's
    deep = gn.Network([2, 3, 4, 1], activation=["tanh", "relu"], output="identity", seed=0)
    assert Options().output_and_loss(XOR_Y, deep) == ("identity", "mse")
    # a run's batch size wins over the notes' when the run had one
    net = gn.Network([2, 2, 1], seed=0)
    net.fit(XOR_X, XOR_Y, loss="mse", batch_size=2, epochs=1)
    path = str(tmp_path / "run.npz")
    net.save(path, extra={"training": {"batch_size": 8}})
    assert opt._recorded(path)["batch_size"] == 2
    # a CSV column whose name starts with X is a name, not an index
    csv = tmp_path / "x.csv"
    csv.write_text("X1,b\n0.5,1.5\n2.5,3.5\n")
    X, y, _ = Options(csv=str(csv), target="X1").load_data(standardize=False)
    np.testing.assert_array_equal(y, [[0.5], [2.5]])
    np.testing.assert_array_equal(X, [[1.5], [3.5]])


def test_a_default_of_none_is_not_written_and_every_flag():
    helps = {p.name: p.help for p in probe(opt.DEFAULTS | {"hidden": None}).params}
    assert helps["hidden"] == "Hidden layer sizes, e.g. 8,8 (0: none)."
    flags = {p.name: p.opts for p in probe().params}
    assert flags == {
        "model": ["--model"], "dataset": ["--dataset", "-d"], "csv": ["--csv"],
        "target": ["--target"], "delimiter": ["--delimiter"], "header": ["--header"],
        "task": ["--task"], "scale_target": ["--scale-target"], "xs": ["--x"], "ys": ["--y"],
        "hidden": ["--hidden"],
        "sizes": ["--sizes"], "activation": ["--activation"], "output": ["--output"],
        "loss": ["--loss"], "bias": ["--bias"], "init": ["--init"], "seed": ["--seed"],
        "dtype": ["--dtype"], "optimizer": ["--optimizer"], "lr": ["--lr"],
        "batch_size": ["--batch-size"], "backend": ["--backend"],
    }  # fmt: skip
    assert run(probe(), "--target", "t", "--csv", "d.csv").target == "t"


def test_a_model_path_the_library_refuses_is_named_once_by_its_option():
    # the library names its argument "path"; the option that fed it is --model, said once
    assert bad(Options(model="").build, XOR_X, XOR_Y)[0] == (
        "--model: expected a model file name, got ''"
    )
