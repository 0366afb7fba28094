"""Optimizers and learning-rate schedules against the formulas of their original papers.

Every reference here is written from the paper or textbook, not from glassnet's code:

* gradient descent: ``theta <- theta - eta g``;
* heavy-ball momentum (Polyak 1964, in the form of Sutskever et al. 2013):
  ``v <- beta v - eta g``, ``theta <- theta + v``;
* Nesterov's accelerated gradient (Sutskever et al. 2013, eq. 3-4): the gradient is taken at the
  look-ahead point ``theta + beta v``; glassnet's parameters are that look-ahead point (Bengio et
  al. 2012's reformulation), which is checked on a quadratic by running the original form;
* RMSProp (Tieleman and Hinton 2012, lecture 6e): ``s <- rho s + (1 - rho) g^2``,
  ``theta <- theta - eta g / (sqrt(s) + eps)``;
* Adam (Kingma and Ba 2015, Algorithm 1) with bias correction;
* AdamW (Loshchilov and Hutter 2019, Algorithm 2): Adam's step plus the decoupled ``eta lambda
  theta`` on the weights.

The hyper-parameters are chosen so that each term matters: ``eps`` comparable to ``sqrt(s)``,
``1 - rho`` far from 1, gradients that change sign. optax, when installed, is a second,
independent reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers

RTOL = 1e-12


def _params(seed: int = 0, shapes=((3, 2), (2, 1))) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [{"W": rng.normal(size=s), "b": rng.normal(size=(1, s[1]))} for s in shapes]


def _grad_sequence(n_steps: int, seed: int = 1, scale: float = 1.0):
    """Gradients of changing sign and size (small enough that eps matters, for some)."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(n_steps):
        out.append(
            [
                {
                    k: scale * rng.normal(size=v.shape) * (0.05 if t % 2 else 1.0)
                    for k, v in p.items()
                }
                for p in _params()
            ]
        )
    return out


def _leaves(tree):
    return [(l, k) for l, layer in enumerate(tree) for k in sorted(layer)]


def _run(opt, params, grads_seq):
    """Apply ``opt`` to ``params`` for each gradient; return the parameter trajectory."""
    params = [{k: v.copy() for k, v in p.items()} for p in params]
    state = opt.init(params)
    traj = []
    for grads in grads_seq:
        steps, state = opt.update(grads, state, params)
        for p, s in zip(params, steps, strict=True):
            for k in p:
                p[k] = p[k] + np.asarray(s[k])
        traj.append([{k: v.copy() for k, v in p.items()} for p in params])
    return traj


# --- hand-written references, leaf by leaf ---------------------------------------------------


def ref_gd(theta, grads_seq, lr, factor=lambda t: 1.0):
    out = []
    for t, g in enumerate(grads_seq):
        theta = theta - lr * factor(t) * g
        out.append(theta)
    return out


def ref_momentum(theta, grads_seq, lr, beta, factor=lambda t: 1.0):
    v = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads_seq):
        v = beta * v - lr * factor(t) * g
        theta = theta + v
        out.append(theta)
    return out


def ref_nesterov(theta, grads_seq, lr, beta, factor=lambda t: 1.0):
    # Bengio et al. (2012), eq. 7: with phi = theta + beta v the look-ahead point,
    # phi <- phi + beta^2 v - (1 + beta) eta g, v <- beta v - eta g
    v = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads_seq):
        eta = lr * factor(t)
        theta = theta + beta * beta * v - (1 + beta) * eta * g
        v = beta * v - eta * g
        out.append(theta)
    return out


def ref_rmsprop(theta, grads_seq, lr, rho, eps, factor=lambda t: 1.0):
    s = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads_seq):
        s = rho * s + (1 - rho) * g**2
        theta = theta - lr * factor(t) * g / (np.sqrt(s) + eps)
        out.append(theta)
    return out


def ref_adam(theta, grads_seq, lr, b1, b2, eps, wd=0.0, factor=lambda t: 1.0):
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    out = []
    for i, g in enumerate(grads_seq):
        t = i + 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * factor(i) * (m_hat / (np.sqrt(v_hat) + eps) + wd * theta)
        out.append(theta)
    return out


