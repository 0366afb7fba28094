"""Ready-made setups (presets) and guided lessons, checked before the page sees them.

A **preset** is a named setup (:data:`PRESETS`): the paper's own network in both of
``glassnet paper``'s modes, its race and its many seeds, and the classic demonstrations.
Wherever a setup is written -- the page's menu, the page address (``#preset=paper-tanh``), a
lesson's step, the notebook widget -- a preset's name may stand for it, with settings of its
own on top.

A **lesson** is a short sequence of steps, each a sentence or two, a setup, what to look at
and a question, that runs on the real engine. Built-in lessons ship as TOML files in
``glassnet/playground/lessons/``; a teacher's own is the same format, in TOML or JSON::

    title = "Learning rates that overshoot"
    about = "One sentence on what the lesson shows."

    [[steps]]
    title = "A small step"
    text = "What to do, in a sentence or two."
    setup = { preset = "paper-tanh", lr = 0.5, until = 200 }   # or an address string
    look = "What to look at."
    question = "What to think about."
    after = "Shown once the run has stopped: {race}"           # optional
    tune = { grid = "0.01:10:13", epochs = 1000 }             # optional

Every number a lesson states is computed, not written in: the texts hold placeholders,
``{A.reached}``, ``{B.loss}``, ``{race}``, ``{test}`` ... (:data:`FACTS`), which the page fills
from the run it shows; ``tune`` makes the step's learning rate each setup's best over a grid
(the same rule as ``glassnet paper``'s sweep), found by training on the server before the step
starts. :func:`parse_lesson` checks a lesson whole -- its size, its keys (a misspelt key gets a
did-you-mean), every setup through :func:`~glassnet.playground.controls.parse_config`, every
placeholder -- and names the step and key of anything wrong.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from glassnet._validation import Underflow, did_you_mean, read_float
from glassnet.playground.controls import Config, parse_config
from glassnet.playground.limits import Limits, ProtocolError

__all__ = [
    "FACTS",
    "MAX_LESSON_BYTES",
    "PRESETS",
    "best_learning_rates",
    "builtin_lessons",
    "check_tune",
    "lesson_message",
    "parse_lesson",
    "parse_setup",
    "resolve_setup",
    "tuned_setup",
]

_PAPER = {
    "dataset": "paper",
    "layers": [2],
    "act": "sigmoid",
    "out": "sigmoid",
    "loss": "sse",
    "opt": "gd",
    "lr": 0.5,
    "batch": 0,
    "l1": 0.0,
    "l2": 0.0,
    "bias": "layer",
    "init": "paper",
    "seed": 1,
    "features": [],
    "rules": "corrected",
    "threshold": 0.01,
    "until": 100,
}
_TANH = {"act": "tanh", "out": "tanh01"}

#: Named setups: name -> (label, setup). The paper's follow ``glassnet paper``: its 3-2-1
#: network (one bias per layer, the paper's initial values from seed 1), its four cases, the
#: summed squared error, gradient descent at 0.5, 100 epochs; ``corrected`` (exact gradients)
#: or ``original`` (the rules its code ran). Its seeds comparison is the report's section 2.
# fmt: off
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "paper-sigmoid": ("The paper: 3-2-1, sigmoid (exact gradients)", _PAPER),
    "paper-tanh": ("The paper: 3-2-1, tanh (exact gradients)", {**_PAPER, **_TANH}),
    "paper-sigmoid-original": (
        "The paper: 3-2-1, sigmoid (its code's rules)",
        {**_PAPER, "rules": "original"},
    ),
    "paper-tanh-original": (
        "The paper: 3-2-1, tanh (its code's rules)",
        {**_PAPER, **_TANH, "rules": "original"},
    ),
    "paper-race": (
        "The paper's race: sigmoid against tanh",
        {**_PAPER, "mode": "compare", "b": dict(_TANH)},
    ),
    "paper-race-original": (
        "The paper's race, with its code's rules",
        {**_PAPER, "mode": "compare", "rules": "original", "b": dict(_TANH)},
    ),
    "paper-seeds": (
        "The paper's question over 30 seeds",
        {**_PAPER, "mode": "compare_seeds", "seeds": 30, "seed": 0, "until": 1000,
         "pace": 200.0, "b": dict(_TANH)},
    ),
    "quadrants": (
        "XOR quadrants, tanh",
        {"dataset": "quadrants", "layers": [4, 4], "act": "tanh", "out": "sigmoid",
         "loss": "bce", "opt": "adam", "lr": 0.03, "batch": 16},
    ),
    "vanishing": (
        "Vanishing gradients: 5 sigmoid layers",
        {"dataset": "moons", "layers": [8] * 5, "act": "sigmoid", "out": "sigmoid",
         "loss": "mse", "opt": "gd", "lr": 0.1, "batch": 0},
    ),
    "lr-too-high": (
        "Learning rate too high",
        {"dataset": "moons", "layers": [8], "act": "tanh", "out": "sigmoid", "loss": "bce",
         "opt": "adam", "lr": 2, "batch": 16},
    ),
    "dead-relus": (
        "Dead ReLUs",
        {"dataset": "circles", "layers": [16], "act": "relu", "out": "sigmoid", "loss": "bce",
         "opt": "momentum", "lr": 1, "batch": 8, "init": "he_normal"},
    ),
    "spirals": (
        "Spirals (hard)",
        {"dataset": "spirals", "n": 400, "noise": 0.02, "layers": [12, 12, 8], "act": "tanh",
         "out": "sigmoid", "loss": "bce", "opt": "adam", "lr": 0.01, "batch": 32},
    ),
    "circles-features": (
        "Circles with x1², x2², no hidden layer",
        {"dataset": "circles", "layers": [], "act": [], "features": ["x1sq", "x2sq"],
         "out": "sigmoid", "loss": "bce", "opt": "adam", "lr": 0.1, "batch": 0},
    ),
    "bumps": (
        "Regression: Gaussian bumps",
        {"dataset": "bumps", "n": 400, "noise": 0, "layers": [8, 8], "act": "tanh",
         "out": "identity", "loss": "mse", "opt": "adam", "lr": 0.02, "batch": 16},
    ),
    "blobs": (
        "Three classes, softmax",
        {"dataset": "blobs", "noise": 1, "layers": [5], "act": "relu", "out": "softmax",
         "loss": "cross_entropy", "opt": "adam", "lr": 0.03, "batch": 16},
    ),
}
# fmt: on

#: The placeholders a lesson's texts may hold, filled by the page from the run it shows.
FACTS: dict[str, str] = {
    "epoch": "the epoch now",
    "until": "the epoch the step's run stops at",
    "seed": "the seed (the first seed in the seeds modes)",
    "seeds": "the number of seeds in the seeds modes",
    "threshold": "the threshold on the loss per training case",
    "A.sizes": "A's layer sizes, as 3-2-1",
    "B.sizes": "B's layer sizes",
    "A.act": "A's hidden activation(s)",
    "B.act": "B's hidden activation(s)",
    "race": "the race in words: who went below the threshold first, and by how much",
    "A.reached": "the epoch A's loss per case went below the threshold (or 'not yet')",
    "B.reached": "the same for B",
    "A.loss": "A's loss per training case now",
    "B.loss": "B's loss per training case now",
    "A.lr": "A's learning rate",
    "B.lr": "B's learning rate",
    "A.converged": "seeds modes: the share of A's seeds converged, with its interval",
    "B.converged": "the same for B",
    "A.median": "seeds modes: A's median epochs to converge, with its interval",
    "B.median": "the same for B",
    "test": "seeds modes: the Mann-Whitney test of A's epochs against B's",
    "A.rises": "how many epochs A's loss rose above the epoch before (overshooting steps)",
    "B.rises": "the same for B",
    "A.grad_ratio": "A's gradient norm of layer 1 over the output layer's (vanishing gradients)",
    "B.grad_ratio": "the same for B",
    "A.best_lr": "after a tune: A's best learning rate of the grid",
    "B.best_lr": "the same for B",
}

MAX_LESSON_BYTES = 20_000  # a lesson file; its steps' texts are a few sentences each
MAX_STEPS = 12
MAX_TEXT = 1500  # characters of one text
MAX_GRID = 16  # learning rates one tune may try
LESSON_KEYS = ("title", "about", "steps")
STEP_KEYS = ("title", "text", "setup", "look", "question", "after", "tune")
TEXT_KEYS = ("title", "text", "look", "question", "after")
TUNE_KEYS = ("grid", "epochs")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _refuse(where: str, message: str) -> ProtocolError:
    return ProtocolError(f"{where}: {message}", "lesson")


def resolve_setup(spec: Any, where: str = "setup") -> dict[str, Any]:
    """A setup written as a preset's name, an address string (``"preset=paper-tanh&lr=1"``,
    ``"dataset=xor&layers=4"``) or a mapping (``{"preset": "paper-race", "until": 50}``), as
    the mapping of settings it stands for (not yet checked: see :func:`parse_setup`)."""
    if isinstance(spec, str):
        if spec in PRESETS:
            return _preset(spec, where)
        spec = _address(spec, where)
    if not isinstance(spec, Mapping):
        raise _refuse(where, f"expected a preset's name, an address or a table, got {spec!r:.60}")
    out = dict(spec)
    name = out.pop("preset", None)
    if name is None:
        return out
    base = _preset(name, f"{where} preset")
    b = {**base.get("b", {}), **out.pop("b", {})} if "b" in out or "b" in base else None
    merged = {**base, **out}
    if b is not None:
        merged["b"] = b
    return merged


def _preset(name: Any, where: str) -> dict[str, Any]:
    if not isinstance(name, str) or name not in PRESETS:
        raise _refuse(
            where,
            f"unknown preset {name!r:.60}; expected one of {', '.join(PRESETS)}"
            f"{did_you_mean(name, PRESETS)}",
        )
    return json.loads(json.dumps(PRESETS[name][1]))  # a fresh copy, lists and all


def _address(text: str, where: str) -> dict[str, Any]:
    """An address's settings (``a=1&b.lr=2&layers=4,4``), as text values (the parser reads
    text as the page address writes it)."""
    out: dict[str, Any] = {}
    b: dict[str, Any] = {}
    from urllib.parse import parse_qsl

    for key, value in parse_qsl(text.lstrip("#"), keep_blank_values=True):
        if key.startswith("b."):
            b[key[2:]] = value
        else:
            out[key] = value
    if b:
        out["b"] = b
    return out


def parse_setup(spec: Any, limits: Limits, where: str = "setup") -> Config:
    """:func:`resolve_setup`, then checked by :func:`parse_config`; a refusal names
    ``where`` and the setting."""
    raw = resolve_setup(spec, where)
    try:
        return parse_config(raw, limits)
    except ProtocolError as exc:
        raise ProtocolError(f"{where}: {exc}", exc.field) from None


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _refuse(where, f"expected a text, got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise _refuse(where, f"at most {MAX_TEXT} characters, got {len(value)}")
    for found in _PLACEHOLDER.findall(value):
        if found not in FACTS:
            raise _refuse(
                where,
                f"unknown placeholder {{{found}}}; the facts a lesson may state are "
                f"{', '.join('{' + f + '}' for f in FACTS)}{did_you_mean(found, FACTS)}",
            )
    return value


def _keys(table: Mapping[str, Any], valid: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in valid:
            raise _refuse(
                where,
                f"unknown key {key!r:.40}; expected {', '.join(valid)}{did_you_mean(key, valid)}",
            )


def check_tune(value: Any, where: str) -> dict[str, Any]:
    from glassnet.experiments.paper import parse_lr_grid

    if not isinstance(value, Mapping):
        raise _refuse(where, f"expected a table with grid and epochs, got {value!r:.60}")
    _keys(value, TUNE_KEYS, where)
    try:
        grid = parse_lr_grid(value.get("grid", "0.01:10:13"))
    except ValueError as exc:
        raise _refuse(f"{where} grid", str(exc)) from None
    if len(grid) > MAX_GRID:
        raise _refuse(f"{where} grid", f"at most {MAX_GRID} learning rates, got {len(grid)}")
    epochs = value.get("epochs", 1000)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 10 <= epochs <= 10_000:
        raise _refuse(f"{where} epochs", f"expected an integer in [10, 10000], got {epochs!r:.40}")
    return {"grid": list(grid), "epochs": epochs}


def parse_lesson(text: Any, name: str, limits: Limits) -> dict[str, Any]:
    """Read and check a lesson file (TOML, or JSON when it starts with ``{``).

    Parameters
    ----------
    text : str
        The file's content, at most :data:`MAX_LESSON_BYTES` bytes.
    name : str
        The file's name, for the messages.
    limits : Limits
        Every step's setup must fit them.

    Returns
    -------
    dict
        ``title``, ``about`` and ``steps``, each step with its texts, its ``setup`` (a checked
        setup, as the page sends it) and its ``tune`` (or None).

    Raises
    ------
    ProtocolError
        Naming the file, the step and the key at fault, what was expected and what came.
    """
    name = str(name)[:100] or "lesson"
    if not isinstance(text, str):
        raise _refuse(name, f"expected the file's text, got {type(text).__name__}")
    size = len(text.encode("utf-8"))
    if size > MAX_LESSON_BYTES:
        raise _refuse(
            name,
            f"a lesson file is at most {MAX_LESSON_BYTES // 1000} kB, got {size / 1000:.1f} kB",
        )
    try:
        data = (
            json.loads(text, parse_float=read_float)
            if text.lstrip().startswith("{")
            else tomllib.loads(text, parse_float=read_float)
        )
    except Underflow as exc:
        raise _refuse(name, str(exc)) from None
    except (ValueError, RecursionError) as exc:
        kind = "JSON" if text.lstrip().startswith("{") else "TOML"
        raise _refuse(name, f"not valid {kind} ({str(exc)[:200]})") from None
    if not isinstance(data, dict):
        raise _refuse(
            name, f"expected a table of title, about and steps, got {type(data).__name__}"
        )
    _keys(data, LESSON_KEYS, name)
    if "title" not in data:
        raise _refuse(name, "the key 'title' is missing")
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise _refuse(name, "expected 'steps', a list of at least one step ([[steps]] in TOML)")
    if len(steps_raw) > MAX_STEPS:
        raise _refuse(name, f"at most {MAX_STEPS} steps, got {len(steps_raw)}")
    steps = []
    for i, raw in enumerate(steps_raw):
        where = f"{name} step {i + 1}"
        if not isinstance(raw, dict):
            raise _refuse(where, f"expected a table, got {type(raw).__name__}")
        _keys(raw, STEP_KEYS, where)
        for key in ("text", "setup"):
            if key not in raw:
                raise _refuse(where, f"the key {key!r} is missing")
        step: dict[str, Any] = {k: _text(raw.get(k, ""), f"{where} {k}") for k in TEXT_KEYS}
        config = parse_setup(raw["setup"], limits, f"{where} setup")
        step["setup"] = config.to_dict()
        step["tune"] = check_tune(raw["tune"], f"{where} tune") if "tune" in raw else None
        steps.append(step)
    return {
        "title": _text(data["title"], f"{name} title"),
        "about": _text(data.get("about", ""), f"{name} about"),
        "steps": steps,
    }


def builtin_lessons() -> dict[str, str]:
    """The built-in lessons' files: id (the file's name without ``.toml``) -> text."""
    root = resources.files("glassnet.playground").joinpath("lessons")
    out = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".toml"):
            out[entry.name.removesuffix(".toml")] = entry.read_text(encoding="utf-8")
    return out


def lesson_message(lesson: dict[str, Any], source: str) -> dict[str, Any]:
    """The ``lesson`` message for the page: the checked lesson and where it came from."""
    return {"type": "lesson", "source": source, **lesson}


# --- each setup at its best learning rate --------------------------------------------------
def best_learning_rates(session: Any, grid: list[float], epochs: int) -> dict[str, Any]:
    """Each setup's best learning rate of ``grid`` for the session's setup: the rate with the
    fewest median epochs to converge over the setup's seeds, then the most converged, then the
    smallest -- ``glassnet paper``'s rule for its sweep -- found by training every (rate,
    seed) pair as one population for ``epochs`` epochs.

    Returns
    -------
    dict
        ``{"a": best or None, "b": ...}`` (None when no rate converged), and per setup the
        rows of the sweep (``lr``, ``converged``, ``median``).
    """
    import glassnet as gn
    from glassnet import stats
    from glassnet.playground.session import N_BOOT, epoch_seconds

    cfg, data = session.ready()
    out: dict[str, Any] = {}
    seeds = cfg.seeds if cfg.population else 1
    setups = [("a", cfg)] + ([("b", cfg.second())] if session.b is not None else [])
    work = 0.0
    for _, run_cfg in setups:
        if run_cfg.rules != "corrected":
            raise ProtocolError("tune: the learning-rate sweep runs exact gradients only", "lesson")
        sizes = [data.n_inputs, *run_cfg.layers, int(data.y_train.shape[1])]
        work += epoch_seconds(len(data.X_train), run_cfg.batch, sizes, len(grid) * seeds) * epochs
    if work > session.limits.max_step_seconds:
        raise ProtocolError(
            f"tune: {len(grid)} learning rates x {seeds} seeds x {epochs} epochs are about "
            f"{work:.0f} s of computing, over the limit of {session.limits.max_step_seconds:g} s "
            "per request: fewer rates, seeds or epochs",
            "lesson",
        )
    X, y = session.Xn_train, data.y_train
    for key, run_cfg in setups:
        first = run_cfg.seed
        members = [first + k for k in range(seeds)] * len(grid)
        net = gn.Network(
            [data.n_inputs, *run_cfg.layers, int(y.shape[1])],
            activation=list(run_cfg.act) if run_cfg.layers else run_cfg.act,
            output=run_cfg.out,
            bias=run_cfg.bias,
            init=run_cfg.init,
            seed=members,
        )
        lr = np.repeat(np.asarray(grid, dtype=float), seeds)
        with np.errstate(all="ignore"):
            hist = net.fit(
                X, y, loss=run_cfg.loss, optimizer=run_cfg.opt, lr=lr, epochs=epochs,
                batch_size=run_cfg.batch if 0 < run_cfg.batch < len(X) else None,
                stats_every=None, warn=False,
            )  # fmt: skip
        per_case = np.asarray(session.per_case(np.asarray(hist.loss, dtype=float)))
        reached = np.asarray(gn.convergence.threshold_epoch(per_case, run_cfg.threshold))
        # a run that went below the threshold and then diverged has not converged
        diverged = np.asarray(hist.diverged, bool) | ~np.isfinite(per_case).all(axis=-1)
        reached = np.where(diverged, -1, reached).reshape(len(grid), seeds)
        rows = []
        for g, rate in enumerate(grid):
            conv = stats.proportion(reached[g] >= 0)
            med = stats.median_ci(np.where(reached[g] < 0, np.inf, reached[g]), n_boot=N_BOOT)
            rows.append({"lr": rate, "converged": conv.value, "median": med.value})
        best = min(range(len(grid)), key=lambda g: (rows[g]["median"], -rows[g]["converged"],
                                                    rows[g]["lr"]))  # fmt: skip
        found = rows[best]["lr"] if math.isfinite(rows[best]["median"]) else None
        out[key] = found
        out[f"{key}_rows"] = [
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in r.items()
            }
            for r in rows
        ]
    return out


def tuned_setup(config: Config, best: dict[str, Any]) -> dict[str, Any]:
    """The setup with each setup's best learning rate (kept where none converged)."""
    out = config.to_dict()
    if best.get("a") is not None:
        out["lr"] = best["a"]
    if best.get("b") is not None and config.mode in ("compare", "compare_seeds"):
        out["b"] = {**out["b"], "lr": best["b"]}
    return out
