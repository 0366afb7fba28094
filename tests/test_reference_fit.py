"""``fit``'s options against hand-written training loops and the documentation.

A linear unit (``z = X W + b``, mse) trained by plain gradient descent is written out here as
a loop over epochs and batches, with the sample order the documentation gives (each epoch a
permutation from the ``"shuffle"`` stream of the shuffle seed), the learning rate of each
schedule per epoch, and the sample weights; ``fit`` must take the same steps. The rest of the
options are checked against what ``fit`` documents: its signature and defaults, the settings a
History records, the bound on a run's record (inclusive), the divergence rule at exactly 10^4
times the first loss, stopping callbacks' defaults and paper mode, resuming with the earlier
run's settings, and every refusal word for word.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import training
from glassnet._random import generator

_rng = np.random.default_rng(8)
X = _rng.normal(size=(6, 2))
Y = _rng.normal(size=(6, 1))
W0 = np.array([[0.4], [-0.7]])
B0 = np.array([[0.1]])


def _linear(seed=0):
    net = gn.Network([2, 1], output="identity", seed=seed)
    net.layers[0].W = W0
    net.layers[0].b = B0
    return net


def _hand(epochs, lr, batch=None, order_seed=None, factor=lambda e: 1.0, weight=None, l2=0.0):
    """Gradient descent on mse, written out: returns the loss curve and W, b."""
    W, b = W0.copy(), B0.copy()
    n = len(X)
    w = np.ones(n) if weight is None else weight / weight.mean()
    rng = None if order_seed is None else generator(order_seed, "shuffle")
    batch = n if batch is None else batch
    curve = []
    for e in range(epochs):
        order = np.arange(n) if rng is None or batch >= n else rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            r = X[idx] @ W + b - Y[idx]
            wb = w[idx][:, None]
            cost = float((wb * r * r).mean()) + 0.5 * l2 * float((W * W).sum())
            total += cost * len(idx) / n
            g = 2 * wb * r / len(idx)
            W = W - lr * factor(e) * (X[idx].T @ g + l2 * W)
            b = b - lr * factor(e) * g.sum(axis=0, keepdims=True)
        curve.append(total)
    return np.array(curve), W, b


def _same(hist, net, ref, rtol=1e-12):
    curve, W, b = ref
    np.testing.assert_allclose(hist.loss, curve, rtol=rtol)
    np.testing.assert_allclose(net.layers[0].W, W, rtol=rtol)
    np.testing.assert_allclose(net.layers[0].b, b, rtol=rtol, atol=1e-15)


@pytest.mark.parametrize("seed", [None, 5])
def test_shuffled_batches_take_the_documented_order(seed):
    net = _linear(seed=3)
    hist = net.fit(X, Y, lr=0.1, epochs=4, batch_size=4, seed=seed, stats_every=0)
    # the default shuffle seed is the network's own
    _same(hist, net, _hand(4, 0.1, batch=4, order_seed=3 if seed is None else seed))
    net = _linear(seed=3)
    hist = net.fit(X, Y, lr=0.1, epochs=4, batch_size=4, shuffle=False, stats_every=0)
    _same(hist, net, _hand(4, 0.1, batch=4))


def test_a_batch_of_all_samples_is_full_batch_bit_for_bit():
    a, b = _linear(), _linear()
    ha = a.fit(X, Y, lr=0.1, epochs=5, stats_every=0)
    hb = b.fit(X, Y, lr=0.1, epochs=5, batch_size=len(X), stats_every=0)
    np.testing.assert_array_equal(ha.loss, hb.loss)
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)
    assert hb.settings["batch_size"] is None


@pytest.mark.parametrize("batch", [None, 4])
def test_full_batch_sample_weights(batch):
    weight = np.array([1.0, 3.0, 0.5, 0.0, 2.0, 1.5])
    net = _linear()
    hist = net.fit(X, Y, lr=0.1, epochs=3, batch_size=batch, shuffle=False, sample_weight=weight,
                   stats_every=0)  # fmt: skip
    _same(hist, net, _hand(3, 0.1, batch=batch, weight=weight))


@pytest.mark.parametrize("name", ["step", "exponential", "cosine"])
def test_schedules_give_each_epoch_its_factor_with_mini_batches(name):
    epochs = 6
    factors = {
        "step": lambda e: 0.1 ** (e // (epochs // 3)),
        "exponential": lambda e: (0.01 ** (1 / epochs)) ** e,
        "cosine": lambda e: (1 + math.cos(math.pi * e / epochs)) / 2,
    }
    net = _linear()
    hist = net.fit(X, Y, lr=0.2, epochs=epochs, batch_size=2, shuffle=False, schedule=name,
                   stats_every=0)  # fmt: skip
    _same(hist, net, _hand(epochs, 0.2, batch=2, factor=factors[name]))


def test_optimizer_options_reach_the_optimizer():
    # momentum with beta = 0.5, by hand: v <- beta v + g, W <- W - eta v
    net = _linear()
    net.fit(X, Y, optimizer="momentum", lr=0.1, epochs=2, optimizer_options={"beta": 0.5},
            stats_every=0)  # fmt: skip
    W, b, vW, vb = W0.copy(), B0.copy(), 0.0, 0.0
    for _ in range(2):
        g = 2 * (X @ W + b - Y) / len(X)
        vW, vb = 0.5 * vW + X.T @ g, 0.5 * vb + g.sum(axis=0, keepdims=True)
        W, b = W - 0.1 * vW, b - 0.1 * vb
    np.testing.assert_allclose(net.layers[0].W, W, rtol=1e-12)


def test_the_signature_and_what_a_history_records():
    params = inspect.signature(training.fit).parameters
    assert list(params)[:4] == ["net", "X", "y", "config"]
    want = {"validation": None, "sample_weight": None, "callbacks": (), "resume": None,
            "loss": "mse", "optimizer": "gd", "lr": None, "epochs": 100, "batch_size": None,
            "shuffle": True, "seed": None, "l1": 0.0, "l2": 0.0, "schedule": None,
            "stats_every": "auto", "optimizer_options": {}, "backend": "numpy",
            "chunk_epochs": None, "divergence": "runaway", "warn": True}  # fmt: skip
    assert {k: p.default for k, p in params.items() if k in want} == want
    assert all(params[k].kind is inspect.Parameter.KEYWORD_ONLY for k in want)
    h = _linear().fit(X, Y, epochs=2)
    assert h.settings == {"trainer": "gd", "loss": "mse", "optimizer": "gd", "epochs": 2,
                          "batch_size": None, "l1": 0.0, "l2": 0.0, "schedule": None,
                          "backend": "numpy"}  # fmt: skip
    assert h.lr == 0.1  # gd's default rate, recorded
    h = _linear().fit(X, Y, epochs=2, batch_size=2, optimizer="adam", l1=0.01, l2=0.02,
                      schedule=lambda t: 1.0)  # fmt: skip
    assert h.settings == {"trainer": "gd", "loss": "mse", "optimizer": "adam", "epochs": 2,
                          "batch_size": 2, "l1": 0.01, "l2": 0.02, "schedule": "custom",
                          "backend": "numpy"}  # fmt: skip
    assert h.lr == 0.001
    h = _linear().fit(X, Y, epochs=2, schedule="cosine")
    assert h.settings["schedule"] == "cosine"


def test_the_bound_on_a_runs_record_is_inclusive(monkeypatch):
    # 8 bytes per epoch, member and curve (loss; with validation also val_loss, val_accuracy)
    monkeypatch.setattr(training, "MAX_HISTORY_BYTES", 8 * 2 * 10 * 3)
    pop = gn.Network([2, 1], output="identity", seed=[0, 1])
    pop.fit(X, Y, epochs=10, validation=(X, Y), stats_every=None)  # exactly at the bound
    with pytest.raises(ValueError, match=r"^epochs: 11 epochs x 2 member\(s\) would need"):
        pop.fit(X, Y, epochs=11, validation=(X, Y), stats_every=None)
    monkeypatch.setattr(training, "MAX_HISTORY_BYTES", 8 * 30)
    _linear().fit(X, Y, epochs=30, stats_every=None)
    with pytest.raises(ValueError, match=r"^epochs: 31 epochs x 1 member\(s\)"):
        _linear().fit(X, Y, epochs=31, stats_every=None)
    monkeypatch.undo()
    with pytest.raises(ValueError) as info:
        gn.Network([2, 1], seed=list(range(100))).fit(X, Y, epochs=10**7)
    assert str(info.value) == (
        "epochs: 10000000 epochs x 100 member(s) would need 7.5 GiB for the loss curves alone; "
        "expected at most 2 GiB (train in several resumed fits, fit(..., resume=history), to go "
        "further)"
    )


@pytest.mark.parametrize(
    "every, records",
    [(3, 4), (4, 4), (1, 10), (9, 2), (10, 2), (20, 2), ("auto", 10)],
)  # recorded: 0, 3, 6, 9 | 0, 4, 8 and the last, 9 | all | 0, 9 | 0, 9 | 0, 9 | every (1)
def test_the_layer_statistics_count_in_the_bound_exactly(monkeypatch, every, records):
    """The History's bound holds its statistics too: 5 numbers (LAYER_STATS) per recorded
    epoch, layer and member, 8 bytes each, with the loss curves (8 per epoch and member)."""
    pop = gn.Network([2, 3, 1], output="identity", seed=[0, 1])  # 2 members, 2 layers
    need = 8 * 2 * 10 + 8 * 5 * records * 2 * 2
    monkeypatch.setattr(training, "MAX_HISTORY_BYTES", need)
    h = pop.fit(X, Y, epochs=10, stats_every=every)  # exactly at the bound
    assert all(v.shape == (2, records, 2) for v in h.layer_stats.values())
    assert len(h.layer_stats) == 5
    monkeypatch.setattr(training, "MAX_HISTORY_BYTES", need - 1)
    shown = 1 if every == "auto" else every
    with pytest.raises(ValueError) as info:
        pop.fit(X, Y, epochs=10, stats_every=every)
    assert str(info.value).startswith(
        f"stats_every: layer statistics every {shown} epoch(s) for 10 epochs x 2 member(s) x "
        "2 layer(s) would need "
    )
    pop.fit(X, Y, epochs=10, stats_every=None)  # without them it fits
    monkeypatch.undo()
    with pytest.raises(ValueError) as info:
        gn.Network([3, 2, 1], seed=list(range(1000))).fit(
            np.zeros((4, 3)), np.zeros((4, 1)), epochs=100_000, stats_every=1
        )
    # 8 x 1000 x 100000 x 2 x 5 bytes = 7.45 GiB; with the loss curves' 0.75, 8.2
    assert str(info.value) == (
        "stats_every: layer statistics every 1 epoch(s) for 100000 epochs x 1000 member(s) x "
        "2 layer(s) would need 7.5 GiB, 8.2 GiB with the loss curves; expected at most 2 GiB "
        "(a larger stats_every, or None to record none)"
    )


@pytest.mark.parametrize("seed", [0, [0, 1]])
def test_a_loss_of_exactly_ten_thousand_times_the_first_is_not_yet_divergence(seed):
    # C = w^2 at x = 1, y = 0; w <- w (1 - 2 eta) = -10 w with eta = 5.5: losses 1, 100, 10^4
    # (exactly 10^4 max(1, 1): not beyond), 10^6 (beyond): divergence at epoch 3
    net = gn.Network([1, 1], output="identity", bias="none", seed=seed)
    net.layers[0].W = np.ones(net.layers[0].W.shape)
    with pytest.warns(gn.training.DivergenceWarning) if net.population is None else _quiet():
        hist = net.fit([[1.0]], [[0.0]], lr=5.5, epochs=10, stats_every=0)
    np.testing.assert_array_equal(np.ravel(hist.loss)[:3], [1.0, 100.0, 1e4])
    assert np.ravel(hist.diverged_epoch)[0] == 3


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_divergence_message_names_the_rule_that_fired():
    net = gn.Network([1, 1], output="identity", bias="none", seed=0)
    net.layers[0].W = [[0.5]]  # first loss 0.25: the growth rule compares with max(1, 0.25)
    with pytest.warns(gn.training.DivergenceWarning) as caught:
        hist = net.fit([[1.0]], [[0.0]], lr=5.5, epochs=10, stats_every=0)
    # losses 0.25, 25, 2500, 250000 > 10^4: epoch 3
    assert hist.messages == [
        "training diverged at epoch 3: the loss grew to 2.5e+05, more than 1e+04 times max(1, "
        "its first value 0.25); try a smaller learning rate (lr=5.5)"
    ]
    assert str(caught[0].message) == hist.messages[0]


def test_stop_on_convergence_in_the_papers_definition_and_at_the_first_epoch():
    net = _linear()
    stop = gn.StopOnConvergence(paper=True, window=3, slope_tol=1e-3, tol=0.5)
    hist = net.fit(X, Y, lr=0.3, epochs=300, callbacks=[stop], stats_every=0)
    want = gn.convergence.paper_epoch(hist.loss, window=3, slope_tol=1e-3, tol=0.5)
    assert hist.stopped_by == "StopOnConvergence" and want >= 0
    assert hist.epochs_run == want + 1  # it stops at the epoch the definition names
    # already below the threshold at epoch 0: one epoch
    hist = _linear().fit(X, Y, epochs=50, callbacks=[gn.StopOnConvergence(threshold=1e3)])
    assert hist.epochs_run == 1
    with pytest.raises(ValueError) as info:
        gn.StopOnConvergence(threshold=0)
    assert str(info.value) == "threshold: expected a finite number > 0, got 0 (int)"


def _frozen_optimizer():
    return gn.optimizers.Optimizer(
        "gd", lambda p: 0, lambda g, s, p=None: (gn.optimizers.tree_map(np.zeros_like, g), s)
    )


def test_early_stopping_defaults_watch_the_validation_loss_for_ten_epochs():
    # parameters that never move: epoch 0 improves on infinity, then ten epochs do not
    net = _linear()
    hist = net.fit(X, Y, optimizer=_frozen_optimizer(), epochs=100, validation=(X, Y),
                   callbacks=[gn.EarlyStopping()])  # fmt: skip
    assert hist.epochs_run == 11 and hist.stopped_by == "EarlyStopping"
    with pytest.raises(ValueError) as info:
        _linear().fit(X, Y, callbacks=[gn.EarlyStopping()])
    assert str(info.value) == "monitor: 'val_loss' needs validation data (validation=(X, y))"


_FIT_TYPO = (
    "fit: unexpected keyword argument 'validaton'; expected one of loss, optimizer, lr, epochs, "
    "batch_size, shuffle, seed, l1, l2, schedule, stats_every, optimizer_options, backend, "
    "chunk_epochs, divergence, warn, config, validation, sample_weight, callbacks, resume (did "
    "you mean 'validation'?)"
)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: gn.EarlyStopping(monitor="loss2"), ValueError,
         "monitor: expected one of loss, val_loss, got 'loss2' (str) (did you mean 'loss'?)"),
        (lambda: gn.EarlyStopping(patience=0), ValueError,
         "patience: expected an integer >= 1, got 0 (int)"),
        (lambda: gn.EarlyStopping(min_delta=-1), ValueError,
         "min_delta: expected a finite number >= 0, got -1 (int)"),
        (lambda: _linear().fit(X, Y, config="x"), TypeError,
         "config: expected a TrainConfig or None, got 'x' (str)"),
        (lambda: _linear().fit(X, Y, validation=3), TypeError,
         "validation: expected a pair (X_val, y_val), got 3 (int)"),
        (lambda: _linear().fit(X, Y, validation=(np.ones((2, 3)), Y[:2])), ValueError,
         "validation X: expected 2 columns for this network, got 3"),
        (lambda: _linear().fit(X, Y, validation=(X[:2], Y[:1])), ValueError,
         "validation y: expected 2 rows to match X, got 1"),
        (lambda: _linear().fit(X, Y, lr=[0.1, 0.2]), ValueError,
         "lr: a sequence of learning rates needs a population (seed=[...]); got 2 rates for a "
         "single network"),
        (lambda: _linear().fit(X, Y, backend="torch"), ValueError,
         "backend: expected one of numpy, jax, got 'torch'"),
        # a misspelt keyword names fit, and fit's own arguments are among the near misses,
        # whether the keywords change the defaults, a config or a resumed run's settings
        (lambda: _linear().fit(X, Y, validaton=(X, Y)), TypeError, _FIT_TYPO),
        (lambda: _linear().fit(X, Y, config=gn.TrainConfig(), validaton=(X, Y)), TypeError,
         _FIT_TYPO),
        (lambda: _linear().fit(X, Y, resume=_linear().fit(X, Y, epochs=2), validaton=(X, Y)),
         TypeError, _FIT_TYPO),
        (lambda: training.fit(_linear(), X, Y, validaton=(X, Y)), TypeError, _FIT_TYPO),
    ],
)  # fmt: skip
def test_refusals_word_for_word(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message), str(info.value)


def test_resuming_takes_the_earlier_runs_settings_and_refuses_another_network():
    net = _linear()
    first = net.fit(X, Y, optimizer="momentum", lr=0.05, epochs=3, batch_size=2, stats_every=0)
    second = net.fit(X, Y, resume=first)
    assert second.settings["optimizer"] == "momentum" and second.settings["epochs"] == 3
    assert second.settings["batch_size"] == 2 and second.lr == 0.05
    with pytest.raises(ValueError) as info:
        gn.Network([2, 3, 1], seed=0).fit(X, Y, resume=first)
    assert str(info.value).startswith(
        "resume: the state is of another network (its parameters have shapes [{'W': (2, 1), "
        "'b': (1, 1)}], this network's [{'W': (2, 3), 'b': (1, 3)}, {'W': (3, 1), 'b': (1, 1)}])"
    )
    with pytest.raises(ValueError, match=r"^resume: the state is of another network"):
        gn.Network([2, 1], output="identity", seed=[0, 1]).fit(X, Y, resume=first)
