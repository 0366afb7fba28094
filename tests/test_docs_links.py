"""Links in the documentation work where people read it (issue 24): on GitHub and in a clone
(a link is a file, relative to the page or notebook), in JupyterLab (a tutorial's links are
files beside it) and on the site (the build turns them into the pages' addresses)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages():
    """(file, Markdown text) of every page and every tutorial's Markdown cells."""
    for path in sorted(DOCS.rglob("*.md")):
        if "assets" not in path.parts:
            yield path, path.read_text()
    for path in sorted(DOCS.rglob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        yield path, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_every_relative_link_is_a_file_beside_the_page():
    checked = 0
    for path, text in _pages():
        for link in LINK.findall(text):
            if re.match(r"^[a-z]+:", link) or link.startswith("#"):
                continue
            target = (path.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{path.relative_to(ROOT)}: {link} is no file"
            checked += 1
    assert checked > 40  # index.md's links, the concepts' and the tutorials' among them


def test_the_index_and_the_tutorials_link_to_what_readers_asked_for():
    index = (DOCS / "index.md").read_text()
    assert "](reference/cli.md)" in index and (DOCS / "reference/cli.md").is_file()
    tutorial = next(t for p, t in _pages() if p.name == "01-backprop-by-hand.ipynb")
    assert "](../concepts/backpropagation.md)" in tutorial and "](../paper.md)" in tutorial


def test_the_committed_command_line_page_is_the_commands_help():
    # in a fresh interpreter: the help lists the registered activations and losses, which a
    # test of this process may have added to
    code = (
        "import importlib.util, sys; "
        f"spec = importlib.util.spec_from_file_location('h', {str(DOCS / '_hooks.py')!r}); "
        "h = importlib.util.module_from_spec(spec); spec.loader.exec_module(h); "
        "sys.stdout.write(h.cli_page() + '\\n')"
    )
    page = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (DOCS / "reference/cli.md").read_text() == page.stdout, (
        "docs/reference/cli.md is out of date: run python docs/_hooks.py"
    )


def test_the_site_turns_a_notebooks_file_links_into_page_addresses():
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(str(ROOT / "mkdocs.yml"))
    # the files as the build sees them: mkdocs-jupyter makes the notebooks pages
    files = config.plugins["mkdocs-jupyter"].on_files(get_files(config), config=config)
    page = SimpleNamespace(file=files.get_file_from_path("tutorials/01-backprop-by-hand.ipynb"))
    html = (
        '<a href="../concepts/backpropagation.md">a</a> <a href="../paper.md#the-derivation">b</a>'
        ' <a href="02-the-papers-question.ipynb">c</a> <a href="https://x.org/a.md">d</a>'
        ' <a href="#here">e</a>'
    )
    # the addresses the site gives those pages (directory URLs), written out by hand
    assert _hooks().notebook_links(html, page, files) == (
        '<a href="../../concepts/backpropagation/">a</a> '
        '<a href="../../paper/#the-derivation">b</a> '
        '<a href="../02-the-papers-question/">c</a> <a href="https://x.org/a.md">d</a>'
        ' <a href="#here">e</a>'
    )
