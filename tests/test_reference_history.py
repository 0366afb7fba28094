"""What a History records, against the documentation and hand computations (issue 26).

Each field is computed here independently of the training loop: validation loss and accuracy
from the parameters a callback saw before each epoch (on the validation data, never the
training data), which targets get an accuracy at all (0/1 columns and one-hot rows, not
regression or multi-label targets), the epochs the ``"auto"`` statistics schedule records
(``ceil(epochs / 50)`` apart, with the first and the last epoch run), ``first_loss``,
``diverged_epoch``, ``epochs_run`` and ``stopped_by`` in every way a run can end, and the
DataFrame view of all of it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassnet as gn

_rng = np.random.default_rng(4)
X = _rng.normal(size=(12, 2))
XV = _rng.normal(size=(7, 2)) + 0.7  # another distribution: its accuracy is not X's


class Snapshots(gn.Callback):
    """The network's outputs on ``data`` before every epoch (after the previous one)."""

    def __init__(self, *data):
        self.data, self.outputs = data, []

    def on_train_begin(self, net, history):
        self.outputs.append([net.predict(d) for d in self.data])

    def on_epoch_end(self, epoch, history, net):
        self.outputs.append([net.predict(d) for d in self.data])


def _accuracy_by_hand(out, y):
    if y.shape[1] == 1:
        return np.mean([(o > 0.5) == (t > 0.5) for o, t in zip(out[:, 0], y[:, 0], strict=True)])
    return np.mean([np.argmax(o) == np.argmax(t) for o, t in zip(out, y, strict=True)])


def _bce_by_hand(out, y):
    return -np.mean(y * np.log(out) + (1 - y) * np.log(1 - out))


@pytest.mark.parametrize("seed", [0, [0, 1, 2]])
@pytest.mark.parametrize("batch_size", [None, 5])
def test_validation_metrics_are_measured_on_the_validation_data_before_each_step(seed, batch_size):
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    yv = (XV[:, :1] > 0.7).astype(float)
    net = gn.Network([2, 5, 1], activation="tanh", seed=seed)
    snap = Snapshots(XV, X)
    hist = net.fit(X, y, loss="bce", lr=2.0, epochs=12, batch_size=batch_size,
                   validation=(XV, yv), callbacks=[snap], stats_every=0)  # fmt: skip
    outputs = snap.outputs[:12]  # before epochs 0..11
    members = [None] if net.population is None else range(net.population)
    differs = False
    for k in members:
        val_loss = hist.val_loss if k is None else hist.val_loss[k]
        val_acc = hist.val_accuracy if k is None else hist.val_accuracy[k]
        for e, (out_v, out_t) in enumerate(outputs):
            ov = out_v if k is None else out_v[k]
            ot = out_t if k is None else out_t[k]
            assert val_loss[e] == pytest.approx(_bce_by_hand(ov, yv), rel=1e-10)
            assert val_acc[e] == _accuracy_by_hand(ov, yv)
            differs |= _accuracy_by_hand(ov, yv) != _accuracy_by_hand(ot, y)
    assert differs  # the training data would have given other accuracies


def test_one_hot_validation_accuracy_is_the_argmax_match():
    y = np.eye(3)[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)]
    yv = np.eye(3)[[0, 1, 2, 2, 1, 0, 2]]
    net = gn.Network([2, 4, 3], output="softmax", seed=2)
    snap = Snapshots(XV)
    hist = net.fit(X, y, loss="cross_entropy", lr=1.0, epochs=8, validation=(XV, yv),
                   callbacks=[snap])  # fmt: skip
    want = [_accuracy_by_hand(out, yv) for (out,) in snap.outputs[:8]]
    np.testing.assert_array_equal(hist.val_accuracy, want)
    # integer class labels as validation targets are the same one-hot rows
    net = gn.Network([2, 4, 3], output="softmax", seed=2)
    h2 = net.fit(X, y, loss="cross_entropy", lr=1.0, epochs=8, validation=(XV, yv.argmax(1)))
    np.testing.assert_array_equal(h2.val_accuracy, want)


