"""``glassnet.datasets.csv.load_inputs``: the rows a trained model is applied to, read from
hand-written tables whose every number is known; columns by position, or by the model's
input names wherever the file puts them."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.datasets.csv import load_csv, load_inputs


def table(tmp_path, text: str, name: str = "t.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_by_position_the_inputs_alone_or_with_the_target(tmp_path):
    alone = load_inputs(table(tmp_path, "a,b\n1,2\n3,4\n"), 2)
    np.testing.assert_array_equal(alone.X, [[1, 2], [3, 4]])
    assert alone.target is None and alone.feature_names == ("a", "b") and alone.header
    assert alone.lines == (2, 3)
    both = load_inputs(table(tmp_path, "a,label,b\n1,x,2\n3,y,4\n"), 2)  # label: the target
    np.testing.assert_array_equal(both.X, [[1, 2], [3, 4]])
    assert both.target == (("x", "y"),) and both.target_names == ("label",)
    bare = load_inputs(table(tmp_path, "1,2,9\n3,4,8\n"), 2)  # no header: the last is the target
    np.testing.assert_array_equal(bare.X, [[1, 2], [3, 4]])
    assert bare.target == (("9", "8"),) and not bare.header
    assert bare.feature_names == ("col0", "col1")


def test_by_name_the_columns_wherever_they_stand(tmp_path):
    path = table(tmp_path, "price,b,a\n10,2,1\n20,4,3\n")
    got = load_inputs(path, 2, features=["a", "b"])
    np.testing.assert_array_equal(got.X, [[1, 2], [3, 4]])  # a then b, as the model has them
    assert got.feature_names == ("a", "b") and got.target == (("10", "20"),)
    assert got.target_names == ("price",)
    # by position (no names given), the last column is the target and price, b the inputs
    np.testing.assert_array_equal(load_inputs(path, 2).X, [[10, 2], [20, 4]])
    # the inputs alone, in another order
    got = load_inputs(table(tmp_path, "b,a\n2,1\n", "two.csv"), 2, features=("a", "b"))
    np.testing.assert_array_equal(got.X, [[1, 2]])
    assert got.target is None
    # a given target must be the column left
    assert load_inputs(path, 2, "price", features=["a", "b"]).target == (("10", "20"),)
    with pytest.raises(ValueError) as err:
        load_inputs(path, 2, "b", features=["a", "b"])
    assert str(err.value) == "target: 'b' is not the column left besides the inputs (price)"


def test_by_name_a_file_without_a_header_is_read_by_position(tmp_path):
    got = load_inputs(table(tmp_path, "1,2,9\n3,4,8\n"), 2, features=["b", "a"])
    np.testing.assert_array_equal(got.X, [[1, 2], [3, 4]])
    assert got.target == (("9", "8"),)


def test_by_name_what_cannot_be_matched_is_refused(tmp_path):
    path = table(tmp_path, "a,c,t\n1,2,3\n")
    with pytest.raises(ValueError) as err:
        load_inputs(path, 2, features=["a", "b"])
    assert str(err.value) == (
        f"{path!r}: no column named 'b'; the model's inputs are a, b, the file's columns a, c, t "
        "(name them as the model's, or leave out the header line to take the columns by "
        "position)"
    )
    twice = table(tmp_path, "a,a,b\n1,2,3\n", "twice.csv")
    with pytest.raises(ValueError) as err:
        load_inputs(twice, 2, features=["a", "b"])
    assert str(err.value) == (
        f"{twice!r}: the header names 'a' more than once: which column is the model's input "
        "is not said"
    )
    # the count of columns is checked first, by name or not
    wide = table(tmp_path, "a,b,c,d\n1,2,3,4\n", "wide.csv")
    with pytest.raises(ValueError) as err:
        load_inputs(wide, 2, features=["a", "b"])
    assert str(err.value).startswith(f"{wide!r}: expected 2 columns (the inputs) or 3 (the ")
    for bad, kind, message in [
        ("ab", TypeError, "features: expected a sequence of column names, got 'ab'"),
        ([1, 2], TypeError, "features: expected a sequence of column names, got [1, 2]"),
        (["a"], ValueError, "features: expected 2 different names (n_features), got ['a']"),
        (["a", "a"], ValueError, "features: expected 2 different names (n_features), got "
                                 "['a', 'a']"),
    ]:  # fmt: skip
        with pytest.raises(kind) as err:
            load_inputs(path, 2, features=bad)
        assert str(err.value) == message


# --- load_csv's features= : a trained model's inputs by name ----------------------------------


def test_load_csv_takes_the_features_by_name_and_the_column_left_as_target(tmp_path):
    path = table(tmp_path, "price,b,a\n10.5,2,1\n20.5,4,3\n30.5,5,7\n")
    X, y = load_csv(path, features=["a", "b"])
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [7, 5]])
    np.testing.assert_array_equal(y, [[10.5], [20.5], [30.5]])
    # by position the last column (a) would have been the target
    np.testing.assert_array_equal(load_csv(path, task="regression")[1], [[1], [3], [7]])
    # a given target must be the column left
    np.testing.assert_array_equal(
        load_csv(path, "price", features=["a", "b"])[1][:, 0], [10.5, 20.5, 30.5]
    )
    with pytest.raises(ValueError) as err:
        load_csv(path, "a", features=["a", "b"])
    assert str(err.value) == "target: 'a' is not the column(s) left besides the features (price)"


def test_load_csv_features_without_a_header_are_counted_by_position(tmp_path):
    path = table(tmp_path, "1,2,10.5\n3,4,20.5\n5,7,30.5\n")
    X, y = load_csv(path, features=["b", "a"])  # no names to match: by position
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 7]])
    np.testing.assert_array_equal(y, [[10.5], [20.5], [30.5]])
    with pytest.raises(ValueError) as err:
        load_csv(path, features=["a", "b", "c"])
    assert str(err.value) == (
        f"{path!r}: expected 3 feature columns (a, b, c) besides the target, got 2"
    )


def test_load_csv_refuses_features_it_cannot_match(tmp_path):
    path = table(tmp_path, "a,c,t\n1,2,3\n4,5,6\n")
    with pytest.raises(ValueError) as err:
        load_csv(path, features=["a", "b"])
    assert str(err.value).startswith(f"{path!r}: no column named 'b'; the model's inputs are a, b")
    with pytest.raises(ValueError) as err:
        load_csv(path, features=["a", "c", "t"])
    assert str(err.value) == f"features: every column of {path!r} is a feature; no target is left"
    for bad, kind in [
        ("ac", TypeError),
        ([], ValueError),
        (["a", "a"], ValueError),
        ([0], TypeError),
    ]:
        with pytest.raises(kind):
            load_csv(path, features=bad)
