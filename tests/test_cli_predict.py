"""``glassnet predict`` applies a saved model to new rows as ``glassnet train`` applied it to
its own. References, never the command itself: the saved network run by hand on rows
standardized with NumPy's mean and (population) deviation of the training rows, outputs
mapped back by hand, class names from NumPy's sorted unique labels, and scikit-learn's
``accuracy_score``, ``r2_score`` and ``mean_squared_error`` for the summary lines."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score, mean_squared_error, r2_score

import glassnet as gn
from glassnet.cli import cli, main


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def outcome(capsys, *args: str) -> tuple[int, str]:
    """The exit status and standard error of the command line run as from a shell."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    return code, capsys.readouterr().err


def error(capsys, *args: str) -> str:
    """The one line (and exit 2) the command line gives for a bad input, without 'error: '."""
    code, err = outcome(capsys, *args)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err[len("error: ") :].rstrip("\n")


def train(tmp_path, csv_path, *extra: str, out: str = "run") -> str:
    code, output, err = invoke(
        "train", "--csv", str(csv_path), "-o", str(tmp_path / out), "-q", "--no-figure", *extra
    )
    assert code == 0, output + err
    return str(tmp_path / out / "model.npz")


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def number(output: str, label: str) -> float:
    return float(re.search(rf"^{re.escape(label)}\s+(\S+)", output, re.M).group(1))


def write(path, header: list[str] | None, *columns) -> None:
    rows = zip(*columns, strict=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)


def standardized(X: np.ndarray, X_train: np.ndarray) -> np.ndarray:
    return (X - X_train.mean(axis=0)) / X_train.std(axis=0)


ADAM = ("--optimizer", "adam", "--lr", "0.01")


# --- classes by name ------------------------------------------------------------------------
@pytest.fixture
def iris(tmp_path):
    data = load_iris()
    X, names = data.data, np.array(data.target_names)[data.target]
    csv_path = tmp_path / "iris.csv"
    write(csv_path, ["sl", "sw", "pl", "pw", "species"], *X.T, names)
    model = train(tmp_path, csv_path, "--hidden", "8", "--epochs", "200", *ADAM)
    return csv_path, X, names, model


def by_hand_classes(model: str, X: np.ndarray, X_train: np.ndarray, labels) -> tuple:
    """The class names and probabilities of ``X`` computed from the saved weights."""
    net = gn.load(model)
    probs = net.predict(standardized(X, X_train))
    classes = np.unique(labels)  # load_csv numbers the labels in sorted order
    if probs.shape[1] == 1:
        return classes[(probs[:, 0] > 0.5).astype(int)], np.hstack([1 - probs, probs])
    return classes[probs.argmax(axis=1)], probs


def test_word_labels_come_back_as_the_training_file_wrote_them(tmp_path, iris):
    _, X, names, model = iris
    rows = X[[0, 60, 120, 7, 99]] + 0.05  # new rows: the inputs alone
    new = tmp_path / "new.csv"
    write(new, ["sl", "sw", "pl", "pw"], *rows.T)
    code, out, err = invoke("predict", "--model", model, "--csv", str(new))
    assert code == 0 and err == "", err
    got = table(out)
    assert got[0] == ["label", "p(setosa)", "p(versicolor)", "p(virginica)"]
    expected, probs = by_hand_classes(model, rows, X, names)
    assert [r[0] for r in got[1:]] == list(expected)
    assert np.array([[float(v) for v in r[1:]] for r in got[1:]]) == pytest.approx(
        probs, rel=1e-12, abs=1e-15
    )
    assert {"setosa", "virginica"} <= {r[0] for r in got[1:]}  # words, not indices


def test_a_file_with_the_target_column_is_scored(tmp_path, iris):
    csv_path, X, names, model = iris
    out_file = tmp_path / "p.csv"
    code, out, err = invoke("predict", "--model", model, "--csv", str(csv_path), "-o",
                            str(out_file))  # fmt: skip
    assert code == 0 and err == "", err
    got = table(out_file.read_text())
    predicted = [r[0] for r in got[1:]]
    assert len(predicted) == 150
    expected, _ = by_hand_classes(model, X, X, names)
    assert predicted == list(expected)
    assert number(out, "acc") == pytest.approx(accuracy_score(names, predicted), abs=5e-5)
    assert 0.9 < number(out, "acc") < 1  # learned, and some rows wrong: a real comparison


