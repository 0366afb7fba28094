"""The playground carries the paper's lesson (issue 24), without a browser: the paper's network
in both of ``glassnet paper``'s modes, the race, seeds compared, lessons, the table of
controls, data recipes, exports that hold the whole run, frames that show what the server
holds, and the install hints. Every reference is computed independently: by the paper's own
code (:mod:`glassnet.experiments.original`), by ``glassnet paper``'s sections, by
``glassnet inspect``, by a fresh engine run, or by hand."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("aiohttp")

from aiohttp.test_utils import TestClient, TestServer

import glassnet as gn
from glassnet.experiments.original import paper_init, train_original
from glassnet.playground import server as pg_server
from glassnet.playground.controls import (
    B_KEYS,
    BY_NAME,
    CONTROLS,
    DEFAULT_CONFIG,
    LIVE,
    Config,
    controls_message,
    parse_config,
)
from glassnet.playground.driver import FRAME, Driver, Pacer
from glassnet.playground.lessons import (
    PRESETS,
    best_learning_rates,
    builtin_lessons,
    parse_lesson,
    parse_setup,
)
from glassnet.playground.limits import Limits, ProtocolError
from glassnet.playground.session import Session

LIMITS = Limits()
ROOT = Path(__file__).resolve().parent.parent


def _session(spec: Any, limits: Limits = LIMITS) -> Session:
    s = Session(limits)
    s.configure(parse_setup(spec, limits))
    return s


def _inspect(capsys: Any, *args: str) -> dict[str, Any]:
    from glassnet.cli import main

    try:
        main(["inspect", "--format", "json", *args])
    except SystemExit as done:
        assert done.code in (0, None)
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def _paper_section(field: str, **settings: Any) -> dict[str, Any]:
    from glassnet.experiments.paper import SECTIONS, make_config

    cfg = make_config(**settings)
    section = next(s for s in SECTIONS if s.field == field)
    out: dict[str, Any] = section.compute(cfg, lambda stage: None)
    return out


# -- the paper's network, exactly ---------------------------------------------------------------
@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_paper_presets_start_from_the_papers_weights_as_inspect_and_tutorial_01(act, capsys):
    """First weights: the paper's draw (its own code), glassnet inspect's, and tutorial 01's
    by-hand RandomState(1) draw; the first loss is inspect's cost C."""
    p = paper_init(1)
    rs = np.random.RandomState(1)  # tutorial 01, by hand
    S0, S1 = 2 * rs.rand(3, 2) - 1, 2 * rs.rand(2, 1) - 1
    b0, b1 = rs.uniform(-1, 1), rs.uniform(-1, 1)
    extra = ["--activation", "tanh", "--output", "tanh01"] if act == "tanh" else []
    shown = _inspect(capsys, *extra)
    for rules in ("corrected", "original"):
        s = _session(f"paper-{act}" + ("-original" if rules == "original" else ""))
        W0, W1 = s.net.layers[0].W, s.net.layers[1].W
        np.testing.assert_array_equal(W0, p["S0"])
        np.testing.assert_array_equal(W0, S0)
        np.testing.assert_array_equal(W0, np.array(shown["layers"][0]["W"]))
        np.testing.assert_array_equal(W1, S1)
        np.testing.assert_array_equal(W1, np.array(shown["layers"][1]["W"]))
        assert float(s.net.layers[0].b[0, 0]) == b0 == shown["layers"][0]["b"][0][0]
        assert float(s.net.layers[1].b[0, 0]) == b1 == shown["layers"][1]["b"][0][0]
        # the first point of the curve: inspect's summed squared error C
        assert s.train_loss[0] == pytest.approx(shown["cost"], rel=1e-15)
    assert W0[0, 0] == pytest.approx(-0.166, abs=1e-3)  # the numbers, for the reader


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_paper_presets_curves_equal_glassnet_papers_in_both_modes(act):
    """The page's curve over the paper's 100 epochs, divided by the 4 cases, is the report's
    seed-1 curve number for number: exact gradients (the engine) and the paper's original rules
    (its own code), trained in slices as the page trains."""
    report = _paper_section("seed1", quick=True)
    X, y = gn.datasets.load("paper")
    for rules, reference in (
        ("corrected", report["corrected"][act]),
        ("original", report["original"][act]),
    ):
        s = _session(f"paper-{act}" + ("-original" if rules == "original" else ""))
        assert s.train(37) == 37 and s.train(62) == 62  # 99 epochs: curve points 0..99
        curve = np.asarray(s.train_loss) / len(X)
        np.testing.assert_array_equal(curve, reference)  # bit for bit
        assert s.race.upto == 100
    # independently of the report: the original rules from the paper's code directly
    orig = train_original(X, y, act, lr=0.5, epochs=100, seed=1).loss
    s = _session(f"paper-{act}-original")
    s.train(99)
    np.testing.assert_array_equal(np.asarray(s.train_loss) / 4, orig)