@pytest.mark.parametrize(
    ("yv", "output", "loss", "has_accuracy"),
    [
        (np.array([[0.0], [1.0], [1.0]]), "sigmoid", "bce", True),  # 0/1, one column
        (np.eye(2)[[0, 1, 1]], "softmax", "cross_entropy", True),  # one-hot rows
        (np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]), "sigmoid", "bce", False),  # multi-label
        (np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]), "sigmoid", "bce", False),  # every row >= 1
        (np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), "sigmoid", "bce", False),  # empty rows
        (np.array([[0.2], [1.0], [0.0]]), "sigmoid", "bce", False),  # soft labels
        (np.array([[0.5], [-1.0], [2.0]]), "identity", "mse", False),  # regression
        (np.array([[1.0], [1.0], [1.0]]), "sigmoid", "bce", True),  # one class only, still 0/1
    ],
)
def test_accuracy_is_recorded_for_class_targets_only(yv, output, loss, has_accuracy):
    # "accuracy for 0/1 or one-hot targets": a multi-label row (several 1s, or none) is not a
    # class, whatever its values; soft labels and real targets are not classes either
    assert gn.metrics.is_classification(yv) is has_accuracy
    Xv = np.zeros((3, 2))
    net = gn.Network([2, yv.shape[1]], output=output, seed=0)
    y = yv[np.arange(12) % 3]
    hist = net.fit(X, y, loss=loss, epochs=2, validation=(Xv, yv))
    assert (hist.val_accuracy is not None) is has_accuracy
    assert hist.val_loss is not None and hist.val_loss.shape == (2,)


# --- the statistics schedule -----------------------------------------------------------------


@pytest.mark.parametrize("epochs", [1, 2, 3, 49, 50, 51, 99, 100, 101, 149, 150, 151, 1000])
def test_auto_statistics_are_about_fifty_records_ceil_epochs_over_50_apart(epochs):
    every = math.ceil(epochs / 50)
    want = sorted(set(range(0, epochs, every)) | {epochs - 1})
    net = gn.Network([1, 1], output="identity", seed=0)
    hist = net.fit(np.ones((2, 1)), np.zeros((2, 1)), lr=0.01, epochs=epochs)
    assert hist.stats_epochs.tolist() == want
    assert len(want) <= 51
    for name in gn.training.LAYER_STATS:
        assert hist.layer_stats[name].shape == (len(want), 1)


# auto's 4 MiB: a record is 5 float64 numbers per layer and member, 40 * members * layers
# bytes. The lists below are counted by hand from that and the records' epochs (every k-th from
# 0, and the last): 10^4 members x 2 layers is 800,000 B a record, 5 fit in 4 MiB (4,194,304 B),
# so k = ceil(200 / 4) = 50; 2056 x 1 layer is 82,240 B, 51 fit (4,194,240 B), k stays 4; 2057
# is 82,280 B, 50 fit, k = ceil(200 / 49) = 5; 2621 x 20 layers is 2,096,800 B, two fit (the
# first and the last epoch); 2622 x 20 is 2,097,600 B, more than half of 4 MiB: none.
@pytest.mark.parametrize(
    ("members", "layers", "epochs", "want"),
    [
        (10**4, 2, 200, [0, 50, 100, 150, 199]),
        (2056, 1, 200, [*range(0, 197, 4), 199]),
        (2057, 1, 200, [*range(0, 196, 5), 199]),
        (2621, 20, 3, [0, 2]),
        (2622, 20, 3, []),
    ],
)
def test_auto_statistics_of_a_large_population_stay_within_4_mib(members, layers, epochs, want):
    net = gn.Network([1] * (layers + 1), output="identity", seed=list(range(members)))
    hist = net.fit(np.ones((2, 1)), np.zeros((2, 1)), lr=0.01, epochs=epochs)
    assert hist.stats_epochs.tolist() == want
    assert 40 * members * layers * len(want) <= 4 * 2**20
    for name in gn.training.LAYER_STATS:
        if want:
            assert hist.layer_stats[name].shape == (members, len(want), layers)
        else:
            assert name not in hist.layer_stats


