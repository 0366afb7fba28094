"""A loss curve of small integers (a count of errors per epoch, stored as uint8) has its slope
taken in floating point: in the curve's own type ``0 - 255`` wraps to 1 and would pass for flat.

Reference: the slope by hand, ``|loss[e] - loss[e - 1]| / 1`` with window 2: 255 at epoch 1,
0 at epoch 2.
"""

from __future__ import annotations

import numpy as np

from glassnet import convergence


def test_an_integer_curve_does_not_wrap_its_slope():
    curve = np.array([255, 0, 0], dtype=np.uint8)
    assert convergence.paper_epoch(curve, tol=0.5, slope_tol=2.0, window=2) == 2
    curves = np.array([[255, 0, 0], [3, 0, 0]], dtype=np.uint8)  # slopes 255 and 3, then 0
    np.testing.assert_array_equal(
        convergence.paper_epoch(curves, tol=0.5, slope_tol=2.0, window=2), [2, 2]
    )
    np.testing.assert_array_equal(
        convergence.paper_epoch(curves, tol=0.5, slope_tol=4.0, window=2), [2, 1]
    )
