"""Numeric tables from CSV files."""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import re
import stat
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import DTypeLike

from glassnet._validation import (
    UNDERFLOW,
    Boolean,
    Constraint,
    Interval,
    check,
    describe,
    known_keywords,
    underflows,
    validate,
)
from glassnet.datasets._base import Dataset, FloatArray, _float_dtype
from glassnet.datasets.encoding import _fmt_label, encode_labels

_CONSTRAINTS: dict[str, list[Constraint]] = {
    "return_info": [Boolean()],
}
#: The largest CSV file read (256 MiB).
MAX_CSV_BYTES = 256 * 2**20
# CSV tokens read as a missing value
_MISSING = frozenset(
    {"", "na", "nan", "n/a", "null", "none", "?", "-nan"}
    # pandas.read_csv's other default na_values, and the error values a spreadsheet writes
    | {"#n/a", "#n/a n/a", "#na", "<na>", "-1.#ind", "-1.#qnan", "1.#ind", "1.#qnan", "+nan"}
    | {"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!"}
    | {".", "n.a."}  # SAS's missing value; by hand (not "-": "+" and "-" are labels)
)
# auto-detection: an integer-valued target with at most this many distinct values is a class label
AUTO_MAX_CLASSES = 10
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
_INTEGER = re.compile(r"[-+]?\d+")
#: The column names taken as the target when none is given (in any case).
TARGET_NAMES = ("label", "target", "y", "class")
#: The field separators ``delimiter="auto"`` chooses from.
DELIMITERS = (",", ";", "\t", "|")


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def parse_number(token: str) -> float | None:
    """``token`` as a number, or ``None`` when it is not one.

    What Python's ``float`` reads, except its own literal syntax that is no CSV number:
    digit-group underscores (``1_000``) and digits of other scripts (``١٢``); a spreadsheet or
    pandas reads those as text, so they are refused here rather than read as 1000 or 12.
    """
    if "_" in token or not token.isascii():
        return None
    try:
        return float(token)
    except ValueError:
        return None


#: How much of a file :func:`sniff_delimiter` and :func:`is_data_row` see: its first lines.
SNIFF_LINES = 50
SNIFF_CHARS = 2**20


def _outside_quotes(line: str) -> dict[str, int]:
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in line[:SNIFF_CHARS]:  # bounded: a first line of 200 MB is not walked in Python
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return counts


def _splits_evenly(line: str, below: Sequence[str], delimiter: str) -> bool:
    try:
        rows = csv.reader([line, *below], delimiter=delimiter, skipinitialspace=True)
        widths = {len(r) for r in rows if r}
    except csv.Error:
        return False
    return len(widths) == 1


@known_keywords
def sniff_delimiter(line: str, below: Sequence[str] = ()) -> str:
    """The field separator of a CSV file, from its first non-blank ``line`` and the lines
    ``below`` it (a few suffice; blank ones are skipped).

    Of :data:`DELIMITERS` (comma, semicolon, tab, bar) found outside double quotes in
    ``line``, those that split it and every line below into the same number of fields; of
    these, the one found most often in ``line``. When none splits the lines evenly, the one
    found most often (a line that then has too many or too few fields is refused where it
    is); the comma when none is there (a file of one column).

    Raises
    ------
    ValueError
        Two separators are found equally often and both split every line evenly: ``0,5;yes``
        is a decimal comma between ``;`` fields or ``,`` between ``0`` and ``5;yes``. Which
        one is meant cannot be told; the message names both (pass ``delimiter=``).
    """
    counts = _outside_quotes(line)
    rest = [b for b in below[:SNIFF_LINES] if b.strip()]
    found = [d for d in DELIMITERS if counts[d]]
    even = [d for d in found if _splits_evenly(line[:SNIFF_CHARS], rest, d)]
    pool = even or found
    if not pool:
        return ","
    top = max(counts[d] for d in pool)
    best = [d for d in pool if counts[d] == top]
    if len(best) > 1:
        names = " and ".join(repr(d) for d in best)
        how = "split as evenly at either" if even else "split evenly at neither"
        raise ValueError(
            f"the separator could be {names}: the first line holds {top} of each, and the "
            f"lines below {how}; pass delimiter={best[0]!r} or "
            f"delimiter={best[1]!r}, or make the file's first line sep={best[0]} or "
            f"sep={best[1]} (as Excel writes)"
        )
    return best[0]


