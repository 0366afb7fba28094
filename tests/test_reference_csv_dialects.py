"""CSV files as people write them: separators other than the comma, tables of numbers without
a header line, and tokens Python reads as numbers though no spreadsheet does.

The reference is the file's own content, read back by independent readers: Python's ``csv``
module with the separator the file was written with, and ``numpy.loadtxt``, which takes no
header unless told to skip it. ``glassnet.datasets.load_csv``, ``glassnet train --csv`` and
the playground's upload must all read the same table from the same file.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet.cli import cli
from glassnet.datasets import load_csv
from glassnet.datasets.csv import DELIMITERS, is_data_row, read_rows, sniff_delimiter
from glassnet.playground.limits import Limits
from glassnet.playground.protocol import parse_csv

ROWS = [[0.5, 0.25, 0], [0.125, 1.0, 1], [1.0, 0.75, 1], [2.5, -1.5, 0], [3.0, 0.0, 1]]


def _text(rows, delimiter=",", header=None, quote_all=False):
    buf = io.StringIO()
    w = csv.writer(
        buf, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@pytest.mark.parametrize("delimiter", DELIMITERS)
@pytest.mark.parametrize("header", [None, ["x one", "x two", "label"]])
def test_every_separator_and_both_header_forms_read_the_written_table(tmp_path, delimiter, header):
    path = tmp_path / "t.csv"
    path.write_text(_text(ROWS, delimiter, header))
    ds = load_csv(path, return_info=True)
    # numpy's reader, told the separator and whether to skip a header line
    ref = np.loadtxt(path, delimiter=delimiter, skiprows=0 if header is None else 1)
    np.testing.assert_array_equal(ds.X, ref[:, :2])
    np.testing.assert_array_equal(ds.y, ref[:, 2:])
    assert ds.X.shape == (5, 2)  # the first row is a sample, not the names of the columns
    assert ds.feature_names == (("col0", "col1") if header is None else ("x one", "x two"))


def test_a_headerless_table_keeps_its_first_row_through_the_cli(tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text(_text([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]]))
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(path), "--epochs", "3", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "(4 samples)" in result.output  # was 3: the first row read as the column names
    # a number as --target is the column's index: no header, so no name to mistake it for
    # (the header [0, 1, 1] had names "1" twice, and the CLI refused the index as ambiguous)
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "--csv",
            str(path),
            "--target",
            "1",
            "--epochs",
            "3",
            "-o",
            str(tmp_path / "run2"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output


def test_a_semicolon_file_trains_through_the_cli(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text(_text(ROWS, ";", ["a", "b", "label"]))
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(path), "--target", "label", "--epochs", "3", "-o",
               str(tmp_path / "run"), "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(5 samples)" in result.output


def test_separators_inside_quotes_are_not_counted(tmp_path):
    # the header's names hold commas; the fields are separated by semicolons
    text = '"a, in m";"b, in s";"label"\n1,5;2;0\n3;4;1\n5;6;0\n'
    path = tmp_path / "q.csv"
    path.write_text(text)
    assert sniff_delimiter(text.splitlines()[0]) == ";"
    with pytest.raises(ValueError) as info:
        load_csv(path)  # a decimal comma is text (1,5 or a thousand?), said where and how to fix
    assert str(info.value) == (
        f"{str(path)!r}, line 2, column 'a, in m': expected a number, got '1,5' (a decimal comma? "
        "numbers are read with a decimal point: convert the file, e.g. pandas.read_csv(path, "
        "sep=';', decimal=',').to_csv(new_path, index=False))"
    )
    pd = pytest.importorskip("pandas")  # the fix the message gives works
    pd.read_csv(path, sep=";", decimal=",").to_csv(tmp_path / "fixed.csv", index=False)
    np.testing.assert_array_equal(load_csv(tmp_path / "fixed.csv")[0], [[1.5, 2], [3, 4], [5, 6]])
    path.write_text(text.replace("1,5", "1.5"))
    ds = load_csv(path, return_info=True)
    assert ds.feature_names == ("a, in m", "b, in s")
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4], [5, 6]])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a,b,c", ","),
        ("a;b;c", ";"),
        ("a\tb\tc", "\t"),
        ("a|b|c", "|"),
        ("a;b,c;d", ";"),  # the most frequent
        ("abc", ","),  # one column: the comma
        ('"x;y";"z;w",v,u', ","),  # only what is outside quotes counts
        ("", ","),
    ],
)
def test_the_separator_is_the_most_frequent_outside_quotes(line, expected):
    assert sniff_delimiter(line) == expected


@pytest.mark.parametrize(
    ("fields", "data"),
    [
        (["1", "2", "0"], True),
        (["-1.5e3", " 2 ", "0"], True),
        (["1", "NA", "0"], True),  # a missing value in the first row: data (and refused there)
        (["", "", "1"], True),
        (["", "", ""], False),  # nothing is a number: not data
        (["NA", "nan", "?"], False),
        (["a", "2", "0"], False),
        (["x1", "x2", "y"], False),
        (["1_000", "2", "0"], False),  # not a number (see below): a name
    ],
)
def test_a_first_row_is_data_when_every_field_is_a_number_or_missing(fields, data):
    assert is_data_row(fields) is data


IRIS_LIKE = "5.1,3.5,1.4,0.2,Iris-setosa\n4.9,3.0,1.4,0.2,Iris-setosa\n7.0,3.2,4.7,1.4,Iris-versicolor\n6.4,3.2,4.5,1.5,Iris-versicolor\n"


@pytest.mark.parametrize(
    ("text", "header"),
    [
        # UCI's iris.data: no header, class labels as words that recur below
        (IRIS_LIKE, False),
        ("a,b,label\n1,2,yes\n3,4,no\n5,6,yes\n", True),  # names over numbers and words
        ("2020,2021,label\n1,2,yes\n3,4,no\n5,6,yes\n", True),  # numbers as names: "label"
        ("2020,2021,2022\n1,2,0\n3,4,1\n5,6,0\n", False),  # all numbers: data (header=True)
        ("x,2,3\n1,2,0\n3,4,1\n", True),  # a word above numbers
        ("1,2,yes\n3,4,yes\n5,6,no\n", False),  # the word recurs: a label
        ("p,q,kind\n3,4,no\n5,6,maybe\n7,8,no\n", True),  # words above numbers: names
    ],
)
def test_a_first_row_is_a_header_when_a_word_in_it_names_its_column(tmp_path, text, header):
    rows = [line.split(",") for line in text.splitlines()]
    assert is_data_row(rows[0], rows[1:]) is not header
    path = tmp_path / "t.csv"
    path.write_text(text)
    ds = load_csv(path, return_info=True)
    assert ds.X.shape[0] == len(rows) - header
    if not header:
        assert ds.feature_names[0] == "col0"
    if text == IRIS_LIKE:  # every sample kept, the labels as written, features as numpy reads
        assert ds.target_names == ("Iris-setosa", "Iris-versicolor")
        np.testing.assert_array_equal(
            ds.X, np.loadtxt(io.StringIO(text), delimiter=",", usecols=range(4))
        )


def test_a_first_row_with_a_missing_value_is_refused_at_its_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("1,NA,0\n2,3,1\n4,5,0\n")
    with pytest.raises(ValueError, match=r"line 1, column 'col1': missing value 'NA'"):
        load_csv(path)


def test_a_header_of_numbers_is_kept_when_asked(tmp_path):
    path = tmp_path / "years.csv"
    path.write_text("2020,2021,2022\n1,2,0\n3,4,1\n5,6,0\n")
    auto = load_csv(path, task="regression", return_info=True)
    assert auto.X.shape == (4, 2)  # read as data: numbers carry no names
    named = load_csv(path, header=True, return_info=True)
    assert named.feature_names == ("2020", "2021")
    np.testing.assert_array_equal(named.X, [[1, 2], [3, 4], [5, 6]])
    bare = load_csv(path, header=False, task="regression", return_info=True)
    np.testing.assert_array_equal(bare.X, auto.X)


@pytest.mark.parametrize("token", ["1_000", "0_5", "١٢", "１"])
def test_python_only_number_syntax_is_text(tmp_path, token):
    # float() reads "1_000" as 1000 and "١٢" as 12; a CSV reader (a spreadsheet, pandas) reads
    # them as text: refused where they are, never a silent 1000
    assert float(token) > 0
    path = tmp_path / "u.csv"
    path.write_text(f"a,b,label\n{token},0,0\n1,1,1\n")
    with pytest.raises(ValueError, match=f"line 2, column 'a': expected a number, got '{token}'"):
        load_csv(path)


LIMITS = Limits()


def _same_table(text, tmp_path):
    path = tmp_path / "up.csv"
    path.write_text(text)
    ds = load_csv(path, task="classification", return_info=True)
    table = parse_csv(text, LIMITS)
    np.testing.assert_array_equal(table.X, ds.X)
    np.testing.assert_array_equal(table.y, ds.y)


@pytest.mark.parametrize("delimiter", DELIMITERS)
@pytest.mark.parametrize("header", [None, ["a", "b", "label"]])
def test_the_playground_reads_an_upload_as_the_library_reads_the_file(tmp_path, delimiter, header):
    _same_table(_text(ROWS, delimiter, header, quote_all=delimiter == "|"), tmp_path)


@pytest.mark.parametrize("header", [None, ["a", "b", "label"]])
def test_a_byte_order_mark_is_no_part_of_the_first_field(tmp_path, header):
    _same_table("\ufeff" + _text(ROWS, ";", header), tmp_path)
    assert parse_csv("\ufeff" + _text(ROWS, ";", header), LIMITS).X.shape == (5, 2)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.floats(-1e6, 1e6, allow_nan=False, width=32),
            st.floats(-1e6, 1e6, allow_nan=False, width=32),
            st.integers(0, 1),
        ),
        min_size=4,
        max_size=12,
    ).filter(lambda rows: len({r[2] for r in rows}) == 2),
    delimiter=st.sampled_from(DELIMITERS),
    with_header=st.booleans(),
)
def test_any_table_reads_the_same_in_the_library_the_playground_and_numpy(
    tmp_path_factory, values, delimiter, with_header
):
    rows = [[repr(float(a)), repr(float(b)), str(c)] for a, b, c in values]
    text = _text(rows, delimiter, ["x1", "x2", "label"] if with_header else None)
    tmp = tmp_path_factory.mktemp("t")
    _same_table(text, tmp)
    ds = load_csv(tmp / "up.csv", task="classification", return_info=True)
    ref = np.loadtxt(io.StringIO(text), delimiter=delimiter, skiprows=int(with_header), ndmin=2)
    np.testing.assert_array_equal(ds.X, ref[:, :2])
    assert ds.X.shape[0] == len(values)


# --- a table's row numbers read as a feature ---------------------------------------------------

FRAME = {"a": [0.5, 0.2, 0.3, 0.1, 0.9], "b": [1.0, 2.0, 1.0, 0.0, 3.0], "label": [0, 1, 1, 0, 1]}


def test_pandas_index_column_is_named_in_a_warning(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "frame.csv"
    pd.DataFrame(FRAME).to_csv(path)  # pandas' default: the index first, with no name
    with pytest.warns(
        gn.datasets.IndexColumnWarning, match=r"column 0 \(no name\) holds the row numbers 0\.\.4"
    ) as caught:
        ds = load_csv(path, target="label", return_info=True)
    assert len(caught) == 1
    np.testing.assert_array_equal(ds.X[:, 0], np.arange(5))  # still read: it could be data
    # read and written again, pandas names the old index "Unnamed: 0" and adds a new one
    again = tmp_path / "again.csv"
    pd.read_csv(path).to_csv(again)
    with pytest.warns(gn.datasets.IndexColumnWarning) as caught:
        load_csv(again, target="label")
    assert sorted(str(w.message).split(": column ")[1][:20] for w in caught) == [
        "0 (no name) holds th",
        "1 (Unnamed: 0) holds",
    ]


def test_no_warning_without_an_index_or_for_a_named_or_unnumbered_column(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "frame.csv"
    pd.DataFrame(FRAME).to_csv(path, index=False)
    load_csv(path, target="label")  # warnings are errors in this suite
    pd.DataFrame({"id": range(5), **FRAME}).to_csv(path, index=False)
    load_csv(path, target="label")  # named by its writer: data
    frame = pd.DataFrame(FRAME, index=[4, 3, 2, 1, 0])
    frame.to_csv(path)  # an unnamed column, but not the row numbers in order
    load_csv(path, target="label")
    pd.DataFrame(FRAME).iloc[:2].to_csv(path)  # two rows: 0, 1 is as often a binary feature
    load_csv(path, target="label")


# --- which column is the target when none is named ---------------------------------------------

COLUMNS = {"label": [0, 1, 1, 0, 1], "a": [0.5, 0.2, 0.3, 0.1, 0.9], "b": [1.0, 2.0, 1.0, 0.0, 3.0]}


@pytest.mark.parametrize("name", ["label", "target", "y", "class", "Label", "TARGET", " Class "])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_a_column_named_as_a_target_is_the_target_wherever_it_stands(tmp_path, name, where):
    order = ["a", "b"]
    order.insert(where, "label")
    header = [name if c == "label" else c for c in order]
    rows = list(zip(*(COLUMNS[c] for c in order), strict=True))
    path = tmp_path / "t.csv"
    path.write_text(_text(rows, ",", header))
    X, y = load_csv(path)
    # the hand-made split: the named column is y, the others are X in their order
    np.testing.assert_array_equal(y[:, 0], COLUMNS["label"])
    np.testing.assert_array_equal(X, np.column_stack([COLUMNS["a"], COLUMNS["b"]]))
    # the playground reads the same file the same way
    table = parse_csv(path.read_text(), LIMITS)
    np.testing.assert_array_equal(table.X, X)
    np.testing.assert_array_equal(table.y, y)
    # and so does the command line: a perfect score would say the label leaked into X
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(path), "--hidden", "0", "--epochs", "2", "-q",
              "-o", str(tmp_path / "run")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "[2, 1]" in result.output  # two features, one output: the label is not an input


def test_without_a_target_name_the_last_column_is_the_target(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(_text(ROWS, ",", ["p", "q", "r"]))
    _, y = load_csv(path)
    np.testing.assert_array_equal(y[:, 0], [r[2] for r in ROWS])
    path.write_text(_text(ROWS))  # no header: no names at all
    np.testing.assert_array_equal(load_csv(path)[1][:, 0], [r[2] for r in ROWS])


def test_two_columns_named_as_targets_are_refused_until_one_is_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(_text(ROWS, ",", ["y", "x", "label"]))
    message = "target: the columns 'y', 'label' could each be the target; name the one to predict"
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(info.value) == message
    X, _ = load_csv(path, target="label")
    np.testing.assert_array_equal(X[:, 0], [r[0] for r in ROWS])
    result = CliRunner().invoke(cli, ["train", "--csv", str(path), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "--target: the columns 'y', 'label' could each be the target" in result.output
    from glassnet.playground.limits import ProtocolError

    with pytest.raises(ProtocolError, match="CSV the columns 'y', 'label' could each be"):
        parse_csv(path.read_text(), LIMITS)


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_the_cli_sees_an_index_that_is_also_a_name_whatever_the_separator(tmp_path, delimiter):
    # --target 1 is column 1 ('a') by index and column 0 by name: refused as ambiguous, with
    # the file's own separator (the check read the header as comma-separated)
    rows = [["1", "a", "y"], ["5", "0", "0"], ["6", "1", "1"], ["7", "1", "1"], ["8", "0", "0"]]
    path = tmp_path / "d.csv"
    path.write_text(_text(rows, delimiter))
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(path), "--target", "1", "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "'1' is both the index of column 'a' and the name of column 0" in result.output


# --- files as spreadsheets, R, numpy and bioinformatics write them ------------------------------


def _reference(text, delimiter, skip=0, drop_last=False):
    """The table Python's csv module reads, told the separator and the lines to skip."""
    rows = [r for r in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""),
                                  delimiter=delimiter) if r][skip:]  # fmt: skip
    if drop_last:
        assert all(r[-1] == "" for r in rows)
        rows = [r[:-1] for r in rows]
    return rows


