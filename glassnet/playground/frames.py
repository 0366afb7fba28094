"""Binary frames: a frame's pictures and matrices as typed arrays, and only what changed.

A page that sends ``{"type": "frames", "binary": true}`` gets its frames as binary WebSocket
messages instead of JSON text. One message is::

    b"GNF1"                       4 bytes, the format's name and version
    header length                 uint32, little-endian
    header                        UTF-8 JSON: the frame, every array replaced by a reference
    padding                       zero bytes up to a multiple of 8
    payload                       the arrays' bytes, each starting at a multiple of 8

A reference is ``{"$b": [offset, dtype, shape]}`` (offset into the payload; dtype ``"u1"`` for
the ``uint8`` images, ``"f4"`` for weights and gradients as float32) or ``{"$same": 1}``: the
array at that place is the one the previous frame sent (unit and input maps that did not
change, for one). The page reads each array as a ``Uint8Array`` or ``Float32Array`` view of the
payload, without copying or parsing numbers.

"Previous" means the previous frame *sent*: :meth:`Encoder.encode` remembers what a frame holds
only as pending, and :meth:`Encoder.commit` (called once the message went out) makes it the
reference of the next one. A frame encoded and never sent is then never referred to.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import numpy as np

__all__ = ["MAGIC", "Encoder", "decode"]

MAGIC = b"GNF1"
_DTYPES = {"u1": np.uint8, "f4": np.float32}


class Encoder:
    """Encodes one page's frames, remembering what it sent to leave out what did not change."""

    def __init__(self) -> None:
        self.sent: dict[str, bytes] = {}
        self.pending: dict[str, bytes] | None = None

    def reset(self) -> None:
        """Forget what was sent (a new setup: every array goes out again)."""
        self.sent.clear()
        self.pending = None

    def commit(self) -> None:
        """The last encoded frame was sent: the next one may refer to its arrays."""
        if self.pending is not None:
            self.sent = self.pending
            self.pending = None

    def encode(self, frame: dict[str, Any]) -> bytes:
        """A frame of :meth:`Session.frame_arrays` as one binary message."""
        chunks: list[bytes] = []
        size = 0
        sent: dict[str, bytes] = {}  # exactly what this frame holds, for the next one

        def walk(value: Any, path: str) -> Any:
            nonlocal size
            if isinstance(value, dict):
                return {k: walk(v, f"{path}/{k}") for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v, f"{path}/{i}") for i, v in enumerate(value)]
            if isinstance(value, np.ndarray):
                code = "u1" if value.dtype == np.uint8 else "f4"
                raw = np.ascontiguousarray(value, dtype=_DTYPES[code]).tobytes()
                digest = hashlib.blake2b(raw, digest_size=16).digest()
                sent[path] = digest
                if self.sent.get(path) == digest:
                    return {"$same": 1}
                offset = size
                chunks.append(raw)
                pad = -len(raw) % 8
                chunks.append(b"\0" * pad)
                size += len(raw) + pad
                return {"$b": [offset, code, list(value.shape)]}
            if isinstance(value, float | np.floating) and not np.isfinite(value):
                return None
            if isinstance(value, np.integer):
                return int(value)
            if isinstance(value, np.floating):
                return float(value)
            return value

        header = json.dumps(walk(frame, ""), allow_nan=False).encode()
        self.pending = sent
        pad = -(8 + len(header)) % 8
        return b"".join([MAGIC, struct.pack("<I", len(header)), header, b" " * pad, *chunks])


def decode(message: bytes, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read a binary frame back (as the page does): arrays as NumPy arrays, ``$same`` places
    filled from ``previous`` (the last decoded frame), when given."""
    if message[:4] != MAGIC:
        raise ValueError(f"message: not a glassnet binary frame (starts with {message[:4]!r})")
    (length,) = struct.unpack("<I", message[4:8])
    header = json.loads(message[8 : 8 + length])
    start = 8 + length + (-(8 + length) % 8)
    payload = memoryview(message)[start:]

    def walk(value: Any, old: Any) -> Any:
        if isinstance(value, dict):
            if "$b" in value:
                offset, code, shape = value["$b"]
                dtype = np.dtype(_DTYPES[code])
                count = int(np.prod(shape)) if shape else 1
                return np.frombuffer(payload, dtype, count, offset).reshape(shape)
            if "$same" in value:
                return old
            return {
                k: walk(v, old.get(k) if isinstance(old, dict) else None) for k, v in value.items()
            }
        if isinstance(value, list):
            olds = old if isinstance(old, list) else []
            return [walk(v, olds[i] if i < len(olds) else None) for i, v in enumerate(value)]
        return value

    out: dict[str, Any] = walk(header, previous)
    return out
