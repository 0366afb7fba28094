"""The playground without a browser: setup validation, limits, CSV parsing, the training
session, the grids, and the WebSocket protocol against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import zipfile
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
        ({"lr": 11}, "lr", "learning rate: expected a finite number in [1e-06, 10], got 11 (int)"),
        ({"lr": "fast"}, "lr", "expected a number, got 'fast'"),
        ({"seed": 1.5}, "seed", "seed: expected an integer in [0, 2147483647], got 1.5 (float)"),
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


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lr": 0}, "lr", "learning rate: expected a finite number in [1e-06, 10], got 0 (int)"),
        ({"lr": "1e9"}, "lr", "learning rate: expected a finite number in [1e-06, 10], got 1000000000.0 (float)"),
        ({"l2": -1}, "l2", "L2: expected a finite number in [0, 1], got -1 (int)"),
        ({"n": "2.5"}, "n", "samples: expected an integer >= 4, got 2.5 (float)"),
        ({"n": True}, "n", "samples: expected an integer >= 4, got True (bool)"),
        ({"noise": None}, "noise", "noise: expected a finite number in [0, 1], got None (NoneType)"),
        ({"b": {"batch": -1}}, "b.batch", "batch size: expected an integer in [0, 2000], got -1 (int)"),
        ({"layers": [4, 0]}, "layers", "layer 2 units: expected an integer >= 1, got 0 (int)"),
        ({"member": 10}, "member", "member: expected an integer in [0, 9], got 10 (int)"),
    ],
)  # fmt: skip
def test_config_numbers_are_checked_by_the_one_vocabulary(change, field, message):
    """Each refusal is a ProtocolError naming the setting (field), what it expected and what
    came."""
    with pytest.raises(ProtocolError) as err:
        parse_config({**DEFAULT_CONFIG, **change}, LIMITS)
    assert err.value.field == field
    assert str(err.value) == message


def test_config_numbers_may_come_as_text_and_names_get_a_suggestion():
    cfg = parse_config({"seed": "7", "n": "100.0", "lr": "0.5", "batch": 8.0}, LIMITS)
    assert (cfg.seed, cfg.n, cfg.lr, cfg.batch) == (7, 100, 0.5, 8)
    assert type(cfg.n) is int and type(cfg.batch) is int
    with pytest.raises(ProtocolError) as err:
        parse_config({"loss": "mes"}, LIMITS)
    assert err.value.field == "loss"
    assert str(err.value).startswith("loss: expected one of ")
    assert str(err.value).endswith("got 'mes' (str) (did you mean 'mse'?)")
    with pytest.raises(ProtocolError) as err:
        parse_config({"seeed": 1}, LIMITS)
    assert err.value.field == "seeed"
    assert str(err.value) == "config: unknown setting 'seeed' (did you mean 'seed'?)"


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
    assert notes[0]["kind"] == "dead_relu" and "8 of 8 relu units are dead" in notes[0]["text"]
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
            state, seen = await _recv_until(ws, "state")  # a frame first: the page redraws
            assert [m["type"] for m in seen] == ["frame"]
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
    with pytest.raises(ProtocolError, match="only opt, lr, batch, l1, l2, pace, rate, threshold"):
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
        err.startswith(f"error: --port: cannot listen on 127.0.0.1:{port}") and err.count("\n") == 1
    )


# -- hostile and heavy messages (issue 13) ------------------------------------------------------
def test_hostile_messages_get_an_answer_not_a_dropped_connection():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            huge = "9" * 400
            for key in ("lr", "n", "seed", "seeds", "layers"):
                value = f"[{huge}]" if key == "layers" else huge
                await ws.send_str(f'{{"type": "config", "config": {{"{key}": {value}}}}}')
                err = await ws.receive_json()
                assert err["type"] == "error" and err["field"] == key, err
                assert "400 characters)" in err["message"]
            await ws.send_str('{"type": "step", "epochs": ' + huge + "}")
            err = await ws.receive_json()
            assert err["message"].startswith("Too many epochs in one step: at most 1000, got 999")
            assert "(400 characters)" in err["message"]
            await ws.send_str('{"type": "config", "config": {"lr": ' + "9" * 5000 + "}}")
            err = await ws.receive_json()  # Python refuses ints of over 4300 digits
            assert err["message"].startswith("Message is not valid JSON (")
            await ws.send_str('{"type": "config", "config": ' + "[" * 100_000 + "]" * 100_000 + "}")
            assert (await ws.receive_json())["message"] == "Message is nested too deeply"
            await ws.send_bytes(b"\x00\x01binary")
            err = await ws.receive_json()
            assert err["message"] == "Binary messages are not understood: send JSON text"
            await ws.send_json({"type": "config", "config": {"b": {"lr": huge}}})
            err = await ws.receive_json()
            assert err["field"] == "b.lr" and "expected a number" in err["message"]
            # still answering
            await ws.send_json(
                {"type": "config", "config": {"dataset": "xor", "layers": [2], "act": "tanh"}}
            )
            ready, _ = await _recv_until(ws, "ready")
            assert ready["sizes"] == [2, 2, 1]

    _serve(test, Limits(max_message_bytes=1_000_000))


def test_work_is_budgeted_per_epoch_and_per_step():
    heavy = {"dataset": "moons", "n": 2000, "split": 0.3, "layers": [16] * 6, "act": "tanh"}
    with pytest.raises(ProtocolError) as err:  # batch 1: 1400 updates of 7 layers per epoch
        _session(**heavy, batch=1)
    assert err.value.field == "batch"
    assert "Too much work per epoch" in str(err.value) and "batch size of at least" in str(
        err.value
    )
    s = _session(**heavy, batch=0)  # full batch: cheap epochs
    s.check_work(1000)
    tight = Session(Limits(max_step_seconds=0.5))
    tight.configure(parse_config({**DEFAULT_CONFIG, **heavy, "batch": 32}, LIMITS))
    with pytest.raises(
        ProtocolError, match=r"Too much work in one step: 1000 epochs .* at most \d+"
    ):
        tight.check_work(1000)
    # the estimate is within a small factor of the engine's real work: more samples, more
    # parameters or more members cost proportionally more
    from glassnet.playground.session import epoch_seconds

    # by hand: 337 parameters (3*16 + 17*16 + 17*1), 1000 samples, one update of 3 layers
    one = epoch_seconds(1000, 0, [2, 16, 16, 1], None)
    assert one == pytest.approx(1.5e-9 * 1000 * 337 + 6e-5 * 3 * (1 + 1 / 16))
    # batch 10: 100 updates
    assert epoch_seconds(1000, 10, [2, 16, 16, 1], None) == pytest.approx(
        1.5e-9 * 1000 * 337 + 6e-5 * 100 * 3 * (1 + 1 / 16)
    )
    assert epoch_seconds(1000, 0, [2, 16, 16, 1], 8) > 7 * 1.5e-9 * 1000 * 337


def test_pause_and_a_closed_page_cancel_a_long_step():
    limits = Limits(max_step_seconds=1e6)
    cfg = {
        **DEFAULT_CONFIG,
        "dataset": "moons",
        "n": 600,
        "layers": [16] * 3,
        "act": "tanh",
        "batch": 4,
    }

    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "config", "config": cfg})
            await _recv_until(ws, "state")
            await ws.send_json({"type": "step", "epochs": 1000})  # about a minute of work
            await asyncio.sleep(0.3)
            await ws.send_json({"type": "pause"})
            state, seen = await _recv_until(ws, "state")
            # the pause is answered once the fit stops at the end of an epoch
            assert state["running"] is False and 1 <= state["epoch"] < 1000
            frames = [m for m in seen if m["type"] == "frame"]
            assert frames and frames[-1]["epoch"] == state["epoch"]
            await ws.send_json({"type": "step", "epochs": 1000})
            await asyncio.sleep(0.2)
        conns = client.app[pg_server.SESSIONS_KEY]
        for _ in range(100):  # the closed page's work is cancelled and its session let go
            if not conns:
                break
            await asyncio.sleep(0.1)
        assert not conns

    _serve(test, limits)


def test_ctrl_c_stops_the_server_while_a_page_trains(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    code = (
        "import sys; from glassnet.cli import main; "
        "sys.argv = ['glassnet', 'playground', '--no-browser']; main()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        line = proc.stdout.readline()
        assert "running at http://127.0.0.1:" in line, line
        url = line.split("running at ")[1].split()[0]

        async def train() -> None:
            import aiohttp

            async with aiohttp.ClientSession() as http, http.ws_connect(url + "ws") as ws:
                await ws.receive_json()
                cfg = {
                    **DEFAULT_CONFIG,
                    "dataset": "moons",
                    "n": 600,
                    "layers": [16] * 3,
                    "act": "tanh",
                }
                await ws.send_json({"type": "config", "config": {**cfg, "batch": 4}})
                await _recv_until(ws, "state")
                await ws.send_json({"type": "play"})
                await _recv_until(ws, "frame")
                os.kill(proc.pid, signal.SIGINT)
                with pytest.raises((asyncio.TimeoutError, aiohttp.ClientError, TypeError)):
                    while True:  # frames until the server closes the connection
                        await asyncio.wait_for(ws.receive_json(), 20)

        asyncio.run(train())
        out, _ = proc.communicate(timeout=30)  # a server that kept training would time out
        assert proc.returncode == 0 and "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_choices_come_from_the_engines_registries():
    from glassnet.playground.protocol import choices

    ch = choices()
    assert ch["opt"] == gn.optimizers.names() and ch["loss"] == gn.losses.names()
    assert ch["init"] == gn.initializers.names() and ch["out"] == gn.activations.names()
    assert "softmax" not in ch["act"] and set(ch["act"]) | {"softmax"} == set(ch["out"])
    act = gn.activations.register(
        "cube_test", lambda z: z**3, lambda z: 3 * z**2, saturates=False, can_die=False
    )
    try:
        assert "cube_test" in choices()["act"]
        cfg = parse_config({"layers": [3], "act": "cube_test"}, LIMITS)
        s = Session(LIMITS)
        s.configure(cfg)
        stats = s.layer_stats()
        assert stats["saturated"] == [None] and stats["dead"] == [None]  # from its fields
    finally:
        del gn.activations.REGISTRY[act.name]
    assert "cube_test" not in choices()["act"]


def test_a_stuck_network_is_said_to_be_stuck():
    # the "vanishing gradients" preset: five sigmoid layers, mse, gd; the loss stays near
    # 0.25, the loss of always answering 0.5 on balanced 0/1 targets
    s = _session(dataset="moons", layers=[8] * 5, act="sigmoid", out="sigmoid", loss="mse",
                 opt="gd", lr=0.1, batch=0)  # fmt: skip
    assert s.baseline == pytest.approx(np.var(s.data.y_train))
    s.train(300)
    notes = s.frame()["notes"]
    stuck = next(n["text"] for n in notes if n["kind"] == "stuck")
    assert "no better than always answering the mean target" in stuck
    good = _session(dataset="xor", layers=[4], act="tanh", lr=0.05, batch=0)
    good.train(300)
    assert "stuck" not in [n["kind"] for n in good.frame()["notes"]]


def test_runaway_weights_get_a_note_even_with_a_finite_loss():
    s = _session(dataset="moons", layers=[4], act="tanh", loss="mse", opt="gd", lr=0.1, batch=0)
    s.net.layers[0].W[...] = 1e5  # what lr=1e300 leaves behind with the loss stuck at 0.5
    kinds = [n["kind"] for n in s.notes(s.layer_stats())]
    assert "runaway" in kinds and np.isfinite(s.train_loss[-1])


# -- compare and seeds modes --------------------------------------------------------------------
def test_compare_mode_trains_two_setups_in_lockstep_on_the_same_data():
    base = {"dataset": "moons", "n": 80, "layers": [4], "act": "tanh", "opt": "gd", "lr": 0.5}
    s = _session(**base, mode="compare", b={"act": "sigmoid", "lr": 1.0})
    assert s.b is not None and s.b.data is s.data  # the same points
    assert s.b.config.act == ["sigmoid"] and s.b.config.lr == 1.0 and s.b.config.seed == 0
    assert s.train(7) == 7 and s.b.epoch == s.epoch == 7
    # each equals the same setup trained alone, bit for bit
    alone_a = _session(**base)
    alone_b = _session(**{**base, "act": "sigmoid", "lr": 1.0})
    alone_a.train(7)
    alone_b.train(7)
    assert s.train_loss == alone_a.train_loss and s.b.train_loss == alone_b.train_loss
    np.testing.assert_array_equal(s.b.net.layers[0].W, alone_b.net.layers[0].W)
    frame = s.frame()
    assert frame["b"]["epoch"] == 7 and frame["b"]["train_loss"] == pytest.approx(
        alone_b.train_loss[-1], rel=1e-4
    )
    assert frame["b"]["boundary"]["data"] != frame["boundary"]["data"]
    ready = s.data_message()
    assert ready["sizes_b"] == [2, 4, 1] and ready["config_b"]["act"] == ["sigmoid"]
    # the second setup may have other layers; data and seed settings are not its to change
    other = parse_config({"layers": [3], "act": "tanh", "mode": "compare", "b": {"layers": [5, 2], "act": "relu"}}, LIMITS)  # fmt: skip
    assert other.second().layers == [5, 2] and other.second().act == ["relu", "relu"]
    for bad, field in (({"seed": 3}, "b"), ({"layers": [99]}, "b.layers"), ({"act": "x"}, "b.act")):
        with pytest.raises(ProtocolError) as err:
            parse_config({"mode": "compare", "b": bad}, LIMITS)
        assert err.value.field == field


def test_seeds_mode_is_a_population_whose_members_are_the_single_runs():
    base = {"dataset": "xor", "layers": [2], "act": "sigmoid", "out": "sigmoid", "loss": "mse",
            "opt": "gd", "lr": 2.0, "batch": 0, "seed": 3}  # fmt: skip
    s = _session(**base, mode="seeds", seeds=6, member=2)
    assert s.net.population == 6 and s.net.seeds == [3, 4, 5, 6, 7, 8]
    s.train(150)
    singles = []
    for k in range(6):
        one = _session(**{**base, "seed": 3 + k})
        one.train(150)
        singles.append(one.train_loss)
    singles_arr = np.array(singles)  # (members, epochs)
    np.testing.assert_array_equal(np.array(s.train_loss).T, singles_arr)  # bit for bit
    frame = s.frame()
    pop = frame["population"]
    np.testing.assert_allclose(pop["median"], np.median(singles_arr, axis=0), rtol=1e-4)
    np.testing.assert_allclose(pop["lo"], np.percentile(singles_arr, 10, axis=0), rtol=1e-4)
    # converged: the members whose loss per case (mse: the loss) went below the threshold
    reached = gn.convergence.threshold_epoch(singles_arr, s.config.threshold)
    assert pop["converged"] == np.mean(reached >= 0) and pop["threshold"] == 0.01
    # the drawn network is member 2, the single run with seed 5
    assert frame["train_loss"] == pytest.approx(singles[2][-1], rel=1e-4)
    assert frame["loss"]["train"][-1] == pytest.approx(singles[2][-1], rel=1e-4)
    # choosing another member is live: same population, the curve is sent again from epoch 0
    s.retune(parse_config({**s.config.to_dict(), "member": 4}, LIMITS))
    again = s.frame()
    assert again["loss"]["restart"] and again["loss"]["epochs"][0] == 0
    assert again["train_loss"] == pytest.approx(singles[4][-1], rel=1e-4)
    with pytest.raises(ProtocolError, match="at most 32 networks"):
        parse_config({"mode": "seeds", "seeds": 33}, LIMITS)
    with pytest.raises(ProtocolError) as err:
        parse_config({"mode": "seeds", "seeds": 4, "member": 4}, LIMITS)
    assert err.value.field == "member"


# -- inside a unit, weights by hand -------------------------------------------------------------
def test_inside_a_unit_gives_the_numbers_of_one_sample_by_hand():
    s = _session(dataset="moons", n=40, layers=[3, 2], act=["tanh", "sigmoid"], loss="mse",
                 out="sigmoid", batch=0)  # fmt: skip
    s.train(3)
    x, y = s.Xn_train[5], s.data.y_train[5]
    W1, b1 = s.net.layers[0].W, s.net.layers[0].b
    W2, b2 = s.net.layers[1].W, s.net.layers[1].b
    got = s.inside(2, 1, 5)  # hidden layer 2, unit 2, sample 5
    a1 = np.tanh(x @ W1 + b1[0])
    z = a1 @ W2[:, 1] + b2[0, 1]
    assert got["z"] == pytest.approx(z, rel=1e-12)
    assert got["a"] == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-12)
    assert got["fprime"] == pytest.approx(got["a"] * (1 - got["a"]), rel=1e-12)
    assert [c["a_prev"] for c in got["incoming"]] == pytest.approx(a1, rel=1e-12)
    assert [c["w"] for c in got["incoming"]] == pytest.approx(W2[:, 1], rel=1e-15)
    # dC/dW of this one sample's cost, against central finite differences of the engine's loss
    h = 1e-6
    for k, c in enumerate(got["incoming"]):
        plus, minus = s.net.copy(), s.net.copy()
        plus.layers[1].W[k, 1] += h
        minus.layers[1].W[k, 1] -= h
        numeric = (plus.loss(x[None], y[None], "mse") - minus.loss(x[None], y[None], "mse")) / 2 / h
        assert c["dW"] == pytest.approx(numeric, rel=1e-5, abs=1e-10)
        assert c["dW"] == pytest.approx(c["a_prev"] * got["delta"], rel=1e-12)
    f = got["formulas"]
    assert f["z"].startswith("z^(2) = Σ_k a^(1)_k W^(2)_k2 + b^(2) = ")
    assert f["z"].endswith(f"= {z:.6g}") and f"{got['fprime']:.6g}" in f["delta"]
    with pytest.raises(ProtocolError, match="layer: expected a layer between 1 and 3, got 4"):
        s.inside(4, 0, 0)
    with pytest.raises(ProtocolError, match="sample: expected 0 to 27, got 28"):
        s.inside(1, 0, 28)
    with pytest.raises(ProtocolError, match="unit: expected a whole number"):
        s.inside(1, "0", 0)


def test_a_weight_set_by_hand_moves_the_loss_and_the_boundary():
    s = _session(dataset="moons", n=40, layers=[3], act="tanh", batch=0)
    s.train(2)
    before = s.frame()
    reference = s.net.copy()
    reference.layers[0].W[1, 2] = 4.0
    old = s.set_weight(1, 1, 2, 4.0)
    assert old == pytest.approx(before["weights"][0]["W"][1][2], rel=1e-3)
    after = s.frame()
    assert after["weights"][0]["W"][1][2] == 4.0
    assert after["train_loss"] == pytest.approx(
        reference.loss(s.Xn_train, s.data.y_train, "bce"), rel=1e-4
    )
    assert after["loss"]["epochs"] == [2]  # the jump: a second point at the same epoch
    assert after["boundary"]["data"] != before["boundary"]["data"]
    for bad, match in (
        ((3, 0, 0, 1.0), r"layer: expected a layer between 1 and 2, got 3"),
        ((1, 0, 3, 1.0), "unit: expected 0 to 2, got 3"),
        ((1, 0, 0, float("nan")), "finite number between -100 and 100"),
        ((1, 0, 0, 10**400), r"value: expected a number, got 1000.*\(401 characters\)"),
        ((1, 0, 0, "1"), "value: expected a number"),
    ):
        with pytest.raises(ProtocolError, match=match):
            s.set_weight(*bad)
    assert s.log[-1] == {"epoch": 2, "set": [1, 1, 2, 4.0], "member": 0}


# -- take it with you ---------------------------------------------------------------------------
def _run_script(text: str, tmp_path: Any) -> dict[str, Any]:
    import contextlib
    import io
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: dict[str, Any] = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(text, "playground_run.py", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


@pytest.mark.parametrize(
    "setup",
    [
        {"dataset": "moons", "n": 80, "batch": 16},  # made by gn.datasets, split
        {"dataset": "quadrants", "n": 60, "batch": 0, "opt": "momentum", "lr": 0.2},  # written out
        {"dataset": "xor", "layers": [3], "act": "tanh", "mode": "seeds", "seeds": 3, "batch": 0},
        {"dataset": "moons", "n": 60, "layers": [3], "act": "tanh", "mode": "compare",
         "b": {"act": "sigmoid", "opt": "gd", "lr": 0.5}},
    ],
)  # fmt: skip
def test_the_script_reproduces_the_run_bit_for_bit(setup, tmp_path):
    from glassnet.playground import export

    s = _session(**setup)
    s.train(4)
    s.train(3)  # resumed: one fit in the script
    s.set_weight(1, 0, 1, 1.5)
    s.retune(parse_config({**s.config.to_dict(), "lr": 0.01}, LIMITS))
    s.train(2)
    text = export.script(s)
    # B keeps its own lr (0.5): A's change does not split its run
    assert text.count(".fit(") == (2 if s.b is None else 3)
    ns = _run_script(text, tmp_path)
    for run, name in ((s, "net"), (s.b, "net_b")):
        if run is None:
            continue
        for mine, theirs in zip(run.net.params, ns[name].params, strict=True):
            for key in mine:
                np.testing.assert_array_equal(mine[key], theirs[key])
    assert (tmp_path / "playground-model.npz").exists()


def test_the_train_command_reproduces_a_plain_run_and_says_when_it_cannot(tmp_path):
    from glassnet.cli import main
    from glassnet.playground import export

    s = _session(dataset="circles", n=200, noise=0.05, seed=0, layers=[3], act="tanh", batch=32,
                 lr=0.02)  # fmt: skip
    s.train(5)
    s.train(4)
    cmd, why = export.command(s)
    assert why == "" and cmd is not None
    assert "--epochs 9" in cmd and "--batch-size 32" in cmd and "--validation-split 0.3" in cmd
    args = cmd.split()[1:]  # after "glassnet"
    out = tmp_path / "run"
    args[args.index("--out") + 1] = str(out)
    try:
        main([*args, "--quiet", "--no-figure"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    net = gn.load(out / "model.npz")
    for mine, theirs in zip(s.net.params, net.params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])
    s.retune(parse_config({**s.config.to_dict(), "lr": 0.5}, LIMITS))
    s.train(1)
    assert export.command(s) == (
        None,
        "settings changed during the run; the script replays each part.",
    )
    other = _session(dataset="moons", n=80)
    other.train(1)
    assert "n_samples=80" in export.command(other)[1]


def test_a_model_file_goes_out_and_comes_back_in():
    from glassnet.playground import export

    s = _session(dataset="moons", n=60, layers=[5, 3], act=["relu", "tanh"], batch=0)
    s.train(6)
    content = export.model_file(s)
    t = _session(dataset="moons", n=60)  # another network on the same data
    cfg = export.load_model(t, content, "mine.npz")
    assert cfg.layers == [5, 3] and cfg.act == ["relu", "tanh"] and t.epoch == 0
    for mine, theirs in zip(s.net.params, t.net.params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])
    assert t.train_loss[0] == s.train_loss[-1]
    t.train(1)  # and it trains on from there
    assert "gn.load('mine.npz')" in export.script(t)
    wrong = _session(dataset="blobs", out="softmax", loss="cross_entropy")  # 3 outputs
    with pytest.raises(ProtocolError, match="does not fit this data"):
        export.load_model(wrong, content, "mine.npz")
    with pytest.raises(ProtocolError, match="not a glassnet model file"):
        export.load_model(t, b"PK\x03\x04 junk", "junk.npz")
    bomb = io.BytesIO()  # declares 30 MB of zeros in a small deflated archive
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("layer1.W.npy", b"\0" * 30_000_000)
    with pytest.raises(ProtocolError, match="would inflate to 30 MB"):
        export.load_model(t, bomb.getvalue(), "bomb.npz")


def test_protocol_export_and_model_upload():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json(
                {"type": "config", "config": {"dataset": "xor", "layers": [2], "act": "tanh"}}
            )
            await _recv_until(ws, "state")
            await ws.send_json({"type": "step", "epochs": 3})
            await _recv_until(ws, "state")
            await ws.send_json({"type": "export"})
            out, _ = await _recv_until(ws, "export")
            assert out["epoch"] == 3 and "gn.Network([2, 2, 1]" in out["script"]
            assert out["command"].startswith("glassnet train --dataset xor --seed 0 --hidden 2 ")
            await ws.send_json({"type": "model", "name": "x.npz", "data": out["model"]})
            ready, _ = await _recv_until(ws, "ready")
            assert ready["loaded"] == "x.npz" and ready["sizes"] == [2, 2, 1]
            await ws.send_json({"type": "model", "name": "x.npz", "data": "%%%"})
            err, _ = await _recv_until(ws, "error")
            assert err["message"] == "x.npz: the file's bytes are not valid base64"

    _serve(test)


# -- regression sets and input features ---------------------------------------------------------
def test_regression_sets_are_their_formulas():
    from glassnet.playground.session import regression

    X, y = regression("plane", 50, 0.0, seed=2)
    np.testing.assert_allclose(y[:, 0], 0.6 * X[:, 0] - 0.4 * X[:, 1])
    assert X.min() >= -1 and X.max() <= 1
    X, y = regression("sine", 50, 0.0, seed=2)
    np.testing.assert_allclose(y[:, 0], np.sin(X[:, 0]))
    assert X.min() >= -3 and X.max() <= 3
    X, y = regression("bumps", 50, 0.0, seed=2)
    i = int(
        np.argmax(y[:, 0])
    )  # the highest point is near an "up" bump, (0.5, 0.5) or (-0.5, -0.5)
    assert X[i, 0] * X[i, 1] > 0 and y[i, 0] <= 1 + 0.02
    noisy = (
        regression("plane", 50, 0.1, seed=2)[1][:, 0]
        - regression("plane", 50, 0.0, seed=2)[1][:, 0]
    )
    assert 0.05 < noisy.std() < 0.15
    s = _session(dataset="sine", noise=0.0, layers=[], act=[], out="identity", loss="mse", features=["sinx1"],
                 opt="adam", lr=0.05, batch=0)  # fmt: skip
    assert s.data.kind == "regression" and s.data_message()["inputs"] == ["x1", "x2", "sin x1"]
    s.train(300)  # with sin x1 as an input the sine is a plane: a single layer fits it
    assert s.train_loss[-1] < 1e-3


def test_input_features_are_extra_inputs_shown_as_units():
    s = _session(dataset="circles", layers=[], act=[], features="x1x2,x1sq,sinx2")
    assert s.config.features == ["x1sq", "x1x2", "sinx2"]  # one order
    x1, x2 = s.data.X_train[:, 0], s.data.X_train[:, 1]
    np.testing.assert_array_equal(
        s.Xn_train, np.column_stack([x1, x2, x1 * x1, x1 * x2, np.sin(x2)])
    )
    assert s.net.sizes == [5, 1]
    frame = s.frame()
    assert len(frame["inputs"]) == 5
    grid = LIMITS.unit_grid
    m = np.frombuffer(base64.b64decode(frame["inputs"][2]["data"]), np.uint8).reshape(grid, grid)
    assert m[grid // 2, 0] > 200 and m[grid // 2, grid // 2] < 140  # x1^2: high at the sides
    for bad in (["x3sq"], ["x1sq", "x1sq"], "x1^2"):
        with pytest.raises(ProtocolError) as err:
            parse_config({"features": bad}, LIMITS)
        assert err.value.field == "features"


# -- binary frames --------------------------------------------------------------------------
def test_binary_frames_carry_typed_arrays_and_only_what_changed():
    from glassnet.playground.frames import Encoder, decode

    s = _session(dataset="moons", n=60, layers=[4], act="tanh", features=["x1sq"])
    enc = Encoder()
    first_json = s.frame()
    first = decode(enc.encode(s.frame_arrays()))
    enc.commit()  # sent: the next frame may refer to it
    # the same numbers as the JSON frame: images byte for byte, weights to float32
    assert first["boundary"]["data"].tobytes() == base64.b64decode(first_json["boundary"]["data"])
    assert first["boundary"]["data"].shape == (LIMITS.grid, LIMITS.grid)
    np.testing.assert_allclose(first["weights"][0]["W"], s.net.layers[0].W, rtol=1e-7)
    assert first["weights"][0]["W"].dtype == np.float32
    assert first["train_loss"] == first_json["train_loss"] and first["notes"] == first_json["notes"]
    s.train(1)
    message = enc.encode(s.frame_arrays())
    header = message[8 : 8 + int.from_bytes(message[4:8], "little")].decode()
    assert header.count('"$same"') == 3  # the input maps x1, x2, x1^2 did not change
    second = decode(message, first)
    for j in range(3):
        assert second["inputs"][j]["data"] is first["inputs"][j]["data"]
    assert not np.array_equal(second["weights"][0]["W"], first["weights"][0]["W"])
    assert len(message) < 0.7 * len(json.dumps(s.frame()))
    with pytest.raises(ValueError, match="not a glassnet binary frame"):
        decode(b"JSON{}")


def test_a_page_asks_for_binary_frames():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "frames", "binary": "yes"})
            assert "true or false" in (await ws.receive_json())["message"]
            await ws.send_json({"type": "frames", "binary": True})
            await ws.send_json(
                {"type": "config", "config": {"dataset": "xor", "layers": [2], "act": "tanh"}}
            )
            assert (await ws.receive_json())["type"] == "ready"
            msg = await ws.receive()
            assert msg.type.name == "BINARY" and msg.data[:4] == b"GNF1"

    _serve(test)


# -- the notebook widget --------------------------------------------------------------------
def test_the_notebook_widget_trains_the_users_own_network():
    pytest.importorskip("anywidget")
    from glassnet.playground import widget

    X, y = gn.datasets.load("moons", n_samples=60, noise=0.1, seed=1)
    net = gn.Network([2, 5, 1], activation="tanh", output="sigmoid", seed=4)
    twin = net.copy()
    w = widget(net, X, y, optimizer="adam", lr=0.02, batch_size=16)
    sent: list[dict] = []
    w.send = lambda content, buffers=None: sent.append(content)
    assert w.setup["sizes"] == [2, 5, 1] and w.setup["kind"] == "binary"
    w._on_msg(w, {"type": "hello"}, [])
    assert [m["type"] for m in sent] == ["frame", "state"] and sent[0]["epoch"] == 0
    w._on_msg(w, {"type": "step", "epochs": 1}, [])
    assert w.step(6) == 6 and w.epoch == 7
    # the same object, trained exactly like one fit of 7 epochs
    assert w.net is net and w.session.net is net
    twin.fit(X, y, loss="bce", optimizer="adam", lr=0.02, epochs=7, batch_size=16)
    for mine, theirs in zip(net.params, twin.params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])
    assert w.history.epochs_run == 6
    w.play()  # in a background thread, until paused
    for _ in range(200):
        if w.epoch > 7:
            break
        import time

        time.sleep(0.05)
    w.pause()
    assert (
        w.epoch > 7
        and not w.running
        and sent[-1] == {"type": "state", "running": False, "epoch": w.epoch, "reason": ""}
    )
    w._on_msg(w, {"type": "inside", "layer": 1, "unit": 0, "sample": 2}, [])
    assert sent[-1]["type"] == "inside" and sent[-1]["z"] == pytest.approx(
        (X[2] @ net.layers[0].W[:, 0] + net.layers[0].b[0, 0]), rel=1e-12
    )
    w._on_msg(w, {"type": "step", "epochs": "many"}, [])
    assert sent[-1]["type"] == "error" and "epochs" in sent[-1]["message"]
    with pytest.raises(ValueError, match="X: expected 2 columns for this network, got 3"):
        widget(net, np.zeros((5, 3)), np.zeros((5, 1)))
    with pytest.raises(TypeError, match="net: expected a glassnet Network"):
        widget("net", X, y)
    w.close()


# -- every registered name is offered and works -------------------------------------------------
@pytest.mark.parametrize(
    "act", [a for a in gn.activations.names() if not gn.activations.get(a).output_only]
)
def test_every_hidden_activation_trains_and_is_drawn(act):
    s = _session(dataset="xor", layers=[3], act=act, batch=0, opt="gd", lr=0.1)
    assert s.train(2) == 2
    frame = s.frame()
    info = gn.activations.get(act)
    assert (frame["saturated"][0] is None) == (not info.saturates)
    assert (frame["dead"][0] is None) == (not info.can_die)
    lo, hi = frame["units"][0][0]["lo"], frame["units"][0][0]["hi"]
    with np.errstate(all="ignore"):
        ends = info.value(np.array([-1e4, 1e4]))
    if np.all(np.abs(ends) < 1e3):  # bounded: the map's scale is the activation's range
        assert (lo, hi) == pytest.approx((ends.min(), ends.max()), abs=1e-6)


@pytest.mark.parametrize("opt", gn.optimizers.names())
def test_every_optimizer_trains_in_the_playground(opt):
    s = _session(dataset="xor", layers=[3], act="tanh", batch=0, opt=opt, lr=0.05)
    start = s.train_loss[0]
    assert s.train(30) == 30 and s.train_loss[-1] < start


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"loss": "mes"}, ValueError, "loss: expected one of .*got 'mes' \\(str\\) \\(did you mean 'mse'\\?\\)"),
        ({"optimizer": 3}, TypeError, "optimizer: expected one of .*got 3 \\(int\\)"),
        ({"lr": -1.0}, ValueError, "lr: expected a finite number > 0, got -1.0 \\(float\\)"),
        ({"batch_size": 0}, ValueError, "batch_size: expected an integer >= 1 or None, got 0 \\(int\\)"),
        ({"rate": 100.0}, ValueError, "rate: expected a finite number in \\[0.5, 20\\], got 100.0"),
    ],
)  # fmt: skip
def test_the_notebook_setup_refuses_bad_arguments_by_name(kwargs, exc, message):
    from glassnet.playground.notebook import _setup

    X, y = gn.datasets.load("moons", n_samples=20, seed=1)
    net = gn.Network([2, 3, 1], seed=0)
    args = {"loss": None, "optimizer": "gd", "lr": None, "batch_size": None, "l2": 0.0}
    args.update(rate=10.0, limits=LIMITS)
    with pytest.raises(exc, match=message):
        _setup(net, X, y, **{**args, **kwargs})
