"""Where the 10^4 x 200 float64 lanes target's margin goes: one population on one core, or two.

``python bench/lanes_threads.py`` times, alternating in one process for ``--rounds`` rounds:
glassnet's ``fit(..., backend="jax")`` of 10^4 members of the paper's network for 200 epochs
(the lanes layout, its blocks run one after another in one XLA program), the same members as
two populations of 5000 fitted at once in two Python threads (JAX runs each program without the
GIL), and the hand-written ``jit(scan(vmap(value_and_grad)))`` of ``bench.workloads.population``,
whose 10^4-wide operations XLA may spread over the cores. Prints the medians and the ratios.
With ``threads=1`` forced for the first (one core), and the same population split over two
threads by glassnet itself (``configure(threads=2)``), as ``threads="auto"`` does here.
Not a target of its own: a measurement behind the benchmark README's notes on the float64 row.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = parser.parse_args()

    import jax
    import numpy as np

    import glassnet as gn
    from bench.workloads.population import LR, SIZES, X, Y, hand_jax
    from glassnet import compiled

    compiled.configure(cache_dir=False, threads=1)
    P, E = 10_000, 200

    def net(seeds: range) -> gn.Network:
        return gn.Network(SIZES, activation="sigmoid", output="sigmoid", seed=list(seeds),
                          dtype=args.dtype)  # fmt: skip

    def fit(n: gn.Network) -> None:
        n.fit(X, Y, loss="mse", optimizer="gd", lr=LR, epochs=E, backend="jax")

    whole = net(range(P))
    whole2 = whole.copy()
    halves = [net(range(0, P // 2)), net(range(P // 2, P))]

    def two_threads() -> None:
        threads = [threading.Thread(target=fit, args=(h,)) for h in halves]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    hand = hand_jax(jax, P, E, args.dtype)(0)

    def split() -> None:
        with compiled.configure(threads=2):
            fit(whole2)

    peers = {
        "one population of 10^4": lambda: fit(whole),
        "split over two threads": split,
        "two of 5000, two threads": two_threads,
        "hand-written vmap program": hand,
    }
    for run in peers.values():  # compile, and warm up
        run()
    times: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(args.rounds):
        for name, run in peers.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    med = {name: float(np.median(v)) for name, v in times.items()}
    for name, m in med.items():
        print(f"{name:28s} {args.dtype}  median {m * 1e3:7.1f} ms  "
              f"hand-written / this {med['hand-written vmap program'] / m:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
