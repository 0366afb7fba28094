"""The training loop's bookkeeping against hand-written references.

* mini-batch gradient descent with a short last batch, sample weights and L2, written out by
  hand for a linear network: the epoch loss is the sample-weighted mean of the batch costs
  (their sum for ``sse``), not their plain mean;
* a population whose members diverge at different epochs: each is marked at its own epoch and
  stays frozen from then on, while the others train as single networks would;
* EarlyStopping's exact stopping epoch and restored parameters, on a loss curve scripted by an
  optimizer that moves the weight along a given path (dyadic numbers: every value is exact);
* the per-layer statistics on hand-built networks whose answers are known.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers
from glassnet.training import layer_stats

# --- mini-batches ------------------------------------------------------------------------------


def _regression(n=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = rng.normal(size=(n, 2))
    sw = rng.uniform(0.2, 3.0, n)
    return X, y, sw


def ref_minibatch_gd(W, b, X, y, sw, *, lr, l2, batch, epochs, summed=False):
    """Linear model z = X W + b, squared error, plain mini-batch gradient descent, no shuffling."""
    W, b = W.copy(), b.copy()
    n, m = y.shape
    w = np.ones(n) if sw is None else sw / sw.mean()
    losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, n, batch):
            Xb, yb, wb = (
                X[start : start + batch],
                y[start : start + batch],
                w[start : start + batch],
            )
            nb = len(yb)
            r = Xb @ W + b - yb
            scale = 1.0 if summed else 1.0 / (nb * m)  # sse sums; mse averages
            cost = scale * float((wb[:, None] * r * r).sum()) + 0.5 * l2 * float((W * W).sum())
            dr = scale * 2 * wb[:, None] * r
            gW = Xb.T @ dr + l2 * W
            gb = dr.sum(axis=0, keepdims=True)
            W = W - lr * gW
            b = b - lr * gb
            total += cost if summed else cost * nb / n
        losses.append(total)
    return np.array(losses), W, b


@pytest.mark.parametrize(
    ("loss", "weighted", "l2"),
    [("mse", False, 0.0), ("mse", True, 0.0), ("mse", True, 0.05), ("sse", True, 0.02)],
)
def test_minibatch_training_equals_the_hand_loop(loss, weighted, l2):
    X, y, sw = _regression()
    sw = sw if weighted else None
    net = gn.Network([3, 2], output="identity", init="normal(0.5)", seed=4)
    W0, b0 = net.layers[0].W.copy(), net.layers[0].b.copy()
    lr = 0.01 if loss == "sse" else 0.1
    hist = net.fit(X, y, loss=loss, lr=lr, epochs=3, batch_size=4, shuffle=False, l2=l2,
                   sample_weight=sw, stats_every=0)  # fmt: skip
    ref_loss, W, b = ref_minibatch_gd(
        W0, b0, X, y, sw, lr=lr, l2=l2, batch=4, epochs=3, summed=loss == "sse"
    )
    np.testing.assert_allclose(hist.loss, ref_loss, rtol=1e-12)
    np.testing.assert_allclose(net.layers[0].W, W, rtol=1e-12)
    np.testing.assert_allclose(net.layers[0].b, b, rtol=1e-12, atol=1e-15)


def _frozen_optimizer():
    """An optimizer that never moves anything: every batch is evaluated at the same parameters."""
    return optimizers.Optimizer(
        "gd",
        lambda params: 0,  # the state: nothing to remember
        lambda grads, state, params=None: (
            [{k: np.zeros_like(g) for k, g in layer.items()} for layer in grads],
            state,
        ),
    )


def test_epoch_loss_of_uneven_batches_is_the_weighted_mean_not_the_plain_mean():
    X, y, sw = _regression(n=10)
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=2)
    e = ((net.predict(X) - y) ** 2).mean(axis=1)  # per-sample mse
    w = sw / sw.mean()
    for weights, per_sample in [(None, e), (sw, w * e)]:
        hist = net.fit(X, y, optimizer=_frozen_optimizer(), epochs=1, batch_size=4,
                       shuffle=False, sample_weight=weights, stats_every=0)  # fmt: skip
        # batches of 4, 4 and 2: the epoch loss is sum over all samples / n ...
        assert hist.loss[0] == pytest.approx(per_sample.mean(), rel=1e-12)
        # ... which is not the plain mean of the three batch costs
        plain = np.mean([per_sample[0:4].mean(), per_sample[4:8].mean(), per_sample[8:].mean()])
        assert abs(hist.loss[0] - plain) > 1e-6
    # shuffling changes the batches, not the epoch loss of unmoving parameters
    hist = net.fit(X, y, optimizer=_frozen_optimizer(), epochs=2, batch_size=3, seed=5,
                   stats_every=0)  # fmt: skip
    np.testing.assert_allclose(hist.loss, [e.mean()] * 2, rtol=1e-12)
    hist = net.fit(X, y, loss="sse", optimizer=_frozen_optimizer(), epochs=1, batch_size=3,
                   stats_every=0)  # fmt: skip
    assert hist.loss[0] == pytest.approx(((net.predict(X) - y) ** 2).sum(), rel=1e-12)


def test_validation_loss_uses_the_parameters_before_the_epochs_step():
    X, y, _ = _regression(n=8)
    Xv, yv, _ = _regression(n=5, seed=9)
    net = gn.Network([3, 2], output="identity", seed=1)
    seen = []

    class Before(gn.Callback):
        def on_train_begin(self, net, history):
            seen.append(net.loss(Xv, yv))

        def on_epoch_end(self, epoch, history, net):
            seen.append(net.loss(Xv, yv))

    hist = net.fit(X, y, lr=0.1, epochs=4, validation=(Xv, yv), callbacks=[Before()],
                   stats_every=0)  # fmt: skip
    np.testing.assert_allclose(hist.val_loss, seen[:4], rtol=1e-12)


# --- divergence in a population ----------------------------------------------------------------


def _divergence_run(divergence="nonfinite"):
    # a 1-1 linear unit on C = (w x)^2 with x = 1: w <- w (1 - 2 eta) each epoch. |1 - 2 eta| > 1
    # grows w geometrically until w^2 overflows; each rate overflows at its own epoch.
    X, y = np.array([[1.0]]), np.array([[0.0]])
    rates = [0.1, 1.5, 3.0, 1.25]  # factors -0.8, -2, -5, -1.5
    seeds = [0, 1, 2, 3]
    net = gn.Network([1, 1], output="identity", bias="none", init="uniform", seed=seeds)
    w0 = net.layers[0].W[:, 0, 0].copy()
    trail = []

    class Record(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            trail.append(net.layers[0].W[:, 0, 0].copy())

    hist = net.fit(X, y, lr=rates, epochs=1000, callbacks=[Record()], stats_every=0,
                   divergence=divergence)  # fmt: skip
    return rates, w0, np.array(trail), hist


def _hand_divergence_epoch(w, eta, growth=math.inf):
    """The first epoch whose loss w^2 is not finite, or (the "runaway" rule) exceeds
    ``growth`` times max(1, the first epoch's loss)."""
    first = w * w
    with np.errstate(over="ignore"):
        for e in range(10_000):
            if not math.isfinite(w * w) or w * w > growth * max(first, 1.0):
                return e
            w = w - eta * (2 * w)
    return -1


def test_members_diverge_at_their_own_epochs_and_stay_frozen():
    rates, w0, trail, hist = _divergence_run()
    expected = [_hand_divergence_epoch(float(w), r) for w, r in zip(w0, rates, strict=True)]
    assert expected[0] == -1 and len(set(expected[1:])) == 3  # three different epochs
    assert all(0 < e < 1000 for e in expected[1:])
    assert hist.diverged.tolist() == [e >= 0 for e in expected]
    assert hist.diverged_epoch.tolist() == expected
    assert hist.epochs_run == 1000 and hist.stopped_by is None
    for k, e in enumerate(expected):
        if e < 0:
            assert np.isfinite(hist.loss[k]).all()
            continue
        assert np.isfinite(hist.loss[k, :e]).all() and not np.isfinite(hist.loss[k, e])
        # frozen from the epoch after its divergence on: the weight never moves again
        np.testing.assert_array_equal(trail[e:, k], trail[e, k])
        assert np.isfinite(trail[e, k])
    # the member that converges trains exactly like a single network
    single = gn.Network([1, 1], output="identity", bias="none", init="uniform", seed=0)
    h1 = single.fit(np.array([[1.0]]), np.array([[0.0]]), lr=0.1, epochs=1000, stats_every=0,
                    divergence="nonfinite")  # fmt: skip
    np.testing.assert_array_equal(hist.loss[0], h1.loss)


def test_runaway_rule_marks_each_member_when_its_loss_grows_ten_thousand_fold():
    # the default rule: a loss above 1e4 max(1, first loss) diverges (long before overflow,
    # and before any weight reaches the parameter limit of 1e6)
    rates, w0, trail, hist = _divergence_run("runaway")
    expected = [
        _hand_divergence_epoch(float(w), r, growth=1e4) for w, r in zip(w0, rates, strict=True)
    ]
    assert expected[0] == -1 and all(0 < e < 30 for e in expected[1:])
    assert hist.diverged_epoch.tolist() == expected
    for k, e in enumerate(expected[1:], start=1):
        np.testing.assert_array_equal(trail[e:, k], trail[e, k])  # frozen from then on


def test_single_network_divergence_stops_and_warns():
    X, y = np.array([[1.0]]), np.array([[0.0]])
    net = gn.Network([1, 1], output="identity", bias="none", init="uniform", seed=2)
    expected = _hand_divergence_epoch(float(net.layers[0].W[0, 0]), 3.0)
    with pytest.warns(gn.training.DivergenceWarning, match=f"epoch {expected}"):
        hist = net.fit(X, y, lr=3.0, epochs=1000, stats_every=0, divergence="nonfinite")
    assert hist.diverged and hist.diverged_epoch == expected
    assert hist.epochs_run == expected + 1 and hist.stopped_by == "diverged"


def test_every_member_diverging_stops_the_population():
    X, y = np.array([[1.0]]), np.array([[0.0]])
    net = gn.Network([1, 1], output="identity", bias="none", init="uniform", seed=[0, 1])
    w0 = net.layers[0].W[:, 0, 0].copy()
    hist = net.fit(X, y, lr=[3.0, 1.5], epochs=1000, stats_every=0, divergence="nonfinite")
    expected = [_hand_divergence_epoch(float(w), r) for w, r in zip(w0, [3.0, 1.5], strict=True)]
    assert hist.diverged_epoch.tolist() == expected
    assert hist.epochs_run == max(expected) + 1 and hist.stopped_by == "diverged"


# --- EarlyStopping on a scripted loss curve ------------------------------------------------------


def _scripted(path):
    """An optimizer that moves a single weight along ``path`` (path[t] during epoch t)."""
    path = np.asarray(path, dtype=float)

    def update(grads, state, params=None):
        t = state  # the state is the update count
        target = path[min(t + 1, len(path) - 1)]
        steps = [{"W": target - params[0]["W"]}]
        return steps, t + 1

    return optimizers.Optimizer("gd", lambda params: 0, update)


def _scripted_fit(path, callback, epochs=None):
    # C = mse of w * 1 against 0 = w^2; the weight starts at path[0]
    X, y = np.array([[1.0]]), np.array([[0.0]])
    P = np.ndim(path[0])
    seed = 0 if P == 0 else list(range(len(path[0])))
    net = gn.Network([1, 1], output="identity", bias="none", seed=seed)
    net.layers[0].W = np.reshape(path[0], net.layers[0].W.shape)
    path = np.asarray(path, dtype=float)
    if P:
        path = path[:, :, None, None]
    hist = net.fit(X, y, optimizer=_scripted(path), epochs=epochs or len(path),
                   callbacks=[callback], stats_every=0)  # fmt: skip
    return net, hist


# w per epoch; the loss is w^2: 4, 3.0625, 2.25, 2.640625, 2.44140625, 2.25, 1.0, ...
PATH = [2.0, 1.75, 1.5, 1.625, 1.5625, 1.5, 1.0, 0.5, 0.25]


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    # best 2.25 at epoch 2; epochs 3, 4, 5 do not improve (epoch 5 equals it): with patience 3
    # training stops after epoch 5, and the weight of epoch 2 is put back
    net, hist = _scripted_fit(PATH, gn.EarlyStopping(monitor="loss", patience=3))
    np.testing.assert_array_equal(hist.loss, np.square(PATH[:6]))
    assert hist.epochs_run == 6 and hist.stopped_by == "EarlyStopping"
    assert net.layers[0].W[0, 0] == 1.5


def test_early_stopping_patience_one_and_four():
    net, hist = _scripted_fit(PATH, gn.EarlyStopping(monitor="loss", patience=1))
    assert hist.epochs_run == 4 and net.layers[0].W[0, 0] == 1.5
    # patience 4: epoch 6 improves (1.0) and the run reaches the end of the path
    net, hist = _scripted_fit(PATH, gn.EarlyStopping(monitor="loss", patience=4))
    assert hist.epochs_run == len(PATH) and hist.stopped_by is None
    assert net.layers[0].W[0, 0] == 0.25  # the last epoch was the best


def test_early_stopping_min_delta_and_no_restore():
    # improvements must exceed min_delta: 4 -> 3.0625 (0.94) counts, 3.0625 -> 2.25 (0.81) does
    # not with min_delta 0.85, nor does anything after: stop after epoch 1 + 2 = 3
    path = [2.0, 1.75, 1.5, 1.5, 1.5, 1.5]
    net, hist = _scripted_fit(path, gn.EarlyStopping(monitor="loss", patience=2, min_delta=0.85))
    assert hist.epochs_run == 4 and net.layers[0].W[0, 0] == 1.75
    net, hist = _scripted_fit(
        path, gn.EarlyStopping(monitor="loss", patience=2, min_delta=0.85, restore_best=False)
    )
    assert hist.epochs_run == 4 and net.layers[0].W[0, 0] == 1.5


def test_early_stopping_population_waits_for_every_member():
    # member 0 stops improving after epoch 1; member 1 improves until epoch 4: with patience 2
    # training stops after epoch 6 and each member gets its own best epoch back
    path = [
        [2.0, 2.0],
        [0.75, 1.75],
        [1.5, 1.5],
        [1.5, 1.25],
        [1.25, 1.0],
        [1.5, 1.5],
        [1.0, 1.5],
        [0.5, 0.5],
    ]
    net, hist = _scripted_fit(path, gn.EarlyStopping(monitor="loss", patience=2))
    assert hist.epochs_run == 7
    np.testing.assert_array_equal(net.layers[0].W[:, 0, 0], [0.75, 1.0])


# --- the per-layer statistics ------------------------------------------------------------------


def _sigmoid_saturation_edge():
    # s'(z) = s (1 - s) = 1% of its maximum 1/4 where s = (1 + sqrt(1 - 0.01)) / 2
    s = (1 + math.sqrt(0.99)) / 2
    return math.log(s / (1 - s))


def test_saturation_uses_one_percent_of_the_true_derivative_maximum():
    edge = _sigmoid_saturation_edge()  # about 5.99
    net = gn.Network([1, 6, 1], activation="sigmoid", output="identity", seed=0)
    net.layers[0].W = [[0.0, edge - 0.05, edge + 0.05, -(edge + 0.05), -(edge - 0.05), 3.0]]
    net.layers[0].b = np.zeros((1, 6))
    X, y = np.array([[1.0]]), np.array([[0.0]])
    fwd = net.forward(X)
    grads = net.gradients(X, y)
    stats = layer_stats(net, fwd, grads)
    assert stats["saturated"][0] == pytest.approx(2 / 6, rel=1e-12)  # only |z| > edge
    assert stats["dead_relu"][0] == 0.0
    # tanh: |1 - tanh^2| < 0.01 beyond atanh(sqrt(0.99)) ~ 2.99
    t_edge = math.atanh(math.sqrt(0.99))
    net = gn.Network([1, 4, 1], activation="tanh", output="identity", seed=0)
    net.layers[0].W = [[t_edge - 0.01, t_edge + 0.01, -(t_edge + 0.01), 0.0]]
    net.layers[0].b = np.zeros((1, 4))
    stats = layer_stats(net, net.forward(X), net.gradients(X, y))
    assert stats["saturated"][0] == pytest.approx(2 / 4, rel=1e-12)


def test_dead_relu_is_nonpositive_for_every_sample():
    X = np.array([[1.0], [-1.0]])
    y = np.array([[0.0], [1.0]])
    net = gn.Network([1, 5, 1], activation="relu", output="identity", seed=0)
    # z per sample: unit 0 is 0 and 0 (dead: z <= 0 everywhere), unit 1 +-1 (alive for one
    # sample), unit 2 -+1, unit 3 -0.5 both (dead), unit 4 +0.5 both
    net.layers[0].W = [[0.0, 1.0, -1.0, 0.0, 0.0]]
    net.layers[0].b = [[0.0, 0.0, 0.0, -0.5, 0.5]]
    stats = layer_stats(net, net.forward(X), net.gradients(X, y))
    assert stats["dead_relu"][0] == pytest.approx(2 / 5, rel=1e-12)
    assert stats["dead_relu"][1] == 0.0  # the identity output cannot die
    # relu' = 0 on z <= 0: the 6 of the 10 (unit, sample) pairs with z <= 0 count as saturated
    assert stats["saturated"][0] == pytest.approx(6 / 10, rel=1e-12)


def test_norms_and_update_ratio_are_frobenius():
    X, y, _ = _regression(n=6)
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=3)
    fwd = net.forward(X)
    grads = net.gradients(X, y)
    steps = [{"W": 0.5 * g["W"], "b": 0.5 * g["b"]} for g in grads]
    stats = layer_stats(net, fwd, grads, steps)
    for l, (p, g) in enumerate(zip(net.params, grads, strict=True)):
        W, G = p["W"], g["W"]
        assert stats["weight_norm"][l] == pytest.approx(math.sqrt((W**2).sum()), rel=1e-12)
        assert stats["grad_norm"][l] == pytest.approx(math.sqrt((G**2).sum()), rel=1e-12)
        ratio = 0.5 * math.sqrt((G**2).sum()) / math.sqrt((W**2).sum())
        assert stats["update_ratio"][l] == pytest.approx(ratio, rel=1e-12)
    assert np.isnan(layer_stats(net, fwd, grads)["update_ratio"]).all()


def test_fit_records_the_statistics_of_its_first_epoch():
    # full batch: epoch 0's gradient is the one at the initial parameters, its step -eta g,
    # and the weight norm the one after that step
    X, y, _ = _regression(n=6)
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=3)
    g0 = net.gradients(X, y)
    W0 = [p["W"].copy() for p in net.params]
    hist = net.fit(X, y, lr=0.2, epochs=1, stats_every=1)
    for l in range(2):
        G = g0[l]["W"]
        W1 = W0[l] - 0.2 * G
        assert hist.layer_stats["grad_norm"][0, l] == pytest.approx(np.linalg.norm(G), rel=1e-12)
        assert hist.layer_stats["weight_norm"][0, l] == pytest.approx(np.linalg.norm(W1), rel=1e-12)
        assert hist.layer_stats["update_ratio"][0, l] == pytest.approx(
            0.2 * np.linalg.norm(G) / np.linalg.norm(W1), rel=1e-12
        )
