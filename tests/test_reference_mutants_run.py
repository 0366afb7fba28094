"""What the mutation run of run.py found unchecked (issue 26; tests/mutation/survivors.md).

The references are independent of the code under test: a population's member ``k`` is the
single network with seed ``seed[k]`` and rate ``lr[k]`` trained alone (the documented rule);
a History made by hand, whose member ``k`` is the ``k``-th slice of each per-member field;
the reprs' formats as the docstrings describe them, written out; error messages word for word;
records holding other dtypes than a fit writes (float32 curves, which a model file may declare;
statistics' epochs of any integer type) summed up, tabled, joined and saved as the same numbers
in float64 and int64 are: a median, a table's values and epochs shifted, computed by hand.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import _views
from glassnet.run import History, TrainConfig, TrainState

X, Y = gn.datasets.load("moons", n_samples=24, noise=0.2, seed=0)
XV, YV = X[:6], Y[:6]


def _pop_and_single(k=1, **kw):
    """A population of three trained together and its member ``k`` trained alone."""
    seeds, rates = [7, 8, 9], [0.01, 0.02, 0.03]
    common = dict(optimizer="adam", batch_size=5, epochs=3, stats_every=1, validation=(XV, YV))
    common.update(kw)
    pop = gn.Network([2, 3, 1], seed=seeds)
    hist = pop.fit(X, Y, lr=rates, **common)
    one = gn.Network([2, 3, 1], seed=seeds[k])
    ref = one.fit(X, Y, lr=rates[k], **common)
    return hist, ref


def _same_record(got, ref):
    np.testing.assert_array_equal(got.loss, ref.loss)
    np.testing.assert_array_equal(got.val_loss, ref.val_loss)
    np.testing.assert_array_equal(got.val_accuracy, ref.val_accuracy)
    np.testing.assert_array_equal(got.stats_epochs, ref.stats_epochs)
    assert got.layer_stats.keys() == ref.layer_stats.keys()
    for name in ref.layer_stats:
        np.testing.assert_array_equal(got.layer_stats[name], ref.layer_stats[name])
    assert (got.diverged, got.diverged_epoch, got.epochs_run) == (False, -1, ref.epochs_run)
    assert got.lr == ref.lr and type(got.lr) is float
    assert got.first_loss == ref.first_loss
    assert got.population is None and got.stopped_by is None
    assert got.settings == ref.settings
    assert got.config.lr == ref.config.lr


# --- History.member and TrainState.member ----------------------------------------------------


def test_a_members_record_is_the_single_networks_on_every_path():
    hist, ref = _pop_and_single(k=1)
    # the fit's own History (its state's history is itself)
    rec = hist.member(1)
    _same_record(rec, ref)
    assert rec.state is not None and rec.state.history is rec
    assert rec.state.first_loss == ref.state.first_loss
    assert rec.state.schedule_epochs == ref.state.schedule_epochs == 3
    # a negative index is the member counted from the end
    _same_record(hist.member(-2), ref)
    _same_record(hist.state.member(-2).history, ref)
    # a History without a state: the curves alone
    bare = dataclasses.replace(hist, state=None)
    rec = bare.member(1)
    _same_record(rec, ref)
    assert rec.state is None


def test_a_continued_members_record_is_this_fits_part_with_the_whole_runs_state():
    seeds, rates = [7, 8, 9], [0.01, 0.02, 0.03]
    common = dict(optimizer="adam", batch_size=5, validation=(XV, YV), stats_every=1)
    pop = gn.Network([2, 3, 1], seed=seeds)
    pop.fit(X, Y, lr=rates, epochs=2, **common)
    more = pop.fit(X, Y, resume=pop.train_state, epochs=3, validation=(XV, YV))
    one = gn.Network([2, 3, 1], seed=8)
    one.fit(X, Y, lr=0.02, epochs=2, **common)
    ref = one.fit(X, Y, resume=one.train_state, epochs=3, validation=(XV, YV))
    rec = more.member(1)
    _same_record(rec, ref)
    # its state is the whole run's, member 1's: five epochs, laid out over the first fit's two
    assert rec.state.epoch == 5 and rec.state.schedule_epochs == 2
    np.testing.assert_array_equal(rec.state.history.loss, one.train_state.history.loss)
    assert rec.state.history.state is rec.state


@pytest.mark.parametrize("k", [3, -4])
def test_a_member_out_of_range_is_refused_naming_k(k):
    hist = gn.Network([2, 3, 1], seed=[1, 2, 3]).fit(X, Y, epochs=2)
    words = f"k: expected an integer in [-3, 2], got {k} (int)"
    with pytest.raises(ValueError) as info:
        hist.member(k)
    assert str(info.value) == words
    with pytest.raises(ValueError) as info:
        hist.state.member(k)
    assert str(info.value) == words
    with pytest.raises(ValueError) as info:
        dataclasses.replace(hist, state=None).member(k)
    assert str(info.value) == words


def test_a_single_networks_record_has_no_members():
    hist = gn.Network([2, 3, 1], seed=1).fit(X, Y, epochs=2)
    with pytest.raises(ValueError) as info:
        hist.member(0)
    assert str(info.value) == "member: this History is of a single network"
    with pytest.raises(ValueError) as info:
        hist.state.member(0)
    assert str(info.value) == "member: this is the state of a single network"


def test_a_hand_made_records_member_is_the_kth_slice_of_every_per_member_field():
    cfg = TrainConfig(lr=(0.1, 0.2), seed=(5, 6), epochs=2)
    h = History(
        loss=np.array([[3.0, 2.0], [1.0, 0.5]]),
        val_loss=np.array([[4.0, 3.0], [2.0, 1.5]]),
        val_accuracy=np.array([[0.25, 0.5], [0.75, 1.0]]),
        stats_epochs=np.array([0, 1]),
        layer_stats={"grad_norm": np.arange(8.0).reshape(2, 2, 2)},
        diverged=np.array([False, True]),
        diverged_epoch=np.array([-1, 1]),
        epochs_run=2,
        lr=np.array([0.1, 0.2]),
        population=2,
        stopped_by="diverged",
        messages=["member 1 diverged"],
        settings={"loss": "mse"},
        first_loss=np.array([3.0, 1.0]),
        compile_seconds=1.5,
        run_seconds=2.5,
        config=cfg,
    )
    m = h.member(1)
    np.testing.assert_array_equal(m.loss, [1.0, 0.5])
    np.testing.assert_array_equal(m.val_loss, [2.0, 1.5])
    np.testing.assert_array_equal(m.val_accuracy, [0.75, 1.0])
    np.testing.assert_array_equal(m.stats_epochs, [0, 1])
    np.testing.assert_array_equal(m.layer_stats["grad_norm"], [[4.0, 5.0], [6.0, 7.0]])
    assert (m.diverged, m.diverged_epoch, m.epochs_run) == (True, 1, 2)
    assert m.lr == 0.2 and type(m.lr) is float
    assert (m.stopped_by, m.messages, m.settings) == (
        "diverged",
        ["member 1 diverged"],
        {"loss": "mse"},
    )
    assert m.first_loss == 1.0
    assert (m.compile_seconds, m.run_seconds) == (1.5, 2.5)
    assert m.population is None
    assert (m.config.lr, m.config.seed, m.config.epochs) == (0.2, 6, 2)
    # one rate for all members, and no configuration
    m = dataclasses.replace(h, lr=0.3, config=None).member(0)
    assert m.lr == 0.3 and m.config is None
    # no validation curves: none for the member either
    m = dataclasses.replace(h, val_loss=None, val_accuracy=None).member(0)
    assert m.val_loss is None and m.val_accuracy is None


def test_a_members_configuration_has_its_own_rate_and_shuffle_seed():
    cfg = TrainConfig(lr=0.05, seed=(11, 12, 13), batch_size=5)
    m = cfg.member(1)
    assert (m.lr, m.seed) == (0.05, 12)
    m = TrainConfig(lr=(0.01, 0.02), seed=4).member(1)
    assert (m.lr, m.seed) == (0.02, 4)
    # the reference: member 1 of a population shuffling with seed=(11, 12, 13) trains as a
    # single network shuffling with seed 12
    pop = gn.Network([2, 3, 1], seed=[1, 2, 3])
    pop.fit(X, Y, lr=0.05, seed=(11, 12, 13), batch_size=5, epochs=3)
    member = pop.train_state.member(1)
    assert (member.config.lr, member.config.seed) == (0.05, 12)
    one = gn.Network([2, 3, 1], seed=2)
    ref = one.fit(X, Y, lr=0.05, seed=12, batch_size=5, epochs=3)
    np.testing.assert_array_equal(member.history.loss, ref.loss)


def test_a_members_state_slices_only_the_arrays_with_a_member_axis():
    hist = gn.Network([2, 3, 1], seed=[1, 2]).fit(X, Y, epochs=2)
    state = dataclasses.replace(
        hist.state, opt_state=(np.array(4), np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(5.0))
    )
    count, moment, shared = state.member(1).opt_state
    assert count.shape == () and count == 4  # no member axis: kept whole
    np.testing.assert_array_equal(moment, [3.0, 4.0])  # (P, ...): member 1's row
    np.testing.assert_array_equal(shared, np.arange(5.0))  # 5 != P: kept whole


# --- reprs ------------------------------------------------------------------------------------


def test_reprs_show_the_final_loss_or_a_summary_of_the_members():
    assert repr(History(loss=np.array([0.5, 0.25]), epochs_run=2)) == (
        "History(epochs_run=2, final_loss=0.25)"
    )
    pop = History(
        loss=np.array([[1.0, 0.5], [1.0, np.inf], [1.0, 0.25], [1.0, 0.125]]),
        epochs_run=2,
        population=4,
    )
    assert repr(pop) == (
        "History(epochs_run=2, population=4, final_loss=median 0.25 (min 0.125, max 0.5, "
        "1 of 4 not finite))"
    )
    every = History(loss=np.array([[1.0, 0.5], [1.0, 0.25]]), epochs_run=2, population=2)
    assert repr(every) == (
        "History(epochs_run=2, population=2, final_loss=median 0.375 (min 0.25, max 0.5))"
    )
    lost = History(loss=np.array([[1.0, np.nan], [1.0, np.inf]]), epochs_run=2, population=2)
    assert repr(lost) == "History(epochs_run=2, population=2, final_loss=none finite (2 members))"
    state = TrainState(
        config=TrainConfig(optimizer="adam"),
        params=[],
        opt_state=None,
        rng_states=None,
        epoch=7,
        first_loss=None,
        history=pop,
        schedule_epochs=2,
    )
    assert repr(state) == (
        "TrainState(epoch=7, optimizer='adam', population=4, final_loss=median 0.25 (min "
        "0.125, max 0.5, 1 of 4 not finite))"
    )
    single = dataclasses.replace(state, history=History(loss=np.array([2.0]), epochs_run=1))
    assert repr(single) == "TrainState(epoch=7, optimizer='adam', final_loss=2.0)"


class _Shown(History):
    pass


def test_print_and_jupyter_ask_the_registered_views(monkeypatch):
    h = _Shown(loss=np.array([0.5]), epochs_run=1)
    # no view registered for the engine alone: print shows the repr, Jupyter nothing
    monkeypatch.setattr(_views, "_RENDERERS", {})
    assert str(h) == repr(h) == "History(epochs_run=1, final_loss=0.5)"
    assert h._repr_html_() is None
    _views.register(_Shown, "text", lambda obj: f"text of {obj.epochs_run}")
    _views.register(_Shown, "html", lambda obj: f"<b>{obj.epochs_run}</b>")
    assert str(h) == "text of 1"
    assert h._repr_html_() == "<b>1</b>"
    _views.register(_Shown, "text", lambda obj: "")  # an empty view: the repr instead
    assert str(h) == "History(epochs_run=1, final_loss=0.5)"


def test_the_convergence_epochs_of_a_record_are_read_off_its_loss():
    h = History(loss=np.array([1.0, 0.5, 0.05, 0.01, 0.01, 0.01]), epochs_run=6)
    assert h.converged_epoch(0.1) == 2  # the first epoch below 0.1
    assert h.converged_epoch(0.02) == 3
    # below tol=0.02 and flat over a window of 2 (|l_e - l_(e-1)| < 0.001): epoch 4
    assert h.paper_converged_epoch(tol=0.02, slope_tol=0.001, window=2) == 4
    assert h.paper_converged_epoch() == -1  # the paper's tol 0.01 is never undercut


# --- a run's record read back: state_from_record ---------------------------------------------


def _record(population=True, **kw):
    """A trained network and its run's record (JSON data and arrays), deep-copied to edit."""
    import copy

    net = gn.Network([2, 3, 1], seed=[1, 2] if population else 1)
    args = dict(optimizer="adam", lr=[0.01, 0.02] if population else 0.02, batch_size=5,
                epochs=4, stats_every=2, validation=(XV, YV))  # fmt: skip
    args.update(kw)
    net.fit(X, Y, **args)
    meta, arrays = net.train_state.to_record()
    return net, copy.deepcopy(meta), dict(arrays)


