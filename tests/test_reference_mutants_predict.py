"""glassnet predict (glassnet/cli/predict.py) against independent references: the survivors
of its mutation run (tests/mutation/survivors.md) that the command's own tests let through.

The models are written by hand (``Network.save`` with the ``extra["training"]`` record
``glassnet train`` writes, its weights set to chosen numbers), so each output is a sigmoid of a
dot product computed here with NumPy; memory and chunk sizes are the docstrings' formulas
worked out by hand; the scores are scikit-learn's."""

from __future__ import annotations

import click
import numpy as np
import pytest
from sklearn.metrics import mean_squared_error, r2_score
from test_cli_predict import error, invoke, table

import glassnet as gn
import glassnet.cli
import glassnet.cli.predict as predict
from glassnet.cli import main

W = np.array([[0.5], [-0.25]])
B = 0.125


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def by_hand(X, w=W, b=B):
    """The one-layer sigmoid network's outputs, by NumPy."""
    return sigmoid(np.asarray(X, float) @ w + b)


def model_file(tmp_path, training, *, w=W, b=B, dtype="float64", name="m.npz") -> str:
    """A 2-input sigmoid network with weights ``w`` and bias ``b``, and ``training`` as
    glassnet train records it."""
    net = gn.Network([w.shape[0], w.shape[1]], output="sigmoid", dtype=dtype)
    net.params[0]["W"][...] = w
    net.params[0]["b"][...] = b
    path = tmp_path / name
    net.save(path, extra={"training": training})
    return str(path)


def values(out: str) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in table(out)[1:]])


# --- the memory bound: 8 bytes x rows x (2 max(outputs, 2) + 1) -------------------------------
def test_the_memory_bound_by_hand_at_its_edge(monkeypatch):
    # 80 rows of 1 output: 8 * 80 * (2 * 2 + 1) = 3200 bytes; of 3 outputs 8 * 80 * 7 = 4480
    for n_out, need in ((1, 3200), (2, 3200), (3, 4480)):
        monkeypatch.setattr(predict, "MEMORY_LIMIT", need)
        predict._check_memory(80, n_out, "--x")  # exactly the limit: taken
        monkeypatch.setattr(predict, "MEMORY_LIMIT", need - 1)
        with pytest.raises(click.BadParameter):
            predict._check_memory(80, n_out, "--x")


def test_the_real_memory_bound_and_its_message():
    predict._check_memory(10**8, 1, "--csv")  # 4e9 bytes: under 4 GiB (4.29e9)
    with pytest.raises(click.BadParameter) as refused:
        predict._check_memory(2 * 10**8, 1, "--csv")  # 8e9 bytes = 7.45 GiB
    assert refused.value.message == (
        "200000000 rows of 1 outputs need about 7.45 GiB of memory, more than the 4 GiB a "
        "command may use; predict fewer rows at a time"
    )
    assert refused.value.param_hint == "--csv"


# --- the network run a chunk of rows at a time -----------------------------------------------
class Counting:
    """A 2-3-1 network's sizes, its outputs by hand, and the rows of each call."""

    def __init__(self) -> None:
        self.sizes = [2, 3, 1]
        self.calls: list[int] = []

    def predict(self, X):
        self.calls.append(len(X))
        return by_hand(X)


@pytest.mark.parametrize(
    ("chunk_bytes", "calls"),
    # a row holds 2 * 8 * (2 + 3 + 1) = 96 bytes: 384 bytes are 4 rows; 95, not one: still one
    [(384, [4, 4, 2]), (96 * 3 + 95, [3, 3, 3, 1]), (95, [1] * 10)],
)
def test_rows_go_through_in_chunks_of_whole_rows(monkeypatch, chunk_bytes, calls):
    monkeypatch.setattr(predict, "CHUNK_BYTES", chunk_bytes)
    X = np.arange(20.0).reshape(10, 2) / 7
    net = Counting()
    out = predict._outputs(net, X)
    assert net.calls == calls
    assert out.shape == (10, 1) and np.array_equal(out, by_hand(X))


