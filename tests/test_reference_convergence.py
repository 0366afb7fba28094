"""The two convergence definitions on hand-made curves whose answers are worked out by hand.

* threshold: the first epoch ``e`` with ``loss[e] < threshold`` (strict);
* the paper's: the first ``e`` with ``loss[e] < tol`` and
  ``|loss[e] - loss[e - window + 1]| / (window - 1) < slope_tol``: the average change per epoch
  over the last ``window`` epochs, which span ``window - 1`` steps.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import convergence

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("curve", "threshold", "expected"),
    [
        ([0.5, 0.2, 0.1, 0.1, 0.05], 0.1, 4),  # equal to the threshold is not below it
        ([0.5, 0.2, 0.1, 0.1, 0.05], 0.1000001, 2),
        ([0.05, 0.5], 0.1, 0),
        ([0.5, 0.4], 0.1, -1),
        ([NAN, INF, 0.01], 0.1, 2),  # non-finite losses never count
        ([NAN, NAN], 0.1, -1),
        ([-INF, 0.5], 0.1, -1),
    ],
)
def test_threshold_epoch(curve, threshold, expected):
    assert convergence.threshold_epoch(curve, threshold) == expected


def test_threshold_epoch_per_member():
    curves = [[0.5, 0.2, 0.1, 0.1, 0.05], [0.09, 1, 1, 1, 1], [1, 1, 1, 1, 1], [NAN] * 5]
    got = convergence.threshold_epoch(curves, 0.1)
    assert got.tolist() == [4, 0, -1, -1] and got.dtype == np.int64


# window 3, tol 0.01, slope_tol 1e-4; slope(e) = |loss[e] - loss[e-2]| / 2:
#   e=0: 0.02 is not below tol                       e=1: no slope yet (needs e >= 2)
#   e=2: |0.00875 - 0.02| / 2  = 5.6e-3  > 1e-4      e=3: |0.0086 - 0.009| / 2 = 2.0e-4 > 1e-4
#   e=4: |0.0085 - 0.00875| / 2 = 1.25e-4 > 1e-4     (divided by 3 it would pass: 8.3e-5)
#   e=5: |0.00849 - 0.0086| / 2 = 5.5e-5 < 1e-4      -> converged at epoch 5
PAPER_CURVE = [0.02, 0.009, 0.00875, 0.0086, 0.0085, 0.00849]


def test_paper_epoch_divides_by_window_minus_one():
    got = convergence.paper_epoch(PAPER_CURVE, tol=0.01, slope_tol=1e-4, window=3)
    assert got == 5


@pytest.mark.parametrize(
    ("curve", "kwargs", "expected"),
    [
        # flat from the start: the first epoch with a full window is window - 1
        ([0.001] * 6, dict(window=3), 2),
        ([0.001] * 6, dict(window=6), 5),
        ([0.001] * 5, dict(window=6), -1),  # the curve is shorter than the window
        # flat but not below tol (strict): 0.01 itself does not count
        ([0.01] * 6, dict(window=3), -1),
        ([0.5, 0.5, 0.5, 0.005, 0.005, 0.005], dict(window=3), 5),
        ([0.004, 0.0040, 0.0040, 0.0040], dict(window=3), 2),
        # a rising curve below tol is not flat either
        ([0.001, 0.002, 0.003, 0.004, 0.004, 0.004], dict(window=3), 5),
        ([0.001, 0.001, NAN, 0.001, 0.001], dict(window=3), 3),  # a NaN loss is no convergence
        ([0.001, INF, 0.001, 0.001, 0.001], dict(window=2), 3),
        ([INF, INF, 0.001, 0.001], dict(window=2), 3),  # inf - inf is no slope (and no warning)
        ([NAN, NAN, NAN, 0.001, 0.001], dict(window=2), 4),
        # a curve of any sign: a difference that overflows is no slope (and no warning)
        ([-1.5e308, 1.5e308, 0.001, 0.001], dict(window=2), 3),
    ],
)
def test_paper_epoch_cases(curve, kwargs, expected):
    assert convergence.paper_epoch(curve, **kwargs) == expected


def test_paper_epoch_defaults_are_the_papers():
    # tol 0.01, slope 1e-4, window 10: a curve flat at 0.005 from epoch 0 converges at epoch 9
    assert convergence.paper_epoch([0.005] * 12) == 9
    # a slope exactly equal to slope_tol is not below it; dyadic numbers make it exact:
    # a decline of 2^-13 per epoch, |loss[9] - loss[0]| / 9 = 2^-13 = slope_tol
    step = 2.0**-13
    curve = [2.0**-7 - step * e for e in range(12)]
    assert convergence.paper_epoch(curve, slope_tol=step) == -1
    assert convergence.paper_epoch(curve, slope_tol=step * (1 + 1e-12)) == 9


def test_paper_epoch_per_member():
    curves = [PAPER_CURVE, [0.001] * 6, [1.0] * 6]
    got = convergence.paper_epoch(curves, tol=0.01, slope_tol=1e-4, window=3)
    assert got.tolist() == [5, 2, -1]


def test_history_methods_use_the_same_definitions():
    h = gn.training.History(loss=np.array(PAPER_CURVE))
    assert h.converged_epoch(0.0086) == 4
    assert h.paper_converged_epoch(tol=0.01, slope_tol=1e-4, window=3) == 5


def test_stop_on_convergence_stops_at_the_converged_epoch():
    # a callback sees epochs 0..e: it stops after the first epoch that meets the definition
    X = np.array([[1.0], [2.0]])
    y = np.array([[2.0], [4.0]])
    net = gn.Network([1, 1], output="identity", bias="none", init="uniform", seed=0)
    full = net.copy().fit(X, y, lr=0.05, epochs=60, stats_every=0)
    hit = convergence.threshold_epoch(full.loss, 0.01)
    assert 0 < hit < 59
    stopped = net.copy().fit(
        X, y, lr=0.05, epochs=60, stats_every=0, callbacks=[gn.StopOnConvergence(0.01)]
    )
    assert stopped.epochs_run == hit + 1 and stopped.stopped_by == "StopOnConvergence"
    np.testing.assert_array_equal(stopped.loss, full.loss[: hit + 1])
    paper_hit = convergence.paper_epoch(full.loss, tol=0.01, slope_tol=1e-2, window=4)
    assert 0 < paper_hit < 59
    stopped = net.copy().fit(
        X, y, lr=0.05, epochs=60, stats_every=0,
        callbacks=[gn.StopOnConvergence(paper=True, tol=0.01, slope_tol=1e-2, window=4)],
    )  # fmt: skip
    assert stopped.epochs_run == paper_hit + 1


def test_single_curves_give_python_ints():
    assert type(convergence.threshold_epoch([0.5, 0.05], 0.1)) is int
    assert type(convergence.paper_epoch([0.001] * 12)) is int
    assert type(convergence.paper_epoch([1.0] * 12)) is int


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: convergence.threshold_epoch([1.0], 0), ValueError, "^threshold: "),
        (lambda: convergence.threshold_epoch([1.0], -0.1), ValueError, "^threshold: "),
        (lambda: convergence.paper_epoch([1.0], tol=0), ValueError, "^tol: "),
        (lambda: convergence.paper_epoch([1.0], slope_tol=-1), ValueError, "^slope_tol: "),
        (lambda: convergence.paper_epoch([1.0], window=1), ValueError, "^window: .*>= 2"),
        (lambda: convergence.paper_epoch([1.0], window=2.5), TypeError, "^window: "),
        (
            lambda: convergence.threshold_epoch(np.ones((2, 2, 2)), 0.1),
            ValueError,
            r"^loss: expected shape \(epochs,\) or \(P, epochs\), got \(2, 2, 2\)$",
        ),
    ],
)
def test_bad_arguments_name_themselves(call, error, message):
    with pytest.raises(error, match=message):
        call()