EXCEL = [["a", "b", "label"], ["1.5", "2", "0"], ["2", "-3", "1"], ["3", "4", "0"], ["4", "5", "1"]]


def _excel(delimiter, sep_line=False, trailing=False):
    end = delimiter if trailing else ""
    lines = [delimiter.join(r) + end for r in EXCEL]
    return "\r\n".join(([f"sep={delimiter}"] if sep_line else []) + lines) + "\r\n"


@pytest.mark.parametrize("delimiter", DELIMITERS)
@pytest.mark.parametrize(("sep_line", "trailing"), [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_excel_exports_sep_line_and_trailing_separator(
    tmp_path, delimiter, sep_line, trailing, bom
):
    # Excel writes "sep=;" as a first line when asked, and a separator after the last field
    # when the sheet has an empty column: the first was read as a header "sep=" (then "expected
    # 2 fields, got 3"), the second as a last column of missing values (the target)
    text = bom + _excel(delimiter, sep_line, trailing)
    ref = _reference(text, delimiter, skip=1 + sep_line, drop_last=trailing)
    expected = np.array(ref, dtype=float)
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode())
    ds = load_csv(path, return_info=True)
    assert ds.feature_names == ("a", "b")
    np.testing.assert_array_equal(ds.X, expected[:, :2])
    np.testing.assert_array_equal(ds.y[:, 0], expected[:, 2])
    table = parse_csv(text, LIMITS)
    np.testing.assert_array_equal(table.X, ds.X)
    np.testing.assert_array_equal(table.y, ds.y)
    if sep_line:  # the file's own word against the caller's: refused, not one chosen
        other = "," if delimiter != "," else ";"
        with pytest.raises(
            ValueError, match=re.escape(f"line 1: the file names its separator {delimiter!r}")
        ):
            load_csv(path, delimiter=other)


def test_the_cli_reads_a_sep_line_header_for_its_target_check(tmp_path):
    # the --target index/name check read "sep=;" as the header and saw no column named "1"
    rows = [["1", "a", "y"], ["5", "0", "0"], ["6", "1", "1"], ["7", "1", "1"], ["8", "0", "0"]]
    path = tmp_path / "d.csv"
    path.write_text("sep=;\n" + _text(rows, ";"))
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(path), "--target", "1", "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "'1' is both the index of column 'a' and the name of column 0" in result.output


@pytest.mark.parametrize(
    "text",
    [
        "# generated by tool 1.2\n#x\ta\tlabel\n1\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1\n",  # a TSV
        "# label,x,y\n0,1.5,2\n1,2.5,3\n0,3.5,4\n1,4.5,5\n",  # numpy.savetxt(header=...)
    ],
)
def test_comment_lines_before_the_table_are_refused_not_read_as_names(tmp_path, text):
    # "# label" was a column name that is no target name: the label became a feature
    path = tmp_path / "c.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(info.value).startswith(
        f"{str(path)!r}, line 1: expected column names or a first row, got a line beginning "
        "with '#'"
    )
    assert "delete them" in str(info.value)
    with pytest.raises(gn.playground.protocol.ProtocolError, match="CSV row 1: expected column"):
        parse_csv(text, LIMITS)
    # the fix named: numpy.savetxt without the comment mark, read back as numpy reads it
    data = np.array([[0, 1.5, 2], [1, 2.5, 3], [0, 3.5, 4], [1, 4.5, 5]])
    np.savetxt(path, data, delimiter=",", header="label,x1,x2", comments="", fmt="%g")
    X, y = load_csv(path)
    np.testing.assert_array_equal(y[:, 0], data[:, 0])
    np.testing.assert_array_equal(X, np.loadtxt(path, delimiter=",", skiprows=1)[:, 1:])


