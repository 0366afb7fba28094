"""startup: the first fit of a new process, its program compiled before (issue 25).

Every CLI call, study worker and notebook restart is a new process. Each round starts a child
Python that imports JAX and glassnet (not timed) and then times its first
``fit(..., backend="jax")``: the paper's 3-2-1 network, 2000 epochs, float64 (the tiny
workload's fit), and the digits 64-128-10 network of the digits workload (Adam, batch 32, 20
epochs). With the program cache on, one untimed child first compiles the program into a fresh
cache directory, and every timed child finds it there (``GLASSNET_JAX_CACHE``); with the cache
off (``GLASSNET_JAX_CACHE=off``) every child compiles. The table's time is the first fit as the
child measured it; the child's start and imports are outside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from bench.harness import REPO, Peer, glassnet_jax_or_reason, measure

CHILD = """
import json, sys, time
import jax  # JAX imported, as the issue states; its backend starts in the fit
import numpy as np
import glassnet as gn
which = sys.argv[1]
if which == "tiny":
    X, y = gn.datasets.load("paper")
    net = gn.Network([3, 2, 1], activation="sigmoid", output="sigmoid", seed=0)
    kw = dict(loss="mse", optimizer="gd", lr=0.5, epochs=2000)
else:
    from bench.workloads.digits import load, one_hot
    X, _, y, _ = load()
    y = one_hot(y)
    net = gn.Network([64, 128, 10], activation="relu", output="softmax", init="he", seed=0)
    kw = dict(loss="cross_entropy", optimizer="adam", lr=1e-3, batch_size=32, epochs=20)
t0 = time.perf_counter()
h = net.fit(X, y, backend="jax", **kw)
t = time.perf_counter() - t0
print(json.dumps({"first_fit_s": t, "compile_s": h.compile_seconds, "run_s": h.run_seconds,
                  "final_loss": float(h.loss[-1])}))
"""


def child(which: str, cache: str) -> dict[str, Any]:
    env = {**os.environ, "GLASSNET_JAX_CACHE": cache}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, which],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr.strip().splitlines() or ["child failed"])[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peers(cache_dir: str) -> list[Peer]:
    gj, reason = glassnet_jax_or_reason()
    out = []
    for which, title in (("tiny", "paper's 3-2-1, 2000 epochs"), ("digits", "digits, 20 epochs")):
        for cached in (True, False):

            def prepare(rnd: int, which: str = which, cached: bool = cached):
                cache = os.path.join(cache_dir, which) if cached else "off"
                if cached and rnd == -1:
                    child(which, cache)  # compiles into the fresh cache: not the warm-up's time

                def timed():
                    return child(which, cache)

                return timed

            out.append(
                Peer(
                    f"new process, first fit: {title}, "
                    + ("program on disk" if cached else "cache off"),
                    prepare if gj is not None else None,
                    reason=reason,
                    dtype="float64",
                    key=f"{which}_{'cached' if cached else 'off'}",
                    note="time = the child's own measure of its first fit (JAX imported before)",
                )
            )
    return out


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import verdict

    r = res["results"].get("tiny_cached")
    value = r.median_s if r is not None and r.status == "ok" else None
    return [
        verdict(
            "startup: a new process's first fit of the paper's net, its program compiled "
            "before, under 0.5 s (JAX imported)",
            value,
            "at_most",
            0.5,
            "not run",
            unit=" s",
        )
    ]


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    reps = repeats or (2 if quick else 5)
    log(f"startup: first fit of a new process, {reps} rounds (a child process each)")
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(peers(tmp), reps, log)
    for r in results.values():  # the child's own measure of its first fit, not its whole life
        if r.status == "ok":
            r.times_s = [m["first_fit_s"] for m in r.metrics]
    return {
        "title": "startup: a new process's first fit with backend='jax' (JAX imported)",
        "params": {"repeats": reps},
        "results": results,
    }