@known_keywords
def is_data_row(fields: Sequence[str], below: Sequence[Sequence[str]] = ()) -> bool:
    """Whether a file's first row is data rather than a header (``header="auto"``).

    ``fields`` is the first row; ``below``, the rows after it. The first row is a header when
    one of its fields is a word (not a number, nor a missing-value mark such as ``NA``) that
    is a column's name: a word above a column of numbers, or a word its column never holds
    again (``label`` above ``yes``/``no``). It is data when it has a number and none of its
    words is a name: a headerless table of numbers, or one whose class labels are words
    (``5.1,3.5,1.4,0.2,Iris-setosa``), keeps its first sample. Without ``below``, every word
    is a name.

    Raises
    ------
    ValueError
        The first row has numbers, and its words stand above columns of words without being
        in them (``1,2,maybe`` over ``yes``/``no``): a sample whose class is seen once, or a
        header whose names are numbers; or a word stands above numbers in a row that holds a
        fraction (``5.1,oops,0``: a stray word in a sample, as ``5.1`` is hardly a column's
        name). Unless a word is a target's name (:data:`TARGET_NAMES`: ``2020,2021,label`` is
        a header), which one it is cannot be told.
    """
    rows = [[f.strip() for f in row] for row in below]
    number = False
    fraction = ""  # a number such as 5.1 or 1e-3: a sample's, hardly a column's name
    above: list[str] = []  # words above a column of numbers
    unseen: list[str] = []  # words above a column of words that never holds them again
    for j, f in enumerate(fields):
        f = f.strip()
        if f.lower() in _MISSING:
            continue
        if parse_number(f) is not None:
            number = True
            if not fraction and not _INTEGER.fullmatch(f):
                fraction = f
            continue
        column = [r[j] for r in rows if j < len(r) and r[j].lower() not in _MISSING]
        if all(parse_number(v) is not None for v in column):
            above.append(f)  # a word above numbers (or above nothing): a name
        elif f not in column:
            unseen.append(f)
    if not number:
        return False
    if not above and not unseen:
        return True
    if any(w.lower() in TARGET_NAMES for w in above + unseen):
        return False  # 2020,2021,label: numbers as names, and a target's name
    if above and not fraction:
        return False  # x,2,3: a name, and numbers as names
    # 1,2,maybe over yes/no: a sample whose class is seen once, or a header whose names are
    # numbers? 5.1,N.A.,0 over numbers: a sample with a stray word, or names? Nothing in the
    # file tells; a guess loses a sample or reads names as one
    if above:
        why = (
            f"{above[0]!r} stands above a column of numbers as a name does, but {fraction!r} "
            "is a sample's value rather than a column's name"
        )
    else:
        why = (
            f"its numbers could be either, and {', '.join(map(repr, unseen))} never appears "
            "again in its column of words"
        )
    raise ValueError(
        f"the first row {', '.join(f.strip() for f in fields)} may be column names or a "
        f"sample: {why}; say which: load_csv's header=True or header=False, or in the file "
        "a line of column names above it if it is a sample, a name that is no number if it "
        "is a header"
    )


@known_keywords
def default_target(columns: Sequence[str]) -> int | None:
    """The target column of a table when none is given: the index of the column named one of
    :data:`TARGET_NAMES` (``label``, ``target``, ``y``, ``class``, in any case), or ``None``
    when no column is (the caller's default then applies: the last column).

    A ``label`` column that is not the last must not become a feature: a network would learn
    it, and score perfectly, without a word.

    Raises
    ------
    ValueError
        Several columns have such a name: which one is the target is the user's to say.
    """
    hits = [i for i, c in enumerate(columns) if c.strip().lower() in TARGET_NAMES]
    if len(hits) > 1:
        names = ", ".join(repr(columns[i]) for i in hits)
        raise ValueError(
            f"target: the columns {names} could each be the target; name the one to predict"
        )
    return hits[0] if hits else None


_SEP_LINE = re.compile(r"sep=(.)")