def test_the_original_rules_refuse_a_network_they_cannot_run():
    with pytest.raises(ProtocolError) as err:
        _session({"preset": "paper-sigmoid", "rules": "original", "layers": [2, 2]})
    assert err.value.field == "rules" and "one hidden layer (got 2)" in str(err.value)
    with pytest.raises(ProtocolError) as err:
        _session({"preset": "paper-race-original", "b": {"act": "relu"}})
    assert err.value.field == "b.rules" and "(got relu with tanh01)" in str(err.value)
    with pytest.raises(ProtocolError, match="optimizer gd, batch 0"):
        _session({"preset": "paper-sigmoid", "rules": "original", "opt": "adam"})
    s = _session("paper-sigmoid-original")
    with pytest.raises(ProtocolError, match="rules: the paper's original rules"):
        s.retune(s.config.replace(opt="momentum"))


# -- the race ------------------------------------------------------------------------------------
def test_the_race_readout_is_the_threshold_epochs_of_each_curve():
    s = _session("paper-race")
    s.train(99)
    summary = s.race_summary()
    expected = []
    for run in (s, s.b):
        per_case = np.asarray(run.train_loss) / 4
        expected.append(int(gn.convergence.threshold_epoch(per_case, 0.01)))
    got = [e["reached"] if e["reached"] is not None else -1 for e in summary["runs"]]
    assert got == expected
    a, b = expected
    assert a == -1 and b >= 0  # seed 1: tanh below 0.01 within 100 epochs, sigmoid not
    assert summary["text"] == (
        f"B went below 0.01 at epoch {b}; A not yet (epoch 99): B is ahead by at least "
        f"{99 - b + 1} epochs."
    )
    assert summary["runs"][0]["loss"] == pytest.approx(s.train_loss[-1] / 4, rel=1e-4)
    # a new threshold measures the curves so far again
    s.retune(s.config.replace(threshold=0.05))
    again = [int(gn.convergence.threshold_epoch(np.asarray(r.train_loss) / 4, 0.05))
             for r in (s, s.b)]  # fmt: skip
    assert [e["reached"] for e in s.race_summary()["runs"]] == again
    # rises: epochs whose loss rose over the one before, counted by hand
    rises = int(np.sum(np.diff(np.asarray(s.b.train_loss)) > 0))
    assert s.race_summary()["runs"][1]["rises"] == rises


def test_the_race_text_in_each_case():
    from glassnet.playground.session import _race_text

    run = lambda name, reached, loss: {"name": name, "reached": reached, "loss": loss}  # noqa: E731
    assert _race_text([run("A", 3, 0.1), run("B", 9, 0.2)], 0.01, 20) == (
        "A went below 0.01 at epoch 3, B at epoch 9: A is ahead by 6 epochs."
    )
    assert _race_text([run("A", 4, 0.1), run("B", 4, 0.1)], 0.01, 9).endswith("4: a tie.")
    assert _race_text([run("A", None, 0.4), run("B", None, 0.1)], 0.01, 9) == (
        "Neither is below 0.01 yet (epoch 9); B's loss per case is lower: 0.1 against 0.4, "
        "4 times lower."
    )
    assert (
        _race_text([run("A", None, 0.4)], 0.01, 9) == "Loss per case not below 0.01 yet (epoch 9)."
    )


def test_pacer_trains_the_epochs_owed_at_the_pace():
    lim = Limits()
    p = Pacer(20.0, 10.0, lim)  # 20 epochs per second, 10 frames per second
    assert p.period == pytest.approx(0.1)
    assert p.slice(0.0) == (1, pytest.approx(0.07))  # the first slice trains at once
    p.trained(1)
    assert p.slice(0.1)[0] == 2  # 20 epochs/s x 0.1 s
    p.trained(2)
    assert p.slice(0.15)[0] == 1
    p.trained(1)
    assert p.slice(10.0)[0] == 5  # a backlog is capped (2 periods of epochs + 1), no burst
    slow = Pacer(2.0, 10.0, lim)
    slow.slice(0.0)
    slow.trained(1)
    assert slow.slice(0.1)[0] == 0 and slow.slice(0.5)[0] == 1  # one epoch every 0.5 s
    fast = Pacer(0.0, 50.0, lim)  # as fast as it goes: the slice's time is the bound
    assert fast.slice(0.0) == (lim.max_step_epochs, pytest.approx(0.7 / 20))