def test_a_float32_models_outputs_are_taken_as_float64_before_one_minus_p(tmp_path):
    model = model_file(tmp_path, {"loss": "bce"}, dtype="float32")
    code, out, err = invoke("predict", "--model", model, "--x", "-9.5,0.5")
    assert code == 0, err
    got = table(out)
    assert got[0] == ["label", "p(0)", "p(1)"]
    p1 = float(got[1][2])
    assert p1 == pytest.approx(by_hand([[-9.5, 0.5]])[0, 0], rel=1e-6)  # float32's precision
    assert np.float32(p1) == p1  # a float32 value, written exactly
    # 1 - p in float64; in float32 it rounds (p is near 0.01: 6 more bits than 1 - p holds)
    assert float(got[1][1]) == 1 - p1 != float(np.float32(1) - np.float32(p1))
    assert got[1][0] == "0"  # p < 0.5


# --- the --csv target: given, else recorded; an index or a name ------------------------------
def test_a_recorded_target_index_picks_the_column_of_a_file_without_header(tmp_path, capsys):
    model = model_file(tmp_path, {"target": "0"})
    rows = tmp_path / "rows.csv"
    rows.write_text("9,0.5,-1\n7,2,0.1\n")  # the target first, as recorded
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows))
    assert code == 0, err
    expect = by_hand([[0.5, -1], [2, 0.1]])[:, 0]
    assert table(out)[0] == ["prediction"]
    assert values(out)[:, 0] == pytest.approx(expect, rel=1e-12)
    r2 = float(err.split("R²")[1].split()[0])
    rmse = float(err.split("RMSE")[1].split()[0])
    assert r2 == pytest.approx(r2_score([9, 7], expect), abs=5e-5)
    assert rmse == pytest.approx(mean_squared_error([9, 7], expect) ** 0.5, rel=1e-5)
    # --target wins over the record: the last column, by a negative index
    last = tmp_path / "last.csv"
    last.write_text("0.5,-1,9\n2,0.1,7\n")
    code, out, err = invoke("predict", "--model", model, "--csv", str(last), "--target", "-1")
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(expect, rel=1e-12)
    code, out, err = invoke("predict", "--model", model, "--csv", str(last), "--target", "2")
    assert code == 0 and values(out)[:, 0] == pytest.approx(expect, rel=1e-12)


def test_a_target_index_that_is_also_a_columns_name_is_refused(tmp_path, capsys):
    model = model_file(tmp_path, {})
    rows = tmp_path / "rows.csv"
    rows.write_text("1,a,b\n9,0.5,-1\n")  # column 0 is named 1; --target 1 is column a
    message = error(capsys, "predict", "--model", model, "--csv", str(rows), "--target", "1")
    assert message.startswith("Invalid value for --target: '1' is both the index of column 'a'")
    # by name it is taken
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows), "--target", "b")
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(by_hand([[9, 0.5]])[:, 0], rel=1e-12)


def test_a_target_not_in_the_file_is_said_by_the_option_that_named_it(tmp_path, capsys):
    model = model_file(tmp_path, {"target": "price"})
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b,cost\n0.5,-1,9\n")
    recorded = error(capsys, "predict", "--model", model, "--csv", str(rows))
    assert recorded.startswith("--model (its recorded target): "), recorded
    assert "'price'" in recorded
    given = error(capsys, "predict", "--model", model, "--csv", str(rows), "--target", "zz")
    assert given.startswith("--target: ") and "'zz'" in given, given


def test_recorded_input_names_the_library_refuses_are_said_as_the_models(tmp_path, capsys):
    model = model_file(tmp_path, {"features": ["a", "a"]})
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n0.5,-1\n")
    assert error(capsys, "predict", "--model", model, "--csv", str(rows)) == (
        "--model (its recorded input columns): expected 2 different names (n_features), got "
        "['a', 'a']"
    )


