"""Training one group of a study: the function worker processes (local or Dask) run.

:func:`run_group` is a pure function of its task: it builds one population
(``gn.Network(sizes, ..., seed=[...])``), trains it with one learning rate per member
(``net.fit(..., lr=[...])``) and returns one result per member. A member's numbers depend only on
its own configuration (the engine guarantees that member ``k`` of a population computes exactly
what the single network with that seed would), so a study gives the same numbers however its
runs are grouped, scheduled or resumed.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet._validation import known_keywords
from glassnet.run import TrainConfig
from glassnet.training import Callback

__all__ = ["run_group"]


def _accuracy(net: Any, X: np.ndarray, y: np.ndarray, P: int) -> np.ndarray:
    """Accuracy of each member after training (``gn.metrics.accuracy``), NaN for a member
    whose predictions are not finite (diverged)."""
    from glassnet import metrics

    pred = np.asarray(net.predict(X), dtype=np.float64).reshape(P, X.shape[0], -1)
    acc = np.asarray(metrics.accuracy(pred, np.asarray(y)), dtype=np.float64).reshape(P).copy()
    acc[~np.isfinite(pred).all(axis=(1, 2))] = np.nan
    return acc


class _EpochReport(Callback):
    """Tells ``report(epochs_done, epochs)`` how far the group is, at most every 0.2 s (it
    only reads the epoch number: the numbers trained are the same with or without it)."""

    def __init__(self, report: Callable[[int, int], Any], epochs: int) -> None:
        self.report, self.epochs, self.last = report, epochs, time.perf_counter()

    def on_train_begin(self, net: Any, history: Any) -> None:
        self.report(0, self.epochs)

    def on_epoch_end(self, epoch: int, history: Any, net: Any) -> None:
        now = time.perf_counter()
        if now - self.last >= 0.2:
            self.last = now
            self.report(epoch + 1, self.epochs)


@known_keywords
def run_group(task: dict[str, Any]) -> dict[str, Any]:
    """Train one group of runs as a single population.

    Parameters
    ----------
    task : dict
        ``{"shared": dict, "configs": list of dict, "data": (X, y, X_val, y_val)}``:
        the settings shared by the group, one full configuration per member (member ``k``
        trains with ``configs[k]["seed"]`` and ``configs[k]["lr"]``), and the training data
        ``X (N, n_in)``, ``y (N, n_out)`` with an optional validation split (or None).
        An optional ``"progress"``: a callable ``(epochs_done, epochs)`` told how far the
        training is, at most five times a second.

    Returns
    -------
    dict
        ``{"runs": list of dict, "wall_time": float, "worker": str}``; one dict per member,
        in the order of ``configs``, with ``status`` (``"converged"`` if the loss fell below
        the threshold, ``"diverged"`` if training blew up, else ``"not_converged"``),
        ``epoch_threshold`` (first epoch with loss < threshold, -1 if never),
        ``epoch_paper`` (``convergence.paper_epoch``, -1 if never), ``diverged_epoch``,
        ``epochs_run``, ``final_loss`` (loss after the last step), ``final_accuracy``,
        ``final_val_loss``, ``final_val_accuracy`` (NaN when not applicable; accuracies are NaN
        for diverged members) and
        ``loss_curve`` / ``val_loss_curve`` (float64 arrays, shape (epochs_run,); the loss of
        each epoch's forward pass, before its step), ``grad_norm_init`` and
        ``saturated_init`` (shape (n_layers,), input layer first: the Frobenius norm of each
        layer's weight gradient, and the fraction of saturated units, at epoch 0).
    """
    from glassnet import convergence, metrics
    from glassnet.network import Network
    from glassnet.study.data import fresh_arrays
    from glassnet.study.spec import AXIS_TABLE, resolve_output

    t0 = time.perf_counter()
    shared = task["shared"]
    configs = task["configs"]
    # the same memory layout wherever the group runs (see fresh_arrays): bit-equal rows
    X, y, Xv, yv = fresh_arrays(tuple(task["data"]))
    P = len(configs)
    sizes = [X.shape[1], *shared["hidden"], y.shape[1]]
    # every axis reaches the engine as the axis table says
    network_kw: dict[str, Any] = {}
    fit_kw: dict[str, Any] = {}
    for ax in AXIS_TABLE:
        value = shared.get(ax.name, ax.default)
        if ax.reach == "network":
            network_kw[ax.argument] = value
        elif ax.reach == "fit":
            fit_kw[ax.argument] = value
        elif ax.reach == "member":
            values = [c.get(ax.name, ax.default) for c in configs]
            if ax.argument == "seed":
                network_kw["seed"] = [int(v) for v in values]
            else:
                fit_kw[ax.argument] = [float(v) for v in values]
    network_kw["output"] = resolve_output(shared["output"], shared["activation"])
    fit_kw["epochs"] = int(fit_kw["epochs"])
    fit_kw["l2"] = float(fit_kw["l2"])
    # the group's run as one value: per-layer statistics at epoch 0 (and the last)
    config = TrainConfig(**fit_kw, stats_every=fit_kw["epochs"])
    net = Network(sizes, **network_kw, dtype=shared["dtype"], kernel=shared.get("kernel", "blas"))
    validation = (Xv, yv) if Xv is not None else None
    report = task.get("progress")
    # the compiled backend runs a whole group as one program: a callback would cut it up
    callbacks = (
        [_EpochReport(report, config.epochs)]
        if report is not None and config.backend == "numpy"
        else []
    )
    hist = net.fit(X, y, config=config, validation=validation, callbacks=callbacks)
    loss = np.asarray(hist.loss, dtype=np.float64).reshape(P, -1)
    n_layers = len(sizes) - 1
    grad0 = np.asarray(hist.layer_stats["grad_norm"], np.float64).reshape(P, -1, n_layers)[:, 0]
    sat0 = np.asarray(hist.layer_stats["saturated"], np.float64).reshape(P, -1, n_layers)[:, 0]
    val_loss = (
        None if hist.val_loss is None else np.asarray(hist.val_loss, np.float64).reshape(P, -1)
    )
    diverged = np.asarray(hist.diverged, dtype=bool).reshape(P)
    diverged_epoch = np.asarray(hist.diverged_epoch, dtype=np.int64).reshape(P)
    # A diverged member's curve ends at its divergence, as a single network's training would;
    # how long the rest of its population went on must not show in its numbers.
    n_epochs = np.where(diverged, diverged_epoch + 1, loss.shape[1])
    with np.errstate(all="ignore"):  # inf - inf in the slope of a diverged curve
        thr = convergence.threshold_epoch(loss, shared["threshold"])
        paper = convergence.paper_epoch(loss, **shared["paper"])
    thr = np.asarray(thr, dtype=np.int64).reshape(P)
    paper = np.asarray(paper, dtype=np.int64).reshape(P)

    with np.errstate(all="ignore"):
        final = np.asarray(net.loss(X, y, loss=shared["loss"]), np.float64).reshape(P)
        classification = metrics.is_classification(np.asarray(y))
        acc = _accuracy(net, X, y, P) if classification else np.full(P, np.nan)
        if validation is not None:
            final_val = np.asarray(net.loss(Xv, yv, loss=shared["loss"]), np.float64).reshape(P)
            val_acc = _accuracy(net, Xv, yv, P) if classification else np.full(P, np.nan)
        else:
            final_val = np.full(P, np.nan)
            val_acc = np.full(P, np.nan)
    # a diverged network's accuracy means nothing (its outputs are huge or not numbers)
    acc[diverged] = np.nan
    val_acc[diverged] = np.nan

    runs = []
    for k in range(P):
        status = "diverged" if diverged[k] else ("converged" if thr[k] >= 0 else "not_converged")
        runs.append(
            {
                "status": status,
                "epoch_threshold": int(thr[k]),
                "epoch_paper": int(paper[k]),
                "diverged_epoch": int(diverged_epoch[k]),
                "epochs_run": int(n_epochs[k]),
                "final_loss": float(final[k]),
                "final_accuracy": float(acc[k]),
                "final_val_loss": float(final_val[k]),
                "final_val_accuracy": float(val_acc[k]),
                "loss_curve": np.ascontiguousarray(loss[k, : n_epochs[k]]),
                "val_loss_curve": (
                    None if val_loss is None else np.ascontiguousarray(val_loss[k, : n_epochs[k]])
                ),
                "grad_norm_init": np.ascontiguousarray(grad0[k]),
                "saturated_init": np.ascontiguousarray(sat0[k]),
            }
        )
    return {
        "runs": runs,
        "wall_time": time.perf_counter() - t0,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
