"""Self-contained HTML reports, written atomically.

A :class:`Report` collects sections of text, tables and figures, plus data files, and
:meth:`Report.write` turns them into a directory::

    out_dir/
        report.html          one self-contained page: CSS inline, figures embedded (base64 PNG
                             or inline SVG), no network access needed to view it
        figures/NAME.png     every figure as PNG ...
        figures/NAME.svg     ... and as SVG
        data/NAME.csv|json   the numbers behind the figures and tables
        .glassnet-report     marker: this directory is a glassnet report (safe to replace)

The directory is built in a temporary sibling and renamed into place at the end, so a failed
run never leaves a half-written report that looks complete; a previous report at the same place
is replaced only once the new one is complete. A directory that exists, is not empty and is not
a glassnet report is never touched.

Example
-------
>>> rep = Report("My study", meta={"seed": 0})                        # doctest: +SKIP
>>> sec = rep.section("Results")                                      # doctest: +SKIP
>>> sec.text("Tanh converged first.")                                 # doctest: +SKIP
>>> sec.table([{"activation": "tanh", "epochs": 12}], caption="Median epochs")  # doctest: +SKIP
>>> sec.figure("loss", fig, caption="Loss per epoch")                 # doctest: +SKIP
>>> rep.add_data("curves", {"epoch": [0, 1], "loss": [0.3, 0.2]})    # doctest: +SKIP
>>> rep.write("report")                                               # doctest: +SKIP
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._files import new_directory, unwritable
from glassnet._validation import Interval, check, describe, known_keywords
from glassnet.stats import jsonable

__all__ = ["MARKER", "Report", "Section", "check_out_dir", "format_value"]

MARKER = ".glassnet-report"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@known_keywords
def format_value(v: Any, digits: int = 4) -> str:
    """Format one table cell: floats to ``digits`` significant digits, the rest with ``str``.

    Parameters
    ----------
    v : object
    digits : int

    Returns
    -------
    str
    """
    # a float64 holds 17 significant digits; "Format specifier missing precision" below 1
    digits = check(digits, "digits", Interval(int, 1, 17))
    if v is None:
        return ""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return "n/a"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        if f.is_integer() and abs(f) < 1e9:
            return str(int(f))
        return f"{f:.{digits}g}"
    return str(v)


def _csv_cell(v: Any) -> str:
    """Exact, reproducible CSV text: shortest round-trip repr for floats."""
    if v is None:
        return ""
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(v))
    return str(v)


def _table_rows(data: Any, columns: Sequence[str] | None) -> tuple[list[str], list[list[Any]]]:
    """Normalise a table: list of dicts, dict of columns, list of rows, or a DataFrame."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # pandas DataFrame
        cols = [str(c) for c in data.columns]
        return cols, [list(r) for r in data.itertuples(index=False, name=None)]
    if isinstance(data, Mapping):
        cols = list(columns) if columns is not None else [str(k) for k in data]
        arrays = [list(np.asarray(data[c]).tolist()) for c in cols]
        lengths = {len(a) for a in arrays}
        if len(lengths) > 1:
            raise ValueError(f"table columns must have equal lengths, got {sorted(lengths)}")
        return cols, [list(r) for r in zip(*arrays, strict=True)]
    rows = list(data)
    if rows and isinstance(rows[0], Mapping):
        cols = list(columns) if columns is not None else [str(k) for k in rows[0]]
        return cols, [[r.get(c) for c in cols] for r in rows]
    if columns is None:
        raise ValueError("table rows given as sequences need columns=[...]")
    cols = list(columns)
    out = [list(r) for r in rows]
    for r in out:
        if len(r) != len(cols):
            raise ValueError(f"table row has {len(r)} cells, expected {len(cols)}: {r!r}")
    return cols, out


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{what} name must be letters, digits, '_', '-' or '.', starting with a letter or "
            f"digit, got {name!r}"
        )
    return name


@dataclass
class _Figure:
    name: str
    png: bytes
    svg: str
    caption: str | None
    embed: str