def _new_opt_state(meta, arrays, opt_state, keep=()):
    """``meta`` with ``opt_state`` for its optimizer state, its arrays but ``keep`` dropped."""
    meta["opt_state"] = opt_state
    for name in [n for n in arrays if n.startswith("run.opt.") and n not in keep]:
        del arrays[name], meta["arrays"][name]


def _refusal(net, meta, arrays):
    from glassnet.run import state_from_record

    with pytest.raises(ValueError) as info:
        state_from_record(meta, arrays, net)
    return str(info.value)


def _read(net, meta, arrays):
    from glassnet.run import state_from_record

    return state_from_record(meta, arrays, net)


def test_every_field_of_a_rich_run_comes_back():
    net, meta, arrays = _record()
    meta["history"].update(stopped_by="EarlyStopping", messages=["stopped early at epoch 3"],
                           compile_seconds=2.5, run_seconds=0.0)  # fmt: skip
    back = _read(net, meta, arrays)
    h, orig = back.history, net.train_state.history
    assert back.config.lr == (0.01, 0.02) == orig.config.lr
    assert h.config == back.config == net.train_state.config
    np.testing.assert_array_equal(h.lr, [0.01, 0.02])
    np.testing.assert_array_equal(h.first_loss, orig.first_loss)
    np.testing.assert_array_equal(h.diverged, [False, False])
    np.testing.assert_array_equal(h.diverged_epoch, [-1, -1])
    assert (h.stopped_by, h.messages) == ("EarlyStopping", ["stopped early at epoch 3"])
    assert (h.compile_seconds, h.run_seconds) == (2.5, 0.0)
    assert h.settings == orig.settings and h.settings["optimizer"] == "adam"
    assert h.stats_epochs.dtype == np.int64
    # as fit wrote it: no compile time, some run time
    net, meta, arrays = _record()
    h = _read(net, meta, arrays).history
    assert h.compile_seconds == 0.0 and h.run_seconds == net.train_state.history.run_seconds > 0
    # an empty list of statistics epochs is still an array of int
    net, meta, arrays = _record(stats_every=0)
    meta["history"]["stats_epochs"] = []
    del arrays["run.history.stats_epochs"], meta["arrays"]["run.history.stats_epochs"]
    assert _read(net, meta, arrays).history.stats_epochs.dtype == np.int64


