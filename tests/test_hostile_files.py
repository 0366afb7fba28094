"""Hostile files: model files, CSV files and save targets.

Each damaged or crafted file must give a ``ValueError`` (or an ``OSError`` subclass for a path
that cannot be written) naming the file and what is wrong; nothing is inflated before the
metadata and the declared sizes are checked, and a save never replaces anything but a regular
file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import modelfile


@pytest.fixture
def saved(tmp_path):
    net = gn.Network([3, 4, 1], activation="tanh", output="sigmoid", seed=1)
    path = tmp_path / "m.npz"
    net.save(path, extra={"note": "kept"})
    return net, path


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _meta(path):
    raw = _members(path)["metadata.json.npy"]
    return json.loads(np.load(io.BytesIO(raw)).tobytes())


def _digest(meta, arrays):
    """The version-2 digest, written out independently of glassnet._modelformat._digest."""
    covered = {k: v for k, v in meta.items() if k != "sha256"}
    h = hashlib.sha256(json.dumps(covered, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def _write(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name, data)


def _with_meta(path, change, *, redigest=True):
    """Rewrite ``path`` with its metadata changed; with ``redigest`` the checksum is made to
    match again, so the check under test is the only thing that can refuse the file."""
    members = _members(path)
    meta = _meta(path)
    change(meta)
    if redigest:
        arrays = {
            k[:-4]: np.load(io.BytesIO(v)) for k, v in members.items() if k != "metadata.json.npy"
        }
        meta["sha256"] = _digest(meta, arrays)
    members["metadata.json.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    _write(path, members)


def _set(*keys_value):
    *keys, value = keys_value

    def change(meta):
        d = meta
        for k in keys[:-1]:
            d = d[k]
        d[keys[-1]] = value

    return change


# --- the checksum covers every field ---------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        _set("extra", {"note": "edited"}),
        _set("version", 2),  # (a field added is refused before: tests/test_reference_modelfile.py)
        _set("config", "init", "paper"),
        _set("config", "seed", 7),
        _set("config", "kernel", "broadcast"),
    ],
    ids=["extra", "version", "init", "seed", "kernel"],
)
def test_checksum_covers_every_metadata_field(saved, change):
    _, path = saved
    _with_meta(path, change, redigest=False)
    with pytest.raises(ValueError, match=r"m\.npz: checksum mismatch"):
        gn.load(path)


def test_population_edits_are_caught(tmp_path):
    path = tmp_path / "m.npz"
    gn.Network([3, 2, 1], seed=[0, 1, 2]).save(path)
    _with_meta(
        path, lambda m: m.update(population=2) or m["config"].update(seed=[0, 1]), redigest=False
    )
    with pytest.raises(ValueError, match=r"m\.npz: not a readable glassnet model file"):
        gn.load(path)
    path2 = tmp_path / "m2.npz"
    gn.Network([3, 2, 1], seed=[0, 1, 2]).save(path2)
    _with_meta(path2, lambda m: m["config"].update(seed=[0, 1, 5]), redigest=False)
    with pytest.raises(ValueError, match=r"m2\.npz: checksum mismatch"):
        gn.load(path2)


def test_digest_written_out_independently_matches(saved):
    _, path = saved
    members = _members(path)
    arrays = {k[:-4]: np.load(io.BytesIO(v)) for k, v in members.items() if "metadata" not in k}
    meta = _meta(path)
    assert meta["version"] == 3 and meta["extra"] == {"note": "kept"}
    assert meta["sha256"] == _digest(meta, arrays)


# --- metadata is validated, field by field (with a matching checksum) --------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_set("config", "dtype", "foo"), ["config.dtype", "foo"]),
        (_set("config", "sizes", "3,4,1"), ["config.sizes"]),
        (_set("config", "sizes", [3, -4, 1]), ["config.sizes[1]"]),
        (_set("config", "sizes", [3, True, 1]), ["config.sizes[1]"]),
        (_set("config", "activation", [7]), ["config.activation[0]"]),
        (_set("config", "activation", []), ["config.activation"]),
        (_set("config", "bias", "sometimes"), ["config.bias"]),
        (_set("config", "seed", -1), ["config.seed"]),
        (_set("config", "seed", [1, 2]), ["config.seed"]),
        (_set("population", 2), ["config.seed", "2 seeds"]),
        (_set("population", 10**9), ["population"]),
        (_set("extra", [1, 2]), ["extra"]),
        (_set("config", [1, 2]), ["config"]),
        (_set("config", "sizes", [3, 10**6, 10**6]), ["GiB"]),
    ],
)
def test_metadata_fields_are_validated(saved, change, words):
    _, path = saved
    _with_meta(path, change)
    with pytest.raises(ValueError, match=r"m\.npz: not a readable glassnet model file") as e:
        gn.load(path)
    for word in words:
        assert word in str(e.value)


def test_malformed_checksum(saved):
    _, path = saved
    _with_meta(path, _set("sha256", 5), redigest=False)
    with pytest.raises(ValueError, match="metadata sha256: expected 64 hex digits"):
        gn.load(path)


def test_metadata_holding_a_list(tmp_path, saved):
    _, path = saved
    members = _members(path)
    members["metadata.json.npy"] = _npy(np.frombuffer(b"[1, 2, 3]", np.uint8))
    _write(path, members)
    with pytest.raises(ValueError, match=r"metadata\.json holds list, expected a JSON object"):
        gn.load(path)


def test_unknown_activation_in_a_well_formed_file(saved):
    _, path = saved
    _with_meta(path, _set("config", "output", "no_such_activation"))
    with pytest.raises(ValueError, match="metadata does not describe a valid network"):
        gn.load(path)


def test_np_save_file_renamed_npz(tmp_path):
    path = tmp_path / "weights.npz"
    with open(path, "wb") as f:
        np.save(f, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"weights\.npz: .*not an npz \(zip\) archive"):
        gn.load(path)


def test_nan_in_a_well_formed_file_is_refused(saved):
    _, path = saved
    members = _members(path)
    W = np.load(io.BytesIO(members["layer1.W.npy"]))
    W[0, 0] = np.nan
    members["layer1.W.npy"] = _npy(W)
    _write(path, members)
    _with_meta(path, lambda meta: None)  # the checksum made to match the NaN
    with pytest.raises(ValueError, match=r"m\.npz: W: expected finite values for layer 1"):
        gn.load(path)


# --- nothing is inflated before it is checked -----------------------------------------------


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
    except ValueError as exc:
        error = exc
    else:  # pragma: no cover - the file must be refused
        raise AssertionError("the file was accepted")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, error


def test_small_file_declaring_a_huge_array(saved):
    """A few hundred bytes whose layer1.W header declares 10^12 float64 values."""
    _, path = saved
    members = _members(path)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    )
    members["layer1.W.npy"] = header.getvalue() + b"\0" * 96  # the declared size is small
    _write(path, members)
    assert path.stat().st_size < 3000
    peak, error = _peak_bytes(lambda: gn.load(path))
    assert "layer1.W" in str(error)
    assert peak < 2**20


def test_header_lying_about_its_shape_is_refused_before_reading(saved):
    """The member's size fits the architecture but its header declares another shape."""
    _, path = saved
    members = _members(path)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (4, 3)}
    )
    members["layer1.W.npy"] = header.getvalue() + b"\0" * (12 * 8)
    _write(path, members)
    with pytest.raises(ValueError, match=r"layer1\.W declares shape \(4, 3\)"):
        gn.load(path)


