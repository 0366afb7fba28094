"""The selection trainer's documented defaults and operators, generation by generation (issue 26).

A callback sees the population right after each evaluation, before it reproduces; from two
consecutive snapshots everything one generation did is checked against the module docstring,
computing each member's loss here with a single network of its own:

* selection: slots ``1..k`` hold the ``k`` members with the lowest loss, best first, unchanged;
* parents: child ``j`` (slot ``k + j``) descends from survivor ``j mod k``;
* mutation: ``theta_child - theta_parent`` is ``sigma_g`` times standard normal draws, with
  ``sigma_g`` the recorded ``mutation_scale[g]`` (measured on thousands of parameters);
* crossover: uniform takes every parameter from one of two different survivors, about half
  from each; arithmetic puts a whole child on the segment between two survivors, with one
  mixing weight for all its parameters;
* the success rate: the share of children whose loss is below their (better) parent's;
* the median loss counts non-finite members as ``+inf``;
* every documented default is the default.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.evolution import fit_evolution

X, Y = gn.datasets.load("xor")
TINY = 1e-300  # a mutation scale that changes no parameter of size ~1: the operators alone


def _same(a, b):
    """Equal but for the TINY noise (which does show on parameters that are exactly 0)."""
    return np.abs(a - b) <= 1e-290


class Snapshots(gn.Callback):
    def __init__(self):
        self.params = []

    def on_epoch_end(self, epoch, history, net):
        self.params.append([{k: v.copy() for k, v in layer.items()} for layer in net.params])


def _flat(params, k):
    return np.concatenate([v[k].ravel() for layer in params for v in layer.values()])


def _losses(net_kw, params, X=X, Y=Y, loss="mse"):
    """Each member's loss, from a single network holding its parameters."""
    P = params[0]["W"].shape[0]
    out = []
    for k in range(P):
        single = gn.Network(seed=0, **net_kw)
        for layer, src in zip(single.params, params, strict=True):
            for key in layer:
                layer[key][...] = src[key][k]
        with np.errstate(all="ignore"):
            out.append(single.loss(X, Y, loss=loss))
    return np.array(out)


NET = dict(sizes=[2, 3, 1], activation="tanh")


def _run(P, generations, net_kw=NET, **kw):
    net = gn.Network(seed=list(range(P)), **net_kw)
    snap = Snapshots()
    h = fit_evolution(net, X, Y, generations=generations, callbacks=[snap], **kw)
    return net, h, snap.params


@pytest.mark.parametrize("k", [1, 3, 5])
def test_survivors_are_the_k_best_unchanged_and_children_take_turns_among_them(k):
    P = 13
    _, h, snaps = _run(P, 3, survivors=k, mutation_scale=TINY)
    for g in range(2):
        losses = _losses(NET, snaps[g])
        elite = np.argsort(losses, kind="stable")[:k]
        assert h.loss[g] == losses[elite[0]]
        for slot in range(P):
            parent = elite[slot] if slot < k else elite[(slot - k) % k]
            assert _same(_flat(snaps[g + 1], slot), _flat(snaps[g], parent)).all(), (g, slot)


@pytest.mark.parametrize(
    ("adapt", "sigma0", "decay"), [("decay", 0.3, 0.5), ("constant", 0.2, 0.9)]
)
def test_children_are_their_parent_plus_sigma_g_times_standard_normal_noise(adapt, sigma0, decay):
    P, k = 300, 30
    net_kw = dict(sizes=[2, 6, 1], activation="tanh")  # 25 parameters: 6750 draws a generation
    net = gn.Network(seed=list(range(P)), **net_kw)
    snap = Snapshots()
    h = fit_evolution(net, X, Y, generations=3, survivors=k, mutation_scale=sigma0, adapt=adapt,
                      decay=decay, callbacks=[snap])  # fmt: skip
    want = [sigma0 * decay**g if adapt == "decay" else sigma0 for g in range(3)]
    np.testing.assert_allclose(h.mutation_scale, want, rtol=1e-15)
    for g in range(2):
        elite = np.argsort(_losses(net_kw, snap.params[g]), kind="stable")[:k]
        noise = np.concatenate(
            [
                _flat(snap.params[g + 1], k + j) - _flat(snap.params[g], elite[j % k])
                for j in range(P - k)
            ]
        )
        z = noise / h.mutation_scale[g]  # the scale used for generation g's children
        assert abs(z.mean()) < 0.06 and abs(z.std() - 1) < 0.04, (g, z.mean(), z.std())


