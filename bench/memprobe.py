"""Peak memory of one large-workload epoch, measured in a fresh process.

``python -m bench.memprobe {glassnet,glassnet_jax,numpy,torch} N {rss,tracemalloc}`` makes the
data, notes the peak resident set size so far (``VmHWM``: interpreter, libraries and the
dataset), runs one epoch and prints one JSON line with

* ``rss``: ``rss_base_mb`` (before the epoch), ``rss_peak_mb`` (after; the process's peak) and
  ``rss_epoch_mb`` (their difference: what the epoch added on top of the data);
* ``tracemalloc``: ``traced_peak_mb``, the peak of the Python and NumPy allocations made during
  the epoch (tracing starts after the data exist; NumPy reports its buffers to tracemalloc).

The two modes run in separate processes because tracemalloc's own bookkeeping inflates RSS.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import tracemalloc


def _maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    ``VmHWM`` from ``/proc/self/status``: ``ru_maxrss`` is no good here because Linux carries
    it across fork + exec, so a child of the (large) benchmark process would report the
    parent's peak.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main(argv: list[str]) -> int:
    which, n, mode = argv[0], int(argv[1]), argv[2]
    from bench.workloads import large

    if which == "glassnet":
        from bench.harness import glassnet_or_reason

        gn, reason = glassnet_or_reason()
        if gn is None:
            print(json.dumps({"error": reason}))
            return 0

        def epoch() -> object:
            return large.glassnet_epoch(gn, X, Y, 0)

    elif which == "glassnet_jax":
        from bench.harness import glassnet_jax_or_reason

        gn, reason = glassnet_jax_or_reason()
        if gn is None:
            print(json.dumps({"error": reason}))
            return 0

        def epoch() -> object:  # the first call: the program's compilation is in the peak
            return large.glassnet_epoch(gn, X, Y, 0, backend="jax")

    elif which == "numpy":

        def epoch() -> object:
            return large.numpy_epoch(X, Y, 0)

    elif which == "torch":
        import torch

        def epoch() -> object:
            model, criterion, optimizer = large.torch_model(torch, 0)
            return large.torch_epoch(
                torch, model, criterion, optimizer, torch.from_numpy(X), torch.from_numpy(labels)
            )

    else:
        raise ValueError(f"which: expected glassnet, glassnet_jax, numpy or torch, got {which!r}")

    X, Y, labels = large.make_data(n)
    gc.collect()
    out: dict[str, float] = {"data_mb": (X.nbytes + Y.nbytes + labels.nbytes) / 2**20}
    if mode == "rss":
        base = _maxrss_mb()
        epoch()
        peak = _maxrss_mb()
        out.update(rss_base_mb=base, rss_peak_mb=peak, rss_epoch_mb=peak - base)
    else:
        tracemalloc.start()
        epoch()
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["traced_peak_mb"] = traced_peak / 2**20
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