def test_a_file_too_large_is_said_as_the_csv(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(gn.datasets.csv, "MAX_CSV_BYTES", 4)
    model = model_file(tmp_path, {})
    rows = tmp_path / "rows.csv"
    rows.write_text("0.5,-1\n")
    message = error(capsys, "predict", "--model", model, "--csv", str(rows))
    assert message.startswith(f"--csv: {str(rows)!r} holds 0 MiB"), message


# --- --delimiter and --header reach the reader -----------------------------------------------
def test_the_delimiter_given_is_the_one_used(tmp_path, capsys):
    model = model_file(tmp_path, {})
    rows = tmp_path / "rows.csv"
    rows.write_text("0.5,-1\n2,0.1\n")
    message = error(capsys, "predict", "--model", model, "--csv", str(rows), "--delimiter", ";")
    assert message.startswith("--csv: ") and "got 1" in message, message  # one field a line
    semi = tmp_path / "semi.csv"
    semi.write_text("0.5;-1\n2;0.1\n")
    code, out, err = invoke("predict", "--model", model, "--csv", str(semi), "--delimiter",
                            "semicolon")  # fmt: skip
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(by_hand([[0.5, -1], [2, 0.1]])[:, 0], rel=1e-12)


def test_header_yes_and_no_are_obeyed(tmp_path, capsys):
    model = model_file(tmp_path, {})
    rows = tmp_path / "rows.csv"
    rows.write_text("1,2\n0.5,-1\n2,0.1\n")  # numbers: auto would read three data rows
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows), "--header", "yes")
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(by_hand([[0.5, -1], [2, 0.1]])[:, 0], rel=1e-12)
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows), "--header", "no")
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(by_hand([[1, 2], [0.5, -1], [2, 0.1]])[:, 0])
    named = tmp_path / "named.csv"
    named.write_text("a,b\n0.5,-1\n")  # a header line: auto would skip it
    message = error(capsys, "predict", "--model", model, "--csv", str(named), "--header", "no")
    assert "'a'" in message and "line 1" in message, message


# --- what the file records of the task -------------------------------------------------------
def test_class_names_that_do_not_fit_the_outputs_are_refused(tmp_path, capsys):
    for classes, said in ((["a", "b", "c"], "3"), ("ab", "no")):
        model = model_file(tmp_path, {"classes": classes})
        assert error(capsys, "predict", "--model", model, "--x", "1,2") == (
            f"Invalid value for --model: the file records {said} class names for a network of "
            "1 output(s)"
        )


def test_outputs_without_names_are_numbered(tmp_path):
    w = np.array([[0.5, 1.0], [-0.25, 0.0]])
    model = model_file(tmp_path, {}, w=w, b=np.array([[0.125, -2.0]]))
    code, out, err = invoke("predict", "--model", model, "--x", "1,2", "--x", "-3,0.5")
    assert code == 0, err
    assert table(out)[0] == ["prediction0", "prediction1"]
    X = [[1, 2], [-3, 0.5]]
    assert values(out) == pytest.approx(by_hand(X, w, np.array([0.125, -2.0])), rel=1e-12)


def softmax_file(tmp_path, training, name="s.npz") -> str:
    net = gn.Network([2, 3], output="softmax")
    net.params[0]["W"][...] = [[1.0, 0.0, -1.0], [0.5, 0.25, 0.0]]
    net.params[0]["b"][...] = [[0.0, 0.5, 0.0]]
    net.save(tmp_path / name, extra={"training": training})
    return str(tmp_path / name)


