"""The playground in a Jupyter notebook: the page's controls, pictures and lessons, and your
own network.

``glassnet.playground.widget(net, X, y)`` returns an anywidget (the ``notebook`` extra; see
:func:`glassnet._extras.install_hint`) that shows the playground's pictures -- the decision
boundary or the regression surface, the network with each unit's map, the loss curves, the
gradient norms per layer, the notes -- and whose play, pause, step and reset buttons train
``net`` in the kernel, in place: the network trained in the page is the object you passed,
and you go on using it in the next cell. The training settings (optimizer, learning rate,
batch size, L1, L2, pace, threshold...) are the page's own controls, from the same table;
a weight can be set by hand, and the run exported as in the page.

``glassnet.playground.widget()`` (no network), ``widget(setup="paper-race")`` or
``widget(lesson="1-the-papers-question")`` is the whole page in the notebook instead: every
control, the presets, compare and seeds modes, and the guided lessons.

Training runs in a background thread of the kernel in slices (``fit(resume=...)``, so the
slices step exactly like one long fit) at the setup's pace, and stops between two epochs when
you press pause, call :meth:`Widget.pause` or close the widget. Every message is answered by
the same :class:`~glassnet.playground.driver.Driver` as the page's server.
"""

from __future__ import annotations

import threading
import time
from importlib import resources
from typing import Any

import numpy as np

from glassnet._validation import Instance, Interval, Options, check
from glassnet.playground.controls import LIVE, Config, parse_config
from glassnet.playground.driver import FRAME, Driver, Pacer
from glassnet.playground.grid import plane_extent
from glassnet.playground.limits import Limits, ProtocolError
from glassnet.playground.session import Data

__all__ = ["widget"]


