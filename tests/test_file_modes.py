"""Files glassnet writes get the mode a plain write would under the user's umask, and are
replaced atomically (issue 26): a model saved in a shared folder is readable by the class.

The reference is the operating system itself: the mode ``open(path, "w")`` gives a new file
(and ``os.mkdir`` a new directory) under the same umask, and the mode an existing file keeps
when it is written into.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import glassnet as gn
from glassnet import _files

X, Y = gn.datasets.load("xor")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _plain_file_mode(directory: Path) -> int:
    """What open(path, "w") gives a new file here, now."""
    probe = directory / "probe.txt"
    probe.write_text("x")
    mode = _mode(probe)
    probe.unlink()
    return mode


def _plain_dir_mode(directory: Path) -> int:
    probe = directory / "probe-dir"
    probe.mkdir()
    mode = _mode(probe)
    probe.rmdir()
    return mode


@pytest.fixture(params=[0o022, 0o077, 0o002], ids=["umask022", "umask077", "umask002"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _train(tmp_path):
    from glassnet import plots

    net = gn.Network([2, 3, 1], activation="tanh", seed=0)
    rec = plots.ParamRecorder(stride=5)
    hist = net.fit(X, Y, loss="bce", lr=0.5, epochs=10, callbacks=[rec])
    return net, rec, hist


def _writers(tmp_path):
    """(name, write(path), path) for every kind of file the library writes."""
    from glassnet import plots

    net, rec, hist = _train(tmp_path)
    fig = plots.loss_curve(hist, figsize=(2, 2), dpi=30)
    return [
        ("model file", lambda p: net.save(p), tmp_path / "model.npz"),
        ("modelfile.save", lambda p: gn.modelfile.save(net, p), tmp_path / "model2.npz"),
        ("plots.save png", lambda p: plots.save(fig, p), tmp_path / "loss.png"),
        ("Figure.save svg", lambda p: fig.save(p), tmp_path / "loss.svg"),
        ("animation gif", lambda p: plots.render_animation(rec, X, Y, p, res=8, figsize=(3, 1),
                                                           dpi=20), tmp_path / "train.gif"),
    ]  # fmt: skip


def test_new_files_get_the_mode_a_plain_write_gives(tmp_path, umask):
    expected = _plain_file_mode(tmp_path)
    assert expected == 0o666 & ~umask
    for name, write, path in _writers(tmp_path):
        write(path)
        assert _mode(path) == expected, name
    # nothing left beside them: the temporary files were renamed into place
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_replacing_a_file_keeps_its_mode_like_writing_into_it(tmp_path):
    for name, write, path in _writers(tmp_path):
        path.write_bytes(b"old")
        os.chmod(path, 0o640)
        write(path)
        assert _mode(path) == 0o640 and path.read_bytes() != b"old", name


def test_a_failed_write_leaves_the_old_file_whole_and_nothing_beside_it(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old contents")
    with pytest.raises(KeyboardInterrupt), _files.atomic_write(target) as f:
        f.write(b"new contents, half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of the write
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]
    with (
        pytest.raises(ValueError, match="refused"),
        _files.atomic_path(
            target, before_replace=lambda: (_ for _ in ()).throw(ValueError("refused"))
        ) as tmp,
    ):
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"old contents" and len(list(tmp_path.iterdir())) == 1


def test_reports_and_their_files_follow_the_umask(tmp_path, umask):
    from glassnet import plots
    from glassnet.report import Report

    file_mode, dir_mode = _plain_file_mode(tmp_path), _plain_dir_mode(tmp_path)
    rep = Report("modes")
    rep.add_data("numbers", {"a": [1, 2], "b": [3, 4]})
    fig = plots.loss_curve(_train(tmp_path)[2], figsize=(2, 2), dpi=30)
    rep.section("a figure").figure("loss", fig)
    out = rep.write(tmp_path / "report")
    assert _mode(out) == dir_mode == 0o777 & ~umask
    for path in out.rglob("*"):
        assert _mode(path) == (dir_mode if path.is_dir() else file_mode), path


def test_study_stores_and_exports_follow_the_umask(tmp_path, umask):
    import glassnet.study as gs

    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[study]\nname = "m"\n[data]\ndataset = "xor"\n[model]\nhidden = [[2]]\n'
        "[train]\nepochs = 5\nseeds = 1\nlr = 0.5\n"
    )
    expected = _plain_file_mode(tmp_path)
    st = gs.run(spec, tmp_path / "study", jobs=1)
    for name in ("spec.toml", "study.sqlite"):
        assert _mode(tmp_path / "study" / name) == expected, name
    for fmt in ("csv", "parquet"):
        path = st.export(tmp_path / f"results.{fmt}", fmt)
        assert _mode(path) == expected, fmt


def test_the_command_lines_outputs_follow_the_umask(tmp_path, umask):
    from glassnet.cli import main

    expected = _plain_file_mode(tmp_path)
    main(
        ["train", "-d", "xor", "--hidden", "2", "--epochs", "5", "-q", "-o", str(tmp_path / "run")]
    )
    main(["plot", "boundary", "--model", str(tmp_path / "run" / "model.npz"), "--res", "8",
          "--no-units", "-o", str(tmp_path / "b.png")])  # fmt: skip
    for path in (tmp_path / "run" / "model.npz", tmp_path / "run" / "loss.png", tmp_path / "b.png"):
        assert _mode(path) == expected, path


def test_a_write_that_cannot_start_names_the_file_asked_for(tmp_path):
    with pytest.raises(FileNotFoundError) as err, _files.atomic_write(tmp_path / "no" / "m.bin"):
        pass
    assert str(err.value) == (
        f"path: cannot write {str(tmp_path / 'no' / 'm.bin')!r}: No such file or directory"
    )


# --- the temporary beside the target ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["a" * 255, "é" * 127, "m" * 251 + ".npz", "short.bin"],
    ids=["255 bytes", "254 bytes of 2-byte characters", "251 + .npz", "short"],
)
def test_any_name_a_plain_write_accepts_is_written(tmp_path, name):
    """The temporary's name repeats the target's, cut so that it stays within NAME_MAX: a
    name that open() accepts (the reference, up to 255 bytes) is written by every writer."""
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / name).write_text("reference")  # the operating system accepts the name
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / name
    with _files.atomic_write(target, "w") as f:
        f.write("content")
    assert target.read_text() == "content"
    with _files.atomic_path(target, suffix=".png") as tmp:
        assert len(os.fsencode(tmp.name)) <= 255
        tmp.write_bytes(b"again")
    assert target.read_bytes() == b"again"
    made = _files.new_directory(target)
    assert made.is_dir() and made.parent == target.parent
    made.rmdir()
    assert os.listdir(tmp_path / "out") == [name]  # no temporary left beside it


def test_the_temporary_is_a_hidden_random_name_beside_the_target(tmp_path):
    import re

    target = tmp_path / "model.npz"
    with _files.atomic_path(target, suffix=".npz") as tmp:
        assert tmp.parent == tmp_path
        assert re.fullmatch(r"\.model\.npz\.[0-9a-f]{8}\.tmp\.npz", tmp.name), tmp.name
        assert os.listdir(tmp_path) == [tmp.name]  # made at once, empty, before any write
        assert tmp.read_bytes() == b""
    made = _files.new_directory(tmp_path / "report")
    assert re.fullmatch(r"\.report\.[0-9a-f]{8}\.tmp", made.name), made.name
    assert made.parent == tmp_path and made.is_dir() and os.listdir(made) == []
    # a long name is cut to 200 bytes in the temporary, the random part and suffix kept
    with _files.atomic_path(tmp_path / ("x" * 240), suffix=".png") as tmp:
        assert re.fullmatch(r"\.x{200}\.[0-9a-f]{8}\.tmp\.png", tmp.name), tmp.name


def test_a_temporary_name_already_taken_is_never_reused(tmp_path, monkeypatch):
    """Someone else's entry under the first random name is left alone: the next name is
    drawn (O_EXCL for a file, mkdir for a directory)."""
    draws = iter(["00000000", "11111111", "00000000", "22222222"])
    monkeypatch.setattr(_files.secrets, "token_hex", lambda n: next(draws))
    other = tmp_path / ".model.npz.00000000.tmp"
    other.write_text("someone else's")
    with _files.atomic_write(tmp_path / "model.npz", "w") as f:
        f.write("mine")
    assert (tmp_path / "model.npz").read_text() == "mine"
    assert other.read_text() == "someone else's"
    taken = tmp_path / ".run.00000000.tmp"
    taken.mkdir()
    (taken / "theirs").write_text("x")
    made = _files.new_directory(tmp_path / "run")
    assert made == tmp_path / ".run.22222222.tmp" and os.listdir(made) == []
    assert os.listdir(taken) == ["theirs"]


def test_a_write_that_fails_after_removing_its_temporary_keeps_its_own_error(tmp_path):
    """The clean-up of a failed write tolerates a temporary already gone: the writer's own
    error is the one raised, not a FileNotFoundError of the clean-up."""
    target = tmp_path / "model.npz"
    target.write_text("old")
    with pytest.raises(RuntimeError, match=r"^the writer's own$"), _files.atomic_path(target) as t:
        t.unlink()
        raise RuntimeError("the writer's own")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["model.npz"]


def test_atomic_write_passes_its_options_on_and_checks_its_mode(tmp_path):
    target = tmp_path / "notes.txt"
    with _files.atomic_write(target, "w", encoding="utf-16", newline="\r\n") as f:
        f.write("é\n")
    # UTF-16 with its byte-order mark, the newline written as asked
    assert target.read_bytes() == "é\r\n".encode("utf-16")
    calls = []

    def refuse() -> None:
        calls.append(target.read_bytes())  # the old content is still there
        raise OSError("the target changed meanwhile")

    with pytest.raises(OSError, match=r"^the target changed meanwhile$"):
        with _files.atomic_write(target, "wb", before_replace=refuse) as f:
            f.write(b"new")
    assert calls == ["é\r\n".encode("utf-16")]
    assert target.read_bytes() == "é\r\n".encode("utf-16")  # abandoned: the old file
    assert os.listdir(tmp_path) == ["notes.txt"]
    for mode in ("a", "r", "w+", "xb"):
        with pytest.raises(ValueError) as info, _files.atomic_write(target, mode):
            pass
        assert str(info.value) == f"mode: expected 'w' or 'wb', got {mode!r}"
    assert target.read_bytes() == "é\r\n".encode("utf-16")
