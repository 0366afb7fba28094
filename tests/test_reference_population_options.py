"""Member ``k`` of a population fit equals its single network fit alone, over a grid of options.

The engine documents that member ``k`` of a population computes what the single network with
``seed[k]`` (and rate ``lr[k]``, shuffle seed ``seed[k]``) computes, "whatever the optimizer and
however long the training". tests/test_reference_population.py checks that one option at a time;
here the options are crossed, since a population-only bug often needs two of them at once: a
loss whose gradient divides by ``len(y_hat)`` (the member count, for a population) shows only
with that loss on a population; a batch size equal to the member count hides a confusion of the
two axes that any other size shows; a per-member rate matters only under a schedule or a
stateful optimizer; divergence of one member must freeze it while the others go on, and a
stopping callback must then stop for the members still training.

Grid (each two of its three axes crossed in full): every output/loss pair glassnet fits with
(the fused ones, the unfused ones, and scikit-learn's three, looked up by name); four ways of
batching (full; 4 rows shuffled; 4 rows in order; as many rows as members); five option sets
(plain gd; momentum with a rate per member and a step schedule; Adam with l1 and l2; Nesterov
with sample weights and validation; RMSProp with a rate per member, a cosine schedule and
per-member shuffle seeds). Then: one member diverging while the others go on (optimizers,
batchings and both divergence rules), the stopping callbacks with a diverged member, a resumed population with a
frozen member, and the compiled backend (``backend="jax"``). The reference
is each member's single network; the comparison is bit for bit (documented for the NumPy loop
with ``kernel="blas"``), and to 1e-12 relative for the compiled program.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn

SEEDS = [3, 7, 11]
P = len(SEEDS)
_rng = np.random.default_rng(42)
X = _rng.normal(size=(10, 3))
XV = _rng.normal(size=(6, 3))
W = np.linspace(0.2, 4.0, 10)  # sample weights far from 1


def _targets(X: np.ndarray, kind: str) -> np.ndarray:
    if kind == "bin":
        return (X[:, :1] + X[:, 1:2] > 0).astype(float)
    if kind == "multi":  # multi-label: rows may hold two 1s
        return np.c_[X[:, :1] > 0, X[:, 1:2] > 0.3].astype(float)
    if kind == "class":
        return np.eye(3)[(np.floor(X[:, 0] * 2) % 3).astype(int)]
    if kind == "count":  # Poisson counts, zeros among them
        return np.floor(np.exp(X[:, :1])).astype(float)
    return np.sin(X[:, :2])  # real


# name -> (Network keywords, loss, kind of targets)
PAIRS: dict[str, tuple[dict, str, str]] = {
    "sigmoid + bce (fused)": (dict(sizes=[3, 4, 1], output="sigmoid"), "bce", "bin"),
    "softmax + cross_entropy (fused)": (
        dict(sizes=[3, 4, 3], output="softmax"),
        "cross_entropy",
        "class",
    ),
    "tanh01 + bce (unfused)": (dict(sizes=[3, 4, 2], output="tanh01"), "bce", "multi"),
    "softmax + bce (unfused)": (dict(sizes=[3, 4, 3], output="softmax"), "bce", "class"),
    "sigmoid + binary_log_loss (fused)": (
        dict(sizes=[3, 4, 2], output="sigmoid"),
        "binary_log_loss",
        "multi",
    ),
    "tanh01 + binary_log_loss (unfused)": (
        dict(sizes=[3, 4, 2], output="tanh01"),
        "binary_log_loss",
        "multi",
    ),
    "exp + poisson (fused)": (dict(sizes=[3, 4, 1], output="exp"), "poisson", "count"),
    "softplus + poisson (unfused)": (dict(sizes=[3, 4, 1], output="softplus"), "poisson", "count"),
    "identity + squared_error": (dict(sizes=[3, 4, 2], output="identity"), "squared_error", "real"),
    "identity + mse": (dict(sizes=[3, 4, 2], output="identity"), "mse", "real"),
    "identity + sse": (dict(sizes=[3, 4, 2], output="identity"), "sse", "real"),
    "identity + mae": (dict(sizes=[3, 4, 2], output="identity"), "mae", "real"),
    "identity + huber": (dict(sizes=[3, 4, 2], output="identity"), "huber", "real"),
}

BATCHES: dict[str, dict] = {
    "full batch": {},
    "batches of 4": dict(batch_size=4),
    "batches of 4 in order": dict(batch_size=4, shuffle=False),
    "batches of P rows": dict(batch_size=P),  # as many rows as members; the last batch 1 row
}

OPTIONS: dict[str, dict] = {
    "gd": {},
    "momentum, a rate per member, step schedule": dict(
        optimizer="momentum",
        lr=[0.02, 0.05, 0.1],
        schedule="step",
        optimizer_options={"beta": 0.7},
    ),
    "adam, l1 and l2": dict(optimizer="adam", lr=0.03, l1=0.002, l2=0.01),
    "nesterov, sample weights, validation": dict(
        optimizer="nesterov", lr=0.03, sample_weight=W, validation=True
    ),
    "rmsprop, rates and shuffle seeds per member, cosine": dict(
        optimizer="rmsprop", lr=[0.003, 0.01, 0.02], schedule="cosine", seed=[5, 6, 5]
    ),
}


def _fit_kwargs(pair: str, options: dict, k: int | None) -> dict:
    """fit's keywords for the population (``k`` None) or member ``k``'s single network."""
    _, loss, kind = PAIRS[pair]
    kw = dict(y=_targets(X, kind), loss=loss, epochs=12, lr=0.05, stats_every=None) | options
    if kw.pop("validation", False):
        kw["validation"] = (XV, _targets(XV, kind))
    if k is not None:
        for key in ("lr", "seed"):
            if isinstance(kw.get(key), list):
                kw[key] = kw[key][k]
    return kw


def _fit(net: gn.Network, kw: dict, callbacks=()) -> gn.History:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gn.training.DivergenceWarning)
        return net.fit(X, callbacks=list(callbacks), **kw)


def _close(a, b, what: str, exact: bool = True) -> None:
    """Bit for bit (documented for the NumPy loop), or to 1e-12 (the compiled program)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if exact:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=what)


