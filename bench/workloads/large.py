"""large: 60000 x 784 synthetic data, 784-256-256-10, relu + softmax/cross-entropy, batch 128,
one epoch of plain SGD (lr 0.05), float32 throughout.

The data are standard-normal float32 features and labels from a fixed random linear teacher
(so the epoch actually learns something); they are made once and shared by all peers.

FLOPs counted per sample: the forward matmuls ``2 * sum(n_in * n_out)``, the weight gradients
the same again, and the back-propagated deltas ``2 * n_in * n_out`` for every layer but the
first (nobody needs dC/dX) -- elementwise work is not counted. The matmul peak is the best rate
of a big square float32 matmul (``A @ B``, n = 4096) measured in the same run; a second figure
times just the matmuls of one training step at the workload's shapes, which is the floor for
any implementation that calls NumPy's BLAS.

Peak memory is measured apart (see :mod:`bench.memprobe`): each implementation runs in a fresh
subprocess that reports its peak resident set size (``VmHWM``) and tracemalloc's peak of
the allocations made during the epoch (NumPy reports its buffers to tracemalloc).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from typing import Any

import numpy as np

from bench.harness import (
    REPO,
    Peer,
    glassnet_jax_or_reason,
    glassnet_or_reason,
    jax_metrics,
    measure,
    optional,
    torch_threads,
)

SIZES = [784, 256, 256, 10]
BATCH = 128
LR = 0.05


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X (n, 784) float32``, one-hot ``Y (n, 10) float32`` and labels ``(n,) int64``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, SIZES[0]), dtype=np.float32)
    teacher = rng.standard_normal((SIZES[0], SIZES[-1]), dtype=np.float32)
    labels = (X @ teacher).argmax(axis=1).astype(np.int64)
    Y = np.zeros((n, SIZES[-1]), dtype=np.float32)
    Y[np.arange(n), labels] = 1.0
    return X, Y, labels


def flops_per_sample() -> int:
    mm = [a * b for a, b in itertools.pairwise(SIZES)]
    return 2 * sum(mm) + 2 * sum(mm) + 2 * sum(mm[1:])


def numpy_init(seed: int) -> tuple[list[np.ndarray], np.random.Generator]:
    """He-normal float32 weights, zero biases, and the generator that will shuffle."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        params.append(rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)).astype(np.float32))
        params.append(np.zeros((1, n_out), dtype=np.float32))
    return params, rng


def numpy_epoch(
    X: np.ndarray,
    Y: np.ndarray,
    seed: int,
    lr: float = LR,
    init: tuple[list[np.ndarray], np.random.Generator] | None = None,
) -> float:
    """One epoch of the hand-written float32 MLP; returns the mean training loss."""
    params, rng = init if init is not None else numpy_init(seed)
    W1, c1, W2, c2, W3, c3 = params
    n = X.shape[0]
    perm = rng.permutation(n)
    total = 0.0
    for start in range(0, n, BATCH):
        idx = perm[start : start + BATCH]
        xb, yb = X[idx], Y[idx]
        m = xb.shape[0]
        h1 = np.maximum(xb @ W1 + c1, 0.0)
        h2 = np.maximum(h1 @ W2 + c2, 0.0)
        z = h2 @ W3 + c3
        z -= z.max(axis=1, keepdims=True)
        ez = np.exp(z)
        s = ez.sum(axis=1, keepdims=True)
        total += float(np.sum(np.log(s) - (z * yb).sum(axis=1, keepdims=True)))
        dz = (ez / s - yb) / np.float32(m)
        dh2 = (dz @ W3.T) * (h2 > 0)
        dh1 = (dh2 @ W2.T) * (h1 > 0)
        W3 -= lr * (h2.T @ dz)
        c3 -= lr * dz.sum(axis=0, keepdims=True)
        W2 -= lr * (h1.T @ dh2)
        c2 -= lr * dh2.sum(axis=0, keepdims=True)
        W1 -= lr * (xb.T @ dh1)
        c1 -= lr * dh1.sum(axis=0, keepdims=True)
    assert W1.dtype == np.float32
    return total / n


def glassnet_net(gn: Any, seed: int) -> Any:
    return gn.Network(
        SIZES, activation="relu", output="softmax", init="he", seed=seed, dtype="float32"
    )


