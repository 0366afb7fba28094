"""The argument-checking vocabulary, word for word (glassnet._validation).

Every public message of glassnet is built here, so each builder is checked for the exact text it
writes and for the edge of what it accepts: the bytes a network's parameters take (counted by
hand), descriptions of values (a hostile ``repr``, the 60-character limit), near-miss
suggestions, every constraint's wording, arrays (empty, one row, no columns, the first
non-finite entry of a 2-D or 3-D array), callbacks, sample weights and per-member values.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import _validation as v


@pytest.mark.parametrize(
    ("bias", "per_member"),
    [("neuron", 3 * 4 + 4 + 4 * 2 + 2), ("layer", 3 * 4 + 1 + 4 * 2 + 1), ("none", 3 * 4 + 4 * 2)],
)
@pytest.mark.parametrize(("population", "itemsize"), [(1, 8), (5, 4)])
def test_parameter_bytes_count_every_weight_and_bias(bias, per_member, population, itemsize):
    got = v.parameter_bytes([3, 4, 2], population, itemsize, bias)
    assert got == per_member * population * itemsize and type(got) is int


class _Hostile:
    def __repr__(self):
        raise RuntimeError("no")


def test_describe_at_its_edges():
    assert v.describe(np.zeros((2, 3), np.float32)) == "an array of shape (2, 3) and dtype float32"
    assert v.describe(_Hostile()) == "<_Hostile object> (_Hostile)"
    sixty = "x" * 58  # repr adds the quotes: 60 characters
    assert v.describe(sixty) == f"'{sixty}' (str)"
    assert v.describe(10**60) == f"{'1' + '0' * 39}... (int, 61 characters)"
    assert v.describe(None) == "None (NoneType)"


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("sigmod", " (did you mean 'sigmoid'?)"),
        ("SIGMOID", " (did you mean 'sigmoid'?)"),  # case alone
        (" relu ", " (did you mean 'relu'?)"),
        ("TANHH", " (did you mean 'tanh'?)"),  # case-folded near miss
        ("zzzz", ""),
        (3, ""),
        (None, ""),
    ],
)
def test_did_you_mean(value, hint):
    assert v.did_you_mean(value, ["relu", "sigmoid", "tanh"]) == hint


def test_unknown_names_and_constraints_word_for_word():
    err = v.unknown_name("loss", "loss", "mes", ["mse", "mae", "bce"])
    assert (
        str(err) == "loss: unknown loss 'mes'; expected one of bce, mae, mse (did you mean 'mse'?)"
    )
    with pytest.raises(ValueError) as info:
        v.check("mes", "loss", v.Options(["mse", "mae"]), v.Instance(float))
    assert str(info.value) == (
        "loss: expected one of mse, mae or a float, got 'mes' (str) (did you mean 'mse'?)"
    )
    with pytest.raises(ValueError) as info:  # no Options: no hint at all
        v.check(-1, "n", v.Interval(int, 0, None))
    assert str(info.value) == "n: expected an integer >= 0, got -1 (int)"
    with pytest.raises(TypeError) as info:
        v.check("x", "n", v.Interval(int, None, 5), v.Instance((int, float)))
    assert str(info.value) == "n: expected an integer <= 5 or a int or a float, got 'x' (str)"
    with pytest.raises(ValueError) as info:
        v.check(1.0, "p", v.Interval(float, None, 1, closed="left"))
    assert str(info.value) == "p: expected a finite number < 1, got 1.0 (float)"
    with pytest.raises(TypeError) as info:
        v.check(1, "flag", v.Boolean(), v.Instance(type(None)), v.Instance(str, "a name"))
    assert str(info.value) == "flag: expected True or False or None or a name, got 1 (int)"
    with pytest.raises(ValueError) as info:
        v.check(5, "k", v.Interval(int, 0, 5, closed="left"))
    assert str(info.value) == "k: expected an integer in [0, 5), got 5 (int)"
    assert str(v.Interval(float, None, None)) == "a finite number"
    assert str(v.Interval(float, 0, 1, closed="neither")) == "a finite number in (0, 1)"
    assert str(v.Interval(float, 0, None, closed="right")) == "a finite number > 0"
    assert v.check(10**400, "n", v.Interval(int, 0, None)) == 10**400  # no float needed


@pytest.mark.parametrize(
    ("allow_zero", "value", "ok", "message"),
    [
        (False, 0.0, False, "lr: expected a finite number > 0, got 0.0 (float)"),
        (False, 1e-300, True, ""),
        (True, 0.0, True, ""),
        (True, -1e-300, False, "lr: expected a finite number >= 0, got -1e-300 (float)"),
    ],
)
def test_positive_float_with_and_without_zero(allow_zero, value, ok, message):
    if ok:
        assert v.positive_float(value, "lr", allow_zero=allow_zero) == value
    else:
        with pytest.raises(ValueError) as info:
            v.positive_float(value, "lr", allow_zero=allow_zero)
        assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "X: expected a numeric array, got None (NoneType)"),
        ({"a": 1}, "X: expected a numeric array, got {'a': 1} (dict)"),
        ("12", "X: expected a numeric array, got '12' (str)"),
        ([[1.0], [1.0, 2.0]], "X: expected a numeric array, got [[1.0], [1.0, 2.0]] (list)"),
        ([[1 + 2j]], "X: expected a numeric array of real numbers, got complex numbers"),
        ([["a"]], "X: expected a numeric array of real numbers, got dtype <U1"),
        (np.ma.masked_array([1.0]), "X: masked arrays are not supported (the mask would be "
                                    "ignored); drop or fill the masked entries first, e.g. "
                                    "X.filled(value)"),
    ],
)  # fmt: skip
def test_numeric_array_refusals(value, message):
    with pytest.raises(TypeError) as info:
        v.numeric_array(value, "X")
    assert str(info.value) == message


def test_finite_matrix_edges():
    assert v.finite_matrix([[1.0, 2.0]], "X").shape == (1, 2)  # one row is a matrix
    assert v.finite_matrix(np.zeros((3, 0)), "X").shape == (3, 0)  # so is a row of nothing
    with pytest.raises(ValueError) as info:
        v.finite_matrix(np.zeros((0, 2)), "X")
    assert str(info.value) == "X: expected at least one row (sample), got an empty array"
    with pytest.raises(ValueError) as info:
        v.finite_matrix(np.zeros((2, 3)), "X", columns=2)
    assert str(info.value) == "X: expected 2 columns for this network, got 3"
    with pytest.raises(ValueError) as info:
        v.finite_matrix(np.zeros(3), "X")
    assert str(info.value) == "X: expected a 2-D array (n_samples, n_features), got shape (3,)"
    with pytest.raises(ValueError) as info:
        v.finite_matrix([[1.0, 2.0], [3.0, np.inf], [np.nan, 0.0]], "X")
    assert str(info.value) == "X: expected finite values, found NaN or infinity in row 1"


def test_check_finite_names_the_first_bad_entry_of_any_array():
    a = np.zeros((2, 3, 4))
    a[1, 0, 2] = np.nan
    a[1, 2, 0] = -np.inf
    with pytest.raises(ValueError) as info:
        v.check_finite(a, "W")
    assert str(info.value) == "W: expected finite values, found NaN or infinity at index (1, 0, 2)"
    with pytest.raises(ValueError, match=r"at index \(4,\)$"):
        v.check_finite(np.array([0.0, 1.0, 2.0, 3.0, np.inf]), "b")
    v.check_finite(np.array([1, 2]), "ints")  # integers are always finite
    v.check_finite(np.zeros(0), "empty")


class _NoEnd:
    def on_train_begin(self, net, history): ...

    def on_epoch_end(self, epoch, history, net): ...


def test_callbacks_are_checked_for_their_hooks():
    assert v.check_callbacks(()) == []
    with pytest.raises(TypeError) as info:
        v.check_callbacks("stop")
    assert str(info.value) == "callbacks: expected a list of Callback objects, got 'stop' (str)"
    with pytest.raises(TypeError) as info:
        v.check_callbacks([_NoEnd()])
    assert str(info.value).startswith(
        "callbacks[0]: expected a Callback (with on_train_begin, on_epoch_end, on_train_end), got <"
    )
    assert str(info.value).endswith(", which lacks on_train_end")
    with pytest.raises(TypeError) as info:
        v.check_callbacks([3])
    assert str(info.value).endswith(
        "got 3 (int), which lacks on_train_begin, on_epoch_end, on_train_end"
    )


def test_sample_weights_at_their_edges():
    w = v.sample_weights([0.1, 0.0, 0.2], 3)
    assert w.dtype == np.float64 and w.tolist() == [0.1, 0.0, 0.2]  # sums below 1 are fine
    assert v.sample_weights(np.array([1, 2, 3], dtype=np.int8), 3).dtype == np.float64
    for bad in ([0.0, 0.0, 0.0], [1.0, -0.1, 1.0], [1.0, np.nan, 1.0], [np.inf, 1.0, 1.0]):
        with pytest.raises(ValueError) as info:
            v.sample_weights(bad, 3)
        assert str(info.value) == "sample_weight: expected finite weights >= 0, not all zero"
    with pytest.raises(ValueError) as info:
        v.sample_weights([1.0, 2.0], 3)
    assert str(info.value) == "sample_weight: expected shape (3,), one per sample, got (2,)"


def test_per_member_values():
    c = v.Interval(float, 0, None, closed="neither")
    np.testing.assert_array_equal(v.per_member([0.1, 0.2], 2, "lr", c), [0.1, 0.2])
    np.testing.assert_array_equal(v.per_member(np.array([0.1, 0.2]), 2, "lr", c), [0.1, 0.2])
    with pytest.raises(TypeError) as info:
        v.per_member("0.1", 2, "lr", c)
    assert str(info.value) == "lr: expected one number per member, got '0.1' (str)"
    with pytest.raises(ValueError) as info:
        v.per_member(np.array([[0.1], [0.2]]), 2, "lr", c)
    assert str(info.value) == (
        "lr: expected one number per member, got an array of shape (2, 1) and dtype float64"
    )
    with pytest.raises(ValueError) as info:
        v.per_member([0.1], 2, "lr", c)
    assert str(info.value) == "lr: expected one value per member (2), got 1"
    with pytest.raises(ValueError) as info:
        v.per_member([0.1, -1.0], 2, "lr", c)
    assert str(info.value) == "lr[1]: expected a finite number > 0, got -1.0 (float)"
