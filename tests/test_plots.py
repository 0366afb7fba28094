"""Figures: each one renders a real image of the requested size for 2-D data, a deep network
and a population; the animation writes a GIF with the requested frames; the grids are right."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet import display, grids, plots

SMALL = dict(figsize=(3.0, 2.0), dpi=40)  # 120 x 80 pixels


def png_size(fig) -> tuple[int, int]:
    data = plots.to_png(fig)
    assert data.startswith(b"\x89PNG")
    img = Image.open(io.BytesIO(data))
    colours = img.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 10, "the image is (nearly) blank"
    return img.size


@pytest.fixture(scope="module")
def moons():
    X, y = gn.datasets.load("moons")
    return X[::5], y[::5]  # 40 points


@pytest.fixture(scope="module")
def trained(moons):
    """A shallow net, a deep net and a population, trained briefly with recorded paths."""
    X, y = moons
    out = {}
    for name, kw in {
        "shallow": dict(sizes=[2, 4, 1], seed=0),
        "deep": dict(sizes=[2, 5, 5, 5, 1], seed=1),
        "population": dict(sizes=[2, 4, 1], seed=[0, 1, 2]),
    }.items():
        net = gn.Network(kw["sizes"], activation="tanh", seed=kw["seed"])
        rec = plots.ParamRecorder(stride=5)
        hist = net.fit(X, y, loss="bce", lr=0.5, epochs=20, callbacks=[rec], stats_every=2)
        out[name] = (net, hist, rec)
    return out


KINDS = ["shallow", "deep", "population"]


@pytest.mark.parametrize(
    "kind, edges",
    [("shallow", "weights"), ("deep", "weights"), ("deep", "gradients"), ("deep", "update"),
     ("population", "gradients")],
)  # fmt: skip
def test_network_diagram(trained, moons, kind, edges):
    net, _, _ = trained[kind]
    X, y = moons
    fig = plots.network_diagram(net, X, y, sample=3, edges=edges, loss="bce", **SMALL)
    assert png_size(fig) == (120, 80)


def test_network_diagram_small_multiples_and_no_data(trained):
    net, _, _ = trained["population"]
    assert png_size(plots.network_diagram(net, member="all", **SMALL)) == (120, 80)
    assert png_size(plots.network_diagram(trained["deep"][0], max_nodes=3, **SMALL)) == (120, 80)


@pytest.mark.parametrize("kind", KINDS)
def test_decision_boundary_and_unit_maps(trained, moons, kind):
    net, _, _ = trained[kind]
    X, y = moons
    fig = plots.decision_boundary(net, X, y, res=20, unit_res=8, figsize=(6, 3), dpi=30)
    assert png_size(fig) == (180, 90)
    if kind == "deep":  # main panel + its colour bar + 3 hidden layers x 5 unit maps
        assert len(fig.axes) == 1 + 1 + 15
    if kind == "population":
        fig = plots.decision_boundary(net, X, y, member=[0, 2], res=10, **SMALL)
        assert png_size(fig) == (120, 80) and len(fig.axes) == 2


def test_decision_boundary_multiclass_regression_and_paper():
    Xb, yb = gn.datasets.load("blobs")
    net = gn.Network([2, 3, 3], activation="relu", output="softmax", seed=0)
    assert png_size(plots.decision_boundary(net, Xb[::10], yb[::10], res=10, **SMALL)) == (120, 80)
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(20, 2))
    yr = Xr[:, :1] ** 2 - Xr[:, 1:]
    reg = gn.Network([2, 3, 1], activation="tanh", output="identity", seed=0)
    assert png_size(plots.decision_boundary(reg, Xr, yr, res=10, **SMALL)) == (120, 80)
    Xp, yp = gn.datasets.load("paper")
    paper = gn.Network([3, 2, 1], bias="layer", init="paper", seed=1)
    fig = plots.decision_boundary(paper, Xp, yp, res=10, **SMALL)
    assert "feature 3 held at 1" in fig.axes[0].get_title()


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_flow_and_loss_curve(trained, kind):
    net, hist, _ = trained[kind]
    assert png_size(plots.gradient_flow(hist, **SMALL)) == (120, 80)
    assert png_size(plots.loss_curve(hist, **SMALL)) == (120, 80)
    if kind == "deep":
        assert png_size(plots.gradient_flow(hist, stat="saturated", **SMALL)) == (120, 80)
        assert png_size(plots.history_figure(hist, **SMALL)) == (120, 80)
    if kind == "population":
        fig = plots.gradient_flow(hist, member=[0, 1, 2], **SMALL)
        assert png_size(fig) == (120, 80) and len(fig.axes) == 3
        assert png_size(plots.loss_curve(hist, member=1, **SMALL)) == (120, 80)
    ax = plots.gradient_flow(hist, member=None, **SMALL).axes[0]
    assert len(ax.get_lines()) == net.n_layers
    assert ax.get_yscale() == "log"


def test_gradient_flow_needs_stats(moons):
    X, y = moons
    hist = gn.Network([2, 3, 1], seed=0).fit(X, y, epochs=2, stats_every=0)
    with pytest.raises(ValueError, match="stats_every"):
        plots.gradient_flow(hist)


@pytest.mark.parametrize("kind", KINDS)
def test_loss_landscape(trained, moons, kind):
    net, _, rec = trained[kind]
    X, y = moons
    fig = plots.loss_landscape(net, X, y, loss="bce", path=rec, res=7, **SMALL)
    assert png_size(fig) == (120, 80)
    if kind == "deep":
        fig = plots.loss_landscape(net, X, y, loss="bce", path=rec, directions="pca", kind="2d",
                                   res=5, **SMALL)  # fmt: skip
        assert png_size(fig) == (120, 80)
        fig = plots.loss_landscape(net, X, y, loss="bce", kind="1d", res=5, **SMALL)
        assert png_size(fig) == (120, 80)
    if kind == "population":
        fig = plots.loss_landscape(net, X, y, loss="bce", path=rec, member="all", res=5, **SMALL)
        assert png_size(fig) == (120, 80) and len(fig.axes) == 3


def test_param_recorder_frames_and_path(trained):
    net, _, rec = trained["deep"]
    assert rec.epochs == [0, 5, 10, 15, 20]
    assert rec.path.shape == (5, net.n_params)
    np.testing.assert_array_equal(rec.path[-1], grids.flatten(net.params))
    pop, _, prec = trained["population"]
    assert prec.path.shape == (5, 3, pop.n_params)
    assert plots.ParamRecorder(stride=3).stride == 3
    with pytest.raises(ValueError, match="stride"):
        plots.ParamRecorder(stride=0)


@pytest.mark.parametrize("member", [None, 1])
def test_animation_writes_a_gif_with_the_requested_frames(tmp_path, moons, member):
    X, y = moons
    seed = 0 if member is None else [0, 1]
    net = gn.Network([2, 3, 1], activation="tanh", seed=seed)
    path = tmp_path / "train.gif"
    hist = plots.animate_training(net, X, y, path, epochs=6, stride=2, member=member, loss="bce",
                                  lr=0.5, res=8, figsize=(4, 1.5), dpi=30)  # fmt: skip
    assert hist.epochs_run == 6
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 4  # before training, and after epochs 2, 4, 6
        assert gif.size == (120, 45)


def test_animation_of_non_planar_data_and_bad_paths(tmp_path):
    X, y = gn.datasets.load("paper")
    net = gn.Network([3, 2, 1], seed=1)
    rec = plots.ParamRecorder(stride=3)
    net.fit(X, y, epochs=5, callbacks=[rec])
    assert rec.epochs == [0, 3, 5]
    Xd = X[:, :1]
    one = gn.Network([1, 2, 1], seed=0)
    rec1 = plots.ParamRecorder(stride=2)
    one.fit(Xd, y, epochs=4, callbacks=[rec1])
    out = plots.render_animation(rec1, Xd, y, tmp_path / "a.gif", figsize=(3, 1), dpi=30)
    with Image.open(out) as gif:
        assert gif.n_frames == 3
    with pytest.raises(ValueError, match="path"):
        plots.render_animation(rec, X, y, tmp_path / "a.avi")
    if plots.shutil.which("ffmpeg") is None:
        with pytest.raises(ValueError, match="ffmpeg"):
            plots.render_animation(rec, X, y, tmp_path / "a.mp4")


def test_jupyter_helpers(trained):
    net, hist, _ = trained["shallow"]
    assert plots.network_png(net, dpi=30).startswith(b"\x89PNG")
    assert plots.history_png(hist, dpi=30).startswith(b"\x89PNG")
    page = plots.network_html(net)
    assert '<img src="data:image/png;base64,' in page and "tanh" in page
    page = display.history_html(trained["population"][1])  # the figure is plots.history_png
    assert "20 epochs" in page and "<img" in page


def test_bad_arguments(trained, moons):
    net, hist, _ = trained["shallow"]
    X, y = moons
    with pytest.raises(ValueError, match="edges"):
        plots.network_diagram(net, X, y, edges="nope")
    with pytest.raises(ValueError, match="X, y"):
        plots.network_diagram(net, edges="gradients")
    with pytest.raises(ValueError, match="member"):
        plots.network_diagram(net, member=2)
    with pytest.raises(ValueError, match="member"):
        plots.decision_boundary(trained["population"][0], X, y, member=[7])
    with pytest.raises(ValueError, match="kind"):
        plots.loss_landscape(net, X, y, kind="3d")
    with pytest.raises(ValueError, match="pca"):
        plots.loss_landscape(net, X, y, directions="pca")
    with pytest.raises(ValueError, match="stat"):
        plots.gradient_flow(hist, stat="nope")
    with pytest.raises(ValueError, match="figsize"):
        plots.loss_curve(hist, figsize=(0, 1))
    Xp, yp = gn.datasets.load("paper")
    with pytest.raises(ValueError, match="2 input"):
        plots.decision_boundary(gn.Network([1, 2, 1]), Xp[:, :1], yp)


# --- the NumPy grids -------------------------------------------------------------------------


def test_plane_grid_layout_and_population(trained, moons):
    X, _ = moons
    pop = trained["population"][0]
    g = grids.plane_grid(pop, X, res=6)
    assert [a.shape for a in g.layers] == [(3, 6, 6, 4), (3, 6, 6, 1)]
    one = grids.plane_grid(pop.member(2), X, res=6)
    np.testing.assert_allclose(g.layers[-1][2], one.layers[-1], rtol=1e-12)
    # row 0 is the top of the plane, column 0 its left edge
    x0, x1, y0, y1 = g.extent
    corner = pop.member(2).predict([[x0 + (x1 - x0) / 12, y1 - (y1 - y0) / 12]])
    np.testing.assert_allclose(one.output[0, 0], corner[0], rtol=1e-12)
    assert grids.plane_activations(pop.member(0), g.extent, 4)[0].shape == (4, 4, 4)


def test_loss_surface_centre_path_and_flatten(trained, moons):
    X, y = moons
    net, _, rec = trained["deep"]
    s = grids.loss_surface(net, X, y, loss="bce", dims=2, res=5, path=rec.path)
    assert s.loss.shape == (5, 5)
    assert s.loss[2, 2] == pytest.approx(net.loss(X, y, "bce"), rel=1e-12)
    np.testing.assert_allclose(s.path[-1], [0, 0], atol=1e-12)  # the path ends at the centre
    np.testing.assert_allclose(s.path_loss[-1], net.loss(X, y, "bce"), rtol=1e-12)
    line = grids.loss_surface(net, X, y, loss="bce", dims=1, res=3, span=0.5, seed=3)
    moved = net.copy()
    for layer, d in zip(moved.params, grids.unflatten(line.directions[0], net.params), strict=True):
        for k in layer:
            layer[k] += 0.5 * d[k]
    assert line.loss[-1] == pytest.approx(moved.loss(X, y, "bce"), rel=1e-12)
    # filter normalization: each unit's direction column has the norm of its weights
    W = net.params[0]["W"]
    D = grids.unflatten(line.directions[0], net.params)[0]
    np.testing.assert_allclose(np.linalg.norm(D["W"], axis=0), np.linalg.norm(W, axis=0))
    np.testing.assert_array_equal(D["b"], 0)
    vec = grids.flatten(net.params)
    back = grids.unflatten(vec, net.params)
    for a, b in zip(back, net.params, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    pca = grids.loss_surface(net, X, y, loss="bce", directions="pca", path=rec.path, res=3)
    assert pca.explained is not None and pca.explained.sum() <= 1 + 1e-12


def test_engine_and_trace_do_not_import_matplotlib():
    code = (
        "import sys, glassnet, glassnet.trace, glassnet.grids, glassnet.plots;"
        "import glassnet as gn;"
        "gn.Network([3, 2, 1]).trace([[0, 0, 1]], [[0]]);"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- glassnet plot ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, size",
    [
        (["network", "--sample", "1", "--edges", "gradients"], (90, 60)),
        (["boundary", "--dataset", "xor", "--epochs", "3", "--res", "8"], (90, 60)),
        (["landscape", "--epochs", "5", "--res", "5", "--kind", "2d"], (90, 60)),
        (["gradients", "--population", "3", "--member", "all", "--epochs", "4"], (90, 60)),
        (["loss", "--population", "3", "--epochs", "4"], (90, 60)),
    ],
)
def test_plot_cli_writes_figures(tmp_path, args, size):
    from click.testing import CliRunner

    from glassnet.cli import cli

    out = tmp_path / "fig.png"
    result = CliRunner().invoke(
        cli, ["plot", *args, "--out", str(out), "--width", "3", "--height", "2", "--dpi", "30"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    with Image.open(out) as img:
        assert img.size == size


def test_plot_cli_animation_and_errors(tmp_path, capsys):
    from click.testing import CliRunner

    from glassnet.cli import cli, main

    out = tmp_path / "a.gif"
    result = CliRunner().invoke(
        cli, ["plot", "animation", "--epochs", "4", "--stride", "2", "--res", "6", "--out",
              str(out), "--width", "3", "--height", "1", "--dpi", "30"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Image.open(out) as gif:
        assert gif.n_frames == 3
    for bad in (
        ["plot", "loss", "--member", "x", "--out", str(tmp_path / "b.png")],
        ["plot", "boundary", "--dataset", "nope", "--out", str(tmp_path / "b.png")],
        ["plot", "animation", "--out", str(tmp_path / "b.avi"), "--epochs", "1"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(bad)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and err.count("\n") == 1


def test_last_update_is_the_optimizers_last_step(moons, tmp_path):
    X, y = moons
    net = gn.Network([2, 3, 1], activation="tanh", seed=4)
    rec = plots.ParamRecorder(stride=1)
    net.fit(X, y, loss="bce", lr=0.3, epochs=3, callbacks=[rec])
    before = net.copy()
    for layer, frame in zip(before.params, rec.frames[-2], strict=True):
        for k in layer:
            layer[k][...] = frame[k]
    expected = before.trace(X, y, loss="bce", lr=0.3).steps
    for got, want in zip(rec.last_update(), expected, strict=True):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-15)
    fig = plots.network_diagram(net, X, y, edges="update", steps=rec.last_update(), **SMALL)
    assert png_size(fig) == (120, 80)
