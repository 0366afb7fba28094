"""The classifier workload's run is chaotic: the NumPy and ``jax`` loss curves of one seed.

``python bench/classifier_chaos.py`` fits the classifier workload's network (40-100-100-10
relu/softmax, Adam lr 0.01, batch 100) on its data for 60 epochs with each backend, seed 1, in
float64, and prints the relative difference of the two loss curves every 5 epochs and the
curves every 10: equal to the last bits at first, then apart by a factor of about a thousand
every 5 epochs. Why the workload's accuracy target moves by points between runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import numpy as np

    import glassnet as gn
    from bench.workloads.classifier import BATCH, LR, SIZES, load

    Xtr, _, ytr, _ = load()
    Ytr = np.eye(SIZES[-1])[ytr]
    curves = []
    for backend in ("numpy", "jax"):
        net = gn.Network(SIZES, activation="relu", output="softmax", init="he", seed=1)
        h = net.fit(Xtr, Ytr, loss="cross_entropy", optimizer="adam", lr=LR, epochs=60,
                    batch_size=BATCH, backend=backend)  # fmt: skip
        curves.append(np.asarray(h.loss))
    rel = np.abs(curves[0] - curves[1]) / curves[0]
    print("epoch  " + "  ".join(f"{e:7d}" for e in range(0, 60, 5)))
    print("|diff| " + "  ".join(f"{r:7.1e}" for r in rel[::5]))
    for name, c in zip(("numpy", "jax"), curves, strict=True):
        print(f"{name:6s} loss every 10 epochs: " + " ".join(f"{v:.4f}" for v in c[::10]))


if __name__ == "__main__":
    main()
