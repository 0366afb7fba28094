"""The notebook widget in JupyterLab, in headless Chromium: the widget trains the kernel's own
network. The test extra installs JupyterLab, so CI runs it (about 10 s); it is skipped, with
the reason, where Debian's chromium is not at /usr/bin/chromium."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium", allow_module_level=True)
pytest.importorskip("jupyterlab", reason="JupyterLab is missing: pip install -e '.[test]'")
pytest.importorskip("anywidget")
sync_api = pytest.importorskip("playwright.sync_api")

CELLS = [
    "import numpy as np, glassnet as gn\n"
    "from glassnet.playground import widget\n"
    "X, y = gn.datasets.load('moons', n_samples=120, noise=0.1, seed=0)\n"
    "net = gn.Network([2, 6, 6, 1], activation='tanh', output='sigmoid', seed=1)\n"
    "W0 = net.layers[0].W.copy()\n"
    "w = widget(net, X, y, lr=0.03, batch_size=16)\n"
    "w",
    "print('EPOCH', w.epoch, 'CHANGED', not np.array_equal(W0, net.layers[0].W))",
    "print('RESET', w.epoch, np.array_equal(W0, net.layers[0].W), 'LR', w.session.config.lr,"
    " 'SET', net.layers[0].W[0, 0])",
    "page = widget(setup='preset=paper-race&pace=0')\npage",
    "print('PAGE', page.epoch, page.session.race_summary()['text'])",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_widget_trains_the_kernels_network_in_jupyterlab(tmp_path: Path) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "outputs": [],
                "execution_count": None,
            }
            for c in CELLS
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "demo.ipynb").write_text(json.dumps(nb))
    port = _free_port()
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        lab = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
             "--ip=127.0.0.1", "--IdentityProvider.token=gn", f"--ServerApp.root_dir={tmp_path}",
             "--allow-root"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(120):
            if f"127.0.0.1:{port}" in log.read_text():
                break
            time.sleep(0.5)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page: Any = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/demo.ipynb?token=gn", timeout=60_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # the kernel is up once the status bar says so
            page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=90_000)
            page.keyboard.press("Escape")
            page.click(".jp-Cell >> nth=0")
            page.keyboard.press("Shift+Enter")
            page.wait_for_selector(".gn-w canvas.net", timeout=60_000)
            epoch = ".gn-w .epoch"
            for i in (1, 2):
                page.click(".gn-w button.step")
                page.wait_for_function(
                    f"document.querySelector('{epoch}').textContent === '{i}'", timeout=30_000
                )
            page.click(".gn-w button.play")
            page.wait_for_function(
                f"+document.querySelector('{epoch}').textContent > 5", timeout=30_000
            )
            page.click(".gn-w button.play")  # pause
            page.wait_for_function(
                "document.querySelector('.gn-w button.play').textContent.includes('play')",
                timeout=30_000,
            )
            shown = int(page.inner_text(epoch))
            page.click(".jp-Cell >> nth=1")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function("document.body.innerText.includes('EPOCH ')", timeout=60_000)
            found = re.search(r"EPOCH (\d+) CHANGED (\w+)", page.inner_text("body"))
            assert found is not None
            assert int(found.group(1)) == shown > 5 and found.group(2) == "True"
            first = page.locator(".gn-w >> nth=0")
            # the page's training controls, from the same table: a new learning rate is live
            lr = first.locator("input[data-key=lr]")
            lr.fill("0.01")
            lr.dispatch_event("change")
            page.wait_for_function(
                "[...document.querySelectorAll('.gn-w')][0].playground.config.lr === 0.01",
                timeout=30_000,
            )
            assert first.locator("input[data-key=layers]").count() == 0  # yours: not here
            assert first.locator("canvas.norm").count() == 1  # the gradient-norm chart
            # a weight set by hand, on an edge of the diagram
            box = first.locator("canvas.net").bounding_box()
            ex, ey = page.evaluate(
                "(() => { const st = [...document.querySelectorAll('.gn-w')][0].playground;"
                " const e = st.layout.edges[0].p; const t = 0.5, u = 0.5;"
                " return [u*u*u*e[0] + 3*u*u*t*e[2] + 3*u*t*t*e[2] + t*t*t*e[3],"
                " u*u*u*e[1] + 3*u*u*t*e[1] + 3*u*t*t*e[4] + t*t*t*e[4]]; })()"
            )
            page.mouse.click(box["x"] + ex, box["y"] + ey)
            first.locator(".weight-value").fill("2.5")
            first.locator(".weight-set").click()
            page.wait_for_function(
                "[...document.querySelectorAll('.gn-w')][0].playground.frame.weights[0].W[0][0]"
                " === 2.5",
                timeout=30_000,
            )
            first.locator("button.export").click()
            first.locator("a.export-file >> nth=0").wait_for(timeout=30_000)
            assert first.locator("a.export-file").count() == 2  # the model, the script
            # reset: back to the first weights, exactly (checked in the kernel below)
            first.locator("button.reset").click()
            page.wait_for_function(
                f"document.querySelector('{epoch}').textContent === '0'", timeout=30_000
            )
            page.click(".jp-Cell >> nth=2")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function("document.body.innerText.includes('RESET ')", timeout=60_000)
            found = re.search(r"RESET (\d+) (\w+) LR ([\d.]+) SET (\S+)", page.inner_text("body"))
            assert found is not None
            assert found.group(1) == "0" and found.group(2) == "True" and found.group(3) == "0.01"
            # the whole page in a notebook: a preset, the race, a lesson
            page.click(".jp-Cell >> nth=3")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function(
                "document.querySelectorAll('.gn-w').length === 2", timeout=60_000
            )
            second = page.locator(".gn-w >> nth=1")
            assert second.locator("select[data-key=mode]").input_value() == "compare"
            for _ in range(3):
                second.locator("button.step").click()
            page.wait_for_function(
                "[...document.querySelectorAll('.gn-w')][1].playground.frame.epoch === 3",
                timeout=30_000,
            )
            race = second.locator(".race").inner_text()
            page.click(".jp-Cell >> nth=4")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function("document.body.innerText.includes('PAGE 3 ')", timeout=60_000)
            text = re.search(r"PAGE 3 (.+)", page.inner_text("body"))
            assert text is not None and text.group(1).strip() in race
            second.locator("select.lesson-pick").select_option("2-learning-rates-that-overshoot")
            page.wait_for_function(
                "(() => { const st = [...document.querySelectorAll('.gn-w')][1].playground;"
                " return st.lesson && st.data.config_b && st.data.config_b.lr === 1; })()",
                timeout=30_000,
            )
            # the lesson's text is drawn after the state it describes arrives: wait for it
            page.wait_for_function(
                "[...document.querySelectorAll('.gn-w')][1].querySelector('.lesson')"
                ".innerText.includes('B at 1.')",
                timeout=30_000,
            )
            ARTIFACTS.mkdir(exist_ok=True)
            second.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "playground-notebook.png"))
            browser.close()
    finally:
        lab.terminate()
        lab.wait(30)
