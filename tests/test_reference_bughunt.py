"""A fresh round of hand-made one-line bugs, and the tests that tell each from the right code.

Each test checks a documented promise against an independent reference: a population member
against its own single network trained alone with the same options, a study's summary and a
bundled data set against hand computations and scikit-learn, documented edges (a tie, a
one-point interval, a padded file member, a continued run's count) against the docstring.
The bugs these tests were written for (each survived the suite before them) are named in
each test's docstring.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn


@pytest.fixture(scope="module")
def paper():
    return gn.datasets.load("paper")


# --- a population's stopping rules and records: each member as its single network ---------------


def _quiet_fit(net, X, y, **kw):
    # a single network that diverges stops with a DivergenceWarning: expected here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gn.DivergenceWarning)
        return net.fit(X, y, **kw)


@pytest.mark.parametrize("paper_rule", [False, True])
def test_stop_on_convergence_in_a_population_waits_only_for_the_members_still_training(
    paper, paper_rule
):
    """A population stops once every member that has not diverged has converged: the
    converging member then stops at the epoch its single network stops at, alone.

    Bug: the diverged members counted as "not converged", so a population with one diverged
    member never stopped (it ran every epoch)."""
    X, y = paper
    kw = dict(loss="mse", epochs=3000, stats_every=0)
    stop = dict(paper=True, tol=0.01, slope_tol=1e-3) if paper_rule else dict(threshold=0.01)
    pop = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1])
    hp = pop.fit(X, y, lr=[0.5, 1e8], callbacks=[gn.StopOnConvergence(**stop)], **kw)
    alone = gn.Network([3, 2, 1], activation="tanh", seed=0)
    h0 = alone.fit(X, y, lr=0.5, callbacks=[gn.StopOnConvergence(**stop)], **kw)
    assert h0.stopped_by == "StopOnConvergence" and h0.epochs_run < 3000
    assert hp.diverged.tolist() == [False, True]
    assert hp.stopped_by == "StopOnConvergence"
    assert hp.epochs_run == h0.epochs_run
    np.testing.assert_array_equal(hp.loss[0], h0.loss)


def test_a_members_record_has_its_own_divergence_epoch(paper):
    """``History.member(k)`` is member k's record: its ``diverged`` and ``diverged_epoch``
    are those of its single network trained alone (-1 for a member that never diverged).

    Bug: every member's record took the population's latest divergence epoch."""
    X, y = paper
    kw = dict(loss="mse", epochs=40, stats_every=0)
    rates = [0.5, 1e8, 0.3]
    pop = gn.Network([3, 2, 1], activation="tanh", seed=[0, 1, 2])
    hp = pop.fit(X, y, lr=rates, **kw)
    for k, lr in enumerate(rates):
        alone = _quiet_fit(gn.Network([3, 2, 1], activation="tanh", seed=k), X, y, lr=lr, **kw)
        record = hp.member(k)
        assert record.diverged == alone.diverged
        assert record.diverged_epoch == alone.diverged_epoch
    assert [hp.member(k).diverged_epoch for k in range(3)] == [-1, 0, -1]


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


# --- the plane around the data: the documented margin of a coordinate without spread ----------


@pytest.mark.parametrize(
    ("column", "pad", "want"),
    [
        (2.0, 0.1, (1.5, 2.5)),  # |x| small: the margin is 0.5
        (-3.0, 0.25, (-3.75, -2.25)),  # pad |x| = 0.75 > 0.5
        (0.0, 0.1, (-0.5, 0.5)),
    ],
)
def test_plane_extent_of_a_coordinate_without_spread_has_the_documented_margin(column, pad, want):
    """``plane_extent``: when all points share a coordinate the margin is 0.5, or ``pad``
    times its magnitude where that is larger. Bug: the floor of 0.5 became ``pad``."""
    from glassnet.grids import plane_extent

    X = np.array([[0.0, column], [1.0, column], [0.5, column]])
    lo, hi, ylo, yhi = plane_extent(X, pad=pad)
    assert (lo, hi) == pytest.approx((-pad, 1 + pad))
    assert (ylo, yhi) == pytest.approx(want)


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


# --- a penalized population, and each member's shuffle seed: the member's own numbers ---------


@pytest.mark.parametrize("penalty", [dict(l1=0.01), dict(l2=0.05), dict(l1=0.02, l2=0.1)])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_a_penalized_populations_loss_is_each_members_own(paper, penalty, batch_size):
    """With ``l1``/``l2`` the recorded loss is ``C + l1 sum |W| + l2/2 sum ||W||^2`` of the
    member's own weights: member k's curve is its single network's, trained alone with the
    same penalty (bit for bit, as the README promises), and the first epoch's value is the
    formula's at the initial weights.

    Bug: the penalty summed the weights of every member, so each member's recorded loss held
    the whole population's penalty (the gradients, computed apart, stayed right)."""
    X, y = paper
    kw = dict(loss="mse", lr=0.3, epochs=6, stats_every=0, batch_size=batch_size, **penalty)
    seeds = [0, 1, 2]
    pop = gn.Network([3, 2, 1], activation="tanh", seed=seeds)
    start = [pop.member(k) for k in seeds]
    hp = pop.fit(X, y, **kw)
    for k, s in enumerate(seeds):
        alone = gn.Network([3, 2, 1], activation="tanh", seed=s)
        h = alone.fit(X, y, **kw)
        np.testing.assert_array_equal(hp.loss[k], h.loss)
        if batch_size is None:  # the first epoch's loss, by the formula
            net = start[k]
            Ws = [layer["W"] for layer in net.params]
            want = (
                net.loss(X, y, loss="mse")
                + penalty.get("l1", 0.0) * sum(np.abs(W).sum() for W in Ws)
                + 0.5 * penalty.get("l2", 0.0) * sum((W * W).sum() for W in Ws)
            )
            assert hp.loss[k, 0] == pytest.approx(want, rel=1e-12)


