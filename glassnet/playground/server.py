"""The playground's web server: static page, WebSocket protocol, training loop driver.

Built on aiohttp. The server only serves the files shipped in ``glassnet/playground/static``
(looked up by name in a table made at start-up, never by a path from the request), speaks the
protocol of :mod:`glassnet.playground.protocol` over ``/ws``, and binds a loopback address.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
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

from glassnet._validation import Underflow, read_float
from glassnet.playground.driver import FRAME, Driver, Pacer
from glassnet.playground.frames import Encoder
from glassnet.playground.limits import DEFAULT_LIMITS, Limits, ProtocolError
from glassnet.playground.session import jsonable

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
    """The first message of a connection: the limits, the table of controls, the presets and
    lessons (see :meth:`glassnet.playground.driver.Driver.hello`)."""
    return Driver(limits).hello()


class Connection:
    """One page's WebSocket: its :class:`~glassnet.playground.driver.Driver` (and session)
    and the task that trains (while "play" is on, or for a "step").

    Messages are read while training runs, so "pause" is answered at once: it sets
    :attr:`cancel`, which the fit checks after every epoch (and one epoch is bounded by
    ``limits.max_epoch_seconds``). A closed page and a stopping server set it too.

    What is drawn is what the session holds: every frame computed is sent (a pause cut short
    by the page still sends the frame of the epochs it trained), frames go out in the order
    they are encoded (:attr:`send_lock`), and a binary frame's "unchanged" marks refer to the
    frame sent before it (:meth:`Encoder.commit` after the send).
    """

    def __init__(self, ws: web.WebSocketResponse, limits: Limits) -> None:
        self.ws = ws
        self.limits = limits
        self.driver = Driver(limits)
        self.session = self.driver.session
        self.lock = asyncio.Lock()  # one computation on the session at a time
        self.send_lock = asyncio.Lock()  # frames encoded and sent in one order
        self.task: asyncio.Task[None] | None = None
        self.running = False
        self.cancel = threading.Event()
        self.binary = False  # frames as binary messages (see glassnet.playground.frames)
        self.encoder = Encoder()

    async def send_frame(self, arrays: dict[str, Any]) -> None:
        """Send a frame (from :meth:`Session.frame_arrays`) as this page asked for it."""
        async with self.send_lock:
            if self.ws.closed:
                return
            if self.binary:
                await self.ws.send_bytes(self.encoder.encode(arrays))
                self.encoder.commit()
            else:
                await self.ws.send_str(json.dumps(jsonable(arrays), allow_nan=False))

    async def on_frames(self, msg: dict[str, Any]) -> None:
        """``{"type": "frames", "binary": bool}``: how this page wants its frames."""
        binary = msg.get("binary")
        if not isinstance(binary, bool):
            raise ProtocolError(f"frames: binary must be true or false, got {_short(binary)}")
        async with self.send_lock:
            self.binary = binary
            self.encoder.reset()

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            async with self.send_lock:
                await self.ws.send_str(json.dumps(message, allow_nan=False))

    async def emit(self, answers: list[Any], arrays: dict[str, Any] | None) -> None:
        """Send a driver's answers, the frame (computed with them) where FRAME stands."""
        for item in answers:
            if item is FRAME:
                if arrays is not None:
                    await self.send_frame(arrays)
            else:
                await self.send(item)

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

    async def answer(self, fn: Callable[..., list[Any]], *args: Any) -> list[Any]:
        """Run a driver method (and the frame it asks for) in a worker thread, under the
        session's lock, then send its answers."""

        def run() -> tuple[list[Any], dict[str, Any] | None]:
            out = fn(*args)
            arrays = self.session.frame_arrays() if FRAME in out else None
            return out, arrays

        async with self.lock:
            out, arrays = await self.compute(run)
        await self.emit(out, arrays)
        return out

    async def handle(self, text: str) -> None:
        """Answer one message from the page: every message gets an answer, a refusal an
        ``error`` naming what is wrong (never a dropped connection)."""
        try:
            msg = json.loads(text, parse_float=read_float)
        except Underflow as exc:  # 1e-400 was read as 0 and refused as "got 0.0"
            await self.error(f"Message has a number too small for float64: {exc}")
            return
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
        config = self.driver.parse(msg.get("config"))
        was_running = self.running
        retune = self.driver.can_retune(config)
        await self.stop()
        await self.answer(self.driver.on_config, config, msg.get("seq"))
        if retune and was_running:
            await self.on_play({})
        else:
            await self.state()

    async def on_upload(self, msg: dict[str, Any]) -> None:
        await self.answer(self.driver.on_upload, msg)

    async def on_play(self, msg: dict[str, Any]) -> None:
        self.driver.check_play()
        if not self.running:
            await self.stop()  # a step still running
            self.running = True
            self.cancel = threading.Event()  # a fresh flag per task: stop() never unsets one
            self.task = asyncio.create_task(self._run(self.driver.play_bounds()))
            await self.state()

    async def on_pause(self, msg: dict[str, Any]) -> None:
        await self.stop()
        await self.state()

    async def on_step(self, msg: dict[str, Any]) -> None:
        epochs = self.driver.check_step(msg.get("epochs", 1))
        await self.stop()
        self.cancel = threading.Event()
        # in a task, so that "pause" (or a closed page) is read and cancels it between epochs
        self.task = asyncio.create_task(self._step(epochs))

    async def _step(self, epochs: int) -> None:
        cancel = self.cancel
        try:
            async with self.lock:
                await self.compute(self.session.train, epochs, None, cancel)
                arrays = await self.compute(self.session.frame_arrays)
            await self.send_frame(arrays)  # always: the page shows what the session holds
            await self.state(self.session.stopped if self.session.halted else "")
        except (ConnectionResetError, RuntimeError):
            pass

    async def on_reset(self, msg: dict[str, Any]) -> None:
        await self.stop()
        await self.answer(self.driver.on_reset)
        await self.state()

    async def on_inside(self, msg: dict[str, Any]) -> None:
        """Every number of one unit for one sample (the engine's trace)."""
        await self.answer(self.driver.on_inside, msg)

    async def on_weight(self, msg: dict[str, Any]) -> None:
        """Set one weight by hand; the answer is a new frame (boundary, loss, everything)."""
        await self.answer(self.driver.on_weight, msg)

    async def on_export(self, msg: dict[str, Any]) -> None:
        """The trained network(s) as model files, a script and a command that reproduce it."""
        await self.answer(self.driver.on_export)

    async def on_model(self, msg: dict[str, Any]) -> None:
        """A model file from the page (base64): its network replaces the session's."""
        await self.stop()
        await self.answer(self.driver.on_model, msg)
        await self.state()

    async def on_lesson(self, msg: dict[str, Any]) -> None:
        """A built-in lesson or a teacher's lesson file, checked."""
        await self.answer(self.driver.on_lesson, msg)

    async def on_tune(self, msg: dict[str, Any]) -> None:
        """Each setup's best learning rate (a lesson step's tune)."""
        await self.stop()
        await self.answer(self.driver.on_tune, msg)
        await self.state()

    async def _run(self, bounds: dict[str, Any]) -> None:
        """Train in slices of one update period at the setup's pace, sending one frame per
        slice that trained, until paused, stopped by itself, at ``until`` or converged."""
        loop = asyncio.get_running_loop()
        cfg, _ = self.session.ready()
        pacer = Pacer(cfg.pace, cfg.rate, self.limits)
        session = self.session
        cancel = self.cancel
        try:
            while self.running and not self.ws.closed:
                start = loop.time()
                epochs, seconds = pacer.slice(start)
                epochs = self.driver.slice_epochs(epochs, bounds)
                if epochs:
                    async with self.lock:
                        done = await self.compute(session.train, epochs, seconds, cancel)
                        arrays = await self.compute(session.frame_arrays)
                    pacer.trained(done)
                    # sent even when a pause came meanwhile: the page shows this epoch
                    await self.send_frame(arrays)
                if not self.running:
                    break
                reason = self.driver.stop_reason(bounds)
                if reason:
                    self.running = False
                    await self.state(reason)
                    break
                await asyncio.sleep(max(0.0, pacer.period - (loop.time() - start)))
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
        # a port taken or privileged is the port's fault; an address that cannot be bound
        # ("::1%eth0": a loopback address with a scope no interface has) is the host's
        blame = "port" if exc.errno in (errno.EADDRINUSE, errno.EACCES) else "host"
        raise ValueError(f"{blame}: cannot listen on {host}:{port} ({exc.strerror})") from None
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
