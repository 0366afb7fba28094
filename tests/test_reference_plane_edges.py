"""The input plane of a figure at every magnitude float64 holds (issue 26: nothing silent).

Data near float64's largest number gave a box whose width was infinite (``hi - lo`` of
+-1e308), a grid whose far cells overflowed (``(i + 1/2) * width`` before dividing by the
resolution), NumPy's overflow warnings from ``ptp``, and matplotlib's "arange: cannot compute
length", naming nothing the user gave. The references are the box's definition (the data's
range with a margin of ``pad`` of it on each side; a single value gets ``max(0.5, pad |x|)``)
and the cell centres written out.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import grids, plots
from glassnet.cli import main


@pytest.mark.parametrize("m", [1e-300, 1.0, 7.5, 1e20, 1e300, 1e308])
def test_the_box_of_one_point_has_a_width_at_every_magnitude(m):
    x0, x1, y0, y1 = grids.plane_extent(np.array([[m, -m]]))
    margin = max(0.5, 0.1 * m)
    assert (x0, x1) == (m - margin, m + margin) and (y0, y1) == (-m - margin, -m + margin)
    assert x0 < m < x1 and y0 < -m < y1


@pytest.mark.parametrize("m", [1.0, 1e20, 1e300, 5e307])
def test_the_box_of_a_spread_is_its_range_and_a_tenth_of_it_each_side(m):
    X = np.array([[-m, 0.0], [m, 2 * m / 4]])
    x0, x1, y0, y1 = grids.plane_extent(X)
    assert (x0, x1) == pytest.approx((-1.2 * m, 1.2 * m), rel=1e-15)
    assert (y0, y1) == pytest.approx((-0.05 * m, 0.55 * m), rel=1e-15)


def test_a_box_wider_than_float64_is_refused_by_the_data():
    with pytest.raises(ValueError) as err:
        grids.plane_extent(np.array([[-1e308, 0.0], [1e308, 1.0]]))
    assert str(err.value) == (
        "X: the plane around the data's first two features (from -1e+308 to 1e+308) is wider "
        "than float64 holds; scale X (e.g. with glassnet.datasets.Standardizer)"
    )


def test_cell_centres_by_hand_and_near_float64s_edge():
    np.testing.assert_array_equal(grids.centres(0.0, 1.0, 4), [0.125, 0.375, 0.625, 0.875])
    c = grids.centres(9e307, 1.1e308, 100)  # (i + 1/2) * 2e307 overflows for i >= 9
    assert np.isfinite(c).all() and (np.diff(c) > 0).all()
    assert c[0] == pytest.approx(9e307 + 1e305, rel=1e-15)
    assert c[-1] == pytest.approx(1.1e308 - 1e305, rel=1e-15)
    for lo, hi in [(1.0, 1.0), (2.0, 1.0), (-1.7e308, 1.7e308), (0.0, np.inf)]:
        with pytest.raises(ValueError, match=r"^extent: expected finite edges with low < high"):
            grids.centres(lo, hi, 3)
    rows = grids.plane_inputs((0.0, 1.0, 10.0, 12.0), 2)  # image rows: the top first
    np.testing.assert_array_equal(rows, [[0.25, 11.5], [0.75, 11.5], [0.25, 10.5], [0.75, 10.5]])


def test_a_figure_of_data_past_its_axes_is_refused_by_the_data_and_drawn_below():
    net = gn.Network([3, 2, 1], seed=0)
    y = np.ones((1, 1))
    with pytest.raises(ValueError) as err:
        plots.decision_boundary(net, np.full((1, 3), 1e308), y)
    assert str(err.value) == (
        "X: the plane around the data's first two features reaches 1.1e+308; a figure's axes "
        "stop at 1e+307 (beyond, their ticks overflow float64); scale X (e.g. with "
        "glassnet.datasets.Standardizer)"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.decision_boundary(net, np.full((1, 3), 9e306), y)
        fig.canvas.draw()  # ticks and all: matplotlib's arithmetic stays finite


def test_the_command_line_names_the_option_that_gave_the_data(tmp_path, capsys):
    for rows in (["--x", "1e308,1e308,1e308", "--y", "1"],
                 ["--x", "1e308,1e308,1e308", "--y", "1", "--x", "-1e308,-1e308,1e308", "--y", "0"]):  # fmt: skip
        with pytest.raises(SystemExit) as exit_:
            main(["plot", "boundary", *rows, "-o", str(tmp_path / "b.png")])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.count("\n") == 1, err
        assert err.startswith("error: --x: the plane around the data's first two features ")
        assert "float64" in err and not list(tmp_path.iterdir())