def test_play_stops_at_until_and_when_both_converged():
    d = Driver(LIMITS)
    d.on_config(parse_setup("paper-race", LIMITS))
    bounds = d.play_bounds()
    assert bounds == {"until": 100, "converged": False}
    assert d.slice_epochs(1000, bounds) == 100
    d.session.train(100)
    assert d.stop_reason(bounds) == "until"
    assert d.play_bounds()["until"] is None  # pressed again: the bound lies behind
    d.on_config(parse_setup({"preset": "paper-race", "stop": True, "until": 0, "lr": 2.0}, LIMITS))
    bounds = d.play_bounds()
    assert bounds["converged"] and d.stop_reason(bounds) == ""
    while not d.stop_reason(bounds):
        d.session.train(5)
    assert d.stop_reason(bounds) == "converged" and d.session.all_converged


# -- seeds compared ------------------------------------------------------------------------------
def test_seeds_compared_equal_glassnet_papers_statistics():
    """Sigmoid against tanh over seeds 0-7: the share converged, the median epochs with its
    interval, and the Mann-Whitney test are section 2 of glassnet paper for the same settings
    (paper --seeds 8 --epochs E records the E losses before each step, epochs 0 to E - 1: the
    page's curve after E - 1 epochs)."""
    E = 300
    report = _paper_section("seeds", seeds=8, epochs=E)
    s = _session({"preset": "paper-seeds", "seeds": 8, "seed": 0, "until": 0})
    s.train(E - 1)
    stats = s.seeds_stats()
    for key, act in (("a", "sigmoid"), ("b", "tanh")):
        mine, theirs = stats[key], report["per_act"][act]
        assert mine["converged"] == theirs["converged"].to_dict()
        assert mine["median"] == theirs["median"].to_dict()
        assert mine["paper_converged"] == theirs["paper_converged"].to_dict()
        assert mine["paper_median"] == theirs["paper_median"].to_dict()
        run = s if key == "a" else s.b
        np.testing.assert_array_equal(run.race.reached, theirs["threshold_epoch"])
        np.testing.assert_array_equal(run.race.paper, theirs["paper_epoch"])
    # the report tests tanh against sigmoid; the page A (sigmoid) against B (tanh)
    theirs = report["mw_threshold"]
    assert stats["test"]["p_value"] == theirs.p_value
    assert stats["test"]["effect"] == pytest.approx(1 - theirs.effect, abs=1e-15)
    assert stats["paper_test"]["p_value"] == report["mw_paper"].p_value
    # the page's band curves: the two populations are the single runs of each seed
    one = _session({"preset": "paper-tanh", "seed": 5, "until": 0})
    one.train(E - 1)
    np.testing.assert_array_equal(np.asarray(s.b.train_loss)[:, 5], one.train_loss)
    frame = s.frame()
    assert frame["race"]["seeds"]["a"]["converged_text"] == str(
        report["per_act"]["sigmoid"]["converged"]
    )
    assert frame["b"]["population"]["converged"] == pytest.approx(np.mean(s.b.race.reached >= 0))


def test_each_setup_at_its_best_learning_rate_as_glassnet_paper_sweeps():
    """A lesson's tune picks each activation's best rate by glassnet paper's rule; section 3 of
    the report, over the same rates, seeds (0-7) and epochs, picks the same."""
    grid = "0.1,0.5,2,8"
    report = _paper_section("sweep", seeds=32, epochs=200, lr_grid=grid)  # sweep seeds: 8
    s = _session({"preset": "paper-seeds", "seeds": 8, "seed": 0})
    best = best_learning_rates(s, [0.1, 0.5, 2.0, 8.0], 200)
    assert best["a"] == report["per_act"]["sigmoid"]["best_lr"]
    assert best["b"] == report["per_act"]["tanh"]["best_lr"]
    rows = report["per_act"]["tanh"]["rows"]
    assert [r["converged"] for r in best["b_rows"]] == [r["converged"].value for r in rows]
    tight = Session(Limits(max_step_seconds=0.01))
    tight.configure(parse_setup({"preset": "paper-seeds", "seeds": 8}, LIMITS))
    with pytest.raises(ProtocolError, match=r"tune: 4 learning rates x 8 seeds x 200 epochs"):
        best_learning_rates(tight, [0.1, 0.5, 2.0, 8.0], 200)


