"""population: P seeds x E epochs of the paper's 3-2-1 sigmoid network (P = E = 1000).

The researcher's workload: the same tiny network trained from many initialisations at once.
Every peer trains all P members with full-batch gradient descent (lr 0.5) on the mean squared
error and keeps every member's loss at every epoch (a (P, E) array), as glassnet's History does.

Peers: one glassnet population (``seed=list(range(P))``); a Python loop of P single glassnet
networks and a Python loop of P clean NumPy networks (both timed on a subset of the members and
extrapolated to P, which the table says); the same math batched by hand in NumPy (a leading
population axis and broadcasting matmul); PyTorch with ``torch.bmm`` and autograd; JAX with
``vmap`` + ``jit`` (+ ``lax.scan`` over the epochs), compile time reported apart.
"""

from __future__ import annotations

import inspect
import itertools
import os
from typing import Any

import numpy as np

from bench.harness import Peer, glassnet_or_reason, measure, optional, torch_note, torch_threads
from bench.workloads.tiny import SIZES, X, Y, numpy_train

LR = 0.5


def initial_population(P: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W (P,n_in,n_out), b (P,1,n_out)), ...]``: glassnet's population init when available."""
    gn, _ = glassnet_or_reason()
    if gn is not None:
        net = gn.Network(SIZES, activation="sigmoid", output="sigmoid", seed=list(range(P)))
        return [(np.array(lay.W), np.array(lay.b)) for lay in net.layers]
    rng = np.random.default_rng(0)
    out = []
    for n_in, n_out in itertools.pairwise(SIZES):
        limit = np.sqrt(6.0 / (n_in + n_out))
        out.append((rng.uniform(-limit, limit, (P, n_in, n_out)), np.zeros((P, 1, n_out))))
    return out


def numpy_batched_train(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, epochs: int, lr: float = LR
) -> np.ndarray:
    """Hand-batched NumPy: the population is a leading axis; X (4,3) broadcasts against it."""
    P = W1.shape[0]
    n = X.shape[0] * W2.shape[2]
    XT = X.T
    losses = np.empty((P, epochs))
    for epoch in range(epochs):
        a1 = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))  # (P, 4, 2)
        a2 = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))  # (P, 4, 1)
        diff = a2 - Y
        losses[:, epoch] = np.mean(diff * diff, axis=(1, 2))
        d2 = (2.0 / n) * diff * a2 * (1.0 - a2)
        d1 = (d2 @ W2.transpose(0, 2, 1)) * a1 * (1.0 - a1)
        W2 -= lr * (a1.transpose(0, 2, 1) @ d2)
        b2 -= lr * d2.sum(axis=1, keepdims=True)
        W1 -= lr * (XT @ d1)
        b1 -= lr * d1.sum(axis=1, keepdims=True)
    return losses


