"""Section 6: the findings, each generated from the numbers by a small function."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from glassnet.experiments.paper.measures import (
    _faster,
    _nanmedian,
    _p,
    _ratio,
)
from glassnet.experiments.paper.results import (
    PaperResults,
)
from glassnet.experiments.paper.settings import (
    DEPTH_ACTS,
    PAPER_EPOCHS,
    PAPER_LR,
    PAPER_SLOPE_TOL,
    PAPER_WINDOW,
)

_VERDICT = {"tanh": "agrees", "sigmoid": "disagrees", "neither": "no significant difference"}
TANH_FASTER = "tanh converges much faster"
VANISHING = "deeper networks suffer vanishing gradients"


@dataclass(frozen=True)
class Finding:
    """One finding: what this run measured, what the paper said, and the verdict.

    Attributes
    ----------
    claim : str
        The measurement, in a sentence with its numbers and intervals.
    paper : str
        The paper's conclusion it is compared with.
    verdict : str
        ``"agrees"``, ``"disagrees"``, ``"no significant difference"``, ...
    """

    claim: str
    paper: str
    verdict: str

    def to_dict(self) -> dict[str, str]:
        """``{"claim", "paper", "verdict"}`` (the form in ``data/summary.json``)."""
        return {"claim": self.claim, "paper": self.paper, "verdict": self.verdict}

    def __getitem__(self, key: str) -> str:
        return self.to_dict()[key]


def seed1_mode(res: PaperResults, mode: str) -> Finding:
    """Section 1: which activation ends lower after the paper's 100 epochs in one mode."""
    s = float(res.seed1[mode]["sigmoid"][-1])
    t = float(res.seed1[mode]["tanh"][-1])
    ratio = s / t if t > 0 else math.inf
    faster = "tanh" if t < s else "sigmoid"
    return Finding(
        f"Seed 1, {mode} mode: the loss at epoch {PAPER_EPOCHS - 1} is {s:.3g} with sigmoid "
        f"and {t:.3g} with tanh ({faster} ends lower, a factor of "
        f"{max(ratio, 1 / ratio if ratio > 0 else math.inf):.3g}).",
        TANH_FASTER,
        "agrees" if faster == "tanh" else "disagrees",
    )


def seed1_original(res: PaperResults) -> Finding:
    """Section 1 with the update rules the paper's code ran."""
    return seed1_mode(res, "original")


def seed1_corrected(res: PaperResults) -> Finding:
    """Section 1 with exact gradient descent."""
    return seed1_mode(res, "corrected")


def gradient_check(res: PaperResults) -> Finding:
    """Section 1: the engine's gradients against finite differences."""
    gc = res.seed1["gradient_check"]
    worst = max(v["max_rel_error"] for v in gc.values())
    return Finding(
        f"The engine's gradients of the seed-1 networks match finite differences with a largest "
        f"relative error of {worst:.2g} "
        f"({'passed' if all(v['passed'] for v in gc.values()) else 'FAILED'}).",
        "(the paper's code did not compute exact gradients)",
        "check",
    )


def seeds_threshold(res: PaperResults) -> Finding:
    """Section 2: epochs to the threshold over many seeds at the paper's rate."""
    cfg, sd = res.config, res.seeds
    s, t = sd["per_act"]["sigmoid"], sd["per_act"]["tanh"]
    return Finding(
        f"Over {cfg.seeds} seeds at lr {PAPER_LR} (corrected), epochs until the loss is below "
        f"{cfg.threshold:g}: median {s['median']} for sigmoid (converged {s['converged']}) and "
        f"{t['median']} for tanh (converged {t['converged']}); Mann-Whitney {_p(sd['mw_threshold'])}"
        f", P(tanh faster) = {sd['mw_threshold'].effect:.2f}.",
        TANH_FASTER,
        _VERDICT[_faster(sd["mw_threshold"])],
    )


def seeds_paper_definition(res: PaperResults) -> Finding:
    """Section 2 by the paper's own convergence definition."""
    cfg, sd = res.config, res.seeds
    s, t = sd["per_act"]["sigmoid"], sd["per_act"]["tanh"]
    return Finding(
        f"By the paper's own definition (loss < {cfg.threshold:g} and slope over {PAPER_WINDOW} "
        f"epochs < {PAPER_SLOPE_TOL:g}): median {s['paper_median']} for sigmoid and "
        f"{t['paper_median']} for tanh; {_p(sd['mw_paper'])}.",
        TANH_FASTER,
        _VERDICT[_faster(sd["mw_paper"])],
    )


