"""glassnet.study.spec against references written out by hand, for the survivors of its
mutation run (tests/mutation/survivors.md): the labels of the docstrings' examples, the axis
lookup's refusal, the rule that a target of 0s and 1s whose rows hold one 1 (or a single column)
is a classification; every problem of a spec word for word (the format's
``"<file>: <key>: <what is wrong>"``), the memory bound against its formula computed by hand,
the documented defaults, the normalised values, CSV paths and load_spec's refusals.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.study import spec as gs


def test_the_labels_of_the_docstrings_examples():
    assert gs.hidden_label([8, 8]) == "8-8" and gs.hidden_label([3]) == "3"
    assert gs.hidden_label([]) == "none"
    assert gs.activation_label("tanh") == "tanh"
    assert gs.activation_label(["tanh", "relu"]) == "tanh,relu"


def test_an_axis_by_name_and_an_unknown_one_refused():
    for name in gs.AXES:
        assert gs.axis(name).name == name
    assert gs.axis("lr") is not gs.axis("epochs")
    with pytest.raises(ValueError) as err:
        gs.axis("nope")
    assert str(err.value) == f"axis: unknown axis 'nope'; axes: {', '.join(gs.AXES)}"
    assert str(err.value).startswith("axis: unknown axis 'nope'; axes: dataset, ")


@pytest.mark.parametrize(
    "y, want",
    [
        ([[0], [1], [1]], True),  # one 0/1 column
        ([[1, 0, 0], [0, 0, 1]], True),  # one-hot rows
        ([[1, 1, 0], [0, 0, 1]], False),  # a row of two 1s: not one class per row
        ([[0, 0], [0, 1]], False),  # a row of no 1: not one-hot
        ([[0.5], [1]], False),  # not 0/1
        ([[2], [1]], False),
        ([[0], [0]], True),
    ],
)
def test_a_classification_target_is_0_1_with_one_1_per_row(y, want):
    assert gs._is_classification(np.array(y, dtype=float)) is want


# -- parse_spec's problems, word for word (the spec format's "<file>: <key>: <what is wrong>")

_XOR = '[data]\ndataset = "xor"\n[train]\nlr = 0.1\nepochs = 5\n'
_NO_DATA = "[train]\nlr = 0.1\nepochs = 5\n"
_DIGITS = '[data]\ndataset = "digits"\n[train]\nlr = 0.1\nepochs = 5\n'
_ONE_OF_MODEL = "activation, backend, bias, depth, dtype, hidden, init, kernel, output, width"
_DATA_SETS = "and, blobs, circles, diabetes, digits, meals, moons, or, paper, spirals, xor"


def _problems(text, base_dir=None):
    with pytest.raises(gs.SpecError) as err:
        gs.parse_spec(text, source="s.toml", base_dir=base_dir)
    return err.value.problems


@pytest.mark.parametrize(
    "text, want",
    [
        # the architecture: hidden, or width and depth
        (
            _XOR + "[model]\nhidden = 2\nwidth = 2\n",
            ["model.hidden: give either hidden or width and depth, not both"],
        ),
        (_XOR + "[model]\nwidth = 2\n", ["model.depth: missing (required)"]),
        (_XOR + "[model]\ndepth = 2\n", ["model.width: missing (required)"]),
        (
            _XOR + "[model]\nwidth = 2\ndepth = 1000\n",
            ["model.depth: expected an integer in [0, 998], got 1000 (int)"],
        ),
        (
            _XOR + "[model]\nhidden = 0\n",
            ["model.hidden[0][0]: expected an integer >= 1, got 0 (int)"],
        ),
        (
            _XOR + "[model]\nhidden = [[2, 0]]\n",
            ["model.hidden[0][1]: expected an integer >= 1, got 0 (int)"],
        ),
        (
            _XOR + '[model]\nhidden = "a"\n',
            ["model.hidden: expected an integer >= 1 or a list of widths, got 'a' (str)"],
        ),
        (
            _XOR + "[model]\nhidden = true\n",
            ["model.hidden: expected an integer >= 1 or a list of widths, got True (bool)"],
        ),
        (
            _XOR + "[model]\nhidden = []\n",
            ["model.hidden: empty list: an axis needs at least one value"],
        ),
        (
            _XOR + "[model]\nhidden = [2, 2]\n",
            ["model.hidden[1]: duplicate value 2: the same runs would train twice"],
        ),
        # the data sets
        (
            "[data]\ndataset = 3\n" + _NO_DATA,
            ["data.dataset: expected a data set name or a table {name = ..., ...}, got 3"],
        ),
        (
            '[data]\ndataset = {name = "xor", csv = "a.csv"}\n' + _NO_DATA,
            ["data.dataset: give either name or csv, not both"],
        ),
        (
            "[data]\ndataset = {csv = 3}\n" + _NO_DATA,
            ["data.dataset.csv: expected a file path, got 3"],
        ),
        (
            "[data]\ndataset = {noise = 0.1}\n" + _NO_DATA,
            ["data.dataset: expected name = <data set name>, got None"],
        ),
        (
            '[data]\ndataset = "xo"\n' + _NO_DATA,
            [
                f"data.dataset: unknown data set 'xo'; expected one of {_DATA_SETS} "
                "(did you mean 'xor'?)"
            ],
        ),
        (
            '[data]\ndataset = {name = "moons", noise = nan}\n' + _NO_DATA,
            ["data.dataset.noise: expected a finite number, got nan"],
        ),
        (
            "[data]\ndataset = []\n" + _NO_DATA,
            ["data.dataset: empty list: an axis needs at least one value"],
        ),
        (
            "",
            [
                "data.dataset: missing (required)",
                "train.epochs: missing (required)",
                "train.lr: missing (required)",
            ],
        ),
        (
            "data = 3\n" + _NO_DATA,
            ["data: expected a table [data], got int", "data.dataset: missing (required)"],
        ),
        (
            _XOR + "[foo]\nx = 1\n",
            [
                "foo: unknown table 'foo'; expected one of convergence, data, model, run, study, train"
            ],
        ),
        (
            _XOR + "[model]\nhiden = 1\n",
            [
                f"model.hiden: unknown key 'hiden'; expected one of {_ONE_OF_MODEL} (did you mean 'hidden'?)"
            ],
        ),
        # the settings that are not axes
        (_XOR + '[study]\nname = ""\n', ["study.name: expected a non-empty string, got ''"]),
        (_XOR + "[study]\nname = 3\n", ["study.name: expected a non-empty string, got 3"]),
        (
            _XOR + "[study]\ndescription = 3\n",
            ["study.description: expected a string, got 3 (int)"],
        ),
        (
            _XOR.replace('"xor"\n', '"xor"\nvalidation = 0.95\nsplit_seed = -1\n'),
            [
                "data.validation: expected a finite number in [0, 0.9], got 0.95 (float)",
                "data.split_seed: expected an integer >= 0, got -1 (int)",
            ],
        ),
        (
            _XOR + '[model]\ndtype = "float16"\nkernel = "x"\n',
            [
                "model.dtype: unknown dtype 'float16'; expected one of float32, float64 "
                "(did you mean 'float64'?)",
                "model.kernel: unknown kernel 'x'; expected one of blas, broadcast",
            ],
        ),
        (
            _XOR + "[convergence]\nthreshold = 0\npaper_tol = 0\npaper_slope_tol = -1\n"
            "paper_window = 0\n[run]\nmax_population = -1\n",
            [
                "convergence.threshold: expected a finite number > 0, got 0 (int)",
                "convergence.paper_tol: expected a finite number > 0, got 0 (int)",
                "convergence.paper_slope_tol: expected a finite number > 0, got -1 (int)",
                "convergence.paper_window: expected an integer >= 1, got 0 (int)",
                "run.max_population: expected an integer >= 0, got -1 (int)",
            ],
        ),
        # the activations and initializers
        (
            _XOR + '[model]\nactivation = "softmax"\n',
            ["model.activation: softmax is an output activation only"],
        ),
        (
            _XOR + '[model]\nactivation = [["tanh", "softmax"]]\nhidden = [[2, 2]]\n',
            ["model.activation[0][1]: softmax is an output activation only"],
        ),
        (
            _XOR + "[model]\nactivation = [[]]\n",
            ["model.activation[0]: empty list of per-layer activations"],
        ),
        # the combinations
        (
            _XOR + '[model]\nhidden = [2]\nactivation = [["tanh", "tanh"]]\n',
            [
                "model.activation[0]: 2 per-layer activations cannot go with the 1 hidden "
                "layers [2] of model.hidden[0]"
            ],
        ),
        (
            _XOR + '[model]\noutput = "softmax"\n',
            ["model.output: a softmax output needs >= 2 target columns; xor has 1"],
        ),
        (
            _XOR + "batch_size = [2, 100]\n",
            ["train.batch_size[1]: batch size 100 exceeds the 4 training samples of xor"],
        ),
        (
            _XOR.replace('"xor"\n', '"xor"\nvalidation = 0.9\n'),
            ["data.validation: 0.9 of xor's 4 samples leaves an empty split"],
        ),
        (
            '[data]\ndataset = "diabetes"\n[train]\nlr = 0.1\nepochs = 5\nloss = ["mse", "bce"]\n',
            ["train.loss[1]: bce needs 0/1 or one-hot targets; diabetes is a regression data set"],
        ),
        # the bounds: runs, stored loss values, seeds
        (
            _XOR.replace("epochs = 5", "epochs = 5\nseeds = 100000\nl2 = [0.0, 0.1, 0.2]"),
            [
                "train.seeds: the grid has 300,000 runs (3 l2 x 100000 seed), more than the "
                "200,000 one study holds; split it into several studies"
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 10000000\nseeds = 100"),
            [
                "train.epochs: 100 runs of up to 10,000,000 epochs store 1,000,000,000 loss "
                "values (7.5 GiB), more than the 200,000,000 one study holds; fewer epochs or runs"
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 5\nseeds = 300000"),
            [
                "train.seeds: 300,000 seeds make at least 300,000 runs, more than the 200,000 "
                "one study holds; split it into several studies"
            ],
        ),
        # memory: digits is 1797 samples of 64 features and 10 targets; a member needs
        # 8 bytes x (4 x parameters + 3 x samples x units). [20000, 20000]: 401,520,010
        # parameters and 40,074 units, 14,576,951,792 bytes = 13.6 GiB
        (
            _DIGITS + "[model]\nhidden = [[20000, 20000]]\n",
            [
                "model: one network on digits with hidden layers [20000, 20000] needs about "
                "13.6 GiB to train, more than 4 GiB; choose smaller layers"
            ],
        ),
        # [3000]: 225,010 parameters, 3,074 units: 139,775,792 bytes a member; 1000 of them
        # 130.2 GiB, 800 of them 104.1 GiB; 4 GiB holds 30 (float32: half, 65.1 GiB and 61)
        (
            _DIGITS.replace("epochs = 5", "epochs = 5\nseeds = 1000") + "[model]\nhidden = 3000\n",
            [
                "train.seeds: a group of 1,000 members (learning rates x seeds) on digits with "
                "hidden layers [3000] needs about 130.2 GiB to train, more than 4 GiB; set [run] "
                "max_population = 30 (or less) to train it in chunks"
            ],
        ),
        (
            _DIGITS.replace("epochs = 5", "epochs = 5\nseeds = 1000")
            + "[model]\nhidden = 3000\n[run]\nmax_population = 800\n",
            [
                "run.max_population: a group of 800 members (learning rates x seeds) on digits "
                "with hidden layers [3000] needs about 104.1 GiB to train, more than 4 GiB; set "
                "[run] max_population = 30 (or less) to train it in chunks"
            ],
        ),
        (
            _DIGITS.replace("epochs = 5", "epochs = 5\nseeds = 1000")
            + '[model]\nhidden = 3000\ndtype = "float32"\n',
            [
                "train.seeds: a group of 1,000 members (learning rates x seeds) on digits with "
                "hidden layers [3000] needs about 65.1 GiB to train, more than 4 GiB; set [run] "
                "max_population = 61 (or less) to train it in chunks"
            ],
        ),
    ],
)
def test_every_problem_of_a_spec_word_for_word(text, want):
    assert _problems(text) == [f"s.toml: {w}" for w in want]


def test_a_groups_memory_under_the_bound_passes():
    # [3000] on digits: 30 members need 4,193,273,760 bytes (< 4 GiB), 31 need 4,333,049,552;
    # 1000 seeds in chunks of 30 pass
    ok = _DIGITS.replace("epochs = 5", "epochs = 5\nseeds = 30") + "[model]\nhidden = 3000\n"
    assert gs.parse_spec(ok).axes["seed"] == list(range(30))
    capped = ok.replace("seeds = 30", "seeds = 1000") + "[run]\nmax_population = 30\n"
    assert gs.parse_spec(capped).fixed["max_population"] == 30
    assert _problems(ok.replace("seeds = 30", "seeds = 31"))[0].startswith(
        "s.toml: train.seeds: a group of 31 members"
    )


def test_the_documented_defaults():
    s = gs.parse_spec(_XOR)
    assert s.name == "study" and s.description == ""
    assert s.axes == {
        "dataset": [{"name": "xor"}],
        "hidden": [[2]],
        "activation": ["sigmoid"],
        "output": ["sigmoid"],
        "bias": ["neuron"],
        "init": ["xavier"],
        "loss": ["mse"],
        "optimizer": ["gd"],
        "schedule": ["constant"],
        "l2": [0.0],
        "batch_size": [None],
        "epochs": [5],
        "backend": ["numpy"],
        "lr": [0.1],
        "seed": [0],
    }
    assert s.fixed == {
        "validation": 0.0,
        "split_seed": 0,
        "dtype": "float64",
        "kernel": "blas",
        "threshold": 0.01,
        "paper": {},
        "max_population": 0,
    }


def test_values_normalised_as_documented():
    text = _XOR.replace('"xor"', '["XOR", {name = "Moons", noise = 0.2}]') + (
        'batch_size = ["FULL", 2]\nseeds = [7, 3]\n[model]\nwidth = [3, 4]\ndepth = [0, 2]\n'
        'activation = "TANH"\ninit = "normal(0.5)"\n[study]\nname = "n"\n'
        "[convergence]\npaper_tol = 0.5\npaper_slope_tol = 0.25\npaper_window = 3\n"
    )
    s = gs.parse_spec(text)
    assert s.name == "n"
    assert s.axes["dataset"] == [{"name": "xor"}, {"name": "moons", "noise": 0.2}]
    assert s.axes["hidden"] == [[], [], [3, 3], [4, 4]]
    assert s.axes["batch_size"] == [None, 2]
    assert s.axes["seed"] == [7, 3]
    assert s.axes["activation"] == ["tanh"] and s.axes["init"] == ["normal(0.5)"]
    assert s.fixed["paper"] == {"tol": 0.5, "slope_tol": 0.25, "window": 3}
    assert gs.parse_spec(_XOR + "[model]\nhidden = [2, 3]\n").axes["hidden"] == [[2], [3]]
    assert gs.parse_spec(_XOR + "[model]\nhidden = [[2, 3]]\n").axes["hidden"] == [[2, 3]]
    assert gs.parse_spec(_XOR.replace("epochs = 5", "epochs = 5\nseeds = 3")).axes["seed"] == [
        0,
        1,
        2,
    ]
    assert gs.parse_spec(_XOR, source="dir/my.toml").name == "my"


def test_a_csv_data_set_relative_to_the_spec(tmp_path):
    (tmp_path / "t.csv").write_text("a,y\n1,0\n2,1\n3,0\n")
    base = '[data]\ndataset = {csv = "t.csv"%s}\n' + _NO_DATA
    s = gs.parse_spec(base % ', target = "y"', base_dir=tmp_path)
    assert s.axes["dataset"] == [{"csv": str((tmp_path / "t.csv").resolve()), "target": "y"}]
    assert _problems(base % "", base_dir=tmp_path) == [
        "s.toml: data.dataset: a csv data set needs target = <column>"
    ]
    where = tmp_path / "no.csv"
    assert _problems(base.replace("t.csv", "no.csv") % ', target = "y"', base_dir=tmp_path) == [
        f"s.toml: data.dataset.csv: no such file '{where}'"
    ]
    assert _problems(base % ', target = "z"', base_dir=tmp_path) == [
        f"s.toml: data.dataset: cannot load data set csv:t.csv: target: no column named 'z' in "
        f"'{(tmp_path / 't.csv').resolve()}'; its columns are: a, y"
    ]
    spec = tmp_path / "s.toml"
    spec.write_text(base % ', target = "y"')
    assert gs.load_spec(spec).axes["dataset"][0]["csv"] == str((tmp_path / "t.csv").resolve())


def test_load_spec_refuses_what_is_not_a_short_text_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_bytes(b"#" * 1_000_001)
    with pytest.raises(gs.SpecError) as err:
        gs.load_spec(p)
    assert err.value.problems == [
        f"{p}: 1000001 bytes; a study spec is a short text file (at most 1000000)"
    ]
    assert err.value.source == str(p)
    p.write_bytes(b"#" * 999_999 + b"\n")  # exactly at the bound: read (then refused as a spec)
    with pytest.raises(gs.SpecError) as err:
        gs.load_spec(p)
    assert err.value.problems[0] == f"{p}: data.dataset: missing (required)"
    p.write_bytes(b"ab\xff")
    with pytest.raises(gs.SpecError) as err:
        gs.load_spec(p)
    assert err.value.problems == [
        f"{p}: not a text file (byte 2 is not UTF-8); a study spec is TOML text"
    ]
    assert err.value.source == str(p)
    p.write_bytes(b"a\x00")
    with pytest.raises(gs.SpecError) as err:
        gs.load_spec(p)
    assert err.value.problems == [
        f"{p}: not a text file (it holds NUL bytes); a study spec is TOML text"
    ]
    assert err.value.source == str(p)


_ACTS = "elu, gelu, identity, leaky_relu, relu, sigmoid, silu, softmax, softplus, tanh, tanh01"


@pytest.mark.parametrize(
    "text, want",
    [
        (
            _XOR + '[model]\noutput = "x"\n',
            [
                "model.output: unknown output activation 'x'; expected one of elu, gelu, "
                "identity, leaky_relu, relu, same, sigmoid, silu, softmax, softplus, tanh, tanh01"
            ],
        ),
        (
            _XOR + "[model]\noutput = 3\n",
            [f"model.output: expected one of {_ACTS}, same, got 3 (int)"],
        ),
        (
            _XOR + '[model]\nbias = "x"\n',
            ["model.bias: unknown bias 'x'; expected one of layer, neuron, none"],
        ),
        (
            _XOR.replace(
                "epochs = 5", 'epochs = 5\nloss = "x"\noptimizer = "x"\nschedule = "x"\nl2 = -1\n'
            ),
            [
                "train.loss: unknown loss 'x'; expected one of bce, cross_entropy, huber, mae, mse, sse",
                "train.optimizer: unknown optimizer 'x'; expected one of adam, adamw, gd, momentum, "
                "nesterov, rmsprop",
                "train.schedule: unknown schedule 'x'; expected one of constant, cosine, "
                "exponential, step",
                "train.l2: expected a finite number >= 0, got -1 (int)",
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 0"),
            ["train.epochs: expected an integer >= 1, got 0 (int)"],
        ),
        (
            _XOR.replace("lr = 0.1", "lr = 0"),
            ["train.lr: expected a finite number > 0, got 0 (int)"],
        ),
        (
            _XOR + '[model]\nbackend = "x"\n',
            ["model.backend: unknown backend 'x'; expected one of jax, numpy"],
        ),
        (
            _XOR + '[model]\nactivation = "x"\n',
            [f"model.activation: unknown activation 'x'; expected one of {_ACTS}"],
        ),
        (
            _XOR + '[model]\nactivation = [["x", "y"]]\nhidden = [[2, 2]]\n',
            [
                f"model.activation[0][0]: unknown activation 'x'; expected one of {_ACTS}",
                f"model.activation[0][1]: unknown activation 'y'; expected one of {_ACTS}",
            ],
        ),
        (_XOR + "[model]\ninit = 3\n", ["model.init: expected an initializer name, got 3 (int)"]),
        (
            _XOR.replace("epochs = 5", "epochs = 5\nbatch_size = -1"),
            ["train.batch_size: expected one of full or an integer >= 0, got -1 (int)"],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 5\nseeds = 0"),
            ["train.seeds: expected an integer >= 1 or a list of seeds, got 0 (int)"],
        ),
        (
            _XOR.replace("epochs = 5", 'epochs = 5\nseeds = "a"'),
            ["train.seeds: expected an integer >= 1 or a list of seeds, got 'a' (str)"],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 5\nseeds = [-1, 9223372036854775807]"),
            ["train.seeds[0]: expected an integer in [0, 9223372036854775807], got -1 (int)"],
        ),
        (
            "[data]\ndataset = [{name = 3}]\n" + _NO_DATA,
            ["data.dataset[0]: expected name = <data set name>, got 3"],
        ),
        ("x = \n", ["invalid TOML: Invalid value (at line 1, column 5)"]),
        (
            _XOR.replace("lr = 0.1", "lr = 1e-400"),
            ["'1e-400' is smaller than float64 holds: it would be read as 0"],
        ),
        (
            "x = " + "[" * 2000 + "]" * 2000 + "\n",
            [
                "invalid TOML: values are nested too deeply (a study spec nests a few levels: "
                "tables of lists of lists)"
            ],
        ),
    ],
)
def test_every_value_check_word_for_word(text, want):
    assert _problems(text) == [f"s.toml: {w}" for w in want]


def test_a_spec_error_with_several_problems_lists_them_under_one_line():
    with pytest.raises(gs.SpecError) as err:
        gs.parse_spec("", source="s.toml")
    assert str(err.value) == (
        "s.toml: 3 problems in the study spec:\n"
        "  s.toml: data.dataset: missing (required)\n"
        "  s.toml: train.epochs: missing (required)\n"
        "  s.toml: train.lr: missing (required)"
    )
    assert err.value.source == "s.toml"
    with pytest.raises(gs.SpecError) as err:
        gs.parse_spec(_XOR.replace("epochs = 5", "epochs = 0"), source="s.toml")
    assert str(err.value) == "s.toml: train.epochs: expected an integer >= 1, got 0 (int)"


def test_an_axis_value_is_its_results_column():
    cfg = {
        "dataset": {"name": "moons", "noise": 0.2, "n": 50},
        "hidden": [8, 8],
        "activation": ["tanh", "relu"],
        "output": "same",
        "lr": 0.5,
    }
    assert gs.axis("dataset").value(cfg) == "moons(n=50, noise=0.2)"
    assert gs.axis("dataset").value({"dataset": {"name": "xor"}}) == "xor"
    assert (
        gs.axis("dataset").value({"dataset": {"csv": "/a/b/t.csv", "target": "y"}}) == "csv:t.csv"
    )
    assert gs.axis("hidden").value(cfg) == "8-8"
    assert gs.axis("activation").value(cfg) == "tanh,relu"
    assert gs.axis("output").value(cfg) == "relu"
    assert gs.axis("output").value({"output": "same", "activation": "tanh"}) == "tanh01"
    assert gs.axis("output").value({"output": "same", "activation": ["relu", "tanh"]}) == "tanh01"
    assert gs.axis("output").value({"output": "softmax", "activation": "tanh"}) == "softmax"
    assert gs.axis("lr").value(cfg) == 0.5
    assert gs.axis("backend").value(cfg) == "numpy"  # absent: its default
    assert gs.axis("seed").column == "seed"


def _hash(obj):  # the documented hash: SHA-256 of sorted, spaceless JSON, 16 hex digits
    import hashlib
    import json

    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_the_plan_groups_lr_and_seed_in_chunks_of_max_population():
    text = _XOR.replace("lr = 0.1", "lr = [0.1, 0.2]").replace(
        "epochs = 5", "epochs = 5\nseeds = 2"
    )
    text += '[model]\nactivation = ["sigmoid", "tanh"]\n[run]\nmax_population = 3\n'
    s = gs.parse_spec(text)
    configs, hashes, keys = s.index()
    assert [(c["activation"], c["lr"], c["seed"]) for c in configs] == [
        (a, lr, seed) for a in ("sigmoid", "tanh") for lr in (0.1, 0.2) for seed in (0, 1)
    ]
    assert configs[0]["threshold"] == 0.01 and configs[0]["paper"] == {}
    assert "backend" in configs[0] and "max_population" not in configs[0]
    assert hashes == [_hash({k: v for k, v in c.items() if k != "backend"}) for c in configs]
    shared = [
        _hash({k: v for k, v in c.items() if k not in ("lr", "seed", "backend")}) for c in configs
    ]
    assert keys == shared and keys[0] == keys[3] != keys[4] == keys[7]
    groups = gs.plan(s)
    assert [g.run_ids for g in groups] == [[0, 1, 2], [3], [4, 5, 6], [7]]
    assert [g.key for g in groups] == [keys[0], keys[0], keys[4], keys[4]]
    assert [g.hashes for g in groups] == [[hashes[i] for i in g.run_ids] for g in groups]
    assert groups[0].shared == {k: v for k, v in configs[0].items() if k not in ("lr", "seed")}
    assert [g.size for g in groups] == [3, 1, 3, 1]
    assert [g.run_ids for g in gs.plan(s, done=[hashes[0], hashes[5]])] == [[1, 2, 3], [4, 6, 7]]
    assert [[c["seed"] for c in g.configs] for g in s.groups()] == [[0, 1, 0], [1], [0, 1, 0], [1]]
    again = s.groups(configs[4:])
    assert [len(g.configs) for g in again] == [3, 1] and again[0].run_ids == [] == again[0].hashes
    assert s.n_runs == 8 and s.varying_axes == ["activation", "lr"]
    assert s.index() is s.index()
    assert s.hash == _hash(s.normalized) and "backend" not in s.normalized["axes"]
    assert gs.config_hash({"a": 1, "backend": "jax"}) == _hash({"a": 1, "backend": "jax"})
    assert gs.config_hash({"a": 1, "backend": "numpy"}) == _hash({"a": 1})
    assert gs.group_key({"a": 1, "lr": 2, "seed": 3}) == _hash({"a": 1})


@pytest.mark.parametrize(
    "text, want",
    [
        # a refused value leaves the keys of the others as they were written
        (
            _XOR.replace("epochs = 5", "epochs = 5\nbatch_size = [-1, 2, 100]"),
            [
                "train.batch_size[0]: expected one of full or an integer >= 0, got -1 (int)",
                "train.batch_size[2]: batch size 100 exceeds the 4 training samples of xor",
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 5\nbatch_size = 5"),
            ["train.batch_size: batch size 5 exceeds the 4 training samples of xor"],
        ),
        (
            '[data]\ndataset = ["xor", {name = "XOR"}]\n[train]\nlr = [0.1, 0.1]\nepochs = 5\n',
            [
                "data.dataset[1]: duplicate value {'name': 'XOR'}: the same runs would train twice",
                "train.lr[1]: duplicate value 0.1: the same runs would train twice",
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = [1000, 2000]\nseeds = 100000"),
            [
                "train.epochs: 200,000 runs of up to 2,000 epochs store 300,000,000 loss values "
                "(2.2 GiB), more than the 200,000,000 one study holds; fewer epochs or runs"
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 1000\nseeds = 200001"),
            [
                "train.seeds: 200,001 seeds make at least 200,001 runs, more than the 200,000 one "
                "study holds; split it into several studies"
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 2000001\nseeds = 100"),
            [
                "train.epochs: 100 runs of up to 2,000,001 epochs store 200,000,100 loss values "
                "(1.5 GiB), more than the 200,000,000 one study holds; fewer epochs or runs"
            ],
        ),
        # one problem per architecture
        (
            _XOR + "[model]\nhidden = [[0, 0]]\n",
            ["model.hidden[0][0]: expected an integer >= 1, got 0 (int)"],
        ),
        (
            _XOR + "[model]\nhidden = 2.5\n",
            ["model.hidden: expected an integer >= 1 or a list of widths, got 2.5 (float)"],
        ),
        (
            _XOR + "[model]\nhidden = [[2.5]]\n",
            ["model.hidden[0][0]: expected an integer >= 1, got 2.5 (float)"],
        ),
        (
            '[data]\ndataset = {name = "moons", noise = inf}\n' + _NO_DATA,
            ["data.dataset.noise: expected a finite number, got inf"],
        ),
    ],
)
def test_more_problems_word_for_word(text, want):
    assert _problems(text) == [f"s.toml: {w}" for w in want]


def test_the_bounds_themselves_pass():
    # 200,000 runs of 1000 epochs: 200,000,000 loss values, both bounds exactly
    s = gs.parse_spec(_XOR.replace("epochs = 5", "epochs = 1000\nseeds = 200000"))
    assert s.axes["seed"][-1] == 199_999 and s.n_runs == 200_000
    assert gs.parse_spec(_XOR.replace("epochs = 5", "epochs = 2000000\nseeds = 100")).n_runs == 100
    # the batch size of the whole training set, "full" in any case and 0
    bs = _XOR.replace("epochs = 5", 'epochs = 5\nbatch_size = ["Full", 4]')
    assert gs.parse_spec(bs).axes["batch_size"] == [None, 4]
    assert gs.parse_spec(bs.replace('["Full", 4]', "0")).axes["batch_size"] == [None]


def test_names_in_any_case_and_settings_kept():
    text = _XOR.replace('"xor"\n', '"xor"\nvalidation = 0.5\nsplit_seed = 3\n') + (
        '[model]\nactivation = [["TANH", "relu"]]\nhidden = [[2, 2]]\nkernel = "BROADCAST"\n'
        'dtype = "FLOAT32"\nbackend = "NumPy"\noutput = "same"\n[study]\ndescription = "d"\n'
    )
    s = gs.parse_spec(text)
    assert s.axes["activation"] == [["tanh", "relu"]] and s.axes["backend"] == ["numpy"]
    assert s.axes["output"] == ["same"] and s.description == "d"
    assert s.fixed["validation"] == 0.5 and s.fixed["split_seed"] == 3
    assert s.fixed["kernel"] == "broadcast" and s.fixed["dtype"] == "float32"
    zero = gs.parse_spec(_XOR.replace('"xor"\n', '"xor"\nvalidation = 0\n'))
    assert zero.fixed["validation"] == 0.0 and isinstance(zero.fixed["validation"], float)
    moons = '[data]\ndataset = {name = "moons", n_samples = 20}\n' + _NO_DATA
    assert gs.parse_spec(moons).axes["dataset"] == [{"name": "moons", "n_samples": 20}]
    assert gs._canonical({"b": 1, "a": [1, 2.5]}) == '{"a":[1,2.5],"b":1}'
    with pytest.raises(ValueError):
        gs._canonical({"a": float("nan")})


def _seeds(text, line):
    return text.replace("epochs = 5", f"epochs = 5\n{line}")


@pytest.mark.parametrize(
    "text, want",
    [
        # bce with two outputs outside (0, 1): one problem, for the first (sorted) output
        (
            _seeds(_XOR, 'loss = "bce"')
            + '[model]\noutput = "same"\nactivation = ["relu", "identity"]\n',
            [
                "train.loss: model.output = 'same' gives identity: loss: bce needs every output "
                "in (0, 1); the output activation 'identity' gives values outside [0, 1]. Use an "
                "output of sigmoid, softmax, tanh01, or another loss (mse, huber, ...)"
            ],
        ),
        # 0.3 of 4 samples: ceil(1.2) = 2 held out, 2 left to train on
        (
            _seeds(_XOR.replace('"xor"\n', '"xor"\nvalidation = 0.3\n'), "batch_size = [2, 3]"),
            ["train.batch_size[1]: batch size 3 exceeds the 2 training samples of xor"],
        ),
        # members are learning rates x seeds: 2 x 16 = 32 of 139,775,792 bytes, 4.2 GiB
        (
            _seeds(_DIGITS.replace("lr = 0.1", "lr = [0.1, 0.2]"), "seeds = 16")
            + "[model]\nhidden = [2, 3000]\n",
            [
                "train.seeds: a group of 32 members (learning rates x seeds) on digits with "
                "hidden layers [3000] needs about 4.2 GiB to train, more than 4 GiB; set [run] "
                "max_population = 30 (or less) to train it in chunks"
            ],
        ),
        # a cap above the members: the members (31: 4.0 GiB, over 4 GiB by 38,082,256 bytes)
        (
            _seeds(_DIGITS, "seeds = 31")
            + "[model]\nhidden = 3000\n[run]\nmax_population = 1000\n",
            [
                "run.max_population: a group of 31 members (learning rates x seeds) on digits "
                "with hidden layers [3000] needs about 4.0 GiB to train, more than 4 GiB; set "
                "[run] max_population = 30 (or less) to train it in chunks"
            ],
        ),
        # [16000, 3000]: 49,073,010 parameters, 19,074 units, 2,392,959,792 bytes: one fits
        (
            _seeds(_DIGITS, "seeds = 2") + "[model]\nhidden = [[16000, 3000]]\n",
            [
                "train.seeds: a group of 2 members (learning rates x seeds) on digits with hidden "
                "layers [16000, 3000] needs about 4.5 GiB to train, more than 4 GiB; set [run] "
                "max_population = 1 (or less) to train it in chunks"
            ],
        ),
        (
            '[data]\ndataset = ["xor", {name = "digits", n_samples = 100}]\n' + _NO_DATA,
            [
                "data.dataset[1]: cannot load data set digits(n_samples=100): load('digits'): "
                "unexpected keyword argument 'n_samples'; expected one of dtype, return_info, "
                "classes"
            ],
        ),
    ],
)
def test_the_combinations_word_for_word(text, want):
    assert _problems(text) == [f"s.toml: {w}" for w in want]


def test_combinations_that_fit_pass():
    ok = _seeds(_DIGITS, 'loss = "cross_entropy"') + '[model]\noutput = "softmax"\n'
    assert gs.parse_spec(ok).axes["output"] == ["softmax"]
    # 0.2 of 4 samples: ceil(0.8) = 1 held out, 3 to train on
    val = _seeds(_XOR.replace('"xor"\n', '"xor"\nvalidation = 0.2\n'), "batch_size = 3")
    assert gs.parse_spec(val).axes["batch_size"] == [3]
    bce = _seeds(_XOR, 'loss = "bce"') + '[model]\noutput = "same"\nactivation = "tanh"\n'
    assert gs.parse_spec(bce).axes["loss"] == ["bce"]


@pytest.mark.parametrize(
    "text, want",
    [
        # a refused grid is not checked further (batch size 100 exceeds xor's 4 samples)
        (
            _seeds(_XOR, "seeds = 100001\nl2 = [0.0, 0.1]\nbatch_size = 100"),
            [
                "train.seeds: the grid has 200,002 runs (2 l2 x 100001 seed), more than the "
                "200,000 one study holds; split it into several studies"
            ],
        ),
        (
            _XOR.replace("epochs = 5", "epochs = 2000001\nseeds = 100\nbatch_size = 100"),
            [
                "train.epochs: 100 runs of up to 2,000,001 epochs store 200,000,100 loss values "
                "(1.5 GiB), more than the 200,000,000 one study holds; fewer epochs or runs"
            ],
        ),
        (
            _XOR + "[model]\nwidth = 0\ndepth = 1\n",
            ["model.width: expected an integer >= 1, got 0 (int)"],
        ),
        (
            _XOR + "[model]\nhidden = [2, 0]\n",
            ["model.hidden[1]: expected an integer >= 1 or a list of widths, got 0 (int)"],
        ),
        (
            _XOR + '[model]\ninit = "foo"\n',
            [
                "model.init: unknown initializer 'foo'; expected one of glorot, glorot_normal, "
                "glorot_uniform, he, he_normal, he_uniform, kaiming, kaiming_normal, "
                "kaiming_uniform, lecun, lecun_normal, lecun_uniform, normal, normal(std), paper, "
                "uniform, xavier, xavier_normal, xavier_uniform"
            ],
        ),
        (
            '[data]\ndataset = "diabetes"\n[train]\nlr = 0.1\nepochs = 5\nloss = "cross_entropy"\n'
            '[model]\noutput = "softmax"\n',
            [
                "model.output: a softmax output needs >= 2 target columns; diabetes has 1",
                "train.loss: cross_entropy needs 0/1 or one-hot targets; diabetes is a regression "
                "data set",
            ],
        ),
    ],
)
def test_the_last_survivors_word_for_word(text, want):
    assert _problems(text) == [f"s.toml: {w}" for w in want]


def test_a_csv_path_that_is_a_directory_and_a_spec_that_is_missing(tmp_path):
    (tmp_path / "sub").mkdir()
    text = '[data]\ndataset = {csv = "sub", target = "y"}\n' + _NO_DATA
    assert _problems(text, base_dir=tmp_path) == [
        f"s.toml: data.dataset.csv: '{tmp_path / 'sub'}' is a directory; expected a CSV file"
    ]
    with pytest.raises(IsADirectoryError) as err:
        gs.load_spec(tmp_path)
    assert (
        str(err.value) == f"spec: '{tmp_path}' is a directory; expected a study spec (a TOML file)"
    )


def test_the_smallest_architectures_and_splits_pass():
    assert gs.parse_spec(_XOR + "[model]\nwidth = 1\ndepth = 2\n").axes["hidden"] == [[1, 1]]
    # 0.75 of 4 samples: 3 held out, 1 to train on
    assert gs.parse_spec(_XOR.replace('"xor"\n', '"xor"\nvalidation = 0.75\n')).n_runs == 1


@pytest.mark.parametrize(
    "text, want",
    [
        ("x = \n", "s.toml: invalid TOML: Invalid value (at line 1, column 5)"),
        ("x = 1e-400\n", "s.toml: '1e-400' is smaller than float64 holds: it would be read as 0"),
        (
            "x = " + "[" * 2000 + "]" * 2000 + "\n",
            "s.toml: invalid TOML: values are nested too deeply (a study spec nests a few "
            "levels: tables of lists of lists)",
        ),
        (
            "[study]\nnam = 1\n" + _XOR,
            "s.toml: study.nam: unknown key 'nam'; expected one of description, name "
            "(did you mean 'name'?)",
        ),
    ],
)
def test_a_spec_that_does_not_parse_names_its_source(text, want):
    with pytest.raises(gs.SpecError) as err:
        gs.parse_spec(text, source="s.toml")
    assert err.value.problems == [want] and err.value.source == "s.toml"


def test_unknown_keys_of_convergence_and_run_and_values_after_a_duplicate():
    text = _XOR.replace("lr = 0.1", "lr = [0.1, 0.1, 0]") + (
        "[convergence]\nthreshol = 1\n[run]\nmax_pop = 1\n"
    )
    assert _problems(text) == [
        "s.toml: convergence.threshol: unknown key 'threshol'; expected one of paper_slope_tol, "
        "paper_tol, paper_window, threshold (did you mean 'threshold'?)",
        "s.toml: run.max_pop: unknown key 'max_pop'; expected one of max_population "
        "(did you mean 'max_population'?)",
        "s.toml: train.lr[1]: duplicate value 0.1: the same runs would train twice",
        "s.toml: train.lr[2]: expected a finite number > 0, got 0 (int)",
    ]


def test_a_one_run_plan_and_the_last_of_three_activations(tmp_path):
    s = gs.parse_spec(_XOR)
    (group,) = gs.plan(s)
    assert group.run_ids == [0] and group.size == 1
    assert group.shared == {k: v for k, v in s.runs()[0].items() if k not in ("lr", "seed")}
    assert s.index()[2] == [gs.group_key(s.runs()[0])]
    assert gs.resolve_output("same", ["relu", "tanh", "relu"]) == "relu"
    assert gs.resolve_output("same", ["relu", "identity", "tanh"]) == "tanh01"
    with pytest.raises(FileNotFoundError) as err:
        gs.load_spec(tmp_path / "no.toml")
    assert str(err.value) == f"spec: no such file '{tmp_path / 'no.toml'}'"


def test_a_network_of_exactly_4_gib_passes():
    # xor (4 samples, 2 inputs, 1 output) with [527, 252283]: 133,459,289 parameters and
    # 252,813 units, 8 x (4 x 133,459,289 + 3 x 4 x 252,813) = 8 x 2**29 = 2**32 bytes
    s = gs.parse_spec(_XOR + "[model]\nhidden = [[527, 252283]]\n")
    assert s.axes["hidden"] == [[527, 252283]]
    assert _problems(_XOR + "[model]\nhidden = [[527, 252284]]\n") == [
        "s.toml: model: one network on xor with hidden layers [527, 252284] needs about 4.0 GiB "
        "to train, more than 4 GiB; choose smaller layers"
    ]
