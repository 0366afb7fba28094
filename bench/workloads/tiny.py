"""tiny: the paper's 3-2-1 network on its 4 cases, full batch, sigmoid, 2000 epochs.

Every peer trains the same network with plain gradient descent (lr 0.5) on the mean squared
error and keeps the loss of every epoch. glassnet, the clean NumPy loop, PyTorch and the
hand-written JAX program (``jit(lax.scan(value_and_grad))``, issue 25's peer) start from the
*same* initial weights (glassnet's, copied), so their loss curves agree and the final losses
in the table double as a check that they computed the same thing. The paper's code keeps its own
initialisation and update rules (errata), and scikit-learn its own (logistic output, log-loss).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from bench import paper_code
from bench.harness import (
    Peer,
    glassnet_jax_or_reason,
    glassnet_or_reason,
    jax_metrics,
    optional,
    torch_note,
    torch_threads,
)

X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
LR = 0.5
SIZES = [3, 2, 1]


def initial_params(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b), ...]`` with W (n_in, n_out), b (1, n_out): glassnet's own init when the engine
    is there (so every peer starts from the same point), else Xavier-uniform from NumPy."""
    gn, _ = glassnet_or_reason()
    if gn is not None:
        net = gn.Network(SIZES, activation="sigmoid", output="sigmoid", seed=seed)
        return [(np.array(lay.W), np.array(lay.b)) for lay in net.layers]
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in itertools.pairwise(SIZES):
        limit = np.sqrt(6.0 / (n_in + n_out))
        out.append((rng.uniform(-limit, limit, (n_in, n_out)), np.zeros((1, n_out))))
    return out


def numpy_train(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, epochs: int, lr: float = LR
) -> np.ndarray:
    """The clean hand-written loop: sigmoid 3-2-1, MSE, full-batch gradient descent."""
    n = X.shape[0] * W2.shape[1]
    losses = np.empty(epochs)
    for epoch in range(epochs):
        a1 = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
        a2 = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))
        diff = a2 - Y
        losses[epoch] = np.mean(diff * diff)
        d2 = (2.0 / n) * diff * a2 * (1.0 - a2)
        d1 = (d2 @ W2.T) * a1 * (1.0 - a1)
        W2 -= lr * (a1.T @ d2)
        b2 -= lr * d2.sum(axis=0, keepdims=True)
        W1 -= lr * (X.T @ d1)
        b1 -= lr * d1.sum(axis=0, keepdims=True)
    return losses