def test_predictions_on_standard_output_keep_the_summary_apart(tmp_path, iris):
    csv_path, _, names, model = iris
    code, out, err = invoke("predict", "--model", model, "--csv", str(csv_path))
    assert code == 0
    got = table(out)  # standard output is the CSV alone
    assert len(got) == 151 and all(len(r) == 4 for r in got)
    assert number(err, "acc") == pytest.approx(
        accuracy_score(names, [r[0] for r in got[1:]]), abs=5e-5
    )


def test_rows_from_the_command_line(tmp_path, iris):
    _, X, names, model = iris
    code, out, _ = invoke("predict", "--model", model, "--x", "5.1,3.5,1.4,0.2", "--x",
                          "6.7,3.0,5.2,2.3")  # fmt: skip
    assert code == 0
    expected, _ = by_hand_classes(model, np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]),
                                  X, names)  # fmt: skip
    assert [r[0] for r in table(out)[1:]] == list(expected) == ["setosa", "virginica"]


def test_a_label_the_model_never_saw_is_refused(tmp_path, iris, capsys):
    _, X, _, model = iris
    bad = tmp_path / "bad.csv"
    write(bad, ["sl", "sw", "pl", "pw", "species"], *X[:3].T, ["setosa", "virginca", "setosa"])
    message = error(capsys, "predict", "--model", model, "--csv", str(bad))
    assert message.startswith("Invalid value for --csv: ") and "'virginca'" in message
    assert "line 3" in message and "setosa, versicolor, virginica" in message


# --- binary 0/1 ------------------------------------------------------------------------------
def test_a_binary_task_writes_0_and_1_with_two_probabilities(tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1, 1, size=(40, 2)), rng.normal(1, 1, size=(40, 2))])
    y = np.repeat([0, 1], 40)
    csv_path = tmp_path / "blobs.csv"
    write(csv_path, ["a", "b", "label"], *X.T, y)
    model = train(tmp_path, csv_path, "--hidden", "4", "--epochs", "100", *ADAM)
    code, out, err = invoke("predict", "--model", model, "--csv", str(csv_path))
    assert code == 0
    got = table(out)
    assert got[0] == ["label", "p(0)", "p(1)"]
    expected, probs = by_hand_classes(model, X, X, y.astype(str))
    assert [r[0] for r in got[1:]] == list(expected)
    assert np.array([[float(v) for v in r[1:]] for r in got[1:]]) == pytest.approx(probs, rel=1e-12)
    assert number(err, "acc") == pytest.approx(
        accuracy_score(y.astype(str), [r[0] for r in got[1:]]), abs=5e-5
    )


def test_a_model_that_records_no_classes_writes_indices_and_raw_rows(tmp_path):
    # trained on a built-in data set: no standardization and no class names recorded
    code, _, _ = invoke("train", "-d", "xor", "--hidden", "4", "--epochs", "50", "-o",
                        str(tmp_path / "xor"), "-q", "--no-figure")  # fmt: skip
    assert code == 0
    model = str(tmp_path / "xor" / "model.npz")
    code, out, _ = invoke("predict", "--model", model, "--x", "0,1", "--x", "1,1", "--x", "3,-2")
    assert code == 0
    p = gn.load(model).predict(np.array([[0.0, 1], [1, 1], [3, -2]]))[:, 0]  # as they are
    got = table(out)
    assert got[0] == ["label", "p(0)", "p(1)"]
    assert [float(r[2]) for r in got[1:]] == pytest.approx(p, rel=1e-12)
    assert [r[0] for r in got[1:]] == [str(int(v > 0.5)) for v in p]


# --- regression (the prices of conftest.py) -------------------------------------------------
def test_a_regression_comes_back_in_the_targets_units(tmp_path, prices):
    csv_path, X, y = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "300", *ADAM)
    rows = np.array([[0.5, -1.0], [2.0, 0.1], [-3.0, 4.0]])
    new = tmp_path / "new.csv"
    write(new, ["a", "b"], *rows.T)
    code, out, _ = invoke("predict", "--model", model, "--csv", str(new))
    assert code == 0
    got = table(out)
    assert got[0] == ["price"]
    by_hand = gn.load(model).predict(standardized(rows, X))[:, 0] * y.std() + y.mean()
    assert [float(r[0]) for r in got[1:]] == pytest.approx(by_hand, rel=1e-12)
    assert [float(r[0]) for r in got[1:]] == pytest.approx(200_000 + 1000 * rows @ [3, 1], rel=0.02)


