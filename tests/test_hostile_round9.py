"""Hostile input, ninth round: kinds of input the earlier rounds did not try.

NumPy subclasses (``np.matrix``, which warned deep inside a fit), empty and masked loss curves,
strings where samples belong (read as NaN, or as one True outcome), sizes that allocated
without a bound (a bootstrap of 10^12 resamples, a line of 10^12 grid centres, an animation of
two million frames), a count of 10^400 trials, and messages that named the wrong thing
(``labels`` where the user gave ``values``, "overflows" for a NaN given, scikit-learn's
``test_size`` for ``validation_fraction``). Each is refused by the name the user typed, or
accepted and computed right.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import convergence, grids, metrics, plots, stats
from glassnet import datasets as ds
from glassnet.cli import main

X = np.array([[0.0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
Y = np.array([[0.0], [1], [1], [0]])


def _matrix(a):
    with warnings.catch_warnings():  # NumPy warns as one is built: the user's, not ours
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(a)


def _raises(call, kind, *words):
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    for w in words:
        assert w in message, (w, message)
    return message


# --- array subclasses --------------------------------------------------------------------


def test_a_matrix_is_taken_as_the_array_it_holds():
    net = gn.Network([3, 2, 1], seed=0)
    out = net.predict(_matrix(X))
    # a plain array back, with the plain array's numbers (a matrix came back before)
    assert type(out) is np.ndarray and out.shape == (4, 1)
    np.testing.assert_array_equal(out, net.predict(X))
    assert metrics.accuracy(_matrix(Y), _matrix(Y)) == 1.0
    # a fit on matrices ran into NumPy's PendingDeprecationWarning (an error under -W error)
    a = gn.Network([3, 2, 1], seed=0).fit(_matrix(X), _matrix(Y), epochs=3)
    b = gn.Network([3, 2, 1], seed=0).fit(X, Y, epochs=3)
    np.testing.assert_array_equal(a.loss, b.loss)


# --- statistics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        # a string was parsed by NumPy ("could not convert string to float"), unnamed
        (lambda: stats.median_ci("abc"), TypeError, ["values: expected a numeric array", "'abc'"]),
        (lambda: stats.mann_whitney([1.0], "ab"), TypeError, ["b: expected a numeric array"]),
        (lambda: stats.mean_band("ab"), TypeError, ["curves: expected a numeric array"]),
        (
            lambda: stats.median_ci(np.ma.masked_array([1.0, 2.0], [0, 1])),
            TypeError,
            ["values: masked arrays are not supported"],
        ),
        # NumPy's own words, without the argument
        (lambda: stats.median_ci([1.0, 2.0], seed=-1), ValueError, ["seed: expected a non-neg"]),
        # 10^12 resamples tried to allocate 73 TiB
        (
            lambda: stats.median_ci(np.arange(10.0), n_boot=10**12),
            ValueError,
            ["n_boot: 1000000000000 resamples of 10 values", "expected n_boot <= 17895697"],
        ),
        # OverflowError: int too large to convert to float
        (lambda: stats.wilson_ci(10**400, 10**400), ValueError, ["n: expected at most 2**53"]),
        # a string was one success out of one
        (lambda: stats.proportion("abc"), TypeError, ["mask: expected a numeric array"]),
        # a count without its trials was one success out of one
        (
            lambda: stats.proportion(3),
            ValueError,
            ["mask: a single number (3)", "proportion(k, n)"],
        ),
        # NaN is nonzero: it was counted a success
        (lambda: stats.proportion([1.0, np.nan]), ValueError, ["mask: expected finite values"]),
        # "Format specifier missing precision", and a 10^9-digit format
        (lambda: stats.fmt_ci(1.5, 0.25, 2.5, digits=-1), ValueError, ["digits: expected an int"]),
        (lambda: stats.fmt_ci(1.5, 0.25, 2.5, digits=10**9), ValueError, ["digits", "[1, 17]"]),
        # "must be real number, not str"
        (lambda: stats.fmt_ci("a", 0, 1), TypeError, ["value: expected a number, got 'a'"]),
        # a "500% CI"
        (lambda: stats.fmt_ci(1.5, 0.25, 2.5, level=5), ValueError, ["level: expected"]),
    ],
)
def test_statistics_refuse_by_name(call, kind, words):
    _raises(call, kind, *words)


def test_statistics_still_take_what_they_took():
    assert stats.proportion(np.array([True, False, True, True])).k == 3
    assert stats.proportion(np.array([0.0, 1.0, 1.0])).k == 2
    assert stats.proportion(True).n == 1
    assert stats.wilson_ci(2**53, 2**53) == (pytest.approx(1.0), 1.0)
    assert str(stats.median_ci([1.0, 2.0, np.inf])).startswith("2 (95% CI")
    assert stats.fmt_ci(1.5, 0.25, 2.5, digits=17) == "1.5 (95% CI 0.25 to 2.5)"
    assert stats.fmt_ci(np.inf, np.inf, np.inf) == "never (95% CI never)"


# --- convergence and accuracy --------------------------------------------------------------


def test_an_empty_or_masked_loss_curve_is_refused_by_name():
    # "attempt to get argmax of an empty sequence"
    _raises(lambda: convergence.paper_epoch([]), ValueError, "loss: expected at least one epoch")
    _raises(
        lambda: convergence.threshold_epoch(np.zeros((3, 0)), 0.1),
        ValueError,
        "loss: expected at least one epoch, got shape (3, 0)",
    )
    # the mask was dropped: a curve whose every epoch is masked converged at epoch 9
    hidden = np.ma.masked_array([0.001] * 20, [True] * 20)
    _raises(lambda: convergence.paper_epoch(hidden), TypeError, "loss: masked arrays")
    _raises(lambda: convergence.threshold_epoch("abc", 0.1), TypeError, "loss: expected a numeric")
    assert convergence.threshold_epoch([0.5, 0.05, 0.001], 0.1) == 1


def test_accuracy_of_no_samples_is_refused_not_nan_with_a_warning():
    # "Mean of empty slice" (a RuntimeWarning) and NaN
    _raises(
        lambda: metrics.accuracy(np.zeros((0, 1)), np.zeros((0, 1))),
        ValueError,
        "y: expected at least one row (sample), got shape (0, 1)",
    )
    _raises(lambda: metrics.is_classification(np.zeros((0, 2))), ValueError, "y: expected at least")


# --- data sets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    # each was read as one label: "expected at least 2 distinct classes, got only '<generator
    # object ...>'" (and a generator need never end)
    [None, "abc", {"a": 1}, (c for c in "ab"), 7],
)
def test_encode_labels_refuses_what_is_not_a_list_of_labels(values):
    _raises(lambda: ds.encode_labels(values), TypeError, "values: expected a sequence or array")


def test_encode_labels_names_values_when_there_are_too_many_classes():
    # it named 'labels' and spoke of class indices, which the caller never gave
    message = _raises(lambda: ds.encode_labels(np.arange(100_001)), ValueError, "values: ")
    assert message == (
        "values: expected at most 100000 distinct classes (glassnet._validation.MAX_CLASSES), "
        "got 100001"
    )
    y, names = ds.encode_labels(["b", "a", "b"])
    assert y.ravel().tolist() == [1.0, 0.0, 1.0] and names == ("a", "b")


def test_a_standardizer_calls_nan_given_nan_not_an_overflow():
    fitted = ds.Standardizer().fit(X)
    bad = X.copy()
    bad[2, 1] = np.nan
    # it said "row 2, column 1 is too large for the fitted scale: the result overflows"
    for call, name in [(fitted.transform, "X"), (fitted.inverse_transform, "Z")]:
        message = _raises(functools.partial(call, bad), ValueError)
        assert message == f"{name}: expected finite values, found NaN or infinity in row 2"
    huge = ds.Standardizer().fit(X * 1e-300)
    _raises(lambda: huge.transform(X * 1e300), ValueError, "too large for the fitted scale")


# --- grids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        # a 7.3 TiB arange
        (
            lambda: grids.centres(0.0, 1.0, 10**12),
            ValueError,
            ["res: a line of 1000000000000 centres", "MAX_GRID_VALUES"],
        ),
        (lambda: grids.centres(0.0, 1.0, 2.5), TypeError, ["res: expected an integer"]),
        (lambda: grids.centres("a", 1.0, 3), TypeError, ["extent: expected numbers", "'a'"]),
        # "not enough values to unpack (expected 4, got 3)"
        (lambda: grids.plane_inputs("abc", 3), TypeError, ["extent: expected (x_min, x_max"]),
        (lambda: grids.plane_inputs((0, 1, 0), 3), ValueError, ["extent: expected 4 edges"]),
        (lambda: grids.plane_inputs((0, 1, 0, 1), 3, ["x"]), TypeError, ["fill[0]: expected"]),
        # "'int' object is not callable", after the grid was built
        (
            lambda: grids.plane_grid(gn.Network([2, 2, 1]), X[:, :2], transform=3),
            TypeError,
            ["transform: expected a callable or None, got 3"],
        ),
        # the NaN reached the forward pass, which called it the "grid"
        (
            lambda: grids.plane_grid(gn.Network([3, 2, 1]), X, fill=[np.nan]),
            ValueError,
            ["fill[0]: expected a finite number, got nan"],
        ),
        (lambda: grids.plane_extent("ab"), TypeError, ["X: expected a numeric array"]),
        # "could not convert string to float: 'abc'"
        (
            lambda: grids.loss_surface(gn.Network([3, 2, 1]), X, Y, path="abc"),
            TypeError,
            ["path: expected a numeric array"],
        ),
        (
            lambda: grids.loss_surface(
                gn.Network([3, 2, 1]), X, Y, path=np.full((3, 11), np.nan), directions="pca"
            ),
            ValueError,
            ["path: expected finite values"],
        ),
        # k=0 returned no directions at all
        (
            lambda: grids.pca_directions(np.eye(3), np.zeros(3), k=0),
            ValueError,
            ["k: expected an integer >= 1, got 0"],
        ),
    ],
)
def test_grids_refuse_by_name(call, kind, words):
    _raises(call, kind, *words)


def test_grids_still_take_sequences_and_arrays():
    np.testing.assert_array_equal(grids.centres(0, 1, 4), [0.125, 0.375, 0.625, 0.875])
    grid = grids.plane_inputs(np.array([0.0, 1.0, 0.0, 1.0]), 2, np.array([5.0]))
    assert grid.tolist() == [
        [0.25, 0.75, 5.0],
        [0.75, 0.75, 5.0],
        [0.25, 0.25, 5.0],
        [0.75, 0.25, 5.0],
    ]


# --- the scikit-learn estimators -----------------------------------------------------------


def _blobs():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(20, 2))
    return Xs, (Xs[:, 0] > 0).astype(int)


def test_max_iter_beyond_glassnets_epoch_bound_is_refused_before_fitting():
    from sklearn.utils._param_validation import InvalidParameterError

    from glassnet.sklearn import GlassnetClassifier

    Xs, ys = _blobs()
    # 10^12 iterations were accepted (a cosine schedule then named 'epochs', never given)
    with pytest.raises(InvalidParameterError, match=r"'max_iter' .* range \[1, 10000000\]"):
        GlassnetClassifier(max_iter=10**12).fit(Xs, ys)


def test_a_million_classes_are_refused_naming_classes_or_y():
    from glassnet.sklearn import GlassnetClassifier

    Xs, ys = _blobs()
    clf = GlassnetClassifier(hidden_layer_sizes=(3,))
    message = _raises(
        lambda: clf.partial_fit(Xs, ys, classes=np.arange(100_001)), ValueError, "classes: "
    )
    assert message == (
        "classes: expected at most 100000 classes (glassnet._validation.MAX_CLASSES), got 100001"
    )
    assert not hasattr(clf, "classes_")  # refused before anything was set
    many = np.arange(100_001)
    with warnings.catch_warnings():  # scikit-learn: "could represent a regression problem"
        warnings.simplefilter("ignore", UserWarning)
        _raises(
            lambda: GlassnetClassifier(max_iter=1).fit(np.zeros((many.size, 1)), many),
            ValueError,
            "y: expected at most 100000 classes",
        )


def test_scores_refuse_nan_labels_and_do_not_overflow_on_huge_targets():
    from sklearn.metrics import r2_score

    from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

    Xs, ys = _blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: two iterations
        clf = GlassnetClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        reg = GlassnetRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        clf.fit(Xs, ys)
        reg.fit(Xs, ys * 1.0)
    # NumPy's "invalid value encountered in cast" from scikit-learn's type_of_target
    _raises(lambda: clf.score(Xs, np.full(20, np.nan)), ValueError, "y: expected finite values")
    # "overflow encountered in square" inside r2_score, then a NaN score
    big = np.where(ys, 1e308, -1e308)
    expected = r2_score(big / 1e308, reg.predict(Xs) / 1e308)
    assert reg.score(Xs, big) == pytest.approx(expected, rel=1e-12)
    assert -1.0 < expected < 0.0
    assert reg.score(Xs, ys * 1.0) == r2_score(ys * 1.0, reg.predict(Xs))  # bit for bit


# --- animations and recorded paths ----------------------------------------------------------


def _error(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2, (args, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err[len("error: ") :].rstrip("\n")


def _untrained(net):
    fresh = gn.Network([3, 2, 1], seed=0).params
    return all(
        np.array_equal(layer[k], new[k])
        for layer, new in zip(net.params, fresh, strict=True)
        for k in new
    )


def test_an_animation_of_millions_of_frames_is_refused_before_training(capsys, tmp_path):
    # it trained 10^7 epochs, then drew two million frames, held in memory for the GIF
    out = tmp_path / "a.gif"
    line = _error(capsys, "plot", "animation", "-o", str(out), "--epochs", "9999999")
    assert line == (
        "--epochs: 9999999 epochs at a frame every 5 make 2000001 frames, more than an "
        "animation may have (2000, glassnet.plots.MAX_FRAMES); expected --stride >= 5003 or "
        "fewer epochs"  # the option typed, not the library's argument (round 10)
    )
    assert not out.exists()
    assert plots.check_frames(9999999, 5003) == 2000 == plots.MAX_FRAMES
    net = gn.Network([3, 2, 1], seed=0)
    _raises(
        lambda: plots.animate_training(net, X, Y, out, epochs=4000, stride=1),
        ValueError,
        "epochs: 4000 epochs at a frame every 1 make 4001 frames",
    )
    assert _untrained(net)  # refused before training


def test_a_recorder_refuses_more_copies_than_its_bound_before_the_first_epoch(capsys, tmp_path):
    # every epoch's parameters were copied: 10^7 epochs at stride 1 held ~10 GB of small dicts
    out = tmp_path / "s.png"
    line = _error(
        capsys, "plot", "landscape", "-o", str(out), "--epochs", "9999999", "--stride", "1"
    )
    assert line == (
        "--stride: 9999999 epochs at --stride 1 keep 10000001 copies of the parameters, more "
        "than 100000 (glassnet.plots.MAX_RECORDED, and at most 4 GiB); expected --stride >= "
        "101 or fewer epochs"
    )
    rec = plots.ParamRecorder(stride=2)
    rec.most = 4  # the bound, small: 1 + 6 // 2 frames, and the last
    net = gn.Network([3, 2, 1], seed=0)
    _raises(lambda: net.fit(X, Y, epochs=6, callbacks=[rec]), ValueError, "stride: 6 epochs at")
    assert rec.frames == [] and _untrained(net)
    rec.most = 5
    net.fit(X, Y, epochs=6, callbacks=[rec])
    assert rec.epochs == [0, 2, 4, 6]


def test_plot_refuses_an_empty_out_instead_of_naming_the_current_directory(capsys):
    # "cannot write .: it is a directory"
    assert _error(capsys, "plot", "loss", "-o", "", "--epochs", "1") == (
        "Invalid value for --out: expected a file name, got ''"
    )


# --- empty names -----------------------------------------------------------------------------


def test_an_empty_model_path_is_refused_as_such_not_as_the_current_directory(tmp_path):
    from glassnet import modelfile

    # ".: is a directory, not a model file"
    for call in (gn.load, modelfile.read_metadata):
        assert (
            _raises(lambda c=call: c(""), ValueError) == "path: expected a model file name, got ''"
        )
    # "expected str, bytes or os.PathLike object, not int", unnamed
    _raises(lambda: modelfile.read_metadata(3), TypeError, "path: expected a file path", "3 (int)")
    path = tmp_path / "m.npz"
    gn.Network([3, 2, 1], seed=0).save(path)
    assert modelfile.read_metadata(str(path))["config"]["sizes"] == [3, 2, 1]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        # each used or named '.', the current directory, for the name not given
        (
            ["run", "SPEC_FILE", "-o", ""],
            "Invalid value for '--out' / '-o': expected a directory name, got ''",
        ),
        (["run", "", "-o", "OUT"], "Invalid value for 'SPEC': expected a file name, got ''"),
        (["status", ""], "Invalid value for 'DIRECTORY': expected a directory name, got ''"),
        (
            ["report", "OUT", "-o", ""],
            "Invalid value for '--out' / '-o': expected a directory name, got ''",
        ),
        (
            ["export", "OUT", "-o", ""],
            "Invalid value for '--out' / '-o': expected a file name, got ''",
        ),
    ],
)
def test_study_commands_refuse_an_empty_name(capsys, tmp_path, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)  # a run into '.' would have written here
    spec = tmp_path / "s.toml"
    spec.write_text('[data]\ndataset = "xor"\n[model]\nhidden = 2\n[train]\nepochs = 2\n')
    argv = [
        str(spec) if a == "SPEC_FILE" else str(tmp_path / "o") if a == "OUT" else a for a in args
    ]
    assert _error(capsys, "study", *argv) == line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]
    import glassnet.study as gs

    _raises(lambda: gs.open(""), ValueError, "dir: expected a study directory, got ''")


# --- tables, formulas, reports, optimizers ---------------------------------------------------


def _trace():
    return gn.trace.trace(gn.Network([3, 2, 1], seed=0), X, Y)


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        # a format of 10^9 decimals: a gigabyte per number (the process was killed)
        (
            lambda: gn.tables.render(_trace(), "table", digits=10**9),
            ValueError,
            ["digits: expected an integer in [1, 17], got 1000000000"],
        ),
        (
            lambda: gn.tables.render_chain(
                gn.trace.chain(gn.Network([3, 2, 1], seed=0), X, Y), "md", digits=10**9
            ),
            ValueError,
            ["digits: expected an integer in [1, 17]"],
        ),
        # "Format specifier missing precision"
        (lambda: gn.tables.render(_trace(), "table", digits=-1), ValueError, ["digits: expected"]),
        (lambda: gn.report.format_value(1.5, digits=-1), ValueError, ["digits: expected an int"]),
        # an unknown format was drawn as a table; max_rows=0 showed no row without a word
        (
            lambda: gn.tables.render(_trace(), "tabel"),
            ValueError,
            ["fmt: expected one of table, text, md, html", "did you mean 'table'"],
        ),
        (lambda: gn.tables.render(_trace(), "md", max_rows=0), ValueError, ["max_rows: expected"]),
        # AttributeError: 'int' object has no attribute 'n_layers' / 'population'
        (lambda: gn.tables.render(3, "md"), TypeError, ["t: expected a Trace, got 3 (int)"]),
        (lambda: gn.display.history_text(3), TypeError, ["history: expected a History, got 3"]),
        (lambda: gn.display.trace_html("x"), TypeError, ["trace: expected a Trace, got 'x'"]),
        # "'int' object is not iterable"
        (lambda: gn.report.Report("t", meta=3), TypeError, ["meta: expected a mapping"]),
        # "z^(0) = a^(-1) W^(0) + b^(0)"
        (lambda: gn.trace.formula("z", 0, 2), ValueError, ["l: expected an integer in [1, 2]"]),
        (
            lambda: gn.trace.formula("z", 5, 2),
            ValueError,
            ["l: expected an integer in [1, 2], got 5"],
        ),
        # 0 is falsy: it was taken for the default step size
        (
            lambda: gn.optimizers.schedule("step", epochs=9, step_size=0),
            ValueError,
            ["step_size: expected an integer >= 1, got 0"],
        ),
        # a cosine "decay" that rose to twice the starting rate
        (
            lambda: gn.optimizers.schedule("cosine", epochs=9, min_factor=2),
            ValueError,
            ["min_factor: expected a fraction of the starting rate in [0, 1], got 2 (int)"],
        ),
        # "adam" was replaced without a word; "" and a NaN rate were registered
        (
            lambda: gn.optimizers.register("adam", 0.1),
            ValueError,
            ["name: an optimizer 'adam' is already registered", "overwrite=True"],
        ),
        (lambda: gn.optimizers.register("", 0.1), ValueError, ["name: expected a non-empty"]),
        (lambda: gn.optimizers.register("x9", np.nan), ValueError, ["default_lr: expected"]),
    ],
)
def test_tables_formulas_reports_and_optimizers_refuse_by_name(call, kind, words):
    _raises(call, kind, *words)


def test_what_tables_and_schedules_took_they_still_take():
    assert "$$ z^{(1)} = a^{(0)} W^{(1)} + b^{(1)} $$" in gn.tables.render(
        _trace(), "md", digits=17
    )
    assert gn.trace.formula("z", 2, 2) == "z^(2) = a^(1) W^(2) + b^(2)"
    step = gn.optimizers.schedule("step", epochs=9, step_size=2, gamma=0.5)
    assert [step(e) for e in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert gn.optimizers.schedule("step", epochs=9)(3) == 0.1  # the default step: 9 // 3
    assert gn.optimizers.schedule("cosine", epochs=4, min_factor=1)(2) == 1.0
    assert gn.optimizers.get("adam").name == "adam"  # the refused register left it alone


def test_a_registered_activation_has_a_real_derivative_bound_and_real_flags():
    def identity(z):
        return z

    def one(z):
        return 1.0 + 0.0 * z

    for kwargs, kind, words in [
        # NaN: every "d < 0.01 * max" was false, so no unit ever counted as saturated
        ({"derivative_max": np.nan}, ValueError, "derivative_max: expected a finite number > 0"),
        ({"derivative_max": -1.0}, ValueError, "derivative_max: expected a finite number > 0"),
        # bool("no") is True
        ({"saturates": "no"}, TypeError, "saturates: expected True or False, got 'no'"),
        ({"can_die": 1}, TypeError, "can_die: expected True or False, got 1"),
    ]:
        _raises(
            lambda kw=kwargs: gn.activations.register("r9_act", identity, one, **kw), kind, words
        )
    assert "r9_act" not in gn.activations.names()
    # a count of no outputs named an output activation ('sigmoid')
    _raises(
        lambda: gn.losses.natural_output(0, True), ValueError, "n_outputs: expected an integer >= 1"
    )
    assert gn.losses.natural_output(3, True) == "softmax"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        # "--lr: expected a finite number > 0, got 0.0 (float)": the 0.0 was never typed
        (
            ["--lr", "1e-400"],
            "Invalid value for '--lr': '1e-400' is smaller than float64 holds: it would be read as 0",
        ),
        # the row was trained on as 1, 0 without a word
        (
            ["--x", "1,1e-400", "--y", "1"],
            "Invalid value for --x: '1e-400' is smaller than float64 holds: it would be read as 0",
        ),
    ],
)
def test_a_number_too_small_for_float64_is_refused_as_typed(capsys, tmp_path, args, line):
    out = tmp_path / "r"
    assert _error(capsys, "train", *args, "-o", str(out), "-q", "--epochs", "1") == line
    assert not out.exists()


# --- figures and the files they are written to ----------------------------------------------


def test_a_figure_saved_onto_a_directory_or_an_empty_name_is_refused_before_writing(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    fig = plots.loss_curve(gn.Network([3, 2, 1], seed=0).fit(X, Y, epochs=2))
    target = tmp_path / "figs"
    target.mkdir()
    # it wrote a hidden temporary file into tmp_path (the directory's parent), then failed
    # renaming it: "[Errno 21] Is a directory: '.../.figs.1234.tmp' -> '.../figs'"
    message = _raises(lambda: plots.save(fig, target), IsADirectoryError)
    assert message == f"path: {str(target)!r} is a directory; expected a file name"
    # Path("") is ".": "[Errno 16] Device or resource busy: '..ab12.tmp' -> '.'"
    assert _raises(lambda: plots.save(fig, ""), ValueError) == "path: expected a file name, got ''"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs"]  # no temporary file left
    assert list(target.iterdir()) == []


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        # AttributeError: 'int' object has no attribute 'population' / 'nodes' / 'savefig'
        (lambda: plots.loss_curve(3), TypeError, ["history: expected a History, got 3"]),
        (lambda: plots.history_figure("x"), TypeError, ["history: expected a History"]),
        (lambda: plots.gradient_flow(None), TypeError, ["history: expected a History"]),
        (lambda: plots.chain_graph(3), TypeError, ["chain: expected a Chain, got 3 (int)"]),
        (lambda: plots.to_png(3), TypeError, ["fig: expected a matplotlib Figure, got 3"]),
        # "no" was true: a log scale, the units drawn, the last epoch recorded
        (lambda: plots.ParamRecorder(last="no"), TypeError, ["last: expected True or False"]),
        (
            lambda: plots.loss_curve(gn.Network([3, 2, 1]).fit(X, Y, epochs=1), log="no"),
            TypeError,
            ["log: expected True or False, got 'no'"],
        ),
        (
            lambda: plots.decision_boundary(gn.Network([2, 2, 1]), X[:, :2], Y, units="no"),
            TypeError,
            ["units: expected True or False, got 'no'"],
        ),
    ],
)
def test_figures_refuse_by_name(call, kind, words):
    _raises(call, kind, *words)


def test_an_evolution_whose_first_population_overflows_says_where_not_mutation():
    from glassnet.evolution import fit_evolution

    net = gn.Network([3, 2, 1], output="identity", seed=[0, 1])
    with pytest.warns(gn.DivergenceWarning, match="before any mutation"):
        h = fit_evolution(net, X, Y * 1e308, generations=3)
    # it advised "try a smaller mutation_scale (now 1)" before any mutation was made
    assert h.diverged and h.diverged_epoch == 0
    assert h.messages == [
        "every member's loss was NaN or infinite at generation 0, before any mutation: y: in "
        "member 0 (and 1 more of 2), from a finite output and finite targets, the mse cost "
        "overflowed to inf (largest magnitudes: 1e+308 in y, 0.663 in a^(2)); scale y"
    ]


# --- a network's shape and type are fixed when it is built ----------------------------------


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("sizes", [3, 5, 1], "a new Network(...)"),
        ("population", 5, "a new Network(...)"),
        ("dtype", "float32", "net.astype(dtype)"),
        ("bias", "layer", "a new Network(...)"),
    ],
)
def test_writing_a_networks_shape_or_type_is_refused_and_changes_nothing(name, value, hint):
    # before: `net.population = 5` made member(3) an IndexError and fit a shape error far
    # from the cause; `net.sizes = [3, 5, 1]` made repr say 3-5-1 over 3-2-1 weights
    net = gn.Network([3, 2, 1], seed=[0, 1])
    with pytest.raises(AttributeError) as err:
        setattr(net, name, value)
    assert str(err.value).startswith(f"{name}: fixed when the network is built")
    assert hint in str(err.value)
    assert net.sizes == [3, 2, 1] and net.population == 2 and net.bias == "neuron"
    assert net.dtype == np.float64 and repr(net).startswith("Network([3, 2, 1], ")
    assert net.member(1).population is None  # member() still builds its single network
    net.sizes.append(7)  # a copy: the network's own list is not handed out
    assert net.sizes == [3, 2, 1]


def test_astype_is_the_same_network_in_another_dtype():
    net = gn.Network([3, 2, 1], seed=0, dtype="float32")
    wide = net.astype("float64")
    assert net.dtype == np.float32 and wide.dtype == np.float64
    for a, b in zip(net.params, wide.params, strict=True):
        for k in a:
            assert a[k].dtype == np.float32 and b[k].dtype == np.float64
            np.testing.assert_array_equal(b[k], a[k].astype(np.float64))
    X, y = gn.datasets.load("paper")
    # the float64 copy's cost is the float32 network's to float32 rounding, computed by hand
    W1, b1, W2, b2 = (wide.params[0]["W"], wide.params[0]["b"], wide.params[1]["W"],
                      wide.params[1]["b"])  # fmt: skip
    a1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    assert wide.loss(X, y, "mse") == pytest.approx(np.mean((a2 - y) ** 2), rel=1e-12)
    assert net.loss(X, y, "mse") == pytest.approx(np.mean((a2 - y) ** 2), rel=1e-5)