def test_a_single_networks_numbers_come_back_as_python_numbers():
    # a diverged run: its first loss is finite, its last not; a non-finite number is stored as
    # an array and must come back a float
    Xb, Yb = np.array([[1e200]]), np.array([[0.0]])
    net = gn.Network([1, 1], output="identity", seed=0)
    with pytest.warns(gn.training.DivergenceWarning):
        net.fit(Xb, Yb, epochs=3)
    meta, arrays = net.train_state.to_record()
    assert isinstance(meta["history"]["first_loss"], dict)  # stored as an array
    back = _read(net, meta, arrays)
    assert type(back.history.first_loss) is float and back.history.first_loss == np.inf
    assert type(back.first_loss) is float and back.first_loss == np.inf
    assert back.history.diverged is True or back.history.diverged == True  # noqa: E712


def test_the_opt_state_is_decoded_as_written():
    net, meta, arrays = _record()
    _new_opt_state(meta, arrays, {"tuple": [{"list": [1, 2.5, None]}, {"dict": {"a": "x"}}]})
    back = _read(net, meta, arrays)
    assert back.opt_state == ([1, 2.5, None], {"a": "x"})
    assert type(back.opt_state) is tuple and type(back.opt_state[0]) is list


def _nested(kind, depth):
    node = None
    for _ in range(depth):
        if kind == "list":
            node = {"list": [node]}
        elif kind == "dict":
            node = {"dict": {"a": node}}
        else:
            node = {"state": "ScaleState", "fields": [node]}
    return node


@pytest.mark.parametrize(
    ("kind", "where"),
    [("list", "run.opt_state"), ("dict", "run.opt_state" + ".a" * 33),
     ("state", "run.opt_state" + ".ScaleState" * 33)],
)  # fmt: skip
def test_an_opt_state_nested_deeper_than_32_is_refused(kind, where):
    net, meta, arrays = _record()
    _new_opt_state(meta, arrays, _nested(kind, 32))  # the innermost entry at depth 32: read
    _read(net, meta, arrays)
    meta["opt_state"] = _nested(kind, 33)
    assert _refusal(net, meta, arrays) == f"{where}: nested too deeply"


@pytest.mark.parametrize(
    ("opt_state", "words"),
    [
        ([1, 2], "run.opt_state: unexpected entry [1, 2] (list)"),
        ({"x": 1}, "run.opt_state: unexpected entry {'x': 1} (dict)"),
        ({"dict": 5}, "run.opt_state: unexpected entry {'dict': 5} (dict)"),
        ({"array": "run.opt.0", "a": 1, "b": 2},
         "run.opt_state: unexpected entry {'array': 'run.opt.0', 'a': 1, 'b': 2} (dict)"),
        ({"tuple": 5}, "run.opt_state: expected a list"),
        ({"array": "run.nothing"}, "run.opt_state: refers to a missing array 'run.nothing'"),
        ({"tuple": [{"array": "run.nothing"}]},
         "run.opt_state: refers to a missing array 'run.nothing'"),
    ],
)  # fmt: skip
def test_an_opt_state_entry_that_is_none_of_the_forms_is_refused(opt_state, words):
    net, meta, arrays = _record()
    _new_opt_state(meta, arrays, opt_state, keep=["run.opt.0"])
    assert _refusal(net, meta, arrays) == words


def test_a_moment_of_no_parameters_shape_is_refused_word_for_word():
    net, meta, arrays = _record()
    arrays["run.opt.0"] = np.zeros((2, 7, 7))
    assert _refusal(net, meta, arrays) == (
        "run.opt_state: an array of shape (2, 7, 7) and dtype float64 matches no parameter of "
        "the network"
    )


def _resize(name, shape):
    def change(meta, arrays):
        arrays[name] = np.zeros(shape, dtype=arrays[name].dtype)

    return change


def _set(path, value):
    def change(meta, arrays):
        node = meta
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_resize("run.config.lr", (3,)), "run.config.lr: expected shape (2,), got (3,)"),
        (_resize("run.history.lr", (3,)), "run.history.lr: expected shape (2,), got (3,)"),
        (_resize("run.history.first_loss", (3,)),
         "run.history.first_loss: expected shape (2,), got (3,)"),
        (_resize("run.history.diverged", (3,)),
         "run.history.diverged: expected shape (2,), got (3,)"),
        (_resize("run.history.diverged_epoch", (3,)),
         "run.history.diverged_epoch: expected shape (2,), got (3,)"),
        (_resize("run.first_loss", (3,)), "run.first_loss: expected shape (2,), got (3,)"),
        (_resize("run.history.val_loss", (2, 3)),
         "run.history.val_loss: expected shape (2, 4), got (2, 3)"),
        (_resize("run.history.val_accuracy", (2, 3)),
         "run.history.val_accuracy: expected shape (2, 4), got (2, 3)"),
        (_resize("run.history.stats.grad_norm", (2, 3, 3)),
         "run.history.stats.grad_norm: expected shape (2, 3, 2), got (2, 3, 3)"),
        (_resize("run.rng", (3, 6)), "run.rng: expected shape (2, 6), got (3, 6)"),
        (_set(["epoch"], -1), "run.epoch: expected an integer >= 0, got -1 (int)"),
        (_set(["schedule_epochs"], 0), "run.schedule_epochs: expected an integer >= 1, got 0 (int)"),
        (_set(["history"], 5), "run.history: expected a JSON object, got 5 (int)"),
        (_set(["history", "extra"], 1),
         "run.history: unexpected field 'extra' (str); expected only compile_seconds, diverged, "
         "diverged_epoch, epochs_run, first_loss, layer_stats, loss, lr, messages, population, "
         "run_seconds, settings, stats_epochs, stopped_by, val_accuracy, val_loss"),
        (_set(["history", "epochs_run"], -1),
         "run.history.epochs_run: expected an integer in [0, 10000000], got -1 (int)"),
        (_set(["history", "epochs_run"], 10_000_001),
         "run.history.epochs_run: expected an integer in [0, 10000000], got 10000001 (int)"),
        (_set(["history", "population"], 3),
         "run.history.population: expected 2 (the network's), got 3 (int)"),
        (_set(["history", "stats_epochs"], {"array": "run.nothing"}),
         "run.history.stats_epochs: refers to a missing array 'run.nothing'"),
        (_set(["history", "stats_epochs"], [[0, 2, 3]]),
         "run.history.stats_epochs: expected a list of epochs"),
        (_set(["history", "layer_stats"], ["grad_norm"]),
         "run.history.layer_stats: expected statistics among grad_norm, weight_norm, "
         "update_ratio, saturated, dead_relu"),
        (_set(["history", "layer_stats", "speed"], 1.0),
         "run.history.layer_stats: expected statistics among grad_norm, weight_norm, "
         "update_ratio, saturated, dead_relu"),
        (_set(["history", "messages"], "hello"), "run.history.messages: expected a list of strings"),
        (_set(["history", "messages"], ["a", 1]), "run.history.messages: expected a list of strings"),
        (_set(["history", "stopped_by"], 5), "run.history.stopped_by: expected a name, got 5 (int)"),
    ],
)  # fmt: skip
def test_a_damaged_record_is_refused_naming_the_field_word_for_word(change, words):
    net, meta, arrays = _record()
    change(meta, arrays)
    assert _refusal(net, meta, arrays) == words