def test_a_regression_file_with_its_target_gets_r2_and_rmse(tmp_path, prices):
    csv_path, X, y = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "300", *ADAM)
    out_file = tmp_path / "p.csv"
    code, out, _ = invoke("predict", "--model", model, "--csv", str(csv_path), "-o", str(out_file))
    assert code == 0
    predicted = np.array([float(r[0]) for r in table(out_file.read_text())[1:]])
    by_hand = gn.load(model).predict(standardized(X, X))[:, 0] * y.std() + y.mean()
    assert predicted == pytest.approx(by_hand, rel=1e-12)
    assert number(out, "R²") == pytest.approx(r2_score(y, by_hand), abs=5e-5)
    assert number(out, "RMSE") == pytest.approx(mean_squared_error(y, by_hand) ** 0.5, rel=1e-5)
    assert number(out, "R²") > 0.99


def test_a_model_trained_on_raw_targets_is_not_mapped_back(tmp_path, prices):
    csv_path, X, y = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "50", "--scale-target", "no",
                  *ADAM)  # fmt: skip
    code, out, err = invoke("predict", "--model", model, "--csv", str(csv_path))
    assert code == 0
    by_hand = gn.load(model).predict(standardized(X, X))[:, 0]  # the network's own outputs
    predicted = np.array([float(r[0]) for r in table(out)[1:]])
    assert predicted == pytest.approx(by_hand, rel=1e-12)
    assert number(err, "R²") == pytest.approx(r2_score(y, by_hand), abs=5e-5)


def test_a_file_without_a_header_gets_a_prediction_column(tmp_path, prices):
    _, X, y = prices
    csv_path = tmp_path / "bare.csv"
    write(csv_path, None, *X.T, y)
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "20")
    new = tmp_path / "new.csv"
    write(new, None, *X[:4].T)
    code, out, _ = invoke("predict", "--model", model, "--csv", str(new))
    assert code == 0
    got = table(out)
    assert got[0] == ["prediction"] and len(got) == 5
    by_hand = gn.load(model).predict(standardized(X[:4], X))[:, 0] * y.std() + y.mean()
    assert [float(r[0]) for r in got[1:]] == pytest.approx(by_hand, rel=1e-12)


# --- refusals --------------------------------------------------------------------------------
def test_a_wrong_number_of_columns_is_one_line_naming_csv(tmp_path, prices, capsys):
    csv_path, _, _ = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "2")
    for columns in (1, 4):
        bad = tmp_path / f"bad{columns}.csv"
        write(bad, [f"c{j}" for j in range(columns)], *np.ones((columns, 3)))
        message = error(capsys, "predict", "--model", model, "--csv", str(bad))
        assert message.startswith("--csv: ") and "expected 2 columns" in message, message
        assert "or 3" in message and f"got {columns}" in message, message
    assert error(capsys, "predict", "--model", model, "--x", "1,2,3").startswith(
        "Invalid value for --x: the model takes 2 inputs, got rows of 3"
    )


def test_an_existing_out_file_needs_force(tmp_path, prices, capsys):
    csv_path, _, _ = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "2")
    out_file = tmp_path / "p.csv"
    out_file.write_text("keep me\n")
    message = error(capsys, "predict", "--model", model, "--csv", str(csv_path), "-o",
                    str(out_file))  # fmt: skip
    assert message.startswith("Invalid value for --out: ") and "--force" in message
    assert out_file.read_text() == "keep me\n"
    code, _, _ = invoke("predict", "--model", model, "--csv", str(csv_path), "-o", str(out_file),
                        "--force")  # fmt: skip
    assert code == 0 and table(out_file.read_text())[0] == ["price"]


def test_a_model_that_is_not_a_model_file(tmp_path, capsys):
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    rows = ("--csv", str(tmp_path / "rows.csv"))
    assert error(capsys, "predict", "--model", str(tmp_path / "none.npz"), *rows).startswith(
        "--model: "
    )
    (tmp_path / "text.npz").write_text("not a model\n")
    assert error(capsys, "predict", "--model", str(tmp_path / "text.npz"), *rows).startswith(
        "--model: "
    )
    assert "'--model'" in error(capsys, "predict", "--model", str(tmp_path), *rows)


def test_one_source_of_rows(tmp_path, capsys):
    gn.Network([2, 1]).save(tmp_path / "m.npz")
    model = str(tmp_path / "m.npz")
    assert "--csv or --x" in error(capsys, "predict", "--model", model)
    (tmp_path / "r.csv").write_text("1,2\n3,4\n")
    both = error(
        capsys, "predict", "--model", model, "--csv", str(tmp_path / "r.csv"), "--x", "1,2"
    )
    assert "--csv or --x" in both
    assert error(capsys, "predict", "--model", model, "--x", "1,2", "--header", "yes").startswith(
        "--header: "
    )


