"""digits: scikit-learn's 8x8 digits, 64-128-10, relu + softmax/cross-entropy, Adam, batch 32.

All peers get the same arrays: pixels scaled to [0, 1] (divided by 16), a stratified 75/25
train/test split with a fixed seed, one-hot targets for glassnet and the NumPy loop, class
labels for PyTorch and scikit-learn. Adam with lr 1e-3 (betas 0.9/0.999, eps 1e-8), no weight
decay, mini-batches of 32 reshuffled every epoch, 20 epochs. Each round uses a different seed
(round number) for initialisation and shuffling; the table shows the median test accuracy.
"""

from __future__ import annotations

import warnings
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
from bench.workloads.large import torch_epoch

HIDDEN = 128
LR = 1e-3
BATCH = 32


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return Xtr, Xte, ytr, yte


def one_hot(y: np.ndarray, k: int = 10, dtype: Any = np.float64) -> np.ndarray:
    out = np.zeros((y.shape[0], k), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def numpy_train(
    X: np.ndarray, Y: np.ndarray, epochs: int, seed: int, batch: int = BATCH, lr: float = LR
) -> tuple[list[np.ndarray], np.ndarray]:
    """Hand-written relu/softmax/cross-entropy MLP with Adam on mini-batches."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    k = Y.shape[1]
    params = [
        rng.normal(0.0, np.sqrt(2.0 / d), (d, HIDDEN)),
        np.zeros((1, HIDDEN)),
        rng.normal(0.0, np.sqrt(2.0 / HIDDEN), (HIDDEN, k)),
        np.zeros((1, k)),
    ]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    t = 0
    losses = np.empty(epochs)
    for epoch in range(epochs):
        perm = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = perm[start : start + batch]
            xb, yb = X[idx], Y[idx]
            W1, c1, W2, c2 = params
            h = np.maximum(xb @ W1 + c1, 0.0)
            z = h @ W2 + c2
            z -= z.max(axis=1, keepdims=True)
            ez = np.exp(z)
            s = ez.sum(axis=1, keepdims=True)
            total += float(np.sum(np.log(s) - (z * yb).sum(axis=1, keepdims=True)))
            dz = (ez / s - yb) / xb.shape[0]
            dh = (dz @ W2.T) * (h > 0)
            grads = [
                xb.T @ dh,
                dh.sum(axis=0, keepdims=True),
                h.T @ dz,
                dz.sum(axis=0, keepdims=True),
            ]
            t += 1
            c_m = 1.0 / (1.0 - b1**t)
            c_v = 1.0 / (1.0 - b2**t)
            for p, g, mi, vi in zip(params, grads, m, v, strict=True):
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                vi += (1 - b2) * g * g
                p -= lr * (mi * c_m) / (np.sqrt(vi * c_v) + eps)
        losses[epoch] = total / n
    return params, losses


def numpy_predict(params: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    W1, c1, W2, c2 = params
    return (np.maximum(X @ W1 + c1, 0.0) @ W2 + c2).argmax(axis=1)


def peers(epochs: int) -> list[Peer]:
    if optional("sklearn")[0] is None:  # the digits data themselves come from scikit-learn
        why = "scikit-learn not installed (it provides the digits data)"
        return [
            Peer(name, None, reason=why, dtype=dt, key=key)
            for name, dt, key in (
                ("glassnet fit", "float64", "glassnet"),
                ("glassnet fit, backend='jax'", "float64", "glassnet_jax"),
                ("glassnet fit, backend='jax'", "float32", "glassnet_jax_f32"),
                ("hand-written NumPy", "float64", "numpy"),
                ("PyTorch eager", "float32", "torch"),
                ("PyTorch eager", "float64", "torch_f64"),
                ("scikit-learn MLPClassifier", "float64", "sklearn"),
                ("scikit-learn MLPClassifier", "float32", "sklearn_f32"),
            )
        ]
    Xtr, Xte, ytr, yte = load()
    Ytr = one_hot(ytr)
    gn, gn_reason = glassnet_or_reason()
    out: list[Peer] = []

    def prep_gn(rnd: int):
        net = gn.Network(
            [64, HIDDEN, 10], activation="relu", output="softmax", init="he", seed=max(rnd, 0)
        )

        def timed():
            hist = net.fit(
                Xtr,
                Ytr,
                loss="cross_entropy",
                optimizer="adam",
                lr=LR,
                epochs=epochs,
                batch_size=BATCH,
            )
            acc = float((net.predict(Xte).argmax(axis=1) == yte).mean())
            return {"test_acc": acc, "final_loss": float(np.asarray(hist.loss)[-1])}

        return timed

    out.append(
        Peer(
            "glassnet fit",
            prep_gn if gn is not None else None,
            reason=gn_reason,
            dtype="float64",
            key="glassnet",
            note="gn.Network([64,128,10], relu, softmax, init='he').fit(cross_entropy, adam, "
            "lr=1e-3, batch_size=32), History default",
        )
    )

    gj, gj_reason = glassnet_jax_or_reason()

    def prep_gj(dtype: str):
        def prep(rnd: int):
            net = gj.Network(
                [64, HIDDEN, 10],
                activation="relu",
                output="softmax",
                init="he",
                seed=max(rnd, 0),
                dtype=dtype,
            )

            def timed():
                hist = net.fit(
                    Xtr,
                    Ytr,
                    loss="cross_entropy",
                    optimizer="adam",
                    lr=LR,
                    epochs=epochs,
                    batch_size=BATCH,
                    backend="jax",
                )
                acc = float((net.predict(Xte).argmax(axis=1) == yte).mean())
                return {
                    "test_acc": acc,
                    "final_loss": float(np.asarray(hist.loss)[-1]),
                    **jax_metrics(hist),
                }

            return timed

        return prep

    for dtype, key in (("float64", "glassnet_jax"), ("float32", "glassnet_jax_f32")):
        out.append(
            Peer(
                "glassnet fit, backend='jax'",
                prep_gj(dtype) if gj is not None else None,
                reason=gj_reason,
                dtype=dtype,
                key=key,
                note=f"the same fit(..., backend='jax'), dtype={dtype!r}; timed warm (the "
                "warm-up call compiles: first call / compile shown); the data stay float64, "
                "fit casts them",
            )
        )

    def prep_np(rnd: int):
        def timed():
            params, losses = numpy_train(Xtr, Ytr, epochs, seed=max(rnd, 0))
            acc = float((numpy_predict(params, Xte) == yte).mean())
            return {"test_acc": acc, "final_loss": float(losses[-1])}

        return timed

    out.append(Peer("hand-written NumPy", prep_np, dtype="float64", key="numpy"))

    torch, reason = optional("torch")

    def prep_torch(dtype: str):
        from torch import nn

        tdt = getattr(torch, dtype)
        xt = torch.from_numpy(Xtr).to(tdt)
        yt = torch.from_numpy(ytr.astype(np.int64))
        xte = torch.from_numpy(Xte).to(tdt)

        def prep(rnd: int):
            torch_threads(torch, small=True)
            torch.manual_seed(max(rnd, 0))
            model = nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
            model.to(tdt)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(model.parameters(), lr=LR)

            def timed():
                model.train()
                for _ in range(epochs):
                    final = torch_epoch(torch, model, criterion, optimizer, xt, yt, batch=BATCH)
                model.eval()
                with torch.no_grad():
                    pred = model(xte).argmax(dim=1).numpy()
                return {"test_acc": float((pred == yte).mean()), "final_loss": final}

            return timed

        return prep

    for dtype, key in (("float32", "torch"), ("float64", "torch_f64")):
        out.append(
            Peer(
                "PyTorch eager",
                prep_torch(dtype) if torch is not None else None,
                reason=reason,
                dtype=dtype,
                key=key,
                note="nn.Sequential + CrossEntropyLoss + optim.Adam, randperm mini-batches, "
                "loss.item() accumulated per batch; " + torch_note(),
            )
        )

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def prep_sk(dtype: str):
        Xs, Xs_te = Xtr.astype(dtype), Xte.astype(dtype)

        def prep(rnd: int):
            clf = MLPClassifier(
                hidden_layer_sizes=(HIDDEN,),
                activation="relu",
                solver="adam",
                alpha=0.0,
                batch_size=BATCH,
                learning_rate_init=LR,
                max_iter=epochs,
                shuffle=True,
                tol=0.0,
                n_iter_no_change=epochs + 1,
                random_state=max(rnd, 0),
            )

            def timed():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.fit(Xs, ytr)
                assert clf.coefs_[0].dtype == dtype, clf.coefs_[0].dtype
                return {
                    "test_acc": float(clf.score(Xs_te, yte)),
                    "final_loss": float(clf.loss_curve_[-1]),
                }

            return timed

        return prep

    for dtype, key in (("float64", "sklearn"), ("float32", "sklearn_f32")):
        out.append(
            Peer(
                "scikit-learn MLPClassifier",
                prep_sk(dtype),
                dtype=dtype,
                key=key,
                note="MLPClassifier((128,), relu, adam, alpha=0, batch 32, lr 1e-3, "
                f"max_iter={epochs}, no early stop)"
                + ("; fitted on float32 data, which it keeps" if dtype == "float32" else ""),
            )
        )
    return out


def accuracy_gap(
    description: str, res: dict[str, Any], key: str, peers: tuple[str, ...], points: float = 1.0
) -> dict[str, Any]:
    """Verdict: ``key``'s median test accuracy at most ``points`` below the best of ``peers``."""
    from bench.report import verdict

    g = res["results"].get(key)
    g_acc = g.metric("test_acc") if g is not None and g.status == "ok" else None
    others = [
        r.metric("test_acc")
        for k, r in res["results"].items()
        if k in peers and r.status == "ok" and r.metric("test_acc") is not None
    ]
    gap = None if g_acc is None or not others else 100.0 * (g_acc - max(others))
    return verdict(description, gap, "at_least", -points, f"{key} or peers missing", unit=" pt")


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import target_ratio

    return [
        target_ratio(
            "digits: glassnet at least 2x faster than scikit-learn MLPClassifier (both float64)",
            res,
            "sklearn",
            "glassnet",
            kind="at_least",
            limit=2.0,
        ),
        target_ratio(
            "digits: glassnet at least 3x faster than PyTorch eager (both float64)",
            res,
            "torch_f64",
            "glassnet",
            kind="at_least",
            limit=3.0,
        ),
        accuracy_gap(
            "digits: equal test accuracy (glassnet within 1 point of the best of sklearn/PyTorch)",
            res,
            "glassnet",
            ("sklearn", "torch", "torch_f64"),
        ),
        target_ratio(
            "digits: glassnet-jax at least 3x faster than scikit-learn MLPClassifier "
            "(both float64)",
            res,
            "sklearn",
            "glassnet_jax",
            kind="at_least",
            limit=3.0,
        ),
        accuracy_gap(
            "digits: glassnet-jax float64 within 1 point of MLPClassifier's test accuracy",
            res,
            "glassnet_jax",
            ("sklearn",),
        ),
    ]


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    epochs = 2 if quick else 20
    reps = repeats or (2 if quick else 5)
    log(f"digits: 64-128-10, adam, batch 32, {epochs} epochs, {reps} rounds")
    results = measure(peers(epochs), reps, log)
    return {
        "title": f"digits: 64-128-10 relu/softmax, cross-entropy, Adam, batch 32, {epochs} epochs",
        "params": {"epochs": epochs, "repeats": reps, "lr": LR, "batch": BATCH},
        "unit": ("ms/epoch", 1e3 / epochs),
        "results": results,
        "jax_rows": {"float64": "glassnet_jax", "float32": "glassnet_jax_f32"},
    }
