"""fit, History, callbacks, divergence, optimizers, schedules, convergence."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers


def test_paper_protocol_loss_is_recorded_before_each_step(paper_data):
    X, y = paper_data
    net = gn.Network([3, 2, 1], bias="layer", init="paper", seed=1)
    before = net.loss(X, y, loss="sse")
    hist = net.fit(X, y, loss="sse", optimizer="gd", lr=0.5, epochs=100)
    assert hist.loss.shape == (100,) and hist.epochs_run == 100
    assert hist.loss[0] == before  # epoch 0's loss is the untrained network's
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    # and the last recorded loss is one step before the final parameters
    assert net.loss(X, y, loss="sse") < hist.loss[-1]


def test_gd_step_is_minus_eta_times_gradient(paper_data):
    X, y = paper_data
    net = gn.Network([3, 2, 1], seed=3)
    grads = net.gradients(X, y, loss="mse")
    W0 = [p["W"].copy() for p in net.params]
    net.fit(X, y, loss="mse", optimizer="gd", lr=0.3, epochs=1)
    for g, w0, p in zip(grads, W0, net.params, strict=True):
        np.testing.assert_allclose(p["W"], w0 - 0.3 * g["W"], rtol=1e-15)


def test_adam_matches_a_hand_written_step():
    g = [{"W": np.array([[0.5, -2.0]]), "b": np.array([[1e-3, 0.0]])}]
    opt = optimizers.adam(lr=0.01)
    state = opt.init(g)
    steps, state = opt.update(g, state)
    steps, state = opt.update(g, state)
    # with a constant gradient, m_hat = g and v_hat = g^2 at every t
    expected = -0.01 * g[0]["W"] / (np.abs(g[0]["W"]) + 1e-8)
    np.testing.assert_allclose(steps[0]["W"], expected, rtol=1e-12)
    assert state[0].count == 2  # the chain: (Adam's state, the learning rate's)


def test_momentum_and_nesterov_steps():
    g = [{"W": np.array([[1.0]])}]
    mom, nes = optimizers.momentum(lr=0.1, beta=0.9), optimizers.nesterov(lr=0.1, beta=0.9)
    sm, sn = mom.init(g), nes.init(g)
    s1, sm = mom.update(g, sm)
    s2, sm = mom.update(g, sm)
    assert s1[0]["W"][0, 0] == pytest.approx(-0.1) and s2[0]["W"][0, 0] == pytest.approx(-0.19)
    n1, sn = nes.update(g, sn)
    assert n1[0]["W"][0, 0] == pytest.approx(0.9 * -0.1 - 0.1)


def test_adamw_decays_weights_not_biases():
    params = [{"W": np.array([[2.0]]), "b": np.array([[2.0]])}]
    zero = [{"W": np.zeros((1, 1)), "b": np.zeros((1, 1))}]
    opt = optimizers.adamw(lr=0.1, weight_decay=0.5)
    steps, _ = opt.update(zero, opt.init(params), params)
    assert steps[0]["W"][0, 0] == pytest.approx(-0.1 * 0.5 * 2.0)
    assert steps[0]["b"][0, 0] == 0.0


@pytest.mark.parametrize("name", optimizers.names())  # every registered optimizer
def test_every_optimizer_learns_xor(name):
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 8, 1], activation="tanh", output="sigmoid", seed=0)
    lr = {"gd": 1.0, "momentum": 0.3, "nesterov": 0.3}.get(name, 0.05)
    hist = net.fit(X, y, loss="bce", optimizer=name, lr=lr, epochs=600)
    assert hist.loss[-1] < 0.1 * hist.loss[0]
    assert gn.metrics.accuracy(net.predict(X), y) == 1.0


def test_schedules():
    s = optimizers.schedule("step", epochs=9, steps_per_epoch=2, step_size=3, gamma=0.5)
    assert [s(t) for t in (0, 5, 6, 11, 12)] == [1, 1, 0.5, 0.5, 0.25]
    e = optimizers.schedule("exponential", epochs=10)
    assert e(0) == 1 and e(10) == pytest.approx(0.01)
    c = optimizers.schedule("cosine", epochs=10, min_factor=0.1)
    assert c(0) == 1 and c(5) == pytest.approx(0.55) and c(10) == pytest.approx(0.1)
    assert optimizers.schedule("constant", epochs=10) is None
    with pytest.raises(ValueError, match="unknown schedule 'linear'"):
        optimizers.schedule("linear", epochs=10)


def test_schedule_slows_the_steps(paper_data):
    X, y = paper_data
    a, b = gn.Network([3, 2, 1], seed=0), gn.Network([3, 2, 1], seed=0)
    a.fit(X, y, lr=0.5, epochs=20)
    b.fit(X, y, lr=0.5, epochs=20, schedule="exponential")
    moved_a = np.abs(a.layers[0].W - gn.Network([3, 2, 1], seed=0).layers[0].W).sum()
    moved_b = np.abs(b.layers[0].W - gn.Network([3, 2, 1], seed=0).layers[0].W).sum()
    assert moved_b < moved_a


def test_minibatches_use_the_short_last_batch():
    X, y = gn.datasets.load("moons", n_samples=10, seed=0)
    counter = []

    class Count(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            counter.append(epoch)

    opt = optimizers.gd(0.1)
    calls = []

    def update(grads, state, params=None):
        calls.append(grads[0]["W"].shape)
        return opt.update(grads, state, params)

    net = gn.Network([2, 3, 1], seed=0)
    net.fit(
        X,
        y,
        optimizer=optimizers.Optimizer("gd", opt.init, update),
        epochs=2,
        batch_size=4,
        callbacks=[Count()],
    )
    assert len(calls) == 2 * 3  # batches of 4, 4 and 2
    assert counter == [0, 1]
    # a batch larger than the data is a full batch, not a crash
    calls.clear()
    net.fit(X, y, optimizer=optimizers.Optimizer("gd", opt.init, update), epochs=1, batch_size=99)
    assert len(calls) == 1


def test_minibatch_epoch_loss_is_the_sample_weighted_mean():
    X, y = gn.datasets.load("moons", n_samples=10, seed=0)
    net = gn.Network([2, 3, 1], seed=0)
    before = net.loss(X, y)
    # batches of 4, 4 and 2 (a batch of 10 would be full-batch and test nothing); lr ~ 0 keeps
    # every batch at the initial parameters
    hist = net.fit(X, y, epochs=1, batch_size=4, shuffle=False, lr=1e-12)
    assert hist.loss[0] == pytest.approx(before, rel=1e-10)
    plain = np.mean([net.loss(X[s : s + 4], y[s : s + 4]) for s in (0, 4, 8)])
    assert abs(plain - before) > 1e-4  # the plain mean of batch costs would be wrong


def test_history_records_layer_stats_and_validation():
    X, y = gn.datasets.load("moons", n_samples=60, seed=1)
    Xv, yv = gn.datasets.load("moons", n_samples=30, seed=2)
    net = gn.Network([2, 6, 6, 1], activation="relu", seed=0)
    hist = net.fit(X, y, loss="bce", lr=0.5, epochs=25, validation=(Xv, yv), stats_every=5)
    assert hist.val_loss.shape == (25,) and hist.val_accuracy.shape == (25,)
    assert 0 <= hist.val_accuracy.min() and hist.val_accuracy.max() <= 1
    assert list(hist.stats_epochs) == [0, 5, 10, 15, 20, 24]
    for name in gn.training.LAYER_STATS:
        assert hist.layer_stats[name].shape == (6, 3)
    assert (hist.layer_stats["dead_relu"][:, 2] == 0).all()  # the sigmoid output is no ReLU
    assert (hist.layer_stats["grad_norm"] > 0).all()
    # the first record is the untrained network's gradient norm
    g0 = gn.Network([2, 6, 6, 1], activation="relu", seed=0).gradients(X, y, loss="bce")
    np.testing.assert_allclose(
        hist.layer_stats["grad_norm"][0], [np.linalg.norm(g["W"]) for g in g0], rtol=1e-12
    )
    off = gn.Network([2, 6, 1], seed=0).fit(X, y, epochs=3, stats_every=None)
    assert off.layer_stats == {} and len(off.stats_epochs) == 0


def test_population_history_shapes():
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 3, 1], seed=[0, 1, 2, 3])
    hist = net.fit(X, y, lr=[0.1, 0.2, 0.3, 0.4], epochs=12, stats_every=1)
    assert hist.loss.shape == (4, 12)
    assert hist.layer_stats["grad_norm"].shape == (4, 12, 2)
    assert hist.final_loss.shape == (4,)
    m = hist.member(2)
    assert m.loss.shape == (12,) and m.lr == 0.3


def test_single_network_divergence_stops_with_a_warning(paper_data):
    X, y = paper_data
    net = gn.Network([3, 8, 1], activation="identity", output="identity", seed=0)
    with pytest.warns(gn.DivergenceWarning, match="diverged at epoch"):
        hist = net.fit(X, y, loss="mse", lr=50.0, epochs=500)
    assert hist.diverged is True and hist.diverged_epoch == hist.epochs_run - 1
    assert hist.epochs_run < 500 and hist.stopped_by == "diverged"
    assert "learning rate" in hist.messages[0]


def test_population_freezes_diverged_members(paper_data):
    X, y = paper_data
    net = gn.Network([3, 8, 1], activation="identity", output="identity", seed=[0, 0, 0])
    hist = net.fit(X, y, loss="mse", lr=[0.05, 50.0, 0.1], epochs=300)
    assert hist.diverged.tolist() == [False, True, False]
    assert hist.diverged_epoch[1] > 0 and hist.diverged_epoch[0] == -1
    assert hist.epochs_run == 300
    assert np.isfinite(hist.loss[[0, 2]]).all() and hist.loss[0, -1] < hist.loss[0, 0]
    # the healthy members trained exactly as if alone
    alone = gn.Network([3, 8, 1], activation="identity", output="identity", seed=0)
    np.testing.assert_array_equal(
        alone.fit(X, y, loss="mse", lr=0.1, epochs=300).loss, hist.loss[2]
    )


def test_early_stopping_restores_the_best_parameters():
    X, y = gn.datasets.load("moons", n_samples=40, noise=0.3, seed=0)
    Xv, yv = gn.datasets.load("moons", n_samples=40, noise=0.3, seed=5)
    net = gn.Network([2, 16, 1], activation="tanh", seed=0)
    stopper = gn.EarlyStopping(monitor="val_loss", patience=5, restore_best=True)
    hist = net.fit(
        X,
        y,
        loss="bce",
        optimizer="adam",
        lr=0.3,
        epochs=400,
        validation=(Xv, yv),
        callbacks=[stopper],
    )
    assert hist.stopped_by == "EarlyStopping" and hist.epochs_run < 400
    best = int(np.argmin(hist.val_loss))
    assert stopper.best_epoch == best
    assert net.loss(Xv, yv, loss="bce") == pytest.approx(hist.val_loss[best], rel=1e-12)


def test_stop_on_convergence(paper_data):
    X, y = paper_data
    net = gn.Network([3, 2, 1], seed=0)
    hist = net.fit(X, y, lr=2.0, epochs=5000, callbacks=[gn.StopOnConvergence(threshold=0.01)])
    assert hist.epochs_run < 5000 and hist.loss[-1] < 0.01 and hist.loss[-2] >= 0.01


def test_convergence_definitions():
    curve = np.array([1.0, 0.5, 0.2, 0.05, 0.009, 0.008, 0.0079, 0.0079, 0.0079])
    assert gn.convergence.threshold_epoch(curve, 0.1) == 3
    assert gn.convergence.threshold_epoch(curve, 1e-5) == -1
    assert gn.convergence.paper_epoch(curve, tol=0.01, slope_tol=1e-3, window=3) == 6
    assert gn.convergence.paper_epoch(curve, tol=0.01, slope_tol=1e-6, window=3) == 8  # flat
    assert gn.convergence.paper_epoch(curve[:8], tol=0.01, slope_tol=1e-6, window=3) == -1
    curves = np.stack([curve, curve[::-1], np.full(9, np.nan), np.r_[curve[:5], [np.inf] * 4]])
    assert gn.convergence.threshold_epoch(curves, 0.1).tolist() == [3, 0, -1, 3]
    # diverged curves (inf, NaN) never count as converged, and raise no warning
    assert gn.convergence.paper_epoch(curves, window=3, slope_tol=1e-3).tolist() == [6, 2, -1, -1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(lr=0), ValueError, "lr: expected a finite number > 0, got 0"),
        (dict(lr=-1), ValueError, "lr: expected a finite number > 0"),
        (dict(epochs=0), ValueError, r"epochs: expected an integer in \[1, 10000000\], got 0"),
        (dict(epochs=2.5), TypeError, "epochs: expected an integer"),
        (dict(optimizer="sgd"), ValueError, "unknown optimizer 'sgd'; expected one of adam"),
        (dict(batch_size=0), ValueError, "batch_size: expected an integer >= 1"),
        (dict(lr=[0.1, 0.2]), ValueError, "lr: a sequence of learning rates needs a population"),
        (dict(l2=-0.1), ValueError, "l2: expected a finite number >= 0"),
        (dict(validation=(1,)), TypeError, "validation: expected a pair"),
        (dict(schedule="linear"), ValueError, "unknown schedule"),
    ],
)
def test_fit_rejects_bad_arguments(paper_data, kwargs, error, match):
    X, y = paper_data
    with pytest.raises(error, match=match):
        gn.Network([3, 2, 1]).fit(X, y, **kwargs)


def test_population_lr_must_match_members(paper_data):
    X, y = paper_data
    with pytest.raises(ValueError, match=r"lr: expected one learning rate per member \(3\)"):
        gn.Network([3, 2, 1], seed=[0, 1, 2]).fit(X, y, lr=[0.1, 0.2])


def test_l2_penalty_shrinks_weights(paper_data):
    X, y = paper_data
    a, b = gn.Network([3, 4, 1], seed=0), gn.Network([3, 4, 1], seed=0)
    ha = a.fit(X, y, lr=0.5, epochs=200)
    hb = b.fit(X, y, lr=0.5, epochs=200, l2=0.1)
    assert np.linalg.norm(b.layers[0].W) < np.linalg.norm(a.layers[0].W)
    assert math.isfinite(hb.final_loss) and hb.final_loss > ha.final_loss


@pytest.mark.parametrize("batch_size", [None, 3])
def test_resume_continues_the_optimizer_state(batch_size):
    X, y = gn.datasets.load("moons", n_samples=10, seed=3)
    kw = dict(optimizer="adam", lr=0.05, batch_size=batch_size)
    whole = gn.Network([2, 3, 1], seed=[0, 1])
    h_whole = whole.fit(X, y, epochs=30, **kw)
    parts = gn.Network([2, 3, 1], seed=[0, 1])
    h1 = parts.fit(X, y, epochs=10, **kw)
    h2 = parts.fit(X, y, epochs=20, resume=h1, **kw)
    np.testing.assert_array_equal(np.concatenate([h1.loss, h2.loss], axis=-1), h_whole.loss)
    np.testing.assert_array_equal(parts.layers[0].W, whole.layers[0].W)
    with pytest.raises(ValueError, match="resume: the earlier fit used 'adam', this one 'gd'"):
        parts.fit(X, y, optimizer="gd", epochs=1, resume=h2)


def test_stats_recorded_at_the_last_epoch_of_an_early_stop(paper_data):
    X, y = paper_data

    class StopAt7(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            return epoch == 7

    hist = gn.Network([3, 2, 1], seed=0).fit(X, y, epochs=50, stats_every=5, callbacks=[StopAt7()])
    assert hist.epochs_run == 8 and list(hist.stats_epochs) == [0, 5, 7]


def test_divergence_can_be_recorded_without_a_warning(paper_data):
    X, y = paper_data
    net = gn.Network([3, 8, 1], activation="identity", output="identity", seed=0)
    hist = net.fit(X, y, lr=50.0, epochs=500, warn=False)  # warnings are errors in this suite
    assert hist.diverged and hist.stopped_by == "diverged"