@pytest.mark.parametrize(
    ("epochs", "members", "layers", "want"),
    [
        # 80 MB a record: none; 51 records were 3.8 GiB more than the 1.6 GB of loss curves,
        # and the History's 2 GiB bound refused the default fit of a million members
        (200, 10**6, 2, 0),
        (200, 10**4, 2, 50),  # 800 kB a record: 5 fit, ceil(200 / 4)
        (200, 1000, 2, 4),  # 80 kB a record: the 51 fit (52 would)
        # 195,080 B a record: 21 fit (4,096,680 B; 22 would be 4,291,760), ceil(201 / 20)
        (201, 4877, 1, 11),
        (2000, 1, 2, 40),
        (1, 1, 1, 1),
        (10**5, 1, 1, 2000),
    ],
)
def test_auto_stride_by_hand(epochs, members, layers, want):
    assert gn.training.auto_stats_every(epochs, members, layers) == want


@pytest.mark.parametrize(
    ("stats_every", "epochs", "stop_after", "want"),
    [
        (1, 4, None, [0, 1, 2, 3]),
        (3, 10, None, [0, 3, 6, 9]),
        (4, 10, None, [0, 4, 8, 9]),
        (4, 30, 5, [0, 4, 5]),  # stopped early: the last epoch run gets its record
        (4, 30, 8, [0, 4, 8]),  # ... once
        ("auto", 500, 23, [0, 10, 20, 23]),
        (10, 30, 0, [0]),
        (None, 30, None, []),
        (0, 30, None, []),
    ],
)
def test_statistics_epochs_with_and_without_an_early_stop(stats_every, epochs, stop_after, want):
    class StopAfter(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            return stop_after is not None and epoch == stop_after

    net = gn.Network([1, 2, 1], seed=[0, 1])
    hist = net.fit(np.ones((2, 1)), np.zeros((2, 1)), lr=0.01, epochs=epochs,
                   stats_every=stats_every, callbacks=[StopAfter()])  # fmt: skip
    assert hist.stats_epochs.tolist() == want
    run = epochs if stop_after is None else stop_after + 1
    assert hist.epochs_run == run and hist.loss.shape == (2, run)
    if want:
        assert hist.layer_stats["grad_norm"].shape == (2, len(want), 2)
    else:
        assert hist.layer_stats == {}


def test_the_last_record_holds_the_last_epochs_numbers():
    # a 1-1 linear unit, C = (w - 1)^2 at x = 1, full batch: the gradient of epoch e is
    # 2 (w_e - 1) with w_{e+1} = w_e - eta 2 (w_e - 1); the record of the stopping epoch is
    # that epoch's, not a neighbour's
    net = gn.Network([1, 1], output="identity", bias="none", seed=0)
    net.layers[0].W = [[3.0]]

    class StopAt(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            return epoch == 6

    hist = net.fit([[1.0]], [[1.0]], lr=0.25, epochs=40, stats_every=4, callbacks=[StopAt()])
    w = 3.0
    grads, weights = [], []
    for _ in range(7):
        g = 2 * (w - 1)
        w -= 0.25 * g
        grads.append(abs(g))
        weights.append(abs(w))
    assert hist.stats_epochs.tolist() == [0, 4, 6]
    np.testing.assert_allclose(hist.layer_stats["grad_norm"][:, 0], [grads[e] for e in (0, 4, 6)])
    np.testing.assert_allclose(hist.layer_stats["weight_norm"][:, 0],
                               [weights[e] for e in (0, 4, 6)])  # fmt: skip
    np.testing.assert_allclose(hist.loss, [(g / 2) ** 2 for g in grads], rtol=1e-15)


# --- first_loss, diverged_epoch, epochs_run, stopped_by ------------------------------------------


def test_first_loss_is_the_first_epochs_loss_and_survives_a_resume():
    y = X[:, :1] - X[:, 1:]
    single = gn.Network([2, 1], output="identity", seed=0)
    h1 = single.fit(X, y, lr=0.05, epochs=3)
    assert h1.first_loss == h1.loss[0] == pytest.approx(gn.Network([2, 1], output="identity",
                                                                   seed=0).loss(X, y))  # fmt: skip
    h2 = single.fit(X, y, lr=0.05, epochs=3, resume=h1)
    assert h2.first_loss == h1.loss[0] != h2.loss[0]
    pop = gn.Network([2, 1], output="identity", seed=[0, 1])
    hp = pop.fit(X, y, lr=[0.05, 0.1], epochs=3)
    np.testing.assert_array_equal(hp.first_loss, hp.loss[:, 0])
    assert hp.member(1).first_loss == hp.loss[1, 0]


def _linear(w0, seed=0):
    net = gn.Network([1, 1], output="identity", bias="none", seed=seed)
    net.layers[0].W = np.reshape(w0, net.layers[0].W.shape)
    return net


@pytest.mark.parametrize("rule", ["runaway", "nonfinite"])
def test_diverged_epoch_and_epochs_run_of_a_diverging_single_network(rule):
    # C = w^2 at x = 1, y = 0; w <- w (1 - 2 eta) = -3 w with eta = 2: the loss of epoch e is
    # 9^e. Runaway: the first e with 9^e > 1e4 max(1, 1) is 5; non-finite: 9^e overflows to
    # inf at the first e with 9^e > 1.8e308, e = 323
    want = 5 if rule == "runaway" else math.ceil(math.log(np.finfo(float).max) / math.log(9))
    net = _linear(1.0)
    with pytest.warns(gn.training.DivergenceWarning, match=f"epoch {want}"):
        hist = net.fit([[1.0]], [[0.0]], lr=2.0, epochs=1000, divergence=rule, stats_every=0)
    assert hist.diverged is True
    assert hist.diverged_epoch == want and hist.epochs_run == want + 1
    assert hist.stopped_by == "diverged" and hist.loss.shape == (want + 1,)
    np.testing.assert_allclose(hist.loss[:want], 9.0 ** np.arange(want), rtol=1e-12)
    assert any(f"epoch {want}" in m for m in hist.messages)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_no_divergence_rule_takes_every_step_as_a_plain_loop(backend):
    # the same run with divergence="none": w <- -3 w and C = w^2 = 9^e. The loss overflows to
    # inf at e = 323 while w = (-3)^e is still finite (3^323 ~ 1e154), and the steps go on
    # from it; w itself overflows near e = 646 (3^646 ~ 1.8e308), and inf - inf is NaN after.
    # Nothing stops, nothing is warned, nothing is flagged diverged.
    if backend == "jax":
        pytest.importorskip("jax")
    inf_from = math.ceil(math.log(np.finfo(float).max) / math.log(9))
    net = _linear(1.0)
    hist = net.fit([[1.0]], [[0.0]], lr=2.0, epochs=1000, divergence="none", stats_every=0,
                   backend=backend)  # fmt: skip
    assert hist.diverged is False and hist.diverged_epoch == -1
    assert hist.stopped_by is None and hist.epochs_run == 1000 and hist.messages == []
    np.testing.assert_allclose(hist.loss[:inf_from], 9.0 ** np.arange(inf_from), rtol=1e-12)
    assert np.isposinf(hist.loss[inf_from:640]).all()  # finite w, infinite loss: stepped on
    assert np.isnan(hist.loss[700:]).all() and np.isnan(net.layers[0].W).all()
    # a population's members are the same runs
    pop = _linear([1.0, 0.5], seed=[0, 1])
    hp = pop.fit([[1.0]], [[0.0]], lr=2.0, epochs=1000, divergence="none", stats_every=0,
                 backend=backend)  # fmt: skip
    assert not hp.diverged.any() and hp.diverged_epoch.tolist() == [-1, -1]
    np.testing.assert_array_equal(hp.loss[0], hist.loss)
    np.testing.assert_allclose(hp.loss[1, :inf_from], 0.25 * 9.0 ** np.arange(inf_from),
                               rtol=1e-12)  # fmt: skip


def test_a_run_that_ends_normally_records_no_divergence():
    net = _linear(1.0)
    hist = net.fit([[1.0]], [[0.0]], lr=0.1, epochs=30)
    assert not hist.diverged and hist.diverged_epoch == -1
    assert hist.epochs_run == 30 and hist.stopped_by is None
    pop = _linear([1.0, 2.0], seed=[0, 1])
    hp = pop.fit([[1.0]], [[0.0]], lr=[0.1, 2.0], epochs=30)
    # member 1: w <- -3 w from 2, loss 4 * 9^e, runaway once 9^e > 1e4 (e = 5)
    assert hp.diverged.tolist() == [False, True] and hp.diverged_epoch.tolist() == [-1, 5]
    # a population goes on while a member lives: the run is not "stopped"
    assert hp.epochs_run == 30 and hp.stopped_by is None
    m = hp.member(1)
    assert m.diverged is True and m.diverged_epoch == 5 and m.epochs_run == 30


def test_a_population_whose_every_member_diverges_stops_at_the_last_one():
    # factors -3 and -5 per epoch from w0 = 1 and 2: loss 9^e (runaway at e = 5) and
    # 4 * 25^e (first loss 4: runaway once 25^e > 1e4, e = 3)
    pop = _linear([1.0, 2.0], seed=[0, 1])
    hp = pop.fit([[1.0]], [[0.0]], lr=[2.0, 3.0], epochs=100)
    assert hp.diverged_epoch.tolist() == [5, 3]
    assert hp.epochs_run == 6 and hp.stopped_by == "diverged"
    assert hp.loss.shape == (2, 6)


def test_stopped_by_names_the_callback_and_epochs_run_counts_its_epoch():
    class StopAt(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            return epoch == 2

    hist = _linear(1.0).fit([[1.0]], [[0.0]], lr=0.1, epochs=30, callbacks=[StopAt()])
    assert hist.stopped_by == "StopAt" and hist.epochs_run == 3
    assert hist.loss.shape == (3,) and hist.final_loss == hist.loss[2]
    assert any("StopAt" in m and "epoch 2" in m for m in hist.messages)


# --- the DataFrame view ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, [0, 1]])
def test_to_dataframe_holds_the_history_epoch_by_epoch(seed):
    y = (X[:, :1] > 0).astype(float)
    yv = (XV[:, :1] > 0.7).astype(float)
    net = gn.Network([2, 3, 1], seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hist = net.fit(X, y, loss="bce", epochs=9, stats_every=4, validation=(XV, yv))
    df = hist.to_dataframe()
    members = [None] if net.population is None else [0, 1]
    for k in members:
        part = df if k is None else df.xs(k, level="member")
        pick = (lambda a: a) if k is None else (lambda a, k=k: a[k])
        assert part.index.tolist() == list(range(9))
        np.testing.assert_array_equal(part["loss"], pick(hist.loss))
        np.testing.assert_array_equal(part["val_loss"], pick(hist.val_loss))
        np.testing.assert_array_equal(part["val_accuracy"], pick(hist.val_accuracy))
        for name in gn.training.LAYER_STATS:
            for layer in (1, 2):
                col = part[f"{name}_{layer}"].to_numpy()
                stats = pick(hist.layer_stats[name])[:, layer - 1]
                np.testing.assert_array_equal(col[[0, 4, 8]], stats)
                assert np.isnan(np.delete(col, [0, 4, 8])).all()