@pytest.mark.parametrize(
    ("a", "b"), [(a, b) for i, a in enumerate(DELIMITERS) for b in DELIMITERS[i + 1 :]]
)
def test_a_separator_tie_is_refused_unless_the_lines_below_decide(tmp_path, a, b):
    # "0,5;yes": a decimal comma between ";" fields, or "," between 0 and "5;yes"? It was read
    # at the comma (the tie's default): X the integer part, y "5;yes", without a word
    text = "".join(f"{i}{a}5{b}{w}\n" for i, w in enumerate(["yes", "no", "yes", "no"]))
    path = tmp_path / "tie.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(info.value) == (
        f"{str(path)!r}, line 1: the separator could be {a!r} and {b!r}: the first line holds "
        f"1 of each, and the lines below split as evenly at either; pass delimiter={a!r} or "
        f"delimiter={b!r}, or make the file's first line sep={a} or sep={b} (as Excel writes)"
    )
    if "\t" not in (a, b):  # the fix named, in the file: the library, the playground, the CLI
        for sep in (a, b):
            fixed = f"sep={sep}\n{text}"
            assert {len(r) for r in _reference(fixed, sep, skip=1)} == {2}
            assert read_rows(fixed)[0] == [
                (n, [f.strip() for f in r]) for n, r in enumerate(_reference(fixed, sep, 1), 2)
            ]
    # genuinely two tables: the csv module splits every line into two fields at either
    assert {len(r) for r in _reference(text, a)} == {len(r) for r in _reference(text, b)} == {2}
    with pytest.raises(gn.playground.protocol.ProtocolError, match="CSV row 1: the separator"):
        parse_csv(text, LIMITS)
    # names holding the other separator: the first line ties, the data lines do not
    text = f"h{a} cm{b}w{a} kg{b}label\n" + "".join(f"{i}{b}{i + 1}{b}{i % 2}\n" for i in range(4))
    path.write_text(text)
    ds = load_csv(path, return_info=True)
    ref = _reference(text, b)
    assert ds.feature_names == tuple(ref[0][:2])
    np.testing.assert_array_equal(ds.X, np.array(ref[1:], dtype=float)[:, :2])


