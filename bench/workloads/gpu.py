"""gpu: 100,000 of the paper's 3-2-1 networks x 1000 epochs as one population, on a GPU.

The population workload at GPU scale: ``Network([3, 2, 1], sigmoid, seed=list(range(P)))``
trained with full-batch gradient descent (lr 0.5) on the mean squared error by
``fit(..., backend="jax")``, every member's loss kept at every epoch, beside the hand-written
JAX program of the population workload (``jit(lax.scan(vmap(value_and_grad)))``) at the same
size. Reported as members x epochs per second. float32 and float64 rows (float64 in a local
``jax.enable_x64`` context), each compared with its own dtype.

It runs where ``jax.default_backend() == "gpu"`` (JAX's CUDA build installed:
``pip install 'jax[cuda12]'``) and is skipped with the reason elsewhere. ``python -m bench``
runs it in a child process that sees JAX's platforms as the user set them (the CPU workloads
pin JAX to the CPU), so it needs no option. ``GLASSNET_BENCH_GPU_ON_CPU=1`` runs it on the CPU
anyway, to check its code on a machine without a GPU (the numbers are then CPU numbers).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench.harness import Peer, glassnet_jax_or_reason, jax_metrics, measure, optional
from bench.workloads.population import LR, hand_jax
from bench.workloads.tiny import SIZES, X, Y

ON_CPU_ENV = "GLASSNET_BENCH_GPU_ON_CPU"


def device() -> tuple[bool, str, dict[str, Any]]:
    """``(runnable, why not, JAX's backend and devices)``."""
    jax, reason = optional("jax")
    if jax is None:
        return False, reason, {}
    try:
        backend = jax.default_backend()
        found = {"default_backend": backend, "devices": [str(d) for d in jax.devices()]}
    except Exception as exc:  # a broken CUDA install: say so, do not crash the suite
        return False, f"JAX could not start: {type(exc).__name__}: {exc}", {}
    if backend == "gpu":
        return True, "", found
    if os.environ.get(ON_CPU_ENV) == "1":
        return True, "", {**found, "forced_on_cpu": True}
    return False, f"no GPU: jax.default_backend() is {backend!r}", found


def peers(P: int, epochs: int) -> list[Peer]:
    gj, gj_reason = glassnet_jax_or_reason()
    jax, _ = optional("jax")
    out: list[Peer] = []

    def prep_gj(dtype: str):
        def prep(rnd: int):
            net = gj.Network(
                SIZES, activation="sigmoid", output="sigmoid", seed=list(range(P)), dtype=dtype
            )

            def timed():
                hist = net.fit(
                    X, Y, loss="mse", optimizer="gd", lr=LR, epochs=epochs, backend="jax"
                )
                loss = np.asarray(hist.loss)
                return {"median_final_loss": float(np.median(loss[:, -1])), **jax_metrics(hist)}

            return timed

        return prep

    for dtype, key, hand_key in (
        ("float32", "glassnet_jax_f32", "jax"),
        ("float64", "glassnet_jax", "jax_f64"),
    ):
        out.append(
            Peer(
                f"glassnet population of {P}, backend='jax'",
                prep_gj(dtype) if gj is not None else None,
                reason=gj_reason,
                dtype=dtype,
                key=key,
                note=f"fit(mse, gd, lr=0.5, backend='jax'), dtype={dtype!r}, History default; "
                "timed warm (the warm-up call compiles)",
            )
        )
        out.append(
            Peer(
                "JAX jit(scan(vmap(value_and_grad)))",
                hand_jax(jax, P, epochs, dtype) if jax is not None else None,
                reason="jax not installed",
                dtype=dtype,
                key=hand_key,
                note="the population workload's hand-written program at this size",
            )
        )
    return out


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    return []  # issue 12 sets no GPU target: the workload reports throughput


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    P, epochs = (10_000, 100) if quick else (100_000, 1000)
    reps = repeats or (2 if quick else 3)
    title = f"gpu: {P} paper networks x {epochs} epochs as one population, backend='jax'"
    doc: dict[str, Any] = {
        "title": title,
        "params": {"P": P, "epochs": epochs, "repeats": reps, "lr": LR},
        "unit": ("ns/member-epoch", 1e9 / (P * epochs)),
        "jax_rows": {"float64": "glassnet_jax", "float32": "glassnet_jax_f32"},
    }
    ok, why, found = device()
    doc["jax"] = found
    if not ok:
        return {**doc, "skipped": why, "results": {}}
    log(f"gpu: {P} members x {epochs} epochs on {found.get('devices')}, {reps} rounds")
    results = measure(peers(P, epochs), reps, log)
    for r in results.values():
        for m, t in zip(r.metrics, r.times_s, strict=True):
            m["member_epochs_per_s"] = P * epochs / t
    return {**doc, "results": results}