def softmax_by_hand(X):
    z = np.asarray(X, float) @ [[1.0, 0.0, -1.0], [0.5, 0.25, 0.0]] + [0.0, 0.5, 0.0]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_a_softmax_model_without_class_names_writes_indices(tmp_path):
    code, out, err = invoke("predict", "--model", softmax_file(tmp_path, {}), "--x", "2,0",
                            "--x", "-2,0", "--x", "0,0")  # fmt: skip
    assert code == 0, err
    got = table(out)
    assert got[0] == ["label", "p(0)", "p(1)", "p(2)"]
    probs = softmax_by_hand([[2, 0], [-2, 0], [0, 0]])
    assert [r[0] for r in got[1:]] == [str(i) for i in probs.argmax(axis=1)] == ["0", "2", "1"]
    assert np.array([[float(v) for v in r[1:]] for r in got[1:]]) == pytest.approx(probs)


def test_a_recorded_target_scaling_that_does_not_fit_is_refused(tmp_path, capsys):
    for mean, scale, n in (([1.0, 2.0], [3.0], 2), ([1.0], [2.0, 3.0], 1)):
        model = model_file(tmp_path, {"target_standardize": {"mean": mean, "scale": scale}})
        assert error(capsys, "predict", "--model", model, "--x", "1,2") == (
            f"Invalid value for --model: the file records the scaling of {n} target(s) for a "
            "network of 1 output(s)"
        )


# --- the score against the file's own target -------------------------------------------------
def test_the_r2_line_says_when_it_is_of_one_row(tmp_path):
    model = model_file(tmp_path, {"target": "t"})
    for n, suffix in ((1, " (of one row: 1 if exact, else 0)"), (2, ""), (3, "")):
        rows = tmp_path / f"rows{n}.csv"
        X = np.array([[0.5, -1], [2, 0.1], [-1, 3]])[:n]
        y = np.array([0.25, 0.5, 0.75])[:n]
        rows.write_text(
            "a,b,t\n" + "".join(f"{a},{b},{t}\n" for (a, b), t in zip(X, y, strict=True))
        )
        code, _, err = invoke("predict", "--model", model, "--csv", str(rows))
        assert code == 0, err
        p = by_hand(X)[:, 0]
        r2 = r2_score(y, p) if n > 1 else float(np.allclose(p, y))
        lines = err.splitlines()
        assert lines[0] == f"{'R²':<13}{r2:.4f}{suffix}"
        assert (
            lines[1] == f"{'RMSE':<13}{mean_squared_error(y, p) ** 0.5:.6g} (in the target's units)"
        )


@pytest.mark.parametrize("token", ["inf", "abc"])
def test_a_target_that_is_not_a_finite_number_is_refused(tmp_path, capsys, token):
    model = model_file(tmp_path, {"target": "t"})
    rows = tmp_path / "rows.csv"
    rows.write_text(f"a,b,t\n0.5,-1,2\n2,0.1,{token}\n")
    assert error(capsys, "predict", "--model", model, "--csv", str(rows)) == (
        f"Invalid value for --csv: {str(rows)!r}, line 3, column 't': the target column holds "
        f"{token!r}, not a finite number the model's values compare with"
    )


def test_two_outputs_have_no_one_target_column_to_score_against(tmp_path, capsys):
    w = np.array([[0.5, 1.0], [-0.25, 0.0]])
    model = model_file(tmp_path, {"target": "t"}, w=w, b=np.zeros((1, 2)))
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b,t\n0.5,-1,2\n")
    assert error(capsys, "predict", "--model", model, "--csv", str(rows)) == (
        f"Invalid value for --csv: {str(rows)!r}: the model has 2 outputs, the file one target "
        "column ('t') to compare them with; leave it out to predict alone"
    )