def best_learning_rates(res: PaperResults) -> Finding:
    """Section 3: each activation at its own best learning rate of the grid."""
    cfg, sw = res.config, res.sweep
    ss, st = sw["per_act"]["sigmoid"], sw["per_act"]["tanh"]
    if ss["best_lr"] is None or st["best_lr"] is None:
        return Finding(
            "In the learning-rate sweep at least one activation never converged for most seeds "
            "at any rate of the grid, so no best rate could be compared.",
            TANH_FASTER,
            "undecided",
        )
    bs, bt = ss["rows"][ss["best_index"]], st["rows"][st["best_index"]]
    w3 = _faster(sw["mw_best"])
    ratio = bs["median"].value / bt["median"].value if bt["median"].value > 0 else math.inf
    if w3 == "tanh":
        verdict = "agrees, with a smaller gap" if ratio < _lr05_ratio(res) else "agrees"
    else:
        verdict = {
            "sigmoid": "disagrees",
            "neither": "disagrees: no significant difference once each has its best rate",
        }[w3]
    return Finding(
        f"Each at its own best learning rate of the grid ({len(sw['grid'])} rates, "
        f"{cfg.sweep_seeds} seeds each): sigmoid at lr {bs['lr']:g} needs a median of "
        f"{bs['median']} epochs (converged {bs['converged']}), tanh at lr {bt['lr']:g} needs "
        f"{bt['median']} (converged {bt['converged']}); ratio {ratio:.2g}, "
        f"{_p(sw['mw_best'])}.",
        TANH_FASTER,
        verdict,
    )


def rate_by_rate(res: PaperResults) -> Finding:
    """Section 3: which activation is faster at each learning rate of the grid."""
    cfg, sw = res.config, res.sweep
    groups: dict[str, list[str]] = {"tanh": [], "sigmoid": [], "neither": []}
    for r in sw["per_lr"]:
        groups[r["faster"]].append(f"{r['lr']:g}")
    return Finding(
        f"Rate by rate ({cfg.sweep_seeds} seeds each, Mann-Whitney p < 0.05, runs that never "
        f"converge counted as slowest): tanh was faster at {len(groups['tanh'])} of "
        f"{len(sw['per_lr'])} learning rates ({_list(groups['tanh'])}), sigmoid at "
        f"{len(groups['sigmoid'])} ({_list(groups['sigmoid'])}), neither at "
        f"{len(groups['neither'])} ({_list(groups['neither'])}).",
        "tanh converges much faster (at the paper's single rate)",
        "agrees at every rate of the grid"
        if len(groups["tanh"]) == len(sw["per_lr"])
        else "not at every learning rate"
        + (": sigmoid is faster at some" if groups["sigmoid"] else ""),
    )


def overshoot(res: PaperResults) -> Finding | None:
    """Section 3: where overshooting starts, against the curvature's stable rate (``None``
    when neither activation overshoots within the grid)."""
    ss, st = res.sweep["per_act"]["sigmoid"], res.sweep["per_act"]["tanh"]
    os_, ot = ss["overshoot_lr"], st["overshoot_lr"]
    if os_ is None and ot is None:
        return None
    stab_s, stab_t = ss["stable_lr_median"], st["stable_lr_median"]
    first = (
        "tanh"
        if (ot is not None and (os_ is None or ot < os_))
        else ("sigmoid" if (os_ is not None and (ot is None or os_ < ot)) else "both")
    )
    return Finding(
        f"Overshooting (the loss rising between epochs in at least half of the runs) starts "
        f"at lr {_lr(ot)} for tanh and at lr {_lr(os_)} for sigmoid; the curvature at "
        f"initialization gives a largest stable rate 2/lambda_max of {stab_t} for tanh and "
        f"{stab_s} for sigmoid (median over seeds).",
        "tanh risks overshooting the minimum",
        "agrees" if first == "tanh" else ("partly" if first == "both" else "disagrees"),
    )


def xor(res: PaperResults) -> Finding:
    """Section 4: XOR, each activation at its best rate."""
    xs, xt = res.tasks["xor"]["per_act"]["sigmoid"], res.tasks["xor"]["per_act"]["tanh"]
    if xs["best_lr"] is None or xt["best_lr"] is None:
        return Finding(
            "XOR: at least one activation converged in fewer than half of the runs at every "
            "learning rate of the grid, so no best rate could be compared.",
            TANH_FASTER,
            "undecided",
        )
    bs, bt = xs["rows"][xs["best_index"]], xt["rows"][xt["best_index"]]
    return Finding(
        f"XOR (2-2-1, per-unit bias), each at its best rate: sigmoid lr {bs['lr']:g}, median "
        f"{bs['median']} epochs, converged {bs['converged']}; tanh lr {bt['lr']:g}, median "
        f"{bt['median']}, converged {bt['converged']}; {_p(res.tasks['xor']['mw_best'])}.",
        TANH_FASTER,
        _VERDICT[_faster(res.tasks["xor"]["mw_best"])],
    )


