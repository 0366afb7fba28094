"""The command line as a person uses it: one set of options, a summary that says what was done
and what to run next, one progress style (terminal and log), errors before work is done."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli import cli, main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


def one_line_error(capsys, *args):
    code, out, err = run(capsys, *args)
    assert code == 2, (out, err)
    assert err.startswith("error:") and err.count("\n") == 1, err
    assert "Traceback" not in err and "Warning" not in err
    return err


def test_train_says_optimizer_lr_time_and_what_next(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "-d", "xor", "--hidden", "3", "--optimizer", "adam",
                       "--epochs", "5", "-o", str(tmp_path / "r"), "-q")  # fmt: skip
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("trained"))
    assert re.fullmatch(
        r"trained      5 epochs on xor \(4 samples\) in \d+\.\d\d s: adam, lr 0\.001, loss bce",
        line,
    ), line
    assert f"next         glassnet plot boundary --model {tmp_path / 'r' / 'model.npz'}" in out
    # the model records how it was trained, for the commands that read it
    meta = gn.modelfile.read_metadata(tmp_path / "r" / "model.npz")
    record = meta["extra"]["training"]
    assert (record["loss"], record["optimizer"], record["dataset"]) == ("bce", "adam", "xor")


def test_train_refuses_an_earlier_run_unless_forced(tmp_path, capsys):
    args = ("train", "--epochs", "2", "-o", str(tmp_path / "r"), "-q", "--no-figure")
    assert run(capsys, *args)[0] == 0
    before = (tmp_path / "r" / "model.npz").read_bytes()
    err = one_line_error(capsys, *args)
    assert "already holds an earlier run (model.npz)" in err and "--force" in err
    assert (tmp_path / "r" / "model.npz").read_bytes() == before
    assert run(capsys, *args, "--seed", "3", "--force")[0] == 0
    assert (tmp_path / "r" / "model.npz").read_bytes() != before


def test_errors_come_before_the_work(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    # a path under a file: refused before training (no progress line, nothing trained)
    err = one_line_error(capsys, "train", "--epochs", "100000000", "--out", str(f / "sub"))
    assert "--out" in err and "is a file" in err
    err = one_line_error(capsys, "train", "--hidden", "1000000,1000000", "-o", str(tmp_path / "h"))
    assert "--hidden" in err and "1e+12 parameters" in err and "TiB of memory" in err
    err = one_line_error(capsys, "plot", "network", "--dpi", "1e9", "-o", str(tmp_path / "n.png"))
    assert "dpi" in err and "16384 pixels" in err
    assert not (tmp_path / "n.png").exists() and not (tmp_path / "h").exists()


def test_csv_with_huge_values_is_scaled_quietly(tmp_path, capsys):
    # +-1e300: the column's spread overflows a naive standard deviation (NumPy's warning and a
    # column of zeros, once); now scaled like any other, with no warning (warnings are errors)
    csv = tmp_path / "big.csv"
    csv.write_text("a,b,y\n1e300,1,0\n-1e300,2,1\n3,3,0\n4,1,1\n")
    code, out, err = run(capsys, "train", "--csv", str(csv), "--epochs", "3", "-o",
                         str(tmp_path / "r"), "-q", "--no-figure")  # fmt: skip
    assert code == 0 and "Warning" not in err and "trained      3 epochs" in out
    record = gn.modelfile.read_metadata(tmp_path / "r" / "model.npz")["extra"]["training"]
    mean, scale = record["standardize"]["mean"], record["standardize"]["scale"]
    # population standard deviation of (1e300, -1e300, 3, 4) is 1e300 / sqrt(2)
    assert scale[0] == pytest.approx(1e300 / np.sqrt(2), rel=1e-12)
    assert mean[0] == pytest.approx(7 / 4, rel=1e-12)


def test_one_set_of_options_with_the_same_defaults():
    import click

    commands = {
        "train": cli.get_command(None, "train"),
        "gradcheck": cli.get_command(None, "gradcheck"),
        "inspect": cli.get_command(None, "inspect"),
        "plot boundary": cli.get_command(None, "plot").get_command(None, "boundary"),
    }
    shared = ("--model", "--dataset", "--csv", "--target", "--x", "--y", "--hidden",
              "--activation", "--output", "--loss", "--bias", "--init", "--seed", "--dtype")  # fmt: skip
    for name, cmd in commands.items():
        flags = {f for p in cmd.params if isinstance(p, click.Option) for f in p.opts}
        assert set(shared) <= flags, (name, set(shared) - flags)
        assert "-d" in flags
    helps = {}
    for name, cmd in commands.items():
        helps[name] = {
            p.name: p.get_help_record(click.Context(cmd))[1]
            for p in cmd.params
            if isinstance(p, click.Option) and p.name in ("bias", "init", "loss", "hidden", "seed")
        }
    # train, gradcheck and plot share every default; inspect differs only where documented
    assert helps["train"] == helps["gradcheck"] == helps["plot boundary"]
    assert "[default: neuron]" in helps["train"]["bias"]
    # the help's lists of names are the registries'
    [opt] = [p for p in commands["train"].params if p.name == "optimizer"]
    assert all(name in opt.help for name in gn.optimizers.REGISTRY)
    [loss] = [p for p in commands["train"].params if p.name == "loss"]
    assert all(name in loss.help for name in gn.losses.names())
    assert "[default: layer]" in helps["inspect"]["bias"]
    commands["paper"] = cli.get_command(None, "paper")

    def short(name):
        return {f for p in commands[name].params for f in p.opts if len(f) == 2}

    assert {"-o", "-q", "-d"} <= short("train") and {"-o", "-q"} <= short("paper")
    assert {"-o", "-d"} <= short("plot boundary") and {"-f", "-d"} <= short("inspect")


def test_a_model_file_is_used_as_it_is(tmp_path, capsys):
    model = tmp_path / "r" / "model.npz"
    run(capsys, "train", "-d", "moons", "--hidden", "4", "--activation", "tanh", "--epochs",
        "30", "--lr", "0.5", "-o", str(tmp_path / "r"), "-q", "--no-figure")  # fmt: skip
    saved = gn.load(model)
    # no --dataset: the data set the model was trained on; no --epochs: no training
    code, out, _ = run(capsys, "plot", "landscape", "--model", str(model), "--res", "3",
                       "--kind", "1d", "-o", str(tmp_path / "l.png"), "--dpi", "20")  # fmt: skip
    assert code == 0 and "wrote" in out
    np.testing.assert_array_equal(gn.load(model).layers[0].W, saved.layers[0].W)
    # the figures of training draw the run the file holds; an animation needs the frames
    # of a training it can watch, so it asks for --epochs
    code, out, _ = run(capsys, "plot", "gradients", "--model", str(model), "-o",
                       str(tmp_path / "g.png"), "--dpi", "20")  # fmt: skip
    assert code == 0 and "wrote" in out
    err = one_line_error(
        capsys, "plot", "animation", "--model", str(model), "-o", str(tmp_path / "a.gif")
    )
    assert "--epochs" in err
    err = one_line_error(capsys, "plot", "boundary", "--model", str(model), "--hidden", "3",
                         "-o", str(tmp_path / "b.png"))  # fmt: skip
    assert "--hidden" in err and "model file defines the network" in err
    gn.Network([2, 5, 1], seed=0).save(tmp_path / "api.npz")  # records no data set
    err = one_line_error(capsys, "plot", "landscape", "--model", str(tmp_path / "api.npz"),
                         "-o", str(tmp_path / "l2.png"))  # fmt: skip
    assert err.startswith("error: --dataset:") and "2-5-1" in err
    # inspect reads the loss the model was trained with (bce), not its own default (sse)
    code, out, _ = run(capsys, "inspect", "--model", str(model), "--samples", "0", "-f", "json")
    assert code == 0 and '"loss": "bce"' in out
    code, out, _ = run(capsys, "gradcheck", "--model", str(model), "--samples", "5")
    assert code == 0 and "with loss bce on 5 samples" in out
    # train --model continues with the recorded optimizer and learning rate on the same data
    code, out, _ = run(capsys, "train", "--model", str(model), "--epochs", "2", "-q",
                       "--no-figure", "-o", str(tmp_path / "more"))  # fmt: skip
    assert code == 0 and "2 epochs on moons (200 samples)" in out and "gd, lr 0.5, loss bce" in out


def test_plain_progress_lines_when_not_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("glassnet.cli.progress.PLAIN_INTERVAL", 0.02)
    result = CliRunner().invoke(
        cli, ["train", "-d", "moons", "--hidden", "16,16", "--epochs", "400", "-o",
              str(tmp_path / "r"), "--no-figure"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("train  ")]
    assert len(lines) >= 2, result.stderr
    assert "\x1b" not in result.stderr  # no terminal control characters in a log
    assert re.fullmatch(
        r"train  400/400 epochs  elapsed \d:\d\d:\d\d  eta 0:00:00  loss \S+  now: gd, lr 0\.1, "
        r"loss bce",
        lines[-1],
    ), lines[-1]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_terminal_progress_has_bar_eta_and_loss(tmp_path):
    import pty

    leader, follower = pty.openpty()
    exe = os.path.join(os.path.dirname(sys.executable), "glassnet")
    proc = subprocess.Popen(
        [exe, "train", "-d", "moons", "--hidden", "8", "--epochs", "300", "-o",
         str(tmp_path / "r"), "--no-figure"],
        stdout=subprocess.DEVNULL, stderr=follower, env=os.environ | {"COLUMNS": "160"},
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    text = seen.decode(errors="replace")
    assert "train" in text and "/300" in text and "eta" in text and "loss" in text, text[-500:]
    assert "\x1b[" in text  # drawn in place, not printed line after line


def test_train_backend_option(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--backend", "numpy", "--epochs", "3", "-o",
                       str(tmp_path / "n"), "-q", "--no-figure")  # fmt: skip
    assert code == 0 and "trained      3 epochs" in out
    pytest.importorskip("jax")
    code, out, _ = run(capsys, "train", "--backend", "jax", "--epochs", "3", "-o",
                       str(tmp_path / "j"), "-q", "--no-figure")  # fmt: skip
    assert code == 0 and "trained      3 epochs" in out


def test_plot_checks_its_output_path_before_training(tmp_path, capsys):
    err = one_line_error(capsys, "plot", "loss", "--epochs", "100000000",
                         "-o", str(tmp_path / "missing" / "l.png"))  # fmt: skip
    assert "--out" in err and "does not exist" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["train", "--epochs", "1000000000000"], ("--epochs", "TiB", "loss history")),
        (["plot", "loss", "--population", "100000000"], ("--population", "fewer members")),
        (["plot", "landscape", "--epochs", "100000000"], ("--epochs", "--stride")),
        (["plot", "landscape", "--epochs", "2", "--span", "1e308"], ("--span", "1000000")),
    ],
)
def test_work_is_bounded_before_it_starts(tmp_path, capsys, args, words):
    err = one_line_error(capsys, *args, "-o", str(tmp_path / ("x.png" if "plot" in args else "r")))
    assert all(w in err for w in words), err


def test_a_csv_model_sees_new_data_scaled_as_in_training(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal([1000.0, -5.0], [100.0, 0.01], size=(40, 2))
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,y\n" + "\n".join(f"{a},{b},{int(a > 1000)}" for a, b in X))
    run(capsys, "train", "--csv", str(csv), "--hidden", "3", "--epochs", "2", "-q",
        "--no-figure", "-o", str(tmp_path / "r"))  # fmt: skip
    # new data (five of the rows): scaled with the training data's numbers, not its own
    new = tmp_path / "new.csv"
    new.write_text("\n".join(csv.read_text().splitlines()[:6]))
    code, out, _ = run(capsys, "inspect", "--model", str(tmp_path / "r" / "model.npz"), "--csv",
                       str(new), "--samples", "0", "-f", "json")  # fmt: skip
    assert code == 0
    import json

    # the standardization train fitted (mean and population standard deviation per column)
    want = (X[0] - X.mean(axis=0)) / X.std(axis=0)
    np.testing.assert_allclose(json.loads(out)["X"][0], want, rtol=1e-9)
