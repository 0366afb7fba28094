"""The model file format: an architecture, its parameters and metadata in one ``.npz``.

:mod:`glassnet.modelfile` documents the format and is the public way in (``save``, ``load``,
``read_metadata``). This module is the format alone, below :mod:`glassnet.network` and knowing
nothing of the :class:`~glassnet.network.Network` class: :func:`write` takes anything with a
``config()``, a ``population``, ``params`` and ``check_params()``, and :func:`read` returns the
checked metadata and arrays. So :meth:`Network.save` writes through it, and
:mod:`glassnet.modelfile` (which builds a Network from what :func:`read` returns) sits above
both: the dependency goes one way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
from numpy.lib import format as npy

from glassnet import run as _run
from glassnet._files import atomic_write
from glassnet._random import MAX_SEED
from glassnet._validation import (
    BIAS_MODES,
    DTYPES,
    MAX_LAYERS,
    MAX_PARAMETER_BYTES,
    MAX_POPULATION,
    Interval,
    check,
    describe,
    parameter_bytes,
)

__all__ = [
    "FORMAT",
    "MAX_COMPRESSION_RATIO",
    "MAX_METADATA_BYTES",
    "MAX_RUN_BYTES",
    "VERSION",
    "read",
    "write",
]

FORMAT = "glassnet-model"
#: Version 3 may hold a whole training run (``"run"``: configuration, optimizer state, sample
#: order, History; see :mod:`glassnet.run`). Version 2 digests every metadata field; version 1
#: files (digest over the architecture and the arrays only) are still read.
VERSION = 3
_READABLE = (1, 2, 3)
#: The most bytes a run's arrays (History curves, statistics, optimizer state) may declare,
#: besides 8 times the parameters' own bytes (optimizer moments).
MAX_RUN_BYTES = 4 * 2**30
#: The largest metadata document a model file may hold (1 MiB).
MAX_METADATA_BYTES = 2**20
#: The largest ratio of inflated to compressed size a member may declare.
MAX_COMPRESSION_RATIO = 100
# an .npy header is a few hundred bytes; anything beyond this is not one of ours
_MAX_NPY_HEADER = 2**16
# what a file's metadata and its architecture hold (every version's fields; "run" from 3 on)
_FIELDS = ("config", "extra", "format", "population", "run", "sha256", "version")
_CONFIG_FIELDS = ("activation", "bias", "dtype", "init", "kernel", "output", "seed", "sizes")


def _digest(arrays: dict[str, np.ndarray], covered: Any) -> str:
    """SHA-256 over ``covered`` (JSON data) and every array, so changing either is detected."""
    h = hashlib.sha256(json.dumps(covered, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _covered(meta: dict[str, Any]) -> Any:
    """What the digest covers besides the arrays: everything but the digest (version 2)."""
    if meta.get("version") == 1:
        return meta.get("config")
    return {k: v for k, v in meta.items() if k != "sha256"}


# --- saving ----------------------------------------------------------------------------------


class Writable(Protocol):
    """What :func:`write` needs of a network (a :class:`~glassnet.network.Network` has it)."""

    population: int | None
    params: list[dict[str, np.ndarray]]

    def config(self) -> dict[str, Any]: ...

    def check_params(self) -> None: ...


def check_target(path: Any) -> Path:
    """Check where a save may write, before any work: only a regular file is ever replaced."""
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        raise TypeError(f"path: expected a file path (str or os.PathLike), got {describe(path)}")
    p = Path(path)
    if not str(path) or p.name in ("", ".", ".."):
        raise ValueError(f"path: expected a file name, got {str(path)!r}")
    # a symbolic link is followed: the file it names is what gets replaced, and is checked
    real = Path(os.path.realpath(p))
    directory = real.parent
    try:
        dstat = os.stat(directory)
    except NotADirectoryError:
        raise NotADirectoryError(
            f"path: {str(p.parent)!r} is not a directory (a file stands in the path)"
        ) from None
    except FileNotFoundError:
        raise FileNotFoundError(f"path: directory {str(p.parent)!r} does not exist") from None
    if not stat.S_ISDIR(dstat.st_mode):
        raise NotADirectoryError(f"path: {str(p.parent)!r} is not a directory")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"path: {str(p)!r} is a directory; expected a file name")
    if not stat.S_ISREG(mode):
        raise ValueError(
            f"path: {str(p)!r} exists and is not a regular file (a device, pipe or socket); "
            "glassnet replaces only regular files"
        )
    return real


def write(
    net: Writable,
    path: str | os.PathLike[str],
    extra: dict[str, Any] | None = None,
    run: tuple[dict[str, Any], dict[str, np.ndarray]] | None = None,
) -> None:
    """Write ``net`` to ``path`` atomically (a failed write leaves any old file intact).

    The checks of :func:`glassnet.modelfile.save` (which documents the arguments), in its
    order: ``extra``'s type, the path, the parameters' finiteness, then the work. ``run`` is
    a training run's record (:meth:`glassnet.run.TrainState.to_record`): JSON data whose
    ``"arrays"`` table declares each of its arrays, and the arrays.
    """
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra: expected a dict of JSON data or None, got {describe(extra)}")
    target = check_target(path)
    net.check_params()
    arrays = {
        f"layer{l}.{k}": np.ascontiguousarray(v)
        for l, layer in enumerate(net.params, start=1)
        for k, v in layer.items()
    }
    try:
        # through JSON and back, so the digest covers exactly what a reader will see
        meta = json.loads(
            json.dumps(
                {
                    "format": FORMAT,
                    "version": VERSION,
                    "config": net.config(),
                    "population": net.population,
                    "extra": extra or {},
                },
                allow_nan=False,
            )
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"extra: expected JSON data (no NaN or infinity), got {exc}") from None
    if run is not None:
        run_meta, run_arrays = run
        try:
            meta["run"] = json.loads(json.dumps(run_meta, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"train_state: the run's record is not JSON data ({exc})") from None
        arrays.update(run_arrays)
    meta["sha256"] = _digest(arrays, _covered(meta))
    text = json.dumps(meta).encode()
    if len(text) > MAX_METADATA_BYTES:
        raise ValueError(
            f"extra: the metadata would take {len(text)} bytes; at most {MAX_METADATA_BYTES} "
            "are allowed"
        )
    arrays["metadata.json"] = np.frombuffer(text, dtype=np.uint8)
    # atomic, with the mode a plain write gives under the umask; the target is checked again
    # (still a regular file, or absent) once the work is done
    with atomic_write(target, before_replace=lambda: check_target(target)) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]


# --- reading ---------------------------------------------------------------------------------


class _Bad(Exception):
    """A structural problem; becomes ``ValueError("<file>: not a readable ... (<why>)")``."""


class _Refused(Exception):
    """A readable file that is not a usable model; becomes ``ValueError("<file>: <why>")``."""


def _header(stream: IO[bytes], member: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an ``.npy`` stream declares, read from its header alone."""
    try:
        major, _ = npy.read_magic(stream)
        if major == 1:
            shape, fortran, dtype = npy.read_array_header_1_0(
                stream, max_header_size=_MAX_NPY_HEADER
            )
        elif major in (2, 3):
            shape, fortran, dtype = npy.read_array_header_2_0(
                stream, max_header_size=_MAX_NPY_HEADER
            )
        else:
            raise _Bad(f"{member}: unknown .npy version {major}")
    except ValueError as exc:
        raise _Bad(f"{member}: not an .npy array ({exc})") from None
    if dtype.hasobject or fortran:
        raise _Bad(f"{member}: holds {'objects' if dtype.hasobject else 'a Fortran-order array'}")
    return tuple(shape), dtype


