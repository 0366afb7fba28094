"""Take a playground run with you, or bring a network in.

* :func:`model_files`: each trained network as a glassnet model file (``net.save``: with the
  training core, the network's ``train_state`` carries its configuration, optimizer state and
  History, so the file continues exactly in Python and in ``glassnet train --model``), with the
  page's setup, the data's recipe (``extra["data"]``, see :mod:`glassnet.datasets.recipes`)
  and a ``glassnet train`` record in its metadata; both setups of a comparison.
* :func:`script`: a short Python script that reproduces the run exactly -- the same data, the
  same network from the same seed, and the same ``fit`` calls (``resume=`` continues each from
  the last, so the slices the page trained in step exactly like the script's calls), with any
  weight set by hand at the epoch it was set.
* :func:`command`: the equivalent ``glassnet train`` command, when there is one (one setting
  for the whole run, on a data set the command can make); otherwise the reason there is none.
* :func:`load_model`: read a model file sent by the page, with its size checked before anything
  is inflated, and put its network into the session.

What each setting becomes -- a recipe key, a ``Network`` keyword, a ``fit`` keyword, a
``train`` option -- is read from the table of controls (:mod:`glassnet.playground.controls`).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn
from glassnet.datasets import recipes
from glassnet.playground.controls import CONTROLS, Config
from glassnet.playground.limits import ProtocolError
from glassnet.playground.session import TRAINING_KEYS, Session, target_record

#: Data sets ``glassnet train --dataset`` makes by itself (the engine's).
ENGINE_SETS = (*recipes.ENGINE_SETS, *recipes.FIXED_SETS)
MAX_MODEL_INFLATED = 20_000_000  # bytes a model file may hold once inflated


def _arr(a: np.ndarray) -> str:
    """An array as a Python literal that reads back bit for bit (``repr`` of each float)."""
    rows = ",\n    ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in a)
    return f"np.array([\n    {rows},\n])"


def network_keywords(run: Session) -> dict[str, Any]:
    """The ``gn.Network`` keywords of a run, from the controls exported as one."""
    cfg, data = run.ready()
    out: dict[str, Any] = {}
    for c in CONTROLS:
        if c.network is None:
            continue
        value = cfg[c.name]
        if c.name == "layers":
            value = [data.n_inputs, *value, int(data.y_train.shape[1])]
        elif c.name == "act":
            value = list(value)
        elif c.name == "seed" and run.net is not None and run.net.population:
            value = list(run.net.seeds)
        out[c.network] = value
    return out


def _data_lines(session: Session) -> list[str]:
    _, data = session.ready()
    lines = ["# the data, as the playground made it"]
    if data.recipe is not None:
        lines.append(f"X_train, y_train, X_test, y_test = gn.datasets.from_recipe({data.recipe!r})")
        return lines
    scaled = scaling_record(session)
    lines.append(
        "# (your CSV: the training points as the network saw them, the inputs standardized"
        + (
            " and the target too: (y - mean) / scale with the mean and scale of\n"
            "# TRAINING['target_standardize']; a prediction in the target's units is\n"
            "# net.predict(X) * scale + mean)"
            if "target_standardize" in scaled
            else ")"
        )
    )
    lines.append(f"X_train = {_arr(session.Xn_train)}")
    lines.append(f"y_train = {_arr(data.y_train)}")
    # the scaling glassnet train records: `glassnet inspect --model` reads the saved file's
    lines.append(f"TRAINING = {scaled!r}")
    return lines


def _merged(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log with consecutive resumed slices of the same settings merged: one fit each."""
    keys = (*TRAINING_KEYS, "rules")  # the live training settings, from the table
    merged: list[dict[str, Any]] = []
    for entry in log:
        if "trained" in entry and merged and "trained" in merged[-1] and entry["resume"]:
            last = merged[-1]
            if all(last.get(k) == entry.get(k) for k in keys):
                last["trained"] += entry["trained"]
                last["epoch"] = entry["epoch"]
                continue
        merged.append(dict(entry))
    return merged


