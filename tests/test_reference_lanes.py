"""The lanes layout (``glassnet._xp.Lanes``) against NumPy on the members-first arrays.

A Lanes array stores a population's ``(P, ...)`` array with the members on the last axis and
presents the members-first shape to the engine's formulas. Whatever a formula does with it --
arithmetic, broadcasting against plain arrays, comparisons, reductions over any axes,
indexing, reshapes, transposes, products, einsums, the namespace's functions -- must give the
array NumPy gives on the members-first array. These tests run the class over NumPy storage
(no JAX): the reference is NumPy itself, on the unwrapped arrays.
"""

from __future__ import annotations

import itertools
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassnet._xp import NUMPY, UNROLL, Lanes, lanes_namespace, namespace

RNG = np.random.default_rng(20261206)


def lanes(a: np.ndarray) -> Lanes:
    return Lanes.wrap(a)


def back(x) -> np.ndarray:
    return np.asarray(x.unwrap() if type(x) is Lanes else x)


def same(got, want) -> None:
    got = back(got)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)
    np.testing.assert_array_equal(got, want)


shapes = st.tuples(
    st.integers(1, 5), st.integers(1, 4), st.integers(1, 4)
)  # (P, n, m) of a members-first (P, n, m) array


def arr(shape, rng=RNG):
    return rng.normal(size=shape)


# --- storage and shape -----------------------------------------------------------------------


def test_wrap_stores_the_members_last_and_presents_them_first():
    a = np.arange(24.0).reshape(4, 2, 3)  # 4 members of (2, 3)
    x = lanes(a)
    assert x.data.shape == (2, 3, 4) and x.shape == (4, 2, 3) and x.ndim == 3
    assert x.dtype == np.float64
    assert x.data[1, 2, 3] == a[3, 1, 2]  # member 3's element (1, 2)
    same(x, a)
    assert repr(x) == "Lanes(shape=(4, 2, 3), dtype=float64)"
    assert namespace(x) is lanes_namespace() and namespace(a) is NUMPY
    with pytest.raises(TypeError, match="truth value of a population's array is ambiguous"):
        bool(lanes(np.ones((2, 1))))


# --- elementwise: every operator, both sides, against plain arrays of fewer axes -------------

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.pow, operator.lt, operator.gt, operator.le, operator.ge,
          operator.eq, operator.ne]  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(shape=shapes, op=st.sampled_from(BINARY), data=st.data())
