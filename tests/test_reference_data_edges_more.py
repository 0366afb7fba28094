"""Stratified splits at more of their edges, against hand computations and the docstring.

* remainders that tie exactly but not in floating point: ``n_c n_test / n`` of classes of 1, 1
  and 7 rows with 3 test rows are all 1/3 past their floor, yet computed in floats the third
  class's ``7 * 3 / 9 - 2`` is larger than ``1 * 3 / 9``; the docstring's largest-remainder
  rounding (ties to the earlier class, as ``train_test_split`` keeps them) is in exact numbers;
* "seeded random split": within each class the test rows are drawn at random, every row of a
  class as likely as another (not the first rows of each class);
* "rows appear in shuffled order": the two parts of a stratified split are not grouped class
  by class.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import datasets as ds


def _split(counts, test_size, seed=0):
    lab = np.repeat(np.arange(len(counts)), counts)
    y = ds.one_hot(lab, len(counts))
    X = np.arange(len(lab), dtype=float)[:, None]  # each row's id
    return ds.train_test_split(X, y, test_size=test_size, seed=seed, stratify=True)


@pytest.mark.parametrize(
    ("counts", "test_size", "want"),
    [
        # n = 9, 3 test rows: quotas 1/3, 1/3, 7/3 = 2 + 1/3; floors 0, 0, 2 leave one row;
        # the three remainders are all exactly 1/3, so the first class gets it
        ([1, 1, 7], 3, [1, 0, 2]),
        # 6 test rows: quotas 2/3, 2/3, 14/3 = 4 + 2/3; floors 0, 0, 4 leave two rows, the
        # remainders tie at 2/3: classes 0 and 1
        ([1, 1, 7], 6, [1, 1, 4]),
        # n = 12, 4 test rows: quotas 1/3, 1/3, 10/3 = 3 + 1/3: one row left, to class 0
        ([1, 1, 10], 4, [1, 0, 3]),
        # n = 27, 9 test rows: quotas 1/3, 1/3, 25/3 = 8 + 1/3: one row left, to class 0
        ([1, 1, 25], 9, [1, 0, 8]),
    ],
)
def test_remainders_that_tie_exactly_go_to_the_earlier_class(counts, test_size, want):
    for seed in (0, 1):
        _, _, y_tr, y_te = _split(counts, test_size, seed)
        assert y_te.sum(axis=0).astype(int).tolist() == want
        assert (y_tr.sum(axis=0) + y_te.sum(axis=0)).astype(int).tolist() == counts


def test_each_row_of_a_class_is_as_likely_to_be_a_test_row():
    # 6 rows of class 0 and 10 of class 1, 4 test rows: quotas 1.5 and 2.5, the tie goes to
    # class 0, so 2 test rows of each class: a row of class 0 is a test row with probability
    # 2/6, one of class 1 with 2/10. Over 300 seeds each row's count is Binomial(300, p):
    # 100 +- 8.2 and 60 +- 6.9; the bounds are 5 standard deviations wide
    counts, runs = [6, 10], 300
    hits = np.zeros(16, dtype=int)
    for seed in range(runs):
        _, X_te, _, y_te = _split(counts, 4, seed)
        assert y_te.sum(axis=0).tolist() == [2, 2]
        hits[X_te[:, 0].astype(int)] += 1
    for p, row_hits in ((2 / 6, hits[:6]), (2 / 10, hits[6:])):
        sd = np.sqrt(runs * p * (1 - p))
        assert np.all(np.abs(row_hits - runs * p) < 5 * sd), row_hits


@pytest.mark.parametrize("part", ["train", "test"])
def test_stratified_parts_come_in_shuffled_order_not_class_by_class(part):
    # 10 rows of each of two classes, 10 test rows: 5 of each class in each part. In shuffled
    # order a part's labels are sorted (all of one class first) with probability
    # 2 / C(10, 5) = 1/126 either way round: about 1.6 of 200 seeds
    grouped = 0
    first_half = []
    for seed in range(200):
        _, _, y_tr, y_te = _split([10, 10], 10, seed)
        lab = ds.labels(y_tr if part == "train" else y_te)
        assert np.bincount(lab).tolist() == [5, 5]
        steps = np.diff(lab)
        grouped += bool(np.all(steps >= 0) or np.all(steps <= 0))
        first_half.append(np.sum(lab[:5] == 0))
    assert grouped <= 8
    # the class-0 rows among the first five: hypergeometric, mean 2.5, sd 0.83 per seed
    assert abs(np.mean(first_half) - 2.5) < 0.3


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "blobs"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_rows_come_in_a_random_order_not_class_by_class(name, seed):
    # documented (glassnet.datasets.generators): the rows are permuted after the points are
    # drawn. In class order, the first half of 300 rows of two classes would be one class (of
    # three, every row of the first and half the second); randomly ordered, each class's count
    # there is hypergeometric with sd <= 4.4, so within 25-75% of its rows at > 5 sd
    _, y = ds.load(name, seed=seed, n_samples=300)
    labels = np.argmax(y, axis=1) if y.shape[1] > 1 else y[:, 0].astype(int)
    for c in np.unique(labels):
        total = int((labels == c).sum())
        first = int((labels[:150] == c).sum())
        assert 0.25 * total < first < 0.75 * total, (c, first, total)
    assert np.any(np.diff(labels) < 0)  # not sorted by class
