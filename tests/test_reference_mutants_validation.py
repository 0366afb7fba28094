"""The argument checks' helpers that mutation testing found untested.

``known_keywords`` wraps its functions when glassnet is imported, before mutmut switches a
mutant on, so these tests apply it at test time to functions, classes and methods of every
parameter kind, and hold the ``TypeError`` to the message written out by hand (the function's
name as the user knows it, the keywords it takes, the near miss). The rest: the did-you-mean's
two passes (as typed, then case-folded), ``unknown_keyword``'s aliases and its empty list,
``warn_nonfinite`` under NumPy's three error states and its attribution to the caller's line,
the row named for a non-finite entry, and the defaults of ``positive_int``/``positive_float``.
"""

from __future__ import annotations

import functools
import inspect
import sys

import numpy as np
import pytest

from glassnet import _validation as v


def _message(call):
    with pytest.raises(TypeError) as info:
        call()
    return str(info.value)


def test_known_keywords_on_a_function_lists_its_keywords_only():
    def f(a, /, b, *args, c=1, **_never):  # **kwargs: refused below, so none here
        return a, b, args, c

    def g(a, /, b, *args, c=1):
        return a + b + sum(args) + c

    with pytest.raises(TypeError) as info:
        v.known_keywords(f)
    assert str(info.value) == "f: takes **kwargs; check them with check_keywords instead"
    wrapped = v.known_keywords(g)
    assert wrapped(1, 2, 3, c=4) == 10 and wrapped(1, b=2) == 4
    assert wrapped.__name__ == "g" and str(inspect.signature(wrapped)) == "(a, /, b, *args, c=1)"
    # positional-only a and *args are no keywords
    assert _message(lambda: wrapped(1, 2, d=3)) == (
        "g: unexpected keyword argument 'd'; expected one of b, c"
    )
    assert _message(lambda: wrapped(1, 2, cc=3)) == (
        "g: unexpected keyword argument 'cc'; expected one of b, c (did you mean 'c'?)"
    )


def test_known_keywords_on_a_class_names_the_class_and_leaves_out_self():
    @v.known_keywords
    class Layer:
        def __init__(self, size, activation="tanh"):
            self.size = size

        @v.known_keywords
        def scale(self, factor=2):
            return self.size * factor

    assert Layer(3, activation="relu").size == 3 and Layer(3).scale(factor=3) == 9
    assert _message(lambda: Layer(3, activaton="relu")) == (
        "Layer: unexpected keyword argument 'activaton'; expected one of size, activation "
        "(did you mean 'activation'?)"
    )
    assert _message(lambda: Layer(3).scale(factr=1)) == (
        "Layer.scale: unexpected keyword argument 'factr'; expected one of factor "
        "(did you mean 'factor'?)"
    )


def test_known_keywords_on_an_init_and_in_nested_scopes():
    class Box:
        @v.known_keywords
        def __init__(self, width):
            self.width = width

    def outer():
        def inner():
            @v.known_keywords
            def deep(x):
                return x

            return deep

        return inner()

    assert _message(lambda: Box(widht=1)) == (
        "Box: unexpected keyword argument 'widht'; expected one of width (did you mean 'width'?)"
    )
    assert _message(lambda: outer()(y=1)) == (
        "deep: unexpected keyword argument 'y'; expected one of x"
    )


def test_known_keywords_labels_a_callable_without_a_qualified_name():
    def add(x, y=1):
        return x + y

    class Named:
        __name__ = "named"

        def __call__(self, x):
            return x

    partial = v.known_keywords(functools.partial(add, 1))
    assert partial(y=2) == 3
    assert _message(lambda: partial(z=2)) == (
        "function: unexpected keyword argument 'z'; expected one of y"  # x is bound
    )
    named = v.known_keywords(Named())
    assert _message(lambda: named(q=1)) == (
        "named: unexpected keyword argument 'q'; expected one of x"
    )


def test_unknown_keyword_aliases_and_empty_lists():
    aliases = {"learning_rate": "lr"}
    err = v.unknown_keyword("fit", "learning_rate", ["lr", "epochs"], aliases)
    assert str(err) == (
        "fit: unexpected keyword argument 'learning_rate'; expected one of lr, epochs "
        "(did you mean lr?)"
    )
    err = v.unknown_keyword("fit", "epoch", ["lr", "epochs"], aliases)  # not an alias
    assert str(err) == (
        "fit: unexpected keyword argument 'epoch'; expected one of lr, epochs "
        "(did you mean 'epochs'?)"
    )
    assert str(v.unknown_keyword("reset", "x", [])) == (
        "reset: unexpected keyword argument 'x'; expected one of none"
    )


def test_did_you_mean_tries_the_names_as_typed_first():
    # as typed, "ABCDX" is nearest "ABCDE" (ratio 0.8, "abcdy" 0); case-folded the two tie
    assert v.did_you_mean("ABCDX", ["ABCDE", "abcdy"]) == " (did you mean 'ABCDE'?)"
    # a name differing in case alone wins over a longer near miss as typed
    assert v.did_you_mean("ABCD", ["abcd", "ABCDE"]) == " (did you mean 'abcd'?)"


def test_warn_nonfinite_follows_numpys_error_state():
    with np.errstate(over="ignore"):
        v.warn_nonfinite("z overflowed")  # nothing said
    with np.errstate(over="raise"), pytest.raises(FloatingPointError) as info:
        v.warn_nonfinite("z overflowed")
    assert str(info.value) == "z overflowed"
    with np.errstate(over="warn"), pytest.warns(v.NonFiniteWarning) as record:
        v.warn_nonfinite("z overflowed")
    assert len(record) == 1 and str(record[0].message) == "z overflowed"


def test_warn_nonfinite_points_at_the_callers_line():
    # (left out of the mutation run: mutmut's trampoline is a frame between the two)
    with np.errstate(over="warn"), pytest.warns(v.NonFiniteWarning) as record:
        line = sys._getframe().f_lineno + 1
        v.warn_nonfinite("z overflowed")
    assert record[0].filename == __file__ and record[0].lineno == line


def test_check_finite_names_the_row_not_the_column():
    a = np.zeros((4, 3))
    a[2, 0] = np.nan
    with pytest.raises(ValueError) as info:
        v.check_finite(a, "X")
    assert str(info.value) == "X: expected finite values, found NaN or infinity in row 2"


def test_positive_int_and_float_defaults():
    assert v.positive_int(1, "epochs") == 1  # minimum 1 by default
    with pytest.raises(ValueError) as info:
        v.positive_float(0.0, "lr")  # zero excluded by default
    assert str(info.value).startswith("lr: expected a finite number > 0")
