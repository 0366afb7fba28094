"""The paper's findings, each computed from hand-built results (no training), and the step
count driven by the one list of sections."""

from __future__ import annotations

import numpy as np

from glassnet import stats
from glassnet.experiments import paper
from glassnet.experiments.paper import findings


def _res(**parts):
    res = paper.PaperResults(paper.make_config(quick=True, seeds=4, epochs=20))
    for k, v in parts.items():
        setattr(res, k, v)
    return res


def test_seed1_finding_from_hand_built_curves():
    # sigmoid ends at 0.2, tanh at 0.05: tanh lower by a factor of 4
    curves = {"sigmoid": np.array([0.3, 0.2]), "tanh": np.array([0.3, 0.05])}
    res = _res(seed1={"original": curves, "corrected": dict(reversed(list(curves.items())))})
    f = findings.seed1_original(res)
    assert isinstance(f, paper.Finding)
    assert "is 0.2 with sigmoid and 0.05 with tanh (tanh ends lower, a factor of 4)" in f.claim
    assert f.verdict == "agrees" and f["verdict"] == "agrees"
    swapped = {"sigmoid": np.array([0.3, 0.05]), "tanh": np.array([0.3, 0.2])}
    res.seed1["corrected"] = swapped
    assert findings.seed1_corrected(res).verdict == "disagrees"


def test_overshoot_finding_absent_when_nothing_overshoots():
    ci = stats.Estimate(1.0, 0.5, 2.0, 10)
    per = {a: {"overshoot_lr": None, "stable_lr_median": ci} for a in ("sigmoid", "tanh")}
    assert findings.overshoot(_res(sweep={"per_act": per})) is None
    per["tanh"]["overshoot_lr"] = 3.0
    f = findings.overshoot(_res(sweep={"per_act": per}))
    assert f is not None and f.verdict == "agrees"
    assert "starts at lr 3 for tanh and at lr never (within the grid) for sigmoid" in f.claim


def test_digits_verdict_needs_ranges_that_do_not_overlap():
    def res_with(acc_s, acc_t):
        per = {
            a: {"accuracy": np.array([acc]), "best_index": 0, "best_lr": 1.0}
            for a, acc in (("sigmoid", acc_s), ("tanh", acc_t))
        }
        dg = {"per_act": per, "n_test": 100, "baseline_accuracy": 0.9}
        return _res(tasks={"digits": dg})

    assert findings.digits(res_with([0.91, 0.92], [0.95, 0.97])).verdict.startswith("tanh ahead")
    assert findings.digits(res_with([0.91, 0.96], [0.95, 0.97])).verdict.startswith("no clear")


def test_every_finding_is_listed_once():
    assert len(set(paper.FINDINGS)) == len(paper.FINDINGS) == 12


def test_step_count_is_the_sections_sum():
    cfg = paper.make_config(quick=True)
    # 2 seed-1 runs, 2 many-seed runs, 2 sweeps + 2 Hessians, 2 XOR + 2 digits, 3 x depths
    expected = 2 + 2 + 4 + 4 + 3 * len(cfg.depths)
    assert sum(s.steps(cfg) for s in paper.SECTIONS) == expected
    assert paper.n_steps(cfg) == expected + 2


def test_backend_setting():
    import pytest

    assert paper.make_config(quick=True).backend == "numpy"
    # the default leaves the settings (and so summary.json) as they were before the option
    assert "backend" not in paper.make_config(quick=True).to_dict()
    jax_cfg = paper.make_config(quick=True, backend="jax")
    assert jax_cfg.to_dict()["backend"] == "jax"
    assert paper.rerun_command(jax_cfg, "r").endswith("--quick --backend jax")
    with pytest.raises(
        ValueError, match=r"backend: expected one of numpy, jax, got 'torch' \(str\)"
    ):
        paper.make_config(backend="torch")


def test_jax_backend_reproduces_seed_one():
    import pytest

    pytest.importorskip("jax")
    from glassnet.experiments.paper import sections

    def curves(backend):
        cfg = paper.make_config(quick=True, backend=backend)
        return sections._section1(cfg, lambda stage: None)["corrected"]

    want, got = curves("numpy"), curves("jax")
    for act in ("sigmoid", "tanh"):
        np.testing.assert_allclose(got[act], want[act], rtol=1e-9)


def test_a_zero_gradient_ratio_is_explained():
    # relu: in 3 of 4 seeds the first layer gets no gradient at all (a dead layer above it)
    g = {
        "sigmoid": np.array([[1e-5, 1.0]] * 4),
        "tanh": np.array([[0.1, 1.0]] * 4),
        "relu": np.array([[0.0, 1.0]] * 3 + [[0.5, 1.0]]),
    }
    depth = {a: {1: {"grad_init": v, "converged": stats.proportion(np.ones(4, bool))}}
             for a, v in g.items()}  # fmt: skip
    f = findings.depth_gradients(_res(depth={"depths": [1], "per_act": depth}))
    assert "sigmoid 1e-05, tanh 0.1, relu 0 (in 3 of 4 seeds no gradient reaches the first " in (
        f.claim
    )
    assert f.verdict == "agrees for sigmoid"
