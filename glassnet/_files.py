"""Writing files: atomically, and with the mode a plain write would give.

Every file glassnet writes (model files, figures, animations, study stores and exports,
reports) goes through :func:`atomic_path` or :func:`atomic_write`: the content is written to a
temporary file beside the target and renamed over it only when complete, so a crash, a full
disk or Ctrl-C leaves either the old file or the new one, never half of one.

The temporary file is created the way ``open(path, "w")`` creates a file -- with mode
``0o666`` filtered by the process's umask -- not ``tempfile.mkstemp``'s private ``0o600``: a
model saved in a shared lab folder is readable by the class when the umask says so. Replacing
an existing file keeps that file's permission bits, as writing into it would.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = [
    "atomic_path",
    "atomic_write",
    "new_directory",
    "new_file",
    "readable_file",
    "unreadable",
    "unwritable",
]


_STEM_BYTES = 200
"""The most of the target's name a temporary name repeats: ``.NAME.XXXXXXXX.tmpSUFFIX`` stays
within the file systems' 255 bytes (NAME_MAX) for any name a plain write accepts."""


def _fresh(parent: Path, name: str, suffix: str, make: Callable[[Path], None]) -> Path:
    """A new hidden entry beside the target, ``.NAME.XXXXXXXX.tmpSUFFIX`` (8 random hex
    digits; NAME cut to :data:`_STEM_BYTES`), made by ``make`` (which must refuse to reuse)."""
    raw = os.fsencode(name)
    if len(raw) > _STEM_BYTES:  # a byte cut inside a character still names a file
        name = os.fsdecode(raw[:_STEM_BYTES])
    while True:
        candidate = parent / f".{name}.{secrets.token_hex(4)}.tmp{suffix}"
        try:
            make(candidate)
        except FileExistsError:  # pragma: no cover - 32 random bits met another writer's
            continue
        return candidate


def new_file(path: str | os.PathLike[str]) -> None:
    """Create an empty file at ``path`` with the mode ``open(path, "w")`` gives (``0o666``
    under the umask), for a writer that would choose another mode (SQLite's ``0o644``);
    ``FileExistsError`` if something is there already."""
    # O_EXCL: never someone else's file; 0o666: the kernel applies the umask, as open() does
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


_SQLITE = b"SQLite format 3\x00"


def database_refusal(path: str | os.PathLike[str]) -> str:
    """Why ``path``, an SQLite database, is not replaced (without an argument's name):
    ``study export DIR -o DIR/study.sqlite`` replaced a study's every result by its CSV."""
    return (
        f"{os.fspath(path)!r} is an SQLite database (a study's results?); glassnet replaces no "
        "database with another file: choose another name"
    )