def _same_member(pop, hp, k: int, single, hs, exact: bool = True) -> None:
    n = hs.epochs_run
    m = hp.member(k)
    _close(m.loss[:n], hs.loss, f"member {k} loss", exact)
    for field in ("val_loss", "val_accuracy"):
        ours, theirs = getattr(m, field), getattr(hs, field)
        assert (ours is None) == (theirs is None), field
        if theirs is not None:
            _close(ours[:n], theirs, f"member {k} {field}", exact)
    _close(m.first_loss, hs.first_loss, f"member {k} first loss", exact)
    assert bool(m.diverged) == bool(hs.diverged), f"member {k} diverged"
    assert int(m.diverged_epoch) == int(hs.diverged_epoch), f"member {k} diverged_epoch"
    if hp.epochs_run == n or hs.diverged:
        for l, (lp, ls) in enumerate(zip(pop.params, single.params, strict=True)):
            for key in ls:
                _close(lp[key][k], ls[key], f"member {k} layer {l} {key}", exact)


def _grid() -> list[tuple[str, str, str]]:
    """Every pair with every option set (the batching taking turns), and every batching with
    every option set on the two fused pairs: each two of the three axes meet."""
    cases = []
    for i, pair in enumerate(PAIRS):
        for j, options in enumerate(OPTIONS):
            cases.append((pair, list(BATCHES)[(i + j) % len(BATCHES)], options))
    for pair in list(PAIRS)[:2]:
        cases += [(pair, b, o) for b in BATCHES for o in OPTIONS]
    return sorted(set(cases), key=cases.index)


