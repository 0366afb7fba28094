"""Profile glassnet's ``fit`` on one workload: ``python -m bench.profiling WORKLOAD [--lines|--jax]``.

Runs the glassnet peer of ``tiny``, ``population``, ``digits``, ``classifier`` or ``large`` once
to warm up and once under :mod:`cProfile` (the 25 most expensive functions by own time), or
with ``--lines`` under ``line_profiler`` (per-line times of ``training.fit``,
``Network.apply`` and ``Network.backprop``; ``pip install line_profiler``). ``--quick``
uses the smoke-run sizes.

``tiny --breakdown`` splits a warm ``fit(..., backend="jax")`` of the paper's network into its
parts (planning, the program, the host's work around it; and inside the program, the layer
statistics and the divergence rule, by compiling it without them), interleaved with the
hand-written ``jit(lax.scan(value_and_grad))`` program of the tiny workload.
``population10k --breakdown`` does the same for the layer statistics of 10^4 members x 200
epochs: the fit without them, with them replaced by zeros, and a program that only writes
arrays of their size, with the page faults of each call.

``--jax`` (with ``--float32`` for the float32 row) profiles the ``backend="jax"`` peer instead:
the first call (compilation included) and then warm calls split into the compiled program's own
time (``History.run_seconds``) and the host's work around it (planning, sample orders, moving
data to the device, filling the History), the host's work under cProfile, and a summary of the
compiled program from XLA (its operations by kind, its cost analysis, its memory). For
``population`` the same summary is printed for the hand-written JAX program of the same dtype,
so the two can be compared operation by operation.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # ``python bench/profiling.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import glassnet_or_reason

WORKLOADS = ("tiny", "population", "population10k", "digits", "classifier", "large")


def _peers(workload: str, quick: bool) -> list[Any]:
    from bench.workloads import classifier, digits, large, population, tiny

    make = {
        "tiny": lambda: tiny.peers(200 if quick else 2000),
        "population": lambda: population.peers(*((100, 100, 10) if quick else (1000, 1000, 50))),
        "digits": lambda: digits.peers(2 if quick else 20),
        "classifier": lambda: classifier.peers(10 if quick else 200),
        "large": lambda: large.peers(6000 if quick else 60000),
    }[workload]
    return make()


def _prepare(peers: list[Any], key: str):
    peer = next((p for p in peers if p.key == key), None)
    if peer is None:
        raise SystemExit(f"this workload has no {key!r} peer")
    if peer.prepare is None:
        raise SystemExit(peer.reason)
    return peer.prepare


_OP = re.compile(r"=\s*[^=]*?\s([a-z][a-z0-9-]*)\(")


def hlo_summary(program: Any, label: str) -> None:
    """Operations of a compiled XLA program by kind, its cost analysis and its memory."""
    text = program.as_text()
    ops: collections.Counter[str] = collections.Counter()
    for line in text.splitlines():
        m = _OP.search(line)
        if m and not line.lstrip().startswith(("HloModule", "ENTRY", "}")):
            ops[m.group(1)] += 1
    print(f"\n-- {label}: compiled XLA program ({len(text.splitlines())} lines of HLO)")
    interesting = (
        "while", "conditional", "fusion", "dot", "convolution", "gather", "scatter",
        "dynamic-slice", "dynamic-update-slice", "copy", "transpose", "reduce", "sort",
        "custom-call", "call",
    )  # fmt: skip
    print("   ops: " + ", ".join(f"{k} {ops[k]}" for k in interesting if ops[k]))
    print(f"   all ops: {sum(ops.values())}; most common: {ops.most_common(8)}")
    try:
        cost = program.cost_analysis()
        cost = cost[0] if isinstance(cost, list) else cost
        print(
            f"   cost analysis (loop bodies counted once): flops {cost.get('flops', 0):.3g}, "
            f"bytes accessed {cost.get('bytes accessed', 0):.3g}"
        )
    except Exception as exc:  # not every backend has it
        print(f"   cost analysis unavailable: {exc}")
    try:
        mem = program.memory_analysis()
        print(
            f"   memory: arguments {mem.argument_size_in_bytes / 2**20:.1f} MiB, outputs "
            f"{mem.output_size_in_bytes / 2**20:.1f} MiB, temporaries "
            f"{mem.temp_size_in_bytes / 2**20:.1f} MiB"
        )
    except Exception as exc:
        print(f"   memory analysis unavailable: {exc}")


def profile_jax(workload: str, quick: bool, float32: bool, repeats: int) -> int:
    from glassnet import compiled

    key = "glassnet_jax_f32" if float32 or workload == "large" else "glassnet_jax"
    peers = _peers(workload, quick)
    prepare = _prepare(peers, key)
    before = set(compiled._cache)
    t0 = time.perf_counter()
    first = prepare(-1)()
    first_s = time.perf_counter() - t0
    new = [k for k in compiled._cache if k not in before]
    print(
        f"{workload} [{key}] first call {first_s:.3f} s, of which compiling "
        f"{first['compile_s']:.3f} s and running the program {first['run_s']:.3f} s"
    )
    totals, runs = [], []
    for r in range(repeats):
        timed = prepare(r)
        t0 = time.perf_counter()
        m = timed()
        totals.append(time.perf_counter() - t0)
        runs.append(m["run_s"])
        if m["compile_s"]:
            print(f"   !! round {r} compiled again ({m['compile_s']:.3f} s): a cache miss")
    tot, run = statistics.median(totals), statistics.median(runs)
    print(
        f"warm calls (median of {repeats}): {tot * 1e3:.2f} ms in all; the program "
        f"{run * 1e3:.2f} ms (History.run_seconds); the host around it {(tot - run) * 1e3:.2f} ms"
    )
    prof = cProfile.Profile()
    prof.runcall(prepare(0))
    print("\nhost side of one warm call (cProfile, by cumulative time; the program is inside):")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
    for k in new:
        hlo_summary(compiled._cache[k].executable, f"glassnet fit(backend='jax') [{key}]")
    if workload == "population":
        hand_key = "jax" if key.endswith("f32") else "jax_f64"
        hand = _prepare(peers, hand_key)
        hand(-1)()
        times = []
        for r in range(repeats):
            timed = hand(r)
            t0 = time.perf_counter()
            timed()
            times.append(time.perf_counter() - t0)
        print(f"\nhand-written JAX [{hand_key}]: {statistics.median(times) * 1e3:.2f} ms a call")
        hlo_summary(hand.program["run"], f"hand-written JAX [{hand_key}]")
    return 0


def breakdown_tiny(repeats: int, float32: bool = False) -> int:
    """Where a warm ``fit(..., backend="jax")`` of the paper's net spends its time."""
    import jax
    import jax.numpy as jnp

    import glassnet as gn
    from bench.workloads import tiny
    from glassnet import compiled, training

    epochs = 2000
    dtype = "float32" if float32 else "float64"
    hand = tiny.hand_jax(jax, epochs, dtype)
    hand(-1)()
    net0 = gn.Network(tiny.SIZES, activation="sigmoid", output="sigmoid", seed=0, dtype=dtype)
    kw = {"loss": "mse", "optimizer": "gd", "lr": tiny.LR, "epochs": epochs, "backend": "jax"}

    def fit(**extra: Any) -> Any:
        return net0.copy().fit(tiny.X, tiny.Y, **kw, **extra)

    # the same program compiled without a part: the rule's functions replaced while it traces
    real = {"runaway": training.runaway, "diverging": training.diverging}
    never = {
        "runaway": lambda params, limit: jnp.zeros((), bool),
        "diverging": lambda *a, **k: jnp.zeros((), bool),
    }
    variants = {
        "default": ((), {}),
        "no statistics (stats_every=None)": ((), {"stats_every": None}),
        "no parameter pass of the divergence rule": (("runaway",), {}),
        "no divergence rule at all": (("runaway", "diverging"), {}),
    }
    # the time inside the backend (glassnet.compiled.run), to tell fit's own work apart
    inside: list[float] = []
    backend = training.BACKENDS["jax"]

    def timed_backend(*args: Any) -> None:
        t0 = time.perf_counter()
        backend(*args)
        inside.append(time.perf_counter() - t0)

    programs = {}
    with compiled.configure(cache_dir=False):
        for name, (removed, extra) in variants.items():
            compiled.clear_cache(disk=False)
            for f in removed:
                setattr(training, f, never[f])
            try:
                fit(**extra)
            finally:
                for f in removed:
                    setattr(training, f, real[f])
            ((key, program),) = compiled._cache.items()
            programs[name] = (key, program, extra)
        rows: dict[str, list[float]] = collections.defaultdict(list)
        for r in range(repeats):
            timed = hand(r)
            t0 = time.perf_counter()
            timed()
            rows["hand-written jit(lax.scan(value_and_grad)), whole call"].append(
                time.perf_counter() - t0
            )
            t0 = time.perf_counter()
            training.plan(net0, tiny.X, tiny.Y, training.TrainConfig(**kw))
            rows["  training.plan: the arguments checked and resolved"].append(
                time.perf_counter() - t0
            )
            for name, (key, program, extra) in programs.items():
                compiled.clear_cache(disk=False)
                compiled._cache[key] = program
                training.BACKENDS["jax"] = timed_backend
                try:
                    t0 = time.perf_counter()
                    h = fit(**extra)
                    total = time.perf_counter() - t0
                finally:
                    training.BACKENDS["jax"] = backend
                rows[f"glassnet fit, {name}: whole call"].append(total)
                rows[f"  {name}: the program (dispatch, run, outputs fetched)"].append(
                    h.run_seconds
                )
                rows[
                    f"  {name}: compiled.run around the program (arguments, cache, History)"
                ].append(inside[-1] - h.run_seconds)
                rows[f"  {name}: fit's own work (TrainConfig, plan, History, TrainState)"].append(
                    total - inside[-1]
                )
    compiled.clear_cache(disk=False)
    print(
        f"warm fit(backend='jax') of the paper's 3-2-1 network, {epochs} epochs, {dtype}: "
        f"min / median of {repeats} interleaved rounds"
    )
    for name, v in rows.items():
        print(
            f"  {name:<78} {min(v) * 1e3:6.3f} / {statistics.median(v) * 1e3:6.3f} ms "
            f"({statistics.median(v) / epochs * 1e6:.2f} us/epoch)"
        )
    return 0


