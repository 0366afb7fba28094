"""cv: cross-validation on digits with a 64-32-10 network, 20 epochs (issue 23).

scikit-learn's 8x8 digits / 16; relu + softmax, cross-entropy, Adam lr 1e-3, mini-batches of
200 (scikit-learn's ``batch_size="auto"``), L2 ``alpha = 1e-4``, 20 epochs, no early stopping.
Two tasks, each timed as one call:

* ``cross_val_score(estimator, X, y, cv=5)``: 5 folds of 1437 or 1438 training samples;
* ``GridSearchCV(estimator, {"learning_rate_init": [1e-3, 2e-3, 5e-3, 1e-2]}, cv=3)``: 4 settings
  x 3 folds of 1198 samples, then the refit on all 1797.

Peers: ``MLPClassifier((32,))``; ``GlassnetClassifier((32,))`` as it is, on both backends (its
``fit`` hands ``fit`` a ready ``Optimizer`` object and a schedule callable made per call, which
key a compiled program by identity: every fold compiles); and the same network trained through
``Network.fit`` by name (``optimizer="adam", lr=..., batch_size=..., l2=...``), the way the
estimator must call it so that the folds share one program: one call of 20 epochs, and 20
resumed calls of one epoch (``fit(..., epochs=1, resume=history)``, the shape of an estimator
whose callbacks run between epochs). A compiled row's first call runs with empty program caches
(memory and a fresh disk cache): it is the *cold* cross-validation; its "programs built"
column counts the programs compiled in it.
"""

from __future__ import annotations

import tempfile
import warnings
from typing import Any

import numpy as np

from bench.harness import Peer, glassnet_jax_or_reason, glassnet_or_reason, measure, optional

HIDDEN = 32
EPOCHS = 20
LR = 1e-3
ALPHA = 1e-4
GRID = {"learning_rate_init": [1e-3, 2e-3, 5e-3, 1e-2]}
COMPILED_S = [
    0.0
]  # History.compile_seconds of every fit by name (scikit-learn clones the estimator)


