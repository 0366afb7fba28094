"""Training by selection (glassnet.evolution)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.evolution import EvolutionHistory, fit_evolution

# The settings of the gradient-vs-evolution comparison (glassnet.experiments.evolution).
SETTINGS = dict(survivors=20, mutation_scale=2.0, adapt="decay", decay=0.99)
P = 100
BUDGET = 300  # generations, i.e. at most 30 000 loss evaluations


def population(sizes, s, n=P, **kw):
    return gn.Network(
        sizes, activation="tanh", output="sigmoid", seed=[s * 1000 + i for i in range(n)], **kw
    )


@pytest.mark.parametrize(
    ("name", "sizes", "min_rate"),
    [("paper", [3, 2, 1], 1.0), ("xor", [2, 2, 1], 0.8)],
)
def test_solves_paper_and_xor_on_most_seeds(name, sizes, min_rate):
    # Budget: 300 generations of 100 networks; success: best mse below 0.01.
    X, y = gn.datasets.load(name)
    solved = []
    for s in range(10):
        net = population(sizes, s)
        h = fit_evolution(
            net,
            X,
            y,
            generations=BUDGET,
            seed=s,
            callbacks=[gn.StopOnConvergence(0.01)],
            **SETTINGS,
        )
        solved.append(h.converged_epoch(0.01) >= 0)
        if solved[-1]:
            assert h.stopped_by == "StopOnConvergence"
            assert net.member(0).loss(X, y) < 0.01
    assert np.mean(solved) >= min_rate, solved


def test_population_never_grows_or_shrinks_and_keeps_its_memory():
    X, y = gn.datasets.load("xor")
    net = population([2, 3, 1], 0, n=30)
    before = [(name, p) for layer in net.params for name, p in layer.items()]
    shapes = [p.shape for _, p in before]
    strides = [p.strides for _, p in before]
    fit_evolution(net, X, y, generations=20, survivors=5, crossover="uniform", seed=1)
    after = [p for layer in net.params for p in layer.values()]
    assert [p.shape for p in after] == shapes
    assert all(p.shape[0] == 30 for p in after)
    for (_, old), new, st in zip(before, after, strides, strict=True):
        assert new is old  # written in place, not replaced
        assert new.strides == st  # the engine's memory layout is kept
    assert net.population == 30
    assert net.predict(X).shape == (30, 4, 1)


@pytest.mark.parametrize("crossover", [None, "uniform", "arithmetic"])
@pytest.mark.parametrize("adapt", ["constant", "decay", "one_fifth"])
def test_elitism_best_loss_never_gets_worse(crossover, adapt):
    X, y = gn.datasets.load("xor")
    net = population([2, 2, 1], 3, n=24)
    h = fit_evolution(
        net, X, y, generations=60, survivors=4, mutation_scale=0.7, adapt=adapt, crossover=crossover
    )
    assert h.loss.shape == (60,)
    assert np.all(np.diff(h.loss) <= 0)
    assert h.loss[-1] < h.loss[0]
    assert np.all(h.median_loss >= h.loss)


def test_history_fields_and_final_order():
    X, y = gn.datasets.load("paper")
    net = population([3, 2, 1], 0, n=40)
    start = net.loss(X, y)
    h = fit_evolution(net, X, y, generations=15, survivors=8, seed=2)
    assert isinstance(h, EvolutionHistory) and isinstance(h, gn.History)
    assert h.epochs_run == 15 and h.population is None
    assert h.loss[0] == pytest.approx(start.min())
    assert h.median_loss[0] == pytest.approx(np.median(start))
    np.testing.assert_array_equal(h.evaluations, 40 * np.arange(1, 16))
    assert np.isnan(h.success_rate[0]) and np.all(
        (h.success_rate[1:] >= 0) & (h.success_rate[1:] <= 1)
    )
    assert h.settings["population"] == 40 and h.settings["survivors"] == 8
    assert h.settings["trainer"] == "evolution"
    # the population ends sorted by its last measured loss, best first
    final = net.loss(X, y)
    assert final[0] == h.loss[-1]
    assert np.all(np.diff(final) >= 0)
    assert h.final_loss == h.loss[-1]
    g = h.converged_epoch(0.05)
    assert h.converged_evaluations(0.05) == (40 * (g + 1) if g >= 0 else -1)
    with pytest.raises(ValueError, match="member"):
        h.member(0)


def test_decay_and_one_fifth_schedules():
    X, y = gn.datasets.load("xor")
    h = fit_evolution(
        population([2, 2, 1], 0, n=20),
        X,
        y,
        generations=10,
        survivors=4,
        mutation_scale=0.5,
        adapt="decay",
        decay=0.9,
    )
    np.testing.assert_allclose(h.mutation_scale, 0.5 * 0.9 ** np.arange(10))
    # the 1/5th rule on success rates known in advance (not read back from the History):
    # C(w) = |exp(-w^2) - 0.4| has strict minima at w* = sqrt(-ln 0.4), where every child is
    # worse than its parent, and a strict local maximum at w = 0, where every child is better.
    # With 5 survivors and 5 children (one each), m survivors at w = 0 make the success rate m/5.
    bump = gn.activations.Activation("bump", lambda z: np.exp(-z * z), lambda z, a: -2 * z * a)
    w_min = np.sqrt(-np.log(0.4))
    for at_max, factor in [(0, 1 / 1.5), (1, 1.0), (2, 1.5), (5, 1.5)]:
        net = gn.Network([1, 1], output=bump, bias="none", seed=list(range(10)))
        w = np.zeros(10)
        w[: 5 - at_max] = w_min  # the others sit at w = 0 (loss 0.6); ties keep member order
        net.layers[0].W = w[:, None, None]
        h = fit_evolution(net, [[1.0]], [[0.4]], loss="mae", generations=2, survivors=5,
                          mutation_scale=0.5, adapt="one_fifth", adapt_factor=1.5)  # fmt: skip
        assert h.success_rate[1] == at_max / 5
        np.testing.assert_allclose(h.mutation_scale, [0.5, 0.5 * factor], rtol=1e-15)
    # a child only as good as its parent is no success: on relu's flat side every child ties
    net = gn.Network([1, 1], output="relu", bias="none", seed=list(range(10)))
    net.layers[0].W = np.full((10, 1, 1), -100.0)
    h = fit_evolution(net, [[1.0]], [[-1.0]], loss="mae", generations=2, survivors=5,
                      mutation_scale=0.5, adapt="one_fifth", adapt_factor=1.5)  # fmt: skip
    assert h.success_rate[1] == 0.0 and h.mutation_scale[1] == 0.5 / 1.5
    h = fit_evolution(
        population([2, 2, 1], 0, n=20),
        X,
        y,
        generations=5,
        survivors=4,
        mutation_scale=0.5,
        adapt="constant",
    )
    np.testing.assert_array_equal(h.mutation_scale, 0.5)


def test_reproducible_given_a_seed():
    X, y = gn.datasets.load("xor")
    runs = []
    for seed in (5, 5, 6):
        net = population([2, 2, 1], 1, n=16)
        h = fit_evolution(net, X, y, generations=25, survivors=4, crossover="arithmetic", seed=seed)
        runs.append((h, [p.copy() for layer in net.params for p in layer.values()]))
    (h1, p1), (h2, p2), (h3, _) = runs
    np.testing.assert_array_equal(h1.loss, h2.loss)
    np.testing.assert_array_equal(h1.mutation_scale, h2.mutation_scale)
    for a, b in zip(p1, p2, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(h1.loss, h3.loss)
    # the default seed is the network's first seed
    net = population([2, 2, 1], 1, n=16)
    h4 = fit_evolution(net, X, y, generations=25, survivors=4, crossover="arithmetic")
    h5 = fit_evolution(
        population([2, 2, 1], 1, n=16),
        X,
        y,
        generations=25,
        survivors=4,
        crossover="arithmetic",
        seed=1000,
    )
    np.testing.assert_array_equal(h4.loss, h5.loss)


def test_callbacks_stop_and_float32():
    X, y = gn.datasets.load("paper")
    net = population([3, 2, 1], 0, n=50, dtype="float32")
    h = fit_evolution(
        net,
        X,
        y,
        generations=200,
        survivors=10,
        mutation_scale=1.0,
        callbacks=[gn.StopOnConvergence(0.05)],
    )
    assert h.stopped_by == "StopOnConvergence"
    assert h.epochs_run < 200 and h.loss.shape == (h.epochs_run,)
    assert h.loss[-1] < 0.05 <= h.loss[:-1].min()
    assert net.params[0]["W"].dtype == np.float32
    assert float(net.loss(X, y)[0]) == pytest.approx(h.loss[-1], rel=1e-6)


def test_all_members_non_finite_is_divergence():
    X, y = gn.datasets.load("paper")
    net = population([3, 2, 1], 0, n=10)
    net.params[0]["W"][...] = np.nan
    # as fit warns of a single network's divergence (the message is the one recorded)
    with pytest.warns(gn.DivergenceWarning, match="NaN or infinite at generation 0") as rec:
        h = fit_evolution(net, X, y, generations=10, survivors=2)
    assert h.diverged and h.diverged_epoch == 0 and h.stopped_by == "diverged"
    assert h.epochs_run == 1 and "NaN" in h.messages[0]
    assert str(rec[0].message) == h.messages[0] and rec[0].filename == __file__
    net.params[0]["W"][...] = np.nan
    h = fit_evolution(net, X, y, generations=10, survivors=2, warn=False)  # recorded, quiet
    assert h.stopped_by == "diverged" and "NaN" in h.messages[0]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        (dict(survivors=10), "survivors"),
        (dict(survivors=11), "survivors"),
        (dict(survivors=0), "survivors"),
        (dict(mutation_scale=0.0), "mutation_scale"),
        (dict(mutation_scale=-1.0), "mutation_scale"),
        (dict(mutation_scale=float("nan")), "mutation_scale"),
        (dict(generations=0), "generations"),
        (dict(adapt="sometimes"), "adapt"),
        (dict(decay=0.0), "decay"),
        (dict(decay=1.5), "decay"),
        (dict(adapt_factor=1.0), "adapt_factor"),
        (dict(crossover="blend"), "crossover"),
        (dict(crossover="uniform", survivors=1), "crossover"),
        (dict(seed=-1), "seed"),
        (dict(loss="nope"), "loss"),
    ],
)
def test_bad_settings_name_the_argument(kwargs, argument):
    X, y = gn.datasets.load("paper")
    with pytest.raises(ValueError, match=argument):
        fit_evolution(population([3, 2, 1], 0, n=10), X, y, **kwargs)


def test_needs_a_population():
    X, y = gn.datasets.load("paper")
    with pytest.raises(ValueError, match="net: evolution needs a population"):
        fit_evolution(gn.Network([3, 2, 1], seed=0), X, y)
    with pytest.raises(ValueError, match="net"):
        fit_evolution(gn.Network([3, 2, 1], seed=[0]), X, y)
    with pytest.raises(TypeError, match="net"):
        fit_evolution("network", X, y)


# ---------------------------------------------------------------- the comparison experiment
def test_comparison_experiment_section(tmp_path):
    pytest.importorskip("matplotlib")
    from glassnet.experiments import evolution as experiment
    from glassnet.report import Report

    cfg = experiment.make_config(
        seeds=3, gd_epochs=60, generations=15, population=12, survivors=3, activations=("tanh",)
    )
    seen = []
    res = experiment.run(cfg, progress=lambda stage, done, total: seen.append((done, total)))
    assert seen[-1] == (2, 2) == (2, experiment.stage_count(cfg))  # 2 datasets x 1 activation
    for ds in ("paper", "xor"):
        gd = res.runs[ds]["tanh"]["gd"]
        ev = res.runs[ds]["tanh"]["evolution"]
        assert gd["curves"].shape == (3, 60) and ev["curves"].shape == (3, 15)
        np.testing.assert_array_equal(ev["x"], 12 * np.arange(1, 16))
        for r, step in ((gd, 1), (ev, 12)):
            ok = r["converged"]
            assert np.all(r["evaluations"][ok] % step == 0) and np.all(r["evaluations"][~ok] == -1)
            assert np.all(np.isfinite(r["seconds"][ok])) and np.all(np.isnan(r["seconds"][~ok]))
        # elitism: every selection curve is non-increasing
        assert np.all(np.diff(ev["curves"], axis=1) <= 0)
        assert np.all(ev["gradients"][ev["converged"]] == 0)
    # the paper's data is easy for both (the target is the first input column)
    assert res.runs["paper"]["tanh"]["gd"]["converged"].all()
    assert res.runs["paper"]["tanh"]["evolution"]["converged"].all()
    assert len(res.summary) == 4

    rep = Report("test")
    sec = experiment.add_section(rep, res, title="6. Selection", anchor="evolution")
    assert sec.title == "6. Selection"
    out = rep.write(tmp_path / "rep")
    names = sorted(p.name for p in (out / "data").iterdir())
    assert names == [
        "evolution_curves.csv",
        "evolution_runs.csv",
        "evolution_settings.json",
        "evolution_summary.csv",
    ]
    assert (out / "figures" / "evolution_curves.png").exists()
    html = (out / "report.html").read_text()
    assert "gradient descent" in html and "selection" in html
    runs = (out / "data" / "evolution_runs.csv").read_text().splitlines()
    assert len(runs) == 1 + 2 * 2 * 3  # header + datasets x trainers x seeds


def test_comparison_config_checks():
    from glassnet.experiments.evolution import make_config

    assert make_config(quick=True).seeds == 10
    assert make_config(seeds=7).seeds == 7
    for kwargs, argument in [
        (dict(seeds=0), "seeds"),
        (dict(threshold=0), "threshold"),
        (dict(population=10, survivors=10), "survivors"),
        (dict(datasets=("moons",)), "datasets"),
        (dict(activations=("relu",)), "activations"),
        (dict(adapt="never"), "adapt"),
        (dict(crossover="blend"), "crossover"),
        (dict(colour="red"), "colour"),
    ]:
        with pytest.raises(ValueError, match=argument):
            make_config(**kwargs)


def test_validation_records_the_best_member():
    X, y = gn.datasets.load("moons", n_samples=80, seed=0)
    Xt, Xv, yt, yv = gn.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    net = gn.Network([2, 4, 1], activation="tanh", seed=list(range(20)))
    h = fit_evolution(net, Xt, yt, generations=12, survivors=4, validation=(Xv, yv))
    assert h.val_loss.shape == (12,) and h.val_accuracy.shape == (12,)
    best = net.member(0)
    assert h.val_loss[-1] == pytest.approx(best.loss(Xv, yv))
    assert h.val_accuracy[-1] == pytest.approx(gn.metrics.accuracy(best.predict(Xv), yv))
    with pytest.raises(TypeError, match="validation"):
        fit_evolution(net, Xt, yt, validation=Xv)
