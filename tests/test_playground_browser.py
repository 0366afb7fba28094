"""End-to-end tests of the playground page in headless Chromium (Playwright for Python).

They drive Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``); without it
they are skipped. A real server runs on 127.0.0.1 at a free port in a background thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium; "
        ".ci/run installs it)",
        allow_module_level=True,
    )
pytest.importorskip("aiohttp")
sync_api = pytest.importorskip("playwright.sync_api")

from glassnet import load as gn_load  # noqa: E402
from glassnet.playground import server as pg_server  # noqa: E402
from glassnet.playground.limits import Limits  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT = 20_000  # ms: upper bound for anything to show up (never a timing assertion)
CSV = "x1,x2,label\n" + "\n".join(
    f"{x},{y},{int(x * y > 0)}"
    for x, y in [(-1, -1), (-1, 1), (1, -1), (1, 1), (-0.5, -0.4), (0.6, -0.5), (0.4, 0.7)]
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """A playground server on 127.0.0.1 (free port) in a background thread."""
    sock = pg_server.bind("127.0.0.1", 0)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started = threading.Event()
    address: list[str] = []

    def ready(u: str) -> None:
        address.append(u)
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(
                pg_server.serve(sock, Limits(max_upload_bytes=2000), ready, stop)
            )
        finally:
            loop.close()
            started.set()  # never leave the fixture waiting

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(30)
    assert address, "server did not start"
    yield address[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(url)
    pg.wait_for_function("window.playground && window.playground.frame !== null", timeout=WAIT)
    yield pg
    context.close()
    assert errors == []


def _boundary(pg: Any) -> str:
    return pg.eval_on_selector("#boundary", "c => c.toDataURL()")


def _frame(pg: Any) -> dict:
    return pg.evaluate("window.playground.frame")


def test_train_xor_with_tanh(page: Any) -> None:
    page.select_option("#dataset", "quadrants")
    page.wait_for_function("window.playground.data.config.dataset === 'quadrants'", timeout=WAIT)
    for i in range(2):
        page.select_option(f"#act-{i}", "tanh")
    page.wait_for_function(
        "window.playground.data.config.act.join() === 'tanh,tanh'"
        " && window.playground.frame.epoch === 0",
        timeout=WAIT,
    )
    start = _frame(page)["train_loss"]
    before = _boundary(page)
    page.click("#play")
    page.wait_for_function(
        "window.playground.frame.train_loss !== null && window.playground.frame.train_loss < 0.05",
        timeout=WAIT,
    )
    page.click("#play")  # pause
    page.wait_for_function("!window.playground.running", timeout=WAIT)
    frame = _frame(page)
    assert frame["train_loss"] < 0.05 < start
    assert frame["accuracy"]["train"] > 0.95
    assert float(page.inner_text("#train-loss")) < 0.05
    assert _boundary(page) != before
    assert page.inner_text("#epoch").replace(",", "") == str(frame["epoch"])
    # the diagram can show gradients instead of weights
    page.click("#edge-mode button[data-mode=grads]")
    assert page.inner_text("#network + .legend") != ""
    assert page.evaluate("window.playground.edgeMode") == "grads"
    # hovering a hidden unit tells what feeds it
    x, y = page.evaluate("window.playground.layout.pos[1][0]")
    box = page.locator("#network").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.inner_text("#unit-tip")
    assert tip.startswith("hidden 1 unit 1 (tanh)") and "incoming weights" in tip
    page.mouse.move(0, 0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-trained.png"), full_page=True)


def test_setting_shows_in_the_address_and_a_link_reproduces_it(page: Any, url: str) -> None:
    page.fill("#lr", "0.2")
    page.dispatch_event("#lr", "change")
    page.click("#add-layer")
    page.wait_for_function("location.hash.includes('layers=4,4,4')", timeout=WAIT)
    link = page.url
    assert "lr=0.2" in link and "act=tanh,tanh,tanh" in link
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_function("window.playground && window.playground.data !== null", timeout=WAIT)
    assert other.input_value("#lr") == "0.2"
    assert other.evaluate("window.playground.data.sizes") == [2, 4, 4, 4, 1]
    # a ready-made setup is just an address
    other.select_option("#preset", label="The paper: 3-2-1, tanh (exact gradients)")
    other.wait_for_function("window.playground.data.config.dataset === 'paper'", timeout=WAIT)
    assert other.evaluate("window.playground.data.sizes") == [3, 2, 1]
    assert "act=tanh&out=tanh01" in other.url and "bias=layer" in other.url
    other.close()


def test_upload_a_csv(page: Any) -> None:
    page.set_input_files(
        "#csv-file", files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.wait_for_function(
        "window.playground.data.kind && window.playground.data.config.dataset === 'csv'",
        timeout=WAIT,
    )
    assert "mine.csv: 7 rows, binary" in page.inner_text("#upload-info")
    assert page.input_value("#dataset") == "csv"
    assert "Loaded mine.csv" in page.inner_text("#message")
    data = page.evaluate("window.playground.data")
    assert len(data["train"]["x"]) + len(data["test"]["x"]) == 7


def test_an_uploaded_price_is_shown_as_prices_and_its_loss_is_said_standardized(page: Any) -> None:
    prices = [200_000 + 7_910 * (i * 37 % 23) for i in range(20)]  # 5 digits, as sent
    text = "area,rooms,price\n" + "\n".join(
        f"{50 + 3 * i},{i % 5},{p}" for i, p in enumerate(prices)
    )
    page.set_input_files(
        "#csv-file", files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.wait_for_function(
        "window.playground.data.kind === 'regression' && window.playground.frame.epoch === 0",
        timeout=WAIT,
    )
    data = page.evaluate("window.playground.data")
    assert data["config"]["out"] == "identity"
    labels = data["train"]["label"] + data["test"]["label"]
    assert sorted(labels) == sorted(prices)  # the raw prices colour the points
    assert data["y_range"] == [min(data["train"]["label"]), max(data["train"]["label"])]
    assert "The target is standardized too (mean " in page.inner_text("#data-note")
    assert "loss of the standardized target" in page.inner_text("#loss-legend")
    assert "standardized target" in page.get_attribute("#train-loss", "title")


def test_the_shown_data_keeps_its_setup_until_the_answer(page: Any) -> None:
    """The controls' setup is the page's copy: a change waiting for the server's answer must
    not rewrite the setup the drawn data and networks were made for."""
    before = page.evaluate("window.playground.data.config.lr")
    page.evaluate("window.playground.ws.send = () => {}")  # the answer never comes
    page.fill("#lr", "0.25")
    page.dispatch_event("#lr", "change")
    page.wait_for_function("location.hash.includes('lr=0.25')", timeout=WAIT)
    assert page.evaluate("window.playground.config.lr") == 0.25
    assert page.evaluate("window.playground.data.config.lr") == before != 0.25


def test_limits_are_refused_with_a_message(page: Any) -> None:
    page.fill("#units-0", "99")
    page.dispatch_event("#units-0", "change")
    page.wait_for_selector("#message.show", timeout=WAIT)
    text = page.inner_text("#message")
    assert "Too many units in hidden layer 1: at most 16 are allowed, got 99" in text
    page.fill("#units-0", "3")
    page.dispatch_event("#units-0", "change")
    page.wait_for_function("window.playground.data.sizes.join() === '2,3,4,1'", timeout=WAIT)
    assert not page.is_visible("#message")
    big = "1,2,0\n" * 500  # 3000 bytes > the test server's 2000-byte cap
    page.set_input_files(
        "#csv-file", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big.encode()}]
    )
    page.wait_for_selector("#message.show", timeout=WAIT)
    assert "File too large: uploads are limited to 2 kB, got 3.0 kB" in page.inner_text("#message")


def test_save_run_replays_offline(page: Any, tmp_path: Path) -> None:
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 2", timeout=WAIT)
    with page.expect_download(timeout=WAIT) as info:
        page.click("#save")
    saved = tmp_path / "run.html"
    info.value.save_as(saved)
    html = saved.read_text()
    assert "window.RUN" in html and "timeline" in html
    assert "http://" not in html.split("window.RUN")[0]  # no CDN: everything inline
    replay = page.context.new_page()
    errors: list[str] = []
    replay.on("pageerror", lambda exc: errors.append(str(exc)))
    replay.route("http*://**", lambda route: route.abort())  # offline
    replay.goto(saved.as_uri())
    replay.wait_for_selector("#timeline", timeout=WAIT)
    assert replay.inner_text("#timeline-label") == "epoch 2 (3/3)"
    replay.fill("#timeline", "0")
    replay.dispatch_event("#timeline", "input")
    assert replay.inner_text("#timeline-label") == "epoch 0 (1/3)"
    replay.close()
    assert errors == []


def test_compare_mode_sigmoid_against_tanh(page: Any) -> None:
    page.select_option("#mode", "compare")  # B starts as the other of sigmoid and tanh
    page.wait_for_function("window.playground.data.config_b !== undefined", timeout=WAIT)
    assert page.evaluate("window.playground.data.config_b.act") == ["sigmoid", "sigmoid"]
    assert "mode=compare" in page.url and "b.act=sigmoid" in page.url
    # B's boundary is drawn by the first frame that carries B, which comes after B's data
    page.wait_for_selector("#boundary-b", state="visible", timeout=WAIT)
    assert page.is_visible("#panel-b")
    page.select_option("#b-opt", "gd")
    page.wait_for_function("window.playground.data.config_b.opt === 'gd'", timeout=WAIT)
    page.fill("#b-lr", "99")  # over the cap: refused with a message naming B's setting
    page.dispatch_event("#b-lr", "change")
    page.wait_for_selector("#message.show", timeout=WAIT)
    assert "learning rate: expected a finite number in [1e-06, 10], got 99" in page.inner_text(
        "#message"
    )
    assert page.evaluate("document.getElementById('b-lr').classList.contains('field-error')")
    page.fill("#b-lr", "0.5")
    page.dispatch_event("#b-lr", "change")
    page.wait_for_function("window.playground.data.config_b.lr === 0.5", timeout=WAIT)
    for epoch in (1, 2):
        page.click("#step")
        page.wait_for_function(f"window.playground.frame.b.epoch === {epoch}", timeout=WAIT)
    frame = _frame(page)
    assert frame["epoch"] == frame["b"]["epoch"] == 2
    assert page.evaluate("window.playground.lossB.epochs") == [0, 1, 2]
    assert " | " in page.inner_text("#train-loss")
    page.click("#diagram-of button[data-run=b]")
    assert page.evaluate("window.playground.diagramRun") == "b"
    other = page.context.new_page()  # the address reproduces both setups
    other.goto(page.url)
    other.wait_for_function("window.playground && window.playground.data !== null", timeout=WAIT)
    assert other.evaluate("window.playground.data.config_b.lr") == 0.5
    other.close()
    page.screenshot(path=str(ARTIFACTS / "playground-compare.png"), full_page=True)


def test_seeds_mode_shows_the_median_band_and_a_member(page: Any) -> None:
    page.goto(page.url.split("#")[0] + "#mode=seeds&seeds=6&member=1&dataset=xor&layers=2"
              "&act=sigmoid&out=sigmoid&loss=mse&opt=gd&lr=3&batch=0")  # fmt: skip
    page.wait_for_function(
        "window.playground.data && window.playground.data.config.mode === 'seeds'"
        " && window.playground.frame.population",
        timeout=WAIT,
    )
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    pop = _frame(page)["population"]
    assert len(pop["final"]) == 6 and "Converged (loss per case below" in page.inner_text(
        "#population-line"
    )
    assert "member 1 (seed 1)" in page.inner_text("#caption-a")
    page.fill("#member", "4")
    page.dispatch_event("#member", "change")  # live: the same population, another member
    page.wait_for_function("window.playground.data.config.member === 4", timeout=WAIT)
    page.wait_for_function("document.getElementById('caption-a').textContent.includes('member 4')")
    assert _frame(page)["epoch"] == 1
    page.fill("#seeds", "99")
    page.dispatch_event("#seeds", "change")
    page.wait_for_selector("#message.show", timeout=WAIT)
    assert "Too many seeds: at most 32 networks at once, got 99" in page.inner_text("#message")


def test_inside_a_unit_and_setting_a_weight(page: Any) -> None:
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    box = page.locator("#network").bounding_box()
    x, y = page.evaluate("window.playground.layout.pos[2][1]")  # hidden 2, unit 2
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector("#in-z", timeout=WAIT)
    text = page.inner_text("#inside")
    assert text.startswith("Hidden layer 2 unit 2 (tanh), training sample 0")
    assert "z^(2) = Σ_k a^(1)_k W^(2)_k2 + b^(2) =" in text and "δ^(2) =" in text
    page.fill("#sample", "3")
    page.dispatch_event("#sample", "change")
    page.wait_for_function("document.getElementById('inside').textContent.includes('sample 3')")
    # an edge: the middle of the first edge drawn, input x1 -> hidden 1 unit 1
    ex, ey = page.evaluate(
        "(() => { const e = window.playground.layout.edges[0].p;"
        " const t = 0.5, u = 0.5; return [u*u*u*e[0] + 3*u*u*t*e[2] + 3*u*t*t*e[2] + t*t*t*e[3],"
        " u*u*u*e[1] + 3*u*u*t*e[1] + 3*u*t*t*e[4] + t*t*t*e[4]]; })()"
    )
    before = _frame(page)
    box = page.locator("#network").bounding_box()  # filling #sample may have scrolled
    page.mouse.click(box["x"] + ex, box["y"] + ey)
    page.wait_for_selector("#weight-value", timeout=WAIT)
    assert "from x1 to hidden 1 unit 1" in page.inner_text("#inside")
    page.fill("#weight-value", "5")
    page.click("#weight-set")
    page.wait_for_function("window.playground.frame.weights[0].W[0][0] === 5", timeout=WAIT)
    after = _frame(page)
    assert after["train_loss"] != before["train_loss"]
    assert after["boundary"]["data"] != before["boundary"]["data"]
    assert "Weight changed from" in page.inner_text("#message")
    page.fill("#weight-value", "150")
    page.click("#weight-set")
    page.wait_for_function(
        "document.getElementById('message').textContent.includes('between -100 and 100, got 150')",
        timeout=WAIT,
    )


def test_take_it_with_you_and_bring_it_back(page: Any, tmp_path: Path) -> None:
    for epoch in (1, 2):
        page.click("#step")
        page.wait_for_function(f"window.playground.frame.epoch === {epoch}", timeout=WAIT)
    page.click("#export")
    page.wait_for_selector("#export-model", timeout=WAIT)
    with page.expect_download(timeout=WAIT) as info:
        page.click("#export-model")
    model = tmp_path / "model.npz"
    info.value.save_as(model)
    net = gn_load(model)
    frame = _frame(page)
    assert net.sizes == [2, 4, 4, 1]
    assert abs(net.layers[0].W[0, 0] - frame["weights"][0]["W"][0][0]) < 1e-3
    with page.expect_download(timeout=WAIT) as info:
        page.click("#export-script")
    info.value.save_as(tmp_path / "run.py")
    assert "gn.Network([2, 4, 4, 1]" in (tmp_path / "run.py").read_text()
    # the default circles setup is what glassnet train makes by itself: a command
    assert page.inner_text("#export-command").startswith("glassnet train --dataset circles")
    page.select_option("#dataset", "moons")  # another network, then the file brings ours back
    page.wait_for_function("window.playground.data.config.dataset === 'moons'", timeout=WAIT)
    page.set_input_files("#model-file", str(model))
    page.wait_for_function("window.playground.data.loaded === 'model.npz'", timeout=WAIT)
    page.wait_for_function(
        "document.getElementById('message').textContent.includes('Loaded model.npz')",
        timeout=WAIT,
    )
    page.set_input_files(
        "#model-file", files=[{"name": "bad.npz", "mimeType": "application/octet-stream",
                               "buffer": b"not a zip"}]
    )  # fmt: skip
    page.wait_for_function(
        "document.getElementById('message').textContent.includes('bad.npz: not a glassnet model')",
        timeout=WAIT,
    )


def test_regression_set_and_input_features(page: Any) -> None:
    page.select_option("#dataset", "sine")  # a regression: identity output, mse, a colour scale
    page.wait_for_function("window.playground.data.kind === 'regression'", timeout=WAIT)
    assert page.evaluate("window.playground.data.config.out") == "identity"
    assert page.evaluate("window.playground.data.config.loss") == "mse"
    assert "colour = target" in page.inner_text("#class-legend")
    page.check("#features-sinx1")
    page.wait_for_function("window.playground.data.sizes[0] === 3", timeout=WAIT)
    assert "features=sinx1" in page.url
    assert page.evaluate("window.playground.data.inputs") == ["x1", "x2", "sin x1"]
    # the new network's first frame follows its data: the server sends them one after the other
    page.wait_for_function("window.playground.frame.inputs.length === 3", timeout=WAIT)
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    page.screenshot(path=str(ARTIFACTS / "playground-regression.png"), full_page=True)


# -- issue 24: the paper's lesson ----------------------------------------------------------------
def _open(page: Any, url: str, hash_: str) -> None:
    """Load the page afresh at an address (a new document: not a hash change of the old one)."""
    page.goto("about:blank")
    page.goto(url.split("#")[0] + hash_)
    page.wait_for_function(
        "window.playground && window.playground.data && window.playground.frame", timeout=WAIT
    )


def _race_reference(rules: str, epochs: int) -> list[int]:
    """The epochs sigmoid and tanh went below 0.01 per case, computed without the page: the
    paper's own code (original) or a fresh engine run (corrected)."""
    import numpy as np

    import glassnet as gn
    from glassnet.experiments.original import train_original

    X, y = gn.datasets.load("paper")
    out = []
    for act, output in (("sigmoid", "sigmoid"), ("tanh", "tanh01")):
        if rules == "original":
            curve = train_original(X, y, act, lr=0.5, epochs=epochs + 1, seed=1).loss
        else:
            net = gn.Network([3, 2, 1], activation=act, output=output, bias="layer",
                             init="paper", seed=1)  # fmt: skip
            fit = net.fit(X, y, loss="sse", optimizer="gd", lr=0.5, epochs=epochs + 1)
            curve = np.asarray(fit.loss) / 4
        out.append(int(gn.convergence.threshold_epoch(curve, 0.01)))
    return out


