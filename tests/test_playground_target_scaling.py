"""An uploaded regression target is standardized for the network, as the command line does,
and everything the page shows of targets and predictions stays in the target's own units.

References: NumPy's mean and (population) standard deviation of the file's column, read
back from the CSV text with ``np.loadtxt``; the engine's ``predict`` mapped back by hand;
scikit-learn's ``r2_score``; a network trained on the raw target by ``Network.fit`` itself;
and ``glassnet inspect`` through click's CliRunner on the downloaded model file."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest

pytest.importorskip("aiohttp")

from click.testing import CliRunner
from sklearn.metrics import r2_score
from test_playground import _run_script

import glassnet as gn
from glassnet.cli import cli
from glassnet.playground import export
from glassnet.playground.grid import plane_inputs
from glassnet.playground.limits import Limits
from glassnet.playground.protocol import Table, parse_config, parse_csv
from glassnet.playground.session import Session

LIMITS = Limits()
#: What the page suggests for a regression: one identity output, mse (with its defaults).
SETUP = {"dataset": "csv", "out": "identity", "loss": "mse", "opt": "adam", "lr": 0.03,
         "layers": [4, 4], "act": ["tanh", "tanh"], "batch": 16, "split": 0.25}  # fmt: skip


def prices_csv() -> str:
    """House prices (around 300000) from an area and a number of rooms."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(120, 2)) * [1500, 4] + [2000, 3]
    y = 50_000 + 100 * X[:, 0] + 20_000 * X[:, 1] + rng.normal(0, 5000, 120)
    rows = "\n".join(f"{a:.1f},{b:.2f},{p:.0f}" for (a, b), p in zip(X, y, strict=True))
    return "area,rooms,price\n" + rows + "\n"


def session(text: str, **change: Any) -> Session:
    """A session as the server makes one: the upload parsed, then the setup taken."""
    s = Session(LIMITS)
    s.upload(parse_csv(text, LIMITS), "prices.csv")
    s.configure(parse_config({**SETUP, **change}, LIMITS))
    return s


def file_columns(text: str) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    return table[:, :2], table[:, 2]


