"""What the mutation run of modelfile.py found unchecked (issue 26):

* the kernel a network was built with comes back from its file (a population of the
  ``"broadcast"`` kernel is not reloaded as a ``"blas"`` one);
* a run with a custom schedule loads with ``custom={"schedule": fn}`` and then continues
  exactly as the uninterrupted run (the reference: the same fit, never saved);
* without it the refusal names the file, the schedule, and the way out, word for word;
* (rerun 7 December) ``read_metadata`` is the file's own ``metadata.json``, digest included;
  a run field of the wrong type in a tampered file (its digest recomputed) is a ``ValueError``
  naming the file and the way out; ``custom`` that is no dict is the caller's ``TypeError``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet._validation import describe
from glassnet.modelfile import load, read_metadata, save

X, Y = gn.datasets.load("xor")


def halving(epoch):
    return 0.5**epoch


def test_the_kernel_comes_back_from_the_file(tmp_path):
    net = gn.Network([2, 3, 1], seed=[0, 1, 2], kernel="broadcast")
    save(net, tmp_path / "b.npz")
    back = load(tmp_path / "b.npz")
    assert back.kernel == "broadcast"
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_a_run_with_a_custom_schedule_loads_with_it_and_continues_exactly(tmp_path):
    whole = gn.Network([2, 3, 1], seed=0)
    whole.fit(X, Y, lr=0.5, schedule=halving, epochs=5)
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, Y, lr=0.5, schedule=halving, epochs=3)
    save(net, tmp_path / "s.npz")
    back = load(tmp_path / "s.npz", custom={"schedule": halving})
    assert back.train_state.config.schedule is halving
    back.fit(X, Y, resume=back.train_state, epochs=2)
    for a, b in zip(back.params, whole.params, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_a_run_whose_schedule_is_missing_is_refused_with_the_way_out(tmp_path):
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, Y, schedule=halving, epochs=2)
    path = tmp_path / "s.npz"
    save(net, path)
    with pytest.raises(ValueError) as info:
        load(path)
    assert str(info.value) == (
        f"{path}: the training run it holds cannot be restored (config.schedule: the run used "
        "a custom schedule ('halving'), which a file cannot hold; give it back with "
        "custom={'schedule': ...}); load(path, run=False) reads the network alone"
    )
    assert load(path, run=False).train_state is None


# --- rerun 7 December: what a hand-made bug in modelfile.py would still get past ------------------


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _tampered(path, change):
    """Rewrite the model file at ``path`` with ``change(meta)`` applied to its metadata and the
    digest recomputed as format 3 defines it (every metadata field but the digest, as sorted
    JSON, then every array by name, dtype, shape and bytes): a tampered file whose checksum
    holds, so only the check under test can refuse it."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename[:-4]: z.read(i) for i in z.infolist()}
    meta = json.loads(np.load(io.BytesIO(members.pop("metadata.json"))).tobytes())
    arrays = {name: np.load(io.BytesIO(raw)) for name, raw in members.items()}
    change(meta)
    h = hashlib.sha256(
        json.dumps({k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True).encode()
    )
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    meta["sha256"] = h.hexdigest()
    with zipfile.ZipFile(path, "w") as z:
        for name, a in arrays.items():
            z.writestr(f"{name}.npy", _npy(a))
        z.writestr("metadata.json.npy", _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8)))
    return path


def test_read_metadata_is_the_files_own_metadata_json_checksum_included(tmp_path):
    # the module docstring: metadata.json, a JSON document (as bytes), holds the format name and
    # version, the architecture, the population size, the caller's extra data and a SHA-256
    # digest; read_metadata returns it as the file holds it, the digest included
    net = gn.Network([2, 3, 1], activation="tanh", seed=[4, 5], bias="layer")
    path = tmp_path / "m.npz"
    save(net, path, extra={"note": "kept"})
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["layer1.W", "layer1.b", "layer2.W", "layer2.b",
                                      "metadata.json"]  # fmt: skip
        own = json.loads(data["metadata.json"].tobytes().decode())
    meta = read_metadata(path)
    assert meta == own
    assert sorted(meta) == ["config", "extra", "format", "population", "sha256", "version"]
    assert meta["format"] == "glassnet-model" and meta["version"] == 3
    assert meta["population"] == 2 and meta["extra"] == {"note": "kept"}
    assert meta["config"]["sizes"] == [2, 3, 1] and meta["config"]["seed"] == [4, 5]
    assert re.fullmatch(r"[0-9a-f]{64}", meta["sha256"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("epochs", "2"), ("shuffle", "yes"), ("loss", 5), ("optimizer_options", [1])],
)
def test_a_run_field_of_the_wrong_type_is_refused_as_a_bad_file(tmp_path, field, value):
    # the module docstring: a tampered file raises ValueError naming the file and what is
    # wrong (a field of the wrong type is checked as a TypeError where the run is rebuilt; the
    # file, not the caller, is at fault)
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, Y, epochs=2)
    path = tmp_path / "m.npz"
    save(net, path)
    _tampered(path, lambda meta: meta["run"]["config"].__setitem__(field, value))
    with pytest.raises(ValueError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the training run it holds cannot be restored (")
    assert message.endswith("); load(path, run=False) reads the network alone")
    back = load(path, run=False)  # the way out the message gives
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


@pytest.mark.parametrize("custom", [5, "schedule", [("schedule", halving)]])
def test_custom_must_be_a_dict_and_is_refused_as_the_callers_argument(tmp_path, custom):
    # load's docstring: custom is a dict (of the objects a run's configuration names); another
    # type is the caller's mistake, a TypeError naming custom, whatever the file holds
    # (before 7 December it became "the training run it holds cannot be restored ('int'
    # object is not iterable)", blaming the file, and a file without a run took it silently)
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, Y, schedule=halving, epochs=2)
    save(net, tmp_path / "run.npz")
    save(gn.Network([2, 3, 1], seed=0), tmp_path / "plain.npz")
    for name in ("run.npz", "plain.npz"):
        with pytest.raises(TypeError) as info:
            load(tmp_path / name, custom=custom)
        assert str(info.value) == (
            "custom: expected a dict of the run's custom objects ('loss', 'optimizer', "
            f"'schedule') or None, got {describe(custom)}"
        )
    assert load(tmp_path / "plain.npz", custom={}).train_state is None
