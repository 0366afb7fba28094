"""A model file holds what its network (and its run) needs, and nothing more (issue 26).

Each file below is a real saved model rewritten to hold something more -- an array the
architecture has no place for, a member that is no array, bytes after an array, a metadata or
run field the format does not have, a run array no field refers to, a name longer than any
name -- with its checksum recomputed (by a digest written out here), so the check under test is
the only thing that can refuse it. Every one must be refused with a ``ValueError`` naming the
file and what is wrong; the untouched file and names at the length limit load.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from contextlib import nullcontext

import numpy as np
import pytest

import glassnet as gn

X = np.random.default_rng(0).normal(size=(8, 2))
Y = (X[:, :1] > 0).astype(float)


def _save(path, *, seed=0, bias="neuron", trained=True):
    net = gn.Network([2, 3, 1], bias=bias, seed=seed)
    if trained:
        net.fit(X, Y, optimizer="adam", lr=0.05, epochs=4, validation=(X, Y))
    net.save(path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _digest(meta, arrays):
    """Format 3's digest: every metadata field but the digest, then every array by name."""
    covered = {k: v for k, v in meta.items() if k != "sha256"}
    h = hashlib.sha256(json.dumps(covered, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def _rewrite(path, change_meta=None, change_arrays=None, extra_members=(), tail=None, after=None):
    """Rewrite ``path`` with its metadata and arrays changed and the digest made to match."""
    members = dict(_members(path))
    meta = json.loads(np.load(io.BytesIO(members.pop("metadata.json.npy"))).tobytes())
    arrays = {name[:-4]: np.load(io.BytesIO(raw)) for name, raw in members.items()}
    if change_arrays:
        change_arrays(meta, arrays)
    if change_meta:
        change_meta(meta)
    meta["sha256"] = _digest(meta, arrays)
    if after:  # a change the digest does not follow
        after(meta)
    out = {f"{k}.npy": _npy(v) for k, v in arrays.items()}
    out["metadata.json.npy"] = _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    if tail is not None:
        out[tail[0]] += tail[1]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in [*out.items(), *extra_members]:
            z.writestr(name, data)
    return path


def _refused(path, *words):
    with pytest.raises(ValueError) as info:
        gn.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    for w in words:
        assert w in message, message
    return message


def test_an_untouched_rewrite_loads(tmp_path):
    # the control: the rewriting itself changes nothing the reader objects to
    path = _rewrite(_save(tmp_path / "m.npz"))
    net = gn.load(path)
    assert net.train_state is not None and net.train_state.history.epochs_run == 4


# --- arrays the architecture has no place for ----------------------------------------------------


@pytest.mark.parametrize(
    ("bias", "seed", "name", "shape"),
    [
        ("neuron", 0, "layer3.W", (1, 1)),  # a layer the network does not have
        ("none", 0, "layer1.b", (1, 3)),  # a bias for a network without biases
        ("neuron", [0, 1], "layer2.W2", (2, 3, 1)),
        ("neuron", 0, "metadata", (3,)),
    ],
)
def test_an_array_the_architecture_has_no_place_for_is_refused(tmp_path, bias, seed, name, shape):
    path = _save(tmp_path / "m.npz", bias=bias, seed=seed, trained=False)

    def add(meta, arrays):
        arrays[name] = np.zeros(shape)

    _refused(_rewrite(path, change_arrays=add), "do not match the architecture", name)


def test_a_run_array_no_field_refers_to_is_refused(tmp_path):
    path = _save(tmp_path / "m.npz")

    def add(meta, arrays):
        arrays["run.history.spare"] = np.zeros(3)
        meta["run"]["arrays"]["run.history.spare"] = {"shape": [3], "dtype": "<f8"}

    _refused(_rewrite(path, change_arrays=add), "run.history.spare", "no field refers to it")
    # read without its run, the network alone still loads
    net = gn.load(path, run=False)
    assert net.train_state is None


def test_a_missing_array_is_refused(tmp_path):
    path = _save(tmp_path / "m.npz", trained=False)

    def drop(meta, arrays):
        del arrays["layer2.b"]

    _refused(_rewrite(path, change_arrays=drop), "do not match the architecture")


# --- members that are no array, and bytes after an array --------------------------------------


@pytest.mark.parametrize(
    "member",
    [("notes.txt", b"hello"), ("layer1.W.npy", _npy(np.zeros((2, 3)))), ("docs/", b""),
     ("layer1.W", b"")],
    ids=["text", "duplicate", "directory", "no suffix"],
)  # fmt: skip
def test_a_member_that_is_no_array_of_the_model_is_refused(tmp_path, member):
    path = _save(tmp_path / "m.npz", trained=False)
    with pytest.warns(UserWarning) if member[0] == "layer1.W.npy" else nullcontext():
        _rewrite(path, extra_members=[member])  # zipfile warns about a duplicate name
    _refused(path, "unexpected member", repr(member[0]))


@pytest.mark.parametrize("member", ["layer1.W.npy", "layer2.b.npy", "metadata.json.npy"])
@pytest.mark.parametrize("extra_bytes", [1, 64, 5000])
def test_bytes_after_an_array_are_refused(tmp_path, member, extra_bytes):
    path = _save(tmp_path / "m.npz")
    _rewrite(path, tail=(member, b"\0" * extra_bytes))
    _refused(path, member[:-4], "holds bytes beyond its")


# --- fields the format does not have, and names longer than names -------------------------------


@pytest.mark.parametrize(
    ("change", "where", "field"),
    [
        (lambda m: m.update(comment="x" * 100_000), "metadata:", "'comment'"),
        (lambda m: m["config"].update(learning_rate=0.1), "metadata config:", "'learning_rate'"),
        (lambda m: m["run"].update(notes=[1, 2, 3]), "metadata run:", "'notes'"),
        (lambda m: m["run"]["history"].update(extra_curve=[0.5]), "run.history:", "'extra_curve'"),
    ],
    ids=["top level", "config", "run", "history"],
)
def test_a_field_the_format_does_not_have_is_refused(tmp_path, change, where, field):
    path = _rewrite(_save(tmp_path / "m.npz"), change_meta=change)
    _refused(path, where, "unexpected field", field)


@pytest.mark.parametrize("field", ["output", "bias", "init", "dtype", "kernel", "activation"])
def test_a_name_longer_than_200_characters_is_refused(tmp_path, field):
    def change(meta):
        name = "s" * 201
        meta["config"][field] = [name] if field == "activation" else name

    path = _rewrite(_save(tmp_path / "m.npz", trained=False), change_meta=change)
    where = "config.activation[0]" if field == "activation" else f"config.{field}"
    _refused(path, "not a readable glassnet model file", f"metadata {where}: expected a name")


def test_a_name_of_200_characters_is_read_as_a_name(tmp_path):
    # at the limit the name is read, and refused for what it names, not for its length
    path = _rewrite(_save(tmp_path / "m.npz", trained=False),
                    change_meta=lambda m: m["config"].update(output="s" * 200))  # fmt: skip
    message = _refused(path)
    assert "expected a name" not in message and "s" * 200 in message


def test_a_run_array_name_longer_than_200_characters_is_refused(tmp_path):
    path = _save(tmp_path / "m.npz")
    long = "run.history." + "x" * 200

    def rename(meta, arrays):
        arrays[long] = arrays.pop("run.history.loss")
        meta["run"]["arrays"][long] = meta["run"]["arrays"].pop("run.history.loss")
        meta["run"]["history"]["loss"] = {"array": long}

    _refused(_rewrite(path, change_arrays=rename), "unexpected array name")


def test_extra_data_beyond_the_metadata_limit_is_refused_when_saving(tmp_path):
    net = gn.Network([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"^extra: the metadata would take \d+ bytes; at most"):
        net.save(tmp_path / "m.npz", extra={"notes": "x" * gn.modelfile.MAX_METADATA_BYTES})
    assert not (tmp_path / "m.npz").exists()


# --- every refusal, word for word --------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda m: m.update(version=7), "model file format version 7 is not supported (this "
                                        "glassnet reads versions 1, 2, 3)"),
        (lambda m: m.update(format="other"), "not a glassnet model file (format is 'other')"),
        (("after", lambda m: m.update(sha256="abc")), "not a readable glassnet model file (metadata sha256: "
                                           "expected 64 hex digits, got 'abc' (str))"),
        (lambda m: m.update(config=[1]), "not a readable glassnet model file (metadata config: "
                                         "expected a JSON object, got [1] (list))"),
        (lambda m: m["config"].update(activation=["relu", "relu"]),
         "not a readable glassnet model file (metadata config.activation: expected a list of 1 "
         "names, got ['relu', 'relu'] (list))"),
        (lambda m: m.update(extra=[1]), "not a readable glassnet model file (metadata extra: "
                                        "expected a JSON object, got [1] (list))"),
        (lambda m: m["config"].update(seed=2**128),
         "not a readable glassnet model file (metadata config.seed: expected an integer in "
         "[0, 340282366920938463463374607431768211455], got 340282366920938463463374607431768211456 (int))"),
        (lambda m: m["config"].update(sizes=[3, 2**40 + 1, 1]),
         "not a readable glassnet model file (metadata config.sizes[1]: expected an integer in "
         "[1, 1099511627776], got 1099511627777 (int))"),
        (lambda m: m["config"].update(sizes=[3, 10**5, 10**5]),
         "not a readable glassnet model file (the architecture [3, 100000, 100000] would take "
         "74.5 GiB of parameters; at most 4 GiB are read)"),
    ],
)  # fmt: skip
def test_metadata_refusals_word_for_word(tmp_path, change, why):
    path = _save(tmp_path / "m.npz", trained=False)
    if isinstance(change, tuple):
        _rewrite(path, after=change[1])
    else:
        _rewrite(path, change_meta=change)
    with pytest.raises(ValueError) as info:
        gn.load(path)
    assert str(info.value) == f"{path}: {why}"


