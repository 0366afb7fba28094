"""How to install one of glassnet's optional extras, in words that work.

glassnet is not on a package index, so the usual hint -- pip installing "glassnet" with the
extra in brackets -- fails ("no matching distribution"). :func:`install_hint` says what does work: from a clone of
the repository, an editable install of the extra; from a wheel, the wheel with the extra; or
just the packages the extra stands for, read from glassnet's own metadata (``pyproject.toml``),
so the hint never drifts from what the extra installs. Every "needs an extra" message of the
package (JAX, Dask, pyarrow, aiohttp, anywidget) is written with it.
"""

from __future__ import annotations

import re
from importlib import metadata

from glassnet._validation import unknown_name

__all__ = ["EXTRAS", "install_hint"]

#: The optional extras and what each is for (the packages come from the metadata).
EXTRAS: dict[str, str] = {
    "jax": "the compiled backend",
    "dask": "studies on a Dask cluster",
    "parquet": "Parquet export",
    "playground": "the playground",
    "notebook": "the notebook widget",
    "docs": "the documentation site",
    "test": "the tests",
}

#: What each extra needs, for a source tree that was never installed (no metadata to read).
_FALLBACK: dict[str, list[str]] = {
    "jax": ["jax>=0.4.30"],
    "dask": ["dask[distributed]>=2024.1"],
    "parquet": ["pyarrow>=14"],
    "playground": ["aiohttp>=3.9"],
    "notebook": ["anywidget>=0.9"],
}


def _requirements(extra: str) -> list[str]:
    """The requirements glassnet's metadata lists for ``extra`` (markers dropped)."""
    try:
        listed = metadata.requires("glassnet") or []
    except metadata.PackageNotFoundError:
        return _FALLBACK.get(extra, [])
    marker = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
    out = []
    for req in listed:
        requirement, _, markers = req.partition(";")
        found = marker.search(markers)
        if found and found.group(1) == extra:
            out.append(requirement.strip().replace(" ", ""))
    return out or _FALLBACK.get(extra, [])


def _version() -> str:
    try:
        return metadata.version("glassnet")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "<version>"


def install_hint(extra: str) -> str:
    """What installs glassnet's optional ``extra``: from a clone, from a wheel, or its
    packages alone.

    Parameters
    ----------
    extra : str
        One of :data:`EXTRAS` (``"jax"``, ``"dask"``, ``"parquet"``, ``"playground"``,
        ``"notebook"``, ...).

    Returns
    -------
    str
        e.g. ``"from a clone of glassnet: pip install -e '.[dask]' (in the clone's folder);
        from a wheel: pip install 'glassnet-0.1.0-py3-none-any.whl[dask]'; or only what it
        needs: pip install 'dask[distributed]>=2024.1'"``.
    """
    if extra not in EXTRAS:
        raise unknown_name("extra", "extra", extra, EXTRAS)
    hint = (
        f"from a clone of glassnet: pip install -e '.[{extra}]' (in the clone's folder); "
        f"from a wheel: pip install 'glassnet-{_version()}-py3-none-any.whl[{extra}]'"
    )
    needs = _requirements(extra)
    if needs:
        hint += "; or only what it needs: pip install " + " ".join(f"'{r}'" for r in needs)
    return hint