def test_binary_operators_equal_numpy_members_first(shape, op, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    a = np.abs(arr(shape, rng)) + 0.5  # positive: pow and mod stay real
    b = np.abs(arr(shape, rng)) + 0.5
    row = np.abs(arr(shape[-1:], rng)) + 0.5  # (m,): broadcasts over (P, n, m)
    plain2 = np.abs(arr(shape[1:], rng)) + 0.5  # (n, m)
    with np.errstate(all="ignore"):
        same(op(lanes(a), lanes(b)), op(a, b))
        for p in (row, plain2, 1.5, np.float64(2.0)):
            same(op(lanes(a), p), op(a, p))  # forward
            same(op(p, lanes(a)), op(p, a))  # reflected
    # a trailing axis of length 1 broadcasts, as in NumPy
    col = np.abs(arr((shape[1], 1), rng)) + 0.5
    same(op(lanes(a), col), op(a, col))


def test_boolean_operators_and_unary_ones():
    a = RNG.normal(size=(3, 2, 4))
    b = RNG.normal(size=(3, 2, 4))
    p, q = a > 0, b > 0
    for op in (operator.and_, operator.or_, operator.xor):
        same(op(lanes(p), lanes(q)), op(p, q))
        same(op(lanes(p), q[0]), op(p, q[0]))
        same(op(q[0], lanes(p)), op(q[0], p))
    same(~lanes(p), ~p)
    same(-lanes(a), -a)
    same(abs(lanes(a)), np.abs(a))


def test_a_plain_array_holding_the_members_is_refused_not_guessed():
    a = RNG.normal(size=(3, 2, 4))
    with pytest.raises(ValueError, match=r"plain array of shape \(3, 2, 4\) next to a "
                       r"members-last array of 3 axes is ambiguous"):  # fmt: skip
        lanes(a) + a
    with pytest.raises(ValueError, match="cannot combine members-last arrays of 3 and 2 axes"):
        lanes(a) + lanes(a[:, 0])


# --- reductions over every set of axes -------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "all", "any"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_every_axis_set_equal_numpy(name, keepdims):
    a = RNG.normal(size=(4, 3, 2))
    if name in ("all", "any"):
        a = a > -0.3
    x = lanes(a)
    axes_sets = [None, *range(-3, 3)]
    axes_sets += [c for r in (2, 3) for c in itertools.combinations(range(3), r)]
    axes_sets += [(-1, -2), (0, -1)]
    for axis in axes_sets:
        got = getattr(x, name)(axis=axis, keepdims=keepdims)
        want = getattr(a, name)(axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(back(got), want, rtol=1e-15, atol=0, err_msg=str(axis))
        assert back(got).shape == want.shape, (axis, back(got).shape, want.shape)
        # the members stay a Lanes array unless they were reduced
        members_kept = axis is not None and 0 not in {ax % 3 for ax in np.atleast_1d(axis)}
        assert (type(got) is Lanes) == members_kept, axis


def test_argmax_over_an_axis_and_not_over_the_members():
    a = RNG.normal(size=(5, 3, 4))
    for axis in (1, 2, -1, -2):
        same(lanes(a).argmax(axis=axis), a.argmax(axis=axis))
    with pytest.raises(ValueError, match="argmax over the members"):
        lanes(a).argmax(axis=0)
    with pytest.raises(ValueError, match="argmax over the members"):
        lanes(a).argmax(axis=-3)


# --- indexing, reshapes, transposes ----------------------------------------------------------


@pytest.mark.parametrize(
    "index",
    [
        slice(None),
        (slice(None), 0),
        (slice(None), 1, 2),
        (slice(None), slice(1, 3)),
        (slice(None), None),
        (slice(None), slice(None), None),
        (..., 0),
        (..., None),
        (slice(None), ..., 1),
        (slice(None), None, ..., 0),
        (..., slice(None, None, -1)),
        (slice(None), -1),
    ],
    ids=repr,
)
def test_indexing_that_keeps_the_members_first_equals_numpy(index):
    a = RNG.normal(size=(4, 3, 5))
    same(lanes(a)[index], a[index])


@pytest.mark.parametrize("index", [0, (1,), (slice(1, 3),), (None,), (slice(None, None, 2),)],
                         ids=repr)  # fmt: skip
def test_an_index_into_the_members_is_refused(index):
    with pytest.raises(IndexError, match="must keep the member axis first and whole"):
        lanes(RNG.normal(size=(4, 3)))[index]


def test_reshape_keeps_the_members_first_and_splits_the_rest_in_order():
    a = RNG.normal(size=(4, 6, 2))
    for new in ((4, 12), (4, 3, 4), (4, 2, 3, 2), (4, 12, 1)):
        same(lanes(a).reshape(new), a.reshape(new))
        same(lanes(a).reshape(*new), a.reshape(new))
    with pytest.raises(ValueError, match="a reshape must keep the 4 members first"):
        lanes(a).reshape(2, 24)
    with pytest.raises(ValueError, match="a reshape must keep the 4 members first"):
        lanes(a).reshape(())


def test_matrix_transpose_and_astype():
    a = RNG.normal(size=(4, 3, 2))
    same(lanes(a).mT, np.swapaxes(a, -1, -2))
    same(lanes(a[:, None]).mT, np.swapaxes(a[:, None], -1, -2))
    same(lanes(a).astype(np.float32), a.astype(np.float32))
    with pytest.raises(ValueError, match=r"\.mT needs two axes besides the members"):
        _ = lanes(a[:, 0]).mT


# --- products and einsum ---------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, UNROLL, UNROLL + 1, 2 * UNROLL + 3])
def test_products_equal_numpys_matmul_written_out_or_as_one_einsum(k):
    P, n, j = 3, 4, 2
    a, b = RNG.normal(size=(P, n, k)), RNG.normal(size=(P, k, j))
    shared_a, shared_b = RNG.normal(size=(n, k)), RNG.normal(size=(k, j))
    # up to UNROLL terms summed in order as a naive dot, beyond as einsum's: within rounding
    np.testing.assert_allclose(back(lanes(a) @ lanes(b)), a @ b, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(back(shared_a @ lanes(b)), shared_a @ b, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(back(lanes(a) @ shared_b), a @ shared_b, rtol=1e-13, atol=1e-14)
    for got in (lanes(a) @ lanes(b), shared_a @ lanes(b), lanes(a) @ shared_b):
        assert type(got) is Lanes and got.shape == (P, n, j)


def test_a_product_written_out_sums_its_terms_in_order():
    # 1e16 + 1 - 1e16: summed left to right it is 0 (the 1 is lost), not 1
    a = np.array([[[1e16, 1.0, -1e16]]])  # (1, 1, 3)
    b = np.ones((1, 3, 1))
    assert back(lanes(a) @ lanes(b))[0, 0, 0] == (1e16 + 1.0) - 1e16 == 0.0


def test_a_product_of_other_shapes_is_refused():
    with pytest.raises(ValueError, match=r"products are of \(P, n, k\) and \(P, k, j\) arrays"):
        lanes(RNG.normal(size=(3, 4))) @ lanes(RNG.normal(size=(3, 4, 2)))


def test_einsum_with_the_members_inside_the_ellipsis():
    ns = lanes_namespace()
    a, b = RNG.normal(size=(3, 4, 2)), RNG.normal(size=(3, 4, 5))
    got = ns.einsum("...ij,...ik->...jk", lanes(a), lanes(b))
    np.testing.assert_allclose(back(got), np.einsum("...ij,...ik->...jk", a, b), rtol=1e-13)
    assert type(got) is Lanes
    # an output that drops the "..." is refused, as NumPy refuses it for the members-first
    # arrays (explicit mode does not sum over an ellipsis)
    with pytest.raises(ValueError, match=r"no '\.\.\.' ellipsis provided"):
        np.einsum("...ij,...ij->", a, a)
    with pytest.raises(ValueError, match=r"no '\.\.\.' ellipsis provided"):
        ns.einsum("...ij,...ij->", lanes(a), lanes(a))
    with pytest.raises(ValueError, match=r"must begin every operand with '\.\.\.'"):
        ns.einsum("pij,...ij->...", lanes(a), lanes(a))


# --- the namespace's functions ---------------------------------------------------------------


def test_the_namespace_functions_apply_to_the_members_first_array():
    ns = lanes_namespace()
    a = RNG.normal(size=(4, 3, 2))
    b = RNG.normal(size=(4, 3, 2))
    row = RNG.normal(size=2)
    pos = np.abs(a) + 0.1
    with np.errstate(all="ignore"):
        for name in ("abs", "cos", "exp", "expm1", "isfinite", "sign", "tanh", "ones_like",
                     "zeros_like"):  # fmt: skip
            same(getattr(ns, name)(lanes(a)), getattr(np, name)(a))
        for name in ("log", "log1p", "sqrt"):
            same(getattr(ns, name)(lanes(pos)), getattr(np, name)(pos))
    from scipy import special

    same(ns.expit(lanes(a)), special.expit(a))
    same(ns.ndtr(lanes(a)), special.ndtr(a))
    same(ns.xlogy(lanes(pos), lanes(pos)), special.xlogy(pos, pos))
    same(ns.maximum(lanes(a), lanes(b)), np.maximum(a, b))
    same(ns.minimum(lanes(a), row), np.minimum(a, row))
    same(ns.logaddexp(row, lanes(a)), np.logaddexp(row, a))
    same(ns.clip(lanes(a), -0.5, 0.25), np.clip(a, -0.5, 0.25))
    same(ns.where(lanes(a > 0), lanes(a), row), np.where(a > 0, a, row))
    same(ns.where(lanes(a > 0), 1.0, 0.0), np.where(a > 0, 1.0, 0.0))
    # the sum of squares of each member's matrix
    got = ns.sum_squares(lanes(a))
    assert type(got) is Lanes
    np.testing.assert_allclose(back(got), (a * a).sum(axis=(1, 2)), rtol=1e-15)
    # asarray: a list of (P,) member vectors is the (len, P) array of them
    vs = [lanes(a[:, 0, 0]), lanes(a[:, 1, 1])]
    np.testing.assert_array_equal(ns.asarray(vs), np.stack([a[:, 0, 0], a[:, 1, 1]]))
    x = lanes(a)
    assert ns.asarray(x) is x
    with pytest.raises(ValueError, match=r"asarray of a list takes \(P,\) member vectors only"):
        ns.asarray([lanes(a[:, 0]), lanes(a[:, 1])])


# --- the edges the mutation run found untested ------------------------------------------------


def test_up_to_unroll_terms_are_summed_in_order_beyond_it_by_einsum():
    # 1e16 + 1 - 1e16 summed left to right is 0; NumPy's einsum keeps the 1
    for k in (3, UNROLL):
        a = np.zeros((1, 1, k))
        a[0, 0, :3] = [1e16, 1.0, -1e16]
        assert back(lanes(a) @ lanes(np.ones((1, k, 1))))[0, 0, 0] == 0.0, k
    a = np.zeros((1, 1, UNROLL + 1))
    a[0, 0, :3] = [1e16, 1.0, -1e16]
    want = np.einsum("nkp,kjp->njp", lanes(a).data, lanes(np.ones((1, UNROLL + 1, 1))).data)
    got = back(lanes(a) @ lanes(np.ones((1, UNROLL + 1, 1))))
    assert got[0, 0, 0] == want[0, 0, 0]


@pytest.mark.parametrize(
    "run, error, message",
    [
        (lambda: bool(lanes(np.ones((2, 1)))), TypeError,
         "Lanes: the truth value of a population's array is ambiguous"),
        (lambda: lanes(np.ones((4, 3)))[0], IndexError,
         "Lanes: an index must keep the member axis first and whole"),
        (lambda: lanes(np.ones((4, 3))).argmax(axis=0), ValueError,
         "Lanes: argmax over the members"),
        (lambda: lanes(np.ones((3, 4))) @ lanes(np.ones((3, 4, 2))), ValueError,
         "Lanes: products are of (P, n, k) and (P, k, j) arrays"),
        (lambda: lanes_namespace().asarray([lanes(np.ones((3, 2)))]), ValueError,
         "Lanes: asarray of a list takes (P,) member vectors only"),
        (lambda: lanes_namespace().einsum("...ij,pij->...", lanes(np.ones((3, 2, 2))),
                                          lanes(np.ones((3, 2, 2)))), ValueError,
         "Lanes: einsum '...ij,pij->...' must begin every operand with '...'"),
    ],
    ids=["bool", "index 0", "argmax", "product", "asarray", "einsum"],
)  # fmt: skip
def test_every_refusal_word_for_word(run, error, message):
    with pytest.raises(error) as info:
        run()
    assert str(info.value) == message


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "all", "any"])
def test_reductions_drop_the_reduced_axes_by_default(name):
    a = RNG.normal(size=(4, 3, 2))
    if name in ("all", "any"):
        a = a > 0
    for axis in (1, -1, 0, (1, 2), None):
        got = getattr(lanes(a), name)(axis=axis)  # keepdims not given: False, as in NumPy
        want = getattr(a, name)(axis=axis)
        assert back(got).shape == np.shape(want), (axis, back(got).shape)
        np.testing.assert_allclose(back(got), want, rtol=1e-15)


def test_a_reshape_to_the_members_alone_and_an_einsum_with_a_plain_operand():
    a = RNG.normal(size=(4, 1))
    same(lanes(a).reshape(4), a.reshape(4))
    same(lanes(a[:, :, None]).reshape(4), a.reshape(4))
    x, w = RNG.normal(size=(3, 5, 2)), RNG.normal(size=(2, 4))  # w has no member axis
    # a plain operand's "..." holds no axis: it broadcasts over the members
    got = lanes_namespace().einsum("...ij,...jk->...ik", lanes(x), w)
    np.testing.assert_allclose(back(got), np.einsum("...ij,...jk->...ik", x, w), rtol=1e-13)
    # an empty index is the whole array, as in NumPy
    same(lanes(x)[()], x[()])


def test_the_numpy_namespace_is_numpys_and_scipys_own_functions():
    from scipy import special

    from glassnet._xp import NUMPY

    for name in ("abs", "asarray", "clip", "cos", "exp", "expm1", "isfinite", "log", "log1p",
                 "logaddexp", "maximum", "minimum", "moveaxis", "ones_like", "sign", "sqrt",
                 "stack", "swapaxes", "tanh", "where", "zeros_like"):  # fmt: skip
        assert getattr(NUMPY, name) is getattr(np, name), name
    for name in ("expit", "ndtr", "xlogy"):
        assert getattr(NUMPY, name) is getattr(special, name), name
    assert NUMPY.name == "numpy"
    r = RNG.normal(size=(3, 4, 2))
    np.testing.assert_allclose(NUMPY.sum_squares(r), (r * r).sum(axis=(1, 2)), rtol=1e-15)
    np.testing.assert_array_equal(NUMPY.einsum("...ij->...j", r), r.sum(axis=-2))


@pytest.mark.parametrize("k", [1, 3, UNROLL, UNROLL + 2])
def test_small_matmul_of_numpy_arrays_is_the_product(k):
    from glassnet._xp import small_matmul

    a, b = RNG.normal(size=(5, k)), RNG.normal(size=(k, 3))
    np.testing.assert_allclose(small_matmul(a, b), a @ b, rtol=1e-13, atol=1e-14)
    pa, pb = RNG.normal(size=(2, 5, k)), RNG.normal(size=(2, k, 3))
    np.testing.assert_allclose(small_matmul(pa, pb), pa @ pb, rtol=1e-13, atol=1e-14)
    x = np.zeros((1, k))
    x[0, : min(k, 3)] = [1e16, 1.0, -1e16][: min(k, 3)]
    # written out (up to UNROLL terms) the sum runs in order: 1e16 + 1 - 1e16 is 0
    if 3 <= k <= UNROLL:
        assert small_matmul(x, np.ones((k, 1)))[0, 0] == 0.0


def test_asarray_of_one_member_vector():
    # a one-layer network's statistics: a list of a single (P,) vector is the (1, P) array
    v = RNG.normal(size=5)
    np.testing.assert_array_equal(lanes_namespace().asarray([lanes(v)]), v[None, :])