def peers(P: int, epochs: int, subset: int) -> list[Peer]:
    gn, gn_reason = glassnet_or_reason()
    out: list[Peer] = []
    scale = P / subset

    def prep_gn(dtype: str, **options: Any):
        def prep(rnd: int):
            net = gn.Network(
                SIZES,
                activation="sigmoid",
                output="sigmoid",
                seed=list(range(P)),
                dtype=dtype,
                **options,
            )

            def timed():
                hist = net.fit(X, Y, loss="mse", optimizer="gd", lr=LR, epochs=epochs)
                loss = np.asarray(hist.loss)
                return {"median_final_loss": float(np.median(loss[:, -1]))}

            return timed

        return prep

    out.append(
        Peer(
            f"glassnet population of {P}",
            prep_gn("float64") if gn is not None else None,
            reason=gn_reason,
            dtype="float64",
            key="glassnet",
            note=f"gn.Network([3,2,1], sigmoid, seed=list(range({P}))).fit(mse, gd, lr=0.5), "
            "History default",
        )
    )
    out.append(
        Peer(
            f"glassnet population of {P}",
            prep_gn("float32") if gn is not None else None,
            reason=gn_reason,
            dtype="float32",
            key="glassnet_f32",
            note="same, dtype='float32' (JAX and PyTorch run float32 by default)",
        )
    )
    has_kernel = gn is not None and "kernel" in inspect.signature(gn.Network).parameters
    out.append(
        Peer(
            "glassnet population, kernel='broadcast'",
            prep_gn("float64", kernel="broadcast") if has_kernel else None,
            reason=gn_reason or "glassnet missing (no kernel= option in this engine)",
            dtype="float64",
            key="glassnet_broadcast",
            note="same, Network(..., kernel='broadcast'): the opt-in member-last layout "
            "(not bit-identical to BLAS-computed single networks)",
        )
    )

    def prep_gn_loop(rnd: int):
        nets = [
            gn.Network(SIZES, activation="sigmoid", output="sigmoid", seed=s) for s in range(subset)
        ]

        def timed():
            finals = []
            for net in nets:
                hist = net.fit(X, Y, loss="mse", optimizer="gd", lr=LR, epochs=epochs)
                finals.append(float(np.asarray(hist.loss)[-1]))
            return {"median_final_loss": float(np.median(finals))}

        return timed

    out.append(
        Peer(
            f"loop of {P} glassnet nets",
            prep_gn_loop if gn is not None else None,
            reason=gn_reason,
            dtype="float64",
            key="glassnet_loop",
            scale=scale,
            note=f"timed over {subset} of the {P} networks, extrapolated x{scale:g}",
        )
    )

    def prep_np_loop(rnd: int):
        init = initial_population(subset)

        def timed():
            finals = []
            for k in range(subset):
                params = [a[k].copy() for pair in init for a in pair]
                finals.append(float(numpy_train(*params, epochs)[-1]))
            return {"median_final_loss": float(np.median(finals))}

        return timed

    out.append(
        Peer(
            f"loop of {P} clean NumPy nets",
            prep_np_loop,
            dtype="float64",
            key="numpy_loop",
            scale=scale,
            note=f"the tiny workload's clean NumPy loop per network; timed over {subset} of the "
            f"{P}, extrapolated x{scale:g}",
        )
    )

    def prep_np_batched(rnd: int):
        params = [a.copy() for pair in initial_population(P) for a in pair]

        def timed():
            losses = numpy_batched_train(*params, epochs)
            return {"median_final_loss": float(np.median(losses[:, -1]))}

        return timed

    out.append(
        Peer(
            "NumPy batched by hand",
            prep_np_batched,
            dtype="float64",
            key="numpy_batched",
            note="leading population axis, broadcasting matmul, in-place updates",
        )
    )

    # PyTorch bmm ------------------------------------------------------------------------
    torch, reason = optional("torch")
    prep_torch = None
    if torch is not None:

        def prep_torch(rnd: int):
            torch_threads(torch, small=True)
            params = [
                torch.tensor(a, dtype=torch.float32, requires_grad=True)
                for pair in initial_population(P)
                for a in pair
            ]
            W1, b1, W2, b2 = params
            xb = torch.from_numpy(X.astype(np.float32)).expand(P, -1, -1)
            yt = torch.from_numpy(Y.astype(np.float32))

            def timed():
                losses = torch.empty((P, epochs))
                for epoch in range(epochs):
                    a1 = torch.sigmoid(torch.bmm(xb, W1) + b1)
                    a2 = torch.sigmoid(torch.bmm(a1, W2) + b2)
                    per_member = ((a2 - yt) ** 2).mean(dim=(1, 2))
                    per_member.sum().backward()
                    with torch.no_grad():
                        for p in params:
                            p -= LR * p.grad
                            p.grad = None
                        losses[:, epoch] = per_member
                return {"median_final_loss": float(losses[:, -1].median())}

            return timed

    out.append(
        Peer(
            "PyTorch bmm + autograd",
            prep_torch,
            reason=reason,
            dtype="float32",
            key="torch",
            note="weights (P,n_in,n_out), torch.bmm, autograd on the sum of member losses, "
            "manual SGD step; " + torch_note(),
        )
    )

    # JAX --------------------------------------------------------------------------------
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    jax, reason = optional("jax")
    prep_jax = None
    if jax is not None:
        import time

        import jax.numpy as jnp

        xj = jnp.asarray(X, dtype=jnp.float32)
        yj = jnp.asarray(Y, dtype=jnp.float32)

        def member_loss(p):
            W1, b1, W2, b2 = p
            a1 = jax.nn.sigmoid(xj @ W1 + b1)
            a2 = jax.nn.sigmoid(a1 @ W2 + b2)
            return jnp.mean((a2 - yj) ** 2)

        def train_member(p):
            def step(p, _):
                loss, g = jax.value_and_grad(member_loss)(p)
                return tuple(a - LR * b for a, b in zip(p, g, strict=True)), loss

            return jax.lax.scan(step, p, None, length=epochs)

        train_all = jax.jit(jax.vmap(train_member))
        compiled: dict[str, float] = {}

        def prep_jax(rnd: int):
            params = tuple(
                jnp.asarray(a, dtype=jnp.float32) for pair in initial_population(P) for a in pair
            )
            jax.block_until_ready(params)

            def timed():
                t0 = time.perf_counter()
                _p, losses = train_all(params)
                losses = jax.block_until_ready(losses)
                if "compile_s" not in compiled:
                    compiled["compile_s"] = time.perf_counter() - t0
                return {
                    "median_final_loss": float(np.median(np.asarray(losses)[:, -1])),
                    "compile_s": compiled["compile_s"],
                }

            return timed

    out.append(
        Peer(
            "JAX vmap + jit",
            prep_jax,
            reason=reason,
            dtype="float32",
            key="jax",
            note="jit(vmap(per-member lax.scan of value_and_grad + SGD)); timed after a warm-up "
            "call that compiles (compile_s = first call incl. compilation)",
        )
    )
    return out


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import target_ratio

    P = res["params"]["P"]
    return [
        target_ratio(
            f"population: glassnet at least 50x faster than a Python loop of {P} glassnet nets",
            res,
            "glassnet_loop",
            "glassnet",
            kind="at_least",
            limit=50.0,
        ),
        target_ratio(
            "population: glassnet within 3x of JAX vmap+jit",
            res,
            "glassnet",
            "jax",
            kind="at_most",
            limit=3.0,
        ),
        target_ratio(
            "population (opt-in kernel='broadcast'): glassnet within 3x of JAX vmap+jit",
            res,
            "glassnet_broadcast",
            "jax",
            kind="at_most",
            limit=3.0,
        ),
    ]


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    P, epochs, subset = (100, 100, 10) if quick else (1000, 1000, 50)
    reps = repeats or (2 if quick else 5)
    log(f"population: {P} seeds x {epochs} epochs, loops timed over {subset}, {reps} rounds")
    results = measure(peers(P, epochs, subset), reps, log)
    return {
        "title": f"population: {P} seeds x {epochs} epochs of the 3-2-1 sigmoid network",
        "params": {"P": P, "epochs": epochs, "loop_subset": subset, "repeats": reps, "lr": LR},
        "unit": ("ns/member-epoch", 1e9 / (P * epochs)),
        "results": results,
    }
