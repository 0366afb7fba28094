"""Model files: a network's architecture and parameters, never pickled.

A model file is one ``.npz`` archive written and read with ``allow_pickle=False``. It holds the
arrays ``layer1.W``, ``layer1.b``, ... and ``metadata.json``, a JSON document (as bytes) with the
format name and version, the architecture (sizes, activations, bias mode, initializer, seeds,
dtype) and a SHA-256 digest of the architecture and the arrays, so a changed byte is detected. A corrupt, truncated
or tampered file raises ``ValueError`` naming the file and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.network import Network

__all__ = ["FORMAT", "VERSION", "load", "save"]

FORMAT = "glassnet-model"
VERSION = 1


def _digest(arrays: dict[str, np.ndarray], config: Any) -> str:
    """SHA-256 over the architecture and every array, so either changing is detected."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(net: Network, path: str | os.PathLike[str], extra: dict[str, Any] | None = None) -> None:
    """Write ``net`` to ``path`` (atomically: a failed write leaves no partial file).

    ``extra`` is stored in the metadata as is (JSON-serializable data only).
    """
    path = Path(path)
    arrays = {
        f"layer{l}.{k}": np.ascontiguousarray(v)
        for l, layer in enumerate(net.params, start=1)
        for k, v in layer.items()
    }
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": net.config(),
        "population": net.population,
        "sha256": _digest(arrays, net.config()),
        "extra": extra or {},
    }
    arrays["metadata.json"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"path: directory {str(directory)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".glassnet-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata of a model file, checked, without building the network."""
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    name = str(path)
    if not path.exists():
        raise FileNotFoundError(f"{name}: no such model file")
    if path.is_dir():
        raise ValueError(f"{name}: is a directory, not a model file")
    try:
        # our own handle, so a failed read cannot leak it
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise ValueError(
            f"{name}: not a readable glassnet model file (corrupt or truncated: {exc})"
        ) from None
    if "metadata.json" not in arrays:
        raise ValueError(f"{name}: not a glassnet model file (no metadata.json inside)")
    try:
        meta = json.loads(arrays.pop("metadata.json").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{name}: metadata.json is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{name}: not a glassnet model file (format is {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"{name}: model file format version {meta.get('version')!r} is not supported "
            f"(this glassnet reads version {VERSION})"
        )
    if meta.get("sha256") != _digest(arrays, meta.get("config")):
        raise ValueError(
            f"{name}: checksum mismatch: the parameters or the architecture were changed "
            "after saving"
        )
    return meta, arrays


def load(path: str | os.PathLike[str]) -> Network:
    """Read a model file written by :func:`save` (or :meth:`Network.save`)."""
    path = Path(path)
    meta, arrays = _read(path)
    cfg = meta.get("config", {})
    try:
        net = Network(
            cfg["sizes"],
            activation=cfg["activation"],
            output=cfg["output"],
            bias=cfg["bias"],
            init="uniform",  # replaced below by the stored parameters
            seed=cfg["seed"],
            dtype=cfg["dtype"],
            kernel=cfg.get("kernel", "blas"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: metadata does not describe a valid network ({exc})") from None
    net.init = _init_or_name(cfg.get("init", "uniform"))
    expected = {f"layer{l}.{k}" for l, layer in enumerate(net.params, start=1) for k in layer}
    if set(arrays) != expected:
        raise ValueError(
            f"{path}: arrays {sorted(arrays)} do not match the architecture (expected "
            f"{sorted(expected)})"
        )
    for l, layer in enumerate(net.params, start=1):
        for k, target in layer.items():
            stored = arrays[f"layer{l}.{k}"]
            if stored.shape != target.shape or stored.dtype != target.dtype:
                raise ValueError(
                    f"{path}: layer{l}.{k} has shape {stored.shape} and dtype {stored.dtype}, "
                    f"expected {target.shape} {target.dtype}"
                )
            target[...] = stored
    return net


def _init_or_name(name: str) -> Any:
    from glassnet import initializers

    try:
        return initializers.get(name)
    except ValueError:
        return initializers.REGISTRY["uniform"]