def test_deflate_bomb_is_refused_before_inflating(saved):
    """A member that deflates 20 MB of zeros into a few kB."""
    _, path = saved
    members = _members(path)
    members["layer1.W.npy"] = _npy(np.zeros(20 * 2**20, np.uint8))
    _write(path, members, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 200_000
    peak, error = _peak_bytes(lambda: gn.load(path))
    assert "would inflate" in str(error)
    assert peak < 2**20


def test_huge_architecture_is_refused_before_building(saved):
    _, path = saved
    _with_meta(path, _set("config", "sizes", [3, 2**40, 1]))
    peak, error = _peak_bytes(lambda: gn.load(path))
    assert "GiB" in str(error)
    assert peak < 2**20


def test_oversized_metadata_is_refused(saved):
    _, path = saved
    members = _members(path)
    members["metadata.json.npy"] = _npy(np.zeros(modelfile.MAX_METADATA_BYTES + 1, np.uint8))
    _write(path, members)
    with pytest.raises(ValueError, match=r"metadata\.json"):
        gn.load(path)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=400), cut=st.integers(min_value=0, max_value=2000))
@example(data=b"\x01", cut=-1)  # the comment length made 1: zipfile alone would read it
def test_random_bytes_and_truncations_give_value_error(tmp_path_factory, data, cut):
    """Junk, or a real model file cut short and spliced with junk: a ValueError, nothing else."""
    d = tmp_path_factory.mktemp("junk")
    good = d / "good.npz"
    gn.Network([2, 3, 1], seed=0).save(good)
    raw = good.read_bytes()
    cut %= len(raw)
    for content in {data, raw[:cut] + data, raw[:cut]} - {raw}:
        path = d / "x.npz"
        path.write_bytes(content)
        with pytest.raises(ValueError, match=r"x\.npz: "):
            gn.load(path)


# --- saving: only regular files are replaced; the path is checked before the work -------------


def test_save_refuses_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"path: .* is a directory"):
        gn.Network([2, 1]).save(tmp_path)


