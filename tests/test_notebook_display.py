"""Figures, a History and a Trace shown in a real Jupyter kernel (nbclient + ipykernel), as a
notebook user sees them: no ``%matplotlib inline``, no pyplot import."""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    # 0: a figure straight from glassnet.plots, reached as an attribute of the package
    "import sys\nimport glassnet as gn\n"
    "X, y = gn.datasets.load('xor')\n"
    "net = gn.Network([2, 3, 1], activation='tanh', seed=0)\n"
    "gn.plots.decision_boundary(net, X, y, units=False, figsize=(3, 3), dpi=40)",
    # 1: a History: its table, notes and one image
    "hist = net.fit(X, y, loss='bce', lr=0.5, epochs=20, validation=(X, y))\nhist",
    # 2: a Trace: the tables of `glassnet inspect`
    "net.trace(X, y, loss='sse')",
    # 3: nothing above imported pyplot (the user's backend is untouched)
    "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')",
]


@pytest.fixture(scope="module")
def outputs():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3")
    client.execute()
    return [cell.outputs for cell in nb.cells]


def _rich(outs):
    [out] = [o for o in outs if o["output_type"] in ("execute_result", "display_data")]
    return out["data"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_figure_displays_as_one_png(outputs):
    data = _rich(outputs[0])
    assert "image/png" in data, data.get("text/plain")
    assert "text/html" not in data  # the image is stored once
    import base64

    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # 3 x 3 inches at 40 dpi
    assert int.from_bytes(png[16:20], "big") == 120 and int.from_bytes(png[20:24], "big") == 120


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_history_displays_table_and_one_image(outputs):
    data = _rich(outputs[1])
    assert "image/png" not in data
    page = data["text/html"]
    assert page.count("<img") == 1
    assert "<th>val loss</th>" in page and "<th>val acc</th>" in page
    assert "History: 20 epochs (loss bce, optimizer gd, lr 0.5)" in page


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_trace_displays_inspect_tables(outputs):
    data = _rich(outputs[2])
    page = data["text/html"]
    assert "Forward pass" in page and "Backward pass" in page and "<table>" in page
    # the plain-text form is the same tables, not a dump of arrays
    assert "Forward pass" in data["text/plain"] and "array(" not in data["text/plain"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_no_pyplot_imported(outputs):
    [out] = outputs[3]
    assert out["text"].strip() == "no pyplot"
