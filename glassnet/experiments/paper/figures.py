"""The report's figures, one function each, built on :class:`matplotlib.figure.Figure` without
pyplot (matplotlib is imported only when a figure is drawn).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.experiments.paper.measures import (
    _epochs_inf,
    _nanmedian,
)
from glassnet.experiments.paper.settings import (
    ACTS,
    COLORS,
    DEPTH_ACTS,
    PAPER_EPOCHS,
    PaperConfig,
)


def _plain_log_ticks(fig: Any) -> None:
    """Plain-number tick labels on log axes ("0.3", "1e-05"; no mathtext: faster, and
    readable), with matplotlib's rule for which minor ticks get a label."""
    from matplotlib.ticker import LogFormatter

    class Plain(LogFormatter):
        def _num_to_string(self, x: float, vmin: float, vmax: float) -> str:
            return f"{x:g}"

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() in ("log", "symlog"):
                axis.set_major_formatter(Plain())
                axis.set_minor_formatter(Plain(labelOnlyBase=False))


def _legend(ax: Any, **kw: Any) -> None:
    """A legend, only when something is labelled (no warning on empty axes)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


def _new_fig(ncols: int = 1, width: float = 4.2, height: float = 3.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def _fig_mode(curves: dict, mode: str) -> Any:
    fig, ax = _new_fig(3, 3.4, 2.8)
    ep = np.arange(PAPER_EPOCHS)
    for i, act in enumerate(ACTS):
        ax[i].plot(ep, curves[act], color=COLORS[act])
        ax[i].set_title(f"{act} ({mode})")
    for act in ACTS:
        ax[2].plot(ep, curves[act], color=COLORS[act], label=act)
    ax[2].set_title(f"both ({mode})")
    _legend(ax[2])
    for a in ax:
        a.set_xlabel("epoch")
        a.set_ylabel("loss (mean squared error)")
        a.grid(alpha=0.3)
    return fig


def _derivative_data() -> dict[str, np.ndarray]:
    x = np.linspace(-10, 10, 401)
    s = 1 / (1 + np.exp(-x))
    return {"x": x, "sigmoid_prime": s * (1 - s), "tanh_prime": 1 - np.tanh(x) ** 2}


def _fig_derivatives(d: dict) -> Any:
    fig, ax = _new_fig(1, 5.5, 3.4)
    ax[0].plot(d["x"], d["sigmoid_prime"], color=COLORS["sigmoid"], label="sigmoid'(x), max 1/4")
    ax[0].plot(d["x"], d["tanh_prime"], color=COLORS["tanh"], label="tanh'(x), max 1")
    ax[0].set_xlabel("x")
    ax[0].set_ylabel("derivative")
    _legend(ax[0])
    ax[0].grid(alpha=0.3)
    return fig


def _ecdf(ax: Any, ep: np.ndarray, epochs: int, color: str, label: str) -> None:
    e = np.sort(_epochs_inf(ep))
    t = np.arange(epochs)
    frac = np.searchsorted(e, t, side="right") / max(len(e), 1)
    ax.step(t, frac, where="post", color=color, label=label)


def _fig_seeds(sd: dict, cfg: PaperConfig) -> Any:
    fig, ax = _new_fig(3, 3.6, 3.0)
    for act in ACTS:
        a = sd["per_act"][act]
        e = a["threshold_epoch"]
        ok = e[e >= 0]
        if ok.size:
            bins = np.unique(np.geomspace(1, cfg.epochs, 40).astype(int))
            ax[0].hist(np.maximum(ok, 1), bins=bins, color=COLORS[act], alpha=0.55, label=f"{act}")
        _ecdf(ax[1], e, cfg.epochs, COLORS[act], act)
        _ecdf(ax[2], a["paper_epoch"], cfg.epochs, COLORS[act], act)
    ax[0].set_xscale("log")
    ax[0].set_xlabel(f"epochs until loss < {cfg.threshold:g}")
    ax[0].set_ylabel("seeds")
    ax[0].set_title("distribution (converged runs)")
    ax[1].set_title(f"converged: loss < {cfg.threshold:g}")
    ax[2].set_title("converged: paper's definition")
    for a in ax[1:]:
        a.set_xscale("symlog", linthresh=10)
        a.set_xlabel("epoch")
        a.set_ylabel("fraction of seeds")
        a.set_ylim(0, 1.02)
    for a in ax:
        _legend(a)
        a.grid(alpha=0.3)
    return fig


def _fig_band(sd: dict, cfg: PaperConfig) -> Any:
    fig, ax = _new_fig(1, 6.0, 3.6)
    for act in ACTS:
        b = sd["per_act"][act]["band"]
        t = np.arange(len(b.mean))
        ax[0].plot(t, b.mean, color=COLORS[act], label=f"{act}: mean")
        # the mean cannot be below the smallest value averaged: a normal-approximation
        # interval that reaches below it (or below 0) is cut there
        lowest = np.min(np.asarray(sd["per_act"][act]["mse"], float), axis=0, initial=np.inf)
        lowest = np.where(np.isfinite(lowest), lowest, 0.0)
        ax[0].fill_between(
            t,
            np.maximum(b.lo, lowest),
            b.hi,
            color=COLORS[act],
            alpha=0.25,
            label=f"{act}: 95% CI of the mean",
        )
    ax[0].axhline(cfg.threshold, color="k", ls=":", lw=1, label=f"threshold {cfg.threshold:g}")
    ax[0].set_yscale("log")
    ax[0].set_xscale("symlog", linthresh=10)
    # epochs start at 0 (no empty negative half of the symlog axis); the band may reach down
    # to the smallest loss of any seed, so the view stops a decade below the lowest mean
    n = len(sd["per_act"][ACTS[0]]["band"].mean)
    ax[0].set_xlim(0, max(n, 1))
    means = np.concatenate([sd["per_act"][a]["band"].mean for a in ACTS])
    means = means[np.isfinite(means) & (means > 0)]
    if means.size:
        ax[0].set_ylim(bottom=min(float(means.min()), cfg.threshold) / 10)
    ax[0].set_xlabel("epoch")
    ax[0].set_ylabel("loss (mean squared error)")
    _legend(ax[0], fontsize=8)
    ax[0].grid(alpha=0.3)
    return fig


def _median_epochs_errorbar(
    ax: Any, x: np.ndarray, rows: Sequence[dict], act: str, epochs: int
) -> None:
    """Median epochs to converge at each ``x`` with its confidence interval, where it is finite;
    an interval with no finite upper end is drawn up to ``epochs``, the epochs that were run."""
    med = np.array([r["median"].value for r in rows])
    lo = np.array([r["median"].lo for r in rows])
    hi = np.array([r["median"].hi for r in rows])
    fin = np.isfinite(med)
    if fin.any():
        top = np.where(np.isfinite(hi), hi, epochs)
        ax.errorbar(
            x[fin],
            med[fin],
            yerr=[med[fin] - lo[fin], top[fin] - med[fin]],
            color=COLORS[act],
            marker="o",
            capsize=3,
            label=act,
        )


def _fig_sweep(per_act: dict, grid: Sequence[float], cfg: PaperConfig, title: str) -> Any:
    fig, ax = _new_fig(2, 4.6, 3.4)
    g = np.asarray(grid, float)
    for act in ACTS:
        rows = per_act[act]["rows"]
        _median_epochs_errorbar(ax[0], g, rows, act, cfg.epochs)
        conv = [r["converged"].value for r in rows]
        unst = [r["unstable"].value for r in rows]
        ax[1].plot(g, conv, color=COLORS[act], marker="o", label=f"{act}: converged")
        ax[1].plot(g, unst, color=COLORS[act], marker="x", ls="--", label=f"{act}: diverged/osc.")
        ov = per_act[act].get("overshoot_lr")
        if ov is not None:
            for a in ax:
                a.axvline(ov, color=COLORS[act], ls=":", lw=1.2)
        st = per_act[act].get("stable_lr_median")
        if st is not None and math.isfinite(st.value):
            for a in ax:
                a.axvline(st.value, color=COLORS[act], ls="-.", lw=1.2)
    ax[0].set_xscale("log")
    ax[0].set_yscale("log")
    ax[0].set_xlabel("learning rate")
    ax[0].set_ylabel(f"median epochs to loss < {cfg.threshold:g}")
    ax[0].set_title(title)
    ax[1].set_xscale("log")
    ax[1].set_xlabel("learning rate")
    ax[1].set_ylabel("fraction of seeds")
    ax[1].set_ylim(-0.02, 1.02)
    ax[1].set_title("outcomes (dotted: overshoot starts; dash-dot: 2/lambda_max)")
    ax[1].title.set_fontsize(8)
    for a in ax:
        _legend(a, fontsize=7)
        a.grid(alpha=0.3)
    return fig


def _fig_digits(dg: dict) -> Any:
    fig, ax = _new_fig(2, 4.4, 3.2)
    lrs = np.asarray(dg["lrs"], float)
    for act in ACTS:
        acc = dg["per_act"][act]["accuracy"]
        med = np.median(acc, axis=1)
        ax[0].errorbar(
            lrs,
            med,
            yerr=[med - acc.min(axis=1), acc.max(axis=1) - med],
            color=COLORS[act],
            marker="o",
            capsize=3,
            label=act,
        )
        b = dg["per_act"][act]["best_index"]
        tl = dg["per_act"][act]["train_loss"][b]
        ax[1].plot(np.median(tl, axis=0), color=COLORS[act], label=f"{act}, lr {lrs[b]:g}")
    ax[0].axhline(dg["baseline_accuracy"], color="k", ls=":", label="always 'not three'")
    ax[0].set_xscale("log")
    ax[0].set_xlabel("learning rate")
    ax[0].set_ylabel("test accuracy (median, range)")
    ax[1].set_yscale("log")
    ax[1].set_xlabel("epoch")
    ax[1].set_ylabel("training loss (median over seeds)")
    for a in ax:
        _legend(a, fontsize=8)
        a.grid(alpha=0.3)
    return fig


def _fig_depth_init(dd: dict) -> Any:
    import matplotlib

    fig, ax = _new_fig(3, 3.6, 3.2)
    cmap = matplotlib.colormaps["viridis"]
    D = max(dd["depths"])
    for i, act in enumerate(DEPTH_ACTS):
        for depth in dd["depths"]:
            g0 = dd["per_act"][act][depth]["grad_init"]
            med = _nanmedian(np.where(np.isfinite(g0), g0, np.nan), axis=0)
            ax[i].plot(
                np.arange(1, len(med) + 1),
                np.where(med > 0, med, np.nan),
                marker="o",
                ms=3,
                color=cmap((depth - 1) / max(D - 1, 1)),
                label=f"{depth} hidden",
            )
        ax[i].set_yscale("log")
        ax[i].set_title(act)
        ax[i].set_xlabel("layer (1 = first hidden)")
        ax[i].set_ylabel("||dC/dW|| at init (median)")
        ax[i].grid(alpha=0.3)
    _legend(ax[2], fontsize=7)
    return fig


def _fig_depth_training(dd: dict) -> Any:
    import matplotlib

    fig, ax = _new_fig(3, 3.6, 3.2)
    D = max(dd["depths"])
    cmap = matplotlib.colormaps["plasma"]
    for i, act in enumerate(DEPTH_ACTS):
        a = dd["per_act"][act][D]
        med = a["grad_median"]
        L = med.shape[1]
        for layer in range(L):
            v = med[:, layer]
            ax[i].plot(
                a["stats_epochs"],
                np.where(v > 0, v, np.nan),
                color=cmap(layer / max(L - 1, 1) * 0.9),
                lw=1,
                label=f"layer {layer + 1}",
            )
        ax[i].set_yscale("log")
        ax[i].set_title(f"{act}, {D} hidden layers")
        ax[i].set_xlabel("epoch")
        ax[i].set_ylabel("||dC/dW|| (median over seeds)")
        ax[i].grid(alpha=0.3)
    _legend(ax[2], fontsize=6, ncol=2)
    return fig


def _fig_depth_epochs(dd: dict, cfg: PaperConfig) -> Any:
    fig, ax = _new_fig(2, 4.4, 3.2)
    depths = np.asarray(dd["depths"])
    for act in DEPTH_ACTS:
        rows = [dd["per_act"][act][d] for d in dd["depths"]]
        _median_epochs_errorbar(ax[0], depths, rows, act, cfg.epochs)
        ax[1].plot(
            depths, [r["converged"].value for r in rows], color=COLORS[act], marker="o", label=act
        )
    ax[0].set_yscale("log")
    ax[0].set_xlabel("hidden layers")
    ax[0].set_ylabel(f"median epochs to loss < {cfg.threshold:g}")
    ax[1].set_xlabel("hidden layers")
    ax[1].set_ylabel(f"fraction converged in {cfg.epochs} epochs")
    ax[1].set_ylim(-0.02, 1.02)
    for a in ax:
        _legend(a, fontsize=8)
        a.grid(alpha=0.3)
    return fig