CASES = [
    ("gd", dict(), lambda th, gs, lr, f: ref_gd(th, gs, lr, f)),
    ("momentum", dict(beta=0.8), lambda th, gs, lr, f: ref_momentum(th, gs, lr, 0.8, f)),
    ("nesterov", dict(beta=0.7), lambda th, gs, lr, f: ref_nesterov(th, gs, lr, 0.7, f)),
    # beta = 1, the undamped heavy ball (scikit-learn's momentum in [0, 1] allows it)
    ("momentum", dict(beta=1.0), lambda th, gs, lr, f: ref_momentum(th, gs, lr, 1.0, f)),
    ("nesterov", dict(beta=1.0), lambda th, gs, lr, f: ref_nesterov(th, gs, lr, 1.0, f)),
    (
        "rmsprop",
        dict(rho=0.6, eps=0.03),
        lambda th, gs, lr, f: ref_rmsprop(th, gs, lr, 0.6, 0.03, f),
    ),
    (
        "adam",
        dict(beta1=0.7, beta2=0.8, eps=0.02),
        lambda th, gs, lr, f: ref_adam(th, gs, lr, 0.7, 0.8, 0.02, 0.0, f),
    ),
]


def _check_against_reference(name, options, ref, lr, factor, n_steps, sched=None):
    params = _params()
    grads_seq = _grad_sequence(n_steps)
    opt = optimizers.get(name, lr, schedule=sched, **options)
    traj = _run(opt, params, grads_seq)
    for l, k in _leaves(params):
        expected = ref(params[l][k], [g[l][k] for g in grads_seq], lr, factor)
        for t in range(n_steps):
            np.testing.assert_allclose(
                traj[t][l][k], expected[t], rtol=RTOL, atol=1e-14, err_msg=f"{name} step {t}"
            )


