"""The NumPy array namespace against NumPy itself.

The engine takes its functions from ``glassnet._xp.namespace``; for NumPy arrays its einsum is
NumPy's C einsum called directly (``np.einsum`` without ``optimize`` only dispatches to it).
These tests hold it to ``np.einsum`` bit for bit, on single-network and population shapes, so
a NumPy that changed either would be caught here rather than in a population's last bits.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from glassnet._xp import NUMPY, namespace

SHAPES = st.sampled_from([(4, 2), (1, 1), (7, 3), (5, 4, 2), (3, 1, 6)])
FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), shape=SHAPES, dtype=st.sampled_from([np.float64, np.float32]))
def test_einsum_and_sum_squares_equal_numpy_bit_for_bit(data, shape, dtype):
    r = data.draw(arrays(dtype, shape, elements=FINITE.map(dtype)))
    for spec in ("...nj->...j", "...nj->..."):
        got, want = NUMPY.einsum(spec, r), np.einsum(spec, r)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    got = NUMPY.sum_squares(r)
    want = np.einsum("...ij,...ij->...", r, r)
    np.testing.assert_array_equal(got, want)
    # and it is the textbook sum of squares, per member; each square rounds to the dtype's
    # grid, so where they fall below its normal range (float32 from about 1e-19) each may
    # be off by half a subnormal step, or flush to 0 (5e-39 squared is 0 in float32)
    terms = shape[-2] * shape[-1]
    np.testing.assert_allclose(
        got,
        (r.astype(np.float64) ** 2).sum(axis=(-2, -1)),
        rtol=1e-5 if dtype is np.float32 else 1e-12,
        atol=terms * float(np.finfo(dtype).smallest_subnormal),
    )


@pytest.mark.parametrize("x", [np.zeros((2, 2)), np.float64(1.0), 1.0, 3, np.zeros(3)[0]])
def test_numpy_values_get_the_numpy_namespace(x):
    assert namespace(x) is NUMPY
    assert NUMPY.name == "numpy"