def test_uniform_crossover_takes_each_parameter_from_one_of_two_survivors():
    P, k = 40, 5
    _, _, snaps = _run(P, 2, survivors=k, crossover="uniform", mutation_scale=TINY)
    elite = np.argsort(_losses(NET, snaps[0]), kind="stable")[:k]
    from_first = []
    for j in range(P - k):
        child = _flat(snaps[1], k + j)
        p = _flat(snaps[0], elite[j % k])
        others = [q for q in elite if q != elite[j % k]]
        # one second parent per child: every parameter is p's or that one survivor's
        fits = [q for q in others if np.all(_same(child, p) | _same(child, _flat(snaps[0], q)))]
        assert fits, j
        moved = p != _flat(snaps[0], fits[0])  # where the parents differ
        from_first.append(np.mean(_same(child, p)[moved]))
    # Bernoulli(1/2) per parameter: 35 children x 13 parameters, about half from each parent
    assert 0.4 < np.mean(from_first) < 0.6


def test_arithmetic_crossover_puts_each_child_on_a_segment_between_two_survivors():
    P, k = 30, 4
    _, _, snaps = _run(P, 2, survivors=k, crossover="arithmetic", mutation_scale=TINY)
    elite = np.argsort(_losses(NET, snaps[0]), kind="stable")[:k]
    weights = []
    for j in range(P - k):
        child = _flat(snaps[1], k + j)
        p = _flat(snaps[0], elite[j % k])
        found = None
        for q_index in elite:
            if q_index == elite[j % k]:
                continue
            q = _flat(snaps[0], q_index)
            # child = a p + (1 - a) q for one a: least squares, then the residual
            d = p - q
            a = float(d @ (child - q) / (d @ d))
            if np.allclose(child, a * p + (1 - a) * q, rtol=0, atol=1e-12):
                found = a
        assert found is not None and 0 <= found <= 1, j
        weights.append(found)
    assert np.std(weights) > 0.1  # a ~ U(0, 1) per child, not one weight for all


@pytest.mark.parametrize("crossover", [None, "uniform"])
def test_success_rate_is_the_share_of_children_below_their_better_parent(crossover):
    P, k = 24, 6
    # with crossover, a small scale keeps each parameter nearest to the parent it came from
    sigma = 0.5 if crossover is None else 0.01
    _, h, snaps = _run(P, 4, survivors=k, crossover=crossover, mutation_scale=sigma,
                       adapt="constant")  # fmt: skip
    assert np.isnan(h.success_rate[0])
    for g in range(3):
        before, after = _losses(NET, snaps[g]), _losses(NET, snaps[g + 1])
        elite = np.argsort(before, kind="stable")[:k]
        parents = []
        for j in range(P - k):
            p = elite[j % k]
            if crossover is None:
                parents.append(before[p])
                continue
            # the second parent is whichever other survivor the child's parameters come from
            child, fp = _flat(snaps[g + 1], k + j), _flat(snaps[g], p)
            qs = [q for q in elite if q != p]
            # the mutation moved every parameter a little: q is the survivor nearest to the
            # parameters that are not p's
            q = min(qs, key=lambda q: np.minimum(np.abs(child - fp),
                                                 np.abs(child - _flat(snaps[g], q))).sum())  # fmt: skip
            parents.append(min(before[p], before[q]))
        rate = np.mean(after[k:] < np.array(parents))
        assert h.success_rate[g + 1] == pytest.approx(rate, abs=1e-15)


def test_a_child_that_only_ties_its_parent_is_no_success():
    # a relu output on its flat side: every child's loss equals its parent's
    net = gn.Network([1, 1], output="relu", bias="none", seed=list(range(8)))
    net.layers[0].W = np.full((8, 1, 1), -100.0)
    h = fit_evolution(net, [[1.0]], [[-1.0]], loss="mae", generations=3, survivors=4,
                      mutation_scale=0.5)  # fmt: skip
    np.testing.assert_array_equal(h.success_rate[1:], [0.0, 0.0])


def test_median_counts_nan_members_as_infinite():
    # z = w1 1e300 + w2 1e300: members with w = (1e10, -1e10) compute inf - inf = NaN
    net = gn.Network([2, 1], output="identity", bias="none", seed=list(range(5)))
    w = [(1e-300, 0.0), (2e-300, 0.0), (1e10, -1e10), (1e10, -1e10), (3e-300, 0.0)]
    net.layers[0].W = np.array(w)[:, :, None]
    h = fit_evolution(net, [[1e300, 1e300]], [[0.0]], generations=1, survivors=2)
    # losses 1, 4, NaN, NaN, 9: NaN ranks as +inf, so the median is 9, not NaN
    assert h.loss[0] == pytest.approx(1.0) and h.median_loss[0] == pytest.approx(9.0)


