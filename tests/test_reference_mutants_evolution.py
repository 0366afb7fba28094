"""What the mutation run of evolution.py found unchecked (issue 26), each against a reference
computed here:

* ``backend="jax"`` evaluates every generation with :func:`glassnet.compiled.evaluator`: the
  evaluator is replaced by a recorder (JAX itself is never run, so the test runs under
  mutmut's forked workers), which computes each member's loss by a written-out forward pass;
  the history must follow the recorder's numbers;
* the children of a generation are the parents plus ``sigma`` times the standard normal draws
  of ``glassnet._random.generator(seed, "evolution")``, the documented stream, draw for draw;
* every child of uniform crossover draws its own second parent (with three survivors, each
  survivor's children have both others as second parents);
* ties in the loss keep the members' order (a stable sort: Python's ``sorted`` is the
  reference), so the result does not depend on NumPy's sort implementation;
* the median of a float32 population is the exact median of its members' losses;
* a callback that stops the run says so in ``messages``;
* the floating-point conditions of a run (a member whose loss is NaN, a subnormal mutation
  scale) are handled inside: a caller's ``np.errstate(all="raise")`` does not reach them.

Since (rerun 7 December):

* a loss of the user's own that divides by zero is handled inside the run too (the built-in
  Poisson loss guards its own edges since 80b5145, so no built-in loss divides by zero);
* the weights of arithmetic crossover are uniform on ``[0, 1]`` (a Kolmogorov-Smirnov distance);
* the settings' documented intervals are taken at their closed ends (``decay=1``) and refused
  outside them, word for word;
* ``history.loss`` is the best member's own loss: NaN for a population of NaN members.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import compiled
from glassnet._random import generator
from glassnet.evolution import fit_evolution

X, Y = gn.datasets.load("xor")
NET = dict(sizes=[2, 3, 1], activation="tanh")


class Snapshots(gn.Callback):
    def __init__(self):
        self.params = []

    def on_epoch_end(self, epoch, history, net):
        self.params.append([{k: v.copy() for k, v in layer.items()} for layer in net.params])


def _mse_by_hand(params, X, y):
    """Each member's mean squared error of the 2-3-1 network (tanh, then a sigmoid output),
    written out."""
    W1, b1, W2, b2 = params[0]["W"], params[0]["b"], params[1]["W"], params[1]["b"]
    out = []
    for i in range(W1.shape[0]):
        hidden = np.tanh(X @ W1[i] + b1[i])
        yhat = 1 / (1 + np.exp(-(hidden @ W2[i] + b2[i])))
        out.append(np.mean((yhat - y) ** 2))
    return np.array(out)


def test_the_jax_backend_evaluates_every_generation_with_the_compiled_evaluator(monkeypatch):
    built, returned = [], []

    def recorder(net, Xa, ya, loss):
        built.append((net, Xa, ya, loss))

        def evaluate(params):
            losses = _mse_by_hand(params, Xa, ya)
            returned.append(losses)
            return losses

        return evaluate

    monkeypatch.setattr(compiled, "evaluator", recorder)
    net = gn.Network(seed=list(range(6)), **NET)
    first = net.loss(X, Y)  # the engine's own losses of the first generation
    h = fit_evolution(net, X, Y, generations=4, survivors=2, backend="jax", seed=1)
    assert len(built) == 1
    got_net, got_X, got_y, got_loss = built[0]
    assert got_net is net and got_loss.name == "mse"
    np.testing.assert_array_equal(got_X, np.asarray(X, dtype=float))
    np.testing.assert_array_equal(got_y, np.asarray(Y, dtype=float).reshape(-1, 1))
    assert len(returned) == 4  # one evaluation per generation
    np.testing.assert_allclose(returned[0], first, rtol=1e-12)
    np.testing.assert_array_equal(h.loss, [r.min() for r in returned])
    np.testing.assert_array_equal(h.median_loss, [np.median(r) for r in returned])


def test_children_are_the_parents_plus_sigma_times_the_evolution_streams_draws():
    seed, sigma, k = 11, 0.5, 2
    net = gn.Network(seed=list(range(6)), **NET)
    snap = Snapshots()
    fit_evolution(net, X, Y, generations=2, survivors=k, mutation_scale=sigma,
                  adapt="constant", seed=seed, callbacks=[snap])  # fmt: skip
    before, after = snap.params
    losses = _mse_by_hand(before, X, Y.reshape(-1, 1))
    best = sorted(range(6), key=lambda i: losses[i])[:k]
    parents = np.array(best)[np.arange(6 - k) % k]
    rng = generator(seed, "evolution")  # the documented stream, drawn in parameter order
    for old, new in zip(before, after, strict=True):
        for name in old:
            z = rng.standard_normal((6 - k, *old[name].shape[1:]))
            np.testing.assert_array_equal(new[name][:k], old[name][best])
            np.testing.assert_allclose(
                new[name][k:], old[name][parents] + sigma * z, rtol=1e-15, atol=1e-15
            )


def test_every_uniform_crossover_child_draws_its_own_second_parent():
    k, P = 3, 33
    net = gn.Network(seed=list(range(P)), **NET)
    snap = Snapshots()
    fit_evolution(net, X, Y, generations=2, survivors=k, crossover="uniform",
                  mutation_scale=1e-300, adapt="constant", seed=4, callbacks=[snap])  # fmt: skip
    after = snap.params[1]
    flat = np.concatenate([v.reshape(P, -1) for layer in after for v in layer.values()], axis=1)
    seconds: dict[int, set[int]] = {f: set() for f in range(k)}
    for j in range(P - k):
        child, first = flat[k + j], j % k
        from_first = np.abs(child - flat[first]) <= 1e-290
        others = [
            s
            for s in range(k)
            if s != first and np.all(from_first | (np.abs(child - flat[s]) <= 1e-290))
        ]
        assert len(others) == 1 and not np.all(from_first), j  # exactly one second parent
        seconds[first].add(others[0])
    assert seconds == {0: {1, 2}, 1: {0, 2}, 2: {0, 1}}


def test_ties_keep_the_members_order():
    # the second input is always 0, so members differing only in its weight tie exactly
    X2 = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    y2 = np.array([[0.2], [0.5], [0.9]])
    P = 40
    net = gn.Network([2, 1], output="identity", seed=list(range(P)))
    net.params[0]["W"][:, 0, 0] = 0.3
    net.params[0]["b"][:10] = 0.9  # ten worse members first, then thirty tied better ones
    net.params[0]["b"][10:] = 0.1
    before = net.params[0]["W"][:, 1, 0].copy()
    losses = [np.mean((X2 @ [0.3, w] + b - y2[:, 0]) ** 2)
              for w, b in zip(before, net.params[0]["b"][:, 0, 0], strict=True)]  # fmt: skip
    h = fit_evolution(net, X2, y2, generations=1, survivors=8)
    order = sorted(range(P), key=lambda i: losses[i])  # Python's sort is stable
    assert order[:3] == [10, 11, 12]
    np.testing.assert_array_equal(net.params[0]["W"][:, 1, 0], before[order])
    assert h.loss[0] == pytest.approx(min(losses), rel=1e-12)


def test_the_median_of_a_float32_population_is_exact():
    net = gn.Network(seed=list(range(12, 18)), dtype="float32", **NET)
    members = net.loss(X, Y)  # (6,) float32
    assert members.dtype == np.float32
    exact = np.median(members.astype(np.float64))  # the mean of two float32 values: exact
    assert np.float64(np.median(members)) != exact  # float32 arithmetic would round it
    h = fit_evolution(net, X, Y, generations=1)
    assert h.median_loss[0] == exact


def test_a_callback_that_stops_the_run_is_named_in_the_messages():
    class StopAtTwo(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            return epoch == 2

    net = gn.Network(seed=list(range(5)), **NET)
    h = fit_evolution(net, X, Y, generations=10, callbacks=[StopAtTwo()])
    assert h.epochs_run == 3 and h.stopped_by == "StopAtTwo"
    assert h.messages == ["StopAtTwo stopped evolution after generation 2"]


def test_floating_point_conditions_stay_inside_the_run():
    # Poisson loss of a ReLU output that is exactly 0: y / 0 and 0 / 0 (divide, invalid), so
    # those members' losses are NaN and lose; a subnormal mutation scale underflows
    net = gn.Network([2, 3, 1], activation="relu", output="relu", seed=list(range(6)))
    net.params[1]["W"][:2] = -1.0  # members 0 and 1 output 0 on every sample
    net.params[1]["b"][:2] = 0.0
    net.params[1]["W"][2:] = np.abs(net.params[1]["W"][2:])
    net.params[1]["b"][2:] = 0.5  # the others output something positive
    yp = np.array([[1.0], [2.0], [0.0], [3.0]])
    with np.errstate(all="raise"):
        h = fit_evolution(net, X, yp, loss="poisson", generations=3, survivors=2,
                          mutation_scale=1e-310, adapt="constant")  # fmt: skip
    assert h.epochs_run == 3 and not h.diverged
    assert np.all(np.isfinite(h.loss)) and np.isinf(h.median_loss).sum() == 0


def test_validation_records_the_best_members_cost_and_accuracy_as_floats():
    Xv = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    yv = np.array([[0.0], [0.0], [1.0]])
    net = gn.Network(seed=list(range(6)), **NET)
    start = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    h = fit_evolution(net, X, Y, generations=1, validation=(Xv, yv))
    best = int(np.argmin(_mse_by_hand(start, X, Y.reshape(-1, 1))))
    one = [{k: v[best : best + 1] for k, v in layer.items()} for layer in start]
    W1, b1, W2, b2 = one[0]["W"][0], one[0]["b"][0], one[1]["W"][0], one[1]["b"][0]
    yhat = 1 / (1 + np.exp(-(np.tanh(Xv @ W1 + b1) @ W2 + b2)))
    assert h.val_loss.dtype == np.float64 and h.val_accuracy.dtype == np.float64
    np.testing.assert_allclose(h.val_loss, [np.mean((yhat - yv) ** 2)], rtol=1e-12)
    np.testing.assert_array_equal(h.val_accuracy, [np.mean((yhat > 0.5) == (yv > 0.5))])


def _naive_poisson(y_hat, y, weight=None):
    # a user's own half Poisson deviance, written without guards: y / 0 divides by zero (the
    # built-in "poisson" handles this edge itself)
    return np.mean(y * np.log(y / y_hat) - y + y_hat, axis=(-2, -1))


def test_a_users_loss_that_divides_by_zero_stays_inside_the_run():
    # rerun 7 December: since the built-in Poisson loss guards its own edges, no built-in loss
    # divides by zero; a Loss of the user's still may, and its members must just lose
    loss = gn.losses.Loss("naive_poisson", _naive_poisson, lambda y_hat, y, weight=None: y_hat)
    net = gn.Network([2, 3, 1], activation="relu", output="relu", seed=list(range(6)))
    net.params[1]["W"][:2] = -1.0  # members 0 and 1 output 0 on every sample: y / 0
    net.params[1]["b"][:2] = 0.0
    net.params[1]["W"][2:] = np.abs(net.params[1]["W"][2:])
    net.params[1]["b"][2:] = 0.5
    yp = np.array([[1.0], [2.0], [1.0], [3.0]])
    with np.errstate(divide="ignore"):
        first = _naive_poisson(net.predict(X), yp)
    assert np.all(np.isinf(first[:2])) and np.all(np.isfinite(first[2:]))
    with np.errstate(all="raise"):
        h = fit_evolution(net, X, yp, loss=loss, generations=3, survivors=2,
                          mutation_scale=1e-3, adapt="constant")  # fmt: skip
    assert h.epochs_run == 3 and not h.diverged
    assert h.loss[0] == first[2:].min()  # the infinite members lost the selection
    assert np.all(np.isfinite(h.loss)) and np.all(np.diff(h.loss) <= 0)


def test_arithmetic_crossover_weights_are_uniform_on_zero_one():
    # module docstring: theta_child = a theta_p + (1 - a) theta_q, a ~ U(0, 1) per child. With
    # two survivors the second parent is the other one, so each child's a is found exactly
    # (least squares on the segment); 600 of them must look uniform on [0, 1], not on a part
    # of it, nor only its ends (a child equal to one parent)
    P, k = 602, 2
    net = gn.Network(seed=list(range(P)), **NET)
    snap = Snapshots()
    fit_evolution(net, X, Y, generations=2, survivors=k, crossover="arithmetic",
                  mutation_scale=1e-300, adapt="constant", seed=5, callbacks=[snap])  # fmt: skip
    before, after = snap.params
    flat0 = np.concatenate([v.reshape(P, -1) for layer in before for v in layer.values()], 1)
    flat1 = np.concatenate([v.reshape(P, -1) for layer in after for v in layer.values()], 1)
    losses = _mse_by_hand(before, X, Y.reshape(-1, 1))
    best = sorted(range(P), key=lambda i: losses[i])[:k]
    weights = []
    for j in range(P - k):
        p, q = flat0[best[j % k]], flat0[best[(j + 1) % k]]
        d = p - q
        a = float(d @ (flat1[k + j] - q) / (d @ d))
        np.testing.assert_allclose(flat1[k + j], a * p + (1 - a) * q, rtol=0, atol=1e-12)
        weights.append(a)
    a = np.sort(weights)
    n = len(a)
    # Kolmogorov-Smirnov distance to U(0, 1); 1.63 / sqrt(n) is its 1% critical value
    ks = max(np.max(np.arange(1, n + 1) / n - a), np.max(a - np.arange(n) / n))
    assert a[0] >= 0 and a[-1] <= 1 and ks < 1.63 / np.sqrt(n), ks
    assert np.mean((a > 1e-9) & (a < 1 - 1e-9)) == 1.0  # strictly between the two parents


def test_the_settings_documented_ranges_are_accepted_at_their_closed_ends():
    # fit_evolution's docstring: decay in (0, 1], adapt_factor > 1, mutation_scale > 0; the
    # refusals name the same intervals, with 1e6 the largest scale and factor taken
    net = gn.Network(seed=list(range(4)), **NET)
    h = fit_evolution(net, X, Y, generations=3, survivors=1, mutation_scale=0.25, decay=1.0)
    np.testing.assert_array_equal(h.mutation_scale, [0.25, 0.25, 0.25])  # 0.25 * 1**g
    h = fit_evolution(net, X, Y, generations=2, survivors=1, adapt="one_fifth", adapt_factor=1e6)
    assert h.settings["adapt_factor"] == 1e6
    h = fit_evolution(net, X, Y, generations=2, survivors=1, mutation_scale=1e6)
    assert h.mutation_scale[0] == 1e6
    for kwargs, message in [
        (dict(decay=0.0), "decay: expected a finite number in (0, 1], got 0.0 (float)"),
        (dict(decay=1.5), "decay: expected a finite number in (0, 1], got 1.5 (float)"),
        (dict(adapt_factor=1.0),
         "adapt_factor: expected a finite number in (1, 1e+06], got 1.0 (float)"),
        (dict(mutation_scale=0.0),
         "mutation_scale: expected a finite number in (0, 1e+06], got 0.0 (float)"),
    ]:  # fmt: skip
        with pytest.raises(ValueError) as info:
            fit_evolution(net, X, Y, **kwargs)
        assert str(info.value) == message


def test_the_loss_of_a_population_of_nan_members_is_nan_and_its_median_infinite():
    # history.loss is the best member's own loss; only the median counts non-finite as +inf
    # (EvolutionHistory's docstring). Every member NaN: the record says NaN, not inf
    net = gn.Network(seed=list(range(5)), **NET)
    net.params[0]["W"][...] = np.nan
    with pytest.warns(gn.DivergenceWarning):
        h = fit_evolution(net, X, Y, generations=4, survivors=2)
    assert h.diverged and h.epochs_run == 1
    assert np.isnan(h.loss[0]) and h.median_loss[0] == np.inf
    # every member overflowing: their loss is +inf, and so is the record
    net = gn.Network([1, 1], output="identity", bias="none", seed=list(range(3)))
    net.layers[0].W = np.array([1e160, 1e170, 1e180])[:, None, None]
    with pytest.warns(gn.DivergenceWarning):
        h = fit_evolution(net, [[1.0]], [[0.0]], generations=2, survivors=1)
    assert h.diverged and h.loss[0] == np.inf and h.median_loss[0] == np.inf
