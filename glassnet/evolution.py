r"""Training by selection: many versions, the best survive.

The paper first pictures learning as a program that makes many versions of itself, tests them,
keeps the best and discards the rest. :func:`fit_evolution` does exactly that with a population
of networks (``Network(..., seed=[...])``), all ``P`` members evaluated at once through the
engine's population axis. One generation ``g``::

    evaluate:   C_i = loss(f_i(X), y)                for every member i = 1..P (one forward pass
                                                     of the whole population, no loop)
    record:     best C and median C                  (before reproduction, like an epoch's loss)
    select:     S = the k members with the lowest C  (truncation selection; NaN/inf lose)
    reproduce:  slots 1..k     <- the k survivors, unchanged, best first       (elitism)
                slots k+1..P   <- children: parent p = S[j mod k] (each survivor in turn), and
                                  theta_child = theta_p + sigma_g * N(0, I)     (every parameter)
                with crossover, a second parent q (another survivor, at random) first gives
                    uniform:     theta_child = m * theta_p + (1 - m) * theta_q,  m_ij ~ Bernoulli(1/2)
                    arithmetic:  theta_child = a * theta_p + (1 - a) * theta_q,  a ~ U(0, 1) per child
                and the noise is added to that.

The population size ``P`` never changes; new members are written in place into the network's
own parameter arrays (``param[...] = ...``), so the arrays and their memory layout stay the
engine's. Because the
``k`` survivors are copied unchanged, the best loss never gets worse from one generation to the
next.

The mutation scale ``sigma_g`` follows ``adapt``:

* ``"constant"``: ``sigma_g = sigma_0``;
* ``"decay"``: ``sigma_g = sigma_0 * decay**g``;
* ``"one_fifth"`` (Rechenberg's 1/5th success rule): after each evaluation, the success rate
  ``s`` is the fraction of the last generation's children whose loss is below their (better)
  parent's; ``sigma <- sigma * adapt_factor`` if ``s > 1/5``, ``sigma <- sigma / adapt_factor``
  if ``s < 1/5``, unchanged if ``s = 1/5``.

The result is an :class:`EvolutionHistory`, the same :class:`~glassnet.training.History` that
gradient training returns (so :mod:`glassnet.convergence` and the plots apply unchanged), with a
few more curves. ``history.loss`` is the *best* member's loss per generation, shape
``(generations,)``: the population is one search, whose answer is its best member. When training
ends the population is sorted by its last measured loss, so ``net.member(0)`` is the best network.

Randomness comes from ``glassnet._random.generator(seed, "evolution")`` only: the same network,
data, settings and seed always give the same result.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from glassnet import convergence
from glassnet import losses as _losses
from glassnet._random import check_seed, generator
from glassnet._validation import (
    MAX_EPOCHS,
    Boolean,
    Constraint,
    Instance,
    Interval,
    Options,
    check_callbacks,
    describe,
    known_keywords,
    validate,
)
from glassnet.metrics import accuracy
from glassnet.run import BACKEND_NAMES
from glassnet.training import Callback, DivergenceWarning, History, validation_data

if TYPE_CHECKING:
    from glassnet.network import Network

Array = np.ndarray

__all__ = ["ADAPT_MODES", "CROSSOVER_MODES", "EvolutionHistory", "fit_evolution"]

ADAPT_MODES = ("constant", "decay", "one_fifth")
CROSSOVER_MODES = ("uniform", "arithmetic")
_ONE_FIFTH = 0.2


@known_keywords
@dataclass(repr=False)
class EvolutionHistory(History):
    r"""What happened during :func:`fit_evolution`: a :class:`~glassnet.training.History` plus
    the population's own curves.

    Its ``scores_current`` is True: generation ``g``'s loss is that of the population the
    callbacks' ``on_epoch_end(g, ...)`` is handed (``EarlyStopping`` restores that one).

    ``loss`` is the best member's loss per generation, shape ``(generations,)`` (generation
    ``g`` is the population evaluated at step ``g``, before it reproduces); ``epochs_run`` counts
    generations; ``population`` is ``None`` because the curves describe one search, not ``P``
    separate networks (the size is in ``settings["population"]``).

    Attributes
    ----------
    median_loss : array, shape (generations,)
        Median loss over the population at each generation (non-finite losses count as
        ``+inf``).
    evaluations : array of int, shape (generations,)
        Cumulative number of loss evaluations (forward passes of one member over the training
        set) up to and including each generation: ``P * (g + 1)``.
    mutation_scale : array, shape (generations,)
        The ``sigma`` used to make the children of each generation (the last one is the scale
        that would have been used next).
    success_rate : array, shape (generations,)
        Fraction of the children evaluated at each generation that beat their parent (``nan`` at
        generation 0, which has no children).
    """

    scores_current: ClassVar[bool] = True

    median_loss: Array = field(default_factory=lambda: np.zeros(0))
    evaluations: Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    mutation_scale: Array = field(default_factory=lambda: np.zeros(0))
    success_rate: Array = field(default_factory=lambda: np.zeros(0))

    @known_keywords
    def converged_evaluations(self, threshold: float) -> int:
        """Loss evaluations spent until the best loss first fell below ``threshold`` (``-1``:
        never)."""
        g = convergence.threshold_epoch(self.loss, threshold)
        return int(self.evaluations[g]) if g >= 0 else -1

    @known_keywords
    def member(self, k: int) -> History:
        raise ValueError(
            "member: an evolution History describes the whole search, not one member; "
            "the best network is net.member(0)"
        )

    def __repr__(self) -> str:
        return (
            f"EvolutionHistory(generations={self.epochs_run}, "
            f"population={self.settings.get('population')}, final_loss={self.final_loss!r})"
        )


# Every argument's accepted forms, as data (see glassnet._validation).
_CONSTRAINTS: dict[str, list[Constraint]] = {
    "generations": [Interval(int, 1, MAX_EPOCHS)],
    "survivors": [Interval(int, 1, None), Instance(type(None))],
    # beyond 1e6 the mutated parameters overflow every activation in one generation
    "mutation_scale": [Interval(float, 0, 1e6, closed="right")],
    "adapt": [Options(ADAPT_MODES)],
    "decay": [Interval(float, 0, 1, closed="right")],
    "adapt_factor": [Interval(float, 1, 1e6, closed="right")],
    "crossover": [Options(CROSSOVER_MODES), Instance(type(None))],
    "warn": [Boolean()],
}


@known_keywords
def fit_evolution(
    net: Network,
    X: Any,
    y: Any,
    *,
    loss: str | _losses.Loss = "mse",
    generations: int = 200,
    survivors: int | None = None,
    mutation_scale: float = 1.0,
    adapt: str = "decay",
    decay: float = 0.99,
    adapt_factor: float = 1.22,
    crossover: str | None = None,
    seed: int | None = None,
    validation: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    backend: str = "numpy",
    warn: bool = True,
) -> EvolutionHistory:
    r"""Train a population of networks in place by selection and mutation.

    See the module docstring for one generation, step by step.

    Parameters
    ----------
    net : Network
        A population, ``Network(..., seed=[s_1, ..., s_P])`` with ``P >= 2``: its members are the
        first generation. It is changed in place and ends sorted, best member first.
    X : array, shape (n_samples, n_inputs)
    y : array, shape (n_samples, n_outputs)
        Integer class labels ``(n_samples,)`` are accepted for several outputs.
    loss : str or Loss
        The fitness to minimize; see :mod:`glassnet.losses`.
    generations : int
        Number of generations (each one evaluates all ``P`` members once).
    survivors : int, optional
        ``k``, the members kept each generation, ``1 <= k < P``. Default ``max(1, P // 5)``.
    mutation_scale : float
        ``sigma_0 > 0``, the standard deviation of the Gaussian noise added to every parameter of
        a child.
    adapt : {"decay", "one_fifth", "constant"}
        How ``sigma`` changes over the generations (see the module docstring). The 1/5th rule
        shrinks ``sigma`` while the search is stuck on a plateau, which can trap it there (on
        XOR it solved fewer seeds than a decaying scale).
    decay : float
        The per-generation factor of ``adapt="decay"``, in ``(0, 1]``.
    adapt_factor : float
        The factor ``> 1`` of the 1/5th success rule (``adapt="one_fifth"``).
    crossover : {None, "uniform", "arithmetic"}
        Mix two survivors before mutating; needs ``survivors >= 2``.
    seed : int, optional
        Seed of the ``"evolution"`` random stream; default: the network's first seed.
    validation : (X_val, y_val), optional
        Held-out data: ``history.val_loss`` (and ``val_accuracy`` for 0/1 or one-hot targets)
        then records, per generation, the best member's cost on it. Selection never sees it.
    callbacks : sequence of Callback
        Called like in gradient training, ``on_epoch_end(generation, history, net)`` after each
        evaluation (``net`` holds the population just evaluated); returning True stops.
    backend : {"numpy", "jax"}
        Where each generation's evaluation of every member runs: NumPy, or one compiled XLA
        program (:func:`glassnet.compiled.evaluator`). Selection and mutation stay on the host
        (they are a sort and a few draws). The compiled evaluation pays off for large
        populations and data, and on a GPU; for the paper's small networks NumPy is faster
        (the transfer of the population to the device costs more than its evaluation).
    warn : bool
        Warn (:class:`~glassnet.training.DivergenceWarning`) when evolution stops because no
        member has a finite loss, as :func:`~glassnet.training.fit` warns when a single
        network diverges; the message is in ``history.messages`` either way.

    Returns
    -------
    EvolutionHistory
        ``loss`` (best per generation), ``median_loss``, ``evaluations``, ``mutation_scale``,
        ``success_rate``, and the usual fields; ``diverged`` is True if at some generation no
        member had a finite loss (then ``stopped_by="diverged"`` and, with ``warn``, a
        :class:`~glassnet.training.DivergenceWarning`).

    Raises
    ------
    ValueError
        For a single network, ``survivors`` outside ``1..P-1``, a non-positive
        ``mutation_scale``, ``decay`` outside ``(0, 1]``, ``adapt_factor <= 1``, an unknown
        ``adapt`` or ``crossover``, or crossover with one survivor.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.load("xor")
    >>> net = gn.Network([2, 2, 1], activation="tanh", seed=list(range(50)))
    >>> hist = fit_evolution(net, X, y, generations=300, seed=0)
    >>> bool(hist.loss[-1] <= hist.loss[0])
    True
    """
    from glassnet.network import Network

    if not isinstance(net, Network):
        raise TypeError(f"net: expected a glassnet Network, got {describe(net)}")
    P = net.population
    if P is None or P < 2:
        got = "a single network" if P is None else f"a population of {P}"
        raise ValueError(
            f"net: evolution needs a population of at least 2 networks "
            f"(Network(..., seed=[0, 1, ...])), got {got}"
        )
    loss = net.check_loss(loss)
    Xa = net.check_inputs(X)
    ya = net.check_targets(y, loss, Xa.shape[0])
    generations, survivors, sigma, adapt, decay, adapt_factor, crossover, warn = validate(
        _CONSTRAINTS,
        generations=generations,
        survivors=survivors,
        mutation_scale=mutation_scale,
        adapt=adapt,
        decay=decay,
        adapt_factor=adapt_factor,
        crossover=crossover,
        warn=warn,
    ).values()
    if survivors is None:
        k = max(1, P // 5)
    else:
        k = survivors
        if k >= P:
            raise ValueError(
                f"survivors: expected fewer survivors than the population size ({P}), got {k}; "
                "the population must leave room for new members"
            )
    callbacks = check_callbacks(callbacks)
    if crossover is not None and k < 2:
        raise ValueError(
            f"crossover: {crossover!r} crossover mixes two survivors, but survivors is {k}; "
            "use survivors >= 2 or crossover=None"
        )
    val = validation_data(net, validation, loss)
    if backend not in BACKEND_NAMES:
        raise ValueError(f"backend: expected one of numpy, jax, got {backend!r}")
    if backend == "jax":
        from glassnet import compiled

        evaluate = compiled.evaluator(net, Xa, ya, loss)
    else:

        def evaluate(params: list[dict[str, Array]]) -> Array:
            return np.asarray(net.cost(net.apply(params, Xa), ya, loss), dtype=float)

    seed = net.seeds[0] if seed is None else check_seed(seed)
    rng = generator(seed, "evolution")

    n_children = P - k
    history = EvolutionHistory(
        loss=np.full(generations, np.nan),
        median_loss=np.full(generations, np.nan),
        evaluations=np.zeros(generations, dtype=np.int64),
        mutation_scale=np.full(generations, np.nan),
        success_rate=np.full(generations, np.nan),
        val_loss=None if val is None else np.full(generations, np.nan),
        val_accuracy=None if val is None or not val[2] else np.full(generations, np.nan),
        population=None,
        settings={
            "trainer": "evolution",
            "loss": loss.name,
            "generations": generations,
            "population": P,
            "survivors": k,
            "mutation_scale": sigma,
            "adapt": adapt,
            "decay": decay,
            "adapt_factor": adapt_factor,
            "crossover": crossover,
            "seed": seed,
        },
    )
    for cb in callbacks:
        cb.on_train_begin(net, history)

    params = net.params
    parent_loss: Array | None = None  # (n_children,) the loss each child's parent had
    g = -1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for g in range(generations):
            # evaluate every member at once: C_i for i = 1..P
            raw = evaluate(params)
            fitness = np.where(np.isfinite(raw), raw, np.inf)
            order = np.argsort(fitness, kind="stable")
            history.loss[g] = raw[order[0]]
            history.median_loss[g] = np.median(fitness)
            history.evaluations[g] = P * (g + 1)
            if parent_loss is not None:
                success = float(np.mean(fitness[k:] < parent_loss))
                history.success_rate[g] = success
                if adapt == "one_fifth" and success > _ONE_FIFTH:
                    sigma *= adapt_factor
                elif adapt == "one_fifth" and success < _ONE_FIFTH:
                    sigma /= adapt_factor
            history.mutation_scale[g] = sigma
            if val is not None and history.val_loss is not None:
                # the best member alone, as a population of one
                best = int(order[0])
                one = [{n: v[best : best + 1] for n, v in layer.items()} for layer in params]
                fv = net.apply(one, val[0])
                history.val_loss[g] = net.cost(fv, val[1], loss)[0]
                if history.val_accuracy is not None:
                    history.val_accuracy[g] = np.ravel(accuracy(fv.a[-1], val[1]))[0]
            if not np.isfinite(fitness[order[0]]):
                history.diverged, history.diverged_epoch = True, g
                history.stopped_by = "diverged"
                where = None
                if g == 0:  # no mutation yet: the initial population's pass says where
                    where = net.overflow(net.apply(params, Xa), ya, loss, raw)
                msg = (
                    f"every member's loss was NaN or infinite at generation 0, before any "
                    f"mutation: {where}"
                    if where is not None
                    else f"every member's loss was NaN or infinite at generation {g}; "
                    f"try a smaller mutation_scale (now {sigma:g})"
                )
                history.messages.append(msg)
                if warn:  # as fit warns of a single network's divergence
                    # attributed to the caller: fit_evolution <- known_keywords <- caller
                    warnings.warn(msg, DivergenceWarning, stacklevel=3)
                break
            stoppers = [type(cb).__name__ for cb in callbacks if cb.on_epoch_end(g, history, net)]
            if stoppers:
                history.stopped_by = stoppers[0]
                history.messages.append(f"{stoppers[0]} stopped evolution after generation {g}")
                break
            if g == generations - 1:
                break

            # select the best k, best first; children's parents take turns among them
            elite = order[:k]
            first = elite[np.arange(n_children) % k]
            parent_loss = fitness[first]
            if crossover is not None:
                # a second parent: a different survivor, at random
                shift = rng.integers(1, k, size=n_children)
                second = elite[(np.arange(n_children) % k + shift) % k]
                parent_loss = np.minimum(parent_loss, fitness[second])
                if crossover == "arithmetic":
                    alpha = rng.random(n_children)
            for layer in params:
                for name in layer:
                    p = layer[name]
                    shape = (n_children, *p.shape[1:])
                    child = p[first]
                    if crossover == "uniform":
                        mask = rng.random(shape) < 0.5
                        child = np.where(mask, child, p[second])
                    elif crossover == "arithmetic":
                        a = alpha.reshape(-1, *([1] * (p.ndim - 1)))
                        child = a * child + (1 - a) * p[second]
                    child = child + sigma * rng.standard_normal(shape)
                    survivors_now = p[elite]
                    p[:k] = survivors_now  # written in place: same arrays, same layout
                    p[k:] = child
            if adapt == "decay":
                sigma *= decay

    # leave the population sorted by its last measured loss, best first
    if g >= 0 and history.stopped_by != "diverged":
        for layer in params:
            for name in layer:
                p = layer[name]
                p[...] = p[order]
    run = g + 1
    history.epochs_run = run
    history.loss = history.loss[:run]
    history.median_loss = history.median_loss[:run]
    history.evaluations = history.evaluations[:run]
    history.mutation_scale = history.mutation_scale[:run]
    history.success_rate = history.success_rate[:run]
    if history.val_loss is not None:
        history.val_loss = history.val_loss[:run]
    if history.val_accuracy is not None:
        history.val_accuracy = history.val_accuracy[:run]
    for cb in callbacks:
        cb.on_train_end(net, history)
    return history
