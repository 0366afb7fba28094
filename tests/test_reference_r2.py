"""``glassnet.metrics.r2`` against scikit-learn's ``r2_score`` (its default uniform average over
outputs and its ``force_finite`` rule for constant targets), and the command line's ``R²`` line,
which says what a regression's loss alone does not: whether anything was learned."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import r2_score

import glassnet as gn
from glassnet.cli import cli
from glassnet.metrics import r2

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 9).flatmap(
        lambda n: st.integers(1, 3).flatmap(
            lambda k: st.tuples(arrays(np.float64, (n, k), elements=finite),
                                arrays(np.float64, (n, k), elements=finite))
        )
    )
)  # fmt: skip
def test_r2_is_scikit_learns(pair):
    y, y_hat = pair
    assert r2(y_hat, y) == pytest.approx(r2_score(y, y_hat), rel=1e-12, abs=1e-12)


def test_hand_computed_values_and_constant_columns():
    y = np.array([[1.0], [2.0], [3.0]])
    assert r2(y, y) == 1.0
    assert r2(np.full((3, 1), 2.0), y) == 0.0  # the mean
    # reversed: residuals 4, 0, 4 over a total of 1 + 0 + 1 = 2: 1 - 8/2
    assert r2(np.array([[3.0], [2.0], [1.0]]), y) == -3.0
    const = np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]])
    # a constant column: 1 if predicted exactly, 0 otherwise; averaged with the other
    assert r2(const, const) == 1.0
    off = const + [[0.5, 0.0]] * 3
    assert r2(off, const) == pytest.approx(r2_score(const, off)) == 0.5


def test_a_population_scores_each_member():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(20, 2))
    members = rng.normal(size=(4, 20, 2))
    members[2] = y
    expected = [r2_score(y, m) for m in members]
    np.testing.assert_allclose(r2(members, y), expected, rtol=1e-12)
    assert r2(members, y)[2] == 1.0


def test_a_nan_prediction_scores_nan_and_shapes_are_checked():
    y = np.array([[1.0], [2.0], [3.0]])
    assert np.isnan(r2(np.array([[1.0], [np.nan], [3.0]]), y))
    with pytest.raises(ValueError, match=r"y_hat: expected shape \(3, 1\)"):
        r2(np.zeros((3, 2)), y)
    with pytest.raises(ValueError, match="y: expected shape"):
        r2(np.zeros(3), np.zeros(3))


def _train(tmp_path, csv, *extra):
    result = CliRunner().invoke(
        cli, ["train", "--csv", str(csv), "-o", str(tmp_path / "run"), "-q", *extra]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_reports_a_regressions_r2_as_scikit_learn_scores_the_saved_model(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = X @ [1.5, -2.0] + 0.1 * rng.normal(size=60)
    csv = tmp_path / "reg.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="a,b,out", comments="")
    out = _train(tmp_path, csv, "--hidden", "0", "--output", "identity", "--lr", "0.05",
                 "--epochs", "300")  # fmt: skip
    shown = float(re.search(r"^train R²\s+(\S+)$", out, re.M).group(1))
    model = gn.load(tmp_path / "run" / "model.npz")
    X_used, y_used, _ = _data_as_trained(csv)
    # the target was standardized too (an identity output): predictions map back
    predicted = model.predict(X_used) * y_used.std() + y_used.mean()
    assert shown == pytest.approx(r2_score(y_used, predicted), abs=5e-5)
    assert shown > 0.9 and "no better than" not in out


def _data_as_trained(csv):
    # the CLI standardizes CSV inputs with the training data's own statistics
    X, y = gn.datasets.load_csv(csv)
    return (X - X.mean(axis=0)) / X.std(axis=0), y, None


def test_a_regression_that_learned_nothing_says_so(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 2))
    y = 200_000 + 1000 * (X @ [3.0, 1.0])  # prices in dollars: the loss alone is 1e10
    csv = tmp_path / "price.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="a,b,price", comments="")
    out = _train(tmp_path, csv, "--optimizer", "adam", "--epochs", "20", "--scale-target", "no")
    line = next(x for x in out.splitlines() if x.startswith("train R²"))
    assert line.endswith(
        "(no better than predicting the mean; the targets are used unscaled: --scale-target "
        "yes standardizes them, or train longer or with another --lr)"
    )
    assert float(line.split()[2]) <= 0
    # standardized (the default for an identity output), 20 epochs of adam at 0.001 learn
    # little still: the note then says only what is left to try
    out = _train(tmp_path, csv, "--optimizer", "adam", "--epochs", "20", "--force")
    line = next(x for x in out.splitlines() if x.startswith("train R²"))
    assert float(line.split()[2]) <= 0
    assert line.endswith("(no better than predicting the mean; train longer or with another --lr)")