# -- lessons -------------------------------------------------------------------------------------
def test_built_in_lessons_are_checked_and_state_no_number_of_their_own():
    """Every number a lesson states is computed: outside placeholders its texts hold no digit
    (the setups are settings, checked by the table)."""
    found = builtin_lessons()
    assert len(found) >= 3
    for key, text in found.items():
        lesson = parse_lesson(text, key, LIMITS)
        for step in lesson["steps"]:
            for field in ("title", "text", "look", "question", "after"):
                bare = __import__("re").sub(r"\{[^{}]*\}", "", step[field])
                assert not any(ch.isdigit() for ch in bare), (key, field, step[field])
            parse_config(step["setup"], LIMITS)  # each step's setup is a valid setup
    paper = parse_lesson(found["1-the-papers-question"], "x", LIMITS)
    assert [s["setup"]["rules"] for s in paper["steps"][:2]] == ["original", "corrected"]
    from glassnet.experiments.paper import parse_lr_grid

    assert paper["steps"][3]["tune"] == {"grid": list(parse_lr_grid("0.05:20:9")), "epochs": 1000}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title = "t"\n[[steps]]\ntext = "x"\nsetup = "paper-race"\nquestoin = "q"\n',
         "lesson step 1: unknown key 'questoin'; expected title, text, setup, look, question, after, tune (did you mean 'question'?)"),
        ('title = "t"\n', "lesson: expected 'steps', a list of at least one step"),
        ('[[steps]]\ntext = "x"\nsetup = "paper-race"\n', "lesson: the key 'title' is missing"),
        ('title = "t"\n[[steps]]\ntext = "x"\n', "lesson step 1: the key 'setup' is missing"),
        ('title = "t"\n[[steps]]\ntext = "{A.reachd}"\nsetup = "paper-race"\n',
         "lesson step 1 text: unknown placeholder {A.reachd}"),
        ('title = "t"\n[[steps]]\ntext = "x"\nsetup = { preset = "paper-race", lr = 99 }\n',
         "lesson step 1 setup: learning rate: expected a finite number in [1e-06, 10], got 99"),
        ('title = "t"\n[[steps]]\ntext = "x"\nsetup = { preset = "paper-rcae" }\n',
         "lesson step 1 setup preset: unknown preset 'paper-rcae'"),
        ('title = "t"\n[[steps]]\ntext = "x"\nsetup = "layers=1,1,1,1,1,1,1"\n',
         "lesson step 1 setup: Too many hidden layers: at most 6 are allowed, got 7"),
        ('title = "t"\n[[steps]]\ntext = "x"\nsetup = "paper-race"\ntune = { grid = "0:1:3" }\n',
         "lesson step 1 tune grid: lr-grid: expected 'START:STOP:NUM'"),
        ('title = "t"\n[[steps]]\ntext = "x"\nsetup = "paper-race"\ntune = { epochs = 5 }\n',
         "lesson step 1 tune epochs: expected an integer in [10, 10000], got 5"),
        ("title = ", "lesson: not valid TOML"),
        ('{"title": "t", "steps": 3}', "lesson: expected 'steps', a list of at least one step"),
        ("x" * 20_001, "lesson: a lesson file is at most 20 kB, got 20.0 kB"),
    ],
)  # fmt: skip
def test_lesson_files_are_refused_naming_the_key(text, message):
    with pytest.raises(ProtocolError) as err:
        parse_lesson(text, "lesson", LIMITS)
    assert str(err.value).startswith(message), str(err.value)
    assert err.value.field in ("lesson", "lr", "layers")


def test_a_teachers_lesson_in_json_and_its_steps_in_every_form():
    text = json.dumps({
        "title": "Mine",
        "steps": [
            {"text": "A preset", "setup": "paper-tanh"},
            {"text": "An address", "setup": "preset=paper-race&b.lr=1&until=50"},
            {"text": "A table", "setup": {"dataset": "xor", "layers": [3], "act": "tanh"}},
        ],
    })  # fmt: skip
    lesson = parse_lesson(text, "mine.json", LIMITS)
    s0, s1, s2 = (st["setup"] for st in lesson["steps"])
    assert (s0["act"], s0["out"], s0["init"]) == (["tanh"], "tanh01", "paper")
    assert s1["mode"] == "compare" and s1["b"] == {"act": ["tanh"], "out": "tanh01", "lr": 1.0}
    assert s1["until"] == 50 and s2["layers"] == [3] and s2["dataset"] == "xor"