def test_median_counts_non_finite_members_as_infinite_and_the_best_is_finite():
    # C = w^2 at x = 1, y = 0: w = 1e160 and beyond overflow to inf
    net = gn.Network([1, 1], output="identity", bias="none", seed=list(range(5)))
    net.layers[0].W = np.array([1.0, 2.0, 1e160, 1e170, 3.0])[:, None, None]
    with np.errstate(over="ignore"):
        h = fit_evolution(net, [[1.0]], [[0.0]], generations=1, survivors=2)
    # losses 1, 4, inf, inf, 9: sorted 1, 4, 9, inf, inf, so the best is 1 and the median 9
    assert h.loss[0] == 1.0 and h.median_loss[0] == 9.0 and not h.diverged
    net.layers[0].W = np.array([1.0, 1e160, 1e170, 1e180, 3.0])[:, None, None]
    h = fit_evolution(net, [[1.0]], [[0.0]], generations=1, survivors=2)
    assert h.loss[0] == 1.0 and h.median_loss[0] == np.inf  # three of five are non-finite
    net.layers[0].W = np.array([1e160, 1e170, 1e180, 1e190, 1e200])[:, None, None]
    with pytest.warns(gn.DivergenceWarning, match="generation 0"):
        h = fit_evolution(net, [[1.0]], [[0.0]], generations=3, survivors=2)
    assert h.diverged and h.diverged_epoch == 0 and h.epochs_run == 1
    assert h.median_loss[0] == np.inf and h.stopped_by == "diverged"


def test_documented_defaults():
    # generations=200, survivors=max(1, P // 5), mutation_scale=1.0 decaying by 0.99,
    # adapt_factor 1.22, no crossover, seed = the network's first seed
    for P, k in [(2, 1), (9, 1), (10, 2), (23, 4)]:
        net = gn.Network(seed=list(range(10, 10 + P)), **NET)
        h = fit_evolution(net, X, Y)
        assert h.epochs_run == 200 and h.loss.shape == (200,)
        assert h.settings["survivors"] == k
        np.testing.assert_allclose(h.mutation_scale, 0.99 ** np.arange(200), rtol=1e-12)
        explicit = gn.Network(seed=list(range(10, 10 + P)), **NET)
        he = fit_evolution(explicit, X, Y, generations=200, survivors=k, mutation_scale=1.0,
                           adapt="decay", decay=0.99, crossover=None, seed=10)  # fmt: skip
        np.testing.assert_array_equal(h.loss, he.loss)
    net = gn.Network(seed=list(range(10)), **NET)
    h = fit_evolution(net, X, Y, generations=5, adapt="one_fifth", survivors=5)
    for g in range(1, 5):  # the default factor of the 1/5th rule is 1.22
        s = h.success_rate[g]
        factor = 1.22 if s > 0.2 else 1 / 1.22 if s < 0.2 else 1.0
        assert h.mutation_scale[g] == pytest.approx(h.mutation_scale[g - 1] * factor, rel=1e-12)


# --- what the trainer records and refuses, word for word ---------------------------------------


def test_the_record_of_a_search():
    net = gn.Network(seed=list(range(6)), **NET)
    h = fit_evolution(net, X, Y, generations=4, survivors=2, mutation_scale=0.5, adapt="one_fifth",
                      adapt_factor=1.5, crossover="uniform", seed=9)  # fmt: skip
    assert h.settings == {"trainer": "evolution", "loss": "mse", "generations": 4,
                          "population": 6, "survivors": 2, "mutation_scale": 0.5,
                          "adapt": "one_fifth", "decay": 0.99, "adapt_factor": 1.5,
                          "crossover": "uniform", "seed": 9}  # fmt: skip
    for curve in (h.loss, h.median_loss, h.mutation_scale, h.success_rate):
        assert curve.dtype == np.float64 and curve.shape == (4,)
    assert h.evaluations.dtype == np.int64
    assert h.val_loss is None and h.val_accuracy is None
    assert repr(h) == f"EvolutionHistory(generations=4, population=6, final_loss={h.final_loss!r})"
    with pytest.raises(ValueError) as info:
        h.member(0)
    assert str(info.value) == (
        "member: an evolution History describes the whole search, not one member; the best "
        "network is net.member(0)"
    )
    # regression targets give a validation loss and no accuracy
    net = gn.Network([2, 3, 1], activation="tanh", output="identity", seed=list(range(4)))
    h = fit_evolution(net, X, Y, generations=2, validation=(X, Y + 0.5))
    assert h.val_loss.dtype == np.float64 and h.val_accuracy is None