def is_database(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an existing regular file holding an SQLite database (its header):
    a writer checks it before a long computation whose result would replace it."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
    except OSError:
        return False
    return _is_database(Path(path))


def _is_database(path: Path) -> bool:
    """Whether the existing regular file ``path`` is an SQLite database (its header)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_SQLITE)) == _SQLITE
    except OSError:  # unreadable: the write says why
        return False


def unreadable(path: str | os.PathLike[str], what: str = "file") -> OSError | ValueError | None:
    """Why ``path`` cannot be read as a ``what`` (a "study spec", a "CSV file"), as the error
    to raise (its message without an argument's name), or ``None`` when it is a regular file.

    ``Path.is_file()`` is False for a directory, a device (``/dev/zero``), a pipe
    (``/dev/stdin``) and a name that does not exist alike: readers that asked only that
    said "no such file" of files that exist. A device or a pipe is refused, not read: it
    can be endless, and nothing bounds it beforehand.
    """
    name = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return FileNotFoundError(f"no such file {name!r}")
    except NotADirectoryError:
        return FileNotFoundError(f"no such file {name!r} (a file stands in the path)")
    except OSError as exc:
        return type(exc)(f"cannot read {name!r}: {exc.strerror or exc}")
    if stat.S_ISDIR(mode):
        return IsADirectoryError(f"{name!r} is a directory; expected a {what}")
    if not stat.S_ISREG(mode):
        return ValueError(
            f"{name!r} is not a regular file (a device, pipe or socket); expected a {what}"
        )
    return None


def readable_file(path: str | os.PathLike[str], argument: str, what: str = "file") -> Path:
    """``path`` as a Path if it is a regular file; else the error of :func:`unreadable`,
    its message starting with ``argument``."""
    why = unreadable(path, what)
    if why is not None:
        raise type(why)(f"{argument}: {why}")
    return Path(path)


def unwritable(folder: str | os.PathLike[str]) -> str | None:
    """Why nothing can be written in the existing directory ``folder`` ("no file can be
    created in FOLDER: " and the system's words), or ``None`` when a file can be created there.

    Called before a long computation whose result is then saved there. ``os.access`` reads
    the permission bits only: for root, on a read-only mount or in a pseudo-file system such
    as ``/proc`` it says yes where the write then fails, after the work. So an empty hidden
    file is created there (as :func:`atomic_path`'s temporary file would be) and removed.
    """
    try:
        probe = _fresh(Path(folder), "glassnet-write-check", "", new_file)
        probe.unlink()
    except OSError as exc:
        return f"no file can be created in {os.fspath(folder)}: {exc.strerror or exc}"
    return None


@contextmanager
def atomic_path(
    path: str | os.PathLike[str],
    *,
    suffix: str = "",
    before_replace: Callable[[], object] | None = None,
) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it replaces ``path``.

    For writers that take a file name (``savefig``, ``to_csv``, an animation writer). The
    file exists (empty, with its final mode) when the block starts; when the block ends
    without an exception it is flushed to disk and renamed over ``path`` (after
    ``before_replace``, a last check of the target); otherwise it is removed and ``path`` is
    left as it was.

    Parameters
    ----------
    path : path
        The file to write.
    suffix : str
        Ending of the temporary name, for writers that choose the format by extension
        (``".png"``).
    before_replace : callable, optional
        Called just before the rename; raising there abandons the write.
    """
    given = os.fspath(path)
    target = Path(path)
    # refused before a temporary file exists: "" is Path(".") (the temporary went into the
    # current directory and the rename failed as "Device or resource busy"), and a directory
    # took a hidden file beside it, in its parent, then failed with that file's name
    if not given or target.name in ("", ".", ".."):
        raise ValueError(f"path: expected a file name, got {given!r}")
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise type(exc)(f"path: cannot write {given!r}: {exc.strerror or exc}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(f"path: {given!r} is a directory; expected a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise ValueError(
            f"path: {given!r} exists and is not a regular file (a device, pipe or socket); "
            "glassnet replaces only regular files"
        )
    if mode is not None and _is_database(target):
        raise ValueError(f"path: {database_refusal(given)}")
    try:
        tmp = _fresh(target.parent, target.name, suffix, new_file)
    except OSError as exc:  # said of the file asked for, not of a hidden temporary name
        raise type(exc)(f"path: cannot write {str(target)!r}: {exc.strerror or exc}") from None
    try:
        try:  # replacing a file keeps its permission bits, as writing into it would
            existing = os.stat(target)
        except (FileNotFoundError, NotADirectoryError):
            existing = None
        if existing is not None and stat.S_ISREG(existing.st_mode):
            os.chmod(tmp, stat.S_IMODE(existing.st_mode))
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    mode: str = "wb",
    *,
    before_replace: Callable[[], object] | None = None,
    **open_kwargs: Any,
) -> Iterator[IO[Any]]:
    """An open file beside ``path`` that replaces ``path`` when the block ends without an
    exception (see :func:`atomic_path`). ``mode`` is ``"wb"`` or ``"w"``."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode: expected 'w' or 'wb', got {mode!r}")
    with (
        atomic_path(path, before_replace=before_replace) as tmp,
        open(tmp, mode, **open_kwargs) as f,
    ):
        yield f


def new_directory(beside: str | os.PathLike[str]) -> Path:
    """A new, empty, hidden directory beside ``beside`` (to fill, then rename into place),
    with the mode ``os.mkdir`` gives under the umask (not ``mkdtemp``'s ``0o700``)."""
    target = Path(beside)
    return _fresh(target.parent, target.name, "", lambda p: os.mkdir(p, 0o777))
