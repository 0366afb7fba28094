"""``glassnet study``: run, inspect, report and export grids of training runs.

::

    glassnet study run SPEC.toml --out DIR [--jobs N | --scheduler tcp://HOST:PORT]
    glassnet study status DIR
    glassnet study report DIR [--out REPORT_DIR]
    glassnet study export DIR --format csv|parquet [--out FILE]
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from glassnet.cli.errors import NamedPath

#: seconds between two plain progress lines when standard error is not a terminal
LINE_EVERY = 10.0


def _fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-:--:--"
    s = max(0, round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@click.group("study")
def study() -> None:
    """Sweeps of many runs (a TOML spec, every list a grid axis) that survive interruption.

    Runs sharing everything but their seed and learning rate train together as one
    population. Results go to DIR/study.sqlite, committed group by group: kill a run at any
    moment and `study run` on the same DIR resumes with the missing runs only.
    """


@study.command("run")
@click.argument("spec", type=NamedPath(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    type=NamedPath(file_okay=False, path_type=Path),
    help="Study directory (created, or resumed if it holds this spec's study).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Local worker processes [default: all cores].",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Run the groups on this Dask scheduler (needs the dask extra: "
    "pip install -e '.[dask]' from a clone).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Extra attempts of a group whose worker died or which failed.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run_cmd(
    spec: Path, out: Path, jobs: int | None, scheduler: str | None, retries: int, quiet: bool
) -> None:
    """Run (or resume) the study described by SPEC into --out DIR.

    Ctrl-C or SIGTERM stops it at once: the groups in flight are abandoned, every finished
    group is kept, and the command says how many are stored and how to resume.
    """
    import glassnet.study as gs

    # from the start, not only while groups train: a SIGTERM while the study is being opened
    # must not kill the command without a word (gs.run handles both signals while it runs)
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_IGN:
        signal.signal(signal.SIGTERM, _terminated)
    try:
        _run(spec, out, jobs, scheduler, retries, quiet)
        obj = click.get_current_context().obj
        if isinstance(obj, dict) and obj.get("console"):
            # the study is stored whole and said so: a Ctrl-C or SIGTERM while the process
            # exits (its pools, threads and imports closing, a few tenths of a second) has
            # nothing left to stop. Ignored, the exit goes on and cleans up and ends with 0:
            # SIGTERM's default action would leave the pools' semaphores to multiprocessing's
            # "leaked semaphore" warning, and a KeyboardInterrupt raised during the exit ends
            # the process by SIGINT without a word. Only where the process ends with the
            # command: called in-process (a test, a notebook), the previous handler comes back
            if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            if previous is not signal.SIG_IGN:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                previous = signal.SIG_IGN  # keep it until the process is gone
    except gs.StudyInterrupted as exc:
        _say_interrupted(exc, spec, out)
    except KeyboardInterrupt as exc:  # before gs.run took over, or after it was done
        name = "SIGTERM" if isinstance(exc, _Terminated) else "SIGINT"
        try:
            st = gs.open(out).status()
        except (ValueError, OSError):  # no study there yet: nothing stored
            click.echo(f"interrupted by {name} before the study began: nothing stored", err=True)
            sys.exit(128 + signal.Signals[name].value)
        total = len(gs.plan(gs.load_spec(spec)))
        stored = total - st["groups_missing"]
        _say_interrupted(
            gs.StudyInterrupted(name, stored, total, st["runs_done"], st["runs_total"], 0),
            spec,
            out,
        )
    finally:
        if previous is not signal.SIG_IGN:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C; ``signum`` tells gs.run which signal it was."""

    signum = signal.SIGTERM


def _terminated(signum: int, frame: Any) -> None:
    raise _Terminated


def _say_interrupted(exc: Any, spec: Path, out: Path) -> None:
    click.echo(f"{exc}", err=True)
    click.echo(
        f"next: glassnet study run {spec} --out {out}   (resumes with the "
        f"{exc.groups_total - exc.groups_stored} group(s) left)",
        err=True,
    )
    sys.exit(128 + signal.Signals[exc.signal].value)  # the shell's convention: 130, 143