@pytest.mark.parametrize("rules", ["corrected", "original"])
def test_the_papers_race_shows_the_papers_numbers(page: Any, url: str, rules: str) -> None:
    import numpy as np

    from glassnet.experiments.original import paper_init

    suffix = "" if rules == "corrected" else "-original"
    _open(page, url, f"#preset=paper-race{suffix}&pace=0")
    assert "until=100" in page.url and "init=paper" in page.url and f"rules={rules}" in page.url
    first = _frame(page)
    p = paper_init(1)
    np.testing.assert_allclose(first["weights"][0]["W"], p["S0"], rtol=1e-7)  # float32 frames
    np.testing.assert_allclose(first["b"]["weights"][1]["W"], p["S1"], rtol=1e-7)
    page.click("#play")
    page.wait_for_function("!window.playground.running && window.playground.frame.epoch === 100",
                           timeout=WAIT)  # fmt: skip
    assert page.inner_text("#status") == "stopped at epoch 100"
    a, b = _race_reference(rules, 100)
    rows = page.inner_text("#race").splitlines()
    shown = {r.split()[0]: r for r in rows if r[:1] in "AB" and "\t" in r}
    for name, reached in (("A", a), ("B", b)):
        expected = "not yet" if reached < 0 else f"epoch {reached}"
        assert expected in shown[name], (name, shown)
    assert page.inner_text("#race-text") == _frame(page)["race"]["text"]
    page.screenshot(path=str(ARTIFACTS / f"playground-paper-race-{rules}.png"), full_page=True)