@known_keywords
@dataclass
class Section:
    """One section of a :class:`Report`; add content in order with its methods.

    Created by :meth:`Report.section`; do not build directly.
    """

    title: str
    anchor: str
    _report: Report = field(repr=False)
    _blocks: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    def text(self, *paragraphs: str) -> Section:
        """Add paragraphs of plain text (HTML-escaped; ``**bold**`` and ```code``` allowed)."""
        for p in paragraphs:
            self._blocks.append(("p", _inline(str(p))))
        return self

    @known_keywords
    def bullets(self, items: Iterable[str]) -> Section:
        """Add a bullet list of plain-text items (same markup as :meth:`text`)."""
        self._blocks.append(("ul", [_inline(str(i)) for i in items]))
        return self

    @known_keywords
    def heading(self, title: str) -> Section:
        """Add a sub-heading."""
        self._blocks.append(("h3", html.escape(str(title))))
        return self

    @known_keywords
    def code(self, text: str) -> Section:
        """Add a preformatted block (e.g. the command that reruns the report)."""
        self._blocks.append(("pre", html.escape(str(text))))
        return self

    @known_keywords
    def html(self, raw: str) -> Section:
        """Add raw HTML (trusted; must not reference external files)."""
        self._blocks.append(("raw", str(raw)))
        return self

    @known_keywords
    def table(
        self,
        data: Any,
        columns: Sequence[str] | None = None,
        caption: str | None = None,
        digits: int = 4,
    ) -> Section:
        """Add a table.

        Parameters
        ----------
        data : list of dict, dict of columns, list of rows (with ``columns``), or DataFrame
        columns : sequence of str, optional
            Column order (required for rows given as sequences).
        caption : str, optional
        digits : int
            Significant digits of float cells.
        """
        cols, rows = _table_rows(data, columns)
        cells = [[format_value(v, digits) for v in r] for r in rows]
        self._blocks.append(("table", (cols, cells, caption)))
        return self

    @known_keywords
    def figure(
        self,
        name: str,
        fig: Any,
        caption: str | None = None,
        embed: str = "png",
        dpi: int = 110,
    ) -> Section:
        """Add a matplotlib figure: embedded in the page, saved as PNG and SVG.

        The figure is rendered immediately (so it may be closed afterwards) with fixed metadata,
        so identical figures give identical files.

        Parameters
        ----------
        name : str
            File stem under ``figures/`` (unique within the report).
        fig : matplotlib.figure.Figure
        caption : str, optional
        embed : {"png", "svg"}
            How the page embeds it: base64 PNG ``<img>`` or inline ``<svg>``.
        dpi : int
            PNG resolution.
        """
        if embed not in ("png", "svg"):
            raise ValueError(f"embed must be 'png' or 'svg', got {embed!r}")
        _check_name(name, "figure")
        self._report._claim(f"figures/{name}")
        png, svg = render_figure(fig, dpi=dpi)
        self._blocks.append(("figure", _Figure(name, png, svg, caption, embed)))
        return self


def render_figure(fig: Any, dpi: int = 110) -> tuple[bytes, str]:
    """Render a matplotlib figure to reproducible PNG bytes and SVG text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int

    Returns
    -------
    (png, svg) : tuple of bytes and str
    """
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "glassnet", "svg.fonttype": "none"}):
        b = io.BytesIO()
        fig.savefig(b, format="png", dpi=dpi, metadata={"Software": None})
        s = io.StringIO()
        fig.savefig(s, format="svg", metadata={"Date": None, "Creator": None})
    return b.getvalue(), s.getvalue()


_SVG_META = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_NS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    t = html.escape(text)
    t = _BOLD.sub(r"<strong>\1</strong>", t)
    return _CODE.sub(r"<code>\1</code>", t)


