"""The playground's web server: static page, WebSocket protocol, training loop driver.

Built on aiohttp. The server only serves the files shipped in ``glassnet/playground/static``
(looked up by name in a table made at start-up, never by a path from the request), speaks the
protocol of :mod:`glassnet.playground.protocol` over ``/ws``, and binds a loopback address.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import json
import logging
import mimetypes
import signal
import socket
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from glassnet.playground.frames import Encoder
from glassnet.playground.limits import DEFAULT_LIMITS, Limits
from glassnet.playground.protocol import (
    DEFAULT_CONFIG,
    ProtocolError,
    choices,
    parse_config,
    parse_csv,
)
from glassnet.playground.session import Session

LIMITS_KEY = web.AppKey("limits", Limits)
STATIC_KEY = web.AppKey("static", dict)
SESSIONS_KEY = web.AppKey("sessions", set)
log = logging.getLogger(__name__)


def load_static() -> dict[str, tuple[bytes, str]]:
    """Read the shipped page files into memory: name -> (content, content type)."""
    files: dict[str, tuple[bytes, str]] = {}
    root = resources.files("glassnet.playground").joinpath("static")
    for entry in root.iterdir():
        if entry.is_file() and not entry.name.startswith("."):
            ctype = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
            if entry.name.endswith(".js"):
                ctype = "text/javascript"
            files[entry.name] = (entry.read_bytes(), ctype)
    return files


def hello_message(limits: Limits) -> dict[str, Any]:
    """The first message of a connection: the limits and every choice the page offers."""
    return {
        "type": "hello",
        "limits": limits.to_dict(),
        "defaults": DEFAULT_CONFIG,
        "choices": choices(),
    }


class Connection:
    """One page's WebSocket: its session and the task that trains (while "play" is on, or
    for a "step").

    Messages are read while training runs, so "pause" is answered at once: it sets
    :attr:`cancel`, which the fit checks after every epoch (and one epoch is bounded by
    ``limits.max_epoch_seconds``). A closed page and a stopping server set it too.
    """

    def __init__(self, ws: web.WebSocketResponse, limits: Limits) -> None:
        self.ws = ws
        self.limits = limits
        self.session = Session(limits)
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self.running = False
        self.cancel = threading.Event()
        self.binary = False  # frames as binary messages (see glassnet.playground.frames)
        self.encoder = Encoder()

    def make_frame(self) -> Any:
        """The session's frame as this page asked for it: a binary message or JSON data."""
        if self.binary:
            return self.encoder.encode(self.session.frame_arrays())
        return self.session.frame()

    async def send_frame(self, frame: Any) -> None:
        if isinstance(frame, bytes):
            if not self.ws.closed:
                await self.ws.send_bytes(frame)
        else:
            await self.send(frame)

    async def on_frames(self, msg: dict[str, Any]) -> None:
        """``{"type": "frames", "binary": bool}``: how this page wants its frames."""
        binary = msg.get("binary")
        if not isinstance(binary, bool):
            raise ProtocolError(f"frames: binary must be true or false, got {_short(binary)}")
        self.binary = binary
        self.encoder.reset()

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(message, allow_nan=False))

    async def error(self, message: str, field: str | None = None) -> None:
        await self.send({"type": "error", "message": message, "field": field})

    async def state(self, reason: str = "") -> None:
        await self.send(
            {
                "type": "state",
                "running": self.running,
                "epoch": self.session.epoch,
                "reason": reason,
            }
        )

    async def compute(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def handle(self, text: str) -> None:
        """Answer one message from the page: every message gets an answer, a refusal an
        ``error`` naming what is wrong (never a dropped connection)."""
        try:
            msg = json.loads(text)
        except RecursionError:
            await self.error("Message is nested too deeply")
            return
        except ValueError as exc:  # also a number of more than 4300 digits
            detail = "" if isinstance(exc, json.JSONDecodeError) else f" ({exc})"
            await self.error(f"Message is not valid JSON{detail}")
            return
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            await self.error('Message must be an object with a "type"')
            return
        kind = msg["type"]
        handler = getattr(self, f"on_{kind}", None) if kind.isidentifier() else None
        if handler is None:
            await self.error(f"Unknown message type {kind[:40]!r}")
            return
        try:
            await handler(msg)
        except ProtocolError as exc:
            await self.error(str(exc), exc.field)
        except ConnectionResetError:  # the page went away while we answered: nothing to say
            return
        except RecursionError:
            await self.error(f"{kind}: a setting is nested too deeply")
        except Exception as exc:  # a bug must not drop the page: say what happened
            log.exception("playground: %s message failed", kind)
            await self.error(f"{kind}: the server could not do this ({type(exc).__name__}: {exc})")

    async def on_config(self, msg: dict[str, Any]) -> None:
        config = parse_config(msg.get("config"), self.limits)
        was_running = self.running
        await self.stop()
        if self.session.can_retune(config):  # same network, new lr/l2/batch/opt/rate/member
            async with self.lock:
                self.session.retune(config)
            await self.send({"type": "retuned", "config": config.to_dict()})
            if was_running:
                await self.on_play({})
            else:
                await self.send_frame(await self.compute(self.make_frame))
                await self.state()
            return
        async with self.lock:
            await self.compute(self.session.configure, config)
            ready = self.session.data_message()
            frame = await self.compute(self.make_frame)
        await self.send(ready)
        await self.send_frame(frame)
        await self.state()

    async def on_upload(self, msg: dict[str, Any]) -> None:
        table = await self.compute(parse_csv, msg.get("csv"), self.limits)
        raw_name = msg.get("name")
        name = raw_name if isinstance(raw_name, str) else ""
        self.session.upload(table, name)
        await self.send(
            {
                "type": "uploaded",
                "name": self.session.table_name,
                "rows": len(table.X),
                "columns": table.columns,
                "kind": table.kind,
                "classes": table.classes,
            }
        )

    async def on_play(self, msg: dict[str, Any]) -> None:
        cfg, _ = self.session.ready()
        if self.session.net is None:
            raise ProtocolError("No network: send a valid config first")
        if self.session.halted:
            raise ProtocolError(self._stopped_text())
        if not self.running:
            await self.stop()  # a step still running
            self.running = True
            self.cancel = threading.Event()  # a fresh flag per task: stop() never unsets one
            self.task = asyncio.create_task(self._run(cfg.rate))
            await self.state()

    async def on_pause(self, msg: dict[str, Any]) -> None:
        await self.stop()
        await self.state()

    async def on_step(self, msg: dict[str, Any]) -> None:
        epochs = msg.get("epochs", 1)
        cap = self.limits.max_step_epochs
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ProtocolError(
                f"step: epochs must be a positive whole number, got {_short(epochs)}"
            )
        if epochs > cap:
            raise ProtocolError(f"Too many epochs in one step: at most {cap}, got {_short(epochs)}")
        await self.stop()
        self.session.ready()
        if self.session.net is None:
            raise ProtocolError("No network: send a valid config first")
        if self.session.halted:
            raise ProtocolError(self._stopped_text())
        self.session.check_work(epochs)
        self.cancel = threading.Event()
        # in a task, so that "pause" (or a closed page) is read and cancels it between epochs
        self.task = asyncio.create_task(self._step(epochs))

    async def _step(self, epochs: int) -> None:
        cancel = self.cancel
        try:
            async with self.lock:
                await self.compute(self.session.train, epochs, None, cancel)
                frame = await self.compute(self.make_frame)
            await self.send_frame(frame)
            await self.state(self.session.stopped if self.session.halted else "")
        except (ConnectionResetError, RuntimeError):
            pass

    async def on_reset(self, msg: dict[str, Any]) -> None:
        await self.stop()
        self.session.ready()
        async with self.lock:
            await self.compute(self.session.reset)
            frame = await self.compute(self.make_frame)
        await self.send(self.session.data_message())
        await self.send_frame(frame)
        await self.state()

    async def on_inside(self, msg: dict[str, Any]) -> None:
        """Every number of one unit for one sample (the engine's trace)."""
        run = self._run_of(msg)
        async with self.lock:
            answer = await self.compute(
                run.inside, msg.get("layer"), msg.get("unit"), msg.get("sample", 0)
            )
        answer["run"] = msg.get("run", "a")
        await self.send(answer)

    async def on_weight(self, msg: dict[str, Any]) -> None:
        """Set one weight by hand; the answer is a new frame (boundary, loss, everything)."""
        run = self._run_of(msg)
        async with self.lock:
            old = await self.compute(
                run.set_weight, msg.get("layer"), msg.get("source"), msg.get("unit"),
                msg.get("value"),
            )  # fmt: skip
            frame = await self.compute(self.make_frame)
        await self.send_frame(frame)
        await self.send({"type": "weight_set", "old": old, "run": msg.get("run", "a")})

    async def on_export(self, msg: dict[str, Any]) -> None:
        """The trained network as a model file, a script and a command that reproduce it."""
        from glassnet.playground import export

        self.session.ready()
        if self.session.net is None:
            raise ProtocolError("No network: send a valid config first")
        async with self.lock:
            model = await self.compute(export.model_file, self.session)
            text = await self.compute(export.script, self.session)
            cmd, why = export.command(self.session)
        await self.send(
            {
                "type": "export",
                "model": base64.b64encode(model).decode(),
                "script": text,
                "command": cmd,
                "command_note": why,
                "epoch": self.session.epoch,
            }
        )

    async def on_model(self, msg: dict[str, Any]) -> None:
        """A model file from the page (base64): its network replaces the session's."""
        from glassnet.playground import export

        data, name = msg.get("data"), msg.get("name")
        name = name[:100] if isinstance(name, str) and name else "model file"
        if not isinstance(data, str):
            raise ProtocolError(f"model: expected the file's bytes in base64, got {_short(data)}")
        try:
            content = base64.b64decode(data, validate=True)
        except ValueError:
            raise ProtocolError(f"{name}: the file's bytes are not valid base64", "model") from None
        await self.stop()
        async with self.lock:
            await self.compute(export.load_model, self.session, content, name)
            ready = self.session.data_message()
            frame = await self.compute(self.make_frame)
        ready["loaded"] = name
        await self.send(ready)
        await self.send_frame(frame)
        await self.state()

    def _run_of(self, msg: dict[str, Any]) -> Session:
        which = msg.get("run", "a")
        self.session.ready()
        if which == "a":
            return self.session
        if which == "b" and self.session.b is not None:
            return self.session.b
        raise ProtocolError(f"run: expected 'a' or, in compare mode, 'b'; got {_short(which)}")

    def _stopped_text(self) -> str:
        if self.session.stopped == "diverged":
            return "Training diverged (the loss is not finite): lower the learning rate and reset"
        return f"This run reached the limit of {self.limits.max_epochs} epochs: reset to go on"

    async def _run(self, rate: float) -> None:
        """Train in slices of one update period, sending one frame per period at most."""
        loop = asyncio.get_running_loop()
        period = 1.0 / min(rate, self.limits.max_rate)
        session = self.session
        cancel = self.cancel
        try:
            while self.running and not self.ws.closed:
                start = loop.time()
                async with self.lock:
                    await self.compute(
                        session.train, self.limits.max_step_epochs, 0.7 * period, cancel
                    )
                    frame = await self.compute(self.make_frame)
                if not self.running:
                    break
                await self.send_frame(frame)
                if session.halted:
                    self.running = False
                    await self.state(session.stopped)
                    break
                await asyncio.sleep(max(0.0, period - (loop.time() - start)))
        except (ConnectionResetError, RuntimeError):
            self.running = False

    async def stop(self) -> None:
        """Stop the training task (if any): cancel the fit between two epochs and wait."""
        self.running = False
        self.cancel.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _loopback_name(host: str) -> bool:
    """Whether a Host header names this machine's loopback (``127.x.x.x``, ``::1``, localhost)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@web.middleware
async def loopback_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """Refuse requests addressed to another host name (a DNS-rebinding page's, for one)."""
    if not _loopback_name(request.headers.get("Host", "")):
        raise web.HTTPForbidden(text="the playground answers only to a loopback address")
    response: web.StreamResponse = await handler(request)
    return response


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = request.headers.get("Host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def websocket(request: web.Request) -> web.StreamResponse:
    """The ``/ws`` endpoint."""
    if not _same_origin(request):
        raise web.HTTPForbidden(text="cross-origin WebSocket refused")
    limits = request.app[LIMITS_KEY]
    sessions = request.app[SESSIONS_KEY]
    ws = web.WebSocketResponse(max_msg_size=limits.max_message_bytes, heartbeat=30)
    await ws.prepare(request)
    if len(sessions) >= limits.max_sessions:
        await ws.send_str(
            json.dumps(
                {
                    "type": "error",
                    "message": f"Too many open pages: at most {limits.max_sessions} at a time",
                    "field": None,
                }
            )
        )
        await ws.close()
        return ws
    conn = Connection(ws, limits)
    sessions.add(conn)
    try:
        await conn.send(hello_message(limits))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await conn.handle(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await conn.error("Binary messages are not understood: send JSON text")
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        await conn.stop()
        sessions.discard(conn)
    return ws


async def static_file(request: web.Request) -> web.Response:
    """Serve a shipped page file by name (``/`` is ``index.html``)."""
    name = request.match_info.get("name") or "index.html"
    found = request.app[STATIC_KEY].get(name)
    if found is None:
        raise web.HTTPNotFound()
    body, ctype = found
    return web.Response(body=body, content_type=ctype, headers={"Cache-Control": "no-cache"})


def create_app(limits: Limits = DEFAULT_LIMITS) -> web.Application:
    """Make the playground's aiohttp application.

    Parameters
    ----------
    limits : Limits
        Caps enforced on every session.

    Returns
    -------
    aiohttp.web.Application
    """
    if not isinstance(limits, Limits):
        raise TypeError(f"limits: expected a Limits, got {type(limits).__name__}")
    app = web.Application(client_max_size=limits.max_message_bytes, middlewares=[loopback_only])
    app[LIMITS_KEY] = limits
    app[STATIC_KEY] = load_static()
    app[SESSIONS_KEY] = set()
    app.router.add_get("/ws", websocket)
    app.router.add_get("/", static_file)
    app.router.add_get("/{name}", static_file)
    return app


def check_host(host: str) -> str:
    """Return ``host`` if it is a loopback address, else raise ``ValueError``."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            "host: the playground binds only to a loopback address (127.0.0.1, ::1 or "
            f"localhost), got {host!r}"
        )
    return host


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Open the listening socket (``port`` 0 picks a free one)."""
    host = check_host(host)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port: expected an int in [0, 65535], got {port!r}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"port: cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    """The page's address for a listening socket."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


async def serve(
    sock: socket.socket,
    limits: Limits = DEFAULT_LIMITS,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
    signals: bool = False,
    blas_threads: int | None = None,
) -> None:
    """Serve the playground on an open socket until ``stop`` is set (or forever).

    On the way out every page's training is cancelled (between two epochs), so the server
    stops within about ``limits.max_epoch_seconds`` whatever the pages were doing.

    Parameters
    ----------
    sock : socket.socket
        From :func:`bind`.
    limits : Limits
    ready : callable, optional
        Called with the page's address once the server accepts connections.
    stop : asyncio.Event, optional
    signals : bool
        Stop on SIGINT (Ctrl-C) and SIGTERM (for the command line; only from the main thread).
    blas_threads : int, optional
        Limit the BLAS library to this many threads while serving (process-wide, so for a
        process that only serves: the command line passes 1). The playground's matrices are
        small and each page trains in its own thread; a multi-threaded BLAS then spends its
        time waking threads -- on a loaded 2-core machine a 4096 x 16 by 16 x 16 product took
        16 ms with OpenBLAS's threads and 0.3 ms with one.
    """
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=blas_threads, user_api="blas"):
            await serve(sock, limits, ready, stop, signals)
        return
    stop = stop or asyncio.Event()
    app = create_app(limits)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    loop = asyncio.get_running_loop()
    handled = []
    if signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                handled.append(sig)
    try:
        if ready is not None:
            ready(url_of(sock))
        await stop.wait()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        sessions: set[Connection] = app[SESSIONS_KEY]
        for conn in list(sessions):
            conn.running = False
            conn.cancel.set()
        await runner.cleanup()