@pytest.mark.parametrize(
    "text",
    [
        "1,2,maybe\n3,4,no\n5,6,yes\n7,8,no\n",  # a class seen once, in the first row
        "1,2,yes\n3,4,no\n",  # two rows
        "5.1,3.5,1.4,0.2,Iris-setosa\n7.0,3.2,4.7,1.4,Iris-versicolor\n6.4,3.2,4.5,1.5,Iris-versicolor\n",
    ],
)
def test_a_first_row_of_numbers_and_an_unseen_word_is_refused_until_told(tmp_path, text):
    # the row was read as a header, silently: the first sample lost, its numbers as names
    path = tmp_path / "h.csv"
    path.write_text(text)
    with pytest.raises(
        ValueError, match=r"line 1: the first row .* may be column names or a sample"
    ):
        load_csv(path)
    if text.count("\n") > 2:
        with pytest.raises(gn.playground.protocol.ProtocolError, match="may be column names"):
            parse_csv(text, LIMITS)
    ref = _reference(text, ",")
    told = load_csv(path, header=False, task="classification", return_info=True)
    np.testing.assert_array_equal(told.X, np.array([r[:-1] for r in ref], dtype=float))
    assert told.target_names == tuple(sorted({r[-1] for r in ref}))


def test_class_labels_differing_only_in_case_are_refused(tmp_path):
    path = tmp_path / "yes.csv"
    path.write_text("a,b,label\n1,2,Yes\n3,4,yes \n5,6,No\n7,8,no\n")
    with pytest.raises(ValueError) as info:
        load_csv(path)  # was 4 classes: Yes, yes, No, no
    assert str(info.value) == (
        f"{str(path)!r}, column 'label': the class labels 'Yes' (line 2) and 'yes' (line 3) "
        "differ only in case: one class or two? Spell each class one way in the file, or pass "
        "task='classification' if they are two"
    )
    told = load_csv(path, task="classification", return_info=True)  # said: four classes
    assert told.target_names == ("No", "Yes", "no", "yes")
    path.write_text("a,b,label\n1,2,yes\n3,4, yes \n5,6,no\n7,8,no\n")  # spaces: one class
    ds = load_csv(path, return_info=True)
    assert ds.target_names == ("no", "yes")
    np.testing.assert_array_equal(ds.y[:, 0], [1, 1, 0, 0])


