"""Profile glassnet's ``fit`` on one workload: ``python -m bench.profiling WORKLOAD [--lines]``.

Runs the glassnet peer of ``tiny``, ``population``, ``digits`` or ``large`` once to warm up and
once under :mod:`cProfile` (the 25 most expensive functions by own time), or with ``--lines``
under ``line_profiler`` (per-line times of ``training.fit``, ``Network._forward`` and
``Network._backward``; ``pip install line_profiler``). ``--quick`` uses the smoke-run sizes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/profiling.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import glassnet_or_reason


def _timed(workload: str, quick: bool):
    from bench.workloads import classifier, digits, large, population, tiny

    make = {
        "tiny": lambda: tiny.peers(200 if quick else 2000),
        "population": lambda: population.peers(*((100, 100, 10) if quick else (1000, 1000, 50))),
        "digits": lambda: digits.peers(2 if quick else 20),
        "classifier": lambda: classifier.peers(10 if quick else 200),
        "large": lambda: large.peers(6000 if quick else 60000),
    }[workload]
    peer = next(p for p in make() if p.key == "glassnet")
    if peer.prepare is None:
        raise SystemExit(peer.reason)
    return peer.prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("workload", choices=("tiny", "population", "digits", "classifier", "large"))
    parser.add_argument("--lines", action="store_true", help="line_profiler instead of cProfile")
    parser.add_argument("--quick", action="store_true", help="smoke-run sizes")
    args = parser.parse_args(argv)
    gn, reason = glassnet_or_reason()
    if gn is None:
        print(reason)
        return 1
    prepare = _timed(args.workload, args.quick)
    prepare(0)()  # warm-up
    timed = prepare(0)
    if args.lines:
        from line_profiler import LineProfiler

        from glassnet import network, training

        lp = LineProfiler()
        for f in (training.fit, network.Network._forward, network.Network._backward):
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