def load() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def by_name_estimator(gn: Any) -> Any:
    """A minimal scikit-learn classifier over ``Network.fit`` with the optimizer by name."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class ByName(ClassifierMixin, BaseEstimator):
        def __init__(
            self,
            learning_rate_init: float = LR,
            backend: str = "numpy",
            per_epoch: bool = False,
            random_state: int = 0,
        ) -> None:
            self.learning_rate_init = learning_rate_init
            self.backend = backend
            self.per_epoch = per_epoch
            self.random_state = random_state

        def fit(self, X: np.ndarray, y: np.ndarray) -> Any:
            self.classes_, Y = np.unique(y, return_inverse=True)
            batch = min(200, len(X))
            self.net_ = gn.Network(
                [X.shape[1], HIDDEN, len(self.classes_)],
                activation="relu",
                output="softmax",
                init="he",
                seed=self.random_state,
            )
            kw = {
                "loss": "cross_entropy",
                "optimizer": "adam",
                "lr": self.learning_rate_init,
                "batch_size": batch,
                "l2": ALPHA / batch,
                "backend": self.backend,
            }
            if self.per_epoch:
                history = None
                for _ in range(EPOCHS):
                    history = self.net_.fit(X, Y, epochs=1, resume=history, **kw)
                    COMPILED_S[0] += history.compile_seconds
            else:
                COMPILED_S[0] += self.net_.fit(X, Y, epochs=EPOCHS, **kw).compile_seconds
            return self

        def predict(self, X: np.ndarray) -> np.ndarray:
            return self.classes_[self.net_.predict(X).argmax(axis=1)]

    return ByName


def peers(task: str) -> list[Peer]:
    from sklearn.model_selection import GridSearchCV, cross_val_score

    X, y = load()
    gn, gn_reason = glassnet_or_reason()
    gj, gj_reason = glassnet_jax_or_reason()

    def evaluate(est: Any) -> dict[str, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: 20 epochs, by design
            if task == "cross_val_score":
                return {"mean_score": float(np.mean(cross_val_score(est, X, y, cv=5)))}
            search = GridSearchCV(est, GRID, cv=3).fit(X, y)
            return {"mean_score": float(search.best_score_)}

    def prep(make: Any, compiled: bool = False):
        def prepare(rnd: int):
            est = make()

            def timed():
                if not compiled:
                    return evaluate(est)
                from glassnet import compiled as gc

                before, seconds = len(gc._cache), COMPILED_S[0]
                out = evaluate(est)
                out["programs"] = len(gc._cache) - before
                if COMPILED_S[0] > seconds:  # fits by name report their History's compile time
                    out["compile_s"] = COMPILED_S[0] - seconds
                return out

            return timed

        return prepare

    out: list[Peer] = []
    sk, _ = optional("sklearn")
    if sk is not None:
        from sklearn.neural_network import MLPClassifier

        def mlp() -> Any:
            return MLPClassifier(
                (HIDDEN,),
                learning_rate_init=LR,
                alpha=ALPHA,
                max_iter=EPOCHS,
                tol=0.0,
                n_iter_no_change=EPOCHS + 1,
                random_state=0,
            )

        out.append(Peer("scikit-learn MLPClassifier", prep(mlp), dtype="float64", key="sklearn"))

    for backend, key in (("numpy", "glassnet"), ("jax", "estimator_jax")):
        ok = gn is not None if backend == "numpy" else gj is not None

        def estimator(backend: str = backend) -> Any:
            from glassnet.sklearn import GlassnetClassifier

            return GlassnetClassifier(
                (HIDDEN,),
                learning_rate_init=LR,
                alpha=ALPHA,
                max_iter=EPOCHS,
                tol=0.0,
                n_iter_no_change=EPOCHS + 1,
                random_state=0,
                backend=backend,
            )

        if backend == "jax" and task != "cross_val_score":
            continue  # 15 compilations a call: the cross_val_score row makes the point
        out.append(
            Peer(
                f"GlassnetClassifier, backend={backend!r}",
                prep(estimator, backend == "jax") if ok else None,
                reason=gn_reason if backend == "numpy" else gj_reason,
                dtype="float64",
                key=key,
                note="the estimator as it is: a ready Optimizer object and a rate callable per fit"
                + ("; each fold compiles its own program" if backend == "jax" else ""),
            )
        )

    for backend, per_epoch, key in (
        ("numpy", False, "name_numpy"),
        ("jax", False, "name_jax"),
        ("numpy", True, "name_numpy_epochs"),
        ("jax", True, "name_jax_epochs"),
    ):
        ok = gn is not None if backend == "numpy" else gj is not None

        def by_name(backend: str = backend, per_epoch: bool = per_epoch) -> Any:
            return by_name_estimator(gn)(backend=backend, per_epoch=per_epoch)

        what = "20 resumed fits of 1 epoch" if per_epoch else "one fit of 20 epochs"
        out.append(
            Peer(
                f"Network.fit by name, {what}, backend={backend!r}",
                prep(by_name, backend == "jax") if ok else None,
                reason=gn_reason if backend == "numpy" else gj_reason,
                dtype="float64",
                key=key,
                note="fit(optimizer='adam', lr=..., batch_size=min(200, n), l2=alpha/batch): "
                "what the estimator must pass so that the folds share one program",
            )
        )
    return out


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.report import target_ratio, verdict

    out = []
    tasks = res["tasks"]
    for label, res_task in (
        ("cross_val_score", tasks["cross_val_score"]),
        ("GridSearchCV", tasks["grid"]),
    ):
        for jax_key, np_key, what in (
            ("name_jax", "name_numpy", "one fit of 20 epochs"),
            ("name_jax_epochs", "name_numpy_epochs", "20 resumed fits of 1 epoch"),
        ):
            out.append(
                target_ratio(
                    f"cv: warm {label} on digits, backend='jax' faster than NumPy ({what})",
                    res_task,
                    np_key,
                    jax_key,
                    kind="at_least",
                    limit=1.0,
                )
            )
    cvs = tasks["cross_val_score"]
    for jax_key, np_key, what in (
        ("name_jax", "name_numpy", "one fit of 20 epochs"),
        ("name_jax_epochs", "name_numpy_epochs", "20 resumed fits of 1 epoch"),
    ):
        r, base = cvs["results"].get(jax_key), cvs["results"].get(np_key)
        desc = (
            f"cv: cold cross_val_score with backend='jax' at most one compile slower than "
            f"NumPy ({what}; (cold - NumPy) / one compile)"
        )
        if r is None or base is None or r.status != "ok" or base.median_s is None:
            out.append(verdict(desc, None, "at_most", 1.0, "not run"))
            continue
        programs = int(r.warmup.get("programs") or 0)
        one = float(r.warmup.get("compile_s") or 0.0) / max(programs, 1)
        value = (r.warmup["warmup_s"] - base.median_s) / one if one else None
        t = verdict(desc, value, "at_most", 1.0, "no compile in the first call")
        t["programs_built_cold"] = programs
        t["one_compile_s"] = one
        out.append(t)
    out.append(
        target_ratio(
            "cv: warm cross_val_score, GlassnetClassifier backend='jax' faster than "
            "backend='numpy' (the estimator as it is)",
            cvs,
            "glassnet",
            "estimator_jax",
            kind="at_least",
            limit=1.0,
        )
    )
    return out


def _cold_columns(results: dict[str, Any]) -> None:
    # the table's columns are medians over the timed (warm) rounds: the cold call's count of
    # programs built goes beside them
    for r in results.values():
        if r.status == "ok" and "programs" in r.warmup:
            for m in r.metrics:
                m["programs_cold"] = r.warmup["programs"]


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    reps = repeats or (1 if quick else 3)
    gn, _ = glassnet_or_reason()
    out: dict[str, Any] = {
        "title": "cv: digits 64-32-10, Adam, batch 200, 20 epochs: cross_val_score (5 folds) "
        "and GridSearchCV (4 settings x 3 folds)",
        "params": {"hidden": HIDDEN, "epochs": EPOCHS, "repeats": reps, "grid": GRID},
    }
    tasks = {}
    for task, name in (("cross_val_score", "cross_val_score"), ("grid", "GridSearchCV")):
        log(f"cv: {name} on digits, {reps} rounds")
        with tempfile.TemporaryDirectory() as tmp:
            restore = gn.compiled.configure(cache_dir=tmp) if gn is not None else None
            if gn is not None:
                gn.compiled.clear_cache(disk=False)  # the first call of each row is cold
            try:
                results = measure(peers(task), reps, log)
            finally:
                if restore is not None:
                    restore.__exit__()
        _cold_columns(results)
        tasks[task] = {
            "title": f"cv: {name}, digits 64-32-10, Adam, batch 200, 20 epochs",
            "results": results,
        }
    out["tasks"] = tasks
    # every row of both tasks, for the contention figures (the tables print the tasks apart)
    out["results"] = {
        f"{task}:{k}": v for task, t in tasks.items() for k, v in t["results"].items()
    }
    return out
