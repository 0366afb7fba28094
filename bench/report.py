"""Tables, target verdicts and the JSON document."""

from __future__ import annotations

from typing import Any

from bench.harness import Metrics, PeerResult


def _median(res: dict[str, Any], key: str) -> tuple[float | None, str]:
    r: PeerResult | None = res["results"].get(key)
    if r is None:
        return None, f"{key}: not run"
    if r.status != "ok" or r.median_s is None:
        return None, f"{r.name}: {r.status}"
    return r.median_s, ""


def verdict(
    description: str, value: float | None, kind: str, limit: float, why: str = "", unit: str = "x"
) -> dict[str, Any]:
    """A target row: ``met`` is True/False, or None when it could not be measured."""
    if value is None:
        return {
            "target": description,
            "value": None,
            "limit": limit,
            "kind": kind,
            "met": None,
            "status": f"not measured ({why})",
            "unit": unit,
        }
    met = value <= limit if kind == "at_most" else value >= limit
    return {
        "target": description,
        "value": value,
        "limit": limit,
        "kind": kind,
        "met": bool(met),
        "status": "met" if met else "NOT met",
        "unit": unit,
    }


def target_ratio(
    description: str, res: dict[str, Any], num: str, den: str, kind: str, limit: float
) -> dict[str, Any]:
    """Verdict on ``median(num) / median(den)`` against ``limit``."""
    a, why_a = _median(res, num)
    b, why_b = _median(res, den)
    if a is None or b is None:
        return verdict(description, None, kind, limit, why_a or why_b)
    out = verdict(description, a / b, kind, limit)
    out["ratio"] = f"{num}/{den}"
    ra, rb = res["results"][num], res["results"][den]
    if ra.min_s and rb.min_s:  # the same ratio from each side's fastest round, for noisy runs
        out["ratio_of_minimums"] = ra.min_s / rb.min_s
    if len(ra.times_s) == len(rb.times_s) and ra.times_s:
        # rounds alternate the peers, so round r of each is a pair measured moments apart
        paired = sorted(x / y for x, y in zip(ra.times_s, rb.times_s, strict=True))
        out["paired_ratio_median"] = paired[len(paired) // 2]
        out["paired_ratios"] = paired
    return out


def target_first_call(
    description: str, res: dict[str, Any], key: str, limit_s: float
) -> dict[str, Any]:
    """Verdict on a compiled peer's first call (its warm-up: compilation included)."""
    r: PeerResult | None = res["results"].get(key)
    if r is None or r.status != "ok" or not r.warmup:
        why = f"{key}: not run" if r is None else f"{r.name}: {r.status}"
        return verdict(description, None, "at_most", limit_s, why, unit=" s")
    out = verdict(description, r.warmup["warmup_s"], "at_most", limit_s, unit=" s")
    out["ratio"] = f"{key} warm-up"
    if r.warmup.get("compile_s") is not None:
        out["compile_s"] = r.warmup["compile_s"]
    return out


def fmt_time(s: float | None) -> str:
    """A time in s, ms or us, as the tables print it."""
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} us"


def fmt_metric(v: Any) -> str:
    """A metric as the tables print it (blank when missing)."""
    if v is None:
        return ""
    if isinstance(v, float):
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3g}"
        return f"{v:.4g}"
    return str(v)


def same_dtype_jax(res: dict[str, Any], dtype: str) -> str | None:
    """Key of the glassnet ``backend="jax"`` row of this dtype in a workload, if any."""
    return (res.get("jax_rows") or {}).get(dtype)


def first_call(warmup: Metrics) -> str:
    """A compiled peer's first call (the warm-up: tracing, compilation and the run) and the
    compile time inside it, as ``"first / compile"``; blank for peers that do not compile."""
    if not warmup or warmup.get("compile_s") is None:
        return ""
    return f"{fmt_time(warmup.get('warmup_s'))} / {fmt_time(warmup['compile_s'])}"


def table(res: dict[str, Any], metric_cols: list[tuple[str, str]]) -> list[str]:
    """Rows: peer | dtype | median | per-unit | vs glassnet | vs glassnet-jax of the same dtype
    | min | n | first call / compile | metrics..."""
    unit_label, unit_factor = res.get("unit", ("", 0.0))
    g = res["results"].get("glassnet")
    g_med = g.median_s if g is not None and g.status == "ok" else None
    has_jax = bool(res.get("jax_rows"))
    header = ["peer", "dtype", "median", unit_label or "", "peer/glassnet"]
    header += ["peer/gn-jax same dtype"] if has_jax else []
    header += ["min", "n", "first call / compile"]
    header += [label for _, label in metric_cols]
    rows = [header]
    for r in res["results"].values():
        med = r.median_s
        if r.status != "ok":
            rows.append([r.name, r.dtype, r.status.upper()] + [""] * (len(header) - 3))
            continue
        ratio = ""
        if med is not None and g_med:
            ratio = "1.00x" if r.key == "glassnet" else f"{med / g_med:.2f}x"
        per = f"{med * unit_factor:.1f}" if med is not None and unit_factor else ""
        row = [r.name, r.dtype, fmt_time(med), per, ratio]
        if has_jax:
            jk = same_dtype_jax(res, r.dtype)
            j = res["results"].get(jk) if jk else None
            j_med = j.median_s if j is not None and j.status == "ok" else None
            row.append(f"{med / j_med:.2f}x" if med is not None and j_med else "")
        row += [fmt_time(r.min_s), str(len(r.times_s)), first_call(r.warmup)]
        row += [fmt_metric(r.metric(k)) for k, _ in metric_cols]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def fmt_target(t: dict[str, Any]) -> tuple[str, str]:
    """A measured target's value and limit, in its unit (a ratio ``x``, ``%`` or another)."""
    unit = t.get("unit", "x")
    if unit == "x":
        return f"{t['value']:.2f}x", f"{t['limit']:g}x"
    if unit == "%":
        return f"{t['value']:.1%}", f"{t['limit']:.0%}"
    if unit == " s":
        return fmt_time(t["value"]), fmt_time(t["limit"])
    return f"{t['value']:+.1f}{unit}", f"{t['limit']:+g}{unit}"


def target_lines(targets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for t in targets:
        if t["value"] is None:
            lines.append(f"  [ n/a  ] {t['target']}: {t['status']}")
            continue
        cmp = "<=" if t["kind"] == "at_most" else ">="
        val, lim = fmt_target(t)
        mark = "  met   " if t["met"] else "NOT met "
        extra = f" ({t['ratio']})" if t.get("ratio") else ""
        if t.get("paired_ratio_median") is not None:
            extra += f"; median of per-round ratios {t['paired_ratio_median']:.2f}x"
        lines.append(f"  [{mark}] {t['target']}: {val}{extra}, needs {cmp} {lim}")
    return lines
