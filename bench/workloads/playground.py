"""playground: how fast the live playground trains while it draws, with one page and with four.

A real server (``glassnet.playground.server.serve``) runs in this process on 127.0.0.1; each
"page" is a WebSocket client (aiohttp) that sends the largest setup the default limits allow
-- moons, 2000 samples (1400 for training), six hidden layers of 16 tanh units -- at the pace
"as fast as it goes" (0 epochs/s), presses play at 20 updates per second and reads every frame
for ``--seconds`` seconds, the way the browser page does: JSON frames decoded with
``json.loads``, or binary frames (the page's own format, :mod:`glassnet.playground.frames`)
split into their typed arrays. It reports the epochs per second each page trained, the frames
per second it received, their mean size, and how long the slowest page waited for the answer
to "pause". ``--paper`` runs the paper's race (sigmoid against tanh, the ``paper-race``
preset) at the page's default pace instead, to see that the pace is kept.

Not a test and not part of ``python -m bench`` (its numbers depend on the machine's load):

    .venv/bin/python -m bench.workloads.playground                 # all cases, 8 s each
    .venv/bin/python -m bench.workloads.playground --seconds 4 --pages 1 --batch 0
    .venv/bin/python -m bench.workloads.playground --paper --seconds 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from typing import Any

from glassnet.playground import server as pg_server
from glassnet.playground.frames import decode
from glassnet.playground.limits import Limits
from glassnet.playground.protocol import DEFAULT_CONFIG

LARGEST = {
    **DEFAULT_CONFIG,
    "dataset": "moons",
    "n": 2000,
    "noise": 0.1,
    "layers": [16] * 6,
    "act": "tanh",
    "rate": 20,
    "pace": 0,  # as fast as the machine goes
}


async def _page(url: str, config: dict[str, Any], seconds: float, binary: bool) -> dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.ws_connect(url + "ws", max_msg_size=0) as ws:
        await ws.receive_json()  # hello
        if binary:
            await ws.send_json({"type": "frames", "binary": True})
        await ws.send_json({"type": "config", "config": config})
        while True:  # ready, a first frame (binary or not), state
            first_msg = await ws.receive()
            if first_msg.type == aiohttp.WSMsgType.TEXT and '"state"' in first_msg.data[:30]:
                break
        await ws.send_json({"type": "play"})
        frames, size, first, last = 0, 0, None, None
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.BINARY:
                frame = decode(msg.data)
                size += len(msg.data)
            else:
                frame = json.loads(msg.data)
                size += len(msg.data)
            if frame.get("type") != "frame":
                continue
            frames += 1
            first = frame["epoch"] if first is None else first
            last = frame["epoch"]
        asked = time.perf_counter()  # how long a pause waits: the server's responsiveness
        await ws.send_json({"type": "pause"})
        while True:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.TEXT and '"state"' in msg.data[:30]:
                break
        pause_s = time.perf_counter() - asked
    return {
        "pause_s": pause_s,
        "epochs_per_s": (last - first) / seconds if frames else 0.0,
        "frames_per_s": frames / seconds,
        "bytes_per_frame": size / max(frames, 1),
    }


def run(
    pages: int, batch: int, seconds: float, binary: bool, config: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    sock = pg_server.bind("127.0.0.1", 0)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started: list[str] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(
            pg_server.serve(sock, Limits(), started.append, stop, blas_threads=1)  # as the CLI
        )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    while not started:
        time.sleep(0.01)
    config = config or {**LARGEST, "batch": batch}

    async def main() -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(
                *(_page(started[0], config, seconds, binary) for _ in range(pages))
            )
        )

    try:
        return asyncio.run(main())
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--pages", type=int, action="append")
    parser.add_argument("--batch", type=int, action="append", help="0 = full batch")
    parser.add_argument("--format", choices=["json", "binary"], action="append")
    parser.add_argument("--paper", action="store_true", help="the paper's race, default pace")
    args = parser.parse_args()
    if args.paper:
        from glassnet.playground.lessons import parse_setup

        race = {**parse_setup("paper-race", Limits()).to_dict(), "until": 0}
        for pages in args.pages or [1, 4]:
            result = run(pages, 0, args.seconds, True, race)
            eps = [r["epochs_per_s"] for r in result]
            print(
                f"paper race at {race['pace']:g} epochs/s, pages {pages}: epochs/s per page "
                f"{' '.join(f'{e:6.1f}' for e in eps)}  frames/s "
                f"{sum(r['frames_per_s'] for r in result) / pages:5.1f}",
                flush=True,
            )
        return
    for fmt in args.format or ["json", "binary"]:
        for batch in args.batch or [0, 16]:
            for pages in args.pages or [1, 4]:
                result = run(pages, batch, args.seconds, fmt == "binary")
                eps = [r["epochs_per_s"] for r in result]
                print(
                    f"{fmt:6s} batch {batch or 'full':>4} pages {pages}: epochs/s per page "
                    f"{' '.join(f'{e:6.1f}' for e in eps)}  frames/s "
                    f"{sum(r['frames_per_s'] for r in result) / pages:5.1f}  "
                    f"frame {sum(r['bytes_per_frame'] for r in result) / pages / 1000:6.1f} kB  "
                    f"pause answered in {max(r['pause_s'] for r in result) * 1000:5.0f} ms",
                    flush=True,
                )


if __name__ == "__main__":
    main()