def test_every_preset_is_a_valid_setup_and_the_paper_settings_are_the_reports():
    from glassnet.experiments.paper.settings import PAPER_EPOCHS, PAPER_LR, PAPER_SEED

    for name in PRESETS:
        parse_setup(name, LIMITS)
    cfg = parse_setup("paper-sigmoid", LIMITS)
    assert (cfg.lr, cfg.seed, cfg.until) == (PAPER_LR, PAPER_SEED, PAPER_EPOCHS)
    assert (cfg.loss, cfg.init, cfg.bias, cfg.opt, cfg.batch) == ("sse", "paper", "layer", "gd", 0)


# -- the table of controls -----------------------------------------------------------------------
def test_every_setting_is_one_control_and_everything_derives_from_the_table():
    names = [c.name for c in CONTROLS]
    assert len(set(names)) == len(names)
    assert DEFAULT_CONFIG == {c.name: c.default for c in CONTROLS}
    assert list(Config({}).to_dict()) == names  # a setup's fields are the table's
    with pytest.raises(KeyError, match="unknown settings"):
        Config({"lr2": 1})
    assert set(LIVE) == {c.name for c in CONTROLS if c.live}
    assert set(B_KEYS) == {c.name for c in CONTROLS if c.b}
    sent = controls_message(LIMITS)
    assert [c["name"] for c in sent] == names
    assert BY_NAME["n"].default == sent[names.index("n")]["default"]
    assert sent[names.index("n")]["hi"] == LIMITS.max_samples  # bounds read off the limits
    assert sent[names.index("opt")]["choices"] == {n: n for n in gn.optimizers.names()}
    hello = Driver(LIMITS).hello()
    assert hello["controls"] == sent and hello["defaults"] == DEFAULT_CONFIG
    # the loss/output rule is the engine's one rule, as its table
    assert hello["pairing"] == gn.losses.pairing_table()
    for act, row in hello["pairing"].items():
        for loss in gn.losses.names():
            try:
                gn.losses.check_pairing(loss, act)
                assert loss in row["losses"]
            except ValueError:
                assert loss not in row["losses"]
    assert hello["suits"]["multiclass"] == {"out": "softmax", "loss": "cross_entropy"}
    assert hello["kinds"]["blobs"] == "multiclass" and hello["kinds"]["sine"] == "regression"
    # what the export's network line and the command are made of: the table's fields
    from glassnet.playground import export

    s = _session({"dataset": "xor", "layers": [3], "act": "tanh"})
    assert set(export.network_keywords(s)) == {c.network for c in CONTROLS if c.network}


def test_the_l1_control_reaches_the_engine():
    """L1 is the training core's (issue 23): with it, the page's curve is fit(l1=...)'s; an
    engine without it refuses the setup by name."""
    cfg = parse_config({"dataset": "moons", "n": 60, "layers": [4], "act": "tanh", "l1": 0.01,
                        "batch": 0}, LIMITS)  # fmt: skip
    assert cfg.l1 == 0.01 and "l1" in LIVE
    with pytest.raises(ProtocolError) as err:
        parse_config({"l1": -1}, LIMITS)
    assert err.value.field == "l1"
    s = Session(LIMITS)
    s.configure(cfg)
    X, y = s.Xn_train, s.data.y_train
    net = gn.Network([2, 4, 1], activation="tanh", output="sigmoid", seed=0)
    try:
        net.fit(X, y, loss="bce", optimizer="adam", lr=0.03, epochs=3, l1=0.01)
    except TypeError:
        with pytest.raises(ProtocolError) as err:
            s.train(3)
        assert err.value.field == "l1" and "l1" in str(err.value)
        return
    s.train(3)
    np.testing.assert_array_equal(s.net.layers[0].W, net.layers[0].W)


# -- frames: what is drawn is what the server holds ----------------------------------------------
async def _recv_until(ws: Any, kind: str, timeout: float = 20.0) -> tuple[dict, list[dict]]:
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