def test_a_record_of_no_epochs_is_read():
    net, meta, arrays = _record(population=False, stats_every=0, validation=None)
    meta["history"]["epochs_run"] = 0
    arrays["run.history.loss"] = np.zeros(0)
    assert _read(net, meta, arrays).history.epochs_run == 0


def test_a_single_networks_record_with_an_array_where_a_number_belongs_is_refused():
    """A bug the mutation run found: such an array met ``.item()`` and the refusal was NumPy's
    "can only convert an array of size 1 to a Python scalar", naming no field."""
    net, meta, arrays = _record(population=False)
    meta["history"]["first_loss"] = {"array": "run.history.first_loss"}
    meta["arrays"]["run.history.first_loss"] = {"shape": [3], "dtype": "<f8"}
    arrays["run.history.first_loss"] = np.zeros(3)
    assert _refusal(net, meta, arrays) == (
        "run.history.first_loss: expected one number, got an array of shape (3,)"
    )
    # the array of one that files written before the fix below hold for a number that is
    # not finite is read
    arrays["run.history.first_loss"] = np.array([np.inf])
    assert _read(net, meta, arrays).history.first_loss == np.inf


# --- joined: one History of a run continued --------------------------------------------------


def _part(**kw):
    fields = dict(loss=np.array([3.0, 2.0]), epochs_run=2, stats_epochs=np.array([0, 1]),
                  layer_stats={"grad_norm": np.array([[1.0, 2.0], [3.0, 4.0]])})  # fmt: skip
    fields.update(kw)
    return History(**fields)


def test_a_joined_history_is_the_earlier_epochs_then_the_later_shifted():
    from glassnet.run import joined

    cfg_a, cfg_b = TrainConfig(epochs=2), TrainConfig(epochs=3)
    earlier = _part(val_loss=np.array([4.0, 3.0]), val_accuracy=np.array([0.5, 0.6]), lr=0.1,
                    messages=["a"], settings={"epochs": 2}, optimizer_state="opt a",
                    shuffle_generators="gen a", first_loss=3.0, compile_seconds=1.0,
                    run_seconds=2.0, config=cfg_a, stopped_by=None)  # fmt: skip
    later = _part(loss=np.array([1.5, 1.0, 0.5]), epochs_run=3, val_loss=np.array([2.5, 2.0, 1.5]),
                  val_accuracy=np.array([0.7, 0.8, 0.9]), stats_epochs=np.array([0, 2]),
                  layer_stats={"grad_norm": np.array([[5.0, 6.0], [7.0, 8.0]])},
                  diverged=True, diverged_epoch=2, lr=0.05, messages=["b"],
                  settings={"epochs": 3}, optimizer_state="opt b", shuffle_generators="gen b",
                  first_loss=1.5, compile_seconds=0.5, run_seconds=0.25, config=cfg_b,
                  stopped_by="diverged")  # fmt: skip
    whole = joined(earlier, later)
    np.testing.assert_array_equal(whole.loss, [3.0, 2.0, 1.5, 1.0, 0.5])
    np.testing.assert_array_equal(whole.val_loss, [4.0, 3.0, 2.5, 2.0, 1.5])
    np.testing.assert_array_equal(whole.val_accuracy, [0.5, 0.6, 0.7, 0.8, 0.9])
    np.testing.assert_array_equal(whole.stats_epochs, [0, 1, 2, 4])
    np.testing.assert_array_equal(
        whole.layer_stats["grad_norm"], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
    )
    assert whole.diverged is True and whole.diverged_epoch == 4
    assert type(whole.diverged_epoch) is int
    assert (whole.epochs_run, whole.lr, whole.population, whole.stopped_by) == (
        5, 0.05, None, "diverged"
    )  # fmt: skip
    assert whole.messages == ["a", "b"] and whole.settings == {"epochs": 3}
    assert (whole.optimizer_state, whole.shuffle_generators) == ("opt b", "gen b")
    assert whole.first_loss == 3.0
    assert (whole.compile_seconds, whole.run_seconds) == (1.5, 2.25)
    assert whole.config is cfg_b
    # a divergence at the later part's epoch 0 is the run's epoch 2
    assert joined(earlier, dataclasses.replace(later, diverged_epoch=0)).diverged_epoch == 2
    # no divergence in the later part: the earlier's (none here)
    calm = joined(earlier, dataclasses.replace(later, diverged=False, diverged_epoch=-1))
    assert calm.diverged is False and calm.diverged_epoch == -1
    # no first loss recorded in the earlier part: the later's
    assert joined(dataclasses.replace(earlier, first_loss=None), later).first_loss == 1.5


@pytest.mark.parametrize("population", [None, 2])
def test_a_validation_curve_one_part_lacks_is_nan_there(population):
    from glassnet.run import joined

    def part(values, epochs, val):
        lead = () if population is None else (population,)
        curve = np.broadcast_to(np.asarray(values, float), (*lead, epochs)).copy()
        return History(loss=curve, epochs_run=epochs, population=population,
                       val_loss=None if val is None else np.broadcast_to(val, curve.shape).copy(),
                       val_accuracy=None if val is None else curve / 10,
                       diverged=np.zeros(lead, bool), diverged_epoch=np.full(lead, -1))  # fmt: skip

    lead = () if population is None else (population,)
    nan2 = np.full((*lead, 2), np.nan)
    nan3 = np.full((*lead, 3), np.nan)
    a = part([3.0, 2.0], 2, np.array([4.0, 3.0]))
    b = part([1.5, 1.0, 0.5], 3, None)
    whole = joined(a, b)
    np.testing.assert_array_equal(whole.val_loss, np.concatenate([a.val_loss, nan3], axis=-1))
    np.testing.assert_array_equal(
        whole.val_accuracy, np.concatenate([a.val_accuracy, nan3], axis=-1)
    )
    a, b = part([3.0, 2.0], 2, None), part([1.5, 1.0, 0.5], 3, np.array([2.5, 2.0, 1.5]))
    whole = joined(a, b)
    np.testing.assert_array_equal(whole.val_loss, np.concatenate([nan2, b.val_loss], axis=-1))
    assert whole.val_loss.dtype == np.float64
    whole = joined(part([3.0, 2.0], 2, None), part([1.5, 1.0, 0.5], 3, None))
    assert whole.val_loss is None and whole.val_accuracy is None


def test_a_population_joined_keeps_every_members_divergence():
    from glassnet.run import joined

    def part(epochs, diverged, epoch):
        return History(loss=np.ones((2, epochs)), epochs_run=epochs, population=2,
                       diverged=np.array(diverged), diverged_epoch=np.array(epoch))  # fmt: skip

    whole = joined(part(2, [True, False], [1, -1]), part(3, [False, False], [-1, -1]))
    np.testing.assert_array_equal(whole.diverged, [True, False])
    np.testing.assert_array_equal(whole.diverged_epoch, [1, -1])
    assert whole.diverged_epoch.dtype == np.int64 and whole.population == 2


