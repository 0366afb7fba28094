"""How engine objects show themselves, registered from the faces' side.

A ``History``, a ``Trace`` or a ``Network`` shown in Jupyter (``_repr_html_``) or printed
(``__str__``, ``Trace.__repr__``) asks this table for a renderer of its type. The faces fill it
when they are imported (:mod:`glassnet.display` registers the tables, notes and figures), and
the package imports :mod:`glassnet.display` (which imports no matplotlib until a figure is
drawn), so the engine never imports a face -- not even lazily -- and the import graph has no
loop. Without a renderer (the engine used on its own), an object falls back to its plain repr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "render"]

_RENDERERS: dict[tuple[type, str], Callable[[Any], str]] = {}

#: The kinds of view: Jupyter's HTML and Markdown, and plain text (``print``).
KINDS = ("html", "markdown", "text")


def register(cls: type, kind: str, renderer: Callable[[Any], str]) -> None:
    """Show instances of ``cls`` (and its subclasses) as ``kind`` with ``renderer(obj)``."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    _RENDERERS[(cls, kind)] = renderer


def render(obj: Any, kind: str) -> str | None:
    """``obj`` shown as ``kind`` by the renderer of its nearest registered class, or None."""
    for cls in type(obj).__mro__:
        renderer = _RENDERERS.get((cls, kind))
        if renderer is not None:
            return renderer(obj)
    return None
