"""CSV loading at its limits, and what the catalog prints, word for word.

Each message is what a user reads when a file is not what ``load_csv`` takes: it names the file,
the line and the column, and says what to do. The limits are checked on both sides (the first
and last column index, a file of exactly the size limit, the largest float32), and the rules for
what counts as a row (blank lines, lines of empty fields) and as a class column.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import datasets as ds
from glassnet.datasets import csv as gcsv


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


@pytest.mark.parametrize(("target", "x_cols", "y"), [(-3, [1, 2], [1, 4]), (2, [0, 1], [3, 6]),
                                                    (0, [1, 2], [1, 4]), (-1, [0, 1], [3, 6])])  # fmt: skip
def test_target_indices_at_both_ends(tmp_path, target, x_cols, y):
    path = _write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n")
    X, Y = ds.load_csv(path, target=target, task="regression")
    full = np.array([[1, 2, 3], [4, 5, 6]], dtype=float)
    np.testing.assert_array_equal(X, full[:, x_cols])
    np.testing.assert_array_equal(Y[:, 0], y)


@pytest.mark.parametrize(
    ("text", "kwargs", "error", "message"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", dict(target=3), ValueError,
         "target: column index 3 is out of range for '{p}', which has 3 columns (valid: -3 to 2)"),
        ("a,b,c\n1,2,3\n4,5,6\n", dict(target=-4), ValueError,
         "target: column index -4 is out of range for '{p}', which has 3 columns (valid: -3 to 2)"),
        ("a,b,c\n1,2,3\n4,5,6\n", dict(target=True), TypeError,
         "target: expected a column name or index, got True"),
        ("a,b,c\n1,2,3\n4,5,6\n", dict(target=[]), ValueError,
         "target: expected at least one column, got an empty sequence"),
        ('"a,b\n1,2\n', {}, ValueError,
         "'{p}', line 1: not a readable CSV row (a quote opened there is never closed)"),
        ('a,"b\nc",d\n1,2,3\n', {}, ValueError,
         "'{p}', line 1: a quoted field runs over several lines (to line 2); is a closing "
         "quote missing?"),
        ('a,b\n1,2\n3,"4\n5"\n', {}, ValueError,
         "'{p}', line 3: a quoted field runs over several lines (to line 4); is a closing "
         "quote missing?"),
        ("a,b\n1,2\n3,NA\n", {}, ValueError,
         "'{p}', line 3, column 'b': missing value 'NA'; fill or drop it before loading"),
        ("a,b\n1,2\nx,3\n4,5\n", dict(header=False), ValueError,
         "'{p}', line 1, column 'col0': expected a number, got 'a' (non-numeric features are "
         "not supported; encode or drop the column; or is this line a header? header=False "
         "was given)"),
        ("a,b\n1,2\nx,3\n4,5\n", {}, ValueError,
         "'{p}', line 3, column 'a': expected a number, got 'x' (non-numeric features are not "
         "supported; encode or drop the column)"),
        ("1,2\nx,3\n4,5\n", dict(header=False), ValueError,
         "'{p}', line 2, column 'col0': expected a number, got 'x' (non-numeric features are "
         "not supported; encode or drop the column)"),
        ("a,b\n1,q\n2,q\n", {}, ValueError,
         "'{p}', column 'b': classification needs at least 2 classes, got only 'q'"),
        ("a,b\n1,2\n2,2\n", dict(task="classification"), ValueError,
         "'{p}', column 'b': classification needs at least 2 classes, got only '2'"),
        ("a,b\n1,2\n3,4\n", dict(task=3), TypeError,
         "task: expected 'auto', 'classification' or 'regression', got 3 (int)"),
        ("a,b\n1,2\n3,4\n", dict(task="clusters"), ValueError,
         "task: expected 'auto', 'classification' or 'regression', got 'clusters' (str)"),
        ("a,b\n1,2\n3,4\n", dict(header="yes"), ValueError,
         "header: expected True, False or 'auto', got 'yes' (str)"),
        ("a,b\n1,2\n3,4\n", dict(return_info=1), TypeError,
         "return_info: expected True or False, got 1 (int)"),
        ("a,b\n1,2\n3,4\n", dict(delimiter='"'), ValueError,
         "delimiter: expected 'auto' or a single character other than a quote or a line break"),
        ("a,b\n1,2\n3,4\n", dict(delimiter="\n"), ValueError,
         "delimiter: expected 'auto' or a single character other than a quote or a line break"),
        ("a,b\n1e39,1.5\n3,4.5\n", dict(dtype="float32"), ValueError,
         "'{p}', line 2, column 'a': 1e+39 does not fit dtype float32 (largest 3.403e+38); "
         "load with dtype='float64'"),
    ],
)  # fmt: skip
def test_csv_messages_word_for_word(tmp_path, text, kwargs, error, message):
    path = _write(tmp_path, text)
    with pytest.raises(error) as info:
        ds.load_csv(path, **kwargs)
    assert str(info.value).startswith(message.format(p=path)), str(info.value)


def test_a_path_that_is_no_path_is_refused():
    with pytest.raises(TypeError) as info:
        ds.load_csv(b"data.csv")
    assert (
        str(info.value)
        == "path: expected a file path (str or os.PathLike), got b'data.csv' (bytes)"
    )


def test_what_counts_as_a_row(tmp_path):
    # blank lines and lines of empty fields are skipped, wherever they are
    path = _write(tmp_path, "a,b\n\n1,2\n , \n,\n3,4\n\n")
    X, y = ds.load_csv(path, task="regression")
    np.testing.assert_array_equal(X[:, 0], [1.0, 3.0])
    np.testing.assert_array_equal(y[:, 0], [2.0, 4.0])
    # any single character but a quote or a line break separates fields, even a letter
    path = _write(tmp_path, "aXb\n1X2\n3X4\n", "x.csv")
    X, _ = ds.load_csv(path, delimiter="X", task="regression")
    np.testing.assert_array_equal(X[:, 0], [1.0, 3.0])
    # Windows line endings
    path = _write(tmp_path, "a,b\r\n1,2\r\n3,4\r\n", "w.csv")
    np.testing.assert_array_equal(ds.load_csv(path, task="regression")[1][:, 0], [2.0, 4.0])


def test_several_numeric_targets_are_a_regression_even_with_few_values(tmp_path):
    path = _write(tmp_path, "x,t1,t2\n0.5,1,0\n0.2,0,1\n0.9,1,1\n")
    d = ds.load_csv(path, target=["t1", "t2"], return_info=True)
    assert d.task == "regression" and d.y.shape == (3, 2) and d.n_classes is None
    assert d.target_names == ("t1", "t2")
    assert d.meta == {"path": str(path), "target_columns": ("t1", "t2"), "header": True}
    assert d.feature_names == ("x",) and d.name == "t"


def test_the_largest_float32_fits_float32(tmp_path):
    big = float(np.finfo(np.float32).max)
    path = _write(tmp_path, f"a,b\n{big!r},1.5\n-{big!r},2.5\n")
    X, _ = ds.load_csv(path, dtype="float32", task="regression")
    assert X.dtype == np.float32 and X[0, 0] == np.float32(big) and X[1, 0] == -np.float32(big)


def test_the_size_limit_is_inclusive_and_its_message_counts_mebibytes(tmp_path, monkeypatch):
    # 1 MiB: a limit of 4 read a million rows at the boundary, 20 s of the suite
    monkeypatch.setattr(gcsv, "MAX_CSV_BYTES", 2**20)
    row = "1,2\n"
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + row * ((2**20 - 4) // len(row)))
    assert path.stat().st_size == 2**20  # exactly the limit: read
    assert ds.load_csv(path, task="regression")[0].shape == ((2**20 - 4) // 4, 1)
    path.write_text("a,b\n" + row * (2 * 2**20 // len(row)))
    with pytest.raises(ValueError) as info:
        ds.load_csv(path)
    assert str(info.value) == (
        f"path: {str(path)!r} holds 2 MiB; at most 1 MiB of CSV are read "
        "(glassnet.datasets.csv.MAX_CSV_BYTES: parsed as Python text, a table takes about ten "
        "times its file size)"
    )


# --- the catalog ------------------------------------------------------------------------------


def test_describe_prints_the_documented_table():
    assert ds.describe("moons") == (
        "name   X         y         task                        options\n"
        "moons  (200, 2)  (200, 1)  classification (2 classes)  n_samples=200, noise=0.1, seed=0"
    )
    assert (
        ds.describe("xor").splitlines()[1] == "xor   (4, 2)  (4, 1)  classification (2 classes)  -"
    )
    assert ds.describe("diabetes").splitlines()[1] == (
        "diabetes  (442, 10)  (442, 1)  regression  standardize=True"
    )
    table = ds.describe().splitlines()
    assert len(table) == 1 + len(ds.names()) and table[0].startswith("name ")
    info = ds.info("blobs")
    assert info.description == "3 Gaussian clusters" and info.n_classes == 3


def test_load_names_its_options():
    with pytest.raises(TypeError) as info:
        ds.load("moons", colour=1)
    assert str(info.value) == (
        "load('moons'): unexpected keyword argument 'colour'; expected one of dtype, "
        "return_info, n_samples, noise, seed"
    )
    with pytest.raises(TypeError) as info:
        ds.load("xor", return_info="x")
    assert str(info.value) == "return_info: expected True or False, got 'x' (str)"
    with pytest.raises(ValueError) as info:
        ds.load("xor", dtype="int8")
    assert str(info.value) == "dtype: expected 'float64' or 'float32', got 'int8'"
    assert ds.load("xor", dtype=None)[0].dtype == np.float64  # NumPy's default float


def test_one_dimensional_features_get_the_reshape_hint():
    with pytest.raises(ValueError) as info:
        ds.Standardizer().fit(np.array([1.0, 2.0]))
    assert str(info.value) == (
        "X: expected a 2-D array (N, d), got shape (2,) (for one feature use X.reshape(-1, 1))"
    )
    with pytest.raises(ValueError) as info:
        ds.Standardizer().fit(np.zeros((2, 2, 2)))
    assert str(info.value) == "X: expected a 2-D array (N, d), got shape (2, 2, 2)"