def test_race_controls_are_live_and_stop_when_both_converged(page: Any, url: str) -> None:
    _open(page, url, "#preset=paper-race&pace=0&until=0&lr=2")
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    page.fill("#threshold", "0.05")
    page.dispatch_event("#threshold", "change")
    page.wait_for_function("window.playground.data.config.threshold === 0.05", timeout=WAIT)
    assert _frame(page)["epoch"] == 1  # live: the same network goes on
    assert "threshold=0.05" in page.url
    page.fill("#pace", "5")
    page.dispatch_event("#pace", "change")
    page.wait_for_function("location.hash.includes('pace=5')", timeout=WAIT)
    page.fill("#pace", "0")
    page.dispatch_event("#pace", "change")
    page.check("#stop")
    page.wait_for_function("window.playground.data.config.stop === true", timeout=WAIT)
    page.click("#play")
    page.wait_for_function("!window.playground.running && window.playground.frame.epoch > 1",
                           timeout=WAIT)  # fmt: skip
    assert page.inner_text("#status") == "converged: stopped"
    race = _frame(page)["race"]
    assert race["converged"] and all(r["reached"] is not None for r in race["runs"])
    # the readout says who is ahead, by the epochs the curves say
    a, b = (r["reached"] for r in race["runs"])
    assert f"ahead by {abs(a - b)} epochs" in page.inner_text("#race-text") or a == b


