"""MkDocs hooks: pages generated at build time.

* ``reference/cli.md``: the ``--help`` of every ``glassnet`` command, taken from the commands
  themselves, so the page cannot fall out of date.
* Docstrings are numpydoc with Sphinx roles (``:func:`glassnet.trace.trace```); in the API
  pages each role becomes a link to that object's entry (when the reference has it) instead
  of showing ``:func:`` as text.
* ``sklearn-differences.md`` is written with the scikit-learn estimators' work; until it is
  present, a one-paragraph page that says so takes its place, so ``mkdocs build --strict`` does
  not fail on the navigation entry and the links to it. Once the file exists it is used as is.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.structure.files import File, Files

OPTIONAL_PAGES = {
    "sklearn-differences.md": (
        "# Differences from scikit-learn\n\n"
        "This page is `docs/sklearn-differences.md`, which comes with the scikit-learn "
        "estimators' documentation and is not part of this checkout yet. Until then, "
        "[Use glassnet with scikit-learn](how-to/scikit-learn.md) lists what the estimators "
        "take and how closely they match `MLPClassifier` and `MLPRegressor`.\n"
    ),
}


def cli_page() -> str:
    """The command-line reference: every command's help text, as the terminal shows it."""
    import click

    from glassnet.cli import cli

    out = [
        "# Command line",
        "",
        "Every `glassnet` command with its `--help`, generated from the commands when this site "
        "was built. Bad input prints one line (`error: ...`) and exits with status 2; "
        "`gradcheck` exits 1 when backpropagation and finite differences disagree.",
        "",
    ]

    def walk(cmd: click.Command, path: list[str], parent: click.Context | None) -> None:
        ctx = click.Context(cmd, info_name=path[-1], parent=parent, terminal_width=100)
        if len(path) > 1:
            out.extend([f"{'#' * min(len(path), 3)} `{' '.join(path)}`", ""])
            out.extend(["```text", cmd.get_help(ctx), "```", ""])
        if isinstance(cmd, click.Group):
            for name in sorted(cmd.list_commands(ctx)):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name], ctx)

    walk(cli, ["glassnet"], None)
    return "\n".join(out)


ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):<code>(~?)([\w.]+)</code>")


def _role(m: re.Match[str]) -> str:
    short, name = m.group(1), m.group(2)
    shown = name.rsplit(".", 1)[-1] if short else name
    return f'<autoref identifier="{name}" optional><code>{shown}</code></autoref>'


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    return ROLE.sub(_role, html)


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, "reference/cli.md", content=cli_page()))
    for uri, text in OPTIONAL_PAGES.items():
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, content=text))
    return files