@known_keywords
def read_rows(
    text: str | io.TextIOBase, delimiter: str = "auto", source: str = "the file"
) -> tuple[list[tuple[int, list[str]]], str]:
    """The rows of a CSV file's ``text`` (a string, or a seekable text file opened with
    ``newline=""``, read from its start) as :func:`load_csv`, ``glassnet train --csv`` and the
    playground's upload read them: ``(rows, delimiter)``, each row a ``(line, fields)`` pair
    (the line it begins on, its fields stripped of spaces), blank rows left out.

    A byte-order mark is dropped. A first line ``sep=;`` (which Excel writes, and reads as
    the separator) gives the separator and is no row. ``delimiter="auto"``: see
    :func:`sniff_delimiter`, from the first lines. A last column that is empty in every row,
    its name too, is dropped: the separator a spreadsheet writes at the end of each line (or
    of the first line alone, or of every line but the first).

    Raises
    ------
    ValueError
        Naming ``source`` and the line: a first line beginning with ``#`` (a comment, which
        is read as no other line is), a separator that cannot be told (:func:`sniff_delimiter`),
        a ``sep=`` line that contradicts ``delimiter``, a quote never closed, a quoted field
        over several lines.
    """
    fh = io.StringIO(text.removeprefix("\ufeff"), newline="") if isinstance(text, str) else text
    head: list[tuple[int, str]] = []  # the first non-blank lines, bounded
    size = 0
    for n, line in enumerate(fh, 1):
        if n == 1:
            line = line.removeprefix("\ufeff")
        if line.strip():
            head.append((n, line))
            size += len(line)
            if len(head) > SNIFF_LINES or size > SNIFF_CHARS:
                break
    if not head:
        return [], "," if delimiter == "auto" else delimiter
    first_line, first = head[0]
    bare = first.rstrip("\r\n")
    sep = _SEP_LINE.fullmatch(bare)
    if sep:
        if delimiter not in ("auto", sep.group(1)):
            raise ValueError(
                f"{source}, line {first_line}: the file names its separator {sep.group(1)!r} "
                f"({bare!r}), but delimiter={delimiter!r} was given"
            )
        delimiter = sep.group(1)
    elif first.lstrip().startswith("#"):
        raise ValueError(
            f"{source}, line {first_line}: expected column names or a first row, got a line "
            f"beginning with '#' ({first.strip()[:60]!r}): a comment? Comment lines are not "
            "read (a '#' line further down would be data): delete them; a header "
            "numpy.savetxt wrote: pass it comments=''"
        )
    elif delimiter == "auto":
        below = [line for _, line in head[1:]]
        try:
            delimiter = sniff_delimiter(first, below)
            title = not any(_outside_quotes(first).values()) and first.count('"') % 2 == 0
            if below and title:  # (an unclosed quote is said where it opens, below)
                under = sniff_delimiter(below[0], below[1:])
                if any(_outside_quotes(below[0]).values()):  # a one-field line over a table
                    raise ValueError(
                        f"expected column names or a first row, got {first.strip()[:60]!r}, "
                        f"one field over lines split at {under!r}: a title line? Delete it"
                    )
        except ValueError as exc:
            raise ValueError(f"{source}, line {first_line}: {exc}") from None
    rows: list[tuple[int, list[str]]] = []
    last = 0  # the line the previous row ended on: a row that fails began just after it
    # strict: an unclosed quote is an error, not a field swallowing the rest of the file;
    # skipinitialspace: in 1, "a, b" the quotes after ", " quote a field, as a person means
    fh.seek(0)
    lines = csv.reader(fh, delimiter=delimiter, strict=True, skipinitialspace=True)
    try:
        for fields in lines:
            if any("\n" in f or "\r" in f for f in fields):
                raise ValueError(
                    f"{source}, line {last + 1}: a quoted field runs over several lines "
                    f"(to line {lines.line_num}); is a closing quote missing?"
                )
            last = lines.line_num
            if not fields or all(not f.strip() for f in fields) or (sep and last == first_line):
                continue
            rows.append((lines.line_num, [f.strip() for f in fields]))
    except csv.Error as exc:
        why = "a quote opened there is never closed" if "end of data" in str(exc) else str(exc)
        raise ValueError(f"{source}, line {last + 1}: not a readable CSV row ({why})") from None
    while rows and all(len(f) > 1 and not f[-1] for _, f in rows):
        rows = [(n, f[:-1]) for n, f in rows]  # a;b;label; over 1;2;0;
    if len(rows) > 1:  # the trailing separator on the first line alone, or on all but it
        width = len(rows[0][1])
        if rows[0][1][-1:] == [""] and all(len(f) == width - 1 for _, f in rows[1:]):
            rows[0] = (rows[0][0], rows[0][1][:-1])
        elif all(len(f) == width + 1 and not f[-1] for _, f in rows[1:]):
            rows[1:] = [(n, f[:-1]) for n, f in rows[1:]]
    return rows, delimiter


class IndexColumnWarning(UserWarning):
    """A feature column of a CSV file looks like a table's row numbers, not data.

    pandas' ``DataFrame.to_csv`` writes the index as a first column with no name (``""``;
    ``"Unnamed: 0"`` once read and written again; with ``header=False``, a first column
    among others without names) unless given ``index=False``. Read as a
    feature, the row number is something a network can fit and a split leaks; the column is
    still read (it could be data), with this warning naming it.
    """


def _warn_of_row_numbers(X: np.ndarray, f_idx: list[int], names: list[str], path: str) -> None:
    n = X.shape[0]
    if n < 3:  # two rows numbered 0, 1 are as often a binary feature
        return
    for c, i in enumerate(f_idx):
        name = names[i] if i < len(names) else ""
        if name and not name.startswith("Unnamed:"):
            continue
        for first in (0, 1):
            if np.array_equal(X[:, c], np.arange(first, first + n)):
                warnings.warn(
                    f"{path!r}: column {i} ({name or 'no name'}) holds the row numbers "
                    f"{first}..{first + n - 1}: the index pandas writes (DataFrame.to_csv "
                    "without index=False)? It is read as a feature; drop it from the file",
                    IndexColumnWarning,
                    stacklevel=4,
                )
                break


def _one_spelling(labels: list[Any], lines: list[int], path: str, column: str) -> None:
    """Refuse class labels that differ only in case (``Yes`` and ``yes``): one class or two?"""
    seen: dict[str, tuple[str, int]] = {}
    for label, line in zip(labels, lines, strict=True):
        first = seen.setdefault(label.casefold(), (label, line))
        if first[0] != label:
            raise ValueError(
                f"{path!r}, column {column!r}: the class labels {first[0]!r} (line {first[1]}) "
                f"and {label!r} (line {line}) differ only in case: one class or two? Spell each "
                "class one way in the file, or pass task='classification' if they are two"
            )


_DRESSED = re.compile(r"[-+\u2212]?[$€£¥]?[-+\u2212]?[\d.,' \xa0\u202f]*\d[\d.,' \xa0\u202f]*%?")


