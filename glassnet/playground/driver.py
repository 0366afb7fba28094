"""What a page (or a notebook widget) asks of its session, answered in one place.

The page's server (:mod:`glassnet.playground.server`, asyncio) and the notebook widget
(:mod:`glassnet.playground.notebook`, a kernel thread) speak the same protocol
(:mod:`glassnet.playground.protocol`) to a :class:`Driver`, which checks each message and
answers it synchronously: a list of messages to send, where :data:`FRAME` stands for "the
session's frame now" (each side encodes frames its own way). Play and pause are the sides'
own loops, paced by a :class:`Pacer` and stopped by :meth:`Driver.stop_reason`, so both
offer the same controls, the same refusals and the same answers.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from glassnet import losses as _losses
from glassnet.datasets import recipes
from glassnet.playground import lessons as _lessons
from glassnet.playground.controls import (
    DEFAULT_CONFIG,
    TWO_SETUPS,
    Config,
    controls_message,
    hidden_activations,
    parse_config,
)
from glassnet.playground.limits import Limits, ProtocolError
from glassnet.playground.protocol import choices, parse_csv
from glassnet.playground.session import Session, spelled

__all__ = ["FRAME", "Driver", "Pacer", "data_kinds", "suits"]

#: In a :class:`Driver`'s answer: send the session's frame (as this side encodes frames).
FRAME = "frame"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


@functools.lru_cache(maxsize=1)
def data_kinds() -> dict[str, str]:
    """What each data set of a recipe holds: ``binary``, ``multiclass`` or ``regression``
    (read off the data made at its defaults)."""
    out = {}
    for name in recipes.RECIPE_DATASETS:
        if name in recipes.REGRESSION_SETS:
            out[name] = "regression"
            continue
        _, y = recipes.recipe_data({"dataset": name})
        out[name] = "multiclass" if y.shape[1] > 1 else "binary"
    return out


def suits() -> dict[str, dict[str, str]]:
    """The output and loss the page suggests for each kind of target: the engine's one "auto"
    rule (:func:`glassnet.losses.natural_output`, :func:`glassnet.losses.natural_loss`)."""
    out = {}
    for kind, n_outputs, classes in (
        ("binary", 1, True),
        ("multiclass", 3, True),
        ("regression", 1, False),
    ):
        act = _losses.natural_output(n_outputs, classes)
        out[kind] = {"out": act, "loss": _losses.natural_loss(act, classes)}
    return out


class Pacer:
    """How many epochs the next slice of play trains.

    ``pace`` epochs per second (0: as many as fit in the slice's time, as fast as the machine
    goes), one frame per ``1 / rate`` seconds: each slice trains the epochs owed since the
    last one (a backlog the machine could not keep up with is dropped, not caught up in a
    burst), within ``0.7 / rate`` seconds.
    """

    def __init__(self, pace: float, rate: float, limits: Limits) -> None:
        self.pace = float(pace)
        self.period = 1.0 / min(rate, limits.max_rate)
        self.most = limits.max_step_epochs
        self.owed = 1.0 if pace else 0.0  # the first slice trains at once
        self.last: float | None = None

    def slice(self, now: float) -> tuple[int, float]:
        """``(epochs, seconds)``: what the slice starting at ``now`` may train."""
        budget = 0.7 * self.period
        if not self.pace:
            return self.most, budget
        if self.last is not None:
            self.owed += self.pace * (now - self.last)
        self.last = now
        self.owed = min(self.owed, self.pace * 2 * self.period + 1)
        return min(self.most, int(self.owed + 1e-9)), budget  # 0.2 + 0.8 is one epoch

    def trained(self, epochs: int) -> None:
        self.owed = max(0.0, self.owed - epochs)


class Driver:
    """One page's (or widget's) conversation with its :class:`Session`.

    Each ``on_*`` method checks a message and returns the messages that answer it (dicts, and
    :data:`FRAME` for a frame). A setup that is refused is remembered (``session.refusal``):
    until a setup is taken, every request that needs one is refused with the same message, so
    the page keeps saying what to fix.

    Parameters
    ----------
    limits : Limits
    session : Session, optional
        The session to drive (a new one by default).
    """

    def __init__(self, limits: Limits, session: Session | None = None) -> None:
        self.limits = limits
        self.session = session or Session(limits)

    # -- first words ------------------------------------------------------------------------
    def hello(self) -> dict[str, Any]:
        """The first message: limits, the table of controls, presets, lessons and the rules
        the page applies (which output and loss suit which data, which pair)."""
        return {
            "type": "hello",
            "limits": self.limits.to_dict(),
            "defaults": DEFAULT_CONFIG,
            "controls": controls_message(self.limits),
            "two_setups": list(TWO_SETUPS),
            "choices": choices(),
            "presets": {
                name: {"label": label, "setup": setup}
                for name, (label, setup) in _lessons.PRESETS.items()
            },
            "lessons": self.lesson_list(),
            "kinds": data_kinds(),
            # a first comparison to look at: the paper's, the other of sigmoid and tanh
            "first_b": {a: "tanh" if a == "sigmoid" else "sigmoid" for a in hidden_activations()},
            "new_layer": {"units": 4, "act": "tanh"},  # the first hidden layer added
            "suits": suits(),
            "pairing": _losses.pairing_table(),
        }

    @staticmethod
    def lesson_list() -> list[dict[str, str]]:
        out = []
        for key, text in _lessons.builtin_lessons().items():
            title = key
            for line in text.splitlines():
                if line.startswith("title"):
                    title = line.split("=", 1)[1].strip().strip('"')
                    break
            out.append({"id": key, "title": title})
        return out

    # -- setups -----------------------------------------------------------------------------
    def parse(self, raw: Any) -> Config:
        """A setup checked; a refusal is remembered (see the class)."""
        try:
            return parse_config(raw, self.limits)
        except ProtocolError as exc:
            self.session.refusal = exc
            raise

    def can_retune(self, config: Config) -> bool:
        """Whether ``config`` goes on training the same network (see
        :meth:`Session.can_retune`)."""
        return self.session.can_retune(config)

    def on_config(self, config: Config, seq: Any = None) -> list[Any]:
        """Take a checked setup: the same network under new live settings (``retuned``), or
        new data and networks (``ready``); then a frame. ``seq``, the page's number for the
        setup, comes back in the answer (so the page knows an answer to an older setup)."""
        s = self.session
        number = {"seq": seq} if isinstance(seq, int) and not isinstance(seq, bool) else {}
        try:
            if self.can_retune(config):
                s.retune(config)
                s.refusal = None
                return [{"type": "retuned", "config": config.to_dict(), **number}, FRAME]
            s.refusal = None
            s.configure(config)
        except ProtocolError as exc:
            s.refusal = exc
            raise
        return [{**s.data_message(), **number}, FRAME]

    def on_upload(self, msg: dict[str, Any]) -> list[Any]:
        table = parse_csv(msg.get("csv"), self.limits)
        raw_name = msg.get("name")
        self.session.upload(table, raw_name if isinstance(raw_name, str) else "")
        return [
            {
                "type": "uploaded",
                "name": self.session.table_name,
                "rows": len(table.X),
                "columns": table.columns,
                "kind": table.kind,
                "classes": table.classes,
            }
        ]

    def on_reset(self) -> list[Any]:
        self.ready_network()
        self.session.reset()
        return [self.session.data_message(), FRAME]

    # -- training ---------------------------------------------------------------------------
    def ready_network(self) -> Config:
        """The setup, refused when there is no network to train (with the last refusal when
        a setup was refused)."""
        cfg, _ = self.session.ready()
        if self.session.net is None:
            if self.session.refusal is not None:
                raise ProtocolError(str(self.session.refusal), self.session.refusal.field)
            raise ProtocolError("No network: send a valid config first")
        return cfg

    def check_play(self) -> Config:
        cfg = self.ready_network()
        if self.session.halted:
            raise ProtocolError(self.stopped_text())
        return cfg

    def check_step(self, epochs: Any) -> int:
        """Refuse a step that is not a positive whole number, over the cap, or over the work
        limit."""
        cap = self.limits.max_step_epochs
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ProtocolError(
                f"step: epochs must be a positive whole number, got {_short(epochs)}"
            )
        if epochs > cap:
            raise ProtocolError(f"Too many epochs in one step: at most {cap}, got {_short(epochs)}")
        self.check_play()
        self.session.check_work(epochs)
        return epochs

    def stopped_text(self) -> str:
        if self.session.stopped == "diverged":
            return "Training diverged (the loss is not finite): lower the learning rate and reset"
        return f"This run reached the limit of {self.limits.max_epochs} epochs: reset to go on"

    def play_bounds(self) -> dict[str, Any]:
        """What a play started now stops at: the epoch of ``until`` when it lies ahead, and
        whether "stop when converged" applies (only when not every run has converged yet)."""
        cfg, _ = self.session.ready()
        epoch = self.session.epoch
        return {
            "until": cfg.until if cfg.until > epoch else None,
            "converged": bool(cfg.stop) and not self.session.all_converged,
        }

    def slice_epochs(self, epochs: int, bounds: dict[str, Any]) -> int:
        """``epochs``, cut at the play's ``until``."""
        if bounds["until"] is not None:
            return max(0, min(epochs, bounds["until"] - self.session.epoch))
        return epochs

    def stop_reason(self, bounds: dict[str, Any]) -> str:
        """Why a play must stop now ("" = it goes on): the run stopped by itself (diverged,
        at the epoch limit), reached ``until``, or every run converged with "stop" on."""
        s = self.session
        if s.halted:
            return s.stopped or "stopped"
        if bounds["until"] is not None and s.epoch >= bounds["until"]:
            return "until"
        if bounds["converged"] and s.all_converged:
            return "converged"
        return ""

    # -- the glass box ----------------------------------------------------------------------
    def run_of(self, msg: dict[str, Any]) -> Session:
        which = msg.get("run", "a")
        self.session.ready()
        if which == "a":
            return self.session
        if which == "b" and self.session.b is not None:
            return self.session.b
        raise ProtocolError(f"run: expected 'a' or, with two setups, 'b'; got {_short(which)}")

    def on_inside(self, msg: dict[str, Any]) -> list[Any]:
        run = self.run_of(msg)
        self.ready_network()
        answer = run.inside(msg.get("layer"), msg.get("unit"), msg.get("sample", 0))
        answer["run"] = msg.get("run", "a")
        return [answer]

    def on_weight(self, msg: dict[str, Any]) -> list[Any]:
        run = self.run_of(msg)
        self.ready_network()
        old = run.set_weight(msg.get("layer"), msg.get("source"), msg.get("unit"), msg.get("value"))
        # the old weight of a diverged network can be NaN: spelled, or the answer is no JSON
        return [FRAME, spelled({"type": "weight_set", "old": old, "run": msg.get("run", "a")})]

    # -- take it with you -------------------------------------------------------------------
    def on_export(self) -> list[Any]:
        from glassnet.playground import export

        self.ready_network()
        s = self.session
        files = export.model_files(s)
        cmd, why = export.command(s)
        return [
            {
                "type": "export",
                "model": base64.b64encode(files[0][1]).decode(),
                "models": [
                    {"setup": name, "data": base64.b64encode(content).decode()}
                    for name, content in files
                ],
                "script": export.script(s),
                "command": cmd,
                "command_note": why,
                "epoch": s.epoch,
            }
        ]

    def on_model(self, msg: dict[str, Any]) -> list[Any]:
        from glassnet.playground import export

        data, name = msg.get("data"), msg.get("name")
        name = name[:100] if isinstance(name, str) and name else "model file"
        if not isinstance(data, str):
            raise ProtocolError(f"model: expected the file's bytes in base64, got {_short(data)}")
        try:
            content = base64.b64decode(data, validate=True)
        except ValueError:
            raise ProtocolError(f"{name}: the file's bytes are not valid base64", "model") from None
        self.session.ready()
        export.load_model(self.session, content, name)
        ready = self.session.data_message()
        ready["loaded"] = name
        return [ready, FRAME]

    # -- lessons ----------------------------------------------------------------------------
    def on_lesson(self, msg: dict[str, Any]) -> list[Any]:
        """A built-in lesson (``id``) or a teacher's file (``text``, ``name``), checked."""
        if "id" in msg:
            found = _lessons.builtin_lessons()
            key = msg["id"]
            if not isinstance(key, str) or key not in found:
                from glassnet._validation import did_you_mean

                raise ProtocolError(
                    f"lesson: unknown lesson {_short(key)}; the built-in lessons are "
                    f"{', '.join(found)}{did_you_mean(key, found)}",
                    "lesson",
                )
            lesson = _lessons.parse_lesson(found[key], key, self.limits)
            return [_lessons.lesson_message(lesson, key)]
        raw_name = msg.get("name")
        # cut before it names anything: a refusal quoted the whole name (a megabyte of it)
        name = raw_name[:100] if isinstance(raw_name, str) and raw_name else "lesson"
        lesson = _lessons.parse_lesson(msg.get("text"), name, self.limits)
        return [_lessons.lesson_message(lesson, name)]

    def on_tune(self, msg: dict[str, Any]) -> list[Any]:
        """Each setup's best learning rate of a grid for a setup (a lesson step's ``tune``):
        the setup is taken first, then the sweep runs and its answer carries the tuned setup
        (which the page then sends)."""
        tune = _lessons.check_tune(
            {"grid": msg.get("grid", "0.01:10:13"), "epochs": msg.get("epochs", 1000)}, "tune"
        )
        config = self.parse(msg.get("config"))
        out = self.on_config(config)
        best = _lessons.best_learning_rates(self.session, tune["grid"], tune["epochs"])
        tuned = _lessons.tuned_setup(config, best)
        return [*out, {"type": "tuned", "best": best, "config": tuned}]