def test_seeds_compared_show_both_bands_and_glassnets_statistics(page: Any, url: str) -> None:
    from glassnet.playground.lessons import parse_setup
    from glassnet.playground.limits import Limits
    from glassnet.playground.session import Session

    _open(page, url, "#preset=paper-seeds&seeds=6&until=150&pace=0")
    page.click("#play")
    page.wait_for_function("!window.playground.running && window.playground.frame.epoch === 150",
                           timeout=WAIT)  # fmt: skip
    assert page.evaluate("window.playground.popB.epochs.length") > 0  # B's band on the chart
    s = Session(Limits())
    s.configure(parse_setup({"preset": "paper-seeds", "seeds": 6, "until": 150}, Limits()))
    s.train(150)
    stats = s.seeds_stats()
    text = page.inner_text("#seeds-stats")
    assert (
        stats["a"]["text"] in text and stats["b"]["text"] in text and stats["test"]["text"] in text
    )
    page.screenshot(path=str(ARTIFACTS / "playground-seeds-compared.png"), full_page=True)


LESSON = """title = "Two learning rates"
[[steps]]
title = "Small against large"
text = "A learns at {A.lr}, B at {B.lr}."
setup = { preset = "paper-tanh", mode = "compare", until = 40, pace = 0, b = { lr = 2.0 } }
question = "Which is ahead?"
after = "{race}"

[[steps]]
title = "The same with sigmoid"
text = "Now {A.act}."
setup = { preset = "paper-sigmoid", until = 20, pace = 0 }
"""