def _slug(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s or "section"


@known_keywords
class Report:
    """A report: sections with text, tables and figures, plus data files.

    Parameters
    ----------
    title : str
        Page title.
    subtitle : str, optional
        A line under the title.
    meta : mapping, optional
        Key/value pairs shown in a table at the top (version, settings, command ...).
    """

    def __init__(
        self, title: str, subtitle: str | None = None, meta: Mapping[str, Any] | None = None
    ) -> None:
        if meta is not None and not isinstance(meta, Mapping):  # "'int' object is not iterable"
            raise TypeError(f"meta: expected a mapping of names to values, got {describe(meta)}")
        self.title = str(title)
        self.subtitle = subtitle
        self.meta: dict[str, Any] = dict(meta or {})
        self.sections: list[Section] = []
        self.data: dict[str, bytes] = {}
        self._names: set[str] = set()

    def _claim(self, key: str) -> None:
        if key in self._names:
            raise ValueError(f"{key!r} is already in the report; names must be unique")
        self._names.add(key)

    @known_keywords
    def section(self, title: str, anchor: str | None = None) -> Section:
        """Start a new section and return it.

        Parameters
        ----------
        title : str
        anchor : str, optional
            HTML id (default: made from the title).

        Returns
        -------
        Section
        """
        anchor = anchor or _slug(title)
        self._claim(f"#{anchor}")
        sec = Section(str(title), anchor, self)
        self.sections.append(sec)
        return sec

    @known_keywords
    def add_data(self, name: str, obj: Any, columns: Sequence[str] | None = None) -> str:
        """Add a data file under ``data/``.

        A table (list of dicts, dict of equal-length columns, DataFrame, or rows with
        ``columns``) becomes ``NAME.csv`` unless ``name`` ends in ``.json``; anything else
        (a dict of numbers, nested) becomes ``NAME.json``. Floats are written exactly
        (shortest round-trip), so the same numbers always give the same bytes.

        Parameters
        ----------
        name : str
            File name, with or without ``.csv``/``.json``.
        obj : table or JSON-able object
        columns : sequence of str, optional

        Returns
        -------
        str
            The relative path, e.g. ``"data/curves.csv"``.
        """
        _check_name(name, "data")
        stem, ext = os.path.splitext(name)
        if ext not in ("", ".csv", ".json"):
            raise ValueError(f"data name must end in .csv, .json or nothing, got {name!r}")
        if ext == "":
            is_table = not isinstance(obj, Mapping) or all(
                isinstance(v, list | tuple | np.ndarray) for v in obj.values()
            )
            ext = ".csv" if is_table else ".json"
        fname = stem + ext
        self._claim(f"data/{fname}")
        if ext == ".csv":
            cols, rows = _table_rows(obj, columns)
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(cols)
            for r in rows:
                w.writerow([_csv_cell(v) for v in r])
            content = buf.getvalue().encode()
        else:
            content = (
                json.dumps(jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
            ).encode()
        self.data[fname] = content
        return f"data/{fname}"

    # ------------------------------------------------------------------ rendering
    def to_html(self) -> str:
        """The whole page as one self-contained HTML string."""
        out = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(self.title)}</title>",
            f"<style>{_CSS}</style></head><body><main>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        if self.subtitle:
            out.append(f'<p class="subtitle">{_inline(self.subtitle)}</p>')
        if self.meta:
            out.append('<table class="meta">')
            for k, v in self.meta.items():
                out.append(
                    f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(format_value(v))}</td></tr>"
                )
            out.append("</table>")
        if len(self.sections) > 1:
            # an unnumbered list: section titles carry their own numbers ("1. The paper")
            out.append('<nav><h2>Contents</h2><ul class="toc">')
            for s in self.sections:
                out.append(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>')
            out.append("</ul></nav>")
        n_fig = 0
        for s in self.sections:
            out.append(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>')
            for kind, v in s._blocks:
                if kind == "p":
                    out.append(f"<p>{v}</p>")
                elif kind == "ul":
                    out.append("<ul>" + "".join(f"<li>{i}</li>" for i in v) + "</ul>")
                elif kind == "h3":
                    out.append(f"<h3>{v}</h3>")
                elif kind == "pre":
                    out.append(f"<pre>{v}</pre>")
                elif kind == "raw":
                    out.append(v)
                elif kind == "table":
                    cols, cells, caption = v
                    out.append('<div class="scroll"><table>')
                    if caption:
                        out.append(f"<caption>{_inline(caption)}</caption>")
                    out.append(
                        "<thead><tr>"
                        + "".join(f"<th>{html.escape(c)}</th>" for c in cols)
                        + "</tr></thead><tbody>"
                    )
                    for r in cells:
                        out.append(
                            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                        )
                    out.append("</tbody></table></div>")
                elif kind == "figure":
                    n_fig += 1
                    out.append(_figure_html(v, n_fig))
            out.append("</section>")
        if self.data:
            out.append('<section id="data-files"><h2>Data files</h2><ul>')
            for fname in sorted(self.data):
                out.append(f'<li><a href="data/{fname}"><code>data/{fname}</code></a></li>')
            out.append("</ul></section>")
        out.append("</main></body></html>")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ writing
    @known_keywords
    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write the report directory atomically and return its path.

        Everything is written into a temporary sibling directory first, which is renamed to
        ``out_dir`` only when complete. An existing glassnet report (or empty directory) at
        ``out_dir`` is replaced, files the earlier report wrote and this one does not included;
        anything else there is an error, a file added to a report's directory too (it would
        be lost).

        Parameters
        ----------
        out_dir : path

        Returns
        -------
        Path

        Raises
        ------
        ValueError
            If ``out_dir`` is a file, a non-empty directory that is not a glassnet report, or a
        report holding files it did not write.
        PermissionError
            If the parent directory is not writable.
        """
        out = check_out_dir(out_dir)
        parent = out.parent
        parent.mkdir(parents=True, exist_ok=True)
        # filled beside the target, then renamed into place; made with the mode os.mkdir
        # gives under the umask, as are the files in it
        tmp = new_directory(out)
        try:
            (tmp / "figures").mkdir()
            (tmp / "data").mkdir()
            for s in self.sections:
                for kind, v in s._blocks:
                    if kind == "figure":
                        (tmp / "figures" / f"{v.name}.png").write_bytes(v.png)
                        (tmp / "figures" / f"{v.name}.svg").write_text(v.svg, encoding="utf-8")
            for fname, content in self.data.items():
                (tmp / "data" / fname).write_bytes(content)
            (tmp / "report.html").write_text(self.to_html(), encoding="utf-8")
            # the marker lists what this report wrote: a later report replaces those, and
            # refuses to replace a file someone added beside them
            written = "".join(f"{name}\n" for name in _files_in(tmp))
            (tmp / MARKER).write_text(f"glassnet report\n{written}", encoding="utf-8")
            _replace_dir(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out


def _replace_dir(new: Path, out: Path) -> None:
    if out.exists():
        old = new_directory(out)
        os.rmdir(old)
        os.rename(out, old)
        try:
            os.rename(new, out)
        except BaseException:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, out)


@known_keywords
def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Check that a report can be written to ``out_dir`` (call it before a long computation).

    Parameters
    ----------
    out_dir : path

    Returns
    -------
    Path
        The absolute path.

    Raises
    ------
    ValueError
        ``out_dir`` is a file, a non-empty directory that is not a glassnet report, or a
        report holding files it did not write (someone's notes beside it: replacing the
        report would lose them).
    PermissionError
        No file can be created in ``out_dir`` or its nearest existing parent (tried, not
        read from the permission bits: a read-only mount or ``/proc`` says yes to those).
    """
    if not isinstance(out_dir, str | os.PathLike) or str(out_dir) == "":
        raise ValueError(f"out: expected a directory path, got {out_dir!r}")
    out = Path(out_dir).expanduser().absolute()
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise ValueError(f"out: expected a directory, got {out}, which is a file")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise ValueError(
                f"out: {out} is a non-empty directory that is not a glassnet report; "
                "refusing to replace it (choose another --out)"
            )
        added = _added(out) if (out / MARKER).exists() else []
        if added:
            shown = ", ".join(added[:3]) + (f" and {len(added) - 3} more" if len(added) > 3 else "")
            raise ValueError(
                f"out: {out} is a glassnet report holding files the report did not write "
                f"({shown}); refusing to replace it and lose them (move them out, or choose "
                "another --out)"
            )
    probe = out.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise ValueError(f"out: cannot create {out}, {probe} is a file")
    why = unwritable(out if out.is_dir() else probe)
    if why is not None:
        raise PermissionError(f"out: cannot write {out}: {why}")
    return out


def _files_in(root: Path) -> list[str]:
    # every file (or link) under root, as relative POSIX paths, the marker left out
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if (p.is_symlink() or not p.is_dir()) and p.name != MARKER
    )


