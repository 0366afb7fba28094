"""A fresh round of hand-made one-line bugs, and the tests that tell each from the right code.

Each test checks a documented promise against an independent reference: a population's member
against its single network trained alone, a study's summary and a bundled data set against
hand computations and scikit-learn, documented edges (a one-point interval, a padded file
member, a missing-value token) against the docstring. The bugs these tests were written for
(each survived the suite before them) are named in each test's docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


@pytest.fixture(scope="module")
def paper():
    return gn.datasets.load("paper")


# --- a population's member: an independent single network --------------------------------------


def test_a_member_is_an_independent_copy(paper):
    """``member(k)`` is "member k as an independent single network": training it, or writing
    its weights, leaves the population as it was.

    Bug: the member's parameters were views into the population's arrays (no copy), so
    training the member trained the population's member k too."""
    X, y = paper
    pop = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1])
    before = [{k: v.copy() for k, v in layer.items()} for layer in pop.params]
    one = pop.member(1)
    one.fit(X, y, loss="mse", lr=0.5, epochs=5, stats_every=0)
    one.layers[0].W[...] = 7.0
    for layer, old in zip(pop.params, before, strict=True):
        for k in layer:
            np.testing.assert_array_equal(layer[k], old[k])
    # the member trained alone is its single network trained alone
    alone = gn.Network([3, 2, 1], activation="tanh", seed=1)
    h_alone = alone.fit(X, y, loss="mse", lr=0.5, epochs=5, stats_every=0)
    h_member = pop.member(1).fit(X, y, loss="mse", lr=0.5, epochs=5, stats_every=0)
    np.testing.assert_array_equal(h_member.loss, h_alone.loss)


