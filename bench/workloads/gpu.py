"""gpu: populations of the paper's 3-2-1 network on a GPU, 10^4 to 10^6 members (issue 25).

The population workload at GPU scale: ``Network([3, 2, 1], sigmoid, seed=list(range(P)))``
trained with full-batch gradient descent (lr 0.5) on the mean squared error by
``fit(..., backend="jax")``, every member's loss kept at every epoch, beside the hand-written
JAX program of the population workload (``jit(lax.scan(vmap(value_and_grad)))``) at the same
size, float32 and float64 (float64 in a local ``jax.enable_x64`` context). Reported as members x
epochs per second, at 10^4 and 10^5 members x 1000 epochs and 10^6 members x 100 epochs
(``stats_every=None`` at 10^6: the layer statistics of a million members would be 4 GB of
History), and the largest population that fits: the device memory that one member's program
needs (XLA's memory analysis of the 10^4-member program, per member) against the device's
memory, capped by ``glassnet._validation.MAX_POPULATION``.

It runs where ``jax.default_backend() == "gpu"`` (JAX's CUDA build installed:
``pip install 'jax[cuda12]'``) and is skipped elsewhere, with what it would need. ``python -m
bench`` runs it in a child process that sees JAX's platforms as the user set them (the CPU
workloads pin JAX to the CPU), so it needs no option. ``GLASSNET_BENCH_GPU_ON_CPU=1`` runs it on
the CPU anyway, at 10^3 and 10^4 members, to check its code on a machine without a GPU.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench.harness import Peer, glassnet_jax_or_reason, jax_metrics, measure, optional
from bench.workloads.population import LR, hand_jax
from bench.workloads.tiny import SIZES, X, Y

ON_CPU_ENV = "GLASSNET_BENCH_GPU_ON_CPU"

SIZES_GPU = ((10_000, 1000), (100_000, 1000), (1_000_000, 100))
SIZES_CPU_CHECK = ((1_000, 100), (10_000, 20))


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


def needs(sizes: tuple[tuple[int, int], ...]) -> str:
    """What the workload needs, in words, with the memory its largest size takes."""
    P, epochs = sizes[-1]
    curves = P * epochs * 4  # float32 loss curves, on the device and again on the host
    params = P * 9 * 4 * 4  # parameters, gradients, steps and a copy, float32
    return (
        "an NVIDIA GPU that JAX sees (JAX's CUDA build: pip install 'jax[cuda12]'; "
        "jax.default_backend() == 'gpu'); its largest size, "
        f"{P:,} members x {epochs} epochs, keeps {curves / 2**30:.1f} GiB of float32 loss "
        f"curves (twice that in float64) and {params / 2**20:.0f} MiB of parameters and "
        "their work arrays on the device, the curves again in host memory"
    )


_nets: dict[tuple[int, str], Any] = {}


def _network(gj: Any, P: int, dtype: str) -> Any:
    # a million members take a minute to draw: drawn once, copied for every round
    if (P, dtype) not in _nets:
        _nets[(P, dtype)] = gj.Network(
            SIZES, activation="sigmoid", output="sigmoid", seed=list(range(P)), dtype=dtype
        )
    return _nets[(P, dtype)].copy()


def peers(sizes: tuple[tuple[int, int], ...]) -> list[Peer]:
    gj, gj_reason = glassnet_jax_or_reason()
    jax, _ = optional("jax")
    out: list[Peer] = []

    def prep_gj(P: int, epochs: int, dtype: str):
        stats = None if P >= 1_000_000 else "auto"

        def prep(rnd: int):
            net = _network(gj, P, dtype)

            def timed():
                hist = net.fit(
                    X,
                    Y,
                    loss="mse",
                    optimizer="gd",
                    lr=LR,
                    epochs=epochs,
                    backend="jax",
                    stats_every=stats,
                )
                loss = np.asarray(hist.loss)
                return {"median_final_loss": float(np.median(loss[:, -1])), **jax_metrics(hist)}

            return timed

        return prep

    for P, epochs in sizes:
        for dtype, suffix in (("float32", "_f32"), ("float64", "")):
            out.append(
                Peer(
                    f"glassnet population of {P:,} x {epochs} epochs, backend='jax'",
                    prep_gj(P, epochs, dtype) if gj is not None else None,
                    reason=gj_reason,
                    dtype=dtype,
                    key=f"glassnet_jax{suffix}_{P}",
                    note="fit(mse, gd, lr=0.5, backend='jax'), layout 'auto'"
                    + (", stats_every=None" if P >= 1_000_000 else ", History default")
                    + "; timed warm (the warm-up call compiles)",
                )
            )
            out.append(
                Peer(
                    f"JAX jit(scan(vmap(value_and_grad))), {P:,} x {epochs} epochs",
                    hand_jax(jax, P, epochs, dtype) if jax is not None else None,
                    reason="jax not installed",
                    dtype=dtype,
                    key=f"jax{suffix}_{P}",
                    note="the population workload's hand-written program at this size",
                )
            )
    return out


def largest(gj: Any, sizes: tuple[tuple[int, int], ...]) -> dict[str, Any]:
    """The largest population of the last size's epochs that fits the device's memory."""
    import jax

    from glassnet import compiled
    from glassnet._validation import MAX_POPULATION

    P0, epochs = 10_000, sizes[-1][1]
    net = _network(gj, P0, "float32")
    before = set(compiled._cache)
    net.fit(X, Y, loss="mse", lr=LR, epochs=epochs, backend="jax", stats_every=None)
    program = next(compiled._cache[k] for k in compiled._cache if k not in before).executable
    mem = program.memory_analysis()
    used = mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes
    per_member = used / P0
    stats = jax.devices()[0].memory_stats() or {}
    limit = stats.get("bytes_limit")
    fits = int(0.9 * limit / per_member) if limit else None
    return {
        "bytes_per_member": per_member,
        "device_bytes_limit": limit,
        "members_that_fit": fits,
        "max_population": MAX_POPULATION,
        "largest_run": None if fits is None else min(fits, MAX_POPULATION),
        "epochs": epochs,
    }


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    return []  # issue 25 asks for the throughput, reported in the table; no ratio is set


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    ok, why, found = device()
    on_cpu = ok and found.get("default_backend") != "gpu"
    sizes = SIZES_CPU_CHECK if on_cpu or (ok and quick) else SIZES_GPU
    reps = repeats or (2 if quick else 3)
    title = (
        "gpu: populations of the paper's network, "
        + ", ".join(f"{P:,} x {e}" for P, e in sizes)
        + " (members x epochs), backend='jax'"
    )
    doc: dict[str, Any] = {
        "title": title,
        "params": {"sizes": sizes, "repeats": reps, "lr": LR},
        "jax": found,
        "needs": needs(SIZES_GPU),
    }
    if not ok:
        log(f"gpu: skipped ({why}); it needs {doc['needs']}")
        return {**doc, "skipped": f"{why}; it needs {doc['needs']}", "results": {}}
    log(f"gpu: {sizes} on {found.get('devices')}, {reps} rounds")
    results = measure(peers(sizes), reps, log)
    for key, r in results.items():
        P, epochs = next((P, e) for P, e in sizes if key.endswith(f"_{P}"))
        for m, t in zip(r.metrics, r.times_s, strict=True):
            m["member_epochs_per_s"] = P * epochs / t
    gj, _ = glassnet_jax_or_reason()
    try:
        doc["largest"] = largest(gj, sizes)
    except Exception as exc:  # the estimate is a help, not a condition of the workload
        doc["largest"] = {"error": f"{type(exc).__name__}: {exc}"}
    log(f"   largest population: {doc['largest']}")
    return {**doc, "results": results}
