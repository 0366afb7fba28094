"""The playground without a browser: setup validation, limits, CSV parsing, the training
session, the grids, and the WebSocket protocol against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import numpy as np
import pytest

pytest.importorskip("aiohttp")

from aiohttp.test_utils import TestClient, TestServer

import glassnet as gn
from glassnet.playground import server as pg_server
from glassnet.playground.grid import plane_activations, plane_extent, plane_inputs
from glassnet.playground.limits import Limits
from glassnet.playground.protocol import DEFAULT_CONFIG, ProtocolError, parse_config, parse_csv
from glassnet.playground.session import Session, quadrants

LIMITS = Limits()

CSV_BINARY = "x1,x2,label\n" + "\n".join(
    f"{x:.2f},{y:.2f},{int(x * y > 0)}"
    for x, y in [
        (-1, -1),
        (-1, 1),
        (1, -1),
        (1, 1),
        (-0.5, -0.4),
        (0.6, -0.5),
        (0.4, 0.7),
        (-0.3, 0.8),
    ]
)


# -- setup validation and limits ----------------------------------------------------------------
def test_defaults_are_valid_and_round_trip():
    cfg = parse_config({}, LIMITS)
    assert cfg.to_dict() == DEFAULT_CONFIG
    assert parse_config(cfg.to_dict(), LIMITS) == cfg


def test_config_accepts_address_strings():
    cfg = parse_config({"layers": "8,3", "act": "relu,tanh", "lr": "0.5", "batch": "0"}, LIMITS)
    assert cfg.layers == [8, 3]
    assert cfg.act == ["relu", "tanh"]
    assert cfg.lr == 0.5
    assert cfg.batch == 0
    one = parse_config({"layers": [5, 5, 5], "act": "sigmoid"}, LIMITS)
    assert one.act == ["sigmoid"] * 3
    none = parse_config({"layers": [], "act": []}, LIMITS)
    assert none.layers == [] and none.act == []


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"layers": [2] * 7, "act": "tanh"}, "layers", "at most 6 are allowed, got 7"),
        ({"layers": [4, 17]}, "layers", "hidden layer 2: at most 16 are allowed, got 17"),
        ({"n": 2001}, "n", "at most 2000 are allowed, got 2001"),
        ({"rate": 50}, "rate", "at most 20 updates per second, got 50"),
        ({"lr": 11}, "lr", "between 1e-06 and 10, got 11"),
        ({"lr": "fast"}, "lr", "expected a number, got 'fast'"),
        ({"seed": 1.5}, "seed", "expected a whole number"),
        ({"dataset": "/etc/passwd"}, "dataset", "expected one of"),
        ({"act": ["tanh", "swish"]}, "act", "got 'swish'"),
        ({"act": ["tanh"] * 3}, "act", "one activation per hidden layer (2), got 3"),
        ({"opt": "sgd"}, "opt", "got 'sgd'"),
        ({"path": "x.csv"}, "path", "unknown setting 'path'"),
        ({"noise": float("nan")}, "noise", "finite"),
    ],
)
def test_config_refusals_name_the_setting(change, field, text):
    with pytest.raises(ProtocolError) as err:
        parse_config({**DEFAULT_CONFIG, **change}, LIMITS)
    assert err.value.field == field
    assert text in str(err.value)


def test_config_must_be_an_object():
    with pytest.raises(ProtocolError, match="expected an object, got list"):
        parse_config([1, 2], LIMITS)


# -- CSV uploads --------------------------------------------------------------------------------
def test_csv_binary_with_header():
    table = parse_csv(CSV_BINARY, LIMITS)
    assert table.kind == "binary"
    assert table.columns == ["x1", "x2", "label"]
    assert table.X.shape == (8, 2) and table.y.shape == (8, 1)
    np.testing.assert_array_equal(table.y[:4, 0], [1, 0, 0, 1])
    assert table.X[1].tolist() == [-1.0, 1.0]


def test_csv_target_named_column_semicolons_and_labels_mapped_in_order():
    text = "label;a;b\n5;0;0\n7;1;0\n5;0;1\n7;1;1\n"
    table = parse_csv(text, LIMITS)
    assert table.columns == ["a", "b", "label"]
    assert table.classes == [5, 7]
    np.testing.assert_array_equal(table.y[:, 0], [0, 1, 0, 1])
    np.testing.assert_array_equal(table.X[:, 0], [0, 1, 0, 1])


def test_csv_multiclass_and_regression_without_header():
    multi = parse_csv("0,0,0\n1,0,1\n0,1,2\n1,1,1\n", LIMITS)
    assert multi.kind == "multiclass"
    np.testing.assert_array_equal(multi.y, np.eye(3)[[0, 1, 2, 1]])
    reg = parse_csv("0,0,0.5\n1,0,1.25\n0,1,2\n1,1,-3\n", LIMITS)
    assert reg.kind == "regression"
    np.testing.assert_allclose(reg.y[:, 0], [0.5, 1.25, 2, -3])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a,b\n1,2\n3,4\n5,6\n7,8\n", "exactly 3 columns"),
        ("1,2,0\n3,4,1\n", "at least 4 data rows"),
        (
            "x,y,l\n1,2,0\n3,4,1\n5,oops,0\n7,8,1\n",
            "row 4, column 2: expected a number, got 'oops'",
        ),
        ("1,2,0\n3,4,1\n5,6\n7,8,1\n", "row 3: expected 3 values, got 2"),
        ("1,2,1\n3,4,1\n5,6,1\n7,8,1\n", "single value"),
        ("1,2,inf\n3,4,1\n5,6,1\n7,8,1\n", "finite"),
    ],
)
def test_csv_errors_say_where(text, message):
    with pytest.raises(ProtocolError, match=message):
        parse_csv(text, LIMITS)


def test_csv_size_and_row_limits():
    small = Limits(max_upload_bytes=100, max_samples=5)
    with pytest.raises(ProtocolError, match=r"limited to 0 kB, got 0\.1 kB"):
        parse_csv("1,2,0\n" * 20, small)
    with pytest.raises(ProtocolError, match="at most 5 samples are allowed, got 6"):
        parse_csv("1,2,0\n3,4,1\n" * 3, small)


# -- grids --------------------------------------------------------------------------------------
def test_plane_inputs_layout_is_an_image():
    grid = plane_inputs((0.0, 4.0, 0.0, 2.0), 2, fill=[1.0])
    # row 0 is the top (largest x2), column 0 the left (smallest x1); cell centres
    np.testing.assert_allclose(grid, [[1, 1.5, 1], [3, 1.5, 1], [1, 0.5, 1], [3, 0.5, 1]])
    assert plane_extent(np.array([[0.0, 1.0], [1.0, 1.0]])) == pytest.approx((-0.1, 1.1, 0.5, 1.5))


def test_plane_activations_match_the_engine_forward():
    net = gn.Network([3, 4, 1], activation="tanh", output="sigmoid", seed=3)
    maps = plane_activations(net, (-1.0, 1.0, -2.0, 2.0), 5, fill=[1.0])
    assert [m.shape for m in maps] == [(5, 5, 4), (5, 5, 1)]
    grid = plane_inputs((-1.0, 1.0, -2.0, 2.0), 5, fill=[1.0])
    np.testing.assert_allclose(maps[-1].reshape(-1, 1), net.predict(grid))
    np.testing.assert_allclose(maps[0][1, 2], net.forward(grid[7:8]).a[1][0])


# -- the session --------------------------------------------------------------------------------
def _session(**change: Any) -> Session:
    s = Session(LIMITS)
    s.configure(parse_config({**DEFAULT_CONFIG, **change}, LIMITS))
    return s


def test_xor_loss_falls_in_a_bounded_number_of_epochs():
    s = _session(dataset="xor", layers=[4], act="tanh", opt="adam", lr=0.05, batch=0)
    start = s.train_loss[0]
    assert s.train(300) == 300
    assert s.epoch == 300 and len(s.train_loss) == 301
    assert s.train_loss[-1] < 0.05 < start
    frame = s.frame()
    assert frame["accuracy"]["train"] == 1.0
    assert frame["accuracy"]["test"] is None  # the 4 cases are all training data


def test_quadrants_with_test_split_and_frame_contents():
    s = _session(dataset="quadrants", n=120, split=0.25, layers=[6, 3], act=["tanh", "relu"])
    assert len(s.data.X_train) == 90 and len(s.data.X_test) == 30
    s.train(40)
    assert s.train_loss[-1] < 0.5 * s.train_loss[0]
    f = s.frame()
    assert f["epoch"] == 40
    assert f["loss"]["epochs"] == list(range(41))
    res = LIMITS.grid
    assert len(base64.b64decode(f["boundary"]["data"])) == res * res
    assert [len(u) for u in f["units"]] == [6, 3]
    assert len(base64.b64decode(f["units"][1][0]["data"])) == LIMITS.unit_grid**2
    assert [np.shape(w["W"]) for w in f["weights"]] == [(2, 6), (6, 3), (3, 1)]
    assert np.allclose(f["weights"][0]["W"], s.net.layers[0].W, rtol=1e-3)
    grads = s.net.gradients(s.Xn_train, s.data.y_train, loss="bce")
    assert f["grad_norm"][0] == pytest.approx(np.linalg.norm(grads[0]["W"]), rel=1e-4)
    assert f["saturated"][1] is None and f["dead"][0] is None
    # the next frame sends only the new loss points
    s.train(2)
    assert s.frame()["loss"]["epochs"] == [41, 42]


def test_quadrants_generator():
    X, y = quadrants(50, 0.0, seed=1)
    assert X.shape == (50, 2) and set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(y[:, 0], (X[:, 0] * X[:, 1] > 0).astype(float))
    np.testing.assert_array_equal(quadrants(50, 0.1, seed=1)[0], quadrants(50, 0.1, seed=1)[0])


def test_reset_reproduces_the_run():
    s = _session(dataset="moons", n=80)
    s.train(5)
    first = list(s.train_loss)
    s.reset()
    s.train(5)
    assert s.train_loss == first


@pytest.mark.parametrize("batch", [16, 0])  # mini-batches, full batch
def test_divergence_stops_training_with_a_note(batch):
    s = _session(
        dataset="moons",
        layers=[8],
        act="relu",
        opt="gd",
        lr=10,
        loss="mse",
        out="identity",
        batch=batch,
    )
    ran = s.train(200)  # no DivergenceWarning/RuntimeWarning escapes (warnings are errors here)
    frame = s.frame()
    notes = frame["notes"]
    json.dumps(frame, allow_nan=False)  # still valid JSON for the page
    # the divergence rule stops it when the loss runs away, before it turns non-finite
    assert frame["stopped"] == "diverged"
    assert s.stopped == "diverged" and ran < 200 and s.train(5) == 0
    assert notes[0]["kind"] == "diverged" and "learning rate 10" in notes[0]["text"]


def _replay(s: Session, epochs: int) -> tuple[list[float], list[float], list[np.ndarray]]:
    """The curves of ``s``'s setup measured independently: a fresh network, one resumed fit
    per epoch, ``net.loss`` on all the training and test data after each."""
    cfg = s.config
    net = gn.Network(
        [2, *cfg.layers, 1], activation=list(cfg.act), output=cfg.out, init=cfg.init, seed=cfg.seed
    )
    batch = cfg.batch or None
    train = [net.loss(s.Xn_train, s.data.y_train, loss=cfg.loss)]
    test = [net.loss(s.Xn_test, s.data.y_test, loss=cfg.loss)]
    hist = None
    for _ in range(epochs):
        hist = net.fit(
            s.Xn_train,
            s.data.y_train,
            loss=cfg.loss,
            optimizer=cfg.opt,
            lr=cfg.lr,
            epochs=1,
            batch_size=batch,
            l2=cfg.l2,
            resume=hist,
        )
        train.append(net.loss(s.Xn_train, s.data.y_train, loss=cfg.loss))
        test.append(net.loss(s.Xn_test, s.data.y_test, loss=cfg.loss))
    return train, test, [p["W"] for p in net.params]


@pytest.mark.parametrize(
    "change",
    [
        {"batch": 0},  # full batch: the curve is the fit's own record, shifted by one
        {"batch": 16},  # mini-batches: measured after each epoch
        {"batch": 0, "l2": 0.01},  # L2: the curve leaves the penalty out
    ],
)
def test_curves_are_the_loss_after_each_epoch_and_slices_equal_one_run(change):
    s = _session(dataset="moons", n=60, split=0.3, layers=[5], act=["tanh"], **change)
    assert s.train(3) == 3 and s.train(4) == 4  # two fits, the second resuming the first
    train, test, weights = _replay(s, 7)
    assert s.loss_epochs == list(range(8))
    np.testing.assert_allclose(s.train_loss, train, rtol=1e-12)
    np.testing.assert_allclose(s.test_loss, test, rtol=1e-12)
    for layer, W in zip(s.net.layers, weights, strict=True):
        np.testing.assert_array_equal(layer.W, W)  # bit for bit: the slices stepped as one run
    one = _session(dataset="moons", n=60, split=0.3, layers=[5], act=["tanh"], **change)
    one.train(7)
    assert one.train_loss == s.train_loss and one.test_loss == s.test_loss


def test_time_budget_and_epoch_limit_stop_a_slice():
    s = _session(dataset="moons", n=60)
    assert s.train(100, seconds=0.0) == 1  # the budget is checked after each epoch
    assert s.epoch == 1 and len(s.train_loss) == 2 and not s.stopped
    capped = Session(Limits(max_epochs=5))
    capped.configure(parse_config({**DEFAULT_CONFIG, "dataset": "moons", "n": 60}, LIMITS))
    assert capped.train(3) == 3 and capped.train(10) == 2
    assert capped.epoch == 5 and capped.stopped == "max_epochs" and capped.train(1) == 0


def test_layer_stats_are_the_engines_on_the_full_batch():
    s = _session(dataset="moons", n=60, layers=[6, 4], act=["tanh", "relu"], opt="gd", lr=0.5)
    s.train(2)
    stats = s.layer_stats()
    fwd = s.net.forward(s.Xn_train)
    grads, _ = s.net.backward(fwd, s.data.y_train, loss="bce")
    steps = [{k: -0.5 * g for k, g in layer.items()} for layer in grads]
    engine = gn.training.layer_stats(s.net, fwd, grads, steps)
    np.testing.assert_allclose(stats["grad_norm"], engine["grad_norm"], rtol=1e-12)
    np.testing.assert_allclose(stats["update_ratio"], engine["update_ratio"], rtol=1e-12)
    assert stats["saturated"] == [pytest.approx(engine["saturated"][0]), None]
    assert stats["dead"] == [None, round(4 * engine["dead_relu"][1])]


def test_trouble_notes():
    deep = _session(dataset="moons", layers=[8] * 5, act="sigmoid", opt="gd", lr=0.1, loss="mse")
    deep.train(5)
    kinds = [n["kind"] for n in deep.frame()["notes"]]
    assert "vanishing" in kinds
    advice = next(n["text"] for n in deep.frame()["notes"] if n["kind"] == "vanishing")
    assert "instead of sigmoid" in advice  # the advice fits the network's activations
    s = _session(dataset="moons", layers=[8], act="relu")
    s.net.layers[0].b[...] = -100.0  # every unit off for every point: dead ReLUs
    s.net.layers[0].W[:, :3] = 0.0
    stats = s.layer_stats()
    assert stats["dead"] == [8]
    notes = s.notes(stats)
    assert notes[0]["kind"] == "dead_relu" and "8 of 8 ReLU units are dead" in notes[0]["text"]
    s.train_loss = [1.0] * 20 + [0.2] * 20 + [0.9] * 20  # made-up history: loss rising
    assert "rising" in [n["kind"] for n in s.notes(stats)]
    s.test_loss = [1.0] * 20 + [0.3] * 20 + [0.6] * 21  # test loss up, training loss down
    s.train_loss = list(np.linspace(1.0, 0.1, 61))
    assert "overfitting" in [n["kind"] for n in s.notes(stats)]
    s.test_loss[25] = 1e-4  # one lucky dip is not a best
    s.test_loss[-20:] = [0.33] * 20
    assert "overfitting" not in [n["kind"] for n in s.notes(stats)]
    rng = np.random.default_rng(0)  # noisy mini-batch losses that do not trend up: no note
    s.train_loss = list(0.01 * np.exp(rng.normal(0, 0.8, 60)))
    assert "rising" not in [n["kind"] for n in s.notes(stats)]
    sat = _session(dataset="moons", layers=[8], act="tanh")
    sat.net.layers[0].W[...] *= 200.0
    assert "saturated" in [n["kind"] for n in sat.notes(sat.layer_stats())]


def test_csv_session_is_standardized_and_engine_errors_are_refusals():
    s = Session(LIMITS)
    with pytest.raises(ProtocolError, match="No CSV uploaded yet"):
        s.configure(parse_config({"dataset": "csv"}, LIMITS))
    s.upload(parse_csv("a,b,y\n" + "\n".join(f"{i},{100 * i},{i % 2}" for i in range(10)), LIMITS))
    s.configure(parse_config({"dataset": "csv", "split": 0}, LIMITS))
    np.testing.assert_allclose(s.Xn_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(s.Xn_train.std(axis=0), 1)
    assert s.data_message()["columns"] == ["a", "b", "y"]
    with pytest.raises(ProtocolError, match="engine refused"):
        # softmax over a single output unit: the engine says no, the page shows why
        s.configure(parse_config({"dataset": "moons", "out": "softmax", "loss": "bce"}, LIMITS))


# -- the server ---------------------------------------------------------------------------------
async def _recv_until(ws: Any, kind: str, timeout: float = 20.0) -> tuple[dict, list[dict]]:
    """Read messages until one of type ``kind``; return it and everything read before."""
    seen: list[dict] = []
    while True:
        msg = await asyncio.wait_for(ws.receive_json(), timeout)
        if msg["type"] == kind:
            return msg, seen
        seen.append(msg)


def _serve(test: Any, limits: Limits = LIMITS) -> Any:
    async def main() -> Any:
        async with TestClient(TestServer(pg_server.create_app(limits))) as client:
            return await test(client)

    return asyncio.run(main())


def test_protocol_config_step_and_errors():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            hello = await ws.receive_json()
            assert hello["type"] == "hello"
            assert hello["limits"]["max_units"] == 16 and "quadrants" in hello["choices"]["dataset"]
            cfg = {**DEFAULT_CONFIG, "dataset": "xor", "layers": [4], "act": ["tanh"], "lr": 0.05}
            await ws.send_json({"type": "config", "config": cfg})
            ready = await ws.receive_json()
            assert ready["type"] == "ready" and ready["sizes"] == [2, 4, 1]
            assert ready["train"]["x"] == [0.0, 0.0, 1.0, 1.0]
            first = await ws.receive_json()
            assert first["type"] == "frame" and first["epoch"] == 0
            state = await ws.receive_json()
            assert state == {"type": "state", "running": False, "epoch": 0, "reason": ""}
            await ws.send_json({"type": "step", "epochs": 300})
            frame, _ = await _recv_until(ws, "frame")
            assert frame["epoch"] == 300 and frame["loss"]["epochs"][-1] == 300
            assert len(frame["loss"]["epochs"]) == 150  # thinned: every 2nd of 300 new points
            assert frame["train_loss"] < 0.05 < first["train_loss"]
            assert frame["boundary"]["data"] != first["boundary"]["data"]
            await _recv_until(ws, "state")
            # refusals: a limit, a bad step, unknown messages, bad JSON
            await ws.send_json({"type": "config", "config": {**cfg, "layers": [40]}})
            err = await ws.receive_json()
            assert err["type"] == "error" and err["field"] == "layers"
            assert "at most 16 are allowed, got 40" in err["message"]
            await ws.send_json({"type": "step", "epochs": 5000})
            assert "at most 1000" in (await ws.receive_json())["message"]
            await ws.send_json({"type": "open", "path": "/etc/passwd"})
            assert (await ws.receive_json())["message"] == "Unknown message type 'open'"
            await ws.send_json({"type": "__init__"})
            assert (await ws.receive_json())["message"] == "Unknown message type '__init__'"
            await ws.send_str("{not json")
            assert (await ws.receive_json())["message"] == "Message is not valid JSON"
            # the earlier run is still there: reset goes back to epoch 0, same start
            await ws.send_json({"type": "reset"})
            again, _ = await _recv_until(ws, "frame")
            assert again["epoch"] == 0 and again["train_loss"] == first["train_loss"]

    _serve(test)


def test_protocol_live_settings_keep_the_network():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            cfg = {**DEFAULT_CONFIG, "dataset": "moons", "n": 60}
            await ws.send_json({"type": "config", "config": cfg})
            await _recv_until(ws, "state")
            await ws.send_json({"type": "step", "epochs": 10})
            before, _ = await _recv_until(ws, "frame")
            await _recv_until(ws, "state")
            await ws.send_json({"type": "config", "config": {**cfg, "lr": 0.001, "opt": "gd"}})
            retuned = await ws.receive_json()
            assert retuned == {"type": "retuned", "config": {**cfg, "lr": 0.001, "opt": "gd"}}
            state = await ws.receive_json()
            assert state["epoch"] == 10 and state["running"] is False
            await ws.send_json({"type": "step", "epochs": 1})
            after, _ = await _recv_until(ws, "frame")
            assert after["epoch"] == 11 and after["loss"]["epochs"] == [11]
            # a tiny plain-gd step barely moves the weights: the same network goes on
            w0, w1 = np.array(before["weights"][0]["W"]), np.array(after["weights"][0]["W"])
            assert np.abs(w1 - w0).max() < 1e-3
            await _recv_until(ws, "state")
            await ws.send_json({"type": "config", "config": {**cfg, "layers": [3], "act": "relu"}})
            ready = await ws.receive_json()
            assert ready["type"] == "ready" and ready["sizes"] == [2, 3, 1]

    _serve(test)


def test_protocol_play_and_pause():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "play"})
            err = await ws.receive_json()
            assert err["type"] == "error" and "send a config first" in err["message"]
            cfg = {**DEFAULT_CONFIG, "dataset": "moons", "n": 60, "rate": 20}
            await ws.send_json({"type": "config", "config": cfg})
            await _recv_until(ws, "state")
            await ws.send_json({"type": "play"})
            state, _ = await _recv_until(ws, "state")
            assert state["running"] is True
            frames = []
            while len(frames) < 3:
                msg, _ = await _recv_until(ws, "frame")
                frames.append(msg)
            epochs = [f["epoch"] for f in frames]
            assert epochs == sorted(epochs) and epochs[-1] > 0
            await ws.send_json({"type": "pause"})
            state, _ = await _recv_until(ws, "state")
            assert state["running"] is False and state["epoch"] >= epochs[-1]

    _serve(test)


def test_protocol_upload_and_limits():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "upload", "name": "quad.csv", "csv": CSV_BINARY})
            up = await ws.receive_json()
            assert up == {
                "type": "uploaded",
                "name": "quad.csv",
                "rows": 8,
                "columns": ["x1", "x2", "label"],
                "kind": "binary",
                "classes": [0, 1],
            }
            await ws.send_json({"type": "config", "config": {"dataset": "csv", "split": 0.25}})
            ready = await ws.receive_json()
            assert ready["type"] == "ready" and ready["kind"] == "binary"
            assert len(ready["train"]["x"]) == 6 and len(ready["test"]["x"]) == 2
            await _recv_until(ws, "state")
            await ws.send_json({"type": "upload", "name": "big.csv", "csv": "1,2,0\n" * 100})
            err = await ws.receive_json()
            assert err["field"] == "csv" and "File too large" in err["message"]
            await ws.send_json({"type": "upload", "csv": {"path": "/etc/passwd"}})
            err = await ws.receive_json()
            assert err["message"] == "csv: expected the file's text, got dict"
            # a message over max_message_bytes closes the connection
            await ws.send_str(json.dumps({"type": "upload", "csv": "x" * 5000}))
            closed = await asyncio.wait_for(ws.receive(), 10)
            assert closed.type.name in ("CLOSE", "CLOSED", "CLOSING")

    _serve(test, Limits(max_upload_bytes=500, max_message_bytes=2000))


def test_session_cap():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as first:
            assert (await first.receive_json())["type"] == "hello"
            async with client.ws_connect("/ws") as second:
                err = await second.receive_json()
                assert err["message"] == "Too many open pages: at most 1 at a time"

    _serve(test, Limits(max_sessions=1))


def test_static_files_only_by_name_and_same_origin_websocket():
    async def test(client: TestClient) -> None:
        page = await client.get("/")
        assert page.status == 200 and "glassnet playground" in await page.text()
        js = await client.get("/app.js")
        assert js.status == 200 and js.content_type == "text/javascript"
        for path in (
            "/../pyproject.toml",
            "/%2e%2e/limits.py",
            "/server.py",
            "/static/app.js",
            "/..%2Fserver.py",
            "/etc/passwd",
        ):
            assert (await client.get(path)).status == 404, path
        bad = await client.get("/ws", headers={"Origin": "http://evil.example"})
        assert bad.status == 403
        # DNS rebinding: a foreign name that resolves to 127.0.0.1 is refused
        port = client.port
        rebound = await client.get("/", headers={"Host": f"evil.example:{port}"})
        assert rebound.status == 403
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
            assert (await client.get("/", headers={"Host": host})).status == 200, host

    _serve(test)


def test_bind_is_loopback_only_and_picks_a_free_port():
    sock = pg_server.bind("127.0.0.1", 0)
    try:
        url = pg_server.url_of(sock)
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
    finally:
        sock.close()
    for host in ("0.0.0.0", "192.168.1.2", "example.com"):
        with pytest.raises(ValueError, match="loopback"):
            pg_server.bind(host, 0)
    with pytest.raises(ValueError, match="port"):
        pg_server.bind("127.0.0.1", 70000)


def test_cli_refuses_a_public_host(capsys):
    from glassnet.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["playground", "--host", "0.0.0.0", "--no-browser"])
    assert exc.value.code == 2
    assert "loopback" in capsys.readouterr().err


def test_retune_keeps_the_optimizer_state_for_a_new_learning_rate():
    s = _session(dataset="moons", n=60, opt="adam")
    s.train(3)
    # the state is the chain's: (Adam's, the learning rate's), each counting the updates
    count = s.opt_state[-1].count
    assert count > 0
    s.retune(parse_config({**s.config.to_dict(), "lr": 0.001}, LIMITS))
    assert s.opt_state[-1].count == count and s.config.lr == 0.001 and s.epoch == 3
    moments = s.opt_state[0].m[0]["W"].copy()
    s.train(1)  # the next fit resumes Adam's moments and count, at the new rate
    assert s.opt_state[-1].count == count + count // 3
    assert not np.array_equal(s.opt_state[0].m[0]["W"], moments)
    s.retune(parse_config({**s.config.to_dict(), "opt": "rmsprop"}, LIMITS))
    assert s.opt_state[-1].count == 0
    assert not s.can_retune(parse_config({**s.config.to_dict(), "seed": 5}, LIMITS))
    with pytest.raises(ProtocolError, match="only lr, l2, batch, opt and rate"):
        s.retune(parse_config({**s.config.to_dict(), "layers": [2], "act": "tanh"}, LIMITS))


def test_cli_port_in_use_is_one_line_and_status_2(capsys):
    from glassnet.cli import main

    busy = pg_server.bind("127.0.0.1", 0)
    port = busy.getsockname()[1]
    try:
        with pytest.raises(SystemExit) as exc:
            main(["playground", "--port", str(port), "--no-browser"])
    finally:
        busy.close()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: port: cannot listen on 127.0.0.1:{port}") and err.count("\n") == 1
    )
