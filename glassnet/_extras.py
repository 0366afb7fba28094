"""What to install for an optional part of glassnet, said in a way that works.

glassnet is not on a package index, so ``pip install 'glassnet[playground]'`` fails wherever it
is typed. What works depends on how glassnet was installed:

* from a clone (an editable or plain install of the source checkout): ``pip install -e
  '<clone>[playground]'`` installs the extra's packages along with glassnet;
* from a wheel (or any other installed copy): the extra's own requirements, read from the
  installed package's metadata (``pip install 'aiohttp>=3.9'``).

:func:`install_hint` says both where both apply, so every "needs ..." error of the optional
faces (playground, notebook widget, dask, parquet, jax) carries a command that runs.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

__all__ = ["extra_requirements", "install_hint", "source_checkout"]

_EXTRA = re.compile(r"""^(?P<req>[^;]+?)\s*;\s*extra\s*==\s*["'](?P<extra>[^"']+)["']\s*$""")


def extra_requirements(extra: str) -> list[str]:
    """The requirements of ``extra`` as the installed glassnet declares them (``[]`` when
    glassnet's metadata is not installed or has no such extra)."""
    try:
        declared = importlib.metadata.requires("glassnet") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    out = []
    for line in declared:
        found = _EXTRA.match(line)
        if found and found["extra"] == extra:
            out.append(found["req"].strip())
    return out


def source_checkout() -> Path | None:
    """The root of the source checkout glassnet runs from (a clone), or None (a wheel)."""
    root = Path(__file__).resolve().parent.parent
    project = root / "pyproject.toml"
    try:
        text = project.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if re.search(r'^name\s*=\s*"glassnet"', text, re.MULTILINE) else None


def install_hint(extra: str) -> str:
    """The command that installs glassnet's optional ``extra`` from here.

    Parameters
    ----------
    extra : str
        An extra of glassnet's ``pyproject.toml`` (``"playground"``, ``"notebook"``, ...).

    Returns
    -------
    str
        For example ``"pip install 'aiohttp>=3.9' (the playground extra; from this clone:
        pip install -e '/home/me/glassnet[playground]')"``.
    """
    reqs = extra_requirements(extra)
    packages = " ".join(f"'{r}'" for r in reqs)
    clone = source_checkout()
    if clone is not None:
        here = f"pip install -e '{clone}[{extra}]'"
        if packages:
            return f"{here} (from this clone; or just the extra's packages: pip install {packages})"
        return f"{here} (from this clone)"
    if packages:
        return f"pip install {packages} (the {extra} extra of glassnet)"
    # no metadata to read: a copy of the source without an install; the clone's command is
    # the one that can work
    return f"pip install -e '.[{extra}]' (from a clone of glassnet, in its root directory)"
