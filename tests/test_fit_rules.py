"""fit's rules: the divergence rule, and its arguments checked before anything runs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers
from glassnet.training import LOSS_GROWTH, PARAM_LIMIT

X, Y = gn.datasets.load("paper")


def _largest(net: gn.Network) -> float:
    return max(float(np.abs(p).max()) for layer in net.params for p in layer.values())


# --- divergence: runaway parameters and runaway losses, not only non-finite ones -------------


def test_a_huge_learning_rate_with_a_finite_loss_is_divergence():
    # lr = 1e300 saturates the sigmoid output: the loss stays finite near 0.5 while the
    # weights reach ~1e298; that is divergence, caught by the parameter rule
    net = gn.Network([3, 2, 1], seed=1)
    with pytest.warns(gn.DivergenceWarning, match="runaway weights"):
        hist = net.fit(X, Y, lr=1e300, epochs=50)
    assert hist.diverged and hist.stopped_by == "diverged"
    assert np.isfinite(hist.loss).all()  # the old rule (non-finite loss only) saw nothing
    assert _largest(net) > PARAM_LIMIT
    assert hist.epochs_run == hist.diverged_epoch + 1 < 50


def test_a_loss_growing_geometrically_is_divergence_long_before_it_overflows():
    # an identity output at lr 2 on XOR: the loss grows about 9x per epoch (measured without
    # the rule, it passes 1e55 by epoch 60 and never turns infinite)
    Xx, yx = gn.datasets.load("xor")
    net = gn.Network([2, 3, 1], output="identity", seed=0)
    with pytest.warns(gn.DivergenceWarning, match="the loss grew to"):
        hist = net.fit(Xx, yx, lr=2.0, epochs=60)
    assert hist.epochs_run < 10
    first, last = hist.loss[0], hist.loss[-1]
    assert np.isfinite(last) and last > LOSS_GROWTH * max(first, 1.0)
    # the epoch before it was still under the bound: the rule fired at the first crossing
    assert hist.loss[-2] <= LOSS_GROWTH * max(first, 1.0)


def test_inputs_scaled_by_a_million_run_away_at_once():
    # relu -> identity on X * 1e6: the first step throws the weights past the bound
    net = gn.Network([3, 4, 1], activation="relu", output="identity", seed=0)
    with pytest.warns(gn.DivergenceWarning, match="runaway weights"):
        hist = net.fit(X * 1e6, Y, lr=0.1, epochs=100)
    assert hist.diverged_epoch == 0


def test_a_member_with_a_runaway_rate_is_frozen_and_the_others_go_on():
    net = gn.Network([3, 2, 1], seed=[1, 2, 3])
    hist = net.fit(X, Y, loss="sse", lr=[0.5, 1e300, 0.5], epochs=200)
    assert hist.diverged.tolist() == [False, True, False]
    frozen_at = hist.diverged_epoch[1]
    assert 0 <= frozen_at < 10 and hist.epochs_run == 200
    # the healthy members equal single networks trained alone
    for k, seed in ((0, 1), (2, 3)):
        alone = gn.Network([3, 2, 1], seed=seed).fit(X, Y, loss="sse", lr=0.5, epochs=200)
        np.testing.assert_array_equal(hist.loss[k], alone.loss)


def test_members_frozen_earlier_stay_frozen():
    # member 1 diverges at once, member 2 some epochs later: member 1's parameters must not
    # move again after its own divergence epoch
    net = gn.Network([3, 2, 1], output="identity", seed=[0, 1, 2])
    before = None

    class Watch(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            nonlocal before
            if history.diverged[1] and before is None:
                before = [np.array(p) for p in net.params[0]["W"][1]]
            elif before is not None:
                np.testing.assert_array_equal(net.params[0]["W"][1], before)

    hist = net.fit(X, Y, lr=[0.5, 1e300, 3.0], epochs=60, callbacks=[Watch()])
    assert hist.diverged.tolist() == [False, True, True]
    assert hist.diverged_epoch[1] < hist.diverged_epoch[2]


def test_a_run_that_starts_at_zero_loss_does_not_trip_the_growth_rule():
    # the floor of 1 under the first loss: 0 -> 1e-3 is not a runaway
    Xz = np.zeros((4, 3))
    net = gn.Network([3, 1], output="identity", bias="none", seed=0)
    hist = net.fit(Xz, np.zeros((4, 1)), lr=0.1, epochs=5)
    assert not hist.diverged


def test_resumed_fits_keep_the_first_loss_as_reference():
    net = gn.Network([3, 2, 1], seed=1)
    h1 = net.fit(X, Y, lr=0.5, epochs=5)
    h2 = net.fit(X, Y, lr=0.5, epochs=5, resume=h1)
    assert h2.first_loss == h1.first_loss == h1.loss[0]


# --- optimizer options are checked -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "error", "words"),
    [
        ("momentum", {"beta": 5}, ValueError, "beta: expected a finite number in [0, 1], got 5"),
        ("momentum", {"beta": 1.5}, ValueError, "beta: expected a finite number in [0, 1]"),
        ("nesterov", {"beta": -0.1}, ValueError, "beta: expected a finite number in [0, 1]"),
        ("rmsprop", {"rho": "x"}, TypeError, "rho: expected a finite number in [0, 1), got 'x'"),
        ("adam", {"beta1": "x"}, TypeError, "beta1: expected a finite number in [0, 1)"),
        ("adam", {"beta2": 1.0}, ValueError, "beta2: expected a finite number in [0, 1), got 1.0"),
        ("adam", {"eps": 0}, ValueError, "eps: expected a finite number > 0"),
        ("adamw", {"weight_decay": -1}, ValueError, "weight_decay: expected a finite number"),
        ("gd", {"beta": 0.9}, ValueError, "optimizer_options: gd has no option 'beta'"),
        (
            "adam",
            {"rho": 0.9},
            ValueError,
            "expected beta1, beta2, eps (rho is an option of rmsprop",
        ),
        ("adam", {"weight_decay": 0.1}, ValueError, "optimizer='adamw'"),
    ],
)
def test_optimizer_options_are_checked(name, options, error, words):
    with pytest.raises(error) as info:
        gn.Network([3, 2, 1]).fit(X, Y, optimizer=name, optimizer_options=options, epochs=1)
    assert words in str(info.value)


# --- fit's other arguments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"lr": "fast"}, TypeError, "lr: expected a finite number > 0, got 'fast'"),
        ({"lr": 1 + 2j}, TypeError, "lr: expected a finite number > 0"),
        ({"lr": float("nan")}, ValueError, "lr: expected a finite number > 0"),
        (
            {"lr": ["a", "b"], "seed": [0, 1]},
            TypeError,
            "lr[0]: expected a finite number > 0, got 'a'",
        ),
        ({"lr": [1 + 1j, 2j], "seed": [0, 1]}, TypeError, "lr[0]: expected a finite number > 0"),
        (
            {"sample_weight": ["a"] * 4},
            TypeError,
            "sample_weight: expected a numeric array of real",
        ),
        (
            {"sample_weight": [1, 2]},
            ValueError,
            "sample_weight: expected shape (4,), one per sample",
        ),
        ({"callbacks": 3}, TypeError, "callbacks: expected a list of Callback objects"),
        ({"callbacks": [3]}, TypeError, "callbacks[0]: expected a Callback (with on_train_begin"),
        ({"optimizer_options": [1]}, TypeError, "optimizer_options: expected a dict"),
        (
            {"epochs": 10**12},
            ValueError,
            "epochs: expected an integer in [1, 10000000], got 1000000000000",
        ),
        (
            {"epochs": 10**7, "seed": list(range(100))},
            ValueError,
            "epochs: 10000000 epochs x 100 member(s) would need",
        ),
        ({"epochs": 0}, ValueError, "epochs: expected an integer in [1, 10000000], got 0"),
        ({"shuffle": "yes"}, TypeError, "shuffle: expected True or False"),
        ({"chunk_epochs": 0}, ValueError, "chunk_epochs: expected an integer >= 1"),
        ({"backend": "torch"}, ValueError, "backend: expected one of numpy, jax, got 'torch'"),
        ({"schedule": "linear"}, ValueError, "schedule: unknown schedule 'linear'"),
    ],
)
def test_bad_fit_arguments_are_named(kwargs, error, words):
    kwargs = dict(kwargs)  # the parameters are shared by every run of the test: no pop on them
    seed = kwargs.pop("seed", 0)
    net = gn.Network([3, 2, 1], seed=seed)
    before = [p.copy() for layer in net.params for p in layer.values()]
    with pytest.raises(error) as info:
        net.fit(X, Y, **kwargs)
    assert words in str(info.value)
    after = [p for layer in net.params for p in layer.values()]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_the_epochs_bound_is_checked_before_anything_is_allocated():
    # a population makes the History P times larger: the bound counts members
    net = gn.Network([3, 2, 1], seed=list(range(1000)))
    with pytest.raises(ValueError, match=r"epochs: 1000000 epochs x 1000 member\(s\)"):
        net.fit(X, Y, epochs=10**6)


def test_l2_and_adamw_are_the_same_decay_before_and_after_adam():
    # optax's composition: L2 adds lambda W to the gradient before the optimizer; AdamW adds it
    # to Adam's direction after. One step from a zero gradient tells them apart by hand:
    # L2 + Adam: g = lambda W, m_hat/sqrt(v_hat) = sign(W) -> step = -eta sign(W);
    # AdamW: direction 0 -> step = -eta lambda W.
    params = [{"W": np.array([[2.0, -3.0]]), "b": np.array([[0.0, 0.0]])}]
    zero = [{"W": np.zeros((1, 2)), "b": np.zeros((1, 2))}]
    decay = optimizers.add_decayed_weights(0.5)
    g, _ = decay.update(zero, decay.init(params), params)
    np.testing.assert_array_equal(g[0]["W"], [[1.0, -1.5]])
    np.testing.assert_array_equal(g[0]["b"], [[0.0, 0.0]])
    adam = optimizers.adam(lr=0.1)
    steps, _ = adam.update(g, adam.init(params), params)
    np.testing.assert_allclose(steps[0]["W"], [[-0.1, 0.1]], rtol=1e-7)
    adamw = optimizers.adamw(lr=0.1, weight_decay=0.5)
    steps, _ = adamw.update(zero, adamw.init(params), params)
    np.testing.assert_array_equal(steps[0]["W"], [[-0.1 * 0.5 * 2.0, 0.1 * 0.5 * 3.0]])


def test_fit_refuses_a_loss_its_output_cannot_feed():
    # bce needs outputs in (0, 1): a tanh output gives log of negatives, and its "gradient
    # check" fails; cross_entropy needs a softmax's distributions
    with pytest.raises(ValueError, match="loss: "):
        gn.Network([3, 2, 1], output="tanh").fit(X, Y, loss="bce", epochs=1)
    with pytest.raises(ValueError, match="loss: "):
        gn.Network([3, 2, 3], output="sigmoid").fit(X, np.array([0, 1, 2, 1]), loss="cross_entropy")


def test_fit_refuses_nan_written_into_the_parameters():
    net = gn.Network([3, 2, 1], seed=0)
    net.params[0]["W"][0, 0] = np.nan  # straight into the array, past Layer's own check
    with pytest.raises(ValueError, match=r"NaN|finite"):
        net.fit(X, Y, epochs=1)
