"""The ``glassnet`` command line.

Every sub-command lives in its own module under :mod:`glassnet.cli` and is imported only
when it is invoked, so ``glassnet --help`` stays fast and a face's heavy imports (matplotlib,
aiohttp, dask) are paid only by the command that needs them.

Errors from bad input (``ValueError``, ``TypeError``, ``OSError`` such as a file that cannot
be read or written, click's usage errors) are printed as one line on standard error, naming
the option the user gave (:mod:`glassnet.cli.errors`), and the process exits with status 2.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

import click

# name -> "module:attribute"; one line per command, each command owned by its module.
COMMANDS: dict[str, str] = {
    "train": "glassnet.cli.train:train",
    "gradcheck": "glassnet.cli.train:gradcheck",
    "datasets": "glassnet.cli.train:datasets_cmd",
    "paper": "glassnet.cli.paper:paper",
    "inspect": "glassnet.cli.inspect:inspect_cmd",
    "plot": "glassnet.cli.plot:plot",
    "study": "glassnet.cli.study:study",
    "playground": "glassnet.cli.playground:playground",
    "info": "glassnet.cli.info:info",
    "predict": "glassnet.cli.predict:predict",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None  # command not built yet
            raise
        command: click.Command = getattr(module, attr)
        return _naming(command)


def _naming(command: click.Command) -> click.Command:
    """Every command (and every command of a group) names, in its errors, the option the
    user gave rather than the library's argument (see :mod:`glassnet.cli.errors`)."""
    from glassnet.cli.errors import names_options

    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _naming(sub)
    elif not getattr(command, "_names_options", False):
        names_options()(command)
        command._names_options = True  # type: ignore[attr-defined]
    return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="glassnet")
def cli() -> None:
    """glassnet: a neural network you can see through."""


_SAID: set[str] = set()


def note(message: str, kind: str = "note") -> None:
    """Print ``kind: message`` on standard error, once: a note already given as a warning
    (a divergence, an overflow) is not repeated."""
    if message not in _SAID:
        _SAID.add(message)
        click.echo(f"{kind}: {message}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI, turning bad input into one line and exit status 2, and
    glassnet's own warnings (a divergence, an overflow) into one line each, ``warning: ...``,
    without Python's file name and source line."""
    with warnings.catch_warnings():
        python_show = warnings.showwarning

        def show(message: Any, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:  # fmt: skip
            if category.__module__.startswith("glassnet"):
                note(str(message), "warning")
            else:
                python_show(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        return _main(argv)


def _main(argv: list[str] | None) -> Any:
    try:
        # obj["console"]: run from the command line, so the process ends when the command
        # does (a command may then leave a signal's handling to the exit; see study run)
        return cli.main(
            args=argv, prog_name="glassnet", standalone_mode=False, obj={"console": argv is None}
        )
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except (ValueError, TypeError, OSError) as exc:  # OSError: a file that cannot be written
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except MemoryError as exc:  # a bound that was not checked up front: still one line
        click.echo(f"error: not enough memory ({exc}); choose a smaller problem", err=True)
        sys.exit(2)
