"""Seeds: what is a seed, and which generator each use of it draws from."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet._random import MAX_SEED, check_seed, generator, legacy


@pytest.mark.parametrize("seed", [0, 7, np.int64(12), np.uint8(3), 2**128 - 1])
def test_a_seed_is_a_non_negative_integer_below_2_to_the_128(seed):
    out = check_seed(seed)
    assert out == int(seed) and type(out) is int
    assert MAX_SEED == 2**128 - 1


@pytest.mark.parametrize(
    ("seed", "error", "message"),
    [
        (True, TypeError, "seed: expected a non-negative integer, got True (bool)"),
        (np.bool_(False), TypeError, "seed: expected a non-negative integer, got "),
        (1.0, TypeError, "seed: expected a non-negative integer, got 1.0 (float)"),
        ("3", TypeError, "seed: expected a non-negative integer, got '3' (str)"),
        (-1, ValueError, "seed: expected a non-negative integer below 2**128, got -1 (int)"),
        (2**128, ValueError, "seed: expected a non-negative integer below 2**128, got "),
    ],
)
def test_what_is_not_a_seed_is_refused_by_name(seed, error, message):
    with pytest.raises(error) as info:
        check_seed(seed)
    assert str(info.value).startswith(message)
    with pytest.raises(error, match=r"^seed\[3\]: "):
        check_seed(seed, "seed[3]")


def test_each_use_of_a_seed_draws_from_its_own_stream():
    # "init" is numpy's default_rng(seed): the initial weights of a seed are what NumPy draws
    np.testing.assert_array_equal(generator(5).random(4), np.random.default_rng(5).random(4))
    np.testing.assert_array_equal(generator(5, "init").random(4),
                                  np.random.default_rng(5).random(4))  # fmt: skip
    streams = ["init", "shuffle", "evolution", "landscape", "data"]
    draws = {s: generator(5, s).random(6) for s in streams}
    for s in streams:  # reproducible, and each independent of the others
        np.testing.assert_array_equal(generator(5, s).random(6), draws[s])
        for t in streams:
            if s < t:
                assert not np.allclose(draws[s], draws[t])
    assert not np.allclose(generator(5, "shuffle").random(6), generator(6, "shuffle").random(6))
    with pytest.raises(KeyError):
        generator(5, "weights")
    # the paper's generator is NumPy's legacy RandomState
    np.testing.assert_array_equal(
        legacy(1).uniform(size=3), np.random.RandomState(1).uniform(size=3)
    )