def test_after_a_pause_the_last_frame_is_the_servers_network_and_a_step_is_one_epoch(tmp_path):
    cfg = {**DEFAULT_CONFIG, "dataset": "moons", "n": 400, "layers": [16, 16], "act": "tanh",
           "batch": 8, "pace": 0, "rate": 20}  # fmt: skip

    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "config", "config": cfg})
            await _recv_until(ws, "state")
            for _ in range(4):  # pauses land in the middle of a slice
                await ws.send_json({"type": "play"})
                first, _ = await _recv_until(ws, "frame")
                await ws.send_json({"type": "pause"})
                state, seen = await _recv_until(ws, "state")
                while state["running"]:
                    state, more = await _recv_until(ws, "state")
                    seen += more
                # the last frame the page got: after the pause, or the one before it when the
                # pause came after the slice had ended and nothing was computed since
                frames = [first] + [m for m in seen if m["type"] == "frame"]
                assert frames and frames[-1]["epoch"] == state["epoch"]
                await ws.send_json({"type": "export"})
                out, _ = await _recv_until(ws, "export")
                assert out["epoch"] == state["epoch"]
                path = tmp_path / "model.npz"
                path.write_bytes(base64.b64decode(out["model"]))
                net = gn.load(path)
                np.testing.assert_allclose(net.layers[0].W, frames[-1]["weights"][0]["W"],
                                           rtol=1e-3)  # fmt: skip
                await ws.send_json({"type": "step", "epochs": 1})
                stepped, _ = await _recv_until(ws, "frame")
                assert stepped["epoch"] == state["epoch"] + 1
                await _recv_until(ws, "state")

    _serve(test)


def test_a_binary_frame_never_refers_to_a_frame_that_was_not_sent():
    from glassnet.playground.frames import Encoder, decode

    s = _session({"dataset": "blobs", "layers": [4], "act": "tanh", "out": "softmax",
                  "loss": "cross_entropy", "n": 60})  # fmt: skip
    enc = Encoder()
    first = decode(enc.encode(s.frame_arrays()))
    enc.commit()
    s.train(20)
    enc.encode(s.frame_arrays())  # encoded, never sent (no commit)
    s.train(20)
    third = decode(enc.encode(s.frame_arrays()), first)
    fresh = s.frame_arrays()  # what the page must show
    np.testing.assert_array_equal(third["boundary"]["cls"], fresh["boundary"]["cls"])
    np.testing.assert_array_equal(third["boundary"]["data"], fresh["boundary"]["data"])


def test_a_refused_setup_keeps_its_refusal_when_nothing_was_set_up():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "config", "config": {"layers": [2] * 50}})
            err = await ws.receive_json()
            refusal = "Too many hidden layers: at most 6 are allowed, got 50"
            assert err["message"] == refusal and err["field"] == "layers"
            for kind in ("play", "step", "reset", "export"):
                await ws.send_json({"type": kind})
                again = await ws.receive_json()
                assert again["message"] == refusal and again["field"] == "layers", kind
            await ws.send_json({"type": "config", "config": {"layers": [2], "act": "tanh"}})
            ready, _ = await _recv_until(ws, "ready")
            assert ready["sizes"] == [2, 2, 1]

    _serve(test)


# -- exports hold the whole run ------------------------------------------------------------------
def test_the_export_holds_the_data_recipe_and_both_setups(tmp_path):
    from glassnet.modelfile import read_metadata
    from glassnet.playground import export

    s = _session({"dataset": "quadrants", "n": 80, "noise": 0.1, "split": 0.25, "seed": 3,
                  "features": ["x1x2"], "layers": [4], "act": "tanh", "mode": "compare",
                  "b": {"act": "relu", "lr": 0.01}})  # fmt: skip
    s.train(5)
    files = export.model_files(s)
    assert [name for name, _ in files] == ["A", "B"]
    continued = []
    for (name, content), run in zip(files, (s, s.b), strict=True):
        path = tmp_path / f"{name}.npz"
        path.write_bytes(content)
        extra = read_metadata(path)["extra"]
        assert extra["setup"] == name and extra["epoch"] == 5
        assert extra["training"]["loss"] == "bce" and extra["training"]["lr"] == run.config.lr
        X_tr, y_tr, X_te, y_te = gn.datasets.from_recipe(extra["data"])
        np.testing.assert_array_equal(X_tr, run.Xn_train)  # the data the page trained on
        np.testing.assert_array_equal(X_te, run.Xn_test)
        np.testing.assert_array_equal(y_te, run.data.y_test)
        net = gn.load(path)
        np.testing.assert_array_equal(net.layers[0].W, run.net.layers[0].W)
        # the file holds the whole run (the training core): it continues in Python exactly
        assert net.train_state.epoch == 5 and net.train_state.config.lr == run.config.lr
        net.fit(X_tr, y_tr, resume=net.train_state, epochs=3)
        continued.append(net)
    s.train(3)  # the page goes on: A and B in lockstep
    for net, run in zip(continued, (s, s.b), strict=True):
        for mine, theirs in zip(run.net.params, net.params, strict=True):
            np.testing.assert_array_equal(mine["W"], theirs["W"])  # bit for bit
    text = export.script(s)
    assert "gn.datasets.from_recipe(" in text and 'net_b.save("playground-model-b.npz")' in text