@pytest.mark.parametrize("which", ["earlier", "later"])
def test_statistics_recorded_in_one_part_only_keep_their_epochs(which):
    from glassnet.run import joined

    stats = {"grad_norm": np.array([[1.0, 2.0], [3.0, 4.0]])}
    with_stats = _part(layer_stats=stats, stats_epochs=np.array([0, 1]))
    without = _part(layer_stats={}, stats_epochs=np.array([0, 1]))
    if which == "earlier":
        whole = joined(with_stats, without)
        np.testing.assert_array_equal(whole.stats_epochs, [0, 1])
    else:
        whole = joined(without, with_stats)
        np.testing.assert_array_equal(whole.stats_epochs, [2, 3])  # shifted by 2 epochs
    assert whole.stats_epochs.dtype == np.int64
    np.testing.assert_array_equal(whole.layer_stats["grad_norm"], stats["grad_norm"])


# --- declared_arrays: the table of a run's arrays, checked before reading ----------------------


def _declared(table, max_bytes=2**41, **extra):
    from glassnet.run import declared_arrays

    return declared_arrays({"arrays": table, **extra}, max_bytes)


def _declared_refusal(table, max_bytes=2**41, **extra):
    with pytest.raises(ValueError) as info:
        _declared(table, max_bytes, **extra)
    return str(info.value)


def test_the_array_table_bounds_are_inclusive_where_documented():
    f8 = {"shape": [4], "dtype": "<f8"}  # 32 bytes
    assert _declared({"run.a": f8}, max_bytes=32) == {"run.a": ((4,), np.dtype("<f8"))}
    assert _declared_refusal({"run.a": f8}, max_bytes=31) == (
        f"run.arrays: the run's arrays would take more than {31 / 2**30:g} GiB"
    )
    # the total counts every array
    assert _declared_refusal({"run.a": f8, "run.b": f8}, max_bytes=63).startswith(
        "run.arrays: the run's arrays would take more than"
    )
    big = {"shape": [2**27 + 1], "dtype": "<f8"}
    assert _declared_refusal({"run.a": big}, max_bytes=2**30) == (
        "run.arrays: the run's arrays would take more than 1 GiB"
    )
    # up to 10,000 arrays
    table = {f"run.a{i}": {"shape": [0], "dtype": "<f8"} for i in range(10_000)}
    assert len(_declared(table)) == 10_000
    table["run.one_more"] = {"shape": [0], "dtype": "<f8"}
    assert _declared_refusal(table).startswith("run.arrays: expected a table of arrays, got")
    # names of up to 200 characters
    name = "run." + "a" * 196
    assert list(_declared({name: {"shape": [1], "dtype": "<f8"}})) == [name]
    assert _declared_refusal({name + "a": {"shape": [1], "dtype": "<f8"}}) == (
        # describe() cuts a long string to its first 40 characters (the quote one of them) and says how long it was
        f"run.arrays: unexpected array name '{name[:39]}... (str, 203 characters)"
    )
    # up to 4 sizes, each in [0, 2**40)
    assert _declared({"run.a": {"shape": [1, 2, 3, 0], "dtype": "<f8"}})["run.a"][0] == (1, 2, 3, 0)
    assert _declared({"run.a": {"shape": [2**40 - 1], "dtype": "|b1"}})["run.a"][0] == (2**40 - 1,)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"shape": [1, 2, 3, 4, 5], "dtype": "<f8"},
         "run.arrays.run.a.shape: expected up to 4 sizes, got [1, 2, 3, 4, 5] (list)"),
        ({"shape": 5, "dtype": "<f8"}, "run.arrays.run.a.shape: expected up to 4 sizes, got 5 (int)"),
        ({"shape": [-1], "dtype": "<f8"},
         "run.arrays.run.a.shape: expected up to 4 sizes, got [-1] (list)"),
        ({"shape": [True], "dtype": "<f8"},
         "run.arrays.run.a.shape: expected up to 4 sizes, got [True] (list)"),
        ({"shape": [2**40], "dtype": "|b1"},
         "run.arrays.run.a.shape: expected up to 4 sizes, got [1099511627776] (list)"),
        ({"shape": [1], "dtype": "|O"},
         "run.arrays.run.a.dtype: expected one of <f8, <f4, <i8, <i4, |b1, <u8, got '|O' (str)"),
        ([1], "run.arrays.run.a: expected {shape, dtype}, got [1] (list)"),
    ],
)  # fmt: skip
def test_a_bad_array_declaration_is_refused_word_for_word(spec, words):
    assert _declared_refusal({"run.a": spec}) == words


def test_a_run_record_that_is_not_an_object_or_has_an_unknown_field_is_refused():
    from glassnet.run import declared_arrays

    with pytest.raises(ValueError) as info:
        declared_arrays([1], 100)
    assert str(info.value) == "run: expected a JSON object, got [1] (list)"
    assert _declared_refusal({}, spare=1) == (
        "run: unexpected field 'spare' (str); expected only arrays, config, epoch, first_loss, "
        "history, opt_state, rng, schedule_epochs"
    )
    with pytest.raises(ValueError) as info:
        declared_arrays({"arrays": []}, 100)
    assert str(info.value) == "run.arrays: expected a table of arrays, got [] (list)"


def test_a_generator_state_of_another_kind_is_refused_naming_it():
    from glassnet.run import generator_from_state

    state = dict(np.random.Generator(np.random.MT19937(0)).bit_generator.state)
    with pytest.raises(ValueError) as info:
        generator_from_state(state)
    assert str(info.value) == "rng_states: expected PCG64 generator states, got 'MT19937' (str)"


# --- the configuration as data ---------------------------------------------------------------

_FIELDS = ("loss, optimizer, lr, epochs, batch_size, shuffle, seed, l1, l2, schedule, "
           "stats_every, optimizer_options, backend, chunk_epochs, divergence, warn")  # fmt: skip


def test_a_configuration_read_from_data_refuses_what_is_not_a_setting_word_for_word():
    with pytest.raises(TypeError) as info:
        TrainConfig.from_dict([1])
    assert str(info.value) == "config: expected a dict of settings, got [1] (list)"
    with pytest.raises(TypeError) as info:
        TrainConfig.from_dict({"epoch": 3})
    assert str(info.value) == (
        f"config: unexpected keyword argument 'epoch'; expected one of {_FIELDS} "
        "(did you mean 'epochs'?)"
    )
    # fit's own arguments are keywords of fit, not settings a file may hold
    with pytest.raises(TypeError) as info:
        TrainConfig.from_dict({"validation": None})
    assert str(info.value).startswith("config: unexpected keyword argument 'validation'")


class _Schedule:
    """A callable schedule object: no ``__qualname__`` of its own."""

    def __call__(self, t):
        return 1.0


class _NamedSchedule(_Schedule):
    name = "halving"


def test_a_custom_schedule_is_named_by_its_qualname_its_name_or_its_type():
    def fn(t):
        return 1.0

    assert TrainConfig(schedule=fn).to_dict()["schedule"] == {
        "custom": "test_a_custom_schedule_is_named_by_its_qualname_its_name_or_its_type.<locals>.fn"
    }
    assert TrainConfig(schedule=_NamedSchedule()).to_dict()["schedule"] == {"custom": "halving"}
    assert TrainConfig(schedule=_Schedule()).to_dict()["schedule"] == {"custom": "_Schedule"}


def test_a_registered_loss_object_is_written_by_name_and_a_stranger_as_custom():
    bce = gn.losses.get("bce")
    assert TrainConfig(loss=bce).to_dict()["loss"] == "bce"
    # a Loss of the same name that is not the registered one cannot be found by its name
    twin = gn.losses.Loss("bce", bce.value, bce.gradient)
    assert TrainConfig(loss=twin).to_dict()["loss"] == {"custom": "bce"}


