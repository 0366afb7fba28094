"""glassnet.study.spec against references written out by hand: a few survivors of its first
mutation run (tests/mutation/survivors.md; the rest are not itemized yet): the labels of the
docstrings' examples, the axis lookup's refusal, the rule that a target of 0s and 1s whose rows
hold one 1 (or a single column) is a classification.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.study import spec as gs


def test_the_labels_of_the_docstrings_examples():
    assert gs.hidden_label([8, 8]) == "8-8" and gs.hidden_label([3]) == "3"
    assert gs.hidden_label([]) == "none"
    assert gs.activation_label("tanh") == "tanh"
    assert gs.activation_label(["tanh", "relu"]) == "tanh,relu"


def test_an_axis_by_name_and_an_unknown_one_refused():
    for name in gs.AXES:
        assert gs.axis(name).name == name
    assert gs.axis("lr") is not gs.axis("epochs")
    with pytest.raises(ValueError) as err:
        gs.axis("nope")
    assert str(err.value) == f"axis: unknown axis 'nope'; axes: {', '.join(gs.AXES)}"
    assert str(err.value).startswith("axis: unknown axis 'nope'; axes: dataset, ")


@pytest.mark.parametrize(
    "y, want",
    [
        ([[0], [1], [1]], True),  # one 0/1 column
        ([[1, 0, 0], [0, 0, 1]], True),  # one-hot rows
        ([[1, 1, 0], [0, 0, 1]], False),  # a row of two 1s: not one class per row
        ([[0, 0], [0, 1]], False),  # a row of no 1: not one-hot
        ([[0.5], [1]], False),  # not 0/1
        ([[2], [1]], False),
        ([[0], [0]], True),
    ],
)
def test_a_classification_target_is_0_1_with_one_1_per_row(y, want):
    assert gs._is_classification(np.array(y, dtype=float)) is want
