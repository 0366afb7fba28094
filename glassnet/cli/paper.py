"""``glassnet paper``: reproduce the paper's experiment and test its conclusion.

Writes a report directory (``report.html``, ``figures/``, ``data/``); see
:mod:`glassnet.experiments.paper`.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import click

from glassnet.cli.errors import fed_by
from glassnet.cli.options import Finite
from glassnet.run import BACKEND_NAMES


def _typed_command() -> str | None:
    """The command line as typed, when this process is the ``glassnet`` program."""
    if sys.argv and os.path.basename(sys.argv[0]) in ("glassnet", "glassnet.exe"):
        return shlex.join(["glassnet", *sys.argv[1:]])
    return None


@click.command("paper")
@click.option(
    "--out",
    "-o",
    default="report",
    show_default=True,
    type=click.Path(path_type=str),
    help="Report directory (an earlier glassnet report there is replaced, and the summary "
    "says so; a report folder holding a file the report did not write, or any other "
    "non-empty directory, is refused).",
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
    type=Finite(),
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
@click.option(
    "--backend",
    type=click.Choice(BACKEND_NAMES),
    default="numpy",
    show_default=True,
    help="Training engine of sections 1-5: NumPy, or compiled with JAX (needs the jax extra; "
    "numbers equal within floating-point tolerance).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def paper(
    out: str,
    seeds: int | None,
    epochs: int | None,
    lr_grid: str | None,
    threshold: float | None,
    quick: bool,
    evolution: bool,
    backend: str,
    quiet: bool,
) -> None:
    """Reproduce the paper's sigmoid-vs-tanh experiment, then test its conclusion.

    Section 1 reruns the paper's seed-1 experiment as its code ran and with exact gradients;
    sections 2-5 test the claim over seeds, learning rates, tasks and depths; section 6 states
    the findings with their confidence intervals.
    """
    from glassnet.experiments.paper import make_config, n_steps, run_paper
    from glassnet.report import check_out_dir

    # errors name the options (glassnet.cli.errors); the folder's own message names no argument
    cfg = make_config(
        seeds=seeds,
        epochs=epochs,
        lr_grid=lr_grid,
        threshold=threshold,
        quick=quick,
        evolution=evolution,
        backend=backend,
    )
    with fed_by({"out_dir": "--out"}, default="--out"):
        check_out_dir(out)

    from glassnet.cli.progress import Progress, fmt_duration
    from glassnet.report import MARKER

    earlier = (Path(out) / MARKER).exists()
    command = _typed_command()
    started = time.perf_counter()
    with Progress("paper", n_steps(cfg), unit="steps", enabled=not quiet) as bar:

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(done, stage=stage)

        res, path = run_paper(out, cfg, progress=progress, command=command)
    _print_summary(res, path, time.perf_counter() - started, earlier, fmt_duration)


def _print_summary(res: Any, path: Any, seconds: float, earlier: bool, fmt: Any) -> None:
    figures = len(list((path / "figures").glob("*.png")))
    data = len(list((path / "data").iterdir()))
    click.echo(
        f"report written to {path / 'report.html'} in {fmt(seconds)} ({figures} figures, "
        f"{data} data files in {path / 'data'})"
        + ("; it replaced the earlier report there" if earlier else "")
    )
    for f in res.findings:
        click.echo(f"- [{f['verdict']}] {f['claim']}")
    click.echo(f"next: open {path / 'report.html'} in a browser")
