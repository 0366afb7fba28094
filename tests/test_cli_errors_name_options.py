"""Every command-line error names the option the user gave (issue 26): the library names its
arguments (``lr``, ``name``, ``path``, ``figsize``), the command line translates them to the
option that fed each (``--lr``, ``--dataset``, ``--csv`` or ``--out``, ``--width``)."""

from __future__ import annotations

import click
import numpy as np
import pytest

import glassnet as gn
from glassnet.cli import cli, main
from glassnet.cli.errors import command_options, rename


def _error(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2, (args, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err[len("error: ") :].rstrip("\n")


def _commands(group=cli, path=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_translates_the_librarys_errors():
    commands = dict(_commands())
    assert len(commands) == 18  # train, gradcheck, datasets, info, inspect, paper, playground,
    # plot (6), predict, study (4)
    for path, command in commands.items():
        assert getattr(command, "_names_options", False), " ".join(path)


def test_the_translation_itself():
    table = {"lr": "--lr", "batch_size": "--batch-size", "activation": "--activation"}
    assert rename("lr: expected a finite number > 0, got -1.0 (float)", table) == (
        "--lr: expected a finite number > 0, got -1.0 (float)"
    )
    assert rename("activation[1]: unknown activation 'zz'", table) == (
        "--activation[1]: unknown activation 'zz'"
    )
    assert rename("name: unknown dataset 'mnist'", table) == "--dataset: unknown dataset 'mnist'"
    assert rename("lr-grid: expected ...", {"lr_grid": "--lr-grid"}) == "--lr-grid: expected ..."
    # another argument's error is left to an outer table; a message naming none gets the default
    assert rename("member: this is a single network", {"path": "--out"}, "--out") is None
    assert (
        rename("/x/m.npz: no such model file", {}, "--model")
        == "--model: /x/m.npz: no such model file"
    )
    assert rename("--lr: already named", table, "--out") == "--lr: already named"
    assert command_options(dict(_commands())[("plot", "landscape")])["direction_seed"] == (
        "--direction-seed"
    )


# (arguments, the option the message must start with): each an error the library raises, under
# a name of its own, for a value the user gave to that option
CASES = [
    (["train", "--lr", "-1"], "--lr"),
    (["train", "--lr", "nan"], "'--lr'"),
    (["train", "--activation", "sigmod"], "--activation"),
    (["train", "--activation", "tanh,relu", "--hidden", "4"], "--activation"),
    (["train", "--dataset", "mnist"], "--dataset"),
    (["train", "--init", "xavierr"], "--init"),
    (["train", "--loss", "mes"], "--loss"),
    (["train", "--optimizer", "adamm"], "--optimizer"),
    (["train", "-d", "xor", "--output", "softmax"], "--output"),
    (["train", "-d", "xor", "--validation-split", "0.9"], "--validation-split"),
    (["train", "--trainer", "evolution", "--mutation-scale", "-1"], "--mutation-scale"),
    (["train", "--sizes", "3,x,1"], "--sizes"),
    (["inspect", "--samples", "7"], "--samples"),
    (["inspect", "--x", "1e400,1,1", "--y", "1"], "--x"),
    (["inspect", "--x", "1,1,1", "--y", "2", "--loss", "bce", "--output", "sigmoid"], "--y"),
    (["inspect", "--seed", "99999999999", "--init", "paper"], "--seed"),
    (["inspect", "--hidden", "100000"], "--hidden"),
    (["gradcheck", "--hidden", "100000"], "--hidden"),
    (["gradcheck", "--tolerance", "-1"], "--tolerance"),
    (["plot", "network", "--width", "100000"], "--width"),
    (["plot", "network", "--height", "100000"], "--height"),
    (["plot", "network", "--dpi", "10000"], "--dpi"),
    (["plot", "network", "--fps", "1"], "--fps"),  # not an option of this figure: click says so
    (["plot", "network", "--sample", "99"], "--sample"),
    (["plot", "boundary", "--member", "3"], "--member"),
    (["plot", "boundary", "--res", "100000"], "--res"),
    (["plot", "landscape", "--span", "nan"], "'--span'"),
    (["plot", "landscape", "--res", "100000"], "--res"),
    (["plot", "animation", "--fps", "nan"], "'--fps'"),
    (["plot", "animation", "--res", "100000", "--epochs", "2"], "--res"),
    (["plot", "loss", "--epochs", "2", "--member", "5"], "--member"),
    # the layer statistics beyond the History's bound (7.5 GiB asked), before any training
    (["plot", "gradients", "--population", "1000", "--epochs", "100000", "--every", "1"],
     "--every"),
    (["paper", "--seeds", "1"], "--seeds"),
    (["paper", "--seeds", "100000000"], "--seeds"),
    (["paper", "--epochs", "3"], "--epochs"),
    (["paper", "--lr-grid", "0.1:10:100000000"], "--lr-grid"),
    (["paper", "--threshold", "2"], "--threshold"),
    (["playground", "--port", "99999", "--no-browser"], "--port"),
    (["playground", "--host", "8.8.8.8", "--no-browser"], "--host"),
    (["predict", "--model", "NOWHERE", "--x", "1,2"], "--model"),
    (["predict", "--model", "NOWHERE", "--csv", "NOWHERE"], "--model"),
    (["study", "status", "NOWHERE"], "DIRECTORY"),
    (["study", "export", "NOWHERE"], "DIRECTORY"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "option"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_an_error_names_the_option_that_fed_the_argument(capsys, tmp_path, args, option):
    args = [str(tmp_path / a) if a == "NOWHERE" else a for a in args]
    if args[0] in ("train", "plot"):  # a written file needs a place
        name = {"train": "run", "plot": "x.gif" if "animation" in args else "x.png"}[args[0]]
        args += ["-o", str(tmp_path / name)]
    if args[0] == "paper":
        args += ["--out", str(tmp_path / "report")]
    message = _error(capsys, *args)
    assert message.startswith(
        (f"{option}:", f"Invalid value for {option}:", f"No such option '{option}'")
    ), message


def test_a_figure_too_large_talks_about_the_option_given(capsys, tmp_path):
    out = ["-o", str(tmp_path / "n.png")]
    assert _error(capsys, "plot", "network", "--width", "100000", *out) == (
        "Invalid value for --width: 100000 inches at --dpi 100 is 1e+07 pixels; expected at "
        "most 16384 pixels per side (at most 163.8 inches at this --dpi)"
    )
    assert _error(capsys, "plot", "network", "--dpi", "5000", *out) == (
        "Invalid value for --dpi: 6.4 inches at --dpi 5000 is 3.2e+04 pixels; expected at most "
        "16384 pixels per side (at most --dpi 2560 for this figure's 6.4 inches)"
    )


def test_a_model_file_and_a_csv_name_their_options(capsys, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n")
    assert _error(capsys, "train", "--csv", str(tmp_path / "bad.csv"), "-o", str(tmp_path / "r")
                  ).startswith("--csv: ")  # fmt: skip
    assert _error(capsys, "inspect", "--model", str(tmp_path / "none.npz")).startswith("--model: ")
    gn.Network([2, 3, 1]).save(tmp_path / "m.npz")
    message = _error(capsys, "inspect", "--model", str(tmp_path / "m.npz"), "-d", "paper")
    assert message.startswith("--dataset: the model ")  # 2 inputs, the paper's data has 3


@pytest.mark.filterwarnings("default::glassnet.training.DivergenceWarning")
@pytest.mark.filterwarnings("default::glassnet._validation.NonFiniteWarning")
@pytest.mark.parametrize(("command", "extra"), [
    ("train", ["--epochs", "1", "--no-figure"]), ("inspect", []),
    ("plot network", ["--epochs", "1"]),
])  # fmt: skip
@pytest.mark.parametrize("value", ["-1", "nan", "1e309", "zzz", "99999999999999999999"])
def test_a_sweep_of_hostile_values_names_the_option_given(capsys, tmp_path, command, extra, value):
    """Every option of a command given each hostile value: accepted, or refused naming it."""
    path = tuple(command.split())
    cmd = dict(_commands())[path]
    rng = np.random.default_rng(abs(hash(value)) % 2**32)
    options = [p for p in cmd.params if isinstance(p, click.Option) and not p.is_flag
               and p.opts[0] not in ("--out", "--model", "--csv")]  # fmt: skip
    for p in rng.permutation(options):
        option = next(o for o in p.opts if o.startswith("--"))
        args = [*path, "-d", "xor", *extra, option, value]
        if command != "inspect":
            args += ["-o", str(tmp_path / ("x.png" if path[0] == "plot" else "run")), "--force"][
                : 2 if path[0] == "plot" else 3
            ]
        if option in ("--dataset", "--x", "--y"):
            args = [a for a in args if a not in ("-d", "xor")]
        try:
            main(args)
        except SystemExit as exc:
            _, err = capsys.readouterr()
            if exc.code in (0, None):
                continue
            assert exc.code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
            assert option in err or (p.name == "xs" and "--x" in err), (option, value, err)
        capsys.readouterr()


def test_a_file_named_like_an_argument_is_still_said_by_its_option(tmp_path, monkeypatch, capsys):
    # the library's message starts with the file's name ("zzz: not a readable glassnet model
    # file"), which read as an argument no option feeds: the option was left out
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zzz").write_text("not a model\n")
    bad = "zzz: not a readable glassnet model file (corrupt or truncated: not an npz (zip) archive)"
    commands = [["train", "-o", "out"], ["inspect"], ["gradcheck"], ["plot", "network", "-o",
                "n.png"], ["predict", "--x", "1,2"]]  # fmt: skip
    for command in commands:
        for given in ("zzz", "./zzz"):
            assert _error(capsys, *command, "--model", given) == f"--model: {bad}", command
        assert _error(capsys, *command, "--model", "nan") == "--model: nan: no such model file"
