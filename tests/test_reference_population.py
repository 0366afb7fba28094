"""Member ``k`` of a population is its single network, for every option (issue 26).

The engine documents that a population of ``P`` networks trains every member exactly as the
single network with seed ``seed[k]`` (and rate ``lr[k]``) would, "whatever the optimizer and
however long the training". That is a property to check over *every* option of ``fit`` and of
``Network``, not on one example: a population path is a second code path (a member axis in
front of every array, one generator per member, a mask of frozen members, callbacks that stop
for all), and a bug confined to it changes what a user of populations sees while every
single-network test passes.

The reference is the single network: each case trains a population and then each member's
single network with the same settings, and compares everything a History records (loss,
validation loss and accuracy, first loss, divergence and its epoch, statistics and their
epochs) and the final parameters -- bit for bit, as documented, except with
``kernel="broadcast"``, whose member-last layout sums the loss in another order (equal to
rounding). Stopping callbacks stop a population when *every* member would stop: the stopping
epoch and the restored parameters are computed here from the single networks' curves.
``test_every_option_has_a_case`` makes a new keyword of ``fit`` or ``Network`` fail until it
gets a case here.
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers, training

SEEDS = [3, 7, 11]
_rng = np.random.default_rng(0)
X = _rng.normal(size=(11, 3))
Y_BIN = (X[:, :1] + X[:, 1:2] > 0).astype(float)
Y_REAL = np.sin(X[:, :2])
Y_CLASS = np.eye(3)[_rng.integers(0, 3, 11)]
Y_MULTI = np.c_[X[:, :1] > 0, X[:, 1:2] > 0.3].astype(float)  # multi-label: rows may sum to 2
XV = _rng.normal(size=(5, 3))
YV_BIN = (XV[:, :1] > 0).astype(float)
YV_CLASS = np.eye(3)[[0, 2, 1, 1, 0]]
W = np.arange(1.0, 12.0)  # sample weights far from 1

NET = dict(sizes=[3, 4, 1], activation="tanh", output="sigmoid")
FIT = dict(y=Y_BIN, loss="bce", epochs=25, lr=0.3)
SOFTMAX = dict(sizes=[3, 4, 3], output="softmax")
REGRESSION = dict(sizes=[3, 4, 2], output="identity")

# name -> (Network keywords, fit keywords), each over NET and FIT. A list in fit's ``lr`` or
# ``seed`` is per member: member k's single network gets element k.
CASES: dict[str, tuple[dict, dict]] = {
    "full batch": ({}, {}),
    "mse on sigmoid (not fused)": ({}, dict(loss="mse")),
    "mini-batches, fused sigmoid + bce": ({}, dict(batch_size=4)),
    "mini-batches without shuffling": ({}, dict(batch_size=4, shuffle=False)),
    "full batch without shuffling": ({}, dict(shuffle=False)),
    "one shuffle seed for all": ({}, dict(batch_size=4, seed=5)),
    "a shuffle seed per member": ({}, dict(batch_size=4, seed=[1, 2, 3])),
    "a batch of one": ({}, dict(batch_size=1, epochs=6)),
    "sample weights": ({}, dict(sample_weight=W)),
    "sample weights, mini-batches": ({}, dict(sample_weight=W, batch_size=3)),
    "l2": ({}, dict(l2=0.05)),
    "l2, mini-batches": ({}, dict(l2=0.05, batch_size=5)),
    "validation": ({}, dict(validation=(XV, YV_BIN))),
    "validation, mini-batches": ({}, dict(validation=(XV, YV_BIN), batch_size=4)),
    "a rate per member": ({}, dict(lr=[0.1, 0.5, 1.0])),
    "a rate per member with a schedule": ({}, dict(lr=[0.1, 0.5, 1.0], schedule="cosine")),
    "stats every epoch": ({}, dict(stats_every=1)),
    "stats every 7 epochs": ({}, dict(stats_every=7)),
    "no stats": ({}, dict(stats_every=None)),
    "bias per layer": (dict(bias="layer"), {}),
    "no bias": (dict(bias="none"), dict(batch_size=4)),
    "broadcast kernel": (dict(kernel="broadcast"), {}),
    "broadcast kernel, mini-batches": (dict(kernel="broadcast"), dict(batch_size=4)),
    "float32": (dict(dtype="float32"), {}),
    "float32, mini-batches": (dict(dtype="float32"), dict(batch_size=4)),
    "he init, relu, deep": (
        dict(sizes=[3, 5, 4, 1], activation=["relu", "elu"], init="he"),
        dict(stats_every=1),
    ),
    "the paper's init": (dict(init="paper"), {}),
    "softmax + cross-entropy": (SOFTMAX, dict(y=Y_CLASS, loss="cross_entropy")),
    "softmax + cross-entropy, weighted mini-batches, validation": (
        SOFTMAX,
        dict(
            y=Y_CLASS,
            loss="cross_entropy",
            batch_size=4,
            sample_weight=W,
            validation=(XV, YV_CLASS),
        ),
    ),
    "class labels as integers": (SOFTMAX, dict(y=Y_CLASS.argmax(1), loss="cross_entropy")),
    "multi-label bce, validation": (
        dict(sizes=[3, 4, 2]),
        dict(y=Y_MULTI, validation=(XV, Y_MULTI[:5]), batch_size=4),
    ),
    "sse, mini-batches": (REGRESSION, dict(y=Y_REAL, loss="sse", batch_size=4, lr=0.01)),
    "mae": (REGRESSION, dict(y=Y_REAL, loss="mae")),
    "huber, mini-batches": (REGRESSION, dict(y=Y_REAL, loss="huber", batch_size=4)),
    "regression validation": (REGRESSION, dict(y=Y_REAL, loss="mse", validation=(XV, XV[:, :2]))),
    # a linear network with too large a rate grows geometrically: members 1 and 2 diverge
    # at different epochs, member 0 never
    "divergence at different epochs": (
        REGRESSION | dict(activation="identity"),
        dict(y=Y_REAL * 10, loss="mse", lr=[0.01, 0.5, 0.2], epochs=40, stats_every=3),
    ),
    "divergence, mini-batches": (
        REGRESSION | dict(activation="identity"),
        dict(y=Y_REAL * 10, loss="mse", lr=[0.01, 0.5, 0.2], epochs=40, batch_size=4),
    ),
    "divergence, non-finite rule": (
        REGRESSION | dict(activation="identity"),
        dict(y=Y_REAL * 10, loss="mse", lr=[0.01, 0.5, 0.2], epochs=40, divergence="nonfinite"),
    ),
    "momentum options": ({}, dict(optimizer="momentum", optimizer_options={"beta": 0.5})),
    "adam options, mini-batches": (
        {},
        dict(
            optimizer="adam",
            lr=0.05,
            batch_size=4,
            optimizer_options={"beta1": 0.8, "beta2": 0.99, "eps": 1e-3},
        ),
    ),
    "adamw decay, l2": (
        {},
        dict(optimizer="adamw", lr=0.05, l2=0.01, optimizer_options={"weight_decay": 0.1}),
    ),
}
for _name in optimizers.names():
    CASES[f"optimizer {_name}"] = ({}, dict(optimizer=_name, lr=0.05))
    CASES[f"optimizer {_name}, mini-batches"] = ({}, dict(optimizer=_name, lr=0.05, batch_size=4))
for _schedule in optimizers.SCHEDULES:
    CASES[f"schedule {_schedule}"] = ({}, dict(schedule=_schedule))
    CASES[f"schedule {_schedule}, mini-batches"] = (
        {},
        dict(schedule=_schedule, batch_size=4, optimizer="momentum"),
    )
CASES["a schedule function"] = ({}, dict(schedule=lambda t: 1.0 / (1 + t), batch_size=4))
if "l1" in inspect.signature(training.fit).parameters or hasattr(training, "TrainConfig"):
    CASES["l1"] = ({}, dict(l1=0.01, batch_size=4))

# options with no case, and why
EXEMPT = {
    "X": "the data",
    "y": "the data (every kind of target has a case)",
    "sizes": "the architecture (several have a case)",
    "seed": "the population itself (Network); shuffle seeds have cases (fit)",
    "warn": "whether a single network's divergence warns; changes no number",
    "backend": "the compiled backend equals the NumPy loop (tests/test_compiled.py)",
    "chunk_epochs": "the compiled backend's granularity",
    "callbacks": "the stopping callbacks have their own tests below",
    "resume": "continuation has its own test below",
    "config": "the TrainConfig object form of the same keywords",
}


def _single_kwargs(fit_kw: dict, k: int) -> dict:
    kw = dict(fit_kw)
    for key in ("lr", "seed"):
        if isinstance(kw.get(key), list):
            kw[key] = kw[key][k]
    return kw


def _fit(net: gn.Network, fit_kw: dict, callbacks=()) -> gn.History:
    with warnings.catch_warnings():
        # a diverging single network warns (DivergenceWarning); the population does not
        warnings.simplefilter("ignore", gn.training.DivergenceWarning)
        return net.fit(X, callbacks=list(callbacks), **fit_kw)


def _equal(a, b, exact: bool, what: str) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if exact:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=what)


def _compare_member(pop, hp, k, single, hs, exact) -> None:
    """Everything member k's record and parameters hold, against its single network's."""
    m = hp.member(k)
    n = hs.epochs_run
    assert hp.epochs_run >= n
    _equal(m.loss[:n], hs.loss, exact, "loss")
    for field in ("val_loss", "val_accuracy"):
        ours, theirs = getattr(m, field), getattr(hs, field)
        assert (ours is None) == (theirs is None), field
        if theirs is not None:
            _equal(ours[:n], theirs, exact, field)
    _equal(m.first_loss, hs.first_loss, exact, "first_loss")
    assert bool(m.diverged) == bool(hs.diverged)
    assert int(m.diverged_epoch) == int(hs.diverged_epoch)
    # the statistics of every epoch both recorded (a single network that stops early also
    # records its last epoch; the population may go on past it)
    common = sorted(set(m.stats_epochs.tolist()) & set(hs.stats_epochs.tolist()))
    if hp.epochs_run == n:
        np.testing.assert_array_equal(m.stats_epochs, hs.stats_epochs)
    assert set(m.layer_stats) == set(hs.layer_stats)
    for name, theirs in hs.layer_stats.items():
        ours = m.layer_stats[name]
        for e in common:
            i, j = m.stats_epochs.tolist().index(e), hs.stats_epochs.tolist().index(e)
            _equal(ours[i], theirs[j], exact, f"{name} at epoch {e}")
    # the parameters: the same at the end when both ran the same epochs, or when the single
    # network stopped at its divergence (the member is frozen from the next epoch on)
    if hp.epochs_run == n or hs.diverged:
        for lp, ls in zip(pop.params, single.params, strict=True):
            for key in ls:
                _equal(lp[key][k], ls[key], exact, f"parameter {key}")
        member = pop.member(k)
        for lm, ls in zip(member.params, single.params, strict=True):
            for key in ls:
                _equal(lm[key], ls[key], exact, f"member({k}) parameter {key}")


@pytest.mark.parametrize("case", list(CASES))
def test_member_k_trains_exactly_as_its_single_network(case):
    net_kw, fit_kw = CASES[case]
    net_kw, fit_kw = NET | net_kw, FIT | fit_kw
    exact = net_kw.get("kernel", "blas") == "blas"
    pop = gn.Network(seed=SEEDS, **net_kw)
    hp = _fit(pop, fit_kw)
    assert hp.population == len(SEEDS)
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **net_kw)
        hs = _fit(single, _single_kwargs(fit_kw, k))
        _compare_member(pop, hp, k, single, hs, exact)
    if case.startswith("divergence"):  # the case does what it says: members diverge apart
        assert len(set(hp.diverged_epoch.tolist())) == 3 and hp.diverged.any()


def test_every_option_has_a_case():
    fit_params = set(inspect.signature(training.fit).parameters) - {"net"}
    config = getattr(training, "TrainConfig", None)
    if config is not None:
        fit_params |= {f.name for f in dataclasses.fields(config)}
    net_params = set(inspect.signature(gn.Network).parameters)
    covered = {key for net_kw, fit_kw in CASES.values() for key in (*net_kw, *fit_kw)}
    covered |= set(NET) | set(FIT)
    missing = sorted((fit_params | net_params) - covered - set(EXEMPT))
    assert not missing, f"options without a member-equals-single case: {missing}"
    assert {f"optimizer {n}" for n in optimizers.names()} <= set(CASES)


# --- stopping callbacks: the population stops when every member would --------------------------


class _Keep(gn.Callback):
    """Appends the parameters after every epoch (= before the next) to ``into``."""

    def __init__(self, into: list) -> None:
        self.into = into

    def on_epoch_end(self, epoch, history, net):
        self.into.append([{key: v.copy() for key, v in layer.items()} for layer in net.params])


def _curves_and_params(net_kw, fit_kw, epochs):
    """Each seed's single network trained ``epochs`` epochs without callbacks: its loss and
    validation-loss curves, and its parameters before every epoch (``params[e]``)."""
    out = []
    for k, s in enumerate(SEEDS):
        net = gn.Network(seed=s, **net_kw)
        before = [[{key: v.copy() for key, v in layer.items()} for layer in net.params]]

        h = _fit(net, _single_kwargs(fit_kw | dict(epochs=epochs), k), [_Keep(before)])
        out.append((h, before))
    return out


@pytest.mark.parametrize("threshold", [0.3, 0.15])
def test_stop_on_convergence_stops_a_population_when_its_last_member_converges(threshold):
    fit_kw = FIT | dict(lr=[0.3, 1.0, 2.0], epochs=300, batch_size=4)
    pop = gn.Network(seed=SEEDS, **NET)
    hp = _fit(pop, fit_kw, [gn.StopOnConvergence(threshold)])
    stops = []
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **NET)
        hs = _fit(single, _single_kwargs(fit_kw, k), [gn.StopOnConvergence(threshold)])
        assert hs.stopped_by == "StopOnConvergence"
        # the first epoch below the threshold, by hand
        assert hs.epochs_run == int(np.argmax(hs.loss < threshold)) + 1
        stops.append(hs.epochs_run)
        _compare_member(pop, hp, k, single, hs, exact=True)
    assert len(set(stops)) > 1  # the members converge at different epochs
    assert hp.epochs_run == max(stops) and hp.stopped_by == "StopOnConvergence"


def _early_stopping_by_hand(curves, patience, min_delta):
    """EarlyStopping as documented for a population: a member improves when its value drops
    below its best minus ``min_delta``; training stops once no member has improved for
    ``patience`` epochs; each member's best epoch is restored."""
    P, E = curves.shape
    best = np.full(P, np.inf)
    best_epoch = np.zeros(P, dtype=int)
    wait = 0
    for e in range(E):
        better = curves[:, e] < best - min_delta
        best = np.where(better, curves[:, e], best)
        best_epoch = np.where(better, e, best_epoch)
        wait = 0 if better.any() else wait + 1
        if wait >= patience:
            return e + 1, best_epoch
    return E, best_epoch


