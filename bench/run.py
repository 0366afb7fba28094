"""Run glassnet's benchmark suite: ``python -m bench`` (or ``python bench/run.py``).

Every workload of issues 4 and 12 runs with all of its peers in the same process, side by side
(alternating order, several rounds, medians); the table shows each peer's median time and its
ratio to glassnet, and the targets are judged from those ratios. All figures, the machine and
its BLAS/thread configuration go to a JSON file (``bench/results.json`` by default).

Options: ``--quick`` (a short smoke run: fewer epochs/samples and 2 rounds), ``--only NAME``
(repeatable: tiny, population, population10k, digits, cv, startup, classifier, large, gpu),
``--repeats N``, ``--output PATH``,
``--skip-memory`` (no subprocess memory probes), ``--wait-quiet SECONDS`` (before each
workload, wait up to SECONDS for other processes to leave the CPUs), ``--native-blas`` (also re-run the large
workload in a subprocess with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset, for information; the
targets are always judged in the environment as given).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, report

WORKLOADS = (
    "tiny",
    "population",
    "population10k",
    "digits",
    "cv",
    "startup",
    "classifier",
    "large",
    "gpu",
)

METRIC_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "tiny": [("final_loss", "final loss")],
    "population": [("median_final_loss", "median final loss")],
    "population10k": [("median_final_loss", "median final loss")],
    "cv": [("mean_score", "mean accuracy"), ("programs_cold", "programs built, cold call")],
    "startup": [("first_fit_s", "first fit"), ("compile_s", "compile or load")],
    "digits": [("test_acc", "test acc"), ("final_loss", "final loss")],
    "classifier": [("test_acc", "test acc"), ("final_loss", "final loss")],
    "large": [("gflops", "GFLOP/s"), ("pct_peak", "% of peak"), ("final_loss", "epoch loss")],
    "gpu": [
        ("member_epochs_per_s", "member-epochs/s"),
        ("median_final_loss", "median final loss"),
    ],
}


def _log(msg: str) -> None:
    print(msg, flush=True)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, harness.PeerResult):
        return obj.to_json()
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    return obj


def run_workload(name: str, args: argparse.Namespace) -> dict[str, Any]:
    import importlib

    mod = importlib.import_module(f"bench.workloads.{name}")
    quiet = harness.wait_quiet(args.wait_quiet, _log) if args.wait_quiet else None
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    if name == "large":
        res = mod.run(args.quick, args.repeats, _log, skip_memory=args.skip_memory)
    else:
        res = mod.run(args.quick, args.repeats, _log)
    res["wall_s"] = time.perf_counter() - t0
    res["loadavg"] = {"start": load0, "end": os.getloadavg()}
    if quiet is not None:
        res["others_cpu_share_before"] = quiet
    shares = [s for r in res["results"].values() for s in r.others_cpu]
    if shares:
        shares.sort()
        res["others_cpu_share"] = {"median": shares[len(shares) // 2], "max": shares[-1]}
    res["targets"] = mod.targets(res)
    return res


def native_blas_large(args: argparse.Namespace) -> dict[str, Any] | None:
    """The large workload again, in a child with the OpenBLAS overrides unset (informational)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    }
    if env.keys() == os.environ.keys():
        return None  # nothing was overridden: the main run already is native
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "native.json"
        cmd = [
            sys.executable,
            "-m",
            "bench",
            "--only",
            "large",
            "--skip-memory",
            "--output",
            str(out),
        ]
        if args.quick:
            cmd.append("--quick")
        if args.repeats:
            cmd += ["--repeats", str(args.repeats)]
        if args.wait_quiet:
            cmd += ["--wait-quiet", str(args.wait_quiet)]
        _log("large (native BLAS kernel, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset in a child):")
        proc = subprocess.run(
            cmd, cwd=harness.REPO, env=env, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0 or not out.exists():
            return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
        doc = json.loads(out.read_text())
    return {"environment": doc["environment"], "large": doc["workloads"]["large"]}


def gpu_child(args: argparse.Namespace, jax_platforms: str | None) -> dict[str, Any]:
    """The gpu workload in a child process that sees JAX's platforms as the user set them.

    This process pins JAX to the CPU (``JAX_PLATFORMS=cpu``) so that the CPU workloads compare
    CPU with CPU even where a GPU exists; JAX reads that once, at its start, so the GPU run needs
    a process of its own. Its log is relayed; its JSON becomes ``workloads.gpu``."""
    env = dict(os.environ)
    if jax_platforms is None:
        env.pop("JAX_PLATFORMS", None)
    else:
        env["JAX_PLATFORMS"] = jax_platforms
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "gpu.json"
        cmd = [sys.executable, "-m", "bench", "--only", "gpu", "--output", str(out)]
        if args.quick:
            cmd.append("--quick")
        if args.repeats:
            cmd += ["--repeats", str(args.repeats)]
        if args.wait_quiet:
            cmd += ["--wait-quiet", str(args.wait_quiet)]
        _log("gpu (in a child process with JAX's platforms as given):")
        proc = subprocess.run(
            cmd, cwd=harness.REPO, env=env, capture_output=True, text=True, check=False
        )
        lines = proc.stdout.splitlines()
        body = lines[2 : lines.index("targets:")] if "targets:" in lines else lines[2:]
        for line in body:
            _log("  " + line if line else "")
        if proc.returncode != 0 or not out.exists():
            err = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            _log(f"  gpu child failed: {err}")
            return {"title": "gpu", "error": err, "results": {}, "targets": []}
        doc = json.loads(out.read_text())
    res = doc["workloads"]["gpu"]
    res["environment"] = doc["environment"]
    return res


def print_workload(name: str, res: dict[str, Any]) -> None:
    _log("")
    _log(f"== {res['title']}")
    if res.get("skipped"):
        _log(f"  skipped: {res['skipped']}")
        return
    for sub in res["tasks"].values() if "tasks" in res else [res]:
        if "tasks" in res:
            _log(f"  -- {sub['title']}")
        for line in report.table(sub, METRIC_COLUMNS[name]):
            _log("  " + line)
    notes = [(r.name, r.dtype, r.note) for r in res["results"].values() if r.note]
    notes = list(dict.fromkeys(notes))  # a workload of several tasks repeats its peers
    for pname, dtype, note in notes:
        _log(f"   * {pname} [{dtype}]: {note}")
    for r in res["results"].values():
        if r.error:
            _log(f"   ! {r.name}: {r.error}")
    if name == "large":
        ex = res["extra"]
        _log(
            f"   matmul peak (float32 n=4096 A@B): {ex['matmul_peak_gflops']:.1f} GFLOP/s; "
            f"only the matmuls of the epoch: {ex['matmul_only_epoch_s']:.3f} s "
            f"({ex['matmul_only_gflops']:.1f} GFLOP/s); {ex['flops_per_epoch'] / 1e9:.1f} GFLOP "
            "per epoch"
        )
        mem = ex.get("memory")
        if mem:
            for which, row in mem.items():
                if "error" in row:
                    _log(f"   memory {which}: {row['error']}")
                    continue
                traced = row.get("traced_peak_mb")
                _log(
                    f"   memory {which}: peak RSS {row['rss_peak_mb']:.0f} MB "
                    f"(before the epoch {row['rss_base_mb']:.0f} MB, epoch added "
                    f"{row['rss_epoch_mb']:.0f} MB)"
                    + (f"; tracemalloc peak during the epoch {traced:.1f} MB" if traced else "")
                    + f"; data {row['data_mb']:.0f} MB"
                )
    _log("  ratio = peer median / glassnet median (>1: glassnet faster)")
    oc = res.get("others_cpu_share")
    if oc:
        warn = "  !! a busy machine: treat these numbers with care" if oc["median"] > 0.2 else ""
        _log(
            f"  other processes used {oc['median']:.0%} of the CPUs during the timed runs "
            f"(median; max {oc['max']:.0%}){warn}"
        )
    for line in report.target_lines(res["targets"]):
        _log(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--only", action="append", choices=WORKLOADS, help="run only this workload")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per workload")
    parser.add_argument(
        "--output", default=str(harness.REPO / "bench" / "results.json"), help="JSON output path"
    )
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory probes")
    parser.add_argument(
        "--native-blas",
        action="store_true",
        help="also run 'large' with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (informational)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each workload wait up to SECONDS for other processes to leave the CPUs",
    )
    parser.add_argument(
        "--torch-default-threads",
        action="store_true",
        help="run PyTorch with its default intra-op threads on the small workloads too",
    )
    args = parser.parse_args(argv)
    if args.torch_default_threads:
        harness.TORCH_SMALL_THREADS = None
    names = [w for w in WORKLOADS if not args.only or w in args.only]
    # The CPU workloads pin JAX to the CPU (CPU against CPU, even where a GPU exists); the gpu
    # workload alone sees JAX's platforms as given: in this process when it is all that runs,
    # else in a child (JAX reads JAX_PLATFORMS once, when it starts).
    jax_platforms = os.environ.get("JAX_PLATFORMS")
    gpu_here = names == ["gpu"]
    # glassnet keeps compiled programs on disk between processes: a fresh directory for this
    # run, so that every compiled row's first call compiles (unless the caller chose one)
    cache = tempfile.TemporaryDirectory(prefix="glassnet-bench-programs-")
    os.environ.setdefault("GLASSNET_JAX_CACHE", cache.name)
    if not gpu_here:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    env = harness.environment()
    gn, reason = harness.glassnet_or_reason()
    _log(
        f"glassnet benchmark ({'quick' if args.quick else 'full'}) on {env['cpu_model']}, "
        f"{env['nproc']} CPUs; BLAS {_blas_summary(env)}"
    )
    if gn is None:
        _log(f"!! {reason}: the glassnet column is marked missing")
    _log(f"   env: {env['env']}")

    doc: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "argv": sys.argv[1:] if argv is None else argv,
        "environment": env,
        "torch_small_workload_threads": harness.TORCH_SMALL_THREADS,
        "glassnet_available": gn is not None,
        "glassnet_missing_reason": reason,
        "workloads": {},
    }
    startup = harness.jax_startup_seconds() if not gpu_here else None
    if startup is not None:
        env["jax_startup_s"] = startup
        _log(f"   import jax + start its backend: {startup:.2f} s (outside every timed region)")
    all_targets: list[dict[str, Any]] = []
    for name in names:
        if name == "gpu" and not gpu_here:
            res = gpu_child(args, jax_platforms)
            doc["workloads"][name] = res
            all_targets += res.get("targets", [])
            _write(args.output, doc)
            continue
        res = run_workload(name, args)
        doc["workloads"][name] = res
        all_targets += res["targets"]
        print_workload(name, res)
        _write(args.output, doc)  # keep what is done if a later workload dies

    if args.native_blas and "large" in names:
        doc["large_native_blas"] = native_blas_large(args)
        nb = doc["large_native_blas"]
        if nb and "large" in nb:
            lg = nb["large"]
            _log(
                f"   native-kernel run: BLAS {_blas_summary(nb['environment'])}, "
                f"matmul peak {lg['extra']['matmul_peak_gflops']:.1f} GFLOP/s"
            )
            for _key, r in lg["results"].items():
                if r["median_s"]:
                    _log(
                        f"     {r['name']:<22} {r['median_s']:.3f} s  "
                        f"{r['metrics'].get('gflops', 0):.1f} GFLOP/s "
                        f"({r['metrics'].get('pct_peak', 0):.0f}% of that peak)"
                    )
            oc = lg.get("others_cpu_share")
            if oc:
                _log(
                    f"     other processes used {oc['median']:.0%} of the CPUs during its timed "
                    f"runs (median; max {oc['max']:.0%})"
                )
            for line in report.target_lines(lg["targets"]):
                _log("   " + line)
        elif nb:
            _log(f"   native-kernel run failed: {nb}")

    doc["environment"]["loadavg_end"] = os.getloadavg()
    try:  # every library that a peer loaded is in memory now (torch's MKL/OpenMP, ...)
        import threadpoolctl

        doc["environment"]["threadpoolctl"] = threadpoolctl.threadpool_info()
    except ImportError:
        pass
    doc["targets"] = all_targets
    _write(args.output, doc)
    _log("")
    _log("targets:")
    for line in report.target_lines(all_targets):
        _log(line)
    met = sum(1 for t in all_targets if t["met"] is True)
    missed = sum(1 for t in all_targets if t["met"] is False)
    na = sum(1 for t in all_targets if t["met"] is None)
    _log(f"{met} met, {missed} not met, {na} not measured; figures in {args.output}")
    return 0


def _blas_summary(env: dict[str, Any]) -> str:
    info = env.get("threadpoolctl")
    if not isinstance(info, list):
        return "unknown"
    parts = [
        f"{d.get('internal_api')} {d.get('version')} {d.get('architecture', '')} "
        f"x{d.get('num_threads')}".strip()
        for d in info
    ]
    return "; ".join(parts) or "none loaded"


def _write(path: str, doc: dict[str, Any]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(json.dumps(_jsonable(doc), indent=1, default=str) + "\n")
    tmp.replace(p)


if __name__ == "__main__":
    raise SystemExit(main())
