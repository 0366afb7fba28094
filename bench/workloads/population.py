"""population: P seeds x E epochs of the paper's 3-2-1 sigmoid network (P = E = 1000).

The researcher's workload: the same tiny network trained from many initialisations at once.
Every peer trains all P members with full-batch gradient descent (lr 0.5) on the mean squared
error and keeps every member's loss at every epoch (a (P, E) array), as glassnet's History does.

Peers: one glassnet population (``seed=list(range(P))``); a Python loop of P single glassnet
networks and a Python loop of P clean NumPy networks (both timed on a subset of the members and
extrapolated to P, which the table says); the same math batched by hand in NumPy (a leading
population axis and broadcasting matmul); PyTorch with ``torch.bmm`` and autograd; JAX written
by hand, ``jit(lax.scan(vmap(value_and_grad)))``, in float32 and in float64 (in a local
``jax.enable_x64`` context), compile time reported apart; and glassnet's compiled backend,
``fit(..., backend="jax")``, in float64 and float32. Each dtype is compared with its own: the
float64 rows with the float64 JAX program, the float32 rows with the float32 one.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import os
from typing import Any

import numpy as np

from bench.harness import (
    Peer,
    glassnet_jax_or_reason,
    glassnet_or_reason,
    jax_metrics,
    measure,
    optional,
    torch_note,
    torch_threads,
)
from bench.workloads.tiny import SIZES, X, Y, numpy_train

LR = 0.5


@functools.lru_cache(maxsize=2)
def initial_population(P: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W (P,n_in,n_out), b (P,1,n_out)), ...]``: glassnet's population init when available.

    Cached (drawing 100,000 seeds takes seconds): every caller copies the arrays it trains."""
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

    out += compiled_peers(P, epochs, informational=True)

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

    out += hand_jax_peers(P, epochs)
    return out


def compiled_peers(P: int, epochs: int, informational: bool = False) -> list[Peer]:
    """glassnet's ``backend="jax"`` rows: the default (``layout="auto"``, the lanes for this
    small network), and the members-first layout that ``vmap`` produces, for comparison."""
    gj, gj_reason = glassnet_jax_or_reason()

    def prep_gj(dtype: str, layout: str = "auto", **fit_options: Any):
        def prep(rnd: int):
            net = gj.Network(
                SIZES, activation="sigmoid", output="sigmoid", seed=list(range(P)), dtype=dtype
            )

            def timed():
                with gj.compiled.configure(layout=layout):
                    hist = net.fit(
                        X,
                        Y,
                        loss="mse",
                        optimizer="gd",
                        lr=LR,
                        epochs=epochs,
                        backend="jax",
                        **fit_options,
                    )
                loss = np.asarray(hist.loss)
                return {"median_final_loss": float(np.median(loss[:, -1])), **jax_metrics(hist)}

            return timed

        return prep

    out = []
    for dtype, key in (("float64", "glassnet_jax"), ("float32", "glassnet_jax_f32")):
        out.append(
            Peer(
                f"glassnet population of {P}, backend='jax'",
                prep_gj(dtype) if gj is not None else None,
                reason=gj_reason,
                dtype=dtype,
                key=key,
                note=f"the same fit(..., backend='jax'), dtype={dtype!r}, History default, "
                "layout='auto' (the members on the vector lanes for this small network); "
                "timed warm (the warm-up call compiles: first call / compile shown)",
            )
        )
    for dtype, key in (
        ("float64", "glassnet_jax_members"),
        ("float32", "glassnet_jax_members_f32"),
    ):
        out.append(
            Peer(
                f"glassnet population of {P}, backend='jax', layout='members'",
                prep_gj(dtype, "members") if gj is not None else None,
                reason=gj_reason,
                dtype=dtype,
                key=key,
                note="informational: the same with the members-first layout (batched products, "
                "the layout vmap produces), configure(layout='members')",
            )
        )
    if informational:
        out.append(
            Peer(
                f"glassnet population of {P}, backend='jax', stats_every=None",
                prep_gj("float64", stats_every=None) if gj is not None else None,
                reason=gj_reason,
                dtype="float64",
                key="glassnet_jax_nostats",
                note="informational: the default fit without the layer statistics "
                "(History.layer_stats), to show what they cost; no target uses it",
            )
        )
    return out