def test_lessons_built_in_own_and_linked(page: Any, url: str, tmp_path: Path) -> None:
    page.select_option("#lesson-pick", "1-the-papers-question")
    page.wait_for_function("window.playground.lesson && window.playground.data.config.rules === 'original'",
                           timeout=WAIT)  # fmt: skip
    assert page.inner_text("#lesson-step-title") == "One seed, as the paper's code ran"
    assert "lesson=1-the-papers-question" in page.url and "step=1" in page.url
    page.wait_for_function(  # the facts filled in from the setup on the page
        "document.getElementById('lesson-box').textContent.includes("
        '"the paper\'s 3-2-1 network with sigmoid")',
        timeout=WAIT,
    )
    assert "learning rate 0.5" in page.inner_text("#lesson-box")
    page.click("#lesson-next")
    page.wait_for_function("window.playground.data.config.rules === 'corrected'", timeout=WAIT)
    assert page.inner_text("#lesson-step-title") == "The same race with exact gradients"
    # a teacher's own file: loaded, run, and its "after" filled from the run
    path = tmp_path / "mine.toml"
    path.write_text(LESSON)
    page.set_input_files("#lesson-file", str(path))
    page.wait_for_function("window.playground.lesson && window.playground.lesson.title === 'Two learning rates'",
                           timeout=WAIT)  # fmt: skip
    page.wait_for_function("window.playground.data.config_b && window.playground.data.config_b.lr === 2",
                           timeout=WAIT)  # fmt: skip
    assert page.inner_text("#lesson-box").count("A learns at 0.5, B at 2.") == 1
    page.click("#play")
    page.wait_for_function("!window.playground.running && window.playground.frame.epoch === 40",
                           timeout=WAIT)  # fmt: skip
    page.wait_for_selector("#lesson-after", timeout=WAIT)
    assert page.inner_text("#lesson-after") == page.inner_text("#race-text")
    page.screenshot(path=str(ARTIFACTS / "playground-lesson.png"), full_page=True)
    link = page.url
    assert "lessonfile=" in link
    other = page.context.new_page()  # the link opens the teacher's lesson
    other.goto(link)
    other.wait_for_function("window.playground && window.playground.lesson", timeout=WAIT)
    assert other.evaluate("window.playground.lesson.title") == "Two learning rates"
    other.close()
    bad = tmp_path / "bad.toml"
    bad.write_text(LESSON.replace("question =", "questoin ="))
    page.set_input_files("#lesson-file", str(bad))
    page.wait_for_function(
        "document.getElementById('message').textContent.includes(\"unknown key 'questoin'\")",
        timeout=WAIT,
    )
    assert "bad.toml step 1" in page.inner_text("#message")
    assert "did you mean 'question'?" in page.inner_text("#message")


