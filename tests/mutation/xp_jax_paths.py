"""The JAX-only paths of _xp's survivors, applied by hand in a plain process (JAX hangs in
mutmut's forked workers): each mutant against the original on JAX arrays."""

import sys

sys.path.insert(
    0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / ".mutation/_xp/mutants")
)
import jax
import jax.numpy as jnp
import numpy as np

import glassnet._xp as M

jax.config.update("jax_enable_x64", True)
r = jnp.asarray(np.random.default_rng(0).normal(size=(3, 4, 2)))
L = M.Lanes.wrap


def same(f, g):
    b = g()
    try:
        a = f()
        if type(a) is M.Lanes:
            if type(b) is not M.Lanes:
                return False
            a, b = a.unwrap(), b.unwrap()
        return (
            type(a) is type(b)
            and np.shape(a) == np.shape(b)
            and bool(np.allclose(np.asarray(a), np.asarray(b)))
        )
    except Exception:
        return False


cases = {}
for i in range(1, 7):
    cases[f"x__jax_sum_squares__mutmut_{i}"] = lambda f: same(
        lambda: f(r), lambda: M.x__jax_sum_squares__mutmut_orig(r)
    )
for i in (1, 2):

    def un(f):
        leaves, _tree = jax.tree_util.tree_flatten(L(r))
        return same(lambda: f(None, leaves), lambda: M.x__unflatten__mutmut_orig(None, leaves))

    cases[f"x__unflatten__mutmut_{i}"] = un
for i in (2, 5):
    cases[f"x__raw__mutmut_{i}"] = lambda f: f(r) is M.jax_namespace()
for i in (3, 4, 18):
    cases[f"x__lanes_asarray__mutmut_{i}"] = lambda f: same(
        lambda: f([1.0, 2.0]), lambda: M.x__lanes_asarray__mutmut_orig([1.0, 2.0])
    )
w = np.random.default_rng(1).normal(size=(2, 5))
for i in (21, 26):
    cases[f"x__lanes_einsum__mutmut_{i}"] = lambda f: same(
        lambda: f("...ij,...jk->...ik", L(r), w),
        lambda: M.x__lanes_einsum__mutmut_orig("...ij,...jk->...ik", L(r), w),
    )
for name, check in cases.items():
    print(name, "survived" if check(getattr(M, name)) else "killed")
