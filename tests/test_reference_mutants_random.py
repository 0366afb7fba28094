"""The paper's legacy generator: its seed range is NumPy's RandomState's (mutation run, issue 26).

``legacy(seed)`` must take every seed ``np.random.RandomState`` takes, ``0 .. 2**32 - 1``, and
draw what it draws, and refuse the first seed NumPy refuses, ``2**32``, in glassnet's words.
The reference is NumPy itself: ``RandomState(2**32)`` raises, ``RandomState(2**32 - 1)`` does
not.

Since (rerun 7 December): no seed's stream replays another pair's, over every stream the
module has and 2048 seeds (a derivation such as ``seed + c`` would).
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet._random import _STREAMS, MAX_SEED, generator, legacy

LAST = 2**32 - 1


@pytest.mark.parametrize("seed", [0, 64, 2**31, LAST])
def test_legacy_takes_every_seed_randomstate_takes_and_draws_what_it_draws(seed):
    np.testing.assert_array_equal(
        legacy(seed).uniform(size=4), np.random.RandomState(seed).uniform(size=4)
    )


@pytest.mark.parametrize("seed", [2**32, 2**33 - 1, 3**31, -1])
def test_legacy_refuses_what_randomstate_refuses_in_its_own_words(seed):
    with pytest.raises(ValueError):  # the reference: NumPy refuses it too
        np.random.RandomState(seed)
    with pytest.raises(ValueError) as info:
        legacy(seed)
    assert str(info.value) == (
        "seed: init='paper' draws from NumPy's legacy RandomState, which takes seeds from 0 to "
        f"2**32 - 1; got {seed} (int)"
    )


def test_every_stream_of_every_seed_is_its_own():
    # the module docstring: different uses of one seed draw from independent streams, and a
    # population takes one seed per member. So no (seed, stream) pair may replay another's
    # numbers -- not even another seed's other stream (a stream made as seed + c, say, would
    # give seed 0's shuffling the initial weights of seed c). Every stream the module has,
    # over 2048 consecutive seeds and the largest ones: every first draw is different
    seeds = [*range(2048), MAX_SEED - 1, MAX_SEED]
    first = {(s, name): generator(s, name).integers(0, 2**63) for s in seeds for name in _STREAMS}
    assert len(set(first.values())) == len(first) == len(seeds) * len(_STREAMS)
    assert len(_STREAMS) >= 5  # init, shuffle, evolution, landscape, data