def hand_jax_peers(P: int, epochs: int) -> list[Peer]:
    """The researcher's own ``jit(scan(vmap(value_and_grad)))``, float32 and float64."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    jax, reason = optional("jax")
    out = []
    for dtype, key in (("float32", "jax"), ("float64", "jax_f64")):
        out.append(
            Peer(
                "JAX jit(scan(vmap(value_and_grad)))",
                hand_jax(jax, P, epochs, dtype) if jax is not None else None,
                reason=reason,
                dtype=dtype,
                key=key,
                note="hand-written: jit(lax.scan over epochs of vmap(value_and_grad) + SGD), "
                + ("inside `with jax.enable_x64(True)`; " if dtype == "float64" else "")
                + "compiled ahead (jit.lower().compile()) in the warm-up call, timed warm",
            )
        )
    return out


def hand_jax(jax: Any, P: int, epochs: int, dtype: str):
    """``prepare`` of the hand-written JAX population in ``dtype`` (float64 in a local x64
    context, as glassnet's compiled backend runs it): one program, compiled in the first call."""
    import contextlib
    import time

    import jax.numpy as jnp

    def x64():
        return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()

    with x64():
        xj = jnp.asarray(X, dtype=dtype)
        yj = jnp.asarray(Y, dtype=dtype)

    def member_loss(p):
        W1, b1, W2, b2 = p
        a1 = jax.nn.sigmoid(xj @ W1 + b1)
        a2 = jax.nn.sigmoid(a1 @ W2 + b2)
        return jnp.mean((a2 - yj) ** 2)

    grad_all = jax.vmap(jax.value_and_grad(member_loss))

    def train_all(params):
        def epoch(p, _):
            loss, g = grad_all(p)  # (P,), the tree of (P, ...) gradients
            return tuple(a - LR * b for a, b in zip(p, g, strict=True)), loss

        p, losses = jax.lax.scan(epoch, params, None, length=epochs)
        return p, losses.T  # (P, epochs), as glassnet's History keeps it

    program: dict[str, Any] = {}

    def prepare(rnd: int):
        with x64():
            params = tuple(
                jnp.asarray(a, dtype=dtype) for pair in initial_population(P) for a in pair
            )
            jax.block_until_ready(params)

        def timed():
            with x64():
                metrics: dict[str, Any] = {}
                if "run" not in program:  # the warm-up call: trace, lower, compile
                    t0 = time.perf_counter()
                    program["run"] = jax.jit(train_all).lower(params).compile()
                    program["compile_s"] = time.perf_counter() - t0
                    metrics["compile_s"] = program["compile_s"]
                _p, losses = program["run"](params)
                losses = np.asarray(losses)
            return {"median_final_loss": float(np.median(losses[:, -1])), **metrics}

        return timed

    prepare.program = program  # type: ignore[attr-defined]  # for bench.profiling --jax
    return prepare


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
        # like with like: glassnet's NumPy engine runs float64, so its JAX peer does too
        target_ratio(
            "population: glassnet within 3x of hand-written JAX (both float64)",
            res,
            "glassnet",
            "jax_f64",
            kind="at_most",
            limit=3.0,
        ),
        target_ratio(
            "population (opt-in kernel='broadcast'): glassnet within 3x of hand-written JAX "
            "(both float64)",
            res,
            "glassnet_broadcast",
            "jax_f64",
            kind="at_most",
            limit=3.0,
        ),
        *lanes_targets(res, "population"),
    ]


def lanes_targets(res: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """Issue 25: glassnet-jax at least 1.5x faster than the hand-written vmap program."""
    from bench.report import target_ratio

    P, epochs = res["params"]["P"], res["params"]["epochs"]
    return [
        target_ratio(
            f"{label} ({P} x {epochs}): glassnet-jax {dtype} at least 1.5x faster than "
            f"hand-written JAX jit(scan(vmap(value_and_grad))) {dtype}",
            res,
            hand,
            mine,
            kind="at_least",
            limit=1.5,
        )
        for dtype, hand, mine in (
            ("float64", "jax_f64", "glassnet_jax"),
            ("float32", "jax", "glassnet_jax_f32"),
        )
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
        "jax_rows": {"float64": "glassnet_jax", "float32": "glassnet_jax_f32"},
    }