def _run_lines(run: Session, suffix: str) -> list[str]:
    cfg, _ = run.ready()
    net, hist, opt = f"net{suffix}", f"hist{suffix}", f"opt{suffix}"
    keywords = network_keywords(run)
    sizes = keywords.pop("sizes")
    args = ", ".join(f"{k}={v!r}" for k, v in keywords.items())
    lines = [f"{net} = gn.Network({sizes}, {args})", f"{hist} = None"]
    if any("loaded" in e for e in run.log):
        name = next(e["loaded"] for e in run.log if "loaded" in e)
        lines = [
            f"{net} = gn.load({name!r})  # the model file loaded into the page",
            f"{hist} = None",
        ]
    current = None
    fitted = False
    for entry in _merged(run.log):
        if "set" in entry:
            layer, source, unit, value = entry["set"]
            index = (
                f"{entry['member']}, {source}, {unit}"
                if run.net.population
                else f"{source}, {unit}"
            )
            lines.append(
                f"{net}.layers[{layer - 1}].W[{index}] = {value!r}  # set by hand at epoch "
                f"{entry['epoch']}"
            )
        elif "trained" in entry and entry.get("rules") == "original":
            lines += _original_lines(run, net, entry)
        elif "trained" in entry:
            if (entry["opt"], entry["lr"]) != current:
                current = (entry["opt"], entry["lr"])
                lines.append(f"{opt} = gn.optimizers.get({entry['opt']!r}, lr={entry['lr']!r})")
            if not entry["resume"] and fitted:
                lines.append(f"{hist} = None  # a new optimizer starts from a fresh state")
            fitted = True
            l1 = f", l1={entry['l1']!r}" if entry.get("l1") else ""
            lines.append(
                f"{hist} = {net}.fit(X_train, y_train, loss={cfg.loss!r}, optimizer={opt}, "
                f"epochs={entry['trained']}, batch_size={entry['batch']!r}{l1}, "
                f"l2={entry['l2']!r}, resume={hist})  # to epoch {entry['epoch']}"
            )
    lines.append(
        f'print("{net}: epoch {run.epoch}, training loss", '
        f"{net}.loss(X_train, y_train, loss={cfg.loss!r}))"
    )
    return lines


def _original_lines(run: Session, net: str, entry: dict[str, Any]) -> list[str]:
    """Epochs trained with the paper's original rules: its own code, on the network's
    parameters."""
    cfg, _ = run.ready()
    members = list(range(run.net.population)) if run.net.population else [None]
    lines = [
        f"# {entry['trained']} epochs of the paper's original rules, to epoch {entry['epoch']}"
    ]
    for m in members:
        at = "" if m is None else f"[{m}]"
        lines += [
            f"p = {net}.params",
            f"run = train_original(X_train, y_train, {cfg.act[0]!r}, lr={entry['lr']!r}, "
            f"epochs={entry['trained']}, init={{'S0': p[0]['W']{at}, 'S1': p[1]['W']{at}, "
            f"'b0': float(p[0]['b']{at}.ravel()[0]), 'b1': float(p[1]['b']{at}.ravel()[0])}})",
            f"p[0]['W']{at or '[...]'} = run.final['S0']; p[1]['W']{at or '[...]'} = "
            f"run.final['S1']",
            f"p[0]['b']{at or '[...]'} = run.final['b0']; p[1]['b']{at or '[...]'} = "
            f"run.final['b1']",
        ]
    return lines


def script(session: Session) -> str:
    """A Python script that reproduces the session's run(s) exactly."""
    cfg, data = session.ready()
    original = any(r.get("rules") == "original" for run in session.runs() for r in run.log)
    head = [
        '"""A glassnet playground run, reproduced exactly.',
        "",
        f"Setup: {json.dumps(cfg.to_dict())}",
        '"""',
        "",
        "import numpy as np  # noqa: F401  (for data written out as numbers)",
        "",
        "import glassnet as gn",
        *(["from glassnet.experiments.original import train_original"] if original else []),
        "",
    ]
    body = [*_data_lines(session), "", "# the network, trained as in the page"]
    body += _run_lines(session, "")
    if session.b is not None:
        body += ["", "# setup B of the comparison: the same data, the same seed"]
        body += _run_lines(session.b, "_b")
    # an upload's scaling goes into the file, as the page's own download records it
    extra = ', extra={"training": TRAINING}' if data.recipe is None else ""
    body += ["", f'net.save("playground-model.npz"{extra})']
    if session.b is not None:
        body += [f'net_b.save("playground-model-b.npz"{extra})']
    return "\n".join([*head, *body, ""])


