"""Take a playground run with you, or bring a network in.

* :func:`model_file`: the trained network as a glassnet model file (the bytes of ``net.save``),
  its setup and history in the file's metadata.
* :func:`script`: a short Python script that reproduces the run exactly -- the same data, the
  same network from the same seed, and the same ``fit`` calls (``resume=`` continues each from
  the last, so the slices the page trained in step exactly like the script's calls), with any
  weight set by hand at the epoch it was set.
* :func:`command`: the equivalent ``glassnet train`` command, when there is one (one setting
  for the whole run, on a data set the command can make); otherwise the reason there is none.
* :func:`load_model`: read a model file sent by the page, with its size checked before anything
  is inflated, and put its network into the session.
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
from glassnet.playground.protocol import Config, ProtocolError
from glassnet.playground.session import SMALL_SETS, Session

#: Data sets the script (and the command) can make with :func:`glassnet.datasets.load`.
ENGINE_SETS = ("moons", "circles", "spirals", "blobs", *SMALL_SETS)
MAX_MODEL_INFLATED = 20_000_000  # bytes a model file may hold once inflated


def _arr(a: np.ndarray) -> str:
    """An array as a Python literal that reads back bit for bit (``repr`` of each float)."""
    rows = ",\n    ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in a)
    return f"np.array([\n    {rows},\n])"


def _data_lines(session: Session) -> list[str]:
    cfg, data = session.ready()
    lines = ["# the data, as the playground made it"]
    if cfg.dataset in ENGINE_SETS and not cfg.features:
        if cfg.dataset in SMALL_SETS:
            lines.append(f'X_train, y_train = gn.datasets.load("{cfg.dataset}")')
            return lines
        lines.append(
            f'X, y = gn.datasets.load("{cfg.dataset}", n_samples={cfg.n}, noise={cfg.noise!r}, '
            f"seed={cfg.seed})"
        )
        if len(data.X_test):
            lines.append(
                "X_train, X_test, y_train, y_test = gn.datasets.train_test_split("
                f"X, y, test_size={cfg.split!r}, seed={cfg.seed})"
            )
        else:
            lines.append("X_train, y_train = X, y")
        return lines
    what = " with the input features" if cfg.features else ""
    lines.append(f"# ({cfg.dataset}: the training points as the network sees them{what})")
    lines.append(f"X_train = {_arr(session.Xn_train)}")
    lines.append(f"y_train = {_arr(data.y_train)}")
    return lines


def _run_lines(run: Session, suffix: str) -> list[str]:
    cfg, data = run.ready()
    net, hist, opt = f"net{suffix}", f"hist{suffix}", f"opt{suffix}"
    sizes = [data.n_inputs, *cfg.layers, data.y_train.shape[1]]
    seed: Any = list(run.net.seeds) if run.net.population else cfg.seed
    lines = [
        f"{net} = gn.Network({sizes}, activation={list(cfg.act)!r}, output={cfg.out!r}, "
        f"bias={cfg.bias!r}, init={cfg.init!r}, seed={seed!r})",
        f"{hist} = None",
    ]
    if any("loaded" in e for e in run.log):
        name = next(e["loaded"] for e in run.log if "loaded" in e)
        lines = [
            f"{net} = gn.load({name!r})  # the model file loaded into the page",
            f"{hist} = None",
        ]
    # merge consecutive slices with the same settings: resumed, they are one fit
    merged: list[dict[str, Any]] = []
    for entry in run.log:
        if "trained" in entry and merged and "trained" in merged[-1] and entry["resume"]:
            last = merged[-1]
            if all(last[k] == entry[k] for k in ("opt", "lr", "batch", "l2")):
                last["trained"] += entry["trained"]
                last["epoch"] = entry["epoch"]
                continue
        merged.append(dict(entry))
    current = None
    fitted = False
    for entry in merged:
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
        elif "trained" in entry:
            if (entry["opt"], entry["lr"]) != current:
                current = (entry["opt"], entry["lr"])
                lines.append(f"{opt} = gn.optimizers.get({entry['opt']!r}, lr={entry['lr']!r})")
            if not entry["resume"] and fitted:
                lines.append(f"{hist} = None  # a new optimizer starts from a fresh state")
            fitted = True
            lines.append(
                f"{hist} = {net}.fit(X_train, y_train, loss={cfg.loss!r}, optimizer={opt}, "
                f"epochs={entry['trained']}, batch_size={entry['batch']!r}, l2={entry['l2']!r}, "
                f"resume={hist})  # to epoch {entry['epoch']}"
            )
    lines.append(
        f'print("{net}: epoch {run.epoch}, training loss", '
        f"{net}.loss(X_train, y_train, loss={cfg.loss!r}))"
    )
    return lines


def script(session: Session) -> str:
    """A Python script that reproduces the session's run(s) exactly."""
    cfg, _ = session.ready()
    head = [
        '"""A glassnet playground run, reproduced exactly.',
        "",
        f"Setup: {json.dumps(cfg.to_dict())}",
        '"""',
        "",
        "import numpy as np  # noqa: F401  (for data written out as numbers)",
        "",
        "import glassnet as gn",
        "",
    ]
    body = [*_data_lines(session), "", "# the network, trained as in the page"]
    body += _run_lines(session, "")
    if session.b is not None:
        body += ["", "# setup B of the comparison: the same data, the same seed"]
        body += _run_lines(session.b, "_b")
    body += ["", 'net.save("playground-model.npz")', ""]
    return "\n".join(head + body)


