"""The report as a reader sees it: contents numbered once, a page that fits a phone (420 px,
checked in Debian's Chromium), figures without overlapping tick labels or empty axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glassnet import stats
from glassnet.experiments import paper
from glassnet.experiments.paper import figures
from glassnet.report import Report

CHROMIUM = Path("/usr/bin/chromium")


def _report() -> Report:
    rep = Report("A report", meta={"rerun exactly": "glassnet paper --lr-grid " + ",".join(
        f"{v:.5f}" for v in np.geomspace(0.01, 10, 13))})  # fmt: skip
    s = rep.section("1. First part", "first")
    s.table([{f"a long column name {i}": 0.123456 * i for i in range(12)}], caption="wide")
    s.code("glassnet paper --out somewhere --seeds 200 --epochs 1000 --lr-grid " + "0.1," * 40)
    rep.section("2. Second part", "second").text("x")
    return rep


def test_contents_are_numbered_once():
    page = _report().to_html()
    assert '<ul class="toc">' in page and '<ol class="toc">' not in page
    assert '<li><a href="#first">1. First part</a></li>' in page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_page_fits_a_phone(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    out = _report().write(tmp_path / "r")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 420, "height": 800})
            page.goto((out / "report.html").as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
            marker = page.evaluate(
                "getComputedStyle(document.querySelector('.toc li')).listStyleType"
            )
        finally:
            browser.close()
    assert width <= 420  # no sideways scrolling of the page (wide tables scroll in place)
    assert marker == "none"


def _overlapping_tick_labels(fig) -> list[tuple[str, str]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_majorticklabels() + axis.get_minorticklabels()
                      if t.get_visible() and t.get_text()]  # fmt: skip
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
            for i, (a, box_a) in enumerate(boxes):
                bad += [(a, b) for b, box_b in boxes[i + 1 :] if box_a.overlaps(box_b)]
    return bad


def test_log_axes_have_plain_labels_that_do_not_overlap():
    # the digits figure: learning rates 0.3, 1 and 3 once gave "3e-01" over "4e-01"
    acc = np.array([[0.9, 0.9], [0.98, 0.99], [0.99, 0.995]])
    per = {
        a: {"accuracy": acc, "best_index": 1, "train_loss": np.geomspace(0.3, 0.01, 60)[None, None]
            * np.ones((3, 2, 1))}
        for a in ("sigmoid", "tanh")
    }  # fmt: skip
    fig = figures._fig_digits({"lrs": [0.3, 1.0, 3.0], "per_act": per, "baseline_accuracy": 0.9})
    figures._plain_log_ticks(fig)
    assert _overlapping_tick_labels(fig) == []
    labels = [t.get_text() for t in fig.axes[0].xaxis.get_minorticklabels() if t.get_text()]
    assert "0.3" in labels and not any("e-01" in t for t in labels)


def test_mean_loss_band_has_no_negative_epochs_and_no_floor_band():
    epochs, seeds = 50, 8
    rng = np.random.default_rng(0)
    mse = np.geomspace(0.3, 1e-3, epochs)[None] * rng.uniform(0.1, 2, (seeds, 1))
    per = {a: {"mse": mse, "band": stats.mean_band(mse)} for a in ("sigmoid", "tanh")}
    cfg = paper.make_config(quick=True, epochs=epochs)
    fig = figures._fig_band({"per_act": per}, cfg)
    ax = fig.axes[0]
    assert ax.get_xlim()[0] == 0  # the symlog axis has no empty negative half
    # the band stops at the smallest seed's loss; the view a decade below the lowest mean
    assert ax.get_ylim()[0] == pytest.approx(min(per["tanh"]["band"].mean.min(), 0.01) / 10)
    lower = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert lower.min() >= mse.min(axis=0).min() * (1 - 1e-12)


def test_interval_of_never_is_not_never_to_never():
    assert stats.fmt_ci(np.inf, np.inf, np.inf) == "never (95% CI never)"
    assert stats.fmt_ci(12, 10, np.inf) == "12 (95% CI 10 to never)"
