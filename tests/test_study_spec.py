"""Study specs: validation (every problem at once), grid expansion and grouping into populations."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from glassnet.cli import cli
from glassnet.study import SpecError, config_hash, group_key, load_spec, parse_spec
from glassnet.study.spec import resolve_output

GOOD = """
[study]
name = "grid"

[data]
dataset = ["paper", "xor"]

[model]
hidden = [[2], [4, 4]]
activation = ["sigmoid", "tanh"]
output = "same"
bias = "layer"
init = "uniform"

[train]
loss = "mse"
optimizer = "gd"
lr = [0.5, 1.0, 2.0]
epochs = 20
seeds = 4

[convergence]
threshold = 0.05
"""

BAD = """
[study]
name = "bad"

[data]
dataset = ["paper", "xorr", "diabetes"]

[model]
hidden = [[2], [4, 4]]
activation = ["sigmoid", "tahn", ["tanh", "relu"]]
output = "identity"
init = ["xavier", "normal(0.5)", "foo"]

[train]
loss = "bce"
optimizer = []
lr = [0.5, -1, 0.5]
epochs = 0
seeds = 3
batch_size = 100
lrs = 3

[convergence]
threshold = "x"
"""


def test_grid_expansion_counts_every_axis():
    spec = parse_spec(GOOD, "good.toml")
    assert spec.n_runs == 2 * 2 * 2 * 3 * 4 == 96
    runs = spec.runs()
    assert len(runs) == 96
    assert len({config_hash(c) for c in runs}) == 96
    # seed varies fastest, then lr
    assert [(c["lr"], c["seed"]) for c in runs[:5]] == [
        (0.5, 0),
        (0.5, 1),
        (0.5, 2),
        (0.5, 3),
        (1.0, 0),
    ]
    assert spec.axes["hidden"] == [[2], [4, 4]]
    assert spec.axes["dataset"] == [{"name": "paper"}, {"name": "xor"}]
    assert spec.axes["batch_size"] == [None]
    assert spec.varying_axes == ["dataset", "hidden", "activation", "lr"]


def test_spec_hash_ignores_comments_and_formatting_but_not_values():
    spec = parse_spec(GOOD, "a.toml")
    reformatted = "# a comment\n" + GOOD.replace("lr = [0.5, 1.0, 2.0]", "lr = [ 0.5,1.0 , 2.0 ]")
    assert parse_spec(reformatted, "b.toml").hash == spec.hash
    assert parse_spec(GOOD.replace("epochs = 20", "epochs = 21"), "c.toml").hash != spec.hash


def test_config_hash_is_sha256_of_canonical_json():
    cfg = {"lr": 0.5, "seed": 3, "activation": "tanh", "hidden": [4, 4]}
    text = '{"activation":"tanh","hidden":[4,4],"lr":0.5,"seed":3}'
    assert config_hash(cfg) == hashlib.sha256(text.encode()).hexdigest()[:16]
    assert config_hash(dict(reversed(list(cfg.items())))) == config_hash(cfg)


def test_every_problem_is_reported_at_once_with_file_and_key():
    with pytest.raises(SpecError) as info:
        parse_spec(BAD, "bad.toml")
    problems = info.value.problems
    assert all(p.startswith("bad.toml: ") for p in problems)
    keys = [p.split(": ")[1] for p in problems]
    assert sorted(keys) == sorted(
        [
            "train.lrs",  # unknown key
            "data.dataset[1]",  # unknown data set
            "model.activation[1]",  # unknown activation
            "model.init[2]",  # unknown initializer ("normal(0.5)" is fine)
            "train.optimizer",  # empty axis
            "train.epochs",  # out of range
            "train.lr[1]",  # negative
            "train.lr[2]",  # duplicate
            "convergence.threshold",  # wrong type
            "model.activation[2]",  # 2 per-layer activations vs 1 hidden layer
            "train.loss",  # bce with an identity output
            "train.batch_size",  # larger than the 4 samples of paper
            "train.loss",  # bce on a regression data set
        ]
    )
    text = str(info.value)
    assert "13 problems" in text
    by_key = {p.split(": ")[1]: p for p in problems}
    # unknown names: what came, what is expected and the near miss, from the one vocabulary
    for key, what, valid, near in (
        ("data.dataset[1]", "data set 'xorr'", "paper", "xor"),
        ("model.activation[1]", "activation 'tahn'", "sigmoid", "tanh"),
        ("train.lrs", "key 'lrs'", "epochs", "lr"),
    ):
        assert f"{key}: unknown {what}; expected one of " in by_key[key]
        assert valid in by_key[key] and by_key[key].endswith(f" (did you mean {near!r}?)")
    assert "model.init[2]: unknown initializer 'foo'; expected one of " in by_key["model.init[2]"]
    # numbers: the key, the expected range and the value that came
    assert by_key["train.epochs"].endswith("train.epochs: expected an integer >= 1, got 0 (int)")
    assert by_key["train.lr[1]"].endswith("expected a finite number > 0, got -1 (int)")
    assert by_key["convergence.threshold"].endswith(
        "convergence.threshold: expected a finite number > 0, got 'x' (str)"
    )


def test_cli_prints_every_problem_and_exits_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    result = CliRunner().invoke(cli, ["study", "run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert isinstance(result.exception, SpecError)
    assert len(result.exception.problems) == 13
    assert not (tmp_path / "o").exists()  # nothing ran, nothing was created


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[data\ndataset = 1\n")
    with pytest.raises(SpecError, match=r"broken\.toml: invalid TOML"):
        load_spec(path)


def test_missing_required_keys():
    with pytest.raises(SpecError) as info:
        parse_spec("[model]\nactivation = 'tanh'\n", "min.toml")
    assert [p.split(": ")[1] for p in info.value.problems] == [
        "data.dataset",
        "train.epochs",
        "train.lr",
    ]


def test_groups_are_populations_of_seeds_times_learning_rates():
    spec = parse_spec(GOOD, "good.toml")
    groups = spec.groups()
    # dataset x hidden x activation = 8 populations of 3 lr x 4 seeds
    assert len(groups) == 8
    assert [g.size for g in groups] == [12] * 8
    seen = set()
    for g in groups:
        members = {(c["lr"], c["seed"]) for c in g.configs}
        assert members == {(lr, s) for lr in (0.5, 1.0, 2.0) for s in range(4)}
        for c in g.configs:
            assert group_key(c) == g.key
            assert {k: v for k, v in c.items() if k not in ("lr", "seed")} == g.shared
            seen.add(config_hash(c))
    assert len(seen) == spec.n_runs
    assert len({g.key for g in groups}) == 8
    shared = {
        (g.shared["dataset"]["name"], tuple(g.shared["hidden"]), g.shared["activation"])
        for g in groups
    }
    assert len(shared) == 8


def test_groups_of_a_subset_and_max_population_chunks():
    spec = parse_spec(GOOD + "\n[run]\nmax_population = 5\n", "good.toml")
    groups = spec.groups()
    assert [g.size for g in groups] == [5, 5, 2] * 8
    assert groups[0].key == groups[1].key == groups[2].key
    subset = [c for c in spec.runs() if c["seed"] == 0 and c["activation"] == "tanh"]
    sub = spec.groups(subset)
    assert [g.size for g in sub] == [3, 3, 3, 3]
    assert all(g.shared["activation"] == "tanh" for g in sub)


def test_width_and_depth_axes_make_architectures():
    text = GOOD.replace("hidden = [[2], [4, 4]]", "width = 8\ndepth = [1, 3]")
    spec = parse_spec(text, "wd.toml")
    assert spec.axes["hidden"] == [[8], [8, 8, 8]]
    both = GOOD.replace("hidden = [[2], [4, 4]]", "hidden = [[2]]\nwidth = 8\ndepth = 2")
    with pytest.raises(SpecError, match=r"model\.hidden: give either hidden or width and depth"):
        parse_spec(both, "wd.toml")


def test_flat_hidden_list_is_an_axis_of_one_layer_widths():
    spec = parse_spec(GOOD.replace("hidden = [[2], [4, 4]]", "hidden = [2, 4, []]"), "h.toml")
    assert spec.axes["hidden"] == [[2], [4], []]


def test_output_same_follows_the_hidden_activation():
    assert resolve_output("same", "tanh") == "tanh01"
    assert resolve_output("same", "sigmoid") == "sigmoid"
    assert resolve_output("same", ["relu", "tanh"]) == "tanh01"
    assert resolve_output("softmax", "tanh") == "softmax"


def test_datasets_with_options_and_softmax_needs_classes():
    text = GOOD.replace(
        'dataset = ["paper", "xor"]', 'dataset = [{name = "blobs", n_samples = 60}, "xor"]'
    ).replace('output = "same"', 'output = "softmax"')
    with pytest.raises(SpecError) as info:
        parse_spec(text, "sm.toml")
    assert info.value.problems == [
        "sm.toml: model.output: a softmax output needs >= 2 target columns; xor has 1"
    ]
    ok = parse_spec(text.replace('"xor"]', '{name = "blobs", n_samples = 90}]'), "sm.toml")
    assert json.loads(json.dumps(ok.axes["dataset"])) == [
        {"name": "blobs", "n_samples": 60},
        {"name": "blobs", "n_samples": 90},
    ]


@pytest.mark.parametrize(
    ("name", "runs", "groups"),
    [("paper_at_scale.toml", 2800, 4), ("vanishing_gradients.toml", 576, 36)],
)
def test_example_specs_are_valid(name, runs, groups):
    from pathlib import Path

    spec = load_spec(Path(__file__).parent.parent / "examples" / name)
    assert spec.n_runs == runs
    assert len(spec.groups()) == groups


def test_the_spec_refuses_a_loss_its_output_cannot_feed_by_the_engines_rule():
    # the same rule as the API's (losses.check_pairing), named with the spec's keys
    text = """