def command(session: Session) -> tuple[str | None, str]:
    """The ``glassnet train`` command that reproduces the run, or ``None`` and why not."""
    cfg, data = session.ready()
    if cfg.mode != "single":
        return None, f"{cfg.mode} mode trains several networks; the script reproduces them."
    if cfg.dataset not in ENGINE_SETS:
        return None, f"glassnet train cannot make the {cfg.dataset!r} data; the script can."
    if cfg.features:
        return None, "glassnet train has no input features; the script writes them out."
    if cfg.dataset not in SMALL_SETS:
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
    if any(e[k] != first[k] for e in entries for k in ("opt", "lr", "batch", "l2")) or any(
        not e["resume"] for e in entries[1:]
    ):
        return None, "settings changed during the run; the script replays each part."
    hidden = ",".join(map(str, cfg.layers)) or "none"
    parts = [
        "glassnet train",
        f"--dataset {cfg.dataset}",
        f"--hidden {hidden}",
        f"--activation {','.join(cfg.act)}" if cfg.layers else "",
        f"--output {cfg.out}",
        f"--loss {cfg.loss}",
        f"--bias {cfg.bias}",
        f"--init {cfg.init}",
        f"--seed {cfg.seed}",
        f"--optimizer {cfg.opt}",
        f"--lr {cfg.lr!r}",
        f"--epochs {session.epoch}",
        f"--batch-size {first['batch']}" if first["batch"] else "",
        f"--l2 {cfg.l2!r}" if cfg.l2 else "",
        f"--validation-split {cfg.split!r}" if len(data.X_test) else "",
        "--out glassnet-run",
    ]
    return " ".join(p for p in parts if p), ""


def model_file(session: Session) -> bytes:
    """The drawn network as a glassnet model file (with the setup in its metadata)."""
    cfg, _ = session.ready()
    net = session.view()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        gn.modelfile.save(net, path, extra={"playground": cfg.to_dict(), "epoch": session.epoch})
        return path.read_bytes()


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
    from dataclasses import replace

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
        try:
            net = gn.load(path)
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
    new = replace(
        cfg,
        mode="single",
        b={},
        layers=list(hidden),
        act=[a.name for a in net.activations[:-1]],
        out=net.activations[-1].name,
        bias=net.bias,
        init=net.init.name if net.init.name in gn.initializers.names() else cfg.init,
        seed=int(net.seeds[0]),
    )
    session.config, session.b = new, None
    session.reset()
    for mine, theirs in zip(session.net.params, net.params, strict=True):
        for key in mine:
            mine[key][...] = theirs[key]
    session.log.append({"epoch": 0, "loaded": name})
    first = session.losses()
    session.train_loss[0], session.test_loss[0] = first
    return new
