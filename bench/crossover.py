"""Where the members-on-lanes layout stops paying: ``python -m bench.crossover``.

For populations of ``[3, width, 1]`` sigmoid networks on the paper's 4 cases (full batch, plain
gradient descent, every member's loss kept at every epoch, History without statistics), times
a warm ``fit(..., backend="jax")`` with ``configure(layout="lanes")`` and with
``layout="members"``, and the hand-written ``jit(lax.scan(vmap(value_and_grad)))`` program of
the same size, interleaved (min of the rounds), over a grid of members x widths. Prints the
ratios (above 1: the lanes are faster) and the JSON of every cell. ``glassnet.compiled``'s
``layout="auto"`` rule (``LANES_MAX_WIDTH``, ``LANES_MIN_MEMBERS``) is read from this table.

Options: ``--members 4,16,...``, ``--widths 2,8,...``, ``--epochs N``, ``--repeats N``,
``--float32``, ``--output PATH``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/crossover.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.workloads.tiny import LR, X, Y


def hand_program(jax: Any, params: tuple, epochs: int, dtype: str) -> Any:
    import jax.numpy as jnp

    xj, yj = jnp.asarray(X, dtype=dtype), jnp.asarray(Y, dtype=dtype)

    def member_loss(p):
        W1, b1, W2, b2 = p
        a1 = jax.nn.sigmoid(xj @ W1 + b1)
        a2 = jax.nn.sigmoid(a1 @ W2 + b2)
        return jnp.mean((a2 - yj) ** 2)

    grad_all = jax.vmap(jax.value_and_grad(member_loss))

    def train(p):
        def epoch(p, _):
            loss, g = grad_all(p)
            return tuple(a - LR * b for a, b in zip(p, g, strict=True)), loss

        p, losses = jax.lax.scan(epoch, p, None, length=epochs)
        return p, losses.T

    return jax.jit(train).lower(params).compile()


def cell(gn: Any, jax: Any, P: int, width: int, epochs: int, repeats: int, dtype: str) -> dict:
    net0 = gn.Network(
        [3, width, 1], activation="sigmoid", output="sigmoid", seed=list(range(P)), dtype=dtype
    )
    x64 = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
    with x64:
        params = tuple(jax.numpy.asarray(v) for layer in net0.params for v in layer.values())
        hand = hand_program(jax, params, epochs, dtype)

    def run_hand() -> None:
        with x64:
            np.asarray(
                hand(tuple(np.asarray(v) for layer in net0.params for v in layer.values()))[1]
            )

    def run_fit(layout: str) -> None:
        with gn.compiled.configure(layout=layout):
            net0.copy().fit(X, Y, lr=LR, epochs=epochs, backend="jax", stats_every=None)

    runs = {"lanes": lambda: run_fit("lanes"), "members": lambda: run_fit("members")}
    runs["vmap (hand-written)"] = run_hand
    for f in runs.values():
        f()  # compile
    times: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(repeats):
        for k in list(runs)[r % 3 :] + list(runs)[: r % 3]:
            t0 = time.perf_counter()
            runs[k]()
            times[k].append(time.perf_counter() - t0)
    best = {k: min(v) for k, v in times.items()}
    return {
        "members": P,
        "width": width,
        "epochs": epochs,
        "dtype": dtype,
        "min_s": best,
        "vmap_over_lanes": best["vmap (hand-written)"] / best["lanes"],
        "members_over_lanes": best["members"] / best["lanes"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crossover", description=__doc__)
    parser.add_argument("--members", default="2,4,16,64,256,1000,4000")
    parser.add_argument("--widths", default="2,4,8,12,16,32")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--float32", action="store_true")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    import glassnet as gn

    dtype = "float32" if args.float32 else "float64"
    members = [int(v) for v in args.members.split(",")]
    widths = [int(v) for v in args.widths.split(",")]
    cells = []
    with gn.compiled.configure(cache_dir=False):
        for P in members:
            for w in widths:
                c = cell(gn, jax, P, w, args.epochs, args.repeats, dtype)
                cells.append(c)
                print(
                    f"  members {P:>6}, width {w:>3}: vmap / lanes {c['vmap_over_lanes']:5.2f}x, "
                    f"members / lanes {c['members_over_lanes']:5.2f}x",
                    flush=True,
                )
    print(
        f"\nvmap (hand-written) time / lanes time, {dtype}, {args.epochs} epochs (>1: lanes faster)"
    )
    print("| members \\ width | " + " | ".join(str(w) for w in widths) + " |")
    print("|--:|" + "--:|" * len(widths))
    for P in members:
        row = [c for c in cells if c["members"] == P]
        print(f"| {P} | " + " | ".join(f"{c['vmap_over_lanes']:.2f}" for c in row) + " |")
    if args.output:
        Path(args.output).write_text(json.dumps(cells, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