def digits(res: PaperResults) -> Finding:
    """Section 4: digits, three vs not three, test accuracy at each one's best rate."""
    cfg, dg = res.config, res.tasks["digits"]
    ds, dt = dg["per_act"]["sigmoid"], dg["per_act"]["tanh"]
    acc_s = ds["accuracy"][ds["best_index"]]
    acc_t = dt["accuracy"][dt["best_index"]]
    return Finding(
        f"Digits, three vs not three ({dg['n_test']} test images, always answering 'not three' "
        f"scores {dg['baseline_accuracy']:.3f}), after {cfg.digits_epochs} epochs at each one's "
        f"best rate: test accuracy {_range(acc_s)} for sigmoid (lr {ds['best_lr']:g}) and "
        f"{_range(acc_t)} for tanh (lr {dt['best_lr']:g}), over {cfg.digits_seeds} seed(s).",
        TANH_FASTER,
        _digits_verdict(acc_s, acc_t),
    )


def depth_gradients(res: PaperResults) -> Finding:
    """Section 5: the first layer's gradient norm against the last's, at the deepest depth."""
    cfg, dd = res.config, res.depth
    deepest = max(dd["depths"])
    parts = []
    ratios = {}
    for act in DEPTH_ACTS:
        g0 = dd["per_act"][act][deepest]["grad_init"]
        with np.errstate(all="ignore"):
            r = _nanmedian(_ratio(g0[:, 0], g0[:, -1]))
        ratios[act] = float(r)
        text = f"{act} {r:.2g}"
        if r == 0:
            blocked = int(np.sum(g0[:, 0] == 0))
            text += (
                f" (in {blocked} of {len(g0)} seeds no gradient reaches the first layer: a "
                "layer whose ReLU units are all inactive for every case passes none back)"
            )
        parts.append(text)
    return Finding(
        f"With {deepest} hidden layers, the first layer's gradient norm at initialization is "
        f"this fraction of the last layer's (median over {cfg.depth_seeds} seeds): "
        + ", ".join(parts)
        + ".",
        VANISHING,
        "agrees for sigmoid"
        if ratios["sigmoid"] < 0.1
        else "no vanishing gradient seen for sigmoid at this depth",
    )


def depth_convergence(res: PaperResults) -> Finding:
    """Section 5: the share converged at the shallowest and the deepest depth."""
    cfg, dd = res.config, res.depth
    deepest, shallowest = max(dd["depths"]), min(dd["depths"])
    conv_parts = []
    for act in DEPTH_ACTS:
        a = dd["per_act"][act]
        conv_parts.append(
            f"{act}: {a[shallowest]['converged'].value:.0%} converged at depth "
            f"{shallowest}, {a[deepest]['converged'].value:.0%} at depth {deepest}"
        )
    return Finding(
        f"Within {cfg.epochs} epochs at lr {PAPER_LR}: " + "; ".join(conv_parts) + ".",
        VANISHING,
        "agrees"
        if dd["per_act"]["sigmoid"][deepest]["converged"].value
        < dd["per_act"]["sigmoid"][shallowest]["converged"].value
        else "no slowdown with depth for sigmoid",
    )


#: The findings in the order the report lists them; each returns a Finding (or None: no finding).
FINDINGS: tuple[Callable[[PaperResults], Finding | None], ...] = (
    seed1_original,
    seed1_corrected,
    gradient_check,
    seeds_threshold,
    seeds_paper_definition,
    best_learning_rates,
    rate_by_rate,
    overshoot,
    xor,
    digits,
    depth_gradients,
    depth_convergence,
)


def _findings(res: PaperResults) -> list[Finding]:
    """Every finding of :data:`FINDINGS` that applies to these results, in order."""
    return [f for f in (finding(res) for finding in FINDINGS) if f is not None]


def _digits_verdict(acc_s: np.ndarray, acc_t: np.ndarray) -> str:
    """Who is ahead on test accuracy, only if the seeds' ranges do not overlap."""
    if np.min(acc_t) > np.max(acc_s):
        return "tanh ahead (ranges do not overlap)"
    if np.min(acc_s) > np.max(acc_t):
        return "sigmoid ahead (ranges do not overlap)"
    return "no clear difference (ranges overlap)"


def _lr05_ratio(res: PaperResults) -> float:
    s = res.seeds["per_act"]["sigmoid"]["median"].value
    t = res.seeds["per_act"]["tanh"]["median"].value
    return s / t if t > 0 else math.inf


def _list(items: list[str]) -> str:
    return "lr " + ", ".join(items) if items else "none"


def _lr(v: float | None) -> str:
    return "never (within the grid)" if v is None else f"{v:g}"


def _range(a: np.ndarray) -> str:
    a = np.asarray(a, float)
    if a.size == 1:
        return f"{a[0]:.3f}"
    return f"median {np.median(a):.3f} (range {a.min():.3f} to {a.max():.3f})"