def test_class_labels_are_matched_as_text_then_as_numbers(tmp_path, capsys):
    model = model_file(tmp_path, {"loss": "bce", "target": "label"})
    X = np.array([[0.5, -1], [-9.5, 0.5], [2, 0.1], [-4, 2]])
    p = by_hand(X)[:, 0]
    assert list((p > 0.5).astype(int)) == [1, 0, 1, 0]
    rows = tmp_path / "rows.csv"  # 1.0 and 1e0 are the class 1, 0.0 the class 0
    rows.write_text("a,b,label\n" + "".join(
        f"{a},{b},{t}\n" for (a, b), t in zip(X, ["1.0", "0.0", "0", "1e0"], strict=True)))  # fmt: skip
    code, _, err = invoke("predict", "--model", model, "--csv", str(rows))
    assert code == 0, err
    assert err == "acc          0.5000 (2 of 4 rows)\n"  # rows 1 and 2 right, 3 and 4 wrong
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n0.5,-1,1\n2,0.1,2\n")
    assert error(capsys, "predict", "--model", model, "--csv", str(bad)) == (
        f"Invalid value for --csv: {str(bad)!r}, line 3, column 'label': '2' is not one of the "
        "model's classes (0, 1)"
    )


# --- outputs that are not finite -------------------------------------------------------------
def diverging_file(tmp_path, training) -> str:
    """A 1-2-1 relu network: x = 1e308 makes both hidden units inf, and the output inf - inf is
    nan; x = 0.5 gives relu(2) - 0.5 relu(2) = 1, x = 2 gives 4, x = -0.5 gives 0."""
    net = gn.Network([1, 2, 1], activation="relu", output="sigmoid")
    net.params[0]["W"][...] = [[4.0, 4.0]]
    net.params[0]["b"][...] = 0.0
    net.params[1]["W"][...] = [[1.0], [-0.5]]
    net.params[1]["b"][...] = 0.0
    net.save(tmp_path / "d.npz", extra={"training": training})
    return str(tmp_path / "d.npz")


