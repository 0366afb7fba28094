"""Tests of glassnet.report: self-contained HTML, files on disk, atomic replacement."""

import json
import os
import re

import numpy as np
import pytest

from glassnet.report import MARKER, Report, check_out_dir


def _fig():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1.0, 0.5, 0.2], label="loss")
    ax.set_title("t")
    return fig


def _report():
    rep = Report("Demo <report>", subtitle="a **bold** claim", meta={"seed": 1, "lr": 0.5})
    s = rep.section("First part")
    s.text("Hello & welcome, `code` here.").bullets(["one", "two"])
    s.table([{"a": 1, "b": 0.123456789}, {"a": 2, "b": float("inf")}], caption="T")
    s.figure("loss", _fig(), caption="Loss")
    s.figure("loss_svg", _fig(), caption="Inline", embed="svg")
    rep.section("Second part").code("glassnet paper --quick")
    rep.add_data("curves", {"epoch": [0, 1], "loss": [0.25, 0.1]})
    rep.add_data("summary", {"x": 1.5, "nested": {"y": [1, 2]}, "bad": float("nan")})
    return rep


def test_write_layout_and_embedding(tmp_path):
    out = _report().write(tmp_path / "r")
    assert (out / "report.html").is_file() and (out / MARKER).is_file()
    for ext in ("png", "svg"):
        assert (out / "figures" / f"loss.{ext}").stat().st_size > 100
        assert (out / "figures" / f"loss_svg.{ext}").stat().st_size > 100
    assert (out / "data" / "curves.csv").read_text() == "epoch,loss\n0,0.25\n1,0.1\n"
    summary = json.loads((out / "data" / "summary.json").read_text())
    assert summary == {"x": 1.5, "nested": {"y": [1, 2]}, "bad": None}
    page = (out / "report.html").read_text()
    srcs = re.findall(r'src="([^"]*)"', page)
    assert len(srcs) == 1 and srcs[0].startswith("data:image/png;base64,")
    assert "http" not in page
    assert "<svg" in page
    assert "Demo &lt;report&gt;" in page and "<strong>bold</strong>" in page
    assert "<code>code</code>" in page and "0.1235" in page and ">inf<" in page
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_same_content_same_bytes(tmp_path):
    a = _report().write(tmp_path / "a")
    b = _report().write(tmp_path / "b")
    for rel in ("data/curves.csv", "data/summary.json", "figures/loss.png", "figures/loss.svg"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_replaces_previous_report_but_not_other_dirs(tmp_path):
    out = tmp_path / "r"
    _report().write(out)
    # a file the earlier report wrote and this one does not is replaced with the rest
    smaller = Report("Smaller")
    smaller.section("Only").text("no figure, no data")
    smaller.write(out)
    assert not (out / "figures" / "loss.png").exists()
    assert not (out / "data" / "curves.csv").exists()
    assert (out / "report.html").is_file()
    _report().write(out)
    # ... but a file someone added beside a report's own is never lost with it
    (out / "notes.txt").write_text("precious")
    (out / "figures" / "mine.png").write_bytes(b"png")
    with pytest.raises(ValueError) as err:
        _report().write(out)
    assert str(err.value) == (
        f"out: {out} is a glassnet report holding files the report did not write "
        "(figures/mine.png, notes.txt); refusing to replace it and lose them (move them "
        "out, or choose another --out)"
    )
    assert (out / "notes.txt").read_text() == "precious"
    (out / "notes.txt").unlink()
    (out / "figures" / "mine.png").unlink()
    _report().write(out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "data", "figures", "report.html"]
    # a report written before its marker listed its files: its layout is vouched for
    (out / MARKER).write_text("glassnet report\n")
    (out / "figures" / "old.svg").write_text("<svg/>")
    (out / "mine.txt").write_text("x")
    with pytest.raises(ValueError, match=r"\(mine\.txt\)"):
        _report().write(out)
    (out / "mine.txt").unlink()
    _report().write(out)
    assert not (out / "figures" / "old.svg").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="not a glassnet report"):
        _report().write(other)
    assert (other / "thesis.tex").read_text() == "precious"
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        check_out_dir(f)


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    rep = _report()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Report, "to_html", boom)
    with pytest.raises(RuntimeError):
        rep.write(tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_parent(tmp_path):
    # a path under a regular file cannot be created by anyone, root included (CI runs as root)
    blocker = tmp_path / "file"
    blocker.write_text("keep")
    for out in (blocker / "r", blocker / "sub" / "r"):
        with pytest.raises(ValueError, match="is a file"):
            check_out_dir(out)
        with pytest.raises(ValueError, match="is a file"):
            _report().write(out)
    assert blocker.read_text() == "keep" and sorted(tmp_path.iterdir()) == [blocker]
    if os.geteuid() == 0:
        return  # root writes anywhere: the permission bits below bind other users only
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            check_out_dir(ro / "r")
    finally:
        ro.chmod(0o700)


def test_bad_names_and_tables():
    rep = Report("x")
    s = rep.section("s")
    with pytest.raises(ValueError, match="figure name"):
        s.figure("../evil", _fig())
    rep.add_data("d", {"a": [1]})
    with pytest.raises(ValueError, match="already"):
        rep.add_data("d.csv", {"a": [1]})
    with pytest.raises(ValueError, match="columns"):
        s.table([[1, 2]])
    with pytest.raises(ValueError, match="equal lengths"):
        s.table({"a": [1, 2], "b": [1]})
    s.table(np.array([[1, 2]]).tolist(), columns=["a", "b"])
