"""One playground session: its data, its network, and the training loop that feeds the page.

A :class:`Session` is plain synchronous code (the server runs its heavy calls in a worker
thread). Training is the engine's own loop: one ``net.fit(..., resume=history)`` per slice of
epochs, which continues the previous slice's optimizer state and shuffling, so a run cut into
slices steps exactly like one long fit. The per-layer statistics are the engine's
(:func:`glassnet.training.layer_stats`) on a full-batch pass; the pictures come from
``net.forward`` over a grid (:mod:`glassnet.playground.grid`).
"""

from __future__ import annotations

import base64
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

import glassnet as gn
from glassnet.playground.grid import Extent, plane_activations, plane_extent
from glassnet.playground.limits import Limits
from glassnet.playground.protocol import Config, ProtocolError, Table
from glassnet.training import Callback, History, layer_stats

BOUNDED = {"sigmoid": (0.0, 1.0), "tanh01": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATING = ("sigmoid", "tanh", "softplus", "elu", "gelu", "silu")
MAX_LOSS_POINTS = 200  # loss points per frame (older epochs are thinned out)


@dataclass
class Data:
    """The data of a session, as the network sees it and as the page draws it."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str  # "binary" | "multiclass" | "regression"
    columns: list[str]
    extent: Extent
    fill: list[float]
    mean: np.ndarray
    scale: np.ndarray
    note: str = ""

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Return ``X`` as the network sees it: ``(X - mean) / scale``."""
        return (X - self.mean) / self.scale


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.uint8).tobytes()).decode()


