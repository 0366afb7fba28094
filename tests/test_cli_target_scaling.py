"""The command line standardizes a CSV regression target (``--scale-target``), as it does the
inputs: fitted on the training part, recorded in the model file, used again by every command
that reads the file. References: NumPy's mean and (population) standard deviation, and
scikit-learn's ``r2_score`` and ``mean_squared_error`` on predictions mapped back by hand."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_diabetes
from sklearn.metrics import mean_squared_error, r2_score

import glassnet as gn
from glassnet.cli import cli, main


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def error(capsys, *args: str) -> str:
    """The one line (and exit 2) the command line gives for a bad input."""
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and err.count("\n") == 1, (out, err)
    return err.rstrip("\n")


def train(tmp_path, csv, *extra: str, out: str = "run") -> str:
    code, output = invoke("train", "--csv", str(csv), "-o", str(tmp_path / out), "-q", *extra)
    assert code == 0, output
    return output


def record(tmp_path, out: str = "run") -> dict:
    return gn.modelfile.read_metadata(tmp_path / out / "model.npz")["extra"]["training"]


def number(output: str, label: str) -> float:
    return float(re.search(rf"^{re.escape(label)}\s+(\S+)", output, re.M).group(1))


ADAM = ("--optimizer", "adam", "--lr", "0.01")


def test_the_target_is_standardized_with_its_own_mean_and_deviation(tmp_path, prices):
    csv, X, y = prices
    out = train(tmp_path, csv, "--hidden", "0", "--epochs", "300", *ADAM)
    rec = record(tmp_path)["target_standardize"]
    assert rec["mean"] == pytest.approx([y.mean()], rel=1e-12)
    assert rec["scale"] == pytest.approx([y.std(ddof=0)], rel=1e-12)
    # the lines against scikit-learn, on the saved model's predictions mapped back by hand
    net = gn.load(tmp_path / "run" / "model.npz")
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    predicted = net.predict(Xs)[:, 0] * y.std() + y.mean()
    assert number(out, "train R²") == pytest.approx(r2_score(y, predicted), abs=5e-5)
    rmse = mean_squared_error(y, predicted) ** 0.5
    assert number(out, "train RMSE") == pytest.approx(rmse, rel=1e-5)
    assert number(out, "train R²") > 0.99  # learned: raw, the same run learns nothing
    assert re.search(r"^train loss\s+\S+ \(of the standardized targets\)$", out, re.M)
    assert re.search(r"^train RMSE\s+\S+ \(in the target's units\)$", out, re.M)
    # the loss is the network's, in standardized units: mse = mean((y_hat - z)^2)
    z = (y - y.mean()) / y.std()
    assert number(out, "train loss") == pytest.approx(np.mean((net.predict(Xs)[:, 0] - z) ** 2),
                                                      rel=1e-5)  # fmt: skip


def test_unscaled_the_same_run_learns_nothing(tmp_path, prices):
    # adam's steps are about lr whatever the gradient's size: weights of 3000 and 1000 are out
    # of reach of 300 steps of 0.01, and so is a mean of 200000 for the bias
    csv, _, _ = prices
    out = train(tmp_path, csv, "--hidden", "0", "--epochs", "300", *ADAM, "--scale-target", "no")
    assert "target_standardize" not in record(tmp_path)
    assert not number(out, "train R²") > 0  # NaN (diverged) or <= 0
    assert "RMSE" not in out and "standardized" not in out


def test_with_a_validation_split_it_is_fitted_on_the_training_part_only(tmp_path, prices):
    csv, X, y = prices
    out = train(tmp_path, csv, "--hidden", "0", "--epochs", "300", "--validation-split", "0.25",
                "--seed", "3")  # fmt: skip
    # the rows the split keeps for training (the split is glassnet's; the statistics NumPy's)
    _, _, y_train, y_val = gn.datasets.train_test_split(X, y[:, None], test_size=0.25, seed=3)
    rec = record(tmp_path)["target_standardize"]
    assert rec["mean"] == pytest.approx([y_train.mean()], rel=1e-12)
    assert rec["scale"] == pytest.approx([y_train.std()], rel=1e-12)
    assert rec["mean"] != pytest.approx([y.mean()], rel=1e-9)  # not the whole file's
    X_train, X_val, _, _ = gn.datasets.train_test_split(X, y[:, None], test_size=0.25, seed=3)
    net = gn.load(tmp_path / "run" / "model.npz")
    Xv = (X_val - X_train.mean(axis=0)) / X_train.std(axis=0)
    predicted = net.predict(Xv) * y_train.std() + y_train.mean()
    assert number(out, "val R²") == pytest.approx(r2_score(y_val, predicted), abs=5e-5)
    assert number(out, "val RMSE") == pytest.approx(
        mean_squared_error(y_val, predicted) ** 0.5, rel=1e-5
    )


def test_auto_leaves_a_bounded_output_and_class_labels_alone(tmp_path, prices, capsys):
    csv, _, _ = prices
    out = train(tmp_path, csv, "--output", "relu", "--epochs", "2")
    assert "target_standardize" not in record(tmp_path) and "standardized" not in out
    # asked for, a bounded output is the user's choice
    train(tmp_path, csv, "--output", "softplus", "--epochs", "2", "--scale-target", "yes",
          out="yes")  # fmt: skip
    assert "target_standardize" in record(tmp_path, "yes")
    labels = tmp_path / "labels.csv"
    labels.write_text("a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    out = train(tmp_path, labels, "--epochs", "2", out="labels")
    assert "target_standardize" not in record(tmp_path, "labels") and "train acc" in out
    assert error(
        capsys, "train", "--csv", str(labels), "--scale-target", "yes", "-o", str(tmp_path / "no")
    ) == (
        "error: Invalid value for --scale-target: the target holds class labels, which are "
        "not scaled; drop --scale-target (or give --task regression if its values are "
        "numbers to fit)"
    )
    # the same 0/1 column, said to be numbers, is a regression target like any other
    train(tmp_path, labels, "--epochs", "2", "--task", "regression", out="numbers")
    assert record(tmp_path, "numbers")["target_standardize"] == {"mean": [0.5], "scale": [0.5]}


def test_a_model_file_keeps_its_scaling_for_every_command_that_reads_it(tmp_path, capsys):
    data = load_diabetes()
    X, y = data.data, data.target
    csv = tmp_path / "diabetes.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", comments="",
               header=",".join([*data.feature_names, "progression"]))  # fmt: skip
    train(tmp_path, csv, "--hidden", "4", "--optimizer", "adam", "--epochs", "50")
    model = str(tmp_path / "run" / "model.npz")
    # inspect's pass compares the outputs with the standardized targets, as training did
    code, output = invoke("inspect", "--model", model, "--csv", str(csv), "--format", "json",
                          "--samples", "0,5")  # fmt: skip
    assert code == 0, output
    shown = np.array(json.loads(output)["y"])
    np.testing.assert_allclose(shown[:, 0], (y[[0, 5]] - y.mean()) / y.std(), rtol=1e-12)
    # continued: the recorded statistics, not new ones (a different file's mean would shift it)
    half = tmp_path / "half.csv"
    half.write_text("\n".join(csv.read_text().splitlines()[:200]) + "\n")
    out = train(tmp_path, half, "--model", model, "--epochs", "1", out="more")
    assert record(tmp_path, "more")["target_standardize"] == record(tmp_path)["target_standardize"]
    net = gn.load(tmp_path / "more" / "model.npz")
    Xs = (X[:199] - X.mean(axis=0)) / X.std(axis=0)
    predicted = net.predict(Xs)[:, 0] * y.std() + y.mean()
    assert number(out, "train R²") == pytest.approx(r2_score(y[:199], predicted), abs=5e-5)
    # the file decides, not the option
    assert error(
        capsys,
        "train",
        "--model",
        model,
        "--csv",
        str(csv),
        "--scale-target",
        "no",
        "-o",
        str(tmp_path / "x"),
    ) == (
        "error: --scale-target and --model: the model's targets are scaled as it was trained "
        "(recorded in the file); drop --scale-target"
    )


def test_a_model_trained_on_raw_targets_is_continued_on_raw_targets(tmp_path, prices):
    csv, _, y = prices
    train(tmp_path, csv, "--hidden", "0", "--epochs", "2", "--scale-target", "no")
    model = str(tmp_path / "run" / "model.npz")
    code, output = invoke("inspect", "--model", model, "--csv", str(csv), "--format", "json",
                          "--samples", "0")  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["y"] == [[pytest.approx(y[0], rel=1e-12)]]
    out = train(tmp_path, csv, "--model", model, "--epochs", "1", out="more")
    assert "target_standardize" not in record(tmp_path, "more") and "standardized" not in out


def test_a_recorded_scaling_of_another_shape_is_refused(tmp_path, prices, capsys):
    csv, _, _ = prices
    train(tmp_path, csv, "--hidden", "0", "--epochs", "2")
    path = tmp_path / "run" / "model.npz"
    net = gn.load(path)
    rec = record(tmp_path)
    rec["target_standardize"] = {"mean": [1.0, 2.0], "scale": [1.0, 1.0]}
    net.save(path, extra={"training": rec})
    assert error(capsys, "inspect", "--model", str(path), "--csv", str(csv)) == (
        "error: Invalid value for --csv: the model was trained on 2 target column(s), the "
        "file has 1"
    )


def test_the_option_needs_a_csv_file(tmp_path, capsys):
    assert error(
        capsys, "train", "-d", "xor", "--scale-target", "yes", "-o", str(tmp_path / "r")
    ) == ("error: --scale-target: scales a --csv file's target; give --csv, or drop --scale-target")


def test_a_constant_target_stays_a_regression_target(tmp_path):
    # standardized, one value is all 0: read as a class label, it got a sigmoid and bce
    csv = tmp_path / "const.csv"
    rows = [f"{i},{(3 * i) % 7},5.5" for i in range(12)]
    csv.write_text("a,b,t\n" + "\n".join(rows) + "\n")
    out = train(tmp_path, csv, "--epochs", "3")
    assert "target_standardize" not in record(tmp_path)
    net = gn.load(tmp_path / "run" / "model.npz")
    assert net.activations[-1].name == "identity" and record(tmp_path)["loss"] == "mse"
    X = np.array([[i, (3 * i) % 7] for i in range(12)], float)
    predicted = net.predict((X - X.mean(axis=0)) / X.std(axis=0))
    assert r2_score(np.full(12, 5.5), predicted[:, 0]) == 0.0  # scikit-learn's rule
    line = next(x for x in out.splitlines() if x.startswith("train R²"))
    assert (
        line
        == "train R²     0.0000 (the target holds one value: R² is 1 for a perfect fit, else 0)"
    )


def test_a_model_file_reads_its_csv_as_training_did(tmp_path):
    # trained with --target a (not the last column): given --model, inspect took the last
    # column as the target and a file with the columns reordered by position
    X = np.array([[2.0, 3.0], [1.0, 0.0], [0.0, 1.0], [5.0, 2.0], [4.0, 4.0]])
    a = np.array([1.5, 2.5, 3.5, 4.5, 6.5])
    csv = tmp_path / "t.csv"
    np.savetxt(csv, np.column_stack([a, X]), delimiter=",", header="a,b,c", comments="")
    train(tmp_path, csv, "--target", "a", "--hidden", "0", "--epochs", "3")
    rec = record(tmp_path)
    assert rec["target"] == "a" and rec["features"] == ["b", "c"]
    model = str(tmp_path / "run" / "model.npz")
    z = (a - a.mean()) / a.std()
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    other = tmp_path / "reordered.csv"  # the same table, its columns in another order
    np.savetxt(other, np.column_stack([X[:, 1], a, X[:, 0]]), delimiter=",", header="c,a,b",
               comments="")  # fmt: skip
    for path in (csv, other):
        code, output = invoke("inspect", "--model", model, "--csv", str(path), "--format", "json")
        assert code == 0, output
        shown = json.loads(output)
        np.testing.assert_allclose(np.array(shown["y"])[:, 0], z, rtol=1e-12)
        np.testing.assert_allclose(np.array(shown["X"]), Xs, rtol=1e-12)
    # continued on the reordered file: the same target, and it is recorded again
    train(tmp_path, other, "--model", model, "--epochs", "1", out="more")
    assert record(tmp_path, "more")["target"] == "a"
    assert record(tmp_path, "more")["features"] == ["b", "c"]