[study]
name = "x"
[data]
dataset = "xor"
[model]
hidden = [[2]]
activation = "tanh"
output = ["sigmoid", "tanh"]
[train]
loss = "bce"
lr = 0.5
epochs = 5
seeds = 1
"""
    with pytest.raises(SpecError) as info:
        parse_spec(text, "s.toml")
    assert "s.toml: train.loss: model.output[1] = 'tanh' gives tanh: loss: bce needs" in str(
        info.value
    )


def _problems(text: str) -> dict[str, str]:
    """The problems of a bad spec, by key."""
    with pytest.raises(SpecError) as info:
        parse_spec(text, "s.toml")
    problems = info.value.problems
    assert all(p.startswith("s.toml: ") for p in problems)
    return {p.split(": ")[1]: p for p in problems}


def test_two_bad_keys_are_two_problems_each_with_key_expectation_and_value():
    text = GOOD.replace("epochs = 20", "epochs = -3").replace(
        'activation = ["sigmoid", "tanh"]', 'activation = ["sigmoid", "tnah"]'
    )
    with pytest.raises(SpecError, match=r"s\.toml: 2 problems in the study spec") as info:
        parse_spec(text, "s.toml")
    assert len(info.value.problems) == 2
    problems = _problems(text)
    assert sorted(problems) == ["model.activation[1]", "train.epochs"]
    assert (
        problems["train.epochs"] == "s.toml: train.epochs: expected an integer >= 1, got -3 (int)"
    )
    act = problems["model.activation[1]"]
    assert act.startswith("s.toml: model.activation[1]: unknown activation 'tnah'; expected one of")
    assert "sigmoid" in act and act.endswith(" (did you mean 'tanh'?)")


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('optimizer = "gd"', 'optimizer = "GDD"', "train.optimizer", ["unknown optimizer 'GDD'", "'gd'"]),
        ('bias = "layer"', "bias = 3", "model.bias", ["expected one of neuron, layer, none", "got 3 (int)"]),
        ("seeds = 4", "seeds = 0", "train.seeds", ["an integer >= 1 or a list of seeds", "got 0 (int)"]),
        ("seeds = 4", "seeds = true", "train.seeds", ["an integer >= 1 or a list of seeds", "True (bool)"]),
        ("seeds = 4", "seeds = [1, -1]", "train.seeds[1]", ["an integer in [0, 9223372036854775807]", "got -1 (int)"]),
        ("hidden = [[2], [4, 4]]", "hidden = [[2], [4, 0]]", "model.hidden[1][1]", ["an integer >= 1", "got 0 (int)"]),
        ("hidden = [[2], [4, 4]]", 'hidden = "big"', "model.hidden", ["an integer >= 1 or a list of widths", "'big' (str)"]),
        ("epochs = 20", "epochs = 20\nbatch_size = -1", "train.batch_size", ["one of full or an integer >= 0", "got -1 (int)"]),
        ("epochs = 20", 'epochs = 20\nbatch_size = "half"', "train.batch_size", ["one of full or an integer >= 0", "'half' (str)"]),
        ('init = "uniform"', 'init = "xavierr"', "model.init", ["unknown initializer 'xavierr'", "(did you mean 'xavier'?)"]),
        ('init = "uniform"', "init = 1", "model.init", ["expected an initializer name", "got 1 (int)"]),
        ("threshold = 0.05", "threshold = 0.05\npaper_window = 0", "convergence.paper_window", ["an integer >= 1", "got 0 (int)"]),
        ('[data]\n', '[data]\nvalidation = 0.95\n', "data.validation", ["a finite number in [0, 0.9]", "got 0.95 (float)"]),
        ('dataset = ["paper", "xor"]', 'dataset = ["paper", {name = "moonz"}]', "data.dataset[1]", ["unknown data set 'moonz'", "(did you mean 'moons'?)"]),
        ("[convergence]", "[convergance]", "convergance", ["unknown table 'convergance'", "(did you mean 'convergence'?)"]),
    ],
)  # fmt: skip
def test_each_check_names_key_expectation_and_value(old, new, key, words):
    assert old in GOOD
    problems = _problems(GOOD.replace(old, new, 1))
    assert key in problems, problems
    for word in words:
        assert word in problems[key]


def test_names_are_matched_in_any_case():
    spec = parse_spec(GOOD.replace('optimizer = "gd"', 'optimizer = "GD"'), "s.toml")
    assert spec.axes["optimizer"] == ["gd"]
    assert parse_spec(GOOD + "", "s.toml").axes["batch_size"] == [None]
    full = GOOD.replace("epochs = 20", 'epochs = 20\nbatch_size = "Full"')
    assert parse_spec(full, "s.toml").axes["batch_size"] == [None]