def _not_numbers_in_disguise(
    tokens: list[list[str]], parsed: list[list[float | None]], lines: list[int], path: str,
    columns: list[str],
) -> None:  # fmt: skip
    """Refuse a target of numbers written as text (``10,5``, ``1,000``, ``$12``, ``5%``) for
    ``task="auto"``: read as class labels, each value would be a class of its own."""
    for toks, vals, column in zip(tokens, parsed, columns, strict=True):
        odd = [(t, n) for t, v, n in zip(toks, vals, lines, strict=True) if v is None]
        if all(_DRESSED.fullmatch(t) for t, _ in odd):
            token, line = odd[0]
            raise ValueError(
                f"{path!r}, line {line}, column {column!r}: expected a number or a class label, "
                f"got {token!r}, a number written as text (a decimal comma, a thousands "
                "separator, a currency or percent sign?): read as labels, each value would be "
                "a class. Write the column as plain numbers (pandas.read_csv's decimal= and "
                "thousands= read them), or pass task='classification' if they are labels"
            )


def _why_not_a_number(token: str, header: Any, row: int, delimiter: str = ";") -> str:
    if _DECIMAL_COMMA.fullmatch(token):
        # a spreadsheet in many locales writes 1,5 with ; between fields; 1,000 is a thousand
        # elsewhere: which one is meant cannot be known, so nothing is guessed
        return (
            "a decimal comma? numbers are read with a decimal point: convert the file, e.g. "
            f"pandas.read_csv(path, sep={delimiter!r}, decimal=',').to_csv(new_path, "
            "index=False)"
        )
    if _DRESSED.fullmatch(token):  # 1 000, 1.000,5, $12, 5%
        return (
            "a number written as text: a thousands separator, a currency or percent sign? "
            "write the column as plain numbers (pandas.read_csv's decimal= and thousands= "
            "read them)"
        )
    if token.lower() in ("true", "false"):  # pandas writes a bool column so
        return "a boolean: write the column as 1 and 0, e.g. df[column].astype(int)"
    why = "non-numeric features are not supported; encode or drop the column"
    if header != "auto" and not header and row == 0:
        why += "; or is this line a header? header=False was given"
    return why


def _split_at(delimiter: str, detected: bool) -> str:
    return f"{delimiter!r}, detected from the first line" if detected else repr(delimiter)


def _resolve_column(target: Any, header: list[str], path: str) -> int:
    ncol = len(header)
    if isinstance(target, bool):
        raise TypeError(f"target: expected a column name or index, got {target!r}")
    if isinstance(target, numbers.Integral):
        t = int(target)
        if not -ncol <= t < ncol:
            raise ValueError(
                f"target: column index {t} is out of range for {path!r}, which has {ncol} "
                f"columns (valid: {-ncol} to {ncol - 1})"
            )
        return t % ncol
    if isinstance(target, str):
        hits = [i for i, h in enumerate(header) if h == target]
        if not hits:
            raise ValueError(
                f"target: no column named {target!r} in {path!r}; its columns are: "
                f"{', '.join(header)}"
            )
        if len(hits) > 1:
            raise ValueError(
                f"target: column name {target!r} appears {len(hits)} times in {path!r} "
                f"(columns {hits}); pick it by index"
            )
        return hits[0]
    raise TypeError(f"target: expected a column name (str) or index (int), got {target!r}")


def _feature_names(features: Any, n: int | None) -> list[str]:
    """``features`` checked: a sequence of ``n`` (any number when None) different names."""
    wanted = [] if isinstance(features, str | bytes) else list(features)
    if isinstance(features, str | bytes) or not all(isinstance(f, str) for f in wanted):
        raise TypeError(f"features: expected a sequence of column names, got {features!r}")
    count = len(wanted) if n is None else n
    if not wanted or len(wanted) != count or len(set(wanted)) != count:
        what = "different names" if n is None else f"{count} different names (n_features)"
        raise ValueError(f"features: expected {what}, got {wanted!r}")
    return wanted


def _named_columns(wanted: list[str], cols: list[str], p: str) -> list[int]:
    """The indices of the columns named ``wanted``, in that order, in a file's header."""
    missing = [f for f in wanted if f not in cols]
    if missing:
        raise ValueError(
            f"{p!r}: no column named {', '.join(map(repr, missing))}; the model's inputs are "
            f"{', '.join(wanted)}, the file's columns {', '.join(cols)} (name them as the "
            "model's, or leave out the header line to take the columns by position)"
        )
    twice = [f for f in wanted if cols.count(f) > 1]
    if twice:
        raise ValueError(
            f"{p!r}: the header names {', '.join(map(repr, twice))} more than once: which "
            "column is the model's input is not said"
        )
    return [cols.index(f) for f in wanted]


def _path(path: Any) -> str:
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a file path (str or os.PathLike), got {describe(path)}")
    return os.fspath(path)


def _check_format(header: Any, delimiter: Any) -> bool:
    """Check ``header`` and ``delimiter``; whether the separator is to be detected."""
    if not (header == "auto" if isinstance(header, str) else Boolean().fits(header)):
        raise (ValueError if isinstance(header, str) else TypeError)(
            f"header: expected True, False or 'auto', got {describe(header)}"
        )
    detected = delimiter == "auto"
    if not detected and (
        not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
    ):
        raise ValueError(
            f"delimiter: expected 'auto' or a single character other than a quote or a line "
            f"break, got {describe(delimiter)}"
        )
    return detected


