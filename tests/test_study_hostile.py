"""Studies under careless or hostile input: one-line errors (exit 2) naming the file or key,
bounds checked before any work, and nothing already stored lost or touched."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import glassnet.study as gs
from glassnet.cli import main
from glassnet.study.spec import MAX_RUNS, SpecError

TINY = """
[data]
dataset = "xor"
[model]
hidden = 2
[train]
lr = [0.5, 1.0]
epochs = 5
seeds = 2
"""


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def one_line_error(capsys, *argv: str) -> str:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_a_binary_spec_is_one_line_naming_the_file(tmp_path, capsys):
    spec = tmp_path / "weights.toml"
    spec.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary")
    err = one_line_error(capsys, "study", "run", str(spec), "--out", str(tmp_path / "o"))
    assert str(spec) in err and "not a text file" in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(SpecError, match=r"weights\.toml: not a text file"):
        gs.load_spec(spec)


def test_out_under_a_file_is_refused_before_anything_runs(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    afile = tmp_path / "afile"
    afile.write_text("mine")
    err = one_line_error(capsys, "study", "run", str(spec), "--out", str(afile / "sub"))
    assert "out:" in err and str(afile) in err and "is a file" in err
    assert afile.read_text() == "mine"


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a database at all, just some text\n" * 20],
    ids=["empty", "not-sqlite"],
)
def test_empty_or_foreign_store_is_one_line_and_left_alone(tmp_path, capsys, content):
    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    out = tmp_path / "study"
    out.mkdir()
    db = out / gs.DB_NAME
    db.write_bytes(content)
    for argv in (("study", "run", str(spec), "--out", str(out)), ("study", "status", str(out))):
        err = one_line_error(capsys, *argv)
        assert str(db) in err
        assert db.read_bytes() == content  # nothing written, nothing lost
    assert sorted(p.name for p in out.iterdir()) == [gs.DB_NAME]


def test_a_damaged_store_is_one_line_and_keeps_its_bytes(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    out = tmp_path / "study"
    gs.run(gs.parse_spec(TINY, "s.toml"), out, jobs=1)
    db = out / gs.DB_NAME
    raw = bytearray(db.read_bytes())
    assert len(raw) >= 3 * 4096  # header page, schema pages, data
    raw[4096:] = b"\xa5" * (len(raw) - 4096)  # every page after the first is garbage
    db.write_bytes(bytes(raw))
    for argv in (("study", "status", str(out)), ("study", "run", str(spec), "--out", str(out))):
        err = one_line_error(capsys, *argv)
        assert str(db) in err
        assert db.read_bytes() == bytes(raw)


@pytest.mark.parametrize("seeds", [10**8, 10**6])
def test_huge_seed_counts_are_refused_at_once_naming_the_key(seeds):
    t0 = time.perf_counter()
    with pytest.raises(SpecError) as info:
        gs.parse_spec(TINY.replace("seeds = 2", f"seeds = {seeds}"), "big.toml")
    assert time.perf_counter() - t0 < 5  # refused before a list of that many is made
    (problem,) = info.value.problems
    assert problem.startswith("big.toml: train.seeds: ")
    assert f"{seeds:,} seeds" in problem and f"{MAX_RUNS:,}" in problem


def test_a_grid_too_large_names_its_largest_axis_and_the_run_count():
    text = TINY.replace("lr = [0.5, 1.0]", "lr = [0.1, 0.2, 0.3]").replace(
        "seeds = 2", f"seeds = {MAX_RUNS // 2}"
    )
    with pytest.raises(SpecError) as info:
        gs.parse_spec(text, "grid.toml")
    (problem,) = info.value.problems
    assert problem.startswith("grid.toml: train.seeds: the grid has ")
    assert f"{3 * (MAX_RUNS // 2):,} runs" in problem and "3 lr" in problem


def test_epochs_beyond_what_a_study_stores_are_refused():
    with pytest.raises(SpecError) as info:
        gs.parse_spec(TINY.replace("epochs = 5", "epochs = 1000000000000"), "ep.toml")
    (problem,) = info.value.problems
    assert problem.startswith("ep.toml: train.epochs: 4 runs of up to 1,000,000,000,000 epochs")


def test_a_population_too_large_for_memory_suggests_max_population():
    text = TINY.replace('dataset = "xor"', 'dataset = "digits"').replace(
        "hidden = 2", "hidden = [[512, 512]]"
    )
    text = text.replace("seeds = 2", "seeds = 1000")
    with pytest.raises(SpecError) as info:
        gs.parse_spec(text, "mem.toml")
    (problem,) = info.value.problems
    # 2000 members x 8 bytes x (4 x 300,042 parameters + 3 x 1797 samples x 1098 units)
    per_member = 8 * (4 * (65 * 512 + 513 * 512 + 513 * 10) + 3 * 1797 * (64 + 512 + 512 + 10))
    assert f"about {2000 * per_member / 2**30:.1f} GiB" in problem
    assert f"max_population = {4 * 2**30 // per_member:,}" in problem
    capped = text + "\n[run]\nmax_population = 20\n"
    assert gs.parse_spec(capped, "mem.toml").n_runs == 2000


def test_a_network_too_large_alone_names_the_model_not_the_population():
    # one network 2-w-1 on xor's 4 samples: 8 bytes x (4 arrays x (3w + (w + 1)) parameters
    # + 3 arrays x 4 samples x (2 + w + 1) units); past 4 GiB no population size helps (the
    # old advice, "set [run] max_population = 1 (or less)", under train.seeds, could not)
    width = 100_000_000
    text = TINY.replace("hidden = 2", f"hidden = {width}")
    with pytest.raises(SpecError) as info:
        gs.parse_spec(text, "wide.toml")
    (problem,) = info.value.problems
    per_member = 8 * (4 * (3 * width + width + 1) + 3 * 4 * (2 + width + 1))
    assert per_member > 4 * 2**30
    assert problem == (
        f"wide.toml: model: one network on xor with hidden layers [{width}] needs about "
        f"{per_member / 2**30:.1f} GiB to train, more than 4 GiB; choose smaller layers"
    )


def test_a_store_of_another_program_is_refused_but_a_bare_database_is_used(tmp_path, capsys):
    import sqlite3

    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    theirs, bare = tmp_path / "theirs", tmp_path / "bare"
    theirs.mkdir()
    bare.mkdir()
    with sqlite3.connect(theirs / gs.DB_NAME) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
    before = (theirs / gs.DB_NAME).read_bytes()
    err = one_line_error(capsys, "study", "run", str(spec), "--out", str(theirs))
    assert "not a study's" in err and (theirs / gs.DB_NAME).read_bytes() == before
    # a database with no table at all (a run killed while creating it) holds nothing to lose
    sqlite3.connect(bare / gs.DB_NAME).execute("PRAGMA journal_mode=WAL").close()
    gs.run(gs.parse_spec(TINY, "s.toml"), bare, jobs=1)
    assert gs.open(bare).status()["runs_done"] == 4


def test_export_refuses_devices_and_paths_under_a_file(tmp_path, capsys):
    out = tmp_path / "study"
    gs.run(gs.parse_spec(TINY, "s.toml"), out, jobs=1)
    (tmp_path / "afile").write_text("mine")
    for target in (tmp_path / "afile" / "r.csv", Path("/dev/null"), out):
        err = one_line_error(capsys, "study", "export", str(out), "--out", str(target))
        assert "--out" in err, err
    assert (tmp_path / "afile").read_text() == "mine"
    assert Path("/dev/null").is_char_device()
    kept = tmp_path / "r.csv"
    gs.open(out).export(kept)
    before = kept.read_bytes()
    with pytest.raises(ValueError, match="format"):
        gs.open(out).export(kept, "xlsx")
    assert kept.read_bytes() == before
