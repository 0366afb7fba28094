"""Accuracy on the threshold itself (mutation testing found it unchecked).

The rule for one output column is ``y_hat > threshold`` against ``y > 0.5``: a value exactly on
the threshold is class 0 on both sides, so a prediction of exactly 0.5 for a target of exactly
0.5 (a soft label) counts as right.
"""

from __future__ import annotations

import numpy as np

from glassnet import metrics


def test_a_value_on_the_threshold_is_class_zero_on_both_sides():
    y = np.array([[0.5], [1.0], [0.0]])
    y_hat = np.array([[0.5], [0.5], [0.5]])
    # class by class: 0 vs 0 right, 0 vs 1 wrong, 0 vs 0 right
    assert metrics.accuracy(y_hat, y) == 2 / 3