def _target_columns(
    target: Any, cols: list[str], named: bool, p: str
) -> tuple[list[Any], list[int]]:
    """The target columns as given (``None``: the default's) and their indices."""
    if target is None:
        target = default_target(cols if named else [])  # no header: no names, the last
        if target is None:
            target = -1
    targets = list(target) if isinstance(target, (list, tuple)) else [target]
    if not targets:
        raise ValueError("target: expected at least one column, got an empty sequence")
    t_idx = [_resolve_column(t, cols, p) for t in targets]
    if len(set(t_idx)) != len(t_idx):
        raise ValueError(f"target: the same column is named twice in {targets!r}")
    return targets, t_idx


def _read_table(
    p: str, delimiter: str, header: Any, detected: bool, min_rows: int = 2
) -> tuple[list[str], list[tuple[int, list[str]]], list[str], str]:
    """The checked table of the CSV file ``p`` (arguments already validated): its column
    names, its data rows as ``(line, fields)``, the header line's fields as written (``[]``:
    no header) and the separator. Refused: a missing, special or too large file, one not
    UTF-8, fewer than ``min_rows`` data rows, a row of another width than the first."""
    if not os.path.exists(p):
        raise FileNotFoundError(f"path: no such file {p!r}")
    if os.path.isdir(p):
        raise ValueError(f"path: expected a CSV file, got the directory {p!r}")
    info = os.stat(p)
    if not stat.S_ISREG(info.st_mode):  # a pipe or device could be read forever
        raise ValueError(f"path: expected a regular CSV file, got {p!r} (a device, pipe or socket)")
    if info.st_size > MAX_CSV_BYTES:
        raise ValueError(
            f"path: {p!r} holds {info.st_size / 2**20:.0f} MiB; at most "
            f"{MAX_CSV_BYTES // 2**20} MiB of CSV are read (glassnet.datasets.csv.MAX_CSV_BYTES: "
            "parsed as Python text, a table takes about ten times its file size)"
        )

    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            rows, delimiter = read_rows(fh, delimiter, repr(p))
    except UnicodeDecodeError as exc:
        hint = ""
        if exc.object[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" export
            hint = "; it is UTF-16: save it as 'CSV UTF-8', or re-encode it"
        raise ValueError(f"{p!r}: not a UTF-8 text file ({exc.reason}){hint}") from None
    if not rows:
        raise ValueError(f"{p!r}: the file is empty; expected a header and data rows")
    if header == "auto":
        try:
            named = not is_data_row(rows[0][1], [f for _, f in rows[1:]])
        except ValueError as exc:
            raise ValueError(f"{p!r}, line {rows[0][0]}: {exc}") from None
    else:
        named = header
    if named:
        cols = [h or f"col{i}" for i, h in enumerate(rows[0][1])]
        data = rows[1:]
    else:
        cols = [f"col{i}" for i in range(len(rows[0][1]))]
        data = rows
    ncol = len(cols)
    if not data:
        raise ValueError(f"{p!r}: no data rows (only a header line was found)")
    if len(data) == 1 and min_rows > 1:
        raise ValueError(f"{p!r}: only one data row (line {data[0][0]}); at least 2 are needed")
    for line, fields in data:
        if len(fields) != ncol:
            hint = ""
            if named and len(fields) == ncol + 1 and all(len(f) == ncol + 1 for _, f in data):
                hint = (
                    f"; every row has one field more than the header line (line {rows[0][0]}): "
                    "row names without a column name (R's write.table)? Add a name for them to "
                    "the header line"
                )
            joined = delimiter.join(fields)
            for other in DELIMITERS:
                if other != delimiter and len(joined.split(other)) == ncol:
                    hint = (
                        f"; it has {ncol} fields split at {other!r}: do the first line and this "
                        "one use different separators?"
                    )
                    break
            raise ValueError(
                f"{p!r}, line {line}: expected {ncol} fields (one per column), got {len(fields)} "
                f"(fields split at {_split_at(delimiter, detected)}){hint}"
            )
    return cols, data, rows[0][1] if named else [], delimiter


def _features(
    data: list[tuple[int, list[str]]],
    f_idx: list[int],
    cols: list[str],
    p: str,
    header: Any,
    delimiter: str,
    heading: list[str],
) -> np.ndarray:
    """The feature columns ``f_idx`` of the rows ``data`` as float64 numbers, each checked
    (a number, finite, not underflowing), naming the line and column of one that is not."""
    X = np.empty((len(data), len(f_idx)), dtype=np.float64)
    for r, (line, fields) in enumerate(data):
        for c, i in enumerate(f_idx):
            v = parse_number(fields[i])
            if v is None:
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: expected a number, got "
                    f"{fields[i]!r} ({_why_not_a_number(fields[i], header, r, delimiter)})"
                )
            if not math.isfinite(v):
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: expected a finite number, got "
                    f"{fields[i]!r}"
                )
            if underflows(fields[i], v):  # 1e-400 was read as 0, silently
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: {UNDERFLOW.format(fields[i])}"
                )
            X[r, c] = v
    # pandas' to_csv(header=False) keeps the index: a headerless file's columns have no names
    _warn_of_row_numbers(X, f_idx, heading, p)
    return X


