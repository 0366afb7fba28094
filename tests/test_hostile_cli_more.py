"""Hostile command-line values that slipped through (a second sweep): an empty item in a list
(``--x 0,,1``, ``--samples 3,,2``) was dropped instead of refused, an empty name
(``--loss ""``) fell back to the default silently, and a model that does not fit the data named
``--dataset`` when the data came from ``--csv`` or ``--x/--y``. Each is one line naming the
option given, exit 2."""

from __future__ import annotations

import pytest

import glassnet as gn
from glassnet.cli import main


def _error(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2, (args, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err[len("error: ") :].rstrip("\n")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--x", "0,,1", "--y", "1"],
            "Invalid value for --x: expected comma-separated numbers like 0,0,1, got '0,,1'",
        ),
        (
            ["--x", "0,1,", "--y", "1"],
            "Invalid value for --x: expected comma-separated numbers like 0,0,1, got '0,1,'",
        ),
        (
            ["--x", "0,1", "--y", ",1"],
            "Invalid value for --y: expected comma-separated numbers like 0,0,1, got ',1'",
        ),
        (
            ["--x", " ", "--y", "1"],
            "Invalid value for --x: expected at least one number, got ' '",
        ),
    ],
)
def test_an_empty_item_of_a_row_is_refused(capsys, tmp_path, args, line):
    assert _error(capsys, "train", *args, "-o", str(tmp_path / "r"), "-q") == line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("samples", "line"),
    [
        (
            "3,,2",
            "Invalid value for --samples: expected comma-separated integers like 0,2, got '3,,2'",
        ),
        ("0,", "Invalid value for --samples: expected comma-separated integers like 0,2, got '0,'"),
        ("", "Invalid value for --samples: expected comma-separated integers like 0,2, got ''"),
    ],
)
def test_inspect_refuses_an_empty_row_index(capsys, samples, line):
    assert _error(capsys, "inspect", "--samples", samples) == line


@pytest.mark.parametrize(
    ("option", "what"),
    [
        ("--dataset", "a data set name (see `glassnet datasets`)"),
        ("--hidden", "hidden layer sizes like 8,8 (0: none)"),
        ("--activation", "an activation name like tanh, or one per layer: tanh,relu"),
        ("--output", "an output activation name like sigmoid (auto: from the targets)"),
        ("--loss", "a loss name like mse (auto: from the output)"),
        ("--init", "an initializer name like xavier"),
        ("--optimizer", "an optimizer name like adam"),
    ],
)
def test_an_empty_name_is_refused_not_replaced_by_the_default(capsys, tmp_path, option, what):
    line = _error(capsys, "train", option, "", "-o", str(tmp_path / "r"), "-q")
    assert line == f"Invalid value for {option}: expected {what}, got ''"
    assert not (tmp_path / "r").exists()


def test_every_command_with_the_shared_options_refuses_an_empty_name(capsys, tmp_path):
    out = str(tmp_path / "p.png")
    for command in (["gradcheck"], ["inspect"], ["plot", "network", "-o", out]):
        assert _error(capsys, *command, "--loss", " ") == (
            "Invalid value for --loss: expected a loss name like mse (auto: from the output), "
            "got ' '"
        )


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.npz"
    gn.Network([3, 2, 1], seed=0).save(path)
    return str(path)


def test_a_model_that_does_not_fit_names_the_option_the_data_came_from(capsys, tmp_path, model):
    (tmp_path / "two.csv").write_text("a,b,y\n0,1,1\n1,0,0\n")
    tail = "is 3-2-1 but the data has 2 input and 1 target column(s); give the data it was "
    tail += "trained on (--dataset, --csv or --x/--y)"
    csv = str(tmp_path / "two.csv")
    assert _error(capsys, "inspect", "--model", model, "--csv", csv) == (
        f"--csv: the model {model} {tail}"
    )
    assert _error(capsys, "gradcheck", "--model", model, "--x", "0,0", "--y", "1") == (
        f"--x/--y: the model {model} {tail}"
    )
    assert _error(capsys, "inspect", "--model", model, "--dataset", "xor") == (
        f"--dataset: the model {model} {tail}"
    )


def test_paper_refuses_an_empty_learning_rate_before_running(capsys, tmp_path):
    # '3,,2' used to be read as 3,2 and ran the whole paper
    for grid in ("3,,2", ",", "0.5,"):
        assert _error(capsys, "paper", "--lr-grid", grid, "-o", str(tmp_path / "r"), "-q") == (
            "--lr-grid: expected 'START:STOP:NUM' with START, STOP > 0 and NUM >= 1, or a comma "
            f"list of positive numbers, got {grid!r}"
        )
    assert not (tmp_path / "r").exists()


def test_plot_refuses_an_empty_member_and_says_what_a_single_network_expects(capsys, tmp_path):
    out = str(tmp_path / "n.png")
    assert _error(
        capsys, "plot", "network", "-o", out, "--population", "2", "--member", "0,,1"
    ) == ("Invalid value for --member: expected an index, a list like 0,3,5 or 'all', got '0,,1'")
    # the message said "got member=[1, 2]": the library's argument, not the option given
    assert _error(capsys, "plot", "network", "-o", out, "--epochs", "0", "--member", "1,2") == (
        "--member: this is a single network, not a population; expected no member (or 0), "
        "got [1, 2]"
    )
    assert not (tmp_path / "n.png").exists()


SPEC = """
[data]
dataset = {dataset}
[model]
{model}
[train]
lr = 0.5
epochs = 2
"""


