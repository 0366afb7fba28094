"""The glass box's figures, issue 15: what a student reads off them is where it should be."""

from __future__ import annotations

import numpy as np
from matplotlib.contour import ContourSet

import glassnet as gn
from glassnet import plots


def _linear_net(w: float, b: float) -> gn.Network:
    """a = sigmoid(w x_1 + b): the 0.5 contour is the line x_1 = -b / w."""
    net = gn.Network([2, 1], output="sigmoid", seed=0)
    net.layers[0].W = np.array([[w], [0.0]])
    net.layers[0].b = np.array([[b]])
    return net


def test_the_half_contour_sits_at_the_true_boundary_even_on_a_coarse_grid():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([[0.0], [1.0], [0.0], [1.0]])
    # a gentle slope keeps sigmoid nearly linear between two cell centres, so linear
    # interpolation between the centres lands within 1e-3 of x_1 = 0.3; drawn through the
    # cells' edges instead, a 5-cell grid puts it 0.06 (a quarter cell) to the left
    net = _linear_net(0.5, -0.15)
    fig = plots.decision_boundary(net, X, y, res=5, units=False)
    main = fig.axes[0]
    (cs,) = [c for c in main.collections if isinstance(c, ContourSet)]
    xs = np.concatenate([seg[:, 0] for seg in cs.allsegs[0]])
    assert xs.size >= 2
    np.testing.assert_allclose(xs, 0.3, atol=1e-3)


def test_the_boundary_has_axis_names_a_class_legend_and_a_colour_bar():
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 3, 1], activation="tanh", seed=0)
    fig = plots.decision_boundary(net, X, y, res=12)
    main = fig.axes[0]
    assert "x_1" in main.get_xlabel() and "x_2" in main.get_ylabel()
    legend = main.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["class 0", "class 1"]
    bars = [ax for ax in fig.axes if "a^{(2)}" in ax.get_ylabel()]
    assert len(bars) == 1  # the colour bar, labelled with the output it scales
    lo, hi = bars[0].get_ylim()
    assert (lo, hi) == (0.0, 1.0)

    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(30, 2))
    y3 = np.eye(3)[rng.integers(0, 3, 30)]
    net3 = gn.Network([2, 4, 3], activation="tanh", output="softmax", seed=0)
    main3 = plots.decision_boundary(net3, X3, y3, res=10, units=False).axes[0]
    texts = [t.get_text() for t in main3.get_legend().get_texts()]
    assert texts == ["class 0", "class 1", "class 2"]


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_population_diagram_titles_labels_and_nodes_do_not_overlap():
    X, y = gn.datasets.load("paper")
    pop = gn.Network([3, 2, 1], seed=list(range(4)))
    fig = plots.network_diagram(pop, X, y, member="all")  # the default size
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes]
    for i, a in enumerate(titles):
        for b in titles[i + 1 :]:
            assert not _boxes_overlap(a, b)
    px = fig.dpi / 72
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_text().startswith("layer")]
        assert len(labels) == 3
        boxes = [t.get_window_extent(renderer) for t in labels] + [
            ax.title.get_window_extent(renderer)
        ]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not _boxes_overlap(a, b)
        nodes = [c for c in ax.collections if c.get_zorder() == 4]
        assert nodes
        for c in nodes:
            r = np.sqrt(c.get_sizes()[0]) / 2 * px
            for x, yy in ax.transData.transform(c.get_offsets()):
                for box in boxes:  # no node covers a layer's name or the title
                    assert not (box.x0 - r < x < box.x1 + r and box.y0 - r < yy < box.y1 + r)