# --- TrainState.to_record: what a file holds --------------------------------------------------


def _trained_state():
    net = gn.Network([2, 3, 1], seed=1)
    net.fit(X, Y, epochs=2)
    return net, net.train_state


class _Unregistered(tuple):
    _fields = ("a",)


def test_an_opt_state_is_written_as_json_and_named_arrays():
    _, state = _trained_state()
    opt = ([1, "x"], (2.5, float("inf"), np.float32(0.5)), {"m": np.zeros(2, np.float32)})
    meta, arrays = dataclasses.replace(state, opt_state=opt).to_record()
    # a number JSON cannot hold (inf) is an array of its own, referenced by name
    assert meta["opt_state"] == {"tuple": [
        {"list": [1, "x"]},
        {"tuple": [2.5, {"array": "run.opt.0"}, 0.5]},
        {"dict": {"m": {"array": "run.opt.1"}}},
    ]}  # fmt: skip
    np.testing.assert_array_equal(arrays["run.opt.0"], np.inf)
    assert arrays["run.opt.0"].shape == ()
    assert arrays["run.opt.1"].dtype == np.float32
    assert meta["arrays"]["run.opt.1"] == {"shape": [2], "dtype": "<f4"}


def test_an_opt_state_holding_a_non_finite_number_reads_back():
    from glassnet.run import state_from_record

    net, state = _trained_state()
    """A bug the mutation run found: such a number was written as an array of shape (1,),
    which the reader refused as a moment of no parameter's shape."""
    meta, arrays = dataclasses.replace(state, opt_state=(1.5, float("inf"))).to_record()
    assert meta["arrays"]["run.opt.0"] == {"shape": [], "dtype": "<f8"}
    assert state_from_record(meta, arrays, net).opt_state == (1.5, np.inf)


def test_an_opt_state_holding_a_non_finite_number_goes_through_a_file(tmp_path):
    net, state = _trained_state()
    net.train_state = dataclasses.replace(state, opt_state=(1.5, float("inf"), np.array(2.0)))
    net.save(tmp_path / "o.npz")
    back = gn.load(tmp_path / "o.npz").train_state.opt_state
    assert back[0] == 1.5 and back[1] == np.inf and back[2] == 2.0


@pytest.mark.parametrize(
    ("opt_state", "words"),
    [
        ((np.zeros(2, np.int16),), "run.opt.0: cannot store an array of dtype int16"),
        ((np.zeros(2, ">f8"),), "run.opt.0: cannot store an array of dtype >f8"),
        ({1: np.zeros(2)}, "opt_state: a dict with keys that are not names"),
        ({1, 2}, "opt_state: cannot store {1, 2} (set)"),
        (_Unregistered((1,)),
         "opt_state: _Unregistered is not a registered optimizer state; register it with "
         "glassnet.optimizers.register_state to store it"),
    ],
)  # fmt: skip
def test_what_a_file_cannot_hold_is_refused_word_for_word(opt_state, words):
    _, state = _trained_state()
    with pytest.raises(ValueError) as info:
        dataclasses.replace(state, opt_state=opt_state).to_record()
    assert str(info.value) == words


def test_a_deep_networks_adam_state_of_more_than_90_arrays_is_written():
    net = gn.Network([2] + [2] * 23 + [1], seed=0)  # 24 layers: Adam's m and v of W and b
    net.fit(X, Y, optimizer="adam", epochs=1)
    _, arrays = net.train_state.to_record()
    assert sum(name.startswith("run.opt.") for name in arrays) == 96


def test_a_diverged_single_run_goes_through_a_file_with_its_numbers(tmp_path):
    Xb, Yb = np.array([[1e200]]), np.array([[0.0]])
    net = gn.Network([1, 1], output="identity", seed=0)
    with pytest.warns(gn.training.DivergenceWarning):
        net.fit(Xb, Yb, epochs=3)
    net.save(tmp_path / "d.npz")
    back = gn.load(tmp_path / "d.npz").train_state
    assert type(back.first_loss) is float and back.first_loss == np.inf
    assert type(back.history.first_loss) is float and back.history.first_loss == np.inf
    assert back.history.diverged is True and back.history.diverged_epoch == 0
    assert back.history.messages == net.train_state.history.messages
    assert back.history.messages[0].startswith("training diverged at epoch 0")


def test_the_curves_and_statistics_go_through_a_file(tmp_path):
    net = gn.Network([2, 3, 1], seed=[1, 2])
    hist = net.fit(X, Y, optimizer="adam", lr=[0.01, 0.02], batch_size=5, epochs=4,
                   stats_every=2, validation=(XV, YV))  # fmt: skip
    net.save(tmp_path / "c.npz")
    back = gn.load(tmp_path / "c.npz").train_state.history
    for name in ("loss", "val_loss", "val_accuracy", "stats_epochs", "first_loss", "lr"):
        np.testing.assert_array_equal(getattr(back, name), getattr(hist, name))
    for name, values in hist.layer_stats.items():
        np.testing.assert_array_equal(back.layer_stats[name], values)


# --- the settings' own checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"lr": np.ones((2, 2))}, ValueError,
         "lr: expected one learning rate per member, got an array of shape (2, 2) and dtype "
         "float64"),
        ({"lr": [0.1] * 1_000_001}, ValueError,
         "lr: expected at most 1000000 learning rates (members), got 1000001"),
        ({"lr": []}, ValueError, "lr: expected one learning rate per member, got an empty sequence"),
        ({"lr": np.array([])}, ValueError,
         "lr: expected one learning rate per member, got an empty sequence"),
        ({"lr": "0.1"}, TypeError, "lr: expected a finite number > 0, got '0.1' (str)"),
        ({"seed": [0] * 1_000_001}, ValueError,
         "seed: expected at most 1000000 seeds (members), got 1000001"),
        ({"seed": [1, -1]}, ValueError,
         "seed[1]: expected a non-negative integer below 2**128, got -1 (int)"),
        ({"seed": "3"}, TypeError, "seed: expected a non-negative integer, got '3' (str)"),
    ],
)  # fmt: skip
def test_rates_and_seeds_are_refused_word_for_word(changes, error, words):
    with pytest.raises(error) as info:
        TrainConfig(**changes)
    assert str(info.value) == words


def test_rates_and_seeds_per_member_become_tuples():
    cfg = TrainConfig(lr=np.array([0.1, 0.2]), seed=np.array([3, 4]))
    assert cfg.lr == (0.1, 0.2) and cfg.seed == (3, 4)
    assert TrainConfig(lr=0.5, seed=7).lr == 0.5 and TrainConfig(seed=7).seed == 7
    assert TrainConfig().lr is None and TrainConfig().seed is None


def test_replace_refuses_an_unknown_setting_as_fit_does():
    with pytest.raises(TypeError) as info:
        TrainConfig().replace(learning_rate=1)
    assert str(info.value) == (
        f"fit: unexpected keyword argument 'learning_rate'; expected one of {_FIELDS}, config, "
        "validation, sample_weight, callbacks, resume (did you mean lr?)"
    )
    assert TrainConfig().replace(epochs=7, lr=0.3) == TrainConfig(epochs=7, lr=0.3)


