"""MkDocs hooks: generated pages and links that work on the site and in a clone alike.

* ``reference/cli.md``: the ``--help`` of every ``glassnet`` command, taken from the commands
  themselves. The page is committed (so the link to it from ``index.md`` works on GitHub
  too) and checked: a build whose commands' help differs from it fails, and
  ``tests/test_docs_links.py`` fails first. ``python docs/_hooks.py`` rewrites it.
* Notebooks link to other pages by their files (``../concepts/backpropagation.md``), which
  work on GitHub and in JupyterLab; on the site those links become the pages' addresses.
* Docstrings are numpydoc with Sphinx roles (``:func:`glassnet.trace.trace```); in the API
  pages each role becomes a link to that object's entry (when the reference has it) instead
  of showing ``:func:`` as text.
* ``sklearn-differences.md`` is written with the scikit-learn estimators' work; until it is
  present, a one-paragraph page that says so takes its place, so ``mkdocs build --strict`` does
  not fail on the navigation entry and the links to it. Once the file exists it is used as is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # MkDocs is needed to build the site, not to regenerate or test the page
    from mkdocs.structure.files import Files

CLI_PAGE = "reference/cli.md"

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
        "Every `glassnet` command with its `--help`, generated from the commands themselves "
        "(`python docs/_hooks.py`; building the site checks that it is current). Bad input "
        "prints one line (`error: ...`, naming the option given) and exits with status 2; "
        "`gradcheck` exits 1 when backpropagation and finite differences disagree.",
        "",
    ]

    def walk(cmd: click.Command, path: list[str], parent: click.Context | None) -> None:
        ctx = click.Context(cmd, info_name=path[-1], parent=parent, terminal_width=100)
        # click caches a command's help option from the first context it met (a test that
        # invoked the command alone has only --help): the page is made from this one alone
        cmd._help_option = None
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


HREF = re.compile(r'href="(?![a-z]+:|#|/)([^"#]+\.(?:md|ipynb))(#[^"]*)?"')


def notebook_links(html: str, page: Any, files: Files) -> str:
    """In a notebook's page, a link to a documentation file becomes that page's address
    (MkDocs does this for Markdown pages, mkdocs-jupyter not for notebooks)."""
    import posixpath

    def url(m: re.Match[str]) -> str:
        here = posixpath.dirname(page.file.src_uri)
        target = files.get_file_from_path(posixpath.normpath(posixpath.join(here, m.group(1))))
        if target is None:  # not a page of the site: left as written (the build's check)
            return m.group(0)
        return f'href="{target.url_relative_to(page.file)}{m.group(2) or ""}"'

    return HREF.sub(url, html)


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        html = notebook_links(html, page, files)
    return ROLE.sub(_role, html)


def on_files(files: Files, config: Any) -> Files:
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    committed = files.get_file_from_path(CLI_PAGE)
    if committed is None:
        files.append(File.generated(config, CLI_PAGE, content=cli_page()))
    elif Path(committed.abs_src_path).read_text() != cli_page() + "\n":
        raise PluginError(
            f"docs/{CLI_PAGE} is out of date with the commands' help: run python docs/_hooks.py"
        )
    for uri, text in OPTIONAL_PAGES.items():
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, content=text))
    return files


if __name__ == "__main__":  # rewrite the committed command-line page
    (Path(__file__).parent / CLI_PAGE).write_text(cli_page() + "\n")
