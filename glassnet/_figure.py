"""The figure every plotting function returns: a matplotlib Figure that shows itself.

A plain :class:`matplotlib.figure.Figure` made without ``pyplot`` displays in Jupyter as the
text ``<Figure size 640x480 with 1 Axes>`` unless ``%matplotlib inline`` (or a pyplot import)
registered IPython's figure formatters. :class:`Figure` adds the rich-display hook itself, so a
figure appears as an image in a fresh kernel, with no magic and no pyplot, and the notebook
stores it once (PNG only, no HTML copy). It is still a matplotlib Figure in every other way.

This module imports matplotlib at import time; :mod:`glassnet.plots` imports it only inside
the functions that draw, so ``import glassnet`` stays free of matplotlib.
"""

from __future__ import annotations

import io
import os
from typing import Any

from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as _MplFigure

from glassnet._files import atomic_path

__all__ = ["Figure", "figure_format", "save_figure"]


def figure_format(path: str | os.PathLike[str], argument: str = "path") -> str:
    """The format a figure written to ``path`` takes (its extension's, matplotlib's default,
    PNG, without one); a ValueError naming ``argument`` for an extension matplotlib cannot
    write (checked before the figure is drawn, and before any training it shows)."""
    suffix = os.path.splitext(os.fspath(path))[1]
    fmt = suffix[1:].lower() if suffix else str(rcParams["savefig.format"])
    known = FigureCanvasAgg.get_supported_filetypes()
    if fmt not in known:
        raise ValueError(
            f"{argument}: {os.fspath(path)!r} ends in {suffix!r}, which is no figure format; "
            f"expected one of {', '.join('.' + k for k in sorted(known))}"
        )
    return fmt


def save_figure(fig: _MplFigure, path: str | os.PathLike[str]) -> None:
    """Write ``fig`` to ``path`` atomically, in the format its extension names (matplotlib's
    default, PNG, without one), at the figure's own dpi."""
    suffix = os.path.splitext(os.fspath(path))[1]
    fmt = figure_format(path)
    with atomic_path(path, suffix=suffix) as tmp:
        fig.savefig(tmp, format=fmt, dpi=fig.dpi)


class Figure(_MplFigure):
    """A matplotlib Figure with Jupyter display and one-call saving.

    ``_repr_png_`` renders at the figure's own ``dpi``, so the image is exactly
    ``figsize * dpi`` pixels, the same as :meth:`save` writes for a ``.png``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def to_png(self) -> bytes:
        """The figure as PNG bytes, exactly ``figsize * dpi`` pixels."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=self.dpi)
        return buf.getvalue()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the figure atomically; the format follows the extension (png, svg, pdf,
        ...)."""
        save_figure(self, path)

    def _repr_png_(self) -> bytes:
        return self.to_png()

    def _repr_html_(self) -> None:
        # matplotlib's own hook returns HTML only for its web backend; say "no HTML" plainly so
        # a notebook keeps the PNG alone (one stored copy of the image).
        return None
