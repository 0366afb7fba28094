"""Regenerate the playground's screenshots in the docs (docs/assets/playground/*.png).

Starts a playground server on 127.0.0.1, drives the page in Debian's headless Chromium
(Playwright, as the browser tests do) through the paper's race, seeds compared and a lesson,
and writes each picture as a small palette PNG. Run from the repository root:

    .venv/bin/python tools/playground_screenshots.py

Every number in the pictures is the engine's, trained on this machine when the script runs.
"""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import sync_playwright

from glassnet.playground import server
from glassnet.playground.limits import Limits

OUT = Path(__file__).resolve().parent.parent / "docs" / "assets" / "playground"
WAIT = 60_000


def _save(png: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    OUT.mkdir(parents=True, exist_ok=True)
    small.save(OUT / name, optimize=True)
    print(f"wrote {OUT / name} ({(OUT / name).stat().st_size // 1000} kB)")


def _finished(page: Any, epoch: int) -> None:
    page.wait_for_function(
        f"!window.playground.running && window.playground.frame.epoch === {epoch}", timeout=WAIT
    )


def main() -> None:
    sock = server.bind("127.0.0.1", 0)
    url = server.url_of(sock)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve(sock, Limits(), None, stop))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1100})

            def load(hash_: str) -> None:
                page.goto("about:blank")
                page.goto(url + hash_)
                page.wait_for_function("window.playground && window.playground.frame", timeout=WAIT)

            load("#preset=paper-race")  # the default pace: 20 epochs per second
            page.click("#play")
            _finished(page, 100)
            _save(page.screenshot(clip={"x": 0, "y": 0, "width": 1400, "height": 720}),
                  "paper-race.png")  # fmt: skip
            load("#preset=paper-seeds&seeds=30&until=1000&pace=0")
            page.click("#play")
            _finished(page, 1000)
            race = page.locator("#loss-chart").bounding_box()
            assert race is not None
            _save(page.screenshot(clip={"x": race["x"] - 20, "y": race["y"] - 40,
                                        "width": 420, "height": 560}),
                  "seeds-compared.png")  # fmt: skip
            load("#lesson=1-the-papers-question&step=1")
            page.wait_for_function("window.playground.lesson", timeout=WAIT)
            page.fill("#pace", "0")
            page.dispatch_event("#pace", "change")
            page.click("#play")
            _finished(page, 100)
            page.wait_for_selector("#lesson-after", timeout=WAIT)
            _save(page.screenshot(clip={"x": 0, "y": 0, "width": 1400, "height": 720}),
                  "lesson.png")  # fmt: skip
            browser.close()
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        sock.close()


if __name__ == "__main__":
    main()