def test_resume_takes_a_state_or_a_fits_history_and_nothing_else():
    from glassnet.run import as_state

    _, state = _trained_state()
    assert as_state(state) is state
    assert as_state(state.history) is state
    words = (
        "resume: expected the TrainState of an earlier fit (net.train_state or history.state) "
        "or the History it returned, got {}"
    )
    with pytest.raises(TypeError) as info:
        as_state(3)
    assert str(info.value) == words.format("3 (int)")
    with pytest.raises(TypeError) as info:
        as_state(History(loss=np.zeros(1)))
    assert str(info.value).startswith(words.format("History("))


def test_a_configuration_as_data_is_plain_and_its_own_copy():
    opt = gn.optimizers.get("adam", 0.1)
    data = TrainConfig(optimizer=opt).to_dict()
    assert data["optimizer"] == {"custom": "adam"}
    cfg = TrainConfig(lr=(0.1, 0.2), seed=(1, 2), optimizer="adamw",
                      optimizer_options={"weight_decay": 0.1})  # fmt: skip
    data = cfg.to_dict()
    assert data["lr"] == [0.1, 0.2] and data["seed"] == [1, 2]
    data["optimizer_options"]["weight_decay"] = 0.5
    assert cfg.optimizer_options == {"weight_decay": 0.1}
    assert list(data) == list(TrainConfig.__dataclass_fields__)


def test_settings_are_written_as_json_data():
    _, state = _trained_state()
    settings = {"a": np.float32(1.5), "b": (1, float("nan")), 3: np.int64(2), "c": None,
                "d": "x", "e": True, "f": float("inf"), "g": {"h": [np.int32(4)]},
                "p": Path("a/b")}  # fmt: skip
    state.history.settings = settings
    meta, _ = state.to_record()
    assert meta["history"]["settings"] == {
        "a": 1.5, "b": [1, None], "3": 2, "c": None, "d": "x", "e": True, "f": None,
        "g": {"h": [4]}, "p": "a/b",
    }  # fmt: skip
    assert type(meta["history"]["settings"]["3"]) is int


def test_a_copied_tree_shares_no_array_and_keeps_every_type():
    from glassnet.optimizers import STATE_TYPES
    from glassnet.run import copy_tree

    Scale = STATE_TYPES["ScaleState"]
    tree = (Scale(count=3), [{"W": np.ones(2)}], {"v": np.zeros(1)}, 1.5, None)
    copy = copy_tree(tree)
    assert type(copy) is tuple and type(copy[0]) is Scale and copy[0] == Scale(count=3)
    assert type(copy[1]) is list and copy[3:] == (1.5, None)
    copy[1][0]["W"][0] = 9.0
    copy[2]["v"][0] = 9.0
    np.testing.assert_array_equal(tree[1][0]["W"], [1.0, 1.0])
    np.testing.assert_array_equal(tree[2]["v"], [0.0])


def test_the_states_generators_are_new_each_time_and_the_state_stays():
    net = gn.Network([2, 3, 1], seed=1)
    net.fit(X, Y, batch_size=5, epochs=2)
    state = net.train_state
    before = [dict(s) for s in state.rng_states]
    a, b = state.generators(), state.generators()
    assert len(a) == 1 and a[0] is not b[0]
    np.testing.assert_array_equal(a[0].permutation(24), b[0].permutation(24))
    assert [dict(s) for s in state.rng_states] == before
    full = gn.Network([2, 3, 1], seed=1)
    full.fit(X, Y, epochs=2)  # full batches: no sample order drawn
    assert full.train_state.rng_states is None and full.train_state.generators() is None


# --- TrainConfig.__post_init__: every setting checked and made plain ---------------------------


def test_settings_given_as_numpy_numbers_become_plain_json_numbers():
    import json

    cfg = TrainConfig(epochs=np.int64(5), batch_size=np.int64(4), l1=np.float32(0.5), l2=1,
                      stats_every=np.int64(2), chunk_epochs=np.int64(3), seed=np.int64(3),
                      lr=np.float64(0.25), shuffle=np.bool_(False), warn=np.bool_(True))  # fmt: skip
    data = json.loads(json.dumps(cfg.to_dict()))
    assert (data["epochs"], data["batch_size"], data["l1"], data["l2"]) == (5, 4, 0.5, 1.0)
    assert (data["stats_every"], data["chunk_epochs"], data["seed"], data["lr"]) == (2, 3, 3, 0.25)
    assert (data["shuffle"], data["warn"]) == (False, True)
    for name in ("epochs", "batch_size", "stats_every", "chunk_epochs", "seed"):
        assert type(getattr(cfg, name)) is int, name
    for name in ("l1", "l2", "lr"):
        assert type(getattr(cfg, name)) is float, name
    assert type(cfg.shuffle) is bool and type(cfg.warn) is bool
    assert TrainConfig(stats_every=None).stats_every == 0


def test_optimizer_options_are_the_configurations_own_dict():
    assert TrainConfig(optimizer_options=None).optimizer_options == {}
    options = {"beta": 0.8}
    cfg = TrainConfig(optimizer="momentum", optimizer_options=options)
    options["beta"] = 0.1
    assert cfg.optimizer_options == {"beta": 0.8} and type(cfg.optimizer_options) is dict


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"optimizer_options": [1]}, TypeError,
         "optimizer_options: expected a dict of option names to values, got [1] (list)"),
        ({"optimizer": 3}, TypeError, "optimizer: expected a name or an Optimizer, got 3 (int)"),
        ({"optimizer": "ready", "lr": 0.1}, ValueError,
         "lr: give the learning rate to the Optimizer object, not to fit"),
        ({"optimizer": "ready", "optimizer_options": {"beta": 0.9}}, ValueError,
         "optimizer_options: give the options to the Optimizer object"),
    ],
)  # fmt: skip
def test_the_optimizer_settings_are_refused_word_for_word(changes, error, words):
    if changes.get("optimizer") == "ready":
        changes = {**changes, "optimizer": gn.optimizers.get("momentum", 0.1)}
    with pytest.raises(error) as info:
        TrainConfig(**changes)
    assert str(info.value) == words


def test_a_ready_optimizer_carries_its_own_rate():
    opt = gn.optimizers.get("momentum", 0.1)
    cfg = TrainConfig(optimizer=opt)
    assert cfg.optimizer is opt and cfg.lr is None and cfg.optimizer_name == "momentum"


def test_at_most_max_population_rates_and_seeds(monkeypatch):
    # the bound itself (1,000,000) is too many to check per test: the same rule with 3
    import glassnet.run

    monkeypatch.setattr(glassnet.run, "MAX_POPULATION", 3)
    assert TrainConfig(lr=[0.1, 0.2, 0.3], seed=[1, 2, 3]).seed == (1, 2, 3)
    with pytest.raises(ValueError) as info:
        TrainConfig(lr=[0.1] * 4)
    assert str(info.value) == "lr: expected at most 3 learning rates (members), got 4"
    with pytest.raises(ValueError) as info:
        TrainConfig(seed=[1] * 4)
    assert str(info.value) == "seed: expected at most 3 seeds (members), got 4"


def test_an_unknown_schedule_is_refused_word_for_word():
    with pytest.raises(ValueError) as info:
        TrainConfig(schedule="cosin")
    assert str(info.value) == (
        "schedule: unknown schedule 'cosin'; expected one of constant, cosine, exponential, step "
        "(did you mean 'cosine'?)"
    )


def test_a_record_of_an_epoch_the_curves_do_not_keep_is_left_out_of_the_table():
    pytest.importorskip("pandas")
    h = History(loss=np.array([3.0, 2.0, 1.0]), epochs_run=3, stats_epochs=np.array([0, 2, 3]),
                layer_stats={"grad_norm": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])})  # fmt: skip
    frame = h.to_dataframe()
    assert list(frame.index) == [0, 1, 2]
    np.testing.assert_array_equal(frame["grad_norm_1"], [1.0, np.nan, 3.0])
    np.testing.assert_array_equal(frame["grad_norm_2"], [2.0, np.nan, 4.0])