def peers(epochs: int) -> list[Peer]:
    gn, gn_reason = glassnet_or_reason()
    out: list[Peer] = []

    # glassnet ---------------------------------------------------------------------------
    def prep_glassnet(rnd: int):
        net = gn.Network(SIZES, activation="sigmoid", output="sigmoid", seed=0)

        def timed():
            hist = net.fit(X, Y, loss="mse", optimizer="gd", lr=LR, epochs=epochs)
            return {"final_loss": float(np.asarray(hist.loss)[-1])}

        return timed

    out.append(
        Peer(
            "glassnet fit",
            prep_glassnet if gn is not None else None,
            reason=gn_reason,
            dtype="float64",
            key="glassnet",
            note="gn.Network([3,2,1], sigmoid).fit(loss='mse', optimizer='gd', lr=0.5), "
            "History on its default setting",
        )
    )

    # glassnet, compiled ---------------------------------------------------------------
    gj, gj_reason = glassnet_jax_or_reason()

    def prep_glassnet_jax(dtype: str):
        def prep(rnd: int):
            net = gj.Network(SIZES, activation="sigmoid", output="sigmoid", seed=0, dtype=dtype)

            def timed():
                hist = net.fit(
                    X, Y, loss="mse", optimizer="gd", lr=LR, epochs=epochs, backend="jax"
                )
                return {"final_loss": float(np.asarray(hist.loss)[-1]), **jax_metrics(hist)}

            return timed

        return prep

    for dtype, key in (("float64", "glassnet_jax"), ("float32", "glassnet_jax_f32")):
        out.append(
            Peer(
                "glassnet fit, backend='jax'",
                prep_glassnet_jax(dtype) if gj is not None else None,
                reason=gj_reason,
                dtype=dtype,
                key=key,
                note=f"the same fit(..., backend='jax'), dtype={dtype!r}: one compiled XLA "
                "program; timed warm (the warm-up call compiles: first call / compile shown)",
            )
        )

    # JAX by hand -----------------------------------------------------------------------
    jax, reason = optional("jax")
    for dtype, key in (("float64", "jax_f64"), ("float32", "jax")):
        out.append(
            Peer(
                "JAX jit(lax.scan(value_and_grad))",
                hand_jax(jax, epochs, dtype) if jax is not None else None,
                reason=reason,
                dtype=dtype,
                key=key,
                note="hand-written: jit(lax.scan over epochs of value_and_grad + SGD), the loss "
                "of every epoch kept, glassnet's initial weights; "
                + ("inside `with jax.enable_x64(True)`; " if dtype == "float64" else "")
                + "compiled ahead (jit.lower().compile()) in the warm-up call, timed warm: the "
                "call with NumPy weights in and the losses out as a NumPy array",
            )
        )

    # clean NumPy ------------------------------------------------------------------------
    def prep_numpy(rnd: int):
        (W1, b1), (W2, b2) = initial_params(0)

        def timed():
            losses = numpy_train(W1, b1, W2, b2, epochs)
            return {"final_loss": float(losses[-1])}

        return timed

    out.append(Peer("clean NumPy loop", prep_numpy, dtype="float64", key="numpy"))

    # the paper's code -------------------------------------------------------------------
    def prep_paper(rnd: int):
        def timed():
            *_, err = paper_code.train(epochs)
            return {"final_loss": float(err[-1])}

        return timed

    out.append(
        Peer(
            "paper's code",
            prep_paper,
            dtype="float64",
            key="paper",
            note="math.exp per element via np.vectorize, the paper's update rules (errata), "
            "its own init (RandomState(1)); per-epoch prints removed",
        )
    )

    # PyTorch ----------------------------------------------------------------------------
    torch, reason = optional("torch")

    def prep_torch(dtype: str):
        from torch import nn

        tdt = getattr(torch, dtype)

        def prep(rnd: int):
            torch_threads(torch, small=True)
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
            model.to(tdt)
            with torch.no_grad():  # same start as glassnet
                for lin, (W, b) in zip((model[0], model[2]), initial_params(0), strict=True):
                    lin.weight.copy_(torch.from_numpy(W.T.copy()))
                    lin.bias.copy_(torch.from_numpy(b.ravel().copy()))
            criterion = nn.MSELoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=LR)
            xt = torch.from_numpy(X).to(tdt)
            yt = torch.from_numpy(Y).to(tdt)

            def timed():
                losses = []
                for _ in range(epochs):
                    optimizer.zero_grad()
                    loss = criterion(model(xt), yt)
                    loss.backward()
                    optimizer.step()
                    losses.append(loss.item())
                return {"final_loss": losses[-1]}

            return timed

        return prep

    for dtype, key in (("float32", "torch"), ("float64", "torch_f64")):
        out.append(
            Peer(
                "PyTorch nn.Sequential",
                prep_torch(dtype) if torch is not None else None,
                reason=reason,
                dtype=dtype,
                key=key,
                note="nn.Sequential + nn.MSELoss + optim.SGD, loss.item() kept each epoch; "
                + torch_note(),
            )
        )

    # scikit-learn -----------------------------------------------------------------------
    sk, reason = optional("sklearn")
    prep_sklearn = None
    if sk is not None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        def prep_sklearn(rnd: int):
            clf = MLPClassifier(
                hidden_layer_sizes=(2,),
                activation="logistic",
                solver="sgd",
                learning_rate_init=LR,
                momentum=0.0,
                alpha=0.0,
                batch_size=4,
                max_iter=epochs,
                shuffle=False,
                tol=0.0,
                n_iter_no_change=epochs + 1,
                random_state=0,
            )
            yl = Y.ravel().astype(int)

            def timed():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.fit(X, yl)
                return {"final_loss": float(clf.loss_curve_[-1]), "final_loss_kind": "log-loss"}

            return timed

    out.append(
        Peer(
            "scikit-learn MLPClassifier",
            prep_sklearn,
            reason="scikit-learn not installed" if sk is None else "",
            dtype="float64",
            key="sklearn",
            note="MLPClassifier(hidden_layer_sizes=(2,), logistic, sgd lr 0.5, no momentum, "
            "batch 4, max_iter=2000, no early stop); its loss is log-loss",
        )
    )
    return out