@pytest.mark.parametrize(("name", "options", "ref"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
@pytest.mark.parametrize("n_steps", [1, 6])
def test_optimizer_steps_equal_the_papers_formula(name, options, ref, n_steps):
    _check_against_reference(name, options, ref, 0.07, lambda t: 1.0, n_steps)


@pytest.mark.parametrize("n_steps", [1, 6])
def test_adamw_decays_weights_not_biases(n_steps):
    lr, wd = 0.05, 0.3
    params = _params()
    grads_seq = _grad_sequence(n_steps)
    opt = optimizers.get("adamw", lr, beta1=0.7, beta2=0.8, eps=0.02, weight_decay=wd)
    traj = _run(opt, params, grads_seq)
    for l, k in _leaves(params):
        decay = wd if k == "W" else 0.0
        expected = ref_adam(params[l][k], [g[l][k] for g in grads_seq], lr, 0.7, 0.8, 0.02, decay)
        for t in range(n_steps):
            np.testing.assert_allclose(traj[t][l][k], expected[t], rtol=RTOL, atol=1e-14)


def test_scheduled_adamw_scales_the_decay_too():
    # Loshchilov and Hutter, Algorithm 2: the schedule multiplier eta_t scales both terms
    sched = optimizers.schedule("exponential", epochs=4, gamma=0.5)
    params = _params()
    grads_seq = _grad_sequence(4)
    opt = optimizers.get("adamw", 0.05, beta1=0.7, beta2=0.8, eps=0.02, weight_decay=0.3,
                         schedule=sched)  # fmt: skip
    traj = _run(opt, params, grads_seq)
    for l, k in _leaves(params):
        decay = 0.3 if k == "W" else 0.0
        gs = [g[l][k] for g in grads_seq]
        expected = ref_adam(params[l][k], gs, 0.05, 0.7, 0.8, 0.02, decay, lambda t: 0.5**t)
        np.testing.assert_allclose(traj[-1][l][k], expected[-1], rtol=RTOL)


def test_default_hyper_parameters_are_the_papers():
    # Adam: beta1 0.9, beta2 0.999, eps 1e-8 (Kingma and Ba); RMSProp: rho 0.9 (Hinton);
    # momentum 0.9; default learning rates 0.1 (gd family) and 0.001 (adaptive family).
    params = _params()
    grads_seq = _grad_sequence(4, scale=1e-6)  # tiny gradients: eps = 1e-8 is visible
    expected_refs = {
        "gd": lambda th, gs: ref_gd(th, gs, 0.1),
        "momentum": lambda th, gs: ref_momentum(th, gs, 0.1, 0.9),
        "nesterov": lambda th, gs: ref_nesterov(th, gs, 0.1, 0.9),
        "rmsprop": lambda th, gs: ref_rmsprop(th, gs, 0.001, 0.9, 1e-8),
        "adam": lambda th, gs: ref_adam(th, gs, 0.001, 0.9, 0.999, 1e-8),
        "adamw": lambda th, gs: ref_adam(th, gs, 0.001, 0.9, 0.999, 1e-8, 0.01),
    }
    constructors = {"gd": optimizers.gd, "momentum": optimizers.momentum,
                    "nesterov": optimizers.nesterov, "rmsprop": optimizers.rmsprop,
                    "adam": optimizers.adam, "adamw": optimizers.adamw}  # fmt: skip
    for name, ref in expected_refs.items():
        for opt in (optimizers.get(name), constructors[name]()):
            assert opt.name == name
            traj = _run(opt, params, grads_seq)
            for l, k in _leaves(params):
                gs = [g[l][k] for g in grads_seq]
                if name == "adamw" and k == "b":
                    ref_k = ref_adam(params[l][k], gs, 0.001, 0.9, 0.999, 1e-8)
                else:
                    ref_k = ref(params[l][k], gs)
                np.testing.assert_allclose(traj[-1][l][k], ref_k[-1], rtol=RTOL, err_msg=name)


def test_nesterov_is_suskevers_lookahead_on_a_quadratic():
    # The original form (Sutskever et al. 2013): v <- beta v - eta grad f(theta + beta v),
    # theta <- theta + v. glassnet keeps phi = theta + beta v, the point where the gradient
    # is taken, so feeding it grad f(phi) must keep phi_t == theta_t + beta v_t.
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    x0 = np.array([[1.0], [-2.0]])
    lr, beta = 0.1, 0.9
    theta, v = x0.copy(), np.zeros_like(x0)
    phi = [{"W": x0.copy()}]
    opt = optimizers.nesterov(lr, beta=beta)
    state = opt.init(phi)
    for _ in range(15):
        v = beta * v - lr * A @ (theta + beta * v)
        theta = theta + v
        steps, state = opt.update([{"W": A @ phi[0]["W"]}], state, phi)
        phi = [{"W": phi[0]["W"] + np.asarray(steps[0]["W"])}]
        np.testing.assert_allclose(phi[0]["W"], theta + beta * v, rtol=1e-12)


def test_adam_first_step_is_lr_times_sign():
    # Kingma and Ba, section 2.1: the first effective step is -eta sign(g) when eps << |g|
    params = _params()
    grads = _grad_sequence(1)[0]
    steps, _ = optimizers.adam(0.01, eps=1e-12).update(grads, optimizers.adam(0.01).init(params))
    for l, k in _leaves(params):
        np.testing.assert_allclose(np.asarray(steps[l][k]), -0.01 * np.sign(grads[l][k]), rtol=1e-9)


def test_population_learning_rates_scale_each_member():
    # one rate per member, shape (P, 1, 1): member k steps as the single optimizer with rate k
    rates = np.array([0.1, 0.02, 0.5])
    rng = np.random.default_rng(3)
    params = [{"W": rng.normal(size=(3, 2, 2)), "b": rng.normal(size=(3, 1, 2))}]
    grads_seq = [[{k: rng.normal(size=v.shape) for k, v in params[0].items()}] for _ in range(4)]
    for name in ("gd", "momentum", "rmsprop", "adam"):
        traj = _run(optimizers.get(name, rates[:, None, None]), params, grads_seq)
        for m, r in enumerate(rates):
            single = [{k: v[m] for k, v in params[0].items()}]
            single_grads = [[{k: v[m] for k, v in g[0].items()}] for g in grads_seq]
            ref = _run(optimizers.get(name, float(r)), single, single_grads)
            for k in ("W", "b"):
                np.testing.assert_allclose(traj[-1][0][k][m], ref[-1][0][k], rtol=1e-12)


# --- schedules --------------------------------------------------------------------------------


def test_schedule_factors_are_the_textbook_formulas():
    E = 12
    step = optimizers.schedule("step", epochs=E, step_size=5, gamma=0.5)
    expo = optimizers.schedule("exponential", epochs=E, gamma=0.8)
    cos = optimizers.schedule("cosine", epochs=E, min_factor=0.1)
    for e in range(E):
        assert step(e) == pytest.approx(0.5 ** (e // 5), rel=1e-15)
        assert expo(e) == pytest.approx(0.8**e, rel=1e-15)
        assert cos(e) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * e / E)), rel=1e-15)
    assert optimizers.schedule("constant", epochs=E) is None
    # defaults: step every E // 3 epochs by 0.1; exponential ends at 1% after E epochs; cosine
    # decays to 0
    step = optimizers.schedule("step", epochs=E)
    assert [step(e) for e in (0, 3, 4, 7, 8, 11)] == pytest.approx(
        [1, 1, 0.1, 0.1, 0.01, 0.01], rel=1e-12
    )
    expo = optimizers.schedule("exponential", epochs=E)
    assert expo(E) == pytest.approx(0.01, rel=1e-12)
    assert expo(1) == pytest.approx(0.01 ** (1 / E), rel=1e-12)
    cos = optimizers.schedule("cosine", epochs=E)
    assert cos(0) == 1.0 and cos(E // 2) == pytest.approx(0.5, abs=1e-15)
    assert cos(E) == pytest.approx(0.0, abs=1e-15)


def test_schedule_is_constant_within_an_epoch():
    spe = 4
    step = optimizers.schedule("step", epochs=9, steps_per_epoch=spe, step_size=2, gamma=0.3)
    cos = optimizers.schedule("cosine", epochs=9, steps_per_epoch=spe)
    expo = optimizers.schedule("exponential", epochs=9, steps_per_epoch=spe, gamma=0.6)
    for t in range(9 * spe):
        e = t // spe
        assert step(t) == pytest.approx(0.3 ** (e // 2), rel=1e-15)
        assert expo(t) == pytest.approx(0.6**e, rel=1e-15)
        assert cos(t) == pytest.approx(0.5 * (1 + math.cos(math.pi * e / 9)), rel=1e-15)


@pytest.mark.parametrize(("name", "options", "ref"), CASES, ids=[c[0] for c in CASES])
def test_scheduled_optimizer_multiplies_the_rate(name, options, ref):
    sched = optimizers.schedule("step", epochs=6, steps_per_epoch=2, step_size=1, gamma=0.5)
    _check_against_reference(name, options, ref, 0.07, lambda t: 0.5 ** (t // 2), 6, sched=sched)


def test_fit_applies_the_schedule_per_epoch():
    # A 1-1 identity network without bias, trained on mae far from its target: dC/dW = -x = -1
    # at every step, so W moves by exactly eta * factor(epoch) per step.
    X, y = np.array([[1.0]]), np.array([[100.0]])
    E = 8
    recorded = []

    class Record(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            recorded.append(float(net.layers[0].W[0, 0]))

    for name, factor in [
        ("exponential", lambda e: 0.01 ** (e / E)),
        ("cosine", lambda e: 0.5 * (1 + math.cos(math.pi * e / E))),
        ("step", lambda e: 0.1 ** (e // (E // 3))),
    ]:
        recorded.clear()
        net = gn.Network([1, 1], output="identity", bias="none", init="uniform", seed=0)
        w0 = float(net.layers[0].W[0, 0])
        net.fit(X, y, loss="mae", lr=0.5, epochs=E, schedule=name, callbacks=[Record()],
                stats_every=0)  # fmt: skip
        expected = w0 + 0.5 * np.cumsum([factor(e) for e in range(E)])
        np.testing.assert_allclose(recorded, expected, rtol=1e-12, err_msg=name)


# --- optax, a second independent implementation ------------------------------------------------


def _x64():
    """JAX's float64 mode for a block (the process-wide default is left alone)."""
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # older JAX

    return enable_x64()


def _optax_run(tx, params, grads_seq):
    import jax.numpy as jnp

    with _x64():
        p = [{k: jnp.asarray(v) for k, v in layer.items()} for layer in params]
        state = tx.init(p)
        traj = []
        for grads in grads_seq:
            g = [{k: jnp.asarray(v) for k, v in layer.items()} for layer in grads]
            updates, state = tx.update(g, state, p)
            p = [{k: p[i][k] + updates[i][k] for k in layer} for i, layer in enumerate(p)]
            traj.append([{k: np.asarray(v) for k, v in layer.items()} for layer in p])
    return traj


def _optax_cases(optax):
    mask = [{"W": True, "b": False}, {"W": True, "b": False}]
    return [
        ("gd", dict(), optax.sgd(0.07)),
        ("momentum", dict(beta=0.8), optax.sgd(0.07, momentum=0.8)),
        ("nesterov", dict(beta=0.7), optax.sgd(0.07, momentum=0.7, nesterov=True)),
        (
            "rmsprop",
            dict(rho=0.6, eps=0.03),
            optax.rmsprop(0.07, decay=0.6, eps=0.03, eps_in_sqrt=False),
        ),
        ("adam", dict(beta1=0.7, beta2=0.8, eps=0.02), optax.adam(0.07, b1=0.7, b2=0.8, eps=0.02)),
        (
            "adamw",
            dict(beta1=0.7, beta2=0.8, eps=0.02, weight_decay=0.3),
            optax.adamw(0.07, b1=0.7, b2=0.8, eps=0.02, weight_decay=0.3, mask=mask),
        ),
    ]


def test_optimizers_agree_with_optax():
    optax = pytest.importorskip("optax")
    params = _params()
    grads_seq = _grad_sequence(3)  # eager JAX costs ~0.1 s a step: three steps suffice
    for name, options, tx in _optax_cases(optax):
        ours = _run(optimizers.get(name, 0.07, **options), params, grads_seq)
        theirs = _optax_run(tx, params, grads_seq)
        for t in range(len(grads_seq)):
            for l, k in _leaves(params):
                np.testing.assert_allclose(
                    ours[t][l][k], theirs[t][l][k], rtol=1e-10, atol=1e-12, err_msg=name
                )


def test_schedules_agree_with_optax():
    optax = pytest.importorskip("optax")
    E = 10
    pairs = [
        (optimizers.schedule("cosine", epochs=E, min_factor=0.2),
         optax.cosine_decay_schedule(1.0, decay_steps=E, alpha=0.2)),
        (optimizers.schedule("exponential", epochs=E, gamma=0.7),
         optax.exponential_decay(1.0, transition_steps=1, decay_rate=0.7, staircase=True)),
        (optimizers.schedule("step", epochs=E, step_size=3, gamma=0.1),
         optax.exponential_decay(1.0, transition_steps=3, decay_rate=0.1, staircase=True)),
    ]  # fmt: skip
    with _x64():
        for ours, theirs in pairs:
            for e in range(E):
                assert ours(e) == pytest.approx(float(theirs(e)), rel=1e-12)


# --- names, lookups and argument errors ---------------------------------------------------------


def test_lookup_and_names():
    assert optimizers.names() == ["adam", "adamw", "gd", "momentum", "nesterov", "rmsprop"]
    opt = optimizers.gd(0.3)
    assert optimizers.get(opt) is opt
    assert [optimizers.get(n).name for n in optimizers.names()] == optimizers.names()
    with pytest.raises(TypeError, match=r"^optimizer: expected a name or an Optimizer, got 3"):
        optimizers.get(3)
    with pytest.raises(ValueError) as info:
        optimizers.get("sgd")
    assert str(info.value).startswith(
        "optimizer: unknown optimizer 'sgd'; expected one of adam, adamw, gd, momentum, "
        "nesterov, rmsprop"
    )


def test_adamw_needs_the_parameters_and_a_positive_decay():
    params = _params()
    opt = optimizers.adamw(0.1)
    with pytest.raises(ValueError, match=r"^params: .*needs the parameters"):
        opt.update(_grad_sequence(1)[0], opt.init(params))
    with pytest.raises(ValueError, match=r"^weight_decay: "):
        optimizers.adamw(0.1, weight_decay=0.0)
    # AdamW is its own chain, not a flag on adam: adam refuses the option and names adamw
    with pytest.raises(TypeError, match="weight_decay"):
        optimizers.adam(0.1, weight_decay=0.2)
    with pytest.raises(ValueError, match=r"adam has no option 'weight_decay'.*optimizer='adamw'"):
        optimizers.get("adam", 0.1, weight_decay=0.2)
    assert optimizers.adam(0.1).name == "adam"
    assert len(optimizers.adamw(0.1, weight_decay=0.2).init(params)) == 3  # adam, decay, rate


def test_schedule_arguments():
    f = lambda t: 0.5  # noqa: E731
    assert optimizers.schedule(f, epochs=3) is f
    assert optimizers.schedule(None, epochs=3) is None
    with pytest.raises(ValueError) as info:
        optimizers.schedule("linear", epochs=3)
    assert str(info.value).startswith(
        "schedule: unknown schedule 'linear'; expected one of constant, cosine, exponential, step"
    )
    for kwargs, message in [
        (dict(epochs=0), "^epochs: "),
        (dict(epochs=5, steps_per_epoch=0), "^steps_per_epoch: "),
        (dict(epochs=5, gamma=0.0), "^gamma: "),
        (dict(epochs=5, step_size=-2), "^step_size: "),
    ]:
        name = "step" if "gamma" in kwargs or "step_size" in kwargs else "cosine"
        with pytest.raises(ValueError, match=message):
            optimizers.schedule(name, **kwargs)
    with pytest.raises(ValueError, match=r"^gamma: "):
        optimizers.schedule("exponential", epochs=5, gamma=-1.0)
    # fewer than 3 epochs: the default step size is 1 epoch
    step = optimizers.schedule("step", epochs=2)
    assert [step(0), step(1)] == pytest.approx([1.0, 0.1], rel=1e-15)


def test_mismatched_trees_are_an_error_not_a_silent_truncation():
    params = _params()
    grads = _grad_sequence(1)[0]
    for name in ("adam", "adamw"):
        opt = optimizers.get(name, 0.1)
        with pytest.raises((ValueError, TypeError)):
            opt.update(grads[:1], opt.init(params), params)
    opt = optimizers.adamw(0.1)
    with pytest.raises((ValueError, TypeError)):
        opt.update(grads, opt.init(params), params[:1])


@pytest.mark.parametrize(
    ("name", "option", "value", "ok"),
    [
        ("momentum", "beta", 1.0, True),
        ("nesterov", "beta", 1.0, True),
        ("momentum", "beta", 0.0, True),
        ("momentum", "beta", 1.0 + 2**-52, False),
        ("momentum", "beta", -(2**-1074), False),
        ("rmsprop", "rho", 1.0, False),  # a running average's decay: 1 never forgets
        ("adam", "beta1", 1.0, False),
        ("adam", "beta2", 1.0, False),
        ("adam", "beta1", 1.0 - 2**-53, True),
    ],
)
def test_momentums_beta_lies_in_zero_to_one_closed_the_decay_rates_in_zero_to_one(
    name, option, value, ok
):
    if ok:
        optimizers.get(name, 0.1, **{option: value})
    else:
        interval = "[0, 1]" if option == "beta" else "[0, 1)"
        want = f"{option}: expected a finite number in {interval}, got {value!r} (float)"
        with pytest.raises(ValueError) as err:
            optimizers.get(name, 0.1, **{option: value})
        assert str(err.value) == want