def shell(capsys, *args: str) -> tuple[int, str, str]:
    """The exit status, standard output and error of the command line run as from a shell
    (the network's overflow warning is then a line of its own), every note said afresh (the
    command line says a note once a process)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(glassnet.cli, "_SAID", set())
        return _shell(capsys, *args)


def _shell(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.filterwarnings("always::glassnet._validation.NonFiniteWarning")
def test_rows_whose_outputs_are_not_finite_get_no_class_and_a_warning(tmp_path, capsys):
    model = diverging_file(tmp_path, {"loss": "bce"})
    code, out, err = shell(capsys, "predict", "--model", model, "--x", "1e308", "--x", "0.5")
    assert code == 0, err
    got = table(out)
    assert got[1] == ["", "nan", "nan"]
    assert got[2][0] == "1" and float(got[2][2]) == pytest.approx(sigmoid(1.0), rel=1e-12)
    assert float(got[2][1]) == pytest.approx(1 - sigmoid(1.0), rel=1e-12)
    assert err.splitlines()[-1] + "\n" == (
        "warning: 1 row(s) have outputs that are not finite (a diverged model?): no class is "
        "written for them\n"
    )


@pytest.mark.filterwarnings("always::glassnet._validation.NonFiniteWarning")
def test_a_regression_writes_values_that_are_not_finite_as_they_are(tmp_path, capsys):
    # mapped back: x = 2 gives sigmoid(8 - 4) 1e308 + 1e308, which overflows to inf (said once,
    # not a Python warning)
    training = {"target_standardize": {"mean": [1e308], "scale": [1e308]}}
    model = diverging_file(tmp_path, training)
    code, out, err = shell(capsys, "predict", "--model", model, "--x", "1e308", "--x", "2",
                           "--x", "-0.5")  # fmt: skip
    assert code == 0, err
    got = table(out)
    assert got[1:3] == [["nan"], ["inf"]]
    assert float(got[3][0]) == pytest.approx(1.5e308, rel=1e-12)  # 0.5 1e308 + 1e308
    assert err.splitlines()[-1] == (
        "warning: 2 row(s) have outputs that are not finite (a diverged model?)"
    )


# --- the command's own refusals and lines ----------------------------------------------------
def test_the_refusals_of_the_options_word_for_word(tmp_path, capsys):
    model = model_file(tmp_path, {})
    assert error(capsys, "predict", "--model", model) == (
        "--csv and --x: give the rows to predict one way: --csv or --x"
    )
    for option, value in (("--target", "t"), ("--delimiter", ";"), ("--header", "yes")):
        assert error(capsys, "predict", "--model", model, "--x", "1,2", option, value) == (
            f"{option}: reads a --csv file; give --csv, or drop {option}"
        )
    assert error(capsys, "predict", "--model", model, "--x", "1,2", "--x", "1") == (
        "Invalid value for --x: the model takes 2 inputs, got rows of 1, 2"
    )
    assert error(capsys, "predict", "--model", model, "--x", "1,a").startswith(
        "Invalid value for --x: "
    )


def test_a_population_is_refused(tmp_path, capsys):
    path = tmp_path / "pop.npz"
    gn.Network([2, 1], seed=[0, 1, 2]).save(path)
    assert error(capsys, "predict", "--model", str(path), "--x", "1,2") == (
        f"Invalid value for --model: {path} holds a population of 3 networks; predict applies "
        "one (net.member(k).save(...) writes member k alone)"
    )


def test_the_memory_bound_counts_the_last_layers_outputs(tmp_path, capsys, monkeypatch):
    net = gn.Network([2, 3, 1])
    net.save(tmp_path / "m.npz")
    monkeypatch.setattr(predict, "MEMORY_LIMIT", 8 * 2 * 5 - 1)  # 2 rows of 1 output: 80 bytes
    message = error(capsys, "predict", "--model", str(tmp_path / "m.npz"), "--x", "1,2",
                    "--x", "3,4")  # fmt: skip
    assert message.startswith("Invalid value for --x: 2 rows of 1 outputs need about "), message


def test_the_file_written_says_its_rows_and_ends_lines_with_newlines(tmp_path):
    model = model_file(tmp_path, {})
    out_file = tmp_path / "p.csv"
    code, out, err = invoke("predict", "--model", model, "--x", "1,2", "--x", "3,4", "--x",
                            "0.5,-1", "-o", str(out_file))  # fmt: skip
    assert code == 0, err
    assert out == f"predicted    3 rows with {model}: {out_file}\n"
    p = by_hand([[1, 2], [3, 4], [0.5, -1]])[:, 0]
    assert (
        out_file.read_bytes() == ("prediction\n" + "".join(f"{float(v)!r}\n" for v in p)).encode()
    )


def test_an_out_file_taken_by_a_directory_meanwhile_is_said_as_out(tmp_path, capsys, monkeypatch):
    """--out is checked before the work; a directory made there while the network ran (another
    process) is refused when the file is written, in one line naming --out."""
    model = model_file(tmp_path, {})
    out_file = tmp_path / "p.csv"
    outputs = predict._outputs

    def meanwhile(net, X):
        out_file.mkdir()
        return outputs(net, X)

    monkeypatch.setattr(predict, "_outputs", meanwhile)
    assert error(capsys, "predict", "--model", model, "--x", "1,2", "-o", str(out_file)) == (
        f"--out: {str(out_file)!r} is a directory; expected a file name"
    )


def test_standard_output_is_written_in_pieces_of_64_kib(tmp_path, monkeypatch):
    """Each piece ends with the row that takes it past 2**16 characters: "ab3\\n" and 40000 rows
    of "0.5\\n" (sigmoid(0)) are 4 + 4 n characters, past 65536 at n = 16384: pieces of 65540,
    65540 and the 28924 left."""
    model = model_file(tmp_path, {"target_names": ["ab3"]}, b=0.0)
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n" + "0,0\n" * 40000)
    pieces: list[int] = []
    echo = click.echo

    def counting(message=None, *args, **kwargs):
        if kwargs.get("nl") is False:
            pieces.append(len(message))
        return echo(message, *args, **kwargs)

    monkeypatch.setattr(click, "echo", counting)
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows))
    assert code == 0, err
    assert out == "ab3\n" + "0.5\n" * 40000
    assert pieces == [65540, 65540, 28924]


def test_a_model_whose_run_cannot_be_restored_still_predicts(tmp_path):
    """predict reads the network alone (load's run=False): the run of a custom loss, which a
    file cannot hold, is no obstacle to applying the network."""
    half = gn.losses.Loss(
        "half", lambda p, t, w=None: 0.5 * np.mean((p - t) ** 2), lambda p, t, w=None: p - t
    )
    net = gn.Network([2, 1], output="sigmoid")
    net.fit(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]]), epochs=1, loss=half)
    net.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="cannot be restored"):
        gn.load(tmp_path / "m.npz")
    code, out, err = invoke("predict", "--model", str(tmp_path / "m.npz"), "--x", "0,1")
    assert code == 0, err
    W, b = net.params[0]["W"], net.params[0]["b"]
    assert float(table(out)[1][0]) == pytest.approx(by_hand([[0, 1]], W, b)[0, 0], rel=1e-12)


# --- the second run's survivors --------------------------------------------------------------
def test_a_delimiter_the_reader_refuses_is_said_as_delimiter(tmp_path, capsys):
    model = model_file(tmp_path, {})
    rows = tmp_path / "rows.csv"
    rows.write_text("0.5,-1\n")
    assert error(capsys, "predict", "--model", model, "--csv", str(rows), "--delimiter", "ab") == (
        "--delimiter: expected 'auto' or a single character other than a quote or a line break, "
        "got 'ab' (str)"
    )


def test_a_target_named_like_a_sign_and_digits_is_a_name(tmp_path):
    """--target X1 is the column named X1 (no sign or digits to strip: not an index)."""
    model = model_file(tmp_path, {})
    rows = tmp_path / "rows.csv"
    rows.write_text("X1,a,b\n9,0.5,-1\n")
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows), "--target", "X1")
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(by_hand([[0.5, -1]])[:, 0], rel=1e-12)


def test_recorded_input_names_that_do_not_fit_the_network_are_not_used(tmp_path):
    """Three recorded names for a network of two inputs: not the model's inputs; the file is
    read by position."""
    model = model_file(tmp_path, {"features": ["c", "d", "e"]})
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n0.5,-1\n")
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows))
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx(by_hand([[0.5, -1]])[:, 0], rel=1e-12)


def test_an_rmse_that_overflows_is_inf_without_a_python_warning(tmp_path):
    # mapped back: 0.5 1e308 + 1e308 = 1.5e308 against a target of -1e308: a difference of
    # 2.5e308, past the largest float (1.8e308); a Python warning is an error in the tests
    training = {"target": "t", "target_standardize": {"mean": [1e308], "scale": [1e308]}}
    model = model_file(tmp_path, training, b=0.0)
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b,t\n0,0,-1e308\n")
    code, out, err = invoke("predict", "--model", model, "--csv", str(rows))
    assert code == 0, err
    assert values(out)[:, 0] == pytest.approx([1.5e308], rel=1e-12)
    assert err.splitlines()[1] == "RMSE         inf (in the target's units)"


def test_a_full_disk_while_writing_is_said_as_out_and_leaves_no_file(tmp_path, capsys,
                                                                    monkeypatch):  # fmt: skip
    import errno
    import io

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(predict, "open", lambda *args, **kwargs: Full(), raising=False)
    model = model_file(tmp_path, {})
    out_file = tmp_path / "p.csv"
    assert error(capsys, "predict", "--model", model, "--x", "1,2", "-o", str(out_file)) == (
        "--out: [Errno 28] No space left on device"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "m.npz"]  # no --out, no temporary file