def _u8(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    scaled = np.clip((np.nan_to_num(values, nan=lo) - lo) / span, 0.0, 1.0)
    return np.round(scaled * 255).astype(np.uint8)


def _round(values: Any, digits: int = 4) -> Any:
    arr = np.asarray(values, dtype=float)
    arr = np.where(np.isfinite(arr), arr, 0.0)
    return [float(f"{v:.{digits}g}") for v in arr.ravel()] if arr.ndim else float(arr)


def _matrix(values: np.ndarray) -> list[list[float]]:
    arr = np.atleast_2d(np.asarray(values, dtype=float))
    return [_round(row) for row in arr]


LIVE = ("lr", "l2", "batch", "opt", "rate")  # settings that change without a new network
SMALL_SETS = ("paper", "xor", "and", "or")  # a few fixed cases: all used for training


def quadrants(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """TensorFlow Playground's XOR: points in [-1, 1]^2, class 1 where x1 * x2 > 0.

    Points are drawn uniformly with ``numpy.random.default_rng(seed)`` and kept at least
    0.05 from both axes; Gaussian noise of standard deviation ``noise`` is added afterwards.
    X (n, 2), y (n, 1).
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    return X + noise * rng.standard_normal(X.shape), y


def load_builtin(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Load a data set: the engine's (:func:`glassnet.datasets.load`) or ``quadrants``."""
    if name == "quadrants":
        return quadrants(n, noise, seed)
    if name in SMALL_SETS:
        return gn.datasets.load(name)
    return gn.datasets.load(name, n_samples=n, noise=noise, seed=seed)


def build_data(config: Config, table: Table | None) -> Data:
    """Make the session's data from a setup (and the uploaded table for ``"csv"``)."""
    note = ""
    if config.dataset == "csv":
        if table is None:
            raise ProtocolError("No CSV uploaded yet: upload a file first", "dataset")
        X, y, kind, columns = table.X, table.y, table.kind, list(table.columns)
        mean = X.mean(axis=0)
        scale = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        note = "Features are standardized (mean 0, standard deviation 1) before training."
    else:
        X, y = load_builtin(config.dataset, config.n, config.noise, config.seed)
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        if y.ndim == 1:
            y = y[:, None]
        kind = "multiclass" if y.shape[1] > 1 else "binary"
        columns = [f"x{i + 1}" for i in range(X.shape[1])] + ["y"]
        mean = np.zeros(X.shape[1])
        scale = np.ones(X.shape[1])
        if X.shape[1] > 2:
            note = (
                f"This data has {X.shape[1]} inputs; the pictures show the plane of the first "
                "two, the others held at their mean."
            )
    fill = [float(v) for v in X[:, 2:].mean(axis=0)]
    split = 0.0 if config.dataset in SMALL_SETS else config.split
    n_test = round(len(X) * split)
    if split > 0 and n_test >= 1 and len(X) - n_test >= 2:
        X_tr, X_te, y_tr, y_te = gn.datasets.train_test_split(
            X, y, test_size=split, seed=config.seed
        )
    else:
        X_tr, y_tr = X, y
        X_te, y_te = X[:0], y[:0]
        if config.dataset in SMALL_SETS:
            note = (note + f" All {len(X)} cases are used for training (no test set).").strip()
    return Data(
        X_train=np.asarray(X_tr, dtype=float),
        y_train=np.asarray(y_tr, dtype=float),
        X_test=np.asarray(X_te, dtype=float),
        y_test=np.asarray(y_te, dtype=float),
        kind=kind,
        columns=columns,
        extent=plane_extent(X),
        fill=fill,
        mean=mean,
        scale=scale,
        note=note,
    )


def _finite(x: float) -> bool:
    return bool(np.isfinite(x))


class _Watch(Callback):
    """Stops a fit when its time is up or the training loss is no longer finite, and measures
    the training loss after each epoch when the fit's own record is not that (see
    :meth:`Session.train`)."""

    def __init__(self, deadline: float | None, measure: Any) -> None:
        self.deadline = deadline
        self.measure = measure
        self.after: list[float] = []

    def on_epoch_end(self, epoch: int, history: History, net: Any) -> bool:
        if self.measure is not None:
            self.after.append(self.measure())
            if not _finite(self.after[-1]):
                return True
        return self.deadline is not None and time.perf_counter() >= self.deadline


class Session:
    """The state of one page: data, network, optimizer and the history shown on the page.

    Parameters
    ----------
    limits : Limits
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.table: Table | None = None
        self.table_name = ""
        self.config: Config | None = None
        self.data: Data | None = None
        self.net: Any = None
        self.history: History | None = None  # the last fit's, resumed by the next one
        self.epoch = 0
        self.stopped = ""  # why training stopped by itself ("" = it did not)

    # -- setup -------------------------------------------------------------------------------
    def upload(self, table: Table, name: str = "") -> None:
        """Keep an uploaded table (in memory) as the data set ``"csv"``."""
        self.table = table
        self.table_name = str(name)[:100]

    def configure(self, config: Config) -> None:
        """Build the data and a fresh network for ``config``.

        Raises
        ------
        ProtocolError
            When the engine refuses the setup (its ``ValueError``/``TypeError`` message is kept).
        """
        data = build_data(config, self.table)
        self.config = config
        self.data = data
        self.reset()

    def can_retune(self, config: Config) -> bool:
        """Whether ``config`` differs from the current setup only in :data:`LIVE` settings
        (so training can go on with the same network) and the run has not stopped."""
        if self.config is None or self.net is None or self.stopped:
            return False
        old, new = self.config.to_dict(), config.to_dict()
        return all(old[k] == new[k] for k in old if k not in LIVE)

    def retune(self, config: Config) -> None:
        """Go on training the same network under new :data:`LIVE` settings.

        A new learning rate keeps the optimizer's state (moments, step count): the next fit
        gets an optimizer with the new rate and resumes from the last fit's History, whose
        state does not depend on the rate. A new optimizer starts from a fresh state (and the
        mini-batch shuffling starts again from the seed: the engine resumes both or neither).
        """
        if not self.can_retune(config):
            raise ProtocolError("retune: only lr, l2, batch, opt and rate can change mid-run")
        old = self.config
        assert old is not None
        if (config.opt, config.lr) != (old.opt, old.lr):
            self.optimizer = gn.optimizers.get(config.opt, lr=config.lr)
            if config.opt != old.opt:
                self.history = None
        self.config = config

    def reset(self) -> None:
        """Rebuild the network from the setup's seed and clear the history."""
        cfg, data = self._ready()
        n_in = data.X_train.shape[1]
        n_out = data.y_train.shape[1]
        try:
            self.net = gn.Network(
                [n_in, *cfg.layers, n_out],
                activation=list(cfg.act) if cfg.layers else cfg.act,
                output=cfg.out,
                bias=cfg.bias,
                init=cfg.init,
                seed=cfg.seed,
            )
            self.optimizer = gn.optimizers.get(cfg.opt, lr=cfg.lr)
            self.history = None
            self.Xn_train = data.transform(data.X_train)
            self.Xn_test = data.transform(data.X_test)
            first = self._losses()
        except (ValueError, TypeError) as exc:
            self.net = None
            raise ProtocolError(f"The engine refused this setup: {exc}") from None
        self.epoch = 0
        self.stopped = ""
        self.loss_epochs: list[int] = [0]
        self.train_loss: list[float] = [first[0]]
        self.test_loss: list[float] = [first[1]]
        self.norm_epochs: list[int] = []
        self.norm_history: list[list[float]] = []
        self.sent_upto = 0  # index into the loss lists already sent to the page

    def _ready(self) -> tuple[Config, Data]:
        if self.config is None or self.data is None:
            raise ProtocolError("No setup yet: send a config first")
        return self.config, self.data

    # -- training ----------------------------------------------------------------------------
    def _losses(self) -> tuple[float, float]:
        cfg, data = self._ready()
        train = float(self.net.loss(self.Xn_train, data.y_train, loss=cfg.loss))
        test = (
            float(self.net.loss(self.Xn_test, data.y_test, loss=cfg.loss))
            if len(data.X_test)
            else math.nan
        )
        return train, test

    @property
    def opt_state(self) -> Any:
        """The optimizer's state the next step starts from (fresh before the first fit)."""
        if self.history is None:
            return self.optimizer.init(self.net.params)
        return self.history.optimizer_state

    def train(self, epochs: int, seconds: float | None = None) -> int:
        """Train up to ``epochs`` epochs, or until ``seconds`` have passed; return how many ran.

        One ``net.fit(epochs=...)`` call resumes the last one (optimizer state and shuffling),
        stopped early by a callback when ``seconds`` have passed. Training stops for good (and
        :attr:`stopped` says why) when the loss diverges or the run reaches
        ``limits.max_epochs``.

        The curves start at epoch 0 (the initial network); epoch ``k`` is the loss after ``k``
        epochs of steps, on all the training data and on the test data, without the L2 term.
        The fit records each epoch's loss *before* its step, i.e. the loss after the epochs
        before it: so the test curve is the fit's validation loss shifted by one, and so is the
        training curve for full-batch training without L2. (With mini-batches the fit records
        the mean of the batch costs while the weights move, and with L2 it adds the penalty;
        then a callback measures the training loss after each epoch, as the curve shows it.)
        The loss after the last epoch is measured once the fit returns.
        """
        cfg, data = self._ready()
        if self.net is None or self.stopped:
            return 0
        epochs = min(epochs, self.limits.max_epochs - self.epoch)
        n = len(self.Xn_train)
        full_batch = not 0 < cfg.batch < n
        exact = full_batch and cfg.l2 == 0  # the fit's loss is the curve's
        watch = _Watch(
            None if seconds is None else time.perf_counter() + seconds,
            None
            if exact
            else (lambda: float(self.net.loss(self.Xn_train, data.y_train, cfg.loss))),
        )
        test = (self.Xn_test, data.y_test) if len(data.X_test) else None
        # a diverging run is reported in the page's notes, not warned about: warn=False, as
        # the process-wide warning filters are not safe to change from the server's threads
        with np.errstate(all="ignore"):
            hist = self.net.fit(
                self.Xn_train,
                data.y_train,
                loss=cfg.loss,
                optimizer=self.optimizer,
                epochs=epochs,
                batch_size=None if full_batch else cfg.batch,
                validation=test,
                l2=cfg.l2,
                callbacks=(watch,) if watch.deadline is not None or not exact else (),
                stats_every=None,
                resume=self.history,
                warn=False,
            )
            last_train, last_test = self._losses()
        self.history = hist
        done = hist.epochs_run
        # point j of this fit's records is the loss after self.epoch + j epochs; j = 0 is on the
        # curve already
        before = hist.loss[1:] if exact else watch.after[: done - 1]
        tests = hist.val_loss[1:] if hist.val_loss is not None else [math.nan] * (done - 1)
        self.loss_epochs.extend(range(self.epoch + 1, self.epoch + done + 1))
        self.train_loss.extend([*map(float, before), last_train])
        self.test_loss.extend([*map(float, tests), last_test])
        self.epoch += done
        if hist.diverged or not np.isfinite(self.train_loss[-done:]).all():
            self.stopped = "diverged"
        elif self.epoch >= self.limits.max_epochs:
            self.stopped = "max_epochs"
        return done

    # -- what the page sees ------------------------------------------------------------------
    def data_message(self) -> dict[str, Any]:
        """The ``ready`` message: the setup as understood and the points to draw."""
        cfg, data = self._ready()
        return {
            "type": "ready",
            "config": cfg.to_dict(),
            "kind": data.kind,
            "columns": data.columns,
            "extent": list(data.extent),
            "n_outputs": int(data.y_train.shape[1]),
            "train": self._points(data.X_train, data.y_train, data.kind),
            "test": self._points(data.X_test, data.y_test, data.kind),
            "note": data.note,
            "classes": list(self.table.classes) if cfg.dataset == "csv" and self.table else [],
            "y_range": [float(data.y_train.min()), float(data.y_train.max())],
            "sizes": [int(data.X_train.shape[1]), *cfg.layers, int(data.y_train.shape[1])],
        }

    @staticmethod
    def _points(X: np.ndarray, y: np.ndarray, kind: str) -> dict[str, list[float]]:
        label = np.argmax(y, axis=1) if kind == "multiclass" else y[:, 0]
        return {"x": _round(X[:, 0], 5), "y": _round(X[:, 1], 5), "label": _round(label, 5)}

    def layer_stats(self) -> dict[str, Any]:
        """The engine's per-layer statistics (:func:`glassnet.training.layer_stats`) of one
        full-batch pass over the training data, as the page shows them.

        Returns
        -------
        dict
            ``grad_norm``: ``||dC/dW^(l)||_F`` for l = 1..L (without the L2 term);
            ``weight_norm``: ``||W^(l)||_F``; ``update_ratio``: ``||step W^(l)|| / ||W^(l)||``
            for the optimizer's next full-batch step; per hidden layer, ``saturated``: the
            fraction of unit-point pairs where the activation is flat, ``|f'(z)| < 0.01
            max|f'|`` (for sigmoid, tanh, softplus, elu, gelu, silu, else None) and ``dead``:
            how many ReLU units output 0 for every training point (None for other activations);
            ``grads``: the gradients themselves.
        """
        cfg, data = self._ready()
        fwd = self.net.forward(self.Xn_train)
        grads, _ = self.net.backward(fwd, data.y_train, loss=cfg.loss)
        steps, _ = self.optimizer.update(grads, self.opt_state, self.net.params)
        stats = layer_stats(self.net, fwd, grads, steps)
        hidden = list(
            zip(cfg.act, cfg.layers, stats["saturated"][:-1], stats["dead_relu"][:-1], strict=True)
        )
        return {
            "grad_norm": stats["grad_norm"].tolist(),
            "weight_norm": stats["weight_norm"].tolist(),
            "update_ratio": stats["update_ratio"].tolist(),
            "saturated": [float(s) if a in SATURATING else None for a, _, s, _ in hidden],
            "dead": [round(d * u) if a == "relu" else None for a, u, _, d in hidden],
            "grads": grads,
        }

    def notes(self, stats: dict[str, Any]) -> list[dict[str, str]]:
        """Plain-language notes on trouble seen in the run so far."""
        cfg, _ = self._ready()
        out: list[dict[str, str]] = []
        loss = np.asarray(self.train_loss)
        if self.stopped == "diverged":
            first = self.loss_epochs[int(np.argmax(~np.isfinite(loss)))]
            out.append(
                {
                    "kind": "diverged",
                    "text": f"The loss blew up (became infinite or NaN) at epoch {first}: "
                    f"the learning rate {cfg.lr:g} is far too high. Lower it and reset.",
                }
            )
            return out
        if len(loss) >= 41:  # medians of 20-epoch windows: robust to mini-batch noise
            last = float(np.median(loss[-20:]))
            prev = float(np.median(loss[-40:-20]))
            best = float(np.min(loss))
            if last > 1.5 * prev and last > 2.0 * best:
                out.append(
                    {
                        "kind": "rising",
                        "text": f"The training loss is rising ({prev:.3g} → {last:.3g} over the "
                        f"last 40 epochs): the learning rate {cfg.lr:g} is probably too high, "
                        "so the steps overshoot the minimum. Try a smaller one.",
                    }
                )
        test = np.asarray(self.test_loss)
        chunks = (len(test) - 1) // 20  # medians of 20-epoch chunks: robust to single dips
        if chunks >= 3 and np.isfinite(test).all():
            t_med = np.median(test[-chunks * 20 :].reshape(chunks, 20), axis=1)
            l_med = np.median(loss[-chunks * 20 :].reshape(chunks, 20), axis=1)
            best = int(np.argmin(t_med))
            t_best, t_now = float(t_med[best]), float(t_med[-1])
            if t_now > 1.25 * t_best + 0.005 and l_med[-1] < 0.9 * l_med[best]:
                out.append(
                    {
                        "kind": "overfitting",
                        "text": f"The test loss is rising ({t_best:.3g} at best, {t_now:.3g} now) "
                        "while the training loss keeps falling: the network is overfitting. "
                        "Try L2, fewer units or more data.",
                    }
                )
        # a trained classifier saturates on purpose (confident outputs): warn only while it
        # still gets training points wrong, or for a regression
        acc = self.accuracy(self.Xn_train, self.data.y_train) if self.data else None
        learning = acc is None or acc < 0.97
        for i, (act, frac) in enumerate(zip(cfg.act, stats["saturated"], strict=True)):
            if learning and frac is not None and frac > 0.3:
                ends = {"tanh": "±1", "sigmoid": "0 or 1"}.get(act, "its flat end")
                out.append(
                    {
                        "kind": "saturated",
                        "text": f"Hidden layer {i + 1}: {frac:.0%} of its {act} outputs sit near "
                        f"{ends} (saturated), where f'(z) ≈ 0, so little gradient flows "
                        "through. Try a smaller learning rate, smaller initial weights "
                        "(xavier) or relu.",
                    }
                )
        for i, (units, d) in enumerate(zip(cfg.layers, stats["dead"], strict=True)):
            if d:
                out.append(
                    {
                        "kind": "dead_relu",
                        "text": f"Hidden layer {i + 1}: {d} of {units} ReLU units are dead (output "
                        "0 for every training point), so they no longer learn. Try leaky_relu, "
                        "a smaller learning rate or he initialization.",
                    }
                )
        norms = stats["grad_norm"]
        if len(norms) >= 3 and norms[-1] > 1e-8 and loss[-1] > 1e-3:
            ratio = norms[0] / norms[-1]
            if ratio < 0.05:
                out.append(
                    {
                        "kind": "vanishing",
                        "text": f"Gradients vanish toward the input: layer 1's gradient is "
                        f"{ratio:.1e} times the output layer's, so the early layers barely learn. "
                        + (
                            "Try tanh or relu instead of sigmoid, fewer layers, or xavier/he init."
                            if "sigmoid" in cfg.act
                            else "Saturated or dead units pass no gradient: try a smaller "
                            "learning rate, fewer layers, or xavier/he init."
                        ),
                    }
                )
        return out

    def accuracy(self, Xn: np.ndarray, y: np.ndarray) -> float | None:
        """Fraction of points classified right (None for a regression or no points)."""
        _, data = self._ready()
        if data.kind == "regression" or len(Xn) == 0:
            return None
        p = np.asarray(self.net.predict(Xn))
        if data.kind == "multiclass":
            return float(np.mean(np.argmax(p, axis=1) == np.argmax(y, axis=1)))
        return float(np.mean((p[:, 0] > 0.5) == (y[:, 0] > 0.5)))

    def frame(self) -> dict[str, Any]:
        """A snapshot for the page: new loss points, pictures, weights, gradients, notes."""
        with np.errstate(all="ignore"):
            return self._frame()

    def _frame(self) -> dict[str, Any]:
        cfg, data = self._ready()
        lim = self.limits
        acts = plane_activations(self.net, data.extent, lim.grid, data.fill, data.transform)
        out = acts[-1]
        boundary: dict[str, Any] = {"res": lim.grid, "kind": data.kind}
        if data.kind == "multiclass":
            boundary["cls"] = _b64(np.argmax(out, axis=2))
            boundary["data"] = _b64(_u8(np.max(out, axis=2), 0.0, 1.0))
            boundary["lo"], boundary["hi"] = 0.0, 1.0
        elif data.kind == "regression":
            lo, hi = float(data.y_train.min()), float(data.y_train.max())
            boundary["data"] = _b64(_u8(out[:, :, 0], lo, hi))
            boundary["lo"], boundary["hi"] = lo, hi
        else:
            boundary["data"] = _b64(_u8(out[:, :, 0], 0.0, 1.0))
            boundary["lo"], boundary["hi"] = 0.0, 1.0
        unit_acts = plane_activations(
            self.net, data.extent, lim.unit_grid, data.fill, data.transform
        )[:-1]
        units = []
        for act, a in zip(cfg.act, unit_acts, strict=True):
            maps = []
            for j in range(a.shape[2]):
                m = np.nan_to_num(a[:, :, j])
                if act in BOUNDED:
                    lo, hi = BOUNDED[act]
                    mid = (lo + hi) / 2
                else:
                    lo = min(0.0, float(m.min()))
                    hi = max(float(m.max()), lo + 1e-9)
                    mid = 0.0
                maps.append({"data": _b64(_u8(m, lo, hi)), "lo": lo, "hi": hi, "mid": mid})
            units.append(maps)
        stats = self.layer_stats()
        self.norm_epochs.append(self.epoch)
        self.norm_history.append(stats["grad_norm"])
        # loss points not sent yet, thinned to at most MAX_LOSS_POINTS (the last one always kept)
        new = range(self.sent_upto, len(self.loss_epochs))
        stride = max(1, math.ceil(len(new) / MAX_LOSS_POINTS))
        picked = list(new)[::-1][::stride][::-1]
        self.sent_upto = len(self.loss_epochs)

        def finite_or_none(v: float) -> float | None:
            return float(f"{v:.5g}") if _finite(v) else None

        weights = []
        grads = []
        for p, g in zip(self.net.params, stats["grads"], strict=True):
            weights.append({"W": _matrix(p["W"]), "b": _round(p["b"]) if "b" in p else None})
            grads.append({"W": _matrix(g["W"]), "b": _round(g["b"]) if "b" in g else None})
        return {
            "type": "frame",
            "epoch": self.epoch,
            "loss": {
                "epochs": [self.loss_epochs[i] for i in picked],
                "train": [finite_or_none(self.train_loss[i]) for i in picked],
                "test": [finite_or_none(self.test_loss[i]) for i in picked],
            },
            "train_loss": finite_or_none(self.train_loss[-1]),
            "test_loss": finite_or_none(self.test_loss[-1]),
            "accuracy": {
                "train": self.accuracy(self.Xn_train, data.y_train),
                "test": self.accuracy(self.Xn_test, data.y_test),
            },
            "boundary": boundary,
            "unit_res": lim.unit_grid,
            "units": units,
            "weights": weights,
            "grads": grads,
            "grad_norm": [finite_or_none(v) for v in stats["grad_norm"]],
            "saturated": stats["saturated"],
            "dead": stats["dead"],
            "notes": self.notes(stats),
            "stopped": self.stopped,
        }