PANDAS_NA = ["#N/A", "#N/A N/A", "#NA", "<NA>", "-1.#IND", "1.#QNAN", "NaN", "NULL", ""]
EXCEL_ERRORS = ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


@pytest.mark.parametrize("token", PANDAS_NA + EXCEL_ERRORS)
@pytest.mark.parametrize("column", ["a", "label"])
def test_missing_and_error_values_are_missing_in_any_column(tmp_path, token, column):
    # "#N/A" in a label column was a class of its own; pandas reads these as missing
    rows = [["a", "b", "label"], ["1", "2", "x"], ["3", "4", "y"], ["5", "6", "x"]]
    rows[2][rows[0].index(column)] = token
    path = tmp_path / "na.csv"
    path.write_text(_text(rows))
    if token not in EXCEL_ERRORS:
        pd = pytest.importorskip("pandas")
        assert pd.read_csv(path)[column].isna().tolist() == [False, True, False]
    with pytest.raises(ValueError, match=f"line 3, column '{column}': missing value"):
        load_csv(path)


def test_a_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("a\tb\tlabel\n1\t2\t0\n3\t4\t1\n".encode("utf-16"))  # Excel "Unicode text"
    with pytest.raises(ValueError, match=r"not a UTF-8 text file .*; it is UTF-16: save it as"):
        load_csv(path)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_number_forms_and_line_ends_read_as_numpy_reads_them(tmp_path, newline):
    # already right: signs, bare points, exponents, spaces, negative zero; every line end
    rows = [["+1", ".5", "0"], ["5.", "1e5", "1"], ["-0", " 1 ", "0"], ["1E-3", "-.25", "1"]]
    text = newline.join(",".join(r) for r in [["a", "b", "label"], *rows]) + newline
    path = tmp_path / "n.csv"
    path.write_bytes(text.encode())
    ref = np.array([[float(v) for v in r] for r in rows])
    X, y = load_csv(path)
    np.testing.assert_array_equal(X, ref[:, :2])
    np.testing.assert_array_equal(np.signbit(X), np.signbit(ref[:, :2]))
    np.testing.assert_array_equal(y[:, 0], ref[:, 2])


