"""The playground in a Jupyter notebook: :func:`widget` trains *your* network, drawn live.

``glassnet.playground.widget(net, X, y)`` returns an anywidget (the ``notebook``
extra: :func:`glassnet._extras.install_hint` says how to install it) that shows the playground's pictures -- the decision boundary or the
regression surface, the network with each unit's map, the loss curves, the notes -- and whose
play, pause and step buttons train ``net`` in the kernel, in place: the network trained in the
page is the object you passed, and you go on using it in the next cell. Training runs in a
background thread of the kernel in slices (``fit(resume=...)``, so the slices step exactly like
one long fit) and stops between two epochs when you press pause, call :meth:`Widget.pause` or
close the widget.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any

import numpy as np

from glassnet._validation import Instance, Interval, Options, check
from glassnet.playground.grid import plane_extent
from glassnet.playground.limits import Limits
from glassnet.playground.protocol import Config, ProtocolError
from glassnet.playground.session import Data, Session

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
    if loss is None:
        loss = {"softmax": "cross_entropy", "sigmoid": "bce"}.get(out, "mse") if classes else "mse"
    check(loss, "loss", Options(gn.losses.names()))
    check(optimizer, "optimizer", Options(gn.optimizers.names()))
    if lr is None:
        lr = float(gn.optimizers.DEFAULT_LR[optimizer])
    check(lr, "lr", Interval(float, 0, None, closed="neither"))
    check(batch_size, "batch_size", Interval(int, 1, None), Instance(type(None)))
    check(rate, "rate", Interval(float, 0.5, limits.max_rate))  # updates per second
    pop = net.population
    config = Config(
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
        l2=float(l2),
        init=net.init.name,
        bias=net.bias,
        seed=int(net.seeds[0]),
        rate=float(rate),
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
    """The widget's JavaScript: the page's drawing code and the widget's own."""
    static = resources.files("glassnet.playground").joinpath("static")
    return (
        static.joinpath("draw.js").read_text(encoding="utf-8")
        + "\n"
        + static.joinpath("widget.js").read_text(encoding="utf-8")
    )


def widget(
    net: Any,
    X: Any,
    y: Any,
    *,
    loss: str | None = None,
    optimizer: str = "adam",
    lr: float | None = None,
    batch_size: int | None = None,
    l2: float = 0.0,
    rate: float = 10.0,
    limits: Limits | None = None,
) -> Any:
    """The playground for ``net`` on ``(X, y)``, as a notebook widget that trains ``net`` itself.

    Parameters
    ----------
    net : Network
        Trained in place by the widget's play and step buttons (a population too: its
        members' median loss is drawn, and member 0).
    X : array, shape (n_samples, n_inputs)
        At least two inputs: the pictures show the plane of the first two (the others held
        at their mean).
    y : array, shape (n_samples, n_outputs)
        Or integer class labels ``(n_samples,)`` for several outputs.
    loss : str, optional
        Default: ``bce`` for a sigmoid output on class targets, ``cross_entropy`` for softmax,
        else ``mse``.
    optimizer, lr, batch_size, l2
        As in :func:`glassnet.training.fit` (``batch_size=None``: full batch).
    rate : float
        Frames per second while training.
    limits : Limits, optional
        The playground's limits (samples, pictures' resolution).

    Returns
    -------
    Widget
        Display it (the last expression of a cell); :attr:`Widget.history` is the last fit's
        History, :attr:`Widget.epoch` the epochs trained.
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
    config, data = _setup(net, X, y, loss, optimizer, lr, batch_size, l2, rate, lim)

    class Widget(anywidget.AnyWidget):
        """The playground in a notebook (see :func:`glassnet.playground.widget`)."""

        _esm = _esm()
        setup = traitlets.Dict().tag(sync=True)

        def __init__(self) -> None:
            super().__init__()
            self.session = Session(lim)
            self.session.config, self.session.data = config, data
            self.session.adopt(net)
            self.net = net
            self._lock = threading.Lock()
            self._cancel = threading.Event()
            self._thread: threading.Thread | None = None
            self.running = False
            ready = self.session.data_message()
            self.setup = {k: v for k, v in ready.items() if k != "type"}
            self.on_msg(self._on_msg)

        @property
        def history(self) -> Any:
            """The last fit's History (``None`` before the first epoch)."""
            return self.session.history

        @property
        def epoch(self) -> int:
            return self.session.epoch

        def _send_frame(self) -> None:
            with self._lock:
                frame = self.session.frame()
            self.send(frame)

        def _state(self, reason: str = "") -> None:
            self.send(
                {"type": "state", "running": self.running, "epoch": self.epoch, "reason": reason}
            )

        def _on_msg(self, _widget: Any, message: Any, _buffers: Any) -> None:
            if not isinstance(message, dict):
                return
            content: Any = message
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
                elif kind == "inside":
                    with self._lock:
                        answer = self.session.inside(
                            content.get("layer"), content.get("unit"), content.get("sample", 0)
                        )
                    self.send(answer)
            except ProtocolError as exc:
                self.send({"type": "error", "message": str(exc)})

        def step(self, epochs: int = 1) -> int:
            """Train ``epochs`` epochs now (in this thread) and redraw; return how many ran."""
            if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
                raise ProtocolError(f"epochs: expected a positive whole number, got {epochs!r}")
            self.pause()
            with self._lock:
                done = self.session.train(epochs)
            self._send_frame()
            self._state(self.session.stopped)
            return done

        def play(self) -> None:
            """Train in a background thread, one frame per 1/rate seconds, until paused."""
            if self.running or self.session.halted:
                return
            self.running = True
            self._cancel = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._cancel,), daemon=True)
            self._thread.start()
            self._state()

        def _run(self, cancel: threading.Event) -> None:
            period = 1.0 / self.session.config.rate  # type: ignore[union-attr]
            while not cancel.is_set():
                with self._lock:
                    self.session.train(lim.max_step_epochs, 0.7 * period, cancel)
                if cancel.is_set():
                    break
                self._send_frame()
                if self.session.halted:
                    self.running = False
                    self._state(self.session.stopped)
                    return
                cancel.wait(0.3 * period)

        def pause(self) -> None:
            """Stop training between two epochs and wait for it."""
            self._cancel.set()
            if self._thread is not None:
                self._thread.join()
                self._thread = None
            if self.running:
                self.running = False
                self._send_frame()
                self._state()

        def close(self) -> None:
            self.pause()
            super().close()

    return Widget()
