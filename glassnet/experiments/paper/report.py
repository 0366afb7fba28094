"""The report: text, tables, figures and data files from :class:`PaperResults`; and
:func:`run_paper`, which runs the experiment and writes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.experiments.paper.figures import (
    _derivative_data,
    _fig_band,
    _fig_depth_epochs,
    _fig_depth_init,
    _fig_depth_training,
    _fig_derivatives,
    _fig_digits,
    _fig_mode,
    _fig_seeds,
    _fig_sweep,
    _plain_log_ticks,
)
from glassnet.experiments.paper.findings import (
    _lr,
)
from glassnet.experiments.paper.measures import (
    _nanmedian,
    _ratio,
)
from glassnet.experiments.paper.results import (
    PaperResults,
)
from glassnet.experiments.paper.sections import (
    n_steps,
    run,
)
from glassnet.experiments.paper.settings import (
    ACTS,
    DEPTH_ACTS,
    PAPER_LR,
    PAPER_SLOPE_TOL,
    PAPER_WINDOW,
    PaperConfig,
    Progress,
    make_config,
)
from glassnet.report import Report, check_out_dir


def _sweep_table(per_act: dict) -> list[dict]:
    rows = []
    for act in ACTS:
        for r in per_act[act]["rows"]:
            rows.append(
                {
                    "activation": act,
                    "lr": r["lr"],
                    "median epochs (95% CI)": str(r["median"]),
                    "converged": str(r["converged"]),
                    "diverged or oscillating": f"{r['unstable'].value:.0%}",
                    "stuck": f"{r['stuck'].value:.0%}",
                    "overshoot": f"{r['overshoot'].value:.0%}",
                }
            )
    return rows


def _sweep_runs(per_act: dict, grid: Sequence[float], n_seeds: int) -> dict[str, list]:
    cols: dict[str, list] = {
        k: []
        for k in ("activation", "lr", "seed", "threshold_epoch", "outcome", "overshoot", "final")
    }
    for act in ACTS:
        a = per_act[act]
        for g, lr in enumerate(grid):
            for s in range(n_seeds):
                oc = a["outcome"]
                name = next(
                    k for k in ("converged", "diverged", "oscillating", "stuck") if oc[k][g, s]
                )
                cols["activation"].append(act)
                cols["lr"].append(float(lr))
                cols["seed"].append(s)
                cols["threshold_epoch"].append(int(a["epochs"][g, s]))
                cols["outcome"].append(name)
                cols["overshoot"].append(bool(oc["overshoot"][g, s]))
                cols["final"].append(float(a["final"][g, s]))
    cols["final_loss"] = cols.pop("final")
    return cols


def _sweep_summary(per_act: dict) -> dict[str, list]:
    cols: dict[str, list] = {
        k: []
        for k in (
            "activation",
            "lr",
            "n",
            "converged",
            "converged_lo",
            "converged_hi",
            "median_epochs",
            "median_lo",
            "median_hi",
            "diverged",
            "oscillating",
            "stuck",
            "overshoot",
        )
    }
    for act in ACTS:
        for r in per_act[act]["rows"]:
            cols["activation"].append(act)
            cols["lr"].append(r["lr"])
            cols["n"].append(r["n"])
            cols["converged"].append(r["converged"].value)
            cols["converged_lo"].append(r["converged"].lo)
            cols["converged_hi"].append(r["converged"].hi)
            cols["median_epochs"].append(r["median"].value)
            cols["median_lo"].append(r["median"].lo)
            cols["median_hi"].append(r["median"].hi)
            cols["diverged"].append(r["diverged"].value)
            cols["oscillating"].append(r["oscillating"].value)
            cols["stuck"].append(r["stuck"].value)
            cols["overshoot"].append(r["overshoot"].value)
    return cols


def _add_fig(sec: Any, name: str, fig: Any, caption: str) -> None:
    _plain_log_ticks(fig)
    sec.figure(name, fig, caption)


def rerun_command(cfg: PaperConfig, out: str) -> str:
    """The command that reproduces a report with these settings.

    Parameters
    ----------
    cfg : PaperConfig
    out : str

    Returns
    -------
    str
    """
    import shlex

    grid = ",".join(repr(float(v)) for v in cfg.lr_grid)
    parts = [
        "glassnet",
        "paper",
        "--out",
        out,
        "--seeds",
        str(cfg.seeds),
        "--epochs",
        str(cfg.epochs),
        "--lr-grid",
        grid,
        "--threshold",
        repr(float(cfg.threshold)),
    ]
    if cfg.quick:
        parts.append("--quick")
    if cfg.evolution:
        parts.append("--evolution")
    if cfg.backend != "numpy":
        parts += ["--backend", cfg.backend]
    return shlex.join(parts)


@dataclass(frozen=True)
class Made:
    """How a report was made, for its header and its last section.

    Attributes
    ----------
    command : str or None
        The command line as typed.
    canonical : str
        The command that reproduces the report (:func:`rerun_command`).
    """

    command: str | None
    canonical: str


@dataclass(frozen=True)
class ReportSection:
    """One section of the page and the function that writes it.

    Attributes
    ----------
    name : str
        The :class:`PaperResults` attribute it reports: a :class:`Section`'s ``field`` for the
        computed sections, ``"findings"``, ``"evolution"``; or ``"rerun"``.
    write : callable
        ``write(rep, res, made)``: adds the section, its figures, tables and data files to
        ``rep`` (nothing when its results are absent).
    """

    name: str
    write: Callable[[Report, PaperResults, Made], None]


def build_report(res: PaperResults, command: str | None = None, out: str = "report") -> Report:
    """Turn the results into a :class:`~glassnet.report.Report` (figures, tables, data).

    The page holds one section per entry of :data:`REPORT_SECTIONS`, in its order.

    Parameters
    ----------
    res : PaperResults
    command : str, optional
        The command line as typed (shown next to the canonical rerun command).
    out : str
        The output directory named in the rerun command.

    Returns
    -------
    Report
    """
    cfg = res.config
    made = Made(command, rerun_command(cfg, out))
    rep = Report(
        "The paper, reproduced and tested: sigmoid vs tanh",
        subtitle=(
            "Does tanh really converge faster than sigmoid? The paper's 3-2-1 experiment, first "
            "as its code actually ran, then with exact gradient descent over many seeds, "
            "learning rates, tasks and depths."
        ),
        meta={
            "glassnet version": res.version,
            "command": command or made.canonical,
            "rerun exactly": made.canonical,
            "seeds (section 2)": cfg.seeds,
            "epochs (sections 2-5)": cfg.epochs,
            "learning-rate grid": ", ".join(f"{v:g}" for v in cfg.lr_grid),
            "convergence threshold (MSE)": cfg.threshold,
            "quick": cfg.quick,
            "with selection (--evolution)": cfg.evolution,
        },
    )
    for section in REPORT_SECTIONS:
        section.write(rep, res, made)
    return rep


def _findings_section(rep: Report, res: PaperResults, made: Made) -> None:
    # findings first: what a reader wants
    sec = rep.section("Findings", "findings")
    sec.text(
        "Each finding below is generated from this run's numbers; medians carry 95% bootstrap "
        "confidence intervals, fractions 95% Wilson intervals. 'never' means more than half "
        "of the runs did not converge within the epochs given (such runs count as not "
        "converged, not as missing). The verdict column compares with the paper's conclusion."
    )
    sec.table(
        [
            {"finding": f["claim"], "paper said": f["paper"], "verdict": f["verdict"]}
            for f in res.findings
        ]
    )
    rep.add_data("summary.json", res.summary)


def _reproduction_section(rep: Report, res: PaperResults, made: Made) -> None:
    s1 = res.seed1
    sec = rep.section("1. The paper, reproduced (seed 1)", "reproduction")
    sec.text(
        'The paper\'s protocol (docs/paper.md, "The experiment"): the four cases, a 3-2-1 network with one scalar bias per layer, '
        "initial values from `np.random.RandomState(1)`, full batch, learning rate 0.5, 100 "
        "epochs; with tanh the output is (tanh(z)+1)/2. The loss is the mean over the four cases "
        "of (y - output)^2 from each epoch's forward pass, before its step.",
        "**original**: the update rules the paper's code actually ran (derivative taken at the "
        "layer output, the tanh derivative's sign flipped, the missing 1/2 of the (tanh+1)/2 "
        "output, summed weight steps with averaged bias steps, eta applied in both deltas). "
        "**corrected**: exact gradient descent on the summed squared error with the glassnet "
        "engine, from the same initial values "
        f"(identical: {all(s1['same_init'].values())}).",
    )
    _add_fig(
        sec,
        "original_loss",
        _fig_mode(s1["original"], "original"),
        "Loss per epoch as the paper's code computed it (seed 1): sigmoid, tanh, both.",
    )
    _add_fig(
        sec,
        "corrected_loss",
        _fig_mode(s1["corrected"], "corrected"),
        "Loss per epoch with exact gradient descent (seed 1): sigmoid, tanh, both.",
    )
    deriv = _derivative_data()
    _add_fig(
        sec,
        "derivatives",
        _fig_derivatives(deriv),
        "sigmoid'(x) and tanh'(x) on [-10, 10]: tanh's slope peaks at 1, sigmoid's at 1/4.",
    )
    rows = []
    for mode in ("original", "corrected"):
        for act in ACTS:
            c = s1[mode][act]
            rows.append(
                {
                    "mode": mode,
                    "activation": act,
                    "loss at epoch 0": float(c[0]),
                    "epoch 10": float(c[10]),
                    "epoch 50": float(c[50]),
                    "epoch 99": float(c[-1]),
                }
            )
    sec.table(rows, caption="Seed-1 losses (mean squared error)")
    sec.table(
        [
            {
                "activation": act,
                "max relative error": v["max_rel_error"],
                "passed": v["passed"],
                "summary": v["summary"].splitlines()[0] if v["summary"] else "",
            }
            for act, v in s1["gradient_check"].items()
        ],
        caption="Gradient check of the corrected networks at initialization (sse loss)",
        digits=3,
    )
    cols: dict[str, list] = {"mode": [], "activation": [], "epoch": [], "loss": []}
    for mode in ("original", "corrected"):
        for act in ACTS:
            for e, v in enumerate(s1[mode][act]):
                cols["mode"].append(mode)
                cols["activation"].append(act)
                cols["epoch"].append(e)
                cols["loss"].append(float(v))
    rep.add_data("paper_curves.csv", cols)
    rep.add_data("derivatives.csv", deriv)


def _seeds_section(rep: Report, res: PaperResults, made: Made) -> None:
    cfg = res.config
    sd = res.seeds
    sec = rep.section("2. Beyond one seed", "seeds")
    sec.text(
        f"The corrected protocol for seeds 0 to {cfg.seeds - 1}, each activation trained as one "
        f"population of {cfg.seeds} networks, {cfg.epochs} epochs at lr {PAPER_LR}. Converged: "
        f"the first epoch with loss < {cfg.threshold:g}; by the paper's definition: the loss "
        f"below {cfg.threshold:g} and its slope over {PAPER_WINDOW} epochs below "
        f"{PAPER_SLOPE_TOL:g} per epoch."
    )
    _add_fig(
        sec,
        "seeds_epochs",
        _fig_seeds(sd, cfg),
        "Epochs to converge over seeds: histogram (threshold), and the fraction of seeds "
        "converged by each epoch for both definitions.",
    )
    _add_fig(
        sec,
        "seeds_mean_loss",
        _fig_band(sd, cfg),
        "Mean loss over seeds with its 95% confidence band.",
    )
    tab = []
    for act in ACTS:
        a = sd["per_act"][act]
        tab.append(
            {
                "activation": act,
                "converged (threshold)": str(a["converged"]),
                "median epochs (threshold)": str(a["median"]),
                "converged (paper)": str(a["paper_converged"]),
                "median epochs (paper)": str(a["paper_median"]),
            }
        )
    sec.table(tab, caption=f"{cfg.seeds} seeds at lr {PAPER_LR}")
    sec.text(
        f"Mann-Whitney U, tanh vs sigmoid epochs (threshold): {sd['mw_threshold']}, "
        f"P(tanh faster) = {sd['mw_threshold'].effect:.2f}. Paper's definition: "
        f"{sd['mw_paper']}, P(tanh faster) = {sd['mw_paper'].effect:.2f}."
    )
    cols: dict[str, list] = {
        k: []
        for k in ("activation", "seed", "threshold_epoch", "paper_epoch", "final_loss", "diverged")
    }
    for act in ACTS:
        a = sd["per_act"][act]
        for i, seed in enumerate(sd["seeds"]):
            cols["activation"].append(act)
            cols["seed"].append(seed)
            cols["threshold_epoch"].append(int(a["threshold_epoch"][i]))
            cols["paper_epoch"].append(int(a["paper_epoch"][i]))
            cols["final_loss"].append(float(a["mse"][i, -1]))
            cols["diverged"].append(bool(a["diverged"][i]))
    rep.add_data("seeds_epochs.csv", cols)
    cols = {k: [] for k in ("activation", "epoch", "mean", "lo", "hi", "n")}
    for act in ACTS:
        b = sd["per_act"][act]["band"]
        for e in range(len(b.mean)):
            cols["activation"].append(act)
            cols["epoch"].append(e)
            cols["mean"].append(float(b.mean[e]))
            cols["lo"].append(float(b.lo[e]))
            cols["hi"].append(float(b.hi[e]))
            cols["n"].append(int(b.n[e]))
    rep.add_data("seeds_mean_curve.csv", cols)


def _learning_rates_section(rep: Report, res: PaperResults, made: Made) -> None:
    cfg = res.config
    sw = res.sweep
    sec = rep.section("3. Is tanh faster at every learning rate?", "learning-rates")
    sec.text(
        "tanh' peaks at 1 and sigmoid' at 1/4, so at the same learning rate tanh takes larger "
        "steps: the paper's comparison mixes activation with step size. Here each activation "
        f"runs every rate of the grid with {cfg.sweep_seeds} seeds (one population per "
        "activation, a learning rate per member). A run *overshoots* if its loss ever rises "
        "from one epoch to the next; it *oscillates* if it did not converge and its loss rose "
        "in at least 20% of the last quarter's epochs; *diverged* means the loss became "
        "infinite or NaN; *stuck* is every other run that did not converge (typically saturated "
        "units, the loss flat far from 0). The largest stable rate is estimated at initialization as "
        "2/lambda_max, lambda_max the largest eigenvalue of the Hessian of the summed squared "
        f"error, by {cfg.power_iters} power-iteration steps on Hessian-vector products from "
        "central finite differences of gradients (a local, quadratic estimate)."
    )
    _add_fig(
        sec,
        "lr_sweep",
        _fig_sweep(sw["per_act"], sw["grid"], cfg, "paper's data, 3-2-1"),
        "Median epochs to converge (95% CI) and outcome fractions against the learning rate. "
        "Dotted lines: where overshooting starts (half of the runs); dash-dot: median "
        "estimated 2/lambda_max.",
    )
    sec.table(_sweep_table(sw["per_act"]), caption="Learning-rate sweep")
    best = []
    for act in ACTS:
        a = sw["per_act"][act]
        r = a["rows"][a["best_index"]]
        best.append(
            {
                "activation": act,
                "best lr": a["best_lr"] if a["best_lr"] is not None else "none",
                "median epochs at best (95% CI)": str(r["median"]),
                "converged at best": str(r["converged"]),
                "overshoot starts at lr": _lr(a["overshoot_lr"]),
                "2/lambda_max at init (median, 95% CI)": str(a["stable_lr_median"]),
            }
        )
    sec.table(best, caption="Each activation at its own best learning rate")
    if sw["mw_best"] is not None:
        sec.text(f"tanh vs sigmoid at their best rates: {sw['mw_best']}.")
    sec.table(
        [
            {
                "lr": r["lr"],
                "faster (p < 0.05)": r["faster"],
                "P(tanh faster)": r["test"].effect,
                "Mann-Whitney": str(r["test"]),
            }
            for r in sw["per_lr"]
        ],
        caption="tanh vs sigmoid at equal learning rates (epochs to converge; never = slowest)",
        digits=3,
    )
    rep.add_data("lr_sweep.csv", _sweep_summary(sw["per_act"]))
    rep.add_data("lr_sweep_runs.csv", _sweep_runs(sw["per_act"], sw["grid"], cfg.sweep_seeds))
    cols: dict[str, list] = {k: [] for k in ("activation", "seed", "lambda_max", "stable_lr")}
    for act in ACTS:
        a = sw["per_act"][act]
        for s in range(cfg.sweep_seeds):
            cols["activation"].append(act)
            cols["seed"].append(s)
            cols["lambda_max"].append(float(a["lambda_max"][s]))
            cols["stable_lr"].append(float(a["stable_lr"][s]))
    rep.add_data("stable_lr.csv", cols)


def _tasks_section(rep: Report, res: PaperResults, made: Made) -> None:
    cfg = res.config
    tk = res.tasks
    sec = rep.section("4. Where the hidden layer matters", "tasks")
    sec.text(
        "On the paper's data the target equals the first input column, so a single unit would "
        "do. XOR needs the hidden layer: a 2-2-1 network (one bias per unit, since the paper's "
        "single bias per layer makes XOR very hard to fit; 'paper' initialization), the same "
        f"learning-rate grid, {cfg.xor_seeds} seeds per rate, {cfg.epochs} epochs."
    )
    _add_fig(
        sec,
        "xor_sweep",
        _fig_sweep(tk["xor"]["per_act"], tk["xor"]["grid"], cfg, "XOR, 2-2-1"),
        "XOR: median epochs to converge and outcome fractions against the learning rate.",
    )
    sec.table(_sweep_table(tk["xor"]["per_act"]), caption="XOR sweep")
    dg = tk["digits"]
    sec.text(
        f"Digits, three vs not three: {dg['sizes'][0]}-{dg['sizes'][1]}-1 network (one bias per "
        f"unit, Xavier initialization), mean squared error, full-batch gradient descent for "
        f"{cfg.digits_epochs} epochs, {dg['n_train']} training and {dg['n_test']} test images "
        f"(stratified split, seed 0), {cfg.digits_seeds} seed(s) per learning rate. Always "
        f"answering 'not three' scores {dg['baseline_accuracy']:.3f}, so accuracy alone flatters; "
        "the recall of threes is shown too."
    )
    _add_fig(
        sec,
        "digits",
        _fig_digits(dg),
        "Digits: test accuracy against the learning rate (median and range over seeds) and the "
        "training loss at each activation's best rate.",
    )
    drows = []
    for act in ACTS:
        for i, lr in enumerate(dg["lrs"]):
            drows.append(
                {
                    "activation": act,
                    "lr": lr,
                    "test accuracy (median)": float(np.median(dg["per_act"][act]["accuracy"][i])),
                    "recall of threes (median)": float(np.median(dg["per_act"][act]["recall"][i])),
                    "final training loss (median)": float(
                        np.median(dg["per_act"][act]["train_loss"][i, :, -1])
                    ),
                }
            )
    sec.table(drows, caption="Digits, three vs not three", digits=3)
    rep.add_data("xor_sweep.csv", _sweep_summary(tk["xor"]["per_act"]))
    rep.add_data(
        "xor_runs.csv", _sweep_runs(tk["xor"]["per_act"], tk["xor"]["grid"], cfg.xor_seeds)
    )
    cols: dict[str, list] = {
        k: []
        for k in ("activation", "lr", "seed", "test_accuracy", "three_recall", "final_train_loss")
    }
    for act in ACTS:
        a = dg["per_act"][act]
        for i, lr in enumerate(dg["lrs"]):
            for s in range(cfg.digits_seeds):
                cols["activation"].append(act)
                cols["lr"].append(float(lr))
                cols["seed"].append(s)
                cols["test_accuracy"].append(float(a["accuracy"][i, s]))
                cols["three_recall"].append(float(a["recall"][i, s]))
                cols["final_train_loss"].append(float(a["train_loss"][i, s, -1]))
    rep.add_data("digits.csv", cols)


def _depth_section(rep: Report, res: PaperResults, made: Made) -> None:
    cfg = res.config
    dd = res.depth
    sec = rep.section("5. Vanishing gradients", "depth")
    sec.text(
        f"The paper's data and protocol (per-layer bias, paper initialization, lr {PAPER_LR}, "
        f"summed squared error) with 1 to {max(dd['depths'])} hidden layers of "
        f"{dd['width']} units, {cfg.depth_seeds} seeds each, for sigmoid, tanh and relu (relu "
        "networks get a sigmoid output). ||dC/dW|| is the Frobenius norm of each layer's weight "
        "gradient, recorded every epoch."
    )
    _add_fig(
        sec,
        "depth_grad_init",
        _fig_depth_init(dd),
        "Per-layer gradient norm at initialization, one line per depth (median over seeds; "
        "a median of 0, a dead ReLU layer, cannot be drawn on the log scale).",
    )
    _add_fig(
        sec,
        "depth_grad_training",
        _fig_depth_training(dd),
        f"Per-layer gradient norm during training of the deepest networks "
        f"({max(dd['depths'])} hidden layers), one line per layer (median over seeds).",
    )
    _add_fig(
        sec,
        "depth_epochs",
        _fig_depth_epochs(dd, cfg),
        "Epochs to converge (median, 95% CI) and fraction converged against depth.",
    )
    trows = []
    for act in DEPTH_ACTS:
        for d in dd["depths"]:
            a = dd["per_act"][act][d]
            trows.append(
                {
                    "activation": act,
                    "hidden layers": d,
                    "converged": str(a["converged"]),
                    "median epochs (95% CI)": str(a["median"]),
                    "first/last layer grad norm at init": float(
                        _nanmedian(_ratio(a["grad_init"][:, 0], a["grad_init"][:, -1]))
                    ),
                }
            )
    sec.table(trows, caption="Depth sweep", digits=3)
    runs: dict[str, list] = {
        k: [] for k in ("activation", "depth", "seed", "threshold_epoch", "diverged", "final_loss")
    }
    init: dict[str, list] = {k: [] for k in ("activation", "depth", "seed", "layer", "grad_norm")}
    for act in DEPTH_ACTS:
        for d in dd["depths"]:
            a = dd["per_act"][act][d]
            for s in range(cfg.depth_seeds):
                runs["activation"].append(act)
                runs["depth"].append(d)
                runs["seed"].append(s)
                runs["threshold_epoch"].append(int(a["epochs"][s]))
                runs["diverged"].append(bool(a["diverged"][s]))
                runs["final_loss"].append(float(a["final"][s]))
                for layer in range(a["grad_init"].shape[1]):
                    init["activation"].append(act)
                    init["depth"].append(d)
                    init["seed"].append(s)
                    init["layer"].append(layer + 1)
                    init["grad_norm"].append(float(a["grad_init"][s, layer]))
    rep.add_data("depth_runs.csv", runs)
    rep.add_data("depth_grad_norm_init.csv", init)
    D = max(dd["depths"])
    tr: dict[str, list] = {
        k: [] for k in ("activation", "depth", "epoch", "layer", "median_grad_norm")
    }
    for act in DEPTH_ACTS:
        a = dd["per_act"][act][D]
        for i, e in enumerate(a["stats_epochs"]):
            for layer in range(a["grad_median"].shape[1]):
                tr["activation"].append(act)
                tr["depth"].append(D)
                tr["epoch"].append(int(e))
                tr["layer"].append(layer + 1)
                tr["median_grad_norm"].append(float(a["grad_median"][i, layer]))
    rep.add_data("depth_grad_norm_training.csv", tr)


def _evolution_section(rep: Report, res: PaperResults, made: Made) -> None:
    # only with --evolution; the evolution experiment writes its own figures and data files
    if res.evolution is None:
        return
    from glassnet.experiments import evolution

    evolution.add_section(
        rep, res.evolution, title="6. Gradient descent against selection", anchor="evolution"
    )


def _rerun_section(rep: Report, res: PaperResults, made: Made) -> None:
    sec = rep.section("How this report was made", "rerun")
    sec.text(
        f"glassnet {res.version}. Rerun with the command below; the same arguments give the same "
        "numbers and the same files under data/ (every random draw is seeded)."
    )
    sec.code(made.canonical)
    if made.command and made.command != made.canonical:
        sec.text("As typed:")
        sec.code(made.command)
    sec.text(
        "Data files hold the numbers behind every figure and table; losses are mean squared "
        "errors over the training cases; an epoch of -1 means 'never within the epochs given'."
    )


#: The page's sections in order: each computed :class:`Section` of :data:`SECTIONS` (by its
#: ``field``, in the same order), after the findings, before the optional evolution section and
#: how the report was made. A new section is one entry here and one in :data:`SECTIONS`.
REPORT_SECTIONS: tuple[ReportSection, ...] = (
    ReportSection("findings", _findings_section),
    ReportSection("seed1", _reproduction_section),
    ReportSection("seeds", _seeds_section),
    ReportSection("sweep", _learning_rates_section),
    ReportSection("tasks", _tasks_section),
    ReportSection("depth", _depth_section),
    ReportSection("evolution", _evolution_section),
    ReportSection("rerun", _rerun_section),
)


def run_paper(
    out: str | os.PathLike[str] = "report",
    config: PaperConfig | None = None,
    progress: Progress | None = None,
    command: str | None = None,
) -> tuple[PaperResults, Any]:
    """Run the experiment and write the report directory (atomically).

    Parameters
    ----------
    out : path
        Report directory (checked before the computation starts).
    config : PaperConfig, optional
    progress : callable, optional
        ``progress(stage, done, total)`` as each step starts (see :func:`run`), and once more
        with ``done == total`` when the report is written.
    command : str, optional
        The command line as typed, shown in the report.

    Returns
    -------
    (PaperResults, Path)
    """
    check_out_dir(out)
    cfg = config or make_config()
    total = n_steps(cfg)

    def prog(stage: str, done: int, _total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    res = run(cfg, prog)
    prog("drawing figures", total - 2, total)
    rep = build_report(res, command=command, out=str(out))
    prog("writing the report", total - 1, total)
    path = rep.write(out)
    prog("written", total, total)
    return res, path