def hand_jax(jax: Any, epochs: int, dtype: str):
    """``prepare`` of the researcher's own JAX program for the tiny workload: the paper's net,
    ``jit(lax.scan(value_and_grad))`` over the epochs, plain SGD, every epoch's loss kept."""
    import contextlib
    import time

    import jax.numpy as jnp

    def x64():
        return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()

    with x64():
        xj, yj = jnp.asarray(X, dtype=dtype), jnp.asarray(Y, dtype=dtype)

    def loss(p):
        W1, b1, W2, b2 = p
        a1 = jax.nn.sigmoid(xj @ W1 + b1)
        a2 = jax.nn.sigmoid(a1 @ W2 + b2)
        return jnp.mean((a2 - yj) ** 2)

    value_and_grad = jax.value_and_grad(loss)

    def train(params):
        def epoch(p, _):
            value, g = value_and_grad(p)
            return tuple(a - LR * b for a, b in zip(p, g, strict=True)), value

        return jax.lax.scan(epoch, params, None, length=epochs)

    program: dict[str, Any] = {}

    def prepare(rnd: int):
        init = [a.astype(dtype) for pair in initial_params(0) for a in pair]

        def timed():
            with x64():
                metrics: dict[str, Any] = {}
                if "run" not in program:  # the warm-up call: trace, lower, compile
                    t0 = time.perf_counter()
                    program["run"] = jax.jit(train).lower(tuple(init)).compile()
                    metrics["compile_s"] = time.perf_counter() - t0
                _params, losses = program["run"](tuple(init))
                losses = np.asarray(losses)
            return {"final_loss": float(losses[-1]), **metrics}

        return timed

    prepare.program = program  # type: ignore[attr-defined]  # for bench.profiling --jax
    return prepare


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import target_first_call, target_ratio

    return [
        target_ratio(
            "tiny: glassnet within 1.3x of the clean NumPy loop",
            res,
            "glassnet",
            "numpy",
            kind="at_most",
            limit=1.3,
        ),
        target_ratio(
            "tiny: glassnet at least 5x faster than PyTorch nn.Sequential (both float64)",
            res,
            "torch_f64",
            "glassnet",
            kind="at_least",
            limit=5.0,
        ),
        target_ratio(
            "tiny: glassnet-jax float32 at least 20x faster than PyTorch eager float32",
            res,
            "torch",
            "glassnet_jax_f32",
            kind="at_least",
            limit=20.0,
        ),
        target_ratio(
            "tiny: glassnet-jax float64 at least 20x faster than PyTorch eager float64",
            res,
            "torch_f64",
            "glassnet_jax",
            kind="at_least",
            limit=20.0,
        ),
        target_first_call(
            "tiny: glassnet-jax float64, first call (compile included) under 1 s",
            res,
            "glassnet_jax",
            1.0,
        ),
        target_ratio(
            "tiny: glassnet-jax float64, the whole warm fit call (History included), within "
            "1.2x of hand-written JAX jit(lax.scan(value_and_grad)) float64",
            res,
            "glassnet_jax",
            "jax_f64",
            kind="at_most",
            limit=1.2,
        ),
    ]


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    from bench.harness import measure

    epochs = 200 if quick else 2000
    reps = repeats or (2 if quick else 7)
    log(f"tiny: 3-2-1, 4 cases, sigmoid, {epochs} epochs, {reps} rounds")
    results = measure(peers(epochs), reps, log)
    return {
        "title": f"tiny: paper's 3-2-1, 4 cases, full batch, sigmoid, {epochs} epochs",
        "params": {"epochs": epochs, "repeats": reps, "lr": LR},
        "unit": ("us/epoch", 1e6 / epochs),
        "results": results,
        "jax_rows": {"float64": "glassnet_jax", "float32": "glassnet_jax_f32"},
    }