@overload
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] | None = ...,
    *,
    task: Literal["auto", "classification", "regression"] = ...,
    delimiter: str = ...,
    header: bool | Literal["auto"] = ...,
    features: Sequence[str] | None = ...,
    dtype: DTypeLike = ...,
    return_info: Literal[False] = ...,
) -> tuple[FloatArray, FloatArray]: ...
@overload
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] | None = ...,
    *,
    task: Literal["auto", "classification", "regression"] = ...,
    delimiter: str = ...,
    header: bool | Literal["auto"] = ...,
    features: Sequence[str] | None = ...,
    dtype: DTypeLike = ...,
    return_info: Literal[True],
) -> Dataset: ...
@overload
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] | None = ...,
    *,
    task: Literal["auto", "classification", "regression"] = ...,
    delimiter: str = ...,
    header: bool | Literal["auto"] = ...,
    features: Sequence[str] | None = ...,
    dtype: DTypeLike = ...,
    return_info: bool,
) -> tuple[FloatArray, FloatArray] | Dataset: ...
@known_keywords
def load_csv(
    path: str | os.PathLike[str],
    target: str | int | Sequence[str | int] | None = None,
    *,
    task: Literal["auto", "classification", "regression"] = "auto",
    delimiter: str = "auto",
    header: bool | Literal["auto"] = "auto",
    features: Sequence[str] | None = None,
    dtype: DTypeLike = "float64",
    return_info: bool = False,
) -> tuple[FloatArray, FloatArray] | Dataset:
    """Load a numeric table from a CSV file, one row per sample.

    Features are returned as they are in the file (not standardized: standardize after
    splitting, with :class:`Standardizer` fitted on the training part, or use
    :func:`standardized_split`).

    Parameters
    ----------
    path : str or path
        The CSV file. Blank lines are skipped.
    target : str, int or sequence of them
        The target column, by header name or by index (negative counts from the end). Default
        (``None``): the column named ``label``, ``target``, ``y`` or ``class`` in any case
        (:data:`TARGET_NAMES`, :func:`default_target`), else the last column. Several columns
        (regression only) give y of shape (N, m).
    task : {"auto", "classification", "regression"}
        ``classification``: each distinct target value is a class (sorted numerically, or as
        text when a label is not a number); two classes give y (N, 1) of 0/1 (1 = the second
        class), more give a one-hot y (N, k). ``regression``: the target must be numeric,
        y (N, m). ``auto``: classification when some target value is not a number, or when
        every value is an integer and there are between 2 and 10 distinct values
        (``AUTO_MAX_CLASSES``); regression otherwise.
    delimiter : str
        Field separator, one character; ``"auto"`` (default): the one named by a first line
        ``sep=;`` (as Excel writes), else the one of comma, semicolon, tab and bar
        (:data:`DELIMITERS`) found most often, outside quotes, in the first non-blank line
        among those that split the first lines evenly; a tie is refused
        (:func:`sniff_delimiter`). A separator ending every line (an empty last column) is
        dropped, and a first line beginning with ``#`` is refused (:func:`read_rows`).
    header : bool or "auto"
        Whether the first non-blank line holds column names (otherwise the columns are named
        ``col0``, ``col1``, ...). ``"auto"`` (default): it does when a word in it names its
        column (a word above numbers, or one its column never holds again; see
        :func:`is_data_row`), so a table without a header, of numbers or with word labels,
        keeps its first row; pass ``True`` for a header of numbers alone. A first row of
        numbers and a word its column of words never holds again (``1,2,maybe``) is
        refused: a sample or names, pass ``header=``.
    features : sequence of str, optional
        The feature columns by name, in this order (a trained model's inputs, say), where the
        file has a header line: wherever they stand, X's columns come in this order, and the
        target is the column(s) left (``target``, if given, must name them); a name the header
        lacks is refused. A file without a header line is read by position, its non-target
        columns counted against ``features``.
    dtype : {"float64", "float32"}
    return_info : bool
        Return a :class:`Dataset` (with feature names, class names and task) instead of
        ``(X, y)``.

    Returns
    -------
    X : ndarray, shape (N, d)
        Every non-target column, as numbers.
    y : ndarray, shape (N, 1), (N, k) or (N, m)

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Naming the file, and the line and column where it applies: no data rows, only one
        data row, a row with the wrong number of fields, a missing value (empty, ``NA``,
        ``nan``, ``?``, ...), a non-numeric or infinite feature, an unknown target column,
        a non-numeric target with ``task="regression"``, a single class; with
        ``task="auto"``, class labels that differ only in case (``Yes`` and ``yes``) or a
        target of numbers written as text (``10,5``, ``$12``).
    """
    p = _path(path)
    if not isinstance(task, str) or task not in ("auto", "classification", "regression"):
        error = ValueError if isinstance(task, str) else TypeError
        raise error(
            f"task: expected 'auto', 'classification' or 'regression', got {describe(task)}"
        )
    validate(_CONSTRAINTS, return_info=return_info)
    detected = _check_format(header, delimiter)
    dt = _float_dtype(dtype)
    cols, data, heading, delimiter = _read_table(p, delimiter, header, detected)
    named = bool(heading)
    ncol = len(cols)
    if ncol < 2:
        raise ValueError(
            f"{p!r}: only {ncol} column; expected at least one feature column and a target "
            f"(fields split at {_split_at(delimiter, detected)}; is that the file's separator? "
            "pass delimiter=)"
        )

    wanted = None if features is None else _feature_names(features, None)
    if wanted is not None and named:
        f_idx = _named_columns(wanted, cols, p)
        left = [i for i in range(ncol) if i not in f_idx]
        if not left:
            raise ValueError(f"features: every column of {p!r} is a feature; no target is left")
        targets, t_idx = (
            ([cols[i] for i in left], left)
            if target is None
            else _target_columns(target, cols, named, p)
        )
        if sorted(t_idx) != left:
            raise ValueError(
                f"target: {target!r} is not the column(s) left besides the features "
                f"({', '.join(cols[i] for i in left)})"
            )
    else:
        targets, t_idx = _target_columns(target, cols, named, p)
        if len(t_idx) == ncol:
            raise ValueError(f"target: every column of {p!r} is a target; no features are left")
        f_idx = [i for i in range(ncol) if i not in t_idx]
        if wanted is not None and len(f_idx) != len(wanted):
            raise ValueError(
                f"{p!r}: expected {len(wanted)} feature columns ({', '.join(wanted)}) besides "
                f"the target, got {len(f_idx)}"
            )

    # missing values, anywhere
    for line, fields in data:
        for i, tok in enumerate(fields):
            if tok.lower() in _MISSING:
                raise ValueError(
                    f"{p!r}, line {line}, column {cols[i]!r}: missing value {tok!r}; "
                    "fill or drop it before loading"
                )

    X = _features(data, f_idx, cols, p, header, delimiter, heading)

    tokens = [[fields[i] for line, fields in data] for i in t_idx]
    lines = [line for line, _ in data]
    parsed = [[parse_number(tok) for tok in col] for col in tokens]
    for c, i in enumerate(t_idx):  # a label 1e-400 was class 0, a target 1e-400 was 0
        for r, v in enumerate(parsed[c]):
            if v is not None and underflows(tokens[c][r], v):
                raise ValueError(
                    f"{p!r}, line {lines[r]}, column {cols[i]!r}: {UNDERFLOW.format(tokens[c][r])}"
                )
    numeric = all(v is not None for col in parsed for v in col)
    if task == "auto" and not numeric:
        _not_numbers_in_disguise(tokens, parsed, lines, p, [cols[i] for i in t_idx])

    if task == "auto":
        if len(t_idx) > 1 or not numeric:
            chosen = "regression" if numeric else "classification"
        else:
            vals = [float(v) for v in parsed[0] if v is not None]
            integral = all(math.isfinite(v) and v.is_integer() for v in vals)
            distinct = len(set(vals))
            is_cls = integral and 2 <= distinct <= AUTO_MAX_CLASSES
            chosen = "classification" if is_cls else "regression"
    else:
        chosen = task

    if chosen == "classification":
        if len(t_idx) > 1:
            raise ValueError(
                f"target: classification takes one target column, got {len(t_idx)} ({targets!r})"
            )
        col = cols[t_idx[0]]
        if numeric:
            vals = [float(v) for v in parsed[0] if v is not None]
            for line, v in zip(lines, vals, strict=True):
                if not math.isfinite(v):
                    raise ValueError(
                        f"{p!r}, line {line}, column {col!r}: expected a finite class label, "
                        f"got {v!r}"
                    )
            raw: list[Any] = vals
        else:
            raw = tokens[0]
            if task == "auto":
                _one_spelling(raw, lines, p, col)
        if len(set(raw)) < 2:
            raise ValueError(
                f"{p!r}, column {col!r}: classification needs at least 2 classes, got only "
                f"{_fmt_label(raw[0])!r}"
            )
        y, target_names = encode_labels(raw)
        n_classes: int | None = len(target_names)
    else:
        y = np.empty((len(data), len(t_idx)), dtype=np.float64)
        for c, (i, col_vals) in enumerate(zip(t_idx, parsed, strict=True)):
            for r, v in enumerate(col_vals):
                if v is None or not math.isfinite(v):
                    raise ValueError(
                        f"{p!r}, line {lines[r]}, column {cols[i]!r}: regression needs a finite "
                        f"number, got {tokens[c][r]!r} (use task='classification' for labels)"
                    )
                y[r, c] = v
        target_names = tuple(cols[i] for i in t_idx)
        n_classes = None

    if dt != np.float64:  # a value beyond the narrower type would become infinity
        big = float(np.finfo(dt).max)
        for arr, idx in ((X, f_idx), (y, t_idx if chosen == "regression" else [])):
            over = np.argwhere(np.abs(arr) > big)
            if over.size and idx:
                r, c = (int(i) for i in over[0])
                raise ValueError(
                    f"{p!r}, line {lines[r]}, column {cols[idx[c]]!r}: {float(arr[r, c])!r} does not "
                    f"fit dtype {dt} (largest {big:.4g}); load with dtype='float64'"
                )
            # a value too small for the narrower type would become 0
            under = np.argwhere((arr != 0) & (arr.astype(dt) == 0))
            if under.size and idx:
                r, c = (int(i) for i in under[0])
                raise ValueError(
                    f"{p!r}, line {lines[r]}, column {cols[idx[c]]!r}: {float(arr[r, c])!r} is "
                    f"smaller than dtype {dt} holds: it would be read as 0; load with "
                    "dtype='float64'"
                )
    ds = Dataset(
        np.ascontiguousarray(X, dtype=dt),
        np.ascontiguousarray(y, dtype=dt),
        os.path.splitext(os.path.basename(p))[0],
        chosen,  # type: ignore[arg-type]
        n_classes,
        tuple(cols[i] for i in f_idx),
        tuple(target_names),
        f"loaded from {p}",
        {"path": p, "target_columns": tuple(cols[i] for i in t_idx), "header": bool(heading)},
    )
    if return_info:
        return ds
    return ds.X, ds.y


