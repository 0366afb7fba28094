"""``glassnet paper``: reproduce the paper's experiment and test its conclusion.

Writes a report directory (``report.html``, ``figures/``, ``data/``); see
:mod:`glassnet.experiments.paper`.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

import click


def _typed_command() -> str | None:
    """The command line as typed, when this process is the ``glassnet`` program."""
    if sys.argv and os.path.basename(sys.argv[0]) in ("glassnet", "glassnet.exe"):
        return shlex.join(["glassnet", *sys.argv[1:]])
    return None


@click.command("paper")
@click.option(
    "--out",
    default="report",
    show_default=True,
    type=click.Path(path_type=str),
    help="Report directory (replaced if it holds an earlier glassnet report).",
)
@click.option(
    "--seeds",
    type=int,
    default=None,
    help="Seeds of the many-seed comparison [default: 200; --quick 30]; the sweep, XOR, "
    "digits and depth parts use fewer, derived from it.",
)
@click.option(
    "--epochs",
    type=int,
    default=None,
    help="Epochs of the many-seed, sweep, task and depth parts [default: 1000; --quick 300]. "
    "The seed-1 reproduction always runs the paper's 100.",
)
@click.option(
    "--lr-grid",
    default=None,
    help="Learning rates: START:STOP:NUM (log-spaced) or a comma list "
    "[default: 0.01:10:13; --quick 0.01:10:5].",
)
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Convergence threshold on the mean squared error [default: 0.01].",
)
@click.option("--quick", is_flag=True, help="A small version (seconds); seed 1 is never shrunk.")
@click.option(
    "--evolution",
    is_flag=True,
    help="Add a section comparing gradient descent with selection (slower; its wall times, "
    "unlike every other number, differ from run to run).",
)
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
def paper(
    out: str,
    seeds: int | None,
    epochs: int | None,
    lr_grid: str | None,
    threshold: float | None,
    quick: bool,
    evolution: bool,
    quiet: bool,
) -> None:
    """Reproduce the paper's sigmoid-vs-tanh experiment, then test its conclusion.

    Section 1 reruns the paper's seed-1 experiment as its code ran and with exact gradients;
    sections 2-5 test the claim over seeds, learning rates, tasks and depths; section 6 states
    the findings with their confidence intervals.
    """
    from glassnet.experiments.paper import make_config, n_steps, run_paper
    from glassnet.report import check_out_dir

    try:
        cfg = make_config(
            seeds=seeds,
            epochs=epochs,
            lr_grid=lr_grid,
            threshold=threshold,
            quick=quick,
            evolution=evolution,
        )
        check_out_dir(out)
    except (ValueError, PermissionError) as exc:
        raise click.UsageError(str(exc)) from None

    show = not quiet and sys.stderr.isatty()
    command = _typed_command()
    if show:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("[bold]paper[/bold] {task.description:<28}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("starting", total=n_steps(cfg))

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=f"done: {stage}", completed=done, total=total)

            res, path = run_paper(out, cfg, progress=progress, command=command)
    else:
        res, path = run_paper(out, cfg, command=command)
    if not quiet:
        _print_summary(res, path)


def _print_summary(res: Any, path: Any) -> None:
    click.echo(f"report written to {path / 'report.html'}")
    for f in res.findings:
        click.echo(f"- [{f['verdict']}] {f['claim']}")
