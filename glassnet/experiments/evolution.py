r"""Two ways of learning, compared: gradient descent against selection.

The paper first pictures learning as "many versions, the best survive", then explains gradient
descent. This experiment runs both on the same networks and data, over many seeds:

* **gradient descent** (:func:`glassnet.training.fit`): one network, full batch, the paper's
  step (summed squared error, learning rate 0.5), for ``gd_epochs`` epochs; each epoch costs one
  loss evaluation (a forward pass over the training set) and one gradient (a backward pass).
* **selection** (:func:`glassnet.evolution.fit_evolution`): a population of ``population``
  networks of the same architecture and initialization; each generation evaluates every member
  (``population`` loss evaluations, no gradient), keeps the best ``survivors`` and refills the
  rest with mutated copies, for ``generations`` generations.

on the paper's data (3-2-1, one bias per layer) and on XOR (2-2-1, one bias per unit), with the
paper's two activations (sigmoid; tanh with the output mapped onto (0, 1) as (tanh + 1)/2) and
its initialization. A run *succeeds* when its loss -- the mean over the training cases of
``(y - output)^2``, the best member's for selection -- falls below ``threshold``. For each
trainer the experiment reports the success rate, the loss evaluations and the wall time until
success (each run timed on its own, one run at a time), and the loss curves against loss
evaluations, superimposed.

:func:`run` computes the numbers (:class:`EvolutionResults`), :func:`add_section` writes them as a
section of a :class:`glassnet.report.Report` (the ``glassnet paper`` report, or any other), and
:func:`write_report` makes a stand-alone report. The library never prints: progress goes through
an optional callback ``progress(stage, done, total)``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import stats
from glassnet._validation import positive_float, positive_int
from glassnet.evolution import ADAPT_MODES, CROSSOVER_MODES, fit_evolution
from glassnet.experiments.original import ACTIVATIONS
from glassnet.training import Callback

__all__ = [
    "DATASETS",
    "EvolutionConfig",
    "EvolutionResults",
    "add_section",
    "figure_curves",
    "figure_time",
    "make_config",
    "run",
    "stage_count",
    "write_report",
]

#: dataset -> (layer sizes, bias mode), as in the paper report
DATASETS: dict[str, tuple[tuple[int, ...], str]] = {
    "paper": ((3, 2, 1), "layer"),
    "xor": ((2, 2, 1), "neuron"),
}
OUTPUT = {"sigmoid": "sigmoid", "tanh": "tanh01"}
TRAINERS = ("gd", "evolution")
TRAINER_LABEL = {"gd": "gradient descent", "evolution": "selection"}
COLORS = {"sigmoid": "#1f77b4", "tanh": "#d62728"}
STYLES = {"gd": "-", "evolution": "--"}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class EvolutionConfig:
    """Every setting of the comparison (all reported; equal settings give equal numbers).

    Attributes
    ----------
    seeds : int
        Runs per dataset, activation and trainer.
    datasets : tuple of str
        Keys of :data:`DATASETS`.
    activations : tuple of str
    threshold : float
        Success: mean squared error below this.
    gd_lr : float
        Learning rate of gradient descent on the summed squared error (the paper's 0.5).
    gd_epochs : int
        Budget of gradient descent.
    population, survivors, generations : int
        Selection: networks per generation, kept per generation, budget.
    mutation_scale, decay : float
        ``sigma_0`` and its per-generation factor (``adapt="decay"``).
    adapt : str
    crossover : str or None
    quick : bool
        Whether the small version was asked for.
    """

    seeds: int = 50
    datasets: tuple[str, ...] = ("paper", "xor")
    activations: tuple[str, ...] = ACTIVATIONS
    threshold: float = 0.01
    gd_lr: float = 0.5
    gd_epochs: int = 2000
    population: int = 100
    survivors: int = 20
    generations: int = 300
    mutation_scale: float = 2.0
    adapt: str = "decay"
    decay: float = 0.99
    crossover: str | None = None
    quick: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def make_config(
    seeds: int | None = None,
    threshold: float | None = None,
    quick: bool = False,
    **overrides: Any,
) -> EvolutionConfig:
    """Build and validate the settings; ``quick`` shrinks the defaults.

    Parameters
    ----------
    seeds : int, optional
        Runs per dataset, activation and trainer (default 50; quick 10).
    threshold : float, optional
        Success threshold on the mean squared error (default 0.01).
    quick : bool
        Fewer seeds and smaller budgets (gradient descent 1000 epochs, selection 150
        generations).
    **overrides
        Any other field of :class:`EvolutionConfig`.

    Returns
    -------
    EvolutionConfig

    Raises
    ------
    ValueError
        Naming the first bad setting.
    """
    base = EvolutionConfig()
    fields = dict(base.__dict__)
    unknown = sorted(set(overrides) - set(fields) - {"seeds", "threshold", "quick"})
    if unknown:
        raise ValueError(
            f"{unknown[0]}: not a setting of the evolution experiment; expected one of "
            f"{', '.join(sorted(fields))}"
        )
    if quick:
        fields.update(seeds=10, gd_epochs=1000, generations=150)
    fields.update(overrides)
    if seeds is not None:
        fields["seeds"] = seeds
    if threshold is not None:
        fields["threshold"] = threshold
    fields["quick"] = bool(quick)
    fields["seeds"] = positive_int(fields["seeds"], "seeds")
    fields["threshold"] = positive_float(fields["threshold"], "threshold")
    fields["gd_lr"] = positive_float(fields["gd_lr"], "gd_lr")
    for name in ("gd_epochs", "generations"):
        fields[name] = positive_int(fields[name], name)
    fields["population"] = positive_int(fields["population"], "population", minimum=2)
    fields["survivors"] = positive_int(fields["survivors"], "survivors")
    if fields["survivors"] >= fields["population"]:
        raise ValueError(
            f"survivors: expected fewer than the population ({fields['population']}), "
            f"got {fields['survivors']}"
        )
    fields["mutation_scale"] = positive_float(fields["mutation_scale"], "mutation_scale")
    fields["decay"] = positive_float(fields["decay"], "decay")
    if fields["adapt"] not in ADAPT_MODES:
        raise ValueError(
            f"adapt: expected one of {', '.join(ADAPT_MODES)}, got {fields['adapt']!r}"
        )
    if fields["crossover"] is not None and fields["crossover"] not in CROSSOVER_MODES:
        raise ValueError(
            f"crossover: expected one of {', '.join(CROSSOVER_MODES)} or None, "
            f"got {fields['crossover']!r}"
        )
    for name, allowed in (("datasets", DATASETS), ("activations", ACTIVATIONS)):
        values = fields[name]
        values = (values,) if isinstance(values, str) else tuple(values)
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise ValueError(f"{name}: expected some of {', '.join(allowed)}, got {list(values)}")
        fields[name] = values
    return EvolutionConfig(**fields)


@dataclass
class EvolutionResults:
    """What :func:`run` computed (numbers only; figures are made by :func:`add_section`).

    Attributes
    ----------
    config : EvolutionConfig
    runs : dict
        ``runs[dataset][activation][trainer]`` is a dict of per-run arrays (one entry per seed):
        ``converged`` (bool), ``evaluations`` (loss evaluations until success, ``-1`` never),
        ``gradients`` (gradient evaluations until success: epochs for gradient descent, 0 for
        selection, ``-1`` never), ``seconds`` (wall time until success, ``nan`` never),
        ``total_seconds`` (the whole budget), ``step_seconds`` (the run's median time per epoch
        or generation, robust to the machine's other work), ``steady_seconds`` (epochs or
        generations until success times ``step_seconds``: the wall time on an otherwise idle
        machine, ``nan`` never), ``paper_converged`` (the paper's definition),
        ``final_loss``, ``max_weight`` (the largest ``|w|`` of the final network, the best
        member for selection); plus ``x`` (loss evaluations at each recorded step, shape ``(T,)``) and
        ``curves`` (mean squared error per step, shape ``(seeds, T)``).
    summary : list of dict
        One row per dataset, activation and trainer (what the report's table shows).
    load_average : tuple of float
        The machine's 1-minute load average before and after the runs (empty where the system
        does not tell): wall times from a busy machine are longer and noisier.
    """

    config: EvolutionConfig
    runs: dict = field(default_factory=dict)
    summary: list = field(default_factory=list)
    load_average: tuple = ()


class _Clock(Callback):
    """Records the wall time at the end of every epoch / generation."""

    def on_train_begin(self, net: Any, history: Any) -> None:
        self.times: list[float] = []
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, history: Any, net: Any) -> bool:
        self.times.append(time.perf_counter())
        return False

    def seconds(self) -> np.ndarray:
        return np.asarray(self.times) - self.start


def _net(dataset: str, activation: str, seed: Any) -> gn.Network:
    sizes, bias = DATASETS[dataset]
    return gn.Network(
        list(sizes),
        activation=activation,
        output=OUTPUT[activation],
        bias=bias,
        init="paper",
        seed=seed,
    )


def _one_run(cfg: EvolutionConfig, dataset: str, activation: str, trainer: str, s: int) -> dict:
    X, y = gn.datasets.load(dataset)
    n = X.shape[0]
    clock = _Clock()
    if trainer == "gd":
        net = _net(dataset, activation, s)
        h = net.fit(
            X,
            y,
            loss="sse",
            optimizer="gd",
            lr=cfg.gd_lr,
            epochs=cfg.gd_epochs,
            stats_every=0,
            callbacks=[clock],
        )
        per_step = 1  # one loss evaluation (and one gradient) per epoch
    else:
        P = cfg.population
        net = _net(dataset, activation, list(range(s * P, (s + 1) * P)))
        h = fit_evolution(
            net,
            X,
            y,
            loss="sse",
            generations=cfg.generations,
            survivors=cfg.survivors,
            mutation_scale=cfg.mutation_scale,
            adapt=cfg.adapt,
            decay=cfg.decay,
            crossover=cfg.crossover,
            seed=s,
            callbacks=[clock],
        )
        per_step = P
    final = net.member(0) if trainer == "evolution" else net  # selection's answer: its best
    mse = np.asarray(h.loss, dtype=float) / n  # the summed error over the cases -> their mean
    t = clock.seconds()
    e = int(gn.convergence.threshold_epoch(mse, cfg.threshold))
    pe = int(gn.convergence.paper_epoch(mse, tol=cfg.threshold))
    step = float(np.median(np.diff(t, prepend=0.0))) if t.size else float("nan")
    return {
        "curve": mse,
        "converged": e >= 0,
        "evaluations": per_step * (e + 1) if e >= 0 else -1,
        "gradients": (e + 1 if trainer == "gd" else 0) if e >= 0 else -1,
        "seconds": float(t[e]) if e >= 0 else float("nan"),
        "total_seconds": float(t[-1]) if t.size else float("nan"),
        "step_seconds": step,
        "steady_seconds": (e + 1) * step if e >= 0 else float("nan"),
        "paper_converged": pe >= 0,
        "final_loss": float(mse[-1]),
        "max_weight": max(float(np.abs(layer["W"]).max()) for layer in final.params),
    }


def _warm_up(cfg: EvolutionConfig) -> None:
    """One short untimed run of each trainer, so that no timed run pays for first calls."""
    short = EvolutionConfig(**{**cfg.__dict__, "gd_epochs": 20, "generations": 5})
    for trainer in TRAINERS:
        _one_run(short, cfg.datasets[0], cfg.activations[0], trainer, 0)


def _pad(curves: list[np.ndarray], T: int) -> np.ndarray:
    out = np.full((len(curves), T), np.nan)
    for i, c in enumerate(curves):
        out[i, : len(c)] = c
    return out


def _inf(a: np.ndarray, never: Any) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return (
        np.where(a == never, np.inf, a) if never is not None else np.where(np.isnan(a), np.inf, a)
    )


def run(
    config: EvolutionConfig | None = None, progress: Progress | None = None
) -> EvolutionResults:
    """Run the comparison.

    Parameters
    ----------
    config : EvolutionConfig, optional
        Default: :func:`make_config` ().
    progress : callable, optional
        ``progress(stage, done, total)`` after each (dataset, activation); ``total`` is
        :func:`stage_count` ``(config)``.

    Returns
    -------
    EvolutionResults

    Notes
    -----
    The two trainers run alternately, seed by seed (gradient descent, then selection, then the
    next seed), so that whatever else the machine is doing slows both alike.
    """
    cfg = config or make_config()
    res = EvolutionResults(cfg)
    total = stage_count(cfg)
    done = 0
    load = [_load()]
    _warm_up(cfg)
    for ds in cfg.datasets:
        res.runs[ds] = {}
        for act in cfg.activations:
            res.runs[ds][act] = {}
            runs: dict[str, list[dict]] = {t: [] for t in TRAINERS}
            for s in range(cfg.seeds):
                for trainer in TRAINERS:
                    runs[trainer].append(_one_run(cfg, ds, act, trainer, s))
            for trainer in TRAINERS:
                T = cfg.gd_epochs if trainer == "gd" else cfg.generations
                per_step = 1 if trainer == "gd" else cfg.population
                done_runs = runs[trainer]
                r: dict[str, Any] = {
                    k: np.asarray([x[k] for x in done_runs]) for k in done_runs[0] if k != "curve"
                }
                r["curves"] = _pad([x["curve"] for x in done_runs], T)
                r["x"] = per_step * np.arange(1, T + 1)
                res.runs[ds][act][trainer] = r
                res.summary.append(_summary_row(cfg, ds, act, trainer, r))
            done += 1
            if progress is not None:
                progress(f"{ds}: {act}", done, total)
    load.append(_load())
    res.load_average = tuple(v for v in load if v is not None)
    return res


def _load() -> float | None:
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # pragma: no cover - not on every system
        return None


def stage_count(config: EvolutionConfig) -> int:
    """How many times :func:`run` calls its ``progress`` callback.

    Parameters
    ----------
    config : EvolutionConfig

    Returns
    -------
    int
    """
    return len(config.datasets) * len(config.activations)


def _summary_row(cfg: EvolutionConfig, ds: str, act: str, trainer: str, r: dict) -> dict:
    ok = r["converged"]
    ev = stats.median_ci(_inf(r["evaluations"], -1), seed=0)
    sec = stats.median_ci(_inf(r["seconds"], None), seed=0)
    steady = stats.median_ci(_inf(r["steady_seconds"], None), seed=0)
    budget = cfg.gd_epochs if trainer == "gd" else cfg.population * cfg.generations
    return {
        "dataset": ds,
        "activation": act,
        "trainer": TRAINER_LABEL[trainer],
        "budget (loss evaluations)": budget,
        "success": stats.proportion(ok),
        "success (paper's definition)": stats.proportion(r["paper_converged"]),
        "loss evaluations to success": ev,
        "wall time to success (ms)": stats.Estimate(
            sec.value * 1e3, sec.lo * 1e3, sec.hi * 1e3, sec.n, sec.level
        ),
        "steps x median step time (ms)": stats.Estimate(
            steady.value * 1e3, steady.lo * 1e3, steady.hi * 1e3, steady.n, steady.level
        ),
        "wall time of the whole budget (ms)": float(np.median(r["total_seconds"]) * 1e3),
        "time per epoch or generation (µs)": float(np.median(r["step_seconds"]) * 1e6),
        "largest |weight| at the end (median)": float(np.median(r["max_weight"])),
    }


# ----------------------------------------------------------------------------- report
def _plain_log_ticks(fig: Any) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() in ("log", "symlog"):
                axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())


def _quantiles(curves: np.ndarray, q: Sequence[float]) -> np.ndarray:
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(curves, q, axis=0)


def _dataset_panels(cfg: EvolutionConfig, height: float) -> tuple[Any, Any]:
    """A figure with one row of panels, one per data set."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6 * len(cfg.datasets), height), layout="constrained")
    return fig, fig.subplots(1, len(cfg.datasets), squeeze=False)[0]


def _finish_panels(fig: Any, axes: Any, cfg: EvolutionConfig) -> None:
    """Each panel's title, grid and legend, once everything is drawn; plain log ticks."""
    for ax, ds in zip(axes, cfg.datasets, strict=True):
        ax.set_title(f"{ds} data")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    _plain_log_ticks(fig)


def figure_curves(res: EvolutionResults) -> Any:
    """Loss against loss evaluations, both trainers superimposed (median and quartiles).

    Parameters
    ----------
    res : EvolutionResults

    Returns
    -------
    matplotlib.figure.Figure
    """
    cfg = res.config
    fig, axes = _dataset_panels(cfg, 3.6)
    for ax, ds in zip(axes, cfg.datasets, strict=True):
        top = cfg.threshold
        for act in cfg.activations:
            for trainer in TRAINERS:
                r = res.runs[ds][act][trainer]
                lo, med, hi = _quantiles(r["curves"], [0.25, 0.5, 0.75])
                if np.isfinite(hi).any():
                    top = max(top, float(np.nanmax(hi)))
                label = f"{TRAINER_LABEL[trainer]}, {act}"
                ax.plot(r["x"], med, STYLES[trainer], color=COLORS[act], label=label)
                ax.fill_between(r["x"], lo, hi, color=COLORS[act], alpha=0.12, lw=0)
        ax.axhline(cfg.threshold, color="k", ls=":", lw=1, label=f"threshold {cfg.threshold:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        # selection can drive the loss down to 1e-100 and beyond: show down to threshold / 1e4
        ax.set_ylim(cfg.threshold * 1e-4, top * 2)
        ax.set_xlabel("loss evaluations (forward passes of one network)")
        ax.set_ylabel("loss (mean squared error)")
    _finish_panels(fig, axes, cfg)
    return fig


def figure_time(res: EvolutionResults) -> Any:
    """Fraction of runs that succeeded against wall time, per trainer.

    Parameters
    ----------
    res : EvolutionResults

    Returns
    -------
    matplotlib.figure.Figure
    """
    cfg = res.config
    fig, axes = _dataset_panels(cfg, 3.4)
    every = [
        res.runs[d][a][t]["seconds"]
        for d in cfg.datasets
        for a in cfg.activations
        for t in TRAINERS
    ]
    finite = np.concatenate([s[np.isfinite(s)] for s in every]) * 1e3
    lo = max(float(finite.min()) * 0.8, 1e-3) if finite.size else 1e-2
    hi = float(finite.max()) * 1.25 if finite.size else 1.0
    grid = np.geomspace(lo, max(hi, lo * 10), 300)
    for ax, ds in zip(axes, cfg.datasets, strict=True):
        for act in cfg.activations:
            for trainer in TRAINERS:
                ms = np.sort(_inf(res.runs[ds][act][trainer]["seconds"], None)) * 1e3
                frac = np.searchsorted(ms, grid, side="right") / max(ms.size, 1)
                ax.step(
                    grid,
                    frac,
                    STYLES[trainer],
                    where="post",
                    color=COLORS[act],
                    label=f"{TRAINER_LABEL[trainer]}, {act}",
                )
        ax.set_xscale("log")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("wall time (ms)")
        ax.set_ylabel("fraction of runs below the threshold")
    _finish_panels(fig, axes, cfg)
    return fig


def _table(res: EvolutionResults) -> list[dict]:
    rows = []
    for row in res.summary:
        rows.append(
            {
                k: (str(v) if isinstance(v, stats.Proportion | stats.Estimate) else v)
                for k, v in row.items()
                if k != "budget (loss evaluations)"
            }
        )
    return rows


def _speedups(res: EvolutionResults) -> list[str]:
    """Plain-language comparisons generated from the numbers."""
    cfg = res.config
    lines = []
    for ds in cfg.datasets:
        for act in cfg.activations:
            g = res.runs[ds][act]["gd"]
            e = res.runs[ds][act]["evolution"]
            pg, pe = stats.proportion(g["converged"]), stats.proportion(e["converged"])
            text = f"**{ds}, {act}**: gradient descent succeeded in {pg}, selection in {pe}."
            if g["converged"].any() and e["converged"].any():
                eg = float(np.median(g["evaluations"][g["converged"]]))
                ee = float(np.median(e["evaluations"][e["converged"]]))
                tg = float(np.median(g["seconds"][g["converged"]]))
                te = float(np.median(e["seconds"][e["converged"]]))
                sg = float(np.median(g["steady_seconds"][g["converged"]]))
                se = float(np.median(e["steady_seconds"][e["converged"]]))
                stg, ste = float(np.median(g["step_seconds"])), float(np.median(e["step_seconds"]))
                text += (
                    f" Among the successful runs, selection needed {ee / eg:.3g} times the loss "
                    f"evaluations of gradient descent (median {ee:g} against {eg:g}) and "
                    f"{te / tg:.3g} times its wall time ({te * 1e3:.3g} ms against "
                    f"{tg * 1e3:.3g} ms; at the median step time, {se * 1e3:.3g} ms against "
                    f"{sg * 1e3:.3g} ms). One generation of {cfg.population} networks took "
                    f"{ste * 1e6:.3g} µs, one epoch of one network {stg * 1e6:.3g} µs: "
                    f"{ste / stg:.2g} epochs' time for {cfg.population} loss evaluations."
                )
                mw = stats.mann_whitney(_inf(e["seconds"], None), _inf(g["seconds"], None))
                text += f" Wall time to success, all runs (never = infinite): Mann-Whitney {mw}."
            lines.append(text)
    return lines


def add_section(
    report: Any,
    res: EvolutionResults,
    title: str = "Two ways of learning: gradient descent against selection",
    anchor: str = "evolution",
    prefix: str = "evolution_",
) -> Any:
    """Write the comparison as one section of a report, with its figures and data files.

    Parameters
    ----------
    report : glassnet.report.Report
    res : EvolutionResults
    title, anchor : str
        The section's heading and HTML id.
    prefix : str
        Prefix of the figure and data file names (they must be unique in the report).

    Returns
    -------
    glassnet.report.Section
    """
    cfg = res.config
    sec = report.section(title, anchor)
    sec.text(
        "The paper first pictures learning as a program that makes many versions of itself, "
        "tests them, keeps the best and discards the rest; then it explains gradient descent. "
        "Here both learn the same networks: the paper's data (3-2-1, one bias per layer) and "
        "XOR (2-2-1, one bias per unit), sigmoid and tanh (output (tanh+1)/2), the paper's "
        f"initialization, {cfg.seeds} seeds each.",
        f"**Gradient descent**: one network, full batch, the paper's step (summed squared error, "
        f"learning rate {cfg.gd_lr:g}), up to {cfg.gd_epochs} epochs; every epoch is one loss "
        "evaluation and one gradient. "
        f"**Selection** (`glassnet.evolution.fit_evolution`): {cfg.population} networks; every "
        f"generation evaluates all of them (one vectorized forward pass), keeps the best "
        f"{cfg.survivors} unchanged and replaces the others by copies of them with Gaussian noise "
        f"on every parameter (scale {cfg.mutation_scale:g}, times {cfg.decay:g} per generation"
        + (f", {cfg.crossover} crossover" if cfg.crossover else ", no crossover")
        + f"), up to {cfg.generations} generations = {cfg.population * cfg.generations} loss "
        "evaluations and no gradient. Selection's settings were picked in a small pilot on other "
        "initial networks; the learning rate is the paper's.",
        f"A run succeeds when its mean squared error (the best member's, for selection) falls "
        f"below {cfg.threshold:g}. Loss evaluations and wall time are counted until that "
        "happens; each run was timed alone, one after the other, on the same machine. "
        "Medians carry 95% bootstrap intervals over all runs, a failed run counting as "
        "'never' (so a median is 'never' when half the runs failed); fractions carry 95% "
        "Wilson intervals. The paper's definition of convergence additionally asks the loss "
        "to be flat (slope below 1e-4 over 10 steps: epochs, or generations).",
    )
    if res.load_average:
        sec.text(
            f"Wall times depend on the machine and on what else it is doing: its load average "
            f"was {' then '.join(f'{v:.1f}' for v in res.load_average)} on "
            f"{os.cpu_count() or '?'} cores during these runs. The time per epoch or generation "
            "is each run's median step, the figure least disturbed by other work."
        )
    sec.bullets(_speedups(res))
    sec.table(_table(res), caption="Gradient descent against selection", digits=3)
    sec.figure(
        f"{prefix}curves",
        figure_curves(res),
        "Loss against loss evaluations, both trainers superimposed: median over the seeds "
        "(line) and quartiles (band). Gradient descent (solid) evaluates one network per epoch; "
        f"selection (dashed) evaluates {cfg.population} per generation and plots its best.",
    )
    sec.figure(
        f"{prefix}time",
        figure_time(res),
        "Fraction of runs whose loss fell below the threshold, against wall time.",
    )
    sec.text(
        "What the numbers say, in general terms: a gradient tells every parameter which way "
        "to move at the price of one backward pass, so gradient descent needs far fewer loss "
        "evaluations when it succeeds; selection only compares whole networks, which costs many "
        "evaluations, but a population explores many starting points at once, which can rescue "
        "a run that gradient descent leaves in a poor local minimum or plateau (XOR). For "
        "networks this small, evaluating a whole population in one vectorized pass costs only a "
        "few epochs of one network, so selection's extra evaluations need not cost wall time; "
        "this advantage shrinks as networks grow, while the number of parameters a random "
        "mutation must get right grows. "
        "Selection sees only the loss, so it keeps accepting larger weights as long as they "
        "push the outputs closer to 0 and 1; its best networks end far more saturated than "
        "gradient descent's (see the largest weight), whose steps shrink as the activation "
        "flattens."
    )
    report.add_data(f"{prefix}summary.csv", _summary_data(res))
    report.add_data(f"{prefix}runs.csv", _runs_table(res))
    report.add_data(f"{prefix}curves.csv", _curves_table(res))
    report.add_data(
        f"{prefix}settings.json", {**cfg.to_dict(), "load_average": list(res.load_average)}
    )
    return sec


def _summary_data(res: EvolutionResults) -> list[dict]:
    """The summary with every estimate split into value and interval (numbers, not text)."""
    rows = []
    for row in res.summary:
        out: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, stats.Proportion | stats.Estimate):
                out[k] = v.value
                out[f"{k} lo"] = v.lo
                out[f"{k} hi"] = v.hi
            else:
                out[k] = v
        rows.append(out)
    return rows


_RUN_FIELDS = (
    "converged",
    "evaluations",
    "gradients",
    "seconds",
    "total_seconds",
    "step_seconds",
    "steady_seconds",
    "paper_converged",
    "final_loss",
    "max_weight",
)


def _runs_table(res: EvolutionResults) -> dict[str, list]:
    cols: dict[str, list] = {k: [] for k in ("dataset", "activation", "trainer", "seed")}
    cols.update({k: [] for k in _RUN_FIELDS})
    for ds, per_act in res.runs.items():
        for act, per_trainer in per_act.items():
            for trainer, r in per_trainer.items():
                for s in range(res.config.seeds):
                    cols["dataset"].append(ds)
                    cols["activation"].append(act)
                    cols["trainer"].append(trainer)
                    cols["seed"].append(s)
                    for k in _RUN_FIELDS:
                        cols[k].append(r[k][s].item())
    return cols


def _curves_table(res: EvolutionResults) -> dict[str, list]:
    cols: dict[str, list] = {
        k: []
        for k in ("dataset", "activation", "trainer", "step", "evaluations", "q25", "median", "q75")
    }
    for ds, per_act in res.runs.items():
        for act, per_trainer in per_act.items():
            for trainer, r in per_trainer.items():
                q = _quantiles(r["curves"], [0.25, 0.5, 0.75])
                for i, x in enumerate(r["x"]):
                    cols["dataset"].append(ds)
                    cols["activation"].append(act)
                    cols["trainer"].append(trainer)
                    cols["step"].append(i)
                    cols["evaluations"].append(int(x))
                    cols["q25"].append(float(q[0, i]))
                    cols["median"].append(float(q[1, i]))
                    cols["q75"].append(float(q[2, i]))
    return cols


def write_report(
    out: str | os.PathLike[str] = "evolution-report",
    config: EvolutionConfig | None = None,
    progress: Progress | None = None,
) -> tuple[EvolutionResults, Path]:
    """Run the comparison and write it as a stand-alone report directory.

    Parameters
    ----------
    out : path
    config : EvolutionConfig, optional
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    (EvolutionResults, Path)
    """
    from glassnet.report import Report, check_out_dir

    check_out_dir(out)
    res = run(config, progress)
    rep = Report(
        "Gradient descent against selection",
        subtitle="The paper's two pictures of learning, run on the same networks.",
        meta={"glassnet version": gn.__version__, **res.config.to_dict()},
    )
    add_section(rep, res)
    return res, rep.write(out)
