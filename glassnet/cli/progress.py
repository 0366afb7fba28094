"""One progress style for every long command (``paper``, ``train``).

On a terminal: a live line on standard error with the current stage, a bar, done/total, the
elapsed time, the estimated time left and the number that matters (the loss, ...), redrawn
several times a second, so the clock moves even inside a long stage. Elsewhere (a pipe, a
``nohup`` log, CI): a plain line every ``interval`` seconds, from a heartbeat thread, so a log
shows that the job is alive and where it is, without control characters.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

__all__ = ["Progress", "fmt_duration"]

PLAIN_INTERVAL = 10.0  # seconds between plain lines when output is not a terminal


def fmt_duration(seconds: float | None) -> str:
    """``h:mm:ss`` (``-`` when unknown)."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "-"
    s = round(max(seconds, 0.0))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """A progress display for one command: ``with Progress("train", total, unit="epochs") as p:``
    then ``p.update(done, stage=..., metric=...)``.

    Parameters
    ----------
    label : str
        The command's name, first on every line.
    total : int
        Steps in all (epochs, stages).
    unit : str
        What a step is, for the plain lines ("epochs", "steps").
    enabled : bool
        ``False``: show nothing (``--quiet``).
    stream : file, optional
        Where to write (default: standard error).
    terminal : bool, optional
        Force the terminal or the plain style (default: whether ``stream`` is a terminal).
    interval : float, optional
        Seconds between plain lines (default :data:`PLAIN_INTERVAL`).
    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str = "steps",
        enabled: bool = True,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        interval: float | None = None,
    ) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = bool(isatty and isatty()) if terminal is None else terminal
        self.interval = PLAIN_INTERVAL if interval is None else interval
        self.done = 0
        self.stage = ""
        self.metric = ""
        self.start = time.perf_counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: Any = None
        self._task: Any = None

    # --- the numbers ---------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def eta(self) -> float | None:
        """Seconds left at the average pace so far (``None`` before the first step ends)."""
        if self.done <= 0:
            return None
        return self.elapsed / self.done * (self.total - self.done)

    def line(self) -> str:
        """The plain progress line."""
        parts = [
            self.label,
            f"{self.done}/{self.total} {self.unit}",
            f"elapsed {fmt_duration(self.elapsed)}",
            f"eta {fmt_duration(self.eta())}",
        ]
        if self.metric:
            parts.append(self.metric)
        if self.stage:
            parts.append(f"now: {self.stage}")
        return "  ".join(parts)

    # --- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        if self.terminal:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn(f"[bold]{self.label}[/bold] {{task.description}}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[metric]}"),
                console=Console(file=self.stream, force_terminal=True),
                transient=True,
                refresh_per_second=4,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.stage, total=self.total, metric=self.metric)
        else:
            self._thread = threading.Thread(target=self._heartbeat, daemon=True)
            self._thread.start()
        return self

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.interval):
            self._write_plain()

    def _write_plain(self) -> None:
        with self._lock:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def update(self, done: int | None = None, stage: str | None = None, metric: str = "") -> None:
        """Record progress: ``done`` steps finished, ``stage`` now running, ``metric`` shown."""
        if done is not None:
            self.done = min(int(done), self.total)
        if stage is not None:
            self.stage = stage
        if metric:
            self.metric = metric
        if self._bar is not None:
            self._bar.update(
                self._task, completed=self.done, description=self.stage, metric=self.metric
            )

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            if exc[0] is None:
                self._write_plain()  # the last state: every log ends with where the job got to
