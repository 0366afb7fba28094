"""The documentation: its navigation, its offline math, the README's links, the LICENSE."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GENERATED = {"reference/cli.md"}  # written by docs/_hooks.py at build time
OPTIONAL = {"sklearn-differences.md"}  # another change's page; the hook stands in until merged


def _nav_files() -> list[str]:
    text = (ROOT / "mkdocs.yml").read_text()
    nav = text[text.index("\nnav:") :]
    return re.findall(r":\s+([\w./-]+\.(?:md|ipynb))\s*$", nav, flags=re.MULTILINE)


def test_every_page_in_the_navigation_exists():
    files = _nav_files()
    assert len(files) >= 40
    for f in files:
        if f in GENERATED or f in OPTIONAL:
            continue
        assert (DOCS / f).is_file(), f
    concepts = [f for f in files if f.startswith("concepts/")]
    for piece in ("layers", "activations", "losses", "backpropagation", "optimizers",
                  "initialization", "populations", "convergence"):  # fmt: skip
        assert f"concepts/{piece}.md" in concepts
    for module in ("network", "training", "trace", "plots", "sklearn", "study"):
        assert f"reference/api/{module}.md" in files
        assert f"::: glassnet.{module}" in (DOCS / f"reference/api/{module}.md").read_text()


def test_no_page_is_a_stub():
    for f in _nav_files():
        path = DOCS / f
        if f.endswith(".md") and path.is_file() and not f.startswith("reference/api/"):
            body = path.read_text()
            if "--8<--" in body:  # included from another file of the repository
                included = re.findall(r'--8<-- "([^"]+)"', body)
                assert all((ROOT / i).is_file() for i in included), included
                continue
            assert len(body) > 600, f"{f} is too short to be a page"


def test_math_is_rendered_from_the_bundled_katex():
    text = (ROOT / "mkdocs.yml").read_text()
    assert "font: false" in text  # no Google Fonts
    scripts = re.findall(r"^\s+- ((?:assets|javascripts)/[\w./-]+\.(?:js|css))$", text, re.M)
    assert "assets/katex/katex.min.js" in scripts and "assets/katex/katex.min.css" in scripts
    for s in scripts:
        assert (DOCS / s).is_file(), s
    css = (DOCS / "assets/katex/katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css))
    assert len(fonts) == 20
    for font in fonts:
        assert (DOCS / "assets/katex" / font).is_file(), font
    assert "MIT" in (DOCS / "assets/katex/LICENSE").read_text()
    for page in DOCS.rglob("*.md"):  # no page pulls anything from a CDN
        assert "cdn.jsdelivr" not in page.read_text() and "unpkg.com" not in page.read_text()


def test_readme_links_only_to_files_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme and "PAPER.md" not in readme
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links, "the README links to the docs, the tutorials and the paper page"
    for link in links:
        assert not re.match(r"^[a-z]+:", link), f"external link {link}"
        target = (ROOT / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT) and target.exists(), link
    for page in ("docs/paper.md", "docs/tutorials/", "docs/index.md"):
        assert any(link.startswith(page) for link in links), page


def test_license_is_mit_as_pyproject_declares():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the glassnet authors" in text
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()


def test_the_command_line_page_lists_every_command():
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "_hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    page = hooks.cli_page()
    for command in ("paper", "train", "inspect", "plot", "gradcheck", "study run", "playground"):
        assert f"`glassnet {command}`" in page, command
    assert "--chain" in page


def test_readme_quickstart_runs_and_prints_what_it_says(capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Quickstart") : text.index("## Where to go next")]
    code = section[
        section.index("```python\n") + 10 : section.index("```\n", section.index("```python"))
    ]
    assert len(code.strip().splitlines()) == 5
    exec(compile(code, "README quickstart", "exec"), {})
    assert capsys.readouterr().out.strip() == "[0. 1. 1. 0.]"