def breakdown_population10k(repeats: int) -> int:
    """Where a warm ``fit(..., backend="jax")`` of 10^4 members x 200 epochs spends the time
    its layer statistics cost: the same fit without them, with them replaced by zeros (their
    arithmetic gone, their outputs kept), and a program that only writes arrays of their size
    (float64, as many numbers as the default History records), against the hand-written
    ``jit(scan(vmap(value_and_grad)))``. Page faults (``getrusage``'s minor faults) count the
    fresh memory each call touches."""
    import resource

    import jax
    import jax.numpy as jnp

    import glassnet as gn
    from bench.workloads import population
    from glassnet import compiled, training

    P, epochs = 10_000, 200
    hand = population.hand_jax(jax, P, epochs, "float64")
    hand(-1)()
    net0 = gn.Network(population.SIZES, activation="sigmoid", output="sigmoid",
                      seed=list(range(P)))  # fmt: skip
    kw = {"loss": "mse", "optimizer": "gd", "lr": population.LR, "epochs": epochs,
          "backend": "jax"}  # fmt: skip

    def fit(**extra: Any) -> Any:
        return net0.copy().fit(population.X, population.Y, **kw, **extra)

    real = training.layer_stats

    def zeros(tnet: Any, fwd: Any, grads: Any, *args: Any, **kwargs: Any) -> Any:
        # the statistics' shapes and outputs, none of their arithmetic
        xp = gn._xp.namespace(grads[0]["W"])
        zero = xp.zeros_like(grads[0]["W"].sum(axis=(-2, -1)))
        return {name: xp.asarray([zero] * len(grads)).T for name in training.LAYER_STATS}

    stride = training.auto_stats_every(epochs, P, len(population.SIZES) - 1)
    variants = {
        f"default History (statistics every {stride} epochs)": (None, {}),
        "statistics replaced by zeros (outputs kept)": (zeros, {}),
        "no statistics (stats_every=None)": (None, {"stats_every": None}),
    }
    programs = {}
    with compiled.configure(cache_dir=False):
        for name, (patch, extra) in variants.items():
            compiled.clear_cache(disk=False)
            if patch is not None:
                training.layer_stats = patch
            try:
                h = fit(**extra)
            finally:
                training.layer_stats = real
            ((key, program),) = compiled._cache.items()
            programs[name] = (key, program, extra)
        records = len(fit().stats_epochs)
        volume = (len(training.LAYER_STATS), records, P, len(net0.sizes) - 1)

        @jax.jit
        def write(x: Any) -> Any:
            return [jnp.full(volume[1:], x * (i + 1)) for i in range(volume[0])]

        with jax.enable_x64(True):
            jax.block_until_ready(write(1.0))
        rows: dict[str, list[float]] = collections.defaultdict(list)
        faults: dict[str, list[int]] = collections.defaultdict(list)

        def minflt() -> int:
            return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

        for r in range(repeats):
            timed = hand(r)
            t0, f0 = time.perf_counter(), minflt()
            timed()
            name = "hand-written jit(scan(vmap(value_and_grad))), whole call"
            rows[name].append(time.perf_counter() - t0)
            faults[name].append(minflt() - f0)
            for name, (key, program, extra) in programs.items():
                compiled.clear_cache(disk=False)
                compiled._cache[key] = program
                t0, f0 = time.perf_counter(), minflt()
                h = fit(**extra)
                rows[f"glassnet fit, {name}"].append(time.perf_counter() - t0)
                faults[f"glassnet fit, {name}"].append(minflt() - f0)
                del h
            name = (
                f"writing {volume[0]} x {volume[1]} x {P} x {volume[3]} float64 alone "
                f"({np.prod(volume) * 8 / 2**20:.0f} MiB, the statistics' size)"
            )
            with jax.enable_x64(True):
                t0, f0 = time.perf_counter(), minflt()
                out = [np.asarray(a) for a in write(float(r))]
                rows[name].append(time.perf_counter() - t0)
                faults[name].append(minflt() - f0)
                del out
    compiled.clear_cache(disk=False)
    print(
        f"warm fit(backend='jax'), {P} members of the paper's 3-2-1 network x {epochs} epochs, "
        f"float64: min / median of {repeats} interleaved rounds, and the median page faults"
    )
    for name, v in rows.items():
        print(
            f"  {name:<86} {min(v) * 1e3:7.1f} / {statistics.median(v) * 1e3:7.1f} ms "
            f"{int(statistics.median(faults[name])):7d} faults"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--lines", action="store_true", help="line_profiler instead of cProfile")
    parser.add_argument("--jax", action="store_true", help="profile the backend='jax' peer")
    parser.add_argument(
        "--float32", action="store_true", help="with --jax or tiny --breakdown: float32"
    )
    parser.add_argument("--repeats", type=int, default=5, help="with --jax: warm calls timed")
    parser.add_argument("--quick", action="store_true", help="smoke-run sizes")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="tiny, population10k: split a warm jax fit into its parts",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")  # as python -m bench runs the CPU workloads
    gn, reason = glassnet_or_reason()
    if gn is None:
        print(reason)
        return 1
    if args.workload == "population10k" and not args.breakdown:
        print("population10k: only --breakdown (the cProfile views are population's)")
        return 2
    if args.breakdown:
        if args.workload == "population10k":
            return breakdown_population10k(args.repeats)
        return breakdown_tiny(args.repeats, args.float32)
    if args.jax:
        return profile_jax(args.workload, args.quick, args.float32, args.repeats)
    prepare = _prepare(_peers(args.workload, args.quick), "glassnet")
    prepare(0)()  # warm-up
    timed = prepare(0)
    if args.lines:
        from line_profiler import LineProfiler

        from glassnet import network, training

        lp = LineProfiler()
        for f in (training.fit, network.Network.apply, network.Network.backprop):
            lp.add_function(f)
        lp.runcall(timed)
        lp.print_stats(output_unit=1e-3, stripzeros=True)
    else:
        prof = cProfile.Profile()
        prof.runcall(timed)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