def glassnet_epoch(
    gn: Any, X: np.ndarray, Y: np.ndarray, seed: int, net: Any = None, backend: str = "numpy"
) -> dict[str, Any]:
    if net is None:
        net = glassnet_net(gn, seed)
    hist = net.fit(
        X,
        Y,
        loss="cross_entropy",
        optimizer="gd",
        lr=LR,
        epochs=1,
        batch_size=BATCH,
        backend=backend,
    )
    assert net.layers[0].W.dtype == np.float32, net.layers[0].W.dtype
    m = {"final_loss": float(np.asarray(hist.loss)[-1])}
    return {**m, **jax_metrics(hist)} if backend == "jax" else m


def torch_model(torch: Any, seed: int):
    from torch import nn

    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    return model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=LR)


def torch_epoch(torch: Any, model, criterion, optimizer, xt, yt, batch: int = BATCH) -> float:
    """One epoch over ``randperm`` mini-batches; returns the mean of the batches' losses."""
    n = xt.shape[0]
    perm = torch.randperm(n)
    running = 0.0
    for start in range(0, n, batch):
        idx = perm[start : start + batch]
        optimizer.zero_grad()
        loss = criterion(model(xt[idx]), yt[idx])
        loss.backward()
        optimizer.step()
        running += loss.item() * idx.shape[0]
    return running / n


def matmul_peak(n: int = 4096, tries: int = 3) -> float:
    """Best GFLOP/s of a square float32 ``A @ B`` (the machine's BLAS ceiling here)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n), dtype=np.float32)
    B = rng.standard_normal((n, n), dtype=np.float32)
    C = np.empty((n, n), dtype=np.float32)
    np.matmul(A, B, out=C)
    best = float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        np.matmul(A, B, out=C)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best / 1e9


def step_matmuls_time(n: int, tries: int = 3) -> float:
    """Seconds for only the matmuls of an epoch (n/BATCH steps) at the workload's shapes."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    W = [rng.standard_normal((a, b), dtype=f32) for a, b in itertools.pairwise(SIZES)]
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=f32)
    h1 = rng.standard_normal((BATCH, 256), dtype=f32)
    h2 = rng.standard_normal((BATCH, 256), dtype=f32)
    dz = rng.standard_normal((BATCH, 10), dtype=f32)
    steps = n // BATCH
    best = float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        for _ in range(steps):
            x @ W[0]
            h1 @ W[1]
            h2 @ W[2]
            dz @ W[2].T
            h2 @ W[1].T
            h2.T @ dz
            h1.T @ h2
            x.T @ h1
        best = min(best, time.perf_counter() - t0)
    return best


def peers(n: int) -> list[Peer]:
    X, Y, labels = make_data(n)
    gn, gn_reason = glassnet_or_reason()
    out: list[Peer] = []

    def prep_gn(rnd: int):
        net = glassnet_net(gn, max(rnd, 0))
        return lambda: glassnet_epoch(gn, X, Y, max(rnd, 0), net)

    out.append(
        Peer(
            "glassnet fit",
            prep_gn if gn is not None else None,
            reason=gn_reason,
            dtype="float32",
            key="glassnet",
            note="gn.Network([784,256,256,10], relu, softmax, init='he', dtype='float32')"
            ".fit(cross_entropy, gd, lr=0.05, epochs=1, batch_size=128), History default",
        )
    )

    gj, gj_reason = glassnet_jax_or_reason()

    def prep_gj(rnd: int):
        net = glassnet_net(gj, max(rnd, 0))
        return lambda: glassnet_epoch(gj, X, Y, max(rnd, 0), net, backend="jax")

    out.append(
        Peer(
            "glassnet fit, backend='jax'",
            prep_gj if gj is not None else None,
            reason=gj_reason,
            dtype="float32",
            key="glassnet_jax_f32",
            note="the same fit(..., backend='jax'); timed warm (the warm-up call compiles: "
            "first call / compile shown)",
        )
    )

    def prep_np(rnd: int):
        init = numpy_init(max(rnd, 0))
        return lambda: {"final_loss": numpy_epoch(X, Y, max(rnd, 0), init=init)}

    out.append(
        Peer(
            "hand-written NumPy",
            prep_np,
            dtype="float32",
            key="numpy",
            note="forward/backward/SGD by hand, X[idx] mini-batches",
        )
    )

    torch, reason = optional("torch")
    prep_torch = None
    if torch is not None:
        xt = torch.from_numpy(X)
        yt = torch.from_numpy(labels)

        def prep_torch(rnd: int):
            torch_threads(torch, small=False)
            model, criterion, optimizer = torch_model(torch, max(rnd, 0))
            return lambda: {"final_loss": torch_epoch(torch, model, criterion, optimizer, xt, yt)}

    out.append(
        Peer(
            "PyTorch eager",
            prep_torch,
            reason=reason,
            dtype="float32",
            key="torch",
            note="nn.Sequential + CrossEntropyLoss + optim.SGD, randperm mini-batches",
        )
    )
    return out