@pytest.mark.parametrize(
    ("text", "kwargs"),
    [
        ("a;b;price\n1;2;10,5\n3;4;11,25\n5;6;9\n", {"sep": ";", "decimal": ","}),  # Excel
        ('a,b,pop\n1,2,"1,000"\n3,4,"2,500"\n5,6,"12,000"\n', {"thousands": ","}),
        ("a,b,price\n1,2,$10\n3,4,$12.5\n5,6,$9\n", None),
        ("a,b,rate\n1,2,5%\n3,4,7.5%\n5,6,1%\n", None),
        ("a;b;pop\n1;2;1\xa0000,5\n3;4;2\xa0500\n5;6;12\xa0000\n", None),  # French Excel
    ],
)
def test_a_target_of_numbers_written_as_text_is_refused_not_made_classes(tmp_path, text, kwargs):
    # the target column was text, so task="auto" made each value a class of its own
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert f"{str(path)!r}, line 2, column " in str(info.value)
    assert "a number written as text" in str(info.value)
    told = load_csv(path, task="classification", return_info=True)  # labels, if the user says
    assert told.n_classes == 3
    if kwargs is not None:  # the fix named: pandas told the format reads plain numbers
        pd = pytest.importorskip("pandas")
        pd.read_csv(path, **kwargs).to_csv(tmp_path / "fixed.csv", index=False)
        ref = pd.read_csv(path, **kwargs).to_numpy(dtype=float)
        X, y = load_csv(tmp_path / "fixed.csv", task="regression")
        np.testing.assert_array_equal(y[:, 0], ref[:, 2])
        np.testing.assert_array_equal(X, ref[:, :2])


def test_r_row_names_without_a_header_name_are_named_as_the_likely_cause(tmp_path):
    # write.table(sep=",") writes row names in every row but no name for them in the header
    path = tmp_path / "r.csv"
    path.write_text('"a","b","label"\n"1",1.5,2,0\n"2",2.5,3,1\n"3",3.5,4,0\n')
    with pytest.raises(ValueError, match=r"line 2: expected 3 fields .* got 4 .*; every row has "
                       r"one field more than the header line \(line 1\): row names"):  # fmt: skip
        load_csv(path)


@pytest.mark.parametrize("where", ["first", "rest"])
def test_a_trailing_separator_on_some_lines_only_is_dropped(tmp_path, where):
    # "expected 4 fields, got 3": the separator Excel or a hand edit left on one side only
    lines = [",".join(r) for r in EXCEL]
    lines = (
        [lines[0] + ",", *lines[1:]]
        if where == "first"
        else [lines[0], *(x + "," for x in lines[1:])]
    )
    text = "\n".join(lines) + "\n"
    path = tmp_path / "t.csv"
    path.write_text(text)
    ref = np.array([r[:3] for r in _reference(text, ",")[1:]], dtype=float)
    ds = load_csv(path, return_info=True)
    assert ds.feature_names == ("a", "b")
    np.testing.assert_array_equal(np.column_stack([ds.X, ds.y]), ref)
    table = parse_csv(text, LIMITS)
    np.testing.assert_array_equal(table.X, ds.X)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0,5;1\n1,5;0\n2,5;1\n3,5;0\n", "make the file's first line sep=, or sep=;"),
        ("1,2,maybe\n3,4,no\n5,6,yes\n7,8,no\n", "a line of column names above it"),
    ],
)
def test_the_cli_refuses_what_cannot_be_told_with_a_fix_in_the_file(tmp_path, text, says):
    # the command line has no --delimiter nor --header: the fix it is given is in the file
    path = tmp_path / "f.csv"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["train", "--csv", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"--csv: {str(path)!r}, line 1: " in result.output
    assert says in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("1 000", "a number written as text"),
        ("1.000,5", "a number written as text"),
        ("$12", "a number written as text"),
        ("5%", "a number written as text"),
        ("1\xa0000", "a number written as text"),
        ("True", "a boolean: write the column as 1 and 0"),
        ("0x1A", "non-numeric features are not supported"),  # hex: text, as pandas reads it
    ],
)
def test_a_feature_written_as_text_is_refused_with_its_likely_cause(tmp_path, token, why):
    path = tmp_path / "f.csv"
    path.write_text(_text([["a", "b", "label"], [token, "1", "0"], ["2", "3", "1"]]))
    pd = pytest.importorskip("pandas")
    column = pd.read_csv(path)["a"]  # pandas reads the column as text (or booleans) too
    assert column.dtype == bool or not pd.api.types.is_numeric_dtype(column)
    with pytest.raises(ValueError, match=f"line 2, column 'a': expected a number, got .*{why}"):
        load_csv(path)


