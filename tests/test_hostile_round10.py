"""Hostile input, tenth round: the faces (the command line, study specs and stores, the
playground's messages, CSV files, model files) as an attacker and a careless user try them.

NaN predictions counted as class 0, a divergence of evolution said only in its record, bounds
that named the library's ``stride`` where the user typed ``--stride``, a CSV column of 1e300
standardized to zeros, targets whose loss overflowed before any training blamed on the
learning rate, a glass box that could not answer for an overflowed network, pipes and devices
called "no such file", seeds stored as other seeds, and a model's recorded scale applied by
hand until it overflowed. Each is refused by the name the user typed, or computed right.
"""

from __future__ import annotations

import base64
import json
import os
import warnings

import numpy as np
import pytest

import glassnet as gn
import glassnet.study as gs
from glassnet import metrics, plots
from glassnet.cli import main
from glassnet.cli.errors import mentions, rename
from glassnet.evolution import fit_evolution
from glassnet.playground.driver import Driver
from glassnet.playground.limits import Limits, ProtocolError
from glassnet.playground.protocol import parse_config, parse_csv
from glassnet.playground.session import Session
from glassnet.study.spec import MAX_STUDY_SEED, SpecError
from glassnet.trace import trace

X = np.array([[0.0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
Y = np.array([[0.0], [1], [1], [0]])
LIMITS = Limits()


def _run(capsys, *args):
    """Exit code, stdout and stderr of ``glassnet ARGS``."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _error(capsys, *args):
    code, out, err = _run(capsys, *args)
    assert code == 2, (args, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err[len("error: ") :].rstrip("\n")


# --- a NaN prediction is no class ------------------------------------------------------------


def test_a_nan_prediction_is_counted_wrong_against_a_hand_count():
    nan = np.nan
    # one column: rows 0 and 3 are NaN (no class); row 1 says 0 (right), row 2 says 1 (right)
    y_hat = np.array([[nan], [0.2], [0.9], [nan]])
    y = np.array([[0.0], [0], [1], [1]])
    assert metrics.accuracy(y_hat, y) == 2 / 4  # NaN > 0.5 is False: row 0 was "right", 3/4
    # several columns: argmax of a row with a NaN picks the NaN (column 0 here, the target's)
    y_hat = np.array([[nan, 0.3], [0.9, 0.1], [0.2, 0.8], [0.6, nan]])
    y = np.eye(2)[[0, 0, 0, 1]]
    assert metrics.accuracy(y_hat, y) == 1 / 4  # only row 1; rows 0 and 3 were "right" too
    # a population: each member counted alone, a diverged one at 0
    members = np.stack([np.full((4, 2), nan), np.eye(2)[[0, 0, 0, 1]] * 1.0])
    np.testing.assert_array_equal(metrics.accuracy(members, y), [0.0, 1.0])
    # infinities are numbers: compared as such
    assert metrics.accuracy(np.array([[np.inf], [-np.inf]]), np.array([[1.0], [0]])) == 1.0


def test_the_playground_counts_a_diverged_networks_nan_predictions_wrong():
    s = Session(LIMITS)
    s.configure(parse_config({"dataset": "xor", "layers": [2], "act": "tanh"}, LIMITS))
    _, data = s.ready()
    for layer in s.net.params:
        for v in layer.values():
            v[...] = np.nan
    with pytest.warns(gn.NonFiniteWarning, match="the weights are not finite"):
        assert s.accuracy(s.Xn_train, data.y_train) == 0.0  # was the share of class-0 targets


def test_train_of_a_diverged_run_saves_it_and_says_so(capsys, tmp_path):
    out = tmp_path / "run"
    with warnings.catch_warnings():  # as on the command line: warnings shown, not raised
        warnings.simplefilter("default")
        code, stdout, err = _run(
            capsys, "train", "-d", "xor", "--lr", "1e300", "--hidden", "4", "--activation",
            "relu", "--epochs", "50", "-o", str(out), "--no-figure", "-q",
        )  # fmt: skip
    assert code == 0, err
    assert (out / "model.npz").is_file()  # the run is kept, diverged as it is
    assert "warning: training diverged at epoch 0" in err
    lines = stdout.splitlines()
    assert "diverged     at epoch 0: the saved model is the diverged one" in stdout
    assert "train loss   nan (not finite)" in lines
    # predictions [nan, nan, nan, 1] against [0, 1, 1, 0]: none right (0.25 before: the first
    # NaN read as class 0)
    assert "train acc    0.0000" in lines


# --- evolution warns of its divergence as fit does ---------------------------------------------


def test_evolution_warns_when_every_member_diverges_as_fit_warns():
    net = gn.Network([3, 2, 1], output="identity", seed=[0, 1, 2])
    with pytest.warns(gn.DivergenceWarning) as caught:
        h = fit_evolution(net, X, Y * 1e308, generations=5)
    (w,) = caught
    assert str(w.message) == h.messages[0] and w.filename == __file__  # the caller's line
    assert h.stopped_by == "diverged" and "generation 0" in h.messages[0]
    net = gn.Network([3, 2, 1], output="identity", seed=[0, 1, 2])
    h = fit_evolution(net, X, Y * 1e308, generations=5, warn=False)  # recorded, quiet
    assert h.diverged and h.messages
    with pytest.raises(TypeError, match=r"^warn: expected True or False, got 'no'"):
        fit_evolution(net, X, Y, generations=2, warn="no")  # "no" is not read as True


# --- bounds say the option typed ---------------------------------------------------------------


def test_a_bound_inside_a_message_names_the_option_typed(capsys, tmp_path):
    line = _error(capsys, "plot", "animation", "-o", str(tmp_path / "a.gif"), "--epochs",
                  "100000", "--stride", "1")  # fmt: skip
    assert line.startswith("--epochs: 100000 epochs at a frame every 1 make 100001 frames")
    assert line.endswith("expected --stride >= 51 or fewer epochs")  # was "a stride >= 51"
    line = _error(capsys, "plot", "boundary", "-o", str(tmp_path / "b.png"), "--res", "100000")
    assert line.startswith("--res: a 100000 x 100000 grid")  # "x" is no --x
    assert line.endswith("expected --res <= 4729")  # was "expected res <= 4729"
    assert not list(tmp_path.iterdir())
    opts = {"stride": "--stride", "res": "--res", "x": "--x", "dpi": "--dpi", "k": "--member"}
    assert mentions("at stride 1 keep 3 copies; expected a stride >= 2", opts) == (
        "at --stride 1 keep 3 copies; expected --stride >= 2"
    )
    assert mentions("a 9 x 9 grid; k 3 in 2 resolutions", opts) == (
        "a 9 x 9 grid; k 3 in 2 resolutions"  # one-letter words and words after numbers
    )
    assert rename("res: expected res in [4, 10], got dpi 5", opts) == (
        "--res: expected --res in [4, 10], got --dpi 5"
    )
    opts["loss"] = "--loss"
    assert mentions("train loss 0.25 is high", opts) == "train loss 0.25 is high"


# --- the playground's data and messages --------------------------------------------------------


def _csv(rows):
    return "a,b,y\n" + "\n".join(",".join(map(repr, r)) for r in rows)


def test_an_uploaded_column_of_huge_values_is_standardized_not_zeroed():
    s = Session(LIMITS)
    rows = [((-1) ** i * 1e300, float(i), float(i % 2)) for i in range(10)]
    s.upload(parse_csv(_csv(rows), LIMITS))
    s.configure(parse_config({"dataset": "csv", "split": 0}, LIMITS))
    # X.std() overflowed to inf: every value of the column became 0
    np.testing.assert_allclose(np.abs(s.Xn_train[:, 0]), 1.0)


def test_data_too_wide_to_draw_is_refused_as_a_setup_not_a_server_error():
    s = Session(LIMITS)
    rows = [((-1) ** i * 1e308, float(i), float(i % 2)) for i in range(10)]
    s.upload(parse_csv(_csv(rows), LIMITS))
    with pytest.raises(ProtocolError) as info:
        s.configure(parse_config({"dataset": "csv", "split": 0}, LIMITS))
    assert info.value.field == "csv"
    assert str(info.value).startswith("The data cannot be drawn: X: the plane around")
    assert "from -1e+308 to 1e+308" in str(info.value)


@pytest.mark.parametrize("big", [1e300, 1e308])
def test_targets_whose_loss_overflows_raw_are_standardized_not_refused(big):
    # raw, the mse of a fresh network overflowed: the setup was refused ("the loss of this
    # data is not finite before any training"), rather than "diverged at epoch 0"; the page
    # now standardizes a regression target, and shows it in its own units
    s = Session(LIMITS)
    rows = [(float(i), 2.0 * i, big * (i % 3 - 1) + 0.5) for i in range(10)]
    s.upload(parse_csv(_csv(rows), LIMITS))
    config = parse_config({"dataset": "csv", "split": 0.3, "out": "identity", "loss": "mse"},
                          LIMITS)  # fmt: skip
    s.configure(config)
    assert np.isfinite(s.train_loss[0]) and np.abs(s.data.y_train).max() < 2
    assert s.data_message()["y_range"] == [-big, big]
    assert s.train(5) == 5 and np.isfinite(s.train_loss[-1])


def _overflowing_model(tmp_path):
    net = gn.Network([2, 2, 1], activation="tanh", output="identity", seed=0)
    net.params[1]["W"][...] = 1e300
    net.params[1]["b"][...] = 1e300
    path = tmp_path / "big.npz"
    gn.modelfile.save(net, path)
    return base64.b64encode(path.read_bytes()).decode()


def test_a_model_whose_loss_is_not_finite_from_the_start_is_said_so(tmp_path):
    d = Driver(LIMITS)
    d.on_config(d.parse({"dataset": "xor", "layers": [2], "act": "tanh", "out": "identity",
                         "loss": "mse"}))  # fmt: skip
    with pytest.warns(gn.NonFiniteWarning):  # the server's log hears of it too
        d.on_model({"type": "model", "name": "big.npz", "data": _overflowing_model(tmp_path)})
        d.session.train(2)
    (note,) = d.session.frame()["notes"]
    assert note["text"].startswith("The loss was not finite from the start (epoch 0), before")
    assert "the mse cost overflowed to inf" in note["text"]
    assert "far too high" not in note["text"]  # it said: "the learning rate 0.03 is far too high"
    # the glass box answers for the overflowed network: its numbers spelled, as JSON allows
    for layer in (2, 1):
        (answer,) = d.on_inside({"type": "inside", "layer": layer, "unit": 0, "sample": 1})
        json.dumps(answer, allow_nan=False)  # the server's encoder refused a NaN before
    assert answer["delta"] == "-Infinity" and answer["incoming"][0]["dW"] == "NaN"
    assert "= -inf" in answer["formulas"]["delta"]
    with pytest.raises(ProtocolError) as info:
        d.on_inside({"type": "inside", "layer": 1, "unit": 0, "sample": 10**4000})
    assert str(info.value).startswith("sample: expected 0 to 3, got 10000")
    assert "(4001 characters)" in str(info.value)  # not 4000 digits echoed back


# --- files that are not regular files ------------------------------------------------------------


def test_a_pipe_or_a_device_is_named_as_such_not_as_a_missing_file(capsys, tmp_path):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)  # never opened: reading it would wait for a writer forever
    line = _error(capsys, "study", "run", str(fifo), "--out", str(tmp_path / "o"))
    assert line == (
        f"SPEC: {str(fifo)!r} is not a regular file (a device, pipe or socket); expected a "
        "study spec (a TOML file)"
    )  # was "SPEC: no such file"
    spec = "[data]\ndataset = {csv = '/dev/zero', target = 'y'}\n[train]\nlr = 0.1\nepochs = 3\n"
    with pytest.raises(SpecError) as info:
        gs.parse_spec(spec, "s.toml")
    assert info.value.problems == [
        "s.toml: data.dataset.csv: '/dev/zero' is not a regular file (a device, pipe or "
        "socket); expected a CSV file"
    ]
    with pytest.raises(ValueError, match=r"^path: .* is not a regular file"):
        gs.read_export(fifo)
    with pytest.raises(FileNotFoundError, match=r"^spec: no such file"):
        gs.load_spec(tmp_path / "missing.toml")
    assert not (tmp_path / "o").exists()


# --- a study stores the seeds it was given -------------------------------------------------------


def test_a_seed_beyond_what_the_results_hold_is_refused_naming_the_key():
    spec = "[data]\ndataset = 'xor'\n[train]\nlr = 0.5\nepochs = 3\nseeds = [1, {}]\n"
    for seed in (2**63, 2**64):  # 2**64 came back as -2**63; 2**63 broke every reading
        with pytest.raises(SpecError) as info:
            gs.parse_spec(spec.format(seed), "s.toml")
        assert info.value.problems == [
            f"s.toml: train.seeds[1]: expected an integer in [0, {MAX_STUDY_SEED}], got "
            f"{seed} (int)"
        ]
    assert gs.parse_spec(spec.format(MAX_STUDY_SEED), "s.toml").n_runs == 2


# --- a model's recorded scaling of new data ------------------------------------------------------


def test_new_data_far_outside_a_models_scale_is_refused_in_words(capsys, tmp_path):
    small = tmp_path / "small.csv"
    small.write_text("a,b,y\n0,0,0\n1,1,1\n1,0,1\n0,1,0\n0.5,0.5,1\n0.2,0.9,0\n")
    huge = tmp_path / "huge.csv"
    huge.write_text("a,b,y\n0,0,0\n1e308,1,1\n1,0,1\n-1e308,1,0\n")
    code, _, err = _run(capsys, "train", "--csv", str(small), "-o", str(tmp_path / "m"),
                        "--epochs", "2", "--no-figure", "-q")  # fmt: skip
    assert code == 0, err
    model = str(tmp_path / "m" / "model.npz")
    for command in (["inspect"], ["gradcheck"]):
        line = _error(capsys, *command, "--model", model, "--csv", str(huge))
        # it was a Python RuntimeWarning, then "expected finite values, found NaN or infinity"
        # of a file whose values are all finite
        assert line == (
            "--csv: row 1, column 0 is too large for the fitted scale: the result overflows "
            "float64 (beyond 1.8e+308)"
        )


# --- indices, negative ones included -------------------------------------------------------------


def test_an_index_out_of_range_says_the_range_negatives_included():
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(ValueError) as info:
        plots.network_diagram(net, X, Y, sample=-5)
    assert str(info.value) == "sample: expected a row from -4 to 3, got -5"  # "below 4, got -5"
    with pytest.raises(ValueError, match=r"^samples: expected row indices from -4 to 3, got 4$"):
        trace(net, X, Y, samples=[4])
    pop = gn.Network([3, 2, 1], seed=[0, 1])
    with pytest.raises(ValueError, match=r"^member: expected indices from -2 to 1, got -3$"):
        plots.network_diagram(pop, X, Y, member=-3)


# --- a number too small for its type is not read as 0 --------------------------------------------


def test_a_csv_number_too_small_for_its_type_is_refused_not_read_as_zero(capsys, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n0,0,0\n1,1e-400,1\n1,0,1\n0,1,0\n")
    message = f"{str(path)!r}, line 3, column 'b': '1e-400' is smaller than float64 holds"
    with pytest.raises(ValueError, match=r"it would be read as 0$") as info:
        gn.datasets.load_csv(path)
    assert str(info.value).startswith(message)  # the feature was 0.0, silently
    path.write_text("a,b,y\n0,0,0\n1,1,1\n1,0,1e-400\n0,1,1\n")
    with pytest.raises(ValueError, match=r"line 4, column 'y': '1e-400' is smaller"):
        gn.datasets.load_csv(path)  # a label 1e-400 was one more example of class 0
    assert _error(capsys, "train", "--csv", str(path), "-o", str(tmp_path / "o")).startswith(
        f"--csv: {str(path)!r}, line 4, column 'y': '1e-400' is smaller than float64 holds"
    )
    path.write_text("a,b,y\n0,0,0\n1,1e-50,1\n1,0,1\n0,1,0\n")
    with pytest.raises(ValueError) as info:
        gn.datasets.load_csv(path, dtype="float32")
    assert str(info.value).endswith(
        "line 3, column 'b': 1e-50 is smaller than dtype float32 holds: it would be read as 0; "
        "load with dtype='float64'"
    )
    assert gn.datasets.load_csv(path)[0][1, 1] == 1e-50  # float64 holds it
    with pytest.raises(ProtocolError) as info:
        parse_csv("a,b,y\n0,0,0\n1,1,1\n1,0,1e-400\n0,1,0\n", LIMITS)
    assert str(info.value) == (
        "CSV row 4, column 3: '1e-400' is smaller than float64 holds: it would be read as 0"
    )


# --- specs nested too deeply, stores whose record of their spec is damaged ------------------------

TINY = "[data]\ndataset = 'xor'\n[train]\nlr = [0.5, 1.0]\nepochs = 3\nseeds = 2\n"


def test_a_spec_nested_too_deeply_is_one_line_naming_the_file(capsys, tmp_path):
    spec = tmp_path / "deep.toml"
    depth = 50_000  # within the size a spec may have; tomllib recursed out of the stack
    spec.write_text("[data]\ndataset = " + "[" * depth + "]" * depth + "\n")
    line = _error(capsys, "study", "run", str(spec), "--out", str(tmp_path / "o"))
    assert (
        line == f"{spec}: invalid TOML: values are nested too deeply (a study spec nests a "
        "few levels: tables of lists of lists)"
    )  # it was a RecursionError's traceback
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ("{}", "its spec record is not a study's"),  # was KeyError: 'axes', a traceback
        ("[]", "its spec record is not a study's"),  # was "list indices must be integers"
        ('{"name": "x", "axes": {"lr": 5}, "fixed": {}}', "its spec record is not a study's"),
        ("garbage", "its spec_json is not JSON (Expecting value"),  # JSON's words, no file
    ],
)
def test_a_store_whose_spec_record_is_damaged_is_one_line_naming_it(
    capsys, tmp_path, record, words
):
    import sqlite3

    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    out = tmp_path / "study"
    gs.run(gs.parse_spec(TINY, str(spec)), out, jobs=1)
    db = out / gs.DB_NAME
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'spec_json'", (record,))
    conn.close()
    before = db.read_bytes()
    for argv, option in (
        (("study", "status", str(out)), "DIRECTORY"),
        (("study", "export", str(out)), "DIRECTORY"),
        (("study", "run", str(spec), "--out", str(out)), "--out"),
    ):
        line = _error(capsys, *argv)
        assert line.startswith(f"{option}: {str(db)!r} is damaged: {words}"), line
    assert db.read_bytes() == before  # nothing written


def test_a_rate_too_small_for_float64_is_named_as_typed_in_grids_specs_and_lessons(capsys):
    from glassnet.experiments.paper.settings import parse_lr_grid

    for grid in ("1e-400,1", "1e-400:1:3"):  # "got 0.0 (float)": a value never typed
        with pytest.raises(ValueError) as info:
            parse_lr_grid(grid)
        assert str(info.value) == (
            "lr-grid: '1e-400' is smaller than float64 holds: it would be read as 0"
        )
    assert _error(capsys, "paper", "--lr-grid", "1e-400,1", "--quick").startswith(
        "--lr-grid: '1e-400' is smaller"
    )
    spec = "[data]\ndataset = 'xor'\n[train]\nlr = [0.5, 1E-999]\nepochs = 3\n"
    with pytest.raises(SpecError) as info:
        gs.parse_spec(spec, "s.toml")
    assert info.value.problems == [
        "s.toml: '1E-999' is smaller than float64 holds: it would be read as 0"
    ]
    d = Driver(LIMITS)
    lesson = "title = 't'\n[[steps]]\ntext = 'a'\nsetup = {lr = 1e-400}\n"
    for text in (lesson, '{"title": "t", "steps": [{"text": "a", "setup": {"lr": 1e-400}}]}'):
        with pytest.raises(ProtocolError) as info:
            d.on_lesson({"type": "lesson", "name": "mine.toml", "text": text})
        assert str(info.value) == (
            "mine.toml: '1e-400' is smaller than float64 holds: it would be read as 0"
        )
    with pytest.raises(ProtocolError) as info:  # a refusal quoted a megabyte of name
        d.on_lesson({"type": "lesson", "name": "n" * 10**6, "text": "title = 3"})
    assert len(str(info.value)) < 300


def test_the_server_names_a_number_too_small_for_float64_as_typed():
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from glassnet.playground import server as pg_server

    async def main() -> None:
        async with TestClient(TestServer(pg_server.create_app(LIMITS))) as client:
            async with client.ws_connect("/ws") as ws:
                await ws.receive_json()  # hello
                await ws.send_str('{"type": "config", "config": {"lr": 1e-400}}')
                err = await ws.receive_json()
                assert err["type"] == "error"
                assert err["message"] == (  # was "expected a number > 0 ..., got 0.0"
                    "Message has a number too small for float64: '1e-400' is smaller than "
                    "float64 holds: it would be read as 0"
                )

    asyncio.run(main())


# --- a setting a model file recorded is the file's, not an option typed -------------------------


@pytest.mark.parametrize(
    ("record", "line"),
    [
        ({"lr": -1.0}, "--model (its recorded lr): expected a finite number > 0, got -1.0"),
        ({"batch_size": 0}, "--model (its recorded batch_size): expected an integer >= 1, got 0"),
        ({"optimizer": "nope"}, "--model (its recorded optimizer): unknown optimizer 'nope'"),
        ({"dataset": "nope"}, "--model (its recorded dataset): unknown dataset 'nope'"),
        (
            {"validation_split": 5},
            "--model (its recorded validation_split): expected a fraction in (0, 1), got 5.0",
        ),
    ],
)
def test_a_bad_setting_recorded_in_a_model_file_names_the_file(capsys, tmp_path, record, line):
    model = tmp_path / "m.npz"
    gn.modelfile.save(gn.Network([3, 2, 1], seed=0), model, extra={"training": record})
    out = str(tmp_path / "o")
    # it said "--lr: ...": an option the user never typed
    got = _error(capsys, "train", "--model", str(model), "-o", out, "--epochs", "2", "-q")
    assert got.startswith(line), got
    if "lr" in record:  # typed, the option is named, and it overrides the record
        assert _error(
            capsys, "train", "--model", str(model), "-o", out, "--epochs", "2", "--lr", "-2"
        ).startswith("--lr: expected a finite number > 0, got -2.0")
        code, _, err = _run(capsys, "train", "--model", str(model), "-o", out, "--epochs", "2",
                            "--lr", "0.1", "-q", "--no-figure")  # fmt: skip
        assert code == 0, err


def test_a_row_or_member_given_twice_is_refused_not_weighed_or_drawn_twice(capsys, tmp_path):
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(ValueError) as info:  # [3, -1, 0] traced row 3 as two rows of three
        trace(net, X, Y, samples=[3, -1, 0])
    assert str(info.value) == "samples: row 3 is given twice (as -1); expected each row once"
    assert _error(capsys, "inspect", "--samples", "0,0") == (
        "--samples: row 0 is given twice (as 0); expected each row once"
    )
    line = _error(capsys, "plot", "network", "--population", "2", "--member", "1,-1", "-o",
                  str(tmp_path / "n.png"))  # fmt: skip
    assert line == "--member: index 1 is given twice (as -1); expected each member once"
    assert not (tmp_path / "n.png").exists()


# --- figures' options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "kind", "line"),
    [
        # matplotlib's FreeType said "FT_Set_Char_Size ... invalid ppem value" (RuntimeError)
        (lambda n, h: plots.network_diagram(n, dpi=2), ValueError,
         "dpi: expected a number >= 10, got 2 (int)"),
        (lambda n, h: plots.loss_curve(h, dpi=5.0), ValueError,
         "dpi: expected a number >= 10, got 5.0 (float)"),
        # an image of no pixels: "cannot write empty image", after drawing it
        (lambda n, h: plots.network_diagram(n, dpi=10, figsize=(0.01, 1)), ValueError,
         "figsize: expected at least 1 pixel per side, got (0.01, 1.0) inches at dpi 10 "
         "(0.1 x 10 pixels)"),
        # said of res, which the caller had not touched
        (lambda n, h: plots.decision_boundary(n, X, Y, unit_res="a"), TypeError,
         "unit_res: expected an integer >= 1, got 'a' (str)"),
        (lambda n, h: plots.decision_boundary(n, X, Y, unit_res=10**6), ValueError,
         "unit_res: a 1000000 x 1000000 grid of activations holds 6e+12 numbers, more than "
         "1.34e+08 (glassnet.grids.MAX_GRID_VALUES); expected unit_res <= 4729"),
        # "'>' not supported between instances of 'int' and 'str'"
        (lambda n, h: plots.loss_landscape(n, X, Y, res="no"), TypeError,
         "res: expected an integer >= 2, got 'no' (str)"),
    ],
)  # fmt: skip
def test_a_figures_options_are_refused_by_name_before_drawing(call, kind, line):
    net = gn.Network([3, 2, 1], seed=0)
    history = net.fit(X, Y, epochs=2)
    with pytest.raises(kind) as info:
        call(net, history)
    assert str(info.value) == line


def test_a_member_that_is_not_an_index_is_refused_by_name():
    pop = gn.Network([3, 2, 1], seed=[0, 1])
    history = pop.fit(X, Y, epochs=2)
    with pytest.raises(TypeError) as info:  # "'float' object is not iterable"
        plots.loss_curve(history, member=1.5)
    assert str(info.value) == "member: expected an index, a list of them or 'all', got 1.5 (float)"


def test_an_address_that_cannot_be_bound_names_the_host_not_the_port():
    from glassnet.playground import server as pg_server

    with pytest.raises(ValueError) as info:  # a loopback address, with a scope no one has
        pg_server.bind("::1%nosuchif0", 0)
    assert str(info.value).startswith("host: cannot listen on ::1%nosuchif0:0 (")  # "port: ..."


# --- a study's database is never replaced by another file ----------------------------------------


def test_a_study_database_is_not_replaced_by_an_export_or_a_figure(capsys, tmp_path):
    out = tmp_path / "study"
    gs.run(gs.parse_spec(TINY, "s.toml"), out, jobs=1)
    db = out / gs.DB_NAME
    before = db.read_bytes()
    refusal = f"{str(db)!r} is an SQLite database (a study's results?); glassnet replaces no "
    # it wrote the CSV over the database: every result of the study gone
    line = _error(capsys, "study", "export", str(out), "-o", str(db))
    assert (
        line == f"Invalid value for --out: {refusal}database with another file: choose another name"
    )
    picture = tmp_path / "results.png"  # a database under a picture's name
    picture.write_bytes(before)
    line = _error(capsys, "plot", "loss", "--epochs", "2", "-o", str(picture))
    assert line.startswith(f"Invalid value for --out: {str(picture)!r} is an SQLite database")
    assert db.read_bytes() == before == picture.read_bytes()
    assert gs.open(out).status()["runs_done"] == 4
    with pytest.raises(ValueError, match=r"^path: .* is an SQLite database"):
        gn.modelfile.save(gn.Network([3, 2, 1], seed=0), db)


def test_a_figure_name_no_format_takes_is_refused_before_training(capsys, tmp_path):
    # it trained, then failed: "Format 'sqlite' is not supported"
    line = _error(capsys, "plot", "loss", "--epochs", "2", "-o", str(tmp_path / "curve.mp4"))
    assert line.startswith(
        f"--out: {str(tmp_path / 'curve.mp4')!r} ends in '.mp4', which is no figure format; "
        "expected one of "
    )
    assert ".png" in line and ".svg" in line and not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match=r"^path: .* ends in '\.npz', which is no figure format"):
        plots.save(plots.loss_curve(gn.Network([3, 2, 1], seed=0).fit(X, Y, epochs=2)),
                   tmp_path / "m.npz")  # fmt: skip


def test_worker_counts_and_retries_are_bounded_before_the_study_is_made(capsys, tmp_path):
    import glassnet.study.runner as runner

    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    out = tmp_path / "study"
    most = runner.max_jobs()
    # a process (and its NumPy) per group, up to 10**5 of them; a failing group tried 10**9
    # times more
    for option, value, line in (
        ("--jobs", str(10**5), f"--jobs: expected an integer in [1, {most}], got 100000 (int)"),
        ("--retries", str(10**9), "--retries: expected an integer in [0, 100], got 1000000000 "
         "(int)"),
    ):  # fmt: skip
        assert _error(capsys, "study", "run", str(spec), "--out", str(out), option, value) == line
        assert not out.exists()  # refused before the directory was made
    with pytest.raises(ValueError, match=r"^jobs: expected an integer in \[1, "):
        gs.run(gs.parse_spec(TINY, "s.toml"), out, jobs=most + 1)


def test_checkpoints_named_by_epoch_are_bounded_before_the_first_epoch(capsys, tmp_path):
    out = tmp_path / "run"
    line = _error(capsys, "train", "-o", str(out), "--epochs", "10000000", "--checkpoint-every",
                  "1", "-q")  # fmt: skip
    assert line == (  # ten million files, one an epoch
        "--checkpoint-every: 10000000 epochs with a checkpoint each 1 write 10000001 files, more "
        "than 10000 (glassnet.training.MAX_CHECKPOINT_FILES); expected --checkpoint-every >= "
        "1001, fewer epochs, or a path without {epoch} (each save then replaces the last)"
    )
    assert not out.exists()
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"^every: 20000 epochs with a checkpoint each 1 write "):
        net.fit(X, Y, epochs=20000, callbacks=[gn.Checkpoint(tmp_path / "c-{epoch}.npz")])
    assert not list(tmp_path.glob("c-*"))
    assert gn.Checkpoint(tmp_path / "c-{epoch}.npz", every=3).check_files(20000) is None
    gn.Checkpoint(tmp_path / "last.npz").check_files(10**7)  # one file, replaced


def test_a_target_that_is_both_an_index_and_another_columns_name_is_refused(capsys, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,a,y\n5,0,0\n6,1,1\n7,1,1\n8,0,0\n")
    # --target 1 trained on column 'a' (index 1) when the column named '1' was as likely meant
    line = _error(capsys, "train", "--csv", str(path), "--target", "1", "-o", str(tmp_path / "o"))
    assert line == (
        "Invalid value for --target: '1' is both the index of column 'a' and the name of column "
        "0; a number is read as an index: give --target 0 for the column named '1', or "
        "--target a for 'a'"
    )
    path.write_text("a,1,y\n0,5,0\n1,6,1\n1,7,1\n0,8,0\n")  # the same column either way
    code, _, err = _run(capsys, "train", "--csv", str(path), "--target", "1", "-o",
                        str(tmp_path / "o"), "--epochs", "2", "-q", "--no-figure")  # fmt: skip
    assert code == 0, err


def test_an_export_is_written_in_the_format_its_name_says(capsys, tmp_path):
    out = tmp_path / "study"
    gs.run(gs.parse_spec(TINY, "s.toml"), out, jobs=1)
    # -f parquet -o r.csv wrote Parquet into r.csv, which read_export then read as CSV
    line = _error(capsys, "study", "export", str(out), "-f", "parquet", "-o",
                  str(tmp_path / "r.csv"))  # fmt: skip
    assert line == (
        f"Invalid value for --out: {str(tmp_path / 'r.csv')!r} ends in '.csv' but the format "
        "is parquet; name it r.parquet or write csv"
    )
    # -o r.parquet without --format wrote CSV into it: the name now says the format
    code, _, err = _run(capsys, "study", "export", str(out), "-o", str(tmp_path / "r.parquet"))
    assert code == 0, err
    assert (tmp_path / "r.parquet").read_bytes()[:4] == b"PAR1"
    assert len(gs.read_export(tmp_path / "r.parquet")) == 4