def test_save_refuses_a_path_under_a_file(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    with pytest.raises(NotADirectoryError, match=r"path: .*afile.* is not a directory"):
        gn.Network([2, 1]).save(afile / "sub")
    assert afile.read_text() == "mine"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_save_refuses_a_non_regular_file(tmp_path):
    """A named pipe stands in for /dev/full: a device or pipe is never replaced."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        gn.Network([2, 1]).save(fifo)
    assert not fifo.is_file() and fifo.exists()


def test_save_follows_a_symlink_to_its_file(tmp_path):
    real = tmp_path / "real.npz"
    link = tmp_path / "link.npz"
    gn.Network([2, 1], seed=0).save(real)
    link.symlink_to(real)
    net = gn.Network([2, 1], seed=5)
    net.save(link)
    assert link.is_symlink()
    assert gn.load(real).config()["seed"] == 5


def test_refused_save_leaves_the_old_file(tmp_path):
    path = tmp_path / "m.npz"
    gn.Network([2, 1], seed=0).save(path)
    before = path.read_bytes()
    bad = gn.Network([2, 1], seed=1)
    bad.params[0]["W"][0, 0] = np.inf  # written past Layer's checks: caught at save
    with pytest.raises(ValueError, match="W: expected finite values for layer 1"):
        bad.save(path)
    with pytest.raises(ValueError, match="extra: expected JSON data"):
        gn.Network([2, 1]).save(path, extra={"x": float("nan")})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda p: modelfile.save("net", p / "m.npz"), TypeError, ["net"]),
        (lambda p: modelfile.save(gn.Network([2, 1]), 42), TypeError, ["path"]),
        (lambda p: modelfile.save(gn.Network([2, 1]), p / "m.npz", extra=[1]), TypeError,
         ["extra"]),
        (lambda p: modelfile.save(gn.Network([2, 1]), p / "m.npz", extra={"f": object()}),
         ValueError, ["extra"]),
        (lambda p: gn.load(3), TypeError, ["path"]),
        (lambda p: gn.load(p / "missing.npz"), FileNotFoundError, ["missing.npz"]),
    ],
)  # fmt: skip
def test_bad_save_and_load_arguments(tmp_path, call, exc, words):
    with pytest.raises(exc) as e:
        call(tmp_path)
    for word in words:
        assert word in str(e.value)


def test_version_1_files_still_load(tmp_path):
    """Files written before the checksum covered every field (version 1) load unchanged."""
    net = gn.Network([3, 2, 1], seed=3)
    arrays = {f"layer{l}.{k}": v for l, p in enumerate(net.params, 1) for k, v in p.items()}
    h = hashlib.sha256(json.dumps(net.config(), sort_keys=True).encode())
    for name in sorted(arrays):
        a = arrays[name]
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    meta = {"format": "glassnet-model", "version": 1, "config": net.config(),
            "population": None, "sha256": h.hexdigest(), "extra": {}}  # fmt: skip
    path = tmp_path / "v1.npz"
    np.savez(
        path, **arrays, **{"metadata.json": np.frombuffer(json.dumps(meta).encode(), np.uint8)}
    )
    back = gn.load(path)
    np.testing.assert_array_equal(back.params[0]["W"], net.params[0]["W"])


# --- CSV files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kw", "words"),
    [
        ('a,b,y\n1,"2,0\n3,4,1\n5,6,0\n', {}, ["line 2", "quote"]),
        ('a,b,y\n1,2,0\n3,4,1\n"5,6,0\n', {}, ["line 4", "quote"]),
        ("a,b,y\n1,2,0\n3,1e39,1\n", {"dtype": "float32"}, ["line 3", "'b'", "float32"]),
        ("a,b,y\n1,2,0\n3,4,1e39\n", {"dtype": "float32", "task": "regression"},
         ["line 3", "'y'", "float32"]),
        ("a,b,y\n1,2,0\n3,inf,1\n", {}, ["line 3", "'b'", "finite"]),
    ],
)  # fmt: skip
def test_bad_csv_files(tmp_path, text, kw, words):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        gn.datasets.load_csv(path, **kw)
    for word in ["d.csv", *words]:
        assert word in str(e.value)


def test_float32_csv_within_range_loads(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,3e38,0\n3,4,1\n")
    X, _ = gn.datasets.load_csv(path, dtype="float32")
    assert X[0, 1] == np.float32(3e38)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_csv_from_a_pipe_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)  # reading it would block forever
    with pytest.raises(ValueError, match="path: expected a regular CSV file"):
        gn.datasets.load_csv(fifo)


def test_oversized_csv_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n1,0\n2,1\n")
    monkeypatch.setattr(gn.datasets.csv, "MAX_CSV_BYTES", 10)
    with pytest.raises(ValueError, match=r"path: .*at most 0 MiB"):
        gn.datasets.load_csv(path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda raw: raw + b"x", "bytes after the archive"),
        (lambda raw: raw[:-2] + b"\x00\x00\x00", "bytes after the archive"),  # found by hypothesis
        (lambda raw: raw + b"\x00" * 100, "bytes after the archive"),
        (lambda raw: b"junk" + raw, "bytes before the archive"),
        (lambda raw: raw[:-2] + b"\x03\x00abc", "bytes after the archive"),  # a comment
    ],
)
def test_bytes_around_the_archive_are_refused(tmp_path, change, words):
    """Zip readers skip bytes before or after an archive (and its comment); they would ride
    along unread and outside the digest, so a model file is the archive and nothing else."""
    good = tmp_path / "good.npz"
    gn.Network([2, 3, 1], seed=0).save(good)
    path = tmp_path / "x.npz"
    path.write_bytes(change(good.read_bytes()))
    with pytest.raises(ValueError) as err:
        gn.load(path)
    assert str(err.value) == f"{path}: not a readable glassnet model file ({words})"