def test_quoted_fields_after_a_separator_and_a_space_are_quoted(tmp_path):
    # "p, q, label" by hand: the quotes of ' "yes, really"' were text, the comma in it a
    # separator ("expected 3 fields, got 4"); pandas' skipinitialspace=True reads the table
    text = 'p, q, label\n1.5, 2, "yes, really"\n2, "3", "no"\n3, 4, "yes, really"\n'
    path = tmp_path / "s.csv"
    path.write_text(text)
    pd = pytest.importorskip("pandas")
    ref = pd.read_csv(path, skipinitialspace=True)
    ds = load_csv(path, return_info=True)
    assert ds.feature_names == ("p", "q")
    np.testing.assert_array_equal(ds.X, ref[["p", "q"]].to_numpy(dtype=float))
    assert ds.target_names == tuple(sorted(set(ref["label"])))
    path.write_text("p,q,label\n\u22121,2,0\n3,4,1\n")  # a typographic minus
    with pytest.raises(ValueError, match="a number written as text"):
        load_csv(path)


def test_a_separator_tie_over_uneven_lines_says_so(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("a,b;c\n1\n2,3\n")
    with pytest.raises(ValueError, match="holds 1 of each, and the lines below split evenly at "
                       "neither; pass delimiter=','"):  # fmt: skip
        load_csv(path)


def test_a_title_line_over_a_table_is_named(tmp_path):
    # "Sales report" over a ;-table: sniffed as a one-column comma file ("only 1 column")
    path = tmp_path / "t.csv"
    path.write_text("Sales report 2024\n\n" + _excel(";"))
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(info.value) == (
        f"{str(path)!r}, line 1: expected column names or a first row, got 'Sales report "
        "2024', one field over lines split at ';': a title line? Delete it"
    )
    path.write_text("value\n1\n2\n3\n")  # a table of one column is still that
    with pytest.raises(ValueError, match="only 1 column"):
        load_csv(path)


def test_a_first_line_with_another_separator_than_the_rest_is_named(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b,label\n1;2;0\n3;4;1\n")
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(info.value) == (
        f"{str(path)!r}, line 2: expected 3 fields (one per column), got 1 (fields split at ',', "
        "detected from the first line); it has 3 fields split at ';': do the first line and "
        "this one use different separators?"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        # a stray word in a first sample of fractions: was a header, the sample lost
        ("5.1,oops,1.4,0\n4.9,3.0,1.4,0\n7.0,3.2,4.7,1\n", "'oops' stands above a column of"),
        (
            "0.5,2,maybe\n0.25,4,no\n0.75,6,yes\n0.5,8,no\n",
            "its numbers could be either, and 'maybe' never",
        ),
    ],
)
def test_a_first_row_that_may_be_names_or_a_sample_is_refused(tmp_path, text, why):
    path = tmp_path / "f.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"line 1: the first row .* may be column names or a "
                       f"sample: {why}"):  # fmt: skip
        load_csv(path)
    # told it is a sample: read as the csv module reads every row
    if "oops" not in text:
        ds = load_csv(path, header=False, task="classification", return_info=True)
        ref = _reference(text, ",")
        np.testing.assert_array_equal(ds.X, np.array([r[:-1] for r in ref], dtype=float))


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("x,2,3\n1,2,0\n3,4,1\n", 2),  # a name over numbers, integers as names: a header
        ("1,2,+\n3,4,-\n5,6,+\n7,8,-\n", 4),  # "+" and "-" are labels, not missing values
        ("5.1,.,1.4,0\n4.9,3.0,1.4,0\n", None),  # SAS's "." is missing: refused where it is
    ],
)
def test_first_rows_that_can_be_told(tmp_path, text, rows):
    path = tmp_path / "f.csv"
    path.write_text(text)
    if rows is None:
        with pytest.raises(ValueError, match=r"line 1, column 'col1': missing value '\.'"):
            load_csv(path)
    else:
        assert load_csv(path, task="classification")[0].shape[0] == rows


def test_a_wide_file_and_a_long_first_line_read_as_numpy_reads_them(tmp_path):
    # 10,000 columns, the header over 1 MiB (the sniffer sees a bounded part of it)
    rng = np.random.default_rng(0)
    data = rng.integers(-50, 50, size=(4, 10_000)).astype(float) / 4
    data[:, -1] = [0, 1, 0, 1]
    names = [f"feature_{'x' * 100}_{i}" for i in range(9_999)] + ["label"]
    path = tmp_path / "wide.csv"
    np.savetxt(path, data, delimiter=";", header=";".join(names), comments="", fmt="%g")
    assert len(path.read_text().splitlines()[0]) > 2**20
    ds = load_csv(path, return_info=True)
    ref = np.loadtxt(path, delimiter=";", skiprows=1)
    np.testing.assert_array_equal(ds.X, ref[:, :-1])
    np.testing.assert_array_equal(ds.y[:, 0], ref[:, -1])
    assert ds.feature_names[-1] == names[-2]