def test_the_states_own_numbers_come_back_at_their_bounds():
    net, meta, arrays = _record()
    meta["epoch"], meta["schedule_epochs"] = 0, 1
    back = _read(net, meta, arrays)
    assert (back.epoch, back.schedule_epochs) == (0, 1)
    assert back.history.state is back
    for value, words in (
        (2.5, "run.epoch: expected an integer"),
        ("3", "run.epoch: expected an integer"),
    ):
        meta["epoch"] = value
        with pytest.raises(TypeError) as info:
            _read(net, meta, arrays)
        assert str(info.value).startswith(words)


def test_a_run_that_drew_no_sample_order_comes_back_without_generators():
    net, meta, arrays = _record(batch_size=None)
    assert meta["rng"] is None
    back = _read(net, meta, arrays)
    assert back.rng_states is None and back.generators() is None


def test_a_resumed_fits_state_holds_the_whole_run_whose_state_it_is():
    net = gn.Network([2, 3, 1], seed=1)
    net.fit(X, Y, epochs=2)
    more = net.fit(X, Y, resume=net.train_state, epochs=3)
    state = net.train_state
    assert more.state is state and state.history.epochs_run == 5
    assert state.history.state is state


def test_a_members_state_without_a_first_loss_has_none():
    hist = gn.Network([2, 3, 1], seed=[1, 2]).fit(X, Y, epochs=2)
    state = dataclasses.replace(hist.state, first_loss=None)
    assert state.member(1).first_loss is None
    assert hist.state.member(1).first_loss == float(hist.state.first_loss[1])


def test_a_record_of_arrays_in_any_memory_order_goes_through_a_file(tmp_path):
    # the model format reads only C-ordered arrays; to_record writes any array in C order
    net = gn.Network([2, 3, 1], seed=[1, 2])
    net.fit(X, Y, epochs=3, stats_every=1)
    stats = net.train_state.history.layer_stats
    stats["grad_norm"] = np.asfortranarray(stats["grad_norm"])
    assert not stats["grad_norm"].flags.c_contiguous
    net.save(tmp_path / "f.npz")
    back = gn.load(tmp_path / "f.npz").train_state.history.layer_stats["grad_norm"]
    np.testing.assert_array_equal(back, stats["grad_norm"])


# --- records of other dtypes than fit writes (the rerun at 395675b) ---------------------------


def _float32_curves(*names):
    """A population's record with the curves ``names`` made float32 and declared ``"<f4"`` (a
    dtype the model format accepts for a run's arrays), to edit."""
    net, meta, arrays = _record()
    for name in names:
        arrays[name] = arrays[name].astype(np.float32)
        meta["arrays"][name]["dtype"] = "<f4"
    return net, meta, arrays


def test_a_float32_populations_summary_is_the_median_without_overflow():
    net, meta, arrays = _float32_curves("run.history.loss")
    # both members end at float32's 3e38: the median of two equal losses is that loss, though
    # their float32 sum (6e38) is past float32's largest number (3.4e38)
    arrays["run.history.loss"] = np.full((2, 4), 3e38, dtype=np.float32)
    state = _read(net, meta, arrays)
    assert state.history.loss.dtype == np.float32
    summary = "final_loss=median 3e+38 (min 3e+38, max 3e+38)"
    assert repr(state.history) == f"History(epochs_run=4, population=2, {summary})"
    assert repr(state) == f"TrainState(epoch=4, optimizer='adam', population=2, {summary})"


def test_a_tables_validation_columns_are_float64_whatever_the_curves_dtype():
    pytest.importorskip("pandas")
    names = ("run.history.val_loss", "run.history.val_accuracy")
    net, meta, arrays = _float32_curves(*names)
    h = _read(net, meta, arrays).history
    assert h.val_loss.dtype == h.val_accuracy.dtype == np.float32
    frame = h.to_dataframe()
    # one table of float64 columns, as the loss and the statistics' (NaN where unrecorded) are
    assert {str(t) for t in frame.dtypes} == {"float64"}
    for k in (0, 1):
        part = frame.xs(k, level="member")
        for column, name in zip(("val_loss", "val_accuracy"), names, strict=True):
            # float32 to float64 is exact: the values are the file's
            np.testing.assert_array_equal(part[column], arrays[name][k].astype(np.float64))


def test_joined_statistics_epochs_are_int64_whatever_the_parts_integer_dtype():
    from glassnet.run import joined

    # History.stats_epochs is an array of int: here uint64 epochs 0, 1 in a part of 100 epochs,
    # then int8 epochs 0, 100 in a part of 101, which are the run's epochs 100 and 200
    earlier = _part(loss=np.ones(100), epochs_run=100, stats_epochs=np.array([0, 1], np.uint64))
    later = _part(loss=np.ones(101), epochs_run=101, stats_epochs=np.array([0, 100], np.int8))
    whole = joined(earlier, later)
    np.testing.assert_array_equal(whole.stats_epochs, [0, 1, 100, 200])
    assert whole.stats_epochs.dtype == np.int64


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint16, np.uint32])
def test_statistics_epochs_of_any_integer_dtype_go_through_a_file(tmp_path, dtype):
    # a run's arrays in a file are int64, int32 or uint64 if integers: the epochs go as int64
    net = gn.Network([2, 3, 1], seed=[1, 2])
    net.fit(X, Y, epochs=3, stats_every=1)
    h = net.train_state.history
    np.testing.assert_array_equal(h.stats_epochs, [0, 1, 2])
    h.stats_epochs = h.stats_epochs.astype(dtype)
    net.save(tmp_path / "e.npz")
    back = gn.load(tmp_path / "e.npz").train_state.history
    np.testing.assert_array_equal(back.stats_epochs, [0, 1, 2])
    assert back.stats_epochs.dtype == np.int64


def test_names_given_as_numpy_strings_are_plain_strings_in_the_config():
    # a grid of settings read from an array (np.loadtxt, a DataFrame's .to_numpy()) hands
    # np.str_ names; the configuration is plain data: each name is the str it equals, in its
    # repr, its dict and the JSON of a model file, as if typed
    s = np.str_
    cfg = gn.TrainConfig(
        loss=s("mse"), optimizer=s("adam"), schedule=s("cosine"), stats_every=s("auto"),
        backend=s("numpy"), divergence=s("none"),
    )  # fmt: skip
    names = ("loss", "optimizer", "schedule", "stats_every", "backend", "divergence")
    assert [type(getattr(cfg, n)) for n in names] == [str] * 6
    assert repr(cfg) == (
        "TrainConfig(loss='mse', optimizer='adam', lr=None, epochs=100, batch_size=None, "
        "shuffle=True, seed=None, l1=0.0, l2=0.0, schedule='cosine', stats_every='auto', "
        "optimizer_options={}, backend='numpy', chunk_epochs=None, divergence='none', warn=True)"
    )
    assert [type(cfg.to_dict()[n]) for n in names] == [str] * 6


def test_a_view_of_an_unknown_kind_is_refused_naming_the_kinds():
    with pytest.raises(ValueError) as err:
        _views.register(object, "pdf", str)
    assert str(err.value) == "kind: expected one of html, markdown, text, got 'pdf'"
    assert _views.render(object(), "pdf") is None
