"""Tests of ``glassnet paper``: the reproduction's numbers, the report, and bad options."""

import csv
import json
import math
import re

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli import main
from glassnet.experiments import paper

X4 = [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
Y4 = [0, 1, 1, 0]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("paper") / "report"
    main(["paper", "--quick", "--quiet", "--out", str(out)])
    return out


def _curves(out):
    with open(out / "data" / "paper_curves.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    curves = {}
    for r in rows:
        curves.setdefault((r["mode"], r["activation"]), []).append(
            (int(r["epoch"]), float(r["loss"]))
        )
    return {k: np.array([v for _, v in sorted(c)]) for k, c in curves.items()}, rows


# --- an independent, plain-loop implementation of PAPER.md's errata (not the trainer) ------
def _sig(x):
    return 1 - 1 / (1 + math.exp(x)) if x < 0 else 1 / (1 + math.exp(-x))


def _errata_reference(name, eta=0.5, epochs=100):
    rs = np.random.RandomState(1)
    S0 = (2 * rs.rand(3, 2) - 1).tolist()
    S1 = (2 * rs.rand(2, 1) - 1).tolist()
    b0, b1 = rs.uniform(-1, 1), rs.uniform(-1, 1)
    f = _sig if name == "sigmoid" else (lambda x: 2 * _sig(2 * x) - 1)
    if name == "sigmoid":
        df = lambda x: _sig(x) * (1 - _sig(x))  # noqa: E731
    else:
        df = lambda x: 4 * _sig(2 * x) * (_sig(2 * x) - 1)  # noqa: E731  (sign as in the paper)
    out = []
    for _ in range(epochs):
        L1 = [
            [f(sum(X4[i][k] * S0[k][j] for k in range(3)) + b0) for j in range(2)] for i in range(4)
        ]
        L2 = []
        for i in range(4):
            z = L1[i][0] * S1[0][0] + L1[i][1] * S1[1][0] + b1
            L2.append((f(z) + 1) / 2 if name == "tanh" else f(z))
        out.append(sum((Y4[i] - L2[i]) ** 2 for i in range(4)) / 4)
        d2 = [2 * (Y4[i] - L2[i]) * df(L2[i]) * eta for i in range(4)]
        d1 = [[d2[i] * S1[j][0] * df(L1[i][j]) * eta for j in range(2)] for i in range(4)]
        for j in range(2):
            S1[j][0] += sum(L1[i][j] * d2[i] for i in range(4))
        b1 += sum(d2) / 4
        for k in range(3):
            for j in range(2):
                S0[k][j] += sum(X4[i][k] * d1[i][j] for i in range(4))
        b0 += sum(sum(r) for r in d1) / 8
    return np.array(out)


def _exact_gd_reference(name, lr=0.5, epochs=100):
    """Exact gradient descent on sum of squared errors, written out by hand (numpy)."""
    rs = np.random.RandomState(1)
    S0, S1 = 2 * rs.rand(3, 2) - 1, 2 * rs.rand(2, 1) - 1
    b0, b1 = rs.uniform(-1, 1), rs.uniform(-1, 1)
    X, y = np.array(X4, float), np.array(Y4, float)[:, None]
    out = []
    for _ in range(epochs):
        z1 = X @ S0 + b0
        a1 = 1 / (1 + np.exp(-z1)) if name == "sigmoid" else np.tanh(z1)
        d1f = a1 * (1 - a1) if name == "sigmoid" else 1 - a1**2
        z2 = a1 @ S1 + b1
        if name == "sigmoid":
            a2 = 1 / (1 + np.exp(-z2))
            d2f = a2 * (1 - a2)
        else:
            a2 = (np.tanh(z2) + 1) / 2
            d2f = (1 - np.tanh(z2) ** 2) / 2
        out.append(float(np.mean((y - a2) ** 2)))
        d2 = 2 * (a2 - y) * d2f
        d1 = (d2 @ S1.T) * d1f
        S1, b1, S0, b0 = (
            S1 - lr * a1.T @ d2,
            b1 - lr * d2.sum(),
            S0 - lr * X.T @ d1,
            b0 - lr * d1.sum(),
        )
    return np.array(out)


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_original_curves_match_independent_errata(quick_report, act):
    curves, _ = _curves(quick_report)
    np.testing.assert_allclose(curves[("original", act)], _errata_reference(act), rtol=1e-10)


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_corrected_curves_match_engine_and_hand_gd(quick_report, act):
    curves, _ = _curves(quick_report)
    X, y = gn.datasets.load("paper")
    net = gn.Network(
        [3, 2, 1],
        activation=act,
        output="tanh01" if act == "tanh" else "sigmoid",
        bias="layer",
        init="paper",
        seed=1,
    )
    hist = net.fit(X, y, loss="sse", optimizer="gd", lr=0.5, epochs=100)
    np.testing.assert_allclose(curves[("corrected", act)], hist.loss / 4, rtol=1e-12)
    np.testing.assert_allclose(curves[("corrected", act)], _exact_gd_reference(act), rtol=1e-9)


# the page's section ids, in order, written out by hand (the report adds "data-files")
PAGE_IDS = ["findings", "reproduction", "seeds", "learning-rates", "tasks", "depth", "rerun"]


def _section_ids(page):
    return re.findall(r'<section id="([^"]+)">', page)


def test_every_section_has_a_report_writer():
    names = [w.name for w in paper.REPORT_SECTIONS]
    assert len(set(names)) == len(names)
    fields = [s.field for s in paper.SECTIONS]
    # each computed section is written, in the order it runs
    assert [n for n in names if n in fields] == fields
    assert names[0] == "findings" and names[-2:] == ["evolution", "rerun"]


def test_report_sections_in_order(quick_report):
    page = (quick_report / "report.html").read_text()
    assert _section_ids(page) == [*PAGE_IDS, "data-files"]


def test_curves_file_layout(quick_report):
    curves, rows = _curves(quick_report)
    assert list(rows[0]) == ["mode", "activation", "epoch", "loss"]
    assert sorted(curves) == [
        ("corrected", "sigmoid"),
        ("corrected", "tanh"),
        ("original", "sigmoid"),
        ("original", "tanh"),
    ]
    assert all(len(c) == 100 for c in curves.values())
    assert {int(r["epoch"]) for r in rows} == set(range(100))


def test_html_is_self_contained(quick_report):
    page = (quick_report / "report.html").read_text()
    srcs = re.findall(r"src\s*=\s*[\"']([^\"']*)", page)
    assert srcs and all(s.startswith("data:image/") for s in srcs)
    assert "http" not in page
    assert "<link" not in page and "<script" not in page
    names = re.findall(r'<figure id="fig-([^"]+)"', page)
    assert len(names) >= 10
    for n in names:
        assert (quick_report / "figures" / f"{n}.png").stat().st_size > 0
        assert (quick_report / "figures" / f"{n}.svg").stat().st_size > 0
    assert gn.__version__ in page or "glassnet version" in page
    assert "glassnet paper --out" in page  # the rerun command


def test_summary_consistent_with_data(quick_report):
    summary = json.loads((quick_report / "data" / "summary.json").read_text())
    curves, _ = _curves(quick_report)
    for mode in ("original", "corrected"):
        for act in ("sigmoid", "tanh"):
            s = summary["seed1"][mode][act]
            assert s["final_loss"] == curves[(mode, act)][99]
            assert s["initial_loss"] == curves[(mode, act)][0]
    assert summary["seed1"]["corrected"]["tanh"]["gradient_check"]["passed"] is True
    with open(quick_report / "data" / "seeds_epochs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for act in ("sigmoid", "tanh"):
        ep = np.array([int(r["threshold_epoch"]) for r in rows if r["activation"] == act])
        conv = summary["seeds"][act]["converged"]
        assert conv["n"] == ep.size == summary["settings"]["seeds"]
        assert conv["k"] == int((ep >= 0).sum())
        med = summary["seeds"][act]["median_epochs"]["value"]
        expect = np.median(np.where(ep >= 0, ep, np.inf))
        assert (med is None and not np.isfinite(expect)) or med == expect
        best = summary["lr_sweep"][act]["best_lr"]
        assert best is None or best in summary["settings"]["lr_grid"]
    assert summary["findings"] and all(f["verdict"] for f in summary["findings"])
    assert summary["glassnet_version"] == gn.__version__


def test_same_arguments_same_data(tmp_path, monkeypatch):
    # figures are not the point here: skip rendering to keep the test fast
    monkeypatch.setattr("glassnet.report.render_figure", lambda fig, dpi=110: (b"png", "<svg/>"))
    cfg = paper.make_config(quick=True, seeds=4, epochs=20, lr_grid="0.5,2")
    a = paper.run_paper(tmp_path / "a", cfg)[1]
    b = paper.run_paper(tmp_path / "b", cfg)[1]
    files = sorted(p.name for p in (a / "data").iterdir())
    assert "summary.json" in files and "paper_curves.csv" in files
    for name in files:
        assert (a / "data" / name).read_bytes() == (b / "data" / name).read_bytes(), name


def test_failure_leaves_no_report(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash")

    from glassnet.experiments.paper import sections

    last = paper.SECTIONS[-1]
    monkeypatch.setattr(
        sections, "SECTIONS", (*paper.SECTIONS[:-1], paper.Section(last.field, boom, last.steps))
    )
    with pytest.raises(RuntimeError):
        paper.run_paper(tmp_path / "r", paper.make_config(quick=True, seeds=4, epochs=20))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "-3"], "seeds"),
        (["--seeds", "0"], "seeds"),
        (["--epochs", "5"], "epochs"),
        (["--lr-grid", ""], "lr-grid"),
        (["--lr-grid", "0.1,-1"], "lr-grid"),
        (["--lr-grid", "1:10"], "lr-grid"),
        (["--threshold", "0"], "threshold"),
        (["--seeds", "many"], "seeds"),
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "r"
    with pytest.raises(SystemExit) as exc:
        main(["paper", "--quiet", "--out", str(out), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_out_is_a_file_or_foreign_dir(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["paper", "--quiet", "--out", str(f)])
    assert exc.value.code == 2 and "is a file" in capsys.readouterr().err
    d = tmp_path / "notes"
    d.mkdir()
    (d / "mine.txt").write_text("keep")
    with pytest.raises(SystemExit) as exc:
        main(["paper", "--quiet", "--out", str(d)])
    assert exc.value.code == 2 and "not a glassnet report" in capsys.readouterr().err
    assert (d / "mine.txt").read_text() == "keep"


def test_parse_lr_grid():
    assert paper.parse_lr_grid("0.01:1:3") == (0.01, 0.1, 1.0)
    assert paper.parse_lr_grid("2, 0.5,2") == (0.5, 2.0)
    assert paper.parse_lr_grid([1, 0.1]) == (0.1, 1.0)
    with pytest.raises(ValueError, match="lr-grid"):
        paper.parse_lr_grid("a,b")


def test_hessian_lambda_max_of_a_linear_model():
    # C = sum (X w - y)^2 has Hessian 2 X^T X (exact; finite differences are exact too)
    X = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    y = np.array([[1.0], [0.0], [2.0]])
    expect = np.linalg.eigvalsh(2 * X.T @ X).max()
    net = gn.Network([2, 1], output="identity", bias="none", seed=[0, 1, 2])
    lam = paper.hessian_lambda_max(net, X, y, loss="sse", iters=60)
    np.testing.assert_allclose(lam, expect, rtol=1e-6)
    single = gn.Network([2, 1], output="identity", bias="none", seed=0)
    before = single.layers[0].W.copy()
    assert paper.hessian_lambda_max(single, X, y, iters=60)[0] == pytest.approx(expect, rel=1e-6)
    assert np.array_equal(single.layers[0].W, before)


def test_rerun_command_round_trips():
    import shlex

    cfg = paper.make_config(seeds=17, epochs=123, lr_grid="0.0123456789,0.5,3", threshold=0.02)
    argv = shlex.split(paper.rerun_command(cfg, "some dir"))
    assert argv[:2] == ["glassnet", "paper"]
    opts = dict(zip(argv[2::2], argv[3::2], strict=False))
    assert opts["--out"] == "some dir"
    again = paper.make_config(
        seeds=int(opts["--seeds"]),
        epochs=int(opts["--epochs"]),
        lr_grid=opts["--lr-grid"],
        threshold=float(opts["--threshold"]),
    )
    assert again == cfg


def test_evolution_section_is_opt_in(tmp_path, monkeypatch):
    from glassnet.experiments import evolution

    monkeypatch.setattr("glassnet.report.render_figure", lambda fig, dpi=110: (b"png", "<svg/>"))
    monkeypatch.setattr(
        "glassnet.experiments.paper.sections._evolution_config",
        lambda cfg: evolution.make_config(
            seeds=2,
            gd_epochs=30,
            generations=5,
            population=6,
            survivors=2,
            datasets=("paper",),
            activations=("tanh",),
        ),
    )
    small = {"quick": True, "seeds": 4, "epochs": 20, "lr_grid": "0.5"}
    seen = []
    cfg = paper.make_config(**small, evolution=True)
    out = paper.run_paper(tmp_path / "r", cfg, progress=lambda s, d, t: seen.append((d, t, s)))[1]
    assert seen[-1][0] == seen[-1][1] == paper.n_steps(cfg)
    # each call names the step now running, with the steps finished before it
    assert seen[0] == (0, paper.n_steps(cfg), "seed 1: sigmoid")
    assert [d for d, _, _ in seen] == list(range(paper.n_steps(cfg) + 1))
    page = (out / "report.html").read_text()
    assert 'id="evolution"' in page and "--evolution" in page
    assert _section_ids(page) == [*PAGE_IDS[:-1], "evolution", "rerun", "data-files"]
    assert (out / "data" / "evolution_summary.csv").exists()
    plain = paper.run_paper(tmp_path / "p", paper.make_config(**small))[1]
    assert 'id="evolution"' not in (plain / "report.html").read_text()
    assert not list((plain / "data").glob("evolution_*"))


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"seeds": 1}, ValueError, r"^seeds: expected an integer in \[2, 1000000\], got 1 \(int\)$"),
        ({"seeds": 2.5}, TypeError, r"^seeds: expected an integer in \[2, 1000000\], got 2.5 \(float\)$"),
        ({"epochs": 9}, ValueError, r"^epochs: expected an integer >= 10, got 9 \(int\)$"),
        ({"threshold": 1.0}, ValueError, r"^threshold: expected a finite number in \(0, 1\), got 1.0"),
        ({"threshold": "x"}, TypeError, r"^threshold: expected a finite number in \(0, 1\), got 'x'"),
        ({"lr_grid": "0.1,nan"}, ValueError, r"^lr-grid: expected a finite number > 0, got nan"),
        ({"lr_grid": [0.5, -2]}, ValueError, r"^lr-grid: expected a finite number > 0, got -2.0"),
    ],
)  # fmt: skip
def test_make_config_names_setting_expectation_and_value(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        paper.make_config(quick=True, **kwargs)


def test_a_note_added_to_a_report_folder_is_not_replaced_with_the_report(tmp_path, capsys):
    # an earlier report (its marker lists its files) with the user's notes beside it: paper
    # refuses before computing anything, one line naming --out and the note, the note kept
    from glassnet.report import MARKER

    out = tmp_path / "report"
    (out / "figures").mkdir(parents=True)
    (out / "report.html").write_text("<html></html>")
    (out / "figures" / "a.png").write_bytes(b"png")
    (out / MARKER).write_text("glassnet report\nfigures/a.png\nreport.html\n")
    (out / "notes.md").write_text("what I saw")
    with pytest.raises(SystemExit) as exc:
        main(["paper", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1
    assert "--out" in err and "(notes.md)" in err and "refusing to replace it" in err
    assert (out / "notes.md").read_text() == "what I saw"
    assert (out / "report.html").read_text() == "<html></html>"