@pytest.mark.parametrize(
    ("dataset", "model", "problem"),
    [
        # [w] * depth was made before any bound: MemoryError, "not enough memory ()"
        ('"xor"', "width = 2\ndepth = 99999999999999",
         "model.depth: expected an integer in [0, 998], got 99999999999999 (int)"),
        # nan reached json.dumps: "Out of range float values are not JSON compliant"
        ('{name = "moons", noise = nan}', "",
         "data.dataset.noise: expected a finite number, got nan"),
        ('{csv = "adir", target = "y"}', "",
         "data.dataset.csv: '{tmp}/adir' is a directory; expected a CSV file"),
    ],
)  # fmt: skip
def test_a_hostile_study_spec_is_one_line_naming_the_key(capsys, tmp_path, dataset, model, problem):
    (tmp_path / "adir").mkdir()
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(dataset=dataset, model=model))
    line = _error(capsys, "study", "run", str(spec), "-o", str(tmp_path / "s"), "-q", "-j", "1")
    assert line == f"{spec}: {problem.format(tmp=tmp_path.resolve())}"
    assert not (tmp_path / "s").exists()


def test_train_refuses_an_empty_out_instead_of_writing_into_the_current_directory(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert _error(capsys, "train", "-o", "", "-q", "--epochs", "1") == (
        "Invalid value for --out: expected a directory name, got ''"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--trainer", "evolution", "--lr", "0.1"],
         "--lr and --trainer evolution: --lr is an option of --trainer gd; drop it"),
        (["--trainer", "evolution", "--optimizer", "adam"],
         "--optimizer and --trainer evolution: --optimizer is an option of --trainer gd; drop it"),
        (["--trainer", "evolution", "--batch-size", "2"],
         "--batch-size and --trainer evolution: --batch-size is an option of --trainer gd; "
         "drop it"),
        (["--population", "5"],
         "--population and --trainer gd: --population is an option of --trainer evolution; "
         "drop it"),
        (["--trainer", "gd", "--mutation-scale", "0.5"],
         "--mutation-scale and --trainer gd: --mutation-scale is an option of --trainer "
         "evolution; drop it"),
    ],
)  # fmt: skip
def test_an_option_the_trainer_does_not_use_is_refused_not_ignored(capsys, tmp_path, args, line):
    assert _error(capsys, "train", *args, "-o", str(tmp_path / "r"), "-q", "--epochs", "1") == line
    assert not (tmp_path / "r").exists()


def test_a_target_without_a_csv_is_refused_not_ignored(capsys, tmp_path):
    line = "--target: names a column of --csv; give --csv, or drop --target"
    assert _error(capsys, "gradcheck", "--target", "y") == line
    assert _error(capsys, "train", "-d", "xor", "--target", "0", "-o", str(tmp_path / "r")) == line
    assert not (tmp_path / "r").exists()


def _commands():
    """Every command's path, subcommands included (the top group loads them lazily)."""
    import click

    from glassnet.cli import cli

    ctx = click.Context(cli)
    out = []
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            out += [(name, sub) for sub in cmd.list_commands(click.Context(cmd))]
        else:
            out.append((name,))
    return out


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_no_help_shows_a_range_of_none(capsys, path):
    # click describes a FloatRange open at both ends as "x<=None"; a finite option says nothing
    try:
        main([*path, "--help"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    out = capsys.readouterr().out
    assert "--help" in out and "None]" not in out and "<=None" not in out


def test_paper_out_that_is_a_file_is_refused_naming_the_option(capsys, tmp_path):
    afile = tmp_path / "report.txt"
    afile.write_text("mine")
    line = _error(capsys, "paper", "--out", str(afile))
    assert line == f"--out: expected a directory, got {afile}, which is a file"
    assert afile.read_text() == "mine"  # nothing of the user's replaced


@pytest.mark.parametrize(
    ("fps", "out", "line"),
    [
        ("1e308", "a.gif", "--fps: expected a finite number in [0.1, 50], got 1e+308 (float) "
         "(a GIF's frame delays are whole hundredths of a second, and viewers play delays under "
         "0.02 s at 10 fps; an .mp4 takes up to 1000)"),
        ("51", "a.gif", "--fps: expected a finite number in [0.1, 50], got 51.0 (float) (a GIF's"),
        ("1001", "a.mp4", "--fps: expected a finite number in [0.1, 1000], got 1001.0 (float)"),
    ],
)  # fmt: skip
def test_a_frame_rate_the_file_cannot_play_is_refused_before_training(
    capsys, tmp_path, fps, out, line
):
    # a GIF stores delays in hundredths of a second: 1e308 fps was written as delay 0, which
    # viewers play at 10 fps
    err = _error(
        capsys, "plot", "animation", "--fps", fps, "--epochs", "3", "-o", str(tmp_path / out)
    )
    assert err.startswith(line)
    assert list(tmp_path.iterdir()) == []


def test_the_fastest_frame_rates_a_gif_and_an_mp4_can_play_are_accepted():
    from glassnet.plots import check_fps

    assert check_fps(50, ".gif") == 50.0 and check_fps(0.1, ".gif") == 0.1
    assert check_fps(1000, ".mp4") == 1000.0
    with pytest.raises(ValueError, match=r"fps: expected a finite number in \[0.1, 50\], got 0.09"):
        check_fps(0.09, ".gif")
    with pytest.raises(TypeError, match="fps: expected a finite number"):
        check_fps("6", ".gif")