@known_keywords
@dataclass(frozen=True, eq=False)
class Inputs:
    """The rows of a CSV file a trained model is to be applied to (see :func:`load_inputs`).

    Attributes
    ----------
    X : ndarray, shape (N, d), float64
        The input columns, in the file's order, as numbers.
    feature_names : tuple of str, length d
        Their names (``col0``, ``col1``, ... when the file has no header line).
    target : tuple of tuple of str, or None
        The target columns' fields as the file writes them, one tuple of N per column, or
        ``None`` when the file holds the inputs alone. Text: whether they are numbers or class
        labels, and which, is the model's to say.
    target_names : tuple of str
        The target columns' names (empty when there is no target).
    lines : tuple of int, length N
        The file's line each row begins on.
    header : bool
        Whether the names are the file's own (a header line), not ``col0``, ``col1``, ...
    """

    X: FloatArray
    feature_names: tuple[str, ...]
    target: tuple[tuple[str, ...], ...] | None
    target_names: tuple[str, ...]
    lines: tuple[int, ...]
    header: bool = False


@known_keywords
def load_inputs(
    path: str | os.PathLike[str],
    n_features: int,
    target: str | int | Sequence[str | int] | None = None,
    *,
    features: Sequence[str] | None = None,
    delimiter: str = "auto",
    header: bool | Literal["auto"] = "auto",
) -> Inputs:
    """Read the rows of a CSV file to apply a model of ``n_features`` inputs to.

    The file holds the ``n_features`` input columns alone, or these and the target column(s)
    where :func:`load_csv` finds them (``target`` as load_csv takes it; default: the column
    named ``label``, ``target``, ``y`` or ``class``, else the last); its number of columns
    tells which. With ``features`` (the names of the model's inputs, in its order) and a file
    whose header names its columns, the inputs are those columns by name, in that order,
    wherever they stand, and the target is the column left; a name the file lacks is refused.
    A file without a header line is read by position. The file and its input columns are read and checked as load_csv reads and
    checks them (``delimiter`` and ``header`` alike); one data row suffices. The target's
    fields are returned as text, unchecked: class labels are compared with the model's own,
    numbers parsed, by the caller.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        What load_csv refuses of a file and its feature columns (naming the line and column);
        a number of columns that is neither ``n_features`` nor ``n_features`` plus the number
        of target columns; a target column that is not in the file; with ``features``, a
        name the file's header lacks, or more columns besides them than the target's.
    TypeError
        ``features`` that is not a sequence of names.
    """
    p = _path(path)
    n = check(n_features, "n_features", Interval(int, 1, None))
    detected = _check_format(header, delimiter)
    cols, data, heading, delimiter = _read_table(p, delimiter, header, detected, min_rows=1)
    k = len(target) if isinstance(target, list | tuple) else 1
    if features is not None:
        wanted = _feature_names(features, n)
    if len(cols) not in (n, n + k):
        raise ValueError(
            f"{p!r}: expected {n} columns (the inputs) or {n + k} (the inputs and the "
            f"target{'s' if k > 1 else ''}), got {len(cols)} (fields split at "
            f"{_split_at(delimiter, detected)})"
        )
    if features is not None and heading:
        f_idx = _named_columns(wanted, cols, p)
        t_idx = [i for i in range(len(cols)) if i not in f_idx]  # none, or the target's k
        given = [] if target is None or not t_idx else _target_columns(target, cols, True, p)[1]
        if given and sorted(given) != t_idx:
            raise ValueError(
                f"target: {target!r} is not the column left besides the inputs "
                f"({', '.join(cols[i] for i in t_idx)})"
            )
    elif len(cols) == n:
        t_idx = []
    else:
        _, t_idx = _target_columns(target, cols, bool(heading), p)
    if features is None or not heading:
        f_idx = [i for i in range(len(cols)) if i not in t_idx]
    X = _features(data, f_idx, cols, p, header, delimiter, heading)
    return Inputs(
        X,
        tuple(cols[i] for i in f_idx),
        tuple(tuple(fields[i] for _, fields in data) for i in t_idx) if t_idx else None,
        tuple(cols[i] for i in t_idx),
        tuple(line for line, _ in data),
        bool(heading),
    )