@pytest.mark.parametrize(
    ("labels", "classes"),
    [
        (["0.0", "1.0", "1", "0"], (0.0, 1.0)),  # floats and integers: the same two classes
        (["yes", " yes", "no ", "no"], ("no", "yes")),  # spaces around a label: no new class
    ],
)
def test_labels_as_spreadsheets_and_pandas_write_them(tmp_path, labels, classes):
    rows = [["a", "b", "label"]] + [[str(i), str(2 * i), lab] for i, lab in enumerate(labels)]
    path = tmp_path / "l.csv"
    path.write_text(_text(rows))
    ds = load_csv(path, return_info=True)
    assert ds.task == "classification" and ds.n_classes == 2
    expected = [classes.index(float(v) if isinstance(classes[0], float) else v.strip())
                for v in labels]  # fmt: skip
    np.testing.assert_array_equal(ds.y[:, 0], expected)


def test_the_decimal_comma_fix_names_the_files_own_separator(tmp_path):
    # the hint said sep=';' for a tab-separated file too: pandas then read one column
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\tlabel\n1,5\t2\t0\n3\t4,25\t1\n5\t6\t0\n")
    with pytest.raises(ValueError, match=r"pandas\.read_csv\(path, sep='\\t', decimal=','\)"):
        load_csv(path)
    pd = pytest.importorskip("pandas")
    pd.read_csv(path, sep="\t", decimal=",").to_csv(tmp_path / "fixed.csv", index=False)
    np.testing.assert_array_equal(
        load_csv(tmp_path / "fixed.csv")[0], [[1.5, 2], [3, 4.25], [5, 6]]
    )


def test_the_cli_target_check_survives_its_read_budget_cutting_a_quoted_field(tmp_path):
    # the check reads the first 1,000,000 characters; the row they cut had an open quote, the
    # check's reader failed on it and the check was skipped: --target 1 taken as an index
    rows = [["1", "a", "y"]] + [["5" * 1000, str(i % 2), str(i % 2)] for i in range(1200)]
    path = tmp_path / "long.csv"
    path.write_text(_text(rows, quote_all=True))
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(path), "--target", "1", "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "'1' is both the index of column 'a' and the name of column 0" in result.output


def test_pandas_index_in_a_headerless_file_is_named_in_a_warning(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "frame.csv"
    pd.DataFrame(FRAME).to_csv(path, header=False)  # the index is kept, with no header line
    with pytest.warns(
        gn.datasets.IndexColumnWarning, match=r"column 0 \(no name\) holds the row numbers 0\.\.4"
    ):
        X, _ = load_csv(path)
    np.testing.assert_array_equal(X, pd.read_csv(path, header=None).to_numpy()[:, :-1])
    pd.DataFrame(FRAME).to_csv(path, header=False, index=False)
    load_csv(path)  # no index: no warning (warnings are errors in this suite)


# --- the command line's way to say what load_csv cannot tell ------------------------------------


def _cli(*args):
    return CliRunner().invoke(cli, ["train", *args, "--epochs", "2", "-q", "--force"])


def test_the_cli_says_how_to_read_an_ambiguous_file_in_its_own_options(tmp_path):
    # each refusal's advice names the option to give, and giving it reads the file as told,
    # the same table the library reads with the keyword the option passes on
    out = str(tmp_path / "run")
    cases = [
        ("1,2,maybe\n3,4,no\n5,6,no\n7,8,yes\n", "--header yes or --header no", ["--header", "no"],
         {"header": False}),
        ("a,b,label\n1,2,Yes\n3,4,yes\n5,6,no\n", "--task classification",
         ["--task", "classification"], {"task": "classification"}),
        ("a,b;label\n0,5;1\n1,5;2\n", "--delimiter ',' or --delimiter ';'", ["--delimiter", ";"],
         {"delimiter": ";", "task": "regression"}),
    ]  # fmt: skip
    for k, (text, advice, options, keywords) in enumerate(cases):
        path = tmp_path / f"f{k}.csv"
        path.write_text(text)
        refused = _cli("--csv", str(path), "-o", out)
        assert refused.exit_code == 2 and advice in refused.output, refused.output
        assert "load_csv" not in refused.output
        assert not re.search(r"\b(header|task|delimiter)=", refused.output)  # library words
        extra = ["--task", "regression"] if "delimiter" in keywords else []
        done = _cli("--csv", str(path), "-o", out, *options, *extra)
        if "delimiter" in keywords:  # 0,5 is a decimal comma: refused, with its own advice
            assert done.exit_code == 2 and "a decimal comma?" in done.output
            continue
        assert done.exit_code == 0, done.output
        n = load_csv(path, **keywords)[0].shape[0]
        assert f"({n} samples)" in done.output


@pytest.mark.parametrize(("given", "char"), [("tab", "\t"), ("\\t", "\t"), ("semicolon", ";"),
                                             ("bar", "|"), ("comma", ","), (";", ";")])  # fmt: skip
def test_the_delimiter_option_takes_a_character_or_its_name(tmp_path, given, char):
    path = tmp_path / "t.csv"
    path.write_text(_text(ROWS, char, ["a", "b", "label"]))
    result = _cli("--csv", str(path), "--delimiter", given, "-o", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert "(5 samples)" in result.output


@pytest.mark.parametrize("option", [["--delimiter", ";"], ["--header", "no"],
                                    ["--task", "regression"]])  # fmt: skip
def test_a_csv_reading_option_without_csv_is_refused_naming_it(tmp_path, option):
    result = _cli("-d", "xor", *option, "-o", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert f"{option[0]}: reads a --csv file; give --csv, or drop {option[0]}" in result.output
