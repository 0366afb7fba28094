"""Data-module details mutation testing found unchecked: the argument named in a refusal."""

from __future__ import annotations

import pytest

from glassnet.datasets.split import Standardizer


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
        "delimiter: expected a single character other than a quote or a line break, got 5 (int)"
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