def _added(out: Path) -> list[str]:
    """The files in the report directory ``out`` that its report did not write.

    Its marker lists what the report wrote; a marker without a list (a report from before
    the list) vouches for the layout a report has: ``report.html``, ``figures/*``, ``data/*``.
    """
    try:
        listed = set((out / MARKER).read_text(encoding="utf-8").splitlines()[1:])
    except (OSError, UnicodeDecodeError):
        listed = set()

    def written(name: str) -> bool:
        if listed:
            return name in listed
        parts = name.split("/")
        return name == "report.html" or (len(parts) == 2 and parts[0] in ("figures", "data"))

    return [name for name in _files_in(out) if not written(name)]


def _figure_html(f: _Figure, number: int) -> str:
    if f.embed == "svg":
        svg = f.svg
        i = svg.find("<svg")
        body = svg[i:] if i >= 0 else svg
        # inline SVG in HTML5 needs no namespaces or RDF metadata (which carry URLs)
        body = _SVG_META.sub("", body)
        body = _SVG_NS.sub("", body)
    else:
        b64 = base64.b64encode(f.png).decode("ascii")
        alt = html.escape(f.caption or f.name)
        body = f'<img alt="{alt}" src="data:image/png;base64,{b64}">'
    cap = f"<figcaption>Figure {number}. {_inline(f.caption)}</figcaption>" if f.caption else ""
    return f'<figure id="fig-{f.name}">{body}{cap}</figure>'


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;line-height:1.5;color:#222;
background:#fafafa;margin:0}
main{max-width:1000px;margin:0 auto;padding:1.5em 2em;background:#fff}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
.subtitle{color:#555;margin-top:0}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
table.meta th{width:12em}
figure{margin:1.2em 0;text-align:center}figure img,figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#444;text-align:left;margin-top:.3em}
pre{background:#f5f5f5;padding:.7em;white-space:pre-wrap;overflow-wrap:anywhere}
code{background:#f5f5f5;padding:0 .2em;overflow-wrap:anywhere}
.toc{columns:2;list-style:none;padding-left:0}.toc li{margin:.15em 0}
.scroll{overflow-x:auto;max-width:100%}.scroll table{margin:0}.scroll{margin:1em 0}
table.meta td{overflow-wrap:anywhere}
@media (max-width:600px){main{padding:1em .8em}.toc{columns:1}table.meta th{width:auto}
table{font-size:.85em}th,td{padding:.2em .35em}h1{font-size:1.5em}}
"""