def _matrix(value: Any, argument: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind not in "biuf" or arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(
            f"{argument}: expected a non-empty 2-D numeric array, got shape {np.shape(arr)}"
        )
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise ValueError(f"{argument}: expected finite values, found NaN or infinity")
    return arr


def _setup(
    net: Any,
    X: Any,
    y: Any,
    loss: str | None,
    optimizer: str,
    lr: float | None,
    batch_size: int | None,
    l2: float,
    rate: float,
    limits: Limits,
    l1: float = 0.0,
    pace: float = 0.0,
) -> tuple[Config, Data]:
    """The session's setup for the user's network and data, checked."""
    import glassnet as gn

    if not isinstance(net, gn.Network):
        raise TypeError(f"net: expected a glassnet Network, got {type(net).__name__}")
    Xa = _matrix(X, "X")
    ya = np.asarray(y)
    if ya.ndim == 1 and net.sizes[-1] > 1 and ya.dtype.kind in "iu":
        ya = np.eye(net.sizes[-1])[ya]  # class labels, as fit takes them
    ya = _matrix(ya, "y")
    if Xa.shape[1] != net.sizes[0]:
        raise ValueError(f"X: expected {net.sizes[0]} columns for this network, got {Xa.shape[1]}")
    if Xa.shape[1] < 2:
        raise ValueError(
            "X: the playground draws the plane of the first two inputs; expected at least 2 "
            f"columns, got {Xa.shape[1]}"
        )
    if ya.shape != (Xa.shape[0], net.sizes[-1]):
        raise ValueError(f"y: expected shape {(Xa.shape[0], net.sizes[-1])}, got {ya.shape}")
    if Xa.shape[0] > limits.max_samples:
        raise ValueError(f"X: at most {limits.max_samples} samples, got {Xa.shape[0]}")
    classes = gn.metrics.is_classification(ya)
    kind = ("multiclass" if ya.shape[1] > 1 else "binary") if classes else "regression"
    out = net.activations[-1].name
    if loss is None:  # the engine's one rule for the loss an output and targets call for
        loss = gn.losses.natural_loss(out, classes)
    check(loss, "loss", Options(gn.losses.names()))
    check(optimizer, "optimizer", Options(gn.optimizers.names()))
    if lr is None:
        lr = float(gn.optimizers.DEFAULT_LR[optimizer])
    check(lr, "lr", Interval(float, 0, None, closed="neither"))
    check(batch_size, "batch_size", Interval(int, 1, None), Instance(type(None)))
    check(rate, "rate", Interval(float, 0.5, limits.max_rate))  # updates per second
    check(l1, "l1", Interval(float, 0, 1))
    check(l2, "l2", Interval(float, 0, 1))
    check(pace, "pace", Interval(float, 0, 100_000))
    pop = net.population
    config = Config.make(
        dataset="notebook",
        n=Xa.shape[0],
        noise=0.0,
        split=0.0,
        layers=list(net.sizes[1:-1]),
        act=[a.name for a in net.activations[:-1]],
        out=out,
        loss=loss,
        opt=optimizer,
        lr=float(lr),
        batch=batch_size or 0,
        l1=float(l1),
        l2=float(l2),
        init=net.init.name,
        bias=net.bias,
        seed=int(net.seeds[0]),
        rate=float(rate),
        pace=float(pace),
        mode="seeds" if pop else "single",
        seeds=pop or 10,
        member=0,
    )
    data = Data(
        X_train=Xa,
        y_train=ya,
        X_test=Xa[:0],
        y_test=ya[:0],
        kind=kind,
        columns=[f"x{i + 1}" for i in range(Xa.shape[1])] + ["y"],
        extent=plane_extent(Xa),
        fill=[float(v) for v in Xa[:, 2:].mean(axis=0)],
        mean=np.zeros(Xa.shape[1]),
        scale=np.ones(Xa.shape[1]),
        note="",
    )
    return config, data


def _esm() -> str:
    """The widget's JavaScript: the page's drawing code, its controls and the widget's own."""
    static = resources.files("glassnet.playground").joinpath("static")
    return "\n".join(
        static.joinpath(name).read_text(encoding="utf-8")
        for name in ("draw.js", "controls.js", "widget.js")
    )


def widget(
    net: Any = None,
    X: Any = None,
    y: Any = None,
    *,
    setup: Any = None,
    lesson: str | None = None,
    loss: str | None = None,
    optimizer: str = "adam",
    lr: float | None = None,
    batch_size: int | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    rate: float = 10.0,
    pace: float = 0.0,
    limits: Limits | None = None,
) -> Any:
    """The playground as a notebook widget: around ``net`` (trained in place), or the whole
    page (no ``net``).

    Parameters
    ----------
    net : Network, optional
        Trained in place by the widget's play and step buttons (a population too: its
        members' median loss is drawn, and member 0). Without it, the widget is the page:
        every control, presets, lessons, compare and seeds modes.
    X : array, shape (n_samples, n_inputs)
        With ``net``: at least two inputs (the pictures show the plane of the first two, the
        others held at their mean).
    y : array, shape (n_samples, n_outputs)
        Or integer class labels ``(n_samples,)`` for several outputs. ``X`` and ``y`` are
        used as they are: the widget trains your network on exactly these arrays, so its
        predictions afterwards are in their units. (The page standardizes an uploaded CSV,
        its inputs and a regression target; do the same to yours first when a target is
        large, e.g. prices: ``glassnet.datasets.Standardizer().fit_transform(y)``, the
        network's outputs mapping back as ``z * scale + mean``.)
    setup : str or dict, optional
        Without ``net``: the first setup, a preset's name (``"paper-race"``), an address
        (``"dataset=xor&layers=4"``) or a dict of settings.
    lesson : str, optional
        Without ``net``: a built-in lesson to open (``"1-the-papers-question"``).
    loss : str, optional
        Default: ``bce`` for a sigmoid output on class targets, ``cross_entropy`` for softmax,
        else ``mse``.
    optimizer, lr, batch_size, l1, l2
        As in :func:`glassnet.training.fit` (``batch_size=None``: full batch; ``l1`` needs an
        engine with L1).
    rate : float
        Frames per second while training.
    pace : float
        Epochs per second while playing (0: as fast as the kernel goes).
    limits : Limits, optional
        The playground's limits (samples, pictures' resolution, work per request).

    Returns
    -------
    Widget
        Display it (the last expression of a cell); :attr:`Widget.history` is the last fit's
        History, :attr:`Widget.epoch` the epochs trained, :attr:`Widget.net` the network.
    """
    try:
        import anywidget
        import traitlets
    except ModuleNotFoundError as exc:
        from glassnet._extras import install_hint

        raise ModuleNotFoundError(
            f"the notebook playground needs {exc.name}: {install_hint('notebook')}"
        ) from None
    lim: Limits = limits or Limits()
    own = net is not None
    if own:
        if setup is not None or lesson is not None:
            raise ValueError(
                "setup, lesson: a widget around your own network trains it on your data; "
                "call widget() without a network for a setup or a lesson"
            )
        config, data = _setup(
            net, X, y, loss, optimizer, lr, batch_size, l2, rate, lim, l1=l1, pace=pace
        )
        first = None
    else:
        if X is not None or y is not None:
            raise ValueError("X, y: give the network they train, widget(net, X, y)")
        from glassnet.playground import lessons as _lessons

        if lesson is not None:
            known = _lessons.builtin_lessons()
            check(lesson, "lesson", Options(known))
            parsed = _lessons.parse_lesson(known[lesson], lesson, lim)
            first = parse_config(parsed["steps"][0]["setup"], lim)
        else:
            try:
                first = _lessons.parse_setup(setup if setup is not None else {}, lim, "setup")
            except ProtocolError as exc:
                raise ValueError(str(exc)) from None
        config, data = first, None

    class Widget(anywidget.AnyWidget):
        """The playground in a notebook (see :func:`glassnet.playground.widget`)."""

        _esm = _esm()
        hello = traitlets.Dict().tag(sync=True)
        setup = traitlets.Dict().tag(sync=True)
        start = traitlets.Dict().tag(sync=True)  # the lesson to open, the setup to send

        def __init__(self) -> None:
            super().__init__()
            self.driver = Driver(lim)
            self.session = self.driver.session
            self.own = own
            self._lock = threading.Lock()
            self._cancel = threading.Event()
            self._thread: threading.Thread | None = None
            self.running = False
            hello = self.driver.hello()
            hello["own"] = own
            if own:
                self.session.config, self.session.data = config, data
                self.session.adopt(net)
                self._initial = [{k: v.copy() for k, v in p.items()} for p in net.params]
                self.setup = {k: v for k, v in self.session.data_message().items() if k != "type"}
            else:
                self.session.configure(config)
                self.setup = {k: v for k, v in self.session.data_message().items() if k != "type"}
            self.hello = hello
            self.start = {"lesson": lesson} if lesson else {}
            self.on_msg(self._on_msg)

        @property
        def net(self) -> Any:
            """The network the widget trains (yours, when you gave one)."""
            return self.session.net

        @property
        def history(self) -> Any:
            """The last fit's History (``None`` before the first epoch)."""
            return self.session.history

        @property
        def epoch(self) -> int:
            return self.session.epoch

        # -- sending ----------------------------------------------------------------------
        def _emit(self, answers: list[Any]) -> None:
            for item in answers:
                if item is FRAME:
                    self._send_frame()
                else:
                    if item.get("type") == "ready":
                        self.setup = {k: v for k, v in item.items() if k != "type"}
                    self.send(item)

        def _send_frame(self) -> None:
            with self._lock:
                frame = self.session.frame()
            self.send(frame)

        def _state(self, reason: str = "") -> None:
            self.send(
                {"type": "state", "running": self.running, "epoch": self.epoch, "reason": reason}
            )

        # -- messages ---------------------------------------------------------------------
        def _on_msg(self, _widget: Any, message: Any, _buffers: Any) -> None:
            if not isinstance(message, dict):
                return
            content: dict[str, Any] = message
            kind = content.get("type")
            try:
                if kind == "hello":
                    self._send_frame()
                    self._state()
                elif kind == "play":
                    self.play()
                elif kind == "pause":
                    self.pause()
                elif kind == "step":
                    self.step(content.get("epochs", 1))
                elif kind == "reset":
                    self.reset()
                elif kind == "config":
                    self.configure(content.get("config"), content.get("seq"))
                elif kind in ("inside", "weight", "export", "lesson", "tune"):
                    if kind in ("weight", "tune"):
                        self.pause()
                    handler = getattr(self.driver, f"on_{kind}")
                    args = () if kind == "export" else (content,)
                    with self._lock:
                        answers = handler(*args)
                    self._emit(answers)
                else:
                    raise ProtocolError(f"Unknown message type {str(kind)[:40]!r}")
            except ProtocolError as exc:
                self.send({"type": "error", "message": str(exc), "field": exc.field})

        def configure(self, raw: Any, seq: Any = None) -> None:
            """Take a setup from the widget's controls (live settings only, around your own
            network: its layers, activations and data are yours)."""
            if self.own:  # only the live settings are the widget's; the rest is yours
                if not isinstance(raw, dict):
                    raise ProtocolError(f"config: expected an object, got {type(raw).__name__}")
                cfg, _ = self.session.ready()
                fixed = [k for k, v in raw.items() if k not in LIVE and cfg.get(k) != v]
                if fixed:
                    raise ProtocolError(
                        f"{fixed[0]}: this widget trains your own network: only the training "
                        "settings change here (layers, activations and data are set in Python)",
                        fixed[0],
                    )
                given = {k: raw[k] for k in LIVE if k in raw}
                live = self.driver.parse({**given, "seeds": cfg.seeds})  # member < seeds
                changed = {k: live[k] for k in given}
                config = cfg.replace(**changed)
                if not self.driver.can_retune(config):
                    raise ProtocolError(
                        "This widget trains your own network: only the training settings change "
                        "here (layers, activations and data are set in Python)"
                    )
            else:
                config = self.driver.parse(raw)
            was = self.running
            self.pause(quiet=True)
            with self._lock:
                answers = self.driver.on_config(config, seq)
            self._emit(answers)
            if was and answers and answers[0].get("type") == "retuned":
                self.play()
            else:
                self._state()

        def reset(self) -> None:
            """Back to the first weights, exactly: your network's as you gave it (the same
            object), or the setup's from its seed; a fresh history and optimizer state."""
            self.pause(quiet=True)
            with self._lock:
                if self.own:
                    for mine, first in zip(self.session.net.params, self._initial, strict=True):
                        for key in mine:
                            mine[key][...] = first[key]
                    self.session.adopt(self.session.net)
                    answers = [self.session.data_message(), FRAME]
                else:
                    answers = self.driver.on_reset()
            self._emit(answers)
            self._state()

        def step(self, epochs: int = 1) -> int:
            """Train ``epochs`` epochs now (in this thread) and redraw; return how many ran."""
            self.driver.check_step(epochs)
            self.pause(quiet=True)
            with self._lock:
                done = self.session.train(epochs)
            self._send_frame()
            self._state(self.session.stopped)
            return done

        def play(self) -> None:
            """Train in a background thread at the setup's pace, one frame per 1/rate
            seconds, until paused (or stopped by itself, at ``until``, converged)."""
            if self.running:
                return
            self.driver.check_play()
            self.running = True
            self._cancel = threading.Event()
            bounds = self.driver.play_bounds()
            self._thread = threading.Thread(
                target=self._run, args=(self._cancel, bounds), daemon=True
            )
            self._thread.start()
            self._state()

        def _run(self, cancel: threading.Event, bounds: dict[str, Any]) -> None:
            cfg, _ = self.session.ready()
            pacer = Pacer(cfg.pace, cfg.rate, lim)
            while not cancel.is_set():
                start = time.perf_counter()
                epochs, seconds = pacer.slice(start)
                epochs = self.driver.slice_epochs(epochs, bounds)
                if epochs:
                    with self._lock:
                        done = self.session.train(epochs, seconds, cancel)
                    pacer.trained(done)
                    self._send_frame()  # also when a pause came meanwhile
                if cancel.is_set():
                    break
                reason = self.driver.stop_reason(bounds)
                if reason:
                    self.running = False
                    self._state(reason)
                    return
                cancel.wait(max(0.0, pacer.period - (time.perf_counter() - start)))

        def pause(self, quiet: bool = False) -> None:
            """Stop training between two epochs and wait for it."""
            self._cancel.set()
            if self._thread is not None:
                self._thread.join()
                self._thread = None
            if self.running:
                self.running = False
                if not quiet:
                    self._state()

        def close(self) -> None:
            self.pause(quiet=True)
            super().close()

    return Widget()
