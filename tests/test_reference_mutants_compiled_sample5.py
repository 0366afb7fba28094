"""What the fifth sample of compiled.py's mutants (seed 5) found unchecked, each against a
reference computed independently of the compiled program: the NumPy engine
(``backend="numpy"``, the reference implementation, whose own tests hold it to hand
computations):

* a program kept in memory is not reused for a fit whose penalty is on where the kept one's
  was off (whether l1 / l2 is 0 is in the program's key: a program traced without a penalty has
  no penalty terms at all, whatever strength it is then given).

compiled.py's mutants run each in a fresh process (``tools/mutate_subprocess.py``); the
survivors of the sample are itemized in tests/mutation/survivors.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import compiled

jax = pytest.importorskip("jax")


def _data(n=24, n_in=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.uniform(0.05, 0.95, size=(n, 1))


def _assert_same(a, b, ha, hb, rtol=1e-9):
    """The NumPy engine's network and History (a, ha) and the compiled program's (b, hb)."""
    assert hb.epochs_run == ha.epochs_run
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=rtol, atol=1e-300)
    for la, lb in zip(a.params, b.params, strict=True):
        assert la.keys() == lb.keys()
        for k in la:
            np.testing.assert_allclose(lb[k], la[k], rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_a_penalty_turned_on_after_a_fit_without_it_is_not_the_kept_programs(penalty):
    # the same network and data fitted first without a penalty, then with one: the program
    # kept from the first fit has no penalty terms, so the second fit needs a program of its
    # own; its run is the NumPy engine's with the penalty (and not the one without it)
    X, y = _data()
    kw = {"lr": 0.3, "epochs": 12, "batch_size": 8, "shuffle": False}
    compiled.clear_cache(disk=False)
    try:
        with compiled.configure(cache_dir=False):
            gn.Network([3, 4, 1], activation="tanh", seed=0).fit(X, y, backend="jax", **kw)
            strength = {penalty: 0.05}
            a = gn.Network([3, 4, 1], activation="tanh", seed=0)
            b = gn.Network([3, 4, 1], activation="tanh", seed=0)
            ha = a.fit(X, y, **kw, **strength)
            hb = b.fit(X, y, backend="jax", **kw, **strength)
    finally:
        compiled.clear_cache(disk=False)
    _assert_same(a, b, ha, hb)
    plain = gn.Network([3, 4, 1], activation="tanh", seed=0)
    plain.fit(X, y, **kw)
    assert not np.allclose(plain.params[0]["W"], a.params[0]["W"], rtol=1e-6)
