"""The surviving mutants of glassnet/grids.py (``tools/mutate.py grids``), each killed against
an independent reference.

The loss landscape's reference is a one-weight, one-bias linear unit whose mse cost is written
out, ``C(w, b) = mean((w x + b - y)^2)``, so every point of a slice is a hand computation; the
filter-normalized directions are the algorithm of Li et al. (2018) as the module's docstring
states it, drawn here from NumPy's generator; the PCA directions are the eigenvectors of
``M^T M`` (``M`` the path minus the centre), from ``np.linalg.eigh``; the plane's cells are their
centres written out, ``lo + (i + 1/2) (hi - lo) / res``, image rows from the top.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import grids

XL = np.array([[1.0], [2.0], [-1.0]])
YL = np.array([[0.5], [1.0], [2.0]])
W0, B0 = 0.3, -0.2


def unit(w=W0, b=B0):
    net = gn.Network([1, 1], output="identity", bias="neuron", seed=0)
    net.params[0]["W"][...] = w
    net.params[0]["b"][...] = b
    return net


def cost(w, b):
    return float(np.mean((w * XL + b - YL) ** 2))


def directions_by_hand(params, rng, dims):
    """Li et al.'s filter normalization: N(0, 1) like each W, column j rescaled to
    ||W[:, j]||, biases 0; flat, layer by layer, W then b."""
    out = []
    for _ in range(dims):
        flat = []
        for layer in params:
            W = layer["W"]
            d = rng.standard_normal(W.shape)
            d = d * np.linalg.norm(W, axis=0) / np.linalg.norm(d, axis=0)
            flat += [d.ravel()] + ([np.zeros(layer["b"].size)] if "b" in layer else [])
        out.append(np.concatenate(flat))
    return np.array(out)


# --- the loss landscape -------------------------------------------------------------------------


def test_a_plane_along_the_two_parameters_is_the_cost_written_out():
    # the defaults: mse, a plane, 31 points a side over [-1, 1] (961 points: several chunks)
    s = grids.loss_surface(unit(), XL, YL, directions=[[1.0, 0.0], [0.0, 1.0]])
    alphas = np.linspace(-1, 1, 31)
    np.testing.assert_array_equal(s.alphas, alphas)
    np.testing.assert_array_equal(s.betas, alphas)
    np.testing.assert_array_equal(s.center, [W0, B0])
    want = [[cost(W0 + a, B0 + b) for a in alphas] for b in alphas]  # row i is beta_i
    np.testing.assert_allclose(s.loss, want, rtol=1e-12)
    assert s.path is None and s.path_loss is None and s.explained is None
    # a line along w, over [-0.5, 0.5]
    line = grids.loss_surface(unit(), XL, YL, dims=1, directions=[1.0, 0.0], res=5, span=0.5)
    assert line.betas is None
    np.testing.assert_allclose(line.loss, [cost(W0 + a, B0) for a in np.linspace(-0.5, 0.5, 5)],
                               rtol=1e-12)  # fmt: skip


def test_a_path_is_projected_on_the_directions_and_widens_the_span():
    D = np.array([[1.0, 1.0], [1.0, -1.0]])
    coef = np.array([[3.0, 0.5], [-1.0, 2.0], [0.0, 0.0]])
    path = np.array([W0, B0]) + coef @ D
    s = grids.loss_surface(unit(), XL, YL, directions=D, path=path, res=3)
    np.testing.assert_allclose(s.path, coef, atol=1e-12)
    np.testing.assert_allclose(s.path_loss, [cost(*p) for p in path], rtol=1e-12)
    np.testing.assert_allclose(s.alphas, [-3.3, 0.0, 3.3], rtol=1e-12)  # 1.1 max |projection|
    # a path inside the unit square keeps the span at 1
    s = grids.loss_surface(unit(), XL, YL, directions=D, path=path[1:] * 0 + [W0, B0], res=3)
    np.testing.assert_array_equal(s.alphas, [-1.0, 0.0, 1.0])


def test_random_directions_are_filter_normalized_draws_of_the_seed():
    net = gn.Network([2, 3, 1], activation="tanh", seed=4)
    X = np.array([[0.1, 0.2], [0.5, -0.4], [1.0, 0.3]])
    y = np.array([[0.0], [1.0], [0.5]])
    s = grids.loss_surface(net, X, y, res=3)  # seed 0
    np.testing.assert_allclose(
        s.directions, directions_by_hand(net.params, np.random.default_rng(0), 2), rtol=1e-12
    )
    one = grids.filter_normalized_direction(net.params)  # seed 0: the first of them
    np.testing.assert_allclose(one, s.directions[0], rtol=1e-12)
    seeded = grids.filter_normalized_direction(net.params, np.random.default_rng(7))
    np.testing.assert_allclose(
        seeded, directions_by_hand(net.params, np.random.default_rng(7), 1)[0], rtol=1e-12
    )
    # the cost at a corner: the parameters moved by -d1 - d2, the pass written out
    theta = s.center - s.directions[0] - s.directions[1]
    p = grids.unflatten(theta, net.params)
    a = np.tanh(X @ p[0]["W"] + p[0]["b"]) @ p[1]["W"] + p[1]["b"]
    out = 1 / (1 + np.exp(-a))  # the default output: sigmoid
    assert s.loss[0, 0] == pytest.approx(np.mean((out - y) ** 2), rel=1e-12)


def test_the_pca_plane_is_the_paths_principal_directions():
    rng = np.random.default_rng(1)
    net = gn.Network([2, 2, 1], seed=0)
    center = grids.flatten(net.params)
    path = center + rng.normal(size=(6, 2)) @ rng.normal(size=(2, center.size)) * [[1.0]]
    path[:, :3] *= 3.0  # unequal variances: a well-defined first direction
    X, y = np.array([[0.1, 0.2], [0.5, -0.4]]), np.array([[0.0], [1.0]])
    s = grids.loss_surface(net, X, y, directions="pca", path=path, res=3)
    M = path - center
    vals, vecs = np.linalg.eigh(M.T @ M)
    order = np.argsort(vals)[::-1]
    for i in range(2):
        assert abs(s.directions[i] @ vecs[:, order[i]]) == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(s.explained, vals[order[:2]] / vals.sum(), rtol=1e-9)
    proj = M @ s.directions.T  # orthonormal directions: the projection is a dot product
    np.testing.assert_allclose(s.path, proj, atol=1e-10)
    assert s.alphas[-1] == pytest.approx(1.25 * np.abs(proj).max(), rel=1e-12)


def test_pca_directions_take_every_path_of_two_points_or_more():
    rng = np.random.default_rng(2)
    path = rng.normal(size=(2, 5))
    D, var = grids.pca_directions(path, np.zeros(5), k=3)  # two points span two directions
    assert D.shape == (2, 5) and var.shape == (2,)
    D, var = grids.pca_directions(path, np.zeros(5))  # k = 2 by default
    assert D.shape == (2, 5)
    M = path
    vals = np.sort(np.linalg.eigvalsh(M @ M.T))[::-1]
    np.testing.assert_allclose(var, vals / vals.sum(), rtol=1e-9)
    D, var = grids.pca_directions([[1.0], [2.0], [4.0]], [1.0])  # one parameter
    np.testing.assert_allclose(np.abs(D), [[1.0]]) and np.testing.assert_allclose(var, [1.0])
    with pytest.raises(ValueError) as err:
        grids.pca_directions(np.ones((1, 5)), np.zeros(5))
    assert str(err.value) == "path: expected at least 2 points of shape (T, n), got (1, 5)"


def test_the_refusals_of_a_loss_landscape_name_the_argument():
    net = unit()
    cases = [
        (dict(dims=3), "dims: expected an integer in [1, 2], got 3 (int)"),
        (dict(dims=0), "dims: expected an integer in [1, 2], got 0 (int)"),
        (dict(res=1), "res: expected an integer >= 2, got 1 (int)"),
        (dict(directions="pca"), "directions: 'pca' needs a parameter path (path=...)"),
        (dict(directions="flat"), "directions: expected 'random', 'pca' or an array, got 'flat'"),
        (dict(directions=[[1.0, 0.0]]), "directions: expected shape (2, 2), got (1, 2)"),
        (dict(directions=[[1.0, 0.0], [0.0, 0.0]]), "directions: expected finite, non-zero "
                                                    "directions"),
        (dict(path=np.ones((3, 3))), "path: expected shape (T, 2), got (3, 3)"),
        (dict(span=0.0), "span: expected a finite number in (0, 1e+06], got 0.0 (float)"),
        (dict(span=2e6), "span: expected a finite number in (0, 1e+06], got 2000000.0 (float)"),
    ]  # fmt: skip
    for kwargs, words in cases:
        with pytest.raises(ValueError) as err:
            grids.loss_surface(net, XL, YL, **kwargs)
        assert str(err.value) == words, kwargs
    with pytest.raises(ValueError) as err:
        grids.loss_surface(gn.Network([1, 1], seed=[0, 1]), XL, YL)
    assert str(err.value) == "net: expected a single network; use net.member(k) for a population"
    one = gn.Network([1, 1], output="identity", bias="none", seed=0)  # one parameter
    with pytest.raises(ValueError) as err:
        grids.loss_surface(one, XL, YL, directions="pca", path=[[0.0], [1.0], [3.0]])
    assert str(err.value) == "path: too few distinct points for a 2-D PCA plane"
    with pytest.raises(ValueError) as err:
        grids.filter_normalized_direction(gn.Network([1, 1], seed=[0, 1]).params)
    assert str(err.value) == "params: expected one network's parameters, not a population's"


def test_a_slice_through_overflowing_costs_says_nothing_and_keeps_them():
    # w x + b of (1e308, -1e308) moves overflows to inf and, with b moved the other way, to
    # inf - inf: the costs are inf and NaN, and NumPy's warnings are not the slice's to give
    net = unit(w=1e308, b=-1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = grids.loss_surface(net, XL, YL, directions=[[1.0, 0.0], [0.0, 1.0]], res=3)
    assert not np.isfinite(s.loss).any()


# --- flatten and unflatten ------------------------------------------------------------------------


def test_a_populations_parameters_flatten_member_by_member():
    pop = gn.Network([2, 3, 1], seed=[0, 1, 2])
    flat = grids.flatten(pop.params)
    assert flat.shape == (3, 13)
    for k in range(3):
        one = pop.member(k).params
        want = np.concatenate([one[0]["W"].ravel(), one[0]["b"].ravel(), one[1]["W"].ravel(),
                               one[1]["b"].ravel()])  # fmt: skip
        np.testing.assert_array_equal(flat[k], want)
    single = gn.Network([2, 1], bias="none", seed=0)  # one layer
    np.testing.assert_array_equal(grids.flatten(single.params), single.params[0]["W"].ravel())
    # a vector too short or too long is refused by name (a short one once failed in a reshape)
    for n in (12, 14):
        for vec in (np.zeros(n), np.zeros((2, n))):
            with pytest.raises(ValueError) as err:
                grids.unflatten(vec, pop.member(0).params)
            assert str(err.value) == f"vec: expected 13 parameters, got {n}"


def test_more_landscape_cases_by_hand():
    net = unit()
    # a PCA line: one direction; a path resting at the centre: span 1
    path = np.array([[W0, B0], [W0 + 2.0, B0 + 1.0], [W0 - 1.0, B0 - 0.5]])
    s = grids.loss_surface(net, XL, YL, dims=1, directions="pca", path=path, res=3)
    assert s.directions.shape == (1, 2)
    np.testing.assert_allclose(np.abs(s.directions[0]), np.array([2.0, 1.0]) / 5**0.5)
    assert s.alphas[-1] == pytest.approx(1.25 * 5**0.5, rel=1e-12)
    still = grids.loss_surface(net, XL, YL, directions="pca", path=[[W0, B0]] * 3, res=3)
    np.testing.assert_array_equal(still.alphas, [-1.0, 0.0, 1.0])
    # integer directions are directions of floats; two points a side is a grid
    s = grids.loss_surface(net, XL, YL, directions=[[1, 0], [0, 1]], res=2)
    assert s.directions.dtype == np.float64 and s.loss.shape == (2, 2)
    assert s.loss[1, 1] == pytest.approx(cost(W0 + 1, B0 + 1), rel=1e-12)
    with pytest.raises(ValueError) as err:
        grids.loss_surface(net, XL, YL, path=[W0, B0])
    assert str(err.value) == "path: expected shape (T, 2), got (2,)"
    # weights whose filter-normalized directions overflow are refused by name, warning-free
    big = gn.Network([2, 2, 1], seed=0)
    big.params[0]["W"][...] = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as err:
            grids.loss_surface(big, [[1.0, 2.0]], [[0.0]], res=3)
    assert str(err.value) == (
        "net: its weights are too large for a landscape around them (the largest |w| is 1e+308: "
        "a direction scaled to them overflows); did its training diverge?"
    )
    # a direction so large its norm overflows is still a direction
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = grids.loss_surface(net, XL, YL, directions=[[1e200, 1e200], [0.0, 1.0]], res=2,
                               span=1e-200)  # fmt: skip
    # row 0 is beta = -1e-200, column 1 alpha = 1e-200: (w, b) + (1, 1) - (0, 1e-200)
    assert s.loss[0, 1] == pytest.approx(cost(W0 + 1.0, B0 + 1.0), rel=1e-12)


def test_a_grid_too_large_is_refused_before_it_is_made():
    # 2**27 numbers at most: 13 parameters a point allow 3213 x 3213 points, or a line of
    # 2**27 // 13 = 10324440
    net = gn.Network([2, 3, 1], seed=0)
    X, y = [[1.0, 2.0]], [[0.0]]
    with pytest.raises(ValueError) as err:
        grids.loss_surface(net, X, y, res=3214)
    assert str(err.value) == (
        "res: a 3214 x 3214 grid of parameter sets holds 1.34e+08 numbers, more than 1.34e+08 "
        "(glassnet.grids.MAX_GRID_VALUES); expected res <= 3213"
    )
    with pytest.raises(ValueError) as err:
        grids.loss_surface(net, X, y, dims=1, res=10324441)
    assert str(err.value) == (
        "res: a line of 10324441 parameter sets holds 1.34e+08 numbers, more than 1.34e+08 "
        "(glassnet.grids.MAX_GRID_VALUES); expected res <= 10324440"
    )
    # the inputs of a plane: 2 + 1 numbers a point, at most isqrt(2**27 // 3) = 6688 a side
    with pytest.raises(ValueError) as err:
        grids.plane_inputs((0.0, 1.0, 0.0, 1.0), 6689, [0.5])
    assert str(err.value) == (
        "res: a 6689 x 6689 grid of inputs holds 1.34e+08 numbers, more than 1.34e+08 "
        "(glassnet.grids.MAX_GRID_VALUES); expected res <= 6688"
    )
    grids._check_grid(2**13, 2, "inputs")  # exactly 2**27 numbers: allowed
    with pytest.raises(ValueError, match=r"expected res <= 11585$"):
        grids._check_grid(11586, 1, "inputs")

    # the activations of a plane: every unit of every member, refused before the inputs are
    # transformed (the transform raises if it is ever called)
    def boom(grid):
        raise AssertionError("the grid was made")

    for net, res, most in ((gn.Network([2, 10000, 1], seed=0), 116, 115),
                           (gn.Network([2, 2500, 1], seed=[0, 1, 2, 3]), 116, 115)):  # fmt: skip
        per = sum(net.sizes) * (net.population or 1)
        with pytest.raises(ValueError) as err:
            grids.plane_grid(net, extent=(0.0, 1.0, 0.0, 1.0), res=res, transform=boom)
        assert str(err.value) == (
            f"res: a {res} x {res} grid of activations holds {res * res * per:.3g} numbers, more "
            f"than 1.34e+08 (glassnet.grids.MAX_GRID_VALUES); expected res <= {most}"
        )


# --- the input plane ------------------------------------------------------------------------------


def _cell(extent, res, r, c):
    x0, x1, y0, y1 = extent
    return x0 + (c + 0.5) * (x1 - x0) / res, y1 - (r + 0.5) * (y1 - y0) / res  # top row first


def test_a_plane_of_three_inputs_holds_the_third_fixed_and_maps_the_chosen_two():
    net = gn.Network([3, 4, 2], activation="tanh", output="identity", seed=3)
    extent = (-1.0, 2.0, 0.0, 1.0)
    shift = np.array([0.5, -0.25, 2.0])
    g = grids.plane_grid(net, extent=extent, res=4, features=(0, 2),
                         transform=lambda grid: grid + shift)  # fmt: skip
    assert g.fill == [0.0] and g.features == (0, 2) and g.extent == extent
    for r in range(4):
        for c in range(4):
            u, v = _cell(extent, 4, r, c)
            point = np.array([[u, 0.0, v]]) + shift  # x is input 1, y input 3, input 2 at 0
            np.testing.assert_allclose(g.output[r, c], net.predict(point)[0], rtol=1e-12)
    layers = grids.plane_activations(net, extent, 4, [0.0], lambda grid: grid + shift)
    for a, b in zip(layers, grids.plane_grid(net, extent=extent, res=4, features=(0, 1),
                                             transform=lambda grid: grid + shift).layers,
                    strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, b)
    filled = grids.plane_activations(net, extent, 2, [3.0])[-1]
    u, v = _cell(extent, 2, 0, 0)
    np.testing.assert_allclose(filled[0, 0], net.predict([[u, v, 3.0]])[0], rtol=1e-12)
    # the defaults: 64 cells a side over the data's box, the other input at its mean
    X = np.array([[0.0, 1.0, 2.0], [1.0, 3.0, 4.0]])
    g = grids.plane_grid(net, X)
    assert g.output.shape == (64, 64, 2) and g.fill == [3.0]
    assert g.extent == grids.plane_extent(X[:, :2])


def test_the_refusals_of_a_plane_name_the_argument():
    net = gn.Network([3, 2, 1], seed=0)
    cases = [
        (dict(X=np.ones((4, 2))), ValueError, "X: expected shape (N, 3) for this network, got (4, 2)"),
        (dict(), ValueError, "extent: give the plane's extent or the data X"),
        (dict(extent=(0, 1, 0, 1), fill=[1.0, 2.0]), ValueError,
         "fill: expected 1 values for the other features, got 2"),
        (dict(extent=(0, 1, 0, 1), res=None), TypeError,
         "res: expected an integer >= 1, got None (NoneType)"),
        (dict(extent=(0, 1, 0, 1), res=0), ValueError, "res: expected an integer >= 1, got 0 (int)"),
        (dict(extent=(0, 1, 0, 1), transform=lambda g: g * np.nan), ValueError,
         "grid: expected finite values, found NaN or infinity in row 0"),
    ]  # fmt: skip
    for kwargs, kind, words in cases:
        with pytest.raises(kind) as err:
            grids.plane_grid(net, **kwargs)
        assert str(err.value) == words, kwargs
    assert grids.plane_grid(net, extent=(0, 1, 0, 1), res=1).output.shape == (1, 1, 1)
    with pytest.raises(ValueError) as err:
        grids.plane_grid(gn.Network([1, 1]), extent=(0, 1, 0, 1))
    assert str(err.value) == "net: the input plane needs at least 2 inputs, this network has 1"
    for features, kind, words in (
        (5, TypeError, "features: expected two input indices, got 5 (int)"),
        ((0, 1, 2), ValueError, "features: expected two input indices, got 3"),
        ((2, 2), ValueError, "features: expected two different inputs, got 2 twice"),
    ):
        with pytest.raises(kind) as err:
            grids.check_features(features, 3)
        assert str(err.value) == words


def test_the_box_around_the_data_is_its_first_two_features_range_and_a_margin():
    X = np.array([[0.1, 0.3, 100.0], [0.3, 0.7, -100.0]])
    x0, x1, y0, y1 = grids.plane_extent(X)
    # the margin is pad times the range (0.1 (hi - lo)), the third feature plays no part
    assert (x0, x1) == (0.1 - 0.1 * (0.3 - 0.1), 0.3 + 0.1 * (0.3 - 0.1))
    assert (y0, y1) == (0.3 - 0.1 * (0.7 - 0.3), 0.7 + 0.1 * (0.7 - 0.3))
    # integers near int64's edge: their range, 2**63, is a float's
    big = np.array([[-(2**62), 0], [2**62, 1]], dtype=np.int64)
    x0, x1, _, _ = grids.plane_extent(big)
    assert (x0, x1) == pytest.approx((-1.2 * 2.0**62, 1.2 * 2.0**62), rel=1e-15)
    for bad in (np.ones((0, 2)), np.ones(4), np.ones((3, 1))):
        with pytest.raises(ValueError) as err:
            grids.plane_extent(bad)
        assert str(err.value) == f"X: expected an array of shape (N, d>=2), got shape {bad.shape}"
    with pytest.raises(ValueError) as err:  # the words name the first two features only
        grids.plane_extent(np.array([[-1e308, 0.0, 1.7e308], [1e308, 1.0, -1.7e308]]))
    assert "(from -1e+308 to 1e+308)" in str(err.value)
    # a margin that overflows from a finite range: refused by name, no NumPy warning on the way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"wider than float64 holds"):
            grids.plane_extent(np.array([[1e300, 0.0], [1.5e300, 1.0]]), pad=1e10)


def test_nan_and_inf_on_a_plane_or_a_slice_are_kept_without_numpys_warnings():
    # W = (1e308, -1e308) at x = (2, 2): 2e308 - 2e308 is inf - inf, NaN; a larger w overflows
    net = gn.Network([2, 1], output="identity", bias="none", seed=0)
    net.params[0]["W"][...] = [[1e308], [-1e308]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = grids.loss_surface(net, [[2.0, 2.0]], [[0.0]], directions=np.eye(2), res=2)
        assert np.isnan(s.loss).all()
        # on the plane (1..2 a side) the hidden layer overflows to inf, its difference is NaN
        deep = gn.Network([2, 2, 1], activation="identity", output="identity", bias="none")
        deep.params[0]["W"][...] = 1e308
        deep.params[1]["W"][...] = [[1.0], [-1.0]]
        g = grids.plane_grid(deep, extent=(1.0, 2.0, 1.0, 2.0), res=2)
    assert np.isinf(g.layers[0]).all() and np.isnan(g.output).all()


def test_pca_explains_fractions_of_a_small_paths_variance_and_gives_two_by_default():
    rng = np.random.default_rng(5)
    path = 1e-3 * rng.normal(size=(4, 5))  # sum of squares far below 1
    D, var = grids.pca_directions(path, np.zeros(5))
    assert D.shape == (2, 5)
    vals = np.sort(np.linalg.eigvalsh(path @ path.T))[::-1]
    np.testing.assert_allclose(var, vals[:2] / vals.sum(), rtol=1e-9)


def test_a_float32_network_is_sliced_in_float32():
    net = gn.Network([1, 1], output="identity", bias="neuron", seed=0, dtype="float32")
    net.params[0]["W"][...] = W0
    net.params[0]["b"][...] = B0
    # a step of 1e-9 is below float32's spacing at 0.3 and 0.2 (about 3e-8): the same network
    assert np.float32(W0 + 1e-9) == np.float32(W0) and np.float32(B0 + 1e-9) == np.float32(B0)
    s = grids.loss_surface(net, XL, YL, directions=1e-9 * np.eye(2), res=3)
    assert s.center.dtype == np.float64
    assert (s.loss == s.loss[1, 1]).all()
