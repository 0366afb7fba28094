"""Data-module details mutation testing found unchecked: the argument named in a refusal."""

from __future__ import annotations

import pytest

from glassnet.datasets.split import Standardizer


def test_standardizer_names_the_array_it_refuses():
    with pytest.raises(TypeError) as info:
        Standardizer().fit("abc")
    assert str(info.value) == "X: expected a numeric array, got 'abc' (str)"