def test_l1_beside_l2(page: Any) -> None:
    page.fill("#l1", "0.01")
    page.dispatch_event("#l1", "change")
    page.wait_for_function("window.playground.data.config.l1 === 0.01", timeout=WAIT)
    assert "l1=0.01" in page.url
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    assert not page.is_visible("#message")
    page.fill("#l1", "-1")
    page.dispatch_event("#l1", "change")
    page.wait_for_selector("#message.show", timeout=WAIT)
    assert page.inner_text("#message") == "L1: expected a finite number in [0, 1], got -1 (int)"


def test_a_refused_link_keeps_its_refusal(page: Any, url: str) -> None:
    other = page.context.new_page()
    other.goto(url.split("#")[0] + "#layers=1,1,1,1,1,1,1&act=tanh")
    other.wait_for_selector("#message.show", timeout=WAIT)
    refusal = "Too many hidden layers: at most 6 are allowed, got 7"
    assert other.inner_text("#message") == refusal
    other.click("#play")
    other.click("#step")
    other.wait_for_timeout(300)  # (no later message may replace it: nothing else to wait for)
    assert other.inner_text("#message") == refusal
    other.close()


def test_a_fifth_page_is_told_why(page: Any, url: str) -> None:
    pages = []
    for _ in range(3):  # with the fixture's page: 4, the server's limit
        p = page.context.new_page()
        p.goto(url)
        p.wait_for_function("window.playground && window.playground.hello", timeout=WAIT)
        pages.append(p)
    fifth = page.context.new_page()
    fifth.goto(url)
    fifth.wait_for_selector("#message.show", timeout=WAIT)
    fifth.wait_for_function("window.playground.ws.readyState === 3", timeout=WAIT)  # closed
    assert fifth.inner_text("#message") == "Too many open pages: at most 4 at a time"
    for p in [*pages, fifth]:
        p.close()


