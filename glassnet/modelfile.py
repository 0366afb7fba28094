"""Model files: a network's architecture and parameters, never pickled.

A model file is one ``.npz`` archive (a zip of ``.npy`` arrays) read without ``allow_pickle``.
It holds the arrays ``layer1.W``, ``layer1.b``, ... and ``metadata.json``, a JSON document (as
bytes) with the format name and version, the architecture (sizes, activations, bias mode,
initializer, seeds, dtype), the population size, the caller's ``extra`` data and a SHA-256
digest over every other field of the metadata and every array, so a changed byte anywhere is
detected.

A trained network's file (format version 3) also holds its whole training run
(``net.train_state``, :mod:`glassnet.run`): the :class:`~glassnet.run.TrainConfig` as JSON, the
optimizer's state, the sample-order generators' states, the epochs run and the whole
:class:`~glassnet.run.History` (``run.history.loss``, ``run.history.stats.grad_norm``, ...),
every array declared in the metadata with its shape and dtype. So a run saved by any face (the
command line, Python, the playground's export) continues exactly in any other: ``net =
load(path)`` then ``net.fit(X, y, resume=net.train_state, epochs=m)``. Files of versions 1
and 2 are still read.

Reading is bounded before anything is inflated: the zip directory's declared sizes, the
metadata (its size, its JSON, every field's type and range), the parameter memory the
architecture implies, and each array's ``.npy`` header (shape and dtype) are all checked
against the architecture before any array is read, so a small file that declares a huge
array, or a compressed bomb, is refused at the cost of reading its headers. A corrupt,
truncated, oversized or tampered file raises ``ValueError`` naming the file and what is wrong.

Saving never replaces anything but a regular file (not a directory, a device, a pipe...),
checks the path before doing the work, and writes atomically: a temporary file in the same
directory, flushed to disk, then renamed over the target, so a failed save leaves the old file
as it was.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# the format itself (its checks, the digest, the atomic write) is glassnet._modelformat, which
# knows nothing of the Network class; this module is where the two meet
from glassnet._modelformat import FORMAT, MAX_METADATA_BYTES, VERSION, read
from glassnet._modelformat import MAX_COMPRESSION_RATIO as MAX_COMPRESSION_RATIO
from glassnet._validation import Boolean, check, describe, known_keywords
from glassnet.network import Network, check_finite_parameter
from glassnet.run import state_from_record

__all__ = ["FORMAT", "MAX_METADATA_BYTES", "VERSION", "load", "read_metadata", "save"]


@known_keywords
def save(net: Network, path: str | os.PathLike[str], extra: dict[str, Any] | None = None) -> None:
    """Write ``net`` to ``path`` atomically (a failed write leaves any old file intact).

    Parameters
    ----------
    net : Network
        Its parameters must be finite: NaN or infinity is refused, not saved. A trained
        network's run (``net.train_state``) is saved with it.
    path : str or path
        A new file, or an existing regular file to replace. A directory, a device or any other
        non-regular file is refused before anything is computed; so is a path whose directory
        does not exist or is a file.
    extra : dict, optional
        Stored in the metadata as is (JSON data only: no NaN or infinity), and covered by the
        checksum.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a glassnet Network, got {describe(net)}")
    net.save(path, extra)


@known_keywords
def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata of a model file, checked (checksum included), without building the network."""
    return read(_source(path))[0]


def _source(path: Any) -> Path:
    """The file to read, named: not bytes or a number, and not ``""`` (``Path("")`` is the
    current directory, which was then refused as "``.``: is a directory")."""
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        raise TypeError(f"path: expected a file path (str or os.PathLike), got {describe(path)}")
    if not os.fspath(path):
        raise ValueError("path: expected a model file name, got ''")
    return Path(path)


@known_keywords
def load(
    path: str | os.PathLike[str],
    *,
    run: bool = True,
    custom: Mapping[str, Any] | None = None,
) -> Network:
    """Read a model file written by :func:`save` (or :meth:`Network.save`).

    Parameters
    ----------
    path : str or path
    run : bool
        Also restore the training run the file holds (format 3) as ``net.train_state``, so
        ``net.fit(X, y, resume=net.train_state, epochs=m)`` continues it exactly. With False,
        only the network is read.
    custom : dict, optional
        The objects a run's configuration names but a file cannot hold: a custom loss, a
        ready Optimizer, a schedule function (``{"schedule": my_schedule}``).
    """
    path = _source(path)
    run = check(run, "run", Boolean())
    if custom is not None and not isinstance(custom, Mapping):
        # the caller's argument, refused as such (not as a run the file cannot restore)
        raise TypeError(
            "custom: expected a dict of the run's custom objects ('loss', 'optimizer', "
            f"'schedule') or None, got {describe(custom)}"
        )
    meta, arrays = read(path)
    cfg = meta["config"]
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
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: metadata does not describe a valid network ({exc})") from None
    net.init = _init_or_name(cfg["init"])
    for l, layer in enumerate(net.params, start=1):
        for k, target in layer.items():
            stored = arrays[f"layer{l}.{k}"]
            try:
                check_finite_parameter(stored, k, l)
            except ValueError as exc:
                raise ValueError(f"{path}: {exc}") from None
            target[...] = stored
    if run and meta.get("run") is not None:
        try:
            net.train_state = state_from_record(meta["run"], arrays, net, custom)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{path}: the training run it holds cannot be restored ({exc}); "
                "load(path, run=False) reads the network alone"
            ) from None
    return net


def _init_or_name(name: str) -> Any:
    from glassnet import initializers

    try:
        return initializers.get(name)
    except ValueError:
        return initializers.REGISTRY["uniform"]
