"""Checkpoint: the run saved while it trains (Keras's ModelCheckpoint), each file a run that
continues exactly. The reference for a checkpoint taken after k epochs is an independent fit
of k epochs from the same start; for a resumed checkpoint, one uninterrupted fit."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.run import History
from glassnet.training import Checkpoint, LiveRun

X, Y = gn.datasets.load("xor")

CASES = {
    "full batch gd": dict(loss="mse", optimizer="gd", lr=0.5),
    "mini-batch adam, shuffled": dict(loss="bce", optimizer="adam", lr=0.05, batch_size=2),
    "momentum, cosine schedule": dict(
        loss="mse", optimizer="momentum", lr=0.3, batch_size=3, schedule="cosine"
    ),
}


def _net(population: bool = False) -> gn.Network:
    seed = [0, 1, 2] if population else 0
    return gn.Network([2, 4, 1], activation="tanh", output="sigmoid", seed=seed)


class _StopAfter(gn.training.Callback):
    def __init__(self, k: int) -> None:
        self.k = k

    def on_epoch_end(self, epoch, history, net):
        return epoch + 1 >= self.k


def _assert_params(got: gn.Network, want: gn.Network, backend: str) -> None:
    for g, w in zip(got.params, want.params, strict=True):
        for k in w:
            if backend == "numpy":
                np.testing.assert_array_equal(g[k], w[k])
            else:
                np.testing.assert_allclose(g[k], w[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("population", [False, True], ids=["one", "population"])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_checkpoint_is_the_run_after_its_epoch_and_continues_exactly(
    tmp_path, case, population, backend
):
    settings = CASES[case]
    net = _net(population)
    ck = Checkpoint(tmp_path / "run-{epoch:02d}.npz", every=3)
    net.fit(X, Y, epochs=10, callbacks=[ck], backend=backend, **settings)
    assert [p.name for p in ck.saved] == [f"run-{e:02d}.npz" for e in (3, 6, 9, 10)]

    for path, k in zip(ck.saved, (3, 6, 9, 10), strict=True):
        saved = gn.load(path)
        # the reference: the same 10-epoch fit stopped after k epochs (its schedule laid out
        # over 10), its state the one fit returns, nothing saved
        alone = _net(population)
        alone.fit(X, Y, epochs=10, backend=backend, callbacks=[_StopAfter(k)], **settings)
        _assert_params(saved, alone, backend)
        assert saved.train_state.epoch == k
        np.testing.assert_allclose(
            saved.train_state.history.loss, alone.train_state.history.loss, rtol=1e-12
        )
        np.testing.assert_array_equal(
            saved.train_state.history.stats_epochs, alone.train_state.history.stats_epochs
        )
    # continued from epoch 6, it ends where the fit that saved it ended
    back = gn.load(ck.saved[1])
    back.fit(X, Y, resume=back.train_state, epochs=4, backend=backend)
    _assert_params(back, net, backend)
    np.testing.assert_allclose(back.train_state.history.loss, net.train_state.history.loss,
                               rtol=1e-12)  # fmt: skip


def test_a_resumed_fit_counts_the_whole_run(tmp_path):
    net = _net()
    net.fit(X, Y, loss="mse", lr=0.5, epochs=4)
    ck = Checkpoint(tmp_path / "e{epoch}.npz", every=5)
    net.fit(X, Y, resume=net.train_state, epochs=6, callbacks=[ck])
    assert [p.name for p in ck.saved] == ["e5.npz", "e10.npz"]
    five = gn.load(tmp_path / "e5.npz")
    assert five.train_state.epoch == 5
    assert five.train_state.history.loss.shape == (5,)  # the whole run's record, not the fit's
    alone = _net()
    alone.fit(X, Y, loss="mse", lr=0.5, epochs=5)
    _assert_params(five, alone, "numpy")


def test_best_only_saves_exactly_when_the_loss_improves(tmp_path):
    net = _net()
    ck = Checkpoint(tmp_path / "best-{epoch}.npz", monitor="loss")
    # a rate high enough that the loss goes up as well as down
    h = net.fit(X, Y, loss="mse", optimizer="gd", lr=8.0, epochs=40, callbacks=[ck])
    best, improved = np.inf, []
    for e, v in enumerate(h.loss.tolist()):  # by hand: the epochs whose loss beats every earlier
        if v < best:
            best, improved = v, [*improved, e + 1]
    assert 3 < len(improved) < 40  # the loss did not fall every epoch
    assert [p.name for p in ck.saved] == [f"best-{e}.npz" for e in improved]


def test_best_only_with_min_delta_and_validation(tmp_path):
    net = _net()
    ck = Checkpoint(tmp_path / "b{epoch}.npz", monitor="val_loss", min_delta=1e-3)
    h = net.fit(X, Y, loss="mse", lr=0.5, epochs=60, validation=(X, Y), callbacks=[ck])
    best, kept = np.inf, []
    for e, v in enumerate(h.val_loss.tolist()):
        if v < best - 1e-3:
            best, kept = v, [*kept, e + 1]
    assert [p.name for p in ck.saved] == [f"b{e}.npz" for e in kept]


def test_one_path_is_replaced_atomically_by_each_save(tmp_path):
    ck = Checkpoint(tmp_path / "latest.npz", every=2)
    net = _net()
    net.fit(X, Y, loss="mse", lr=0.5, epochs=5, callbacks=[ck])
    assert [p.name for p in ck.saved] == ["latest.npz"] * 3  # epochs 2, 4 and the last, 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.npz"]  # no temporary left
    assert gn.load(tmp_path / "latest.npz").train_state.epoch == 5


def test_extra_data_rides_along(tmp_path):
    ck = Checkpoint(tmp_path / "x.npz", extra={"experiment": "xor", "n": 3})
    _net().fit(X, Y, loss="mse", epochs=2, callbacks=[ck])
    assert gn.modelfile.read_metadata(tmp_path / "x.npz")["extra"] == {"experiment": "xor", "n": 3}


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (
            dict(path="a-{step}.npz"),
            ValueError,
            "path: expected a path whose only field is {epoch}",
        ),
        (dict(path="a-{epoch:q}.npz"), ValueError, "path: cannot fill in {epoch} of 'a-{epoch:q}"),
        (dict(path=3), TypeError, "path"),
        (dict(path="a.npz", every=0), ValueError, "every"),
        (dict(path="a.npz", monitor="accuracy"), ValueError, "monitor"),
        (dict(path="a.npz", min_delta=-1.0), ValueError, "min_delta"),
        (dict(path="a.npz", extra=[1]), TypeError, "extra"),
    ],
)
def test_bad_settings_are_refused_naming_them(kwargs, error, words):
    with pytest.raises(error) as err:
        Checkpoint(**kwargs)
    assert str(err.value).startswith(words) or words in str(err.value)


@pytest.mark.parametrize(
    ("make", "fit", "words"),
    [
        (lambda d: Checkpoint(d / "missing" / "a.npz"), {}, "path: the folder"),
        (lambda d: Checkpoint(d / "a.npz", monitor="val_loss"), {},
         "monitor: 'val_loss' needs validation data"),
        (lambda d: Checkpoint(d / "a.npz", monitor="loss"), {"population": True},
         "monitor: a population's members improve at different epochs"),
    ],
)  # fmt: skip
def test_refused_before_the_first_epoch_nothing_trained(tmp_path, make, fit, words):
    net = _net(fit.get("population", False))
    before = [{k: v.copy() for k, v in layer.items()} for layer in net.params]
    with pytest.raises(ValueError) as err:
        net.fit(X, Y, loss="mse", epochs=3, callbacks=[make(tmp_path)])
    assert words in str(err.value)
    for layer, old in zip(net.params, before, strict=True):
        for k in old:
            np.testing.assert_array_equal(layer[k], old[k])
    assert list(tmp_path.iterdir()) == []


def test_outside_a_fit_there_is_nothing_to_save(tmp_path):
    ck = Checkpoint(tmp_path / "a.npz")
    assert ck.on_epoch_end(0, History(loss=np.zeros(3)), _net()) is False
    assert ck.saved == [] and list(tmp_path.iterdir()) == []


def test_the_live_run_is_there_only_while_fit_runs():
    seen: list[object] = []

    class Look(gn.training.Callback):
        def on_epoch_end(self, epoch, history, net):
            seen.append(history.live)
            state = history.live.state()
            assert state.epoch == epoch + 1 and state.history.loss.shape == (epoch + 1,)
            return False

    h = _net().fit(X, Y, loss="mse", epochs=3, callbacks=[Look()])
    assert all(isinstance(s, LiveRun) for s in seen) and len(seen) == 3
    assert h.live is None


def test_a_target_that_cannot_be_written_is_refused_before_the_first_epoch(tmp_path):
    (tmp_path / "adir.npz").mkdir()  # a folder where the file would go
    net = _net()
    with pytest.raises(IsADirectoryError) as err:
        net.fit(X, Y, loss="mse", epochs=3, callbacks=[Checkpoint(tmp_path / "adir.npz")])
    assert (
        str(err.value)
        == f"path: {str(tmp_path / 'adir.npz')!r} is a directory; expected a file name"
    )
    assert net.train_state is None  # nothing trained


def test_a_save_that_fails_mid_run_is_said_and_training_goes_on(tmp_path, monkeypatch):
    from glassnet import _modelformat

    real, calls = _modelformat.write, []

    def full_disk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(_modelformat, "write", full_disk)
    ck = Checkpoint(tmp_path / "c{epoch}.npz", every=2)
    with pytest.warns(RuntimeWarning, match=r"Checkpoint: epoch 4 not saved to .*No space left"):
        h = _net().fit(X, Y, loss="mse", lr=0.5, epochs=6, callbacks=[ck])
    assert h.epochs_run == 6  # the run went on
    assert [p.name for p in ck.saved] == ["c2.npz", "c6.npz"]
    assert any(m.startswith("Checkpoint: epoch 4 not saved") for m in h.messages)


def test_chunks_of_the_compiled_program_save_at_the_end_of_the_chunk_that_reaches_a_multiple(
    tmp_path,
):
    # chunks end at epochs 3, 6, 9, 10: the multiples of 4 are reached in the chunks ending at
    # 6 and 9, and the last epoch is saved too; each file holds the epoch it is named by
    ck = Checkpoint(tmp_path / "c{epoch}.npz", every=4)
    net = _net()
    net.fit(X, Y, loss="mse", lr=0.5, epochs=10, backend="jax", chunk_epochs=3, callbacks=[ck])
    assert [p.name for p in ck.saved] == ["c6.npz", "c9.npz", "c10.npz"]
    for path, k in zip(ck.saved, (6, 9, 10), strict=True):
        saved = gn.load(path)
        alone = _net()
        alone.fit(X, Y, loss="mse", lr=0.5, epochs=10, callbacks=[_StopAfter(k)])
        assert saved.train_state.epoch == k
        _assert_params(saved, alone, "jax")


def test_no_callbacks_may_be_said_with_none():
    h = _net().fit(X, Y, loss="mse", epochs=2, callbacks=None)
    assert h.epochs_run == 2