def test_after_a_pause_every_action_is_on_the_drawn_network(page: Any, url: str,
                                                           tmp_path: Path) -> None:  # fmt: skip
    _open(page, url, "#dataset=moons&n=400&layers=16,16&act=tanh,tanh&batch=4&pace=0")
    for _ in range(2):
        page.click("#play")
        page.wait_for_function("window.playground.frame.epoch > 0 && window.playground.running",
                               timeout=WAIT)  # fmt: skip
        page.click("#play")  # pause, in the middle of a slice
        page.wait_for_function("!window.playground.running", timeout=WAIT)
        page.wait_for_timeout(200)
        shown = _frame(page)["epoch"]
        assert page.inner_text("#epoch").replace(",", "") == str(shown)
        page.click("#export")  # the answer replaces the links of the last export
        page.wait_for_function(
            "(e => { const a = document.getElementById('export-model');"
            f" return a && a.download === 'glassnet-model-epoch{shown}.npz'; }})()",
            timeout=WAIT,
        )
        with page.expect_download(timeout=WAIT) as info:
            page.click("#export-model")
        info.value.save_as(tmp_path / "m.npz")
        net = gn_load(tmp_path / "m.npz")
        W = _frame(page)["weights"][0]["W"]
        assert abs(net.layers[0].W[0, 0] - W[0][0]) < 1e-5
        page.click("#step")  # one step: exactly one epoch more
        page.wait_for_function(f"window.playground.frame.epoch === {shown + 1}", timeout=WAIT)