def test_the_largest_seeds_and_sizes_a_file_may_declare_are_read(tmp_path):
    # seeds up to 2**128 - 1, the largest a network takes, and a population's seeds each up to
    # it; sizes up to 2**40 (refused later for their memory, not for their value)
    path = _rewrite(_save(tmp_path / "m.npz", trained=False),
                    change_meta=lambda m: m["config"].update(seed=2**128 - 1))  # fmt: skip
    assert gn.load(path).seeds == [2**128 - 1]
    path = _rewrite(_save(tmp_path / "p.npz", seed=[0, 1], trained=False),
                    change_meta=lambda m: m["config"].update(seed=[2**128 - 1, 0]))  # fmt: skip
    assert gn.load(path).seeds == [2**128 - 1, 0]
    path = _rewrite(_save(tmp_path / "s.npz", trained=False),
                    change_meta=lambda m: m["config"].update(sizes=[2**40, 3, 1]))  # fmt: skip
    with pytest.raises(ValueError, match=r"would take .* GiB of parameters"):
        gn.load(path)


def test_a_network_with_any_seed_it_takes_is_saved_and_loaded(tmp_path):
    # the network takes seeds in [0, 2**128); the file format once refused those above 2**64,
    # so a network saved without complaint could not be loaded
    for seed in (2**64 + 1, 2**100, 2**128 - 1):
        path = tmp_path / "m.npz"
        net = gn.Network([2, 3, 1], seed=seed)
        net.save(path)
        loaded = gn.load(path)
        assert loaded.seeds == [seed]
        np.testing.assert_array_equal(loaded.layers[0].W, net.layers[0].W)
    pop = gn.Network([2, 1], seed=[2**127, 2**128 - 1])
    pop.save(tmp_path / "p.npz")
    assert gn.load(tmp_path / "p.npz").seeds == [2**127, 2**128 - 1]