@pytest.mark.parametrize("how", ["record", "network"])
def test_a_members_run_state_is_a_copy_of_the_populations(paper, how):
    """A member's run (``history.member(k).state``, or ``pop.member(k).train_state``) is
    member k's state as a single network's: continuing it, or writing its arrays, leaves the
    population's run as it was, so the population still continues exactly as an
    uninterrupted fit.

    Bug: the member's state sliced the population's arrays without copying them (views)."""
    X, y = paper
    kw = dict(loss="mse", optimizer="adam", lr=0.05, stats_every=0)
    pop = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1])
    hp = pop.fit(X, y, epochs=5, **kw)
    before = [{k: v.copy() for k, v in layer.items()} for layer in hp.state.params]
    if how == "record":
        state = hp.member(1).state
        for layer in state.params:
            for v in layer.values():
                v[...] = 0.0
    else:
        one = pop.member(1)
        one.train_state.params[0]["W"][...] = 7.0
        one.fit(X, y, resume=one.train_state, epochs=3)
    for layer, old in zip(hp.state.params, before, strict=True):
        for k in layer:
            np.testing.assert_array_equal(layer[k], old[k])
    # the population goes on as one uninterrupted 8-epoch fit
    pop.fit(X, y, resume=hp.state, epochs=3)
    again = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1])
    again.fit(X, y, epochs=8, **kw)
    for a, b in zip(pop.params, again.params, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


# --- a study's per-axis summary, from a hand-made results table -------------------------------


def test_axis_summary_is_the_documented_statistics_of_each_values_runs():
    """``axis_summary``: per value, the median epochs with diverged and never-converged runs
    as infinity, the converged and diverged fractions with 95% Wilson intervals, the median
    final loss of the runs that did not diverge, and the *mean* final accuracy (NaN skipped).

    Bugs: the mean accuracy taken as a median; the final loss's median taken over diverged
    runs too; a diverged run's epoch (recorded as it was) not counted as never."""
    import pandas as pd
    from scipy.stats import norm

    from glassnet.study.report import axis_summary

    df = pd.DataFrame(
        {
            "activation": ["tanh"] * 5 + ["relu"] * 3,
            "epoch_threshold": [3, 5, 40, -1, 7, 2, 4, 9],
            "epoch_paper": [4, 6, 41, -1, 9, 3, -1, 10],
            "converged": [True, True, True, False, False, True, True, True],
            "diverged": [False, False, False, False, True, False, False, False],
            "final_loss": [0.01, 0.02, 0.04, 0.5, 1e9, 0.03, 0.05, 0.07],
            "final_accuracy": [1.0, 1.0, 1.0, 0.0, np.nan, 1.0, 0.5, 0.25],
        }
    )
    rows = {r["value"]: r for r in axis_summary(df, "activation", n_boot=50)}
    tanh, relu = rows["tanh"], rows["relu"]
    assert tanh["runs"] == 5 and relu["runs"] == 3
    # epochs: tanh's are 3, 5, 40, inf (never), inf (diverged at 7): the median is 40
    assert tanh["median_epochs"] == 40.0
    assert tanh["median_epochs_paper"] == 41.0
    assert relu["median_epochs"] == 4.0 and relu["median_epochs_paper"] == 10.0
    assert tanh["median_final_loss"] == pytest.approx(np.median([0.01, 0.02, 0.04, 0.5]))
    assert tanh["mean_final_accuracy"] == pytest.approx(0.75)
    assert relu["mean_final_accuracy"] == pytest.approx((1.0 + 0.5 + 0.25) / 3)
    # the Wilson interval of 1 diverged in 5, at 95%
    z = norm.ppf(0.975)
    p, n = 1 / 5, 5
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert tanh["diverged"] == pytest.approx(0.2)
    assert (tanh["diverged_lo"], tanh["diverged_hi"]) == pytest.approx(
        (centre - half, centre + half)
    )
    assert tanh["converged"] == pytest.approx(0.6) and relu["converged"] == 1.0


# --- the bundled diabetes set: z-scored as scikit-learn's StandardScaler does ----------------------


def test_standardized_diabetes_is_standard_scalers_z_scores_and_maps_back():
    """``load("diabetes")`` z-scores every feature and the target with statistics of all 442
    rows: ``StandardScaler`` (population standard deviation) on the raw values gives the same
    numbers, and ``y * y_std + y_mean`` gives the raw target back.

    Bug: the target (or a feature) divided by the sample standard deviation (``ddof=1``)."""
    from sklearn.preprocessing import StandardScaler

    ds = gn.datasets.load("diabetes", return_info=True)
    raw = gn.datasets.load("diabetes", standardize=False, return_info=True)
    np.testing.assert_allclose(ds.X, StandardScaler().fit_transform(raw.X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ds.y, StandardScaler().fit_transform(raw.y), rtol=1e-12, atol=1e-12)
    meta = ds.meta
    np.testing.assert_allclose(ds.y * meta["y_std"] + meta["y_mean"], raw.y, rtol=1e-12)
    np.testing.assert_allclose(ds.X * meta["x_std"] + meta["x_mean"], raw.X, rtol=1e-12, atol=1e-15)


# --- model files: a member holding more bytes than its array -------------------------------------


@pytest.mark.parametrize("extra", [1, 2**16, 2**16 + 1, 2**20])
def test_a_member_with_bytes_beyond_its_array_is_refused_before_it_is_inflated(tmp_path, extra):
    """A member may hold its array and a header of at most 2^16 bytes: more declared bytes
    than that are refused from the zip directory alone (nothing inflated), naming the
    member's declared size; fewer extra bytes are read and refused as bytes beyond the
    array. Either way the file is refused, never loaded with bytes the checksum does not
    cover.

    Bug: the upper bound of the declared size was dropped, so a member padded far beyond its
    array was inflated before being refused."""
    import zipfile

    path = tmp_path / "m.npz"
    gn.Network([2, 3, 1], seed=0).save(path)
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    header = len(members["layer1.W.npy"]) - 48  # 48 bytes of (2, 3) float64
    members["layer1.W.npy"] += b"\0" * extra
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    size = 48 + header + extra
    with pytest.raises(ValueError) as info:
        gn.load(path)
    bad = f"{path}: not a readable glassnet model file"
    if header + extra > 2**16:
        assert str(info.value) == (
            f"{bad} (layer1.W declares {size} bytes, expected 48 bytes of (2, 3) float64 "
            "(and a header))"
        )
    else:
        assert str(info.value) == f"{bad} (layer1.W: holds bytes beyond its (2, 3) float64 array)"


# --- a confidence interval's text: the short form only when the interval is the value ----------


@pytest.mark.parametrize(
    ("args", "want"),
    [
        ((0.5, 0.25, 0.25, 0.9), "0.5 (90% CI 0.25 to 0.25)"),
        ((3.0, 3.0, 3.0, 0.95), "3 (95% CI 3)"),
        ((float("inf"),) * 3 + (0.999,), "never (99.9% CI never)"),
        ((40.0, 41.0, 41.0, 0.5), "40 (50% CI 41 to 41)"),
        ((2.0, 1.0, 3.5, 0.95), "2 (95% CI 1 to 3.5)"),
    ],
)
def test_fmt_ci_writes_a_one_point_interval_short_only_when_it_is_the_value(args, want):
    """``fmt_ci`` writes ``value (L% CI lo to hi)``; the short ``value (L% CI lo)`` only when
    ``lo == hi == value`` ("never (95% CI never)"). Bug: the short form whenever ``lo == hi``,
    which hid that the interval excludes the value."""
    from glassnet.stats import fmt_ci

    value, lo, hi, level = args
    assert fmt_ci(value, lo, hi, level=level) == want


# --- a CSV's missing values, in a feature and in a label column ----------------------------------


@pytest.mark.parametrize("token", ["", "NA", "nan", "NaN", "-nan", "?", "null", "None", "n/a"])
@pytest.mark.parametrize("where", ["feature", "label"])
def test_csv_missing_values_are_refused_as_missing_wherever_they_are(tmp_path, token, where):
    """``load_csv`` refuses a missing value (empty, ``NA``, ``nan``, ``?``, ...) naming its
    line and column, in a feature column and in a column of text labels alike: ``nan`` is not
    a class, nor merely a non-finite number.

    Bug: ``nan`` dropped from the missing tokens: in a feature it was refused as "not a
    finite number", and in a label column it became a class of its own."""
    rows = [["a", "b", "label"], ["1", "2", "cat"], ["3", "4", "dog"], ["5", "6", "cat"]]
    col = 1 if where == "feature" else 2
    rows[3][col] = token
    path = tmp_path / "d.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    name = "b" if where == "feature" else "label"
    want = f"'{path}', line 4, column '{name}': missing value '{token}'; fill or drop it before loading"
    with pytest.raises(ValueError) as info:
        gn.datasets.load_csv(path, target="label")
    assert str(info.value) == want