@pytest.mark.parametrize(("pair", "batches", "options"), _grid())
def test_member_k_of_a_population_fit_is_its_single_network(pair, batches, options):
    net_kw = dict(activation="tanh") | PAIRS[pair][0]
    opts = BATCHES[batches] | OPTIONS[options]
    pop = gn.Network(seed=SEEDS, **net_kw)
    hp = _fit(pop, _fit_kwargs(pair, opts, None))
    assert hp.population == P and np.isfinite(hp.loss).all()
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **net_kw)
        hs = _fit(single, _fit_kwargs(pair, opts, k))
        _same_member(pop, hp, k, single, hs)


# --- one member diverges while the others go on ------------------------------------------------

# a linear network with too large a rate grows geometrically: member 1 diverges, 0 and 2 do not
LINEAR = dict(sizes=[3, 2], activation="identity", output="identity")
DIVERGING = dict(y=_targets(X, "real") * 3, loss="mse", lr=[0.05, 3.0, 0.1], epochs=60)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        dict(optimizer="adam", lr=[0.05, 1000.0, 0.1]),
        dict(optimizer="momentum", batch_size=4, lr=[0.05, 0.8, 0.1]),
        dict(batch_size=P, shuffle=False, sample_weight=W, lr=[0.05, 1.5, 0.1]),
        dict(divergence="nonfinite", lr=[0.05, 1000.0, 0.1]),
        dict(divergence="nonfinite", lr=[0.05, 1000.0, 0.1], optimizer="momentum", batch_size=4),
    ],
    ids=[
        "gd",
        "adam",
        "momentum batches",
        "batches of P in order",
        "non-finite rule",
        "non-finite rule, momentum batches",
    ],
)
def test_a_diverging_member_is_frozen_while_the_others_train_as_alone(extra):
    kw = DIVERGING | extra
    pop = gn.Network(seed=SEEDS, **LINEAR)
    hp = _fit(pop, _fit_kwargs_plain(kw, None))
    assert hp.diverged.tolist() == [False, True, False]  # the case does what it says
    assert hp.epochs_run == kw["epochs"]
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **LINEAR)
        hs = _fit(single, _fit_kwargs_plain(kw, k))
        _same_member(pop, hp, k, single, hs)
    # it diverged with epochs to go: a member left unfrozen would have drifted from the
    # parameters its single network stopped with (compared above)
    assert hp.diverged_epoch[1] < kw["epochs"] - 1


def _fit_kwargs_plain(kw: dict, k: int | None) -> dict:
    kw = dict(kw)
    if k is not None:
        for key in ("lr", "seed"):
            if isinstance(kw.get(key), list):
                kw[key] = kw[key][k]
    return kw


def test_stop_on_convergence_waits_for_the_members_still_training_not_a_diverged_one():
    # members 0 and 2 converge below the threshold at different epochs, member 1 diverges: the
    # population stops when the last member still training converges, as documented ("every
    # member" that has not diverged), and each member is its single network up to there
    threshold = 0.5
    kw = DIVERGING | dict(epochs=400)
    stopper = gn.StopOnConvergence(threshold)
    pop = gn.Network(seed=SEEDS, **LINEAR)
    hp = _fit(pop, kw, [stopper])
    assert hp.diverged.tolist() == [False, True, False]
    stops = []
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **LINEAR)
        hs = _fit(single, _fit_kwargs_plain(kw, k), [gn.StopOnConvergence(threshold)])
        _same_member(pop, hp, k, single, hs)
        if k != 1:
            assert hs.stopped_by == "StopOnConvergence"
            stops.append(hs.epochs_run)
    assert len(set(stops)) == 2  # the two converge apart
    assert hp.epochs_run == max(stops) and hp.stopped_by == "StopOnConvergence"