def _cli_value(name: str, value: Any, session: Session) -> str | None:
    """A setting as the text of its ``glassnet train`` option (None: leave the option out)."""
    _, data = session.ready()
    if name == "layers":
        return ",".join(map(str, value)) or "none"
    if name == "act":
        return ",".join(value) if value else None
    if name == "batch":  # as the run used it: a batch of every point is a full batch
        return str(value) if 0 < value < len(data.X_train) else None
    if name in ("l1", "l2"):
        return repr(value) if value else None
    if name == "split":
        return repr(value) if len(data.X_test) else None
    if isinstance(value, float):
        return repr(value)
    return str(value)


def command(session: Session) -> tuple[str | None, str]:
    """The ``glassnet train`` command that reproduces the run, or ``None`` and why not."""
    cfg, _ = session.ready()
    if cfg.mode != "single":
        return None, f"{cfg.mode} mode trains several networks; the script reproduces them."
    if cfg.rules != "corrected":
        return None, "glassnet train runs exact gradients; the script runs the paper's rules."
    if cfg.dataset == "csv":
        return None, (
            "glassnet train --csv splits the file its own way and standardizes the inputs "
            "(and a regression target) on its training part; the page standardized them on "
            "the whole file. The script reproduces this run."
        )
    if cfg.dataset not in ENGINE_SETS:
        return None, f"glassnet train cannot make the {cfg.dataset!r} data; the script can."
    if cfg.features:
        return None, "glassnet train has no input features; the script writes them out."
    if cfg.dataset not in recipes.FIXED_SETS:
        want = {"n_samples": cfg.n, "noise": cfg.noise, "seed": cfg.seed}
        defaults = gn.datasets.info(cfg.dataset).options  # what `glassnet train` makes
        differ = [k for k, v in want.items() if defaults[k] != v]
        if differ:
            return None, (
                f"glassnet train makes {cfg.dataset} with its defaults "
                + ", ".join(f"{k}={defaults[k]!r}" for k in differ)
                + "; this run used "
                + ", ".join(f"{k}={want[k]!r}" for k in differ)
                + ". The script reproduces it."
            )
    entries = [e for e in session.log if "trained" in e]
    if any("set" in e or "loaded" in e for e in session.log):
        return None, "weights were set by hand or a model file was loaded; the script replays it."
    if not entries:
        return None, "nothing trained yet."
    first = entries[0]
    keys = TRAINING_KEYS
    if any(e[k] != first[k] for e in entries for k in keys) or any(
        not e["resume"] for e in entries[1:]
    ):
        return None, "settings changed during the run; the script replays each part."
    parts = ["glassnet train"]
    for c in CONTROLS:
        value = _cli_value(c.name, cfg[c.name], session)
        if value is None:
            continue
        if c.cli is None:
            if c.fit is not None:  # a training setting the command cannot give
                return None, f"glassnet train has no option for {c.label}; the script has it."
            continue
        parts.append(f"{c.cli} {value}")
    parts.insert(parts.index(f"--lr {cfg.lr!r}") + 1, f"--epochs {session.epoch}")
    parts.append("--out glassnet-run")
    return " ".join(parts), ""


def scaling_record(run: Session) -> dict[str, Any]:
    """How an upload was standardized, as ``glassnet train`` records it: ``standardize``
    (the inputs' means and scales) and, for a regression target, ``target_standardize``
    (the network's outputs map back as ``z * scale + mean``); empty for a recipe's data,
    which is used as it is. With them ``glassnet inspect --model FILE --csv SAME.csv`` and
    ``train --model`` see the inputs and targets the page trained on."""
    _, data = run.ready()
    if data.recipe is not None:
        return {}
    out: dict[str, Any] = {
        "standardize": {"mean": data.mean.tolist(), "scale": data.scale.tolist()}
    }
    target = target_record(data)
    if target is not None:
        out["target_standardize"] = target
    return out


