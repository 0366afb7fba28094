"""``glassnet inspect``: the paper's numbers in three formats, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli import cli, main


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["inspect", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def paper_trace():
    net = gn.Network(
        [3, 2, 1], activation="sigmoid", output="sigmoid", bias="layer", init="paper", seed=1
    )
    X, y = gn.datasets.load("paper")
    return net.trace(X, y, loss="sse", lr=0.5)


def test_json_is_the_papers_trace():
    data = json.loads(run("--format", "json"))
    t = paper_trace()
    assert data["sizes"] == [3, 2, 1] and data["loss"] == "sse" and data["lr"] == 0.5
    assert data["data"] == "paper"
    assert data["cost"] == pytest.approx(t.cost, rel=1e-15)
    for got, want in zip(data["layers"], t.layers, strict=True):
        np.testing.assert_array_equal(got["W"], want.W)
        np.testing.assert_array_equal(got["dW"], want.dW)
        np.testing.assert_array_equal(got["step_b"], want.step_b)
        np.testing.assert_array_equal(got["delta"], want.delta)


def test_table_shows_formulas_and_hand_numbers():
    out = run()
    assert "z^(1) = a^(0) W^(1) + b^(1)" in out
    assert "delta^(1) = (delta^(2) W^(2)^T) * sigmoid'(z^(1))" in out
    assert "step W^(2) = -0.5 dC/dW^(2)" in out
    assert "C = 1.010441" in out
    # first case: z^(1) = b0 + S0[2, :] since x = (0, 0, 1); a^(2) = 0.454172
    assert "-0.912953" in out and "0.454172" in out
    # the layer-1 gradient of w_11 and its step
    assert "0.048323" in out and "-0.024162" in out
    assert out.index("Forward pass") < out.index("Cost") < out.index("Backward pass")


def test_markdown_has_latex_formulas_and_tables():
    out = run("--format", "md", "--digits", "4")
    assert "$$ z^{(1)} = a^{(0)} W^{(1)} + b^{(1)} $$" in out
    assert r"$$ \frac{\partial C}{\partial W^{(1)}} = {a^{(0)}}^{\top} \delta^{(1)} $$" in out
    assert "| $k$ |" in out and "| 0 | 0.0000 | 0.0000 | 1.0000 | -0.9130 |" in out
    assert "### Layer 2 (output): 2 -> 1, sigmoid" in out


def test_rows_from_the_command_line_and_samples():
    data = json.loads(
        run("--format", "json", "--x", "0,0,1", "--y", "0", "--x", "1,1,1", "--y", "1")
    )
    t = paper_trace()
    rows = gn.Network(
        [3, 2, 1], activation="sigmoid", output="sigmoid", bias="layer", init="paper", seed=1
    ).trace(t.X[:2], t.y[:2], loss="sse")
    np.testing.assert_array_equal(data["layers"][0]["dW"], rows.layers[0].dW)
    assert data["data"] == "command line"
    picked = json.loads(run("--format", "json", "--samples", "2,0"))
    assert picked["samples"] == [2, 0] and len(picked["X"]) == 2


def test_model_file_and_population_member(tmp_path):
    pop = gn.Network([3, 4, 1], activation="tanh", seed=[5, 6], bias="neuron")
    path = tmp_path / "pop.npz"
    pop.save(path)
    data = json.loads(run("--model", str(path), "--member", "1", "--format", "json"))
    X, y = gn.datasets.load("paper")
    want = pop.member(1).trace(X, y, loss="sse", lr=0.5)
    assert data["member"] == 1 and data["sizes"] == [3, 4, 1]
    np.testing.assert_array_equal(data["layers"][1]["dW"], want.layers[1].dW)


def test_fused_loss_and_deep_network_render():
    out = run("--dataset", "xor", "--sizes", "2,3,3,1", "--activation", "relu,tanh",
              "--init", "xavier", "--loss", "bce", "--bias", "neuron")  # fmt: skip
    assert "fused with the sigmoid output" in out and "Layer 3 (output)" in out


@pytest.mark.parametrize(
    "args, words",
    [
        (["--dataset", "nope"], "dataset"),
        (["--samples", "9"], "samples"),
        (["--x", "0,0,1", "--y", "0", "--x", "1,1", "--y", "1"], "--x"),
        (["--x", "0,a,1", "--y", "0"], "--x"),
        (["--x", "0,0,1"], "--y"),
        (["--sizes", "2,2,1"], "columns"),
        (["--activation", "nope"], "activation"),
        (["--lr", "-1"], "lr"),
        (["--format", "xml"], "format"),
        (["--dataset", "xor", "--x", "0,0", "--y", "0"], "--dataset"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, words):
    with pytest.raises(SystemExit) as exc:
        main(["inspect", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error:") and words in err