@pytest.mark.parametrize("value", ["-1", "nan", "1e309", "zzz", "", "99999999999999999999"])
def test_a_sweep_of_hostile_values_names_the_option_given(
    tmp_path, prices, capsys, monkeypatch, value
):
    """Each option given each hostile value: accepted, or refused in one line naming it (a
    file named -1, written by --out -1, is then a --model that is no model file)."""
    monkeypatch.chdir(tmp_path)  # --out writes the value's name
    csv_path, _, _ = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "2")
    for option in ("--csv", "--x", "--target", "--delimiter", "--header", "--out", "--model",
                   "--out"):  # fmt: skip
        args = ["predict", "--model", model, "--csv", str(csv_path), option, value]
        if option in ("--csv", "--x", "--model"):  # in place of the one given above
            args = ["predict", "--model", model, option, value]
        if option == "--model":
            args += ["--x", "1,2"]
        code, err = outcome(capsys, *args)
        if code != 0:
            assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
            assert option in err, (option, value, err)


def test_memory_is_checked_first_and_rows_go_through_in_chunks(tmp_path, prices, capsys,
                                                               monkeypatch):  # fmt: skip
    import glassnet.cli.predict as predict

    csv_path, X, y = prices
    model = train(tmp_path, csv_path, "--hidden", "3", "--epochs", "5")
    by_hand = gn.load(model).predict(standardized(X, X))[:, 0] * y.std() + y.mean()
    # a chunk of 80 bytes holds one row's layers of this 2-3-1 network at a time (not two)
    monkeypatch.setattr(predict, "CHUNK_BYTES", 2 * 8 * 6 + 1)
    code, out, _ = invoke("predict", "--model", model, "--csv", str(csv_path))
    assert code == 0
    assert [float(r[0]) for r in table(out)[1:]] == pytest.approx(by_hand, rel=1e-12)
    monkeypatch.setattr(predict, "MEMORY_LIMIT", 1000)  # 80 rows need about 3.8 KiB
    out_file = tmp_path / "p.csv"
    message = error(capsys, "predict", "--model", model, "--csv", str(csv_path), "-o",
                    str(out_file))  # fmt: skip
    assert message.startswith("Invalid value for --csv: 80 rows") and "memory" in message
    assert not out_file.exists()


def test_columns_are_matched_by_name_when_both_files_name_them(tmp_path, prices, capsys):
    csv_path, X, y = prices
    model = train(tmp_path, csv_path, "--hidden", "0", "--epochs", "300", *ADAM)
    rows = np.array([[0.5, -1.0], [2.0, 0.1], [-3.0, 4.0]])
    by_hand = gn.load(model).predict(standardized(rows, X))[:, 0] * y.std() + y.mean()
    swapped = tmp_path / "swapped.csv"  # b before a: by position, a's values would be b's
    write(swapped, ["b", "a"], rows[:, 1], rows[:, 0])
    code, out, err = invoke("predict", "--model", model, "--csv", str(swapped))
    assert code == 0, err
    assert [float(r[0]) for r in table(out)[1:]] == pytest.approx(by_hand, rel=1e-12)
    assert err == ""
    # with the target too, in a third order
    full = tmp_path / "full.csv"
    write(full, ["price", "b", "a"], y[:3], X[:3, 1], X[:3, 0])
    code, out, err = invoke("predict", "--model", model, "--csv", str(full))
    expect = gn.load(model).predict(standardized(X[:3], X))[:, 0] * y.std() + y.mean()
    assert code == 0 and [float(r[0]) for r in table(out)[1:]] == pytest.approx(expect, rel=1e-12)
    # other names: refused, not taken by position
    other = tmp_path / "other.csv"
    write(other, ["a", "c"], rows[:, 0], rows[:, 1])
    assert error(capsys, "predict", "--model", model, "--csv", str(other)) == (
        f"--csv: {str(other)!r}: no column named 'b'; the model's inputs are "
        "a, b, the file's columns a, c (name them as the model's, or leave out the header line "
        "to take the columns by position)"
    )
    # a file without a header line is taken by position
    bare = tmp_path / "bare.csv"
    write(bare, None, rows[:, 0], rows[:, 1])
    code, out, _ = invoke("predict", "--model", model, "--csv", str(bare))
    assert code == 0 and [float(r[0]) for r in table(out)[1:]] == pytest.approx(by_hand, rel=1e-12)