def _training_record(run: Session) -> dict[str, Any]:
    """What ``glassnet train`` writes about a run (``extra["training"]``), so that
    ``glassnet inspect --model`` and ``train --model`` read the page's loss, optimizer and
    scaling."""
    cfg, data = run.ready()
    return {
        **scaling_record(run),
        "loss": cfg.loss,
        "optimizer": cfg.opt,
        "lr": cfg.lr,
        "batch_size": cfg.batch if 0 < cfg.batch < len(data.X_train) else None,
        "epochs": run.epoch,
        "trainer": "gd",
        "dataset": cfg.dataset if cfg.dataset in ENGINE_SETS and not cfg.features else None,
    }


def model_file(run: Session, name: str = "A") -> bytes:
    """The drawn network of one run as a glassnet model file: ``net.save`` with the setup
    (``extra["playground"]``), the data's recipe (``extra["data"]``, None for an upload), the
    epoch, which setup it is and a ``glassnet train`` record in its metadata."""
    cfg, data = run.ready()
    net = run.view()
    extra = {
        "playground": cfg.to_dict(),
        "setup": name,
        "epoch": run.epoch,
        "data": data.recipe,
        "training": _training_record(run),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        net.save(path, extra=extra)
        return path.read_bytes()


def model_files(session: Session) -> list[tuple[str, bytes]]:
    """Every setup's model file: ``[("A", bytes)]``, and ``("B", bytes)`` in a comparison."""
    names = ["A", "B"]
    return [(names[i], model_file(run, names[i])) for i, run in enumerate(session.runs())]


def load_model(session: Session, content: bytes, name: str) -> Config:
    """Put the network of a model file into the session; return the setup it implies.

    The file must hold a single network whose input and output sizes fit the session's data
    and whose hidden layers fit the limits. Its parameters replace the network's; training
    goes on from them with a fresh optimizer state.

    Raises
    ------
    ProtocolError
        Saying what does not fit, or what is wrong with the file.
    """
    cfg, data = session.ready()
    lim = session.limits
    if len(content) > lim.max_model_bytes:
        raise ProtocolError(
            f"Model file too large: at most {lim.max_model_bytes // 1000} kB, "
            f"got {len(content) / 1000:.1f} kB",
            "model",
        )
    try:  # the sizes the archive declares, before anything is inflated
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ProtocolError(f"{name}: not a glassnet model file ({exc})", "model") from None
    if inflated > MAX_MODEL_INFLATED:
        raise ProtocolError(
            f"{name}: the file would inflate to {inflated / 1e6:.0f} MB; a playground network "
            f"is at most {MAX_MODEL_INFLATED / 1e6:.0f} MB",
            "model",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        path.write_bytes(content)
        try:  # the network alone: training goes on here with the page's own settings
            net = gn.load(path, run=False)
        except (ValueError, TypeError, OSError) as exc:
            message = str(exc).replace(str(path), name)
            raise ProtocolError(f"{message}", "model") from None
    if net.population is not None:
        raise ProtocolError(f"{name}: holds a population; load a single network", "model")
    n_in, n_out = data.n_inputs, data.y_train.shape[1]
    if net.sizes[0] != n_in or net.sizes[-1] != n_out:
        raise ProtocolError(
            f"{name}: a {net.sizes[0]}-input, {net.sizes[-1]}-output network does not fit this "
            f"data ({n_in} inputs, {n_out} outputs)",
            "model",
        )
    hidden = net.sizes[1:-1]
    if len(hidden) > lim.max_layers or any(u > lim.max_units for u in hidden):
        raise ProtocolError(
            f"{name}: hidden layers {hidden} are over the limits ({lim.max_layers} layers of "
            f"up to {lim.max_units} units)",
            "model",
        )
    new = cfg.replace(
        mode="single",
        b={},
        layers=list(hidden),
        act=[a.name for a in net.activations[:-1]],
        out=net.activations[-1].name,
        bias=net.bias,
        init=net.init.name if net.init.name in gn.initializers.names() else cfg.init,
        seed=int(net.seeds[0]),
        rules="corrected",
    )
    session.config, session.b = new, None
    session.reset()
    for mine, theirs in zip(session.net.params, net.params, strict=True):
        for key in mine:
            mine[key][...] = theirs[key]
    session.restart(name)
    return new
