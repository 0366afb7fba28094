"""The install hints of the optional parts (glassnet._extras) against references written out:
the extras as pyproject.toml declares them (read with tomllib, not through the installed
metadata the module reads), and the hint's exact words for a clone, a wheel and a bare copy.
Written for the survivors of the module's mutation run (tests/mutation/survivors.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from glassnet import _extras

ROOT = Path(__file__).resolve().parent.parent


def _declared(extra: str) -> list[str]:
    # the nearest pyproject.toml above the tests that declares extras (the checkout's; a
    # mutation run's scratch copy sits inside it with a pyproject of its own configuration)
    for folder in [ROOT, *ROOT.parents]:
        path = folder / "pyproject.toml"
        if path.exists():
            project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
            if "optional-dependencies" in project:
                return project["optional-dependencies"][extra]
    raise AssertionError("no pyproject.toml declaring the extras above the tests")


@pytest.mark.parametrize("extra", ["jax", "playground", "notebook", "dask", "parquet"])
def test_an_extras_requirements_are_the_ones_pyproject_declares(extra):
    # the editable install's metadata is this checkout's pyproject.toml
    assert _extras.extra_requirements(extra) == _declared(extra)


def test_an_extra_nobody_declared_has_no_requirements():
    assert _extras.extra_requirements("nonexistent") == []


def test_the_hint_from_a_clone_names_the_clone_and_the_packages(monkeypatch):
    root = Path("/home/me/glassnet")
    monkeypatch.setattr(_extras, "source_checkout", lambda: root)
    assert _extras.install_hint("playground") == (
        "pip install -e '/home/me/glassnet[playground]' (from this clone; or just the extra's "
        "packages: pip install 'aiohttp>=3.9')"
    )
    monkeypatch.setattr(_extras, "extra_requirements", lambda extra: ["a>=1", "b"])
    assert _extras.install_hint("two") == (
        "pip install -e '/home/me/glassnet[two]' (from this clone; or just the extra's "
        "packages: pip install 'a>=1' 'b')"
    )
    monkeypatch.setattr(_extras, "extra_requirements", lambda extra: [])
    assert _extras.install_hint("x") == "pip install -e '/home/me/glassnet[x]' (from this clone)"


def test_the_hint_from_a_wheel_or_a_bare_copy(monkeypatch):
    monkeypatch.setattr(_extras, "source_checkout", lambda: None)
    assert _extras.install_hint("dask") == (
        "pip install 'dask[distributed]>=2024.1' (the dask extra of glassnet)"
    )
    monkeypatch.setattr(_extras, "extra_requirements", lambda extra: [])
    assert _extras.install_hint("dask") == (
        "pip install -e '.[dask]' (from a clone of glassnet, in its root directory)"
    )


def test_a_clone_is_a_directory_whose_project_is_named_glassnet(monkeypatch, tmp_path):
    package = tmp_path / "glassnet"
    package.mkdir()
    monkeypatch.setattr(_extras, "__file__", str(package / "_extras.py"))
    assert _extras.source_checkout() is None  # no pyproject.toml: a wheel's site-packages
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    assert _extras.source_checkout() is None
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndescription = "naïve"\nname = "glassnet"\n', encoding="utf-8"
    )
    assert _extras.source_checkout() == tmp_path