def test_the_export_script_replays_the_papers_original_rules(tmp_path):
    from glassnet.playground import export

    s = _session("paper-tanh-original")
    s.train(30)
    s.train(20)
    ns: dict[str, Any] = {}
    import contextlib
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(export.script(s), "run.py", "exec"), ns)
    finally:
        os.chdir(cwd)
    for mine, theirs in zip(s.net.params, ns["net"].params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])
        np.testing.assert_array_equal(mine["b"], theirs["b"])
    assert export.command(s)[0] is None


# -- data recipes ----------------------------------------------------------------------------
def test_recipes_make_the_playgrounds_data_and_are_checked_by_key():
    from glassnet.datasets.recipes import check_recipe, from_recipe

    X_tr, y_tr, X_te, y_te = from_recipe({"dataset": "plane", "n_samples": 50, "seed": 2,
                                          "test_size": 0.2})  # fmt: skip
    X = np.vstack([X_tr, X_te])
    y = np.vstack([y_tr, y_te])
    np.testing.assert_allclose(y[:, 0], 0.6 * X[:, 0] - 0.4 * X[:, 1])  # by its formula
    assert len(X_te) == 10
    moons = from_recipe({"dataset": "moons", "n_samples": 80, "noise": 0.2, "seed": 1})
    np.testing.assert_array_equal(moons[0], gn.datasets.load("moons", n_samples=80, noise=0.2,
                                                             seed=1)[0])  # fmt: skip
    Xf = from_recipe({"dataset": "xor", "features": ["sinx2", "x1sq"]})[0]
    np.testing.assert_array_equal(Xf[:, 2], Xf[:, 0] ** 2)  # in the table's order: x1sq first
    np.testing.assert_array_equal(Xf[:, 3], np.sin(Xf[:, 1]))
    for recipe, message in (
        ({"dataset": "moons", "n_sample": 5}, "recipe: unknown key 'n_sample'; expected dataset, n_samples, noise, seed, test_size, features (did you mean 'n_samples'?)"),
        ({"dataset": "moonz"}, "recipe dataset: expected one of"),
        ({"dataset": "xor", "n_samples": 100}, "recipe n_samples: the xor set has a fixed 4 cases"),
        ({"dataset": "moons", "test_size": 0.95}, "recipe test_size: expected a finite number in [0, 0.9]"),
        ({"dataset": "moons", "features": ["x3"]}, "recipe features: expected one of"),
        ({"n_samples": 5}, "recipe: the key 'dataset' is missing"),
    ):  # fmt: skip
        with pytest.raises((ValueError, TypeError)) as err:
            check_recipe(recipe)
        assert str(err.value).startswith(message), str(err.value)


def test_install_hints_say_what_works_from_a_clone_and_from_a_wheel(monkeypatch):
    from glassnet import _extras

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for extra in ("playground", "notebook", "dask"):
        hint = _extras.install_hint(extra)
        assert hint.startswith(f"pip install -e '{ROOT}[{extra}]' (from this clone")
        assert "glassnet[" not in hint
        for req in extras[extra]:
            assert f"'{req}'" in hint
    monkeypatch.setattr(_extras, "source_checkout", lambda: None)  # an installed wheel
    assert _extras.install_hint("playground") == (
        f"pip install '{extras['playground'][0]}' (the playground extra of glassnet)"
    )


