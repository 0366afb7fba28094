"""Data-module details mutation testing found unchecked: the argument named in a refusal,
messages word for word, labels of other dtypes, and the standardizer's arithmetic.

References: Python's csv module (its own error text), scikit-learn's train_test_split and
StandardScaler, NumPy's mean and std written out, and values worked out by hand.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import glassnet as gn
from glassnet.datasets.csv import load_csv
from glassnet.datasets.encoding import encode_labels, one_hot
from glassnet.datasets.split import Standardizer, standardized_split, train_test_split


def test_standardizer_names_the_array_it_refuses():
    with pytest.raises(TypeError) as info:
        Standardizer().fit("abc")
    assert str(info.value) == "X: expected a numeric array, got 'abc' (str)"


def test_load_csv_refusals_name_the_file_and_what_is_wrong(tmp_path):
    from glassnet.datasets.csv import load_csv

    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"a,b\n1,\xff\n")
    with pytest.raises(ValueError) as info:
        load_csv(latin)
    assert str(info.value) == f"{str(latin)!r}: not a UTF-8 text file (invalid start byte)"
    with pytest.raises(TypeError) as info:
        load_csv(3.5)
    assert str(info.value) == "path: expected a file path (str or os.PathLike), got 3.5 (float)"
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError) as info:
        load_csv(plain, delimiter=5)
    assert str(info.value) == (
        "delimiter: expected 'auto' or a single character other than a quote or a line break, got 5 (int)"
    )
    # a carriage return alone inside a quoted field is a line break too
    cr = tmp_path / "cr.csv"
    with open(cr, "w", newline="") as fh:
        fh.write('a,b\n1,"x\ry"\n')
    with pytest.raises(ValueError) as info:
        load_csv(cr)
    assert str(info.value) == (
        f"{str(cr)!r}, line 2: a quoted field runs over several lines (to line 3); is a closing "
        "quote missing?"
    )


def test_blobs_with_three_centres_give_three_classes_around_them():
    import numpy as np

    import glassnet as gn

    centres = np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 0.0]])
    X, y = gn.datasets.load("blobs", centers=centres.tolist(), n_samples=30, seed=0)[:2]
    assert y.shape == (30, 3)
    # a point's class is the centre it lies nearest to (the spread is small next to 10)
    nearest = np.argmin(((X[:, None, :] - centres[None]) ** 2).sum(axis=-1), axis=1)
    np.testing.assert_array_equal(y.argmax(axis=1), nearest)


# --- load_csv --------------------------------------------------------------------------------


def test_a_csv_error_other_than_an_open_quote_is_given_in_the_csv_modules_words(tmp_path):
    text = 'a,b\n"1"x,2\n'  # text after a closing quote: csv's strict mode refuses it
    with pytest.raises(csv.Error) as reference:
        list(csv.reader(io.StringIO(text), strict=True))
    path = tmp_path / "after.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(reference.value) == "',' expected after '\"'"
    assert str(info.value) == (
        f"{str(path)!r}, line 2: not a readable CSV row (',' expected after '\"')"
    )


def test_an_infinite_class_label_is_refused_naming_its_line(tmp_path):
    path = tmp_path / "inf.csv"
    path.write_text("x,label\n1,0\n2,inf\n3,1\n")
    with pytest.raises(ValueError) as info:
        load_csv(path, task="classification")
    assert str(info.value) == (
        f"{str(path)!r}, line 3, column 'label': expected a finite class label, got inf"
    )


def test_a_loaded_csv_says_where_it_came_from(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("x,y\n1,0.5\n2,1.5\n")
    ds = load_csv(path, return_info=True)
    assert ds.description == f"loaded from {path}"
    assert ds.meta == {"path": str(path), "target_columns": ("y",), "header": True}
    path.write_text("1,0.5\n2,1.5\n")  # numbers alone: no header, the columns named col0, ...
    ds = load_csv(path, return_info=True)
    assert ds.meta["header"] is False and ds.feature_names == ("col0",)


# --- encoding --------------------------------------------------------------------------------


def test_integer_valued_float_labels_are_one_hot_encoded():
    # odd values too (1.0, 3.0), and float32
    expected = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=float)
    for dtype in (np.float64, np.float32):
        labels = np.array([1.0, 0.0, 3.0, 2.0], dtype=dtype)
        np.testing.assert_array_equal(one_hot(labels), expected)


def test_boolean_labels_are_not_class_indices():
    with pytest.raises(ValueError) as info:
        one_hot(np.array([True, False]))
    assert str(info.value) == "labels: expected integer class indices, got dtype bool"


def test_a_boolean_among_numbers_makes_the_labels_text():
    # True is not the number 1 here: with it, the labels are sorted as text, "2" < "True"
    y, names = encode_labels([True, 2, 2, True])
    assert names == ("2", "True")
    np.testing.assert_array_equal(y, [[1.0], [0.0], [0.0], [1.0]])


# --- generators ------------------------------------------------------------------------------


def test_more_blob_centres_than_classes_allowed_are_refused():
    centres = np.zeros((100_001, 2))
    centres[0, 0] = 1.0
    with pytest.raises(ValueError) as info:
        gn.datasets.load("blobs", centers=centres)
    assert str(info.value) == (
        "centers: expected at most 100000 centers with coordinates within +-1e+06, got 100001 "
        "up to 1"
    )


# --- split -----------------------------------------------------------------------------------


def _twelve_and_eight():
    X = np.arange(20.0).reshape(-1, 1)
    y = np.array([0.0] * 12 + [1.0] * 8).reshape(-1, 1)
    return X, y


def test_standardized_split_stratifies_as_scikit_learn_does():
    from sklearn.model_selection import train_test_split as sk_split

    X, y = _twelve_and_eight()
    for seed in range(10):
        y_te = sk_split(X, y, test_size=0.25, random_state=seed, stratify=y)[3]
        assert y_te.shape == (5, 1) and int(y_te.sum()) == 2  # 3 of the 12, 2 of the 8
        y_te = standardized_split(X, y, 0.25, seed, True)[3]
        assert y_te.shape == (5, 1) and int(y_te.sum()) == 2


def test_stratify_takes_only_true_or_false():
    X, y = _twelve_and_eight()
    with pytest.raises(TypeError) as info:
        train_test_split(X, y, 0.25, 0, "yes")
    assert str(info.value) == "stratify: expected True or False, got 'yes'"


def test_stratify_refuses_targets_that_are_not_classes_word_for_word():
    X = np.arange(4.0).reshape(-1, 1)
    with pytest.raises(ValueError) as info:
        train_test_split(X, [[0.5], [1.5], [0.5], [1.5]], 0.5, 0, True)
    assert str(info.value) == (
        "stratify: expected class targets (y of shape (N, 1) holding 0/1, or one-hot (N, k)), "
        "got y of shape (4, 1) with other values"
    )


def test_object_class_targets_are_stratified_as_numbers():
    # 0/1 held in an object array (as a table of mixed columns gives them)
    X, y = _twelve_and_eight()
    for seed in range(5):
        *_, y_te = train_test_split(X, y.astype(object), 0.25, seed, True)
        assert int(np.asarray(y_te, dtype=float).sum()) == 2


def test_the_standardizer_names_x_or_z_in_a_refusal():
    scaler = gn.datasets.Standardizer().fit([[1.0], [2.0]])
    with pytest.raises(ValueError) as info:
        scaler.transform([1.0, 2.0])
    assert str(info.value) == (
        "X: expected a 2-D array (N, d), got shape (2,) (for one feature use X.reshape(-1, 1))"
    )
    with pytest.raises(ValueError) as info:
        scaler.inverse_transform([1.0, 2.0])
    assert str(info.value) == (
        "Z: expected a 2-D array (N, d), got shape (2,) (for one feature use Z.reshape(-1, 1))"
    )


def test_ordinary_columns_get_numpys_own_mean_and_std():
    # columns of ordinary magnitude are not rescaled first: the mean and the deviation are
    # NumPy's, bit for bit ([10, 12] has std exactly 1)
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(50, 40)), np.tile([10.0, 12.0], 25)])
    scaler = gn.datasets.Standardizer().fit(X)
    np.testing.assert_array_equal(scaler.mean, X.mean(axis=0))
    np.testing.assert_array_equal(scaler.scale, X.std(axis=0))
    assert scaler.scale[-1] == 1.0


def test_a_deviation_that_rounds_to_zero_gets_scale_one_as_in_scikit_learn():
    from sklearn.preprocessing import StandardScaler

    # the two smallest subnormals: the deviation, 2.5e-324, is not representable (rounds to 0)
    X = np.array([[5e-324], [1e-323]])
    scaler = gn.datasets.Standardizer().fit(X)
    assert scaler.scale[0] == StandardScaler().fit(X).scale_[0] == 1.0
    assert np.isfinite(scaler.transform(X)).all()
