"""Where splitting a population over threads pays: whole ``fit(..., backend="jax")`` calls with
``configure(threads=1)`` and ``threads=2`` alternating in one process.

``python bench/threads_split.py [--rounds 7] [--dtype float64]`` prints, for each case (layout,
members, network, epochs, batch), the median time with one thread and the median of the
per-round ratios (one thread's time / two threads'). The cases behind
``glassnet.compiled.THREADS_MIN_MEMBERS`` (the lanes: the paper's network from 64 to 4096
members) and ``THREADS_MIN_MEMBERS_BATCHED`` (the members layout: wider networks, and the
paper's network forced into it). Not a target: the measurement behind those two constants.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = [
    # layout, members, sizes, epochs, rows, batch
    ("lanes", 64, [3, 2, 1], 2000, 4, None),
    ("lanes", 128, [3, 2, 1], 2000, 4, None),
    ("lanes", 256, [3, 2, 1], 1000, 4, None),
    ("lanes", 1024, [3, 2, 1], 500, 4, None),
    ("lanes", 4096, [3, 2, 1], 200, 4, None),
    ("members", 1000, [3, 2, 1], 1000, 4, None),
    ("members", 64, [3, 32, 1], 300, 4, None),
    ("members", 256, [3, 32, 1], 300, 4, None),
    ("members", 16, [64, 128, 10], 5, 1347, 32),
    ("members", 64, [8, 64, 64, 1], 50, 200, None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = parser.parse_args()

    import numpy as np

    import glassnet as gn
    from glassnet import compiled

    compiled.configure(cache_dir=False)
    rng = np.random.default_rng(0)
    for layout, P, sizes, epochs, rows, batch in CASES:
        X = rng.normal(size=(rows, sizes[0]))
        y = rng.uniform(0.1, 0.9, size=(rows, sizes[-1]))
        base = gn.Network(sizes, activation="tanh", output="sigmoid", seed=list(range(P)),
                          dtype=args.dtype)  # fmt: skip

        def fit(threads: int, base=base, layout=layout, X=X, y=y, epochs=epochs, batch=batch):
            net = base.copy()
            with compiled.configure(layout=layout, threads=threads):
                start = time.perf_counter()
                net.fit(X, y, loss="mse", lr=0.1, epochs=epochs, batch_size=batch, backend="jax")
                return time.perf_counter() - start

        fit(1), fit(2)  # compile both
        one, ratios = [], []
        for _ in range(args.rounds):
            a, b = fit(1), fit(2)
            one.append(a)
            ratios.append(a / b)
        print(f"{layout:8s} {P:5d} x {sizes!s:15s} {epochs:5d} epochs, batch {batch}: "
              f"one thread {np.median(one) * 1e3:8.1f} ms, one / two threads "
              f"{np.median(ratios):.2f}x", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
