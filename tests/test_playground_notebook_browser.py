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
            browser.close()
    finally:
        lab.terminate()
        lab.wait(30)
