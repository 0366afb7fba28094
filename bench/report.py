"""Tables, target verdicts and the JSON document."""

from __future__ import annotations

from typing import Any

from bench.harness import PeerResult


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


def table(res: dict[str, Any], metric_cols: list[tuple[str, str]]) -> list[str]:
    """Rows: peer | dtype | median | per-unit | vs glassnet | min | metrics..."""
    unit_label, unit_factor = res.get("unit", ("", 0.0))
    g = res["results"].get("glassnet")
    g_med = g.median_s if g is not None and g.status == "ok" else None
    header = ["peer", "dtype", "median", unit_label or "", "peer/glassnet", "min", "n"]
    header += [label for _, label in metric_cols]
    rows = [header]
    for r in res["results"].values():
        med = r.median_s
        if r.status != "ok":
            rows.append(
                [r.name, r.dtype, r.status.upper(), "", "", "", ""] + [""] * len(metric_cols)
            )
            continue
        ratio = ""
        if med is not None and g_med:
            ratio = "1.00x" if r.key == "glassnet" else f"{med / g_med:.2f}x"
        per = f"{med * unit_factor:.1f}" if med is not None and unit_factor else ""
        row = [r.name, r.dtype, fmt_time(med), per, ratio, fmt_time(r.min_s), str(len(r.times_s))]
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