def rows_of(X_part: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Where each row of a part sits in the file (the rows here are distinct)."""
    return np.array([int(np.flatnonzero((X == row).all(axis=1))[0]) for row in X_part])


def test_the_network_trains_on_the_standardized_target_and_the_page_shows_its_units():
    text = prices_csv()
    X, y = file_columns(text)
    mean, std = y.mean(), y.std()  # the whole file's, as the inputs' are
    s = session(text)
    data = s.data
    train, test = rows_of(data.X_train, X), rows_of(data.X_test, X)
    assert len(train) == 90 and len(test) == 30
    # what the network trains on
    np.testing.assert_allclose(data.y_train[:, 0], (y[train] - mean) / std, rtol=1e-12)
    np.testing.assert_allclose(data.y_test[:, 0], (y[test] - mean) / std, rtol=1e-12)
    assert s.train_loss[0] == pytest.approx(
        np.mean((s.net.predict(s.Xn_train)[:, 0] - (y[train] - mean) / std) ** 2), rel=1e-12
    )
    # what the page shows: the raw prices, and the note says what the loss is in
    msg = s.data_message()
    assert msg["y_range"] == [y[train].min(), y[train].max()]
    # (to the page's 5 significant digits: a colour)
    assert msg["train"]["label"] == [float(f"{v:.5g}") for v in y[train]]
    assert msg["test"]["label"] == [float(f"{v:.5g}") for v in y[test]]
    assert msg["target_standardize"] == {
        "mean": [pytest.approx(mean)],
        "scale": [pytest.approx(std)],
    }
    assert (
        f"The target is standardized too (mean {mean:.6g}, standard deviation {std:.6g}): the "
        "loss is in those units" in msg["note"]
    )
    s.train(20)
    # the surface: the network's output over the plane, mapped back by hand, on the scale
    # of the points' colours
    frame = s.frame_arrays()
    b = frame["boundary"]
    assert (b["lo"], b["hi"]) == (y[train].min(), y[train].max())
    res = LIMITS.grid
    grid = plane_inputs(data.extent, res, data.fill)
    Xmean, Xstd = X.mean(axis=0), X.std(axis=0)
    price = s.net.predict((grid - Xmean) / Xstd)[:, 0] * std + mean
    lo, hi = y[train].min(), y[train].max()
    want = np.round(np.clip((price - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)
    got = b["data"].reshape(-1)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1  # rounding at a half
    assert (got == want).mean() > 0.99
    assert len(np.unique(got)) > 100  # a surface over the range, not one colour
    # the glass box: the target in its own units and as the output is compared with it
    k = 7
    inside = s.inside(3, 0, k)
    assert inside["y"] == [pytest.approx(y[train][k], rel=1e-12)]
    assert inside["y_scaled"] == [pytest.approx((y[train][k] - mean) / std, rel=1e-12)]
    a = float(s.net.predict(s.Xn_train[k : k + 1])[0, 0])
    assert inside["a"] == pytest.approx(a, rel=1e-12)
    assert inside["formulas"]["a"].endswith(f"= {a * std + mean:.6g})")
    assert inside["delta"] == pytest.approx(2 * (a - (y[train][k] - mean) / std), rel=1e-9)


def test_training_on_prices_learns_where_the_raw_target_stalled():
    text = prices_csv()
    X, y = file_columns(text)
    s = session(text)
    train = rows_of(s.data.X_train, X)
    # the same network, optimizer and batches on the raw prices: the engine's own fit
    raw = gn.Network([2, 4, 4, 1], activation="tanh", output="identity", seed=0)
    for mine, theirs in zip(s.net.params, raw.params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])
    hist = raw.fit(s.Xn_train, y[train][:, None], loss="mse", optimizer="adam", lr=0.03,
                   epochs=300, batch_size=16)  # fmt: skip
    s.train(300)
    assert s.epoch == 300 and not s.stopped
    scaled_r2 = r2_score(y[train], s.net.predict(s.Xn_train)[:, 0] * y.std() + y.mean())
    raw_r2 = r2_score(y[train], raw.predict(s.Xn_train)[:, 0])
    # measured: raw 1.193e11 -> 1.191e11 (R² -16.2, the outputs never reach the prices); scaled
    # 1.07 -> 0.0088 (R² 0.989)
    assert hist.loss[-1] > 0.99 * hist.loss[0] and raw_r2 < 0
    assert s.train_loss[-1] < 0.02 * s.train_loss[0] and scaled_r2 > 0.95


def test_a_constant_target_class_labels_and_recipes_are_used_as_they_are():
    X = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 2.0], [3.0, 0.0], [4.0, 5.0], [5.0, 4.0]])
    s = Session(LIMITS)  # parse_csv refuses a constant target; a table made otherwise
    s.upload(Table(X, np.full((6, 1), 5.5), "regression", ["a", "b", "y"], []))
    s.configure(parse_config({**SETUP, "split": 0}, LIMITS))
    assert s.data.y_train[:, 0].tolist() == [5.5] * 6
    assert s.data_message()["target_standardize"] is None
    assert "target" not in s.data.note and "target_standardize" not in export.scaling_record(s)
    labels = "a,b,y\n" + "\n".join(f"{i},{i * i % 7},{i % 2}" for i in range(12))
    s = session(labels, out="sigmoid", loss="bce", split=0)
    assert sorted(s.data.y_train[:, 0].tolist()) == [0.0] * 6 + [1.0] * 6
    assert s.data_message()["target_standardize"] is None
    s = Session(LIMITS)
    sine = {"dataset": "sine", "n": 60, "split": 0.0, "seed": 3, "out": "identity", "loss": "mse"}
    s.configure(parse_config(sine, LIMITS))
    X, y, _, _ = gn.datasets.from_recipe(s.data.recipe)
    np.testing.assert_array_equal(s.data.y_train, y)
    assert s.data_message()["y_range"] == [y.min(), y.max()]
    assert export.scaling_record(s) == {}


def test_the_downloaded_model_file_sees_the_same_targets_in_glassnet_inspect(tmp_path):
    text = prices_csv()
    X, y = file_columns(text)
    csv = tmp_path / "prices.csv"
    csv.write_text(text)
    s = session(text)
    s.train(30)
    model = tmp_path / "model.npz"
    model.write_bytes(export.model_file(s))
    record = gn.modelfile.read_metadata(model)["extra"]["training"]
    assert record["target_standardize"] == {"mean": [pytest.approx(y.mean())],
                                            "scale": [pytest.approx(y.std())]}  # fmt: skip
    rows = [0, 5, 77]
    args = ["inspect", "--model", str(model), "--csv", str(csv), "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "--samples", ",".join(map(str, rows))])
    assert result.exit_code == 0, result.output
    t = json.loads(result.output)
    np.testing.assert_allclose(np.array(t["y"])[:, 0], (y[rows] - y.mean()) / y.std(), rtol=1e-12)
    Xs = (X[rows] - X.mean(axis=0)) / X.std(axis=0)
    np.testing.assert_allclose(t["X"], Xs, rtol=1e-12)
    np.testing.assert_allclose(t["output"], s.net.predict(Xs), rtol=1e-12)
    assert t["loss"] == "mse"


def test_the_script_reproduces_an_upload_run_and_the_command_says_why_it_cannot(tmp_path):
    text = prices_csv()
    _, y = file_columns(text)
    s = session(text)
    s.train(12)
    script = export.script(s)
    assert "the target too: (y - mean) / scale" in script
    ns = _run_script(script, tmp_path)
    np.testing.assert_allclose(ns["y_train"][:, 0], s.data.y_train[:, 0], rtol=0)
    for mine, theirs in zip(s.net.params, ns["net"].params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])
    saved = gn.modelfile.read_metadata(tmp_path / "playground-model.npz")["extra"]["training"]
    assert saved["target_standardize"]["scale"] == [pytest.approx(y.std())]
    cmd, why = export.command(s)
    assert cmd is None and "standardizes the inputs (and a regression target)" in why


def test_the_notebook_widget_uses_a_regression_target_as_it_is():
    from glassnet.playground.notebook import _setup

    X = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 2.0], [3.0, 0.0]])
    y = np.array([[200_000.0], [250_000.0], [180_000.0], [320_000.0]])
    net = gn.Network([2, 3, 1], activation="tanh", output="identity", seed=0)
    _, data = _setup(net, X, y, None, "adam", None, None, 0.0, 10.0, LIMITS)
    np.testing.assert_array_equal(data.y_train, y)
    assert data.target_mean is None


def test_a_bounded_output_that_cannot_reach_the_standardized_target_gets_a_note():
    text = prices_csv()
    _, y = file_columns(text)
    low = (y.min() - y.mean()) / y.std()  # NumPy's, of the whole file
    s = session(text, out="sigmoid")
    s.train(2)
    notes = [n for n in s.frame()["notes"] if n["kind"] == "output_range"]
    assert len(notes) == 1 and "The sigmoid output gives values from 0 to 1" in notes[0]["text"]
    train_low = float(s.data.y_train.min())
    assert train_low >= low and f"runs from {train_low:.3g}" in notes[0]["text"]
    assert not [n for n in session(text).frame()["notes"] if n["kind"] == "output_range"]
