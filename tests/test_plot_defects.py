"""Figure defects of issue 24: a legend that hid data points, and a boundary of many-input data
that silently showed inputs 1 and 2."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import grids, plots
from glassnet.cli import main


def _trained(data, sizes, output="sigmoid", loss="bce"):
    X, y = gn.datasets.load(data)
    net = gn.Network(sizes, activation="tanh", output=output, seed=0)
    net.fit(X, y, loss=loss, optimizer="adam", lr=0.05, epochs=50)
    return net, X, y


@pytest.mark.parametrize("units", [True, False])
@pytest.mark.parametrize(
    "case", [("xor", [2, 4, 1], "sigmoid", "bce"), ("blobs", [2, 5, 3], "softmax", "cross_entropy")]
)
def test_the_legend_covers_no_data_point(case, units):
    net, X, y = _trained(*case)
    fig = plots.decision_boundary(net, X, y, units=units)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None and len(legend.get_texts()) == y.shape[1] + (y.shape[1] == 1)
    box = legend.get_window_extent().expanded(1.0, 1.0)
    # every data point, in pixels, with its marker's radius: none meets the legend
    points = ax.transData.transform(X[:, :2])
    radius = np.sqrt(22) / 2 * fig.dpi / 72  # scatter size 22 points^2
    inside = (
        (points[:, 0] + radius > box.x0) & (points[:, 0] - radius < box.x1)
        & (points[:, 1] + radius > box.y0) & (points[:, 1] - radius < box.y1)
    )  # fmt: skip
    assert not inside.any(), X[inside]
    # and the legend is outside the plot itself (so XOR's corner points, (1, 1) among them,
    # are never under it) and inside the figure (not cut off)
    assert box.y1 <= ax.get_window_extent().y0 and box.y0 >= 0


def test_the_plane_of_two_chosen_inputs_is_the_networks_output_there():
    net = gn.Network([4, 3, 1], activation="tanh", output="identity", seed=1)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    grid = grids.plane_grid(net, X, res=5, features=(2, 0))
    assert grid.features == (2, 0)
    x0, x1, y0, y1 = grid.extent
    mean = X.mean(axis=0)
    # the reference: the network's own prediction at each cell's centre, the input built by
    # hand (input 3 along x, input 1 along y, inputs 2 and 4 at their means)
    for r in range(5):
        for c in range(5):
            point = mean.copy()
            point[2] = x0 + (c + 0.5) * (x1 - x0) / 5
            point[0] = y1 - (r + 0.5) * (y1 - y0) / 5  # image rows: the top first
            assert grid.output[r, c, 0] == pytest.approx(net.predict(point[None, :])[0, 0])
    # the extent is the box around inputs 3 and 1, not 1 and 2
    assert x0 < X[:, 2].min() and x1 > X[:, 2].max() and y0 < X[:, 0].min()
    with pytest.raises(ValueError, match=r"^features: expected two different inputs, got 1 twice$"):
        grids.plane_grid(net, X, res=5, features=(1, 1))
    with pytest.raises(ValueError, match=r"^features\[1\]: expected an integer in \[0, 3\], got 4"):
        grids.plane_grid(net, X, res=5, features=(0, 4))


def test_the_figure_names_the_inputs_it_draws():
    net = gn.Network([4, 3, 1], activation="tanh", output="identity", seed=1)
    X = np.random.default_rng(0).normal(size=(20, 4))
    fig = plots.decision_boundary(net, X, X[:, :1], features=(3, 1), units=False)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "$x_4$ (input 4)" and ax.get_ylabel() == "$x_2$ (input 2)"
    assert ax.get_title().endswith("the other 2 features held at " + ", ".join(
        f"{v:.3g}" for v in X[:, [0, 2]].mean(axis=0)))  # fmt: skip


def test_plot_boundary_of_many_varying_inputs_asks_which_two(capsys, tmp_path):
    out = ["-o", str(tmp_path / "d.png"), "--epochs", "2", "--hidden", "3", "--no-units"]
    with pytest.raises(SystemExit) as exit_:
        main(["plot", "boundary", "-d", "digits", *out])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith("error: Invalid value for --features: ")
    assert "the data has 64 inputs, 61 of which vary" in err and "--features I,J" in err
    main(["plot", "boundary", "-d", "digits", "--features", "20,36", *out])
    assert capsys.readouterr().out.startswith("wrote ")
    # the paper's data has 3 inputs, the third always 1: nothing is hidden by holding it
    main(["plot", "boundary", "-o", str(tmp_path / "p.png"), "--epochs", "2"])
    assert capsys.readouterr().out.startswith("wrote ")
