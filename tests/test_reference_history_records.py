"""What a History records, more cases, against hand computations and the documentation.

* ``stats_every="auto"``: ``ceil(epochs / 50)`` apart from epoch 0, with the last epoch (so
  ``ceil(epochs / every)`` records, one more when the last epoch is not on the stride), for
  epoch counts counted here by hand;
* :meth:`glassnet.training.Plan.records_stats` says the epochs the records are stamped with;
* a resumed run: each fit's own ``auto`` schedule over its own epochs, and the whole run's
  record with the later fit's epochs shifted by the earlier fit's ``epochs_run``; its
  validation curves the earlier fit's, then the later one's;
* validation metrics of a resumed fit are measured on the validation data before each step,
  like those of the first fit.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

X1 = np.ones((2, 1))
Y1 = np.zeros((2, 1))


@pytest.mark.parametrize(
    ("epochs", "every", "n_records", "last_two"),
    [
        # every = ceil(epochs / 50); records 0, every, 2 every, ... below epochs, then the last
        (7, 1, 7, [5, 6]),  # every epoch
        (52, 2, 27, [50, 51]),  # 0..50 step 2 is 26, 51 is off the stride: 27
        (53, 2, 27, [50, 52]),  # 0..52 step 2 is 27, 52 is on it
        (250, 5, 51, [245, 249]),  # 0..245: 50, then 249
        (251, 6, 43, [246, 250]),  # 0..246 step 6: 42, then 250
        (301, 7, 44, [294, 300]),  # 0..294 step 7: 43, then 300 (300 = 7 * 42 + 6)
        (2500, 50, 51, [2450, 2499]),
    ],
)
def test_auto_records_counted_by_hand(epochs, every, n_records, last_two):
    net = gn.Network([1, 1], output="identity", seed=0)
    hist = net.fit(X1, Y1, lr=0.01, epochs=epochs)
    got = hist.stats_epochs.tolist()
    assert len(got) == n_records
    assert got[:2] == [0, every] and got[-2:] == last_two
    assert got == sorted(set(range(0, epochs, every)) | {epochs - 1})
    assert gn.training.auto_stats_every(epochs, 1, 1) == every
    assert hist.layer_stats["grad_norm"].shape == (n_records, 1)


@pytest.mark.parametrize(
    ("epochs", "stats_every"),
    [(10, 4), (9, 4), (1, 3), (7, 1), (120, "auto"), (52, "auto"), (12, None), (12, 0)],
)
def test_plan_records_stats_names_the_recorded_epochs(epochs, stats_every):
    net = gn.Network([1, 1], output="identity", seed=0)
    cfg = gn.TrainConfig(epochs=epochs, stats_every=stats_every, lr=0.01)
    p = gn.training.plan(net, X1, Y1, cfg)
    hist = net.fit(X1, Y1, cfg)
    assert [e for e in range(epochs) if p.records_stats(e)] == hist.stats_epochs.tolist()


def test_a_resumed_fit_has_its_own_auto_schedule_and_the_run_record_shifts_it():
    net = gn.Network([1, 1], output="identity", seed=0)
    h1 = net.fit(X1, Y1, lr=0.01, epochs=30)  # ceil(30 / 50) = 1: every epoch
    h2 = net.fit(X1, Y1, lr=0.01, epochs=120, resume=h1)  # ceil(120 / 50) = 3
    assert h1.stats_epochs.tolist() == list(range(30))
    later = [*range(0, 120, 3), 119]
    assert h2.stats_epochs.tolist() == later
    run = h2.state.history
    assert run.epochs_run == 150
    assert run.stats_epochs.tolist() == list(range(30)) + [30 + e for e in later]
    for name in gn.training.LAYER_STATS:
        assert run.layer_stats[name].shape == (30 + len(later), 1)
        np.testing.assert_array_equal(run.layer_stats[name][30:], h2.layer_stats[name])
    # the DataFrame puts each record on its epoch of the whole run
    frame = run.to_dataframe()
    recorded = np.flatnonzero(frame["grad_norm_1"].notna().to_numpy())
    assert recorded.tolist() == run.stats_epochs.tolist()


class _Before(gn.Callback):
    """The network's outputs on the validation inputs before every epoch of a fit."""

    def __init__(self, Xv):
        self.Xv, self.outputs = Xv, []

    def on_train_begin(self, net, history):
        self.outputs = [net.predict(self.Xv)]

    def on_epoch_end(self, epoch, history, net):
        self.outputs.append(net.predict(self.Xv))


def test_validation_of_a_resumed_fit_is_before_each_step_on_the_validation_data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(10, 2))
    y = (X[:, :1] > 0).astype(float)
    Xv = rng.normal(size=(5, 2)) - 0.5
    yv = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
    net = gn.Network([2, 3, 1], activation="tanh", seed=1)
    b1, b2 = _Before(Xv), _Before(Xv)
    h1 = net.fit(X, y, loss="mse", lr=0.5, epochs=6, validation=(Xv, yv), callbacks=[b1])
    h2 = net.fit(X, y, loss="mse", lr=0.5, epochs=5, validation=(Xv, yv), callbacks=[b2],
                 resume=h1)  # fmt: skip
    for hist, snap in ((h1, b1), (h2, b2)):
        outs = snap.outputs[: hist.epochs_run]  # before each epoch's step
        # mse as glassnet documents it: the mean over samples of the squared error
        want = [np.mean(np.sum((o - yv) ** 2, axis=1)) for o in outs]
        np.testing.assert_allclose(hist.val_loss, want, rtol=1e-12)
        acc = [np.mean((o[:, 0] > 0.5) == (yv[:, 0] > 0.5)) for o in outs]
        np.testing.assert_array_equal(hist.val_accuracy, acc)
    run = h2.state.history
    np.testing.assert_array_equal(run.val_loss, np.concatenate([h1.val_loss, h2.val_loss]))
    np.testing.assert_array_equal(
        run.val_accuracy, np.concatenate([h1.val_accuracy, h2.val_accuracy])
    )


@pytest.mark.parametrize(
    ("y", "yv", "has_accuracy"),
    [
        # the validation targets decide, every row of them: one-hot rows but the last
        (np.eye(2)[[0, 1, 1]], np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), False),
        (np.eye(2)[[0, 1, 1]], np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), False),
        (np.array([[0.0], [1.0], [1.0]]), np.array([[1.0], [0.0], [0.3]]), False),
        # multi-label training targets, one-hot validation rows: classes, so an accuracy
        (np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]), np.eye(2)[[1, 0, 1]], True),
    ],
)
def test_the_validation_targets_decide_whether_accuracy_is_recorded(y, yv, has_accuracy):
    net = gn.Network([2, y.shape[1]], output="sigmoid", seed=0)
    Xt = np.arange(6.0).reshape(3, 2) / 6
    hist = net.fit(Xt, y, loss="bce", lr=0.1, epochs=3, validation=(Xt, yv))
    assert (hist.val_accuracy is not None) is has_accuracy
    if has_accuracy:
        out = _Before(Xt)
        net2 = gn.Network([2, y.shape[1]], output="sigmoid", seed=0)
        net2.fit(Xt, y, loss="bce", lr=0.1, epochs=3, validation=(Xt, yv), callbacks=[out])
        want = [np.mean(o.argmax(1) == yv.argmax(1)) for o in out.outputs[:3]]
        np.testing.assert_array_equal(hist.val_accuracy, want)
