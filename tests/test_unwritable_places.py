"""A place where no file can be created is refused before any work, whatever the permission
bits say (issue 26: nothing computed is lost).

``os.access`` reads the permission bits only: for root, on a read-only mount, or in ``/proc``
it answers yes, and a command that trusted it trained (or ran the paper's study) and then
failed to save. The reference here is the kernel itself (``/proc``, where not even root
creates a file) and, for a read-only mount, ``os.open`` failing with ``EROFS`` in one folder,
as the kernel fails it: every check that guards a long computation must ask the file system.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import click
import numpy as np
import pytest

import glassnet as gn
from glassnet._files import unwritable
from glassnet.cli import cli, main
from glassnet.report import check_out_dir
from glassnet.training import Checkpoint

_READ_ONLY = os.strerror(errno.EROFS)  # "Read-only file system"


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder whose permission bits allow everything, on a 'mount' that refuses to create a
    file or a folder in it."""
    folder = tmp_path / "mounted"
    (folder / "existing").mkdir(parents=True)  # a folder already there, e.g. an earlier study's
    real_open = os.open

    def open_(path, flags, mode=0o777, *, dir_fd=None):
        if flags & os.O_CREAT and folder in Path(path).parents:
            raise OSError(errno.EROFS, _READ_ONLY, os.fspath(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    real_mkdir = os.mkdir

    def mkdir(path, mode=0o777, *, dir_fd=None):
        if folder in Path(path).parents:
            raise OSError(errno.EROFS, _READ_ONLY, os.fspath(path))
        return real_mkdir(path, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "mkdir", mkdir)
    assert os.access(folder, os.W_OK | os.X_OK)  # what the old checks trusted
    return folder


def test_a_writable_folder_is_writable_and_left_as_it_was(tmp_path):
    (tmp_path / "keep").write_text("x")
    assert unwritable(tmp_path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]


def test_a_read_only_mount_is_named_in_the_systems_words(read_only):
    assert unwritable(read_only) == f"no file can be created in {read_only}: {_READ_ONLY}"
    assert [p.name for p in read_only.iterdir()] == ["existing"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc on this system")
def test_proc_where_not_even_root_creates_a_file():
    why = unwritable("/proc")
    assert why is not None and why.startswith("no file can be created in /proc: ")


def test_the_librarys_checks_before_work_ask_the_file_system(read_only):
    net = gn.Network([2, 1], seed=0)
    X, y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(PermissionError) as err:
        check_out_dir(read_only / "report")
    assert str(err.value) == (
        f"out: cannot write {read_only / 'report'}: no file can be created in {read_only}: "
        f"{_READ_ONLY}"
    )
    before = [p.copy() for layer in net.params for p in layer.values()]
    with pytest.raises(PermissionError) as err:
        net.fit(X, y, epochs=3, callbacks=[Checkpoint(read_only / "x.npz")])
    assert str(err.value) == (
        f"path: cannot save in the folder {str(read_only)!r}: no file can be created in "
        f"{read_only}: {_READ_ONLY}"
    )
    after = [p for layer in net.params for p in layer.values()]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))  # not trained


def _commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _writers() -> set[tuple[str, ...]]:
    return {
        path
        for path, command in _commands()
        if any("--out" in p.opts for p in command.params if isinstance(p, click.Option))
    }


def test_every_command_that_writes_refuses_a_read_only_place_by_its_option(
    read_only, tmp_path, capsys, monkeypatch
):
    study = tmp_path / "study"
    spec = tmp_path / "s.toml"
    spec.write_text(
        '[study]\nname = "t"\n[data]\ndataset = "paper"\n[model]\nwidth = 2\ndepth = 1\n'
        'activation = "sigmoid"\n[train]\nloss = "mse"\noptimizer = "gd"\nlr = 0.5\n'
        "epochs = 3\nseeds = 1\n"
    )
    main(["study", "run", str(spec), "--out", str(study), "--quiet"])
    capsys.readouterr()
    cases = {
        ("train",): ["--epochs", "5"],
        ("paper",): ["--quick"],
        ("plot", "network"): [],
        ("plot", "boundary"): ["--epochs", "5"],
        ("plot", "loss"): ["--epochs", "5"],
        ("plot", "gradients"): ["--epochs", "5"],
        ("plot", "landscape"): ["--epochs", "5"],
        ("plot", "animation"): ["--epochs", "5"],
        ("study", "run"): [str(spec)],
        ("study", "export"): [str(study)],
        ("study", "report"): [str(study)],
        ("predict",): ["--model", str(tmp_path / "m.npz"), "--x", "0,0,1"],  # checked first
    }
    assert set(cases) == _writers()  # a new command that writes joins this test

    def trained(*args, **kwargs):
        raise AssertionError("trained before the output place was checked")

    monkeypatch.setattr(gn.Network, "fit", trained)
    for path, args in cases.items():
        name = {"animation": "x.gif", "export": "x.csv", "predict": "x.csv"}.get(path[-1], "x.png")
        writes_a_file = path[0] in ("plot", "predict") or "export" in path
        target = read_only / (name if writes_a_file else "o")
        with pytest.raises(SystemExit) as exit_:
            main([*path, *args, "--out", str(target)])
        out, err = capsys.readouterr()
        assert exit_.value.code == 2, (path, out, err)
        assert err.count("\n") == 1 and err.startswith("error: "), (path, err)
        # in the system's words, naming the option and the place (a new folder's, or the
        # folder's that a file could not be created in)
        assert err.startswith(("error: --out: ", "error: Invalid value for --out: ")), err
        assert str(read_only) in err and err.endswith(f": {_READ_ONLY}\n"), (path, err)
    with pytest.raises(SystemExit) as exit_:  # a study into a folder that is there already
        main(["study", "run", str(spec), "--out", str(read_only / "existing")])
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and err.count("\n") == 1, err
    assert err.startswith("error: --out: ") and err.endswith(f": {_READ_ONLY}\n"), err
    assert [p.name for p in read_only.iterdir()] == ["existing"]
    assert list((read_only / "existing").iterdir()) == []
