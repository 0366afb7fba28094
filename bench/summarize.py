"""Markdown tables from a results file: ``python -m bench.summarize [bench/latest.json]``.

Prints, for every workload in the file, a table of medians and ratios to glassnet, the targets
with their verdicts, and the machine line; this is what bench/README.md quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/summarize.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import fmt_metric, fmt_target, fmt_time

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "tiny": [("final_loss", "final loss")],
    "population": [("median_final_loss", "median final loss")],
    "population10k": [("median_final_loss", "median final loss")],
    "cv": [("mean_score", "mean accuracy"), ("programs_cold", "programs built, cold call")],
    "startup": [("first_fit_s", "first fit"), ("compile_s", "compile or load")],
    "digits": [("test_acc", "test accuracy")],
    "classifier": [("test_acc", "test accuracy")],
    "large": [("gflops", "GFLOP/s"), ("pct_peak", "% of matmul peak")],
    "gpu": [("member_epochs_per_s", "member-epochs/s"), ("median_final_loss", "median final loss")],
}


def first_call(r: dict[str, Any]) -> str:
    """A compiled peer's warm-up (its first call) and the compilation inside it."""
    w = r.get("warmup") or {}
    if w.get("compile_s") is None:
        return ""
    return f"{fmt_time(w.get('warmup_s'))} / {fmt_time(w['compile_s'])}"


def workload_table(name: str, w: dict[str, Any]) -> list[str]:
    if w.get("skipped") or w.get("error"):
        why = w.get("skipped") or f"failed: {w['error']}"
        return [f"**{w['title']}**", "", f"Skipped: {why}."]
    res = w["results"]
    unit_label, factor = w.get("unit", ["", 0.0])
    g = res.get("glassnet", {})
    g_med = g.get("median_s") if g.get("status") == "ok" else None
    jax_rows = w.get("jax_rows") or {}
    cols = COLUMNS.get(name, [])
    compiled = any(first_call(r) for r in res.values())
    header = ["peer", "dtype", "median time"]
    if factor:
        header.append(unit_label)
    if g_med:
        header.append("peer / glassnet")
    if jax_rows:
        header.append("peer / glassnet-jax (same dtype)")
    if compiled:
        header.append("first call / compile")
    header += [label for _, label in cols]
    lines = [f"**{w['title']}**", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|")
    for key, r in res.items():
        med = r.get("median_s")
        if r["status"] != "ok" or med is None:
            cells = [r["name"], r["dtype"], r["status"]] + [""] * (len(header) - 3)
        else:
            cells = [r["name"], r["dtype"], fmt_time(med)]
            if factor:
                cells.append(f"{med * factor:.1f}")
            if g_med:
                cells.append("1.00x" if key == "glassnet" else f"{med / g_med:.2f}x")
            if jax_rows:
                j = res.get(jax_rows.get(r["dtype"], ""), {})
                j_med = j.get("median_s") if j.get("status") == "ok" else None
                cells.append(f"{med / j_med:.2f}x" if j_med else "")
            if compiled:
                cells.append(first_call(r))
            cells += [fmt_metric(r["metrics"].get(k)) for k, _ in cols]
        lines.append("| " + " | ".join(cells) + " |")
    oc = w.get("others_cpu_share")
    if oc:
        lines += [
            "",
            f"Other processes used {oc['median']:.0%} of the CPUs during the timed runs "
            f"(median, max {oc['max']:.0%}).",
        ]
    return lines


def target_rows(targets: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| target | measured (ratio of medians) | median of per-round ratios | needs | verdict |",
        "|---|--:|--:|--:|---|",
    ]
    for t in targets:
        unit = t.get("unit", "x")
        cmp = "<=" if t["kind"] == "at_most" else ">="
        if t["value"] is None:
            lines.append(f"| {t['target']} | - | - | {cmp} {t['limit']:g}{unit} | {t['status']} |")
            continue
        val, lim = fmt_target(t)
        verdict = "met" if t["met"] else "**not met**"
        pr = t.get("paired_ratio_median")
        paired = "" if pr is None else f"{pr:.2f}x"
        lines.append(f"| {t['target']} | {val} | {paired} | {cmp} {lim} | {verdict} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).with_name("latest.json")
    doc = json.loads(path.read_text())
    env = doc["environment"]
    blas = env.get("threadpoolctl")
    blas_s = (
        "; ".join(
            f"{d.get('internal_api')} {d.get('version')} ({d.get('architecture', '?')}, "
            f"{d.get('num_threads')} threads)"
            for d in blas
        )
        if isinstance(blas, list)
        else "?"
    )
    print(
        f"Measured {env['date_utc']} ({doc['mode']} run) on {env['cpu_model']}, "
        f"{env['nproc']} CPUs, Python {env['python']}, NumPy {env['versions'].get('numpy')}, "
        f"PyTorch {env['versions'].get('torch')}, JAX {env['versions'].get('jax')}, "
        f"scikit-learn {env['versions'].get('scikit-learn')}; BLAS: {blas_s}; "
        f"env {env.get('env')}"
        + (
            f"; import jax + backend start {env['jax_startup_s']:.2f} s (not in any timing)."
            if env.get("jax_startup_s") is not None
            else "."
        )
    )
    for name, w in doc["workloads"].items():
        for sub in w["tasks"].values() if "tasks" in w else [w]:
            print()
            print("\n".join(workload_table(name, sub)))
        if "tasks" in w and w.get("others_cpu_share"):
            oc = w["others_cpu_share"]
            print()
            print(
                f"Other processes used {oc['median']:.0%} of the CPUs during the timed runs "
                f"(median, max {oc['max']:.0%})."
            )
        if name == "large":
            ex = w["extra"]
            print()
            print(
                f"Matmul peak (float32 4096x4096 @ 4096x4096): {ex['matmul_peak_gflops']:.0f} "
                f"GFLOP/s; only the matmuls of one epoch at batch 128: "
                f"{ex['matmul_only_epoch_s']:.3f} s ({ex['matmul_only_gflops']:.0f} GFLOP/s); "
                f"{ex['flops_per_epoch'] / 1e9:.1f} GFLOP per epoch."
            )
            mem = ex.get("memory") or {}
            if mem:
                print()
                print(
                    "| peak memory (own process) | peak RSS | RSS before the epoch | "
                    "added by the epoch | tracemalloc peak in the epoch |"
                )
                print("|---|--:|--:|--:|--:|")
                for which, row in mem.items():
                    if "error" in row:
                        print(f"| {which} | {row['error']} | | | |")
                        continue
                    tm = row.get("traced_peak_mb")
                    print(
                        f"| {which} | {row['rss_peak_mb']:.0f} MB | {row['rss_base_mb']:.0f} MB | "
                        f"{row['rss_epoch_mb']:.0f} MB | {'' if tm is None else f'{tm:.1f} MB'} |"
                    )
    nb = doc.get("large_native_blas")
    if nb and "large" in nb:
        print()
        print(
            "Informational: the large workload again with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE "
            "unset (OpenBLAS picks its native kernel):"
        )
        print()
        print("\n".join(workload_table("large", nb["large"])))
        ex = nb["large"]["extra"]
        print()
        print(f"Matmul peak with the native kernel: {ex['matmul_peak_gflops']:.0f} GFLOP/s.")
    print()
    print("\n".join(target_rows(doc.get("targets", []))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
