"""Model files at the edges mutation testing found unchecked (issue 26's mutation run).

Every file here is a real saved model, rewritten: a metadata field changed (its digest
recomputed by the digest written out below, so only the check under test can refuse it), a
member's ``.npy`` header written in format 2.0 or padded far beyond NumPy's own 10 000-byte
limit, the metadata padded to exactly its 1 MiB limit, members deflated near the compression
ratio's bound, the architecture's bytes exactly at the 4 GiB limit. Refusals are held to their
messages word for word (each names the file, the field and what it holds); what the format
allows must load.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet import _modelformat
from glassnet._random import MAX_SEED
from glassnet._validation import MAX_LAYERS, MAX_POPULATION

MIB = 2**20


def _save(path, sizes=(2, 3, 1), **kw):
    gn.Network(list(sizes), **kw).save(path)
    return path


def _npy(array, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), version=version, allow_pickle=False)
    return buf.getvalue()


def _padded_npy(array, pad, major=1):
    """An .npy member whose header dict is followed by ``pad`` spaces (NumPy reads up to
    ``max_header_size`` bytes of header; glassnet allows 65536)."""
    a = np.ascontiguousarray(array)
    header = repr({"descr": a.dtype.str, "fortran_order": False, "shape": a.shape})
    header = (header + " " * pad + "\n").encode("latin1")
    size = struct.pack("<H" if major == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + size + header + a.tobytes()


def _digest(meta, arrays):
    covered = {k: v for k, v in meta.items() if k != "sha256"}
    h = hashlib.sha256(json.dumps(covered, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def _parts(path):
    with zipfile.ZipFile(path) as z:
        raw = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    meta = json.loads(np.load(io.BytesIO(raw.pop("metadata.json"))).tobytes())
    return meta, {k: np.load(io.BytesIO(v)) for k, v in raw.items()}


def _write(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name + ".npy", data)
    return path


def _rewrite(path, change_meta=None, change_arrays=None, encode=None, text=None, **kw):
    meta, arrays = _parts(path)
    if change_arrays:
        change_arrays(arrays)
    if change_meta:
        change_meta(meta)
    meta["sha256"] = _digest(meta, arrays)
    members = {k: (encode or _npy)(v) for k, v in arrays.items()}
    body = json.dumps(meta).encode()
    if text:
        body = text(body)
    members["metadata.json"] = (encode or _npy)(np.frombuffer(body, np.uint8))
    return _write(path, members, **kw)


def _refused(path, why, exc=ValueError):
    with pytest.raises(exc) as info:
        gn.load(path)
    assert str(info.value) == f"{path}: {why}"


BAD = "not a readable glassnet model file"


# --- metadata fields ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda m: m["config"].update(dtype="float16"),
         "metadata config.dtype: expected one of float64, float32, got 'float16'"),
        (lambda m: m["config"].update(bias="unit"),
         "metadata config.bias: expected one of neuron, layer, none, got 'unit'"),
        (lambda m: m["config"].update(colour=1),
         "metadata config: unexpected field 'colour' (str); expected only activation, bias, "
         "dtype, init, kernel, output, seed, sizes"),
        (lambda m: m["config"].update(sizes="abc"),
         f"metadata config.sizes: expected a list of 2 to {MAX_LAYERS} sizes, got 'abc' (str)"),
        (lambda m: m["config"].update(activation=[5]),
         "metadata config.activation[0]: expected a name, got 5 (int)"),
        (lambda m: m.update(population=0),
         "metadata population: expected an integer in [1, 1000000], got 0 (int)"),
        (lambda m: m.update(population=MAX_POPULATION + 1),
         "metadata population: expected an integer in [1, 1000000], got 1000001 (int)"),
        (lambda m: m.update(population=2),
         "metadata config.seed: expected 2 seeds (the population), got 0 (int)"),
        (lambda m: (m.update(population=2), m["config"].update(seed=[0, -1])),
         f"metadata config.seed[1]: expected an integer in [0, {MAX_SEED}], got -1 (int)"),
        (lambda m: (m.update(population=2), m["config"].update(seed=[MAX_SEED + 1, 0])),
         f"metadata config.seed[0]: expected an integer in [0, {MAX_SEED}], got "
         f"{MAX_SEED + 1} (int)"),
    ],
)  # fmt: skip
def test_metadata_refusals_name_the_field_and_what_it_holds(tmp_path, change, why):
    path = _rewrite(_save(tmp_path / "m.npz"), change_meta=change)
    _refused(path, f"{BAD} ({why})")


def test_a_population_of_one_loads(tmp_path):
    net = gn.Network([2, 3, 1], seed=[7])
    net.save(tmp_path / "p.npz")
    loaded = gn.load(tmp_path / "p.npz")
    assert loaded.population == 1 and loaded.seeds == [7]
    np.testing.assert_array_equal(loaded.params[0]["W"], net.params[0]["W"])


def test_as_many_layers_as_allowed_pass_the_sizes_check(tmp_path):
    # MAX_LAYERS sizes are allowed: the file is refused later, for its missing arrays
    def change(m):
        m["config"].update(sizes=[1] * MAX_LAYERS, activation=["tanh"] * (MAX_LAYERS - 2))

    path = _rewrite(_save(tmp_path / "m.npz"), change_meta=change)
    with pytest.raises(ValueError, match="do not match the architecture"):
        gn.load(path)


def test_the_parameter_limit_counts_float32_bytes_and_allows_exactly_4_gib(tmp_path):
    # 2**15 x 2**15 float32 weights, no bias: 4 bytes x 2**30 = 4 GiB, exactly the limit; as
    # float64 it would be 8 GiB. Allowed, the file is refused for its arrays, not its size.
    def change(m):
        m["config"].update(sizes=[2**15, 2**15], activation=[], bias="none", dtype="float32")

    path = _rewrite(_save(tmp_path / "m.npz"), change_meta=change)
    with pytest.raises(ValueError) as info:
        gn.load(path)
    assert "do not match the architecture" in str(info.value)
    # one more unit is over the limit
    path = _rewrite(path, change_meta=lambda m: m["config"].update(sizes=[2**15 + 1, 2**15]))
    with pytest.raises(ValueError, match=r"would take 4 GiB of parameters; at most 4 GiB"):
        gn.load(path)


# --- the .npy members ---------------------------------------------------------------------


def test_members_in_npy_format_2_and_with_long_headers_load(tmp_path):
    net = gn.Network([2, 3, 1], seed=3)
    for name, encode in [
        ("v2", lambda a: _npy(a, version=(2, 0))),
        ("v3", lambda a: _npy(a, version=(3, 0))),
        ("pad1", lambda a: _padded_npy(a, 20_000, major=1)),  # NumPy alone stops at 10 000
        ("pad2", lambda a: _padded_npy(a, 20_000, major=2)),
    ]:
        path = _rewrite(_save(tmp_path / f"{name}.npz", seed=3), encode=encode)
        loaded = gn.load(path)
        for got, want in zip(loaded.params, net.params, strict=True):
            np.testing.assert_array_equal(got["W"], want["W"])


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (b"\x93NUMPY\x04\x00" + b"\x00" * 64, "metadata.json: unknown .npy version 4"),
        (np.zeros(1000, np.uint8).tobytes(), "metadata.json: not an .npy array (the magic "
                                             "string is not correct; expected b'\\x93NUMPY', "
                                             "got b'\\x00\\x00\\x00\\x00\\x00\\x00')"),
        (_npy(np.zeros(1000, np.uint8))[:-990], "metadata.json: truncated (10 of 1000 bytes)"),
        (_npy(np.zeros((2, 3), np.uint8)), f"metadata.json: expected at most {MIB} bytes of text"),
        (_npy(np.zeros(3, np.int16)), f"metadata.json: expected at most {MIB} bytes of text"),
        (_npy(np.frombuffer(b"{oops", np.uint8)), "metadata.json is not valid JSON: Expecting "
                                                  "property name enclosed in double quotes: "
                                                  "line 1 column 2 (char 1)"),
    ],
)  # fmt: skip
def test_a_damaged_metadata_member_is_named(tmp_path, member, why):
    path = _save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        members = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    members["metadata.json"] = member
    _refused(_write(path, members), f"{BAD} ({why})")


def test_metadata_of_exactly_one_mib_loads_and_one_byte_more_is_refused(tmp_path):
    # JSON allows any amount of white space after the document; the digest covers the fields
    path = _save(tmp_path / "m.npz", seed=4)
    _rewrite(path, text=lambda body: body + b" " * (MIB - len(body)))
    assert gn.load(path).seeds == [4]
    _rewrite(path, text=lambda body: body + b" " * (MIB + 1 - len(body)))
    _refused(path, f"{BAD} (metadata.json: expected at most {MIB} bytes of text)")


def test_a_metadata_member_beyond_its_limit_is_refused_by_its_declared_size(tmp_path):
    path = _save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        members = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    members["metadata.json"] = _npy(np.zeros(MIB + 2**16, np.uint8))
    size = len(members["metadata.json"])
    _refused(_write(path, members), f"{BAD} (metadata.json declares {size} bytes; at most {MIB})")


def test_no_metadata_inside(tmp_path):
    path = _write(tmp_path / "m.npz", {"layer1.W": _npy(np.zeros((2, 1)))})
    _refused(path, "not a glassnet model file (no metadata.json inside)")


def test_a_member_declaring_too_few_bytes_is_named_with_its_shape(tmp_path):
    path = _save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        members = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    members["layer1.W"] = members["layer1.W"][:40]  # fewer bytes than the array alone
    size = len(members["layer1.W"])
    _refused(
        _write(path, members),
        f"{BAD} (layer1.W declares {size} bytes, expected 48 bytes of (2, 3) float64 "
        "(and a header))",
    )


def test_a_large_network_round_trips(tmp_path):
    # 14 400 weights, 115 200 bytes: more than the 65 536 bytes a header may add to a member
    net = gn.Network([120, 120], seed=1)
    net.save(tmp_path / "big.npz")
    np.testing.assert_array_equal(gn.load(tmp_path / "big.npz").params[0]["W"], net.params[0]["W"])


def test_a_changed_weight_is_a_checksum_mismatch(tmp_path):
    path = _save(tmp_path / "m.npz")
    meta, arrays = _parts(path)
    arrays["layer1.W"][0, 0] += 1.0
    members = {k: _npy(v) for k, v in arrays.items()}
    members["metadata.json"] = _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    _refused(
        _write(path, members),
        "checksum mismatch: the parameters, the architecture or another field were changed "
        "after saving",
    )


def _deflated(tmp_path, units):
    """A file whose only large member is ``units`` x 30 zeros, deflated."""
    path = _save(tmp_path / f"z{units}.npz", sizes=(units, 30), init="normal(0.1)")
    _rewrite(
        path, change_arrays=lambda a: a["layer1.W"].fill(0.0), compression=zipfile.ZIP_DEFLATED
    )
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("layer1.W.npy")
    return path, info.file_size, info.compress_size


def _in_band(tmp_path, low, high):
    # the smallest zero matrix whose deflated member falls in (100 c + low, 100 c + high]
    for units in range(20, 400, 4):
        path, n, c = _deflated(tmp_path, units)
        if 100 * c + low < n <= 100 * c + high:
            return path, n, c
    raise AssertionError(f"no member size in the band ({low}, {high}]")


def test_compressed_members_within_the_ratio_load_and_beyond_it_are_refused(tmp_path):
    # allowed: at most 100 x compressed + 4096 bytes; within 4096 of the bound it loads ...
    path, n, c = _in_band(tmp_path, 24, 4096)
    assert np.all(gn.load(path).params[0]["W"] == 0.0)
    # ... and up to 4096 beyond it, it is refused
    path, n, c = _in_band(tmp_path, 4096, 8192)
    _refused(path, f"{BAD} (layer1.W.npy would inflate {c} bytes to {n} (more than 100x))")


# --- paths ----------------------------------------------------------------------------------


def test_save_names_a_path_that_is_no_file(tmp_path):
    net = gn.Network([2, 1])
    for name in ("..", ".", ""):  # Path(".") and Path("") have the name ""
        with pytest.raises(ValueError) as info:
            net.save(name)
        assert str(info.value) == f"path: expected a file name, got {name!r}"
    with pytest.raises(TypeError) as info:
        net.save(b"m.npz")
    assert str(info.value) == (
        "path: expected a file path (str or os.PathLike), got b'm.npz' (bytes)"
    )
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError) as info:
        net.save(fifo)
    assert str(info.value) == (
        f"path: {str(fifo)!r} exists and is not a regular file (a device, pipe or socket); "
        "glassnet replaces only regular files"
    )


def test_load_names_a_path_that_is_no_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file (a device, pipe or socket), not a model file")
    (tmp_path / "file").write_text("x")
    _refused(tmp_path / "file" / "m.npz", "no such model file (a file stands in the path)",
             FileNotFoundError)  # fmt: skip


def test_an_unsupported_compression_method_is_a_readable_error(tmp_path):
    path = _save(tmp_path / "m.npz")
    data = bytearray(path.read_bytes())
    # method 99 (AES encryption) in every local and central header: zipfile does not read it
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset : start + offset + 2] = struct.pack("<H", 99)
            start += 4
    path.write_bytes(bytes(data))
    _refused(path, f"{BAD} (corrupt or truncated: That compression method is not supported)")


# --- writing --------------------------------------------------------------------------------


def test_a_run_record_that_is_not_json_is_refused(tmp_path):
    net = gn.Network([2, 1])
    with pytest.raises(ValueError) as info:
        _modelformat.write(net, tmp_path / "m.npz", run=({"loss": float("nan")}, {}))
    with pytest.raises(ValueError) as json_says:
        json.dumps(float("nan"), allow_nan=False)
    assert str(info.value) == f"train_state: the run's record is not JSON data ({json_says.value})"
    assert not (tmp_path / "m.npz").exists()


def test_extra_data_up_to_exactly_the_metadata_limit(tmp_path):
    net = gn.Network([2, 1], seed=2)
    path = tmp_path / "m.npz"
    net.save(path, extra={"pad": ""})
    with zipfile.ZipFile(path) as z:
        base = len(np.load(io.BytesIO(z.read("metadata.json.npy"))))
    net.save(path, extra={"pad": "x" * (MIB - base)})  # the metadata takes exactly 1 MiB
    assert gn.load(path).seeds == [2]
    with pytest.raises(ValueError) as info:
        net.save(path, extra={"pad": "x" * (MIB - base + 1)})
    assert str(info.value) == (
        f"extra: the metadata would take {MIB + 1} bytes; at most {MIB} are allowed"
    )


def test_a_target_that_became_a_directory_during_the_save_is_not_replaced(tmp_path):
    net = gn.Network([2, 1])
    target = tmp_path / "m.npz"

    class Swapping:  # what write needs of a network; the target turns into a directory
        population = None
        params = net.params

        def check_params(self):
            pass

        def config(self):
            target.mkdir()
            return net.config()

    with pytest.raises(IsADirectoryError) as info:
        _modelformat.write(Swapping(), target)
    real = os.path.realpath(target)
    assert str(info.value) == f"path: {real!r} is a directory; expected a file name"
    assert target.is_dir() and not any(target.iterdir())


def test_a_member_of_exactly_its_arrays_bytes_passes_the_size_check_and_fails_on_its_header(
    tmp_path,
):
    # 48 bytes declared for 48 bytes of data: allowed by the size check (a header may be any
    # length up to 65 536), refused when the header turns out cut short
    path = _save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        members = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    members["layer1.W"] = members["layer1.W"][:48]
    with pytest.raises(ValueError) as info:
        gn.load(_write(path, members))
    # the rest is NumPy's words for the cut header
    assert str(info.value).startswith(f"{path}: {BAD} (layer1.W: not an .npy array (")


def test_a_header_of_exactly_the_allowed_length_loads(tmp_path):
    # magic (8) + length (2) + a 65 526-byte header: 65 536 bytes besides the data, the most
    # a member may declare beyond its array
    net = gn.Network([2, 3, 1], seed=6)

    def encode(a):
        base = len(repr({"descr": a.dtype.str, "fortran_order": False, "shape": a.shape}))
        member = _padded_npy(a, 65_525 - base)
        assert len(member) == a.nbytes + 65_536
        return member

    path = _rewrite(_save(tmp_path / "m.npz", seed=6), encode=encode)
    np.testing.assert_array_equal(gn.load(path).params[0]["W"], net.params[0]["W"])


def test_a_metadata_member_of_exactly_the_declared_limit_is_refused_for_its_text(tmp_path):
    # 1 MiB + 64 KiB declared passes the size check; its 1 MiB + 65 408 bytes of text do not
    path = _save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        members = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    members["metadata.json"] = _npy(np.zeros(MIB + 2**16 - 128, np.uint8))
    assert len(members["metadata.json"]) == MIB + 2**16
    _refused(_write(path, members), f"{BAD} (metadata.json: expected at most {MIB} bytes of text)")


# --- the run's array budget and the compression bound, exactly at their edges -----------------


def test_a_run_declaring_exactly_its_array_budget_passes_the_metadata_check(tmp_path):
    # a run may declare 4 GiB of arrays plus 8 bytes per parameter byte (the optimizer's
    # moments and the like); the [2, 3, 1] float64 network has 6 + 3 + 3 + 1 = 13 parameters,
    # 104 bytes, so the budget is 4 GiB + 832 bytes. Declared, not written: the metadata check
    # comes first, then the missing member is named.
    budget = 4 * 2**30 + 8 * 104

    def declare(n):
        def change(meta):
            meta["version"] = 3
            meta["run"] = {"arrays": {"run.flags": {"shape": [n], "dtype": "|b1"}}}

        return change

    path = _rewrite(_save(tmp_path / "m.npz"), change_meta=declare(budget))
    _refused(
        path,
        f"{BAD} (arrays ['layer1.W', 'layer1.b', 'layer2.W', 'layer2.b'] do not match the "
        "architecture (expected ['layer1.W', 'layer1.b', 'layer2.W', 'layer2.b', 'run.flags']))",
    )
    path = _rewrite(_save(tmp_path / "n.npz"), change_meta=declare(budget + 1))
    _refused(path, f"{BAD} (metadata run.arrays: the run's arrays would take more than 4 GiB)")


def test_a_member_inflating_to_exactly_the_ratios_bound_loads(tmp_path):
    # allowed: at most 100 c + 4096 bytes from c deflated bytes. A zero matrix's .npy member,
    # its header padded with spaces one at a time, grows by a byte a step while its deflated
    # size c grows far slower, so some padding of some matrix lands exactly on the bound; zlib
    # is asked for c as zipfile deflates (level Z_DEFAULT_COMPRESSION, raw stream)
    import zlib

    def deflated(data):
        z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        return len(z.compress(data) + z.flush())

    def on_the_bound():
        for units in range(50, 72):
            for pad in range(3000):
                member = _padded_npy(np.zeros((units, 30)), pad)
                if len(member) == 100 * deflated(member) + 4096:
                    return units, member
        raise AssertionError("no padding lands on the bound")

    units, member = on_the_bound()
    path = _save(tmp_path / "m.npz", sizes=(units, 30), bias="none")
    meta, arrays = _parts(path)
    arrays["layer1.W"] = np.zeros((units, 30))
    meta["sha256"] = _digest(meta, arrays)
    body = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    _write(path, {"layer1.W": member, "metadata.json": _npy(body)}, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("layer1.W.npy")
    assert info.file_size == 100 * info.compress_size + 4096
    assert np.all(gn.load(path).params[0]["W"] == 0.0)
