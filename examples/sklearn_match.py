"""glassnet's scikit-learn estimators against MLPClassifier / MLPRegressor, configured alike.

Each row trains both estimators with the same layers, activation, solver, batch size, learning
rate, alpha and number of epochs (every run goes the full ``max_iter`` epochs: ``tol=0``,
``n_iter_no_change=max_iter``), inside the same pipeline, and reports the 5-fold
cross-validated accuracy (R^2 for diabetes) of each. The "float32" row feeds both float32
input (both then train float32 networks); the "partial_fit" row streams each training fold
through ``partial_fit`` in chunks of 100 samples (each one full-batch step), one pass per
epoch. Run::

    .venv/bin/python examples/sklearn_match.py            # the README table (Markdown)
    .venv/bin/python examples/sklearn_match.py --folds 3 --epochs 50
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

CHUNK = 100  # samples per partial_fit call in the "partial_fit" row

# row -> (loader, task, shared estimator settings[, how: "float32" or "partial_fit"])
CASES = {
    "iris": (
        load_iris,
        "classification",
        dict(hidden_layer_sizes=(16,), activation="relu", solver="adam",
             learning_rate_init=0.01, batch_size="auto", alpha=1e-4, max_iter=200),
    ),
    "digits": (
        load_digits,
        "classification",
        dict(hidden_layer_sizes=(64,), activation="relu", solver="adam",
             learning_rate_init=0.001, batch_size=64, alpha=1e-4, max_iter=60),
    ),
    "digits float32": (
        load_digits,
        "classification",
        dict(hidden_layer_sizes=(64,), activation="relu", solver="adam",
             learning_rate_init=0.001, batch_size=64, alpha=1e-4, max_iter=60),
        "float32",
    ),
    "digits partial_fit": (
        load_digits,
        "classification",
        dict(hidden_layer_sizes=(64,), activation="relu", solver="adam",
             learning_rate_init=0.001, batch_size="auto", alpha=1e-4, max_iter=30),
        "partial_fit",
    ),
    "diabetes": (
        load_diabetes,
        "regression",
        dict(hidden_layer_sizes=(16,), activation="tanh", solver="sgd", momentum=0.9,
             learning_rate_init=0.005, batch_size=32, alpha=1e-2, max_iter=100),
    ),
}  # fmt: skip


def _pipeline(estimator, task: str):
    if task == "regression":  # both see standardized targets, scored on the original scale
        estimator = TransformedTargetRegressor(estimator, transformer=StandardScaler())
    return make_pipeline(StandardScaler(), estimator)


def _partial_fit_score(est, X, y, cv, chunk: int, epochs: int, seed: int) -> np.ndarray:
    """Per fold: standardize, then ``epochs`` passes of ``partial_fit`` over chunks."""
    scores = []
    classes = np.unique(y)
    for train, test in cv.split(X, y):
        scaler = StandardScaler().fit(X[train])
        Xtr, Xte = scaler.transform(X[train]), scaler.transform(X[test])
        model = clone(est)
        order = np.random.RandomState(seed)
        for _ in range(epochs):
            idx = order.permutation(len(train))
            for start in range(0, len(idx), chunk):
                part = idx[start : start + chunk]
                model.partial_fit(Xtr[part], y[train][part], classes=classes)
        scores.append(model.score(Xte, y[test]))
    return np.asarray(scores)


def compare(name: str, folds: int = 5, epochs: int | None = None, seed: int = 0) -> dict:
    """Cross-validate both estimators on one row; returns scores and timings."""
    loader, task, settings, *rest = CASES[name]
    how = rest[0] if rest else "fit"
    X, y = loader(return_X_y=True)
    if how == "float32":
        X = X.astype(np.float32)
    settings = dict(settings)
    if epochs is not None:
        settings["max_iter"] = epochs
    settings.update(tol=0.0, n_iter_no_change=settings["max_iter"], random_state=seed)
    if task == "classification":
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        ours, theirs, metric = GlassnetClassifier(**settings), MLPClassifier(**settings), "accuracy"
    else:
        cv = KFold(folds, shuffle=True, random_state=seed)
        ours, theirs, metric = GlassnetRegressor(**settings), MLPRegressor(**settings), "r2"
    out: dict = {"dataset": name, "metric": metric, "settings": settings, "folds": folds}
    for label, est in (("glassnet", ours), ("sklearn", theirs)):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if how == "partial_fit":
                scores = _partial_fit_score(est, X, y, cv, CHUNK, settings["max_iter"], seed)
            else:
                scores = cross_val_score(_pipeline(est, task), X, y, cv=cv, scoring=metric)
        out[label] = scores
        out[f"{label}_seconds"] = time.perf_counter() - start
    out["difference"] = float(out["glassnet"].mean() - out["sklearn"].mean())
    out["how"] = how
    return out


def _describe(s: dict) -> str:
    solver = s["solver"] + (f", momentum {s['momentum']}" if s["solver"] == "sgd" else "")
    return (
        f"{s['hidden_layer_sizes']}, {s['activation']}, {solver}, lr {s['learning_rate_init']}, "
        f"batch {s['batch_size']}, alpha {s['alpha']}, {s['max_iter']} epochs"
    )


def _how(how: str) -> str:
    return {"fit": "", "float32": ", float32 input",
            "partial_fit": f", partial_fit on chunks of {CHUNK}"}[how]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="override every max_iter")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        "| dataset | metric | configuration (both) | glassnet | scikit-learn | difference "
        "| time glassnet / sklearn |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in CASES:
        r = compare(name, args.folds, args.epochs, args.seed)
        g, s = r["glassnet"], r["sklearn"]
        print(
            f"| {name} | {r['metric']} ({r['folds']}-fold) "
            f"| {_describe(r['settings'])}{_how(r['how'])} "
            f"| {g.mean():.4f} ± {g.std():.4f} | {s.mean():.4f} ± {s.std():.4f} "
            f"| {100 * r['difference']:+.2f} points "
            f"| {r['glassnet_seconds']:.1f} s / {r['sklearn_seconds']:.1f} s |"
        )


if __name__ == "__main__":
    np.seterr(all="warn")
    main()