def memory(n: int, log) -> dict[str, Any]:
    """Run every implementation in its own subprocess; collect peak RSS / tracemalloc peaks."""
    out: dict[str, Any] = {}
    for which in ("glassnet", "glassnet_jax", "numpy", "torch"):
        row: dict[str, Any] = {}
        for mode in ("rss", "tracemalloc"):
            if which in ("torch", "glassnet_jax") and mode == "tracemalloc":
                continue  # torch's and XLA's allocators do not report to tracemalloc
            cmd = [sys.executable, "-m", "bench.memprobe", which, str(n), mode]
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
            try:
                row.update(json.loads(proc.stdout.strip().splitlines()[-1]))
            except (json.JSONDecodeError, IndexError):
                row["error"] = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                break
        out[which] = row
        log(f"    memory {which}: {row}")
    return out


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import target_ratio, verdict

    out = [
        target_ratio(
            "large: glassnet no slower than PyTorch eager float32",
            res,
            "torch",
            "glassnet",
            kind="at_least",
            limit=1.0,
        )
    ]
    out.append(
        target_ratio(
            "large: glassnet-jax no slower than glassnet's NumPy engine (both float32)",
            res,
            "glassnet",
            "glassnet_jax_f32",
            kind="at_least",
            limit=1.0,
        )
    )
    frac = res["extra"].get("glassnet_fraction_of_peak")
    out.append(
        verdict(
            "large: glassnet at least 40% of the measured matmul peak",
            frac,
            "at_least",
            0.40,
            "glassnet missing",
            unit="%",
        )
    )
    mem = res["extra"].get("memory") or {}
    g = mem.get("glassnet", {}).get("rss_peak_mb")
    p = mem.get("numpy", {}).get("rss_peak_mb")
    t = verdict(
        "memory: large-workload peak RSS of glassnet within 1.5x of the hand-written NumPy loop",
        g / p if g and p else None,
        "at_most",
        1.5,
        "memory probe missing (glassnet missing or --skip-memory)",
    )
    t["ratio"] = "glassnet/numpy peak RSS"
    out.append(t)
    return out


def run(quick: bool, repeats: int | None, log, skip_memory: bool = False) -> dict[str, Any]:
    n = 6000 if quick else 60000
    reps = repeats or (2 if quick else 7)
    log(f"large: {n} x 784, 784-256-256-10, batch 128, 1 epoch float32, {reps} rounds")
    peak = matmul_peak(4096)
    floor = step_matmuls_time(n)
    flops = flops_per_sample() * n
    log(f"    matmul peak {peak:.1f} GFLOP/s; matmul-only epoch {floor:.3f} s")
    results = measure(peers(n), reps, log)
    for r in results.values():
        for m, t in zip(r.metrics, r.times_s, strict=True):
            m["gflops"] = flops / t / 1e9
            m["pct_peak"] = 100.0 * flops / t / 1e9 / peak
    extra: dict[str, Any] = {
        "n_samples": n,
        "flops_per_epoch": flops,
        "matmul_peak_gflops": peak,
        "matmul_only_epoch_s": floor,
        "matmul_only_gflops": flops / floor / 1e9,
    }
    g = results.get("glassnet")
    if g is not None and g.status == "ok" and g.median_s:
        extra["glassnet_fraction_of_peak"] = flops / g.median_s / 1e9 / peak
    for key in ("glassnet_jax_f32", "numpy", "torch"):
        r = results.get(key)
        if r is not None and r.status == "ok" and r.median_s:
            extra[f"{key}_fraction_of_peak"] = flops / r.median_s / 1e9 / peak
    if not skip_memory:
        extra["memory"] = memory(n, log)
    return {
        "title": f"large: {n} x 784 synthetic, 784-256-256-10, batch 128, one epoch, float32",
        "params": {"n": n, "repeats": reps, "lr": LR, "batch": BATCH},
        "unit": ("", 0.0),
        "results": results,
        "jax_rows": {"float32": "glassnet_jax_f32"},
        "extra": extra,
    }
