"""The study report: per-axis numbers, heatmap table, files, incomplete studies."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet.study as gs
from glassnet.cli import cli
from glassnet.study.report import axis_summary, heatmap_table

SPEC = """
[study]
name = "report"
description = "Sigmoid against tanh on the paper's data."

[data]
dataset = "paper"

[model]
hidden = [[2]]
activation = ["sigmoid", "tanh"]
output = "same"
bias = "layer"
init = "uniform"

[train]
lr = [0.5, 2.0]
epochs = 150
seeds = 5

[convergence]
threshold = 0.05
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "study"
    return gs.run(gs.parse_spec(SPEC, "report.toml"), out, jobs=1)


def test_axis_summary_matches_the_runs(study):
    df = study.results()
    rows = axis_summary(df, "activation", n_boot=200)
    assert [r["value"] for r in rows] == ["sigmoid", "tanh"]
    for r in rows:
        sub = df[df["activation"] == r["value"]]
        assert r["runs"] == len(sub) == 10
        e = sub["epoch_threshold"].to_numpy(float)
        e[e < 0] = np.inf
        assert r["median_epochs"] == np.median(e) or (
            np.isinf(r["median_epochs"]) and (np.isinf(e).sum() > 5)
        )
        assert r["converged"] == sub["converged"].mean()
        assert r["converged_lo"] <= r["converged"] <= r["converged_hi"]
        assert r["median_epochs_lo"] <= r["median_epochs"] <= r["median_epochs_hi"]
        assert r["diverged"] == 0.0
    by = {r["value"]: r for r in rows}
    # the paper's claim, with exact gradients, on this grid: tanh converges in fewer epochs
    assert by["tanh"]["median_epochs"] < by["sigmoid"]["median_epochs"]


def test_heatmap_table(study):
    df = study.results()
    t = heatmap_table(df, "lr", "activation")
    assert t["rows"] == ["0.5", "2.0"] and t["columns"] == ["sigmoid", "tanh"]
    conv = np.array(t["converged"])
    for i, lr in enumerate((0.5, 2.0)):
        for j, act in enumerate(("sigmoid", "tanh")):
            sub = df[(df["lr"] == lr) & (df["activation"] == act)]
            assert conv[i, j] == sub["converged"].mean()


def test_report_files(study, tmp_path):
    out = study.report(tmp_path / "rep", n_boot=200)
    html = (out / "report.html").read_text()
    assert "Study: report" in html
    assert "Sigmoid against tanh" in html
    assert "By activation" in html and "By learning rate" in html
    assert "Learning rate x activation" in html
    assert "Mann-Whitney" in html or "U = " in html
    for name in ("curves_activation", "curves_lr", "heatmap_lr_activation"):
        assert (out / "figures" / f"{name}.png").is_file()
    heat = json.loads((out / "data" / "heatmap_lr_activation.json").read_text())
    assert heat["columns"] == ["sigmoid", "tanh"]
    assert (out / "data" / "runs.csv").read_text().count("\n") == 21  # header + 20 runs


def test_report_of_an_incomplete_study_says_so(tmp_path):
    out = tmp_path / "study"
    study = gs.run(gs.parse_spec(SPEC, "report.toml"), out, jobs=1)
    with sqlite3.connect(out / "study.sqlite") as db:
        db.execute("DELETE FROM runs WHERE json_extract(config, '$.activation') = 'tanh'")
    result = CliRunner().invoke(cli, ["study", "report", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out / "report" / "report.html")  # the file to open
    html = (out / "report" / "report.html").read_text()
    assert "Incomplete study" in html and "10 of 20 runs are still missing" in html
    assert study.status()["groups_missing"] == 1