def test_the_widget_answers_with_the_pages_driver():
    """Both faces: one Driver, the same answers to the same messages."""
    pytest.importorskip("anywidget")
    from glassnet.playground import widget

    w = widget(setup="paper-race")
    sent: list[dict] = []
    w.send = lambda content, buffers=None: sent.append(content)
    assert w.hello["controls"] == controls_message(LIMITS) and not w.hello["own"]
    w.step(99)
    d = Driver(LIMITS)
    d.on_config(parse_setup("paper-race", LIMITS))
    d.session.train(99)
    assert w.session.race_summary() == d.session.race_summary()
    w._on_msg(w, {"type": "export"}, [])
    assert [m["setup"] for m in sent[-1]["models"]] == ["A", "B"]
    w._on_msg(w, {"type": "lesson", "id": "3-vanishing-gradients"}, [])
    assert sent[-1]["type"] == "lesson" and len(sent[-1]["steps"]) == 3
    w._on_msg(w, {"type": "config", "config": {"layers": [2] * 50}}, [])
    assert sent[-1]["message"] == "Too many hidden layers: at most 6 are allowed, got 50"
    w._on_msg(w, {"type": "reset"}, [])
    assert w.epoch == 0
    w.close()
    assert FRAME == "frame"


def test_the_widget_around_your_network_resets_exactly_and_edits_weights():
    pytest.importorskip("anywidget")
    from glassnet.playground import widget

    X, y = gn.datasets.load("moons", n_samples=60, noise=0.1, seed=1)
    net = gn.Network([2, 5, 1], activation="tanh", output="sigmoid", seed=4)
    first = [p["W"].copy() for p in net.params]
    w = widget(net, X, y, optimizer="gd", lr=0.5)
    sent: list[dict] = []
    w.send = lambda content, buffers=None: sent.append(content)
    w.step(5)
    w._on_msg(w, {"type": "config", "config": {"lr": 0.1, "pace": 5}}, [])
    assert [m["type"] for m in sent[-3:]] == ["retuned", "frame", "state"]
    assert w.session.config.lr == 0.1 and w.session.config.pace == 5
    w._on_msg(w, {"type": "config", "config": {"layers": [3]}}, [])
    assert "only the training settings change here" in sent[-1]["message"]
    w._on_msg(w, {"type": "weight", "layer": 1, "source": 0, "unit": 2, "value": 3.0}, [])
    assert net.layers[0].W[0, 2] == 3.0 and sent[-1]["type"] == "weight_set"
    w._on_msg(w, {"type": "export"}, [])
    assert sent[-1]["type"] == "export" and "X_train = np.array(" in sent[-1]["script"]
    w.reset()
    assert w.net is net and w.epoch == 0
    for mine, was in zip(net.params, first, strict=True):
        np.testing.assert_array_equal(mine["W"], was)  # exactly the first weights
    w.close()


def test_an_export_continues_in_glassnet_train_exactly(tmp_path):
    """A page's model file, continued by the command line: ``glassnet train --model`` reads
    the whole run and the data (here a set the command makes by itself), and its 3 more epochs
    are the page's, bit for bit."""
    from glassnet.cli import main
    from glassnet.playground import export

    s = _session({"dataset": "moons", "n": 200, "noise": 0.1, "seed": 0, "split": 0,
                  "layers": [4], "act": "tanh", "batch": 16})  # fmt: skip
    s.train(5)
    (tmp_path / "export.npz").write_bytes(export.model_file(s))
    s.train(3)
    args = ["train", "--model", str(tmp_path / "export.npz"), "--epochs", "3",
            "--out", str(tmp_path / "run"), "--quiet", "--no-figure"]  # fmt: skip
    try:
        main(args)
    except SystemExit as done:
        assert done.code in (0, None)
    net = gn.load(tmp_path / "run" / "model.npz")
    for mine, theirs in zip(s.net.params, net.params, strict=True):
        np.testing.assert_array_equal(mine["W"], theirs["W"])


def test_answers_carry_the_number_of_the_setup_they_answer():
    async def test(client: TestClient) -> None:
        async with client.ws_connect("/ws") as ws:
            await ws.receive_json()
            cfg = {**DEFAULT_CONFIG, "dataset": "xor", "layers": [2], "act": "tanh"}
            await ws.send_json({"type": "config", "config": cfg, "seq": 7})
            ready, _ = await _recv_until(ws, "ready")
            await ws.send_json({"type": "config", "config": {**cfg, "lr": 0.5}, "seq": 8})
            retuned, _ = await _recv_until(ws, "retuned")
            assert (ready["seq"], retuned["seq"]) == (7, 8)
            await ws.send_json({"type": "config", "config": cfg, "seq": "x"})  # not a number
            assert "seq" not in (await _recv_until(ws, "retuned"))[0]

    _serve(test)