def test_early_stopping_restores_a_diverged_members_best_as_its_single_network_does():
    # the diverged member is frozen: its monitored loss never improves again, so its best
    # epoch (and the parameters restored) are those its single network's EarlyStopping finds
    kw = DIVERGING | dict(epochs=200, validation=(XV, _targets(XV, "real") * 3))
    pop = gn.Network(seed=SEEDS, **LINEAR)
    hp = _fit(pop, kw, [gn.EarlyStopping(monitor="val_loss", patience=5)])
    assert hp.diverged.tolist() == [False, True, False]
    single = gn.Network(seed=SEEDS[1], **LINEAR)
    hs = _fit(single, _fit_kwargs_plain(kw, 1), [gn.EarlyStopping(monitor="val_loss", patience=5)])
    assert hs.diverged
    for lp, ls in zip(pop.params, single.params, strict=True):
        for key in ls:
            _close(lp[key][1], ls[key], f"restored {key}")


@pytest.mark.parametrize("restore_best", [False, True])
def test_early_stopping_with_one_member_per_population_is_the_single_networks(restore_best):
    # a population of one member stops, and restores, exactly as its single network
    kw = dict(y=_targets(X, "bin"), loss="bce", lr=3.0, epochs=300, batch_size=4,
              validation=(XV, _targets(XV, "bin")))  # fmt: skip
    net_kw = dict(sizes=[3, 4, 1], activation="tanh", output="sigmoid")
    pop = gn.Network(seed=[7], **net_kw)
    stop = dict(monitor="val_loss", patience=4, min_delta=1e-3, restore_best=restore_best)
    hp = _fit(pop, kw, [gn.EarlyStopping(**stop)])
    single = gn.Network(seed=7, **net_kw)
    hs = _fit(single, kw, [gn.EarlyStopping(**stop)])
    assert hs.stopped_by == "EarlyStopping" and hs.epochs_run < 300
    assert hp.epochs_run == hs.epochs_run and hp.stopped_by == hs.stopped_by
    _same_member(pop, hp, 0, single, hs)


def test_a_resumed_population_keeps_its_diverged_member_frozen_as_one_longer_fit():
    # fit(a) then fit(b, resume=...) steps exactly like fit(a + b): the member that diverged
    # in the first fit stays frozen in the second, the others go on as their single networks
    kw = DIVERGING | dict(optimizer="momentum", batch_size=4, lr=[0.05, 0.8, 0.1])
    whole = gn.Network(seed=SEEDS, **LINEAR)
    hw = _fit(whole, kw | dict(epochs=30))
    parts = gn.Network(seed=SEEDS, **LINEAR)
    first = _fit(parts, kw | dict(epochs=12))
    assert first.diverged.tolist() == [False, True, False]
    second = parts.fit(X, resume=first, **(kw | dict(epochs=18)))
    _close(second.loss, hw.loss[:, 12:], "resumed loss")
    assert second.diverged.tolist() == [False, True, False]
    for lp, lw in zip(parts.params, whole.params, strict=True):
        for key in lw:
            _close(lp[key], lw[key], f"resumed {key}")


def test_the_compiled_backend_trains_member_k_as_its_single_network():
    # backend="jax": the same property for the compiled program (fused sigmoid + bce on
    # shuffled mini-batches, Adam with a rate per member, sample weights, validation)
    pytest.importorskip("jax")
    pair = "sigmoid + bce (fused)"
    opts = dict(batch_size=4, optimizer="adam", lr=[0.01, 0.05, 0.1], sample_weight=W,
                validation=True, backend="jax")  # fmt: skip
    net_kw = dict(activation="tanh") | PAIRS[pair][0]
    pop = gn.Network(seed=SEEDS, **net_kw)
    hp = _fit(pop, _fit_kwargs(pair, opts, None))
    for k, s in enumerate(SEEDS):
        single = gn.Network(seed=s, **net_kw)
        hs = _fit(single, _fit_kwargs(pair, opts, k))
        _same_member(pop, hp, k, single, hs, exact=False)
