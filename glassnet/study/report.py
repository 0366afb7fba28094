r"""The HTML report of a study, built with the shared report machinery (:mod:`glassnet.report`)
and statistics (:mod:`glassnet.stats`).

For every axis of the grid with more than one value (data set, architecture, activation,
initializer, optimizer, learning rate, ...), one row per value, pooled over everything else:

* median epochs to converge with a 95% percentile-bootstrap confidence interval, by the
  threshold definition (first epoch with loss < threshold) and by the paper's definition
  (:func:`glassnet.convergence.paper_epoch`). A run that never converged counts as
  :math:`\infty`, so a median is "never" when more than half the runs never got there;
* the converged and diverged fractions with Wilson intervals;
* the median final loss and the mean final accuracy;
* mean loss curves with 95% bands (confidence interval of the mean, per epoch, over the runs
  still finite at that epoch);
* for an axis with exactly two values, a Mann-Whitney U test of epochs to converge.

Then a heatmap of learning rate x activation (median epochs to converge, and the converged
fraction), and the data behind every table and figure under ``data/``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet._validation import known_keywords
from glassnet.study.spec import AXIS_TABLE

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from glassnet.study import Study

__all__ = ["AXIS_COLUMNS", "axis_summary", "heatmap_table", "write_report"]

#: results column of each grid axis, in report order (the seed is pooled, never an axis)
AXIS_COLUMNS: dict[str, str] = {a.name: a.column for a in AXIS_TABLE if a.name != "seed"}
_TITLES: dict[str, str] = {a.name: a.title for a in AXIS_TABLE}


def _epochs_inf(epochs: np.ndarray, diverged: np.ndarray) -> np.ndarray:
    """Epochs to converge with "never" (-1) and diverged runs as +inf (right-censored)."""
    e = np.asarray(epochs, dtype=np.float64).copy()
    e[(e < 0) | np.asarray(diverged, dtype=bool)] = np.inf
    return e


def _values(df: pd.DataFrame, column: str) -> list[Any]:
    """The values of an axis column in grid order (order of first appearance)."""
    return list(dict.fromkeys(df[column].tolist()))


def _label(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "full"
    if v is not None and str(v) == "<NA>":
        return "full"
    return str(v)


@known_keywords
def axis_summary(df: pd.DataFrame, column: str, n_boot: int = 2000) -> list[dict[str, Any]]:
    """Per-value summary of one axis, pooled over every other axis.

    Parameters
    ----------
    df : pandas.DataFrame
        :meth:`glassnet.study.Study.results`.
    column : str
        An axis column (e.g. ``"activation"``).
    n_boot : int
        Bootstrap resamples of each median's confidence interval.

    Returns
    -------
    list of dict
        One dict per value: ``value``, ``runs``, ``median_epochs`` / ``_lo`` / ``_hi``
        (threshold definition; inf = never), ``median_epochs_paper`` / ``_lo`` / ``_hi``,
        ``converged`` / ``_lo`` / ``_hi`` and ``diverged`` / ``_lo`` / ``_hi`` (fractions
        with 95% Wilson intervals), ``median_final_loss``, ``mean_final_accuracy``.
    """
    from glassnet import stats

    rows = []
    for v in _values(df, column):
        sub = df[df[column].isna()] if _label(v) == "full" else df[df[column] == v]
        div = sub["diverged"].to_numpy(bool)
        thr = stats.median_ci(_epochs_inf(sub["epoch_threshold"].to_numpy(), div), n_boot=n_boot)
        pap = stats.median_ci(_epochs_inf(sub["epoch_paper"].to_numpy(), div), n_boot=n_boot)
        conv = stats.proportion(sub["converged"].to_numpy(bool))
        dvg = stats.proportion(div)
        final = sub["final_loss"].to_numpy(np.float64)
        acc = sub["final_accuracy"].to_numpy(np.float64)
        with np.errstate(all="ignore"):
            med_loss = float(np.median(final[~div])) if (~div).any() else math.nan
            mean_acc = float(np.nanmean(acc)) if np.isfinite(acc).any() else math.nan
        rows.append(
            {
                "value": _label(v),
                "runs": len(sub),
                "median_epochs": thr.value,
                "median_epochs_lo": thr.lo,
                "median_epochs_hi": thr.hi,
                "median_epochs_paper": pap.value,
                "median_epochs_paper_lo": pap.lo,
                "median_epochs_paper_hi": pap.hi,
                "converged": conv.value,
                "converged_lo": conv.lo,
                "converged_hi": conv.hi,
                "diverged": dvg.value,
                "diverged_lo": dvg.lo,
                "diverged_hi": dvg.hi,
                "median_final_loss": med_loss,
                "mean_final_accuracy": mean_acc,
            }
        )
    return rows


@known_keywords
def heatmap_table(
    df: pd.DataFrame, rows: str = "lr", columns: str = "activation", n_boot: int = 0
) -> dict[str, Any]:
    """Median epochs to converge and converged fraction for every (row, column) pair.

    Returns
    -------
    dict
        ``rows``, ``columns`` (labels), ``median_epochs`` and ``converged`` (nested lists,
        shape (len(rows), len(columns)); inf = more than half never converged, nan = no run).
    """
    from glassnet import stats

    rv, cv = _values(df, rows), _values(df, columns)
    med = np.full((len(rv), len(cv)), np.nan)
    conv = np.full((len(rv), len(cv)), np.nan)
    for i, r in enumerate(rv):
        for j, c in enumerate(cv):
            sub = df[(df[rows] == r) & (df[columns] == c)]
            if len(sub) == 0:
                continue
            div = sub["diverged"].to_numpy(bool)
            e = _epochs_inf(sub["epoch_threshold"].to_numpy(), div)
            med[i, j] = stats.median_ci(e, n_boot=max(n_boot, 1)).value
            conv[i, j] = float(sub["converged"].mean())
    return {
        "rows": [_label(r) for r in rv],
        "columns": [_label(c) for c in cv],
        "row_axis": rows,
        "column_axis": columns,
        "median_epochs": med.tolist(),
        "converged": conv.tolist(),
    }


# -- figures ------------------------------------------------------------------------------------


def _figure(w: float, h: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _padded(curves: Sequence[np.ndarray]) -> np.ndarray:
    """Curves of different lengths (a diverged run stops) as (R, T) padded with NaN."""
    T = max((len(c) for c in curves), default=0)
    out = np.full((len(curves), T), np.nan)
    for i, c in enumerate(curves):
        out[i, : len(c)] = c
    return out


def curves_figure(df: pd.DataFrame, column: str, title: str) -> tuple[Figure, dict[str, Any]]:
    """Mean training loss per epoch for each value of ``column``, with 95% bands, over the
    runs that did not diverge (a diverging run's last finite losses are astronomically large
    and would swamp the mean)."""
    from glassnet import stats

    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    data: dict[str, Any] = {}
    positive = True
    top = -np.inf
    for v in _values(df, column):
        sub = df[df[column].isna()] if _label(v) == "full" else df[df[column] == v]
        kept = sub[~sub["diverged"].to_numpy(bool)]
        curves = _padded(list(kept["loss_curve"]))
        if curves.size == 0:
            continue
        with np.errstate(all="ignore"):
            band = stats.mean_band(curves)
        n_div = len(sub) - len(kept)
        label = f"{_label(v)} (n={len(kept)}" + (f", {n_div} diverged left out)" if n_div else ")")
        x = np.arange(curves.shape[1])
        (line,) = ax.plot(x, band.mean, lw=1.6, label=label)
        ok = np.isfinite(band.lo) & np.isfinite(band.hi)
        ax.fill_between(
            x,
            np.where(ok, band.lo, np.nan),
            np.where(ok, band.hi, np.nan),
            color=line.get_color(),
            alpha=0.2,
            lw=0,
        )
        fin = band.mean[np.isfinite(band.mean)]
        with np.errstate(invalid="ignore"):
            positive &= bool(np.all(fin > 0))
        if fin.size:
            top = max(top, float(fin.max()))
        data[_label(v)] = {
            "mean": band.mean,
            "lo": band.lo,
            "hi": band.hi,
            "n": band.n,
            "diverged_left_out": n_div,
        }
    if positive and data:
        ax.set_yscale("log")
    if np.isfinite(top):  # bands of a few wild runs must not hide the means
        ax.set_ylim(top=top * (2.0 if positive else 1.1) if top > 0 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (mean, 95% CI band)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if data:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig, data


def heatmap_figure(table: dict[str, Any]) -> Figure:
    """Two panels: median epochs to converge and converged fraction, rows x columns."""
    from matplotlib import colormaps

    med = np.asarray(table["median_epochs"], dtype=np.float64)
    conv = np.asarray(table["converged"], dtype=np.float64)
    nr, nc = med.shape
    fig = _figure(max(6.0, 2.2 + 1.3 * nc * 2), max(3.0, 1.2 + 0.5 * nr))
    for k, (vals, name, cmap, fmt) in enumerate(
        (
            (med, "median epochs to converge", "viridis", "{:.0f}"),
            (conv, "converged fraction", "magma", "{:.0%}"),
        )
    ):
        ax = fig.add_subplot(1, 2, k + 1)
        finite = np.isfinite(vals)
        shown = np.where(finite, vals, np.nan)
        cm = colormaps[cmap].with_extremes(bad="#d9d9d9")
        lo = np.nanmin(shown) if finite.any() else 0.0
        hi = np.nanmax(shown) if finite.any() else 1.0
        if k == 1:
            lo, hi = 0.0, 1.0
        im = ax.imshow(
            np.ma.masked_invalid(shown),
            cmap=cm,
            vmin=lo,
            vmax=hi if hi > lo else lo + 1,
            aspect="auto",
        )
        for i in range(nr):
            for j in range(nc):
                v = vals[i, j]
                txt = "n/a" if np.isnan(v) else ("never" if np.isinf(v) else fmt.format(v))
                ax.text(
                    j,
                    i,
                    txt,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if finite[i, j] and (v - lo) < 0.5 * (hi - lo) else "black",
                )
        ax.set_xticks(range(nc), table["columns"], rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(nr), table["rows"], fontsize=8)
        ax.set_xlabel(table["column_axis"])
        ax.set_ylabel(table["row_axis"])
        ax.set_title(name, fontsize=10)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig


def gradient_table(df: pd.DataFrame, group: Sequence[str]) -> list[dict[str, Any]]:
    """Gradient flow at initialization, per combination of the ``group`` columns.

    For each run, ``ratio = ||dC/dW_1|| / ||dC/dW_L||``: the weight-gradient norm of the first
    layer over that of the output layer at epoch 0 (vanishing gradients make it small,
    exploding ones large).

    Returns
    -------
    list of dict
        The ``group`` values, ``runs``, ``median_ratio``, ``median_first`` (first layer's
        gradient norm), ``median_last`` and ``mean_saturated`` (fraction of saturated hidden
        units, averaged over hidden layers and runs).
    """
    rows = []
    for key, sub in df.groupby(list(group), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        g = [np.asarray(v, np.float64) for v in sub["grad_norm_init"]]
        sat = [np.asarray(v, np.float64)[:-1] for v in sub["saturated_init"]]
        first = np.array([v[0] for v in g])
        last = np.array([v[-1] for v in g])
        with np.errstate(all="ignore"):
            ratio = first / last
            ok = np.isfinite(ratio)
            sat_mean = [float(v.mean()) for v in sat if v.size]
        rows.append(
            {
                **{
                    c: (int(k) if c == "depth" else _label(k))
                    for c, k in zip(group, key, strict=True)
                },
                "runs": len(sub),
                "median_ratio": float(np.median(ratio[ok])) if ok.any() else math.nan,
                "median_first": float(np.median(first)),
                "median_last": float(np.median(last)),
                "mean_saturated": float(np.mean(sat_mean)) if sat_mean else math.nan,
            }
        )
    return rows


def gradient_figure(rows: list[dict[str, Any]], panels: str, lines: str | None) -> Figure:
    """Median first/output layer gradient ratio at initialization against depth: one panel
    per value of ``panels`` (e.g. activation), one line per value of ``lines`` (e.g. init)."""
    pv = list(dict.fromkeys(r[panels] for r in rows))
    fig = _figure(min(4.0 * len(pv), 14.0), 3.6)
    for i, p in enumerate(pv):
        ax = fig.add_subplot(1, len(pv), i + 1)
        mine = [r for r in rows if r[panels] == p]
        lv = list(dict.fromkeys(r[lines] for r in mine)) if lines else [None]
        for v in lv:
            pts = sorted(
                (r["depth"], r["median_ratio"]) for r in mine if lines is None or r[lines] == v
            )
            x = [d for d, _ in pts]
            y = [q if q > 0 else np.nan for _, q in pts]
            ax.plot(x, y, marker="o", lw=1.5, label=str(v) if v is not None else None)
        ax.set_yscale("log")
        ax.axhline(1.0, color="0.6", lw=0.8, ls="--")
        ax.set_title(f"{panels} = {p}", fontsize=10)
        ax.set_xlabel("hidden layers")
        if i == 0:
            ax.set_ylabel("||dC/dW first|| / ||dC/dW output||")
        ax.grid(alpha=0.3)
        if lines:
            ax.legend(fontsize=8, title=lines, title_fontsize=8)
    fig.tight_layout()
    return fig


# -- the report ---------------------------------------------------------------------------------


def _fmt_epochs(v: float, lo: float, hi: float) -> str:
    from glassnet import stats

    return stats.fmt_ci(v, lo, hi)


def _fmt_frac(v: float, lo: float, hi: float) -> str:
    if math.isnan(v):
        return "n/a"
    return f"{v:.0%} ({lo:.0%} to {hi:.0%})"


@known_keywords
def write_report(
    study: Study, out: str | os.PathLike[str] | None = None, n_boot: int = 2000
) -> Path:
    """Write the study's report directory (``report.html``, ``figures/``, ``data/``).

    Parameters
    ----------
    study : Study
        An open study (complete or not: the report covers the runs stored so far).
    out : path, optional
        Report directory (default ``<study dir>/report``); replaced if it is a previous
        glassnet report, refused if it is anything else or holds a file the report did not
        write.
    n_boot : int
        Bootstrap resamples per confidence interval.

    Returns
    -------
    Path
        The report directory.
    """
    from glassnet import stats
    from glassnet.report import Report, check_out_dir

    out_dir = check_out_dir(out if out is not None else study.directory / "report")
    df = study.results()
    st = study.status()
    spec = study.spec
    fixed = spec.fixed
    paper_kw = fixed.get("paper") or {}
    meta = {
        "study": spec.name,
        "directory": str(study.directory),
        "runs stored": f"{st['runs_done']} of {st['runs_total']}",
        "groups (populations) still to train": st["groups_missing"],
        "convergence threshold": fixed["threshold"],
        "paper definition": ", ".join(f"{k}={v}" for k, v in paper_kw.items()) or "defaults",
        "training time (sum over groups)": f"{st['wall_time']:.1f} s",
        "spec hash": spec.hash,
        "glassnet": study.meta.get("glassnet_version", "?"),
    }
    rep = Report(f"Study: {spec.name}", subtitle=spec.description or None, meta=meta)

    sec = rep.section("Overview")
    if st["runs_missing"]:
        sec.text(
            f"**Incomplete study**: {st['runs_missing']} of {st['runs_total']} runs are still "
            "missing; everything below covers the runs stored so far. Run `glassnet study run` "
            "with the same spec and directory to finish it."
        )
    if len(df) == 0:
        sec.text("No run is stored yet.")
        return rep.write(out_dir)
    counts = df["status"].value_counts()
    sec.table(
        [
            {"status": s, "runs": int(counts.get(s, 0)), "fraction": counts.get(s, 0) / len(df)}
            for s in ("converged", "not_converged", "diverged")
        ],
        caption=(
            f"Outcome of the {len(df)} stored runs. Converged: the training loss fell below "
            f"{fixed['threshold']} (and the run did not diverge); diverged: the loss became "
            "infinite or NaN."
        ),
    )
    sec.bullets(
        f"**{_TITLES.get(a, a)}** (`{a}`): "
        + ", ".join(_label(v) for v in _values(df, AXIS_COLUMNS[a]))
        for a in AXIS_COLUMNS
        if a in df.columns
    )
    sec.text(
        f"Seeds per configuration: {df['seed'].nunique()}. Runs sharing everything but "
        "their seed and learning rate were trained together as one population. Epochs to "
        "converge count a run that never converged (or diverged) as infinity, so a median "
        "reads *never* when more than half the runs never converged; intervals are 95% "
        "percentile-bootstrap (medians) and Wilson (fractions)."
    )

    # the spec's varying axes ("output = same" follows the activation: not an axis of its own)
    axes = [a for a in spec.varying_axes if a in AXIS_COLUMNS]
    all_summaries: list[dict[str, Any]] = []
    for a in axes:
        col = AXIS_COLUMNS[a]
        title = _TITLES.get(a, a)
        s = rep.section(f"By {title.lower()}", anchor=f"by-{a}")
        rows = axis_summary(df, col, n_boot=n_boot)
        for r in rows:
            all_summaries.append({"axis": a, **r})
        s.table(
            [
                {
                    a: r["value"],
                    "runs": r["runs"],
                    "median epochs (threshold)": _fmt_epochs(
                        r["median_epochs"], r["median_epochs_lo"], r["median_epochs_hi"]
                    ),
                    "median epochs (paper)": _fmt_epochs(
                        r["median_epochs_paper"],
                        r["median_epochs_paper_lo"],
                        r["median_epochs_paper_hi"],
                    ),
                    "converged": _fmt_frac(r["converged"], r["converged_lo"], r["converged_hi"]),
                    "diverged": _fmt_frac(r["diverged"], r["diverged_lo"], r["diverged_hi"]),
                    "median final loss": r["median_final_loss"],
                    "mean final accuracy": r["mean_final_accuracy"],
                }
                for r in rows
            ],
            caption=f"Pooled over every other axis and all seeds; the median final loss is of "
            "the runs that did not diverge, the mean final accuracy of the runs whose "
            "predictions are finite (a diverged run's NaN outputs have none: n/a when no run "
            f"has). Data: `data/by_{a}.csv`.",
        )
        rep.add_data(f"by_{a}", rows)
        values = _values(df, col)
        if len(values) == 2:

            def pick(v: Any, col: str = col) -> np.ndarray:
                sub = df[df[col].isna()] if _label(v) == "full" else df[df[col] == v]
                return _epochs_inf(sub["epoch_threshold"].to_numpy(), sub["diverged"].to_numpy())

            test = stats.mann_whitney(pick(values[0]), pick(values[1]))
            s.text(
                f"Epochs to converge, {_label(values[0])} vs {_label(values[1])}: {test} "
                "(never converged counts as the slowest)."
            )
        fig, data = curves_figure(df, col, f"Training loss by {title.lower()}")
        s.figure(
            f"curves_{a}",
            fig,
            caption=f"Mean training loss per epoch by {title.lower()}, "
            "with the 95% confidence band of the mean, over the runs that did not diverge.",
        )
        rep.add_data(f"curves_{a}.json", data)

    hm = rep.section("Learning rate x activation", anchor="heatmap")
    table = heatmap_table(df, "lr", "activation")
    hm.figure(
        "heatmap_lr_activation",
        heatmap_figure(table),
        caption="Median epochs to converge (left; never = more than half never converged) "
        "and the converged fraction (right) for each learning rate and activation, pooled "
        "over every other axis.",
    )
    rep.add_data("heatmap_lr_activation.json", table)

    if "hidden" in spec.varying_axes:
        gs_ = rep.section("Gradients at initialization", anchor="gradients")
        panels = "activation"
        lines = "init" if "init" in spec.varying_axes else None
        group = [panels, *([lines] if lines else []), "depth"]
        grows = gradient_table(df, group)
        gs_.text(
            "Vanishing gradients, measured before the first step: the norm of the first "
            "layer's weight gradient over the output layer's, median over seeds and learning "
            "rates. Far below 1, the first layers barely learn; far above, gradients explode."
        )
        gs_.figure(
            "gradients_init",
            gradient_figure(grows, panels, lines),
            caption="First/output layer gradient-norm ratio at epoch 0 against depth.",
        )
        gs_.table(
            grows,
            caption="Gradient norms and saturated fraction of hidden units at "
            "epoch 0. Data: `data/gradients_init.csv`.",
        )
        rep.add_data("gradients_init", grows)
        if lines == "init":
            second = heatmap_table(df, "hidden", "init")
            gs_.figure(
                "heatmap_hidden_init",
                heatmap_figure(second),
                caption="Median epochs to converge and converged fraction for each "
                "architecture and initializer, pooled over every other axis.",
            )
            rep.add_data("heatmap_hidden_init.json", second)

    runs = df.drop(
        columns=["loss_curve", "val_loss_curve", "grad_norm_init", "saturated_init", "config"]
    )
    rep.add_data("runs", runs)
    if all_summaries:
        rep.add_data("summary", all_summaries)

    rs = rep.section("Reproduce")
    rs.text("Every number above comes from the spec below; to rerun or extend the study:")
    rs.code(
        f"glassnet study run spec.toml --out {study.directory}\n"
        f"glassnet study report {study.directory}"
    )
    rs.code(spec.text)
    return rep.write(out_dir)
