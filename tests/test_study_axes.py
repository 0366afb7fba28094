"""Study axes described once: the table feeds the spec, the worker, the results and the report;
axes added later keep older studies resumable; the study package has no import cycles."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

import glassnet.study as gs
import glassnet.study.spec as spec_mod
from glassnet._extras import install_hint
from glassnet.network import Network
from glassnet.study.frame import COLUMNS
from glassnet.study.report import _TITLES, AXIS_COLUMNS
from glassnet.study.spec import _KEYS, AXIS_TABLE
from glassnet.training import fit

SPEC = """
[data]
dataset = "xor"
[model]
hidden = [[2], [3]]
[train]
lr = [0.5, 5.0]
epochs = 8
seeds = 2
"""


def test_every_axis_has_a_spec_key_a_column_a_title_and_a_way_to_fit(tmp_path):
    study = gs.run(gs.parse_spec(SPEC, "axes.toml"), tmp_path / "s", jobs=1)
    df = study.results()
    fit_params = inspect.signature(fit).parameters
    net_params = inspect.signature(Network).parameters
    assert [a.name for a in AXIS_TABLE] == list(gs.AXES)
    for ax in AXIS_TABLE:
        assert ax.key in _KEYS[ax.section], ax
        assert ax.column in df.columns and COLUMNS[ax.column] == ax.dtype, ax
        assert str(df[ax.column].dtype) == ax.dtype, ax
        assert ax.title and _TITLES[ax.name] == ax.title, ax
        if ax.name != "seed":
            assert AXIS_COLUMNS[ax.name] == ax.column
        if ax.reach == "fit":
            assert ax.argument in fit_params, ax
        elif ax.reach == "network":
            assert ax.argument in net_params, ax
        elif ax.reach == "member":
            assert ax.argument in fit_params or ax.argument in net_params, ax
        else:
            assert ax.reach in ("data", "sizes"), ax
    assert df["backend"].unique().tolist() == ["numpy"]
    assert sorted(df["hidden"].unique().tolist()) == ["2", "3"]


def _sha(obj: dict) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_an_axis_at_its_default_stays_out_of_the_hashes():
    spec = gs.parse_spec(SPEC, "h.toml")
    same = gs.parse_spec(SPEC.replace("[model]", '[model]\nbackend = "numpy"'), "h.toml")
    for cfg in spec.runs():
        assert cfg["backend"] == "numpy"
        before = {k: v for k, v in cfg.items() if k != "backend"}  # as stored before the axis
        assert gs.config_hash(cfg) == _sha(before)
        assert gs.config_hash({**cfg, "backend": "jax"}) != _sha(before)
    assert spec.hash == same.hash
    norm = spec.normalized
    assert "backend" not in norm["axes"]
    assert spec.hash == _sha(norm)


def test_a_store_made_before_an_axis_existed_still_resumes(tmp_path, monkeypatch):
    spec_text = SPEC
    out = tmp_path / "s"
    with monkeypatch.context() as mp:  # glassnet before the backend axis was added
        old = tuple(a for a in AXIS_TABLE if a.name != "backend")
        mp.setattr(spec_mod, "AXIS_TABLE", old)
        mp.setattr(spec_mod, "AXES", tuple(a.name for a in old))
        old_spec = gs.parse_spec(spec_text, "s.toml")
        assert "backend" not in old_spec.runs()[0]
        gs.run(old_spec, out, jobs=1)
    with gs.Store.open(out) as store:
        stored = json.loads(store.meta()["spec_json"])
        assert "backend" not in stored["axes"]
        assert all("backend" not in r["config"] for r in store.rows())
    events: list[gs.Progress] = []
    gs.run(gs.parse_spec(spec_text, "s.toml"), out, jobs=1, progress=events.append)
    assert [e.event for e in events] == ["start", "done"]  # nothing to train again
    assert events[0].runs_done == 8
    st = gs.open(out)
    assert st.status()["runs_missing"] == 0
    assert st.results()["backend"].tolist() == ["numpy"] * 8


def test_the_study_package_has_no_import_cycles():
    """Every import between the package's modules, lazy ones included (TYPE_CHECKING aside)."""
    root = Path(gs.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.glob("*.py"):
        name = "glassnet.study" if path.stem == "__init__" else f"glassnet.study.{path.stem}"
        tree = ast.parse(path.read_text())
        skip = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        deps = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d.startswith("glassnet.study") and d != name}
    assert graph["glassnet.study.runner"]  # the walk found the imports

    def visit(node: str, path: list[str]) -> None:
        assert node not in path, " -> ".join([*path, node])
        for dep in graph.get(node, ()):
            visit(dep, [*path, node])

    for module in graph:
        if module != "glassnet.study":  # the package re-exports its modules
            visit(module, [])
    # and no module reaches back into the package's __init__
    for module, deps in graph.items():
        assert "glassnet.study" not in deps, module


def test_backend_jax_without_jax_names_the_extra(monkeypatch):
    from glassnet import compiled

    monkeypatch.setattr(compiled, "available", lambda: False)
    with pytest.raises(gs.SpecError) as info:
        gs.parse_spec(SPEC.replace("[model]", '[model]\nbackend = "jax"'), "j.toml")
    assert info.value.problems == [
        "j.toml: model.backend: the jax backend needs JAX: " + install_hint("jax")
    ]
    with pytest.raises(gs.SpecError, match="unknown backend 'torch'"):
        gs.parse_spec(SPEC.replace("[model]", '[model]\nbackend = "torch"'), "j.toml")


def test_backend_jax_trains_a_group_like_numpy(tmp_path):
    pytest.importorskip("jax")
    text = SPEC.replace("hidden = [[2], [3]]", "hidden = [[2]]")
    gs.run(gs.parse_spec(text, "n.toml"), tmp_path / "n", jobs=1)
    jtext = text.replace("[model]", '[model]\nbackend = "jax"')
    gs.run(gs.parse_spec(jtext, "j.toml"), tmp_path / "j", jobs=1)
    a, b = gs.open(tmp_path / "n").results(), gs.open(tmp_path / "j").results()
    assert b["backend"].tolist() == ["jax"] * 4
    for x, y in zip(a["loss_curve"], b["loss_curve"], strict=True):
        np.testing.assert_allclose(y, x, rtol=1e-9, atol=0)