def _read_array(
    z: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """Read a member whose header must declare ``shape`` and ``dtype`` (checked first)."""
    member = info.filename[:-4]
    with z.open(info) as stream:
        got_shape, got_dtype = _header(stream, member)
        if got_shape != shape or got_dtype != dtype:
            raise _Bad(
                f"{member} declares shape {got_shape} and dtype {got_dtype}, expected {shape} "
                f"{dtype} for the architecture"
            )
        n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        data = stream.read(n)
        # a member holds its array and nothing more: bytes after it would ride along unread
        # (and unchecked by the digest, which covers the arrays as read)
        beyond = len(data) == n and stream.read(1) != b""
    if len(data) != n:
        raise _Bad(f"{member}: truncated ({len(data)} of {n} bytes)")
    if beyond:
        raise _Bad(f"{member}: holds bytes beyond its {shape} {dtype} array")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _int(value: Any, field: str, low: int, high: int) -> int:
    try:
        return int(check(value, f"metadata {field}", Interval(int, low, high)))
    except (TypeError, ValueError) as exc:  # a damaged file, not a caller's wrong argument
        raise _Bad(str(exc)) from None


def _string(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise _Bad(f"metadata {field}: expected a name, got {describe(value)}")
    return value


def _only(table: dict[str, Any], fields: tuple[str, ...], where: str) -> None:
    """Refuse a field the format does not have: a file holds what the network needs, and a
    field nothing reads would ride along (up to the metadata's 1 MiB) unchecked."""
    unknown = sorted(str(k) for k in table if k not in fields)
    if unknown:
        raise _Bad(
            f"{where}: unexpected field {describe(unknown[0])}; expected only {', '.join(fields)}"
        )


def _check_meta(meta: Any) -> dict[str, Any]:
    """Check every field's type and range (nothing is built or allocated here)."""
    if not isinstance(meta, dict):
        raise _Bad(f"metadata.json holds {type(meta).__name__}, expected a JSON object")
    if meta.get("format") != FORMAT:
        raise _Refused(f"not a glassnet model file (format is {meta.get('format')!r})")
    if meta.get("version") not in _READABLE:
        raise _Refused(
            f"model file format version {meta.get('version')!r} is not supported "
            f"(this glassnet reads versions {', '.join(map(str, _READABLE))})"
        )
    _only(meta, _FIELDS, "metadata")
    sha = meta.get("sha256")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise _Bad(f"metadata sha256: expected 64 hex digits, got {describe(sha)}")
    cfg = meta.get("config")
    if not isinstance(cfg, dict):
        raise _Bad(f"metadata config: expected a JSON object, got {describe(cfg)}")
    _only(cfg, _CONFIG_FIELDS, "metadata config")
    sizes = cfg.get("sizes")
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS:
        raise _Bad(
            f"metadata config.sizes: expected a list of 2 to {MAX_LAYERS} sizes, got {describe(sizes)}"
        )
    for i, s in enumerate(sizes):
        _int(s, f"config.sizes[{i}]", 1, 2**40)
    acts = cfg.get("activation")
    if not isinstance(acts, list) or len(acts) != len(sizes) - 2:
        raise _Bad(
            f"metadata config.activation: expected a list of {len(sizes) - 2} names, got "
            f"{describe(acts)}"
        )
    for i, a in enumerate(acts):
        _string(a, f"config.activation[{i}]")
    for field in ("output", "bias", "init", "dtype"):
        _string(cfg.get(field), f"config.{field}")
    if cfg["dtype"] not in DTYPES:
        raise _Bad(
            f"metadata config.dtype: expected one of {', '.join(DTYPES)}, got {cfg['dtype']!r}"
        )
    if cfg["bias"] not in BIAS_MODES:
        raise _Bad(
            f"metadata config.bias: expected one of {', '.join(BIAS_MODES)}, got {cfg['bias']!r}"
        )
    _string(cfg.get("kernel", "blas"), "config.kernel")
    population = meta.get("population")
    seed = cfg.get("seed")
    if population is None:
        _int(seed, "config.seed", 0, MAX_SEED)  # every seed a network takes
    else:
        _int(population, "population", 1, MAX_POPULATION)
        if not isinstance(seed, list) or len(seed) != population:
            raise _Bad(
                f"metadata config.seed: expected {population} seeds (the population), got "
                f"{describe(seed)}"
            )
        for k, s in enumerate(seed):
            _int(s, f"config.seed[{k}]", 0, MAX_SEED)
    if meta.get("version", 1) >= 2 and not isinstance(meta.get("extra"), dict):
        raise _Bad(f"metadata extra: expected a JSON object, got {describe(meta.get('extra'))}")
    itemsize = np.dtype(cfg["dtype"]).itemsize
    need = parameter_bytes(sizes, population or 1, itemsize, cfg["bias"])
    if need > MAX_PARAMETER_BYTES:
        raise _Bad(
            f"the architecture {sizes} would take {need / 2**30:.3g} GiB of parameters; at "
            f"most {MAX_PARAMETER_BYTES / 2**30:g} GiB are read"
        )
    if meta.get("run") is not None:
        if meta.get("version", 1) < 3:
            raise _Bad(f"metadata run: not part of format version {meta.get('version')}")
        try:
            _run.declared_arrays(meta["run"], MAX_RUN_BYTES + 8 * need)
        except ValueError as exc:
            raise _Bad(f"metadata {exc}") from None
    return meta


def _shapes(meta: dict[str, Any]) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """The shape and dtype of every array the (checked) metadata implies: the parameters'
    from the architecture, the run's as its record declares them."""
    cfg, pop = meta["config"], meta.get("population")
    lead = () if pop is None else (pop,)
    dtype = np.dtype(cfg["dtype"])
    bias = dict(zip(BIAS_MODES, (lambda o: (1, o), lambda o: (1, 1), lambda o: None), strict=True))
    out: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    for l, (i, o) in enumerate(zip(cfg["sizes"][:-1], cfg["sizes"][1:], strict=True), start=1):
        out[f"layer{l}.W"] = ((*lead, i, o), dtype)
        b = bias[cfg["bias"]](o)
        if b is not None:
            out[f"layer{l}.b"] = ((*lead, *b), dtype)
    if meta.get("run") is not None:
        out.update(_run.declared_arrays(meta["run"], 2**62))  # bounded in _check_meta
    return out


def read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The checked metadata (checksum included) and the arrays (``layer1.W``, ...) of a file."""
    name = str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such model file") from None
    except NotADirectoryError:
        raise FileNotFoundError(f"{name}: no such model file (a file stands in the path)") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"{name}: is a directory, not a model file")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{name}: not a regular file (a device, pipe or socket), not a model file")
    try:
        # our own handle, so a failed read cannot leak it
        with open(path, "rb") as f, zipfile.ZipFile(f) as z:
            _whole_archive(f, z)
            return _read_zip(z, name)
    except _Bad as exc:
        raise ValueError(f"{name}: not a readable glassnet model file ({exc})") from None
    except _Refused as exc:
        raise ValueError(f"{name}: {exc}") from None
    except (
        ValueError,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        KeyError,
        NotImplementedError,
    ) as exc:
        why = "not an npz (zip) archive" if isinstance(exc, zipfile.BadZipFile) else str(exc)
        raise ValueError(
            f"{name}: not a readable glassnet model file (corrupt or truncated: {why})"
        ) from None


def _whole_archive(f: IO[bytes], z: zipfile.ZipFile) -> None:
    """The file is the archive and nothing else. Zip readers skip bytes before an archive,
    after it and in its comment (which NumPy's savez never writes); they would ride along
    unread and outside the digest, so glassnet refuses them. The end-of-central-directory
    record, without a comment, is then the file's last 22 bytes, and the first member starts
    at its first byte."""
    size = f.seek(0, os.SEEK_END)
    f.seek(size - 22)
    end = f.read(22)
    if end[:4] != b"PK\x05\x06" or end[20:22] != b"\x00\x00":
        raise _Bad("bytes after the archive")
    if z.infolist() and min(i.header_offset for i in z.infolist()) != 0:
        raise _Bad("bytes before the archive")


def _read_zip(z: zipfile.ZipFile, name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    members = {}
    for info in z.infolist():
        if not info.filename.endswith(".npy") or info.filename[:-4] in members:
            raise _Bad(f"unexpected member {info.filename!r}")
        # glassnet stores arrays uncompressed; real weights compress little, so a high ratio
        # is a decompression bomb, refused before inflating it
        if info.file_size > MAX_COMPRESSION_RATIO * info.compress_size + 2**12:
            raise _Bad(
                f"{info.filename} would inflate {info.compress_size} bytes to "
                f"{info.file_size} (more than {MAX_COMPRESSION_RATIO}x)"
            )
        members[info.filename[:-4]] = info
    if "metadata.json" not in members:
        raise _Refused("not a glassnet model file (no metadata.json inside)")
    info = members.pop("metadata.json")
    if info.file_size > MAX_METADATA_BYTES + _MAX_NPY_HEADER:
        raise _Bad(f"metadata.json declares {info.file_size} bytes; at most {MAX_METADATA_BYTES}")
    with z.open(info) as stream:
        shape, dtype = _header(stream, "metadata.json")
        if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_METADATA_BYTES:
            raise _Bad(f"metadata.json: expected at most {MAX_METADATA_BYTES} bytes of text")
    raw = _read_array(z, info, shape, dtype)
    try:
        meta = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _Bad(f"metadata.json is not valid JSON: {exc}") from None
    meta = _check_meta(meta)
    shapes = _shapes(meta)
    if set(members) != set(shapes):
        raise _Bad(
            f"arrays {sorted(members)} do not match the architecture (expected {sorted(shapes)})"
        )
    # the declared sizes first: nothing is inflated unless every member fits its shape
    for key, (shape, dtype) in shapes.items():
        declared = members[key].file_size
        data = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not data <= declared <= data + _MAX_NPY_HEADER:
            raise _Bad(
                f"{key} declares {declared} bytes, expected {data} bytes of {shape} {dtype} "
                "(and a header)"
            )
    arrays = {
        key: _read_array(z, members[key], shape, dtype) for key, (shape, dtype) in shapes.items()
    }
    if meta["sha256"] != _digest(arrays, _covered(meta)):
        raise _Refused(
            "checksum mismatch: the parameters, the architecture or another field were changed "
            "after saving"
        )
    return meta, arrays
