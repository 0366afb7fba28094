"""The command line: train, gradcheck, datasets; bad input is one line and exit code 2."""

import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


def test_train_the_paper_network(tmp_path, capsys):
    code, out, _ = run(
        capsys, "train", "--dataset", "paper", "--hidden", "2", "--bias", "layer", "--init", "paper",
        "--seed", "1", "--loss", "sse", "--lr", "0.5", "--epochs", "100", "--show-loss",
        "--out", str(tmp_path / "run"), "--quiet",
    )  # fmt: skip
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 100
    # the CLI prints what the engine computes
    X, y = gn.datasets.load("paper")
    net = gn.Network([3, 2, 1], bias="layer", init="paper", seed=1)
    hist = net.fit(X, y, loss="sse", lr=0.5, epochs=100)
    assert float(lines[-1].split()[-1]) == pytest.approx(hist.loss[-1], abs=1e-10)
    saved = gn.load(tmp_path / "run" / "model.npz")
    np.testing.assert_array_equal(saved.layers[0].W, net.layers[0].W)
    assert (tmp_path / "run" / "loss.png").stat().st_size > 1000


def test_train_csv_with_validation(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    csv = tmp_path / "d.csv"
    csv.write_text(
        "a,b,label\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, labels, strict=True))
    )
    code, out, _ = run(
        capsys, "train", "--csv", str(csv), "--target", "label", "--hidden", "4",
        "--activation", "tanh", "--optimizer", "adam", "--lr", "0.05", "--epochs", "200",
        "--validation-split", "0.25", "--out", str(tmp_path / "r"), "--no-figure", "--quiet",
    )  # fmt: skip
    assert code == 0
    acc = float(next(line for line in out.splitlines() if line.startswith("val acc")).split()[-1])
    assert acc >= 0.8


def test_train_by_evolution(tmp_path, capsys):
    code, out, _ = run(
        capsys, "train", "--dataset", "xor", "--hidden", "4", "--activation", "tanh",
        "--trainer", "evolution", "--population", "40", "--epochs", "150",
        "--out", str(tmp_path / "e"), "--no-figure", "--quiet",
    )  # fmt: skip
    assert code == 0 and "train acc    1.0000" in out


def test_gradcheck_passes_and_fails(capsys):
    code, out, _ = run(
        capsys, "gradcheck", "--dataset", "moons", "--hidden", "4,4", "--activation", "tanh"
    )
    assert code == 0 and "PASSED" in out
    gn.activations.register("wrong_square", lambda z: z * z, lambda z: z, overwrite=True)
    code, out, _ = run(capsys, "gradcheck", "--hidden", "3", "--activation", "wrong_square")
    assert code == 1 and "FAILED" in out and "layer 1" in out


def test_datasets_lists_shapes(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "digits" in out and "(1797, 64)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--activation", "sigmod"], "unknown activation 'sigmod'"),
        (["train", "--lr", "-1"], "lr: expected a finite number > 0"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--dataset", "mnist"], "mnist"),
        (["train", "--hidden", "a,b"], "--hidden"),
        (["train", "--csv", "/nonexistent.csv"], "nonexistent.csv"),
        (["gradcheck", "--bias", "unit"], "--bias"),
        (["nosuchcommand"], "nosuchcommand"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_entry_point_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", "--init", "zeros"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "unknown initializer 'zeros'" in proc.stderr
