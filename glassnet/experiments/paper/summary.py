"""The headline numbers of a run (``data/summary.json``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import stats
from glassnet.experiments.paper.results import (
    PaperResults,
)
from glassnet.experiments.paper.settings import (
    ACTS,
    DEPTH_ACTS,
    PAPER_EPOCHS,
    PAPER_LR,
)


def _summary(res: PaperResults) -> dict:
    cfg = res.config
    s1 = {
        mode: {
            act: {
                "initial_loss": float(res.seed1[mode][act][0]),
                "final_loss": float(res.seed1[mode][act][-1]),
                "final_epoch": PAPER_EPOCHS - 1,
            }
            for act in ACTS
        }
        for mode in ("original", "corrected")
    }
    for act in ACTS:
        s1["corrected"][act]["gradient_check"] = res.seed1["gradient_check"][act]
    seeds = {
        act: {
            "n": cfg.seeds,
            "lr": PAPER_LR,
            "converged": res.seeds["per_act"][act]["converged"].to_dict(),
            "median_epochs": res.seeds["per_act"][act]["median"].to_dict(),
            "paper_converged": res.seeds["per_act"][act]["paper_converged"].to_dict(),
            "paper_median_epochs": res.seeds["per_act"][act]["paper_median"].to_dict(),
        }
        for act in ACTS
    }
    seeds["mann_whitney_threshold"] = res.seeds["mw_threshold"].to_dict()
    seeds["mann_whitney_paper"] = res.seeds["mw_paper"].to_dict()
    sweep: dict[str, Any] = {}
    for act in ACTS:
        a = res.sweep["per_act"][act]
        row = a["rows"][a["best_index"]]
        sweep[act] = {
            "best_lr": a["best_lr"],
            "median_epochs_at_best": row["median"].to_dict(),
            "converged_at_best": row["converged"].to_dict(),
            "overshoot_lr": a["overshoot_lr"],
            "stable_lr_2_over_lambda_max": a["stable_lr_median"].to_dict(),
        }
    sweep["mann_whitney_best"] = res.sweep["mw_best"].to_dict() if res.sweep["mw_best"] else None
    sweep["equal_lr"] = [
        {"lr": r["lr"], "faster": r["faster"], "mann_whitney": r["test"].to_dict()}
        for r in res.sweep["per_lr"]
    ]
    xor = {
        act: {
            "best_lr": res.tasks["xor"]["per_act"][act]["best_lr"],
            "converged_at_best": res.tasks["xor"]["per_act"][act]["rows"][
                res.tasks["xor"]["per_act"][act]["best_index"]
            ]["converged"].to_dict(),
            "median_epochs_at_best": res.tasks["xor"]["per_act"][act]["rows"][
                res.tasks["xor"]["per_act"][act]["best_index"]
            ]["median"].to_dict(),
        }
        for act in ACTS
    }
    dg = res.tasks["digits"]
    digits = {
        "baseline_accuracy": dg["baseline_accuracy"],
        **{
            act: {
                "best_lr": dg["per_act"][act]["best_lr"],
                "median_test_accuracy": float(
                    np.median(dg["per_act"][act]["accuracy"][dg["per_act"][act]["best_index"]])
                ),
            }
            for act in ACTS
        },
    }
    depth = {
        act: {
            str(d): {
                "converged": res.depth["per_act"][act][d]["converged"].to_dict(),
                "median_epochs": res.depth["per_act"][act][d]["median"].to_dict(),
            }
            for d in res.depth["depths"]
        }
        for act in DEPTH_ACTS
    }
    return stats.jsonable(  # type: ignore[return-value]
        {
            "glassnet_version": res.version,
            "settings": cfg.to_dict(),
            "loss": "mean over the training cases of (y - output)^2",
            "seed1": s1,
            "seeds": seeds,
            "lr_sweep": sweep,
            "xor": xor,
            "digits": digits,
            "depth": depth,
            "findings": [f.to_dict() for f in res.findings],
        }
    )
