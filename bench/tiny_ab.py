"""The tiny workload's NumPy target in one quiet process: ``python bench/tiny_ab.py [ROUNDS]``.

``--parts`` times instead what the default History costs: the same fit with
``stats_every=None`` (no layer statistics), ``divergence="none"`` (no divergence rule) and both,
interleaved with the default fit (15 rounds, medians).

glassnet's NumPy ``fit`` of the paper's 3-2-1 network (2000 epochs, its default History) and the
clean hand-written loop (``bench.workloads.tiny.numpy_train``), alternated ROUNDS times (21 by
default) in one process with nothing else in it, then one ``training.step`` under ``timeit``
(best of 5 x 20000). It prints the medians, the fastest rounds and their ratios.

glassnet is imported from the current directory first, so the same script compares two
checkouts side by side::

    git worktree add ../base 3bb126b
    (cd ../base && python ../glassnet/bench/tiny_ab.py)   # the code before a change
    python bench/tiny_ab.py                                # the code after it

``python -m bench --only tiny`` is the benchmark of record; this script only removes the other
peers (PyTorch, JAX, scikit-learn) from the process and the rounds, to see a small change.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path[:0] = [os.getcwd(), str(Path(__file__).resolve().parent.parent)]

import numpy as np  # noqa: E402

import glassnet as gn  # noqa: E402
from bench.workloads import tiny  # noqa: E402
from glassnet import training  # noqa: E402

EPOCHS = 2000


def _fit(**settings: object) -> float:
    net = gn.Network(tiny.SIZES, activation="sigmoid", output="sigmoid", seed=0)
    t0 = time.perf_counter()
    net.fit(tiny.X, tiny.Y, loss="mse", optimizer="gd", lr=tiny.LR, epochs=EPOCHS, **settings)
    return time.perf_counter() - t0


def parts(rounds: int = 15) -> None:
    cases: dict[str, dict[str, object]] = {
        "default": {},
        "stats_every=None": {"stats_every": None},
        'divergence="none"': {"divergence": "none"},
        "both": {"stats_every": None, "divergence": "none"},
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for settings in cases.values():
        _fit(**settings)
    for _ in range(rounds):
        for name, settings in cases.items():
            times[name].append(_fit(**settings))
    print(", ".join(f"{n} {statistics.median(t) * 1e3:.1f} ms" for n, t in times.items()))


def _clean() -> float:
    (W1, b1), (W2, b2) = tiny.initial_params(0)
    t0 = time.perf_counter()
    tiny.numpy_train(W1, b1, W2, b2, EPOCHS)
    return time.perf_counter() - t0


def _step_us() -> float:
    net = gn.Network(tiny.SIZES, activation="sigmoid", output="sigmoid", seed=0)
    cfg = gn.TrainConfig(loss="mse", optimizer="gd", lr=tiny.LR, epochs=EPOCHS)
    plan = training.plan(net, tiny.X, tiny.Y, cfg)
    state = plan.optimizer.init(net.params)

    def one() -> None:
        training.step(net, plan, net.params, state, plan.X, plan.y, None, None)

    with np.errstate(all="ignore"):
        return min(timeit.repeat(one, number=20000, repeat=5)) / 20000 * 1e6


def main(rounds: int = 21) -> None:
    _fit(), _clean()  # warm up
    fits, cleans = [], []
    for _ in range(rounds):
        fits.append(_fit())
        cleans.append(_clean())
    mf, mc = statistics.median(fits), statistics.median(cleans)
    print(f"glassnet from {Path(gn.__file__).parent}")
    print(
        f"fit {mf * 1e3:.1f} ms (fastest {min(fits) * 1e3:.1f}), clean loop {mc * 1e3:.1f} ms "
        f"(fastest {min(cleans) * 1e3:.1f}): {mf / mc:.3f}x of medians, "
        f"{min(fits) / min(cleans):.3f}x of the fastest; training.step {_step_us():.1f} us"
    )


if __name__ == "__main__":
    if "--parts" in sys.argv[1:]:
        parts()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
