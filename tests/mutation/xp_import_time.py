"""Apply each import-time mutant of _xp (_names, _binary, _lifted) by hand: build what the
module builds at import with the mutant, then run the checks test_reference_lanes.py and
test_xp make of it. Prints killed/survived per mutant."""

import operator
import re
import sys

sys.path.insert(
    0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / ".mutation/_xp/mutants")
)
import numpy as np
from scipy import special

import glassnet._xp as M

rng = np.random.default_rng(0)
names = sorted(n for n in dir(M) if re.match(r"x__(names|binary|lifted)__mutmut_\d+$", n))
orig_ns = M._names(np, special, "numpy", M._numpy_sum_squares, M._np_einsum)


def check_names(ns):
    for name in (
        "abs",
        "asarray",
        "clip",
        "cos",
        "exp",
        "expm1",
        "isfinite",
        "log",
        "log1p",
        "logaddexp",
        "maximum",
        "minimum",
        "moveaxis",
        "ones_like",
        "sign",
        "sqrt",
        "stack",
        "swapaxes",
        "tanh",
        "where",
        "zeros_like",
    ):
        assert getattr(ns, name) is getattr(np, name), name
    for name in ("expit", "ndtr", "xlogy"):
        assert getattr(ns, name) is getattr(special, name), name
    assert ns.name == "numpy"
    r = rng.normal(size=(3, 4, 2))
    np.testing.assert_allclose(ns.sum_squares(r), (r * r).sum(axis=(1, 2)), rtol=1e-15)
    np.testing.assert_array_equal(ns.einsum("...ij->...j", r), r.sum(axis=-2))


OPS = [
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.floordiv,
    operator.mod,
    operator.pow,
    operator.lt,
    operator.gt,
    operator.le,
    operator.ge,
    operator.eq,
    operator.ne,
    operator.and_,
    operator.or_,
    operator.xor,
]


def check_binary(mut):
    for op in OPS:
        fwd, ref = mut(op)
        boolean = op in (operator.and_, operator.or_, operator.xor)
        a = np.abs(rng.normal(size=(3, 2, 4))) + 0.5
        b = np.abs(rng.normal(size=(3, 2, 4))) + 0.5
        if boolean:
            a, b = a > 1, b > 1
        row, p2 = b[0, 0], b[0]
        L = M.Lanes.wrap
        with np.errstate(all="ignore"):
            for got, want in (
                (fwd(L(a), L(b)), op(a, b)),
                (fwd(L(a), row), op(a, row)),
                (ref(L(a), row), op(row, a)),
                (fwd(L(a), p2), op(a, p2)),
                (ref(L(a), p2), op(p2, a)),
            ):
                got = got.unwrap() if type(got) is M.Lanes else got
                assert np.shape(got) == np.shape(want)
                np.testing.assert_array_equal(got, want)


def check_lifted(mut):
    a = rng.normal(size=(4, 3, 2))
    b = rng.normal(size=(4, 3, 2))
    row = rng.normal(size=2)
    L = M.Lanes.wrap
    pos = np.abs(a) + 0.1
    with np.errstate(all="ignore"):
        for name in (
            "abs",
            "cos",
            "exp",
            "expm1",
            "isfinite",
            "sign",
            "tanh",
            "ones_like",
            "zeros_like",
        ):
            np.testing.assert_array_equal(mut(name)(L(a)).unwrap(), getattr(np, name)(a))
        for name in ("log", "log1p", "sqrt"):
            np.testing.assert_array_equal(mut(name)(L(pos)).unwrap(), getattr(np, name)(pos))
        np.testing.assert_array_equal(mut("maximum")(L(a), L(b)).unwrap(), np.maximum(a, b))
        np.testing.assert_array_equal(mut("minimum")(L(a), row).unwrap(), np.minimum(a, row))
        np.testing.assert_array_equal(mut("logaddexp")(row, L(a)).unwrap(), np.logaddexp(row, a))
        np.testing.assert_array_equal(
            mut("clip")(L(a), -0.5, 0.25).unwrap(), np.clip(a, -0.5, 0.25)
        )
        np.testing.assert_array_equal(
            mut("where")(L(a > 0), L(a), row).unwrap(), np.where(a > 0, a, row)
        )


res = {}
for n in names:
    f = getattr(M, n)
    try:
        if "_names_" in n:
            check_names(f(np, special, "numpy", M._numpy_sum_squares, M._np_einsum))
        elif "_binary_" in n:
            check_binary(f)
        else:
            check_lifted(f)
        res[n] = "survived"
    except Exception:
        res[n] = "killed"
for n, v in res.items():
    print(n, v)
print({v: list(res.values()).count(v) for v in set(res.values())})
# the checks pass on the original functions, so a failure above is the mutant's
check_names(orig_ns)
check_binary(M.x__binary__mutmut_orig)
check_lifted(M.x__lifted__mutmut_orig)
print("the original functions pass every check")
