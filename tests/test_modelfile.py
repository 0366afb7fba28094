"""Model files round-trip exactly; damaged files give clear errors; nothing is unpickled."""

import json
import zipfile

import numpy as np
import pytest

import glassnet as gn


def _trained(paper_data, **kw):
    X, y = paper_data
    net = gn.Network([3, 4, 1], activation="tanh", output="sigmoid", **kw)
    net.fit(X, y, lr=0.5, epochs=20)
    return net


@pytest.mark.parametrize(
    "kw",
    [
        dict(seed=0),
        dict(seed=[0, 1, 2]),
        dict(seed=1, bias="layer", init="paper"),
        dict(seed=2, bias="none", dtype="float32"),
    ],
)
def test_round_trip_is_exact(tmp_path, paper_data, kw):
    net = _trained(paper_data, **kw)
    path = tmp_path / "model.npz"
    net.save(path)
    back = gn.load(path)
    assert back.config() == net.config()
    for a, b in zip(net.params, back.params, strict=True):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
            assert a[k].dtype == b[k].dtype
    X, _ = paper_data
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_file_holds_no_pickles(tmp_path, paper_data):
    path = tmp_path / "m.npz"
    _trained(paper_data, seed=0).save(path)
    with np.load(path, allow_pickle=False) as data:
        for name in data.files:
            assert data[name].dtype != object
    meta = gn.modelfile.read_metadata(path)
    assert meta["format"] == "glassnet-model" and meta["config"]["sizes"] == [3, 4, 1]


def test_truncated_file(tmp_path, paper_data):
    path = tmp_path / "m.npz"
    _trained(paper_data, seed=0).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.npz: not a readable glassnet model file"):
        gn.load(path)


def test_garbage_file(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ValueError, match=r"junk\.npz: not a readable glassnet model file"):
        gn.load(path)


def _rewrite(path, change):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    change(arrays)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_tampered_weights_are_detected(tmp_path, paper_data):
    path = tmp_path / "m.npz"
    _trained(paper_data, seed=0).save(path)

    def bump(arrays):
        arrays["layer1.W"] = arrays["layer1.W"] + 1e-9

    _rewrite(path, bump)
    with pytest.raises(ValueError, match="checksum mismatch"):
        gn.load(path)


def test_tampered_metadata_is_detected(tmp_path, paper_data):
    path = tmp_path / "m.npz"
    _trained(paper_data, seed=0).save(path)

    def swap_activation(arrays):
        meta = json.loads(arrays["metadata.json"].tobytes())
        meta["config"]["activation"] = ["relu"]
        arrays["metadata.json"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)

    _rewrite(path, swap_activation)
    with pytest.raises(ValueError, match="checksum mismatch"):
        gn.load(path)


def test_other_npz_and_missing_files(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match=r"no metadata\.json inside"):
        gn.load(other)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        gn.load(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="is a directory"):
        gn.load(tmp_path)


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as z:
        import io
        import pickle

        buf = io.BytesIO()
        np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        z.writestr("metadata.json.npy", buf.getvalue())
        z.writestr("x.npy", pickle.dumps("payload"))
    with pytest.raises(ValueError, match="not a readable glassnet model file"):
        gn.load(path)


def test_save_is_atomic_into_missing_directory(tmp_path, paper_data):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _trained(paper_data, seed=0).save(tmp_path / "nope" / "m.npz")
