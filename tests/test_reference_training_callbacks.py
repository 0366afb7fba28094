"""Training's refusals at a resume, its plan, the divergence message and the live state, each
against a reference written out here (the survivors of the mutation run of glassnet/training.py
on 7 December that the earlier reviews had left or called equivalent).

* **A resume with another named schedule** is refused, as TrainConfig documents ("a resumed
  run goes on with its schedule, or with none; another named one is refused"), already after
  one epoch; the message names the earlier schedule: ``"constant"`` counts as none, a custom
  one is named by its ``__name__``, and a callable without one is called ``'custom'``. The
  reference is the message written out word for word.
* **The bound on the record** (``MAX_HISTORY_BYTES``): 8 bytes per epoch, member and curve,
  computed by hand in the message; refused by ``plan`` itself, before anything is allocated.
* **The Plan's fields that only the compiled program reads** (the schedule's factor of the
  update count, the chunk length, the updates per epoch), against the cosine of
  glassnet.optimizers.schedule's docstring written out, ``ceil(n / batch)`` and the setting.
* **The divergence message names the rule that fired**: a run whose loss sits exactly on the
  loss-growth bound (``1e4 max(1, first loss)``; the rule says "exceeds") while a parameter
  passes ``1e6``: an L2 penalty on a weight whose input is 0, gradient descent written out.
* **The live state taken at the end of a fit that diverged** says so: a History's
  ``diverged`` is true exactly when its ``diverged_epoch`` is not -1 (as documented).

Warnings are errors in this suite (pyproject's ``filterwarnings``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import training

_rng = np.random.default_rng(7)
X = _rng.normal(size=(6, 2))
Y = X @ np.array([[1.0], [-0.5]]) + 0.25


def _linear(seed=3):
    return gn.Network([2, 1], activation="identity", output="identity", seed=seed)


def _params(net):
    return [{k: v.copy() for k, v in layer.items()} for layer in net.params]


def _refusal(expected, new, epochs):
    # the message of _check_resumable, written out
    return (
        f"schedule: expected {expected}, got {new!r}: a named schedule counts the run's updates "
        f"from its first fit, so after {epochs} epochs it would start part-way through (another "
        "schedule needs a new run: fit without resume=, from these weights)"
    )


# --- a schedule at a resume ----------------------------------------------------------------------


def test_a_resumed_run_refuses_another_named_schedule_after_a_single_epoch():
    # one epoch is one update already (full batch): a cosine begun there would start at its
    # update 1, part-way through; refused, and nothing is trained
    net = _linear()
    h = net.fit(X, Y, lr=0.05, epochs=1)
    before = _params(net)
    with pytest.raises(ValueError) as err:
        net.fit(X, Y, epochs=3, schedule="cosine", resume=h)
    assert str(err.value) == _refusal("none (the resumed run has no schedule)", "cosine", 1)
    for got, want in zip(net.params, before, strict=True):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])


def test_a_resumed_constant_schedule_counts_as_no_schedule():
    # "constant" is a factor of 1, i.e. no schedule: the message says so, as for None
    net = _linear()
    h = net.fit(X, Y, lr=0.05, epochs=2, schedule="constant")
    assert h.config.schedule == "constant"
    with pytest.raises(ValueError) as err:
        net.fit(X, Y, epochs=2, schedule="step", resume=h)
    assert str(err.value) == _refusal("none (the resumed run has no schedule)", "step", 2)


def halving(t):
    """A custom schedule: the rate halves at every update."""
    return 0.5**t


class _Flat:
    """A custom schedule that is a callable object, with no ``__name__``."""

    def __call__(self, t):
        return 1.0


@pytest.mark.parametrize(
    ("schedule", "name"),
    [(halving, "halving"), (_Flat(), "custom")],
    ids=["a function", "a callable without __name__"],
)
def test_a_resumed_custom_schedule_is_named_in_the_refusal(schedule, name):
    assert not hasattr(_Flat(), "__name__")
    net = _linear()
    h = net.fit(X, Y, lr=0.05, epochs=3, schedule=schedule)
    before = _params(net)
    with pytest.raises(ValueError) as err:
        net.fit(X, Y, epochs=2, schedule="exponential", resume=h)
    expected = f"the resumed run's own schedule ({name!r}) or none"
    assert str(err.value) == _refusal(expected, "exponential", 3)
    for got, want in zip(net.params, before, strict=True):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])


# --- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "validation", "epochs"),
    [(30, True, 10**7), (27, False, 10**7)],
)
def test_the_record_bound_is_refused_by_the_plan_before_anything_is_allocated(
    members, validation, epochs
):
    # 8 bytes per epoch, member and curve (loss; with validation also val_loss, val_accuracy),
    # against MAX_HISTORY_BYTES = 2 GiB: written out here. plan() itself refuses, so nothing
    # of the size is ever made
    curves = 3 if validation else 1
    need = 8 * members * epochs * curves
    assert need > 2 * 2**30
    pop = gn.Network([2, 1], output="identity", seed=list(range(members)))
    cfg = gn.TrainConfig(epochs=epochs, stats_every=None)
    with pytest.raises(ValueError) as err:
        training.plan(pop, X, Y, cfg, validation=(X, Y) if validation else None)
    assert str(err.value) == (
        f"epochs: {epochs} epochs x {members} member(s) would need {need / 2**30:.1f} GiB for "
        "the loss curves alone; expected at most 2 GiB (train in several resumed fits, "
        "fit(..., resume=history), to go further)"
    )


@pytest.mark.parametrize(
    ("batch_size", "steps"),
    [(None, 1), (6, 1), (100, 1), (4, 2), (5, 2), (2, 3), (1, 6)],
)
def test_the_plan_gives_the_compiled_program_its_schedule_chunks_and_updates_per_epoch(
    batch_size, steps
):
    # the NumPy loop builds its optimizer with the schedule and cuts the batches itself; the
    # compiled program reads these three fields of the Plan (glassnet.compiled), so a wrong
    # one changes only a backend="jax" run: checked here without JAX
    epochs = 8
    cfg = gn.TrainConfig(epochs=epochs, batch_size=batch_size, schedule="cosine", chunk_epochs=3)
    p = training.plan(_linear(), X, Y, cfg)
    assert p.steps_per_epoch == steps == math.ceil(6 / min(batch_size or 6, 6))
    assert p.chunk_epochs == 3
    # optimizers.schedule's cosine, written out: epoch e = t // steps_per_epoch, and
    # (1 + cos(pi min(e, epochs) / epochs)) / 2 (min_factor 0)
    for t in range(0, steps * (epochs + 3)):
        e = min(t // steps, epochs)
        assert p.schedule_fn(t) == pytest.approx(
            (1 + math.cos(math.pi * e / epochs)) / 2, abs=1e-15
        )
    # and with no chunks asked for, none
    assert training.plan(_linear(), X, Y, cfg.replace(chunk_epochs=None)).chunk_epochs is None


# --- the divergence message -----------------------------------------------------------------------

LR, L2, W0 = 8192.5, 2.0, -100 / 2**14


def _on_the_bound():
    """A run whose loss at epoch 1 is exactly 1e4 = 1e4 max(1, first loss) while its weight
    then passes 1e6: one input that is always 0 (so its weight's only gradient is the L2
    penalty's, l2 W), a target 0 and a bias 0 (so the mean squared error stays 0), the loss
    being the penalty l2/2 W^2 = W^2. Gradient descent W <- W - lr l2 W multiplies W by
    1 - 8192.5 * 2 = -16384: W0 = -100/2^14, then 100, then -1638400 (all exact in binary)."""
    net = gn.Network([1, 1], activation="identity", output="identity", seed=0)
    net.params[0]["W"][...] = W0
    net.params[0]["b"][...] = 0.0
    return net, np.zeros((1, 1)), np.zeros((1, 1))


def _divergence_by_hand(epochs):
    """The divergence rule as diverging() documents it, on _on_the_bound's run written out:
    (epoch, which rule) of the first epoch at which one fires, and the losses until then. The
    loss of epoch e is taken before e's step; the parameters are checked after it (every epoch
    here: ceil(epochs / 100) = 1)."""
    W, first, losses = W0, None, []
    for e in range(epochs):
        loss = 0.5 * L2 * W * W  # the data's mse is 0 throughout
        losses.append(loss)
        first = loss if first is None else first
        W = W - LR * L2 * W
        if not math.isfinite(loss):
            return e, "nonfinite", losses
        if loss > 1e4 * max(1.0, first):  # "exceeds"
            return e, "loss growth", losses
        if abs(W) > 1e6 * max(1.0, 0.0):  # max |y| = 0
            return e, "runaway weights", losses
    return None, None, losses


def test_the_divergence_message_names_the_rule_that_fired_when_the_loss_sits_on_the_bound():
    epoch, rule, losses = _divergence_by_hand(5)
    assert (epoch, rule) == (1, "runaway weights") and losses == [W0 * W0, 1e4]
    net, X1, Y1 = _on_the_bound()
    h = net.fit(X1, Y1, loss="mse", lr=LR, l2=L2, epochs=5, warn=False)
    np.testing.assert_array_equal(h.loss, losses)
    assert h.diverged is True and h.diverged_epoch == epoch
    assert h.messages == [
        "training diverged at epoch 1: a parameter grew beyond 1e+06 (runaway weights); try a "
        "smaller learning rate (lr=8192.5) or a smaller penalty (l2=2)"
    ]


# --- the live state ---------------------------------------------------------------------------------


class _TakeAtTheEnd(gn.Callback):
    """Takes ``history.live.state()`` in on_train_end (history.live is still the run there)."""

    def __init__(self):
        self.state = None

    def on_train_end(self, net, history):
        self.state = history.live.state()


def test_the_live_state_at_the_end_of_a_fit_that_diverged_says_it_diverged():
    # documented (History): diverged_epoch is "the epoch at which the run diverged, -1 if it
    # did not"; the run of _on_the_bound diverges at epoch 1 (written out above), so the
    # state a callback takes after it must not say "not diverged" with a divergence epoch
    take = _TakeAtTheEnd()
    net, X1, Y1 = _on_the_bound()
    net.fit(X1, Y1, loss="mse", lr=LR, l2=L2, epochs=5, warn=False, callbacks=[take])
    g = take.state.history
    assert g.diverged == (g.diverged_epoch != -1)
    assert g.diverged is True and g.diverged_epoch == 1 and g.stopped_by == "diverged"


def test_the_live_state_at_the_end_of_a_diverged_fit_is_the_run_as_it_ended():
    # the run of _on_the_bound diverges at epoch 1, after its step: fit keeps two epochs
    # (losses by hand above) and the weights after that step; the state a callback takes in
    # on_train_end is that run, not the one its last on_epoch_end saw (one epoch, and its
    # record beside the later weights)
    epoch, _, losses = _divergence_by_hand(5)
    take = _TakeAtTheEnd()
    net, X1, Y1 = _on_the_bound()
    h = net.fit(X1, Y1, loss="mse", lr=LR, l2=L2, epochs=5, warn=False, callbacks=[take])
    g = take.state.history
    assert g.epochs_run == epoch + 1 == 2
    np.testing.assert_array_equal(g.loss, losses)
    for mine, kept in zip(take.state.params, net.params, strict=True):
        np.testing.assert_array_equal(mine["W"], kept["W"])
        np.testing.assert_array_equal(mine["b"], kept["b"])
    np.testing.assert_array_equal(g.stats_epochs, h.stats_epochs)
    assert take.state.params[0]["W"].item() == -1638400.0  # the docstring's W after epoch 1


# --- early stopping of a population that evolves ------------------------------------------------------


def _early_stop_by_hand(curve, patience):
    """EarlyStopping's documented rule on one curve (min_delta 0), written out: the epoch it
    stops after, and the best epoch (the first of the lowest finite values)."""
    best, best_epoch, wait = math.inf, 0, 0
    for e, v in enumerate(curve):
        if math.isfinite(v) and v < best:
            best, best_epoch, wait = v, e, 0
        else:
            wait += 1
        if wait >= patience:
            return e, best_epoch
    return len(curve) - 1, best_epoch


def test_early_stopping_of_an_evolving_population_names_a_best_epoch_per_member():
    # fit_evolution calls the callbacks with the population as `net` (documented: "net holds
    # the population just evaluated") and one loss curve, the best member's; EarlyStopping's
    # rule for a population ("each member's best is restored") then gives every member the
    # curve's best epoch, and its message one per member
    from glassnet.evolution import fit_evolution

    Xx, yx = gn.datasets.load("xor")
    P = 6
    net = gn.Network([2, 2, 1], activation="tanh", seed=list(range(P)))
    h = fit_evolution(net, Xx, yx, generations=40, seed=0,
                      callbacks=[gn.EarlyStopping(monitor="loss", patience=6)])  # fmt: skip
    stop, best = _early_stop_by_hand(h.loss.tolist(), 6)
    assert stop == h.epochs_run - 1 < 39 and h.stopped_by == "EarlyStopping"
    assert best > 0  # (11: a curve that improves after a plateau)
    assert h.messages == [
        f"EarlyStopping stopped evolution after generation {stop}",
        f"early stopping restored the parameters of epoch(s) {[best] * P}",
    ]


def test_early_stopping_under_evolution_restores_the_generation_that_scored_best():
    # evolution's generation g loss is that of the population handed to on_epoch_end(g) (not
    # of the parameters before a step, as in gradient training): the population restored is
    # the one whose best member cost the least, by hand mse = mean((a2 - y)^2) of its members
    # (before the fix, the generation before it: the parameters saved before a step)
    from glassnet.evolution import fit_evolution

    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 2, 1], activation="tanh", seed=list(range(6)))
    h = fit_evolution(net, X, y, generations=12, seed=0,
                      callbacks=[gn.EarlyStopping(monitor="loss", patience=1000)])  # fmt: skip
    best_g = int(np.argmin(h.loss))
    costs = []
    for p in range(6):
        (W1, b1), (W2, b2) = [(layer["W"][p], layer["b"][p]) for layer in net.params]
        a2 = 1 / (1 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))  # tanh hidden, sigmoid out
        costs.append(float(np.mean((a2 - y) ** 2)))
    assert min(costs) == pytest.approx(float(h.loss[best_g]), rel=1e-12)
    assert h.messages[-1] == f"early stopping restored the parameters of epoch(s) {[best_g] * 6}"


def _buffered_mse():
    # mse written into one array of its own and returned on every call (a custom Loss may)
    buf = {}

    def value(a, y, weight=None):
        out = buf.setdefault(a.shape[:-2], np.zeros(a.shape[:-2]))
        np.mean((a - y) ** 2, axis=(-2, -1), out=out)
        return out

    return gn.losses.Loss("buffered_mse", value, lambda a, y, weight=None: 2 * (a - y) / y.size)


def test_the_first_loss_is_a_float_copy_even_from_a_loss_that_reuses_its_array():
    # History.first_loss (documented: the first epoch's loss, the reference of rule 2) was the
    # loss's own array: the last epoch's loss at the end, so a run whose loss grew 1e9-fold
    # never diverged. Reference: the same run with the built-in mse, and the rule written out
    rng = np.random.default_rng(26)
    X = rng.normal(size=(6, 2))
    A = np.c_[X, np.ones(len(X))]
    lr = 2.2 / np.linalg.eigvalsh(2 / len(X) * A.T @ A).max()  # the loss grows 1.44x an epoch
    runs = []
    for loss in ("mse", _buffered_mse()):
        net = gn.Network([2, 1], output="identity", seed=3)
        y = X @ net.params[0]["W"] + net.params[0]["b"] + 0.1 * np.sign(X[:, :1])
        with pytest.warns(gn.DivergenceWarning):
            runs.append(net.fit(X, y, loss=loss, lr=lr, epochs=60))
    plain, buffered = runs
    assert type(buffered.first_loss) is float and buffered.first_loss == buffered.loss[0]
    first_over = int(np.argmax(plain.loss > 1e4 * max(1.0, plain.loss[0])))  # rule 2 by hand
    assert plain.diverged_epoch == buffered.diverged_epoch == first_over


def test_a_checkpoint_given_to_evolution_is_refused_before_anything_runs(tmp_path):
    # a Checkpoint saves fit's run (history.live) to continue it; fit_evolution has none, and
    # its saves were silently nothing: refused by name before the first generation
    from glassnet.evolution import fit_evolution

    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 2, 1], activation="tanh", seed=list(range(4)))
    before = [p.copy() for layer in net.params for p in layer.values()]
    with pytest.raises(ValueError) as err:
        fit_evolution(net, X, y, generations=3, seed=0,
                      callbacks=[gn.Checkpoint(tmp_path / "ck-{epoch}.npz", every=1)])  # fmt: skip
    assert str(err.value) == (
        "callbacks: a Checkpoint saves a gradient run (fit's) to continue it, and this trainer "
        "has none; save the network when it returns (glassnet.modelfile.save)"
    )
    assert list(tmp_path.iterdir()) == []
    after = [p for layer in net.params for p in layer.values()]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
