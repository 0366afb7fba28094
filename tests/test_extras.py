"""Hints to install an optional extra say what works: glassnet is not on a package index, so
``pip install 'glassnet[dask]'`` fails; from a clone ``pip install -e '.[dask]'`` works
(issue 24)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from glassnet._extras import EXTRAS, install_hint

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DECLARED = PYPROJECT["project"]["optional-dependencies"]


@pytest.mark.parametrize("extra", ["jax", "dask", "parquet", "playground", "notebook"])
def test_a_hint_says_what_works_from_a_clone_a_wheel_and_alone(extra):
    hint = install_hint(extra)
    assert hint.startswith(f"from a clone of glassnet: pip install -e '.[{extra}]' ")
    assert "from a wheel: pip install 'glassnet-" in hint and f"py3-none-any.whl[{extra}]'" in hint
    # the packages are the extra's own, as pyproject.toml declares them (read here, not there)
    alone = hint.split("or only what it needs: pip install ")[1]
    assert re.findall(r"'([^']+)'", alone) == [r.replace(" ", "") for r in DECLARED[extra]]


def test_every_extra_named_is_declared_and_unknown_ones_are_refused():
    assert set(EXTRAS) <= set(DECLARED)
    with pytest.raises(ValueError, match=r"^extra: unknown extra 'daskk'; .*did you mean 'dask'"):
        install_hint("daskk")


def test_no_hint_that_fails_from_a_clone_is_left():
    """``pip install 'glassnet[...]'`` nowhere in the package (the playground and the compiled
    backend are another helper's and the coordinator's), the README or the docs."""
    wrong = re.compile(r"pip install ['\"]?glassnet\[")
    owned_elsewhere = ("glassnet/playground/", "glassnet/compiled.py")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in [*ROOT.glob("glassnet/**/*.py"), ROOT / "README.md", *ROOT.glob("docs/**/*.md")]
        if not str(path.relative_to(ROOT)).startswith(owned_elsewhere)
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if wrong.search(line)
    ]
    assert found == []


def test_users_are_pointed_to_the_paper_they_have():
    """`inspect --help`, the report and the errata cite docs/paper.md (and its sections), which
    a clone has, not the authors' PAPER.md, which it does not (issue 24)."""
    from click.testing import CliRunner

    from glassnet.cli import cli

    paper = (ROOT / "docs" / "paper.md").read_text()
    for heading in ("The derivation", "The experiment", "What the paper's code computed (errata)"):
        assert f"\n## {heading}\n" in paper
    help_text = " ".join(CliRunner().invoke(cli, ["inspect", "--help"]).output.split())
    assert 'docs/paper.md, "The derivation"' in help_text and "PAPER.md" not in help_text
    sources = [p for p in ROOT.glob("glassnet/**/*.py") if "PAPER.md" in p.read_text()]
    assert sources == []
