"""Errors name the option the user gave.

The library names its arguments in its errors (``lr: expected a finite number > 0``), but a
command-line user gave ``--lr``, and ``dpi`` or ``path`` may be fed by ``--width`` or
``--csv``. Every command runs under :func:`names_options`, which rewrites an error raised by
the library so that it starts with the option that fed the argument: from the command's own
options (``batch_size`` is ``--batch-size``), the names the library uses for them
(:data:`ALIASES`: a data set is the loader's ``name``), and, around a call where the same
argument name would be ambiguous, :func:`fed_by` (``path`` is ``--csv`` while the CSV is
read, ``--out`` while a figure is written).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

#: The library's name for an argument, and the option that feeds it, where they differ.
ALIASES: dict[str, str] = {
    "name": "--dataset",  # gn.datasets.load(name)
    "sizes": "--hidden",  # Network(sizes): the hidden layers between the data's sizes
    "mutation_scale": "--mutation-scale",
    "generations": "--epochs",  # evolution trains generations where gd trains epochs
    "k": "--member",
    "validation": "--validation-split",
    "lr_grid": "--lr-grid",
    "port": "--port",
    "host": "--host",
    "scheduler": "--scheduler",
    "jobs": "--jobs",
    "retries": "--retries",
    "dir": "DIRECTORY",  # a study directory (gs.open)
    "test_size": "--validation-split",  # train_test_split(test_size)
}

#: What the library raises for bad input: the errors rewritten (others pass untouched).
ERRORS = (ValueError, TypeError, OSError)

_ARGUMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_ -]*?)((?:\[[^\]]*\])*): ")

#: An argument named inside a message with its bound or its value: ``expected a stride >=
#: 51``, ``expected res <= 4729``, ``expected res in [4, 10]`` (the name, the article before
#: it, then a comparison or an interval), ``at stride 1``, ``got dpi 100`` (after "at" or
#: "got", then a number: "train loss 0.25" is no ``--loss``). One-letter words are left
#: alone (``a 9 x 9 grid`` is no ``--x``), as are words after a number.
_MENTION = re.compile(
    r"(?<![\w.-])(?<!\d )(?:an? )?([a-z][a-z0-9_]+)(?= (?:>=|<=|<|>|in [\[(]))"
    r"|(?:(?<=\bat )|(?<=\bgot ))([a-z][a-z0-9_]+)(?= [-+]?\.?\d)"
)


def option_for(argument: str, options: Mapping[str, str], override: bool = False) -> str | None:
    """The option that feeds the library's ``argument`` (None when none does); ``override``:
    ``options`` before :data:`ALIASES` (a value a model file recorded is the file's, even for
    an argument an option usually feeds)."""
    argument = argument.replace("-", "_")  # "lr-grid" is the option's own spelling
    if override:
        return options.get(argument) or ALIASES.get(argument)
    return ALIASES.get(argument) or options.get(argument)


def mentions(text: str, options: Mapping[str, str]) -> str:
    """``text`` with the arguments it names along with a bound or a value written as the
    options that feed them (``expected a stride >= 51`` -> ``expected --stride >= 51``): the
    user should read the bound in terms of what they typed."""

    def option(m: re.Match[str]) -> str:
        found = option_for(m.group(1) or m.group(2), options)
        return m.group(0) if found is None else found

    return _MENTION.sub(option, text)


def rename(
    message: str,
    options: Mapping[str, str],
    default: str | None = None,
    override: bool = False,
) -> str | None:
    """``message`` starting with the option that fed its argument instead of the argument
    (``lr: ...`` -> ``--lr: ...``, ``activation[1]: ...`` -> ``--activation[1]: ...``), and
    with the arguments its text bounds written as options too (:func:`mentions`); a message
    naming no argument, or one no option feeds, is prefixed with ``default``; None when
    neither applies (the message is left to an outer table)."""
    if re.match(r"--?[A-Za-z]", message):  # already an option's (not a file named -1)
        return message
    m = _ARGUMENT.match(message)
    if m is not None:
        option = option_for(m.group(1), options, override)
        if option is not None:
            rest = message[m.end() :]  # an override's table names a file's values, not options
            return f"{option}{m.group(2)}: {rest if override else mentions(rest, options)}"
        if m.group(1).replace("-", "_").isidentifier():  # another argument's: for an outer table
            return None
    return f"{default}: {mentions(message, options)}" if default else None


def command_options(command: click.Command) -> dict[str, str]:
    """The library-style name of each of ``command``'s options: ``--batch-size`` feeds
    ``batch_size``, ``--lr`` feeds ``lr`` (the parameter's name, too, when it differs)."""
    out: dict[str, str] = {}
    for p in command.params:
        if isinstance(p, click.Argument) and p.name:  # SPEC, DIRECTORY
            out.setdefault(p.name, p.human_readable_name)
            continue
        if not isinstance(p, click.Option):
            continue
        long = next((o for o in p.opts if o.startswith("--")), p.opts[0])
        out.setdefault(long.lstrip("-").replace("-", "_"), long)
        if p.name:
            out.setdefault(p.name, long)
    return out


class OptionError(click.UsageError):
    """An error of the library, renamed to the option that fed it."""


@contextmanager
def fed_by(
    options: Mapping[str, str], default: str | None = None, override: bool = False
) -> Iterator[None]:
    """Around a call fed by particular options: its errors name them (``{"path": "--csv"}``;
    ``default`` for an error naming no argument, such as a file's own name; ``override``:
    ``options`` win over :data:`ALIASES`)."""
    try:
        yield
    except OptionError:
        raise
    except ERRORS as exc:
        renamed = rename(str(exc), options, default, override)
        if renamed is None:
            raise
        raise OptionError(renamed) from None


def names_options(
    extra: Mapping[str, str] | None = None,
) -> Callable[[click.Command], click.Command]:
    """Make every library error raised by ``command`` name the option that fed it (see the
    module's docstring). Apply it to a built command (above ``@click.command``)."""

    def decorate(command: click.Command) -> click.Command:
        callback = command.callback
        if callback is None:  # pragma: no cover - every command has one
            return command
        table = {**command_options(command), **(extra or {})}

        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                with fed_by(table):
                    return callback(*args, **kwargs)
            except OptionError as exc:  # renamed by an inner fed_by: its text by the command's
                raise OptionError(mentions(exc.message, table)) from None
            except ERRORS as exc:
                # a message that starts with a value the user gave (a model file named zzz or
                # nan: "zzz: not a readable glassnet model file") read as an argument's name
                # no option feeds, and was said without the option
                option = _option_of_value(str(exc), kwargs, table)
                if option is None:
                    raise
                raise OptionError(f"{option}: {exc}") from None

        command.callback = run
        return command

    return decorate


def _option_of_value(
    message: str, kwargs: Mapping[str, Any], table: Mapping[str, str]
) -> str | None:
    """The option whose value ``message`` starts with (``zzz: ...`` for ``--model zzz``, also
    written as the library writes a path: ``./zzz`` as ``zzz``), or None. Options only: a
    study's SPEC starts its messages with the file, then the key at fault."""
    from dataclasses import fields, is_dataclass
    from pathlib import Path

    given: list[tuple[str, Any]] = []
    for name, value in kwargs.items():
        if is_dataclass(value) and not isinstance(value, type):  # the shared options' Options
            given += [(f.name, getattr(value, f.name)) for f in fields(value)]
        else:
            given.append((name, value))
    for name, value in given:
        if isinstance(value, Path):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or name not in table:
            continue
        if not table[name].startswith("-"):  # SPEC's messages name the file and then the key
            continue
        for spelling in {value, str(Path(value))}:
            if message.startswith(f"{spelling}: "):
                return table[name]
    return None


class NamedPath(click.Path):
    """click's ``Path`` that refuses an empty name.

    ``Path("")`` is ``"."``: a command given ``--out ""`` used the current directory, or
    named it in its error (``no study in '.'``), instead of saying that no name was given.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value:
            what = "file" if not self.dir_okay else "directory" if not self.file_okay else "path"
            self.fail(f"expected a {what} name, got ''", param, ctx)
        return super().convert(value, param, ctx)
