"""Hints to install an optional extra say what works: glassnet is not on a package index, so
``pip install 'glassnet[dask]'`` fails; from a clone ``pip install -e '.[dask]'`` works, and
the extra's packages alone work anywhere (issue 24). The hints' wording is tested with
:mod:`glassnet._extras` in ``test_playground_paper.py``; here, that no failing hint is left."""

from __future__ import annotations

import re
from pathlib import Path

from glassnet._extras import install_hint

ROOT = Path(__file__).resolve().parents[1]


def test_every_needs_an_extra_message_carries_the_hint():
    import glassnet.study as gs
    from glassnet import compiled

    # the jax backend in a spec, without JAX (as a machine without the extra sees it)
    available = compiled.available
    compiled.available = lambda: False
    try:
        spec = '[study]\nname = "s"\n[data]\ndataset = "xor"\n[model]\nbackend = "jax"\n'
        try:
            gs.parse_spec(spec, "s.toml")
        except gs.SpecError as err:
            problems = err.problems
    finally:
        compiled.available = available
    assert "s.toml: model.backend: the jax backend needs JAX: " + install_hint("jax") in problems
    assert "pip install -e '" in install_hint("jax") and "glassnet[" not in install_hint("jax")


def test_no_hint_that_fails_from_a_clone_is_left():
    """``pip install 'glassnet[...]'`` nowhere in the package (glassnet._extras quotes it as
    what fails), the README or the docs."""
    wrong = re.compile(r"pip install ['\"]?glassnet\[")
    owned_elsewhere = ("glassnet/_extras.py",)
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