# --- a checkpoint that saves the best only: "lowest so far by more than min_delta" ---------------


@pytest.mark.parametrize("monitor", ["loss", "val_loss"])
def test_checkpoint_of_the_best_only_does_not_save_a_loss_that_only_ties(tmp_path, monitor):
    """``Checkpoint(monitor=...)`` saves when the loss is the lowest so far by more than
    ``min_delta`` (0): a loss that stays exactly equal is saved once, at the first epoch.
    A ReLU network with zero weights and no biases has zero gradients: its loss never moves.

    Bug: ``<=`` for ``<``, a tie counted as an improvement and every epoch was saved."""
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 3, 1], activation="relu", output="identity", bias="none", seed=0)
    for layer in net.layers:
        layer.W[...] = 0.0
    ck = gn.Checkpoint(tmp_path / "run-{epoch}.npz", monitor=monitor)
    h = net.fit(X, y, loss="mse", lr=0.1, epochs=4, stats_every=0, validation=(X, y),
                callbacks=[ck])  # fmt: skip
    assert np.all(h.loss == 0.5) and np.all(h.val_loss == 0.5)  # the case in question
    assert [p.name for p in ck.saved] == ["run-1.npz"]


@pytest.mark.parametrize(
    ("first", "more", "every", "want"),
    [(4, 5, 3, [6, 9]), (5, 6, 2, [6, 8, 10, 11]), (3, 3, 3, [6])],
)
def test_checkpoint_every_n_counts_the_whole_continued_run(tmp_path, first, more, every, want):
    """``every``: save when the run's epoch count reaches a multiple of ``every`` (counted
    over the whole run when the fit continues an earlier one), and after the fit's last
    epoch. Bug: a continued fit started its count of multiples at 0, so its first epoch was
    saved as if it had reached one."""
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 3, 1], activation="tanh", seed=0)
    h = net.fit(X, y, loss="mse", lr=0.1, epochs=first, stats_every=0)
    ck = gn.Checkpoint(tmp_path / "run-{epoch}.npz", every=every)
    net.fit(X, y, resume=h.state, epochs=more, callbacks=[ck])
    assert [int(p.stem.split("-")[1]) for p in ck.saved] == want


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_one_shuffle_seed_per_member_is_that_members_own(paper, optimizer):
    """``fit(seed=(s_0, ..., s_{P-1}))`` gives member k the shuffle seed ``s_k``: its curve and
    weights are those of its single network fitted alone with ``seed=s_k``.

    Bug: the per-member shuffle seeds were taken in reverse order."""
    X, y = paper
    kw = dict(loss="mse", optimizer=optimizer, lr=0.05, epochs=5, batch_size=2, stats_every=0)
    init_seeds, shuffle_seeds = [3, 4, 5], (11, 22, 33)
    pop = gn.Network([3, 2, 1], activation="tanh", seed=init_seeds)
    hp = pop.fit(X, y, seed=shuffle_seeds, **kw)
    for k, (s, t) in enumerate(zip(init_seeds, shuffle_seeds, strict=True)):
        alone = gn.Network([3, 2, 1], activation="tanh", seed=s)
        h = alone.fit(X, y, seed=t, **kw)
        np.testing.assert_array_equal(hp.loss[k], h.loss)
        np.testing.assert_array_equal(pop.member(k).layers[0].W, alone.layers[0].W)


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