def test_compare_exports_both_setups_and_captions_are_whole(page: Any, url: str) -> None:
    _open(page, url, "#preset=paper-race&pace=0")
    page.click("#step")
    page.wait_for_function("window.playground.frame.epoch === 1", timeout=WAIT)
    page.click("#export")
    page.wait_for_selector("#export-model-b", timeout=WAIT)
    assert page.get_attribute("#export-model-b", "download") == "glassnet-model-b-epoch1.npz"
    for cap in ("#caption-a", "#caption-b"):  # wrapped, never clipped
        whole = page.eval_on_selector(cap, "c => c.scrollWidth <= c.clientWidth + 1")
        assert whole and page.inner_text(cap).startswith(cap[-1].upper() + ": ")


def test_no_label_covers_a_data_point(page: Any, url: str) -> None:
    """Every XOR point is drawn whole, in the small boundaries of compare mode too: the disk
    around its centre has the point's colour (the axis labels sit in margins outside the
    plane, the legend outside the canvas)."""
    _open(page, url, "#dataset=xor&layers=2&act=tanh&mode=compare&b.act=sigmoid")
    for canvas in ("boundary", "boundary-b"):
        disks = page.evaluate(
            """(id) => {
            const c = document.getElementById(id), d = window.playground.data;
            const r = window.devicePixelRatio || 1, ctx = c.getContext('2d');
            const [x0, x1, y0, y1] = d.extent, L = 15, B = 14;
            const w = c.clientWidth, h = c.clientHeight;
            return d.train.x.map((x, i) => {
              const px = L + (x - x0) / (x1 - x0) * (w - L);
              const py = (h - B) - (d.train.y[i] - y0) / (y1 - y0) * (h - B);
              const out = [];
              for (let dx = -4; dx <= 4; dx++) for (let dy = -4; dy <= 4; dy++) {
                if (dx * dx + dy * dy > 16) continue;
                out.push(Array.from(ctx.getImageData(Math.round((px + dx) * r), Math.round((py + dy) * r), 1, 1).data));
              }
              return [d.train.label[i], out];
            });
        }""",
            canvas,
        )
        for label, pixels in disks:
            expected = (31, 120, 180) if label > 0.5 else (232, 135, 30)
            for rgba in pixels:
                assert all(abs(a - b) <= 3 for a, b in zip(rgba[:3], expected, strict=True)), (
                    canvas, label, rgba,
                )  # fmt: skip