def test_a_version_2_file_may_not_hold_a_run(tmp_path):
    path = _rewrite(_save(tmp_path / "m.npz"), change_meta=lambda m: m.update(version=2))
    with pytest.raises(ValueError) as info:
        gn.load(path)
    assert str(info.value) == (
        f"{path}: not a readable glassnet model file (metadata run: not part of format version 2)"
    )
    # version 1 files need no extra field; version 2 files need one
    path = _rewrite(_save(tmp_path / "v2.npz", trained=False),
                    change_meta=lambda m: (m.update(version=2), m.pop("extra")))  # fmt: skip
    with pytest.raises(ValueError, match=r"metadata extra: expected a JSON object, got None"):
        gn.load(path)


def test_older_files_without_a_kernel_or_with_an_unknown_initializer_load(tmp_path):
    def change(meta):
        meta["config"].pop("kernel")
        meta["config"]["init"] = "someones_own"

    path = _rewrite(_save(tmp_path / "m.npz", trained=False), change_meta=change)
    net = gn.load(path)
    assert net.kernel == "blas" and net.init.name == "uniform"


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (np.zeros((2, 3), order="F"), "layer1.W: holds a Fortran-order array"),
        (np.array([[None] * 3] * 2, dtype=object), "layer1.W: holds objects"),
    ],
)
def test_arrays_a_file_may_not_hold(tmp_path, member, why):
    path = _save(tmp_path / "m.npz", trained=False)
    members = dict(_members(path))
    buf = io.BytesIO()
    np.lib.format.write_array(buf, member, allow_pickle=True)
    members["layer1.W.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError) as info:
        gn.load(path)
    assert str(info.value) == f"{path}: not a readable glassnet model file ({why})"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda d: gn.load(d / "nope.npz"), FileNotFoundError, "{d}/nope.npz: no such model file"),
        (lambda d: gn.load(d), ValueError, "{d}: is a directory, not a model file"),
        (lambda d: gn.load(b"x"), TypeError,
         "path: expected a file path (str or os.PathLike), got b'x' (bytes)"),
        (lambda d: gn.load(d / "m.npz", run="yes"), TypeError,
         "run: expected True or False, got 'yes' (str)"),
        (lambda d: gn.Network([3, 1], seed=0).save(d / "m.npz" / "x.npz"), NotADirectoryError,
         "path: '{d}/m.npz' is not a directory"),
        (lambda d: gn.Network([3, 1], seed=0).save(d / "m.npz" / "a" / "x.npz"),
         NotADirectoryError, "path: '{d}/m.npz/a' is not a directory (a file stands in the path)"),
        (lambda d: gn.Network([3, 1], seed=0).save(d / "no" / "x.npz"), FileNotFoundError,
         "path: directory '{d}/no' does not exist"),
        (lambda d: gn.Network([3, 1], seed=0).save(d), IsADirectoryError,
         "path: '{d}' is a directory; expected a file name"),
        (lambda d: gn.Network([3, 1], seed=0).save(""), ValueError,
         "path: expected a file name, got ''"),
        (lambda d: gn.Network([3, 1], seed=0).save(d / "x.npz", extra=[1]), TypeError,
         "extra: expected a dict of JSON data or None, got [1] (list)"),
        (lambda d: gn.modelfile.save("net", d / "x.npz"), TypeError,
         "net: expected a glassnet Network, got 'net' (str)"),
    ],
)  # fmt: skip
def test_path_and_argument_refusals_word_for_word(tmp_path, call, error, message):
    _save(tmp_path / "m.npz", trained=False)
    with pytest.raises(error) as info:
        call(tmp_path)
    assert str(info.value) == message.format(d=tmp_path)


def test_a_file_that_is_no_zip_is_named(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"hello")
    with pytest.raises(ValueError) as info:
        gn.load(path)
    assert str(info.value) == (
        f"{path}: not a readable glassnet model file (corrupt or truncated: not an npz (zip) "
        "archive)"
    )


def test_a_save_writes_a_temporary_file_beside_its_target_then_renames_it(tmp_path, monkeypatch):
    # atomic replacement needs the temporary file in the target's own directory
    import os

    moves = []
    real = os.replace

    def spy(src, dst):
        moves.append((src, dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    gn.Network([3, 1], seed=0).save(tmp_path / "m.npz")
    ((src, dst),) = moves
    src = str(src)
    assert os.path.dirname(src) == str(tmp_path) and str(dst) == str(tmp_path / "m.npz")
    assert os.path.basename(src).startswith(".m.npz.")  # hidden, named after its target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]  # nothing left behind
