"""The tutorials under docs/tutorials run from top to bottom, as stored, on a fresh kernel.

Each notebook checks its own claims (``assert`` cells against hand computations); this runs
them so they cannot rot, and checks that they are stored without outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "tutorials").glob("*.ipynb"))


def test_there_are_at_least_four_tutorials():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 4, names
    for topic in ("backprop", "paper", "vanishing", "scikit-learn"):
        assert any(topic in n for n in names), (topic, names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=60,  # per cell; each notebook takes a few seconds on 2 cores
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # any file it writes goes here
    )
    client.execute()  # raises CellExecutionError, with the cell and the traceback, on failure
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs
        if "image/png" in o.get("data", {})
    ]  # fmt: skip
    assert images, f"{path.name} shows no figure"
