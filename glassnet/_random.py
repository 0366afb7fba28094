"""Where seeds become generators: the one place randomness is made.

A seed is a non-negative integer. The same seed always gives the same numbers. Different uses
of one seed (initial weights, mini-batch shuffling, mutation) draw from independent streams,
so that, say, changing the batch size never changes the initial weights.

The streams are part of glassnet's reproducibility promise, written out so that anyone can
draw the same numbers with NumPy alone (a release that changes them says so):

==================================  ==========================================
initial weights (``init``)          ``np.random.default_rng(seed)``
mini-batch sample orders            ``np.random.default_rng([seed, 1])``, one
                                    ``permutation(n_samples)`` per epoch
training by selection (evolution)   ``np.random.default_rng([seed, 2])``
==================================  ==========================================

(Keys 3 and 4 are reserved.) ``init="paper"`` draws from ``np.random.RandomState(seed)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validation import describe

#: The largest seed: 128 bits are more than any generator's state needs.
MAX_SEED = 2**128 - 1

_STREAMS = {"init": None, "shuffle": 1, "evolution": 2, "landscape": 3, "data": 4}


def check_seed(seed: Any, argument: str = "seed") -> int:
    """Return ``seed`` as an int, checking it is an integer in [0, 2**128).

    A non-integer (a float, a string, True) is a ``TypeError``; a negative or astronomically
    large integer a ``ValueError``.
    """
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{argument}: expected a non-negative integer, got {describe(seed)}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(
            f"{argument}: expected a non-negative integer below 2**128, got {describe(seed)}"
        )
    return int(seed)


def generator(seed: int, stream: str = "init") -> np.random.Generator:
    """The generator for ``seed`` and ``stream`` (``"init"`` is ``default_rng(seed)``)."""
    key = _STREAMS[stream]
    return np.random.default_rng(seed if key is None else [seed, key])


def legacy(seed: int) -> np.random.RandomState:
    """NumPy's legacy generator, as the paper used: ``np.random.RandomState(seed)``.

    It takes only seeds below 2**32; a larger one is refused naming ``seed``, not in NumPy's
    words."""
    if not 0 <= seed < 2**32:
        raise ValueError(
            f"seed: init='paper' draws from NumPy's legacy RandomState, which takes seeds "
            f"from 0 to 2**32 - 1; got {describe(seed)}"
        )
    return np.random.RandomState(seed)
