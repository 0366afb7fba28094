"""Sections 1-5: the computations, and the one list of sections that drives the run and the
step count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import metrics, stats
from glassnet.experiments.original import paper_init, train_original
from glassnet.experiments.paper.findings import _findings
from glassnet.experiments.paper.measures import (
    _epochs_inf,
    _faster,
    _mse,
    _nanmedian,
    _outcomes,
    _paper_net,
    _version,
    hessian_lambda_max,
)
from glassnet.experiments.paper.results import (
    PaperResults,
)
from glassnet.experiments.paper.settings import (
    ACTS,
    DEPTH_ACTS,
    OUTPUT,
    PAPER_EPOCHS,
    PAPER_LR,
    PAPER_SEED,
    PAPER_SLOPE_TOL,
    PAPER_WINDOW,
    PaperConfig,
    Progress,
    make_config,
)
from glassnet.experiments.paper.summary import _summary


def _evolution_config(cfg: PaperConfig) -> Any:
    from glassnet.experiments import evolution

    return evolution.make_config(threshold=cfg.threshold, quick=cfg.quick)


@dataclass(frozen=True)
class Section:
    """One part of the experiment: what it computes and how many progress steps it reports.

    Attributes
    ----------
    field : str
        The :class:`PaperResults` attribute its numbers go to.
    compute : callable
        ``compute(cfg, tick) -> dict``; calls ``tick(stage)`` as each step starts.
    steps : callable
        ``steps(cfg) -> int``, the number of ``tick`` calls.
    """

    field: str
    compute: Callable[[PaperConfig, Callable[[str], None]], dict]
    steps: Callable[[PaperConfig], int]


def _stage_count(cfg: PaperConfig) -> int:
    n = sum(section.steps(cfg) for section in SECTIONS)
    if cfg.evolution:
        from glassnet.experiments import evolution

        n += evolution.stage_count(_evolution_config(cfg))
    return n


def n_steps(cfg: PaperConfig) -> int:
    """Number of progress steps :func:`run_paper` reports for these settings (the sections',
    then drawing the report and writing it)."""
    return _stage_count(cfg) + 2


def run(config: PaperConfig | None = None, progress: Progress | None = None) -> PaperResults:
    """Run every section of the experiment.

    Parameters
    ----------
    config : PaperConfig, optional
        Default: :func:`make_config` ().
    progress : callable, optional
        ``progress(stage, done, total)`` as each step starts: ``stage`` names the step now
        running, ``done`` the steps finished before it (for a progress bar).

    Returns
    -------
    PaperResults
    """
    cfg = config or make_config()
    total = _stage_count(cfg)
    done = [0]

    def tick(stage: str) -> None:
        if progress is not None:
            progress(stage, done[0], total)
        done[0] += 1

    res = PaperResults(cfg, version=_version())
    for section in SECTIONS:
        setattr(res, section.field, section.compute(cfg, tick))
    if cfg.evolution:
        from glassnet.experiments import evolution

        # the evolution experiment reports a stage when it has finished it
        res.evolution = evolution.run(
            _evolution_config(cfg), lambda stage, d, t: tick(f"selection: after {stage}")
        )
    res.findings = _findings(res)
    res.summary = _summary(res)
    return res


def _section1(cfg: PaperConfig, tick: Callable[[str], None]) -> dict:
    X, y = gn.datasets.load("paper")
    n = X.shape[0]
    out: dict[str, Any] = {"original": {}, "corrected": {}, "gradient_check": {}, "same_init": {}}
    for act in ACTS:
        tick(f"seed 1: {act}")
        orig = train_original(X, y, act, lr=PAPER_LR, epochs=PAPER_EPOCHS, seed=PAPER_SEED)
        out["original"][act] = orig.loss
        net = _paper_net(act, PAPER_SEED)
        p = paper_init(PAPER_SEED)
        out["same_init"][act] = bool(
            np.array_equal(net.layers[0].W, p["S0"])
            and np.array_equal(net.layers[1].W, p["S1"])
            and float(net.layers[0].b.ravel()[0]) == p["b0"]
            and float(net.layers[1].b.ravel()[0]) == p["b1"]
        )
        check = gn.gradient_check(net, X, y, loss="sse")
        out["gradient_check"][act] = {
            "max_rel_error": float(check.max_rel_error),
            "passed": bool(check.passed),
            "summary": str(check.summary()),
        }
        hist = net.fit(
            X,
            y,
            loss="sse",
            optimizer="gd",
            lr=PAPER_LR,
            epochs=PAPER_EPOCHS,
            stats_every=0,
            backend=cfg.backend,
        )
        out["corrected"][act] = _mse(hist.loss, n)
    return out


def _section2(cfg: PaperConfig, tick: Callable[[str], None]) -> dict:
    X, y = gn.datasets.load("paper")
    n = X.shape[0]
    seeds = list(range(cfg.seeds))
    out: dict[str, Any] = {"seeds": seeds, "per_act": {}}
    for act in ACTS:
        tick(f"{cfg.seeds} seeds: {act}")
        net = _paper_net(act, seeds)
        hist = net.fit(
            X,
            y,
            loss="sse",
            optimizer="gd",
            lr=PAPER_LR,
            epochs=cfg.epochs,
            stats_every=0,
            backend=cfg.backend,
        )
        mse = _mse(hist.loss, n)
        thr = np.asarray(gn.convergence.threshold_epoch(mse, cfg.threshold))
        pap = np.asarray(
            gn.convergence.paper_epoch(
                mse, tol=cfg.threshold, slope_tol=PAPER_SLOPE_TOL, window=PAPER_WINDOW
            )
        )
        out["per_act"][act] = {
            "mse": mse,
            "threshold_epoch": thr,
            "paper_epoch": pap,
            "diverged": np.asarray(hist.diverged, bool),
            "band": stats.mean_band(mse),
            "converged": stats.proportion(thr >= 0),
            "median": stats.median_ci(_epochs_inf(thr), n_boot=cfg.n_boot),
            "paper_converged": stats.proportion(pap >= 0),
            "paper_median": stats.median_ci(_epochs_inf(pap), n_boot=cfg.n_boot),
        }
    s, t = out["per_act"]["sigmoid"], out["per_act"]["tanh"]
    out["mw_threshold"] = stats.mann_whitney(
        _epochs_inf(t["threshold_epoch"]), _epochs_inf(s["threshold_epoch"])
    )
    out["mw_paper"] = stats.mann_whitney(
        _epochs_inf(t["paper_epoch"]), _epochs_inf(s["paper_epoch"])
    )
    return out


def _sweep_population(
    act: str,
    X: np.ndarray,
    y: np.ndarray,
    grid: Sequence[float],
    n_seeds: int,
    epochs: int,
    threshold: float,
    n_boot: int,
    sizes: Sequence[int] = (3, 2, 1),
    backend: str = "numpy",
    **net_kw: Any,
) -> dict:
    """Train one population holding every (learning rate, seed) pair; summarise per rate."""
    G = len(grid)
    net = _paper_net(act, list(range(n_seeds)) * G, sizes=sizes, **net_kw)
    lr = np.repeat(np.asarray(grid, dtype=float), n_seeds)
    hist = net.fit(
        X, y, loss="sse", optimizer="gd", lr=lr, epochs=epochs, stats_every=0, backend=backend
    )
    mse = _mse(hist.loss, X.shape[0])
    ep = np.asarray(gn.convergence.threshold_epoch(mse, threshold))
    oc = _outcomes(mse, ep >= 0, np.asarray(hist.diverged, bool))
    rows: list[dict[str, Any]] = []
    for g in range(G):
        sl = slice(g * n_seeds, (g + 1) * n_seeds)
        conv = oc["converged"][sl]
        rows.append(
            {
                "lr": float(grid[g]),
                "n": n_seeds,
                "converged": stats.proportion(conv),
                "diverged": stats.proportion(oc["diverged"][sl]),
                "oscillating": stats.proportion(oc["oscillating"][sl]),
                "unstable": stats.proportion(oc["diverged"][sl] | oc["oscillating"][sl]),
                "stuck": stats.proportion(oc["stuck"][sl]),
                "overshoot": stats.proportion(oc["overshoot"][sl]),
                "median": stats.median_ci(_epochs_inf(np.where(conv, ep[sl], -1)), n_boot=n_boot),
            }
        )

    def key(i: int) -> tuple[float, float, float]:
        return (rows[i]["median"].value, -rows[i]["converged"].value, rows[i]["lr"])

    best = min(range(G), key=key)
    over = [r["lr"] for r in rows if r["overshoot"].value >= 0.5]
    return {
        "rows": rows,
        "epochs": ep.reshape(G, n_seeds),
        "outcome": {k: v.reshape(G, n_seeds) for k, v in oc.items()},
        "final": mse[:, -1].reshape(G, n_seeds),
        "best_index": best,
        "best_lr": rows[best]["lr"] if math.isfinite(rows[best]["median"].value) else None,
        "overshoot_lr": over[0] if over else None,
    }


def _section3(cfg: PaperConfig, tick: Callable[[str], None]) -> dict:
    X, y = gn.datasets.load("paper")
    out: dict[str, Any] = {"grid": list(cfg.lr_grid), "per_act": {}}
    for act in ACTS:
        tick(f"learning-rate sweep: {act}")
        out["per_act"][act] = _sweep_population(
            act,
            X,
            y,
            cfg.lr_grid,
            cfg.sweep_seeds,
            cfg.epochs,
            cfg.threshold,
            cfg.n_boot,
            backend=cfg.backend,
        )
    for act in ACTS:
        tick(f"Hessian at init: {act}")
        net = _paper_net(act, list(range(cfg.sweep_seeds)))
        lam = hessian_lambda_max(net, X, y, loss="sse", iters=cfg.power_iters)
        with np.errstate(divide="ignore"):
            stable = np.where(lam > 0, 2.0 / lam, np.inf)
        out["per_act"][act]["lambda_max"] = lam
        out["per_act"][act]["stable_lr"] = stable
        out["per_act"][act]["stable_lr_median"] = stats.median_ci(stable, n_boot=cfg.n_boot)
    # each at its own best learning rate
    s, t = out["per_act"]["sigmoid"], out["per_act"]["tanh"]
    if s["best_lr"] is not None and t["best_lr"] is not None:
        es = np.where(s["outcome"]["converged"][s["best_index"]], s["epochs"][s["best_index"]], -1)
        et = np.where(t["outcome"]["converged"][t["best_index"]], t["epochs"][t["best_index"]], -1)
        out["mw_best"] = stats.mann_whitney(_epochs_inf(et), _epochs_inf(es))
    else:
        out["mw_best"] = None
    # at equal learning rates, rate by rate
    per_lr = []
    for g, lr in enumerate(cfg.lr_grid):
        es = np.where(s["outcome"]["converged"][g], s["epochs"][g], -1)
        et = np.where(t["outcome"]["converged"][g], t["epochs"][g], -1)
        mw = stats.mann_whitney(_epochs_inf(et), _epochs_inf(es))
        per_lr.append({"lr": float(lr), "test": mw, "faster": _faster(mw)})
    out["per_lr"] = per_lr
    return out


def _section4(cfg: PaperConfig, tick: Callable[[str], None]) -> dict:
    out: dict[str, Any] = {"xor": {"per_act": {}}, "digits": {"per_act": {}}}
    X, y = gn.datasets.load("xor")
    out["xor"]["grid"] = list(cfg.lr_grid)
    for act in ACTS:
        tick(f"XOR: {act}")
        out["xor"]["per_act"][act] = _sweep_population(
            act,
            X,
            y,
            cfg.lr_grid,
            cfg.xor_seeds,
            cfg.epochs,
            cfg.threshold,
            cfg.n_boot,
            sizes=(2, 2, 1),
            backend=cfg.backend,
            bias="neuron",
        )
    xs, xt = out["xor"]["per_act"]["sigmoid"], out["xor"]["per_act"]["tanh"]
    out["xor"]["mw_best"] = None
    if xs["best_lr"] is not None and xt["best_lr"] is not None:
        es = np.where(
            xs["outcome"]["converged"][xs["best_index"]], xs["epochs"][xs["best_index"]], -1
        )
        et = np.where(
            xt["outcome"]["converged"][xt["best_index"]], xt["epochs"][xt["best_index"]], -1
        )
        out["xor"]["mw_best"] = stats.mann_whitney(_epochs_inf(et), _epochs_inf(es))

    Xd, yd = gn.datasets.load("digits", classes="three")
    Xtr, Xte, ytr, yte = gn.datasets.train_test_split(Xd, yd, test_size=0.25, seed=0, stratify=True)
    lrs = np.asarray(cfg.digits_lrs, dtype=float)
    S = cfg.digits_seeds
    d = out["digits"]
    d.update(
        {
            "lrs": list(cfg.digits_lrs),
            "n_train": int(Xtr.shape[0]),
            "n_test": int(Xte.shape[0]),
            "baseline_accuracy": float(1 - yte.mean()),
            "sizes": [Xd.shape[1], cfg.digits_hidden, 1],
        }
    )
    for act in ACTS:
        tick(f"digits: {act}")
        net = gn.Network(
            [Xd.shape[1], cfg.digits_hidden, 1],
            activation=act,
            output=OUTPUT[act],
            bias="neuron",
            init="xavier",
            seed=list(range(S)) * len(lrs),
        )
        hist = net.fit(
            Xtr,
            ytr,
            loss="mse",
            optimizer="gd",
            lr=np.repeat(lrs, S),
            epochs=cfg.digits_epochs,
            stats_every=0,
            backend=cfg.backend,
        )
        out_te = net.predict(Xte)
        pred = out_te > 0.5
        truth = yte > 0.5
        # a diverged member's NaN output is no answer: wrong (NaN > 0.5 read it as "not
        # three", right 90% of the time on this data)
        acc = np.asarray(metrics.accuracy(out_te, yte), dtype=float)
        recall = (pred & truth).sum(axis=(1, 2)) / max(int(truth.sum()), 1)
        d["per_act"][act] = {
            "accuracy": acc.reshape(len(lrs), S),
            "recall": recall.reshape(len(lrs), S),
            "train_loss": np.asarray(hist.loss, float).reshape(len(lrs), S, -1),
        }
        med = np.median(acc.reshape(len(lrs), S), axis=1)
        d["per_act"][act]["best_index"] = int(np.argmax(med))
        d["per_act"][act]["best_lr"] = float(lrs[int(np.argmax(med))])
    return out


def _section5(cfg: PaperConfig, tick: Callable[[str], None]) -> dict:
    X, y = gn.datasets.load("paper")
    n = X.shape[0]
    out: dict[str, Any] = {"depths": list(cfg.depths), "width": cfg.depth_width, "per_act": {}}
    for act in DEPTH_ACTS:
        per: dict[int, Any] = {}
        for depth in cfg.depths:
            tick(f"depth {depth}: {act}")
            sizes = [3] + [cfg.depth_width] * depth + [1]
            net = _paper_net(act, list(range(cfg.depth_seeds)), sizes=sizes)
            hist = net.fit(
                X,
                y,
                loss="sse",
                optimizer="gd",
                lr=PAPER_LR,
                epochs=cfg.epochs,
                stats_every=1,
                backend=cfg.backend,
            )
            mse = _mse(hist.loss, n)
            ep = np.asarray(gn.convergence.threshold_epoch(mse, cfg.threshold))
            g = np.asarray(hist.layer_stats["grad_norm"], float)  # (P, n_stats, n_layers)
            med = _nanmedian(np.where(np.isfinite(g), g, np.nan), axis=0)
            per[depth] = {
                "epochs": ep,
                "diverged": np.asarray(hist.diverged, bool),
                "final": mse[:, -1],
                "grad_init": g[:, 0, :],
                "grad_median": med,  # (n_stats, n_layers)
                "stats_epochs": np.asarray(hist.stats_epochs),
                "converged": stats.proportion(ep >= 0),
                "median": stats.median_ci(_epochs_inf(ep), n_boot=cfg.n_boot),
            }
        out["per_act"][act] = per
    return out


#: The sections in the order they run; their ``steps`` add up to the progress total.
SECTIONS: tuple[Section, ...] = (
    Section("seed1", _section1, lambda cfg: len(ACTS)),
    Section("seeds", _section2, lambda cfg: len(ACTS)),
    Section("sweep", _section3, lambda cfg: 2 * len(ACTS)),
    Section("tasks", _section4, lambda cfg: 2 * len(ACTS)),
    Section("depth", _section5, lambda cfg: len(DEPTH_ACTS) * len(cfg.depths)),
)
