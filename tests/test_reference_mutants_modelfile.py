"""What the mutation run of modelfile.py found unchecked (issue 26):

* the kernel a network was built with comes back from its file (a population of the
  ``"broadcast"`` kernel is not reloaded as a ``"blas"`` one);
* a run with a custom schedule loads with ``custom={"schedule": fn}`` and then continues
  exactly as the uninterrupted run (the reference: the same fit, never saved);
* without it the refusal names the file, the schedule, and the way out, word for word.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.modelfile import load, save

X, Y = gn.datasets.load("xor")


def halving(epoch):
    return 0.5**epoch


def test_the_kernel_comes_back_from_the_file(tmp_path):
    net = gn.Network([2, 3, 1], seed=[0, 1, 2], kernel="broadcast")
    save(net, tmp_path / "b.npz")
    back = load(tmp_path / "b.npz")
    assert back.kernel == "broadcast"
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_a_run_with_a_custom_schedule_loads_with_it_and_continues_exactly(tmp_path):
    whole = gn.Network([2, 3, 1], seed=0)
    whole.fit(X, Y, lr=0.5, schedule=halving, epochs=5)
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, Y, lr=0.5, schedule=halving, epochs=3)
    save(net, tmp_path / "s.npz")
    back = load(tmp_path / "s.npz", custom={"schedule": halving})
    assert back.train_state.config.schedule is halving
    back.fit(X, Y, resume=back.train_state, epochs=2)
    for a, b in zip(back.params, whole.params, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_a_run_whose_schedule_is_missing_is_refused_with_the_way_out(tmp_path):
    net = gn.Network([2, 3, 1], seed=0)
    net.fit(X, Y, schedule=halving, epochs=2)
    path = tmp_path / "s.npz"
    save(net, path)
    with pytest.raises(ValueError) as info:
        load(path)
    assert str(info.value) == (
        f"{path}: the training run it holds cannot be restored (config.schedule: the run used "
        "a custom schedule ('halving'), which a file cannot hold; give it back with "
        "custom={'schedule': ...}); load(path, run=False) reads the network alone"
    )
    assert load(path, run=False).train_state is None