def _run(
    spec: Path, out: Path, jobs: int | None, scheduler: str | None, retries: int, quiet: bool
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    import glassnet.study as gs

    spec_obj = gs.load_spec(spec)  # every problem of the spec, before anything runs
    if scheduler is not None and "://" not in scheduler:
        raise click.BadParameter(
            f"expected an address like tcp://HOST:PORT, got {scheduler!r}", param_hint="--scheduler"
        )
    from glassnet.study.runner import check_workers

    check_workers(jobs, retries)  # before the directory is made
    gs.Store.create(out, spec_obj).close()  # refuse another spec's directory before the bar
    console = Console(stderr=True)
    live = console.is_terminal and not quiet
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[line]}"),
    )
    bar = Progress(*columns, console=console, disable=not live, transient=False)
    state: dict[str, Any] = {"last_line": time.monotonic(), "stored_before": 0}
    if not quiet and spec_obj.n_runs > 20_000:  # planning takes a moment: say so first
        console.print(f"planning {spec_obj.n_runs:,} runs ...", highlight=False)

    def stage(p: gs.Progress) -> str:
        if p.event == "done":
            return "done"
        if p.groups_total == 0:
            return "nothing to train"
        return (
            f"training groups ({p.groups_done}/{p.groups_total} stored, {p.groups_running} running)"
        )

    def line(p: gs.Progress) -> str:
        stored = p.runs_done - state["stored_before"]
        share = f"{p.runs_converged / p.runs_done:.0%}" if p.runs_done else "-"
        return (
            f"{stage(p)}: {p.runs_done}/{p.runs_total} runs, {share} converged"
            f"{f' ({stored} new)' if stored else ''}, "
            f"elapsed {_fmt_seconds(p.elapsed)}, ETA {_fmt_seconds(p.eta)}"
        )

    def on_progress(p: gs.Progress) -> None:
        if quiet:
            return
        if p.event == "start":
            state["stored_before"] = p.runs_done
            n = jobs or os.cpu_count() or 1
            where = f"Dask scheduler {scheduler}" if scheduler else f"{n} local process(es)"
            console.print(
                f"study {spec_obj.name!r}: {p.runs_total} runs, {p.runs_done} already stored, "
                f"{p.groups_total} group(s) to train on {where}",
                highlight=False,
                soft_wrap=True,
            )
            state["task"] = bar.add_task(spec_obj.name, total=1.0, completed=0, line=line(p))
        elif p.event == "retry":
            console.print(p.message, style="yellow", highlight=False, soft_wrap=True)
        if live:
            bar.update(state["task"], completed=p.work_done, line=line(p))
        elif p.event in ("tick", "group") and time.monotonic() - state["last_line"] >= LINE_EVERY:
            # not a terminal (a log file, a batch job): a plain line every 10 s, a heartbeat
            # also while a long group trains
            state["last_line"] = time.monotonic()
            console.print(line(p), highlight=False, soft_wrap=True)

    started = time.monotonic()
    with bar:
        try:
            result = gs.run(
                spec_obj,
                out,
                jobs=jobs,
                scheduler=scheduler,
                retries=retries,
                progress=on_progress,
            )
        except gs.StudyInterrupted:
            bar.stop()
            raise
        except gs.StudyIncompleteError as exc:
            bar.stop()
            click.echo(f"error: {exc}", err=True)
            click.echo(
                f"next: glassnet study run {spec} --out {out}   (retries the missing groups)",
                err=True,
            )
            sys.exit(1)
        except ImportError as exc:  # --scheduler without glassnet[dask]
            bar.stop()
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    st = result.status()
    counts = ", ".join(f"{n} {s}" for s, n in sorted(st["status"].items())) or "none"
    new = st["runs_done"] - state["stored_before"]
    click.echo(
        f"{out}: {st['runs_done']}/{st['runs_total']} runs stored ({counts}); "
        f"{new} trained now in {_fmt_seconds(time.monotonic() - started)}; "
        f"results in {out / gs.DB_NAME}"
    )
    click.echo(f"next: glassnet study report {out}   (or: glassnet study export {out})")


@study.command("status")
@click.argument("directory", type=NamedPath(file_okay=False, path_type=Path))
def status_cmd(directory: Path) -> None:
    """Runs done and missing, and their outcomes, of the study in DIRECTORY."""
    import glassnet.study as gs

    st = gs.open(directory).status()
    click.echo(f"study:    {st['name']} ({directory})")
    click.echo(
        f"runs:     {st['runs_done']}/{st['runs_total']} done, {st['runs_missing']} missing "
        f"({st['groups_missing']} group(s) to train)"
    )
    total = max(st["runs_done"], 1)
    for status in ("converged", "not_converged", "diverged"):
        n = st["status"].get(status, 0)
        click.echo(f"  {status:<14}{n:>8}  ({100 * n / total:.1f}%)")
    click.echo(f"training: {_fmt_seconds(st['wall_time'])} (sum of the groups' wall times)")
    if st["runs_missing"]:
        click.echo("state:    incomplete; `glassnet study run SPEC --out DIR` resumes it")
    else:
        click.echo("state:    complete")


@study.command("report")
@click.argument("directory", type=NamedPath(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    "out",
    type=NamedPath(file_okay=False, path_type=Path),
    default=None,
    help="Report directory [default: DIR/report].",
)
def report_cmd(directory: Path, out: Path | None) -> None:
    """Write the HTML report of the study in DIRECTORY (works on incomplete studies too)."""
    import glassnet.study as gs

    path = gs.open(directory).report(out)
    click.echo(str(path / "report.html"))


@study.command("export")
@click.argument("directory", type=NamedPath(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format (parquet needs the parquet extra: pip install -e '.[parquet]' from a clone).",
)
@click.option(
    "--out",
    "-o",
    "out",
    type=NamedPath(dir_okay=False, path_type=Path),
    default=None,
    help="Output file [default: DIR/results.csv or DIR/results.parquet].",
)
def export_cmd(directory: Path, fmt: str, out: Path | None) -> None:
    """Export one row per run (config, outcome, loss curve) of the study in DIRECTORY."""
    import glassnet.study as gs

    ctx = click.get_current_context()
    source = ctx.get_parameter_source("fmt")
    if out is not None and source is not None and source.name == "DEFAULT":
        # -o results.parquet without --format wrote CSV into it: the name says the format
        fmt = {".parquet": "parquet", ".csv": "csv"}.get(out.suffix.lower(), fmt)
    st = gs.open(directory)
    try:
        path = st.export(out if out is not None else directory / f"results.{fmt}", fmt)
    except ImportError as exc:  # parquet without glassnet[parquet]
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (ValueError, OSError) as exc:  # the API names its argument `path`; here it is --out
        raise click.BadParameter(str(exc).removeprefix("path: "), param_hint="--out") from None
    click.echo(str(path))