def test_converged_evaluations_at_the_first_generation_and_never():
    net = gn.Network(seed=list(range(5)), **NET)
    h = fit_evolution(net, X, Y, generations=3, survivors=2)
    assert h.converged_evaluations(h.loss[0] + 1e-9) == 5  # already there: P evaluations
    assert h.converged_evaluations(1e-12) == -1


def test_one_generation_still_sorts_the_population_best_first():
    net = gn.Network(seed=list(range(7)), **NET)
    before = _losses(NET, net.params)
    h = fit_evolution(net, X, Y, generations=1, survivors=2)
    np.testing.assert_array_equal(_losses(NET, net.params), np.sort(before))
    assert h.loss[0] == before.min()


def test_only_a_population_without_any_finite_member_has_diverged():
    # the best member is finite and every other overflows: a search that goes on
    net = gn.Network([1, 1], output="identity", bias="none", seed=list(range(4)))
    net.layers[0].W = np.array([0.5, 1e160, 1e170, 1e180])[:, None, None]
    with np.errstate(over="ignore"):
        h = fit_evolution(net, [[1.0]], [[0.0]], generations=2, survivors=1, mutation_scale=TINY)
    assert not h.diverged and h.stopped_by is None and h.epochs_run == 2
    assert h.loss[0] == 0.25 and h.median_loss[0] == np.inf


def test_callbacks_see_the_network_and_the_record():
    seen = []

    class Watch(gn.Callback):
        def on_train_begin(self, net, history):
            seen.append(("begin", net.population, history.settings["population"]))

        def on_train_end(self, net, history):
            seen.append(("end", net.population, history.epochs_run))

    net = gn.Network(seed=list(range(5)), **NET)
    fit_evolution(net, X, Y, generations=3, survivors=2, callbacks=[Watch()])
    assert seen == [("begin", 5, 5), ("end", 5, 3)]


@pytest.mark.parametrize(
    ("net", "kwargs", "error", "message"),
    [
        ("x", {}, TypeError, "net: expected a glassnet Network, got 'x' (str)"),
        (gn.Network([2, 1], seed=0), {}, ValueError,
         "net: evolution needs a population of at least 2 networks (Network(..., seed=[0, 1, "
         "...])), got a single network"),
        (gn.Network([2, 1], seed=[0]), {}, ValueError,
         "net: evolution needs a population of at least 2 networks (Network(..., seed=[0, 1, "
         "...])), got a population of 1"),
        (gn.Network([2, 1], seed=[0, 1, 2]), dict(survivors=3), ValueError,
         "survivors: expected fewer survivors than the population size (3), got 3; the "
         "population must leave room for new members"),
        (gn.Network([2, 1], seed=[0, 1, 2]), dict(survivors=1, crossover="arithmetic"),
         ValueError, "crossover: 'arithmetic' crossover mixes two survivors, but survivors is 1; "
         "use survivors >= 2 or crossover=None"),
        (gn.Network([2, 1], seed=[0, 1, 2]), dict(backend="torch"), ValueError,
         "backend: expected one of numpy, jax, got 'torch'"),
    ],
)  # fmt: skip
def test_refusals_word_for_word(net, kwargs, error, message):
    with pytest.raises(error) as info:
        fit_evolution(net, X, Y, **kwargs)
    assert str(info.value) == message


def test_two_survivors_are_enough_for_crossover():
    net = gn.Network(seed=list(range(6)), **NET)
    h = fit_evolution(net, X, Y, generations=3, survivors=2, crossover="arithmetic")
    assert h.epochs_run == 3 and np.all(np.diff(h.loss) <= 0)


def test_the_compiled_evaluation_finds_what_numpy_finds():
    pytest.importorskip("jax")
    runs = []
    for backend in ("numpy", "jax"):
        net = gn.Network(seed=list(range(8)), **NET)
        runs.append(fit_evolution(net, X, Y, generations=4, survivors=2, backend=backend, seed=3))
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-12)
    np.testing.assert_allclose(runs[0].median_loss, runs[1].median_loss, rtol=1e-12)
