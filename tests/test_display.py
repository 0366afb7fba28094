"""History and Trace display, History.to_dataframe, figures that show themselves, built from
hand-made records (no training needed)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import display
from glassnet.training import History


def _hist(**kw):
    base = dict(
        loss=np.array([1.0, 0.5, 0.25, 0.125]),
        stats_epochs=np.array([0, 3]),
        layer_stats={
            "grad_norm": np.array([[0.3, 0.1], [0.03, 0.01]]),
            "dead_relu": np.array([[0.0, 0.0], [0.75, 0.0]]),
            "saturated": np.array([[0.0, 0.1], [0.0, 0.9]]),
        },
        epochs_run=4,
        lr=0.5,
        settings={"loss": "bce", "optimizer": "adam"},
    )
    return History(**(base | kw))


def test_to_dataframe_single_network():
    df = _hist(val_loss=np.array([2.0, 1.0, 0.5, 0.4])).to_dataframe()
    assert list(df.index) == [0, 1, 2, 3] and df.index.name == "epoch"
    assert df["loss"].tolist() == [1.0, 0.5, 0.25, 0.125]
    assert df["val_loss"].tolist() == [2.0, 1.0, 0.5, 0.4]
    # statistics on the recorded epochs 0 and 3 only
    g1 = df["grad_norm_1"].tolist()
    assert g1[0] == 0.3 and g1[3] == 0.03 and np.isnan(g1[1]) and np.isnan(g1[2])
    assert df["dead_relu_1"].iloc[3] == 0.75


def test_to_dataframe_population_is_member_by_epoch():
    h = History(
        loss=np.array([[3.0, 2.0], [5.0, 4.0]]),
        epochs_run=2,
        population=2,
        diverged=np.array([False, False]),
        diverged_epoch=np.array([-1, -1]),
    )
    df = h.to_dataframe()
    assert df.index.names == ["member", "epoch"]
    assert df.loc[(1, 0), "loss"] == 5.0 and df.loc[(0, 1), "loss"] == 2.0


def test_notes_name_dead_and_saturated_units():
    notes = display.history_notes(_hist())
    dead = [n for n in notes if n.startswith("dead units at epoch 3")]
    assert dead and "layer 1: 75%" in dead[0] and "layer 2" not in dead[0]
    sat = [n for n in notes if n.startswith("saturated units at epoch 3")]
    assert sat and "layer 2: 90%" in sat[0]


def test_notes_name_divergence_and_a_flat_loss():
    h = _hist(
        loss=np.array([1.0, np.inf]), diverged=True, diverged_epoch=1, layer_stats={},
        stats_epochs=np.zeros(0, int),
    )  # fmt: skip
    assert any(n.startswith("diverged at epoch 1") for n in display.history_notes(h))
    flat = _hist(loss=np.full(20, 0.7), layer_stats={}, stats_epochs=np.zeros(0, int))
    assert any("barely moved" in n for n in display.history_notes(flat))
    assert display.history_notes(_hist(layer_stats={}, stats_epochs=np.zeros(0, int))) == []


def test_history_table_text_and_html():
    h = _hist(val_loss=np.array([2.0, 1.0, 0.5, 0.4]), val_accuracy=np.array([0.5] * 4))
    cols, rows = display.history_table(h)
    assert cols[:4] == ["epoch", "loss", "val loss", "val acc"]
    assert [r[0] for r in rows] == ["0", "3"]  # the recorded epochs (first and last)
    assert rows[1][1] == "0.125" and rows[1][2] == "0.4"
    text = display.history_text(h)
    assert text.splitlines()[0] == "History: 4 epochs (loss bce, optimizer adam, lr 0.5)"
    page = h._repr_html_()
    assert page.count("<img") == 1 and "dead units at epoch 3" in page


def test_figures_show_themselves_and_save(tmp_path):
    net = gn.Network([2, 2, 1], seed=0)
    fig = gn.plots.network_diagram(net, figsize=(2, 1.5), dpi=50)
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 100 and int.from_bytes(png[20:24], "big") == 75
    assert fig._repr_html_() is None  # the notebook keeps the PNG alone
    fig.save(tmp_path / "n.png")
    assert (tmp_path / "n.png").read_bytes()[:8] == png[:8]


def test_huge_dpi_is_refused_before_drawing():
    net = gn.Network([2, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"dpi: expected at most 16384 pixels per side"):
        gn.plots.network_diagram(net, dpi=1e9)


def test_plots_is_an_attribute_and_import_stays_light():
    code = (
        "import sys, glassnet as gn\n"
        "assert 'matplotlib' not in sys.modules\n"
        "assert gn.plots.decision_boundary\n"
        "assert 'matplotlib' not in sys.modules\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_print_shows_the_table_repr_stays_short():
    h = _hist()
    assert str(h) == display.history_text(h) and "||dC/dW|| L1" in str(h)
    assert repr(h).startswith("History(epochs_run=4") and "\n" not in repr(h)


def test_gradient_flow_marks_exact_zeros_on_its_log_axis():
    h = _hist(layer_stats={"grad_norm": np.array([[0.3, 0.1], [0.0, 0.01]])})
    fig = gn.plots.gradient_flow(h)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    [zeros] = [line for line in ax.lines if line.get_label().startswith("exactly 0")]
    assert list(zeros.get_xdata()) == [3]  # layer 1 at epoch 3


def test_landscape_span_is_bounded():
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 2, 1], seed=0)
    with pytest.raises(
        ValueError, match=r"span: expected a finite number in \(0, 1e\+06\], got 1e\+308"
    ):
        gn.plots.loss_landscape(net, X, y, span=1e308, res=3)