@pytest.mark.parametrize(
    ("monitor", "patience", "min_delta", "batch_size"),
    [("loss", 3, 0.002, 4), ("val_loss", 2, 0.0, None), ("val_loss", 4, 0.001, 3)],
)
def test_early_stopping_stops_a_population_when_no_member_improves(
    monitor, patience, min_delta, batch_size
):
    epochs = 150
    fit_kw = FIT | dict(lr=[0.5, 2.0, 4.0], epochs=epochs, batch_size=batch_size,
                        validation=(XV, YV_BIN))  # fmt: skip
    runs = _curves_and_params(NET, fit_kw, epochs)
    curves = np.array([getattr(h, monitor) for h, _ in runs])
    stop, best_epoch = _early_stopping_by_hand(curves, patience, min_delta)
    assert stop < epochs  # the case stops early ...
    singles = [_early_stopping_by_hand(c[None], patience, min_delta) for c in curves]
    assert len({s for s, _ in singles}) > 1  # ... and its members alone would stop apart

    pop = gn.Network(seed=SEEDS, **NET)
    stopper = gn.EarlyStopping(monitor=monitor, patience=patience, min_delta=min_delta)
    hp = _fit(pop, fit_kw, [stopper])
    assert hp.epochs_run == stop and hp.stopped_by == "EarlyStopping"
    _equal(hp.loss, np.array([h.loss[:stop] for h, _ in runs]), True, "loss")
    for k, (_, before) in enumerate(runs):
        for lp, lb in zip(pop.params, before[best_epoch[k]], strict=True):
            for key in lb:
                _equal(lp[key][k], lb[key], True, f"member {k} restored {key}")
    # each single network, stopped by its own EarlyStopping, gets its own best epoch back
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **NET)
        own = gn.EarlyStopping(monitor=monitor, patience=patience, min_delta=min_delta)
        hs = _fit(single, _single_kwargs(fit_kw, k), [own])
        own_stop, own_best = singles[k]
        assert hs.epochs_run == own_stop
        for lp, lb in zip(single.params, runs[k][1][int(own_best[0])], strict=True):
            for key in lb:
                _equal(lp[key], lb[key], True, f"single {k} restored {key}")


def test_a_resumed_population_continues_as_its_members_would():
    fit_kw = FIT | dict(optimizer="adam", lr=[0.01, 0.05, 0.1], batch_size=4, epochs=7)
    pop = gn.Network(seed=SEEDS, **NET)
    first = _fit(pop, fit_kw)
    second = pop.fit(X, resume=first, **fit_kw)
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **NET)
        h1 = _fit(single, _single_kwargs(fit_kw, k))
        h2 = single.fit(X, resume=h1, **_single_kwargs(fit_kw, k))
        _equal(second.loss[k], h2.loss, True, "resumed loss")
        _equal(second.member(k).first_loss, h1.first_loss, True, "first loss of the run")
        for lp, ls in zip(pop.params, single.params, strict=True):
            for key in ls:
                _equal(lp[key][k], ls[key], True, f"resumed {key}")
