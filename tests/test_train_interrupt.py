"""glassnet train stopped by Ctrl-C or SIGTERM: it ends the epoch under way, saves the run so
far whole and says how to continue it; the file holds what a fit of that many epochs gives
(the reference: the same training in Python, stopped there), and the printed command
continues it exactly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli import cli
from glassnet.cli import train as train_cmd

COMMON = ["-d", "moons", "--hidden", "6", "--activation", "tanh", "--optimizer", "adam",
          "--lr", "0.02", "--batch-size", "16", "--no-figure"]  # fmt: skip


def _params_equal(a, b):
    for la, lb in zip(a, b, strict=True):
        for k in lb:
            np.testing.assert_array_equal(la[k], lb[k])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_the_epoch_and_saves_the_run(tmp_path, monkeypatch, sig):
    sent = []
    progress = train_cmd._TrainProgress.on_epoch_end

    def signal_at_epoch_7(self, epoch, history, net):  # the signal lands during epoch 7's end
        if epoch == 7 and not sent:
            sent.append(epoch)
            os.kill(os.getpid(), sig)
        return progress(self, epoch, history, net)

    monkeypatch.setattr(train_cmd._TrainProgress, "on_epoch_end", signal_at_epoch_7)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", *COMMON, "--epochs", "500", "-o", str(out)])
    assert result.exit_code == 128 + sig, result.output
    how = "Ctrl-C (SIGINT)" if sig == signal.SIGINT else "SIGTERM"
    m = re.search(
        rf"note: interrupted by {re.escape(how)} after (\d+) of 500 epochs: the run so far is "
        rf"saved in {re.escape(str(out / 'model.npz'))}; continue it with: glassnet train "
        rf"--model (\S+) --epochs (\d+) -o (\S+)\n",
        result.output,
    )
    assert m, result.output
    run = int(m[1])
    assert run == 9  # epoch 7's callbacks saw the signal after the stop was checked; 8 ends it
    assert int(m[3]) == 500 - run
    saved = gn.load(out / "model.npz")
    assert saved.train_state.epoch == run
    assert saved.train_state.history.stopped_by == "interrupted"
    # the reference: the same training in Python, stopped after that many epochs
    X, y = gn.datasets.load("moons")
    ref = gn.Network([2, 6, 1], activation="tanh", output="sigmoid", seed=0)
    ref.fit(X, y, loss="bce", optimizer="adam", lr=0.02, batch_size=16, epochs=500,
            callbacks=[_StopAfter(run)])  # fmt: skip
    _params_equal(saved.params, ref.params)
    # the printed command continues it, exactly as one longer run
    cont = CliRunner().invoke(cli, ["train", "--model", m[2], "--epochs", "3", "-o",
                                    str(tmp_path / "more"), "-q", "--no-figure"])  # fmt: skip
    assert cont.exit_code == 0, cont.output
    ref.fit(X, y, resume=ref.train_state, epochs=3)
    _params_equal(gn.load(tmp_path / "more" / "model.npz").params, ref.params)


class _StopAfter(gn.Callback):
    def __init__(self, k):
        self.k = k

    def on_epoch_end(self, epoch, history, net):
        return epoch + 1 >= self.k


def _wait_for_handler(pid: int, sig: int, within: float = 60.0) -> None:
    """Until process ``pid`` catches ``sig`` (Linux's /proc/PID/status, SigCgt): the command
    installs its handler for SIGTERM only when training starts, whatever the machine's speed."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as f:
            caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
        if caught >> (sig - 1) & 1:
            time.sleep(0.2)  # a few epochs in
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never caught {sig!r}")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_a_second_signal_stops_at_once(tmp_path):
    """A process of its own: the first SIGINT asks for the end of the epoch, a second one,
    sent while the first is pending, is obeyed at once (no file is written)."""
    cmd = [sys.executable, "-c", "from glassnet.cli import main; main()", "train", *COMMON,
           "--epochs", "10000000", "-o", str(tmp_path / "run")]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_handler(proc.pid, signal.SIGTERM)  # training has begun: its handlers are in
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # either both landed before an epoch ended (stopped at once: "aborted") or the first
    # stopped training cleanly before the second came (saved, 130): never a traceback
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert ("aborted" in err) or ("interrupted by Ctrl-C (SIGINT)" in err), err


def test_checkpoints_every_n_epochs_each_continue_exactly(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", *COMMON, "--epochs", "10", "-o", str(out),
                                      "--checkpoint-every", "4", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"checkpoints  3 in {out / 'checkpoints'}" in result.output
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["epoch-0000004.npz", "epoch-0000008.npz", "epoch-0000010.npz"]
    X, y = gn.datasets.load("moons")
    for name, k in zip(names, (4, 8, 10), strict=True):  # the reference: a fit stopped at k
        ref = gn.Network([2, 6, 1], activation="tanh", output="sigmoid", seed=0)
        ref.fit(X, y, loss="bce", optimizer="adam", lr=0.02, batch_size=16, epochs=10,
                callbacks=[_StopAfter(k)])  # fmt: skip
        _params_equal(gn.load(out / "checkpoints" / name).params, ref.params)
    # a checkpoint continues like model.npz: on the data and settings the command recorded
    cont = CliRunner().invoke(cli, ["train", "--model", str(out / "checkpoints" / names[0]),
                                    "--epochs", "6", "-o", str(tmp_path / "more"), "-q",
                                    "--no-figure"])  # fmt: skip
    assert cont.exit_code == 0, cont.output
    _params_equal(
        gn.load(tmp_path / "more" / "model.npz").params, gn.load(out / "model.npz").params
    )


def test_checkpoints_are_refused_for_the_selection_trainer_before_anything_runs(tmp_path):
    result = CliRunner().invoke(cli, ["train", "-d", "xor", "--trainer", "evolution",
                                      "--checkpoint-every", "2", "-o", str(tmp_path / "e")])  # fmt: skip
    assert result.exit_code == 2
    assert "--checkpoint-every" in result.output and "selection trainer" in result.output
    assert not (tmp_path / "e").exists()
