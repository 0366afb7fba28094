"""classifier: a 40-100-100-10 relu/softmax classifier on 4000 x 40 synthetic float64 data.

The data: ``sklearn.datasets.make_classification`` (5000 samples, 40 features of which 20
informative and 10 redundant, 10 classes, ``random_state=0``), split 4000 for training and a
held-out 1000 for testing (stratified, fixed seed). Every peer trains the same architecture
with cross-entropy and Adam (lr 0.01, betas 0.9/0.999, eps 1e-8), mini-batches of 100
reshuffled every epoch, no L2, for 200 epochs (all of them: no early stopping, no tolerance),
and reports its accuracy on the held-out 1000. Each round uses another seed (the round number)
for initialisation and shuffling; the table shows the median test accuracy over the rounds.

Peers: glassnet's NumPy engine (float64), glassnet's compiled backend (``backend="jax"``, in
float64 and float32), and scikit-learn's ``MLPClassifier`` with the same settings in float64
and float32 (fitted on float32 data, which it keeps). float64 rows are compared with float64
rows, float32 with float32.
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
)
from bench.workloads.digits import accuracy_gap, one_hot

SIZES = [40, 100, 100, 10]
LR = 0.01
BATCH = 100
N_TRAIN, N_TEST = 4000, 1000


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train (4000, 40), X_test (1000, 40), y_train, y_test)``, float64 and int labels."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=N_TRAIN + N_TEST,
        n_features=SIZES[0],
        n_informative=20,
        n_redundant=10,
        n_classes=SIZES[-1],
        random_state=0,
    )
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=N_TEST, random_state=0, stratify=y)
    return Xtr, Xte, ytr, yte


KEYS = (
    ("glassnet fit", "float64", "glassnet"),
    ("glassnet fit, backend='jax'", "float64", "glassnet_jax"),
    ("glassnet fit, backend='jax'", "float32", "glassnet_jax_f32"),
    ("scikit-learn MLPClassifier", "float64", "sklearn"),
    ("scikit-learn MLPClassifier", "float32", "sklearn_f32"),
)


def peers(epochs: int) -> list[Peer]:
    if optional("sklearn")[0] is None:  # the data themselves come from scikit-learn
        why = "scikit-learn not installed (it makes the data set)"
        return [Peer(name, None, reason=why, dtype=dt, key=key) for name, dt, key in KEYS]
    Xtr, Xte, ytr, yte = load()
    Ytr = one_hot(ytr, SIZES[-1])
    out: list[Peer] = []

    def prep_gn(gn: Any, dtype: str, backend: str):
        def prep(rnd: int):
            net = gn.Network(
                SIZES, activation="relu", output="softmax", init="he", seed=max(rnd, 0), dtype=dtype
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
                    backend=backend,
                )
                acc = float((net.predict(Xte).argmax(axis=1) == yte).mean())
                m = {"test_acc": acc, "final_loss": float(np.asarray(hist.loss)[-1])}
                return {**m, **jax_metrics(hist)} if backend == "jax" else m

            return timed

        return prep

    gn, gn_reason = glassnet_or_reason()
    out.append(
        Peer(
            "glassnet fit",
            prep_gn(gn, "float64", "numpy") if gn is not None else None,
            reason=gn_reason,
            dtype="float64",
            key="glassnet",
            note="gn.Network([40,100,100,10], relu, softmax, init='he').fit(cross_entropy, "
            f"adam, lr={LR}, batch_size={BATCH}, epochs={epochs}), History default",
        )
    )
    gj, gj_reason = glassnet_jax_or_reason()
    for dtype, key in (("float64", "glassnet_jax"), ("float32", "glassnet_jax_f32")):
        out.append(
            Peer(
                "glassnet fit, backend='jax'",
                prep_gn(gj, dtype, "jax") if gj is not None else None,
                reason=gj_reason,
                dtype=dtype,
                key=key,
                note=f"the same fit(..., backend='jax'), dtype={dtype!r}; timed warm (the "
                "warm-up call compiles: first call / compile shown)",
            )
        )

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def prep_sk(dtype: str):
        Xs, Xs_te = Xtr.astype(dtype), Xte.astype(dtype)

        def prep(rnd: int):
            clf = MLPClassifier(
                hidden_layer_sizes=tuple(SIZES[1:-1]),
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
                assert clf.n_iter_ == epochs, clf.n_iter_
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
                note=f"MLPClassifier((100, 100), relu, adam, lr {LR}, alpha=0, batch {BATCH}, "
                f"max_iter={epochs}, tol=0, n_iter_no_change={epochs + 1}: every epoch runs)"
                + ("; fitted on float32 data, which it keeps" if dtype == "float32" else ""),
            )
        )
    return out


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import target_ratio

    return [
        target_ratio(
            "classifier: glassnet-jax at least 2x faster than MLPClassifier (both float64)",
            res,
            "sklearn",
            "glassnet_jax",
            kind="at_least",
            limit=2.0,
        ),
        target_ratio(
            "classifier: glassnet-jax at least 4x faster than MLPClassifier (both float32)",
            res,
            "sklearn_f32",
            "glassnet_jax_f32",
            kind="at_least",
            limit=4.0,
        ),
        accuracy_gap(
            "classifier: glassnet-jax float64 within 2 points of MLPClassifier's test accuracy",
            res,
            "glassnet_jax",
            ("sklearn",),
            points=2.0,
        ),
        accuracy_gap(
            "classifier: glassnet-jax float32 within 2 points of MLPClassifier's test accuracy",
            res,
            "glassnet_jax_f32",
            ("sklearn_f32",),
            points=2.0,
        ),
    ]


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    epochs = 10 if quick else 200
    reps = repeats or (2 if quick else 3)
    log(f"classifier: 40-100-100-10, adam lr {LR}, batch {BATCH}, {epochs} epochs, {reps} rounds")
    results = measure(peers(epochs), reps, log)
    return {
        "title": f"classifier: 40-100-100-10 relu/softmax on 4000 x 40 (make_classification, "
        f"10 classes), Adam lr {LR}, batch {BATCH}, {epochs} epochs",
        "params": {
            "epochs": epochs,
            "repeats": reps,
            "lr": LR,
            "batch": BATCH,
            "n_train": N_TRAIN,
            "n_test": N_TEST,
        },
        "unit": ("ms/epoch", 1e3 / epochs),
        "results": results,
        "jax_rows": {"float64": "glassnet_jax", "float32": "glassnet_jax_f32"},
    }
